"""Canonical CSV tables, read in one place with one boolean vocabulary.

The canonical inputs (outcomes, treatment, programmes, partnerships) are CSV files a user
supplies (docs/design.md). :func:`read_canonical` is the build's reader; :func:`read_outcomes`,
:func:`read_treatment` and :func:`read_partnerships` read one table each for callers outside
the build (they also accept Parquet where stated). Every reader types booleans through
:func:`parse_booleans` (:data:`BOOLEANS`: ``true``/``false``/``1``/``0``, any case) and
raises :class:`~samenleven_analysis.errors.DataError` naming file, row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from samenleven_analysis.data import schemas
from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.errors import NO_DATA_ROWS, DataError

BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
"""The text a canonical CSV may hold in a boolean column (compared in lower case)."""


def parse_booleans(
    text: pd.Series, *, file: str | Path | None = None, column: str | None = None
) -> pd.Series:
    """Booleans from text in :data:`BOOLEANS` (any case, surrounding blanks ignored).

    Anything else (also ``yes``, ``y``, ``t`` and blanks) raises :class:`DataError` naming
    ``file``, the CSV line (header = line 1) and ``column``.
    """
    stripped = text.astype(str).str.strip()
    values = stripped.str.lower().map(BOOLEANS)
    if values.isna().any():
        i = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DataError(
            f"not a boolean (true/false): {stripped.iloc[i]!r}", file=file, row=i + 2, column=column
        )
    return values.astype(bool)


def _typed_column(s: pd.Series, name: str, col, file: str) -> pd.Series:
    """Column ``name`` (its stripped text ``s``) typed as the schema column ``col`` says.

    A bad value raises DataError naming file, line and column.
    """
    blank = s == ""
    dtype = str(col.dtype)

    def first(mask, what):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise DataError(f"{what}: {s.iloc[i]!r}", file=file, row=i + 2, column=name)

    if name == "refnis" or (
        col.checks and "str_matches" in repr(col.checks) and "d{5}" in repr(col.checks)
    ):
        first(~s.str.fullmatch(r"\d{1,5}(\.0)?") & ~(blank & col.nullable), "not a REFNIS code")
        return normalise_refnis(s.where(~blank, None))
    if dtype.startswith("int"):
        num = pd.to_numeric(s, errors="coerce")
        first(blank, "missing value")
        first(num.isna(), "non-numeric value")
        first(num % 1 != 0, "not a whole number")
        return num.astype("int64")
    if dtype.startswith("float"):
        num = pd.to_numeric(s.where(~blank, None), errors="coerce")
        first(num.isna() & ~blank, "non-numeric value")
        return num.astype("float64")
    if dtype == "bool":
        return parse_booleans(s, file=file, column=name)
    return s.where(~blank, None).astype("str") if col.nullable else s.astype("str")


def read_canonical(path: str | Path, schema) -> pd.DataFrame:
    """Read a canonical CSV (outcomes, treatment, programmes, partnerships) and validate it.

    Values are typed from the schema (ints, floats with empty = missing, booleans from
    :data:`BOOLEANS`, REFNIS codes as 5-digit strings); a bad value raises DataError naming
    file, line and column. Rows keep the file order.
    """
    path = Path(path)
    file = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except Exception as exc:
        raise DataError(f"unreadable CSV ({type(exc).__name__}: {exc})", file=path) from None
    raw.columns = [c.strip() for c in raw.columns]
    schemas.check_one_line_per_row(raw, file=file)
    missing = [name for name in schema.columns if name not in raw]
    if missing:
        raise DataError(f"missing column {missing[0]}", file=file, row=1, column=missing[0])
    if raw.empty:
        raise DataError(NO_DATA_ROWS, file=file)
    out = pd.DataFrame(index=raw.index)
    for name, col in schema.columns.items():
        if name not in raw:
            raise DataError(f"missing column {name}", file=file, row=1, column=name)
        out[name] = _typed_column(raw[name].str.strip(), name, col, file)
    extra = [c for c in raw.columns if c not in schema.columns]
    for c in extra:  # keep extra columns as text (schemas are not strict)
        out[c] = raw[c]
    schemas.validate(out, schema, file=file)
    return out


def canonical_outcomes(frame: pd.DataFrame, *, file: str | Path | None = None) -> pd.DataFrame:
    """Coerce a long outcome table to the canonical dtypes, sort it, validate it."""
    missing = [c for c in ("refnis", "year", "outcome", "value") if c not in frame.columns]
    if missing:
        raise DataError(f"outcomes: missing column(s) {missing}", file=file, column=missing[0])
    out = pd.DataFrame(
        {
            "refnis": normalise_refnis(frame["refnis"], strict=False),
            "year": pd.to_numeric(frame["year"], errors="coerce"),
            "outcome": frame["outcome"].astype(str).str.strip(),
            "value": pd.to_numeric(frame["value"], errors="coerce").astype(float),
        },
        index=frame.index,
    )
    bad_year = out["year"].isna() | (out["year"] % 1 != 0)
    if bad_year.any():
        i = int(np.flatnonzero(bad_year.to_numpy())[0])
        raise DataError(
            f"outcomes: year {frame['year'].iloc[i]!r} is not a whole number",
            file=file,
            row=i + 2,
            column="year",
        )
    out["year"] = out["year"].astype(int)
    schemas.validate(out.reset_index(drop=True), schemas.OUTCOMES, file=file)
    return out.sort_values(["outcome", "refnis", "year"]).reset_index(drop=True)


def read_outcomes(path: str | Path) -> pd.DataFrame:
    """Read a canonical long outcome table (CSV, or Parquet by suffix) and validate it.

    Raises :class:`~samenleven_analysis.errors.DataError` naming file, row and column.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        raw = pd.read_parquet(path)
    else:
        raw = pd.read_csv(path, dtype={"refnis": str}, encoding="utf-8-sig")
    return canonical_outcomes(raw, file=path.name)


