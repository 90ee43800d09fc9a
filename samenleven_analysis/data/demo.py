"""Demoland: a fictional region, generated deterministically, written in the real file layouts.

Everything here is invented: codes (94xxx–99xxx, which no real REFNIS code uses), names,
people, money and outcomes. Demoland lets every notebook run offline and lets tests know the
truth (a planted treatment effect). Any output made from it must say DEMO.

Layout facts (``docs/architecture.md``): region ``02000`` "Demoland-Noord" stands in for
Flanders and ``04000`` "Demoland-Hoofdstad" for Brussels; 60 municipalities up to 2024, and on
1 January 2025 ``97011`` + ``97012`` merge into ``97021`` (59). Years 2012–2025.

``write_demo(out_dir, seed)`` writes the files; the same seed gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from samenleven_analysis.data.codes import REGION_CODES
from samenleven_analysis.data.files import CANONICAL_FILES, DEMO_MARKER
from samenleven_analysis.data.files import DEMO_INCOME_YEARS as INCOME_YEARS
from samenleven_analysis.data.files import DEMO_YEARS as YEARS
from samenleven_analysis.facts import DEFAULT_SEED, THRESHOLD_RESIDENTS

GENERATOR_VERSION = hashlib.sha256(  # demo_contracts.py generates contracts.csv
    Path(__file__).read_bytes() + Path(__file__).with_name("demo_contracts.py").read_bytes()
).hexdigest()[:12]
"""Changes whenever this module changes, so a cached Demoland folder is regenerated."""
REFERENCE_YEAR = 2022
"""Population year (1 January) whose non-EU14 counts decide Demoland's eligibility."""
THRESHOLD = THRESHOLD_RESIDENTS
MERGER_2025 = {"97011": "97021", "97012": "97021"}
MERGED_CODE = "97021"

PLANTED_EFFECTS: dict[str, float] = {
    "employment_rate": 1.5,  # percentage points
    "dutch_a2_pass_rate": 4.0,  # percentage points
    "liveability_index": 2.0,  # index points (0-100)
    "rainfall_mm": 0.0,  # placebo outcome: the plan cannot change the weather
}
"""Effect added to each outcome for treated municipalities from their cohort year on."""

ORIGINS = ("BEL", "EU14", "EU13", "EUROPE_OTHER", "NON_EUROPE")
# Share of each origin group that holds a foreign nationality (ETR): origin counts first
# nationality and parents' nationality, so many people of foreign origin are Belgian.
_FOREIGN_NATIONALITY = {
    "BEL": 0.0,
    "EU14": 0.62,
    "EU13": 0.78,
    "EUROPE_OTHER": 0.45,
    "NON_EUROPE": 0.38,
}

_NORTH, _CAPITAL = REGION_CODES["flanders"], REGION_CODES["brussels"]
"""Demoland-Noord stands in for Flanders, Demoland-Hoofdstad for Brussels."""

_REGIONS = {
    _NORTH: ("Demoland-Noord (fictief)", "Démoland-Nord (fictif)", "Demoland-Nord (fiktiv)"),
    _CAPITAL: (
        "Demoland-Hoofdstad (fictief)",
        "Démoland-Capitale (fictif)",
        "Demoland-Hauptstadt (fiktiv)",
    ),
}
_PROVINCES = {
    "95000": (_NORTH, "Provincie Demo-West", "Province de Démo-Ouest", "Provinz Demo-West"),
    "98000": (_NORTH, "Provincie Demo-Oost", "Province de Démo-Est", "Provinz Demo-Ost"),
}
# arrondissement → (province or region, name nl, fr, de, number of municipalities)
_ARRONDISSEMENTS = {
    "94000": (
        _CAPITAL,
        "Arrondissement Demostad",
        "Arrondissement de Démoville",
        "Bezirk Demostadt",
        8,
    ),
    "96000": (
        "95000",
        "Arrondissement Brakmeer",
        "Arrondissement de Brakmeer",
        "Bezirk Brakmeer",
        20,
    ),
    "97000": (
        "95000",
        "Arrondissement Quelderzand",
        "Arrondissement de Quelderzand",
        "Bezirk Quelderzand",
        16,
    ),
    "99000": (
        "98000",
        "Arrondissement Vloxheide",
        "Arrondissement de Vloxheide",
        "Bezirk Vloxheide",
        16,
    ),
}
_PREFIXES = (
    "Brav",
    "Quel",
    "Zorn",
    "Fenn",
    "Grul",
    "Mirv",
    "Pold",
    "Trab",
    "Vlox",
    "Yzer",
    "Kwak",
    "Sluv",
    "Drom",
    "Hav",
    "Jorn",
    "Plof",
    "Rumb",
    "Tjal",
    "Wemb",
    "Zwir",
)
_SUFFIXES = ("egem", "ardinge", "oveld", "erzand", "ikhout", "ummel")


@dataclass(frozen=True)
class Municipality:
    refnis: str
    name: str
    arrondissement: str
    province: str | None
    region: str


