"""The steps of the threshold notebook (``notebooks/threshold_rdd``).

Regression discontinuity at the eligibility threshold — support near it, sharp and fuzzy estimates
with the fuzzy fit's first stage, density, balance and placebo-cutoff checks, and a cautious
verdict.

Without outcome and funding tables (the real open data) the notebook shows what the counts
can show: the support near the threshold and the density of log(count).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import authorities, eligibility
from samenleven_analysis.analysis import outcomes as oc
from samenleven_analysis.analysis.estimators import rdd as rdd_mod
from samenleven_analysis.analysis.estimators.common import (
    estimates_table,
)
from samenleven_analysis.analysis.verdicts import verdict_flags
from samenleven_analysis.facts import PROGRAMME_START_YEAR as PROGRAMME_START
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports.evaluation_shared import (
    EvaluationReport,
    computed,
    covariate_text,
    missing_design_text,
    outcome_text,
    rounded,
    show,
    show_figure,
    show_markdown,
    show_text,
    unit_text,
)
from samenleven_analysis.reports.figures import estimates as figs
from samenleven_analysis.reports.method_text import (
    estimator_label,
    method_text,
    notes_text,
    percent_range,
)
from samenleven_analysis.reports.parameters import check_choice
from samenleven_analysis.reports.text import md_escape
from samenleven_analysis.reports.verdicts import rdd_support_verdict, verdict

SECTIONS: dict[str, tuple[str, str]] = {
    "title": (
        N_("The {threshold} threshold: regression discontinuity"),
        N_(
            "Authorities with **more than {threshold} residents of non-EU14 origin** can be "
            "funded; those just below cannot (unless they pool with neighbours in a "
            "partnership). If authorities just above and just below the threshold are "
            "otherwise alike, comparing them estimates the effect of eligibility (*sharp* RD, "
            "an intention-to-treat) and — because not every eligible authority takes part and "
            "some partnerships join from below — of participation (*fuzzy* RD, the jump in "
            "outcomes divided by the jump in participation).\n\n"
            "The outcome of each applicant is its **change**: mean outcome in the years when "
            "all cohorts are funded minus the mean before {start_year}. Checks: the **first "
            "stage** (does participation really jump at {threshold}? — the fuzzy fit's own "
            "first stage, with a weak-instrument-robust Anderson–Rubin test), the **density** "
            "of log(count) (do authorities sort just above it?), **covariate balance** "
            "(pre-period level and size should not jump), and **placebo cutoffs**.\n\n"
            "**Honest limits.** Flanders has few authorities near {threshold}, so local "
            "estimates rest on a handful of authorities: the report warns when fewer than 10 "
            "lie within ±{near_window} on either side, and the verdict is then descriptive "
            "only. The open data hold no outcomes after the plan started and no funding table: "
            "on real data this report shows only what the real counts can show — the "
            "**support** (how many authorities lie near the threshold) and the **density** of "
            "log(count) — and names the files that would allow estimates. Demo runs show the "
            "full method on fictional data."
        ),
    ),
    "support": (N_("How many authorities lie near the threshold?"), ""),
    "estimates": (
        N_("Estimates at the threshold, and the fuzzy fit's first stage"),
        N_(
            "rdrobust reports the conventional local-linear estimate (HC3 variance: with few "
            "authorities near the threshold rdrobust's default variance is too small). The "
            "sharp estimate has a *robust bias-corrected* interval (Calonico, Cattaneo & "
            "Titiunik 2014). The fuzzy estimate divides the jump in outcomes by the jump in "
            "participation *at the same bandwidth*: its own first stage is shown. Its interval "
            "and p-value come from the Anderson–Rubin test (no jump in the outcome minus "
            "effect × participation), which stays valid when the first stage is weak; when the "
            "jump in participation is not significant, that interval is unbounded and none is "
            "shown."
        ),
    ),
    "checks": (
        N_("Checks: density, covariate balance, placebo cutoffs"),
        N_(
            "*Density* (rddensity) on the **log** of the count: on the raw, very skewed count "
            "the test mistakes the steep slope for bunching. *Balance*: the outcome level "
            "before {start_year} and the total population should not jump at the threshold. "
            "*Placebo cutoffs*: fake thresholds (using only authorities on one side of the real "
            "one) should show no jump. Balance and placebo cutoffs need the outcome table; "
            "without it only the density test runs."
        ),
    ),
    "verdict": (N_("Verdict"), ""),
}
"""Section key → (heading, introduction) message ids of the regression-discontinuity report."""


RDD_ESTIMATORS = ("sharp", "fuzzy")
RDD_CLUSTERS = ("municipality", "arrondissement")


@dataclass
class RDDDesign:
    """One row per applicant: running variable (count) and, in a ``full`` design, the changes.

    When outcome and funding tables exist (``full``): change in outcome and participation. Without
    them (the real open data) the design holds the counts only: support and density around the
    threshold.
    """

    frame: pd.DataFrame
    cutoff: float
    threshold: int
    outcome: str
    definition: str
    ref_year: int
    cluster: str | None
    summary: str
    note: str = ""
    full: bool = True
    definition_label: str = ""

    @property
    def label(self) -> str:
        return outcome_text(self.outcome)


SUPPORT_WINDOWS = (250, 500, 1000, 2500, 5000)
"""Half-widths (residents) around the threshold at which the support is counted."""


def rdd_design(
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
) -> RDDDesign:
    """The applicant frame at the threshold.

    Counts from :func:`~samenleven_analysis.reports.context.origin_source` in the year
    :func:`~samenleven_analysis.reports.context.reference_year` chooses (``year``; None = the rule's
    year). With outcome and funding tables, the change in outcome and participation too; without,
    the counts only (never Demoland in a real run).
    """
    from samenleven_analysis.reports.context import origin_source, reference_year

    check_choice("cluster", cluster, RDD_CLUSTERS)
    source = origin_source(ctx, definition)
    ref = reference_year(source.frame, year)
    partnerships = ctx.optional("partnerships")
    munis = ctx.load("municipalities")
    # the plan funds Flemish authorities: a real run compares Flemish applicants only
    within = None if ctx.built_demo else authorities.region_members(munis)
    elig = eligibility.eligible(
        source.frame,
        threshold,
        source.definition,
        ref.year,
        partnerships,
        within=within,
    )
    used_def, label = source.definition, source.label
    note = ""
    if ctx.demo:
        note = _(
            "> **DEMO DATA.** Outcomes and funding are Demoland (fictional) data: the method, "
            "not findings about Flanders."
        )
    head = _(
        "Running variable: residents by {definition} on 1 January {year}, per applicant "
        "(partnerships pooled); {above} of {applicants} applicants above {threshold}.",
        definition=label,
        year=ref.year,
        above=i18n.number(int(elig["eligible"].sum())),
        applicants=i18n.number(len(elig)),
        threshold=i18n.number(threshold),
    )
    if ref.note():
        head += f"\n{ref.note()}"
    if not (ctx.has("outcomes") and ctx.has("treatment")):
        frame = elig[["applicant", "name", "count", "total", "eligible"]].copy()
        note = "\n\n".join(
            n
            for n in (
                source.note(),
                _(
                    "> **Descriptive only.** The open data hold no outcomes after the plan started and no "
                    "funding table, so no effect at the threshold can be estimated. This notebook shows what "
                    "the real counts can show: how many authorities lie near the threshold, and whether "
                    "their density jumps there."
                ),
                missing_design_text(_("An estimate at the threshold")),
            )
            if n
        )
        return RDDDesign(
            frame,
            threshold + 0.5,
            threshold,
            outcome,
            used_def,
            ref.year,
            None,
            head,
            note,
            full=False,
            definition_label=label,
        )
    table, treat = ctx.load("outcomes"), ctx.load("treatment")
    panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
    start = int(treatment_year) if treatment_year is not None else PROGRAMME_START
    last = int(panel.year.max())
    all_in = int(panel.loc[panel.treated, "cohort"].max()) if panel.treated.any() else start
    pre = (
        int(first_year) if first_year is not None else max(int(panel.year.min()), start - 6),
        start - 1,
    )
    post = (min(max(all_in, start), last), last)
    df = oc.applicant_frame(panel, elig, pre, post)
    if cluster == "arrondissement":
        arr = dict(zip(munis["refnis"], munis["arrondissement"], strict=True))
        first_member = {a: ms[0] for a, ms in zip(elig["applicant"], elig["members"], strict=True)}
        df["arrondissement"] = df["applicant"].map(lambda a: arr.get(first_member.get(a)))
    summary = "\n".join(
        [
            head,
            _(
                "Outcome: change in {outcome}, mean {post_first}-{post_last} minus mean "
                "{pre_first}-{pre_last}; {applicants} applicants.",
                outcome=outcome_text(outcome),
                post_first=post[0],
                post_last=post[1],
                pre_first=pre[0],
                pre_last=pre[1],
                applicants=i18n.number(len(df)),
            ),
        ]
    )
    # "More than 7,500" on whole numbers: count >= threshold + 1; rdrobust treats x >= c as above.
    return RDDDesign(
        df,
        threshold + 0.5,
        threshold,
        outcome,
        used_def,
        ref.year,
        "arrondissement" if cluster == "arrondissement" else None,
        summary,
        note,
        full=True,
        definition_label=label,
    )


def support_table(design: RDDDesign, near_window: int) -> pd.DataFrame:
    """Applicants within ± each of :data:`SUPPORT_WINDOWS` of the threshold, below and above it.

    Also within ± ``near_window``.
    """
    rows = []
    for w in sorted({*SUPPORT_WINDOWS, int(near_window)}):
        near = rdd_mod.rdd_support(design.frame, "count", design.cutoff, w)
        rows.append({"within ± residents": w, "below": near["below"], "above": near["above"]})
    return pd.DataFrame(rows)


def support_text(design: RDDDesign, window: int) -> tuple[dict, str]:
    """Units near the cutoff, and the warning (Markdown) when fewer than 10 per side."""
    near = rdd_mod.rdd_support(design.frame, "count", design.cutoff, window)
    t = design.threshold
    numbers = {
        "window": i18n.number(window),
        "threshold": i18n.number(t),
        "below": i18n.number(near["below"]),
        "above": i18n.number(near["above"]),
        "applicants": i18n.number(near["n"]),
    }
    text = _(
        "Within ±{window} of {threshold}: {below} below, {above} above (of {applicants} "
        "applicants).",
        **numbers,
    )
    if min(near["below"], near["above"]) < rdd_mod.MIN_SUPPORT:
        warning = (
            _(
                "> **Warning: too few authorities near the cutoff.** Only {below} applicants lie "
                "within {window} below and {above} within {window} above {threshold}. A regression "
                "discontinuity compares authorities *at* the threshold; with so few, the local fits "
                "lean on authorities far away, intervals are wide and one authority can move the "
                "result. Every estimate below is descriptive only: an illustration of the method, "
                "not evidence.",
                **numbers,
            )
            if design.full
            else _(
                "> **Warning: too few authorities near the cutoff.** Only {below} applicants lie "
                "within {window} below and {above} within {window} above {threshold}. A regression "
                "discontinuity compares authorities *at* the threshold; with so few, the local fits "
                "lean on authorities far away, intervals are wide and one authority can move the "
                "result. Any estimate at this threshold would be descriptive only.",
                **numbers,
            )
        )
        text += "\n\n" + warning
    return near, text


def _attempt(fn, *args, **kwargs):
    """Too few authorities is an answer, not a crash: (result or None, message)."""
    try:
        return fn(*args, **kwargs), ""
    except Exception as exc:
        return None, _("Not estimable: {reason}", reason=str(exc).splitlines()[0])


def rdd_estimates(design: RDDDesign, estimators: list[str]) -> dict[str, Any]:
    """Sharp and fuzzy RD, the fuzzy fit's own first stage and the Anderson–Rubin test.

    ``tables`` are what the notebook displays (the missing-input note without outcomes).
    """
    from IPython.display import Markdown

    check_choice("estimators", estimators, RDD_ESTIMATORS)
    if not design.full:
        return {
            "estimates": {},
            "tables": [Markdown(missing_design_text(_("This section")))],
            "text": "",
            "first_stage": None,
            "fuzzy": None,
        }
    df, c, cl = design.frame, design.cutoff, design.cluster
    rd, msgs = {}, []
    if "sharp" in estimators:
        sharp, m = _attempt(rdd_mod.rdd, df, "change", "count", c, cluster=cl)
        rd["sharp (eligibility, ITT)"] = sharp
        msgs.append(m)
    fuzzy, m = _attempt(rdd_mod.rdd, df, "change", "count", c, treatment="treated", cluster=cl)
    msgs.append(m)
    if "fuzzy" in estimators:
        rd["fuzzy (participation, LATE)"] = fuzzy
    lines = [m for m in msgs if m]
    if rd:
        lines.append(coverage_text())
    fs = fuzzy.extra["first_stage"] if fuzzy is not None else None
    if fs is not None:
        lines.append(
            _(
                "First stage of the fuzzy fit (same bandwidth ±{bandwidth}): jump in participation "
                "{jump} (no interval: in simulations of a Flanders-like threshold design it "
                "covered the true jump in {low} to {high} of {draws} draws, docs/inference.md); "
                "Anderson–Rubin (reduced-form) p = {p}",
                bandwidth=i18n.number(fuzzy.extra["h_left"]),
                jump=i18n.number(fs.estimate, 2),
                **percent_range(rdd_mod.FLANDERS_FIRST_STAGE_COVERAGE),
                draws=i18n.number(rdd_mod.FLANDERS_DRAWS),
                p=i18n.number(fuzzy.extra["ar_pvalue"], 3),
            )
        )
    for name, e in rd.items():
        if e is not None:
            values = dict(
                name=estimator_label(name),
                method=method_text(e.method),
                bandwidth=i18n.number(e.extra["h_left"]),
                below=i18n.number(e.extra["n_eff_left"]),
                above=i18n.number(e.extra["n_eff_right"]),
            )
            lines.append(
                _(
                    "{name}: {method} Bandwidth ±{bandwidth} residents, {below} below / "
                    "{above} above inside it. Note: {note}.",
                    note=notes_text(e.notes),
                    **values,
                )
                if e.notes
                else _(
                    "{name}: {method} Bandwidth ±{bandwidth} residents, {below} below / "
                    "{above} above inside it.",
                    **values,
                )
            )
    table = estimates_table(rd)
    if not table.empty:
        table = table.drop(columns="method")
    share = (
        df.assign(side=np.where(df["count"] >= c, _("above"), _("below")))
        .assign(eligible=df["eligible"].map(i18n.yes_no))
        .groupby(["side", "eligible"])["treated"]
        .agg(["size", "mean"])
        .rename(columns={"size": "applicants", "mean": "share participating"})
        .round(2)
    )
    return {
        "estimates": rd,
        "tables": [table, share],
        "table": table,
        "text": "\n".join(lines),
        "first_stage": fs,
        "fuzzy": fuzzy,
        "participation": share,
    }


def coverage_text() -> str:
    """The simulated design closest to the real one and the coverage of the intervals shown.

    :data:`~samenleven_analysis.analysis.estimators.rdd.FLANDERS_SHARP_COVERAGE` and
    :data:`~samenleven_analysis.analysis.estimators.rdd.FLANDERS_FUZZY_COVERAGE`.
    """
    fuzzy = rdd_mod.FLANDERS_FUZZY_COVERAGE
    return _(
        "Closest simulated design (docs/inference.md): 285 authorities with skewed sizes, about "
        "40 above 7,500, a jump in participation of 0.55. In {draws} draws the sharp interval "
        "covered the truth in {low} to {high}; the fuzzy (Anderson–Rubin) interval was bounded "
        "in {bounded} of draws and then covered the truth in {fuzzy}.",
        draws=i18n.number(rdd_mod.FLANDERS_DRAWS),
        **percent_range(rdd_mod.FLANDERS_SHARP_COVERAGE),
        bounded=i18n.percent(fuzzy["interval reported"][0], 0),
        fuzzy=i18n.percent(fuzzy["coverage when reported"][0], 0),
    )


def rdd_checks(design: RDDDesign) -> dict[str, Any]:
    """Density test on log(count); with outcomes also covariate balance and placebo cutoffs.

    ``tables`` are what the notebook displays.
    """
    df, c, cl = design.frame, design.cutoff, design.cluster
    dens, msg = _attempt(rdd_mod.rdd_density, df, "count", c, log=True)
    text = msg or _(
        "Density test on log(count): t = {t}, p = {p} ({below} below / {above} above in its "
        "bandwidth)",
        t=i18n.number(dens["t"], 2),
        p=i18n.number(dens["pvalue"], 3),
        below=i18n.number(dens["n_eff_left"]),
        above=i18n.number(dens["n_eff_right"]),
    )
    if not design.full:
        return {
            "density": dens,
            "density_note": msg,
            "text": text,
            "balance": None,
            "placebo": None,
            "tables": [],
        }
    covs = [v for v in ("pre_mean", "total") if v in df.columns]
    text += "\n" + checks_size_text()
    balance = rdd_mod.rdd_balance(df, covs, "count", c, cluster=cl)
    cut = [round(design.threshold * f) for f in rdd_mod.PLACEBO_CUTOFF_FACTORS]
    plac = rdd_mod.placebo_cutoffs(df, "change", "count", c, cut, cluster=cl)
    return {
        "density": dens,
        "density_note": msg,
        "text": text,
        "balance": balance,
        "placebo": plac,
        "tables": [
            balance.assign(covariate=balance["covariate"].map(covariate_text)).round(3),
            plac.round(3),
        ],
    }


def checks_size_text() -> str:
    """How often each check fails with nothing wrong, as measured.

    :data:`~samenleven_analysis.analysis.estimators.rdd.FLANDERS_CHECK_REJECTION`.
    """
    size = rdd_mod.FLANDERS_CHECK_REJECTION
    cutoffs = {k: v for k, v in size.items() if k.startswith("placebo cutoff")}
    return _(
        "How often these checks fail when nothing is wrong, in simulations of a Flanders-like "
        "threshold design (docs/inference.md): the density test in {density} of draws, the "
        "balance test in {balance} and the placebo cutoffs in {cut_low} to {cut_high}, against "
        "5% promised. The verdict treats the estimate as descriptive only when one fails.",
        density=i18n.percent(size["density"][0], 0),
        balance=i18n.percent(size["balance"][0], 0),
        **percent_range(cutoffs, "cut_"),
    )


def _rdd_inputs(design: RDDDesign, est: dict, checks: dict, near: dict, window: int) -> dict:
    """The headline RD estimate and what its verdict may say.

    Cautions, named checks, descriptive-only: the verdict text and the machine-readable summary read
    this one dict.
    """
    rd = est["estimates"]
    main = rd.get("fuzzy (participation, LATE)") or rd.get("sharp (eligibility, ITT)")
    cautions, descriptive = [], False
    if min(near["below"], near["above"]) < rdd_mod.MIN_SUPPORT:
        cautions.append(
            _(
                "only {below} authorities lie within {window} below and {above} within {window} "
                "above {threshold}, so the threshold comparison cannot be precise, whatever it "
                "shows",
                below=i18n.number(near["below"]),
                above=i18n.number(near["above"]),
                window=i18n.number(window),
                threshold=i18n.number(design.threshold),
            )
        )
        descriptive = True
    named: dict[str, float] = {}
    if checks.get("balance") is not None:
        named = {f"balance of {r.covariate}": r.pvalue for r in checks["balance"].itertuples()}
    if checks.get("placebo") is not None:
        named.update(
            {f"placebo cutoff {int(r.cutoff):,}": r.pvalue for r in checks["placebo"].itertuples()}
        )
    if checks.get("density") is not None:
        named["density test"] = checks["density"]["pvalue"]
    fuzzy = est.get("fuzzy")
    if (
        main is not None
        and fuzzy is not None
        and main is fuzzy
        and fuzzy.extra.get("weak_first_stage")
    ):
        f_stat = fuzzy.extra.get("first_stage_F")
        ar = i18n.number(fuzzy.extra["ar_pvalue"], 3)
        cautions.append(
            _(
                "the first stage of the fuzzy fit is not clearly different from zero "
                "(first-stage F = {f}), so the effect is poorly determined; its Anderson–Rubin "
                "p-value, valid with a weak first stage, is {p}",
                f=i18n.number(f_stat, 2),
                p=ar,
            )
            if f_stat is not None and np.isfinite(f_stat)
            else _(
                "the first stage of the fuzzy fit is not clearly different from zero, so the "
                "effect is poorly determined; its Anderson–Rubin p-value, valid with a weak "
                "first stage, is {p}",
                p=ar,
            )
        )
        descriptive = True
    return {"main": main, "cautions": cautions, "checks": named, "descriptive_only": descriptive}


def rdd_verdict(
    design: RDDDesign, est: dict, checks: dict, near: dict, window: int, *, demo: bool
) -> str:
    """Cautious verdict: descriptive only with thin support or failed checks.

    Without outcomes, what the counts show (support, density) and nothing more.
    """
    if not design.full:
        return rdd_support_verdict(
            near,
            checks["density"],
            threshold=design.threshold,
            window=window,
            year=design.ref_year,
            counts_label=md_escape(design.definition_label or design.definition),
            density_note=md_escape(checks.get("density_note", "")),
        )
    inputs = _rdd_inputs(design, est, checks, near, window)
    if inputs["main"] is None:
        return _("No estimate at the threshold could be computed with these data.")
    return verdict(
        inputs["main"],
        outcome_label=md_escape(_("the change in {outcome}", outcome=design.label)),
        unit_label=md_escape(unit_text(design.outcome)),
        checks=inputs["checks"],
        demo=demo,
        design="rdd",
        cautions=inputs["cautions"],
        descriptive_only=inputs["descriptive_only"],
    )


def rdd_facts(
    design: RDDDesign, est: dict, checks: dict, near: dict, window: int, *, demo: bool
) -> dict[str, Any]:
    """Machine-readable summary of the RDD notebook for tests and dashboards.

    Support, density, mode, the headline estimate and the verdict's flags; :func:`publish` displays
    it. Same arguments as :func:`rdd_verdict`, same flags.
    """
    dens = checks.get("density")
    main, flags = None, {}
    if design.full:
        inputs = _rdd_inputs(design, est, checks, near, window)
        main = inputs["main"]
        if main is not None:
            flags = verdict_flags(
                main, checks=inputs["checks"], descriptive_only=inputs["descriptive_only"]
            )
    return {
        "notebook": "threshold_rdd",
        "demo": bool(demo),
        "mode": "estimates" if design.full else "support_only",
        "definition": design.definition,
        "year": int(design.ref_year),
        "threshold": int(design.threshold),
        "applicants": int(len(design.frame)),
        "above_threshold": int((design.frame["count"] >= design.cutoff).sum()),
        "support": support_table(design, window)
        .rename(columns={"within ± residents": "window"})
        .to_dict(orient="records"),
        "density_log": dens is not None,
        "density_pvalue": None if dens is None else rounded(dens["pvalue"]),
        "estimate": None if main is None else rounded(main.estimate),
        "ci": None if main is None else [rounded(main.ci_low), rounded(main.ci_high)],
        "rdd_inference": None if main is None else main.method.code,
        "local_randomisation_window": (
            None
            if main is None or "window" not in main.extra
            else [rounded(v) for v in main.extra["window"]]
        ),
        "failed_checks": list(flags.get("failed_checks", [])),
        "descriptive_only": bool(flags.get("descriptive_only", False)),
        "effect_claimed": bool(flags.get("effect_claimed", False)),
        "applicant_codes": sorted(str(a) for a in design.frame["applicant"]),
    }


@dataclass
class ThresholdRDDReport(EvaluationReport):
    """One regression discontinuity at the threshold: the design, computed once.

    Each method displays one step (a notebook cell) and computes what it needs on first use.
    """

    near_window: int

    ESTIMATORS = RDD_ESTIMATORS
    OPTIONS = ("near_window",)
    SECTIONS = SECTIONS
    make_design = staticmethod(rdd_design)

    # ----------------------------------------------------------------- results, computed once
    support = computed(support_text, "design", "near_window")
    estimates = computed(rdd_estimates, "design", "estimators")
    checks = computed(rdd_checks, "design")

    @property
    def xlabel(self) -> str:
        d = self.design
        return _("residents ({definition}), {year}", definition=d.definition_label, year=d.ref_year)

    def caption(self) -> str:
        return self.ctx.caption(year=self.design.ref_year, definition=self.design.definition)

    # ----------------------------------------------------------------- the notebook's steps
    def section_values(self) -> dict[str, Any]:
        """The half-width of the window around the threshold."""
        return {"near_window": i18n.number(self.near_window)}

    def support_near_threshold(self) -> None:
        """How many applicants lie near the threshold; with outcomes, the overview figure."""
        d = self.design
        show_markdown(self.support[1])
        show(support_table(d, self.near_window))
        if d.full:
            figs.plot_rdd_overview(
                d.frame,
                d.cutoff,
                d.threshold,
                self.xlabel,
                _("change in {outcome}", outcome=d.label),
            )
            show_figure(stem="rdd_overview", caption=self.caption())

    def estimates_at_threshold(self) -> None:
        """Sharp and fuzzy estimates, participation by side, the fuzzy fit's first stage."""
        show(*self.estimates["tables"])
        show_text(self.estimates["text"])

    def validity_checks(self) -> None:
        """Density test, covariate balance and placebo cutoffs; the histogram of the counts."""
        d = self.design
        show_text(self.checks["text"])
        show(*self.checks["tables"])
        figs.plot_running_histogram(d.frame["count"], d.cutoff, d.threshold, self.xlabel)
        show_figure(stem="running_histogram", caption=self.caption())

    def _verdict_args(self) -> tuple:
        return (self.design, self.estimates, self.checks, self.support[0], self.near_window)

    def verdict_text(self) -> str:
        """The verdict on the jump at the threshold."""
        return rdd_verdict(*self._verdict_args(), demo=self.ctx.demo)

    def verdict_facts(self) -> dict[str, Any]:
        """The numbers behind the verdict."""
        return rdd_facts(*self._verdict_args(), demo=self.ctx.demo)
