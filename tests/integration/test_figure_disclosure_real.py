"""Figures draw only what the suppressed tables publish (issue 19, item 2), on the real mirror.

Herstappe (73028), the smallest municipality, whose 2009 composition table reads ``<5``
non-Belgians, a complementary suppression and a total of 85.
"""

from __future__ import annotations

import pytest
from _figure_scan import scan_authority_report

pytestmark = pytest.mark.realdata


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
