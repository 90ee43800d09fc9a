"""The run's ``index.html`` dashboard: one row per report, rendered from a Jinja template."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from samenleven_analysis import i18n
from samenleven_analysis.facts import THRESHOLD_RESIDENTS, VINTAGES
from samenleven_analysis.i18n import DEFAULT_LANGUAGE, N_, _
from samenleven_analysis.reports import outputs, templating
from samenleven_analysis.reports.kernels import JobResult
from samenleven_analysis.reports.provenance import run_time_text
from samenleven_analysis.reports.publish import thousands

SOURCES = (
    ("population_nationality", N_("Population by nationality, age and sex (Statbel)")),
    ("population_origin", N_("Population by origin group")),
    ("income", N_("Fiscal income per resident (Statbel)")),
    ("call_rules", N_("Plan Samenleven 2022 call rules (local-authorities portal)")),
    ("municipalities", N_("Municipality list (Statbel REFNIS)")),
    ("outcomes", N_("Outcome panel")),
    ("treatment", N_("Plan Samenleven funding per authority")),
    ("programmes", N_("Funded projects and trainings")),
    ("partnerships", N_("Partnerships (IGS)")),
)
"""Sources the data-status panel reports on, in display order."""

STATUS_LABELS = {"real": N_("real"), "missing": N_("missing"), "demo": N_("demo")}
"""Data status of a source, as the reader sees it (``data-status`` keeps the code)."""

CLAIM_TEXT = {"almost two thirds": N_("almost two thirds")}
"""The announcement's coverage claim (``data.plan_facts.facts``), as a message id."""

KIND_LABELS = {"notebook": N_("notebook"), "authority": N_("authority")}
"""Kinds of report in the run's list."""


