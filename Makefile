# cleanwire: two commands on a fresh machine.
#   make run   set up .venv from the lock file, then ingest raw/ into clean/ (embedded Prefect)
#   make test  set up .venv from the lock file, then run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

# Prefect's home and database live in the project, not in the user's home.
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup run test lint lock clean-output

setup: $(STAMP)

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

run: setup
	$(BIN)/cleanwire run --raw raw --clean clean

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check cleaners flows tests bench

# Re-resolve the lock file (needs uv: pip install uv). Every transitive package is pinned with hashes.
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean-output:
	rm -rf clean/documents clean/duplicates clean/rejected clean/reports clean/state.sqlite*
