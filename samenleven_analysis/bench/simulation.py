"""Panels with a known planted effect, and a simulation study of the estimators.

The generators are pure numpy/pandas and seeded, so a test (or a reader) can check that an
estimator in :mod:`samenleven_analysis.evaluation` finds the effect that was put in, and
that its 95% interval covers it about 95% of the time.

- :func:`simulate_panel`: staggered adoption (cohorts = first treated year, the rest never
  treated) with unit and year effects and AR(1) errors: the design of the Plan Samenleven
  evaluation (authorities funded from project year 2022, 2023 or 2024);
- :func:`simulate_rdd`: one row per authority with a running variable (e.g. residents of
  non-EU14 origin) around a cutoff (7,500), sharp or fuzzy participation;
- :func:`simulate_factor_panel`: an interactive-fixed-effects (factor) model with one
  treated unit whose loadings lie inside the donors' convex hull — the setting in which
  synthetic control is unbiased (Abadie, Diamond & Hainmueller 2010).

:func:`simulation_study` draws many data sets and prints bias, RMSE and 95% coverage per
estimator; ``python -m samenleven_analysis.simulate --draws 200`` runs it. It is a
benchmark-style command, never part of the default test run.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "ESTIMATORS",
    "main",
    "simulate_factor_panel",
    "simulate_panel",
    "simulate_rdd",
    "simulation_study",
]


def simulate_panel(
    n_units: int = 60,
    years: Sequence[int] = tuple(range(2012, 2026)),
    cohorts: Sequence[int] = (2022, 2023, 2024),
    share_treated: float = 0.45,
    effect: float = 2.0,
    *,
    dynamic: float = 0.0,
    rho: float = 0.3,
    sigma: float = 0.5,
    trend_sd: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Balanced staggered-adoption panel with a planted treatment effect.

    ``y_it = a_i + g_t + tau_it * D_it + e_it`` with unit effects ``a_i ~ N(0, 1)``, year
    effects ``g_t ~ N(0, 0.5)`` plus a linear trend, AR(1) errors (``rho``, innovation sd
    ``sigma``) and ``D_it = 1`` from the unit's cohort year on. ``tau_it = effect +
    dynamic * (t - cohort)``, so ``dynamic=0`` plants a constant effect ``effect``.
    ``trend_sd > 0`` adds unit-specific linear trends (a violation of parallel trends,
    useful to check that the pre-trend test notices).

    Returns columns ``unit`` (str), ``year`` (int), ``cohort`` (float, NaN = never
    treated), ``treated`` (ever treated, bool), ``post`` (year >= cohort, bool), ``d``
    (treated and post, int), ``y`` (float). ``frame.attrs["effect"]`` holds the true ATT
    over treated post-treatment cells (equal to ``effect`` when ``dynamic == 0``).
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years), dtype=int)
    n_t = len(years)
    n_treated = round(share_treated * n_units)
    cohort = np.full(n_units, np.nan)
    if n_treated:
        cohort[:n_treated] = np.asarray(cohorts, dtype=float)[np.arange(n_treated) % len(cohorts)]
    cohort = rng.permutation(cohort)
    a = rng.normal(0.0, 1.0, n_units)
    g = rng.normal(0.0, 0.5, n_t) + 0.1 * (years - years[0])
    slopes = rng.normal(0.0, trend_sd, n_units) if trend_sd > 0 else np.zeros(n_units)
    e = np.empty((n_units, n_t))
    e[:, 0] = rng.normal(0.0, sigma / np.sqrt(max(1e-12, 1 - rho**2)), n_units)
    for k in range(1, n_t):
        e[:, k] = rho * e[:, k - 1] + rng.normal(0.0, sigma, n_units)
    rel = years[None, :] - cohort[:, None]  # NaN for never treated
    d = np.where(np.isnan(rel), False, rel >= 0)
    tau = np.where(d, effect + dynamic * np.nan_to_num(rel), 0.0)
    y = a[:, None] + g[None, :] + slopes[:, None] * (years - years.mean())[None, :] + tau + e
    units = np.array([f"u{i:03d}" for i in range(n_units)])
    frame = pd.DataFrame(
        {
            "unit": np.repeat(units, n_t),
            "year": np.tile(years, n_units),
            "cohort": np.repeat(cohort, n_t),
            "treated": np.repeat(~np.isnan(cohort), n_t),
            "post": d.ravel(),
            "d": d.ravel().astype(int),
            "y": y.ravel(),
        }
    )
    frame.attrs["effect"] = float(tau[d].mean()) if d.any() else float(effect)
    return frame


def simulate_rdd(
    n: int = 1000,
    cutoff: float = 7500.0,
    effect: float = 1.0,
    *,
    fuzzy: bool = False,
    spread: float = 5000.0,
    sigma: float = 0.5,
    p_below: float = 0.1,
    p_above: float = 0.85,
    seed: int = 0,
) -> pd.DataFrame:
    """Cross-section around a cutoff with a planted jump (sharp) or LATE (fuzzy).

    The running variable is uniform on ``cutoff ± spread``; the outcome is a smooth
    (quadratic) function of it plus ``effect`` for treated units plus N(0, sigma) noise;
    the covariate ``z`` is smooth through the cutoff (a balance check must find no jump).
    Sharp: treated = running >= cutoff (rdrobust's convention). Fuzzy: treated with
    probability ``p_above`` above and ``p_below`` below the cutoff, so the Wald/fuzzy RD
    estimand equals ``effect``. Columns: ``running``, ``above``, ``treated``, ``y``, ``z``.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(cutoff - spread, cutoff + spread, n)
    above = x >= cutoff
    if fuzzy:
        treated = rng.random(n) < np.where(above, p_above, p_below)
    else:
        treated = above.copy()
    s = (x - cutoff) / spread
    y = 1.0 + 0.8 * s - 0.5 * s**2 + effect * treated + rng.normal(0.0, sigma, n)
    z = 3.0 + 0.5 * s + rng.normal(0.0, 0.5, n)
    frame = pd.DataFrame({"running": x, "above": above, "treated": treated.astype(int), "y": y, "z": z})
    frame.attrs["effect"] = float(effect)
    return frame


def simulate_factor_panel(
    n_controls: int = 20,
    years: Sequence[int] = tuple(range(2006, 2026)),
    treatment_year: int = 2022,
    effect: float = 1.0,
    *,
    n_factors: int = 2,
    sigma: float = 0.1,
    n_donors: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Factor-model panel with one treated unit (``"treated"``) and ``n_controls`` donors.

    ``y_jt = d_t + mu_j + lambda_j · f_t + e_jt`` with smooth common factors. The treated
    unit's ``mu`` and ``lambda`` are a convex combination of ``n_donors`` donors' (random
    Dirichlet weights), so a synthetic control exists; ``effect`` is added to the treated
    unit from ``treatment_year`` on. Columns ``unit``, ``year``, ``y``, ``treated`` (bool,
    the unit), ``post`` (bool). ``frame.attrs`` holds ``effect`` and ``true_weights``.
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years), dtype=int)
    n_t = len(years)
    tt = (years - years[0]) / max(1, n_t - 1)
    # Smooth factors (sines with random phase) plus a random walk: realistic co-movement.
    f = np.column_stack(
        [np.sin(2 * np.pi * (k + 1) * tt / 1.5 + rng.uniform(0, 2 * np.pi)) for k in range(n_factors)]
    ) + 0.3 * rng.normal(size=(n_t, n_factors)).cumsum(axis=0)
    lam = rng.normal(0.0, 1.0, (n_controls, n_factors))
    mu = rng.normal(10.0, 2.0, n_controls)
    donors = rng.choice(n_controls, size=n_donors, replace=False)
    w = np.zeros(n_controls)
    w[donors] = rng.dirichlet(np.ones(n_donors))
    lam_t, mu_t = w @ lam, w @ mu
    delta = 0.05 * (years - years[0])
    y_c = delta[None, :] + mu[:, None] + lam @ f.T + rng.normal(0.0, sigma, (n_controls, n_t))
    y_t = delta + mu_t + f @ lam_t + rng.normal(0.0, sigma, n_t)
    post = years >= treatment_year
    y_t = y_t + effect * post
    units = [f"c{j:02d}" for j in range(n_controls)] + ["treated"]
    y = np.vstack([y_c, y_t[None, :]])
    frame = pd.DataFrame(
        {
            "unit": np.repeat(units, n_t),
            "year": np.tile(years, n_controls + 1),
            "y": y.ravel(),
        }
    )
    frame["treated"] = frame["unit"].eq("treated")
    frame["post"] = frame["year"].ge(treatment_year)
    frame.attrs["effect"] = float(effect)
    frame.attrs["true_weights"] = {units[j]: float(w[j]) for j in np.flatnonzero(w)}
    return frame


