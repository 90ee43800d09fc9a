"""reporting: the notebooks' data context and the shared authority helpers.

The data context: build once, load, demo fallback, provenance. The authority helpers are shared by
authority_report.ipynb and the dashboard.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _hostile import ATTACKS

from samenleven_analysis.analysis import authorities, disclosure
from samenleven_analysis.data import build
from samenleven_analysis.errors import DataUnavailable
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports import provenance

_BUILT: dict[str, Path] = {}


@pytest.fixture
def demo_ctx() -> reporting.DataContext:
    """A fresh context on the demo build (built once per session into the test folders)."""
    if "demo" not in _BUILT:
        _BUILT["demo"] = reporting.data_context(2025, demo=True).processed
    return reporting.DataContext(vintage=2025, processed=_BUILT["demo"], built_demo=True)


# --------------------------------------------------------------------------- pure helpers


def test_sources_of_reads_the_sidecar_layouts():
    listed = {
        "inputs": [
            {
                "dataset_id": "refnis",
                "file": "/abs/path/TU_COM_REFNIS.txt",
                "sha256": "ab",
                "demo": False,
            }
        ]
    }
    assert provenance.sources_of(listed) == [
        {"dataset_id": "refnis", "file": "TU_COM_REFNIS.txt", "sha256": "ab", "demo": False}
    ]  # a file name, never a path
    keyed = {
        "sources": {"origin": {"filename": "population_origin.csv", "sha256": "cd", "demo": True}}
    }
    assert provenance.sources_of(keyed)[0]["dataset_id"] == "origin"
    assert provenance.sources_of(keyed)[0]["demo"] is True
    assert provenance.sources_of({}) == []


def test_prebuilt_environment_round_trip(monkeypatch, tmp_path):
    folders = {"2025": tmp_path / "a", "demo-2025": tmp_path / "b"}
    monkeypatch.setenv(reporting.PREBUILT_ENV, reporting.encode_prebuilt(folders))
    assert reporting._prebuilt() == folders


def test_git_commit_override_and_package_versions(monkeypatch):
    monkeypatch.setenv(provenance.GIT_COMMIT_ENV, "abc1234")
    assert provenance.git_commit() == "abc1234"
    versions = provenance.package_versions(("pandas", "surely-not-installed-xyz"))
    assert versions["pandas"] == pd.__version__
    assert versions["surely-not-installed-xyz"] == "not installed"
    assert "python" in versions


# --------------------------------------------------------------------------- context on demo data


def test_demo_context_loads_tables_and_says_demo_everywhere(demo_ctx):
    origin = demo_ctx.load("population_origin")
    assert {"year", "refnis", "origin", "population"} <= set(origin.columns)
    assert demo_ctx.demo and demo_ctx.built_demo
    assert "DEMO DATA" in demo_ctx.banner_text()
    cap = demo_ctx.caption(year=2022, definition="nationality_proxy", extra="x")
    assert (
        cap.startswith("DEMO — ")
        and "year 2022" in cap
        and "proxy" in cap
        and "vintage 2025" in cap
    )
    # loading returns copies: a notebook cannot corrupt the context's cache
    origin.loc[:, "population"] = -1
    assert (demo_ctx.load("population_origin")["population"] >= 0).all()


def test_provenance_cell_names_sources_with_their_sha256(demo_ctx, capsys):
    demo_ctx.load("population_origin")
    text = demo_ctx.provenance_markdown({"authority": "99016", "year": 2022})
    _, prov = build.load("population_origin", processed=demo_ctx.processed)
    origin_input = next(i for i in prov["inputs"] if i["dataset_id"] == "origin")
    assert origin_input["sha256"] in text and origin_input["file"] in text
    for needle in (
        "Data: DEMO",
        "| authority | '99016' |",
        "| year | 2022 |",
        "git commit: ",
        "run time (UTC): ",
        "pandas==",
        "papermill==",
    ):
        assert needle in text
    assert str(demo_ctx.processed) not in text  # no absolute paths in stored outputs
    demo_ctx.provenance_cell({"year": 2022})  # outside IPython it prints
    assert "### Provenance" in capsys.readouterr().out


def _real_like(
    demo_ctx, folder: Path, tables=("municipalities", "population_nationality")
) -> reporting.DataContext:
    """A "real" build holding only ``tables`` (no origin data, as on the mirror)."""
    folder.mkdir()
    for name in tables:
        shutil.copy(demo_ctx.processed / f"{name}.parquet", folder)
        sidecar = json.loads((demo_ctx.processed / f"{name}.provenance.json").read_text())
        sidecar["demo"] = False
        sidecar["inputs"] = [dict(i, demo=False) for i in sidecar["inputs"]]
        (folder / f"{name}.provenance.json").write_text(json.dumps(sidecar))
    return reporting.DataContext(vintage=2025, processed=folder, built_demo=False)


def test_a_missing_table_raises_and_never_falls_back_to_demo(demo_ctx, tmp_path):
    ctx = _real_like(demo_ctx, tmp_path / "real")
    ctx.load("municipalities")
    assert not ctx.demo
    with pytest.raises(DataUnavailable, match="population_origin.csv"):
        ctx.load("population_origin")
    with pytest.raises(DataUnavailable, match="population_origin"):
        ctx.load("population_origin", fallback_demo=True)  # accepted, ignored
    assert ctx.optional("outcomes") is None
    assert not ctx.demo and not ctx.demo_tables
    assert ctx.optional("treatment") is None


def test_origin_source_uses_the_proxy_without_an_origin_table(demo_ctx, tmp_path):
    ctx = _real_like(demo_ctx, tmp_path / "real")
    src = reporting.origin_source(ctx, "non_eu14")
    assert (src.definition, src.requested, src.table) == (
        "nationality_proxy",
        "non_eu14",
        "population_nationality",
    )
    assert src.proxy and src.substituted and "population_origin.csv" in src.note()
    own = reporting.origin_source(demo_ctx, "non_eu27")
    assert (own.definition, own.table, own.proxy) == ("non_eu27", "population_origin", False)
    assert own.note() == ""
    with pytest.raises(ValueError, match="bogus"):
        reporting.origin_source(demo_ctx, "bogus")
    table = reporting.authority_table(ctx, year=2022)
    assert table.attrs["proxy"] and table.attrs["definition"] == "nationality_proxy"
    assert (
        not table.attrs["demo"]
        and table["cohort"].isna().all()
        and table["outcome_change"].isna().all()
    )
    assert set(table.attrs["missing"]) == {
        "population_origin",
        "outcomes",
        "treatment",
        "programmes",
        "partnerships",
    }
    assert len(table.attrs["region_codes"]) == len(
        table
    )  # no partnerships: one row per municipality


def test_reference_year_is_one_rule():
    years = list(range(2009, 2016))
    assert reporting.reference_year(years, 2012).year == 2012
    ref = reporting.reference_year(years, 2022)
    assert (ref.year, ref.requested, ref.substituted) == (2015, 2022, True)
    assert reporting.reference_year(years, None).year == 2015  # the rule's 2022, nearest earlier
    assert reporting.reference_year(list(range(2012, 2026)), None).year == 2022
    assert reporting.reference_year([2012, 2013], 2005).year == 2012  # all later: the earliest
    assert not reporting.reference_year(years, 2015).substituted
    with pytest.raises(DataUnavailable):
        reporting.reference_year([], 2015)


def test_prebuilt_folders_are_used_without_building(demo_ctx, monkeypatch):
    monkeypatch.setenv(
        reporting.PREBUILT_ENV, reporting.encode_prebuilt({"demo-2025": demo_ctx.processed})
    )

    def no_build(*args, **kwargs):
        raise AssertionError("data_context built although the runner had built already")

    monkeypatch.setattr(build, "build", no_build)
    ctx = reporting.data_context(2025, demo=True)
    assert ctx.processed == demo_ctx.processed and ctx.demo


# --------------------------------------------------------------------------- authorities


@pytest.fixture
def table(demo_ctx) -> pd.DataFrame:
    return reporting.authority_table(demo_ctx, year=2022)


def test_authority_table_applies_the_rule_and_adds_names_cohorts_trends(table):
    assert (table["eligible"] == (table["count"] > 7500)).all()
    assert (table["margin"] == table["count"] - 7500).all()
    assert table["applicant"].is_unique
    assert not table["name"].str.fullmatch(r"\d{5}").any()  # municipality names filled in
    assert set(table["kind"]) == {"municipality", "partnership"}
    assert table.loc[~table["eligible"], "cohort"].isna().all()  # only eligible ones are funded
    assert table.loc[table["eligible"], "cohort"].notna().any()
    assert table["outcome_change"].notna().all()
    assert (
        int(table["outcome_to"].iloc[0]) - int(table["outcome_from"].iloc[0])
        == authorities.TREND_YEARS
    )
    # Flanders only: no capital-region (94xxx) municipality applies
    members = [m for ms in table["members"] for m in ms]
    assert members and not any(m.startswith("94") for m in members)


def test_find_authority_by_code_member_or_error(table):
    partnership = table[table["kind"] == "partnership"].iloc[0]
    member = partnership["members"][0]
    assert authorities.find_authority(table, member)["applicant"] == partnership["applicant"]
    assert (
        authorities.find_authority(table, partnership["applicant"])["applicant"]
        == partnership["applicant"]
    )
    with pytest.raises(KeyError, match="12345"):
        authorities.find_authority(table, "12345")


def test_similar_authorities_are_the_nearest_on_size_and_share(table):
    me = str(table["applicant"].iloc[0])
    peers = authorities.similar_authorities(table, me, k=4)
    assert len(peers) == 4 and me not in set(peers["applicant"])
    assert peers["distance"].is_monotonic_increasing
    # brute force check of the nearest neighbour
    data = table.dropna(subset=["total", "share"]).reset_index(drop=True)
    import numpy as np

    X = np.column_stack([np.log(data["total"].astype(float)), data["share"].astype(float)])
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    i = int(data.index[data["applicant"] == me][0])
    d = np.sqrt(((Z - Z[i]) ** 2).sum(axis=1))
    d[i] = math.inf
    assert peers["applicant"].iloc[0] == data["applicant"].iloc[int(np.argmin(d))]
    assert peers.equals(authorities.similar_authorities(table, me, k=4))  # deterministic


def test_benchmark_and_summaries(demo_ctx, table):
    counted = reporting.origin_counts(demo_ctx)
    row = table.iloc[0]
    shares = authorities.benchmark_shares(
        counted, {"me": list(row["members"]), "flanders": table.attrs["region_codes"]}
    )
    ref = counted[counted["refnis"].isin(row["members"]) & (counted["year"] == 2022)]
    assert shares.loc[2022, "me"] == pytest.approx(ref["count"].sum() / ref["total"].sum())
    assert 0 < shares.loc[2022, "flanders"] < shares.loc[2022, "me"]
    comp = authorities.composition_over_time(
        demo_ctx.load("population_origin"), list(row["members"])
    )
    assert int(comp.loc[2022].sum()) == int(row["total"])
    prog = authorities.programme_summary(
        demo_ctx.load("programmes"), [row["applicant"], *row["members"]]
    )
    assert list(prog.columns) == ["regime", "project_year", "grants", "budget_eur", "participants"]
    assert prog["regime"].iloc[0] == "fragmented" and prog["regime"].iloc[-1] == "consolidated"


def test_region_codes_attr_is_every_municipality_of_the_region(demo_ctx, table):
    munis = demo_ctx.load("municipalities")
    flanders = munis.loc[munis["region"] == authorities.FLANDERS, "refnis"]
    assert table.attrs["region_codes"] == sorted(flanders.astype(str))
    assert authorities.region_members(munis, "") == sorted(munis["refnis"].astype(str))


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_opt_out_stamps_captions_banner_and_provenance(monkeypatch, tmp_path):
    from samenleven_analysis.reports.context import DataContext

    ctx = DataContext(vintage=2025, processed=tmp_path, built_demo=True)
    monkeypatch.delenv(disclosure.DISCLOSURE_ENV, raising=False)
    plain = (ctx.caption(year=2022), ctx.banner_text())
    assert disclosure.off_stamp() not in ctx.provenance_markdown() + plain[1]
    monkeypatch.setenv(disclosure.DISCLOSURE_ENV, disclosure.DISCLOSURE_OFF)
    assert ctx.caption(year=2022) != plain[0] and ctx.caption(year=2022).endswith(plain[0])
    assert disclosure.off_stamp() in ctx.banner_text()
    assert disclosure.off_stamp() in ctx.provenance_markdown()


def test_provenance_markdown_escapes_parameter_values(tmp_path):
    from bs4 import BeautifulSoup
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    from samenleven_analysis.reports.context import DataContext

    ctx = DataContext(vintage=2025, processed=tmp_path, built_demo=True)
    md = ctx.provenance_markdown({"outcome": ATTACKS[0], "name": ATTACKS[1], "x": ATTACKS[2]})
    soup = BeautifulSoup(markdown2html_mistune(md), "html.parser")
    assert not soup.find_all(["script", "img"]) and not soup.select('a[href^="javascript"]')
    cells = [td.get_text() for td in soup.find_all("td")]
    assert repr(ATTACKS[0]) in cells and repr(ATTACKS[1]) in cells


def test_dutch_opt_out_stamps_and_run_time_hold_no_english_of_the_catalog(monkeypatch, tmp_path):
    """Under the opt-out a Dutch report's banner, caption, provenance and CSV stamp are Dutch."""
    from _english import english_of_the_catalog

    from samenleven_analysis import i18n
    from samenleven_analysis.reports.context import DataContext

    ctx = DataContext(vintage=2025, processed=tmp_path, built_demo=True)
    monkeypatch.setenv(disclosure.DISCLOSURE_ENV, disclosure.DISCLOSURE_OFF)
    monkeypatch.delenv(provenance.SOURCE_DATE_EPOCH, raising=False)
    with i18n.using("nl"):
        frame = disclosure.stamp_csv(pd.DataFrame({"year": [2022]}))
        texts = [ctx.banner_text(), ctx.caption(year=2022), ctx.provenance_markdown()]
        texts.append(" | ".join(map(str, [*frame.columns, *frame.iloc[0]])))
    text = "\n".join(texts)
    assert "GEHEIMHOUDINGSCONTROLE UIT" in texts[0] and texts[1].startswith(
        "GEHEIMHOUDINGSCONTROLE"
    )
    assert "tijdstip van de run (UTC): niet vastgelegd in het rapport (zie run.json)" in text
    assert english_of_the_catalog().found(text) == []
    with i18n.using("en"):
        english = ctx.provenance_markdown() + ctx.caption(year=2022)
    assert "run time (UTC): not recorded in the report (see run.json)" in english
    assert "DISCLOSURE CONTROL OFF — " in english
