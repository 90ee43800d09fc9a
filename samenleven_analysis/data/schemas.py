"""Column contracts (pandera) for the canonical tables, and one place to validate them.

``validate(frame, schema, file=...)`` turns pandera's lazy error report into a
:class:`~samenleven_analysis.errors.DataError` that names file, row and column.
Row numbers are 1-based data rows plus one for the header (so they match a text editor's
line numbers in a CSV) when the frame carries a ``_line`` column or a default RangeIndex.

The schemas themselves (``MUNICIPALITIES``, ``TABLE_SCHEMAS``, ...) are defined in
:mod:`samenleven_analysis.data.table_schemas` and read from here on first use: pandera takes
0.3 s to import, and every report kernel imports this module while few of them validate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from samenleven_analysis.errors import DataError

if TYPE_CHECKING:
    import pandera.pandas as pa

_SCHEMA_NAMES = frozenset(
    {
        "REFNIS_PATTERN",
        "ORIGIN_GROUPS",
        "FIRST_YEAR",
        "LAST_YEAR",
        "POPULATION_NATIONALITY",
        "POPULATION_ORIGIN",
        "MUNICIPALITIES",
        "INCOME",
        "OUTCOMES",
        "TREATMENT",
        "PROGRAMMES",
        "PARTNERSHIPS",
        "CALL_RULES",
        "CONTRACTS",
        "TABLE_SCHEMAS",
    }
)


def __getattr__(name: str) -> Any:
    """The pandera schemas and their constants, imported on first use (module docstring)."""
    if name in _SCHEMA_NAMES:
        from samenleven_analysis.data import table_schemas

        return getattr(table_schemas, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    from pandera.errors import SchemaErrors

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
