"""Benchmark of the demo report suite (``samenleven bench reports``): prints seconds, asserts nothing."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from samenleven_analysis.data.plan_facts import fact
from samenleven_analysis.facts import THRESHOLD_RESIDENTS, VINTAGES
from samenleven_analysis.reports.kernels import environ
from samenleven_analysis.reports.runner import prepare_data, run_notebooks

REFERENCE_YEAR = int(fact("eligibility_reference_year"))
"""Year whose residents the benchmarked reports count (the rule's reference year)."""


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
    with (
        tempfile.TemporaryDirectory(prefix="samenleven-bench-") as tmp,
        environ({"SAMENLEVEN_DEMO": "1"}),
    ):
        base = Path(out) if out else Path(tmp)
        t = time.perf_counter()
        prepared = prepare_data([VINTAGES[-1]])
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

        timed(
            "full demo suite (--all --authorities eligible --jobs 2)",
            all_=True,
            authorities="eligible",
            jobs=2,
            out=base / "full",
        )
        timed("one authority report", authorities=codes[:1], jobs=1, out=base / "one")
        timed(
            f"{len(codes)} authority reports --jobs 1", authorities=codes, jobs=1, out=base / "j1"
        )
        timed(
            f"{len(codes)} authority reports --jobs 2", authorities=codes, jobs=2, out=base / "j2"
        )
    print(f"benchmark on {os.cpu_count()} CPU(s):")
    for label, seconds in figures.items():
        print(f"  {label:<60} {seconds:7.1f} s")
    return figures


def _phases(folder: Path, sample: list[str], out: Path) -> dict[str, float]:
    """Where one authority report's time goes, measured in this process on warm caches.

    Kernel start, data loading, the report's sections (mostly plotting) and HTML export.
    """
    import matplotlib

    matplotlib.use("Agg")
    from samenleven_analysis.reports import context as reporting
    from samenleven_analysis.reports.authority_report import AuthorityReport
    from samenleven_analysis.reports.kernels import ReusableKernel

    phases: dict[str, float] = {}
    t = time.perf_counter()
    kernel = ReusableKernel(str(folder))
    phases["kernel start (once per batch)"] = time.perf_counter() - t
    t = time.perf_counter()
    kernel.reset()
    phases["kernel reset (per report)"] = time.perf_counter() - t
    kernel.shutdown()
    t = time.perf_counter()
    ctx = reporting.data_context(VINTAGES[-1])
    AuthorityReport.build(
        ctx,
        sample[0],
        year=REFERENCE_YEAR,
        definition="non_eu14",
        threshold=THRESHOLD_RESIDENTS,
        vintage=VINTAGES[-1],
        min_cell=5,
    )
    phases["data loading, first report (tables read and counted once per kernel)"] = (
        time.perf_counter() - t
    )
    sections = (
        "at_a_glance",
        "composition",
        "pyramid",
        "benchmark",
        "eligibility",
        "income",
        "subsidy",
        "programmes",
        "outcomes",
        "limits",
    )
    loading, drawing = [], []
    for code in sample:
        t = time.perf_counter()
        report = AuthorityReport.build(
            ctx,
            code,
            year=REFERENCE_YEAR,
            definition="non_eu14",
            threshold=THRESHOLD_RESIDENTS,
            vintage=VINTAGES[-1],
            min_cell=5,
            output_dir=str(out / f"{code}_files"),
        )
        loading.append(time.perf_counter() - t)
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # outside a notebook sections print
            for name in sections:
                getattr(report, name)()
        drawing.append(time.perf_counter() - t)
    phases["data loading, later reports (median)"] = statistics.median(loading)
    phases["sections: tables + 5 figures as PNG and SVG (median)"] = statistics.median(drawing)
    return phases


def _cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (kernels, pool workers)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def benchmark_all_authorities(
    data_dir: str | Path | None = None,
    *,
    jobs: int = 2,
    topics: bool = True,
    out: Path | None = None,
    sample: int | None = None,
) -> dict[str, float]:
    """Print (and return) the figures of ``samenleven run --all --authorities all`` (real mirror).

    Wall and CPU time, load average, reports, per-report median, and where one report's time goes
    (kernel, data loading, plotting, HTML export). Not a test: nothing is asserted.

    ``sample``: run only every k-th authority (``sample`` reports, no topic notebooks) and
    extrapolate the CPU seconds to all authorities and to ``jobs`` cores; on a shared
    machine wall times are inflated by the other processes, CPU seconds much less so.
    """
    import json

    from samenleven_analysis.reports import context as reporting
    from samenleven_analysis.reports.kernels import export_html

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="samenleven-bench-all-") as tmp:
        base = Path(out) if out else Path(tmp)
        authorities: Any = "all"
        n_all = None
        if sample:
            with environ(prepare_data([VINTAGES[-1]], data_dir=data_dir).env):
                codes = [str(c) for c in reporting.authority_table()["applicant"]]
            n_all = len(codes)
            authorities = codes[:: max(1, len(codes) // sample)][:sample]
            topics = False
        load_before = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), _cpu_seconds()
        status = run_notebooks(
            all_=topics,
            authorities=authorities,
            jobs=jobs,
            data_dir=data_dir,
            out=base / "all",
            progress=False,
        )
        figures["wall time, run (s)"] = time.perf_counter() - t0
        figures["CPU time, run incl. kernels (s)"] = _cpu_seconds() - c0
        figures["load average (1 min) before"] = load_before
        figures["load average after"] = os.getloadavg()[0]
        info = json.loads((base / "all" / "run.json").read_text(encoding="utf-8"))
        reports = [r for r in info["results"] if r["kind"] == "authority"]
        others = [r for r in info["results"] if r["kind"] != "authority"]
        figures["authority reports"] = len(reports)
        figures["authority reports ok"] = sum(bool(r["ok"]) for r in reports)
        if n_all:
            per = figures["CPU time, run incl. kernels (s)"] / max(1, len(reports))
            figures["CPU s per authority report (incl. run overhead)"] = per
            figures[f"extrapolated: {n_all} reports, CPU s"] = per * n_all
            figures[f"extrapolated: {n_all} reports on {jobs} cores, s"] = per * n_all / jobs
        figures["per report median (s, incl. HTML export)"] = statistics.median(
            r["seconds"] for r in reports
        )
        figures["per report max (s)"] = max(r["seconds"] for r in reports)
        figures["topic notebooks (s, sum)"] = sum(r["seconds"] for r in others)
        if status:
            print(
                f"warning: run status {status}: "
                + ", ".join(r["label"] for r in info["results"] if not r["ok"]),
                file=sys.stderr,
            )
        html = base / "all" / "authorities" / f"{reports[0]['label']}.ipynb"
        t = time.perf_counter()
        export_html(html, base / "export-check.html")
        figures["HTML export of one report (s)"] = time.perf_counter() - t
        from samenleven_analysis.reports.runner import notebooks_dir

        _print(figures, jobs)  # the run's figures first: the phase breakdown starts a kernel
        figures = dict(figures)
        try:
            with environ(prepare_data([VINTAGES[-1]], data_dir=data_dir).env):
                sample_codes = [r["label"] for r in reports[:5]]
                phases = _phases(notebooks_dir(), sample_codes, base / "phases")
        except Exception as exc:  # a benchmark prints what it could measure
            print(f"warning: phase breakdown failed: {exc}", file=sys.stderr)
            return figures
        figures.update(phases)
        print("phase breakdown (one report, this process, warm caches):")
        for label, value in phases.items():
            print(f"  {label:<72} {value:8.2f}")
    return figures


def _print(figures: dict[str, float], jobs: int) -> None:
    print(f"benchmark on {os.cpu_count()} CPU(s), --jobs {jobs}:", flush=True)
    for label, value in figures.items():
        print(f"  {label:<72} {value:8.2f}", flush=True)
