"""Trustworthy inference (issue 12).

Degenerate cases, the few-treated rule, event-study safeguards, HonestDiD and synthetic DiD against
published numbers, RDD diagnostics, power by simulation, multiple testing and verdict flags.
Assertions are on numbers and flags, not prose.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import verdicts
from samenleven_analysis.analysis.estimators import (
    did,
    event_study,
    honest,
    multiple_testing,
    power,
    rdd,
    sdid,
    staggered,
)
from samenleven_analysis.analysis.estimators.common import Estimate, Fact, fact
from samenleven_analysis.bench import simulate as sim
from samenleven_analysis.errors import DataError
from samenleven_analysis.reports import verdicts as prose

DATA = Path(__file__).resolve().parents[3] / "data"
SEED = 3


def _agree(e: Estimate) -> bool:
    """p-value below 5% exactly when the 95% interval excludes zero (same procedure)."""
    return (e.pvalue < 0.05) == (not e.ci_low <= 0.0 <= e.ci_high)


# --------------------------------------------------------------------------- (1) degenerate


def test_two_by_two_on_four_means_returns_nan_with_note():
    four = pd.DataFrame(
        {
            "u": ["a", "a", "b", "b"],
            "t": [0, 1, 0, 1],
            "y": [1.0, 2.0, 1.5, 4.0],
            "tr": [1, 1, 0, 0],
            "po": [0, 1, 0, 1],
        }
    )
    for inference in ("cluster", "wild", "ri", "auto"):
        e = did.did(four, "y", "u", "t", "tr", "po", inference=inference, reps=99)
        assert e.estimate == pytest.approx(-1.5)  # (2 - 1) - (4 - 1.5)
        assert np.isnan(e.se) and np.isnan(e.ci_low) and np.isnan(e.pvalue) and e.note


def test_two_clusters_give_no_interval():
    df = sim.simulate_panel(n_units=20, years=range(2012, 2024), seed=SEED)
    df["cl"] = np.where(df["treated"], "A", "B")
    e = did.did(df, "y", "unit", "year", "treated", "post", "cl", inference="cluster")
    assert np.isfinite(e.estimate) and np.isnan(e.ci_low) and np.isnan(e.pvalue) and e.note


def test_constant_outcome_is_a_data_error():
    df = sim.simulate_panel(n_units=20, seed=SEED).assign(y=5.0)
    with pytest.raises(DataError):
        did.did(df, "y", "unit", "year", "treated", "post")
    with pytest.raises(DataError):
        staggered.staggered_did(df, "y", "unit", "year", "cohort")
    with pytest.raises(DataError):
        event_study.event_study(df, "y", "unit", "year", "cohort")


def test_nan_estimate_never_covers_and_has_no_direction():
    e = Estimate(1.0, np.nan, np.nan, np.nan, np.nan, 10, Fact("x"), notes=(Fact("why"),))
    assert not e.covers(1.0) and e.direction == 0 and not e.has_inference


# --------------------------------------------------------------------------- (2) few treated


def test_cs_numpy_permutation_estimator_equals_differences():
    df = sim.simulate_panel(n_units=60, share_treated=0.3, seed=SEED)
    lib = staggered.staggered_did(df, "y", "unit", "year", "cohort", inference="analytic")
    fast = staggered.staggered_did(
        df, "y", "unit", "year", "cohort", inference="analytic", details=False
    )
    assert fast.estimate == pytest.approx(lib.estimate, rel=1e-9)
    assert fast.se == pytest.approx(lib.se, rel=0.05)  # IF SE without the weight term


def test_few_treated_rule_uses_randomisation_inference():
    df = sim.simulate_panel(n_units=80, share_treated=0.1, effect=1.0, seed=SEED)
    e = staggered.staggered_did(df, "y", "unit", "year", "cohort")
    assert e.extra["inference"] == "ri" and e.extra["n_treated_clusters"] == 8
    assert np.isnan(e.se) and e.covers(1.0) and e.ci_low > 0 and _agree(e)
    many = sim.simulate_panel(n_units=80, share_treated=0.4, effect=1.0, seed=SEED)
    # issue 20: the studentised permutation test is the default whenever it can run ...
    assert staggered.staggered_did(many, "y", "unit", "year", "cohort").extra["inference"] == "ri"
    # ... the analytic interval only when it cannot (unbalanced panel) with many clusters
    unbalanced = many.drop(index=many.index[3])
    assert (
        staggered.staggered_did(unbalanced, "y", "unit", "year", "cohort").extra["inference"]
        == "analytic"
    )


def test_one_treated_unit_warns_and_notes():
    df = sim.simulate_panel(n_units=40, share_treated=1 / 40, effect=0.0, seed=SEED)
    with pytest.warns(UserWarning, match="treated cluster"):
        e = staggered.staggered_did(df, "y", "unit", "year", "cohort")
    assert e.note and e.extra["n_treated_clusters"] == 1 and e.pvalue > 0.05


def test_cluster_choice_reaches_the_headline_estimator():
    df = sim.simulate_panel(n_units=120, share_treated=0.5, seed=SEED)
    df["region"] = "r" + (df["unit"].str[1:].astype(int) % 24).astype(str)
    unit = staggered.staggered_did(df, "y", "unit", "year", "cohort")
    region = staggered.staggered_did(df, "y", "unit", "year", "cohort", cluster="region")
    assert region.estimate == pytest.approx(unit.estimate)
    assert region.extra["n_treated_clusters"] <= 24 < unit.extra["n_treated_clusters"]
    assert region.se != pytest.approx(unit.se)


def test_cohorts_after_the_panel_are_not_yet_treated():
    df = sim.simulate_panel(n_units=60, share_treated=0.4, seed=SEED)
    df.loc[df.cohort.eq(2024), "cohort"] = 2030.0
    e = staggered.staggered_did(df, "y", "unit", "year", "cohort", inference="analytic")
    assert e.extra["late_cohorts"] == [2030]
    es = event_study.event_study(df, "y", "unit", "year", "cohort")
    assert es.extra["late_cohorts"] == [2030] and es.coefs.rel_time.min() >= -5


# --------------------------------------------------------------------------- (3) event study


def test_event_study_refuses_rank_deficient_design_and_warns_without_controls():
    df = sim.simulate_panel(n_units=60, share_treated=0.5, seed=SEED)
    treated_only = df[df.cohort.notna()]
    with pytest.warns(UserWarning, match="never-treated"), pytest.raises(DataError, match="rank"):
        event_study.event_study(treated_only, "y", "unit", "year", "cohort", window=None)


def test_event_study_default_window_bins_end_points_and_did2s_runs():
    df = sim.simulate_panel(n_units=60, share_treated=0.4, effect=2.0, seed=SEED)
    twfe = event_study.event_study(df, "y", "unit", "year", "cohort")
    robust = event_study.event_study(df, "y", "unit", "year", "cohort", estimator="did2s")
    assert twfe.coefs.rel_time.min() == -5 and twfe.coefs.rel_time.max() == 3
    post = robust.coefs[robust.coefs.rel_time >= 0]
    assert ((post.ci_low <= 2.0) & (2.0 <= post.ci_high)).mean() >= 0.75
    assert robust.extra["vcov"].shape == (8, 8)


# --------------------------------------------------------------------------- (4) HonestDiD


def _ehec_event_study():
    """Rambachan & Roth's HonestDiD README example: Medicaid expansion (ACS, Mixtape data).

    TWFE event study of `dins` on 2014 expanders vs never, years < 2016, reference 2013.
    """
    import pyfixest as pf

    df = pd.read_csv(DATA / "ehec_data.csv")
    df = df[(df.year < 2016) & (df.yexp2.isna() | (df.yexp2 != 2015))].copy()
    df["cohort"] = np.where(df.yexp2 == 2014, 2014.0, np.nan)
    df["D"] = (df.yexp2 == 2014).astype(int)
    fit = pf.feols("dins ~ i(year, D, ref=2013) | stfips + year", data=df, vcov={"CRV1": "stfips"})
    b, V = fit.coef().to_numpy(), np.asarray(fit._vcov)
    rel = [-6, -5, -4, -3, -2, 0, 1]  # 2008..2012, 2014, 2015 relative to 2014
    se = np.sqrt(np.diag(V))
    coefs = pd.DataFrame(
        {
            "rel_time": rel,
            "estimate": b,
            "se": se,
            "ci_low": b - 1.96 * se,
            "ci_high": b + 1.96 * se,
            "pvalue": 0.0,
        }
    )
    coefs = pd.concat([coefs, pd.DataFrame({"rel_time": [-1], "estimate": [0.0]})]).sort_values(
        "rel_time"
    )
    from samenleven_analysis.analysis.estimators.common import EventStudy

    return EventStudy(
        coefs.reset_index(drop=True),
        np.nan,
        np.nan,
        0,
        len(df),
        "twfe",
        extra={"vcov": pd.DataFrame(V, index=rel, columns=rel)},
    )


def test_honest_did_reproduces_the_published_smoothness_intervals():
    # Published (HonestDiD README, DeltaSD FLCI, first post period):
    # M=0: [0.0259, 0.0607]; 0.01: [0.0132, 0.0787]; 0.02: [0.00286, 0.0907]; 0.03: [-0.00714, 0.101]
    h = honest.honest_did(
        _ehec_event_study(), m_grid=[0, 0.01, 0.02, 0.03], weights=np.array([1.0, 0.0])
    )
    published = [(0.0259, 0.0607), (0.0132, 0.0787), (0.00286, 0.0907), (-0.00714, 0.101)]
    for (lo, hi), row in zip(published, h.table.itertuples(), strict=True):
        assert row.ci_low == pytest.approx(lo, abs=6e-4) and row.ci_high == pytest.approx(
            hi, abs=6e-4
        )
    assert 0.02 < h.breakdown < 0.03  # README: "the breakdown value ... is M ≈ 0.03"


# --------------------------------------------------------------------------- (5) SDID


def test_synthetic_did_reproduces_prop99():
    # Arkhangelsky et al. (2021, AER) Table 1: SDID ATT −15.6 (SE 8.4) on California Prop 99.
    df = pd.read_csv(DATA / "california_prop99.csv", sep=";")
    df["cohort"] = np.where(df.State == "California", 1989.0, np.nan)
    e = sdid.synthetic_did(df, "PacksPerCapita", "State", "Year", "cohort", reps=200, seed=1)
    assert e.estimate == pytest.approx(-15.6, abs=0.05)
    assert 7 < e.se < 13  # placebo SE is random (200 draws): 10.9 here, 8.4 in the paper
    assert _agree(e)


def test_synthetic_did_recovers_planted_effect():
    df = sim.simulate_panel(n_units=60, share_treated=0.3, effect=2.0, sigma=0.3, seed=SEED)
    e = sdid.synthetic_did(df, "y", "unit", "year", "cohort", reps=50)
    assert e.covers(df.attrs["effect"]) and abs(e.estimate - 2.0) < 0.2


# --------------------------------------------------------------------------- (6) RDD


def test_fuzzy_rdd_has_its_own_first_stage_and_anderson_rubin_test():
    df = sim.simulate_rdd(n=1500, effect=1.0, fuzzy=True, seed=SEED)
    e = rdd.rdd(df, "y", "running", 7500.0, treatment="treated")
    fs = rdd.first_stage(df, "treated", "running", 7500.0, outcome="y")
    assert fs.estimate == pytest.approx(e.extra["first_stage"].estimate)
    assert 0.5 < fs.estimate < 1.0 and fs.ci_low > 0
    rf = e.extra["reduced_form"]
    assert rf.n == e.n and e.extra["ar_pvalue"] == rf.pvalue < 0.05
    null = rdd.rdd(
        sim.simulate_rdd(n=1500, effect=0.0, fuzzy=True, seed=SEED),
        "y",
        "running",
        7500.0,
        treatment="treated",
    )
    assert null.extra["ar_pvalue"] > 0.05


def test_fuzzy_interval_is_the_anderson_rubin_set_of_its_own_p_value():
    """Interval and p-value come from one test: the reduced form of outcome − tau × participation."""
    from rdrobust import rdrobust

    df = sim.simulate_rdd(n=1500, effect=1.0, fuzzy=True, seed=SEED)
    e = rdd.rdd(df, "y", "running", 7500.0, treatment="treated")
    assert e.ci_low < 1.0 < e.ci_high and e.pvalue == e.extra["ar_pvalue"] < 0.05
    assert e.method["variance"] == rdd.DEFAULT_VCE and "ci_delta_method" in e.extra
    y, d, x = (df[c].to_numpy(float) for c in ("y", "treated", "running"))

    def ar_p(tau: float) -> float:
        fit = rdrobust(y - tau * d, x, c=7500.0, h=e.extra["h_left"], vce=rdd.DEFAULT_VCE)
        return float(fit.pv.loc["Robust"].iloc[0])

    # The bounds are where the test's p crosses 5%; inside it accepts, outside it rejects.
    assert ar_p(e.ci_low) == pytest.approx(0.05, abs=1e-6)
    assert ar_p(e.ci_high) == pytest.approx(0.05, abs=1e-6)
    mid, width = (e.ci_low + e.ci_high) / 2, e.ci_high - e.ci_low
    assert ar_p(mid) > 0.05 and ar_p(e.ci_high + 0.1 * width) < 0.05
    assert ar_p(0.0) == pytest.approx(e.pvalue, rel=1e-9)


def test_fuzzy_interval_is_withheld_when_the_first_stage_cannot_bound_it():
    # Flanders-like draw whose jump in participation is not significant: unbounded set.
    df = sim.simulate_flanders_rdd(seed=3)
    e = rdd.rdd(df, "y", "running", 7500.5, treatment="treated")
    assert "fallback" not in e.extra
    assert np.isnan(e.ci_low) and np.isnan(e.ci_high) and np.isnan(e.se)
    assert "ar_set_unbounded" in e.note and 0 < e.pvalue == e.extra["ar_pvalue"] <= 1
    assert np.isfinite(e.estimate) and all(np.isfinite(e.extra["ci_delta_method"]))


def test_thin_support_falls_back_to_local_randomisation():
    small = rdd.rdd(sim.simulate_rdd(n=50, effect=1.0, seed=SEED), "y", "running", 7500.0)
    assert small.extra["fallback"] == "local_randomisation", small
    assert small.extra["fallback_reason"].code == "rdrobust_thin_support"
    assert small.method.code == "local_randomisation"
    wl, wr = small.extra["window"]
    assert wl < 7500.0 <= wr and small.notes[0].code == "lr_window"
    assert min(small.extra["n_window_left"], small.extra["n_window_right"]) >= rdd.MIN_SUPPORT
    # Fewer than MIN_SUPPORT units above the cutoff at all: descriptive only, never a claim.
    df = sim.simulate_rdd(n=200, effect=1.0, seed=SEED)
    few = pd.concat([df[df.running < 7500], df[df.running >= 7500].head(6)])
    tiny = rdd.rdd(few, "y", "running", 7500.0)
    assert tiny.extra["fallback"] == "local_randomisation" and tiny.extra["descriptive_only"]
    flags = verdicts.verdict_flags(tiny)
    assert flags["direction"] == 0 and flags["descriptive_only"]
    big = rdd.rdd(sim.simulate_rdd(n=1500, effect=1.0, seed=SEED), "y", "running", 7500.0)
    assert not big.extra["descriptive_only"] and "fallback" not in big.extra


def test_flanders_like_rdd_where_rdrobust_fails_gives_the_fallback():
    # 285 authorities, skewed sizes, 7 above 7,500: rdrobust cannot pick a bandwidth.
    df = sim.simulate_flanders_rdd(seed=0, median=2000, log_sd=0.7)
    assert (df.running >= 7500.5).sum() == 7
    e = rdd.rdd(df, "y", "running", 7500.5, treatment="treated")
    assert e.extra["fallback_reason"].code == "rdrobust_failed", e.extra
    assert e.method.code == "local_randomisation" and e.method["fuzzy"]
    assert e.extra["n_window_right"] == 7 and e.extra["descriptive_only"]
    assert "first_stage" in e.extra and np.isfinite(e.extra["ar_pvalue"])
    assert "\n" not in e.notes[0]["reason"]["error"]  # one line
    clustered = rdd.rdd(
        df.assign(c=df.index % 50), "y", "running", 7500.5, treatment="treated", cluster="c"
    )
    assert "units_not_clusters_permuted" in clustered.note
    assert clustered.notes[-1]["cluster"] == "c"
    # Reproducible: same data, same numbers.
    again = rdd.rdd(df, "y", "running", 7500.5, treatment="treated")
    assert (again.estimate, again.pvalue, again.ci_low) == (e.estimate, e.pvalue, e.ci_low) or (
        np.isnan(e.ci_low) and np.isnan(again.ci_low)
    )


def test_local_randomisation_recovers_a_planted_effect():
    df = sim.simulate_rdd(n=400, sigma=0.2, effect=1.0, seed=3)
    e = rdd.rdd_local_randomisation(df.y.to_numpy(), df.running.to_numpy(), 7500.0)
    assert e.covers(1.0) and e.ci_low > 0 and e.pvalue < 0.01, e
    assert e.ci_high - e.ci_low < 0.6
    null = rdd.rdd_local_randomisation(
        (df.y - df.treated).to_numpy(), df.running.to_numpy(), 7500.0
    )
    assert null.covers(0.0) and null.pvalue > 0.05, null
    # Window by covariate balance: the rule is named and the window holds enough units.
    bal = rdd.rdd_local_randomisation(
        df.y.to_numpy(), df.running.to_numpy(), 7500.0, z=df[["z"]].to_numpy()
    )
    assert bal.extra["window_rule"].code == "lr_window_balanced"
    assert bal.extra["window_balance_min_p"] >= rdd.LR_BALANCE_LEVEL


def test_weak_first_stage_flag_on_flanders_like_draws():
    # True jump 0.55: the flag must not fire in most draws; no jump: it fires in most.
    strong = [
        rdd.rdd(
            sim.simulate_flanders_rdd(seed=s), "y", "running", 7500.5, treatment="treated"
        ).extra["weak_first_stage"]
        for s in range(30)
    ]
    none = [
        rdd.rdd(
            sim.simulate_flanders_rdd(seed=s, jump=0.0), "y", "running", 7500.5, treatment="treated"
        ).extra["weak_first_stage"]
        for s in range(30)
    ]
    assert np.mean(strong) < 0.5 and np.mean(none) > 0.85, (np.mean(strong), np.mean(none))


def test_density_test_on_log_counts():
    # Skewed counts without manipulation: the log test should rarely reject (issue 12: 3%),
    # the raw test is kept as an option (log=False).
    rng = np.random.default_rng(SEED)
    draws = [pd.DataFrame({"count": np.exp(rng.normal(np.log(3000), 1.0, 300))}) for _ in range(20)]
    log_rej = np.mean([rdd.rdd_density(c, "count", 7500.5)["pvalue"] < 0.05 for c in draws])
    raw_rej = np.mean(
        [rdd.rdd_density(c, "count", 7500.5, log=False)["pvalue"] < 0.05 for c in draws]
    )
    assert log_rej <= 0.15 and np.isfinite(raw_rej)
    counts = draws[0]
    with pytest.raises(ValueError):
        rdd.rdd_density(counts.assign(count=-counts["count"]), "count", 7500.5)


# --------------------------------------------------------------------------- (7) power


@pytest.mark.slow
def test_power_by_simulation_size_and_monotone_curve():
    df = sim.simulate_panel(n_units=60, share_treated=0.15, seed=SEED)
    m = power.power_by_simulation(df, "y", "unit", "year", "cohort", 2022, draws=15)
    c = m.curve
    assert c.effect.iloc[0] == 0 and c.power.iloc[0] <= 0.2
    assert (
        c.power.iloc[-1] >= 0.8
        and np.isfinite(m.mde)
        and c.effect.iloc[0] < m.mde <= c.effect.max()
    )
    again = power.power_by_simulation(df, "y", "unit", "year", "cohort", 2022, draws=15)
    pd.testing.assert_frame_equal(c, again.curve)


# --------------------------------------------------------------------------- (8) multiple testing


def test_holm_and_romano_wolf():
    adj = multiple_testing.holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": np.nan})
    assert adj["a"] == pytest.approx(0.03) and adj["c"] == pytest.approx(0.06)
    assert adj["b"] == pytest.approx(0.06) and np.isnan(adj["d"])
    rng = np.random.default_rng(SEED)
    z = rng.normal(size=(999, 2))
    rw = multiple_testing.romano_wolf({"x": 3.0, "y": 0.5}, {"x": z[:, 0], "y": z[:, 1]})
    assert rw["x"] < 0.02 and rw["y"] > 0.3 and rw["y"] >= rw["x"]


def test_adjust_pvalues_uses_the_shared_randomisation_distribution():
    base = sim.simulate_panel(n_units=80, share_treated=0.1, effect=1.0, seed=SEED)
    other = base.assign(y=base["y"] * 0.5 + np.random.default_rng(1).normal(size=len(base)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ests = {
            k: staggered.staggered_did(f, "y", "unit", "year", "cohort", details=False)
            for k, f in (("a", base), ("b", other))
        }
    out = multiple_testing.adjust_pvalues(ests)
    assert out.method.iloc[0] == "romano_wolf"
    assert (out.pvalue_adjusted >= out.pvalue - 1e-12).all()


# --------------------------------------------------------------------------- (10) verdicts


def _est(lo: float, hi: float, p: float) -> Estimate:
    return Estimate((lo + hi) / 2, (hi - lo) / 3.92, lo, hi, p, 100, "test")


def test_verdict_flags_follow_the_interval_and_the_checks():
    assert verdicts.verdict_flags(_est(0.5, 1.5, 0.01))["direction"] == 1
    assert verdicts.verdict_flags(_est(-1.5, -0.5, 0.01))["direction"] == -1
    assert verdicts.verdict_flags(_est(-0.5, 1.5, 0.3))["direction"] == 0
    failed = verdicts.verdict_flags(_est(0.5, 1.5, 0.01), checks={"placebo year 2018": 0.01})
    assert failed["direction"] == 0 and failed["failed_checks"] == ["placebo year 2018"]
    adjusted = verdicts.verdict_flags(_est(0.5, 1.5, 0.01), adjusted_pvalue=0.2)
    assert adjusted["direction"] == 0 and adjusted["interval_direction"] == 1
    missing = Estimate(
        1.0, np.nan, np.nan, np.nan, np.nan, 4, Fact("x"), notes=(fact("no_residual_df", n=4),)
    )
    assert verdicts.verdict_flags(missing)["direction"] == 0
    text = prose.verdict(missing)
    assert "higher" not in text and "lower" not in text


def test_fact_answers_in_for_its_values():
    """``key in fact`` looks at the values (it used to fall back to ``fact[0]``: KeyError)."""
    method = fact("rdrobust", design="sharp", h=4437.2)
    assert "h" in method and "design" in method
    assert "kernel" not in method and 0 not in method and "rdrobust" not in method
    assert "anything" not in Fact("thin_support")
    assert method["h"] == 4437.2 and method.get("kernel", "triangular") == "triangular"


def test_estimate_str_is_english_for_logs_whatever_the_active_language():
    from samenleven_analysis import i18n

    e = Estimate(1.0, 0.1, 0.8, 1.2, 0.0004, 10, Fact("x"))
    with i18n.using("nl"):
        assert "p = < 0.001; n = 10" in str(e)
    assert "p = 0.054;" in str(Estimate(1.0, 0.1, 0.8, 1.2, 0.0541, 10, Fact("x")))


def test_synthetic_did_without_inference_gives_the_same_estimate_and_no_interval():
    df = sim.simulate_panel(n_units=30, share_treated=0.3, effect=2.0, sigma=0.3, seed=SEED)
    full = sdid.synthetic_did(df, "y", "unit", "year", "cohort", reps=20)
    point = sdid.synthetic_did(df, "y", "unit", "year", "cohort", inference=False)
    assert point.estimate == full.estimate
    assert np.isnan([point.se, point.ci_low, point.ci_high, point.pvalue]).all()
    assert point.method.code == "sdid_point"
