# The two commands of README.rst work on a fresh machine: they build .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv servers-venv test test-mysql test-load quality migrations-check demo bench clean help

help:
	@echo "make test    build .venv if needed, then lint, check migrations and run the whole test suite"
	@echo "make demo    build .venv if needed, load the demo data and transmit it to the local stand-in"
	@echo "make bench   build .venv if needed, then benchmark the exporter against the stand-in (minutes)"
	@echo "make venv    build .venv with the package and its test requirements"
	@echo "make test-mysql   the whole suite again on MySQL/MariaDB (test_settings_mysql; server on 127.0.0.1)"
	@echo "make test-load    the bounded load test: 20,000 enrollments through a real celery worker, on MariaDB"

venv: $(STAMP)

$(STAMP): requirements/base.txt requirements/test.txt setup.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# The real-server stages also need mysqlclient (built against Debian's default-libmysqlclient-dev) and redis.
SERVERS_STAMP := $(VENV)/.servers-stamp

servers-venv: $(SERVERS_STAMP)

$(SERVERS_STAMP): requirements/servers.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/servers.txt
	@touch $(SERVERS_STAMP)

quality: venv
	$(BIN)/ruff check .

migrations-check: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

# pytest exits 5 when it collects no test: make stops on any non-zero status, so that fails too.
test: quality migrations-check
	$(BIN)/python -m pytest

MYSQL := DJANGO_SETTINGS_MODULE=test_settings_mysql

test-mysql: servers-venv
	$(MYSQL) $(BIN)/python manage.py makemigrations --check --dry-run
	$(MYSQL) $(BIN)/python -m pytest

# Prints its figures (-s): completions, sent, failed with a reason, received twice.
test-load: servers-venv
	$(MYSQL) $(BIN)/python -m pytest -s -m load

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
