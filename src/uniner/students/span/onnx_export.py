"""Optional ONNX export of the span student's text side, with int8 dynamic quantisation.

    python -m uniner.students.span.onnx_export MODEL_DIR [--int8]

writes ``MODEL_DIR/model.onnx`` (fp32) and, with ``--int8``, ``MODEL_DIR/model.int8.onnx``
(weights quantised to int8 by ``onnxruntime.quantization.quantize_dynamic``).  Then
``SpanPredictor.from_pretrained(MODEL_DIR, runtime="onnx" | "onnx-int8")`` runs the text
side through onnxruntime; everything else (windows, type vectors, scoring, decoding) is
the torch predictor's own code.  Needs the ``onnx`` extra: ``pip install 'uniner[onnx]'``.

The graph covers what runs once per window: ``input_ids, attention_mask, case_ids,
word_first, word_last`` -> normalised span vectors ``[batch, words, max_width, dim]``
(encoder with the case embedding, start/end projections, width embedding, span
refinement).  Type vectors stay in torch: they depend only on the type list and are
cached per type set, so exporting them would save nothing.

Each file records a SHA-256 of the ``model.safetensors`` (and graph settings) it was exported
from; loading refuses a file whose weights have changed since (a retrained or re-exported model).
Whether int8 is worth keeping is measured, not assumed: ``benchmarks/span_onnx.py``
scores torch, fp32 and int8 on the same sentences (kept only if F1 drops < 1 point).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from uniner.errors import ConfigError
from uniner.students.span.config import SpanConfig
from uniner.students.span.data import pad_text
from uniner.students.span.model import SpanModel
from uniner.students.span.predictor import WEIGHTS_FILE, SpanPredictor

ONNX_FILE = "model.onnx"
INT8_FILE = "model.int8.onnx"
#: runtime name -> file in the model dir
RUNTIME_FILES = {"onnx": ONNX_FILE, "onnx-int8": INT8_FILE}
INPUTS = ("input_ids", "attention_mask", "case_ids", "word_first", "word_last")
OUTPUT = "spans"
FINGERPRINT_KEY = "uniner_weights_sha256"
#: SpanConfig fields that change the exported graph for the same weights.
GRAPH_SETTINGS = ("architecture", "base", "hidden_size", "max_width", "freeze_layers")
#: An fp32 graph that differs from torch by more than this is not written (float noise is ~1e-6).
MAX_FP32_DIFF = 1e-4
OPSET = 17
INSTALL_HINT = "pip install 'uniner[onnx]'"

# Two different lengths for tracing, three other ones for the check: the check then runs on
# shapes the trace never saw, which is what the dynamic axes must get right.
_TRACE_TEXTS = ("Ada Lovelace worked with Charles Babbage in London.", "The UN met in NEW YORK on 3 May.")
_CHECK_TEXTS = ("Paris", "iPhone sales rose 4% in Q3, said Tim Cook of Apple Inc. in Cupertino, California.",
                "A small firm in rural Wales made the parts.")


def require_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise ConfigError(f"the ONNX runtime is not installed: {INSTALL_HINT}") from None
    return onnxruntime


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ConfigError(f"the onnx package is not installed: {INSTALL_HINT}") from None
    return onnx


def weights_fingerprint(model_dir: Path) -> str:
    """SHA-256 of the weights and of the settings that shape the graph (not the threshold, not windowing)."""
    digest = hashlib.sha256()
    with open(model_dir / WEIGHTS_FILE, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    config = SpanConfig.load(model_dir).to_dict()
    digest.update(json.dumps({k: config[k] for k in GRAPH_SETTINGS}, sort_keys=True).encode())
    return digest.hexdigest()


class TextSide(nn.Module):
    """The exported graph: the model's own ``encode_text`` and ``span_vectors``, nothing re-implemented.

    With ``freeze_layers`` the case embedding enters through a forward pre-hook on layer N
    (``SpanModel._add_case``); tracing runs that hook, so the addition is in the graph
    (the export check compares against torch on inputs with every case class).
    """

    def __init__(self, model: SpanModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, case_ids: torch.Tensor,
                word_first: torch.Tensor, word_last: torch.Tensor) -> torch.Tensor:
        states = self.model.encode_text(input_ids, attention_mask, case_ids)
        return self.model.span_vectors(states, word_first, word_last)


class OnnxTextSide:
    """``SpanPredictor.text_side`` backed by an onnxruntime session (CPU)."""

    def __init__(self, session: Any, path: Path):
        self.session = session
        self.path = path

    @classmethod
    def load(cls, model_dir: str | Path, runtime: str, device: str = "cpu") -> OnnxTextSide:
        if runtime not in RUNTIME_FILES:
            raise ConfigError(f"unknown runtime {runtime!r}; one of: torch, {', '.join(RUNTIME_FILES)}")
        if device != "cpu":
            raise ConfigError(f"runtime {runtime!r} runs on CPU only; use device='cpu' or runtime='torch'")
        ort = require_onnxruntime()
        model_dir = Path(model_dir)
        path = model_dir / RUNTIME_FILES[runtime]
        command = f"python -m uniner.students.span.onnx_export {model_dir}" + (" --int8" if runtime == "onnx-int8" else "")
        if not path.is_file():
            raise ConfigError(f"{path} does not exist; export it first: {command}")
        options = ort.SessionOptions()
        # Same thread budget as torch (torch.set_num_threads / OMP_NUM_THREADS), so runtimes compare fairly.
        options.intra_op_num_threads = torch.get_num_threads()
        options.inter_op_num_threads = 1
        # onnxruntime's own exception types (not OSError/ValueError) for an unreadable or truncated file
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf

        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except (Fail, InvalidGraph, InvalidProtobuf) as err:
            raise ConfigError(f"{path}: onnxruntime cannot load it ({str(err).splitlines()[0]})") from None
        exported_from = session.get_modelmeta().custom_metadata_map.get(FINGERPRINT_KEY)
        if exported_from != weights_fingerprint(model_dir):
            raise ConfigError(f"{path} was exported from other weights or settings than {model_dir}; "
                              f"export again: {command}")
        return cls(session, path)

    def __call__(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        feeds = {name: batch[name].cpu().numpy() for name in INPUTS}
        return torch.from_numpy(self.session.run([OUTPUT], feeds)[0])


def _batch(predictor: SpanPredictor, texts: tuple[str, ...]) -> dict[str, torch.Tensor]:
    encoded = [enc for text in texts for enc in predictor._plan(text)[2]]  # the predictor's own windowing
    return pad_text(encoded, predictor.tokenizer.pad_token_id)


def _write(path: Path, write: Any, props: dict[str, str]) -> None:
    """Write via ``write(tmp)``, stamp ``props`` into the model's metadata, then move into place."""
    onnx = _require_onnx()
    tmp = path.with_name(path.stem + ".tmp.onnx")  # a .onnx name: some onnx tools go by the suffix
    try:
        write(tmp)
        proto = onnx.load(str(tmp))
        onnx.helper.set_model_props(proto, props)
        onnx.save(proto, str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _max_diff(model_dir: Path, runtime: str, batch: dict[str, torch.Tensor], expected: torch.Tensor) -> float:
    got = OnnxTextSide.load(model_dir, runtime)(batch)
    return float(np.abs(got.numpy() - expected.numpy()).max())


def export_onnx(model_dir: str | Path, int8: bool = False) -> dict[str, Any]:
    """Write ``model.onnx`` (and ``model.int8.onnx`` with ``int8``) into ``model_dir``; returns sizes and checks."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ConfigError(f"{model_dir} is not a directory; give a saved span model directory")
    require_onnxruntime()
    _require_onnx()
    predictor = SpanPredictor.from_pretrained(model_dir)
    side = TextSide(predictor.model).eval()  # eval: dropout off in the trace
    trace, check = _batch(predictor, _TRACE_TEXTS), _batch(predictor, _CHECK_TEXTS)
    props = {FINGERPRINT_KEY: weights_fingerprint(model_dir)}
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "case_ids": {0: "batch", 1: "tokens"}, "word_first": {0: "batch", 1: "words"},
            "word_last": {0: "batch", 1: "words"}, OUTPUT: {0: "batch", 1: "words"}}

    def trace_to(tmp: Path) -> None:
        # dynamo=False: the TorchScript tracer needs no onnxscript (the dynamo exporter does); it is
        # deprecated in torch 2.9+, hence its warnings are silenced, but torch is pinned (Makefile).
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(side, tuple(trace[name] for name in INPUTS), str(tmp), dynamo=False,
                              input_names=list(INPUTS), output_names=[OUTPUT], dynamic_axes=axes, opset_version=OPSET)

    _write(model_dir / ONNX_FILE, trace_to, props)
    with torch.inference_mode():
        expected = side(*(check[name] for name in INPUTS))
    diff = _max_diff(model_dir, "onnx", check, expected)
    if not diff <= MAX_FP32_DIFF:
        (model_dir / ONNX_FILE).unlink()
        raise ConfigError(f"the exported graph disagrees with torch (max difference {diff:.3g} > {MAX_FP32_DIFF}); "
                          "nothing written")
    info: dict[str, Any] = {ONNX_FILE: {"bytes": (model_dir / ONNX_FILE).stat().st_size, "max_abs_diff": diff}}
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        def quantise_to(tmp: Path) -> None:
            # quantize_dynamic logs (root logger) advice to pre-process the graph first; that
            # pre-processing (symbolic shape inference) fails on this graph's dynamic shapes.
            root = logging.getLogger()
            level = root.level
            root.setLevel(logging.ERROR)
            try:
                quantize_dynamic(model_dir / ONNX_FILE, tmp, weight_type=QuantType.QInt8)
            finally:
                root.setLevel(level)

        _write(model_dir / INT8_FILE, quantise_to, props)
        # Not a pass/fail check: int8 is judged by F1 on real data (benchmarks/span_onnx.py).
        info[INT8_FILE] = {"bytes": (model_dir / INT8_FILE).stat().st_size,
                           "max_abs_diff": _max_diff(model_dir, "onnx-int8", check, expected)}
    return info


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    int8 = "--int8" in args
    args = [a for a in args if a != "--int8"]
    if len(args) != 1 or args[0].startswith("-"):
        print("usage: python -m uniner.students.span.onnx_export MODEL_DIR [--int8]", file=sys.stderr)
        return 2
    from uniner.students.span.export import run_command

    return run_command(lambda: export_onnx(Path(args[0]), int8=int8))


if __name__ == "__main__":
    sys.exit(main())
