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
from samenleven_analysis.analysis.estimators.honest import HonestSensitivity
from samenleven_analysis.analysis.estimators.multiple_testing import adjust_pvalues
from samenleven_analysis.analysis.estimators.power import power_by_simulation
from samenleven_analysis.analysis.estimators.sdid import synthetic_did
from samenleven_analysis.analysis.estimators.staggered import staggered_did
from samenleven_analysis.analysis.estimators.synthetic_control import synthetic_control
from samenleven_analysis.analysis.verdicts import (
    pre_period_verdict,
    rdd_support_verdict,
    synthetic_flags,
    synthetic_pre_period_verdict,
    synthetic_verdict,
    verdict,
    verdict_flags,
)
from samenleven_analysis.errors import ParameterError
from samenleven_analysis.facts import PROGRAMME_START_YEAR
from samenleven_analysis.reports.text import md_escape

PROGRAMME_START = PROGRAMME_START_YEAR
CLUSTERS = {"municipality": "refnis", "arrondissement": "arrondissement", "province": "province"}
IMPACT_ESTIMATORS = ("event_study", "callaway_santanna", "twfe", "synthetic_did")
RDD_ESTIMATORS = ("sharp", "fuzzy")
SC_VARIANTS = {
    "demeaned": {"demean": True},
    "levels": {"demean": False},
    "optimised_v": {"demean": False, "optimize_v": True},
}


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


