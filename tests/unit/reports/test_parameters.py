"""Parameter declarations of the notebooks.

Literal and range comments parsed, values outside them refused (exit 2) before any work, the
explicit disclosure opt-out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _notebooks import write_nb
from click.testing import CliRunner

from samenleven_analysis.cli import cli
from samenleven_analysis.errors import ParameterError
from samenleven_analysis.reports import parameters, runner

# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
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
