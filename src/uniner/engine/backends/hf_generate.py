"""Greedy answers from a transformers causal LM, with the passage encoded once.

Every question about a passage shares one long prefix (system line, passage,
``I've read this text.``, the start of the next question).  The naive path
feeds T full prompts; the prefix path runs the shared prefix once per passage,
keeps its key/value cache (``DynamicCache``), copies it to one batch row per
question and feeds only the rest of each question.  Several passages are
batched too: their prefixes are left-padded, and each question's remainder is
padded *between* the prefix and the question, so every row ends at the same
column.  Positions come from the attention mask (``cumsum - 1``), so a padded
row sees exactly the positions and keys of its unpadded prompt, and greedy
decoding gives the same tokens as the naive path (a test asserts it).

The shared prefix is found on token ids, not text: the longest common prefix
of the tokenised full prompts, so tokenizer merges across the boundary can
never make the two paths see different ids.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from uniner.data.conversations import Conversation, Query
from uniner.engine.generative import Completion
from uniner.errors import ConfigError, UninerWarning
from uniner.instruct.render import render_prompt_text, render_text, stop_strings


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 128
    #: Question rows per ``generate`` call (passages are grouped to fill it).
    batch_size: int = 64
    #: Encode each passage once and reuse its KV cache for all its questions.
    reuse_prefix: bool = True
    #: Greedy decoding that drops a row from the batch as soon as its answer ends
    #: (``generate`` computes every row until the longest answer ends).
    compact: bool = True

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ConfigError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}")


def shared_prefix_length(rows: Sequence[Sequence[int]]) -> int:
    """Longest common prefix of ``rows``, leaving at least one token in each row."""
    limit = min(len(r) for r in rows) - 1
    n = 0
    first = rows[0]
    while n < limit and all(r[n] == first[n] for r in rows):
        n += 1
    return n


def _cache_kwarg(model: Any) -> str:
    # transformers 5.24 renamed ``past_key_values`` to ``cache`` (old name kept until 5.40).
    import inspect

    return "cache" if "cache" in inspect.signature(type(model).forward).parameters else "past_key_values"


class HFGenerator:
    """``AnswerGenerator`` over a loaded transformers model and tokenizer."""

    def __init__(self, model: Any, tokenizer: Any, template: str, settings: GenerationSettings | None = None,
                 name: str = "hf"):
        self.model = model
        self.tokenizer = tokenizer
        self.template = template
        self.settings = settings or GenerationSettings()
        self.name = name
        probe = Conversation("", "x", [Query("t", "[]")])
        self._add_special = render_text(probe, template, tokenizer).add_special_tokens
        self._stop_ids, self._stop_strings = self._stops()
        self._pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self._stop_ids[0]
        self._cache_key = _cache_kwarg(model)
        self._warned_fallback = False

    def _stops(self) -> tuple[list[int], list[str]]:
        """End-of-turn markers that are one token become ids; others stay strings."""
        ids: list[int] = []
        strings: list[str] = []
        eos = getattr(self.model.generation_config, "eos_token_id", None)
        for value in [eos] if isinstance(eos, int) else list(eos or []):
            ids.append(int(value))
        if self.tokenizer.eos_token_id is not None:
            ids.append(int(self.tokenizer.eos_token_id))
        for marker in stop_strings(self.template, self.tokenizer):
            encoded = self.tokenizer.encode(marker, add_special_tokens=False)
            if len(encoded) == 1 and marker in self.tokenizer.all_special_tokens:
                ids.append(encoded[0])
            else:
                strings.append(marker)
        if not ids:
            raise ConfigError("the tokenizer has no end-of-sequence token; generation could not stop")
        return list(dict.fromkeys(ids)), strings

    # ----------------------------------------------------------------- prompts
    def prompt_ids(self, passage: str, types: Sequence[str]) -> list[list[int]]:
        rows = []
        for type_name in types:
            text = render_prompt_text(passage, type_name, self.template, self.tokenizer)
            rows.append(self.tokenizer(text, add_special_tokens=self._add_special)["input_ids"])
        limit = getattr(self.model.config, "max_position_embeddings", None)
        longest = max(len(r) for r in rows)
        if limit and longest + self.settings.max_new_tokens > limit:
            raise ConfigError(
                f"a prompt of {longest} tokens plus {self.settings.max_new_tokens} new tokens exceeds the "
                f"model's {limit}-token context; split the passage"
            )
        return rows

    # -------------------------------------------------------------- entry point
    def complete(self, passages: Sequence[str], types: Sequence[str]) -> list[list[Completion]]:
        groups = [self.prompt_ids(p, types) for p in passages]
        # Similar lengths together: less padding, same results.
        order = sorted(range(len(groups)), key=lambda i: len(groups[i][0]))
        per_chunk = max(1, self.settings.batch_size // len(types))
        out: list[list[Completion]] = [[] for _ in groups]
        with torch.inference_mode():
            for start in range(0, len(order), per_chunk):
                chunk = order[start:start + per_chunk]
                if self.settings.reuse_prefix:
                    results = self._complete_cached([groups[i] for i in chunk])
                else:
                    results = self._complete_naive([groups[i] for i in chunk])
                for i, row in zip(chunk, results):
                    out[i] = row
        return out

    # --------------------------------------------------------------- naive path
    def _complete_naive(self, groups: list[list[list[int]]]) -> list[list[Completion]]:
        rows = [r for g in groups for r in g]
        flat: list[Completion] = []
        for start in range(0, len(rows), self.settings.batch_size):
            batch = rows[start:start + self.settings.batch_size]
            ids, mask = self._left_pad(batch)
            flat += self._generate(ids, mask, None)
        width = len(groups[0])
        return [flat[i:i + width] for i in range(0, len(flat), width)]

    # -------------------------------------------------------------- prefix path
    def _complete_cached(self, groups: list[list[list[int]]]) -> list[list[Completion]]:
        lengths = [shared_prefix_length(g) for g in groups]
        if min(lengths) == 0:  # nothing shared (one-token prompts): nothing to reuse
            return self._complete_naive(groups)
        prefix_ids, prefix_mask = self._left_pad([g[0][:n] for g, n in zip(groups, lengths)])
        cache = self._prefill(prefix_ids, prefix_mask)
        if cache is None:
            return self._complete_naive(groups)
        cells = [(j, t) for j in range(len(groups)) for t in range(len(groups[j]))]
        flat: list[Completion] = []
        for start in range(0, len(cells), self.settings.batch_size):
            batch = cells[start:start + self.settings.batch_size]
            index = torch.tensor([j for j, _ in batch], device=prefix_ids.device)
            rest = [groups[j][t][lengths[j]:] for j, t in batch]
            rest_ids, rest_mask = self._left_pad(rest)
            ids = torch.cat([prefix_ids[index], rest_ids], dim=1)
            mask = torch.cat([prefix_mask[index], rest_mask], dim=1)
            flat += self._generate(ids, mask, self._select(cache, index))
        width = len(groups[0])
        return [flat[i:i + width] for i in range(0, len(flat), width)]

    def _prefill(self, ids: torch.Tensor, mask: torch.Tensor) -> Any:
        """The KV cache of the prefixes, or None if this model's cache cannot be reused."""
        from transformers import DynamicCache
        from transformers.cache_utils import DynamicLayer

        cache = DynamicCache(config=self.model.config)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                   logits_to_keep=1, **{self._cache_key: cache})
        layers = getattr(cache, "layers", None)
        # Sliding-window or recurrent layers keep no full prefix to copy: fall back, once noted.
        if not layers or not all(type(layer) is DynamicLayer for layer in layers):
            if not self._warned_fallback:
                self._warned_fallback = True
                kinds = sorted({type(layer).__name__ for layer in layers or []} - {DynamicLayer.__name__})
                warnings.warn(f"prefix reuse is not supported for cache layers {kinds or '(none)'}; "
                              "using full prompts", UninerWarning, stacklevel=3)
            return None
        return cache

    def _select(self, cache: Any, index: torch.Tensor) -> Any:
        """A fresh cache with one copy of its passage's prefix per question row."""
        from transformers import DynamicCache

        data = [(layer.keys.index_select(0, index), layer.values.index_select(0, index)) for layer in cache.layers]
        return DynamicCache(data, config=self.model.config)

    # ------------------------------------------------------------------ common
    def _left_pad(self, rows: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self._pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            if row:
                ids[i, width - len(row):] = torch.tensor(row, dtype=torch.long)
                mask[i, width - len(row):] = 1
        return ids.to(self.model.device), mask.to(self.model.device)

    def _generate(self, ids: torch.Tensor, mask: torch.Tensor, cache: Any) -> list[Completion]:
        if self.settings.compact:
            return self._decode(ids, mask, cache)
        kwargs: dict[str, Any] = {
            "max_new_tokens": self.settings.max_new_tokens,
            "do_sample": False,
            "eos_token_id": self._stop_ids,
            "pad_token_id": self._pad_id,
        }
        if self._stop_strings:
            kwargs.update(stop_strings=self._stop_strings, tokenizer=self.tokenizer)
        if cache is not None:
            kwargs[self._cache_key] = cache
        out = self.model.generate(input_ids=ids, attention_mask=mask, **kwargs)
        return [self._completion(row.tolist()) for row in out[:, ids.shape[1]:]]

    def _decode(self, ids: torch.Tensor, mask: torch.Tensor, cache: Any) -> list[Completion]:
        """Greedy decoding of left-padded rows whose first ``cache`` columns are already cached.

        The same argmax steps as ``generate(do_sample=False)``, but a row leaves the
        batch (and its cache rows are dropped) at its end-of-turn token or stop
        string, so short answers ("[]") stop costing anything while a long one of
        the same batch is still being written.
        """
        from transformers import DynamicCache

        if cache is None:
            cache = DynamicCache(config=self.model.config)
        past = cache.get_seq_length()
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        step_ids, step_positions = ids[:, past:], positions[:, past:]
        live = list(range(ids.shape[0]))  # original row of each batch row
        tokens: list[list[int]] = [[] for _ in live]
        stops = set(self._stop_ids)
        for step in range(self.settings.max_new_tokens):
            logits = self.model(input_ids=step_ids, attention_mask=mask, position_ids=step_positions,
                                use_cache=True, logits_to_keep=1, **{self._cache_key: cache}).logits[:, -1, :]
            chosen = logits.argmax(-1)
            keep = []
            for k, (row, token) in enumerate(zip(live, chosen.tolist())):
                tokens[row].append(token)
                if token not in stops and not self._ends_with_stop_string(tokens[row]):
                    keep.append(k)
            if not keep or step == self.settings.max_new_tokens - 1:
                break
            last_positions = step_positions[:, -1]
            if len(keep) < len(live):
                index = torch.tensor(keep, device=ids.device)
                cache.batch_select_indices(index)
                mask, chosen, last_positions = mask[index], chosen[index], last_positions[index]
                live = [live[k] for k in keep]
            mask = torch.cat([mask, mask.new_ones((len(live), 1))], dim=1)
            step_ids, step_positions = chosen[:, None], (last_positions + 1)[:, None]
        return [self._completion(row) for row in tokens]

    def _ends_with_stop_string(self, tokens: list[int]) -> bool:
        if not self._stop_strings:
            return False
        text = self.tokenizer.decode(tokens[-16:], skip_special_tokens=False)
        return any(marker in text for marker in self._stop_strings)

    def _completion(self, tokens: list[int]) -> Completion:
        stop = next((i for i, t in enumerate(tokens) if t in self._stop_ids), None)
        if stop is not None:
            count = stop + 1
            body = tokens[:stop]
        else:
            count = len(tokens)
            while count and tokens[count - 1] == self._pad_id:  # rows finished by a stop string
                count -= 1
            body = tokens[:count]
        text = self.tokenizer.decode(body, skip_special_tokens=True)
        for marker in self._stop_strings:
            text = text.split(marker, 1)[0]
        return Completion(text.strip(), count)
