"""Choropleths in one house style, with classes that stay put across years, and
deterministic PNG/SVG files.

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

import io
import re
import math
import textwrap
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import mapclassify
import matplotlib
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from samenleven_analysis import __version__
from samenleven_analysis.data.boundaries import normalise_codes

# --------------------------------------------------------------------------- house style

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
SVG_HASH_SALT = "samenleven-analysis"
"""Fixed ``svg.hashsalt``: SVG element ids depend on it, so a fixed salt fixes the bytes."""
PNG_DPI = 150
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


# --------------------------------------------------------------------------- classes


def _default_fmt(values: np.ndarray) -> Callable[[float], str]:
    if values.size and np.nanmin(values) >= 0 and np.nanmax(values) <= 1:
        return lambda v: f"{v:.1%}"
    if values.size and np.allclose(values, np.round(values)):
        return lambda v: f"{v:,.0f}"
    return lambda v: f"{v:,.2f}"


def _as_formatter(fmt: str | Callable[[float], str] | None, values: np.ndarray) -> Callable[[float], str]:
    if fmt is None:
        return _default_fmt(values)
    if callable(fmt):
        return fmt
    return lambda v: fmt.format(v)


@dataclass(frozen=True)
class Classes:
    """A classification: upper bounds ``bins`` (inclusive, mapclassify's convention: class
    ``i`` holds ``bins[i-1] < v <= bins[i]``), one colour and one legend label per class.

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
        v = pd.to_numeric(pd.Series(list(values) if not isinstance(values, pd.Series) else values),
                          errors="coerce").to_numpy(dtype=float)
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
    arrays = [pd.to_numeric(pd.Series(np.asarray(p, dtype=object)), errors="coerce").to_numpy(dtype=float)
              for p in parts]
    pooled = np.concatenate(arrays) if arrays else np.array([], dtype=float)
    return pooled[~np.isnan(pooled)]


def unit_colours(
    gdf: pd.DataFrame, column: str, classes: Classes, *, key: str = "refnis"
) -> pd.Series:
    """The colour each unit gets on the map: hex strings indexed by ``gdf[key]``."""
    colours = classes.colours(gdf[column])
    return pd.Series(colours, index=pd.Index(gdf[key].astype(str), name=key), name="colour")


# --------------------------------------------------------------------------- drawing


def _highlight_codes(highlight) -> list[str]:
    if highlight is None:
        return []
    if isinstance(highlight, str):
        highlight = [highlight]
    codes = normalise_codes(list(highlight)).dropna()
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
            ax=ax, color=list(colours.to_numpy()[~missing]), edgecolor=EDGE_COLOUR, linewidth=EDGE_WIDTH
        )
    if missing.any():
        gdf[missing].plot(
            ax=ax, facecolor=MISSING_COLOUR, edgecolor=MISSING_EDGE, hatch=MISSING_HATCH,
            linewidth=EDGE_WIDTH,
        )
    codes = set(_highlight_codes(highlight))
    if codes:
        chosen = gdf[gdf[key].astype(str).isin(codes)]
        if len(chosen):
            chosen.boundary.plot(ax=ax, color=HIGHLIGHT_COLOUR, linewidth=HIGHLIGHT_WIDTH)
            points = chosen.geometry.representative_point()
            for (_, row), point in zip(chosen.iterrows(), points):
                label = row.get(label_col) if label_col in chosen.columns else None
                if label is None or (isinstance(label, float) and math.isnan(label)) or label is pd.NA:
                    label = row[key]
                ax.annotate(
                    str(label), (point.x, point.y), ha="center", va="center", fontsize=FONT_SIZE - 2.5,
                    color="#222222",
                    path_effects=[patheffects.withStroke(linewidth=1.8, foreground="white")],
                )
    ax.set_axis_off()
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=FONT_SIZE + 1, loc="left")
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
    missing_label = textwrap.fill(missing_label, LEGEND_WRAP)
    highlight_label = textwrap.fill(highlight_label, LEGEND_WRAP) if highlight_label else None
    handles: list = [
        Patch(facecolor=c, edgecolor="#bbbbbb", linewidth=0.4, label=lab)
        for c, lab in zip(classes.colours_, classes.labels)
    ]
    if missing:
        handles.append(
            Patch(facecolor=MISSING_COLOUR, edgecolor=MISSING_EDGE, hatch=MISSING_HATCH, linewidth=0.4,
                  label=missing_label)
        )
    if highlight_label:
        handles.append(Line2D([0], [0], color=HIGHLIGHT_COLOUR, linewidth=HIGHLIGHT_WIDTH, label=highlight_label))
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
        fig.text(0.015, bottom, wrapped, ha="left", va="bottom", fontsize=FONT_SIZE - 1.5,
                 color="#333333")
    if demo:
        fig.text(0.5, 0.55, "DEMO", ha="center", va="center", fontsize=72, color=DEMO_COLOUR,
                 alpha=0.18, rotation=25, fontweight="bold")
        fig.text(0.985, bottom, "DEMO — fictional Demoland data", ha="right", va="bottom",
                 fontsize=FONT_SIZE, color=DEMO_COLOUR, fontweight="bold")


