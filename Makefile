# One command each: `make run` (set up + build the demo dataset), `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
UV_VERSION := 0.13.9

# Project-local Prefect home (database, results); telemetry off (also set in pipeline/settings.py).
export PREFECT_HOME := $(CURDIR)/.prefect
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false

.PHONY: setup run test fuzz eval bench validate report lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "uv==$(UV_VERSION)" || true
	if [ -x $(VENV)/bin/uv ]; then \
	  $(VENV)/bin/uv pip sync -q --compile-bytecode --python $(PY) requirements.lock && \
	  $(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e . ; \
	else \
	  $(PY) -m pip install -q -r requirements.lock && $(PY) -m pip install -q --no-deps -e . ; \
	fi
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/pipeline run --input data/raw --output data/processed
	$(VENV)/bin/pipeline report --output data/processed

report: $(STAMP)
	$(VENV)/bin/pipeline validate --output data/processed --docs data/processed/data_docs
	$(VENV)/bin/pipeline report --output data/processed --data-docs data_docs/index.html

validate: $(STAMP)
	$(VENV)/bin/pipeline validate --output data/processed

# Precision/recall: demo corpus, the two seeds (../shared/seeds), MedQuAD claims, SciFact pairs.
eval: run
	$(VENV)/bin/pipeline eval --gold tests/gold/demo_claims.jsonl --gold tests/gold/demo_contradictions.jsonl --output data/processed
	$(VENV)/bin/pipeline run --input ../shared/seeds --output build/seeds --full
	$(VENV)/bin/pipeline eval --gold tests/gold/seeds_claims.jsonl --gold tests/gold/seeds_contradictions.jsonl --output build/seeds
	$(VENV)/bin/pipeline run --input tests/fixtures/holdout --output build/holdout --full
	$(VENV)/bin/pipeline eval --gold tests/gold/holdout_claims.jsonl --gold tests/gold/holdout_contradictions.jsonl --output build/holdout
	$(PY) benchmarks/medquad_eval.py
	$(PY) benchmarks/scifact_eval.py

# Throughput, memory and Prefect overhead on a 20 MB MedQuAD-derived corpus (SIZES=20,200 for both).
SIZES ?= 20
bench: $(STAMP)
	$(PY) benchmarks/run.py --sizes $(SIZES) --workers 2

test: $(STAMP)
	$(PY) -m pytest -q

# The atheris target of the ingest readers (fuzz/) for FUZZ_SECONDS; prints the number of inputs,
# fails on a crash (input kept in build/fuzz/). Needs the `fuzz` extra (atheris).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(PY) fuzz/run_bounded.py --seconds $(FUZZ_SECONDS)

# Re-pin after editing pyproject.toml dependencies.
lock: $(STAMP)
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra dev --extra fuzz --python-version 3.11 -o requirements.lock

clean:
	rm -rf data/processed .prefect .pytest_cache
