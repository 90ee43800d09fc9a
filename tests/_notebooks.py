"""Helpers for tests that execute notebooks with papermill and read their outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat

from samenleven_analysis import config

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


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


def run_on_real_mirror(name: str, tmp_path: Path, real_data_dir: Path, monkeypatch, **params) -> str:
    """Execute ``notebooks/<name>.ipynb`` offline on the real mirror; return its output text."""
    import papermill

    monkeypatch.setenv("SAMENLEVEN_DATA_DIR", str(real_data_dir))
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=params, cwd=str(NOTEBOOKS),
        kernel_name=config.KERNEL_NAME, progress_bar=False,
    )
    return output_text(nbformat.read(str(out), as_version=4))
