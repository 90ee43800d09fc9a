"""Two-way fixed-effects DiD with cluster, wild-bootstrap and randomisation inference,
and the DiD placebo tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
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

# --------------------------------------------------------------------------- DiD


def did(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    *,
    inference: str = "auto",
    reps: int = 9999,
    seed: int = 20221001,
    alpha: float = 0.05,
) -> Estimate:
    """Two-way fixed-effects difference-in-differences: ``y ~ treated×post | unit + time``.

    ``treated`` and ``post`` are boolean/0-1 columns; their product is the treatment
    indicator (``post`` may be unit-specific, e.g. ``year >= cohort``, for staggered
    adoption — but then prefer :func:`staggered_did`, which is robust to heterogeneous
    effects). Standard errors are CRV1, clustered by ``cluster`` (default: ``unit``), with
    a t(G − 1) interval (pyfixest).

    ``inference``: ``"cluster"`` (CRV1 p-value), ``"wild"`` (wild cluster *restricted*
    bootstrap p-value, Webb weights, ``reps`` draws, via wildboottest), ``"ri"``
    (randomisation inference over units' treatment paths, ``min(reps, 1999)`` draws), or
    ``"auto"`` = wild when fewer than :data:`FEW_CLUSTERS` clusters are treated, else
    cluster. The interval stays the CRV1 one (wildboottest gives no interval); ``extra``
    holds every p-value computed and the cluster counts. Seeds are fixed: same data, same
    numbers.
    """
    _check_columns(panel, [treated, post])
    df = _frame(panel, outcome, unit, time, cluster)
    tr = panel.loc[df.index, treated].astype(bool).to_numpy()
    po = panel.loc[df.index, post].astype(bool).to_numpy()
    df["_d"] = (tr & po).astype(float)
    if df["_d"].nunique() < 2:
        raise ValueError("no variation in treated × post: nothing to estimate")
    import pyfixest as pf

    with _quiet():
        fit = pf.feols("_y ~ _d | _u + _t", data=df, vcov={"CRV1": "_cl"})
    est, se, lo, hi, p_cl = _tidy_row(fit, "_d")
    if alpha != 0.05:
        g = df["_cl"].nunique()
        q = float(stats.t.ppf(1 - alpha / 2, g - 1))
        lo, hi = est - q * se, est + q * se
    n_clusters = int(df["_cl"].nunique())
    n_treated_clusters = int(df.loc[df["_d"] > 0, "_cl"].nunique())
    mode = inference
    if mode == "auto":
        mode = "wild" if n_treated_clusters < FEW_CLUSTERS else "cluster"
    extra: dict[str, Any] = {
        "n_clusters": n_clusters,
        "n_treated_clusters": n_treated_clusters,
        "n_units": int(df["_u"].nunique()),
        "pvalue_cluster": p_cl,
        "inference": mode,
    }
    pvalue = p_cl
    method = "TWFE DiD (pyfixest), CRV1 SE clustered by " + (cluster or unit)
    if mode == "wild":
        pvalue = _wild_p(fit, reps=reps, seed=seed)
        extra["pvalue_wild"] = pvalue
        method += f"; wild cluster bootstrap p (WCR, Webb, {reps} reps)"
    elif mode == "ri":
        r = min(int(reps), 1999)
        pvalue, _ = _ri(df, r, seed)
        extra["pvalue_ri"] = pvalue
        method += f"; randomisation-inference p ({r} permutations of units)"
    elif mode != "cluster":
        raise ValueError(f"inference must be auto, cluster, wild or ri, not {inference!r}")
    return Estimate(est, se, lo, hi, pvalue, len(df), method, extra)


def _wild_p(fit, *, reps: int, seed: int) -> float:
    with _quiet():
        wb = fit.wildboottest(param="_d", reps=int(reps), seed=int(seed), weights_type="webb")
    return float(wb["Pr(>|t|)"])


def wild_bootstrap_pvalue(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    post: str,
    cluster: str | None = None,
    *,
    reps: int = 9999,
    seed: int = 20221001,
) -> float:
    """Wild cluster restricted bootstrap p-value (Webb weights) of the TWFE DiD coefficient.

    Use when few clusters are treated (Cameron, Gelbach & Miller 2008; MacKinnon & Webb
    2017). Thin wrapper over :func:`did` with ``inference="wild"``.
    """
    return did(panel, outcome, unit, time, treated, post, cluster, inference="wild", reps=reps, seed=seed).pvalue


def _ri(df: pd.DataFrame, reps: int, seed: int) -> tuple[float, np.ndarray]:
    """Permute whole treatment paths across units; TWFE coefficient by two-way demeaning."""
    from pyfixest.estimation import demean

    units = np.sort(df["_u"].unique())
    times = np.sort(df["_t"].unique())
    path = np.zeros((len(units), len(times)))
    path[df["_u"].to_numpy(), df["_t"].to_numpy()] = df["_d"].to_numpy()
    rng = np.random.default_rng(seed)
    perms = np.column_stack([path[rng.permutation(len(units))][df["_u"], df["_t"]] for _ in range(reps)])
    x = np.column_stack([df["_y"].to_numpy(), df["_d"].to_numpy(), perms]).astype(np.float64)
    flist = df[["_u", "_t"]].to_numpy().astype(np.uint64)
    xd, _ = demean(x, flist, np.ones(len(df)))
    y = xd[:, 0]
    dd = xd[:, 1:]
    denom = (dd**2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = (dd * y[:, None]).sum(axis=0) / denom
    obs, null = beta[0], beta[1:]
    null = null[np.isfinite(null)]
    p = (1 + np.sum(np.abs(null) >= abs(obs) - 1e-12)) / (1 + len(null))
    return float(p), null


def randomization_inference(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    post: str,
    *,
    reps: int = 999,
    seed: int = 20221001,
) -> tuple[float, np.ndarray]:
    """Randomisation-inference p-value of the TWFE DiD coefficient, and the null draws.

    Whole treatment paths (unit × time indicators) are reassigned to units at random, so
    the number of treated units and their timing are kept (Fisher exact test of no effect
    under random assignment of units to paths). ``p = (1 + #|β_perm| ≥ |β|) / (1 + reps)``.
    """
    _check_columns(panel, [treated, post])
    df = _frame(panel, outcome, unit, time, None)
    tr = panel.loc[df.index, treated].astype(bool).to_numpy()
    po = panel.loc[df.index, post].astype(bool).to_numpy()
    df["_d"] = (tr & po).astype(float)
    return _ri(df, int(reps), int(seed))



# --------------------------------------------------------------------------- placebos and power


def placebo_years(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    treatment_time: int,
    fake_years: Sequence[int],
    cluster: str | None = None,
) -> pd.DataFrame:
    """DiD with fake treatment years, on pre-treatment data only.

    For each fake year ``f`` the panel is cut to ``time < treatment_time`` and ``post`` is
    ``time >= f``; a real effect cannot show up there, so estimates should be near zero
    (a non-zero one signals diverging trends). CRV1 inference. Unestimable years → NaN
    with a ``note``.
    """
    _check_columns(panel, [outcome, unit, time, treated])
    pre = panel[pd.to_numeric(panel[time]) < treatment_time].copy()
    rows = []
    for f in fake_years:
        pre["_fake_post"] = pd.to_numeric(pre[time]) >= f
        fit = partial(did, pre, outcome, unit, time, treated, "_fake_post", cluster, inference="cluster")
        rows.append(_table_row({"fake_year": int(f)}, fit))
    return pd.DataFrame(rows)


def placebo_outcomes(
    panels: Mapping[str, pd.DataFrame],
    unit: str,
    time: str,
    cohort: str,
    *,
    value: str = "value",
    estimator: str = "staggered",
) -> pd.DataFrame:
    """Run the main estimator on outcomes the programme cannot plausibly affect.

    ``panels`` maps an outcome name to its analysis panel (e.g. from
    :func:`samenleven_analysis.analysis.outcomes.panel`); ``estimator`` is ``"staggered"``
    (Callaway–Sant'Anna) or ``"twfe"`` (:func:`did` on ``treated``/``post``). An interval
    far from zero for a placebo outcome is a warning sign about the comparison group.
    """
    rows = []
    for name, frame in panels.items():
        if estimator == "staggered":
            from samenleven_analysis.analysis.estimators.staggered import staggered_did

            fit = partial(staggered_did, frame, value, unit, time, cohort)
        else:
            fit = partial(did, frame, value, unit, time, "treated", "post", inference="cluster")
        rows.append(_table_row({"outcome": name}, fit))
    return pd.DataFrame(rows)
