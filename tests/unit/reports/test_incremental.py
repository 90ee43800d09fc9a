"""Incremental runs: a rerun reuses reports whose inputs are unchanged.

An edited table reruns exactly the reports that read it, --force recomputes, the dashboard is
rebuilt.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _notebooks import write_nb

from samenleven_analysis.data import catalog
from samenleven_analysis.reports import incremental, runner

READER = (
    "from samenleven_analysis.reports.context import data_context\n"
    "ctx = data_context(vintage=2025)\n"
    "print(int(ctx.load(TABLE)['x'].sum()))\n"
    "ctx.provenance_cell({})"
)


def _table(folder: Path, name: str, values: list[int]) -> None:
    """A processed table with a provenance sidecar, as ``samenleven build`` writes them."""
    path = folder / f"{name}.parquet"
    pd.DataFrame({"x": values}).to_parquet(path, index=False)
    sidecar = {
        "inputs": [{"dataset_id": f"src_{name}", "file": f"{name}.csv", "sha256": "ab" * 32}],
        "output_sha256": catalog.sha256_of(path),
        "demo": True,
    }
    (folder / f"{name}.provenance.json").write_text(json.dumps(sidecar), encoding="utf-8")


@pytest.fixture
def built(tmp_path, monkeypatch):
    processed = tmp_path / "processed"
    processed.mkdir()
    _table(processed, "alpha", [1, 2])
    _table(processed, "beta", [10])

    def prepare(vintages, **kwargs):
        return runner.PreparedData(
            folders={"2025": processed},
            demo=True,
            env={"SAMENLEVEN_PREBUILT": f"2025={processed}"},
        )

    monkeypatch.setattr(runner, "prepare_data", prepare)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_nb(folder / "reads_alpha.ipynb", "TABLE = 'alpha'\n", READER)
    write_nb(folder / "reads_beta.ipynb", "TABLE = 'beta'\n", READER)
    return folder, processed


def _run(folder: Path, out: Path, **kwargs) -> dict[str, str]:
    status = runner.run_notebooks(
        ["reads_alpha", "reads_beta"], out=out, folder=folder, progress=False, **kwargs
    )
    assert status == 0
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return {r["label"]: r["status"] for r in info["results"]}


@pytest.mark.notebooks
def test_rerun_reuses_unchanged_reports_and_reruns_exactly_the_readers_of_an_edited_table(
    built, tmp_path
):
    folder, processed = built
    out = tmp_path / "out"
    assert _run(folder, out) == {"reads_alpha": "ran", "reads_beta": "ran"}
    first = {p: p.read_bytes() for p in out.glob("reads_*.*")}
    (out / "index.html").unlink()

    assert _run(folder, out) == {"reads_alpha": "reused", "reads_beta": "reused"}
    assert {p: p.read_bytes() for p in out.glob("reads_*.*")} == first
    assert (out / "index.html").is_file()  # the dashboard is always rebuilt

    _table(processed, "beta", [10, 5])  # one input table edited
    assert _run(folder, out) == {"reads_alpha": "reused", "reads_beta": "ran"}
    assert "15" in (out / "reads_beta.html").read_text(encoding="utf-8")

    assert _run(folder, out, force=True) == {"reads_alpha": "ran", "reads_beta": "ran"}


@pytest.mark.notebooks
def test_an_edited_output_or_notebook_is_not_reused(built, tmp_path):
    folder, _ = built
    out = tmp_path / "out"
    _run(folder, out)
    (out / "reads_alpha.html").write_text("tampered", encoding="utf-8")
    write_nb(folder / "reads_beta.ipynb", "TABLE = 'beta'\n", READER + "\nprint('new cell')")
    assert _run(folder, out) == {"reads_alpha": "ran", "reads_beta": "ran"}


def test_tables_read_come_from_the_provenance_cell(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    md = "\n".join(
        [
            "### Provenance",
            "| data set | file | sha256 | demo | tables |",
            "|---|---|---|---|---|",
            "| statbel_pop | a.zip | `abc123` | no | population_nationality, population_age |",
            "| statbel_income | b.xlsx | `def456` | no | income |",
        ]
    )
    nb = new_notebook()
    cell = new_code_cell("ctx.provenance_cell()")
    cell.outputs = [new_output("display_data", data={"text/markdown": md})]
    nb.cells.append(cell)
    path = tmp_path / "r.ipynb"
    nbformat.write(nb, str(path))
    assert incremental.tables_read(path) == [
        "income",
        "population_age",
        "population_nationality",
    ]
    nb.cells[0].outputs = []
    nbformat.write(nb, str(path))
    assert incremental.tables_read(path) is None  # no provenance: depends on every table


@pytest.mark.notebooks
def test_a_run_without_out_reuses_the_reports_of_latest_by_copying_them(
    built, tmp_path, monkeypatch
):
    folder, _ = built
    folders = iter(
        [tmp_path / "reports" / "20250101T060000Z", tmp_path / "reports" / "20250201T060000Z"]
    )
    monkeypatch.setattr(runner, "default_out", lambda *a, **k: next(folders))
    names = ["reads_alpha", "reads_beta"]
    assert runner.run_notebooks(names, folder=folder, progress=False) == 0
    assert runner.run_notebooks(names, folder=folder, progress=False) == 0
    first, second = (
        tmp_path / "reports" / "20250101T060000Z",
        tmp_path / "reports" / "20250201T060000Z",
    )
    info = json.loads((second / "run.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in info["results"]} == {"reused"}
    for name in ("reads_alpha.ipynb", "reads_alpha.html", "reads_beta.html"):
        assert (second / name).read_bytes() == (first / name).read_bytes()
    assert (tmp_path / "reports" / "latest").resolve() == second.resolve()
