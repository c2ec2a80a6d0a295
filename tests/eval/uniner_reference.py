"""An independent, straightforward implementation of the UniversalNER answer rule and
hypothesis strategies that perturb gold answers; shared by the eval tests.

Written from the rule's statement (/work/shared/data/README.md), sharing no code with
``uniner.eval.answers``.
"""

from __future__ import annotations

import json
import re
import string

from hypothesis import strategies as st

# --- an independent implementation of the official rule --------------------------------------

_PUNCT_TABLE = str.maketrans("", "", string.punctuation)


def reference_normalise(s: str) -> str:
    s = s.lower().translate(_PUNCT_TABLE)
    # An article is a whole run of word characters equal to a/an/the.
    s = re.sub(r"\w+", lambda m: " " if m.group() in ("a", "an", "the") else m.group(), s)
    return " ".join(s.split())


def reference_items(raw: str) -> list:
    text = raw.strip()
    if not text.startswith("["):
        return []
    close = text.find("]")
    if close == -1 or "\n" in text[:close]:
        return []
    try:
        value = json.loads(text[: close + 1])
    except (ValueError, RecursionError):
        return []
    items: list = []
    for item in value:
        if type(item) is str:
            norm = reference_normalise(item)
        elif type(item) is list and all(type(x) is str for x in item):
            norm = tuple(reference_normalise(x) for x in item)
        else:
            return []
        if norm not in items:
            items.append(norm)
    return items


def reference_counts(pred: str, gold: str) -> tuple[int, int, int]:
    g, p = reference_items(gold), reference_items(pred)
    return len([x for x in p if x in g]), len(p), len(g)


REALISTIC = [
    "Gaussian mixture model",
    "LREC",
    "International Language Resources and Evaluation Conference",
    "The Beatles",
    "U.S.",
    "Dr. ' A",
    "Rock 'n' roll",
    "naïve Bayes",
    "C++",
    "an apple",
    "Hall of Fame",
    "New York City",
    "A Tale of Two Cities",
    "the Who",
    "Eurovision Song Contest 2006",
    "5-oxo-ETE",
    "→",
    "Livin ' Like Hustlers",
    "Ph.D.",
    "AT&T",
    "a",
    "The",
    "北京",
    "Müller",
    "O'Neil",
]
mention = st.one_of(st.sampled_from(REALISTIC), st.text(min_size=0, max_size=12))
gold_lists = st.lists(mention, max_size=6)


@st.composite
def perturbed_prediction(draw, gold: list[str]) -> str:
    items: list[object] = [m for m in gold if draw(st.booleans())]  # dropped mentions
    items += draw(st.lists(mention, max_size=3))  # added mentions
    edits = {
        "upper": str.upper,
        "lower": str.lower,
        "title": str.title,
        "punct": lambda s: s + draw(st.sampled_from(list(".,;:!?'\"-()"))),
        "unpunct": lambda s: s.translate(str.maketrans("", "", ".'-")),
        "article": lambda s: draw(st.sampled_from(["the ", "The ", "a ", "An ", "THE "])) + s,
    }
    items = [
        edits[draw(st.sampled_from(list(edits)))](m) if isinstance(m, str) and draw(st.booleans()) else m for m in items
    ]
    if draw(st.integers(0, 5)) == 0:
        items.insert(
            draw(st.integers(0, len(items))), draw(st.sampled_from([1, None, True, {"x": 1}, ["y"], ["y", 2], []]))
        )
    raw = json.dumps(items, ensure_ascii=draw(st.booleans()))
    damage = draw(
        st.sampled_from(["none", "none", "tail", "newline", "truncate", "quotes", "comma", "prefix", "space"])
    )
    if damage == "tail":
        raw += draw(st.sampled_from([" and more", "\nExplanation: these are ...", ' ["other"]', "]"]))
    elif damage == "newline" and ", " in raw:
        raw = raw.replace(", ", ",\n", 1)
    elif damage == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    elif damage == "quotes":
        raw = raw.replace('"', "'")
    elif damage == "comma":
        raw = raw[:-1] + ",]" if raw.endswith("]") else raw
    elif damage == "prefix":
        raw = "Answer: " + raw
    elif damage == "space":
        raw = draw(st.sampled_from([" ", "\n", "\t "])) + raw + "\n"
    return raw
