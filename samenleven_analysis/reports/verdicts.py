"""Plain-language verdicts: cautious readings of estimates that say no more than the data allow.

They read the flags of :mod:`samenleven_analysis.analysis.verdicts` (one verdict: the sentence and
the machine-readable summary come from the same flags).

Labels, places and notes passed in are put into Markdown as given: callers escape
user-supplied strings with :func:`samenleven_analysis.reports.text.md_escape`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from samenleven_analysis import i18n
from samenleven_analysis.analysis.estimators.common import (
    Estimate,
    MinimumDetectableEffect,
    SyntheticControl,
)
from samenleven_analysis.analysis.verdicts import synthetic_flags, verdict_flags
from samenleven_analysis.facts import PROGRAMME_START_YEAR
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports.evaluation_shared import covariate_text
from samenleven_analysis.reports.labels import outcome_label
from samenleven_analysis.reports.method_text import notes_text


def _v(x: float, unit: str = "", digits: int = 2) -> str:
    """A value with two decimals in the report's language, followed by its unit."""
    text = i18n.number(x, digits)
    return f"{text} {unit}" if unit else text


def _sv(x: float, unit: str = "") -> str:
    """A signed value (``+0,12``) with two decimals, followed by its unit."""
    text = i18n.signed(x, 2)
    return f"{text} {unit}" if unit else text


CHECK_TEXT = {
    "joint pre-trend test": N_("joint pre-trend test"),
    "density test": N_("density test"),
}
"""Names of checks (the codes of ``failed_checks``) without a value → message id."""


def _check_with_value(name: str) -> str | None:
    """A check name that carries a value, in the report's language; None for any other name.

    Such as ``balance of total``, ``placebo cutoff 3,750``, ``placebo year 2018``,
    ``placebo outcome rainfall_mm``, ``2 placebo check(s)``.
    """
    if m := re.fullmatch(r"balance of (\w+)", name):
        return _("balance of {covariate}", covariate=covariate_text(m[1]))
    if m := re.fullmatch(r"placebo cutoff ([\d,]+)", name):
        return _("placebo cutoff {cutoff}", cutoff=i18n.number(int(m[1].replace(",", ""))))
    if m := re.fullmatch(r"placebo year (\d+)", name):
        return _("placebo year {year}", year=m[1])
    if m := re.fullmatch(r"placebo outcome (\w+)", name):
        return _("placebo outcome {outcome}", outcome=outcome_label(m[1]))
    if m := re.fullmatch(r"(\d+) placebo check\(s\)", name):
        return i18n.ngettext("{n} placebo check", "{n} placebo checks", int(m[1]))
    return None


def check_text(name: str) -> str:
    """A check's name as the verdict names it in the report's language.

    The name is a code of ``failed_checks``, the same in every language; an unknown name is
    shown as it is.
    """
    if name in CHECK_TEXT:
        return _(CHECK_TEXT[name])
    worded = _check_with_value(name)
    return name if worded is None else worded


DEMO_LINE = N_(
    "**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**"
)
"""The loud line opening a verdict on demo data (message id)."""


