from __future__ import annotations

import json

import pytest
import torch

from uniner.errors import ConfigError
from uniner.students.span.config import CONFIG_FILE, SpanConfig
from uniner.students.span.predictor import SpanPredictor
from uniner.students.span.train import resolve_config
from uniner.students.trainers import TRAINERS, TrainRequest

SENTENCES = [
    (["Ann", "Lee", "works", "at", "Acme", "Corp", "in", "Oslo", "."], [[0, 1, "person"], [4, 5, "company"], [7, 7, "city"]]),
    (["Bob", "visited", "Paris", "and", "Rome", "."], [[0, 0, "person"], [2, 2, "city"], [4, 4, "city"]]),
    (["The", "Globex", "board", "met", "Carla", "Diaz", "."], [[1, 1, "company"], [4, 5, "person"]]),
] * 4


@pytest.fixture()
def fixture_data(tmp_path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps([{"tokenized_text": t, "ner": n} for t, n in SENTENCES]))
    return path


def tiny_overrides(tiny_config: SpanConfig) -> dict[str, str]:
    keys = ("base", "hidden_size", "max_width", "window_tokens", "window_overlap", "train_max_tokens", "dropout")
    return {k: str(getattr(tiny_config, k)) for k in keys} | {"eval_steps": "2", "dev_fraction": "0.2", "save_minutes": "0"}


def test_train_runs_saves_checkpoints_and_resumes(tiny_config, fixture_data, tmp_path):
    out = tmp_path / "run"
    request = TrainRequest("span", (str(fixture_data),), out, max_steps=2, batch_size=2,
                           overrides=tiny_overrides(tiny_config))
    result = TRAINERS.get("span")(request)
    assert result.steps == 2 and "eval_f1" in result.metrics and "eval_f1@0.3" in result.metrics
    checkpoint = out / "checkpoint-2"
    assert (checkpoint / "model.safetensors").is_file() and (checkpoint / CONFIG_FILE).is_file()
    manifest = json.loads((checkpoint / "uniner.json").read_text())
    assert manifest["backend"] == "span" and manifest["step"] == 2 and manifest["provenance"]["config"]
    SpanPredictor.from_pretrained(checkpoint).predict(["Ann met Bob ."], ["person"])  # a checkpoint is a model

    resumed = TRAINERS.get("span")(TrainRequest("span", (str(fixture_data),), out, max_steps=4, resume=True,
                                                overrides={}))
    assert resumed.steps == 4 and (out / "checkpoint-4").is_dir()
    state = json.loads((out / "checkpoint-4" / "trainer_state.json").read_text())
    assert next(h["step"] for h in state["log_history"] if "loss" in h) == 1  # history carried over, not restarted
    loaded = SpanPredictor.from_pretrained(out / "final")
    assert loaded.predict([""], ["person"]) == [[]]


def test_resolve_config_merges_file_sets_and_flags(tmp_path):
    config_file = tmp_path / "c.json"
    config_file.write_text(json.dumps({"max_width": 7, "head_lr": 0.01}))
    request = TrainRequest("span", ("x",), tmp_path / "o", config_file=config_file, batch_size=3,
                           overrides={"head_lr": "0.02"}, learning_rate=1e-5)
    config = resolve_config(request)
    assert (config.max_width, config.head_lr, config.batch_size, config.encoder_lr) == (7, 0.02, 3, 1e-5)


def test_resolve_config_keeps_weight_shaping_settings_on_resume(tmp_path):
    SpanConfig(freeze_layers=2).save(tmp_path)
    with pytest.raises(ConfigError, match="cannot change freeze_layers when resuming"):
        resolve_config(TrainRequest("span", ("x",), tmp_path, resume=True, overrides={"freeze_layers": "0"}))
    config = resolve_config(TrainRequest("span", ("x",), tmp_path, resume=True, overrides={"threads": "2"}))
    assert (config.freeze_layers, config.threads) == (2, 2)
    with pytest.raises(ConfigError, match="cannot change type_projection"):  # linear and mlp hold different weights
        resolve_config(TrainRequest("span", ("x",), tmp_path, resume=True, overrides={"type_projection": "linear"}))


