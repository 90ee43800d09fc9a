"""Programme metrics on hand-computed examples, concentration measures, and the policy facts."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samenleven_analysis.analysis import programmes as pr
from samenleven_analysis.errors import DataError
from samenleven_analysis.reports.programme_consolidation_report import regimes_figure

# --------------------------------------------------------------------------- concentration


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3, 4], 0.25),
        ([0, 0, 0, 1], 0.75),
        ([5, 5, 5], 0.0),
        ([12_000, 30_000], 3 / 14),
        ([7], 0.0),
    ],
)
def test_gini_hand_computed(values, expected):
    assert pr.gini(values) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([50, 25, 25], 0.375), ([1], 1.0), ([1, 1, 1, 1], 0.25), ([12_000, 30_000], 29 / 49)],
)
def test_hhi_hand_computed(values, expected):
    assert pr.hhi(values) == pytest.approx(expected)


@pytest.mark.parametrize("func", [pr.gini, pr.hhi])
def test_concentration_of_nothing_is_nan_and_negative_money_is_refused(func):
    assert np.isnan(func([]))
    assert np.isnan(func([0, 0]))
    with pytest.raises(ValueError, match="non-negative"):
        func([3, -1])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), min_size=1, max_size=30))
def test_gini_matches_the_mean_absolute_difference_definition(values):
    x = np.asarray(values)
    if x.sum() <= 0:
        return
    brute = np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean())
    assert pr.gini(values) == pytest.approx(brute, abs=1e-9)
    assert pr.gini(values[::-1]) == pytest.approx(pr.gini(values), abs=1e-12)
    assert pr.gini(2.5 * x) == pytest.approx(pr.gini(values), abs=1e-9)


# --------------------------------------------------------------------------- metrics


def programme_rows() -> pd.DataFrame:
    """Two fragmented projects + one training; two consolidated projects over four grants."""
    rows = [
        # project_id, regime, kind, programme, authority, year, budget, participants, trainings
        ("F1", "fragmented", "project", "Oproep 2019", "11001", 2019, 10_000.0, 20, 0),
        ("F2", "fragmented", "project", "Oproep 2020", "12001", 2020, 30_000.0, 40, 0),
        ("T1", "fragmented", "training", "Vorming", "11001", 2019, 2_000.0, 10, 2),
        ("C1-11001-2022", "consolidated", "project", "P1", "11001", 2022, 100_000.0, 100, 1),
        ("C1-IGS1-2022", "consolidated", "project", "P1", "IGS1", 2022, 50_000.0, 50, 0),
        ("C1-11001-2023", "consolidated", "project", "P1", "11001", 2023, 150_000.0, 200, 2),
        ("C2-11001-2023", "consolidated", "project", "P2", "11001", 2023, 100_000.0, 30, 0),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "project_id",
            "regime",
            "kind",
            "programme",
            "authority",
            "project_year",
            "budget_eur",
            "participants",
            "trainings",
        ],
    )
    frame.insert(4, "goal", "work")
    return frame


def eligibility_result() -> pd.DataFrame:
    """Shape of eligibility.eligible(): IGS1 (members 12001, 12002) eligible, 11001 not."""
    return pd.DataFrame(
        {
            "applicant": ["IGS1", "11001"],
            "members": [["12001", "12002"], ["11001"]],
            "count": [7600, 7000],
            "eligible": [True, False],
            "margin": [100, -500],
        }
    )


def test_programme_table_fits_the_schema():
    pr.validate(programme_rows())
    with pytest.raises(DataError, match="regime"):
        pr.validate(programme_rows().assign(regime="other"))


def test_metrics_per_regime_hand_computed():
    m = pr.metrics(programme_rows()).set_index("regime")
    assert list(m.index) == ["fragmented", "consolidated"]
    f, c = m.loc["fragmented"], m.loc["consolidated"]

    assert f["project_years"] == "2019–2020" and c["project_years"] == "2022–2023"
    assert (f["n_projects"], f["n_trainings"], f["n_grants"], f["n_authorities"]) == (2, 1, 3, 2)
    assert f["budget_total_eur"] == 42_000
    assert f["budget_per_project_eur"] == 20_000  # (10,000 + 30,000) / 2 projects
    assert f["budget_per_grant_eur"] == 14_000
    assert f["reach_total"] == 70
    assert f["budget_per_participant_eur"] == 600
    assert f["reach_median_project"] == 30
    assert f["reach_median_grant"] == 20
    assert f["trainings_total"] == 2
    # money per authority: 11001 12,000, 12001 30,000
    assert f["hhi_authorities"] == pytest.approx(29 / 49)
    assert f["gini_authorities"] == pytest.approx(3 / 14)
    assert f["top5_share"] == 1.0
    assert np.isnan(f["share_eligible"])

    # consolidated: a project is a programme (P1 over three grants, P2 over one)
    assert (c["n_projects"], c["n_trainings"], c["n_grants"], c["n_authorities"]) == (2, 0, 4, 2)
    assert c["budget_total_eur"] == 400_000
    assert c["budget_per_project_eur"] == 200_000
    assert c["budget_per_grant_eur"] == 100_000
    assert c["reach_total"] == 380
    assert c["budget_per_participant_eur"] == pytest.approx(400_000 / 380)
    assert c["reach_median_project"] == 190  # median of P1 350 and P2 30
    assert c["reach_median_grant"] == 75  # median of 100, 50, 200, 30
    assert c["trainings_total"] == 3
    # money per authority: 11001 350,000, IGS1 50,000
    assert c["hhi_authorities"] == pytest.approx(0.875**2 + 0.125**2)
    assert c["gini_authorities"] == pytest.approx(0.375)


def test_share_of_money_to_eligible_authorities_counts_partnership_members():
    m = pr.metrics(programme_rows(), eligibility_result()).set_index("regime")
    # fragmented: 12001 is a member of the eligible IGS1 -> 30,000 of 42,000
    assert m.loc["fragmented", "share_eligible"] == pytest.approx(30 / 42)
    # consolidated: IGS1 itself -> 50,000 of 400,000
    assert m.loc["consolidated", "share_eligible"] == pytest.approx(0.125)
    # a plain list of ids works too
    ids = pr.metrics(programme_rows(), ["11001"]).set_index("regime")["share_eligible"]
    assert ids.tolist() == pytest.approx([12 / 42, 350 / 400])


def test_metrics_by_project_year():
    m = pr.metrics(programme_rows(), by=("regime", "project_year"))
    assert list(zip(m["regime"], m["project_year"], strict=True)) == [
        ("fragmented", 2019),
        ("fragmented", 2020),
        ("consolidated", 2022),
        ("consolidated", 2023),
    ]
    assert m["budget_total_eur"].tolist() == [12_000, 30_000, 150_000, 250_000]
    assert m["n_projects"].tolist() == [1, 1, 1, 2]
    with pytest.raises(ValueError, match="regime"):
        pr.metrics(programme_rows(), by=("project_year",))


def test_compare_before_after():
    table = pr.compare(pr.metrics(programme_rows())).set_index("metric")
    row = table.loc["Budget per project (EUR)"]
    assert (row["fragmented"], row["consolidated"]) == (20_000, 200_000)
    assert row["change"] == 180_000 and row["ratio"] == 10
    assert table.loc["Projects", "ratio"] == 1
    with pytest.raises(ValueError, match="both regimes"):
        pr.compare(pr.metrics(programme_rows().query("regime == 'fragmented'")))


def test_per_year_sets_the_published_facts_beside_the_data():
    out = pr.per_year(programme_rows()).set_index(["regime", "project_year"])
    assert out.loc[("consolidated", 2022), "fact_budget_eur"] == 14_100_000
    assert out.loc[("consolidated", 2023), "fact_authorities"] == 147
    assert pd.isna(out.loc[("fragmented", 2019), "fact_budget_eur"])
    assert out.loc[("consolidated", 2023), "budget_eur"] == 250_000


def test_regimes_figure_draws_the_metric_values():
    import matplotlib.pyplot as plt

    from samenleven_analysis import i18n

    m = pr.metrics(programme_rows())
    with i18n.using("en"):
        fig = regimes_figure(m, min_cell=5)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.get_title() for ax in visible]
    assert "Budget per project (EUR)" in titles  # share_eligible: all NaN, not drawn
    assert not any("eligible" in t for t in titles)
    budget = visible[titles.index("Budget per project (EUR)")]
    assert [bar.get_height() for bar in budget.patches] == [20_000, 200_000]
    plt.close(fig)


def test_demo_programme_table_has_the_announced_project_counts():
    from samenleven_analysis.data import demo

    table = demo.programmes_table()
    pr.validate(table)
    m = pr.metrics(table).set_index("regime")
    assert m.loc["fragmented", "n_projects"] == pr.fact("projects_before") == 380
    assert m.loc["fragmented", "n_trainings"] == pr.fact("trainings_before") == 413
    assert m.loc["consolidated", "n_projects"] == pr.fact("projects_after") == 24
    years = pr.per_year(table).query("regime == 'consolidated'")
    assert years["budget_eur"].to_numpy() == pytest.approx(
        years["fact_budget_eur"].to_numpy(), rel=0.02
    )


# --------------------------------------------------------------------------- facts


def test_facts_load_with_sources():
    data = pr.facts()
    assert pr.fact("threshold_residents") == 7500
    assert data["facts"]["threshold_residents"]["comparison"] == "more_than"
    assert pr.fact("budget_paid_eur") == {2022: 14_100_000, 2023: 16_900_000, 2024: 17_000_000}
    assert pr.fact("participating_authorities") == {2022: 104, 2023: 147, 2024: 59}
    assert str(pr.fact("start_date")) == "2022-10-01"
    assert pr.fact("projects_before") == 380 and pr.fact("trainings_before") == 413
    assert pr.fact("budget_announced_eur") == 33_000_000 and pr.fact("authorities_announced") == 28
    assert "20-10-2021" in pr.citation("projects_before")
    for entry in data["facts"].values():
        srcs = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
        assert srcs and all(s in data["sources"] for s in srcs)


def test_conflicting_facts_are_marked():
    table = pr.facts_table().set_index("fact")
    for key in (
        "budget_paid_eur",
        "participating_authorities",
        "origin_criterion",
        "budget_announced_eur",
    ):
        assert table.loc[key, "conflicting"], key
    assert "roots outside Europe" in table.loc["origin_criterion", "conflicting"]
    # the rounded per-year amounts do not add up to the ~47 M total: said in the file
    assert sum(pr.fact("budget_paid_eur").values()) == 48_000_000
    assert "48.0 M" in pr.facts()["facts"]["budget_total_eur"]["note"]


def test_facts_are_a_fresh_copy():
    data = pr.facts()
    data["facts"]["threshold_residents"]["value"] = 1
    assert pr.fact("threshold_residents") == 7500
    with pytest.raises(KeyError, match="unknown fact"):
        pr.fact("no_such_fact")


def test_check_facts_rejects_unsourced_or_unknown_sources():
    good = pr.facts()
    pr.check_facts(good)
    bad = copy.deepcopy(good)
    bad["facts"]["threshold_residents"]["source"] = ["nowhere"]
    with pytest.raises(DataError, match="unknown source 'nowhere'"):
        pr.check_facts(bad)
    bad = copy.deepcopy(good)
    del bad["facts"]["threshold_residents"]["source"]
    with pytest.raises(DataError, match="without a source"):
        pr.check_facts(bad)
    bad = copy.deepcopy(good)
    bad["facts"]["budget_paid_eur"]["conflict"][0]["source"] = ["nowhere"]
    with pytest.raises(DataError, match="nowhere"):
        pr.check_facts(bad)


def test_regimes_figure_labels_small_person_counts_as_suppressed():
    import matplotlib.pyplot as plt

    from samenleven_analysis import i18n

    m = pr.metrics(programme_rows())
    m.loc[m["regime"] == "fragmented", "reach_median_project"] = 3.0
    with i18n.using("en"):
        fig = regimes_figure(m, min_cell=5)
    panel = next(ax for ax in fig.axes if ax.get_title().startswith("Participants per project"))
    assert [t.get_text() for t in panel.texts][0] == "<5"
    plt.close(fig)
