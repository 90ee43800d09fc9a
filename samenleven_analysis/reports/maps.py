"""Choropleths in one house style.

With classes that stay put across years, and deterministic PNG/SVG files.

- :func:`make_classes` classifies values with mapclassify (``quantiles``,
  ``fisher_jenks``, ``user_defined`` …). Give it several series (one per year) and it
  pools them, so before/after panels share one set of bins; a :class:`Classes` then
  assigns every value to a class and a colour (:meth:`Classes.classify`,
  :meth:`Classes.colours`), and :func:`unit_colours` says which colour each municipality
  gets — tests check those colours, not pixels (as geopandas' own plotting tests do).
- :func:`choropleth` draws one map, :func:`small_multiples` several with one legend.
  Missing values are drawn hatched light grey and named in the legend; highlighted
  authorities are outlined and labelled; the caption (source, year, vintage, origin
  definition — e.g. ``reporting.DataContext.caption()``) sits under the map, and any
  figure built from demo data carries a **DEMO** stamp.
- :func:`save` writes ``<stem>.png`` and ``<stem>.svg`` with fixed metadata and a fixed
  SVG hash salt, so the same figure gives the same bytes on every run; :func:`show`
  displays the same PNG bytes in a notebook.

Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot state), so
nothing here depends on, or changes, the interactive backend; PNG files are rendered
by Agg and SVG files by matplotlib's SVG backend.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from samenleven_analysis import i18n
from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.reports.figures import add_caption
from samenleven_analysis.reports.text import label as text_label

CMAP = "YlGnBu"
"""Sequential colour map of every choropleth."""


EDGE_COLOUR = "#ffffff"


EDGE_WIDTH = 0.3


MISSING_COLOUR = "#e3e3e3"
"""Face colour of units without data (drawn with :data:`MISSING_HATCH`)."""


MISSING_EDGE = "#9a9a9a"


MISSING_HATCH = "////"


MISSING_LABEL = "No data"


HIGHLIGHT_COLOUR = "#d7301f"


HIGHLIGHT_WIDTH = 1.3


DEMO_COLOUR = "#c0392b"


FONT_SIZE = 8


LEGEND_WRAP = 26
"""Legend labels longer than this many characters are wrapped."""


_SCHEMES: dict[str, str] = {
    "quantiles": "Quantiles",
    "fisher_jenks": "FisherJenks",
    "fisherjenks": "FisherJenks",
    "natural_breaks": "NaturalBreaks",
    "naturalbreaks": "NaturalBreaks",
    "equal_interval": "EqualInterval",
    "equalinterval": "EqualInterval",
    "user_defined": "UserDefined",
    "userdefined": "UserDefined",
}
"""Accepted ``scheme`` names (snake case or mapclassify's class names) → mapclassify class."""


def _scheme_class(scheme: str) -> str:
    key = str(scheme).strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _SCHEMES:
        raise ValueError(
            f"unknown classification scheme {scheme!r}; use one of "
            "quantiles, fisher_jenks, natural_breaks, equal_interval, user_defined"
        )
    return _SCHEMES[key]


def _default_fmt(values: np.ndarray) -> Callable[[float], str]:
    if values.size and np.nanmin(values) >= 0 and np.nanmax(values) <= 1:
        return lambda v: i18n.percent(v)
    if values.size and np.allclose(values, np.round(values)):
        return lambda v: i18n.number(v)
    return lambda v: i18n.number(v, 2)


def _as_formatter(
    fmt: str | Callable[[float], str] | None, values: np.ndarray
) -> Callable[[float], str]:
    if fmt is None:
        return _default_fmt(values)
    if callable(fmt):
        return fmt
    return lambda v: fmt.format(v)


@dataclass(frozen=True)
class Classes:
    """A classification: upper bounds ``bins``, one colour and one legend label per class.

    ``bins`` are inclusive, mapclassify's convention: class ``i`` holds ``bins[i-1] < v <=
    bins[i]``.

    Built by :func:`make_classes`; apply it to any values with :meth:`classify` /
    :meth:`colours`. Values below the first bound fall in class 0, values above the last
    in the last class (mapclassify's ``find_bin``); missing values get class ``-1`` and
    :data:`MISSING_COLOUR`.
    """

    bins: tuple[float, ...]
    lower: float
    colours_: tuple[str, ...]
    labels: tuple[str, ...]
    scheme: str
    classifier: Any = field(repr=False, compare=False, default=None)

    @property
    def k(self) -> int:
        return len(self.bins)

    def classify(self, values: Iterable) -> np.ndarray:
        """Class index of each value (``-1`` for missing values)."""
        v = pd.to_numeric(
            pd.Series(list(values) if not isinstance(values, pd.Series) else values),
            errors="coerce",
        ).to_numpy(dtype=float)
        out = np.full(v.shape, -1, dtype=int)
        ok = ~np.isnan(v)
        if ok.any():
            out[ok] = self.classifier.find_bin(v[ok])
        return out

    def colours(self, values: Iterable) -> np.ndarray:
        """Hex colour of each value (:data:`MISSING_COLOUR` for missing values)."""
        idx = self.classify(values)
        palette = np.array([*self.colours_, MISSING_COLOUR], dtype=object)
        return palette[idx]  # -1 picks the last entry: the missing colour

    def counts(self, values: Iterable) -> list[int]:
        """Number of values per class (empty classes count 0)."""
        idx = self.classify(values)
        return [int((idx == i).sum()) for i in range(self.k)]


def class_colours(k: int, cmap: str = CMAP) -> tuple[str, ...]:
    """``k`` hex colours from a sequential colour map, light to dark.

    The palest and darkest 10–15 % of the map are left out so that the lowest class stays
    distinguishable from the white borders and the "no data" grey.
    """
    colormap = matplotlib.colormaps[cmap]
    positions = [0.55] if k == 1 else np.linspace(0.12, 0.92, k)
    return tuple(to_hex(colormap(float(p))) for p in positions)


def _mapclassify():
    """mapclassify, imported here (not at the top: scikit-learn and numba take seconds).

    mapclassify compiles its one numba function (Fisher–Jenks, typed signature) eagerly at every
    import: 1.3 s per process, paid by every kernel that draws a map. It is imported with numba's
    JIT off, so the function stays plain Python: 0.13 s for one Fisher–Jenks of 300 values, the
    same bins (float32 arithmetic either way), and nothing for the other schemes.
    """
    import sys

    if "mapclassify" in sys.modules:
        return sys.modules["mapclassify"]
    try:
        from numba.core import config as numba_config
    except ImportError:  # without numba mapclassify is plain Python anyway
        import mapclassify

        return mapclassify
    saved = numba_config.DISABLE_JIT
    numba_config.DISABLE_JIT = True
    try:
        import mapclassify
    finally:
        numba_config.DISABLE_JIT = saved
    return mapclassify


def make_classes(
    values: Iterable | Sequence[Iterable],
    scheme: str = "quantiles",
    k: int = 5,
    *,
    bins: Sequence[float] | None = None,
    cmap: str = CMAP,
    fmt: str | Callable[[float], str] | None = None,
) -> Classes:
    """Classify ``values`` with a mapclassify scheme; pass several series to pool them.

    ``values``: one series/array, or a list of them (e.g. one per year). Pooling is what
    keeps before/after maps comparable: the bins are computed **once** from all values,
    and every panel is then coloured with those bins, so a class may be empty in one
    panel and still appears in the legend. ``scheme``: ``quantiles``, ``fisher_jenks``,
    ``natural_breaks``, ``equal_interval``, or ``user_defined`` (with ``bins``, upper
    bounds; a bound for the maximum is added when the data exceed the last one, as
    mapclassify does). Passing ``bins`` implies ``user_defined``. ``fmt`` formats legend
    numbers (a format string such as ``"{:.1%}"`` or a callable); the default shows
    shares in [0, 1] as percentages and whole numbers with thousands separators.
    """
    pooled = _pool(values)
    if pooled.size == 0:
        raise ValueError("no non-missing values to classify")
    name = "UserDefined" if bins is not None else _scheme_class(scheme)
    mapclassify = _mapclassify()

    with warnings.catch_warnings():
        # mapclassify warns (and lowers k) when ties leave too few distinct values;
        # the Classes then simply have fewer classes, which the legend shows.
        warnings.simplefilter("ignore", UserWarning)
        if name == "UserDefined":
            if bins is None:
                raise ValueError("scheme 'user_defined' needs bins (upper bounds of the classes)")
            ub = sorted(float(b) for b in bins)
            classifier = mapclassify.UserDefined(pooled, ub)
        else:
            k_eff = max(1, min(int(k), np.unique(pooled).size))
            classifier = getattr(mapclassify, name)(pooled, k=k_eff)
    edges = tuple(float(b) for b in classifier.bins)
    lower = float(np.min(pooled))
    f = _as_formatter(fmt, pooled)
    labels = []
    prev = min(lower, edges[0])
    for b in edges:
        labels.append(f"{f(prev)} – {f(b)}")
        prev = b
    return Classes(
        bins=edges,
        lower=lower,
        colours_=class_colours(len(edges), cmap),
        labels=tuple(labels),
        scheme=name,
        classifier=classifier,
    )


def _pool(values) -> np.ndarray:
    if isinstance(values, (pd.Series, np.ndarray)) or (
        isinstance(values, (list, tuple)) and values and np.isscalar(values[0])
    ):
        parts = [values]
    elif isinstance(values, Mapping):
        parts = list(values.values())
    else:
        parts = list(values)
    arrays = [
        pd.to_numeric(pd.Series(np.asarray(p, dtype=object)), errors="coerce").to_numpy(dtype=float)
        for p in parts
    ]
    pooled = np.concatenate(arrays) if arrays else np.array([], dtype=float)
    return pooled[~np.isnan(pooled)]


def unit_colours(
    gdf: pd.DataFrame, column: str, classes: Classes, *, key: str = "refnis"
) -> pd.Series:
    """The colour each unit gets on the map: hex strings indexed by ``gdf[key]``."""
    colours = classes.colours(gdf[column])
    return pd.Series(colours, index=pd.Index(gdf[key].astype(str), name=key), name="colour")


def _highlight_codes(highlight) -> list[str]:
    if highlight is None:
        return []
    if isinstance(highlight, str):
        highlight = [highlight]
    codes = normalise_refnis(list(highlight)).dropna()
    return sorted(set(codes.astype(str)))


def draw_panel(
    ax,
    gdf: gpd.GeoDataFrame,
    column: str,
    classes: Classes,
    *,
    highlight: Iterable[str] | None = None,
    label_col: str = "name_nl",
    key: str = "refnis",
    title: str | None = None,
) -> pd.Series:
    """Draw one choropleth panel into ``ax``; returns :func:`unit_colours` of the panel.

    Units with data are filled with their class colour; units without data are hatched
    light grey; units whose code is in ``highlight`` are outlined and labelled (with
    ``label_col``, falling back to the code).
    """
    colours = unit_colours(gdf, column, classes, key=key)
    values = pd.to_numeric(gdf[column], errors="coerce")
    missing = values.isna().to_numpy()
    if (~missing).any():
        gdf[~missing].plot(
            ax=ax,
            color=list(colours.to_numpy()[~missing]),
            edgecolor=EDGE_COLOUR,
            linewidth=EDGE_WIDTH,
        )
    if missing.any():
        gdf[missing].plot(
            ax=ax,
            facecolor=MISSING_COLOUR,
            edgecolor=MISSING_EDGE,
            hatch=MISSING_HATCH,
            linewidth=EDGE_WIDTH,
        )
    codes = set(_highlight_codes(highlight))
    if codes:
        chosen = gdf[gdf[key].astype(str).isin(codes)]
        if len(chosen):
            chosen.boundary.plot(ax=ax, color=HIGHLIGHT_COLOUR, linewidth=HIGHLIGHT_WIDTH)
            points = chosen.geometry.representative_point()
            for (_, row), point in zip(chosen.iterrows(), points, strict=False):
                label = row.get(label_col) if label_col in chosen.columns else None
                if (
                    label is None
                    or (isinstance(label, float) and math.isnan(label))
                    or label is pd.NA
                ):
                    label = row[key]
                ax.annotate(
                    text_label(label),
                    (point.x, point.y),
                    ha="center",
                    va="center",
                    fontsize=FONT_SIZE - 2.5,
                    color="#222222",
                    path_effects=[patheffects.withStroke(linewidth=1.8, foreground="white")],
                )
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(text_label(title), fontsize=FONT_SIZE + 1, loc="left")
    return colours


def legend_handles(
    classes: Classes,
    *,
    missing: bool = True,
    highlight_label: str | None = None,
    missing_label: str = MISSING_LABEL,
) -> list:
    """Legend entries: every class (even when empty), "no data", highlighted units."""
    # Long labels are wrapped so that the legend fits its column beside the maps.
    missing_label = text_label(textwrap.fill(missing_label, LEGEND_WRAP))
    highlight_label = (
        text_label(textwrap.fill(highlight_label, LEGEND_WRAP)) if highlight_label else None
    )
    handles: list = [
        Patch(facecolor=c, edgecolor="#bbbbbb", linewidth=0.4, label=lab)
        for c, lab in zip(classes.colours_, classes.labels, strict=False)
    ]
    if missing:
        handles.append(
            Patch(
                facecolor=MISSING_COLOUR,
                edgecolor=MISSING_EDGE,
                hatch=MISSING_HATCH,
                linewidth=0.4,
                label=missing_label,
            )
        )
    if highlight_label:
        handles.append(
            Line2D(
                [0], [0], color=HIGHLIGHT_COLOUR, linewidth=HIGHLIGHT_WIDTH, label=highlight_label
            )
        )
    return handles


def _aspect(frames: Sequence[gpd.GeoDataFrame]) -> float:
    bounds = np.array([f.total_bounds for f in frames if len(f)])
    if bounds.size == 0:
        return 1.0
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    return float(max(x1 - x0, 1.0) / max(y1 - y0, 1.0))


def _caption_and_stamp(fig: Figure, caption: str | None, demo: bool) -> None:
    width_in, bottom = fig.get_figwidth(), 0.08 / fig.get_figheight()
    if caption:
        # ~13 characters per inch at this size: the caption keeps to the left two thirds,
        # leaving the bottom-right corner to the DEMO label.
        wrapped = textwrap.fill(caption, width=max(40, int(width_in * 13)))
        add_caption(
            fig, wrapped, x=0.015, y=bottom, va="bottom", fontsize=FONT_SIZE - 1.5, color="#333333"
        )
    if demo:
        fig.text(
            0.5,
            0.55,
            i18n.pgettext("stamp", "DEMO"),
            ha="center",
            va="center",
            fontsize=72,
            color=DEMO_COLOUR,
            alpha=0.18,
            rotation=25,
            fontweight="bold",
        )
        fig.text(
            0.985,
            bottom,
            i18n._("DEMO — fictional Demoland data"),
            ha="right",
            va="bottom",
            fontsize=FONT_SIZE,
            color=DEMO_COLOUR,
            fontweight="bold",
        )


def _demo_caption(caption: str | None, demo: bool | None) -> tuple[str | None, bool]:
    is_demo = bool(demo) or bool(caption and "DEMO" in caption)
    if is_demo and caption and "DEMO" not in caption:
        caption = i18n._("DEMO — {caption}", caption=caption)
    if is_demo and not caption:
        caption = i18n._("DEMO — fictional Demoland data")
    return caption, is_demo


def small_multiples(
    panels: Mapping[Any, gpd.GeoDataFrame],
    column: str,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    classes: Classes | None = None,
    cmap: str = CMAP,
    fmt: str | Callable[[float], str] | None = None,
    highlight: Iterable[str] | None = None,
    highlight_label: str = "Highlighted",
    label_col: str = "name_nl",
    key: str = "refnis",
    legend_title: str | None = None,
    title: str | None = None,
    caption: str | None = None,
    demo: bool | None = None,
    missing_label: str = MISSING_LABEL,
    ncols: int | None = None,
    panel_width: float = 6.0,
) -> Figure:
    """Maps of ``column`` side by side, coloured with **one** classification.

    E.g. ``{"2009": gdf_2009, "2015": gdf_2015}``; the classification is computed from the pooled
    values of all panels.

    The shared legend lists every class, also those empty in some panel, plus "no data"
    when any unit lacks a value and the highlight outline when ``highlight`` is given.
    ``classes`` overrides the classification (``scheme``/``k``/``bins``/``fmt`` are then
    ignored). ``caption`` goes under the maps; ``demo=True`` — or a caption containing
    "DEMO" — adds the DEMO stamp. Panel keys become panel titles. Returns the Figure;
    :attr:`Figure.samenleven_colours` holds each panel's :func:`unit_colours` and
    :attr:`Figure.samenleven_classes` the classification.
    """
    frames = list(panels.values())
    if not frames:
        raise ValueError("no panels to draw")
    if classes is None:
        classes = make_classes(
            [f[column] for f in frames], scheme, k, bins=bins, cmap=cmap, fmt=fmt
        )
    caption, is_demo = _demo_caption(caption, demo)
    n = len(frames)
    aspect = _aspect(frames)
    if ncols is None:
        ncols = 1 if aspect > 1.6 and n > 1 else min(n, 3)
    nrows = math.ceil(n / ncols)
    panel_h = min(max(panel_width / aspect, 2.2), 6.5)
    legend_w, caption_h, title_h = 2.3, 0.75 if caption else 0.25, 0.45 if title else 0.15
    panel_title_h = 0.3
    fig_w = ncols * panel_width + legend_w
    fig_h = nrows * (panel_h + panel_title_h) + caption_h + title_h
    fig = Figure(figsize=(fig_w, fig_h), dpi=100)
    any_missing = any(pd.to_numeric(f[column], errors="coerce").isna().any() for f in frames)
    colours = {}
    for i, (name, frame) in enumerate(panels.items()):
        r, c = divmod(i, ncols)
        left = (c * panel_width + 0.1) / fig_w
        bottom = (caption_h + (nrows - 1 - r) * (panel_h + panel_title_h)) / fig_h
        ax = fig.add_axes((left, bottom, (panel_width - 0.2) / fig_w, panel_h / fig_h))
        colours[name] = draw_panel(
            ax,
            frame,
            column,
            classes,
            highlight=highlight,
            label_col=label_col,
            key=key,
            title=str(name) if n > 1 or name is not None else None,
        )
    has_highlight = bool(_highlight_codes(highlight))
    fig.legend(
        handles=legend_handles(
            classes,
            missing=any_missing,
            highlight_label=highlight_label if has_highlight else None,
            missing_label=missing_label,
        ),
        loc="center left",
        bbox_to_anchor=(
            (ncols * panel_width + 0.05) / fig_w,
            (caption_h + (fig_h - caption_h - title_h) / 2) / fig_h,
        ),
        frameon=False,
        fontsize=FONT_SIZE,
        title=legend_title,
        title_fontsize=FONT_SIZE,
        alignment="left",
    )
    if title:
        fig.text(
            0.015,
            1 - 0.08 / fig_h,
            text_label(title),
            ha="left",
            va="top",
            fontsize=FONT_SIZE + 3,
            fontweight="bold",
        )
    _caption_and_stamp(fig, caption, is_demo)
    cast(Any, fig).samenleven_colours = colours
    cast(Any, fig).samenleven_classes = classes
    return fig


def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    classes: Classes | None = None,
    cmap: str = CMAP,
    fmt: str | Callable[[float], str] | None = None,
    highlight: Iterable[str] | None = None,
    highlight_label: str = "Highlighted",
    label_col: str = "name_nl",
    key: str = "refnis",
    legend_title: str | None = None,
    title: str | None = None,
    caption: str | None = None,
    demo: bool | None = None,
    missing_label: str = MISSING_LABEL,
    ax=None,
    panel_width: float = 7.0,
) -> Figure:
    """One choropleth of ``column`` (counts or shares) in the house style.

    Classes come from ``scheme``/``k`` (mapclassify) or ``bins`` (user-defined upper
    bounds) or a ready :class:`Classes` (e.g. shared with another map). Units without a
    value are hatched grey and listed as ``missing_label`` in the legend; ``highlight``
    (codes) are outlined and labelled. ``caption`` (e.g. ``ctx.caption(year=…,
    definition=…)``) is printed under the map; ``demo=True`` or a caption containing
    "DEMO" adds the DEMO stamp. With ``ax`` the panel is drawn into an existing axes
    (legend in that axes, no caption). Returns the Figure, with
    ``fig.samenleven_colours`` (:func:`unit_colours`) and ``fig.samenleven_classes``.
    """
    if ax is not None:
        if classes is None:
            classes = make_classes(gdf[column], scheme, k, bins=bins, cmap=cmap, fmt=fmt)
        colours = draw_panel(
            ax, gdf, column, classes, highlight=highlight, label_col=label_col, key=key, title=title
        )
        any_missing = bool(pd.to_numeric(gdf[column], errors="coerce").isna().any())
        ax.legend(
            handles=legend_handles(
                classes,
                missing=any_missing,
                highlight_label=highlight_label if _highlight_codes(highlight) else None,
                missing_label=missing_label,
            ),
            loc="best",
            frameon=False,
            fontsize=FONT_SIZE,
            title=legend_title,
        )
        fig = ax.figure
        fig.samenleven_colours = colours
        fig.samenleven_classes = classes
        return fig
    fig = small_multiples(
        {None: gdf},
        column,
        scheme=scheme,
        k=k,
        bins=bins,
        classes=classes,
        cmap=cmap,
        fmt=fmt,
        highlight=highlight,
        highlight_label=highlight_label,
        label_col=label_col,
        key=key,
        legend_title=legend_title,
        title=title,
        caption=caption,
        demo=demo,
        missing_label=missing_label,
        ncols=1,
        panel_width=panel_width,
    )
    cast(Any, fig).samenleven_colours = cast(Any, fig).samenleven_colours[None]
    return fig
