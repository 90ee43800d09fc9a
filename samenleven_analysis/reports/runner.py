"""Run the report notebooks with papermill: ``samenleven run`` (DESIGN.md contract).

One call of :func:`run_notebooks`:

1. selects notebooks (names, paths, ``--all``) and, with ``authorities``, one
   ``authority_report`` per local authority;
2. reads parameters from YAML files (``-f``) and ``-p NAME VALUE`` pairs and **validates
   them before any kernel starts** against each notebook's ``parameters`` cell (names, and
   types of the default values); an unknown or ill-typed parameter raises
   :class:`~samenleven_analysis.errors.ParameterError` (the CLI exits with status 2);
3. builds the processed data **once** (so notebooks running in parallel never race to
   write ``data/processed``); offline without a mirror it falls back to Demoland data
   and says so loudly; kernels receive the built folders through ``SAMENLEVEN_PREBUILT``
   (see :mod:`samenleven_analysis.reports.context`);
4. executes the notebooks (kernel ``config.KERNEL_NAME``, working directory the notebooks
   folder, a per-cell timeout) in up to ``jobs`` separate processes; kernels talk over
   IPC sockets with unique paths, so parallel kernels cannot clash on TCP ports, and a
   kernel that fails to start is retried once;
5. writes ``<out>/<notebook>.ipynb`` and ``.html`` (no code cells), authority reports in
   ``<out>/authorities/``, ``index.html`` (the dashboard) and ``run.json``; the default
   ``out`` is ``reports/<UTC timestamp>/`` with a ``reports/latest`` symlink;
6. collects failures: the other notebooks still run, failures are listed, status 1.

``python -m samenleven_analysis.reports.runner refresh-notebooks`` re-executes every committed
notebook in place on demo data so that the outputs nbval compares are fresh.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures as cf
import contextlib
import datetime as _dt
import json
import math
import multiprocessing
import os
import re
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from samenleven_analysis import config
from samenleven_analysis.errors import DataUnavailable, ParameterError

DEFAULT_TIMEOUT = 600
"""Seconds a single cell may run before the notebook counts as failed."""

AUTHORITY_NOTEBOOK = "authority_report"
"""Stem of the per-authority notebook; ``--all`` leaves it out unless authorities are given."""

OPTIONAL_TABLES = ("population_origin", "outcomes", "treatment", "programmes", "partnerships")
"""Tables without a public source: when the real build lacks one, a demo build is
prepared as the notebooks' fallback (``ctx.load(name, fallback_demo=True)``)."""

_TIMESTAMP_DIR = re.compile(r"^\d{8}T\d{6}Z$")


# =========================================================================== parameters


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a notebook's ``parameters`` cell.

    ``types`` holds type names among ``bool int float str list dict NoneType``; an
    empty tuple means "anything" (default ``None`` without annotation, or a default that
    is not a literal).
    """

    name: str
    default: Any
    types: tuple[str, ...]
    element_type: str | None = None  # for list defaults with homogeneous elements

    def describe(self) -> str:
        if not self.types:
            return "any value"
        names = [t for t in self.types if t != "NoneType"]
        text = " or ".join(names) if names else "None"
        if "list" in self.types and self.element_type:
            text = text.replace("list", f"list of {self.element_type}")
        if "NoneType" in self.types and names:
            text += " or None"
        return text


_ANNOTATION_TYPES = {"int", "float", "str", "bool", "list", "dict", "None", "Optional"}


def _annotation_types(node: ast.AST | None) -> tuple[str, ...] | None:
    """Type names of a simple annotation (``int``, ``str | None``, ``Optional[int]``, ``list[str]``)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and node.value is None:
        return ("NoneType",)
    if isinstance(node, ast.Name) and node.id in _ANNOTATION_TYPES - {"Optional", "None"}:
        return (node.id,)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id in ("list", "dict"):
            return (node.value.id,)
        if node.value.id == "Optional":
            inner = _annotation_types(node.slice)
            return None if inner is None else inner + ("NoneType",)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _annotation_types(node.left), _annotation_types(node.right)
        if left is None or right is None:
            return None
        return left + right
    return None


def _type_of(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    name = type(value).__name__
    return (name,) if name in {"bool", "int", "float", "str", "list", "dict"} else ()


def parse_parameters(nb_path: str | Path) -> dict[str, ParamSpec]:
    """Parameters declared in the notebook's cell tagged ``parameters`` (read with ``ast``).

    Returns ``{}`` when the notebook has no such cell (it then accepts no parameters).
    IPython magics and shell lines are ignored.
    """
    nb = nbformat.read(str(nb_path), as_version=4)
    cell = next(
        (c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])),
        None,
    )
    if cell is None:
        return {}
    source = "\n".join(
        line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
    )
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{Path(nb_path).name}: cannot parse the parameters cell: {exc}") from exc
    specs: dict[str, ParamSpec] = {}
    for node in tree.body:
        targets: list[ast.expr]
        annotation = None
        if isinstance(node, ast.Assign):
            targets, value_node = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value_node, annotation = [node.target], node.value, node.annotation
        else:
            continue
        try:
            default = ast.literal_eval(value_node)
            literal = True
        except (ValueError, SyntaxError, TypeError):
            default, literal = None, False
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            types = _annotation_types(annotation)
            if types is None:
                types = _type_of(default) if literal else ()
            element = None
            if isinstance(default, list) and default:
                kinds = {type(v).__name__ for v in default}
                if len(kinds) == 1:
                    element = kinds.pop()
            specs[target.id] = ParamSpec(target.id, default, tuple(types), element)
    return specs


