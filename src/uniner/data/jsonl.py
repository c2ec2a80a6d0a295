"""Reading line-oriented files (JSON lines) with ``path:line`` errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from uniner.errors import DataFormatError


def iter_lines(path: Path, action: str = "open") -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of each non-blank line, decoded as UTF-8.

    Lines are split on ``\\n`` only (binary read), as JSON-lines writers write them;
    a line that is not UTF-8 raises with its number.  ``action`` words the error
    when the file cannot be opened ("cannot open", "cannot read input").
    """
    try:
        handle = path.open("rb")
    except OSError as err:
        raise DataFormatError(f"cannot {action} ({err.strerror})", path) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataFormatError(
                    f"not UTF-8 ({err.reason} at byte {err.start} of the line)", path, number
                ) from None
            if line.strip():
                yield number, line
