"""The canonical ``contracts.csv``: what each applicant committed to per KPI rule, and realised.

One row per applicant × KPI rule × project period (``docs/contracts.md``)::

    applicant,call,rule,period_start,target_units,realised_units
    11002,Oproep 2022,f8be95d1-b262-4a7c-8bfb-e77c115d42c6,2022-10-01,1200,
    IGS01,Oproep 2022,7f7f1d20-942d-48ac-85a0-748db7f3d835,2022-10-01,1,1

:func:`read_contracts` reads and validates it against the call rules (``call_rules`` table,
``data/call_rules.py``), the municipality codes of the vintage and the partnership ids. Every
problem raises one :class:`~samenleven_analysis.errors.DataError` naming file, line (header =
line 1) and column; the first problem in file order wins. ``realised_units`` stays empty until
an applicant reports: it is read as missing, never as zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from samenleven_analysis.data import schemas
from samenleven_analysis.data.files import CANONICAL_FILES
from samenleven_analysis.errors import DataError

__all__ = ["COLUMNS", "KEY", "read_contracts", "validate_contracts"]

COLUMNS = ("applicant", "call", "rule", "period_start", "target_units", "realised_units")
"""Columns of ``contracts.csv`` and of the ``contracts`` table, in order (contract)."""

KEY = ("applicant", "call", "rule", "period_start")
"""One contract line per key: a second row with the same key is an error."""


def _fail(message: str, file: str, line: int, column: str) -> None:
    raise DataError(message, file=file, row=line, column=column)


def _first(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if idx.size else None


def read_contracts(
    path: str | Path,
    rules: pd.DataFrame,
    applicants: Iterable[str],
    partnerships: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Read ``contracts.csv`` and validate it (see :func:`validate_contracts`).

    ``applicants`` are the municipality codes of the vintage; partnership ids (from
    ``partnerships``) are applicants too. Returns the ``contracts`` table: the file's rows in
    file order with ``period_start`` as :class:`datetime.date`, ``target_units`` int64 and
    ``realised_units`` float64 (NaN = not reported).
    """
    path = Path(path)
    file = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise DataError("empty file (no header)", file=file) from None
    except Exception as exc:  # a parser error is still a one-line message naming the file
        raise DataError(f"unreadable CSV ({type(exc).__name__}: {exc})", file=file) from None
    schemas.check_one_line_per_row(raw, file=file)
    return validate_contracts(raw, rules, applicants, partnerships, file=file)


