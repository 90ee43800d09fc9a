"""Who qualifies for Plan Samenleven: the 7,500 rule, pooled partnerships, coverage, sensitivity.

The rule (``reference/plan_samenleven.yaml``, fact ``threshold_residents``): a local authority
qualifies when it has *more than* 7,500 residents of non-EU14 origin; smaller authorities
may pool their residents in a partnership (IGS), which then applies as one applicant.

Contract (docs/design.md, Eligibility API)::

    eligible(origin, threshold=THRESHOLD_RESIDENTS, definition="non_eu14", year=None,
             partnerships=None, inclusive=False, vintage=None) -> DataFrame

one row per applicant with ``applicant``, ``members`` (list of refnis), ``count``,
``eligible`` (bool), ``margin`` (count - threshold), followed by the extra columns
``kind``, ``name``, ``n_members``, ``total``, ``share``, ``year``, ``definition``.

Row order (stable and deterministic): eligible applicants first, then by ``count``
descending, then by ``applicant`` ascending. Eligible-first because the eligible list is
what a reader looks for; the code tie-break makes equal counts reproducible.

Counting is done by :func:`samenleven_analysis.data.origin.count` (one row per municipality with
``count`` and ``total``). Every function here also accepts a frame that is already counted
(columns ``year``, ``refnis``, ``count`` and optionally ``total``), which lets users bring
their own counts and lets :func:`sensitivity` count once per definition and year.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.data import municipalities, schemas
from samenleven_analysis.data import origin as origin_mod
from samenleven_analysis.data.codes import PROXY_DEFINITION, normalise_refnis
from samenleven_analysis.data.tables import (  # re-exported: the reader lives in data/
    check_partnerships,
)
from samenleven_analysis.data.tables import (
    read_partnerships as read_partnerships,
)
from samenleven_analysis.errors import DataError
from samenleven_analysis.facts import ORIGIN_DEFINITIONS, THRESHOLD_RESIDENTS

DEFAULT_THRESHOLD = THRESHOLD_RESIDENTS
"""Residents of the target origin an applicant must exceed (fact ``threshold_residents``)."""

"""Non-Belgian nationality from the population table: understates origin (a proxy)."""

DEFINITIONS = (*ORIGIN_DEFINITIONS, PROXY_DEFINITION)

COLUMNS = (
    "applicant",
    "members",
    "count",
    "eligible",
    "margin",
    "kind",
    "name",
    "n_members",
    "total",
    "share",
    "year",
    "definition",
)
"""Output columns of :func:`eligible`; the first five are the docs/design.md contract."""


# --------------------------------------------------------------------------- counting


def input_kind(frame: pd.DataFrame) -> str:
    """What an input frame is: ``"origin"``, ``"nationality"`` or ``"counts"``.

    ``origin``: canonical ``year, refnis, origin, population``; ``nationality``: the
    population table (``nationality`` BEL/ETR); ``counts``: already counted
    (``year, refnis, count``).
    """
    cols = set(frame.columns)
    if "origin" in cols and "population" in cols:
        return "origin"
    if "nationality" in cols and "population" in cols:
        return "nationality"
    if {"year", "refnis", "count"} <= cols:
        return "counts"
    raise DataError(
        "cannot tell what this table is: expected an origin table (year, refnis, origin, "
        "population), a population table (… nationality, population) or counts "
        f"(year, refnis, count); got columns {sorted(map(str, cols))}"
    )


def definitions_for(frame: pd.DataFrame) -> tuple[str, ...]:
    """The definitions a frame supports.

    Origin table: the three origin ones; population table: the nationality proxy; counts: the one
    named in a ``definition`` column, if any.
    """
    kind = input_kind(frame)
    if kind == "origin":
        return ORIGIN_DEFINITIONS
    if kind == "nationality":
        return (PROXY_DEFINITION,)
    if "definition" in frame.columns:
        return tuple(sorted(frame["definition"].dropna().astype(str).unique()))
    return ("counts",)


def latest_year(frame: pd.DataFrame) -> int:
    """The most recent ``year`` in ``frame`` (the default reference year)."""
    if frame.empty:
        raise DataError("the table is empty: no year to choose")
    return int(pd.to_numeric(frame["year"]).max())


def _input_kind_for(origin: pd.DataFrame, definition: str) -> str:
    """:func:`input_kind` of ``origin``; ValueError when it cannot give ``definition``."""
    if definition not in DEFINITIONS and input_kind(origin) != "counts":
        raise ValueError(
            f"unknown definition {definition!r}; choose one of {', '.join(DEFINITIONS)}"
        )
    kind = input_kind(origin)
    if kind == "nationality" and definition != PROXY_DEFINITION:
        raise ValueError(
            f"definition {definition!r} needs an origin table (year, refnis, origin, "
            "population); the population table only supports 'nationality_proxy'"
        )
    if kind == "origin" and definition == PROXY_DEFINITION:
        raise ValueError(
            "definition 'nationality_proxy' needs the population table (nationality BEL/ETR), "
            "not an origin table"
        )
    return kind


def _year_in(origin: pd.DataFrame, year: int | None) -> int:
    """``year`` as an int (None: the latest year of ``origin``); ValueError when not in it."""
    years = sorted(int(y) for y in pd.to_numeric(origin["year"]).unique())
    if year is None:
        return years[-1]
    if int(year) not in years:
        raise ValueError(
            f"year {year} is not in the data (years available: {years[0]}–{years[-1]})"
        )
    return int(year)


def counts(
    origin: pd.DataFrame,
    definition: str = "non_eu14",
    year: int | None = None,
    *,
    vintage: int | None = None,
) -> pd.DataFrame:
    """Residents of ``definition`` per municipality in ``year``: ``year, refnis, count, total``.

    ``origin`` is a canonical origin table, the population table (only with
    ``definition="nationality_proxy"``) or an already counted frame. ``year=None`` takes the
    latest year in the data. With ``vintage`` the counts are mapped to that municipality
    vintage by :func:`samenleven_analysis.data.municipalities.harmonise` (needed when the data
    are on an older vintage than the partnership codes; data already on it pass unchanged;
    Demoland codes use the demo geography).
    """
    kind = _input_kind_for(origin, definition)
    if origin.empty:
        return pd.DataFrame(
            {
                "year": pd.Series(dtype="int64"),
                "refnis": pd.Series(dtype=str),
                "count": pd.Series(dtype="int64"),
                "total": pd.Series(dtype="float64"),
            }
        )
    year = _year_in(origin, year)

    if kind == "counts":
        frame = origin[pd.to_numeric(origin["year"]) == year]
        if "definition" in frame.columns and definition in set(frame["definition"]):
            frame = frame[frame["definition"] == definition]
        frame = frame.copy()
        if "total" not in frame.columns:
            frame["total"] = np.nan
        frame = frame[["year", "refnis", "count", "total"]]
    else:
        frame = origin_mod.count(origin, definition, year)
        frame = frame[["year", "refnis", "count", "total"]]

    if vintage is not None and len(frame):
        # Demoland codes (94xxx-99xxx; no real REFNIS code starts so) need the demo geography.
        demo_codes = frame["refnis"].astype(str).str.match(r"^9[4-9]\d{3}$").all()
        geography = municipalities.demo_geography() if demo_codes else None
        frame = municipalities.harmonise(
            frame, vintage, value_cols=("count", "total"), geography=geography
        )
        frame = frame[["year", "refnis", "count", "total"]]

    frame = frame.assign(year=year, refnis=frame["refnis"].astype(str))
    if frame["refnis"].duplicated().any():
        dup = frame.loc[frame["refnis"].duplicated(), "refnis"].iloc[0]
        raise DataError(
            f"municipality {dup} appears more than once in year {year}", column="refnis"
        )
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- partnerships


def _normalise_partnerships(partnerships: pd.DataFrame) -> pd.DataFrame:
    frame = partnerships.copy()
    if "name" not in frame.columns:
        frame["name"] = None
    for col in ("partnership_id", "refnis"):
        if pd.api.types.is_numeric_dtype(frame[col]):
            # A CSV read without dtype=str loses leading zeros; codes are 5 digits.
            frame[col] = frame[col].astype("int64").astype(str)
        else:
            frame[col] = frame[col].astype(str)
    frame["refnis"] = normalise_refnis(frame["refnis"], strict=False)
    frame = frame[["partnership_id", "name", "refnis"]]
    schemas.validate(frame.reset_index(drop=True), schemas.PARTNERSHIPS)
    check_partnerships(frame)
    return frame


# --------------------------------------------------------------------------- applicants


def applicants(
    counted: pd.DataFrame,
    partnerships: pd.DataFrame | None = None,
    *,
    within: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Group counted municipalities into applicants (municipalities alone, or partnerships).

    ``counted``: one year of :func:`counts`. Members of a partnership are pooled (``count``
    and ``total`` summed) and do not also apply alone. ``within`` restricts the applicants to
    those municipality codes (e.g. the Flemish ones); a partnership member outside the data
    (or outside ``within``) raises :class:`DataError` naming the code.
    Columns: ``applicant, kind, name, members, n_members, count, total``, unsorted.
    """
    frame = counted
    if within is not None:
        keep = {str(c) for c in within}
        frame = frame[frame["refnis"].isin(keep)]
    year = int(frame["year"].iloc[0]) if len(frame) else None
    known = set(frame["refnis"])

    membership: dict[str, str] = {}
    names: dict[str, object] = {}
    if partnerships is not None and len(partnerships):
        parts = _normalise_partnerships(partnerships)
        unknown = parts[~parts["refnis"].isin(known)]
        if len(unknown):
            row = unknown.iloc[0]
            where = "in the data" if within is None else "in the data for the selected area"
            raise DataError(
                f"partnership {row['partnership_id']}: member {row['refnis']} is unknown "
                f"{where} (year {year}); check the code against the vintage of the data",
                column="refnis",
            )
        membership = dict(zip(parts["refnis"], parts["partnership_id"], strict=True))
        names = parts.groupby("partnership_id", sort=True)["name"].first().to_dict()
        clash = set(names) & (known - set(membership))
        if clash:
            raise DataError(
                f"partnership id {min(clash)} is also the code of a municipality that "
                "applies alone; give the partnership another id",
                column="partnership_id",
            )

    frame = frame.assign(
        applicant=[membership.get(code, code) for code in frame["refnis"]],
        kind=np.where(frame["refnis"].isin(list(membership)), "partnership", "municipality"),
    )
    grouped = (
        frame.sort_values("refnis", kind="stable")
        .groupby(["applicant", "kind"], sort=True)
        .agg(
            members=("refnis", list),
            count=("count", "sum"),
            # NaN unless every member's total is known (a partial sum would mislead).
            total=("total", lambda s: s.sum(min_count=len(s))),
        )
        .reset_index()
    )
    grouped["n_members"] = grouped["members"].map(len).astype("int64")
    grouped["name"] = grouped["applicant"].map(names).where(grouped["kind"] == "partnership")
    grouped["year"] = year
    return grouped


