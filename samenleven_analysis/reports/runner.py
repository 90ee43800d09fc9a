"""Run the report notebooks with papermill: ``samenleven run`` (contract: docs/design.md).

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

``samenleven refresh`` (:func:`refresh_notebooks`) re-executes every committed notebook on
demo data so that the outputs nbval compares are fresh.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from samenleven_analysis import config, i18n
from samenleven_analysis.analysis.disclosure import DISCLOSURE_ENV, DISCLOSURE_OFF, off_stamp
from samenleven_analysis.errors import DataUnavailable, ParameterError
from samenleven_analysis.i18n import DEFAULT_LANGUAGE
from samenleven_analysis.locking import folder_lock
from samenleven_analysis.reports import outputs
from samenleven_analysis.reports.dashboard import relative_to_out, write_index
from samenleven_analysis.reports.kernels import (
    DEFAULT_TIMEOUT,
    Job,
    clean_notebook_metadata,
    environ,
    error_summary,
    execute_jobs,
    kernel_manager_class,
)
from samenleven_analysis.reports.parameters import (
    parse_parameters,
    read_parameters,
    validate_parameters,
)
from samenleven_analysis.reports.provenance import data_provenance

AUTHORITY_NOTEBOOK = "authority_report"
"""Stem of the per-authority notebook; ``--all`` leaves it out unless authorities are given."""


OPTIONAL_TABLES = ("population_origin", "outcomes", "treatment", "programmes", "partnerships")
"""Tables without a public source: when the real build lacks one, a demo build is
prepared as the notebooks' fallback (``ctx.load(name, fallback_demo=True)``)."""


_TIMESTAMP_DIR = re.compile(r"^\d{8}T\d{6}Z$")


NOTEBOOKS_ENV = "SAMENLEVEN_NOTEBOOKS_DIR"
"""Environment variable naming another notebooks folder (``samenleven run --notebooks``)."""


def packaged_notebooks_dir() -> Path:
    """The copy of the notebooks shipped inside the installed package.

    ``setup.py`` puts ``notebooks/*.ipynb`` there when it builds a wheel.
    """
    return Path(__file__).resolve().parent.parent / "_bundle" / "notebooks"


def notebooks_dir() -> Path:
    """The folder holding the report notebooks (also the kernels' working directory).

    ``$SAMENLEVEN_NOTEBOOKS_DIR`` when set, else the checkout's ``notebooks/`` when running from a
    checkout, else the copy in the installed package.
    """
    override = config.notebooks_dir_override()
    if override is not None:
        return override
    checkout = config.checkout_root()
    if checkout is not None and (checkout / "notebooks").is_dir():
        return checkout / "notebooks"
    return packaged_notebooks_dir()


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
            if result.demo_mirror:
                # the mirror is a Demoland folder (``samenleven demo --out DIR``, perhaps
                # edited): use the tables built from it as given, never regenerate over them
                prepared.demo = True
                prepared.fallback_reason = None
                prepared.folders[f"demo-{v}"] = Path(result.out_dir)
                continue
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
        need_demo = {v for v in vintages if f"demo-{v}" not in prepared.folders}
    for v in sorted(need_demo):
        base = demo_processed_dir()
        out = base if v == main else base / f"vintage-{v}"
        result = build.build(v, data_dir=data_dir, offline=True, demo=True, out=out)
        prepared.folders[f"demo-{v}"] = Path(result.out_dir)
        if prepared.demo:
            prepared.folders[str(v)] = Path(result.out_dir)
    prepared.env = _kernel_env(encode_prebuilt(prepared.folders), prepared.demo, data_dir, offline)
    return prepared


def _kernel_env(
    prebuilt: str, demo: bool, data_dir: str | Path | None, offline: bool
) -> dict[str, str]:
    """What the kernels need to find the prepared tables (and run offline or on demo data)."""
    env = {"SAMENLEVEN_PREBUILT": prebuilt}
    if demo:
        env["SAMENLEVEN_DEMO"] = "1"
    if data_dir is not None:
        env["SAMENLEVEN_DATA_DIR"] = str(Path(data_dir).resolve())
    if offline:
        env["SAMENLEVEN_OFFLINE"] = "1"
    return env


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


