"""One call per notebook step for the three evaluation notebooks (impact_did, threshold_rdd,
synthetic_control): data preparation, estimates tables, checks and verdicts.

The notebooks stay narrative + parameters + figures; the choices (which data source, which
estimator, which inference) live here and are tested. Parameter values are checked here too
(:class:`~samenleven_analysis.errors.ParameterError`), so a bad value fails the same way with or
without the runner.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from samenleven_analysis.analysis import eligibility
from samenleven_analysis.analysis import outcomes as oc
from samenleven_analysis.analysis.estimators import did as did_mod
from samenleven_analysis.analysis.estimators import event_study as es_mod
from samenleven_analysis.analysis.estimators import rdd as rdd_mod
from samenleven_analysis.analysis.estimators.common import Estimate, EventStudy, estimates_table
from samenleven_analysis.analysis.estimators.honest import HonestSensitivity, honest_did
from samenleven_analysis.analysis.estimators.multiple_testing import adjust_pvalues
from samenleven_analysis.analysis.estimators.power import power_by_simulation
from samenleven_analysis.analysis.estimators.sdid import synthetic_did
from samenleven_analysis.analysis.estimators.staggered import staggered_did
from samenleven_analysis.analysis.estimators.synthetic_control import synthetic_control
from samenleven_analysis.analysis.verdicts import (
    pre_period_verdict,
    synthetic_verdict,
    verdict,
    verdict_flags,
)
from samenleven_analysis.errors import ParameterError

PROGRAMME_START = 2022  # consolidated regime from 1 October 2022
CLUSTERS = {"municipality": "refnis", "arrondissement": "arrondissement", "province": "province"}
IMPACT_ESTIMATORS = ("event_study", "callaway_santanna", "twfe", "synthetic_did")
RDD_ESTIMATORS = ("sharp", "fuzzy")
SC_VARIANTS = {"demeaned": {"demean": True}, "levels": {"demean": False},
               "optimised_v": {"demean": False, "optimize_v": True}}


def _choose(name: str, value: Any, allowed) -> None:
    values = value if isinstance(value, (list, tuple)) else [value]
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ParameterError(f"{name} must be among {sorted(allowed)}, not {value!r}")


def quote(text: str) -> str:
    """Markdown block quote of a (multi-paragraph) text."""
    return "\n".join("> " + line for line in text.split("\n"))


# --------------------------------------------------------------------------- impact_did


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
    notes: str = ""
    table: pd.DataFrame | None = None
    treat: pd.DataFrame | None = None
    first_year: int | None = None
    last_year: int | None = None

    @property
    def label(self) -> str:
        return oc.label(self.outcome)

    @property
    def unit_label(self) -> str:
        return oc.unit(self.outcome)


def impact_design(ctx, *, outcome: str, first_year: int | None, last_year: int | None,
                  treatment_year: int | None, definition: str, threshold: int,
                  cluster: str) -> ImpactDesign:
    """Full before/after design when outcome and funding tables exist, else the pre-period
    check on fiscal income of proxy-eligible Flemish municipalities (placebo year)."""
    _choose("cluster", cluster, CLUSTERS)
    full = ctx.has("outcomes") and ctx.has("treatment")
    lines = ["Design: " + ("full before/after comparison" if full
                           else "pre-period check (no post-2022 outcomes)")]
    notes: list[str] = []
    table = treat = None
    if full:
        table, treat = ctx.load("outcomes"), ctx.load("treatment")
        source = oc.income_panel(ctx.load("income")) if outcome == oc.INCOME_OUTCOME else table
        panel = oc.panel(source, treat, outcome, first_year=first_year, last_year=last_year,
                         treatment_year=treatment_year)
        if treatment_year is not None:  # common timing: every funded authority starts then
            panel["cohort"] = panel["cohort"].where(~panel["treated"], float(treatment_year))
        start = int(treatment_year) if treatment_year is not None else int(
            panel.loc[panel.treated, "cohort"].min())
        used, word = outcome, "funded"
    else:
        munis = ctx.load("municipalities")
        flemish = munis.loc[munis["region"] == "02000", "refnis"].tolist()
        if definition != eligibility.PROXY_DEFINITION and ctx.has("population_origin"):
            source, used_def = ctx.load("population_origin"), definition
        else:
            source, used_def = ctx.load("population_nationality"), eligibility.PROXY_DEFINITION
        elig = eligibility.eligible(source, threshold, used_def, within=flemish)
        members = sorted({m for ms in elig.loc[elig["eligible"], "members"] for m in ms})
        start = int(treatment_year) if treatment_year is not None else 2016
        income = oc.income_panel(ctx.load("income"), first_year=first_year, last_year=last_year,
                                 refnis=flemish)
        panel = oc.panel(income, oc.treatment_from_groups(flemish, members, start), oc.INCOME_OUTCOME)
        used, word = oc.INCOME_OUTCOME, "proxy-eligible"
        notes = [
            (f"**Pre-period check.** The real data hold no outcomes after {int(panel.year.max())} "
             f"and no funding table, so `outcome = {outcome!r}` cannot be used: the outcome is "
             f"**{oc.label(used)}** (Statbel fiscal statistics, income year)."),
            (f"Groups: {len(members)} Flemish municipalities with more than {threshold:,} residents "
             f"by `{used_def}` in {int(elig['year'].iloc[0])} (*proxy-eligible*) versus the other "
             f"{len(flemish) - len(members)}. **{start} is a placebo year**: nothing happened then, "
             "so any 'effect' measures diverging trends, not the plan."),
        ]
        if used_def == eligibility.PROXY_DEFINITION:
            notes.append("Non-Belgian *nationality* understates non-EU14 *origin*: the proxy group is "
                         "not the eligible group.")
    cl = CLUSTERS[cluster]
    if cl != "refnis":
        panel = oc.with_geography(panel, ctx.load("municipalities"))
    units = panel.drop_duplicates("refnis")
    by_cohort = units["cohort"].fillna(0).astype(int).value_counts().sort_index()
    lines += [(f"Outcome: {oc.label(used)}; years {panel.year.min()}-{panel.year.max()}; "
               f"{len(units)} authorities"),
              "Authorities by first treated year (0 = comparison group):",
              by_cohort.rename_axis("cohort").to_string()]
    return ImpactDesign(panel, start, used, full, word, None if cl == "refnis" else cl,
                        "\n".join(lines), "\n\n".join(f"> {n}" for n in notes), table, treat,
                        first_year, last_year)


def group_means(design: ImpactDesign) -> pd.DataFrame:
    """Mean outcome by year and group (each cohort, and the comparison group)."""
    p = design.panel
    group = p["cohort"].map(lambda c: f"{design.group_word} from {int(c)}" if pd.notna(c) else "comparison")
    return p.assign(group=group).groupby(["year", "group"])["value"].mean().unstack()


def event_studies(design: ImpactDesign, estimators: list[str]) -> dict[str, EventStudy]:
    """TWFE and the heterogeneity-robust two-stage (did2s) event study, binned end points."""
    _choose("estimators", estimators, IMPACT_ESTIMATORS)
    if "event_study" not in estimators:
        return {}
    args = (design.panel, "value", "refnis", "year", "cohort")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return {"TWFE": es_mod.event_study(*args, cluster=design.cluster),
                "two-stage (did2s)": es_mod.event_study(*args, cluster=design.cluster,
                                                        estimator="did2s")}


def pretrend_text(studies: dict[str, EventStudy]) -> str:
    """One line per event study: the joint pre-trend test (or why there is none)."""
    if not studies:
        return "Event study not requested (estimators)."
    out = []
    for name, es in studies.items():
        if "pretrend_note" in es.extra:
            out.append(f"Joint pre-trend test ({name}): {es.extra['pretrend_note']}")
        else:
            kind = "bootstrap" if "pretrend_pvalue_wild" in es.extra else "analytic F"
            out.append(f"Joint pre-trend test ({name}): {es.pretrend_df} leads, Wald = "
                       f"{es.pretrend_stat:.2f}, p = {es.pretrend_pvalue:.3f} ({kind}); window "
                       f"{es.extra['window']} (end points binned)")
    return "\n".join(out)


def event_table(studies: dict[str, EventStudy]) -> pd.DataFrame:
    """Side-by-side coefficients of the event studies."""
    parts = [es.coefs.set_index("rel_time")[["estimate", "ci_low", "ci_high"]].add_prefix(f"{n}: ")
             for n, es in studies.items()]
    return pd.concat(parts, axis=1).round(3) if parts else pd.DataFrame()


@dataclass
class AverageEffects:
    """The average-effect estimators, their table and the inference notes."""

    results: dict[str, Estimate]
    table: pd.DataFrame
    text: str
    main: Estimate | None = None
    extra: dict = field(default_factory=dict)


def average_effects(design: ImpactDesign, estimators: list[str]) -> AverageEffects:
    """C–S (headline, few-treated rule), TWFE (same rule) and synthetic DiD, with the
    wild-bootstrap p-value of TWFE as a second opinion."""
    _choose("estimators", estimators, IMPACT_ESTIMATORS)
    p, cl = design.panel, design.cluster
    res: dict[str, Estimate] = {}
    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the note carries the warning
        if "callaway_santanna" in estimators:
            res["Callaway–Sant'Anna ATT"] = staggered_did(p, "value", "refnis", "year", "cohort",
                                                          cluster=cl)
        if "twfe" in estimators:
            res["TWFE DiD"] = did_mod.did(p, "value", "refnis", "year", "treated", "post", cl)
            wild = did_mod.did(p, "value", "refnis", "year", "treated", "post", cl,
                               inference="wild", reps=9999)
            t = res["TWFE DiD"].extra
            lines.append(f"TWFE: {t['n_treated_clusters']} treated of {t['n_clusters']} clusters; "
                         f"p (CRV1) = {t['pvalue_cluster']:.3f}; p (wild bootstrap) = "
                         f"{wild.pvalue:.3f} (a second opinion; no interval)")
        if "synthetic_did" in estimators:
            res["synthetic DiD"] = synthetic_did(p, "value", "refnis", "year", "cohort")
    for name, e in res.items():
        lines.append(f"{name}: {e.method}" + (f" — note: {e.note}" if e.note else ""))
    table = estimates_table(res)
    if not table.empty:
        table = table.drop(columns="method")
    main = res.get("Callaway–Sant'Anna ATT") or res.get("TWFE DiD")
    return AverageEffects(res, table, "\n".join(lines), main)


def sensitivity(studies: dict[str, EventStudy]) -> HonestSensitivity | None:
    """HonestDiD smoothness sensitivity of the heterogeneity-robust event study's average
    post-period effect (TWFE if did2s is missing)."""
    es = studies.get("two-stage (did2s)") or studies.get("TWFE")
    if es is None or (es.coefs.rel_time > es.reference).sum() == 0:
        return None
    return honest_did(es)


def sensitivity_text(h: HonestSensitivity | None) -> str:
    if h is None:
        return "No event study, so no sensitivity analysis (estimators)."
    b = "not reached on the grid" if not np.isfinite(h.breakdown) else f"{h.breakdown:.3g}"
    return (f"Average post-period effect {h.estimate:.3f} (conventional 95% interval "
            f"{h.original[0]:.3f} to {h.original[1]:.3f}); breakdown value M = {b}: the smallest "
            f"change in the slope of the differential trend per year at which the robust interval "
            f"includes zero.\n{h.method}")


@dataclass
class Placebos:
    years: pd.DataFrame
    outcomes: pd.DataFrame | None
    text: str

    def checks(self) -> dict[str, float]:
        """Named p-values of the placebo checks (for the verdict)."""
        out = {f"placebo year {int(r.fake_year)}": r.pvalue for r in self.years.itertuples()}
        if self.outcomes is not None:
            out.update({f"placebo outcome {r.outcome}": r.pvalue for r in self.outcomes.itertuples()})
        return out


def placebos(design: ImpactDesign) -> Placebos:
    """Fake treatment years before the start, and outcomes the plan cannot change."""
    years = sorted(design.panel.year.unique())
    fake = [y for y in (design.start - 4, design.start - 3, design.start - 2) if y - years[0] >= 2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        py = did_mod.placebo_years(design.panel, "value", "refnis", "year", "treated", design.start,
                                   fake, cluster=design.cluster)
        po, text = None, "No placebo outcome exists in the real data."
        if design.full_design:
            others = [o for o in oc.PLACEBO_OUTCOMES if o in set(design.table["outcome"])
                      and o != design.outcome]
            text = "No placebo outcome in the outcome table."
            if others:
                panels = {o: oc.panel(design.table, design.treat, o, first_year=design.first_year,
                                      last_year=design.last_year) for o in others}
                po, text = did_mod.placebo_outcomes(panels, "refnis", "year", "cohort"), ""
    return Placebos(py, po, text)


def multiple_outcomes(design: ImpactDesign) -> pd.DataFrame | None:
    """The headline estimator on every (non-placebo) outcome, with family-wise adjusted
    p-values (Romano–Wolf on a shared randomisation distribution, else Holm)."""
    if not design.full_design:
        return None
    names = [o for o in sorted(set(design.table["outcome"])) if o not in oc.PLACEBO_OUTCOMES]
    ests = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for o in names:
            pan = oc.panel(design.table, design.treat, o, first_year=design.first_year,
                           last_year=design.last_year)
            if design.cluster:
                pan = pan.merge(design.panel[["refnis", design.cluster]].drop_duplicates(), on="refnis")
            ests[o] = staggered_did(pan, "value", "refnis", "year", "cohort", cluster=design.cluster,
                                    details=False)
    out = adjust_pvalues(ests)
    out.insert(1, "estimate", [ests[o].estimate for o in out.outcome])
    return out


def power(design: ImpactDesign, draws: int = 40):
    """Power curve and MDE by simulation in the pre-programme years of this panel."""
    start = design.start if design.full_design else PROGRAMME_START
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return power_by_simulation(design.panel, "value", "refnis", "year", "cohort",
                                   min(start, int(design.panel.year.max()) + 1),
                                   cluster=design.cluster, draws=draws,
                                   post_periods=None if design.full_design else 3)


def impact_verdict(design: ImpactDesign, studies: dict[str, EventStudy], avg: AverageEffects,
                   plac: Placebos, mde, honest: HonestSensitivity | None,
                   multiple: pd.DataFrame | None, *, demo: bool) -> str:
    """The verdict: a pre-period reading on real data, else the cautious effect reading."""
    es = studies.get("TWFE")
    pre_p = es.pretrend_pvalue if es is not None else None
    if not design.full_design:
        placebo = avg.main or did_mod.did(design.panel, "value", "refnis", "year", "treated", "post")
        return pre_period_verdict(placebo, placebo_year=design.start,
                                  data_last_year=int(design.panel.year.max()),
                                  programme_start=PROGRAMME_START, outcome_label=design.label,
                                  unit_label=design.unit_label, pretrend_pvalue=pre_p, mde=mde)
    if avg.main is None:
        return "No average-effect estimator was requested (`estimators`), so there is no verdict."
    adj = how = None
    if multiple is not None and design.outcome in set(multiple.outcome) and len(multiple) > 1:
        row = multiple.set_index("outcome").loc[design.outcome]
        adj, how = float(row.pvalue_adjusted), f"{row.method}, {len(multiple)} outcomes"
    return verdict(avg.main, outcome_label=design.label, unit_label=design.unit_label,
                   pretrend_pvalue=pre_p, mde=mde, checks=plac.checks(), adjusted_pvalue=adj,
                   adjustment=how or "", honest=honest, demo=demo)


def impact_flags(design: ImpactDesign, studies, avg: AverageEffects, plac: Placebos) -> dict:
    """The verdict's flags (direction, failed checks) for tests and dashboards."""
    es = studies.get("TWFE")
    return verdict_flags(avg.main, pretrend_pvalue=es.pretrend_pvalue if es else None,
                         checks=plac.checks()) if avg.main is not None else {}


