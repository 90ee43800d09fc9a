"""Fixtures of the report-module tests: one Demoland build shared by the report steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from samenleven_analysis.data import build
from samenleven_analysis.reports import context as reporting


@pytest.fixture(scope="session")
def demo_report_ctx(tmp_path_factory, demo_dir) -> reporting.DataContext:
    """A data context on one demo build (vintage 2025); read-only by convention.

    Built from the session's Demoland files (``demo_dir``), not from a second generated set.
    """
    out = tmp_path_factory.mktemp("demo_build_reports")
    with pytest.MonkeyPatch.context() as mp:  # session scope: before the autouse isolation
        mp.setenv("SAMENLEVEN_RAW_DIR", str(demo_dir.parent))
        mp.setenv("SAMENLEVEN_PROCESSED_DIR", str(out))
        result = build.build(2025, offline=True, demo=True, out=out)
    return reporting.DataContext(vintage=2025, processed=Path(result.out_dir), built_demo=True)


@pytest.fixture
def shown(monkeypatch) -> list:
    """What the report steps display (Markdown, HTML, images), in order, instead of showing it."""
    from samenleven_analysis.reports import publish

    seen: list = []
    monkeypatch.setattr(reporting, "_display", seen.append)
    monkeypatch.setattr(publish, "_display", seen.append)
    monkeypatch.setattr(publish, "_display_png", lambda data, width: seen.append(data))
    return seen
