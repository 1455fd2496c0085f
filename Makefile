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

.PHONY: demo test lint lock install install-dev clean help bench stress

help:
	@echo "make demo   build the demo region in real operational stores"
	@echo "make test   run the whole test suite (PostgreSQL, MariaDB and Chromium tests included)"
	@echo "make lint   ruff and mypy on the code (make test runs it first)"
	@echo "make bench  national-scale benchmark (10M fiches in PostgreSQL) -> BENCHMARKS.md"
	@echo "make bench-quick   the same at 1M fiches, a few minutes"
	@echo "make stress the long fault-injection runs (RELIABILITY.md)"

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
	$(BIN)/rrc audit demo   # one completed practice audit (draw, answers, import) for the Audits page
	-$(BIN)/rrc geo fetch   # finer outlines when online; the shipped ones draw the map offline
	$(BIN)/rrc users demo   # one account per role, passwords (and demo-admin's TOTP key) printed
	@echo
	@echo "Operational stores: $(DEMO)/   Published warehouse: data/warehouse/current.duckdb"
	@echo "Boards: http://127.0.0.1:8050 (log in with an account above; Ctrl-C to stop). Also: $(BIN)/rrc etl status, $(BIN)/rrc quality report"
	@echo "demo-rrc, demo-3c, demo-ars, demo-chercheur: the password is enough. demo-admin also asks for a 6-digit code: in another terminal, $(BIN)/rrc users demo-code demo-admin"
	@echo "Public pages, no login: http://127.0.0.1:8050/public (RCP directory, open trials, care-offer map)"
	$(BIN)/rrc serve

# Benchmarks (not part of `make test`): generate the stores in PostgreSQL once (reused while their
# manifest matches), measure every figure against a limit measured in the same run, write
# BENCHMARKS.md.
bench: install-dev bench-engines
	$(BIN)/python -m bench.run --profile national

.PHONY: bench-quick
bench-quick: install-dev bench-engines
	$(BIN)/python -m bench.run --profile quick

# The peers the benchmark measures beside our ETL (dbt-duckdb, SQLMesh, dlt), in their own
# virtualenv: their pins clash with the package's (docs/decisions.md, 14)
.PHONY: bench-engines
bench-engines: .venv-bench/.installed
.venv-bench/.installed: bench/engines-requirements.txt
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install -q -r bench/engines-requirements.txt
	@touch $@

# the whole suite, after the linters: ruff (style and errors), ruff format, mypy on the sources
test: lint
	$(BIN)/pytest -n 2 --dist loadgroup

# The long fault-injection runs (RELIABILITY.md): 100 kill -9, 200 publishes under readers, a
# 1,048,574-row sheet. RRC_STRESS_SEED=<n> replays the kill schedule a failure printed.
stress: install-dev
	RRC_STRESS=1 $(BIN)/pytest tests/reliability -n 2 --dist loadgroup -rP

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lock: $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) $(DEMO) data/warehouse .pytest_cache
