"""Helpers for tests that read executed notebooks: one shared run on the real mirror."""

from __future__ import annotations

from pathlib import Path

import nbformat

from samenleven_analysis.reports import runner


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
_REAL_RUN: dict[str, object] = {}


def real_run_once(real_data_dir: Path, base: Path) -> tuple[Path, int]:
    """``(out_dir, exit status)`` of one ``samenleven run --all`` on the real mirror (offline,
    nationality proxy, 2015, plus Antwerpen's authority report), shared by the session."""
    if "out" not in _REAL_RUN:
        out = base / "real-reports" / "20250101T000000Z"
        _REAL_RUN["status"] = runner.run_notebooks(
            [], all_=True, authorities=[REAL_RUN_AUTHORITY], out=out, jobs=2, data_dir=real_data_dir,
            offline=True, params=[("definition", "nationality_proxy"), ("year", "2015")], progress=False,
        )
        _REAL_RUN["out"] = out
    return _REAL_RUN["out"], _REAL_RUN["status"]


def real_run_text(real_run: tuple[Path, int], name: str) -> str:
    """Output text of notebook ``name`` from the shared real-mirror run."""
    out, _ = real_run
    return output_text(nbformat.read(str(out / f"{name}.ipynb"), as_version=4))
