"""Figures of estimates: event-study coefficients, RD scatter, synthetic-control paths."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis.estimators.common import EventStudy, SyntheticControl
from samenleven_analysis.i18n import _
from samenleven_analysis.reports.figures import add_caption
from samenleven_analysis.reports.text import label as _t


def plot_event_study(
    es: EventStudy, ax=None, *, title: str | None = None, label: str | None = None
):
    """Coefficients with 95% intervals by relative time; dashed line at treatment start."""
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(7, 4))
    c = es.coefs
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.3", ls="--", lw=0.8)
    err = np.vstack([c.estimate - c.ci_low, c.ci_high - c.estimate])
    ax.errorbar(
        c.rel_time,
        c.estimate,
        yerr=np.nan_to_num(err),
        fmt="o",
        color="#1f4e79",
        capsize=3,
        label=None if label is None else _t(label),
    )
    ax.set_xlabel(_t(_("years relative to first funded project year")))
    ax.set_ylabel(_t(_("effect estimate")))
    if title:
        ax.set_title(_t(title))
    _ticks(ax)
    return ax


def line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line ``(slope, intercept)`` from exactly rounded sums (:func:`math.fsum`).

    ``np.polyfit`` solves through LAPACK, whose last bits move with the BLAS kernel and thread
    count: the drawn line, and so the figure's pixels, differed between machines.
    """
    import math

    x_mean = math.fsum(x) / len(x)
    y_mean = math.fsum(y) / len(y)
    dx = [float(v) - x_mean for v in x]
    dy = [float(v) - y_mean for v in y]
    sxx = math.fsum(a * a for a in dx)
    slope = math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / sxx if sxx > 0 else 0.0
    return slope, y_mean - slope * x_mean


def plot_rdd(
    df: pd.DataFrame,
    outcome: str,
    running: str,
    cutoff: float,
    ax=None,
    *,
    bins: int = 10,
    window: float | None = None,
    title: str | None = None,
):
    """Scatter of units plus binned means and a linear fit on each side of the cutoff."""
    import matplotlib.pyplot as plt

    if ax is None:
        _fig, ax = plt.subplots(figsize=(7, 4))
    d = df[[running, outcome]].dropna()
    if window is not None:
        d = d[(d[running] - cutoff).abs() <= window]
    x, y = d[running].to_numpy(float), d[outcome].to_numpy(float)
    ax.scatter(x, y, s=12, color="0.6", alpha=0.7, label=_("authorities"))
    for side in (x < cutoff, x >= cutoff):
        if side.sum() >= 2:
            xs, ys = x[side], y[side]
            edges = np.linspace(xs.min(), xs.max(), min(bins, side.sum()) + 1)
            idx = np.clip(np.digitize(xs, edges) - 1, 0, len(edges) - 2)
            means = pd.Series(ys).groupby(idx).mean()
            mids = (edges[:-1] + edges[1:]) / 2
            ax.plot(mids[means.index], means.to_numpy(), "o", color="#1f4e79")
            slope, intercept = line_fit(xs, ys)
            grid = np.linspace(xs.min(), xs.max(), 50)
            ax.plot(grid, intercept + slope * grid, color="#c0504d")
    ax.axvline(cutoff, color="0.2", ls="--", lw=1)
    ax.set_xlabel(_t(running))
    ax.set_ylabel(_t(outcome))
    if title:
        ax.set_title(_t(title))
    _ticks(ax, x=False)
    return ax