def _authority_codes(spec: Sequence[str] | str, table, nb_name: str) -> list[str]:
    """Expand ``eligible`` / ``all`` / explicit codes against the authority table.

    ``eligible``: the applicants that qualify under the table's definition and reference
    year (municipalities alone and partnerships). ``all``: every municipality of the region
    in the vintage (``table.attrs["region_codes"]``, members of partnerships included) plus
    every partnership. Explicit codes must be applicants, partnership members or
    municipalities of the region.
    """
    items = [spec] if isinstance(spec, str) else list(spec)
    known = [str(a) for a in table["applicant"]]
    region = [str(c) for c in table.attrs.get("region_codes", ())]
    partnerships = [
        str(a)
        for a, k in zip(table["applicant"], table["kind"], strict=False)
        if k == "partnership"
    ]
    members = {str(m) for ms in table["members"] for m in ms}
    codes: list[str] = []
    for item in items:
        item = str(item).strip()
        if item == "eligible":
            codes += [str(a) for a in table.loc[table["eligible"].astype(bool), "applicant"]]
        elif item == "all":
            codes += sorted(set(region) | (set(known) - set(partnerships))) + partnerships
        elif item in known or item in members or item in region:
            codes.append(item)
        else:
            raise ParameterError(
                f"{nb_name}: unknown authority {item!r} (use 'eligible', 'all', a municipality "
                "code or a partnership id present in the data)"
            )
    seen: dict[str, None] = dict.fromkeys(codes)
    return list(seen)


