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

from samenleven_analysis.bench.simulate import (  # noqa: F401 - re-exported
    simulate_factor_panel,
    simulate_panel,
    simulate_rdd,
)

__all__ = [
    "ESTIMATORS",
    "main",
    "simulate_factor_panel",
    "simulate_panel",
    "simulate_rdd",
    "simulation_study",
]


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
