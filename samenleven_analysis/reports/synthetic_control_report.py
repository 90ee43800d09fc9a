"""The steps of the synthetic-control notebook (``notebooks/synthetic_control``).

One large city against a weighted mix of never-funded authorities, in-space placebos,
robustness variants and a verdict.

Without outcome and funding tables (the real open data) the notebook runs as a pre-period
check on fiscal income per resident at a placebo year, against the most populous Flemish
municipalities below the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import authorities, eligibility
from samenleven_analysis.analysis import outcomes as oc
from samenleven_analysis.analysis.estimators.synthetic_control import (
    synthetic_control,
    without_placebo_inference,
)
from samenleven_analysis.analysis.verdicts import synthetic_flags
from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.facts import PROGRAMME_START_YEAR as PROGRAMME_START
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports.evaluation_shared import (
    EvaluationReport,
    computed,
    missing_design_text,
    outcome_text,
    proxy_groups,
    rounded,
    show,
    show_figure,
    show_text,
    unit_text,
)
from samenleven_analysis.reports.figures import estimates as figs
from samenleven_analysis.reports.method_text import estimator_label, method_text, note_text
from samenleven_analysis.reports.parameters import (
    check_authority_funded,
    check_authority_known,
    check_authority_pool,
    check_choice,
)
from samenleven_analysis.reports.text import md_escape
from samenleven_analysis.reports.verdicts import synthetic_pre_period_verdict, synthetic_verdict

SECTIONS: dict[str, tuple[str, str]] = {
    "title": (
        N_("One large city: synthetic control"),
        N_(
            'A large city is not like the average municipality, so a comparison with "the '
            'others" says little about it. A **synthetic control** (Abadie, Diamond & '
            "Hainmueller 2010) builds a weighted mix of never-funded authorities whose outcome "
            "tracked the city's before funding started; after the start, the gap between the "
            "city and its synthetic twin estimates the effect.\n\n"
            "A large city often lies *outside* the range of smaller authorities (its level is "
            "higher or lower than any mix of them can reach). The default therefore matches "
            "**deviations from each authority's own pre-funding mean** (the *demeaned* "
            "synthetic control: levels may differ, paths must match); the classic version in "
            "levels is shown next to it, with its fit.\n\n"
            "**In-space placebos**: every donor is treated as if it had been funded, which "
            "shows how large gaps get without funding. Ranking the city's post/pre fit ratio "
            "among them gives the usual p-value and interval, but in this design (the largest "
            "authority against smaller donors) that test does not hold its level in "
            "simulations, so the report shows neither: the gap is descriptive.\n\n"
            "**Real data.** The open data hold no outcomes after the plan started and no "
            "funding table. On real data this report therefore runs as a **pre-period check "
            "only**: fiscal income per resident of the most populous Flemish municipality above "
            "the threshold against a synthetic control of the 30 most populous Flemish "
            "municipalities below it, with a *placebo* start year. It cannot and does not "
            "estimate an effect of the plan. Demo runs show the full method on fictional data."
        ),
    ),
    "main": (N_("Synthetic control and in-space placebos"), ""),
    "verdict": (N_("Verdict"), ""),
}
"""Section key → (heading, introduction) message ids of the synthetic-control report."""


SC_VARIANTS = {
    "demeaned": {"demean": True},
    "levels": {"demean": False},
    "optimised_v": {"demean": False, "optimize_v": True},
}


SUMMARY_ROWS = (
    N_("ATT (mean post gap)"),
    N_("pre-period RMSPE"),
    N_("post-period RMSPE"),
    N_("median donor pre-period RMSPE"),
)
"""Rows (message ids) of the main synthetic control's summary table."""


@dataclass
class SyntheticDesign:
    panel: pd.DataFrame
    city: str
    start: int
    donors: list[str]
    names: dict[str, str]
    outcome: str
    summary: str
    note: str = ""
    full: bool = True

    @property
    def place(self) -> str:
        return self.names.get(self.city, self.city)

    @property
    def label(self) -> str:
        return outcome_text(self.outcome)


