"""Estimators in samenleven_analysis.analysis.estimators (and the verdicts on them).

(a) On simulated panels with a planted effect (samenleven_analysis.bench.simulate) each
    estimator's point estimate is within 10% of the planted effect and its 95% interval
    covers it; with no planted effect the interval covers zero. Seeds are fixed; the
    coverage over many draws is the job of ``samenleven_analysis.bench.simulation.main``.
(c) On reference data sets shipped with the installed libraries, the project's functions
    reproduce published estimates (paper and number named in each test).
Also: the Demoland demo panels (planted effects in demo.PLANTED_EFFECTS), placebo tests,
wild bootstrap / randomisation inference, the MDE formula and the cautious verdict text.
"""

from __future__ import annotations

import importlib.resources
import warnings

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis.estimators import common
from samenleven_analysis.analysis.estimators.common import FEW_CLUSTERS, Estimate, estimates_table
from samenleven_analysis.analysis.estimators.did import (
    did,
    placebo_outcomes,
    placebo_years,
    randomization_inference,
    wild_bootstrap_pvalue,
)
from samenleven_analysis.analysis.estimators.event_study import event_study
from samenleven_analysis.analysis.estimators.power import minimum_detectable_effect
from samenleven_analysis.analysis.estimators.rdd import (
    first_stage,
    placebo_cutoffs,
    rdd,
    rdd_balance,
    rdd_density,
    rdd_support,
)
from samenleven_analysis.analysis.estimators.staggered import staggered_did
from samenleven_analysis.analysis.estimators.synthetic_control import synthetic_control
from samenleven_analysis.bench import simulation as sim
from samenleven_analysis.reports.verdicts import pre_period_verdict, synthetic_verdict, verdict

SEED = 3  # one fixed seed for every simulated panel below


def _within(value: float, truth: float, rel: float = 0.10) -> bool:
    return abs(value - truth) <= rel * abs(truth)


@pytest.fixture(scope="module")
def staggered():
    return sim.simulate_panel(n_units=80, sigma=0.3, effect=2.0, seed=SEED)


@pytest.fixture(scope="module")
def staggered_null():
    return sim.simulate_panel(n_units=80, sigma=0.3, effect=0.0, seed=SEED)


def _two_by_two(frame: pd.DataFrame) -> pd.DataFrame:
    """First cohort vs never treated: a common-timing design for plain TWFE."""
    return frame[frame.cohort.isna() | frame.cohort.eq(2022)]


# --------------------------------------------------------------------------- (a) planted effects


def test_did_recovers_planted_effect(staggered):
    e = did(_two_by_two(staggered), "y", "unit", "year", "treated", "post", inference="cluster")
    assert _within(e.estimate, 2.0), e
    assert e.covers(2.0), e
    assert e.ci_low < e.estimate < e.ci_high and e.se > 0
    assert e.n == len(_two_by_two(staggered))
    assert e.extra["n_clusters"] == _two_by_two(staggered).unit.nunique()


def test_did_null_covers_zero(staggered_null):
    e = did(
        _two_by_two(staggered_null), "y", "unit", "year", "treated", "post", inference="cluster"
    )
    assert e.covers(0.0), e
    assert e.pvalue > 0.05


def test_did_cluster_column_changes_inference_not_estimate(staggered):
    frame = _two_by_two(staggered).copy()
    frame["region"] = frame["unit"].str[-1]  # 10 coarse clusters
    by_unit = did(frame, "y", "unit", "year", "treated", "post", inference="cluster")
    by_region = did(
        frame, "y", "unit", "year", "treated", "post", cluster="region", inference="cluster"
    )
    assert by_region.estimate == pytest.approx(by_unit.estimate)
    assert by_region.extra["n_clusters"] == 10
    assert by_region.se != pytest.approx(by_unit.se)


def test_did_without_variation_raises(staggered):
    never = staggered[staggered.cohort.isna()]
    with pytest.raises(ValueError, match="no variation"):
        did(never, "y", "unit", "year", "treated", "post")


