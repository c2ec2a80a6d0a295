"""Shared fixtures.  Tests that need the real data read ``UNINER_DATA`` and skip without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir() -> Path:
    value = os.environ.get("UNINER_DATA")
    if not value or not Path(value).is_dir():
        pytest.skip("UNINER_DATA is not set to a data directory")
    return Path(value)