PLACEBO_YEAR = 2016
"""Default fake start of the pre-period checks (income data run 2005-2020)."""

REAL_DONORS = 30
"""Donor pool of the pre-period synthetic control: the most populous Flemish municipalities
below the threshold (smallest possible placebo p-value 1/31)."""


def synthetic_design(
    ctx,
    *,
    outcome: str,
    first_year: int | None,
    last_year: int | None,
    treatment_year: int | None,
    definition: str,
    threshold: int,
    authority: str,
    year: int | None = None,
) -> SyntheticDesign:
    """The treated city, its start year, its donors and its position against the 7,500 rule.

    The city (``auto``: the most populous funded one, in Flanders if any) against the
    never-funded donors.

    Without outcome and funding tables (the real open data): a pre-period check on fiscal
    income per resident, the city (``auto``: the most populous proxy-eligible Flemish one)
    against the Flemish municipalities below the threshold, at a placebo year.
    """
    from samenleven_analysis.reports.context import origin_source, reference_year

    munis = ctx.load("municipalities")
    names = dict(zip(munis["refnis"].astype(str), munis["name_nl"], strict=True))
    pop = ctx.load("population_nationality")
    latest = pop[pop["year"] == pop["year"].max()].groupby("refnis")["population"].sum()
    full = ctx.has("outcomes") and ctx.has("treatment")
    note = ""
    if ctx.demo:
        note = _(
            "> **DEMO DATA.** Outcomes and funding are Demoland (fictional) data: the method, "
            "not findings about any real city."
        )
    if full:
        table, treat = ctx.load("outcomes"), ctx.load("treatment")
        panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
        used = outcome
        funded = panel.loc[panel.treated, "refnis"].unique().tolist()
        flemish = set(authorities.region_members(munis))
        pool = [r for r in funded if r in flemish] or funded
    else:
        flemish_list, members = proxy_groups(ctx, definition, threshold, year)[:2]
        start0 = int(treatment_year) if treatment_year is not None else PLACEBO_YEAR
        income = oc.income_panel(
            ctx.load("income"), first_year=first_year, last_year=last_year, refnis=flemish_list
        )
        panel = oc.panel(
            income, oc.treatment_from_groups(flemish_list, members, start0), oc.INCOME_OUTCOME
        )
        used, pool = oc.INCOME_OUTCOME, members
    if authority == "auto":
        check_authority_pool(pool)
        city = max(pool, key=lambda r: (latest.get(r, 0), r))
    else:
        city = str(normalise_refnis([authority], strict=False).iloc[0])
        check_authority_known(authority, city, panel["refnis"])
    cohort = panel.loc[panel.refnis == city, "cohort"].iloc[0]
    check_authority_funded(city, never_funded=full and treatment_year is None and pd.isna(cohort))
    t0 = (
        int(treatment_year)
        if treatment_year is not None
        else (int(cohort) if full else PLACEBO_YEAR)
    )
    # donors never funded (real data: below the threshold), the city itself excluded
    donors = sorted(r for r in panel.loc[~panel.treated, "refnis"].unique() if r != city)
    if not full:
        # a city's twin is drawn from the larger towns, and each donor costs one placebo fit
        # (about 2 s): the most populous ones below the threshold
        donors = sorted(sorted(donors, key=lambda r: (-latest.get(r, 0), r))[:REAL_DONORS])
    source = origin_source(ctx, definition)
    ref = reference_year(source.frame, year)
    elig = eligibility.eligible(source.frame, threshold, source.definition, ref.year)
    row = elig[elig["members"].map(lambda ms: city in ms)]
    who = {
        "name": names.get(city, city),
        "code": city,
        "residents": i18n.number(int(latest.get(city, 0))),
        "threshold": i18n.number(threshold),
    }
    if not len(row):
        first = _(
            "Authority: {name} ({code}), {residents} residents; not in the eligibility table", **who
        )
    else:
        counted = {
            "count": i18n.number(int(row["count"].iloc[0])),
            "definition": source.label,
            "year": int(row["year"].iloc[0]),
        }
        first = (
            _(
                "Authority: {name} ({code}), {residents} residents; {count} residents "
                "({definition}) in {year} (above {threshold})",
                **who,
                **counted,
            )
            if bool(row["eligible"].iloc[0])
            else _(
                "Authority: {name} ({code}), {residents} residents; {count} residents "
                "({definition}) in {year} (not above {threshold})",
                **who,
                **counted,
            )
        )
    when = {"year": t0, "donors": i18n.number(len(donors)), "outcome": outcome_text(used)}
    second = (
        _("Treatment starts {year}; {donors} donors; outcome {outcome}", **when)
        if full
        else _(
            "Placebo year (pre-period check, nothing happened) {year}; {donors} donors; "
            "outcome {outcome}",
            **when,
        )
    )
    summary = first + "\n" + second
    if not full:
        note = "\n\n".join(
            [
                _(
                    "> **Pre-period check.** The real data hold no outcomes after {last_year} and no "
                    "funding table, so `outcome = {requested}` cannot be used: the outcome is "
                    "**{outcome}**. The synthetic control is fitted before the placebo year "
                    "{placebo_year}; donors are the {donors} most populous Flemish municipalities "
                    "below the threshold.",
                    last_year=int(panel.year.max()),
                    requested=md_escape(repr(outcome)),
                    outcome=md_escape(outcome_text(used)),
                    placebo_year=t0,
                    donors=i18n.number(len(donors)),
                ),
                missing_design_text(_("An effect of the plan on this authority")),
            ]
        )
    return SyntheticDesign(panel, city, t0, donors, names, used, summary, note, full)


