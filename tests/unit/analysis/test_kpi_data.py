"""KPI data assembled from loaded tables (analysis), shown by the dashboard panel (reports)."""

from __future__ import annotations

import pandas as pd

from samenleven_analysis.analysis import kpi
from samenleven_analysis.reports import kpi as panel

MUNIS = pd.DataFrame({"refnis": ["11001"], "name_nl": ["Aartselaar"]})
PARTNERSHIPS = pd.DataFrame({"partnership_id": ["IGS1", "IGS1"], "name": ["West", "West"]})


def test_assemble_says_what_is_missing_and_names_the_applicants():
    tables = {"municipalities": MUNIS, "partnerships": PARTNERSHIPS}
    data = kpi.assemble(tables, demo=True)
    assert (data.status, data.ok, data.demo) == ("no contracts", False, True)
    assert data.names == {"11001": "Aartselaar", "IGS1": "West"}
    no_rules = kpi.assemble({**tables, "contracts": pd.DataFrame()}, demo=False)
    assert no_rules.status == "no call rules"
    assert panel.KpiData is kpi.KpiData


def test_the_panel_inlines_its_static_style():
    from samenleven_analysis.reports import templating

    css = templating.static_text("kpi_panel.css")
    html = panel.kpi_panel_html(kpi.KpiData(None, status="no contracts"))
    assert "<style>\n" + css + "</style>" in html and "#kpi th" in css
    assert "<script" not in html  # no table to sort
