"""What the three evaluation reports (:mod:`~samenleven_analysis.reports.impact_did_report`,
:mod:`~samenleven_analysis.reports.threshold_rdd_report`,
:mod:`~samenleven_analysis.reports.synthetic_control_report`) share: the proxy-eligible groups
of the pre-period checks, the missing-input note, the verdict output carrying the
machine-readable summary, and how a step shows its text, tables and figures."""

from __future__ import annotations

from typing import Any

import numpy as np

from samenleven_analysis.analysis import authorities, eligibility

SUMMARY_KEY = "samenleven_summary"
"""Output-metadata key under which :func:`publish` stores a notebook's machine-readable summary."""


def quote(text: str) -> str:
    """Markdown block quote of a (multi-paragraph) text."""
    return "\n".join("> " + line for line in text.split("\n"))


def rounded(x: Any) -> float | None:
    """A finite float rounded for stable output, or None (JSON has no NaN)."""
    x = float(x)
    return round(x, 6) if np.isfinite(x) else None


def proxy_groups(ctx, definition: str, threshold: int, year: int | None):
    """Flemish municipality codes, the eligible ones under ``definition`` (the proxy without
    an origin table) in the reference year, the origin source and the reference year."""
    from samenleven_analysis.reports.context import origin_source, reference_year

    munis = ctx.load("municipalities")
    flemish = authorities.region_members(munis)
    source = origin_source(ctx, definition)
    ref = reference_year(source.frame, year)
    elig = eligibility.eligible(
        source.frame, threshold, source.definition, ref.year, within=flemish
    )
    members = sorted({m for ms in elig.loc[elig["eligible"], "members"] for m in ms})
    return flemish, members, source, ref, elig


def missing_design_text(what: str) -> str:
    """Markdown naming the canonical outcome and funding files an estimate would need."""
    from samenleven_analysis.reports.labels import missing_input_text

    return "\n\n".join(missing_input_text(t, what) for t in ("outcomes", "treatment"))


def show(*objects: Any) -> None:
    """Display tables (and other rich objects) in the notebook, one output each."""
    from IPython.display import display

    display(*objects)


def show_markdown(text: str) -> None:
    """Display Markdown text."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_text(text: str) -> None:
    """Plain-text lines (a stream output, as the stored notebooks hold them)."""
    print(text)


def show_figure() -> None:
    """Show the current matplotlib figure (the inline backend closes it)."""
    import matplotlib.pyplot as plt

    plt.show()


def publish(text: str, facts: dict[str, Any]) -> None:
    """Display the verdict ``text`` (a Markdown block quote) carrying ``facts`` in the output's
    metadata under :data:`SUMMARY_KEY`: tests and tools read the numbers there, readers see
    the prose, and the HTML export needs no extra output type."""
    from IPython.display import Markdown, display

    display(Markdown(quote(text)), metadata={SUMMARY_KEY: facts})
