"""Boundaries per vintage, region from the code, dissolving along a crosswalk, the join report.

Real-data tests (``realdata``) read the mirror named by SAMENLEVEN_DATA_DIR; every layer is
read once per session (``geo.read_layer`` memoises, the fixtures below are module-scoped).
"""

from __future__ import annotations

import os

import pytest

from samenleven_analysis.data import boundaries as geo

MIRROR = os.environ.get("SAMENLEVEN_DATA_DIR")
needs_mirror = pytest.mark.skipif(
    not MIRROR,
    reason="real-data test: SAMENLEVEN_DATA_DIR is not set (point it at the data mirror)",
)


pytestmark = pytest.mark.usefixtures("module_isolated_dirs")
"""Module-scoped fixtures (layers read once) run before conftest's per-test folders are set."""


@pytest.fixture(scope="module")
def real_layers():
    layers = {}
    for v in (2018, 2019, 2025):
        layers[("flanders_brussels", v)] = geo.load_boundaries(v, "flanders_brussels", demo=False)
    layers[("belgium", 2019)] = geo.load_boundaries(2019, "belgium", demo=False)
    return layers


@pytest.mark.realdata
@needs_mirror
def test_real_flanders_brussels_polygons_per_vintage(real_layers):
    counts = {v: len(real_layers[("flanders_brussels", v)]) for v in (2018, 2019, 2025)}
    assert counts == {2018: 327, 2019: 319, 2025: 304}
    by_region = {
        v: real_layers[("flanders_brussels", v)]["region"].value_counts().to_dict()
        for v in (2018, 2019, 2025)
    }
    assert by_region == {
        2018: {"02000": 308, "04000": 19},
        2019: {"02000": 300, "04000": 19},
        2025: {"02000": 285, "04000": 19},
    }
    for (_, _v), g in real_layers.items():
        assert g.crs.to_epsg() == 31370 and g.attrs["demo"] is False
        assert g["refnis"].str.fullmatch(r"\d{5}").all() and g["refnis"].is_unique
        assert g.is_valid.all()
        x0, y0, x1, y1 = g.total_bounds  # Belgium in Lambert 72 metres
        assert 0 < x0 < x1 < 300_000 and 0 < y0 < y1 < 250_000
    g25 = real_layers[("flanders_brussels", 2025)]
    assert g25["name_nl"].notna().all()
    assert {"23106", "46030", "71072"} <= set(g25.refnis)  # 2025 codes (Pajottegem, …)


@pytest.mark.realdata
@needs_mirror
def test_real_belgium_2019_topojson_with_mesen_in_flanders(real_layers):
    g = real_layers[("belgium", 2019)]
    assert len(g) == 581
    assert g["region"].value_counts().to_dict() == {"02000": 300, "03000": 262, "04000": 19}
    assert g.set_index("refnis").loc["33016", "region"] == "02000"  # Mesen
    assert g.crs.to_epsg() == 31370 and g.is_valid.all()
    # the Flemish polygons of the TopoJSON cover the same codes as the 2019-2024 shapefile
    fb = real_layers[("flanders_brussels", 2019)]
    assert set(g.loc[g.region != "03000", "refnis"]) == set(fb["refnis"])
    assert len(geo.load_boundaries(2019, "wallonia", demo=False)) == 262


@pytest.mark.realdata
@needs_mirror
def test_real_belgium_2025_dissolve_conserves_area(real_layers):
    pytest.importorskip("samenleven_analysis.data.municipalities")
    g19 = real_layers[("belgium", 2019)]
    g25 = geo.load_boundaries(2025, "belgium", demo=False)
    assert len(g25) == 565
    assert g25["region"].value_counts().to_dict() == {"02000": 285, "03000": 261, "04000": 19}
    total = g19.area.sum()
    assert abs(g25.area.sum() - total) / total < 1e-6
    # the merged municipalities: the union of their 2019 polygons
    merged = g25.set_index("refnis")
    parts = g19.set_index("refnis").loc[["46003", "46013", "11056"]]
    assert merged.loc["46030"].geometry.area == pytest.approx(parts.area.sum(), rel=1e-9)
    assert set(g25.loc[g25.region != "03000", "refnis"]) == set(
        real_layers[("flanders_brussels", 2025)]["refnis"]
    )
    assert len(geo.load_boundaries(2025, "flanders", demo=False)) == 285


@pytest.mark.realdata
@needs_mirror
def test_real_region_rule_agrees_with_the_refnis_list_before_2025():
    municipalities = pytest.importorskip("samenleven_analysis.data.municipalities")
    for vintage in (2018, 2019):
        table = municipalities.municipality_table(vintage)
        assert len(table) == municipalities.EXPECTED_COUNTS[vintage]
        assert geo.region_of_code(table["refnis"]).tolist() == table["region"].astype(str).tolist()
