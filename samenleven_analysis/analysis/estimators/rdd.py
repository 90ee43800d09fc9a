"""Regression discontinuity at the 7,500 threshold: rdrobust fits, density, balance, placebos."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from samenleven_analysis.analysis.estimators.common import (  # noqa: F401
    FEW_CLUSTERS,
    Estimate,
    EventStudy,
    Fact,
    MinimumDetectableEffect,
    SyntheticControl,
    analysis_frame,
    check_columns,
    check_se,
    fact,
    integer_codes,
    normalise_cohort,
    quiet,
    single_thread_blas,
    table_row,
    tidy_row,
    z_critical,
)

# --------------------------------------------------------------------------- RDD


DEFAULT_VCE = "hc3"
"""rdrobust's variance estimator in :func:`rdd` (without clusters): HC3, not rdrobust's own
nearest-neighbour default (``"nn"``, with which the published rdrobust examples are computed).
With ~10 authorities above 7,500 inside the bandwidth the NN variance is too small: in the
Flanders-like design (600 draws, docs/inference.md) the sharp interval covered the truth in
0.918 and 0.937 of draws with NN, 0.930 and 0.950 with HC3 (:data:`FLANDERS_SHARP_COVERAGE`),
and the balance check rejected a true null in 8.8% against 6.7%."""

MIN_SUPPORT = 10
"""Fewer effective units than this on either side inside rdrobust's bandwidth: local-polynomial
inference is not trusted and :func:`rdd` falls back to local randomisation inference; fewer
than this on either side of the local-randomisation window: descriptive only."""

FLANDERS_DRAWS = 600
"""Simulated draws behind the ``FLANDERS_*`` numbers of this module (Flanders-like threshold
design ``simulate_flanders_rdd``: 285 log-normal sizes, about 40 above 7,500; seeds spawned from
``DEFAULT_SEED``; docs/inference.md)."""

FLANDERS_SHARP_COVERAGE: dict[str, tuple[float, float]] = {
    "jump 0.55": (0.930, 0.010),
    "no jump": (0.950, 0.009),
}
"""Coverage (MC s.e.) of the interval :func:`rdd` gives the *sharp* (eligibility, ITT) estimate
(rdrobust's robust bias-corrected one with HC3 variance, or the local-randomisation fallback in
2.5–2.7% of draws) in the Flanders-like design (scenarios ``rdd_flanders`` and
``rdd_flanders_null`` of the bench's ``rdd_flanders_sharp``, :data:`FLANDERS_DRAWS` draws). With
rdrobust's NN variance 0.918 and 0.937; with the covariate ``pre`` passed to rdrobust 0.90 and
0.92."""

FLANDERS_FUZZY_COVERAGE: dict[str, tuple[float, float]] = {
    "interval reported": (0.387, 0.020),
    "coverage when reported": (0.970, 0.011),
    "Anderson–Rubin test rejects no effect when true": (0.052, 0.010),
}
"""The fuzzy estimate's Anderson–Rubin confidence set in the Flanders-like design (jump in
participation 0.55, effect 1; the bench's ``rdd_flanders``, :data:`FLANDERS_DRAWS` draws): the set
is bounded in 0.387 of draws (otherwise unbounded: no interval, with a note) and then covers the
effect in 0.970; its test of "no effect" rejects a true null (no jump, no effect:
``rdd_flanders_null``, draws with a p-value) in 5.2%. The delta-method interval it replaces covered 0.98 (too wide
with a weak first stage), and 0.94 with the covariate ``pre`` passed to rdrobust."""

FLANDERS_FIRST_STAGE_COVERAGE: dict[str, tuple[float, float]] = {
    "jump 0.55": (0.877, 0.013),
    "no jump": (0.940, 0.010),
}
"""Coverage (MC s.e.) of the interval of the fuzzy fit's own first stage (the jump in
participation at the fuzzy bandwidth) in the same draws (the bench's ``rdd_flanders_first_stage``):
below 95% with a jump, so the threshold notebook shows the jump without its interval."""

PLACEBO_CUTOFF_FACTORS = (0.5, 0.75, 1.5)
"""The threshold notebook's placebo cutoffs, as multiples of the real threshold. Not 2 × 7,500:
so few authorities lie above 15,000 that the test there compares units of very different sizes
(local randomisation with 10 per side; a difference in means picks up the outcome's slope in
size) and rejected a true null in 10.4% of :data:`FLANDERS_DRAWS` draws; removing a straight
line inside the window made it never reject (0 of 400 draws) and left no interval in 12%."""

FLANDERS_CHECK_REJECTION: dict[str, tuple[float, float]] = {
    "density": (0.030, 0.007),
    "balance": (0.067, 0.010),
    "placebo cutoff 3,750": (0.065, 0.010),
    "placebo cutoff 5,625": (0.052, 0.009),
    "placebo cutoff 11,250": (0.057, 0.009),
}
"""How often the threshold notebook's checks reject a true null at 5% (MC s.e.) in the
Flanders-like design (``simulate_flanders_rdd``, jump 0.55, effect 1; no sorting, a smooth
covariate ``pre``, nothing at the fake cutoffs; :data:`FLANDERS_DRAWS` draws,
docs/inference.md): :func:`rdd_density` on log(count), :func:`rdd_balance` of ``pre`` and
:func:`placebo_cutoffs` at :data:`PLACEBO_CUTOFF_FACTORS` × 7,500. All at most 7%. Measured by
:func:`samenleven_analysis.bench.simulation.rdd_check_sizes`."""

WEAK_F = 3.84
"""Weak-first-stage threshold on the fuzzy design's own first-stage F (the squared
conventional t of the jump in participation at the cutoff, same bandwidth and sample as the
fuzzy estimate): F < 3.84 = the jump is not significant at 5% (chi-squared(1)). In the
Flanders-like design (:data:`FLANDERS_DRAWS` draws, docs/inference.md) a first stage is wrongly
called strong in 6.2% (MC s.e. 1.0%) of no-jump draws; with a jump of 0.55 the flag fires in 44%
(with ~10 authorities above the cutoff in the bandwidth the jump is not reliably detectable;
an earlier study found no first-stage statistic that fires less often). When it fires, the
verdict reads the Anderson–Rubin p-value (the fuzzy estimate's own p-value, valid whatever the
first stage: :data:`FLANDERS_FUZZY_COVERAGE`)."""

LR_REPS = 1000
"""Permutations of the local-randomisation test (fixed seed :data:`LR_SEED`)."""

LR_SEED = 20150101
"""Seed of the local-randomisation permutations and window selection (reproducible bytes)."""

LR_BALANCE_LEVEL = 0.15
"""Window choice by covariate balance: the largest window in which every predetermined
covariate is balanced at p >= this (rdwinselect's default; Cattaneo, Titiunik &
Vazquez-Bare 2016)."""


def _rdrobust_kwargs(
    data: pd.DataFrame,
    cutoff: float,
    p: int,
    kernel: str,
    alpha: float,
    treatment: str | None,
    covariates: Sequence[str] | None,
    cluster: str | None,
    bandwidth: float | None,
    vce: str,
) -> dict[str, Any]:
    """The keyword arguments of :func:`rdd`'s ``rdrobust`` call on ``data``."""
    kwargs: dict[str, Any] = {"c": cutoff, "p": p, "kernel": kernel, "level": 100 * (1 - alpha)}
    if not cluster:  # with clusters rdrobust's cluster-robust variance
        kwargs["vce"] = vce
    if treatment:
        kwargs["fuzzy"] = data[treatment].astype(float).to_numpy()
    if covariates:
        kwargs["covs"] = data[list(covariates)].astype(float)
    if cluster:
        kwargs["cluster"] = integer_codes(data[cluster].astype(str))
    if bandwidth is not None:
        kwargs["h"] = float(bandwidth)
    return kwargs


