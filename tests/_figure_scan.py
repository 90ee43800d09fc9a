"""A scanner that checks report figures against the suppressed tables published (issue 19, item 2).

A bar, a line point or the edge of a stacked area must be a number the CSV next to it publishes (or
a sum of published numbers), never one that needs a suppressed cell.

:func:`capture_figures` keeps every figure a :class:`Publisher` publishes (its artists stay
readable after ``plt.close``); the ``*_leaks`` functions return what a figure draws that
the published table does not give, as ``(where, value)`` pairs (empty = no leak).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.reports.publish import Publisher


def capture_figures(monkeypatch) -> dict[str, object]:
    """Record every figure published from now on, by file stem."""
    captured: dict[str, object] = {}
    original = Publisher.figure

    def figure(self, fig, stem, title, caption=None, **margins):
        captured[stem] = fig
        original(self, fig, stem, title, caption, **margins)

    monkeypatch.setattr(Publisher, "figure", figure)
    return captured


def read_published(path: Path) -> pd.DataFrame:
    """A published CSV as text (suppressions stay ``"<5"``/``"x"``)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _number(text: str) -> float | None:
    text = str(text).replace(",", "").strip()
    if not text or disclosure.is_suppressed(text):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def composition_leaks(fig, table: pd.DataFrame) -> list[tuple[str, float]]:
    """Edges of the stacked-share figure that are not sums of published cells over the total.

    Over the published total, in the table's column order, suppressed cells counting 0.
    """
    year_col, groups = table.columns[0], [c for c in table.columns[1:] if c != "total"]
    allowed: dict[int, list[float]] = {}
    for _, row in table.iterrows():
        total = _number(row["total"])
        edges = [0.0, 100.0]
        if total:
            run = 0.0
            for g in groups:
                run += _number(row[g]) or 0.0
                edges.append(100 * run / total)
        allowed[int(row[year_col])] = edges
    leaks = []
    for ax in fig.axes:
        for coll in ax.collections:
            for path in coll.get_paths():
                for x, y in path.vertices:
                    year = round(float(x))
                    if abs(x - year) > 1e-9 or year not in allowed:
                        continue
                    if not any(abs(y - e) < 1e-6 for e in allowed[year]):
                        leaks.append((f"composition {year}", float(y)))
    return sorted(set(leaks))


def line_leaks(fig, label: str, published: dict[int, float | None]) -> list[tuple[str, float]]:
    """Points of the line ``label`` drawn in a year whose count the table suppresses."""
    leaks = []
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_label() != label:
                continue
            ydata = np.ma.filled(np.ma.asarray(line.get_ydata(), dtype=float), np.nan)
            for x, y in zip(line.get_xdata(), ydata, strict=True):
                if math.isfinite(float(y)) and published.get(int(x), 0) is None:
                    leaks.append((f"{label} {int(x)}", float(y)))
    return leaks


def count_line_leaks(fig, label: str, published: dict[int, float | None]):
    """Like :func:`line_leaks`, and every drawn point must be the published count."""
    leaks = line_leaks(fig, label, published)
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_label() != label:
                continue
            for x, y in zip(line.get_xdata(), line.get_ydata(), strict=True):
                value = published.get(int(x))
                if math.isfinite(float(y)) and value is not None and abs(y - value) > 1e-9:
                    leaks.append((f"{label} {int(x)} != {value}", float(y)))
    return leaks


def bar_leaks(fig, table: pd.DataFrame) -> list[tuple[str, float]]:
    """Bars whose length is not a count the table publishes (0 = not drawn)."""
    published = {
        v for col in table.columns[1:] for v in (_number(t) for t in table[col]) if v is not None
    }
    leaks = []
    for ax in fig.axes:
        for patch in ax.patches:
            length = abs(float(patch.get_width()))
            if length and not any(np.isclose(length, p) for p in published):
                leaks.append(("bar", length))
    return leaks


def published_by_year(table: pd.DataFrame, column: str) -> dict[int, float | None]:
    """``{year: published count or None when suppressed}`` of a table's first column."""
    return {int(y): _number(v) for y, v in zip(table.iloc[:, 0], table[column], strict=True)}


def scan_authority_report(ctx, authority: str, min_cell: int, folder: Path, monkeypatch):
    """Run the count-drawing sections of one authority report into ``folder``.

    Return ``(leaks by figure, published tables by stem)``.
    """
    from samenleven_analysis.reports.authority_report import AuthorityReport

    figs = capture_figures(monkeypatch)
    report = AuthorityReport.build(
        ctx,
        authority,
        year=None,
        definition="non_eu14",
        threshold=7500,
        vintage=2025,
        min_cell=min_cell,
        output_dir=str(folder),
    )
    report.composition()
    report.pyramid()
    report.benchmark()
    report.eligibility()
    tables = {p.stem: read_published(p) for p in folder.glob("*.csv")}
    own = published_by_year(tables["eligibility"], "count")
    leaks = {
        "composition": composition_leaks(figs["composition"], tables["composition"]),
        "pyramid": bar_leaks(figs["pyramid"], tables["pyramid"]),
        "benchmark": line_leaks(figs["benchmark"], report.name, own),
        "eligibility": count_line_leaks(figs["eligibility"], report.name, own),
    }
    return leaks, tables, report
