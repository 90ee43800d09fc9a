"""Benchmarks (commands that print figures; never part of the test run).

``samenleven bench build`` (``make bench``) times ``samenleven build`` of the
population table for the seven real years 2009–2015 against a bare ``pyarrow.csv`` parse of
the same zip files, and prints:

* build seconds (read + validate + harmonise to the 2025 vintage + write Parquet),
* bare-parse seconds (``zipfile`` member stream → ``pyarrow.csv.read_csv(delimiter="|")``,
  all columns, default options — what any pipeline must at least pay),
* their ratio (goal ≤ 1.5),
* peak memory of the build (max resident set size; goal ≤ 2 GB),
* seconds of a cached rebuild (goal < 1 s),
* CPU seconds of both sides (summed over threads), a ratio less sensitive to other load.

Runs alternate (bare parse, build) and the median of ``--repeat`` runs is reported, so
that load from other processes affects both sides alike. One-time setup (imports, code
lists) is timed separately and is not part of the build figure.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from samenleven_analysis.facts import VINTAGES

if TYPE_CHECKING:
    from samenleven_analysis.data.build import BuildResult

REAL_YEARS = tuple(range(2009, 2016))
GOALS = {"ratio": 1.5, "cached_s": 1.0, "peak_gb": 2.0}


def _maxrss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def _current_rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # pragma: no cover - non-Linux
        return 0


def bare_parse(paths: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds to parse every file with pyarrow.csv alone (all columns, defaults)."""
    import pyarrow.csv as pacsv

    start, cpu = time.perf_counter(), time.process_time()
    for path in paths:
        with zipfile.ZipFile(path) as zf, zf.open(zf.namelist()[0]) as stream:
            table = pacsv.read_csv(stream, parse_options=pacsv.ParseOptions(delimiter="|"))
            del table
    return time.perf_counter() - start, time.process_time() - cpu


def _build_population(vintage: int, data_dir: Path, out: Path) -> BuildResult:
    """One offline build of the population table from the real 2009-2015 files into ``out``."""
    from samenleven_analysis.data import build as build_mod

    return build_mod.build(
        vintage,
        data_dir=data_dir,
        offline=True,
        demo=False,
        out=out,
        years=REAL_YEARS,
        tables=("population_nationality",),
    )


