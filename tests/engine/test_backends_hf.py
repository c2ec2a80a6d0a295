"""The hf backend: prefix-reused generation gives exactly the naive path's tokens.

Unit tests run a tiny random Llama built from a config with SmolLM2's real
tokenizer (initialised with a large std so greedy outputs vary from token to
token and any position or mask error shows); one integration test repeats the
check with the real SmolLM2-135M-Instruct.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from uniner.engine.backends.hf_generate import GenerationSettings, HFGenerator, shared_prefix_length
from uniner.engine.generative import GenerativeNER
from uniner.errors import ConfigError

PASSAGES = [
    "Barack Obama visited Paris in 2009.",
    "The quick brown fox from Apple Inc. jumps over the lazy dog in New York City on a Monday morning.",
    "Ann",
]
TYPES = ["person", "location", "organisation name", "date"]


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from uniner.students.causal.models import smollm2_tokenizer_dir

    try:
        folder = smollm2_tokenizer_dir()
    except ConfigError as err:
        pytest.skip(str(err))
    return AutoTokenizer.from_pretrained(str(folder))


def tiny_llama(tokenizer, seed: int = 0):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, initializer_range=0.5,
    )
    torch.manual_seed(seed)
    return LlamaForCausalLM(config).eval()


@pytest.fixture(scope="module")
def model(tokenizer):
    return tiny_llama(tokenizer)


def generator(model, tokenizer, template="chat", **settings) -> HFGenerator:
    defaults = {"max_new_tokens": 10}
    defaults.update(settings)
    return HFGenerator(model, tokenizer, template, GenerationSettings(**defaults))


def test_shared_prefix_length_leaves_one_token() -> None:
    assert shared_prefix_length([[1, 2, 3, 4], [1, 2, 5]]) == 2
    assert shared_prefix_length([[1, 2, 3]]) == 2
    assert shared_prefix_length([[1, 2], [1, 2, 3]]) == 1


@pytest.fixture(scope="module")
def naive_answers(model, tokenizer) -> dict[str, list]:
    """The reference: every prompt alone (batch size 1, no padding), full prompt, transformers' generate."""
    return {
        template: generator(model, tokenizer, template, batch_size=1, reuse_prefix=False, compact=False)
        .complete(PASSAGES, TYPES)
        for template in ("chat", "uniner")
    }


@pytest.mark.parametrize("template", ["chat", "uniner"])
@pytest.mark.parametrize("batch_size", [1, 3, 16])
@pytest.mark.parametrize("compact", [True, False])
def test_hf_prefix_reuse_equals_naive(model, tokenizer, naive_answers, template: str, batch_size: int,
                                      compact: bool) -> None:
    reference = naive_answers[template]
    cached = generator(model, tokenizer, template, batch_size=batch_size, reuse_prefix=True, compact=compact)
    assert cached.complete(PASSAGES, TYPES) == reference
    # The check means something only if answers differ between questions.
    assert len({c.text for row in reference for c in row}) > len(PASSAGES)


@pytest.mark.parametrize("compact", [True, False])
def test_hf_batched_naive_equals_one_by_one(model, tokenizer, naive_answers, compact: bool) -> None:
    many = generator(model, tokenizer, batch_size=5, reuse_prefix=False, compact=compact).complete(PASSAGES, TYPES)
    assert many == naive_answers["chat"]


def test_hf_compact_decoding_drops_finished_rows(tokenizer) -> None:
    """Rows leave the batch when their answer ends: later steps run on fewer rows, same answers."""
    model = tiny_llama(tokenizer, seed=3)
    # Make answers end at different steps: the end-of-turn token takes over one frequent
    # token's output vector (tied embeddings), so a row stops where it would have said that token.
    probe = generator(model, tokenizer, batch_size=16, reuse_prefix=False, compact=False)
    first = probe.complete(PASSAGES[:1], TYPES[:1])[0][0]
    frequent = tokenizer.encode(first.text, add_special_tokens=False)[2]
    stop_id = probe._stop_ids[0]
    with torch.no_grad():
        model.lm_head.weight[stop_id] = model.lm_head.weight[frequent] * 1.5
    reference = generator(model, tokenizer, batch_size=1, reuse_prefix=False, compact=False).complete(PASSAGES, TYPES)
    lengths = {c.tokens for row in reference for c in row}
    assert min(lengths) < 10 and len(lengths) > 1  # some answers end early, others later
    rows_per_step: list[int] = []
    original = model.forward

    def counting(*args, **kwargs):
        if kwargs["input_ids"].shape[1] == 1:  # a decoding step (prompt remainders are longer)
            rows_per_step.append(kwargs["input_ids"].shape[0])
        return original(*args, **kwargs)

    model.forward = counting
    gen = generator(model, tokenizer, batch_size=16, reuse_prefix=True, compact=True)
    assert gen.complete(PASSAGES, TYPES) == reference
    assert rows_per_step and min(rows_per_step) < max(rows_per_step)


def test_hf_prefix_reuse_detects_wrong_positions(model, tokenizer, naive_answers, monkeypatch) -> None:
    """A control: shifting the cached rows' positions must change the answers."""
    reference = naive_answers["chat"][:1]
    gen = generator(model, tokenizer, batch_size=4, reuse_prefix=True)
    original = gen._left_pad

    def shifted(rows):
        ids, mask = original(rows)
        if ids.shape[1] > 1 and len(rows) == 1:  # the prefix: pretend it is one token longer
            mask = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
            ids = torch.cat([ids[:, :1], ids], dim=1)
        return ids, mask

    monkeypatch.setattr(gen, "_left_pad", shifted)
    assert gen.complete(PASSAGES[:1], TYPES) != reference