def plot_synthetic_control(
    sc: SyntheticControl,
    axes=None,
    *,
    placebos: bool = True,
    title: str | None = None,
    treated_label: str | None = None,
):
    """Left: treated vs synthetic path. Right: gap, with the placebo gaps in grey."""
    import matplotlib.pyplot as plt

    if axes is None:
        _fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    g = sc.gaps
    t0 = sc.extra.get("treatment_time")
    a1, a2 = axes
    a1.plot(
        g.time,
        g.treated,
        color="#1f4e79",
        label=_t(treated_label or sc.extra.get("treated_unit", _("treated"))),
    )
    a1.plot(g.time, g.synthetic, color="#c0504d", ls="--", label=_("synthetic control"))
    a1.legend(frameon=False)
    if placebos and not sc.placebo_gaps.empty:
        a2.plot(sc.placebo_gaps.index, sc.placebo_gaps.to_numpy(), color="0.75", lw=0.8)
    a2.plot(g.time, g.gap, color="#1f4e79", lw=2)
    a2.axhline(0, color="0.4", lw=0.8)
    for a in axes:
        if t0 is not None:
            a.axvline(t0 - 0.5, color="0.3", ls=":", lw=1)
        a.set_xlabel(_t(_("year")))
    a1.set_ylabel(_t(_("outcome")))
    a2.set_ylabel(_t(_("gap (treated − synthetic)")))
    if title:
        a1.set_title(_t(title))
    _ticks(a1, a2, x=False)
    return axes


def _ticks(*axes, x: bool = True) -> None:
    """Tick labels in the report's language (``2,5`` / ``2.5``).

    ``x=False`` keeps the x axis (years, log scales) as matplotlib writes it.
    """
    from samenleven_analysis.reports.publish import tick_formatter

    for ax in axes:
        ax.yaxis.set_major_formatter(tick_formatter())
        if x:
            ax.xaxis.set_major_formatter(tick_formatter())


def _caption(fig, caption: str | None, y: float = -0.02) -> None:
    add_caption(fig, caption, y=y, va="baseline")


def plot_group_means(means: pd.DataFrame, start: int, label: str, *, caption: str | None = None):
    """Mean outcome by year per group; dashed line at the first (placebo) treatment year."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    means.rename(columns=_t).plot(ax=ax, marker="o", ms=3)
    ax.axvline(start - 0.5, color="0.3", ls="--", lw=1)
    ax.set_ylabel(_t(label))
    ax.set_title(_t(_("Mean {outcome} by group", outcome=label)))
    ax.legend(frameon=False, fontsize=8)
    _caption(fig, caption)
    _ticks(ax, x=False)
    return ax


def plot_event_studies(
    studies: Mapping[str, EventStudy],
    *,
    title: str | None = None,
    caption: str | None = None,
    intervals: bool = True,
):
    """Several event studies side by side (small horizontal offsets), 95% intervals.

    ``intervals=False``: the coefficients only (where the intervals do not hold their level).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.3", ls="--", lw=0.8)
    colours = ["#1f4e79", "#c0504d", "#4f8a3a"]
    for k, (name, es) in enumerate(studies.items()):
        c = es.coefs
        err = np.vstack([c.estimate - c.ci_low, c.ci_high - c.estimate])
        ax.errorbar(
            c.rel_time + 0.15 * (k - (len(studies) - 1) / 2),
            c.estimate,
            yerr=np.nan_to_num(err) if intervals else None,
            fmt="o",
            color=colours[k % 3],
            capsize=3,
            label=_t(name),
        )
    ax.set_xlabel(_t(_("years relative to first funded project year (end points binned)")))
    ax.set_ylabel(_t(_("effect estimate")))
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(_t(title))
    _caption(fig, caption)
    _ticks(ax)
    return ax