def canonical_treatment(
    frame: pd.DataFrame, *, file: str | Path | None = None, validate: bool = True
) -> pd.DataFrame:
    """Coerce a treatment table to canonical dtypes (cohort float, 0 → NaN; eligible bool)."""
    missing = [c for c in ("applicant", "refnis", "cohort", "eligible") if c not in frame.columns]
    if missing:
        raise DataError(f"treatment: missing column(s) {missing}", file=file, column=missing[0])
    out = pd.DataFrame(
        {
            "applicant": frame["applicant"].astype(str).str.strip(),
            "refnis": normalise_refnis(frame["refnis"], strict=False),
            "cohort": pd.to_numeric(frame["cohort"], errors="coerce").astype(float),
            "intensity_eur_per_resident": pd.to_numeric(
                frame.get("intensity_eur_per_resident", pd.Series(np.nan, index=frame.index)),
                errors="coerce",
            ).astype(float),
        },
        index=frame.index,
    )
    out["cohort"] = out["cohort"].where(out["cohort"] > 0)  # 0 = never treated, as NaN
    elig = frame["eligible"]
    if elig.dtype != bool:
        elig = parse_booleans(elig.astype(str).str.strip(), file=file, column="eligible")
    out["eligible"] = elig.astype(bool).to_numpy()
    if validate:
        schemas.validate(out.reset_index(drop=True), schemas.TREATMENT, file=file)
    return out.sort_values("refnis").reset_index(drop=True)


def read_treatment(path: str | Path) -> pd.DataFrame:
    """Read a treatment table (CSV or Parquet) and validate it against ``schemas.TREATMENT``."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        raw = pd.read_parquet(path)
    else:
        raw = pd.read_csv(path, dtype={"refnis": str, "applicant": str}, encoding="utf-8-sig")
    return canonical_treatment(raw, file=path.name)


def read_partnerships(path: str | Path) -> pd.DataFrame:
    """Read a partnerships CSV (``partnership_id,name,refnis``; one row per member).

    Codes are read as text so leading zeros survive; the table is checked against
    :data:`schemas.PARTNERSHIPS` and :func:`check_partnerships`.
    """
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    if "name" not in frame.columns:
        frame["name"] = None
    frame = schemas.validate(frame, schemas.PARTNERSHIPS, file=Path(path).name)
    check_partnerships(frame, file=Path(path).name)
    return frame


def check_partnerships(partnerships: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Raise :class:`DataError` when a municipality is a member of two partnerships.

    The rule from project year 2 on is one partnership per authority (fact
    ``one_partnership_per_authority``); pooling the same residents twice would also
    double-count them in coverage. Returns the table unchanged.
    """
    pairs = partnerships[["partnership_id", "refnis"]].astype(str).drop_duplicates()
    many = pairs.groupby("refnis")["partnership_id"].nunique()
    many = many[many > 1]
    if len(many):
        code = many.index[0]
        ids = sorted(pairs.loc[pairs["refnis"] == code, "partnership_id"])
        raise DataError(
            f"municipality {code} is a member of {len(ids)} partnerships ({', '.join(ids)}); "
            "a municipality may be in one partnership only",
            file=file,
            column="refnis",
        )
    return partnerships
