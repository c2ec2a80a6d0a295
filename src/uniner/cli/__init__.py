"""The ``uniner`` command: a thin typer layer over the Python API.

Each subcommand lives in its own module here, parses options, calls one API
function and renders its result.  ``main`` turns a ``UninerError`` into a
one-line message and exit code 2 (STYLE rule 8); nothing else imports the CLI.
"""

from __future__ import annotations

import importlib
import os
import sys

import click
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
]


@app.callback()
def _root() -> None:
    """Open named-entity recognition by targeted distillation (after UniversalNER)."""


def _load_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(module)


def fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr; return the exit to raise (code 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def main(argv: list[str] | None = None) -> int:
    # Weights and data come from local files only; a hub lookup would hang offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    _load_commands()
    try:
        result = app(args=argv, standalone_mode=False)
    except UninerError as err:
        typer.echo(f"error: {err}", err=True)
        return 2
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        return 130
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return result if isinstance(result, int) else 0


def entry_point() -> None:
    sys.exit(main())
