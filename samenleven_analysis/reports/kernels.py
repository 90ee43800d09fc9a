"""Executing notebooks: papermill jobs on reusable kernels in worker processes, HTML export.

Kernels talk over IPC sockets with unique paths (parallel kernels cannot clash on TCP
ports); a kernel that fails to start is retried once.
"""

from __future__ import annotations

import atexit
import concurrent.futures as cf
import contextlib
import functools
import math
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from samenleven_analysis import config

DEFAULT_TIMEOUT = 600
"""Seconds a single cell may run before the notebook counts as failed."""


@contextlib.contextmanager
def environ(env: dict[str, str]) -> Iterator[None]:
    """Temporarily set environment variables (restored afterwards)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def interpreter_kernel_spec():
    """A kernel spec named ``config.KERNEL_NAME`` that runs ipykernel in *this* interpreter.

    ``samenleven run`` uses it instead of a registered kernel spec, so that it works after a
    plain ``pip install .`` (no ``make``, no ``ipykernel install``) and can never pick up a
    stale registration pointing at another environment. JupyterLab and nbval still use the
    registered ``samenleven`` kernel (``make kernel``).
    """
    from jupyter_client.kernelspec import KernelSpec

    # -Xfrozen_modules=off: no debugger warning about frozen modules (Python >= 3.11)
    argv = [
        sys.executable,
        "-Xfrozen_modules=off",
        "-m",
        "ipykernel_launcher",
        "-f",
        "{connection_file}",
    ]
    return KernelSpec(
        argv=argv,
        display_name="Python (samenleven)",
        language="python",
        metadata={"debugger": True},
    )


def _spec_manager_class():
    from jupyter_client.kernelspec import KernelSpecManager

    class InterpreterKernelSpecManager(KernelSpecManager):
        """Registered specs, except that ``config.KERNEL_NAME`` is this interpreter."""

        def get_kernel_spec(self, kernel_name):
            if kernel_name == config.KERNEL_NAME:
                return interpreter_kernel_spec()
            return super().get_kernel_spec(kernel_name)

        def get_all_specs(self):
            specs = super().get_all_specs()
            spec = interpreter_kernel_spec()
            specs[config.KERNEL_NAME] = {"resource_dir": "", "spec": spec.to_dict()}
            return specs

    return InterpreterKernelSpecManager


def kernel_manager_class():
    """AsyncKernelManager for the notebooks this package runs.

    The ``samenleven`` kernel is the running interpreter (:func:`interpreter_kernel_spec`).
    On POSIX the kernel talks over IPC sockets with a unique path per kernel: TCP kernels
    pick "free" ports by binding and releasing them, a known race when several kernels
    start at once; IPC socket paths are unique by construction.
    """
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    specs = _spec_manager_class()

    class InterpreterKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return specs(data_dir=self.data_dir)

    if os.name != "posix":
        return InterpreterKernelManager

    class IPCKernelManager(InterpreterKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            # short path: AF_UNIX socket paths are limited to ~107 bytes
            return os.path.join(tempfile.gettempdir(), f"slk-{uuid.uuid4().hex[:16]}")

    return IPCKernelManager


@dataclass
class Job:
    """One notebook execution."""

    label: str  # shown in progress/index: notebook stem, or the authority code
    notebook: str  # input path
    output: str  # output .ipynb path
    parameters: dict[str, Any]
    kind: str = "notebook"  # or "authority"
    # the run's output folder: papermill's paths and the injected output_dir are published
    # relative to it (no absolute path of this machine in a report); None: left as they ran
    publish_dir: str | None = None


@dataclass
class JobResult:
    label: str
    kind: str
    ok: bool
    ipynb: str
    html: str | None
    seconds: float
    error: str | None = None
    demo: bool | None = None  # from the report's provenance cell; None when it has none
    status: str = "ran"  # "ran", "failed", or "reused" (incremental runs, see incremental.py)


ANALYST_TAGS = ("analyst-only", "remove-cell")
"""Cell tags the HTML export drops: text for the analyst, not for the report's reader."""

OFFLINE_TEMPLATE = "offline"
"""nbconvert template (``reports/templates/nbconvert/offline``): the lab template without the
require.js and MathJax scripts it would load from a CDN."""


