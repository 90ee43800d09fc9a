"""Outcome panel readers, the analysis frame, and fiscal income as an outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import outcomes as oc
from samenleven_analysis.errors import DataError


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_read_outcomes_canonical_and_restores_leading_zeros(tmp_path):
    p = _write(
        tmp_path / "outcomes.csv",
        "refnis,year,outcome,value\n1002,2021,employment_rate,60.5\n01002,2022,employment_rate,\n44021,2022,employment_rate,58\n",
    )
    out = oc.read_outcomes(p)
    assert list(out.columns) == ["refnis", "year", "outcome", "value"]
    assert out.refnis.tolist() == ["01002", "01002", "44021"]
    assert out.year.dtype == np.int64 and out.value.dtype == np.float64
    assert np.isnan(out.value.iloc[1])  # missing values are allowed, not invented


def test_read_outcomes_errors_name_file_row_and_column(tmp_path):
    p = _write(tmp_path / "bad.csv", "refnis,year,outcome,value\n44021,2022,x,1\n44021,20x2,x,2\n")
    with pytest.raises(DataError) as err:
        oc.read_outcomes(p)
    assert err.value.file == "bad.csv" and err.value.row == 3 and err.value.column == "year"
    dup = _write(
        tmp_path / "dup.csv", "refnis,year,outcome,value\n44021,2022,x,1\n44021,2022,x,2\n"
    )
    with pytest.raises(DataError, match="dup.csv"):
        oc.read_outcomes(dup)
    nocol = _write(tmp_path / "nocol.csv", "refnis,year,value\n44021,2022,1\n")
    with pytest.raises(DataError) as err:
        oc.read_outcomes(nocol)
    assert err.value.column == "outcome"


def test_read_treatment_cohort_zero_and_booleans(tmp_path):
    p = _write(
        tmp_path / "treatment.csv",
        "applicant,refnis,cohort,intensity_eur_per_resident,eligible\n"
        "11002,11002,2022,55.5,True\nIGS01,96015,2024,,true\n44021,44021,0,,False\n46003,46003,,,0\n",
    )
    t = oc.read_treatment(p)
    assert t.refnis.tolist() == ["11002", "44021", "46003", "96015"]
    assert t.set_index("refnis").cohort.loc[["44021", "46003"]].isna().all()  # 0 and empty = never
    assert t.eligible.tolist() == [True, False, False, True]
    bad = _write(tmp_path / "bad_t.csv", "applicant,refnis,cohort,eligible\n1,11002,2022,maybe\n")
    with pytest.raises(DataError) as err:
        oc.read_treatment(bad)
    assert err.value.column == "eligible" and err.value.row == 2
    wrong_cohort = _write(
        tmp_path / "c.csv", "applicant,refnis,cohort,eligible\n1,11002,2019,True\n"
    )
    with pytest.raises(DataError, match="cohort"):
        oc.read_treatment(wrong_cohort)


@pytest.fixture
def small():
    years = range(2019, 2025)
    rows = [
        (r, y, "emp", float(i * 10 + (y - 2019)))
        for i, r in enumerate(["11002", "44021", "46003"])
        for y in years
    ]
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


def test_panel_columns_and_treatment_timing(small):
    out, treat = small
    p = oc.panel(out, treat, "emp")
    assert {
        "refnis",
        "year",
        "value",
        "cohort",
        "treated",
        "post",
        "d",
        "eligible",
        "applicant",
    } <= set(p.columns)
    assert len(p) == 18
    a = p[p.refnis == "11002"]
    assert a.treated.all() and a.post.tolist() == [False, False, False, True, True, True]
    assert a.d.tolist() == [0, 0, 0, 1, 1, 1]
    never = p[p.refnis == "44021"]
    assert not never.treated.any() and not never.post.any() and never.eligible.all()
    missing = p[p.refnis == "46003"]  # not in the treatment table: never treated, not eligible
    assert (
        missing.cohort.isna().all()
        and not missing.eligible.any()
        and (missing.applicant == "46003").all()
    )


def test_panel_options_and_unknown_outcome(small):
    out, treat = small
    p = oc.panel(
        out,
        treat,
        "emp",
        first_year=2020,
        last_year=2023,
        treatment_year=2021,
        units=["11002", "44021"],
    )
    assert p.year.min() == 2020 and p.year.max() == 2023 and p.refnis.nunique() == 2
    # a common (placebo) timing: post for everyone from 2021, d only for the treated unit
    assert (p.post == (p.year >= 2021)).all()
    assert p.loc[p.refnis == "44021", "d"].sum() == 0 and p.loc[p.refnis == "11002", "d"].sum() == 3
    with pytest.raises(KeyError, match="available"):
        oc.panel(out, treat, "nope")


def test_income_panel_is_income_per_resident():
    income = pd.DataFrame(
        {
            "year": [2019, 2020, 2020, 2020],
            "refnis": ["11002", "11002", "44021", "99999"],
            "residents": [100, 200, 50, 0],
            "net_taxable_income": [1_500_000.0, 3_200_000.0, 900_000.0, 10.0],
        }
    )
    out = oc.income_panel(income)
    assert out.outcome.unique().tolist() == [oc.INCOME_OUTCOME]
    got = out.set_index(["refnis", "year"]).value
    assert got.loc[("11002", 2019)] == 15_000 and got.loc[("11002", 2020)] == 16_000
    assert got.loc[("44021", 2020)] == 18_000
    assert "99999" not in out.refnis.tolist()  # no residents: no ratio
    assert len(oc.income_panel(income, first_year=2020, refnis=["11002"])) == 1
    assert oc.label(oc.INCOME_OUTCOME).startswith("net taxable income")


def test_treatment_from_groups_and_change_frame(small):
    out, _ = small
    t = oc.treatment_from_groups(["11002", "44021", "46003"], ["11002"], 2016)
    assert t.cohort.iloc[0] == 2016 and t.cohort.iloc[1:].isna().all()
    assert t.eligible.tolist() == [True, False, False]
    p = oc.panel(out, t, "emp")
    ch = oc.change_frame(p, (2019, 2020), (2023, 2024))
    assert ch.refnis.tolist() == ["11002", "44021", "46003"]
    row = ch.set_index("refnis").loc["44021"]
    assert row.pre_mean == pytest.approx(10.5) and row.post_mean == pytest.approx(14.5)
    assert row.change == pytest.approx(4.0)
    assert bool(ch.set_index("refnis").loc["11002", "treated"])


def test_applicant_frame_pools_partnership_members(small):
    out, _ = small
    t = oc.treatment_from_groups(["11002", "44021", "46003"], ["11002", "46003"], 2022)
    p = oc.panel(out, t, "emp")
    elig = pd.DataFrame(
        {
            "applicant": ["11002", "IGS01"],
            "members": [["11002"], ["44021", "46003"]],
            "count": [9000, 7000],
            "eligible": [True, False],
            "margin": [1500, -500],
            "total": [50000, 30000],
        }
    )
    df = oc.applicant_frame(p, elig, (2019, 2021), (2022, 2024))
    assert df.applicant.tolist() == ["IGS01", "11002"]  # sorted by count
    igs = df.set_index("applicant").loc["IGS01"]
    assert (
        igs.n_members == 2 and igs.participates == 0.5 and igs.treated == 1 and igs.total == 30000
    )
    # members' means averaged: 44021 (10..15) and 46003 (20..25) -> pre 21-year mean, post 24-year mean
    assert igs.pre_mean == pytest.approx((11 + 21) / 2) and igs.change == pytest.approx(3.0)


def test_with_geography_and_units():
    munis = pd.DataFrame(
        {
            "refnis": ["11002", "21004"],
            "arrondissement": ["11000", "21000"],
            "province": ["10000", None],
            "region": ["02000", "04000"],
        }
    )
    frame = pd.DataFrame({"refnis": ["11002", "21004", "99999"], "value": [1.0, 2.0, 3.0]})
    out = oc.with_geography(frame, munis)
    assert out.arrondissement.tolist()[:2] == ["11000", "21000"]
    assert out.province.tolist()[1] == "04000"  # Brussels: no province, region used as cluster
    assert pd.isna(out.arrondissement.iloc[2])
    assert oc.unit("employment_rate") == "percentage points" and oc.unit("nope") == ""


def test_demo_files_round_trip(demo_dir):
    from samenleven_analysis.data import demo

    out = oc.read_outcomes(demo_dir / "outcomes.csv")
    treat = oc.read_treatment(demo_dir / "treatment.csv")
    assert set(out.outcome) == set(demo.PLANTED_EFFECTS)
    assert set(oc.PLACEBO_OUTCOMES) <= set(out.outcome)
    p = oc.panel(out, treat, "employment_rate")
    assert p.refnis.nunique() == out.refnis.nunique()
    assert set(p.loc[p.treated, "cohort"].unique()) <= {2022.0, 2023.0, 2024.0}
    # planted effect visible in raw means: treated units' post-minus-pre change exceeds controls'
    ch = oc.change_frame(p, (2015, 2020), (2024, 2025))
    gap = ch[ch.treated].change.mean() - ch[~ch.treated].change.mean()
    assert gap == pytest.approx(demo.PLANTED_EFFECTS["employment_rate"], abs=0.5)
