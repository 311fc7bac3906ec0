# The README's two commands: `make run` and `make test`. Everything is installed
# into .venv from this repository's own pyproject.toml; nothing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint check bench emulator clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

## run: install into .venv and run the quickstart (gateway + built-in emulator)
run: $(VENV)/.installed-run
	$(BIN)/attio-gateway quickstart

## test: install test dependencies and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python scripts/ensure_test_tools.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: the strict gates CI runs besides the tests (ruff, format, mypy, import contracts)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check: lint test

## emulator: serve the Attio emulator with the demo workspace
emulator: $(VENV)/.installed-run
	$(BIN)/attio-emulator serve --seed demo --api-token dev-token

## bench: reproducible benchmarks (writes benchmarks/results/)
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .attio-gateway .pytest_cache .mypy_cache .ruff_cache
