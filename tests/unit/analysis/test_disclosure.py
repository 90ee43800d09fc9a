"""Small-cell suppression: primary and complementary suppression on hand-built tables.

Also the HTML scanner that the demo-run disclosure check relies on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.analysis.disclosure import MIN_CELL_DEFAULT, suppress, suppression_mask


def test_default_min_cell_is_five():
    assert MIN_CELL_DEFAULT == 5
    assert disclosure.placeholder() == "<5"


def test_primary_suppression_without_totals_hides_small_counts_and_zero():
    t = pd.DataFrame({"name": ["a", "b", "c", "d"], "n": [0, 4, 5, 1234]})
    out = suppress(t, ["n"], totals="none")
    assert out["n"].tolist() == ["<5", "<5", "5", "1234"]
    assert out["name"].tolist() == t["name"].tolist()  # other columns untouched
    assert t["n"].tolist() == [0, 4, 5, 1234]  # input not modified


def test_zeros_can_be_published_when_asked():
    t = pd.DataFrame({"n": [0, 3, 50]})
    assert suppress(t, ["n"], totals="none", zeros=False)["n"].tolist() == ["0", "<5", "50"]


def test_custom_min_cell_placeholder():
    t = pd.DataFrame({"n": [9, 10, 11]})
    assert suppress(t, ["n"], min_cell=10, totals="none")["n"].tolist() == ["<10", "10", "11"]


def test_row_total_forces_next_smallest_cell_in_the_row():
    # row 0: 3 is small; with a published row total, 3 = total - 20 - 40 -> hide 20 as well
    t = pd.DataFrame({"x": [3, 100], "y": [20, 200], "z": [40, 300]})
    out = suppress(t, ["x", "y", "z"], totals="rows")
    assert out.loc[0].tolist() == ["<5", "x", "40"]  # complementary: "x", not "<5"
    assert out.loc[1].tolist() == ["100", "200", "300"]


def test_column_total_forces_next_smallest_cell_in_the_column():
    t = pd.DataFrame({"n": [7500, 2, 12, 9000, 30]})
    out = suppress(t, ["n"], totals="columns")
    # 2 is primary; the next smallest published value (12) goes too
    assert out["n"].tolist() == ["7500", "<5", "x", "9000", "30"]


def test_two_primary_cells_in_a_row_need_no_complement():
    t = pd.DataFrame({"x": [3], "y": [2], "z": [40]})
    out = suppress(t, ["x", "y", "z"], totals="rows")
    assert out.loc[0].tolist() == ["<5", "<5", "40"]


def test_complementary_suppression_cascades_between_rows_and_columns():
    t = pd.DataFrame({"a": [3, 10, 20], "b": [12, 15, 30], "c": [40, 60, 50]})
    mask = suppression_mask(t, ["a", "b", "c"], totals="both")
    # row 0: a(3) primary -> b(12) complementary; column b now has a lone hidden cell
    # -> b(15) in row 1; row 1 now has a lone hidden cell -> a(10); columns a, b have two each.
    expected = np.array([[True, True, False], [True, True, False], [False, False, False]])
    assert (mask.to_numpy() == expected).all()


def test_total_column_is_suppressed_when_small_but_never_chosen_as_complement():
    t = pd.DataFrame({"m": [2, 50], "f": [1, 60], "total": [3, 110]})
    mask = suppression_mask(t, ["m", "f"], totals="rows", total_cols=["total"])
    assert mask.loc[0].tolist() == [True, True, True]
    assert mask.loc[1].tolist() == [False, False, False]
    t2 = pd.DataFrame({"m": [2, 50], "f": [30, 60], "total": [32, 110]})
    mask2 = suppression_mask(t2, ["m", "f"], totals="rows", total_cols=["total"])
    # row 0: m is primary; the complement is f, not the total
    assert mask2.loc[0].tolist() == [True, True, False]


def test_missing_values_are_blank_and_not_counted():
    t = pd.DataFrame({"n": [np.nan, 3.0, 100.0, 200.0]})
    out = suppress(t, ["n"], totals="columns")
    assert out["n"].tolist() == ["", "<5", "x", "200"]


def test_unknown_totals_and_columns_are_errors():
    t = pd.DataFrame({"n": [1]})
    with pytest.raises(ValueError, match="totals"):
        suppress(t, ["n"], totals="diagonal")
    with pytest.raises(KeyError, match="zz"):
        suppress(t, ["zz"])


def test_format_count():
    assert disclosure.format_count(3) == "<5"
    assert disclosure.format_count(0) == "<5"
    assert disclosure.format_count(0, zeros=False) == "0"
    assert disclosure.format_count(7512.0) == "7512"
    assert disclosure.format_count(float("nan")) == ""


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=40), min_size=3, max_size=3),
        min_size=2,
        max_size=6,
    ),
    st.sampled_from(["rows", "columns", "both"]),
)
def test_no_suppressed_cell_can_be_recomputed_from_published_totals(rows, totals):
    t = pd.DataFrame(rows, columns=["a", "b", "c"])
    mask = suppression_mask(t, ["a", "b", "c"], totals=totals).to_numpy()
    values = t.to_numpy()
    assert mask[values < MIN_CELL_DEFAULT].all(), "a small count was published"
    if totals in ("rows", "both"):
        for r in mask:
            assert r.sum() != 1 or r.size == 1, "a row has a single hidden cell"
    if totals in ("columns", "both"):
        for c in mask.T:
            assert c.sum() != 1, "a column has a single hidden cell"
    out = suppress(t, ["a", "b", "c"], totals=totals)
    shown = out.to_numpy()
    small = values < MIN_CELL_DEFAULT
    assert (shown[mask & small] == "<5").all()  # primary
    assert (shown[mask & ~small] == disclosure.SECONDARY_MARK).all()  # complementary
    assert (shown[~mask] == values[~mask].astype(str)).all()


# --------------------------------------------------------------------------- scanner


def test_find_small_counts_flags_raw_small_counts_in_count_columns():
    """A header naming persons makes a column a count column; shares and rates are not."""
    html = pd.DataFrame({"count": [3, 7600], "share": [0.01, 0.2], "rate": [2.0, 3.0]}).to_html()
    assert disclosure.find_small_counts(html) == [("count", "3")]


def test_find_small_counts_passes_suppressed_tables():
    t = pd.DataFrame({"population": [3, 100, 7600], "share": [0.01, 0.2, 0.3]})
    html = suppress(t, ["population"], totals="columns").to_html()
    assert disclosure.find_small_counts(html) == []


def test_find_small_counts_honours_data_counts_attribute_and_thousands_separators():
    html = (
        "<table><thead><tr><th>Authority</th><th data-counts>Residents of origin</th></tr></thead>"
        "<tbody><tr><td>x</td><td>4</td></tr><tr><td>y</td><td>12,345</td></tr>"
        "<tr><td>z</td><td>&lt;5</td></tr></tbody></table>"
    )
    assert disclosure.find_small_counts(html) == [("Residents of origin", "4")]


def test_find_small_counts_in_text():
    assert disclosure.find_small_counts_in_text("only 3 participants and 120 residents") == [
        "3 participants"
    ]


def test_scanner_handles_multi_level_headers_and_origin_codes():
    # number of eligible authorities per definition and year: not persons, must not be flagged
    wide = pd.DataFrame(
        {("non_europe", 2021): [3, 9], ("non_eu14", 2021): [4, 20]},
        index=pd.Index([5000, 7500], name="threshold"),
    )
    problems, checked = disclosure.scan_counts(wide.to_html())
    assert problems == [] and checked == 0
    # origin groups as columns of a year x group table are persons
    comp = pd.DataFrame(
        {"BEL": [900, 950], "EU13": [3, 7], "total": [903, 957]},
        index=pd.Index([2021, 2022], name="year"),
    )
    problems, checked = disclosure.scan_counts(comp.to_html())
    assert problems == [("EU13", "3")] and checked == 6
    # persons under a multi-level header
    multi = pd.DataFrame({("residents", "M"): [2, 40], ("residents", "F"): [30, 41]})
    assert disclosure.find_small_counts(multi.to_html()) == [("residents / M", "2")]


def test_scan_reads_dutch_thousands_and_dutch_count_headers():
    """The Dutch reports write 2.000 (nl_BE): not a small count of 2.

    And a Dutch header (mannen, totaal, aantal) marks a count column as its English twin does.
    """
    from samenleven_analysis.analysis.disclosure import find_small_counts

    page = (
        "<table><tr><th>mannen, Belgisch</th><th>totaal</th></tr>"
        "<tr><td>2.000</td><td>12.345</td></tr><tr><td>3</td><td>1.001</td></tr></table>"
    )
    assert find_small_counts(page, 5) == [("mannen, Belgisch", "3")]


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
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
