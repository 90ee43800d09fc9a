"""The lint burn-down lists in pyproject.toml are exact.

Each listed code (now only C901) still fires in its file and each listed function is still above
the complexity limit, and nothing else does: a docstring (D) finding in any file fails here, as
no file lists a D code any more.

Fixing a file or splitting a function therefore means deleting its entry (the list only
shrinks); a new finding fails here and in ``ruff check``.
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


def test_no_file_ignores_a_docstring_rule():
    """The docstring burn-down is finished: a docstring finding is fixed, never listed again."""
    listed = {
        path: [rule for rule in rules if rule.startswith("D")]
        for path, rules in LINT["per-file-ignores"].items()
    }
    assert {path: rules for path, rules in listed.items() if rules} == {}