def _yaml_scalar(text: str) -> Any:
    """Parse one ``-p`` value like a YAML scalar/flow value (``2022`` → int, ``[a, b]`` → list)."""
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def _check(nb_name: str, spec: ParamSpec, value: Any, raw: str | None) -> Any:
    """Return ``value`` converted to what ``spec`` expects, or raise ParameterError.

    ``raw`` is the original command-line text (``-p``), None for values from YAML files:
    a ``-p`` value for a ``str`` parameter is taken verbatim (``-p authority 01001`` keeps
    its leading zero), whereas YAML files must quote such strings.
    """
    types = spec.types
    if not types:
        return value

    def fail() -> ParameterError:
        shown = raw if raw is not None else value
        return ParameterError(
            f"{nb_name}: parameter {spec.name!r} expects {spec.describe()}, "
            f"got {type(value).__name__} {shown!r}"
        )

    if value is None and "NoneType" in types:
        return None
    if "str" in types and raw is not None:
        return value if isinstance(value, str) else raw
    if "bool" in types and isinstance(value, bool):
        return value
    if "int" in types and isinstance(value, int) and not isinstance(value, bool):
        return value
    if "float" in types and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if "str" in types and isinstance(value, str):
        return value
    if "dict" in types and isinstance(value, dict):
        return value
    if "list" in types:
        items = value if isinstance(value, list) else ([value] if raw is not None else None)
        if items is None:
            raise fail()
        if spec.element_type:
            element_spec = ParamSpec(spec.name, None, (spec.element_type,))
            try:
                # from the command line, items of a str list are taken as text
                # (``[11002, 44021]`` -> ``["11002", "44021"]``)
                items = [
                    _check(nb_name, element_spec, v,
                           None if raw is None else (str(v) if isinstance(value, list) else raw))
                    for v in items
                ]
            except ParameterError as exc:
                raise fail() from exc
        return items
    raise fail()


def validate_parameters(
    nb_path: str | Path, params: dict[str, Any], *, raw: dict[str, str] | None = None
) -> dict[str, Any]:
    """Check ``params`` against the notebook's ``parameters`` cell; return converted values.

    ``raw`` maps names to their command-line text for values that came from ``-p``.
    Raises :class:`ParameterError` naming the notebook, the parameter and the expected
    type for an unknown or ill-typed parameter. Starts no kernel.
    """
    nb_name = Path(nb_path).name
    specs = parse_parameters(nb_path)
    raw = raw or {}
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            raise ParameterError(f"{nb_name}: unknown parameter {name!r} (declared parameters: {known})")
        out[name] = _check(nb_name, specs[name], value, raw.get(name))
    return out


def read_parameters(
    param_files: Sequence[str | Path] = (), params: Sequence[tuple[str, str]] | Sequence[str] = ()
) -> tuple[dict[str, Any], dict[str, str], dict[str, dict[str, Any]]]:
    """Merge ``-f`` YAML files (in order) and ``-p NAME VALUE`` pairs (last wins).

    Returns ``(values, raw_texts, per_notebook)``. A YAML file is a mapping of parameter
    names to values; a key ``notebooks:`` may hold ``{notebook_stem: {name: value}}`` for
    parameters meant for one notebook only. ``params`` may also be a flat list
    ``[NAME, VALUE, NAME, VALUE, ...]``.
    """
    values: dict[str, Any] = {}
    raw: dict[str, str] = {}
    per_nb: dict[str, dict[str, Any]] = {}
    for file in param_files:
        path = Path(file)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ParameterError(f"cannot read parameter file {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ParameterError(f"parameter file {path} is not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ParameterError(f"parameter file {path} must hold a mapping of name: value")
        for key, value in data.items():
            if key == "notebooks" and isinstance(value, dict):
                for stem, mapping in value.items():
                    if not isinstance(mapping, dict):
                        raise ParameterError(f"parameter file {path}: notebooks.{stem} must be a mapping")
                    per_nb.setdefault(str(stem), {}).update(mapping)
                continue
            values[str(key)] = value
            raw.pop(str(key), None)
    pairs: list[tuple[str, str]]
    if params and all(isinstance(p, str) for p in params):
        flat = list(params)  # type: ignore[arg-type]
        if len(flat) % 2:
            raise ParameterError("-p expects NAME VALUE pairs")
        pairs = list(zip(flat[::2], flat[1::2]))
    else:
        pairs = [tuple(p) for p in params]  # type: ignore[misc]
    for name, text in pairs:
        values[str(name)] = _yaml_scalar(str(text))
        raw[str(name)] = str(text)
    return values, raw, per_nb


# =========================================================================== selection


def notebooks_dir() -> Path:
    """The folder holding the report notebooks (also the kernels' working directory)."""
    return config.project_root() / "notebooks"


def available_notebooks(folder: Path | None = None) -> list[Path]:
    """Report notebooks in ``folder`` (sorted; names starting with ``_`` or ``.`` skipped)."""
    folder = folder or notebooks_dir()
    return sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith(("_", ".")))