def _demo_caption(caption: str | None, demo: bool | None) -> tuple[str | None, bool]:
    is_demo = bool(demo) or bool(caption and "DEMO" in caption)
    if is_demo and caption and "DEMO" not in caption:
        caption = f"DEMO — {caption}"
    if is_demo and not caption:
        caption = "DEMO — fictional Demoland data"
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
    """Maps of ``column`` side by side (e.g. ``{"2009": gdf_2009, "2015": gdf_2015}``),
    coloured with **one** classification computed from the pooled values of all panels.

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
        classes = make_classes([f[column] for f in frames], scheme, k, bins=bins, cmap=cmap, fmt=fmt)
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
            ax, frame, column, classes, highlight=highlight, label_col=label_col, key=key,
            title=str(name) if n > 1 or name is not None else None,
        )
    has_highlight = bool(_highlight_codes(highlight))
    fig.legend(
        handles=legend_handles(classes, missing=any_missing,
                               highlight_label=highlight_label if has_highlight else None,
                               missing_label=missing_label),
        loc="center left",
        bbox_to_anchor=((ncols * panel_width + 0.05) / fig_w, (caption_h + (fig_h - caption_h - title_h) / 2) / fig_h),
        frameon=False, fontsize=FONT_SIZE, title=legend_title, title_fontsize=FONT_SIZE,
        alignment="left",
    )
    if title:
        fig.text(0.015, 1 - 0.08 / fig_h, title, ha="left", va="top", fontsize=FONT_SIZE + 3,
                 fontweight="bold")
    _caption_and_stamp(fig, caption, is_demo)
    fig.samenleven_colours = colours
    fig.samenleven_classes = classes
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
        colours = draw_panel(ax, gdf, column, classes, highlight=highlight, label_col=label_col, key=key,
                             title=title)
        any_missing = bool(pd.to_numeric(gdf[column], errors="coerce").isna().any())
        ax.legend(handles=legend_handles(classes, missing=any_missing,
                                         highlight_label=highlight_label if _highlight_codes(highlight) else None,
                                         missing_label=missing_label),
                  loc="best", frameon=False, fontsize=FONT_SIZE, title=legend_title)
        fig = ax.figure
        fig.samenleven_colours = colours
        fig.samenleven_classes = classes
        return fig
    fig = small_multiples(
        {None: gdf}, column, scheme=scheme, k=k, bins=bins, classes=classes, cmap=cmap, fmt=fmt,
        highlight=highlight, highlight_label=highlight_label, label_col=label_col, key=key,
        legend_title=legend_title, title=title, caption=caption, demo=demo,
        missing_label=missing_label, ncols=1, panel_width=panel_width,
    )
    fig.samenleven_colours = fig.samenleven_colours[None]
    return fig


# --------------------------------------------------------------------------- output

_SVG_METADATA = {"Date": None, "Creator": f"samenleven-analysis {__version__}"}
# PNG: matplotlib writes "Software: matplotlib version…" by default; None drops it, so the
# bytes do not change with the matplotlib version either.
_PNG_METADATA = {"Software": None}


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = PNG_DPI) -> bytes:
    """The figure rendered as PNG (Agg) or SVG bytes, deterministically."""
    fmt = fmt.lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg', not {fmt!r}")
    buf = io.BytesIO()
    rc = {"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "path", "path.simplify": True}
    with matplotlib.rc_context(rc):
        if fmt == "png":
            fig.savefig(buf, format="png", dpi=dpi, metadata=_PNG_METADATA, facecolor="white")
        else:
            fig.savefig(buf, format="svg", metadata=_SVG_METADATA, facecolor="white")
    return buf.getvalue()


def save(fig: Figure, path_stem: str | Path, *, dpi: int = PNG_DPI) -> tuple[Path, Path]:
    """Write ``<path_stem>.png`` and ``<path_stem>.svg``; reruns give identical bytes.

    Fixed: the SVG hash salt (element ids), SVG metadata (no date), PNG metadata (no
    software version), resolution and background. Parent folders are created.
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    png = stem.with_name(stem.name + ".png")
    svg = stem.with_name(stem.name + ".svg")
    png.write_bytes(figure_bytes(fig, "png", dpi=dpi))
    svg.write_bytes(figure_bytes(fig, "svg"))
    return png, svg


