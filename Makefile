# bipin's commands. The README's two commands are `make run` and `make test`; each sets up
# what it needs (virtualenv, pinned dependencies, front-end assets, translations,
# database, demo data) and is safe to run again.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT := $(or $(BIPIN_PORT),8000)
# Tests, type checks and `check` need a key; this one never leaves the test process.
TEST_ENV := BIPIN_SECRET_KEY=test-key-for-the-test-suite-only-0123456789

VENDOR := bipin/static/vendor
VENDOR_FILES := $(VENDOR)/bootstrap/bootstrap.min.css $(VENDOR)/htmx/htmx.min.js $(VENDOR)/bootstrap-icons/bootstrap-icons.min.css $(VENDOR)/echarts/echarts.min.js

.PHONY: run test test-pg test-browser lint types setup setup-dev assets messages lock makemessages benchmark clean

## Start bipin on the embedded default: SQLite in ./var, the Lin'an demo, the web server and
## the background worker (daily pass of the warning rules, reminders, digests) side by side.
run: setup
	BIPIN_DEMO=1 $(BIN)/bipin migrate --no-input -v 0
	BIPIN_DEMO=1 $(BIN)/bipin demo
	BIPIN_DEMO=1 $(BIN)/bipin collectstatic --no-input -v 0
	@echo ""
	@echo "bipin: http://127.0.0.1:$(PORT)/  (Ctrl+C stops it and its worker)"
	BIPIN_DEMO=1 $(BIN)/bipin worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	BIPIN_DEMO=1 $(BIN)/bipin runserver 127.0.0.1:$(PORT) --noreload

## Lint, types, Django's checks, migrations up to date, and the test suite (not the browser lane).
test: setup-dev
	$(BIN)/ruff check bipin benchmarks
	$(BIN)/ruff format --check bipin benchmarks
	$(TEST_ENV) $(BIN)/mypy bipin
	$(TEST_ENV) $(BIN)/bipin check --fail-level WARNING
	$(TEST_ENV) $(BIN)/bipin makemigrations --check --dry-run
	$(TEST_ENV) $(BIN)/pytest -m "not browser" -q

## The suite again on the database of BIPIN_DATABASE_URL (CI points it at PostgreSQL).
test-pg: setup-dev
	$(TEST_ENV) $(BIN)/pytest -m "not browser" -q

## Page tests in Debian's Chromium (/usr/bin/chromium, with fonts-noto-cjk).
test-browser: setup-dev
	$(TEST_ENV) $(BIN)/pytest -m browser -q

setup: $(VENV)/.runtime $(VENDOR_FILES) messages
setup-dev: $(VENV)/.dev $(VENDOR_FILES) messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The build lock pins setuptools, which installs bipin itself (editable, for the `bipin` command).
$(VENV)/.runtime: $(BIN)/python requirements.lock requirements-build.lock pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-build.lock -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev: $(BIN)/python requirements-dev.lock requirements-build.lock pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-build.lock -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.runtime

## Front-end assets from the npm registry (package-lock.json), copied to be served locally.
assets: $(VENDOR_FILES)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR_FILES) &: node_modules/.package-lock.json
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/bootstrap-icons/fonts $(VENDOR)/echarts
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/bootstrap/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css $(VENDOR)/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 $(VENDOR)/bootstrap-icons/fonts/

## Compiled translations (.mo) from the catalogues in bipin/locale.
messages: $(VENV)/.runtime
	cd bipin && BIPIN_SECRET_KEY=compilemessages-needs-no-real-key-0123456789 ../$(BIN)/bipin compilemessages -v 0

## Refresh the English catalogue after changing user-visible strings.
makemessages: $(VENV)/.runtime
	cd bipin && BIPIN_SECRET_KEY=makemessages-needs-no-real-key-0123456789 ../$(BIN)/bipin makemessages -l en --no-obsolete --no-location -v 0

## Re-pin the Python dependencies from pyproject.toml (uv resolves; pip installs).
lock:
	$(PYTHON) -m venv /tmp/bipin-uv && /tmp/bipin-uv/bin/pip install --quiet uv
	/tmp/bipin-uv/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
	/tmp/bipin-uv/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements-dev.lock
	/tmp/bipin-uv/bin/uv pip compile requirements-build.in --python-version 3.11 --generate-hashes -o requirements-build.lock

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var

## The benchmark suite: ratios against baselines measured in the same run (benchmarks/run.py),
## the import of a 50,000-row ledger against reading it (benchmarks/imports.py), and the
## project list at 100,000 projects (benchmarks/project_list.py), a month of indicator
## data at the province scale (benchmarks/indicators.py), 比拼's methods and a scoring
## run of 1,500 units × 60 items (benchmarks/scoring.py), and a pass of 督查预警's rules over
## 500,000 milestones and 1,500 units × 60 indicators (benchmarks/alerts.py); all run, and
## the target fails if any misses its targets.
benchmark: setup-dev
	status=0; \
	$(BIN)/python benchmarks/run.py || status=1; \
	$(BIN)/python benchmarks/imports.py || status=1; \
	$(BIN)/python benchmarks/project_list.py || status=1; \
	$(BIN)/python benchmarks/indicators.py || status=1; \
	$(BIN)/python benchmarks/scoring.py || status=1; \
	$(BIN)/python benchmarks/alerts.py || status=1; \
	exit $$status
