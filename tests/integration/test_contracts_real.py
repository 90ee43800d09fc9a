"""Contracts under the real 2022 call rules (the mirror's call configuration).

Demoland contracts generated from them, and a crafted contracts.csv with real municipality codes
built next to the real mirror (linked file by file into tmp_path, never copied into the repo).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import kpi
from samenleven_analysis.data import build, demo
from samenleven_analysis.data.call_rules import read_call_rules
from samenleven_analysis.data.contracts import COLUMNS, read_contracts, to_csv_text
from samenleven_analysis.data.demo_contracts import demo_contracts
from samenleven_analysis.errors import DataError
from samenleven_analysis.reports import kpi as report

POLARISATION = "7f7f1d20-942d-48ac-85a0-748db7f3d835"  # action plan, max 1, 25,000 EUR
LANGUAGE = "f8be95d1-b262-4a7c-8bfb-e77c115d42c6"  # volwassen anderstaligen, max 2250, 60 EUR
PLEINMAKERS = "fd1882a8-996c-42a8-8774-0a7a453f5c70"  # max 4, 5,800 EUR


@pytest.fixture
def real_rules(real_data_dir) -> pd.DataFrame:
    return read_call_rules(real_data_dir / "plansamenleven")


def _linked_mirror(real: Path, folder: Path) -> Path:
    """A copy of the real mirror (28 MB; the originals are never touched).

    Not symlinks: a mirror refuses files that resolve outside it (docs/bad-inputs.md).
    """
    shutil.copytree(real, folder, dirs_exist_ok=True)
    for path in folder.rglob("*"):
        path.chmod(path.stat().st_mode | 0o200)  # the shared mirror is read-only; the copy not
    return folder


def _add_file(mirror: Path, name: str, text: str) -> None:
    """Write a file into the linked mirror and list it in the mirror's own SHA256SUMS.

    A mirror's checksum list must name every file.
    """
    import hashlib

    (mirror / name).write_text(text)
    sums = mirror / "SHA256SUMS"
    if sums.exists():
        lines = [ln for ln in sums.read_text().splitlines() if not ln.endswith(f"  {name}")]
        digest = hashlib.sha256((mirror / name).read_bytes()).hexdigest()
        sums.write_text("\n".join([*lines, f"{digest}  {name}"]) + "\n")


def test_demo_contracts_follow_the_real_rules(real_rules, real_data_dir):
    a = demo_contracts(data_dir=real_data_dir)
    assert set(a["rule"]) <= set(real_rules["rule_id"]) and (a["call"] == "Oproep 2022").all()
    path_rules = real_rules.set_index("rule_id")
    assert (a["target_units"] <= a["rule"].map(path_rules["max_units"])).all()
    assert {str(d) for d in a["period_start"]} == {"2022-10-01"}
    lines = kpi.contract_lines(a, real_rules)
    # the real rules hold action plans: never counted as persons
    plans = lines[lines["kpi_unit"] == "lokaal actieplan"]
    assert len(plans) and (plans["unit_kind"] == "action plans").all()
    persons = lines.loc[lines["unit_kind"] == "persons", "target"].sum()
    assert kpi.reach(lines).iloc[0]["target_persons"] == persons < lines["target"].sum()


def test_real_rules_validate_a_crafted_file(real_rules, tmp_path):
    path = tmp_path / "contracts.csv"
    path.write_text(
        ",".join(COLUMNS) + "\n"
        f"11002,Oproep 2022,{LANGUAGE},2022-10-01,2250,1900\n"
        f"11002,Oproep 2022,{POLARISATION},2022-10-01,1,1\n"
        f"44021,Oproep 2022,{PLEINMAKERS},2022-10-01,4,\n"
    )
    out = read_contracts(path, real_rules, ["11002", "44021"])
    lines = kpi.contract_lines(out, real_rules)
    assert lines["committed_eur"].tolist() == [135000.0, 25000.0, 23200.0]
    assert lines["earned_eur"].iloc[:2].tolist() == [114000.0, 25000.0]
    assert np.isnan(lines["earned_eur"].iloc[2])
    # the 2022-06-13 migration moved the project period to 1 Oct 2022 – 30 Sep 2023
    path.write_text(",".join(COLUMNS) + f"\n11002,Oproep 2022,{LANGUAGE},2022-07-01,10,\n")
    with pytest.raises(DataError) as err:
        read_contracts(path, real_rules, ["11002"])
    assert (err.value.row, err.value.column) == (2, "period_start")
    # 2,250 is the rule's maximum
    path.write_text(",".join(COLUMNS) + f"\n11002,Oproep 2022,{LANGUAGE},2022-10-01,2251,\n")
    with pytest.raises(DataError) as err:
        read_contracts(path, real_rules, ["11002"])
    assert (err.value.row, err.value.column) == (2, "target_units")


@pytest.mark.slow  # > 5 s: the end-to-end tier (`make test-e2e`, CI)
def test_real_build_with_and_without_contracts(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    tables = ("municipalities", "call_rules", "contracts")
    # without contracts.csv: no contracts table, and the panel says what to supply
    plain = build.build(
        2025,
        data_dir=real_data_dir,
        out=tmp_path / "plain",
        demo=False,
        years=[2015],
        tables=tables,
    )
    assert "call_rules" in plain.tables and "contracts" not in plain.tables
    d = report.kpi_data(tmp_path / "plain")
    assert d.status == "no contracts" and not d.demo
    assert 'id="kpi-missing"' in report.kpi_panel_html(d)
    # with a crafted contracts.csv next to the real files
    mirror = _linked_mirror(real_data_dir, tmp_path / "mirror")
    rows = pd.DataFrame(
        {
            "applicant": ["11002", "44021"],
            "call": ["Oproep 2022"] * 2,
            "rule": [LANGUAGE, POLARISATION],
            "period_start": [pd.Timestamp("2022-10-01").date()] * 2,
            "target_units": [1000, 1],
            "realised_units": [800.0, np.nan],
        }
    )
    _add_file(mirror, "contracts.csv", to_csv_text(rows))
    out = tmp_path / "with"
    build.build(2025, data_dir=mirror, out=out, demo=False, years=[2015], tables=tables)
    frame, prov = build.load("contracts", out)
    assert frame["applicant"].tolist() == ["11002", "44021"] and prov["demo"] is False
    d = report.kpi_data(out)
    assert d.ok and not d.demo and d.names["11002"]
    html = report.kpi_panel_html(d)
    assert 'id="kpi-reported">1<' in html and 'class="kpi-demo"' not in html
    # a Demoland code is not a municipality of the real vintage
    bad = rows.assign(applicant=["11002", demo.MERGED_CODE])
    _add_file(mirror, "contracts.csv", to_csv_text(bad))
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=out, demo=False, years=[2015], tables=tables)
    assert (err.value.row, err.value.column) == (3, "applicant")
