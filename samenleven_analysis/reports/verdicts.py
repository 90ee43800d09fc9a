"""Plain-language verdicts: cautious readings of estimates that say no more than the data allow.
They read the flags of :mod:`samenleven_analysis.analysis.verdicts` (one verdict: the sentence
and the machine-readable summary come from the same flags).

Labels, places and notes passed in are put into Markdown as given: callers escape
user-supplied strings with :func:`samenleven_analysis.reports.text.md_escape`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from samenleven_analysis.analysis.estimators.common import (
    Estimate,
    MinimumDetectableEffect,
    SyntheticControl,
    format_p,
)
from samenleven_analysis.analysis.verdicts import synthetic_flags, verdict_flags
from samenleven_analysis.facts import PROGRAMME_START_YEAR


def verdict(
    estimate: Estimate,
    *,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    pretrend_pvalue: float | None = None,
    mde: MinimumDetectableEffect | float | None = None,
    placebo_pvalues: Sequence[float] | None = None,
    checks: Mapping[str, float] | None = None,
    adjusted_pvalue: float | None = None,
    adjustment: str = "",
    honest: Any = None,
    demo: bool = False,
    alpha: float = 0.05,
    design: str = "did",
    cautions: Sequence[str] = (),
    descriptive_only: bool = False,
) -> str:
    """A plain-language, deliberately cautious reading of an estimate (Markdown).

    Reads :func:`verdict_flags`: says "higher"/"lower" only when the flags give a direction;
    otherwise it reports the numbers as descriptive and names the failed checks. ``design``
    (``"did"`` or ``"rdd"``) chooses how the comparison and its key assumption are described;
    ``cautions`` are extra warnings put first; ``honest`` (a HonestDiD sensitivity) adds the
    breakdown value; ``adjusted_pvalue`` the multiple-testing corrected p-value.
    """
    if design not in ("did", "rdd"):
        raise ValueError(f"design must be 'did' or 'rdd', not {design!r}")
    flags = verdict_flags(
        estimate,
        pretrend_pvalue=pretrend_pvalue,
        checks=checks,
        placebo_pvalues=placebo_pvalues,
        adjusted_pvalue=adjusted_pvalue,
        honest=honest,
        alpha=alpha,
        descriptive_only=descriptive_only,
    )
    u = f" {unit_label}" if unit_label else ""
    lines = []
    if demo:
        lines.append(
            "**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**"
        )
    warn = list(cautions)
    if estimate.extra.get("descriptive_only") and estimate.note:
        warn.append(estimate.note)
    if flags["failed_checks"]:
        warn.append("these checks failed: " + ", ".join(flags["failed_checks"]))
    if warn or flags["descriptive_only"]:
        warn = warn or ["the design's checks do not support a claim"]
        lines.append(
            "**Caution:** " + "; ".join(warn) + ". Treat the estimate below as descriptive only."
        )
    if not flags["has_inference"]:
        lines.append(
            f"The estimate for {outcome_label} is {estimate.estimate:.2f}{u}, but the data do not allow "
            f"an interval to be estimated ({estimate.note or 'no valid inference'}); nothing can be "
            "concluded about its direction."
        )
        return "\n\n".join(lines)
    rng = f"between {estimate.ci_low:.2f} and {estimate.ci_high:.2f}{u}"
    if design == "did":
        where = f"In funded authorities, {outcome_label} ended up {{direction}} than the comparison group predicts"
        assumption = ", without the funding, both groups would have followed parallel paths"
    else:
        where = f"At the threshold, {outcome_label} was {{direction}} on the funded side"
        assumption = (
            " authorities just below and just above the threshold would otherwise have fared alike "
            "(and the estimate applies to authorities near the threshold only)"
        )
    if flags["direction"] != 0:
        word = "higher" if flags["direction"] > 0 else "lower"
        lines.append(
            where.format(direction=word)
            + f": the estimate is {estimate.estimate:.2f}{u}, and the data are consistent with a "
            f"difference {rng} (95% interval). This holds only if{assumption}; it is an estimate, "
            "not proof."
        )
    elif flags["interval_direction"] != 0:
        reason = (
            "the checks above failed"
            if flags["descriptive_only"]
            else f"after correcting for several outcomes the p-value is {format_p(adjusted_pvalue)}"
        )
        lines.append(
            f"The estimate for {outcome_label} is {estimate.estimate:.2f}{u} (95% interval "
            f"{estimate.ci_low:.2f} to {estimate.ci_high:.2f}{u}), "
            f"but no direction is claimed because {reason}."
        )
    else:
        lines.append(
            f"No effect on {outcome_label} was detected: the estimate is {estimate.estimate:.2f}{u} and "
            f"the 95% interval runs {rng}. This is *not* evidence that the funding had no effect — "
            f"effects anywhere in that range are compatible with the data."
        )
    if adjusted_pvalue is not None and np.isfinite(adjusted_pvalue):
        lines.append(
            f"Across the outcomes tested, the adjusted p-value is {format_p(adjusted_pvalue)}"
            + (f" ({adjustment})." if adjustment else ".")
        )
    if honest is not None and flags["interval_direction"] != 0:
        b = honest.breakdown
        if b is not None and np.isfinite(b):
            lines.append(
                f"Sensitivity (HonestDiD): the average post-period effect stays away from zero only if the "
                f"differential trend bends by less than {b:.3g}{u} per year² (breakdown value M)."
            )
        else:
            lines.append(
                "Sensitivity (HonestDiD): the effect stays away from zero for every trend "
                "violation on the grid tried."
            )
    if estimate.note and not estimate.extra.get("descriptive_only"):
        lines.append(f"Note on inference: {estimate.note}.")
    lines += _mde_lines(mde, u)
    return "\n\n".join(lines)


def _mde_lines(mde: MinimumDetectableEffect | float | None, u: str) -> list[str]:
    """The verdict's closing sentence on the minimum detectable effect (none without one)."""
    m = (
        float("nan")
        if mde is None
        else (mde.mde if isinstance(mde, MinimumDetectableEffect) else float(mde))
    )
    if not np.isfinite(m):
        return []
    return [
        f"With this design, only effects of about {m:.2f}{u} or larger would be detected reliably "
        "(80% power, 5% significance, by simulation); smaller effects could easily go unnoticed."
    ]


