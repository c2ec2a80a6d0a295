"""``uniner annotate``: label passages with an OpenAI-compatible teacher (resumable)."""

from __future__ import annotations

from pathlib import Path

import typer
from tqdm import tqdm

from uniner.cli import app
from uniner.teacher.annotate import AnnotateConfig, AnnotateSummary, PassageOutcome, annotate
from uniner.teacher.client import DEFAULT_KEY_ENV, TeacherConfig
from uniner.teacher.parse import DROP_REASONS


@app.command("annotate")
def annotate_cmd(
    input: list[Path] = typer.Option(..., "--input", help='JSONL {"id","text"}, text files or folders (repeatable).'),
    output: Path = typer.Option(..., help="Annotation JSONL; an existing file is resumed."),
    base_url: str = typer.Option(..., help="OpenAI-compatible endpoint, e.g. http://localhost:8000/v1."),
    model: str = typer.Option(..., help="Model name sent with each request."),
    api_key_env: str | None = typer.Option(
        None, help=f"Environment variable with the API key (default: {DEFAULT_KEY_ENV} if set, else no key)."
    ),
    concurrency: int = typer.Option(8, help="Requests in flight at most."),
    prompt: str = typer.Option("type", help="Prompt: type (the paper's) or definition."),
    max_passage_tokens: int = typer.Option(256, help="Passage length limit in tokens."),
    tokenizer: str | None = typer.Option(None, help="Count tokens with this local HF tokenizer (default: regex)."),
    retry_failed: bool = typer.Option(False, help="Annotate passages recorded as failed again."),
    timeout: float = typer.Option(120.0, help="Seconds before one request times out."),
    max_retries: int = typer.Option(5, help="Retries per request on 429/5xx/timeouts/connection errors."),
    max_tokens: int | None = typer.Option(None, help="Completion token limit per request."),
    temperature: float = typer.Option(0.0, help="Sampling temperature (the paper: 0)."),
    parse_retries: int = typer.Option(1, help="Re-asks when an answer holds no list."),
    max_consecutive_failures: int = typer.Option(20, help="Stop after this many failed passages in a row."),
    price_in: float | None = typer.Option(None, help="Price per 1M input tokens (for the cost line)."),
    price_out: float | None = typer.Option(None, help="Price per 1M output tokens."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Annotate passages with an LLM teacher into durable, resumable JSON lines."""
    config = AnnotateConfig(
        teacher=TeacherConfig(base_url=base_url, model=model, api_key_env=api_key_env, temperature=temperature,
                              max_tokens=max_tokens, timeout=timeout, max_retries=max_retries),
        prompt=prompt, max_passage_tokens=max_passage_tokens, tokenizer=tokenizer, concurrency=concurrency,
        retry_failed=retry_failed, parse_retries=parse_retries, max_consecutive_failures=max_consecutive_failures,
        price_in=price_in, price_out=price_out,
    )
    bar: list[tqdm] = []
    failed = [0]

    def on_start(total: int) -> None:
        bar.append(tqdm(total=total, unit="passage", disable=not progress, dynamic_ncols=True))

    def on_result(outcome: PassageOutcome) -> None:
        if outcome.failed:
            failed[0] += 1
            bar[0].set_postfix(failed=failed[0], refresh=False)
        bar[0].update(1)

    try:
        summary = annotate(input, output, config, on_start=on_start, on_result=on_result)
    finally:
        if bar:
            bar[0].close()
    typer.echo(render_summary(summary))


def render_summary(s: AnnotateSummary) -> str:
    lines = [(f"{s.output}: {s.passages} passages; {s.skipped} already done, {s.annotated} annotated, "
              f"{s.failed} failed this run ({s.passages_per_s:.2f} passages/s)")]
    if s.torn_bytes_repaired:
        lines.append(f"  repaired a torn last line ({s.torn_bytes_repaired} bytes cut)")
    if s.failures_retried:
        lines.append(f"  retried {s.failures_retried} earlier failures")
    lines.append(f"  entities: {s.entities}; tokens in/out: {s.tokens_in}/{s.tokens_out}")
    if s.cost is not None:
        lines.append(f"  cost: {s.cost:.4f} (at the given prices per 1M tokens)")
    drops = ", ".join(f"{reason} {s.drops.get(reason, 0)}" for reason in DROP_REASONS)
    lines.append(f"  dropped tuples: {drops}")
    if s.failed:
        lines.append(f"  {s.failed} passages recorded as failed: re-run with --retry-failed to try them again")
    return "\n".join(lines)
