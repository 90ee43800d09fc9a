"""Column contracts (pandera) for the canonical tables, and one place to validate them.

``validate(frame, schema, file=...)`` turns pandera's lazy error report into a
:class:`~samenleven_analysis.errors.DataError` that names file, row and column.
Row numbers are 1-based data rows plus one for the header (so they match a text editor's
line numbers in a CSV) when the frame carries a ``_line`` column or a default RangeIndex.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from samenleven_analysis.data.codes import REGION_CODES
from samenleven_analysis.data.files import POPULATION_YEARS
from samenleven_analysis.errors import DataError
from samenleven_analysis.facts import PROGRAMME_START_YEAR

_COHORTS = [float(PROGRAMME_START_YEAR + k) for k in range(4)]
"""Project years a cohort may start in: the programme's first four."""

REFNIS_PATTERN = r"^\d{5}$"
ORIGIN_GROUPS = ("BEL", "EU14", "EU13", "EUROPE_OTHER", "NON_EUROPE")
"""Origin groups of docs/design.md (contract)."""

FIRST_YEAR = 1990
"""Earliest year any table may hold (the REFNIS lists start in 1970, the income series in 2005)."""
LAST_YEAR = max(POPULATION_YEARS)
"""Latest year any table may hold: the last population year Statbel publishes
(:data:`files.POPULATION_YEARS`, the one home of that fact); 2099 is a typo, not data."""

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


def check_one_line_per_row(raw: pd.DataFrame, *, file: str | Path) -> None:
    """Refuse a CSV whose values span lines.

    In these tables no value holds a line break, so one means a stray ``"`` opened a quoted field
    that swallowed the lines after it (rows silently lost). ``raw`` is the file as read (text
    columns, default index).
    """
    for name in raw.columns:
        col = raw[name]
        if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            continue
        broken = col.astype(str).str.contains(r"[\r\n]", regex=True).to_numpy()
        if broken.any():
            i = int(broken.nonzero()[0][0])
            value = str(col.iloc[i])
            raise DataError(
                f"a value spans several lines ({value[:40]!r}...): a stray '\"' opened a "
                "quoted field that swallowed the lines after it; remove the stray quote "
                "(or quote the whole value)",
                file=file,
                row=i + 2,
                column=str(name),
            )


def validate(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, *, file: str | Path | None = None
) -> pd.DataFrame:
    """Validate ``frame``; on failure raise DataError naming file, first bad row and column."""
    try:
        return schema.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        column = first.get("column")
        index = first.get("index")
        row = None
        if index is not None and pd.notna(index):
            if "_line" in frame.columns and index in frame.index:
                row = int(frame.loc[index, "_line"])
            elif isinstance(frame.index, pd.RangeIndex):
                row = int(index) + 2  # header is line 1
        check = first.get("check")
        value = first.get("failure_case")
        if isinstance(value, np.generic):  # inf, not np.float64(inf)
            value = value.item()
        n = len(cases)
        more = f" ({n - 1} more failure(s))" if n > 1 else ""
        raise DataError(
            f"{schema.name}: check {check!s} failed for value {value!r}{more}",
            file=file,
            row=row,
            column=None if column is None or pd.isna(column) else str(column),
        ) from exc


def _check_one_partnership_each(p: pd.DataFrame, file: str | Path) -> None:
    """DataError naming the first municipality of ``p`` (partnerships) in two partnerships."""
    first_of: dict[str, str] = {}
    for i, (pid, code) in enumerate(zip(p["partnership_id"].astype(str), p["refnis"], strict=True)):
        other = first_of.setdefault(code, pid)
        if other != pid:
            raise DataError(
                f"municipality {code} is in two partnerships ({other} and {pid}); a "
                "municipality can belong to one partnership only",
                file=file,
                row=i + 2,
                column="refnis",
            )


def _check_one_name_each(p: pd.DataFrame, file: str | Path) -> None:
    """DataError naming the first partnership id of ``p`` given two names (empty names aside)."""
    name_of: dict[str, tuple[str, int]] = {}
    for i, (pid, pname) in enumerate(zip(p["partnership_id"].astype(str), p["name"], strict=True)):
        if pname is None or pd.isna(pname) or str(pname).strip() in ("", "None"):
            continue
        first, row = name_of.setdefault(pid, (str(pname), i + 2))
        if str(pname) != first:
            raise DataError(
                f"partnership {pid} has two names ({first!r} on row {row} and "
                f"{str(pname)!r}); one partnership id has one name",
                file=file,
                row=i + 2,
                column="name",
            )


def cross_check(
    frames: dict[str, pd.DataFrame], files: dict[str, str | Path], known_codes: frozenset[str]
) -> None:
    """Checks across the user-supplied tables, run by ``build`` before anything is written.

    ``frames`` holds the tables as read (file order, default index, so row = index + 2);
    any of ``partnerships``, ``treatment``, ``programmes`` may be absent. ``known_codes`` is
    every municipality code of any vintage. Raises DataError naming file, row and column for:
    a municipality in two partnerships; a ``treatment.applicant`` or ``programmes.authority``
    that is neither a municipality code nor a partnership id of ``partnerships``.
    """
    partnership_ids: set[str] = set()
    if "partnerships" in frames:
        p = frames["partnerships"]
        partnership_ids = set(p["partnership_id"].astype(str))
        _check_one_partnership_each(p, files["partnerships"])
        _check_one_name_each(p, files["partnerships"])
    for name, column in (("treatment", "applicant"), ("programmes", "authority")):
        if name not in frames:
            continue
        values = frames[name][column].astype(str)
        for i, value in enumerate(values):
            if value in known_codes or value in partnership_ids:
                continue
            if partnership_ids:
                hint = "a municipality code or a partnership id of partnerships.csv"
            else:
                hint = "a municipality code (no partnerships.csv is supplied for partnership ids)"
            raise DataError(
                f"unknown {column} {value!r}: expected {hint}",
                file=files[name],
                row=i + 2,
                column=column,
            )
