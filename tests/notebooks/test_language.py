"""Reports in Dutch and English (docs/i18n.md).

The same demo run made twice, with ``--language nl`` and ``--language en``, shows the same numbers,
writes the same files and links, and the Dutch one contains no English sentence of the catalog.

By default the run holds the authority report (a partnership, so plural forms are used), the
dashboard and the topic notebooks whose every sentence comes from the catalogs
(``TRANSLATED``); ``SAMENLEVEN_LANGUAGE_ALL=1`` runs every notebook (``samenleven run
--all``), which takes several minutes on two cores. The evaluation notebooks (``EVALUATION``)
are checked from their committed Dutch outputs and one English run each.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from _english import english_of_the_catalog, html_cells, markdown_cells
from bs4 import BeautifulSoup
from conftest import _isolated_env

from samenleven_analysis import i18n

pytestmark = pytest.mark.notebooks

AUTHORITY = "IGS01"
"""A demo partnership: its report uses the plural forms and the members' list."""
TRANSLATED = ["eligibility", "programme_consolidation", "migration_roots_map"]
"""Topic notebooks whose reader-facing text is all in the catalogs (Dutch by default): their
Dutch pages hold no English sentence, and they are the topic notebooks of the default run."""
SMALL_RUN = TRANSLATED
EVALUATION = ["impact_did", "threshold_rdd", "synthetic_control"]
"""Evaluation notebooks: Dutch by default and every sentence in the catalogs, but too slow to
run twice in the run above (impact_did alone takes minutes). Their committed ``.ipynb`` is the
``nl`` demo run that nbval verifies: it is checked for English without a run, and its numbers
are compared with one English run of each (:func:`english_evaluation`)."""
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ALL = os.environ.get("SAMENLEVEN_LANGUAGE_ALL") == "1"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    from samenleven_analysis.reports import runner

    base = tmp_path_factory.mktemp("language")
    out = {}
    for language in ("nl", "en"):
        folder = base / language / "20250101T000000Z"
        with _isolated_env(base, SAMENLEVEN_DEMO="1"):
            status = runner.run_notebooks(
                [] if ALL else SMALL_RUN,
                all_=ALL,
                authorities=[AUTHORITY],
                out=folder,
                jobs=2,
                progress=False,
                language=language,
            )
        assert status == 0
        out[language] = folder
    return out


# --------------------------------------------------------------------------- numbers

_TOKEN = re.compile(r"(?<![\w.,])[-+−]?\d(?:[\d.,]*\d)?(?![\w])")
"""A number as written in running text: digits with separators, not part of a word (EU14)."""
_VOLATILE = [
    re.compile(r"\b[0-9a-f]{64}\b"),  # sha256
    re.compile(r"==[0-9][\w.+!-]*"),  # package versions
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z?"),  # timestamps
    re.compile(r"(?i)git commit:? \S+"),
]


def numbers(text: str, language: str) -> list[float]:
    """Every number in ``text`` read in ``language``'s format, sorted: what the two languages share.

    The formats: nl 1.234,5; en 1,234.5.
    """
    for pattern in _VOLATILE:
        text = pattern.sub(" ", text)
    found = []
    for token in _TOKEN.findall(text):
        token = token.replace("−", "-")
        if language == "nl":
            token = token.replace(".", "").replace(",", ".")
        else:
            token = token.replace(",", "")
        if token.count(".") > 1:  # not one number (e.g. a list "1,2,3" in nl): its digits
            found += [float(t) for t in re.findall(r"\d+", token)]
        else:
            found.append(float(token))
    return sorted(found)


