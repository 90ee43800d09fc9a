"""Test inputs shared by tests/unit/data/test_statbel.py and the real-mirror tests."""

from __future__ import annotations

from samenleven_analysis.data.demo import POPULATION_COLUMNS


def _bad(lines, line, column, value):
    """Set ``column`` on physical line ``line`` (1-based; the header is line 1)."""
    header = lines[0].split("|")
    fields = lines[line - 1].split("|")
    fields[header.index(column)] = value
    lines[line - 1] = "|".join(fields)
    return lines


NEW = list(POPULATION_COLUMNS)
"""The 2016+ layout: the one the Demoland writer (:mod:`samenleven_analysis.data.demo`) writes."""

_OLD_NAMES = {
    "CD_REFNIS": "CD_MUNTY_REFNIS",
    "TX_DESCR_NL": "TX_MUNTY_DESCR_NL",
    "TX_DESCR_FR": "TX_MUNTY_DESCR_FR",
    # the 2009-2015 files put the French description of nationality and civil status first
    "TX_NATLTY_NL": "TX_NATLTY_FR",
    "TX_NATLTY_FR": "TX_NATLTY_NL",
    "TX_CIV_STS_NL": "TX_CIV_STS_FR",
    "TX_CIV_STS_FR": "TX_CIV_STS_NL",
}

OLD = [_OLD_NAMES.get(c, c) for c in NEW] + ["CD_YEAR"]
"""The 2009-2015 layout: municipality columns named ``*MUNTY*``, and a closing ``CD_YEAR``."""


REAL_TOTALS = {
    2009: 10_753_080,
    2010: 10_839_905,
    2011: 10_951_266,
    2012: 11_035_948,
    2013: 11_099_554,
    2014: 11_150_516,
    2015: 11_209_044,
}
"""Belgium's population on 1 January per year, as the real Statbel files add up."""


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
