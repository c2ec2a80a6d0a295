"""CausalConfig: precedence, unknown keys, typing of --set, global batch, round trip, shipped configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.errors import ConfigError, UninerWarning
from uniner.students.causal.config import CausalConfig, resolve_config

REPO = Path(__file__).resolve().parents[3]


def test_config_defaults_are_a_cpu_lora_run() -> None:
    config = CausalConfig()
    assert (config.base, config.method, config.template, config.precision) == ("smollm2", "lora", "chat", "fp32")


def test_config_precedence_file_then_set_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"learning_rate": 1e-3, "batch_size": 8, "lora_r": 4}))
    config = resolve_config(path, {"batch_size": "2", "gradient_checkpointing": "true"}, learning_rate=5e-5, epochs=None)
    assert config.learning_rate == 5e-5  # flag beats file
    assert config.batch_size == 2  # --set beats file
    assert config.lora_r == 4 and config.gradient_checkpointing is True
    assert config.epochs == CausalConfig().epochs  # None flags change nothing


def test_config_start_layer_is_lowest(tmp_path: Path) -> None:
    start = CausalConfig(lora_r=8, learning_rate=1e-3)
    config = resolve_config(None, {"lora_r": "4"}, start=start)
    assert (config.lora_r, config.learning_rate) == (4, 1e-3)


def test_config_unknown_key_in_file_lists_valid_keys(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"learning_rat": 1e-3}))
    with pytest.raises(ConfigError, match="unknown causal setting 'learning_rat'.*learning_rate"):
        resolve_config(path)


@pytest.mark.parametrize(
    ("key", "value"),
    [("nope", "1"), ("batch_size", "two"), ("batch_size", "2.5"), ("gradient_checkpointing", "maybe"),
     ("method", "qlora"), ("warmup_ratio", "1.5"), ("max_steps", "0"), ("precision", "int8")],
)
def test_config_bad_set_values_raise(key: str, value: str) -> None:
    with pytest.raises(ConfigError):
        resolve_config(None, {key: value})


def test_config_set_parses_types() -> None:
    config = resolve_config(None, {"learning_rate": "3e-4", "epochs": "1", "train_on_first_turn": "yes", "lora_target": "q_proj,v_proj"})
    assert config.learning_rate == 3e-4 and config.epochs == 1.0 and config.train_on_first_turn is True
    assert config.lora_target == "q_proj,v_proj"


def test_config_file_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        resolve_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        resolve_config(bad)
    bad.write_text("[1]")
    with pytest.raises(ConfigError, match="JSON object"):
        resolve_config(bad)


def test_config_global_batch_sets_grad_accum() -> None:
    config = CausalConfig(batch_size=2, conversations_per_step=256)
    assert config.grad_accum_for(8) == 16 and config.grad_accum_for(1) == 128
    with pytest.raises(ConfigError, match="multiple"):
        CausalConfig(batch_size=3, conversations_per_step=256).grad_accum_for(1)
    assert CausalConfig(grad_accum=5).grad_accum_for(4) == 5


def test_config_round_trip_and_newer_keys_warn(tmp_path: Path) -> None:
    config = CausalConfig(lora_r=8, template="uniner")
    config.save(tmp_path)
    assert CausalConfig.load(tmp_path) == config
    data = json.loads((tmp_path / "causal_config.json").read_text())
    data["from_the_future"] = 1
    (tmp_path / "causal_config.json").write_text(json.dumps(data))
    with pytest.warns(UninerWarning, match="from_the_future"):
        assert CausalConfig.load(tmp_path) == config


def test_config_paper_llama7b_is_the_paper_recipe() -> None:
    config = resolve_config(REPO / "configs" / "llama7b_paper.json")
    assert config.learning_rate == 2e-5 and config.epochs == 3.0
    assert config.conversations_per_step == 256 and config.grad_accum_for(8) == 16
    assert config.max_length == 1024 and config.lr_scheduler == "cosine" and config.warmup_ratio == 0.04
    assert (config.method, config.template, config.precision) == ("full", "uniner", "bf16")


def test_config_accelerate_files_parse() -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    fsdp = load_config_from_file(str(REPO / "configs" / "fsdp.yaml"))
    assert str(fsdp.distributed_type).endswith("FSDP") and fsdp.mixed_precision == "bf16"
    assert fsdp.fsdp_config["fsdp_transformer_layer_cls_to_wrap"] == "LlamaDecoderLayer"
    zero = load_config_from_file(str(REPO / "configs" / "deepspeed_zero3.yaml"))
    assert str(zero.distributed_type).endswith("DEEPSPEED")
    ds = json.loads((REPO / zero.deepspeed_config["deepspeed_config_file"]).read_text())
    assert ds["zero_optimization"]["stage"] == 3
    assert ds["gradient_accumulation_steps"] == ds["train_micro_batch_size_per_gpu"] == "auto"