def test_event_study_recovers_effect_and_passes_pretrend(staggered):
    es = event_study(staggered, "y", "unit", "year", "cohort")
    c = es.coefs
    assert list(c.columns[:5]) == ["rel_time", "estimate", "se", "ci_low", "ci_high"]
    ref = c[c.rel_time == -1].iloc[0]
    assert ref.estimate == 0 and np.isnan(ref.ci_low)
    post = c[c.rel_time >= 0]
    assert set(post.rel_time) == {0, 1, 2, 3}
    assert _within(es.post_average(), 2.0)
    assert ((post.ci_low <= 2.0) & (2.0 <= post.ci_high)).all()
    pre = c[(c.rel_time < -1)]
    assert ((pre.ci_low <= 0) & (0 <= pre.ci_high)).mean() >= 0.8
    assert es.pretrend_df == len(pre)
    assert es.pretrend_pvalue > 0.05


def test_event_study_pretrend_test_detects_diverging_trends():
    # Treated units trend upwards by 0.1 a year (also before treatment): parallel trends
    # fail and the joint (bootstrapped) test must notice.
    frame = sim.simulate_panel(n_units=80, sigma=0.3, effect=2.0, seed=SEED)
    frame["y"] = frame["y"] + np.where(frame.treated, 0.1 * (frame.year - 2012), 0.0)
    es = event_study(frame, "y", "unit", "year", "cohort")
    assert es.pretrend_pvalue < 0.01
    assert es.extra["pretrend_pvalue_f"] < 0.01


def test_event_study_window_and_did2s(staggered):
    es = event_study(staggered, "y", "unit", "year", "cohort", window=(-4, 2), estimator="did2s")
    assert es.coefs.rel_time.min() == -4 and es.coefs.rel_time.max() == 2
    assert es.method["estimator"] == "did2s"
    assert _within(es.post_average(), 2.0)


def test_event_study_guards_window_and_too_few_clusters(staggered):
    with pytest.raises(ValueError, match="reference"):
        event_study(staggered, "y", "unit", "year", "cohort", window=(0, 3))
    coarse = staggered.assign(
        region=staggered["unit"].str[-1].astype(int) % 4
    )  # 4 clusters, 11 leads
    es = event_study(coarse, "y", "unit", "year", "cohort", cluster="region")
    assert (
        np.isnan(es.pretrend_pvalue) and es.extra["pretrend_note"].code == "no_joint_pretrend_test"
    )
    binned = event_study(coarse, "y", "unit", "year", "cohort", cluster="region", window=(-3, 3))
    assert binned.pretrend_df == 2 and np.isfinite(binned.pretrend_pvalue)


def test_staggered_did_recovers_planted_effect(staggered):
    e = staggered_did(staggered, "y", "unit", "year", "cohort")
    assert _within(e.estimate, 2.0), e
    assert e.covers(2.0), e
    event = e.extra["event"]
    assert {"rel_time", "estimate", "se", "ci_low", "ci_high"} <= set(event.columns)
    assert sorted(e.extra["cohort"].cohort) == [2022, 2023, 2024]


def test_staggered_did_null_and_cohort_zero_means_never(staggered_null):
    frame = staggered_null.assign(cohort=staggered_null.cohort.fillna(0))
    e = staggered_did(frame, "y", "unit", "year", "cohort")
    assert e.covers(0.0), e
    assert (
        e.extra["n_treated_units"] == staggered_null.loc[staggered_null.treated, "unit"].nunique()
    )


def test_staggered_did_needs_never_treated(staggered):
    treated_only = staggered[staggered.treated]
    with pytest.raises(ValueError, match="not_yet_treated"):
        staggered_did(treated_only, "y", "unit", "year", "cohort")


def test_rdd_sharp_planted_and_null():
    planted = rdd(
        sim.simulate_rdd(n=2000, sigma=0.2, effect=1.0, seed=SEED), "y", "running", 7500.0
    )
    assert _within(planted.estimate, 1.0) and planted.covers(1.0), planted
    null = rdd(sim.simulate_rdd(n=2000, sigma=0.2, effect=0.0, seed=SEED), "y", "running", 7500.0)
    assert null.covers(0.0), null
    assert planted.extra["n_eff_left"] + planted.extra["n_eff_right"] == planted.n