def municipalities() -> list[Municipality]:
    """The 60 Demoland municipalities that exist until 31 Dec 2024 (names fixed, not seeded)."""
    out, k = [], 0
    for arr, (parent, *_names, n) in _ARRONDISSEMENTS.items():
        province = parent if parent in _PROVINCES else None
        region = _PROVINCES[parent][0] if province else parent
        for i in range(1, n + 1):
            # prefix p with suffixes p, p+4, p+2 (mod 6) across the three rounds: 60 unique names
            suffix = _SUFFIXES[(k % len(_PREFIXES) + 4 * (k // len(_PREFIXES))) % len(_SUFFIXES)]
            name = _PREFIXES[k % len(_PREFIXES)] + suffix
            k += 1
            out.append(Municipality(f"{arr[:2]}{i:03d}", name, arr, province, region))
    return out


def merged_name(munis: list[Municipality] | None = None) -> str:
    by_code = {m.refnis: m.name for m in munis or municipalities()}
    return f"{by_code['97011']}-{by_code['97012']}"


def codes_for_year(year: int) -> list[str]:
    """Municipality codes valid on 1 January of ``year``."""
    codes = [m.refnis for m in municipalities()]
    if year >= 2025:
        codes = [c for c in codes if c not in MERGER_2025] + [MERGED_CODE]
    return sorted(codes)


# --------------------------------------------------------------------------- the model
def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def _origin_counts(seed: int) -> pd.DataFrame:
    return _origin_counts_cached(seed).copy()


@lru_cache(maxsize=4)
def _origin_counts_cached(seed: int) -> pd.DataFrame:
    """Population by origin group per municipality and year, on the pre-2025 codes.

    Non-EU14 counts grow a few percent a year; eight municipalities are placed within
    ±300 of the 7,500 threshold in the reference year, on both sides.
    """
    munis = municipalities()
    rng = _rng(seed, 1)
    n = len(munis)
    is_capital = np.array([m.region == _CAPITAL for m in munis])
    total_ref = np.where(
        is_capital,
        rng.lognormal(np.log(90_000), 0.45, n),
        rng.lognormal(np.log(26_000), 0.75, n),
    )
    total_ref = np.clip(total_ref, 6_000, 520_000)
    share_non_eu14 = np.clip(
        np.where(is_capital, rng.uniform(0.25, 0.55, n), rng.beta(2.0, 14.0, n)), 0.02, 0.6
    )
    # Place some municipalities next to the threshold (reference year), on both sides.
    near = {
        "96004": 7190,
        "96009": 7420,
        "97003": 7480,
        "97006": 7560,
        "99002": 7650,
        "99007": 7330,
        "96013": 7810,
        "97014": 7260,
    }
    codes = [m.refnis for m in munis]
    for code, target in near.items():
        i = codes.index(code)
        total_ref[i] = max(total_ref[i], target / 0.22)
        share_non_eu14[i] = target / total_ref[i]
    # The two merging municipalities are small, so that together they stay small too.
    for code in MERGER_2025:
        i = codes.index(code)
        total_ref[i] = rng.uniform(7_000, 11_000)
        share_non_eu14[i] = rng.uniform(0.03, 0.06)
    growth_non = rng.uniform(0.015, 0.04, n)
    growth_bel = rng.uniform(-0.004, 0.006, n)
    eu14_share = rng.uniform(0.02, 0.08, n) * np.where(is_capital, 2.5, 1.0)
    mix = rng.dirichlet([2.0, 1.5, 4.0], n)  # EU13, EUROPE_OTHER, NON_EUROPE within non-EU14

    rows = []
    for y_idx, year in enumerate(YEARS):
        dt = year - REFERENCE_YEAR
        non_eu14 = total_ref * share_non_eu14 * (1 + growth_non) ** dt
        eu14 = total_ref * eu14_share * (1 + 0.005) ** dt
        bel = (total_ref * (1 - share_non_eu14 - eu14_share)) * (1 + growth_bel) ** dt
        noise = _rng(seed, 2, y_idx).normal(0, 0.004, (n, 3))
        for i, m in enumerate(munis):
            groups = np.rint(non_eu14[i] * mix[i] * (1 + noise[i])).astype(int)
            if m.refnis in near and year == REFERENCE_YEAR:
                groups[-1] += near[m.refnis] - groups.sum()  # exact planted count
            rows.append(
                (year, m.refnis, int(round(bel[i])), int(round(eu14[i])), *map(int, groups))
            )
    wide = pd.DataFrame(rows, columns=["year", "refnis", *ORIGINS])
    return wide


def _to_vintage_2025(frame: pd.DataFrame, value_cols: list[str]) -> pd.DataFrame:
    out = frame.copy()
    out["refnis"] = out["refnis"].replace(MERGER_2025)
    return out.groupby(["year", "refnis"], as_index=False)[value_cols].sum()


def origin_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Canonical origin table ``year, refnis, origin, population`` on each year's own vintage."""
    wide = _origin_counts(seed)
    parts = [wide[wide.year < 2025], _to_vintage_2025(wide[wide.year >= 2025], list(ORIGINS))]
    wide = pd.concat(parts, ignore_index=True)
    long = wide.melt(id_vars=["year", "refnis"], var_name="origin", value_name="population")
    long["origin"] = pd.Categorical(long["origin"], categories=list(ORIGINS), ordered=True)
    long = long.sort_values(["year", "refnis", "origin"]).reset_index(drop=True)
    long["origin"] = long["origin"].astype(str)
    return long[["year", "refnis", "origin", "population"]]


_AGES = np.arange(0, 106)


def _age_profile(foreign: bool) -> np.ndarray:
    # A smooth, invented age pyramid; foreign nationals are younger on average.
    mean, sd = (33.0, 17.0) if foreign else (42.0, 23.0)
    w = np.exp(-0.5 * ((_AGES - mean) / sd) ** 2) * (1 - 1 / (1 + np.exp(-(_AGES - 88) / 4)))
    return w / w.sum()


def _civil_status_probs(age: np.ndarray) -> np.ndarray:
    """Probabilities of civil status 10 single, 20 married, 30 widowed, 40 divorced by age."""
    married = np.clip((age - 18) / 25, 0, 1) * 0.58
    widowed = np.clip((age - 55) / 40, 0, 1) * 0.45
    divorced = np.clip((age - 25) / 30, 0, 1) * 0.12
    single = np.clip(1 - married - widowed - divorced, 0, 1)
    p = np.stack([single, married, widowed, divorced], axis=1)
    return p / p.sum(axis=1, keepdims=True)


def population_cells(seed: int = DEFAULT_SEED, year: int = REFERENCE_YEAR) -> pd.DataFrame:
    """Persons by municipality × sex × nationality (BEL/ETR) × civil status × age for one year.

    Totals equal the origin table's; ETR persons are drawn from each origin group.
    Rows with zero persons are omitted, as in Statbel's files.
    """
    wide = _origin_counts(seed)
    wide = wide[wide.year == year]
    if year >= 2025:
        wide = _to_vintage_2025(wide, list(ORIGINS))
    civ = _civil_status_probs(_AGES)
    status_codes = np.array([10, 20, 30, 40])
    cols: dict[str, list] = {
        k: [] for k in ("refnis", "sex", "nationality", "civil_status", "age", "population")
    }
    for row in wide.itertuples(index=False):
        rng = _rng(seed, 3, year, int(row.refnis))
        etr = sum(rng.binomial(getattr(row, g), _FOREIGN_NATIONALITY[g]) for g in ORIGINS)
        total = sum(getattr(row, g) for g in ORIGINS)
        for nat, count in (("BEL", total - etr), ("ETR", etr)):
            males = rng.binomial(count, 0.495)
            for sex, c in (("M", males), ("F", count - males)):
                by_age = rng.multinomial(c, _age_profile(nat == "ETR"))
                cells = rng.multinomial(by_age, civ)  # one draw per age, vectorised
                a_idx, s_idx = np.nonzero(cells)
                k = len(a_idx)
                cols["refnis"].append(np.repeat(row.refnis, k))
                cols["sex"].append(np.repeat(sex, k))
                cols["nationality"].append(np.repeat(nat, k))
                cols["civil_status"].append(status_codes[s_idx])
                cols["age"].append(_AGES[a_idx])
                cols["population"].append(cells[a_idx, s_idx])
    out = pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})
    out.insert(0, "year", year)
    return out


# --------------------------------------------------------------------------- file writers
_FIXED_DATE = (2000, 1, 1, 0, 0, 0)
_CIV = {
    10: ("Ongehuwd", "Célibataire"),
    20: ("Gehuwd", "Marié"),
    30: ("Weduwe", "Veuf"),
    40: ("Gescheiden", "Divorcé"),
}
_NAT = {"BEL": ("Belgen", "Belges"), "ETR": ("Niet-Belgen", "non-Belges")}


def _write_zip(path: Path, member: str, data: bytes) -> None:
    info = zipfile.ZipInfo(member, date_time=_FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, data)


def _names(munis: list[Municipality], year: int) -> dict[str, dict]:
    """Descriptive columns per municipality code valid in ``year``."""
    by_code = {m.refnis: m for m in munis}
    if year >= 2025:
        a = by_code["97011"]
        by_code = {k: v for k, v in by_code.items() if k not in MERGER_2025}
        by_code[MERGED_CODE] = Municipality(
            MERGED_CODE, merged_name(munis), a.arrondissement, a.province, a.region
        )
    out = {}
    for code, m in by_code.items():
        arr = _ARRONDISSEMENTS[m.arrondissement]
        prov = _PROVINCES.get(m.province) if m.province else None
        reg = _REGIONS[m.region]
        out[code] = {
            "name": m.name,
            "arr": m.arrondissement,
            "arr_nl": arr[1],
            "arr_fr": arr[2],
            "prov": m.province or "",
            "prov_nl": prov[1] if prov else "",
            "prov_fr": prov[2] if prov else "",
            # Statbel's files drop the leading zero of region codes (2000, 4000): so do we.
            "region": str(int(m.region)),
            "reg_nl": reg[0],
            "reg_fr": reg[1],
        }
    return out


POPULATION_COLUMNS = [
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
"""Statbel's current (2016+) column layout of TF_SOC_POP_STRUCT_YYYY.txt."""


def population_text(seed: int, year: int) -> bytes:
    cells = population_cells(seed, year)
    names = pd.DataFrame.from_dict(_names(municipalities(), year), orient="index")
    d = cells.join(names, on="refnis")
    table = pd.DataFrame(
        {
            "CD_REFNIS": d["refnis"],
            "TX_DESCR_NL": d["name"],
            "TX_DESCR_FR": d["name"],
            "CD_DSTR_REFNIS": d["arr"],
            "TX_ADM_DSTR_DESCR_NL": d["arr_nl"],
            "TX_ADM_DSTR_DESCR_FR": d["arr_fr"],
            "CD_PROV_REFNIS": d["prov"],
            "TX_PROV_DESCR_NL": d["prov_nl"],
            "TX_PROV_DESCR_FR": d["prov_fr"],
            "CD_RGN_REFNIS": d["region"],
            "TX_RGN_DESCR_NL": d["reg_nl"],
            "TX_RGN_DESCR_FR": d["reg_fr"],
            "CD_SEX": d["sex"],
            "CD_NATLTY": d["nationality"],
            "TX_NATLTY_NL": d["nationality"].map({k: v[0] for k, v in _NAT.items()}),
            "TX_NATLTY_FR": d["nationality"].map({k: v[1] for k, v in _NAT.items()}),
            "CD_CIV_STS": d["civil_status"],
            "TX_CIV_STS_NL": d["civil_status"].map({k: v[0] for k, v in _CIV.items()}),
            "TX_CIV_STS_FR": d["civil_status"].map({k: v[1] for k, v in _CIV.items()}),
            "CD_AGE": d["age"],
            "MS_POPULATION": d["population"],
        }
    )
    # Statbel's rows come in no particular order; a fixed shuffle keeps readers honest.
    order = _rng(seed, 4, year).permutation(len(table))
    table = table.iloc[order]
    return _pipe_text(table)


def _pipe_text(table: pd.DataFrame) -> bytes:
    """Pipe-delimited UTF-8 with CRLF line ends (Statbel's text layout), written fast."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sink = io.BytesIO()
    sink.write("|".join(table.columns).encode() + b"\n")  # pyarrow would quote the header
    pacsv.write_csv(
        pa.Table.from_pandas(table, preserve_index=False),
        sink,
        pacsv.WriteOptions(delimiter="|", quoting_style="none", include_header=False),
    )
    return sink.getvalue().replace(b"\n", b"\r\n")


def refnis_text() -> bytes:
    """A REFNIS code list in TU_COM_REFNIS's layout (BOM, CRLF, dd/mm/yyyy), incl. the merger."""
    lines = [
        "LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_DE|TX_REFNIS_FR|TX_REFNIS_NL|DT_VLDT_START|DT_VLDT_END"
    ]
    start, forever = "01/01/1977", "31/12/9999"
    for code, (nl, fr, de) in _REGIONS.items():
        lines.append(f"1|{code}|-|{de}|{fr}|{nl}|{start}|{forever}")
    for code, (region, nl, fr, de) in _PROVINCES.items():
        lines.append(f"2|{code}|{region}|{de}|{fr}|{nl}|{start}|{forever}")
    for code, (parent, nl, fr, de, _n) in _ARRONDISSEMENTS.items():
        lines.append(f"3|{code}|{parent}|{de}|{fr}|{nl}|{start}|{forever}")
    munis = municipalities()
    for m in munis:
        end = "31/12/2024" if m.refnis in MERGER_2025 else forever
        lines.append(f"4|{m.refnis}|{m.arrondissement}|{m.name}|{m.name}|{m.name}|{start}|{end}")
    name = merged_name(munis)
    lines.append(f"4|{MERGED_CODE}|97000|{name}|{name}|{name}|01/01/2025|{forever}")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def mergers_text() -> bytes:
    """The 2025 merger in the layout of the real fusies-2025.csv (comma + tab separated)."""
    by_code = {m.refnis: m.name for m in municipalities()}
    olds = " + ".join(f"{by_code[c]} ({c})" for c in sorted(MERGER_2025))
    return (
        f"Fuserende gemeenten,\tNieuwe gemeenten\n{olds},\t{merged_name()} ({MERGED_CODE})".encode()
    )


INCOME_COLUMNS = [
    "CD_YEAR",
    "CD_MUNTY_REFNIS",
    "MS_NBR_NON_ZERO_INC",
    "MS_NBR_ZERO_INC",
    "MS_TOT_NET_TAXABLE_INC",
    "MS_TOT_NET_INC",
    "MS_NBR_TOT_NET_INC",
    "MS_REAL_ESTATE_NET_INC",
    "MS_NBR_REAL_ESTATE_NET_INC",
    "MS_TOT_NET_MOV_ASS_INC",
    "MS_NBR_NET_MOV_ASS_INC",
    "MS_TOT_NET_VARIOUS_INC",
    "MS_NBR_NET_VARIOUS_INC",
    "MS_TOT_NET_PROF_INC",
    "MS_NBR_NET_PROF_INC",
    "MS_SEP_TAXABLE_INC",
    "MS_NBR_SEP_TAXABLE_INC",
    "MS_JOINT_TAXABLE_INC",
    "MS_NBR_JOINT_TAXABLE_INC",
    "MS_TOT_DEDUCT_SPEND",
    "MS_NBR_DEDUCT_SPEND",
    "MS_TOT_STATE_TAXES",
    "MS_NBR_STATE_TAXES",
    "MS_TOT_MUNICIP_TAXES",
    "MS_NBR_MUNICIP_TAXES",
    "MS_TOT_SUBURBS_TAXES",
    "MS_NBR_SUBURBS_TAXES",
    "MS_TOT_TAXES",
    "MS_NBR_TOT_TAXES",
    "MS_TOT_RESIDENTS",
    "TX_MUNTY_DESCR_NL",
    "TX_MUNTY_DESCR_FR",
    "TX_MUNTY_DESCR_EN",
    "TX_MUNTY_DESCR_DE",
    "CD_DSTR_REFNIS",
    "TX_DSTR_DESCR_NL",
    "TX_DSTR_DESCR_FR",
    "TX_DSTR_DESCR_EN",
    "TX_DSTR_DESCR_DE",
    "CD_PROV_REFNIS",
    "TX_PROV_DESCR_NL",
    "TX_PROV_DESCR_FR",
    "TX_PROV_DESCR_EN",
    "TX_PROV_DESCR_DE",
    "CD_RGN_REFNIS",
    "TX_RGN_DESCR_NL",
    "TX_RGN_DESCR_FR",
    "TX_RGN_DESCR_EN",
    "TX_RGN_DESCR_DE",
]
"""Column layout of Statbel's TF_PSNL_INC_TAX_MUNTY.xlsx (49 columns)."""


def income_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Fiscal income per municipality in Statbel's layout; all years on the 60-code geography."""
    wide = _origin_counts(seed)
    munis = municipalities()
    rng = _rng(seed, 5)
    base = rng.normal(17_500, 1_600, len(munis))  # net taxable income per resident, EUR
    shares = wide.set_index(["year", "refnis"])
    names = _names(munis, 2024)
    rows = []
    for year in INCOME_YEARS:
        # Population on 1 January of the following year is the closest to the income year's
        # residents; income per resident rises 2.5 % a year and falls with non-EU14 share.
        for i, m in enumerate(munis):
            s = shares.loc[(year + 1, m.refnis)]
            residents = int(s.sum())
            non_eu14 = (s["EU13"] + s["EUROPE_OTHER"] + s["NON_EUROPE"]) / residents
            per_res = base[i] * (1.025 ** (year - YEARS[0])) * (1 - 0.35 * non_eu14)
            per_res *= 1 + _rng(seed, 6, year, int(m.refnis)).normal(0, 0.01)
            total = round(per_res * residents, 2)
            declarations = int(residents * 0.56)
            zero = int(declarations * 0.05)
            n = names[m.refnis]
            row = dict.fromkeys(INCOME_COLUMNS, 0)
            row.update(
                CD_YEAR=year,
                CD_MUNTY_REFNIS=int(m.refnis),
                MS_NBR_NON_ZERO_INC=declarations - zero,
                MS_NBR_ZERO_INC=zero,
                MS_TOT_NET_TAXABLE_INC=total,
                MS_TOT_NET_INC=round(total * 1.01, 2),
                MS_NBR_TOT_NET_INC=declarations - zero,
                MS_TOT_NET_PROF_INC=round(total * 0.97, 2),
                MS_NBR_NET_PROF_INC=declarations - zero,
                MS_TOT_TAXES=round(total * 0.27, 2),
                MS_NBR_TOT_TAXES=int((declarations - zero) * 0.8),
                MS_TOT_RESIDENTS=residents,
                TX_MUNTY_DESCR_NL=n["name"],
                TX_MUNTY_DESCR_FR=n["name"],
                TX_MUNTY_DESCR_EN=n["name"],
                TX_MUNTY_DESCR_DE=n["name"],
                CD_DSTR_REFNIS=int(n["arr"]),
                TX_DSTR_DESCR_NL=n["arr_nl"],
                TX_DSTR_DESCR_FR=n["arr_fr"],
                TX_DSTR_DESCR_EN=n["arr_nl"],
                TX_DSTR_DESCR_DE=n["arr_nl"],
                CD_PROV_REFNIS=int(n["prov"]) if n["prov"] else None,  # empty for the capital
                TX_PROV_DESCR_NL=n["prov_nl"] or None,
                TX_PROV_DESCR_FR=n["prov_fr"] or None,
                TX_PROV_DESCR_EN=n["prov_nl"] or None,
                TX_PROV_DESCR_DE=n["prov_nl"] or None,
                CD_RGN_REFNIS=int(n["region"]),
                TX_RGN_DESCR_NL=n["reg_nl"],
                TX_RGN_DESCR_FR=n["reg_fr"],
                TX_RGN_DESCR_EN=n["reg_nl"],
                TX_RGN_DESCR_DE=n["reg_nl"],
            )
            rows.append(row)
    return pd.DataFrame(rows, columns=INCOME_COLUMNS)


def _xlsx_bytes(frame: pd.DataFrame) -> bytes:
    """An .xlsx with fixed metadata and fixed zip timestamps, so bytes are reproducible."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "TF_PSNL_INC_TAX_MUNTY"
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and np.isnan(v)) else v for v in row])
    fixed = dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "samenleven_analysis.data.demo"
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps zip members with the current time: rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":  # openpyxl stamps "modified" at save time
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", data
                )
            dst.writestr(info, data)
    return out.getvalue()


# --------------------------------------------------------------------------- polygons
def _polygons(seed: int) -> dict[str, object]:
    """Voronoi cells for the 60 pre-2025 municipalities, in EPSG:31370 metres.

    The capital's eight cells sit in the middle; arrondissements take angular sectors
    around it; 97011 and 97012 are neighbours (they merge in 2025).
    """
    import shapely
    from shapely.geometry import MultiPoint, Point

    rng = _rng(seed, 7)
    cx, cy = 150_000.0, 180_000.0
    frame = Point(cx, cy).buffer(60_000, quad_segs=32)
    frame = shapely.affinity.scale(frame, 1.6, 1.0)
    munis = municipalities()
    capital = [m for m in munis if m.region == _CAPITAL]
    ang = 2 * np.pi * np.arange(len(capital)) / len(capital)
    pts_cap = [
        (cx + 5_000 * np.cos(a) * (1 + 0.2 * rng.random()), cy + 5_000 * np.sin(a)) for a in ang
    ]
    rest = [m for m in munis if m.region != _CAPITAL]
    sectors = {"96000": (0.0, 0.4), "97000": (0.4, 0.7), "99000": (0.7, 1.0)}  # fractions of a turn
    pts_rest = []
    for arr, (lo, hi) in sectors.items():
        members = [m for m in rest if m.arrondissement == arr]
        k = len(members)
        # A jittered grid in (angle, radius) so cells are convex-ish and neighbours are predictable.
        for j in range(k):
            a = 2 * np.pi * (lo + (hi - lo) * (j // 2 + 0.5) / ((k + 1) // 2))
            r = (22_000 if j % 2 == 0 else 45_000) + rng.uniform(-3_000, 3_000)
            pts_rest.append((cx + 1.6 * r * np.cos(a), cy + r * np.sin(a)))
    order = capital + rest
    pts = pts_cap + pts_rest
    cells = shapely.voronoi_polygons(MultiPoint(pts), extend_to=frame.buffer(50_000))
    polys: dict[str, object] = {}
    for m, p in zip(order, pts, strict=False):
        cell = next(c for c in cells.geoms if c.contains(Point(p)))
        polys[m.refnis] = shapely.set_precision(cell.intersection(frame), 1.0)
    # The merging pair must share a border: give 97012 the cell of a neighbour of 97011.
    if not polys["97011"].intersects(polys["97012"]):
        neighbour = next(
            c
            for c in sorted(polys)
            if c.startswith("97") and c != "97011" and polys[c].intersects(polys["97011"])
        )
        polys["97012"], polys[neighbour] = polys[neighbour], polys["97012"]
    return polys


def _geojson(features: list[tuple[str, str, object]]) -> bytes:
    from shapely.geometry import mapping

    def ints(obj):
        if isinstance(obj, (list, tuple)):
            return [ints(o) for o in obj]
        return int(round(obj)) if isinstance(obj, float) else obj

    fc = {
        "type": "FeatureCollection",
        "name": "demoland_municipalities",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"refnis": code, "name_nl": name, "demo": True},
                "geometry": {"type": g["type"], "coordinates": ints(g["coordinates"])},
            }
            for code, name, geom in features
            for g in [mapping(geom)]
        ],
    }
    return (json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def boundaries_bytes(seed: int) -> tuple[bytes, bytes]:
    """GeoJSON of the 2019–2024 layer (60 cells) and of the 2025 layer (59)."""
    import shapely

    polys = _polygons(seed)
    munis = municipalities()
    names = {m.refnis: m.name for m in munis}
    before = [(c, names[c], polys[c]) for c in sorted(polys)]
    merged = shapely.union(polys["97011"], polys["97012"])
    merged = shapely.set_precision(merged, 1.0)
    after = [(c, names[c], polys[c]) for c in sorted(polys) if c not in MERGER_2025]
    after = sorted([*after, (MERGED_CODE, merged_name(munis), merged)])
    return _geojson(before), _geojson(after)


# --------------------------------------------------------------------------- policy tables
def partnerships_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Two partnerships (IGS): one that pools across 7,500, one that stays below it."""
    rows = [("IGS01", "IGS Brakmeer-Zuid (fictief)", c) for c in ("96005", "96010", "96011")] + [
        ("IGS02", "IGS Vloxheide-Oost (fictief)", c) for c in ("99014", "99015")
    ]
    return pd.DataFrame(rows, columns=["partnership_id", "name", "refnis"])


def _non_eu14_2025_vintage(seed: int) -> pd.DataFrame:
    wide = _to_vintage_2025(_origin_counts(seed), list(ORIGINS))
    wide["non_eu14"] = wide[["EU13", "EUROPE_OTHER", "NON_EUROPE"]].sum(axis=1)
    wide["total"] = wide[list(ORIGINS)].sum(axis=1)
    return wide


def treatment_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Who was funded, from which project year (cohort), and how intensely.

    Eligibility is the strict rule (> 7,500 non-EU14 residents on 1 January of the
    reference year), per applicant (partnerships pooled). Participation is fuzzy: two
    eligible municipalities never sign a contract; partnership members join in 2024.
    """
    wide = _non_eu14_2025_vintage(seed)
    ref = wide[wide.year == REFERENCE_YEAR].set_index("refnis")
    # IGS01 pools three small municipalities; give them enough non-EU14 residents together.
    partners = partnerships_table(seed)
    member_of = dict(zip(partners.refnis, partners.partnership_id, strict=True))
    applicants: dict[str, list[str]] = {}
    for code in sorted(ref.index):
        applicants.setdefault(member_of.get(code, code), []).append(code)
    rng = _rng(seed, 8)
    rows = []
    eligible_solo = sorted(
        (
            a
            for a, ms in applicants.items()
            if len(ms) == 1 and ref.loc[ms, "non_eu14"].sum() > THRESHOLD
        ),
        key=lambda a: -ref.loc[applicants[a], "non_eu14"].sum(),
    )
    never = set(eligible_solo[-4:-2])  # two eligible authorities that never sign up
    for _rank, applicant in enumerate(sorted(applicants)):
        members = applicants[applicant]
        count = int(ref.loc[members, "non_eu14"].sum())
        eligible = count > THRESHOLD
        if not eligible or applicant in never:
            cohort = np.nan
        elif applicant.startswith("IGS"):
            cohort = 2024.0
        else:
            pos = eligible_solo.index(applicant)
            cohort = 2022.0 if pos < len(eligible_solo) / 2 else 2023.0
        for m in members:
            intensity = np.nan if np.isnan(cohort) else round(float(rng.uniform(45, 90)), 2)
            rows.append((applicant, m, cohort, intensity, bool(eligible)))
    out = pd.DataFrame(
        rows, columns=["applicant", "refnis", "cohort", "intensity_eur_per_resident", "eligible"]
    )
    return out.sort_values("refnis").reset_index(drop=True)


def outcomes_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Outcome panel (2025 vintage) with ``PLANTED_EFFECTS`` added from each cohort year on."""
    treat = treatment_table(seed).set_index("refnis")
    codes = codes_for_year(2025)
    rng = _rng(seed, 9)
    specs = {  # level mean, unit sd, year trend, yearly shock sd, noise sd
        "employment_rate": (63.0, 5.0, 0.35, 0.4, 0.35),
        "dutch_a2_pass_rate": (58.0, 8.0, 0.6, 1.0, 1.0),
        "liveability_index": (66.0, 6.0, 0.1, 0.5, 0.6),
        "rainfall_mm": (820.0, 40.0, 0.0, 60.0, 25.0),
    }
    rows = []
    for outcome, (mu, unit_sd, trend, shock_sd, noise_sd) in specs.items():
        unit = dict(zip(codes, rng.normal(mu, unit_sd, len(codes)), strict=True))
        shocks = dict(zip(YEARS, rng.normal(0, shock_sd, len(YEARS)), strict=True))
        for code in codes:
            cohort = treat.loc[code, "cohort"] if code in treat.index else np.nan
            for year in YEARS:
                value = (
                    unit[code] + trend * (year - YEARS[0]) + shocks[year] + rng.normal(0, noise_sd)
                )
                if not np.isnan(cohort) and year >= cohort:
                    value += PLANTED_EFFECTS[outcome]
                rows.append((code, year, outcome, round(float(value), 3)))
    return pd.DataFrame(rows, columns=["refnis", "year", "outcome", "value"])


_GOALS = (
    "safety_liveability",
    "dutch_language",
    "competences",
    "work",
    "anti_discrimination",
    "social_networks",
    "less_segregation",
)


def programmes_table(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per project or training: 380 + 413 fragmented, 24 consolidated projects.

    Fragmented (project years 2019–2021): many small grants to any authority. Consolidated
    (2022–2024): 24 projects, each run in the funded applicants of that year, with yearly
    totals near the 14.1 / 16.9 / 17.0 M EUR paid out in Flanders.
    """
    rng = _rng(seed, 10)
    codes = [m.refnis for m in municipalities()]
    rows = []
    for i in range(380):
        rows.append(
            dict(
                project_id=f"F-P{i + 1:03d}",
                regime="fragmented",
                kind="project",
                programme=f"Oproep {2019 + i % 3}",
                goal=_GOALS[i % len(_GOALS)],
                authority=codes[int(rng.integers(len(codes)))],
                project_year=2019 + i % 3,
                budget_eur=round(float(rng.lognormal(np.log(28_000), 0.8)), 2),
                participants=int(rng.poisson(35)),
                trainings=0,
            )
        )
    for i in range(413):
        rows.append(
            dict(
                project_id=f"F-T{i + 1:03d}",
                regime="fragmented",
                kind="training",
                programme="Vormingsaanbod",
                goal=_GOALS[(i * 3) % len(_GOALS)],
                authority=codes[int(rng.integers(len(codes)))],
                project_year=2019 + i % 3,
                budget_eur=round(float(rng.lognormal(np.log(4_000), 0.6)), 2),
                participants=int(rng.poisson(14)),
                trainings=int(1 + rng.poisson(2)),
            )
        )
    treat = treatment_table(seed)
    funded = treat.dropna(subset=["cohort"]).drop_duplicates("applicant")
    totals = {2022: 14.1e6, 2023: 16.9e6, 2024: 17.0e6}
    for year, total in totals.items():
        active = sorted(funded.loc[funded.cohort <= year, "applicant"])
        weights = rng.dirichlet(np.ones(24) * 3)
        for p in range(24):
            # Each project runs in a subset of the active applicants.
            k = max(1, int(len(active) * 0.5))
            chosen = sorted(rng.choice(active, size=k, replace=False))
            split = rng.dirichlet(np.ones(k) * 4)
            for a, s in zip(chosen, split, strict=True):
                budget = round(float(total * weights[p] * s), 2)
                rows.append(
                    dict(
                        project_id=f"C{p + 1:02d}-{a}-{year}",
                        regime="consolidated",
                        kind="project",
                        programme=f"Plan Samenleven project {p + 1:02d}",
                        goal=_GOALS[p % len(_GOALS)],
                        authority=a,
                        project_year=year,
                        budget_eur=budget,
                        participants=int(rng.poisson(max(budget / 650, 5))),
                        trainings=int(rng.poisson(3)),
                    )
                )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- call rules
DEMO_CALL_RULES_FILE = "00000000000000-demoland-call-rules.sparql"
_DEMO_RULES = (  # objective, action, kpi_unit, max_units, eur_per_unit (all fictional)
    ("Demo taal", "Demo: oefenkansen voor volwassen anderstaligen", "demo deelnemers", 500, 50),
    ("Demo werk", "Demo: begeleiding naar werk", "demo nieuwkomers", 100, 600),
    ("Demo werk", "Demo: begeleiding naar werk", "demo 55-plussers", 40, 600),
    ("Demo netwerk", "Demo: jongeren in contact brengen met sport", "demo jongeren", 120, 200),
    ("Demo veiligheid", "Demo: lokaal actieplan tegen polarisatie", "demo actieplan", 1, 20000),
)
_DEMO_PERIODS = {  # the real call's final periods, so demo contracts line up with cohorts
    "project": ("2022-10-01", "2023-09-30"),
    "application": ("2022-03-01", "2022-07-01"),
}


def demo_call_rules() -> pd.DataFrame:
    """The fictional Demoland call rules, with the columns of ``call_rules.read_call_rules``.

    Ids and labels say "Demo"; like the real call, the 2nd target group of an action
    carries no description. Reading :func:`call_rules_sparql` gives this same frame.
    """
    from datetime import date

    from samenleven_analysis.data.call_rules import COLUMNS

    (ps, pe), (as_, ae) = (
        [date.fromisoformat(d) for d in _DEMO_PERIODS[k]] for k in ("project", "application")
    )
    rows = []
    for i, (objective, action, unit, units, eur) in enumerate(_DEMO_RULES, start=1):
        rule_id = f"demo-rule-{i:02d}"
        described = i == 1 or _DEMO_RULES[i - 2][1] != action
        rows.append(
            {
                "call": "Demo oproep 2022",
                "rule_id": rule_id,
                "objective": objective,
                "action": action,
                "description": action if described else "",
                "kpi_unit": unit,
                "max_units": units,
                "eur_per_unit": float(eur),
                "max_eur": float(units * eur),
                "project_start": ps,
                "project_end": pe,
                "application_start": as_,
                "application_end": ae,
                "rule_uri": f"http://demoland.invalid/id/subsidies/rules/{rule_id}",
            }
        )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"max_units": "int64", "eur_per_unit": "float64", "max_eur": "float64"})


def call_rules_sparql() -> bytes:
    """A Demoland call configuration as one SPARQL migration (the real files' layout)."""
    base = "http://demoland.invalid/id"
    lines = [
        "PREFIX mu: <http://mu.semte.ch/vocabularies/core/>",
        "PREFIX dct: <http://purl.org/dc/terms/>",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
        "PREFIX lblodSubsidie: <http://lblod.data.gift/vocabularies/subsidie/>",
        "PREFIX mobiliteit: <https://data.vlaanderen.be/ns/mobiliteit#>",
        "PREFIX m8g: <http://data.europa.eu/m8g/>",
        "PREFIX range: <http://lblod.data.gift/vocabularies/subsidie/plan-samenleven/range/>",
        (
            "PREFIX contribution: "
            "<http://lblod.data.gift/vocabularies/subsidie/plan-samenleven/contribution/>"
        ),
        "",
        "# DEMOLAND: fictional call configuration, NOT the real Plan Samenleven call.",
        "INSERT DATA {",
        "  GRAPH <http://mu.semte.ch/graphs/public> {",
        f"    <{base}/series/demo-oproep-2022> a lblodSubsidie:SubsidiemaatregelAanbodReeks ;",
        '      mu:uuid "demo-oproep-2022" ; dct:title "Demo oproep 2022"@nl ;',
        f"      mobiliteit:periode <{base}/periodes/demo-project> ;",
        f"      lblodSubsidie:heeftSubsidieprocedurestap <{base}/steps/demo-indienen> .",
        f"    <{base}/steps/demo-indienen> mobiliteit:periode <{base}/periodes/demo-aanvraag> .",
    ]
    for kind, name in (("project", "demo-project"), ("application", "demo-aanvraag")):
        start, end = _DEMO_PERIODS[kind]
        lines += [
            f'    <{base}/periodes/{name}> m8g:startTime "{start}T00:00:00"^^xsd:dateTime ;',
            f'      m8g:endTime "{end}T23:59:59"^^xsd:dateTime .',
        ]
    lines += ["  }", "}", ";", "INSERT DATA {", "  GRAPH <http://mu.semte.ch/graphs/public> {"]
    for rec in demo_call_rules().to_dict("records"):
        lines += [
            f'    <{rec["rule_uri"]}> mu:uuid "{rec["rule_id"]}" ;',
            f'      skos:prefLabel "{rec["objective"]}"@nl ;',
            *([f'      dct:description "{rec["description"]}"@nl ;'] if rec["description"] else []),
            f'      range:label "{rec["kpi_unit"]}" ;',
            f'      range:maximum "{rec["max_units"]}"^^xsd:integer ;',
            f'      contribution:multiplier "{int(rec["eur_per_unit"])}"^^xsd:integer .',
        ]
    lines += ["  }", "}", ""]
    return "\n".join(lines).encode("utf-8")


# --------------------------------------------------------------------------- writing
README_TEXT = """DEMOLAND — generated demo data, NOT real statistics.

Every code, name, count, amount and outcome in this folder is fictional, generated by
samenleven_analysis.data.demo (seed {seed}, generator version {version}) in the layouts of the real
Statbel files. Region 02000 stands in for Flanders and 04000 for Brussels; municipality codes
94xxx-99xxx do not exist in reality. Outputs made from these files are stamped DEMO.
"""


_CONTRACTS_KEY = 41  # rng stream of the contracts (the other tables use keys 1–9)


def contracts_table(rules: pd.DataFrame, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Demoland ``contracts`` (columns ``contracts.COLUMNS``) under ``rules``.

    What the applicants of each call's cohort sign and report (:mod:`.demo_contracts`
    documents the rules and chooses them).
    """
    from samenleven_analysis.data.contracts import COLUMNS

    rules = rules.sort_values("rule_id", kind="stable").reset_index(drop=True)
    treatment = treatment_table(seed)
    wide = _non_eu14_2025_vintage(seed)
    size = wide[wide.year == REFERENCE_YEAR].set_index("refnis")["non_eu14"]
    cohort = treatment.groupby("applicant")["cohort"].min()
    applicant_size = treatment.assign(n=treatment.refnis.map(size)).groupby("applicant")["n"].sum()
    rows = []
    for call, call_rules in rules.groupby("call", sort=True):
        start = pd.Timestamp(call_rules["project_start"].iloc[0])
        signers = sorted(cohort.index[cohort == float(start.year)])
        if not signers:
            continue
        biggest = float(applicant_size[signers].max())
        for applicant in signers:
            rng = _rng(seed, _CONTRACTS_KEY, int(start.year), signers.index(applicant))
            scale = float(applicant_size[applicant]) / biggest  # 0–1, 1 = largest signer
            n_rules = min(len(call_rules), 4 + round(4 * scale))
            chosen = sorted(rng.choice(len(call_rules), size=n_rules, replace=False))
            reports = rng.uniform() < 0.8  # about one applicant in five has not reported yet
            for i in chosen:
                rule = call_rules.iloc[i]
                cap = int(rule["max_units"])
                share = (0.25 + 0.7 * scale) * rng.uniform(0.7, 1.0)
                target = cap if cap <= 1 else int(np.clip(round(cap * share), 1, cap))
                reported = reports and rng.uniform() < 0.9
                if not reported:
                    realised = np.nan
                elif target <= 1:
                    realised = float(target if rng.uniform() < 0.8 else 0)
                else:
                    realised = float(round(target * rng.uniform(0.5, 1.25)))
                rows.append((applicant, call, rule["rule_id"], start.date(), target, realised))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype({"target_units": "int64", "realised_units": "float64"})


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _contracts_bytes(seed: int) -> bytes:
    """Demoland contracts under the Demoland call rules (the demo build's own rules)."""
    from samenleven_analysis.data.contracts import to_csv_text

    return to_csv_text(contracts_table(demo_call_rules(), seed)).encode("utf-8")


def write_demo(out_dir: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write every Demoland file into ``out_dir`` (created); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {
        DEMO_MARKER: README_TEXT.format(seed=seed, version=GENERATOR_VERSION).encode(),
        "TU_COM_REFNIS.txt": refnis_text(),
        "fusies-2025.csv": mergers_text(),
        "TF_PSNL_INC_TAX_MUNTY.xlsx": _xlsx_bytes(income_table(seed)),
        CANONICAL_FILES["origin"]: _csv_bytes(origin_table(seed)),
        CANONICAL_FILES["partnerships"]: _csv_bytes(partnerships_table(seed)),
        CANONICAL_FILES["treatment"]: _csv_bytes(treatment_table(seed)),
        CANONICAL_FILES["outcomes"]: _csv_bytes(outcomes_table(seed)),
        CANONICAL_FILES["programmes"]: _csv_bytes(programmes_table(seed)),
        DEMO_CALL_RULES_FILE: call_rules_sparql(),
        CANONICAL_FILES["contracts"]: _contracts_bytes(seed),
    }
    b2024, b2025 = boundaries_bytes(seed)
    files["demoland_2024.geojson"] = b2024
    files["demoland_2025.geojson"] = b2025
    written = []
    for name, data in files.items():
        path = out / name
        path.write_bytes(data)
        written.append(path)
    for year in YEARS:
        path = out / f"TF_SOC_POP_STRUCT_{year}.zip"
        _write_zip(path, f"TF_SOC_POP_STRUCT_{year}.txt", population_text(seed, year))
        written.append(path)
    return written


def ensure_demo(folder: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Return ``folder`` holding a complete Demoland set, generating it once if needed.

    Generation goes to a temporary sibling folder that is renamed into place, so
    concurrent callers never see half-written files.
    """
    folder = Path(folder)
    stamp = README_TEXT.format(seed=seed, version=GENERATOR_VERSION)
    marker = folder / DEMO_MARKER
    if marker.is_file() and marker.read_text() == stamp:
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".demo-", dir=folder.parent))
    try:
        write_demo(tmp, seed)
        if folder.exists():
            if marker.is_file() and marker.read_text() == stamp:  # another process won
                return folder
            shutil.rmtree(folder)
        try:
            os.replace(tmp, folder)
        except OSError:
            if not (marker.is_file() and marker.read_text() == stamp):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder
