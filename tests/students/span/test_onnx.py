"""ONNX export of the span student's text side: same entities as torch, int8 smaller, clear errors."""

from __future__ import annotations

import json
import sys

import pytest
import torch

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from uniner.engine.base import load_predictor
from uniner.errors import ConfigError
from uniner.students.span.config import SpanConfig
from uniner.students.span.data import pad_text
from uniner.students.span.model import load_base
from uniner.students.span.onnx_export import INT8_FILE, ONNX_FILE, OnnxTextSide, export_onnx, main
from uniner.students.span.predictor import SpanPredictor

TYPES = ["person", "location", "organization"]
LONG = " ".join(["Barack Obama met Angela Merkel in Berlin, then flew to NEW YORK with the UN team."] * 6)
TEXTS = ["Angela Merkel visited Paris with the UN delegation.", "nothing here", "Berlin", "", LONG]


def _saved(tiny_config, tmp_path, freeze_layers: int, seed: int = 0):
    """A saved random tiny model whose case embedding is not zero, so casing changes the output."""
    torch.manual_seed(seed)
    model, tokenizer = load_base(tiny_config.replace(freeze_layers=freeze_layers))
    with torch.no_grad():
        model.case_embedding.weight[1:].normal_()
    SpanPredictor(model, tokenizer).save_pretrained(tmp_path)
    return tmp_path


@pytest.fixture(scope="module", params=[0, 1], ids=["case-at-input", "case-at-layer-1"])
def exported(request, tiny_base, tmp_path_factory):
    """Both ways the case embedding enters: added to the input embeddings, or by the pre-hook on layer N.

    Module-scoped (an export takes seconds; these tests only read the files), hence its own
    config: the settings of the conftest's ``tiny_config`` (function-scoped).
    """
    config = SpanConfig(base=str(tiny_base), hidden_size=32, max_width=4, init_bias=0.0, window_tokens=32,
                        window_overlap=8, dropout=0.0)
    path = _saved(config, tmp_path_factory.mktemp("onnx"), request.param)
    return path, export_onnx(path, int8=True)


def _by_runtime(path, runtime):
    return SpanPredictor.from_pretrained(path, runtime=runtime, threshold=0.45, batch_size=2)


def test_fp32_onnx_gives_the_torch_entities(exported):
    path, info = exported
    torch_model, onnx_model = _by_runtime(path, "torch"), _by_runtime(path, "onnx")
    assert len(torch_model._plan(LONG)[1]) > 2  # the long text really is several windows
    expected, got = torch_model.predict(TEXTS, TYPES), onnx_model.predict(TEXTS, TYPES)
    assert sum(map(len, expected)) > 0
    for want, have in zip(expected, got):
        assert [(e.start, e.end, e.type) for e in have] == [(e.start, e.end, e.type) for e in want]
        # entity scores are rounded to 4 places: one rounding step apart at most
        assert all(abs(a.score - b.score) <= 1e-4 + 1e-9 for a, b in zip(have, want))
    assert info[ONNX_FILE]["max_abs_diff"] < 1e-5
    assert onnx_model.name.endswith("[onnx]") and torch_model.name == f"span:{path.name}"


def test_exported_span_vectors_match_torch_and_depend_on_case(exported):
    path, _ = exported
    predictor = _by_runtime(path, "torch")
    encoded = [enc for text in TEXTS for enc in predictor._plan(text)[2]]
    batch = pad_text(encoded, predictor.tokenizer.pad_token_id)
    side = OnnxTextSide.load(path, "onnx")
    with torch.inference_mode():
        states = predictor.model.encode_text(batch["input_ids"], batch["attention_mask"], batch["case_ids"])
        want = predictor.model.span_vectors(states, batch["word_first"], batch["word_last"])
    got = side(batch)
    assert got.shape == want.shape and torch.allclose(got, want, atol=1e-5)
    uncased = side({**batch, "case_ids": torch.zeros_like(batch["case_ids"])})
    assert not torch.allclose(uncased, got, atol=1e-3)  # the case embedding is in the graph


def test_int8_file_is_smaller_and_predicts(exported):
    path, info = exported
    assert (path / INT8_FILE).stat().st_size < (path / ONNX_FILE).stat().st_size
    assert info[INT8_FILE]["bytes"] == (path / INT8_FILE).stat().st_size
    results = _by_runtime(path, "onnx-int8").predict(TEXTS, TYPES)
    for text, entities in zip(TEXTS, results):
        assert all(text[e.start : e.end] == e.text and e.type in TYPES for e in entities)


def test_backend_options_reach_the_runtime(exported):
    path, _ = exported
    assert load_predictor(str(path), runtime="onnx-int8").name.endswith("[onnx-int8]")


def test_missing_onnxruntime_is_a_config_error(tiny_config, tmp_path, monkeypatch, capsys):
    path = _saved(tiny_config, tmp_path, 1)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime -> ImportError
    with pytest.raises(ConfigError, match=r"pip install 'uniner\[onnx\]'"):
        SpanPredictor.from_pretrained(path, runtime="onnx")
    with pytest.raises(ConfigError, match=r"pip install 'uniner\[onnx\]'"):
        export_onnx(path)
    capsys.readouterr()  # drop transformers' loading bars
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "uniner[onnx]" in err


def test_missing_file_names_the_export_command(tiny_config, tmp_path):
    path = _saved(tiny_config, tmp_path, 1)
    with pytest.raises(ConfigError, match=r"model\.onnx does not exist.*onnx_export"):
        SpanPredictor.from_pretrained(path, runtime="onnx")
    export_onnx(path)  # fp32 only
    assert not (path / INT8_FILE).exists()
    with pytest.raises(ConfigError, match=r"--int8"):
        SpanPredictor.from_pretrained(path, runtime="onnx-int8")
    (path / INT8_FILE).write_bytes(b"not a model")  # e.g. a truncated copy
    with pytest.raises(ConfigError, match="onnxruntime cannot load it"):
        SpanPredictor.from_pretrained(path, runtime="onnx-int8")


def test_a_file_exported_from_other_weights_is_refused(tiny_config, tmp_path):
    path = _saved(tiny_config, tmp_path, 1)
    export_onnx(path)
    _saved(tiny_config, tmp_path, 1, seed=1)  # retrained: other weights, same directory
    with pytest.raises(ConfigError, match="other weights"):
        SpanPredictor.from_pretrained(path, runtime="onnx")
    _saved(tiny_config, tmp_path, 0)  # the same weights, but casing enters elsewhere: another graph
    with pytest.raises(ConfigError, match="other weights"):
        SpanPredictor.from_pretrained(path, runtime="onnx")


@pytest.mark.parametrize("options, message", [({"runtime": "tensorrt"}, "unknown runtime"),
                                              ({"runtime": "onnx", "device": "cuda"}, "CPU only")])
def test_bad_runtime_options(tiny_config, tmp_path, options, message):
    path = _saved(tiny_config, tmp_path, 1)
    with pytest.raises(ConfigError, match=message):
        SpanPredictor.from_pretrained(path, **options)


def test_cli_writes_the_files_and_fails_in_one_line(tiny_config, tmp_path, capsys):
    capsys.readouterr()
    assert main([str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err
    assert main([]) == 2 and "usage" in capsys.readouterr().err
    path = _saved(tiny_config, tmp_path / "model", 1)
    assert main([str(path), "--int8"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {ONNX_FILE, INT8_FILE}
    assert (path / ONNX_FILE).is_file() and (path / INT8_FILE).is_file()
    assert not list(path.glob("*.tmp.onnx"))
