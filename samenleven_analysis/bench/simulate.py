"""Seeded data generators with a known planted effect, for estimator tests and the simulation study.

- :func:`simulate_panel`: staggered adoption (cohorts = first treated year, the rest never
  treated) with unit and year effects and AR(1) errors;
- :func:`simulate_rdd`: one row per authority with a running variable around a cutoff, sharp
  or fuzzy participation;
- :func:`simulate_factor_panel`: an interactive-fixed-effects (factor) model with one treated
  unit whose loadings lie inside the donors' convex hull (Abadie, Diamond & Hainmueller 2010).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from samenleven_analysis.data.files import DEMO_YEARS
from samenleven_analysis.facts import PROGRAMME_START_YEAR, THRESHOLD_RESIDENTS

_COHORTS = tuple(PROGRAMME_START_YEAR + k for k in range(3))
"""Simulated cohorts: the first three project years."""

__all__ = [
    "simulate_factor_panel",
    "simulate_flanders",
    "simulate_flanders_rdd",
    "simulate_panel",
    "simulate_rdd",
]


def simulate_panel(
    n_units: int = 60,
    years: Sequence[int] = DEMO_YEARS,
    cohorts: Sequence[int] = _COHORTS,
    share_treated: float = 0.45,
    effect: float = 2.0,
    *,
    dynamic: float = 0.0,
    rho: float = 0.3,
    sigma: float = 0.5,
    trend_sd: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Balanced staggered-adoption panel with a planted treatment effect.

    ``y_it = a_i + g_t + tau_it * D_it + e_it`` with unit effects ``a_i ~ N(0, 1)``, year
    effects ``g_t ~ N(0, 0.5)`` plus a linear trend, AR(1) errors (``rho``, innovation sd
    ``sigma``) and ``D_it = 1`` from the unit's cohort year on. ``tau_it = effect +
    dynamic * (t - cohort)``, so ``dynamic=0`` plants a constant effect ``effect``.
    ``trend_sd > 0`` adds unit-specific linear trends (a violation of parallel trends,
    useful to check that the pre-trend test notices).

    Returns columns ``unit`` (str), ``year`` (int), ``cohort`` (float, NaN = never
    treated), ``treated`` (ever treated, bool), ``post`` (year >= cohort, bool), ``d``
    (treated and post, int), ``y`` (float). ``frame.attrs["effect"]`` holds the true ATT
    over treated post-treatment cells (equal to ``effect`` when ``dynamic == 0``).
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years), dtype=int)
    n_t = len(years)
    n_treated = round(share_treated * n_units)
    cohort = np.full(n_units, np.nan)
    if n_treated:
        cohort[:n_treated] = np.asarray(cohorts, dtype=float)[np.arange(n_treated) % len(cohorts)]
    cohort = rng.permutation(cohort)
    a = rng.normal(0.0, 1.0, n_units)
    g = rng.normal(0.0, 0.5, n_t) + 0.1 * (years - years[0])
    slopes = rng.normal(0.0, trend_sd, n_units) if trend_sd > 0 else np.zeros(n_units)
    e = _ar1_errors(
        rng.normal(0.0, sigma / np.sqrt(max(1e-12, 1 - rho**2)), n_units),
        rho,
        rng.normal(0.0, sigma, (n_t - 1, n_units)),
    )
    rel, d = _adoption(years, cohort)
    tau = np.where(d, effect + dynamic * np.nan_to_num(rel), 0.0)
    y = a[:, None] + g[None, :] + slopes[:, None] * (years - years.mean())[None, :] + tau + e
    frame = _panel_frame("u", years, cohort, d, y)
    frame.attrs["effect"] = float(tau[d].mean()) if d.any() else float(effect)
    return frame


def simulate_rdd(
    n: int = 1000,
    cutoff: float = float(THRESHOLD_RESIDENTS),
    effect: float = 1.0,
    *,
    fuzzy: bool = False,
    spread: float = 5000.0,
    sigma: float = 0.5,
    p_below: float = 0.1,
    p_above: float = 0.85,
    seed: int = 0,
) -> pd.DataFrame:
    """Cross-section around a cutoff with a planted jump (sharp) or LATE (fuzzy).

    The running variable is uniform on ``cutoff ± spread``; the outcome is a smooth
    (quadratic) function of it plus ``effect`` for treated units plus N(0, sigma) noise;
    the covariate ``z`` is smooth through the cutoff (a balance check must find no jump).
    Sharp: treated = running >= cutoff (rdrobust's convention). Fuzzy: treated with
    probability ``p_above`` above and ``p_below`` below the cutoff, so the Wald/fuzzy RD
    estimand equals ``effect``. Columns: ``running``, ``above``, ``treated``, ``y``, ``z``.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(cutoff - spread, cutoff + spread, n)
    above = x >= cutoff
    if fuzzy:
        treated = rng.random(n) < np.where(above, p_above, p_below)
    else:
        treated = above.copy()
    s = (x - cutoff) / spread
    y = 1.0 + 0.8 * s - 0.5 * s**2 + effect * treated + rng.normal(0.0, sigma, n)
    z = 3.0 + 0.5 * s + rng.normal(0.0, 0.5, n)
    return _rdd_frame(x, above, treated, y, effect, z=z)


def simulate_flanders_rdd(
    n: int = 285,
    cutoff: float = THRESHOLD_RESIDENTS + 0.5,
    effect: float = 1.0,
    *,
    median: float = 3000.0,
    log_sd: float = 0.9,
    jump: float = 0.55,
    p_below: float = 0.15,
    sigma: float = 0.5,
    seed: int = 0,
) -> pd.DataFrame:
    """A Flanders-like threshold design with a planted jump at the cutoff.

    ``n`` authorities with log-normal (skewed) counts
    (median ``median``), so only a few lie above ``cutoff``; participation jumps by
    ``jump`` at the cutoff (from ``p_below``); the outcome rises with log size plus
    ``effect`` for participants plus N(0, ``sigma``). ``pre`` is a predetermined covariate
    smooth in log size (for window selection by balance). Columns ``running``, ``above``,
    ``treated``, ``y``, ``pre``; ``attrs['effect']``.
    """
    rng = np.random.default_rng(seed)
    x = np.round(np.exp(rng.normal(np.log(median), log_sd, n)))
    above = x >= cutoff
    treated = rng.random(n) < np.where(above, p_below + jump, p_below)
    lx = np.log(x / cutoff)
    y = 1.0 + 0.3 * lx + effect * treated + rng.normal(0.0, sigma, n)
    pre = 2.0 + 0.2 * lx + rng.normal(0.0, 0.5, n)
    return _rdd_frame(x, above, treated, y, effect, pre=pre)


def simulate_factor_panel(
    n_controls: int = 20,
    years: Sequence[int] = tuple(range(2006, 2026)),
    treatment_year: int = PROGRAMME_START_YEAR,
    effect: float = 1.0,
    *,
    n_factors: int = 2,
    sigma: float = 0.1,
    n_donors: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Factor-model panel with one treated unit (``"treated"``) and ``n_controls`` donors.

    ``y_jt = d_t + mu_j + lambda_j · f_t + e_jt`` with smooth common factors. The treated
    unit's ``mu`` and ``lambda`` are a convex combination of ``n_donors`` donors' (random
    Dirichlet weights), so a synthetic control exists; ``effect`` is added to the treated
    unit from ``treatment_year`` on. Columns ``unit``, ``year``, ``y``, ``treated`` (bool,
    the unit), ``post`` (bool). ``frame.attrs`` holds ``effect`` and ``true_weights``.
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years), dtype=int)
    n_t = len(years)
    tt = (years - years[0]) / max(1, n_t - 1)
    # Smooth factors (sines with random phase) plus a random walk: realistic co-movement.
    f = np.column_stack(
        [
            np.sin(2 * np.pi * (k + 1) * tt / 1.5 + rng.uniform(0, 2 * np.pi))
            for k in range(n_factors)
        ]
    ) + 0.3 * rng.normal(size=(n_t, n_factors)).cumsum(axis=0)
    lam = rng.normal(0.0, 1.0, (n_controls, n_factors))
    mu = rng.normal(10.0, 2.0, n_controls)
    donors = rng.choice(n_controls, size=n_donors, replace=False)
    w = np.zeros(n_controls)
    w[donors] = rng.dirichlet(np.ones(n_donors))
    lam_t, mu_t = w @ lam, w @ mu
    delta = 0.05 * (years - years[0])
    y_c = delta[None, :] + mu[:, None] + lam @ f.T + rng.normal(0.0, sigma, (n_controls, n_t))
    y_t = delta + mu_t + f @ lam_t + rng.normal(0.0, sigma, n_t)
    post = years >= treatment_year
    y_t = y_t + effect * post
    units = [f"c{j:02d}" for j in range(n_controls)] + ["treated"]
    y = np.vstack([y_c, y_t[None, :]])
    frame = pd.DataFrame(
        {
            "unit": np.repeat(units, n_t),
            "year": np.tile(years, n_controls + 1),
            "y": y.ravel(),
        }
    )
    frame["treated"] = frame["unit"].eq("treated")
    frame["post"] = frame["year"].ge(treatment_year)
    frame.attrs["effect"] = float(effect)
    frame.attrs["true_weights"] = {units[j]: float(w[j]) for j in np.flatnonzero(w)}
    return frame


