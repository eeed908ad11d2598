# newsflow: `make run` sets up .venv with pinned dependencies and runs the
# pipeline on the bundled sample into data/news.duckdb; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup bytecode run test test-fast test-soak bench clean

setup: $(STAMP) bytecode

# Our modules' bytecode, written beside them (Python then reads it instead of compiling each
# module at every start, in every process: where PYTHONDONTWRITEBYTECODE is set, as on these
# machines, it never writes it itself). Only changed modules are compiled again.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q flows >/dev/null

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $(STAMP)

run: setup
	$(BIN)/newsflow run

test: setup
	$(BIN)/python -m pytest -n 2 -m "not soak" $(PYTEST_ARGS)

# Concurrent DuckLake writers on a real PostgreSQL catalog: several minutes each on 2 cores.
test-soak: setup
	$(BIN)/python -m pytest -n 2 -m soak $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -n 2 -m "not slow and not soak" $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/extraction_f1.py
	$(BIN)/python bench/clean_eval.py
	$(BIN)/python bench/dedup_quality.py

clean:
	rm -rf data/ .pytest_cache
