"""Hardening (issue 11): bad inputs and faults that used to pass silently or end in a
traceback. Each test feeds one bad input and asserts on the error's type, file, row and
column (never on its wording), and that nothing was written."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from _notebooks import write_nb
from click.testing import CliRunner

from samenleven_analysis import config
from samenleven_analysis.analysis import disclosure
from samenleven_analysis.cli import cli
from samenleven_analysis.data import build, catalog
from samenleven_analysis.errors import ChecksumMismatch, DataError, ParameterError
from samenleven_analysis.locking import FolderBusy, folder_lock
from samenleven_analysis.reports import kernels, parameters, runner


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): _sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def mirror(tmp_path, demo_dir, monkeypatch) -> Path:
    """A copy of the Demoland files, used as a mirror (edited per test)."""
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    folder = tmp_path / "mirror"
    shutil.copytree(demo_dir, folder)
    return folder


def _header_only(path: Path) -> None:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            member = zf.namelist()[0]
            header = zf.read(member).decode("utf-8").split("\r\n")[0]
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr(member, header + "\r\n")
    elif path.suffix == ".xlsx":
        header = list(pd.read_excel(path, nrows=0, engine="openpyxl").columns)
        pd.DataFrame(columns=header).to_excel(path, index=False)
    else:
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


# ------------------------------------------------------------------ 2. empty inputs
EMPTY = {
    "population": ("TF_SOC_POP_STRUCT_2014.zip", "population_nationality"),
    "income": ("TF_PSNL_INC_TAX_MUNTY.xlsx", "income"),
    "origin": ("population_origin.csv", "population_origin"),
    "partnerships": ("partnerships.csv", "partnerships"),
    "programmes": ("programmes.csv", "programmes"),
    "outcomes": ("outcomes.csv", "outcomes"),
    "treatment": ("treatment.csv", "treatment"),
}


@pytest.mark.parametrize("case", sorted(EMPTY))
def test_header_only_input_is_an_error_naming_the_file(mirror, tmp_path, case):
    name, table = EMPTY[case]
    _header_only(mirror / name)
    out = tmp_path / "out"
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=out, years=[2013, 2014], tables=[table])
    assert name in err.value.file
    assert not out.exists()


def test_years_of_each_table_equal_the_years_its_provenance_lists(mirror, tmp_path):
    out = tmp_path / "out"
    build.build(2025, data_dir=mirror, out=out, years=[2013, 2014])
    checked = 0
    for name in build.TABLES:
        if not build.table_path(name, out).is_file():
            continue
        frame, prov = build.load(name, out)
        if "year" in frame:
            assert prov["years"] == sorted({int(y) for y in frame["year"]}), name
            checked += 1
    assert checked >= 3


def test_a_year_that_vanishes_while_reading_is_an_error(mirror, tmp_path, monkeypatch):
    from samenleven_analysis.data import statbel

    real = statbel.read_population

    def lose_2014(path, **kwargs):
        frame = real(path, **kwargs)
        return frame.iloc[:0] if "2014" in Path(path).name else frame

    monkeypatch.setattr(statbel, "read_population", lose_2014)
    with pytest.raises(DataError) as err:
        build.build(
            2025,
            data_dir=mirror,
            out=tmp_path / "out",
            years=[2013, 2014],
            tables=["population_nationality"],
        )
    assert "TF_SOC_POP_STRUCT_2014" in err.value.file
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ 3. checksums
def _write_sums(folder: Path) -> None:
    lines = [
        f"{_sha(p)}  {p.relative_to(folder).as_posix()}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != catalog.SUMS_FILE
    ]
    (folder / catalog.SUMS_FILE).write_text("\n".join(lines) + "\n")


def test_mirror_sha256sums_are_verified(tmp_path, monkeypatch):
    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "outcomes.csv"
    target.write_text("refnis,year,outcome,value\n11002,2016,x,1.0\n")
    _write_sums(tmp_path)
    assert catalog.locate("outcomes", data_dir=tmp_path).sha256 == _sha(target)
    target.write_text("refnis,year,outcome,value\n11002,2016,x,2.0\n")  # an edited value
    with pytest.raises(ChecksumMismatch, match=r"sub/outcomes\.csv"):
        catalog.locate("outcomes", data_dir=tmp_path)
    (tmp_path / "treatment.csv").write_text("applicant,refnis,cohort,eligible\n")
    with pytest.raises(ChecksumMismatch, match=r"treatment\.csv"):  # not listed
        catalog.locate("treatment", data_dir=tmp_path)


def test_edited_population_zip_in_a_summed_mirror_is_rejected_by_build(mirror, tmp_path):
    _write_sums(mirror)
    build.build(
        2025, data_dir=mirror, out=tmp_path / "ok", years=[2013], tables=["population_nationality"]
    )
    zpath = mirror / "TF_SOC_POP_STRUCT_2013.zip"
    with zipfile.ZipFile(zpath) as zf:
        member = zf.namelist()[0]
        text = zf.read(member).decode("utf-8")
    lines = text.split("\r\n")
    fields = lines[5].split("|")
    fields[-1] = str(int(fields[-1]) + 1) if fields[-1].isdigit() else fields[-1]
    fields[-2] = str(int(fields[-2]) + 1) if fields[-2].isdigit() else fields[-2]
    lines[5] = "|".join(fields)
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, "\r\n".join(lines))
    with pytest.raises(ChecksumMismatch, match="TF_SOC_POP_STRUCT_2013"):
        build.build(
            2025,
            data_dir=mirror,
            out=tmp_path / "bad",
            years=[2013],
            tables=["population_nationality"],
        )
    assert not (tmp_path / "bad").exists()


def test_a_download_records_the_sha256_it_got(tmp_path, monkeypatch):
    import pooch

    monkeypatch.delenv("SAMENLEVEN_DATA_DIR", raising=False)
    monkeypatch.setenv("SAMENLEVEN_RAW_DIR", str(tmp_path / "raw"))  # not the shared cache
    payload = b"CD_REFNIS|x\n11002|1\n"

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        (Path(path) / fname).write_bytes(payload)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = catalog.resolve("population_2016", offline=False)
    assert got.source == "download"
    assert got.provenance()["sha256"] == hashlib.sha256(payload).hexdigest()


# ------------------------------------------------------------------ 4 + 7. parameters
PARAMS = """\
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
year: int | None = None  # range: 2009..2026
threshold: float = 7500.0  # range: 0..
min_cell: int = 5  # range: 1..
cohort: Literal[2022, 2023, 2024] | None = None
plain = 3
"""


@pytest.fixture
def nb(tmp_path) -> Path:
    return write_nb(tmp_path / "report.ipynb", PARAMS, "print(year)")


def test_literal_and_range_declarations_are_parsed(nb):
    specs = parameters.parse_parameters(nb)
    assert specs["definition"].allowed == (
        "non_eu14",
        "non_eu27",
        "non_europe",
        "nationality_proxy",
    )
    assert specs["definition"].types == ("str",)
    assert (specs["year"].low, specs["year"].high) == (2009, 2026)
    assert (specs["threshold"].low, specs["threshold"].high) == (0, None)
    assert specs["cohort"].allowed == (2022, 2023, 2024, None)
    assert specs["plain"].allowed is None and specs["plain"].low is None


GOOD = [
    ("definition", "non_eu27", "non_eu27"),
    ("year", "2009", 2009),
    ("year", "null", None),
    ("threshold", "0", 0.0),
    ("min_cell", "1", 1),
    ("cohort", "2023", 2023),
]


@pytest.mark.parametrize("name,text,value", GOOD)
def test_values_inside_the_declarations_pass(nb, name, text, value):
    values, raw, _ = parameters.read_parameters((), [(name, text)])
    assert parameters.validate_parameters(nb, values, raw=raw) == {name: value}


BAD = [
    ("definition", "bogus", "'non_eu14'"),
    ("year", "1800", "2009..2026"),
    ("year", "2027", "2009..2026"),
    ("threshold", "-5", "0.."),
    ("min_cell", "0", "1.."),
    ("min_cell", "-1", "1.."),
    ("cohort", "2019", "2022"),
]


@pytest.mark.parametrize("name,text,allowed", BAD)
def test_values_outside_the_declarations_exit_2_before_any_work(
    nb, name, text, allowed, monkeypatch
):
    def boom(*args, **kwargs):  # pragma: no cover - reached only on a bug
        raise AssertionError("work started before parameters were validated")

    monkeypatch.setattr(runner, "prepare_data", boom)
    monkeypatch.setattr(runner, "execute_jobs", boom)
    result = CliRunner().invoke(
        cli, ["run", str(nb), "-p", name, text, "--out", str(nb.parent / "o")]
    )
    assert result.exit_code == 2
    assert f"'{name}'" in result.output and allowed in result.output
    assert not (nb.parent / "o").exists()


def test_min_cell_below_1_is_refused_even_without_a_range_comment(tmp_path):
    bare = write_nb(tmp_path / "bare.ipynb", "min_cell = 5\n", "1")
    for text in ("0", "-1"):
        values, raw, _ = parameters.read_parameters((), [("min_cell", text)])
        with pytest.raises(ParameterError, match="min_cell"):
            parameters.validate_parameters(bare, values, raw=raw)


def test_the_disclosure_opt_out_is_explicit_and_allows_0_only(tmp_path, nb):
    values, raw, _ = parameters.read_parameters((), [("min_cell", "0")])
    assert parameters.validate_parameters(nb, values, raw=raw, disclosure_off=True) == {
        "min_cell": 0
    }
    values, raw, _ = parameters.read_parameters((), [("min_cell", "-1")])
    with pytest.raises(ParameterError):
        parameters.validate_parameters(nb, values, raw=raw, disclosure_off=True)


def test_suppression_functions_refuse_min_cell_below_1_unless_opted_out(monkeypatch):
    table = pd.DataFrame({"count": [1, 2, 50]})
    monkeypatch.delenv(disclosure.DISCLOSURE_ENV, raising=False)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError):
            disclosure.suppress(table, ["count"], bad)
        with pytest.raises(ValueError):
            disclosure.format_count(3, bad)
    monkeypatch.setenv(disclosure.DISCLOSURE_ENV, disclosure.DISCLOSURE_OFF)
    assert disclosure.suppress(table, ["count"], 0, totals="none")["count"].tolist() == [
        "1",
        "2",
        "50",
    ]


def test_rule_text_uses_the_actual_value():
    assert disclosure.placeholder(7) in disclosure.rule_text(7)
    assert disclosure.placeholder(5) not in disclosure.rule_text(7)
    assert disclosure.rule_text(0) == disclosure.off_stamp()


def test_opt_out_stamps_captions_banner_and_provenance(monkeypatch, tmp_path):
    from samenleven_analysis.reports.context import DataContext

    ctx = DataContext(vintage=2025, processed=tmp_path, built_demo=True)
    monkeypatch.delenv(disclosure.DISCLOSURE_ENV, raising=False)
    plain = (ctx.caption(year=2022), ctx.banner_text())
    assert disclosure.off_stamp() not in ctx.provenance_markdown() + plain[1]
    monkeypatch.setenv(disclosure.DISCLOSURE_ENV, disclosure.DISCLOSURE_OFF)
    assert ctx.caption(year=2022) != plain[0] and ctx.caption(year=2022).endswith(plain[0])
    assert disclosure.off_stamp() in ctx.banner_text()
    assert disclosure.off_stamp() in ctx.provenance_markdown()


@pytest.fixture
def authority_folder(tmp_path, monkeypatch):
    """A notebooks folder with an authority_report, and an authority table without a build."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_nb(
        folder / "authority_report.ipynb", 'authority: str = "11002"\nmin_cell: int = 5\n', "1"
    )
    table = pd.DataFrame(
        {
            "applicant": ["11002", "IGS01"],
            "eligible": [True, False],
            "members": [["11002"], ["11004", "11005"]],
            "name": ["A", "B"],
            "count": [3, 9000],
            "share": [0.01, 0.2],
            "margin": [-7497, 1500],
            "outcome_from": [pd.NA, pd.NA],
            "outcome_to": [pd.NA, pd.NA],
            "kind": ["municipality", "partnership"],
            "n_members": [1, 2],
            "total": [300, 45000],
            "cohort": [float("nan"), float("nan")],
            "outcome_change": [float("nan"), float("nan")],
        }
    )
    monkeypatch.setattr(
        runner, "prepare_data", lambda vintages, **kw: runner.PreparedData(demo=True, env={})
    )
    from samenleven_analysis.reports import context

    monkeypatch.setattr(context, "authority_table", lambda **kw: table)
    return folder


