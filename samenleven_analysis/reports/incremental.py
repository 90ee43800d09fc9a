"""Incremental report runs: reuse a report whose inputs did not change (``samenleven run``).

Every report a run writes is recorded in ``<out>/.samenleven-incremental.json`` (the
*manifest*) with the hash of its inputs:

* the notebook (sha256 of the input ``.ipynb``) and its parameters (``output_dir`` made
  relative to the output folder);
* the tables it read, each by the sha256 of the processed Parquet file (the
  ``output_sha256`` of its provenance sidecar in the build folder). Which tables a report
  read is taken from its own provenance cell (the ``tables`` column of its sources
  table, filled by every ``ctx.load``); a report whose provenance names no table is taken
  to depend on every table of the build;
* the set of table names in the build folders (a table that appears or disappears may
  change what a report shows);
* the code: the package version and a fingerprint of its source files and templates, the
  versions of the packages the provenance cell lists, the lock file's sha256 when the
  project has one (``uv.lock``);
* the run mode: demo data, disclosure control.

A rerun into the same output folder (``--out DIR`` again) reuses a report whose hash is
unchanged and whose files are still there, byte for byte (their sha256 are recorded too);
without ``--out`` a run reuses the reports of ``reports/latest`` by copying them into its
new timestamped folder. ``--force`` recomputes everything. ``run.json`` says per report
``status``: ``reused``, ``ran`` or ``failed``; the dashboard is always rebuilt. A reused
report keeps the provenance cell of the run that made it (its run time and git commit).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from samenleven_analysis import __version__
from samenleven_analysis.reports.kernels import Job, JobResult

MANIFEST = ".samenleven-incremental.json"
"""File in the output folder recording each report's input hash and files."""


MODE_ENV = ("SAMENLEVEN_DEMO", "SAMENLEVEN_DISCLOSURE", "SAMENLEVEN_OFFLINE")
"""Environment variables that change what a report shows (besides its inputs)."""

_VERSION = 1


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 over the package's source files, templates and reference data, and its version."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".json", ".yaml", ".csv", ".css"):
            if "__pycache__" in path.parts:
                continue
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def lock_hash() -> str | None:
    """sha256 of the lock this code runs with, or None when there is none.

    :func:`provenance.lock_sha256`: the checkout's, else the installed package's copy.
    """
    from samenleven_analysis.reports.provenance import lock_sha256

    value = lock_sha256()
    return None if value == "unknown" else value


def table_hashes(folders: dict[str, Path]) -> dict[str, dict[str, str]]:
    """``{table name: {build key: sha256 of its Parquet file}}`` over the build folders."""
    out: dict[str, dict[str, str]] = {}
    for key, folder in sorted(folders.items()):
        folder = Path(folder)
        for parquet in sorted(folder.glob("*.parquet")):
            name = parquet.stem
            sidecar = folder / f"{name}.provenance.json"
            sha = None
            try:
                sha = json.loads(sidecar.read_text(encoding="utf-8")).get("output_sha256")
            except (OSError, ValueError):
                sha = None
            out.setdefault(name, {})[key] = str(sha) if sha else _sha256_file(parquet)
    return out


_PROVENANCE_ROW = re.compile(r"^\|[^|]*\|[^|]*\|\s*`[0-9a-fA-F]*`\s*\|[^|]*\|([^|]*)\|\s*$")


