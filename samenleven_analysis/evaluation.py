"""Public import contract for the impact-evaluation estimators, verdicts and their plots.

Users' scripts import from here; the code lives in :mod:`samenleven_analysis.analysis.estimators`
(one module per design), :mod:`samenleven_analysis.analysis.verdicts` and
:mod:`samenleven_analysis.reports.figures.estimates`. Every name in ``__all__`` stays importable.
"""

from samenleven_analysis.analysis.estimators.common import (
    FEW_CLUSTERS,
    LIBRARY_NOTES,
    Estimate,
    EventStudy,
    MinimumDetectableEffect,
    SyntheticControl,
    estimates_table,
)
from samenleven_analysis.analysis.estimators.did import (
    did,
    placebo_outcomes,
    placebo_years,
    randomization_inference,
    wild_bootstrap_pvalue,
)
from samenleven_analysis.analysis.estimators.event_study import DEFAULT_WINDOW, event_study
from samenleven_analysis.analysis.estimators.honest import HonestSensitivity, honest_did
from samenleven_analysis.analysis.estimators.multiple_testing import (
    adjust_pvalues,
    holm,
    romano_wolf,
)
from samenleven_analysis.analysis.estimators.power import (
    minimum_detectable_effect,
    power_by_simulation,
)
from samenleven_analysis.analysis.estimators.rdd import (
    first_stage,
    placebo_cutoffs,
    rdd,
    rdd_balance,
    rdd_density,
    rdd_support,
)
from samenleven_analysis.analysis.estimators.sdid import synthetic_did
from samenleven_analysis.analysis.estimators.staggered import staggered_did
from samenleven_analysis.analysis.estimators.synthetic_control import synthetic_control
from samenleven_analysis.analysis.verdicts import synthetic_flags, verdict_flags
from samenleven_analysis.reports.figures.estimates import (
    plot_event_studies,
    plot_event_study,
    plot_honest,
    plot_power_curve,
    plot_rdd,
    plot_synthetic_control,
)
from samenleven_analysis.reports.verdicts import pre_period_verdict, synthetic_verdict, verdict

__all__ = [
    "DEFAULT_WINDOW",
    "FEW_CLUSTERS",
    "LIBRARY_NOTES",
    "Estimate",
    "EventStudy",
    "HonestSensitivity",
    "MinimumDetectableEffect",
    "SyntheticControl",
    "adjust_pvalues",
    "did",
    "estimates_table",
    "event_study",
    "first_stage",
    "holm",
    "honest_did",
    "minimum_detectable_effect",
    "placebo_cutoffs",
    "placebo_outcomes",
    "placebo_years",
    "plot_event_studies",
    "plot_event_study",
    "plot_honest",
    "plot_power_curve",
    "plot_rdd",
    "plot_synthetic_control",
    "power_by_simulation",
    "pre_period_verdict",
    "randomization_inference",
    "rdd",
    "rdd_balance",
    "rdd_density",
    "rdd_support",
    "romano_wolf",
    "staggered_did",
    "synthetic_control",
    "synthetic_did",
    "synthetic_flags",
    "synthetic_verdict",
    "verdict",
    "verdict_flags",
    "wild_bootstrap_pvalue",
]
