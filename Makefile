# pallmall — every task the project has. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON := $(shell command -v python3.11 || command -v $(PYTHON))
export PALLMALL_DATA_DIR ?= ./data

.PHONY: help install run init test test-fast lint format types check bench bench-registry bench-log bench-screening bench-intel bench-federation browser clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# --compile-bytecode, as pip does by default: without .pyc files (uv writes none unless
# asked, and Python writes none where PYTHONDONTWRITEBYTECODE is set) every process compiles
# every module it imports: `pallmall --help` cost 2.2 s of CPU instead of 0.9 s, a server's
# supervisor 2.8 s instead of 1.2 s (docs/operations.md, "Bytecode caches").
$(VENV)/.installed: $(UV) pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --all-groups --compile-bytecode
	@touch $@

install: $(VENV)/.installed ## create .venv from the lock file
	@$(BIN)/python -m compileall -q pallmall  # only what changed since the last time

run: install ## create ./data, load the demo data, serve on http://127.0.0.1:8000
	$(BIN)/pallmall init --demo
	$(BIN)/pallmall serve --host 127.0.0.1 --port 8000

browser: ## install Debian's chromium for the browser tests (when root and missing)
	@bash scripts/ensure-chromium.sh

test: install browser ## run the whole suite (SQLite, and PostgreSQL when reachable)
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: install ## the suite without browser and slow tests
	$(BIN)/python -m pytest -m "not browser and not slow" -n 2

lint: install ## ruff lint and format check
	$(BIN)/ruff check pallmall tests bench
	$(BIN)/ruff format --check pallmall tests bench

format: install ## apply ruff format and fixes
	$(BIN)/ruff format pallmall tests bench
	$(BIN)/ruff check --fix pallmall tests bench

types: install ## mypy --strict on the package
	$(BIN)/mypy

check: lint types test ## lint, types and the whole suite (what CI runs)

bench: bench-registry bench-log bench-screening bench-intel bench-federation ## every benchmark

bench-registry: install ## registry read API under 50 clients, and import time
	$(BIN)/python bench/registry_bench.py

bench-log: install ## transparency log append and proof latency, beside pymerkle
	$(BIN)/python bench/log_bench.py

bench-screening: install ## screening quality and speed beside logic-v2 and WRatio; start-up; a million entries
	$(BIN)/python bench/screening_bench.py
	$(BIN)/python bench/screening_start_bench.py
	$(BIN)/python bench/screening_scale_bench.py

bench-intel: install ## STIX import and TAXII page-through, beside medallion
	$(BIN)/python bench/intel_bench.py

bench-federation: install ## node B syncs 10,000 objects node A shares, beside a plain TAXII page-through
	$(BIN)/python bench/federation_bench.py

clean: ## remove the environment and the local data
	rm -rf $(VENV) $(TOOLS) data .pytest_cache .mypy_cache .ruff_cache
