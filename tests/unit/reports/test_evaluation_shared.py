"""What the evaluation reports share: JSON-safe numbers of the published summaries."""

from __future__ import annotations

import numpy as np

from samenleven_analysis.reports import evaluation_shared


def test_num_gives_json_safe_values():
    assert (
        evaluation_shared.rounded(float("nan")) is None
        and evaluation_shared.rounded(np.float64(1.23456789)) == 1.234568
    )
