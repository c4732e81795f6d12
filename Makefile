# Two entry points on a fresh machine:
#   make demo  -- set up, analyse the seed corpus, write the dossier to out/seeds/
#   make test  -- set up (with the test and spark extras), make sure PostgreSQL runs, run the tests
# Both install the exact versions in constraints.txt (the lock; `make lock` refreshes it).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= ../shared/data
OUT    ?= out/seeds
PIP_VERSION := 26.3
UV_VERSION  := 0.13.9
UV     := $(VENV)/tools/bin/uv

.PHONY: demo test lint clean lock

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q pip==$(PIP_VERSION)
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e ".[dev,spark]"
	touch $@

# uv in a venv of its own (inside .venv, so it never enters the project's packages)
$(UV):
	$(PYTHON) -m venv $(VENV)/tools
	$(VENV)/tools/bin/pip install -q uv==$(UV_VERSION)

# re-resolve pyproject.toml's ranges (with the dev and spark extras) into constraints.txt, keeping
# every pin that still fits; `make lock LOCKFLAGS=--upgrade` takes the newest versions
lock: $(UV)
	$(UV) pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 $(LOCKFLAGS) \
		--custom-compile-command "make lock" -o constraints.txt >/dev/null

demo: $(BIN)/.installed
	$(BIN)/newstrace analyze $(DATA)/seeds --out $(OUT)
	@echo "open $(OUT)/index.html"

test: $(BIN)/.installed-dev
	bash scripts/ensure-services.sh
	$(BIN)/python -m pytest

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) out newstrace.db newstrace.db-wal newstrace.db-shm
