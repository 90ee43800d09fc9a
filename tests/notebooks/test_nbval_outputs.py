"""Notebook outputs under nbval.

Stale stored outputs fail, volatile text is sanitised, and the committed notebooks follow the
conventions nbval and the runner rely on.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"


def tiny(path: Path, source: str, stored: str) -> Path:
    """A one-cell notebook whose stored output is ``stored``."""
    nb = new_notebook()
    nb.metadata.kernelspec = {
        "name": "samenleven",
        "display_name": "Python (samenleven)",
        "language": "python",
    }
    cell = new_code_cell(source, execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text=stored)]
    nb.cells = [cell]
    nbformat.write(nb, str(path))
    return path


def nbval(path: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run nbval on a notebook or folder in isolation (own rootdir, no project conftest/ini)."""
    folder = path if path.is_dir() else path.parent
    ini = folder / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-c",
            str(ini),
            "--rootdir",
            str(folder),
            "--nbval",
            "--nbval-kernel-name",
            "samenleven",
            *extra,
            str(path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=folder,
    )


def sanitize_patterns() -> list[tuple[str, str]]:
    from nbval.plugin import get_sanitize_patterns

    return get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))


def sanitize(text: str) -> str:
    for regex, replace in sanitize_patterns():
        text = re.sub(regex, replace, text)
    return text


def outcomes(result: subprocess.CompletedProcess) -> dict[str, str]:
    """``{"fresh.ipynb": "PASSED", ...}`` from ``pytest -rA`` output (one cell per notebook)."""
    found = {}
    for line in result.stdout.splitlines():
        m = re.match(r"^(PASSED|FAILED|ERROR) (\S+\.ipynb)::", line)
        if m:
            found[Path(m.group(2)).name] = m.group(1)
    return found


VOLATILE_SRC = (
    "import datetime, hashlib\n"
    "print('run time (UTC):', datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'))\n"
    "print('sha', hashlib.sha256(str(datetime.datetime.now()).encode()).hexdigest())\n"
    "print(object())\n"
    "print('answer', 42)"
)
VOLATILE_STORED = (
    "run time (UTC): 2001-01-01T00:00:00+00:00\nsha " + "0" * 64 + "\n"
    "<object object at 0x7f0000000000>\nanswer 42\n"
)


@pytest.mark.notebooks
def test_nbval_fails_stale_outputs_and_sanitises_volatile_text(tmp_path):
    tiny(tmp_path / "fresh.ipynb", "print(6 * 7)", "42\n")
    tiny(tmp_path / "stale.ipynb", "print(6 * 7)", "41\n")  # a tampered copy
    tiny(tmp_path / "volatile.ipynb", VOLATILE_SRC, VOLATILE_STORED)
    # volatile text is masked, but a changed number still fails
    tiny(tmp_path / "wrong.ipynb", VOLATILE_SRC, VOLATILE_STORED.replace("answer 42", "answer 43"))
    result = nbval(tmp_path, "-rA", "--nbval-sanitize-with", str(SANITIZE))
    assert outcomes(result) == {
        "fresh.ipynb": "PASSED",
        "stale.ipynb": "FAILED",
        "volatile.ipynb": "PASSED",
        "wrong.ipynb": "FAILED",
    }, result.stdout + result.stderr
    assert result.returncode == 1


@pytest.mark.notebooks
def test_without_the_sanitiser_volatile_outputs_fail(tmp_path):
    path = tiny(tmp_path / "volatile.ipynb", VOLATILE_SRC, VOLATILE_STORED)
    result = nbval(path, "-rA")
    assert outcomes(result) == {"volatile.ipynb": "FAILED"}, result.stdout + result.stderr


def test_sanitiser_patterns_on_provenance_text():
    text = (
        "git commit: 8c4602c56a53155f4f26824fe9445c5b06909330 (modified); "
        "uv.lock sha256: " + "ab" * 32 + "\n"
        "**Packages:** python==3.11.7, pandas==3.1.1\n"
        "run time (UTC): 2026-11-28T04:26:34Z\n"
        "run time (UTC): not recorded in the report (see run.json)\n"
        "tijdstip van de run (UTC): 2026-11-28T04:26:34Z\n"
        "tijdstip van de run (UTC): niet vastgelegd in het rapport (zie run.json)\n"
        "Tijdstip van de run (UTC): 12:00\n"
        "/home/user/project/samenleven_analysis/build.py:212: DemoDataWarning\n"
        '<img src="data:image/png;base64,iVBORw0KGgo="> share 12.5 2022/2023 </td>'
    )
    assert sanitize(text) == (
        "git commit: COMMIT\n"
        "**Packages:** python==VERSION, pandas==VERSION\n"
        "run time (UTC): RUNTIME\n"
        "run time (UTC): RUNTIME\n"
        "tijdstip van de run (UTC): RUNTIME\n"
        "tijdstip van de run (UTC): RUNTIME\n"
        "Tijdstip van de run (UTC): 12:00\n"
        "PATH:LINE: DemoDataWarning\n"
        '<img src="data:image/IMAGE"> share 12.5 2022/2023 </td>'
    )


def test_nbval_skips_png_by_default_so_figures_are_not_compared_as_pixels():
    """Nbval's own default (checked so an upgrade that changes it is noticed)."""
    from nbval.plugin import IPyNbFile

    source = Path(sys.modules[IPyNbFile.__module__].__file__).read_text(encoding="utf-8")
    assert "self.skip_compare + ('image/png', 'image/jpeg')" in source


# --------------------------------------------------------------------------- conventions

COMMITTED = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not p.name.startswith((".", "_")))


@pytest.mark.skipif(not COMMITTED, reason="no notebooks committed yet")
@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_committed_notebook_conventions(path):
    """The conventions nbval, the runner and the readers rely on.

    Kernel `samenleven`, first code cell tagged `parameters`, outputs stored from a run, provenance
    cell last.
    """
    nb = nbformat.read(str(path), as_version=4)
    assert nb.metadata.get("kernelspec", {}).get("name") == "samenleven"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "parameters" in code[0].metadata.get("tags", []), (
        "first code cell must be tagged parameters"
    )
    assert all(c.execution_count is not None for c in code), (
        "commit notebooks executed (make notebooks-refresh)"
    )
    assert "provenance_cell" in code[-1].source, "the last code cell shows ctx.provenance_cell(...)"
