"""What the three evaluation reports share.

The reports: :mod:`~samenleven_analysis.reports.impact_did_report`,
:mod:`~samenleven_analysis.reports.threshold_rdd_report`,
:mod:`~samenleven_analysis.reports.synthetic_control_report`. They share the proxy-eligible groups
of the pre-period checks, the missing-input note, the verdict output carrying the machine-readable
summary, how a step shows its text, tables and figures, and the reports' shared shape
(:class:`EvaluationReport`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

from samenleven_analysis import i18n
from samenleven_analysis.analysis import authorities, eligibility
from samenleven_analysis.facts import (
    PROGRAMME_START_DATE,
    PROGRAMME_START_YEAR,
    THRESHOLD_RESIDENTS,
)
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports.parameters import check_choice

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
    """Flemish municipality codes, the eligible ones, the origin source and the reference year.

    The eligible ones under ``definition`` (the proxy without an origin table) in the reference
    year.
    """
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


OUTCOME_TEXT: dict[str, str] = {
    "employment_rate": N_("employment rate (%)"),
    "dutch_a2_pass_rate": N_("Dutch A2 pass rate (%)"),
    "liveability_index": N_("liveability index (0–100)"),
    "rainfall_mm": N_("rainfall (mm, placebo outcome)"),
    "fiscal_income_per_resident": N_("net taxable income per resident (EUR)"),
}
"""Outcome code → label (message id) in the evaluation reports' sentences, figures and verdicts."""

COVARIATE_TEXT: dict[str, str] = {
    "pre_mean": N_("outcome level before {year}"),
    "total": N_("total population"),
}
"""Covariates of the threshold report's balance check → label (message id)."""


def covariate_text(covariate: str) -> str:
    """A balance covariate's label in the report's language (unknown codes unchanged)."""
    label = COVARIATE_TEXT.get(covariate)
    return _(label, year=PROGRAMME_START_YEAR) if label else covariate


UNIT_TEXT: dict[str, str] = {
    "employment_rate": N_("percentage points"),
    "dutch_a2_pass_rate": N_("percentage points"),
    "liveability_index": N_("index points"),
    "rainfall_mm": "mm",
    "fiscal_income_per_resident": "EUR",
}
"""Outcome code → unit (message id, or a symbol kept as it is) of an effect on it."""


def outcome_text(outcome: str) -> str:
    """The outcome's label in the report's language (the analysis layer's label if unknown)."""
    from samenleven_analysis.analysis import outcomes as oc

    label = OUTCOME_TEXT.get(outcome)
    return _(label) if label else oc.label(outcome)


def unit_text(outcome: str) -> str:
    """The unit of an effect on ``outcome`` in the report's language."""
    from samenleven_analysis.analysis import outcomes as oc

    unit = UNIT_TEXT.get(outcome)
    if unit is None:
        return oc.unit(outcome)
    return _(unit) if unit not in ("mm", "EUR") else unit


COLUMNS: dict[str, str] = {
    "estimate": N_("estimate"),
    "se": N_("standard error"),
    "ci_low": N_("interval from"),
    "ci_high": N_("interval to"),
    "pvalue": N_("p-value"),
    "pvalue_adjusted": N_("adjusted p-value"),
    "n_obs": N_("observations"),
    "n_treated": N_("treated"),
    "n_clusters": N_("clusters"),
    "inference": N_("inference"),
    "outcome": N_("outcome"),
    "method": N_("method"),
    "note": N_("note"),
    "rel_time": N_("years relative to the start"),
    "year": N_("year"),
    "weight": N_("weight"),
    "refnis": N_("code"),
    "name": N_("name"),
    "bandwidth": N_("bandwidth"),
    "variant": N_("variant"),
    "cutoff": N_("cutoff"),
    "check": N_("check"),
    "estimator": N_("estimator"),
    "n": N_("n"),
    "fake_year": N_("placebo year"),
    "side": N_("side"),
    "donor": N_("donor"),
    "att": N_("ATT"),
    "pre_rmspe": N_("pre-period RMSPE"),
    "post_rmspe": N_("post-period RMSPE"),
    "ratio": N_("post/pre ratio"),
    "value": N_("value"),
    "ATT": N_("ATT"),
    "pre-period RMSPE": N_("pre-period RMSPE"),
    "largest weight": N_("largest weight"),
    "within ± residents": N_("within ± residents"),
    "below": N_("below"),
    "above": N_("above"),
    "applicants": N_("applicants"),
    "share participating": N_("share participating"),
    "eligible": N_("qualifies"),
    "covariate": N_("covariate"),
    "count": N_("residents counted"),
    "total": N_("all residents"),
    "statistic": N_("statistic"),
}
"""Column → header (message id) of the evaluation reports' tables; a column not listed keeps
its name (estimator names, ``name: estimate`` pairs are translated part by part)."""


def headers(frame):
    """``frame`` with its index as columns and every column header in the report's language."""
    import pandas as pd

    from samenleven_analysis.reports.method_text import words

    if not isinstance(frame, pd.DataFrame):
        return frame
    out = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    out = words(out)
    out = out.rename(columns={c: "index" if c is None else c for c in out.columns})
    return out.rename(columns=lambda c: header(str(c)))


