# Fabrikam: one command per task. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
# Where the demo is opened: `make demo PORT=8200` (or HOST=127.0.0.1) moves the embedded
# IdP's issuer and redirect URIs along with it (SITE_URL, read by fabrikam/settings/dev.py).
HOST ?= localhost
PORT ?= 8000
SITE_URL ?= http://$(HOST):$(PORT)
# The profile the whole demo runs in: unset, today's (bearer tokens, a client secret); or
# `make demo PROFILE=fapi2` for FAPI 2.0 (every request pushed, private_key_jwt, DPoP-bound
# tokens, PS256/ES256). It reaches fabrikam/settings/dev.py as FABRIKAM_PROFILE, which sets
# OIDC_PROFILE, API_PROFILE and DEVIDP_PROFILE, and fapi2 first makes the web client's
# demo-only key in DEMO_KEYS (git ignores var/), once.
PROFILE ?=
DEMO_KEYS ?= var/demo-keys
# Made before anything loads the settings: `migrate` runs the start-up checks, which need it.
PROFILE_KEYS := $(if $(filter fapi2,$(PROFILE)),demo-keys)
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install demo serve migrate seed demo-keys test test-fast browser-deps interop-deps screenshots lint typecheck format totp unlock clean bench load purge assistant-pay

# The seed registers the demo client's redirect URIs, so it sees the same SITE_URL.
seed demo serve: export SITE_URL := $(SITE_URL)
# The demo shows the site's own 404 and 500 pages (WhiteNoise serves the static files);
# `make demo DEBUG=true` brings back Django's debug pages.
demo serve: export DEBUG ?= false
ifneq ($(PROFILE),)
migrate seed demo serve: export FABRIKAM_PROFILE := $(PROFILE)
endif
migrate seed demo serve: export DEMO_KEYS_DIR := $(DEMO_KEYS)

help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/activate

install: $(BIN)/activate ## Create the virtualenv and install everything

migrate: install $(PROFILE_KEYS) ## Apply database migrations
	$(MANAGE) migrate --noinput

demo-keys: install ## Make the web client's demo-only key for PROFILE=fapi2 (kept once made)
	$(PY) scripts/demo_keys.py $(DEMO_KEYS)

seed: migrate $(PROFILE_KEYS) ## Load the demo customers, accounts and history, and the demo IdP's users (idempotent)
	$(MANAGE) seed_demo
	@# The demo IdP is optional: skip its seed when the app is not installed.
	@if $(MANAGE) help --commands | grep -qx devidp_seed; then $(MANAGE) devidp_seed; fi

demo: seed ## Fresh machine to a running demo on http://localhost:8000 (PORT=, HOST=, PROFILE=fapi2)
	@echo ""
	@echo "  Fabrikam demo$(if $(PROFILE), ($(PROFILE) profile)): open $(SITE_URL)/"
	@echo ""
	$(MANAGE) runserver $(HOST):$(PORT)

serve: seed ## The demo under gunicorn with threads, as the services run in production
	@# The master also purges spent single-use tokens every minute (gunicorn.conf.py).
	PURGE_SPENT_TOKENS_EVERY=60 $(BIN)/gunicorn -c gunicorn.conf.py --bind $(HOST):$(PORT)

totp: ## Print a demo user's current TOTP code: make totp USER=alice@fabrikam.example
	@# USER also comes from the shell environment (your login name), so insist on an email.
	@case "$(USER)" in *@*) ;; *) echo "usage: make totp USER=alice@fabrikam.example"; exit 2;; esac
	@$(MANAGE) devidp_totp "$(USER)"

assistant-pay: ## The assistant pays a bill once the customer approves it on their phone (CIBA): make assistant-pay USER=alice@fabrikam.example TO=1000000021 AMOUNT=42.00 MEMO="Electricity"
	@case "$(USER)" in *@*) ;; *) echo 'usage: make assistant-pay USER=alice@fabrikam.example TO=1000000021 AMOUNT=42.00 MEMO="Electricity"'; exit 2;; esac
	@$(MANAGE) assistant_pay "$(USER)" "$(TO)" "$(AMOUNT)" --memo "$(MEMO)"

unlock: ## Lift a demo user's lock-out after too many wrong codes: make unlock USER=alice@fabrikam.example
	@case "$(USER)" in *@*) ;; *) echo "usage: make unlock USER=alice@fabrikam.example"; exit 2;; esac
	@$(MANAGE) devidp_unlock "$(USER)" --ip 127.0.0.1 --ip ::1

test: install browser-deps interop-deps ## Run the whole test suite (SQLite unless DATABASE_URL is set)
	$(BIN)/pytest $(PYTEST_ARGS)

browser-deps: ## Install Debian's chromium for the browser tests, if missing
	@# Without root this cannot install: the browser tests then skip, saying why (CI=true fails).
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium) \
		|| echo "make: could not install chromium; the browser tests will be skipped"

interop-deps: tests/interop/node_modules/.package-lock.json ## Install the independent peers for the interop tests (npm: oidc-provider, openid-client)

tests/interop/node_modules/.package-lock.json: tests/interop/package.json tests/interop/package-lock.json
	@# Without npm the interop tests skip, saying why (CI=true fails).
	@command -v npm >/dev/null 2>&1 && cd tests/interop && npm ci --no-audit --no-fund --silent \
		|| echo "make: could not install the interop peers (npm); those tests will be skipped"

screenshots: install browser-deps ## Refresh the README's screenshots (docs/screenshots/) from the browser journeys
	FABRIKAM_README_SHOTS=docs/screenshots $(BIN)/pytest -q -m browser tests/browser/test_journeys.py tests/browser/test_approval.py

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks and load runs need PostgreSQL; each uses a database of its own (created if missing).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fabrikam_bench
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/fabrikam_load

# BENCH_SECONDS= / LOAD_SECONDS= shorten them (CI's smoke runs each for a few seconds).
bench: install ## Print what security costs, as ratios: token check, transfers auth on/off, history
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) scripts/bench.py

load: install ## 32 clients make transfers through gunicorn for 20 s (LOAD_SECONDS=), then check the ledger
	DATABASE_URL=$(LOAD_DATABASE_URL) $(PY) scripts/load_transfers.py

typecheck: install ## mypy with django-stubs over the whole tree: apps, project, scripts, tests (pyproject.toml)
	$(BIN)/mypy

purge: install ## Forget spent single-use tokens that can no longer be replayed (schedule it)
	$(MANAGE) purge_spent_tokens

format: install ## Format the code with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 staticfiles
