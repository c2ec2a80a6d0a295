from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import torch

from uniner.engine.base import BACKENDS, MODEL_MANIFEST, load_predictor
from uniner.errors import ConfigError
from uniner.students.span.decode import Candidate
from uniner.students.span.model import load_base
from uniner.students.span.predictor import WEIGHTS_FILE, SpanPredictor, kinds_of

TYPES = ["person", "location", "organization"]
TEXTS = ["Angela Merkel visited Paris with the UN delegation.", "nothing here", "Berlin"]


@pytest.fixture()
def predictor(tiny_config):
    torch.manual_seed(0)
    model, tokenizer = load_base(tiny_config)
    return SpanPredictor(model, tokenizer, threshold=0.45, batch_size=2)


def as_tuples(results):
    return [[(e.start, e.end, e.type, e.text) for e in ents] for ents in results]


def test_predict_returns_entities_sliced_from_the_text(predictor):
    results = predictor.predict(TEXTS, TYPES)
    assert len(results) == len(TEXTS) and any(results)
    for text, ents in zip(TEXTS, results):
        for e in ents:
            assert text[e.start : e.end] == e.text and e.type in TYPES and 0.45 <= e.score <= 1.0
        spans = sorted((e.start, e.end) for e in ents)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # flat: no overlaps


def test_predict_threshold_argument_overrides_default(predictor):
    many = sum(map(len, predictor.predict(TEXTS, TYPES, threshold=0.3)))
    few = sum(map(len, predictor.predict(TEXTS, TYPES, threshold=0.6)))
    assert many >= few and predictor.threshold == 0.45


def test_predict_empty_text_gives_empty_list(predictor):
    assert predictor.predict(["", "   \n"], TYPES) == [[], []]


@pytest.mark.parametrize("types, message", [([], "empty"), (["person", "Person"], "twice"), (["  "], "empty")])
def test_predict_rejects_bad_type_lists(predictor, types, message):
    with pytest.raises(ConfigError, match=message):
        predictor.predict(["text"], types)


def test_predict_rejects_threshold_out_of_range(predictor):
    with pytest.raises(ConfigError, match="threshold"):
        predictor.predict(["text"], TYPES, threshold=1.5)


def test_every_threshold_and_decoding_from_one_pass_match_separate_predictions(predictor, monkeypatch):
    import uniner.students.span.predictor as module

    cuts = (0.3, 0.45, 0.6)
    every = predictor.predict_decodings(TEXTS, TYPES, thresholds=cuts)
    assert set(every) == {(m, c) for m in (False, True) for c in cuts}
    for multi, cut in every:
        alone = SpanPredictor(predictor.model, predictor.tokenizer, cut, batch_size=2, multi_label=multi)
        assert as_tuples(every[(multi, cut)]) == as_tuples(alone.predict(TEXTS, TYPES))
    assert sum(map(len, every[(True, 0.3)])) > sum(map(len, every[(False, 0.3)]))  # the random model gives spans several types
    calls = []
    monkeypatch.setattr(module.SpanPredictor, "_score", lambda self, enc, *a: calls.append(len(enc)) or [[]] * len(enc))
    predictor.predict_decodings(TEXTS, TYPES, thresholds=cuts)
    assert sum(calls) == len(TEXTS)  # each window scored once for all thresholds and decodings


def test_kinds_of_a_generic_type_are_its_close_non_generic_types():
    names = ["Person", "politician", "location", "persons", "writer"]
    similar = np.array([[1, 1, 0, 1, 1],
                        [1, 1, 0, 0, 0],
                        [0, 0, 1, 0, 0],
                        [1, 0, 0, 1, 0],
                        [1, 0, 0, 0, 1]], dtype=bool)
    # "persons" is "person" again (normalised), so it is generic too and no kind of it.
    assert kinds_of(names, {"person"}, similar) == {0: {1, 4}}
    assert kinds_of(names, set(), similar) == {}
    assert kinds_of(names, {"location"}, similar) == {}  # nothing asked is close to it


