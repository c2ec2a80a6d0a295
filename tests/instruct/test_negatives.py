from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from uniner.errors import RegistryError
from uniner.instruct.negatives import (
    NEGATIVE_SAMPLERS,
    TypePool,
    candidates,
    example_rng,
    normalise_type,
    sample_negatives,
)
from uniner.types import Entity, Example


def ex(id, text, spans=(), labelled=None, dataset="d"):
    """An Example with entities given as (mention, type); offsets found in the text."""
    entities = []
    for mention, type_ in spans:
        start = text.index(mention)
        entities.append(Entity.from_source(text, start, start + len(mention), type_))
    return Example(id, text, tuple(entities), dataset, frozenset(labelled) if labelled is not None else None)


def test_normalise_type_folds_case_and_whitespace():
    assert normalise_type("  Person \n Name ") == "person name"
    assert normalise_type("PERSON name") == normalise_type("person  name")


def test_pool_counts_passages_not_mentions():
    pool = TypePool.from_examples(
        [
            ex("a", "Anna and Bob", [("Anna", "person"), ("Bob", "Person")]),
            ex("b", "Bob in Rome", [("Bob", "person"), ("Rome", "city")]),
            ex("c", "nothing", labelled={"disease"}),
        ]
    )
    counts = {name: pool.counts[i] for name, i in zip(pool.names, range(len(pool)))}
    assert counts == {"person": 2, "city": 1, "disease": 0}


def test_pool_display_spelling_is_most_frequent():
    pool = TypePool.from_examples(
        [ex("a", "Anna", [("Anna", "Person")]), ex("b", "Bob", [("Bob", "person")]), ex("c", "Cy", [("Cy", "person")])]
    )
    assert pool.names == ("person",)


def test_candidates_exclude_present_types_normalised():
    pool = TypePool.from_examples([ex("a", "x", labelled={"Person", "city", "date"})])
    example = ex("b", "Anna here", [("Anna", "PERSON ")])
    _, names = candidates(example, pool)
    assert sorted(names) == ["city", "date"]


def test_candidates_partial_example_only_vouched_types():
    pool = TypePool.from_examples([ex("a", "Rome and Anna", [("Rome", "city"), ("Anna", "person")]),
                                   ex("b", "x", labelled={"disease", "date"})])
    partial = ex("c", "Paris", [("Paris", "city")], labelled={"city", "disease"})
    _, names = candidates(partial, pool)
    assert names == ["disease"]


def test_partial_one_type_negative_example_is_asked_its_type():
    pool = TypePool.from_examples([ex("a", "no drug here", labelled={"drug"})])
    rng = np.random.default_rng(0)
    assert sample_negatives(ex("a", "no drug here", labelled={"drug"}), pool, "frequency", 2, rng) == ["drug"]
    assert sample_negatives(ex("a", "no drug here", labelled={"drug"}), pool, "uniform", 1, rng) == ["drug"]


def test_sample_negatives_k_zero_and_none_strategy():
    pool = TypePool.from_examples([ex("a", "Rome", [("Rome", "city")])])
    example = ex("b", "nothing")
    rng = np.random.default_rng(0)
    assert sample_negatives(example, pool, "frequency", 0, rng) == []
    assert sample_negatives(example, pool, "none", 5, rng) == []
    assert sample_negatives(example, pool, "uniform", 5, rng) == ["city"]


def test_unknown_sampler_lists_available():
    pool = TypePool.from_examples([ex("a", "Rome", [("Rome", "city")])])
    with pytest.raises(RegistryError, match="frequency, none, uniform"):
        sample_negatives(ex("b", "x"), pool, "hard", 1, np.random.default_rng(0))


def _frequency_pool():
    # Type t{i} occurs in (i+1)*5 passages: weights 5, 10, ..., 40.
    examples = []
    for i in range(8):
        for j in range((i + 1) * 5):
            examples.append(ex(f"t{i}-{j}", "word", [("word", f"t{i}")]))
    return TypePool.from_examples(examples)


def test_frequency_sampling_matches_target_distribution():
    pool = _frequency_pool()
    blank = ex("q", "nothing")
    draws = Counter()
    rng = np.random.default_rng(1234)
    n = 6000
    for _ in range(n):
        [name] = sample_negatives(blank, pool, "frequency", 1, rng)
        draws[name] += 1
    observed = [draws[name] for name in pool.names]
    expected = pool.counts / pool.counts.sum() * n
    assert chisquare(observed, expected).pvalue > 0.01
    # And it is not uniform: the most frequent type is drawn far more often than the rarest.
    assert chisquare(observed, [n / len(pool)] * len(pool)).pvalue < 1e-6


def test_uniform_sampling_is_uniform():
    pool = _frequency_pool()
    blank = ex("q", "nothing")
    rng = np.random.default_rng(99)
    draws = Counter(sample_negatives(blank, pool, "uniform", 1, rng)[0] for _ in range(4000))
    assert chisquare([draws[name] for name in pool.names]).pvalue > 0.01


def test_frequency_sampling_without_replacement():
    pool = _frequency_pool()
    chosen = sample_negatives(ex("q", "nothing"), pool, "frequency", 5, np.random.default_rng(3))
    assert len(chosen) == len(set(chosen)) == 5


def test_example_rng_is_fixed_by_seed_and_keys():
    a = example_rng(7, "conll2003", "s1").random(3)
    assert np.array_equal(a, example_rng(7, "conll2003", "s1").random(3))
    assert not np.array_equal(a, example_rng(8, "conll2003", "s1").random(3))
    assert not np.array_equal(a, example_rng(7, "conll2003", "s2").random(3))


TYPES = ["person", "Person", "city", "CITY ", "date", "disease", "drug", "org"]


@st.composite
def labelled_examples(draw):
    words = draw(st.lists(st.sampled_from(["Anna", "Rome", "May", "flu", "aspirin", "ACME"]), min_size=1, max_size=6))
    text = " ".join(words)
    entities, pos = [], 0
    for w in words:
        if draw(st.booleans()):
            entities.append(Entity.from_source(text, pos, pos + len(w), draw(st.sampled_from(TYPES))))
        pos += len(w) + 1
    labelled = draw(st.none() | st.frozensets(st.sampled_from(TYPES), max_size=4))
    return Example(draw(st.text(min_size=1, max_size=5)), text, tuple(entities), "d", labelled)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(labelled_examples(), min_size=1, max_size=6),
    st.sampled_from(["frequency", "uniform"]),
    st.integers(0, 10),
    st.integers(0, 2**32),
)
def test_no_positive_type_is_ever_a_negative(examples, strategy, k, seed):
    pool = TypePool.from_examples(examples)
    for example in examples:
        negatives = sample_negatives(example, pool, strategy, k, example_rng(seed, example.id))
        present = {normalise_type(e.type) for e in example.entities}
        assert not present & {normalise_type(t) for t in negatives}
        assert len(negatives) <= k
        assert len({normalise_type(t) for t in negatives}) == len(negatives)
        if example.labelled_types is not None:
            assert {normalise_type(t) for t in negatives} <= {normalise_type(t) for t in example.labelled_types}


def test_registry_names():
    assert NEGATIVE_SAMPLERS.names() == ["frequency", "none", "uniform"]
