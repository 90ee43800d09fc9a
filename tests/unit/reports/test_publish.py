"""Publication helpers.

Labels, tables without index and with separators, deterministic files, the dashboard's SVG map, the
call's subsidy caps.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from shapely.geometry import box

from samenleven_analysis.analysis import authorities
from samenleven_analysis.reports import dashboard_map, labels, publish


def test_labels_are_human_and_missing_inputs_name_the_file_and_columns():
    assert labels.definition_label("nationality_proxy") == "non-Belgian nationality (proxy)"
    assert labels.origin_label("NON_EUROPE") == "outside Europe"
    assert labels.definition_label("unknown") == "unknown"
    text = labels.missing_input_text("population_origin")
    assert "population_origin.csv" in text
    assert labels.canonical_columns("population_origin") == [
        "year",
        "refnis",
        "origin",
        "population",
    ]
    assert all(c in text for c in labels.canonical_columns("population_origin"))


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234567, "1,234,567"),
        ("7512", "7,512"),
        ("+1500", "+1,500"),
        ("-42", "-42"),
        ("<5", "<5"),
        ("", ""),
        (None, ""),
        (float("nan"), ""),
        (12.5, "12.50"),
        ("Gent", "Gent"),
    ],
)
def test_thousands(value, shown):
    assert publish.thousands(value) == shown


def test_table_html_has_no_index_escapes_and_separates_thousands():
    frame = pd.DataFrame({"name": ["<b>x</b>", "A&B"], "count": [12345, "<5"]}, index=[7, 9])
    html = publish.table_html(frame)
    assert "<th>name</th><th>count</th>" in html and ">7<" not in html and ">9<" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "A&amp;B" in html and "<b>" not in html
    assert '<td class="num">12,345</td>' in html and '<td class="num">&lt;5</td>' in html
    years = publish.table_html(
        pd.DataFrame({"year (1 January)": [2015], "code": [11002], "n": [2015]})
    )
    assert '<td class="num">2015</td><td class="num">11002</td><td class="num">2,015</td>' in years


def _figure(caption_len: int = 200):
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([2009, 2015], [1, 2], label="a")
    ax.set(xlabel="year", ylabel="value")
    return fig, "caption " * (caption_len // 8)


def test_publisher_writes_identical_bytes_and_links_them(tmp_path):
    written = []
    for run in ("a", "b"):
        pub = publish.Publisher.for_folder(tmp_path / run / "x_files")
        fig, caption = _figure()
        pub.figure(fig, "trend", "Trend", caption)
        pub.table(pd.DataFrame({"year": [2015], "count": ["1,234"]}), "trend", "Trend table")
        written.append(
            {p.name: p.read_bytes() for p in sorted((tmp_path / run / "x_files").iterdir())}
        )
    assert set(written[0]) == {"trend.png", "trend.svg", "trend.csv"}
    assert written[0] == written[1]
    assert written[0]["trend.csv"] == b'year,count\n2015,"1,234"\n'
    links = pub.links_markdown()
    assert "[PNG](x_files/trend.png)" in links and "[CSV](x_files/trend.csv)" in links
    assert publish.Publisher.for_folder("").links_markdown() == ""


def test_caption_sits_below_the_axes():
    fig, caption = _figure(400)
    publish.caption_figure(fig, caption)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    text = fig.texts[-1].get_window_extent(renderer)
    axes = fig.axes[0].get_tightbbox(renderer)  # the axes with their tick and axis labels
    assert text.y1 < axes.y0  # the caption is under everything the axes draw
    assert text.x0 >= 0 and text.x1 <= fig.bbox.width + 1  # and inside the figure
    plt.close(fig)


def test_svg_map_is_deterministic_links_outlines_and_escapes():
    import geopandas as gpd

    shapes = gpd.GeoDataFrame(
        {"refnis": ["11002", "11001", "44021"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(0, 1000, 2000, 3000)],
        crs="EPSG:31370",
    )
    values = {"11001": 1.0, "11002": 20.0, "44021": 5.0}
    kwargs = dict(
        highlight=["11002"],
        hrefs={"11002": "authorities/11002.html"},
        titles={"11001": "Aartselaar <script>"},
        legend_title="Share (%)",
    )
    svg = dashboard_map.svg_map(shapes, values, **kwargs)
    assert svg == dashboard_map.svg_map(
        shapes.iloc[::-1], values, **kwargs
    )  # code order, not input order
    assert svg.count("data-refnis=") == 3 and svg.index('data-refnis="11001"') < svg.index(
        'data-refnis="11002"'
    )
    assert '<a href="authorities/11002.html" class="map-link">' in svg
    assert svg.count('stroke="#b00020" stroke-width="1.6" pointer-events') == 1
    assert "<script>" not in svg and "Aartselaar &lt;script&gt;" in svg
    fills = dict(
        zip(["11001", "11002"], [dashboard_map.PALETTE[0], dashboard_map.PALETTE[-1]], strict=False)
    )
    for code, fill in fills.items():
        assert f'fill="{fill}" stroke="#ffffff" stroke-width="0.5" data-refnis="{code}"' in svg


def test_subsidy_caps_and_income_per_resident():
    rules = pd.DataFrame(
        {
            "rule_id": ["a", "b", "c"],
            "objective": ["Werk", "Werk", "Netwerk"],
            "action": ["x", "x", "y"],
            "max_eur": [1000.0, 500.0, 2000.0],
        }
    )
    caps = authorities.subsidy_caps(rules)
    assert caps.to_dict("list") == {
        "objective": ["Netwerk", "Werk"],
        "actions": [1, 1],
        "KPI rules": [1, 2],
        "maximum (EUR)": [2000, 1500],
    }
    income = pd.DataFrame(
        {
            "year": [2020, 2020, 2020],
            "refnis": ["1", "2", "3"],
            "net_taxable_income": [100.0, 300.0, 50.0],
            "residents": [10, 10, 0],
        }
    )
    per = authorities.income_per_resident(income, {"pair": ["1", "2"], "empty": ["3"]})
    assert per.loc[2020, "pair"] == pytest.approx(20.0) and pd.isna(per.loc[2020, "empty"])


def test_csvs_written_without_disclosure_control_are_stamped(tmp_path, monkeypatch):
    from samenleven_analysis.analysis import disclosure
    from samenleven_analysis.reports import dashboard

    frame = pd.DataFrame({"year": [2015, 2016], "count": [3, 1234]})
    publish.Publisher.for_folder(tmp_path / "on").table(frame, "t", "T")
    assert (tmp_path / "on" / "t.csv").read_text() == "year,count\n2015,3\n2016,1234\n"
    monkeypatch.setenv(disclosure.DISCLOSURE_ENV, disclosure.DISCLOSURE_OFF)
    publish.Publisher.for_folder(tmp_path / "off").table(frame, "t", "T")
    got = pd.read_csv(tmp_path / "off" / "t.csv")
    assert list(got.columns) == ["DISCLOSURE CONTROL OFF", "year", "count"]
    assert got["DISCLOSURE CONTROL OFF"].eq(disclosure.CSV_STAMP_VALUE).all()
    assert got[["year", "count"]].equals(frame)  # numbers unchanged
    # The dashboard's table is written by the parent process: stamped from run.json's flag.
    monkeypatch.delenv(disclosure.DISCLOSURE_ENV)
    row = {"applicant": "44021", "name": "Gent", "kind": "municipality", "members": 1}
    row |= {"count": "3", "share": "1%", "eligible": True, "margin": "", "cohort": ""}
    dashboard.write_downloads(tmp_path, [row], None, off=True)
    text = (tmp_path / "authorities.csv").read_text().splitlines()
    assert text[0].startswith("DISCLOSURE CONTROL OFF,code,name")
    assert text[1].startswith(disclosure.CSV_STAMP_VALUE + ",44021,Gent")
    dashboard.write_downloads(tmp_path, [row], None, off=False)
    assert (tmp_path / "authorities.csv").read_text().startswith("code,name")
