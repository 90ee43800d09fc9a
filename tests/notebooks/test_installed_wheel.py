"""``pip install <wheel>`` works as ``make`` does (issue 17).

The wheel carries the package data (the nested nbconvert template, the reference files), the
notebooks and the lock, and an installed package runs a notebook and an authority report on demo
data outside any checkout.

The wheel is built from a copy of this checkout and installed with ``--no-deps`` into a
fresh venv; the dependencies are those of the test interpreter (already exactly the lock),
made visible through a ``.pth`` line rather than installed again (that would download
every package). The ``.pth`` line adds the folder only: its own ``.pth`` files, e.g. the
editable install of the checkout, are not processed, so ``samenleven_analysis`` can only
come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_ANYWHERE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".*cache", ".ipynb_checkpoints")
_TOP = {".git", ".venv", "build", "dist", "reports", "data"}


def _ignored(folder: str, names: list[str]) -> set[str]:
    """Not copied: caches anywhere, and the checkout's venv, build output, reports and data on top.

    The wheel needs none of them.
    """
    skip = set(_ANYWHERE(folder, names))
    return skip | (_TOP & set(names) if Path(folder) == ROOT else set())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=_ignored, symlinks=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(base), str(src)],
        check=True,
        timeout=600,
    )
    (found,) = base.glob("samenleven_analysis-*.whl")
    return found


@pytest.mark.slow  # > 8 s: the end-to-end tier (`make test-e2e`, CI)
def test_the_wheel_carries_package_data_notebooks_and_lock(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "samenleven_analysis/reports/templates/index.html.j2",
        "samenleven_analysis/reports/templates/nbconvert/offline/conf.json",
        "samenleven_analysis/reports/templates/nbconvert/offline/index.html.j2",
        "samenleven_analysis/data/reference/plan_samenleven.yaml",
        "samenleven_analysis/data/reference/crosswalks.csv",
        "samenleven_analysis/_bundle/uv.lock",
    }
    expected |= {
        f"samenleven_analysis/_bundle/notebooks/{p.name}"
        for p in (ROOT / "notebooks").glob("*.ipynb")
    }
    assert expected - names == set()
    lock = zipfile.ZipFile(wheel).read("samenleven_analysis/_bundle/uv.lock")
    assert lock == (ROOT / "uv.lock").read_bytes()


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """``(python of a fresh venv holding the wheel, environment without the checkout)``."""
    base = tmp_path_factory.mktemp("venv")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_test_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SAMENLEVEN_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))
    }
    # the dependencies' data files (nbconvert's base templates) live with the dependencies
    env["JUPYTER_PATH"] = os.path.join(sys.prefix, "share", "jupyter")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return python, env


@pytest.mark.notebooks
@pytest.mark.slow
def test_installed_wheel_runs_a_notebook_and_an_authority_report(installed, tmp_path):
    python, env = installed
    work = tmp_path / "server"  # no checkout anywhere above
    work.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import samenleven_analysis as s; print(s.__file__)"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert str(python.parent.parent) in where and str(ROOT) not in where
    out = work / "reports" / "20250101T000000Z"
    result = subprocess.run(
        [str(python.parent / "samenleven"), "run", "eligibility", "--offline"]
        + ["--authorities", "96006", "--out", str(out)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("eligibility.html", "authorities/96006.html", "index.html"):
        assert (out / name).is_file(), name
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert [r["ok"] for r in info["results"]] == [True, True]
    assert info["demo"] is True  # offline, no mirror: Demoland, said loudly
    lock = (ROOT / "uv.lock").read_bytes()
    assert info["lock_sha256"] == __import__("hashlib").sha256(lock).hexdigest()
    assert info["lock_sha256"] in (out / "eligibility.html").read_text(encoding="utf-8")
    assert str(work) not in (out / "run.json").read_text(encoding="utf-8")


@pytest.mark.slow
def test_installed_wheel_takes_another_notebooks_folder(installed, tmp_path):
    python, env = installed
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "eligibility.ipynb", folder / "only_this.ipynb")
    unknown = subprocess.run(
        [str(python.parent / "samenleven"), "run", "nope", "--notebooks", str(folder)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 2 and "(available: only_this)" in unknown.stderr
    env = {**env, "SAMENLEVEN_NOTEBOOKS_DIR": str(folder)}
    unknown = subprocess.run(
        [str(python.parent / "samenleven"), "run", "nope"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "(available: only_this)" in unknown.stderr
