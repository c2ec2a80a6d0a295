from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from uniner.data.bio import read_bio, read_labels
from uniner.errors import DataFormatError


def write(tmp_path: Path, content: str, name: str = "x.txt") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_read_bio_offsets_and_spans(tmp_path):
    path = write(tmp_path, "-DOCSTART-\tO\n\nBarack\tB-PER\nObama\tI-PER\nvisited\tO\nNew\tB-LOC\nYork\tI-LOC\n.\tO\n\n")
    [ex] = list(read_bio(path, dataset="d"))
    assert ex.text == "Barack Obama visited New York ."
    assert [(e.text, e.type, e.start, e.end) for e in ex.entities] == [
        ("Barack Obama", "PER", 0, 12),
        ("New York", "LOC", 21, 29),
    ]
    assert ex.dataset == "d" and ex.id == "d-0"


def test_read_bio_i_without_b_starts_a_span(tmp_path):
    path = write(tmp_path, "a\tI-X\nb\tI-X\nc\tI-Y\nd\tO\ne\tI-X\n")
    [ex] = list(read_bio(path))
    assert [(e.text, e.type) for e in ex.entities] == [("a b", "X"), ("c", "Y"), ("e", "X")]


def test_read_bio_b_after_b_splits_spans(tmp_path):
    [ex] = list(read_bio(write(tmp_path, "a B-X\nb B-X\n")))
    assert [e.text for e in ex.entities] == ["a", "b"]


def test_read_bio_bioes_tags(tmp_path):
    [ex] = list(read_bio(write(tmp_path, "a\tS-X\nb\tB-Y\nc\tI-Y\nd\tE-Y\ne\tS-X\nf\tS-X\n")))
    assert [(e.text, e.type) for e in ex.entities] == [("a", "X"), ("b c d", "Y"), ("e", "X"), ("f", "X")]


def test_read_bio_space_separated_and_tab_only_separator(tmp_path):
    path = write(tmp_path, "a B-X\nb O\n\t\nc B-Y\n")
    examples = list(read_bio(path))
    assert [ex.text for ex in examples] == ["a b", "c"]


def test_read_bio_tab_token_with_inner_space_kept_verbatim(tmp_path):
    [ex] = list(read_bio(write(tmp_path, "{@Google News@}\tB-product\nsays\tO\n")))
    assert ex.text == "{@Google News@} says"
    assert ex.entities[0].text == "{@Google News@}"


def test_read_bio_malformed_line_names_file_and_line(tmp_path):
    path = write(tmp_path, "a\tO\nlonely\n")
    with pytest.raises(DataFormatError, match=r"x\.txt:2: expected 'token<TAB>tag'"):
        list(read_bio(path))


def test_read_bio_bad_tag_names_line(tmp_path):
    with pytest.raises(DataFormatError, match=r":1: tag 'X-FOO'"):
        list(read_bio(write(tmp_path, "a\tX-FOO\n")))


def test_read_bio_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="cannot open"):
        list(read_bio(tmp_path / "nope.txt"))


def test_read_bio_non_utf8(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"caf\xe9\tO\n")
    with pytest.raises(DataFormatError, match="not UTF-8"):
        list(read_bio(path))


def test_read_labels_empty_file_is_an_error(tmp_path):
    with pytest.raises(DataFormatError, match="empty"):
        read_labels(write(tmp_path, "\n\n", "labels.txt"))


token = st.text(alphabet=st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=6)
tag = st.sampled_from(["O", "B-A", "I-A", "B-B", "I-B"])


@given(st.lists(st.tuples(token, tag), min_size=1, max_size=20))
def test_read_bio_entities_match_independent_decoding(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("bio") / "p.txt"
    path.write_text("".join(f"{t}\t{g}\n" for t, g in rows), encoding="utf-8")
    [ex] = list(read_bio(path))
    assert ex.text == " ".join(t for t, _ in rows)
    # Independent decoding on token indices.
    expected, current = [], None
    for i, (_, g) in enumerate(rows):
        if g.startswith("I-") and current and current[2] == g[2:]:
            current[1] = i
            continue
        if current:
            expected.append(tuple(current))
        current = [i, i, g[2:]] if g != "O" else None
    if current:
        expected.append(tuple(current))
    starts = [sum(len(t) + 1 for t, _ in rows[:i]) for i in range(len(rows))]
    got = [(e.start, e.end, e.type) for e in ex.entities]
    assert got == [(starts[a], starts[b] + len(rows[b][0]), t) for a, b, t in expected]
    for e in ex.entities:
        assert ex.text[e.start:e.end] == e.text
