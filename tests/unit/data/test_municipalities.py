"""Vintages, crosswalks, harmonise() and regions."""

from __future__ import annotations

import pandas as pd
import pytest

from samenleven_analysis.data import codes, statbel
from samenleven_analysis.data import municipalities as mu
from samenleven_analysis.errors import DataError


def test_vintage_of_year():
    assert [mu.vintage_of_year(y) for y in (2009, 2018, 2019, 2024, 2025, 2030)] == [
        2018,
        2018,
        2019,
        2019,
        2025,
        2025,
    ]
    with pytest.raises(ValueError, match="unknown vintage"):
        mu.municipality_table(2020)


# ----------------------------------------------------------------------------- reference facts
def test_reference_crosswalks_cover_2019_and_2025():
    ref = mu.reference_crosswalks()
    r19 = ref[ref.date == pd.Timestamp("2019-01-01")]
    r25 = ref[ref.date == pd.Timestamp("2025-01-01")]
    assert len(r19) == 26
    assert (r19.kind == "merger").sum() == 15 and r19[r19.kind == "merger"].to_refnis.nunique() == 7
    assert sorted(r19[r19.kind == "merger"].to_refnis.unique()) == [
        "12041",
        "44083",
        "44084",
        "44085",
        "45068",
        "72042",
        "72043",
    ]
    assert (r19.kind == "renumbering").sum() == 11
    renum = dict(zip(r19.from_refnis, r19.to_refnis, strict=True))
    assert renum["54007"] == "57096" and renum["55022"] == "58001"
    assert r25.to_refnis.nunique() == 14 and len(r25) == 30
    m25 = dict(zip(r25.from_refnis, r25.to_refnis, strict=True))
    assert m25["82003"] == m25["82005"] == "82039"  # Bastogne + Bertogne
    assert m25["11002"] == m25["11007"] == "11002"  # Antwerpen keeps its code
    assert m25["71022"] == m25["73040"] == "71072"  # Hasselt gets a new code
    assert ref.source.str.len().gt(0).all()


def test_builtin_geography_counts_and_regions():
    geo = mu.builtin_geography()
    assert {v: len(c) for v, c in geo.codes.items()} == {2018: 589, 2019: 581, 2025: 565}
    t25 = mu.municipality_table(2025)
    assert t25.region.value_counts().to_dict() == {"02000": 285, "03000": 261, "04000": 19}
    assert len(geo.mapping(2018, 2019)) == 26
    # 29 changed codes in 2025 (30 old codes, Antwerpen keeps 11002)
    assert len(geo.mapping(2019, 2025)) == 29
    cw = mu.crosswalk(2018, 2025)
    assert len(cw) == 589 and cw.to_refnis.nunique() == 565
    assert set(cw.to_refnis) == set(geo.codes[2025])
    chained = dict(zip(cw.from_refnis, cw.to_refnis, strict=True))
    assert (
        chained["44049"] == "44083" and chained["54007"] == "57096" and chained["11007"] == "11002"
    )
    with pytest.raises(ValueError, match="backwards"):
        mu.crosswalk(2025, 2019)


def test_2025_arrondissement_rule_and_brussels():
    t = mu.municipality_table(2025).set_index("refnis")
    # arrondissement = first two digits + 000, incl. the 2025 codes and Hainaut 57/58
    assert (t.arrondissement == t.index.str[:2] + "000").all()
    assert (
        t.loc["46030", "arrondissement"] == "46000" and t.loc["71072", "arrondissement"] == "71000"
    )
    assert t.loc["82039", "region"] == "03000"
    assert {"57000", "58000"} <= set(t.arrondissement)
    brussels = t[t.region == mu.REGIONS["brussels"]]
    assert len(brussels) == 19 and brussels.province.isna().all()
    assert t.province.notna().sum() == 565 - 19


# ----------------------------------------------------------------------------- merger tables
FUSIES = (
    "Fuserende gemeenten,\tNieuwe gemeenten\n"
    "Antwerpen (11002) + Borsbeek (11007),\tAntwerpen (11002)\n"
    "Beveren (46003) + Kruibeke (46013) + Zwijndrecht (11056),\t"
    "Beveren-Kruibeke-Zwijndrecht (voorlopige naam) (46030)"
)


