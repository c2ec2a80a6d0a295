"""The ``uniner`` command: a thin typer layer over the Python API.

Each subcommand lives in its own module here, parses options, calls one API
function and renders its result.  ``main`` turns a ``UninerError`` into a
one-line message and exit code 2 (STYLE rule 8); nothing else imports the CLI.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

from uniner.errors import UninerError

app = typer.Typer(
    name="uniner",
    help="Open named-entity recognition by targeted distillation (after UniversalNER).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

#: Modules that add a subcommand to ``app`` when imported (one file per command).
COMMAND_MODULES: list[str] = [
    "uniner.cli.train",
    "uniner.cli.evaluate",
    "uniner.cli.extract",
    "uniner.cli.annotate",
    "uniner.cli.stats",
    "uniner.cli.build_sft",
]


@app.callback()
def _root() -> None:
    """Open named-entity recognition by targeted distillation (after UniversalNER)."""


def _load_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module)


THREADS_HELP = ("CPU threads for the model [default: torch's, one per core]. Give the number of free "
                "cores when other jobs run: more threads than free cores can be several times slower.")


def set_threads(threads: int | None) -> None:
    """``--threads``: torch's intra-op thread count, set before the model loads."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr; return the exit to raise (code 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def main(argv: list[str] | None = None) -> int:
    # Weights and data come from local files only; a hub lookup would hang offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    # transformers 5 prints a load report and a weight-loading bar on every model
    # load; on the command line that is noise around the user's output.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    _load_commands()
    # Standalone mode: typer reports usage errors itself (exit 2) and ends every
    # run with SystemExit; only our own errors come through as exceptions.
    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except UninerError as err:
        typer.echo(f"error: {err}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


def entry_point() -> None:
    sys.exit(main())