def relative_to_out(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def dashboard_rows(
    table, results_by_label: dict[str, JobResult], out_dir: Path, min_cell: int
) -> list[dict[str, Any]]:
    """Rows of the dashboard's authority table, with disclosure control applied.

    Counts go through :func:`disclosure.suppress` (the column sums to a publishable
    total, so complementary suppression applies); share and margin of a suppressed
    count are hidden too, since either would give the count back.
    """
    from samenleven_analysis.analysis import disclosure

    shown = disclosure.suppress(
        table[["count"]].reset_index(drop=True), ["count"], min_cell, totals="columns"
    )
    rows = []
    for i, rec in enumerate(table.reset_index(drop=True).to_dict("records")):
        hidden = disclosure.is_suppressed(shown.loc[i, "count"])
        result = results_by_label.get(str(rec["applicant"]))
        share = rec.get("share")
        margin = rec.get("margin")
        cohort = rec.get("cohort")
        change = rec.get("outcome_change")
        rows.append(
            {
                "sort_count": "" if hidden else f"{float(rec['count']):.0f}",
                "sort_share": ""
                if hidden or share is None or pd_isna(share)
                else f"{float(share):.6f}",
                "sort_margin": ""
                if hidden or margin is None or pd_isna(margin)
                else f"{float(margin):.0f}",
                "applicant": str(rec["applicant"]),
                "name": str(rec.get("name") or rec["applicant"]),
                "kind": rec.get("kind", "municipality"),
                "members": ", ".join(map(str, rec.get("members") or [])),
                "count": thousands(shown.loc[i, "count"]),
                "share": ""
                if hidden or share is None or pd_isna(share)
                else i18n.percent(float(share)),
                "eligible": bool(rec.get("eligible")),
                "margin": ""
                if hidden or margin is None or pd_isna(margin)
                else i18n.signed(int(margin)),
                "cohort": "—" if cohort is None or pd_isna(cohort) else str(int(cohort)),
                "trend": "" if change is None or pd_isna(change) else i18n.signed(float(change), 1),
                "href": relative_to_out(result.html, out_dir) if result and result.html else None,
                "status": ("ok" if result.ok else "failed") if result else None,
            }
        )
    return rows


def pd_isna(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def write_index(
    out_dir: str | Path,
    *,
    results: Sequence[JobResult],
    authority_rows=None,
    run_info: dict[str, Any],
    provenance: Sequence[dict[str, Any]] = (),
    settings: dict[str, Any] | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> Path:
    """Write ``<out_dir>/index.html``: the static dashboard (no server; its inline scripts sort and filter the tables).

    Authorities (when the run made authority reports), links to every report, the
    run's parameters, data provenance (DEMO marked), package versions and git commit.
    ``language``: ``nl`` (default; nl_BE formats) or ``en``; numbers, files and links are
    the same in both.
    """
    with i18n.using(language):
        return _write_index(
            out_dir,
            results=results,
            authority_rows=authority_rows,
            run_info=run_info,
            provenance=provenance,
            settings=settings,
            language=language,
        )


def _write_index(
    out_dir, *, results, authority_rows, run_info, provenance, settings, language
) -> Path:
    from samenleven_analysis.analysis import disclosure
    from samenleven_analysis.reports import labels
    from samenleven_analysis.reports.labels import definition_label
    from samenleven_analysis.reports.provenance import package_versions

    out_dir = Path(out_dir)
    settings = settings or {}
    min_cell = int(
        settings.get(
            "min_cell", run_info.get("parameters", {}).get("min_cell", disclosure.MIN_CELL_DEFAULT)
        )
    )
    by_label = {r.label: r for r in results if r.kind == "authority"}
    authorities = None
    caption = ""
    outcome_label = _("Outcome trend")
    demo_tables: list[str] = []
    if authority_rows is not None:
        authorities = dashboard_rows(authority_rows, by_label, out_dir, min_cell)
        attrs = authority_rows.attrs
        first = authority_rows["outcome_from"].dropna()
        last = authority_rows["outcome_to"].dropna()
        outcome = labels.outcome_label(str(attrs.get("outcome", "outcome")))
        if len(first) and len(last):
            outcome_label = _(
                "{outcome} {first}→{last} (change)",
                outcome=outcome,
                first=int(first.iloc[0]),
                last=int(last.iloc[0]),
            )
        values = dict(
            definition=definition_label(attrs.get("definition", "")),
            date=i18n.active().first_january(attrs.get("year")),
            threshold=thousands(int(attrs.get("threshold", THRESHOLD_RESIDENTS))),
        )
        caption = (
            _(
                "Residents of {definition} on {date}; eligible = at least {threshold}; margin = "
                "count − threshold; cohort = first funded project year.",
                **values,
            )
            if attrs.get("inclusive")
            else _(
                "Residents of {definition} on {date}; eligible = more than {threshold}; margin = "
                "count − threshold; cohort = first funded project year.",
                **values,
            )
        )
        if attrs.get("demo") and not run_info.get("demo"):
            demo_tables.append(_("origin-based authority table"))
    prov_rows = []
    for p in provenance:
        if not run_info.get("demo") and str(p["build"]).startswith("demo"):
            continue  # a real run reads no demo build: it is not part of this run's data
        sources = p.get("sources") or [
            {"dataset_id": "", "file": "", "sha256": "", "demo": p.get("demo")}
        ]
        for s in sources:
            prov_rows.append(
                {
                    "build": p["build"],
                    "table": p["table"],
                    "dataset_id": s["dataset_id"],
                    "file": s["file"],
                    "sha256": s["sha256"],
                    "demo": p["demo"] or s["demo"],
                }
            )
            if (p["demo"] or s["demo"]) and not run_info.get("demo") and p["build"][:4] != "demo":
                demo_tables.append(p["table"])
    names = {}
    if authority_rows is not None:
        names = dict(
            zip(
                authority_rows["applicant"].astype(str),
                authority_rows["name"].astype(str),
                strict=False,
            )
        )
    results_view = [
        {
            "label": r.label,
            "kind": r.kind,
            "kind_label": _(KIND_LABELS[r.kind]) if r.kind in KIND_LABELS else r.kind,
            "ok": r.ok,
            "seconds": r.seconds,
            "html": relative_to_out(r.html, out_dir),
            "ipynb": relative_to_out(r.ipynb, out_dir) if Path(r.ipynb).exists() else None,
            "error_line": (r.error or "").splitlines()[0][:200] if r.error else "",
            "data": {True: "DEMO", False: "real", None: "?"}[r.demo],
            "name": names.get(r.label, "") if r.kind == "authority" else "",
        }
        for r in results
    ]
    overview = dashboard_overview(
        authority_rows, by_label, out_dir, min_cell, demo=bool(run_info.get("demo"))
    )
    downloads = write_downloads(
        out_dir, authorities, overview, off=run_info.get("disclosure_control") == "off"
    )
    params = sorted(
        (str(k), json.dumps(v, default=str)) for k, v in (run_info.get("parameters") or {}).items()
    )
    text = templating.render(
        "index.html.j2",
        language,
        demo=bool(run_info.get("demo")),
        run=run_info,
        report_time=run_time_text(str(run_info.get("report_time", ""))),
        results=results_view,
        failures=[r for r in results_view if not r["ok"]],
        authorities=authorities,
        authority_caption=caption,
        outcome_label=outcome_label,
        min_cell=min_cell,
        parameters=params,
        provenance=prov_rows,
        demo_tables=sorted(set(demo_tables)),
        packages=sorted(package_versions().items()),
        overview=overview,
        downloads=downloads,
        kpi_panel=_kpi_panel(settings, run_info, min_cell),
    )
    path = out_dir / "index.html"
    outputs.write_text(path, text)
    return path


def _kpi_panel(settings: dict[str, Any], run_info: dict[str, Any], min_cell: int):
    """The contracts/KPI panel (already escaped HTML) for the run's build.

    Or the panel that says no contract data were supplied.
    """
    import markupsafe

    from samenleven_analysis.reports.kpi import kpi_panel_for_run

    vintage = settings.get("vintage", run_info.get("parameters", {}).get("vintage", VINTAGES[-1]))
    # the page inlines the sorting script once, for the panel's tables too
    panel = kpi_panel_for_run(int(vintage or VINTAGES[-1]), min_cell=min_cell, script=False)
    return markupsafe.Markup(panel)


def write_downloads(
    out_dir: Path,
    authorities: list[dict[str, Any]] | None,
    overview: dict[str, Any] | None,
    *,
    off: bool | None = None,
) -> list[dict[str, str]]:
    """Write the dashboard's table (CSV) and map (SVG) next to ``index.html``.

    The CSV holds the same disclosure-controlled text as the page; returns the links to
    list.
    """
    import pandas as pd

    from samenleven_analysis.reports import labels

    links = []
    if authorities:
        columns = [
            ("applicant", _("code")),
            ("name", _("name")),
            ("kind", _("kind")),
            ("members", _("members")),
            ("count", _("residents counted")),
            ("share", _("share")),
            ("eligible", _("qualifies")),
            ("margin", _("margin")),
            ("cohort", _("cohort")),
        ]
        path = out_dir / "authorities.csv"
        frame = pd.DataFrame(
            [
                [
                    i18n.yes_no(row[k])
                    if isinstance(row[k], bool)
                    else labels.kind_label(row[k])
                    if k == "kind"
                    else row[k]
                    for k, _label in columns
                ]
                for row in authorities
            ],
            columns=[label for _key, label in columns],
            dtype=object,
        )
        outputs.write_csv(frame, path, off=off)
        links.append({"title": _("Local authorities table"), "kind": "CSV", "href": path.name})
    if overview and overview.get("map"):
        path = out_dir / "flanders_map.svg"
        outputs.write_text(path, overview["map"] + "\n")
        links.append({"title": _("Map of Flanders"), "kind": "SVG", "href": path.name})
    return links


def data_status(ctx, demo: bool) -> list[dict[str, str]]:
    """Per source: ``real``, ``missing`` or ``demo``, and a plain sentence for the reader."""
    from samenleven_analysis.reports.labels import MISSING_INPUTS, canonical_columns

    rows = []
    for table, title in SOURCES:
        if ctx is not None and ctx.has(table):
            status = "demo" if demo else "real"
            if table in ("population_nationality", "population_origin", "income"):
                frame = ctx.load(table)
                years = dict(first=int(frame["year"].min()), last=int(frame["year"].max()))
                text = (
                    _("Demoland, fictional generated data ({first}–{last}).", **years)
                    if demo
                    else _("real data in this run ({first}–{last}).", **years)
                )
            else:
                text = (
                    _("Demoland, fictional generated data.")
                    if demo
                    else _("real data in this run.")
                )
        else:
            status = "missing"
            file = MISSING_INPUTS.get(table, (f"{table}.csv",))[0]
            cols = ", ".join(canonical_columns(table))
            text = (
                _(
                    "not in the open data; supply {file} ({columns}) to fill the sections that "
                    "need it.",
                    file=file,
                    columns=cols,
                )
                if cols
                else _(
                    "not in the open data; supply {file} to fill the sections that need it.",
                    file=file,
                )
            )
            if table == "population_origin":
                text += " " + _(
                    "Until then counts use non-Belgian nationality (a proxy that understates origin)."
                )
        rows.append(
            {
                "table": table,
                "title": _(title),
                "status": status,
                "status_label": _(STATUS_LABELS[status]),
                "text": text,
            }
        )
    return rows


def map_hidden(counted, table, min_cell: int) -> tuple[set[str], set[str]]:
    """Municipalities whose count the map must not show: ``(small, hidden)``.

    The map hides what the tables hide: counts below ``min_cell`` (``small``); their
    complements among the municipalities (Flanders' total is published); every member of an
    applicant whose count the authority table suppresses (the members would add up to it);
    and, for a published partnership with one hidden member, its next-smallest member
    (else partnership − the other members gives the hidden one back).
    """
    from samenleven_analysis.analysis import disclosure

    counts = {str(r): float(c) for r, c in zip(counted["refnis"], counted["count"], strict=True)}
    small = {r for r, c in counts.items() if c < min_cell}
    mask = disclosure.suppression_mask(
        counted[["count"]].reset_index(drop=True), ["count"], min_cell, totals="columns"
    )["count"].to_numpy()
    hidden = small | {r for r, m in zip(counts, mask, strict=True) if m}
    shown = disclosure.suppress(
        table[["count"]].reset_index(drop=True), ["count"], min_cell, totals="columns"
    )["count"]
    published = []
    for ms, c in zip(table["members"], shown, strict=True):
        members = [str(m) for m in ms if str(m) in counts]
        if disclosure.is_suppressed(c):
            hidden |= set(members)
        elif len(members) > 1:
            published.append(members)
    changed = True
    while changed:
        changed = False
        for members in published:
            if sum(m in hidden for m in members) == 1:
                rest = sorted((counts[m], m) for m in members if m not in hidden)
                if rest:
                    hidden.add(rest[0][1])
                    changed = True
    return small, hidden


def dashboard_overview(
    table, results_by_label, out_dir: Path, min_cell: int, *, demo: bool
) -> dict[str, Any] | None:
    """Headline figures, the map of Flanders and the data-status panel; None without data."""
    from samenleven_analysis.analysis import disclosure, eligibility
    from samenleven_analysis.data import boundaries as geo
    from samenleven_analysis.data import plan_facts
    from samenleven_analysis.errors import DataUnavailable
    from samenleven_analysis.reports import context as reporting
    from samenleven_analysis.reports.dashboard_map import svg_map
    from samenleven_analysis.reports.labels import definition_label

    if table is not None and not {"requested_definition", "year", "region_codes"} <= set(
        table.attrs
    ):
        return None  # a table not made by reporting.authority_table: no headline figures
    try:
        ctx = reporting.data_context(
            int((table.attrs if table is not None else {}).get("vintage", VINTAGES[-1]))
        )
        if table is None:
            table = reporting.authority_table(ctx)
    except DataUnavailable:
        return None
    attrs = table.attrs
    cov = eligibility.Coverage.from_applicants(table)
    claim = plan_facts.facts()["facts"]["coverage_claim"]
    counted = reporting.origin_counts(ctx, attrs["requested_definition"])
    counted = counted[counted["year"] == int(attrs["year"])]
    counted = counted[counted["refnis"].astype(str).isin(attrs["region_codes"])]
    small, hidden = map_hidden(counted, table, min_cell)
    shares = {
        str(r): float(s) * 100
        for r, s in zip(counted["refnis"], counted["share"], strict=False)
        if str(r) not in hidden and pd_isna(s) is False
    }
    names = dict(zip(counted["refnis"].astype(str), counted["refnis"].astype(str), strict=False))
    munis = ctx.load("municipalities")
    names.update(zip(munis["refnis"].astype(str), munis["name_nl"].astype(str), strict=False))
    hrefs = {}
    for code in attrs["region_codes"]:
        res = results_by_label.get(code)
        if res is not None and res.html:
            hrefs[code] = relative_to_out(res.html, out_dir)
    members = sorted(
        {str(m) for ms in table.loc[table["eligible"].astype(bool), "members"] for m in ms}
    )
    titles = {
        str(r): _(
            "{name} ({code}): {count} residents, {share}",
            name=names.get(str(r), r),
            code=r,
            count=thousands(disclosure.format_count(c, min_cell)),
            share=i18n.percent(s),
        )
        if str(r) not in hidden
        else _(
            "{name} ({code}): fewer than {min_cell} residents",
            name=names.get(str(r), r),
            code=r,
            min_cell=min_cell,
        )
        if str(r) in small
        else _(
            "{name} ({code}): count suppressed (it would reveal a small one)",
            name=names.get(str(r), r),
            code=r,
        )
        for r, c, s in zip(counted["refnis"], counted["count"], counted["share"], strict=False)
    }
    svg = None
    try:
        shapes = geo.load_boundaries(
            ctx.vintage, "flanders", demo=ctx.built_demo, data_dir=ctx.data_dir
        )
        svg = svg_map(
            shapes,
            shares,
            highlight=members,
            hrefs=hrefs,
            titles=titles,
            legend_title=_(
                "Share of residents, {definition} (%)",
                definition=definition_label(attrs["definition"]),
            ),
            fmt=lambda v: i18n.number(v, 1),
        )
    except DataUnavailable:
        svg = None
    return {
        "definition": definition_label(attrs["definition"]),
        "requested_definition": definition_label(attrs["requested_definition"]),
        "proxy": bool(attrs.get("proxy")),
        "year": int(attrs["year"]),
        "requested_year": attrs.get("requested_year"),
        "threshold": thousands(int(attrs.get("threshold", THRESHOLD_RESIDENTS))),
        "qualifying": int(cov.eligible_applicants),
        "applicants": int(cov.applicants),
        "municipalities": int(cov.eligible_municipalities),
        "coverage": i18n.percent(cov.share),
        "claim": _(CLAIM_TEXT.get(str(claim["value"]), str(claim["value"]))),
        "claim_approx": i18n.percent(float(claim["approx"]), 0),
        "announced": int(plan_facts.fact("authorities_announced")),
        "map": svg,
        "status": data_status(ctx, demo),
    }