# --------------------------------------------------------------------------- threshold_rdd


@dataclass
class RDDDesign:
    """One row per applicant: running variable (count), change in outcome, participation."""

    frame: pd.DataFrame
    cutoff: float
    threshold: int
    outcome: str
    definition: str
    ref_year: int
    cluster: str | None
    summary: str
    demo_note: str = ""

    @property
    def label(self) -> str:
        return oc.label(self.outcome)


def rdd_design(ctx, *, outcome: str, first_year: int | None, last_year: int | None,
               treatment_year: int | None, definition: str, threshold: int, cluster: str) -> RDDDesign:
    """The applicant frame at the threshold (Demoland when no outcome/funding table exists)."""
    from samenleven_analysis.reports.context import load_consistent

    _choose("cluster", cluster, ("municipality", "arrondissement"))
    real_tables = ctx.has("outcomes") and ctx.has("treatment")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback is announced in plain words
        table = ctx.load("outcomes", fallback_demo=True)
        treat = ctx.load("treatment", fallback_demo=True)
    demo_side = not real_tables and not ctx.built_demo
    note = ""
    if ctx.demo:
        note = ("> **DEMO DATA.** No public table of outcomes or funded authorities exists, so this "
                "notebook shows **Demoland** (fictional) data: the method, not findings about Flanders.")
    source = None
    if definition != eligibility.PROXY_DEFINITION:
        source = load_consistent(ctx, "population_origin", demo_side)
    used_def = definition
    if source is None:
        source = load_consistent(ctx, "population_nationality", demo_side)
        used_def = eligibility.PROXY_DEFINITION
    partnerships = load_consistent(ctx, "partnerships", demo_side)
    munis = load_consistent(ctx, "municipalities", demo_side)
    years_src = sorted(int(y) for y in source["year"].unique())
    ref_year = 2022 if 2022 in years_src else years_src[-1]
    elig = eligibility.eligible(source, threshold, used_def, ref_year, partnerships)
    panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
    start = int(treatment_year) if treatment_year is not None else 2022
    last = int(panel.year.max())
    all_in = int(panel.loc[panel.treated, "cohort"].max()) if panel.treated.any() else start
    pre = (int(first_year) if first_year is not None else max(int(panel.year.min()), start - 6),
           start - 1)
    post = (min(max(all_in, start), last), last)
    df = oc.applicant_frame(panel, elig, pre, post)
    if cluster == "arrondissement":
        arr = dict(zip(munis["refnis"], munis["arrondissement"]))
        first_member = {a: ms[0] for a, ms in zip(elig["applicant"], elig["members"])}
        df["arrondissement"] = df["applicant"].map(lambda a: arr.get(first_member.get(a)))
    summary = (
        f"Running variable: residents by {used_def} on 1 January {ref_year}, per applicant "
        f"(partnerships pooled); {int(elig['eligible'].sum())} of {len(elig)} applicants above "
        f"{threshold:,}.\nOutcome: change in {oc.label(outcome)}, mean {post[0]}-{post[1]} minus "
        f"mean {pre[0]}-{pre[1]}; {len(df)} applicants."
    )
    # "More than 7,500" on whole numbers: count >= threshold + 1; rdrobust treats x >= c as above.
    return RDDDesign(df, threshold + 0.5, threshold, outcome, used_def, ref_year,
                     "arrondissement" if cluster == "arrondissement" else None, summary, note)


