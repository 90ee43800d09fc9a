"""The estimators' method and inference notes in the report's language.

The analysis layer writes no prose for readers: each estimate names its method and its notes
as :class:`~samenleven_analysis.analysis.estimators.common.Fact` (a code and values, e.g.
``Fact("rdrobust", {"design": "sharp", "p": 1, "kernel": "triangular", "h": 4437.2})``).
This module words them through the catalogs, numbers in the report's format (Babel), and
gives the estimators' code names (``"callaway_santanna"``, ``"did2s"``, kernel names, the
keys of the reports' result dicts) their reader labels. Package and author names (rdrobust,
pyfixest, Callaway–Sant'Anna) stay names inside a translated sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from samenleven_analysis import i18n
from samenleven_analysis.analysis.estimators.common import Fact
from samenleven_analysis.i18n import N_, _

ESTIMATOR_LABELS: dict[str, str] = {
    "Callaway–Sant'Anna ATT": N_("Callaway–Sant'Anna ATT"),
    "TWFE DiD": N_("two-way fixed effects (TWFE)"),
    "TWFE": N_("TWFE"),
    "two-stage (did2s)": N_("two-stage (did2s)"),
    "synthetic DiD": N_("synthetic difference-in-differences"),
    "sharp (eligibility, ITT)": N_("sharp (eligibility, ITT)"),
    "fuzzy (participation, LATE)": N_("fuzzy (participation, LATE)"),
    "demeaned": N_("demeaned"),
    "levels": N_("levels"),
    "twfe": N_("TWFE"),
    "did2s": N_("two-stage (did2s)"),
    "callaway_santanna": N_("Callaway–Sant'Anna ATT"),
    "sdid": N_("synthetic difference-in-differences"),
    "romano_wolf": N_("Romano–Wolf step-down (joint randomisation distribution)"),
    "holm": N_("Holm step-down"),
}
"""Reader label (message id) of each estimator name the reports show: the keys of their
result dicts, the variants and the estimators' codes. A name not listed is shown as it is."""

KERNEL_LABELS: dict[str, str] = {
    "triangular": N_("triangular kernel"),
    "uniform": N_("uniform kernel"),
    "epanechnikov": N_("Epanechnikov kernel"),
}
"""Reader label of rdrobust's kernels (rdrobust accepts these three, abbreviations too)."""

VARIANCE_LABELS: dict[str, str] = {
    "hc0": N_("HC0 variance"),
    "hc1": N_("HC1 variance"),
    "hc2": N_("HC2 variance"),
    "hc3": N_("HC3 variance"),
    "nn": N_("nearest-neighbour variance"),
    "cluster": N_("cluster-robust variance"),
}
"""Reader label of rdrobust's variance estimators (``vce``; ``cluster``: by cluster)."""

STRATA_LABELS: dict[str, str] = {
    "eligible": N_("eligibility"),
    "size_stratum": N_(
        "size and eligibility (the largest authorities, twice as many as funded; the other "
        "eligible ones; the rest)"
    ),
}
"""Reader label of the column whose strata the permutations keep."""


def estimator_label(name: Any) -> str:
    """The reader label of an estimator name or code (the name itself when unknown)."""
    label = ESTIMATOR_LABELS.get(str(name))
    return _(label) if label else str(name)


def _label(labels: Mapping[str, str], code: Any) -> str:
    label = labels.get(str(code).lower())
    return _(label) if label else str(code)


def value(x: float) -> str:
    """A number of a method note in the report's format.

    Whole from 100 on (``4.437``), else three significant digits (``0,227``).
    """
    from babel.numbers import format_decimal

    if x is None or not np.isfinite(x):
        return _("n/a")
    if abs(x) >= 100:
        return i18n.number(x)
    return format_decimal(x, format="@##", locale=i18n.active().locale)


def _n(x: Any) -> str:
    return i18n.number(int(x))


# --------------------------------------------------------------------------- methods


