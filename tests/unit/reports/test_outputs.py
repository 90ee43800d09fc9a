"""Outputs that people open (issue 19, items 3, 5, 6, 7).

CSV cells that are not formulas, paths that stay inside ``--out``, one report per id, writes that
are atomic and runs that fail loudly with one line and mark what did not finish.
"""

from __future__ import annotations

import csv
import errno
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from _notebooks import write_nb

from samenleven_analysis.errors import ParameterError
from samenleven_analysis.reports import dashboard, outputs, runner
from samenleven_analysis.reports.publish import Publisher

EVIL = '=HYPERLINK("http://evil.example","click")'


# --------------------------------------------------------------------------- item 3: CSV


@pytest.mark.parametrize(
    "cell, expected",
    [
        (EVIL, "'" + EVIL),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-12", "-12"),  # numbers stay numbers
        ("+1,234", "+1,234"),
        ("-0.5", "-0.5"),
        ("<5", "<5"),
        ("Antwerpen", "Antwerpen"),
        (-12, -12),
        (3.5, 3.5),
    ],
)
def test_formula_cells_are_neutralised_and_numbers_kept(cell, expected):
    assert outputs.neutralise_cell(cell) == expected


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_report_csv_cells_and_headers_never_start_a_formula(tmp_path):
    frame = pd.DataFrame({"group": [EVIL, "Flanders"], EVIL: [-3, 4], "margin": ["-120", "+5"]})
    Publisher.for_folder(tmp_path).table(frame, "income", "t")
    rows = _rows(tmp_path / "income.csv")
    assert rows == [
        ["group", "'" + EVIL, "margin"],
        ["'" + EVIL, "-3", "-120"],
        ["Flanders", "4", "+5"],
    ]


def test_dashboard_csv_neutralises_a_formula_name(tmp_path):
    row = {
        "applicant": "96001",
        "name": EVIL,
        "kind": "municipality",
        "members": "96001",
        "count": "8,000",
        "share": "20.0%",
        "eligible": True,
        "margin": "-1,500",
        "cohort": "—",
    }
    dashboard.write_downloads(tmp_path, [row], None)
    rows = _rows(tmp_path / "authorities.csv")
    assert rows[1][1] == "'" + EVIL and rows[1][7] == "-1,500" and rows[1][6] == "yes"


