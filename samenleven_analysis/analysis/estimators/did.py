"""Two-way fixed-effects DiD with cluster, wild-bootstrap and randomisation inference.

Also the DiD placebo tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from samenleven_analysis.analysis.estimators.common import (  # noqa: F401
    FEW_CLUSTERS,
    RI_REPS,
    Estimate,
    EventStudy,
    Fact,
    MinimumDetectableEffect,
    SyntheticControl,
    analysis_frame,
    check_columns,
    check_comparison,
    check_se,
    fact,
    few_treated_warning,
    integer_codes,
    normalise_cohort,
    perm_pvalue,
    permutation_indices,
    quiet,
    ri_scheme,
    single_thread_blas,
    studentised_ri,
    table_row,
    tidy_row,
    unit_strata,
    without_inference,
    z_critical,
)
from samenleven_analysis.facts import DEFAULT_SEED

FLANDERS_NULL_REJECTION: dict[str, dict[tuple[str, int], tuple[float, float]]] = {
    "crv1": {("level", 28): (0.10, 0.024), ("rate", 28): (0.07, 0.021)},
    "wild": {
        ("level", 6): (0.04, 0.020),
        ("level", 28): (0.10, 0.030),
        ("rate", 6): (0.02, 0.014),
        ("rate", 28): (0.06, 0.024),
    },
}
"""How often TWFE's cluster-robust (CRV1) and wild cluster bootstrap (``inference="wild"``) tests
reject a true null at 5% in the Plan's regime: (outcome kind, funded) → (rate, MC s.e.), scenarios
``flanders_{kind}_{n}_null`` of the simulation study (:data:`FLANDERS_NULL_REJECTION_DRAWS` draws;
docs/inference.md). Up to 10% with the 28 largest funded in levels: the impact notebook shows
neither p-value; its TWFE p-value and interval come from the studentised randomisation test."""

FLANDERS_NULL_REJECTION_DRAWS = {"crv1": 150, "wild": 100}
"""Simulated draws behind :data:`FLANDERS_NULL_REJECTION` (wild: 999 bootstrap draws each)."""

PLACEBO_YEARS_BEFORE = (4, 3, 2)
"""The impact notebook's fake treatment years: this many years before the start (2018, 2019 and
2020 for a 2022 start), where at least two pre-years remain before each."""

FLANDERS_PLACEBO_YEAR_REJECTION: dict[str, dict[tuple[str, int], tuple[float, float]]] = {
    "crv1": {
        ("level", 6): (0.130, 0.019),
        ("level", 28): (0.063, 0.014),
        ("rate", 6): (0.087, 0.016),
        ("rate", 28): (0.047, 0.012),
    },
    "ri": {
        ("level", 6): (0.070, 0.018),
        ("level", 28): (0.045, 0.015),
        ("rate", 6): (0.050, 0.015),
        ("rate", 28): (0.060, 0.017),
    },
}
"""How often one fake treatment year of :func:`placebo_years` rejects a true null at 5% in the
Plan's regime: (outcome kind, funded) → (the largest rate over the fake years 2018, 2019, 2020, MC
s.e.), scenarios ``flanders_{kind}_{n}_null`` (programme start 2022, pre-years 2016–2021;
:data:`FLANDERS_PLACEBO_YEAR_DRAWS` draws; docs/inference.md). ``crv1``: the cluster-robust test,
twice its level with the 6 largest funded in levels; ``ri``: the studentised randomisation test
within size and eligibility strata (999 permutations), the default and what the impact notebook
uses (within eligibility alone: 0.060, 0.033, 0.027, 0.040 in 150 draws). Measured by
:func:`samenleven_analysis.bench.simulation.placebo_year_sizes`."""

FLANDERS_PLACEBO_YEAR_DRAWS = {"crv1": 300, "ri": 200}
"""Simulated draws behind :data:`FLANDERS_PLACEBO_YEAR_REJECTION`."""

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
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    strata: str | None = None,
) -> Estimate:
    """Two-way fixed-effects difference-in-differences: ``y ~ treated×post | unit + time``.

    ``treated`` and ``post`` are boolean/0-1 columns; their product is the treatment
    indicator (``post`` may be unit-specific, e.g. ``year >= cohort``, for staggered
    adoption — but then prefer :func:`staggered_did`, which is robust to heterogeneous
    effects). Clusters: ``cluster`` (default ``unit``).

    ``inference`` chooses one procedure for the p-value *and* the interval:
    ``"cluster"`` (CRV1 SE, t(G − 1) interval); ``"ri"`` (randomisation inference: whole
    treatment paths reassigned to units, ``min(reps, 999)`` draws; the interval inverts the
    same test); ``"wild"`` (wild cluster restricted bootstrap p-value, Webb weights — it
    gives no interval, so the interval is NaN with a note); ``"auto"`` = ri whatever the
    number of treated clusters (as :func:`~samenleven_analysis.analysis.estimators.staggered.staggered_did`).
    Measured 95% coverage of 0 with no effect (``bench.simulation`` ``flanders_*_null``):
    CRV1 ("cluster") 0.90 (0.024) / 0.93 (0.021) with the 28 largest funded in levels / rates
    (150 draws); RI within size and eligibility strata (the notebooks',
    :func:`~samenleven_analysis.analysis.estimators.common.size_strata`; 300 draws, 999
    permutations) 0.960 (0.011) / 0.933 (0.014), and 0.957 (0.012) / 0.957 (0.012) with the 6
    largest funded.
    Degenerate cases return the point estimate with NaN SE/interval/p and a ``note``: SE not
    finite or ≤ 0, no residual degrees of freedom, fewer than two clusters in an arm, or a
    bootstrap that cannot run. A constant outcome raises :class:`~samenleven_analysis.errors.DataError`.
    """
    check_columns(panel, [treated, post])
    df = analysis_frame(panel, outcome, unit, time, cluster)
    _mark_treatment(df, panel, treated, post)
    if df["_d"].nunique() < 2:
        raise ValueError("no variation in treated × post: nothing to estimate")
    check_comparison(df, df["_d"].to_numpy())
    import pyfixest as pf

    with quiet():
        fit = pf.feols("_y ~ _d | _u + _t", data=df, vcov={"CRV1": "_cl"})
    est, se, lo, hi, p_cl = tidy_row(fit, "_d")
    n_clusters = int(df["_cl"].nunique())
    treated_cl = set(df.loc[df["_d"] > 0, "_cl"])
    n_treated_clusters = len(treated_cl)
    n_control_clusters = int(df.loc[~df["_cl"].isin(treated_cl), "_cl"].nunique())
    if alpha != 0.05 and n_clusters > 1:
        q = float(stats.t.ppf(1 - alpha / 2, n_clusters - 1))
        lo, hi = est - q * se, est + q * se
    mode = inference
    if mode == "auto":
        # Studentised randomisation inference whatever the number of treated clusters:
        # CRV1 covered 0.90 (MC s.e. 0.024) with the 28 largest funded in levels (issue 20).
        mode = "ri"
    if mode not in ("cluster", "wild", "ri"):
        raise ValueError(f"inference must be auto, cluster, wild or ri, not {inference!r}")
    extra: dict[str, Any] = {
        "n_clusters": n_clusters,
        "n_treated_clusters": n_treated_clusters,
        "n_control_clusters": n_control_clusters,
        "n_units": int(df["_u"].nunique()),
        "pvalue_cluster": p_cl,
        "inference": mode,
    }
    how: dict[str, Any] = {"package": "pyfixest", "se": "crv1", "cluster": cluster or unit}
    base = Estimate(est, se, lo, hi, p_cl, len(df), Fact("twfe", dict(how)), extra)
    resid_df = len(df) - df["_u"].nunique() - df["_t"].nunique()
    if resid_df <= 0:
        return without_inference(base, fact("no_residual_df", n=len(df)))
    if mode == "cluster":
        return _cluster_result(base, df, n_treated_clusters, n_control_clusters)
    if mode == "wild":
        return _wild_result(fit, base, how, reps, seed, n_treated_clusters)
    r = min(int(reps), RI_REPS)
    st = unit_strata(panel, df, strata)
    st_u = None if st is None else pd.Series(st).groupby(df["_u"].to_numpy()).first().to_numpy()
    b_y, b_d, s_y, s_d = _ri(df, r, seed, st_u)
    ok = np.isfinite(b_y) & np.isfinite(b_d)
    ok[0] = True
    pvalue, lo, hi, why = studentised_ri(b_y[ok], b_d[ok], s_y[ok], s_d[ok], alpha)
    scheme = ri_scheme(strata, 1 if st is None else len(np.unique(st)), "treatment_paths")
    extra.update(pvalue_ri=pvalue, ri_reps=r, ri_scheme=scheme, ri_strata=strata)
    how.update(inference="ri", reps=r, scheme=scheme)
    out = Estimate(
        est,
        float("nan"),
        lo,
        hi,
        pvalue,
        len(df),
        Fact("twfe", how),
        extra,
        (fact("se_not_reported_ri", scheme=scheme),),
    )
    if why:
        return without_inference(out, fact(why))
    return _ri_notes(out, cluster if cluster != unit else None, n_treated_clusters)


def _mark_treatment(df: pd.DataFrame, panel: pd.DataFrame, treated: str, post: str) -> None:
    """Add ``_d`` (treated × post, float) and ``_tr`` (ever treated) to the analysis frame ``df``."""
    tr = panel.loc[df.index, treated].astype(bool).to_numpy()
    po = panel.loc[df.index, post].astype(bool).to_numpy()
    df["_d"] = (tr & po).astype(float)
    df["_tr"] = tr


def _cluster_result(
    base: Estimate, df: pd.DataFrame, n_treated_clusters: int, n_control_clusters: int
) -> Estimate:
    """:func:`did`'s CRV1 result: none with fewer than two clusters in an arm."""
    if min(n_treated_clusters, n_control_clusters) < 2:
        return without_inference(
            base,
            fact("too_few_clusters", treated=n_treated_clusters, untreated=n_control_clusters),
        )
    out = check_se(base, df.attrs.get("y_scale"))
    if out.has_inference and n_treated_clusters < FEW_CLUSTERS:
        out.notes = (fact("crv1_too_narrow", treated=n_treated_clusters),)
    return out


