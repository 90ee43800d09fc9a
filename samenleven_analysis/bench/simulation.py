"""Simulation study: bias, RMSE, 95% coverage, size and power of each estimator per scenario.

Scenarios mimic the Flemish evaluation (:func:`~samenleven_analysis.bench.simulate.simulate_flanders`:
300 authorities with skewed sizes, funding concentrated in the largest, three cohorts,
heterogeneous and dynamic effects): ``baseline`` (30 funded), ``no_effect`` (30 funded, effect
0: size), ``non_parallel`` (funded authorities on their own trend), ``six_treated``,
``one_treated``; ``rdd`` and ``synthetic`` keep the cross-section and factor-model designs.
Estimators run exactly as the package reports them (few-treated rule included); a draw that
returns no interval counts in ``reported`` < 1 and is left out of coverage and rejection.
:func:`main` prints the table (``samenleven bench simulation --draws N --scenario S``).
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from samenleven_analysis.analysis.estimators.common import SIZE_STRATUM, size_strata
from samenleven_analysis.bench.simulate import (
    simulate_factor_panel,
    simulate_flanders,
    simulate_flanders_rdd,
    simulate_panel,
    simulate_rdd,
)
from samenleven_analysis.facts import DEFAULT_SEED, PROGRAMME_START_YEAR, THRESHOLD_RESIDENTS

__all__ = [
    "ESTIMATORS",
    "SCENARIOS",
    "main",
    "simulate_factor_panel",
    "simulate_flanders",
    "simulate_panel",
    "simulate_rdd",
    "simulation_study",
]

SCENARIOS: dict[str, dict] = {
    "baseline": {"n_treated": 30, "effect": 1.0},
    "no_effect": {"n_treated": 30, "effect": 0.0},
    "non_parallel": {"n_treated": 30, "effect": 1.0, "trend": 0.15},
    "six_treated": {"n_treated": 6, "effect": 1.0},
    "one_treated": {"n_treated": 1, "effect": 1.0},
    "rdd": {},
    "rdd_flanders": {"jump": 0.55, "effect": 1.0},
    "rdd_flanders_null": {"jump": 0.0, "effect": 0.0},
    "synthetic": {},
}
_FLANDERS = {"n_units": 285, "rho": 0.5}
for _outcome in ("level", "rate"):
    for _n in (6, 28):
        for _effect, _tag in ((0.0, "_null"), (1.0, "")):
            SCENARIOS[f"flanders_{_outcome}_{_n}{_tag}"] = {
                **_FLANDERS,
                "n_treated": _n,
                "effect": _effect,
                "outcome": _outcome,
            }
"""Scenario → keyword arguments of :func:`simulate_flanders` (panel scenarios). The
``flanders_*`` scenarios are the regime of issue 20: 285 authorities, the 6 or 28 largest
funded, AR(1) ρ = 0.5, heterogeneous dynamic effects (``_null``: effect 0), outcome in
levels (noise ∝ √size: the funded are the noisiest) or rates (noise ∝ 1/√size)."""

for _outcome in ("level", "rate"):
    SCENARIOS[f"sc_flanders_{_outcome}_null"] = {
        **_FLANDERS,
        "n_treated": 1,
        "effect": 0.0,
        "outcome": _outcome,
    }
    SCENARIOS[f"sc_flanders_{_outcome}_null_long"] = {
        **SCENARIOS[f"sc_flanders_{_outcome}_null"],
        "years": tuple(range(2005, 2026)),
    }
"""``sc_flanders_*``: the synthetic-control notebook's design, the single largest of 285 authorities
funded (no effect), donors the 30 most populous never-funded ones (``REAL_DONORS``); ``_long``: the
years 2005–2025 (17–19 pre-years, as the real fiscal-income series from 2005) instead of 2016–2025."""

FLANDERS = tuple(k for k in SCENARIOS if k.startswith("flanders_"))
FLANDERS_NULL = tuple(k for k in FLANDERS if k.endswith("_null"))
PANEL = ("baseline", "no_effect", "non_parallel", "six_treated", "one_treated", *FLANDERS)


def _panel(scenario: str, seed: int) -> pd.DataFrame:
    """The scenario's panel with the notebooks' randomisation strata (size and eligibility)."""
    df = simulate_flanders(seed=seed, **SCENARIOS[scenario])
    units = df.drop_duplicates("unit").set_index("unit")
    strata = size_strata(units["size"], units["cohort"].notna(), units["eligible"] == 1)
    df[SIZE_STRATUM] = df["unit"].map(strata)
    return df


def _cs(scenario: str, seed: int):
    from samenleven_analysis.analysis.estimators.staggered import staggered_did

    df = _panel(scenario, seed)
    e = staggered_did(
        df, "y", "unit", "year", "cohort", details=False, seed=seed, strata=SIZE_STRATUM
    )
    return e, df.attrs["effect"]


def _twfe(scenario: str, seed: int):
    from samenleven_analysis.analysis.estimators.did import did

    df = _panel(scenario, seed)
    e = did(df, "y", "unit", "year", "treated", "post", reps=999, seed=seed, strata=SIZE_STRATUM)
    return e, df.attrs["effect"]


def _twfe_wild(scenario: str, seed: int):
    """TWFE with the wild cluster bootstrap p-value (its size is why the notebook does not show it)."""
    from samenleven_analysis.analysis.estimators.did import did

    df = _panel(scenario, seed)
    e = did(
        df, "y", "unit", "year", "treated", "post", "unit", inference="wild", reps=999, seed=seed
    )
    return e, df.attrs["effect"]


def _sdid(scenario: str, seed: int):
    from samenleven_analysis.analysis.estimators.sdid import synthetic_did

    df = _panel(scenario, seed)
    return synthetic_did(df, "y", "unit", "year", "cohort", reps=30, seed=seed), df.attrs["effect"]


def _pretrend(scenario: str, seed: int):
    """The event study's joint pre-trend test as a test of "parallel trends".

    Truth: 0 unless the scenario's trends diverge; its estimate is the Wald statistic (bias not
    meaningful).
    """
    from samenleven_analysis.analysis.estimators.common import Estimate
    from samenleven_analysis.analysis.estimators.event_study import event_study

    df = _panel(scenario, seed)
    es = event_study(df, "y", "unit", "year", "cohort", bootstrap_reps=199, seed=seed)
    nan = float("nan")
    return Estimate(nan, nan, nan, nan, es.pretrend_pvalue, es.n, es.method), nan


def _event_coefficient(scenario: str, seed: int):
    """The event study's pointwise CRV1 interval of the first post period (relative time 0)."""
    from samenleven_analysis.analysis.estimators.common import Estimate
    from samenleven_analysis.analysis.estimators.event_study import event_study

    df = _panel(scenario, seed)
    es = event_study(df, "y", "unit", "year", "cohort", bootstrap_reps=0, seed=seed)
    row = es.coefs.set_index("rel_time").loc[0]
    nan = float("nan")
    est = Estimate(row["estimate"], nan, row["ci_low"], row["ci_high"], nan, es.n, es.method)
    truth = 0.0 if SCENARIOS[scenario].get("effect", 1.0) == 0.0 else nan
    return est, truth