def simulate_flanders(
    n_units: int = 300,
    years: Sequence[int] = tuple(range(2016, 2026)),
    n_treated: int = 30,
    cohorts: Sequence[int] = _COHORTS,
    effect: float = 1.0,
    *,
    dynamic: float = 0.25,
    cohort_scale: Sequence[float] = (1.5, 1.0, 0.5),
    trend: float = 0.0,
    rho: float = 0.4,
    sigma: float = 1.0,
    seed: int = 0,
    outcome: str = "rate",
) -> pd.DataFrame:
    """A Flemish-like panel: skewed sizes, funding concentrated in the largest authorities.

    ``outcome="rate"``: noise shrinks with size (a share or per-resident rate);
    ``"level"``: noise grows with size (``sigma × sqrt(size / median)``, a count), so the
    funded largest authorities are the noisiest. ``size_class``: size quintile (1–5);
    ``eligible``: more than :data:`~samenleven_analysis.facts.THRESHOLD_RESIDENTS` residents
    (1/0, about half the units) — the stratum of randomisation inference the notebooks use
    (``impact_did_report.ri_strata``), so the simulation study measures their scheme.

    Residents ~ log-normal (median ≈ 8,000, a long right tail); the ``n_treated`` largest are
    funded, cohorts assigned to them at random in equal shares. Noise shrinks with size
    (``sigma / sqrt(size / median)``: rates of big cities are precise), AR(1) with ``rho``.
    Effects are heterogeneous and dynamic — ``effect × cohort_scale[cohort] × (1 + dynamic ×
    years since start)`` — so TWFE's staggered-adoption bias shows; ``trend > 0`` gives the
    funded authorities an extra linear trend over all years (parallel trends fail).
    Columns as :func:`simulate_panel` plus ``size``; ``attrs["effect"]`` = the ATT over
    treated post cells (what C–S "simple", TWFE and pooled SDID target).
    """
    rng = np.random.default_rng(seed)
    years = np.asarray(list(years), dtype=int)
    n_t = len(years)
    size = np.exp(rng.normal(np.log(8000.0), 1.0, n_units))
    order = np.argsort(-size)
    cohort = np.full(n_units, np.nan)
    scale = np.zeros(n_units)
    if n_treated:
        labels = np.arange(n_treated) % len(cohorts)
        labels = rng.permutation(labels)
        cohort[order[:n_treated]] = np.asarray(cohorts, dtype=float)[labels]
        scale[order[:n_treated]] = np.asarray(cohort_scale, dtype=float)[labels]
    if outcome not in ("rate", "level"):
        raise ValueError(f"outcome must be 'rate' or 'level', not {outcome!r}")
    sd = sigma / np.sqrt(size / 8000.0) if outcome == "rate" else sigma * np.sqrt(size / 8000.0)
    a = rng.normal(0.0, 1.0, n_units)
    g = rng.normal(0.0, 0.3, n_t) + 0.05 * (years - years[0])
    e = _ar1_errors(
        rng.normal(0.0, 1.0, n_units) * sd / np.sqrt(1 - rho**2),
        rho,
        rng.normal(0.0, 1.0, (n_t - 1, n_units)) * sd,
    )
    rel, d = _adoption(years, cohort)
    tau = np.where(d, effect * scale[:, None] * (1 + dynamic * np.nan_to_num(rel)), 0.0)
    drift = trend * (~np.isnan(cohort))[:, None] * (years - years[0])[None, :]
    y = a[:, None] + g[None, :] + drift + tau + e
    frame = _panel_frame(
        "m",
        years,
        cohort,
        d,
        y,
        size=np.repeat(size, n_t),
        size_class=np.repeat(
            1 + np.searchsorted(np.quantile(size, [0.2, 0.4, 0.6, 0.8]), size), n_t
        ),
        eligible=np.repeat((size > THRESHOLD_RESIDENTS).astype(int), n_t),
    )
    frame.attrs["effect"] = float(tau[d].mean()) if d.any() else 0.0
    return frame


