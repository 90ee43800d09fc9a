"""Impact-evaluation estimators: thin, tested wrappers around the econometrics libraries.

Public API (DESIGN.md, **contract**): :class:`Estimate`, :class:`EventStudy`,
:class:`SyntheticControl`, :func:`did`, :func:`event_study`, :func:`staggered_did`,
:func:`rdd`, :func:`synthetic_control`. ``cohort`` is the first treated year (the project
year a municipality's funding starts); never-treated units have cohort 0 or NaN.

Which library does what (all checked with pandas 3.1 / numpy 2.4):

============================  ===================================================
two-way fixed effects DiD     pyfixest ``feols`` (CRV1 cluster-robust SEs)
event study + pre-trend test  pyfixest ``feols`` with ``i()`` (or ``did2s``), ``wald_test``
wild cluster bootstrap        pyfixest ``Feols.wildboottest`` → wildboottest (WCR, Webb)
randomisation inference       permutation loop; two-way demeaning by pyfixest ``demean``
Callaway–Sant'Anna            differences ``ATTgt`` (+ ``aggregate``)
regression discontinuity      rdrobust (robust bias-corrected CI), rddensity (density)
synthetic control             pysyncon ``Synth`` (weights); in-space placebo loop here
============================  ===================================================

Known library issues worked around here (see :data:`LIBRARY_NOTES`): wildboottest's
numba kernel fails on string cluster ids (we pass integer codes); ``differences``
``ATTgt.wald_pre_test`` is broken in 0.3.0 (we test pre-trends with the event study);
``differences`` rejects cohort 0 for never treated (we map 0 → NaN); pysyncon's
``PlaceboTest`` runs in a process pool and prints, and its p-value omits the treated unit
from the rank (minimum 0), so the in-space placebo loop and the Abadie et al. (2010)
rank p-value ``(1 + #placebos with ratio ≥ treated) / (1 + #placebos)`` are done here.

Minimum detectable effect (:func:`minimum_detectable_effect`)::

    MDE = (z_{1-α/2} + z_{power}) · SE

(Bloom 1995; Duflo, Glennerster & Kremer 2007) with ``SE`` the cluster-robust standard
error of the DiD estimator *under the same design* (same treated group, same number of
post years) estimated on pre-treatment years only, so that it reflects the outcome's
real residual variance and serial correlation; α = 0.05 and power 0.8 give
``MDE ≈ 2.80 · SE``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "FEW_CLUSTERS",
    "LIBRARY_NOTES",
    "Estimate",
    "EventStudy",
    "MinimumDetectableEffect",
    "SyntheticControl",
    "did",
    "estimates_table",
    "event_study",
    "first_stage",
    "minimum_detectable_effect",
    "placebo_cutoffs",
    "placebo_outcomes",
    "placebo_years",
    "plot_event_study",
    "plot_rdd",
    "plot_synthetic_control",
    "pre_period_verdict",
    "randomization_inference",
    "rdd",
    "rdd_balance",
    "rdd_density",
    "rdd_support",
    "staggered_did",
    "synthetic_control",
    "synthetic_verdict",
    "verdict",
    "wild_bootstrap_pvalue",
]

FEW_CLUSTERS = 10
"""Below this many *treated* clusters, CRV1 p-values over-reject (MacKinnon & Webb 2017);
``did(inference="auto")`` then reports the wild cluster bootstrap p-value."""

LIBRARY_NOTES: dict[str, str] = {
    "pyfixest": "works with pandas 3 (feols, i(), wald_test, did2s, demean)",
    "wildboottest": "works via pyfixest only with integer cluster ids (string ids fail in numba)",
    "differences": "ATTgt.fit/aggregate work; wald_pre_test broken in 0.3.0; cohort must be NaN not 0",
    "rdrobust": "works (sharp, fuzzy, covariates, clusters)",
    "rddensity": "works",
    "pysyncon": "Synth works; PlaceboTest replaced by a serial loop (process pool, prints, rank p-value)",
    "linearmodels": "not needed (pyfixest covers TWFE); its jobtraining data set is used in tests",
}


# --------------------------------------------------------------------------- results


@dataclass
class Estimate:
    """One estimated effect with its 95% (or ``1 − alpha``) interval.

    ``extra`` carries estimator-specific details (bandwidths, cluster counts, bootstrap
    and conventional p-values, event-time aggregations…); it is not part of equality.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    n: int
    method: str
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def covers(self, value: float) -> bool:
        """True when ``value`` lies inside the confidence interval."""
        return bool(self.ci_low <= value <= self.ci_high)

    def as_row(self) -> dict[str, Any]:
        """The contract fields as a flat dict (one row of :func:`estimates_table`)."""
        return {
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "pvalue": self.pvalue,
            "n": self.n,
            "method": self.method,
        }

    def __str__(self) -> str:
        return (
            f"{self.estimate:.3f} (95% CI {self.ci_low:.3f} to {self.ci_high:.3f}; "
            f"p = {_fmt_p(self.pvalue)}; n = {self.n}) — {self.method}"
        )