def test_resolve_config_resume_accepts_the_runs_own_fixed_values(tmp_path):
    # The documented way to continue is the original command plus --resume.
    SpanConfig(freeze_layers=3).save(tmp_path)
    config = resolve_config(TrainRequest("span", ("x",), tmp_path, resume=True,
                                         overrides={"freeze_layers": "3", "threads": "2"}))
    assert (config.freeze_layers, config.threads) == (3, 2)
    with pytest.raises(ConfigError, match="cannot change base"):
        resolve_config(TrainRequest("span", ("x",), tmp_path, resume=True, base="/elsewhere"))


def test_resolve_config_rejects_unknown_set_key(tmp_path):
    with pytest.raises(ConfigError, match="unknown span config key"):
        resolve_config(TrainRequest("span", ("x",), tmp_path, overrides={"nope": "1"}))


def test_linear_type_projection_starts_as_identity(tiny_config):
    from uniner.students.span.model import load_base

    model, _ = load_base(tiny_config.replace(type_projection="linear"))
    pooled = torch.randn(3, 32)
    assert not any("type_projection.mlp" in name for name, _ in model.named_parameters())
    assert torch.allclose(model.project_types(pooled), torch.nn.functional.normalize(pooled, dim=-1), atol=1e-6)


def test_transfer_dev_set_must_not_be_a_training_source(tmp_path):
    from uniner.errors import ConfigError
    from uniner.students.span.dev import transfer_pairs

    config = SpanConfig(dev_sets="conll2003:dev")
    with pytest.raises(ConfigError, match="also a training source"):
        transfer_pairs(config, tmp_path, ["conll2003", "pile_ner_391"])
    assert transfer_pairs(SpanConfig(), tmp_path, ["conll2003"]) == []


def test_export_tunes_threshold_and_decoding_on_dev_and_reloads(tiny_config, fixture_data, tmp_path):
    from uniner.students.span.export import THRESHOLDS, export

    out = tmp_path / "run"
    request = TrainRequest("span", (str(fixture_data),), out, max_steps=2, batch_size=2,
                           overrides=tiny_overrides(tiny_config))
    TRAINERS.get("span")(request)
    (tmp_path / "shipped").mkdir()
    (tmp_path / "shipped" / "MODEL_CARD.md").write_text("kept")
    info = export(out / "checkpoint-2", tmp_path / "shipped")
    chosen = info["threshold"]
    assert chosen["value"] in THRESHOLDS and isinstance(chosen["multi_label"], bool)
    assert len(chosen["dev_f1"]) == 2 * len(THRESHOLDS) and "multi@0.3" in chosen["dev_f1"]
    best = max(chosen["dev_f1"].values())
    assert chosen["dev_f1"][f"{'multi' if chosen['multi_label'] else 'single'}@{chosen['value']:g}"] == best
    loaded = SpanPredictor.from_pretrained(tmp_path / "shipped")
    assert loaded.threshold == chosen["value"] and loaded.multi_label == chosen["multi_label"]
    assert (tmp_path / "shipped" / "MODEL_CARD.md").read_text() == "kept"
    original = SpanPredictor.from_pretrained(out / "checkpoint-2", threshold=chosen["value"],
                                             multi_label=chosen["multi_label"])
    text, types = ["Ann met Bob ."], ["person", "city"]
    spans = lambda predictor: [(e.start, e.end, e.type) for e in predictor.predict(text, types)[0]]
    assert spans(loaded) == spans(original)  # fp16 moves scores in the 4th digit, not the decisions here


