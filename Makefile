# The two commands of README.rst work on a fresh machine: they build .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv servers-venv test test-mysql test-load quality migrations-check demo demo-admin bench bench-admin bench-e2e clean help venv-edx-enterprise test-edx-enterprise test-tutor test-browser

help:
	@echo "make test    build .venv if needed, then lint, check migrations and run the whole test suite"
	@echo "make demo    build .venv if needed, load the demo data and transmit it to the local stand-in"
	@echo "make demo-admin  make demo, then serve its admin and API on 127.0.0.1:8000 (prints the login; Ctrl-C stops it)"
	@echo "make bench   build .venv if needed, then benchmark the exporter against the stand-in (minutes)"
	@echo "make bench-e2e  build .venv if needed, then benchmark export and send per channel (about half an hour)"
	@echo "make venv    build .venv with the package and its test requirements"
	@echo "make test-mysql   the whole suite again on MySQL/MariaDB (test_settings_mysql; server on 127.0.0.1)"
	@echo "make test-load    the bounded load test: 20,000 enrollments through a real celery worker, on MariaDB"
	@echo "make test-tutor   the Tutor plugin (tutor-contrib-enterprise-export) rendered by the real tutor, no Docker"
	@echo "make test-browser the admin in headless Chromium (Debian's chromium, selenium in .venv-browser) on the demo site"
	@echo "make test-edx-enterprise  build .venv-edx-enterprise (the real edx-enterprise 8.x), then run the"
	@echo "             exporter, channels and import on edx-enterprise's models (minutes)"

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

# A second virtualenv with the real edx-enterprise: the suite on its customers, learners,
# enrollments and consent, and the import from its integrated channels (tests/edx_enterprise/).
EE_VENV := .venv-edx-enterprise
EE_BIN := $(EE_VENV)/bin
EE_STAMP := $(EE_VENV)/.installed-stamp
# The suite of that stage: the whole suite but the real-server stages (their worker processes run
# the standalone settings), on edx-enterprise's models; tests/edx_enterprise/ runs only here, and the
# few tests of the app's own source models skip here with their reason.
EDX_ENTERPRISE_TESTS := -m "not load and not real_servers and not browser"

venv-edx-enterprise: $(EE_STAMP)

$(EE_STAMP): requirements/edx-enterprise.txt requirements/test.txt setup.py
	@test -x $(EE_BIN)/python || $(PYTHON) -m venv $(EE_VENV) || \
		{ echo "Could not create $(EE_VENV): on Debian, apt-get install python3-venv"; exit 1; }
	$(EE_BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/edx-enterprise.txt
	$(EE_BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(EE_STAMP)

test-edx-enterprise: venv-edx-enterprise
	DJANGO_SETTINGS_MODULE=test_settings_edx_enterprise $(EE_BIN)/python manage.py makemigrations --check --dry-run enterprise_export
	$(EE_BIN)/python -m pytest --ds=test_settings_edx_enterprise $(EDX_ENTERPRISE_TESTS)

# The Tutor plugin rendered by the real tutor (its own .venv-tutor, from PyPI; no Docker). About two minutes.
test-tutor:
	bash .ci/tutor

# The admin in a real browser: Debian's chromium and chromium-driver (apt; .ci/browser installs them),
# selenium in a virtualenv of its own (.venv-browser), against the demo site as make demo-admin starts
# it. Screenshots in ci-artifacts/browser/. About a minute once the packages are there.
test-browser:
	bash .ci/browser

DEMO := DJANGO_SETTINGS_MODULE=demo.settings $(BIN)/python manage.py

demo: venv
	$(DEMO) migrate --noinput --verbosity 0
	$(DEMO) load_demo_data
	$(DEMO) run_demo

# The demo's admin and API on 127.0.0.1:8000 (static files served, with the stand-in in the same
# process so that "send again" reaches it), in the foreground until Ctrl-C; prints the login first.
DEMO_SITE := 127.0.0.1:8000

demo-admin: demo
	$(DEMO) demo_admin_users
	$(DEMO) demo_site $(DEMO_SITE)

# Prints one JSON line per case; see benchmarks/bench_export.py and bench_sources.py (the database
# source beside the api source). Not part of make test.
bench: venv
	$(BIN)/python -m benchmarks.bench_export
	$(BIN)/python -m benchmarks.bench_sources

# One JSON line per admin page at 100,000 audit rows; see benchmarks/bench_admin.py. Not part of make test.
bench-admin: venv
	$(BIN)/python -m benchmarks.bench_admin

# Prints one JSON line per case; see benchmarks/bench_e2e.py. Not part of make test.
bench-e2e: venv
	$(BIN)/python -m benchmarks.bench_e2e

clean:
	rm -f demo.sqlite3
	rm -rf $(VENV) $(EE_VENV) .venv-tutor .venv-ralph .venv-browser build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
