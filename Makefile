# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PREFECT_HOME ?= $(CURDIR)/var/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install browser run test test-postgres test-reliability screenshots fuzz lint lock bench bench-console diagrams clean initial-migration

# Every dependency at the exact version in constraints.txt: a fresh machine installs what was tested.
$(BIN)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,lint]'
	@touch $@

install: $(BIN)/.installed

# The console's browser tests drive Debian's Chromium with CJK fonts; a fresh machine gets them here (as root).
browser:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { apt-get update && apt-get install -y chromium fonts-noto-cjk; }

run: install
	@mkdir -p var
	$(BIN)/sanshe init-db
	$(BIN)/sanshe load-programme programmes/lanzhou-2022.yaml
	$(BIN)/sanshe load-programme programmes/anhui-2017.yaml
	SANSHE_SIMULATED_CLOCK=true $(BIN)/sanshe seed-demo
	SANSHE_MODE=dev SANSHE_SIMULATED_CLOCK=true $(BIN)/sanshe up

# The whole suite on SQLite, the embedded default (PostgreSQL's pass: `make test-postgres`; CI runs both).
test: install browser
	@mkdir -p var
	SANSHE_TEST_BACKENDS=sqlite $(BIN)/pytest -m "not reliability"

# The suite's PostgreSQL pass: every test that runs on a backend (its id says postgres), the browser tests included.
test-postgres: install browser
	@mkdir -p var
	SANSHE_TEST_BACKENDS=postgres $(BIN)/pytest -m "not reliability" -k postgres

# The long fault runs (tests/reliability/README.md): SIGKILLs, concurrent sweepers and dispatchers, outages, 100k notices.
test-reliability: install
	@mkdir -p var
	$(BIN)/pytest -m reliability tests/reliability

# The README's screenshots (docs/screenshots/: dashboard, project page, expert inbox at 1366×768) over the demo data.
screenshots: install browser
	@mkdir -p var docs/screenshots
	SANSHE_README_SCREENSHOTS=1 SANSHE_TEST_BACKENDS=sqlite $(BIN)/pytest -q -p no:cacheprovider tests/console/test_readme_screenshots.py

# schemathesis at length: every phase for both roles, FUZZ_EXAMPLES examples an operation (`make test` runs it bounded).
FUZZ_EXAMPLES ?= 200
fuzz: install
	@mkdir -p var
	SANSHE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/service/api/test_openapi_conformance.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Resolve pyproject.toml's ranges afresh in a scratch venv and pin the result.
lock:
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --disable-pip-version-check '.[test,lint,bench]'
	{ sed -n '1,2p' constraints.txt; var/lock-venv/bin/pip freeze --exclude-editable | grep -iv '^sanshe' | sort -f; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf var/lock-venv

# Benchmarks print their figures; they are not part of the tests.
bench: install
	$(BIN)/python -m benchmarks.sweep
	$(BIN)/python -m benchmarks.api
	$(BIN)/python -m benchmarks.mail
	$(BIN)/python -m benchmarks.zip_bomb
	$(MAKE) --no-print-directory bench-console

# The console's pages through a real uvicorn under locust from a second process (the optional `bench` extra).
bench-console: install
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks.console

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
