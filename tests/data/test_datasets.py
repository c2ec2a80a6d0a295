import json

import pytest

from uniner.data.bio import read_labels
from uniner.data.datasets import DATASETS, ZERO_SHOT, dataset_from_path, groups, resolve_datasets
from uniner.errors import ConfigError, RegistryError


def test_zero_shot_types_use_uniner_spellings():
    assert "program language" in DATASETS.get("crossner_ai").types
    assert "metrics" in DATASETS.get("crossner_ai").types
    assert DATASETS.get("mit_restaurant").types[-1] == "Restaurant Name"
    assert DATASETS.get("ontonotes5").type_names["NORP"] == "nationality, religious or political group"
    assert DATASETS.get("fabner").type_names["MATE"] == "material"
    assert DATASETS.get("multinerd").type_names["ANIM"] == "animal"


def test_groups():
    g = groups()
    assert g["zero-shot"] == list(ZERO_SHOT)
    assert set(g["training"]).isdisjoint(ZERO_SHOT)
    assert "conll2003" in g["supervised"] and "ontonotes5" not in g["supervised"]
    assert set(g["all"]) == set(DATASETS.names()) and len(g["all"]) == 21


def test_resolve_datasets_order_and_dedup():
    names = [s.name for s in resolve_datasets("mit_movie,zero-shot")]
    assert names[0] == "mit_movie" and len(names) == 7


def test_resolve_unknown_dataset_lists_choices():
    with pytest.raises(RegistryError, match="unknown dataset 'nope'.*zero-shot.*conll2003"):
        resolve_datasets("nope")


def test_missing_split_lists_available():
    with pytest.raises(ConfigError, match="no 'dev' split; available: train, test"):
        DATASETS.get("mit_movie").split_path("dev")


def test_user_directory_by_path(tmp_path):
    (tmp_path / "labels.txt").write_text("dish\nprice\n")
    (tmp_path / "test.txt").write_text("cheap\tB-price\nramen\tB-dish\n")
    [spec] = resolve_datasets(str(tmp_path))
    assert spec.splits == ("test",) and spec.types == ["dish", "price"]
    [ex] = list(spec.examples("test"))
    assert [(e.text, e.type) for e in ex.entities] == [("cheap", "price"), ("ramen", "dish")]


def test_bare_uniner_file_by_path(tmp_path):
    record = {"id": "q0", "conversations": [
        {"from": "human", "value": "Text: a b"}, {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes thing in the text?"}, {"from": "gpt", "value": "[]"}]}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps([record]))
    spec = dataset_from_path(path)
    assert spec.name == "mine" and spec.types == ["thing"] and not spec.has_bio
    assert spec.uniner_eval_path() == path
    with pytest.raises(ConfigError, match="no 'test' split"):
        list(spec.examples("test"))


def test_registry_matches_files_on_disk(data_dir):
    for name in DATASETS.names():
        spec = DATASETS.get(name)
        folder = data_dir / "benchmark" / name
        assert tuple(read_labels(folder / "labels.txt")) == spec.labels, name
        on_disk = tuple(s for s in ("train", "dev", "test") if (folder / f"{s}.txt").is_file())
        assert on_disk == spec.splits, name
        assert (folder / "uniner_test.json").is_file() == spec.has_uniner_eval, name


def test_every_zero_shot_test_split_loads_with_known_types(data_dir):
    for name in ZERO_SHOT:
        spec = DATASETS.get(name)
        examples = list(spec.examples("test", data_dir))
        assert examples and all(e.type in spec.types for ex in examples for e in ex.entities)
