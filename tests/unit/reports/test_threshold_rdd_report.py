"""threshold_rdd report steps: support counts, the support-only design (flags and numbers)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.reports import threshold_rdd_report as rdd_report


def _design(counts, full=False):
    frame = pd.DataFrame(
        {
            "applicant": [f"1{i:04d}" for i in range(len(counts))],
            "name": [f"m{i}" for i in range(len(counts))],
            "count": counts,
            "total": [c * 10 for c in counts],
            "eligible": [c > 7500 for c in counts],
        }
    )
    return rdd_report.RDDDesign(
        frame,
        7500.5,
        7500,
        "employment_rate",
        "nationality_proxy",
        2015,
        None,
        "",
        full=full,
        definition_label="non-Belgian nationality (proxy)",
    )


def test_support_table_counts_each_side_per_window():
    d = _design([7000, 7400, 7500, 7501, 7900, 9000, 12000, 3000])
    t = rdd_report.support_table(d, 750).set_index("within ± residents")
    # 7,500 itself is not "more than 7,500": below the cutoff
    assert tuple(t.loc[250]) == (2, 1)
    assert tuple(t.loc[750]) == (3, 2)
    assert tuple(t.loc[5000]) == (4, 4)
    assert list(t.index) == sorted(t.index) and 750 in t.index


def test_support_only_design_has_no_estimates_but_a_density_check():
    rng = np.random.default_rng(1)
    d = _design(np.round(np.exp(rng.normal(7.5, 1.2, 300))).astype(int).tolist())
    est = rdd_report.rdd_estimates(d, ["sharp", "fuzzy"])
    assert est["estimates"] == {} and est["fuzzy"] is None and len(est["tables"]) == 1
    checks = rdd_report.rdd_checks(d)
    assert checks["balance"] is None and checks["placebo"] is None and checks["tables"] == []
    near, _ = rdd_report.support_text(d, 750)
    facts = rdd_report.rdd_facts(d, est, checks, near, 750, demo=False)
    json.dumps(facts)  # publishable as application/json (no NaN, no numpy types)
    assert facts["mode"] == "support_only" and facts["applicants"] == 300
    assert facts["above_threshold"] == int((d.frame["count"] > 7500).sum())
    assert {r["window"] for r in facts["support"]} >= {250, 750, 5000}


def test_rdd_estimates_reject_unknown_estimators():
    from samenleven_analysis.errors import ParameterError

    with pytest.raises(ParameterError):
        rdd_report.rdd_estimates(_design([1, 2, 3]), ["bogus"])


def test_estimates_name_the_closest_simulated_design_and_its_coverage():
    from samenleven_analysis import i18n

    with i18n.using("en"):
        english = rdd_report.coverage_text()
    with i18n.using("nl"):
        dutch = rdd_report.coverage_text()
    assert "93% to 95%" in english and "bounded in 39%" in english and "in 97%" in english
    assert "600" in english and "93% tot 95%" in dutch and "97%" in dutch
