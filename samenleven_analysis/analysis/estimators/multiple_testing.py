"""Multiple-testing correction across outcomes (family-wise error rate).

Romano & Wolf (2005) step-down on the *joint* randomisation distribution when every estimate
comes from the same permutations (C–S randomisation inference on the same units, cohorts and
seed: the permutation draws are shared, so their dependence across outcomes is kept); Holm
(1979) otherwise (valid under any dependence, more conservative).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from samenleven_analysis.analysis.estimators.common import Estimate

__all__ = ["FLANDERS_FWER", "adjust_pvalues", "holm", "romano_wolf"]

FLANDERS_FWER: dict[tuple[str, int], tuple[float, float]] = {
    ("level", 6): (0.073, 0.015),
    ("level", 28): (0.063, 0.014),
    ("rate", 6): (0.047, 0.012),
    ("rate", 28): (0.047, 0.012),
}
"""(outcome kind, funded) → (family-wise error rate, MC s.e.) of the impact notebook's table of
three outcomes with no effect, Romano–Wolf on the shared randomisation distribution, in the
Flanders-like scenarios ``flanders_{kind}_{n}_null`` (300 draws; unadjusted, at least one
p < 0.05 in 11–15% of draws). Measured by
:func:`samenleven_analysis.bench.simulation.multiple_outcome_fwer`; docs/inference.md."""


def holm(pvalues: Mapping[str, float]) -> dict[str, float]:
    """Holm step-down adjusted p-values (NaN stays NaN and does not count)."""
    items = [(k, p) for k, p in pvalues.items() if np.isfinite(p)]
    order = sorted(items, key=lambda kv: kv[1])
    m, out, running = len(order), {k: float("nan") for k in pvalues}, 0.0
    for i, (k, p) in enumerate(order):
        running = max(running, min(1.0, (m - i) * p))
        out[k] = running
    return out


def romano_wolf(observed: Mapping[str, float], null: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Romano–Wolf step-down p-values from joint null draws (one row per shared permutation).

    Statistics are standardised by each outcome's null spread, so outcomes on different
    scales are comparable; ``p_j = (1 + #max_{k in remaining} |t*_k| >= |t_j|) / (1 + R)``,
    made monotone along the step-down order.
    """
    names = list(observed)
    z = {k: np.asarray(null[k], float) for k in names}
    sd = {k: float(np.std(z[k])) or 1.0 for k in names}
    t_obs = {k: abs(observed[k]) / sd[k] for k in names}
    t_null = np.column_stack([np.abs(z[k]) / sd[k] for k in names])
    order = sorted(range(len(names)), key=lambda j: -t_obs[names[j]])
    out, running = {}, 0.0
    for step, j in enumerate(order):
        rest = order[step:]
        mx = t_null[:, rest].max(axis=1)
        p = (1 + np.sum(mx >= t_obs[names[j]] - 1e-12)) / (1 + len(mx))
        running = max(running, float(p))
        out[names[j]] = running
    return out


def adjust_pvalues(estimates: Mapping[str, Estimate | None]) -> pd.DataFrame:
    """Adjusted p-values across outcomes.

    Romano–Wolf when the estimates share one randomisation distribution, else Holm. One row per
    outcome: ``pvalue``, ``pvalue_adjusted``, ``method`` (the code ``"romano_wolf"``: step-down on
    the joint randomisation distribution, or ``"holm"``: Holm step-down). Estimates without a
    p-value keep NaN.
    """
    ests = {k: e for k, e in estimates.items() if e is not None}
    keys = {e.extra.get("ri_key") for e in ests.values()}
    shared = (
        len(ests) > 1
        and None not in keys
        and len(keys) == 1
        and all(np.isfinite(e.pvalue) for e in ests.values())
    )
    if shared:
        adj = romano_wolf(
            {k: e.extra.get("ri_stat", e.estimate) for k, e in ests.items()},
            {k: e.extra["ri_null"] for k, e in ests.items()},
        )
        how = "romano_wolf"
    else:
        adj = holm({k: e.pvalue for k, e in ests.items()})
        how = "holm"
    return pd.DataFrame(
        {
            "outcome": list(ests),
            "pvalue": [e.pvalue for e in ests.values()],
            "pvalue_adjusted": [adj[k] for k in ests],
            "method": how,
        }
    )