@dataclass
class EventStudy:
    """Dynamic effects by time relative to treatment, and a joint pre-trend test.

    ``coefs``: one row per relative time (``rel_time``, ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``pvalue``); the reference period is included with estimate 0 and NaN
    interval. ``pretrend_pvalue``: joint Wald test that all pre-period coefficients
    (``rel_time < 0`` except the reference) are zero — wild-cluster-bootstrapped for TWFE
    (see :func:`event_study`); ``extra`` has the analytic F(q, G − 1) and χ² p-values.
    """

    coefs: pd.DataFrame
    pretrend_pvalue: float
    pretrend_stat: float
    pretrend_df: int
    n: int
    method: str
    reference: int = -1
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def post_average(self) -> float:
        """Unweighted mean of the post-period (``rel_time >= 0``) coefficients."""
        post = self.coefs[self.coefs.rel_time >= 0]
        return float(post.estimate.mean())


@dataclass
class SyntheticControl:
    """Synthetic-control fit for one treated unit, with in-space placebos.

    ``att``: mean post-treatment gap. ``weights``: donor weights (Series, descending, sums
    to 1). ``gaps``: frame ``time, treated, synthetic, gap, post``. ``placebo_pvalue``:
    Abadie, Diamond & Hainmueller (2010) rank p-value of the post/pre RMSPE ratio among the
    treated unit and every donor re-fitted as if treated. ``se``/``ci_*``: placebo-based
    (standard deviation of the donors' placebo ATTs, cf. Arkhangelsky et al. 2021,
    placebo variance) — an approximation; with few donors read the p-value first.
    """

    att: float
    weights: pd.Series
    gaps: pd.DataFrame
    placebo_pvalue: float
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    pre_rmspe: float = float("nan")
    post_rmspe: float = float("nan")
    placebos: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    placebo_gaps: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    n: int = 0
    method: str = "synthetic control"
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class MinimumDetectableEffect:
    """``mde = (z_{1-alpha/2} + z_{power}) * se`` for the DiD design (see module docstring)."""

    mde: float
    se: float
    alpha: float
    power: float
    multiplier: float
    n_treated: int
    n_control: int
    pre_periods: int
    post_periods: int
    method: str

    def __str__(self) -> str:
        return (
            f"MDE {self.mde:.3f} (= {self.multiplier:.2f} × SE {self.se:.3f}; α = {self.alpha}, "
            f"power = {self.power}; {self.n_treated} treated vs {self.n_control} comparison units)"
        )


# --------------------------------------------------------------------------- helpers


def _fmt_p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def _check_columns(frame: pd.DataFrame, columns: Iterable[str | None]) -> None:
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the panel (has {list(frame.columns)})")


def _normalise_cohort(values: pd.Series) -> pd.Series:
    """First treated year as float; 0 (and negatives) → NaN = never treated."""
    c = pd.to_numeric(values, errors="coerce").astype(float)
    return c.where(c > 0)


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes (sorted by value, so deterministic) for fixed effects and clusters."""
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def _frame(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cluster: str | None
) -> pd.DataFrame:
    """Internal copy with safe column names (formulas never see user column names)."""
    _check_columns(panel, [outcome, unit, time, cluster])
    df = pd.DataFrame(
        {
            "_y": pd.to_numeric(panel[outcome], errors="coerce").astype(float).to_numpy(),
            "_unit": panel[unit].astype(str).to_numpy(),
            "_time": pd.to_numeric(panel[time]).to_numpy(),
            "_cl_raw": (panel[cluster] if cluster else panel[unit]).astype(str).to_numpy(),
        },
        index=panel.index,
    )
    df = df[np.isfinite(df["_y"])].copy()
    df["_u"] = _codes(df["_unit"])
    df["_t"] = _codes(df["_time"])
    df["_cl"] = _codes(df["_cl_raw"])
    return df


@contextlib.contextmanager
def _quiet():
    """Silence library chatter (multicollinearity notes, progress prints) in notebooks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


