# Quick start: `make demo` and `make test`. Only python3 (3.11+) and make are assumed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test validate bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-install only when the package metadata changes.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/eventsim demo --out out

# Two workers (pytest-xdist): the cold run is mostly Numba compiles, which run side by side.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -n 2 --durations=15

# Validation against peers and published figures (minutes; peers installed on first use).
validate: $(VENV)/.installed
	$(BIN)/eventsim validate --out out/validation

# Benchmarks (minutes): each writes its section of benchmarks/RESULTS.md.
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/phold.py --write-results
	$(BIN)/python benchmarks/queue_hold.py --repeats 5 --write-results
	$(BIN)/python benchmarks/noc.py --write-results
	$(BIN)/python benchmarks/cuba.py --write-results
	$(BIN)/python benchmarks/exact_cuba.py --write-results
	$(BIN)/python benchmarks/first_step.py --write-results
	$(BIN)/python benchmarks/dispatch_generation.py --write-results
	$(BIN)/python benchmarks/compile_time.py --write-results

clean:
	rm -rf $(VENV) out build *.egg-info
