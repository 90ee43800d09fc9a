"""Reproducible outputs.

Report times from SOURCE_DATE_EPOCH, fixed injected-cell ids, no clock times in executed notebooks,
the lock's hash in provenance, path-free error texts.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest
from _notebooks import write_nb

from samenleven_analysis.reports import kernels, provenance, runner

ROOT = Path(__file__).resolve().parents[3]


def test_report_time_comes_from_source_date_epoch_or_is_not_recorded(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert provenance.report_time() == provenance.RUN_TIME_NOT_RECORDED
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    assert provenance.report_time() == "2025-01-01T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH='yesterday'"):
        provenance.report_time()


def test_provenance_records_the_sha256_of_the_checkouts_lock():
    assert provenance.lock_path() == ROOT / "uv.lock"
    expected = hashlib.sha256((ROOT / "uv.lock").read_bytes()).hexdigest()
    assert provenance.lock_sha256() == expected


def _executed_like_papermill(path: Path) -> None:
    """Add what papermill and nbclient write on execution.

    An injected cell with a random id, clock times in notebook and cell metadata.
    """
    nb = nbformat.read(str(path), as_version=4)
    injected = nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(2, injected)
    nb.metadata["papermill"] = {
        "start_time": "2026-01-01T00:00:00.1",
        "end_time": "2026-01-01T00:00:09.2",
        "duration": 9.1,
        "parameters": {"x": 2},
    }
    for cell in nb.cells:
        cell.metadata["papermill"] = {"start_time": "t0", "end_time": "t1", "status": "completed"}
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00.3"}
    nbformat.write(nb, str(path))


def test_deterministic_fixes_the_injected_cell_id_and_drops_clock_times(tmp_path):
    source = write_nb(tmp_path / "source.ipynb", "x = 1", "print(x)").read_bytes()
    texts = []
    for run in ("a", "b"):
        path = tmp_path / f"{run}.ipynb"
        path.write_bytes(source)
        _executed_like_papermill(path)
        executed = nbformat.read(str(path), as_version=4)
        kernels.deterministic(executed, {"x": 2})
        texts.append(nbformat.writes(executed))
    assert texts[0] == texts[1]
    nb = nbformat.reads(texts[0], as_version=4)
    nbformat.validate(nb)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert [c.id for c in injected] == ["injected-parameters"]
    assert nb.metadata.papermill == {"parameters": {"x": 2}}
    assert all(c.metadata.papermill == {"status": "completed"} for c in nb.cells)
    assert not any("execution" in c.metadata for c in nb.cells)


def test_deterministic_cell_id_avoids_an_id_the_notebook_already_uses(tmp_path):
    path = write_nb(tmp_path / "a.ipynb", "x = 1", "print(x)")
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[-1]["id"] = "injected-parameters"
    one = kernels.deterministic_cell_id(nb, {"x": 2})
    assert one.startswith("injected-parameters-") and one == kernels.deterministic_cell_id(
        nb, {"x": 2}
    )
    assert one != kernels.deterministic_cell_id(nb, {"x": 3})


def test_public_error_keeps_no_absolute_path(tmp_path):
    out = tmp_path / "reports" / "run"
    text = (
        f"HTML export failed: No template sub-directory in {ROOT}/samenleven_analysis/reports; "
        f"see {out}/authorities/11002.ipynb\n"
        '  File "/usr/lib/python3.11/site-packages/nbconvert/exporter.py", line 12'
    )
    public = runner.public_error(text, out)
    assert "/" not in public.replace("authorities/11002.ipynb", "")
    assert "see authorities/11002.ipynb" in public and '"exporter.py", line 12' in public
    assert runner.public_error(None, out) is None


def test_notebooks_dir_env_var_wins_then_the_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv(runner.NOTEBOOKS_ENV, raising=False)
    assert runner.notebooks_dir() == ROOT / "notebooks"
    monkeypatch.setenv(runner.NOTEBOOKS_ENV, str(tmp_path))
    assert runner.notebooks_dir() == tmp_path
    assert runner.packaged_notebooks_dir().parts[-3:] == (
        "samenleven_analysis",
        "_bundle",
        "notebooks",
    )