def test_rdd_fuzzy_planted_and_first_stage():
    df = sim.simulate_rdd(n=3000, sigma=0.2, effect=1.0, fuzzy=True, seed=SEED)
    e = rdd(df, "y", "running", 7500.0, treatment="treated")
    assert _within(e.estimate, 1.0) and e.covers(1.0), e
    fs = e.extra["first_stage"]
    assert fs.covers(0.85 - 0.10), fs  # the planted jump in participation
    assert first_stage(df, "treated", "running", 7500.0).covers(0.75)
    null = rdd(
        sim.simulate_rdd(n=3000, sigma=0.2, effect=0.0, fuzzy=True, seed=SEED),
        "y",
        "running",
        7500.0,
        treatment="treated",
    )
    assert null.covers(0.0), null


def test_rdd_checks_density_balance_placebo_cutoffs_support():
    df = sim.simulate_rdd(n=2000, sigma=0.2, effect=1.0, seed=SEED)
    dens = rdd_density(df, "running", 7500.0)
    assert dens["pvalue"] > 0.05  # uniform running variable: no sorting
    bal = rdd_balance(df, ["z"], "running", 7500.0)
    assert bal.loc[0, "ci_low"] <= 0 <= bal.loc[0, "ci_high"]
    placebo = [5000.0, 6000.0, 9000.0, 10000.0]
    plac = placebo_cutoffs(df, "y", "running", 7500.0, placebo)
    assert list(plac.cutoff) == placebo and (plac.note.map(len) == 0).all()
    # No jump anywhere but 7,500: at most one of four 95% intervals may miss zero by chance.
    assert ((plac.ci_low <= 0) & (0 <= plac.ci_high)).sum() >= 3, plac
    assert (plac.n < len(df) / 2).all()  # each placebo uses one side of the true cutoff only
    sup = rdd_support(df, "running", 7500.0, 300.0)
    x = df.running
    assert sup["below"] == ((x >= 7200) & (x < 7500)).sum()
    assert sup["total"] == sup["below"] + sup["above"]


def test_rdd_too_few_units_raise_and_placebo_rows_say_why():
    df = sim.simulate_rdd(n=40, seed=SEED)
    with pytest.raises(ValueError, match="too few"):
        rdd(df[df.running < 7600], "y", "running", 7500.0)
    plac = placebo_cutoffs(df, "y", "running", 7500.0, [7450.0])
    assert np.isnan(plac.loc[0, "estimate"]) and plac.loc[0, "note"]


def test_synthetic_control_planted_and_null():
    panel = sim.simulate_factor_panel(n_controls=15, sigma=0.05, effect=1.0, seed=SEED)
    sc = synthetic_control(panel, "y", "unit", "year", "treated", 2022)
    assert _within(sc.att, 1.0), sc.att
    # 15 donors: the rank test cannot reject at 5%, so no interval is reported (NaN + note)
    assert np.isnan(sc.ci_low) and np.isnan(sc.ci_high) and sc.extra["ci_note"]
    assert sc.weights.sum() == pytest.approx(1.0) and (sc.weights > 0).all()
    assert list(sc.gaps.columns) == ["time", "treated", "synthetic", "gap", "post"]
    assert sc.gaps.loc[sc.gaps.post, "gap"].mean() == pytest.approx(sc.att)
    assert sc.placebo_pvalue == pytest.approx(sc.extra["min_pvalue"])  # the largest ratio of all
    assert len(sc.placebos) == 15 and sc.placebo_gaps.shape == (20, 15)
    assert sc.pre_rmspe < 0.1

    null = synthetic_control(
        sim.simulate_factor_panel(n_controls=15, sigma=0.05, effect=0.0, seed=SEED),
        "y",
        "unit",
        "year",
        "treated",
        2022,
    )
    assert null.placebo_pvalue > 0.2
    wide = synthetic_control(
        sim.simulate_factor_panel(n_controls=24, sigma=0.05, effect=1.0, seed=SEED),
        "y",
        "unit",
        "year",
        "treated",
        2022,
    )
    assert wide.ci_low <= 1.0 <= wide.ci_high
    # interval and p-value come from the same rank test: 0 is outside iff p <= 0.05
    assert (wide.placebo_pvalue <= 0.05) == (not wide.ci_low <= 0.0 <= wide.ci_high)


