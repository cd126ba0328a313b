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

# The warehouse and CLI tests run a second time on DuckLake with a PostgreSQL catalog
# (tests/pg.py starts one; without PostgreSQL they skip outside CI).
LAKE_TESTS := tests/test_warehouse.py tests/test_load.py tests/test_history.py tests/test_cli.py \
	tests/test_periods.py tests/test_undated.py tests/test_bulletins.py tests/test_entry.py \
	tests/test_pipeline.py tests/test_digest.py tests/test_report.py tests/test_precedent.py \
	tests/test_ownership.py tests/test_audit.py

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q
	WAREHOUSE_TEST_BACKEND=ducklake $(BIN)/python -m pytest -q -m "not file_only" $(LAKE_TESTS)

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(DB)
