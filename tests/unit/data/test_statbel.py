"""Statbel readers: population (both layouts, zip/txt/xlsx), REFNIS list, fiscal income."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _statbel_files import BAD_CASES, OLD, ROWS, _bad, pop_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samenleven_analysis.data import codes, statbel
from samenleven_analysis.errors import DataError


def write_pop(
    folder: Path,
    rows=ROWS,
    *,
    layout="new",
    year=2016,
    kind="zip",
    bom=False,
    crlf=True,
    sep="|",
    lines=None,
    name=None,
) -> Path:
    lines = lines if lines is not None else pop_lines(rows, layout, year, sep)
    nl = "\r\n" if crlf else "\n"
    data = (nl.join(lines) + nl).encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    stem = name or f"TF_SOC_POP_STRUCT_{year}"
    if kind == "zip":
        path = folder / f"{stem}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{stem}.txt", data)
    else:
        path = folder / f"{stem}.txt"
        path.write_bytes(data)
    return path


def expected_frame(rows, year):
    df = pd.DataFrame(rows, columns=["refnis", "sex", "nationality", "civ", "age", "population"])
    df["refnis"] = df["refnis"].astype(str).str.strip().str.zfill(5)
    out = df.groupby(["refnis", "sex", "nationality", "age"], as_index=False)["population"].sum()
    out.insert(0, "year", year)
    return out.sort_values(["refnis", "sex", "nationality", "age"], ignore_index=True)


def assert_same(got: pd.DataFrame, want: pd.DataFrame):
    assert list(got.columns) == list(statbel.POPULATION_COLUMNS)
    assert (
        got[["year", "refnis", "sex", "nationality", "age", "population"]]
        .astype({"refnis": object, "sex": object, "nationality": object})
        .values.tolist()
        == want[["year", "refnis", "sex", "nationality", "age", "population"]].values.tolist()
    )


# ----------------------------------------------------------------------------- layouts
def test_new_layout_zip_year_from_file_name_and_civil_status_summed(tmp_path):
    path = write_pop(tmp_path, layout="new", year=2017)
    got = statbel.read_population(path)
    assert_same(got, expected_frame(ROWS, 2017))
    assert got.loc[(got.refnis == "11002") & (got.age == 30), "population"].item() == 10
    assert got["year"].dtype == np.int64 and got["population"].dtype == np.int64
    assert got["age"].dtype == np.int64 and pd.api.types.is_string_dtype(got["refnis"])


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("crlf", [False, True])
def test_old_layout_bare_txt_with_or_without_bom(tmp_path, bom, crlf):
    path = write_pop(
        tmp_path, layout="old", year=2012, kind="txt", bom=bom, crlf=crlf, name="population_export"
    )  # no year in the name: CD_YEAR decides
    got = statbel.read_population(path)
    assert_same(got, expected_frame(ROWS, 2012))


def test_codes_normalised_to_five_digits(tmp_path):
    rows = [("1001", "F", "BEL", "10", 1, 3), ("  11001", "M", "BEL", "10", 2, 1)]
    got = statbel.read_population(write_pop(tmp_path, rows))
    assert sorted(got.refnis) == ["01001", "11001"]
    assert codes.normalise_refnis([2000, "4000", 11002.0]).tolist() == ["02000", "04000", "11002"]
    with pytest.raises(ValueError, match="not a REFNIS code"):
        codes.normalise_refnis(["12x45"])


def test_xlsx_edition(tmp_path):
    lines = pop_lines(ROWS, "old", 2014)
    frame = pd.DataFrame([ln.split("|") for ln in lines[1:]], columns=OLD)
    for col in ("CD_MUNTY_REFNIS", "CD_AGE", "MS_POPULATION", "CD_YEAR", "CD_CIV_STS"):
        frame[col] = pd.to_numeric(frame[col])  # spreadsheets hold numbers, not text
    path = tmp_path / "TF_SOC_POP_STRUCT_2014.xlsx"
    frame.to_excel(path, index=False)
    assert_same(statbel.read_population(path), expected_frame(ROWS, 2014))
    # a bad count in a spreadsheet names the sheet row
    frame["MS_POPULATION"] = frame["MS_POPULATION"].astype(object)
    frame.loc[3, "MS_POPULATION"] = "veel"
    frame.to_excel(path, index=False)
    with pytest.raises(DataError) as err:
        statbel.read_population(path)
    assert (err.value.row, err.value.column) == (5, "MS_POPULATION")


def test_codes_check_and_recode_and_names(tmp_path):
    path = write_pop(tmp_path, year=2025)
    got, names = statbel.read_population(
        path, codes={"11001", "11002", "21001"}, recode={"11001": "11002"}, with_names=True
    )
    assert set(got.refnis) == {"11002", "21001"}
    assert got.population.sum() == sum(r[5] for r in ROWS)
    # 11001 F BEL 45 lands on 11002 F BEL 45
    assert (
        got.loc[(got.refnis == "11002") & (got.sex == "F") & (got.age == 45), "population"].item()
        == 11
    )
    assert names.set_index("refnis").loc["11002", "name_nl"] == "Antwerpen"


def test_year_contradiction_and_missing_year(tmp_path):
    path = write_pop(tmp_path, layout="old", year=2012, name="TF_SOC_POP_STRUCT_2013")
    with pytest.raises(DataError, match="contradictory years"):
        statbel.read_population(path)
    path = write_pop(tmp_path, layout="new", name="population")
    with pytest.raises(DataError, match="cannot tell the year"):
        statbel.read_population(path)
    assert statbel.read_population(path, year=2020)["year"].eq(2020).all()


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("case", sorted(BAD_CASES))
@pytest.mark.parametrize("kind", ["zip", "txt"])
def test_bad_input_names_file_row_and_column(tmp_path, case, kind):
    make, row, column, fragment = BAD_CASES[case]
    path = write_pop(tmp_path, lines=make(), kind=kind, year=2016)
    with pytest.raises(DataError) as err:
        statbel.read_population(path, codes={"11001", "11002", "21001"})
    e = err.value
    assert path.name in e.file
    assert e.row == row
    if column is not None:
        assert e.column == column
    assert fragment in str(e)
    assert f"row {row}" in str(e)


def test_row_numbers_count_blank_lines(tmp_path):
    lines = pop_lines(ROWS)
    lines.insert(2, "")  # a blank physical line 3: pyarrow skips it, line numbers must not
    lines = _bad(lines, 6, "MS_POPULATION", "-1")
    with pytest.raises(DataError) as err:
        statbel.read_population(write_pop(tmp_path, lines=lines))
    assert err.value.row == 6


def test_truncated_and_corrupt_zip(tmp_path):
    good = write_pop(tmp_path, year=2016)
    data = good.read_bytes()
    truncated = tmp_path / "TF_SOC_POP_STRUCT_2017.zip"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated or corrupt zip") as err:
        statbel.read_population(truncated)
    assert err.value.file == str(truncated)
    # central directory intact, compressed data damaged → CRC/inflate error
    rows = ROWS * 1
    big = write_pop(
        tmp_path, [(r[0], r[1], r[2], r[3], a, r[5]) for a in range(60) for r in rows], year=2018
    )
    raw = bytearray(big.read_bytes())
    mid = 60
    raw[mid : mid + 40] = bytes(40)
    big.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="truncated or corrupt zip") as err:
        statbel.read_population(big)
    assert big.name in err.value.file


def test_zip_must_hold_one_text_member(tmp_path):
    path = tmp_path / "TF_SOC_POP_STRUCT_2016.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.txt", "x")
        zf.writestr("b.txt", "y")
    with pytest.raises(DataError, match="one .txt member"):
        statbel.read_population(path)


# ----------------------------------------------------------------------------- property
cell = st.tuples(
    st.sampled_from(["11001", "11002", "21001", "44021"]),
    st.sampled_from(["M", "F"]),
    st.sampled_from(["BEL", "ETR"]),
    st.sampled_from(["10", "20", "30", "40"]),
    st.integers(0, 110),
    st.integers(0, 5000),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(cell, min_size=1, max_size=60, unique_by=lambda c: c[:5]))
def test_sum_over_civil_status_matches_pandas(tmp_path, cells):
    """Whatever the cells, the packed-key aggregation equals a plain pandas group-by."""
    path = write_pop(tmp_path, cells, year=2019, name="TF_SOC_POP_STRUCT_2019")
    got = statbel.read_population(path)
    assert_same(got, expected_frame(cells, 2019))


# ----------------------------------------------------------------------------- REFNIS list
REFNIS_TEXT = (
    "LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|DT_VLDT_START|DT_VLDT_END\r\n"
    "1|02000|-|Flämische Region|Région flamande|Vlaams Gewest|01/01/1970|31/12/9999\r\n"
    "2|10000|02000|Provinz Antwerpen|Province d'Anvers|Provincie Antwerpen|01/01/1970|31/12/9999\r\n"
    "3|11000|10000|Bezirk Antwerpen|Arrondissement d'Anvers|Arrondissement Antwerpen|01/01/1970|31/12/9999\r\n"
    "4|11001|11000|Aartselaar|Aartselaar|Aartselaar|01/01/1970|31/12/9999\r\n"
    "4|11007|11000|Borsbeek|Borsbeek|Borsbeek|01/01/1970|31/12/2024\r\n"
)


def test_read_refnis_bom_crlf_dates(tmp_path):
    path = tmp_path / "TU_COM_REFNIS.txt"
    path.write_bytes(b"\xef\xbb\xbf" + REFNIS_TEXT.encode())
    ref = statbel.read_refnis(path)
    assert list(ref.columns) == [
        "level",
        "refnis",
        "parent",
        "name_de",
        "name_fr",
        "name_nl",
        "valid_from",
        "valid_to",
    ]
    assert ref.level.tolist() == [1, 2, 3, 4, 4]
    assert pd.isna(ref.parent.iloc[0]) and ref.parent.iloc[3] == "11000"
    assert ref.valid_to.iloc[0] == pd.Timestamp("9999-12-31")
    assert ref.valid_to.iloc[4] == pd.Timestamp("2024-12-31")
    assert ref.name_de.iloc[0] == "Flämische Region"


def test_read_refnis_bad_date_and_delimiter(tmp_path):
    path = tmp_path / "TU_COM_REFNIS.txt"
    path.write_text(REFNIS_TEXT.replace("31/12/2024", "2024-12-31"), encoding="utf-8-sig")
    with pytest.raises(DataError) as err:
        statbel.read_refnis(path)
    assert (err.value.row, err.value.column) == (6, "DT_VLDT_END")
    path.write_text(REFNIS_TEXT.replace("|", ";"), encoding="utf-8-sig")
    with pytest.raises(DataError, match="no '\\|'"):
        statbel.read_refnis(path)


# ----------------------------------------------------------------------------- income
def _income_frame():
    return pd.DataFrame(
        {
            "CD_YEAR": [2019, 2019, 2020],
            "CD_MUNTY_REFNIS": [11001, 21001, 11001],
            "MS_NBR_NON_ZERO_INC": [8000, 60000, 8100],
            "MS_TOT_NET_TAXABLE_INC": [2.6e8, 1.0e9, 2.7e8],
            "MS_TOT_RESIDENTS": [14000, 120000, 0],
            "TX_MUNTY_DESCR_NL": ["Aartselaar", "Anderlecht", "Aartselaar"],
        }
    )


def test_read_income(tmp_path):
    path = tmp_path / "TF_PSNL_INC_TAX_MUNTY.xlsx"
    _income_frame().to_excel(path, index=False)
    inc = statbel.read_income(path)
    assert list(inc.columns) == [
        "year",
        "refnis",
        "residents",
        "net_taxable_income",
        "taxpayers",
        "income_per_resident",
    ]
    assert inc.refnis.tolist() == ["11001", "21001", "11001"]
    assert inc.income_per_resident.iloc[0] == pytest.approx(2.6e8 / 14000)
    assert np.isnan(inc.income_per_resident.iloc[2])  # no residents → undefined, not inf


def test_read_income_errors(tmp_path):
    path = tmp_path / "TF_PSNL_INC_TAX_MUNTY.xlsx"
    bad = _income_frame().astype({"MS_TOT_RESIDENTS": object})
    bad.loc[1, "MS_TOT_RESIDENTS"] = "n/a"
    bad.to_excel(path, index=False)
    with pytest.raises(DataError) as err:
        statbel.read_income(path)
    assert (err.value.row, err.value.column) == (3, "MS_TOT_RESIDENTS")
    dup = pd.concat([_income_frame(), _income_frame().iloc[[0]]], ignore_index=True)
    dup.to_excel(path, index=False)
    with pytest.raises(DataError, match="duplicate") as err:
        statbel.read_income(path)
    assert err.value.row == 5
    _income_frame().drop(columns="MS_TOT_RESIDENTS").to_excel(path, index=False)
    with pytest.raises(DataError) as err:
        statbel.read_income(path)
    assert err.value.column == "MS_TOT_RESIDENTS"


# ----------------------------------------------------------------------------- demo + real
def test_demo_population_files(demo_dir):
    got = statbel.read_population(demo_dir / "TF_SOC_POP_STRUCT_2022.zip")
    assert got.refnis.nunique() == 60 and got["year"].eq(2022).all()
    assert set(got.nationality) == {"BEL", "ETR"} and (got.population > 0).all()
    assert not got.duplicated(["refnis", "sex", "nationality", "age"]).any()
    ref = statbel.read_refnis(demo_dir / "TU_COM_REFNIS.txt")
    assert {"02000", "04000"} <= set(ref.refnis[ref.level == 1])


# ----------------------------------------------------------------------------- stray quotes
def _many_rows(n_codes=40):
    """Enough rows that a swallowed stretch would be visible (every code, both sexes)."""
    return [
        (f"{11000 + c:05d}", sex, "BEL", "10", age, 3)
        for c in range(1, n_codes + 1)
        for sex in ("M", "F")
        for age in (0, 40, 80)
    ]


@pytest.mark.parametrize("layout", ["new", "old"])
@pytest.mark.parametrize("kind", ["zip", "txt"])
def test_a_stray_quote_in_a_name_loses_no_rows(tmp_path, layout, kind):
    # Statbel's pipe files are not quoted: a name starting with '"' is just a name. With
    # pyarrow's default quote handling it opened a quoted field that swallowed lines up to the
    # next '"' (2014: 24,806 of 29,674 rows kept, exit 0).
    rows = _many_rows()
    lines = pop_lines(rows, layout=layout, year=2014)
    name_col = "TX_DESCR_NL" if layout == "new" else "TX_MUNTY_DESCR_NL"
    lines = _bad(lines, 3, name_col, '"Anthisnes')
    lines = _bad(lines, 200, name_col, 'Ant"hisnes"')
    path = write_pop(tmp_path, lines=lines, layout=layout, year=2014, kind=kind)
    got, names = statbel.read_population(path, with_names=True)
    assert len(got) == len(expected_frame(rows, 2014))
    assert got.population.sum() == 3 * len(rows)
    assert '"Anthisnes' in set(names.name_nl)


@pytest.mark.parametrize("kind", ["zip", "txt"])
def test_a_stray_quote_and_pipe_in_a_name_is_an_error_naming_the_line(tmp_path, kind):
    lines = _bad(pop_lines(_many_rows()), 5, "TX_DESCR_NL", '"Ant|hisnes')
    path = write_pop(tmp_path, lines=lines, kind=kind)
    with pytest.raises(DataError) as err:
        statbel.read_population(path)
    assert (err.value.row, err.value.column) == (5, "MS_POPULATION")
    assert path.name in err.value.file and "fields" in str(err.value)


def test_rows_read_are_checked_against_the_line_count(tmp_path, monkeypatch):
    # A parser that silently drops a line (whatever the cause) is caught by the line count.
    path = write_pop(tmp_path, rows=_many_rows())
    real = statbel.pacsv.read_csv

    def lossy(*args, **kwargs):
        table = real(*args, **kwargs)
        return table.slice(0, table.num_rows - 1)

    monkeypatch.setattr(statbel.pacsv, "read_csv", lossy)
    with pytest.raises(DataError, match="line count") as err:
        statbel.read_population(path)
    assert path.name in err.value.file


def test_refnis_and_income_text_with_a_stray_quote_lose_no_rows(tmp_path):
    path = tmp_path / "TU_COM_REFNIS.txt"
    text = REFNIS_TEXT.replace("|Aartselaar|", '|"Aartselaar|', 1).replace(
        "|Borsbeek|", '|Bors"beek|', 1
    )
    path.write_text(text, encoding="utf-8-sig")
    ref = statbel.read_refnis(path)
    assert len(ref) == 5 and ref.name_de.iloc[3] == '"Aartselaar'
    inc = tmp_path / "income.txt"
    frame = _income_frame()
    frame.loc[0, "TX_MUNTY_DESCR_NL"] = '"Aartselaar'
    frame.to_csv(inc, sep="|", index=False, quoting=3)
    assert len(statbel.read_income(inc)) == 3


# ----------------------------------------------------------------------------- zip bombs
def test_limits_fit_the_real_files_with_headroom():
    # Largest real member: TF_SOC_POP_STRUCT_2015.txt, 102,681,933 bytes, 37.9x compressed.
    assert statbel.MAX_UNCOMPRESSED_BYTES >= 4 * 102_681_933
    assert statbel.MAX_COMPRESSION_RATIO >= 4 * 38


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    # Real-shaped but absurdly repetitive: one population line repeated 200,000 times
    # (~30 MB inflating from a few tens of KB) — refused before anything is inflated.
    lines = pop_lines(ROWS[:1])
    path = tmp_path / "TF_SOC_POP_STRUCT_2016.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr(path.stem + ".txt", "\r\n".join([lines[0]] + [lines[1]] * 200_000))
    with pytest.raises(DataError, match="zip bomb") as err:
        statbel.read_population(path)
    assert path.name in err.value.file and "expands" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_declared_size_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    path = write_pop(tmp_path, rows=ROWS)
    monkeypatch.setattr(statbel, "MAX_UNCOMPRESSED_BYTES", 500)
    with pytest.raises(DataError, match="declares .* bytes uncompressed") as err:
        statbel.read_population(path)
    assert path.name in err.value.file


def test_a_member_that_inflates_beyond_its_declared_size_is_stopped(tmp_path, monkeypatch):
    # A forged header can understate the size: the stream itself stops at the cap.
    path = write_pop(tmp_path, rows=_many_rows())
    monkeypatch.setattr(statbel, "check_zip_sizes", lambda zf, path: None)
    monkeypatch.setattr(statbel, "MAX_UNCOMPRESSED_BYTES", 4000)
    with pytest.raises(DataError, match="expands to more than 4,000 bytes") as err:
        statbel.read_population(path)
    assert path.name in err.value.file


def test_bare_text_and_xlsx_beyond_the_limit_are_refused(tmp_path, monkeypatch):
    txt = write_pop(tmp_path, rows=ROWS, kind="txt")
    xlsx = tmp_path / "TF_PSNL_INC_TAX_MUNTY.xlsx"
    _income_frame().to_excel(xlsx, index=False)
    monkeypatch.setattr(statbel, "MAX_UNCOMPRESSED_BYTES", 500)
    with pytest.raises(DataError, match="more than the 500 bytes"):
        statbel.read_population(txt)
    with pytest.raises(DataError, match="more than the 500 bytes") as err:
        statbel.read_income(xlsx)
    assert xlsx.name in err.value.file
