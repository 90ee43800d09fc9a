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


def test_failed_checks_are_named_in_the_report_language_and_stay_codes_in_the_summary():
    """The verdict words each failed check (nl, en); ``failed_checks`` keeps the codes."""
    import numpy as np

    from samenleven_analysis import i18n
    from samenleven_analysis.analysis.estimators.common import Estimate, Fact
    from samenleven_analysis.analysis.verdicts import verdict_flags

    codes = {
        "balance of total": ("balans van totale bevolking", "balance of total population"),
        "balance of pre_mean": (
            "balans van niveau van de uitkomst vóór 2022",
            "balance of outcome level before 2022",
        ),
        "placebo cutoff 3,750": ("placebodrempel 3.750", "placebo cutoff 3,750"),
        "density test": ("dichtheidstest", "density test"),
        "joint pre-trend test": ("gezamenlijke toets op voortrends", "joint pre-trend test"),
        "placebo year 2018": ("placebojaar 2018", "placebo year 2018"),
        "placebo outcome rainfall_mm": (
            "placebo-uitkomst neerslag (mm)",
            "placebo outcome rainfall (mm)",
        ),
        "2 placebo check(s)": ("2 placebocontroles", "2 placebo checks"),
        "1 placebo check(s)": ("1 placebocontrole", "1 placebo check"),
        "something new": ("something new", "something new"),
    }
    for code, (dutch, english) in codes.items():
        with i18n.using("nl"):
            assert verdicts.check_text(code) == dutch
        with i18n.using("en"):
            assert verdicts.check_text(code) == english
    est = Estimate(1.0, 0.4, 0.2, 1.8, 0.01, 50, Fact("x"))
    checks = {"balance of total": 0.01, "density test": 0.5}
    with i18n.using("nl"):
        text = verdicts.verdict(est, checks=checks, design="rdd")
    assert "deze controles faalden: balans van totale bevolking." in text
    assert "balance of" not in text and "dichtheidstest" not in text
    assert verdict_flags(est, checks=checks)["failed_checks"] == ["balance of total"]
    assert np.isfinite(est.pvalue)
