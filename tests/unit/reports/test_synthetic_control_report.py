"""synthetic_control report steps: the verdict text escapes user-supplied names."""

from __future__ import annotations

import pandas as pd

from samenleven_analysis.reports import synthetic_control_report as sc_report

from .test_verdicts import _sc


def test_synthetic_verdict_escapes_the_place_name():
    """User-supplied names reach the verdict Markdown escaped (reports layer)."""
    design = sc_report.SyntheticDesign(
        pd.DataFrame({"year": [2005, 2020]}),
        "11001",
        2016,
        [],
        {"11001": "<b>X</b> $1"},
        "fiscal_income_per_resident",
        "",
        full=False,
    )
    text = sc_report.synthetic_text(design, _sc(0.6), demo=False)
    assert "<b>" not in text and "&lt;b&gt;" in text and "\\$1" in text


def test_the_report_withholds_the_placebo_test_and_says_why_in_both_modes():
    """Neither the placebo p nor the interval holds its level in the Plan's design."""
    import math

    from samenleven_analysis import i18n
    from samenleven_analysis.analysis.estimators import synthetic_control as sc_mod
    from samenleven_analysis.reports.method_text import note_text

    shown = sc_mod.without_placebo_inference(_sc(0.01))
    assert math.isnan(shown.placebo_pvalue) and math.isnan(shown.ci_low)
    assert shown.extra["placebo_pvalue_unreliable"] == 0.01 and shown.att == 5.0
    with i18n.using("en"):
        reason = note_text(shown.extra["ci_note"])
        assert "0% to 13% of draws" in reason and "91% to 100%" in reason
    for full in (True, False):
        design = sc_report.SyntheticDesign(
            pd.DataFrame({"year": [2005, 2020]}),
            "11001",
            2016,
            ["11002"],
            {"11001": "Antwerpen"},
            "fiscal_income_per_resident",
            "",
            full=full,
        )
        with i18n.using("en"):
            text = sc_report.synthetic_text(design, shown, demo=False)
        assert "no valid test" in text and "p =" not in text
        facts = sc_report.synthetic_facts(design, shown, demo=False)
        assert facts["placebo_pvalue"] is None and not facts["effect_claimed"]
