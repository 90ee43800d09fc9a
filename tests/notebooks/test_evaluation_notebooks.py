"""The three evaluation notebooks on the real mirror.

The mirror has fiscal income 2005–2020 and population 2009–2015 but no outcome or funding
table. Real runs must never show Demoland: impact_did and synthetic_control run as *pre-period
checks* on fiscal income (placebo year, no effect claimed), threshold_rdd shows the support and
log-count density of the real counts around 7,500. Each notebook publishes a machine-readable
summary (the verdict output's metadata, written by ``evaluation_shared.publish``) that these
tests read instead of prose. (Their demo-mode outputs are checked by nbval.)
"""

from __future__ import annotations

import re

import nbformat
import pytest
from _notebooks import output_text

from samenleven_analysis.reports.evaluation_shared import SUMMARY_KEY

EVALUATION = ("impact_did", "threshold_rdd", "synthetic_control")


def _facts(real_run, name: str) -> dict:
    out, _ = real_run
    nb = nbformat.read(str(out / f"{name}.ipynb"), as_version=4)
    found = [
        o["metadata"][SUMMARY_KEY]
        for c in nb.cells
        for o in c.get("outputs", [])
        if SUMMARY_KEY in o.get("metadata", {})
        and o["metadata"][SUMMARY_KEY].get("notebook") == name
    ]
    assert len(found) == 1, f"{name}: expected one published summary"
    return found[0]


def _text(real_run, name: str) -> str:
    out, _ = real_run
    return output_text(nbformat.read(str(out / f"{name}.ipynb"), as_version=4))


def _demoland_names() -> set[str]:
    from samenleven_analysis.reports import context as reporting

    ctx = reporting.data_context(2025, demo=True)
    return {str(n) for n in ctx.load("municipalities")["name_nl"] if len(str(n)) > 4}


@pytest.mark.realdata
@pytest.mark.notebooks
@pytest.mark.parametrize("name", EVALUATION)
def test_real_evaluation_notebooks_show_no_demoland(real_run, name):
    facts, text = _facts(real_run, name), _text(real_run, name)
    assert facts["demo"] is False
    assert "ERROR" not in text
    names = _demoland_names()
    assert len(names) > 20  # the check knows what to look for
    assert not [n for n in names if n in text]
    # Demoland codes are 94xxx-99xxx; Flemish codes start with 1, 2, 3, 4 or 7
    assert not re.findall(r"(?<![\w.#-])9[4-9]\d{3}(?![\w.])", text)
    codes = facts.get("applicant_codes") or facts.get("unit_codes") or facts.get("weight_codes")
    assert codes and all(c[0] in "12347" for c in codes)
    assert "Demoland" not in text


@pytest.mark.realdata
@pytest.mark.notebooks
def test_rdd_on_the_real_mirror_reports_the_real_support(real_run):
    facts = _facts(real_run, "threshold_rdd")
    assert facts["mode"] == "support_only"
    # nationality proxy, reference year by the package rule (2022 asked, mirror ends 2015)
    assert facts["definition"] == "nationality_proxy" and facts["year"] == 2015
    assert facts["applicants"] == 285 and facts["above_threshold"] == 6
    support = {r["window"]: (r["below"], r["above"]) for r in facts["support"]}
    assert support[750] == (2, 2) and support[2500] == (13, 3)
    below = [support[w][0] for w in sorted(support)]
    assert below == sorted(below)  # wider windows never hold fewer municipalities
    assert facts["density_log"] is True and 0 <= facts["density_pvalue"] <= 1


@pytest.mark.realdata
@pytest.mark.notebooks
@pytest.mark.parametrize("name", ["impact_did", "synthetic_control"])
def test_pre_period_check_ran_on_fiscal_income(real_run, name):
    facts = _facts(real_run, name)
    assert facts["mode"] == "pre_period_check"
    assert facts["outcome"] == "fiscal_income_per_resident"
    assert facts["placebo_year"] == 2016 and facts["years"] == [2005, 2020]
    if name == "impact_did":
        assert facts["treated_units"] == 6 and facts["comparison_units"] == 279
        assert facts["effect_claimed"] is False
        assert facts["estimate"] is not None and facts["pretrend_pvalue"] is not None
    else:
        assert facts["authority"] == "11002" and facts["donors"] == 30
        # The gap and fit are described; the placebo test does not hold its level here.
        assert facts["att"] is not None and facts["pre_rmspe"] is not None
        assert facts["placebo_pvalue"] is None and facts["ci"] == [None, None]


@pytest.mark.notebooks
@pytest.mark.parametrize("name", EVALUATION)
def test_committed_demo_outputs_run_the_full_estimators(name):
    """The stored demo run (what nbval compares) shows the estimators, labelled as demo."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "notebooks" / f"{name}.ipynb"
    facts = _facts((path.parent, 0), name)
    assert facts["demo"] is True
    assert facts["mode"] in ("full", "estimates")
