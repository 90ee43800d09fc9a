# Two commands for a newcomer: `make reports` and `make test`. Each creates or reuses .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := samenleven
JOBS   ?= 2
# pytest workers (pytest-xdist); `make test TEST_JOBS=0` runs serially
TEST_JOBS ?= 2
XDIST   = $(if $(filter 0,$(TEST_JOBS)),-p no:xdist,-n $(TEST_JOBS) --dist loadgroup)
# nbval: a notebook's cells share one kernel, so each file stays on one worker, in order
XDIST_NB = $(if $(filter 0,$(TEST_JOBS)),-p no:xdist,-n $(TEST_JOBS) --dist loadfile)
# nbval compares the stored outputs (written by `samenleven refresh` with OpenBLAS's own kernel
# choice, AVX2 or newer here) under a pre-AVX kernel and one thread, so a number that moves with
# the CPU or the thread count fails `make test` (issue 17); `make test-notebooks NBVAL_BLAS=` runs
# with the machine's defaults.
NBVAL_BLAS ?= OPENBLAS_CORETYPE=Prescott OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
# prints how long a stage took: $(call timed,NAME,COMMAND)
timed = @s=$$(date +%s); $(2); rc=$$?; echo "[make test] $(1): $$(( $$(date +%s) - s )) s" >&2; exit $$rc
# uv, with the project's own environment in $(VENV), never a download of Python (`make lock`).
UV = UV_PROJECT_ENVIRONMENT=$(abspath $(VENV)) $(BIN)/uv
# uv.lock in pip's requirements format, with hashes: what `make` installs (`make lock` writes it)
LOCK_TXT := requirements.txt
EXPORT_LOCK = $(UV) export --frozen --no-emit-project --extra dev --extra dask --format requirements-txt --quiet -o $(LOCK_TXT)

# Cache compiled modules (the package, the tests, pytest's assertion rewrites) in __pycache__ even
# where the environment sets PYTHONDONTWRITEBYTECODE (CI images do): an empty value lets Python
# write them, and each pytest worker and notebook kernel then starts seconds sooner.
export PYTHONDONTWRITEBYTECODE =

# plain `make` installs the environment from the lock (docs/environment.md); `make help` lists the rest
.DEFAULT_GOAL := venv
.PHONY: help reports test test-e2e test-unit test-notebooks test-simulation lint format venv kernel bench \
	bench-simulation build demo lab clean-processed notebooks-refresh lock lock-upgrade wheel messages

# Exactly the lock, hash-checked, nothing resolved: requirements.txt is uv.lock exported in pip's
# format (every package pinned with `--hash=sha256:` for each of its files; `make lock` writes both,
# a test keeps them in step). uv itself comes from that file, hash-checked by pip (the awk line
# takes its entry); `uv pip sync --require-hashes` then installs exactly the file and removes
# anything it does not list, and the checkout goes in editable without dependencies.
# --compile-bytecode writes every .pyc at install time, so that no pytest worker or notebook kernel
# compiles pandas & co. again where PYTHONDONTWRITEBYTECODE is set: ~15 s per interpreter otherwise.
$(STAMP): $(LOCK_TXT) pyproject.toml setup.py Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/{p=1} p{print} p&&!/\\$$/{exit}' $(LOCK_TXT) > $(VENV)/uv.requirements
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv.requirements
	$(BIN)/uv pip sync --quiet --require-hashes --compile-bytecode --python $(BIN)/python $(LOCK_TXT)
	$(BIN)/uv pip install --quiet --no-deps --python $(BIN)/python -e .
	$(BIN)/uv pip check --quiet --python $(BIN)/python
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (samenleven)" >/dev/null
	touch $(STAMP)

## List the targets with what they do.
help:
	@awk '/^## /{doc=substr($$0, 4); next} /^[a-z][a-z0-9-]*:/{if (doc) {split($$1, t, ":"); printf "  %-18s %s\n", t[1], doc}; doc=""} !/^## /{if (!/^[a-z]/) doc=""}' $(MAKEFILE_LIST)

## Create or reuse .venv with the package, its dependencies and the Jupyter kernel (plain `make`).
venv: $(STAMP)
	@echo ".venv is the environment of uv.lock; \`make help\` lists the targets."

