"""Synthetic control (pysyncon ``Synth``, weights solved exactly) with in-space placebos.

The donor weights are the exact minimiser of the scaled pre-period fit over the simplex
(:func:`simplex_least_squares`, an active-set NNLS), not an optimiser's stopping point: the
same inputs give the same weights on any CPU, BLAS kernel and thread count (see
docs/reproducibility.md for what moved before and by how much).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from samenleven_analysis.analysis.estimators.common import (  # noqa: F401
    FEW_CLUSTERS,
    Estimate,
    EventStudy,
    Fact,
    MinimumDetectableEffect,
    SyntheticControl,
    analysis_frame,
    check_columns,
    fact,
    integer_codes,
    measured_range,
    normalise_cohort,
    quiet,
    single_thread_blas,
    table_row,
    tidy_row,
    z_critical,
)

# --------------------------------------------------------------------------- synthetic control

FLANDERS_PLACEBO_REJECTION: dict[str, tuple[float, float]] = {
    "levels, 6-8 pre-years": (0.0, 0.0),
    "rates, 6-8 pre-years": (0.0, 0.0),
    "levels, 17-19 pre-years": (0.003, 0.003),
    "rates, 17-19 pre-years": (0.130, 0.019),
}
"""How often the in-space placebo test (p <= 0.05) rejects a true null (MC s.e.) in the
synthetic-control notebook's design: the single largest of 285 authorities funded, the 30 most
populous never-funded donors, demeaned fit, no effect (the bench's ``synthetic_control_flanders``
on ``sc_flanders_{level,rate}_null`` (100 draws) and ``..._null_long`` (300 draws);
docs/inference.md). In rates the largest authority is quieter than its donors, so its post/pre
ratio is not exchangeable with theirs and the test rejects far too often; in levels (noisier
than its donors) it almost never rejects. :func:`without_placebo_inference`."""

FLANDERS_RANK_INTERVAL_COVERAGE: dict[str, tuple[float, float]] = {
    "levels, 17-19 pre-years": (0.997, 0.003),
    "rates, 17-19 pre-years": (0.913, 0.017),
}
"""Coverage (MC s.e.) of the rank-test interval in the same long-series draws where it is bounded
(100% and 95% of draws); with 6-8 pre-years the donors fit exactly and it is never bounded."""


def without_placebo_inference(sc: SyntheticControl) -> SyntheticControl:
    """``sc`` without its placebo p-value and interval, with the reason as ``extra['ci_note']``.

    In the Plan's design neither holds its level (:data:`FLANDERS_PLACEBO_REJECTION`,
    :data:`FLANDERS_RANK_INTERVAL_COVERAGE`); the gap, the fit and the donors' placebo gaps stay
    (descriptive). The withheld values are kept in ``extra`` (``*_unreliable``).
    """
    from dataclasses import replace

    nan = float("nan")
    reject = measured_range(FLANDERS_PLACEBO_REJECTION)
    cover = measured_range(FLANDERS_RANK_INTERVAL_COVERAGE)
    extra = dict(sc.extra)
    extra.update(
        placebo_pvalue_unreliable=sc.placebo_pvalue,
        ci_unreliable=(sc.ci_low, sc.ci_high),
        inference_withheld=True,
        ci_note=fact(
            "sc_inference_withheld",
            reject_low=reject[0],
            reject_high=reject[1],
            cover_low=cover[0],
            cover_high=cover[1],
        ),
    )
    return replace(sc, placebo_pvalue=nan, ci_low=nan, ci_high=nan, se=nan, extra=extra)


def synthetic_control(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated_unit: Any,
    treatment_time: int,
    *,
    controls: Sequence[Any] | None = None,
    placebos: bool = True,
    optimize_v: bool = False,
    demean: bool = False,
    placebo_trim: float = 5.0,
    alpha: float = 0.05,
) -> SyntheticControl:
    """Synthetic control (Abadie, Diamond & Hainmueller 2010) with pysyncon's ``Synth``.

    Predictors are the outcome in every pre-treatment year; with ``optimize_v=False``
    they get equal importance (V = I, so the weights minimise the pre-period fit
    error — one quadratic programme over the simplex, solved exactly by
    :func:`simplex_least_squares`, so the weights do not depend on the CPU's BLAS kernel or
    thread count); ``optimize_v=True`` runs pysyncon's nested V optimisation (with the same
    exact inner solver). ``demean=True`` fits each unit's deviations from
    its own pre-period mean (the "demeaned" synthetic control, Doudchenko & Imbens 2016;
    Ferman & Pinto 2021): level differences are allowed, only the *paths* are matched —
    use it when the treated unit's level lies outside the donors' range (a large city),
    where plain weights would pile onto the most extreme donor. Donors: ``controls`` or every other unit with a
    complete series (units with gaps are dropped; see ``extra['dropped']``). In-space
    placebos re-fit every donor as if treated (donor pool = the other donors); the
    smallest attainable p-value is ``1 / (1 + donors)`` (``extra['min_pvalue']``), so with
    fewer than 19 donors it can never fall below 0.05. The placebo SE uses donors whose
    pre-period fit is within ``placebo_trim`` times the treated unit's. A donor fitted
    exactly before treatment (inside the other donors' convex hull; :data:`EXACT_FIT_TOL`)
    has an infinite post/pre ratio (``placebos['exact_fit']``); when such donors decide the
    rank test, the interval is NaN with ``extra['ci_note']`` saying it is unbounded.
    """
    check_columns(panel, [outcome, unit, time])
    data = panel[[unit, time, outcome]].copy()
    data[unit] = data[unit].astype(str)
    treated_unit = str(treated_unit)
    wide = data.pivot_table(index=time, columns=unit, values=outcome, aggfunc="first").sort_index()
    wide.index = wide.index.astype(int)
    if treated_unit not in wide.columns:
        raise KeyError(f"treated unit {treated_unit!r} not in the panel")
    if wide[treated_unit].isna().any():
        raise ValueError(f"treated unit {treated_unit!r} has missing years")
    pool = (
        [str(c) for c in controls]
        if controls is not None
        else [c for c in wide.columns if c != treated_unit]
    )
    pool = [c for c in pool if c != treated_unit]
    complete = [c for c in pool if c in wide.columns and wide[c].notna().all()]
    dropped = sorted(set(pool) - set(complete))
    if len(complete) < 2:
        raise ValueError("synthetic control needs at least two donors with complete series")
    pre = wide.index < treatment_time
    if pre.sum() < 2 or (~pre).sum() < 1:
        raise ValueError("need at least two pre-treatment periods and one post-treatment period")
    # Demeaning is per unit, so the same frame serves the fit and every placebo.
    fit_frame = wide - wide.loc[pre].mean() if demean else wide
    fit = _synth_fit(fit_frame, treated_unit, complete, pre, optimize_v)
    fit["synthetic"] = wide[treated_unit].to_numpy() - fit["gap"]
    gaps = pd.DataFrame(
        {
            "time": wide.index.to_numpy(),
            "treated": wide[treated_unit].to_numpy(),
            "synthetic": fit["synthetic"],
            "gap": fit["gap"],
            "post": ~pre,
        }
    )
    att = float(fit["gap"][~pre].mean())
    pre_rmspe = float(np.sqrt(np.mean(fit["gap"][pre] ** 2)))
    post_rmspe = float(np.sqrt(np.mean(fit["gap"][~pre] ** 2)))
    weights = pd.Series(fit["weights"], index=complete, name="weight")
    weights = weights[weights > 1e-6].sort_values(ascending=False)
    weights = weights / weights.sum()
    se = lo = hi = pval = placebo_se = float("nan")
    ci_note: Fact | None = None
    plac = pd.DataFrame()
    plac_gaps = pd.DataFrame()
    if placebos:
        rows, gap_cols = [], {}
        for c in complete:
            others = [d for d in complete if d != c]
            f = _synth_fit(fit_frame, c, others, pre, optimize_v)
            g = f["gap"]
            gap_cols[c] = g
            rows.append(
                {
                    "unit": c,
                    "pre_rmspe": float(np.sqrt(np.mean(g[pre] ** 2))),
                    "post_rmspe": float(np.sqrt(np.mean(g[~pre] ** 2))),
                    "att": float(g[~pre].mean()),
                    "exact_fit": bool(f["exact_fit"]),
                }
            )
        plac = pd.DataFrame(rows)
        # An exact pre-period fit has ratio ∞, not post/(rounding noise) (EXACT_FIT_TOL).
        plac["ratio"] = np.where(plac["exact_fit"], np.inf, plac["post_rmspe"] / plac["pre_rmspe"])
        plac_gaps = pd.DataFrame(gap_cols, index=wide.index)
        ratio = np.inf if fit["exact_fit"] or pre_rmspe <= 0 else post_rmspe / pre_rmspe
        pval = float((1 + np.sum(plac["ratio"].to_numpy() >= ratio)) / (1 + len(plac)))
        # Placebo SE from donors that can be fitted about as well as the treated unit
        # (pre-RMSPE at most `placebo_trim` times the treated one, the trimming of Abadie
        # et al. 2010): badly fitted donors (outside the convex hull) would swamp it.
        keep = plac[plac["pre_rmspe"] <= placebo_trim * max(pre_rmspe, 1e-12)]
        if len(keep) < 5:
            keep = plac
        placebo_se = float(keep["att"].std(ddof=1))
        lo, hi, ci_note = _rank_interval(
            fit["gap"], pre, plac["ratio"].to_numpy(), alpha, exact=fit["exact_fit"]
        )
    method = fact(
        "synthetic_control",
        variant="demeaned" if demean else "levels",
        v="optimised" if optimize_v else "equal",
    )
    # Fit diagnostic: a treated unit fitted much worse than the typical donor (outside the
    # convex hull) has a post-period gap that says little about an effect.
    median_placebo_pre = float(plac["pre_rmspe"].median()) if placebos else float("nan")
    poor_fit = bool(placebos and pre_rmspe > 2 * median_placebo_pre)
    return SyntheticControl(
        att=att,
        weights=weights,
        gaps=gaps,
        placebo_pvalue=pval,
        se=se,
        ci_low=lo,
        ci_high=hi,
        pre_rmspe=pre_rmspe,
        post_rmspe=post_rmspe,
        placebos=plac,
        placebo_gaps=plac_gaps,
        n=int(len(complete) + 1),
        method=method,
        extra={
            "dropped": dropped,
            "treated_unit": treated_unit,
            "treatment_time": int(treatment_time),
            "n_placebos_for_se": len(keep) if placebos else 0,
            "min_pvalue": 1.0 / (1 + len(plac)) if placebos else float("nan"),
            "median_placebo_pre_rmspe": median_placebo_pre,
            "poor_fit": poor_fit,
            "demean": demean,
            "placebo_se": placebo_se,
            "ci_note": ci_note,
            "exact_fit": bool(fit["exact_fit"]),
            "n_exact_placebos": int(plac["exact_fit"].sum()) if placebos else 0,
        },
    )


def _rank_interval(
    gap: np.ndarray, pre: np.ndarray, ratios: np.ndarray, alpha: float, *, exact: bool = False
) -> tuple[float, float, Fact | None]:
    """Constant effects ``b`` the placebo rank test does not reject.

    The interval, its p-value and the verdict then come from one procedure. Subtracting ``b`` from
    the post gaps leaves the donors' ratios unchanged; the treated ratio is ``sqrt(v + (att − b)²) /
    pre_rmspe`` (``v`` = variance of the post gaps), so the set is ``att ± sqrt((r_k · pre_rmspe)² −
    v)`` with ``r_k`` the k-th largest placebo ratio. NaN with a reason when too few donors make the
    set unbounded, when a donor fitted exactly before treatment (infinite ratio, see
    :data:`EXACT_FIT_TOL`) makes it unbounded, or when the test rejects every constant effect.
    ``exact``: the treated unit itself is fitted exactly (its ratio is infinite for every b).
    """
    post_gap, pre_rmspe = gap[~pre], float(np.sqrt(np.mean(gap[pre] ** 2)))
    att, v = float(post_gap.mean()), float(post_gap.var())
    n = len(ratios)
    k = int(np.floor(alpha * (1 + n) - 1)) + 1  # accept b when >= k placebo ratios >= its ratio
    nan = float("nan")
    if k <= 0:
        return nan, nan, fact("sc_too_few_donors", donors=n, alpha=alpha)
    n_exact = int(np.isinf(ratios).sum())
    if k > n:
        return nan, nan, fact("sc_rejects_every_effect")
    if n_exact >= k:
        return nan, nan, fact("sc_exact_donors_unbounded", donors=n_exact, alpha=alpha)
    if exact or pre_rmspe <= 0:
        return nan, nan, fact("sc_rejects_every_effect")
    r_k = float(np.sort(ratios)[::-1][k - 1])
    room = (r_k * pre_rmspe) ** 2 - v
    if room < 0:
        return nan, nan, fact("sc_gaps_too_variable")
    return att - np.sqrt(room), att + np.sqrt(room), None


WEIGHT_RIDGE = 1e-10
"""Ridge on the donor weights, in pysyncon's scaled units (every pre-period predictor has
standard deviation 1 across units): ``min ‖X₁ − X₀w‖²_V + WEIGHT_RIDGE·‖w‖²`` over the simplex.
It only breaks ties: when several weightings fit the pre-period equally well (a unit inside
the other units' convex hull), the most even one is chosen instead of whichever vertex an
optimiser happens to stop at. On a fit that has one best weighting it moves the weights by
less than 1e-8 (docs/reproducibility.md)."""

EXACT_FIT_TOL = 1e-6
"""Scaled pre-period RMSPE (root mean squared error in pysyncon's units, each pre year's
standard deviation across units = 1) at or below which a fit counts as exact. The weights
are solved to about 1e-12 in these units; an exact fit's RMSPE is then zero up to rounding,
so its post/pre ratio is infinite rather than a large number set by the last bits of
floating point (or, before, by SLSQP's stopping rule)."""


def simplex_least_squares(a: np.ndarray, b: np.ndarray, ridge: float = 0.0) -> np.ndarray:
    """``argmin ‖a·w − b‖² + ridge·‖w‖²`` over ``w ≥ 0, Σw = 1``, exactly (active set).

    With ``u = s·w`` (``s > 0``) the problem is a non-negative least squares problem in
    ``u``: ``min ‖[a − b·1ᵀ; √ridge·I; 1ᵀ]·u − [0; 0; 1]‖²``. For a fixed direction ``w``
    its value ``s²·q(w) + (s − 1)²`` is smallest at ``s = 1 / (1 + q(w))``, where it equals
    ``q / (1 + q)`` — increasing in ``q(w) = ‖a·w − b‖² + ridge·‖w‖²`` — so ``u / Σu`` is the
    simplex minimiser (no penalty weight to tune, no tolerance to reach). SciPy's ``nnls``
    (Lawson & Hanson's active-set algorithm) finishes in finitely many steps, from the same
    start every time, and its result does not depend on a stopping tolerance.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    n = a.shape[1]
    rows = [a - b[:, None]]
    if ridge > 0:
        rows.append(np.sqrt(ridge) * np.eye(n))
    rows.append(np.ones((1, n)))
    e = np.vstack(rows)
    f = np.zeros(e.shape[0])
    f[-1] = 1.0
    u, _ = nnls(e, f, maxiter=50 * max(n, 1))
    total = float(u.sum())
    if not np.isfinite(total) or total <= 0:
        raise ValueError("synthetic control weights could not be solved (degenerate predictors)")
    return u / total


def _exact_synth():
    """Pysyncon ``Synth`` whose inner weight problem is solved exactly.

    pysyncon keeps its semantics (each predictor row divided by its standard deviation
    across the donors and the treated unit; the outer V search when ``optimize_v``); only
    ``w_optimize`` — SLSQP from equal weights with scipy's default ``ftol = 1e-6``, whose
    stopping point moved with the BLAS kernel — is replaced by :func:`simplex_least_squares`.
    """
    from pysyncon import Synth

    class _ExactSynth(Synth):
        @staticmethod
        def w_optimize(V_mat, X0, X1, qp_method="SLSQP", qp_options=None):
            root_v = np.sqrt(np.clip(np.diag(np.asarray(V_mat, dtype=float)), 0.0, None))
            x0 = np.asarray(X0, dtype=float) * root_v[:, None]
            x1 = np.asarray(X1, dtype=float) * root_v
            w = simplex_least_squares(x0, x1, WEIGHT_RIDGE)
            # pysyncon's loss: 0.5·wᵀPw − qᵀw with P = X0ᵀVX0, q = X0ᵀVX1
            r = x0 @ w
            return w, float(0.5 * r @ r - x1 @ r)

    return _ExactSynth()


def _synth_fit(
    wide: pd.DataFrame, treated: str, controls: list[str], pre: np.ndarray, optimize_v: bool
) -> dict:
    Z0 = wide.loc[pre, controls]
    Z1 = wide.loc[pre, treated]
    # Predictors = pre-period outcomes (X = Z); pysyncon scales each predictor row by its sd.
    s = _exact_synth()
    # A few dozen weights: multi-threaded BLAS only adds overhead (and thread-count noise).
    with quiet(), single_thread_blas():
        if optimize_v:
            s.fit(X0=Z0, X1=Z1, Z0=Z0, Z1=Z1)
        else:
            s.fit(X0=Z0, X1=Z1, Z0=Z0, Z1=Z1, custom_V=np.ones(int(pre.sum())))
        w = np.asarray(s.W, dtype=float)
        synthetic = wide[controls].to_numpy() @ w
    gap = wide[treated].to_numpy() - synthetic
    # Exact fit? Judged in the units the weights were solved in (rows of equal spread).
    both = pd.concat([Z0, Z1], axis=1).to_numpy(dtype=float)
    sd = both.std(axis=1, ddof=1)
    ok = sd > 0
    scaled = (gap[pre][ok] / sd[ok]) if ok.any() else np.zeros(1)
    scaled_rmspe = float(np.sqrt(np.mean(scaled**2)))
    return {
        "weights": w,
        "synthetic": synthetic,
        "gap": gap,
        "exact_fit": scaled_rmspe <= EXACT_FIT_TOL,
        "scaled_pre_rmspe": scaled_rmspe,
    }