def _honest_conventional(scenario: str, seed: int):
    """HonestDiD's conventional interval (M = 0), the impact notebook's sensitivity target.

    The average post-period effect of the two-stage (did2s) event study on the full window, ± z
    times its CRV1 standard error (:func:`~samenleven_analysis.analysis.estimators.honest.conventional_target`).
    """
    from samenleven_analysis.analysis.estimators.common import Estimate, z_critical
    from samenleven_analysis.analysis.estimators.event_study import event_study
    from samenleven_analysis.analysis.estimators.honest import conventional_target

    df = _panel(scenario, seed)
    es = event_study(
        df, "y", "unit", "year", "cohort", estimator="did2s", window=None, bootstrap_reps=0
    )
    _weights, estimate, se = conventional_target(es)
    q, nan = z_critical(0.05), float("nan")
    est = Estimate(estimate, se, estimate - q * se, estimate + q * se, nan, es.n, es.method)
    return est, 0.0


def _rdd_sharp(scenario: str, seed: int):
    from samenleven_analysis.analysis.estimators.rdd import rdd

    return rdd(
        simulate_rdd(n=600, effect=1.0, seed=seed), "y", "running", float(THRESHOLD_RESIDENTS)
    ), 1.0


def _rdd_fuzzy(scenario: str, seed: int):
    from samenleven_analysis.analysis.estimators.rdd import rdd

    df = simulate_rdd(n=1500, effect=1.0, fuzzy=True, seed=seed)
    return rdd(df, "y", "running", float(THRESHOLD_RESIDENTS), treatment="treated"), 1.0