def test_a_generic_type_gives_way_to_a_kind_of_it_on_the_same_span(predictor, monkeypatch):
    """The model scores "person" above "politician" on a politician; asked both, the answer is "politician"."""
    import uniner.students.span.predictor as module

    def score(self, encoded, type_vectors, threshold):  # word 0: person 0.9, politician 0.6; word 2: person 0.8 only
        out = []
        for e in encoded:
            grid = np.zeros((e.n_words, self.config.max_width, 3), dtype=np.float32)
            grid[0, 0, :2] = (0.9, 0.6)
            grid[2, 0, 0] = 0.8
            out.append(module.candidates_from_scores(grid, threshold, n_words=e.n_words))
        return out

    monkeypatch.setattr(module.SpanPredictor, "_score", score)
    text, types = ["Obama met Merkel"], ["person", "politician", "award"]
    monkeypatch.setattr(module, "kinds_of", lambda names, generic, similar: {0: {1}} if generic else {})
    got = predictor.predict_decodings(text, types, thresholds=(0.5, 0.7))
    assert [(e.text, e.type) for e in got[(False, 0.5)][0]] == [("Obama", "politician"), ("Merkel", "person")]
    assert [(e.text, e.type) for e in got[(False, 0.7)][0]] == [("Obama", "person"), ("Merkel", "person")]  # 0.6 < 0.7
    off = SpanPredictor(predictor.model, predictor.tokenizer, 0.5, generic_types="")
    assert [(e.text, e.type) for e in off.predict(text, types)[0]] == [("Obama", "person"), ("Merkel", "person")]


def test_type_vectors_are_cached_per_type_set(predictor):
    first = predictor.type_vectors(TYPES)
    assert predictor.type_vectors(TYPES) is first
    assert predictor.type_vectors(TYPES[:2]) is not first


def test_save_load_round_trip_gives_identical_predictions(predictor, tmp_path):
    predictor.save_pretrained(tmp_path)
    manifest = json.loads((tmp_path / MODEL_MANIFEST).read_text())
    assert manifest["backend"] == "span" and "git_hash" in manifest["provenance"]
    loaded = SpanPredictor.from_pretrained(tmp_path, threshold=0.45)
    assert as_tuples(loaded.predict(TEXTS, TYPES)) == as_tuples(predictor.predict(TEXTS, TYPES))
    via_registry = load_predictor(str(tmp_path), threshold=0.45)  # the manifest names the backend
    assert isinstance(via_registry, SpanPredictor) and "span" in BACKENDS
    assert via_registry.generic == {"person"}  # the model's own generic types (the default)
    assert load_predictor(str(tmp_path), generic_types="").generic == set()  # options reach the backend


def test_slim_half_precision_save_loads_as_fp32(predictor, tmp_path):
    predictor.save_pretrained(tmp_path, half=True, slim=True)
    loaded = SpanPredictor.from_pretrained(tmp_path)
    assert all(p.dtype == torch.float32 for p in loaded.model.parameters())
    scores_a = predictor.type_vectors(TYPES).numpy()
    scores_b = loaded.type_vectors(TYPES).numpy()
    assert np.allclose(scores_a, scores_b, atol=1e-2)


def test_slim_save_with_frozen_layers_stores_only_trained_weights(tiny_config, tmp_path):
    from safetensors.torch import load_file

    torch.manual_seed(0)
    model, tokenizer = load_base(tiny_config.replace(freeze_layers=1))
    with torch.no_grad():  # pretend training changed every trainable weight
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.01)
    trained = SpanPredictor(model, tokenizer, threshold=0.45)
    trained.save_pretrained(tmp_path, slim=True)
    saved = load_file(str(tmp_path / WEIGHTS_FILE))
    assert not any(k.startswith(("type_encoder.", "encoder.embeddings.", "encoder.encoder.layer.0.")) for k in saved)
    assert any(k.startswith("encoder.encoder.layer.1.") for k in saved)
    loaded = SpanPredictor.from_pretrained(tmp_path, threshold=0.45)
    assert as_tuples(loaded.predict(TEXTS, TYPES)) == as_tuples(trained.predict(TEXTS, TYPES))


def test_from_pretrained_reports_missing_weights(tmp_path):
    with pytest.raises(ConfigError, match=WEIGHTS_FILE):
        SpanPredictor.from_pretrained(tmp_path)


