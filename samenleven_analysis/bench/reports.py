"""Benchmark of the demo report suite (``samenleven bench reports``): prints seconds, asserts nothing."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from samenleven_analysis.reports.kernels import environ
from samenleven_analysis.reports.runner import prepare_data, run_notebooks


def benchmark_reports(n_authorities: int = 4, out: Path | None = None) -> dict[str, float]:
    """Print (and return) seconds for the demo report suite on this machine.

    * build: preparing the demo tables (cache warm-up, not part of the suite figures);
    * full suite: ``--all --authorities eligible --jobs 2`` (the ``make reports`` run);
    * one authority report;
    * ``n_authorities`` authority reports with ``--jobs 1`` and with ``--jobs 2``.
    Runs in demo mode; outputs go to a temporary folder. Not a test: nothing is asserted.
    """
    from samenleven_analysis.reports import context as reporting

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="samenleven-bench-") as tmp, environ({"SAMENLEVEN_DEMO": "1"}):
        base = Path(out) if out else Path(tmp)
        t = time.perf_counter()
        prepared = prepare_data([2025])
        figures["build (demo, warm-up)"] = time.perf_counter() - t
        with environ(prepared.env):
            table = reporting.authority_table()
        codes = [str(c) for c in table.loc[table["eligible"], "applicant"]][:n_authorities]

        def timed(label: str, **kwargs: Any) -> None:
            t0 = time.perf_counter()
            status = run_notebooks(progress=False, **kwargs)
            figures[label] = time.perf_counter() - t0
            if status:
                print(f"warning: {label}: status {status}", file=sys.stderr)

        timed("full demo suite (--all --authorities eligible --jobs 2)",
              all_=True, authorities="eligible", jobs=2, out=base / "full")
        timed("one authority report", authorities=codes[:1], jobs=1, out=base / "one")
        timed(f"{len(codes)} authority reports --jobs 1", authorities=codes, jobs=1, out=base / "j1")
        timed(f"{len(codes)} authority reports --jobs 2", authorities=codes, jobs=2, out=base / "j2")
    print(f"benchmark on {os.cpu_count()} CPU(s):")
    for label, seconds in figures.items():
        print(f"  {label:<60} {seconds:7.1f} s")
    return figures
