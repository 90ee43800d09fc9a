"""Sensitivity of an event-study effect to violations of parallel trends (Rambachan & Roth 2023).

Uses ``diff-diff``'s HonestDiD with the *smoothness* restriction Δ^SD(M): the slope of the
differential trend may change by at most ``M`` per period (``M = 0``: linear extrapolation of
the pre-trend). Its fixed-length confidence intervals reproduce the published HonestDiD
example to four decimals (tests/unit/analysis/estimators/test_inference.py). The relative-magnitudes variant is
not offered: diff-diff 3.13 builds it from the plug-in identified set ± z·SE instead of the
paper's conditional/hybrid test and does not reproduce the published intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from samenleven_analysis.analysis.estimators.common import (
    EventStudy,
    Fact,
    fact,
    quiet,
    single_thread_blas,
)

__all__ = [
    "DEFAULT_SE_GRID",
    "FLANDERS_CONVENTIONAL_COVERAGE",
    "FLANDERS_CONVENTIONAL_COVERAGE_DRAWS",
    "HonestSensitivity",
    "conventional_target",
    "honest_did",
]

FLANDERS_CONVENTIONAL_COVERAGE: dict[tuple[str, int], tuple[float, float]] = {
    ("level", 6): (0.828, 0.019),
    ("level", 28): (0.920, 0.014),
    ("rate", 6): (0.882, 0.016),
    ("rate", 28): (0.932, 0.013),
}
"""(outcome kind, funded) → (coverage, MC s.e.) of HonestDiD's conventional 95% interval (its
``M = 0`` starting point: the average post-period effect of the two-stage event study on the full
window ± 1.96 CRV1 standard errors) in the Plan's regime (scenarios ``flanders_{kind}_{n}_null``,
bench estimator ``honest_conventional``, :data:`FLANDERS_CONVENTIONAL_COVERAGE_DRAWS` draws;
docs/inference.md). The robust intervals widen this one and the breakdown value is read from
them, so they inherit the shortfall: the impact notebook does not show them."""

FLANDERS_CONVENTIONAL_COVERAGE_DRAWS = 400
"""Simulated draws behind :data:`FLANDERS_CONVENTIONAL_COVERAGE`."""


@dataclass
class HonestSensitivity:
    """Robust intervals for the average post-period effect over a grid of ``M``.

    ``table``: ``M``, ``ci_low``, ``ci_high``, ``excludes_zero``. ``breakdown``: the smallest
    ``M`` at which the robust interval includes zero (0 when even ``M = 0`` does; NaN when no
    ``M`` on the grid reaches zero). ``original``: the conventional interval of the target.
    """

    table: pd.DataFrame
    breakdown: float
    original: tuple[float, float]
    estimate: float
    se: float
    method: Fact
    extra: dict = field(default_factory=dict, repr=False)


def _as_results(es: EventStudy):
    """diff-diff's event-study container from our coefficients and covariance."""
    from diff_diff.results import MultiPeriodDiDResults, PeriodEffect

    c = es.coefs[es.coefs.rel_time != es.reference].sort_values("rel_time")
    vcov = es.extra["vcov"].loc[c.rel_time.tolist(), c.rel_time.tolist()].to_numpy()
    periods = [int(r) for r in c.rel_time]
    effects = {
        p: PeriodEffect(
            period=p,
            effect=float(b),
            se=float(s),
            t_stat=float(b / s),
            p_value=float(pv),
            conf_int=(float(lo), float(hi)),
        )
        for p, b, s, pv, lo, hi in zip(
            periods, c.estimate, c.se, c.pvalue, c.ci_low, c.ci_high, strict=True
        )
    }
    pre = [p for p in periods if p < es.reference] + [es.reference]
    post = [p for p in periods if p > es.reference]
    nan = float("nan")
    return MultiPeriodDiDResults(
        period_effects=effects,
        avg_att=nan,
        avg_se=nan,
        avg_t_stat=nan,
        avg_p_value=nan,
        avg_conf_int=(nan, nan),
        n_obs=es.n,
        n_treated=0,
        n_control=0,
        pre_periods=pre,
        post_periods=post,
        vcov=vcov,
        interaction_indices={p: i for i, p in enumerate(periods)},
        reference_period=es.reference,
    ), post


DEFAULT_SE_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
"""Default grid of M in multiples of the target's SE."""


