# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup demo bench clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

setup: $(STAMP)

# `python -m ui.warm` is `streamlit run app.py` that warms the overview's data at start (ui/warm.py).
run: $(STAMP)
	$(PY) -m ingest.demo --load-if-empty
	$(PY) -m ui.warm

test: $(STAMP)
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) -m ingest.demo --write data/demo

bench: $(STAMP)
	$(PY) -m bench.startup
	$(PY) -m bench.run
	$(PY) -m bench.browser

clean:
	rm -rf $(VENV) .pytest_cache