def show(fig: Figure, *, dpi: int = 100) -> None:
    """Display the figure in a notebook as deterministic PNG bytes (:func:`figure_bytes`;
    100 dpi by default, to keep stored notebooks small; :func:`save` writes 150 dpi)."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is not None:
        display(Image(data=figure_bytes(fig, "png", dpi=dpi), format="png"))


# --------------------------------------------------------------------------- notebook helpers
# What notebooks/migration_roots_map.ipynb calls: choosing the measure and the years the data
# allow (with a printed note when a parameter cannot be honoured), joining to polygons,
# highlighting eligible authorities, and the disclosure-safe top-N tables.

PROXY = "nationality_proxy"
DEFINITION_LABELS = {
    "non_eu14": "non-EU14 origin",
    "non_eu27": "non-EU27 origin",
    "non_europe": "non-European origin",
    PROXY: "non-Belgian nationality",
}
"""Reader-facing wording of each origin definition (DESIGN.md)."""

REGION_LABELS = {
    "flanders": "Flanders",
    "brussels": "Brussels-Capital Region",
    "flanders_brussels": "Flanders and Brussels",
    "wallonia": "Wallonia",
    "belgium": "Belgium",
}
DEMO_REGION_LABELS = {
    "flanders": "Demoland-Noord (stands in for Flanders)",
    "brussels": "Demoland-Hoofdstad (stands in for Brussels)",
    "flanders_brussels": "Demoland-Noord and -Hoofdstad",
    "belgium": "all of Demoland",
}


@dataclass
class MapInputs:
    """The counts a migration-roots map shows, and what was decided on the way.

    ``counts``: ``year, refnis, count, total, share`` for the years mapped, restricted to
    the region; ``definition`` is the one actually used (``requested_definition`` may
    differ when the data lack an origin table); ``notes`` say every such substitution.
    """

    definition: str
    requested_definition: str
    year: int
    compare_year: int | None
    region: str
    counts: pd.DataFrame
    source_table: str
    available_years: tuple[int, ...]
    demo: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> tuple[int, ...]:
        """Years mapped, earliest first."""
        return (self.compare_year, self.year) if self.compare_year is not None else (self.year,)

    @property
    def definition_label(self) -> str:
        return DEFINITION_LABELS.get(self.definition, self.definition)

    @property
    def region_label(self) -> str:
        labels = DEMO_REGION_LABELS if self.demo else REGION_LABELS
        return labels.get(self.region, self.region)

    def print_notes(self) -> None:
        """Print the choices made (definition, years), one line each."""
        yrs = " vs ".join(str(y) for y in self.years)
        print(f"Definition: {self.definition} ({self.definition_label}); years: {yrs}; "
              f"region: {self.region_label}; {self.counts['refnis'].nunique()} municipalities.")
        for note in self.notes:
            print(f"Note: {note}")


def choose_years(
    available: Iterable[int], year: int | None, compare_year: int | None
) -> tuple[int, int | None, list[str]]:
    """The (year, compare_year) to map given the years in the data, plus notes.

    ``year`` missing from the data → the latest year; ``compare_year=None`` → the earliest
    year; a ``compare_year`` missing from the data → the earliest year; the same year twice
    → a single map.
    """
    years = sorted({int(y) for y in available})
    if not years:
        raise ValueError("the table holds no years")
    notes: list[str] = []
    if year is None or int(year) not in years:
        if year is not None:
            notes.append(f"year {year} is not in the data ({years[0]}–{years[-1]}): mapping {years[-1]} instead.")
        year = years[-1]
    year = int(year)
    if compare_year is None:
        compare_year = years[0]
    elif int(compare_year) not in years:
        notes.append(f"compare_year {compare_year} is not in the data: comparing with {years[0]} instead.")
        compare_year = years[0]
    compare_year = int(compare_year)
    if compare_year == year:
        notes.append(f"only one year to show ({year}): a single map.")
        return year, None, notes
    if compare_year > year:
        notes.append(f"compare_year {compare_year} is after year {year}: the maps show {year} first.")
    return year, compare_year, notes


def prepare_inputs(
    ctx,
    *,
    definition: str = "non_eu14",
    year: int | None = None,
    compare_year: int | None = None,
    region: str = "flanders",
) -> MapInputs:
    """Load the counts for a migration-roots map from a :class:`reporting.DataContext`.

    With an origin definition and no ``population_origin`` table in the build (the real
    Statbel mirror has none), falls back to ``nationality_proxy`` — non-Belgian
    nationality from the population table, which understates origin — and says so in
    ``notes``. Years follow :func:`choose_years`. Counts come from
    :func:`samenleven_analysis.data.origin.count`; only municipalities of ``region`` (from their
    codes, :func:`geo.in_region`) are kept.
    """
    from samenleven_analysis.data import origin
    from samenleven_analysis.data.boundaries import in_region

    if definition not in origin.DEFINITIONS:
        raise ValueError(f"unknown definition {definition!r}; use one of {', '.join(origin.DEFINITIONS)}")
    notes: list[str] = []
    used = definition
    if definition != PROXY and not ctx.has("population_origin"):
        used = PROXY
        notes.append(
            f"this build has no origin table (population_origin; Statbel publishes none openly), "
            f"so definition {definition!r} cannot be computed: falling back to "
            f"{PROXY!r}, the share of residents of non-Belgian nationality, which understates "
            "migration roots (Belgians of foreign origin are not counted)."
        )
    table_name = "population_nationality" if used == PROXY else "population_origin"
    table = ctx.load(table_name)
    available = tuple(sorted(int(y) for y in pd.unique(table["year"])))
    year_, compare_, year_notes = choose_years(available, year, compare_year)
    notes += year_notes
    if compare_ is not None and compare_ > year_:
        year_, compare_ = compare_, year_
    wanted = [y for y in (compare_, year_) if y is not None]
    counts = origin.count(table, used, year=wanted)
    counts = counts[in_region(counts["refnis"], region).to_numpy()].reset_index(drop=True)
    return MapInputs(
        definition=used, requested_definition=definition, year=year_, compare_year=compare_,
        region=str(region).lower(), counts=counts, source_table=table_name,
        available_years=available, demo=bool(getattr(ctx, "demo", False)), notes=notes,
    )


def map_panels(
    boundaries: gpd.GeoDataFrame,
    inputs: MapInputs,
    measure: str = "share",
    *,
    min_cell: int = 5,
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
    """One joined GeoDataFrame per mapped year (keys: the years as text), and the
    :class:`geo.JoinReport` of each join.

    The mapped column is ``measure`` (``"count"`` or ``"share"``). Municipalities with
    fewer than ``min_cell`` counted residents get no value (drawn as missing, see
    :func:`missing_label`), so a map never shows a class that pins down a small count.
    """
    from samenleven_analysis.data.boundaries import join

    if measure not in ("count", "share"):
        raise ValueError(f"measure must be 'count' or 'share', not {measure!r}")
    panels: dict[str, gpd.GeoDataFrame] = {}
    reports: dict[str, Any] = {}
    for y in inputs.years:
        data = inputs.counts[inputs.counts["year"] == y][["refnis", "count", "total", "share"]]
        joined, report = join(data, boundaries, errors="ignore")
        small = pd.to_numeric(joined["count"], errors="coerce") < min_cell
        for col in ("count", "share"):
            joined[col] = pd.to_numeric(joined[col], errors="coerce").astype(float).mask(small)
        panels[str(y)] = joined
        reports[str(y)] = report
    return panels, reports


def missing_label(min_cell: int = 5) -> str:
    """Legend text for units drawn without a value in the notebook's maps."""
    return f"No data, or fewer than {min_cell} residents"


