"""Public import contract for the impact-evaluation estimators (moved to sub-packages).

The estimators live in :mod:`samenleven_analysis.analysis.estimators`, verdict texts in
:mod:`samenleven_analysis.analysis.verdicts`, plots in
:mod:`samenleven_analysis.reports.figures.estimates`. Every public name stays importable here.
"""

from samenleven_analysis.analysis.estimators.common import *  # noqa: F401,F403
from samenleven_analysis.analysis.estimators.common import __all__  # noqa: F401