def _rdd_flanders(scenario: str, seed: int):
    """Flanders-like fuzzy RD as the threshold notebook runs it (no covariates).

    285 skewed authorities, cutoff 7,500.5, few above: rdrobust with the Anderson–Rubin set, or the
    local-randomisation fallback where rdrobust fails or support is thin.
    """
    from samenleven_analysis.analysis.estimators.rdd import rdd

    cfg = SCENARIOS[scenario]
    df = simulate_flanders_rdd(jump=cfg["jump"], effect=cfg["effect"], seed=seed)
    est = rdd(df, "y", "running", THRESHOLD_RESIDENTS + 0.5, treatment="treated")
    return est, cfg["effect"]


def _rdd_flanders_sharp(scenario: str, seed: int):
    """The sharp (eligibility, ITT) estimate of the same Flanders-like design; truth jump × effect."""
    from samenleven_analysis.analysis.estimators.rdd import rdd

    cfg = SCENARIOS[scenario]
    df = simulate_flanders_rdd(jump=cfg["jump"], effect=cfg["effect"], seed=seed)
    est = rdd(df, "y", "running", THRESHOLD_RESIDENTS + 0.5)
    return est, cfg["jump"] * cfg["effect"]


def _rdd_flanders_first_stage(scenario: str, seed: int):
    """The fuzzy fit's own first stage (jump in participation) in the same design; truth the jump."""
    est, _effect = _rdd_flanders(scenario, seed)
    return est.extra["first_stage"], SCENARIOS[scenario]["jump"]


def _synth_flanders(scenario: str, seed: int):
    """The synthetic-control notebook's main analysis (demeaned) in the Plan's regime."""
    from samenleven_analysis.analysis.estimators.common import Estimate
    from samenleven_analysis.analysis.estimators.synthetic_control import synthetic_control
    from samenleven_analysis.reports.synthetic_control_report import REAL_DONORS

    df = _panel(scenario, seed)
    units = df.drop_duplicates("unit")
    city = units.loc[units["cohort"].notna(), "unit"].iloc[0]
    never = units[units["cohort"].isna()].sort_values("size", ascending=False)
    donors = list(never["unit"].iloc[:REAL_DONORS])
    start = int(units.loc[units["unit"] == city, "cohort"].iloc[0])
    sc = synthetic_control(df, "y", "unit", "year", city, start, controls=donors, demean=True)
    est = Estimate(sc.att, sc.se, sc.ci_low, sc.ci_high, sc.placebo_pvalue, sc.n, sc.method)
    return est, 0.0


def _synth(scenario: str, seed: int):
    from samenleven_analysis.analysis.estimators.common import Estimate
    from samenleven_analysis.analysis.estimators.synthetic_control import synthetic_control

    df = simulate_factor_panel(n_controls=24, effect=1.0, seed=seed)
    sc = synthetic_control(df, "y", "unit", "year", "treated", PROGRAMME_START_YEAR)
    return Estimate(sc.att, sc.se, sc.ci_low, sc.ci_high, sc.placebo_pvalue, sc.n, sc.method), 1.0


