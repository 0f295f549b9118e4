# Fabrikam: one command per task. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= localhost
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo serve migrate seed test test-fast browser-deps screenshots lint typecheck format totp clean bench load purge

help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/activate

install: $(BIN)/activate ## Create the virtualenv and install everything

migrate: install ## Apply database migrations
	$(MANAGE) migrate --noinput

seed: migrate ## Load the demo customers, accounts and history, and the demo IdP's users (idempotent)
	$(MANAGE) seed_demo
	@# The demo IdP is optional: skip its seed when the app is not installed.
	@if $(MANAGE) help --commands | grep -qx devidp_seed; then $(MANAGE) devidp_seed; fi

demo: seed ## Fresh machine to a running demo on http://localhost:8000
	@echo ""
	@echo "  Fabrikam demo: open http://$(HOST):$(PORT)/"
	@echo ""
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(MANAGE) runserver $(HOST):$(PORT)

serve: seed ## The demo under gunicorn with threads, as the services run in production
	SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)} $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT)

totp: ## Print a demo user's current TOTP code: make totp USER=alice@fabrikam.example
	@# USER also comes from the shell environment (your login name), so insist on an email.
	@case "$(USER)" in *@*) ;; *) echo "usage: make totp USER=alice@fabrikam.example"; exit 2;; esac
	@$(MANAGE) devidp_totp "$(USER)"

test: install browser-deps ## Run the whole test suite (SQLite unless DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

browser-deps: ## Install Debian's chromium for the browser tests, if missing
	@# Without root this cannot install: the browser tests then skip, saying why (CI=true fails).
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "make: could not install chromium; the browser tests will be skipped"

screenshots: install browser-deps ## Refresh the README's screenshots (docs/screenshots/) from the browser journeys
	FABRIKAM_README_SHOTS=docs/screenshots $(BIN)/pytest -q -m browser tests/browser/test_journeys.py

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks and load runs need PostgreSQL; each uses a database of its own (created if missing).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fabrikam_bench
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fabrikam_load

bench: install ## Print what security costs: token check, transfers with auth on/off, dashboard, workers
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) scripts/bench.py

load: install ## 32 clients make transfers through gunicorn for 20 s, then check every ledger invariant
	DATABASE_URL=$(LOAD_DATABASE_URL) $(PY) scripts/load_transfers.py

typecheck: install ## mypy on the two copyable apps (oidc_client, api_auth)
	$(BIN)/mypy oidc_client api_auth

purge: install ## Forget spent single-use tokens that can no longer be replayed (schedule it)
	$(MANAGE) purge_spent_tokens

format: install ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 staticfiles
