"""Public import path (a contract for users' scripts).

``samenleven_analysis.geo`` is ``samenleven_analysis.data.boundaries`` (municipality boundaries per
vintage).
"""

import sys

from samenleven_analysis.data import boundaries as _module

sys.modules[__name__] = _module
