import pytest

from uniner.errors import ConfigError, RegistryError
from uniner.instruct.templates import ASSISTANT, PROMPT_TEMPLATES, SYSTEM_PROMPT, USER

TURNS = [
    (USER, "Text: Anna met Bob in Zürich."),
    (ASSISTANT, "I've read this text."),
    (USER, "What describes person in the text?"),
    (ASSISTANT, '["Anna", "Bob"]'),
    (USER, "What describes date in the text?"),
    (ASSISTANT, "[]"),
]

# Built by hand from FastChat's ie_as_qa (ADD_COLON_TWO, sep " ", sep2 "</s>").
UNINER_GOLDEN = (
    "A virtual assistant answers questions from a user based on the provided text. "
    "USER: Text: Anna met Bob in Zürich. ASSISTANT: I've read this text.</s>"
    'USER: What describes person in the text? ASSISTANT: ["Anna", "Bob"]</s>'
    "USER: What describes date in the text? ASSISTANT: []</s>"
)


def test_uniner_render_golden():
    rendered = PROMPT_TEMPLATES.get("uniner").render(TURNS)
    assert rendered.text == UNINER_GOLDEN
    assert [rendered.text[a:b] for a, b in rendered.label_spans] == [
        "I've read this text.</s>",
        '["Anna", "Bob"]</s>',
        "[]</s>",
    ]
    assert rendered.turn_ends[-1] == len(UNINER_GOLDEN)
    assert rendered.text[: rendered.turn_ends[0]].endswith("I've read this text.</s>")
    assert rendered.add_special_tokens is True


def test_uniner_prompt_matches_official_get_prompt():
    # preprocess_instance: the last (gpt) message becomes None -> "ASSISTANT:" and nothing after.
    prompt = PROMPT_TEMPLATES.get("uniner").prompt(TURNS[:3])
    assert prompt == (
        f"{SYSTEM_PROMPT} USER: Text: Anna met Bob in Zürich. ASSISTANT: I've read this text.</s>"
        "USER: What describes person in the text? ASSISTANT:"
    )


def test_uniner_prompt_single_turn():
    assert PROMPT_TEMPLATES.get("uniner").prompt([(USER, "hi")]) == f"{SYSTEM_PROMPT} USER: hi ASSISTANT:"


def test_uniner_stop_strings():
    assert PROMPT_TEMPLATES.get("uniner").stop_strings() == ["</s>"]


@pytest.mark.parametrize(
    "turns",
    [[], [(ASSISTANT, "x")], [(USER, "a"), (USER, "b")], [(USER, "a")]],
)
def test_render_rejects_malformed_turns(turns):
    with pytest.raises(ConfigError):
        PROMPT_TEMPLATES.get("uniner").render(turns)


def test_templates_registry_lists_names_on_unknown():
    assert {"uniner", "chat", "chat-nosystem"} <= set(PROMPT_TEMPLATES.names())
    with pytest.raises(RegistryError, match="available: chat, chat-nosystem, uniner"):
        PROMPT_TEMPLATES.get("vicuna")


def test_chat_render_golden_chatml(tiny_tokenizer):
    rendered = PROMPT_TEMPLATES.get("chat").render(TURNS[:4], tiny_tokenizer)
    assert rendered.text == (
        f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n"
        "<|im_start|>user\nText: Anna met Bob in Zürich.<|im_end|>\n"
        "<|im_start|>assistant\nI've read this text.<|im_end|>\n"
        "<|im_start|>user\nWhat describes person in the text?<|im_end|>\n"
        '<|im_start|>assistant\n["Anna", "Bob"]<|im_end|>\n'
    )
    assert [rendered.text[a:b] for a, b in rendered.label_spans] == [
        "I've read this text.<|im_end|>",
        '["Anna", "Bob"]<|im_end|>',
    ]
    assert rendered.turn_ends[-1] == len(rendered.text)
    assert rendered.add_special_tokens is False


def test_chat_nosystem_has_no_system_turn(tiny_tokenizer):
    rendered = PROMPT_TEMPLATES.get("chat-nosystem").render(TURNS[:2], tiny_tokenizer)
    assert rendered.text.startswith("<|im_start|>user\nText: Anna")


def test_chat_prompt_ends_with_generation_cue(tiny_tokenizer):
    prompt = PROMPT_TEMPLATES.get("chat").prompt(TURNS[:3], tiny_tokenizer)
    assert prompt.endswith("<|im_start|>user\nWhat describes person in the text?<|im_end|>\n<|im_start|>assistant\n")


def test_chat_stop_strings_are_end_of_turn(tiny_tokenizer):
    assert PROMPT_TEMPLATES.get("chat").stop_strings(tiny_tokenizer) == ["<|im_end|>"]


def test_chat_needs_a_chat_template():
    with pytest.raises(ConfigError, match="chat template"):
        PROMPT_TEMPLATES.get("chat").render(TURNS[:2], None)


class _Rewriting:
    """A tokenizer whose template upper-cases assistant messages."""

    chat_template = "x"
    eos_token = None

    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        text = "".join(
            f"<{m['role']}>{m['content'].upper() if m['role'] == 'assistant' else m['content']}|" for m in messages
        )
        return text + ("<assistant>" if add_generation_prompt else "")


class _Unstable(_Rewriting):
    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        # Marks the last message specially: the rendering of a prefix is not a prefix.
        body = "".join(f"<{m['role']}>{m['content']}|" for m in messages)
        return body + ("<assistant>" if add_generation_prompt else "<end>")


def test_chat_rejects_template_that_rewrites_answers():
    with pytest.raises(ConfigError, match="rewrites"):
        PROMPT_TEMPLATES.get("chat").render([(USER, "q"), (ASSISTANT, "answer")], _Rewriting())


def test_chat_rejects_template_that_is_not_prefix_stable():
    with pytest.raises(ConfigError, match="prefix-stable"):
        PROMPT_TEMPLATES.get("chat").render(TURNS[:4], _Unstable())


@pytest.mark.integration
def test_chat_render_golden_smollm2(smollm2_tokenizer):
    rendered = PROMPT_TEMPLATES.get("chat-nosystem").render(TURNS[:4], smollm2_tokenizer)
    assert rendered.text == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nText: Anna met Bob in Zürich.<|im_end|>\n"
        "<|im_start|>assistant\nI've read this text.<|im_end|>\n"
        "<|im_start|>user\nWhat describes person in the text?<|im_end|>\n"
        '<|im_start|>assistant\n["Anna", "Bob"]<|im_end|>\n'
    )
