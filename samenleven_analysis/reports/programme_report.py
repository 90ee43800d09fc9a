"""The steps of the programme notebook (``notebooks/programme_consolidation``): the official
2022 call (objectives, actions, KPI caps, the most an authority could claim) against the
announcement, and the fragmented-versus-consolidated comparison when a programme table is
supplied (the fragmented regime otherwise stays as the published counts)."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import pandas as pd

from samenleven_analysis.analysis import authorities, disclosure, programmes
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.figures.programmes import plot_comparison
from samenleven_analysis.reports.labels import missing_input_text
from samenleven_analysis.reports.publish import Publisher, thousands

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


def _markdown(text: str) -> None:
    from IPython.display import Markdown

    reporting._display(Markdown(text))


def show_value(value, unit: str, min_cell: int, signed: bool = False) -> str:
    """A metric as published text: persons through disclosure, shares in %, money rounded."""
    if pd.isna(value):
        return ""
    sign = "+" if signed else ""
    if unit == "persons":
        text = disclosure.format_count(abs(value) if signed else value, min_cell)
        if not text.isdigit():
            return text
        return f"{'-' if signed and value < 0 else sign}{int(text):,}"
    if unit == "share":
        return f"{100 * value:{sign}.1f}" + (" pp" if signed else "%")
    if unit == "index":
        return f"{value:{sign}.3f}"
    return f"{value:{sign},.0f}"


@dataclass
class ProgrammeReport:
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
    ) -> ProgrammeReport:
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

    # ----------------------------------------------------------------- the 2022 call
    def call_overview(self) -> None:
        if self.rules is None:
            _markdown(
                "> **No call configuration in these data** (the folder `plansamenleven/` of the "
                "mirror: SPARQL migrations of the Flemish local-authorities portal)."
            )
            return
        r = self.rules.iloc[0]
        _markdown(
            f"**{r['call']}** — {len(self.rules)} KPI rules under {self.rules['objective'].nunique()} "
            f"objectives and {self.rules['action'].nunique()} actions. Project period "
            f"{r['project_start']} to {r['project_end']}; applications from {r['application_start']} "
            f"to {r['application_end']} (dates in Brussels time). Source: "
            + (
                "Demoland (fictional) call rules."
                if self.ctx.demo
                else "the portal's configuration of the call, replayed migration by migration."
            )
        )

    def rules_table(self) -> None:
        if self.rules is None:
            return
        shown = self.rules[
            ["objective", "action", "kpi_unit", "max_units", "eur_per_unit", "max_eur"]
        ].copy()
        shown["eur_per_unit"] = shown["eur_per_unit"].round(0).astype("int64")
        shown["max_eur"] = shown["max_eur"].round(0).astype("int64")
        shown = shown.rename(
            columns={
                "kpi_unit": "KPI unit",
                "max_units": "maximum units",
                "eur_per_unit": "EUR per unit",
                "max_eur": "maximum (EUR)",
            }
        )
        self.publisher.table(shown, "call_rules", "KPI rules of the 2022 call")

    def caps(self) -> None:
        """Maximum subsidy per authority per objective and in total."""
        if self.rules is None:
            return
        per = authorities.subsidy_caps(self.rules)
        total = pd.DataFrame(
            [
                {
                    "objective": "total",
                    "actions": self.rules["action"].nunique(),
                    "KPI rules": len(self.rules),
                    "maximum (EUR)": int(per["maximum (EUR)"].sum()),
                }
            ]
        )
        self.publisher.table(
            pd.concat([per, total], ignore_index=True),
            "subsidy_caps",
            "Maximum subsidy per authority per objective",
        )
        fig, ax = plt.subplots(figsize=(8, 3.6))
        ordered = per.sort_values("maximum (EUR)", kind="stable")
        ax.barh(ordered["objective"], ordered["maximum (EUR)"] / 1000, color="#3182bd")
        ax.set(xlabel="maximum per authority and project year (thousand EUR)")
        ax.tick_params(axis="y", labelsize=8)
        self.publisher.figure(
            fig,
            "subsidy_caps",
            "Maximum subsidy per objective",
            "Source: "
            + (
                "Demoland (fictional)"
                if self.ctx.demo
                else "Plan Samenleven 2022 call configuration"
            )
            + "; sum of KPI caps",
            left=2.2,
        )

    def against_announcement(self) -> None:
        """The call's ceiling times the authorities, against the announced 33 M EUR, 28
        authorities and 24 projects."""
        if self.rules is None:
            return
        cap = float(self.rules["max_eur"].sum())
        announced = programmes.fact("budget_announced_eur")
        n_announced = programmes.fact("authorities_announced")
        n_data = int(self.elig["eligible"].sum())
        rows = pd.DataFrame(
            [
                {
                    "quantity": "most one authority could claim (EUR, one project year)",
                    "value": thousands(round(cap)),
                },
                {
                    "quantity": f"× {n_announced} authorities announced (EUR)",
                    "value": thousands(round(cap * n_announced)),
                },
                {"quantity": "announced budget (EUR)", "value": thousands(round(announced))},
                {
                    "quantity": f"applicants that qualify in these data ({self.source.label}, {self.year})",
                    "value": thousands(n_data),
                },
                {
                    "quantity": f"× {n_data} applicants (EUR)",
                    "value": thousands(round(cap * n_data)),
                },
                {
                    "quantity": "actions in the call",
                    "value": thousands(self.rules["action"].nunique()),
                },
                {
                    "quantity": "projects announced",
                    "value": thousands(programmes.fact("projects_after")),
                },
            ]
        )
        self.publisher.table(rows, "against_announcement", "The call against the announcement")
        share = cap * n_announced / announced
        _markdown(
            f"If all {n_announced} announced authorities claimed every cap, the call would pay "
            f"{cap * n_announced / 1e6:.1f} M EUR a year, {share:.0%} of the announced "
            f"{announced / 1e6:.0f} M EUR. The call lists {self.rules['action'].nunique()} distinct actions, "
            f"against the {programmes.fact('projects_after')} projects of the announcement"
            + (
                " (the source of the difference is not in the call files)."
                if self.rules["action"].nunique() != programmes.fact("projects_after")
                else "."
            )
            + (
                " The qualifying count uses the nationality proxy, which understates origin."
                if self.source.proxy
                else ""
            )
        )

    def call_facts(self) -> None:
        facts = programmes.facts_table()
        self.publisher.table(
            facts[facts["fact"].isin(CALL_FACTS)].reset_index(drop=True),
            "call_facts",
            "Reference facts on the call, with conflicting sources",
        )

    # ----------------------------------------------------------------- the two regimes
    def regimes(self) -> None:
        """Fragmented vs consolidated on the programme table, or what is missing."""
        if self.programmes is None:
            _markdown(
                missing_input_text("programmes", "The comparison of the two regimes")
                + " Until then the fragmented regime stays as the published counts below."
            )
            facts = programmes.facts_table()
            self.publisher.table(
                facts[facts["fact"].isin(REGIME_FACTS)].reset_index(drop=True),
                "regime_facts",
                "Published counts of the two regimes",
            )
            return
        if self.ctx.demo:
            _markdown(
                "> **DEMO programme table** (Demoland, fictional), generated to the published "
                "totals. The numbers illustrate the method; they are not findings about Flanders."
            )
        metrics = programmes.metrics(self.programmes, self.elig)
        comparison = programmes.compare(metrics)
        shown = pd.DataFrame(
            {
                "metric": comparison["metric"],
                "fragmented": [
                    show_value(v, u, self.min_cell)
                    for v, u in zip(comparison["fragmented"], comparison["unit"], strict=False)
                ],
                "consolidated": [
                    show_value(v, u, self.min_cell)
                    for v, u in zip(comparison["consolidated"], comparison["unit"], strict=False)
                ],
                "change": [
                    show_value(v, u, self.min_cell, True)
                    for v, u in zip(comparison["change"], comparison["unit"], strict=False)
                ],
                "ratio": ["" if pd.isna(r) else f"×{r:.2f}" for r in comparison["ratio"]],
            }
        )
        self.publisher.table(shown, "regimes", "Fragmented versus consolidated")
        fig = plot_comparison(metrics, caption=None, min_cell=self.min_cell)
        self.publisher.figure(
            fig,
            "regimes",
            "Fragmented versus consolidated",
            self.ctx.caption(extra="programme table"),
        )

    def per_year(self) -> None:
        if self.programmes is None:
            return
        years = programmes.per_year(self.programmes)
        years["participants"] = [
            thousands(disclosure.format_count(v, self.min_cell)) for v in years["participants"]
        ]
        years["budget_eur"] = years["budget_eur"].round(0).astype("int64")
        years["fact_budget_eur"] = years["fact_budget_eur"].round(0).astype("Int64")
        self.publisher.table(
            years.rename(
                columns={
                    "budget_eur": "budget (EUR)",
                    "fact_budget_eur": "published budget (EUR)",
                    "fact_authorities": "published authorities",
                }
            ),
            "per_year",
            "Per project year, next to the published figures",
        )

    def eligibility_note(self) -> None:
        n = int(self.elig["eligible"].sum())
        _markdown(
            f"Eligibility used for the shares below: {self.source.label}, {self.year}: "
            f"{n} of {len(self.elig)} applicants qualify."
            + (f"\n\n{self.source.note()}" if self.source.proxy else "")
        )
