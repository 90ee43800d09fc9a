"""Verdict texts of the evaluation reports: pre-period and support-only verdicts.

Flags and numbers, not wording.
"""

from __future__ import annotations

import pandas as pd

from samenleven_analysis.analysis.estimators.common import SyntheticControl
from samenleven_analysis.reports import verdicts


def test_support_verdict_flags_thin_support_and_missing_density():
    thin = verdicts.rdd_support_verdict(
        {"below": 2, "above": 2, "n": 285},
        None,
        threshold=7500,
        window=750,
        year=2015,
        counts_label="a*b",
    )
    thick = verdicts.rdd_support_verdict(
        {"below": 20, "above": 12, "n": 285},
        {"pvalue": 0.5},
        threshold=7500,
        window=750,
        year=2015,
        counts_label="x",
    )
    assert (
        len(thin.split("\n\n")) == 4 and len(thick.split("\n\n")) == 3
    )  # thin support adds a caution


def _sc(pvalue, poor=False):
    return SyntheticControl(
        att=5.0,
        weights=pd.Series({"11001": 1.0}),
        gaps=pd.DataFrame(),
        placebo_pvalue=pvalue,
        pre_rmspe=1.0,
        extra={"poor_fit": poor, "median_placebo_pre_rmspe": 2.0},
    )


def test_synthetic_pre_period_verdict_never_claims_an_effect():
    for sc in (_sc(0.01), _sc(0.6), _sc(0.01, poor=True)):
        text = verdicts.synthetic_pre_period_verdict(sc, placebo_year=2016, data_last_year=2020)
        assert "2016" in text and "2020" in text
    assert (
        len(
            verdicts.synthetic_pre_period_verdict(
                _sc(0.01, poor=True), placebo_year=2016, data_last_year=2020
            ).split("\n\n")
        )
        == 2
    )
