"""Two runs of the same inputs write byte-identical files (issues 17 and 22).

The shared demo run (``demo_report_run``: authority reports sharing kernels in batches, and the
dashboard) is run once more into another folder the slow way (one process, a fresh kernel per
notebook: ``--fresh-kernels --jobs 1``) and every published file is compared byte for byte. Only
``run.json`` may differ: it alone keeps the clock time and the durations of the run.
"""

from __future__ import annotations

import difflib
import json

import pytest
from _demo_run import DEMO_AUTHORITIES, DEMO_MIN_CELL
from conftest import _isolated_env

from samenleven_analysis.reports import runner
from samenleven_analysis.reports.provenance import GIT_COMMIT_ENV

COMPARED = {".html", ".ipynb", ".csv", ".png", ".svg"}


@pytest.mark.notebooks
def test_a_second_run_of_the_same_inputs_writes_the_same_bytes(
    demo_report_run, tmp_path_factory, monkeypatch
):
    first, status = demo_report_run
    assert status == 0
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    # the same code: a commit made while the session runs must not count as a change
    first_info = json.loads((first / "run.json").read_text(encoding="utf-8"))
    monkeypatch.setenv(GIT_COMMIT_ENV, first_info["git_commit"])
    base = tmp_path_factory.getbasetemp()
    second = tmp_path_factory.mktemp("rerun") / "20250101T000000Z"
    with _isolated_env(base, SAMENLEVEN_DEMO="1"):
        status = runner.run_notebooks(
            [],
            authorities=list(DEMO_AUTHORITIES),
            params=[("min_cell", str(DEMO_MIN_CELL))],
            out=second,
            jobs=1,
            progress=False,
            fresh_kernels=True,
        )
    assert status == 0
    files = sorted(
        p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.name != ".lock"
    )
    assert (
        sorted(
            p.relative_to(second) for p in second.rglob("*") if p.is_file() and p.name != ".lock"
        )
        == files
    )
    kinds = {p.suffix for p in files}
    assert COMPARED <= kinds, f"the run should publish every kind of file: {kinds}"
    differ = [
        str(p)
        for p in files
        if p.name != "run.json" and (first / p).read_bytes() != (second / p).read_bytes()
    ]
    first_diff = ""
    if differ and differ[0].endswith((".html", ".ipynb", ".csv", ".svg")):
        a, b = ((d / differ[0]).read_text(encoding="utf-8").splitlines() for d in (first, second))
        first_diff = "\n".join(list(difflib.unified_diff(a, b, lineterm="", n=0))[:20])
    assert differ == [], first_diff
    # the clock time is in run.json, and nowhere else
    started = json.loads((second / "run.json").read_text(encoding="utf-8"))["started_utc"]
    for p in files:
        if p.suffix in {".html", ".ipynb"}:
            assert started[:16] not in (second / p).read_text(encoding="utf-8"), p