@contextlib.contextmanager
def _single_thread_blas():
    """Limit BLAS to one thread (threadpoolctl, present via scikit-learn) if available."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up only
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _tidy_row(fit, name: str) -> tuple[float, float, float, float, float]:
    t = fit.tidy()
    row = t.loc[name]
    return (
        float(row["Estimate"]),
        float(row["Std. Error"]),
        float(row["2.5%"]),
        float(row["97.5%"]),
        float(row["Pr(>|t|)"]),
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


# --------------------------------------------------------------------------- event study


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    cluster: str | None = None,
    window: tuple[int, int] | None = None,
    reference: int = -1,
    estimator: str = "twfe",
    alpha: float = 0.05,
    bootstrap_reps: int = 999,
    seed: int = 20221001,
) -> EventStudy:
    """Event-study coefficients by relative time ``time − cohort`` and a pre-trend test.

    ``estimator="twfe"``: ``y ~ i(rel_time, ref=reference) | unit + time`` (pyfixest), with
    never-treated units in the reference category; ``"did2s"``: Gardner's two-stage
    estimator (robust to effects that differ by cohort). ``window=(lo, hi)`` bins relative
    times beyond the ends into the end points. SEs are CRV1 by ``cluster`` (default unit).
    The joint pre-trend test is a Wald test (pyfixest ``wald_test``) of all coefficients
    with ``rel_time < 0`` other than the reference. Its ``pretrend_pvalue`` comes from a
    wild cluster restricted bootstrap of that statistic (``bootstrap_reps`` draws, Webb
    weights, fixed ``seed``) for the TWFE estimator, because the analytic test over-rejects
    with many leads; ``extra`` keeps the analytic F(q, G − 1) and χ² p-values (the F one is
    used for ``did2s`` or ``bootstrap_reps=0``).
    """
    _check_columns(panel, [cohort])
    if window is not None and not (window[0] <= reference <= window[1] and window[0] < 0 <= window[1]):
        raise ValueError(f"window {window} must contain the reference period {reference} and period 0")
    df = _frame(panel, outcome, unit, time, cluster)
    coh = _normalise_cohort(panel.loc[df.index, cohort])
    if coh.notna().sum() == 0:
        raise ValueError("no treated units (all cohorts are 0/NaN)")
    rel = (df["_time"] - coh).to_numpy()
    rel = np.where(np.isnan(rel), reference, rel)
    if window is not None:
        rel = np.clip(rel, window[0], window[1])
    df["_rel"] = rel.astype(int)
    df["_d"] = (coh.notna().to_numpy() & (df["_time"].to_numpy() >= coh.fillna(np.inf).to_numpy())).astype(int)
    import pyfixest as pf

    with _quiet():
        if estimator == "twfe":
            fit = pf.feols(f"_y ~ i(_rel, ref={reference}) | _u + _t", data=df, vcov={"CRV1": "_cl"})
            method = "TWFE event study (pyfixest), CRV1 SE clustered by " + (cluster or unit)
        elif estimator == "did2s":
            fit = pf.did2s(
                df,
                yname="_y",
                first_stage="~ 0 | _u + _t",
                second_stage=f"~ i(_rel, ref={reference})",
                treatment="_d",
                cluster="_cl",
            )
            method = "two-stage DiD event study (Gardner 2021; pyfixest did2s), clustered by " + (cluster or unit)
        else:
            raise ValueError(f"estimator must be 'twfe' or 'did2s', not {estimator!r}")
    tidy = fit.tidy()
    names = list(fit.coef().index)
    rows = []
    q = _z(alpha)
    for name in names:
        if not name.startswith("_rel::"):
            continue
        r = int(float(name.split("::", 1)[1]))
        row = tidy.loc[name]
        b, s = float(row["Estimate"]), float(row["Std. Error"])
        lo, hi = (float(row["2.5%"]), float(row["97.5%"])) if alpha == 0.05 else (b - q * s, b + q * s)
        rows.append((r, b, s, lo, hi, float(row["Pr(>|t|)"])))
    rows.append((reference, 0.0, np.nan, np.nan, np.nan, np.nan))
    coefs = (
        pd.DataFrame(rows, columns=["rel_time", "estimate", "se", "ci_low", "ci_high", "pvalue"])
        .sort_values("rel_time")
        .reset_index(drop=True)
    )
    pre_names = [n for n in names if n.startswith("_rel::") and int(float(n.split("::", 1)[1])) < 0]
    n_clusters = int(df["_cl"].nunique())
    extra: dict[str, Any] = {"n_clusters": n_clusters}
    if pre_names and len(pre_names) >= n_clusters:
        # A cluster-robust covariance has rank < G: q >= G restrictions cannot be tested jointly.
        stat, pvalue = float("nan"), float("nan")
        extra["pretrend_note"] = (
            f"{len(pre_names)} leads but only {n_clusters} clusters: no joint test is possible "
            "(bin leads with `window`, or cluster at a finer level)"
        )
    elif pre_names:
        R = np.zeros((len(pre_names), len(names)))
        for k, n in enumerate(pre_names):
            R[k, names.index(n)] = 1.0
        with _quiet():
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
                method += f"; pre-trend p from wild cluster bootstrap of the Wald test ({bootstrap_reps} reps)"
    else:
        stat, pvalue = float("nan"), float("nan")
    return EventStudy(
        coefs=coefs,
        pretrend_pvalue=pvalue,
        pretrend_stat=stat,
        pretrend_df=len(pre_names),
        n=len(df),
        method=method,
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


# --------------------------------------------------------------------------- RDD


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
) -> Estimate:
    """Regression discontinuity at ``cutoff`` with rdrobust: sharp, or fuzzy if ``treatment``.

    Units with ``running >= cutoff`` are on the treated side (rdrobust's convention): for
    the Plan Samenleven rule "*more than* 7,500" on integer counts pass ``cutoff=7500.5``.
    Local polynomial of order ``p`` with an MSE-optimal bandwidth (unless ``bandwidth``);
    the reported ``estimate`` is the conventional point estimate and ``se``/interval/
    ``pvalue`` are the **robust bias-corrected** ones (Calonico, Cattaneo & Titiunik 2014).
    ``n`` is the number of observations inside the bandwidth. ``extra`` holds bandwidths,
    counts by side, the bias-corrected estimate, conventional SE/interval and, for a fuzzy
    design, the first stage (jump in participation) as an :class:`Estimate`.
    """
    _check_columns(df, [outcome, running, treatment, cluster, *(covariates or [])])
    cols = [outcome, running] + ([treatment] if treatment else []) + list(covariates or []) + ([cluster] if cluster else [])
    data = df[cols].dropna()
    y = data[outcome].astype(float).to_numpy()
    x = data[running].astype(float).to_numpy()
    n_left, n_right = int((x < cutoff).sum()), int((x >= cutoff).sum())
    if n_left < 5 or n_right < 5:
        raise ValueError(f"too few observations on one side of the cutoff ({n_left} below, {n_right} at/above)")
    kwargs: dict[str, Any] = {"c": cutoff, "p": p, "kernel": kernel, "level": 100 * (1 - alpha)}
    if treatment:
        kwargs["fuzzy"] = data[treatment].astype(float).to_numpy()
    if covariates:
        kwargs["covs"] = data[list(covariates)].astype(float)
    if cluster:
        kwargs["cluster"] = _codes(data[cluster].astype(str))
    if bandwidth is not None:
        kwargs["h"] = float(bandwidth)
    from rdrobust import rdrobust

    with _quiet():
        r = rdrobust(y, x, **kwargs)
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
    if treatment:
        fs_est = float(np.asarray(r.tau_T).ravel()[0])
        fs_se = float(np.asarray(r.se_T).ravel()[-1])
        ci_t = np.asarray(r.ci_T)
        fs_lo, fs_hi = float(ci_t[-1, 0]), float(ci_t[-1, 1])
        fs_p = float(np.asarray(r.pv_T).ravel()[-1])
        extra["first_stage"] = Estimate(
            fs_est, fs_se, fs_lo, fs_hi, fs_p, sum(n_eff), "first stage: jump in participation at the cutoff (rdrobust)"
        )
    method = (
        f"{design} RD (rdrobust, local poly p={p}, {kernel} kernel, h={h_l:.4g}): "
        "conventional estimate, robust bias-corrected CI"
    )
    return Estimate(est, se, lo, hi, pv, sum(n_eff), method, extra)


def first_stage(df: pd.DataFrame, treatment: str, running: str, cutoff: float, **kwargs) -> Estimate:
    """Jump in the probability of treatment (participation) at the cutoff: a sharp RD of
    ``treatment`` on the running variable (rdrobust). 1 = perfectly sharp design."""
    return rdd(df, treatment, running, cutoff, **kwargs)


def rdd_support(df: pd.DataFrame, running: str, cutoff: float, window: float) -> dict[str, int]:
    """How many units lie within ``±window`` of the cutoff on each side (and in total)."""
    x = pd.to_numeric(df[running], errors="coerce").dropna()
    below = int(((x >= cutoff - window) & (x < cutoff)).sum())
    above = int(((x >= cutoff) & (x <= cutoff + window)).sum())
    return {"below": below, "above": above, "total": below + above, "n": len(x)}


def rdd_density(df: pd.DataFrame, running: str, cutoff: float) -> dict[str, float]:
    """Manipulation test of the running variable's density at the cutoff (rddensity,
    Cattaneo, Jansson & Ma 2020). A small p-value suggests sorting around the cutoff.
    Returns ``t``, ``pvalue`` (jackknife), bandwidths and effective counts by side."""
    from rddensity import rddensity

    x = pd.to_numeric(df[running], errors="coerce").dropna().to_numpy(dtype=float)
    with _quiet():
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
    """Covariate balance: a sharp RD of each pre-determined covariate on the running
    variable. Jumps (small p) cast doubt on the design. Rows that cannot be estimated
    (too few units) carry NaN and a ``note``."""
    rows = []
    for cov in covariates:
        rows.append(_table_row({"covariate": cov}, partial(rdd, df, cov, running, cutoff, **kwargs)))
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
        rows.append(_table_row({"cutoff": float(c)}, partial(rdd, side, outcome, running, float(c), **kwargs)))
    return pd.DataFrame(rows)


def _table_row(key: dict, fit: Callable[[], Estimate]) -> dict:
    """One row of a placebo or balance table: ``key`` plus the estimate's columns, or NaN
    with a one-line ``note`` when it cannot be estimated (instead of failing the table)."""
    try:
        e = fit()
    except Exception as exc:  # noqa: BLE001 - reported per row
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {**key, "estimate": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pvalue": np.nan, "n": 0, "note": msg[:120]}
    return {**key, **{k: v for k, v in e.as_row().items() if k != "method"}, "note": ""}


# --------------------------------------------------------------------------- synthetic control


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
    error — one quadratic programme, deterministic and fast); ``optimize_v=True`` runs
    pysyncon's nested V optimisation. ``demean=True`` fits each unit's deviations from
    its own pre-period mean (the "demeaned" synthetic control, Doudchenko & Imbens 2016;
    Ferman & Pinto 2021): level differences are allowed, only the *paths* are matched —
    use it when the treated unit's level lies outside the donors' range (a large city),
    where plain weights would pile onto the most extreme donor. Donors: ``controls`` or every other unit with a
    complete series (units with gaps are dropped; see ``extra['dropped']``). In-space
    placebos re-fit every donor as if treated (donor pool = the other donors); the
    smallest attainable p-value is ``1 / (1 + donors)`` (``extra['min_pvalue']``), so with
    fewer than 19 donors it can never fall below 0.05. The placebo SE uses donors whose
    pre-period fit is within ``placebo_trim`` times the treated unit's.
    """
    _check_columns(panel, [outcome, unit, time])
    data = panel[[unit, time, outcome]].copy()
    data[unit] = data[unit].astype(str)
    treated_unit = str(treated_unit)
    wide = data.pivot_table(index=time, columns=unit, values=outcome, aggfunc="first").sort_index()
    wide.index = wide.index.astype(int)
    if treated_unit not in wide.columns:
        raise KeyError(f"treated unit {treated_unit!r} not in the panel")
    if wide[treated_unit].isna().any():
        raise ValueError(f"treated unit {treated_unit!r} has missing years")
    pool = [str(c) for c in controls] if controls is not None else [c for c in wide.columns if c != treated_unit]
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
    se = lo = hi = pval = float("nan")
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
                }
            )
        plac = pd.DataFrame(rows)
        plac["ratio"] = plac["post_rmspe"] / plac["pre_rmspe"]
        plac_gaps = pd.DataFrame(gap_cols, index=wide.index)
        ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf
        pval = float((1 + np.sum(plac["ratio"].to_numpy() >= ratio)) / (1 + len(plac)))
        # Placebo SE from donors that can be fitted about as well as the treated unit
        # (pre-RMSPE at most `placebo_trim` times the treated one, the trimming of Abadie
        # et al. 2010): badly fitted donors (outside the convex hull) would swamp it.
        keep = plac[plac["pre_rmspe"] <= placebo_trim * max(pre_rmspe, 1e-12)]
        if len(keep) < 5:
            keep = plac
        se = float(keep["att"].std(ddof=1))
        q = _z(alpha)
        lo, hi = att - q * se, att + q * se
    method = (
        ("demeaned " if demean else "")
        + "synthetic control (pysyncon Synth, V = "
        + ("optimised" if optimize_v else "equal")
        + ", pre-period outcomes as predictors); in-space placebo p-value and placebo SE"
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
        },
    )


