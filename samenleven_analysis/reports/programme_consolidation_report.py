"""The steps of the programme-consolidation notebook (``notebooks/programme_consolidation``).

The official 2022 call (objectives, actions, KPI caps, the most an authority could claim) against
the announcement, and the fragmented-versus-consolidated comparison when a programme table is
supplied (the fragmented regime otherwise stays as the published counts). Every heading, sentence,
table header and figure label comes from the message catalogs (:mod:`samenleven_analysis.i18n`), in
the notebook's ``language``; the official Dutch names of objectives and actions go through
:func:`samenleven_analysis.i18n.call_label`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import authorities, disclosure, programmes
from samenleven_analysis.facts import THRESHOLD_RESIDENTS
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.fact_text import fact_table
from samenleven_analysis.reports.labels import REGIME_LABELS, missing_input_text
from samenleven_analysis.reports.publish import Publisher, thousands, tick_formatter

CALL_FACTS = (
    "project_period_2022",
    "application_window_2022",
    "kpi_rules_2022",
    "polarisation_action_plan_eur",
    "budget_announced_eur",
    "authorities_announced",
    "projects_after",
    "goals_after",
)
REGIME_FACTS = (
    "projects_before",
    "trainings_before",
    "projects_after",
    "budget_paid_eur",
    "budget_total_eur",
    "participating_authorities",
)

SECTIONS: dict[str, tuple[str, str]] = {
    "title": (
        N_("The programme design: the official 2022 call, and from {before} projects to {after}"),
        N_(
            "Before Plan Samenleven, Flemish funding for living together in diversity went to "
            "**{before} projects and {trainings} trainings**; from {start} it was consolidated "
            "into the Plan's actions, each carried out by many local authorities over three "
            "project years (October–September, {first}–{last}). This report shows:\n\n"
            "- the official 2022 call as configured on the Flemish local-authorities portal: "
            "its objectives, actions and KPI caps, and the most one authority could claim per "
            "objective and in total, against the announced {budget} for {authorities} "
            "authorities and {after} projects;\n"
            "- the two regimes compared (size, reach, concentration of money, the share going "
            "to authorities that meet the rule of {threshold} residents) when a programme table "
            "is supplied; otherwise the published counts."
        ),
    ),
    "call": (
        N_("The 2022 call"),
        N_(
            "The call's configuration is a series of SPARQL migrations, replayed in file-name "
            "order (`samenleven build` writes the `call_rules` table). One row per KPI rule: an "
            "objective, an action, a unit of output, the most units paid for and the amount per "
            "unit."
        ),
    ),
    "caps": (
        N_("The most one authority could claim"),
        N_(
            "Per objective, the sum of its KPI caps (maximum units × amount per unit); the total "
            "is the most one qualifying authority could claim for one project year."
        ),
    ),
    "announcement": (
        N_("The call against the announcement"),
        N_(
            "The announcement of {announced} promised {budget} for {authorities} authorities "
            "and {after} projects."
        ),
    ),
    "regimes": (
        N_("Before and after: fragmented versus consolidated"),
        N_(
            "A *project* is one `project_id` in the fragmented regime and one action "
            "(`programme`) in the consolidated regime; a *grant* is one row (an authority's "
            "part of a project in one project year). Concentration is measured over recipient "
            "authorities."
        ),
    ),
    "reading": (
        N_("Reading the comparison"),
        N_(
            "- *Fewer, larger projects*: consolidation divides the money over far fewer "
            "projects, so the budget and reach per project rise by construction; budget per "
            "participant is the figure that says whether reaching a person became cheaper or "
            "dearer.\n"
            "- *Concentration*: HHI and Gini over authorities show whether the money moved into "
            "fewer hands; the share going to qualifying authorities shows how much the rule of "
            "{threshold} residents steers it.\n"
            "- *The call's caps* bound what an authority could receive; what authorities "
            "actually received needs the programme table."
        ),
    ),
}
"""Section key → (heading, introduction): message ids, translated when shown."""

METRIC_LABELS = {
    "n_projects": N_("Projects"),
    "n_trainings": N_("Trainings"),
    "n_grants": N_("Grants (authority × project × year)"),
    "n_authorities": N_("Recipient authorities"),
    "budget_total_eur": N_("Budget, total (EUR)"),
    "budget_per_project_eur": N_("Budget per project (EUR)"),
    "budget_per_grant_eur": N_("Budget per grant (EUR)"),
    "budget_per_participant_eur": N_("Budget per participant (EUR)"),
    "reach_total": N_("Participants, total"),
    "reach_median_project": N_("Participants per project, median"),
    "reach_median_grant": N_("Participants per grant, median"),
    "hhi_authorities": N_("HHI of money over authorities"),
    "gini_authorities": N_("Gini of money over authorities"),
    "top5_share": N_("Share of the 5 largest recipients"),
    "share_eligible": N_("Share of money to eligible authorities"),
}
"""Compared metric → label (message id), for every metric of ``programmes.COMPARE_UNITS``."""

PER_YEAR_COLUMNS = {
    "regime": N_("regime"),
    "project_year": N_("project year"),
    "n_projects": N_("projects"),
    "n_grants": N_("grants"),
    "n_authorities": N_("authorities"),
    "budget_eur": N_("budget (EUR)"),
    "participants": N_("participants"),
    "fact_budget_eur": N_("published budget (EUR)"),
    "fact_authorities": N_("published authorities"),
}


def _markdown(text: str) -> None:
    from IPython.display import Markdown

    reporting._display(Markdown(text))


def _million(value: float, digits: int = 0) -> str:
    return _("{amount} million EUR", amount=i18n.number(value / 1e6, digits))


def show_value(value, unit: str, min_cell: int, signed: bool = False) -> str:
    """A metric as published text in the active language.

    Persons through disclosure, shares in % (differences in percentage points), indices with 3
    decimals, money rounded.
    """
    if pd.isna(value):
        return ""
    write = i18n.signed if signed else i18n.number
    if unit == "persons":
        text = disclosure.format_count(abs(value) if signed else value, min_cell)
        if not text.isdigit():
            return text
        return write(-int(text) if signed and value < 0 else int(text))
    if unit == "share":
        if signed:
            return _("{value} pp", value=i18n.signed(100 * value, 1))
        return i18n.percent(value)
    if unit == "index":
        return write(value, 3)
    return write(value, 0)


def short_value(value: float, unit: str = "count") -> str:
    """Compact bar label in the active language.

    Shares as %, indices with 2 decimals, money and counts as 37 k / 2,0 M.
    """
    if pd.isna(value):
        return ""
    if unit == "share":
        return i18n.percent(value, 0)
    if unit == "index":
        return i18n.number(value, 2)
    if abs(value) >= 1e6:
        return _("{value} M", value=i18n.number(value / 1e6, 1))
    if abs(value) >= 1e4:
        return _("{value} k", value=i18n.number(value / 1e3, 0))
    return i18n.number(value, 0)


def regimes_figure(metric_table: pd.DataFrame, *, min_cell: int):
    """Small multiples of bar pairs (fragmented vs consolidated) for the plotted metrics.

    Labelled in the active language; person counts through disclosure control.
    """
    per = metric_table.set_index("regime").reindex(list(programmes.REGIMES))
    cols = [c for c in programmes.PLOT_METRICS if per[c].notna().any()]
    ncols = 3
    nrows = max(1, -(-len(cols) // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, 3.0 * nrows), squeeze=False)
    names = [_(REGIME_LABELS[r]) for r in programmes.REGIMES]
    for ax, col in zip(axes.flat, cols, strict=False):
        unit = programmes.COMPARE_UNITS.get(col, "count")
        values = per[col].astype(float)
        bars = ax.bar(names, values.to_numpy(), color=("#9e9e9e", "#1f5fa8"))
        # wrapped: Dutch labels are longer than the panel is wide
        ax.set_title(textwrap.fill(_(METRIC_LABELS[col]), 30), fontsize=10)
        labels = (
            [show_value(v, unit, min_cell) for v in values]
            if unit == "persons"
            else [short_value(v, unit) for v in values]
        )
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        ax.margins(y=0.2)
        if unit == "share":
            ax.set_ylim(0, 1.15)
        ax.yaxis.set_major_formatter(
            plt.FuncFormatter(lambda v, _pos, unit=unit: short_value(v, unit))
        )
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(cols) :]:
        ax.set_visible(False)
    fig.subplots_adjust(hspace=0.6, wspace=0.35)
    return fig


@dataclass
class ProgrammeConsolidationReport:
    """Inputs of the programme notebook and the steps that display them."""

    ctx: reporting.DataContext
    rules: pd.DataFrame | None
    programmes: pd.DataFrame | None
    elig: pd.DataFrame
    source: reporting.OriginSource
    year: int
    min_cell: int
    publisher: Publisher

    @classmethod
    def build(
        cls,
        ctx,
        *,
        threshold: float,
        definition: str,
        year: int | None,
        inclusive: bool,
        min_cell: int = 5,
        output_dir: str = "",
    ) -> ProgrammeConsolidationReport:
        table = reporting.authority_table(
            ctx,
            year=year,
            definition=definition,
            threshold=threshold,
            inclusive=inclusive,
            vintage=ctx.vintage,
            region="",
        )
        prog = ctx.optional("programmes")
        if prog is not None:
            programmes.validate(prog)
        return cls(
            ctx,
            ctx.optional("call_rules"),
            prog,
            table,
            reporting.origin_source(ctx, definition),
            int(table.attrs["year"]),
            int(min_cell),
            Publisher.for_folder(output_dir),
        )

    def section(self, key: str) -> None:
        """Heading and introduction of section ``key``, in the report's language.

        The heading is level 1 for ``title``, else 2.
        """
        heading, intro = SECTIONS[key]
        years = programmes.fact("project_years")
        values = dict(
            before=i18n.number(programmes.fact("projects_before")),
            trainings=i18n.number(programmes.fact("trainings_before")),
            after=i18n.number(programmes.fact("projects_after")),
            start=i18n.date(programmes.fact("start_date")),
            first=min(years),
            last=max(years),
            budget=_million(programmes.fact("budget_announced_eur")),
            authorities=i18n.number(programmes.fact("authorities_announced")),
            threshold=i18n.number(THRESHOLD_RESIDENTS),
            announced=i18n.date(programmes.fact("announcement_date")),
        )
        level = "#" if key == "title" else "##"
        _markdown(f"{level} {_(heading, **values)}\n\n{_(intro, **values)}")

    # ----------------------------------------------------------------- the 2022 call
    def call_overview(self) -> None:
        """The call's name, its rules, objectives and actions, and its dates."""
        if self.rules is None:
            _markdown(
                "> **"
                + _("No call configuration in these data")
                + "** "
                + _(
                    "(the folder `plansamenleven/` of the mirror: SPARQL migrations of the "
                    "Flemish local-authorities portal)."
                )
            )
            return
        r = self.rules.iloc[0]
        values = dict(
            call=i18n.call_label(r["call"]),
            rules=i18n.number(len(self.rules)),
            objectives=i18n.number(self.rules["objective"].nunique()),
            actions=i18n.number(self.rules["action"].nunique()),
            project_start=i18n.date(r["project_start"]),
            project_end=i18n.date(r["project_end"]),
            application_start=i18n.date(r["application_start"]),
            application_end=i18n.date(r["application_end"]),
        )
        text = _(
            "**{call}**: {rules} KPI rules under {objectives} objectives and {actions} actions. "
            "Project period {project_start} to {project_end}; applications from "
            "{application_start} to {application_end} (dates in Brussels time).",
            **values,
        )
        source = (
            _("Source: Demoland (fictional) call rules.")
            if self.ctx.demo
            else _(
                "Source: the portal's configuration of the call, replayed migration by migration."
            )
        )
        _markdown(f"{text} {source}")

    def rules_table(self) -> None:
        """One row per KPI rule of the call."""
        if self.rules is None:
            return
        shown = self.rules[
            ["objective", "action", "kpi_unit", "max_units", "eur_per_unit", "max_eur"]
        ].copy()
        shown["objective"] = shown["objective"].map(i18n.call_label)
        shown["action"] = shown["action"].map(i18n.call_label)
        shown["eur_per_unit"] = shown["eur_per_unit"].round(0).astype("int64")
        shown["max_eur"] = shown["max_eur"].round(0).astype("int64")
        shown = shown.rename(
            columns={
                "objective": _("objective"),
                "action": _("action"),
                "kpi_unit": _("KPI unit"),
                "max_units": _("maximum units"),
                "eur_per_unit": _("EUR per unit"),
                "max_eur": _("maximum (EUR)"),
            }
        )
        self.publisher.table(shown, "call_rules", _("KPI rules of the 2022 call"))

    def caps(self) -> None:
        """Maximum subsidy per authority per objective and in total."""
        if self.rules is None:
            return
        per = authorities.subsidy_caps(self.rules)
        per.columns = ["objective", "actions", "rules", "maximum"]
        total = pd.DataFrame(
            [
                {
                    "objective": _("total"),
                    "actions": self.rules["action"].nunique(),
                    "rules": len(self.rules),
                    "maximum": int(per["maximum"].sum()),
                }
            ]
        )
        shown = pd.concat(
            [per.assign(objective=per["objective"].map(i18n.call_label)), total],
            ignore_index=True,
        )
        headers = {
            "objective": _("objective"),
            "actions": _("actions"),
            "rules": _("KPI rules"),
            "maximum": _("maximum (EUR)"),
        }
        self.publisher.table(
            shown.rename(columns=headers),
            "subsidy_caps",
            _("Maximum subsidy per authority per objective"),
        )
        fig, ax = plt.subplots(figsize=(8, 3.6))
        ordered = per.sort_values("maximum", kind="stable")
        ax.barh(
            ordered["objective"].map(i18n.call_label), ordered["maximum"] / 1000, color="#3182bd"
        )
        ax.set(xlabel=_("maximum per authority and project year (thousand EUR)"))
        ax.xaxis.set_major_formatter(tick_formatter())
        ax.tick_params(axis="y", labelsize=8)
        caption = (
            _("Source: Demoland (fictional); sum of KPI caps")
            if self.ctx.demo
            else _("Source: Plan Samenleven 2022 call configuration; sum of KPI caps")
        )
        self.publisher.figure(
            fig, "subsidy_caps", _("Maximum subsidy per objective"), caption, left=2.2
        )

    def against_announcement(self) -> None:
        """The call's ceiling times the authorities, against the announced figures.

        The announced budget, authorities and projects.
        """
        if self.rules is None:
            return
        cap = float(self.rules["max_eur"].sum())
        announced = programmes.fact("budget_announced_eur")
        n_announced = programmes.fact("authorities_announced")
        n_data = int(self.elig["eligible"].sum())
        actions = self.rules["action"].nunique()
        projects = programmes.fact("projects_after")
        rows = [
            (_("most one authority could claim (EUR, one project year)"), round(cap)),
            (
                _("× {n} authorities announced (EUR)", n=i18n.number(n_announced)),
                round(cap * n_announced),
            ),
            (_("announced budget (EUR)"), round(announced)),
            (
                _(
                    "applicants that qualify in these data ({definition}, {year})",
                    definition=self.source.label,
                    year=self.year,
                ),
                n_data,
            ),
            (_("× {n} applicants (EUR)", n=i18n.number(n_data)), round(cap * n_data)),
            (_("actions in the call"), actions),
            (_("projects announced"), projects),
        ]
        table = pd.DataFrame(
            {_("quantity"): [q for q, _v in rows], _("value"): [thousands(v) for _q, v in rows]}
        )
        self.publisher.table(table, "against_announcement", _("The call against the announcement"))
        values = dict(
            n=i18n.number(n_announced),
            amount=_million(cap * n_announced, 1),
            share=i18n.percent(cap * n_announced / announced, 0),
            announced=_million(announced),
            actions=i18n.number(actions),
            projects=i18n.number(projects),
        )
        if actions != projects:
            text = _(
                "If all {n} announced authorities claimed every cap, the call would pay {amount} "
                "a year, {share} of the announced {announced}. The call lists {actions} distinct "
                "actions, against the {projects} projects of the announcement (the source of the "
                "difference is not in the call files).",
                **values,
            )
        else:
            text = _(
                "If all {n} announced authorities claimed every cap, the call would pay {amount} "
                "a year, {share} of the announced {announced}. The call lists {actions} distinct "
                "actions, as many as the {projects} projects of the announcement.",
                **values,
            )
        if self.source.proxy:
            text += " " + _(
                "The qualifying count uses the nationality proxy, which understates origin."
            )
        _markdown(text)

    def call_facts(self) -> None:
        """The reference facts on the call, with conflicting sources."""
        self.publisher.table(
            fact_table(CALL_FACTS),
            "call_facts",
            _("Reference facts on the call, with conflicting sources"),
        )

    # ----------------------------------------------------------------- the two regimes
    def regimes(self) -> None:
        """Fragmented vs consolidated on the programme table, or what is missing."""
        if self.programmes is None:
            _markdown(
                missing_input_text("programmes", _("The comparison of the two regimes"))
                + " "
                + _("Until then the fragmented regime stays as the published counts below.")
            )
            self.publisher.table(
                fact_table(REGIME_FACTS),
                "regime_facts",
                _("Published counts of the two regimes"),
            )
            return
        if self.ctx.demo:
            _markdown(
                "> **"
                + _("DEMO programme table")
                + "** "
                + _(
                    "(Demoland, fictional), generated to the published totals. The numbers "
                    "illustrate the method; they are not findings about Flanders."
                )
            )
        metrics = programmes.metrics(self.programmes, self.elig)
        comparison = programmes.compare(metrics)
        units = comparison["unit"]
        shown = pd.DataFrame(
            {
                _("metric"): [_(METRIC_LABELS[c]) for c in programmes.COMPARE_UNITS],
                _("fragmented"): [
                    show_value(v, u, self.min_cell)
                    for v, u in zip(comparison["fragmented"], units, strict=True)
                ],
                _("consolidated"): [
                    show_value(v, u, self.min_cell)
                    for v, u in zip(comparison["consolidated"], units, strict=True)
                ],
                _("change"): [
                    show_value(v, u, self.min_cell, True)
                    for v, u in zip(comparison["change"], units, strict=True)
                ],
                _("ratio"): [
                    "" if pd.isna(r) else "×" + i18n.number(r, 2) for r in comparison["ratio"]
                ],
            }
        )
        title = _("Fragmented versus consolidated")
        self.publisher.table(shown, "regimes", title)
        self.publisher.figure(
            regimes_figure(metrics, min_cell=self.min_cell),
            "regimes",
            title,
            self.ctx.caption(extra=_("programme table")),
        )

    def per_year(self) -> None:
        """Per project year, next to the published figures."""
        if self.programmes is None:
            return
        years = programmes.per_year(self.programmes)
        years["regime"] = years["regime"].map(lambda r: _(REGIME_LABELS[r]))
        years["participants"] = [
            thousands(disclosure.format_count(v, self.min_cell)) for v in years["participants"]
        ]
        years["budget_eur"] = years["budget_eur"].round(0).astype("int64")
        years["fact_budget_eur"] = [
            "" if pd.isna(v) else int(round(v)) for v in years["fact_budget_eur"]
        ]
        years["fact_authorities"] = [
            "" if pd.isna(v) else int(v) for v in years["fact_authorities"]
        ]
        self.publisher.table(
            years.rename(columns={k: _(v) for k, v in PER_YEAR_COLUMNS.items()}),
            "per_year",
            _("Per project year, next to the published figures"),
        )

    def eligibility_note(self) -> None:
        """The eligibility the shares of the comparison use."""
        text = i18n.ngettext(
            "Eligibility used for the shares below: {definition}, {year}: {n} of {applicants} "
            "applicants qualifies.",
            "Eligibility used for the shares below: {definition}, {year}: {n} of {applicants} "
            "applicants qualify.",
            int(self.elig["eligible"].sum()),
            definition=self.source.label,
            year=self.year,
            applicants=i18n.number(len(self.elig)),
        )
        _markdown(text + (f"\n\n{self.source.note()}" if self.source.proxy else ""))

    def links(self) -> None:
        """Links to the files of this report (in a ``samenleven run``)."""
        self.publisher.links()