ESTIMATORS: dict[str, tuple[Callable, tuple[str, ...], float]] = {
    "callaway_santanna": (_cs, PANEL, 1.0),
    "twfe": (_twfe, PANEL, 1.0),
    "twfe_wild": (_twfe_wild, FLANDERS_NULL, 0.5),
    "event_study_pretrend": (
        _pretrend,
        (
            "baseline",
            "no_effect",
            "non_parallel",
            "six_treated",
            *FLANDERS_NULL,
        ),
        1.0,
    ),
    "event_study_coefficient": (
        _event_coefficient,
        FLANDERS_NULL,
        0.5,
    ),
    "honest_conventional": (
        _honest_conventional,
        FLANDERS_NULL,
        0.5,
    ),
    "synthetic_did": (_sdid, PANEL, 0.15),
    "rdd_sharp": (_rdd_sharp, ("rdd",), 1.0),
    "rdd_fuzzy": (_rdd_fuzzy, ("rdd",), 1.0),
    "rdd_flanders": (_rdd_flanders, ("rdd_flanders", "rdd_flanders_null"), 1.0),
    "rdd_flanders_sharp": (_rdd_flanders_sharp, ("rdd_flanders", "rdd_flanders_null"), 1.0),
    "rdd_flanders_first_stage": (
        _rdd_flanders_first_stage,
        ("rdd_flanders", "rdd_flanders_null"),
        1.0,
    ),
    "synthetic_control": (_synth, ("synthetic",), 1.0),
    "synthetic_control_flanders": (
        _synth_flanders,
        (
            "sc_flanders_level_null",
            "sc_flanders_rate_null",
            "sc_flanders_level_null_long",
            "sc_flanders_rate_null_long",
        ),
        0.25,
    ),
}
"""Name → (draw(scenario, seed) -> (Estimate, truth), scenarios, share of ``draws`` to run).
Synthetic DiD's placebo variance costs ~3 s a draw on 300 units: it runs 15% of the draws; the
TWFE wild bootstrap (999 draws, ~3 s a draw) half of them, on the null scenarios (its size)."""


_COST = {
    "synthetic_did": 4.7,
    "synthetic_control": 0.7,
    "synthetic_control_flanders": 2.0,
    "twfe": 0.3,
    "twfe_wild": 3.0,
    "event_study_pretrend": 0.25,
    "event_study_coefficient": 0.2,
    "honest_conventional": 0.3,
    "callaway_santanna": 0.13,
    "rdd_sharp": 0.05,
    "rdd_fuzzy": 0.05,
    "rdd_flanders": 0.3,
    "rdd_flanders_sharp": 0.3,
    "rdd_flanders_first_stage": 0.3,
}
"""Seconds per draw on one core (for ordering the work only)."""


def _mcse(hits: np.ndarray) -> float:
    """Monte Carlo standard error of a proportion over draws (NaN without draws)."""
    n = len(hits)
    if n == 0:
        return float("nan")
    q = float(np.mean(hits))
    return float(np.sqrt(q * (1 - q) / n))


def _rejection(hits: Sequence[bool] | np.ndarray) -> dict[str, float]:
    """``draws``, ``rejects`` (share of True, NaN without draws) and ``mcse`` of some draws."""
    arr = np.asarray(hits, dtype=bool)
    rate = float(arr.mean()) if len(arr) else float("nan")
    return {"draws": len(arr), "rejects": rate, "mcse": _mcse(arr)}


def draw_seeds(seed: int, draws: int) -> list[int]:
    """One independent seed per draw: ``numpy.random.SeedSequence(seed).spawn(draws)``.

    Each child is reduced to a 32-bit integer (the generators take an integer seed). Draw ``k`` gets
    the same seed whatever the number of workers or chunks, and the same for every estimator (common
    random numbers: estimators are compared on the same simulated data).
    """
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(seed).spawn(draws)]


def _draws(name: str, scenario: str, seeds: Sequence[int]) -> tuple[list, float]:
    """Run estimator ``name`` on ``scenario`` once per seed.

    Returns ``([(estimate, ci_low, ci_high, truth, pvalue) or None for a failed draw, ...],
    seconds)``.
    """
    fn = ESTIMATORS[name][0]
    rows: list = []
    t0 = time.perf_counter()
    for s in seeds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                e, tr = fn(scenario, int(s))
            except Exception:  # a failed draw is counted, not hidden
                rows.append(None)
                continue
        rows.append((e.estimate, e.ci_low, e.ci_high, tr, e.pvalue))
    return rows, time.perf_counter() - t0


