# Every target creates .venv and installs the pinned requirements on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)

.PHONY: demo check plan test lint bench catalog codegen codegen-ts clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

demo: $(STAMP)  ## the main job: the whole platform end to end, offline
	$(PY) -m registry local --stack dev

check: $(STAMP)  ## the PR gate over contracts/
	$(PY) -m registry check

plan: $(STAMP)  ## what `pulumi up` would create for the dev stack, offline
	$(PY) -m registry plan --stack dev

test: lint  ## lint and type checks, then the test suite
	$(PY) -m pytest -q -n 2 -p no:cacheprovider

lint: $(STAMP)  ## ruff (lint and format) and mypy --strict, configured in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

catalog: $(STAMP)  ## regenerate docs/catalog (Markdown + one self-contained HTML page)
	$(PY) -m registry catalog

codegen: $(STAMP)  ## regenerate contracts_py/ (typed Python bindings) from contracts/
	$(PY) -m registry codegen

codegen-ts:  ## regenerate contracts_ts/ (TypeScript declarations; needs Node.js and npm)
	cd contracts_ts && npm ci --silent --no-audit --no-fund && node generate.mjs && npx tsc -p .

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b | tail -1; done

clean:
	rm -rf $(VENV) build .pytest_cache .hypothesis
