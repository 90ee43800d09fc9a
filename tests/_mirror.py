"""Helpers for tests that edit a copy of the Demoland files used as a mirror."""

from __future__ import annotations

import hashlib
from pathlib import Path

from samenleven_analysis.data import catalog


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256 (empty when the folder does not exist)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_sums(folder: Path) -> None:
    """Write a ``SHA256SUMS`` file listing every file under ``folder``."""
    lines = [
        f"{_sha(p)}  {p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != catalog.SUMS_FILE
    ]
    (folder / catalog.SUMS_FILE).write_text("\n".join(lines) + "\n")
