# The two commands: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
INDEX_DIR ?= index
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint index clean-index relevance evaluate bench

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

$(INDEX_DIR)/current: | $(STAMP)
	$(BIN)/newsearch build --index $(INDEX_DIR)

index: $(INDEX_DIR)/current

run: $(STAMP) $(INDEX_DIR)/current
	$(BIN)/newsearch serve --host 0.0.0.0 --port $(PORT) --index $(INDEX_DIR)

# The whole suite: lint and type checks first, then every test (the server
# and browser ones too; `pytest -m "not browser and not server"` skips those).
test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean-index:
	rm -rf $(INDEX_DIR)/current $(INDEX_DIR)/v-* $(INDEX_DIR)/.incoming-* $(INDEX_DIR)/.pages $(INDEX_DIR)/.write.lock $(INDEX_DIR)/.tasks $(INDEX_DIR)/.tasks.lock $(INDEX_DIR)/.history.json*

# Quality figures: ranking (nDCG@10) and facet extraction (P/R/F1).
relevance: $(TEST_STAMP)
	$(BIN)/python -m indexer.evaluate_relevance

evaluate: $(TEST_STAMP)
	$(BIN)/python -m indexer.evaluate_facets --check

# Speed figures as visitors see them (about ten minutes at 20,000 items):
# builds and updates, searches over HTTP on fresh servers (cold, and warmed
# with another query log), worker memory, and search() beside plain Whoosh
# and tantivy; then the hostile-cost set. BENCH_ARGS="--items 100000 --json
# FILE" passes options to the first.
bench: $(TEST_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.hostile_bench
