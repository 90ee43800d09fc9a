"""Shared fixtures. Tests never write into the checkout's data/ folders."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from samenleven_analysis.data import demo as demo_mod

REAL_DATA_DIR = os.environ.get("SAMENLEVEN_DATA_DIR")

SHARED_RUNS = ("demo_report_run", "real_run", "real_build")
"""Session fixtures that execute many notebooks or build the real tables."""


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Groups for pytest-xdist (``make test`` runs ``-n 2 --dist loadgroup``).

    Every test using a fixture of :data:`SHARED_RUNS` goes to that fixture's group, the others to
    their file's group, so that session and module fixtures run once per session, not once per
    worker, and no two workers build the same thing.

    ``tryfirst``: xdist turns the markers into ``nodeid@group`` in its own hook of this name,
    which otherwise runs before this one and finds no marker (``test_xdist_groups.py``).
    """
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        fixtures = getattr(item, "fixturenames", ())
        shared = next((name for name in SHARED_RUNS if name in fixtures), None)
        item.add_marker(pytest.mark.xdist_group(shared or item.nodeid.split("::")[0]))
    # ``simulation`` tests (size and coverage checks by simulation, minutes each) run only with
    # SAMENLEVEN_SIMULATION=1 (``make test-simulation``); ``notebooks`` and ``slow`` tests run in
    # ``make test-e2e`` (CI runs it after ``make test``).
    if os.environ.get("SAMENLEVEN_SIMULATION") != "1":
        skip = pytest.mark.skip(reason="simulation check: run with make test-simulation")
        for item in items:
            if "simulation" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_data_dirs(tmp_path_factory, monkeypatch):
    """Point the cache and processed folders at temporary ones for every test.

    The generated Demoland set is shared across the session (it is deterministic), so
    the demo fallback does not regenerate it in each test.
    """
    base = tmp_path_factory.getbasetemp()
    raw = base / "raw"
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(raw))
    monkeypatch.setenv("SAMENLEVEN_PROCESSED_DIR", str(base / "processed"))
    monkeypatch.delenv("SAMENLEVEN_DEMO", raising=False)
    monkeypatch.delenv("SAMENLEVEN_OFFLINE", raising=False)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """A Demoland folder written once per session (read-only by convention)."""
    folder = tmp_path_factory.getbasetemp() / "raw" / "demo"
    return demo_mod.ensure_demo(folder)


def _real_mirror() -> Path | None:
    if not REAL_DATA_DIR or not Path(REAL_DATA_DIR).is_dir():
        return None
    return Path(REAL_DATA_DIR)


@pytest.fixture
def real_data_dir() -> Path:
    """The local mirror of real files; skips (with the reason shown) when not configured."""
    if not REAL_DATA_DIR:
        pytest.skip(
            "real-data test: set SAMENLEVEN_DATA_DIR to a local mirror (.ci/run sets it for CI)"
        )
    path = _real_mirror()
    if path is None:
        pytest.skip(f"real-data test: SAMENLEVEN_DATA_DIR={REAL_DATA_DIR} is not a folder")
    return path


