"""``uniner.load`` / ``Model``: behaviour on a hand-written predictor; the shipped model in one integration test."""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest

import uniner
from uniner import registrations
from uniner.api import Model, load
from uniner.engine.backends.default import DEFAULT_MODEL_ENV, default_model_dir
from uniner.engine.base import BACKENDS
from uniner.errors import ConfigError, RegistryError, UninerWarning
from uniner.types import Entity

LEXICON = {"person": {"Ada Lovelace": 0.9, "Babbage": 0.4}, "location": {"London": 0.7}}


class LexiconPredictor:
    """Finds fixed mentions with fixed scores; records every call."""

    name = "lexicon"

    def __init__(self, native_threshold: bool = True):
        self.calls: list[tuple[list[str], list[str], float | None]] = []
        self.native_threshold = native_threshold

    def _find(self, text: str, types: Sequence[str], threshold: float) -> list[Entity]:
        found = []
        for type_ in types:
            for mention, score in LEXICON.get(type_, {}).items():
                for match in re.finditer(re.escape(mention), text):
                    if score >= threshold:
                        found.append(Entity.from_source(text, match.start(), match.end(), type_, score))
        # Deliberately unsorted: Model must sort by position.
        return found[::-1]

    def predict(self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None):
        self.calls.append((list(texts), list(types), threshold))
        return [self._find(text, types, 0.5 if threshold is None else threshold) for text in texts]


class PlainPredictor:
    """The bare protocol: no threshold parameter, sometimes no scores."""

    name = "plain"

    def __init__(self, scored: bool = True):
        self.scored = scored

    def predict(self, texts: Sequence[str], types: Sequence[str]) -> list[list[Entity]]:
        out = []
        for text in texts:
            ents = []
            for type_ in types:
                for mention, score in LEXICON.get(type_, {}).items():
                    for m in re.finditer(re.escape(mention), text):
                        ents.append(Entity.from_source(text, m.start(), m.end(), type_, score if self.scored else None))
            out.append(ents)
        return out


TEXT = "Babbage met Ada Lovelace in London. Ada Lovelace wrote."


def test_model_extract_sorted_by_start_with_native_threshold():
    model = Model(LexiconPredictor())
    got = model.extract(TEXT, ["person", "location"])
    assert [(e.text, e.start, e.end) for e in got] == [
        ("Ada Lovelace", 12, 24),
        ("London", 28, 34),
        ("Ada Lovelace", 36, 48),
    ]
    assert all(TEXT[e.start:e.end] == e.text for e in got)


def test_model_threshold_per_call_overrides_load_default():
    predictor = LexiconPredictor()
    model = Model(predictor, threshold=0.8)
    assert {e.text for e in model.extract(TEXT, ["person"])} == {"Ada Lovelace"}
    assert {e.text for e in model.extract(TEXT, ["person"], threshold=0.3)} == {"Ada Lovelace", "Babbage"}
    assert [call[2] for call in predictor.calls] == [0.8, 0.3]


def test_model_threshold_filters_scores_of_plain_predictor():
    model = Model(PlainPredictor())
    assert {e.text for e in model.extract(TEXT, ["person"], threshold=0.5)} == {"Ada Lovelace"}
    assert {e.text for e in model.extract(TEXT, ["person"])} == {"Ada Lovelace", "Babbage"}


def test_model_threshold_on_unscored_entities_warns_and_keeps_them():
    model = Model(PlainPredictor(scored=False))
    with pytest.warns(UninerWarning, match="no scores"):
        got = model.extract(TEXT, ["person"], threshold=0.9)
    assert len(got) == 3


def test_model_empty_and_blank_text_return_empty_without_calling_the_predictor():
    predictor = LexiconPredictor()
    model = Model(predictor)
    assert model.extract("", ["person"]) == []
    assert model.extract(" \n\t", ["person"]) == []
    assert predictor.calls == []


@pytest.mark.parametrize("types", [[], ["person", "Person"], ["person", " "], "person"])
def test_model_bad_types_raise_config_error(types):
    with pytest.raises(ConfigError):
        Model(LexiconPredictor()).extract(TEXT, types)


def test_model_extract_batch_chunks_and_keeps_order():
    predictor = LexiconPredictor()
    model = Model(predictor, batch_size=2)
    texts = ["London", "", "Ada Lovelace", "nothing", "Babbage London"]
    got = model.extract_batch(texts, ["person", "location"], threshold=0.3)
    assert [[e.text for e in ents] for ents in got] == [["London"], [], ["Ada Lovelace"], [], ["Babbage", "London"]]
    # The empty text is skipped; the other four go in two calls of two.
    assert [len(call[0]) for call in predictor.calls] == [2, 2]


def test_model_extract_batch_rejects_a_single_string():
    with pytest.raises(ConfigError, match="list of texts"):
        Model(LexiconPredictor()).extract_batch("London", ["location"])


def test_model_is_itself_a_predictor():
    model = Model(LexiconPredictor())
    assert model.predict(["London"], ["location"]) == model.extract_batch(["London"], ["location"])
    assert model.name == "lexicon"


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_model_threshold_out_of_range_raises(threshold):
    with pytest.raises(ConfigError, match="between 0 and 1"):
        Model(LexiconPredictor(), threshold=threshold)


