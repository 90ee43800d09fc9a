"""The sections of one local authority's report (``notebooks/authority_report``).

So that the notebook is one call per section.

Each section uses only what the data hold: on the real open data that is population by
nationality, age and sex (2009–2015), fiscal income (2005–2020) and the 2022 call rules;
a section whose input has no public source says so and names the file that would fill it.
Counts of persons go through :mod:`samenleven_analysis.analysis.disclosure`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import authorities, disclosure, kpi
from samenleven_analysis.analysis.kpi import KpiData
from samenleven_analysis.data import plan_facts
from samenleven_analysis.facts import THRESHOLD_RESIDENTS
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports import outputs
from samenleven_analysis.reports.kpi import (
    CONTRACTS_FILE,
    EARNING_RULE,
    eur,
    kpi_data_from_context,
    missing_message,
    pct,
    per_authority,
    small_counts,
)
from samenleven_analysis.reports.labels import (
    definition_label,
    kind_label,
    missing_input_text,
    origin_label,
    outcome_label,
    regime_label,
    sex_label,
)
from samenleven_analysis.reports.publish import Publisher, thousands
from samenleven_analysis.reports.text import label as _label
from samenleven_analysis.reports.text import md_escape as _md

THRESHOLDS = (5000, 6000, 7000, THRESHOLD_RESIDENTS, 8000, 9000, 10000)
"""Thresholds of the sensitivity table."""

_TABLES: dict[tuple, pd.DataFrame] = {}

SUPPRESSED_BAND = N_("suppressed (see table)")
"""Legend entry of the band that stands for the suppressed groups of a year together."""
SUPPRESSED_COLOUR = "#d9d9d9"

AGE_BANDS = 5
"""Width (years) of the population pyramid's age bands; the last band is open (90+)."""


def _markdown(text: str) -> None:
    from IPython.display import Markdown

    reporting._display(Markdown(text))


def _count(value: Any, min_cell: int) -> str:
    return thousands(disclosure.format_count(value, min_cell))


