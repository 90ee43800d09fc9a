"""The eligibility notebook's report module: every step of the notebook on Demoland, in order."""

from __future__ import annotations

import pandas as pd

from samenleven_analysis.facts import THRESHOLD_RESIDENTS
from samenleven_analysis.reports.eligibility_report import EligibilityReport


def test_the_notebook_steps_show_and_write_the_qualifying_list(demo_report_ctx, shown, tmp_path):
    out = tmp_path / "files"
    report = EligibilityReport.build(
        demo_report_ctx,
        threshold=THRESHOLD_RESIDENTS,
        definition="non_eu14",
        year=None,
        inclusive=False,
        min_cell=5,
        output_dir=str(out),
    )
    report.data_note()
    report.eligible_list()
    report.near(band=500)
    report.map()
    report.coverage()
    sens = report.sensitivity()
    report.sensitivity_table(sens)
    report.moves(sens)
    report.sensitivity_figure(sens)
    report.facts()
    assert shown, "the steps displayed nothing"
    written = {name for _, _, name in report.publisher.written}
    assert written and all((out / name).is_file() for name in written)
    assert {n.rsplit(".", 1)[1] for n in written} >= {"csv", "png", "svg"}
    table = report.table()
    # the published list holds exactly the applicants whose count exceeds the threshold
    csvs = [pd.read_csv(out / n, dtype=str) for n in sorted(written) if n.endswith(".csv")]
    assert any(len(frame) == int(table["eligible"].sum()) for frame in csvs)
