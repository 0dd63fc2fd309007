# The two commands a user needs: `make briefing` and `make test`.
# Each creates the virtual environment and installs the package by itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: briefing test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

briefing: $(STAMP)
	$(BIN)/briefing build

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/speed.py

# Removes the environment and caches only: editions are deleted on purpose, with
# `briefing prune --keep N`, never by a make target.
clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
