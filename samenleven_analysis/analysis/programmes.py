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
disagree) live in ``reference/plan_samenleven.yaml``; :func:`facts` loads them.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import yaml

from samenleven_analysis.data import schemas
from samenleven_analysis.errors import DataError

FACTS_FILE = "plan_samenleven.yaml"
"""File name of the facts in the package's ``reference/`` folder."""

REGIMES = ("fragmented", "consolidated")
PROJECT_KEY = {"fragmented": "project_id", "consolidated": "programme"}
"""Column that identifies one project in each regime (module docstring)."""


# --------------------------------------------------------------------------- facts


@functools.lru_cache(maxsize=1)
def _facts_cached() -> dict[str, Any]:
    text = (
        importlib.resources.files("samenleven_analysis.data")
        .joinpath("reference", FACTS_FILE)
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    check_facts(data)
    return data


def check_facts(data: Mapping[str, Any]) -> None:
    """Raise :class:`DataError` unless every fact has a ``value`` and known ``source`` keys
    (also those listed under ``conflict``)."""
    sources = data.get("sources") or {}
    facts_ = data.get("facts") or {}
    if not facts_:
        raise DataError("no facts", file=FACTS_FILE)
    for key, entry in facts_.items():
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise DataError(f"fact {key!r} has no value", file=FACTS_FILE)
        refs = [entry.get("source")]
        refs += [c.get("source") for c in entry.get("conflict") or []]
        for ref in refs:
            if not ref:
                raise DataError(f"fact {key!r} has a value without a source", file=FACTS_FILE)
            for name in ref if isinstance(ref, list) else [ref]:
                if name not in sources:
                    raise DataError(f"fact {key!r} cites unknown source {name!r}", file=FACTS_FILE)
    for name, src in sources.items():
        if not isinstance(src, Mapping) or not src.get("citation"):
            raise DataError(f"source {name!r} has no citation", file=FACTS_FILE)


def facts() -> dict[str, Any]:
    """The Plan Samenleven facts: ``{"sources": {...}, "facts": {...}}`` (a fresh copy).

    Each fact has ``value``, ``source`` (keys of ``sources``, each with a descriptive
    ``citation`` and ``checked``), optionally ``unit``, ``note`` and ``conflict`` (other
    values with their sources where sources disagree).
    """
    return copy.deepcopy(_facts_cached())


def fact(key: str) -> Any:
    """The ``value`` of one fact, e.g. ``fact("threshold_residents") == 7500``."""
    entries = _facts_cached()["facts"]
    if key not in entries:
        raise KeyError(f"unknown fact {key!r}; known: {', '.join(sorted(entries))}")
    return copy.deepcopy(entries[key]["value"])


def citation(key: str) -> str:
    """The sources of one fact as one line of text (for captions and footnotes)."""
    data = _facts_cached()
    srcs = data["facts"][key]["source"]
    srcs = srcs if isinstance(srcs, list) else [srcs]
    return "; ".join(" ".join(str(data["sources"][s]["citation"]).split()) for s in srcs)


def facts_table() -> pd.DataFrame:
    """All facts as a table: ``fact, value, unit, sources, conflicting`` (for notebooks)."""
    data = _facts_cached()
    rows = []
    for key, entry in data["facts"].items():
        srcs = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
        others = [
            f"{c['value']} ({', '.join(c['source'] if isinstance(c['source'], list) else [c['source']])})"
            for c in entry.get("conflict") or []
        ]
        rows.append(
            {
                "fact": key,
                "value": str(entry["value"]),
                "unit": entry.get("unit", ""),
                "sources": ", ".join(srcs),
                "conflicting": "; ".join(others),
            }
        )
    return pd.DataFrame(rows)


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
    """Before/after table: one row per metric, columns ``metric`` (label), ``unit``
    (:data:`COMPARE_UNITS`), ``fragmented``, ``consolidated``, ``change`` (consolidated −
    fragmented) and ``ratio`` (consolidated / fragmented)."""
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


def plot_comparison(
    metric_table: pd.DataFrame,
    columns: Sequence[str] = PLOT_METRICS,
    *,
    caption: str | None = None,
    min_cell: int | None = None,
):
    """Small multiples of bar pairs (fragmented vs consolidated) for ``columns``.

    Returns the matplotlib Figure. Metrics that are all NaN (e.g. ``share_eligible`` without
    an eligibility result) are skipped. Bar labels of person counts (:data:`COMPARE_UNITS`
    ``persons``) pass through :func:`samenleven_analysis.analysis.disclosure.format_count`.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from samenleven_analysis.analysis import disclosure

    min_cell = disclosure.MIN_CELL_DEFAULT if min_cell is None else int(min_cell)
    per = metric_table.set_index("regime").reindex(list(REGIMES))
    cols = [c for c in columns if per[c].notna().any()]
    ncols = 3
    nrows = max(1, -(-len(cols) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, 3.0 * nrows), squeeze=False)
    colours = ("#9e9e9e", "#1f5fa8")
    for ax, col in zip(axes.flat, cols, strict=False):
        unit = COMPARE_UNITS.get(col, "count")
        values = per[col].astype(float)
        bars = ax.bar(list(REGIMES), values.to_numpy(), color=colours)
        ax.set_title(COMPARE_LABELS.get(col, col), fontsize=10)
        if unit == "persons":
            labels = [disclosure.format_count(v, min_cell) if pd.notna(v) else "" for v in values]
            labels = [f"{int(t):,}" if t.isdigit() else t for t in labels]
        else:
            labels = [_short(v, unit) for v in values]
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        ax.margins(y=0.2)
        if unit == "share":
            ax.set_ylim(0, 1.15)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos, unit=unit: _short(v, unit)))
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(cols) :]:
        ax.set_visible(False)
    if caption:
        fig.text(0.01, 0.005, caption, fontsize=7, ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.03 if caption else 0, 1, 1))
    return fig


def _short(value: float, unit: str = "count") -> str:
    """Compact label: shares as %, indices with 2 decimals, money and counts as 37 k / 2.0 M."""
    if pd.isna(value):
        return ""
    if unit == "share":
        return f"{value:.0%}"
    if unit == "index":
        return f"{value:.2f}"
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f} k"
    return f"{value:,.0f}"


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
