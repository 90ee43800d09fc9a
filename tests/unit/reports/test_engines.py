"""Engines: the same table at 1 and 2 workers, and the same results on a loopback Dask cluster.

The simulation study gives the same table at 1 and 2 workers, and a report batch and a small
simulation on a loopback Dask cluster (a scheduler and two worker processes on 127.0.0.1) give the
same files and table as a local run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from _notebooks import write_nb

from samenleven_analysis.bench import simulation as sim
from samenleven_analysis.errors import SamenlevenError
from samenleven_analysis.reports import engines, runner
from samenleven_analysis.reports.kernels import clean_notebook_metadata

SIM = {
    "draws": 3,
    "seed": 17,
    "scenarios": ["six_treated", "rdd"],
    "estimators": ["callaway_santanna", "rdd_sharp"],
}


def _square(x: int) -> int:
    return x * x


def test_run_tasks_keeps_task_order_locally():
    seen = []
    results = engines.run_tasks(
        _square, [(3,), (1,), (2,)], workers=1, on_done=lambda k, v: seen.append((k, v))
    )
    assert results == [9, 1, 4] and seen == [(0, 9), (1, 1), (2, 4)]


@pytest.mark.slow  # > 8 s: the end-to-end tier (`make test-e2e`, CI)
def test_per_draw_seeds_do_not_depend_on_chunking_and_results_not_on_workers(monkeypatch):
    seeds = sim.draw_seeds(17, 5)
    assert seeds[:3] == sim.draw_seeds(17, 3) and len(set(seeds)) == 5
    one = sim.simulation_study(workers=1, out=io.StringIO(), **SIM)
    monkeypatch.setattr(sim, "CHUNK_SECONDS", 0.1)  # one draw per task: more, smaller tasks
    two = sim.simulation_study(workers=2, out=io.StringIO(), **SIM)
    pd.testing.assert_frame_equal(one.drop(columns="seconds"), two.drop(columns="seconds"))


def test_a_scheduler_without_distributed_installed_is_a_clear_error(monkeypatch):
    import builtins
    import importlib

    real = importlib.import_module

    def fake(name, *a, **k):
        if name == "distributed":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    assert builtins  # the engine imports distributed through importlib
    with pytest.raises(SamenlevenError, match=r"samenleven-analysis\[dask\]"):
        engines.run_tasks(_square, [(1,)], scheduler="tcp://127.0.0.1:1")


@pytest.fixture
def loopback_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_port=0,
        silence_logs=40,
        death_timeout=60,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close(timeout=30)


def _bytes(path: Path) -> bytes:
    """A file's bytes; for a notebook without papermill's run timestamps and durations."""
    if path.suffix != ".ipynb":
        return path.read_bytes()
    nb = nbformat.read(str(path), as_version=4)
    clean_notebook_metadata(nb)
    return nbformat.writes(nb).encode()


def _files(out: Path) -> dict[str, bytes]:
    skip = {"run.json", "index.html", ".samenleven-incremental.json"}
    return {
        p.relative_to(out).as_posix(): _bytes(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in skip and not p.name.startswith(".")
    }


@pytest.mark.notebooks
def test_loopback_dask_cluster_gives_the_files_and_table_of_a_local_run(
    loopback_cluster, tmp_path, monkeypatch
):
    def prepare(vintages, **kwargs):
        return runner.PreparedData(folders={}, demo=True, env={"SAMENLEVEN_PREBUILT": ""})

    monkeypatch.setattr(runner, "prepare_data", prepare)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for k in range(3):
        write_nb(
            folder / f"nb{k}.ipynb",
            f"k = {k}\n",
            "import numpy as np\nprint(np.random.default_rng(k).normal(size=3).round(6))",
        )
    names = ["nb0", "nb1", "nb2"]
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert runner.run_notebooks(names, out=local, folder=folder, jobs=2, progress=False) == 0
    status = runner.run_notebooks(
        names, out=remote, folder=folder, progress=False, scheduler=loopback_cluster
    )
    assert status == 0
    assert _files(remote) == _files(local) and {f"nb{k}.html" for k in range(3)} <= set(
        _files(local)
    )
    info = json.loads((remote / "run.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in info["results"]} == {"ran"}

    here = sim.simulation_study(workers=1, out=io.StringIO(), **SIM)
    there = sim.simulation_study(scheduler=loopback_cluster, out=io.StringIO(), **SIM)
    pd.testing.assert_frame_equal(here.drop(columns="seconds"), there.drop(columns="seconds"))
