"""The steps of the eligibility notebook (``notebooks/eligibility``): who qualifies under the
7,500 rule, a map, coverage against the "almost two thirds" claim, sensitivity to threshold,
definition and year. Data come from :func:`reports.context.origin_source` (the nationality
proxy, labelled, when the data hold no origin table) in the year
:func:`reports.context.reference_year` chooses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import disclosure, eligibility, programmes
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.labels import definition_label
from samenleven_analysis.reports.publish import Publisher, thousands

FACTS_SHOWN = (
    "threshold_residents",
    "origin_criterion",
    "eligibility_reference_year",
    "partnerships_allowed",
    "one_partnership_per_authority",
    "coverage_claim",
    "authorities_announced",
)

PUBLISHED_COLUMNS = {
    "applicant": "code",
    "name": "name",
    "members": "members",
    "count": "residents counted",
    "total": "all residents",
    "share": "share",
    "margin": "margin",
    "eligible": "qualifies",
}


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
    ) -> EligibilityReport:
        source = reporting.origin_source(ctx, definition)
        munis = ctx.load("municipalities")
        flanders = munis.loc[munis["region"] == reporting.FLANDERS, "refnis"].astype(str).tolist()
        if partnerships_file:
            partnerships, how = (
                eligibility.read_partnerships(partnerships_file),
                "the file given in `partnerships_file`",
            )
        elif ctx.has("partnerships"):
            partnerships, how = ctx.load("partnerships"), "the partnerships table of the build"
        else:
            partnerships, how = None, "none in the data (every municipality applies alone)"
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

    def data_note(self) -> None:
        """What the counts mean, the reference year, and the partnerships used."""
        lines = (
            [self.source.note()]
            if self.source.proxy
            else [
                (
                    f"Origin definition: **{self.source.label}** (origin table: "
                    f"{'Demoland, fictional' if self.ctx.demo else 'supplied by the user'})."
                )
            ]
        )
        lines.append(f"Reference year: **1 January {self.year}**. {self.ref.note()}".strip())
        n = self.partnerships["partnership_id"].nunique() if self.partnerships is not None else 0
        lines.append(
            f"Flemish municipalities: {len(self.flanders)}; partnerships: {self.partnership_source}"
            + (f" ({n} partnerships)." if n else ".")
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

    def publish_list(self, table: pd.DataFrame, stem: str, title: str) -> None:
        """Disclosure-controlled table with human column labels (and its CSV)."""
        if table.empty:
            _markdown(f"*No applicant: {title.lower()}.*")
            return
        shown = eligibility.for_publication(table, self.min_cell, names=self.names)
        shown["count"] = shown["count"].map(thousands)
        shown["total"] = shown["total"].map(thousands)
        self.publisher.table(shown.rename(columns=PUBLISHED_COLUMNS), stem, title)

    def eligible_list(self) -> None:
        table = self.table()
        chosen = table[table["eligible"]]
        _markdown(
            f"**{len(chosen)} of {len(table)} applicants qualify** ({self.source.label} {self.comparison} "
            f"{thousands(int(self.threshold))}, {self.year}): {int(chosen['n_members'].sum())} municipalities, "
            f"{int((chosen['kind'] == 'partnership').sum())} of them in partnerships."
        )
        self.publish_list(chosen, "eligible", "Applicants that qualify")

    def near(self, band: float = 500) -> None:
        self.publish_list(
            eligibility.near_threshold(self.table(), band=band),
            "near_threshold",
            f"Applicants within ±{i18n.number(band)} of the threshold",
        )

    def map(self) -> None:
        """Municipalities shaded by their count; members of qualifying applicants outlined."""
        from samenleven_analysis.data import boundaries as geo
        from samenleven_analysis.reports import maps

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
        fig = maps.choropleth(
            shapes,
            "count",
            bins=[t / 3, 2 * t / 3, t, 2 * t, top],
            highlight=members,
            highlight_label=f"Qualifies ({self.comparison} {i18n.number(t)}, alone or pooled)",
            legend_title=f"Residents, {self.source.label}",
            fmt=count_formatter(self.min_cell),
            caption=self.caption(),
            demo=self.ctx.demo,
        )
        if self.publisher.folder is not None:
            from samenleven_analysis.reports import figures

            figures.save(fig, self.publisher.folder / "map")
            self.publisher.written += [("Map", "PNG", "map.png"), ("Map", "SVG", "map.svg")]
        from samenleven_analysis.reports import figures

        figures.show(fig)
        plt.close(fig)

    def coverage(self) -> None:
        """Share of the target population living in qualifying applicants, beside the claim."""
        cov = eligibility.Coverage.from_applicants(self.table())
        claim = programmes.facts()["facts"]["coverage_claim"]
        residents = thousands(disclosure.format_count(cov.residents_total, self.min_cell))
        _markdown(
            f"Qualifying applicants hold **{i18n.percent(cov.share)}** of the {residents} residents "
            f"({self.source.label}, {self.year}) in {cov.eligible_municipalities} of {len(self.flanders)} "
            f'municipalities. Claim: "{claim["value"]}" (about {i18n.percent(claim["approx"], 0)}; source: '
            f"{programmes.citation('coverage_claim')})."
            + (
                " The proxy understates origin, so this share is not comparable with the claim."
                if self.source.proxy
                else ""
            )
        )

    def sensitivity(self, step: int = 500, n_years: int = 5) -> pd.DataFrame:
        years = [y for y in self.ref.available if y <= self.year][-n_years:]
        return eligibility.sensitivity(
            self.source.frame,
            step=step,
            years=years,
            partnerships=self.partnerships,
            inclusive=self.inclusive,
            within=self.flanders,
        )

    def sensitivity_table(self, sens: pd.DataFrame) -> None:
        """Applicants that qualify by threshold (rows) and definition × year (columns)."""
        wide = sens.pivot(index="threshold", columns=["definition", "year"], values="n_eligible")
        wide.columns = [f"{definition_label(d)}, {y}" for d, y in wide.columns]
        wide = wide.reset_index()
        wide["threshold"] = wide["threshold"].map(lambda v: thousands(int(v)))
        self.publisher.table(
            wide, "sensitivity", "Applicants that qualify by threshold, definition and year"
        )

    def moves(self, sens: pd.DataFrame) -> None:
        """Applicants that enter or leave against the 7,500 baseline (definition and year of the run)."""
        here = sens[(sens["definition"] == self.definition) & (sens["year"] == self.year)]
        moved = here[(here["n_entered"] > 0) | (here["n_left"] > 0)]
        out = pd.DataFrame(
            {
                "threshold": moved["threshold"].map(lambda v: thousands(int(v))),
                "applicants that qualify": moved["n_eligible"],
                "enter": moved["entered"].map(self._labels),
                "leave": moved["left"].map(self._labels),
            }
        )
        self.publisher.table(
            out, "threshold_moves", f"Changes against the {i18n.number(7500)} baseline, {self.year}"
        )

    def _labels(self, codes: Any) -> str:
        return ", ".join(f"{self.names.get(c, c)} ({c})" for c in codes)

    def sensitivity_figure(self, sens: pd.DataFrame) -> None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
        latest = sens[sens["year"] == self.year]
        for name, part in latest.groupby("definition", sort=True):
            axes[0].plot(
                part["threshold"], part["n_eligible"], marker="o", label=definition_label(name)
            )
            axes[1].plot(
                part["threshold"], 100 * part["coverage"], marker="o", label=definition_label(name)
            )
        for ax, ylabel in zip(axes, ["applicants that qualify", "coverage (%)"], strict=False):
            ax.axvline(7500, color="grey", lw=0.8, ls="--")
            ax.xaxis.set_major_formatter(i18n.axis_formatter())
            ax.set(xlabel="threshold (residents)", ylabel=ylabel)
            ax.spines[["top", "right"]].set_visible(False)
        axes[0].legend(frameon=False, fontsize=8)
        fig.subplots_adjust(wspace=0.3)
        self.publisher.figure(fig, "sensitivity", "Sensitivity to the threshold", self.caption())

    def facts(self) -> None:
        """The policy facts the notebook relies on (reference facts, with conflicts)."""
        table = programmes.facts_table()
        self.publisher.table(
            table[table["fact"].isin(FACTS_SHOWN)].reset_index(drop=True),
            "facts",
            "The rule and its sources",
        )
