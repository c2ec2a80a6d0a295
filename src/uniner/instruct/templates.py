"""Prompt templates: how a conversation becomes one training or inference string.

Two kinds, both in the ``PROMPT_TEMPLATES`` registry:

* ``uniner``: the official UniversalNER prompt, byte for byte what the released
  checkpoints were trained on and expect at inference.  It is FastChat's
  ``ie_as_qa`` template (``SeparatorStyle.ADD_COLON_TWO``, system below, roles
  ``USER``/``ASSISTANT``, ``sep=" "``, ``sep2="</s>"``) in
  universal-ner/universal-ner ``src/conversation.py`` and
  ``src/train/fastchat/conversation.py`` @ 1d30fd9 / 7a20a9c; inference builds it
  with ``get_prompt()`` (``src/utils.py`` ``preprocess_instance``), so the prompt
  ends ``ASSISTANT:`` with no trailing space, and stops at ``</s>``
  (``src/serve/inference.py``).  Training (``src/train/fastchat/train/train.py``
  ``preprocess2``) learns ``{answer}</s>`` after each ``ASSISTANT: ``.
* ``chat`` / ``chat-nosystem``: the base model's own chat template through
  ``tokenizer.apply_chat_template``, with or without the UniversalNER system line.

A template renders a list of turns into a ``RenderedText``: the string plus, for
every assistant turn, the character span to train on (answer and end-of-turn
marker) and where the turn ends.  Everything here is a pure function of its
inputs; tokenisation happens in ``render.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from uniner.errors import ConfigError
from uniner.registry import Registry

#: The system line of the official ``ie_as_qa`` template.
SYSTEM_PROMPT = "A virtual assistant answers questions from a user based on the provided text."
UNINER_ROLES = ("USER", "ASSISTANT")
UNINER_SEP = " "
UNINER_SEP2 = "</s>"

USER, ASSISTANT = "user", "assistant"

#: One turn: (role, content), role ``user`` or ``assistant``.
Turn = tuple[str, str]


@dataclass(frozen=True)
class RenderedText:
    """A rendered conversation and where its assistant turns are.

    ``label_spans[i]`` is the half-open character span of assistant turn ``i`` that
    is trained on (its answer plus the end-of-turn marker); ``turn_ends[i]`` is the
    character offset where that turn, separators included, ends; the text cut
    there is the rendering of the conversation up to that turn.
    """

    text: str
    label_spans: tuple[tuple[int, int], ...]
    turn_ends: tuple[int, ...]
    #: Whether the tokenizer should add its own special tokens (BOS); chat
    #: templates write theirs into the text.
    add_special_tokens: bool


class PromptTemplate(Protocol):
    @property
    def name(self) -> str: ...

    def render(self, turns: Sequence[Turn], tokenizer: Any = None) -> RenderedText:
        """The whole conversation (alternating user/assistant, ending with assistant)."""
        ...

    def prompt(self, turns: Sequence[Turn], tokenizer: Any = None) -> str:
        """The inference prompt: the turns (ending with a user turn) and the cue to answer."""
        ...

    def stop_strings(self, tokenizer: Any = None) -> list[str]:
        """Strings that end an answer when generating."""
        ...


def check_turns(turns: Sequence[Turn], last: str) -> None:
    """Turns must alternate user/assistant, starting with user and ending with ``last``."""
    if not turns:
        raise ConfigError("a conversation needs at least one turn")
    for i, (role, content) in enumerate(turns):
        expected = USER if i % 2 == 0 else ASSISTANT
        if role != expected:
            raise ConfigError(f"turn {i} must be from {expected}, got {role!r}")
        if not isinstance(content, str):
            raise ConfigError(f"turn {i} content must be a string, got {type(content).__name__}")
    if turns[-1][0] != last:
        raise ConfigError(f"the conversation must end with a {last} turn, got {turns[-1][0]}")


@dataclass(frozen=True)
class UninerTemplate:
    """The official ``ie_as_qa`` prompt (see the module docstring for its source)."""

    name: str = "uniner"

    def _head(self) -> str:
        return SYSTEM_PROMPT + UNINER_SEP

    def render(self, turns: Sequence[Turn], tokenizer: Any = None) -> RenderedText:
        check_turns(turns, last=ASSISTANT)
        parts = [self._head()]
        length = len(parts[0])
        spans: list[tuple[int, int]] = []
        ends: list[int] = []
        for role, content in turns:
            if role == USER:
                piece = f"{UNINER_ROLES[0]}: {content}{UNINER_SEP}"
                parts.append(piece)
                length += len(piece)
                continue
            cue = f"{UNINER_ROLES[1]}: "
            answer = content + UNINER_SEP2
            parts += [cue, answer]
            start = length + len(cue)
            length = start + len(answer)
            spans.append((start, length))
            ends.append(length)
        return RenderedText("".join(parts), tuple(spans), tuple(ends), add_special_tokens=True)

    def prompt(self, turns: Sequence[Turn], tokenizer: Any = None) -> str:
        check_turns(turns, last=USER)
        done = self.render(turns[:-1], tokenizer).text if len(turns) > 1 else self._head()
        # get_prompt() with the last message None appends "ROLE:" and nothing else.
        return f"{done}{UNINER_ROLES[0]}: {turns[-1][1]}{UNINER_SEP}{UNINER_ROLES[1]}:"

    def stop_strings(self, tokenizer: Any = None) -> list[str]:
        return [UNINER_SEP2]


@dataclass(frozen=True)
class ChatTemplate:
    """The tokenizer's own chat template (``tokenizer.apply_chat_template``).

    Assistant spans are found by rendering incrementally: the text with the
    generation cue before turn ``i`` and the text through turn ``i`` must be
    prefixes of the full rendering (true of every prefix-stable template: ChatML,
    Llama, Gemma, ...); a template that is not is rejected, never guessed at.
    """

    name: str
    system: str | None

    def _messages(self, turns: Sequence[Turn]) -> list[dict[str, str]]:
        head = [{"role": "system", "content": self.system}] if self.system is not None else []
        return head + [{"role": role, "content": content} for role, content in turns]

    def _apply(self, tokenizer: Any, messages: list[dict[str, str]], cue: bool) -> str:
        if tokenizer is None or getattr(tokenizer, "chat_template", None) is None:
            raise ConfigError(f"template {self.name!r} needs a tokenizer with a chat template")
        from jinja2 import TemplateError

        try:
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=cue)
        except (TemplateError, ValueError, TypeError, KeyError) as err:  # e.g. a template refusing a system turn
            raise ConfigError(f"the tokenizer's chat template failed ({err}); try another --template") from None
        if not isinstance(text, str):
            raise ConfigError("apply_chat_template(tokenize=False) did not return a string")
        return text

    def render(self, turns: Sequence[Turn], tokenizer: Any = None) -> RenderedText:
        check_turns(turns, last=ASSISTANT)
        messages = self._messages(turns)
        offset = len(messages) - len(turns)
        full = self._apply(tokenizer, messages, cue=False)
        spans: list[tuple[int, int]] = []
        ends: list[int] = []
        for i in range(1, len(turns), 2):
            before = self._apply(tokenizer, messages[: offset + i], cue=True)
            through = self._apply(tokenizer, messages[: offset + i + 1], cue=False)
            if not (through.startswith(before) and full.startswith(through)):
                raise ConfigError(f"template {self.name!r}: the chat template is not prefix-stable at turn {i}")
            turn_text = through[len(before):]
            at = turn_text.find(turns[i][1])
            if at < 0:
                raise ConfigError(f"template {self.name!r}: the chat template rewrites the assistant message")
            # What follows the answer, minus trailing whitespace, is the end-of-turn marker.
            spans.append((len(before) + at, len(before) + len(turn_text.rstrip())))
            ends.append(len(through))
        return RenderedText(full, tuple(spans), tuple(ends), add_special_tokens=False)

    def prompt(self, turns: Sequence[Turn], tokenizer: Any = None) -> str:
        check_turns(turns, last=USER)
        return self._apply(tokenizer, self._messages(turns), cue=True)

    def stop_strings(self, tokenizer: Any = None) -> list[str]:
        probe = "PROBE"
        rendered = self.render([(USER, "q"), (ASSISTANT, probe)], tokenizer)
        start, end = rendered.label_spans[0]
        marker = rendered.text[start + len(probe): end]
        eos = getattr(tokenizer, "eos_token", None)
        return list(dict.fromkeys(s for s in (marker, eos) if s))


PROMPT_TEMPLATES: Registry[PromptTemplate] = Registry("prompt template")
PROMPT_TEMPLATES.register("uniner", UninerTemplate())
PROMPT_TEMPLATES.register("chat", ChatTemplate("chat", SYSTEM_PROMPT))
PROMPT_TEMPLATES.register("chat-nosystem", ChatTemplate("chat-nosystem", None))
