"""Every committed notebook is thin and its jupytext pair is in sync.

Thin (docs/notebooks.md): narrative, the ``parameters`` cell, one package call per step,
figures. Logic, checks and helpers live in the package, where they are tested.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(
    p for p in (ROOT / "notebooks").glob("*.ipynb") if not p.name.startswith((".", "_"))
)
MAX_CELL_LINES = 25
FORBIDDEN = {
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "def",
    ast.ClassDef: "class",
    ast.Lambda: "lambda",
    ast.Raise: "raise",
    ast.For: "loop",
    ast.AsyncFor: "loop",
    ast.While: "loop",
    ast.Try: "try",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.If: "if",
    ast.IfExp: "if",
}


def _extra_kind(node: ast.AST) -> str | None:
    """``print(...)`` calls and look-ups by label string (``result["att"]``, ``.loc["x"]``)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
        return "print"
    literal = isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Literal"
    if isinstance(node, ast.Subscript) and not literal:  # ``Literal["a", "b"]`` annotates
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if any(isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts):
            return "label look-up"
    return None


def rule_violations(nb) -> list[str]:
    """What makes a notebook thick: forbidden constructs and over-long code cells."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source = "".join(
            line
            for line in cell.source.splitlines(keepends=True)
            if not line.lstrip().startswith(("%", "!"))
        )
        lines = [line for line in source.strip().splitlines() if line.strip()]
        if len(lines) > MAX_CELL_LINES:
            problems.append(f"cell {i}: {len(lines)} lines (max {MAX_CELL_LINES})")
        for node in ast.walk(ast.parse(source)):
            kind = FORBIDDEN.get(type(node)) or _extra_kind(node)
            if kind:
                problems.append(f"cell {i} line {node.lineno}: {kind}")
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        problems.append("no cell tagged 'parameters'")
    return problems


def test_rules_catch_a_thick_notebook():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("def f():\n    return 1\n"),
            nbformat.v4.new_code_cell("try:\n    y = 1\nexcept Exception:\n    raise\n"),
            nbformat.v4.new_code_cell("\n".join(f"a{i} = {i}" for i in range(30))),
            nbformat.v4.new_code_cell("z = [i for i in range(3)]"),
            nbformat.v4.new_code_cell("if z:\n    w = 1\n"),
            nbformat.v4.new_code_cell("v = 1 if z else 2"),
            nbformat.v4.new_code_cell("print(z)"),
            nbformat.v4.new_code_cell('a = result["att"]\nb = frame.loc["x", 1]'),
        ]
    )
    found = " | ".join(rule_violations(nb))
    for kind in ("def", "try", "raise", "30 lines", "comprehension", "if", "print"):
        assert kind in found
    assert found.count("label look-up") == 2
    assert found.count(": if") == 2
    thin = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    )
    assert rule_violations(thin) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin(path):
    problems = rule_violations(nbformat.read(str(path), as_version=4))
    assert problems == []


def _cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_and_script_are_in_sync(path):
    script = path.with_suffix(".py")
    assert script.is_file(), f"{path.name} has no paired py:percent script (jupytext --sync)"
    from_script = jupytext.read(str(script), fmt="py:percent")
    stored = nbformat.read(str(path), as_version=4)
    assert _cells(from_script) == _cells(stored), (
        f"{path.name} and {script.name} differ: edit the script, then `samenleven refresh {path.stem}`"
    )