def _proxy_groups(ctx, definition: str, threshold: int, year: int | None):
    """Flemish municipality codes, the eligible ones under ``definition`` (the proxy without
    an origin table) in the reference year, the origin source and the reference year."""
    from samenleven_analysis.reports.context import origin_source, reference_year

    munis = ctx.load("municipalities")
    flemish = munis.loc[munis["region"].astype(str) == "02000", "refnis"].astype(str).tolist()
    source = origin_source(ctx, definition)
    ref = reference_year(source.frame, year)
    elig = eligibility.eligible(
        source.frame, threshold, source.definition, ref.year, within=flemish
    )
    members = sorted({m for ms in elig.loc[elig["eligible"], "members"] for m in ms})
    return flemish, members, source, ref, elig


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
    """Full before/after design when outcome and funding tables exist, else the pre-period
    check on fiscal income of proxy-eligible Flemish municipalities (placebo year)."""
    _choose("cluster", cluster, CLUSTERS)
    full = ctx.has("outcomes") and ctx.has("treatment")
    lines = [
        "Design: "
        + ("full before/after comparison" if full else "pre-period check (no post-2022 outcomes)")
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
    else:
        flemish, members, src, ref, _ = _proxy_groups(ctx, definition, threshold, year)
        start = int(treatment_year) if treatment_year is not None else 2016
        income = oc.income_panel(
            ctx.load("income"), first_year=first_year, last_year=last_year, refnis=flemish
        )
        panel = oc.panel(
            income, oc.treatment_from_groups(flemish, members, start), oc.INCOME_OUTCOME
        )
        used, word = oc.INCOME_OUTCOME, "proxy-eligible"
        notes = [
            (
                f"**Pre-period check.** The real data hold no outcomes after {int(panel.year.max())} "
                f"and no funding table, so `outcome = {md_escape(repr(outcome))}` cannot be used: the "
                f"outcome is **{md_escape(oc.label(used))}** (Statbel fiscal statistics, income year)."
            ),
            (
                f"Groups: {len(members)} Flemish municipalities with more than {threshold:,} residents "
                f"({md_escape(src.label)}) in {ref.year} (*proxy-eligible*) versus the other "
                f"{len(flemish) - len(members)}. **{start} is a placebo year**: nothing happened then, "
                "so any 'effect' measures diverging trends, not the plan."
            ),
        ]
        if ref.note():
            notes.append(ref.note())
        if src.proxy:
            notes.append(
                "Non-Belgian *nationality* understates non-EU14 *origin*: the proxy group is "
                "not the eligible group."
            )
    cl = CLUSTERS[cluster]
    if cl != "refnis":
        panel = oc.with_geography(panel, ctx.load("municipalities"))
    units = panel.drop_duplicates("refnis")
    by_cohort = units["cohort"].fillna(0).astype(int).value_counts().sort_index()
    lines += [
        (
            f"Outcome: {oc.label(used)}; years {panel.year.min()}-{panel.year.max()}; "
            f"{len(units)} authorities"
        ),
        "Authorities by first treated year (0 = comparison group):",
        by_cohort.rename_axis("cohort").to_string(),
    ]
    text = "\n\n".join(f"> {n}" for n in notes)
    if not full:
        text += "\n\n" + _missing_design_text("An effect of the plan")
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
    group = p["cohort"].map(
        lambda c: f"{design.group_word} from {int(c)}" if pd.notna(c) else "comparison"
    )
    return p.assign(group=group).groupby(["year", "group"])["value"].mean().unstack()


def event_studies(design: ImpactDesign, estimators: list[str]) -> dict[str, EventStudy]:
    """TWFE and the heterogeneity-robust two-stage (did2s) event study, binned end points."""
    _choose("estimators", estimators, IMPACT_ESTIMATORS)
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
        # HonestDiD reads every lead: binning the end points changes its answer (issue 20).
        studies["two-stage (did2s)"].extra["full_window"] = es_mod.event_study(
            *args, cluster=design.cluster, estimator="did2s", window=None, bootstrap_reps=0
        )
    return studies


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
            out.append(
                f"Joint pre-trend test ({name}): {es.pretrend_df} leads, Wald = "
                f"{es.pretrend_stat:.2f}, p = {es.pretrend_pvalue:.3f} ({kind}); window "
                f"{es.extra['window']} (end points binned)"
            )
    return "\n".join(out)


def event_table(studies: dict[str, EventStudy]) -> pd.DataFrame:
    """Side-by-side coefficients of the event studies."""
    parts = [
        es.coefs.set_index("rel_time")[["estimate", "ci_low", "ci_high"]].add_prefix(f"{n}: ")
        for n, es in studies.items()
    ]
    return pd.concat(parts, axis=1).round(3) if parts else pd.DataFrame()


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
    from samenleven_analysis.analysis.estimators.staggered import MEASURED_COVERAGE

    n = 6 if abs(n_treated - 6) <= abs(n_treated - 28) else 28
    lv, lv_se = MEASURED_COVERAGE[("level", n)]
    rt, rt_se = MEASURED_COVERAGE[("rate", n)]
    return (
        f"Closest simulated scenarios (docs/inference.md): {n} largest of 285 authorities "
        f"funded, AR(1) errors; the randomisation interval covered the truth in {lv:.2f} "
        f"(MC s.e. {lv_se:.3f}) of 100 draws for outcomes in levels and {rt:.2f} (MC s.e. "
        f"{rt_se:.3f}) for rates; this design has {n_treated} funded authorities."
    )


def ri_strata(panel: pd.DataFrame) -> str | None:
    """The strata of randomisation inference for the Plan's design: funding could only go
    to eligible authorities, so labels are permuted within ``eligible`` (when the panel has
    it with both values); else across all authorities. The result names the scheme."""
    if "eligible" not in panel.columns or panel["eligible"].isna().any():
        return None
    per_unit = panel.drop_duplicates("refnis")["eligible"]
    return "eligible" if per_unit.nunique() == 2 else None


def average_effects(design: ImpactDesign, estimators: list[str]) -> AverageEffects:
    """C–S (headline, studentised randomisation inference), TWFE (few-treated rule) and synthetic DiD, with the
    wild-bootstrap p-value of TWFE as a second opinion."""
    _choose("estimators", estimators, IMPACT_ESTIMATORS)
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
            wild = did_mod.did(
                p, "value", "refnis", "year", "treated", "post", cl, inference="wild", reps=9999
            )
            t = res["TWFE DiD"].extra
            lines.append(
                f"TWFE: {t['n_treated_clusters']} treated of {t['n_clusters']} clusters; "
                f"p (CRV1) = {t['pvalue_cluster']:.3f}; p (wild bootstrap) = "
                f"{wild.pvalue:.3f} (a second opinion; no interval)"
            )
        if "synthetic_did" in estimators:
            res["synthetic DiD"] = synthetic_did(p, "value", "refnis", "year", "cohort")
    for name, e in res.items():
        lines.append(f"{name}: {e.method}" + (f" — note: {e.note}" if e.note else ""))
    cs = res.get("Callaway–Sant'Anna ATT")
    if cs is not None and cs.extra.get("inference") == "ri":
        lines.append(closest_scenario_text(int(cs.extra["n_treated_units"])))
    table = estimates_table(res)
    if not table.empty:
        table = table.drop(columns="method")
    main = res.get("Callaway–Sant'Anna ATT") or res.get("TWFE DiD")
    return AverageEffects(res, table, "\n".join(lines), main)


HONEST_GRID = (0.0, 1.0, 3.0, 9.0)
"""Default HonestDiD grid of M, in multiples of the target's SE (extended ×3 until the robust
interval reaches zero); each M is one fit of about 1.6 s, so the grid is coarse."""

HONEST_BISECTIONS = 2
"""Bisection steps refining the breakdown value between two grid points (bracket / 4)."""


def sensitivity(studies: dict[str, EventStudy]) -> HonestSensitivity | None:
    """HonestDiD smoothness sensitivity of the heterogeneity-robust event study's average
    post-period effect (TWFE if did2s is missing), on the coarse :data:`HONEST_GRID`: about
    six fits instead of thirteen. As in :func:`~samenleven_analysis.analysis.estimators.honest.
    honest_did`, the breakdown value is the upper end of its final bracket (the smallest M
    tried at which the robust interval includes zero); the bracket is a quarter of a grid step
    wide, so the value may exceed the exact breakdown by up to that much (on the demo panel
    0.227 against 0.220 from the fine search)."""
    es = studies.get("two-stage (did2s)") or studies.get("TWFE")
    if es is None:
        return None
    es = es.extra.get("full_window", es)
    if (es.coefs.rel_time > es.reference).sum() == 0:
        return None
    return _coarse_honest(es)


def _window_words(es: EventStudy) -> str:
    """Which relative periods the sensitivity analysis read (a whole sentence fragment-free)."""
    w = es.extra.get("window")
    rel = es.coefs.rel_time
    if w is None:
        return f"every relative period from {int(rel.min())} to {int(rel.max())}, none binned"
    return (
        f"relative periods {int(w[0])} to {int(w[1])}, with earlier and later periods binned "
        "into the end points"
    )


def _coarse_honest(es: EventStudy, alpha: float = 0.05) -> HonestSensitivity:
    from diff_diff.honest_did import HonestDiD
    from scipy import stats

    from samenleven_analysis.analysis.estimators.common import quiet
    from samenleven_analysis.analysis.estimators.honest import _as_results

    res, post = _as_results(es)
    lvec = np.full(len(post), 1.0 / len(post))
    idx = [res.interaction_indices[p] for p in post]
    beta = np.array([res.period_effects[p].effect for p in post])
    est, se = float(lvec @ beta), float(np.sqrt(lvec @ res.vcov[np.ix_(idx, idx)] @ lvec))

    def ci(m: float) -> tuple[float, float, float]:
        with quiet():
            h = HonestDiD(method="smoothness", M=float(m), alpha=alpha, l_vec=lvec).fit(res)
        return float(m), float(h.ci_lb), float(h.ci_ub)

    def excludes(row) -> bool:
        return row[1] > 0 or row[2] < 0

    rows = [ci(k * se) for k in HONEST_GRID]
    while excludes(rows[-1]) and rows[-1][0] < 81 * se:
        rows.append(ci(3 * rows[-1][0]))
    table = pd.DataFrame(rows, columns=["M", "ci_low", "ci_high"])
    table["excludes_zero"] = (table.ci_low > 0) | (table.ci_high < 0)
    if not table.excludes_zero.iloc[0]:
        breakdown = 0.0
    elif table.excludes_zero.all():
        breakdown = float("nan")
    else:
        k = int(np.argmin(table.excludes_zero.to_numpy()))
        lo_m, hi_m = float(table.M.iloc[k - 1]), float(table.M.iloc[k])
        for _ in range(HONEST_BISECTIONS):
            mid = (lo_m + hi_m) / 2
            lo_m, hi_m = (mid, hi_m) if excludes(ci(mid)) else (lo_m, mid)
        breakdown = hi_m
    q = float(stats.norm.ppf(1 - alpha / 2))
    return HonestSensitivity(
        table=table,
        breakdown=breakdown,
        original=(est - q * se, est + q * se),
        estimate=est,
        se=se,
        method=(
            "HonestDiD smoothness restriction Δ^SD(M), FLCI (Rambachan & Roth 2023; diff-diff), "
            f"target: average of {len(post)} post-period coefficients of the "
            f"{es.extra.get('estimator', 'twfe')} event study on {_window_words(es)}; M on a "
            "coarse grid (0, 1, 3, 9 × SE), breakdown bracketed to a quarter of a grid step"
        ),
        extra={
            "n_pre": len(res.pre_periods) - 1,
            "n_post": len(post),
            "window": es.extra.get("window"),
        },
    )


def sensitivity_text(h: HonestSensitivity | None) -> str:
    if h is None:
        return "No event study, so no sensitivity analysis (estimators)."
    b = "not reached on the grid" if not np.isfinite(h.breakdown) else f"{h.breakdown:.3g}"
    return (
        f"Average post-period effect {h.estimate:.3f} (conventional 95% interval "
        f"{h.original[0]:.3f} to {h.original[1]:.3f}); breakdown value M = {b}: the smallest "
        f"change in the slope of the differential trend per year at which the robust interval "
        f"includes zero.\n{h.method}"
    )


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
    fake = [y for y in (design.start - 4, design.start - 3, design.start - 2) if y - years[0] >= 2]
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
        )
        po, text = None, "No placebo outcome exists in the real data."
        if design.full_design:
            others = [
                o
                for o in oc.PLACEBO_OUTCOMES
                if o in set(design.table["outcome"]) and o != design.outcome
            ]
            text = "No placebo outcome in the outcome table."
            if others:
                panels = {
                    o: oc.panel(
                        design.table,
                        design.treat,
                        o,
                        first_year=design.first_year,
                        last_year=design.last_year,
                    )
                    for o in others
                }
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
            pan = oc.panel(
                design.table,
                design.treat,
                o,
                first_year=design.first_year,
                last_year=design.last_year,
            )
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


