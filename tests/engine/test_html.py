"""HTML rendering: golden fragments, escaping, legend, overlaps, and a round-trip property."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from uniner.engine.html import PALETTE, render_page, render_text, type_colours
from uniner.types import Entity


def _strip(fragment: str) -> str:
    """The visible text minus the type labels: what the reader sees of the source."""
    without_labels = re.sub(r'<span class="label">.*?</span>', "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", "", without_labels))


def test_render_text_golden_single_entity():
    text = "Ada met Bob."
    got = render_text(text, [Entity.from_source(text, 0, 3, "person", 0.912)])
    assert got == (
        '<mark class="entity" style="background: #7aecec" title="person: Ada (0.91)">'
        'Ada<span class="label">person</span></mark> met Bob.'
    )


def test_render_text_escapes_text_types_and_tooltips():
    text = '<script>alert("x")</script> & Co'
    entity = Entity.from_source(text, 30, 32, 'org<"b">', None)
    got = render_text(text, [entity])
    assert "<script>" not in got and '"b"' not in got
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; " in got
    assert '<span class="label">org&lt;&quot;b&quot;&gt;</span>' in got
    assert _strip(got) == text


def test_render_text_nested_entities_become_nested_marks():
    text = "New York University"
    outer = Entity.from_source(text, 0, 19, "organization")
    inner = Entity.from_source(text, 0, 8, "location")
    got = render_text(text, [inner, outer])
    assert got == (
        '<mark class="entity" style="background: #bfeeb7" title="organization: New York University">'
        '<mark class="entity" style="background: #7aecec" title="location: New York">'
        'New York<span class="label">location</span></mark>'
        ' University<span class="label">organization</span></mark>'
    )


def test_render_text_crossing_entity_is_split_and_labelled_once():
    text = "abc def ghi"
    first = Entity.from_source(text, 0, 7, "a")
    crossing = Entity.from_source(text, 4, 11, "b")
    got = render_text(text, [first, crossing])
    assert got.count('title="b: def ghi"') == 2  # both parts carry the whole mention
    assert got.count('<span class="label">b</span>') == 1
    assert _strip(got) == text


def test_type_colours_follow_first_appearance_and_cycle():
    colours = type_colours(["b", "a", "b"] + [f"t{i}" for i in range(len(PALETTE))])
    assert colours["b"] == PALETTE[0] and colours["a"] == PALETTE[1]
    assert colours[f"t{len(PALETTE) - 2}"] == PALETTE[0]


def test_render_page_is_self_contained_with_legend_counts():
    text = "Ada and Bob in Paris"
    ents = [Entity.from_source(text, 0, 3, "person"), Entity.from_source(text, 8, 11, "person")]
    page = render_page([(text, ents)], types=["person", "location"], title="A & B")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page
    assert "<title>A &amp; B</title>" in page
    # The asked-for type that was not found is in the legend with 0.
    assert '<span style="background: #7aecec">person <b>2</b></span>' in page
    assert '<span style="background: #bfeeb7">location <b>0</b></span>' in page
    # Nothing is fetched from elsewhere.
    assert not re.search(r"(src|href)=|https?://|@import|<script", page)


def test_render_page_several_documents_with_ids():
    page = render_page([("one", []), ("two", [])], ids=["d<1>", "d2"])
    assert page.count('<div class="doc">') == 2
    assert '<div class="doc-id">d&lt;1&gt;</div>' in page


@st.composite
def _text_and_entities(draw):
    text = draw(st.text(alphabet="ab <>&\"'\n", min_size=1, max_size=40))
    spans = draw(
        st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(1, len(text))), max_size=6)
    )
    types = st.sampled_from(["x", "y<", "z&"])
    entities = [
        Entity.from_source(text, min(s, e - 1), e, draw(types)) for s, e in spans if min(s, e - 1) < e
    ]
    return text, entities


@given(_text_and_entities())
def test_render_text_always_shows_the_exact_text(case):
    text, entities = case
    got = render_text(text, entities)
    assert _strip(got) == text
    assert got.count("<mark") == got.count("</mark>")
    # Every entity's label appears at least once (split parts are labelled once).
    for entity in entities:
        assert f'<span class="label">{html.escape(entity.type)}</span>' in got