@dataclass
class AuthorityReport:
    """Everything one report needs, computed once; the methods display one section each."""

    ctx: reporting.DataContext
    authority: str
    table: pd.DataFrame
    row: pd.Series
    threshold: float
    min_cell: int
    publisher: Publisher
    requested_year: int | None = None
    cluster: pd.DataFrame = field(default_factory=pd.DataFrame)

    # ----------------------------------------------------------------- construction
    @classmethod
    def build(
        cls,
        ctx: reporting.DataContext,
        authority: str,
        *,
        year: int | None,
        definition: str,
        threshold: float,
        vintage: int,
        min_cell: int,
        output_dir: str = "",
    ) -> AuthorityReport:
        key = (str(ctx.processed), year, definition, threshold, vintage)
        if key not in _TABLES:
            # the same table serves every report a kernel runs (ReusableKernel)
            _TABLES[key] = reporting.authority_table(
                ctx, year=year, definition=definition, threshold=threshold, vintage=vintage
            )
        table = _TABLES[key].copy()
        table.attrs = dict(_TABLES[key].attrs)
        row = authorities.find_authority(table, str(authority))
        cluster = authorities.similar_authorities(table, str(row["applicant"]), k=5)
        return cls(
            ctx,
            str(authority),
            table,
            row,
            threshold,
            int(min_cell),
            Publisher.for_folder(output_dir),
            year,
            cluster,
        )

    @property
    def applicant(self) -> str:
        return str(self.row["applicant"])

    @property
    def members(self) -> list[str]:
        return [str(m) for m in self.row["members"]]

    @property
    def name(self) -> str:
        return str(self.row["name"])

    @property
    def year(self) -> int:
        return int(self.table.attrs["year"])

    @property
    def definition(self) -> str:
        return str(self.table.attrs["definition"])

    @functools.cached_property
    def source(self) -> reporting.OriginSource:
        # once per report: every load hands out a copy of a table of 1.3 million rows
        return reporting.origin_source(self.ctx, self.table.attrs["requested_definition"])

    @property
    def cluster_members(self) -> list[str]:
        return [str(m) for ms in self.cluster["members"] for m in ms]

    @property
    def flanders(self) -> list[str]:
        return list(self.table.attrs["region_codes"])

    def caption(self, year: Any = None, extra: str | None = None) -> str:
        return self.ctx.caption(year=year, definition=self.definition, extra=extra)

    # ----------------------------------------------------------------- sections
    def opening(self) -> None:
        """The report's opening for its reader: what it shows, for whom, where the data come from.

        See :mod:`samenleven_analysis.reports.authority_text`.
        """
        from samenleven_analysis.reports import authority_text

        _markdown(
            # names from the data are escaped at the source (no live markup, no links)
            authority_text.opening_markdown(
                _md(self.name), _md(self.applicant), demo=self.ctx.demo, min_cell=self.min_cell
            )
        )

    def section(self, key: str) -> None:
        """Heading and introduction of section ``key`` in the report's language."""
        from samenleven_analysis.reports import authority_text

        _markdown(authority_text.section_markdown(key))

    def at_a_glance(self) -> None:
        """Name, count and share, rank, eligibility and margin, with the data notes."""
        row, label = self.row, definition_label(self.definition)
        ranked = self.table.sort_values(
            ["count", "applicant"], ascending=[False, True]
        ).reset_index(drop=True)
        rank = int(ranked.index[ranked["applicant"] == self.applicant][0]) + 1
        count_text = _count(row["count"], self.min_cell)
        hidden = disclosure.is_suppressed(count_text)
        inclusive = bool(self.table.attrs.get("inclusive"))
        kind = (
            kind_label(row["kind"])
            if row["kind"] != "partnership"
            else i18n.ngettext(
                "partnership of {n} municipality: {members}",
                "partnership of {n} municipalities: {members}",
                len(self.members),
                members=", ".join(self.members),
            )
        )
        # every string from the data is escaped here, at the source: the .ipynb an analyst
        # opens carries no live markup and no link made from a name (the HTML sanitiser is
        # only the second line of defence)
        lines = []
        if self.authority != self.applicant:
            lines.append(
                "*"
                + _(
                    "{authority} applies as a member of partnership {applicant}; the report "
                    "covers the partnership.",
                    authority=_md(self.authority),
                    applicant=_md(self.applicant),
                )
                + "*\n"
            )
        values = dict(
            definition=label,
            date=i18n.active().first_january(self.year),
            count=count_text,
            threshold=thousands(int(self.threshold)),
            yes_no=i18n.yes_no(row["eligible"]),
        )
        if hidden:
            residents = _("- residents of {definition} on {date}: **{count}**", **values)
        else:
            residents = _(
                "- residents of {definition} on {date}: **{count}** of {total} ({share})",
                total=thousands(int(row["total"])),
                share=i18n.percent(row["share"]),
                **values,
            )
        if hidden:
            rule = (
                _("- qualifies under the rule (at least {threshold}): **{yes_no}**", **values)
                if inclusive
                else _("- qualifies under the rule (more than {threshold}): **{yes_no}**", **values)
            )
        else:
            margin = i18n.signed(int(row["margin"]))
            rule = (
                _(
                    "- qualifies under the rule (at least {threshold}): **{yes_no}**, margin "
                    "{margin}",
                    margin=margin,
                    **values,
                )
                if inclusive
                else _(
                    "- qualifies under the rule (more than {threshold}): **{yes_no}**, margin "
                    "{margin}",
                    margin=margin,
                    **values,
                )
            )
        lines += [
            f"**{_md(self.name)}** ({_md(self.applicant)}; {_md(kind)})",
            "",
            residents,
            _(
                "- rank **{rank}** of {applicants} applicants in Flanders by that count",
                rank=rank,
                applicants=len(self.table),
            ),
            rule,
        ]
        notes = [n for n in (self.source.note(), self._year_note()) if n]
        _markdown("\n".join(lines) + ("\n\n" + "\n\n".join(notes) if notes else ""))

    def _year_note(self) -> str:
        ref = reporting.reference_year(self.source.frame, self.requested_year)
        return f"> {ref.note()}" if ref.note() else ""

    def composition(self) -> None:
        """Residents by origin group (or nationality) over time: stacked shares + counts."""
        source = self.source
        if source.proxy:
            # only the members' rows are summed: grouping the whole of Flanders first cost 0.1 s
            frame = source.frame[source.frame["refnis"].astype(str).isin(self.members)]
            frame = frame.assign(origin=frame["nationality"])
            comp = authorities.composition_over_time(
                frame.groupby(["year", "refnis", "origin"], as_index=False)["population"].sum(),
                self.members,
            )
        else:
            comp = authorities.composition_over_time(source.frame, self.members)
        comp = comp.rename(columns=origin_label)
        groups = list(comp.columns)
        wide = comp.assign(total=comp.sum(axis=1)).reset_index()
        shown = disclosure.suppress(
            wide, groups, self.min_cell, totals="rows", total_cols=["total"]
        )
        # the figure is drawn from the suppressed table: published groups as shares of the
        # published total, the suppressed ones together as one band (total minus the
        # published cells, which the table gives away anyway; never a single hidden cell)
        years = wide["year"].to_numpy()
        drawn = pd.DataFrame(
            {g: disclosure.published_values(shown[g]).to_numpy() for g in groups}, index=years
        )
        total = disclosure.published_values(shown["total"]).to_numpy()
        band = _(SUPPRESSED_BAND)
        drawn[band] = total - drawn.fillna(0).sum(axis=1).to_numpy()
        drawn = drawn.fillna(0)
        drawn.loc[np.isnan(total), :] = 0.0
        drawn.loc[np.isnan(total), band] = 1.0  # total hidden: all of it
        if not (drawn[band] > 0).any():
            drawn = drawn.drop(columns=band)
        shares = drawn.div(drawn.sum(axis=1), axis=0) * 100
        shares.index.name = "year"
        fig, ax = plt.subplots(figsize=(8, 3.6))
        # the colours pandas picks for colormap="tab20c", then grey for the suppressed band
        colours = [plt.get_cmap("tab20c")(x) for x in np.linspace(0, 1, len(groups))]
        colours += [SUPPRESSED_COLOUR] * (band in shares)
        shares.plot.area(ax=ax, linewidth=0, color=colours)
        ax.set(
            ylabel=_("share of residents (%)"),
            xlabel=_("1 January of year"),
            ylim=(0, 100),
            title=_("Residents by nationality, {name}", name=_label(self.name))
            if source.proxy
            else _("Residents by origin, {name}", name=_label(self.name)),
        )
        ax.yaxis.set_major_formatter(i18n.axis_formatter())
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        self.publisher.figure(
            fig,
            "composition",
            _("Composition over time"),
            self.caption(
                extra=_("years {first}–{last}", first=comp.index.min(), last=comp.index.max())
            ),
            right=2.4,
        )
        shown["total"] = shown["total"].map(str)
        shown = shown.rename(columns={"year": _("year (1 January)"), "total": _("total")})
        self.publisher.table(shown, "composition", _("Residents by group and year"))

    def pyramid(self) -> None:
        """Age and sex structure in the reference year: Belgians and non-Belgians."""
        pop = self.ctx.load("population_nationality")
        year = reporting.reference_year(pop, self.year).year
        sub = pop[(pop["year"] == year) & pop["refnis"].astype(str).isin(self.members)]
        band = (sub["age"].clip(upper=90) // AGE_BANDS * AGE_BANDS).astype(int)
        wide = sub.assign(band=band).pivot_table(
            index="band",
            columns=["sex", "nationality"],
            values="population",
            aggfunc="sum",
            fill_value=0,
        )
        wide = wide.reindex(
            columns=pd.MultiIndex.from_product([["M", "F"], ["BEL", "ETR"]]), fill_value=0
        )
        # cells below min_cell are not drawn: a bar would give the small count back
        drawn = wide.where(wide >= self.min_cell, 0)
        labels = [f"{b}–{b + AGE_BANDS - 1}" if b < 90 else "90+" for b in drawn.index]
        fig, ax = plt.subplots(figsize=(7, 4.6))
        y = np.arange(len(drawn))
        colours = {"BEL": "#6baed6", "ETR": "#fd8d3c"}
        for sex, sign in (("M", -1), ("F", 1)):
            left = np.zeros(len(drawn))
            for nat in ("BEL", "ETR"):
                values = drawn[(sex, nat)].to_numpy(dtype=float)
                ax.barh(
                    y,
                    sign * values,
                    left=sign * left,
                    color=colours[nat],
                    height=0.85,
                    label=origin_label(nat) if sex == "M" else None,
                )
                left += values
        ax.set_yticks(y, labels, fontsize=7)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.xaxis.set_major_formatter(i18n.axis_formatter(absolute=True))
        ax.set(
            xlabel=_("residents (men left, women right)"),
            ylabel=_("age"),
            title=_(
                "Population by age, sex and nationality, {name}, {year}",
                name=_label(self.name),
                year=year,
            ),
        )
        ax.legend(frameon=False, loc="upper right", fontsize=8)
        self.publisher.figure(
            fig,
            "pyramid",
            _("Population pyramid"),
            self.ctx.caption(year=year, extra=_("bars under the disclosure limit not drawn")),
            left=0.8,
        )
        age = _("age")
        out = pd.DataFrame({age: labels})
        for sex in ("M", "F"):
            for nat in ("BEL", "ETR"):
                column = _("{sex}, {group}", sex=sex_label(sex), group=origin_label(nat))
                out[column] = wide[(sex, nat)].to_numpy()
        counts = [c for c in out.columns if c != age]
        self.publisher.table(
            disclosure.suppress(out, counts, self.min_cell, totals="none"),
            "pyramid",
            _("Population by age band, sex and nationality"),
        )

    def benchmark(self) -> None:
        """Share of the group over time: this authority, similar authorities, Flanders."""
        counted = reporting.origin_counts(self.ctx, self.table.attrs["requested_definition"])
        groups = {
            self.name: self.members,
            _("similar authorities"): self.cluster_members,
            _("Flanders"): self.flanders,
        }
        shares = authorities.benchmark_shares(counted, groups)
        # a share of a count the tables suppress would give the count back (the totals are
        # published): such points are not drawn
        for label, codes in groups.items():
            own = counted[counted["refnis"].astype(str).isin(codes)].groupby("year")["count"].sum()
            small = own.reindex(shares.index) < self.min_cell
            shares.loc[small.to_numpy(), label] = np.nan
        fig, ax = plt.subplots(figsize=(8, 3.4))
        (shares * 100).plot(ax=ax, marker="o", markersize=3)
        ax.set(
            ylabel=_("share of residents (%)"),
            xlabel=_("1 January of year"),
            title=_(
                "Residents of {definition}: {name} and benchmarks",
                definition=definition_label(self.definition),
                name=_label(self.name),
            ),
        )
        ax.yaxis.set_major_formatter(i18n.axis_formatter())
        ax.legend(frameon=False)
        self.publisher.figure(
            fig,
            "benchmark",
            _("Share against Flanders and similar authorities"),
            self.caption(extra=_("similar: 5 nearest applicants on size and share")),
        )
        peers = self.cluster[["applicant", "name", "count", "total", "share", "eligible"]].copy()
        peers["share"] = (peers["share"] * 100).round(1)
        peers["eligible"] = peers["eligible"].map(i18n.yes_no)
        peers = disclosure.suppress(peers, ["count", "total"], self.min_cell, totals="none")
        # share × total gives a suppressed count back
        peers["share"] = [
            "" if disclosure.is_suppressed(c) else s
            for c, s in zip(peers["count"], peers["share"], strict=True)
        ]
        peers = peers.rename(
            columns={
                "applicant": "code",
                "name": _("name"),
                "count": _("residents, {definition}", definition=definition_label(self.definition)),
                "total": _("all residents"),
                "share": _("share (%)"),
                "eligible": _("qualifies"),
            }
        )
        self.publisher.table(
            peers, "similar_authorities", _("Similar authorities, {year}", year=self.year)
        )

    def eligibility(self) -> None:
        """Count over time against the threshold, and the decision by threshold and year."""
        counted = reporting.origin_counts(self.ctx, self.table.attrs["requested_definition"])
        own = (
            counted[counted["refnis"].astype(str).isin(self.members)].groupby("year")["count"].sum()
        )
        rows = pd.DataFrame({"year (1 January)": own.index.astype(int), "count": own.to_numpy()})
        shown = disclosure.suppress(rows, ["count"], self.min_cell, totals="none")
        drawn = disclosure.published_values(shown["count"]).to_numpy()  # suppressed: not drawn
        fig, ax = plt.subplots(figsize=(8, 3.2))
        ax.plot(own.index, drawn, marker="o", markersize=3, label=self.name)
        ax.axhline(
            self.threshold,
            color="black",
            linestyle="--",
            linewidth=1,
            label=_("threshold {threshold}", threshold=thousands(int(self.threshold))),
        )
        ax.axvline(self.year, color="grey", linewidth=0.8)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(i18n.axis_formatter())
        ax.set(
            ylabel=_("residents"),
            xlabel=_("1 January of year"),
            title=_(
                "Residents of {definition} against the threshold, {name}",
                definition=definition_label(self.definition),
                name=_label(self.name),
            ),
        )
        ax.legend(frameon=False)
        self.publisher.figure(
            fig, "eligibility", _("Count against the threshold"), self.caption(year=self.year)
        )
        inclusive = bool(self.table.attrs.get("inclusive"))
        rows = pd.DataFrame({"year": own.index.astype(int), "count": own.to_numpy()})
        shown = disclosure.suppress(rows, ["count"], self.min_cell, totals="none")
        hidden = shown["count"].map(disclosure.is_suppressed)
        shown["margin"] = [
            "" if h else i18n.signed(int(c - self.threshold))
            for h, c in zip(hidden, rows["count"], strict=False)
        ]
        for t in THRESHOLDS:
            passed = rows["count"] >= t if inclusive else rows["count"] > t
            shown[_("qualifies at {threshold}", threshold=thousands(t))] = passed.map(i18n.yes_no)
        shown = shown.rename(
            columns={"year": _("year (1 January)"), "count": _("count"), "margin": _("margin")}
        )
        self.publisher.table(shown, "eligibility", _("Eligibility by year and threshold"))

    def income(self) -> None:
        """Fiscal income per resident against similar authorities and Flanders."""
        income = self.ctx.optional("income")
        if income is None:
            _markdown(
                "> **"
                + _("No fiscal income table in these data")
                + "** (Statbel `TF_PSNL_INC_TAX_MUNTY.xlsx`)."
            )
            return
        groups = {
            self.name: self.members,
            _("similar authorities"): self.cluster_members,
            _("Flanders"): self.flanders,
        }
        per = authorities.income_per_resident(income, groups)
        fig, ax = plt.subplots(figsize=(8, 3.4))
        per.plot(ax=ax, marker="o", markersize=3)
        ax.yaxis.set_major_formatter(i18n.axis_formatter())
        ax.set(
            ylabel=_("EUR per resident"),
            xlabel=_("income year"),
            title=_(
                "Net taxable income per resident, {name} and benchmarks", name=_label(self.name)
            ),
        )
        ax.legend(frameon=False)
        years = dict(first=per.index.min(), last=per.index.max())
        self.publisher.figure(
            fig,
            "income",
            _("Fiscal income per resident"),
            _(
                "Source: Demoland (fictional); income years {first}–{last}; pooled over members",
                **years,
            )
            if self.ctx.demo
            else _(
                "Source: Statbel fiscal income statistics; income years {first}–{last}; pooled "
                "over members",
                **years,
            ),
        )
        shown = (
            per.round(0).astype("Int64").reset_index().rename(columns={"year": _("income year")})
        )
        self.publisher.table(shown, "income", _("Fiscal income per resident (EUR)"))

    def subsidy(self) -> None:
        """The most this authority could claim under the 2022 call (sum of its KPI caps)."""
        rules = self.ctx.optional("call_rules")
        if rules is None:
            _markdown(
                "> **"
                + _("No call rules in these data")
                + "** "
                + _("(the 2022 call configuration, `plansamenleven/`).")
            )
            return
        per = authorities.subsidy_caps(rules)
        total = float(per["maximum (EUR)"].sum())
        qualifies = bool(self.row["eligible"])
        values = dict(
            call=_md(rules["call"].iloc[0]),
            start=i18n.date(rules["project_start"].iloc[0]),
            end=i18n.date(rules["project_end"].iloc[0]),
            total=i18n.eur(total),
            rules=len(rules),
            name=_md(self.name),
        )
        lead = _(
            "Under the 2022 call ({call}; project period {start} to {end}) an eligible authority "
            "could claim at most **{total}** for one project year: the sum over {rules} KPI rules "
            "of the maximum number of units times the amount per unit.",
            **values,
        )
        verdict = (
            _(
                "{name} qualifies under this report's definition and year, so this is its ceiling.",
                **values,
            )
            if qualifies
            else _(
                "{name} does not qualify under this report's definition and year, so it could "
                "claim nothing on its own (a partnership could).",
                **values,
            )
        )
        _markdown(f"{lead} {verdict}")
        per = per.assign(objective=per["objective"].map(i18n.call_label)).rename(
            columns={
                "objective": _("objective"),
                "actions": _("actions"),
                "KPI rules": _("KPI rules"),
                "maximum (EUR)": _("maximum (EUR)"),
            }
        )
        self.publisher.table(per, "subsidy_caps", _("Maximum subsidy per objective, 2022 call"))

    def programmes(self) -> None:
        """Grants, budget and participants per regime and project year (when supplied)."""
        table = self.ctx.optional("programmes")
        if table is None:
            _markdown(missing_input_text("programmes", _("Programme participation")))
            return
        prog = authorities.programme_summary(table, [self.applicant, *self.members])
        if prog.empty:
            _markdown("*" + _("No programme records for {name}.", name=_md(self.name)) + "*")
            return
        prog["budget_eur"] = prog["budget_eur"].round(0).astype("int64")
        shown = disclosure.suppress(prog, ["participants"], self.min_cell, totals="columns")
        shown = shown.assign(regime=shown["regime"].map(regime_label)).rename(
            columns={
                "regime": _("regime"),
                "project_year": _("project year"),
                "grants": _("grants"),
                "budget_eur": _("budget (EUR)"),
                "participants": _("participants"),
            }
        )
        self.publisher.table(shown, "programmes", _("Programme participation"))

    def outcomes(self) -> None:
        """Outcome trends against similar authorities and Flanders (when supplied)."""
        outcomes = self.ctx.optional("outcomes")
        if outcomes is None:
            _markdown(missing_input_text("outcomes", _("Outcome trends")))
            return
        groups = {
            self.name: self.members,
            _("similar authorities"): self.cluster_members,
            _("Flanders"): self.flanders,
        }
        bench = authorities.outcome_benchmark(outcomes, groups, authorities.SHOWN_OUTCOMES)
        if bench.empty or self.name not in set(bench["group"]):
            _markdown("*" + _("No outcome data for {name}.", name=_md(self.name)) + "*")
            return
        fig = plot_outcome_benchmark(bench, list(groups), self.row["cohort"])
        self.publisher.figure(fig, "outcomes", _("Outcome trends"), self.ctx.caption(), left=0.5)
        change = authorities.outcome_change_table(bench)
        change["outcome"] = change["outcome"].str.replace(" ", "_").map(outcome_label)
        change = change.rename(
            columns={"outcome": _("outcome"), "group": _("group"), "change": _("change")}
        )
        self.publisher.table(change, "outcomes", _("Outcome change"))

    def contract(self) -> None:
        """The authority's contract under the call rules (when a contracts file was supplied).

        Targets, realisations, attainment and subsidy committed and earned.
        """
        data = kpi_data_from_context(self.ctx)
        display_contract_status(data, self.applicant, min_cell=self.min_cell)
        fig = contract_figure(data, self.applicant, min_cell=self.min_cell)
        if fig is not None:
            self.publisher.figure(
                fig, "contract", _("Contract attainment per objective"), self.ctx.caption()
            )
        titles = {"rules": _("Contract lines"), "position": _("Position among applicants")}
        for name, table in contract_tables(data, self.applicant, min_cell=self.min_cell).items():
            self.publisher.table(table, f"contract_{name}", titles.get(name, name))

    def limits(self) -> None:
        """What these data cannot show."""
        missing = self.table.attrs.get("missing", [])
        items = []
        if self.source.proxy:
            items.append(
                _(
                    "**Origin.** Counts are non-Belgian *nationality*; residents of foreign origin "
                    "with Belgian nationality are not counted, so the real non-EU14 count is higher."
                )
            )
        if self.source.frame["year"].max() < (
            self.requested_year or int(plan_facts.fact("eligibility_reference_year"))
        ):
            items.append(
                _(
                    "**Recent years.** The population data end in {year}; the eligibility "
                    "decision of the call used later counts.",
                    year=int(self.source.frame["year"].max()),
                )
            )
        if "treatment" in missing or "programmes" in missing:
            items.append(
                _(
                    "**Funding received.** Which projects the authority ran and what it was paid "
                    "is not published per authority."
                )
            )
        if "outcomes" in missing:
            items.append(
                _(
                    "**Outcomes.** Employment, Dutch-language and liveability outcomes per "
                    "municipality are not in the open data, so no effect of the programme can be "
                    "shown here."
                )
            )
        items.append(
            _(
                "**Causality.** Trends compared with other authorities describe; they do not "
                "measure the effect of Plan Samenleven (see the evaluation notebooks)."
            )
        )
        title = _("What these data cannot show")
        _markdown(f"> **{title}**\n>\n" + "\n".join(f"> - {i}" for i in items))

    def files(self) -> None:
        """Links to the PNG, SVG and CSV files written next to the report."""
        self.publisher.links()


# --------------------------------------------------------------------------- contract section
# (the contracts' KPI follow-up for one authority; the dashboard panel is reports/kpi.py)


def _lines_of(data: KpiData, applicant: str) -> pd.DataFrame:
    return data.lines[data.lines["applicant"].astype(str) == str(applicant)]


def contract_status(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> str:
    """Markdown: the contract section's opening lines, or what is missing."""
    if not data.ok:
        return f"*{missing_message(data.status)}*"
    mine = _lines_of(data, applicant)
    if mine.empty:
        text = _(
            "{applicant} has no line in the contracts table: either it signed no contract under "
            "the calls whose rules were supplied, or its lines are missing from {file}.",
            applicant=applicant,
            file=CONTRACTS_FILE,
        )
        return f"*{text}*"
    s = kpi.summarise(mine.assign(_small=small_counts(mine, min_cell))).iloc[0]
    small = bool(small_counts(mine, min_cell).any())
    hidden = disclosure.placeholder(min_cell)
    demo = "**" + _("DEMO DATA — fictional contract.") + "** " if data.demo else ""
    return demo + _(
        "{lines} contract lines ({rules} KPI rules, {objectives} objectives); {reported} with a "
        "reported realisation. Subsidy committed **{committed} EUR**; earned on reported lines "
        "**{earned} EUR** (attainment {attainment}; {rule}).",
        lines=int(s["lines"]),
        rules=mine["rule"].nunique(),
        objectives=mine["objective"].nunique(),
        reported=int(s["lines_reported"]),
        committed=eur(s["committed_eur"]),
        earned=hidden if small else eur(s["earned_eur"]),
        attainment=hidden if small else pct(s["attainment_eur"]),
        rule=_(EARNING_RULE),
    )


def display_contract_status(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> None:
    """Display :func:`contract_status` in a notebook."""
    from IPython.display import Markdown, display

    display(Markdown(contract_status(data, applicant, min_cell=min_cell)))


def authority_position(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> pd.DataFrame:
    """This applicant among all applicants: committed EUR, attainment, persons targeted.

    Columns ``measure, this authority, median of applicants, rank, of`` (rank 1 = highest;
    withheld or unreported values have no rank).
    """
    auth, _objectives = per_authority(data, min_cell)
    me = auth[auth["applicant"] == str(applicant)]
    rows = []
    for col, label, fmt in (
        ("committed_eur", _("subsidy committed (EUR)"), eur),
        ("attainment_eur", _("attainment (earned / committed, reported)"), pct),
        ("persons_target", _("persons targeted"), eur),
    ):
        values = auth[col].astype(float)
        mine = float(me[col].iloc[0]) if len(me) else np.nan
        ranked = values.dropna()
        rank = int((ranked > mine).sum()) + 1 if not np.isnan(mine) else None
        rows.append(
            {
                _("measure"): label,
                _("this authority"): fmt(mine),
                _("median of applicants"): fmt(ranked.median() if len(ranked) else np.nan),
                _("rank"): "" if rank is None else str(rank),
                _("of"): str(len(ranked)),
            }
        )
    return pd.DataFrame(rows)


def contract_tables(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> dict[str, pd.DataFrame]:
    """The authority's contract tables ready to display; empty dict when there is nothing to show.

    ``rules`` (one row per line) and ``position`` (:func:`authority_position`).
    """
    if not data.ok:
        return {}
    mine = _lines_of(data, applicant)
    if mine.empty:
        return {}
    small = small_counts(mine, min_cell).to_numpy()
    hidden = disclosure.placeholder(min_cell)
    realised = [
        "" if pd.isna(v) else (hidden if s else i18n.number(v))
        for v, s in zip(mine["realised"], small, strict=True)
    ]
    rules = pd.DataFrame(
        {
            "objective": mine["objective"].to_numpy(),
            "action": mine["action"].to_numpy(),
            "KPI unit": mine["kpi_unit"].to_numpy(),
            "period from": [i18n.date(str(d)) for d in mine["period_start"]],
            "max units": mine["max_units"].astype(int).to_numpy(),
            "target": mine["target"].map(i18n.number).to_numpy(),
            "realised": realised,
            "attainment": [
                hidden if s else pct(v) for v, s in zip(mine["attainment"], small, strict=True)
            ],
            "committed EUR": mine["committed_eur"].map(eur).to_numpy(),
            "earned EUR": [
                hidden if s else eur(v) for v, s in zip(mine["earned_eur"], small, strict=True)
            ],
        }
    )
    # sorted on the official Dutch names (the same row order in every language)
    rules = rules.sort_values(["objective", "action", "KPI unit"], kind="stable")
    rules["objective"] = rules["objective"].map(i18n.call_label)
    rules["action"] = rules["action"].map(i18n.call_label)
    rules = rules.rename(
        columns={
            "objective": _("objective"),
            "action": _("action"),
            "KPI unit": _("KPI unit"),
            "period from": _("period from"),
            "max units": _("max units"),
            "target": _("target"),
            "realised": _("realised"),
            "attainment": _("attainment"),
            "committed EUR": _("committed EUR"),
            "earned EUR": _("earned EUR"),
        }
    )
    return {
        "rules": rules.reset_index(drop=True),
        "position": authority_position(data, applicant, min_cell=min_cell),
    }


def display_contract_tables(
    data: KpiData,
    applicant: str,
    *,
    min_cell: int = disclosure.MIN_CELL_DEFAULT,
    output_dir: str | Path = "",
) -> None:
    """Display :func:`contract_tables` in a notebook (nothing when there is no contract).

    With ``output_dir``, also write them as ``contract_<table>.csv`` there.
    """
    from IPython.display import Markdown, display

    tables = contract_tables(data, applicant, min_cell=min_cell)
    if output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        for key, frame in tables.items():
            outputs.write_csv(frame, Path(output_dir) / f"contract_{key}.csv")
    titles = {
        "rules": _("Contract lines (targets, realisations, subsidy)"),
        "position": _("Position among applicants"),
    }
    for key, frame in tables.items():
        display(Markdown(f"**{titles[key]}**"))
        display(frame.style.hide(axis="index") if hasattr(frame, "style") else frame)


def contract_figure(data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT):
    """Two panels: attainment per objective and committed vs earned subsidy per objective.

    Attainment of this authority vs all applicants. None when there is no contract line to draw.
    """
    import matplotlib.pyplot as plt

    if not data.ok or _lines_of(data, applicant).empty:
        return None
    mine = _lines_of(data, applicant)
    small = mine.assign(_s=small_counts(mine, min_cell)).groupby("objective")["_s"].any()
    own = kpi.summarise(mine, ["objective"]).set_index("objective")
    own["attainment_eur"] = own["attainment_eur"].where(~small.reindex(own.index))
    own["earned_eur"] = own["earned_eur"].where(~small.reindex(own.index))
    everyone = kpi.summarise(data.lines, ["objective"]).set_index("objective")
    objectives = list(own.index)
    y = np.arange(len(objectives))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 0.5 * len(objectives) + 1.8), sharey=True)
    ax1.barh(
        y,
        own["attainment_eur"].fillna(0) * 100,
        height=0.6,
        color="#2b6cb0",
        label=_("this authority"),
    )
    ax1.scatter(
        everyone["attainment_eur"].reindex(objectives) * 100,
        y,
        marker="|",
        s=200,
        color="#1b1b1b",
        zorder=3,
        label=_("all applicants"),
    )
    ax1.axvline(100, color="#999", linewidth=0.8, linestyle="--")
    for yi, value in zip(y, own["attainment_eur"], strict=True):
        if pd.isna(value):
            ax1.text(1, yi, _("not reported or withheld"), va="center", fontsize=7, color="#666")
    ax1.set_yticks(y, [i18n.call_label(o) for o in objectives])
    ax1.invert_yaxis()
    ax1.xaxis.set_major_formatter(i18n.axis_formatter())
    ax1.set_xlabel(_("attainment (% of committed EUR earned, reported lines)"))
    ax1.legend(frameon=False, fontsize=7, loc="lower right")
    ax2.barh(
        y - 0.18, own["committed_eur"] / 1000, height=0.36, color="#a0aec0", label=_("committed")
    )
    ax2.barh(
        y + 0.18,
        own["earned_eur"].fillna(0) / 1000,
        height=0.36,
        color="#2f855a",
        label=_("earned"),
    )
    ax2.xaxis.set_major_formatter(i18n.axis_formatter())
    ax2.set_xlabel(_("subsidy ({thousand} EUR)", thousand=i18n.number(1000)))
    ax2.legend(frameon=False, fontsize=7, loc="lower right")
    title = _("Contract of {name}", name=data.names.get(str(applicant), str(applicant)))
    fig.suptitle(("DEMO — " if data.demo else "") + title, fontsize=10)
    fig.tight_layout()
    return fig


def show_contract_figure(
    data: KpiData,
    applicant: str,
    *,
    min_cell: int = disclosure.MIN_CELL_DEFAULT,
    output_dir: str | Path = "",
) -> None:
    """Show :func:`contract_figure` in a notebook (deterministic PNG); nothing when absent.

    With ``output_dir``, also save it as ``contract.png`` and ``contract.svg`` there.
    """
    import matplotlib.pyplot as plt

    from samenleven_analysis.reports import figures

    fig = contract_figure(data, applicant, min_cell=min_cell)
    if fig is not None:
        figures.show(fig)
        if output_dir:
            figures.save(fig, Path(output_dir) / "contract")
        plt.close(fig)


def plot_outcome_benchmark(bench: pd.DataFrame, groups: list[str], cohort: Any = None):
    """One small panel per outcome: each group's mean per year; dashed: the cohort year."""
    names = list(dict.fromkeys(bench["outcome"]))
    fig, axes = plt.subplots(
        1, len(names), figsize=(3.2 * len(names), 3.2), sharex=True, squeeze=False
    )
    for ax, name in zip(axes[0], names, strict=False):
        sub = bench[bench["outcome"] == name].pivot(index="year", columns="group", values="value")
        sub[[g for g in groups if g in sub.columns]].plot(ax=ax, legend=False)
        if cohort is not None and pd.notna(cohort):
            ax.axvline(int(cohort), color="black", linestyle="--", linewidth=0.8)
        ax.set_title(outcome_label(name), fontsize=9)
        ax.set_xlabel("")
    handles, labels = axes[0][-1].get_legend_handles_labels()
    axes[0][0].legend(handles, labels, frameon=False, fontsize=7)
    return fig