## Same as venv: registers the Jupyter kernel "samenleven".
kernel: $(STAMP)

## Main job: every notebook report plus one report per eligible authority (demo data only if no real data).
reports: $(STAMP)
	$(BIN)/samenleven run --all --authorities eligible --jobs $(JOBS)

# the end-to-end tier: notebooks run through the runner (markers in pyproject.toml)
E2E := notebooks or slow

## Tests (a few minutes): lint, unit and real-data tests (when SAMENLEVEN_DATA_DIR is set), nbval; times each stage.
test: $(STAMP)
	$(call timed,lint,$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy)
	$(call timed,pytest (unit + integration),$(BIN)/python -m pytest $(XDIST) -m "not ($(E2E))")
	$(call timed,nbval (stored notebook outputs),$(MAKE) --no-print-directory test-notebooks)

## End-to-end tests CI runs after `make test`: whole report runs (escaping, languages, byte-identical reruns, browser, wheel) and simulations.
test-e2e: $(STAMP)
	$(call timed,pytest (end to end),$(BIN)/python -m pytest $(XDIST) -m "$(E2E)")

## Only the unit tests (fast), in parallel.
test-unit: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) tests/unit

## Size and coverage checks by simulation (minutes; not part of `make test`).
test-simulation: $(STAMP)
	SAMENLEVEN_SIMULATION=1 $(BIN)/python -m pytest $(XDIST) -m simulation tests

## Only nbval: re-execute every committed notebook on demo data and compare the stored outputs.
test-notebooks: $(STAMP)
	@# the demo tables first, so that notebooks on two workers never wait on each other's build
	SAMENLEVEN_DEMO=1 $(BIN)/samenleven build --demo >/dev/null
	SAMENLEVEN_DEMO=1 $(NBVAL_BLAS) $(BIN)/python -m pytest $(XDIST_NB) --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name $(KERNEL) -p no:randomly notebooks/

## Lint (ruff rules in pyproject.toml), check the formatting and the types (mypy); changes nothing.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Refresh uv.lock for changed pyproject.toml dependencies (keeps the other pins).
lock:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv; }
	$(UV) lock --no-python-downloads
	$(EXPORT_LOCK)

## Move every pin of uv.lock to the newest release the ranges allow.
lock-upgrade:
	test -x $(BIN)/uv || { test -x $(BIN)/python || $(PYTHON) -m venv $(VENV); $(BIN)/python -m pip install --quiet uv; }
	$(UV) lock --no-python-downloads --upgrade
	$(EXPORT_LOCK)

## Build the wheel (with the notebooks and the lock inside) into dist/.
wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --quiet -w dist .

## Format the code and apply ruff's safe fixes.
format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Rebuild data/processed/ from the sources.
build: $(STAMP)
	$(BIN)/samenleven build

## Write the generated Demoland files into data/raw/demo.
demo: $(STAMP)
	$(BIN)/samenleven demo --out data/raw/demo

## Benchmarks (print figures, never fail): build speed (needs a mirror) and the demo report suite.
bench: $(STAMP)
	$(BIN)/samenleven bench build
	$(BIN)/samenleven bench reports

## Simulation study of the estimators (bias, RMSE, 95% coverage, size, power; DRAWS=200).
bench-simulation: $(STAMP)
	$(BIN)/samenleven bench simulation --draws $(or $(DRAWS),200)

## JupyterLab on notebooks/ with the project's kernel "samenleven".
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

## Rebuild each notebook from its paired .py script and re-execute it on demo data (stored outputs).
notebooks-refresh: $(STAMP)
	$(BIN)/samenleven refresh

## Extract the report messages (code and templates, babel.cfg) and update the nl and en catalogs.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _html -k NC_:1c,2 -k pgettext:1c,2 \
		--no-location --sort-output --omit-header -o $(VENV)/samenleven.pot .
	$(BIN)/pybabel update -i $(VENV)/samenleven.pot -d samenleven_analysis/locale -D samenleven \
		--no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/python -m samenleven_analysis.i18n fill-english
	@echo "Translate the empty msgstr entries of samenleven_analysis/locale/nl (and call names in en)."

## Delete the processed tables (the raw files are never touched).
clean-processed:
	find data/processed -mindepth 1 ! -name README.md -delete