# --------------------------------------------------------------------------- simulation study


def _est_did(seed: int, effect: float):
    from samenleven_analysis import evaluation

    df = simulate_panel(n_units=40, effect=effect, seed=seed)
    # Common-timing TWFE: units of the first cohort vs never treated, as in a 2x2 design.
    sub = df[df.cohort.isna() | df.cohort.eq(2022)]
    return evaluation.did(sub, "y", "unit", "year", "treated", "post", inference="cluster"), effect


def _est_event(seed: int, effect: float):
    from samenleven_analysis import evaluation

    df = simulate_panel(n_units=40, effect=effect, seed=seed)
    es = evaluation.event_study(df, "y", "unit", "year", "cohort", bootstrap_reps=199)
    row = es.coefs.loc[es.coefs.rel_time.eq(0)].iloc[0]
    est = evaluation.Estimate(
        float(row.estimate), float(row.se), float(row.ci_low), float(row.ci_high),
        float(row.pvalue), es.n, "event study, rel_time 0",
    )
    est.extra["pretrend_pvalue"] = es.pretrend_pvalue
    return est, effect


def _est_staggered(seed: int, effect: float):
    from samenleven_analysis import evaluation

    df = simulate_panel(n_units=40, effect=effect, seed=seed)
    return evaluation.staggered_did(df, "y", "unit", "year", "cohort"), effect