def _exporter_settings() -> dict:
    """Settings of every report exporter.

    Offline template, no code, no prompts, and no analyst-only cells (instructions and notes never
    reach the published page).
    """
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = set(ANALYST_TAGS)
    config.TagRemovePreprocessor.enabled = True
    # validate the notebook once, after the preprocessors, not after each of the dozen (nbconvert's
    # own option): 0.02 s per report; papermill validated it when it wrote it
    config.Exporter.optimistic_validation = True
    return {
        "config": config,
        "template_name": OFFLINE_TEMPLATE,
        "extra_template_basedirs": [str(Path(__file__).parent / "templates" / "nbconvert")],
        "exclude_input": True,
        "exclude_input_prompt": True,
        "exclude_output_prompt": True,
    }


@functools.lru_cache(maxsize=1)
def _html_exporter():
    # building an exporter (templates, CSS) costs more than exporting one report: once per process
    from nbconvert import HTMLExporter

    return HTMLExporter(**_exporter_settings())


def export_html(ipynb: str | Path, html_path: str | Path | None = None) -> Path:
    """Write the notebook as HTML without code cells or prompts (nbconvert).

    A static page that loads nothing from the network (no require.js, no MathJax).
    """
    ipynb = Path(ipynb)
    html_path = Path(html_path) if html_path else ipynb.with_suffix(".html")
    nb = nbformat.read(str(ipynb), as_version=4)
    body, _ = _html_exporter().from_notebook_node(nb, resources={"metadata": {"name": ipynb.stem}})
    from samenleven_analysis.reports import outputs

    outputs.write_text(html_path, body)  # atomic: a full disk leaves no truncated page
    return html_path


def _sanitizing_exporter_class():
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    from samenleven_analysis.reports.text import sanitize_soup

    class SanitizingHTMLExporter(HTMLExporter):
        """``HTMLExporter`` whose one BeautifulSoup pass also sanitises the output areas.

        nbconvert parses the rendered page once (image alt texts, focusable cells) and
        :func:`~samenleven_analysis.reports.text.sanitize_report_html` used to parse it a
        second time; parsing and serialising a page with the inlined lab CSS is a third of
        the export. Same steps, same bytes (``tests/unit/reports/test_kernels.py``).
        """

        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node (nbconvert 7), with sanitize_soup on its soup
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            soup = BeautifulSoup(html, features="html.parser")
            missing_alt = 0
            for elem in soup.select("img:not([alt])"):
                elem.attrs["alt"] = "No description has been provided for this image"
                missing_alt += 1
            if missing_alt:
                self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
            for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
                elem.attrs["tabindex"] = "0"
            for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
                elem.attrs["tabindex"] = "0"
            sanitize_soup(soup)
            return str(soup), resources

    return SanitizingHTMLExporter


@functools.lru_cache(maxsize=1)
def _sanitizing_exporter():
    # once per process (templates, CSS); the same settings as _html_exporter
    return _sanitizing_exporter_class()(**_exporter_settings())


def export_report_html(ipynb: str | Path, html_path: str | Path | None = None) -> Path:
    """:func:`export_html` followed by ``sanitize_report_html``, in one parse of the page.

    Defence in depth: no live markup from data in the outputs.
    """
    ipynb = Path(ipynb)
    html_path = Path(html_path) if html_path else ipynb.with_suffix(".html")
    return _write_report_html(nbformat.read(str(ipynb), as_version=4), html_path, ipynb.stem)


def _write_report_html(nb, html_path: Path, name: str) -> Path:
    """:func:`export_report_html` of a notebook in memory; ``name``: the page title's notebook."""
    body, _ = _sanitizing_exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    from samenleven_analysis.reports import outputs

    outputs.write_text(html_path, body)
    return html_path


def error_summary(exc: BaseException) -> str:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}".strip()
    if isinstance(exc, CellTimeoutError):
        return f"CellTimeoutError: {str(exc).splitlines()[0]}"
    return f"{type(exc).__name__}: {exc}".strip()


_PRIME_CODE = """
import matplotlib.pyplot as _plt
_plt.figure()  # the inline backend configures itself after the first figure's cell
_plt.close("all")
del _plt
"""


_SNAPSHOT_CODE = """
import sys as _sys, warnings as _warnings, matplotlib as _mpl
# rcParams as the inline backend left them, except the backend itself (never re-set)
_sys._samenleven_rc = {k: v for k, v in _mpl.rcParams.items() if k != "backend"}
_sys._samenleven_warning_filters = list(_warnings.filters)
del _sys, _warnings, _mpl
"""


