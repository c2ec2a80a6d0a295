"""``uniner train --student causal`` end to end on a tiny random Llama: LoRA, full, resume, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from uniner.cli import main
from uniner.engine.base import load_predictor
from uniner.engine.generative import GenerativeNER
from uniner.errors import ConfigError
from uniner.students.trainers import TRAINERS, TrainRequest

FAST = {"eval_size": "4", "eval_steps": "2", "save_steps": "2", "logging_steps": "1", "max_length": "128"}


def request(data: Path, output: Path, base: Path, **kw) -> TrainRequest:
    overrides = {**FAST, **kw.pop("overrides", {})}
    return TrainRequest(student="causal", data=(str(data),), output=output, base=str(base), batch_size=2,
                        grad_accum=1, overrides=overrides, **kw)


def test_train_lora_saves_adapter_logs_and_loads(sft_file: Path, tmp_path: Path, tiny_base: Path) -> None:
    out = tmp_path / "run"
    result = TRAINERS.get("causal")(request(sft_file, out, tiny_base, max_steps=2))
    assert result.steps == 2 and result.output == out / "model"
    assert "eval_loss" in result.metrics and result.metrics["train_tokens_per_second"] > 0
    model_dir = out / "model"
    manifest = json.loads((model_dir / "uniner.json").read_text())
    assert manifest["backend"] == "hf" and manifest["adapter"] is True and manifest["template"] == "chat"
    assert (model_dir / "adapter_model.safetensors").is_file() and (model_dir / "tokenizer.json").is_file()
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["config"]["causal"]["method"] == "lora" and provenance["data_stats"]["conversations_read"] == 40
    log = [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert any("eval_loss" in r for r in log) and any("loss" in r for r in log)
    assert (out / "checkpoint-2").is_dir()
    predictor = load_predictor(str(model_dir), max_new_tokens=3)
    assert isinstance(predictor, GenerativeNER)
    assert predictor.predict(["Ann met Bob."], ["person"]) == [[]]

    # --resume continues from the checkpoint with the saved settings
    resumed = TRAINERS.get("causal")(TrainRequest(student="causal", data=(str(sft_file),), output=out,
                                                  resume=True, max_steps=3))
    assert resumed.steps == 3
    saved = json.loads((out / "causal_config.json").read_text())
    assert saved["base"] == str(tiny_base) and saved["max_length"] == 128


def test_train_full_fine_tune_saves_a_plain_model(sft_file: Path, tmp_path: Path, tiny_base: Path) -> None:
    out = tmp_path / "full"
    result = TRAINERS.get("causal")(request(sft_file, out, tiny_base, max_steps=1,
                                            overrides={"method": "full", "eval_size": "0"}))
    assert result.steps == 1
    assert (out / "model" / "model.safetensors").is_file()
    assert not (out / "model" / "adapter_config.json").exists()
    assert json.loads((out / "model" / "uniner.json").read_text())["adapter"] is False


def test_train_refuses_to_mix_runs(sft_file: Path, tmp_path: Path, tiny_base: Path) -> None:
    out = tmp_path / "run"
    (out / "checkpoint-5").mkdir(parents=True)
    with pytest.raises(ConfigError, match="--resume"):
        TRAINERS.get("causal")(request(sft_file, out, tiny_base, max_steps=1))
    with pytest.raises(ConfigError, match="no checkpoint"):
        TRAINERS.get("causal")(request(sft_file, tmp_path / "fresh", tiny_base, max_steps=1, resume=True))


def test_train_cli_bad_setting_is_one_line_error(sft_file: Path, tmp_path: Path, capsys) -> None:
    code = main(["train", "--student", "causal", "--data", str(sft_file), "--output", str(tmp_path / "o"),
                 "--set", "lora_rank=8"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: --set: unknown causal setting 'lora_rank'") and err.count("\n") == 1


def test_train_cli_missing_base_is_one_line_error(sft_file: Path, tmp_path: Path, capsys) -> None:
    code = main(["train", "--student", "causal", "--data", str(sft_file), "--output", str(tmp_path / "o"),
                 "--base", str(tmp_path / "no-such-model")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: model path") and "does not exist" in err and "Traceback" not in err