OFFICIAL_PROMPT = (
    "A virtual assistant answers questions from a user based on the provided text. "
    "USER: Text: Barack Obama visited Paris. ASSISTANT: I've read this text.</s>"
    "USER: What describes person in the text? ASSISTANT:"
)


def test_hf_uniner_prompt_ids_are_the_official_prompt(model, tokenizer) -> None:
    gen = generator(model, tokenizer, "uniner")
    [ids] = gen.prompt_ids("Barack Obama visited Paris.", ["person"])
    assert ids == tokenizer(OFFICIAL_PROMPT, add_special_tokens=True)["input_ids"]
    assert tokenizer.decode(ids) == OFFICIAL_PROMPT


def test_hf_stops_at_end_of_turn(model, tokenizer) -> None:
    chat = generator(model, tokenizer, "chat")
    assert chat._stop_strings == [] and tokenizer.convert_tokens_to_ids("<|im_end|>") in chat._stop_ids
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    body = tokenizer.encode('["Paris"]', add_special_tokens=False)
    done = chat._completion(body + [end, end, end])
    assert done.text == '["Paris"]' and done.tokens == len(body) + 1
    # SmolLM2's vocabulary has no </s> token: the official template's end is a stop string.
    uniner = generator(model, tokenizer, "uniner")
    assert uniner._stop_strings == ["</s>"]
    cut = uniner._completion(tokenizer.encode('["Bob"]</s>', add_special_tokens=False))
    assert cut.text == '["Bob"]'


def test_hf_generative_ner_counts_garbage_answers(model, tokenizer) -> None:
    ner = GenerativeNER(generator(model, tokenizer, max_new_tokens=4))
    out = ner.predict(PASSAGES[:2], TYPES[:2])
    assert len(out) == 2
    assert ner.stats.queries == 4
    assert ner.stats.malformed_answers == 4  # a random model writes no JSON lists
    assert ner.stats.generated_tokens >= 4


def test_hf_rejects_prompt_longer_than_context(tokenizer) -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    small = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32,
                                         num_hidden_layers=1, num_attention_heads=2, max_position_embeddings=64))
    gen = HFGenerator(small, tokenizer, "chat", GenerationSettings(max_new_tokens=8))
    with pytest.raises(ConfigError, match="context"):
        gen.complete(["word " * 80], ["person"])


def test_hf_settings_validated() -> None:
    with pytest.raises(ConfigError):
        GenerationSettings(max_new_tokens=0)
    with pytest.raises(ConfigError):
        GenerationSettings(batch_size=0)


def test_hf_backend_loads_saved_directory_by_manifest(model, tokenizer, tmp_path: Path) -> None:
    from uniner.engine.base import load_predictor

    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    (tmp_path / "uniner.json").write_text(json.dumps({"backend": "hf", "template": "uniner", "name": "tiny"}))
    predictor = load_predictor(str(tmp_path), max_new_tokens=3)
    assert isinstance(predictor, GenerativeNER)
    assert predictor.info["template"] == "uniner" and predictor.name == "tiny"
    assert predictor.predict(["Bob met Ann."], ["person"]) == [[]]


def test_hf_backend_missing_path_is_config_error(tmp_path: Path) -> None:
    from uniner.engine.base import load_predictor

    with pytest.raises(ConfigError, match="does not exist"):
        load_predictor(str(tmp_path / "nope"), backend="hf")


def test_hf_backend_unknown_template_lists_choices(model, tokenizer, tmp_path: Path) -> None:
    from uniner.engine.base import load_predictor
    from uniner.errors import RegistryError

    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(RegistryError, match="uniner"):
        load_predictor(str(tmp_path), backend="hf", template="vicuna")


@pytest.mark.integration
def test_hf_prefix_reuse_equals_naive_smollm2() -> None:
    from uniner.students.causal.models import load_student

    try:
        lm, tok = load_student("smollm2")
    except ConfigError as err:
        pytest.skip(str(err))
    texts = ["Barack Obama visited Paris in 2009 with Michelle.", "Apple Inc. opened a store in Berlin."]
    types = ["person", "location", "organization"]
    naive = HFGenerator(lm, tok, "chat", GenerationSettings(max_new_tokens=16, batch_size=1, reuse_prefix=False,
                                                            compact=False))
    cached = HFGenerator(lm, tok, "chat", GenerationSettings(max_new_tokens=16, batch_size=6, reuse_prefix=True))
    assert cached.complete(texts, types) == naive.complete(texts, types)


@pytest.mark.integration
def test_shipped_smollm2_uniner_extracts_with_offsets() -> None:
    from uniner.engine.backends.hf import shipped_dir
    from uniner.engine.base import load_predictor

    if not (shipped_dir() / "uniner.json").is_file():
        pytest.skip("models/smollm2-uniner is not installed")
    ner = load_predictor("smollm2-uniner")
    assert ner.info["template"] == "chat" and ner.generator.settings.max_new_tokens == 64
    text = "Barack Obama visited Paris in 2009."
    entities = ner.extract(text, ["person", "location"])
    assert all(text[e.start:e.end] == e.text for e in entities)
    assert ner.stats.queries == 2
