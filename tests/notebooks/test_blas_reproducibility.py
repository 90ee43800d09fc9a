"""Stored notebook outputs hold under another BLAS kernel and thread count (issue 17).

``samenleven refresh`` writes the stored outputs with whatever kernel OpenBLAS picks for the
CPU (AVX2 ``Haswell`` or newer on the project's machines). ``make test-notebooks`` — the nbval
stage of ``make test`` and CI — then compares **every** notebook with numpy's, scipy's and
diff-diff's OpenBLAS forced onto a pre-AVX kernel (``OPENBLAS_CORETYPE=Prescott``) and one
thread (BLAS, OpenMP and numba; the Makefile's ``NBVAL_BLAS``): the same comparison, the same
sanitiser, no extra masking, so a number that depends on the machine fails there on the
machine that wrote it. Before the synthetic-control weights were solved exactly,
``synthetic_control.ipynb`` failed that comparison (interval -369.302 … 372.288 stored,
-369.296 … 372.282 under Prescott; see docs/reproducibility.md).

This file checks, cheaply, that the Makefile's setting really switches the kernel and the
thread count on this machine (else the nbval stage would prove nothing), and runs the full
matrix — every notebook under Haswell, Prescott, Sandybridge, Nehalem and SkylakeX with one
and two threads — with ``SAMENLEVEN_BLAS_MATRIX=1`` (about 20 min on 2 cores):

    SAMENLEVEN_BLAS_MATRIX=1 .venv/bin/python -m pytest tests/notebooks/test_blas_reproducibility.py

A configuration this OpenBLAS cannot provide (no such kernel in the build, fewer cores than
threads, not OpenBLAS) is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from samenleven_analysis import config

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "sanitize.cfg"

MATRIX = [
    ("Haswell", 1),
    ("Haswell", 2),
    ("Prescott", 1),
    ("Prescott", 2),
    ("Sandybridge", 1),
    ("Nehalem", 2),
    ("SkylakeX", 2),  # AVX-512: skipped on a CPU without it
]

# What threadpoolctl reports for each requested kernel (OpenBLAS names Prescott's kernels
# after Katmai in the scipy-openblas builds).
REPORTED = {"Prescott": {"Prescott", "Katmai"}}

FULL = bool(os.environ.get("SAMENLEVEN_BLAS_MATRIX"))

PROBE = (
    "import json, numpy, scipy.linalg\n"
    "from threadpoolctl import threadpool_info\n"
    "print(json.dumps([(i['filepath'], i.get('architecture'), i['num_threads'])\n"
    "                  for i in threadpool_info() if i['internal_api'] == 'openblas']))\n"
)


def blas_env(coretype: str, threads: int) -> dict[str, str]:
    """The environment of one configuration (the Jupyter kernel inherits it)."""
    env = dict(os.environ)
    env.update(
        SAMENLEVEN_DEMO="1",
        PYTHONHASHSEED="0",
        OPENBLAS_CORETYPE=coretype,
        OPENBLAS_NUM_THREADS=str(threads),
        OMP_NUM_THREADS=str(threads),
        NUMBA_NUM_THREADS=str(threads),
    )
    return env


def active_blas(env: dict[str, str]) -> list[tuple[str, str, int]]:
    """``(library, kernel, threads)`` of every OpenBLAS a Python with ``env`` loads."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:  # e.g. a kernel whose instructions this CPU lacks
        pytest.skip(f"Python does not start with {env['OPENBLAS_CORETYPE']}: {out.stderr[-300:]}")
    return [tuple(x) for x in json.loads(out.stdout.strip().splitlines()[-1])]


def require(coretype: str, threads: int, env: dict[str, str]) -> None:
    """Skip unless numpy's OpenBLAS really runs ``coretype`` with ``threads`` threads."""
    libs = active_blas(env)
    numpy_blas = [lib for lib in libs if "numpy" in Path(lib[0]).parts[-2]]
    if not numpy_blas:
        pytest.skip(f"numpy does not use a bundled OpenBLAS here ({libs})")
    _, kernel, n = numpy_blas[0]
    if kernel not in REPORTED.get(coretype, {coretype}):
        pytest.skip(f"this OpenBLAS cannot run the {coretype} kernel (it reports {kernel})")
    if n != threads:
        pytest.skip(f"OpenBLAS runs {n} thread(s), not {threads}, on this machine")


def makefile_nbval_env() -> dict[str, str]:
    """The variables ``make test-notebooks`` sets for nbval (the Makefile's ``NBVAL_BLAS``)."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("NBVAL_BLAS ?="):
            return dict(pair.split("=", 1) for pair in line.split("?=", 1)[1].split())
    raise AssertionError("Makefile defines no NBVAL_BLAS for the nbval stage")


def test_the_nbval_stage_runs_another_kernel_and_one_thread():
    nbval = makefile_nbval_env()
    assert nbval["OPENBLAS_CORETYPE"] == "Prescott"
    assert {nbval[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")} == {"1"}
    env = blas_env(nbval["OPENBLAS_CORETYPE"], int(nbval["OPENBLAS_NUM_THREADS"]))
    require(nbval["OPENBLAS_CORETYPE"], 1, env)  # skips (with the reason) where impossible
    default = active_blas({k: v for k, v in os.environ.items() if not k.startswith("OPENBLAS")})
    forced = active_blas(env)
    assert [lib[1] for lib in default] != [lib[1] for lib in forced], (default, forced)


@pytest.mark.skipif(not FULL, reason="full kernel matrix: set SAMENLEVEN_BLAS_MATRIX=1 (20 min)")
@pytest.mark.parametrize(("coretype", "threads"), MATRIX)
def test_stored_outputs_hold_under_another_blas_kernel(coretype, threads, tmp_path):
    env = blas_env(coretype, threads)
    require(coretype, threads, env)
    names = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
    ini = tmp_path / "pytest.ini"  # nbval alone: no project addopts, conftest or plugins
    ini.write_text("[pytest]\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-c",
            str(ini),
            "--rootdir",
            str(ROOT),
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "--color=no",
            "--nbval",
            "--nbval-sanitize-with",
            str(SANITIZE),
            "--nbval-kernel-name",
            config.KERNEL_NAME,
            *(str(NOTEBOOKS / f"{n}.ipynb") for n in names),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, f"{coretype}, {threads} thread(s): outputs differ\n{report}"
    assert " passed" in result.stdout and "failed" not in result.stdout, report
