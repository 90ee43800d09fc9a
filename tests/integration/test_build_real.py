"""``samenleven build``: tables, provenance, cache hits, atomic/validated writes, demo rules."""

from __future__ import annotations

import json
import shutil

import pytest
from _build_files import _rewrite, _set, hashes
from _statbel_files import REAL_TOTALS

from samenleven_analysis.data import build, statbel
from samenleven_analysis.data import municipalities as mu
from samenleven_analysis.errors import DataError, DataUnavailable


def test_no_data_falls_back_to_demo_loudly(demo_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    monkeypatch.setenv("SAMENLEVEN_PROCESSED_DIR", str(tmp_path / "processed"))
    with pytest.raises(DataUnavailable, match="--demo"):
        build.build(2025, demo=False, tables=["municipalities"])
    with pytest.warns(build.DemoDataWarning, match="DEMO DATA"):
        result = build.build(2025, tables=["municipalities"])
    assert result.demo and result.out_dir == tmp_path / "processed" / "demo"
    frame, prov = build.load("municipalities", result.out_dir)
    assert len(frame) == 59 and prov["demo"] and any("DEMO DATA" in n for n in prov["notes"])


@pytest.mark.realdata
def test_real_build_totals_vintage_and_regions(real_build):
    result, _, data_dir = real_build
    assert not result.demo and {"population_nationality", "municipalities", "income"} <= set(
        result.tables
    )
    pop, prov = build.load("population_nationality", result.out_dir)
    assert prov["years"] == list(range(2009, 2016)) and not prov["demo"]
    assert pop.groupby("year").population.sum().to_dict() == REAL_TOTALS
    assert pop.groupby("year").refnis.nunique().eq(565).all()
    munis, _ = build.load("municipalities", result.out_dir)
    assert len(munis) == 565 and (munis.region == "02000").sum() == 285
    region = pop.refnis.map(dict(zip(munis.refnis, munis.region, strict=True)))
    p15 = pop[pop.year == 2015]
    # Flanders' non-Belgian residents on 1 Jan 2015 (Statbel): 504,130
    assert (
        p15[(region[p15.index] == "02000") & (p15.nationality == "ETR")].population.sum() == 504_130
    )
    # every region's total is conserved exactly by the 589 → 565 harmonisation
    from samenleven_analysis.data import catalog

    raw = statbel.read_population(catalog.locate("population_2015", data_dir=data_dir).path)
    t18 = mu.municipality_table(2018, catalog.locate("refnis", data_dir=data_dir).path)
    raw_regions = raw.groupby(
        raw.refnis.map(dict(zip(t18.refnis, t18.region, strict=True)))
    ).population.sum()
    assert p15.groupby(region[p15.index]).population.sum().to_dict() == raw_regions.to_dict()


@pytest.mark.realdata
def test_real_rerun_is_cache_hit_byte_identical(real_build):
    result, again, data_dir = real_build
    assert again.cache_hit and not result.cache_hit
    before = hashes(result.out_dir)
    third = build.build(2025, data_dir=data_dir, out=result.out_dir, demo=False, offline=True)
    assert third.cache_hit and hashes(result.out_dir) == before
    inc, prov = build.load("income", result.out_dir)
    assert prov["years"] == list(range(2005, 2021)) and inc.refnis.nunique() == 565
    for name in result.tables:
        prov = json.loads((result.out_dir / f"{name}.provenance.json").read_text())
        assert all(not i["demo"] for i in prov["inputs"])


@pytest.mark.realdata
def test_real_vintage_2018_skips_income_and_still_hits_cache(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path / "raw"))
    kw = dict(
        data_dir=real_data_dir,
        out=tmp_path / "out",
        demo=False,
        years=[2015],
        tables=["municipalities", "income"],
    )
    first = build.build(2018, **kw)
    assert set(first.tables) == {"municipalities"}  # income is on the 581 list: not splittable
    assert any("income not built" in n for n in first.notes)
    munis, _ = build.load("municipalities", first.out_dir)
    assert len(munis) == 589 and (munis.region == "02000").sum() == 308
    with pytest.raises(DataUnavailable, match="not built"):
        build.load("income", first.out_dir)
    assert build.build(2018, **kw).cache_hit


@pytest.mark.realdata
def test_real_bad_file_writes_nothing(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path / "raw"))
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    original = next(real_data_dir.rglob("TF_SOC_POP_STRUCT_2015.zip"))
    target = mirror / original.name
    shutil.copy(original, target)
    _rewrite(target, _set(1000, "MS_POPULATION", "-1"))
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=tmp_path / "out", demo=False, years=[2015])
    assert (err.value.row, err.value.column) == (1000, "MS_POPULATION")
    assert "TF_SOC_POP_STRUCT_2015" in err.value.file
    target.write_bytes(original.read_bytes()[:1_000_000])
    with pytest.raises(DataError, match="truncated or corrupt zip"):
        build.build(2025, data_dir=mirror, out=tmp_path / "out", demo=False, years=[2015])
    assert not (tmp_path / "out").exists()
