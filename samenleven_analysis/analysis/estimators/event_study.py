"""Event studies (TWFE, did2s) with a wild-bootstrapped joint pre-trend test."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from samenleven_analysis.analysis.estimators.common import (
    EventStudy,
    Fact,
    analysis_frame,
    check_columns,
    check_comparison,
    cohorts_within_panel,
    fact,
    normalise_cohort,
    quiet,
    z_critical,
)
from samenleven_analysis.errors import DataError
from samenleven_analysis.facts import DEFAULT_SEED

# --------------------------------------------------------------------------- event study


FLANDERS_POINTWISE_COVERAGE: dict[tuple[str, int], tuple[float, float]] = {
    ("level", 6): (0.891, 0.011),
    ("level", 28): (0.927, 0.009),
    ("rate", 6): (0.906, 0.010),
    ("rate", 28): (0.935, 0.009),
}
"""(outcome kind, funded) → (coverage, MC s.e.) of the pointwise 95% CRV1 interval of the TWFE
event-study coefficient at relative time 0 in the Plan's regime (scenarios
``flanders_{kind}_{n}_null``, :data:`FLANDERS_POINTWISE_COVERAGE_DRAWS` draws; docs/inference.md):
below 95% with few funded authorities, so the impact notebook shows the coefficients without
intervals (the joint pre-trend test holds its level)."""

FLANDERS_POINTWISE_COVERAGE_DRAWS = 800
"""Simulated draws behind :data:`FLANDERS_POINTWISE_COVERAGE`."""

DEFAULT_WINDOW = (-5, 3)
"""Default event window: leads before −5 are binned into −5, lags after 3 into 3 (three
cohorts 2022–2024 observed to 2025 give at most lag 3; five leads keep the pre-trend test
within reach of a few dozen clusters)."""


def _relative_time_rows(tidy: pd.DataFrame, names: list[str], alpha: float) -> list[tuple]:
    """Rows ``(rel_time, estimate, se, ci_low, ci_high, pvalue)`` of the ``_rel::`` coefficients."""
    rows = []
    q = z_critical(alpha)
    for name in names:
        if not name.startswith("_rel::"):
            continue
        r = int(float(name.split("::", 1)[1]))
        row = tidy.loc[name]
        b, s = float(row["Estimate"]), float(row["Std. Error"])
        lo, hi = (
            (float(row["2.5%"]), float(row["97.5%"])) if alpha == 0.05 else (b - q * s, b + q * s)
        )
        rows.append((r, b, s, lo, hi, float(row["Pr(>|t|)"])))
    return rows


def _checked_window(window: tuple[int, int] | str | None, reference: int):
    """``window`` (``"auto"``: :data:`DEFAULT_WINDOW`); it must hold ``reference`` and 0."""
    if window == "auto":
        window = DEFAULT_WINDOW
    if window is not None and not (
        window[0] <= reference <= window[1] and window[0] < 0 <= window[1]
    ):
        raise ValueError(
            f"window {window} must contain the reference period {reference} and period 0"
        )
    return window


def _fit(df: pd.DataFrame, estimator: str, reference: int):
    """The event-study fit of ``estimator`` (``"twfe"`` or ``"did2s"``) on the analysis frame."""
    import pyfixest as pf

    with quiet():
        if estimator == "twfe":
            return pf.feols(
                f"_y ~ i(_rel, ref={reference}) | _u + _t", data=df, vcov={"CRV1": "_cl"}
            )
        if estimator == "did2s":
            return pf.did2s(
                df,
                yname="_y",
                first_stage="~ 0 | _u + _t",
                second_stage=f"~ i(_rel, ref={reference})",
                treatment="_d",
                cluster="_cl",
            )
    raise ValueError(f"estimator must be 'twfe' or 'did2s', not {estimator!r}")


def _check_full_rank(df: pd.DataFrame, tidy: pd.DataFrame, names: list, reference: int) -> None:
    """DataError when a relative period was dropped as collinear (or has no finite SE)."""
    expected = sorted(set(df["_rel"].unique()) - {reference})
    got = sorted(int(float(n.split("::", 1)[1])) for n in names if n.startswith("_rel::"))
    se_all = tidy["Std. Error"].to_numpy(dtype=float)
    if got != expected or not np.isfinite(se_all).all():
        missing = [int(m) for m in sorted(set(expected) - set(got))]
        raise DataError(
            f"rank-deficient event study: relative period(s) {missing} cannot be separated from "
            "the unit and year effects (no never-treated units or too few cohorts); bin the end "
            "points with `window`, add never-treated units, or use estimator='did2s'"
        )


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    cluster: str | None = None,
    window: tuple[int, int] | str | None = "auto",
    reference: int = -1,
    estimator: str = "twfe",
    alpha: float = 0.05,
    bootstrap_reps: int = 999,
    seed: int = DEFAULT_SEED,
) -> EventStudy:
    """Event-study coefficients by relative time ``time − cohort`` and a pre-trend test.

    ``estimator="twfe"``: ``y ~ i(rel_time, ref=reference) | unit + time`` (pyfixest), with
    never-treated units in the reference category; ``"did2s"``: Gardner's two-stage
    estimator (robust to effects that differ by cohort). ``window=(lo, hi)`` bins relative
    times beyond the ends into the end points; the default ``"auto"`` is
    :data:`DEFAULT_WINDOW` = (−5, 3) cut to the observed range (``None``: no binning).
    Safeguards: cohorts after the panel's last year are not yet treated (controls, listed
    in ``extra["late_cohorts"]``); without never-treated units a ``UserWarning`` is issued
    (the TWFE relative-time dummies are then identified only through binning/timing);
    a rank-deficient design (a relative period dropped as collinear, which pyfixest does
    silently and which fakes a linear pre-trend) raises
    :class:`~samenleven_analysis.errors.DataError`. ``extra["vcov"]`` holds the
    coefficients' covariance (for
    :func:`~samenleven_analysis.analysis.estimators.honest.honest_did`). SEs are CRV1 by
    ``cluster`` (default unit).
    The joint pre-trend test is a Wald test (pyfixest ``wald_test``) of all coefficients
    with ``rel_time < 0`` other than the reference. Its ``pretrend_pvalue`` comes from a
    wild cluster restricted bootstrap of that statistic (``bootstrap_reps`` draws, Webb
    weights, fixed ``seed``) for the TWFE estimator, because the analytic test over-rejects
    with many leads; ``extra`` keeps the analytic F(q, G − 1) and χ² p-values (the F one is
    used for ``did2s`` or ``bootstrap_reps=0``).
    """
    check_columns(panel, [cohort])
    window = _checked_window(window, reference)
    df = analysis_frame(panel, outcome, unit, time, cluster)
    coh, late = cohorts_within_panel(normalise_cohort(panel.loc[df.index, cohort]), df["_time"])
    if coh.notna().all():
        warnings.warn(
            "no never-treated units: event-study leads and lags are identified only "
            "by differences in timing (and binning); read them with care",
            UserWarning,
            stacklevel=2,
        )
    if coh.notna().sum() == 0:
        raise ValueError("no treated units (all cohorts are 0/NaN)")
    check_comparison(df, (df["_time"] >= coh.fillna(np.inf)).to_numpy())
    rel = (df["_time"] - coh).to_numpy()
    rel = np.where(np.isnan(rel), reference, rel)
    if window is not None:
        observed = rel[coh.notna().to_numpy()]
        lo_w, hi_w = max(window[0], int(observed.min())), min(window[1], int(observed.max()))
        window = (min(lo_w, reference), max(hi_w, 0))
        rel = np.clip(rel, window[0], window[1])
    df["_rel"] = rel.astype(int)
    df["_d"] = (
        coh.notna().to_numpy() & (df["_time"].to_numpy() >= coh.fillna(np.inf).to_numpy())
    ).astype(int)
    fit = _fit(df, estimator, reference)
    how: dict[str, Any] = {"estimator": estimator, "cluster": cluster or unit}
    tidy = fit.tidy()
    names = list(fit.coef().index)
    _check_full_rank(df, tidy, names, reference)
    rows = _relative_time_rows(tidy, names, alpha)
    rows.append((reference, 0.0, np.nan, np.nan, np.nan, np.nan))
    coefs = (
        pd.DataFrame(rows, columns=["rel_time", "estimate", "se", "ci_low", "ci_high", "pvalue"])
        .sort_values("rel_time")
        .reset_index(drop=True)
    )
    pre_names = [n for n in names if n.startswith("_rel::") and int(float(n.split("::", 1)[1])) < 0]
    n_clusters = int(df["_cl"].nunique())
    rel_names = [n for n in names if n.startswith("_rel::")]
    vcov = pd.DataFrame(
        np.asarray(fit._vcov)[
            np.ix_([names.index(n) for n in rel_names], [names.index(n) for n in rel_names])
        ],
        index=[int(float(n.split("::", 1)[1])) for n in rel_names],
        columns=[int(float(n.split("::", 1)[1])) for n in rel_names],
    )
    extra: dict[str, Any] = {
        "n_clusters": n_clusters,
        "vcov": vcov,
        "window": window,
        "late_cohorts": late,
        "estimator": estimator,
    }
    if pre_names and len(pre_names) >= n_clusters:
        # A cluster-robust covariance has rank < G: q >= G restrictions cannot be tested jointly.
        stat, pvalue = float("nan"), float("nan")
        extra["pretrend_note"] = fact(
            "no_joint_pretrend_test", leads=len(pre_names), clusters=n_clusters
        )
    elif pre_names:
        R = np.zeros((len(pre_names), len(names)))
        for k, n in enumerate(pre_names):
            R[k, names.index(n)] = 1.0
        with quiet():
            w = fit.wald_test(R=R, distribution="chi2")
        stat = float(w["statistic"])
        p_chi2 = float(w["pvalue"])
        p_f = float(stats.f.sf(stat / len(pre_names), len(pre_names), max(1, n_clusters - 1)))
        extra.update(pretrend_pvalue_chi2=p_chi2, pretrend_pvalue_f=p_f)
        pvalue = p_f
        if estimator == "twfe" and bootstrap_reps > 0:
            p_boot = _wild_wald_pretrend(df, reference, int(bootstrap_reps), int(seed))
            if np.isfinite(p_boot):
                pvalue = p_boot
                extra["pretrend_pvalue_wild"] = p_boot
                how["pretrend_wild_reps"] = int(bootstrap_reps)
    else:
        stat, pvalue = float("nan"), float("nan")
    return EventStudy(
        coefs=coefs,
        pretrend_pvalue=pvalue,
        pretrend_stat=stat,
        pretrend_df=len(pre_names),
        n=len(df),
        method=Fact("event_study", how),
        reference=reference,
        extra=extra,
    )


_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _wild_wald_pretrend(df: pd.DataFrame, reference: int, reps: int, seed: int) -> float:
    """Wild cluster restricted bootstrap p-value of the joint pre-trend Wald test.

    wildboottest handles one coefficient only, and CRV1 Wald tests of many leads with
    few clusters behind each lead over-reject (in our simulations ~15% at a nominal 5%),
    so the joint test is bootstrapped here (Cameron, Gelbach & Miller 2008): impose
    "all leads = 0", draw y* = fit_restricted + Webb weight by cluster × residual, and
    compare the CRV1 Wald statistic with its bootstrap distribution. Fixed effects are
    partialled out with pyfixest's ``demean`` (Frisch–Waugh–Lovell). Returns NaN when the
    event-time dummies are collinear.
    """
    from pyfixest.estimation import demean

    rels = np.sort(df["_rel"].unique())
    rels = rels[rels != reference]
    X = (df["_rel"].to_numpy()[:, None] == rels[None, :]).astype(np.float64)
    pre = rels < 0
    if not pre.any() or pre.all():
        return float("nan")
    flist = df[["_u", "_t"]].to_numpy().astype(np.uint64)
    ones = np.ones(len(df))
    yx, _ = demean(np.column_stack([df["_y"].to_numpy(), X]), flist, ones)
    y, Xd = yx[:, 0], yx[:, 1:]
    if np.linalg.matrix_rank(Xd) < Xd.shape[1]:
        return float("nan")
    XtX_inv = np.linalg.inv(Xd.T @ Xd)
    A = XtX_inv @ Xd.T  # K × N: b = A y
    P = XtX_inv[pre]  # q × K: rows of (X'X)^-1 for the leads
    cl = df["_cl"].to_numpy()
    G = int(cl.max()) + 1
    C = np.zeros((G, len(df)))
    C[cl, np.arange(len(df))] = 1.0
    XP = Xd @ P.T  # N × q: the leads' part of the score

    def wald(Y: np.ndarray) -> np.ndarray:
        """CRV1 Wald statistics of "leads = 0" for each column of Y (scale cancels)."""
        B = A @ Y  # K × B
        E = Y - Xd @ B  # N × B
        rb = B[pre]  # q × B
        # cluster scores projected on the leads: Z[g, j, b] = sum_i in g (X P')_ij e_ib
        n, q, nb = E.shape[0], XP.shape[1], E.shape[1]
        Z = (C @ (XP[:, :, None] * E[:, None, :]).reshape(n, q * nb)).reshape(-1, q, nb)
        V = np.einsum("gjb,gkb->bjk", Z, Z)
        sol = np.linalg.solve(V, rb.T[:, :, None])[:, :, 0]
        return np.einsum("bj,bj->b", rb.T, sol)

    w_obs = wald(y[:, None])[0]
    Xr = Xd[:, ~pre]
    br, *_ = np.linalg.lstsq(Xr, y, rcond=None)
    fitted = Xr @ br
    resid = y - fitted
    rng = np.random.default_rng(seed)
    exceed, done = 0, 0
    for start in range(0, reps, 250):  # chunks keep memory small (N × 250 arrays)
        b = min(250, reps - start)
        wts = rng.choice(_WEBB, size=(G, b))[cl]
        ystar_raw = resid[:, None] * wts
        # y* = fitted + demeaned(w × e): fitted is already in demeaned space.
        ystar, _ = demean(ystar_raw, flist, ones)
        w_star = wald(fitted[:, None] + ystar)
        exceed += int(np.sum(w_star >= w_obs))
        done += b
    return float((1 + exceed) / (1 + done))
