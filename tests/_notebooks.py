"""Helpers for tests that read executed notebooks (the shared runs are fixtures in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat


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