def test_synthetic_control_drops_incomplete_donors_and_rejects_unknown_unit():
    panel = sim.simulate_factor_panel(n_controls=8, seed=SEED)
    panel.loc[(panel.unit == "c00") & (panel.year == 2010), "y"] = np.nan
    sc = synthetic_control(panel, "y", "unit", "year", "treated", 2022, placebos=False)
    assert sc.extra["dropped"] == ["c00"] and "c00" not in sc.weights.index
    assert np.isnan(sc.placebo_pvalue)
    with pytest.raises(KeyError):
        synthetic_control(panel, "y", "unit", "year", "nope", 2022)


# --------------------------------------------------------------------------- inference with few clusters


def test_wild_bootstrap_and_randomisation_inference():
    few = sim.simulate_panel(
        n_units=30, share_treated=0.2, sigma=0.3, effect=1.0, cohorts=(2022,), seed=SEED
    )
    e = did(few, "y", "unit", "year", "treated", "post", reps=999)
    assert e.extra["n_treated_clusters"] == 6 < FEW_CLUSTERS
    # few treated clusters: randomisation inference gives both the p-value and the interval
    assert e.extra["inference"] == "ri" and e.pvalue == e.extra["pvalue_ri"] < 0.05
    assert e.ci_low > 0 and np.isnan(e.se)
    again = did(few, "y", "unit", "year", "treated", "post", reps=999)
    assert again.pvalue == e.pvalue and again.ci_low == e.ci_low  # fixed seed: same bytes
    wild = did(few, "y", "unit", "year", "treated", "post", inference="wild", reps=999)
    assert wild.pvalue < 0.05 and np.isnan(wild.ci_low) and wild.note  # a p-value only
    p_ri, draws = randomization_inference(few, "y", "unit", "year", "treated", "post", reps=499)
    assert p_ri < 0.05 and len(draws) == 499
    assert np.isfinite(draws).all()

    null = sim.simulate_panel(
        n_units=30, share_treated=0.2, sigma=0.3, effect=0.0, cohorts=(2022,), seed=SEED
    )
    assert wild_bootstrap_pvalue(null, "y", "unit", "year", "treated", "post", reps=999) > 0.05
    p0, _ = randomization_inference(null, "y", "unit", "year", "treated", "post", reps=499)
    assert p0 > 0.05
    ri = did(null, "y", "unit", "year", "treated", "post", inference="ri", reps=499)
    # did() studentises (issue 20); randomization_inference() keeps the raw coefficient
    assert ri.pvalue > 0.05 and ri.extra["ri_scheme"].code == "ri_scheme"


def test_randomisation_matches_twfe_coefficient(staggered):
    # The permutation loop demeans by hand (pyfixest demean); its observed coefficient
    # must equal the TWFE estimate, else the null distribution is of the wrong statistic.
    df = common.analysis_frame(staggered, "y", "unit", "year", None)
    df["_d"] = staggered["d"].astype(float).to_numpy()
    from pyfixest.estimation import demean

    xd, _ = demean(
        df[["_y", "_d"]].to_numpy(), df[["_u", "_t"]].to_numpy().astype(np.uint64), np.ones(len(df))
    )
    beta = (xd[:, 0] * xd[:, 1]).sum() / (xd[:, 1] ** 2).sum()
    twfe = did(staggered, "y", "unit", "year", "treated", "post", inference="cluster")
    assert beta == pytest.approx(twfe.estimate, rel=1e-6)


# --------------------------------------------------------------------------- placebos and power


def test_placebo_years_are_null(staggered):
    table = placebo_years(staggered, "y", "unit", "year", "treated", 2022, [2016, 2018, 2020])
    assert list(table.fake_year) == [2016, 2018, 2020]
    assert ((table.ci_low <= 0) & (0 <= table.ci_high)).all(), table
    assert (table.n == staggered[staggered.year < 2022].shape[0]).all()


