"""The spaCy baseline: the label -> type mapping (pure) and the real pipeline (integration)."""

from __future__ import annotations

import pytest

from uniner.engine.backends.spacy_baseline import LABEL_TYPES, assign_types, load_spacy
from uniner.engine.base import BACKENDS
from uniner.errors import ConfigError


def test_assign_types_matches_meaning_case_insensitively_in_asked_spelling():
    assignment = assign_types(["Person", "LOCATION", "program language"])
    assert assignment["PERSON"] == "Person"
    assert assignment["LOC"] == assignment["GPE"] == assignment["FAC"] == "LOCATION"
    assert "LANGUAGE" not in assignment  # a programming language is not a natural language


def test_assign_types_prefers_the_generic_type_then_subtypes():
    assert assign_types(["politician", "person"])["PERSON"] == "person"
    assert assign_types(["politician"])["PERSON"] == "politician"
    assert assign_types(["country", "location"])["GPE"] == "country"
    assert assign_types(["country", "location"])["LOC"] == "location"


def test_assign_types_unmatched_types_get_nothing():
    assert assign_types(["gene", "disease", "material"]) == {}
    assert assign_types(["Cuisine", "Dish", "Amenity"]) == {}


def test_label_types_cover_every_spacy_label_lower_case():
    assert set(LABEL_TYPES) == {
        "CARDINAL",
        "DATE",
        "EVENT",
        "FAC",
        "GPE",
        "LANGUAGE",
        "LAW",
        "LOC",
        "MONEY",
        "NORP",
        "ORDINAL",
        "ORG",
        "PERCENT",
        "PERSON",
        "PRODUCT",
        "QUANTITY",
        "TIME",
        "WORK_OF_ART",
    }
    assert all(name == name.lower() for names in LABEL_TYPES.values() for name in names)


def test_load_spacy_rejects_unknown_options_and_pipelines():
    assert "spacy" in BACKENDS
    with pytest.raises(ConfigError, match="takes only batch_size"):
        load_spacy("spacy", device="cuda")
    with pytest.raises(ConfigError, match="spaCy pipeline 'no_such_pipeline' is not installed"):
        load_spacy("no_such_pipeline")


@pytest.mark.integration
def test_spacy_predictor_real_pipeline_offsets_and_types():
    predictor = load_spacy("spacy")
    text = "Barack Obama visited Paris in 2015 with Google engineers ."
    (entities,) = predictor.predict([text], ["person", "location", "organisation", "gene"])
    found = {(e.text, e.type) for e in entities}
    assert ("Barack Obama", "person") in found and ("Paris", "location") in found
    assert ("Google", "organisation") in found
    assert all(text[e.start : e.end] == e.text for e in entities)
    assert all(e.type in {"person", "location", "organisation"} for e in entities)
    assert predictor.predict([text, "nothing here"], ["gene"]) == [[], []]