def _wild_result(
    fit, base: Estimate, how: dict[str, Any], reps: int, seed: int, n_treated_clusters: int
) -> Estimate:
    """:func:`did`'s wild-bootstrap result: a p-value only (NaN interval, with a note)."""
    try:
        pvalue = _wild_p(fit, reps=reps, seed=seed)
    except (ZeroDivisionError, ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        return without_inference(base, fact("wild_failed", error=type(exc).__name__))
    base.extra["pvalue_wild"] = pvalue
    how.update(inference="wild", reps=int(reps))
    out = Estimate(
        base.estimate,
        float("nan"),
        float("nan"),
        float("nan"),
        pvalue,
        base.n,
        Fact("twfe", how),
        base.extra,
        (fact("wild_p_only"),),
    )
    if not np.isfinite(pvalue):
        return without_inference(out, fact("wild_p_not_finite"))
    if n_treated_clusters <= 2:
        out.add_note(few_treated_warning(n_treated_clusters, "twfe"))
    return out


def _ri_notes(out: Estimate, cluster: str | None, n_treated_clusters: int) -> Estimate:
    """What the randomisation result must say: units (not clusters) permuted, few treated."""
    if cluster is not None:
        out.add_note(fact("units_not_clusters_permuted", cluster=cluster))
    if n_treated_clusters <= 2:
        out.add_note(few_treated_warning(n_treated_clusters, "twfe"))
    return out


def _wild_p(fit, *, reps: int, seed: int) -> float:
    with quiet():
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
    seed: int = DEFAULT_SEED,
) -> float:
    """Wild cluster restricted bootstrap p-value (Webb weights) of the TWFE DiD coefficient.

    Use when few clusters are treated (Cameron, Gelbach & Miller 2008; MacKinnon & Webb
    2017). Thin wrapper over :func:`did` with ``inference="wild"``.
    """
    return did(
        panel, outcome, unit, time, treated, post, cluster, inference="wild", reps=reps, seed=seed
    ).pvalue