def _ar1_errors(start: np.ndarray, rho: float, shocks: np.ndarray) -> np.ndarray:
    """AR(1) errors, unit × year: year 0 is ``start``, year k is ``rho`` × year k-1 + ``shocks[k-1]``.

    ``shocks`` holds one row of innovations per year after the first (drawn in one call, the
    same random stream as a draw per year).
    """
    e = np.empty((len(start), len(shocks) + 1))
    e[:, 0] = start
    for k, shock in enumerate(shocks, start=1):
        e[:, k] = rho * e[:, k - 1] + shock
    return e


def _adoption(years: np.ndarray, cohort: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Years since adoption (NaN for never treated) and treated-and-post (bool), unit × year."""
    rel = years[None, :] - cohort[:, None]
    return rel, np.where(np.isnan(rel), False, rel >= 0)


def _panel_frame(
    prefix: str,
    years: np.ndarray,
    cohort: np.ndarray,
    d: np.ndarray,
    y: np.ndarray,
    **extra: np.ndarray,
) -> pd.DataFrame:
    """The long staggered-adoption panel: units ``<prefix>000`` …, one row per unit and year.

    Columns ``unit``, ``year``, ``cohort``, ``treated``, ``post``, ``d``, ``y``, then ``extra``
    (already one value per row).
    """
    n_units, n_t = len(cohort), len(years)
    units = np.array([f"{prefix}{i:03d}" for i in range(n_units)])
    return pd.DataFrame(
        {
            "unit": np.repeat(units, n_t),
            "year": np.tile(years, n_units),
            "cohort": np.repeat(cohort, n_t),
            "treated": np.repeat(~np.isnan(cohort), n_t),
            "post": d.ravel(),
            "d": d.ravel().astype(int),
            "y": y.ravel(),
            **extra,
        }
    )


def _rdd_frame(
    x: np.ndarray,
    above: np.ndarray,
    treated: np.ndarray,
    y: np.ndarray,
    effect: float,
    **covariate: np.ndarray,
) -> pd.DataFrame:
    """The RDD cross-section: ``running``, ``above``, ``treated`` (0/1), ``y``, the covariate.

    ``attrs["effect"]`` holds the planted ``effect``.
    """
    frame = pd.DataFrame(
        {"running": x, "above": above, "treated": treated.astype(int), "y": y, **covariate}
    )
    frame.attrs["effect"] = float(effect)
    return frame