def header(column: str) -> str:
    """One column header: a known column, or ``<estimator>: <column>``, in the report's language."""
    if column in COLUMNS:
        return _(COLUMNS[column])
    if ": " in column:
        from samenleven_analysis.reports.method_text import estimator_label

        name, _sep, col = column.rpartition(": ")
        if col in COLUMNS:
            return _("{name}: {column}", name=estimator_label(name), column=_(COLUMNS[col]))
    return column


def show(*objects: Any, stem: str = "table", title: str = "") -> None:
    """Display tables through the publisher and other rich objects as they are, one output each.

    Through the publisher: headers in the report's language, numbers in its format.
    """
    import pandas as pd
    from IPython.display import display

    from samenleven_analysis.reports.publish import Publisher

    for obj in objects:
        if isinstance(obj, pd.DataFrame):
            Publisher().table(headers(obj), stem, title)
        else:
            display(obj)


def show_markdown(text: str) -> None:
    """Display Markdown text."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_text(text: str) -> None:
    """Plain-text lines (a stream output, as the stored notebooks hold them)."""
    print(text)


def show_figure(
    fig=None, *, stem: str = "figure", title: str = "", caption: str | None = None
) -> None:
    """Show ``fig`` through the publisher, with its caption in a strip under the axes.

    ``fig`` defaults to the current matplotlib figure.
    """
    import matplotlib.pyplot as plt

    from samenleven_analysis.reports.publish import Publisher

    Publisher().figure(fig if fig is not None else plt.gcf(), stem, title, caption)


def section_values() -> dict[str, str]:
    """The facts a section's heading or introduction may name, in the report's format."""
    return {
        "threshold": i18n.number(THRESHOLD_RESIDENTS),
        "start_date": i18n.date(PROGRAMME_START_DATE),
        "start_year": str(PROGRAMME_START_YEAR),
    }


def show_section(sections: dict[str, tuple[str, str]], key: str, **values: Any) -> None:
    """Heading and introduction of section ``key`` of ``sections``, in the report's language.

    The heading is level 1 for ``title``, else 2.
    """
    heading, intro = sections[key]
    values = {**section_values(), **values}
    level = "#" if key == "title" else "##"
    parts = [f"{level} {_(heading, **values)}"] if heading else []
    if intro:
        parts.append(_(intro, **values))
    show_markdown("\n\n".join(parts))


def publish(text: str, facts: dict[str, Any]) -> None:
    """Display the verdict ``text`` (a Markdown block quote) carrying ``facts`` in its metadata.

    The facts sit in the output's metadata under :data:`SUMMARY_KEY`: tests and tools read the
    numbers there, readers see the prose, and the HTML export needs no extra output type.
    """
    from IPython.display import Markdown, display

    display(Markdown(quote(text)), metadata={SUMMARY_KEY: facts})


# ----------------------------------------------------------------- the reports' shared shape


def computed(function: Callable[..., Any], *attributes: str) -> functools.cached_property[Any]:
    """A report result computed once, on first use: ``function`` of the report's ``attributes``.

    E.g. ``computed(event_studies, "design", "estimators")``.
    """

    def result(self: Any) -> Any:
        return function(*(getattr(self, a) for a in attributes))

    result.__doc__ = function.__doc__
    return functools.cached_property(result)


@dataclass
class EvaluationReport:
    """The shape of the three evaluation reports.

    Built from the notebook's parameters, the design computed once, one method per notebook step,
    results computed on first use (:func:`computed`), the verdict published with its
    machine-readable summary.

    A report class names its estimators (``ESTIMATORS``, checked by :meth:`build`), its
    design function (``make_design``), its own settings beside the design's parameters
    (``OPTIONS``, whole numbers), its sections (``SECTIONS``) and the verdict's text and facts.
    """

    ctx: Any
    design: Any
    estimators: list[str]

    ESTIMATORS: ClassVar[Collection[str]] = ()
    OPTIONS: ClassVar[tuple[str, ...]] = ()
    SECTIONS: ClassVar[dict[str, tuple[str, str]]] = {}
    make_design: ClassVar[Callable[..., Any]]

    @classmethod
    def build(cls, ctx, *, estimators: list[str], **parameters: Any) -> Self:
        """The report for the notebook's parameters.

        ``estimators`` checked, the class's ``OPTIONS`` taken out, the design made from the rest.
        """
        check_choice("estimators", estimators, cls.ESTIMATORS)
        options = {k: int(parameters.pop(k)) for k in cls.OPTIONS if k in parameters}
        design = cls.make_design(ctx, **parameters)
        return cls(ctx, design, list(estimators), **options)

    def section_values(self) -> dict[str, Any]:
        """Values the report's section texts name beside :func:`section_values`."""
        return {}

    def section(self, key: str) -> None:
        """Heading and introduction of section ``key`` (``SECTIONS``), in the report's language."""
        show_section(self.SECTIONS, key, **self.section_values())

    def data_note(self) -> None:
        """How the design was chosen (what is missing, on real data) and its summary."""
        show_markdown(self.design.note)
        show_text(self.design.summary)

    def verdict_text(self) -> str:
        """The verdict's prose (Markdown)."""
        raise NotImplementedError

    def verdict_facts(self) -> dict[str, Any]:
        """The verdict's machine-readable summary."""
        raise NotImplementedError

    def verdict(self) -> None:
        """The verdict, carrying the machine-readable summary."""
        publish(self.verdict_text(), self.verdict_facts())
