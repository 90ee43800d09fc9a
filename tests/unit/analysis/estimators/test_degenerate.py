"""Degenerate designs are honest (issue 20, item 3).

A numerically zero SE is NaN + note, NaN cluster ids are an error naming the column, fewer than two
clusters in an arm give no analytic interval, and an all-treated design is a clear error in every
estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis.estimators import did, event_study, staggered
from samenleven_analysis.bench import simulate as sim
from samenleven_analysis.errors import DataError

SEED = 3


def _noiseless_two_by_two(per_cell: int = 5) -> pd.DataFrame:
    """Treated units gain 19 more than controls, with no noise at all (the review's repro)."""
    rows = []
    for k in range(2 * per_cell):
        treated = k < per_cell
        for t in (2000, 2001):
            post = int(t == 2001)
            y = 10.1 + 0.37 * k + 3.3 * post + (19.0 if treated and post else 0.0)
            g = 2001 if treated else 0
            rows.append({"u": f"u{k}", "t": t, "y": y, "tr": int(treated), "po": post, "g": g})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("inference", ["cluster"])
def test_numerically_zero_se_is_nan_with_note_in_did(inference):
    df = _noiseless_two_by_two()
    e = did.did(df, "y", "u", "t", "tr", "po", inference=inference, reps=99)
    assert e.estimate == pytest.approx(19.0)
    assert np.isnan(e.ci_low) and np.isnan(e.ci_high) and np.isnan(e.pvalue)
    assert "se_numerically_zero" in e.note


def test_numerically_zero_se_is_nan_with_note_in_callaway_santanna():
    df = _noiseless_two_by_two()
    e = staggered.staggered_did(df, "y", "u", "t", "g", inference="analytic")
    assert e.estimate == pytest.approx(19.0)
    assert np.isnan(e.ci_low) and np.isnan(e.pvalue) and "se_numerically_zero" in e.note


def test_nan_cluster_ids_are_an_error_naming_column_and_count():
    df = sim.simulate_panel(n_units=30, seed=SEED)
    df["region"] = np.where(df["unit"].isin(df["unit"].unique()[:4]), None, "R1")
    n_missing = int(df["region"].isna().sum())
    for call in (
        lambda: did.did(df, "y", "unit", "year", "treated", "post", "region", inference="cluster"),
        lambda: staggered.staggered_did(df, "y", "unit", "year", "cohort", cluster="region"),
        lambda: event_study.event_study(df, "y", "unit", "year", "cohort", cluster="region"),
    ):
        with pytest.raises(DataError, match=rf"column 'region'.*{n_missing} missing"):
            call()


def test_callaway_santanna_without_two_untreated_clusters_has_no_analytic_interval():
    df = sim.simulate_panel(n_units=30, seed=SEED)
    treated_units = set(df.loc[df["cohort"] > 0, "unit"])
    # every untreated unit in one cluster, each treated unit its own cluster
    df["cl"] = np.where(df["unit"].isin(treated_units), df["unit"], "controls")
    e = staggered.staggered_did(
        df, "y", "unit", "year", "cohort", cluster="cl", inference="analytic"
    )
    assert e.extra["n_control_clusters"] == 1
    assert np.isnan(e.ci_low) and np.isnan(e.pvalue) and "too_few_clusters" in e.note


def test_did_randomisation_path_says_it_permutes_units_not_clusters():
    df = sim.simulate_panel(n_units=30, seed=SEED)
    df["cl"] = df["unit"].str[-1]
    e = did.did(df, "y", "unit", "year", "treated", "post", "cl", inference="ri", reps=99)
    assert "units_not_clusters_permuted" in e.note
    assert [n["cluster"] for n in e.notes if n.code == "units_not_clusters_permuted"] == ["cl"]


def _all_treated(staggered_timing: bool) -> pd.DataFrame:
    df = sim.simulate_panel(n_units=20, seed=SEED)
    df["treated"] = True
    df["cohort"] = 2016
    if staggered_timing:
        df.loc[df["unit"].isin(df["unit"].unique()[:10]), "cohort"] = 2017
    df["post"] = df["year"] >= df["cohort"]
    return df


def test_all_treated_design_is_a_clear_error_in_every_estimator():
    df = _all_treated(staggered_timing=False)
    with pytest.raises(ValueError, match="all units are treated"):
        did.did(df, "y", "unit", "year", "treated", "post", inference="cluster")
    with pytest.raises(ValueError, match="all units are treated"):
        event_study.event_study(df, "y", "unit", "year", "cohort")
    with pytest.raises(ValueError, match="all units are treated"):
        staggered.staggered_did(df, "y", "unit", "year", "cohort", control_group="not_yet_treated")
    with pytest.raises(ValueError, match="no never-treated units"):
        staggered.staggered_did(df, "y", "unit", "year", "cohort")