def rdd(
    df: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    treatment: str | None = None,
    *,
    covariates: Sequence[str] | None = None,
    cluster: str | None = None,
    bandwidth: float | None = None,
    p: int = 1,
    kernel: str = "triangular",
    alpha: float = 0.05,
    vce: str = DEFAULT_VCE,
) -> Estimate:
    """Regression discontinuity at ``cutoff`` with rdrobust: sharp, or fuzzy if ``treatment``.

    Units with ``running >= cutoff`` are on the treated side (rdrobust's convention): for
    the Plan Samenleven rule "*more than* 7,500" on integer counts pass ``cutoff=7500.5``.
    Local polynomial of order ``p`` with an MSE-optimal bandwidth (unless ``bandwidth``),
    variance ``vce`` (:data:`DEFAULT_VCE`; with ``cluster`` rdrobust's cluster-robust one);
    the reported ``estimate`` is the conventional point estimate. Sharp: ``se``/interval/
    ``pvalue`` are the **robust bias-corrected** ones (Calonico, Cattaneo & Titiunik 2014).
    Fuzzy: interval and ``pvalue`` are the **Anderson–Rubin** confidence set and test (robust
    bias-corrected reduced form of outcome − effect × participation; :func:`_anderson_rubin`),
    valid whatever the first stage; NaN + note ``ar_set_unbounded`` when the set is unbounded
    (:data:`FLANDERS_FUZZY_COVERAGE`); the delta-method interval stays in
    ``extra["ci_delta_method"]``. ``n`` is the number of observations inside the bandwidth.
    ``extra`` holds bandwidths, counts by side, the bias-corrected estimate, conventional
    SE/interval and, for a fuzzy design, the first stage (jump in participation) as an
    :class:`Estimate`, its F (``first_stage_F``), ``weak_first_stage`` (F < :data:`WEAK_F`),
    the reduced form and the Anderson–Rubin p-value (``ar_pvalue``).

    **Fallback.** When rdrobust cannot select a bandwidth or estimate, or (with a data-driven
    bandwidth) fewer than :data:`MIN_SUPPORT` effective units lie on either side, the result
    is :func:`rdd_local_randomisation` (window chosen by balance of ``covariates`` when
    given), its ``method`` is the fact ``local_randomisation`` (window, permutations)
    and ``extra["fallback_reason"]`` says why. ``cluster`` is not used by the fallback.
    """
    check_columns(df, [outcome, running, treatment, cluster, *(covariates or [])])
    cols = (
        [outcome, running]
        + ([treatment] if treatment else [])
        + list(covariates or [])
        + ([cluster] if cluster else [])
    )
    data = df[cols].dropna()
    y = data[outcome].astype(float).to_numpy()
    x = data[running].astype(float).to_numpy()
    n_left, n_right = int((x < cutoff).sum()), int((x >= cutoff).sum())
    if n_left < 5 or n_right < 5:
        raise ValueError(
            f"too few observations on one side of the cutoff ({n_left} below, {n_right} at/above)"
        )
    kwargs = _rdrobust_kwargs(
        data, cutoff, p, kernel, alpha, treatment, covariates, cluster, bandwidth, vce
    )
    from rdrobust import rdrobust

    d = data[treatment].astype(float).to_numpy() if treatment else None
    z = data[list(covariates)].astype(float).to_numpy() if covariates else None
    try:
        with quiet():
            r = rdrobust(y, x, **kwargs)
        n_eff_try = [int(v) for v in r.N_h]
        h_try = float(r.bws.loc["h"].iloc[0])
        if not np.isfinite(h_try) or h_try <= 0:
            raise ValueError(f"bandwidth {h_try!r}")
    except Exception as err:  # rdrobust raises many kinds (singular matrices, empty bins)
        reason = fact("rdrobust_failed", error=_one_line(f"{type(err).__name__}: {err}"))
        return _lr_fallback(
            cluster,
            y,
            x,
            cutoff,
            d,
            z,
            alpha=alpha,
            reason=reason,
            n_sides=(n_left, n_right),
        )
    if min(n_eff_try) < MIN_SUPPORT and bandwidth is None:
        reason = fact(
            "rdrobust_thin_support",
            below=n_eff_try[0],
            above=n_eff_try[1],
            minimum=MIN_SUPPORT,
        )
        return _lr_fallback(
            cluster, y, x, cutoff, d, z, alpha=alpha, reason=reason, n_sides=(n_left, n_right)
        )
    est = float(r.coef.loc["Conventional"].iloc[0])
    se = float(r.se.loc["Robust"].iloc[0])
    lo, hi = (float(v) for v in r.ci.loc["Robust"].to_numpy())
    pv = float(r.pv.loc["Robust"].iloc[0])
    h_l, h_r = (float(v) for v in r.bws.loc["h"].to_numpy())
    b_l, b_r = (float(v) for v in r.bws.loc["b"].to_numpy())
    n_eff = [int(v) for v in r.N_h]
    extra: dict[str, Any] = {
        "h_left": h_l,
        "h_right": h_r,
        "b_left": b_l,
        "b_right": b_r,
        "n_left": n_left,
        "n_right": n_right,
        "n_eff_left": n_eff[0],
        "n_eff_right": n_eff[1],
        "bias_corrected": float(r.coef.loc["Bias-Corrected"].iloc[0]),
        "se_conventional": float(r.se.loc["Conventional"].iloc[0]),
        "ci_conventional": tuple(float(v) for v in r.ci.loc["Conventional"].to_numpy()),
        "cutoff": float(cutoff),
    }
    design = "fuzzy" if treatment else "sharp"
    variance = vce if not cluster else "cluster"
    ar_note: Fact | None = None
    if treatment:
        fs_est = float(np.asarray(r.tau_T).ravel()[0])
        fs_se = float(np.asarray(r.se_T).ravel()[-1])
        ci_t = np.asarray(r.ci_T)
        fs_lo, fs_hi = float(ci_t[-1, 0]), float(ci_t[-1, 1])
        fs_p = float(np.asarray(r.pv_T).ravel()[-1])
        extra["first_stage"] = Estimate(
            fs_est,
            fs_se,
            fs_lo,
            fs_hi,
            fs_p,
            sum(n_eff),
            fact("first_stage", where="bandwidth"),
        )
        # Weak-instrument-robust (Anderson–Rubin) test of "effect = tau": with one instrument
        # it is the reduced-form jump of outcome − tau × participation at the same bandwidth.
        # Its p at tau = 0 is the p-value, and the set of tau it accepts the interval, of the
        # fuzzy estimate: the delta-method interval covered the truth in 0.98 of Flanders-like
        # draws (weak first stage: too wide), the Anderson–Rubin set in FLANDERS_FUZZY_COVERAGE.
        rf_kwargs = {k: v for k, v in kwargs.items() if k != "fuzzy"}
        rf_kwargs["h"] = h_l
        assert d is not None
        rf, ar_lo, ar_hi, ar_note = _anderson_rubin(y, d, x, rf_kwargs, alpha)
        extra["reduced_form"] = Estimate(
            float(rf.coef.loc["Conventional"].iloc[0]),
            float(rf.se.loc["Robust"].iloc[0]),
            *(float(v) for v in rf.ci.loc["Robust"].to_numpy()),
            float(rf.pv.loc["Robust"].iloc[0]),
            int(sum(rf.N_h)),
            fact("reduced_form", variance=variance),
        )
        extra["ar_pvalue"] = extra["reduced_form"].pvalue
        extra["ci_delta_method"] = (lo, hi)
        lo, hi, pv = ar_lo, ar_hi, extra["ar_pvalue"]
        se = _half_width_se(lo, hi, alpha)
        # The fuzzy fit's own first-stage F: squared conventional t of the jump in
        # participation (same bandwidth and sample as the fuzzy estimate).
        fs_se_conv = float(np.asarray(r.se_T).ravel()[0])
        fs_f = (fs_est / fs_se_conv) ** 2 if fs_se_conv > 0 else float("nan")
        extra["first_stage_F"] = fs_f
        extra["weak_first_stage"] = not (np.isfinite(fs_f) and fs_f >= WEAK_F)
    # Conventional estimate; sharp: robust bias-corrected interval; fuzzy: Anderson–Rubin set.
    method = fact(
        "rdrobust",
        design=design,
        p=int(p),
        kernel=str(kernel),
        h=h_l,
        variance=variance,
    )
    out = Estimate(est, se, lo, hi, pv, sum(n_eff), method, extra)
    if treatment and ar_note is not None:
        out.add_note(ar_note)  # no interval; the Anderson–Rubin p at 0 stays valid
        if ar_note.code == "ar_set_empty":
            out.pvalue = float("nan")
    else:
        out = check_se(out)
    thin = min(n_eff) < MIN_SUPPORT
    extra["descriptive_only"] = thin
    if thin:
        out.add_note(fact("thin_support", below=n_eff[0], above=n_eff[1], minimum=MIN_SUPPORT))
    if treatment and extra.get("weak_first_stage"):
        out.add_note(
            fact("weak_first_stage", F=float(extra["first_stage_F"]), threshold=float(WEAK_F))
        )
    return out


