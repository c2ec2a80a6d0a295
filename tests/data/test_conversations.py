import json

import pytest

from uniner.data.conversations import (
    Conversation,
    Query,
    conversation_to_record,
    parse_answer_list,
    read_conversations,
    write_conversations,
)
from uniner.errors import DataFormatError

RECORD = {
    "id": "p0",
    "conversations": [
        {"from": "human", "value": "Text: Ada Lovelace wrote in London."},
        {"from": "gpt", "value": "I've read this text."},
        {"from": "human", "value": "What describes person in the text?"},
        {"from": "gpt", "value": '["Ada Lovelace"]'},
        {"from": "human", "value": "What describes city in the text?"},
        {"from": "gpt", "value": '["London"]'},
    ],
}


def test_read_conversations_multi_turn_json_array(tmp_path):
    path = tmp_path / "pile.json"
    path.write_text(json.dumps([RECORD]), encoding="utf-8")
    [conv] = list(read_conversations(path))
    assert conv.passage == "Ada Lovelace wrote in London."
    assert conv.queries == [Query("person", '["Ada Lovelace"]'), Query("city", '["London"]')]
    assert conv.dataset_tag is None


def test_record_round_trip_is_identical():
    conv = Conversation("p0", "Ada Lovelace wrote in London.",
                        [Query("person", '["Ada Lovelace"]'), Query("city", '["London"]')])
    assert conversation_to_record(conv) == RECORD


def test_dataset_tag_first_turn(tmp_path):
    conv = Conversation("x", "Café Zoë", [Query("restaurant", '["Café Zoë"]')], dataset_tag="mit")
    path = tmp_path / "sft.jsonl"
    write_conversations(path, [conv])
    line = path.read_text(encoding="utf-8")
    assert '"Dataset: mit\\nText: Café Zoë"' in line  # non-ASCII kept
    assert list(read_conversations(path)) == [conv]


def test_write_conversations_is_byte_stable(tmp_path):
    conv = Conversation("a", "t", [Query("x", "[]")])
    write_conversations(tmp_path / "1.json", [conv, conv])
    write_conversations(tmp_path / "2.json", [conv, conv])
    assert (tmp_path / "1.json").read_bytes() == (tmp_path / "2.json").read_bytes()
    assert json.loads((tmp_path / "1.json").read_text())[0] == conversation_to_record(conv)


@pytest.mark.parametrize(
    "record, message",
    [
        ({"id": 1}, "'conversations' list"),
        ({"conversations": [{"from": "human", "value": "Text: a"}]}, "even number"),
        ({"conversations": [{"from": "gpt", "value": "x"}, {"from": "gpt", "value": "y"}]}, "turn 0"),
        ({"conversations": [{"from": "human", "value": "Hello"}, {"from": "gpt", "value": "y"}]}, "Text: "),
        ({"conversations": [{"from": "human", "value": "Text:  "}, {"from": "gpt", "value": "y"}]}, "empty passage"),
        (
            {"conversations": [{"from": "human", "value": "Text: a"}, {"from": "gpt", "value": "y"},
                               {"from": "human", "value": "Who?"}, {"from": "gpt", "value": "[]"}]},
            "turn 2",
        ),
    ],
)
def test_read_conversations_bad_records_name_the_line(tmp_path, record, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(RECORD) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=message) as info:
        list(read_conversations(path))
    assert "bad.jsonl:2:" in str(info.value)


def test_read_conversations_empty_and_invalid_files(tmp_path):
    (tmp_path / "e.json").write_text("  \n")
    with pytest.raises(DataFormatError, match="empty"):
        list(read_conversations(tmp_path / "e.json"))
    (tmp_path / "i.json").write_text("[{,]")
    with pytest.raises(DataFormatError, match="invalid JSON"):
        list(read_conversations(tmp_path / "i.json"))


def test_parse_answer_list():
    assert parse_answer_list(' ["a", "b"] ') == ["a", "b"]
    assert parse_answer_list("[]") == []
    assert parse_answer_list('["a", 1]') is None
    assert parse_answer_list("not json") is None
