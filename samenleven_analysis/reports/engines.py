"""Where tasks run: the local process pool, or a Dask distributed cluster.

``samenleven run --scheduler ADDRESS`` and ``samenleven bench simulation --scheduler
ADDRESS`` hand their tasks (batches of notebooks, chunks of simulation draws) to
:func:`run_tasks`, which runs them

* on a local pool of ``workers`` spawned processes (no scheduler; the default), or
* on Dask distributed (``distributed``, the optional ``dask`` extra:
  ``pip install 'samenleven-analysis[dask]'``) given a scheduler:

  - ``tcp://host:8786`` (any address ``distributed.Client`` accepts): a running scheduler;
  - ``slurm`` or ``slurm:N``: a ``dask_jobqueue.SLURMCluster`` with N jobs (default 2),
    configured by the usual dask-jobqueue configuration (``~/.config/dask/jobqueue.yaml``:
    queue, account, cores, memory, walltime, ``job_script_prologue`` to activate the
    environment); ``pbs`` / ``pbs:N`` likewise with ``PBSCluster``.

Results come back in task order whatever the engine, so the outputs do not depend on where
a task ran. Each task is a plain function of its arguments (no state shared between
tasks): a worker needs the package (same version, from the lock), the data mirror and the
processed tables at the same paths as the client, and write access to the output folder
(a shared file system; see docs/architecture.md, "Running on a cluster").
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from samenleven_analysis.errors import SamenlevenError

CONNECT_TIMEOUT = 30
"""Seconds to wait for a Dask scheduler to answer."""


class EngineUnavailable(SamenlevenError):
    """A scheduler was given but Dask distributed (or dask-jobqueue) is not installed."""


def _require(module: str, extra: str = "dask"):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EngineUnavailable(
            f"--scheduler needs the optional package {module.split('.')[0]!r}: "
            f"pip install 'samenleven-analysis[{extra}]'"
        ) from exc


def require_dask() -> None:
    """Raise :class:`EngineUnavailable` (naming the extra to install) without distributed."""
    _require("distributed")


@contextlib.contextmanager
def dask_client(scheduler: str) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``.

    ``scheduler``: an address, or ``slurm[:N]`` / ``pbs[:N]`` for a dask-jobqueue cluster started
    here and stopped afterwards.
    """
    distributed = _require("distributed")
    kind, _, count = scheduler.partition(":")
    cluster = None
    if kind in ("slurm", "pbs") and "/" not in scheduler:
        jobqueue = _require("dask_jobqueue")
        cls = jobqueue.SLURMCluster if kind == "slurm" else jobqueue.PBSCluster
        cluster = cls()
        cluster.scale(jobs=int(count or 2))
        client = distributed.Client(cluster, timeout=CONNECT_TIMEOUT)
    else:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[fn(*t) for t in tasks]``, computed on the chosen engine.

    ``on_done(k, result)`` is called as each task finishes (for progress bars). Results are in task
    order.

    Without ``scheduler``: in this process when ``workers <= 1`` or there is one task, else
    in a pool of ``workers`` spawned processes. With ``scheduler``: on Dask distributed
    (:func:`dask_client`); every task is submitted at once and the scheduler balances them.
    An exception in a task is raised here.
    """
    results: dict[int, Any] = {}

    def done(k: int, value: Any) -> None:
        results[k] = value
        if on_done is not None:
            on_done(k, value)

    if scheduler:
        with dask_client(scheduler) as client:
            distributed = sys.modules["distributed"]
            futures = {
                client.submit(fn, *t, pure=False, key=f"samenleven-{k}-{id(tasks)}"): k
                for k, t in enumerate(tasks)
            }
            for fut in distributed.as_completed(futures):
                done(futures[fut], fut.result())
    elif workers <= 1 or len(tasks) <= 1:
        for k, t in enumerate(tasks):
            done(k, fn(*t))
    else:
        # spawn: a forked copy of a process with threads (tqdm, zmq) can deadlock
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures_ = {pool.submit(fn, *t): k for k, t in enumerate(tasks)}
            for fut in cf.as_completed(futures_):
                done(futures_[fut], fut.result())
    return [results[k] for k in range(len(tasks))]