@pytest.mark.notebooks
def test_opt_out_with_authority_reports_publishes_the_dashboard_unsuppressed(
    authority_folder, tmp_path
):
    out = tmp_path / "run"
    status = runner.run_notebooks(
        [],
        authorities=["11002"],
        out=out,
        folder=authority_folder,
        progress=False,
        disclosure_off=True,
    )
    assert status == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="disclosure-off-banner"' in index
    assert disclosure.find_small_counts(index, 5) != []  # the count 3 is published, as asked


def test_unknown_authority_exits_2_and_leaves_no_output_folder(authority_folder, tmp_path):
    out = tmp_path / "reports" / "run"
    with pytest.raises(ParameterError, match="'99999'"):
        runner.run_notebooks([], authorities=["11002", "99999"], out=out, folder=authority_folder)
    assert not out.exists() and not out.parent.exists()


# ------------------------------------------------------------------ 6. cross-table checks
def _append(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n" + line + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.splitlines())


def test_municipality_in_two_partnerships_fails_at_build(mirror, tmp_path):
    p = mirror / "partnerships.csv"
    rows = pd.read_csv(p, dtype=str)
    first = rows.iloc[0]
    other = next(pid for pid in rows.partnership_id if pid != first.partnership_id)
    line = _append(p, f"{other},x,{first.refnis}")
    with pytest.raises(DataError) as err:
        build.build(
            2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=["partnerships"]
        )
    assert err.value.file.endswith("partnerships.csv")
    assert (err.value.row, err.value.column) == (line, "refnis")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name,column", [("treatment", "applicant"), ("programmes", "authority")])
def test_unknown_applicant_or_authority_fails_at_build(mirror, tmp_path, name, column):
    p = mirror / f"{name}.csv"
    rows = pd.read_csv(p, dtype=str, keep_default_na=False)
    i = len(rows) // 2
    rows.loc[i, column] = "NOPE1"
    rows.to_csv(p, index=False)
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=[name])
    assert err.value.file.endswith(f"{name}.csv")
    assert (err.value.row, err.value.column) == (i + 2, column)