POWER_REPS = 99
"""Permutations per simulated draw when randomisation inference applies: a p-value resolution
of 0.01 is enough to tell p < 0.05, and halves the power simulation (the slowest step)."""


def power(design: ImpactDesign, draws: int = 40):
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
    """The inputs of :func:`verdict_flags` for the impact notebook: its verdict text, its
    flags and its machine-readable summary all read this one dict (issue 20, one verdict)."""
    es = studies.get("TWFE")
    adj = how = None
    if multiple is not None and outcome in set(multiple.outcome) and len(multiple) > 1:
        row = multiple.set_index("outcome").loc[outcome]
        adj, how = float(row.pvalue_adjusted), f"{row.method}, {len(multiple)} outcomes"
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
        return "No average-effect estimator was requested (`estimators`), so there is no verdict."
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
    """The verdict's flags (direction, failed checks, multiplicity) for tests and dashboards:
    the same inputs as :func:`impact_verdict`."""
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
    """Machine-readable summary of the impact notebook (design, groups, the headline or
    placebo estimate, pre-trend test, MDE, and the verdict's flags) for tests and dashboards.
    Takes the same arguments as :func:`impact_verdict` and reads the same flags, so
    ``effect_claimed`` is True exactly when the text claims a direction."""
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
        "estimate": None if main is None else _num(main.estimate),
        "ci": None if main is None else [_num(main.ci_low), _num(main.ci_high)],
        "inference": None if main is None else main.extra.get("inference"),
        "pretrend_pvalue": None if es is None else _num(es.pretrend_pvalue),
        "adjusted_pvalue": None
        if inputs["adjusted_pvalue"] is None
        else _num(inputs["adjusted_pvalue"]),
        "failed_checks": list(flags.get("failed_checks", [])),
        "descriptive_only": bool(flags.get("descriptive_only", False)),
        "mde": None if mde is None else _num(mde.mde),
        "effect_claimed": bool(flags.get("effect_claimed", False)),
        "unit_codes": sorted(str(r) for r in units["refnis"]),
    }


