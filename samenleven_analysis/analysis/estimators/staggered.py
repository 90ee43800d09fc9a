"""Callaway–Sant'Anna staggered-adoption ATT (differences ``ATTgt``) and its inference rule.

**Inference rule** (one procedure gives the p-value, the interval and the verdict), chosen
by coverage measured in the simulation study (issue 20; ``bench.simulation``, scenarios
``flanders_*``: 285 authorities, the 6 or 28 largest funded, AR(1) ρ = 0.5, no effect;
draws as stated, Monte Carlo s.e. in docs/inference.md):

* ``inference="auto"`` (default) = **studentised randomisation inference** whenever it can
  run (never-treated controls, balanced panel), whatever the number of funded authorities:
  cohort labels are permuted across units — within the strata given by ``strata`` (the
  notebooks and the simulation study use size and eligibility,
  :func:`~samenleven_analysis.analysis.estimators.common.size_strata`: the 2 × n_funded
  largest authorities, the other eligible ones, the rest) — and the statistic is the ATT
  divided by its cluster-robust (influence-function) SE, so that funded authorities noisier or
  quieter than the others do not break the test's size (Chung & Romano 2013). ``reps`` = 999
  draws, fixed seed; the interval inverts the same test for a constant effect; no SE.
  Measured 95% coverage of 0 with no effect (:data:`MEASURED_COVERAGE`, 600 draws): levels
  0.950 / 0.945 and rates 0.973 / 0.943 with 6 / 28 funded. Strata by eligibility alone gave
  0.952 / 0.948 and 0.989 / 0.954 (1,000 draws): too wide with the 6 quietest funded in rates
  (docs/inference.md).
* ``"analytic"``: influence-function SE clustered by ``cluster``, normal interval. It
  under-covers where the Plan lives: measured 0.66 (0.047) / 0.92 (0.027) in levels and
  0.75 (0.043) / 0.96 (0.020) in rates with 6 / 28 funded (100 draws); ``auto`` uses it
  only when randomisation inference cannot run and at least ``FEW_CLUSTERS`` (10) clusters
  are treated and untreated (a note says so).
* ``G1 <= 2`` treated clusters: a ``UserWarning`` and a ``note``: the permutation test then
  leans entirely on the as-good-as-random assignment of funding within strata.
* degenerate cases (SE not finite, ≤ 0 or numerically zero, fewer than two clusters in an
  arm for the analytic SE, unbounded confidence set, unbalanced panel for the permutation)
  return the point estimate with NaN inference and a ``note``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from samenleven_analysis.analysis.estimators.common import (
    FEW_CLUSTERS,
    RI_REPS,
    Estimate,
    Fact,
    analysis_frame,
    check_columns,
    check_comparison,
    check_se,
    cohorts_within_panel,
    fact,
    few_treated_warning,
    normalise_cohort,
    permutation_indices,
    quiet,
    ri_scheme,
    studentised_ri,
    unit_strata,
    without_inference,
)
from samenleven_analysis.facts import DEFAULT_SEED

MEASURED_COVERAGE: dict[tuple[str, int], tuple[float, float]] = {
    ("level", 6): (0.950, 0.009),
    ("level", 28): (0.945, 0.009),
    ("rate", 6): (0.973, 0.007),
    ("rate", 28): (0.943, 0.009),
}
"""(outcome kind, funded authorities) → (coverage, MC s.e.) of the default studentised
randomisation interval within size and eligibility strata (the notebooks' strata), scenario
``flanders_{kind}_{n}_null``, :data:`MEASURED_COVERAGE_DRAWS` draws, 999 permutations
(docs/inference.md). With the heterogeneous effect (``flanders_{kind}_{n}``): 0.950, 0.945,
0.968 and 0.938."""

MEASURED_COVERAGE_DRAWS = 600
"""Draws behind :data:`MEASURED_COVERAGE`."""

ANALYTIC_COVERAGE: dict[tuple[str, int], tuple[float, float]] = {
    ("level", 6): (0.66, 0.047),
    ("level", 28): (0.92, 0.027),
    ("rate", 6): (0.75, 0.043),
    ("rate", 28): (0.96, 0.020),
}
"""Coverage (MC s.e.) of the analytic (influence-function, normal) interval of the C–S ATT in the
same scenarios, 100 draws (docs/inference.md): far below 95% with 6 funded, which is why the
notebooks use the randomisation interval and show the event-time estimates without intervals."""


def _analytic_estimate(
    df: pd.DataFrame,
    lib: dict | None,
    se_if: float | None,
    *,
    cluster: str | None,
    unit: str,
    est_method: str,
    control_group: str,
    alpha: float,
    method: Fact,
    extra: dict[str, Any],
    g1: int,
    g0: int,
) -> Estimate:
    """The analytic-inference result of :func:`staggered_did` (``se_if`` set: the numpy fast path)."""
    fast = se_if is not None
    cl_word = cluster or unit
    if fast:
        est = float(_numpy_att(df))
        q = float(stats.norm.ppf(1 - alpha / 2))
        se, lo, hi = se_if, est - q * se_if, est + q * se_if
    else:
        est, se, lo, hi = lib["simple"]
    if not fast and cluster is not None and cluster != unit:
        # differences 0.3's cluster_var fails under pandas 3 (LIBRARY_NOTES): the
        # influence function of the same estimator, summed by cluster, gives the SE.
        se = _clustered_if_se(df, control_group)
        if est_method != "reg":
            extra["se_note"] = fact("se_from_regression_influence_function")
        q = float(stats.norm.ppf(1 - alpha / 2))
        lo, hi = est - q * se, est + q * se
    p = float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")
    out = Estimate(
        est,
        se,
        lo,
        hi,
        p,
        len(df),
        Fact(method.code, {**method.values, "inference": "analytic", "cluster": cl_word}),
        extra,
    )
    if min(g1, g0) < 2:
        return without_inference(out, fact("too_few_clusters", treated=g1, untreated=g0))
    out = check_se(out, df.attrs.get("y_scale"))
    if out.has_inference and min(g1, g0) < FEW_CLUSTERS:
        out.notes = (fact("analytic_too_narrow", treated=g1, untreated=g0),)
    elif out.has_inference:
        # In simulations of funding to the largest authorities the analytic interval covered
        # 92–96% with 28 funded (randomisation inference needs a balanced panel with
        # never-treated controls).
        out.notes = (fact("analytic_interval_coverage", low=0.92, high=0.96, funded=28),)
    return out


def _comparable_cohorts(df: pd.DataFrame, control_group: str) -> tuple[pd.DataFrame, list[int]]:
    """``df`` without cohorts that have no pre-period, and those cohorts.

    ValueError when no treated unit is left, or no never-treated one for that control group.
    """
    # A cohort treated from the first panel year has no pre-period: it cannot be compared.
    first = float(df["_time"].min())
    no_pre = sorted({int(c) for c in df["_g"].dropna().unique() if c <= first})
    if no_pre:
        df = df[~df["_g"].isin(no_pre)].copy()
    if df["_g"].notna().sum() == 0:
        raise ValueError("no treated units (all cohorts are 0/NaN or outside the panel)")
    if control_group == "never_treated" and df["_g"].isna().sum() == 0:
        raise ValueError("no never-treated units: use control_group='not_yet_treated'")
    return df, no_pre


def _inference_mode(inference: str, df: pd.DataFrame, control_group: str, g1: int, g0: int) -> str:
    """``"analytic"`` or ``"ri"``; ``"auto"`` permutes when it can or when few are treated."""
    mode = inference
    if mode == "auto":
        balanced = df.groupby("_unit")["_time"].nunique().eq(df["_time"].nunique()).all()
        can_permute = control_group == "never_treated" and bool(balanced)
        mode = "ri" if can_permute or min(g1, g0) < FEW_CLUSTERS else "analytic"
    if mode not in ("analytic", "ri"):
        raise ValueError(f"inference must be auto, analytic or ri, not {inference!r}")
    return mode


def staggered_did(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    *,
    cluster: str | None = None,
    control_group: str = "never_treated",
    est_method: str = "reg",
    inference: str = "auto",
    reps: int = RI_REPS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    details: bool = True,
    strata: str | None = None,
) -> Estimate:
    """Callaway & Sant'Anna (2021) group-time ATTs, aggregated to one overall ATT.

    Uses ``differences.ATTgt`` (outcome regression by default; ``est_method="dr"`` for
    doubly robust) with ``control_group`` ``"never_treated"`` or ``"not_yet_treated"``; the
    overall ATT is the ``"simple"`` aggregation (group-size weighted average of
    post-treatment ATT(g, t)). Inference follows the module's inference rule:
    ``inference="auto"`` (the rule), ``"analytic"`` or ``"ri"``. Cohorts after the panel's
    last year are not yet treated (``extra["late_cohorts"]``). ``details`` adds
    ``extra["event"]`` (event-time aggregation, analytic intervals), ``extra["cohort"]`` and
    ``extra["group_time"]``; ``details=False`` with randomisation inference skips the
    library (the permutation uses an exact numpy re-implementation of the same estimator).
    ``strata``: a unit-level column; cohort labels are permuted only within its values
    (the variables the assignment depended on, e.g. eligibility or size class); the
    scheme is named in ``method``, ``note`` and ``extra["ri_scheme"]``.
    """
    check_columns(panel, [cohort])
    df = analysis_frame(panel, outcome, unit, time, cluster)
    g, late = cohorts_within_panel(normalise_cohort(panel.loc[df.index, cohort]), df["_time"])
    df["_g"] = g.to_numpy()
    df, no_pre = _comparable_cohorts(df, control_group)
    check_comparison(df, (df["_time"] >= df["_g"].fillna(np.inf)).to_numpy())
    treated_cl = set(df.loc[df["_g"].notna(), "_cl"])
    g1 = len(treated_cl)
    g0 = int(df.loc[~df["_cl"].isin(treated_cl), "_cl"].nunique())
    mode = _inference_mode(inference, df, control_group, g1, g0)
    extra: dict[str, Any] = {
        "control_group": control_group,
        "n_units": int(df["_unit"].nunique()),
        "n_treated_units": int(df.loc[df["_g"].notna(), "_unit"].nunique()),
        "n_treated_clusters": g1,
        "n_control_clusters": g0,
        "inference": mode,
        "late_cohorts": late,
        "cohorts_without_pre_period": no_pre,
    }
    method = fact(
        "callaway_santanna",
        est_method=est_method,
        control_group=control_group,
        aggregation="simple",
    )
    lib = None
    fast = not details and est_method == "reg" and control_group == "never_treated"
    if fast:  # same estimator in numpy (checked against differences in the tests)
        se_if = _clustered_if_se(df, control_group)
        fast = bool(np.isfinite(se_if))
    if not fast and (mode == "analytic" or details or control_group != "never_treated"):
        lib = _differences_fit(df, est_method, control_group, alpha, details)
        extra.update(lib["extra"])
    if mode == "analytic":
        return _analytic_estimate(
            df,
            lib,
            se_if if fast else None,
            cluster=cluster,
            unit=unit,
            est_method=est_method,
            control_group=control_group,
            alpha=alpha,
            method=method,
            extra=extra,
            g1=g1,
            g0=g0,
        )
    if control_group != "never_treated":
        out = Estimate(
            lib["simple"][0],
            float("nan"),
            float("nan"),
            float("nan"),
            float("nan"),
            len(df),
            method,
            extra,
        )
        return without_inference(out, fact("ri_needs_never_treated"))
    wide = df.pivot_table(index="_unit", columns="_time", values="_y", aggfunc="first")
    if wide.isna().any().any():
        est = lib["simple"][0] if lib else float("nan")
        out = Estimate(
            est, float("nan"), float("nan"), float("nan"), float("nan"), len(df), method, extra
        )
        return without_inference(out, fact("ri_needs_balanced_panel"))
    units = df.drop_duplicates("_unit").set_index("_unit").reindex(wide.index)
    gvec = units["_g"].to_numpy()
    years = wide.columns.to_numpy(dtype=float)
    Y = wide.to_numpy(dtype=float)
    D = np.where(np.isnan(gvec)[:, None], 0.0, (years[None, :] >= gvec[:, None]).astype(float))
    r = int(reps)
    st = _strata_codes(panel, df, strata, wide.index)
    perms = np.vstack([np.arange(len(gvec)), permutation_indices(len(gvec), r, seed, st)])
    att, scores = cs_scores(np.stack([Y, D], axis=-1), gvec[perms], years, units["_cl"].to_numpy())
    est = float(att[0, 0])
    if lib is not None and abs(lib["simple"][0] - est) > 1e-6 * max(1.0, abs(est)):
        raise RuntimeError("internal check failed: numpy C–S ATT differs from differences' ATT")
    p, lo, hi, why = studentised_ri(att[:, 0], att[:, 1], scores[:, :, 0], scores[:, :, 1], alpha)
    n_strata = 1 if st is None else int(len(np.unique(st)))
    scheme = ri_scheme(strata, n_strata, "cohort_labels")
    # Same units, cohorts, strata and seed give the same permutations for every outcome: the
    # joint null distribution that Romano–Wolf needs (multiple_testing.adjust_pvalues).
    with np.errstate(divide="ignore", invalid="ignore"):
        null_t = att[1:, 0] / np.sqrt((scores[1:, :, 0] ** 2).sum(axis=1))
    obs_t = est / float(np.sqrt((scores[0, :, 0] ** 2).sum()))
    key = hash((tuple(wide.index), tuple(np.nan_to_num(gvec)), int(seed), r, strata, n_strata))
    extra.update(
        pvalue_ri=p,
        ri_reps=r,
        ri_null=np.where(np.isfinite(null_t), null_t, 0.0),
        ri_stat=obs_t,
        ri_key=key,
        ri_scheme=scheme,
        ri_strata=strata,
        # the arguments of the test (common.studentised_ri_pvalues: p at other nulls)
        ri_test=(att[:, 0], att[:, 1], scores[:, :, 0], scores[:, :, 1]),
    )
    method = Fact(method.code, {**method.values, "inference": "ri", "reps": r, "scheme": scheme})
    out = Estimate(
        est,
        float("nan"),
        lo,
        hi,
        p,
        len(df),
        method,
        extra,
        (fact("se_not_reported_ri", scheme=scheme),),
    )
    if why:
        return without_inference(out, fact(why))
    if cluster is not None and cluster != unit:
        out.add_note(fact("units_not_clusters_permuted", cluster=cluster))
    if g1 <= 2:
        out.add_note(few_treated_warning(g1, "callaway_santanna"))
    return out


def _strata_codes(
    panel: pd.DataFrame, df: pd.DataFrame, strata: str | None, units: pd.Index
) -> np.ndarray | None:
    """One stratum code per unit of ``units`` (the wide panel's order), or None."""
    codes = unit_strata(panel, df, strata)
    if codes is None:
        return None
    per_unit = pd.Series(codes, index=df.index).groupby(df["_unit"].to_numpy()).first()
    return per_unit.reindex(units).to_numpy()


def cs_simple_att(Z: np.ndarray, cohorts: np.ndarray, years: np.ndarray) -> tuple[np.ndarray, ...]:
    """Callaway–Sant'Anna "simple" ATT for many cohort assignments at once.

    Never-treated controls, outcome regression without covariates. The permutation loop's workhorse.

    ``Z``: units × years × k outcomes (balanced); ``cohorts``: assignments × units (first
    treated year, NaN = never). ATT(g, t) = mean change from ``g − 1`` to ``t`` of cohort
    ``g`` minus that of the never treated, averaged over post cells with weights ∝ cohort
    size — the same numbers as ``differences``. Returns one array (per assignment) per outcome.
    """
    n_perm = cohorts.shape[0]
    num = np.zeros((n_perm, Z.shape[-1]))
    den = 0.0
    control = np.isnan(cohorts).astype(float)
    n0 = control.sum(axis=1, keepdims=True)
    index = {y: k for k, y in enumerate(years)}
    for c in np.unique(cohorts[0][~np.isnan(cohorts[0])]):
        members = (cohorts == c).astype(float)
        n_c = members[0].sum()
        b = index.get(c - 1)
        if b is None:
            continue
        for t in range(b + 1, len(years)):
            delta = Z[:, t, :] - Z[:, b, :]  # units × k
            att = members @ delta / n_c - control @ delta / n0
            num += n_c * att
            den += n_c
    return tuple((num / den).T)


def cs_scores(
    Z: np.ndarray, cohorts: np.ndarray, years: np.ndarray, clusters: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The simple C–S ATT and its influence function summed by cluster, for many cohort assignments.

    All cohort assignments at once: the studentised permutation test's workhorse.

    ``Z``: units × years × k outcomes (balanced); ``cohorts``: assignments × units;
    ``clusters``: one integer code per unit. Returns ``att`` (assignments × k) and
    ``scores`` (assignments × clusters × k) with ``sqrt(G / (G − 1) · Σ_g scores²)`` = the
    cluster-robust SE of :func:`_clustered_if_se` (the same influence function). Cohort
    sizes are the actual assignment's (a permutation keeps them).
    """
    index = {y: k for k, y in enumerate(years)}
    first = cohorts[0]
    cohort_list = [c for c in np.unique(first[~np.isnan(first)]) if index.get(c - 1) is not None]
    n_years = len(years)
    den = sum((first == c).sum() * (n_years - index[c]) for c in cohort_list)
    n_perm, n_units, k = cohorts.shape[0], Z.shape[0], Z.shape[-1]
    psi = np.zeros((n_perm, n_units, k))
    att = np.zeros((n_perm, k))
    ctrl_sum = np.zeros((n_units, k))
    control = np.isnan(cohorts).astype(float)
    n0 = control[0].sum()
    for c in cohort_list:
        b = index[c - 1]
        change = (Z[:, b + 1 :, :] - Z[:, [b], :]).sum(axis=1)  # units × k
        mem = (cohorts == c).astype(float)
        n_c = mem[0].sum()
        m_c = mem @ change / n_c  # assignments × k
        psi += mem[:, :, None] * (change[None, :, :] - m_c[:, None, :]) / den
        ctrl_sum += n_c / den * change
        att += n_c * (m_c - control @ change / n0) / den
    mean_ctrl = control @ ctrl_sum / n0
    psi -= control[:, :, None] * (ctrl_sum[None, :, :] - mean_ctrl[:, None, :]) / n0
    onehot = np.zeros((n_units, int(clusters.max()) + 1))
    onehot[np.arange(n_units), clusters] = 1.0
    onehot = onehot[:, onehot.sum(axis=0) > 0]
    scores = np.stack([psi[:, :, j] @ onehot for j in range(k)], axis=-1)
    g = onehot.shape[1]
    return att, scores * np.sqrt(g / max(1, g - 1))


def _numpy_att(df: pd.DataFrame) -> float:
    """The simple C–S ATT of the actual assignment by :func:`cs_simple_att` (balanced panel)."""
    wide = df.pivot_table(index="_unit", columns="_time", values="_y", aggfunc="first")
    g = df.drop_duplicates("_unit").set_index("_unit")["_g"].reindex(wide.index).to_numpy()
    return cs_simple_att(
        wide.to_numpy(dtype=float)[:, :, None], g[None, :], wide.columns.to_numpy(dtype=float)
    )[0][0]


def _clustered_if_se(df: pd.DataFrame, control_group: str) -> float:
    """Cluster-robust SE of the simple C–S ATT from its influence function.

    Never-treated controls; NaN otherwise. Each unit's contribution, centred by arm, summed by
    cluster.
    """
    if control_group != "never_treated":
        return float("nan")
    wide = df.pivot_table(index="_unit", columns="_time", values="_y", aggfunc="first")
    if wide.isna().any().any():
        return float("nan")
    units = df.drop_duplicates("_unit").set_index("_unit").reindex(wide.index)
    g, cl = units["_g"].to_numpy(), units["_cl"].to_numpy()
    years = wide.columns.to_numpy(dtype=float)
    Y = wide.to_numpy(dtype=float)
    index = {y: k for k, y in enumerate(years)}
    control = np.isnan(g)
    psi = np.zeros(len(g))
    cohorts = [c for c in np.unique(g[~control]) if index.get(c - 1) is not None]
    den = sum((g == c).sum() * (len(years) - index[c]) for c in cohorts)
    ctrl_sum = np.zeros(len(g))
    for c in cohorts:
        b = index[c - 1]
        change = (Y[:, b + 1 :] - Y[:, [b]]).sum(axis=1)  # sum over post years of Δ_i,ct
        mem = g == c
        psi[mem] = (change[mem] - change[mem].mean()) / den
        ctrl_sum += mem.sum() / den * change
    n0 = control.sum()
    psi[control] = -(ctrl_sum[control] - ctrl_sum[control].mean()) / n0
    by_cluster = pd.Series(psi).groupby(cl).sum().to_numpy()
    n_cl = len(by_cluster)
    return float(np.sqrt(n_cl / max(1, n_cl - 1) * np.sum(by_cluster**2)))


def _differences_fit(
    df: pd.DataFrame, est_method: str, control_group: str, alpha: float, details: bool
) -> dict:
    """Fit differences' ATTgt once; the simple aggregation and (optionally) the tables."""
    from differences import ATTgt

    data = df[["_unit", "_time", "_y", "_g", "_cl_raw"]].copy()
    data["_time"] = data["_time"].astype(int)
    data = data.set_index(["_unit", "_time"]).sort_index()
    with quiet():
        att = ATTgt(data=data, cohort_column="_g")
        att.fit(
            formula="_y",
            est_method=est_method,
            control_group=control_group,
            alpha=alpha,
            progress_bar=False,
        )
        simple = att.aggregate("simple", alpha=alpha)
        tables = {}
        if details:
            tables = {
                "event": _flatten_agg(att.aggregate("event", alpha=alpha), "rel_time"),
                "cohort": _flatten_agg(att.aggregate("cohort", alpha=alpha), "cohort"),
                "group_time": _flatten_agg(att.results(), None),
            }
    s = simple.iloc[0]
    vals = tuple(float(s.xs(k, level=2).iloc[0]) for k in ("ATT", "std_error", "lower", "upper"))
    return {"simple": vals, "extra": tables}


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
