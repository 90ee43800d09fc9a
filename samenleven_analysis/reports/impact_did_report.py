"""The steps of the impact notebook (``notebooks/impact_did``).

Difference-in-differences and event study of funded against comparison authorities, HonestDiD
sensitivity, placebo checks, several outcomes, power by simulation and a verdict that says no more
than the data allow.

Without outcome and funding tables (the real open data) the notebook runs as a pre-period
check on fiscal income of proxy-eligible Flemish municipalities at a placebo year.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import outcomes as oc
from samenleven_analysis.analysis.estimators import did as did_mod
from samenleven_analysis.analysis.estimators import event_study as es_mod
from samenleven_analysis.analysis.estimators.common import (
    SIZE_STRATUM,
    Estimate,
    EventStudy,
    Fact,
    estimates_table,
    fact,
    measured_range,
    size_strata,
    without_inference,
)
from samenleven_analysis.analysis.estimators.honest import HonestSensitivity, honest_did
from samenleven_analysis.analysis.estimators.multiple_testing import adjust_pvalues
from samenleven_analysis.analysis.estimators.power import power_by_simulation
from samenleven_analysis.analysis.estimators.sdid import synthetic_did
from samenleven_analysis.analysis.estimators.staggered import staggered_did
from samenleven_analysis.analysis.verdicts import verdict_flags
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
from samenleven_analysis.reports.method_text import (
    estimator_label,
    method_text,
    note_text,
    notes_text,
    percent_range,
)
from samenleven_analysis.reports.parameters import check_choice
from samenleven_analysis.reports.text import md_escape
from samenleven_analysis.reports.verdicts import pre_period_verdict, verdict

SECTIONS: dict[str, tuple[str, str]] = {
    "title": (
        N_("Did funded authorities change? Difference-in-differences and event study"),
        N_(
            "From **{start_date}** Plan Samenleven funds local authorities with more than "
            "**{threshold} residents of non-EU14 origin**; authorities joined in the project "
            "years {start_year}, {second_year} or {third_year} (*cohorts*). This report "
            "compares outcomes of funded authorities before and after their first funded "
            "project year with those of authorities that were not (yet) funded:\n\n"
            "1. **event study**: the gap between funded and comparison authorities year by "
            "year, with a joint test of the years *before* funding (if they already differ, "
            "the comparison is doubtful); two-way fixed effects and the heterogeneity-robust "
            "two-stage estimator, end points binned;\n"
            "2. **staggered ATT** (Callaway & Sant'Anna 2021): the average effect over "
            "cohorts, robust to effects that differ between cohorts, with inference chosen by "
            "the *few-treated rule* (randomisation inference when fewer than 10 clusters are "
            "treated); two-way fixed effects and synthetic difference-in-differences beside "
            "it;\n"
            "3. **sensitivity** (HonestDiD): how far parallel trends may fail before the "
            "effect vanishes (not shown in this design: its section says why);\n"
            "4. **placebo checks**: fake treatment years before {start_year}, and an outcome "
            "the plan cannot change;\n"
            "5. **several outcomes**: p-values corrected for testing several outcomes at "
            "once;\n"
            "6. **power by simulation**: effects planted in the real pre-programme years "
            "(MDE, power curve);\n"
            "7. a **verdict** in plain words that says no more than the data allow.\n\n"
            "**Real data.** No public outcome or funding table exists yet, and Statbel's "
            "fiscal income ends before the plan started. On the real data this report "
            "therefore runs as a **pre-period check only**: fiscal income per resident of "
            "*proxy-eligible* Flemish municipalities (more than the threshold of non-Belgian "
            "residents — nationality understates origin) versus the other Flemish "
            "municipalities, with a *placebo* treatment year. It cannot and does not estimate "
            "an effect of the plan. With demo data, or user-supplied outcome and "
            "funding tables, it runs the full design."
        ),
    ),
    "data": (N_("Data and groups"), ""),
    "event_study": (
        N_("Event study and pre-trend test"),
        N_(
            "Each dot is the difference between the groups in a year relative to the first "
            "treated year, compared with the year just before (−1); years before −5 and after "
            "+3 are binned into the end points. Two estimators: plain two-way fixed effects, "
            "and the two-stage estimator (Gardner 2021), which stays unbiased when effects "
            "differ between cohorts. Dots left of the dashed line should hover around zero: "
            "the joint test asks whether they are all zero (wild cluster bootstrap for TWFE, "
            "because the usual Wald test over-rejects with many years and few clusters)."
        ),
    ),
    "average": (
        N_("Average effect: staggered ATT, two-way fixed effects, synthetic DiD"),
        N_(
            "Callaway & Sant'Anna compare each cohort with never-funded authorities only. "
            "**Few-treated rule**: with at least 10 treated and 10 untreated clusters the "
            "interval is the analytic cluster-robust one; with fewer, the p-value *and* the "
            "interval come from randomisation inference (funding reassigned among "
            "authorities, 999 times); with one or two treated clusters a warning says that "
            "only the random-assignment assumption carries the inference. A result without "
            "valid inference is shown with an empty interval and a note, never as 0 ± 0."
        ),
    ),
    "sensitivity": (
        N_("Sensitivity to violations of parallel trends (HonestDiD)"),
        N_(
            "Rambachan & Roth (2023): allow the difference in trends to bend by up to *M* per "
            "year (M = 0: the pre-trend continues in a straight line) and recompute the "
            "interval of the average post-period effect. The *breakdown value* is the "
            "smallest M at which the interval includes zero."
        ),
    ),
    "placebos": (
        N_("Placebo checks"),
        N_(
            "*Fake treatment years*: the same comparison on years before the (placebo) start "
            "only, as if funding had begun earlier. *Placebo outcome*: an outcome the plan "
            "cannot change (in the demo data: rainfall). Intervals far from zero mean the comparison "
            "group is not a good stand-in."
        ),
    ),
    "outcomes": (
        N_("Several outcomes"),
        N_(
            'Testing several outcomes makes a "significant" one more likely by chance. '
            "Adjusted p-values control the chance of any false finding: Romano–Wolf when all "
            "estimates share one randomisation distribution, otherwise Holm."
        ),
    ),
    "power": (
        N_("Power by simulation"),
        N_(
            "Effects of known size are planted in the real pre-programme years of the same "
            "authorities (their cohort pattern shifted back, comparison authorities "
            "resampled), and the same estimator with the same inference rule is run each "
            "time. The minimum detectable effect (MDE) is the smallest planted effect found "
            "in {power} of draws."
        ),
    ),
    "verdict": (N_("Verdict"), ""),
}
"""Section key → (heading, introduction) message ids of the impact report."""


CLUSTERS = {"municipality": "refnis", "arrondissement": "arrondissement", "province": "province"}
IMPACT_ESTIMATORS = ("event_study", "callaway_santanna", "twfe", "synthetic_did")


@dataclass
class ImpactDesign:
    """The analysis panel of the impact notebook and how it was chosen."""

    panel: pd.DataFrame
    start: int
    outcome: str
    full_design: bool
    group_word: str
    cluster: str | None
    summary: str
    note: str = ""
    table: pd.DataFrame | None = None
    treat: pd.DataFrame | None = None
    first_year: int | None = None
    last_year: int | None = None

    @property
    def label(self) -> str:
        return outcome_text(self.outcome)

    @property
    def unit_label(self) -> str:
        return unit_text(self.outcome)


def impact_design(
    ctx,
    *,
    outcome: str,
    first_year: int | None,
    last_year: int | None,
    treatment_year: int | None,
    definition: str,
    threshold: int,
    cluster: str,
    year: int | None = None,
) -> ImpactDesign:
    """Full before/after design when outcome and funding tables exist, else the pre-period check.

    The pre-period check is on fiscal income of proxy-eligible Flemish municipalities (placebo
    year).
    """
    check_choice("cluster", cluster, CLUSTERS)
    full = ctx.has("outcomes") and ctx.has("treatment")
    lines = [
        _("Design: full before/after comparison")
        if full
        else _("Design: pre-period check (no post-{year} outcomes)", year=PROGRAMME_START)
    ]
    notes: list[str] = []
    table = treat = None
    if full:
        table, treat = ctx.load("outcomes"), ctx.load("treatment")
        source = oc.income_panel(ctx.load("income")) if outcome == oc.INCOME_OUTCOME else table
        panel = oc.panel(
            source,
            treat,
            outcome,
            first_year=first_year,
            last_year=last_year,
            treatment_year=treatment_year,
        )
        if treatment_year is not None:  # common timing: every funded authority starts then
            panel["cohort"] = panel["cohort"].where(~panel["treated"], float(treatment_year))
        start = (
            int(treatment_year)
            if treatment_year is not None
            else int(panel.loc[panel.treated, "cohort"].min())
        )
        used, word = outcome, "funded"
        counted = ctx.has("population_origin") or ctx.has("population_nationality")
        elig = proxy_groups(ctx, definition, threshold, year)[4] if counted else None
    else:
        flemish, members, src, ref, elig = proxy_groups(ctx, definition, threshold, year)
        start = int(treatment_year) if treatment_year is not None else 2016
        income = oc.income_panel(
            ctx.load("income"), first_year=first_year, last_year=last_year, refnis=flemish
        )
        panel = oc.panel(
            income, oc.treatment_from_groups(flemish, members, start), oc.INCOME_OUTCOME
        )
        used, word = oc.INCOME_OUTCOME, "proxy-eligible"
        notes = [
            _(
                "**Pre-period check.** The real data hold no outcomes after {last_year} and no "
                "funding table, so `outcome = {requested}` cannot be used: the outcome is "
                "**{outcome}** (Statbel fiscal statistics, income year).",
                last_year=int(panel.year.max()),
                requested=md_escape(repr(outcome)),
                outcome=md_escape(outcome_text(used)),
            ),
            _(
                "Groups: {members} Flemish municipalities with more than {threshold} residents "
                "({definition}) in {year} (*proxy-eligible*) versus the other {others}. "
                "**{start} is a placebo year**: nothing happened then, so any 'effect' measures "
                "diverging trends, not the plan.",
                members=i18n.number(len(members)),
                threshold=i18n.number(threshold),
                definition=md_escape(src.label),
                year=ref.year,
                others=i18n.number(len(flemish) - len(members)),
                start=start,
            ),
        ]
        if ref.note():
            notes.append(ref.note())
        if src.proxy:
            notes.append(
                _(
                    "Non-Belgian *nationality* understates non-EU14 *origin*: the proxy group is "
                    "not the eligible group."
                )
            )
    panel = with_size_strata(panel, elig)
    cl = CLUSTERS[cluster]
    if cl != "refnis":
        panel = oc.with_geography(panel, ctx.load("municipalities"))
    units = panel.drop_duplicates("refnis")
    by_cohort = units["cohort"].fillna(0).astype(int).value_counts().sort_index()
    lines += [
        _(
            "Outcome: {outcome}; years {first}-{last}; {authorities} authorities",
            outcome=outcome_text(used),
            first=panel.year.min(),
            last=panel.year.max(),
            authorities=i18n.number(len(units)),
        ),
        _("Authorities by first treated year (0 = comparison group):"),
        by_cohort.rename_axis(_("cohort")).to_string(),
    ]
    text = "\n\n".join(f"> {n}" for n in notes)
    if not full:
        text += "\n\n" + missing_design_text(_("An effect of the plan"))
    return ImpactDesign(
        panel,
        start,
        used,
        full,
        word,
        None if cl == "refnis" else cl,
        "\n".join(lines),
        text,
        table,
        treat,
        first_year,
        last_year,
    )


def group_means(design: ImpactDesign) -> pd.DataFrame:
    """Mean outcome by year and group (each cohort, and the comparison group)."""
    p = design.panel
    funded = design.group_word == "funded"
    group = p["cohort"].map(
        lambda c: (
            (
                _("funded from {year}", year=int(c))
                if funded
                else _("proxy-eligible from {year}", year=int(c))
            )
            if pd.notna(c)
            else _("comparison")
        )
    )
    return p.assign(group=group).groupby(["year", "group"])["value"].mean().unstack()


def event_studies(
    design: ImpactDesign, estimators: list[str], *, full_window: bool = False
) -> dict[str, EventStudy]:
    """TWFE and the heterogeneity-robust two-stage (did2s) event study, binned end points.

    ``full_window``: also the did2s study on every relative period, unbinned, as
    ``extra["full_window"]`` of the did2s study (what :func:`sensitivity` reads; the notebook shows
    no HonestDiD reading in this design, :func:`sensitivity_withheld_text`).
    """
    check_choice("estimators", estimators, IMPACT_ESTIMATORS)
    if "event_study" not in estimators:
        return {}
    args = (design.panel, "value", "refnis", "year", "cohort")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        studies = {
            "TWFE": es_mod.event_study(*args, cluster=design.cluster),
            "two-stage (did2s)": es_mod.event_study(
                *args, cluster=design.cluster, estimator="did2s"
            ),
        }
        if full_window:
            # HonestDiD reads every lead: binning the end points changes its answer (issue 20).
            studies["two-stage (did2s)"].extra["full_window"] = es_mod.event_study(
                *args, cluster=design.cluster, estimator="did2s", window=None, bootstrap_reps=0
            )
    return studies


def pretrend_text(studies: dict[str, EventStudy]) -> str:
    """One line per event study: the joint pre-trend test (or why there is none)."""
    if not studies:
        return _("Event study not requested (estimators).")
    out = []
    for name, es in studies.items():
        if "pretrend_note" in es.extra:
            out.append(
                _(
                    "Joint pre-trend test ({name}): {note}",
                    name=estimator_label(name),
                    note=note_text(es.extra["pretrend_note"]),
                )
            )
            continue
        numbers = {
            "name": name,
            "leads": i18n.number(es.pretrend_df),
            "wald": i18n.number(es.pretrend_stat, 2),
            "p": i18n.number(es.pretrend_pvalue, 3),
            "window": es.extra["window"],
        }
        out.append(
            _(
                "Joint pre-trend test ({name}): {leads} leads, Wald = {wald}, p = {p} "
                "(bootstrap); window {window} (end points binned)",
                **numbers,
            )
            if "pretrend_pvalue_wild" in es.extra
            else _(
                "Joint pre-trend test ({name}): {leads} leads, Wald = {wald}, p = {p} "
                "(analytic F); window {window} (end points binned)",
                **numbers,
            )
        )
    return "\n".join(out)


def event_table(studies: dict[str, EventStudy], *, intervals: bool = True) -> pd.DataFrame:
    """Side-by-side coefficients of the event studies (``intervals=False``: estimates only)."""
    columns = ["estimate", "ci_low", "ci_high"] if intervals else ["estimate"]
    parts = [
        es.coefs.set_index("rel_time")[columns].add_prefix(f"{n}: ") for n, es in studies.items()
    ]
    return pd.concat(parts, axis=1).round(3) if parts else pd.DataFrame()


def event_intervals_text() -> str:
    """Why the event-study and event-time figures show estimates without intervals.

    Measured in the Plan's regime: the pointwise CRV1 intervals of the event study
    (:data:`~samenleven_analysis.analysis.estimators.event_study.FLANDERS_POINTWISE_COVERAGE`)
    and the analytic Callaway–Sant'Anna intervals
    (:data:`~samenleven_analysis.analysis.estimators.staggered.ANALYTIC_COVERAGE`).
    """
    from samenleven_analysis.analysis.estimators.event_study import FLANDERS_POINTWISE_COVERAGE
    from samenleven_analysis.analysis.estimators.staggered import ANALYTIC_COVERAGE

    return _(
        "The event-study coefficients and the Callaway–Sant'Anna estimates by year are shown "
        "without intervals: in simulations of this design (285 authorities, the largest funded) "
        "their 95% intervals covered the true effect in only {low} to {high} (event study, "
        "pointwise) and {cs_low} to {cs_high} (Callaway–Sant'Anna, analytic) of draws "
        "(docs/inference.md). The joint pre-trend test and the randomisation interval of the "
        "average effect hold their level.",
        **percent_range(FLANDERS_POINTWISE_COVERAGE),
        **percent_range(ANALYTIC_COVERAGE, "cs_"),
    )


@dataclass
class AverageEffects:
    """The average-effect estimators, their table and the inference notes."""

    results: dict[str, Estimate]
    table: pd.DataFrame
    text: str
    main: Estimate | None = None
    extra: dict = field(default_factory=dict)


def closest_scenario_text(n_treated: int) -> str:
    """The simulated scenario closest to this design and the coverage measured there."""
    from samenleven_analysis.analysis.estimators.staggered import (
        MEASURED_COVERAGE,
        MEASURED_COVERAGE_DRAWS,
    )

    n = 6 if abs(n_treated - 6) <= abs(n_treated - 28) else 28
    lv, lv_se = MEASURED_COVERAGE[("level", n)]
    rt, rt_se = MEASURED_COVERAGE[("rate", n)]
    return _(
        "Closest simulated scenarios (docs/inference.md): {n} largest of {total} authorities "
        "funded, AR(1) errors; the randomisation interval covered the truth in {level} (MC "
        "s.e. {level_se}) of {draws} draws for outcomes in levels and {rate} (MC s.e. "
        "{rate_se}) for rates; this design has {treated} funded authorities.",
        n=i18n.number(n),
        total=i18n.number(285),
        level=i18n.number(lv, 3),
        level_se=i18n.number(lv_se, 3),
        draws=i18n.number(MEASURED_COVERAGE_DRAWS),
        rate=i18n.number(rt, 3),
        rate_se=i18n.number(rt_se, 3),
        treated=i18n.number(n_treated),
    )


def twfe_text(est: Estimate) -> str:
    """TWFE's clusters, and why its CRV1 and wild-bootstrap p-values are not shown.

    In the Plan's regime they reject a true null in up to 10% of simulated draws
    (:data:`~samenleven_analysis.analysis.estimators.did.FLANDERS_NULL_REJECTION`).
    """
    from samenleven_analysis.analysis.estimators.did import FLANDERS_NULL_REJECTION

    worst = {test: measured_range(rates)[1] for test, rates in FLANDERS_NULL_REJECTION.items()}
    return _(
        "TWFE: {treated} treated of {clusters} clusters. Its cluster-robust (CRV1) and "
        "wild-bootstrap p-values are not shown: in simulations of this design they rejected a "
        "true null in up to {crv1} and {wild} of draws instead of 5% (docs/inference.md).",
        treated=i18n.number(est.extra["n_treated_clusters"]),
        clusters=i18n.number(est.extra["n_clusters"]),
        crv1=i18n.percent(worst["crv1"], 0),
        wild=i18n.percent(worst["wild"], 0),
    )


def sdid_without_interval(est: Estimate) -> Estimate:
    """The synthetic DiD point estimate without its placebo interval, with the reason.

    In the Plan's design the placebo-variance interval does not hold its level (covers the truth
    in about 0.6–0.7 of simulated draws with level outcomes, always with rates:
    :data:`~samenleven_analysis.analysis.estimators.sdid.FLANDERS_PLACEBO_COVERAGE`), so the
    notebook shows the estimate only, beside the headline Callaway–Sant'Anna interval.
    """
    from samenleven_analysis.analysis.estimators.sdid import (
        FLANDERS_PLACEBO_COVERAGE,
        FLANDERS_PLACEBO_COVERAGE_DRAWS,
    )

    def kind(name: str) -> tuple[float, float]:
        return measured_range({k: v for k, v in FLANDERS_PLACEBO_COVERAGE.items() if k[0] == name})

    level_low, level_high = kind("level")
    reason = fact(
        "sdid_interval_withheld",
        level_low=level_low,
        level_high=level_high,
        rate_low=kind("rate")[0],
        draws=FLANDERS_PLACEBO_COVERAGE_DRAWS,
    )
    return without_inference(est, reason)


def with_size_strata(panel: pd.DataFrame, elig: pd.DataFrame | None) -> pd.DataFrame:
    """``panel`` with the randomisation strata of the Plan's design in :data:`SIZE_STRATUM`.

    Funding went to eligible authorities, the largest first: the ``2 × n_funded`` authorities with
    the largest eligibility count (of the applicant they belong to, from ``elig``, the frame of
    :func:`~samenleven_analysis.analysis.eligibility.eligible`) form one stratum, the other eligible
    and the not eligible ones two more (:func:`~samenleven_analysis.analysis.estimators.common.size_strata`).
    Without counts (no origin table) or ``eligible`` the panel is returned unchanged and
    :func:`ri_strata` falls back to eligibility.
    """
    if elig is None or elig.empty or "eligible" not in panel.columns:
        return panel
    counts = elig[["members", "count"]].explode("members")
    size = counts.groupby(counts["members"].astype(str))["count"].max()
    units = panel.drop_duplicates("refnis").set_index("refnis")
    strata = size_strata(
        units.index.to_series().map(size), units["cohort"].notna(), units["eligible"]
    )
    return panel.assign(**{SIZE_STRATUM: panel["refnis"].map(strata)})


def outcome_panel(design: ImpactDesign, outcome: str) -> pd.DataFrame:
    """Another outcome's panel (same years, funding) with the strata of the headline panel."""
    panel = oc.panel(
        design.table,
        design.treat,
        outcome,
        first_year=design.first_year,
        last_year=design.last_year,
    )
    return with_strata_of(panel, design.panel)