def _scheme(f: Fact) -> str:
    what = f["permuted"]
    if f.get("strata") is None:
        if what == "cohort_labels":
            return _(
                "cohort labels permuted across all units; studentised statistic (estimate / "
                "cluster-robust standard error)"
            )
        return _(
            "treatment paths permuted across all units; studentised statistic (estimate / "
            "cluster-robust standard error)"
        )
    values = {"n": _n(f["n_strata"]), "strata": _label(STRATA_LABELS, f["strata"])}
    if what == "cohort_labels":
        return _(
            "cohort labels permuted within {n} strata of {strata}; studentised statistic "
            "(estimate / cluster-robust standard error)",
            **values,
        )
    return _(
        "treatment paths permuted within {n} strata of {strata}; studentised statistic "
        "(estimate / cluster-robust standard error)",
        **values,
    )


def _inference(f: Fact) -> list[str]:
    """The sentence on the inference of a DiD-type method, if it names one."""
    mode = f.get("inference")
    if mode == "ri":
        return [
            _(
                "Randomisation inference ({reps} draws: {scheme}) gives the p-value and the "
                "interval.",
                reps=_n(f["reps"]),
                scheme=_scheme(f["scheme"]),
            )
        ]
    if mode == "wild":
        return [
            _(
                "Wild cluster bootstrap p-value (WCR, Webb weights, {reps} draws).",
                reps=_n(f["reps"]),
            )
        ]
    if mode == "analytic":
        return [
            _(
                "Analytic standard error clustered by {cluster}, normal interval.",
                cluster=f["cluster"],
            )
        ]
    return []


def _twfe(f: Fact) -> str:
    head = _(
        "Two-way fixed effects difference-in-differences (pyfixest), CRV1 standard errors "
        "clustered by {cluster}.",
        cluster=f["cluster"],
    )
    return " ".join([head, *_inference(f)])


CS_EST_METHODS = {
    "reg": N_("outcome regression"),
    "dr": N_("doubly robust"),
    "ipw": N_("inverse probability weighting"),
}
CS_CONTROLS = {
    "never_treated": N_("never-treated controls"),
    "not_yet_treated": N_("not-yet-treated controls"),
}


def _callaway_santanna(f: Fact) -> str:
    head = _(
        "Callaway–Sant'Anna ATT ({est_method}, {controls}, simple aggregation over cohorts "
        "and years).",
        est_method=_label(CS_EST_METHODS, f["est_method"]),
        controls=_label(CS_CONTROLS, f["control_group"]),
    )
    return " ".join([head, *_inference(f)])


def _sdid(f: Fact) -> str:
    return _(
        "Synthetic difference-in-differences (Arkhangelsky et al. 2021; diff-diff), per cohort "
        "against the never-treated authorities, placebo standard error ({reps} draws), normal "
        "interval.",
        reps=_n(f["reps"]),
    )


def _sdid_point(f: Fact) -> str:
    return _(
        "Synthetic difference-in-differences (Arkhangelsky et al. 2021; diff-diff), per cohort "
        "against the never-treated authorities: point estimate only (no placebo standard error "
        "computed)."
    )


def _rdrobust(f: Fact) -> str:
    values = {
        "p": _n(f["p"]),
        "kernel": _label(KERNEL_LABELS, f["kernel"]),
        "h": value(f["h"]),
        "variance": _label(VARIANCE_LABELS, f.get("variance", "nn")),
    }
    if f["design"] == "fuzzy":
        return _(
            "Fuzzy regression discontinuity (rdrobust, local polynomial of order {p}, "
            "{kernel}, bandwidth h = {h}, {variance}): conventional estimate; confidence set "
            "and p-value of the Anderson–Rubin test (no jump in the outcome minus effect × "
            "participation, robust bias-corrected).",
            **values,
        )
    return _(
        "Sharp regression discontinuity (rdrobust, local polynomial of order {p}, {kernel}, "
        "bandwidth h = {h}, {variance}): conventional estimate, robust bias-corrected "
        "confidence interval.",
        **values,
    )


