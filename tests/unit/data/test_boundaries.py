"""Boundaries per vintage, region from the code, dissolving along a crosswalk, the join report.

Demoland and hand-made layers only; the real-mirror twin is tests/integration/test_geo_real.py.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from samenleven_analysis.data import boundaries as geo
from samenleven_analysis.data import catalog
from samenleven_analysis.errors import DataError, DataUnavailable

pytestmark = pytest.mark.usefixtures("module_isolated_dirs")
"""Module-scoped fixtures (layers read once) run before conftest's per-test folders are set."""


def squares(codes, size=1000.0, **cols) -> gpd.GeoDataFrame:
    """A row of unit squares (1 km) with the given codes, in EPSG:31370."""
    geoms = [shapely.box(i * size, 0, (i + 1) * size, size) for i in range(len(codes))]
    return gpd.GeoDataFrame({"refnis": list(codes), **cols}, geometry=geoms, crs=geo.CRS)


# --------------------------------------------------------------------------- codes and regions


def test_normalise_refnis_accepts_ints_floats_text_and_short_region_codes():
    out = geo.normalise_refnis([11001, "11002", 11004.0, " 21004 ", "2000", "46030.0", None])
    assert out.iloc[:6].tolist() == ["11001", "11002", "11004", "21004", "02000", "46030"]
    assert pd.isna(out.iloc[6])


@pytest.mark.parametrize("bad", ["1100A", "123456", 11001.5, True])
def test_normalise_refnis_rejects_non_codes(bad):
    with pytest.raises(ValueError, match="REFNIS"):
        geo.normalise_refnis([bad])


@pytest.mark.parametrize(
    "code, region",
    [
        ("33016", "02000"),  # Mesen: the TopoJSON says Wallonia, the code says Flanders
        ("11002", "02000"),
        ("23106", "02000"),  # Pajottegem (2025)
        ("24062", "02000"),
        ("71072", "02000"),
        ("21004", "04000"),
        ("25005", "03000"),  # Brabant wallon
        ("57096", "03000"),  # Mouscron after the 2019 renumbering
        ("58001", "03000"),
        ("82039", "03000"),
        ("92003", "03000"),
        ("94001", "04000"),  # Demoland capital region
        ("96001", "02000"),  # Demoland-Noord
        ("99016", "02000"),
    ],
)
def test_region_comes_from_the_code(code, region):
    assert geo.region_of_code([code]).tolist() == [region]


def test_region_of_unknown_prefix_is_missing_and_in_region_masks():
    assert pd.isna(geo.region_of_code(["00001"]).iloc[0])
    mask = geo.in_region(["11001", "21004", "57096", "33016"], "flanders")
    assert mask.tolist() == [True, False, False, True]
    assert geo.in_region(["11001", "21004", "57096"], "flanders_brussels").tolist() == [
        True,
        True,
        False,
    ]
    with pytest.raises(ValueError, match="unknown region"):
        geo.in_region(["11001"], "atlantis")


# --------------------------------------------------------------------------- join


def test_join_reports_codes_missing_on_either_side():
    polys = squares(["11001", "11002", "11004"], name_nl=["A", "B", "C"])
    data = pd.DataFrame({"refnis": [11001, "11002", "99999"], "share": [0.1, 0.2, 0.3]})
    with pytest.warns(geo.UnmatchedCodesWarning, match="99999"):
        joined, report = geo.join(data, polys)
    assert report.unmatched_data == ("99999",)
    assert report.unmatched_polygons == ("11004",)
    assert report.matched == 2 and not report.ok
    # every polygon kept, in the boundaries' order; the unknown code has no polygon to sit on
    assert joined["refnis"].tolist() == ["11001", "11002", "11004"]
    assert joined["share"].iloc[:2].tolist() == [0.1, 0.2] and np.isnan(joined["share"].iloc[2])
    assert isinstance(joined, gpd.GeoDataFrame) and joined.crs == polys.crs
    assert "99999" in report.summary() and "11004" in str(report)


