# ICM patient assistant. The two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Local configuration (override on the command line or in the environment; see README).
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export RASA_INTERFACE ?= 127.0.0.1
export ACTION_SERVER_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export RASA_TRACKER_DB ?= var/tracker.db
export WEB_PORT ?= 8080
export STAFF_PORT ?= 8090
export RASA_PUBLIC_URL ?= http://localhost:$(RASA_PORT)
export RASA_URL ?= http://127.0.0.1:$(RASA_PORT)
export RASA_CORS ?= http://localhost:$(WEB_PORT) http://127.0.0.1:$(WEB_PORT)
export RASA_MODEL ?= models/icm.tar.gz
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONWARNINGS ?= ignore::DeprecationWarning
# glibc gives each thread (TensorFlow's pools) its own heap arena; 2 arenas keep the Rasa server 5–20 MiB
# smaller with the same latency (README, Benchmarks). Also set in deploy/ and by the bench's servers.
export MALLOC_ARENA_MAX ?= 2

.PHONY: help install train validate run shell test eval catalogue lint clean

help: ## List the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: ## Install system packages if missing (chromium, postgresql, redis), then .venv with the pinned stack
	@scripts/install_system.sh
	@PYTHON=$(PYTHON) VENV=$(VENV) scripts/install.sh

validate: install ## Check the training data and domain (rasa data validate)
	$(BIN)/python scripts/validate_data.py

train: install ## Train the model into models/ (skips unchanged parts)
	$(BIN)/rasa train --out models --fixed-model-name icm

run: train ## Start the assistant: action + Rasa servers, demo page with the widget (8080), staff finder (8090)
	@scripts/run.sh

shell: train ## Talk to the assistant in the terminal (rasa shell)
	@mkdir -p var
	scripts/shell.sh

test: validate train ## Validate, train, then unit, integration and conversation tests
	$(BIN)/python -m pytest

eval: train ## Held-out NLU report + 5-fold cross-validation (reports/, a few minutes per fold)
	$(BIN)/rasa test nlu --model $(RASA_MODEL) --nlu tests/nlu_test.yml --out reports/nlu-heldout
	$(BIN)/python -m staff evaluate
	$(BIN)/rasa test nlu --nlu data --config config.yml --cross-validation --folds 5 --out reports/nlu-cv
	$(BIN)/python scripts/eval_summary.py reports

FOLDS ?= 0
cv-fold: install ## Quick check of an NLU change: train on 80 % of the data, score the other 20 % (FOLDS=0,1…; ~7 min a fold)
	$(BIN)/python scripts/cv_fold.py --folds $(FOLDS)

screenshots: train ## Refresh the screenshots in docs/screenshots/ (widget and staff page, real browser)
	ICM_UPDATE_DOCS_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_widget_browser.py tests/test_staff_server.py -q

DAYS ?= 90
purge: install ## Delete conversations idle for DAYS days (default 90) and older callback/feedback rows
	$(BIN)/python -m privacy.purge --days $(DAYS)

.PHONY: bench bench-docs screenshots purge lookups cv-fold
bench: train ## Benchmark: training, latency, memory, quality vs baseline and floor (reports/bench/)
	$(BIN)/python -m bench.run

bench-docs: install ## Copy the latest benchmark report into docs/benchmarks.md
	$(BIN)/python -m bench.docs

catalogue: install ## Regenerate docs/answers.md (every answer FR/EN with sources and review date)
	$(BIN)/python scripts/answer_catalogue.py

lookups: install ## Regenerate data/nlu/lookups.yml (city lookup table from the knowledge file, ordinals)
	$(BIN)/python scripts/nlu_lookups.py

lint: install ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean: ## Remove models, reports and caches (keeps .venv and var/)
	rm -rf models reports results .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
