"""``uniner train --student span``: the transformers ``Trainer`` with a span loss.

What is ours: the config merge (defaults < ``--config`` < ``--set`` < flags),
two learning rates (the heads start random, the encoder does not), a dev check
(span F1 on a held-out slice of the training sources, through the same
``SpanPredictor`` used at inference), a checkpoint at least every
``save_minutes``, and every checkpoint saved as a loadable model directory with
its config and provenance.  Everything else (loop, accumulation, schedule,
resume, progress bar, length-grouped batches) is the Trainer's.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch
from transformers import Trainer, TrainerCallback, TrainingArguments

from uniner.errors import ConfigError
from uniner.provenance import provenance
from uniner.students.span.config import CONFIG_FILE, WEIGHT_SHAPING, SpanConfig
from uniner.students.span.data import ChunkDataset, SpanCollator, TypeVectors, example_chunks
from uniner.students.span.dev import DevSet, run_data, unseen_dev
from uniner.students.span.model import SpanModel, load_base
from uniner.students.span.predictor import save_model_dir, write_model_files
from uniner.students.trainers import TRAINERS, TrainRequest, TrainResult


def resolve_config(request: TrainRequest) -> SpanConfig:
    saved = request.output / CONFIG_FILE
    if request.resume and saved.is_file():
        data = SpanConfig.load(saved).to_dict()  # the run's own settings win on resume
    else:
        data = SpanConfig().to_dict()
        if request.config_file is not None:
            data.update(SpanConfig.load(request.config_file, strict=True).to_dict())
    config = SpanConfig.from_dict({**data, **request.overrides})
    if request.resume and saved.is_file():
        # Repeating the run's own value is fine ("same command plus --resume"); a different one is not.
        wanted = {**config.to_dict(), **({"base": request.base} if request.base else {})}
        fixed = sorted(k for k in WEIGHT_SHAPING if wanted[k] != data[k])
        if fixed:
            raise ConfigError(f"cannot change {', '.join(fixed)} when resuming (the checkpoints were trained with them)")
    flags = {
        "base": request.base, "epochs": request.epochs, "max_steps": request.max_steps,
        "encoder_lr": request.learning_rate, "batch_size": request.batch_size, "grad_accum": request.grad_accum,
        "train_max_tokens": request.max_length,
    }
    changes: dict[str, Any] = {k: v for k, v in flags.items() if v is not None}
    if not request.resume:
        changes["seed"] = request.seed
    return config.replace(**changes) if changes else config


class SpanTrainer(Trainer):
    def __init__(self, *args: Any, span_config: SpanConfig, dev: DevSet | None, transfer: DevSet | None = None,
                 unseen: DevSet | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.span_config = span_config
        self.dev = dev
        self.transfer = transfer
        self.unseen = unseen

    def create_optimizer(self, model: Any = None) -> torch.optim.Optimizer:
        if self.optimizer is None:
            assert self.model is not None  # set by Trainer.__init__
            cfg = self.span_config
            groups: list[dict[str, Any]] = []
            for is_encoder, lr in ((True, cfg.encoder_lr), (False, cfg.head_lr)):
                for decay in (True, False):
                    params = [p for n, p in self.model.named_parameters()
                              if p.requires_grad and n.startswith("encoder.") == is_encoder
                              and (p.ndim > 1) == decay]
                    groups.append({"params": params, "lr": lr, "weight_decay": cfg.weight_decay if decay else 0.0})
            self.optimizer = torch.optim.AdamW([g for g in groups if g["params"]], lr=cfg.encoder_lr)
        return self.optimizer

    def evaluate(self, eval_dataset: Any = None, ignore_keys: Any = None, metric_key_prefix: str = "eval") -> dict[str, float]:
        if self.dev is None and self.transfer is None:
            return {}
        started = time.monotonic()
        assert self.model is not None
        metrics: dict[str, float] = {}
        if self.dev is not None:
            scores = self.dev.evaluate(self.model, self.processing_class)
            metrics.update({f"{metric_key_prefix}_{k}": v for k, v in scores.items()})
        if self.transfer is not None:
            scores = self.transfer.evaluate(self.model, self.processing_class, also=(0.2, 0.3, 0.4))
            metrics.update({f"{metric_key_prefix}_transfer_{k}": v for k, v in scores.items()})
        if self.unseen is not None:  # reported, not selecting: its threshold is what export tunes on it
            scores = self.unseen.evaluate(self.model, self.processing_class, threshold=0.25, also=(0.1, 0.15, 0.2, 0.3))
            metrics.update({f"{metric_key_prefix}_unseen_{k}": v for k, v in scores.items()})
        self.model.train()
        metrics[f"{metric_key_prefix}_runtime"] = round(time.monotonic() - started, 1)
        self.log(metrics)
        return metrics


class TimedCheckpoints(TrainerCallback):
    """Save at least every ``minutes``, so a killed run loses little (CPU runs take hours)."""

    def __init__(self, minutes: float):
        self.seconds = minutes * 60.0
        self.last = time.monotonic()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.seconds > 0 and time.monotonic() - self.last >= self.seconds:
            control.should_save = True
        return control

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        self.last = time.monotonic()
        return control


class ModelFiles(TrainerCallback):
    """Make every checkpoint a loadable model dir: configs, tokenizer, manifest with provenance."""

    def __init__(self, model: SpanModel, tokenizer: Any, extra: dict[str, Any]):
        self.model, self.tokenizer, self.extra = model, tokenizer, extra

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            write_model_files(self.model, self.tokenizer, folder, {**self.extra, "step": state.global_step})
        return control


def train_span(request: TrainRequest) -> TrainResult:
    config = resolve_config(request)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    request.output.mkdir(parents=True, exist_ok=True)
    data = run_data(config, request.data, request.data_dir)
    model, tokenizer = load_base(config)
    chunks = [c for ex, labels in data.train for c in example_chunks(ex, tokenizer, config, labels, data.held)]
    if not chunks:
        raise ConfigError("the training sources hold no usable text")
    vocabulary = data.vocabulary
    type_vectors = TypeVectors(model, tokenizer)
    type_vectors(vocabulary + sorted({t for _, labels in data.train for t in labels}))  # once, up front
    collator = SpanCollator(type_vectors, tokenizer.pad_token_id, config, vocabulary, seed=config.seed)
    dev = DevSet.build(data.dev, config, vocabulary) if data.dev else None
    transfer = DevSet.build(data.transfer, config, vocabulary) if data.transfer else None
    unseen = unseen_dev(data, config, type_vectors) if data.unseen else None
    data_info = {"data": list(request.data), "sources": {s.spec: len(s.examples) for s in data.sources},
                 "train_examples": len(data.train), "train_chunks": len(chunks), "dev_examples": len(data.dev),
                 "transfer_dev_examples": len(data.transfer), "unseen_dev_examples": len(data.unseen),
                 "held_out_types": data.held_names}
    config.save(request.output)
    (request.output / "train_data.json").write_text(json.dumps(data_info, indent=2) + "\n", encoding="utf-8")
    # The transfer dev (held-out sets, held-out types) selects the checkpoint when there is one:
    # the training sources' own dev slice rose while zero-shot F1 fell (docs/benchmarks.md).
    best = "eval_transfer_best_f1" if transfer is not None else "eval_f1" if dev is not None else None
    trainer = SpanTrainer(
        model=model, args=_arguments(request.output, config, best), train_dataset=ChunkDataset(chunks),
        eval_dataset=ChunkDataset(chunks[:1]) if best else None, data_collator=collator,
        processing_class=tokenizer, span_config=config, dev=dev, transfer=transfer, unseen=unseen,
        callbacks=[TimedCheckpoints(config.save_minutes), ModelFiles(model, tokenizer, {"training": data_info})],
    )
    resume = request.resume and any(request.output.glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    metrics = trainer.evaluate() if best else {}
    final = request.output / "final"
    save_model_dir(model, tokenizer, final, extra={"training": data_info, "step": trainer.state.global_step,
                                                   "dev": metrics})
    result = {"steps": trainer.state.global_step, "metrics": metrics, "best_checkpoint": trainer.state.best_model_checkpoint,
              "provenance": provenance(config.to_dict()), "training": data_info}
    (request.output / "train_result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return TrainResult(final, trainer.state.global_step, metrics)


def _arguments(output: Path, config: SpanConfig, best_metric: str | None) -> TrainingArguments:
    """``best_metric``: the dev metric that picks the best checkpoint; None: no dev evaluation."""
    return TrainingArguments(
        output_dir=str(output),
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.encoder_lr,
        warmup_steps=config.warmup_ratio,
        weight_decay=config.weight_decay,
        lr_scheduler_type="linear",
        logging_steps=10,
        logging_first_step=True,
        eval_strategy="steps" if best_metric else "no",
        eval_steps=config.eval_steps,
        save_strategy="steps",
        save_steps=config.eval_steps,
        save_total_limit=config.save_total_limit,
        metric_for_best_model=best_metric,
        greater_is_better=True,
        train_sampling_strategy="group_by_length",
        remove_unused_columns=False,
        dataloader_num_workers=0,
        dataloader_pin_memory=False,
        report_to="none",
        seed=config.seed,
    )


TRAINERS.register("span", train_span)
