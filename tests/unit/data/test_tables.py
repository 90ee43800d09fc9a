"""The one reader of canonical CSVs: one boolean vocabulary, errors naming file/row/column."""

from __future__ import annotations

import pandas as pd
import pytest

from samenleven_analysis.analysis import outcomes
from samenleven_analysis.data import schemas, tables
from samenleven_analysis.errors import DataError

HEADER = "applicant,refnis,cohort,intensity_eur_per_resident,eligible\n"


def _treatment(tmp_path, value: str):
    path = tmp_path / "treatment.csv"
    path.write_text(HEADER + f"11002,11002,2022,1.5,{value}\n44021,44021,,,false\n")
    return path


@pytest.mark.parametrize("value", ["true", "TRUE", "True", "1", " true "])
def test_both_readers_accept_the_same_true(tmp_path, value):
    path = _treatment(tmp_path, value)
    assert tables.read_treatment(path)["eligible"].tolist() == [True, False]
    built = tables.read_canonical(path, schemas.TREATMENT)
    assert built["eligible"].tolist() == [True, False]


@pytest.mark.parametrize("value", ["yes", "y", "t", "no", "n", "f", "maybe"])
def test_both_readers_refuse_the_same_words_naming_file_row_and_column(tmp_path, value):
    path = _treatment(tmp_path, value)
    for read in (tables.read_treatment, lambda p: tables.read_canonical(p, schemas.TREATMENT)):
        with pytest.raises(DataError, match="not a boolean") as err:
            read(path)
        assert err.value.row == 2 and err.value.column == "eligible"
        assert "treatment.csv" in str(err.value.file)


def test_parse_booleans_names_the_line_of_the_first_bad_value():
    with pytest.raises(DataError) as err:
        tables.parse_booleans(pd.Series(["true", "0", "yes"]), file="f.csv", column="c")
    assert (err.value.file, err.value.row, err.value.column) == ("f.csv", 4, "c")
    assert tables.parse_booleans(pd.Series(["False", "1"])).tolist() == [False, True]


def test_the_analysis_names_are_the_data_readers():
    assert outcomes.read_treatment is tables.read_treatment
    assert outcomes.read_outcomes is tables.read_outcomes


def test_read_partnerships_keeps_leading_zeros_and_refuses_a_double_member(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("partnership_id,name,refnis\nIGS01,West,01002\nIGS01,West,01003\n")
    assert tables.read_partnerships(path)["refnis"].tolist() == ["01002", "01003"]
    path.write_text("partnership_id,name,refnis\nIGS01,West,01002\nIGS02,East,01002\n")
    with pytest.raises(DataError, match="2 partnerships"):
        tables.read_partnerships(path)
