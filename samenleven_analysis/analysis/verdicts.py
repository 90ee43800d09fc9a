"""Plain-language verdicts: cautious readings of estimates that say no more than the data allow."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from samenleven_analysis.analysis.estimators.common import (  # noqa: F401
    Estimate,
    MinimumDetectableEffect,
    SyntheticControl,
    _fmt_p,
)


def verdict(
    estimate: Estimate,
    *,
    outcome_label: str = "the outcome",
    unit_label: str = "",
    pretrend_pvalue: float | None = None,
    mde: MinimumDetectableEffect | float | None = None,
    placebo_pvalues: Sequence[float] | None = None,
    demo: bool = False,
    alpha: float = 0.05,
    design: str = "did",
    cautions: Sequence[str] = (),
) -> str:
    """A plain-language, deliberately cautious reading of an estimate (Markdown).

    ``design`` (``"did"`` or ``"rdd"``) chooses how the comparison and its key assumption
    are described; ``cautions`` are extra warnings put first (e.g. too few units near
    a cutoff).

    Never claims proof or causation beyond the design's assumptions: it states the
    interval, says "no effect detected" (not "no effect") when the interval includes zero,
    names the smallest effect the design could reliably detect, and puts a failed
    pre-trend or placebo check first.
    """
    u = f" {unit_label}" if unit_label else ""
    lo, hi = estimate.ci_low, estimate.ci_high
    lines = []
    if demo:
        lines.append("**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**")
    if design not in ("did", "rdd"):
        raise ValueError(f"design must be 'did' or 'rdd', not {design!r}")
    warn = list(cautions)
    if pretrend_pvalue is not None and np.isfinite(pretrend_pvalue) and pretrend_pvalue < alpha:
        warn.append(
            f"before funding started, funded and comparison authorities already moved differently "
            f"(joint pre-trend test p = {_fmt_p(pretrend_pvalue)}), so the comparison is doubtful"
        )
    if placebo_pvalues is not None:
        bad = [p for p in placebo_pvalues if p is not None and np.isfinite(p) and p < alpha]
        if bad:
            warn.append(f"{len(bad)} placebo check(s) found an 'effect' where there should be none")
    if warn:
        lines.append("**Caution:** " + "; ".join(warn) + ". Treat the estimate below as descriptive only.")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lines.append(f"The data do not allow an interval for {outcome_label} to be estimated.")
        return "\n\n".join(lines)
    rng = f"between {lo:.2f} and {hi:.2f}{u}"
    if design == "did":
        where = f"In funded authorities, {outcome_label} ended up {{direction}} than the comparison group predicts"
        assumption = ", without the funding, both groups would have followed parallel paths"
    else:
        where = f"At the threshold, {outcome_label} was {{direction}} on the funded side"
        assumption = (
            " authorities just below and just above the threshold would otherwise have fared alike "
            "(and the estimate applies to authorities near the threshold only)"
        )
    if lo > 0 or hi < 0:
        direction = "higher" if lo > 0 else "lower"
        lines.append(
            where.format(direction=direction)
            + f": the estimate is {estimate.estimate:.2f}{u}, and the data are consistent with a "
            f"difference {rng} (95% interval). This holds only if{assumption}; it is an estimate, "
            "not proof."
        )
    else:
        lines.append(
            f"No effect on {outcome_label} was detected: the estimate is {estimate.estimate:.2f}{u} and "
            f"the 95% interval runs {rng}. This is *not* evidence that the funding had no effect — "
            f"effects anywhere in that range are compatible with the data."
        )
    if mde is not None:
        m = mde.mde if isinstance(mde, MinimumDetectableEffect) else float(mde)
        if np.isfinite(m):
            lines.append(
                f"With this design, only effects of about {m:.2f}{u} or larger would be detected reliably "
                "(80% power, 5% significance); smaller effects could easily go unnoticed."
            )
    return "\n\n".join(lines)


def pre_period_verdict(
    placebo: Estimate,
    *,
    placebo_year: int,
    data_last_year: int,
    programme_start: int = 2022,
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
    diverged = np.isfinite(placebo.ci_low) and (placebo.ci_low > 0 or placebo.ci_high < 0)
    if diverged:
        lines.append(
            f"At the placebo year {placebo_year} the two groups already drifted apart: the placebo "
            f"'effect' on {outcome_label} is {placebo.estimate:.2f}{u} (95% interval {placebo.ci_low:.2f} "
            f"to {placebo.ci_high:.2f}) although nothing happened then. A simple difference-in-differences "
            "on this outcome would mix such drifts with any real effect; it would need a better "
            "comparison group (or a design that models the trends)."
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
            f"Year by year before {placebo_year}, the groups' paths {word} (joint test p = {_fmt_p(pretrend_pvalue)})."
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
        lines.append("**DEMO DATA — this verdict is about fictional Demoland, not about any real municipality.**")
    if sc.extra.get("poor_fit"):
        lines.append(
            f"**Caution:** the synthetic control does not reproduce {place}'s path before funding "
            f"(pre-period RMSPE {sc.pre_rmspe:.2f}{u}, more than twice the donors' typical "
            f"{sc.extra['median_placebo_pre_rmspe']:.2f}), so its later gap cannot be read as an effect."
        )
        return "\n\n".join(lines)
    direction = "higher" if sc.att > 0 else "lower"
    lines.append(
        f"After funding started, {outcome_label} in {place} was on average {abs(sc.att):.2f}{u} {direction} "
        f"than in its synthetic control (a weighted mix of never-funded authorities that tracked it "
        f"before; pre-period RMSPE {sc.pre_rmspe:.2f}{u})."
    )
    p = sc.placebo_pvalue
    if np.isfinite(p) and p <= alpha:
        lines.append(
            f"Gaps this large relative to the pre-period fit are rare among unfunded donors (placebo "
            f"p = {_fmt_p(p)}; approximate 95% interval {sc.ci_low:.2f} to {sc.ci_high:.2f}{u}). That is "
            "consistent with an effect of the funding."
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
            f"(placebo p = {_fmt_p(p)}).{extra} This does not show that the funding had no effect."
        )
    lines.append(f"One authority cannot separate the plan from anything else that happened in {place} at the same time.")
    return "\n\n".join(lines)
