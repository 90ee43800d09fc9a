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
