"""Outcome panel readers, the analysis frame, and fiscal income as an outcome."""

from __future__ import annotations

import pytest

from samenleven_analysis.analysis import outcomes as oc


@pytest.mark.realdata
def test_income_panel_on_real_mirror(real_data_dir):
    from samenleven_analysis.data import catalog, statbel

    res = catalog.resolve("income", data_dir=real_data_dir, offline=True)
    inc = oc.income_panel(statbel.read_income(res.path))
    assert inc.year.min() == 2005 and inc.year.max() == 2020
    assert inc.refnis.nunique() == 581  # every year on the 581 geography (PROVENANCE.md)
    # Plausible euro amounts per resident, not totals and not thousands.
    assert inc.value.between(5_000, 60_000).all()
