# statuspage: `make dev` to look at it, `make test` to check everything.
# Both install what is missing first (a .venv from pyproject.toml, node_modules from
# package-lock.json). The browser tests expect Debian's chromium, firefox-esr,
# webkit2gtk-driver and xvfb (.ci/run installs whichever is missing).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: dev build test lint typecheck unit browser browser-chromium browser-firefox browser-webkit \
	demo bench deploy deploy-pages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

.PHONY: deps
deps: $(VENV)/.installed node_modules/.installed

build: deps
	$(PY) tools/build.py --out dist

dev: build
	$(PY) tools/serve.py --dir dist --host $(HOST) --port $(PORT)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy

unit: deps
	$(VENV)/bin/pytest tests/unit -q

# All three engines at once, in parallel processes: tests go one at a time to a free
# worker, except xdist groups (each engine's class in tests/engines/, the wrangler-dev
# module via tests/conftest.py), which stay on one worker. Three workers on two cores:
# much of a browser test is waiting (on boots, refresh intervals, timeouts).
BROWSER_WORKERS ?= 3
browser: deps
	$(VENV)/bin/pytest tests/browser tests/engines -q -n $(BROWSER_WORKERS) --dist loadgroup \
		--durations=20

# One engine alone.
browser-chromium: deps
	$(VENV)/bin/pytest tests/browser -q
browser-firefox: deps
	$(VENV)/bin/pytest tests/engines -q -m firefox
browser-webkit: deps
	$(VENV)/bin/pytest tests/engines -q -m webkit

test: lint typecheck unit browser

demo: deps
	$(PY) tools/demo.py --host $(HOST) --port $(PORT)

bench: deps
	$(PY) tools/bench.py

deploy: build
	npx wrangler deploy

# The same dist/ as a Cloudflare Pages project instead (README, "Deploying").
PAGES_PROJECT ?= supportmail-status
deploy-pages: build
	npx wrangler pages deploy dist --project-name $(PAGES_PROJECT)

clean:
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