def test_placebo_outcomes_table(staggered, staggered_null):
    table = placebo_outcomes(
        {"real": staggered, "placebo": staggered_null}, "unit", "year", "cohort", value="y"
    )
    assert list(table.outcome) == ["real", "placebo"]
    real, plac = table.iloc[0], table.iloc[1]
    assert real.ci_low > 0 and plac.ci_low <= 0 <= plac.ci_high


@pytest.mark.slow
def test_minimum_detectable_effect_by_simulation_scales_with_noise():
    quiet = sim.simulate_panel(n_units=60, sigma=0.2, seed=SEED)
    noisy = sim.simulate_panel(n_units=60, sigma=0.8, seed=SEED)
    m = minimum_detectable_effect(quiet, "y", "unit", "year", "treated", 2022, draws=15)
    assert np.isfinite(m.mde) and m.mde > 0 and m.n_treated + m.n_control == 60
    assert list(m.curve.columns) == ["effect", "power", "draws"]
    assert m.curve.power.iloc[0] <= 0.2  # no planted effect: rejections are rare
    assert m.curve.power.iloc[-1] >= 0.8
    loud = minimum_detectable_effect(noisy, "y", "unit", "year", "treated", 2022, draws=15)
    assert loud.mde > 2 * m.mde


# --------------------------------------------------------------------------- verdict text


def _est(lo: float, hi: float) -> Estimate:
    return Estimate((lo + hi) / 2, (hi - lo) / 3.92, lo, hi, 0.5, 100, "test")


def test_verdict_never_overstates():
    null_text = verdict(_est(-0.5, 1.0), outcome_label="employment", mde=1.2)
    # an interval across zero: no direction, and the minimum detectable effect is reported
    assert "higher" not in null_text and "lower" not in null_text
    assert "1.20" in null_text
    pos = verdict(_est(0.5, 1.5), outcome_label="employment")
    assert "higher" in pos and "not proof" in pos
    neg = verdict(_est(-1.5, -0.5))
    assert "lower" in neg
    for text in (null_text, pos, neg):
        low = text.lower()
        assert "proves" not in low and "caused" not in low and "demonstrates" not in low
    warned = verdict(_est(0.5, 1.5), pretrend_pvalue=0.01, placebo_pvalues=[0.5, 0.01], demo=True)
    assert warned.startswith("**DEMO DATA")
    assert "Caution" in warned and "pre-trend" in warned and "placebo" in warned
    assert "descriptive only" in warned


def test_verdict_rdd_wording_and_cautions_first():
    text = verdict(
        _est(0.2, 1.0),
        outcome_label="the change",
        design="rdd",
        demo=True,
        cautions=["only 4 authorities lie near the cutoff"],
    )
    parts = text.split("\n\n")
    assert parts[0].startswith("**DEMO DATA") and parts[1].startswith(
        "**Caution:** only 4 authorities"
    )
    assert "At the threshold" in text and "near the threshold only" in text
    assert "parallel paths" not in text
    with pytest.raises(ValueError):
        verdict(_est(0.2, 1.0), design="rct")


def test_pre_period_verdict_says_no_effect_can_be_estimated():
    drift = pre_period_verdict(
        _est(50.0, 150.0),
        placebo_year=2016,
        data_last_year=2020,
        outcome_label="income",
        unit_label="EUR",
        pretrend_pvalue=0.01,
        mde=300.0,
    )
    assert drift.startswith("**No effect of the programme can be estimated from these data.**")
    assert (
        "They end in 2020" in drift
        and "drifted apart" in drift
        and "differ (joint test p = 0.010)" in drift
    )
    assert "300.00 EUR" in drift
    calm = pre_period_verdict(
        _est(-50.0, 60.0), placebo_year=2016, data_last_year=2020, pretrend_pvalue=0.4
    )
    assert (
        "no divergence was detected" in calm
        and "does not prove" in calm
        and "do not clearly differ" in calm
    )


