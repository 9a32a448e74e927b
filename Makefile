# gong-erase-bot: `make run` starts the bot, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	@set -a; [ ! -f .env ] || . ./.env; set +a; exec $(BIN)/python -m bot

lint: $(STAMP)
	$(BIN)/ruff check bot tests $(wildcard bench)
	$(BIN)/ruff format --check bot tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.latency --postgres
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.throughput --postgres --hosts 2
	$(BIN)/python -m bench.claims
	$(BIN)/python -m bench.slow_clients

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