def conventional_target(
    es: EventStudy, weights: np.ndarray | None = None
) -> tuple[np.ndarray, float, float]:
    """``(weights, estimate, SE)`` of the HonestDiD target without any restriction (``M = 0``).

    The target is ``weights`` on the post-period coefficients of ``es`` (default equal: their
    average); its SE comes from the event study's covariance (``extra["vcov"]``). What
    :func:`honest_did` starts from, and what the simulation study measures
    (:data:`FLANDERS_CONVENTIONAL_COVERAGE`).
    """
    post = sorted(int(r) for r in es.coefs.rel_time if r > es.reference)
    lvec = np.full(len(post), 1.0 / len(post)) if weights is None else np.asarray(weights, float)
    beta = es.coefs.set_index("rel_time").loc[post, "estimate"].to_numpy(dtype=float)
    vpost = es.extra["vcov"].loc[post, post].to_numpy(dtype=float)
    return lvec, float(lvec @ beta), float(np.sqrt(lvec @ vpost @ lvec))


def honest_did(
    es: EventStudy,
    *,
    m_grid: np.ndarray | list[float] | None = None,
    alpha: float = 0.05,
    weights: np.ndarray | None = None,
    se_grid: tuple[float, ...] | list[float] = DEFAULT_SE_GRID,
    extend_by: float = 2.0,
    extend_until: float = 256.0,
    bisections: int = 6,
) -> HonestSensitivity:
    """Rambachan–Roth smoothness sensitivity of the average post-period effect of ``es``.

    ``es`` needs ``extra["vcov"]`` (from :func:`event_study`) and the reference period
    right before treatment. ``weights``: the target as weights on the post coefficients
    (default equal: their average). The grid of ``M`` (outcome units per period²) is
    ``m_grid`` when given (used as it is), else ``se_grid`` × the target's SE, extended
    (``M`` × ``extend_by``) until the robust interval reaches zero or ``M`` passes
    ``extend_until`` × SE. The breakdown value is bracketed on the grid and refined by
    ``bisections`` bisection steps (each one fit); it is the upper end of the final bracket.
    """
    from diff_diff.honest_did import HonestDiD

    res, post = _as_results(es)
    lvec, est, se = conventional_target(es, weights)
    grid = (
        [float(k) * se for k in se_grid]
        if m_grid is None
        else [float(m) for m in np.asarray(m_grid, dtype=float)]
    )

    def ci(m: float) -> tuple[float, float]:
        # One BLAS thread around the optimiser, as for every estimator (docs/reproducibility.md).
        with quiet(), single_thread_blas():
            h = HonestDiD(method="smoothness", M=float(m), alpha=alpha, l_vec=lvec).fit(res)
        return float(h.ci_lb), float(h.ci_ub)

    def excludes(row: tuple[float, float, float]) -> bool:
        return row[1] > 0 or row[2] < 0

    rows = [(m, *ci(m)) for m in grid]
    # Extend the grid until the robust interval reaches zero, within reason.
    while m_grid is None and excludes(rows[-1]) and rows[-1][0] < extend_until * se:
        m = extend_by * rows[-1][0]
        rows.append((m, *ci(m)))
    table = pd.DataFrame(rows, columns=["M", "ci_low", "ci_high"])
    table["excludes_zero"] = (table.ci_low > 0) | (table.ci_high < 0)
    if not table.excludes_zero.iloc[0]:
        breakdown = 0.0
    elif table.excludes_zero.all():
        breakdown = float("nan")
    else:
        k = int(np.argmin(table.excludes_zero.to_numpy()))
        lo_m, hi_m = float(table.M.iloc[k - 1]), float(table.M.iloc[k])
        for _ in range(bisections):
            # between the last M whose interval excludes zero and the first that includes it
            mid = (lo_m + hi_m) / 2
            lo_m, hi_m = (mid, hi_m) if excludes((mid, *ci(mid))) else (lo_m, mid)
        breakdown = hi_m
    from scipy import stats

    q = float(stats.norm.ppf(1 - alpha / 2))
    return HonestSensitivity(
        table=table,
        breakdown=breakdown,
        original=(est - q * se, est + q * se),
        estimate=est,
        se=se,
        method=fact(
            "honest_did_smoothness",
            n_post=len(post),
            estimator=es.extra.get("estimator", "twfe"),
        ),
        extra={
            "n_pre": len(res.pre_periods) - 1,
            "n_post": len(post),
            "window": es.extra.get("window"),
        },
    )
