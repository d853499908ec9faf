# The two commands a new user needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The development settings live in .env (DEBUG=1 and keys), written once by helpdesk/devenv.py and read by
# every manage.py command, so commands in a second shell run as `make run` does.
run: $(STAMP)
	$(PY) -m helpdesk.devenv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	-$(PY) manage.py draft_replies
	$(PY) manage.py run_dev

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	ENV_FILE=/dev/null DEBUG=1 $(VENV)/bin/mypy .
	ENV_FILE=/dev/null DEBUG=1 $(VENV)/bin/lint-imports --no-logo --no-cache

test: lint
	$(VENV)/bin/pytest -n auto --maxprocesses=4 --dist load

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks measure PostgreSQL, as production runs; each prints ratios against a baseline of the same run.
bench: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/helpdesk_bench
# Not the development .env (DEBUG=1 would log every query): benchmarks run as production does.
bench: export ENV_FILE ?= /dev/null
bench: export SECRET_KEY ?= bench-only-secret-key-not-for-production-0123456789abcdef
bench: export FIELD_ENCRYPTION_KEY ?= YmVuY2gtb25seS1maWVsZC1rZXktMzItYnl0ZXMhISE=
bench: export SECURE_SSL_REDIRECT ?= 0
bench: export STATIC_MANIFEST ?= 0
# No BENCH: every benchmark, each in its own process, results in bench/RESULTS.md (QUICK=1: smaller sizes).
bench: $(STAMP)
	$(PY) -m bench $(if $(QUICK),--quick) $(BENCH)

messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages --all --no-obsolete --no-wrap --ignore=.venv --ignore=var
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