def resolve_notebook(name: str | Path, folder: Path | None = None) -> Path:
    """A notebook given as stem (``eligibility``), file name or path → existing path."""
    folder = folder or notebooks_dir()
    candidates = [Path(name), folder / str(name), folder / f"{name}.ipynb"]
    for path in candidates:
        if path.suffix == ".ipynb" and path.is_file():
            return path.resolve()
    known = ", ".join(p.stem for p in available_notebooks(folder)) or "none"
    raise ParameterError(f"unknown notebook {str(name)!r} (available: {known})")


# =========================================================================== data


@dataclass
class PreparedData:
    """What :func:`prepare_data` built: folders per key, demo flag, environment for kernels."""

    folders: dict[str, Path] = field(default_factory=dict)
    demo: bool = False
    fallback_reason: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


def _loud(message: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n{message}\n{bar}\n", file=sys.stderr, flush=True)


def prepare_data(
    vintages: Iterable[int], *, data_dir: str | Path | None = None, offline: bool = False
) -> PreparedData:
    """Build the processed tables once per vintage before any notebook runs.

    Real data first (``build.build``); when no real data is available (typically offline
    without a mirror) everything runs on Demoland data and a loud notice is printed.
    With real data lacking any of :data:`OPTIONAL_TABLES`, a demo build is prepared as
    the notebooks' fallback. The returned ``env`` is what kernels need
    (``SAMENLEVEN_PREBUILT``, and ``SAMENLEVEN_DEMO`` in demo mode).
    """
    from samenleven_analysis.data import build
    from samenleven_analysis.reports.context import demo_processed_dir, encode_prebuilt

    vintages = sorted({int(v) for v in vintages}, key=lambda v: (v != 2025, v))
    prepared = PreparedData(demo=config.force_demo())
    main = vintages[0]
    need_demo: set[int] = set()
    if not prepared.demo:
        for v in vintages:
            out = None if v == main else config.processed_dir() / f"vintage-{v}"
            try:
                result = build.build(v, data_dir=data_dir, offline=offline or None, out=out)
            except DataUnavailable as exc:
                prepared.demo = True
                prepared.fallback_reason = str(exc)
                prepared.folders.clear()
                _loud(
                    "DEMO DATA: no real data could be found"
                    + (" (offline)" if offline or config.offline() else "")
                    + f": {exc}\nEvery report in this run uses Demoland, a FICTIONAL data set."
                )
                break
            prepared.folders[str(v)] = Path(result.out_dir)
            if result.demo:
                # build() fell back to Demoland itself (no real population files)
                prepared.demo = True
                prepared.fallback_reason = "no real population files in the cache or mirror" + (
                    " (offline)" if offline or config.offline() else " and none downloadable"
                )
                _loud(
                    f"DEMO DATA: {prepared.fallback_reason}.\n"
                    "Every report in this run uses Demoland, a FICTIONAL data set."
                )
                break
            present = set(result.tables)
            if any(t not in present for t in OPTIONAL_TABLES):
                need_demo.add(v)
    if prepared.demo:
        need_demo = set(vintages)
    for v in sorted(need_demo):
        base = demo_processed_dir()
        out = base if v == main else base / f"vintage-{v}"
        result = build.build(v, data_dir=data_dir, offline=True, demo=True, out=out)
        prepared.folders[f"demo-{v}"] = Path(result.out_dir)
        if prepared.demo:
            prepared.folders[str(v)] = Path(result.out_dir)
    prepared.env = {"SAMENLEVEN_PREBUILT": encode_prebuilt(prepared.folders)}
    if prepared.demo:
        prepared.env["SAMENLEVEN_DEMO"] = "1"
    if data_dir is not None:
        prepared.env["SAMENLEVEN_DATA_DIR"] = str(Path(data_dir).resolve())
    if offline:
        prepared.env["SAMENLEVEN_OFFLINE"] = "1"
    return prepared


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


# =========================================================================== execution


def _kernel_manager_class():
    """AsyncKernelManager over IPC sockets with a unique path per kernel (POSIX).

    TCP kernels pick "free" ports by binding and releasing them, a known race when
    several kernels start at once; IPC socket paths are unique by construction.
    """
    if os.name != "posix":
        return None
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
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


def export_html(ipynb: str | Path, html_path: str | Path | None = None) -> Path:
    """Write the notebook as HTML without code cells or prompts (nbconvert)."""
    from nbconvert import HTMLExporter

    ipynb = Path(ipynb)
    html_path = Path(html_path) if html_path else ipynb.with_suffix(".html")
    nb = nbformat.read(str(ipynb), as_version=4)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": ipynb.stem}})
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _error_summary(exc: BaseException) -> str:
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
    cleared (``reset(new_session=True)``, as ``%reset -f``), figures are closed, matplotlib's rcParams, the warning filters
    and "already shown" registries and the execution counter are restored, so each report
    sees what a fresh kernel would (imported modules stay cached; they hold no report
    state). After any failure the kernel is replaced before the next notebook.
    """

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self.km = None
        self._start()

    def _start(self) -> None:
        from jupyter_core.utils import run_sync

        cls = _kernel_manager_class()
        if cls is None:
            from jupyter_client.manager import AsyncKernelManager as cls
        self.km = cls(kernel_name=config.KERNEL_NAME)
        run_sync(self.km.start_kernel)(cwd=self.cwd)
        self._run(_PRIME_CODE)
        self._run(_SNAPSHOT_CODE)

    def _run(self, code: str, timeout: float = 120) -> None:
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(self.km.get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=timeout)
            reply = kc.execute_interactive(code, timeout=timeout, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"kernel reset failed: {reply['content'].get('evalue')}")
        finally:
            kc.stop_channels()

    def reset(self) -> None:
        """Make the kernel look fresh for the next notebook (restart it if that fails)."""
        try:
            self._run(_RESET_CODE, timeout=60)
        except Exception:  # noqa: BLE001 - any failure: a fresh kernel is the safe answer
            self.replace()

    def replace(self) -> None:
        """Shut this kernel down and start a new one."""
        self.shutdown()
        self._start()

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001, S110 - already dead: nothing to stop
                pass
            self.km = None


def execute_job(
    job: Job, env: dict[str, str] | None = None, timeout: int = DEFAULT_TIMEOUT,
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
    with environ(env or {}):
        for attempt in (1, 2):
            extra: dict[str, Any] = {}
            if kernel is not None:
                kernel.reset()
                extra["km"] = kernel.km
            else:
                extra["kernel_manager_class"] = _kernel_manager_class()
                # outputs are saved cell by cell; a kernel stuck in a timed-out cell
                # need not be waited for
                extra["shutdown_kernel"] = "immediate"
            try:
                pm.execute_notebook(
                    job.notebook,
                    job.output,
                    parameters=job.parameters,
                    kernel_name=config.KERNEL_NAME,
                    cwd=str(Path(job.notebook).parent),
                    execution_timeout=timeout,
                    progress_bar=False,
                    log_output=False,
                    **extra,
                )
                error = None
                break
            except (PapermillExecutionError, CellTimeoutError, DeadKernelError) as exc:
                # the notebook itself failed (a cell raised, ran too long, or killed its
                # kernel): running it again would fail again
                error = _error_summary(exc)
                if kernel is not None:
                    kernel.replace()  # it may still be busy with the failed cell
                break
            except Exception as exc:  # noqa: BLE001 - kernel start/transport failures: retry once
                error = _error_summary(exc)
                if kernel is not None:
                    kernel.replace()
                if attempt == 2:
                    error += "\n" + traceback.format_exc(limit=3)
    html_path: str | None = None
    demo: bool | None = None
    if Path(job.output).is_file():
        try:
            html_path = str(export_html(job.output))
            demo = report_uses_demo(job.output)
        except Exception as exc:  # noqa: BLE001 - must not hide the original failure
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


def report_uses_demo(ipynb: str | Path) -> bool | None:
    """What the report's provenance cell says: True (DEMO data), False (real), None (no
    provenance cell output, e.g. the notebook failed before it)."""
    nb = nbformat.read(str(ipynb), as_version=4)
    for cell in reversed(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown", "")
            if "### Provenance" in text:
                return "**Data: DEMO" in text
    return None


def execute_batch(
    jobs: Sequence[Job], env: dict[str, str] | None = None, timeout: int = DEFAULT_TIMEOUT,
    reuse_kernel: bool = True,
) -> list[JobResult]:
    """Execute ``jobs`` one after another, sharing one :class:`ReusableKernel` when
    ``reuse_kernel`` and there is more than one job; never raises."""
    results: list[JobResult] = []
    with environ(env or {}):
        kernel = None
        if reuse_kernel and len(jobs) > 1:
            try:
                kernel = ReusableKernel(str(Path(jobs[0].notebook).parent))
            except Exception:  # noqa: BLE001 - fall back to a fresh kernel per notebook
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
    """Group job indices into tasks: every distinct notebook alone (fresh kernel), and
    repeated runs of one notebook (authority reports) in batches sharing a kernel.

    Batches hold about ``n / (2 * workers)`` reports, so that each worker gets at least
    two and the last ones to finish are short. Singles come first (they are the longer).
    """
    singles = [[i] for i, j in enumerate(jobs) if j.kind != "authority" or not reuse_kernels]
    repeated = [i for i, j in enumerate(jobs) if j.kind == "authority" and reuse_kernels]
    if not repeated:
        return singles
    size = max(1, math.ceil(len(repeated) / (2 * max(1, workers))))
    return singles + [repeated[k:k + size] for k in range(0, len(repeated), size)]


def execute_jobs(
    jobs: Sequence[Job], *, workers: int = 1, env: dict[str, str] | None = None,
    timeout: int = DEFAULT_TIMEOUT, progress: bool = True, reuse_kernels: bool = True,
) -> list[JobResult]:
    """Run ``jobs`` (in ``workers`` separate processes when > 1) with a tqdm progress bar.

    Authority reports run in batches that share a kernel (``reuse_kernels``, see
    :class:`ReusableKernel`). Results come back in the order of ``jobs``.
    """
    from tqdm.auto import tqdm

    env = {**(env or {}), **_thread_env(workers), "PYTHONHASHSEED": "0"}
    tasks = plan_batches(jobs, workers, reuse_kernels)
    results: dict[int, JobResult] = {}
    bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not progress, file=sys.stderr)

    def record(task: list[int], task_results: list[JobResult]) -> None:
        for i, res in zip(task, task_results):
            results[i] = res
        bar.set_postfix_str(jobs[task[-1]].label)
        bar.update(len(task))

    try:
        if workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                record(task, execute_batch([jobs[i] for i in task], env, timeout, reuse_kernels))
        else:
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
                print("warning: the worker pool broke; running the remaining notebooks here",
                      file=sys.stderr)
                for task in tasks:
                    missing = [i for i in task if i not in results]
                    if missing:
                        record(missing, execute_batch([jobs[i] for i in missing], env, timeout, reuse_kernels))
    finally:
        bar.close()
    return [results[i] for i in range(len(jobs))]


# =========================================================================== run


def default_out(root: Path | None = None, now: _dt.datetime | None = None) -> Path:
    """``reports/<UTC timestamp>/`` under the project root (e.g. ``reports/20250101T060000Z``)."""
    now = now or _dt.datetime.now(_dt.UTC)
    return (root or config.project_root() / "reports") / now.strftime("%Y%m%dT%H%M%SZ")


def update_latest(out: Path) -> Path:
    """Point ``<out>/../latest`` at ``out`` (relative symlink, replaced atomically)."""
    link = out.parent / "latest"
    tmp = out.parent / f".latest-{uuid.uuid4().hex[:8]}"
    tmp.symlink_to(out.name, target_is_directory=True)
    os.replace(tmp, link)
    return link


def _authority_codes(
    spec: Sequence[str] | str, table, nb_name: str
) -> list[str]:
    """Expand ``eligible`` / ``all`` / explicit codes against the authority table."""
    items = [spec] if isinstance(spec, str) else list(spec)
    known = [str(a) for a in table["applicant"]]
    codes: list[str] = []
    for item in items:
        item = str(item).strip()
        if item == "eligible":
            codes += [str(a) for a in table.loc[table["eligible"].astype(bool), "applicant"]]
        elif item == "all":
            codes += known
        elif item in known:
            codes.append(item)
        else:
            # a member municipality of a partnership, or a code the data do not know
            member_of = [
                str(a) for a, members in zip(table["applicant"], table["members"]) if item in list(members)
            ]
            if member_of:
                codes.append(item)
            else:
                raise ParameterError(
                    f"{nb_name}: unknown authority {item!r} (use 'eligible', 'all', a municipality "
                    "code or a partnership id present in the data)"
                )
    seen: dict[str, None] = dict.fromkeys(codes)
    return list(seen)


def _safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "report"


def run_notebooks(
    notebooks: Sequence[str | Path] = (),
    *,
    all_: bool = False,
    param_files: Sequence[str | Path] = (),
    params: Sequence[tuple[str, str]] | Sequence[str] = (),
    out: str | Path | None = None,
    jobs: int = 1,
    data_dir: str | Path | None = None,
    offline: bool = False,
    authorities: Sequence[str] | str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    progress: bool = True,
    folder: str | Path | None = None,
) -> int:
    """Execute report notebooks; return the exit status (0 all ran, 1 some failed).

    ``notebooks``: stems, file names or paths; ``all_`` adds every notebook in the
    notebooks folder except ``authority_report``. ``authorities``: ``"eligible"``,
    ``"all"`` or codes (municipality REFNIS codes or partnership ids): one
    ``authority_report`` per authority. ``params`` are ``(NAME, VALUE)`` pairs (or a flat
    ``[NAME, VALUE, ...]`` list) given as text, parsed like YAML scalars.

    A parameter is applied to every selected notebook that declares it; one that no
    selected notebook declares, or one with the wrong type, raises
    :class:`ParameterError` before any kernel starts (as do unknown notebooks and
    unknown authorities).
    """
    from samenleven_analysis.reports import context as reporting

    folder = Path(folder) if folder else notebooks_dir()
    selected: list[Path] = [resolve_notebook(n, folder) for n in notebooks]
    if all_:
        selected += [p for p in available_notebooks(folder) if p.stem != AUTHORITY_NOTEBOOK]
    selected = list(dict.fromkeys(selected))
    auth_nb: Path | None = None
    if authorities:
        auth_nb = resolve_notebook(AUTHORITY_NOTEBOOK, folder)
        selected = [p for p in selected if p != auth_nb]
    if not selected and auth_nb is None:
        raise ParameterError("no notebooks selected: name notebooks, or use --all / --authorities")

    values, raw, per_nb = read_parameters(param_files, params)
    if authorities and "authority" in values:
        raise ParameterError("give authorities with --authorities, not as parameter 'authority'")
    # ---- validation: before anything is built or any kernel starts
    all_nbs = selected + ([auth_nb] if auth_nb else [])
    specs = {p: parse_parameters(p) for p in all_nbs}
    for name in values:
        if not any(name in s for s in specs.values()):
            names = ", ".join(p.name for p in all_nbs)
            raise ParameterError(f"unknown parameter {name!r}: no selected notebook ({names}) declares it")
    nb_params: dict[Path, dict[str, Any]] = {}
    for path in all_nbs:
        mine = {k: v for k, v in values.items() if k in specs[path]}
        checked = validate_parameters(path, mine, raw=raw)
        extra = per_nb.get(path.stem, {})
        checked.update(validate_parameters(path, extra))
        nb_params[path] = checked
    # sections for notebooks not in this run are fine (one file for several runs); a
    # section naming no notebook at all is a typo
    unknown_stems = set(per_nb) - {p.stem for p in available_notebooks(folder)} - {p.stem for p in all_nbs}
    if unknown_stems:
        raise ParameterError(f"parameter file has sections for unknown notebooks: {', '.join(sorted(unknown_stems))}")
    if auth_nb is not None and "authority" not in specs[auth_nb]:
        raise ParameterError(f"{auth_nb.name}: declares no parameter 'authority'")

    # ---- data, once
    def vintage_of(path: Path) -> int:
        spec = specs[path].get("vintage")
        value = nb_params[path].get("vintage", spec.default if spec else 2025)
        return int(value) if value is not None else 2025

    vintages = {vintage_of(p) for p in all_nbs}
    prepared = prepare_data(vintages, data_dir=data_dir, offline=offline)

    out_dir = Path(out) if out else default_out()
    out_dir.mkdir(parents=True, exist_ok=True)
    run_jobs: list[Job] = [
        Job(p.stem, str(p), str(out_dir / f"{p.stem}.ipynb"), nb_params[p]) for p in selected
    ]
    authority_rows = None
    auth_settings: dict[str, Any] = {}
    if auth_nb is not None:
        spec = specs[auth_nb]
        auth_settings = {k: s.default for k, s in spec.items() if k != "authority"}
        auth_settings.update(nb_params[auth_nb])
        with environ(prepared.env):
            authority_rows = reporting.authority_table(**reporting.table_kwargs(auth_settings))
        codes = _authority_codes(authorities, authority_rows, auth_nb.name)  # type: ignore[arg-type]
        (out_dir / "authorities").mkdir(exist_ok=True)
        for code in codes:
            run_jobs.append(
                Job(code, str(auth_nb), str(out_dir / "authorities" / f"{_safe_name(code)}.ipynb"),
                    {**nb_params[auth_nb], "authority": code}, kind="authority")
            )

    if prepared.demo:
        print("Running on DEMO data (Demoland, fictional).", file=sys.stderr)
    print(f"{len(run_jobs)} notebook run(s), {max(1, jobs)} at a time → {out_dir}", file=sys.stderr)
    from samenleven_analysis.reports.context import GIT_COMMIT_ENV, git_commit

    commit = git_commit()
    env = {**prepared.env, GIT_COMMIT_ENV: commit}
    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    results = execute_jobs(run_jobs, workers=max(1, int(jobs)), env=env, timeout=timeout, progress=progress)
    elapsed = time.perf_counter() - t0

    run_info = {
        "started_utc": started.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "seconds": round(elapsed, 1),
        "parameters": values,
        "authority_settings": auth_settings,
        "authorities": list(authorities) if isinstance(authorities, (list, tuple)) else authorities,
        "demo": prepared.demo,
        "fallback_reason": prepared.fallback_reason,
        "git_commit": commit,
        "jobs": int(jobs),
    }
    with environ(prepared.env):
        provenance = reporting.data_provenance(prepared.folders)
    write_index(out_dir, results=results, authority_rows=authority_rows, run_info=run_info,
                provenance=provenance, settings=auth_settings)
    (out_dir / "run.json").write_text(
        json.dumps({**run_info, "results": [asdict(r) | {"ipynb": _rel(r.ipynb, out_dir),
                                                          "html": _rel(r.html, out_dir)} for r in results]},
                   indent=2, sort_keys=True, default=str),
        encoding="utf-8",
    )
    if out is None or _TIMESTAMP_DIR.match(out_dir.name):
        update_latest(out_dir)
    failures = [r for r in results if not r.ok]
    print(f"{len(results) - len(failures)}/{len(results)} notebook(s) ran in {elapsed:.1f} s; "
          f"index: {out_dir / 'index.html'}", file=sys.stderr)
    if failures:
        print("FAILED:", file=sys.stderr)
        for r in failures:
            print(f"  {r.label}: {r.error.splitlines()[0] if r.error else 'failed'} ({_rel(r.ipynb, out_dir)})",
                  file=sys.stderr)
        return 1
    return 0


def _rel(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


# =========================================================================== dashboard


def _template_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def dashboard_rows(
    table, results_by_label: dict[str, JobResult], out_dir: Path, min_cell: int
) -> list[dict[str, Any]]:
    """Rows of the dashboard's authority table, with disclosure control applied.

    Counts go through :func:`disclosure.suppress` (the column sums to a publishable
    total, so complementary suppression applies); share and margin of a suppressed
    count are hidden too, since either would give the count back.
    """
    from samenleven_analysis.analysis import disclosure

    shown = disclosure.suppress(table[["count"]].reset_index(drop=True), ["count"], min_cell, totals="columns")
    rows = []
    for i, rec in enumerate(table.reset_index(drop=True).to_dict("records")):
        hidden = shown.loc[i, "count"].startswith("<")
        result = results_by_label.get(str(rec["applicant"]))
        share = rec.get("share")
        margin = rec.get("margin")
        cohort = rec.get("cohort")
        change = rec.get("outcome_change")
        rows.append(
            {
                "applicant": str(rec["applicant"]),
                "name": str(rec.get("name") or rec["applicant"]),
                "kind": rec.get("kind", "municipality"),
                "members": ", ".join(map(str, rec.get("members") or [])),
                "count": shown.loc[i, "count"],
                "share": "" if hidden or share is None or pd_isna(share) else f"{float(share):.1%}",
                "eligible": bool(rec.get("eligible")),
                "margin": "" if hidden or margin is None or pd_isna(margin) else f"{int(margin):+d}",
                "cohort": "—" if cohort is None or pd_isna(cohort) else str(int(cohort)),
                "trend": "" if change is None or pd_isna(change) else f"{float(change):+.1f}",
                "href": _rel(result.html, out_dir) if result and result.html else None,
                "status": ("ok" if result.ok else "failed") if result else None,
            }
        )
    return rows


def pd_isna(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def write_index(
    out_dir: str | Path,
    *,
    results: Sequence[JobResult],
    authority_rows=None,
    run_info: dict[str, Any],
    provenance: Sequence[dict[str, Any]] = (),
    settings: dict[str, Any] | None = None,
) -> Path:
    """Write ``<out_dir>/index.html``: the static dashboard (no scripts, no server).

    Authorities (when the run made authority reports), links to every report, the
    run's parameters, data provenance (DEMO marked), package versions and git commit.
    """
    from samenleven_analysis.analysis import disclosure
    from samenleven_analysis.reports.context import package_versions

    out_dir = Path(out_dir)
    settings = settings or {}
    min_cell = int(settings.get("min_cell", run_info.get("parameters", {}).get("min_cell", disclosure.MIN_CELL_DEFAULT)))
    by_label = {r.label: r for r in results if r.kind == "authority"}
    authorities = None
    caption = ""
    outcome_label = "Outcome trend"
    demo_tables: list[str] = []
    if authority_rows is not None:
        authorities = dashboard_rows(authority_rows, by_label, out_dir, min_cell)
        attrs = authority_rows.attrs
        first = authority_rows["outcome_from"].dropna()
        last = authority_rows["outcome_to"].dropna()
        outcome = str(attrs.get("outcome", "outcome")).replace("_", " ")
        if len(first) and len(last):
            outcome_label = f"{outcome} {int(first.iloc[0])}→{int(last.iloc[0])} (change)"
        year = attrs.get("year")
        caption = (
            f"Residents of origin definition {attrs.get('definition', '')} on 1 January {year}; "
            f"eligible = more than {attrs.get('threshold', 7500):,.0f}"
            f"{' (inclusive)' if attrs.get('inclusive') else ''}; margin = count − threshold; "
            "cohort = first funded project year."
        )
        if attrs.get("demo") and not run_info.get("demo"):
            demo_tables.append("origin-based authority table")
    prov_rows = []
    for p in provenance:
        sources = p.get("sources") or [{"dataset_id": "", "file": "", "sha256": "", "demo": p.get("demo")}]
        for s in sources:
            prov_rows.append({"build": p["build"], "table": p["table"], "dataset_id": s["dataset_id"],
                              "file": s["file"], "sha256": s["sha256"], "demo": p["demo"] or s["demo"]})
            if (p["demo"] or s["demo"]) and not run_info.get("demo") and p["build"][:4] != "demo":
                demo_tables.append(p["table"])
    names = {}
    if authority_rows is not None:
        names = dict(zip(authority_rows["applicant"].astype(str), authority_rows["name"].astype(str)))
    results_view = [
        {
            "label": r.label, "kind": r.kind, "ok": r.ok, "seconds": r.seconds,
            "html": _rel(r.html, out_dir), "ipynb": _rel(r.ipynb, out_dir) if Path(r.ipynb).exists() else None,
            "error_line": (r.error or "").splitlines()[0][:200] if r.error else "",
            "data": {True: "DEMO", False: "real", None: "?"}[r.demo],
            "name": names.get(r.label, "") if r.kind == "authority" else "",
        }
        for r in results
    ]
    params = sorted((str(k), json.dumps(v, default=str)) for k, v in (run_info.get("parameters") or {}).items())
    text = _template_env().get_template("index.html.j2").render(
        demo=bool(run_info.get("demo")),
        run=run_info,
        results=results_view,
        failures=[r for r in results_view if not r["ok"]],
        authorities=authorities,
        authority_caption=caption,
        outcome_label=outcome_label,
        min_cell=min_cell,
        parameters=params,
        provenance=prov_rows,
        demo_tables=sorted(set(demo_tables)),
        packages=sorted(package_versions().items()),
    )
    path = out_dir / "index.html"
    path.write_text(text, encoding="utf-8")
    return path


# =========================================================================== refresh


def clean_notebook_metadata(nb) -> None:
    """Drop volatile execution metadata (papermill timings, nbclient timing) in place,
    so that re-running an unchanged notebook yields the same bytes where outputs agree."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
        # papermill marks cells with tags it adds; keep "parameters", drop nothing else


