"""Entities rendered as one self-contained HTML page, in the manner of displaCy's ``ent`` style.

Each entity is a coloured ``<mark>`` around its text with its type as a small
label; a legend lists the types with their colours and counts.  Everything from
the input is HTML-escaped, and the page loads nothing from outside (inline CSS,
no scripts, no fonts), so it can be opened from disk or mailed.

Overlapping entities (nested decoding) become nested marks.  A span that crosses
the end of an enclosing one is split there; its label is shown on the first part
only, and every part keeps the full mention and score in its tooltip.  Pure
functions: text and entities in, a string out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

from uniner.types import Entity

#: Light colours that keep black text readable; types past the end cycle round.
PALETTE: tuple[str, ...] = (
    "#7aecec", "#bfeeb7", "#feca74", "#ff9561", "#aa9cfc", "#c887fb",
    "#9cc9cc", "#ffeb80", "#e4e7d2", "#f0a7c6", "#bfe1d9", "#d9b99b",
    "#a3d3ff", "#ffc6a5", "#c4f0a0", "#e3c5ff",
)

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.2em; }
.doc { line-height: 2.6; white-space: pre-wrap; border-bottom: 1px solid #ddd; padding: 1em 0; }
.doc-id { font-size: 0.8em; color: #777; line-height: 1.4; }
mark { padding: 0.25em 0.4em; margin: 0 0.1em; border-radius: 0.35em; line-height: 1; }
mark mark { padding: 0.1em 0.25em; }
.label { font-size: 0.65em; font-weight: bold; text-transform: uppercase; vertical-align: middle;
  margin-left: 0.4em; line-height: 1; }
.legend { margin: 1em 0; }
.legend span { display: inline-block; padding: 0.2em 0.6em; margin: 0.2em; border-radius: 0.35em; }
""".strip()


def type_colours(types: Iterable[str]) -> dict[str, str]:
    """A colour per type, by first appearance, so the same type list always looks the same."""
    ordered = list(dict.fromkeys(types))
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(ordered)}


@dataclass
class _Node:
    """A piece of an entity over ``[start, end)``; ``first`` parts carry the label."""

    entity: Entity
    start: int
    end: int
    first: bool
    children: list[_Node] = field(default_factory=list)


_Part = tuple[int, int, Entity, bool]


def _nest(parts: Sequence[_Part]) -> list[_Node]:
    """Arrange ``(start, end, entity, first)`` parts as a forest of properly nested nodes.

    Parts are taken by start, longest first.  A later part that starts inside the
    current top node but ends after it is cut in two at that node's end: the
    inside piece nests, the rest goes back into the queue as an unlabelled
    continuation.
    """
    queue = sorted(parts, key=lambda part: (part[0], -part[1]))
    roots: list[_Node] = []
    while queue:
        start, end, entity, first = queue.pop(0)
        inside: list[_Part] = []
        rest: list[_Part] = []
        for part in queue:
            if part[0] >= end:
                rest.append(part)
            elif part[1] <= end:
                inside.append(part)
            else:
                inside.append((part[0], end, part[2], part[3]))
                rest.append((end, part[1], part[2], False))
        roots.append(_Node(entity, start, end, first, _nest(inside)))
        queue = sorted(rest, key=lambda part: (part[0], -part[1]))
    return roots


def _render(text: str, nodes: list[_Node], lo: int, hi: int, colours: dict[str, str]) -> str:
    out: list[str] = []
    cursor = lo
    for node in nodes:
        out.append(escape(text[cursor:node.start]))
        inner = _render(text, node.children, node.start, node.end, colours)
        entity = node.entity
        tip = f"{entity.type}: {entity.text}" + (f" ({entity.score:.2f})" if entity.score is not None else "")
        label = f'<span class="label">{escape(entity.type)}</span>' if node.first else ""
        out.append(
            f'<mark class="entity" style="background: {colours[entity.type]}" '
            f'title="{escape(tip)}">{inner}{label}</mark>'
        )
        cursor = node.end
    out.append(escape(text[cursor:hi]))
    return "".join(out)


def render_text(text: str, entities: Sequence[Entity], colours: dict[str, str] | None = None) -> str:
    """The HTML fragment for one text: escaped text with its entities marked."""
    colours = colours or type_colours(e.type for e in entities)
    parts = [(e.start, e.end, e, True) for e in entities]
    return _render(text, _nest(parts), 0, len(text), colours)


def render_page(
    docs: Sequence[tuple[str, Sequence[Entity]]],
    types: Sequence[str] = (),
    title: str = "uniner entities",
    ids: Sequence[str] | None = None,
) -> str:
    """A complete HTML page for one or more ``(text, entities)`` pairs, with a legend.

    ``types`` fixes the legend order and the colours (the types asked for, so a
    type that was not found still appears, with count 0); types found but not
    listed are added after them.
    """
    found = [e.type for _, entities in docs for e in entities]
    colours = type_colours([*types, *found])
    counts = {t: 0 for t in colours}
    for t in found:
        counts[t] += 1
    legend = "".join(
        f'<span style="background: {colour}">{escape(t)} <b>{counts[t]}</b></span>' for t, colour in colours.items()
    )
    body: list[str] = []
    for index, (text, entities) in enumerate(docs):
        header = f'<div class="doc-id">{escape(str(ids[index]))}</div>' if ids is not None else ""
        body.append(f'<div class="doc">{header}{render_text(text, entities, colours)}</div>')
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<div class="legend">{legend}</div>\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