def _half_width_se(low: float, high: float, alpha: float) -> float:
    """Half an inverted test's interval in normal units, NaN without an interval.

    An SE for display only: the inference is the test.
    """
    return (high - low) / (2 * z_critical(alpha)) if np.isfinite(low) else float("nan")


def _anderson_rubin(
    y: np.ndarray, d: np.ndarray, x: np.ndarray, rf_kwargs: dict[str, Any], alpha: float
) -> tuple[Any, float, float, Fact | None]:
    """Anderson–Rubin confidence set of a fuzzy RD.

    The effects tau whose reduced form (outcome − tau × participation) shows no jump at the
    cutoff at level ``alpha``. At fixed bandwidths the robust bias-corrected jump is linear in
    tau and its variance quadratic (the fit and its residuals are linear in the outcome), so
    three rdrobust fits (tau = −1, 0, 1) give the test for every tau, and the set solves a
    quadratic inequality (Fieller's form). Returns (rdrobust fit at tau = 0, low, high, note): NaN bounds with a
    note when the set is unbounded (the jump in participation is not significant) or empty.
    """
    from rdrobust import rdrobust

    fits = {}
    for tau in (-1.0, 0.0, 1.0):
        with quiet():
            fits[tau] = rdrobust(y - tau * d, x, **rf_kwargs)
    est = {t: float(f.coef.loc["Robust"].iloc[0]) for t, f in fits.items()}
    var = {t: float(f.se.loc["Robust"].iloc[0]) ** 2 for t, f in fits.items()}
    slope = (est[1.0] - est[-1.0]) / 2  # minus the bias-corrected jump in participation
    lin = (var[1.0] - var[-1.0]) / 2
    quad = (var[1.0] + var[-1.0]) / 2 - var[0.0]
    q2 = z_critical(alpha) ** 2
    # (est0 + slope·tau)² <= q2 · (var0 + lin·tau + quad·tau²)
    a = slope**2 - q2 * quad
    b = 2 * est[0.0] * slope - q2 * lin
    c = est[0.0] ** 2 - q2 * var[0.0]
    nan = float("nan")
    disc = b * b - 4 * a * c
    if a <= 0:
        return fits[0.0], nan, nan, fact("ar_set_unbounded")
    if disc < 0:
        return fits[0.0], nan, nan, fact("ar_set_empty")
    root = float(np.sqrt(disc))
    low, high = sorted(((-b - root) / (2 * a), (-b + root) / (2 * a)))
    return fits[0.0], float(low), float(high), None


