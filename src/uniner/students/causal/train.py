"""``uniner train --student causal``: LoRA or full fine-tuning on the transformers Trainer.

The Trainer does the loop, mixed precision, gradient accumulation and
checkpointing, the cosine schedule with warm-up, eval loss, resuming, and
multi-GPU through ``accelerate launch`` (FSDP or DeepSpeed ZeRO-3 configs in
``configs/``).  This module wires it up: config, data, model (with a peft LoRA
adapter unless ``method=full``), a JSONL log, and the final save:

    OUTPUT/
      causal_config.json  provenance.json  train_log.jsonl  checkpoint-*/
      model/   uniner.json + adapter (LoRA) or full weights, tokenizer

``model/`` loads with ``--model OUTPUT/model`` (the ``hf`` backend).  The
TrainingArguments are built before the model is loaded: under DeepSpeed ZeRO-3
that is what makes ``from_pretrained`` shard the weights as they load.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uniner.errors import ConfigError
from uniner.provenance import provenance
from uniner.students.causal.config import ARCHITECTURE, CONFIG_FILE, CausalConfig, resolve_config
from uniner.students.trainers import TRAINERS, TrainRequest, TrainResult

MODEL_SUBDIR = "model"
LOG_FILE = "train_log.jsonl"


def train_causal(request: TrainRequest) -> TrainResult:
    """The ``causal`` entry of ``TRAINERS``: resolve the config, then ``run_training``.

    With ``--resume`` the run's saved ``causal_config.json`` is the starting point,
    so continuing needs no flags repeated; flags given still override it.
    """
    saved = Path(request.output) / CONFIG_FILE
    start = CausalConfig.load(Path(request.output)) if request.resume and saved.is_file() else None
    config = resolve_config(
        request.config_file,
        request.overrides,
        start=start,
        base=request.base,
        epochs=request.epochs,
        max_steps=request.max_steps,
        learning_rate=request.learning_rate,
        batch_size=request.batch_size,
        grad_accum=request.grad_accum,
        max_length=request.max_length,
        seed=request.seed or None,  # 0 is the flag's default: keep the config's seed
    )
    return run_training(config, request.data, request.output, resume=request.resume)


def _check_output(output: Path, resume: bool) -> str | None:
    """The checkpoint to resume from (None: fresh run); refuses to mix runs silently."""
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(output)) if output.is_dir() else None
    if resume and last is None:
        raise ConfigError(f"--resume: no checkpoint-* directory in {output} to resume from")
    if not resume and last is not None:
        raise ConfigError(f"{output} already holds checkpoints; pass --resume to continue, or choose a new --output")
    return last


def training_arguments(config: CausalConfig, output: Path, has_eval: bool) -> Any:
    import torch
    from transformers import TrainingArguments

    world = int(os.environ.get("WORLD_SIZE", "1"))
    eval_every = "steps" if has_eval else "no"
    return TrainingArguments(
        output_dir=str(output),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum_for(world),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler,
        warmup_steps=config.warmup_ratio,  # a float in [0, 1) is a ratio of all steps
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        bf16=config.precision == "bf16",
        fp16=config.precision == "fp16",
        tf32=config.tf32 or None,
        activation_checkpointing=config.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if config.gradient_checkpointing else None,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        eval_strategy=eval_every,
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        include_num_input_tokens_seen="non_padding",
        dataloader_num_workers=config.dataloader_workers,
        dataloader_pin_memory=torch.cuda.is_available(),
        report_to="none",
        seed=config.seed,
        data_seed=config.seed,
        remove_unused_columns=False,
    )


def build_model(config: CausalConfig) -> Any:
    """The base model, wrapped in a LoRA adapter unless ``method=full``."""
    from uniner.students.causal.models import load_causal_lm

    model = load_causal_lm(config.base)
    model.config.use_cache = False  # no KV cache while training (and required with checkpointing)
    if config.method == "full":
        return model
    from peft import LoraConfig, TaskType, get_peft_model

    targets: str | list[str] = config.lora_target
    if config.lora_target != "all-linear":
        targets = [t.strip() for t in config.lora_target.split(",") if t.strip()]
    lora = LoraConfig(
        task_type=TaskType.CAUSAL_LM, r=config.lora_r, lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout, target_modules=targets,
    )
    if config.gradient_checkpointing:
        model.enable_input_require_grads()  # frozen embeddings must still pass gradients on
    try:
        return get_peft_model(model, lora)
    except ValueError as err:
        raise ConfigError(f"lora_target={config.lora_target!r}: {err}") from None


def _callbacks(path: Path, max_minutes: float) -> list[Any]:
    from transformers import TrainerCallback

    class JsonlLog(TrainerCallback):
        """Appends every Trainer log (loss, lr, eval loss, tokens seen) to a JSONL file."""

        def __init__(self) -> None:
            self.start = time.monotonic()

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **_: Any) -> None:
            if not state.is_world_process_zero or not logs:
                return
            record = {"step": state.global_step, "epoch": state.epoch,
                      "elapsed_s": round(time.monotonic() - self.start, 1), **logs}
            with path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")

    class TimeLimit(TrainerCallback):
        """Ends training after ``max_minutes``; the Trainer then saves and evaluates as usual."""

        deadline = float("inf")

        def on_train_begin(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            self.deadline = time.monotonic() + max_minutes * 60

        def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> None:
            if time.monotonic() >= self.deadline:
                control.should_training_stop = True
                control.should_save = True

    return [JsonlLog(), TimeLimit()] if max_minutes else [JsonlLog()]


def run_training(
    config: CausalConfig, data: Sequence[str | Path], output: str | Path, resume: bool = False
) -> TrainResult:
    """Train and save; returns the model directory, steps and final metrics."""
    import torch
    from transformers import DataCollatorForSeq2Seq, Trainer

    from uniner.students.causal.data import prepare_data
    from uniner.students.causal.models import load_tokenizer

    if not data:
        raise ConfigError("no training data given; pass --data sft.jsonl")
    output = Path(output)
    checkpoint = _check_output(output, resume)
    if config.threads:
        torch.set_num_threads(config.threads)
    tokenizer = load_tokenizer(config.base)
    prepared = prepare_data(data, tokenizer, config)
    args = training_arguments(config, output, has_eval=bool(prepared.eval))
    model = build_model(config)
    output.mkdir(parents=True, exist_ok=True)
    config.save(output)
    collator = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    trainer = Trainer(
        model=model, args=args, train_dataset=prepared.train, eval_dataset=prepared.eval or None,
        data_collator=collator, processing_class=tokenizer, callbacks=_callbacks(output / LOG_FILE, config.max_minutes),
    )
    result = trainer.train(resume_from_checkpoint=checkpoint)
    metrics = dict(result.metrics)
    if prepared.eval:
        metrics.update(trainer.evaluate())
    seen = trainer.state.num_input_tokens_seen
    if seen and metrics.get("train_runtime"):
        metrics["train_tokens_per_second"] = round(seen / metrics["train_runtime"], 1)
    final = output / MODEL_SUBDIR
    trainer.save_model(str(final))
    if trainer.is_world_process_zero():
        _save_manifest(final, config, tokenizer, metrics, prepared.stats, data)
    return TrainResult(final, trainer.state.global_step, {k: _round(v) for k, v in metrics.items()})


def _save_manifest(final: Path, config: CausalConfig, tokenizer: Any, metrics: dict[str, Any],
                   data_stats: dict[str, Any], data: Sequence[str | Path]) -> None:
    tokenizer.save_pretrained(str(final))
    config.save(final)
    manifest = {
        "backend": "hf", "architecture": ARCHITECTURE, "name": final.parent.name, "base": config.base,
        "template": config.template, "method": config.method, "adapter": config.method == "lora",
    }
    (final / "uniner.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    record = provenance({"causal": config.to_dict(), "data": [str(p) for p in data]})
    record.update(data_stats=data_stats, metrics=metrics)
    text = json.dumps(record, indent=2, default=str) + "\n"
    (final / "provenance.json").write_text(text, encoding="utf-8")
    (final.parent / "provenance.json").write_text(text, encoding="utf-8")


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


TRAINERS.register("causal", train_causal)
