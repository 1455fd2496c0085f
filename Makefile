# Two commands do all the set-up (see README.md):
#   make demo   create .venv, install, build the demo region (and, as later stages land, run the
#               ETL and the quality checks and serve the boards)
#   make test   install the development dependencies and run the whole test suite
#
# Installs are pinned by constraints.txt (regenerate with `make lock`).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := data/demo

.PHONY: demo test lint lock install install-dev clean help bench

help:
	@echo "make demo   build the demo region in real operational stores"
	@echo "make test   run the whole test suite (PostgreSQL, MariaDB and Chromium tests included)"
	@echo "make lint   ruff on the code"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/rrc demo generate --out $(DEMO) --years 2011-2014
	$(BIN)/rrc secrets init
	$(BIN)/rrc etl run --full
	-$(BIN)/rrc geo fetch   # outlines for the map; without internet the map shows points only
	$(BIN)/rrc users demo   # one account per role, passwords printed
	@echo
	@echo "Operational stores: $(DEMO)/   Published warehouse: data/warehouse/current.duckdb"
	@echo "Boards: http://127.0.0.1:8050 (log in with an account above; Ctrl-C to stop). Also: $(BIN)/rrc etl status, $(BIN)/rrc quality report"
	$(BIN)/rrc serve

bench: install-dev
	$(BIN)/python -m bench.extract

test: install-dev
	$(BIN)/pytest -n 2 --dist loadgroup

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) $(DEMO) data/warehouse .pytest_cache
