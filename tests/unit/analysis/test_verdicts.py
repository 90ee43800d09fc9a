"""One verdict (issue 20, item 5): the sentence and the summary come from the same flags.

The summary is the machine-readable one. Every combination of pre-trend test, placebo checks,
multiplicity and thin support is fed to the impact and RDD steps; the synthetic-control fallback
never contradicts its own p-value; HonestDiD reads the full event-study window.
"""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from samenleven_analysis.analysis import verdicts
from samenleven_analysis.analysis.estimators.common import Estimate, Fact, SyntheticControl, fact
from samenleven_analysis.reports import impact_did_report as impact
from samenleven_analysis.reports import threshold_rdd_report as rdd_report
from samenleven_analysis.reports import verdicts as prose
from samenleven_analysis.reports.method_text import method_text


def _estimate(excludes_zero: bool, thin: bool = False) -> Estimate:
    lo, hi = (0.5, 1.5) if excludes_zero else (-0.5, 1.5)
    e = Estimate(1.0, 0.25, lo, hi, 0.001 if excludes_zero else 0.4, 100, Fact("test"))
    if thin:
        e.extra["descriptive_only"] = True
        e.notes = (fact("thin_support", below=3, above=4, minimum=5),)
    return e


def _claims(text: str) -> bool:
    return any(w in text for w in ("ended up higher", "ended up lower", "was higher", "was lower"))


def _impact_inputs(excludes, pre_fail, plac_fail, adjusted):
    units = [f"u{k}" for k in range(6)]
    panel = pd.DataFrame(
        {
            "refnis": np.repeat(units, 2),
            "year": np.tile([2021, 2022], 6),
            "treated": np.repeat([True, True, True, False, False, False], 2),
        }
    )
    design = SimpleNamespace(
        panel=panel,
        full_design=True,
        outcome="y",
        start=2022,
        label="the outcome",
        unit_label="",
    )
    studies = {"TWFE": SimpleNamespace(pretrend_pvalue=0.01 if pre_fail else 0.6)}
    avg = SimpleNamespace(main=_estimate(excludes))
    plac = SimpleNamespace(checks=lambda: {"placebo year 2019": 0.01 if plac_fail else 0.7})
    multiple = None
    if adjusted is not None:
        multiple = pd.DataFrame(
            {"outcome": ["y", "z"], "pvalue_adjusted": [adjusted, 0.9], "method": ["Holm"] * 2}
        )
    return design, studies, avg, plac, multiple


@pytest.mark.parametrize(
    ("excludes", "pre_fail", "plac_fail", "adjusted"),
    list(itertools.product([True, False], [True, False], [True, False], [None, 0.01, 0.2])),
)
def test_impact_facts_and_sentence_read_the_same_flags(excludes, pre_fail, plac_fail, adjusted):
    design, studies, avg, plac, multiple = _impact_inputs(excludes, pre_fail, plac_fail, adjusted)
    text = impact.impact_verdict(design, studies, avg, plac, None, None, multiple, demo=False)
    facts = impact.impact_facts(design, studies, avg, plac, None, None, multiple, demo=False)
    json.dumps(facts)
    expected = excludes and not pre_fail and not plac_fail and adjusted in (None, 0.01)
    assert facts["effect_claimed"] is expected
    assert _claims(text) is expected
    assert ("descriptive only" in text) is (pre_fail or plac_fail)
    assert facts["descriptive_only"] is (pre_fail or plac_fail)
    assert bool(facts["failed_checks"]) is (pre_fail or plac_fail)


def _rdd_inputs(excludes, thin, balance_fail, weak):
    frame = pd.DataFrame({"count": np.linspace(5000, 10000, 60), "applicant": range(60)})
    design = SimpleNamespace(
        full=True,
        frame=frame,
        cutoff=7500.5,
        threshold=7500,
        outcome="y",
        label="the outcome",
        definition="d",
        definition_label="d",
        ref_year=2022,
    )
    main = _estimate(excludes)
    main.extra.update(weak_first_stage=weak, ar_pvalue=0.3)
    est = {"estimates": {"fuzzy (participation, LATE)": main}, "fuzzy": main}
    checks = {
        "density": {"pvalue": 0.5},
        "balance": pd.DataFrame(
            {"covariate": ["pre_mean"], "pvalue": [0.01 if balance_fail else 0.5]}
        ),
        "placebo": pd.DataFrame({"cutoff": [3750.0], "pvalue": [0.6]}),
    }
    near = {"below": 3 if thin else 30, "above": 4 if thin else 30, "n": 60}
    return design, est, checks, near


