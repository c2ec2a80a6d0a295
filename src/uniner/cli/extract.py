"""``uniner extract``: find entities of the given types in a text, stdin, or a JSONL file.

    uniner extract "Ada Lovelace was born in London." --types person,location
    cat report.txt | uniner extract --types person,organization --format html --output report.html
    uniner extract --input docs.jsonl --output out.jsonl --types person,organization

JSON output is ``[{"text", "type", "start", "end", "score"}]`` sorted by start;
offsets are character offsets into the text exactly as given (stdin included,
trailing newline and all).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from uniner.cli import THREADS_HELP, app, set_threads
from uniner.errors import ConfigError
from uniner.types import Entity


class OutputFormat(str, Enum):
    json = "json"
    jsonl = "jsonl"
    html = "html"


def parse_types(value: str) -> list[str]:
    """``"person, location"`` -> ``["person", "location"]``; validated (no blanks, no duplicates)."""
    from uniner.engine.base import validate_types

    if not value.strip():
        raise ConfigError("no entity types: give --types, comma-separated (e.g. --types person,location)")
    return validate_types(value.split(","))


def read_stdin() -> str:
    """All of stdin as UTF-8 text; bytes that are not UTF-8 are a one-line error."""
    if sys.stdin is None or sys.stdin.isatty():
        raise ConfigError("no text: give TEXT, pipe text on stdin, or use --input docs.jsonl")
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"stdin is not valid UTF-8 ({err.reason} at byte {err.start})") from None


def render(text: str, entities: Sequence[Entity], fmt: OutputFormat, types: Sequence[str]) -> str:
    """The text of the chosen output format, ending with a newline."""
    from uniner.engine.batch import entity_record

    if fmt is OutputFormat.html:
        from uniner.engine.html import render_page

        return render_page([(text, entities)], types=types)
    records = [entity_record(e) for e in entities]
    if fmt is OutputFormat.jsonl:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if not records:
        return "[]\n"
    # One entity per line: readable in a terminal, still one JSON document.
    return "[\n" + ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"


def _write(content: str, output: Path | None) -> None:
    if output is None:
        typer.echo(content, nl=False)
        return
    try:
        output.write_text(content, encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot write {output} ({err.strerror})") from None


def _check_batch_options(text: str | None, output: Path | None, fmt: OutputFormat | None) -> None:
    if text is not None:
        raise ConfigError("give either TEXT or --input, not both")
    if output is None:
        raise ConfigError("--input needs --output (a JSONL file; re-running resumes it)")
    if fmt not in (None, OutputFormat.jsonl):
        raise ConfigError("--input writes JSONL; --format json/html work on one text")


@app.command()
def extract(
    text: Annotated[str | None, typer.Argument(help="The text; read from stdin when omitted.")] = None,
    types: Annotated[str, typer.Option("--types", "-t", help="Entity types, comma-separated: person,location.")] = "",
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model name or directory [default: default].")
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="Backend that loads --model (default: named by its uniner.json).")
    ] = None,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0, help="Minimum entity score.")] = None,
    fmt: Annotated[
        OutputFormat | None, typer.Option("--format", "-f", help="json (default), jsonl or html.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    input_path: Annotated[
        Path | None, typer.Option("--input", "-i", help='JSONL of {"id", "text"}; results go to --output, resumably.')
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Texts per model call.")] = 8,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:N or mps.")] = "cpu",
    progress: Annotated[bool, typer.Option(help="Show a progress bar for --input.")] = True,
    threads: Annotated[int | None, typer.Option(min=1, help=THREADS_HELP)] = None,
) -> None:
    """Extract entities of the given types."""
    from uniner.api import load

    set_threads(threads)
    type_list = parse_types(types)
    if input_path is not None:
        _check_batch_options(text, output, fmt)
        assert output is not None
        from uniner.engine.batch import extract_file

        loaded = load(model, backend=backend, device=device, threshold=threshold, batch_size=batch_size)
        result = extract_file(loaded, input_path, output, type_list, threshold, batch_size, progress)
        typer.echo(
            f"{result.processed} documents extracted, {result.skipped} already done -> {result.output}", err=True
        )
        return
    source = text if text is not None else read_stdin()
    loaded = load(model, backend=backend, device=device, threshold=threshold, batch_size=batch_size)
    entities = loaded.extract(source, type_list)
    _write(render(source, entities, fmt or OutputFormat.json, type_list), output)