def _est_rdd_sharp(seed: int, effect: float):
    from samenleven_analysis import evaluation

    df = simulate_rdd(n=600, effect=effect, seed=seed)
    return evaluation.rdd(df, "y", "running", 7500.0), effect


def _est_rdd_fuzzy(seed: int, effect: float):
    from samenleven_analysis import evaluation

    df = simulate_rdd(n=1500, effect=effect, fuzzy=True, seed=seed)
    return evaluation.rdd(df, "y", "running", 7500.0, treatment="treated"), effect


def _est_synth(seed: int, effect: float):
    from samenleven_analysis import evaluation

    # 24 donors: the smallest attainable placebo p-value is 1/25 < 0.05.
    df = simulate_factor_panel(n_controls=24, effect=effect, seed=seed)
    sc = evaluation.synthetic_control(df, "y", "unit", "year", "treated", 2022)
    return evaluation.Estimate(
        sc.att, sc.se, sc.ci_low, sc.ci_high, sc.placebo_pvalue, sc.n, sc.method
    ), effect


ESTIMATORS: dict[str, tuple[Callable, float]] = {
    "did_twfe": (_est_did, 2.0),
    "event_study_t0": (_est_event, 2.0),
    "staggered_cs": (_est_staggered, 2.0),
    "rdd_sharp": (_est_rdd_sharp, 1.0),
    "rdd_fuzzy": (_est_rdd_fuzzy, 1.0),
    "synthetic_control": (_est_synth, 1.0),
}
"""Name → (draw function(seed, effect) -> (Estimate, truth), planted effect)."""