def test_join_raise_and_ignore_modes():
    polys = squares(["11001", "11002"])
    data = pd.DataFrame({"refnis": ["11001", "11003"], "count": [10, 20]})
    with pytest.raises(geo.UnmatchedCodesError, match="11003"):
        geo.join(data, polys, errors="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, report = geo.join(data, polys, errors="ignore")
    assert report.unmatched_data == ("11003",)


def test_join_clean_match_is_silent_and_rejects_duplicates():
    polys = squares(["11001", "11002"], name_nl=["A", "B"])
    data = pd.DataFrame({"refnis": ["11002", "11001"], "count": [2, 1], "name_nl": ["b", "a"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        joined, report = geo.join(data, polys)
    assert report.ok
    assert joined["count"].tolist() == [1, 2]
    assert joined["name_nl"].tolist() == ["A", "B"] and joined["name_nl_data"].tolist() == [
        "a",
        "b",
    ]
    dup = pd.DataFrame({"refnis": ["11001", "11001"], "count": [1, 2]})
    with pytest.raises(ValueError, match="several rows"):
        geo.join(dup, polys)


# --------------------------------------------------------------------------- dissolve


def test_dissolve_merges_along_a_partial_crosswalk_and_conserves_area():
    polys = squares(
        ["11002", "11007", "23023", "23024", "21004"],
        name_nl=["Antwerpen", "Borsbeek", "Galmaarden", "Gooik", "Brussel"],
    )
    cw = pd.DataFrame(
        {
            "from_refnis": ["11007", "11002", "23023", "23024"],
            "to_refnis": ["11002", "11002", "23106", "23106"],
        }
    )
    out = geo.dissolve(polys, cw, vintage=2025)
    assert out["refnis"].tolist() == ["11002", "21004", "23106"]
    # the code kept by Antwerpen keeps its name; a new code gets the joined names
    assert out["name_nl"].tolist() == ["Antwerpen", "Brussel", "Galmaarden + Gooik"]
    assert out.area.sum() == pytest.approx(polys.area.sum(), rel=1e-12)
    assert out.loc[out.refnis == "23106"].area.iloc[0] == pytest.approx(2e6)
    named = geo.dissolve(polys, cw, names={"23106": "Pajottegem"})
    assert named.set_index("refnis").loc["23106", "name_nl"] == "Pajottegem"


def test_dissolve_refuses_splits():
    polys = squares(["11001"])
    cw = pd.DataFrame({"from_refnis": ["11001", "11001"], "to_refnis": ["11002", "11003"]})
    with pytest.raises(ValueError, match="splits"):
        geo.dissolve(polys, cw)


# --------------------------------------------------------------------------- load_boundaries


def test_load_boundaries_rejects_bad_arguments_and_2018_belgium():
    with pytest.raises(ValueError, match="vintage"):
        geo.load_boundaries(2020, "flanders", demo=False)
    with pytest.raises(ValueError, match="unknown region"):
        geo.load_boundaries(2025, "vlaanderen", demo=False)
    with pytest.raises(DataUnavailable, match="2018"):
        geo.load_boundaries(2018, "belgium", demo=False)


@pytest.fixture(scope="module")
def demo_layers():
    return {v: geo.load_boundaries(v, "belgium", demo=True) for v in (2018, 2019, 2025)}


def test_demo_boundaries_per_vintage(demo_layers):
    assert {v: len(g) for v, g in demo_layers.items()} == {2018: 60, 2019: 60, 2025: 59}
    for v, g in demo_layers.items():
        assert list(g.columns) == ["refnis", "name_nl", "region", "geometry"]
        assert g.crs.to_epsg() == 31370
        assert g.attrs["demo"] is True and g.attrs["vintage"] == v
        assert g["refnis"].str.fullmatch(r"9[4-9]\d{3}").all()
        assert g["refnis"].is_monotonic_increasing and g["refnis"].is_unique
        assert g.is_valid.all() and g["name_nl"].notna().all()
    g25 = demo_layers[2025]
    assert "97021" in set(g25.refnis) and not {"97011", "97012"} & set(g25.refnis)


def test_demo_region_selection(demo_layers):
    fl = geo.load_boundaries(2025, "flanders", demo=True)
    bru = geo.load_boundaries(2025, "brussels", demo=True)
    fb = geo.load_boundaries(2025, "flanders_brussels", demo=True)
    assert (fl.region == "02000").all() and (bru.region == "04000").all()
    assert len(fl) + len(bru) == len(fb) == 59
    assert bru["refnis"].str.startswith("94").all()


def test_demo_dissolve_matches_the_2025_layer(demo_layers):
    cw = pd.DataFrame({"from_refnis": ["97011", "97012"], "to_refnis": ["97021", "97021"]})
    out = geo.dissolve(demo_layers[2019], cw, vintage=2025)
    assert out["refnis"].tolist() == demo_layers[2025]["refnis"].tolist()
    total = demo_layers[2019].area.sum()
    assert abs(out.area.sum() - total) / total < 1e-6
    assert abs(demo_layers[2025].area.sum() - total) / total < 1e-6


def test_demo_mode_follows_the_environment(monkeypatch, demo_layers):
    monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
    g = geo.load_boundaries(2025, "belgium")
    assert g.attrs["demo"] is True and len(g) == 59


def test_region_rule_agrees_with_the_2025_and_demo_code_lists():
    """The prefix rule and the municipality tables' region column agree.

    On the 565 codes of 2025, shipped with the package, and Demoland.
    """
    municipalities = pytest.importorskip("samenleven_analysis.data.municipalities")
    table = municipalities.municipality_table(2025)
    assert len(table) == 565
    assert geo.region_of_code(table["refnis"]).tolist() == table["region"].astype(str).tolist()
    demo = municipalities.municipality_table(2025, demo=True)
    assert geo.region_of_code(demo["refnis"]).tolist() == demo["region"].astype(str).tolist()


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_boundaries_whose_crs_does_not_fit_their_coordinates(tmp_path, demo_dir):
    import geopandas as gpd

    from samenleven_analysis.data import boundaries

    layer = gpd.read_file(demo_dir / "demoland_2025.geojson")
    folder = tmp_path / "geo"
    folder.mkdir()
    (folder / catalog.DEMO_MARKER).write_text("demo")
    # Lambert 72 metres declared as WGS84 degrees
    layer.set_crs("EPSG:4326", allow_override=True).to_file(folder / "demoland_2025.geojson")
    with pytest.raises(DataError) as err:
        boundaries.load_boundaries(2025, data_dir=folder, demo=True)
    assert err.value.file == "demoland_2025.geojson"
