"""Figures draw only what the suppressed tables publish (issue 19, item 2), on Demoland.

The small municipality 96006 with a high ``min_cell`` so that its tables suppress cells.
"""

from __future__ import annotations

import pandas as pd
import pytest
from _figure_scan import composition_leaks, scan_authority_report

from samenleven_analysis.analysis import disclosure


@pytest.mark.parametrize("authority, min_cell", [("96006", 50), ("IGS01", 50), ("99016", 5)])
def test_demo_figures_draw_only_published_counts(
    demo_report_ctx, tmp_path, monkeypatch, authority, min_cell
):
    leaks, tables, _ = scan_authority_report(
        demo_report_ctx, authority, min_cell, tmp_path, monkeypatch
    )
    assert leaks == {k: [] for k in leaks}
    if authority == "96006":  # the scan had something to find
        cells = [t for c in tables["composition"].columns[1:] for t in tables["composition"][c]]
        assert any(disclosure.is_suppressed(t) for t in cells)


def test_composition_scan_finds_an_edge_drawn_from_a_suppressed_cell():
    """The scanner itself: Herstappe's 2009 row drawn from the counts behind it leaks 84/85."""
    import matplotlib.pyplot as plt

    table = pd.DataFrame(
        {"year (1 January)": ["2009"], "Belgian": ["x"], "non-Belgian": ["<5"], "total": ["85"]}
    )
    fig, ax = plt.subplots()
    pd.DataFrame(
        {"Belgian": [84 / 85 * 100] * 2, "non-Belgian": [1 / 85 * 100] * 2}, index=[2009, 2010]
    ).plot.area(ax=ax)
    assert [round(y, 2) for _, y in composition_leaks(fig, table)] == [98.82]
    plt.close(fig)


def test_secondary_suppressions_are_marked_apart_from_small_cells():
    table = pd.DataFrame({"BEL": [84, 900], "ETR": [1, 40], "total": [85, 940]})
    shown = disclosure.suppress(table, ["BEL", "ETR"], 5, totals="rows", total_cols=["total"])
    assert shown.to_dict("list") == {
        "BEL": [disclosure.SECONDARY_MARK, "900"],
        "ETR": ["<5", "40"],
        "total": ["85", "940"],
    }
    assert disclosure.published_values(shown["BEL"]).isna().tolist() == [True, False]


def test_map_tooltips_hide_what_the_tables_hide():
    """The dashboard map (per municipality) hides each small count and what would give it back.

    It hides each small count, its complement among the municipalities, the members of a suppressed
    applicant, and a second member of a published partnership with one hidden member.
    """
    from samenleven_analysis.reports.dashboard import map_hidden

    counted = pd.DataFrame(
        {
            "refnis": ["1", "2", "3", "4", "5", "6"],
            "count": [3, 900, 800, 2000, 40, 7000],
        }
    )
    table = pd.DataFrame(
        {
            "applicant": ["1", "IGS", "5", "6"],
            "members": [["1"], ["2", "3", "4"], ["5"], ["6"]],
            "count": [3, 3700, 40, 7000],
        }
    )
    small, hidden = map_hidden(counted, table, 5)
    assert small == {"1"}
    # 5 (40, the next smallest) complements 1 in the column: Flanders' total is published
    assert hidden == {"1", "5"}
    counted["count"] = [3, 4, 800, 2000, 400, 7000]
    table["count"] = [3, 2804, 400, 7000]  # the table hides 1 and (complement) 5
    small, hidden = map_hidden(counted, table, 5)
    assert small == {"1", "2"}
    # 2 is a hidden member of the published IGS: its next-smallest member 3 goes too;
    # 5 is hidden because the table hides applicant 5
    assert hidden == {"1", "2", "3", "5"}
