"""The dashboard's map of Flanders as inline SVG.

One ``<path>`` per municipality, shaded by a class of the chosen measure, qualifying applicants
outlined, each linked to its report.

Deterministic: polygons are simplified with a fixed tolerance, coordinates rounded to whole
pixels, municipalities written in code order, colours from a fixed palette.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from samenleven_analysis.i18n import _

PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
"""Five sequential blues (ColorBrewer Blues), light = low."""

NO_DATA = "#d9d9d9"
WIDTH = 900
SIMPLIFY_M = 120.0
"""Simplification tolerance in metres (EPSG:31370): invisible at dashboard size, 10× smaller."""


def class_bounds(values: Sequence[float], k: int = len(PALETTE)) -> list[float]:
    """Upper bounds of ``k`` quantile classes (distinct, rounded to 4 significant digits)."""
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if not len(data):
        return []
    qs = np.quantile(data, np.linspace(0, 1, k + 1)[1:])
    return sorted({float(f"{q:.4g}") for q in qs})


def classify(value: float | None, bounds: Sequence[float]) -> int | None:
    """Index of the class of ``value`` (None for missing)."""
    if value is None or not np.isfinite(value) or not bounds:
        return None
    for i, upper in enumerate(bounds):
        if value <= upper:
            return i
    return len(bounds) - 1


def _ring(coords, x0: float, y1: float, scale: float) -> str:
    points = [(round((x - x0) * scale), round((y1 - y) * scale)) for x, y in coords]
    deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(deduped) < 3:
        return ""
    return "M" + "L".join(f"{x},{y}" for x, y in deduped) + "Z"


def _path_data(geom, x0: float, y1: float, scale: float) -> str:
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    parts = []
    for poly in polygons:
        parts.append(_ring(poly.exterior.coords, x0, y1, scale))
        parts += [_ring(r.coords, x0, y1, scale) for r in poly.interiors]
    return "".join(p for p in parts if p)


def svg_map(
    shapes,
    values: Mapping[str, float],
    *,
    highlight: Sequence[str] = (),
    hrefs: Mapping[str, str | None] | None = None,
    titles: Mapping[str, str] | None = None,
    legend_title: str = "",
    fmt=lambda v: f"{v:,.0f}",
) -> str:
    """Inline ``<svg>`` of ``shapes`` (GeoDataFrame ``refnis, geometry`` in metres).

    ``values``: refnis → the measure (its class sets the fill); ``highlight``: refnis to
    outline; ``hrefs``: refnis → link of its report; ``titles``: refnis → tooltip text
    (already disclosure-controlled). Returns the SVG text.
    """
    hrefs = hrefs or {}
    titles = titles or {}
    frame = shapes[["refnis", "geometry"]].copy()
    frame["refnis"] = frame["refnis"].astype(str)
    frame = frame.sort_values("refnis", kind="stable")
    frame["geometry"] = frame.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    x0, y0, x1, y1 = frame.total_bounds
    scale = WIDTH / (x1 - x0)
    height = round((y1 - y0) * scale)
    bounds = class_bounds(list(values.values()))
    marked = {str(c) for c in highlight}
    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" id="flanders-map" viewBox="0 0 {WIDTH} {height + 48}" '
            f'role="img" aria-label="{html.escape(legend_title)}">'
        )
    ]
    outlines = []
    for code, geom in zip(frame["refnis"], frame.geometry, strict=False):
        d = _path_data(geom, x0, y1, scale)
        if not d:
            continue
        value = values.get(code)
        cls = classify(value, bounds)
        fill = NO_DATA if cls is None else PALETTE[cls]
        title = html.escape(titles.get(code, code))
        path = (
            f'<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="0.5" '
            f'data-refnis="{code}"><title>{title}</title></path>'
        )
        href = hrefs.get(code)
        out.append(f'<a href="{html.escape(href)}" class="map-link">{path}</a>' if href else path)
        if code in marked:
            outlines.append(
                f'<path d="{d}" fill="none" stroke="#b00020" stroke-width="1.6" '
                'pointer-events="none"/>'
            )
    out += outlines
    out.append(_legend(bounds, height, legend_title, fmt, bool(marked)))
    out.append("</svg>")
    return "\n".join(out)


def _legend(bounds: Sequence[float], top: int, title: str, fmt, outlined: bool) -> str:
    parts = [
        f'<g font-size="11" font-family="sans-serif" transform="translate(0,{top + 8})">',
        f'<text x="0" y="10">{html.escape(title)}:</text>',
    ]
    x, lower = 0, None
    for i, upper in enumerate(bounds):
        label = f"≤ {fmt(upper)}" if lower is None else f"{fmt(lower)}–{fmt(upper)}"
        parts.append(
            f'<rect x="{x}" y="16" width="14" height="12" fill="{PALETTE[i]}" stroke="#999"/>'
        )
        parts.append(f'<text x="{x + 18}" y="26">{html.escape(label)}</text>')
        x += 24 + 7 * len(label)
        lower = upper
    if outlined:
        parts.append(
            f'<rect x="{x}" y="16" width="14" height="12" fill="none" stroke="#b00020" stroke-width="1.6"/>'
        )
        parts.append(f'<text x="{x + 18}" y="26">{html.escape(_("qualifies"))}</text>')
    parts.append("</g>")
    return "".join(parts)


def shares_of(table: pd.DataFrame, counted: pd.DataFrame, year: int) -> dict[str, float]:
    """Refnis → share of residents counted by the rule in ``year``.

    Each municipality, also partnership members.
    """
    sub = counted[counted["year"] == int(year)]
    return {
        str(r): float(s) for r, s in zip(sub["refnis"], sub["share"], strict=False) if pd.notna(s)
    }
