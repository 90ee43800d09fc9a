"""``samenleven_analysis/analysis/`` computes: it reads and writes no files and draws nothing.

Files are read in ``data/`` and figures drawn in ``reports/`` (docs/design.md, layers); this
test walks the syntax tree of every analysis module, so a function-level import or a call
hidden in a helper is found as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parents[3] / "samenleven_analysis" / "analysis"

FORBIDDEN_MODULES = {
    "matplotlib",
    "yaml",
    "pathlib",
    "shutil",
    "tempfile",
    "glob",
    "importlib.resources",
    "pyarrow.parquet",
    "seaborn",
    "plotly",
}
"""Modules whose only use would be files or plots."""

FORBIDDEN_CALLS = {
    "open",
    "Path",
    "read_csv",
    "read_parquet",
    "read_excel",
    "read_json",
    "read_table",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "to_csv",
    "to_parquet",
    "to_excel",
    "exists",
    "is_file",
    "is_dir",
    "glob",
    "rglob",
    "iterdir",
    "mkdir",
    "unlink",
    "safe_load",
    "savefig",
}
"""Names of functions and methods that touch the file system (``open``, ``Path.exists``,
``pd.read_csv``, ``yaml.safe_load``, ...) or save a figure."""

ALLOWED: dict[str, set[str]] = {}
"""Known exceptions, by module path inside ``analysis/``: none today."""


def _violations(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            names = []
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES):
                found.append((node.lineno, f"imports {name}"))
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in FORBIDDEN_CALLS:
                found.append((node.lineno, f"calls {called}()"))
    return found


def test_analysis_does_no_file_io_and_draws_nothing():
    problems = []
    for path in sorted(ANALYSIS.rglob("*.py")):
        rel = path.relative_to(ANALYSIS).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, what in _violations(tree):
            if what not in ALLOWED.get(rel, set()):
                problems.append(f"analysis/{rel}:{line} {what}")
    assert problems == []


def test_the_checker_sees_reads_writes_and_plots():
    code = """
def f(p):
    import matplotlib.pyplot as plt
    from pathlib import Path
    import pandas as pd
    open(p)
    pd.read_csv(p)
    Path(p).exists()
    frame.to_parquet(p)
    plt.savefig(p)
"""
    found = {what for _line, what in _violations(ast.parse(code))}
    assert found == {
        "imports matplotlib.pyplot",
        "imports pathlib",
        "imports pathlib.Path",
        "calls open()",
        "calls read_csv()",
        "calls Path()",
        "calls exists()",
        "calls to_parquet()",
        "calls savefig()",
    }