def with_strata_of(panel: pd.DataFrame, design_panel: pd.DataFrame) -> pd.DataFrame:
    """Another outcome's ``panel`` with the strata of the headline ``design_panel``."""
    if SIZE_STRATUM not in design_panel.columns or SIZE_STRATUM in panel.columns:
        return panel
    strata = design_panel.drop_duplicates("refnis").set_index("refnis")[SIZE_STRATUM]
    return panel.assign(**{SIZE_STRATUM: panel["refnis"].map(strata)})


def ri_strata(panel: pd.DataFrame) -> str | None:
    """The strata of randomisation inference for the Plan's design; the result names the scheme.

    :data:`SIZE_STRATUM` (size and eligibility, :func:`with_size_strata`) when the panel has it
    for every authority; else ``eligible`` (funding could only go to eligible authorities) when
    the panel has both values; else None (across all authorities).
    """
    if SIZE_STRATUM in panel.columns and panel[SIZE_STRATUM].notna().all():
        return SIZE_STRATUM
    if "eligible" not in panel.columns or panel["eligible"].isna().any():
        return None
    per_unit = panel.drop_duplicates("refnis")["eligible"]
    return "eligible" if per_unit.nunique() == 2 else None


def average_effects(design: ImpactDesign, estimators: list[str]) -> AverageEffects:
    """C–S (headline, studentised randomisation inference), TWFE, synthetic DiD (no interval).

    TWFE's inference is the studentised randomisation test too; its CRV1 and wild-bootstrap
    p-values are not shown (:func:`twfe_text`).
    """
    check_choice("estimators", estimators, IMPACT_ESTIMATORS)
    p, cl = design.panel, design.cluster
    res: dict[str, Estimate] = {}
    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the note carries the warning
        st = ri_strata(p)
        if "callaway_santanna" in estimators:
            res["Callaway–Sant'Anna ATT"] = staggered_did(
                p, "value", "refnis", "year", "cohort", cluster=cl, strata=st
            )
        if "twfe" in estimators:
            res["TWFE DiD"] = did_mod.did(
                p, "value", "refnis", "year", "treated", "post", cl, strata=st
            )
            lines.append(twfe_text(res["TWFE DiD"]))
        if "synthetic_did" in estimators:
            res["synthetic DiD"] = sdid_without_interval(
                synthetic_did(p, "value", "refnis", "year", "cohort", inference=False)
            )
    for name, e in res.items():
        lines.append(
            _(
                "{name}: {method} Note: {note}.",
                name=estimator_label(name),
                method=method_text(e.method),
                note=notes_text(e.notes),
            )
            if e.notes
            else _("{name}: {method}", name=estimator_label(name), method=method_text(e.method))
        )
    cs = res.get("Callaway–Sant'Anna ATT")
    if cs is not None and cs.extra.get("inference") == "ri":
        lines.append(closest_scenario_text(int(cs.extra["n_treated_units"])))
    table = estimates_table(res)
    if not table.empty:
        table = table.drop(columns="method")
    main = res.get("Callaway–Sant'Anna ATT") or res.get("TWFE DiD")
    return AverageEffects(res, table, "\n".join(lines), main)


