"""The authority notebook's report module: every section of the notebook on Demoland, in order."""

from __future__ import annotations

from samenleven_analysis.facts import THRESHOLD_RESIDENTS
from samenleven_analysis.reports.authority_report import AuthorityReport

SECTIONS = (
    "glance",
    "composition",
    "pyramid",
    "benchmark",
    "eligibility",
    "income",
    "subsidy",
    "programmes",
    "contract",
    "limits",
)


def test_the_notebook_sections_show_and_write_their_files(demo_report_ctx, shown, tmp_path):
    out = tmp_path / "files"
    report = AuthorityReport.build(
        demo_report_ctx,
        "96006",
        year=None,
        definition="non_eu14",
        threshold=THRESHOLD_RESIDENTS,
        vintage=2025,
        min_cell=5,
        output_dir=str(out),
    )
    assert report.applicant == "96006" and report.members == ["96006"]
    report.opening()
    steps = (
        report.at_a_glance,
        report.composition,
        report.pyramid,
        report.benchmark,
        report.eligibility,
        report.income,
        report.subsidy,
        report.programmes,
        report.outcomes,
        report.contract,
        report.limits,
    )
    for key in SECTIONS:
        report.section(key)
    for step in steps:
        before = len(shown)
        step()
        # the contract status goes through IPython's display (no contracts file in Demoland)
        assert len(shown) > before or step == report.contract, f"{step.__name__} showed nothing"
    written = {name for _, _, name in report.publisher.written}
    assert written and all((out / name).is_file() for name in written)
    report.files()  # the links to every written file
    assert all(name in str(shown[-1].data) for name in written)
