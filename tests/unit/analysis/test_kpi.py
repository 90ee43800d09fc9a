"""KPI arithmetic on hand-built contracts, reach, aggregates, regime comparison, report layer.

Contracts: partial, over- and missing realisation. The report layer: panel HTML, authority pieces;
the panel in headless Chromium: no console errors, sorting works.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import kpi
from samenleven_analysis.reports import authority_report, templating
from samenleven_analysis.reports import kpi as report

D = date(2022, 10, 1)
RULES = pd.DataFrame(
    {
        "call": ["C"] * 3,
        "rule_id": ["ra", "rb", "rc"],
        "objective": ["Taal", "Veiligheid", "Netwerk"],
        "action": ["oefenkansen", "actieplan polarisatie", "brugfiguren"],
        "description": ["", "", ""],
        "kpi_unit": ["volwassen anderstaligen", "lokaal actieplan", "kwetsbare gezinnen"],
        "max_units": [100, 1, 50],
        "eur_per_unit": [10.0, 1000.0, 20.0],
        "max_eur": [1000.0, 1000.0, 1000.0],
        "project_start": [D] * 3,
        "project_end": [date(2023, 9, 30)] * 3,
    }
)


def contracts(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(a, "C", r, D, t, np.nan if x is None else float(x)) for a, r, t, x in rows],
        columns=["applicant", "call", "rule", "period_start", "target_units", "realised_units"],
    ).astype({"target_units": "int64"})


CASE = contracts(
    [
        ("A1", "ra", 50, 25),  # partial: half
        ("A1", "rb", 1, 1),  # action plan delivered
        ("A2", "ra", 40, 60),  # over-realisation
        ("A2", "rc", 10, None),  # not reported (missing, not zero)
        ("A3", "ra", 10, None),  # an applicant that reported nothing
    ]
)
TREATMENT = pd.DataFrame(
    {
        "applicant": ["A1", "A1", "A2", "A3"],
        "refnis": ["1", "2", "3", "4"],
        "cohort": [2023.0, 2022.0, 2022.0, np.nan],
    }
)


@pytest.fixture
def lines() -> pd.DataFrame:
    return kpi.contract_lines(CASE, RULES, TREATMENT)


def test_line_measures(lines):
    assert lines["attainment"].iloc[:3].tolist() == [0.5, 1.0, 1.5]
    assert lines["committed_eur"].tolist() == [500.0, 1000.0, 400.0, 200.0, 100.0]
    # earned: capped at the target; missing stays missing
    assert lines["earned_eur"].iloc[:3].tolist() == [250.0, 1000.0, 400.0]
    assert lines[["attainment", "earned_eur"]].iloc[3:].isna().all().all()
    assert lines["reported"].tolist() == [True, True, True, False, False]
    assert lines["cohort"].tolist()[:4] == [2022.0, 2022.0, 2022.0, 2022.0]  # first funded year
    assert np.isnan(lines["cohort"].iloc[4])


def test_unit_kinds_of_the_real_labels():
    assert kpi.unit_kind("lokaal actieplan") == "action plans"
    assert kpi.unit_kind("bestuur dat correspondentietesten inzet") == "authorities"
    assert kpi.unit_kind("pleinmakers") == "deployed workers"
    assert kpi.unit_kind("begeleide gezinnen") == "households"
    for unit in (
        "volwassen anderstaligen",
        "begeleide 55-plussers",
        "gevormde burgers",
        "jongeren met een handicap",
        "kwetsbare kinderen",
        "begeleide vrouwen",
    ):
        assert kpi.unit_kind(unit) == "persons", unit
    assert kpi.unit_kind("iets nieuws") == "other"


def test_flanders_summary(lines):
    s = kpi.summarise(lines).iloc[0]
    assert s["lines"] == 5 and s["applicants"] == 3
    assert s["lines_reported"] == 3 and s["applicants_reported"] == 2
    assert s["committed_eur"] == 2200.0
    assert s["committed_reported_eur"] == 1900.0
    assert s["earned_eur"] == 1650.0
    assert s["attainment_eur"] == pytest.approx(1650 / 1900)
    assert s["reported_share_eur"] == pytest.approx(1900 / 2200)
    assert s["lines_over_target"] == 1
    assert s["median_attainment"] == 1.0


def test_per_applicant_objective_and_cohort(lines):
    app = kpi.summarise(lines, ["applicant"]).set_index("applicant")
    assert app.loc["A2", "attainment_eur"] == 1.0  # over-realisation earns the target only
    assert app.loc["A2", "committed_eur"] == 600.0 and app.loc["A2", "earned_eur"] == 400.0
    assert np.isnan(app.loc["A3", "attainment_eur"]) and np.isnan(app.loc["A3", "earned_eur"])
    assert app.loc["A3", "lines_reported"] == 0
    obj = kpi.summarise(lines, ["objective"]).set_index("objective")
    assert obj.loc["Taal", "attainment_eur"] == pytest.approx(650 / 900)
    assert np.isnan(obj.loc["Netwerk", "attainment_eur"])  # nothing reported: not 0 %
    coh = kpi.summarise(lines, ["cohort"])
    assert coh["lines"].tolist() == [4, 1] and np.isnan(coh["cohort"].iloc[1])


def test_reach_counts_persons_only(lines):
    r = kpi.reach(lines).iloc[0]
    assert r["unit"] == "persons"
    assert r["target_persons"] == 100.0  # 50 + 40 + 10: no action plan, no households
    assert r["realised_persons"] == 85.0  # 25 + 60: reported lines only
    assert r["realised_share_of_target"] == pytest.approx(85 / 90)
    per = kpi.reach(lines, ["applicant"]).set_index("applicant")
    assert np.isnan(per.loc["A3", "realised_persons"])
    assert per.loc["A1", "target_persons"] == 50.0


def test_compare_regimes(lines):
    out = kpi.compare_regimes(lines).set_index(["regime", "metric"])
    assert out.loc[("fragmented", "projects"), "value"] == 380
    assert out.loc[("fragmented", "trainings"), "value"] == 413
    assert np.isnan(out.loc[("fragmented", "persons per 1,000 EUR"), "value"])
    per_auth = out.loc[("consolidated", "projects per authority")]
    assert per_auth["value"] == pytest.approx(5 / 3)  # A1 2 actions, A2 2, A3 1
    assert per_auth["low"] <= per_auth["value"] <= per_auth["high"]
    tgt = out.loc[("consolidated", "persons targeted per 1,000 EUR committed"), "value"]
    assert tgt == pytest.approx(1000 * 100 / 2200)
    real = out.loc[("consolidated", "persons realised per 1,000 EUR earned"), "value"]
    assert real == pytest.approx(1000 * 85 / 1650)
    assert (out["uncertainty"].str.len() > 0).all()
    none = kpi.compare_regimes(None).set_index(["regime", "metric"])
    assert np.isnan(none.loc[("consolidated", "persons per 1,000 EUR"), "value"])


def test_compare_regimes_with_a_programmes_table(lines):
    prog = pd.DataFrame(
        {
            "project_id": ["p1", "p2", "p3"],
            "regime": ["fragmented"] * 3,
            "kind": ["project"] * 3,
            "programme": ["x"] * 3,
            "goal": ["g"] * 3,
            "authority": ["A1", "A1", "A2"],
            "project_year": [2019] * 3,
            "budget_eur": [1000.0, 1000.0, 2000.0],
            "participants": [10, 20, 30],
            "trainings": [0, 0, 0],
        }
    )
    out = kpi.compare_regimes(lines, prog).set_index(["regime", "metric"])
    assert out.loc[("fragmented", "projects per authority"), "value"] == 1.5
    assert out.loc[("fragmented", "persons per 1,000 EUR"), "value"] == pytest.approx(15.0)


# ----------------------------------------------------------------------------- report layer
def data(min_rows=CASE, **kw) -> report.KpiData:
    lines = kpi.contract_lines(min_rows, RULES, TREATMENT)
    names = {"A1": "Alfa <script>alert(1)</script>", "A2": "Bèta & Co", "A3": "Gamma"}
    return report.KpiData(lines, names, **kw)


def test_panel_without_contracts_says_what_to_supply():
    html = report.kpi_panel_html(report.KpiData(None, status="no contracts"))
    assert 'id="kpi-missing"' in html and "contracts.csv" in html
    assert "<table" not in html
    assert 'id="kpi-missing"' in report.kpi_panel_html(report.KpiData(None, status="no call rules"))


def test_panel_escapes_and_counts_reporting():
    html = report.kpi_panel_html(data())
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    assert "Bèta &amp; Co" in html
    assert re.search(r'id="kpi-reported">2<', html) and re.search(r'id="kpi-not-reported">1<', html)
    assert "http://" not in html and "https://" not in html and "src=" not in html
    assert html.count('class="kpi-table kpi-sortable"') == 2
    assert '<ul id="kpi-summary"><li>' in html  # the list is markup, not escaped text
    js = templating.static_text("sort_tables.js")
    assert '<script id="table-sort-script">\n' + js + "</script>" in html and "aria-sort" in js
    assert "<script" not in report.kpi_panel_html(data(), script=False)


def test_small_realised_counts_are_withheld_everywhere():
    small = contracts([("A1", "ra", 50, 3), ("A2", "ra", 40, 30)])
    d = data(small)
    html = report.kpi_panel_html(d, min_cell=5)
    row = re.search(r"<tr><td>A1</td>.*?</tr>", html).group(0)
    assert "&lt;5" in row
    assert 'data-value="3.0"' not in row  # no sort key leaks the hidden count
    tables = authority_report.contract_tables(d, "A1", min_cell=5)["rules"]
    assert tables.loc[0, "realised"] == "<5" and tables.loc[0, "earned EUR"] == "<5"
    assert tables.loc[0, "attainment"] == "<5"
    assert "<5" in authority_report.contract_status(d, "A1", min_cell=5)
    # the same line with 30 realised is shown
    assert authority_report.contract_tables(d, "A2", min_cell=5)["rules"].loc[0, "realised"] == "30"


def test_authority_pieces():
    d = data()
    assert authority_report.contract_tables(d, "A9") == {}
    assert authority_report.contract_figure(d, "A9") is None
    missing = report.KpiData(None, status="no contracts")
    assert (
        authority_report.contract_tables(missing, "A1") == {}
        and authority_report.contract_figure(missing, "A1") is None
    )
    assert "contracts.csv" in authority_report.contract_status(missing, "A1")
    pos = authority_report.authority_position(d, "A2").set_index("measure")
    assert pos["rank"].tolist() == ["2", "1", "2"]  # committed 600 < 1500; attainment 100 % first
    assert pos["of"].tolist() == ["3", "2", "3"]  # A3 reported nothing: no attainment rank
    fig = authority_report.contract_figure(d, "A1")
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Taal", "Veiligheid"]


def test_kpi_data_from_a_demo_build(tmp_path, demo_dir, monkeypatch):
    from samenleven_analysis.data import build

    monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
    out = tmp_path / "p"
    build.build(
        2025,
        demo=True,
        out=out,
        years=[2013],
        tables=("municipalities", "partnerships", "treatment", "call_rules", "contracts"),
    )
    d = report.kpi_data(out)
    assert d.ok and d.demo and len(d.lines) > 0
    assert d.names[d.lines["applicant"].iloc[0]]  # names from the municipalities table
    assert 'class="kpi-demo"' in report.kpi_panel_html(d)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert report.kpi_data(empty).status == "no contracts"


# ----------------------------------------------------------------------------- browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Clicks the "committed EUR" header of the authority table twice and records the order.
_CLICK = """<script>
window.addEventListener("load", function () {
  var table = document.getElementById("kpi-authorities");
  var th = Array.prototype.filter.call(table.tHead.rows[0].cells,
    function (c) { return c.textContent === "committed EUR"; })[0];
  function order() {
    return Array.prototype.map.call(table.tBodies[0].rows,
      function (r) { return r.cells[0].textContent; }).join(",");
  }
  th.click(); var up = order() + "|" + th.getAttribute("aria-sort");
  th.click(); var down = order() + "|" + th.getAttribute("aria-sort");
  var out = document.createElement("pre"); out.id = "result"; out.textContent = up + ";" + down;
  document.body.appendChild(out);
});
</script>"""


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="headless Chromium not found")
@pytest.mark.parametrize("with_clicks", [False, True])
def test_panel_in_headless_chromium(tmp_path, with_clicks):
    panel = report.kpi_panel_html(data())
    page = tmp_path / "panel.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>KPI</title>"
        "<link rel='icon' href='data:,'></head><body>"
        + panel
        + (_CLICK if with_clicks else "")
        + "</body></html>",
        encoding="utf-8",
    )
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
        "--dump-dom",
        page.as_uri(),
    ]
    result = subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert [ln for ln in result.stderr.splitlines() if ":CONSOLE" in ln] == []
    if with_clicks:
        found = re.search(r'<pre id="result">([^<]*)</pre>', result.stdout)
        assert found, result.stdout[-2000:]
        up, down = found.group(1).split(";")
        # committed EUR: A3 100, A2 600, A1 1500
        assert up == "A3,A2,A1|ascending"
        assert down == "A1,A2,A3|descending"


def test_report_files_are_written_when_asked(tmp_path):
    d = data()
    authority_report.display_contract_tables(d, "A1", output_dir=tmp_path)
    authority_report.show_contract_figure(d, "A1", output_dir=tmp_path)
    rules = pd.read_csv(tmp_path / "contract_rules.csv")
    assert len(rules) == 2 and (tmp_path / "contract_position.csv").is_file()
    assert (tmp_path / "contract.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "contract.svg").is_file()
    authority_report.show_contract_figure(
        report.KpiData(None, status="no contracts"), "A1", output_dir=tmp_path / "none"
    )
    assert not (tmp_path / "none").exists()


def test_panel_for_a_run_reads_the_prepared_build(tmp_path, demo_dir, monkeypatch):
    from samenleven_analysis.data import build
    from samenleven_analysis.reports.context import encode_prebuilt

    out = tmp_path / "p"
    build.build(
        2025,
        demo=True,
        out=out,
        years=[2013],
        tables=("municipalities", "partnerships", "treatment", "call_rules", "contracts"),
    )
    monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
    monkeypatch.setenv("SAMENLEVEN_PREBUILT", encode_prebuilt({"2025": out}))
    html = report.kpi_panel_for_run(2025)
    assert 'id="kpi-authorities"' in html and 'class="kpi-demo"' in html


def test_regime_comparison_for_display():
    shown = report.regime_comparison(data())
    row = shown[shown["measure"] == "projects per authority"].iloc[0]
    assert row["value"] == "1.67" and row["95 % interval"]
    missing = report.regime_comparison(report.KpiData(None, status="no contracts"))
    assert missing.loc[missing["regime"] == "consolidated", "value"].tolist()[-1] == ""
    assert "380" in missing["value"].tolist() and "413" in missing["value"].tolist()
