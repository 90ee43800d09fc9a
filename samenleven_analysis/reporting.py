"""Public import path (a contract for users' scripts).

``samenleven_analysis.reporting`` is ``samenleven_analysis.reports.context`` (the notebook context,
`data_context()`).
"""

import sys

from samenleven_analysis.reports import context as _module

sys.modules[__name__] = _module
