"""Generators with a planted effect and the simulation-study command (smoke test only).

The ≥ 200-draw study is a benchmark: ``samenleven_analysis.bench.simulation.main``.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.bench import simulation as sim
from samenleven_analysis.facts import THRESHOLD_RESIDENTS


def test_simulate_panel_structure_and_determinism():
    a = sim.simulate_panel(n_units=30, seed=7)
    b = sim.simulate_panel(n_units=30, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(sim.simulate_panel(n_units=30, seed=8))
    assert len(a) == 30 * 14 and a.groupby("unit").size().eq(14).all()
    assert list(a.columns) == ["unit", "year", "cohort", "treated", "post", "d", "y"]
    cohorts = a.drop_duplicates("unit").cohort
    assert cohorts.notna().sum() == round(0.45 * 30)
    assert set(cohorts.dropna()) == {2022.0, 2023.0, 2024.0}
    expected_d = a.cohort.notna() & (a.year >= a.cohort.fillna(np.inf))
    assert (a.d == expected_d.astype(int)).all() and (a.post == expected_d).all()
    assert (a.treated == a.cohort.notna()).all()
    assert a.attrs["effect"] == 2.0


def test_simulate_panel_planted_effect_is_in_the_outcome():
    # Same seed, different effect: outcomes differ by exactly the effect in treated cells.
    base = sim.simulate_panel(n_units=20, effect=0.0, seed=1)
    planted = sim.simulate_panel(n_units=20, effect=1.5, dynamic=0.5, seed=1)
    diff = planted.y - base.y
    rel = planted.year - planted.cohort
    expected = np.where(planted.d == 1, 1.5 + 0.5 * rel.fillna(0), 0.0)
    np.testing.assert_allclose(diff, expected, atol=1e-12)
    assert planted.attrs["effect"] == pytest.approx(float(expected[planted.d == 1].mean()))


def test_simulate_rdd_sharp_and_fuzzy():
    sharp = sim.simulate_rdd(n=500, seed=2)
    assert (sharp.treated == (sharp.running >= 7500).astype(int)).all()
    assert sharp.running.between(2500, 12500).all()
    fuzzy = sim.simulate_rdd(n=4000, fuzzy=True, seed=2)
    above = fuzzy[fuzzy.above].treated.mean()
    below = fuzzy[~fuzzy.above].treated.mean()
    assert abs(above - 0.85) < 0.03 and abs(below - 0.10) < 0.03
    pd.testing.assert_frame_equal(fuzzy, sim.simulate_rdd(n=4000, fuzzy=True, seed=2))


def test_simulate_factor_panel_has_one_treated_unit_in_the_hull():
    f = sim.simulate_factor_panel(n_controls=10, effect=2.0, seed=4)
    assert f.unit.nunique() == 11 and f.loc[f.treated, "unit"].unique().tolist() == ["treated"]
    w = f.attrs["true_weights"]
    assert sum(w.values()) == pytest.approx(1.0) and len(w) == 3
    # Without noise the treated unit is exactly the weighted donors plus the effect after 2022.
    g = sim.simulate_factor_panel(n_controls=10, effect=2.0, sigma=0.0, seed=4)
    wide = g.pivot(index="year", columns="unit", values="y")
    synth = sum(v * wide[k] for k, v in w.items())
    gap = wide["treated"] - synth
    np.testing.assert_allclose(gap[gap.index < 2022], 0.0, atol=1e-9)
    np.testing.assert_allclose(gap[gap.index >= 2022], 2.0, atol=1e-9)


def test_simulation_study_smoke():
    buf = io.StringIO()
    kw = {
        "draws": 2,
        "seed": 11,
        "scenarios": ["six_treated", "rdd"],
        "estimators": ["callaway_santanna", "rdd_fuzzy"],
        "workers": 1,
    }
    table = sim.simulation_study(out=buf, **kw)
    assert set(table.estimator) == {"callaway_santanna", "rdd_fuzzy"} and len(table) == 2
    assert (table.draws + table.failed == 2).all() and (table.failed == 0).all()
    assert table[["bias", "rmse", "coverage"]].notna().all().all()
    assert "Simulation study" in buf.getvalue()
    again = sim.simulation_study(out=io.StringIO(), **kw)
    pd.testing.assert_frame_equal(table.drop(columns="seconds"), again.drop(columns="seconds"))


def test_simulation_study_null_scenario_reports_size_and_rejects_bad_names():
    table = sim.simulation_study(
        draws=1,
        seed=5,
        scenarios=["no_effect"],
        estimators=["callaway_santanna"],
        workers=1,
        out=io.StringIO(),
    )
    assert np.isnan(table.power.iloc[0]) and np.isfinite(table["size"].iloc[0])
    with pytest.raises(ValueError, match="unknown"):
        sim.simulation_study(draws=1, estimators=["nope"], out=io.StringIO())


@pytest.mark.slow  # > 8 s: the end-to-end tier (`make test-e2e`, CI)
def test_main_prints_one_scenario(capsys):
    assert sim.main(draws=1, scenario="rdd") == 0
    assert "rdd_sharp" in capsys.readouterr().out
    with pytest.raises(ValueError):
        sim.main(draws=0)


def test_flanders_panel_concentrates_treatment_in_the_largest():
    df = sim.simulate_flanders(n_treated=6, seed=2)
    units = df.drop_duplicates("unit")
    assert (
        units.treated.sum() == 6
        and units["size"].nlargest(6).index.isin(units.index[units.treated]).all()
    )
    assert (
        df.attrs["effect"] > 0
        and sim.simulate_flanders(n_treated=6, effect=0.0, seed=2).attrs["effect"] == 0
    )


def test_flanders_regime_scenarios_levels_are_noisiest_in_the_largest_and_report_mc_se():
    lv = sim.simulate_flanders(n_units=285, n_treated=6, effect=0.0, outcome="level", seed=3)
    rt = sim.simulate_flanders(n_units=285, n_treated=6, effect=0.0, outcome="rate", seed=3)
    for df, bigger_is_noisier in ((lv, True), (rt, False)):
        sd = df.groupby("unit")["y"].apply(lambda y: y.diff().std())
        size = df.drop_duplicates("unit").set_index("unit")["size"]
        top = bool(sd[size.nlargest(20).index].mean() > sd[size.nsmallest(20).index].mean())
        assert top is bigger_is_noisier
    assert set(lv.drop_duplicates("unit")["size_class"]) == {1, 2, 3, 4, 5}
    units = lv.drop_duplicates("unit")
    # the notebooks' stratum of randomisation inference: eligibility (> 7,500 residents)
    assert (units["eligible"] == (units["size"] > THRESHOLD_RESIDENTS)).all()
    assert units.loc[units["treated"], "eligible"].all()
    table = sim.simulation_study(
        draws=1,
        seed=5,
        scenarios=["flanders_level_6_null"],
        estimators=["callaway_santanna"],
        workers=1,
        out=io.StringIO(),
    )
    assert {"coverage_mcse", "reject_mcse"} <= set(table.columns)
    assert np.isfinite(table["size"].iloc[0]) and np.isnan(table.power.iloc[0])


def test_honest_conventional_draw_is_honest_dids_own_m0_interval():
    """The bench's ``honest_conventional`` measures exactly the interval HonestDiD starts from."""
    from samenleven_analysis.analysis.estimators.event_study import event_study
    from samenleven_analysis.analysis.estimators.honest import honest_did

    est, truth = sim._honest_conventional("flanders_level_6_null", 11)
    df = sim._panel("flanders_level_6_null", 11)
    es = event_study(
        df, "y", "unit", "year", "cohort", estimator="did2s", window=None, bootstrap_reps=0
    )
    h = honest_did(es, m_grid=[0.0])
    assert truth == 0.0
    assert est.estimate == pytest.approx(h.estimate, rel=1e-12)
    assert (est.ci_low, est.ci_high) == pytest.approx(h.original, rel=1e-3)  # 1.96 vs z_0.975


def test_check_size_studies_run_and_count_every_estimable_draw():
    """The functions behind ``did.FLANDERS_PLACEBO_YEAR_REJECTION`` and ``rdd.FLANDERS_CHECK_REJECTION``."""
    years = sim.placebo_year_sizes(2, ["flanders_level_6_null"], inference="cluster")
    assert list(years.fake_year) == [2018, 2019, 2020] and (years.draws == 2).all()
    assert years.rejects.between(0, 1).all()
    checks = sim.rdd_check_sizes(2)
    assert list(checks.check[:2]) == ["density", "balance"]
    assert {"placebo cutoff 3,750", "placebo cutoff 11,250"} <= set(checks.check)
    assert (checks.draws <= 2).all() and checks.rejects.dropna().between(0, 1).all()


def test_multiple_outcome_fwer_study_runs_the_notebooks_adjustment():
    """The function behind ``multiple_testing.FLANDERS_FWER``."""
    table = sim.multiple_outcome_fwer(2, ["flanders_rate_6_null"])
    assert list(table.scenario) == ["flanders_rate_6_null"] and (table.draws == 2).all()
    assert table.fwer.between(0, 1).all() and (table.fwer <= table.unadjusted).all()