def _synth_fit(wide: pd.DataFrame, treated: str, controls: list[str], pre: np.ndarray, optimize_v: bool) -> dict:
    from pysyncon import Synth

    Z0 = wide.loc[pre, controls]
    Z1 = wide.loc[pre, treated]
    # Predictors = pre-period outcomes (X = Z); pysyncon scales each predictor row by its sd.
    s = Synth()
    # SLSQP on a few dozen weights is tiny; multi-threaded BLAS makes it ~10x slower here.
    with _quiet(), _single_thread_blas():
        if optimize_v:
            s.fit(X0=Z0, X1=Z1, Z0=Z0, Z1=Z1)
        else:
            s.fit(X0=Z0, X1=Z1, Z0=Z0, Z1=Z1, custom_V=np.ones(int(pre.sum())))
    w = np.asarray(s.W, dtype=float)
    synthetic = wide[controls].to_numpy() @ w
    gap = wide[treated].to_numpy() - synthetic
    return {"weights": w, "synthetic": synthetic, "gap": gap}


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
            fit = partial(staggered_did, frame, value, unit, time, cohort)
        else:
            fit = partial(did, frame, value, unit, time, "treated", "post", inference="cluster")
        rows.append(_table_row({"outcome": name}, fit))
    return pd.DataFrame(rows)


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