def test_export_averages_checkpoints_of_one_run_and_refuses_others(tiny_config, fixture_data, tmp_path):
    from uniner.students.span.export import export, main

    def train(out, steps, **extra):
        overrides = tiny_overrides(tiny_config) | {"eval_steps": "1", "save_total_limit": "5"} | extra
        TRAINERS.get("span")(TrainRequest("span", (str(fixture_data),), out, max_steps=steps, batch_size=2,
                                          overrides=overrides))

    run = tmp_path / "run"
    train(run, 3)
    steps = [run / f"checkpoint-{n}" for n in (1, 2, 3)]
    states = [SpanPredictor.from_pretrained(p).model.state_dict() for p in steps]
    key = "span_refine.weight"  # starts at zero: any value it holds was learned
    assert not torch.equal(states[0][key], states[2][key])  # training moved the weights: the mean is not trivial
    info = export(steps[2], tmp_path / "avg", tune=False, average=steps[:2])
    assert [a["step"] for a in info["averaged_with"]] == [1, 2]
    averaged = SpanPredictor.from_pretrained(tmp_path / "avg").model.state_dict()
    mean = sum(s[key] for s in states) / 3
    off_mean = (averaged[key] - mean).abs().max()  # fp16 on disk: close, not equal
    assert off_mean < 0.05 * (states[2][key] - mean).abs().max()  # far closer to the mean than to the last step

    other = tmp_path / "other"  # another seed: a different run, whose mean with ours means nothing
    TRAINERS.get("span")(TrainRequest("span", (str(fixture_data),), other, max_steps=1, batch_size=2, seed=7,
                                      overrides=tiny_overrides(tiny_config) | {"eval_steps": "1"}))
    with pytest.raises(ConfigError, match="not a checkpoint of the same run"):
        export(steps[2], tmp_path / "bad", tune=False, average=[other / "checkpoint-1"])
    with pytest.raises(ConfigError, match="listed twice"):
        export(steps[2], tmp_path / "bad", tune=False, average=[steps[1], steps[1]])
    assert not (tmp_path / "bad").exists()  # a refused export writes nothing
    assert main([str(steps[2]), str(tmp_path / "cli"), "--no-tune", "--average"]) == 2


def test_lowercased_dev_view_keeps_offsets_and_skips_length_changes():
    from uniner.students.span.dev import lowercased
    from uniner.types import Entity, Example

    text = "Ann Lee flew to Oslo."
    ex = Example("e1", text, (Entity.from_source(text, 0, 7, "person"), Entity.from_source(text, 16, 20, "city")),
                 "d", None)
    low = lowercased(ex)
    assert low is not None and low.text == "ann lee flew to oslo." and low.dataset == "d_lower"
    assert [(e.text, e.start, e.end, e.type) for e in low.entities] == [("ann lee", 0, 7, "person"),
                                                                        ("oslo", 16, 20, "city")]
    odd = "İstanbul"  # lower-cases to 9 characters: offsets would move, so the example is left out
    assert lowercased(Example("e2", odd, (Entity.from_source(odd, 0, 8, "city"),), "d", None)) is None


def _source(n: int):
    from uniner.students.span.sources import Source
    from uniner.types import Entity, Example

    examples = []
    for i in range(n):
        text = f"Ann{i} visited Oslo."
        examples.append(Example(f"e{i}", text, (Entity.from_source(text, 0, len(f"Ann{i}"), "person"),), "open",
                                ("person", "city", "river")))
    return Source("open", examples, [])


def test_holdout_leaves_training_joins_the_transfer_dev_and_is_seeded():
    from uniner.students.span.dev import split_holdout

    sources = [_source(10), _source(3)]
    sources[1].spec = "other"
    config = SpanConfig(holdout="open=4", holdout_lower=True)
    kept, pairs = split_holdout(sources, config)
    held = [e for e, _ in pairs if e.dataset == "open"]
    lower = [e for e, _ in pairs if e.dataset == "open_lower"]
    assert len(held) == 4 and [e.text.lower() for e in held] == [e.text for e in lower]
    assert len(kept[0].examples) == 6 and kept[1] is sources[1]  # other sources untouched
    assert not {e.id for e in held} & {e.id for e in kept[0].examples}  # never trained on
    again, _ = split_holdout(sources, config)
    assert [e.id for e in again[0].examples] == [e.id for e in kept[0].examples]  # train and export agree
    assert len(split_holdout(sources, config.replace(holdout_lower=False))[1]) == 4


