"""Outcome panels for the impact evaluation: readers, the analysis frame, fiscal income.

Canonical shapes (pandera schemas in :mod:`samenleven_analysis.data.schemas`):

- **outcomes** (``schemas.OUTCOMES``), long: ``refnis`` (5-digit str), ``year`` (int),
  ``outcome`` (str), ``value`` (float, may be missing) — one row per authority × year ×
  outcome, on one municipality vintage;
- **treatment** (``schemas.TREATMENT``), one row per member municipality: ``applicant``
  (refnis or partnership id), ``refnis``, ``cohort`` (first funded project year — the
  year in which the Oct–Sep project year starts — NaN = never treated),
  ``intensity_eur_per_resident`` (optional), ``eligible`` (bool).

:func:`panel` joins them into the frame the estimators in
:mod:`samenleven_analysis.evaluation` take (``refnis, year, value, cohort, treated, post,
d, …``). :func:`income_panel` turns Statbel's fiscal-income table (the one real outcome
source in the mirror, income years 2005–2020) into the canonical long shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.data.tables import (  # re-exported: the readers live in data/
    canonical_outcomes,
    canonical_treatment,
    read_outcomes,
    read_treatment,
)

__all__ = [
    "INCOME_OUTCOME",
    "OUTCOME_LABELS",
    "OUTCOME_UNITS",
    "PLACEBO_OUTCOMES",
    "applicant_frame",
    "canonical_outcomes",
    "canonical_treatment",
    "change_frame",
    "income_panel",
    "label",
    "panel",
    "read_outcomes",
    "read_treatment",
    "treatment_from_groups",
    "unit",
    "with_geography",
]

INCOME_OUTCOME = "fiscal_income_per_resident"
"""Outcome name :func:`income_panel` gives net taxable income per resident (EUR)."""

OUTCOME_LABELS: dict[str, str] = {
    "employment_rate": "employment rate (%)",
    "dutch_a2_pass_rate": "Dutch A2 pass rate (%)",
    "liveability_index": "liveability index (0–100)",
    "rainfall_mm": "rainfall (mm, placebo outcome)",
    INCOME_OUTCOME: "net taxable income per resident (EUR)",
}
"""Plain-language labels for the outcomes the notebooks know about."""

OUTCOME_UNITS: dict[str, str] = {
    "employment_rate": "percentage points",
    "dutch_a2_pass_rate": "percentage points",
    "liveability_index": "index points",
    "rainfall_mm": "mm",
    INCOME_OUTCOME: "EUR",
}
"""Unit in which an *effect* on each outcome is expressed (for plain-language verdicts)."""

PLACEBO_OUTCOMES = ("rainfall_mm",)
"""Outcomes the programme cannot plausibly change: an 'effect' on them flags a bad design."""


def label(outcome: str) -> str:
    """Plain-language label of an outcome (its name if unknown)."""
    return OUTCOME_LABELS.get(outcome, outcome.replace("_", " "))


def unit(outcome: str) -> str:
    """Unit of an effect on ``outcome`` ("" if unknown)."""
    return OUTCOME_UNITS.get(outcome, "")


def panel(
    outcomes: pd.DataFrame,
    treatment: pd.DataFrame,
    outcome: str,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
    treatment_year: int | None = None,
    units: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Analysis frame for one outcome: one row per authority × year.

    Columns: ``refnis``, ``year``, ``outcome``, ``value``, ``applicant``, ``cohort``
    (float, NaN = never treated), ``treated`` (ever treated), ``post`` (``year >=
    cohort``; with ``treatment_year`` given, ``year >= treatment_year`` for everyone — a
    common-timing design, e.g. a placebo year), ``d`` (``treated & post`` as 0/1),
    ``intensity_eur_per_resident``, ``eligible``. Authorities missing from the treatment
    table are never treated and not eligible. ``units`` restricts the authorities (e.g.
    one region). Raises ``KeyError`` naming the available outcomes if ``outcome`` is
    unknown.
    """
    out = outcomes[outcomes["outcome"] == outcome]
    if out.empty:
        raise KeyError(
            f"outcome {outcome!r} not in the outcome table; available: {sorted(outcomes['outcome'].unique())}"
        )
    out = out[["refnis", "year", "outcome", "value"]].copy()
    out["refnis"] = normalise_refnis(out["refnis"], strict=False)
    out["year"] = out["year"].astype(int)
    if first_year is not None:
        out = out[out["year"] >= first_year]
    if last_year is not None:
        out = out[out["year"] <= last_year]
    if units is not None:
        out = out[out["refnis"].isin({str(u) for u in units})]
    tr = treatment.copy()
    tr["refnis"] = normalise_refnis(tr["refnis"], strict=False)
    if "intensity_eur_per_resident" not in tr.columns:
        tr["intensity_eur_per_resident"] = np.nan
    tr = tr[["refnis", "applicant", "cohort", "intensity_eur_per_resident", "eligible"]]
    frame = out.merge(tr, on="refnis", how="left", validate="many_to_one")
    frame["applicant"] = frame["applicant"].fillna(frame["refnis"])
    frame["cohort"] = pd.to_numeric(frame["cohort"], errors="coerce").astype(float)
    frame["cohort"] = frame["cohort"].where(frame["cohort"] > 0)
    frame["eligible"] = frame["eligible"].astype("boolean").fillna(False).astype(bool)
    frame["treated"] = frame["cohort"].notna()
    if treatment_year is not None:
        frame["post"] = frame["year"] >= treatment_year
    else:
        frame["post"] = frame["treated"] & (frame["year"] >= frame["cohort"].fillna(np.inf))
    frame["d"] = (frame["treated"] & frame["post"]).astype(int)
    return frame.sort_values(["refnis", "year"]).reset_index(drop=True)


