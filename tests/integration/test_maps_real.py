"""Choropleths: classes and colours (tested as colours, not pixels), shared bins across
years, missing data and highlights in the legend, caption and DEMO stamp, identical bytes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_hex

from samenleven_analysis.reports import figures, maps, migration_roots


def grid(values, codes=None, names=None) -> gpd.GeoDataFrame:
    """Unit squares on a 5-wide grid carrying ``values`` in column ``v`` (EPSG:31370)."""
    n = len(values)
    codes = codes or [f"{11001 + i:05d}" for i in range(n)]
    geoms = [shapely.box(i % 5 * 1000, i // 5 * 1000, i % 5 * 1000 + 1000, i // 5 * 1000 + 1000) for i in range(n)]
    return gpd.GeoDataFrame(
        {"refnis": codes, "name_nl": names or [f"Gemeente {i}" for i in range(n)], "v": values},
        geometry=geoms, crs="EPSG:31370",
    )


def facecolours_hex(collection) -> list[str]:
    return [to_hex(c) for c in collection.get_facecolors()]


def _figure():
    before = grid([0.01, 0.02, np.nan, 0.2, 0.3, 0.25, 0.11])
    after = grid([0.03, 0.05, 0.07, 0.31, 0.35, 0.29, 0.12])
    return maps.small_multiples(
        {"2009": before, "2015": after}, "v", k=4, highlight=["11004"],
        caption="DEMO — Source: Demoland; year 2015; vintage 2025", legend_title="Share",
        title="Non-Belgian share",
    )


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
    for year, etr in [(2009, {"11002": 9000, "44021": 6000, "71022": 3, "62063": 9900}),
                      (2015, {"11002": 9500, "44021": 8000, "71022": 4, "62063": 9999})]:
        for code, n in etr.items():
            rows.append((year, code, "M", "ETR", 30, n))
            rows.append((year, code, "M", "BEL", 30, 20000))
    return pd.DataFrame(rows, columns=["year", "refnis", "sex", "nationality", "age", "population"])


@pytest.mark.realdata
def test_real_mirror_maps_the_nationality_proxy_2015_vs_2009_for_flanders(real_data_dir, tmp_path, capsys):
    """The notebook's default path on the real mirror: no origin table → nationality proxy,
    2015 vs 2009, Flanders on the 2025 vintage, every code matched, deterministic files."""
    from samenleven_analysis.data import boundaries as geo
    from samenleven_analysis.reports.context import data_context

    ctx = data_context(vintage=2025, data_dir=real_data_dir, offline=True, demo=False)
    inputs = migration_roots.prepare_inputs(ctx, definition="non_eu14", year=2024, compare_year=None, region="flanders")
    assert (inputs.definition, inputs.years) == ("nationality_proxy", (2009, 2015))
    assert not ctx.demo and not inputs.demo
    inputs.print_notes()
    assert "falling back to 'nationality_proxy'" in capsys.readouterr().out
    boundaries = geo.load_boundaries(2025, "flanders", demo=ctx.demo, data_dir=real_data_dir)
    panels, reports = migration_roots.map_panels(boundaries, inputs, "share")
    assert all(r.ok and r.matched == 285 for r in reports.values())
    codes, label = migration_roots.highlight_codes("eligible", ctx, inputs)
    assert {"11002", "44021"} <= set(codes) and "proxy" in label  # Antwerpen, Gent
    caption = ctx.caption(year="2009 vs 2015", definition=inputs.definition)
    fig = migration_roots.migration_roots_figure(panels, inputs, "share", caption=caption, highlight=codes,
                                      highlight_label=label)
    assert not any("DEMO" in t.get_text() for t in fig.texts)
    png, svg = figures.save(fig, tmp_path / "a")
    again = migration_roots.migration_roots_figure(panels, inputs, "share", caption=caption, highlight=codes,
                                        highlight_label=label)
    png2, svg2 = figures.save(again, tmp_path / "b")
    assert png.read_bytes() == png2.read_bytes() and svg.read_bytes() == svg2.read_bytes()
    top = migration_roots.top_table(inputs, boundaries, by="count", n=20)
    assert len(top) == 20 and top["refnis"].iloc[0] == "11002"