def refresh_notebooks(
    names: Sequence[str] = (), *, timeout: int = DEFAULT_TIMEOUT, folder: Path | None = None
) -> int:
    """Re-execute notebooks in place on Demoland data (deterministic) for nbval.

    Runs with ``SAMENLEVEN_DEMO=1`` and no injected parameters (the notebooks' defaults),
    kernel ``config.KERNEL_NAME``, working directory the notebooks folder; then strips
    volatile metadata. Returns 0, or 1 when a notebook failed (its file is left as it was).
    """
    import papermill as pm

    folder = folder or notebooks_dir()
    paths = [resolve_notebook(n, folder) for n in names] if names else available_notebooks(folder)
    failures = []
    env = {"SAMENLEVEN_DEMO": "1", "PYTHONHASHSEED": "0"}
    with environ(env):
        for path in paths:
            tmp = path.with_name(f".{path.stem}.refresh.ipynb")
            print(f"refreshing {path.name} ...", file=sys.stderr, flush=True)
            try:
                pm.execute_notebook(
                    str(path), str(tmp), kernel_name=config.KERNEL_NAME, cwd=str(folder),
                    execution_timeout=timeout, progress_bar=False,
                    kernel_manager_class=_kernel_manager_class(),
                )
            except Exception as exc:  # noqa: BLE001 - listed; the others are still refreshed
                failures.append((path.name, _error_summary(exc)))
                tmp.unlink(missing_ok=True)
                continue
            nb = nbformat.read(str(tmp), as_version=4)
            clean_notebook_metadata(nb)
            nbformat.write(nb, str(path))
            tmp.unlink(missing_ok=True)
    for name, err in failures:
        print(f"FAILED {name}: {err}", file=sys.stderr)
    return 1 if failures else 0