def _local_randomisation(f: Fact) -> str:
    values = {"low": value(f["low"]), "high": value(f["high"]), "reps": _n(f["reps"])}
    if f["fuzzy"]:
        return _(
            "Fuzzy regression discontinuity by local randomisation inference in the window "
            "[{low}, {high}] (difference in means, Fisher randomisation test with {reps} "
            "permutations in the Anderson–Rubin form; Cattaneo, Frandsen & Titiunik 2015).",
            **values,
        )
    return _(
        "Sharp regression discontinuity by local randomisation inference in the window "
        "[{low}, {high}] (difference in means, Fisher randomisation test with {reps} "
        "permutations; Cattaneo, Frandsen & Titiunik 2015).",
        **values,
    )


def _synthetic_control(f: Fact) -> str:
    v = _("optimised") if f.get("v") == "optimised" else _("equal")
    if f.get("variant") == "demeaned":
        return _(
            "Demeaned synthetic control (pysyncon Synth, weights by exact simplex least "
            "squares, V = {v}, pre-period outcomes as predictors); in-space placebo p-value, "
            "interval by inverting it.",
            v=v,
        )
    return _(
        "Synthetic control in levels (pysyncon Synth, weights by exact simplex least squares, "
        "V = {v}, pre-period outcomes as predictors); in-space placebo p-value, interval by "
        "inverting it.",
        v=v,
    )


def _honest(f: Fact) -> str:
    values = {"n": _n(f["n_post"]), "estimator": estimator_label(f["estimator"])}
    rel = f.get("rel_range")
    window = f.get("window")
    if rel is None:
        return _(
            "HonestDiD smoothness restriction Δ^SD(M), FLCI (Rambachan & Roth 2023; "
            "diff-diff); target: the average of {n} post-period coefficients of the "
            "{estimator} event study.",
            **values,
        )
    if window is None:
        return _(
            "HonestDiD smoothness restriction Δ^SD(M), FLCI (Rambachan & Roth 2023; "
            "diff-diff); target: the average of {n} post-period coefficients of the "
            "{estimator} event study on every relative period from {low} to {high}, none "
            "binned; M on a coarse grid (0, 1, 3, 9 × SE), breakdown value bracketed to a "
            "quarter of a grid step.",
            low=str(int(rel[0])),
            high=str(int(rel[1])),
            **values,
        )
    return _(
        "HonestDiD smoothness restriction Δ^SD(M), FLCI (Rambachan & Roth 2023; diff-diff); "
        "target: the average of {n} post-period coefficients of the {estimator} event study "
        "on the relative periods {low} to {high}, earlier and later periods binned into the "
        "end points; M on a coarse grid (0, 1, 3, 9 × SE), breakdown value bracketed to a "
        "quarter of a grid step.",
        low=str(int(window[0])),
        high=str(int(window[1])),
        **values,
    )


def _mde(f: Fact) -> str:
    return _(
        "Simulation: effects planted in {years} pre-programme years (fake starts {first}–"
        "{last}), comparison units resampled, {draws} draws per effect, Callaway–Sant'Anna "
        "with its inference rule for few treated units.",
        years=_n(f["years"]),
        first=str(f["first_start"]),
        last=str(f["last_start"]),
        draws=_n(f["draws"]),
    )


def _event_study(f: Fact) -> str:
    if f["estimator"] == "did2s":
        return _(
            "Two-stage difference-in-differences event study (Gardner 2021; pyfixest did2s), "
            "clustered by {cluster}.",
            cluster=f["cluster"],
        )
    return _(
        "TWFE event study (pyfixest), CRV1 standard errors clustered by {cluster}.",
        cluster=f["cluster"],
    )


METHODS: dict[str, Callable[[Fact], str]] = {
    "twfe": _twfe,
    "callaway_santanna": _callaway_santanna,
    "sdid": _sdid,
    "sdid_point": _sdid_point,
    "rdrobust": _rdrobust,
    "local_randomisation": _local_randomisation,
    "synthetic_control": _synthetic_control,
    "honest_did_smoothness": _honest,
    "mde_simulation": _mde,
    "event_study": _event_study,
}


def method_text(method: Fact) -> str:
    """The method of a result as one or two sentences in the report's language."""
    return METHODS[method.code](method)


# --------------------------------------------------------------------------- notes


def _few_treated(f: Fact) -> str:
    values = {"estimator": estimator_label(f["estimator"])}
    if int(f["treated"]) == 1:
        return _(
            "only one treated cluster: the {estimator} estimate relies on randomisation "
            "inference, which is exact only if funding was as good as randomly assigned "
            "among authorities; a restricted wild cluster bootstrap cannot reject at 5% here",
            **values,
        )
    return _(
        "only {n} treated clusters: the {estimator} estimate relies on randomisation "
        "inference, which is exact only if funding was as good as randomly assigned among "
        "authorities; a restricted wild cluster bootstrap cannot reject at 5% here",
        n=_n(f["treated"]),
        **values,
    )


def _lr_window(f: Fact) -> str:
    values = {
        "low": i18n.number(f["low"]),
        "high": i18n.number(f["high"]),
        "below": _n(f["below"]),
        "above": _n(f["above"]),
    }
    if f.get("reason") is None:
        return _(
            "local randomisation inference in the window [{low}, {high}] ({below} below / "
            "{above} above)",
            **values,
        )
    return _(
        "local randomisation inference in the window [{low}, {high}] ({below} below / "
        "{above} above; {reason})",
        reason=note_text(f["reason"]),
        **values,
    )


def _sc_exact(f: Fact) -> str:
    values = {"alpha": i18n.number(f["alpha"], 2)}
    if int(f["donors"]) == 1:
        return _(
            "one donor is fitted exactly before treatment (infinite post/pre ratio): the "
            "placebo test rejects no constant effect at {alpha}, so the interval is unbounded",
            **values,
        )
    return _(
        "{donors} donors are fitted exactly before treatment (infinite post/pre ratio): the "
        "placebo test rejects no constant effect at {alpha}, so the interval is unbounded",
        donors=_n(f["donors"]),
        **values,
    )


def _simple(message: str, **numbers: str) -> Callable[[Fact], str]:
    """A note whose values are whole numbers (``numbers``: placeholder → value key)."""

    def word(f: Fact) -> str:
        return _(message, **{k: _n(f[key]) for k, key in numbers.items()})

    return word


def percent_range(table: Mapping[Any, tuple[float, float]], prefix: str = "") -> dict[str, str]:
    """``{prefix}low`` and ``{prefix}high``: a simulation table's measured range in whole percent.

    ``table``: ``key → (value, MC s.e.)`` as beside the estimators (:func:`measured_range`); the
    keyword arguments of a message that quotes the range.
    """
    from samenleven_analysis.analysis.estimators.common import measured_range

    low, high = measured_range(table)
    return {f"{prefix}low": i18n.percent(low, 0), f"{prefix}high": i18n.percent(high, 0)}


def _percents(message: str, *percents: str, **numbers: str) -> Callable[[Fact], str]:
    """A note whose values ``percents`` are shares (whole percentages); ``numbers`` as :func:`_simple`."""

    def word(f: Fact) -> str:
        shares = {k: i18n.percent(f[k], 0) for k in percents}
        return _(message, **shares, **{k: _n(f[key]) for k, key in numbers.items()})

    return word


def _coverage(message: str, **numbers: str) -> Callable[[Fact], str]:
    """A note quoting a simulated coverage range: ``{low}``/``{high}`` as whole percentages.

    ``numbers`` as in :func:`_simple`.
    """
    return _percents(message, "low", "high", **numbers)


NOTES: dict[str, Callable[[Fact], str]] = {
    "se_not_positive": _simple(
        N_("the standard error is not a positive number: no interval or p-value")
    ),
    "se_numerically_zero": _simple(
        N_(
            "the standard error is numerically zero (the data fit without noise): no interval or "
            "p-value"
        )
    ),
    "no_residual_df": _simple(N_("no residual degrees of freedom ({n} observations)"), n="n"),
    "too_few_clusters": _simple(
        N_(
            "{treated} treated and {untreated} untreated clusters: a cluster-robust standard error "
            "needs at least two in each group"
        ),
        treated="treated",
        untreated="untreated",
    ),
    "crv1_too_narrow": _simple(
        N_(
            "only {treated} treated clusters: CRV1 intervals are too narrow (MacKinnon & Webb "
            "2017); randomisation inference is safer"
        ),
        treated="treated",
    ),
    "wild_failed": lambda f: _(
        "the wild cluster bootstrap was not possible ({error})", error=f["error"]
    ),
    "wild_p_only": _simple(
        N_("the wild cluster bootstrap gives a p-value only: no interval from the same procedure")
    ),
    "wild_p_not_finite": _simple(N_("the wild cluster bootstrap p-value is not finite")),
    "few_treated_clusters": _few_treated,
    "se_not_reported_ri": lambda f: _(
        "no standard error: the interval inverts the studentised randomisation test ({scheme})",
        scheme=_scheme(f["scheme"]),
    ),
    "units_not_clusters_permuted": lambda f: _(
        "the permutations move units, not clusters of {cluster}", cluster=f["cluster"]
    ),
    "ri_set_unbounded": _simple(N_("the randomisation confidence set is unbounded")),
    "analytic_too_narrow": _simple(
        N_(
            "{treated} treated / {untreated} untreated clusters: with so few the analytic interval "
            "is too narrow; randomisation inference is the default"
        ),
        treated="treated",
        untreated="untreated",
    ),
    "analytic_interval_coverage": _coverage(
        N_(
            "analytic interval: in simulations of funding to the largest authorities it covered "
            "the true value in {low} to {high} of the draws with {funded} funded (randomisation "
            "inference needs a balanced panel with never-treated controls)"
        ),
        funded="funded",
    ),
    "ri_needs_never_treated": _simple(
        N_("randomisation inference is implemented for never-treated controls only")
    ),
    "ri_needs_balanced_panel": _simple(
        N_("unbalanced panel: the permutation test needs every unit in every year")
    ),
    "sdid_placebo_se_undefined": _simple(
        N_("the placebo standard error is undefined for a cohort")
    ),
    "sdid_interval_withheld": lambda f: _(
        "no interval: in simulations of this design (285 authorities, the largest funded) the "
        "placebo interval covered the true effect in {level_low} to {level_high} of {draws} "
        "draws for outcomes in levels and in {rate} for rates, instead of 95% "
        "(docs/inference.md); the estimate is descriptive",
        level_low=i18n.percent(f["level_low"], 0),
        level_high=i18n.percent(f["level_high"], 0),
        draws=_n(f["draws"]),
        rate=i18n.percent(f["rate_low"], 0),
    ),
    "sdid_pooled_se_independent": _simple(
        N_(
            "the pooled standard error treats the cohorts as independent (they share the "
            "never-treated controls)"
        )
    ),
    "thin_support": _simple(
        N_(
            "thin support: {below} below / {above} above the threshold inside the bandwidth "
            "(fewer than {minimum} per side): descriptive only"
        ),
        below="below",
        above="above",
        minimum="minimum",
    ),
    "rdrobust_thin_support": _simple(
        N_(
            "thin support: {below} below / {above} above the threshold inside rdrobust's "
            "bandwidth (fewer than {minimum} per side)"
        ),
        below="below",
        above="above",
        minimum="minimum",
    ),
    "weak_first_stage": lambda f: _(
        "weak first stage (F = {F} < {threshold}): read the Anderson–Rubin (reduced-form) p-value",
        F=i18n.number(f["F"], 2),
        threshold=i18n.number(f["threshold"], 2),
    ),
    "weak_first_stage_window": lambda f: _(
        "weak first stage in the window (F = {F} < {threshold})",
        F=i18n.number(f["F"], 2),
        threshold=i18n.number(f["threshold"], 2),
    ),
    "sc_inference_withheld": _percents(
        N_(
            "in simulations of this design (the largest of 285 authorities, 30 donors, no "
            "effect) the placebo test rejected a true null in {reject_low} to {reject_high} of "
            "draws at the 5% level and its interval covered the truth in {cover_low} to "
            "{cover_high}, instead of 5% and 95% (docs/inference.md), so neither a p-value nor "
            "an interval is shown"
        ),
        "reject_low",
        "reject_high",
        "cover_low",
        "cover_high",
    ),
    "ar_set_unbounded": _simple(
        N_(
            "no interval: the Anderson–Rubin confidence set is unbounded (the jump in "
            "participation at the threshold is not significant), so the data cannot bound the "
            "effect"
        )
    ),
    "ar_set_empty": _simple(N_("no interval: the Anderson–Rubin test rejects every effect")),
    "rdrobust_failed": lambda f: _(
        "rdrobust could not select a bandwidth or estimate ({error})", error=f["error"]
    ),
    "lr_window": _lr_window,
    "lr_thin": _simple(
        N_("fewer than {minimum} units on a side: descriptive only"), minimum="minimum"
    ),
    "lr_no_inference": _simple(
        N_("the local randomisation window holds {below} below / {above} above: no inference"),
        below="below",
        above="above",
    ),
    "lr_set_at_grid_edge": _simple(
        N_("the randomisation confidence set reaches the edge of the grid: no interval")
    ),
    "lr_set_not_interval": _simple(
        N_("the randomisation confidence set is not an interval: no interval")
    ),
    "lr_no_effect_accepted": _simple(
        N_("no effect size is accepted by the randomisation test: no interval")
    ),
    "lr_no_finite_estimate": _simple(N_("no finite estimate in the window: no interval")),
    "not_estimable": lambda f: _("not estimable ({error})", error=f["error"]),
    "no_joint_pretrend_test": _simple(
        N_("{leads} leads but only {clusters} clusters: no joint test is possible"),
        leads="leads",
        clusters="clusters",
    ),
    "sc_too_few_donors": lambda f: _(
        "with {donors} donors the placebo test cannot reject at {alpha}: no interval",
        donors=_n(f["donors"]),
        alpha=i18n.number(f["alpha"], 2),
    ),
    "sc_rejects_every_effect": _simple(
        N_("the placebo test rejects every constant effect: no interval")
    ),
    "sc_exact_donors_unbounded": _sc_exact,
    "sc_gaps_too_variable": _simple(
        N_("the post-period gaps vary too much for any constant effect: no interval")
    ),
}
"""How each note code reads (a function of the fact's values)."""


def note_text(note: Fact) -> str:
    """One note in the report's language."""
    return NOTES[note.code](note)


def notes_text(notes: Iterable[Fact] | Fact | str | None) -> str:
    """Several notes joined by ``"; "`` (empty for none); a plain string is kept as it is."""
    if notes is None or (isinstance(notes, float) and np.isnan(notes)):
        return ""
    if isinstance(notes, str):
        return notes
    if isinstance(notes, Fact):
        return note_text(notes)
    return "; ".join(note_text(n) for n in notes)


def words(frame):
    """A results table with its codes worded, for display.

    The ``note`` column (tuples of facts), the ``estimator`` column and a ``method`` column
    of codes (multiple testing).
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        return frame
    out = frame.copy()
    if "note" in out.columns:
        out["note"] = out["note"].map(notes_text)
    for column in ("estimator", "method", "variant"):
        if column in out.columns:
            out[column] = out[column].map(lambda v: estimator_label(v) if isinstance(v, str) else v)
    return out
