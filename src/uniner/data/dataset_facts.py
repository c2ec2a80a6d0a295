"""The facts of every benchmark dataset under ``$UNINER_DATA/benchmark``.

Tag spellings and splits are as the files have them (``tests/data/test_datasets.py``
checks this table against the files).  Plain-English names for coded tags follow
the datasets' own documentation (FabNER, MultiNERD, OntoNotes guidelines).
"""

from __future__ import annotations

from collections.abc import Callable

GNER = "GNER data folder (chrisjihee/GNER @ 76309b1)"
UNINER_FILES = "uniner_test.json from universal-ner/universal-ner @ 844e0e1"
CROSSNER_LICENCE = "CrossNER: MIT; UniversalNER files: research use (CC BY-NC 4.0)"

_PLO = {"PER": "person", "ORG": "organization", "LOC": "location"}
_PLOM = {**_PLO, "MISC": "miscellaneous"}


def register_all(spec: Callable[..., None]) -> None:
    zero_shot = {
        "zero_shot": True, "source": f"{GNER}; {UNINER_FILES}", "licence": CROSSNER_LICENCE, "has_uniner_eval": True,
    }
    spec(
        "crossner_ai", "general",
        "organization|university|location|person|conference|country|researcher|task|product|algorithm|"
        "programming language|field|metric",
        {"programming language": "program language", "metric": "metrics"}, **zero_shot,
    )
    spec("crossner_literature", "general",
         "poem|book|award|event|organization|literary genre|magazine|writer|person|country|location", **zero_shot)
    spec("crossner_music", "general",
         "country|location|musical artist|musical instrument|person|song|album|band|organization|music genre|"
         "event|award", **zero_shot)
    spec("crossner_politics", "general",
         "political party|election|politician|location|organization|country|event|person", **zero_shot)
    spec("crossner_science", "general",
         "university|event|astronomical object|person|protein|enzyme|scientist|chemical element|discipline|"
         "award|organization|location|chemical compound|country|academic journal|theory", **zero_shot)
    spec("mit_movie", "social media",
         "genre|year|plot|average ratings|actor|title|song|character|rating|review|director|trailer",
         splits=("train", "test"), zero_shot=True, source=GNER, licence="none stated")
    spec("mit_restaurant", "social media", "Rating|Location|Amenity|Cuisine|Hours|Price|Dish|Restaurant Name",
         splits=("train", "test"), zero_shot=True, has_uniner_eval=True, source=f"{GNER}; {UNINER_FILES}",
         licence="none stated")
    _general(spec)
    _biomedical(spec)
    _social_and_stem(spec)


def _general(spec: Callable[..., None]) -> None:
    spec("conll2003", "general", "PER|ORG|LOC|MISC", _PLOM, source=GNER, licence="Reuters corpus terms")
    spec("conllpp", "general", "PER|ORG|LOC|MISC", _PLOM, splits=("test",), source=GNER,
         licence="as conll2003 (train/dev = conll2003)")
    spec("ontonotes5", "general",
         "CARDINAL|DATE|PERSON|NORP|GPE|LAW|ORG|PERCENT|ORDINAL|MONEY|WORK_OF_ART|FAC|TIME|LOC|QUANTITY|"
         "PRODUCT|EVENT|LANGUAGE",
         {"CARDINAL": "cardinal number", "DATE": "date", "PERSON": "person",
          "NORP": "nationality, religious or political group", "GPE": "country, city or state", "LAW": "law",
          "ORG": "organization", "PERCENT": "percentage", "ORDINAL": "ordinal number", "MONEY": "money",
          "WORK_OF_ART": "work of art", "FAC": "facility", "TIME": "time", "LOC": "location",
          "QUANTITY": "quantity", "PRODUCT": "product", "EVENT": "event", "LANGUAGE": "language"},
         splits=("dev", "test"), source=GNER, licence="LDC terms")
    spec("multinerd", "general", "PER|LOC|ORG|ANIM|BIO|CEL|DIS|EVE|FOOD|INST|MEDIA|PLANT|MYTH|TIME|VEHI|SUPER|PHY",
         {**_PLO, "ANIM": "animal", "BIO": "biological entity", "CEL": "celestial body", "DIS": "disease",
          "EVE": "event", "FOOD": "food", "INST": "instrument", "MEDIA": "media", "PLANT": "plant",
          "MYTH": "mythological entity", "TIME": "time", "VEHI": "vehicle", "SUPER": "supernatural being",
          "PHY": "physical phenomenon"},
         splits=("dev", "test"), source=GNER, licence="CC BY-NC-SA 4.0")
    spec("wikineural_en", "general", "PER|ORG|LOC|MISC", _PLOM, splits=("dev", "test"), source=GNER,
         licence="CC BY-NC-SA 4.0")
    spec("wikiann_en", "general", "PER|ORG|LOC", _PLO, source=GNER, licence="none stated")


def _biomedical(spec: Callable[..., None]) -> None:
    anatem = ("Anatomical_system|Cancer|Cell|Cellular_component|Developing_anatomical_structure|"
              "Immaterial_anatomical_entity|Multi-tissue_structure|Organ|Organism_subdivision|Organism_substance|"
              "Pathological_formation|Tissue")
    spec("anatem", "biomedical", anatem, {t: t.replace("_", " ").lower() for t in anatem.split("|")},
         source=GNER, licence="CC BY-SA (upstream)")
    spec("bc2gm", "biomedical", "GENE", {"GENE": "gene"}, source=GNER, licence="upstream terms")
    spec("bc5cdr", "biomedical", "Disease|Chemical", {"Disease": "disease", "Chemical": "chemical"},
         source=GNER, licence="upstream terms")
    spec("ncbi_disease", "biomedical", "Disease", {"Disease": "disease"}, source=GNER, licence="upstream terms")


def _social_and_stem(spec: Callable[..., None]) -> None:
    spec("broad_twitter_corpus", "social media", "PER|ORG|LOC", _PLO, source=GNER, licence="CC BY 4.0 (upstream)")
    spec("tweetner7", "social media", "corporation|creative_work|event|group|location|person|product",
         {"creative_work": "creative work"}, source=GNER, licence="non-commercial (upstream)")
    spec("harveyner", "social media", "POINT|AREA|ROAD|RIVER",
         {"POINT": "point of interest", "AREA": "area", "ROAD": "road", "RIVER": "river"},
         source=GNER, licence="upstream terms")
    spec("fabner", "STEM", "MATE|MANP|MACEQ|APPL|FEAT|PRO|CHAR|PARA|ENAT|CONPRI|MANS|BIOP",
         {"MATE": "material", "MANP": "manufacturing process", "MACEQ": "machine or equipment",
          "APPL": "application", "FEAT": "engineering feature", "PRO": "mechanical property",
          "CHAR": "process characterization", "PARA": "process parameter", "ENAT": "enabling technology",
          "CONPRI": "concept or principle", "MANS": "manufacturing standard", "BIOP": "biomedical"},
         source=GNER, licence="none stated")