# =========================================================================== benchmark


def benchmark_reports(n_authorities: int = 4, out: Path | None = None) -> dict[str, float]:
    """Print (and return) seconds for the demo report suite on this machine.

    * build: preparing the demo tables (cache warm-up, not part of the suite figures);
    * full suite: ``--all --authorities eligible --jobs 2`` (the ``make reports`` run);
    * one authority report;
    * ``n_authorities`` authority reports with ``--jobs 1`` and with ``--jobs 2``.
    Runs in demo mode; outputs go to a temporary folder. Not a test: nothing is asserted.
    """
    from samenleven_analysis.reports import context as reporting

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="samenleven-bench-") as tmp, environ({"SAMENLEVEN_DEMO": "1"}):
        base = Path(out) if out else Path(tmp)
        t = time.perf_counter()
        prepared = prepare_data([2025])
        figures["build (demo, warm-up)"] = time.perf_counter() - t
        with environ(prepared.env):
            table = reporting.authority_table()
        codes = [str(c) for c in table.loc[table["eligible"], "applicant"]][:n_authorities]

        def timed(label: str, **kwargs: Any) -> None:
            t0 = time.perf_counter()
            status = run_notebooks(progress=False, **kwargs)
            figures[label] = time.perf_counter() - t0
            if status:
                print(f"warning: {label}: status {status}", file=sys.stderr)

        timed("full demo suite (--all --authorities eligible --jobs 2)",
              all_=True, authorities="eligible", jobs=2, out=base / "full")
        timed("one authority report", authorities=codes[:1], jobs=1, out=base / "one")
        timed(f"{len(codes)} authority reports --jobs 1", authorities=codes, jobs=1, out=base / "j1")
        timed(f"{len(codes)} authority reports --jobs 2", authorities=codes, jobs=2, out=base / "j2")
    print(f"benchmark on {os.cpu_count()} CPU(s):")
    for label, seconds in figures.items():
        print(f"  {label:<60} {seconds:7.1f} s")
    return figures