# --------------------------------------------------------------------------- presentation


def estimates_table(estimates: Mapping[str, Estimate | None], digits: int = 3) -> pd.DataFrame:
    """One row per named estimate (rounded), for display in reports."""
    rows = []
    for name, e in estimates.items():
        if e is None:
            continue
        row = {"estimator": name, **e.as_row()}
        rows.append(row)
    out = pd.DataFrame(rows)
    if not out.empty:
        num = ["estimate", "se", "ci_low", "ci_high", "pvalue"]
        out[num] = out[num].astype(float).round(digits)
    return out


def verdict(
    estimate: Estimate,
    *,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    pretrend_pvalue: float | None = None,
    mde: MinimumDetectableEffect | float | None = None,
    placebo_pvalues: Sequence[float] | None = None,
    demo: bool = False,
    alpha: float = 0.05,
    design: str = "did",
    cautions: Sequence[str] = (),
) -> str:
    """A plain-language, deliberately cautious reading of an estimate (Markdown).

    ``design`` (``"did"`` or ``"rdd"``) chooses how the comparison and its key assumption
    are described; ``cautions`` are extra warnings put first (e.g. too few units near
    a cutoff).

    Never claims proof or causation beyond the design's assumptions: it states the
    interval, says "no effect detected" (not "no effect") when the interval includes zero,
    names the smallest effect the design could reliably detect, and puts a failed
    pre-trend or placebo check first.
    """
    u = f" {unit_label}" if unit_label else ""
    lo, hi = estimate.ci_low, estimate.ci_high
    lines = []
    if demo:
        lines.append("**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**")
    if design not in ("did", "rdd"):
        raise ValueError(f"design must be 'did' or 'rdd', not {design!r}")
    warn = list(cautions)
    if pretrend_pvalue is not None and np.isfinite(pretrend_pvalue) and pretrend_pvalue < alpha:
        warn.append(
            f"before funding started, funded and comparison authorities already moved differently "
            f"(joint pre-trend test p = {_fmt_p(pretrend_pvalue)}), so the comparison is doubtful"
        )
    if placebo_pvalues is not None:
        bad = [p for p in placebo_pvalues if p is not None and np.isfinite(p) and p < alpha]
        if bad:
            warn.append(f"{len(bad)} placebo check(s) found an 'effect' where there should be none")
    if warn:
        lines.append("**Caution:** " + "; ".join(warn) + ". Treat the estimate below as descriptive only.")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lines.append(f"The data do not allow an interval for {outcome_label} to be estimated.")
        return "\n\n".join(lines)
    rng = f"between {lo:.2f} and {hi:.2f}{u}"
    if design == "did":
        where = f"In funded authorities, {outcome_label} ended up {{direction}} than the comparison group predicts"
        assumption = ", without the funding, both groups would have followed parallel paths"
    else:
        where = f"At the threshold, {outcome_label} was {{direction}} on the funded side"
        assumption = (
            " authorities just below and just above the threshold would otherwise have fared alike "
            "(and the estimate applies to authorities near the threshold only)"
        )
    if lo > 0 or hi < 0:
        direction = "higher" if lo > 0 else "lower"
        lines.append(
            where.format(direction=direction)
            + f": the estimate is {estimate.estimate:.2f}{u}, and the data are consistent with a "
            f"difference {rng} (95% interval). This holds only if{assumption}; it is an estimate, "
            "not proof."
        )
    else:
        lines.append(
            f"No effect on {outcome_label} was detected: the estimate is {estimate.estimate:.2f}{u} and "
            f"the 95% interval runs {rng}. This is *not* evidence that the funding had no effect — "
            f"effects anywhere in that range are compatible with the data."
        )
    if mde is not None:
        m = mde.mde if isinstance(mde, MinimumDetectableEffect) else float(mde)
        if np.isfinite(m):
            lines.append(
                f"With this design, only effects of about {m:.2f}{u} or larger would be detected reliably "
                "(80% power, 5% significance); smaller effects could easily go unnoticed."
            )
    return "\n\n".join(lines)