def visible_text(html: str, *, drop_ids: tuple[str, ...] = ()) -> str:
    """What a reader sees: no styles, scripts, inline images or figures' SVG."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "svg", "img", "head"]):
        tag.decompose()
    for element_id in drop_ids:
        for tag in soup.select(f"#{element_id}"):
            tag.decompose()
    return soup.get_text(" ")


def test_number_reader_handles_both_formats():
    assert numbers("35,3% van 104.099; +30.691 en 1 januari 2015", "nl") == sorted(
        [35.3, 104099, 30691, 1, 2015]
    )
    assert numbers("35.3% of 104,099; +30,691 and January 1, 2015", "en") == sorted(
        [35.3, 104099, 30691, 1, 2015]
    )
    assert numbers("EU14 non_eu14 5–9", "en") == [5, 9]


# Dashboard parts that differ between any two runs (times, versions), whatever the language.
_RUN_SPECIFIC = ("reports", "software", "provenance")


def test_both_languages_write_the_same_files_and_links(runs):
    files = {
        lang: sorted(p.relative_to(f) for p in f.rglob("*") if p.is_file())
        for lang, f in runs.items()
    }
    assert files["nl"] == files["en"]
    hrefs = {}
    for lang, folder in runs.items():
        soup = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
        hrefs[lang] = [a.get("href") for a in soup.find_all("a")]
    assert hrefs["nl"] == hrefs["en"] and hrefs["nl"]


def output_text(ipynb: Path) -> str:
    """The text of a notebook's outputs (markdown, HTML, plain text; no images).

    Without its closing provenance cell (versions and times of this run). The notebook's own
    markdown cells are the same file in both languages, so they are left out.
    """
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for kind in ("text/markdown", "text/html", "text/plain"):
                if kind in data:
                    text = data[kind]
                    parts.append(visible_text(text) if kind == "text/html" else text)
                    break
            else:
                if out.get("output_type") == "stream":
                    parts.append(out.get("text", ""))
    text = "\n".join(parts)
    return re.split(r"### (?:Herkomst|Provenance)\b", text)[0]


def output_cells(ipynb: Path) -> list[str]:
    """The table cells, headings and list items of a notebook's outputs (Markdown and HTML).

    Without its closing provenance cell (parameter names are code).
    """
    import nbformat

    nb = nbformat.read(str(ipynb), as_version=4)
    cells: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/markdown" in data:
                if re.match(r"\s*### (?:Herkomst|Provenance)\b", data["text/markdown"]):
                    continue
                cells += markdown_cells(data["text/markdown"])
            elif "text/html" in data:
                cells += html_cells(data["text/html"])
    return cells


def test_both_languages_show_the_same_numbers(runs):
    notebooks = sorted(p.relative_to(runs["nl"]) for p in runs["nl"].rglob("*.ipynb"))
    assert Path("authorities") / f"{AUTHORITY}.ipynb" in notebooks
    for nb in notebooks:
        got = {lang: numbers(output_text(folder / nb), lang) for lang, folder in runs.items()}
        assert got["nl"] == got["en"], f"{nb}: numbers differ between nl and en"
        assert len(got["nl"]) > 20, f"{nb}: too few numbers to compare"
    # the dashboard, without the parts that differ between any two runs (times, versions)
    got = {}
    for lang, folder in runs.items():
        text = visible_text(
            (folder / "index.html").read_text(encoding="utf-8"), drop_ids=_RUN_SPECIFIC
        )
        text = re.sub(r"^.*?(?=Kerncijfers|Headline figures)", "", text, flags=re.S)
        got[lang] = numbers(text, lang)
    assert got["nl"] == got["en"] and len(got["nl"]) > 20, "index.html: numbers differ"
    for path in sorted(runs["nl"].rglob("*.csv")):
        rel = path.relative_to(runs["nl"])
        assert csv_numbers(path, "nl") == csv_numbers(runs["en"] / rel, "en"), (
            f"{rel}: numbers differ between nl and en"
        )


def csv_numbers(path: Path, language: str) -> list[float]:
    """The numbers of a CSV file, cell by cell.

    A cell is a raw number (``31.1``, the same in both languages) or text written in the report's
    format (``+22.417`` in nl).
    """
    import csv

    thousands = {"nl": re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?%?$"), "en": None}
    found = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                cell = cell.strip()
                if language == "nl" and thousands["nl"].match(cell):
                    found += numbers(cell, "nl")
                elif re.fullmatch(r"[-+]?\d+(\.\d+)?", cell):
                    found.append(float(cell))  # raw number
                else:
                    found += numbers(cell, language)
    return sorted(found)


# --------------------------------------------------------------------------- Dutch only


def english_found(text: str, cells: list[str] = ()) -> list[str]:
    """The English of the catalog (``tests/_english.py``) in a Dutch page's text and cells.

    Sentences, two-word phrases and one-word table cells whose Dutch differs.
    """
    return english_of_the_catalog().found(text, cells)


def page_cells(html: str) -> list[str]:
    """The table cells, headings and list items of an HTML page.

    Without its closing provenance cell (its parameter names, ``year``, ``threshold``, are code).
    """
    soup = BeautifulSoup(html, "html.parser")
    for heading in soup.find_all("h3", id=["Herkomst", "Provenance"]):
        heading.parent.decompose()
    return html_cells(str(soup))


def test_dutch_reports_contain_no_english_sentence_of_the_catalog(runs):
    english = english_of_the_catalog()
    assert len(english.fragments) > 100 and len(english.phrases) > 50 and len(english.words) > 50
    folder = runs["nl"]
    pages = [
        Path("index.html"),
        Path("authorities") / f"{AUTHORITY}.html",
        *(Path(f"{name}.html") for name in TRANSLATED),
    ]
    for page in pages:
        html = (folder / page).read_text(encoding="utf-8")
        found = english_found(visible_text(html), page_cells(html))
        assert found == [], f"{page}: English in the Dutch report: {found[:5]}"


def test_english_check_catches_an_english_sentence():
    """Negative control: English of the catalog is found; Dutch text and file names are not.

    English sentences, short phrases and one-word cells, each once leaked into a Dutch report.
    """
    text = (
        "Het bestuur. What these data cannot show. deze controles faalden: balance of total. "
        "tijdstip van de run (UTC): not recorded in the report (see run.json). "
        "DISCLOSURE CONTROL OFF — DEMOGEGEVENS. Work: labour market. Einde."
    )
    assert english_found(text) == [
        "DISCLOSURE CONTROL OFF",
        "What these data cannot show",
        "Work: labour market",
        "not recorded in the report (see run.json",
        "balance of",
    ]
    html = (
        "<table><tr><th>regime</th><th>grants</th><th>deelnemers</th></tr>"
        "<tr><td>fragmented</td><td><a href='eligibility.html'>eligibility</a></td></tr>"
        "</table>"
    )
    assert english_found("", html_cells(html)) == ["fragmented", "grants"]
    assert english_found("Toekenningen, versnipperd tegenover gebundeld; regime, code.") == []


def test_dutch_report_opens_for_its_reader_in_dutch_with_nl_be_formats(runs):
    page = (runs["nl"] / "authorities" / f"{AUTHORITY}.html").read_text(encoding="utf-8")
    text = " ".join(visible_text(page).split())
    assert text.index("Rapport lokaal bestuur Plan Samenleven") < text.index("DEMOGEGEVENS")
    assert "Het is geschreven voor het lokaal bestuur" in text
    # the analyst's instructions are not published
    assert "samenleven run --authorities" not in text and "analyst" not in text
    assert "samenwerkingsverband van" in text and "1 januari 2022" in text
    assert re.search(r"\*?\d{1,3}(\.\d{3})+", text)  # 12.345
    english = " ".join(
        visible_text((runs["en"] / "authorities" / f"{AUTHORITY}.html").read_text("utf-8")).split()
    )
    assert "Local authority report Plan Samenleven" in english and "1 January 2022" in english


def test_run_json_and_provenance_record_the_language(runs):
    import json

    for lang, folder in runs.items():
        assert json.loads((folder / "run.json").read_text(encoding="utf-8"))["language"] == lang
        page = (folder / "authorities" / f"{AUTHORITY}.html").read_text(encoding="utf-8")
        assert f"&#x27;{lang}&#x27;" in page or f"'{lang}'" in page
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in index


@pytest.mark.parametrize("name", TRANSLATED + EVALUATION)
def test_translated_topic_notebooks_are_dutch_by_default_and_say_nothing_in_their_own_cells(name):
    """Their reader sees only what the package writes from the catalogs.

    Every markdown cell is an analyst's note (tagged ``analyst-only``, dropped from the HTML), and
    the default language is ``nl``. No run needed.
    """
    import nbformat

    from samenleven_analysis.reports.parameters import parse_parameters

    path = NOTEBOOKS / f"{name}.ipynb"
    assert parse_parameters(path)["language"].default == "nl"
    nb = nbformat.read(str(path), as_version=4)
    shown = [
        c.source.splitlines()[0]
        for c in nb.cells
        if c.cell_type == "markdown" and "analyst-only" not in c.metadata.get("tags", [])
    ]
    assert shown == [], f"{name}: markdown cells a reader would see in one language only"


# --------------------------------------------------------------------------- evaluation notebooks


@pytest.mark.parametrize("name", EVALUATION)
def test_committed_dutch_evaluation_notebooks_contain_no_english_sentence_of_the_catalog(name):
    """The stored outputs of the Dutch demo run (no run needed).

    No English sentence of the catalog, and the Dutch headings are there.
    """
    text = " ".join(output_text(NOTEBOOKS / f"{name}.ipynb").split())
    found = english_found(text, output_cells(NOTEBOOKS / f"{name}.ipynb"))
    assert found == [], f"{name}: English in the Dutch notebook: {found[:5]}"
    assert "Oordeel" in text and "DEMOGEGEVENS" in text


@pytest.fixture(scope="module")
def english_evaluation(tmp_path_factory) -> Path:
    """One English demo run of the evaluation notebooks.

    Default parameters, as the committed Dutch notebooks were run by ``samenleven refresh``.
    """
    from samenleven_analysis.reports import runner

    base = tmp_path_factory.mktemp("evaluation_en")
    folder = base / "20250101T000000Z"
    with _isolated_env(base, SAMENLEVEN_DEMO="1"):
        status = runner.run_notebooks(EVALUATION, out=folder, jobs=2, progress=False, language="en")
    assert status == 0
    return folder


def same_numbers(nl_text: str, en_text: str) -> tuple[list[float], list[float]]:
    """The numbers of a Dutch and an English text, without the numbers both write the same way.

    Text both languages share (an estimator's method note, a code) holds the same number, whatever
    its format; every other number is read in its language's format.
    """
    from collections import Counter

    def tokens(text: str) -> Counter:
        for pattern in _VOLATILE:
            text = pattern.sub(" ", text)
        return Counter(_TOKEN.findall(text))

    nl, en = tokens(nl_text), tokens(en_text)
    shared = nl & en
    rest = {
        "nl": " ".join((nl - shared).elements()),
        "en": " ".join((en - shared).elements()),
    }
    return numbers(rest["nl"], "nl"), numbers(rest["en"], "en")


@pytest.mark.parametrize("name", EVALUATION)
def test_evaluation_notebooks_show_the_same_numbers_in_english(english_evaluation, name):
    nl_text = output_text(NOTEBOOKS / f"{name}.ipynb")
    en_text = output_text(english_evaluation / f"{name}.ipynb")
    assert "Verdict" in en_text and "Oordeel" not in en_text
    nl, en = same_numbers(nl_text, en_text)
    assert nl == en, f"{name}: numbers differ between nl and en"
    assert len(numbers(nl_text, "nl")) > 20, f"{name}: too few numbers to compare"


def test_same_numbers_reads_each_language_and_keeps_shared_text():
    nl, en = same_numbers("1.234,5 en h=4437 at 0.05", "1,234.5 and h=4437 at 0.05")
    assert nl == en == [1234.5]


# --------------------------------------------------------------------------- evaluation steps


def _rdd_design(counts):
    import pandas as pd

    from samenleven_analysis.reports import threshold_rdd_report as rdd_report

    frame = pd.DataFrame(
        {
            "applicant": [f"1{i:04d}" for i in range(len(counts))],
            "name": [f"m{i}" for i in range(len(counts))],
            "count": counts,
            "total": [c * 10 for c in counts],
            "eligible": [c > 7500 for c in counts],
        }
    )
    return rdd_report.RDDDesign(
        frame, 7500.5, 7500, "employment_rate", "non_eu14", 2022, None, "", full=False
    )


def test_threshold_rdd_steps_show_the_same_numbers_in_both_languages():
    """The threshold_rdd report's translated steps (support, density) on a small design.

    Without a notebook run: the same numbers in nl and en, and the Dutch text has no English
    sentence of the catalog. (The notebook itself is checked from its committed outputs and one
    English run, see ``EVALUATION``.)
    """
    from samenleven_analysis.reports import threshold_rdd_report as rdd_report

    design = _rdd_design([3000, 6900, 7100, 7400, 7600, 7900, 8200, 12000, 15000, 20000])
    texts = {}
    for language in ("nl", "en"):
        with i18n.using(language):
            _near, support = rdd_report.support_text(design, 750)
            checks = rdd_report.rdd_checks(design)
            texts[language] = support + "\n" + checks["text"]
    assert numbers(texts["nl"], "nl") == numbers(texts["en"], "en")
    assert "Binnen ±750 van 7.500" in texts["nl"] and "Within ±750 of 7,500" in texts["en"]
    assert "Waarschuwing: te weinig besturen" in texts["nl"]
    assert english_found(texts["nl"]) == []


def test_impact_did_steps_show_the_same_numbers_in_both_languages():
    """The impact report's translated sentences (simulated coverage, HonestDiD) in nl and en.

    The same numbers, Dutch terms, no English sentence of the catalog in Dutch.
    """
    import pandas as pd

    from samenleven_analysis.analysis.estimators.common import Fact
    from samenleven_analysis.analysis.estimators.honest import HonestSensitivity
    from samenleven_analysis.reports import impact_did_report as impact

    method = Fact("honest_did_smoothness", {"n_post": 3, "estimator": "twfe"})
    honest = HonestSensitivity(pd.DataFrame(), 0.227, (1.317, 1.515), 1.416, 0.05, method)
    texts = {}
    for language in ("nl", "en"):
        with i18n.using(language):
            texts[language] = "\n".join(
                [impact.closest_scenario_text(6), impact.sensitivity_text(honest)]
            ).replace("AR(1)", "")
    assert numbers(texts["nl"], "nl") == numbers(texts["en"], "en")
    assert "betrouwbaarheidsinterval 1,317 tot 1,515" in texts["nl"]
    assert "interval 1.317 to 1.515" in texts["en"]
    assert english_found(texts["nl"]) == []
