# The two commands a user needs: `make briefing` and `make test`.
# Each creates the virtual environment and installs what it needs by itself: `make briefing`
# the package and its runtime libraries only, `make test` (and `make lint`) the test tools too.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per layer, so `make briefing` after `make test` installs nothing, and `make test`
# on a fresh clone installs both layers.
STAMP      := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The package's compiled bytecode, kept current: an editable install leaves it to Python to
# write on first import, which environments with PYTHONDONTWRITEBYTECODE set never do, and
# every build (and every worker it starts) would compile the package from source.
BYTECODE := $(VENV)/.bytecode
SOURCES  := $(shell find src -name '*.py')
# The exact versions `make` installs, with hashes: the package's runtime dependencies (and the
# build backend, setuptools), and those plus the test tools. Refreshed by `make lock` (below)
# from the bounds in pyproject.toml.
LOCK      := requirements.lock
TEST_LOCK := requirements-test.lock
# pip's "a new release of pip is available" notice is noise in a locked install.
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: briefing test lint bench bench-send bench-long-token bench-preview lock clean

# The runtime environment is exactly the lock: every library at the version and with the hash
# requirements.lock records (the build backend, setuptools, included: `make lock` keeps it with
# --all-build-deps and --allow-unsafe), then the package itself, which has no hash, without
# dependencies and built by that locked setuptools, without isolation.
# `--no-deps` because the lock already lists every dependency, and because the pip a fresh
# venv starts with (23.2 for Python 3.11) refuses an extra such as `fonttools[woff]` in
# hash-checking mode; `pip check` then proves nothing the lock misses is required.
# feedgen, published only as a source archive, is built here: by the locked setuptools,
# installed first on its own (its lines cut from the lock, hashes and all), without isolation,
# so no step fetches an unpinned build backend.
BACKEND_LOCK := $(VENV)/backend.lock

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	sed -n '/^setuptools==/,/^    # via/p' $(LOCK) > $(BACKEND_LOCK)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(BACKEND_LOCK)
	$(BIN)/pip install --quiet --require-hashes --no-deps --no-build-isolation -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $(STAMP)

# The test tools, added to the same environment: the test lock pins every runtime library at
# the runtime lock's version (make lock resolves both from one pyproject.toml), so pip finds
# those installed and adds only the rest.
$(TEST_STAMP): $(STAMP) $(TEST_LOCK)
	$(BIN)/pip install --quiet --require-hashes --no-deps --no-build-isolation -r $(TEST_LOCK)
	$(BIN)/pip check
	touch $(TEST_STAMP)

$(BYTECODE): $(STAMP) $(SOURCES)
	$(BIN)/python -m compileall -q src
	touch $(BYTECODE)

briefing: $(BYTECODE)
	$(BIN)/briefing build

# The suite runs in two processes (pytest-xdist), each test file whole in one of them, so a
# file's shared builds are made once; `make test WORKERS=0` runs it in this process alone.
WORKERS ?= 2

test: $(BYTECODE) $(TEST_STAMP)
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadfile

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks .ci
	$(BIN)/ruff format --check src tests benchmarks .ci

bench: $(BYTECODE)
	$(BIN)/python benchmarks/speed.py

bench-send: $(BYTECODE) $(TEST_STAMP)  # its mail server is aiosmtpd, a test tool
	cd benchmarks && ../$(BIN)/python send.py

bench-long-token: $(BYTECODE)
	cd benchmarks && ../$(BIN)/python long_token.py

# `briefing preview`: a saved fact to the reloaded page, and to the PDF of the new draft.
bench-preview: $(BYTECODE) $(TEST_STAMP)  # it drives Chromium through Playwright, a test tool
	cd benchmarks && ../$(BIN)/python preview.py

# `make lock` refreshes both lock files from pyproject.toml with pip-tools' pip-compile, run
# from a throwaway venv (the tool is no dependency of the project). The network is needed.
# It keeps every pin the bounds still allow, so after a bound changes only what must move
# moves; `make lock UPGRADE=1` moves every pin to the newest release the bounds allow.
# The locks hold what this platform installs (resolved by the Python that runs make: CPython
# 3.11, Linux x86_64); run `make test` after refreshing them, then commit them.
LOCK_TOOL  := pip-tools~=7.7
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --all-build-deps --strip-extras \
              --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

# feedgen is published as a source archive only, and building its metadata prints setuptools'
# banners about that package's own setup.py (its licence classifiers, a `test_suite` option,
# `universal` wheels), each once per build hook: they concern feedgen, not this project, and
# only those three messages are silenced.
LOCK_QUIET := ignore:License classifiers are deprecated,ignore:Unknown distribution option,ignore:bdist_wheel.universal is deprecated

lock:
	export PYTHONWARNINGS='$(LOCK_QUIET)' && \
	tool=$$(mktemp -d) && trap 'rm -rf "$$tool"' EXIT && \
	$(PYTHON) -m venv "$$tool" && \
	"$$tool/bin/pip" install --quiet '$(LOCK_TOOL)' && \
	export CUSTOM_COMPILE_COMMAND="make lock" && \
	"$$tool/bin/pip-compile" $(LOCK_FLAGS) --output-file=$(LOCK) pyproject.toml && \
	"$$tool/bin/pip-compile" $(LOCK_FLAGS) --extra=test --output-file=$(TEST_LOCK) pyproject.toml

# Removes the environment and caches only: editions are deleted on purpose, with
# `briefing prune --keep N`, never by a make target.
clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache
