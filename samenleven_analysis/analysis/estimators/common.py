"""Result types and shared helpers of the impact-evaluation estimators.

The estimators themselves: :mod:`.did`, :mod:`.event_study`, :mod:`.staggered`, :mod:`.rdd`,
:mod:`.synthetic_control`, :mod:`.power`.

Public API (docs/design.md, **contract**): :class:`Estimate`, :class:`EventStudy`,
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
synthetic control             pysyncon ``Synth`` (scaling, V search); weights by exact NNLS; placebos here
============================  ===================================================

Known library issues worked around here (see :data:`LIBRARY_NOTES`): wildboottest's
numba kernel fails on string cluster ids (we pass integer codes); ``differences``
``ATTgt.wald_pre_test`` is broken in 0.3.0 (we test pre-trends with the event study);
``differences`` rejects cohort 0 for never treated (we map 0 → NaN); pysyncon's
``PlaceboTest`` runs in a process pool and prints, and its p-value omits the treated unit
from the rank (minimum 0), so the in-space placebo loop and the Abadie et al. (2010)
rank p-value ``(1 + #placebos with ratio ≥ treated) / (1 + #placebos)`` are done here.

The minimum detectable effect is found by simulation (:mod:`.power`).

Shared helpers of the estimator modules (public names, #18; not part of the user contract
above, so not in ``__all__``): input checks (:func:`check_columns`, missing ids
via :func:`analysis_frame`, :func:`check_comparison`, :func:`normalise_cohort`,
:func:`cohorts_within_panel`, :func:`integer_codes`), degenerate inference
(:func:`check_se`, :func:`without_inference`), formatting (:func:`z_critical`,
:func:`tidy_row`, :func:`table_row`), library noise and threads
(:func:`quiet`, :func:`single_thread_blas`) and randomisation inference
(:func:`unit_strata`, :func:`permutation_indices`, :func:`perm_pvalue`,
:func:`studentised_ri`).
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

from samenleven_analysis import i18n
from samenleven_analysis.errors import DataError

__all__ = [
    "FEW_CLUSTERS",
    "LIBRARY_NOTES",
    "Estimate",
    "EventStudy",
    "Fact",
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
    "differences": "ATTgt.fit/aggregate work; wald_pre_test broken in 0.3.0; cohort must be NaN not 0; "
    "fit(cluster_var=...) fails under pandas 3 (clustered SE from the influence function here)",
    "diff-diff": "HonestDiD smoothness FLCI matches the published example; its relative-magnitudes CI "
    "is plug-in ± z·SE (not the paper's hybrid test), so not used; SyntheticDiD placebo SE works",
    "rdrobust": "works (sharp, fuzzy, covariates, clusters)",
    "rddensity": "works",
    "pysyncon": "Synth works; its SLSQP weight step (ftol 1e-6: stopping point moved with the BLAS "
    "kernel) replaced by an exact NNLS; PlaceboTest replaced by a serial loop (process pool, "
    "prints, rank p-value)",
    "linearmodels": "not needed (pyfixest covers TWFE); its jobtraining data set is used in tests",
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Fact:
    """What a result says about its method or its inference, as a code and values, not words.

    The analysis layer writes no prose for readers: ``Fact("rdrobust", {"design": "sharp",
    "p": 1, "kernel": "triangular", "h": 4437.2})`` or ``Fact("thin_support", {"below": 3,
    "above": 4, "minimum": 5})``; the reports layer words each code in the report's language
    (``reports/method_text.py``). ``str(fact)`` is the code (for logs and tests).
    """

    code: str
    values: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.code

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


def fact(code: str, **values: Any) -> Fact:
    """``Fact(code, values)`` with the values as keywords."""
    return Fact(code, values)


def note_codes(notes: Iterable[Fact]) -> str:
    """The codes of some notes joined by ``"; "`` (empty for none), for logs and tests."""
    return "; ".join(n.code for n in notes)


@dataclass
class Estimate:
    """One estimated effect with its 95% (or ``1 − alpha``) interval.

    ``extra`` carries estimator-specific details (bandwidths, cluster counts, bootstrap
    and conventional p-values, event-time aggregations…); it is not part of equality.
    ``method`` names the estimator and its options as a :class:`Fact` (code + values).
    ``notes`` is empty for an ordinary result; otherwise its facts say why the inference is
    missing (NaN SE/interval/p-value) or what limits it (e.g. one or two treated clusters);
    ``note`` is their codes (for logs and tests). The reports layer words both.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    pvalue: float
    n: int
    method: Fact
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    notes: tuple[Fact, ...] = ()

    @property
    def note(self) -> str:
        """The codes of :attr:`notes` joined by ``"; "`` (empty for an ordinary result)."""
        return note_codes(self.notes)

    def add_note(self, note: Fact) -> None:
        """Append one note."""
        self.notes = (*self.notes, note)

    def covers(self, value: float) -> bool:
        """True when ``value`` lies inside the confidence interval (False when it is missing)."""
        return bool(self.ci_low <= value <= self.ci_high)

    @property
    def has_inference(self) -> bool:
        """True when SE, interval and p-value are all finite (a usable uncertainty statement)."""
        return bool(np.isfinite([self.se, self.ci_low, self.ci_high, self.pvalue]).all())

    @property
    def direction(self) -> int:
        """+1 / −1 when the interval lies entirely above / below zero, else 0 (also if missing)."""
        if not (np.isfinite(self.ci_low) and np.isfinite(self.ci_high)):
            return 0
        return 1 if self.ci_low > 0 else (-1 if self.ci_high < 0 else 0)

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
            "note": self.notes,
        }

    def __str__(self) -> str:
        return (
            f"{self.estimate:.3f} (95% CI {self.ci_low:.3f} to {self.ci_high:.3f}; "
            f"p = {i18n.translator('en').p_value(self.pvalue)}; n = {self.n}) — {self.method}"
            + (f" [{self.note}]" if self.notes else "")
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
    method: Fact
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
    treated unit and every donor re-fitted as if treated. ``ci_*``: placebo rank test
    inverted (``se`` NaN; ``extra["placebo_se"]``: placebo-based
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
    method: Fact = field(default_factory=lambda: Fact("synthetic_control"))
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class MinimumDetectableEffect:
    """Smallest effect detected with probability ``power`` (see :mod:`.power`).

    ``curve``: the simulated power curve (``effect``, ``power``, ``draws``); ``se`` and
    ``multiplier`` are NaN for the simulation (kept for the old ``2.8 × SE`` rule's readers).
    ``null_rejection``: the rejection rate with no planted effect (the size in this panel);
    ``null_holds`` False when it exceeds ``alpha`` beyond Monte Carlo error (then ``mde`` is NaN).
    """

    mde: float
    se: float
    alpha: float
    power: float
    multiplier: float
    n_treated: int
    n_control: int
    pre_periods: int
    post_periods: int
    method: Fact
    curve: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    null_rejection: float = float("nan")
    null_holds: bool = True

    def __str__(self) -> str:
        m = f"{self.mde:.3f}" if np.isfinite(self.mde) else "not reached on the simulated grid"
        return (
            f"MDE {m} (α = {self.alpha}, power = {self.power}; {self.n_treated} treated vs "
            f"{self.n_control} comparison units; by simulation)"
        )


# --------------------------------------------------------------------------- helpers


def measured_range(table: Mapping[Any, tuple[float, float]]) -> tuple[float, float]:
    """Lowest and highest measured value of a simulation table ``key → (value, MC s.e.)``.

    The tables of coverage and rejection rates beside the estimators
    (e.g. :data:`~samenleven_analysis.analysis.estimators.sdid.FLANDERS_PLACEBO_COVERAGE`) that the
    reports quote when they withhold an interval.
    """
    values = [value for value, _mcse in table.values()]
    return min(values), max(values)


def without_inference(est: Estimate, reason: Fact) -> Estimate:
    """The point estimate with NaN SE/interval/p-value and a note saying why (never a 0-width CI)."""
    nan = float("nan")
    extra = dict(est.extra)
    extra.setdefault("se_unreliable", est.se)
    return Estimate(
        est.estimate, nan, nan, nan, nan, est.n, est.method, extra, (*est.notes, reason)
    )


SE_RTOL = 1e-10
"""An SE below ``SE_RTOL`` × max(|estimate|, outcome SD) is rounding noise, not uncertainty."""


def check_se(est: Estimate, scale: float | None = None) -> Estimate:
    """Degenerate inference becomes NaN + note instead of a 0-width CI.

    Degenerate: an SE that is not finite, ≤ 0, or numerically zero relative to the estimate and the
    outcome's scale (``scale``, e.g. its standard deviation; :data:`SE_RTOL`).
    """
    if not np.isfinite(est.se) or est.se <= 0:
        return without_inference(est, fact("se_not_positive", se=float(est.se)))
    ref = max(abs(est.estimate) if np.isfinite(est.estimate) else 0.0, abs(scale or 0.0))
    if ref > 0 and est.se <= SE_RTOL * ref:
        return without_inference(est, fact("se_numerically_zero", se=float(est.se)))
    return est


def _check_outcome_varies(y: pd.Series | np.ndarray, outcome: str) -> None:
    """A constant outcome has nothing to estimate: fail clearly rather than return 0 ± 0."""
    v = np.asarray(y, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0 or np.ptp(v) == 0:
        raise DataError(
            f"outcome {outcome!r} is constant (or empty): no effect can be estimated",
            column=outcome,
        )


def z_critical(alpha: float) -> float:
    """Two-sided standard-normal critical value for level ``alpha`` (1.96 at 0.05)."""
    return float(stats.norm.ppf(1 - alpha / 2))


def check_columns(frame: pd.DataFrame, columns: Iterable[str | None]) -> None:
    """Raise ``KeyError`` naming the columns (``None`` entries skipped) missing from ``frame``."""
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise KeyError(f"column(s) {missing} not in the panel (has {list(frame.columns)})")


def normalise_cohort(values: pd.Series) -> pd.Series:
    """First treated year as float; 0 (and negatives) → NaN = never treated."""
    c = pd.to_numeric(values, errors="coerce").astype(float)
    return c.where(c > 0)


def integer_codes(values: pd.Series) -> np.ndarray:
    """Integer codes (sorted by value, so deterministic) for fixed effects and clusters."""
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def _check_ids(panel: pd.DataFrame, columns: Iterable[str | None]) -> None:
    """Missing unit or cluster ids would be pooled into one group called "nan": refuse."""
    for c in columns:
        if c is None:
            continue
        n_missing = int(panel[c].isna().sum())
        if n_missing:
            raise DataError(
                f"column {c!r} has {n_missing} missing id(s) ({n_missing} of {len(panel)} rows): "
                "every row needs a unit and cluster id",
                column=c,
            )


def check_comparison(df: pd.DataFrame, d: np.ndarray) -> None:
    """Refuse clearly when all units are treated on one common path.

    ``d`` is the treatment indicator per row of ``df``, which has ``_unit`` and ``_time``. On one
    common path nothing separates the effect from the year effects, so refuse clearly instead of
    failing inside the regression library.
    """
    wide = pd.DataFrame(
        {"u": df["_unit"].to_numpy(), "t": df["_time"].to_numpy(), "d": np.asarray(d, float)}
    ).pivot_table(index="u", columns="t", values="d", aggfunc="max")
    paths = wide.fillna(-1.0)
    ever = (wide.fillna(0.0) > 0).any(axis=1).to_numpy()
    if len(paths) and ever.all() and len(paths.drop_duplicates()) == 1:
        raise ValueError(
            f"all units are treated ({len(paths)} units, all from the same year): there is no "
            "comparison group, so the effect cannot be separated from the year effects"
        )


def analysis_frame(
    panel: pd.DataFrame, outcome: str, unit: str, time: str, cluster: str | None
) -> pd.DataFrame:
    """Internal copy with safe column names (formulas never see user column names)."""
    check_columns(panel, [outcome, unit, time, cluster])
    _check_ids(panel, [unit, cluster])
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
    _check_outcome_varies(df["_y"], outcome)
    df["_u"] = integer_codes(df["_unit"])
    df["_t"] = integer_codes(df["_time"])
    df["_cl"] = integer_codes(df["_cl_raw"])
    df.attrs["y_scale"] = float(np.std(df["_y"].to_numpy()))
    return df


@contextlib.contextmanager
def quiet():
    """Silence library chatter (multicollinearity notes, progress prints) in notebooks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            yield


@contextlib.contextmanager
def single_thread_blas():
    """Run the block with every loaded BLAS on one thread (threadpoolctl, a dependency).

    Every loaded BLAS: numpy's, scipy's and diff-diff's OpenBLAS. A multi-threaded BLAS splits sums
    differently with the thread count, so a result could depend on the machine
    (docs/reproducibility.md). Used around the optimisers (synthetic-control weights, SDID,
    HonestDiD).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def tidy_row(fit, name: str) -> tuple[float, float, float, float, float]:
    """Estimate, SE, 95% CI bounds and p-value of coefficient ``name`` of a pyfixest fit."""
    t = fit.tidy()
    row = t.loc[name]
    return (
        float(row["Estimate"]),
        float(row["Std. Error"]),
        float(row["2.5%"]),
        float(row["97.5%"]),
        float(row["Pr(>|t|)"]),
    )


def table_row(key: dict, fit: Callable[[], Estimate]) -> dict:
    """One row of a placebo or balance table: ``key`` plus the estimate's columns.

    Or NaN with a ``note`` when it cannot be estimated (instead of failing the table): the fact
    ``not_estimable`` with the error's first line (the analyst's English, as errors are).
    """
    try:
        e = fit()
    except Exception as exc:  # reported per row
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return {
            **key,
            "estimate": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "pvalue": np.nan,
            "n": 0,
            "note": (fact("not_estimable", error=msg[:120]),),
        }
    return {**key, **{k: v for k, v in e.as_row().items() if k != "method"}}


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


# --------------------------------------------------------------------------- randomisation inference


RI_REPS = 999
"""Default number of permutations for randomisation inference (p-values in steps of 1/1000)."""


def perm_pvalue(obs: float, null: np.ndarray) -> float:
    """Two-sided permutation p-value ``(1 + #|null| >= |obs|) / (1 + R)``."""
    null = np.asarray(null, dtype=float)
    return float((1 + np.sum(np.abs(null) >= abs(obs) - 1e-12)) / (1 + len(null)))


def _perm_interval(
    obs: float, null_y: np.ndarray, null_d: np.ndarray, alpha: float
) -> tuple[float, float, str]:
    """Confidence interval by inverting the permutation test of a constant effect ``b``.

    The statistic is linear in the outcome, so under ``H0: effect = b`` (outcome minus
    ``b`` in treated post cells) the observed statistic is ``obs − b`` and permutation ``k``
    gives ``null_y[k] − b · null_d[k]`` (``null_d`` = the statistic of the actual treatment
    indicator under permutation ``k``). The interval is every ``b`` the test does not reject
    at ``alpha`` (its hull if the set is not connected); the p-value at ``b = 0`` is the
    reported p-value, so interval and p-value come from the same test. Returns NaN and a
    reason when the set is unbounded within the search range.
    """
    null_y = np.asarray(null_y, dtype=float)
    null_d = np.asarray(null_d, dtype=float)
    scale = float(np.nanstd(null_y)) or abs(obs) or 1.0
    grid = obs + scale * np.linspace(-12, 12, 4801)
    stat = np.abs(obs - grid)  # observed statistic under each null value
    perm = np.abs(null_y[None, :] - grid[:, None] * null_d[None, :])
    p = (1 + np.sum(perm >= stat[:, None] - 1e-12, axis=1)) / (1 + len(null_y))
    keep = p > alpha
    if not keep.any():
        return obs, obs, ""
    if keep[0] or keep[-1]:
        return float("nan"), float("nan"), "ri_set_unbounded"
    idx = np.flatnonzero(keep)
    step = grid[1] - grid[0]
    return float(grid[idx[0]] - step / 2), float(grid[idx[-1]] + step / 2), ""


def cohorts_within_panel(cohort: pd.Series, time: pd.Series) -> tuple[pd.Series, list[int]]:
    """Cohorts that start after the panel's last year are not yet treated here: NaN."""
    last = float(pd.to_numeric(time).max())
    late = sorted({int(c) for c in cohort.dropna().unique() if c > last})
    return cohort.where(~(cohort > last)), late


def few_treated_warning(n_treated_clusters: int, what: str) -> Fact:
    """The note (and the analyst's warning) for one or two treated clusters (MacKinnon & Webb 2017).

    ``what`` is the estimator's code (``"twfe"``, ``"callaway_santanna"``).
    """
    msg = (
        f"only {n_treated_clusters} treated cluster(s): the {what} estimate relies on "
        "randomisation inference, which is exact only if funding was as good as randomly "
        "assigned among authorities; a restricted wild cluster bootstrap cannot reject at 5% here"
    )
    warnings.warn(msg, UserWarning, stacklevel=3)
    return fact("few_treated_clusters", treated=int(n_treated_clusters), estimator=what)


def unit_strata(panel: pd.DataFrame, df: pd.DataFrame, strata: str | None) -> np.ndarray | None:
    """Stratum code per row of ``df`` (``None`` without strata).

    A stratum must be constant within a unit and never missing, since the permutation moves whole
    units.
    """
    if strata is None:
        return None
    check_columns(panel, [strata])
    _check_ids(panel, [strata])
    s = panel.loc[df.index, strata].astype(str)
    per_unit = s.groupby(df["_unit"].to_numpy()).nunique()
    if (per_unit > 1).any():
        bad = per_unit[per_unit > 1].index[0]
        raise DataError(
            f"column {strata!r} changes within unit {bad!r}: strata for randomisation "
            "inference must be fixed per unit",
            column=strata,
        )
    return integer_codes(s)


SIZE_BLOCK_FACTOR = 2
"""The randomisation strata of the Plan's design (:func:`size_strata`): the ``2 × n_funded`` largest
authorities form one stratum. Chosen by measured coverage (docs/inference.md; 600-1,000
Flanders-like draws per cell): strata by eligibility alone over-covered with the 6 largest funded
in rates (0.989, MC s.e. 0.003: the funded are the quietest, so permuted "funded" sets of noisier
authorities give a wider null distribution); a block of 3 × n_funded gave 0.975 there, of
2 × n_funded 0.973, and 0.943-0.950 in the three other cells
(:data:`~samenleven_analysis.analysis.estimators.staggered.MEASURED_COVERAGE`)."""

SIZE_STRATUM = "size_stratum"
"""Column :func:`size_strata` fills and the notebooks and the simulation study permute within."""


def size_strata(
    size: pd.Series,
    funded: pd.Series,
    eligible: pd.Series | None = None,
    factor: int = SIZE_BLOCK_FACTOR,
) -> pd.Series:
    """Randomisation strata for "funding went to the largest": one label per unit.

    ``size``, ``funded`` (bool) and ``eligible`` (bool, optional) are indexed by unit. The
    ``factor × (number funded)`` largest units by ``size`` are the stratum ``"largest"``; the
    others are ``"eligible"`` / ``"not eligible"`` (or ``"rest"`` without ``eligible``). Units
    without a size are never in the largest stratum. The strata depend on the number funded, not
    on which units, so they are the same in every permutation.
    """
    n_funded = int(funded.astype(bool).sum())
    rank = pd.to_numeric(size, errors="coerce").rank(ascending=False, method="first")
    largest = rank <= factor * n_funded
    if eligible is None:
        rest = pd.Series("rest", index=size.index)
    else:
        rest = eligible.astype(bool).map({True: "eligible", False: "not eligible"})
    return rest.where(~largest, "largest").rename(SIZE_STRATUM)


def permutation_indices(n: int, reps: int, seed: int, strata: np.ndarray | None) -> np.ndarray:
    """``reps`` permutations of ``range(n)`` (one per row) that keep every unit within its stratum.

    ``strata``: one code per unit; None = one stratum. The permutations come from a fixed seed.
    """
    rng = np.random.default_rng(seed)
    if strata is None:
        return np.vstack([rng.permutation(n) for _ in range(reps)])
    out = np.tile(np.arange(n), (reps, 1))
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        out[:, idx] = rng.permuted(np.tile(idx, (reps, 1)), axis=1)
    return out


def ri_scheme(strata: str | None, n_strata: int, what: str) -> Fact:
    """The permutation scheme as a fact.

    What is permuted (``"treatment_paths"``, ``"cohort_labels"``), across all units (``strata``
    None) or within ``n_strata`` strata of the column ``strata``; the statistic is always
    studentised (estimate / cluster-robust SE).
    """
    if strata is None:
        return fact("ri_scheme", permuted=what, strata=None, n_strata=1)
    return fact("ri_scheme", permuted=what, strata=strata, n_strata=int(n_strata))


def studentised_ri_pvalues(
    est: np.ndarray,
    est_d: np.ndarray,
    s_y: np.ndarray,
    s_d: np.ndarray,
    nulls: np.ndarray,
) -> np.ndarray:
    """Studentised randomisation p-values of ``H0: effect = b`` for each ``b`` of ``nulls``.

    The arguments are those of :func:`studentised_ri`. Since the estimator and its scores are
    linear in the outcome, adding ``δ`` to every treated post cell gives at ``b = 0`` the
    p-value of the original outcome at ``b = −δ``: the power simulation reads one fit's
    p-values for every planted effect this way.
    """
    nulls = np.asarray(nulls, dtype=float)
    qa = (s_y**2).sum(axis=1)
    qc = (s_y * s_d).sum(axis=1)
    qe = (s_d**2).sum(axis=1)
    num = est[None, :] - nulls[:, None] * est_d[None, :]
    var = qa[None, :] - 2 * nulls[:, None] * qc[None, :] + nulls[:, None] ** 2 * qe[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = num / np.sqrt(np.maximum(var, 0.0))
    t = np.abs(np.where(np.isfinite(t), t, 0.0))
    return (1 + np.sum(t[:, 1:] >= t[:, [0]] - 1e-12, axis=1)) / len(est)


def studentised_ri(
    est: np.ndarray,
    est_d: np.ndarray,
    s_y: np.ndarray,
    s_d: np.ndarray,
    alpha: float,
) -> tuple[float, float, float, str]:
    """Studentised randomisation p-value and the interval that inverts the same test.

    Index 0 is the actual assignment, 1.. the permutations. ``est``: the estimator of the
    outcome under each assignment; ``est_d``: of the actual treatment indicator (so that
    under ``H0: effect = b`` the estimator is ``est − b · est_d``); ``s_y``/``s_d``
    (assignments × clusters): cluster sums of the estimator's score for the outcome and for
    the treatment indicator, so that the cluster-robust variance under ``H0: b`` is
    ``Σ_g (s_y − b s_d)²`` (a quadratic in ``b``; constant factors cancel in the t ratio).
    The statistic is ``t = (est − b est_d) / SE`` (Chung & Romano 2013: a studentised
    permutation test keeps its size when the treated and untreated differ in variance,
    which the raw difference does not). Returns p (at ``b = 0``), interval and a reason
    when it is unbounded.
    """
    qa = (s_y**2).sum(axis=1)

    def pvals(b: np.ndarray) -> np.ndarray:
        return studentised_ri_pvalues(est, est_d, s_y, s_d, b)

    p0 = float(pvals(np.array([0.0]))[0])
    se0 = float(np.sqrt(qa[0])) if qa[0] > 0 else abs(est[0]) or 1.0
    grid = est[0] + se0 * np.linspace(-15, 15, 3001)
    keep = np.concatenate([pvals(grid[k : k + 500]) for k in range(0, len(grid), 500)]) > alpha
    if not keep.any():
        return p0, float(est[0]), float(est[0]), ""
    if keep[0] or keep[-1]:
        return p0, float("nan"), float("nan"), "ri_set_unbounded"
    idx = np.flatnonzero(keep)
    step = grid[1] - grid[0]
    return p0, float(grid[idx[0]] - step / 2), float(grid[idx[-1]] + step / 2), ""
