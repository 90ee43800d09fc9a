"""catalog.resolve(): order, checksums, provenance, offline and demo rules."""

from __future__ import annotations

import pytest

from samenleven_analysis.data import catalog


def test_force_demo_skips_cache_and_mirror(real_data_dir, monkeypatch, demo_dir):
    monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
    found = catalog.resolve("refnis", data_dir=real_data_dir)
    assert found.demo is True and found.path.parent == demo_dir


@pytest.mark.realdata
def test_real_mirror_files_match_declared_checksums(real_data_dir):
    for dataset_id in [
        "refnis",
        "income",
        "boundaries_belgium_581",
        "boundaries_fb_2025",
        "boundaries_fb_2024",
        "boundaries_fb_2018",
        "mergers_2025",
    ]:
        found = catalog.resolve(dataset_id, data_dir=real_data_dir, offline=True)
        assert found.source == "mirror" and found.demo is False
    years = [
        y
        for y in catalog.population_years()
        if catalog.locate(f"population_{y}", data_dir=real_data_dir)
    ]
    assert years == list(range(2009, 2016))
