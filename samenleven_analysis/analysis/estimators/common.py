"""Result types and shared helpers of the impact-evaluation estimators.

The estimators themselves: :mod:`.did`, :mod:`.event_study`, :mod:`.staggered`, :mod:`.rdd`,
:mod:`.synthetic_control`, :mod:`.power`.

Public API (DESIGN.md, **contract**): :class:`Estimate`, :class:`EventStudy`,
:class:`SyntheticControl`, :func:`did`, :func:`event_study`, :func:`staggered_did`,
:func:`rdd`, :func:`synthetic_control`. ``cohort`` is the first treated year (the project
year a municipality's funding starts); never-treated units have cohort 0 or NaN.

Which library does what (all checked with pandas 3.1 / numpy 2.4):

============================  ===================================================
two-way fixed effects DiD     pyfixest ``feols`` (CRV1 cluster-robust SEs)
event study + pre-trend test  pyfixest ``feols`` with ``i()`` (or ``did2s``), ``wald_test``
wild cluster bootstrap        pyfixest ``Feols.wildboottest`` → wildboottest (WCR, Webb)
randomisation inference       permutation loop; two-way demeaning by pyfixest ``demean``
Callaway–Sant'Anna            differences ``ATTgt`` (+ ``aggregate``)
regression discontinuity      rdrobust (robust bias-corrected CI), rddensity (density)
synthetic control             pysyncon ``Synth`` (weights); in-space placebo loop here
============================  ===================================================

Known library issues worked around here (see :data:`LIBRARY_NOTES`): wildboottest's
numba kernel fails on string cluster ids (we pass integer codes); ``differences``
``ATTgt.wald_pre_test`` is broken in 0.3.0 (we test pre-trends with the event study);
``differences`` rejects cohort 0 for never treated (we map 0 → NaN); pysyncon's
``PlaceboTest`` runs in a process pool and prints, and its p-value omits the treated unit
from the rank (minimum 0), so the in-space placebo loop and the Abadie et al. (2010)
rank p-value ``(1 + #placebos with ratio ≥ treated) / (1 + #placebos)`` are done here.

Minimum detectable effect (:func:`minimum_detectable_effect`)::

    MDE = (z_{1-α/2} + z_{power}) · SE

(Bloom 1995; Duflo, Glennerster & Kremer 2007) with ``SE`` the cluster-robust standard
error of the DiD estimator *under the same design* (same treated group, same number of
post years) estimated on pre-treatment years only, so that it reflects the outcome's
real residual variance and serial correlation; α = 0.05 and power 0.8 give
``MDE ≈ 2.80 · SE``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "FEW_CLUSTERS",
    "LIBRARY_NOTES",
    "Estimate",
    "EventStudy",
    "MinimumDetectableEffect",
    "SyntheticControl",
    "estimates_table",
]

FEW_CLUSTERS = 10
"""Below this many *treated* clusters, CRV1 p-values over-reject (MacKinnon & Webb 2017);
``did(inference="auto")`` then reports the wild cluster bootstrap p-value."""

LIBRARY_NOTES: dict[str, str] = {
    "pyfixest": "works with pandas 3 (feols, i(), wald_test, did2s, demean)",
    "wildboottest": "works via pyfixest only with integer cluster ids (string ids fail in numba)",
    "differences": "ATTgt.fit/aggregate work; wald_pre_test broken in 0.3.0; cohort must be NaN not 0",
    "rdrobust": "works (sharp, fuzzy, covariates, clusters)",
    "rddensity": "works",
    "pysyncon": "Synth works; PlaceboTest replaced by a serial loop (process pool, prints, rank p-value)",
    "linearmodels": "not needed (pyfixest covers TWFE); its jobtraining data set is used in tests",
}


# --------------------------------------------------------------------------- results


@dataclass
class Estimate:
    """One estimated effect with its 95% (or ``1 − alpha``) interval.

    ``extra`` carries estimator-specific details (bandwidths, cluster counts, bootstrap
    and conventional p-values, event-time aggregations…); it is not part of equality.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    n: int
    method: str
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def covers(self, value: float) -> bool:
        """True when ``value`` lies inside the confidence interval."""
        return bool(self.ci_low <= value <= self.ci_high)

    def as_row(self) -> dict[str, Any]:
        """The contract fields as a flat dict (one row of :func:`estimates_table`)."""
        return {
            "estimate": self.estimate,
            "se": self.se,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "pvalue": self.pvalue,
            "n": self.n,
            "method": self.method,
        }

    def __str__(self) -> str:
        return (
            f"{self.estimate:.3f} (95% CI {self.ci_low:.3f} to {self.ci_high:.3f}; "
            f"p = {_fmt_p(self.pvalue)}; n = {self.n}) — {self.method}"
        )


