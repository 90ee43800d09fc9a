"""Randomisation inference that respects the assignment (issue 20, item 1).

Labels are permuted within strata, the statistic is studentised, the result names its scheme.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from samenleven_analysis.analysis.estimators import did, staggered
from samenleven_analysis.analysis.estimators.common import permutation_indices
from samenleven_analysis.bench import simulate as sim
from samenleven_analysis.errors import DataError


def test_permutations_keep_every_unit_in_its_stratum_and_are_seeded():
    strata = np.array([0, 0, 1, 1, 1, 2, 0, 2])
    p = permutation_indices(len(strata), 200, 7, strata)
    assert (strata[p] == strata[None, :]).all()
    assert all(sorted(row) == list(range(8)) for row in p)
    assert (p == permutation_indices(len(strata), 200, 7, strata)).all()
    assert len({tuple(r) for r in p}) > 20  # really permutes inside strata


def test_cs_scores_give_the_cluster_robust_se_of_the_actual_assignment():
    df = sim.simulate_flanders(n_units=120, n_treated=20, seed=4)
    a = staggered.staggered_did(
        df, "y", "unit", "year", "cohort", inference="analytic", details=False
    )
    wide = df.pivot_table(index="unit", columns="year", values="y")
    g = df.drop_duplicates("unit").set_index("unit")["cohort"].reindex(wide.index).to_numpy()
    att, scores = staggered.cs_scores(
        wide.to_numpy()[:, :, None], g[None, :], wide.columns.to_numpy(float), np.arange(len(g))
    )
    assert att[0, 0] == pytest.approx(a.estimate, rel=1e-10)
    assert np.sqrt((scores[0, :, 0] ** 2).sum()) == pytest.approx(a.se, rel=1e-10)


def test_result_names_the_stratified_studentised_scheme():
    df = sim.simulate_flanders(n_units=150, n_treated=6, seed=5, outcome="level")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        cs = staggered.staggered_did(
            df, "y", "unit", "year", "cohort", details=False, reps=199, strata="size_class"
        )
        tw = did.did(df, "y", "unit", "year", "treated", "post", reps=199, strata="size_class")
    for e in (cs, tw):
        assert e.extra["inference"] == "ri" and e.extra["ri_strata"] == "size_class"
        scheme = e.extra["ri_scheme"]
        assert (scheme["strata"], scheme["n_strata"]) == ("size_class", 5)
        assert e.method["scheme"] == scheme and e.method["inference"] == "ri"
        assert [n["scheme"] for n in e.notes if n.code == "se_not_reported_ri"] == [scheme]
        assert (e.pvalue < 0.05) == (not e.ci_low <= 0 <= e.ci_high)


def test_strata_must_be_fixed_per_unit():
    df = sim.simulate_flanders(n_units=60, n_treated=6, seed=5)
    df["size_class"] = np.arange(len(df)) % 2
    with pytest.raises(DataError, match="changes within unit"):
        staggered.staggered_did(
            df, "y", "unit", "year", "cohort", details=False, strata="size_class"
        )


@pytest.mark.simulation
def test_studentised_stratified_ri_holds_size_with_the_six_largest_funded_in_levels():
    """The review's repro: RI over all units rejected a true null in 47% of draws."""
    rejections = []
    for seed in range(40):
        df = sim.simulate_flanders(
            n_units=285, n_treated=6, effect=0.0, rho=0.5, outcome="level", seed=seed
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            e = staggered.staggered_did(
                df,
                "y",
                "unit",
                "year",
                "cohort",
                details=False,
                reps=199,
                seed=seed,
                strata="size_class",
            )
        rejections.append(e.pvalue < 0.05)
    assert np.mean(rejections) <= 0.125  # 5% + 2 MC s.e. at 40 draws


def test_twfe_auto_uses_studentised_ri_with_many_treated_clusters():
    """``auto`` is randomisation inference whatever the number treated.

    CRV1 covered 0 in 0.90 (MC s.e. 0.024) of draws with the 28 largest funded in levels
    (docs/inference.md).
    """
    df = sim.simulate_flanders(n_units=120, n_treated=28, effect=0.0, outcome="level", seed=4)
    e = did.did(df, "y", "unit", "year", "treated", "post", reps=99, strata="eligible")
    assert e.extra["n_treated_clusters"] == 28 and e.extra["inference"] == "ri"
    scheme = e.extra["ri_scheme"]
    assert (scheme["strata"], scheme["n_strata"]) == ("eligible", 2) and np.isnan(e.se)
    assert np.isfinite(e.extra["pvalue_cluster"])  # CRV1 p stays available as a second opinion


def test_size_strata_put_twice_as_many_as_funded_largest_units_together():
    import pandas as pd

    from samenleven_analysis.analysis.estimators.common import SIZE_STRATUM, size_strata

    size = pd.Series([100, 90, 80, 70, 60, 50, 40, np.nan], index=list("abcdefgh"))
    funded = pd.Series([True, False, True, False, False, False, False, False], index=size.index)
    eligible = size.fillna(0) >= 60
    strata = size_strata(size, funded, eligible)
    assert strata.name == SIZE_STRATUM
    assert list(strata) == ["largest"] * 4 + ["eligible"] + ["not eligible"] * 3
    # The strata depend on how many are funded, not on which: any assignment of two gives them.
    assert size_strata(
        size, funded.sample(frac=1, random_state=1).set_axis(size.index), eligible
    ).equals(strata)