@pytest.fixture
def fake_backends(monkeypatch):
    """Two temporary backends: one takes device/threshold, one (CPU-only) takes neither."""
    seen: dict[str, object] = {}

    def full(model: str, device: str = "cpu", threshold: float | None = None, **options):
        seen.update(model=model, device=device, threshold=threshold, **options)
        return LexiconPredictor()

    def cpu_only(model: str):
        seen.update(model=model)
        return PlainPredictor()

    # Keep the real backends (torch, transformers, spaCy: slow imports) out of these unit
    # tests: mark the registry as filled; only the shipped-model entry (imported above) and
    # the two fakes are in it.  monkeypatch restores both afterwards.
    monkeypatch.setattr(registrations, "_populated", set(registrations.MODULES))
    monkeypatch.setitem(BACKENDS._entries, "fake-full", full)
    monkeypatch.setitem(BACKENDS._entries, "fake-cpu", cpu_only)
    return seen


def test_load_passes_device_threshold_and_options_to_backend(fake_backends):
    model = load("fake-full", device="cuda:1", threshold=0.6, window=128)
    assert fake_backends == {"model": "fake-full", "device": "cuda:1", "threshold": 0.6, "window": 128}
    assert model.threshold == 0.6
    assert [e.text for e in model.extract(TEXT, ["person"])] == ["Ada Lovelace", "Ada Lovelace"]


def test_load_cpu_only_backend_works_on_cpu_and_refuses_gpu(fake_backends):
    model = load("fake-cpu")
    assert model.name == "plain"
    with pytest.raises(ConfigError, match="CPU only"):
        load("fake-cpu", device="cuda")


def test_load_unknown_model_lists_available_names(fake_backends):
    with pytest.raises(ConfigError, match="unknown model 'no-such-model'.*fake-full"):
        load("no-such-model")


def test_load_unknown_backend_lists_available_backends(fake_backends, tmp_path):
    with pytest.raises(RegistryError, match="unknown backend 'nope'; available: .*fake-cpu"):
        load(str(tmp_path), backend="nope")


def test_load_model_directory_uses_its_manifest(fake_backends, tmp_path):
    (tmp_path / "uniner.json").write_text('{"backend": "fake-full"}', encoding="utf-8")
    load(str(tmp_path))
    assert fake_backends["model"] == str(tmp_path)


def test_load_default_without_installed_model_says_where(fake_backends, monkeypatch, tmp_path):
    monkeypatch.setenv(DEFAULT_MODEL_ENV, str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="default model is not installed.*missing"):
        load()


def test_load_default_goes_through_span_backend_with_device_and_threshold(fake_backends, monkeypatch, tmp_path):
    (tmp_path / "uniner.json").write_text('{"backend": "span"}', encoding="utf-8")
    monkeypatch.setenv(DEFAULT_MODEL_ENV, str(tmp_path))
    received: dict[str, object] = {}

    def span(model: str, **options):
        received.update(model=model, **options)
        return LexiconPredictor()

    monkeypatch.setitem(BACKENDS._entries, "span", span)
    for name in (None, "default"):
        received.clear()
        model = load(name, device="cuda", threshold=0.7)
        assert received == {"model": str(tmp_path), "device": "cuda", "threshold": 0.7}
        assert model.threshold == 0.7


def test_default_model_dir_is_repo_models_default(monkeypatch):
    monkeypatch.delenv(DEFAULT_MODEL_ENV, raising=False)
    assert default_model_dir() == Path(__file__).resolve().parents[1] / "models" / "default"


def test_package_exports_load_lazily():
    assert uniner.load is load
    assert uniner.Model is Model
    code = "import sys, uniner; print('uniner.api' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --- the shipped model (skips until models/default is trained) -----------------------------------------------

needs_default = pytest.mark.skipif(
    not (default_model_dir() / "uniner.json").is_file(), reason="models/default is not trained yet"
)


FILLER = "The committee met on a rainy day and discussed the budget for the coming year. "
TAIL = "Later that evening, Barack Obama spoke in Chicago."


def _check_obama_found(model: Model, repeats: int) -> list[Entity]:
    head = FILLER * repeats
    text = head + TAIL
    with warnings.catch_warnings():
        warnings.simplefilter("error", UninerWarning)  # e.g. a truncation warning would fail the test
        got = model.extract(text, ["person", "location"], threshold=0.3)
    obama = [e for e in got if e.text == "Barack Obama"]
    assert obama, f"no 'Barack Obama' among the last entities {got[-5:]}"
    assert obama[0].start == len(head) + TAIL.index("Barack Obama")
    assert obama[0].type == "person"
    assert all(text[e.start:e.end] == e.text for e in got)
    return got


@pytest.mark.integration
@needs_default
def test_default_model_finds_entity_beyond_encoder_window_with_global_offsets():
    # 60 x 16 words ~ 1,000 word pieces: the name sits past a 512-token window.
    _check_obama_found(load(), repeats=60)


@pytest.mark.slow
@needs_default
def test_default_model_one_megabyte_text_with_bounded_memory():
    model = load()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _check_obama_found(model, repeats=13_000)  # 13,000 x 80 characters > 1 MB
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 1024, f"peak RSS grew by {grown_mib:.0f} MiB on 1 MB of text"
