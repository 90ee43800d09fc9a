"""Choropleths: classes and colours, shared bins across years, legend, caption, identical bytes.

Classes and colours are tested as colours, not pixels; missing data and highlights are in the
legend; caption and DEMO stamp.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex, to_rgba

from samenleven_analysis.errors import ParameterError
from samenleven_analysis.reports import figures, maps
from samenleven_analysis.reports import migration_roots_map_report as migration_roots


def grid(values, codes=None, names=None) -> gpd.GeoDataFrame:
    """Unit squares on a 5-wide grid carrying ``values`` in column ``v`` (EPSG:31370)."""
    n = len(values)
    codes = codes or [f"{11001 + i:05d}" for i in range(n)]
    geoms = [
        shapely.box(i % 5 * 1000, i // 5 * 1000, i % 5 * 1000 + 1000, i // 5 * 1000 + 1000)
        for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {"refnis": codes, "name_nl": names or [f"Gemeente {i}" for i in range(n)], "v": values},
        geometry=geoms,
        crs="EPSG:31370",
    )


def facecolours_hex(collection) -> list[str]:
    return [to_hex(c) for c in collection.get_facecolors()]


# --------------------------------------------------------------------------- classes


def test_quantiles_classes_and_colours_of_known_values():
    values = np.arange(1, 11, dtype=float)  # 1..10
    classes = maps.make_classes(values, "quantiles", k=5)
    assert classes.scheme == "Quantiles" and classes.k == 5
    assert classes.bins == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))
    assert classes.classify([1, 2.5, 2.9, 6.0, 10, np.nan]).tolist() == [0, 0, 1, 2, 4, -1]
    palette = maps.class_colours(5)
    assert classes.colours_ == palette and len(set(palette)) == 5
    assert classes.colours([1, 10, None]).tolist() == [palette[0], palette[4], maps.MISSING_COLOUR]
    assert classes.labels[0] == "1 – 3" and classes.labels[-1] == "8 – 10"
    assert classes.counts(values) == [2, 2, 2, 2, 2]


def test_fisher_jenks_separates_clusters_and_user_defined_bins():
    values = [1, 2, 3, 50, 51, 52, 500, 501]
    fj = maps.make_classes(values, "fisher_jenks", k=3)
    assert fj.scheme == "FisherJenks"
    assert fj.classify(values).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    ud = maps.make_classes(values, bins=[10, 100])  # bins imply user_defined
    assert ud.scheme == "UserDefined"
    assert ud.bins == (10.0, 100.0, 501.0)  # mapclassify adds the maximum as last bound
    assert ud.classify([10, 10.5, 100, 501]).tolist() == [0, 1, 1, 2]
    assert maps.make_classes(values, "UserDefined", bins=[10, 100]).bins == ud.bins
    with pytest.raises(ValueError, match="needs bins"):
        maps.make_classes(values, "user_defined")
    with pytest.raises(ValueError, match="unknown classification scheme"):
        maps.make_classes(values, "jenks_caspall_forced")
    with pytest.raises(ValueError, match="no non-missing"):
        maps.make_classes([np.nan, None])


def test_share_labels_are_percentages_and_fmt_is_honoured():
    classes = maps.make_classes([0.0, 0.1, 0.2, 0.4], "quantiles", k=2)
    assert classes.labels == ("0.0% – 15.0%", "15.0% – 40.0%")
    custom = maps.make_classes([0.0, 0.1, 0.2, 0.4], "quantiles", k=2, fmt="{:.2f}")
    assert custom.labels == ("0.00 – 0.15", "0.15 – 0.40")


def test_pooled_bins_are_shared_and_empty_classes_stay_in_the_legend():
    before = grid([1.0, 2.0, 3.0, 4.0, 5.0])
    after = grid([6.0, 7.0, 8.0, 9.0, 10.0])
    fig = maps.small_multiples({"2009": before, "2015": after}, "v", scheme="quantiles", k=5)
    classes = fig.samenleven_classes
    assert classes.bins == pytest.approx((2.8, 4.6, 6.4, 8.2, 10.0))  # from the pooled 1..10
    # one classification for both panels: class 4 is empty before, class 0 empty after
    assert classes.counts(before["v"]) == [2, 2, 1, 0, 0]
    assert classes.counts(after["v"]) == [0, 0, 1, 2, 2]
    legend_texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_texts == list(classes.labels)  # every class, no "no data" entry: none missing
    colours = fig.samenleven_colours
    assert colours["2009"].loc["11001"] == classes.colours_[0]
    assert colours["2015"].loc["11005"] == classes.colours_[4]


# --------------------------------------------------------------------------- drawing


def test_drawn_colours_are_the_assigned_colours_and_missing_is_hatched():
    gdf = grid([0.05, 0.10, np.nan, 0.30, 0.50, 0.70])
    fig = maps.choropleth(gdf, "v", scheme="user_defined", bins=[0.1, 0.4, 1.0])
    colours = maps.unit_colours(gdf, "v", fig.samenleven_classes)
    pal = fig.samenleven_classes.colours_
    assert colours.to_dict() == {
        "11001": pal[0],
        "11002": pal[0],
        "11003": maps.MISSING_COLOUR,
        "11004": pal[1],
        "11005": pal[2],
        "11006": pal[2],
    }
    assert fig.samenleven_colours.equals(colours)
    ax = fig.axes[0]
    filled, missing = ax.collections[0], ax.collections[1]
    present = gdf["v"].notna().to_numpy()
    assert facecolours_hex(filled) == list(colours.to_numpy()[present])
    assert facecolours_hex(missing) == [maps.MISSING_COLOUR]
    assert missing.get_hatch() == maps.MISSING_HATCH
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [*fig.samenleven_classes.labels, maps.MISSING_LABEL]
    no_data_patch = legend.legend_handles[-1]
    assert no_data_patch.get_hatch() == maps.MISSING_HATCH
    assert to_hex(no_data_patch.get_facecolor()) == maps.MISSING_COLOUR


def test_highlighted_units_are_outlined_labelled_and_in_the_legend():
    gdf = grid([1.0, 2.0, 3.0, 4.0], names=["Aalst", "Brugge", "Gent", "Hasselt"])
    fig = maps.choropleth(
        gdf, "v", k=2, highlight=[11002, "11004", "99999"], highlight_label="Eligible (> 7,500)"
    )
    ax = fig.axes[0]
    outline = ax.collections[-1]
    assert to_hex(outline.get_colors()[0]) == maps.HIGHLIGHT_COLOUR
    assert len(outline.get_segments()) == 2  # two outlined squares; the unknown code is ignored
    assert sorted(t.get_text() for t in ax.texts) == ["Brugge", "Hasselt"]
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_labels[-1] == "Eligible (> 7,500)"


def test_caption_and_demo_stamp():
    gdf = grid([1.0, 2.0, 3.0])
    real = maps.choropleth(gdf, "v", k=2, caption="Source: Statbel open data; year 2015")
    texts = [t.get_text() for t in real.texts]
    assert any("Statbel" in t and "2015" in t for t in texts)
    assert not any("DEMO" in t for t in texts)
    demo = maps.choropleth(gdf, "v", k=2, caption="Source: Demoland; year 2024", demo=True)
    texts = [t.get_text() for t in demo.texts]
    assert "DEMO" in texts  # the stamp across the map
    assert any(t.startswith("DEMO — Source: Demoland") for t in texts)  # caption says so too
    # a caption produced for demo data (ctx.caption() starts with "DEMO") stamps by itself
    auto = maps.choropleth(gdf, "v", k=2, caption="DEMO — Source: Demoland")
    assert "DEMO" in [t.get_text() for t in auto.texts]


def test_choropleth_into_an_existing_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    out = maps.choropleth(grid([1.0, np.nan, 3.0]), "v", k=2, ax=ax)
    assert out is fig
    assert [t.get_text() for t in ax.get_legend().get_texts()][-1] == maps.MISSING_LABEL


# --------------------------------------------------------------------------- output


def _figure():
    before = grid([0.01, 0.02, np.nan, 0.2, 0.3, 0.25, 0.11])
    after = grid([0.03, 0.05, 0.07, 0.31, 0.35, 0.29, 0.12])
    return maps.small_multiples(
        {"2009": before, "2015": after},
        "v",
        k=4,
        highlight=["11004"],
        caption="DEMO — Source: Demoland; year 2015; vintage 2025",
        legend_title="Share",
        title="Non-Belgian share",
    )


def test_save_gives_identical_bytes_on_rerun(tmp_path):
    png1, svg1 = figures.save(_figure(), tmp_path / "a" / "map")
    png2, svg2 = figures.save(_figure(), tmp_path / "b" / "map")
    assert (png1.name, svg1.name) == ("map.png", "map.svg")
    assert png1.read_bytes() == png2.read_bytes()
    assert svg1.read_bytes() == svg2.read_bytes()
    svg = svg1.read_text()
    assert "<dc:date>" not in svg and "samenleven-analysis" in svg
    assert b"Software" not in png1.read_bytes()[:400]
    assert png1.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # saving the same figure again does not change it either
    fig = _figure()
    assert figures.figure_bytes(fig, "svg") == figures.figure_bytes(fig, "svg")
    with pytest.raises(ValueError, match="png"):
        figures.figure_bytes(fig, "pdf")


def test_rgba_of_palette_is_sequential_light_to_dark():
    lum = [
        0.2126 * r + 0.7152 * g + 0.0722 * b for r, g, b, _ in map(to_rgba, maps.class_colours(5))
    ]
    assert lum == sorted(lum, reverse=True)


# --------------------------------------------------------------------------- notebook helpers


class FakeContext:
    """The part of reporting.DataContext the map helpers use: has/load/demo/provenance."""

    def __init__(self, tables: dict[str, pd.DataFrame], demo: bool = False):
        self.tables, self.demo, self.provenance, self.loaded = tables, demo, {}, []

    def has(self, name):
        return name in self.tables

    def load(self, name, fallback_demo=False):
        self.loaded.append(name)
        return self.tables[name].copy()


def nationality_table() -> pd.DataFrame:
    """Three Flemish municipalities, one Walloon, two years; ETR persons = count."""
    rows = []
    for year, etr in [
        (2009, {"11002": 9000, "44021": 6000, "71022": 3, "62063": 9900}),
        (2015, {"11002": 9500, "44021": 8000, "71022": 4, "62063": 9999}),
    ]:
        for code, n in etr.items():
            rows.append((year, code, "M", "ETR", 30, n))
            rows.append((year, code, "M", "BEL", 30, 20000))
    return pd.DataFrame(rows, columns=["year", "refnis", "sex", "nationality", "age", "population"])


def test_choose_years_falls_back_and_notes_it():
    assert migration_roots.choose_years([2012, 2024, 2025], 2024, 2012) == (2024, 2012, [])
    year, cmp_, notes = migration_roots.choose_years(range(2009, 2016), 2024, None)
    assert (year, cmp_) == (2015, 2009) and "2024" in notes[0]
    year, cmp_, notes = migration_roots.choose_years([2009, 2015], 2015, 2001)
    assert (year, cmp_) == (2015, 2009) and "2001" in notes[0]
    assert migration_roots.choose_years([2015], 2015, None)[:2] == (2015, None)


def test_prepare_inputs_falls_back_to_the_nationality_proxy_without_an_origin_table(capsys):
    ctx = FakeContext({"population_nationality": nationality_table()})
    inputs = migration_roots.prepare_inputs(
        ctx, definition="non_eu14", year=2024, compare_year=None, region="flanders"
    )
    assert inputs.definition == "nationality_proxy" and inputs.requested_definition == "non_eu14"
    assert inputs.years == (2009, 2015)
    assert ctx.loaded == ["population_nationality"]
    # region from the code: the Walloon 62063 is dropped
    assert sorted(inputs.counts["refnis"].unique()) == ["11002", "44021", "71022"]
    row = inputs.counts.set_index(["year", "refnis"]).loc[(2015, "11002")]
    assert row["count"] == 9500 and row["share"] == pytest.approx(9500 / 29500)
    inputs.print_notes()
    out = capsys.readouterr().out
    assert "'nationality_proxy'" in out and "2009" in out and "2015" in out
    with pytest.raises(ParameterError, match="definition"):
        migration_roots.prepare_inputs(ctx, definition="non_eu99")


def test_map_panels_mask_small_counts_and_report_unknown_codes():
    ctx = FakeContext({"population_nationality": nationality_table()})
    inputs = migration_roots.prepare_inputs(
        ctx, definition="nationality_proxy", year=2015, compare_year=2009
    )
    polys = grid([0.0, 0.0, 0.0], codes=["11002", "44021", "71022"]).drop(columns="v")
    panels, reports = migration_roots.map_panels(polys, inputs, "count", min_cell=5)
    assert list(panels) == ["2009", "2015"]
    p = panels["2015"].set_index("refnis")
    assert p.loc["11002", "count"] == 9500 and np.isnan(p.loc["71022", "count"])  # 4 < 5
    assert np.isnan(p.loc["71022", "share"])
    assert reports["2015"].ok
    fewer = polys[polys.refnis != "44021"]
    _, reports = migration_roots.map_panels(fewer, inputs, "share")
    assert reports["2009"].unmatched_data == ("44021",)
    with pytest.raises(ParameterError, match="measure"):
        migration_roots.map_panels(polys, inputs, "rate")


def test_top_table_suppresses_small_counts():
    ctx = FakeContext({"population_nationality": nationality_table()})
    inputs = migration_roots.prepare_inputs(
        ctx, definition="nationality_proxy", year=2015, region="flanders"
    )
    names = pd.DataFrame(
        {"refnis": ["11002", "44021", "71022"], "name_nl": ["Antwerpen", "Gent", "Hasselt"]}
    )
    by_count = migration_roots.top_table(inputs, names, by="count", n=20, min_cell=5)
    assert by_count["municipality"].tolist() == ["Antwerpen", "Gent", "Hasselt"]
    assert by_count["count"].tolist() == ["9500", "8000", "<5"]
    assert by_count["share"].iloc[2] == "" and by_count["share"].iloc[0] == "32.2%"
    assert by_count.index.tolist() == [1, 2, 3]
    by_share = migration_roots.top_table(inputs, names, by="share", n=1)
    assert by_share["refnis"].tolist() == ["11002"]


def test_highlight_codes_lists_and_eligible_by_proxy():
    ctx = FakeContext({"population_nationality": nationality_table()})
    inputs = migration_roots.prepare_inputs(
        ctx, definition="nationality_proxy", year=2015, region="flanders"
    )
    assert migration_roots.highlight_codes("11002, 44021", ctx, inputs)[0] == ["11002", "44021"]
    assert migration_roots.highlight_codes([44021], ctx, inputs)[0] == ["44021"]
    assert migration_roots.highlight_codes(None, ctx, inputs)[0] == []
    codes, label = migration_roots.highlight_codes("eligible", ctx, inputs)
    assert codes == ["11002", "44021"]  # > 7,500 non-Belgians in 2015; 62063 is Walloon
    assert "proxy" in label
    partnerships = pd.DataFrame(
        {"partnership_id": ["P1", "P1"], "name": ["Duo", "Duo"], "refnis": ["44021", "71022"]}
    )
    ctx.tables["partnerships"] = partnerships
    inputs09 = migration_roots.prepare_inputs(
        ctx, definition="nationality_proxy", year=2009, region="flanders"
    )
    codes, _ = migration_roots.highlight_codes("eligible", ctx, inputs09)
    assert codes == ["11002"]  # 6,000 + 3 pooled stay below 7,500 in 2009