def income_panel(
    income: pd.DataFrame,
    *,
    first_year: int | None = None,
    last_year: int | None = None,
    refnis: Iterable[str] | None = None,
    name: str = INCOME_OUTCOME,
) -> pd.DataFrame:
    """Fiscal income per resident as a canonical long outcome table.

    ``income``: the build's income table (``year`` = income year, ``refnis``,
    ``residents``, ``net_taxable_income`` in EUR). ``value = net_taxable_income /
    residents``; rows with no residents are dropped (a ratio would be meaningless).
    Statbel's fiscal statistics use the income year (assessment year − 1).
    """
    missing = [
        c for c in ("year", "refnis", "residents", "net_taxable_income") if c not in income.columns
    ]
    if missing:
        raise KeyError(f"income table lacks column(s) {missing}")
    inc = income.copy()
    inc["refnis"] = normalise_refnis(inc["refnis"], strict=False)
    inc["year"] = pd.to_numeric(inc["year"]).astype(int)
    res = pd.to_numeric(inc["residents"], errors="coerce")
    inc = inc[res > 0]
    if first_year is not None:
        inc = inc[inc["year"] >= first_year]
    if last_year is not None:
        inc = inc[inc["year"] <= last_year]
    if refnis is not None:
        inc = inc[inc["refnis"].isin({str(r) for r in refnis})]
    value = pd.to_numeric(inc["net_taxable_income"], errors="coerce") / pd.to_numeric(
        inc["residents"]
    )
    out = pd.DataFrame(
        {
            "refnis": inc["refnis"],
            "year": inc["year"],
            "outcome": name,
            "value": value.astype(float),
        }
    )
    return canonical_outcomes(out)


def treatment_from_groups(
    units: Iterable[str],
    treated: Iterable[str],
    cohort: int,
    *,
    eligible: Iterable[str] | None = None,
) -> pd.DataFrame:
    """A treatment table for a *constructed* comparison (e.g. a placebo year on real data).

    Every unit in ``treated`` gets ``cohort``; the others are never treated. ``eligible``
    defaults to ``treated``. Not validated against ``schemas.TREATMENT`` (whose cohorts
    are the real project years 2022–2025), because placebo cohorts lie elsewhere.
    """
    units = sorted({str(u) for u in units})
    tset = {str(t) for t in treated}
    eset = tset if eligible is None else {str(e) for e in eligible}
    frame = pd.DataFrame(
        {
            "applicant": units,
            "refnis": units,
            "cohort": [float(cohort) if u in tset else np.nan for u in units],
            "intensity_eur_per_resident": np.nan,
            "eligible": [u in eset for u in units],
        }
    )
    return canonical_treatment(frame, validate=False)


