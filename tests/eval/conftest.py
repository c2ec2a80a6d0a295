"""Small hand-written datasets for the eval tests: a BIO directory with an official-style file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Three sentences; the official file below mimics the upstream conversion: it drops the
# last sentence and the entity that ends sentence 1 ("Rome").
BIO = """Ada\tB-person
Lovelace\tI-person
met\tO
Babbage\tB-person
in\tO
London\tB-location
.\tO

Bob\tB-person
flew\tO
to\tO
Rome\tB-location

Ann\tB-person
stayed\tO
"""


def official_record(index: int, passage: str, type_name: str, answer: list[str]) -> dict:
    return {
        "id": f"toy_{index}",
        "conversations": [
            {"from": "human", "value": f"Text: {passage}"},
            {"from": "gpt", "value": "I've read this text."},
            {"from": "human", "value": f"What describes {type_name} in the text?"},
            {"from": "gpt", "value": json.dumps(answer)},
        ],
    }


OFFICIAL = [
    ("Ada Lovelace met Babbage in London .", "person", ["Ada Lovelace", "Babbage"]),
    ("Ada Lovelace met Babbage in London .", "location", ["London"]),
    ("Bob flew to Rome", "location", []),
    ("Bob flew to Rome", "person", ["Bob"]),
]


@pytest.fixture
def toy_dir(tmp_path: Path) -> Path:
    root = tmp_path / "toy"
    root.mkdir()
    (root / "labels.txt").write_text("person\nlocation\n", encoding="utf-8")
    (root / "test.txt").write_text(BIO, encoding="utf-8")
    (root / "dev.txt").write_text(BIO, encoding="utf-8")
    records = [official_record(i, *item) for i, item in enumerate(OFFICIAL)]
    (root / "uniner_test.json").write_text(json.dumps(records), encoding="utf-8")
    return root