def test_holdout_rejects_unknown_sources_and_emptying_a_source():
    from uniner.students.span.dev import split_holdout

    with pytest.raises(ConfigError, match="holdout: nope is not a training source"):
        split_holdout([_source(5)], SpanConfig(holdout="nope=2"))
    with pytest.raises(ConfigError, match="leaves none to train on"):
        split_holdout([_source(5)], SpanConfig(holdout="open=5"))
    with pytest.raises(ConfigError, match="holdout item 'open' is not name=N"):
        SpanConfig(holdout="open")


def test_training_with_a_holdout_evaluates_it_as_transfer_dev(tiny_config, fixture_data, tmp_path):
    out = tmp_path / "run"
    overrides = tiny_overrides(tiny_config) | {"holdout": f"{fixture_data}=3", "holdout_lower": "true"}
    result = TRAINERS.get("span")(TrainRequest("span", (str(fixture_data),), out, max_steps=2, batch_size=2,
                                               overrides=overrides))
    assert "eval_transfer_f1" in result.metrics
    info = json.loads((out / "train_data.json").read_text())
    assert info["transfer_dev_examples"] == 6 and info["train_examples"] + info["dev_examples"] == len(SENTENCES) - 3


def test_loading_a_base_with_a_pooler_logs_no_load_report_and_restores_logging(tiny_base, tmp_path):
    import logging

    from transformers import AutoTokenizer, BertConfig, BertModel
    from transformers.utils import logging as hf_logging

    from uniner.students.span.model import load_base

    pooled = tmp_path / "pooled"
    BertModel(BertConfig.from_pretrained(tiny_base), add_pooling_layer=True).save_pretrained(pooled)
    AutoTokenizer.from_pretrained(tiny_base).save_pretrained(pooled)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    library = logging.getLogger("transformers")
    before = hf_logging.get_verbosity()
    library.addHandler(handler)
    try:
        load_base(SpanConfig(base=str(pooled), hidden_size=32, max_width=4, window_tokens=32, window_overlap=8,
                             train_max_tokens=32))
    finally:
        library.removeHandler(handler)
    assert not [r for r in records if "UNEXPECTED" in r.getMessage() or "LOAD REPORT" in r.getMessage()]
    assert hf_logging.get_verbosity() == before and hf_logging.is_progress_bar_enabled()


def _typed_source(per_type: int, types: tuple[str, ...]):
    """``per_type`` examples of each type (one mention each, and a person), vouched for all of them."""
    from uniner.students.span.sources import Source
    from uniner.types import Entity, Example

    examples = []
    for t in types:
        for i in range(per_type):
            text = f"Ann saw X{i} there."
            ents = (Entity.from_source(text, 0, 3, "person"), Entity.from_source(text, 8, 8 + len(f"X{i}"), t))
            examples.append(Example(f"{t}{i}", text, ents, "open", frozenset({"person", "river", *types})))
    return Source("open", examples, [])


def test_held_types_leave_training_form_the_unseen_dev_and_are_seeded():
    from uniner.students.span.dev import split_held_types

    types = ("gene", "metal", "poem", "ship")
    sources = [_typed_source(80, types)]  # 80 mentions each (within 10-300); person has 320
    config = SpanConfig(holdout_types=2, holdout_type_passages=3)
    kept, held, pairs, context = split_held_types(sources, config)
    assert len(held) == 2 and held <= set(types)  # "person" is too frequent to be held out
    assert len(pairs) == 6 and len(kept[0].examples) == 320 - 6
    assert not {e.id for e, _ in pairs} & {e.id for e in kept[0].examples}  # never trained on
    for example, label_set in pairs:
        assert {e.type for e in example.entities} <= held and label_set == sorted(held)
        assert example.labelled_types == frozenset(held) and example.dataset == "unseen_open"
        assert context[example.id] == ("person",)  # its other types, which unseen_dev keeps negatives from
    again = split_held_types(sources, config)
    assert again[1] == held and [e.id for e, _ in again[2]] == [e.id for e, _ in pairs]  # train and export agree
    assert len(split_held_types(sources, config.replace(holdout_lower=True))[2]) == 12
    assert split_held_types(sources, SpanConfig())[1:] == (frozenset(), [], {})
    with pytest.raises(ConfigError, match="only 4 types have 10-300 mentions; cannot hold out 5"):
        split_held_types(sources, config.replace(holdout_types=5))


