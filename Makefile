# Two commands set everything up on a fresh machine with Python 3.11+, git and make:
#   make run    create .venv, install, import feeds/ on first start, run the daemon (fetch, publish, serve)
#   make test   create .venv with the test extras and run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORPORA ?= ../shared/corpora
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test slow conformance bench bench-scale soak eval demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/aggregator sources import feeds/ --if-empty
	$(BIN)/aggregator run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

$(VENV)/.installed-slow: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,slow]'
	@touch $@ $(VENV)/.installed $(VENV)/.installed-test

# The slow target: property-based fuzzing of the admin API (schemathesis) and the browser test
# (Playwright driving the distribution's Chromium: never a browser download); .ci/run runs it.
slow: $(VENV)/.installed-slow
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/python -m pytest -q -m slow

demo: $(VENV)/.installed
	$(BIN)/aggregator demo --port $(PORT)

conformance: $(VENV)/.installed-test
	$(BIN)/python benchmarks/conformance.py --corpora $(CORPORA)
	$(BIN)/python benchmarks/conformance_pages.py --corpora $(CORPORA)

# The peer library (reader) lives in its own environment: the project never depends on it.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'reader==3.26' sgmllib3k
	@touch $@

# make bench: one run, under 10 minutes on 2 cores, every figure beside its peer's (benchmarks/README.md).
# nginx and wrk come from the distribution when apt can install them; without them the serving rows are skipped.
bench: $(VENV)/.installed-test $(BENCH_VENV)/.installed
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { command -v apt-get >/dev/null && \
	  { echo "installing Debian's nginx-light and wrk for the serving comparison"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null; } || true; }
	$(BIN)/python benchmarks/compare.py --corpora $(abspath $(CORPORA))
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/clusters.py --sizes 100000

# The growth figures (over an hour): the ingest at K = 2,000 and 10,000 feeds, the store and clustering to 1,000,000 articles.
bench-scale: $(VENV)/.installed-test $(BENCH_VENV)/.installed
	$(BIN)/python benchmarks/compare.py --feeds 2000 --rounds 1 --parts ingest --peer-workers 20 --no-write
	$(BIN)/python benchmarks/compare.py --feeds 10000 --rounds 1 --parts ingest --peer-workers 20 --no-write
	$(BIN)/python benchmarks/scale.py --sizes 100000,1000000
	$(BIN)/python benchmarks/clusters.py --sizes 100000,1000000

soak: $(VENV)/.installed-test
	$(BIN)/python benchmarks/soak.py

eval: $(VENV)/.installed-test
	$(BIN)/python benchmarks/extraction_eval.py --corpora $(CORPORA)

clean:
	rm -rf $(VENV) $(BENCH_VENV) build *.egg-info .pytest_cache
