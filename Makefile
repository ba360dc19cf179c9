# strategic-stockpile: one command to set up and run, one to test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast bench lint venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## make run: set up, create the SQLite database, load the demo stockpile if empty, create an
## admin user (password printed once) and serve the dashboard and API on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/stockpile serve --init-demo

## make test: set up, start a throwaway PostgreSQL on loopback, run the whole suite
test: $(STAMP)
	bash scripts/test.sh

## make test-fast: the suite without the PostgreSQL-backed tests
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not postgres"

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
