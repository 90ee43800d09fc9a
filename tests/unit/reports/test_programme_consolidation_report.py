"""The programme notebook's report module: every step of the notebook on Demoland, in order."""

from __future__ import annotations

from samenleven_analysis.facts import THRESHOLD_RESIDENTS
from samenleven_analysis.reports.programme_consolidation_report import (
    ProgrammeConsolidationReport,
    show_value,
)


def test_the_notebook_steps_show_and_write_their_tables_and_figures(
    demo_report_ctx, shown, tmp_path
):
    out = tmp_path / "files"
    report = ProgrammeConsolidationReport.build(
        demo_report_ctx,
        threshold=THRESHOLD_RESIDENTS,
        definition="non_eu14",
        year=None,
        inclusive=False,
        min_cell=5,
        output_dir=str(out),
    )
    for step in (
        report.call_overview,
        report.rules_table,
        report.caps,
        report.against_announcement,
        report.call_facts,
        report.eligibility_note,
        report.regimes,
        report.per_year,
    ):
        before = len(shown)
        step()
        assert len(shown) > before, f"{step.__name__} displayed nothing"
    written = {name for _, _, name in report.publisher.written}
    assert written and all((out / name).is_file() for name in written)


def test_show_value_suppresses_small_counts_but_not_amounts():
    assert show_value(3, "persons", 5) != "3"
    assert show_value(12000, "persons", 5) == "12,000"
    assert show_value(3, "EUR", 5) == "3"
    assert show_value(0.125, "share", 5, signed=True) == "+12.5 pp"
