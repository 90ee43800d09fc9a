# Two commands for a newcomer: `make reports` and `make test`. Each creates or reuses .venv.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KERNEL := samenleven
JOBS   ?= 2

.PHONY: reports test venv kernel bench bench-simulation build demo lab clean-processed notebooks-refresh

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (samenleven)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)
kernel: $(STAMP)

## Main job: every notebook report plus one report per eligible authority (demo data if offline).
reports: $(STAMP)
	$(BIN)/samenleven run --all --authorities eligible --jobs $(JOBS)

## Tests: unit, real-data (when SAMENLEVEN_DATA_DIR is set), notebooks via nbval (demo mode).
test: $(STAMP)
	$(BIN)/python -m pytest
	SAMENLEVEN_DEMO=1 $(BIN)/python -m pytest --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-kernel-name $(KERNEL) -p no:randomly notebooks/

build: $(STAMP)
	$(BIN)/samenleven build

demo: $(STAMP)
	$(BIN)/samenleven demo --out data/raw/demo

## Benchmarks print figures and never fail: build speed (needs a mirror) and the demo report suite.
bench: $(STAMP)
	$(BIN)/samenleven bench build
	$(BIN)/samenleven bench reports

## Simulation study of the estimators (>= 200 draws: bias and 95% coverage per estimator).
bench-simulation: $(STAMP)
	$(BIN)/samenleven bench simulation

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

## Re-execute the committed notebooks on demo data so their stored outputs are fresh.
notebooks-refresh: $(STAMP)
	$(BIN)/samenleven refresh

clean-processed:
	find data/processed -mindepth 1 ! -name README.md -delete
