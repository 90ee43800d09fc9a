"""Paths and switches, read from the environment so notebooks, CLI and tests agree.

``SAMENLEVEN_DATA_DIR``      local mirror folder, searched by file name
``SAMENLEVEN_OFFLINE``       truthy: never download
``SAMENLEVEN_DEMO``          truthy: use the generated Demoland data for everything
``SAMENLEVEN_RAW_DIR``       download cache (default ``<root>/data/raw``)
``SAMENLEVEN_PROCESSED_DIR`` processed tables (default ``<root>/data/processed``, or its
                             ``demo/`` subfolder when SAMENLEVEN_DEMO is set)
``SAMENLEVEN_NOTEBOOKS_DIR`` report notebooks (default: the checkout's ``notebooks/``, else
                             the copy shipped in the installed package)
``SOURCE_DATE_EPOCH``        fixed report time (reproducible builds); else reports show none
"""

from __future__ import annotations

import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def checkout_root() -> Path | None:
    """The checkout this code runs from, or None for an installed wheel.

    The checkout is the folder holding ``pyproject.toml`` next to the package: editable install or
    ``PYTHONPATH``.
    """
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").is_file() and (here / "samenleven_analysis").is_dir():
        return here
    return None


def project_root() -> Path:
    """The checkout holding ``pyproject.toml`` (editable install), else the working directory."""
    return checkout_root() or Path.cwd()


def raw_dir() -> Path:
    env = os.environ.get("SAMENLEVEN_RAW_DIR")
    return Path(env) if env else project_root() / "data" / "raw"


def demo_dir() -> Path:
    """Where the demo fallback writes the generated Demoland files."""
    return raw_dir() / "demo"


def processed_dir() -> Path:
    env = os.environ.get("SAMENLEVEN_PROCESSED_DIR")
    if env:
        return Path(env)
    base = project_root() / "data" / "processed"
    return base / "demo" if force_demo() else base


def data_dir() -> Path | None:
    env = os.environ.get("SAMENLEVEN_DATA_DIR")
    return Path(env) if env else None


def offline() -> bool:
    return _flag("SAMENLEVEN_OFFLINE")


def force_demo() -> bool:
    return _flag("SAMENLEVEN_DEMO")


LOCK_FILE = "uv.lock"
"""The exact environment (uv's lock, ``make lock``) at the checkout's root and in the wheel;
its sha256 is in every report's provenance and input hash."""

KERNEL_NAME = "samenleven"
"""The Jupyter kernel the Makefile registers; papermill and nbval use it."""


def notebooks_dir_override() -> Path | None:
    """``$SAMENLEVEN_NOTEBOOKS_DIR``, or None when unset."""
    env = os.environ.get("SAMENLEVEN_NOTEBOOKS_DIR", "").strip()
    return Path(env) if env else None
