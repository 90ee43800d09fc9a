"""Statbel readers: population (both layouts, zip/txt/xlsx), REFNIS list, fiscal income."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import strategies as st

from samenleven_analysis.data import statbel

OLD = [
    "CD_MUNTY_REFNIS",
    "TX_MUNTY_DESCR_NL",
    "TX_MUNTY_DESCR_FR",
    "CD_DSTR_REFNIS",
    "TX_ADM_DSTR_DESCR_NL",
    "TX_ADM_DSTR_DESCR_FR",
    "CD_PROV_REFNIS",
    "TX_PROV_DESCR_NL",
    "TX_PROV_DESCR_FR",
    "CD_RGN_REFNIS",
    "TX_RGN_DESCR_NL",
    "TX_RGN_DESCR_FR",
    "CD_SEX",
    "CD_NATLTY",
    "TX_NATLTY_FR",
    "TX_NATLTY_NL",
    "CD_CIV_STS",
    "TX_CIV_STS_FR",
    "TX_CIV_STS_NL",
    "CD_AGE",
    "MS_POPULATION",
    "CD_YEAR",
]
NEW = [
    "CD_REFNIS",
    "TX_DESCR_NL",
    "TX_DESCR_FR",
    "CD_DSTR_REFNIS",
    "TX_ADM_DSTR_DESCR_NL",
    "TX_ADM_DSTR_DESCR_FR",
    "CD_PROV_REFNIS",
    "TX_PROV_DESCR_NL",
    "TX_PROV_DESCR_FR",
    "CD_RGN_REFNIS",
    "TX_RGN_DESCR_NL",
    "TX_RGN_DESCR_FR",
    "CD_SEX",
    "CD_NATLTY",
    "TX_NATLTY_NL",
    "TX_NATLTY_FR",
    "CD_CIV_STS",
    "TX_CIV_STS_NL",
    "TX_CIV_STS_FR",
    "CD_AGE",
    "MS_POPULATION",
]
NAMES = {"11001": "Aartselaar", "11002": "Antwerpen", "21001": "Anderlecht", "1001": "Nulgem"}

# (code, sex, nationality, civil status, age, count)
ROWS = [
    ("11002", "M", "BEL", "10", 0, 5),
    ("11002", "M", "BEL", "20", 30, 7),
    ("11002", "M", "BEL", "10", 30, 3),  # same key as above but civil status: summed
    ("11002", "F", "ETR", "30", 80, 2),
    ("11001", "F", "BEL", "20", 45, 11),
    ("21001", "M", "ETR", "10", 5, 4),
]


def pop_lines(rows, layout="new", year=2016, sep="|"):
    header = NEW if layout == "new" else OLD
    lines = [sep.join(header)]
    for code, sex, nat, civ, age, count in rows:
        values = {c: "x" for c in header}
        name = NAMES.get(str(code).lstrip("0"), "Naam") if str(code).strip() else "Naam"
        values.update(
            {
                header[0]: str(code),
                header[1]: name,
                header[2]: name,
                "CD_DSTR_REFNIS": "11000",
                "CD_PROV_REFNIS": "10000",
                "CD_RGN_REFNIS": "2000",
                "CD_SEX": sex,
                "CD_NATLTY": nat,
                "CD_CIV_STS": civ,
                "CD_AGE": str(age),
                "MS_POPULATION": str(count),
            }
        )
        if layout == "old":
            values["CD_YEAR"] = str(year)
        lines.append(sep.join(values[c] for c in header))
    return lines


def _bad(lines, line, column, value):
    """Set ``column`` on physical line ``line`` (1-based; the header is line 1)."""
    header = lines[0].split("|")
    fields = lines[line - 1].split("|")
    fields[header.index(column)] = value
    lines[line - 1] = "|".join(fields)
    return lines


BAD_CASES = {
    # name: (make lines, expected row, expected column, message fragment)
    "wrong delimiter": (lambda: pop_lines(ROWS, sep=";"), 1, None, "no '|'"),
    "missing column": (
        lambda: (
            [";".join([]) or "|".join(c for c in NEW if c != "MS_POPULATION")]
            + ["|".join(f.split("|")[:-1]) for f in pop_lines(ROWS)[1:]]
        ),
        1,
        "MS_POPULATION",
        "missing column",
    ),
    "unknown code": (
        lambda: _bad(pop_lines(ROWS), 4, "CD_REFNIS", "99999"),
        4,
        "CD_REFNIS",
        "unknown",
    ),
    "malformed code": (
        lambda: _bad(pop_lines(ROWS), 3, "CD_REFNIS", "11O02"),
        3,
        "CD_REFNIS",
        "not a municipality",
    ),
    "duplicate key": (lambda: pop_lines(ROWS + [ROWS[1]]), 8, "CD_REFNIS", "duplicate key"),
    "negative count": (
        lambda: _bad(pop_lines(ROWS), 5, "MS_POPULATION", "-3"),
        5,
        "MS_POPULATION",
        "negative",
    ),
    "non-numeric count": (
        lambda: _bad(pop_lines(ROWS), 6, "MS_POPULATION", "12a"),
        6,
        "MS_POPULATION",
        "non-numeric",
    ),
    "missing count": (
        lambda: _bad(pop_lines(ROWS), 2, "MS_POPULATION", ""),
        2,
        "MS_POPULATION",
        "missing",
    ),
    "bad sex": (lambda: _bad(pop_lines(ROWS), 7, "CD_SEX", "X"), 7, "CD_SEX", "unexpected value"),
    "short line": (
        lambda: pop_lines(ROWS)[:3] + ["11002|Antwerpen|M"] + pop_lines(ROWS)[3:],
        4,
        None,
        "fields",
    ),
}


cell = st.tuples(
    st.sampled_from(["11001", "11002", "21001", "44021"]),
    st.sampled_from(["M", "F"]),
    st.sampled_from(["BEL", "ETR"]),
    st.sampled_from(["10", "20", "30", "40"]),
    st.integers(0, 110),
    st.integers(0, 5000),
)


REFNIS_TEXT = (
    "LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|DT_VLDT_START|DT_VLDT_END\r\n"
    "1|02000|-|Flämische Region|Région flamande|Vlaams Gewest|01/01/1970|31/12/9999\r\n"
    "2|10000|02000|Provinz Antwerpen|Province d'Anvers|Provincie Antwerpen|01/01/1970|31/12/9999\r\n"
    "3|11000|10000|Bezirk Antwerpen|Arrondissement d'Anvers|Arrondissement Antwerpen|01/01/1970|31/12/9999\r\n"
    "4|11001|11000|Aartselaar|Aartselaar|Aartselaar|01/01/1970|31/12/9999\r\n"
    "4|11007|11000|Borsbeek|Borsbeek|Borsbeek|01/01/1970|31/12/2024\r\n"
)


REAL_TOTALS = {
    2009: 10_753_080,
    2010: 10_839_905,
    2011: 10_951_266,
    2012: 11_035_948,
    2013: 11_099_554,
    2014: 11_150_516,
    2015: 11_209_044,
}


@pytest.mark.realdata
def test_real_population_2015_reader(real_data_dir):
    from samenleven_analysis.data import catalog

    path = catalog.locate("population_2015", data_dir=real_data_dir).path
    frame, names = statbel.read_population(path, with_names=True)
    assert frame.population.sum() == REAL_TOTALS[2015]
    assert frame.refnis.nunique() == 589 and len(names) == 589
    assert frame.refnis.str.len().eq(5).all()


@pytest.mark.realdata
def test_real_refnis_and_income(real_data_dir):
    from samenleven_analysis.data import catalog

    ref = statbel.read_refnis(catalog.locate("refnis", data_dir=real_data_dir).path)
    assert len(ref) == 2769
    munis = ref[ref.level == 4]
    assert (munis.valid_to == pd.Timestamp("2018-12-31")).sum() == 26
    assert (munis.valid_from == pd.Timestamp("2019-01-01")).sum() == 18
    assert (munis.valid_to == pd.Timestamp("9999-12-31")).sum() == 581
    inc = statbel.read_income(catalog.locate("income", data_dir=real_data_dir).path)
    assert len(inc) == 9296 and inc.year.min() == 2005 and inc.year.max() == 2020
    assert inc.groupby("year").refnis.nunique().eq(581).all()