HONEST_GRID = (0.0, 1.0, 3.0, 9.0)
"""HonestDiD grid of M, in multiples of the target's SE (extended ×3 until the robust
interval reaches zero); each M is one fit of about 1.6 s, so the grid is coarse."""

HONEST_EXTEND_BY = 3.0
"""Factor by which the last M grows while the robust interval still excludes zero."""

HONEST_EXTEND_UNTIL = 81.0
"""Largest M tried, in multiples of the target's SE."""

HONEST_BISECTIONS = 2
"""Bisection steps refining the breakdown value between two grid points (bracket / 4)."""


def sensitivity_withheld_text() -> str:
    """Why the impact notebook shows no HonestDiD intervals and no breakdown value.

    Measured in the Plan's regime: HonestDiD's conventional interval, which its robust intervals
    widen (:data:`~samenleven_analysis.analysis.estimators.honest.FLANDERS_CONVENTIONAL_COVERAGE`).
    :func:`sensitivity` stays the path for designs where that interval holds its level (e.g. the
    published Medicaid example, tests/unit/analysis/test_verdicts.py).
    """
    from samenleven_analysis.analysis.estimators.honest import FLANDERS_CONVENTIONAL_COVERAGE

    return _(
        "The sensitivity analysis is not shown. HonestDiD widens the conventional 95% interval "
        "of the average post-period effect (two-stage event study, cluster-robust standard "
        "error); in simulations of this design (285 authorities, the largest funded) that "
        "interval covered the true effect in only {low} to {high} of draws (docs/inference.md), "
        "so its robust intervals and the breakdown value read from them would claim more "
        "certainty than the data give.",
        **percent_range(FLANDERS_CONVENTIONAL_COVERAGE),
    )