def _summarise(name: str, scenario: str, rows: list, seconds: float) -> dict:
    failed = sum(r is None for r in rows)
    good = [r for r in rows if r is not None]
    est_a, lo_a, hi_a, tr_a, pv_a = (
        np.asarray([r[j] for r in good], dtype=float) for j in range(5)
    )
    has_ci = np.isfinite(lo_a) & np.isfinite(hi_a)
    has_p = np.isfinite(pv_a)
    pretrend = name == "event_study_pretrend"
    null = SCENARIOS[scenario].get("effect", 1.0) == 0.0 or (
        pretrend and scenario != "non_parallel"
    )
    reject = float((pv_a[has_p] < 0.05).mean()) if has_p.any() else np.nan
    ok = np.isfinite(est_a) & np.isfinite(tr_a)
    return {
        "scenario": scenario,
        "estimator": name,
        "draws": len(est_a),
        "failed": failed,
        "reported": float(has_ci.mean())
        if len(has_ci) and not pretrend
        else (float(has_p.mean()) if len(has_p) else np.nan),
        "bias": float((est_a[ok] - tr_a[ok]).mean()) if ok.any() else np.nan,
        "rmse": float(np.sqrt(((est_a[ok] - tr_a[ok]) ** 2).mean())) if ok.any() else np.nan,
        "coverage": float(((lo_a <= tr_a) & (tr_a <= hi_a))[has_ci].mean())
        if has_ci.any()
        else np.nan,
        "size": reject if null else np.nan,
        "power": np.nan if null else reject,
        # Monte Carlo standard errors: sqrt(q (1 − q) / draws) of coverage and rejection rate
        "coverage_mcse": _mcse(((lo_a <= tr_a) & (tr_a <= hi_a))[has_ci]),
        "reject_mcse": _mcse(pv_a[has_p] < 0.05),
        "seconds": round(seconds, 1),
    }


CHUNK_SECONDS = 10.0
"""About this many seconds of draws per task (by :data:`_COST`): small enough to balance
the workers and show progress, large enough that task overhead does not count."""