def synthetic_main(design: SyntheticDesign, estimators: list[str]) -> dict[str, Any]:
    """The main synthetic control (first variant) with placebos: fit, weights and summary.

    Without the placebo p-value and interval, which do not hold their level in the Plan's design
    (:func:`~samenleven_analysis.analysis.estimators.synthetic_control.without_placebo_inference`).
    """
    check_choice("estimators", estimators, SC_VARIANTS)
    sc = synthetic_control(
        design.panel,
        "value",
        "refnis",
        "year",
        design.city,
        design.start,
        controls=design.donors,
        **SC_VARIANTS[estimators[0]],
    )
    sc = without_placebo_inference(sc)
    n = design.names
    weights = (
        sc.weights.rename(index=lambda r: f"{n.get(r, r)} ({r})").rename_axis("donor").round(3)
    )
    summary = pd.DataFrame(
        {
            "value": [
                sc.att,
                sc.pre_rmspe,
                sc.post_rmspe,
                sc.extra["median_placebo_pre_rmspe"],
            ]
        },
        index=pd.Index([_(m) for m in SUMMARY_ROWS], name="statistic"),
    ).round(3)
    lines = [
        _("Main analysis: {variant}", variant=estimator_label(estimators[0])),
        method_text(sc.method),
    ]
    if sc.extra.get("ci_note"):
        lines.append(_("No interval: {reason}.", reason=note_text(sc.extra["ci_note"])))
    if sc.extra["dropped"]:
        lines.append(
            _(
                "Donors without a complete series, left out: {codes}",
                codes=", ".join(sc.extra["dropped"]),
            )
        )
    text = "\n".join(lines)
    return {
        "fit": sc,
        "weights": weights[weights >= 0.001].to_frame(),
        "summary": summary,
        "text": text,
    }


def synthetic_variants(
    design: SyntheticDesign, estimators: list[str], main
) -> tuple[pd.DataFrame, str]:
    """Robustness variants (no placebos): ATT, fit and the largest donor weight."""
    rows = []
    for variant in estimators[1:]:
        alt = synthetic_control(
            design.panel,
            "value",
            "refnis",
            "year",
            design.city,
            design.start,
            controls=design.donors,
            placebos=False,
            **SC_VARIANTS[variant],
        )
        top = alt.weights.index[0]
        rows.append(
            {
                "variant": variant,
                "ATT": alt.att,
                "pre-period RMSPE": alt.pre_rmspe,
                "largest weight": _(
                    "{name} ({weight})",
                    name=design.names.get(top, top),
                    weight=i18n.number(alt.weights.iloc[0], 2),
                ),
            }
        )
    if not rows:
        return pd.DataFrame(), _("No robustness variants requested (estimators).")
    return pd.DataFrame(rows).round(3), _(
        "Main analysis ({variant}): ATT {att}, pre-period RMSPE {rmspe}. A variant that fits "
        "the years before funding much worse is not evidence either way.",
        variant=estimator_label(estimators[0]),
        att=i18n.number(main.att, 3),
        rmspe=i18n.number(main.pre_rmspe, 3),
    )


