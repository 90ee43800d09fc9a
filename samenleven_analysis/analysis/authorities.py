"""Per-authority analytics shared by the authority reports and the dashboard.

A dashboard row and its report therefore show the same numbers: lookup, similar authorities,
composition over time, benchmarks, programme summaries.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from samenleven_analysis.analysis import eligibility
from samenleven_analysis.data.codes import (
    FLANDERS as FLANDERS,  # re-exported: the region of the reports
)

KEY_OUTCOME = "employment_rate"
"""Outcome whose trend the dashboard shows."""


TREND_YEARS = 5
"""The dashboard's outcome trend: change over this many years up to the latest year."""


def find_authority(table: pd.DataFrame, authority: str) -> pd.Series:
    """The row of ``authority``; raises KeyError naming the code.

    ``authority`` is an applicant code or partnership id, or a member municipality, which yields its
    partnership's row.
    """
    authority = str(authority)
    hit = table[table["applicant"].astype(str) == authority]
    if hit.empty:
        hit = table[[authority in list(m) for m in table["members"]]]
    if hit.empty:
        examples = ", ".join(map(str, table["applicant"].head(3)))
        raise KeyError(f"authority {authority!r} is not in the data (codes such as {examples})")
    return hit.iloc[0]


def similar_authorities(
    table: pd.DataFrame, authority: str, k: int = 5, features: tuple[str, ...] = ("total", "share")
) -> pd.DataFrame:
    """The ``k`` applicants most similar to ``authority`` on size and origin share.

    Nearest neighbours (scipy k-d tree) on standardised ``log(total)`` and ``share``;
    ties are broken by applicant code so the cluster is deterministic. Returns the
    neighbours' rows with a ``distance`` column, nearest first.
    """
    import numpy as np
    from scipy.spatial import cKDTree

    row = find_authority(table, authority)
    data = table.dropna(subset=list(features)).reset_index(drop=True)
    X = np.column_stack(
        [
            np.log(data[f].astype(float).clip(lower=1)) if f == "total" else data[f].astype(float)
            for f in features
        ]
    )
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - X.mean(axis=0)) / sd
    me = data.index[data["applicant"] == row["applicant"]]
    if len(me) == 0:
        raise KeyError(f"authority {authority!r} lacks {', '.join(features)}")
    dist, idx = cKDTree(Z).query(Z[me[0]], k=min(len(data), k + 1))
    found = data.iloc[np.atleast_1d(idx)].assign(distance=np.round(np.atleast_1d(dist), 12))
    found = found[found["applicant"] != row["applicant"]]
    return (
        found.sort_values(["distance", "applicant"], kind="stable").head(k).reset_index(drop=True)
    )


def composition_over_time(origin: pd.DataFrame, members: list[str]) -> pd.DataFrame:
    """Residents by year × origin group summed over ``members`` (wide: one column per group)."""
    frame = origin[origin["refnis"].astype(str).isin([str(m) for m in members])]
    wide = frame.pivot_table(
        index="year", columns="origin", values="population", aggfunc="sum", fill_value=0
    )
    return wide.astype("int64")