@dataclass
class EventStudy:
    """Dynamic effects by time relative to treatment, and a joint pre-trend test.

    ``coefs``: one row per relative time (``rel_time``, ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``pvalue``); the reference period is included with estimate 0 and NaN
    interval. ``pretrend_pvalue``: joint Wald test that all pre-period coefficients
    (``rel_time < 0`` except the reference) are zero — wild-cluster-bootstrapped for TWFE
    (see :func:`event_study`); ``extra`` has the analytic F(q, G − 1) and χ² p-values.
    """

    coefs: pd.DataFrame
    pretrend_pvalue: float
    pretrend_stat: float
    pretrend_df: int
    n: int
    method: str
    reference: int = -1
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def post_average(self) -> float:
        """Unweighted mean of the post-period (``rel_time >= 0``) coefficients."""
        post = self.coefs[self.coefs.rel_time >= 0]
        return float(post.estimate.mean())


@dataclass
class SyntheticControl:
    """Synthetic-control fit for one treated unit, with in-space placebos.

    ``att``: mean post-treatment gap. ``weights``: donor weights (Series, descending, sums
    to 1). ``gaps``: frame ``time, treated, synthetic, gap, post``. ``placebo_pvalue``:
    Abadie, Diamond & Hainmueller (2010) rank p-value of the post/pre RMSPE ratio among the
    treated unit and every donor re-fitted as if treated. ``se``/``ci_*``: placebo-based
    (standard deviation of the donors' placebo ATTs, cf. Arkhangelsky et al. 2021,
    placebo variance) — an approximation; with few donors read the p-value first.
    """

    att: float
    weights: pd.Series
    gaps: pd.DataFrame
    placebo_pvalue: float
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    pre_rmspe: float = float("nan")
    post_rmspe: float = float("nan")
    placebos: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    placebo_gaps: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    n: int = 0
    method: str = "synthetic control"
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class MinimumDetectableEffect:
    """``mde = (z_{1-alpha/2} + z_{power}) * se`` for the DiD design (see module docstring)."""

    mde: float
    se: float
    alpha: float
    power: float
    multiplier: float
    n_treated: int
    n_control: int
    pre_periods: int
    post_periods: int
    method: str

    def __str__(self) -> str:
        return (
            f"MDE {self.mde:.3f} (= {self.multiplier:.2f} × SE {self.se:.3f}; α = {self.alpha}, "
            f"power = {self.power}; {self.n_treated} treated vs {self.n_control} comparison units)"
        )


# --------------------------------------------------------------------------- helpers


def _fmt_p(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def _check_columns(frame: pd.DataFrame, columns: Iterable[str | None]) -> None:
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the panel (has {list(frame.columns)})")


def _normalise_cohort(values: pd.Series) -> pd.Series:
    """First treated year as float; 0 (and negatives) → NaN = never treated."""
    c = pd.to_numeric(values, errors="coerce").astype(float)
    return c.where(c > 0)


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes (sorted by value, so deterministic) for fixed effects and clusters."""
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def _frame(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cluster: str | None
) -> pd.DataFrame:
    """Internal copy with safe column names (formulas never see user column names)."""
    _check_columns(panel, [outcome, unit, time, cluster])
    df = pd.DataFrame(
        {
            "_y": pd.to_numeric(panel[outcome], errors="coerce").astype(float).to_numpy(),
            "_unit": panel[unit].astype(str).to_numpy(),
            "_time": pd.to_numeric(panel[time]).to_numpy(),
            "_cl_raw": (panel[cluster] if cluster else panel[unit]).astype(str).to_numpy(),
        },
        index=panel.index,
    )
    df = df[np.isfinite(df["_y"])].copy()
    df["_u"] = _codes(df["_unit"])
    df["_t"] = _codes(df["_time"])
    df["_cl"] = _codes(df["_cl_raw"])
    return df


@contextlib.contextmanager
def _quiet():
    """Silence library chatter (multicollinearity notes, progress prints) in notebooks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


@contextlib.contextmanager
def _single_thread_blas():
    """Limit BLAS to one thread (threadpoolctl, present via scikit-learn) if available."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up only
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _tidy_row(fit, name: str) -> tuple[float, float, float, float, float]:
    t = fit.tidy()
    row = t.loc[name]
    return (
        float(row["Estimate"]),
        float(row["Std. Error"]),
        float(row["2.5%"]),
        float(row["97.5%"]),
        float(row["Pr(>|t|)"]),
    )

def _table_row(key: dict, fit: Callable[[], Estimate]) -> dict:
    """One row of a placebo or balance table: ``key`` plus the estimate's columns, or NaN
    with a one-line ``note`` when it cannot be estimated (instead of failing the table)."""
    try:
        e = fit()
    except Exception as exc:  # noqa: BLE001 - reported per row
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {**key, "estimate": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "pvalue": np.nan, "n": 0, "note": msg[:120]}
    return {**key, **{k: v for k, v in e.as_row().items() if k != "method"}, "note": ""}



# --------------------------------------------------------------------------- presentation


def estimates_table(estimates: Mapping[str, Estimate | None], digits: int = 3) -> pd.DataFrame:
    """One row per named estimate (rounded), for display in reports."""
    rows = []
    for name, e in estimates.items():
        if e is None:
            continue
        row = {"estimator": name, **e.as_row()}
        rows.append(row)
    out = pd.DataFrame(rows)
    if not out.empty:
        num = ["estimate", "se", "ci_low", "ci_high", "pvalue"]
        out[num] = out[num].astype(float).round(digits)
    return out

