"""The three evaluation notebooks on the real mirror.

The mirror has fiscal income 2005–2020 and population 2009–2015 but no outcome or funding
table: impact_did must run as a *pre-period check* that says plainly that no effect of the
plan can be estimated; threshold_rdd and synthetic_control must fall back to Demoland and
say so. (Their demo-mode outputs are checked by nbval.)
"""

from __future__ import annotations

import pytest

from _notebooks import real_run_text


@pytest.mark.realdata
@pytest.mark.notebooks
def test_impact_did_on_the_real_mirror_is_a_pre_period_check(real_run):
    text = real_run_text(real_run, "impact_did")
    assert "ERROR" not in text
    assert "Design: pre-period check (no post-2022 outcomes)" in text
    assert "net taxable income per resident (EUR)" in text
    assert "2016 is a placebo year" in text and "nationality" in text and "understates" in text
    assert "No effect of the programme can be estimated from these data." in text
    assert "They end in 2020" in text
    assert "Joint pre-trend test" in text and "MDE" in text
    assert "DEMO DATA" not in text and "Data: real" in text


@pytest.mark.realdata
@pytest.mark.notebooks
def test_rdd_and_synthetic_control_on_the_real_mirror_say_demo(real_run):
    rdd = real_run_text(real_run, "threshold_rdd")
    assert "ERROR" not in rdd
    assert "**DEMO DATA.** No public table of outcomes or funded authorities exists" in rdd
    assert "Warning: too few authorities near the cutoff" in rdd
    sc = real_run_text(real_run, "synthetic_control")
    assert "ERROR" not in sc
    assert "**DEMO DATA.** No public table of outcomes or funded authorities exists" in sc
    assert "placebo p-value" in sc and "One authority cannot separate the plan" in sc