# --------------------------------------------------------------------------- threshold_rdd


@dataclass
class RDDDesign:
    """One row per applicant: running variable (count), and, when outcome and funding tables
    exist (``full``), change in outcome and participation. Without them (the real open data)
    the design holds the counts only: support and density around the threshold."""

    frame: pd.DataFrame
    cutoff: float
    threshold: int
    outcome: str
    definition: str
    ref_year: int
    cluster: str | None
    summary: str
    demo_note: str = ""
    full: bool = True
    definition_label: str = ""

    @property
    def label(self) -> str:
        return oc.label(self.outcome)


SUPPORT_WINDOWS = (250, 500, 1000, 2500, 5000)
"""Half-widths (residents) around the threshold at which the support is counted."""


def _missing_design_text(what: str) -> str:
    """Markdown naming the canonical outcome and funding files an estimate would need."""
    from samenleven_analysis.reports.labels import missing_input_text

    return "\n\n".join(missing_input_text(t, what) for t in ("outcomes", "treatment"))


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
    """The applicant frame at the threshold: counts from :func:`~samenleven_analysis.reports.
    context.origin_source` in the year :func:`~samenleven_analysis.reports.context.
    reference_year` chooses (``year``; None = the rule's year). With outcome and funding
    tables, the change in outcome and participation too; without, the counts only (never
    Demoland in a real run)."""
    from samenleven_analysis.reports.context import origin_source, reference_year

    _choose("cluster", cluster, ("municipality", "arrondissement"))
    source = origin_source(ctx, definition)
    ref = reference_year(source.frame, year)
    partnerships = ctx.optional("partnerships")
    munis = ctx.load("municipalities")
    # the plan funds Flemish authorities: a real run compares Flemish applicants only
    within = None if ctx.built_demo else munis.loc[munis["region"].astype(str) == "02000", "refnis"]
    elig = eligibility.eligible(
        source.frame,
        threshold,
        source.definition,
        ref.year,
        partnerships,
        within=None if within is None else within.astype(str).tolist(),
    )
    used_def, label = source.definition, source.label
    note = ""
    if ctx.demo:
        note = (
            "> **DEMO DATA.** Outcomes and funding are Demoland (fictional) data: the method, "
            "not findings about Flanders."
        )
    head = (
        f"Running variable: residents by {used_def} on 1 January {ref.year}, per applicant "
        f"(partnerships pooled); {int(elig['eligible'].sum())} of {len(elig)} applicants above "
        f"{threshold:,}."
    )
    if ref.note():
        head += f"\n{ref.note()}"
    if not (ctx.has("outcomes") and ctx.has("treatment")):
        frame = elig[["applicant", "name", "count", "total", "eligible"]].copy()
        note = "\n\n".join(
            n
            for n in (
                source.note(),
                (
                    "> **Descriptive only.** The open data hold no outcomes after the plan started and no "
                    "funding table, so no effect at the threshold can be estimated. This notebook shows what "
                    "the real counts can show: how many authorities lie near the threshold, and whether "
                    "their density jumps there."
                ),
                _missing_design_text("An estimate at the threshold"),
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
    summary = (
        f"{head}\nOutcome: change in {oc.label(outcome)}, mean {post[0]}-{post[1]} minus "
        f"mean {pre[0]}-{pre[1]}; {len(df)} applicants."
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
    """Applicants within ± each of :data:`SUPPORT_WINDOWS` (and ``near_window``) of the
    threshold, below and above it."""
    rows = []
    for w in sorted({*SUPPORT_WINDOWS, int(near_window)}):
        near = rdd_mod.rdd_support(design.frame, "count", design.cutoff, w)
        rows.append({"within ± residents": w, "below": near["below"], "above": near["above"]})
    return pd.DataFrame(rows)


def support_text(design: RDDDesign, window: int) -> tuple[dict, str]:
    """Units near the cutoff, and the warning (Markdown) when fewer than 10 per side."""
    near = rdd_mod.rdd_support(design.frame, "count", design.cutoff, window)
    t = design.threshold
    text = (
        f"Within ±{window:,} of {t:,}: {near['below']} below, {near['above']} above "
        f"(of {near['n']} applicants)."
    )
    if min(near["below"], near["above"]) < rdd_mod.MIN_SUPPORT:
        text += (
            f"\n\n> **Warning: too few authorities near the cutoff.** Only {near['below']} applicants "
            f"lie within {window:,} below and {near['above']} within {window:,} above {t:,}. A regression "
            "discontinuity compares authorities *at* the threshold; with so few, the local fits lean on "
            "authorities far away, intervals are wide and one authority can move the result. "
            + (
                "Every estimate below is descriptive only: an illustration of the method, not evidence."
                if design.full
                else "Any estimate at this threshold would be descriptive only."
            )
        )
    return near, text


def _attempt(fn, *args, **kwargs):
    """Too few authorities is an answer, not a crash: (result or None, message)."""
    try:
        return fn(*args, **kwargs), ""
    except Exception as exc:  # noqa: BLE001 - reported in the notebook
        return None, f"Not estimable: {str(exc).splitlines()[0]}"


def rdd_estimates(design: RDDDesign, estimators: list[str]) -> dict[str, Any]:
    """Sharp and fuzzy RD, the fuzzy fit's own first stage and the Anderson–Rubin test.
    ``tables`` are what the notebook displays (the missing-input note without outcomes)."""
    from IPython.display import Markdown

    _choose("estimators", estimators, RDD_ESTIMATORS)
    if not design.full:
        return {
            "estimates": {},
            "tables": [Markdown(_missing_design_text("This section"))],
            "text": "",
            "first_stage": None,
            "fuzzy": None,
        }
    df, c, cl = design.frame, design.cutoff, design.cluster
    rd, msgs = {}, []
    if "sharp" in estimators:
        rd["sharp (eligibility, ITT)"], m = _attempt(
            rdd_mod.rdd, df, "change", "count", c, cluster=cl
        )
        msgs.append(m)
    fuzzy, m = _attempt(rdd_mod.rdd, df, "change", "count", c, treatment="treated", cluster=cl)
    msgs.append(m)
    if "fuzzy" in estimators:
        rd["fuzzy (participation, LATE)"] = fuzzy
    lines = [m for m in msgs if m]
    fs = fuzzy.extra["first_stage"] if fuzzy is not None else None
    if fs is not None:
        lines.append(
            f"First stage of the fuzzy fit (same bandwidth ±{fuzzy.extra['h_left']:,.0f}): "
            f"jump in participation {fs.estimate:.2f} (95% CI {fs.ci_low:.2f} to "
            f"{fs.ci_high:.2f}); Anderson–Rubin (reduced-form) p = {fuzzy.extra['ar_pvalue']:.3f}"
        )
    for name, e in rd.items():
        if e is not None:
            lines.append(
                f"{name}: {e.method}; bandwidth ±{e.extra['h_left']:,.0f} residents, "
                f"{e.extra['n_eff_left']} below / {e.extra['n_eff_right']} above inside it"
                + (f" — {e.note}" if e.note else "")
            )
    table = estimates_table(rd)
    if not table.empty:
        table = table.drop(columns="method")
    share = (
        df.assign(side=np.where(df["count"] >= c, "above", "below"))
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


def rdd_checks(design: RDDDesign) -> dict[str, Any]:
    """Density test on log(count); with outcomes also covariate balance and placebo cutoffs.
    ``tables`` are what the notebook displays."""
    df, c, cl = design.frame, design.cutoff, design.cluster
    dens, msg = _attempt(rdd_mod.rdd_density, df, "count", c, log=True)
    text = msg or (
        f"Density test on log(count): t = {dens['t']:.2f}, p = {dens['pvalue']:.3f} "
        f"({dens['n_eff_left']} below / {dens['n_eff_right']} above in its bandwidth)"
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
    balance = rdd_mod.rdd_balance(df, covs, "count", c, cluster=cl)
    cut = [round(design.threshold * f) for f in (0.5, 0.75, 1.5, 2.0)]
    plac = rdd_mod.placebo_cutoffs(df, "change", "count", c, cut, cluster=cl)
    return {
        "density": dens,
        "density_note": msg,
        "text": text,
        "balance": balance,
        "placebo": plac,
        "tables": [balance.round(3), plac.round(3)],
    }


def _rdd_inputs(design: RDDDesign, est: dict, checks: dict, near: dict, window: int) -> dict:
    """The headline RD estimate and what its verdict may say (cautions, named checks,
    descriptive-only): the verdict text and the machine-readable summary read this one dict."""
    rd = est["estimates"]
    main = rd.get("fuzzy (participation, LATE)") or rd.get("sharp (eligibility, ITT)")
    cautions, descriptive = [], False
    if min(near["below"], near["above"]) < rdd_mod.MIN_SUPPORT:
        cautions.append(
            f"only {near['below']} authorities lie within {window:,} below and "
            f"{near['above']} within {window:,} above {design.threshold:,}, so the "
            "threshold comparison cannot be precise, whatever it shows"
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
        f_txt = (
            f" (first-stage F = {f_stat:.1f})" if f_stat is not None and np.isfinite(f_stat) else ""
        )
        cautions.append(
            f"the first stage of the fuzzy fit is not clearly different from zero{f_txt}, so its "
            f"interval is unreliable; the weak-IV-robust (Anderson–Rubin) p-value is "
            f"{fuzzy.extra['ar_pvalue']:.3f}"
        )
        descriptive = True
    return {"main": main, "cautions": cautions, "checks": named, "descriptive_only": descriptive}


def rdd_verdict(
    design: RDDDesign, est: dict, checks: dict, near: dict, window: int, *, demo: bool
) -> str:
    """Cautious verdict: descriptive only with thin support or failed checks; without
    outcomes, what the counts show (support, density) and nothing more."""
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
        return "No estimate at the threshold could be computed with these data."
    return verdict(
        inputs["main"],
        outcome_label=md_escape(f"the change in {design.label}"),
        unit_label=md_escape(oc.unit(design.outcome)),
        checks=inputs["checks"],
        demo=demo,
        design="rdd",
        cautions=inputs["cautions"],
        descriptive_only=inputs["descriptive_only"],
    )


def rdd_facts(
    design: RDDDesign, est: dict, checks: dict, near: dict, window: int, *, demo: bool
) -> dict[str, Any]:
    """Machine-readable summary of the RDD notebook (support, density, mode, the headline
    estimate and the verdict's flags) for tests and dashboards; :func:`publish` displays it.
    Same arguments as :func:`rdd_verdict`, same flags."""
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
        "density_pvalue": None if dens is None else _num(dens["pvalue"]),
        "estimate": None if main is None else _num(main.estimate),
        "ci": None if main is None else [_num(main.ci_low), _num(main.ci_high)],
        "rdd_inference": None if main is None else main.method,
        "local_randomisation_window": (
            None
            if main is None or "window" not in main.extra
            else [_num(v) for v in main.extra["window"]]
        ),
        "failed_checks": list(flags.get("failed_checks", [])),
        "descriptive_only": bool(flags.get("descriptive_only", False)),
        "effect_claimed": bool(flags.get("effect_claimed", False)),
        "applicant_codes": sorted(str(a) for a in design.frame["applicant"]),
    }


def _num(x: Any) -> float | None:
    """A finite float rounded for stable output, or None (JSON has no NaN)."""
    x = float(x)
    return round(x, 6) if np.isfinite(x) else None


SUMMARY_KEY = "samenleven_summary"
"""Output-metadata key under which :func:`publish` stores a notebook's machine-readable summary."""


def publish(text: str, facts: dict[str, Any]) -> None:
    """Display the verdict ``text`` (a Markdown block quote) carrying ``facts`` in the output's
    metadata under :data:`SUMMARY_KEY`: tests and tools read the numbers there, readers see
    the prose, and the HTML export needs no extra output type."""
    from IPython.display import Markdown, display

    display(Markdown(quote(text)), metadata={SUMMARY_KEY: facts})


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
    full: bool = True

    @property
    def place(self) -> str:
        return self.names.get(self.city, self.city)

    @property
    def label(self) -> str:
        return oc.label(self.outcome)


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
    """The treated city (``auto``: the most populous funded one, in Flanders if any), its start
    year, the never-funded donors and the city's position against the 7,500 rule.

    Without outcome and funding tables (the real open data): a pre-period check on fiscal
    income per resident, the city (``auto``: the most populous proxy-eligible Flemish one)
    against the Flemish municipalities below the threshold, at a placebo year."""
    from samenleven_analysis.reports.context import origin_source, reference_year

    munis = ctx.load("municipalities")
    names = dict(zip(munis["refnis"].astype(str), munis["name_nl"], strict=True))
    pop = ctx.load("population_nationality")
    latest = pop[pop["year"] == pop["year"].max()].groupby("refnis")["population"].sum()
    full = ctx.has("outcomes") and ctx.has("treatment")
    note = ""
    if ctx.demo:
        note = (
            "> **DEMO DATA.** Outcomes and funding are Demoland (fictional) data: the method, "
            "not findings about any real city."
        )
    if full:
        table, treat = ctx.load("outcomes"), ctx.load("treatment")
        panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
        used = outcome
        funded = panel.loc[panel.treated, "refnis"].unique().tolist()
        flemish = set(munis.loc[munis["region"].astype(str) == "02000", "refnis"].astype(str))
        pool = [r for r in funded if r in flemish] or funded
    else:
        flemish_list, members, _, _, _ = _proxy_groups(ctx, definition, threshold, year)
        start0 = int(treatment_year) if treatment_year is not None else PLACEBO_YEAR
        income = oc.income_panel(
            ctx.load("income"), first_year=first_year, last_year=last_year, refnis=flemish_list
        )
        panel = oc.panel(
            income, oc.treatment_from_groups(flemish_list, members, start0), oc.INCOME_OUTCOME
        )
        used, pool = oc.INCOME_OUTCOME, members
    if authority == "auto":
        if not pool:
            raise ParameterError("no authority above the threshold to study: pass authority")
        city = max(pool, key=lambda r: (latest.get(r, 0), r))
    else:
        city = str(authority).zfill(5)
        if city not in set(panel["refnis"]):
            raise ParameterError(f"authority {authority!r} is not in the outcome table")
    cohort = panel.loc[panel.refnis == city, "cohort"].iloc[0]
    if full and treatment_year is None and pd.isna(cohort):
        raise ParameterError(
            f"authority {city} was never funded: pass treatment_year for a placebo analysis"
        )
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
    status = (
        f"{int(row['count'].iloc[0]):,} residents ({source.label}) in {int(row['year'].iloc[0])} "
        f"({'above' if bool(row['eligible'].iloc[0]) else 'not above'} {threshold:,})"
        if len(row)
        else "not in the eligibility table"
    )
    start_word = "Treatment starts" if full else "Placebo year (pre-period check, nothing happened)"
    summary = (
        f"Authority: {names.get(city, city)} ({city}), {int(latest.get(city, 0)):,} residents; "
        f"{status}\n{start_word} {t0}; {len(donors)} donors; outcome {oc.label(used)}"
    )
    if not full:
        note = "\n\n".join(
            [
                (
                    f"> **Pre-period check.** The real data hold no outcomes after {int(panel.year.max())} "
                    f"and no funding table, so `outcome = {md_escape(repr(outcome))}` cannot be used: the "
                    f"outcome is **{md_escape(oc.label(used))}**. The synthetic control is fitted before the "
                    f"placebo year {t0}; donors are the {len(donors)} most populous Flemish municipalities "
                    "below the threshold."
                ),
                _missing_design_text("An effect of the plan on this authority"),
            ]
        )
    return SyntheticDesign(panel, city, t0, donors, names, used, summary, note, full)


def synthetic_main(design: SyntheticDesign, estimators: list[str]) -> dict[str, Any]:
    """The main synthetic control (first variant) with placebos: fit, weights and summary."""
    _choose("estimators", estimators, SC_VARIANTS)
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
    n = design.names
    weights = sc.weights.rename(index=lambda r: f"{n.get(r, r)} ({r})").round(3)
    summary = pd.DataFrame(
        {
            "value": [
                sc.att,
                sc.ci_low,
                sc.ci_high,
                sc.placebo_pvalue,
                sc.extra["min_pvalue"],
                sc.pre_rmspe,
                sc.post_rmspe,
                sc.extra["median_placebo_pre_rmspe"],
            ]
        },
        index=[
            "ATT (mean post gap)",
            "95% CI low (rank-test inversion)",
            "95% CI high (rank-test inversion)",
            "placebo p-value",
            "smallest possible p-value",
            "pre-period RMSPE",
            "post-period RMSPE",
            "median donor pre-period RMSPE",
        ],
    ).round(3)
    text = f"Main analysis: {estimators[0]}\n{sc.method}"
    if sc.extra.get("ci_note"):
        text += f"\nNo interval: {sc.extra['ci_note']}"
    if sc.extra["dropped"]:
        text += f"\nDonors without a complete series, left out: {', '.join(sc.extra['dropped'])}"
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
                "largest weight": f"{design.names.get(top, top)} ({alt.weights.iloc[0]:.2f})",
            }
        )
    if not rows:
        return pd.DataFrame(), "No robustness variants requested (estimators)."
    return pd.DataFrame(rows).round(3), (
        f"Main analysis ({estimators[0]}): ATT {main.att:.3f}, pre-period RMSPE {main.pre_rmspe:.3f}. "
        "A variant that fits the years before funding much worse is not evidence either way."
    )


def synthetic_text(design: SyntheticDesign, sc, *, demo: bool) -> str:
    """The verdict: a placebo-year reading without outcome data, else the effect reading."""
    if not design.full:
        return synthetic_pre_period_verdict(
            sc,
            placebo_year=design.start,
            data_last_year=int(design.panel.year.max()),
            programme_start=PROGRAMME_START,
            outcome_label=md_escape(oc.label(design.outcome)),
            unit_label=md_escape(oc.unit(design.outcome)),
            place=md_escape(design.place),
        )
    return synthetic_verdict(
        sc,
        outcome_label=md_escape(oc.label(design.outcome)),
        unit_label=md_escape(oc.unit(design.outcome)),
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
        "att": _num(sc.att),
        "pre_rmspe": _num(sc.pre_rmspe),
        "placebo_pvalue": _num(sc.placebo_pvalue),
        "ci": [_num(sc.ci_low), _num(sc.ci_high)],
        "effect_claimed": bool(design.full and synthetic_flags(sc)["effect_claimed"]),
        "weight_codes": sorted(str(r) for r in sc.weights.index),
    }
