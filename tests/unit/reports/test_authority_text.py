"""Issue 19, item 4: the authority report escapes names where it builds its Markdown.

So the executed .ipynb (opened in JupyterLab) carries no live markup and no link from data.
"""

from __future__ import annotations

from nbconvert.filters.markdown_mistune import markdown2html_mistune

from samenleven_analysis.reports import authority_report
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.text import unsafe_markup

NAME = "Klein <script>alert(1)</script> <img src=x onerror=alert(2)> http://evil.example/x"


def test_glance_and_subsidy_markdown_is_escaped_at_the_source(demo_report_ctx, monkeypatch):
    shown = []
    monkeypatch.setattr(reporting, "_display", lambda obj: shown.append(obj.data))
    report = authority_report.AuthorityReport.build(
        demo_report_ctx,
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