def test_training_with_held_types_reports_the_unseen_dev_and_export_tunes_on_it(tiny_config, fixture_data, tmp_path,
                                                                                monkeypatch):
    from uniner.students.span import dev
    from uniner.students.span.export import export

    monkeypatch.setattr(dev, "HELD_TYPE_MENTIONS", (1, 8))  # only "company" (8 mentions; city, person 12)
    out = tmp_path / "run"
    overrides = tiny_overrides(tiny_config) | {"holdout_types": "1", "holdout_type_passages": "2"}
    result = TRAINERS.get("span")(TrainRequest("span", (str(fixture_data),), out, max_steps=2, batch_size=2,
                                               overrides=overrides))
    assert "eval_unseen_f1" in result.metrics and "eval_unseen_f1@0.1" in result.metrics
    info = json.loads((out / "train_data.json").read_text())
    assert info["held_out_types"] == ["company"] and info["unseen_dev_examples"] == 2
    assert info["train_examples"] + info["dev_examples"] == len(SENTENCES) - 2
    info = export(out / "checkpoint-2", tmp_path / "shipped")
    assert info["threshold"]["how"].startswith("best exact-span F1 on the run's held-out dev slice")
    unseen = info["unseen_threshold"]
    assert unseen["how"].startswith("best exact-span F1 on the unseen-type dev (1 types")
    assert unseen["dev_f1"][f"{unseen['value']:g}"] == max(unseen["dev_f1"].values())
    shipped = SpanPredictor.from_pretrained(tmp_path / "shipped")
    assert shipped.unseen_threshold == unseen["value"] and shipped.config.unseen_threshold == unseen["value"]
    assert set(shipped.type_counts) == {"city", "person"} and min(shipped.type_counts.values()) > 0
    # "company" was held out: no training mention, so it gets the unseen threshold


def test_unseen_dev_asks_an_open_passage_no_held_type_close_to_its_other_types():
    from uniner.students.span.dev import RunData, unseen_dev
    from uniner.types import Entity, Example

    axis = {"city": 0, "location": 0, "metal": 1, "poem": 2, "ship": 3, "vehicle": 4, "town": 0}

    def vectors(names):  # "city" and "location" point one way, every other type its own
        return torch.stack([torch.nn.functional.one_hot(torch.tensor(axis[n]), 8).float() for n in names])

    text = "Ann saw Oslo and a ship."
    held = ["city", "metal", "poem", "ship"]
    ents = (Entity.from_source(text, 8, 12, "city"),)
    open_one = Example("open/1", text, ents, "unseen_open", None)
    vouched = Example("part/2", text, ents, "unseen_part", frozenset(held))
    data = RunData([], [], [], [], [], frozenset(held), [(open_one, held), (vouched, held)],
                   {"open/1": ("location", "vehicle"), "part/2": ("location",)})
    config = SpanConfig(negative_max_similarity=0.5)
    asked = {e.id: types for types, examples in unseen_dev(data, config, vectors).groups.items() for e in examples}
    assert asked == {"open/1": ("city", "metal", "poem", "ship"), "part/2": ("city", "metal", "poem", "ship")}
    data.unseen_context["open/1"] = ("location", "vehicle", "ship")  # now "ship" is one of its own other types
    asked = {e.id: types for types, examples in unseen_dev(data, config, vectors).groups.items() for e in examples}
    assert asked["open/1"] == ("city", "metal", "poem") and asked["part/2"] == ("city", "metal", "poem", "ship")
    data.unseen.append((Example("open/3", text, ents, "unseen_open", None), [*held, "town"]))
    data.unseen_context["open/3"] = ()
    asked = {e.id: types for types, examples in unseen_dev(data, config, vectors).groups.items() for e in examples}
    assert asked["open/3"] == ("city", "metal", "poem", "ship")  # "town" is too close to its own "city"
