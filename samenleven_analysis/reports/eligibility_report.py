"""The steps of the eligibility notebook (``notebooks/eligibility``).

Who qualifies under the call's threshold, a map, coverage against the "almost two thirds" claim,
sensitivity to threshold, definition and year. Data come from :func:`reports.context.origin_source`
(the nationality proxy, labelled, when the data hold no origin table) in the year
:func:`reports.context.reference_year` chooses. Every heading, sentence, table header and figure
label comes from the message catalogs (:mod:`samenleven_analysis.i18n`), in the notebook's
``language``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import authorities, disclosure, eligibility, programmes
from samenleven_analysis.facts import THRESHOLD_RESIDENTS
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.fact_text import fact_table, text_value
from samenleven_analysis.reports.labels import definition_label
from samenleven_analysis.reports.publish import Publisher, thousands, tick_formatter

FACTS_SHOWN = (
    "threshold_residents",
    "origin_criterion",
    "eligibility_reference_year",
    "partnerships_allowed",
    "one_partnership_per_authority",
    "coverage_claim",
    "authorities_announced",
)

NEAR_BAND = 500
"""Half-width (residents) of the band around the threshold of the "near the threshold" list."""

PUBLISHED_COLUMNS = {
    "applicant": N_("code"),
    "name": N_("name"),
    "members": N_("members"),
    "count": N_("residents counted"),
    "total": N_("all residents"),
    "share": N_("share"),
    "margin": N_("margin"),
    "eligible": N_("qualifies"),
}
"""Column → header (message id) of the published applicant lists."""

SECTIONS: dict[str, tuple[str, str]] = {
    "title": (
        N_("Who qualifies for Plan Samenleven? The rule of {threshold} residents"),
        N_(
            "Plan Samenleven funds local authorities with **more than {threshold} residents of "
            "non-EU14 origin**; smaller authorities may pool their residents in a partnership "
            "(IGS) and apply together. This report applies the rule to the data, maps the "
            "result, measures how much of the target population the qualifying authorities "
            'hold (the announcement claimed "almost two thirds"), and shows how the list '
            "changes when the threshold, the origin definition or the reference year change."
        ),
    ),
    "list": (
        N_("The qualifying list"),
        N_(
            "One row per applicant (a municipality alone, or a partnership pooling its "
            "members). An applicant qualifies when its count is **more than** the threshold "
            "(with `inclusive`: at least the threshold). Person counts below {min_cell} are "
            "suppressed, together with whatever would reveal them."
        ),
    ),
    "near": (
        "",
        N_(
            "Applicants within ±{band} of the threshold: small changes in the data, the "
            "reference year or the definition move them across the line."
        ),
    ),
    "map": (
        N_("Map"),
        N_(
            "Municipalities shaded by their count; members of qualifying applicants (alone or "
            "pooled) are outlined. Class bounds are placed around the threshold."
        ),
    ),
    "coverage": (
        N_("Coverage"),
        N_(
            "The share of all residents counted by the rule in Flanders who live in a "
            'qualifying applicant. The announcement of {announced} claimed "almost two thirds".'
        ),
    ),
    "sensitivity": (
        N_("Sensitivity: threshold, definition and year"),
        N_(
            "How many applicants qualify for thresholds from {low} to {high}, for every "
            "definition the data support and the most recent years up to the reference year; "
            "the second table lists the applicants that enter or leave relative to the "
            "baseline of {threshold} of the same definition and year."
        ),
    ),
    "facts": (
        N_("The rule and its sources"),
        N_(
            "The policy facts this report relies on, from the package's reference facts; where "
            "sources disagree the other values are listed."
        ),
    ),
}
"""Section key → (heading, introduction): message ids, translated when shown."""


def _markdown(text: str) -> None:
    from IPython.display import Markdown

    reporting._display(Markdown(text))


def count_formatter(min_cell: int):
    """Legend formatter for class bounds that are person counts (small ones suppressed)."""

    def fmt(value: float) -> str:
        return thousands(disclosure.format_count(value, min_cell))

    return fmt


@dataclass
class EligibilityReport:
    """Inputs of one eligibility analysis and the steps that display it."""

    ctx: reporting.DataContext
    source: reporting.OriginSource
    ref: reporting.ReferenceYear
    threshold: float
    inclusive: bool
    min_cell: int
    partnerships: pd.DataFrame | None
    partnership_source: str
    flanders: list[str]
    names: dict[str, str]
    publisher: Publisher
    sensitivity_step: int = 500

    @classmethod
    def build(
        cls,
        ctx,
        *,
        threshold: float,
        definition: str,
        year: int | None,
        inclusive: bool,
        partnerships_file: str = "",
        min_cell: int = 5,
        output_dir: str = "",
        sensitivity_step: int = 500,
    ) -> EligibilityReport:
        source = reporting.origin_source(ctx, definition)
        munis = ctx.load("municipalities")
        flanders = authorities.region_members(munis)
        if partnerships_file:
            partnerships, how = eligibility.read_partnerships(partnerships_file), "file"
        elif ctx.has("partnerships"):
            partnerships, how = ctx.load("partnerships"), "build"
        else:
            partnerships, how = None, "none"
        return cls(
            ctx,
            source,
            reporting.reference_year(source.frame, year),
            threshold,
            inclusive,
            int(min_cell),
            partnerships,
            how,
            flanders,
            dict(zip(munis["refnis"].astype(str), munis["name_nl"], strict=False)),
            Publisher.for_folder(output_dir),
            int(sensitivity_step),
        )

    @property
    def definition(self) -> str:
        return self.source.definition

    @property
    def year(self) -> int:
        return self.ref.year

    @property
    def comparison(self) -> str:
        return ">=" if self.inclusive else ">"

    def caption(self, extra: str | None = None) -> str:
        return self.ctx.caption(year=self.year, definition=self.definition, extra=extra)

    def section(self, key: str) -> None:
        """Heading and introduction of section ``key``, in the report's language.

        The heading is level 1 for ``title``, else 2.
        """
        heading, intro = SECTIONS[key]
        values = dict(
            threshold=i18n.number(THRESHOLD_RESIDENTS),
            min_cell=i18n.number(self.min_cell),
            band=i18n.number(NEAR_BAND),
            announced=i18n.date(programmes.fact("announcement_date")),
            low=i18n.number(min(eligibility.thresholds_range(step=self.sensitivity_step))),
            high=i18n.number(max(eligibility.thresholds_range(step=self.sensitivity_step))),
        )
        level = "#" if key == "title" else "##"
        parts = [f"{level} {_(heading, **values)}"] if heading else []
        _markdown("\n\n".join([*parts, _(intro, **values)]))

    def data_note(self) -> None:
        """What the counts mean, the reference year, and the partnerships used."""
        if self.source.proxy:
            lines = [self.source.note()]
        elif self.ctx.demo:
            lines = [
                _(
                    "Origin definition: **{definition}** (origin table: Demoland, fictional).",
                    definition=self.source.label,
                )
            ]
        else:
            lines = [
                _(
                    "Origin definition: **{definition}** (origin table: supplied by the user).",
                    definition=self.source.label,
                )
            ]
        date = i18n.active().first_january(self.year)
        lines.append(
            " ".join(t for t in (_("Reference year: **{date}**.", date=date), self.ref.note()) if t)
        )
        n = self.partnerships["partnership_id"].nunique() if self.partnerships is not None else 0
        municipalities = i18n.number(len(self.flanders))
        if self.partnership_source == "file":
            lines.append(
                i18n.ngettext(
                    "Flemish municipalities: {municipalities}; partnerships: the file given in "
                    "`partnerships_file` ({n} partnership).",
                    "Flemish municipalities: {municipalities}; partnerships: the file given in "
                    "`partnerships_file` ({n} partnerships).",
                    n,
                    municipalities=municipalities,
                )
            )
        elif self.partnership_source == "build":
            lines.append(
                i18n.ngettext(
                    "Flemish municipalities: {municipalities}; partnerships: the partnerships "
                    "table of the build ({n} partnership).",
                    "Flemish municipalities: {municipalities}; partnerships: the partnerships "
                    "table of the build ({n} partnerships).",
                    n,
                    municipalities=municipalities,
                )
            )
        else:
            lines.append(
                _(
                    "Flemish municipalities: {municipalities}; partnerships: none in the data "
                    "(every municipality applies alone).",
                    municipalities=municipalities,
                )
            )
        _markdown("\n\n".join(lines))

    def table(self) -> pd.DataFrame:
        """The :func:`eligibility.eligible` result for Flanders (raw counts)."""
        return eligibility.eligible(
            self.source.frame,
            self.threshold,
            self.definition,
            self.year,
            self.partnerships,
            self.inclusive,
            within=self.flanders,
        )

    def publish_list(self, table: pd.DataFrame, stem: str, title: str, empty: str) -> None:
        """Disclosure-controlled table with the reader's column headers (and its CSV).

        ``empty``: the sentence shown when no applicant is in the list.
        """
        if table.empty:
            _markdown(f"*{empty}*")
            return
        shown = eligibility.for_publication(table, self.min_cell, names=self.names)
        shown["count"] = shown["count"].map(thousands)
        shown["total"] = shown["total"].map(thousands)
        headers = {column: _(label) for column, label in PUBLISHED_COLUMNS.items()}
        self.publisher.table(shown.rename(columns=headers), stem, title)

    def eligible_list(self) -> None:
        """How many applicants qualify, and their list."""
        table = self.table()
        chosen = table[table["eligible"]]
        _markdown(
            i18n.ngettext(
                "**{n} of {applicants} applicants qualifies** ({definition} {comparison} "
                "{threshold}, {year}): {municipalities} municipalities, {pooled} of them in "
                "partnerships.",
                "**{n} of {applicants} applicants qualify** ({definition} {comparison} "
                "{threshold}, {year}): {municipalities} municipalities, {pooled} of them in "
                "partnerships.",
                len(chosen),
                applicants=i18n.number(len(table)),
                definition=self.source.label,
                comparison=self.comparison,
                threshold=thousands(int(self.threshold)),
                year=self.year,
                municipalities=i18n.number(int(chosen["n_members"].sum())),
                pooled=i18n.number(int((chosen["kind"] == "partnership").sum())),
            )
        )
        self.publish_list(
            chosen,
            "eligible",
            _("Applicants that qualify"),
            _("No applicant qualifies."),
        )

    def near(self, band: float = NEAR_BAND) -> None:
        """Applicants within ``band`` residents of the threshold."""
        self.publish_list(
            eligibility.near_threshold(self.table(), band=band),
            "near_threshold",
            _("Applicants within ±{band} of the threshold", band=i18n.number(band)),
            _("No applicant within ±{band} of the threshold.", band=i18n.number(band)),
        )

    def map(self) -> None:
        """Municipalities shaded by their count; members of qualifying applicants outlined."""
        from samenleven_analysis.data import boundaries as geo
        from samenleven_analysis.reports import figures, maps

        table = self.table()
        counted = eligibility.counts(self.source.frame, self.definition, self.year)
        shapes = geo.load_boundaries(
            self.ctx.vintage,
            "flanders",
            demo=self.ctx.built_demo or None,
            data_dir=self.ctx.data_dir,
        )
        shapes = shapes.merge(counted[["refnis", "count"]], on="refnis", how="left")
        top = max(float(shapes["count"].max()), 2.0 * self.threshold + 1)
        t = self.threshold
        members = sorted({m for ms in table.loc[table["eligible"], "members"] for m in ms})
        values = dict(comparison=self.comparison, threshold=i18n.number(t))
        fig = maps.choropleth(
            shapes,
            "count",
            bins=[t / 3, 2 * t / 3, t, 2 * t, top],
            highlight=members,
            highlight_label=_("Qualifies ({comparison} {threshold}, alone or pooled)", **values),
            legend_title=_("Residents, {definition}", definition=self.source.label),
            fmt=count_formatter(self.min_cell),
            caption=self.caption(),
            demo=self.ctx.demo,
            missing_label=_("No data"),
        )
        if self.publisher.folder is not None:
            title = _("Map")
            figures.save(fig, self.publisher.folder / "map")
            self.publisher.written += [(title, "PNG", "map.png"), (title, "SVG", "map.svg")]
        figures.show(fig)
        plt.close(fig)

    def coverage(self) -> None:
        """Share of the target population living in qualifying applicants, beside the claim."""
        cov = eligibility.Coverage.from_applicants(self.table())
        claim = programmes.facts()["facts"]["coverage_claim"]
        values = dict(
            share=i18n.percent(cov.share),
            residents=thousands(disclosure.format_count(cov.residents_total, self.min_cell)),
            definition=self.source.label,
            year=self.year,
            eligible=i18n.number(cov.eligible_municipalities),
            municipalities=i18n.number(len(self.flanders)),
            claim=text_value(claim["value"]),
            approx=i18n.percent(claim["approx"], 0),
            source=programmes.citation("coverage_claim"),
        )
        text = _(
            "Qualifying applicants hold **{share}** of the {residents} residents ({definition}, "
            '{year}) in {eligible} of {municipalities} municipalities. Claim: "{claim}" '
            "(about {approx}; source: {source}).",
            **values,
        )
        if self.source.proxy:
            text += " " + _(
                "The proxy understates origin, so this share is not comparable with the claim."
            )
        _markdown(text)

    def sensitivity(self, step: int | None = None, n_years: int = 5) -> pd.DataFrame:
        """Applicants that qualify by threshold, definition and year (the raw results)."""
        years = [y for y in self.ref.available if y <= self.year][-n_years:]
        return eligibility.sensitivity(
            self.source.frame,
            step=self.sensitivity_step if step is None else step,
            years=years,
            partnerships=self.partnerships,
            inclusive=self.inclusive,
            within=self.flanders,
        )

    def sensitivity_results(self) -> None:
        """The sensitivity step: the table by threshold, definition and year, and more.

        Also the applicants that enter or leave, and the figure.
        """
        sens = self.sensitivity()
        self.sensitivity_table(sens)
        self.moves(sens)
        self.sensitivity_figure(sens)

    def sensitivity_table(self, sens: pd.DataFrame) -> None:
        """Applicants that qualify by threshold (rows) and definition × year (columns)."""
        wide = sens.pivot(index="threshold", columns=["definition", "year"], values="n_eligible")
        wide.columns = [
            _("{definition}, {year}", definition=definition_label(d), year=y)
            for d, y in wide.columns
        ]
        wide = wide.reset_index()
        wide["threshold"] = wide["threshold"].map(lambda v: thousands(int(v)))
        wide = wide.rename(columns={"threshold": _("threshold")})
        self.publisher.table(
            wide, "sensitivity", _("Applicants that qualify by threshold, definition and year")
        )

    def moves(self, sens: pd.DataFrame) -> None:
        """Applicants that enter or leave against the baseline threshold.

        At the definition and year of the run.
        """
        here = sens[(sens["definition"] == self.definition) & (sens["year"] == self.year)]
        moved = here[(here["n_entered"] > 0) | (here["n_left"] > 0)]
        out = pd.DataFrame(
            {
                _("threshold"): moved["threshold"].map(lambda v: thousands(int(v))),
                _("applicants that qualify"): moved["n_eligible"],
                _("enter"): moved["entered"].map(self._labels),
                _("leave"): moved["left"].map(self._labels),
            }
        )
        self.publisher.table(
            out,
            "threshold_moves",
            _(
                "Changes against the baseline of {threshold}, {year}",
                threshold=i18n.number(eligibility.DEFAULT_THRESHOLD),
                year=self.year,
            ),
        )

    def _labels(self, codes: Any) -> str:
        return ", ".join(f"{self.names.get(c, c)} ({c})" for c in codes)

    def sensitivity_figure(self, sens: pd.DataFrame) -> None:
        """Applicants that qualify and coverage against the threshold, per definition."""
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        latest = sens[sens["year"] == self.year]
        for name, part in latest.groupby("definition", sort=True):
            axes[0].plot(
                part["threshold"], part["n_eligible"], marker="o", label=definition_label(name)
            )
            axes[1].plot(
                part["threshold"], 100 * part["coverage"], marker="o", label=definition_label(name)
            )
        ylabels = [_("applicants that qualify"), _("coverage (%)")]
        for ax, ylabel in zip(axes, ylabels, strict=True):
            ax.axvline(self.threshold, color="grey", lw=0.8, ls="--")
            ax.xaxis.set_major_formatter(tick_formatter())
            ax.yaxis.set_major_formatter(tick_formatter())
            ax.set(xlabel=_("threshold (residents)"), ylabel=ylabel)
            ax.spines[["top", "right"]].set_visible(False)
        axes[0].legend(frameon=False, fontsize=8)
        fig.subplots_adjust(wspace=0.3)
        self.publisher.figure(fig, "sensitivity", _("Sensitivity to the threshold"), self.caption())

    def facts(self) -> None:
        """The policy facts the notebook relies on (reference facts, with conflicts)."""
        self.publisher.table(fact_table(FACTS_SHOWN), "facts", _("The rule and its sources"))

    def links(self) -> None:
        """Links to the files of this report (in a ``samenleven run``)."""
        self.publisher.links()