def test_long_text_entity_beyond_first_window_has_global_offsets(predictor, monkeypatch):
    """A scorer that fires on the word 'zanzibar' only: found once, far past window 1, at the right offsets."""
    tokenizer = predictor.tokenizer
    target = tokenizer("zanzibar", add_special_tokens=False)["input_ids"]

    def fake_score(encoded, type_vectors, threshold):
        out = []
        for enc in encoded:
            cands = []
            for w, (first, last) in enumerate(zip(enc.word_first, enc.word_last)):
                if enc.input_ids[first : last + 1] == target:
                    cands.append(Candidate(w, w, 1, 0.9))
            out.append(cands)
        return out

    monkeypatch.setattr(predictor, "_score", fake_score)
    filler = "the cat sat on the mat . " * 60
    text = filler + "Zanzibar" + " and more words" * 50
    (ents,) = predictor.predict([text], TYPES)
    assert len(predictor._plan(text)[1]) > 5  # many windows of 32 tokens
    assert [(e.text, e.type, e.start) for e in ents] == [("Zanzibar", "location", len(filler))]


def test_megabyte_text_is_processed_in_windows(predictor):
    text = ("Ann Smith flew to Rome . " * 40000)[:1_000_000]
    words, windows, encoded = predictor._plan(text)
    assert windows[-1].own_end == len(words) and max(len(e.input_ids) for e in encoded) <= 32
    (ents,) = predictor.predict([text[:20000]], TYPES)  # the full megabyte runs in the integration test
    assert all(text[e.start : e.end] == e.text for e in ents)


def test_types_the_model_hardly_trained_on_get_the_unseen_threshold(predictor, monkeypatch):
    import uniner.students.span.predictor as module

    def score(self, encoded, type_vectors, threshold):  # word 0: person 0.4; word 2: gene 0.2; word 4: person 0.7
        out = []
        for e in encoded:
            grid = np.zeros((e.n_words, self.config.max_width, 2), dtype=np.float32)
            grid[0, 0, 0], grid[2, 0, 1], grid[4, 0, 0] = 0.4, 0.2, 0.7
            out.append(module.candidates_from_scores(grid, threshold, n_words=e.n_words))
        return out

    monkeypatch.setattr(module.SpanPredictor, "_score", score)
    text, types = ["Ann has BRCA1 and Bob"], ["person", "gene"]
    found = lambda **kw: [(e.text, e.type) for e in predictor.predict(text, types, **kw)[0]]
    predictor.type_counts = {"person": 50, "gene": 9}
    assert predictor.thresholds_for(types) == [0.45, 0.45] and found() == [("Bob", "person")]  # unseen_threshold 0: off
    predictor.unseen_threshold = 0.1
    assert predictor.thresholds_for(types) == [0.45, 0.1]  # 9 < known_min_mentions (10)
    assert found() == [("BRCA1", "gene"), ("Bob", "person")]  # Ann (person, 0.4) stays below the known threshold
    assert found(threshold=0.3) == [("Ann", "person"), ("Bob", "person")]  # a given threshold is for every type
    assert predictor.thresholds_for(["person", "protein"]) == [0.45, 0.1]  # no count at all: unseen
    predictor.type_counts = {}
    assert predictor.thresholds_for(types) == [0.45, 0.45]  # no counts: nothing is known to be unseen


def test_type_counts_and_unseen_threshold_round_trip_and_a_given_threshold_turns_it_off(predictor, tmp_path):
    predictor.model.span_config = predictor.config = predictor.config.replace(unseen_threshold=0.05)
    predictor.type_counts = {"person": 50}
    predictor.save_pretrained(tmp_path / "m")
    loaded = SpanPredictor.from_pretrained(tmp_path / "m")
    assert loaded.type_counts == {"person": 50} and loaded.unseen_threshold == 0.05
    assert loaded.thresholds_for(["person", "gene"]) == [loaded.threshold, 0.05]
    fixed = SpanPredictor.from_pretrained(tmp_path / "m", threshold=0.3)
    assert fixed.thresholds_for(["person", "gene"]) == [0.3, 0.3]
    both = SpanPredictor.from_pretrained(tmp_path / "m", threshold=0.3, unseen_threshold=0.1)
    assert both.thresholds_for(["person", "gene"]) == [0.3, 0.1]
    with pytest.raises(ConfigError, match="unseen_threshold must be in"):
        SpanPredictor.from_pretrained(tmp_path / "m", unseen_threshold=1.5)
