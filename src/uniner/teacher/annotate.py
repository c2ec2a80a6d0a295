"""The annotation pipeline: documents -> passages -> teacher -> durable JSON lines.

``annotate(inputs, output, config)`` splits the documents into passages, skips
every passage already in ``output`` (so a re-run resumes), asks the teacher
about the rest with at most ``concurrency`` requests in flight, and appends
one record per passage as soon as it is done (see ``uniner.teacher.store``).
A passage whose request fails for good, or whose answer holds no list even
after ``parse_retries`` re-asks, is recorded as failed and the run goes on;
an error that no request can get past (a refused key, an unknown model) or
``max_consecutive_failures`` failures in a row stop the run, keeping what is
done.  The run's config and provenance go to ``<output>.meta.json``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from uniner.errors import ConfigError, DataFormatError, TeacherOutputError
from uniner.provenance import provenance
from uniner.teacher.client import TeacherClient, TeacherConfig, TeacherRequestError
from uniner.teacher.documents import read_documents
from uniner.teacher.parse import extract_entities
from uniner.teacher.passages import Passage, TokenCounter, hf_token_counter, regex_token_count, split_passages
from uniner.teacher.prompts import Prompt, get_prompt
from uniner.teacher.store import AnnotationStore, failure_record, success_record, text_digest

META_SUFFIX = ".meta.json"
EMPTY_PASSAGE_ERROR = "empty passage: nothing to annotate"


@dataclass(frozen=True)
class AnnotateConfig:
    """One annotation run; ``identity()`` must match to resume an existing output."""

    teacher: TeacherConfig
    prompt: str = field(default="type", metadata={"help": "Prompt: type (the paper's) or definition"})
    max_passage_tokens: int = field(default=256, metadata={"help": "Passage length limit in tokens"})
    tokenizer: str | None = field(default=None, metadata={"help": "Count tokens with this HF tokenizer (default: regex tokens)"})
    concurrency: int = field(default=8, metadata={"help": "Requests in flight at most"})
    retry_failed: bool = field(default=False, metadata={"help": "Annotate passages recorded as failed again"})
    parse_retries: int = field(default=1, metadata={"help": "Re-asks when an answer holds no list or is not JSON"})
    max_consecutive_failures: int = field(default=20, metadata={"help": "Stop after this many failures in a row"})
    price_in: float | None = field(default=None, metadata={"help": "Price per 1M input tokens"})
    price_out: float | None = field(default=None, metadata={"help": "Price per 1M output tokens"})

    def __post_init__(self) -> None:
        get_prompt(self.prompt)  # unknown prompt: RegistryError listing the valid ones
        if self.concurrency < 1:
            raise ConfigError(f"concurrency must be >= 1, got {self.concurrency}")
        if self.max_passage_tokens < 1:
            raise ConfigError(f"max passage tokens must be >= 1, got {self.max_passage_tokens}")
        if self.parse_retries < 0 or self.max_consecutive_failures < 1:
            raise ConfigError("parse retries must be >= 0 and max consecutive failures >= 1")
        for name in ("price_in", "price_out"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"{name} must be >= 0, got {value}")

    def identity(self) -> dict[str, Any]:
        """What decides the records' content: a resumed run must not change it."""
        t = self.teacher
        return {"model": t.model, "prompt": self.prompt, "max_passage_tokens": self.max_passage_tokens,
                "tokenizer": self.tokenizer, "temperature": t.temperature, "max_tokens": t.max_tokens}


@dataclass
class AnnotateSummary:
    output: Path
    passages: int = 0
    skipped: int = 0
    annotated: int = 0
    failed: int = 0
    entities: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float | None = None
    drops: Counter[str] = field(default_factory=Counter)
    torn_bytes_repaired: int = 0
    failures_retried: int = 0
    elapsed_s: float = 0.0
    #: Seconds from the first request to the last record (no start-up, no splitting).
    requests_s: float = 0.0

    @property
    def passages_per_s(self) -> float:
        """Throughput of the request phase."""
        return (self.annotated + self.failed) / self.requests_s if self.requests_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["output"], out["drops"], out["passages_per_s"] = str(self.output), dict(self.drops), self.passages_per_s
        return out


