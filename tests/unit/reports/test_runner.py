"""Report runner.

Parameter validation before any kernel starts, papermill runs with failures collected, HTML without
code, dashboard index, dated folders and `latest`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from _notebooks import write_nb
from click.testing import CliRunner

from samenleven_analysis import config
from samenleven_analysis.analysis import disclosure
from samenleven_analysis.data import build
from samenleven_analysis.errors import ParameterError
from samenleven_analysis.locking import FolderBusy, folder_lock
from samenleven_analysis.reports import dashboard, kernels, parameters, runner

PARAMS = """\
%matplotlib inline
year = 2022
threshold = 7500.0
definition = "non_eu14"
authority: str = "97021"
show = True
codes = ["11002"]
anything = None
limit: int | None = None
computed = len("abc")
"""


@pytest.fixture
def nb(tmp_path) -> Path:
    return write_nb(tmp_path / "report.ipynb", PARAMS, "print(year)")


# --------------------------------------------------------------------------- parsing


def test_parse_parameters_reads_names_and_default_types(nb):
    specs = parameters.parse_parameters(nb)
    assert list(specs) == [
        "year",
        "threshold",
        "definition",
        "authority",
        "show",
        "codes",
        "anything",
        "limit",
        "computed",
    ]
    assert specs["year"].types == ("int",) and specs["year"].default == 2022
    assert specs["threshold"].types == ("float",)
    assert specs["authority"].types == ("str",)
    assert specs["show"].types == ("bool",)
    assert specs["codes"].types == ("list",) and specs["codes"].element_type == "str"
    assert specs["anything"].types == ()  # None default: anything goes
    assert set(specs["limit"].types) == {"int", "NoneType"}
    assert specs["computed"].types == ()  # not a literal


def test_notebook_without_parameters_cell_accepts_none(tmp_path):
    path = write_nb(tmp_path / "plain.ipynb", None, "1")
    assert parameters.parse_parameters(path) == {}
    with pytest.raises(ParameterError, match="unknown parameter 'year'"):
        parameters.validate_parameters(path, {"year": 2020})


# --------------------------------------------------------------------------- validation


def cli(*pairs: tuple[str, str]):
    values, raw, _ = parameters.read_parameters((), list(pairs))
    return values, raw


def test_cli_values_are_parsed_like_yaml_scalars(nb):
    values, raw = cli(
        ("year", "2023"),
        ("threshold", "8000"),
        ("show", "false"),
        ("authority", "01001"),
        ("codes", "[11002, 44021]"),
        ("anything", "[1, 2]"),
        ("limit", "null"),
    )
    got = parameters.validate_parameters(nb, values, raw=raw)
    assert got == {
        "year": 2023,
        "threshold": 8000.0,
        "show": False,
        "authority": "01001",
        "codes": ["11002", "44021"],
        "anything": [1, 2],
        "limit": None,
    }
    assert isinstance(got["threshold"], float)


def test_a_scalar_for_a_list_parameter_becomes_a_one_element_list(nb):
    values, raw = cli(("codes", "44021"))
    assert parameters.validate_parameters(nb, values, raw=raw) == {"codes": ["44021"]}


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("year", "2022.5", "expects int"),
        ("year", "twenty", "expects int"),
        ("threshold", "yes", "expects float"),
        ("show", "1", "expects bool"),
        ("limit", "ten", "expects int or None"),
    ],
)
def test_ill_typed_cli_values_name_notebook_parameter_and_type(nb, name, text, expected):
    values, raw = cli((name, text))
    with pytest.raises(ParameterError) as info:
        parameters.validate_parameters(nb, values, raw=raw)
    msg = str(info.value)
    assert "report.ipynb" in msg and repr(name) in msg and expected in msg


def test_yaml_file_values_keep_their_types_and_strings_must_be_quoted(nb, tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("year: 2021\nauthority: 97021\n", encoding="utf-8")
    values, raw, _ = parameters.read_parameters([f], ())
    with pytest.raises(ParameterError, match="'authority' expects str, got int"):
        parameters.validate_parameters(nb, values, raw=raw)
    f.write_text("year: 2021\nauthority: '97021'\n", encoding="utf-8")
    values, raw, _ = parameters.read_parameters([f], ())
    assert parameters.validate_parameters(nb, values, raw=raw) == {
        "year": 2021,
        "authority": "97021",
    }


def test_later_sources_win_and_notebook_sections_are_kept_apart(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("year: 2020\nnotebooks:\n  report:\n    definition: non_eu27\n", encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text("year: 2021\n", encoding="utf-8")
    values, raw, per_nb = parameters.read_parameters([a, b], [("year", "2024")])
    assert values == {"year": 2024} and raw == {"year": "2024"}
    assert per_nb == {"report": {"definition": "non_eu27"}}


def test_bad_parameter_files_are_parameter_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: [2020\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="not valid YAML"):
        parameters.read_parameters([bad], ())
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="mapping"):
        parameters.read_parameters([listy], ())
    with pytest.raises(ParameterError, match="cannot read"):
        parameters.read_parameters([tmp_path / "missing.yaml"], ())


# --------------------------------------------------------------------------- run_notebooks


@pytest.fixture
def no_kernels(monkeypatch):
    """Make any data build or kernel start fail the test loudly."""

    def boom(*args, **kwargs):  # pragma: no cover - reached only on a bug
        raise AssertionError("work started before parameters were validated")

    monkeypatch.setattr(runner, "prepare_data", boom)
    monkeypatch.setattr(runner, "execute_jobs", boom)
    monkeypatch.setattr(kernels, "execute_job", boom)


def test_unknown_parameter_fails_before_any_build_or_kernel(nb, tmp_path, no_kernels):
    with pytest.raises(ParameterError, match="unknown parameter 'yeer'"):
        runner.run_notebooks([str(nb)], params=[("yeer", "2022")], out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_ill_typed_parameter_fails_before_any_build_or_kernel(nb, tmp_path, no_kernels):
    with pytest.raises(ParameterError, match="report.ipynb: parameter 'year' expects int"):
        runner.run_notebooks([str(nb)], params=("year", "soon"), out=tmp_path / "out")


def test_unknown_notebook_and_empty_selection_are_parameter_errors(tmp_path, no_kernels):
    with pytest.raises(ParameterError, match="unknown notebook 'nope'"):
        runner.run_notebooks(["nope"], folder=tmp_path)
    with pytest.raises(ParameterError, match="no notebooks selected"):
        runner.run_notebooks([], folder=tmp_path)


def test_cli_run_exits_2_on_a_bad_parameter(nb, no_kernels):

    from samenleven_analysis.cli import cli

    result = CliRunner().invoke(cli, ["run", str(nb), "-p", "year", "x"])
    assert result.exit_code == 2
    assert "parameter 'year'" in result.output


def test_parameter_is_applied_only_to_notebooks_declaring_it(tmp_path, no_kernels):
    a = write_nb(tmp_path / "a.ipynb", "year = 2022\n", "1")
    b = write_nb(tmp_path / "b.ipynb", "definition = 'non_eu14'\n", "1")
    # 'year' is declared by a only: fine for the pair, but ill-typed is still caught
    with pytest.raises(ParameterError, match="a.ipynb: parameter 'year'"):
        runner.run_notebooks([str(a), str(b)], params=[("year", "x")])


@pytest.fixture
def fake_data(monkeypatch):
    """No data build: the tiny notebooks need none. Kernels get a marker variable."""

    def prepare(vintages, **kwargs):
        return runner.PreparedData(
            folders={}, demo=True, env={"SAMENLEVEN_PREBUILT": "2025=/nowhere"}
        )

    monkeypatch.setattr(runner, "prepare_data", prepare)


@pytest.mark.notebooks
def test_run_collects_failures_exports_html_without_code_and_writes_index(tmp_path, fake_data):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_nb(
        folder / "ok.ipynb",
        "year = 2022\n",
        "import os\nSECRET_CODE_MARKER = 1\n"
        "print('year =', year, 'cwd =', os.path.basename(os.getcwd()), os.environ['SAMENLEVEN_PREBUILT'])",
    )
    write_nb(
        folder / "broken.ipynb",
        "year = 2022\n",
        "import os\nraise ValueError('planned failure in ' + os.path.abspath('missing.csv'))",
    )
    write_nb(folder / "slow.ipynb", None, "import time\ntime.sleep(30)")
    out = tmp_path / "reports" / "20250101T060000Z"
    status = runner.run_notebooks(
        ["ok", "broken", "slow"],
        params=[("year", "2030")],
        out=out,
        jobs=2,
        timeout=1,
        folder=folder,
        progress=False,
    )
    assert status == 1
    executed = nbformat.read(str(out / "ok.ipynb"), as_version=4)
    text = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "year = 2030" in text  # injected parameter
    assert "cwd = notebooks" in text  # fixed working directory
    assert "2025=/nowhere" in text  # prepared-data environment reaches the kernel
    html = (out / "ok.html").read_text(encoding="utf-8")
    assert "year = 2030" in html and "SECRET_CODE_MARKER" not in html  # no code cells
    assert (out / "broken.ipynb").exists() and (out / "broken.html").exists()
    info = json.loads((out / "run.json").read_text(encoding="utf-8"))
    by_label = {r["label"]: r for r in info["results"]}
    assert by_label["ok"]["ok"] is True
    assert by_label["broken"]["ok"] is False
    assert "planned failure in missing.csv" in by_label["broken"]["error"]
    # no absolute path of this machine in run.json (error texts included) or the index
    assert str(tmp_path) not in (out / "run.json").read_text(encoding="utf-8")
    assert by_label["slow"]["ok"] is False  # per-cell timeout
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="ok.html"' in index and 'href="broken.html"' in index
    assert "DEMOGEGEVENS" in index and "mislukt" in index  # the dashboard is Dutch by default
    assert "planned failure in missing.csv" in index and str(tmp_path) not in index
    latest = out.parent / "latest"
    assert latest.is_symlink() and os.readlink(latest) == out.name


def test_update_latest_replaces_an_existing_link(tmp_path):
    first, second = tmp_path / "20240101T000000Z", tmp_path / "20250101T000000Z"
    first.mkdir()
    second.mkdir()
    runner.update_latest(first)
    runner.update_latest(second)
    assert os.readlink(tmp_path / "latest") == second.name
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "20240101T000000Z",
        "20250101T000000Z",
        "latest",
    ]


def test_default_out_is_a_utc_timestamp_folder(tmp_path):
    import datetime as dt

    when = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert runner.default_out(tmp_path, when) == tmp_path / "20250304T050607Z"


# --------------------------------------------------------------------------- authorities


@pytest.fixture
def authority_table() -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "applicant": ["96001", "IGS01", "96002", "96003"],
            "members": [["96001"], ["96015", "96016"], ["96002"], ["96003"]],
            "count": [9000, 7600, 7400, 3],
            "eligible": [True, True, False, False],
            "margin": [1500, 100, -100, -7497],
            "kind": ["municipality", "partnership", "municipality", "municipality"],
            "name": ["A", "IGS", "B", "C"],
            "total": [40000, 30000, 50000, 900],
            "share": [0.225, 0.253, 0.148, 0.0033],
            "cohort": [2022.0, 2024.0, float("nan"), float("nan")],
            "outcome_from": [2020] * 4,
            "outcome_to": [2025] * 4,
            "outcome_change": [1.5, 0.7, 0.2, -0.1],
        }
    )
    table.attrs.update(
        definition="non_eu14",
        year=2022,
        threshold=7500,
        outcome="employment_rate",
        region_codes=["96001", "96002", "96003", "96015", "96016", "96017"],
    )
    return table


def test_authority_selection(authority_table):
    codes = runner._authority_codes
    assert codes("eligible", authority_table, "x") == ["96001", "IGS01"]
    # all: every municipality of the region (partnership members and non-applicants too), then
    # the partnerships
    assert codes(["all"], authority_table, "x") == [
        "96001",
        "96002",
        "96003",
        "96015",
        "96016",
        "96017",
        "IGS01",
    ]
    assert codes(["96017"], authority_table, "x") == ["96017"]  # a municipality of the region
    assert codes(["96002", "96016", "96002"], authority_table, "x") == ["96002", "96016"]
    with pytest.raises(ParameterError, match="unknown authority '12345'"):
        codes(["12345"], authority_table, "x")


def test_dashboard_rows_suppress_small_counts_and_what_would_reveal_them(authority_table, tmp_path):
    rows = dashboard.dashboard_rows(authority_table, {}, tmp_path, min_cell=5)
    small = rows[3]
    assert small["count"] == "<5" and small["margin"] == "" and small["share"] == ""
    # complementary: the next smallest count in the column is hidden as well
    assert rows[2]["count"] == "x"  # marked apart from small cells (issue 19)
    assert (
        rows[0]["count"] == "9,000"
        and rows[0]["margin"] == "+1,500"
        and rows[0]["share"] == "22.5%"
    )
    assert (
        rows[0]["sort_count"] == "9000" and rows[3]["sort_count"] == ""
    )  # sort keys hide suppressed counts
    assert rows[1]["cohort"] == "2024" and rows[2]["cohort"] == "—"


@pytest.mark.notebooks
def test_reports_sharing_a_kernel_start_from_a_clean_state(tmp_path):
    """Authority reports run in batches on one kernel: nothing may leak between them."""
    folder = tmp_path / "nbs"
    folder.mkdir()
    src = write_nb(
        folder / "auth.ipynb",
        "authority = 'x'\n",
        "import warnings, matplotlib as mpl, matplotlib.pyplot as plt\n"
        "print('leak' in globals(), mpl.rcParams['lines.linewidth'], len(plt.get_fignums()))\n"
        "warnings.warn('shown every time')\n"
        "leak = authority\nmpl.rcParams['lines.linewidth'] = 9\nplt.figure()",
        "if authority == 'bad':\n    raise ValueError('planned')",
    )
    jobs = [
        kernels.Job(a, str(src), str(tmp_path / f"{a}.ipynb"), {"authority": a}, kind="authority")
        for a in ("a", "bad", "b", "c")
    ]
    assert kernels.plan_batches(jobs, workers=1) == [[0, 1], [2, 3]]
    results = kernels.execute_batch(jobs, timeout=60)
    assert [r.ok for r in results] == [True, False, True, True]  # the failure stays local
    first = None
    for a in ("a", "b", "c"):
        nb = nbformat.read(str(tmp_path / f"{a}.ipynb"), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        # the warning's location names the kernel's temp folder, which changes with the
        # kernel replaced after the failure
        outputs = [
            (o.get("name"), re.sub(r"ipykernel_\d+", "ipykernel_PID", o.get("text") or ""))
            for o in code[2].outputs
        ]
        assert outputs[0] == ("stdout", "False 1.5 0\n"), a  # no variable, rcParam or figure leaked
        assert any(name == "stderr" and "shown every time" in text for name, text in outputs), a
        counts = [c.execution_count for c in code]
        assert counts == list(range(1, len(code) + 1)), a  # numbered as in a fresh kernel
        first = first or outputs
        assert outputs == first


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
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


@pytest.mark.notebooks
def test_run_without_a_registered_kernel_and_without_absolute_paths(tmp_path, monkeypatch):
    """``samenleven run`` with a stale ``samenleven`` kernel spec first on JUPYTER_PATH still runs.

    With none in a fresh JUPYTER_DATA_DIR, it still runs, in this interpreter; the executed notebook
    carries no absolute path of the machine.
    """
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


def test_refresh_keeps_the_cell_ids_of_unchanged_cells_and_derives_new_ones():
    v4 = nbformat.v4
    previous = v4.new_notebook(
        cells=[v4.new_markdown_cell("# T", id="keep0001"), v4.new_code_cell("x = 1", id="keep0002")]
    )
    fresh = v4.new_notebook(
        cells=[v4.new_markdown_cell("# T"), v4.new_code_cell("x = 2"), v4.new_code_cell("x = 1")]
    )
    again = nbformat.from_dict(json.loads(json.dumps(fresh)))
    runner.stable_cell_ids(fresh, previous)
    runner.stable_cell_ids(again, previous)
    ids = [c["id"] for c in fresh.cells]
    assert ids[0] == "keep0001" and ids[2] == "keep0002"
    assert ids[1] not in {"keep0001", "keep0002"} and len(set(ids)) == 3
    assert [c["id"] for c in again.cells] == ids  # the new id is derived, not random
    nbformat.validate(fresh)