def _lr_fallback(cluster: str | None, *args, **kwargs) -> Estimate:
    """:func:`rdd_local_randomisation`, saying so when a ``cluster`` was asked for.

    The randomisation test permutes units, not clusters.
    """
    out = rdd_local_randomisation(*args, **kwargs)
    if cluster:
        out.add_note(fact("units_not_clusters_permuted", cluster=cluster))
        out.extra["cluster_ignored"] = cluster
    return out


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _lr_window(
    xs: np.ndarray, cs: float, z: np.ndarray | None
) -> tuple[float, float, Fact, float | None]:
    """Symmetric local-randomisation window (on the tested scale) around ``cs``.

    With covariates: rdwinselect's largest window in which every covariate is balanced at
    p >= :data:`LR_BALANCE_LEVEL` (nested windows growing by two units per side from the
    :data:`MIN_SUPPORT` nearest per side). Without, or when no window is balanced: the
    smallest symmetric window holding :data:`MIN_SUPPORT` units on each side (the nearest
    neighbours of the cutoff). Returns (low, high, rule, smallest balance p-value).
    """
    dist = np.abs(xs - cs)
    left, right = np.sort(dist[xs < cs]), np.sort(dist[xs >= cs])
    k = min(MIN_SUPPORT, len(left), len(right))
    w0 = float(max(left[k - 1], right[k - 1])) * (1 + 1e-12)
    rule = fact("lr_window_smallest", units=MIN_SUPPORT)
    if z is not None and z.size:
        import warnings

        from rdlocrand import rdwinselect

        try:
            with quiet(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = rdwinselect(
                    xs,
                    z,
                    cutoff=cs,
                    obsmin=MIN_SUPPORT,
                    wobs=2,
                    nwindows=20,
                    level=LR_BALANCE_LEVEL,
                    reps=LR_REPS,
                    seed=LR_SEED,
                    quietly=True,
                )
            wl, wr = float(w["w_left"]), float(w["w_right"])
            res = w["results"]
            if np.isfinite(wl) and np.isfinite(wr):
                pmin = float(res.loc[res["w_right"] <= wr - cs + 1e-9, "p-value"].min())
                return (
                    wl,
                    wr,
                    fact("lr_window_balanced", level=LR_BALANCE_LEVEL),
                    pmin,
                )
            rule = fact("lr_window_unbalanced", level=LR_BALANCE_LEVEL, units=MIN_SUPPORT)
        except Exception as err:
            rule = fact("lr_window_failed", error=_one_line(str(err)), units=MIN_SUPPORT)
    return cs - w0, cs + w0, rule, None


def _perm_test_grid(
    yw: np.ndarray, tw: np.ndarray, zw: np.ndarray, taus: np.ndarray, reps: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fisher randomisation test of H0: Y(1) − Y(0) = tau·T for every ``tau``.

    The statistic is the difference in means of ``yw − tau·tw`` between sides, permuting the side
    labels ``zw`` (complete randomisation within the window, the same ``reps`` permutations for
    every tau). Returns (observed statistics, two-sided p-values).
    """
    rng = np.random.default_rng(seed)
    n1 = int(zw.sum())
    n = len(zw)
    perms = np.zeros((reps, n))
    for i in range(reps):
        perms[i, rng.permutation(n)[:n1]] = 1.0

    def dm(lab):
        return lab @ yw / n1 - (1 - lab) @ yw / (n - n1), lab @ tw / n1 - (1 - lab) @ tw / (n - n1)

    oy, ot = dm(zw.astype(float))
    py, pt = dm(perms)
    obs = oy - taus * ot
    null = py[:, None] - pt[:, None] * taus[None, :]
    pv = ((np.abs(null) >= np.abs(obs)[None, :] - 1e-12).sum(axis=0) + 1) / (reps + 1)
    return obs, pv


def _accepted_interval(
    taus: np.ndarray, pv: np.ndarray, alpha: float
) -> tuple[float, float, Fact | None]:
    """The interval of constant effects ``taus`` the test accepts (p > ``alpha``).

    NaN with a note when the accepted set touches the grid's edge, is not connected, is
    empty, or there is no finite estimate (a grid of one).
    """
    nan = float("nan")
    acc = pv > alpha
    if len(taus) > 1 and acc.any():
        idx = np.flatnonzero(acc)
        if idx[0] == 0 or idx[-1] == len(taus) - 1:
            return nan, nan, fact("lr_set_at_grid_edge")
        if (np.diff(idx) != 1).any():
            return nan, nan, fact("lr_set_not_interval")
        return float(taus[idx[0]]), float(taus[idx[-1]]), None
    if len(taus) > 1:
        return nan, nan, fact("lr_no_effect_accepted")
    return nan, nan, fact("lr_no_finite_estimate")


def rdd_local_randomisation(
    y: np.ndarray,
    x: np.ndarray,
    cutoff: float,
    d: np.ndarray | None = None,
    z: np.ndarray | None = None,
    *,
    alpha: float = 0.05,
    reason: Fact | None = None,
    n_sides: tuple[int, int] | None = None,
    reps: int = LR_REPS,
    seed: int = LR_SEED,
) -> Estimate:
    """Local randomisation inference at the cutoff (Cattaneo, Frandsen & Titiunik 2015).

    Inside a window around the cutoff, which side a unit falls on is treated as if
    randomly assigned. The window is chosen by covariate balance (rdlocrand's rdwinselect,
    see :func:`_lr_window`) when covariates ``z`` are given. A positive running variable
    is windowed on the log scale (symmetric in ratio, e.g. [c/k, c·k]: on skewed counts a
    symmetric window in levels holds few units above the cutoff and many below).
    The statistic is the difference in means between sides; the p-value is a Fisher
    randomisation p-value (``reps`` seeded permutations) and the interval inverts the same
    test for a constant effect over a grid (for a fuzzy design with participation ``d``,
    the Anderson–Rubin form: H0 Y − tau·D balanced; the estimate is the Wald ratio).
    The interval is NaN + note when the accepted set touches the grid's edge or is not
    connected. ``extra`` holds the window (original units), n per side, the selection rule,
    the reason for the fallback and, for a fuzzy design, the first stage and its F.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    log = bool((x > 0).all() and cutoff > 0)
    xs, cs = (np.log(x), float(np.log(cutoff))) if log else (x, float(cutoff))
    lo_s, hi_s, rule, pmin = _lr_window(xs, cs, z)
    inw = (xs >= lo_s) & (xs <= hi_s)
    zw = (xs[inw] >= cs).astype(float)
    yw = y[inw]
    n0, n1 = int((zw == 0).sum()), int((zw == 1).sum())
    to_x = np.exp if log else (lambda v: v)
    wl, wr = float(to_x(lo_s)), float(to_x(hi_s))
    extra: dict[str, Any] = {
        "fallback": "local_randomisation",
        "fallback_reason": reason,
        "window": (wl, wr),
        "window_rule": rule,
        "window_scale": "log" if log else "level",
        "window_balance_min_p": pmin,
        "n_window_left": n0,
        "n_window_right": n1,
        "n_eff_left": n0,
        "n_eff_right": n1,
        "cutoff": float(cutoff),
        "reps": int(reps),
        "seed": int(seed),
    }
    if n_sides is not None:
        extra["n_left"], extra["n_right"] = n_sides
    design = "fuzzy" if d is not None else "sharp"
    # Difference in means, Fisher randomisation test (Anderson–Rubin form when fuzzy).
    method = fact(
        "local_randomisation", design=design, low=wl, high=wr, reps=int(reps), fuzzy=d is not None
    )
    if min(n0, n1) < 2:
        extra["descriptive_only"] = True
        return Estimate(
            float("nan"),
            float("nan"),
            float("nan"),
            float("nan"),
            float("nan"),
            n0 + n1,
            method,
            extra,
            (
                *([reason] if reason else []),
                fact("lr_no_inference", below=n0, above=n1),
            ),
        )
    tw = d[inw].astype(float) if d is not None else zw
    dy = yw[zw == 1].mean() - yw[zw == 0].mean()
    dt = tw[zw == 1].mean() - tw[zw == 0].mean()

    def welch(v):
        a, b = v[zw == 1], v[zw == 0]
        return (
            float(np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
            if min(len(a), len(b)) > 1
            else float("nan")
        )

    est = dy / dt if d is not None and dt != 0 else (dy if d is None else float("nan"))
    se_asy = welch(yw) / abs(dt) if d is not None and dt != 0 else welch(yw)
    if d is not None:
        fs_se = welch(tw)
        fs_f = (dt / fs_se) ** 2 if fs_se > 0 else float("nan")
        _, fs_p = _perm_test_grid(tw, zw, zw, np.array([0.0]), reps, seed)
        extra["first_stage"] = Estimate(
            dt,
            fs_se,
            dt - z_critical(alpha) * fs_se,
            dt + z_critical(alpha) * fs_se,
            float(fs_p[0]),
            n0 + n1,
            fact("first_stage", where="window"),
        )
        extra["first_stage_F"] = fs_f
        extra["weak_first_stage"] = not (np.isfinite(fs_f) and fs_f >= WEAK_F)
    if not np.isfinite(est) or not np.isfinite(se_asy) or se_asy <= 0:
        taus = np.array([0.0])
    else:
        taus = np.linspace(est - 6 * se_asy, est + 6 * se_asy, 241)
        taus = np.unique(np.append(taus, 0.0))
    _, pv = _perm_test_grid(yw, tw, zw, taus, reps, seed)
    p0 = float(pv[taus == 0.0][0])
    lo, hi, note = _accepted_interval(taus, pv, alpha)
    weak = None
    if d is not None and extra.get("weak_first_stage"):
        extra["ar_pvalue"] = p0
        weak = fact(
            "weak_first_stage_window", F=float(extra["first_stage_F"]), threshold=float(WEAK_F)
        )
    if d is not None:
        extra["ar_pvalue"] = p0
    se = _half_width_se(lo, hi, alpha)
    thin = min(n0, n1) < MIN_SUPPORT
    extra["descriptive_only"] = thin
    head = fact("lr_window", low=wl, high=wr, below=n0, above=n1, reason=reason)
    thin_note = fact("lr_thin", minimum=MIN_SUPPORT) if thin else None
    out = Estimate(
        float(est),
        se,
        lo,
        hi,
        p0 if np.isfinite(lo) or note else p0,
        n0 + n1,
        method,
        extra,
        tuple(f for f in (head, thin_note, note, weak) if f is not None),
    )
    if not np.isfinite(lo):
        out.se = out.ci_low = out.ci_high = out.pvalue = float("nan")
    return out


def first_stage(
    df: pd.DataFrame,
    treatment: str,
    running: str,
    cutoff: float,
    outcome: str | None = None,
    **kwargs,
) -> Estimate:
    """Jump in the probability of treatment (participation) at the cutoff.

    With ``outcome``: the fuzzy fit's *own* first stage (same bandwidth and sample as the fuzzy
    estimate); without: a separate sharp RD of ``treatment`` (its own bandwidth). 1 = a sharp
    design.
    """
    if outcome is not None:
        return rdd(df, outcome, running, cutoff, treatment, **kwargs).extra["first_stage"]
    return rdd(df, treatment, running, cutoff, **kwargs)


def rdd_support(df: pd.DataFrame, running: str, cutoff: float, window: float) -> dict[str, int]:
    """How many units lie within ``±window`` of the cutoff on each side (and in total)."""
    x = pd.to_numeric(df[running], errors="coerce").dropna()
    below = int(((x >= cutoff - window) & (x < cutoff)).sum())
    above = int(((x >= cutoff) & (x <= cutoff + window)).sum())
    return {"below": below, "above": above, "total": below + above, "n": len(x)}


def rdd_density(
    df: pd.DataFrame, running: str, cutoff: float, *, log: bool = True
) -> dict[str, float]:
    """Manipulation test of the running variable's density at the cutoff.

    rddensity, Cattaneo, Jansson & Ma 2020. A small p-value suggests sorting around the cutoff.
    ``log=True`` (default) tests ``log(count)`` at ``log(cutoff)``: on a skewed count the
    local-polynomial density fit mistakes the steep slope for a jump (the raw test rejected two
    thirds of simulated no-manipulation draws, the log test about 3%). Returns ``t``, ``pvalue``
    (jackknife), bandwidths (on the tested scale), effective counts by side.
    """
    from rddensity import rddensity

    x = pd.to_numeric(df[running], errors="coerce").dropna().to_numpy(dtype=float)
    if log:
        if (x <= 0).any() or cutoff <= 0:
            raise ValueError("log density test needs a positive running variable and cutoff")
        x, cutoff = np.log(x), float(np.log(cutoff))
    with quiet():
        r = rddensity(X=x, c=cutoff)
    h = r.h
    n = r.n
    return {
        "t": float(r.test["t_jk"]),
        "pvalue": float(r.test["p_jk"]),
        "h_left": float(h["left"]),
        "h_right": float(h["right"]),
        "n_eff_left": int(n["eff_left"]),
        "n_eff_right": int(n["eff_right"]),
    }


def rdd_balance(
    df: pd.DataFrame, covariates: Sequence[str], running: str, cutoff: float, **kwargs
) -> pd.DataFrame:
    """Covariate balance: a sharp RD of each pre-determined covariate on the running variable.

    Jumps (small p) cast doubt on the design. Rows that cannot be estimated (too few units) carry
    NaN and a ``note``.
    """
    rows = []
    for cov in covariates:
        rows.append(table_row({"covariate": cov}, partial(rdd, df, cov, running, cutoff, **kwargs)))
    return pd.DataFrame(rows)


def placebo_cutoffs(
    df: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    placebo: Sequence[float],
    **kwargs,
) -> pd.DataFrame:
    """Sharp RD at fake cutoffs where nothing should happen (Imbens & Lemieux 2008).

    A placebo cutoff below the true one uses only units below the true cutoff (and vice
    versa), so the real jump cannot leak in. Rows that cannot be estimated carry NaN and
    a ``note`` (e.g. too few units), instead of failing the whole table.
    """
    rows = []
    x = pd.to_numeric(df[running], errors="coerce")
    for c in placebo:
        side = df[x < cutoff] if c < cutoff else df[x >= cutoff]
        rows.append(
            table_row(
                {"cutoff": float(c)}, partial(rdd, side, outcome, running, float(c), **kwargs)
            )
        )
    return pd.DataFrame(rows)