def support_text(design: RDDDesign, window: int) -> tuple[dict, str]:
    """Units near the cutoff, and the warning (Markdown) when fewer than 10 per side."""
    near = rdd_mod.rdd_support(design.frame, "count", design.cutoff, window)
    t = design.threshold
    text = (f"Within ±{window:,} of {t:,}: {near['below']} below, {near['above']} above "
            f"(of {near['n']} applicants).")
    if min(near["below"], near["above"]) < rdd_mod.MIN_SUPPORT:
        text += (
            f"\n\n> **Warning: too few authorities near the cutoff.** Only {near['below']} applicants "
            f"lie within {window:,} below and {near['above']} within {window:,} above {t:,}. A regression "
            "discontinuity compares authorities *at* the threshold; with so few, the local fits lean on "
            "authorities far away, intervals are wide and one authority can move the result. Every "
            "estimate below is descriptive only: an illustration of the method, not evidence."
        )
    return near, text


def _attempt(fn, *args, **kwargs):
    """Too few authorities is an answer, not a crash: (result or None, message)."""
    try:
        return fn(*args, **kwargs), ""
    except Exception as exc:  # noqa: BLE001 - reported in the notebook
        return None, f"Not estimable: {str(exc).splitlines()[0]}"


def rdd_estimates(design: RDDDesign, estimators: list[str]) -> dict[str, Any]:
    """Sharp and fuzzy RD, the fuzzy fit's own first stage and the Anderson–Rubin test."""
    _choose("estimators", estimators, RDD_ESTIMATORS)
    df, c, cl = design.frame, design.cutoff, design.cluster
    rd, msgs = {}, []
    if "sharp" in estimators:
        rd["sharp (eligibility, ITT)"], m = _attempt(rdd_mod.rdd, df, "change", "count", c, cluster=cl)
        msgs.append(m)
    fuzzy, m = _attempt(rdd_mod.rdd, df, "change", "count", c, treatment="treated", cluster=cl)
    msgs.append(m)
    if "fuzzy" in estimators:
        rd["fuzzy (participation, LATE)"] = fuzzy
    lines = [m for m in msgs if m]
    fs = fuzzy.extra["first_stage"] if fuzzy is not None else None
    if fs is not None:
        lines.append(f"First stage of the fuzzy fit (same bandwidth ±{fuzzy.extra['h_left']:,.0f}): "
                     f"jump in participation {fs.estimate:.2f} (95% CI {fs.ci_low:.2f} to "
                     f"{fs.ci_high:.2f}); Anderson–Rubin (reduced-form) p = {fuzzy.extra['ar_pvalue']:.3f}")
    for name, e in rd.items():
        if e is not None:
            lines.append(f"{name}: {e.method}; bandwidth ±{e.extra['h_left']:,.0f} residents, "
                         f"{e.extra['n_eff_left']} below / {e.extra['n_eff_right']} above inside it"
                         + (f" — {e.note}" if e.note else ""))
    table = estimates_table(rd)
    if not table.empty:
        table = table.drop(columns="method")
    share = (df.assign(side=np.where(df["count"] >= c, "above", "below"))
             .groupby(["side", "eligible"])["treated"].agg(["size", "mean"])
             .rename(columns={"size": "applicants", "mean": "share participating"}).round(2))
    return {"estimates": rd, "table": table, "text": "\n".join(lines), "first_stage": fs,
            "fuzzy": fuzzy, "participation": share}