def _ri(
    df: pd.DataFrame, reps: int, seed: int, strata: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Permute whole treatment paths across units (within ``strata``).

    ``strata``: one code per unit code ``_u``. TWFE coefficient by two-way demeaning
    (Frisch–Waugh–Lovell).

    Index 0 is the actual assignment. Returns, per assignment, the coefficient on the
    outcome and on the actual treatment indicator, and the CRV1 cluster sums of the score
    (scaled so that ``sqrt(Σ_g s²)`` is the SE up to the small-sample factor) for the
    outcome and for the treatment indicator — the inputs of
    :func:`~samenleven_analysis.analysis.estimators.common.studentised_ri`.
    """
    from pyfixest.estimation import demean

    units = np.sort(df["_u"].unique())
    times = np.sort(df["_t"].unique())
    path = np.zeros((len(units), len(times)))
    path[df["_u"].to_numpy(), df["_t"].to_numpy()] = df["_d"].to_numpy()
    u, t = df["_u"].to_numpy(), df["_t"].to_numpy()
    perms = permutation_indices(len(units), reps, seed, strata)
    cols = [path[u, t]] + [path[pm][u, t] for pm in perms]
    x = np.column_stack([df["_y"].to_numpy(), df["_d"].to_numpy(), *cols]).astype(np.float64)
    flist = df[["_u", "_t"]].to_numpy().astype(np.uint64)
    xd, _ = demean(x, flist, np.ones(len(df)))
    y, d, dd = xd[:, 0], xd[:, 1], xd[:, 2:]
    xx = (dd**2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        b_y = (dd * y[:, None]).sum(axis=0) / xx
        b_d = (dd * d[:, None]).sum(axis=0) / xx
        e_y = y[:, None] - dd * b_y[None, :]
        e_d = d[:, None] - dd * b_d[None, :]
        cl = df["_cl"].to_numpy()
        g = int(cl.max()) + 1
        onehot = np.zeros((len(df), g))
        onehot[np.arange(len(df)), cl] = 1.0
        s_y = (onehot.T @ (dd * e_y)) / xx[None, :]
        s_d = (onehot.T @ (dd * e_d)) / xx[None, :]
    return b_y, b_d, s_y.T, s_d.T


def randomization_inference(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    post: str,
    *,
    reps: int = 999,
    seed: int = DEFAULT_SEED,
) -> tuple[float, np.ndarray]:
    """Randomisation-inference p-value of the TWFE DiD coefficient, and the null draws.

    Whole treatment paths (unit × time indicators) are reassigned to units at random, so
    the number of treated units and their timing are kept (Fisher exact test of no effect
    under random assignment of units to paths). ``p = (1 + #|β_perm| ≥ |β|) / (1 + reps)``.
    """
    check_columns(panel, [treated, post])
    df = analysis_frame(panel, outcome, unit, time, None)
    _mark_treatment(df, panel, treated, post)
    b_y, _, _, _ = _ri(df, int(reps), int(seed))
    null = b_y[1:][np.isfinite(b_y[1:])]
    return perm_pvalue(float(b_y[0]), null), null


def placebo_years(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    treatment_time: int,
    fake_years: Sequence[int],
    cluster: str | None = None,
    *,
    inference: str = "auto",
    strata: str | None = None,
    reps: int = 999,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """DiD with fake treatment years, on pre-treatment data only.

    For each fake year ``f`` the panel is cut to ``time < treatment_time`` and ``post`` is
    ``time >= f``; a real effect cannot show up there, so estimates should be near zero
    (a non-zero one signals diverging trends). Inference as :func:`did` (``inference``,
    ``strata``): by default the studentised randomisation test. Measured in the Plan's regime
    (:data:`FLANDERS_PLACEBO_YEAR_REJECTION`): with CRV1 (``inference="cluster"``, the earlier
    default) each fake year rejected a true null in up to 13% of draws with the 6 largest
    funded in levels. Unestimable years → NaN with a ``note``.
    """
    check_columns(panel, [outcome, unit, time, treated])
    pre = panel[pd.to_numeric(panel[time]) < treatment_time].copy()
    rows = []
    for f in fake_years:
        pre["_fake_post"] = pd.to_numeric(pre[time]) >= f
        fit = partial(
            did,
            pre,
            outcome,
            unit,
            time,
            treated,
            "_fake_post",
            cluster,
            inference=inference,
            strata=strata,
            reps=reps,
            seed=seed,
        )
        rows.append(table_row({"fake_year": int(f)}, fit))
    return pd.DataFrame(rows)


def placebo_outcomes(
    panels: Mapping[str, pd.DataFrame],
    unit: str,
    time: str,
    cohort: str,
    *,
    value: str = "value",
    estimator: str = "staggered",
    strata: str | None = None,
) -> pd.DataFrame:
    """Run the main estimator on outcomes the programme cannot plausibly affect.

    ``panels`` maps an outcome name to its analysis panel (e.g. from
    :func:`samenleven_analysis.analysis.outcomes.panel`); ``estimator`` is ``"staggered"``
    (Callaway–Sant'Anna) or ``"twfe"`` (:func:`did` on ``treated``/``post``), each with its own
    default inference (the studentised randomisation test) permuting within ``strata``, so a
    placebo outcome is tested exactly as the headline outcome (whose size the simulation study
    measures). An interval far from zero for a placebo outcome is a warning sign about the
    comparison group.
    """
    rows = []
    for name, frame in panels.items():
        if estimator == "staggered":
            from samenleven_analysis.analysis.estimators.staggered import staggered_did

            fit = partial(staggered_did, frame, value, unit, time, cohort, strata=strata)
        else:
            fit = partial(did, frame, value, unit, time, "treated", "post", strata=strata)
        rows.append(table_row({"outcome": name}, fit))
    return pd.DataFrame(rows)
