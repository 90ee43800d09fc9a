"""Choropleths: classes and colours, shared bins across years, legend, caption, identical bytes.

Classes and colours are tested as colours, not pixels; missing data and highlights are in the
legend; caption and DEMO stamp.
"""

from __future__ import annotations

import pytest

from samenleven_analysis.reports import figures
from samenleven_analysis.reports import migration_roots_map_report as migration_roots


@pytest.mark.realdata
@pytest.mark.slow  # > 5 s: the end-to-end tier (`make test-e2e`, CI)
def test_real_mirror_maps_the_nationality_proxy_2015_vs_2009_for_flanders(
    real_data_dir, tmp_path, capsys
):
    """The notebook's default path on the real mirror.

    No origin table → nationality proxy, 2015 vs 2009, Flanders on the 2025 vintage, every code
    matched, deterministic files.
    """
    from samenleven_analysis.data import boundaries as geo
    from samenleven_analysis.reports.context import data_context

    ctx = data_context(vintage=2025, data_dir=real_data_dir, offline=True, demo=False)
    inputs = migration_roots.prepare_inputs(
        ctx, definition="non_eu14", year=2024, compare_year=None, region="flanders"
    )
    assert (inputs.definition, inputs.years) == ("nationality_proxy", (2009, 2015))
    assert not ctx.demo and not inputs.demo
    inputs.print_notes()
    assert "'nationality_proxy'" in capsys.readouterr().out
    boundaries = geo.load_boundaries(2025, "flanders", demo=ctx.demo, data_dir=real_data_dir)
    panels, reports = migration_roots.map_panels(boundaries, inputs, "share")
    assert all(r.ok and r.matched == 285 for r in reports.values())
    codes, label = migration_roots.highlight_codes("eligible", ctx, inputs)
    assert {"11002", "44021"} <= set(codes) and "proxy" in label  # Antwerpen, Gent
    caption = ctx.caption(year="2009 vs 2015", definition=inputs.definition)
    fig = migration_roots.migration_roots_figure(
        panels, inputs, "share", caption=caption, highlight=codes, highlight_label=label
    )
    assert not any("DEMO" in t.get_text() for t in fig.texts)
    png, svg = figures.save(fig, tmp_path / "a")
    again = migration_roots.migration_roots_figure(
        panels, inputs, "share", caption=caption, highlight=codes, highlight_label=label
    )
    png2, svg2 = figures.save(again, tmp_path / "b")
    assert png.read_bytes() == png2.read_bytes() and svg.read_bytes() == svg2.read_bytes()
    top = migration_roots.top_table(inputs, boundaries, by="count", n=20)
    assert len(top) == 20 and top["refnis"].iloc[0] == "11002"