def rdd_checks(design: RDDDesign) -> dict[str, Any]:
    """Density test on log(count), covariate balance and placebo cutoffs."""
    df, c, cl = design.frame, design.cutoff, design.cluster
    dens, msg = _attempt(rdd_mod.rdd_density, df, "count", c, log=True)
    text = msg or (f"Density test on log(count): t = {dens['t']:.2f}, p = {dens['pvalue']:.3f} "
                   f"({dens['n_eff_left']} below / {dens['n_eff_right']} above in its bandwidth)")
    covs = [v for v in ("pre_mean", "total") if v in df.columns]
    balance = rdd_mod.rdd_balance(df, covs, "count", c, cluster=cl)
    cut = [round(design.threshold * f) for f in (0.5, 0.75, 1.5, 2.0)]
    plac = rdd_mod.placebo_cutoffs(df, "change", "count", c, cut, cluster=cl)
    return {"density": dens, "text": text, "balance": balance, "placebo": plac}


def rdd_verdict(design: RDDDesign, est: dict, checks: dict, near: dict, window: int, *,
                demo: bool) -> str:
    """Cautious verdict: descriptive only with thin support or failed checks."""
    rd = est["estimates"]
    main = rd.get("fuzzy (participation, LATE)") or rd.get("sharp (eligibility, ITT)")
    if main is None:
        return "No estimate at the threshold could be computed with these data."
    cautions = []
    if min(near["below"], near["above"]) < rdd_mod.MIN_SUPPORT:
        cautions.append(f"only {near['below']} authorities lie within {window:,} below and "
                        f"{near['above']} within {window:,} above {design.threshold:,}, so the "
                        "threshold comparison cannot be precise, whatever it shows")
        main.extra["descriptive_only"] = True
    named = {f"balance of {r.covariate}": r.pvalue for r in checks["balance"].itertuples()}
    named.update({f"placebo cutoff {int(r.cutoff):,}": r.pvalue for r in checks["placebo"].itertuples()})
    if checks["density"] is not None:
        named["density test"] = checks["density"]["pvalue"]
    fuzzy = est.get("fuzzy")
    if fuzzy is not None and main is fuzzy and fuzzy.extra.get("weak_first_stage"):
        cautions.append("the first stage of the fuzzy fit is not clearly different from zero, so its "
                        f"interval is unreliable; the weak-IV-robust (Anderson–Rubin) p-value is "
                        f"{fuzzy.extra['ar_pvalue']:.3f}")
        main.extra["descriptive_only"] = True
    return verdict(main, outcome_label=f"the change in {design.label}", unit_label=oc.unit(design.outcome),
                   checks=named, demo=demo, design="rdd", cautions=cautions)


