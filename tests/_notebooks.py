"""Notebook helpers for tests.

Reading executed notebooks (the shared runs are fixtures in conftest.py) and writing tiny ones for
the runner tests.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def output_text(nb) -> str:
    """Every stream, error and markdown/plain output of a notebook, as one text."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") == "error":
                parts.append(f"ERROR {out.get('ename')}: {out.get('evalue')}")
            else:
                data = out.get("data", {})
                parts.append(data.get("text/markdown", data.get("text/plain", "")))
    return "\n".join(parts)


REAL_RUN_AUTHORITY = "11002"  # Antwerpen


def real_run_text(real_run: tuple[Path, int], name: str) -> str:
    """Output text of notebook ``name`` from the shared real-mirror run."""
    out, _ = real_run
    return output_text(nbformat.read(str(out / f"{name}.ipynb"), as_version=4))


def write_nb(path: Path, params_src: str | None, *cells: str) -> Path:
    """A tiny notebook for runner tests.

    A markdown title, a ``parameters`` cell from ``params_src`` (none when None) and one code cell
    per item of ``cells``.
    """
    nb = new_notebook()
    nb.metadata.kernelspec = {
        "name": "samenleven",
        "display_name": "Python (samenleven)",
        "language": "python",
    }
    nb.metadata.language_info = {"name": "python"}
    nb.cells.append(new_markdown_cell("# tiny"))
    if params_src is not None:
        nb.cells.append(new_code_cell(params_src, metadata={"tags": ["parameters"]}))
    nb.cells += [new_code_cell(src) for src in cells]
    nbformat.write(nb, str(path))
    return path