def _with_checked_header(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """A copy of ``raw`` with stripped column names; fails on a missing column or no data row."""
    raw = raw.copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    for col in COLUMNS:
        if col not in raw.columns:
            _fail(f"missing column {col} (columns: {', '.join(COLUMNS)})", file, 1, col)
    if raw.empty:
        _fail("no contract rows (header only)", file, 2, COLUMNS[0])
    return raw


def validate_contracts(
    raw: pd.DataFrame,
    rules: pd.DataFrame,
    applicants: Iterable[str],
    partnerships: pd.DataFrame | None = None,
    *,
    file: str = CANONICAL_FILES["contracts"],
) -> pd.DataFrame:
    """Type and check contract rows given as text (as read from the CSV, header = line 1).

    Checks, each naming file, line and column: missing column; no data row; unknown
    applicant (not a municipality code of the vintage nor a partnership id); unknown call;
    unknown rule (or a rule of another call); ``period_start`` not an ISO date or outside the
    call's project period; ``target_units`` missing, non-numeric, not whole, negative, or
    above the rule's ``max_units``; ``realised_units`` non-numeric, not whole or negative
    (empty = not reported); a duplicate of an earlier row's key (applicant, call, rule,
    period_start).
    """
    raw = _with_checked_header(raw, file)
    text = {c: raw[c].astype(str).str.strip() for c in COLUMNS}
    lines: np.ndarray = np.arange(len(raw)) + 2
    # Checks run column by column but report the first failing cell in file order (row, then
    # column order), so that fixing errors top-down never skips one.
    problems: list[tuple[int, int, str, str]] = []  # (row index, column index, column, message)

    def flag(mask, column: str, message) -> None:
        i = _first(np.asarray(mask, dtype=bool))
        if i is not None:
            msg = message(i) if callable(message) else message
            problems.append((i, COLUMNS.index(column), column, msg))

    def val(column: str, i: int) -> str:
        return repr(text[column].iloc[i])

    # applicant
    known = {str(a) for a in applicants}
    if partnerships is not None and len(partnerships):
        known |= set(partnerships["partnership_id"].astype(str))
    app = text["applicant"]
    flag(app == "", "applicant", "missing applicant")
    flag(
        (app != "") & ~app.isin(known),
        "applicant",
        lambda i: (
            f"unknown applicant {val('applicant', i)} (not a municipality code of the "
            "vintage nor a partnership id in partnerships.csv)"
        ),
    )
    # call and rule
    calls = set(rules["call"].astype(str))
    call = text["call"]
    flag(
        ~call.isin(calls),
        "call",
        lambda i: f"unknown call {val('call', i)} (known: {', '.join(sorted(calls))})",
    )
    rule_call = dict(zip(rules["rule_id"].astype(str), rules["call"].astype(str), strict=True))
    rule = text["rule"]
    flag(
        ~rule.isin(rule_call.keys()),
        "rule",
        lambda i: f"unknown rule {val('rule', i)} (not a rule_id of the call configuration)",
    )
    other_call = rule.isin(rule_call.keys()) & call.isin(calls) & (rule.map(rule_call) != call)
    flag(
        other_call,
        "rule",
        lambda i: (
            f"rule {val('rule', i)} belongs to call {rule_call[rule.iloc[i]]!r}, "
            f"not {call.iloc[i]!r}"
        ),
    )
    # period_start: an ISO date inside the call's project period
    starts = pd.to_datetime(text["period_start"], format="%Y-%m-%d", errors="coerce")
    flag(
        starts.isna(),
        "period_start",
        lambda i: f"not an ISO date (YYYY-MM-DD): {val('period_start', i)}",
    )
    by_rule = rules.assign(rule_id=rules["rule_id"].astype(str)).set_index("rule_id")
    known_rule = rule.isin(by_rule.index).to_numpy()
    p_start = pd.to_datetime(rule.map(by_rule["project_start"]), errors="coerce")
    p_end = pd.to_datetime(rule.map(by_rule["project_end"]), errors="coerce")
    outside = (
        known_rule
        & starts.notna()
        & ((p_start.notna() & (starts < p_start)) | (p_end.notna() & (starts > p_end)))
    )
    flag(
        outside,
        "period_start",
        lambda i: (
            f"period {text['period_start'].iloc[i]} is outside the project period "
            f"{p_start.iloc[i].date()}–{p_end.iloc[i].date()} of call {call.iloc[i]!r}"
        ),
    )
    # units
    numbers = {}
    for col, required in (("target_units", True), ("realised_units", False)):
        s = text[col]
        blank = (s == "").to_numpy()
        num = pd.to_numeric(s.where(s != "", None), errors="coerce")
        numbers[col] = num
        if required:
            flag(blank, col, f"missing {col}")
        flag(num.isna().to_numpy() & ~blank, col, lambda i, c=col: f"non-numeric {c}: {val(c, i)}")
        flag((num < 0).to_numpy(), col, lambda i, c=col: f"negative {c}: {val(c, i)}")
        flag(
            (num >= 0).to_numpy() & (num % 1 != 0).to_numpy(),
            col,
            lambda i, c=col: f"{c} must be a whole number of units: {val(c, i)}",
        )
    max_units = rule.map(by_rule["max_units"])
    above = known_rule & (numbers["target_units"] > max_units).to_numpy()
    flag(
        above,
        "target_units",
        lambda i: (
            f"target {val('target_units', i)} is above the rule's maximum of "
            f"{int(max_units.iloc[i])} units ({by_rule.loc[rule.iloc[i], 'kpi_unit']})"
        ),
    )
    # duplicates (after the key is known to be well-formed)
    key = pd.DataFrame({c: text[c] for c in KEY})
    dup = key.duplicated(keep="first").to_numpy()
    first_of: dict[Any, Any] = {}
    for i, k in enumerate(map(tuple, key.to_numpy())):
        first_of.setdefault(k, i)
    flag(
        dup,
        "applicant",
        lambda i: (
            "duplicate contract line: same applicant, call, rule and period_start as "
            f"line {first_of[tuple(key.iloc[i])] + 2}"
        ),
    )
    if problems:
        i, _, column, message = min(problems)
        _fail(message, file, int(lines[i]), column)

    return pd.DataFrame(
        {
            "applicant": app.to_numpy(dtype=object),
            "call": call.to_numpy(dtype=object),
            "rule": rule.to_numpy(dtype=object),
            "period_start": [d.date() for d in starts],
            "target_units": numbers["target_units"].astype("int64").to_numpy(),
            "realised_units": numbers["realised_units"].astype("float64").to_numpy(),
        }
    )


def empty_contracts() -> pd.DataFrame:
    """A ``contracts`` table with no rows (the right columns and dtypes)."""
    return pd.DataFrame(
        {
            "applicant": pd.Series([], dtype=object),
            "call": pd.Series([], dtype=object),
            "rule": pd.Series([], dtype=object),
            "period_start": pd.Series([], dtype=object),
            "target_units": pd.Series([], dtype="int64"),
            "realised_units": pd.Series([], dtype="float64"),
        }
    )


def to_csv_text(contracts: pd.DataFrame) -> str:
    """``contracts`` as canonical CSV text (empty ``realised_units`` = not reported)."""
    out = contracts.loc[:, list(COLUMNS)].copy()
    out["period_start"] = [
        d.isoformat() if isinstance(d, date) else str(d) for d in out["period_start"]
    ]
    out["realised_units"] = ["" if pd.isna(v) else str(int(v)) for v in out["realised_units"]]
    return out.to_csv(index=False, lineterminator="\n")
