"""Callaway–Sant'Anna staggered-adoption ATT (differences ``ATTgt``)."""

from __future__ import annotations

import pandas as pd
from scipy import stats

from samenleven_analysis.analysis.estimators.common import (  # noqa: F401
    FEW_CLUSTERS,
    Estimate,
    EventStudy,
    MinimumDetectableEffect,
    SyntheticControl,
    _check_columns,
    _codes,
    _fmt_p,
    _frame,
    _normalise_cohort,
    _quiet,
    _single_thread_blas,
    _table_row,
    _tidy_row,
    _z,
)

# --------------------------------------------------------------------------- Callaway–Sant'Anna


def staggered_did(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    control_group: str = "never_treated",
    est_method: str = "reg",
    alpha: float = 0.05,
) -> Estimate:
    """Callaway & Sant'Anna (2021) group-time ATTs, aggregated to one overall ATT.

    Uses ``differences.ATTgt`` (outcome regression by default; ``est_method="dr"`` for
    doubly robust) with ``control_group`` ``"never_treated"`` or ``"not_yet_treated"``; the
    overall ATT is the ``"simple"`` aggregation (group-size weighted average of
    post-treatment ATT(g, t)), with analytic influence-function SEs clustered by unit and
    a normal interval. ``extra["event"]`` holds the event-time aggregation (``rel_time,
    estimate, se, ci_low, ci_high``), ``extra["cohort"]`` the per-cohort ATTs and
    ``extra["group_time"]`` the ATT(g, t) table.
    """
    _check_columns(panel, [cohort])
    df = _frame(panel, outcome, unit, time, None)
    df["_g"] = _normalise_cohort(panel.loc[df.index, cohort]).to_numpy()
    if df["_g"].notna().sum() == 0:
        raise ValueError("no treated units (all cohorts are 0/NaN)")
    if control_group == "never_treated" and df["_g"].isna().sum() == 0:
        raise ValueError("no never-treated units: use control_group='not_yet_treated'")
    from differences import ATTgt

    data = df[["_unit", "_time", "_y", "_g"]].copy()
    data["_time"] = data["_time"].astype(int)
    data = data.set_index(["_unit", "_time"]).sort_index()
    with _quiet():
        att = ATTgt(data=data, cohort_column="_g")
        att.fit(formula="_y", est_method=est_method, control_group=control_group, alpha=alpha, progress_bar=False)
        simple = att.aggregate("simple", alpha=alpha)
        event = att.aggregate("event", alpha=alpha)
        by_cohort = att.aggregate("cohort", alpha=alpha)
        gt = att.results()
    s = simple.iloc[0]
    est = float(s.xs("ATT", level=2).iloc[0])
    se = float(s.xs("std_error", level=2).iloc[0])
    lo = float(s.xs("lower", level=2).iloc[0])
    hi = float(s.xs("upper", level=2).iloc[0])
    p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
    extra = {
        "event": _flatten_agg(event, "rel_time"),
        "cohort": _flatten_agg(by_cohort, "cohort"),
        "group_time": _flatten_agg(gt, None),
        "control_group": control_group,
        "n_units": int(df["_unit"].nunique()),
        "n_treated_units": int(df.loc[df["_g"].notna(), "_unit"].nunique()),
    }
    method = f"Callaway–Sant'Anna ATT (differences ATTgt, {est_method}, {control_group.replace('_', '-')} controls), simple aggregation"
    return Estimate(est, se, lo, hi, p, len(df), method, extra)


def _flatten_agg(frame: pd.DataFrame, index_name: str | None) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "estimate": frame.xs("ATT", axis=1, level=2).iloc[:, 0].astype(float),
            "se": frame.xs("std_error", axis=1, level=2).iloc[:, 0].astype(float),
            "ci_low": frame.xs("lower", axis=1, level=2).iloc[:, 0].astype(float),
            "ci_high": frame.xs("upper", axis=1, level=2).iloc[:, 0].astype(float),
        }
    )
    out = out.reset_index()
    if index_name is not None:
        out = out.rename(columns={out.columns[0]: index_name})
        if index_name in ("rel_time", "cohort"):
            out[index_name] = out[index_name].astype(int)
    return out


