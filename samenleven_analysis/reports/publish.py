"""Publishing a report's figures and tables.

Shown in the notebook and, with an output folder, written next to the report (figures as PNG + SVG,
tables as CSV, deterministic bytes) and listed as links.

Tables are published as text already through disclosure control (the caller passes the
suppressed frame); here they lose the pandas index, get thousands separators and human
column labels. Captions get their own strip under the axes, so they never overlap them.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis.disclosure import is_suppressed
from samenleven_analysis.i18n import _
from samenleven_analysis.reports import figures, outputs

CAPTION_LINE_IN = 0.13
"""Height (inches) of one line of 7-point caption text, with its leading."""
CAPTION_PAD_IN = 0.12
"""Space (inches) between the caption and the axis labels above it, and under it."""


SHOW_DPI = figures.PNG_DPI
"""Resolution of the PNG written next to the report and shown in it (scaled to 100 px per inch)."""


def _display_png(data: bytes, width: int) -> None:
    from IPython.display import Image

    _display(Image(data=data, format="png", width=width))


def _display(obj) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(obj)
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        pass


def thousands(value) -> str:
    """``12345`` → ``12.345`` (nl) / ``12,345`` (en), in the active language's format.

    Text that is not a whole number (``<5``, ``""``) is kept.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    stripped = text.lstrip("+-")
    if stripped.isdigit():
        sign = text[: len(text) - len(stripped)]
        return f"{sign}{i18n.number(int(stripped))}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return i18n.number(value, 0 if float(value).is_integer() else 2)
    return text


def tick_formatter():
    """A matplotlib formatter writing tick values in the active language (``12.500``, ``2,5``).

    Whole numbers without decimals, others with one (or two when one is not enough), like
    matplotlib's own labels but in ``nl_BE`` or ``en`` format.
    """
    from matplotlib.ticker import FuncFormatter

    def fmt(value: float, _pos=None) -> str:
        for digits in (0, 1, 2):
            if abs(round(value, digits) - value) < 1e-9:
                return i18n.number(value, digits)
        return i18n.number(value, 2)

    return FuncFormatter(fmt)


def caption_figure(
    fig,
    caption: str | None,
    *,
    left: float = 0.9,
    right: float = 0.25,
    top: float = 0.45,
    bottom: float = 0.55,
) -> None:
    """Fixed margins (inches) around the axes and a strip under them for ``caption``.

    So the caption never overlaps the axes. Fixed margins rather than ``tight_layout``: measuring
    every label costs about as much as drawing the figure, once per figure and report.
    """
    width, height = fig.get_figwidth(), fig.get_figheight()
    # wrapped here (about 19 characters of 7-point text per inch): matplotlib's own wrapping
    # measures the text again and again
    text = textwrap.fill(caption, width=max(40, int(width * 19))) if caption else ""
    lines = text.count("\n") + 1 if text else 0
    strip = CAPTION_PAD_IN + lines * CAPTION_LINE_IN if text else 0.0
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=min(0.7, (bottom + strip) / height),
    )
    figures.add_caption(fig, text, y=CAPTION_PAD_IN / 2 / height, va="bottom")


def _plain(column) -> bool:
    """Columns of years and codes: numbers without thousands separators."""
    name = str(column).lower()
    year = _("year").lower()
    return (
        "year" in name
        or year in name
        or name
        in (
            "code",
            "refnis",
            "rank",
            "applicant",
            "members",
            _("code").lower(),
            _("rank").lower(),
            _("members").lower(),
        )
    )


def table_html(frame: pd.DataFrame) -> str:
    """HTML table without index; every cell escaped; numbers with thousands separators.

    Except in year and code columns.
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    plain = [_plain(c) for c in frame.columns]
    rows = []
    for rec in frame.itertuples(index=False):
        cells = "".join(
            f'<td class="num">{html.escape(str(v) if keep else thousands(v))}</td>'
            if _numeric(v)
            else f"<td>{html.escape('' if v is None else str(v))}</td>"
            for v, keep in zip(rec, plain, strict=False)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<table class="samenleven-table"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    text = str(value).lstrip("+-")
    return text.isdigit() or is_suppressed(text)


@dataclass
class Publisher:
    """Shows figures and tables and, when ``folder`` is set, writes them there.

    ``link_prefix`` is how the report reaches ``folder`` (the folder's name when the files
    sit next to the report). ``written`` lists what was written, for :meth:`links`.
    """

    folder: Path | None = None
    link_prefix: str = ""
    written: list[tuple[str, str, str]] = field(default_factory=list)  # (title, kind, file)

    @classmethod
    def for_folder(cls, output_dir: str | Path | None) -> Publisher:
        if not output_dir:
            return cls()
        folder = Path(output_dir)
        return cls(folder=folder, link_prefix=folder.name)

    def figure(
        self, fig, stem: str, title: str, caption: str | None = None, **margins: float
    ) -> None:
        """Caption, show and (with a folder) save ``fig`` as ``<stem>.png`` and ``.svg``.

        ``margins``: ``left``, ``right``, ``top``, ``bottom`` in inches (see
        :func:`caption_figure`).
        """
        import matplotlib.pyplot as plt

        caption_figure(fig, caption, **margins)
        png = figures.figure_bytes(fig, "png", dpi=SHOW_DPI)
        # one PNG rendering serves both the notebook and the file (rendering is the cost)
        _display_png(png, width=int(fig.get_figwidth() * 100))
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            outputs.write_bytes(self.folder / f"{stem}.png", png)
            outputs.write_bytes(self.folder / f"{stem}.svg", figures.figure_bytes(fig, "svg"))
            self.written += [(title, "PNG", f"{stem}.png"), (title, "SVG", f"{stem}.svg")]
        plt.close(fig)

    def table(self, frame: pd.DataFrame, stem: str, title: str) -> None:
        """Show ``frame`` (already disclosure-controlled) and write ``<stem>.csv``."""
        from IPython.display import HTML

        _display(HTML(table_html(frame)))
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{stem}.csv"
            outputs.write_csv(frame, path)
            self.written.append((title, "CSV", path.name))

    def links_markdown(self) -> str:
        """Markdown list linking every written file (empty without a folder)."""
        if not self.written:
            return ""
        lines = [_("Files of this report (figures as PNG and SVG, tables as CSV):"), ""]
        for title, kind, name in self.written:
            lines.append(f"- {title}: [{kind}]({self.link_prefix}/{name})")
        return "\n".join(lines)

    def links(self) -> None:
        from IPython.display import Markdown

        text = self.links_markdown()
        _display(
            Markdown(
                text
                or "*"
                + _("Figures and tables are written as files only in a `samenleven run`.")
                + "*"
            )
        )
