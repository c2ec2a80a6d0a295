"""What every saved artefact records about how it was made (STYLE rule 6)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any


def uniner_version() -> str:
    try:
        return version("uniner")
    except PackageNotFoundError:
        return "0+unknown"


def git_hash() -> str | None:
    """The commit of the source tree uniner runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def provenance(config: dict[str, Any] | None = None) -> dict[str, Any]:
    """A dict to store beside any artefact: version, git hash, time, config."""
    return {
        "uniner_version": uniner_version(),
        "git_hash": git_hash(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config or {},
    }