@dataclass(frozen=True, slots=True)
class PassageOutcome:
    """What one passage produced; ``record`` is the line written."""

    record: dict[str, Any]
    drops: Counter[str]
    tokens_in: int
    tokens_out: int

    @property
    def failed(self) -> bool:
        return self.record.get("status") == "failed"


#: Called with the number of passages still to do, then once per finished passage.
StartCallback = Callable[[int], None]
ResultCallback = Callable[[PassageOutcome], None]


def make_passages(inputs: Sequence[str | Path], config: AnnotateConfig) -> list[Passage]:
    count: TokenCounter = hf_token_counter(config.tokenizer) if config.tokenizer else regex_token_count
    passages: list[Passage] = []
    for doc in read_documents(inputs):
        passages.extend(split_passages(doc.id, doc.text, config.max_passage_tokens, count))
    return passages


def annotate(inputs: Sequence[str | Path], output: str | Path, config: AnnotateConfig,
             on_start: StartCallback | None = None, on_result: ResultCallback | None = None) -> AnnotateSummary:
    """Annotate every passage of ``inputs`` not yet in ``output``; see the module docstring."""
    if not inputs:
        raise ConfigError("no input given")
    output = Path(output)
    passages = make_passages(inputs, config)
    started = time.monotonic()
    summary = AnnotateSummary(output=output, passages=len(passages))
    with AnnotationStore(output, retry_failed=config.retry_failed) as store:
        summary.torn_bytes_repaired = store.report.torn_bytes
        summary.failures_retried = store.report.dropped_failures
        _check_resume(output, config, store, passages)
        pending = [p for p in passages if p.id not in store]
        summary.skipped = len(passages) - len(pending)
        meta = _write_meta(output, config, inputs)
        if on_start is not None:
            on_start(len(pending))
        try:
            asyncio.run(_run(pending, store, config, summary, on_result))
        finally:
            summary.elapsed_s = time.monotonic() - started
            summary.cost = _cost(summary, config)
            meta["runs"][-1].update(finished=_now(), summary=summary.to_dict())
            _save_json(_meta_path(output), meta)
    return summary


async def _run(pending: list[Passage], store: AnnotationStore, config: AnnotateConfig,
               summary: AnnotateSummary, on_result: ResultCallback | None) -> None:
    prompt = get_prompt(config.prompt)
    queue = iter(pending)
    fatal: list[BaseException] = []
    streak = [0]

    async def worker(client: TeacherClient) -> None:
        while not fatal:
            passage = next(queue, None)
            if passage is None:
                return
            try:
                outcome = await annotate_passage(client, prompt, passage, config.parse_retries)
            except ConfigError as err:
                fatal.append(err)
                return
            store.append(outcome.record)
            _tally(summary, outcome)
            if on_result is not None:
                on_result(outcome)
            streak[0] = streak[0] + 1 if outcome.failed and passage.text.strip() else 0
            if streak[0] >= config.max_consecutive_failures and not fatal:
                fatal.append(TeacherOutputError(
                    f"{streak[0]} passages failed in a row (last: {outcome.record['error']}); stopped. "
                    f"Is {config.teacher.base_url} up? Re-run with --retry-failed to resume",
                    raw=outcome.record.get("raw"), attempts=outcome.record.get("attempts", 0)))

    async with TeacherClient(config.teacher) as client:
        started = time.monotonic()
        try:
            await asyncio.gather(*(worker(client) for _ in range(min(config.concurrency, len(pending)))))
        finally:
            summary.requests_s = time.monotonic() - started
    if fatal:
        raise fatal[0]


