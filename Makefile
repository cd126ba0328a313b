PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/warehouse.duckdb
PORT ?= 8501

.PHONY: run test bench sample install install-test clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test,bench]'
	touch $@ $(VENV)/.installed $(VENV)/.installed-test

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(DB): | $(VENV)/.installed
	$(BIN)/python -m etl sample --db $(DB)

sample: $(VENV)/.installed
	$(BIN)/python -m etl sample --db $(DB)

run: $(VENV)/.installed $(DB)
	WAREHOUSE_DB=$(DB) $(BIN)/python -m ui.serve --server.address 127.0.0.1 --server.port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(DB)
