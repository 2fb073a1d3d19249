# Dixian — two commands: `make run` (demo on SQLite) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint format install install-test worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	DIXIAN_DEMO=$${DIXIAN_DEMO:-1} $(BIN)/dixian run --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/dixian worker

test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check src tests conftest.py
	$(BIN)/ruff format --check src tests conftest.py

format: install-test
	$(BIN)/ruff format src tests conftest.py
	$(BIN)/ruff check --fix src tests conftest.py

clean:
	rm -rf $(VENV) var build *.egg-info