def plot_cs_event(
    event: pd.DataFrame, label: str, *, caption: str | None = None, intervals: bool = True
):
    """Callaway–Sant'Anna event-time aggregation with its (analytic) 95% intervals.

    ``intervals=False``: the estimates only (where the analytic intervals do not hold their level).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.3", ls="--", lw=0.8)
    ax.errorbar(
        event.rel_time,
        event.estimate,
        yerr=[event.estimate - event.ci_low, event.ci_high - event.estimate] if intervals else None,
        fmt="o",
        color="#1f4e79",
        capsize=3,
    )
    ax.set_xlabel(_t(_("years relative to first treated year")))
    ax.set_ylabel(_t(_("ATT, {outcome}", outcome=label)))
    ax.set_title(_t(_("Callaway–Sant'Anna, by event time")))
    _caption(fig, caption)
    _ticks(ax)
    return ax


def plot_honest(h, *, unit_label: str = "", caption: str | None = None):
    """HonestDiD sensitivity plot: robust interval of the average post effect against M."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    t = h.table
    ax.axhline(0, color="0.5", lw=0.8)
    ax.errorbar(
        [-0.08 * max(t.M.max(), 1e-9)],
        [h.estimate],
        yerr=[[h.estimate - h.original[0]], [h.original[1] - h.estimate]],
        fmt="s",
        color="0.3",
        capsize=3,
        label=_("conventional"),
    )
    mid = (t.ci_low + t.ci_high) / 2
    ax.errorbar(
        t.M,
        mid,
        yerr=[mid - t.ci_low, t.ci_high - mid],
        fmt="o",
        color="#1f4e79",
        capsize=3,
        label=_("robust (Δ^SD(M))"),
    )
    if np.isfinite(h.breakdown):
        ax.axvline(
            h.breakdown,
            color="#c0504d",
            ls=":",
            lw=1,
            label=_("breakdown M = {value}", value=i18n.number(h.breakdown, 3)),
        )
    ax.set_xlabel(_t(_("M: largest change in the differential trend's slope per year")))
    ax.set_ylabel(
        _t(
            _("average post-period effect ({unit})", unit=unit_label)
            if unit_label
            else _("average post-period effect")
        )
    )
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(_t(_("Sensitivity to violations of parallel trends (HonestDiD)")))
    _caption(fig, caption)
    _ticks(ax)
    return ax


def plot_power_curve(mde, *, unit_label: str = "", caption: str | None = None):
    """Simulated power against the planted effect, with the 80% line and the MDE."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    c = mde.curve
    ax.plot(c.effect, c.power, "o-", color="#1f4e79")
    ax.axhline(mde.power, color="0.5", ls="--", lw=0.8)
    ax.axhline(mde.alpha, color="0.7", ls=":", lw=0.8)
    if np.isfinite(mde.mde):
        ax.axvline(mde.mde, color="#c0504d", ls=":", lw=1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(
        _t(_("planted effect ({unit})", unit=unit_label) if unit_label else _("planted effect"))
    )
    ax.set_ylabel(_t(_("share of draws with p < {alpha}", alpha=i18n.number(0.05, 2))))
    ax.set_title(_t(_("Power by simulation in the pre-programme years")))
    _caption(fig, caption)
    _ticks(ax)
    return ax


def plot_rdd_overview(
    df: pd.DataFrame,
    cutoff: float,
    threshold: int,
    xlabel: str,
    ylabel: str,
    *,
    caption: str | None = None,
):
    """All applicants (log scale) and a ±5,000 zoom of the change in outcome at the cutoff."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    plot_rdd(df, "change", "count", cutoff, ax=axes[0], title=_("All applicants"))
    axes[0].set_xscale("log")
    plot_rdd(
        df,
        "change",
        "count",
        cutoff,
        ax=axes[1],
        window=5000,
        title=_(
            "Within ±{window} of {threshold}",
            window=i18n.number(5000),
            threshold=i18n.number(threshold),
        ),
    )
    for a in axes:
        a.set_xlabel(_t(xlabel))
        a.set_ylabel(_t(ylabel))
    _caption(fig, caption, y=-0.03)
    _ticks(axes[1])  # the zoom (linear axis): 10.000 / 10,000
    return axes


def plot_running_histogram(
    counts: pd.Series, cutoff: float, threshold: int, xlabel: str, *, caption: str | None = None
):
    """Histogram of the running variable on a log scale (what the density test sees)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3))
    x = counts[counts > 0]
    ax.hist(np.log10(x), bins=40, color="#1f4e79")
    ax.axvline(np.log10(cutoff), color="0.2", ls="--")
    ax.set_xlabel(_t(_("log10 {label}", label=xlabel)))
    ax.set_ylabel(_t(_("applicants")))
    _caption(fig, caption, y=-0.05)
    _ticks(ax)
    return ax
