"""``SpanPredictor``: the span student behind the ``Predictor`` protocol.

Texts of any length are cut into overlapping windows of encoder tokens
(``windows.py``); windows of all texts are batched together, shortest first
within a call, under ``torch.inference_mode``.  Type vectors depend only on the
type list, so they are computed once per type set and cached.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from uniner.engine.base import BACKENDS, MODEL_MANIFEST, validate_types
from uniner.errors import ConfigError
from uniner.provenance import provenance
from uniner.students.span.config import SpanConfig
from uniner.students.span.data import normalise_type, pad_text, pad_types
from uniner.students.span.decode import Candidate, best_per_span, candidates_from_scores, decode, prefer_specific
from uniner.students.span.features import Encoded, Words, encode_words, split_words, text_pieces
from uniner.students.span.model import SpanModel, quiet_loading, resolve_base
from uniner.students.span.windows import Window, merge_window_candidates, plan_windows
from uniner.types import Entity

WEIGHTS_FILE = "model.safetensors"
#: Training mentions per normalised type name, written at export: which types the model knows.
TYPE_COUNTS_FILE = "type_counts.json"
_TYPE_CACHE_SIZE = 64


@dataclass(frozen=True)
class _TypeSet:
    vectors: torch.Tensor  # projected type vectors, one row per asked type
    kinds: dict[int, set[int]]  # generic type index -> indices of the asked types that are kinds of it


@dataclass
class _Job:
    text_index: int
    window_index: int
    encoded: Encoded


class SpanPredictor:
    def __init__(
        self,
        model: SpanModel,
        tokenizer: Any,
        threshold: float = 0.5,
        flat: bool = True,
        batch_size: int = 8,
        device: str = "cpu",
        name: str = "span",
        multi_label: bool | None = None,
        generic_types: str | None = None,
        unseen_threshold: float | None = None,
        type_counts: dict[str, int] | None = None,
    ):
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"threshold must be in (0, 1), got {threshold}")
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        self.config: SpanConfig = model.span_config
        self.threshold = threshold
        #: None: the model's own (``span_config.json``); 0 applies ``threshold`` to every type.
        self.unseen_threshold = self.config.unseen_threshold if unseen_threshold is None else unseen_threshold
        if not 0.0 <= self.unseen_threshold < 1.0:
            raise ConfigError(f"unseen_threshold must be in [0, 1), got {self.unseen_threshold}")
        #: Normalised type name -> training mentions (``type_counts.json``): which types the model knows.
        self.type_counts = dict(type_counts or {})
        self.flat = flat
        #: None: the model's own default (``span_config.json``, chosen on the transfer dev at export).
        self.multi_label = self.config.multi_label if multi_label is None else multi_label
        #: None: the model's own (``span_config.json``); "" turns the preference for specific types off.
        self.generic = {normalise_type(t) for t in
                        (self.config.generic_types if generic_types is None else generic_types).split(",") if t.strip()}
        self.batch_size = batch_size
        self.device = device
        self.name = name
        limit = int(getattr(model.encoder.config, "max_position_embeddings", 512))
        if self.config.window_tokens > limit:
            raise ConfigError(f"window_tokens {self.config.window_tokens} exceeds the encoder's maximum {limit}")
        self._type_cache: OrderedDict[tuple[str, ...], _TypeSet] = OrderedDict()
        #: Padded text batch -> normalised span vectors; None runs the torch model. ``runtime="onnx"``
        #: sets an onnxruntime session here (``onnx_export.OnnxTextSide``); all else stays torch.
        self.text_side: Callable[[dict[str, torch.Tensor]], torch.Tensor] | None = None

    # -- loading and saving ------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls, path: str | Path, device: str = "cpu", threshold: float | None = None, flat: bool = True,
        batch_size: int = 8, multi_label: bool | None = None, runtime: str = "torch",
        generic_types: str | None = None, unseen_threshold: float | None = None, **_: Any,
    ) -> SpanPredictor:
        """Load a saved model dir; ``threshold=None`` uses the model's own (``span_config.json``, tuned at
        export, with its ``unseen_threshold`` for types it hardly trained on); a given ``threshold``
        applies to every type unless ``unseen_threshold`` is given too.

        ``runtime``: ``torch``, or ``onnx`` / ``onnx-int8`` to run the text side from the model dir's
        ``model.onnx`` / ``model.int8.onnx`` (written by ``python -m uniner.students.span.onnx_export``).
        """
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        path = Path(path)
        if not (path / WEIGHTS_FILE).is_file():
            raise ConfigError(f"{path}: no {WEIGHTS_FILE}; not a saved span model")
        text_side = None
        if runtime != "torch":  # checked before the weights load: a missing file or package fails fast
            from uniner.students.span.onnx_export import OnnxTextSide

            text_side = OnnxTextSide.load(path, runtime, device)
        config = SpanConfig.load(path)
        state = {k: v.float() for k, v in load_file(str(path / WEIGHTS_FILE)).items()}
        model = SpanModel(config, *(AutoModel.from_config(AutoConfig.from_pretrained(path), add_pooling_layer=False)
                                    for _ in range(2)))
        missing, unexpected = model.load_state_dict(state, strict=False)
        not_from_base = sorted(set(missing) - model.base_weight_keys())
        if not_from_base or unexpected:
            raise ConfigError(f"{path / WEIGHTS_FILE}: weights do not fit the model (missing {not_from_base[:5]}, "
                              f"unexpected {unexpected[:5]})")
        if missing:  # a slim save: the frozen parts are the base encoder's own weights
            model.load_state_dict(_base_weights(config, path, missing), strict=False)
        tokenizer = AutoTokenizer.from_pretrained(path)
        cut = config.threshold if threshold is None else threshold
        name = f"span:{path.name}" if text_side is None else f"span:{path.name}[{runtime}]"
        if threshold is not None and unseen_threshold is None:
            unseen_threshold = 0.0
        counts_file = path / TYPE_COUNTS_FILE
        counts = json.loads(counts_file.read_text(encoding="utf-8")) if counts_file.is_file() else None
        predictor = cls(model, tokenizer, cut, flat, batch_size, device, name=name, multi_label=multi_label,
                        generic_types=generic_types, unseen_threshold=unseen_threshold, type_counts=counts)
        predictor.text_side = text_side
        return predictor

    def save_pretrained(
        self, path: str | Path, half: bool = False, extra: dict[str, Any] | None = None, slim: bool = False
    ) -> Path:
        """Weights (fp16 when ``half``; loaded back as fp32), configs, tokenizer, manifest.

        ``slim`` leaves out what is the base encoder's own -- the frozen type tower and any
        frozen text layers -- which loading takes from the base again (for the default model,
        the bundled all-MiniLM-L6-v2): the default model shrinks from ~90 to ~16 MB in fp16.
        """
        save_model_dir(self.model, self.tokenizer, Path(path), half=half, extra=extra, slim=slim)
        if self.type_counts:
            text = json.dumps(dict(sorted(self.type_counts.items())), indent=0) + "\n"
            (Path(path) / TYPE_COUNTS_FILE).write_text(text, encoding="utf-8")
        return Path(path)

    # -- prediction --------------------------------------------------------------------------------
    def predict(self, texts: Sequence[str], types: Sequence[str], threshold: float | None = None) -> list[list[Entity]]:
        """``threshold=None``: the model's own (``thresholds_for``); a number applies to every type."""
        return self.predict_decodings(texts, types, (threshold,), (self.multi_label,))[(self.multi_label, threshold)]

    def thresholds_for(self, names: Sequence[str], threshold: float | None = None) -> list[float]:
        """The threshold of each asked type: ``threshold`` for all when given; else the model's
        ``threshold`` for a type it trained on at least ``known_min_mentions`` times and
        ``unseen_threshold`` (when set) for the others. Why: a type the model never trained
        on scores far lower when right (docs/benchmarks.md, Session 7: on CrossNER dev the
        best single threshold is 0.05, the transfer dev's, of trained types, 0.25)."""
        if threshold is not None:
            return [threshold] * len(names)
        if not self.unseen_threshold or not self.type_counts:
            return [self.threshold] * len(names)
        least = self.config.known_min_mentions
        return [self.threshold if self.type_counts.get(normalise_type(n), 0) >= least else self.unseen_threshold
                for n in names]

    def predict_decodings(
        self, texts: Sequence[str], types: Sequence[str], thresholds: Sequence[float | None] = (None,),
        multi_labels: Sequence[bool] = (False, True),
    ) -> dict[tuple[bool, float | None], list[list[Entity]]]:
        """``predict`` at every threshold and decoding (single- / multi-label), from one scoring pass.

        Keyed ``(multi_label, threshold)``; a threshold of None is the model's own
        (``thresholds_for``).  Why: the encoder pass is nearly all the cost, and only the
        decoding differs, so export tunes thresholds and decodings on the dev data for the
        price of one pass.  Each threshold is decoded on its own: which span keeps a generic
        type depends on whether a kind of it passes that threshold (``prefer_specific``), so
        filtering the entities of a lower threshold would not give the same answer.
        """
        names = validate_types(types)
        wanted = list(dict.fromkeys(thresholds))
        given = [cut for cut in wanted if cut is not None]
        if not wanted or not all(0.0 < cut < 1.0 for cut in given):
            raise ConfigError(f"threshold must be in (0, 1), got {given or 'none'}")
        cuts = {cut: self.thresholds_for(names, cut) for cut in wanted}
        floor = min(min(per_type) for per_type in cuts.values())
        type_set = self._type_set(names)
        plans = [self._plan(text) for text in texts]
        jobs = [_Job(t, w, enc) for t, (_, _, encs) in enumerate(plans) for w, enc in enumerate(encs)]
        found: list[list[list[Candidate]]] = [[[] for _ in encs] for _, _, encs in plans]
        jobs.sort(key=lambda j: len(j.encoded.input_ids))
        for start in range(0, len(jobs), self.batch_size):
            batch = jobs[start : start + self.batch_size]
            for job, cands in zip(batch, self._score([j.encoded for j in batch], type_set.vectors, floor)):
                found[job.text_index][job.window_index] = cands
        results: dict[tuple[bool, float | None], list[list[Entity]]] = {(m, c): [] for m in multi_labels for c in cuts}
        for text, (words, windows, _), per_window in zip(texts, plans, found):
            merged = best_per_span(merge_window_candidates(windows, per_window))
            for cut, per_type in cuts.items():
                passing = prefer_specific((c for c in merged if c.score >= per_type[c.type_index]), type_set.kinds)
                for multi in multi_labels:
                    results[(multi, cut)].append(
                        [Entity.from_source(text, words.starts[c.first], words.ends[c.last], names[c.type_index],
                                            round(c.score, 4))
                         for c in decode(passing, flat=self.flat, multi_label=multi)]
                    )
        return results

    def type_vectors(self, names: Sequence[str]) -> torch.Tensor:
        """The projected type vectors of ``names``, cached per type list."""
        return self._type_set(names).vectors

    def _type_set(self, names: Sequence[str]) -> _TypeSet:
        key = tuple(names)
        if key in self._type_cache:
            self._type_cache.move_to_end(key)
            return self._type_cache[key]
        ids = self.tokenizer(list(names), truncation=True, max_length=32)["input_ids"]
        batch = {k: v.to(self.device) for k, v in pad_types(ids, self.tokenizer.pad_token_id).items()}
        with torch.inference_mode():
            pooled = self.model.pool_types(batch["type_input_ids"], batch["type_attention_mask"])
            vectors = self.model.project_types(pooled)
            unit = torch.nn.functional.normalize(pooled.float(), dim=-1)
            similar = (unit @ unit.T >= self.config.kind_min_similarity).cpu().numpy()
        self._type_cache[key] = _TypeSet(vectors, kinds_of(names, self.generic, similar))
        if len(self._type_cache) > _TYPE_CACHE_SIZE:
            self._type_cache.popitem(last=False)
        return self._type_cache[key]

    def _plan(self, text: str) -> tuple[Words, list[Window], list[Encoded]]:
        if not isinstance(text, str):
            raise ConfigError(f"texts must be strings, got {type(text).__name__}")
        words = split_words(text)
        pieces = text_pieces(self.tokenizer, text, words)
        cfg = self.config
        windows = plan_windows([len(p) for p in pieces], cfg.window_tokens, cfg.window_overlap, cfg.max_width)
        cls_id, sep_id = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        encoded = [encode_words(pieces[w.start : w.end], words.cases[w.start : w.end], cls_id, sep_id, w.start)
                   for w in windows]
        return words, windows, encoded

    def _score(self, encoded: Sequence[Encoded], type_vectors: torch.Tensor, threshold: float) -> list[list[Candidate]]:
        batch = {k: v.to(self.device) for k, v in pad_text(encoded, self.tokenizer.pad_token_id).items()}
        with torch.inference_mode():
            if self.text_side is not None:
                spans = self.text_side(batch)
            else:
                states = self.model.encode_text(batch["input_ids"], batch["attention_mask"], batch["case_ids"])
                spans = self.model.span_vectors(states, batch["word_first"], batch["word_last"])
            probs = torch.sigmoid(self.model.score(spans, type_vectors)).float().cpu().numpy()
        return [candidates_from_scores(np.asarray(p), threshold, n_words=e.n_words) for p, e in zip(probs, encoded)]


