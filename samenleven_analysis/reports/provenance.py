"""Provenance of a report.

Package versions, git commit, the sources behind each processed table, and whether any of them is
demo data.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from samenleven_analysis import config
from samenleven_analysis.data.build import provenance_is_demo
from samenleven_analysis.i18n import N_, _

GIT_COMMIT_ENV = "SAMENLEVEN_GIT_COMMIT"
"""Optional override of the git commit shown in provenance (set by the runner)."""


PACKAGES = (
    "samenleven-analysis",
    "pandas",
    "numpy",
    "pyarrow",
    "geopandas",
    "statsmodels",
    "matplotlib",
    "papermill",
)
"""Packages whose versions every provenance cell lists."""


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` plus Python itself ("not installed" when absent)."""
    versions = {"python": sys.version.split()[0]}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(root: Path | None = None) -> str:
    """The checkout's commit (``<sha> (modified)`` with uncommitted changes), or "unknown"."""
    override = os.environ.get(GIT_COMMIT_ENV)
    if override:
        return override
    root = root or config.project_root()
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{sha} (modified)" if dirty else sha


def utc_now() -> str:
    """Current UTC time, ISO 8601 to the second (the format the sanitiser masks)."""
    return _iso(_dt.datetime.now(_dt.UTC))


def _iso(moment: _dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
"""The reproducible-builds convention: a fixed time (seconds since 1970, UTC) that every
output shows instead of the clock, so that reruns write the same bytes."""

RUN_TIME_NOT_RECORDED = N_("not recorded in the report (see run.json)")
"""What a report shows for its run time when ``SOURCE_DATE_EPOCH`` is not set (message id:
``run.json`` keeps it as it is, a report shows it in its language, :func:`run_time_text`)."""


def source_date() -> _dt.datetime | None:
    """``$SOURCE_DATE_EPOCH`` as a UTC time, or None when it is unset or empty.

    A value that is not a whole number of seconds raises ``ValueError`` naming the variable
    (never silently the clock).
    """
    raw = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not raw:
        return None
    try:
        return _dt.datetime.fromtimestamp(int(raw), _dt.UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError(
            f"{SOURCE_DATE_EPOCH}={raw!r}: expected whole seconds since 1970-01-01 UTC"
        ) from exc


def run_time_text(value: str) -> str:
    """A :func:`report_time` as a report shows it.

    The time as it is, or "not recorded" in the active language.
    """
    return _(RUN_TIME_NOT_RECORDED) if value == RUN_TIME_NOT_RECORDED else value


def report_time() -> str:
    """The run time a published report shows.

    ``$SOURCE_DATE_EPOCH`` (ISO 8601 UTC) when set, else :data:`RUN_TIME_NOT_RECORDED`: the clock
    time lives only in ``run.json``, so two runs of the same inputs write byte-identical reports.
    """
    moment = source_date()
    return _iso(moment) if moment is not None else RUN_TIME_NOT_RECORDED


"""The exact dependency set with hashes (``make lock``; see docs/environment.md)."""


def lock_path() -> Path | None:
    """The lock of this code; None when neither copy exists.

    The checkout's ``uv.lock`` when running from a checkout, else the copy shipped inside the
    installed package.
    """
    candidates = [
        config.checkout_root(),
        Path(__file__).resolve().parent.parent / "_bundle",
    ]
    for folder in candidates:
        if folder is not None and (folder / config.LOCK_FILE).is_file():
            return folder / config.LOCK_FILE
    return None


def lock_sha256() -> str:
    """sha256 of :func:`lock_path` (hex), or "unknown" when no lock can be found."""
    import hashlib

    path = lock_path()
    if path is None:
        return "unknown"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sources_of(provenance: dict[str, Any]) -> list[dict[str, Any]]:
    """The input files named in one table's provenance sidecar, as uniform dicts.

    Tolerates the sidecar's layouts: a list under ``inputs``/``sources``, a dict of
    dataset id → entry, or a single top-level entry. Each result has ``dataset_id``,
    ``file`` (a file name, never a path), ``sha256`` and ``demo``.
    """
    items: list[Any] = []
    for key in ("inputs", "sources"):
        value = provenance.get(key)
        if isinstance(value, list):
            items.extend(value)
        elif isinstance(value, dict):
            for ds_id, entry in value.items():
                if isinstance(entry, dict):
                    items.append({"dataset_id": ds_id, **entry})
    if not items and "sha256" in provenance:
        items.append(provenance)
    out = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = item.get("file") or item.get("filename") or item.get("file_name") or item.get("path")
        out.append(
            {
                "dataset_id": str(
                    item.get("dataset_id") or item.get("id") or item.get("dataset") or ""
                ),
                "file": Path(str(name)).name if name else "",
                "sha256": str(item.get("sha256") or ""),
                "demo": bool(item.get("demo", False)),
            }
        )
    return out


def data_provenance(folders: dict[str, Path]) -> list[dict[str, Any]]:
    """Provenance of every processed table in the runner's build folders (for index.html).

    One dict per table: ``build`` (folder key, e.g. ``2025`` or ``demo-2025``), ``table``,
    ``demo`` and its ``sources`` (dataset id, file name, sha256, demo).
    """
    import json

    rows = []
    for key, folder in sorted(folders.items()):
        for sidecar in sorted(Path(folder).glob("*.provenance.json")):
            try:
                prov = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            rows.append(
                {
                    "build": key,
                    "table": sidecar.name.removesuffix(".provenance.json"),
                    "demo": provenance_is_demo(prov) or key.startswith("demo"),
                    "sources": sources_of(prov),
                }
            )
    return rows
