"""The report-suite benchmark (``samenleven bench reports``) times the runs it promises."""

from __future__ import annotations

import pandas as pd

from samenleven_analysis.bench import reports as bench_reports
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.runner import PreparedData


def test_benchmark_reports_times_the_suite_one_and_n_authorities(monkeypatch, tmp_path, capsys):
    calls = []
    monkeypatch.setattr(bench_reports, "prepare_data", lambda vintages: PreparedData(demo=True))
    monkeypatch.setattr(bench_reports, "run_notebooks", lambda **kwargs: calls.append(kwargs) or 0)
    table = pd.DataFrame(
        {"applicant": ["11002", "11004", "IGS01"], "eligible": [True, False, True]}
    )
    monkeypatch.setattr(reporting, "authority_table", lambda: table)
    figures = bench_reports.benchmark_reports(n_authorities=2, out=tmp_path)
    assert len(figures) == 5 and all(seconds >= 0 for seconds in figures.values())
    assert calls[0]["all_"] is True and calls[0]["authorities"] == "eligible"
    assert calls[1]["authorities"] == ["11002"]
    assert [c["jobs"] for c in calls[2:]] == [1, 2]
    assert all(c["authorities"] == ["11002", "IGS01"] for c in calls[2:])
    assert "benchmark on" in capsys.readouterr().out