def _with_output_dir(params: dict[str, Any], spec: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Give a notebook that declares ``output_dir`` (and was not given one) a folder for its files.

    The folder is next to its report, for the PNG, SVG and CSV files it publishes.
    """
    if "output_dir" in spec and not params.get("output_dir"):
        return {**params, "output_dir": str(folder)}
    return params


def _safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_") or "report"


def _select_notebooks(
    notebooks: Sequence[str | Path], all_: bool, with_authorities: bool, folder: Path
) -> tuple[list[Path], Path | None]:
    """The topic notebooks to run and, with authorities, the authority-report notebook."""
    selected: list[Path] = [resolve_notebook(n, folder) for n in notebooks]
    if all_:
        selected += [p for p in available_notebooks(folder) if p.stem != AUTHORITY_NOTEBOOK]
    selected = list(dict.fromkeys(selected))
    auth_nb: Path | None = None
    if with_authorities:
        auth_nb = resolve_notebook(AUTHORITY_NOTEBOOK, folder)
        selected = [p for p in selected if p != auth_nb]
    if not selected and auth_nb is None:
        raise ParameterError("no notebooks selected: name notebooks, or use --all / --authorities")
    return selected, auth_nb


def _check_declared(
    values: dict[str, Any], specs: dict[Path, dict[str, Any]], notebooks: list[Path]
) -> None:
    """ParameterError naming a parameter that no selected notebook (``specs``) declares."""
    for name in values:
        if not any(name in s for s in specs.values()):
            names = ", ".join(p.name for p in notebooks)
            raise ParameterError(
                f"unknown parameter {name!r}: no selected notebook ({names}) declares it"
            )


def _notebook_values(
    path: Path,
    spec: dict[str, Any],
    values: dict[str, Any],
    raw: dict[str, str],
    per_nb: dict[str, dict[str, Any]],
    disclosure_off: bool,
    language: str | None,
) -> dict[str, Any]:
    """The checked parameters of notebook ``path`` (declaring ``spec``) for this run.

    The values it declares, ``min_cell`` 0 under the disclosure opt-out and ``language``
    unless given as parameters, then its own section of the parameter files.
    """
    mine = {k: v for k, v in values.items() if k in spec}
    if disclosure_off and "min_cell" in spec and "min_cell" not in values:
        mine["min_cell"] = 0
    if language is not None and "language" in spec and "language" not in values:
        mine["language"] = language
    checked = validate_parameters(path, mine, raw=raw, disclosure_off=disclosure_off)
    extra = per_nb.get(path.stem, {})
    checked.update(validate_parameters(path, extra, disclosure_off=disclosure_off))
    return checked


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
    disclosure_off: bool = False,
    force: bool = False,
    scheduler: str | None = None,
    language: str | None = None,
    fresh_kernels: bool = False,
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
    unknown authorities; no output folder is created then). Values are also checked
    against the ``Literal[...]`` types and ``# range: LO..HI`` comments of the
    ``parameters`` cell (see :mod:`samenleven_analysis.reports.parameters`).

    ``disclosure_off`` is the explicit opt-out from small-cell suppression
    (``--no-disclosure-control-i-know``): ``min_cell`` defaults to 0 in every notebook that
    declares it, and every output is stamped (see :func:`disclosure.off_stamp`).
    ``language`` (``nl`` or ``en``; ``--language``) is passed as parameter ``language`` to
    every notebook that declares it and is the dashboard's language; without it the notebooks
    keep their defaults and the dashboard is Dutch. ``run.json`` records it.
    A second run into the same ``out`` while one is running is refused
    (:class:`~samenleven_analysis.locking.FolderBusy`).

    Runs are incremental (:mod:`samenleven_analysis.reports.incremental`): a report whose
    inputs are unchanged since the last run into ``out`` (or, without ``out``, since
    ``reports/latest``) is reused; ``force`` recomputes every report. ``scheduler``: the
    address of a Dask distributed scheduler to run the notebooks on
    (:mod:`samenleven_analysis.reports.engines`); the local process pool otherwise.
    ``fresh_kernels`` runs every notebook in a kernel of its own instead of authority reports in
    batches sharing one (:class:`~samenleven_analysis.reports.kernels.ReusableKernel`): slower,
    the same bytes (the reference the batched run is tested against).
    """
    from samenleven_analysis.reports import context as reporting

    folder = Path(folder) if folder else notebooks_dir()
    selected, auth_nb = _select_notebooks(notebooks, all_, bool(authorities), folder)

    if scheduler:
        from samenleven_analysis.reports.engines import require_dask

        require_dask()  # before anything is built: a missing optional extra is a clear error
    values, raw, per_nb = read_parameters(param_files, params)
    if authorities and "authority" in values:
        raise ParameterError("give authorities with --authorities, not as parameter 'authority'")
    # ---- validation: before anything is built or any kernel starts
    all_nbs = selected + ([auth_nb] if auth_nb else [])
    specs = {p: parse_parameters(p) for p in all_nbs}
    _check_declared(values, specs, all_nbs)
    nb_params: dict[Path, dict[str, Any]] = {}
    for path in all_nbs:
        nb_params[path] = _notebook_values(
            path, specs[path], values, raw, per_nb, disclosure_off, language
        )
    # sections for notebooks not in this run are fine (one file for several runs); a
    # section naming no notebook at all is a typo
    unknown_stems = (
        set(per_nb) - {p.stem for p in available_notebooks(folder)} - {p.stem for p in all_nbs}
    )
    if unknown_stems:
        raise ParameterError(
            f"parameter file has sections for unknown notebooks: {', '.join(sorted(unknown_stems))}"
        )
    if auth_nb is not None and "authority" not in specs[auth_nb]:
        raise ParameterError(f"{auth_nb.name}: declares no parameter 'authority'")

    # ---- data, once
    def vintage_of(path: Path) -> int:
        spec = specs[path].get("vintage")
        value = nb_params[path].get("vintage", spec.default if spec else 2025)
        return int(value) if value is not None else 2025

    vintages = {vintage_of(p) for p in all_nbs}
    out_dir = Path(out) if out else default_out()
    # before any work: folders a notebook writes into stay inside --out; --out is a folder
    nb_params = {
        p: outputs.contained_output_paths(v, out_dir, p.name) for p, v in nb_params.items()
    }
    outputs.check_output_folder(out_dir)
    prepared = prepare_data(vintages, data_dir=data_dir, offline=offline)
    if disclosure_off:
        prepared.env[DISCLOSURE_ENV] = DISCLOSURE_OFF
        _loud(off_stamp())

    authority_rows = None
    auth_settings: dict[str, Any] = {}
    codes: list[str] = []
    if auth_nb is not None:
        spec = specs[auth_nb]
        auth_settings = {k: s.default for k, s in spec.items() if k != "authority"}
        auth_settings.update(nb_params[auth_nb])
        with environ(prepared.env):
            authority_rows = reporting.authority_table(**reporting.table_kwargs(auth_settings))
        # before the output folder exists: an unknown code leaves nothing behind
        codes = _authority_codes(authorities, authority_rows, auth_nb.name)  # type: ignore[arg-type]
        outputs.report_file_names(codes, _safe_name)  # one report per id, or a clear error
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with folder_lock(out_dir, wait=False, what="samenleven run"):
            return _run_into(
                out_dir,
                out_given=out is not None,
                selected=selected,
                nb_params=nb_params,
                auth_nb=auth_nb,
                codes=codes,
                authority_rows=authority_rows,
                auth_settings=auth_settings,
                prepared=prepared,
                values=values,
                authorities=authorities,
                jobs=jobs,
                timeout=timeout,
                progress=progress,
                disclosure_off=disclosure_off,
                specs=specs,
                force=force,
                scheduler=scheduler,
                fresh_kernels=fresh_kernels,
                language=i18n.check_language(
                    language or values.get("language") or DEFAULT_LANGUAGE
                ),
            )
    except OSError as exc:  # read-only folder, full disk, ...: one line, run.json marked
        error = outputs.output_error(exc, str(out_dir))
        _mark_run_failed(out_dir, str(error))
        raise error from exc


def _mark_run_failed(out_dir: Path, error: str) -> None:
    """Best effort: record in ``run.json`` that the run failed (it may say 'running')."""
    path = out_dir / "run.json"
    try:
        info = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        outputs.write_json(path, {**info, "status": outputs.RUN_FAILED, "error": error})
    except (OSError, ValueError):
        pass  # the disk is full or the folder unwritable: run.json keeps 'running'


def _mark_run_started(out_dir: Path, started: _dt.datetime, run_jobs: Sequence[Job]) -> None:
    """``run.json`` and a dashboard saying the run is going on, before any notebook runs.

    ``run.json`` has status 'running' and every report 'unfinished': a run killed half-way is marked
    as such.
    """
    info = {
        "started_utc": started.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "status": outputs.RUN_RUNNING,
        "results": [
            {
                "label": j.label,
                "kind": j.kind,
                "status": "unfinished",
                "ipynb": relative_to_out(j.output, out_dir),
            }
            for j in run_jobs
        ],
    }
    outputs.write_json(out_dir / "run.json", info)
    outputs.write_unfinished_index(out_dir, info, [j.label for j in run_jobs])


def _run_into(
    out_dir: Path,
    *,
    out_given: bool,
    selected,
    nb_params,
    auth_nb,
    codes,
    authority_rows,
    auth_settings,
    prepared,
    values,
    authorities,
    jobs,
    timeout,
    progress,
    disclosure_off,
    specs,
    force=False,
    scheduler=None,
    fresh_kernels: bool = False,
    language: str = DEFAULT_LANGUAGE,
) -> int:
    """The part of :func:`run_notebooks` that writes into ``out_dir`` (under its lock)."""
    run_jobs: list[Job] = [
        Job(
            p.stem,
            str(p),
            str(out_dir / f"{p.stem}.ipynb"),
            _with_output_dir(nb_params[p], specs[p], out_dir / f"{p.stem}_files"),
            publish_dir=str(out_dir),
        )
        for p in selected
    ]
    if auth_nb is not None:
        (out_dir / "authorities").mkdir(exist_ok=True)
        names = outputs.report_file_names(codes, _safe_name)
        for code in codes:
            run_jobs.append(
                Job(
                    code,
                    str(auth_nb),
                    str(out_dir / "authorities" / f"{names[code]}.ipynb"),
                    _with_output_dir(
                        {**nb_params[auth_nb], "authority": code},
                        specs[auth_nb],
                        out_dir / "authorities" / f"{names[code]}_files",
                    ),
                    kind="authority",
                    publish_dir=str(out_dir),
                )
            )

    if prepared.demo:
        print("Running on DEMO data (Demoland, fictional).", file=sys.stderr)
    print(f"{len(run_jobs)} notebook run(s), {max(1, jobs)} at a time → {out_dir}", file=sys.stderr)
    from samenleven_analysis.reports.provenance import GIT_COMMIT_ENV, git_commit

    commit = git_commit()
    env = {**prepared.env, GIT_COMMIT_ENV: commit}
    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    _mark_run_started(out_dir, started, run_jobs)
    from samenleven_analysis.reports import incremental

    latest = out_dir.parent / "latest"
    reuse = incremental.plan(
        out_dir,
        run_jobs,
        prepared.folders,
        env,
        force=force,
        source=latest if not out_given and latest.is_dir() else None,
    )
    ran = execute_jobs(
        [run_jobs[i] for i in reuse.to_run],
        workers=max(1, int(jobs)),
        env=env,
        timeout=timeout,
        progress=progress,
        scheduler=scheduler,
        reuse_kernels=not fresh_kernels,
    )
    for r in ran:
        r.error = public_error(r.error, out_dir)
    results = incremental.finish(reuse, run_jobs, dict(zip(reuse.to_run, ran, strict=True)))
    elapsed = time.perf_counter() - t0
    print(f"reports: {incremental.summary(results)}", file=sys.stderr)

    from samenleven_analysis.reports.provenance import lock_sha256, package_versions, report_time

    run_info = {
        # the clock time of the run is kept here only; reports show report_time
        "started_utc": started.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "seconds": round(elapsed, 1),
        "report_time": report_time(),
        "lock_sha256": lock_sha256(),
        "packages": package_versions(),
        "parameters": values,
        "authority_settings": auth_settings,
        "authorities": list(authorities) if isinstance(authorities, (list, tuple)) else authorities,
        "demo": prepared.demo,
        "fallback_reason": prepared.fallback_reason,
        "git_commit": commit,
        "jobs": int(jobs),
        "kernels": "one per notebook" if fresh_kernels else "shared by a batch of reports",
        "disclosure_control": "off" if disclosure_off else "on",
        "language": language,
    }
    with environ(prepared.env):  # incl. the disclosure opt-out, which the dashboard applies too
        provenance = data_provenance(prepared.folders)
        # the dashboard reads the prepared tables (headline figures, map, data status)
        write_index(
            out_dir,
            results=results,
            authority_rows=authority_rows,
            run_info=run_info,
            provenance=provenance,
            settings=auth_settings,
            language=language,
        )
    outputs.write_json(
        out_dir / "run.json",
        {
            **run_info,
            "status": outputs.RUN_COMPLETE if all(r.ok for r in results) else outputs.RUN_FAILED,
            "results": [
                asdict(r)
                | {
                    "ipynb": relative_to_out(r.ipynb, out_dir),
                    "html": relative_to_out(r.html, out_dir),
                }
                for r in results
            ],
        },
    )
    if not out_given or _TIMESTAMP_DIR.match(out_dir.name):
        update_latest(out_dir)
    failures = [r for r in results if not r.ok]
    print(
        f"{len(results) - len(failures)}/{len(results)} notebook(s) ran in {elapsed:.1f} s; "
        f"index: {out_dir / 'index.html'}",
        file=sys.stderr,
    )
    if failures:
        print("FAILED:", file=sys.stderr)
        for r in failures:
            first = r.error.splitlines()[0] if r.error else "failed"
            print(f"  {r.label}: {first} ({relative_to_out(r.ipynb, out_dir)})", file=sys.stderr)
        return 1
    return 0


_ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:/\\])(?:/|[A-Za-z]:\\)(?:[\w.+@~-]+[/\\])+(?P<name>[\w.+@~-]*)"
)


