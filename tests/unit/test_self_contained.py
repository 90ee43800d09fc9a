"""Nothing in the repository points at a file outside it.

The design contracts live in docs/design.md; only the CI entry point knows where the shared data
mirror sits.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"\.\./shared|shared/DESIGN|(?<![\w/])DESIGN\.md")
ALLOWED = {".ci/run", "tests/unit/test_self_contained.py"}


def _tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines() if not f.endswith((".parquet", ".png", ".zip"))]


def test_no_file_refers_outside_the_repository():
    hits = []
    for name in _tracked():
        if name in ALLOWED or not (ROOT / name).is_file():
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += [
            f"{name}:{i}" for i, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)
        ]
    assert hits == []


def test_the_pattern_catches_an_outside_reference():
    assert OUTSIDE.search("see ../shared/DESIGN.md") and OUTSIDE.search("(DESIGN.md contract)")
    assert not OUTSIDE.search("see docs/design.md")
