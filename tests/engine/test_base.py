import json

import pytest

from uniner.engine.base import BACKENDS, backend_for, load_predictor, validate_types
from uniner.errors import ConfigError


def test_validate_types_strips_and_keeps_order():
    assert validate_types([" person", "city "]) == ["person", "city"]


@pytest.mark.parametrize(
    "types, message",
    [([], "empty"), (["a", " "], "empty"), (["City", "city"], "given twice"), ("person", "not a single string")],
)
def test_validate_types_rejects_bad_lists(types, message):
    with pytest.raises(ConfigError, match=message):
        validate_types(types)


def test_backend_for_reads_manifest(tmp_path):
    (tmp_path / "uniner.json").write_text(json.dumps({"backend": "span"}))
    assert backend_for(str(tmp_path)) == "span"


def test_backend_for_bad_manifest(tmp_path):
    (tmp_path / "uniner.json").write_text("{}")
    with pytest.raises(ConfigError, match="not a valid model manifest"):
        backend_for(str(tmp_path))


def test_backend_for_directory_without_manifest_asks_for_backend(tmp_path):
    with pytest.raises(ConfigError, match="pass --backend"):
        backend_for(str(tmp_path))


def test_load_predictor_unknown_name_lists_models():
    with pytest.raises(ConfigError, match="unknown model 'no-such-model'"):
        load_predictor("no-such-model")
    assert BACKENDS.names()  # populated lazily without error
