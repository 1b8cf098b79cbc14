# cleanwire: two commands on a fresh machine.
#   make run   set up .venv from the lock file, then ingest raw/ into clean/ (embedded Prefect)
#   make test  set up .venv from the lock file, then run the test suite
# The interpreter .venv is made from: the system's python3.11 when it can make a venv, else
# python3 (`make setup PYTHON=...` picks another). Debian's and Ubuntu's python3.11 is built with
# profile-guided and link-time optimisation; pyenv builds CPython without either unless asked:
# on our machines the text pass took 0.86x the time on /usr/bin/python3.11 that it took on
# pyenv's 3.11.7, trafilatura and the rest gained as much, and every output was the same.
SYSTEM_PYTHON := /usr/bin/python3.11
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, sqlite3' 2>/dev/null \
	&& echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
# A new lock, pyproject.toml or interpreter makes .venv again, from nothing (--clear): a venv
# keeps the packages a lock no longer has, and the interpreter it was made with.
STAMP := $(VENV)/.installed-$(shell (cat requirements.lock pyproject.toml; echo $(PYTHON)) \
	| cksum | cut -d' ' -f1)

# Prefect's home and database live in the project, not in the user's home.
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup run test lint lock clean-output train quality

setup: $(STAMP)

$(STAMP):
	$(PYTHON) -m venv --clear $(VENV)
	awk '/^pip==/{on=1; print; next} on && /^ +--hash/{print; next} {on=0}' requirements.lock \
		> $(VENV)/pip.lock
	$(BIN)/pip install --quiet --require-hashes -r $(VENV)/pip.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

run: setup
	$(BIN)/cleanwire run --raw raw --clean clean

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check cleaners running flows tests bench

# Re-train the shipped line model (cleaners/data/line_model.json) on the dev set's train split,
# with its provenance (data hash, commit, settings, held-out scores); needs ../shared/data/dev.
# ~15 min the first time (trafilatura's labels are cached in /tmp), ~7 min after.
train: setup
	$(BIN)/python bench/train_line_model.py

# Boilerplate removal on the dev set against jusText and trafilatura (~80 s on 2 cores).
quality: setup
	$(BIN)/python bench/quality.py

# Re-resolve the lock file (needs uv: pip install uv). Every transitive package is pinned with
# hashes; the notes say why some pins matter and are put back after each re-resolve.
define LOCK_NOTES
# Pins that matter (pyproject.toml says the same; the tests prove them):
#   sqlalchemy 2.0.58 (< 2.1): prefect 3.8.8's scheduler service fails on sqlalchemy 2.1.x with
#     "Can't evaluate bulk DML statement; please supply a bulk_dml decorated function" once a
#     loop, so no scheduled flow run is ever created. tests/test_serve.py serves the deployment
#     on a real server and waits for a scheduled run to write documents.
#   fastapi 0.154.0 (< 0.155): prefect 3.8.8's server fails to import with fastapi >= 0.155
#     (Body(min_items=...)).
#   pip 26.3: installed first by `make setup`; Python 3.11's pip 23.2 fetches sqlalchemy 2.1.x for
#     prefect's sqlalchemy[asyncio] and stops under --require-hashes.
# end of pins
endef
export LOCK_NOTES

lock:
	uv pip compile pyproject.toml --extra dev --extra bootstrap --generate-hashes --python-version 3.11 \
		--custom-compile-command "make lock" -o requirements.lock
	sed -i '/^# Pins that matter/,/^# end of pins/d' requirements.lock
	printf '%s\n' "$$LOCK_NOTES" > .lock-notes && sed -i '2r .lock-notes' requirements.lock
	rm -f .lock-notes

clean-output:
	rm -rf clean/documents clean/duplicates clean/rejected clean/reports clean/state.sqlite*
