"""Negative entity types: which absent types a passage is also asked about (answer ``[]``).

The UniversalNER ablation (Table 5 of the paper): no negatives 31.5, uniform 47.7,
frequency-weighted 53.4 average zero-shot F1.  Strategies live in the
``NEGATIVE_SAMPLERS`` registry; each picks up to ``k`` of the candidate types.

What may be a candidate is decided here, not by the strategy:

* a type present in the passage never is (types compared normalised: case and
  whitespace);
* a fully labelled example (``labelled_types is None``) vouches for every type of
  its dataset's pool, so any absent pool type may be asked;
* a partially labelled example vouches only for its ``labelled_types``: only those
  may be negatives, so no negative is ever invented that the data cannot back.

A pool is one dataset's types with their frequency, counted as the number of
passages of the input that contain the type.  Pools are per dataset, not across
a mixture: a CoNLL sentence says nothing about ``disease``, so a type from another
dataset is not a negative it can vouch for.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from uniner.registry import Registry
from uniner.types import Example

#: ``sampler(candidates, weights, k, rng) -> chosen positions into candidates``.
Sampler = Callable[[np.ndarray, np.ndarray, int, np.random.Generator], list[int]]


@functools.lru_cache(maxsize=1 << 16)  # a few thousand distinct types, normalised millions of times
def normalise_type(name: str) -> str:
    """The key two type names are compared by: case-folded, whitespace collapsed."""
    return " ".join(name.split()).casefold()


def example_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator fixed by the seed and the keys (dataset, example id) alone.

    Independent of input order and of ``PYTHONHASHSEED``, so adding a dataset to a
    mixture leaves every other passage's draws unchanged.
    """
    digest = hashlib.blake2b("\0".join(keys).encode("utf-8"), digest_size=16).digest()
    words = [int.from_bytes(digest[i: i + 4], "little") for i in range(0, 16, 4)]
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF, *words])


@dataclass(frozen=True)
class TypePool:
    """One dataset's types: a display spelling and a passage frequency per normalised type."""

    names: tuple[str, ...]
    counts: np.ndarray
    index: dict[str, int]
    #: ``labelled_types`` -> {normalised: (position, spelling)}; partial examples share few distinct sets.
    _vouched: dict[frozenset[str], dict[str, tuple[int, str]]] = field(default_factory=dict, compare=False)

    @classmethod
    def from_examples(cls, examples: Iterable[Example]) -> TypePool:
        counts: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        labelled: dict[frozenset[str], None] = {}
        for example in examples:
            present: dict[str, str] = {}
            for e in example.entities:
                present.setdefault(normalise_type(e.type), e.type)
            for key, spelling in present.items():
                counts[key] += 1
                if key not in spellings:
                    spellings[key] = Counter()
                spellings[key][spelling] += 1
            if example.labelled_types:
                labelled[example.labelled_types] = None
        for name in sorted({name for types in labelled for name in types}):
            # Vouched-for types belong to the pool even if they never occur.
            key = normalise_type(name)
            counts.setdefault(key, 0)
            spellings.setdefault(key, Counter()).setdefault(name, 0)
        keys = list(counts)
        # Most frequent spelling, first seen on ties (Counter keeps insertion order).
        names = tuple(max(spellings[k].items(), key=lambda kv: kv[1])[0] for k in keys)
        return cls(names, np.array([counts[k] for k in keys], dtype=np.float64), {k: i for i, k in enumerate(keys)})

    def __len__(self) -> int:
        return len(self.names)

    def vouched(self, labelled_types: frozenset[str]) -> dict[str, tuple[int, str]]:
        """Pool position and the example's own spelling of each vouched-for type."""
        found = self._vouched.get(labelled_types)
        if found is None:
            found = {}
            for name in sorted(labelled_types):
                key = normalise_type(name)
                if key in self.index:
                    found.setdefault(key, (self.index[key], name))
            self._vouched[labelled_types] = found
        return found


def candidates(example: Example, pool: TypePool) -> tuple[np.ndarray, list[str]]:
    """Pool positions that may be negatives for ``example``, and the names to ask them by."""
    positions, spellings = _candidate_positions(example, pool)
    return positions, spellings if spellings is not None else [pool.names[int(p)] for p in positions]


def _candidate_positions(example: Example, pool: TypePool) -> tuple[np.ndarray, list[str] | None]:
    """Like ``candidates``; spellings only for partial examples (else the pool's own, looked up lazily)."""
    present = {normalise_type(e.type) for e in example.entities}
    if example.labelled_types is not None:
        chosen = sorted(v for k, v in pool.vouched(example.labelled_types).items() if k not in present)
        return np.array([p for p, _ in chosen], dtype=np.int64), [name for _, name in chosen]
    allowed = np.ones(len(pool), dtype=bool)
    for key in present:
        if key in pool.index:
            allowed[pool.index[key]] = False
    return np.flatnonzero(allowed), None


def sample_negatives(
    example: Example, pool: TypePool, strategy: str, k: int, rng: np.random.Generator
) -> list[str]:
    """Up to ``k`` negative type names for ``example`` (fewer if the pool runs out)."""
    if k <= 0:
        return []
    sampler = NEGATIVE_SAMPLERS.get(strategy)
    positions, spellings = _candidate_positions(example, pool)
    if len(positions) == 0:
        return []
    chosen = sampler(positions, pool.counts[positions], k, rng)
    if spellings is not None:
        return [spellings[i] for i in chosen]
    return [pool.names[int(positions[i])] for i in chosen]


def sample_by_frequency(cands: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
    """Draw without replacement, each draw proportional to frequency.

    Efraimidis-Spirakis keys ``log(u) / w``: the top ``k`` keys are distributed
    exactly like ``k`` successive weighted draws, in one vectorised pass.  Types
    of frequency 0 (vouched for, never seen) are taken only when nothing else is left.
    """
    u = rng.random(len(cands))
    with np.errstate(divide="ignore"):
        keys = np.where(weights > 0, np.log(u) / np.where(weights > 0, weights, 1.0), -np.inf)
    # Ties among the -inf keys break by a uniform draw, not by position.
    order = np.lexsort((rng.random(len(cands)), -keys))
    return [int(i) for i in order[:k]]


def sample_uniform(cands: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
    return [int(i) for i in rng.permutation(len(cands))[:k]]


def sample_none(cands: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> list[int]:
    return []


NEGATIVE_SAMPLERS: Registry[Sampler] = Registry("negative sampler")
NEGATIVE_SAMPLERS.register("frequency", sample_by_frequency)
NEGATIVE_SAMPLERS.register("uniform", sample_uniform)
NEGATIVE_SAMPLERS.register("none", sample_none)
