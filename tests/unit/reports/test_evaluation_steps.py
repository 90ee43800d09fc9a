"""Real-data-first steps of the evaluation notebooks: support counts, published summaries,
pre-period and support-only verdicts (flags and numbers, not wording).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import verdicts
from samenleven_analysis.analysis.estimators.common import SyntheticControl
from samenleven_analysis.reports import evaluation_steps as steps


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
    return steps.RDDDesign(
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
    t = steps.support_table(d, 750).set_index("within ± residents")
    # 7,500 itself is not "more than 7,500": below the cutoff
    assert tuple(t.loc[250]) == (2, 1)
    assert tuple(t.loc[750]) == (3, 2)
    assert tuple(t.loc[5000]) == (4, 4)
    assert list(t.index) == sorted(t.index) and 750 in t.index


def test_support_only_design_has_no_estimates_but_a_density_check():
    rng = np.random.default_rng(1)
    d = _design(np.round(np.exp(rng.normal(7.5, 1.2, 300))).astype(int).tolist())
    est = steps.rdd_estimates(d, ["sharp", "fuzzy"])
    assert est["estimates"] == {} and est["fuzzy"] is None and len(est["tables"]) == 1
    checks = steps.rdd_checks(d)
    assert checks["balance"] is None and checks["placebo"] is None and checks["tables"] == []
    near, _ = steps.support_text(d, 750)
    facts = steps.rdd_facts(d, est, checks, near, 750, demo=False)
    json.dumps(facts)  # publishable as application/json (no NaN, no numpy types)
    assert facts["mode"] == "support_only" and facts["applicants"] == 300
    assert facts["above_threshold"] == int((d.frame["count"] > 7500).sum())
    assert {r["window"] for r in facts["support"]} >= {250, 750, 5000}


def test_rdd_estimates_reject_unknown_estimators():
    from samenleven_analysis.errors import ParameterError

    with pytest.raises(ParameterError):
        steps.rdd_estimates(_design([1, 2, 3]), ["bogus"])


def test_num_gives_json_safe_values():
    assert steps._num(float("nan")) is None and steps._num(np.float64(1.23456789)) == 1.234568


def test_support_verdict_flags_thin_support_and_missing_density():
    thin = verdicts.rdd_support_verdict(
        {"below": 2, "above": 2, "n": 285},
        None,
        threshold=7500,
        window=750,
        year=2015,
        counts_label="a*b",
    )
    thick = verdicts.rdd_support_verdict(
        {"below": 20, "above": 12, "n": 285},
        {"pvalue": 0.5},
        threshold=7500,
        window=750,
        year=2015,
        counts_label="x",
    )
    assert (
        len(thin.split("\n\n")) == 4 and len(thick.split("\n\n")) == 3
    )  # thin support adds a caution


def _sc(pvalue, poor=False):
    return SyntheticControl(
        att=5.0,
        weights=pd.Series({"11001": 1.0}),
        gaps=pd.DataFrame(),
        placebo_pvalue=pvalue,
        pre_rmspe=1.0,
        extra={"poor_fit": poor, "median_placebo_pre_rmspe": 2.0},
    )


def test_synthetic_pre_period_verdict_never_claims_an_effect():
    for sc in (_sc(0.01), _sc(0.6), _sc(0.01, poor=True)):
        text = verdicts.synthetic_pre_period_verdict(sc, placebo_year=2016, data_last_year=2020)
        assert "2016" in text and "2020" in text
    assert (
        len(
            verdicts.synthetic_pre_period_verdict(
                _sc(0.01, poor=True), placebo_year=2016, data_last_year=2020
            ).split("\n\n")
        )
        == 2
    )


def test_synthetic_verdict_escapes_the_place_name():
    """User-supplied names reach the verdict Markdown escaped (reports layer)."""
    design = steps.SyntheticDesign(
        pd.DataFrame({"year": [2005, 2020]}),
        "11001",
        2016,
        [],
        {"11001": "<b>X</b> $1"},
        "fiscal_income_per_resident",
        "",
        full=False,
    )
    text = steps.synthetic_text(design, _sc(0.6), demo=False)
    assert "<b>" not in text and "&lt;b&gt;" in text and "\\$1" in text
