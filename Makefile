# Linli: `make run` and `make test` need only python3 (3.11+ or uv fetches one) and make.
# uv comes from PATH when installed, else it is bootstrapped once into .tools/ from PyPI.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
# mypy checks tests as strictly as code. Each deployable's tests/ is its own root (one mypy run
# each, with that folder on MYPYPATH) since every one of them has a conftest.py.
SRC_DIRS := $(wildcard libs/*/src gateway/src svc-*/src tests bench examples/*)
TEST_DIRS := $(wildcard libs/*/tests gateway/tests svc-*/tests)

.PHONY: help sync run test lint format bench migrate clean

help:
	@echo "make run      start the whole stack (embedded PostgreSQL + NATS, 5 services, gateway on :8080)"
	@echo "make test     the test suite, against real PostgreSQL and NATS (embedded unless LINLI_TEST_*_URL)"
	@echo "make lint     ruff format --check, ruff check, mypy (strict)"
	@echo "make migrate  every deployable's migrations to head"
	@echo "make bench    run bench/*.py"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Re-run on every target: `uv sync --frozen` is a no-op when the venv matches uv.lock.
sync: $(if $(filter .tools/bin/uv,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen

run: sync
	$(BIN)/linli dev up

# Two workers (pytest-xdist), each with its own embedded PostgreSQL and NATS: the suite waits on
# servers as much as it computes, so two cores run it in ~60 % of the serial time. Whole files go
# to one worker (module-scoped engines and apps are made once). `make test TEST_WORKERS=0` runs
# serially.
TEST_WORKERS ?= 2

test: sync
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

lint: sync
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy $(SRC_DIRS)
	@for dir in $(TEST_DIRS); do \
	  if [ -n "$$(find "$$dir" -name '*.py' -print -quit)" ]; then \
	    echo "mypy $$dir"; MYPYPATH="$$dir" $(BIN)/mypy "$$dir"; \
	  fi; \
	done

format: sync
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: sync
	@shopt -s nullglob; files=(bench/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks in bench/"; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(BIN)/python "$$f"; done

migrate: sync
	$(BIN)/linli migrate

clean:
	rm -rf .linli .pytest_cache .mypy_cache .ruff_cache
