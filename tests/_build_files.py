"""Test inputs shared by tests/unit/test_build.py and its real-mirror twin."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path


def hashes(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.iterdir())
    }


def _rewrite(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        member = zf.namelist()[0]
        lines = zf.read(member).decode("utf-8").split("\r\n")
    lines = edit(lines)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, "\r\n".join(lines))


def _set(line_no: int, column: str, value: str):
    def edit(lines):
        header = [c.strip('"') for c in lines[0].split("|")]
        fields = lines[line_no - 1].split("|")
        fields[header.index(column)] = value
        lines[line_no - 1] = "|".join(fields)
        return lines

    return edit


def _drop_column(column: str):
    def edit(lines):
        header = [c.strip('"') for c in lines[0].split("|")]
        i = header.index(column)
        return [
            "|".join(f for j, f in enumerate(ln.split("|")) if j != i) if ln else ln for ln in lines
        ]

    return edit


BUILD_BAD = {
    "wrong delimiter": (lambda lines: [ln.replace("|", ";") for ln in lines], 1, None),
    "missing column": (_drop_column("CD_NATLTY"), 1, "CD_NATLTY"),
    "unknown code": (_set(10, "CD_REFNIS", "94999"), 10, "CD_REFNIS"),
    "duplicate key": (lambda lines: lines[:-1] + [lines[40], ""], None, "CD_REFNIS"),
    "negative count": (_set(25, "MS_POPULATION", "-4"), 25, "MS_POPULATION"),
    "non-numeric count": (_set(30, "MS_POPULATION", "vier"), 30, "MS_POPULATION"),
    "truncated zip": (None, None, None),
}
