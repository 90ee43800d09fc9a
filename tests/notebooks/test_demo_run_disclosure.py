"""The published products of a shared demo run and the committed notebooks carry no count below min_cell."""

from pathlib import Path

import nbformat
import pytest
from _demo_run import DEMO_AUTHORITIES, DEMO_MIN_CELL

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.analysis.disclosure import MIN_CELL_DEFAULT

ROOT = Path(__file__).resolve().parents[2]


def published_texts(nb_path):
    """(html outputs, text outputs) of an executed notebook."""
    nb = nbformat.read(str(nb_path), as_version=4)
    html, text = [], []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                html.append(data["text/html"])
            if "text/markdown" in data:
                text.append(data["text/markdown"])
            elif "text/plain" in data and "text/html" not in data:
                text.append(data["text/plain"])  # a DataFrame's text twin is scanned as HTML
            if out.get("output_type") == "stream":
                text.append(out.get("text", ""))
    return html, text


@pytest.mark.notebooks
def test_demo_run_publishes_no_count_below_min_cell(demo_report_run):
    out, status = demo_report_run
    assert status == 0
    checked = 0
    for code in DEMO_AUTHORITIES:
        html, text = published_texts(out / "authorities" / f"{code}.ipynb")
        for page in html + [(out / "authorities" / f"{code}.html").read_text(encoding="utf-8")]:
            problems, n = disclosure.scan_counts(page, DEMO_MIN_CELL)
            assert problems == [], f"{code}: published counts below {DEMO_MIN_CELL}: {problems}"
            checked += n
        for t in text:
            assert disclosure.find_small_counts_in_text(t, DEMO_MIN_CELL) == []
    problems, n = disclosure.scan_counts(
        (out / "index.html").read_text(encoding="utf-8"), DEMO_MIN_CELL
    )
    assert problems == [] and n > 0
    assert checked > 50, "the scan looked at too few count cells to mean anything"
    # the small authority's tables really went through suppression with the run's min_cell
    small_html, _ = published_texts(out / "authorities" / f"{DEMO_AUTHORITIES[-1]}.ipynb")
    assert any(f"&lt;{DEMO_MIN_CELL}" in h for h in small_html)


COMMITTED = sorted(
    p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith((".", "_"))
)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_demo_outputs_publish_no_count_below_min_cell(path):
    html, text = published_texts(path)
    if not html and not text:
        pytest.skip(f"{path.name} has no stored outputs")
    for page in html:
        assert disclosure.find_small_counts(page, MIN_CELL_DEFAULT) == []
    for t in text:
        assert disclosure.find_small_counts_in_text(t, MIN_CELL_DEFAULT) == []