def bench_build(data_dir: Path, *, repeat: int = 3, vintage: int = VINTAGES[-1]) -> dict:
    """Run the build benchmark and return its figures (also used by ``main``)."""
    from samenleven_analysis.data import catalog

    setup_start = time.perf_counter()
    # One-time setup: imports, the built-in code lists, pandera's backends.
    from samenleven_analysis.data import build as build_mod
    from samenleven_analysis.data import (
        municipalities,
        schemas,
    )

    municipalities.builtin_geography()
    schemas.validate(
        municipalities.builtin_geography().table(2025).head(1),
        schemas.MUNICIPALITIES,
        file="warm-up",
    )
    setup_s = time.perf_counter() - setup_start

    paths = []
    for year in REAL_YEARS:
        found = catalog.locate(f"population_{year}", data_dir=data_dir)
        if found is None or found.demo:
            raise SystemExit(
                f"population_{year} (TF_SOC_POP_STRUCT_{year}.zip) not found in {data_dir}"
            )
        paths.append(found.path)
    for p in paths:  # warm the OS file cache so neither side pays the first disk read
        p.read_bytes()

    base_rss = _current_rss_bytes()
    builds, parses, cached, builds_cpu, parses_cpu = [], [], [], [], []
    peak = 0
    work = Path(tempfile.mkdtemp(prefix="samenleven-bench-"))
    try:
        for i in range(repeat):
            wall, cpu = bare_parse(paths)
            parses.append(wall)
            parses_cpu.append(cpu)
            out = work / f"run{i}"
            start, cpu0 = time.perf_counter(), time.process_time()
            result = _build_population(vintage, data_dir, out)
            builds.append(time.perf_counter() - start)
            builds_cpu.append(time.process_time() - cpu0)
            if result.cache_hit or result.demo:
                raise SystemExit("benchmark build unexpectedly hit the cache or used demo data")
            peak = max(peak, _maxrss_bytes())
            start = time.perf_counter()
            again = _build_population(vintage, data_dir, out)
            cached.append(time.perf_counter() - start)
            if not again.cache_hit:
                raise SystemExit("second build was not a cache hit")
        frame, _ = build_mod.load("population_nationality", out)
        rows = len(frame)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    build_s = statistics.median(builds)
    parse_s = statistics.median(parses)
    return {
        "years": f"{REAL_YEARS[0]}-{REAL_YEARS[-1]}",
        "files": len(paths),
        "rows_out": rows,
        "setup_s": setup_s,
        "build_s": build_s,
        "bare_parse_s": parse_s,
        "ratio": build_s / parse_s,
        "peak_rss_gb": peak / 1e9,
        "rss_before_gb": base_rss / 1e9,
        "cached_s": statistics.median(cached),
        "build_cpu_s": statistics.median(builds_cpu),
        "bare_parse_cpu_s": statistics.median(parses_cpu),
        "runs_build_s": builds,
        "runs_parse_s": parses,
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def _print_build(fig: dict) -> None:
    ok = {
        "ratio": fig["ratio"] <= GOALS["ratio"],
        "cached": fig["cached_s"] < GOALS["cached_s"],
        "peak": fig["peak_rss_gb"] <= GOALS["peak_gb"],
    }
    mark = {True: "ok", False: "MISSED"}
    print(
        f"samenleven build benchmark: population {fig['years']} ({fig['files']} zip files, "
        f"{fig['rows_out']:,} rows out, vintage 2025), median of {len(fig['runs_build_s'])} runs"
    )
    print(
        f"  one-time setup (imports, code lists)  {fig['setup_s']:7.2f} s   (not in the build figure)"
    )
    print(
        f"  build (clean + harmonise + write)     {fig['build_s']:7.2f} s   runs: "
        + ", ".join(f"{x:.2f}" for x in fig["runs_build_s"])
    )
    print(
        f"  bare pyarrow.csv parse of same files  {fig['bare_parse_s']:7.2f} s   runs: "
        + ", ".join(f"{x:.2f}" for x in fig["runs_parse_s"])
    )
    print(
        f"  ratio build / bare parse              {fig['ratio']:7.2f}     goal <= {GOALS['ratio']}  "
        f"{mark[ok['ratio']]}"
    )
    print(
        f"  CPU seconds (all threads): build {fig['build_cpu_s']:.2f}, bare parse "
        f"{fig['bare_parse_cpu_s']:.2f}, ratio {fig['build_cpu_s'] / fig['bare_parse_cpu_s']:.2f} "
        "(less sensitive to other load)"
    )
    print(
        f"  peak memory (max RSS of the process)  {fig['peak_rss_gb']:7.2f} GB  goal <= {GOALS['peak_gb']}  "
        f"{mark[ok['peak']]}"
    )
    print(
        f"  cached rebuild                        {fig['cached_s']:7.3f} s   goal < {GOALS['cached_s']}  "
        f"{mark[ok['cached']]}"
    )
    if fig.get("load_avg"):
        print(f"  (machine: {fig['cpus']} CPUs, load average {fig['load_avg'][0]:.2f})")


def main(data_dir: Path | None = None, repeat: int = 3) -> int:
    """``samenleven bench build``: print the build figures (skips without a mirror)."""
    data_dir = data_dir or (
        Path(os.environ["SAMENLEVEN_DATA_DIR"]) if os.environ.get("SAMENLEVEN_DATA_DIR") else None
    )
    if data_dir is None:
        # Skipped, not failed: `make bench` goes on to the report benchmark.
        print(
            "build benchmark skipped: set SAMENLEVEN_DATA_DIR or pass --data-dir (a mirror "
            "with the 2009-2015 TF_SOC_POP_STRUCT zips)",
            file=sys.stderr,
        )
        return 0
    # The benchmark must never write into the project's data/ folders.
    with tempfile.TemporaryDirectory(prefix="samenleven-bench-raw-") as raw:
        os.environ.setdefault("SAMENLEVEN_RAW_DIR", raw)
        _print_build(bench_build(data_dir, repeat=max(1, repeat)))
    return 0