# =========================================================================== main


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m samenleven_analysis.reports.runner {refresh-notebooks,run,bench}``."""
    parser = argparse.ArgumentParser(prog="python -m samenleven_analysis.reports.runner")
    sub = parser.add_subparsers(dest="command", required=True)
    ref = sub.add_parser("refresh-notebooks", help="re-execute notebooks in place on demo data")
    ref.add_argument("notebooks", nargs="*")
    ref.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT)
    run = sub.add_parser("run", help="same as `samenleven run`")
    run.add_argument("notebooks", nargs="*")
    run.add_argument("--all", dest="all_", action="store_true")
    run.add_argument("-f", dest="param_files", action="append", default=[])
    run.add_argument("-p", dest="params", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    run.add_argument("--out")
    run.add_argument("--jobs", type=int, default=1)
    run.add_argument("--data-dir")
    run.add_argument("--offline", action="store_true")
    run.add_argument("--authorities", nargs="+")
    run.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT)
    bench = sub.add_parser("bench", help="print report-suite timings (demo data)")
    bench.add_argument("-n", type=int, default=4)
    args = parser.parse_args(argv)
    if args.command == "refresh-notebooks":
        return refresh_notebooks(args.notebooks, timeout=args.timeout)
    if args.command == "bench":
        benchmark_reports(args.n)
        return 0
    try:
        return run_notebooks(
            args.notebooks, all_=args.all_, param_files=args.param_files,
            params=[tuple(p) for p in args.params], out=args.out, jobs=args.jobs,
            data_dir=args.data_dir, offline=args.offline, authorities=args.authorities,
            timeout=args.timeout,
        )
    except ParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