def simulation_study(
    draws: int = 200,
    seed: int = DEFAULT_SEED,
    scenarios: Sequence[str] | None = None,
    estimators: Sequence[str] | None = None,
    *,
    workers: int = 2,
    out=None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run every estimator on every scenario it applies to; print and return the table.

    Draw ``k`` uses seed ``draw_seeds(seed, draws)[k]`` (:func:`draw_seeds`); estimators with
    a cost share below 1 run the first ``ceil(share × draws)`` draws (column ``draws``).
    The draws are cut into chunks that run in parallel on ``workers`` local processes, or on
    Dask distributed with ``scheduler`` (:mod:`samenleven_analysis.reports.engines`); the
    table is the same at any worker count (column ``seconds`` apart: compute time).
    ``progress`` shows a tqdm bar (draws done, ETA) on stderr.
    """
    from tqdm.auto import tqdm

    from samenleven_analysis.reports.engines import run_tasks

    scen = list(scenarios) if scenarios else list(SCENARIOS)
    names = list(estimators) if estimators else list(ESTIMATORS)
    unknown = sorted(set(scen) - set(SCENARIOS)) + sorted(set(names) - set(ESTIMATORS))
    if unknown:
        raise ValueError(
            f"unknown scenario/estimator {unknown}; scenarios {sorted(SCENARIOS)}, "
            f"estimators {sorted(ESTIMATORS)}"
        )
    seeds = draw_seeds(seed, draws)
    cells = [
        (n, s, max(1, int(np.ceil(ESTIMATORS[n][2] * draws))))
        for n in names
        for s in scen
        if s in ESTIMATORS[n][1]
    ]
    tasks: list[tuple[str, str, list[int]]] = []
    owner: list[int] = []
    for c, (n, s, k) in enumerate(cells):
        size = max(1, int(CHUNK_SECONDS / _COST.get(n, 0.2)))
        for a in range(0, k, size):
            tasks.append((n, s, seeds[a : min(k, a + size)]))
            owner.append(c)
    # longest first: balanced workers (results are put back in draw order below)
    order = sorted(range(len(tasks)), key=lambda t: -_COST.get(tasks[t][0], 0.2) * len(tasks[t][2]))
    t0 = time.perf_counter()
    if (workers > 1 and len(tasks) > 1) or scheduler:
        # One BLAS/Rayon thread per worker (set before the spawned workers import numpy):
        # oversubscribed threads made each draw several times slower on 2 cores.
        for var in (
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
            "RAYON_NUM_THREADS",
            "NUMBA_NUM_THREADS",
        ):
            os.environ.setdefault(var, "1")
    bar = tqdm(
        total=sum(len(t[2]) for t in tasks),
        desc="simulation draws",
        unit="draw",
        disable=not progress,
        file=sys.stderr,
    )
    try:
        done = run_tasks(
            _draws,
            [tasks[t] for t in order],
            workers=workers,
            scheduler=scheduler,
            on_done=lambda k, res: bar.update(len(res[0])),
        )
    finally:
        bar.close()
    by_task = dict(zip(order, done, strict=True))
    rows = []
    for c, (n, s, _) in enumerate(cells):
        mine = [by_task[t] for t in range(len(tasks)) if owner[t] == c]  # draw order
        rows.append(
            _summarise(n, s, [r for res in mine for r in res[0]], sum(res[1] for res in mine))
        )
    elapsed = time.perf_counter() - t0
    table = pd.DataFrame(rows)
    table.attrs["seconds"] = elapsed
    out = sys.stdout if out is None else out
    where = f"Dask scheduler {scheduler}" if scheduler else f"{max(1, workers)} worker(s)"
    print(f"Simulation study ({draws} draws, seed {seed}; {elapsed:.0f} s on {where})", file=out)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"), file=out)
    return table


def placebo_year_sizes(
    draws: int, scenarios: Sequence[str] = (), *, inference: str = "auto", seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Rejection rate at 5% of each fake year of :func:`~samenleven_analysis.analysis.estimators.did.placebo_years`.

    The impact notebook's checks (fake starts 2018, 2019, 2020 before a 2022 start) on the null
    scenarios of :data:`SCENARIOS` (default: the four ``flanders_*_null``); ``inference`` as
    :func:`~samenleven_analysis.analysis.estimators.did.did` (``"auto"``: the studentised
    randomisation test, permuted within the size and eligibility strata as the notebook does;
    ``"cluster"``: CRV1).
    One row per scenario × fake year: ``draws``, ``rejects``, ``mcse``. The numbers of
    ``did.FLANDERS_PLACEBO_YEAR_REJECTION``.
    """
    from samenleven_analysis.analysis.estimators.did import PLACEBO_YEARS_BEFORE, placebo_years

    names = list(scenarios) or list(FLANDERS_NULL)
    strata = None if inference == "cluster" else SIZE_STRATUM
    rows = []
    for name in names:
        hits: dict[int, list[bool]] = {}
        for s in draw_seeds(seed, draws):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = placebo_years(
                    _panel(name, s),
                    "y",
                    "unit",
                    "year",
                    "treated",
                    PROGRAMME_START_YEAR,
                    [PROGRAMME_START_YEAR - k for k in PLACEBO_YEARS_BEFORE],
                    inference=inference,
                    strata=strata,
                )
            for r in table.itertuples():
                if np.isfinite(r.pvalue):
                    hits.setdefault(int(r.fake_year), []).append(bool(r.pvalue < 0.05))
        for year, h in sorted(hits.items()):
            rows.append({"scenario": name, "fake_year": year, **_rejection(h)})
    return pd.DataFrame(rows)


def rdd_check_sizes(draws: int, *, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Rejection rate at 5% of the threshold notebook's checks with nothing wrong.

    Flanders-like threshold design (``simulate_flanders_rdd``, jump 0.55, effect 1): the density
    test on log(count), the balance of the smooth covariate ``pre`` and the placebo cutoffs at
    ``rdd.PLACEBO_CUTOFF_FACTORS`` × 7,500. One row per check: ``draws`` (estimable), ``rejects``, ``mcse``. The
    numbers of ``rdd.FLANDERS_CHECK_REJECTION``.
    """
    from samenleven_analysis.analysis.estimators import rdd as rdd_mod

    cutoff = THRESHOLD_RESIDENTS + 0.5
    cuts = [round(THRESHOLD_RESIDENTS * f) for f in rdd_mod.PLACEBO_CUTOFF_FACTORS]
    pvalues: dict[str, list[float]] = {"density": [], "balance": []}
    for s in draw_seeds(seed, draws):
        df = simulate_flanders_rdd(jump=0.55, effect=1.0, seed=s).rename(
            columns={"running": "count"}
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pvalues["density"].append(
                    rdd_mod.rdd_density(df, "count", cutoff, log=True)["pvalue"]
                )
            except Exception:  # rddensity cannot run on this draw: not estimable
                pvalues["density"].append(float("nan"))
            balance = rdd_mod.rdd_balance(df, ["pre"], "count", cutoff)
            pvalues["balance"].append(float(balance.pvalue.iloc[0]))
            placebo = rdd_mod.placebo_cutoffs(df, "y", "count", cutoff, cuts)
            for r in placebo.itertuples():
                pvalues.setdefault(f"placebo cutoff {int(r.cutoff):,}", []).append(float(r.pvalue))
    rows = []
    for check, values in pvalues.items():
        v = np.asarray(values, dtype=float)
        rows.append({"check": check, **_rejection(v[np.isfinite(v)] < 0.05)})
    return pd.DataFrame(rows)


def multiple_outcome_fwer(
    draws: int, scenarios: Sequence[str] = (), *, outcomes: int = 3, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """Family-wise error rate of the impact notebook's multiple-outcome table with no effect.

    Each draw: the scenario's panel (its ``y``) plus ``outcomes - 1`` more null outcomes (the ``y``
    of independent draws of the same scenario, so unrelated to these authorities' sizes); every
    outcome is tested like the headline (Callaway–Sant'Anna, studentised randomisation within the
    size and eligibility strata, the same permutations) and adjusted with
    :func:`~samenleven_analysis.analysis.estimators.multiple_testing.adjust_pvalues`
    (Romano–Wolf). One row per scenario: ``draws``, ``fwer`` (any adjusted p < 0.05), ``mcse``,
    ``unadjusted`` (any raw p < 0.05). The numbers of ``multiple_testing.FLANDERS_FWER``.
    """
    from samenleven_analysis.analysis.estimators.multiple_testing import adjust_pvalues
    from samenleven_analysis.analysis.estimators.staggered import staggered_did

    names = list(scenarios) or list(FLANDERS_NULL)
    rows = []
    for name in names:
        adjusted, raw = [], []
        for s in draw_seeds(seed, draws):
            panel = _panel(name, s)
            columns = ["y"]
            for k in range(1, outcomes):
                other = simulate_flanders(seed=(s + 7919 * k) % 2**32, **SCENARIOS[name])
                panel[f"y{k}"] = other["y"].to_numpy()
                columns.append(f"y{k}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ests = {
                    o: staggered_did(
                        panel.assign(_y=panel[o]),
                        "_y",
                        "unit",
                        "year",
                        "cohort",
                        details=False,
                        seed=s,
                        strata=SIZE_STRATUM,
                    )
                    for o in columns
                }
            table = adjust_pvalues(ests)
            adjusted.append(bool((table.pvalue_adjusted < 0.05).any()))
            raw.append(bool((table.pvalue < 0.05).any()))
        hits = np.asarray(adjusted)
        rows.append(
            {
                "scenario": name,
                "draws": len(hits),
                "fwer": float(hits.mean()),
                "mcse": _mcse(hits),
                "unadjusted": float(np.mean(raw)),
            }
        )
    return pd.DataFrame(rows)


def main(
    draws: int = 200,
    scenario: str = "all",
    seed: int = DEFAULT_SEED,
    *,
    workers: int = 2,
    scheduler: str | None = None,
) -> int:
    """Print the simulation table for ``scenario`` (``"all"`` or one of :data:`SCENARIOS`)."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    simulation_study(
        draws,
        seed,
        None if scenario == "all" else [scenario],
        workers=workers,
        scheduler=scheduler,
        progress=True,
    )
    return 0