def test_every_csv_of_the_reports_goes_through_the_one_writer():
    package = Path(outputs.__file__).parent
    writers = re.compile(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(")
    found = [
        p.name
        for p in package.rglob("*.py")
        if p.name != "outputs.py" and writers.search(p.read_text(encoding="utf-8"))
    ]
    assert found == []


# --------------------------------------------------------------------------- item 5: paths


@pytest.fixture
def folder(tmp_path) -> Path:
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    write_nb(nbs / "a.ipynb", 'output_dir = ""\nfigure_dir = None\n', "print(output_dir)")
    return nbs


@pytest.fixture
def no_work(monkeypatch):
    def boom(*args, **kwargs):  # pragma: no cover - reached only on a bug
        raise AssertionError("work started although the output path was refused")

    monkeypatch.setattr(runner, "prepare_data", boom)
    monkeypatch.setattr(runner, "execute_jobs", boom)


@pytest.mark.parametrize("value", ["../../../../tmp/x", "/tmp/elsewhere", "sub/../../x"])
def test_output_dir_outside_out_is_refused_before_any_work(folder, tmp_path, no_work, value):
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match="output_dir.*resolves outside the output folder"):
        runner.run_notebooks(["a"], out=out, folder=folder, params=[("output_dir", value)])
    assert not out.exists()


def test_symlink_leading_out_of_out_is_refused(folder, tmp_path, no_work):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (out / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(ParameterError, match="figure_dir"):
        runner.run_notebooks(["a"], out=out, folder=folder, params=[("figure_dir", "link/figs")])


def test_cli_exits_2_with_one_line_on_an_output_path_outside_out(folder, tmp_path, no_work):
    from click.testing import CliRunner

    from samenleven_analysis.cli import cli

    nb = folder / "a.ipynb"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["run", str(nb), "--out", str(out), "-p", "output_dir", "../../../../tmp/x"]
    )
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "outside" in result.output


def test_output_dir_inside_out_is_taken_relative_to_out(tmp_path):
    params = outputs.contained_output_paths({"output_dir": "figs", "x": 1}, tmp_path, "a")
    assert params == {"output_dir": str(tmp_path / "figs"), "x": 1}


# --------------------------------------------------------------------------- item 6: ids


def test_ids_differing_only_in_punctuation_or_case_are_refused():
    with pytest.raises(ParameterError, match="'IGS/01' and 'IGS:01'.*authorities/IGS_01"):
        outputs.report_file_names(["IGS/01", "IGS:01"], runner._safe_name)
    with pytest.raises(ParameterError, match="'igs01' and 'IGS01'"):
        outputs.report_file_names(["igs01", "IGS01"], runner._safe_name)
    assert outputs.report_file_names(["IGS/01", "96001"], runner._safe_name) == {
        "IGS/01": "IGS_01",
        "96001": "96001",
    }


def test_run_with_colliding_authority_ids_exits_before_writing(tmp_path, monkeypatch):
    from samenleven_analysis.reports import context as reporting

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    write_nb(nbs / "authority_report.ipynb", 'authority = "96001"\noutput_dir = ""\n', "1")
    table = pd.DataFrame(
        {
            "applicant": ["IGS/01", "IGS:01"],
            "members": [["96001"], ["96002"]],
            "kind": ["partnership", "partnership"],
            "eligible": [True, True],
        }
    )
    table.attrs["region_codes"] = ["96001", "96002"]
    monkeypatch.setattr(
        runner, "prepare_data", lambda v, **k: runner.PreparedData(demo=True, env={})
    )
    monkeypatch.setattr(reporting, "authority_table", lambda **kw: table)
    monkeypatch.setattr(reporting, "table_kwargs", lambda settings: {})
    monkeypatch.setattr(runner, "execute_jobs", lambda *a, **k: pytest.fail("ran"))
    out = tmp_path / "out"
    with pytest.raises(ParameterError, match="would both be written as authorities/IGS_01"):
        runner.run_notebooks(
            [], authorities=["IGS/01", "IGS:01"], out=out, folder=nbs, progress=False
        )
    assert not out.exists()


# --------------------------------------------------------------------------- item 7: writes


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path, monkeypatch):
    target = tmp_path / "eligibility.html"
    target.write_text("old, complete", encoding="utf-8")

    real_fdopen = open

    class Full:
        def __init__(self, path, mode):
            self.fh = real_fdopen(path, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])  # half of it reaches the disk
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs, "open", Full, raising=False)
    with pytest.raises(OSError, match="No space left"):
        outputs.write_text(target, "new " * 1000)
    assert target.read_text(encoding="utf-8") == "old, complete"
    assert [p.name for p in tmp_path.iterdir()] == ["eligibility.html"]


def test_out_that_is_a_file_is_one_line_before_any_work(folder, tmp_path, no_work):
    from click.testing import CliRunner

    from samenleven_analysis.cli import cli

    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", str(folder / "a.ipynb"), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: --out {out}: {out} is a file, not a folder"
    ]
    assert out.read_text(encoding="utf-8") == "not a folder"


def _fake_prepare(monkeypatch):
    monkeypatch.setenv("SAMENLEVEN_OFFLINE", "1")  # the dashboard never downloads in a test
    monkeypatch.setattr(
        runner,
        "prepare_data",
        lambda v, **k: runner.PreparedData(demo=True, env={"SAMENLEVEN_PREBUILT": "2025=/x"}),
    )


