# Two entry points on a fresh machine:
#   make demo  -- set up, analyse the seed corpus, write the dossier to out/seeds/
#   make test  -- set up (with test extras), make sure PostgreSQL runs, run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= ../shared/data
OUT    ?= out/seeds

.PHONY: demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

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
