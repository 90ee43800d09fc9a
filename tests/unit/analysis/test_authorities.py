"""The applicant table and the outcome trend, computed from frames (no data context)."""

from __future__ import annotations

import math

import pandas as pd

from samenleven_analysis.analysis import authorities

MUNIS = pd.DataFrame(
    {
        "refnis": ["11001", "11002", "21001"],
        "name_nl": ["Aa", "Bb", "Cc"],
        "region": ["02000", "02000", "04000"],
    }
)
COUNTS = pd.DataFrame(
    {
        "year": [2022] * 3,
        "refnis": ["11001", "11002", "21001"],
        "count": [9000, 100, 20000],
        "total": [50000, 1000, 90000],
    }
)


def test_trend_window_is_the_mean_of_the_first_and_last_year():
    frame = pd.DataFrame(
        {"refnis": ["a", "a", "a", "b"], "year": [2015, 2020, 2020, 2020], "value": [1, 2, 4, 5]}
    )
    first, last, wide = authorities.trend_window(frame, "refnis", years=5)
    assert (first, last) == (2015, 2020)
    assert wide.loc["a", 2020] == 3 and wide.loc["a", 2015] == 1


def test_applicant_table_keeps_the_region_names_cohorts_and_trend():
    outcomes = pd.DataFrame(
        {
            "refnis": ["11001", "11001"],
            "year": [2018, 2023],
            "outcome": [authorities.KEY_OUTCOME] * 2,
            "value": [60.0, 63.5],
        }
    )
    treatment = pd.DataFrame({"refnis": ["11001"], "cohort": [2023.0]})
    table = authorities.applicant_table(
        COUNTS,
        MUNIS,
        threshold=7500,
        definition="non_eu14",
        year=2022,
        treatment=treatment,
        outcomes=outcomes,
    ).set_index("applicant")
    assert list(table.index) == ["11001", "11002"]  # Brussels is not in the region
    assert table.loc["11001", "eligible"] and not table.loc["11002", "eligible"]
    assert table.loc["11002", "name"] == "Bb"
    assert table.loc["11001", "cohort"] == 2023 and math.isnan(table.loc["11002", "cohort"])
    assert table.loc["11001", "outcome_change"] == 3.5
    assert table.loc["11001", "outcome_from"] == 2018
    assert math.isnan(table.loc["11002", "outcome_change"])
    assert authorities.region_members(MUNIS) == ["11001", "11002"]
