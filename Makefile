# Two entry points matter: `make run` and `make test`. Both build the virtualenv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck unit bench sync clean

$(BIN)/quizbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/quizbot
	$(BIN)/python -m bot run

# The PostgreSQL tests run on $QUIZBOT_TEST_POSTGRES if set, else on a throwaway local cluster the script starts
# and removes (when PostgreSQL's server binaries are installed; without them those tests skip, or fail under CI).
test: $(BIN)/quizbot lint typecheck
	bash tests/postgres_cluster.sh $(BIN)/python -m pytest -q

lint: $(BIN)/quizbot
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench
	$(BIN)/hadolint Dockerfile

typecheck: $(BIN)/quizbot
	$(BIN)/mypy

unit: $(BIN)/quizbot
	$(BIN)/python -m pytest -q tests/unit

sync: $(BIN)/quizbot
	$(BIN)/python -m bot sync

bench: $(BIN)/quizbot
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
