import json

import pytest

from uniner.cli import main
from uniner.data.conversations import read_conversations

ANNOTATIONS = [
    {"id": "p1", "text": "Ada Lovelace met Babbage in London.", "entities": [
        {"text": "Ada Lovelace", "type": "person", "start": 0, "end": 12},
        {"text": "Babbage", "type": "person", "start": 17, "end": 24},
        {"text": "London", "type": "city", "start": 28, "end": 34}]},
    {"id": "p2", "text": "Zürich hosts CERN talks.", "entities": [
        {"text": "Zürich", "type": "city", "start": 0, "end": 6},
        {"text": "CERN", "type": "organization", "start": 13, "end": 17}]},
    {"id": "p3", "text": "Aspirin eases pain.", "entities": [
        {"text": "Aspirin", "type": "drug", "start": 0, "end": 7}]},
]

PILE_RECORD = {"id": "ner_0", "conversations": [
    {"from": "human", "value": "Text: Turing worked at Bletchley Park."},
    {"from": "gpt", "value": "I've read this text."},
    {"from": "human", "value": "What describes person in the text?"},
    {"from": "gpt", "value": '["Turing"]'},
    {"from": "human", "value": "What describes date in the text?"},
    {"from": "gpt", "value": "[]"},
]}


@pytest.fixture
def inputs(tmp_path):
    annotations = tmp_path / "teacher.jsonl"
    annotations.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ANNOTATIONS), encoding="utf-8")
    pile = tmp_path / "pile.json"
    pile.write_text(json.dumps([PILE_RECORD]), encoding="utf-8")
    bio = tmp_path / "mybio"
    bio.mkdir()
    (bio / "labels.txt").write_text("PER\nLOC\n", encoding="utf-8")
    sentences = [[("Anna", "B-PER"), ("visits", "O"), ("Rome", "B-LOC")], [("Bob", "B-PER"), ("sleeps", "O")],
                 [("Paris", "B-LOC"), ("sleeps", "O")]]
    (bio / "train.txt").write_text(
        "\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences) + "\n", encoding="utf-8"
    )
    return annotations, pile, bio


def run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_build_sft_mixes_inputs_and_prints_counts(inputs, tmp_path, capsys):
    annotations, pile, bio = inputs
    out = tmp_path / "sft" / "train.jsonl"
    code, stdout, err = run(
        ["build-sft", "--input", str(annotations), "--input", str(pile), "--input", str(bio),
         "--output", str(out), "--num-negatives", "1", "--seed", "3"], capsys)
    assert code == 0, err
    assert "conversations: 7" in stdout
    assert "negative queries:" in stdout and "dropped: 0" in stdout
    conversations = list(read_conversations(out))
    assert len(conversations) == 7
    by_id = {c.id: c for c in conversations}
    assert {(q.type, q.answer) for q in by_id["p2"].queries if q.answer != "[]"} == {
        ("city", '["Zürich"]'), ("organization", '["CERN"]')}
    # The Pile-NER record vouches for person and date only: its negative is date.
    assert sorted((q.type, q.answer) for q in by_id["ner_0"].queries) == [("date", "[]"), ("person", '["Turing"]')]
    assert "Zürich" in out.read_text(encoding="utf-8")  # non-ASCII kept
    meta = json.loads((tmp_path / "sft" / "train.jsonl.meta.json").read_text(encoding="utf-8"))
    assert meta["config"]["num_negatives"] == 1 and meta["config"]["seed"] == 3
    assert meta["counts"]["conversations"] == 7
    assert {"uniner_version", "git_hash", "created"} <= set(meta)


def test_build_sft_same_seed_same_bytes(inputs, tmp_path, capsys):
    annotations, _, bio = inputs
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        code, _, err = run(["build-sft", "-i", str(annotations), "-i", str(bio), "-o", str(out),
                            "--dataset-tag", "--seed", "11"], capsys)
        assert code == 0, err
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    records = json.loads(outputs[0])
    assert records[0]["conversations"][0]["value"].startswith("Dataset: teacher\nText: ")


def test_build_sft_max_per_dataset(inputs, tmp_path, capsys):
    annotations, _, bio = inputs
    out = tmp_path / "capped.jsonl"
    code, stdout, _ = run(["build-sft", "-i", str(annotations), "-i", str(bio), "-o", str(out),
                           "--max-per-dataset", "2", "--negatives", "none"], capsys)
    assert code == 0
    assert "over --max-per-dataset: 2" in stdout
    assert len(list(read_conversations(out))) == 4


def test_build_sft_exclude_everything_is_an_error(data_dir, tmp_path, capsys):
    # An input that loses all its examples to --exclude is reported, not silently empty.
    code, _, err = run(["build-sft", "-i", "ncbi_disease", "--exclude", "ncbi_disease", "--data-dir", str(data_dir),
                        "-o", str(tmp_path / "x.jsonl")], capsys)
    assert code == 2 and err.startswith("error:") and "excluded" in err


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "make_args, message",
    [
        (lambda tmp: ["-i", "no_such_dataset"], "unknown source 'no_such_dataset'"),
        (lambda tmp: ["-i", str(_write(tmp / "empty.jsonl", ""))], "file is empty"),
        (lambda tmp: ["-i", str(_write(tmp / "nopass.json", json.dumps([{"id": "x", "conversations": [
            {"from": "human", "value": "Text: "}, {"from": "gpt", "value": "I've read this text."}]}])))],
         "empty passage"),
        (lambda tmp: ["-i", str(_write(tmp / "ok.json", json.dumps([PILE_RECORD]))), "--num-negatives", "-1"],
         "--num-negatives must be >= 0"),
        (lambda tmp: ["-i", str(_write(tmp / "ok.json", json.dumps([PILE_RECORD]))), "--negatives", "hard"],
         "available: frequency, none, uniform"),
        (lambda tmp: ["-i", str(_write(tmp / "ok.json", json.dumps([PILE_RECORD]))), "--exclude", "nope"],
         "cannot exclude unknown dataset 'nope'"),
    ],
)
def test_build_sft_bad_input_one_line_error(tmp_path, capsys, make_args, message):
    out = tmp_path / "out.jsonl"
    code, _, err = run(["build-sft", *make_args(tmp_path), "-o", str(out)], capsys)
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_build_sft_real_data_smoke(data_dir, tmp_path, capsys):
    out = tmp_path / "sft.jsonl"
    code, stdout, err = run(["build-sft", "-i", "pile_ner_sentences", "-i", "ncbi_disease", "--max-per-dataset", "200",
                             "--data-dir", str(data_dir), "-o", str(out)], capsys)
    assert code == 0, err
    conversations = list(read_conversations(out))
    assert len(conversations) == 400
    assert "ncbi_disease: 200 conversations" in stdout
