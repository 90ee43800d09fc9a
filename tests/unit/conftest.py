"""Fixtures shared by unit tests in several folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def mirror(tmp_path, demo_dir, monkeypatch) -> Path:
    """A copy of the Demoland files, used as a mirror (edited per test)."""
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    folder = tmp_path / "mirror"
    shutil.copytree(demo_dir, folder)
    return folder
