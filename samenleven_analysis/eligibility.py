"""Public import path (a contract for users' scripts).

``samenleven_analysis.eligibility`` is ``samenleven_analysis.analysis.eligibility`` (the 7,500 rule
with partnerships).
"""

import sys

from samenleven_analysis.analysis import eligibility as _module

sys.modules[__name__] = _module
