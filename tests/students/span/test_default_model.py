"""The shipped model (models/default), loaded for real: marked integration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.students.span.predictor import WEIGHTS_FILE, SpanPredictor

DEFAULT = Path(__file__).resolve().parents[3] / "models" / "default"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def shipped() -> SpanPredictor:
    if not (DEFAULT / "uniner.json").is_file():
        pytest.skip("models/default is not installed")
    return SpanPredictor.from_pretrained(DEFAULT)


def test_default_model_is_small_and_documented():
    if not (DEFAULT / "uniner.json").is_file():
        pytest.skip("models/default is not installed")
    assert (DEFAULT / WEIGHTS_FILE).stat().st_size <= 50 * 1024 * 1024
    assert json.loads((DEFAULT / "uniner.json").read_text())["backend"] == "span"
    card = (DEFAULT / "MODEL_CARD.md").read_text()
    assert "uniner train --student span" in card and "CC BY-NC 4.0" in card


def test_default_model_finds_people_and_places(shipped):
    text = "Barack Obama was born in Honolulu, Hawaii, and later moved to Chicago."
    (ents,) = shipped.predict([text], ["person", "location"])
    found = {(e.text, e.type) for e in ents}
    assert ("Barack Obama", "person") in found
    assert {"Honolulu", "Chicago"} & {t for t, ty in found if ty == "location"}


def test_default_model_long_document_offsets(shipped):
    filler = "The committee met again and discussed the budget at length. " * 80  # ~1,000 tokens
    text = filler + "Angela Merkel spoke in Berlin."
    (ents,) = shipped.predict([text], ["person"])
    assert any(e.text == "Angela Merkel" and e.start == len(filler) for e in ents)


def test_default_model_megabyte_text_runs_in_windows(shipped):
    text = ("Ann Smith flew to Rome on Monday. " * 31000)[:1_000_000]
    _words, windows, encoded = shipped._plan(text)
    assert len(windows) > 1000 and max(len(e.input_ids) for e in encoded) <= shipped.config.window_tokens
