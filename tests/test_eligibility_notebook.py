"""The eligibility notebook on the real mirror: no origin table, so it must say it uses a proxy."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from samenleven_analysis import config

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "eligibility.ipynb"


def _text(nb) -> str:
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


@pytest.mark.realdata
@pytest.mark.notebooks
def test_eligibility_notebook_on_the_real_mirror_uses_the_labelled_proxy(real_data_dir, tmp_path, monkeypatch):
    import papermill

    monkeypatch.setenv("SAMENLEVEN_DATA_DIR", str(real_data_dir))
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")
    out = tmp_path / "eligibility.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name=config.KERNEL_NAME,
        progress_bar=False,
    )
    text = _text(nbformat.read(str(out), as_version=4))
    assert "ERROR" not in text
    assert "Proxy, not the Plan's rule" in text
    assert "non-Belgian nationality" in text and "understates" in text
    assert "(nationality_proxy > 7,500, 2015)" in text  # latest population year of the mirror
    assert "DEMO DATA" not in text and "Data: real" in text  # no demo fallback anywhere