_RESET_CODE = """
get_ipython().reset(new_session=True)  # %reset -f, plus a new history session and In[1]
import sys as _sys, warnings as _warnings, matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all")
_mpl.rcParams.update(_sys._samenleven_rc)
_warnings.resetwarnings()
for _f in reversed(_sys._samenleven_warning_filters):
    _warnings.filters.insert(0, _f)
getattr(_warnings, "_filters_mutated", lambda: None)()  # forget which warnings were shown
del _sys, _warnings, _mpl, _plt
"""


class ReusableKernel:
    """One kernel that runs several notebooks of the same kind in turn (authority reports).

    Starting a kernel and importing pandas/matplotlib/the package costs seconds per
    report; here they are paid once per batch. Between notebooks the user namespace is
    cleared (``reset(new_session=True)``, as ``%reset -f``), figures are closed,
    matplotlib's rcParams, the warning filters and "already shown" registries and the
    execution counter are restored, so each report sees what a fresh kernel would (imported
    modules stay cached; they hold no report state). After any failure the kernel is replaced
    before the next notebook.

    One kernel client serves the whole batch (the resets and every notebook): a new client
    waits for its first IOPub message before it counts as ready, 0.2 s or more per
    connection, paid twice per report before.
    """

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self.km: Any = None
        self._start()

    def _start(self) -> None:
        from jupyter_core.utils import run_sync

        self.km = _shared_client_manager_class()(kernel_name=config.KERNEL_NAME)
        run_sync(self.km.start_kernel)(cwd=self.cwd)
        client = self.km.client()
        client.start_channels()
        run_sync(client.wait_for_ready)(timeout=120)
        self._run(_PRIME_CODE)
        self._run(_SNAPSHOT_CODE)

    def _run(self, code: str, timeout: float = 120) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(self.km.client().execute_interactive)(
            code, timeout=timeout, output_hook=lambda msg: None, allow_stdin=False
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel reset failed: {reply['content'].get('evalue')}")

    def reset(self) -> None:
        """Make the kernel look fresh for the next notebook (restart it if that fails)."""
        try:
            self._run(_RESET_CODE, timeout=60)
        except Exception:  # any failure: a fresh kernel is the safe answer
            self.replace()

    def replace(self) -> None:
        """Shut this kernel down and start a new one."""
        self.shutdown()
        self._start()

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.km is not None:
            try:
                self.km.close_shared_client()
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # already dead: nothing to stop
                pass
            self.km = None


def _shared_client_manager_class():
    """:func:`kernel_manager_class` whose ``client()`` is one client, started once.

    nbclient asks the manager for a client per notebook and starts its channels; the shared
    client's channels start only the first time.
    """
    from jupyter_client.asynchronous import AsyncKernelClient

    class SharedClient(AsyncKernelClient):
        _ready = False

        def start_channels(self, *args: Any, **kwargs: Any) -> None:
            if not self.channels_running:
                super().start_channels(*args, **kwargs)

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            # once ready, ready: each further wait cost 0.2 s (an IOPub poll that times out)
            if not self._ready:
                await super().wait_for_ready(timeout=timeout)
                self._ready = True
            elif not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")

    class SharedClientKernelManager(kernel_manager_class()):
        _shared: Any = None

        def client(self, **kwargs: Any) -> Any:
            if self._shared is None:
                kw = {**self.get_connection_info(session=True), "parent": self}
                kw["connection_file"] = self.connection_file
                self._shared = SharedClient(**{**kw, **kwargs})
            return self._shared

        def close_shared_client(self) -> None:
            if self._shared is not None and self._shared.channels_running:
                self._shared.stop_channels()
            self._shared = None

    return SharedClientKernelManager


@functools.lru_cache(maxsize=8)
def _without_outputs(notebook: str, mtime_ns: int, size: int) -> str:
    """A copy of ``notebook`` without its stored outputs, in this process's temporary folder.

    Papermill reads, validates and deep-copies the notebook it runs; the committed notebooks carry
    their demo outputs (for nbval), 98% of the file. Keyed by modification time and size, so an
    edited notebook is copied again.
    """
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    folder = Path(tempfile.mkdtemp(prefix="samenleven-nb-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / Path(notebook).name
    nbformat.write(nb, str(path))
    return str(path)


def _runnable_copy(notebook: str) -> str:
    stat = Path(notebook).stat()
    return _without_outputs(str(Path(notebook).resolve()), stat.st_mtime_ns, stat.st_size)


def execute_job(
    job: Job,
    env: dict[str, str] | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    kernel: ReusableKernel | None = None,
) -> JobResult:
    """Execute one notebook with papermill and export its HTML; never raises.

    With ``kernel`` the notebook runs in that (reset) kernel, else in a fresh one. A
    kernel that fails to start (anything but an error inside a cell) is retried once.
    """
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    error: str | None = None
    # papermill writes the executed notebook once (not after every cell: that was a third of a
    # report's time), into a hidden partial file; it is finished in memory and published under
    # the report's name (a killed run leaves at most the partial file; run.json says 'running')
    final = Path(job.output)
    partial = final.with_name(f".{final.stem}.partial{final.suffix}")
    written = False
    with environ(env or {}):
        for attempt in (1, 2):
            extra: dict[str, Any] = {}
            if kernel is not None:
                kernel.reset()
                extra["km"] = kernel.km
            else:
                extra["kernel_manager_class"] = kernel_manager_class()
                # a kernel stuck in a timed-out cell need not be waited for
                extra["shutdown_kernel"] = "immediate"
            try:
                pm.execute_notebook(
                    _runnable_copy(job.notebook),
                    str(partial),
                    parameters=job.parameters,
                    kernel_name=config.KERNEL_NAME,
                    cwd=str(Path(job.notebook).parent),
                    execution_timeout=timeout,
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    **extra,
                )
                error = None
                written = True
                break
            except (PapermillExecutionError, CellTimeoutError, DeadKernelError) as exc:
                # the notebook itself failed (a cell raised, ran too long, or killed its
                # kernel): running it again would fail again
                error = error_summary(exc)
                written = True  # papermill saved it, with the error, before raising
                if kernel is not None:
                    kernel.replace()  # it may still be busy with the failed cell
                break
            except Exception as exc:  # kernel start/transport failures: retry once
                error = error_summary(exc)
                if kernel is not None:
                    kernel.replace()
                if attempt == 2:
                    error += "\n" + traceback.format_exc(limit=3)
    nb, error = _publish_partial(partial, job, written, error)
    html_path: str | None = None
    demo: bool | None = None
    if nb is not None:
        try:
            html_path = str(_write_report_html(nb, final.with_suffix(".html"), final.stem))
            demo = notebook_uses_demo(nb)
        except Exception as exc:  # must not hide the original failure
            error = (error + "; " if error else "") + f"HTML export failed: {exc}"
    return JobResult(
        label=job.label,
        kind=job.kind,
        ok=error is None,
        ipynb=job.output,
        html=html_path,
        seconds=round(time.perf_counter() - start, 2),
        error=error,
        demo=demo,
    )


def _publish_partial(
    partial: Path, job: Job, written: bool, error: str | None
) -> tuple[Any, str | None]:
    """Finish papermill's partial notebook in memory and write it under the report's name.

    Recorded paths as published (:func:`publish_paths`), no clock times, a fixed cell id
    (:func:`deterministic`). A partial file papermill could not finish is removed. Returns the
    published notebook (None when there is none) and ``error`` (extended when writing failed).
    """
    from samenleven_analysis.reports import outputs

    final = Path(job.output)
    if not written or not partial.is_file():
        partial.unlink(missing_ok=True)
        return None, error or f"{final.name} was not written"
    try:
        nb = nbformat.read(str(partial), as_version=4)
        publish_paths(nb, job)
        deterministic(nb, job.parameters)
        text = nbformat.writes(nb)
        outputs.write_text(final, text if text.endswith("\n") else text + "\n")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        return None, (error + "; " if error else "") + f"writing {final.name} failed: {reason}"
    finally:
        partial.unlink(missing_ok=True)
    return nb, error


def publish_paths(nb, job: Job) -> None:
    """Papermill's record of the run as published.

    ``input_path`` is the notebook of this project (not the output-free copy that ran),
    ``output_path`` the report; with ``job.publish_dir`` both, and the ``output_dir`` the runner
    injected, are relative (no absolute path of this machine in a published report).
    """
    meta = nb.metadata.setdefault("papermill", {})
    meta["input_path"] = job.notebook
    meta["output_path"] = job.output
    if job.publish_dir is None:
        return
    out_dir = Path(job.publish_dir)
    _relative_output_dirs(nb, out_dir)
    meta["output_path"] = os.path.relpath(Path(job.output).resolve(), out_dir.resolve())
    meta["input_path"] = _project_relative(Path(job.notebook))


def _relative_output_dirs(nb, out_dir: Path) -> None:
    """Show the ``output_dir`` the runner injected relative to the output folder.

    It ran as an absolute path. Shown so in the injected-parameters cell and papermill's parameter
    record.
    """
    prefixes = sorted({str(out_dir), str(out_dir.resolve())}, key=len, reverse=True)

    def rel(text: str) -> str:
        for prefix in prefixes:
            text = text.replace(prefix + os.sep, "").replace(prefix, ".")
        return text

    params = nb.metadata.get("papermill", {}).get("parameters", {})
    for key, value in list(params.items()):
        if isinstance(value, str):
            params[key] = rel(value)
    for cell in nb.cells:
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell.source = rel(cell.source)


def _project_relative(path: Path) -> str:
    """``notebooks/x.ipynb`` for a notebook of this project, else just the file name."""
    try:
        return path.resolve().relative_to(config.project_root().resolve()).as_posix()
    except ValueError:
        return path.name


def report_uses_demo(ipynb: str | Path) -> bool | None:
    """What the report's provenance cell says: True (DEMO data), False (real), None (no output).

    None: no provenance cell output, e.g. the notebook failed before it.
    """
    return notebook_uses_demo(nbformat.read(str(ipynb), as_version=4))


def notebook_uses_demo(nb) -> bool | None:
    """:func:`report_uses_demo` of a notebook in memory."""
    from samenleven_analysis.reports.context import PROVENANCE_METADATA

    for cell in reversed(nb.cells):
        for out in cell.get("outputs", []):
            record = out.get("metadata", {}).get(PROVENANCE_METADATA)
            if isinstance(record, dict) and "demo" in record:
                return bool(record["demo"])
            text = out.get("data", {}).get("text/markdown", "")
            if "### Provenance" in text:  # a report written before the metadata existed
                return "**Data: DEMO" in text
    return None


def execute_batch(
    jobs: Sequence[Job],
    env: dict[str, str] | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    reuse_kernel: bool = True,
) -> list[JobResult]:
    """Execute ``jobs`` one after another; never raises.

    The jobs share one :class:`ReusableKernel` when ``reuse_kernel`` and there is more than one job.
    """
    results: list[JobResult] = []
    with environ(env or {}):
        kernel = None
        if reuse_kernel and len(jobs) > 1:
            try:
                kernel = ReusableKernel(str(Path(jobs[0].notebook).parent))
            except Exception:  # fall back to a fresh kernel per notebook
                kernel = None
        try:
            for job in jobs:
                results.append(execute_job(job, None, timeout, kernel=kernel))
        finally:
            if kernel is not None:
                kernel.shutdown()
    return results


def _thread_env(jobs: int) -> dict[str, str]:
    """Cap BLAS/OpenMP threads so N parallel kernels do not oversubscribe the cores."""
    threads = str(max(1, (os.cpu_count() or 1) // max(1, jobs)))
    env = {}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if var not in os.environ:
            env[var] = threads
    return env


def plan_batches(jobs: Sequence[Job], workers: int, reuse_kernels: bool = True) -> list[list[int]]:
    """Group job indices into tasks.

    Every distinct notebook alone (fresh kernel), and repeated runs of one notebook (authority
    reports) in batches sharing a kernel.

    Batches hold about ``n / (2 * workers)`` reports, so that each worker gets at least
    two and the last ones to finish are short. Singles come first (they are the longer).
    """
    singles = [[i] for i, j in enumerate(jobs) if j.kind != "authority" or not reuse_kernels]
    repeated = [i for i, j in enumerate(jobs) if j.kind == "authority" and reuse_kernels]
    if not repeated:
        return singles
    size = max(1, math.ceil(len(repeated) / (2 * max(1, workers))))
    return singles + [repeated[k : k + size] for k in range(0, len(repeated), size)]


def _execute_in_pool(
    jobs: Sequence[Job],
    tasks: list[list[int]],
    record: Callable[[list[int], list[JobResult]], None],
    results: dict[int, JobResult],
    workers: int,
    env: dict[str, str],
    timeout: int,
    reuse_kernels: bool,
) -> None:
    """Run ``tasks`` in ``workers`` processes, handing each task's results to ``record``.

    Should the pool break, the jobs without a result in ``results`` run in this process.
    """
    # spawn: a forked copy of a process with threads (tqdm, zmq) can deadlock
    ctx = multiprocessing.get_context("spawn")
    broken = False
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {
            pool.submit(execute_batch, [jobs[i] for i in task], env, timeout, reuse_kernels): k
            for k, task in enumerate(tasks)
        }
        for fut in cf.as_completed(futures):
            task = tasks[futures[fut]]
            try:
                record(task, fut.result())
            except BrokenProcessPool:
                # a worker died (or could not start, e.g. a __main__ read from stdin):
                # the jobs without a result run below, one by one, in this process
                broken = True
    if broken:
        print(
            "warning: the worker pool broke; running the remaining notebooks here",
            file=sys.stderr,
        )
        for task in tasks:
            missing = [i for i in task if i not in results]
            if missing:
                record(
                    missing,
                    execute_batch([jobs[i] for i in missing], env, timeout, reuse_kernels),
                )


def execute_jobs(
    jobs: Sequence[Job],
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    progress: bool = True,
    reuse_kernels: bool = True,
    scheduler: str | None = None,
) -> list[JobResult]:
    """Run ``jobs`` (in ``workers`` separate processes when > 1) with a tqdm progress bar.

    With ``scheduler`` (a Dask scheduler address, or ``slurm[:N]``) the batches run on Dask
    distributed instead (:func:`samenleven_analysis.reports.engines.run_tasks`).

    Authority reports run in batches that share a kernel (``reuse_kernels``, see
    :class:`ReusableKernel`). Results come back in the order of ``jobs``.
    """
    from tqdm.auto import tqdm

    env = {**(env or {}), **_thread_env(workers), "PYTHONHASHSEED": "0"}
    tasks = plan_batches(jobs, workers, reuse_kernels)
    results: dict[int, JobResult] = {}
    bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr)

    def record(task: list[int], task_results: list[JobResult]) -> None:
        for i, res in zip(task, task_results, strict=True):
            results[i] = res
        bar.set_postfix_str(jobs[task[-1]].label)
        bar.update(len(task))

    try:
        if scheduler:
            from samenleven_analysis.reports.engines import run_tasks

            run_tasks(
                execute_batch,
                [([jobs[i] for i in task], env, timeout, reuse_kernels) for task in tasks],
                scheduler=scheduler,
                on_done=lambda k, res: record(tasks[k], res),
            )
        elif workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                record(task, execute_batch([jobs[i] for i in task], env, timeout, reuse_kernels))
        else:
            _execute_in_pool(jobs, tasks, record, results, workers, env, timeout, reuse_kernels)
    finally:
        bar.close()
    return [results[i] for i in range(len(jobs))]


INJECTED_TAG = "injected-parameters"
"""Tag of the cell papermill inserts with the run's parameters."""

_TIMING_KEYS = ("start_time", "end_time", "duration")


def deterministic_cell_id(nb, parameters: dict[str, Any] | None = None) -> str:
    """``injected-parameters``, or one derived from a hash of the parameters.

    The hash is used should the source notebook already use that id. Papermill gives the cell a
    random id, which makes two runs of the same inputs differ in every .ipynb and .html.
    """
    import hashlib
    import json

    taken = {c.get("id") for c in nb.cells if INJECTED_TAG not in c.metadata.get("tags", [])}
    if INJECTED_TAG not in taken:
        return INJECTED_TAG
    digest = hashlib.sha256(json.dumps(parameters or {}, sort_keys=True, default=str).encode())
    return f"{INJECTED_TAG}-{digest.hexdigest()[:12]}"


def deterministic(nb, parameters: dict[str, Any] | None = None) -> None:
    """Make an executed notebook (in place) give the same bytes for two runs of the same inputs.

    A fixed id for papermill's injected-parameters cell (:func:`deterministic_cell_id`) and no clock
    times (papermill's start/end times and durations, nbclient's cell timings). Run times live in
    ``run.json`` only.
    """
    meta = nb.metadata.get("papermill", {})
    for key in _TIMING_KEYS:
        meta.pop(key, None)
    for cell in nb.cells:
        if INJECTED_TAG in cell.metadata.get("tags", []):
            cell["id"] = deterministic_cell_id(nb, parameters)
        for key in _TIMING_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
    _drop_cell_timings(nb)


def clean_notebook_metadata(nb) -> None:
    """Drop volatile execution metadata (papermill timings, nbclient timing) in place.

    So that re-running an unchanged notebook yields the same bytes where outputs agree.
    """
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
    _drop_cell_timings(nb)


def _drop_cell_timings(nb) -> None:
    """Drop the execution timings nbclient records on every cell and output, in place."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
