"""The impact report's choices of inference in the Plan's regime (issue 20)."""

from __future__ import annotations

import math

from samenleven_analysis import i18n
from samenleven_analysis.analysis.estimators.common import Estimate, fact
from samenleven_analysis.analysis.estimators.sdid import FLANDERS_PLACEBO_COVERAGE
from samenleven_analysis.reports.impact_did_report import (
    ImpactDidReport,
    event_intervals_text,
    sdid_without_interval,
    sensitivity_withheld_text,
    twfe_text,
)
from samenleven_analysis.reports.method_text import notes_text


def in_both_languages(make_text) -> tuple[str, str]:
    """``(English, Dutch)`` of ``make_text()``."""
    with i18n.using("en"):
        english = make_text()
    with i18n.using("nl"):
        dutch = make_text()
    return english, dutch


def test_synthetic_did_keeps_its_estimate_but_no_interval_its_coverage_does_not_support():
    est = Estimate(1.5, 0.4, 0.7, 2.3, 0.01, 2850, fact("sdid"))
    shown = sdid_without_interval(est)
    assert shown.estimate == 1.5
    assert all(math.isnan(v) for v in (shown.se, shown.ci_low, shown.ci_high, shown.pvalue))
    assert shown.note == "sdid_interval_withheld"
    # the measured coverage is far from 95% in levels: the reason the interval is withheld
    assert (
        max(c for (kind, _), (c, _se) in FLANDERS_PLACEBO_COVERAGE.items() if kind == "level") < 0.8
    )
    with i18n.using("en"):
        english = notes_text(shown.notes)
    with i18n.using("nl"):
        dutch = notes_text(shown.notes)
    assert "61% to 68% of 41 draws" in english
    assert "geen interval" in dutch and "61%" in dutch and "68%" in dutch


def test_twfe_line_says_why_its_cluster_and_wild_p_values_are_not_shown():
    est = Estimate(0.5, 0.2, 0.1, 0.9, 0.02, 100, fact("twfe"))
    est.extra.update(n_treated_clusters=23, n_clusters=59)
    with i18n.using("en"):
        english = twfe_text(est)
    with i18n.using("nl"):
        dutch = twfe_text(est)
    assert "23 treated of 59 clusters" in english and "up to 10% and 10%" in english
    assert "23 gefinancierde van 59 clusters" in dutch and "10%" in dutch


def test_event_figures_say_why_they_show_no_intervals_in_both_languages():
    english, dutch = in_both_languages(event_intervals_text)
    assert "89% to 94%" in english and "66% to 96%" in english
    assert "zonder interval" in dutch and "89%" in dutch and "66%" in dutch


def test_sensitivity_step_shows_no_honest_did_interval_and_says_why(monkeypatch):
    """HonestDiD's conventional interval covers 83%–93% in the Plan's regime: nothing of it is shown.

    The step displays the reason only: no interval, no breakdown value, no figure.
    """
    from samenleven_analysis.analysis.estimators.honest import FLANDERS_CONVENTIONAL_COVERAGE
    from samenleven_analysis.reports import impact_did_report

    assert max(c for c, _se in FLANDERS_CONVENTIONAL_COVERAGE.values()) < 0.935
    english, dutch = in_both_languages(sensitivity_withheld_text)
    assert "83% to 93% of draws" in english and "breakdown value" in english
    assert "83%" in dutch and "93%" in dutch and "omslagwaarde" in dutch
    shown: list[str] = []
    monkeypatch.setattr(impact_did_report, "show_text", shown.append)
    monkeypatch.setattr(impact_did_report, "show_figure", lambda **k: shown.append("figure"))
    ImpactDidReport.sensitivity(object.__new__(ImpactDidReport))  # the step reads no result
    assert shown == [sensitivity_withheld_text()]


def test_placebo_checks_say_how_they_are_tested_and_their_measured_size():
    from samenleven_analysis.reports.impact_did_report import placebo_inference_text

    english, dutch = in_both_languages(placebo_inference_text)
    assert "randomisation test" in english and "at most 7%" in english and "13%" in english
    assert "size and eligibility" in english and "grootte" in dutch
    assert "randomisatietoets" in dutch and "7%" in dutch and "13%" in dutch


def test_randomisation_strata_of_the_plan_are_size_and_eligibility():
    """The applicant's eligibility count ranks the municipalities; partnership members share it."""
    import pandas as pd

    from samenleven_analysis.reports import impact_did_report as impact

    panel = pd.DataFrame(
        {
            "refnis": ["1", "2", "3", "4", "5", "6"],
            "cohort": [2022.0, None, None, None, None, None],
            "eligible": [True, True, True, False, False, False],
        }
    )
    elig = pd.DataFrame(
        {"members": [["1"], ["2", "3"], ["4"], ["5"]], "count": [9000, 8000, 100, 50]}
    )
    strata = impact.with_size_strata(panel, elig)
    assert impact.ri_strata(strata) == "size_stratum"
    assert list(strata["size_stratum"]) == [
        "largest",
        "largest",
        "eligible",
        "not eligible",
        "not eligible",
        "not eligible",
    ]
    # Without counts: eligibility, as before.
    assert impact.ri_strata(impact.with_size_strata(panel, None)) == "eligible"
    other = impact.with_strata_of(panel.drop(columns="eligible"), strata)
    assert list(other["size_stratum"]) == list(strata["size_stratum"])