def kinds_of(names: Sequence[str], generic: set[str], similar: np.ndarray) -> dict[int, set[int]]:
    """Generic type index -> the asked types that are kinds of it: not generic themselves, and
    close to it in the frozen type tower (``similar[i, j]``; the sentence space, where
    *politician* is 0.54 from *person* and *location* 0.31)."""
    norm = [normalise_type(n) for n in names]
    out = {}
    for g, name in enumerate(norm):
        if name in generic:
            kinds = {j for j, other in enumerate(norm) if other not in generic and similar[g, j]}
            if kinds:
                out[g] = kinds
    return out


def _base_weights(config: SpanConfig, path: Path, keys: Sequence[str]) -> dict[str, torch.Tensor]:
    from transformers import AutoModel

    try:
        with quiet_loading():
            base = AutoModel.from_pretrained(resolve_base(config.base), add_pooling_layer=False).state_dict()
    except (OSError, ValueError) as err:
        raise ConfigError(f"{path}: part of the model is its base {config.base!r}, which cannot be loaded ({err})") from None
    out = {}
    for key in keys:
        name = key.split(".", 1)[1]  # "encoder.x" / "type_encoder.x" -> "x"
        if name not in base:
            raise ConfigError(f"{path}: weight {key} is neither saved nor in the base {config.base!r}")
        out[key] = base[name]
    return out


def save_model_dir(model: SpanModel, tokenizer: Any, path: Path, half: bool = False,
                   extra: dict[str, Any] | None = None, slim: bool = False) -> None:
    """``slim`` leaves out the weights that are the base's own (reloaded from the base at load time)."""
    path.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    skip = model.base_weight_keys() if slim else set()
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items() if k not in skip}
    save_file(state, str(path / WEIGHTS_FILE), metadata={"format": "pt"})
    (path / WEIGHTS_FILE).chmod(0o644)  # safetensors creates it owner-only; a model dir is meant to be shared
    write_model_files(model, tokenizer, path, extra)


def write_model_files(model: SpanModel, tokenizer: Any, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Everything of a model dir but the weights (the Trainer writes those in checkpoints)."""
    path.mkdir(parents=True, exist_ok=True)
    model.span_config.save(path)
    model.encoder.config.save_pretrained(path)
    tokenizer.save_pretrained(path)
    manifest = {"backend": "span", "architecture": model.span_config.architecture, **(extra or {}),
                "provenance": provenance(model.span_config.to_dict())}
    (path / MODEL_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _factory(model: str, **options: Any) -> SpanPredictor:
    return SpanPredictor.from_pretrained(model, **options)


BACKENDS.register("span", _factory)
