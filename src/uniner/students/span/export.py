"""Export a training checkpoint as a shippable model directory (fp16, no second encoder copy).

    python -m uniner.students.span.export runs/span-default/checkpoint-N models/default \
        [--average runs/span-default/checkpoint-M ...]

Weights are stored in fp16 (loaded back as fp32) and slim: without the parts
that are the base encoder's own (the frozen type tower, frozen text layers),
which loading takes from the base (for the default model, the bundled
all-MiniLM-L6-v2 package).  The default threshold is tuned on the run's own dev
slice (rebuilt from its training sources, caps and seed; needs ``UNINER_DATA``)
unless ``--no-tune`` is given.  The manifest records the source checkpoint, its step
and the dev scores the Trainer logged for it.  ``MODEL_CARD.md`` is left alone.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uniner.errors import ConfigError, UninerError
from uniner.students.span.config import WEIGHT_SHAPING, SpanConfig
from uniner.students.span.predictor import WEIGHTS_FILE, SpanPredictor

if TYPE_CHECKING:
    from uniner.students.span.dev import RunData

#: What a shipped model may weigh (issue 6).
MAX_BYTES = 50 * 1024 * 1024


THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
#: Candidates for ``unseen_threshold``: types never trained on score far lower when right.
UNSEEN_THRESHOLDS = (0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3)


def export(checkpoint: Path, output: Path, tune: bool = True, data_dir: Path | None = None,
           dev_sets: str | None = None, average: list[Path] | None = None,
           unseen_threshold: float | None = None) -> dict[str, Any]:
    """``dev_sets`` replaces the run's transfer dev sets for tuning (e.g. adding a ``:lower`` view).

    ``average``: more checkpoints of the same run whose weights are averaged with
    ``checkpoint``'s before tuning (see ``average_weights``).  The run's training type
    counts go into ``type_counts.json``, which tells known types from others; their
    ``unseen_threshold`` is ``unseen_threshold`` when given, else tuned on the run's
    unseen-type dev when it has one (``holdout_types``), else off.
    """
    predictor = SpanPredictor.from_pretrained(checkpoint)
    manifest = _manifest(checkpoint)
    extra = {"exported_from": str(checkpoint), "step": manifest.get("step"),
             "training": manifest.get("training"), "dev": _dev_scores(checkpoint, manifest.get("step"))}
    if average:
        extra["averaged_with"] = average_weights(predictor, checkpoint, manifest, average)
    if dev_sets is not None:
        _set(predictor, dev_sets=dev_sets)
    if manifest.get("training"):
        from uniner.students.span.dev import run_data

        split = run_data(predictor.config, manifest["training"]["data"], data_dir)
        predictor.type_counts = split.type_counts()
        if tune:
            threshold, multi_label, f1, how = tune_threshold(predictor, split)
            _set(predictor, threshold=threshold, multi_label=multi_label)
            extra["threshold"] = {"value": threshold, "multi_label": multi_label, "dev_f1": f1, "how": how}
        if unseen_threshold is None and tune and split.unseen:
            unseen_threshold, f1 = tune_unseen_threshold(predictor, split)
            extra["unseen_threshold"] = {"value": unseen_threshold, "dev_f1": f1, "how": (
                f"best exact-span F1 on the unseen-type dev ({len(split.held)} types held out of training)")}
        elif unseen_threshold is not None:
            extra["unseen_threshold"] = {"value": unseen_threshold, "how": "given at export (--unseen-threshold)"}
    elif unseen_threshold is not None:
        raise ConfigError(f"{checkpoint}: no training manifest, so no type counts for --unseen-threshold")
    if unseen_threshold is not None:
        _set(predictor, unseen_threshold=unseen_threshold)
    staging = output.with_name(output.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    predictor.save_pretrained(staging, half=True, slim=True, extra=extra)
    size = (staging / WEIGHTS_FILE).stat().st_size
    if size > MAX_BYTES:
        raise ConfigError(f"exported weights are {size / 2**20:.1f} MiB, over the {MAX_BYTES / 2**20:.0f} MiB limit")
    output.mkdir(parents=True, exist_ok=True)
    for item in staging.iterdir():  # keep files we do not write (MODEL_CARD.md)
        shutil.move(str(item), output / item.name)
    staging.rmdir()
    return {**extra, "bytes": size}


def average_weights(predictor: SpanPredictor, checkpoint: Path, manifest: dict[str, Any],
                    others: list[Path]) -> list[dict[str, Any]]:
    """Replace ``predictor``'s weights (``checkpoint``'s, whose manifest is given) by the uniform
    mean over its own and ``others``' weights; return each other checkpoint's step and dev scores.

    Why: late checkpoints of one run sit near the same minimum; their mean is
    usually a little better than any one of them and costs nothing at inference
    (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima").  Only
    checkpoints with the same weight-shaping settings, training data and seed are
    accepted -- one run, or runs of one recipe that differ only in runtime settings --
    because the mean of unrelated models is noise, and nothing would say so.  Runtime
    settings (threads, eval_steps, max_steps) may differ: a resumed run may change them,
    and runs of one recipe on other schedules start from the same weights and batches.  The Trainer's dev scores describe single
    checkpoints, not their mean, so they are reported per checkpoint.
    """
    def identity(config: SpanConfig, checkpoint_manifest: dict[str, Any]) -> tuple[Any, ...]:
        return (*(getattr(config, k) for k in WEIGHT_SHAPING), config.seed,
                checkpoint_manifest.get("training", {}).get("data"))

    ours = identity(predictor.config, manifest)
    frozen = predictor.model.base_weight_keys()  # the base's own in every checkpoint: nothing to average
    total = {k: v.clone() for k, v in predictor.model.state_dict().items() if v.is_floating_point() and k not in frozen}
    seen = {Path(checkpoint).resolve()}
    averaged = []
    for other in others:
        if Path(other).resolve() in seen:
            raise ConfigError(f"{other}: listed twice; each checkpoint is averaged once")
        seen.add(Path(other).resolve())
        theirs = _manifest(Path(other))
        loaded = SpanPredictor.from_pretrained(other)
        state = loaded.model.state_dict()
        shapes = {k: v.shape for k, v in state.items() if v.is_floating_point() and k not in frozen}
        if identity(loaded.config, theirs) != ours or shapes != {k: v.shape for k, v in total.items()}:
            raise ConfigError(f"{other}: not a checkpoint of the same run as {checkpoint} (weight-shaping settings, "
                              "seed or training data differ); only one run's checkpoints can be averaged")
        for key in total:
            total[key] += state[key]
        averaged.append({"checkpoint": str(other), "step": theirs.get("step"),
                         "dev": _dev_scores(Path(other), theirs.get("step"))})
    predictor.model.load_state_dict({k: v / len(seen) for k, v in total.items()}, strict=False)
    return averaged


def _manifest(checkpoint: Path) -> dict[str, Any]:
    path = checkpoint / "uniner.json"
    if not path.is_file():
        raise ConfigError(f"{checkpoint}: no uniner.json; not a span checkpoint")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _set(predictor: SpanPredictor, **changes: Any) -> None:
    predictor.model.span_config = predictor.config = predictor.config.replace(**changes)
    predictor.threshold = predictor.config.threshold
    predictor.multi_label = predictor.config.multi_label
    predictor.unseen_threshold = predictor.config.unseen_threshold


def tune_threshold(predictor: SpanPredictor, split: RunData) -> tuple[float, bool, dict[str, float], str]:
    """Pick the best threshold and decoding on the run's dev data (rebuilt: same sources, caps and seed).

    Returns (threshold, multi_label, F1 of every setting tried, keyed ``"single@0.3"`` /
    ``"multi@0.3"``, which dev it was).

    The transfer dev sets (``dev_sets``, ``holdout``) when the run had them -- passages never
    trained on, asked all their types -- else the training sources' dev slice.
    The zero-shot benchmark sets play no part in it.
    """
    from uniner.students.span.dev import DevSet

    config = predictor.config
    held_out = ",".join(filter(None, (config.dev_sets, config.holdout)))
    if not split.transfer and not split.dev:
        raise ConfigError("the run has no dev data to tune the threshold on")
    dev_set = DevSet.build(split.transfer or split.dev, config, split.vocabulary)
    how = (f"best exact-span F1 on the transfer dev {held_out}" if split.transfer
           else "best exact-span F1 on the run's held-out dev slice of its training sources")
    scores: dict[str, float] = {}
    best: tuple[float, float, bool] | None = None
    for multi_label, (threshold, f1) in dev_set.best_thresholds(predictor.model, predictor.tokenizer, THRESHOLDS).items():
        scores.update({f"{'multi' if multi_label else 'single'}@{t:g}": v for t, v in f1.items()})
        if best is None or f1[threshold] > best[0]:
            best = (f1[threshold], threshold, multi_label)
    assert best is not None
    return best[1], best[2], scores, how


def tune_unseen_threshold(predictor: SpanPredictor, split: RunData) -> tuple[float, dict[str, float]]:
    """The best ``UNSEEN_THRESHOLDS`` value on the unseen-type dev, in the model's own decoding, with F1 of each.

    Every type of that dev was held out of training, so one threshold applies to all of them.
    """
    from uniner.students.span.data import TypeVectors
    from uniner.students.span.dev import unseen_dev

    dev_set = unseen_dev(split, predictor.config, TypeVectors(predictor.model, predictor.tokenizer))
    multi = predictor.config.multi_label
    best, f1 = dev_set.best_thresholds(predictor.model, predictor.tokenizer, UNSEEN_THRESHOLDS, (multi,))[multi]
    return best, {f"{t:g}": v for t, v in f1.items()}


def _dev_scores(checkpoint: Path, step: int | None) -> dict[str, float]:
    state = checkpoint / "trainer_state.json"
    if not state.is_file():
        return {}
    history = json.loads(state.read_text(encoding="utf-8")).get("log_history", [])
    evals = [h for h in history if ("eval_f1" in h or "eval_transfer_f1" in h) and (step is None or h.get("step") == step)]
    return {k: v for k, v in evals[-1].items() if k.startswith("eval_")} if evals else {}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    tune = "--no-tune" not in args
    args = [a for a in args if a != "--no-tune"]
    dev_sets = None
    if "--dev-sets" in args:
        at = args.index("--dev-sets")
        if at + 1 >= len(args):
            print("error: --dev-sets needs a value, e.g. multinerd:dev,multinerd:dev:lower", file=sys.stderr)
            return 2
        dev_sets = args[at + 1]
        del args[at : at + 2]
    unseen: float | None = None
    if "--unseen-threshold" in args:
        at = args.index("--unseen-threshold")
        try:
            unseen = float(args[at + 1])
        except (IndexError, ValueError):
            print("error: --unseen-threshold needs a number in (0, 1), e.g. 0.03", file=sys.stderr)
            return 2
        del args[at : at + 2]
    average: list[Path] = []
    while "--average" in args:
        at = args.index("--average")
        if at + 1 >= len(args):
            print("error: --average needs a checkpoint directory of the same run", file=sys.stderr)
            return 2
        average.append(Path(args[at + 1]))
        del args[at : at + 2]
    if len(args) != 2:
        print("usage: python -m uniner.students.span.export CHECKPOINT OUTPUT [--no-tune] [--dev-sets SPECS] "
              "[--average OTHER_CHECKPOINT ...] [--unseen-threshold F]", file=sys.stderr)
        return 2
    return run_command(lambda: export(Path(args[0]), Path(args[1]), tune=tune, dev_sets=dev_sets,
                                      average=average, unseen_threshold=unseen))


def run_command(call: Callable[[], dict[str, Any]]) -> int:
    """A ``python -m`` command's end: its result as JSON on stdout, a user error as one line, exit 2."""
    try:
        info = call()
    except (UninerError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(json.dumps(info, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
