"""Fragmented versus consolidated funding: programme metrics, and the Plan Samenleven facts.

The programme table (:data:`schemas.PROGRAMMES`, one row per funding line) holds both
regimes:

- ``fragmented`` (project years before 2022): every row is a project or a training of its
  own (``project_id``) run by one authority;
- ``consolidated`` (from 1 Oct 2022): 24 projects (the *actions* of the Plan, column
  ``programme``), each carried out by many authorities in several project years; a row is
  one authority's part of one project in one project year (a *grant*).

So a *project* is identified by ``project_id`` in the fragmented regime and by
``programme`` in the consolidated one (:data:`PROJECT_KEY`); a *grant* is always a row.

Policy facts (amounts, counts, dates, with their sources and the places where sources
disagree) live in ``reference/plan_samenleven.yaml``; :mod:`samenleven_analysis.data.plan_facts`
loads them (re-exported here as :func:`facts`, :func:`fact`, :func:`citation`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from samenleven_analysis.data import schemas
from samenleven_analysis.data.plan_facts import (  # re-exported: the facts are loaded in data/
    FACTS_FILE as FACTS_FILE,
)
from samenleven_analysis.data.plan_facts import check_facts as check_facts
from samenleven_analysis.data.plan_facts import citation as citation
from samenleven_analysis.data.plan_facts import fact as fact
from samenleven_analysis.data.plan_facts import facts as facts
from samenleven_analysis.data.plan_facts import facts_table as facts_table

REGIMES = ("fragmented", "consolidated")
PROJECT_KEY = {"fragmented": "project_id", "consolidated": "programme"}
"""Column that identifies one project in each regime (module docstring)."""


# --------------------------------------------------------------------------- facts


# --------------------------------------------------------------------------- concentration


def hhi(values: Iterable[float]) -> float:
    """Herfindahl–Hirschman index of ``values`` on the 0–1 scale: the sum of squared shares.

    1 = everything to one recipient, 1/n = n equal recipients (multiply by 10,000 for the
    antitrust convention). NaN for an empty or all-zero input.
    """
    x = np.asarray(list(values), dtype=float)
    if x.size == 0 or x.sum() <= 0:
        return float("nan")
    if (x < 0).any():
        raise ValueError("hhi needs non-negative values")
    shares = x / x.sum()
    return float(np.sum(shares**2))


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative ``values``: 0 = equal, (n-1)/n = one recipient.

    Definition: mean absolute difference over twice the mean,
    ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean)`` (Gini 1912), computed with the
    equivalent sorted form ``G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n``, ``i = 1..n``
    (no small-sample correction). NaN for an empty or all-zero input.
    """
    x = np.sort(np.asarray(list(values), dtype=float))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return float("nan")
    if x[0] < 0:
        raise ValueError("gini needs non-negative values")
    ranks = np.arange(1, n + 1)
    return float(2.0 * np.sum(ranks * x) / (n * x.sum()) - (n + 1) / n)


# --------------------------------------------------------------------------- metrics


