# One-command set-up: every target first installs uv (if missing) and the locked dependencies.
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif
RAW ?= data/raw
WAREHOUSE ?= data/warehouse

.PHONY: setup run test lint format bench docs

setup:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode

run: setup
	$(UV) run skillpulse run --raw $(RAW) --warehouse $(WAREHOUSE)

test: setup
	$(UV) run pytest

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run sqlfluff lint sql --disable-progress-bar

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

bench: setup
	$(UV) run python bench/run.py --preset smoke

docs: setup
	$(UV) run skillpulse docs