def simulation_study(
    draws: int = 200,
    seed: int = 20221001,
    estimators: Sequence[str] | None = None,
    *,
    null: bool = False,
    out=None,
    progress: bool = False,
) -> pd.DataFrame:
    """Monte Carlo check of each estimator: bias, RMSE, 95% coverage, mean CI width,
    rejection rate at 5% (power, or size with ``null=True``) and, for the event study, the
    rejection rate of the joint pre-trend test (its size: every draw has parallel trends).

    Each draw ``k`` uses seed ``seed + k`` (the same data for every run with these
    arguments). ``null=True`` plants no effect (coverage of zero = 1 − size of the test).
    Prints the table to ``out`` (stdout by default) and returns it. Draws that raise are
    counted in ``failed`` rather than silently dropped.
    """
    names = list(estimators) if estimators else list(ESTIMATORS)
    unknown = sorted(set(names) - set(ESTIMATORS))
    if unknown:
        raise ValueError(f"unknown estimator(s) {unknown}; choose from {sorted(ESTIMATORS)}")
    out = sys.stdout if out is None else out
    rows = []
    for name in names:
        fn, planted = ESTIMATORS[name]
        truth_effect = 0.0 if null else planted
        est, lo, hi, truths, pvals, pretrend, failed = [], [], [], [], [], [], 0
        t0 = time.perf_counter()
        for k in range(draws):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    e, truth = fn(seed + k, truth_effect)
                except Exception:  # noqa: BLE001 - a failed draw is reported, not hidden
                    failed += 1
                    continue
            est.append(e.estimate)
            lo.append(e.ci_low)
            hi.append(e.ci_high)
            truths.append(truth)
            pvals.append(e.pvalue)
            if "pretrend_pvalue" in e.extra:
                pretrend.append(e.extra["pretrend_pvalue"])
        est_a, lo_a, hi_a, tr = map(np.asarray, (est, lo, hi, truths))
        ok = len(est_a) > 0
        rows.append(
            {
                "estimator": name,
                "truth": truth_effect,
                "draws": len(est_a),
                "failed": failed,
                "mean_estimate": float(est_a.mean()) if ok else np.nan,
                "bias": float((est_a - tr).mean()) if ok else np.nan,
                "rmse": float(np.sqrt(((est_a - tr) ** 2).mean())) if ok else np.nan,
                "coverage_95": float(((lo_a <= tr) & (tr <= hi_a)).mean()) if ok else np.nan,
                "mean_ci_width": float((hi_a - lo_a).mean()) if ok else np.nan,
                # share of draws with p < 0.05: power with a planted effect, size without
                "reject_5pct": float((np.asarray(pvals) < 0.05).mean()) if ok else np.nan,
                # event study only: how often the joint pre-trend test fires (true trends are parallel)
                "pretrend_reject_5pct": float((np.asarray(pretrend) < 0.05).mean()) if pretrend else np.nan,
            }
        )
        if progress:
            print(f"  {name}: {len(est_a)} draws in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    table = pd.DataFrame(rows)
    label = "no planted effect" if null else "planted effect"
    print(f"Simulation study ({draws} draws, seed {seed}, {label})", file=out)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"), file=out)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m samenleven_analysis.simulate [--draws N] [--seed S] ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m samenleven_analysis.simulate",
        description="Simulation study: bias and 95%% coverage of each estimator on panels "
        "with a known planted effect.",
    )
    parser.add_argument("--draws", type=int, default=200, help="draws per estimator (default 200)")
    parser.add_argument("--seed", type=int, default=20221001, help="first seed (default 20221001)")
    parser.add_argument(
        "--estimator", action="append", choices=sorted(ESTIMATORS), help="repeat to choose several (default all)"
    )
    parser.add_argument("--null", action="store_true", help="plant no effect (size of the tests)")
    parser.add_argument("--quiet", action="store_true", help="no per-estimator progress on stderr")
    args = parser.parse_args(argv)
    if args.draws < 1:
        parser.error("--draws must be at least 1")
    simulation_study(args.draws, args.seed, args.estimator, null=args.null, progress=not args.quiet)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
