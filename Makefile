# Two commands for a newcomer: `make run` and `make test`. Everything else is here for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export THIDUA_ENV ?= dev

.PHONY: run test lint typecheck pytest browsers bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,embedded]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m service.cli run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy workflows activities models service

pytest: $(STAMP)
	$(BIN)/python -m tests.support.browser_setup
	THIDUA_ENV=test $(BIN)/pytest -q -rs

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/http_route.py

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