def public_error(text: str | None, out_dir: Path) -> str | None:
    """An error text fit for ``run.json`` and ``index.html``.

    Paths inside the output folder relative to it, and every other absolute path (this machine's
    checkout, site-packages, temporary folders) cut to its last component.
    """
    if not text:
        return text
    for prefix in sorted({str(out_dir.resolve()), str(out_dir.absolute())}, key=len, reverse=True):
        text = text.replace(prefix + os.sep, "").replace(prefix, ".")
    return _ABSOLUTE_PATH.sub(lambda m: m.group("name") or ".", text)


PAIRED_FORMATS = "ipynb,py:percent"
"""Every notebook is a jupytext pair: the ``py:percent`` script is the reviewed source, the
``.ipynb`` the product with stored demo outputs (see ``notebooks/jupytext.toml``)."""


def paired_script(ipynb: Path) -> Path:
    """The ``py:percent`` script paired with a notebook."""
    return ipynb.with_suffix(".py")


def notebook_from_script(ipynb: Path):
    """The notebook built from its paired script (outputs empty), ready to execute."""
    import jupytext

    nb = jupytext.read(str(paired_script(ipynb)), fmt="py:percent")
    nb.metadata["jupytext"] = {"formats": PAIRED_FORMATS}
    nb.metadata["kernelspec"] = {
        "name": config.KERNEL_NAME,
        "display_name": "Python (samenleven)",
        "language": "python",
    }
    return nb