def change_frame(
    frame: pd.DataFrame,
    pre: Sequence[int],
    post: Sequence[int],
    *,
    unit: str = "refnis",
    value: str = "value",
) -> pd.DataFrame:
    """One row per unit: mean of ``value`` over the ``pre`` and ``post`` years and the change.

    ``pre``/``post`` are inclusive ``(first, last)`` year pairs. Unit-level columns of the
    analysis frame (``applicant``, ``cohort``, ``treated``, ``eligible``…) are carried over.
    Used for the RDD, whose outcome is the before/after change of each authority (this
    removes level differences that vary smoothly with size).
    """
    y = frame["year"].astype(int)
    pre_mean = frame[(y >= pre[0]) & (y <= pre[1])].groupby(unit)[value].mean()
    post_mean = frame[(y >= post[0]) & (y <= post[1])].groupby(unit)[value].mean()
    keep = [
        c
        for c in ("applicant", "cohort", "treated", "eligible", "intensity_eur_per_resident")
        if c in frame.columns
    ]
    units = frame.drop_duplicates(unit).set_index(unit)[keep]
    out = units.join(pre_mean.rename("pre_mean")).join(post_mean.rename("post_mean"))
    out["change"] = out["post_mean"] - out["pre_mean"]
    return out.reset_index().sort_values(unit).reset_index(drop=True)


def applicant_frame(
    frame: pd.DataFrame,
    eligible: pd.DataFrame,
    pre: Sequence[int],
    post: Sequence[int],
    *,
    value: str = "value",
) -> pd.DataFrame:
    """One row per applicant for a regression discontinuity at the 7,500 rule.

    ``frame``: an analysis panel (:func:`panel`); ``eligible``: the output of
    :func:`samenleven_analysis.analysis.eligibility.eligible` (``applicant, members, count,
    eligible, margin``). Member municipalities' before/after means (:func:`change_frame`)
    are averaged per applicant, because eligibility is decided per applicant (a
    partnership pools its members). Columns: ``applicant``, ``count`` (running variable),
    ``margin``, ``eligible`` (and ``total``/``share`` when given), ``participates`` (share
    of members ever funded, 0–1),
    ``treated`` (any member funded, 0/1), ``pre_mean``, ``post_mean``, ``change``,
    ``n_members``.
    """
    ch = change_frame(frame, pre, post, value=value)
    member_of = {
        str(m): str(a)
        for a, ms in zip(eligible["applicant"], eligible["members"], strict=True)
        for m in ms
    }
    ch["applicant"] = ch["refnis"].map(member_of)
    ch = ch.dropna(subset=["applicant"])
    agg = ch.groupby("applicant").agg(
        participates=("treated", "mean"),
        pre_mean=("pre_mean", "mean"),
        post_mean=("post_mean", "mean"),
        change=("change", "mean"),
        n_members=("refnis", "size"),
    )
    keep = [c for c in ("count", "margin", "eligible", "total", "share") if c in eligible.columns]
    base = eligible.set_index(eligible["applicant"].astype(str))[keep]
    out = base.join(agg, how="inner")
    out["treated"] = (out["participates"] > 0).astype(int)
    out.index.name = "applicant"
    return out.reset_index().sort_values(["count", "applicant"]).reset_index(drop=True)


def with_geography(
    frame: pd.DataFrame, municipalities: pd.DataFrame, *, unit: str = "refnis"
) -> pd.DataFrame:
    """Add ``arrondissement``, ``province`` and ``region`` of each municipality.

    For clustering standard errors at a coarser level, or restricting to one region.
    """
    cols = [c for c in ("arrondissement", "province", "region") if c in municipalities.columns]
    geo = municipalities[["refnis", *cols]].copy()
    geo["refnis"] = normalise_refnis(geo["refnis"], strict=False)
    out = frame.drop(columns=[c for c in cols if c in frame.columns]).merge(
        geo, left_on=unit, right_on="refnis", how="left", suffixes=("", "_geo")
    )
    if unit != "refnis" and "refnis_geo" in out.columns:
        out = out.drop(columns="refnis_geo")
    # Brussels has no province: use the region code so clusters stay defined.
    if "province" in out.columns and "region" in out.columns:
        out["province"] = out["province"].fillna(out["region"])
    return out