def _parse_highlight(highlight) -> list[str] | str:
    if highlight is None:
        return []
    if isinstance(highlight, str):
        text = highlight.strip()
        if text.lower() == "eligible":
            return "eligible"
        if text.lower() in ("", "none"):
            return []
        return [t for t in re.split(r"[\s,;]+", text) if t]
    return [str(c) for c in highlight]


def highlight_codes(
    highlight,
    ctx,
    inputs: MapInputs,
    *,
    threshold: float | None = None,
) -> tuple[list[str], str]:
    """Codes to outline on the map, and their legend label.

    ``highlight``: ``"eligible"`` (authorities over the Plan Samenleven threshold in
    ``inputs.year``, by :func:`samenleven_analysis.analysis.eligibility.eligible` on the non-EU14
    rule when an origin table exists, else by the nationality proxy; partnership members
    are highlighted when their partnership qualifies; Flemish authorities only, since the
    plan is Flemish), a list of codes, a comma-separated string of codes, or None/"".
    """
    spec = _parse_highlight(highlight)
    if spec != "eligible":
        codes = sorted(set(normalise_codes(spec).dropna().astype(str))) if spec else []
        return codes, "Selected authorities"
    from samenleven_analysis.analysis import eligibility
    from samenleven_analysis.data.boundaries import in_region

    if threshold is None:  # the plan's rule: more than 7,500 (reference/plan_samenleven.yaml)
        threshold = eligibility.DEFAULT_THRESHOLD
    in_map = inputs.counts["refnis"].astype(str)
    flemish = sorted(set(in_map[in_region(in_map, "flanders").to_numpy()]))
    if not flemish:
        return [], "Eligible authorities"
    if inputs.definition == PROXY:
        source, definition = ctx.load("population_nationality"), PROXY
        label = f"> {threshold:,.0f} non-Belgians (proxy)"
    else:
        source, definition = ctx.load("population_origin"), "non_eu14"
        label = f"Eligible (> {threshold:,.0f} non-EU14 origin)"
    partnerships = None
    if ctx.has("partnerships"):
        parts = ctx.load("partnerships")
        codes = normalise_codes(parts["refnis"]).astype(str)
        outside = set(parts.loc[~codes.isin(flemish).to_numpy(), "partnership_id"])
        partnerships = parts[~parts["partnership_id"].isin(outside)]
    table = eligibility.eligible(
        source, threshold=threshold, definition=definition, year=inputs.year,
        partnerships=partnerships, within=flemish,
    )
    members = table.loc[table["eligible"], "members"]
    codes = sorted({str(c) for m in members for c in m})
    return codes, label


