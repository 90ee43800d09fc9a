"""Issue 19, item 4: the authority report escapes names where it builds its Markdown.

So the executed .ipynb (opened in JupyterLab) carries no live markup and no link from data.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune

from samenleven_analysis.data import build
from samenleven_analysis.reports import authority_report
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.text import unsafe_markup

NAME = "Klein <script>alert(1)</script> <img src=x onerror=alert(2)> http://evil.example/x"


@pytest.fixture(scope="module")
def demo_ctx(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_build_text")
    with pytest.MonkeyPatch.context() as mp:  # module scope: before the autouse isolation
        mp.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path_factory.mktemp("demo_build_text_raw")))
        mp.setenv("SAMENLEVEN_PROCESSED_DIR", str(out))
        result = build.build(2025, offline=True, demo=True, out=out)
    return reporting.DataContext(vintage=2025, processed=Path(result.out_dir), built_demo=True)


def test_glance_and_subsidy_markdown_is_escaped_at_the_source(demo_ctx, monkeypatch):
    shown = []
    monkeypatch.setattr(reporting, "_display", lambda obj: shown.append(obj.data))
    report = authority_report.AuthorityReport.build(
        demo_ctx,
        "96006",
        year=None,
        definition="non_eu14",
        threshold=7500,
        vintage=2025,
        min_cell=5,
    )
    report.row["name"] = NAME
    report.at_a_glance()
    report.subsidy()
    assert len(shown) == 2
    for text in shown:
        assert "<script" not in text and "<img" not in text
        html = markdown2html_mistune(text)
        assert unsafe_markup(f'<div class="jp-OutputArea-output">{html}</div>') == []
        assert 'href="http://evil' not in html
    assert "alert(1)" in shown[0] and "evil.example/x" in markdown2html_mistune(shown[0])
