"""The build benchmark (``samenleven bench build``): its bare parse and its refusal of demo files."""

from __future__ import annotations

import pytest

from samenleven_analysis.bench import build as bench_build


def test_bare_parse_reads_every_zip_and_times_it(demo_dir):
    zips = sorted(demo_dir.glob("TF_SOC_POP_STRUCT_*.zip"))
    assert zips
    wall, cpu = bench_build.bare_parse(zips)
    assert wall > 0 and cpu > 0


def test_the_benchmark_refuses_a_folder_without_the_real_years(tmp_path):
    with pytest.raises(SystemExit, match=r"population_2009 \(TF_SOC_POP_STRUCT_2009\.zip\)"):
        bench_build.bench_build(tmp_path, repeat=1)