def sensitivity(studies: dict[str, EventStudy]) -> HonestSensitivity | None:
    """HonestDiD smoothness sensitivity of the event study's average post-period effect.

    ``studies`` as from :func:`event_studies` with ``full_window=True``. The event study is the
    heterogeneity-robust one (TWFE if did2s is missing), on the coarse
    :data:`HONEST_GRID`: about six fits instead of thirteen. As in
    :func:`~samenleven_analysis.analysis.estimators.honest.honest_did`, the breakdown value is the
    upper end of its final bracket (the smallest M tried at which the robust interval includes
    zero); the bracket is a quarter of a grid step wide, so the value may exceed the exact breakdown
    by up to that much (on the demo panel 0.227 against 0.220 from the fine search).
    """
    es = studies.get("two-stage (did2s)") or studies.get("TWFE")
    if es is None:
        return None
    es = es.extra.get("full_window", es)
    if (es.coefs.rel_time > es.reference).sum() == 0:
        return None
    return coarse_honest(es)


def coarse_honest(es: EventStudy, alpha: float = 0.05) -> HonestSensitivity:
    """:func:`~samenleven_analysis.analysis.estimators.honest.honest_did` on this report's grid.

    Its method names the periods read and the grid.
    """
    h = honest_did(
        es,
        alpha=alpha,
        se_grid=HONEST_GRID,
        extend_by=HONEST_EXTEND_BY,
        extend_until=HONEST_EXTEND_UNTIL,
        bisections=HONEST_BISECTIONS,
    )
    # The periods read and the coarse grid, worded by method_text (HonestDiD on this grid).
    rel = es.coefs.rel_time
    h.method = Fact(
        h.method.code,
        {
            **h.method.values,
            "window": es.extra.get("window"),
            "rel_range": (int(rel.min()), int(rel.max())),
        },
    )
    return h


