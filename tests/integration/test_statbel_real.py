"""Statbel readers: population (both layouts, zip/txt/xlsx), REFNIS list, fiscal income."""

from __future__ import annotations

import pandas as pd
import pytest
from _statbel_files import REAL_TOTALS

from samenleven_analysis.data import statbel


@pytest.mark.realdata
def test_real_population_2015_reader(real_data_dir):
    from samenleven_analysis.data import catalog

    path = catalog.locate("population_2015", data_dir=real_data_dir).path
    frame, names = statbel.read_population(path, with_names=True)
    assert frame.population.sum() == REAL_TOTALS[2015]
    assert frame.refnis.nunique() == 589 and len(names) == 589
    assert frame.refnis.str.len().eq(5).all()


@pytest.mark.realdata
def test_real_refnis_and_income(real_data_dir):
    from samenleven_analysis.data import catalog

    ref = statbel.read_refnis(catalog.locate("refnis", data_dir=real_data_dir).path)
    assert len(ref) == 2769
    munis = ref[ref.level == 4]
    assert (munis.valid_to == pd.Timestamp("2018-12-31")).sum() == 26
    assert (munis.valid_from == pd.Timestamp("2019-01-01")).sum() == 18
    assert (munis.valid_to == pd.Timestamp("9999-12-31")).sum() == 581
    inc = statbel.read_income(catalog.locate("income", data_dir=real_data_dir).path)
    assert len(inc) == 9296 and inc.year.min() == 2005 and inc.year.max() == 2020
    assert inc.groupby("year").refnis.nunique().eq(581).all()


def _edited_2014(real_data_dir, folder, old: str, new: str):
    """A copy of the real 2014 zip with the first ``old`` name field replaced by ``new``."""
    import zipfile

    from samenleven_analysis.data import catalog

    src = catalog.locate("population_2014", data_dir=real_data_dir).path
    with zipfile.ZipFile(src) as zf:
        member = zf.namelist()[0]
        text = zf.read(member)
    at = text.index(f"|{old}|".encode())
    line = text.count(b"\n", 0, at) + 1
    text = text[:at] + f"|{new}|".encode() + text[at + len(old) + 2 :]
    path = folder / src.name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(member, text)
    return path, line


@pytest.mark.realdata
def test_real_2014_with_a_stray_quote_keeps_every_row(real_data_dir, tmp_path):
    # The issue's repro: one name starting with '"' kept 24,806 of 29,674 rows, exit 0.
    path, _ = _edited_2014(real_data_dir, tmp_path, "Anthisnes", '"Anthisnes')
    frame = statbel.read_population(path)
    assert frame.population.sum() == REAL_TOTALS[2014]
    assert frame.refnis.nunique() == 589


@pytest.mark.realdata
def test_real_2014_with_a_quote_and_a_pipe_in_a_name_names_the_line(real_data_dir, tmp_path):
    from samenleven_analysis.errors import DataError

    path, line = _edited_2014(real_data_dir, tmp_path, "Anthisnes", '"Ant|hisnes')
    with pytest.raises(DataError) as err:
        statbel.read_population(path)
    assert err.value.row == line and "TF_SOC_POP_STRUCT_2014" in err.value.file
