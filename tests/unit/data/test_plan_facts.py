"""The Plan Samenleven facts are loaded in data/ and agree with samenleven_analysis.facts."""

from __future__ import annotations

from samenleven_analysis import facts
from samenleven_analysis.analysis import programmes
from samenleven_analysis.data import plan_facts


def test_the_yaml_and_facts_py_agree_on_the_shared_facts():
    assert plan_facts.fact("threshold_residents") == facts.THRESHOLD_RESIDENTS
    assert plan_facts.fact("start_date") == facts.PROGRAMME_START_DATE
    assert plan_facts.fact("start_date").year == facts.PROGRAMME_START_YEAR


def test_facts_are_fresh_copies_and_the_analysis_names_are_the_data_loaders():
    first = plan_facts.facts()
    first["facts"].clear()
    assert plan_facts.facts()["facts"]
    assert programmes.fact is plan_facts.fact and programmes.facts_table is plan_facts.facts_table
    assert set(plan_facts.facts_table()["fact"]) == set(plan_facts.facts()["facts"])