# --------------------------------------------------------------------------- synthetic_control


@dataclass
class SyntheticDesign:
    panel: pd.DataFrame
    city: str
    start: int
    donors: list[str]
    names: dict[str, str]
    outcome: str
    summary: str
    demo_note: str = ""

    @property
    def place(self) -> str:
        return self.names.get(self.city, self.city)

    @property
    def label(self) -> str:
        return oc.label(self.outcome)


def synthetic_design(ctx, *, outcome: str, first_year: int | None, last_year: int | None,
                     treatment_year: int | None, definition: str, threshold: int,
                     authority: str) -> SyntheticDesign:
    """The treated city (``auto``: the most populous funded one, in Flanders if any), its start
    year, the never-funded donors and the city's position against the 7,500 rule."""
    from samenleven_analysis.reports.context import load_consistent

    real_tables = ctx.has("outcomes") and ctx.has("treatment")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback is announced in plain words
        table = ctx.load("outcomes", fallback_demo=True)
        treat = ctx.load("treatment", fallback_demo=True)
    demo_side = not real_tables and not ctx.built_demo
    note = ""
    if ctx.demo:
        note = ("> **DEMO DATA.** No public table of outcomes or funded authorities exists, so this "
                "notebook shows **Demoland** (fictional) data: the method, not findings about any real city.")
    munis = load_consistent(ctx, "municipalities", demo_side)
    pop = load_consistent(ctx, "population_nationality", demo_side)
    names = dict(zip(munis["refnis"], munis["name_nl"]))
    panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
    latest = pop[pop["year"] == pop["year"].max()].groupby("refnis")["population"].sum()
    funded = panel.loc[panel.treated, "refnis"].unique().tolist()
    if authority == "auto":
        flemish = set(munis.loc[munis["region"] == "02000", "refnis"])
        pool = [r for r in funded if r in flemish] or funded
        city = max(pool, key=lambda r: (latest.get(r, 0), r))
    else:
        city = str(authority).zfill(5)
        if city not in set(panel["refnis"]):
            raise ParameterError(f"authority {authority!r} is not in the outcome table")
    cohort = panel.loc[panel.refnis == city, "cohort"].iloc[0]
    if treatment_year is None and pd.isna(cohort):
        raise ParameterError(f"authority {city} was never funded: pass treatment_year for a placebo analysis")
    t0 = int(treatment_year) if treatment_year is not None else int(cohort)
    donors = sorted(panel.loc[~panel.treated, "refnis"].unique())
    origin = (load_consistent(ctx, "population_origin", demo_side)
              if definition != eligibility.PROXY_DEFINITION else None)
    used_def = definition if origin is not None else eligibility.PROXY_DEFINITION
    src = origin if origin is not None else pop
    ref_year = 2022 if 2022 in {int(y) for y in src["year"].unique()} else int(src["year"].max())
    elig = eligibility.eligible(src, threshold, used_def, ref_year)
    row = elig[elig["members"].map(lambda ms: city in ms)]
    status = (f"{int(row['count'].iloc[0]):,} residents by {used_def} in {int(row['year'].iloc[0])} "
              f"({'above' if bool(row['eligible'].iloc[0]) else 'not above'} {threshold:,})"
              if len(row) else "not in the eligibility table")
    summary = (f"Authority: {names.get(city, city)} ({city}), {int(latest.get(city, 0)):,} residents; "
               f"{status}\nTreatment starts {t0}; {len(donors)} never-funded donors; outcome "
               f"{oc.label(outcome)}")
    return SyntheticDesign(panel, city, t0, donors, names, outcome, summary, note)


