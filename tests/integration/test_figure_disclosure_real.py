"""Figures draw only what the suppressed tables publish (issue 19, item 2), on the real
mirror: Herstappe (73028), the smallest municipality, whose 2009 composition table reads
``<5`` non-Belgians, a complementary suppression and a total of 85.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _figure_scan import scan_authority_report

from samenleven_analysis.data import build
from samenleven_analysis.reports import context as reporting

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def real_ctx(tmp_path_factory):
    data_dir = os.environ.get("SAMENLEVEN_DATA_DIR")
    if not data_dir:
        pytest.skip("real-data test: set SAMENLEVEN_DATA_DIR to a local mirror")
    out = tmp_path_factory.mktemp("real_build_figures")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path_factory.mktemp("real_raw_figures")))
        mp.setenv("SAMENLEVEN_OFFLINE", "1")
        mp.delenv("SAMENLEVEN_DEMO", raising=False)
        result = build.build(2025, data_dir=data_dir, out=out, demo=False)
    assert not result.demo
    return reporting.DataContext(vintage=2025, processed=Path(result.out_dir), built_demo=False)


def test_herstappe_figures_draw_only_published_counts(real_ctx, tmp_path, monkeypatch):
    leaks, tables, _ = scan_authority_report(real_ctx, "73028", 5, tmp_path, monkeypatch)
    assert leaks == {k: [] for k in leaks}
    comp = tables["composition"].set_index("year (1 January)")
    row = comp.loc["2009"]
    groups = [c for c in comp.columns if c != "total"]
    # the small cell reads <5, the complementary one is marked as such, not as "<5"
    assert sorted(row[groups]) == ["<5", "x"] and row["total"] == "85"
    # the share of the suppressed count is not published next to its total either
    assert all(t in ("<5", "x") or int(t) >= 5 for c in groups for t in comp[c])
