"""The pandera schemas of the canonical tables (column contracts of docs/contracts.md).

Read them through :mod:`samenleven_analysis.data.schemas` (``schemas.MUNICIPALITIES``,
``schemas.ORIGIN_GROUPS``, ...), which imports this module, and with it pandera, on first use;
``schemas.validate`` applies them.
"""

from __future__ import annotations

import numpy as np
import pandera.pandas as pa

from samenleven_analysis.data.codes import REGION_CODES
from samenleven_analysis.data.files import POPULATION_YEARS
from samenleven_analysis.facts import PROGRAMME_START_YEAR

REFNIS_PATTERN = r"^\d{5}$"
ORIGIN_GROUPS = ("BEL", "EU14", "EU13", "EUROPE_OTHER", "NON_EUROPE")
"""Origin groups of docs/design.md (contract)."""

FIRST_YEAR = 1990
"""Earliest year any table may hold (the REFNIS lists start in 1970, the income series in 2005)."""
LAST_YEAR = max(POPULATION_YEARS)
"""Latest year any table may hold: the last population year Statbel publishes
(:data:`files.POPULATION_YEARS`, the one home of that fact); 2099 is a typo, not data."""

_COHORTS = [float(PROGRAMME_START_YEAR + k) for k in range(4)]
"""Project years a cohort may start in: the programme's first four."""

_refnis = pa.Column(str, pa.Check.str_matches(REFNIS_PATTERN), nullable=False)
_year = pa.Column(int, pa.Check.in_range(FIRST_YEAR, LAST_YEAR), nullable=False)
# Population counts (by nationality or origin) exist for Statbel's population years only.
_population_year = pa.Column(
    int, pa.Check.in_range(min(POPULATION_YEARS), max(POPULATION_YEARS)), nullable=False
)
_count = pa.Column(int, pa.Check.ge(0), nullable=False)
# inf passes ge(0) and in_range checks; no value of these tables can be infinite.
_finite = pa.Check(lambda s: np.isfinite(s.astype("float64")), error="finite (not inf)")

POPULATION_NATIONALITY = pa.DataFrameSchema(
    {
        "year": _population_year,
        "refnis": _refnis,
        "sex": pa.Column(str, pa.Check.isin(["M", "F"])),
        "nationality": pa.Column(str, pa.Check.isin(["BEL", "ETR"])),
        "age": pa.Column(int, pa.Check.in_range(0, 130)),
        "population": _count,
    },
    unique=["year", "refnis", "sex", "nationality", "age"],
    coerce=False,
    strict=False,
    name="population_nationality",
)

POPULATION_ORIGIN = pa.DataFrameSchema(
    {
        "year": _population_year,
        "refnis": _refnis,
        "origin": pa.Column(str, pa.Check.isin(list(ORIGIN_GROUPS))),
        "population": _count,
    },
    unique=["year", "refnis", "origin"],
    strict=False,
    name="population_origin",
)

MUNICIPALITIES = pa.DataFrameSchema(
    {
        "refnis": _refnis,
        "name_nl": pa.Column(str),
        "name_fr": pa.Column(str, nullable=True),
        "arrondissement": pa.Column(str, pa.Check.str_matches(REFNIS_PATTERN)),
        "province": pa.Column(str, pa.Check.str_matches(REFNIS_PATTERN), nullable=True),
        "region": pa.Column(str, pa.Check.isin(sorted(REGION_CODES.values()))),
    },
    unique=["refnis"],
    name="municipalities",
)

INCOME = pa.DataFrameSchema(
    {
        "year": _year,
        "refnis": _refnis,
        "residents": _count,
        "net_taxable_income": pa.Column(float, [pa.Check.ge(0), _finite]),
    },
    unique=["year", "refnis"],
    strict=False,
    name="income",
)

OUTCOMES = pa.DataFrameSchema(
    {
        "refnis": _refnis,
        "year": _year,
        "outcome": pa.Column(str),
        "value": pa.Column(float, _finite, nullable=True),
    },
    unique=["refnis", "year", "outcome"],
    name="outcomes",
)