def verdict(
    estimate: Estimate,
    *,
    outcome_label: str = "",
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

    In the report's language.

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
    u = unit_label
    outcome = outcome_label or _("the outcome")
    lines = []
    if demo:
        lines.append(_(DEMO_LINE))
    lines += _caution_lines(estimate, flags, cautions)
    if not flags["has_inference"]:
        lines.append(
            _(
                "The estimate for {outcome} is {estimate}, but the data do not allow an interval "
                "to be estimated ({reason}); nothing can be concluded about its direction.",
                outcome=outcome,
                estimate=_v(estimate.estimate, u),
                reason=notes_text(estimate.notes) or _("no valid inference"),
            )
        )
        return "\n\n".join(lines)
    values = {
        "outcome": outcome,
        "estimate": _v(estimate.estimate, u),
        "low": _v(estimate.ci_low),
        "high": _v(estimate.ci_high, u),
    }
    if flags["direction"] != 0:
        higher = flags["direction"] > 0
        if design == "did":
            text = (
                _(
                    "In funded authorities, {outcome} ended up higher than the comparison group "
                    "predicts: the estimate is {estimate}, and the data are consistent with a "
                    "difference between {low} and {high} (95% interval). This holds only if, "
                    "without the funding, both groups would have followed parallel paths; it is "
                    "an estimate, not proof.",
                    **values,
                )
                if higher
                else _(
                    "In funded authorities, {outcome} ended up lower than the comparison group "
                    "predicts: the estimate is {estimate}, and the data are consistent with a "
                    "difference between {low} and {high} (95% interval). This holds only if, "
                    "without the funding, both groups would have followed parallel paths; it is "
                    "an estimate, not proof.",
                    **values,
                )
            )
        else:
            text = (
                _(
                    "At the threshold, {outcome} was higher on the funded side: the estimate is "
                    "{estimate}, and the data are consistent with a difference between {low} and "
                    "{high} (95% interval). This holds only if authorities just below and just "
                    "above the threshold would otherwise have fared alike (and the estimate "
                    "applies to authorities near the threshold only); it is an estimate, not "
                    "proof.",
                    **values,
                )
                if higher
                else _(
                    "At the threshold, {outcome} was lower on the funded side: the estimate is "
                    "{estimate}, and the data are consistent with a difference between {low} and "
                    "{high} (95% interval). This holds only if authorities just below and just "
                    "above the threshold would otherwise have fared alike (and the estimate "
                    "applies to authorities near the threshold only); it is an estimate, not "
                    "proof.",
                    **values,
                )
            )
        lines.append(text)
    elif flags["interval_direction"] != 0:
        lines.append(
            _(
                "The estimate for {outcome} is {estimate} (95% interval {low} to {high}), but no "
                "direction is claimed because the checks above failed.",
                **values,
            )
            if flags["descriptive_only"]
            else _(
                "The estimate for {outcome} is {estimate} (95% interval {low} to {high}), but no "
                "direction is claimed because after correcting for several outcomes the p-value "
                "is {p}.",
                p=i18n.p_value(adjusted_pvalue),
                **values,
            )
        )
    else:
        lines.append(
            _(
                "No effect on {outcome} was detected: the estimate is {estimate} and the 95% "
                "interval runs between {low} and {high}. This is *not* evidence that the funding "
                "had no effect — effects anywhere in that range are compatible with the data.",
                **values,
            )
        )
    if adjusted_pvalue is not None and np.isfinite(adjusted_pvalue):
        lines.append(
            _(
                "Across the outcomes tested, the adjusted p-value is {p} ({adjustment}).",
                p=i18n.p_value(adjusted_pvalue),
                adjustment=adjustment,
            )
            if adjustment
            else _(
                "Across the outcomes tested, the adjusted p-value is {p}.",
                p=i18n.p_value(adjusted_pvalue),
            )
        )
    if honest is not None and flags["interval_direction"] != 0:
        lines.append(_honest_line(honest, u))
    if estimate.notes and not estimate.extra.get("descriptive_only"):
        lines.append(_("Note on inference: {note}.", note=notes_text(estimate.notes)))
    lines += _mde_lines(mde, u)
    return "\n\n".join(lines)


def _caution_lines(
    estimate: Estimate, flags: Mapping[str, Any], cautions: Sequence[str]
) -> list[str]:
    """The verdict's caution (``cautions`` first, then what failed); none when nothing failed."""
    warn = list(cautions)
    if estimate.extra.get("descriptive_only") and estimate.notes:
        warn.append(notes_text(estimate.notes))
    if flags["failed_checks"]:
        checks = ", ".join(map(check_text, flags["failed_checks"]))
        warn.append(_("these checks failed: {checks}", checks=checks))
    if not (warn or flags["descriptive_only"]):
        return []
    warn = warn or [_("the design's checks do not support a claim")]
    return [
        _(
            "**Caution:** {warnings}. Treat the estimate below as descriptive only.",
            warnings="; ".join(warn),
        )
    ]


def _honest_line(honest: Any, u: str) -> str:
    """The verdict's sentence on the HonestDiD sensitivity ``honest`` (its breakdown value)."""
    b = honest.breakdown
    if b is not None and np.isfinite(b):
        return _(
            "Sensitivity (HonestDiD): the average post-period effect stays away from zero "
            "only if the differential trend bends by less than {breakdown} per year² "
            "(breakdown value M).",
            breakdown=_v(b, u, 3),
        )
    return _(
        "Sensitivity (HonestDiD): the effect stays away from zero for every trend "
        "violation on the grid tried."
    )


def _mde_value(mde: MinimumDetectableEffect | float | None) -> float:
    if mde is None:
        return float("nan")
    return mde.mde if isinstance(mde, MinimumDetectableEffect) else float(mde)


def _mde_lines(mde: MinimumDetectableEffect | float | None, u: str) -> list[str]:
    """The verdict's closing sentence on the minimum detectable effect (none without one)."""
    m = _mde_value(mde)
    if not np.isfinite(m):
        return []
    return [
        _(
            "With this design, only effects of about {mde} or larger would be detected reliably "
            "({power} power, {alpha} significance, by simulation); smaller effects could easily "
            "go unnoticed.",
            mde=_v(m, u),
            power=i18n.percent(0.8, 0),
            alpha=i18n.percent(0.05, 0),
        )
    ]


def pre_period_verdict(
    placebo: Estimate,
    *,
    placebo_year: int,
    data_last_year: int,
    programme_start: int = PROGRAMME_START_YEAR,
    outcome_label: str = "",
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
    u = unit_label
    values = {
        "year": placebo_year,
        "outcome": outcome_label or _("the outcome"),
        "estimate": _v(placebo.estimate, u),
        "low": _v(placebo.ci_low),
        "high": _v(placebo.ci_high),
    }
    lines = [
        _(
            "**No effect of the programme can be estimated from these data.** They end in "
            "{last_year}; the consolidated regime started in {start}, so no outcome after the "
            "start of the programme is in the data. What follows only checks whether a later "
            "before/after comparison of these groups would be credible.",
            last_year=data_last_year,
            start=programme_start,
        )
    ]
    if placebo.direction != 0:
        lines.append(
            _(
                "At the placebo year {year} the two groups already drifted apart: the placebo "
                "'effect' on {outcome} is {estimate} (95% interval {low} to {high}) although "
                "nothing happened then. A simple difference-in-differences on this outcome would "
                "mix such drifts with any real effect; it would need a better comparison group "
                "(or a design that models the trends).",
                **values,
            )
        )
    elif not np.isfinite(placebo.ci_low):
        lines.append(
            _(
                "At the placebo year {year} the placebo estimate is {estimate}, but no interval "
                "could be estimated ({reason}), so whether the groups drifted apart cannot be "
                "said.",
                reason=notes_text(placebo.notes) or _("no valid inference"),
                **values,
            )
        )
    else:
        lines.append(
            _(
                "At the placebo year {year} no divergence was detected (placebo estimate "
                "{estimate}, 95% interval {low} to {high}). That is consistent with parallel "
                "trends, but it does not prove them.",
                **values,
            )
        )
    if pretrend_pvalue is not None and np.isfinite(pretrend_pvalue):
        lines.append(
            _(
                "Year by year before {year}, the groups' paths differ (joint test p = {p}).",
                year=placebo_year,
                p=i18n.p_value(pretrend_pvalue),
            )
            if pretrend_pvalue < alpha
            else _(
                "Year by year before {year}, the groups' paths do not clearly differ (joint "
                "test p = {p}).",
                year=placebo_year,
                p=i18n.p_value(pretrend_pvalue),
            )
        )
    m = _mde_value(mde)
    if np.isfinite(m):
        lines.append(
            _(
                "A future evaluation with this design could reliably detect only effects of "
                "about {mde} or more ({power} power, {alpha} significance).",
                mde=_v(m, u),
                power=i18n.percent(0.8, 0),
                alpha=i18n.percent(0.05, 0),
            )
        )
    return "\n\n".join(lines)


def synthetic_verdict(
    sc: SyntheticControl,
    *,
    outcome_label: str = "",
    unit_label: str = "",
    place: str = "",
    demo: bool = False,
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a synthetic control: fit first, then the placebo rank.

    A gap is only called a possible effect when the pre-period fit is good and the
    in-space placebo p-value is small; the placebo-SE interval is reported as secondary.
    """
    u = unit_label
    place = place or _("the authority")
    outcome = outcome_label or _("the outcome")
    lines = []
    if demo:
        lines.append(_(DEMO_LINE))
    if sc.extra.get("poor_fit"):
        lines.append(
            _(
                "**Caution:** the synthetic control does not reproduce the path of {place} "
                "before funding (pre-period RMSPE {rmspe}, more than twice the donors' typical "
                "{typical}), so its later gap cannot be read as an effect.",
                place=place,
                rmspe=_v(sc.pre_rmspe, u),
                typical=_v(sc.extra["median_placebo_pre_rmspe"]),
            )
        )
        return "\n\n".join(lines)
    p = sc.placebo_pvalue
    flags = synthetic_flags(sc, alpha=alpha)
    values = {"outcome": outcome, "place": place, "rmspe": _v(sc.pre_rmspe, u)}
    if flags["effect_claimed"]:
        lines.append(
            _(
                "After funding started, {outcome} in {place} was on average {gap} higher than "
                "its synthetic control (a weighted mix of never-funded authorities that tracked "
                "it before; pre-period RMSPE {rmspe}).",
                gap=_v(abs(sc.att), u),
                **values,
            )
            if sc.att > 0
            else _(
                "After funding started, {outcome} in {place} was on average {gap} lower than "
                "its synthetic control (a weighted mix of never-funded authorities that tracked "
                "it before; pre-period RMSPE {rmspe}).",
                gap=_v(abs(sc.att), u),
                **values,
            )
        )
    else:
        lines.append(
            _(
                "After funding started, {outcome} in {place} was on average {gap} away from its "
                "synthetic control (a weighted mix of never-funded authorities that tracked it "
                "before; pre-period RMSPE {rmspe}).",
                gap=_sv(sc.att, u),
                **values,
            )
        )
    if flags["effect_claimed"]:
        lines.append(
            _(
                "Gaps this large relative to the pre-period fit are rare among unfunded donors "
                "(placebo p = {p}; approximate 95% interval {low} to {high}). That is consistent "
                "with an effect of the funding.",
                p=i18n.p_value(p),
                low=_v(sc.ci_low),
                high=_v(sc.ci_high, u),
            )
        )
    elif flags["placebo_rejects"]:
        if np.isfinite(sc.ci_low):
            lines.append(
                _(
                    "Gaps this large relative to the pre-period fit are rare among unfunded "
                    "donors (placebo p = {p}), but no effect is claimed because the approximate "
                    "95% interval ({low} to {high}) includes zero.",
                    p=i18n.p_value(p),
                    low=_v(sc.ci_low),
                    high=_v(sc.ci_high, u),
                )
            )
        else:
            lines.append(
                _(
                    "Gaps this large relative to the pre-period fit are rare among unfunded "
                    "donors (placebo p = {p}), but no effect is claimed because no interval could "
                    "be computed for the size of the gap.",
                    p=i18n.p_value(p),
                )
            )
    elif sc.extra.get("inference_withheld"):
        lines.append(
            _(
                "No effect can be claimed: this design gives no valid test of the gap (see the "
                "note on the main analysis), so it is descriptive; compare it with the donors' "
                "placebo gaps in the figure. This does not show that the funding had no effect."
            )
        )
    else:
        minp = sc.extra.get("min_pvalue", float("nan"))
        if np.isfinite(minp) and minp > alpha:
            lines.append(
                _(
                    "No effect can be claimed: unfunded donors show gaps as large relative to "
                    "their fit (placebo p = {p}). With {donors} donors the smallest possible "
                    "p-value is {min_p}. This does not show that the funding had no effect.",
                    p=i18n.p_value(p),
                    donors=i18n.number(len(sc.placebos)),
                    min_p=i18n.number(minp, 3),
                )
            )
        else:
            lines.append(
                _(
                    "No effect can be claimed: unfunded donors show gaps as large relative to "
                    "their fit (placebo p = {p}). This does not show that the funding had no "
                    "effect.",
                    p=i18n.p_value(p),
                )
            )
    lines.append(
        _(
            "One authority cannot separate the plan from anything else that happened in {place} "
            "at the same time.",
            place=place,
        )
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
    """Plain-language reading of the threshold's support and density without outcome or funding.

    Used when no outcome or funding table exists: what the counts show, and that no effect can be
    estimated.
    """
    lines = [
        _(
            "**No effect at the threshold can be estimated from these data**: they hold no "
            "outcomes after the plan started and no funding table. What follows describes the "
            "counts only."
        ),
        _(
            "In {year}, {below} applicants lie within {window} below and {above} within "
            "{window} above {threshold} residents ({counts}), of {n} applicants.",
            year=year,
            below=i18n.number(near["below"]),
            above=i18n.number(near["above"]),
            window=i18n.number(window),
            threshold=i18n.number(threshold),
            counts=counts_label,
            n=i18n.number(near["n"]),
        ),
    ]
    if min(near["below"], near["above"]) < 10:
        lines.append(
            _(
                "That is too few on at least one side for a regression discontinuity: any "
                "future estimate at this threshold would rest on a handful of authorities and be "
                "descriptive only."
            )
        )
    if density is None:
        lines.append(
            _(
                "The density test could not be run ({reason}).",
                reason=density_note or _("too few units"),
            )
        )
    else:
        p = float(density["pvalue"])
        lines.append(
            _(
                "The density of log(count) jumps at the threshold, which could mean sorting (or "
                "a lumpy distribution of few authorities) (p = {p}).",
                p=i18n.p_value(p),
            )
            if np.isfinite(p) and p < alpha
            else _(
                "The density of log(count) shows no clear jump at the threshold (p = {p}).",
                p=i18n.p_value(p),
            )
        )
    return "\n\n".join(lines)


def synthetic_pre_period_verdict(
    sc: SyntheticControl,
    *,
    placebo_year: int,
    data_last_year: int,
    programme_start: int = PROGRAMME_START_YEAR,
    outcome_label: str = "",
    unit_label: str = "",
    place: str = "",
    alpha: float = 0.05,
) -> str:
    """Plain-language reading of a synthetic control at a *placebo* year before the programme.

    Whether the synthetic twin keeps tracking the authority when nothing happened.
    """
    u = unit_label
    place = place or _("the authority")
    outcome = outcome_label or _("the outcome")
    lines = [
        _(
            "**No effect of the programme can be estimated from these data.** They end in "
            "{last_year}; the consolidated regime started in {start}. This is a pre-period check "
            "at the placebo year {year}, when nothing happened.",
            last_year=data_last_year,
            start=programme_start,
            year=placebo_year,
        ),
    ]
    if sc.extra.get("poor_fit"):
        lines.append(
            _(
                "The synthetic control does not reproduce the path of {place} before {year} "
                "(pre-period RMSPE {rmspe}, more than twice the donors' typical {typical}): a "
                "synthetic control on {outcome} would not be credible for this authority.",
                place=place,
                year=placebo_year,
                rmspe=_v(sc.pre_rmspe, u),
                typical=_v(sc.extra["median_placebo_pre_rmspe"]),
                outcome=outcome,
            )
        )
        return "\n\n".join(lines)
    p = sc.placebo_pvalue
    if sc.extra.get("inference_withheld"):
        lines.append(
            _(
                "After the placebo year the mean gap between {place} and its synthetic control is "
                "{gap} (pre-period RMSPE {rmspe}). This design gives no valid test of whether "
                "that is more than donors show (see the note on the main analysis): compare it "
                "with the donors' placebo gaps in the figure.",
                place=place,
                gap=_sv(sc.att, u),
                rmspe=_v(sc.pre_rmspe, u),
            )
        )
    elif np.isfinite(p) and p <= alpha:
        lines.append(
            _(
                "After the placebo year the synthetic control drifts away from {place} (mean gap "
                "{gap}, placebo p = {p}) although nothing happened: a later synthetic control on "
                "{outcome} would mix such drifts with any effect.",
                place=place,
                gap=_sv(sc.att, u),
                p=i18n.p_value(p),
                outcome=outcome,
            )
        )
    else:
        lines.append(
            _(
                "After the placebo year the gap between {place} and its synthetic control stays "
                "within what donors show (mean gap {gap}, placebo p = {p}; pre-period RMSPE "
                "{rmspe}). That is consistent with a usable comparison, not proof of one.",
                place=place,
                gap=_sv(sc.att, u),
                p=i18n.p_value(p),
                rmspe=_v(sc.pre_rmspe, u),
            )
        )
    return "\n\n".join(lines)
