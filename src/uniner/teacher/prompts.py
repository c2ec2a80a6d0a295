"""The teacher's two data-construction prompts, kept as data in one place.

Both are the UniversalNER paper's (Zhou et al. 2023, "Data Construction Prompt"
and its definition-based variant), word for word.  The paper's figure puts the
``Passage:`` / ``Paragraph:`` line on its own line, so the passage follows a
newline.  The golden tests in ``tests/teacher/test_prompts.py`` pin the exact
strings: a change here changes the teacher data, so it must be deliberate.
"""

from __future__ import annotations

from dataclasses import dataclass

from uniner.errors import RegistryError
from uniner.registry import Registry

SYSTEM_MESSAGE = "You are a helpful information extraction system."

#: Where the passage goes in a user template.  Substituted with ``str.replace``,
#: not ``str.format``, so braces in a passage are never interpreted.
PASSAGE_SLOT = "{passage}"


@dataclass(frozen=True, slots=True)
class Prompt:
    """A system message and a user template with one ``{passage}`` slot."""

    name: str
    system: str
    user_template: str
    description: str

    def __post_init__(self) -> None:
        if self.user_template.count(PASSAGE_SLOT) != 1:
            raise ValueError(f"prompt {self.name!r}: the user template needs exactly one {PASSAGE_SLOT}")

    def user(self, passage: str) -> str:
        return self.user_template.replace(PASSAGE_SLOT, passage)

    def messages(self, passage: str) -> list[dict[str, str]]:
        """OpenAI chat messages for one passage."""
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user(passage)}]


TYPE_PROMPT = Prompt(
    name="type",
    system=SYSTEM_MESSAGE,
    user_template=(
        "Given a passage, your task is to extract all entities and identify their entity types. "
        "The output should be in a list of tuples of the following format: "
        '[("entity 1", "type of entity 1"), ... ].\n'
        "Passage: {passage}"
    ),
    description="entity types (the paper's Pile-NER prompt)",
)

DEFINITION_PROMPT = Prompt(
    name="definition",
    system=SYSTEM_MESSAGE,
    user_template=(
        "Given a paragraph, your task is to extract all entities and concepts, and define their type "
        "using a short sentence. The output should be in the following format: "
        '[("entity", "definition of entity type in a short sentence"), ... ]\n'
        "Paragraph: {passage}"
    ),
    description="a short-sentence definition of each entity's type (the paper's definition-based variant)",
)

_BUILTIN = {p.name: p for p in (TYPE_PROMPT, DEFINITION_PROMPT)}


def get_prompt(name: str) -> Prompt:
    """A prompt by name, without filling every registry first.

    ``PROMPTS.get`` would import every registering module (torch, spaCy, ...)
    on the way; ``uniner annotate`` needs none of them.
    """
    prompt = _BUILTIN.get(name)
    if prompt is None:
        raise RegistryError(f"unknown teacher prompt {name!r}; available: {', '.join(sorted(_BUILTIN))}")
    return prompt


PROMPTS: Registry[Prompt] = Registry("teacher prompt")
for _prompt in _BUILTIN.values():
    PROMPTS.register(_prompt.name, _prompt)
