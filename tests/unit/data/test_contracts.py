"""contracts.csv: every validation rule with a failing file; build; Demoland contracts.

Build writes the contracts table (with provenance) and writes nothing when the file is bad.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.data import build, demo
from samenleven_analysis.data.contracts import COLUMNS, read_contracts, to_csv_text
from samenleven_analysis.data.demo_contracts import demo_contracts
from samenleven_analysis.errors import DataError

RULES = demo.demo_call_rules()
CALL = RULES["call"].iloc[0]
R1, R2, PLAN = "demo-rule-01", "demo-rule-02", "demo-rule-05"  # max units 500, 100, 1
MUNICIPALITIES = ["96001", "96002", "97001"]
PARTNERSHIPS = pd.DataFrame(
    {"partnership_id": ["IGS01", "IGS01"], "name": ["x", "x"], "refnis": ["96005", "96010"]}
)
HEADER = ",".join(COLUMNS)
GOOD = [
    f"96001,{CALL},{R1},2022-10-01,200,180",
    f"96001,{CALL},{PLAN},2022-10-01,1,",
    f"IGS01,{CALL},{R2},2022-10-01,40,45",
]


def write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "contracts.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def read(path: Path) -> pd.DataFrame:
    return read_contracts(path, RULES, MUNICIPALITIES, PARTNERSHIPS)


def test_good_file_is_typed_and_keeps_missing_realisation_missing(tmp_path):
    out = read(write(tmp_path, GOOD))
    assert list(out.columns) == list(COLUMNS)
    assert out["target_units"].tolist() == [200, 1, 40]
    assert out["target_units"].dtype == np.int64
    assert np.isnan(out["realised_units"].iloc[1])  # empty = not reported, never 0
    assert out["realised_units"].iloc[[0, 2]].tolist() == [180.0, 45.0]
    assert str(out["period_start"].iloc[0]) == "2022-10-01"
    # round trip through the canonical CSV text
    again = read(write(tmp_path, to_csv_text(out).splitlines()[1:]))
    pd.testing.assert_frame_equal(again, out)


# (rows, expected line, expected column); line 1 is the header
BAD = {
    "unknown applicant": ([GOOD[0], f"12345,{CALL},{R1},2022-10-01,10,"], 3, "applicant"),
    "unknown partnership": ([f"IGS99,{CALL},{R1},2022-10-01,10,"], 2, "applicant"),
    "empty applicant": ([f",{CALL},{R1},2022-10-01,10,"], 2, "applicant"),
    "unknown call": ([f"96001,Oproep 2031,{R1},2022-10-01,10,"], 2, "call"),
    "unknown rule": ([GOOD[0], GOOD[1], f"96002,{CALL},demo-rule-99,2022-10-01,10,"], 4, "rule"),
    "target above max units": ([f"96001,{CALL},{R2},2022-10-01,101,"], 2, "target_units"),
    "action plan above max": ([f"96001,{CALL},{PLAN},2022-10-01,2,"], 2, "target_units"),
    "negative target": ([f"96001,{CALL},{R1},2022-10-01,-3,"], 2, "target_units"),
    "non-numeric target": ([f"96001,{CALL},{R1},2022-10-01,veel,"], 2, "target_units"),
    "missing target": ([f"96001,{CALL},{R1},2022-10-01,,4"], 2, "target_units"),
    "fractional target": ([f"96001,{CALL},{R1},2022-10-01,2.5,"], 2, "target_units"),
    "negative realised": ([f"96001,{CALL},{R1},2022-10-01,10,-1"], 2, "realised_units"),
    "non-numeric realised": ([f"96001,{CALL},{R1},2022-10-01,10,n/a"], 2, "realised_units"),
    "period before the call": ([f"96001,{CALL},{R1},2021-10-01,10,"], 2, "period_start"),
    "period after the call": ([f"96001,{CALL},{R1},2023-10-01,10,"], 2, "period_start"),
    "period not a date": ([f"96001,{CALL},{R1},1/10/2022,10,"], 2, "period_start"),
    "duplicate": ([*GOOD, GOOD[0]], 5, "applicant"),
    "header only": ([], 2, "applicant"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_rule_names_file_line_and_column(tmp_path, case):
    rows, line, column = BAD[case]
    path = write(tmp_path, rows)
    with pytest.raises(DataError) as err:
        read(path)
    e = err.value
    assert (e.file, e.row, e.column) == (str(path), line, column)
    assert "\n" not in str(e)  # one line


def test_first_problem_in_file_order_wins(tmp_path):
    rows = [GOOD[0], f"96001,{CALL},{R2},2022-10-01,500,", f"12345,{CALL},{R1},2022-10-01,1,"]
    with pytest.raises(DataError) as err:
        read(write(tmp_path, rows))
    assert (err.value.row, err.value.column) == (3, "target_units")


def test_missing_column_and_empty_file(tmp_path):
    header = ",".join(c for c in COLUMNS if c != "period_start")
    with pytest.raises(DataError) as err:
        read(write(tmp_path, [f"96001,{CALL},{R1},10,"], header=header))
    assert (err.value.row, err.value.column) == (1, "period_start")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError) as err:
        read(empty)
    assert err.value.file == str(empty)


def test_rule_of_another_call_is_refused(tmp_path):
    other = RULES.assign(call=np.where(RULES["rule_id"] == R2, "Demo oproep 2023", CALL))
    path = write(tmp_path, [f"96001,{CALL},{R2},2022-10-01,10,"])
    with pytest.raises(DataError) as err:
        read_contracts(path, other, MUNICIPALITIES, PARTNERSHIPS)
    assert (err.value.row, err.value.column) == (2, "rule")


def test_over_realisation_and_zero_are_valid(tmp_path):
    rows = [f"96001,{CALL},{R2},2022-10-01,100,140", f"96002,{CALL},{R2},2022-10-01,10,0"]
    out = read(write(tmp_path, rows))
    assert out["realised_units"].tolist() == [140.0, 0.0]


# ----------------------------------------------------------------------------- Demoland
def test_demo_contracts_are_valid_deterministic_and_scale_with_size():
    a = demo_contracts(RULES)
    b = demo_contracts(RULES)
    pd.testing.assert_frame_equal(a, b)
    treatment = demo.treatment_table()
    signers = set(treatment.loc[treatment.cohort == 2022, "applicant"])
    assert set(a["applicant"]) == signers
    by_rule = RULES.set_index("rule_id")["max_units"]
    assert (a["target_units"] <= a["rule"].map(by_rule)).all()
    assert a["realised_units"].isna().any() and a["realised_units"].notna().any()
    # validates as a file
    codes = demo.codes_for_year(2025)
    text = to_csv_text(a)
    checked = read_contracts_text(text, codes)
    assert len(checked) == len(a)
    # larger applicants commit more to the same rule
    size = demo._non_eu14_2025_vintage(demo.DEFAULT_SEED)
    size = size[size.year == demo.REFERENCE_YEAR].set_index("refnis")["non_eu14"]
    r1 = a[a["rule"] == R1].assign(size=lambda d: d["applicant"].map(size))
    assert r1["target_units"].corr(r1["size"], method="spearman") > 0.5


def read_contracts_text(text: str, codes) -> pd.DataFrame:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contracts.csv"
        path.write_text(text)
        return read_contracts(path, RULES, codes, demo.partnerships_table())


# ----------------------------------------------------------------------------- build
def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def contract_mirror(demo_dir, tmp_path) -> Path:
    folder = tmp_path / "mirror"
    folder.mkdir()
    for name in (
        "DEMOLAND.txt",
        "TU_COM_REFNIS.txt",
        "fusies-2025.csv",
        "TF_SOC_POP_STRUCT_2013.zip",
        "partnerships.csv",
        "contracts.csv",
        demo.DEMO_CALL_RULES_FILE,
    ):
        shutil.copy(demo_dir / name, folder / name)
    return folder


TABLES = ("municipalities", "partnerships", "call_rules", "contracts")


def test_build_writes_contracts_with_provenance(contract_mirror, tmp_path):
    out = tmp_path / "processed"
    result = build.build(2025, data_dir=contract_mirror, out=out, years=[2013], tables=TABLES)
    frame, prov = build.load("contracts", out)
    assert len(frame) == len(demo_contracts(RULES)) and list(frame.columns) == list(COLUMNS)
    assert prov["demo"] is True and prov["rows"] == len(frame)
    files = {i["file"] for i in prov["inputs"]}
    assert {"contracts.csv", "partnerships.csv", demo.DEMO_CALL_RULES_FILE} <= files
    assert "contracts" in result.tables
    again = build.build(2025, data_dir=contract_mirror, out=out, years=[2013], tables=TABLES)
    assert again.cache_hit


@pytest.mark.parametrize("case", ["unknown rule", "target above max units", "duplicate"])
def test_bad_contracts_fail_the_build_and_write_nothing(contract_mirror, tmp_path, case):
    out = tmp_path / "processed"
    build.build(2025, data_dir=contract_mirror, out=out, years=[2013], tables=TABLES)
    before = _hashes(out)
    good = (contract_mirror / "contracts.csv").read_text().splitlines()
    bad_rows = {
        "unknown rule": good[1].replace(R1, "demo-rule-77"),
        "target above max units": ",".join(good[1].split(",")[:4] + ["9999", ""]),
        "duplicate": good[1],
    }
    (contract_mirror / "contracts.csv").write_text("\n".join([*good, bad_rows[case]]) + "\n")
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=contract_mirror, out=out, years=[2013], tables=TABLES)
    assert err.value.file.endswith("contracts.csv") and err.value.row == len(good) + 1
    assert _hashes(out) == before
    with pytest.raises(DataError):
        build.build(
            2025, data_dir=contract_mirror, out=tmp_path / "fresh", years=[2013], tables=TABLES
        )
    assert not (tmp_path / "fresh").exists()


def test_contracts_without_call_rules_is_an_error(tmp_path, monkeypatch):
    """A real-layout mirror (no Demoland fill-in) with contracts.csv but no call configuration."""
    from .test_build import _fake_real_mirror

    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path / "raw"))
    mirror = _fake_real_mirror(tmp_path / "mirror")
    (mirror / "contracts.csv").write_text(f"{HEADER}\n11002,Oproep 2022,x,2022-10-01,1,\n")
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=tmp_path / "p")
    assert err.value.file.endswith("contracts.csv")
    assert not (tmp_path / "p").exists()


def test_contracts_alone_are_checked_against_fresh_or_cached_rules(contract_mirror, tmp_path):
    """``tables=("contracts",)`` reads the rules itself (fresh folder) or reuses cached ones."""
    alone = build.build(
        2025, data_dir=contract_mirror, out=tmp_path / "alone", years=[2013], tables=("contracts",)
    )
    assert set(alone.tables) == {"contracts"}
    out = tmp_path / "full"
    build.build(2025, data_dir=contract_mirror, out=out, years=[2013], tables=TABLES)
    text = (contract_mirror / "contracts.csv").read_text().splitlines()
    (contract_mirror / "contracts.csv").write_text("\n".join(text[:-1]) + "\n")  # one line less
    again = build.build(
        2025, data_dir=contract_mirror, out=out, years=[2013], tables=("contracts",)
    )
    assert len(build.load("contracts", out)[0]) == len(text) - 2 and not again.cache_hit