# ------------------------------------------------------------------ 8. demo folder as data dir
def test_a_demo_folder_given_as_data_dir_is_used_as_given(mirror, monkeypatch):
    p = mirror / "partnerships.csv"
    rows = pd.read_csv(p, dtype=str)
    # the whole partnership renamed (one id with two names is an error of its own)
    rows.loc[rows.partnership_id == rows.partnership_id[0], "name"] = "EDITED BY THE USER"
    rows.to_csv(p, index=False)
    prepared = runner.prepare_data([2025], data_dir=mirror, offline=True)
    assert prepared.demo
    frame, _ = build.load("partnerships", prepared.folders["2025"])
    assert "EDITED BY THE USER" in set(frame["name"])
    assert prepared.folders["demo-2025"] == prepared.folders["2025"]


# ------------------------------------------------------------------ 9. atomicity, locks
def test_table_with_provenance_of_another_build_is_refused_by_load(mirror, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    before = build.load("partnerships", out)[0]
    p = mirror / "partnerships.csv"
    rows = pd.read_csv(p, dtype=str)
    # the whole partnership renamed (one id with two names is an error of its own)
    rows.loc[rows.partnership_id == rows.partnership_id[0], "name"] = "new name"
    rows.to_csv(p, index=False)
    real = os.replace

    def killed(src, dst):  # the process dies after the new provenance, before its table
        if str(dst).endswith("partnerships.parquet"):
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    monkeypatch.setattr(os, "replace", real)
    with pytest.raises(DataError) as err:
        build.load("partnerships", out)
    assert err.value.file.endswith("partnerships.parquet")
    result = build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    assert not result.cache_hit
    after = build.load("partnerships", out)[0]
    assert "new name" in set(after["name"]) and "new name" not in set(before["name"])


def test_stale_temporary_files_are_removed(mirror, tmp_path):
    out = tmp_path / "out"
    build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    stale = out / ".partnerships.parquet.k1ll3d.tmp"
    stale.write_bytes(b"half a table")
    result = build.build(2025, data_dir=mirror, out=out, years=[2013], tables=["partnerships"])
    assert result.cache_hit and not stale.exists()


def test_a_second_run_into_the_same_out_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_nb(folder / "a.ipynb", "year = 2022\n", "1")
    monkeypatch.setattr(
        runner, "prepare_data", lambda vintages, **kw: runner.PreparedData(demo=True, env={})
    )
    monkeypatch.setattr(runner, "execute_jobs", lambda *a, **k: pytest.fail("ran while locked"))
    out = tmp_path / "out"
    out.mkdir()
    with folder_lock(out), pytest.raises(FolderBusy):  # a first run is writing
        runner.run_notebooks(["a"], out=out, folder=folder)
    assert list(out.iterdir()) == []


def test_folder_lock_is_exclusive_and_shared_locks_coexist(tmp_path):
    with (
        folder_lock(tmp_path, shared=True),
        folder_lock(tmp_path, shared=True),
        pytest.raises(FolderBusy),
        folder_lock(tmp_path, wait=False),
    ):
        pass
    with folder_lock(tmp_path, wait=False):
        pass


# ------------------------------------------------------------------ 10. clear errors
def test_processed_folder_that_is_a_file_is_a_clear_error(mirror, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("I am a file")
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=blocker, years=[2013], tables=["partnerships"])
    assert err.value.file == str(blocker)
    with pytest.raises(DataError) as err:
        build.build(
            2025, data_dir=mirror, out=blocker / "sub", years=[2013], tables=["partnerships"]
        )
    assert err.value.file == str(blocker / "sub")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_unwritable_processed_folder_is_a_clear_error(mirror, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(DataError) as err:
            build.build(2025, data_dir=mirror, out=ro, years=[2013], tables=["partnerships"])
        assert err.value.file == str(ro)
    finally:
        ro.chmod(0o755)


def test_write_failure_is_a_clear_error(mirror, tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "x.tmp"))

    monkeypatch.setattr(build, "_write_parquet", full)
    with pytest.raises(DataError) as err:
        build.build(
            2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=["partnerships"]
        )
    assert err.value.file.endswith("x.tmp")


def test_cr_only_line_ends_are_a_clear_error(mirror, tmp_path):
    zpath = mirror / "TF_SOC_POP_STRUCT_2013.zip"
    with zipfile.ZipFile(zpath) as zf:
        member = zf.namelist()[0]
        text = zf.read(member).decode("utf-8")
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(member, text.replace("\r\n", "\r"))
    with pytest.raises(DataError) as err:
        build.build(
            2025,
            data_dir=mirror,
            out=tmp_path / "out",
            years=[2013],
            tables=["population_nationality"],
        )
    assert "TF_SOC_POP_STRUCT_2013" in err.value.file and err.value.row == 1


def test_boundaries_whose_crs_does_not_fit_their_coordinates(tmp_path, demo_dir):
    import geopandas as gpd

    from samenleven_analysis.data import boundaries

    layer = gpd.read_file(demo_dir / "demoland_2025.geojson")
    folder = tmp_path / "geo"
    folder.mkdir()
    (folder / catalog.DEMO_MARKER).write_text("demo")
    # Lambert 72 metres declared as WGS84 degrees
    layer.set_crs("EPSG:4326", allow_override=True).to_file(folder / "demoland_2025.geojson")
    with pytest.raises(DataError) as err:
        boundaries.load_boundaries(2025, data_dir=folder, demo=True)
    assert err.value.file == "demoland_2025.geojson"


def test_unknown_code_in_a_canonical_table_names_its_row_once(mirror, tmp_path):
    p = mirror / "outcomes.csv"
    rows = pd.read_csv(p, dtype=str, keep_default_na=False)
    rows.loc[7, "refnis"] = "12399"
    rows.to_csv(p, index=False)
    with pytest.raises(DataError) as err:
        build.build(2025, data_dir=mirror, out=tmp_path / "out", years=[2013], tables=["outcomes"])
    assert (err.value.row, err.value.column) == (9, "refnis")
    assert str(err.value).count("column refnis") == 1


# ------------------------------------------------------------------ 1 + 11. kernel, paths
def test_the_runner_kernel_is_the_running_interpreter(tmp_path, monkeypatch):
    import sys

    bogus = tmp_path / "jupyter" / "kernels" / config.KERNEL_NAME
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(
        '{"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],'
        ' "display_name": "stale", "language": "python"}'
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    km = kernels.kernel_manager_class()(kernel_name=config.KERNEL_NAME)
    assert km.kernel_spec.argv[0] == sys.executable


@pytest.mark.notebooks
def test_run_without_a_registered_kernel_and_without_absolute_paths(tmp_path, monkeypatch):
    """``samenleven run`` with a stale ``samenleven`` kernel spec first on JUPYTER_PATH (and
    none in a fresh JUPYTER_DATA_DIR): it still runs, in this interpreter; the executed
    notebook carries no absolute path of the machine."""
    bogus = tmp_path / "jupyter" / "kernels" / config.KERNEL_NAME
    bogus.mkdir(parents=True)
    (bogus / "kernel.json").write_text(
        '{"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],'
        ' "display_name": "stale", "language": "python"}'
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_nb(folder / "tiny.ipynb", "year = 2022\n", "import sys\nprint(sys.executable)")
    monkeypatch.setattr(
        runner, "prepare_data", lambda vintages, **kw: runner.PreparedData(demo=True, env={})
    )
    out = tmp_path / "reports" / "run1"
    status = runner.run_notebooks(["tiny"], out=out, folder=folder, progress=False)
    assert status == 0
    executed = nbformat.read(str(out / "tiny.ipynb"), as_version=4)
    meta = executed.metadata["papermill"]
    assert not Path(meta["input_path"]).is_absolute()
    assert meta["output_path"] == "tiny.ipynb"
    for path in (out / "tiny.ipynb", out / "tiny.html", out / "run.json", out / "index.html"):
        text = path.read_text(encoding="utf-8")
        assert str(out) not in text and str(folder) not in text, path.name


# ------------------------------------------------------------------ 5. escaping
ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "$\\alpha$",
    "Sint-Niklaas & Co | *bold* `code` #1",
    "- list\n# heading",
    "1. first",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_md_escape_renders_as_the_literal_text_and_nothing_else(attack):
    from bs4 import BeautifulSoup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from samenleven_analysis.reports import text

    rendered = markdown2html_mistune(f"Name: **{text.md_escape(attack)}**")
    soup = BeautifulSoup(rendered, "html.parser")
    assert [t.name for t in soup.find_all(True)] == ["p", "strong"]  # no tag of the input
    assert soup.strong.get_text() == " ".join(attack.split())


@pytest.mark.parametrize("attack", ATTACKS)
def test_html_escape_and_figure_labels_keep_the_literal_text(attack):
    from bs4 import BeautifulSoup
    from matplotlib import cbook

    from samenleven_analysis.reports import text

    soup = BeautifulSoup(f"<p>{text.html_escape(attack)}</p>", "html.parser")
    assert [t.name for t in soup.find_all(True)] == ["p"] and soup.p.get_text() == attack
    assert not cbook.is_math_text(text.label(attack))


def test_figure_caption_with_dollars_draws_literally():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from samenleven_analysis.reports import figures

    fig, _ = plt.subplots()
    figures.add_caption(fig, "cost $\\alpha$ and $\\notacommand$")
    figures.figure_bytes(fig)  # mathtext would raise on \notacommand
    plt.close(fig)


def test_sanitizer_keeps_tables_images_and_plain_css_and_drops_live_markup(tmp_path):
    from samenleven_analysis.reports import text

    page = tmp_path / "r.html"
    png = "data:image/png;base64,iVBORw0KGgo="
    page.write_text(
        '<html><head><script src="template.js"></script></head><body>'
        '<div class="jp-OutputArea-output"><style scoped>.dataframe tbody tr th {vertical-align: top;}</style>'
        '<table class="dataframe"><tr><th>name</th></tr><tr><td>a</td></tr></table>'
        f'<img src="{png}"><a href="authorities/11002.html">r</a>'
        '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'
        "</div></body></html>",
        encoding="utf-8",
    )
    assert len(text.unsafe_markup(page.read_text())) == 3
    text.sanitize_report_html(page)
    html = page.read_text()
    assert text.unsafe_markup(html) == []
    assert '<script src="template.js">' in html  # the template is not an output
    assert f'src="{png}"' in html and 'href="authorities/11002.html"' in html
    assert "<table" in html and "vertical-align: top" in html and "<style>" in html


def test_provenance_markdown_escapes_parameter_values(tmp_path):
    from bs4 import BeautifulSoup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from samenleven_analysis.reports.context import DataContext

    ctx = DataContext(vintage=2025, processed=tmp_path, built_demo=True)
    md = ctx.provenance_markdown({"outcome": ATTACKS[0], "name": ATTACKS[1], "x": ATTACKS[2]})
    soup = BeautifulSoup(markdown2html_mistune(md), "html.parser")
    assert not soup.find_all(["script", "img"]) and not soup.select('a[href^="javascript"]')
    cells = [td.get_text() for td in soup.find_all("td")]
    assert repr(ATTACKS[0]) in cells and repr(ATTACKS[1]) in cells


@pytest.mark.parametrize(
    "plain",
    [
        "'non_eu14'",
        "['event_study', 'twfe']",
        "TF_SOC_POP_STRUCT_2012.zip",
        "Sint-Niklaas",
        "None",
        "7500",
    ],
)
def test_md_escape_leaves_plain_text_alone(plain):
    from samenleven_analysis.reports import text

    assert text.md_escape(plain) == plain


@pytest.mark.notebooks
def test_opt_out_run_sets_min_cell_0_and_stamps_the_dashboard(tmp_path, monkeypatch):
    import json

    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_nb(
        folder / "tiny.ipynb",
        "min_cell: int = 5  # range: 1..\n",
        "import os\nprint('min_cell', min_cell, os.environ.get('SAMENLEVEN_DISCLOSURE'))",
    )
    monkeypatch.setattr(
        runner, "prepare_data", lambda vintages, **kw: runner.PreparedData(demo=True, env={})
    )
    out = tmp_path / "run"
    assert (
        runner.run_notebooks(["tiny"], out=out, folder=folder, progress=False, disclosure_off=True)
        == 0
    )
    executed = nbformat.read(str(out / "tiny.ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f"min_cell 0 {disclosure.DISCLOSURE_OFF}" in printed
    assert json.loads((out / "run.json").read_text())["disclosure_control"] == "off"
    assert 'id="disclosure-off-banner"' in (out / "index.html").read_text(encoding="utf-8")


def test_range_comment_with_trailing_text_and_a_malformed_one(tmp_path):
    ok = write_nb(
        tmp_path / "a.ipynb",
        "min_cell: int = 5  # range: 1.. smallest count published\nk = 5  # range: 2..9; classes\n",
        "1",
    )
    specs = parameters.parse_parameters(ok)
    assert (specs["min_cell"].low, specs["min_cell"].high) == (1, None)
    assert (specs["k"].low, specs["k"].high) == (2, 9)
    bad = write_nb(tmp_path / "b.ipynb", "k = 5  # range: two..nine\n", "1")
    with pytest.raises(ParameterError, match="'k'"):
        parameters.parse_parameters(bad)


def test_the_dashboard_may_carry_its_own_scripts_once_and_nothing_else():
    from samenleven_analysis.reports import text

    own = '<script id="dashboard-script">x()</script><script id="kpi-panel-script">y()</script>'
    assert text.unsafe_markup(f"<html><body>{own}</body></html>", outputs_only=False) == []
    doubled = own + '<script id="dashboard-script">z()</script>'
    assert text.unsafe_markup(doubled, outputs_only=False) == ["<script>"]
    assert text.unsafe_markup("<script>alert(1)</script>", outputs_only=False) == ["<script>"]
    # inside a report's output areas no script is ever the page's own
    area = f'<div class="jp-OutputArea-output">{own}</div>'
    assert text.unsafe_markup(area) == ["<script>", "<script>"]