def test_read_mergers_text_layout(tmp_path):
    path = tmp_path / "fusies-2025.csv"
    path.write_text(FUSIES, encoding="utf-8")
    m = mu.read_mergers(path)
    assert m.from_refnis.tolist() == ["11002", "11007", "46003", "46013", "11056"]
    assert m.to_refnis.tolist() == ["11002", "11002", "46030", "46030", "46030"]
    assert m.from_name.tolist()[2] == "Beveren"
    assert m.to_name.iloc[-1] == "Beveren-Kruibeke-Zwijndrecht (voorlopige naam)"
    assert (m.date == pd.Timestamp("2025-01-01")).all()
    path.write_text(FUSIES + "\nMelle + Merelbeke,\tMerelbeke-Melle (44088)\n")
    with pytest.raises(DataError) as err:
        mu.read_mergers(path)
    assert err.value.row == 4


# A tiny REFNIS list: a merger in 2025 (given by the merger table only, as in a pre-2025
# edition), a renumbering in 2019 (validity dates + same name), a capital region.
TINY_REFNIS = """LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|DT_VLDT_START|DT_VLDT_END
1|02000|-|N|Nord|Noord|01/01/1970|31/12/9999
1|04000|-|H|Capitale|Hoofdstad|01/01/1970|31/12/9999
2|10000|02000|P|Prov|Prov|01/01/1970|31/12/9999
3|11000|10000|A|Arr A|Arr A|01/01/1970|31/12/9999
3|12000|10000|B|Arr B|Arr B|01/01/1970|31/12/9999
3|21000|04000|C|Arr C|Arr C|01/01/1970|31/12/9999
4|11001|11000|Een|Un|Een|01/01/1970|31/12/9999
4|11002|11000|Twee|Deux|Twee|01/01/1970|31/12/9999
4|11003|11000|Drie|Trois|Drie|01/01/1970|31/12/2018
4|12001|12000|Drie|Trois|Drie|01/01/2019|31/12/9999
4|21001|21000|Stad|Ville|Stad|01/01/1970|31/12/9999
"""


@pytest.fixture
def tiny(tmp_path):
    ref = tmp_path / "TU_COM_REFNIS.txt"
    ref.write_text(TINY_REFNIS.replace("\n", "\r\n"), encoding="utf-8-sig")
    fus = tmp_path / "fusies-2025.csv"
    fus.write_text(
        "Fuserende gemeenten,\tNieuwe gemeenten\nEen (11001) + Twee (11002),\tEentwee (11004)\n"
    )
    return mu.geography_from_tables(ref, fus)


def test_geography_from_tables(tiny):
    assert {v: sorted(c) for v, c in tiny.codes.items()} == {
        2018: ["11001", "11002", "11003", "21001"],
        2019: ["11001", "11002", "12001", "21001"],
        2025: ["11004", "12001", "21001"],
    }
    assert tiny.mapping(2018, 2019) == {"11003": "12001"}  # renumbered (same name, next day)
    assert tiny.mapping(2018, 2025) == {"11001": "11004", "11002": "11004", "11003": "12001"}
    t25 = tiny.table(2025).set_index("refnis")
    assert (
        t25.loc["11004", "name_nl"] == "Eentwee" and t25.loc["11004", "arrondissement"] == "11000"
    )
    assert t25.loc["11004", "region"] == "02000" and t25.loc["11004", "province"] == "10000"
    assert t25.loc["21001", "region"] == "04000" and pd.isna(t25.loc["21001", "province"])


def test_harmonise_sums_counts_and_conserves_totals(tiny):
    frame = pd.DataFrame(
        {
            "year": [2015, 2015, 2015, 2015, 2022, 2022],
            "refnis": ["11001", "11002", "11003", "21001", "11001", "11002"],
            "sex": ["M", "M", "F", "F", "M", "M"],
            "population": [1, 2, 4, 8, 16, 32],
        }
    )
    out = mu.harmonise(frame, 2025, geography=tiny)
    # merged codes summed, renumbered code moved, rows sorted by year, code, other keys
    assert out.values.tolist() == [
        [2015, "11004", "M", 3],
        [2015, "12001", "F", 4],
        [2015, "21001", "F", 8],
        [2022, "11004", "M", 48],
    ]
    assert (
        out.groupby("year").population.sum().to_dict()
        == frame.groupby("year").population.sum().to_dict()
    )
    assert out.population.dtype == frame.population.dtype


