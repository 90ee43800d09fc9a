"""Origin tables: canonical reader, column-map hook, definitions and counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.data import origin
from samenleven_analysis.data.schemas import ORIGIN_GROUPS
from samenleven_analysis.errors import DataError

CANONICAL = """year,refnis,origin,population
2022,11002,BEL,100
2022,11002,EU14,10
2022,11002,EU13,20
2022,11002,EUROPE_OTHER,30
2022,11002,NON_EUROPE,40
2022,4001,BEL,0
2023,11002,NON_EUROPE,45
"""


def test_read_canonical(tmp_path):
    path = tmp_path / "population_origin.csv"
    path.write_text(CANONICAL)
    got = origin.read_origin(path)
    assert list(got.columns) == ["year", "refnis", "origin", "population"]
    assert got.refnis.tolist()[0] == "04001"  # normalised and sorted first
    assert got.population.dtype == np.int64 and got["year"].dtype == np.int64
    assert got.population.sum() == 245


def test_column_map_dict(tmp_path):
    path = tmp_path / "herkomst.csv"
    path.write_text("jaar;nis;groep;aantal\n2022;11002;Belg;5\n2022;11002;Niet-EU;7\n")
    got = origin.read_origin(
        path,
        {
            "columns": {"jaar": "year", "nis": "refnis", "groep": "origin", "aantal": "population"},
            "values": {"origin": {"Belg": "BEL", "Niet-EU": "NON_EUROPE"}},
            "sep": ";",
        },
    )
    assert got.origin.tolist() == ["BEL", "NON_EUROPE"]


def test_column_map_yaml_with_totals_and_aggregation(tmp_path):
    path = tmp_path / "herkomst.csv"
    path.write_text(
        "jaar,niscode,herkomst,geslacht,aantal\n"
        "2022,11002,Belg,M,5\n2022,11002,Belg,V,6\n"
        "2022,11002,Totaal,M,20\n"
        "2022,11002,EU-13,M,3\n2022,11002,EU-13,V,4\n"
    )
    spec = tmp_path / "map.yaml"
    spec.write_text(
        "columns:\n  jaar: year\n  niscode: refnis\n  herkomst: origin\n  aantal: population\n"
        "values:\n  origin:\n    Belg: BEL\n    EU-13: EU13\n"
        "drop_values:\n  origin: [Totaal]\n"
        "aggregate: true\n"
    )
    got = origin.read_origin(path, spec)
    assert got.set_index("origin").population.to_dict() == {"BEL": 11, "EU13": 7}


def test_flat_column_map(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("y,code,o,n\n2022,21001,EU14,3\n")
    got = origin.read_origin(
        path, {"y": "year", "code": "refnis", "o": "origin", "n": "population"}
    )
    assert got.iloc[0].tolist() == [2022, "21001", "EU14", 3]
    with pytest.raises(ValueError, match="not canonical"):
        origin.read_origin(path, {"y": "jaar"})


@pytest.mark.parametrize(
    "text, row, column, fragment",
    [
        (
            CANONICAL.replace("2022,11002,EU13,20", "2022,11002,EU13,-2"),
            4,
            "population",
            "negative",
        ),
        (
            CANONICAL.replace("2022,11002,EU13,20", "2022,11002,EU13,x"),
            4,
            "population",
            "non-numeric",
        ),
        (CANONICAL.replace("EUROPE_OTHER", "ELDERS"), 5, "origin", "ELDERS"),
        (CANONICAL + "2022,11002,BEL,1\n", 9, "origin", "duplicate"),
        (CANONICAL.replace("2022,4001", "2022,4O01"), 7, "refnis", "not a REFNIS"),
        ("year,refnis,population\n2022,11002,5\n", 1, "origin", "missing column"),
    ],
)
def test_bad_origin_tables(tmp_path, text, row, column, fragment):
    path = tmp_path / "population_origin.csv"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        origin.read_origin(path)
    assert err.value.file == str(path)
    assert fragment in str(err.value)
    if column is not None:
        assert err.value.column == column
    assert err.value.row == row


def test_definitions_match_design():
    assert origin.DEFINITIONS["non_eu14"] == ("EU13", "EUROPE_OTHER", "NON_EUROPE")
    assert origin.DEFINITIONS["non_eu27"] == ("EUROPE_OTHER", "NON_EUROPE")
    assert origin.DEFINITIONS["non_europe"] == ("NON_EUROPE",)
    assert origin.DEFINITIONS["nationality_proxy"] is None
    for groups in origin.DEFINITIONS.values():
        assert groups is None or set(groups) <= set(ORIGIN_GROUPS)


def test_count_definitions(tmp_path):
    path = tmp_path / "population_origin.csv"
    path.write_text(CANONICAL)
    frame = origin.read_origin(path)
    c = origin.count(frame, "non_eu14", year=2022).set_index("refnis")
    assert c.loc["11002", "count"] == 90 and c.loc["11002", "total"] == 200
    assert c.loc["11002", "share"] == pytest.approx(0.45)
    assert np.isnan(c.loc["04001", "share"])  # total 0 → undefined share
    assert (
        origin.count(frame, "non_eu27", year=2022).set_index("refnis").loc["11002", "count"] == 70
    )
    assert (
        origin.count(frame, "non_europe")
        .set_index(["year", "refnis"])
        .loc[(2023, "11002"), "count"]
        == 45
    )
    assert origin.count(frame, "non_eu14", year=[2022, 2023])["year"].tolist() == [2022, 2022, 2023]
    with pytest.raises(ValueError, match="unknown origin definition 'non_eu15'"):
        origin.count(frame, "non_eu15")


def test_nationality_proxy_on_population_table():
    pop = pd.DataFrame(
        {
            "year": [2020] * 4,
            "refnis": ["11002", "11002", "11002", "21001"],
            "sex": ["M", "F", "M", "M"],
            "nationality": ["BEL", "ETR", "ETR", "ETR"],
            "age": [1, 2, 3, 4],
            "population": [10, 5, 6, 7],
        }
    )
    c = origin.count(pop, "nationality_proxy").set_index("refnis")
    assert c.loc["11002", ["count", "total"]].tolist() == [11, 21]
    assert c.loc["21001", "share"] == 1.0
    with pytest.raises(ValueError, match="nationality_proxy"):
        origin.count(pop, "non_eu14")


def test_demo_origin_table(demo_dir):
    frame = origin.read_origin(demo_dir / "population_origin.csv")
    assert set(frame.origin) == set(ORIGIN_GROUPS)
    counts = {d: origin.count(frame, d, year=2022) for d in ("non_eu14", "non_eu27", "non_europe")}
    # nested definitions: non_europe ⊆ non_eu27 ⊆ non_eu14, all within the total
    assert (counts["non_europe"]["count"] <= counts["non_eu27"]["count"]).all()
    assert (counts["non_eu27"]["count"] <= counts["non_eu14"]["count"]).all()
    assert (counts["non_eu14"]["count"] <= counts["non_eu14"]["total"]).all()
    # Demoland plants municipalities near the 7,500 threshold in 2022
    margin = (counts["non_eu14"]["count"] - 7500).abs()
    assert (margin <= 300).any()


def test_an_origin_year_outside_the_population_years_is_an_error(demo_dir, tmp_path):
    # 2099 passed the old 1990..2100 range; population counts exist for 2009..2026 only.
    lines = (demo_dir / "population_origin.csv").read_text(encoding="utf-8").splitlines()
    lines[7] = "2099" + lines[7][4:]
    path = tmp_path / "population_origin.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="2099") as err:
        origin.read_origin(path)
    assert (err.value.row, err.value.column) == (8, "year")