def synthetic_text(design: SyntheticDesign, sc, *, demo: bool) -> str:
    """The verdict: a placebo-year reading without outcome data, else the effect reading."""
    if not design.full:
        return synthetic_pre_period_verdict(
            sc,
            placebo_year=design.start,
            data_last_year=int(design.panel.year.max()),
            programme_start=PROGRAMME_START,
            outcome_label=md_escape(outcome_text(design.outcome)),
            unit_label=md_escape(unit_text(design.outcome)),
            place=md_escape(design.place),
        )
    return synthetic_verdict(
        sc,
        outcome_label=md_escape(outcome_text(design.outcome)),
        unit_label=md_escape(unit_text(design.outcome)),
        place=md_escape(design.place),
        demo=demo,
    )


def synthetic_facts(design: SyntheticDesign, sc, *, demo: bool) -> dict[str, Any]:
    """Machine-readable summary of the synthetic-control notebook for tests and dashboards."""
    return {
        "notebook": "synthetic_control",
        "demo": bool(demo),
        "mode": "full" if design.full else "pre_period_check",
        "outcome": design.outcome,
        "authority": design.city,
        "start_year": int(design.start),
        "placebo_year": None if design.full else int(design.start),
        "years": [int(design.panel.year.min()), int(design.panel.year.max())],
        "donors": len(design.donors),
        "att": rounded(sc.att),
        "pre_rmspe": rounded(sc.pre_rmspe),
        "placebo_pvalue": rounded(sc.placebo_pvalue),
        "ci": [rounded(sc.ci_low), rounded(sc.ci_high)],
        "effect_claimed": bool(design.full and synthetic_flags(sc)["effect_claimed"]),
        "weight_codes": sorted(str(r) for r in sc.weights.index),
    }


@dataclass
class SyntheticControlReport(EvaluationReport):
    """One synthetic control of one authority.

    The design is computed once; each method displays one step (a notebook cell) and
    computes what it needs on first use.
    """

    ESTIMATORS = SC_VARIANTS
    SECTIONS = SECTIONS
    make_design = staticmethod(synthetic_design)

    # ----------------------------------------------------------------- results, computed once
    main = computed(synthetic_main, "design", "estimators")

    @property
    def fit(self):
        """The main synthetic control (first of ``estimators``, with placebos)."""
        return self.main["fit"]

    # ----------------------------------------------------------------- the notebook's steps
    def main_analysis(self) -> None:
        """Donor weights, the summary of the fit and its placebos, and the figure."""
        d, main = self.design, self.main
        show(main["weights"])
        show(main["summary"])
        show_text(main["text"])
        axes = figs.plot_synthetic_control(
            main["fit"],
            title=_("{place}: {outcome}", place=d.place, outcome=d.label),
            treated_label=d.place,
        )
        caption = self.ctx.caption(extra=_("grey: in-space placebos (donors as if funded)"))
        show_figure(axes[0].figure, stem="synthetic_control", caption=caption)

    def variants(self) -> None:
        """Robustness variants beside the main analysis."""
        table, text = synthetic_variants(self.design, self.estimators, self.fit)
        show(table)
        show_text(text)

    def verdict_text(self) -> str:
        """The verdict on the authority's gap to its synthetic control."""
        return synthetic_text(self.design, self.fit, demo=self.ctx.demo)

    def verdict_facts(self) -> dict[str, Any]:
        """The numbers behind the verdict."""
        return synthetic_facts(self.design, self.fit, demo=self.ctx.demo)
