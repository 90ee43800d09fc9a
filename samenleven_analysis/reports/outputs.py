"""Writing report outputs safely: atomically, with spreadsheet-safe CSV cells, inside ``--out``.

* **Atomic.** Every file a report publishes is written to a temporary file in the same
  folder and moved into place with :func:`os.replace`, so a reader (or a full disk, or a
  killed run) never leaves a truncated ``eligibility.html`` or a 0-byte SVG under the
  final name: the old file stays, or the new one is complete. A failed write removes
  its temporary file and raises.
* **CSV for people.** :func:`write_csv` is the one writer of every CSV a person may open
  in a spreadsheet. A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return is a formula to Excel/LibreOffice (``=HYPERLINK(...)`` from a
  municipality name); such cells get a leading ``'`` (OWASP "CSV injection"), except
  cells that are plain numbers (``-12``, ``+1,234``, ``-0.5``), which stay numbers.
* **Inside the output folder.** :func:`inside` checks that a path resolves (symlinks
  followed) inside the output folder.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from samenleven_analysis.errors import SamenlevenError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d[\d,]*|\d*\.\d+|\d[\d,]*\.\d*)([eE][+-]?\d+)?%?$")


def neutralise_cell(value):
    """``value`` safe for a spreadsheet: text starting with a formula character gets a ``'``.

    Numbers (and text that is just a number, such as ``-12`` or ``+1,234``) and everything else are
    returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``frame`` with :func:`neutralise_cell` applied to every text cell and label."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame, *, off: bool | None = None) -> str:
    r"""``frame`` as CSV text (no index, ``\n`` line ends), cells neutralised, stamped if opted out.

    The disclosure opt-out: :func:`~samenleven_analysis.analysis.disclosure.stamp_csv`; ``off``:
    whether the opt-out is in force, default the run's environment.
    """
    from samenleven_analysis.analysis.disclosure import stamp_csv

    buf = io.StringIO()
    neutralise_frame(stamp_csv(frame, off=off)).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def write_csv(frame: pd.DataFrame, path: str | Path, *, off: bool | None = None) -> Path:
    """Write ``frame`` as a CSV for people to open; see module doc.

    Neutralised cells, stamped under the disclosure opt-out, atomic.
    """
    return write_text(path, csv_text(frame, off=off))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to.

    Moved onto ``path`` when the block ends without an exception, removed otherwise.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder + rename)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def inside(path: str | Path, folder: str | Path) -> bool:
    """Whether ``path`` resolves (symlinks followed, ``..`` applied) inside ``folder``."""
    target = Path(path).resolve()
    root = Path(folder).resolve()
    return target == root or root in target.parents


# --------------------------------------------------------------------------- run folder

OUTPUT_PATH_PARAMETERS = ("output_dir", "figure_dir")
"""Notebook parameters that name a folder the notebook writes into; they must stay inside
``--out`` (a relative value is taken relative to ``--out``)."""


class OutputError(SamenlevenError):
    """The output folder cannot be written (a file, read-only, full disk): one line."""


def output_error(exc: OSError, what: str = "") -> OutputError:
    """A one-line :class:`OutputError` for an ``OSError`` raised while writing the run."""
    where = exc.filename if exc.filename is not None else what
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"cannot write the run's outputs: {where}: {reason}")


def check_output_folder(out_dir: Path) -> None:
    """Refuse an ``--out`` that is a file (or under one) before anything is written."""
    for folder in (out_dir, *out_dir.parents):
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(f"--out {out_dir}: {folder} is a file, not a folder")
            return


def contained_output_paths(params: dict[str, Any], out_dir: Path, label: str) -> dict[str, Any]:
    """``params`` with every :data:`OUTPUT_PATH_PARAMETERS` value resolved inside ``out_dir``.

    Relative values are relative to it; a value that resolves outside it (``..``, an absolute path
    elsewhere, a symlink leading out) raises ``ParameterError``.
    """
    from samenleven_analysis.errors import ParameterError

    out = dict(params)
    for name in OUTPUT_PATH_PARAMETERS:
        value = out.get(name)
        if not value:
            continue
        target = Path(str(value))
        target = target if target.is_absolute() else out_dir / target
        if not inside(target, out_dir):
            raise ParameterError(
                f"{label}: parameter {name!r} = {str(value)!r} resolves outside the output "
                f"folder --out {out_dir}; give a folder inside it (relative paths are taken "
                "relative to --out)"
            )
        out[name] = str(target)
    return out


def report_file_names(codes: Sequence[str], safe_name) -> dict[str, str]:
    """``{code: file stem}`` for authority reports.

    Two codes that would share a file (ids differing only in punctuation or case, ``IGS/01`` and
    ``IGS:01``) raise ``ParameterError`` before anything is written.
    """
    from samenleven_analysis.errors import ParameterError

    names: dict[str, str] = {}
    seen: dict[str, str] = {}
    for code in codes:
        name = safe_name(code)
        key = name.casefold()  # case-insensitive file systems (macOS, Windows)
        if key in seen and seen[key] != code:
            raise ParameterError(
                f"authorities {seen[key]!r} and {code!r} would both be written as "
                f"authorities/{name}.*: rename one of them in the partnerships file"
            )
        seen[key] = code
        names[code] = name
    return names


RUN_RUNNING = "running"
RUN_COMPLETE = "complete"
RUN_FAILED = "failed"


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str))


def write_unfinished_index(out_dir: Path, run_info: dict[str, Any], labels: Sequence[str]) -> Path:
    """The dashboard while a run is going on.

    It says the run has not finished and lists the reports as unfinished. The finished run replaces
    it; a killed run leaves it standing, so an interrupted run is never mistaken for a complete one.
    """
    items = "".join(f"<li>{html.escape(str(label))}: unfinished</li>" for label in labels)
    text = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Plan Samenleven reports: run unfinished</title></head><body>"
        '<h1>Run unfinished</h1><p class="failed" id="run-status" data-status="running">'
        f"This run started at {html.escape(str(run_info.get('started_utc', '')))} (UTC) and "
        "has not finished. If no run is in progress it was interrupted: the reports below "
        "are unfinished, and nothing in this folder is complete. See run.json.</p>"
        f"<ul>{items}</ul></body></html>\n"
    )
    return write_text(out_dir / "index.html", text)
