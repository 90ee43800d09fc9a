"""Power of the DiD design: the minimum detectable effect."""

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
from samenleven_analysis.analysis.estimators.did import did


def minimum_detectable_effect(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    treatment_time: int,
    *,
    cluster: str | None = None,
    post_periods: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> MinimumDetectableEffect:
    """Smallest true effect the DiD design would detect with probability ``power``.

    ``MDE = (z_{1-α/2} + z_{power}) · SE`` where SE is the CRV1 standard error of a DiD
    with the same treated group and ``post_periods`` post years (default: the number of
    years from ``treatment_time`` on in the panel), estimated on the pre-treatment years
    only with the last ``post_periods`` of them as fake post period — so no real effect
    enters the variance. Effects smaller than the MDE can easily be missed.
    """
    _check_columns(panel, [outcome, unit, time, treated])
    t = pd.to_numeric(panel[time])
    pre_years = sorted(t[t < treatment_time].unique())
    k = post_periods or max(1, int(t[t >= treatment_time].nunique()))
    k = min(k, max(1, len(pre_years) // 2))
    if len(pre_years) < 2:
        raise ValueError("need at least two pre-treatment years to estimate an MDE")
    fake = pre_years[-k]
    pre = panel[t < treatment_time].copy()
    pre["_fake_post"] = pd.to_numeric(pre[time]) >= fake
    e = did(pre, outcome, unit, time, treated, "_fake_post", cluster, inference="cluster")
    mult = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
    units = pre.drop_duplicates(unit)
    n_t = int(units[treated].astype(bool).sum())
    return MinimumDetectableEffect(
        mde=mult * e.se,
        se=e.se,
        alpha=alpha,
        power=power,
        multiplier=mult,
        n_treated=n_t,
        n_control=int(len(units) - n_t),
        pre_periods=len(pre_years) - k,
        post_periods=k,
        method=f"placebo DiD on pre-treatment years (fake post = {k} last pre years from {int(fake)}), CRV1 SE",
    )


