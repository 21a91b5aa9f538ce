# The two commands of the README: `make run` and `make test`. Everything they need is
# installed here, into .venv, from the pinned versions in requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
YUNWEI := $(BIN)/yunwei
BIND ?= 127.0.0.1:8000

# `make bench`: the performance harness (bench/harness.py) on TICKETS generated tickets
# in DB (postgresql: YUNWEI_BENCH_DATABASE_URL); BENCH_ARGS=--reuse keeps a generated set.
TICKETS ?= 1000000
DB ?= postgresql

.PHONY: run test lint bench bench-sla bench-search install messages openapi clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(YUNWEI) migrate --no-input
	$(YUNWEI) demo
	$(YUNWEI) serve --bind $(BIND) --with-worker

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	YUNWEI_DATA_DIR=$$(mktemp -d) $(YUNWEI) makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python -m bench.harness --tickets $(TICKETS) --db $(DB) $(BENCH_ARGS)

bench-sla: $(STAMP)
	$(BIN)/python -m bench.sla_clock

bench-search: $(STAMP)
	$(BIN)/python -m bench.ticket_search

openapi: $(STAMP)
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/python -c "import django; django.setup(); \
	from tests.core.test_openapi import COMMITTED, render; COMMITTED.write_text(render(), encoding='utf-8')"

messages: $(STAMP)
	cd src/yunwei && ../../$(YUNWEI) makemessages -l zh_Hans -l en --no-location --ignore 'static/*'
	cd src/yunwei && ../../$(YUNWEI) compilemessages

clean:
	rm -rf $(VENV) build src/*.egg-info