def tables_read(ipynb: str | Path) -> list[str] | None:
    """Tables an executed report read; None when the report shows no provenance cell.

    From its provenance cell's sources table (the ``tables`` column).
    """
    try:
        nb = nbformat.read(str(ipynb), as_version=4)
    except (OSError, ValueError):
        return None
    for cell in reversed(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("data", {}).get("text/markdown", "")
            if "### Provenance" not in text:
                continue
            names: set[str] = set()
            for line in text.splitlines():
                m = _PROVENANCE_ROW.match(line.strip())
                if m:
                    names |= {t.strip() for t in m.group(1).split(",") if t.strip()}
            return sorted(names)
    return None


def _relative(value: Any, out_dir: Path) -> Any:
    if isinstance(value, str):
        for prefix in sorted({str(out_dir), str(out_dir.resolve())}, key=len, reverse=True):
            value = value.replace(prefix, "<out>")
    return value


def _files_of(job: Job, out_dir: Path) -> list[Path]:
    """Every file a job wrote: its notebook, HTML and the files in its ``output_dir``."""
    ipynb = Path(job.output)
    files = [ipynb, ipynb.with_suffix(".html")]
    folder = job.parameters.get("output_dir")
    if folder and Path(folder).is_dir():
        files += sorted(p for p in Path(folder).rglob("*") if p.is_file())
    return files


def _rel(path: Path, out_dir: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix()


@dataclass
class Plan:
    """Which jobs to run and which to reuse (indices into the run's job list)."""

    out_dir: Path
    base: dict[int, str] = field(default_factory=dict)
    to_run: list[int] = field(default_factory=list)
    reused: dict[int, JobResult] = field(default_factory=dict)
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, dict[str, str]] = field(default_factory=dict)


def _base_key(job: Job, out_dir: Path, common: dict[str, Any]) -> str:
    payload = {
        "notebook": _sha256_file(Path(job.notebook)),
        "parameters": {k: _relative(v, out_dir) for k, v in sorted(job.parameters.items())},
        "kind": job.kind,
        "label": job.label,
        **common,
    }
    return _sha256_bytes(json.dumps(payload, sort_keys=True, default=str).encode())


def _common(env: dict[str, str], tables: dict[str, dict[str, str]]) -> dict[str, Any]:
    from samenleven_analysis.reports.provenance import package_versions

    return {
        "version": _VERSION,
        "code": code_fingerprint(),
        "packages": package_versions(),
        "lock": lock_hash(),
        "mode": {k: env.get(k, os.environ.get(k)) for k in MODE_ENV},
        "table_names": sorted(tables),
    }


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The reports recorded in ``folder``'s manifest (empty when none or unreadable)."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return {}
    reports = data.get("reports", {})
    return reports if isinstance(reports, dict) else {}


def _tables_unchanged(entry: dict[str, Any], tables: dict[str, dict[str, str]]) -> bool:
    recorded = entry.get("tables")
    if not isinstance(recorded, dict):
        return False
    return all(tables.get(name) == shas for name, shas in recorded.items())


def plan(
    out_dir: Path,
    jobs: Sequence[Job],
    folders: dict[str, Path],
    env: dict[str, str],
    *,
    force: bool = False,
    source: Path | None = None,
) -> Plan:
    """Decide per job whether to reuse its earlier report or to run it.

    The earlier report comes from ``out_dir``'s manifest, or from ``source``'s, whose files are then
    copied into ``out_dir``.
    """
    out_dir = Path(out_dir)
    tables = table_hashes(folders)
    result = Plan(out_dir=out_dir, tables=tables)
    common = _common(env, tables)
    origin = out_dir
    manifest = {} if force else read_manifest(out_dir)
    if not manifest and not force and source is not None and Path(source).is_dir():
        origin = Path(source).resolve()
        manifest = read_manifest(origin)
    for i, job in enumerate(jobs):
        base = _base_key(job, out_dir, common)
        result.base[i] = base
        rel = _rel(Path(job.output), out_dir)
        entry = manifest.get(rel)
        if (
            entry
            and entry.get("base") == base
            and _tables_unchanged(entry, tables)
            and _restore(entry, origin, out_dir)
        ):
            result.reused[i] = JobResult(
                label=job.label,
                kind=job.kind,
                ok=True,
                ipynb=job.output,
                html=str(Path(job.output).with_suffix(".html")),
                seconds=0.0,
                demo=entry.get("demo"),
                status="reused",
            )
            result.entries[rel] = entry
        else:
            result.to_run.append(i)
    return result


def _restore(entry: dict[str, Any], origin: Path, out_dir: Path) -> bool:
    """Whether every recorded file is in ``origin`` with its recorded bytes.

    The files are copied into ``out_dir`` when ``origin`` is another folder.
    """
    files = entry.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for rel, sha in files.items():
        src = origin / rel
        if not src.is_file() or _sha256_file(src) != sha:
            return False
    if origin.resolve() != out_dir.resolve():
        for rel in files:
            dest = out_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin / rel, dest)
    return True


def finish(plan_: Plan, jobs: Sequence[Job], ran: dict[int, JobResult]) -> list[JobResult]:
    """Merge reused and ran results in job order, mark each ``status`` and write the manifest."""
    out_dir = plan_.out_dir
    entries = dict(plan_.entries)
    results: list[JobResult] = []
    for i, job in enumerate(jobs):
        if i in plan_.reused:
            results.append(plan_.reused[i])
            continue
        res = ran[i]
        res.status = "ran" if res.ok else "failed"
        results.append(res)
        rel = _rel(Path(job.output), out_dir)
        entries.pop(rel, None)
        if not res.ok:
            continue
        read = tables_read(job.output)
        names = sorted(plan_.tables) if not read else read
        entries[rel] = {
            "base": plan_.base[i],
            "tables": {n: plan_.tables.get(n, {}) for n in names},
            "files": {
                _rel(p, out_dir): _sha256_file(p) for p in _files_of(job, out_dir) if p.is_file()
            },
            "demo": res.demo,
        }
    write_manifest(out_dir, entries)
    return results


def write_manifest(out_dir: Path, entries: dict[str, dict[str, Any]]) -> None:
    text = json.dumps({"version": _VERSION, "reports": entries}, indent=1, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest.", suffix=".tmp", dir=out_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text + "\n")
    os.replace(tmp, Path(out_dir) / MANIFEST)


def summary(results: Sequence[JobResult]) -> str:
    """``"3 reused, 2 ran, 1 failed"``."""
    counts = {s: sum(r.status == s for r in results) for s in ("reused", "ran", "failed")}
    return ", ".join(f"{n} {s}" for s, n in counts.items())