def test_harmonise_refuses_rates_unknown_codes_and_backwards(tiny):
    frame = pd.DataFrame({"year": [2015], "refnis": ["11001"], "population": [3], "rate": [0.5]})
    with pytest.raises(ValueError, match="recompute them from the harmonised counts"):
        mu.harmonise(frame, 2025, geography=tiny)
    bad = pd.DataFrame({"year": [2015, 2015], "refnis": ["11001", "19999"], "population": [1, 2]})
    with pytest.raises(DataError, match="19999") as err:
        mu.harmonise(bad, 2025, geography=tiny)
    assert err.value.column == "refnis"
    later = pd.DataFrame({"year": [2025], "refnis": ["11004"], "population": [1]})
    with pytest.raises(ValueError, match="cannot be split"):
        mu.harmonise(later, 2019, geography=tiny)
    # a 2015 series already on the 2025 list cannot go back to 2019 either
    republished = pd.DataFrame({"year": [2015], "refnis": ["11004"], "population": [1]})
    with pytest.raises(ValueError, match="on vintage 2025, later than 2019"):
        mu.harmonise(republished, 2019, geography=tiny)


def test_harmonise_on_a_later_list_and_explicit_crosswalk(tiny):
    # a 2015 series republished on the 2019 list (as Statbel's income series) is accepted
    frame = pd.DataFrame({"year": [2015, 2015], "refnis": ["12001", "11001"], "n": [1, 2]})
    out = mu.harmonise(frame, 2025, value_cols=["n"], geography=tiny)
    assert out.set_index("refnis").n.to_dict() == {"11004": 2, "12001": 1}
    cw = pd.DataFrame({"from_refnis": ["11001", "12001"], "to_refnis": ["11009", "11009"]})
    out = mu.harmonise(frame, 2025, value_cols=["n"], crosswalk=cw)
    assert out.refnis.tolist() == ["11009"] and out.n.tolist() == [3]


def test_region_of_code_on_old_and_current_codes():
    """The one region rule (``codes.region_of_code``) on codes of every vintage."""
    regions = codes.region_of_code(
        pd.Series(["11002", "44049", "57096", "21004", "33016", "54007"])
    )
    # 44049 (Nevele, 2018 code) and 33016 (Mesen) are Flemish by their code; 54007
    # (Mouscron until 2018, arrondissement 54 abolished) is Walloon by its province
    assert regions.tolist() == ["02000", "02000", "03000", "04000", "02000", "03000"]


# ----------------------------------------------------------------------------- demo
def test_demo_geography(demo_dir):
    geo = mu.geography_from_tables(
        demo_dir / "TU_COM_REFNIS.txt", demo_dir / "fusies-2025.csv", demo=True
    )
    assert {v: len(c) for v, c in geo.codes.items()} == {2018: 60, 2019: 60, 2025: 59}
    assert geo.mapping(2019, 2025) == {"97011": "97021", "97012": "97021"}
    t = geo.table(2025)
    assert set(t.region) == {"02000", "04000"}
    assert t.set_index("refnis").loc["97021", "arrondissement"] == "97000"
    pop = statbel.read_population(demo_dir / "TF_SOC_POP_STRUCT_2022.zip", codes=geo.codes[2019])
    out = mu.harmonise(pop, 2025, geography=geo)
    assert out.refnis.nunique() == 59 and out.population.sum() == pop.population.sum()
    by_region = out.groupby(codes.region_of_code(out.refnis).values).population.sum()
    before = pop.groupby(codes.region_of_code(pop.refnis).values).population.sum()
    assert by_region.to_dict() == before.to_dict()


# ----------------------------------------------------------------------------- real data
