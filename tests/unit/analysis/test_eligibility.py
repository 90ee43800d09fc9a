"""Eligibility at 7,500: exact results on hand-built tables, pooling, errors, coverage, sensitivity."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samenleven_analysis.analysis import eligibility as el
from samenleven_analysis.errors import DataError


def counts_frame(values: dict[str, int], year: int = 2022) -> pd.DataFrame:
    """Already counted input: one row per municipality, total = 4 × count."""
    return pd.DataFrame(
        {
            "year": year,
            "refnis": list(values),
            "count": list(values.values()),
            "total": [4 * v for v in values.values()],
        }
    )


def origin_table(rows: dict[tuple[int, str], dict[str, int]]) -> pd.DataFrame:
    """Canonical long origin table from {(year, refnis): {origin: population}}."""
    records = [
        {"year": y, "refnis": r, "origin": o, "population": p}
        for (y, r), groups in rows.items()
        for o, p in groups.items()
    ]
    return pd.DataFrame(records)


def partnerships(mapping: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(pid, f"IGS {pid}", code) for pid, codes in mapping.items() for code in codes],
        columns=["partnership_id", "name", "refnis"],
    )


# --------------------------------------------------------------------------- the comparison


def test_tie_at_threshold_is_not_eligible_when_strict_but_is_when_inclusive():
    data = counts_frame({"11001": 7500, "11002": 7501, "11003": 7499})
    strict = el.eligible(data)
    assert list(strict["applicant"]) == ["11002", "11001", "11003"]
    assert list(strict["eligible"]) == [True, False, False]
    assert list(strict["margin"]) == [1, 0, -1]
    inclusive = el.eligible(data, inclusive=True)
    assert list(inclusive["applicant"]) == ["11002", "11001", "11003"]
    assert list(inclusive["eligible"]) == [True, True, False]
    assert list(inclusive["margin"]) == [1, 0, -1]


def test_output_columns_and_types():
    out = el.eligible(counts_frame({"11001": 8000, "11002": 100}))
    assert tuple(out.columns) == el.COLUMNS
    assert out["eligible"].dtype == bool
    assert out["count"].dtype == "int64"
    assert out["margin"].dtype == "int64"
    assert out.loc[0, "members"] == ["11001"]
    assert out.loc[0, "kind"] == "municipality"
    assert out.loc[0, "share"] == pytest.approx(0.25)
    assert out.attrs["threshold"] == 7500 and out.attrs["year"] == 2022


def test_other_threshold_and_float_threshold():
    data = counts_frame({"11001": 5000, "11002": 5001})
    out = el.eligible(data, threshold=5000)
    assert list(out["eligible"]) == [True, False]
    out = el.eligible(data, threshold=5000.5)
    assert list(out["margin"]) == [0.5, -0.5]


@pytest.mark.parametrize(
    ("bad", "error"),
    [(-1, ValueError), (float("nan"), ValueError), ("7500", TypeError), (True, TypeError)],
)
def test_bad_threshold_is_rejected(bad, error):
    with pytest.raises(error, match="threshold"):
        el.eligible(counts_frame({"11001": 1}), threshold=bad)


def test_order_is_deterministic_whatever_the_input_order():
    values = {"11001": 9000, "11002": 9000, "11003": 100, "11004": 100, "11005": 7600}
    a = el.eligible(counts_frame(values))
    b = el.eligible(counts_frame(dict(reversed(list(values.items())))))
    pd.testing.assert_frame_equal(a, b)
    # eligible first, then count descending, then code
    assert list(a["applicant"]) == ["11001", "11002", "11005", "11003", "11004"]


# --------------------------------------------------------------------------- partnerships


def test_pooled_partners_cross_the_threshold_and_do_not_apply_alone():
    data = counts_frame({"11001": 8000, "12001": 4000, "12002": 3600, "13001": 100})
    out = el.eligible(data, partnerships=partnerships({"IGS1": ["12002", "12001"]}))
    assert list(out["applicant"]) == ["11001", "IGS1", "13001"]
    igs = out.set_index("applicant").loc["IGS1"]
    assert igs["members"] == ["12001", "12002"]  # sorted
    assert igs["count"] == 7600 and igs["margin"] == 100 and bool(igs["eligible"])
    assert igs["kind"] == "partnership" and igs["name"] == "IGS IGS1"
    assert igs["n_members"] == 2 and igs["total"] == 4 * 7600
    assert not {"12001", "12002"} & set(out["applicant"])


def test_pooled_partners_that_stay_below_are_not_eligible():
    data = counts_frame({"12001": 3000, "12002": 4500})
    out = el.eligible(data, partnerships=partnerships({"IGS1": ["12001", "12002"]}))
    assert len(out) == 1
    assert out.loc[0, "count"] == 7500 and not out.loc[0, "eligible"]
    assert el.eligible(
        data, partnerships=partnerships({"IGS1": ["12001", "12002"]}), inclusive=True
    ).loc[0, "eligible"]


def test_municipality_in_two_partnerships_is_an_error_naming_it():
    data = counts_frame({"12001": 3000, "12002": 4500, "12003": 10})
    table = partnerships({"IGS1": ["12001", "12002"], "IGS2": ["12002", "12003"]})
    with pytest.raises(DataError, match=r"12002.*2 partnerships \(IGS1, IGS2\)"):
        el.eligible(data, partnerships=table)


def test_unknown_member_code_is_an_error_naming_it():
    data = counts_frame({"12001": 3000, "12002": 4500})
    with pytest.raises(DataError, match=r"IGS1: member 12999 is unknown.*year 2022"):
        el.eligible(data, partnerships=partnerships({"IGS1": ["12001", "12999"]}))


def test_member_outside_the_selected_area_is_an_error():
    data = counts_frame({"12001": 3000, "21001": 4500})
    with pytest.raises(DataError, match="21001 is unknown in the data for the selected area"):
        el.eligible(data, partnerships=partnerships({"IGS1": ["12001", "21001"]}), within=["12001"])


def test_partnership_id_equal_to_a_solo_municipality_code_is_an_error():
    data = counts_frame({"12001": 3000, "12002": 4500, "12003": 9000})
    with pytest.raises(DataError, match="partnership id 12003"):
        el.eligible(data, partnerships=partnerships({"12003": ["12001", "12002"]}))


def test_partnership_named_after_its_lead_member_is_fine():
    data = counts_frame({"12001": 3000, "12002": 4600})
    out = el.eligible(data, partnerships=partnerships({"12002": ["12001", "12002"]}))
    assert list(out["applicant"]) == ["12002"] and out.loc[0, "count"] == 7600


def test_numeric_partnership_codes_are_read_as_text(tmp_path):
    path = tmp_path / "partnerships.csv"
    path.write_text(
        "partnership_id,name,refnis\nIGS1,Noord,12001\nIGS1,Noord,12002\n", encoding="utf-8"
    )
    table = el.read_partnerships(path)
    assert list(table["refnis"]) == ["12001", "12002"]
    numeric = pd.read_csv(path)  # refnis becomes int64
    out = el.eligible(counts_frame({"12001": 4000, "12002": 4000}), partnerships=numeric)
    assert out.loc[0, "members"] == ["12001", "12002"] and bool(out.loc[0, "eligible"])


def test_read_partnerships_rejects_a_double_member(tmp_path):
    path = tmp_path / "partnerships.csv"
    path.write_text("partnership_id,name,refnis\nA,,12001\nB,,12001\n", encoding="utf-8")
    with pytest.raises(DataError, match="partnerships.csv.*12001"):
        el.read_partnerships(path)


# --------------------------------------------------------------------------- empty results


def test_nobody_qualifies():
    out = el.eligible(counts_frame({"11001": 10, "11002": 7500}))
    assert not out["eligible"].any()
    assert out[out["eligible"]].empty
    cov = el.coverage(counts_frame({"11001": 10, "11002": 7500}))
    assert cov.eligible_applicants == 0 and cov.residents_eligible == 0 and cov.share == 0.0


def test_empty_input_gives_an_empty_table_with_the_columns():
    empty = counts_frame({}).astype(
        {"year": "int64", "refnis": str, "count": "int64", "total": "int64"}
    )
    out = el.eligible(empty)
    assert out.empty and tuple(out.columns) == el.COLUMNS


# --------------------------------------------------------------------------- definitions and years


def test_definitions_on_a_canonical_origin_table():
    table = origin_table(
        {
            (2021, "11001"): {
                "BEL": 50000,
                "EU14": 3000,
                "EU13": 2000,
                "EUROPE_OTHER": 1000,
                "NON_EUROPE": 4000,
            },
            (2022, "11001"): {
                "BEL": 50000,
                "EU14": 3000,
                "EU13": 2500,
                "EUROPE_OTHER": 1000,
                "NON_EUROPE": 4100,
            },
            (2022, "11002"): {
                "BEL": 9000,
                "EU14": 100,
                "EU13": 10,
                "EUROPE_OTHER": 20,
                "NON_EUROPE": 30,
            },
        }
    )
    out = el.eligible(table)  # latest year, non_eu14
    assert out.loc[0, "year"] == 2022
    assert dict(zip(out["applicant"], out["count"], strict=True)) == {"11001": 7600, "11002": 60}
    assert list(out["eligible"]) == [True, False]
    assert out.loc[0, "total"] == 60600
    assert el.eligible(table, year=2021).loc[0, "count"] == 7000
    assert el.eligible(table, definition="non_eu27").loc[0, "count"] == 5100
    assert el.eligible(table, definition="non_europe").loc[0, "count"] == 4100
    with pytest.raises(ValueError, match="year 2019 is not in the data"):
        el.eligible(table, year=2019)
    with pytest.raises(ValueError, match="unknown definition 'non_eu99'"):
        el.eligible(table, definition="non_eu99")
    with pytest.raises(ValueError, match="nationality_proxy"):
        el.eligible(table, definition="nationality_proxy")


def test_nationality_proxy_on_the_population_table():
    pop = pd.DataFrame(
        {
            "year": 2015,
            "refnis": ["11001", "11001", "11001", "11002", "11002"],
            "sex": ["M", "F", "M", "M", "F"],
            "nationality": ["BEL", "ETR", "ETR", "BEL", "ETR"],
            "age": [30, 30, 40, 30, 30],
            "population": [20000, 4000, 3501, 5000, 10],
        }
    )
    out = el.eligible(pop, definition="nationality_proxy")
    assert dict(zip(out["applicant"], out["count"], strict=True)) == {"11001": 7501, "11002": 10}
    assert list(out["eligible"]) == [True, False]
    with pytest.raises(ValueError, match="origin table"):
        el.eligible(pop)  # non_eu14 needs an origin table


def test_within_restricts_applicants_and_the_coverage_denominator():
    data = counts_frame({"11001": 8000, "21001": 20000, "11002": 2000})
    out = el.eligible(data, within=["11001", "11002"])
    assert list(out["applicant"]) == ["11001", "11002"]
    cov = el.coverage(data, within=["11001", "11002"])
    assert cov.residents_total == 10000 and cov.share == pytest.approx(0.8)


def test_vintage_harmonises_counts_before_pooling(monkeypatch):
    """With ``vintage`` the counts go through municipalities.harmonise (merged codes summed)."""
    from samenleven_analysis.data import municipalities

    calls = {}

    def fake_harmonise(frame, to_vintage, *, value_cols=("population",), **_):
        calls["args"] = (to_vintage, tuple(value_cols))
        merged = frame.assign(refnis=frame["refnis"].replace({"12001": "12099", "12002": "12099"}))
        return merged.groupby(["year", "refnis"], as_index=False)[list(value_cols)].sum()

    monkeypatch.setattr(municipalities, "harmonise", fake_harmonise)
    data = counts_frame({"12001": 4000, "12002": 3600, "13001": 10})
    out = el.eligible(data, vintage=2025)
    assert calls["args"] == (2025, ("count", "total"))
    assert list(out["applicant"]) == ["12099", "13001"] and out.loc[0, "count"] == 7600
    with pytest.raises(DataError, match="member 12001 is unknown"):
        el.eligible(data, vintage=2025, partnerships=partnerships({"IGS": ["12001", "13001"]}))


# --------------------------------------------------------------------------- coverage


def test_coverage_counts_pooled_members():
    data = counts_frame({"11001": 10000, "12001": 4000, "12002": 3600, "13001": 2400})
    cov = el.coverage(data, partnerships=partnerships({"IGS1": ["12001", "12002"]}))
    assert cov.applicants == 3
    assert cov.eligible_applicants == 2
    assert cov.eligible_municipalities == 3
    assert cov.residents_eligible == 17600
    assert cov.residents_total == 20000
    assert cov.share == pytest.approx(0.88)
    assert cov.to_frame().loc[0, "share"] == pytest.approx(0.88)


# --------------------------------------------------------------------------- sensitivity


def test_sensitivity_exact_entries_and_exits():
    data = counts_frame({"11001": 5200, "11002": 7500, "11003": 8000, "11004": 12000})
    out = el.sensitivity(data, [5000, 7000, 7500, 9000])
    assert list(out["threshold"]) == [5000, 7000, 7500, 9000]
    assert list(out["n_eligible"]) == [4, 3, 2, 1]
    assert list(out["is_baseline"]) == [False, False, True, False]
    assert out["entered"].tolist() == [["11001", "11002"], ["11002"], [], []]
    assert out["left"].tolist() == [[], [], [], ["11003"]]
    assert list(out["residents_eligible"]) == [32700, 27500, 20000, 12000]
    assert out.loc[2, "coverage"] == pytest.approx(20000 / 32700)


def test_sensitivity_default_grid_and_definitions_on_an_origin_table():
    table = origin_table(
        {
            (year, "11001"): {
                "BEL": 1000,
                "EU14": 50,
                "EU13": 3000,
                "EUROPE_OTHER": 1000,
                "NON_EUROPE": 4000 + 100 * (year - 2020),
            }
            for year in (2020, 2021, 2022)
        }
    )
    out = el.sensitivity(table, years=[2020, 2022], step=2500)
    assert list(out["threshold"].unique()) == [5000, 7500, 10000]
    assert list(out["definition"].unique()) == ["non_eu14", "non_eu27", "non_europe"]
    assert len(out) == 3 * 2 * 3
    row = out[(out.definition == "non_eu27") & (out.year == 2022) & (out.threshold == 5000)].iloc[0]
    assert row["n_eligible"] == 1 and row["entered"] == ["11001"]  # 5,200 non-EU27 residents


def test_sensitivity_with_partnerships_and_inclusive():
    data = counts_frame({"12001": 3000, "12002": 4500, "11001": 9000})
    table = partnerships({"IGS1": ["12001", "12002"]})
    out = el.sensitivity(data, [7500, 9000], partnerships=table, inclusive=True)
    assert out["n_eligible"].tolist() == [2, 1]
    assert out["n_municipalities"].tolist() == [3, 1]
    assert out["left"].tolist() == [[], ["IGS1"]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.integers(min_value=0, max_value=20000), min_size=1, max_size=12),
    thresholds=st.lists(
        st.integers(min_value=0, max_value=25000), min_size=2, max_size=8, unique=True
    ),
    inclusive=st.booleans(),
    pool=st.integers(min_value=0, max_value=3),
)
def test_sensitivity_is_monotone_in_the_threshold(values, thresholds, inclusive, pool):
    codes = [f"{11001 + i}" for i in range(len(values))]
    data = counts_frame(dict(zip(codes, values, strict=True)))
    table = partnerships({"IGS": codes[:pool]}) if pool >= 1 and len(codes) >= pool else None
    out = el.sensitivity(data, thresholds, partnerships=table, inclusive=inclusive)
    assert out["threshold"].is_monotonic_increasing
    assert out["n_eligible"].is_monotonic_decreasing
    assert out["residents_eligible"].is_monotonic_decreasing
    # the eligible sets are nested: what is eligible at a higher threshold is eligible below
    sets = [
        set(
            el.eligible(data, t, partnerships=table, inclusive=inclusive).query("eligible")[
                "applicant"
            ]
        )
        for t in out["threshold"]
    ]
    assert all(hi <= lo for lo, hi in itertools.pairwise(sets))
    assert [len(s) for s in sets] == out["n_eligible"].tolist()


# --------------------------------------------------------------------------- demo data


def test_demo_partnership_pools_across_the_threshold():
    from samenleven_analysis.data import demo

    origin = demo.origin_table()
    parts = demo.partnerships_table()
    out = el.eligible(origin, year=demo.REFERENCE_YEAR, partnerships=parts).set_index("applicant")
    assert bool(out.loc["IGS01", "eligible"]) and not bool(out.loc["IGS02", "eligible"])
    members = out.loc["IGS01", "members"]
    alone = el.eligible(origin, year=demo.REFERENCE_YEAR).set_index("applicant")
    assert not alone.loc[members, "eligible"].any()  # each member alone stays below
    assert out.loc["IGS01", "count"] == alone.loc[members, "count"].sum()
    # the demo's treatment table uses the same strict rule on the same reference year
    # (the treatment table is on the 2025 vintage: compare the applicants both share)
    treat = demo.treatment_table().drop_duplicates("applicant").set_index("applicant")
    common = treat.index.intersection(out.index)
    assert len(common) >= 50
    assert (out.loc[common, "eligible"] == treat.loc[common, "eligible"]).all()


# --------------------------------------------------------------------------- publication


def test_for_publication_suppresses_small_counts_and_what_reveals_them():
    data = pd.DataFrame(
        {
            "year": 2022,
            "refnis": ["11001", "11002", "11003"],
            "count": [8000, 3, 60],
            "total": [20000, 900, 400],
        }
    )
    shown = el.for_publication(el.eligible(data), min_cell=5, names={"11001": "Aastad"})
    assert shown["applicant"].tolist() == ["11001", "11003", "11002"]
    assert shown["count"].tolist() == [
        "8000",
        "x",
        "<5",
    ]  # 60 goes too (marked "x"): the column sum is published
    assert shown.loc[0, "name"] == "Aastad" and shown.loc[0, "margin"] == "+500"
    assert shown.loc[0, "share"] == "40.0%" and shown.loc[0, "eligible"] == "yes"
    assert shown.loc[2, "margin"] == "" and shown.loc[2, "share"] == ""
    assert shown.loc[1, "margin"] == "" and shown.loc[2, "total"] == "900"


def test_demo_counts_harmonised_to_the_2025_vintage(tmp_path, monkeypatch):
    """2022 data (old vintage) expressed in 2025 codes: the merged municipality pools its parts."""
    from samenleven_analysis.data import demo, municipalities

    # The demo geography from just the two files it needs (not the whole demo folder).
    (tmp_path / "TU_COM_REFNIS.txt").write_bytes(demo.refnis_text())
    (tmp_path / "fusies-2025.csv").write_bytes(demo.mergers_text())
    geography = municipalities.geography_from_tables(
        tmp_path / "TU_COM_REFNIS.txt", tmp_path / "fusies-2025.csv", demo=True
    )
    monkeypatch.setattr(municipalities, "demo_geography", lambda: geography)
    origin = demo.origin_table()
    old = el.eligible(origin, year=2022).set_index("applicant")
    new = el.eligible(origin, year=2022, vintage=2025).set_index("applicant")
    assert "97021" in new.index and not {"97011", "97012"} & set(new.index)
    assert new.loc["97021", "count"] == old.loc["97011", "count"] + old.loc["97012", "count"]
    assert len(new) == len(old) - 1
    assert new["count"].sum() == old["count"].sum()


def test_selected_area_without_municipalities_gives_an_empty_result():
    data = counts_frame({"11001": 8000})
    assert el.eligible(data, within=[]).empty
    cov = el.coverage(data, within=[])
    assert cov.applicants == 0 and cov.year == 2022 and np.isnan(cov.share)