def pre_period_verdict(
    placebo: Estimate,
    *,
    placebo_year: int,
    data_last_year: int,
    programme_start: int = PROGRAMME_START_YEAR,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    pretrend_pvalue: float | None = None,
    mde: MinimumDetectableEffect | float | None = None,
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a *pre-period check* (no post-programme data at all).

    ``placebo`` is a DiD at a fake treatment year before the programme. Says first and
    unambiguously that no effect of the programme can be estimated, then whether the
    groups already moved apart before it (which would bias a later DiD), and how large an
    effect a future evaluation of this design could detect.
    """
    u = f" {unit_label}" if unit_label else ""
    lines = [
        (
            f"**No effect of the programme can be estimated from these data.** They end in "
            f"{data_last_year}; the consolidated regime started in {programme_start}, so no outcome "
            "after the start of the programme is in the data. What follows only checks whether a "
            "later before/after comparison of these groups would be credible."
        )
    ]
    diverged = placebo.direction != 0
    if diverged:
        lines.append(
            f"At the placebo year {placebo_year} the two groups already drifted apart: the placebo "
            f"'effect' on {outcome_label} is {placebo.estimate:.2f}{u} (95% interval {placebo.ci_low:.2f} "
            f"to {placebo.ci_high:.2f}) although nothing happened then. A simple difference-in-differences "
            "on this outcome would mix such drifts with any real effect; it would need a better "
            "comparison group (or a design that models the trends)."
        )
    elif not np.isfinite(placebo.ci_low):
        lines.append(
            f"At the placebo year {placebo_year} the placebo estimate is {placebo.estimate:.2f}{u}, but "
            f"no interval could be estimated ({placebo.note or 'no valid inference'}), so whether the "
            "groups drifted apart cannot be said."
        )
    else:
        lines.append(
            f"At the placebo year {placebo_year} no divergence was detected (placebo estimate "
            f"{placebo.estimate:.2f}{u}, 95% interval {placebo.ci_low:.2f} to {placebo.ci_high:.2f}). "
            "That is consistent with parallel trends, but it does not prove them."
        )
    if pretrend_pvalue is not None and np.isfinite(pretrend_pvalue):
        word = "differ" if pretrend_pvalue < alpha else "do not clearly differ"
        lines.append(
            f"Year by year before {placebo_year}, the groups' paths {word} (joint test p = {format_p(pretrend_pvalue)})."
        )
    if mde is not None:
        m = mde.mde if isinstance(mde, MinimumDetectableEffect) else float(mde)
        if np.isfinite(m):
            lines.append(
                f"A future evaluation with this design could reliably detect only effects of about "
                f"{m:.2f}{u} or more (80% power, 5% significance)."
            )
    return "\n\n".join(lines)


def synthetic_verdict(
    sc: SyntheticControl,
    *,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    place: str = "the authority",
    demo: bool = False,
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a synthetic control: fit first, then the placebo rank.

    A gap is only called a possible effect when the pre-period fit is good and the
    in-space placebo p-value is small; the placebo-SE interval is reported as secondary.
    """
    u = f" {unit_label}" if unit_label else ""
    lines = []
    if demo:
        lines.append(
            "**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**"
        )
    if sc.extra.get("poor_fit"):
        lines.append(
            f"**Caution:** the synthetic control does not reproduce {place}'s path before funding "
            f"(pre-period RMSPE {sc.pre_rmspe:.2f}{u}, more than twice the donors' typical "
            f"{sc.extra['median_placebo_pre_rmspe']:.2f}), so its later gap cannot be read as an effect."
        )
        return "\n\n".join(lines)
    p = sc.placebo_pvalue
    flags = synthetic_flags(sc, alpha=alpha)
    if flags["effect_claimed"]:
        direction = "higher" if sc.att > 0 else "lower"
        gap = f"{abs(sc.att):.2f}{u} {direction} than"
    else:
        gap = f"{sc.att:+.2f}{u} away from"
    lines.append(
        f"After funding started, {outcome_label} in {place} was on average {gap} "
        f"its synthetic control (a weighted mix of never-funded authorities that tracked it "
        f"before; pre-period RMSPE {sc.pre_rmspe:.2f}{u})."
    )
    if flags["effect_claimed"]:
        lines.append(
            f"Gaps this large relative to the pre-period fit are rare among unfunded donors (placebo "
            f"p = {format_p(p)}; approximate 95% interval {sc.ci_low:.2f} to {sc.ci_high:.2f}{u}). That is "
            "consistent with an effect of the funding."
        )
    elif flags["placebo_rejects"]:
        if np.isfinite(sc.ci_low):
            why = (
                f"the approximate 95% interval ({sc.ci_low:.2f} to {sc.ci_high:.2f}{u}) "
                "includes zero"
            )
            lines.append(
                f"Gaps this large relative to the pre-period fit are rare among unfunded donors "
                f"(placebo p = {format_p(p)}), but no effect is claimed because {why}."
            )
        else:
            lines.append(
                f"Gaps this large relative to the pre-period fit are rare among unfunded donors "
                f"(placebo p = {format_p(p)}), but no effect is claimed because no interval could "
                "be computed for the size of the gap."
            )
    else:
        minp = sc.extra.get("min_pvalue", float("nan"))
        extra = (
            f" With {len(sc.placebos)} donors the smallest possible p-value is {minp:.3f}."
            if np.isfinite(minp) and minp > alpha
            else ""
        )
        lines.append(
            f"No effect can be claimed: unfunded donors show gaps as large relative to their fit "
            f"(placebo p = {format_p(p)}).{extra} This does not show that the funding had no effect."
        )
    lines.append(
        "One authority cannot separate the plan from anything else that happened in "
        f"{place} at the same time."
    )
    return "\n\n".join(lines)


def rdd_support_verdict(
    near: Mapping[str, int],
    density: Mapping[str, float] | None,
    *,
    threshold: int,
    window: int,
    year: int,
    counts_label: str,
    density_note: str = "",
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of the threshold's support and density when no outcome or
    funding table exists: what the counts show, and that no effect can be estimated."""
    lines = [
        "**No effect at the threshold can be estimated from these data**: they hold no outcomes "
        "after the plan started and no funding table. What follows describes the counts only.",
        f"In {year}, {near['below']} applicants lie within {window:,} below and {near['above']} "
        f"within {window:,} above {threshold:,} residents ({counts_label}), of "
        f"{near['n']} applicants.",
    ]
    if min(near["below"], near["above"]) < 10:
        lines.append(
            "That is too few on at least one side for a regression discontinuity: any "
            "future estimate at this threshold would rest on a handful of authorities and be "
            "descriptive only."
        )
    if density is None:
        lines.append(f"The density test could not be run ({density_note or 'too few units'}).")
    else:
        p = float(density["pvalue"])
        word = (
            "jumps at the threshold, which could mean sorting (or a lumpy distribution of few "
            "authorities)"
            if np.isfinite(p) and p < alpha
            else "shows no clear jump at the threshold"
        )
        lines.append(f"The density of log(count) {word} (p = {format_p(p)}).")
    return "\n\n".join(lines)


def synthetic_pre_period_verdict(
    sc: SyntheticControl,
    *,
    placebo_year: int,
    data_last_year: int,
    programme_start: int = PROGRAMME_START_YEAR,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    place: str = "the authority",
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a synthetic control at a *placebo* year before the
    programme: whether the synthetic twin keeps tracking the authority when nothing happened."""
    u = f" {unit_label}" if unit_label else ""
    lines = [
        f"**No effect of the programme can be estimated from these data.** They end in "
        f"{data_last_year}; the consolidated regime started in {programme_start}. This is a "
        f"pre-period check at the placebo year {placebo_year}, when nothing happened.",
    ]
    if sc.extra.get("poor_fit"):
        lines.append(
            f"The synthetic control does not reproduce {place}'s path before {placebo_year} "
            f"(pre-period RMSPE {sc.pre_rmspe:.2f}{u}, more than twice the donors' typical "
            f"{sc.extra['median_placebo_pre_rmspe']:.2f}): a synthetic control on {outcome_label} "
            "would not be credible for this authority."
        )
        return "\n\n".join(lines)
    p = sc.placebo_pvalue
    if np.isfinite(p) and p <= alpha:
        lines.append(
            f"After the placebo year the synthetic control drifts away from {place} (mean gap "
            f"{sc.att:+.2f}{u}, placebo p = {format_p(p)}) although nothing happened: a later synthetic "
            f"control on {outcome_label} would mix such drifts with any effect."
        )
    else:
        lines.append(
            f"After the placebo year the gap between {place} and its synthetic control stays within "
            f"what donors show (mean gap {sc.att:+.2f}{u}, placebo p = {format_p(p)}; pre-period RMSPE "
            f"{sc.pre_rmspe:.2f}{u}). That is consistent with a usable comparison, not proof of one."
        )
    return "\n\n".join(lines)