def top_table(
    inputs: MapInputs,
    names: pd.DataFrame | gpd.GeoDataFrame | None = None,
    *,
    by: str = "count",
    n: int = 20,
    year: int | None = None,
    min_cell: int = 5,
) -> pd.DataFrame:
    """The ``n`` municipalities with the highest ``by`` (``count`` or ``share``) in ``year``
    (default: the latest mapped year), ready to display.

    Columns: ``rank``, ``refnis``, ``municipality``, ``count`` and ``population`` as text
    passed through :func:`samenleven_analysis.analysis.disclosure.suppress` (counts below
    ``min_cell`` read ``"<5"``), and ``share`` as a percentage (blank where the count is
    suppressed, since share × population would give it back). Ties are broken by code.
    """
    from samenleven_analysis.analysis import disclosure

    if by not in ("count", "share"):
        raise ValueError(f"by must be 'count' or 'share', not {by!r}")
    year = inputs.year if year is None else int(year)
    data = inputs.counts[inputs.counts["year"] == year].copy()
    data = data.sort_values([by, "refnis"], ascending=[False, True], kind="stable").head(n)
    lookup = {}
    if names is not None and "name_nl" in names.columns:
        lookup = dict(zip(names["refnis"].astype(str), names["name_nl"]))
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(data) + 1),
            "refnis": data["refnis"].astype(str).to_numpy(),
            "municipality": [lookup.get(c, "") if pd.notna(lookup.get(c, "")) else "" for c in data["refnis"]],
            "count": data["count"].to_numpy(),
            "population": data["total"].to_numpy(),
            "share": data["share"].to_numpy(),
        }
    )
    out = disclosure.suppress(table, ["count"], min_cell, totals="none", total_cols=["population"])
    hidden = out["count"].eq(disclosure.placeholder(min_cell)).to_numpy()
    out["share"] = [("" if h or pd.isna(s) else f"{s:.1%}") for h, s in zip(hidden, table["share"])]
    return out.set_index("rank")


