# gong-erase-bot: `make run` starts the bot, `make test` runs every check. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench lock clean

# Exact versions with their hashes from the lock files; the package itself on top, without resolving again.
$(STAMP): pyproject.toml requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The bot reads .env itself (python-dotenv), literally: no shell splits a value at a space or expands a `$`.
# The bot when a Slack app is configured (SLACK_BOT_TOKEN, in the environment or .env); else the local playground.
run: $(STAMP)
	exec $(BIN)/python -m bot local

# The one command that refreshes the locks after pyproject.toml changes (uv resolves from PyPI, hashes every file).
LOCK := $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(LOCK) -o requirements.txt
	$(LOCK) --extra test -o requirements-dev.txt

lint: $(STAMP)
	$(BIN)/ruff check bot tests $(wildcard bench)
	$(BIN)/ruff format --check bot tests $(wildcard bench)

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -m "not paced"
	$(BIN)/python -m pytest -m paced -n 0

bench: $(STAMP)
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.latency --postgres
	$(BIN)/python -m bench.throughput
	$(BIN)/python -m bench.throughput --postgres --hosts 2
	$(BIN)/python -m bench.bulk
	$(BIN)/python -m bench.playground
	$(BIN)/python -m bench.claims
	$(BIN)/python -m bench.slow_clients

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
