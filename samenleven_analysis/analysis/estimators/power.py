"""Power of the staggered design by simulation in the actual pre-programme panel.

Instead of ``(z_{1−α/2} + z_{power}) × SE`` (which mixed a TWFE SE with a C–S estimate and
ignored the few-treated inference), effects are *planted* in real pre-programme outcomes and
the actual estimator with its actual inference rule (:func:`staggered_did`, few-treated rule
included) is run on each draw:

* the actual treated units keep their cohort pattern, shifted back so that their last
  cohort's post years end at the last pre-programme year (fake start years ``s`` vary over
  every feasible year: each draw picks one);
* each draw resamples the comparison units with replacement (cluster bootstrap of the
  controls) — the only randomness a single realised panel offers;
* an effect ``δ`` is added to the treated units' (fake) post cells; power = share of draws
  with ``p < α``. The MDE is the smallest ``δ`` on the grid (linearly interpolated) with
  power ≥ ``power``; NaN if the grid never gets there;
* at ``δ = 0`` the share of rejections is the test's size in this panel: when it exceeds ``α``
  by more than twice its Monte Carlo error, the treated units' pre-programme path differs from
  the comparison units' and the MDE is NaN (``null_holds`` False, ``null_rejection`` the rate).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from samenleven_analysis.analysis.estimators.common import (
    Estimate,
    MinimumDetectableEffect,
    check_columns,
    fact,
    normalise_cohort,
    studentised_ri_pvalues,
)
from samenleven_analysis.analysis.estimators.staggered import staggered_did
from samenleven_analysis.facts import DEFAULT_SEED

__all__ = ["minimum_detectable_effect", "power_by_simulation"]


def power_by_simulation(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    programme_start: int,
    *,
    cluster: str | None = None,
    effects: list[float] | np.ndarray | None = None,
    draws: int = 40,
    alpha: float = 0.05,
    power: float = 0.8,
    post_periods: int | None = None,
    reps: int = 199,
    seed: int = DEFAULT_SEED,
) -> MinimumDetectableEffect:
    """Power curve and MDE of :func:`staggered_did` for the actual treated group (see module).

    ``post_periods`` (default: the years from the first cohort to the panel's end, at most
    half the pre-programme years) fixes how many fake post years the latest cohort gets.
    ``effects`` defaults to 0, ½, 1, 1½, 2, 3 × the half-width of the placebo interval.
    ``reps`` permutations per draw when randomisation inference applies.
    """
    check_columns(panel, [outcome, unit, time, cohort])
    t = pd.to_numeric(panel[time])
    pre = panel[t < programme_start].copy()
    coh = normalise_cohort(panel[cohort])
    units = panel.assign(_c=coh).drop_duplicates(unit).set_index(unit)["_c"]
    treated = units.dropna()
    if treated.empty:
        raise ValueError("no treated units")
    years = np.sort(pd.to_numeric(pre[time]).unique())
    offsets = (treated - treated.min()).astype(int)
    k_post = post_periods or max(1, int(t.max() - treated.max() + 1))
    k_post = min(k_post, max(1, len(years) // 2))
    last_start = int(years[-1]) - int(offsets.max()) - k_post + 1
    starts = [int(s) for s in years if years[0] + 2 <= s <= last_start]
    if not starts:
        raise ValueError("too few pre-programme years to plant effects")
    rng = np.random.default_rng(seed)
    controls = units.index[units.isna()].to_numpy()
    pre = pre[pd.to_numeric(pre[time]) <= last_start + offsets.max() + k_post - 1]
    plan = [
        (int(rng.choice(starts)), rng.choice(controls, size=len(controls), replace=True))
        for _ in range(int(draws))
    ]
    cols = [unit, time, outcome] + ([cluster] if cluster else [])
    tr_rows = pre[pre[unit].isin(offsets.index)][cols].copy()
    tr_fake = tr_rows[unit].map(offsets).to_numpy(dtype=float)
    tr_time = pd.to_numeric(tr_rows[time]).to_numpy()
    tr_y = tr_rows[outcome].to_numpy()
    # row positions of each unit (in the order of ``pre``): resampled comparison panels are
    # taken by position instead of concatenating one frame per unit
    pre_cols = pre[cols].reset_index(drop=True)
    rows_of = {u: np.asarray(ix) for u, ix in pre_cols.groupby(unit, sort=False).indices.items()}

    def panel_for(start: int, ctrl: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """The draw's panel without planted effect, and the mask of its treated post cells.

        Built once per draw and reused for every effect: only the outcome changes.
        """
        fake = start + tr_fake
        treated_part = tr_rows.assign(_fake=fake)
        ctrl_part = pre_cols.iloc[np.concatenate([rows_of[u] for u in ctrl])].reset_index(drop=True)
        sizes = [len(rows_of[u]) for u in ctrl]
        tag = np.repeat(np.arange(len(ctrl)), sizes).astype(str)
        ctrl_part[unit] = ctrl_part[unit].astype(str) + "#b" + tag
        if cluster is not None:
            ctrl_part[cluster] = ctrl_part[cluster].astype(str) + "#b" + tag
        ctrl_part["_fake"] = np.nan
        sim = pd.concat([treated_part, ctrl_part], ignore_index=True)
        mask = np.zeros(len(sim), dtype=bool)
        mask[: len(tr_rows)] = tr_time >= fake
        return sim, mask

    def fit(delta: float, sim: pd.DataFrame, mask: np.ndarray, k: int):
        sim = sim.copy()
        y = sim[outcome].to_numpy(copy=True)
        y[: len(tr_y)] = tr_y + delta * mask[: len(tr_y)]
        sim[outcome] = y
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return staggered_did(
                sim,
                outcome,
                unit,
                time,
                "_fake",
                cluster=cluster,
                details=False,
                reps=reps,
                seed=seed + k,
                alpha=alpha,
            )

    def draw_pvalues(sim: pd.DataFrame, mask: np.ndarray, k: int, e0) -> np.ndarray:
        """The p-value of every planted effect in one draw.

        Under randomisation inference one fit serves them all (the studentised test of
        ``effect = −δ`` on the draw's own outcome, :func:`studentised_ri_pvalues`: same
        permutations, same p); otherwise one fit each.
        """
        if "ri_test" in e0.extra and np.isfinite(e0.pvalue):
            return studentised_ri_pvalues(*e0.extra["ri_test"], -np.asarray(effects))
        return np.array([e0.pvalue if d == 0.0 else fit(d, sim, mask, k).pvalue for d in effects])

    first = panel_for(*plan[0])
    base = fit(0.0, *first, 0)
    effects = _effects_to_plant(effects, base)
    # draw by draw: each draw's panel is built once for all effects; each p-value depends only
    # on (effect, draw), so the loop order does not change any of them
    ps = np.full((len(effects), len(plan)), np.nan)
    for k, draw in enumerate(plan):
        sim, mask = first if k == 0 else panel_for(*draw)
        ps[:, k] = draw_pvalues(sim, mask, k, base if k == 0 else fit(0.0, sim, mask, k))
    curve = _power_curve(effects, ps, alpha)
    null_rejection, null_holds = _size_at_zero(curve, alpha)
    mde = _crossing(curve, power) if null_holds else float("nan")
    return MinimumDetectableEffect(
        mde=mde,
        null_rejection=null_rejection,
        null_holds=null_holds,
        se=float("nan"),
        alpha=alpha,
        power=power,
        multiplier=float("nan"),
        n_treated=len(treated),
        n_control=len(controls),
        pre_periods=len(years),
        post_periods=k_post,
        method=fact(
            "mde_simulation",
            years=len(years),
            first_start=int(starts[0]),
            last_start=int(starts[-1]),
            draws=int(draws),
            estimator="callaway_santanna",
        ),
        curve=curve,
    )


def _effects_to_plant(effects, base: Estimate) -> list[float]:
    """``effects``, by default 0, ½, 1, 1½, 2, 3 × the half-width of the interval of ``base``."""
    if effects is None:
        half = (base.ci_high - base.ci_low) / 2
        if not np.isfinite(half) or half <= 0:
            raise ValueError("the placebo estimate has no interval: power cannot be simulated")
        effects = half * np.array([0, 0.5, 1, 1.5, 2, 3])
    return [float(d) for d in effects]


def _power_curve(effects: list[float], ps: np.ndarray, alpha: float) -> pd.DataFrame:
    """``effect, power, draws``: the share of draws (rows of ``ps``) with p < ``alpha``."""
    rows = []
    for j, delta in enumerate(effects):
        ok = np.isfinite(ps[j])
        rows.append(
            {
                "effect": delta,
                "power": float((ps[j][ok] < alpha).mean()) if ok.any() else np.nan,
                "draws": int(ok.sum()),
            }
        )
    return pd.DataFrame(rows)


def _size_at_zero(curve: pd.DataFrame, alpha: float) -> tuple[float, bool]:
    """Rejection rate with no planted effect, and whether it is within MC error of ``alpha``.

    At ``δ = 0`` the curve measures the test's size in this panel. A rate above
    ``α + 2·√(α(1−α)/draws)`` means the treated units already move apart from the resampled
    comparison units before the programme (a pre-trend), so the curve's rise cannot be read as
    power and no MDE is given. Without ``0`` on the grid, NaN and True (nothing to check).
    """
    zero = curve[curve.effect == 0.0]
    if zero.empty or not np.isfinite(zero.power.iloc[0]) or zero.draws.iloc[0] == 0:
        return float("nan"), True
    rate = float(zero.power.iloc[0])
    limit = alpha + 2 * np.sqrt(alpha * (1 - alpha) / int(zero.draws.iloc[0]))
    return rate, bool(rate <= limit)


def _crossing(curve: pd.DataFrame, power: float) -> float:
    """Smallest effect where the (monotonised) power curve reaches ``power``, interpolated."""
    c = curve.sort_values("effect")
    pw = np.maximum.accumulate(np.nan_to_num(c.power.to_numpy()))
    eff = c.effect.to_numpy()
    hit = np.flatnonzero(pw >= power)
    if len(hit) == 0:
        return float("nan")
    j = int(hit[0])
    if j == 0 or pw[j] == pw[j - 1]:
        return float(eff[j])
    return float(eff[j - 1] + (power - pw[j - 1]) * (eff[j] - eff[j - 1]) / (pw[j] - pw[j - 1]))


def minimum_detectable_effect(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    treatment_time: int,
    *,
    cluster: str | None = None,
    post_periods: int | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    cohort: str | None = None,
    draws: int = 40,
    seed: int = DEFAULT_SEED,
) -> MinimumDetectableEffect:
    """Smallest true effect the design would detect with probability ``power``, by simulation.

    Kept for existing callers: ``treated`` marks the treated units; their cohorts are
    ``cohort`` if given, else ``treatment_time`` for all (common timing). Delegates to
    :func:`power_by_simulation` with ``programme_start = treatment_time``.
    """
    check_columns(panel, [outcome, unit, time, treated])
    frame = panel.copy()
    if cohort is None:
        frame["_cohort"] = np.where(frame[treated].astype(bool), float(treatment_time), np.nan)
        cohort = "_cohort"
    return power_by_simulation(
        frame,
        outcome,
        unit,
        time,
        cohort,
        treatment_time,
        cluster=cluster,
        post_periods=post_periods,
        alpha=alpha,
        power=power,
        draws=draws,
        seed=seed,
    )
