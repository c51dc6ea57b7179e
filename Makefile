# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_HOME ?= $(CURDIR)/var/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install run test bench diagrams clean initial-migration

$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(BIN)/.installed

run: install
	@mkdir -p var
	$(BIN)/sanshe init-db
	$(BIN)/sanshe load-programme programmes/lanzhou-2022.yaml
	$(BIN)/sanshe load-programme programmes/anhui-2017.yaml
	$(BIN)/sanshe seed-demo
	$(BIN)/sanshe up

test: install
	$(BIN)/pytest

# Benchmarks print their figures; they are not part of the tests.
bench: install
	$(BIN)/python -m benchmarks.sweep
	$(BIN)/python -m benchmarks.api
	$(BIN)/python -m benchmarks.mail

diagrams: install
	$(BIN)/python -m models.diagrams --write README.md

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# Before the first release the whole schema lives in one initial migration, regenerated from models/.
initial-migration: install
	rm -f migrations/versions/0001_initial_schema.py var/migration-gen.db
	@mkdir -p var
	SANSHE_DATABASE_URL=sqlite:///var/migration-gen.db $(BIN)/alembic revision --autogenerate --rev-id 0001 -m "initial schema"
	rm -f var/migration-gen.db