def test_synthetic_verdict_reads_fit_then_placebo_rank():
    panel = sim.simulate_factor_panel(n_controls=24, sigma=0.05, effect=1.0, seed=SEED)
    sc = synthetic_control(panel, "y", "unit", "year", "treated", 2022)
    good = synthetic_verdict(sc, outcome_label="y", place="the city")
    assert (
        sc.placebo_pvalue <= 0.05
        and "consistent with an effect" in good
        and "cannot separate the plan" in good
    )
    null = synthetic_control(
        sim.simulate_factor_panel(n_controls=24, sigma=0.05, effect=0.0, seed=SEED),
        "y",
        "unit",
        "year",
        "treated",
        2022,
    )
    assert "No effect can be claimed" in synthetic_verdict(null)
    poor = sc
    poor.extra = {**sc.extra, "poor_fit": True}
    assert "cannot be read as an effect" in synthetic_verdict(poor, demo=True)


def test_synthetic_control_demeaned_handles_a_unit_outside_the_hull():
    # Shift the treated unit's level far above every donor: plain weights cannot reach it,
    # the demeaned version matches paths and recovers the effect.
    panel = sim.simulate_factor_panel(n_controls=20, sigma=0.05, effect=1.0, seed=SEED)
    panel.loc[panel.treated, "y"] += 50.0
    levels = synthetic_control(panel, "y", "unit", "year", "treated", 2022)
    demeaned = synthetic_control(panel, "y", "unit", "year", "treated", 2022, demean=True)
    assert levels.extra["poor_fit"] and not demeaned.extra["poor_fit"]
    assert _within(demeaned.att, 1.0, 0.15) and demeaned.ci_low <= 1.0 <= demeaned.ci_high
    assert demeaned.method["variant"] == "demeaned"
    g = demeaned.gaps
    assert (g.treated - g.synthetic).to_numpy() == pytest.approx(g.gap.to_numpy())


def test_estimates_table_rounds_and_skips_none(staggered):
    e = did(_two_by_two(staggered), "y", "unit", "year", "treated", "post", inference="cluster")
    t = estimates_table({"twfe": e, "missing": None})
    assert list(t.estimator) == ["twfe"]
    assert t.loc[0, "estimate"] == round(e.estimate, 3)


# --------------------------------------------------------------------------- Demoland demo data


@pytest.fixture(scope="module")
def demo_tables():
    from samenleven_analysis.analysis import outcomes
    from samenleven_analysis.data import demo

    return (
        outcomes.canonical_outcomes(demo.outcomes_table()),
        outcomes.canonical_treatment(demo.treatment_table()),
        dict(demo.PLANTED_EFFECTS),
    )


def test_demo_panels_recover_planted_effects(demo_tables):
    from samenleven_analysis.analysis import outcomes

    out, treat, planted = demo_tables
    for name, effect in planted.items():
        p = outcomes.panel(out, treat, name)
        cs = staggered_did(p, "value", "refnis", "year", "cohort")
        twfe = did(p, "value", "refnis", "year", "treated", "post", inference="cluster")
        assert cs.covers(effect), (name, cs)
        assert twfe.covers(effect), (name, twfe)
        if effect == 0:
            assert cs.pvalue > 0.05  # the placebo outcome (rainfall) shows no 'effect'


# --------------------------------------------------------------------------- (c) published estimates


def test_reference_rdrobust_senate_ccft_2017():
    """The rdrobust illustration on the U.S. Senate data (Calonico, Cattaneo, Farrell, Titiunik).

    Calonico, Cattaneo, Farrell & Titiunik (2017), "rdrobust: Software for regression-discontinuity
    designs", Stata Journal 17(2): 372–404 — the rdrobust illustration on the U.S. Senate data of
    Cattaneo, Frandsen & Titiunik (2015, J. Causal Inference 3(1)): ``rdrobust vote margin`` gives a
    conventional estimate of 7.414 (SE 1.459), robust bias-corrected 95% CI [4.094, 10.919],
    MSE-optimal h = 17.754. (Data set shipped with the rdrobust package.)
    """
    from rdrobust import rdrobust_RDsenate

    senate = rdrobust_RDsenate()
    e = rdd(senate, "vote", "margin", 0.0, vce="nn")  # rdrobust's default variance
    assert e.estimate == pytest.approx(7.414, abs=5e-4)
    assert e.extra["se_conventional"] == pytest.approx(1.459, abs=5e-4)
    assert (e.ci_low, e.ci_high) == (
        pytest.approx(4.094, abs=5e-4),
        pytest.approx(10.919, abs=5e-4),
    )
    assert e.extra["h_left"] == pytest.approx(17.754, abs=5e-4)
    assert (e.extra["n_eff_left"], e.extra["n_eff_right"]) == (360, 323)


