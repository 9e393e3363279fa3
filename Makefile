# The two commands of README.rst work on a fresh machine: they build .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv test quality migrations-check demo bench clean help

help:
	@echo "make test    build .venv if needed, then lint, check migrations and run the whole test suite"
	@echo "make demo    build .venv if needed, load the demo data and transmit it to the local stand-in"
	@echo "make bench   build .venv if needed, then benchmark the exporter against the stand-in (minutes)"
	@echo "make venv    build .venv with the package and its test requirements"

venv: $(STAMP)

$(STAMP): requirements/base.txt requirements/test.txt setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

quality: venv
	$(BIN)/ruff check .

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

# pytest exits 5 when it collects no test: make stops on any non-zero status, so that fails too.
test: quality migrations-check
	$(BIN)/python -m pytest

DEMO := DJANGO_SETTINGS_MODULE=demo.settings $(BIN)/python manage.py

demo: venv
	$(DEMO) migrate --noinput --verbosity 0
	$(DEMO) load_demo_data
	$(DEMO) run_demo

# Prints one JSON line per case; see benchmarks/bench_export.py. Not part of make test.
bench: venv
	$(BIN)/python -m benchmarks.bench_export

clean:
	rm -f demo.sqlite3
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
