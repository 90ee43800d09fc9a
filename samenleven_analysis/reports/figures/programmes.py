"""Figure of the programme comparison: fragmented versus consolidated funding."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.analysis.programmes import (
    COMPARE_LABELS,
    COMPARE_UNITS,
    PLOT_METRICS,
    REGIMES,
)
from samenleven_analysis.reports.figures import add_caption


def plot_comparison(
    metric_table: pd.DataFrame,
    columns: Sequence[str] = PLOT_METRICS,
    *,
    caption: str | None = None,
    min_cell: int | None = None,
):
    """Small multiples of bar pairs (fragmented vs consolidated) for ``columns``.

    Returns the matplotlib Figure. Metrics that are all NaN (e.g. ``share_eligible`` without
    an eligibility result) are skipped. Bar labels of person counts (:data:`COMPARE_UNITS`
    ``persons``) pass through :func:`samenleven_analysis.analysis.disclosure.format_count`.
    """
    min_cell = disclosure.MIN_CELL_DEFAULT if min_cell is None else int(min_cell)
    per = metric_table.set_index("regime").reindex(list(REGIMES))
    cols = [c for c in columns if per[c].notna().any()]
    ncols = 3
    nrows = max(1, -(-len(cols) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, 3.0 * nrows), squeeze=False)
    colours = ("#9e9e9e", "#1f5fa8")
    for ax, col in zip(axes.flat, cols, strict=False):
        unit = COMPARE_UNITS.get(col, "count")
        values = per[col].astype(float)
        bars = ax.bar(list(REGIMES), values.to_numpy(), color=colours)
        ax.set_title(COMPARE_LABELS.get(col, col), fontsize=10)
        if unit == "persons":
            labels = [disclosure.format_count(v, min_cell) if pd.notna(v) else "" for v in values]
            labels = [f"{int(t):,}" if t.isdigit() else t for t in labels]
        else:
            labels = [_short(v, unit) for v in values]
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        ax.margins(y=0.2)
        if unit == "share":
            ax.set_ylim(0, 1.15)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos, unit=unit: _short(v, unit)))
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(cols) :]:
        ax.set_visible(False)
    add_caption(fig, caption, y=0.005, va="bottom")
    fig.tight_layout(rect=(0, 0.03 if caption else 0, 1, 1))
    return fig


def _short(value: float, unit: str = "count") -> str:
    """Compact label: shares as %, indices with 2 decimals, money and counts as 37 k / 2.0 M."""
    if pd.isna(value):
        return ""
    if unit == "share":
        return f"{value:.0%}"
    if unit == "index":
        return f"{value:.2f}"
    if value == 0:
        return "0"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f} M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:.0f} k"
    return f"{value:,.0f}"