def _jtrain() -> pd.DataFrame:
    from linearmodels.datasets import jobtraining

    d = jobtraining.load()
    d = d.dropna(subset=["lscrap"]).copy()
    # Cohort = year the firm first received a grant (1988 or 1989); NaN = no grant.
    first = d[d.grant == 1].groupby("fcode").year.min()
    d["cohort"] = d.fcode.map(first)
    return d


def test_reference_jtrain_first_difference_wooldridge():
    """Wooldridge, *Introductory Econometrics*, ch. 13: the first-differenced two-period equation.

    Data of Holzer, Block, Cheatham & Knott (1993, ILR Review 46): Michigan job-training grants,
    1987–1988, Δlog(scrap) on Δgrant gives −0.317 (SE 0.164) on 54 firms. With two periods TWFE DiD
    equals first differences. (JTRAIN shipped with linearmodels.)
    """
    d = _jtrain()
    two = d[d.year.isin([1987, 1988])]
    two = two[two.groupby("fcode").year.transform("size") == 2]
    two = two.assign(treated=two.cohort.eq(1988), post=two.year.eq(1988))
    e = did(two, "lscrap", "fcode", "year", "treated", "post", inference="cluster")
    assert e.estimate == pytest.approx(-0.317, abs=5e-4)
    assert e.n == 108 and e.extra["n_units"] == 54


def test_reference_jtrain_fixed_effects_event_study_wooldridge():
    """Wooldridge, *Introductory Econometrics*, Example 14.1 (job training and firm scrap rates).

    Effect of job training on firm scrap rates, fixed effects, 1987–1989, 54 firms: grant −0.252 (SE
    0.151), grant_{-1} −0.422 (SE 0.210). In event-study terms: relative time 0 and 1 after the
    first grant, with no leads (window (−1, 1), reference −1). SEs here are clustered by firm, so
    only the point estimates are compared.
    """
    d = _jtrain()
    es = event_study(d, "lscrap", "fcode", "year", "cohort", window=(-1, 1))
    c = es.coefs.set_index("rel_time").estimate
    assert c.loc[0] == pytest.approx(-0.252, abs=5e-4)
    assert c.loc[1] == pytest.approx(-0.422, abs=5e-4)
    assert es.n == 162 and es.pretrend_df == 0 and np.isnan(es.pretrend_pvalue)


def test_reference_df_het_callaway_santanna_vs_truth():
    """Callaway–Sant'Anna covers the true ATT of pyfixest's ``df_het``; plain TWFE misses it.

    Pyfixest ships ``df_het`` (from the did2s package of Butts & Gardner 2022, R Journal 14(3)) with
    the true effects in ``te + te_dynamic``: heterogeneous by cohort and growing over time.
    Callaway–Sant'Anna must cover the true ATT (2.22); plain TWFE is known to be biased here
    (Goodman-Bacon 2021), and its interval misses it.
    """
    path = importlib.resources.files("pyfixest.did") / "data" / "df_het.csv"
    d = pd.read_csv(path)
    truth = float((d.te + d.te_dynamic)[d.treat].mean())
    assert truth == pytest.approx(2.2202, abs=1e-4)
    cs = staggered_did(d, "dep_var", "unit", "year", "g")
    assert _within(cs.estimate, truth, 0.05) and cs.covers(truth), cs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twfe = did(
            d, "dep_var", "unit", "year", "treat", "treat", cluster="state", inference="cluster"
        )
    assert not twfe.covers(truth)