def synthetic_main(design: SyntheticDesign, estimators: list[str]) -> dict[str, Any]:
    """The main synthetic control (first variant) with placebos: fit, weights and summary."""
    _choose("estimators", estimators, SC_VARIANTS)
    sc = synthetic_control(design.panel, "value", "refnis", "year", design.city, design.start,
                           controls=design.donors, **SC_VARIANTS[estimators[0]])
    n = design.names
    weights = sc.weights.rename(index=lambda r: f"{n.get(r, r)} ({r})").round(3)
    summary = pd.DataFrame(
        {"value": [sc.att, sc.ci_low, sc.ci_high, sc.placebo_pvalue, sc.extra["min_pvalue"],
                   sc.pre_rmspe, sc.post_rmspe, sc.extra["median_placebo_pre_rmspe"]]},
        index=["ATT (mean post gap)", "95% CI low (rank-test inversion)", "95% CI high (rank-test inversion)",
               "placebo p-value", "smallest possible p-value", "pre-period RMSPE",
               "post-period RMSPE", "median donor pre-period RMSPE"]).round(3)
    text = f"Main analysis: {estimators[0]}\n{sc.method}"
    if sc.extra["dropped"]:
        text += f"\nDonors without a complete series, left out: {', '.join(sc.extra['dropped'])}"
    return {"fit": sc, "weights": weights[weights >= 0.001].to_frame(), "summary": summary, "text": text}


def synthetic_variants(design: SyntheticDesign, estimators: list[str], main) -> tuple[pd.DataFrame, str]:
    """Robustness variants (no placebos): ATT, fit and the largest donor weight."""
    rows = []
    for variant in estimators[1:]:
        alt = synthetic_control(design.panel, "value", "refnis", "year", design.city, design.start,
                                controls=design.donors, placebos=False, **SC_VARIANTS[variant])
        top = alt.weights.index[0]
        rows.append({"variant": variant, "ATT": alt.att, "pre-period RMSPE": alt.pre_rmspe,
                     "largest weight": f"{design.names.get(top, top)} ({alt.weights.iloc[0]:.2f})"})
    if not rows:
        return pd.DataFrame(), "No robustness variants requested (estimators)."
    return pd.DataFrame(rows).round(3), (
        f"Main analysis ({estimators[0]}): ATT {main.att:.3f}, pre-period RMSPE {main.pre_rmspe:.3f}. "
        "A variant that fits the years before funding much worse is not evidence either way.")


def synthetic_text(design: SyntheticDesign, sc, *, demo: bool) -> str:
    return synthetic_verdict(sc, outcome_label=oc.label(design.outcome), unit_label=oc.unit(design.outcome),
                             place=design.place, demo=demo)
