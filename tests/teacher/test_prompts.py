"""Golden tests: the two data-construction prompts, character for character."""

from __future__ import annotations

import pytest

from uniner.errors import RegistryError
from uniner.teacher.prompts import DEFINITION_PROMPT, TYPE_PROMPT, Prompt, get_prompt

PASSAGE = 'Apple {sic} was founded by "Steve Jobs".'


def test_type_prompt_golden_messages() -> None:
    assert TYPE_PROMPT.messages(PASSAGE) == [
        {"role": "system", "content": "You are a helpful information extraction system."},
        {
            "role": "user",
            "content": "Given a passage, your task is to extract all entities and identify their entity types. "
            "The output should be in a list of tuples of the following format: "
            '[("entity 1", "type of entity 1"), ... ].\n'
            'Passage: Apple {sic} was founded by "Steve Jobs".',
        },
    ]


def test_definition_prompt_golden_messages() -> None:
    assert DEFINITION_PROMPT.messages(PASSAGE) == [
        {"role": "system", "content": "You are a helpful information extraction system."},
        {
            "role": "user",
            "content": "Given a paragraph, your task is to extract all entities and concepts, and define their "
            "type using a short sentence. The output should be in the following format: "
            '[("entity", "definition of entity type in a short sentence"), ... ]\n'
            'Paragraph: Apple {sic} was founded by "Steve Jobs".',
        },
    ]


def test_prompt_passage_with_braces_is_inserted_verbatim() -> None:
    assert TYPE_PROMPT.user("{passage} {0} }{").endswith("Passage: {passage} {0} }{")


def test_prompt_requires_one_passage_slot() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Prompt("bad", "sys", "no slot", "")


def test_get_prompt_finds_builtins_without_filling_registries() -> None:
    assert get_prompt("type") is TYPE_PROMPT and get_prompt("definition") is DEFINITION_PROMPT
    with pytest.raises(RegistryError, match="unknown teacher prompt 'x'; available: definition, type"):
        get_prompt("x")
