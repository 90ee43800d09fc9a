"""What the evaluation reports share: JSON-safe summary numbers, the reports' shape."""

from __future__ import annotations

import numpy as np
import pytest

from samenleven_analysis.errors import ParameterError
from samenleven_analysis.reports import evaluation_shared


def test_num_gives_json_safe_values():
    assert (
        evaluation_shared.rounded(float("nan")) is None
        and evaluation_shared.rounded(np.float64(1.23456789)) == 1.234568
    )


def test_the_shared_report_shape_checks_builds_and_computes_once():
    from dataclasses import dataclass

    calls = []

    def make(ctx, *, outcome):
        return {"ctx": ctx, "outcome": outcome}

    def result(design, estimators):
        calls.append(1)
        return (design["outcome"], tuple(estimators))

    @dataclass
    class Report(evaluation_shared.EvaluationReport):
        window: int

        ESTIMATORS = ("a", "b")
        OPTIONS = ("window",)
        make_design = staticmethod(make)
        numbers = evaluation_shared.computed(result, "design", "estimators")

    report = Report.build("ctx", outcome="y", estimators=["b"], window="7")
    assert (report.design, report.estimators, report.window) == (
        {"ctx": "ctx", "outcome": "y"},
        ["b"],
        7,
    )
    assert report.numbers == report.numbers == ("y", ("b",)) and len(calls) == 1
    with pytest.raises(ParameterError, match="estimators"):
        Report.build("ctx", outcome="y", estimators=["c"], window=7)
