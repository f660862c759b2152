# trafficha: `make up` runs the local HA stack, `make test` runs every check.
# Both install what is missing first (Debian packages, the virtualenv), so a fresh clone needs
# nothing but Python 3.11+, Node and apt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian package -> a file it installs; a package is installed only when its file is missing.
DEB_PACKAGES := redis-server:/usr/bin/redis-server mariadb-server:/usr/sbin/mariadbd \
	haproxy:/usr/sbin/haproxy chromium:/usr/bin/chromium wrk:/usr/bin/wrk \
	fonts-nanum:/usr/share/fonts/truetype/nanum/NanumGothic.ttf shellcheck:/usr/bin/shellcheck
PORT ?= 8080

.PHONY: help deps system-deps venv spa spa-test up down status test test-fast lint typecheck pytest bench chaos docs \
	constraints clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

system-deps: ## install missing Debian packages (redis-server, mariadb-server, haproxy, chromium)
	@missing=""; for entry in $(DEB_PACKAGES); do \
		[ -e "$${entry#*:}" ] || missing="$$missing $${entry%%:*}"; done; \
	if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]' -c constraints.txt
	touch $@

venv: $(STAMP) ## create the virtualenv with the package and its test tools

# The dashboard: built when spa/ has a package.json (npm ci from the lock file, then vite).
SPA_STAMP := spa/node_modules/.installed
SPA_SOURCES := $(shell find spa/src spa/index.html spa/vite.config.* spa/tsconfig*.json spa/tailwind.config.* spa/postcss.config.* 2>/dev/null)

$(SPA_STAMP): spa/package.json spa/package-lock.json
	cd spa && npm ci --no-audit --no-fund --loglevel=error
	touch $@

spa/dist/index.html: $(SPA_STAMP) $(SPA_SOURCES)
	cd spa && npm run build

.PHONY: spa-types
ifneq ($(wildcard spa/package.json),)
spa: spa/dist/index.html ## build the dashboard
spa-test: $(SPA_STAMP) ## the dashboard's component tests (vitest), Biome lint and format check
	cd spa && npm test
	cd spa && npm run lint
	cd spa && npm run format:check
# spa/src/api/types.ts from the data API's OpenAPI document, built offline by the venv's Python.
spa-types: $(STAMP) $(SPA_STAMP) ## regenerate spa/src/api/types.ts from the data API's OpenAPI document
	cd spa && PYTHON=$(CURDIR)/$(BIN)/python node scripts/openapi-types.mjs
else
spa spa-test spa-types:
	@echo "no dashboard sources (spa/package.json) yet"
endif

deps: system-deps venv spa ## everything `up` and `test` need

up: deps ## start the local HA stack (Ctrl-C stops it; `make up DETACH=1` returns)
	$(BIN)/trafficha up --port $(PORT) $(if $(DETACH),--detach)

down: venv ## stop the local stack
	$(BIN)/trafficha down

status: venv ## show the local stack
	$(BIN)/trafficha status

lint: venv ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv ## mypy --strict
	$(BIN)/mypy

pytest: deps ## the test suite (starts its own redis-server and mariadbd)
	$(BIN)/python -m pytest

test: deps lint typecheck spa-test pytest ## every check: ruff, mypy --strict, vitest, pytest

# The inner loop: the virtualenv only (no apt, no npm, no servers). mypy runs beside the unit tests
# (two cores); its report follows theirs.
test-fast: $(STAMP) ## ruff, mypy --strict and the unit tests, in well under a minute
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@log=$$(mktemp); $(BIN)/mypy >"$$log" 2>&1 & mypy=$$!; status=0; \
	echo "$(BIN)/mypy (in the background)"; \
	$(BIN)/python -m pytest -q tests/unit -m "not integration and not e2e and not slow" \
		|| status=$$?; \
	echo "$(BIN)/mypy:"; wait $$mypy || status=1; cat "$$log"; rm -f "$$log"; exit $$status

bench: deps ## the benchmarks (pipeline, API); each prints figures and a ratio against its baseline
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/failover.py
	$(BIN)/python bench/imports.py

CHAOS_STATE ?= $(CURDIR)/.trafficha-chaos
chaos: deps ## every chaos experiment against a fresh detached stack (port 18080), then down
	$(BIN)/trafficha down --state-dir $(CHAOS_STATE) >/dev/null 2>&1 || true
	rm -rf $(CHAOS_STATE)
	$(BIN)/trafficha up --detach --mode auto --port 18080 --state-dir $(CHAOS_STATE)
	status=0; for exp in member1-down member1-down-audience processor-crash redis-restart \
		upstream-outage; do \
		TRAFFICHA_STATE_DIR=$(CHAOS_STATE) TRAFFICHA_INGRESS_URL=http://127.0.0.1:18080 \
		$(BIN)/chaos run --journal-path $(CHAOS_STATE)/$$exp.journal.json \
			chaos/experiments/$$exp.json || status=1; done; \
	$(BIN)/trafficha down --state-dir $(CHAOS_STATE); exit $$status

docs: $(STAMP) ## regenerate docs/library.md and docs/configuration.md from the code
	$(BIN)/python -m trafficha._apidoc > docs/library.md
	$(BIN)/python -m trafficha.config > docs/configuration.md

# constraints.txt pins every package `.[test]` installs, so every venv gets the same versions.
constraints: ## re-pin constraints.txt from .venv after a pyproject.toml change (UPGRADE=1: newest)
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[test]' $(if $(UPGRADE),--upgrade --upgrade-strategy eager)
	{ echo "# Every package \`pip install -e '.[test]'\` installs, pinned: regenerate with \`make constraints\`"; \
		echo "# (UPGRADE=1 for the newest versions pyproject.toml allows)."; \
		$(BIN)/python -m pip freeze --exclude-editable | grep -v '^#'; } > constraints.txt
	touch $(STAMP)

clean: ## remove the virtualenv and caches (not the stack's state dir)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis spa/node_modules spa/dist
