# Two commands for a newcomer: `make reports` and `make test`. Each creates or reuses .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := samenleven
JOBS   ?= 2

.DEFAULT_GOAL := help
.PHONY: help reports test lint format venv kernel bench bench-simulation build demo lab \
	clean-processed notebooks-refresh messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (samenleven)" >/dev/null
	touch $(STAMP)

## List the targets with what they do.
help:
	@awk '/^## /{doc=substr($$0, 4); next} /^[a-z][a-z-]*:/{if (doc) {split($$1, t, ":"); printf "  %-18s %s\n", t[1], doc}; doc=""} !/^## /{if (!/^[a-z]/) doc=""}' $(MAKEFILE_LIST)

## Create or reuse .venv with the package, its dependencies and the Jupyter kernel.
venv: $(STAMP)

## Same as venv: registers the Jupyter kernel "samenleven".
kernel: $(STAMP)

## Main job: every notebook report plus one report per eligible authority (demo data only if no real data).
reports: $(STAMP)
	$(BIN)/samenleven run --all --authorities eligible --jobs $(JOBS)

## Tests: lint, then unit, real-data (when SAMENLEVEN_DATA_DIR is set), notebooks via nbval (demo mode).
test: lint
	$(BIN)/python -m pytest
	SAMENLEVEN_DEMO=1 $(BIN)/python -m pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name $(KERNEL) -p no:randomly notebooks/

## Lint (ruff rules in pyproject.toml) and check the formatting; changes nothing.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
