"""One small demo run of the report runner, shared by the tests that inspect its products
(disclosure scan, headless-browser dashboard check). Built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

from samenleven_analysis.reports import runner

DEMO_AUTHORITIES = ("99016", "IGS01", "96006")
"""The largest municipality, a partnership, and a small municipality with small cells."""
DEMO_MIN_CELL = 50
"""A high min_cell so that the small authority's tables must show suppressed cells."""

_RUNS: dict[str, tuple[Path, int]] = {}


def demo_run(base: Path, monkeypatch) -> tuple[Path, int]:
    """``(out_dir, exit status)`` of ``samenleven run --authorities ... -p min_cell 50`` on
    demo data. Call from a function-scoped fixture (the conftest isolates data folders)."""
    if "run" not in _RUNS:
        monkeypatch.setenv("SAMENLEVEN_DEMO", "1")
        out = base / "reports" / "20250101T000000Z"
        status = runner.run_notebooks(
            [], authorities=list(DEMO_AUTHORITIES), params=[("min_cell", str(DEMO_MIN_CELL))],
            out=out, jobs=2, progress=False,
        )
        _RUNS["run"] = (out, status)
        assert os.environ.get("SAMENLEVEN_DEMO") == "1"
    return _RUNS["run"]