def _significant(value: float) -> str:
    """Three significant digits in the active language's format (``0.227`` / ``0,227``)."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="@##", locale=i18n.active().locale)


def sensitivity_text(h: HonestSensitivity | None) -> str:
    if h is None:
        return _("No event study, so no sensitivity analysis (estimators).")
    numbers = {
        "estimate": i18n.number(h.estimate, 3),
        "low": i18n.number(h.original[0], 3),
        "high": i18n.number(h.original[1], 3),
    }
    reading = (
        _(
            "Average post-period effect {estimate} (conventional 95% interval {low} to {high}); "
            "breakdown value M = {breakdown}: the smallest change in the slope of the "
            "differential trend per year at which the robust interval includes zero.",
            breakdown=_significant(h.breakdown),
            **numbers,
        )
        if np.isfinite(h.breakdown)
        else _(
            "Average post-period effect {estimate} (conventional 95% interval {low} to {high}); "
            "breakdown value M = not reached on the grid: the smallest change in the slope of "
            "the differential trend per year at which the robust interval includes zero.",
            **numbers,
        )
    )
    return reading + "\n" + method_text(h.method)


@dataclass
class Placebos:
    years: pd.DataFrame
    outcomes: pd.DataFrame | None
    text: str

    def checks(self) -> dict[str, float]:
        """Named p-values of the placebo checks (for the verdict)."""
        out = {f"placebo year {int(r.fake_year)}": r.pvalue for r in self.years.itertuples()}
        if self.outcomes is not None:
            out.update(
                {f"placebo outcome {r.outcome}": r.pvalue for r in self.outcomes.itertuples()}
            )
        return out


def placebos(design: ImpactDesign) -> Placebos:
    """Fake treatment years before the start, and outcomes the plan cannot change."""
    years = sorted(design.panel.year.unique())
    before = did_mod.PLACEBO_YEARS_BEFORE
    fake = [design.start - k for k in before if design.start - k - years[0] >= 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        py = did_mod.placebo_years(
            design.panel,
            "value",
            "refnis",
            "year",
            "treated",
            design.start,
            fake,
            cluster=design.cluster,
            strata=ri_strata(design.panel),
        )
        po, text = None, _("No placebo outcome exists in the real data.")
        if design.full_design:
            others = [
                o
                for o in oc.PLACEBO_OUTCOMES
                if o in set(design.table["outcome"]) and o != design.outcome
            ]
            text = _("No placebo outcome in the outcome table.")
            if others:
                panels = {o: outcome_panel(design, o) for o in others}
                # the same authorities as the headline panel: the same strata
                po = did_mod.placebo_outcomes(
                    panels, "refnis", "year", "cohort", strata=ri_strata(design.panel)
                )
                text = ""
    return Placebos(py, po, "\n".join(t for t in (placebo_inference_text(), text) if t))


def placebo_inference_text() -> str:
    """How the placebo checks are tested, and the size measured for the fake years.

    Measured in the Plan's regime
    (:data:`~samenleven_analysis.analysis.estimators.did.FLANDERS_PLACEBO_YEAR_REJECTION`).
    """
    from samenleven_analysis.analysis.estimators.did import FLANDERS_PLACEBO_YEAR_REJECTION

    _low, high = measured_range(FLANDERS_PLACEBO_YEAR_REJECTION["ri"])
    _low, crv1 = measured_range(FLANDERS_PLACEBO_YEAR_REJECTION["crv1"])
    return _(
        "Each placebo check is tested like the headline estimate: a studentised randomisation "
        "test, funding reassigned within strata of size and eligibility. In simulations of this design "
        "(285 authorities, the largest funded, no effect) a fake year rejected in at most {high} "
        "of draws at the 5% level (the cluster-robust test: up to {crv1}; docs/inference.md).",
        high=i18n.percent(high, 0),
        crv1=i18n.percent(crv1, 0),
    )


def multiple_outcomes(design: ImpactDesign) -> pd.DataFrame | None:
    """The headline estimator on every (non-placebo) outcome, with family-wise adjusted p-values.

    Romano–Wolf on a shared randomisation distribution, else Holm.
    """
    if not design.full_design:
        return None
    names = [o for o in sorted(set(design.table["outcome"])) if o not in oc.PLACEBO_OUTCOMES]
    ests = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for o in names:
            pan = outcome_panel(design, o)
            if design.cluster:
                pan = pan.merge(
                    design.panel[["refnis", design.cluster]].drop_duplicates(), on="refnis"
                )
            ests[o] = staggered_did(
                pan,
                "value",
                "refnis",
                "year",
                "cohort",
                cluster=design.cluster,
                details=False,
                strata=ri_strata(pan),
            )
    out = adjust_pvalues(ests)
    out.insert(1, "estimate", [ests[o].estimate for o in out.outcome])
    return out


MDE_POWER = 0.8
"""Power at which the minimum detectable effect is read (the default of
:func:`power_by_simulation`)."""


def mde_text(mde) -> str:
    """The minimum detectable effect in one line, in the report's language."""
    values = dict(
        alpha=i18n.number(mde.alpha, 2),
        power=i18n.number(mde.power, 1),
        treated=i18n.number(mde.n_treated),
        comparison=i18n.number(mde.n_control),
    )
    if not mde.null_holds:
        return _(
            "No MDE: without a planted effect the test already rejects in {rate} of the simulated "
            "pre-programme draws (α = {alpha}). The funded authorities' outcome moved apart from "
            "the comparison units' before the plan, so the power curve cannot be read as power.",
            rate=i18n.percent(mde.null_rejection),
            alpha=values["alpha"],
        )
    if not np.isfinite(mde.mde):
        return _(
            "MDE not reached on the simulated grid (α = {alpha}, power = {power}; {treated} "
            "treated vs {comparison} comparison units; by simulation)",
            **values,
        )
    return _(
        "MDE {mde} (α = {alpha}, power = {power}; {treated} treated vs {comparison} "
        "comparison units; by simulation)",
        mde=i18n.number(mde.mde, 3),
        **values,
    )