def test_read_only_out_is_one_line_not_a_traceback(folder, tmp_path, monkeypatch):
    import os

    from click.testing import CliRunner

    from samenleven_analysis.cli import cli

    if os.geteuid() == 0:
        # root writes through a mode of 0o555: make the folder read-only for real
        ro = tmp_path / "ro"
        ro.mkdir()
        import subprocess

        if subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(ro)]
        ).returncode:
            pytest.skip("cannot mount a read-only tmpfs here")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
    _fake_prepare(monkeypatch)
    try:
        result = CliRunner().invoke(cli, ["run", str(folder / "a.ipynb"), "--out", str(ro / "x")])
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(ro)], check=True)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot write the run's outputs")
    assert "Read-only file system" in lines[0] or "Permission denied" in lines[0]


def _complete(path: Path) -> bool:
    """Whether a published file is whole: a notebook that parses, a page that ends."""
    import nbformat

    if path.suffix == ".ipynb":
        try:
            nbformat.read(str(path), as_version=4)
        except Exception:  # truncated JSON
            return False
        return True
    if path.suffix == ".html":
        return path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    if path.suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    return path.stat().st_size > 0


@pytest.mark.notebooks
def test_full_disk_fails_loudly_and_leaves_nothing_half_written(tmp_path, monkeypatch):
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        nbs = tmp_path / "notebooks"
        nbs.mkdir()
        write_nb(nbs / "small.ipynb", None, "print('fits')")
        write_nb(nbs / "big.ipynb", None, "print('x' * 3_000_000)")  # more than the disk
        _fake_prepare(monkeypatch)
        out = disk / "out"
        try:
            status = runner.run_notebooks(
                ["small", "big"], out=out, folder=nbs, progress=False, jobs=1
            )
        except outputs.OutputError as exc:
            status = 1
            assert "\n" not in str(exc) and "No space left on device" in str(exc)
        assert status != 0
        files = [p for p in out.rglob("*") if p.is_file()]
        assert [p.name for p in files if ".partial" in p.name] == []
        assert [p.name for p in files if not _complete(p)] == []
        assert not (out / "big.ipynb").exists() and not (out / "big.html").exists()
        info = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert info["status"] in ("failed", "running")
        if info["status"] == "failed" and "results" in info:
            by = {r["label"]: r["status"] for r in info["results"]}
            assert by.get("big") in ("failed", "unfinished")
    finally:
        subprocess.run(["umount", str(disk)], check=True)


KILLED_RUN = """
import sys
from samenleven_analysis.reports import runner
runner.prepare_data = lambda v, **k: runner.PreparedData(demo=True, env={})
runner.run_notebooks(["slow"], out=sys.argv[1], folder=sys.argv[2], progress=False)
"""


@pytest.mark.notebooks
def test_a_killed_run_is_marked_unfinished_and_publishes_no_partial_report(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    marker = tmp_path / "kernel.pid"
    write_nb(
        nbs / "slow.ipynb",
        None,
        "print('cell 1')",
        f"import os\nopen({str(marker)!r}, 'w').write(str(os.getpid()))",
        "import time\ntime.sleep(120)",
        "print('never')",
    )
    out = tmp_path / "out"
    env = {**os.environ, "SAMENLEVEN_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(out), str(nbs)], start_new_session=True, env=env
    )
    try:
        deadline = time.monotonic() + 120
        while not (marker.is_file() and marker.read_text()) and time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before the slow cell"
            time.sleep(0.2)
        assert marker.is_file(), "the slow cell never started"
        time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if marker.is_file() and marker.read_text():
            try:
                os.kill(int(marker.read_text()), signal.SIGKILL)  # the run's own kernel
            except ProcessLookupError:
                pass
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert info["status"] == "running"
    assert [(r["label"], r["status"]) for r in info["results"]] == [("slow", "unfinished")]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Run unfinished" in index and "slow: unfinished" in index
    assert not (out / "slow.ipynb").exists()  # the half-executed notebook is not published
