"""The lint burn-down lists in pyproject.toml are exact, and now empty.

Each listed code would still fire in its file and each listed function would still be above the
complexity limit, and nothing else does. The burn-down is finished: no file ignores a docstring
(D) or complexity (C901) rule and no function is listed, so any new finding fails here and in
``ruff check`` (the lists only shrink).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())
LINT = CONFIG["tool"]["ruff"]["lint"]


def _findings() -> list[dict]:
    """Every D and C901 finding with the project's rules but without the burn-down ignores."""
    args = [sys.executable, "-m", "ruff", "check", "--select", "D,C901"]
    args += ["--ignore", ",".join(LINT["ignore"])]
    args += ["--config", "lint.per-file-ignores = {}", "--output-format", "json", "--exit-zero"]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_the_burn_down_lists_match_what_ruff_finds():
    codes, functions = defaultdict(set), set()
    for row in _findings():
        path = Path(row["filename"]).relative_to(ROOT).as_posix()
        codes[path].add(row["code"])
        if row["code"] == "C901":
            functions.add(f"{path}::{row['message'].split('`')[1]}")
    listed = {
        path: set(rules)
        for path, rules in LINT["per-file-ignores"].items()
        if not path.startswith("notebooks/")
    }
    assert {p: sorted(c) for p, c in codes.items()} == {p: sorted(c) for p, c in listed.items()}
    assert functions == set(CONFIG["tool"]["samenleven"]["lint"]["complexity-burndown"])


def test_no_file_ignores_a_docstring_or_complexity_rule():
    """The burn-down is finished: a docstring or complexity finding is fixed, never listed again."""
    listed = {
        path: [rule for rule in rules if rule.startswith("D") or rule == "C901"]
        for path, rules in LINT["per-file-ignores"].items()
    }
    assert {path: rules for path, rules in listed.items() if rules} == {}
    assert CONFIG["tool"]["samenleven"]["lint"]["complexity-burndown"] == []