def benchmark_shares(counted: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Share of the origin group per year for named groups of municipalities.

    Pooled: sum of counts / sum of totals. ``groups``: label → member codes. Wide: one column per
    label, index ``year``.
    """
    out = {}
    for label, members in groups.items():
        sub = counted[counted["refnis"].astype(str).isin([str(m) for m in members])]
        sums = sub.groupby("year")[["count", "total"]].sum()
        out[label] = sums["count"] / sums["total"]
    return pd.DataFrame(out)


def outcome_benchmark(
    outcomes: pd.DataFrame,
    groups: dict[str, list[str]],
    outcomes_shown: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mean outcome per year for named groups of municipalities (unweighted mean over members).

    Long: ``outcome, year, group, value``.
    """
    frames = []
    data = (
        outcomes
        if outcomes_shown is None
        else outcomes[outcomes["outcome"].isin(list(outcomes_shown))]
    )
    for label, members in groups.items():
        sub = data[data["refnis"].astype(str).isin([str(m) for m in members])]
        mean = sub.groupby(["outcome", "year"], sort=True)["value"].mean().reset_index()
        frames.append(mean.assign(group=label))
    if not frames:
        return pd.DataFrame(columns=["outcome", "year", "group", "value"])
    return pd.concat(frames, ignore_index=True)[["outcome", "year", "group", "value"]]


def programme_summary(programmes: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Grants, budget and participants per regime and project year for the authorities ``codes``.

    ``codes``: an applicant id and/or its member municipalities.
    """
    sub = programmes[programmes["authority"].astype(str).isin([str(c) for c in codes])]
    if sub.empty:
        return pd.DataFrame(
            columns=["regime", "project_year", "grants", "budget_eur", "participants"]
        )
    grouped = (
        sub.groupby(["regime", "project_year"], sort=True)
        .agg(
            grants=("project_id", "count"),
            budget_eur=("budget_eur", "sum"),
            participants=("participants", "sum"),
        )
        .reset_index()
    )
    order = {"fragmented": 0, "consolidated": 1}
    return grouped.sort_values(
        ["regime", "project_year"],
        key=lambda s: s.map(order) if s.name == "regime" else s,
        kind="stable",
    ).reset_index(drop=True)


SHOWN_OUTCOMES = ("employment_rate", "dutch_a2_pass_rate", "liveability_index")
"""Outcomes an authority report plots, when the outcome table has them."""


def income_per_resident(income: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Net taxable income per resident per income year for named groups of municipalities.

    Pooled: sum of income / sum of residents. Wide: one column per label, index ``year``.
    """
    out = {}
    for label, members in groups.items():
        sub = income[income["refnis"].astype(str).isin([str(m) for m in members])]
        sums = sub.groupby("year")[["net_taxable_income", "residents"]].sum()
        out[label] = sums["net_taxable_income"] / sums["residents"].where(sums["residents"] > 0)
    return pd.DataFrame(out)


def subsidy_caps(rules: pd.DataFrame) -> pd.DataFrame:
    """Maximum subsidy one authority could claim per objective of a call (``call_rules``).

    Columns ``objective, actions, KPI rules, maximum (EUR)``, largest first, ties by objective.
    """
    grouped = (
        rules.groupby("objective", sort=True)
        .agg(actions=("action", "nunique"), rules=("rule_id", "count"), maximum=("max_eur", "sum"))
        .reset_index()
    )
    grouped["maximum"] = grouped["maximum"].round(0).astype("int64")
    grouped = grouped.sort_values(["maximum", "objective"], ascending=[False, True], kind="stable")
    return grouped.rename(columns={"rules": "KPI rules", "maximum": "maximum (EUR)"}).reset_index(
        drop=True
    )


def trend_window(
    frame: pd.DataFrame, index: str | list[str], years: int = TREND_YEARS
) -> tuple[int, int, pd.DataFrame]:
    """The trend's years and values: ``(first, last, wide)``.

    ``last`` is the latest year of ``frame`` (columns ``year``, ``value`` and ``index``), ``first =
    last - years`` and ``wide`` the mean ``value`` per ``index`` (rows) in those two years
    (columns).
    """
    last = int(frame["year"].max())
    first = last - years
    wide = frame[frame["year"].isin([first, last])].pivot_table(
        index=index, columns="year", values="value", aggfunc="mean"
    )
    return first, last, wide


def outcome_change_table(bench: pd.DataFrame, years: int = TREND_YEARS) -> pd.DataFrame:
    """Per outcome and group: the value ``years`` before the latest year, the latest, the change.

    The change is rounded to 2 decimals; flat columns, no index.
    """
    first, last, wide = trend_window(bench, ["outcome", "group"], years)
    wide = wide.reindex(columns=[first, last])
    out = wide.reset_index()
    out.columns = ["outcome", "group", str(first), str(last)]
    out["change"] = out[str(last)] - out[str(first)]
    out["outcome"] = out["outcome"].str.replace("_", " ")
    return out.round(2)


def _within(municipalities: pd.DataFrame, region: str | None) -> list[str] | None:
    """Codes of the municipalities of ``region`` (file order); None for every region."""
    if not region:
        return None
    rows = municipalities["region"].astype(str) == region
    return municipalities.loc[rows, "refnis"].astype(str).tolist()


def region_members(municipalities: pd.DataFrame, region: str | None = FLANDERS) -> list[str]:
    """Sorted codes of the municipalities of ``region`` (all of them when ``region`` is empty)."""
    return sorted(_within(municipalities, region) or municipalities["refnis"].astype(str))


def applicant_table(
    counts: pd.DataFrame,
    municipalities: pd.DataFrame,
    *,
    threshold: float,
    definition: str,
    year: int,
    partnerships: pd.DataFrame | None = None,
    inclusive: bool = False,
    region: str | None = FLANDERS,
    treatment: pd.DataFrame | None = None,
    outcomes: pd.DataFrame | None = None,
    outcome: str = KEY_OUTCOME,
) -> pd.DataFrame:
    """One row per applicant of ``region``: :func:`eligibility.eligible` on ``counts``, and more.

    Besides that: ``name`` filled for municipalities, ``cohort`` (first funded project year, NaN
    when never funded or without ``treatment``) and the outcome trend ``outcome_from``,
    ``outcome_to``, ``outcome_change`` (change of the members' mean ``outcome`` over
    :data:`TREND_YEARS` years, NaN without ``outcomes``).
    """
    table = eligibility.eligible(
        counts,
        threshold,
        definition,
        year,
        partnerships,
        inclusive,
        within=_within(municipalities, region),
    )
    names = dict(zip(municipalities["refnis"].astype(str), municipalities["name_nl"], strict=False))
    table["name"] = table["name"].where(table["name"].notna(), table["applicant"].map(names))
    table["name"] = table["name"].fillna(table["applicant"]).astype(str)
    table["cohort"] = _cohorts(treatment, table["members"])
    return _outcome_trend(table, outcomes, outcome)


def _cohorts(treatment: pd.DataFrame | None, members: pd.Series) -> list[float]:
    """First funded project year of each applicant (over its members); NaN when none."""
    if treatment is None:
        return [float("nan")] * len(members)
    cohort_of = treatment.groupby(treatment["refnis"].astype(str))["cohort"].min()
    return [float(cohort_of.reindex([str(m) for m in ms]).min()) for ms in members]


def _outcome_trend(
    table: pd.DataFrame, outcomes: pd.DataFrame | None, outcome: str
) -> pd.DataFrame:
    """Add ``outcome_from``, ``outcome_to``, ``outcome_change`` (NaN without outcome data)."""
    table["outcome_from"] = pd.NA
    table["outcome_to"] = pd.NA
    table["outcome_change"] = float("nan")
    if outcomes is None:
        return table
    frame = outcomes[outcomes["outcome"] == outcome]
    if not len(frame):
        return table
    first, last, wide = trend_window(frame, "refnis")
    if first in wide.columns and last in wide.columns:
        rows = [wide.reindex([str(m) for m in members]) for members in table["members"]]
        table["outcome_from"] = first
        table["outcome_to"] = last
        table["outcome_change"] = [float(r[last].mean() - r[first].mean()) for r in rows]
    return table