def pre_period_verdict(
    placebo: Estimate,
    *,
    placebo_year: int,
    data_last_year: int,
    programme_start: int = 2022,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    pretrend_pvalue: float | None = None,
    mde: MinimumDetectableEffect | float | None = None,
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a *pre-period check* (no post-programme data at all).

    ``placebo`` is a DiD at a fake treatment year before the programme. Says first and
    unambiguously that no effect of the programme can be estimated, then whether the
    groups already moved apart before it (which would bias a later DiD), and how large an
    effect a future evaluation of this design could detect.
    """
    u = f" {unit_label}" if unit_label else ""
    lines = [
        (
            f"**No effect of the programme can be estimated from these data.** They end in "
            f"{data_last_year}; the consolidated regime started in {programme_start}, so no outcome "
            "after the start of the programme is in the data. What follows only checks whether a "
            "later before/after comparison of these groups would be credible."
        )
    ]
    diverged = np.isfinite(placebo.ci_low) and (placebo.ci_low > 0 or placebo.ci_high < 0)
    if diverged:
        lines.append(
            f"At the placebo year {placebo_year} the two groups already drifted apart: the placebo "
            f"'effect' on {outcome_label} is {placebo.estimate:.2f}{u} (95% interval {placebo.ci_low:.2f} "
            f"to {placebo.ci_high:.2f}) although nothing happened then. A simple difference-in-differences "
            "on this outcome would mix such drifts with any real effect; it would need a better "
            "comparison group (or a design that models the trends)."
        )
    else:
        lines.append(
            f"At the placebo year {placebo_year} no divergence was detected (placebo estimate "
            f"{placebo.estimate:.2f}{u}, 95% interval {placebo.ci_low:.2f} to {placebo.ci_high:.2f}). "
            "That is consistent with parallel trends, but it does not prove them."
        )
    if pretrend_pvalue is not None and np.isfinite(pretrend_pvalue):
        word = "differ" if pretrend_pvalue < alpha else "do not clearly differ"
        lines.append(
            f"Year by year before {placebo_year}, the groups' paths {word} (joint test p = {_fmt_p(pretrend_pvalue)})."
        )
    if mde is not None:
        m = mde.mde if isinstance(mde, MinimumDetectableEffect) else float(mde)
        if np.isfinite(m):
            lines.append(
                f"A future evaluation with this design could reliably detect only effects of about "
                f"{m:.2f}{u} or more (80% power, 5% significance)."
            )
    return "\n\n".join(lines)


def synthetic_verdict(
    sc: SyntheticControl,
    *,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    place: str = "the authority",
    demo: bool = False,
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a synthetic control: fit first, then the placebo rank.

    A gap is only called a possible effect when the pre-period fit is good and the
    in-space placebo p-value is small; the placebo-SE interval is reported as secondary.
    """
    u = f" {unit_label}" if unit_label else ""
    lines = []
    if demo:
        lines.append("**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**")
    if sc.extra.get("poor_fit"):
        lines.append(
            f"**Caution:** the synthetic control does not reproduce {place}'s path before funding "
            f"(pre-period RMSPE {sc.pre_rmspe:.2f}{u}, more than twice the donors' typical "
            f"{sc.extra['median_placebo_pre_rmspe']:.2f}), so its later gap cannot be read as an effect."
        )
        return "\n\n".join(lines)
    direction = "higher" if sc.att > 0 else "lower"
    lines.append(
        f"After funding started, {outcome_label} in {place} was on average {abs(sc.att):.2f}{u} {direction} "
        f"than in its synthetic control (a weighted mix of never-funded authorities that tracked it "
        f"before; pre-period RMSPE {sc.pre_rmspe:.2f}{u})."
    )
    p = sc.placebo_pvalue
    if np.isfinite(p) and p <= alpha:
        lines.append(
            f"Gaps this large relative to the pre-period fit are rare among unfunded donors (placebo "
            f"p = {_fmt_p(p)}; approximate 95% interval {sc.ci_low:.2f} to {sc.ci_high:.2f}{u}). That is "
            "consistent with an effect of the funding."
        )
    else:
        minp = sc.extra.get("min_pvalue", float("nan"))
        extra = (
            f" With {len(sc.placebos)} donors the smallest possible p-value is {minp:.3f}."
            if np.isfinite(minp) and minp > alpha
            else ""
        )
        lines.append(
            f"No effect can be claimed: unfunded donors show gaps as large relative to their fit "
            f"(placebo p = {_fmt_p(p)}).{extra} This does not show that the funding had no effect."
        )
    lines.append(f"One authority cannot separate the plan from anything else that happened in {place} at the same time.")
    return "\n\n".join(lines)


def plot_event_study(es: EventStudy, ax=None, *, title: str | None = None, label: str | None = None):
    """Coefficients with 95% intervals by relative time; dashed line at treatment start."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    c = es.coefs
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.3", ls="--", lw=0.8)
    err = np.vstack([c.estimate - c.ci_low, c.ci_high - c.estimate])
    ax.errorbar(c.rel_time, c.estimate, yerr=np.nan_to_num(err), fmt="o", color="#1f4e79", capsize=3, label=label)
    ax.set_xlabel("years relative to first funded project year")
    ax.set_ylabel("effect estimate")
    if title:
        ax.set_title(title)
    return ax


def plot_rdd(
    df: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    ax=None,
    *,
    bins: int = 10,
    window: float | None = None,
    title: str | None = None,
):
    """Scatter of units plus binned means and a linear fit on each side of the cutoff."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    d = df[[running, outcome]].dropna()
    if window is not None:
        d = d[(d[running] - cutoff).abs() <= window]
    x, y = d[running].to_numpy(float), d[outcome].to_numpy(float)
    ax.scatter(x, y, s=12, color="0.6", alpha=0.7, label="authorities")
    for side in (x < cutoff, x >= cutoff):
        if side.sum() >= 2:
            xs, ys = x[side], y[side]
            edges = np.linspace(xs.min(), xs.max(), min(bins, side.sum()) + 1)
            idx = np.clip(np.digitize(xs, edges) - 1, 0, len(edges) - 2)
            means = pd.Series(ys).groupby(idx).mean()
            mids = (edges[:-1] + edges[1:]) / 2
            ax.plot(mids[means.index], means.to_numpy(), "o", color="#1f4e79")
            b = np.polyfit(xs, ys, 1)
            grid = np.linspace(xs.min(), xs.max(), 50)
            ax.plot(grid, np.polyval(b, grid), color="#c0504d")
    ax.axvline(cutoff, color="0.2", ls="--", lw=1)
    ax.set_xlabel(running)
    ax.set_ylabel(outcome)
    if title:
        ax.set_title(title)
    return ax


def plot_synthetic_control(
    sc: SyntheticControl, axes=None, *, placebos: bool = True, title: str | None = None, treated_label: str | None = None
):
    """Left: treated vs synthetic path. Right: gap, with the placebo gaps in grey."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4))
    g = sc.gaps
    t0 = sc.extra.get("treatment_time")
    a1, a2 = axes
    a1.plot(g.time, g.treated, color="#1f4e79", label=treated_label or str(sc.extra.get("treated_unit", "treated")))
    a1.plot(g.time, g.synthetic, color="#c0504d", ls="--", label="synthetic control")
    a1.legend(frameon=False)
    if placebos and not sc.placebo_gaps.empty:
        a2.plot(sc.placebo_gaps.index, sc.placebo_gaps.to_numpy(), color="0.75", lw=0.8)
    a2.plot(g.time, g.gap, color="#1f4e79", lw=2)
    a2.axhline(0, color="0.4", lw=0.8)
    for a in axes:
        if t0 is not None:
            a.axvline(t0 - 0.5, color="0.3", ls=":", lw=1)
        a.set_xlabel("year")
    a1.set_ylabel("outcome")
    a2.set_ylabel("gap (treated − synthetic)")
    if title:
        a1.set_title(title)
    return axes
