"""Synthetic difference-in-differences (Arkhangelsky et al. 2021) per cohort, via diff-diff.

Each cohort is compared with the never-treated units on the years up to the panel's end
(other cohorts left out); cohort ATTs are pooled with the Callaway–Sant'Anna "simple" weights
(cohort size × post years) so that the number sits beside :func:`staggered_did`. Standard
errors: diff-diff's placebo variance (Algorithm 4 of the paper: never-treated units re-assigned
as treated), pooled as if cohorts were independent (they share controls; a note says so).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from samenleven_analysis.analysis.estimators.common import (
    Estimate,
    analysis_frame,
    check_columns,
    check_se,
    cohorts_within_panel,
    fact,
    normalise_cohort,
    quiet,
    single_thread_blas,
    without_inference,
)
from samenleven_analysis.facts import DEFAULT_SEED

__all__ = ["FLANDERS_PLACEBO_COVERAGE", "FLANDERS_PLACEBO_COVERAGE_DRAWS", "synthetic_did"]

FLANDERS_PLACEBO_COVERAGE: dict[tuple[str, int], tuple[float, float]] = {
    ("level", 6): (0.610, 0.076),
    ("level", 28): (0.683, 0.073),
    ("rate", 6): (1.0, 0.0),
    ("rate", 28): (1.0, 0.0),
}
"""(outcome kind, funded authorities) → (coverage, MC s.e.) of the placebo-variance interval of
the true effect 0 in the Plan's regime (scenarios ``flanders_{kind}_{n}_null`` of the simulation
study: 285 authorities, the largest funded, AR(1) ρ = 0.5; :data:`FLANDERS_PLACEBO_COVERAGE_DRAWS`
draws, 30 placebo draws each; docs/inference.md). The placebo units are drawn from the
never-treated, which in levels are quieter than the funded largest authorities (the interval is
too short) and in rates noisier (too long): the impact notebook prints no SDID interval."""

FLANDERS_PLACEBO_COVERAGE_DRAWS = 41
"""Simulated draws behind :data:`FLANDERS_PLACEBO_COVERAGE`."""


def synthetic_did(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    reps: int = 200,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    inference: bool = True,
) -> Estimate:
    """SDID ATT pooled over cohorts, with placebo standard errors (``reps`` placebo draws).

    ``extra["cohort"]``: per-cohort ``estimate, se, n_treated, post_years``. With no more
    never-treated than treated units in a cohort the placebo SE is undefined: that cohort's
    SE is NaN and so is the pooled inference (with a note).

    ``inference=False``: the point estimate only (NaN SE, interval and p-value), without the
    placebo draws (the same estimate: the placebo variance does not touch the weights), for a
    design where the placebo interval is known not to hold its level
    (:data:`FLANDERS_PLACEBO_COVERAGE`).
    """
    from diff_diff import SyntheticDiD

    check_columns(panel, [cohort])
    df = analysis_frame(panel, outcome, unit, time, None)
    g, late = cohorts_within_panel(normalise_cohort(panel.loc[df.index, cohort]), df["_time"])
    df["_g"] = g.to_numpy()
    if df["_g"].isna().all() or df["_g"].notna().all():
        raise ValueError("synthetic DiD needs treated and never-treated units")
    years = np.sort(df["_time"].unique())
    rows = []
    for k, c in enumerate(sorted(df["_g"].dropna().unique())):
        sub = df[df["_g"].isna() | df["_g"].eq(c)].copy()
        sub["_tr"] = sub["_g"].eq(c).astype(int)
        n1 = int(sub.loc[sub._tr == 1, "_unit"].nunique())
        post = [int(y) for y in years if y >= c]
        if (years < c).sum() < 2:
            continue
        # One BLAS thread (threadpoolctl): no result may depend on the machine's thread count.
        with quiet(), single_thread_blas():
            r = SyntheticDiD(
                variance_method="placebo",
                # diff-diff's minimum of 2 placebo draws when no SE is wanted
                n_bootstrap=int(reps) if inference else 2,
                seed=int(seed) + k,
                alpha=alpha,
            ).fit(sub, outcome="_y", treatment="_tr", unit="_unit", time="_time", post_periods=post)
        rows.append(
            {
                "cohort": int(c),
                "estimate": float(r.att),
                "se": float(r.se),
                "n_treated": n1,
                "post_years": len(post),
            }
        )
    if not rows:
        raise ValueError("no cohort with at least two pre-treatment years")
    tab = pd.DataFrame(rows)
    w = tab.n_treated * tab.post_years
    w = w / w.sum()
    est = float((w * tab.estimate).sum())
    se = float(np.sqrt((w**2 * tab.se**2).sum()))
    q = float(stats.norm.ppf(1 - alpha / 2))
    extra: dict[str, Any] = {
        "cohort": tab,
        "late_cohorts": late,
        "placebo_reps": int(reps),
        "n_treated_units": int(tab.n_treated.sum()),
    }
    if not inference:
        nan = float("nan")
        return Estimate(est, nan, nan, nan, nan, len(df), fact("sdid_point"), extra)
    method = fact("sdid", reps=int(reps))
    p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
    out = check_se(Estimate(est, se, est - q * se, est + q * se, p, len(df), method, extra))
    if not out.has_inference:
        return without_inference(out, fact("sdid_placebo_se_undefined"))
    if len(tab) > 1:
        out.notes = (fact("sdid_pooled_se_independent"),)
    return out
