# Forum Desk: two commands on a fresh Debian/Ubuntu machine with Python 3.11+
#   make run    set up and serve the IMRF 2022 demo forum at http://127.0.0.1:5000
#   make test   set up and run the test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi

# Debian packages: Pango for WeasyPrint, Noto fonts for non-Latin names, poppler for
# PDF checks, Chromium for browser tests. Installed only where missing.
SYSTEM_PACKAGES      := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk fonts-dejavu-core python3-venv
TEST_SYSTEM_PACKAGES := chromium poppler-utils nodejs npm

.PHONY: run test setup setup-test system-deps system-deps-test lint migrate demo clean \
        i18n-extract i18n-update i18n-compile i18n-init

# Translations: the catalogues live in delegations/translations/<lang>/LC_MESSAGES/.
TRANSLATIONS := delegations/translations
POT          := $(TRANSLATIONS)/messages.pot

run: setup migrate demo
	FLASK_SESSION_COOKIE_SECURE=false $(BIN)/flask run --host $(HOST) --port $(PORT)

# The suite runs on every core (pytest-xdist); each worker has its own SQLite copies, or its
# own PostgreSQL database (TEST_DATABASE_URL's name plus _gw0, _gw1...). PYTEST_ARGS adds more.
test: setup-test
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: setup-test
	$(BIN)/ruff check .

migrate: setup
	$(BIN)/flask db upgrade

demo: setup
	$(BIN)/flask forum demo

setup: system-deps $(VENV)/.installed i18n-compile

setup-test: system-deps system-deps-test $(VENV)/.installed-test i18n-compile

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# the strings of the code and templates into messages.pot (babel.cfg says where to look)
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -o $(POT) --sort-output --no-location \
	  --project "Forum Desk" --copyright-holder "Forum Desk contributors" .

# merge new strings into every catalogue (new ones empty, never guessed as fuzzy)
i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(POT) -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

# start a new language: make i18n-init LANG_CODE=pt
i18n-init: i18n-extract
	$(BIN)/pybabel init -i $(POT) -d $(TRANSLATIONS) -l $(LANG_CODE)

# .po -> .mo (not committed; the app also compiles missing or stale ones at start)
i18n-compile: $(VENV)/.installed
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

system-deps:
	@sh .ci/apt-install $(SYSTEM_PACKAGES)

system-deps-test:
	@sh .ci/apt-install $(TEST_SYSTEM_PACKAGES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