@pytest.mark.parametrize(
    ("excludes", "thin", "balance_fail", "weak"),
    list(itertools.product([True, False], repeat=4)),
)
def test_rdd_facts_and_sentence_read_the_same_flags(excludes, thin, balance_fail, weak):
    design, est, checks, near = _rdd_inputs(excludes, thin, balance_fail, weak)
    text = rdd_report.rdd_verdict(design, est, checks, near, 750, demo=False)
    facts = rdd_report.rdd_facts(design, est, checks, near, 750, demo=False)
    json.dumps(facts)
    expected = excludes and not thin and not balance_fail and not weak
    assert facts["effect_claimed"] is expected and _claims(text) is expected
    assert facts["descriptive_only"] is (thin or balance_fail or weak)
    assert "descriptive_only" not in est["fuzzy"].extra  # the verdict does not mutate its input


def test_rdd_verdict_and_facts_name_the_local_randomisation_fallback():
    from samenleven_analysis.analysis.estimators.rdd import rdd
    from samenleven_analysis.bench.simulate import simulate_flanders_rdd

    df = simulate_flanders_rdd(seed=0, median=2000, log_sd=0.7)  # rdrobust cannot run
    main = rdd(df, "y", "running", 7500.5, treatment="treated")
    assert main.extra["fallback"] == "local_randomisation"
    design, _, checks, near = _rdd_inputs(False, False, False, False)
    est = {"estimates": {"fuzzy (participation, LATE)": main}, "fuzzy": main}
    text = rdd_report.rdd_verdict(design, est, checks, near, 750, demo=False)
    facts = rdd_report.rdd_facts(design, est, checks, near, 750, demo=False)
    wl, wr = main.extra["window"]
    assert f"local randomisation inference in the window [{wl:,.0f}, {wr:,.0f}]" in text, text
    assert facts["local_randomisation_window"] == [round(wl, 6), round(wr, 6)]
    assert facts["rdd_inference"] == "local_randomisation"
    json.dumps(facts)
    # 7 units above the cutoff in the window: descriptive only, in the text and in the facts.
    assert facts["descriptive_only"] and not facts["effect_claimed"] and not _claims(text)


def _sc(p: float, lo: float, hi: float, poor: bool = False) -> SyntheticControl:
    sc = SyntheticControl(
        att=1.0,
        weights=pd.Series([1.0], index=["d1"]),
        gaps=pd.DataFrame(),
        placebo_pvalue=p,
        ci_low=lo,
        ci_high=hi,
        pre_rmspe=0.1,
    )
    sc.extra = {"poor_fit": poor, "median_placebo_pre_rmspe": 0.1, "min_pvalue": 0.04}
    return sc


@pytest.mark.parametrize(
    ("p", "lo", "hi"),
    [
        (0.04, 0.5, 1.5),
        (0.04, -0.5, 1.5),
        (0.04, np.nan, np.nan),
        (0.4, 0.5, 1.5),
        (0.4, -0.5, 1.5),
    ],
)
def test_synthetic_fallback_sentence_never_contradicts_its_p(p, lo, hi):
    sc = _sc(p, lo, hi)
    text = prose.synthetic_verdict(sc)
    flags = verdicts.synthetic_flags(sc)
    assert flags["effect_claimed"] is (p <= 0.05 and lo > 0)
    assert ("consistent with an effect" in text) is flags["effect_claimed"]
    if p <= 0.05:  # a small p is never described as "donors show gaps as large"
        assert "show gaps as large" not in text and "rare among unfunded donors" in text
    else:
        assert "show gaps as large" in text


def _medicaid():
    from pathlib import Path

    df = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "ehec_data.csv")
    df = df[(df.year < 2016) & (df.yexp2.isna() | (df.yexp2 != 2015))].copy()
    df["cohort"] = np.where(df.yexp2 == 2014, 2014.0, np.nan)
    return df


@pytest.mark.slow
def test_honest_did_on_the_notebook_path_reproduces_the_published_medicaid_interval():
    """The review: the default window (−5, 3) bins lead −6 and moves M = 0 to [0.02505, 0.06052].

    The published HonestDiD README interval is [0.0259, 0.0607].
    """
    from samenleven_analysis.analysis.estimators import event_study, honest

    df = _medicaid()
    args = (df, "dins", "stfips", "year", "cohort")
    binned = event_study.event_study(*args, estimator="twfe", bootstrap_reps=0)
    full = event_study.event_study(*args, estimator="twfe", window=None, bootstrap_reps=0)
    assert binned.coefs.rel_time.min() == -5 and full.coefs.rel_time.min() == -6
    h = honest.honest_did(full, m_grid=[0.0], weights=np.array([1.0, 0.0]))
    assert h.table.ci_low.iloc[0] == pytest.approx(0.0259, abs=6e-4)
    assert h.table.ci_high.iloc[0] == pytest.approx(0.0607, abs=6e-4)
    # the step reads the full-window study that event_studies(..., full_window=True) attaches
    binned.extra["full_window"] = full
    s = impact.sensitivity({"TWFE": binned})
    direct = impact.coarse_honest(full)
    assert s.table.equals(direct.table)
    assert s.method["rel_range"] == (-6, 1) and s.method["window"] is None
    assert "every relative period from -6 to 1, none binned" in method_text(s.method)
