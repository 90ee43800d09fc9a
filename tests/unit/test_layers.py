"""Each layer imports only from the layers below it (docs/design.md).

And nothing inside the package imports the public re-export modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "samenleven_analysis"
RANK = {
    "config": 0,
    "errors": 0,
    "locking": 0,
    "i18n": 0,
    "facts": 0,
    "data": 1,
    "analysis": 2,
    "reports": 3,
    "bench": 4,
    "cli": 5,
}
PUBLIC_SHIMS = {"eligibility", "geo", "reporting", "evaluation"}


def _layer(parts: tuple[str, ...]) -> str | None:
    return parts[0] if parts and parts[0] in RANK else None


def _imports(path: Path) -> list[tuple[int, tuple[str, ...]]]:
    """(line, module path inside the package) of every package import in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "samenleven_analysis":
                base = tuple(node.module.split(".")[1:])
                found += [(node.lineno, base + (a.name,)) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, tuple(a.name.split(".")[1:]))
                for a in node.names
                if a.name.split(".")[0] == "samenleven_analysis"
            ]
    return found


def test_imports_point_down_and_avoid_public_shims():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("").parts
        if rel[0] in PUBLIC_SHIMS or rel[0] == "__init__":
            continue
        own = _layer(rel)
        assert own is not None, f"{path}: module outside the layers {sorted(RANK)}"
        for line, target in _imports(path):
            if target and target[0] in PUBLIC_SHIMS:
                problems.append(f"{path.name}:{line} imports public shim {'.'.join(target)}")
            other = _layer(target)
            if other is not None and RANK[other] > RANK[own]:
                problems.append(
                    f"{'/'.join(rel)}:{line} ({own}) imports {'.'.join(target)} ({other})"
                )
    assert problems == []


def test_the_checker_sees_an_upward_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from samenleven_analysis.reports import context\n")
    assert _imports(bad) == [(2, ("reports", "context"))]
