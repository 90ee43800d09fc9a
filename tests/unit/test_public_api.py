"""The public import paths users' scripts rely on (docs/design.md) stay importable."""

import importlib

import pytest


@pytest.mark.parametrize(
    ("public", "home"),
    [
        ("samenleven_analysis.eligibility", "samenleven_analysis.analysis.eligibility"),
        ("samenleven_analysis.geo", "samenleven_analysis.data.boundaries"),
        ("samenleven_analysis.reporting", "samenleven_analysis.reports.context"),
    ],
)
def test_public_path_is_the_module_itself(public, home):
    # the same module object, so monkeypatching either name patches both
    assert importlib.import_module(public) is importlib.import_module(home)


def test_contract_names_are_importable():
    from samenleven_analysis.eligibility import eligible
    from samenleven_analysis.evaluation import (
        Estimate,
        did,
        event_study,
        rdd,
        staggered_did,
        synthetic_control,
    )
    from samenleven_analysis.reporting import data_context

    assert all(
        callable(f)
        for f in (eligible, did, event_study, rdd, staggered_did, synthetic_control, data_context)
    )
    assert {"estimate", "se", "ci_low", "ci_high", "pvalue", "n", "method"} <= set(
        Estimate.__dataclass_fields__
    )
