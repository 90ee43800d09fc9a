"""Who gets an authority report on the real mirror: ``--authorities eligible`` and ``all``."""

from __future__ import annotations

import pytest

from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports import runner

pytestmark = pytest.mark.realdata


def test_eligible_by_proxy_in_2015_are_the_six(real_ctx):
    table = reporting.authority_table(real_ctx)  # default definition non_eu14, year 2022
    assert (
        table.attrs["proxy"]
        and table.attrs["year"] == 2015
        and table.attrs["requested_year"] == 2022
    )
    codes = runner._authority_codes("eligible", table, "authority_report")
    names = dict(zip(table["applicant"], table["name"], strict=False))
    assert [names[c] for c in codes] == [
        "Antwerpen",
        "Gent",
        "Leuven",
        "Mechelen",
        "Genk",
        "Lanaken",
    ]


def test_all_is_every_flemish_municipality_of_the_vintage(real_ctx):
    table = reporting.authority_table(real_ctx)
    codes = runner._authority_codes("all", table, "authority_report")
    assert len(codes) == 285 and len(set(codes)) == 285
    assert all(c[0] in "12347" for c in codes)  # Flemish provinces only