POWER_DRAWS = 40
"""Simulated draws per planted effect of the power curve (the notebook's ``power_draws``)."""
POWER_REPS = 99
"""Permutations per simulated draw when randomisation inference applies: a p-value resolution
of 0.01 is enough to tell p < 0.05, and halves the power simulation (the slowest step)."""


def power(design: ImpactDesign, draws: int = POWER_DRAWS):
    """Power curve and MDE by simulation in the pre-programme years of this panel."""
    start = design.start if design.full_design else PROGRAMME_START
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return power_by_simulation(
            design.panel,
            "value",
            "refnis",
            "year",
            "cohort",
            min(start, int(design.panel.year.max()) + 1),
            cluster=design.cluster,
            draws=draws,
            power=MDE_POWER,
            reps=POWER_REPS,
            post_periods=None if design.full_design else 3,
        )


def _impact_checks(
    studies: dict[str, EventStudy],
    plac: Placebos | None,
    multiple: pd.DataFrame | None,
    outcome: str,
    honest: HonestSensitivity | None,
) -> dict[str, Any]:
    """The inputs of :func:`verdict_flags` for the impact notebook.

    Its verdict text, its flags and its machine-readable summary all read this one dict (issue 20,
    one verdict).
    """
    es = studies.get("TWFE")
    adj = how = None
    if multiple is not None and outcome in set(multiple.outcome) and len(multiple) > 1:
        row = multiple.set_index("outcome").loc[outcome]
        adj = float(row.pvalue_adjusted)
        how = _(
            "{method}, {n} outcomes",
            method=estimator_label(row.method),
            n=i18n.number(len(multiple)),
        )
    return {
        "pretrend_pvalue": es.pretrend_pvalue if es is not None else None,
        "checks": plac.checks() if plac is not None else {},
        "adjusted_pvalue": adj,
        "adjustment": how or "",
        "honest": honest,
    }


