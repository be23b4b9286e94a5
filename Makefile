# Two commands for users: `make app` and `make test`. Both create .venv when absent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_APP := $(VENV)/.installed-app
STAMP_TEST := $(VENV)/.installed-test

.PHONY: app test test-thorough bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_APP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[app]"
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,app,dask]"
	touch $@

app: $(STAMP_APP)
	$(BIN)/streamlit run app.py --server.address localhost --server.port 8501 --server.headless true

# A fixed hash seed makes the derandomised hypothesis draws the same on every
# machine (set and dict order of strings otherwise varies between runs).
test: $(STAMP_TEST)
	PYTHONHASHSEED=0 $(BIN)/python -m pytest -q

test-thorough: $(STAMP_TEST)
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q

lint: $(STAMP_TEST)
	$(BIN)/ruff check .

bench: $(STAMP_TEST)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