def stable_cell_ids(nb, previous) -> None:
    """Give the cells of ``nb`` (built from the paired script) the ids they had in ``previous``.

    jupytext makes random ids, so every refresh rewrote every id of the committed notebook. A cell
    keeps the id of the first unused cell of ``previous`` with the same type and source; a new or
    edited cell gets an id derived from its position and source (the same on every machine).
    """
    import hashlib

    unused: dict[tuple[str, str], list[str]] = {}
    for cell in previous.cells:
        if "id" in cell:
            unused.setdefault((cell.cell_type, cell.source), []).append(cell["id"])
    taken: set[str] = set()
    for index, cell in enumerate(nb.cells):
        ids = unused.get((cell.cell_type, cell.source))
        while ids and ids[0] in taken:
            ids.pop(0)
        if ids:
            cell["id"] = ids.pop(0)
        else:
            digest = hashlib.sha256(f"{index}\n{cell.source}".encode()).hexdigest()
            cell["id"] = next(
                digest[k : k + 8] for k in range(0, 56) if digest[k : k + 8] not in taken
            )
        taken.add(cell["id"])


def refresh_notebooks(
    names: Sequence[str] = (), *, timeout: int = DEFAULT_TIMEOUT, folder: Path | None = None
) -> int:
    """Rebuild each notebook from its paired script and execute it on Demoland data.

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
            src = path.with_name(f".{path.stem}.source.ipynb")
            tmp = path.with_name(f".{path.stem}.refresh.ipynb")
            print(f"refreshing {path.name} ...", file=sys.stderr, flush=True)
            try:
                fresh = notebook_from_script(path)
                if path.is_file():
                    stable_cell_ids(fresh, nbformat.read(str(path), as_version=4))
                nbformat.write(fresh, str(src))
                pm.execute_notebook(
                    str(src),
                    str(tmp),
                    kernel_name=config.KERNEL_NAME,
                    cwd=str(folder),
                    execution_timeout=timeout,
                    progress_bar=False,
                    kernel_manager_class=kernel_manager_class(),
                )
            except Exception as exc:  # listed; the others are still refreshed
                failures.append((path.name, error_summary(exc)))
                tmp.unlink(missing_ok=True)
                continue
            finally:
                src.unlink(missing_ok=True)
            nb = nbformat.read(str(tmp), as_version=4)
            clean_notebook_metadata(nb)
            nbformat.write(nb, str(path))
            tmp.unlink(missing_ok=True)
    for name, err in failures:
        print(f"FAILED {name}: {err}", file=sys.stderr)
    return 1 if failures else 0