def record_boundaries(ctx, boundaries: gpd.GeoDataFrame) -> None:
    """Add the polygons' sources to the context's provenance (shown by ``provenance_cell``)."""
    provenance = getattr(ctx, "provenance", None)
    if isinstance(provenance, dict):
        provenance["boundaries"] = {
            "inputs": list(boundaries.attrs.get("sources", [])),
            "demo": bool(boundaries.attrs.get("demo", False)),
            "vintage": boundaries.attrs.get("vintage"),
        }


def migration_roots_figure(
    panels: Mapping[str, gpd.GeoDataFrame],
    inputs: MapInputs,
    measure: str,
    *,
    caption: str | None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    highlight: Iterable[str] | None = None,
    highlight_label: str = "Highlighted",
    min_cell: int = 5,
) -> Figure:
    """The notebook's figure: before/after panels on shared bins, titled and captioned.

    ``bins`` (upper bounds, for ``scheme="user_defined"``) are in the units of ``measure``
    (shares as fractions, 0.1 = 10 %).
    """
    what = "Share of residents" if measure == "share" else "Residents"
    title = f"{what} of {inputs.definition_label}, {inputs.region_label}"
    return small_multiples(
        panels, measure, scheme=scheme, k=k, bins=bins, highlight=highlight,
        highlight_label=highlight_label,
        legend_title="share of residents" if measure == "share" else "residents",
        title=title, caption=caption, demo=inputs.demo, missing_label=missing_label(min_cell),
        fmt="{:.1%}" if measure == "share" else "{:,.0f}",
    )