def validate(programmes: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Check ``programmes`` against :data:`schemas.PROGRAMMES` (raises DataError)."""
    return schemas.validate(programmes, schemas.PROGRAMMES, file=file)


def eligible_ids(eligible: pd.DataFrame | Iterable[str] | None) -> set[str] | None:
    """Authority ids that count as eligible.

    Accepts an :func:`samenleven_analysis.analysis.eligibility.eligible` result (eligible applicants
    *and* their member municipalities, since a partnership's money may be booked on a
    member) or any iterable of ids. ``None`` passes through.
    """
    if eligible is None:
        return None
    if isinstance(eligible, pd.DataFrame):
        rows = eligible[eligible["eligible"].astype(bool)]
        ids = set(rows["applicant"].astype(str))
        for members in rows["members"]:
            ids.update(str(m) for m in members)
        return ids
    return {str(x) for x in eligible}


METRIC_COLUMNS = (
    "regime",
    "project_years",
    "n_projects",
    "n_trainings",
    "n_grants",
    "n_authorities",
    "budget_total_eur",
    "budget_per_project_eur",
    "budget_per_grant_eur",
    "budget_per_participant_eur",
    "reach_total",
    "reach_median_project",
    "reach_median_grant",
    "trainings_total",
    "hhi_authorities",
    "gini_authorities",
    "top5_share",
    "share_eligible",
)


def _regime_metrics(rows: pd.DataFrame, regime: str, elig: set[str] | None) -> dict[str, Any]:
    projects = rows[rows["kind"] == "project"]
    key = PROJECT_KEY[regime]
    per_project = projects.groupby(key, sort=True).agg(
        budget=("budget_eur", "sum"), participants=("participants", "sum")
    )
    per_authority = rows.groupby("authority", sort=True)["budget_eur"].sum()
    budget = float(rows["budget_eur"].sum())
    reach = int(rows["participants"].sum())
    years = sorted(int(y) for y in rows["project_year"].unique())
    top5 = per_authority.sort_values(ascending=False, kind="stable").head(5).sum()
    return {
        "regime": regime,
        "project_years": f"{years[0]}–{years[-1]}" if years else "",
        "n_projects": len(per_project),
        "n_trainings": int((rows["kind"] == "training").sum()),
        "n_grants": len(rows),
        "n_authorities": int(rows["authority"].nunique()),
        "budget_total_eur": budget,
        "budget_per_project_eur": (
            float(per_project["budget"].sum()) / len(per_project) if len(per_project) else np.nan
        ),
        "budget_per_grant_eur": budget / len(rows) if len(rows) else np.nan,
        "budget_per_participant_eur": budget / reach if reach else np.nan,
        "reach_total": reach,
        "reach_median_project": (
            float(per_project["participants"].median()) if len(per_project) else np.nan
        ),
        "reach_median_grant": float(rows["participants"].median()) if len(rows) else np.nan,
        "trainings_total": int(rows["trainings"].sum()),
        "hhi_authorities": hhi(per_authority),
        "gini_authorities": gini(per_authority),
        "top5_share": float(top5 / budget) if budget else np.nan,
        "share_eligible": (
            float(per_authority[per_authority.index.astype(str).isin(elig)].sum() / budget)
            if elig is not None and budget
            else np.nan
        ),
    }


def metrics(
    programmes: pd.DataFrame,
    eligible_applicants: pd.DataFrame | Iterable[str] | None = None,
    *,
    by: Sequence[str] = ("regime",),
) -> pd.DataFrame:
    """Metrics per regime (or per ``by`` groups, e.g. ``("regime", "project_year")``).

    Columns (:data:`METRIC_COLUMNS`, plus the extra ``by`` columns):

    - ``n_projects``: projects (:data:`PROJECT_KEY`; trainings excluded), ``n_trainings``:
      training rows, ``n_grants``: rows, ``n_authorities``: distinct recipients;
    - ``budget_total_eur`` (all rows), ``budget_per_project_eur`` (project rows / projects),
      ``budget_per_grant_eur``, ``budget_per_participant_eur`` (total budget / total reach);
    - ``reach_total`` (participants), ``reach_median_project`` (median over projects of
      their summed participants), ``reach_median_grant`` (median over rows);
    - concentration of money over recipient authorities: ``hhi_authorities`` (0–1),
      ``gini_authorities``, ``top5_share`` (share of the five largest recipients);
    - ``share_eligible``: share of the money going to eligible authorities
      (``eligible_applicants``: an eligibility result or ids, see :func:`eligible_ids`;
      NaN when not given).

    Rows follow :data:`REGIMES` order (fragmented, then consolidated), then ``by``.
    """
    by = list(by)
    if "regime" not in by:
        raise ValueError("metrics are computed per regime: `by` must include 'regime'")
    elig = eligible_ids(eligible_applicants)
    rows = []
    for keys, group in programmes.groupby(by, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        labels = dict(zip(by, keys, strict=True))
        row = _regime_metrics(group, str(labels["regime"]), elig)
        row.update({k: v for k, v in labels.items() if k != "regime"})
        rows.append(row)
    extra = [c for c in by if c != "regime"]
    out = pd.DataFrame(rows, columns=[*METRIC_COLUMNS, *extra])
    order = {r: i for i, r in enumerate(REGIMES)}
    out = out.sort_values(
        ["regime", *extra], key=lambda s: s.map(order) if s.name == "regime" else s, kind="stable"
    ).reset_index(drop=True)
    if extra:
        out = out[["regime", *extra, *[c for c in METRIC_COLUMNS if c != "regime"]]]
    return out


COMPARE_LABELS = {
    "n_projects": "Projects",
    "n_trainings": "Trainings",
    "n_grants": "Grants (authority × project × year)",
    "n_authorities": "Recipient authorities",
    "budget_total_eur": "Budget, total (EUR)",
    "budget_per_project_eur": "Budget per project (EUR)",
    "budget_per_grant_eur": "Budget per grant (EUR)",
    "budget_per_participant_eur": "Budget per participant (EUR)",
    "reach_total": "Participants, total",
    "reach_median_project": "Participants per project, median",
    "reach_median_grant": "Participants per grant, median",
    "hhi_authorities": "HHI of money over authorities",
    "gini_authorities": "Gini of money over authorities",
    "top5_share": "Share of the 5 largest recipients",
    "share_eligible": "Share of money to eligible authorities",
}
"""Metrics shown in the before/after table, with their labels."""

COMPARE_UNITS = {
    "n_projects": "count",
    "n_trainings": "count",
    "n_grants": "count",
    "n_authorities": "count",
    "budget_total_eur": "EUR",
    "budget_per_project_eur": "EUR",
    "budget_per_grant_eur": "EUR",
    "budget_per_participant_eur": "EUR",
    "reach_total": "persons",
    "reach_median_project": "persons",
    "reach_median_grant": "persons",
    "hhi_authorities": "index",
    "gini_authorities": "index",
    "top5_share": "share",
    "share_eligible": "share",
}
"""Unit of each compared metric; ``persons`` rows are counts of people (publish them
through :mod:`samenleven_analysis.analysis.disclosure`)."""


def compare(metric_table: pd.DataFrame) -> pd.DataFrame:
    """Before/after table: one row per metric.

    Columns ``metric`` (label), ``unit`` (:data:`COMPARE_UNITS`), ``fragmented``, ``consolidated``,
    ``change`` (consolidated − fragmented) and ``ratio`` (consolidated / fragmented).
    """
    per = metric_table.set_index("regime")
    missing = [r for r in REGIMES if r not in per.index]
    if missing:
        raise ValueError(f"both regimes are needed for a comparison; missing: {missing}")
    rows = []
    for col, label in COMPARE_LABELS.items():
        before = float(per.loc["fragmented", col])
        after = float(per.loc["consolidated", col])
        rows.append(
            {
                "metric": label,
                "unit": COMPARE_UNITS[col],
                "fragmented": before,
                "consolidated": after,
                "change": after - before,
                "ratio": after / before if before else np.nan,
            }
        )
    return pd.DataFrame(rows)


PLOT_METRICS = (
    "n_projects",
    "budget_per_project_eur",
    "budget_per_participant_eur",
    "reach_median_project",
    "gini_authorities",
    "share_eligible",
)


def per_year(programmes: pd.DataFrame) -> pd.DataFrame:
    """Money and reach per regime and project year, next to the published facts.

    Columns: ``regime, project_year, n_projects, n_grants, n_authorities, budget_eur,
    participants``, and for the consolidated years ``fact_budget_eur`` and
    ``fact_authorities`` (facts ``budget_paid_eur`` and ``participating_authorities``).
    """
    out = metrics(programmes, by=("regime", "project_year"))[
        [
            "regime",
            "project_year",
            "n_projects",
            "n_grants",
            "n_authorities",
            "budget_total_eur",
            "reach_total",
        ]
    ].rename(columns={"budget_total_eur": "budget_eur", "reach_total": "participants"})
    paid = {int(k): float(v) for k, v in fact("budget_paid_eur").items()}
    authorities = {int(k): int(v) for k, v in fact("participating_authorities").items()}
    consolidated = out["regime"] == "consolidated"
    out["fact_budget_eur"] = out["project_year"].map(paid).where(consolidated)
    out["fact_authorities"] = (
        out["project_year"].map(authorities).where(consolidated).astype("Int64")
    )
    return out
