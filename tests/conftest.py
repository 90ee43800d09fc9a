"""Shared fixtures. Tests never write into the checkout's data/ folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from samenleven_analysis.data import demo as demo_mod

REAL_DATA_DIR = os.environ.get("SAMENLEVEN_DATA_DIR")


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


@pytest.fixture
def real_data_dir() -> Path:
    """The local mirror of real files; skips (with the reason shown) when not configured."""
    if not REAL_DATA_DIR:
        pytest.skip("real-data test: set SAMENLEVEN_DATA_DIR to a local mirror (CI uses ../shared/data)")
    path = Path(REAL_DATA_DIR)
    if not path.is_dir():
        pytest.skip(f"real-data test: SAMENLEVEN_DATA_DIR={path} is not a folder")
    return path


@pytest.fixture
def real_run(real_data_dir, tmp_path_factory):
    """The report notebooks run once per session on the real mirror (see _notebooks.py)."""
    from _notebooks import real_run_once

    return real_run_once(real_data_dir, tmp_path_factory.getbasetemp())
