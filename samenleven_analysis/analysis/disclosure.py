"""Small-cell suppression for every count of persons a report publishes.

Rule (statistical disclosure control, as used by Statbel and most statistical offices):

1. *Primary suppression*: a count of persons below ``min_cell`` (default 5, a run
   parameter) is not published. Zeros count as small too (``zeros=True``): a published
   0 in a cross-table also tells a reader something about identifiable people, and the
   reports' disclosure check treats every published count below ``min_cell`` as a leak.
2. *Complementary (secondary) suppression*: where row or column totals are published, a
   row or column with exactly one suppressed cell would let a reader recompute it as
   total − the others; the next-smallest published cell of that row/column is suppressed
   too. This repeats until no row or column has a lone suppressed cell (a complementary
   suppression in a row can create a lone one in a column).

Primary suppressions read ``"<5"`` (``f"<{min_cell}"``), never 0 or blank; complementary
suppressions read ``"x"`` (:data:`SECONDARY_MARK`, the convention of Statistics Canada):
such a cell is not small, so ``"<5"`` would misstate it. :func:`is_suppressed` tells both
from published counts. Figures, tooltips and CSV files are drawn from the suppressed table
(:func:`published_values`), never from the counts behind it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser

import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.i18n import N_

MIN_CELL_DEFAULT = 5
"""Smallest count of persons a report may publish."""

COUNT_COLUMN_PATTERN = re.compile(
    r"(^|[\s_(])(count|counts|persons|people|population|residents|inwoners|participants|"
    r"deelnemers|aantal|total|totaal|men|women|mannen|vrouwen|personen|bevolking)([\s_),]|$)",
    re.IGNORECASE,
)
"""Column headers (any level) that name counts of persons, used by :func:`scan_counts`."""

COUNT_COLUMN_CODES = frozenset({"BEL", "EU14", "EU13", "EUROPE_OTHER", "NON_EUROPE", "M", "F"})
"""Exact headers that are person counts too: origin groups (docs/design.md) and sexes
(case-sensitive, so that definition names such as ``non_europe`` do not match)."""


DISCLOSURE_ENV = "SAMENLEVEN_DISCLOSURE"
"""Set to :data:`DISCLOSURE_OFF` (by ``samenleven run --no-disclosure-control-i-know``) to
allow ``min_cell=0``; every output then carries :func:`off_stamp`."""

DISCLOSURE_OFF = "off-unsafe"


def disclosure_off() -> bool:
    """Whether the explicit opt-out from small-cell suppression is in force."""
    import os

    return os.environ.get(DISCLOSURE_ENV, "").strip().lower() == DISCLOSURE_OFF


def check_min_cell(min_cell: object) -> int:
    """``min_cell`` as an int, or ValueError: it must be a whole number ≥ 1.

    0 is allowed only with the opt-out :func:`disclosure_off`. Below 1 nothing would be suppressed,
    silently.
    """
    whole = isinstance(min_cell, (int, np.integer)) or (
        isinstance(min_cell, float) and float(min_cell).is_integer()
    )
    if isinstance(min_cell, bool) or not whole:
        raise ValueError(f"min_cell must be a whole number, not {min_cell!r}")
    value = int(min_cell)  # type: ignore[call-overload]
    floor = 0 if disclosure_off() else 1
    if value < floor:
        raise ValueError(
            f"min_cell must be at least 1 (got {value}): counts below min_cell are suppressed, "
            "and below 1 nothing would be; to publish every count, run with "
            "--no-disclosure-control-i-know"
        )
    return value


def rule_text(min_cell: int = MIN_CELL_DEFAULT) -> str:
    """One sentence for report text saying which rule applies, with the actual value."""
    value = int(min_cell)
    if value < 1:
        return off_stamp()
    return (
        f'Counts of persons below {value} are suppressed (shown as "{placeholder(value)}"), '
        "as are the cells that would let a reader recompute them from published totals "
        f'(shown as "{SECONDARY_MARK}"); figures draw only what the tables publish.'
    )


def off_stamp() -> str:
    """The stamp on every output made without small-cell suppression (active language)."""
    return i18n.gettext(
        "DISCLOSURE CONTROL OFF: small counts of persons are published unsuppressed "
        "(explicit opt-out); not for publication."
    )


CSV_STAMP_COLUMN = N_("DISCLOSURE CONTROL OFF")
"""First column of every CSV written under the opt-out (header cell A1 in a spreadsheet;
message id, written in the report's language)."""
CSV_STAMP_VALUE = N_("counts unsuppressed (explicit opt-out); not for publication")
"""The value of :data:`CSV_STAMP_COLUMN` on every row (message id)."""


def stamp_csv(frame, *, off: bool | None = None):
    """``frame`` as it is to be written to a CSV for people to open.

    Unchanged normally; under the opt-out (:func:`disclosure_off`) with a first column ``DISCLOSURE
    CONTROL OFF`` holding :data:`CSV_STAMP_VALUE` on every row (both in the report's language) —
    seen in cell A1 of a spreadsheet and kept by any row that is copied, sorted or filtered out
    of it, while the file stays a plain table (a comment line would break readers and be lost on
    sorting). The one place every report
    CSV writer goes through (docs/bad-inputs.md). ``off``: whether the opt-out is in force (default:
    :func:`disclosure_off`, the run's environment).
    """
    if not (disclosure_off() if off is None else off):
        return frame
    out = frame.copy()
    out.insert(0, i18n.gettext(CSV_STAMP_COLUMN), i18n.gettext(CSV_STAMP_VALUE))
    return out


def placeholder(min_cell: int = MIN_CELL_DEFAULT) -> str:
    """Text shown instead of a count below ``min_cell`` (primary suppression), e.g. ``"<5"``."""
    return f"<{int(min_cell)}"


SECONDARY_MARK = "x"
"""Text shown instead of a complementary (secondary) suppression: a count that is not
small but is hidden so that a small one cannot be recomputed from a published total."""


def is_suppressed(text: object) -> bool:
    """Whether a published cell is a suppression (``"<5"`` or :data:`SECONDARY_MARK`)."""
    value = str(text).strip()
    return value == SECONDARY_MARK or (value.startswith("<") and value[1:].isdigit())


def published_values(shown: pd.Series) -> pd.Series:
    """The numbers a suppressed column publishes.

    The count where it is shown, NaN where it is suppressed or missing. Figures are drawn from
    these, so a bar, line or share can never give back what the table hides.
    """
    return pd.to_numeric(
        shown.map(lambda v: None if is_suppressed(v) else v), errors="coerce"
    ).astype(float)


def _normalise_totals(totals: str | Iterable[str] | None) -> set[str]:
    if totals is None:
        return set()
    if isinstance(totals, str):
        key = totals.lower()
        mapping = {
            "both": {"row", "column"},
            "rows": {"row"},
            "row": {"row"},
            "columns": {"column"},
            "column": {"column"},
            "none": set(),
        }
        if key not in mapping:
            raise ValueError(f"totals must be 'both', 'rows', 'columns' or 'none', not {totals!r}")
        return mapping[key]
    out: set[str] = set()
    for t in totals:
        out |= _normalise_totals(t)
    return out


def suppression_mask(
    table: pd.DataFrame,
    count_cols: Sequence[str],
    min_cell: int = MIN_CELL_DEFAULT,
    totals: str | Iterable[str] | None = "both",
    *,
    total_cols: Sequence[str] = (),
    zeros: bool = True,
) -> pd.DataFrame:
    """Boolean frame (index of ``table``, columns ``count_cols`` + ``total_cols``): True = suppress.

    ``totals`` says which margins are published: ``"both"`` (default, the cautious
    choice), ``"rows"`` (a total per row, e.g. a municipality's population), ``"columns"``
    (a total per column, e.g. a Flanders row or column sums a reader can add up), or
    ``"none"``. ``total_cols`` are columns of ``table`` holding published row totals: they
    are primary-suppressed when small, count in the column margins, and are never picked
    as complementary cells (hiding a component protects the total's row as well).
    """
    min_cell = check_min_cell(min_cell)
    count_cols = list(count_cols)
    total_cols = [c for c in total_cols if c not in count_cols]
    missing = [c for c in count_cols + total_cols if c not in table.columns]
    if missing:
        raise KeyError(f"count columns not in table: {missing}")
    margins = _normalise_totals(totals)
    cols = count_cols + total_cols
    values = table[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    present = ~np.isnan(values)
    small = present & (values < min_cell)
    if not zeros:
        small &= values != 0
    mask = small.copy()
    ncomp = len(count_cols)  # components are the first ncomp columns
    changed = True
    while changed:
        changed = False
        if "row" in margins and ncomp > 1:
            changed |= _complete_rows(mask, present, values, ncomp)
        if "column" in margins and values.shape[0] > 1:
            changed |= _complete_columns(mask, present, values)
    return pd.DataFrame(mask, index=table.index, columns=cols)


def _pick_next(candidates: np.ndarray, vals: np.ndarray) -> int | None:
    """Position of the smallest published value among ``candidates``; ties go to the first."""
    idx = np.flatnonzero(candidates)
    if idx.size == 0:
        return None
    return int(idx[np.argmin(vals[idx])])  # argmin returns the first of ties


def _complete_rows(mask: np.ndarray, present: np.ndarray, values: np.ndarray, ncomp: int) -> bool:
    """Hide a second component in every row with one hidden (in place); whether any was added."""
    changed = False
    for i in range(values.shape[0]):
        row_mask = mask[i, :ncomp]
        if row_mask.sum() == 1:
            j = _pick_next(present[i, :ncomp] & ~row_mask, values[i, :ncomp])
            if j is not None:
                mask[i, j] = True
                changed = True
    return changed


def _complete_columns(mask: np.ndarray, present: np.ndarray, values: np.ndarray) -> bool:
    """Hide a second cell in every column with one hidden (in place); whether any was added."""
    changed = False
    for j in range(values.shape[1]):
        col_mask = mask[:, j]
        if col_mask.sum() == 1:
            i = _pick_next(present[:, j] & ~col_mask, values[:, j])
            if i is not None:
                mask[i, j] = True
                changed = True
    return changed


def format_count(value: object, min_cell: int = MIN_CELL_DEFAULT, *, zeros: bool = True) -> str:
    """One count as published text, for labels and sentences outside tables (no complementary rule).

    ``"<5"`` when below ``min_cell``, ``"12345"`` otherwise, ``""`` when missing.
    """
    min_cell = check_min_cell(min_cell)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    number = float(value)  # type: ignore[arg-type]
    if number < min_cell and (zeros or number != 0):
        return placeholder(min_cell)
    return f"{round(number)}"


def suppress(
    table: pd.DataFrame,
    count_cols: Sequence[str],
    min_cell: int = MIN_CELL_DEFAULT,
    totals: str | Iterable[str] | None = "both",
    *,
    total_cols: Sequence[str] = (),
    zeros: bool = True,
) -> pd.DataFrame:
    """Copy of ``table`` whose count columns are strings with small cells suppressed.

    Counts are written as whole numbers (``"7512"``); primary suppressions read
    ``f"<{min_cell}"``, complementary ones :data:`SECONDARY_MARK` (``"x"``); missing values
    read ``""``. Other columns are unchanged. See :func:`suppression_mask` for ``totals``,
    ``total_cols`` and ``zeros``.
    """
    mask = suppression_mask(table, count_cols, min_cell, totals, total_cols=total_cols, zeros=zeros)
    out = table.copy()
    text = placeholder(min_cell)
    for col in mask.columns:
        numeric = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=float)
        formatted = ["" if np.isnan(v) else f"{round(float(v))}" for v in numeric]
        small = ~np.isnan(numeric) & (numeric < min_cell)
        if not zeros:
            small &= numeric != 0
        hidden = mask[col].to_numpy()
        out[col] = pd.Series(
            np.where(
                hidden & small,
                text,
                np.where(hidden, SECONDARY_MARK, np.asarray(formatted, dtype=object)),
            ),
            index=table.index,
            dtype=object,
        )
    return out


# --------------------------------------------------------------------------- checking

_NUMBER = re.compile(r"^-?\d[\d,\u202f\u00a0 ]*(\.\d+)?$")


_NL_THOUSANDS = re.compile(r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")
"""A number with the nl_BE thousands separator (``1.234``, ``12.345,5``)."""


def _as_number(text: str) -> float | None:
    text = text.strip()
    if _NL_THOUSANDS.match(text):  # 12.345 in the nl_BE format of the Dutch reports
        text = text.replace(".", "").replace(",", ".")
    if not _NUMBER.match(text):
        return None
    try:
        return float(re.sub(r"[,\u202f\u00a0 ]", "", text))
    except ValueError:
        return None


def find_small_counts(html: str, min_cell: int = MIN_CELL_DEFAULT) -> list[tuple[str, str]]:
    """Published person counts below ``min_cell`` in the HTML tables of ``html``.

    A column counts as a count of persons when its header matches
    :data:`COUNT_COLUMN_PATTERN` (``count``, ``population``, ``participants`` …) or
    carries the ``data-counts`` attribute. Returns ``(header, cell text)`` pairs; an empty
    list means the page passes. Cells reading ``<{min_cell}`` pass, and so do non-integer
    numbers (shares, rates) in such columns.
    """
    return scan_counts(html, min_cell)[0]


class _HtmlTables(HTMLParser):
    """Collects the tables of a page as rows of ``(tag, text, data-counts flag, colspan)``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, str, bool, int]]]] = []
        self._cell: list[str] | None = None
        self._cell_tag = ""
        self._cell_flag = False
        self._cell_span = 1
        self._row: list[tuple[str, str, bool, int]] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            attrs = dict(attrs)
            self._cell = []
            self._cell_tag = tag
            self._cell_flag = "data-counts" in attrs
            try:
                self._cell_span = max(1, int(attrs.get("colspan") or 1))
            except ValueError:
                self._cell_span = 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            self._row.append((self._cell_tag, text, self._cell_flag, self._cell_span))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            data = data.strip()
            if data:
                self._cell.append(data)


def _parse_tables(html: str) -> list[list[list[tuple[str, str, bool, int]]]]:
    """The HTML tables of ``html`` as rows of ``(tag, text, data-counts flag, colspan)`` cells."""
    parser = _HtmlTables()
    parser.feed(html)
    return parser.tables


def _expand_row(row):
    """A parsed row with each cell repeated ``colspan`` times, as ``(tag, text, flag)``."""
    cells = []
    for tag, text, flag, span in row:
        cells += [(tag, text, flag)] * span
    return cells


def _is_count_header(text: str, flag: bool) -> bool:
    """Whether a header cell marks a column of person counts."""
    return flag or text in COUNT_COLUMN_CODES or bool(COUNT_COLUMN_PATTERN.search(text))


def _header_columns(header_rows: list, width: int) -> tuple[dict[int, str], set[int]]:
    """Column labels (header levels joined with `` / ``) and the count columns of a table."""
    labels: dict[int, str] = {}
    count_cols: set[int] = set()
    for h in header_rows:
        offset = width - len(h)  # right-align levels (pandas puts index names on the left)
        for k, (_, text, flag) in enumerate(h):
            col = k + offset
            if text:
                labels[col] = f"{labels[col]} / {text}" if col in labels else text
            if text and _is_count_header(text, flag):
                count_cols.add(col)
    return labels, count_cols


def _scan_table(rows: list, min_cell: int) -> tuple[list[tuple[str, str]], int]:
    """Small counts in one parsed table and how many count cells it has, for :func:`scan_counts`."""
    problems: list[tuple[str, str]] = []
    checked = 0
    header_rows = [_expand_row(r) for r in rows if r and all(tag == "th" for tag, *_ in r)]
    body_rows = [_expand_row(r) for r in rows if r and not all(tag == "th" for tag, *_ in r)]
    if not header_rows:
        return problems, checked
    width = max(len(h) for h in header_rows)
    labels, count_cols = _header_columns(header_rows, width)
    for r in body_rows:
        offset = width - len(r)  # data rows: index <th> cells, then <td>; align right
        for k, (_, text, _) in enumerate(r):
            col = k + offset
            if col not in count_cols:
                continue
            checked += 1
            number = _as_number(text)
            if number is None or number != int(number):
                continue
            if number < min_cell:
                problems.append((labels.get(col, ""), text))
    return problems, checked


def scan_counts(html: str, min_cell: int = MIN_CELL_DEFAULT) -> tuple[list[tuple[str, str]], int]:
    """Like :func:`find_small_counts`, also returning how many count cells were checked.

    So a check can tell "nothing found" from "nothing looked at".
    """
    problems: list[tuple[str, str]] = []
    checked = 0
    for rows in _parse_tables(html):
        table_problems, table_checked = _scan_table(rows, min_cell)
        problems += table_problems
        checked += table_checked
    return problems, checked


def find_small_counts_in_text(text: str, min_cell: int = MIN_CELL_DEFAULT) -> list[str]:
    """Plain-text phrases like ``"3 persons"``/``"4 participants"`` with a count below ``min_cell``."""
    pattern = re.compile(
        r"(?<![\d.,])(\d+) (persons|people|residents|participants|inwoners|deelnemers)\b",
        re.IGNORECASE,
    )
    return [m.group(0) for m in pattern.finditer(text) if int(m.group(1)) < min_cell]
