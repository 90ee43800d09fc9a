"""Stored XSS (issue 11, item 5): markup in user input reaches the published HTML only as text.

The markup is fed through every user-supplied file and a parameter value.

One demo report run over a Demoland mirror edited in tmp: municipality names (REFNIS list and
boundaries), partnership names, programme names, an outcome name (also passed as the
``outcome`` parameter). Then every HTML file of the run is scanned for live markup
(scripts, event handlers, ``javascript:`` links), and the markers must be visible as text
(so the scan cannot pass just because the strings never arrived).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from samenleven_analysis.data import demo as demo_mod
from samenleven_analysis.reports import runner
from samenleven_analysis.reports.text import unsafe_markup

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
LINK = "[x](javascript:alert(3))"
MATH = "$\\alpha$"
URL = "http://evil.example/x"
MARKERS = {
    "96006": f"Klein {SCRIPT} {URL}",  # a municipality name (REFNIS list + boundaries)
    "99016": f"Zwirerzand {IMG} {MATH}",
}
PARTNERSHIP = f"IGS {SCRIPT} {LINK} www.evil.example"
PROGRAMME = f"Oproep {LINK} {IMG}"
OUTCOME = f"jobs {IMG} {MATH}"


def _edit_mirror(folder: Path) -> None:
    ref = folder / "TU_COM_REFNIS.txt"
    lines = ref.read_bytes().decode("utf-8-sig").split("\r\n")  # keep CRLF: no universal newlines
    edited = 0
    for i, line in enumerate(lines):
        fields = line.split("|")
        if len(fields) > 5 and fields[1] in MARKERS:
            fields[3] = fields[4] = fields[5] = MARKERS[fields[1]]
            lines[i] = "|".join(fields)
            edited += 1
    assert edited == len(MARKERS)
    ref.write_bytes(("\ufeff" + "\r\n".join(lines)).encode("utf-8"))
    for geo in folder.glob("demoland_*.geojson"):
        data = json.loads(geo.read_text(encoding="utf-8"))
        for feature in data["features"]:
            code = str(feature["properties"].get("refnis"))
            if code in MARKERS:
                feature["properties"]["name_nl"] = MARKERS[code]
        geo.write_text(json.dumps(data), encoding="utf-8")
    parts = pd.read_csv(folder / "partnerships.csv", dtype=str)
    parts.loc[parts.partnership_id == "IGS01", "name"] = PARTNERSHIP
    parts.to_csv(folder / "partnerships.csv", index=False)
    progs = pd.read_csv(folder / "programmes.csv", dtype=str, keep_default_na=False)
    progs.loc[progs.index % 3 == 0, "programme"] = PROGRAMME
    progs.to_csv(folder / "programmes.csv", index=False)
    outcomes = pd.read_csv(folder / "outcomes.csv", dtype=str, keep_default_na=False)
    extra = outcomes[outcomes.outcome == "employment_rate"].assign(outcome=OUTCOME)
    pd.concat([outcomes, extra]).to_csv(folder / "outcomes.csv", index=False)


@pytest.fixture(scope="module")
def markup_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("markup")
    mirror = base / "mirror"
    demo_mod.write_demo(mirror)
    _edit_mirror(mirror)
    out = base / "reports" / "20250101T000000Z"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMENLEVEN_RAW_DIR", str(base / "raw"))
        mp.setenv("SAMENLEVEN_PROCESSED_DIR", str(base / "processed"))
        mp.delenv("SAMENLEVEN_DEMO", raising=False)
        mp.delenv("SAMENLEVEN_DATA_DIR", raising=False)
        status = runner.run_notebooks(
            [],
            all_=True,
            authorities=["96006", "99016", "IGS01"],
            out=out,
            jobs=2,
            data_dir=mirror,
            offline=True,
            params=[("outcome", OUTCOME)],
            progress=False,
        )
    return out, status


@pytest.mark.notebooks
def test_markup_in_user_files_and_parameters_is_published_as_text(markup_run):
    out, status = markup_run
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 5 and (out / "index.html") in pages
    live = {}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        found = unsafe_markup(html, outputs_only=page.name != "index.html")
        for raw in (SCRIPT, IMG, 'href="javascript:'):
            if raw in html:
                found.append(raw)
        if found:
            live[str(page.relative_to(out))] = found
    assert live == {}
    # the markers arrived, as text: escaped in the reports and on the dashboard
    pages_of = {p.stem: p.read_text(encoding="utf-8") for p in (out / "authorities").glob("*.html")}
    assert "&lt;script&gt;alert(1)" in pages_of["96006"]  # municipality name
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages_of["99016"]  # municipality name
    assert "&lt;script&gt;alert(1)" in pages_of["IGS01"]  # partnership name
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)" in index and "&lt;img src=x onerror=alert(2)&gt;" in index
    assert "onerror=alert(2)&gt;" in (out / "impact_did.html").read_text(
        encoding="utf-8"
    )  # outcome
    assert status == 0


@pytest.mark.notebooks
def test_no_absolute_path_of_the_machine_in_any_output(markup_run):
    """Item 11: executed notebooks, HTML, run.json carry no path of this machine."""
    out, _ = markup_run
    roots = {str(out.parents[1]), str(Path(runner.__file__).resolve().parents[2])}
    leaks = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in (".ipynb", ".html", ".json"):
            text = path.read_text(encoding="utf-8")
            hit = [r for r in roots if r in text]
            if hit:
                leaks[str(path.relative_to(out))] = hit
    assert leaks == {}


def _output_texts(nb):
    """``(mime type, text)`` of every rich output of the code cells (data, not the notebook)."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            for mime in ("text/markdown", "text/html"):
                text = out.get("data", {}).get(mime)
                if text is not None:
                    yield mime, "".join(text) if isinstance(text, list) else text


@pytest.mark.notebooks
def test_executed_notebooks_carry_no_live_markup_and_no_links_from_data(markup_run):
    """Issue 19, item 4: escaped at the source, so the .ipynb is as clean as the sanitised HTML.

    The .ipynb an analyst opens in JupyterLab; and a URL in a name is never made a link.
    """
    import nbformat
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    out, _ = markup_run
    notebooks = sorted(out.rglob("*.ipynb"))
    assert len(notebooks) >= 5
    live, seen = {}, ""
    for path in notebooks:
        found = []
        for mime, text in _output_texts(nbformat.read(str(path), as_version=4)):
            seen += text
            found += [raw for raw in (SCRIPT, IMG, "<script", "<img") if raw in text]
            html = markdown2html_mistune(text) if mime == "text/markdown" else text
            found += unsafe_markup(f'<div class="jp-OutputArea-output">{html}</div>')
            found += [h for h in ('href="http://evil', 'href="http://www.evil') if h in html]
        if found:
            live[str(path.relative_to(out))] = sorted(set(found))
    assert live == {}
    assert "alert(1)" in seen and "evil.example/x" in seen  # the markers arrived, as text
    for page in sorted(out.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert 'href="http://evil' not in html and 'href="http://www.evil' not in html, page.name
