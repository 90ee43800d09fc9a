"""The report notebooks run by `samenleven run` on the real mirror, and their products.

Real data hold no origin table, so the run uses the nationality proxy (the only definition
the public data support) for 1 January 2015 (the mirror's latest year), plus one
authority report for Antwerpen (11002). Skipped without SAMENLEVEN_DATA_DIR.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from _notebooks import REAL_RUN_AUTHORITY as AUTHORITY

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.data import build
from samenleven_analysis.reports import kernels, runner

pytestmark = [pytest.mark.realdata, pytest.mark.notebooks]

FLEMISH_MUNICIPALITIES_2025 = 285  # public fact (PROVENANCE.md)


def markdown_outputs(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    return [
        o["data"]["text/markdown"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]


def html_outputs(path: Path) -> list[str]:
    nb = nbformat.read(str(path), as_version=4)
    return [
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]


def test_every_notebook_runs_on_the_real_mirror(real_run):
    out, status = real_run
    results = {r.label: r for r in _results(out)}
    failed = {k: v["error"] for k, v in results.items() if not v["ok"]}
    assert status == 0 and not failed, failed
    expected = {p.stem for p in runner.available_notebooks() if p.stem != runner.AUTHORITY_NOTEBOOK}
    assert expected | {AUTHORITY} == set(results)


def _results(out: Path):
    import json

    info = json.loads((out / "run.json").read_text(encoding="utf-8"))

    class R(dict):
        label = property(lambda self: self["label"])

    return [R(r) for r in info["results"]]


def test_authority_report_on_real_data_is_real_and_consistent(real_run, real_data_dir):
    out, _ = real_run
    report = out / "authorities" / f"{AUTHORITY}.ipynb"
    assert kernels.report_uses_demo(report) is False
    md = "\n".join(markdown_outputs(report))
    assert (
        "DEMOGEGEVENS" not in md
        and "Gegevens: DEMO" not in md
        and "Gegevens: echt (open data van Statbel)" in md
    )
    # the authority report is Dutch by default (docs/i18n.md): nl_BE number and date formats
    assert "**Antwerpen** (11002; gemeente)" in md
    assert "niet-Belgische nationaliteit (benadering)" in md and "1 januari 2015" in md
    # the published count is the package's own count from the processed table
    shown = int(re.search(r"1 januari 2015: \*\*([\d.]+)\*\*", md).group(1).replace(".", ""))
    processed = runner.config.processed_dir()
    pop, _ = build.load("population_nationality", processed=processed)
    etr = pop[(pop.year == 2015) & (pop.refnis == AUTHORITY) & (pop.nationality == "ETR")][
        "population"
    ].sum()
    assert shown == int(etr)
    # provenance: the population file named with the checksum the mirror declares
    sums = {
        line.split()[1].lstrip("*").split("/")[-1]: line.split()[0]
        for line in (real_data_dir / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    }
    assert f"TF_SOC_POP_STRUCT_2015.zip | `{sums['TF_SOC_POP_STRUCT_2015.zip']}`" in md


def test_dashboard_on_real_data(real_run):
    out, _ = real_run
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="demo-banner"' not in index
    assert f'href="authorities/{AUTHORITY}.html"' in index
    rows = re.findall(
        r'<tr data-eligible="(?:yes|no)"[^>]*>\s*<td[^>]*>(?:<a [^>]*>)?(\d{5}|[A-Z]+\d+)',
        index.split('id="reports"')[0],
    )
    assert len(rows) == FLEMISH_MUNICIPALITIES_2025  # every Flemish municipality applies alone
    assert disclosure.find_small_counts(index) == []


def test_reports_mark_demo_data_and_publish_no_small_counts(real_run):
    out, _ = real_run
    for r in _results(out):
        ipynb = out / r["ipynb"]
        demo = kernels.report_uses_demo(ipynb)
        assert demo is not None, f"{r.label}: no provenance cell output"
        html = (out / r["html"]).read_text(encoding="utf-8")
        if demo:
            assert "DEMO" in html, f"{r.label} uses demo data without saying so"
        for page in html_outputs(ipynb):
            assert disclosure.find_small_counts(page) == [], r.label


def _demoland_names() -> set[str]:
    """Names of the fictional Demoland municipalities (from the demo build)."""
    from samenleven_analysis.reports import context as reporting

    ctx = reporting.data_context(2025, demo=True)
    return {str(n) for n in ctx.load("municipalities")["name_nl"] if len(str(n)) > 4}


DEMO_CODE = r"(?<![\w.,])9[4-9]\d{3}(?![\w,])"
"""A Demoland municipality code (94xxx-99xxx) standing alone; Flemish codes start with 1-4 or 7.

A whole token: not glued to letters or digits on either side, so a git commit hash that happens
to start with 94936 (the provenance line of every page) is not a place."""


def _visible_text(html: str) -> str:
    """What a reader sees or follows: the page's text plus its link targets and map codes.

    Embedded images, styles, scripts and sort keys are not text.
    """
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    targets = re.findall(r'(?:href|data-refnis)="([^"]*)"', html)
    html = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", html)
    text = re.sub(r"<[^>]+>", " ", html)
    return text + "\n" + "\n".join(targets)


def test_real_run_shows_no_demoland_place(real_run):
    """Item 1: the dashboard and Antwerpen's report name only real places."""
    out, _ = real_run
    names = _demoland_names()
    assert "Zwirerzand" in names or len(names) > 20  # the check knows what to look for
    # negative control: the same checks flag a Demoland row
    sample = _visible_text(
        '<tr><td data-value="96599"><a href="authorities/99016.html">99016</a></td></tr>'
    )
    assert re.findall(DEMO_CODE, sample) == ["99016", "99016"]
    assert not re.findall(DEMO_CODE, _visible_text("git-commit <code>94936d9648e8d350</code>"))
    pages = {
        "index.html": (out / "index.html").read_text(encoding="utf-8"),
        f"{AUTHORITY}.html": (out / "authorities" / f"{AUTHORITY}.html").read_text(
            encoding="utf-8"
        ),
    }
    for label, html in pages.items():
        text = _visible_text(html)
        assert not [n for n in names if n in text], label
        # Demoland codes are 94xxx-99xxx; Flemish codes start with 1, 2, 3, 4 or 7
        assert not re.findall(DEMO_CODE, text), label
        # the dashboard's own statement that it uses none (en, nl) is not a Demoland place
        without_statement = text.replace("no Demoland data", "").replace(
            "geen Demoland-gegevens", ""
        )
        assert "Demoland" not in without_statement, label
    index = pages["index.html"]
    assert (
        'id="flanders-map"' in index and index.count("data-refnis=") == FLEMISH_MUNICIPALITIES_2025
    )
    assert 'data-table="population_origin" data-status="missing"' in index
    assert 'data-table="population_nationality" data-status="real"' in index
