"""Escaping user text into Markdown, HTML and figure labels, and the report-HTML sanitizer."""

from __future__ import annotations

import pytest
from _hostile import ATTACKS

# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.


@pytest.mark.parametrize("attack", ATTACKS)
def test_md_escape_renders_as_the_literal_text_and_nothing_else(attack):
    from bs4 import BeautifulSoup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from samenleven_analysis.reports import text

    rendered = markdown2html_mistune(f"Name: **{text.md_escape(attack)}**")
    soup = BeautifulSoup(rendered, "html.parser")
    assert [t.name for t in soup.find_all(True)] == ["p", "strong"]  # no tag of the input
    assert soup.strong.get_text() == " ".join(attack.split())


@pytest.mark.parametrize("attack", ATTACKS)
def test_html_escape_and_figure_labels_keep_the_literal_text(attack):
    from bs4 import BeautifulSoup
    from matplotlib import cbook

    from samenleven_analysis.reports import text

    soup = BeautifulSoup(f"<p>{text.html_escape(attack)}</p>", "html.parser")
    assert [t.name for t in soup.find_all(True)] == ["p"] and soup.p.get_text() == attack
    assert not cbook.is_math_text(text.label(attack))


def test_sanitizer_keeps_tables_images_and_plain_css_and_drops_live_markup(tmp_path):
    from samenleven_analysis.reports import text

    page = tmp_path / "r.html"
    png = "data:image/png;base64,iVBORw0KGgo="
    page.write_text(
        '<html><head><script src="template.js"></script></head><body>'
        '<div class="jp-OutputArea-output"><style scoped>.dataframe tbody tr th {vertical-align: top;}</style>'
        '<table class="dataframe"><tr><th>name</th></tr><tr><td>a</td></tr></table>'
        f'<img src="{png}"><a href="authorities/11002.html">r</a>'
        '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
        "</div></body></html>",
        encoding="utf-8",
    )
    assert len(text.unsafe_markup(page.read_text())) == 3
    text.sanitize_report_html(page)
    html = page.read_text()
    assert text.unsafe_markup(html) == []
    assert '<script src="template.js">' in html  # the template is not an output
    assert f'src="{png}"' in html and 'href="authorities/11002.html"' in html
    assert "<table" in html and "vertical-align: top" in html and "<style>" in html


@pytest.mark.parametrize(
    "plain",
    [
        "'non_eu14'",
        "['event_study', 'twfe']",
        "TF_SOC_POP_STRUCT_2012.zip",
        "Sint-Niklaas",
        "None",
        "7500",
    ],
)
def test_md_escape_leaves_plain_text_alone(plain):
    from samenleven_analysis.reports import text

    assert text.md_escape(plain) == plain


def test_the_dashboard_may_carry_its_own_scripts_once_and_nothing_else():
    from samenleven_analysis.reports import text

    own = '<script id="dashboard-script">x()</script><script id="table-sort-script">y()</script>'
    assert text.unsafe_markup(f"<html><body>{own}</body></html>", outputs_only=False) == []
    doubled = own + '<script id="dashboard-script">z()</script>'
    assert text.unsafe_markup(doubled, outputs_only=False) == ["<script>"]
    assert text.unsafe_markup("<script>alert(1)</script>", outputs_only=False) == ["<script>"]
    # inside a report's output areas no script is ever the page's own
    area = f'<div class="jp-OutputArea-output">{own}</div>'
    assert text.unsafe_markup(area) == ["<script>", "<script>"]
