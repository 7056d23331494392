# Two commands matter: `make run` (the demo) and `make test` (the whole suite). Without
# DATABASE_URL both run on the embedded PostgreSQL in var/postgres/, which each command
# starts when it needs it and stops when it exits; `make clean` deletes it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Shiplog needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# The demo runs with DEBUG on (static files served by runserver, no HTTPS redirect). The
# background worker (GitHub sync) runs beside the web server and stops with it.
run: export DJANGO_DEBUG = true
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(PY) manage.py procrastinate worker & worker=$$!; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Stops the embedded server first: its processes would outlive the deleted data directory.
clean:
	@if [ -f var/postgres/postmaster.pid ] && [ -x $(PY) ]; then $(PY) -m config.embedded_postgres stop; fi
	rm -rf $(VENV) var staticfiles