def impact_verdict(
    design: ImpactDesign,
    studies: dict[str, EventStudy],
    avg: AverageEffects,
    plac: Placebos,
    mde,
    honest: HonestSensitivity | None,
    multiple: pd.DataFrame | None,
    *,
    demo: bool,
) -> str:
    """The verdict: a pre-period reading on real data, else the cautious effect reading."""
    inputs = _impact_checks(studies, plac, multiple, design.outcome, honest)
    if not design.full_design:
        placebo = avg.main or did_mod.did(
            design.panel, "value", "refnis", "year", "treated", "post"
        )
        return pre_period_verdict(
            placebo,
            placebo_year=design.start,
            data_last_year=int(design.panel.year.max()),
            programme_start=PROGRAMME_START,
            outcome_label=md_escape(design.label),
            unit_label=md_escape(design.unit_label),
            pretrend_pvalue=inputs["pretrend_pvalue"],
            mde=mde,
        )
    if avg.main is None:
        return _(
            "No average-effect estimator was requested (`estimators`), so there is no verdict."
        )
    return verdict(
        avg.main,
        outcome_label=md_escape(design.label),
        unit_label=md_escape(design.unit_label),
        mde=mde,
        demo=demo,
        **inputs,
    )


def impact_flags(
    design: ImpactDesign,
    studies,
    avg: AverageEffects,
    plac: Placebos,
    honest: HonestSensitivity | None = None,
    multiple: pd.DataFrame | None = None,
) -> dict:
    """The verdict's flags (direction, failed checks, multiplicity) for tests and dashboards.

    The same inputs as :func:`impact_verdict`.
    """
    if avg.main is None:
        return {}
    inputs = _impact_checks(studies, plac, multiple, design.outcome, honest)
    inputs.pop("adjustment")
    flags = verdict_flags(avg.main, **inputs)
    if not design.full_design:  # a pre-period check never claims an effect
        flags.update(direction=0, effect_claimed=False)
    return flags


