"""The flags of the verdicts.

Which direction an estimate may be read in, which checks failed, whether a reading is descriptive
only. Pure computation; the prose that reads these flags is in
:mod:`samenleven_analysis.reports.verdicts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from samenleven_analysis.analysis.estimators.common import Estimate, SyntheticControl


def verdict_flags(
    estimate: Estimate,
    *,
    pretrend_pvalue: float | None = None,
    checks: Mapping[str, float] | None = None,
    placebo_pvalues: Sequence[float] | None = None,
    adjusted_pvalue: float | None = None,
    honest: Any = None,
    alpha: float = 0.05,
    descriptive_only: bool = False,
) -> dict[str, Any]:
    """What a verdict may say, as numbers and flags (the text only words these).

    ``direction``: +1/−1 only when the interval excludes zero, inference exists, no check
    failed, the estimate is not descriptive-only (thin support: ``estimate.extra`` or
    ``descriptive_only``) and, if given, the multiplicity-adjusted p-value is below
    ``alpha``; else 0; ``effect_claimed`` is ``direction != 0``. ``failed_checks``: names
    of the checks with p < ``alpha`` (pre-trend test, named ``checks``, unnamed placebos).
    """
    failed: list[str] = []
    if pretrend_pvalue is not None and np.isfinite(pretrend_pvalue) and pretrend_pvalue < alpha:
        failed.append("joint pre-trend test")
    for name, pv in (checks or {}).items():
        if pv is not None and np.isfinite(pv) and pv < alpha:
            failed.append(name)
    bad = [
        pv for pv in (placebo_pvalues or []) if pv is not None and np.isfinite(pv) and pv < alpha
    ]
    if bad:
        failed.append(f"{len(bad)} placebo check(s)")
    descriptive = (
        bool(descriptive_only) or bool(estimate.extra.get("descriptive_only")) or bool(failed)
    )
    adjusted_ok = adjusted_pvalue is None or (
        np.isfinite(adjusted_pvalue) and adjusted_pvalue < alpha
    )
    interval_dir = (
        estimate.direction if estimate.has_inference or np.isfinite(estimate.ci_low) else 0
    )
    direction = interval_dir if (not descriptive and adjusted_ok) else 0
    return {
        "direction": int(direction),
        "effect_claimed": bool(direction != 0),
        "interval_direction": int(interval_dir),
        "has_inference": bool(np.isfinite(estimate.ci_low) and np.isfinite(estimate.ci_high)),
        "failed_checks": failed,
        "descriptive_only": descriptive,
        "adjusted_ok": bool(adjusted_ok),
        "honest_breakdown": getattr(honest, "breakdown", None),
    }


def synthetic_flags(sc: SyntheticControl, *, alpha: float = 0.05) -> dict[str, Any]:
    """What the synthetic-control verdict may say.

    Its text and the machine-readable summary both read these: an effect is claimed only with a good
    pre-period fit, a placebo rank p-value ≤ ``alpha`` and an approximate interval that excludes
    zero.
    """
    p = sc.placebo_pvalue
    poor = bool(sc.extra.get("poor_fit"))
    rejects = bool(np.isfinite(p) and p <= alpha)
    excludes = bool(np.isfinite(sc.ci_low) and (sc.ci_low > 0 or sc.ci_high < 0))
    return {
        "poor_fit": poor,
        "placebo_rejects": rejects and not poor,
        "interval_excludes_zero": excludes,
        "effect_claimed": bool(not poor and rejects and excludes),
    }
