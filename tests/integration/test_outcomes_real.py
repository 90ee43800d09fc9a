"""Outcome panel readers, the analysis frame, and fiscal income as an outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import outcomes as oc


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small():
    years = range(2019, 2025)
    rows = [(r, y, "emp", float(i * 10 + (y - 2019))) for i, r in enumerate(["11002", "44021", "46003"]) for y in years]
    rows += [("11002", 2020, "other", 1.0)]
    out = oc.canonical_outcomes(pd.DataFrame(rows, columns=["refnis", "year", "outcome", "value"]))
    treat = oc.canonical_treatment(
        pd.DataFrame(
            {
                "applicant": ["11002", "44021"],
                "refnis": ["11002", "44021"],
                "cohort": [2022.0, np.nan],
                "intensity_eur_per_resident": [50.0, np.nan],
                "eligible": [True, True],
            }
        )
    )
    return out, treat


@pytest.mark.realdata
def test_income_panel_on_real_mirror(real_data_dir):
    from samenleven_analysis.data import catalog, statbel

    res = catalog.resolve("income", data_dir=real_data_dir, offline=True)
    inc = oc.income_panel(statbel.read_income(res.path))
    assert inc.year.min() == 2005 and inc.year.max() == 2020
    assert inc.refnis.nunique() == 581  # every year on the 581 geography (PROVENANCE.md)
    # Plausible euro amounts per resident, not totals and not thousands.
    assert inc.value.between(5_000, 60_000).all()

