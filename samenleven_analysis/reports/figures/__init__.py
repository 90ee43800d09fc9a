"""Figures: one way to show, save (PNG and SVG with stable bytes) and caption a figure.

Show: in a notebook (deterministic PNG). Plots that notebooks draw live in the modules beside this
one.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from samenleven_analysis import __version__

SVG_HASH_SALT = "samenleven-analysis"
"""Fixed ``svg.hashsalt``: SVG element ids depend on it, so a fixed salt fixes the bytes."""


PNG_DPI = 150

SVG_FONTTYPE = "none"
"""Text in SVG files stays text (``<text>``, matplotlib escapes it), drawn in the reader's
DejaVu Sans or sans-serif: selectable, editable in a drawing program, a third of the size,
and half the time of writing every glyph as a path."""


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
    rc = {"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": SVG_FONTTYPE, "path.simplify": True}
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
    from samenleven_analysis.reports import outputs

    outputs.write_bytes(png, figure_bytes(fig, "png", dpi=dpi))  # atomic: never half a file
    outputs.write_bytes(svg, figure_bytes(fig, "svg"))
    return png, svg


def show(fig: Figure, *, dpi: int = 100) -> None:
    """Display the figure in a notebook as deterministic PNG bytes (:func:`figure_bytes`).

    100 dpi by default, to keep stored notebooks small; :func:`save` writes 150 dpi.
    """
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is not None:
        display(Image(data=figure_bytes(fig, "png", dpi=dpi), format="png"))


def add_caption(
    fig,
    text: str | None,
    *,
    x: float = 0.01,
    y: float = 0.0,
    va: str = "top",
    fontsize: float = 7,
    color: str | None = None,
) -> None:
    """Write ``text`` left-aligned at (``x``, ``y``) in figure coordinates.

    ``text`` is e.g. :meth:`DataContext.caption`; nothing when ``text`` is empty. The one way every
    figure of the package is captioned (the callers choose the place: under the axis labels, in a
    strip kept free by fixed margins, beside a DEMO stamp). ``$`` is kept literal (no mathtext), see
    :func:`samenleven_analysis.reports.text.label`.
    """
    from samenleven_analysis.reports.text import label

    if text:
        fig.text(x, y, label(text), ha="left", va=va, fontsize=fontsize, color=color)
