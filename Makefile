# statuspage: `make dev` to look at it, `make test` to check everything.
# Both install what is missing first (a .venv from pyproject.toml, node_modules from
# package-lock.json); Debian's chromium is expected at /usr/bin/chromium or $CHROMIUM_PATH.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: dev build test lint typecheck unit browser demo bench deploy clean

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

browser: deps
	$(VENV)/bin/pytest tests/browser -q

test: lint typecheck unit browser

demo: deps
	$(PY) tools/demo.py --host $(HOST) --port $(PORT)

bench: deps
	$(PY) tools/bench.py

deploy: build
	npx wrangler deploy

clean:
	rm -rf dist build .pytest_cache .mypy_cache .ruff_cache
