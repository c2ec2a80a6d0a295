from __future__ import annotations

import json
import warnings

import pytest

from uniner.errors import ConfigError, UninerWarning
from uniner.students.span.config import CONFIG_FILE, SpanConfig


def test_config_round_trips_through_json(tmp_path):
    config = SpanConfig(max_width=8, head_lr=3e-4, source_caps="a=10,b=20")
    config.save(tmp_path)
    assert SpanConfig.load(tmp_path) == config
    assert json.loads((tmp_path / CONFIG_FILE).read_text())["max_width"] == 8


def test_config_unknown_key_is_an_error_for_user_configs():
    with pytest.raises(ConfigError, match="unknown span config key.*'max_widht'.*valid keys: .*max_width"):
        SpanConfig.from_dict({"max_widht": 3})


def test_config_unknown_key_in_saved_artefact_warns(tmp_path):
    (tmp_path / CONFIG_FILE).write_text(json.dumps({"max_width": 5, "from_the_future": 1}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        config = SpanConfig.load(tmp_path)
    assert config.max_width == 5
    assert any(issubclass(w.category, UninerWarning) and "from_the_future" in str(w.message) for w in caught)


def test_config_coerces_set_strings_and_rejects_bad_types():
    assert SpanConfig.from_dict({"max_width": "10", "head_lr": "1e-4"}).max_width == 10
    with pytest.raises(ConfigError, match="max_width: expected int"):
        SpanConfig.from_dict({"max_width": "ten"})
    with pytest.raises(ConfigError, match="expected int"):
        SpanConfig.from_dict({"max_width": 2.5})


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"max_width": 0}, "max_width must be >= 1"),
        ({"window_overlap": 200, "window_tokens": 256}, "window_overlap"),
        ({"dropout": 1.0}, "dropout"),
        ({"source_caps": "pile=abc"}, "not name=N"),
        ({"architecture": "other.v9"}, "not supported"),
    ],
)
def test_config_rejects_invalid_values(changes, message):
    with pytest.raises(ConfigError, match=message):
        SpanConfig.from_dict(changes)


def test_config_caps_parse_source_names():
    assert SpanConfig(source_caps="pile_ner_391=2231, medquad_gemini=1200").caps() == {
        "pile_ner_391": 2231,
        "medquad_gemini": 1200,
    }


def test_config_load_reports_missing_and_invalid_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        SpanConfig.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        SpanConfig.load(bad)