def _integral(values: pd.Series) -> pd.Series:
    """Counts as int64 when they are whole numbers (they are, unless a user gives shares)."""
    numeric = pd.to_numeric(values)
    if len(numeric) and np.all(np.isfinite(numeric)) and np.all(numeric == np.round(numeric)):
        return numeric.astype("int64")
    return numeric.astype("float64")


def decide(
    table: pd.DataFrame, threshold: float = DEFAULT_THRESHOLD, inclusive: bool = False
) -> pd.DataFrame:
    """Add ``eligible`` and ``margin`` to an applicants table and sort it (module docstring).

    ``inclusive=False``: eligible when ``count > threshold`` (the rule says "more than");
    ``inclusive=True``: ``count >= threshold``.
    """
    _check_threshold(threshold)
    out = table.copy()
    out["count"] = _integral(out["count"])
    total = pd.to_numeric(out["total"]).astype("float64")
    if total.dropna().eq(total.dropna().round()).all():
        total = total.astype("Int64")  # whole residents; <NA> where unknown
    out["total"] = total
    out["eligible"] = (out["count"] >= threshold) if inclusive else (out["count"] > threshold)
    out["eligible"] = out["eligible"].astype(bool)
    margin = out["count"] - threshold
    out["margin"] = _integral(margin) if float(threshold).is_integer() else margin
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = (out["count"] / total.astype("float64")).astype("float64")
    out = out.sort_values(
        ["eligible", "count", "applicant"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    return out


def _check_threshold(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(
        threshold, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"threshold must be a number, got {threshold!r}")
    if not math.isfinite(float(threshold)) or threshold < 0:
        raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}")


def eligible(
    origin: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    definition: str = "non_eu14",
    year: int | None = None,
    partnerships: pd.DataFrame | None = None,
    inclusive: bool = False,
    vintage: int | None = None,
    *,
    within: Iterable[str] | None = None,
) -> pd.DataFrame:
    """One row per applicant: does it have more than ``threshold`` residents of ``definition``?

    Parameters
    ----------
    origin
        Canonical origin table (``year, refnis, origin, population``), the population table
        (``definition="nationality_proxy"``), or counts (``year, refnis, count[, total]``).
    threshold, inclusive
        Eligible when ``count > threshold`` (default, "more than") or ``>=`` when
        ``inclusive``.
    definition
        ``non_eu14`` (the rule), ``non_eu27``, ``non_europe`` or ``nationality_proxy``.
    year
        Reference year; ``None`` = the latest year in the data.
    partnerships
        Table ``partnership_id, name, refnis`` (:data:`schemas.PARTNERSHIPS`): members are
        pooled into one applicant and do not apply alone. A municipality in two
        partnerships, or a member code absent from the data, raises :class:`DataError`.
    vintage
        Municipality vintage to express the counts in (see :func:`counts`).
    within
        Optional municipality codes to consider (e.g. the Flemish ones); others are dropped
        before pooling.

    Returns:
    -------
    DataFrame with :data:`COLUMNS`, sorted eligible first, then ``count`` descending, then
    ``applicant``. ``df.attrs`` records threshold, inclusive, definition, year and vintage.
    """
    _check_threshold(threshold)
    counted = counts(origin, definition, year, vintage=vintage)
    table = applicants(counted, partnerships, within=within)
    out = decide(table, threshold, inclusive)
    year_used = int(counted["year"].iloc[0]) if len(counted) else year
    out["year"] = year_used if year_used is not None else pd.NA
    out["definition"] = definition
    out = out[list(COLUMNS)]
    out.attrs = {
        "threshold": threshold,
        "inclusive": bool(inclusive),
        "definition": definition,
        "year": year_used,
        "vintage": vintage,
    }
    return out


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Coverage:
    """How much of the target population lives in eligible applicants."""

    year: int | None
    definition: str
    threshold: float
    inclusive: bool
    applicants: int
    """Applicants considered (municipalities alone plus partnerships)."""
    eligible_applicants: int
    eligible_municipalities: int
    """Municipalities inside eligible applicants (partnership members counted one by one)."""
    residents_eligible: int
    """Residents of ``definition`` living in eligible applicants."""
    residents_total: int
    """Residents of ``definition`` in all applicants considered."""
    share: float
    """``residents_eligible / residents_total`` (NaN when there is nobody to cover)."""

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame (for display and concatenation)."""
        return pd.DataFrame([asdict(self)])

    @classmethod
    def from_applicants(cls, table: pd.DataFrame) -> Coverage:
        """Coverage of an :func:`eligible` result (uses its rows and ``attrs``)."""
        elig = table[table["eligible"]]
        total = int(table["count"].sum())
        reached = int(elig["count"].sum())
        attrs = table.attrs
        return cls(
            year=attrs.get("year"),
            definition=str(attrs.get("definition", "")),
            threshold=attrs.get("threshold", DEFAULT_THRESHOLD),
            inclusive=bool(attrs.get("inclusive", False)),
            applicants=len(table),
            eligible_applicants=len(elig),
            eligible_municipalities=int(elig["n_members"].sum()),
            residents_eligible=reached,
            residents_total=total,
            share=reached / total if total else float("nan"),
        )


def coverage(
    origin: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    definition: str = "non_eu14",
    year: int | None = None,
    partnerships: pd.DataFrame | None = None,
    inclusive: bool = False,
    vintage: int | None = None,
    *,
    within: Iterable[str] | None = None,
) -> Coverage:
    """Share of all residents of ``definition`` who live in eligible applicants.

    Same arguments as :func:`eligible`. Compare ``share`` with the announcement's claim of
    "almost two thirds" (fact ``coverage_claim``). The denominator is every resident of the
    chosen origin in the data (restricted to ``within`` when given, e.g. Flanders).
    """
    table = eligible(
        origin, threshold, definition, year, partnerships, inclusive, vintage, within=within
    )
    return Coverage.from_applicants(table)


# --------------------------------------------------------------------------- sensitivity


def thresholds_range(start: int = 5000, stop: int = 10000, step: int = 500) -> list[int]:
    """``start, start+step, …, stop`` (both ends included)."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    if stop < start:
        raise ValueError(f"stop ({stop}) is below start ({start})")
    return list(range(int(start), int(stop) + 1, int(step)))


SENSITIVITY_COLUMNS = (
    "definition",
    "year",
    "threshold",
    "is_baseline",
    "n_eligible",
    "n_municipalities",
    "residents_eligible",
    "coverage",
    "n_entered",
    "n_left",
    "entered",
    "left",
)


def sensitivity(
    origin: pd.DataFrame,
    thresholds: Sequence[float] | None = None,
    *,
    step: int = 500,
    definitions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    partnerships: pd.DataFrame | None = None,
    inclusive: bool = False,
    vintage: int | None = None,
    within: Iterable[str] | None = None,
    baseline: float = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """How many applicants qualify, and which enter or leave, as the threshold moves.

    One row per ``definition × year × threshold`` (sorted in that order) with
    ``n_eligible`` (applicants), ``n_municipalities`` (members of eligible applicants),
    ``residents_eligible``, ``coverage`` (share, as :func:`coverage`), and relative to the
    ``baseline`` threshold (7,500) of the same definition and year: ``entered`` (sorted
    applicant ids eligible here but not at the baseline), ``left`` (eligible at the baseline
    but not here), and their counts.

    ``thresholds`` default: 5,000 to 10,000 in steps of ``step``. ``definitions`` default:
    every definition the input supports (:func:`definitions_for`). ``years`` default: the
    latest year only. Because eligibility is ``count > threshold`` on fixed applicants, the
    eligible sets are nested: ``n_eligible`` never rises with the threshold.
    """
    thresholds = list(thresholds) if thresholds is not None else thresholds_range(step=step)
    for t in [*thresholds, baseline]:
        _check_threshold(t)
    thresholds = sorted(set(thresholds))
    definitions = list(definitions) if definitions is not None else list(definitions_for(origin))
    years = [latest_year(origin)] if years is None else [int(y) for y in years]

    rows = []
    for definition in definitions:
        for year in years:
            counted = counts(origin, definition, year, vintage=vintage)
            table = applicants(counted, partnerships, within=within)
            table["count"] = _integral(table["count"])
            total = int(table["count"].sum())
            count = table["count"].to_numpy()
            ids = table["applicant"].to_numpy()
            sizes = table["n_members"].to_numpy()
            base = set(ids[(count >= baseline) if inclusive else (count > baseline)])
            for t in thresholds:
                mask = (count >= t) if inclusive else (count > t)
                now = set(ids[mask])
                reached = int(count[mask].sum())
                entered = sorted(now - base)
                left = sorted(base - now)
                rows.append(
                    {
                        "definition": definition,
                        "year": year,
                        "threshold": t,
                        "is_baseline": t == baseline,
                        "n_eligible": int(mask.sum()),
                        "n_municipalities": int(sizes[mask].sum()),
                        "residents_eligible": reached,
                        "coverage": reached / total if total else float("nan"),
                        "n_entered": len(entered),
                        "n_left": len(left),
                        "entered": entered,
                        "left": left,
                    }
                )
    out = pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
    return out.astype(
        {
            "year": "int64",
            "is_baseline": bool,
            "n_eligible": "int64",
            "n_municipalities": "int64",
            "residents_eligible": "int64",
            "n_entered": "int64",
            "n_left": "int64",
        }
    )


def near_threshold(table: pd.DataFrame, band: float = 500) -> pd.DataFrame:
    """Applicants of an :func:`eligible` result whose ``margin`` lies within ±``band``."""
    return table[table["margin"].abs() <= band].reset_index(drop=True)


# --------------------------------------------------------------------------- publication


def for_publication(
    table: pd.DataFrame,
    min_cell: int | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Display copy of an :func:`eligible` result with small person counts suppressed.

    ``count`` and ``total`` pass through :func:`samenleven_analysis.analysis.disclosure.suppress`
    (column totals are published as coverage sums, so complementary suppression applies);
    where ``count`` is suppressed, ``margin`` and ``share`` (which would reveal it) are
    blanked too. ``names`` maps municipality codes to names for the ``name`` column.
    Returns text columns ``applicant, name, members, count, total, share, margin,
    eligible`` in the input order.
    """
    from samenleven_analysis.analysis import disclosure

    min_cell = disclosure.MIN_CELL_DEFAULT if min_cell is None else int(min_cell)
    out = table[
        ["applicant", "name", "members", "count", "total", "share", "margin", "eligible"]
    ].copy()
    if names:
        fill = out["applicant"].astype(str).map(lambda a: names.get(a))
        out["name"] = out["name"].where(out["name"].notna(), fill)
    out["name"] = out["name"].fillna("").astype(str)
    out["members"] = out["members"].map(lambda m: ", ".join(map(str, m)))
    shown = disclosure.suppress(out, ["count"], min_cell, totals="columns", total_cols=["total"])
    hidden = shown["count"].map(disclosure.is_suppressed)
    hidden_total = shown["total"].map(disclosure.is_suppressed)
    shown["margin"] = [
        "" if h else i18n.signed(m, 0 if float(m).is_integer() else 1)
        for h, m in zip(hidden, out["margin"], strict=True)
    ]
    shown["share"] = [
        "" if (h or ht or pd.isna(s)) else i18n.percent(s)
        for h, ht, s in zip(hidden, hidden_total, out["share"], strict=True)
    ]
    shown["eligible"] = out["eligible"].map(i18n.yes_no)
    return shown.reset_index(drop=True)