@contextlib.contextmanager
def _isolated_env(base: Path, **extra: str):
    """Session-scoped twin of ``_isolated_data_dirs`` for shared runs."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SAMENLEVEN_RAW_DIR", str(base / "raw"))
        mp.setenv("SAMENLEVEN_PROCESSED_DIR", str(base / "processed"))
        mp.delenv("SAMENLEVEN_DEMO", raising=False)
        mp.delenv("SAMENLEVEN_OFFLINE", raising=False)
        for key, value in extra.items():
            mp.setenv(key, value)
        yield


@pytest.fixture(scope="module")
def module_isolated_dirs(tmp_path_factory):
    """Module-scoped twin of ``_isolated_data_dirs``, for modules whose module fixtures read data.

    Module-scoped fixtures run before the per-test ``_isolated_data_dirs``: a module that reads
    a layer once in such a fixture marks itself ``pytest.mark.usefixtures("module_isolated_dirs")``
    so that cache and demo files never go into data/ either.
    """
    with _isolated_env(tmp_path_factory.getbasetemp()):
        yield


@pytest.fixture(scope="session")
def real_run(tmp_path_factory) -> tuple[Path, int]:
    """``(out_dir, exit status)`` of one ``samenleven run --all`` on the real mirror.

    Offline, nationality proxy, 2015, plus Antwerpen's authority report; shared by the session.
    """
    mirror = _real_mirror()
    if mirror is None:
        pytest.skip(
            "real-data test: set SAMENLEVEN_DATA_DIR to a local mirror (.ci/run sets it for CI)"
        )
    from _notebooks import REAL_RUN_AUTHORITY

    from samenleven_analysis.reports import runner

    base = tmp_path_factory.getbasetemp()
    out = base / "real-reports" / "20250101T000000Z"
    with _isolated_env(base):
        status = runner.run_notebooks(
            [],
            all_=True,
            authorities=[REAL_RUN_AUTHORITY],
            out=out,
            jobs=2,
            data_dir=mirror,
            offline=True,
            # 8 power draws instead of 40: the real-data path, not the precision of the curve
            params=[("definition", "nationality_proxy"), ("year", "2015"), ("power_draws", "8")],
            progress=False,
        )
    return out, status


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """``(result, rerun result, mirror)`` of one full 2025 build of the real mirror and its rerun.

    The build is offline, into a temporary folder; the immediate rerun is a cache hit. Shared by the
    session: the tests that read real tables use this one build instead of each making their own.
    """
    mirror = _real_mirror()
    if mirror is None:
        pytest.skip(
            "real-data test: set SAMENLEVEN_DATA_DIR to a local mirror (.ci/run sets it for CI)"
        )
    from samenleven_analysis.data import build

    base = tmp_path_factory.getbasetemp()
    out = tmp_path_factory.mktemp("real_build")
    with _isolated_env(base, SAMENLEVEN_OFFLINE="1"):
        result = build.build(2025, data_dir=mirror, out=out, demo=False)
        again = build.build(2025, data_dir=mirror, out=out, demo=False)
    assert not result.demo
    return result, again, mirror


@pytest.fixture(scope="session")
def real_ctx(real_build):
    """A report context on :func:`real_build` (read-only by convention)."""
    from samenleven_analysis.reports import context

    result = real_build[0]
    return context.DataContext(vintage=2025, processed=Path(result.out_dir), built_demo=False)


@pytest.fixture(scope="session")
def demo_report_run(tmp_path_factory) -> tuple[Path, int]:
    """``(out_dir, exit status)`` of a demo ``samenleven run --authorities ... -p min_cell 50``.

    Shared by the session (disclosure scan, headless-browser dashboard check).
    """
    from _demo_run import DEMO_AUTHORITIES, DEMO_MIN_CELL

    from samenleven_analysis.reports import runner

    base = tmp_path_factory.getbasetemp()
    out = base / "reports" / "20250101T000000Z"
    with _isolated_env(base, SAMENLEVEN_DEMO="1"):
        status = runner.run_notebooks(
            [],
            authorities=list(DEMO_AUTHORITIES),
            params=[("min_cell", str(DEMO_MIN_CELL))],
            out=out,
            jobs=2,
            progress=False,
        )
    return out, status


_SUITE_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report):
    """Sum the time of every test phase per suite.

    Suites: tests/unit, tests/integration, tests/notebooks, notebooks/ for nbval. With xdist the
    controller sees every report.
    """
    parts = report.nodeid.split("::")[0].split("/")
    suite = parts[1] if parts[0] == "tests" and len(parts) > 2 else parts[0]
    _SUITE_SECONDS[suite] = _SUITE_SECONDS.get(suite, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    if _SUITE_SECONDS:
        times = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(_SUITE_SECONDS.items()))
        terminalreporter.write_line(
            f"[make test] test time by suite (summed over workers): {times}"
        )
