"""The call-rules reader and the ``call_rules`` build table on the real mirror.

The true row count, read off the files: the 2022-04-14 migration deletes the 27 rules of the
first vocabulary and re-inserts 27 under the final one (19 with a description, 8 for a 2nd
or 3rd target group without); no later migration adds or removes a rule. So 27 rows.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import date

import pytest

from samenleven_analysis.data import build, call_rules, catalog

pytestmark = pytest.mark.realdata

POLARISATION = "7f7f1d20-942d-48ac-85a0-748db7f3d835"


@pytest.fixture
def folder(real_data_dir):
    found = catalog.locate("call_config", data_dir=real_data_dir)
    if found is None:
        pytest.skip(f"no Plan Samenleven call configuration in the mirror {real_data_dir}")
    return found.path.parent


@functools.cache
def _read(folder):  # one replay for the module's tests (the frame is not modified)
    return call_rules.read_call_rules(folder)


@pytest.fixture
def rules(folder):
    return _read(folder)


def test_row_count_and_ids(rules):
    assert len(rules) == 27
    assert rules["rule_id"].is_unique and rules["rule_id"].str.fullmatch(r"[0-9a-f-]{36}").all()
    assert (rules["description"] == "").sum() == 8
    assert (rules["action"] != "").all()  # every 2nd/3rd target group found its action
    assert set(rules["call"]) == {"Oproep 2022"}
    assert rules["rule_uri"].str.startswith("http://data.lblod.info/id/subsidies/rules/").all()


def test_amounts(rules):
    r = rules.set_index("rule_id")
    assert r.loc[POLARISATION, ["max_units", "eur_per_unit", "max_eur"]].tolist() == [
        1,
        25000.0,
        25000.0,
    ]
    assert (rules["max_eur"] == rules["max_units"] * rules["eur_per_unit"]).all()
    assert rules["max_eur"].sum() == 1_139_500
    first = rules.iloc[1]
    assert (first["objective"], first["kpi_unit"], first["max_units"], first["eur_per_unit"]) == (
        "Nederlands",
        "volwassen anderstaligen",
        2250,
        60.0,
    )
    per_objective = rules.groupby("objective")["max_eur"].sum()
    assert per_objective["Competenties"] == 208_800 and per_objective["Netwerk"] == 171_600
    assert set(rules["objective"]) == {
        "Veiligheid en leefbaarheid",
        "Nederlands",
        "Competenties",
        "Werk arbeidsmarkt",
        "Werk ondernemerschap",
        "Werk",
        "Netwerk",
        "Non-discriminatie",
        "1 gemeenschap",
    }


def test_final_periods(rules, folder):
    p = call_rules.call_periods(folder)
    assert (p.project_start, p.project_end) == (date(2022, 10, 1), date(2023, 9, 30))
    assert (p.application_start, p.application_end) == (date(2022, 3, 1), date(2022, 7, 1))
    assert set(rules["project_start"]) == {date(2022, 10, 1)}
    assert set(rules["application_end"]) == {date(2022, 7, 1)}


@pytest.mark.slow  # > 5 s: the end-to-end tier (`make test-e2e`, CI)
def test_history_records_the_conflicting_values(folder):
    h = call_rules.call_rules_history(folder)
    key = {(r.item, r.field): (r.before, r.after, r.migration) for r in h.itertuples()}
    assert key[("call", "project_start")][:2] == (date(2022, 7, 1), date(2022, 10, 1))
    assert key[("call", "project_end")][:2] == (date(2023, 6, 30), date(2023, 9, 30))
    assert key[("call", "project_start")][2].startswith("20220613110000")
    assert key[("call", "application_end")][:2] == (date(2022, 5, 31), date(2022, 7, 1))
    assert key[(POLARISATION, "eur_per_unit")][:2] == (12500.0, 25000.0)
    assert key[(POLARISATION, "eur_per_unit")][2].startswith("20220613100000")
    renamed = h[(h["field"] == "objective")]
    assert set(renamed["after"]) == {"Werk arbeidsmarkt", "Werk ondernemerschap"}


def test_build_writes_call_rules_with_provenance(real_data_dir, folder, tmp_path):
    result = build.build(
        2025, data_dir=real_data_dir, offline=True, demo=False, out=tmp_path, tables=["call_rules"]
    )
    assert "call_rules" in result.tables and not result.demo
    frame, prov = build.load("call_rules", tmp_path)
    assert len(frame) == prov["rows"] == 27 and prov["demo"] is False
    assert frame["max_eur"].sum() == 1_139_500
    files = sorted(p.name for p in folder.glob("*.sparql"))
    assert [i["file"] for i in prov["inputs"]] == files and len(files) == 7
    for inp in prov["inputs"]:
        assert inp["dataset_id"] == "call_config" and inp["source"] == "mirror"
        assert inp["sha256"] == hashlib.sha256((folder / inp["file"]).read_bytes()).hexdigest()
    again = build.build(
        2025, data_dir=real_data_dir, offline=True, demo=False, out=tmp_path, tables=["call_rules"]
    )
    assert again.cache_hit
