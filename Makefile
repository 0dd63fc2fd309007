# The two commands a user needs: `make briefing` and `make test`.
# Each creates the virtual environment and installs the package by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The package's compiled bytecode, kept current: an editable install leaves it to Python to
# write on first import, which environments with PYTHONDONTWRITEBYTECODE set never do, and
# every build (and every worker it starts) would compile the package from source.
BYTECODE := $(VENV)/.bytecode
SOURCES  := $(shell find src -name '*.py')

.PHONY: briefing test lint bench bench-send bench-long-token clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(BYTECODE): $(STAMP) $(SOURCES)
	$(BIN)/python -m compileall -q src
	touch $(BYTECODE)

briefing: $(BYTECODE)
	$(BIN)/briefing build

test: $(BYTECODE)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(BYTECODE)
	$(BIN)/python benchmarks/speed.py

bench-send: $(BYTECODE)
	cd benchmarks && ../$(BIN)/python send.py

bench-long-token: $(BYTECODE)
	cd benchmarks && ../$(BIN)/python long_token.py

# Removes the environment and caches only: editions are deleted on purpose, with
# `briefing prune --keep N`, never by a make target.
clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
