# Two commands do all the set-up: `make demo` (the main job) and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.hdf-bench-installed

.PHONY: setup demo test test-slow bench lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[cpu,dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/hdf-bench demo

test: setup
	$(BIN)/python -m pytest -m "not slow"

test-slow: setup
	$(BIN)/python -m pytest -m slow

bench: setup
	$(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-json=work_dirs/benchmarks.json

lint: setup
	$(BIN)/ruff check hdf_bench tests benchmarks