def impact_facts(
    design: ImpactDesign,
    studies: dict[str, EventStudy],
    avg: AverageEffects,
    plac: Placebos,
    mde,
    honest: HonestSensitivity | None,
    multiple: pd.DataFrame | None,
    *,
    demo: bool,
) -> dict[str, Any]:
    """Machine-readable summary of the impact notebook for tests and dashboards.

    Design, groups, the headline or placebo estimate, pre-trend test, MDE, and the verdict's flags.
    Takes the same arguments as :func:`impact_verdict` and reads the same flags, so
    ``effect_claimed`` is True exactly when the text claims a direction.
    """
    units = design.panel.drop_duplicates("refnis")
    main = avg.main
    if main is None and not design.full_design:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            main = did_mod.did(design.panel, "value", "refnis", "year", "treated", "post")
    es = studies.get("TWFE")
    flags = impact_flags(design, studies, avg, plac, honest, multiple)
    inputs = _impact_checks(studies, plac, multiple, design.outcome, honest)
    return {
        "notebook": "impact_did",
        "demo": bool(demo),
        "mode": "full" if design.full_design else "pre_period_check",
        "outcome": design.outcome,
        "start_year": int(design.start),
        "placebo_year": None if design.full_design else int(design.start),
        "years": [int(design.panel.year.min()), int(design.panel.year.max())],
        "treated_units": int(units["treated"].sum()),
        "comparison_units": int((~units["treated"]).sum()),
        "estimate": None if main is None else rounded(main.estimate),
        "ci": None if main is None else [rounded(main.ci_low), rounded(main.ci_high)],
        "inference": None if main is None else main.extra.get("inference"),
        "pretrend_pvalue": None if es is None else rounded(es.pretrend_pvalue),
        "adjusted_pvalue": None
        if inputs["adjusted_pvalue"] is None
        else rounded(inputs["adjusted_pvalue"]),
        "failed_checks": list(flags.get("failed_checks", [])),
        "descriptive_only": bool(flags.get("descriptive_only", False)),
        "mde": None if mde is None else rounded(mde.mde),
        # the power simulation's rejection rate with no planted effect (its size in this panel)
        "mde_null_rejection": None if mde is None else rounded(mde.null_rejection),
        "effect_claimed": bool(flags.get("effect_claimed", False)),
        "unit_codes": sorted(str(r) for r in units["refnis"]),
    }


@dataclass
class ImpactDidReport(EvaluationReport):
    """One impact analysis: the design, computed once.

    Each method displays one step (a notebook cell) and computes what it needs on first use.
    """

    power_draws: int = POWER_DRAWS

    ESTIMATORS = IMPACT_ESTIMATORS
    OPTIONS = ("power_draws",)
    SECTIONS = SECTIONS
    make_design = staticmethod(impact_design)

    # ----------------------------------------------------------------- results, computed once
    studies = computed(event_studies, "design", "estimators")
    averages = computed(average_effects, "design", "estimators")
    placebo_results = computed(placebos, "design")
    multiple = computed(multiple_outcomes, "design")
    mde = computed(power, "design", "power_draws")

    # ----------------------------------------------------------------- the notebook's steps
    def section_values(self) -> dict[str, Any]:
        """The later cohorts' years and the power of the MDE."""
        return {
            "second_year": str(PROGRAMME_START + 1),
            "third_year": str(PROGRAMME_START + 2),
            "power": i18n.percent(MDE_POWER, 0),
        }

    def data_and_groups(self) -> None:
        """How the design was chosen, and the groups."""
        self.data_note()

    def group_means_figure(self) -> None:
        """Mean outcome by year and group."""
        figs.plot_group_means(
            group_means(self.design),
            self.design.start,
            self.design.label,
        )
        caption = self.ctx.caption(extra=_("dashed line: first (placebo) treatment year"))
        show_figure(stem="group_means", caption=caption)

    def event_study(self) -> None:
        """Event-study figure, joint pre-trend tests and the coefficients side by side."""
        if self.studies:
            figs.plot_event_studies(
                self.studies,
                title=_("Event study: {outcome}", outcome=self.design.label),
                intervals=False,
            )
            show_figure(stem="event_study", caption=self.ctx.caption())
            show_text(event_intervals_text())
        show_text(pretrend_text(self.studies))
        show(event_table(self.studies, intervals=False))

    def average_effect(self) -> None:
        """The average-effect estimators, the inference notes and the C–S event figure."""
        avg = self.averages
        show(avg.table)
        show_text(avg.text)
        cs = avg.results.get("Callaway–Sant'Anna ATT")
        if cs is not None:
            figs.plot_cs_event(cs.extra["event"], self.design.label, intervals=False)
            show_figure(stem="cs_event", caption=self.ctx.caption())

    def sensitivity(self) -> None:
        """HonestDiD: why its intervals are not shown in this design (measured coverage)."""
        show_text(sensitivity_withheld_text())

    def placebos(self) -> None:
        """Fake treatment years and placebo outcomes."""
        plac = self.placebo_results
        show(plac.years.round(3))
        if plac.outcomes is not None:
            show(plac.outcomes.assign(outcome=plac.outcomes["outcome"].map(outcome_text)).round(3))
        show_text(plac.text)

    def several_outcomes(self) -> None:
        """The headline estimator on every outcome, with family-wise adjusted p-values."""
        from IPython.display import Markdown

        multiple = self.multiple
        show(
            multiple.assign(outcome=multiple["outcome"].map(outcome_text)).round(3)
            if multiple is not None
            else Markdown(_("Only one outcome is available."))
        )

    def power(self) -> None:
        """The MDE and the power curve."""
        show_text(mde_text(self.mde))
        show_text(method_text(self.mde.method))
        figs.plot_power_curve(self.mde, unit_label=self.design.unit_label)
        show_figure(stem="power_curve", caption=self.ctx.caption())

    def _verdict_args(self) -> tuple:
        return (
            self.design,
            self.studies,
            self.averages,
            self.placebo_results,
            self.mde,
            None,  # no HonestDiD reading: see sensitivity_withheld_text
            self.multiple,
        )

    def verdict_text(self) -> str:
        """The verdict: no more than the design, the checks and the power allow."""
        return impact_verdict(*self._verdict_args(), demo=self.ctx.demo)

    def verdict_facts(self) -> dict[str, Any]:
        """The numbers behind the verdict."""
        return impact_facts(*self._verdict_args(), demo=self.ctx.demo)
