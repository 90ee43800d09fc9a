"""One rule for "is this table Demoland data?", used by the build, the context and the index."""

from __future__ import annotations

import json

from samenleven_analysis.data import build
from samenleven_analysis.reports import provenance


def test_provenance_is_demo_reads_the_flag_and_every_input_layout():
    assert build.provenance_is_demo({"demo": True})
    assert build.provenance_is_demo({"inputs": [{"file": "a.csv", "demo": True}]})
    assert build.provenance_is_demo({"sources": {"outcomes": {"demo": True}}})
    assert not build.provenance_is_demo({"inputs": [{"file": "a.csv", "demo": False}]})
    assert not build.provenance_is_demo({})


def test_is_demo_skips_unreadable_sidecars_and_the_index_uses_the_same_rule(tmp_path):
    (tmp_path / "broken.provenance.json").write_text("{not json")
    assert not build.is_demo(processed=tmp_path)
    (tmp_path / "outcomes.provenance.json").write_text(
        json.dumps({"inputs": [{"file": "outcomes.csv", "demo": True}]})
    )
    assert build.is_demo(processed=tmp_path) and build.is_demo("outcomes", tmp_path)
    rows = provenance.data_provenance({"2025": tmp_path})
    assert [r["demo"] for r in rows if r["table"] == "outcomes"] == [True]