async def annotate_passage(client: TeacherClient, prompt: Prompt, passage: Passage, parse_retries: int) -> PassageOutcome:
    """Ask the teacher about one passage; a failure becomes a failure record, not an exception.

    ``usage`` in the record sums every completion asked for this passage;
    ``attempts`` counts every HTTP request, the SDK's retries included.
    """
    if not passage.text.strip():
        return PassageOutcome(failure_record(passage.id, passage.text, EMPTY_PASSAGE_ERROR, 0), Counter(), 0, 0)
    attempts, tokens_in, tokens_out, raw = 0, 0, 0, None
    error = f"no list of tuples in the teacher's answer after {parse_retries + 1} completion(s)"
    for round_ in range(parse_retries + 1):
        try:
            completion = await client.complete(prompt.messages(passage.text))
        except TeacherRequestError as err:
            attempts += err.attempts
            if err.reask and round_ < parse_retries:
                continue
            record = failure_record(passage.id, passage.text, str(err), attempts, raw)
            return PassageOutcome(record, Counter(), tokens_in, tokens_out)
        attempts += completion.attempts
        raw = completion.content
        if completion.usage:
            tokens_in += completion.usage["prompt_tokens"]
            tokens_out += completion.usage["completion_tokens"]
        extraction = extract_entities(passage.text, completion.content)
        if extraction.found_list:
            usage = {"prompt_tokens": tokens_in, "completion_tokens": tokens_out,
                     "total_tokens": tokens_in + tokens_out} if completion.usage else None
            record = success_record(passage.id, passage.text, extraction.entities, raw, completion.model, usage)
            return PassageOutcome(record, extraction.drops, tokens_in, tokens_out)
    return PassageOutcome(failure_record(passage.id, passage.text, error, attempts, raw), Counter(), tokens_in, tokens_out)


def _tally(summary: AnnotateSummary, outcome: PassageOutcome) -> None:
    if outcome.failed:
        summary.failed += 1
    else:
        summary.annotated += 1
        summary.entities += len(outcome.record["entities"])
    summary.tokens_in += outcome.tokens_in
    summary.tokens_out += outcome.tokens_out
    summary.drops.update(outcome.drops)


def _cost(summary: AnnotateSummary, config: AnnotateConfig) -> float | None:
    if config.price_in is None and config.price_out is None:
        return None
    return (summary.tokens_in * (config.price_in or 0.0) + summary.tokens_out * (config.price_out or 0.0)) / 1e6


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _meta_path(output: Path) -> Path:
    return output.with_name(output.name + META_SUFFIX)


def _check_resume(output: Path, config: AnnotateConfig, store: AnnotationStore, passages: list[Passage]) -> None:
    """Refuse to mix records made with other settings or from other text under the same ids."""
    meta_path = _meta_path(output)
    if meta_path.exists() and store.digests:  # settings only matter once there are records to mix with
        previous = _load_json(meta_path).get("identity", {})
        changed = {k: (previous.get(k), v) for k, v in config.identity().items() if k in previous and previous[k] != v}
        if changed:
            diff = ", ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in changed.items())
            raise ConfigError(f"{output} was made with other settings ({diff}); use the same settings or another --output")
    for p in passages:
        digest = store.digests.get(p.id)
        if digest is not None and digest != text_digest(p.text):
            raise ConfigError(
                f"{output} has passage {p.id!r} with other text than the input now gives; "
                "the input or the splitting changed: use another --output"
            )


def _write_meta(output: Path, config: AnnotateConfig, inputs: Sequence[str | Path]) -> dict[str, Any]:
    meta_path = _meta_path(output)
    meta = _load_json(meta_path) if meta_path.exists() else {}
    run_config = {**asdict(config), "inputs": [str(p) for p in inputs]}
    run = provenance(run_config)
    meta.setdefault("format", "uniner.teacher.annotations.v1")
    meta["identity"] = config.identity()
    meta.setdefault("runs", []).append(run)
    _save_json(meta_path, meta)
    return meta


def _load_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataFormatError(f"cannot read run metadata ({err})", path) from None
    if not isinstance(value, dict):
        raise DataFormatError("run metadata is not a JSON object", path)
    return value


def _save_json(path: Path, value: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