TREATMENT = pa.DataFrameSchema(
    {
        "applicant": pa.Column(str),
        "refnis": _refnis,
        # First funded project year (project years start 1 Oct); NaN = never treated.
        "cohort": pa.Column(float, pa.Check.isin(_COHORTS), nullable=True),
        "intensity_eur_per_resident": pa.Column(float, [pa.Check.ge(0), _finite], nullable=True),
        "eligible": pa.Column(bool),
    },
    unique=["refnis"],
    name="treatment",
)

PROGRAMMES = pa.DataFrameSchema(
    {
        "project_id": pa.Column(str),
        "regime": pa.Column(str, pa.Check.isin(["fragmented", "consolidated"])),
        "kind": pa.Column(str, pa.Check.isin(["project", "training"])),
        "programme": pa.Column(str),
        "goal": pa.Column(str),
        "authority": pa.Column(str),  # refnis or partnership id
        "project_year": pa.Column(
            int, pa.Check.in_range(2015, 2030)
        ),  # year the Oct–Sep year starts
        "budget_eur": pa.Column(float, [pa.Check.ge(0), _finite]),
        "participants": pa.Column(int, pa.Check.ge(0)),
        "trainings": pa.Column(int, pa.Check.ge(0)),
    },
    unique=["project_id"],
    name="programmes",
)

PARTNERSHIPS = pa.DataFrameSchema(
    {
        "partnership_id": pa.Column(str),
        "name": pa.Column(str, nullable=True),
        "refnis": _refnis,
    },
    unique=["partnership_id", "refnis"],
    name="partnerships",
)


CALL_RULES = pa.DataFrameSchema(
    {
        "call": pa.Column(str),
        "rule_id": pa.Column(str, pa.Check.str_length(min_value=1)),
        "objective": pa.Column(str),
        "action": pa.Column(str),
        "description": pa.Column(str),  # empty for a 2nd/3rd target group of an action
        "kpi_unit": pa.Column(str),
        "max_units": pa.Column(int, pa.Check.ge(0)),
        "eur_per_unit": pa.Column(float, [pa.Check.ge(0), _finite]),
        "max_eur": pa.Column(float, [pa.Check.ge(0), _finite]),
        "project_start": pa.Column(object, nullable=True),  # datetime.date
        "project_end": pa.Column(object, nullable=True),
        "application_start": pa.Column(object, nullable=True),
        "application_end": pa.Column(object, nullable=True),
        "rule_uri": pa.Column(str),
    },
    unique=["rule_id"],
    checks=pa.Check(
        lambda df: (df["max_eur"] - df["max_units"] * df["eur_per_unit"]).abs() < 1e-6,
        error="max_eur = max_units * eur_per_unit",
    ),
    strict=True,
    name="call_rules",
)


CONTRACTS = pa.DataFrameSchema(
    {  # read and checked against the call rules by data/contracts.py (docs/contracts.md)
        "applicant": pa.Column(str, pa.Check.str_length(min_value=1)),
        "call": pa.Column(str),
        "rule": pa.Column(str),
        "period_start": pa.Column(object),  # datetime.date
        "target_units": pa.Column(int, pa.Check.ge(0)),
        "realised_units": pa.Column(
            float, [pa.Check.ge(0), _finite], nullable=True
        ),  # NaN = not reported
    },
    unique=["applicant", "call", "rule", "period_start"],
    strict=True,
    name="contracts",
)

TABLE_SCHEMAS = {
    "population_origin": POPULATION_ORIGIN,
    "outcomes": OUTCOMES,
    "treatment": TREATMENT,
    "programmes": PROGRAMMES,
    "partnerships": PARTNERSHIPS,
}
"""Schema of each canonical CSV table, by table name (``contracts`` is checked by
:mod:`samenleven_analysis.data.contracts` against the call rules)."""
