"""Who gets an authority report on the real mirror: ``--authorities eligible`` and ``all``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samenleven_analysis.data import build

from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports import runner

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_ctx(tmp_path_factory):
    """A context on a real build (in a temporary folder) of the mirror."""
    data_dir = os.environ.get("SAMENLEVEN_DATA_DIR")
    if not data_dir:
        pytest.skip("real-data test: set SAMENLEVEN_DATA_DIR to a local mirror (CI uses ../shared/data)")
    out = tmp_path_factory.mktemp("real_build_authorities")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path_factory.mktemp("real_raw_authorities")))
        mp.setenv("SAMENLEVEN_OFFLINE", "1")
        mp.delenv("SAMENLEVEN_DEMO", raising=False)
        result = build.build(2025, data_dir=data_dir, out=out, demo=False)
    assert not result.demo
    return reporting.DataContext(vintage=2025, processed=Path(result.out_dir), built_demo=False)


def test_eligible_by_proxy_in_2015_are_the_six(real_ctx):
    table = reporting.authority_table(real_ctx)  # default definition non_eu14, year 2022
    assert table.attrs["proxy"] and table.attrs["year"] == 2015 and table.attrs["requested_year"] == 2022
    codes = runner._authority_codes("eligible", table, "authority_report")
    names = dict(zip(table["applicant"], table["name"]))
    assert [names[c] for c in codes] == ["Antwerpen", "Gent", "Leuven", "Mechelen", "Genk", "Lanaken"]


def test_all_is_every_flemish_municipality_of_the_vintage(real_ctx):
    table = reporting.authority_table(real_ctx)
    codes = runner._authority_codes("all", table, "authority_report")
    assert len(codes) == 285 and len(set(codes)) == 285
    assert all(c[0] in "12347" for c in codes)  # Flemish provinces only
