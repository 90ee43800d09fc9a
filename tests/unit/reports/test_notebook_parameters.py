"""Every literal fact in a notebook parameter cell equals its home, ``samenleven_analysis.facts``.

Notebook parameter cells must hold literals (papermill and ``reports/parameters.py`` read them
without running code), so the shared facts appear there as literals: this test keeps every such
literal equal to its one home.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from samenleven_analysis import facts
from samenleven_analysis.data.codes import PROXY_DEFINITION
from samenleven_analysis.reports.parameters import parse_parameters

NOTEBOOKS = sorted((Path(__file__).resolve().parents[3] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameter_defaults_are_the_facts(notebook):
    specs = parse_parameters(notebook)
    if "threshold" in specs:
        assert specs["threshold"].default == facts.THRESHOLD_RESIDENTS
    if "seed" in specs:
        assert specs["seed"].default == facts.DEFAULT_SEED
    if "definition" in specs and specs["definition"].allowed is not None:
        assert set(specs["definition"].allowed) == {*facts.ORIGIN_DEFINITIONS, PROXY_DEFINITION}
    if "vintage" in specs:
        assert specs["vintage"].default == max(facts.VINTAGES)
        if specs["vintage"].allowed is not None:
            assert set(specs["vintage"].allowed) == set(facts.VINTAGES)


def test_every_table_of_definitions_lists_the_facts_definitions():
    from samenleven_analysis.analysis import eligibility
    from samenleven_analysis.data import origin
    from samenleven_analysis.reports import labels

    expected = [*facts.ORIGIN_DEFINITIONS, PROXY_DEFINITION]
    assert list(origin.DEFINITIONS) == expected
    assert list(eligibility.DEFINITIONS) == expected
    assert set(labels.DEFINITION_LABELS) >= set(expected)
