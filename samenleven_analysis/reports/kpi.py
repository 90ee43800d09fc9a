"""Report-layer pieces for the contracts' KPI follow-up: loading, the dashboard panel, formatting.

- :func:`kpi_data` / :func:`kpi_data_from_context` load the contracts with their rules (and
  cohorts, names) into a :class:`KpiData`, or say what is missing;
- :func:`kpi_panel_html` is the dashboard's KPI panel: a self-contained static HTML fragment
  rendered from ``templates/kpi_panel.html.j2`` (no external requests; the one table-sorting
  script, ``templates/static/sort_tables.js``, sorts its tables);
- the authority report's "contract" section (its tables and figure) lives in
  :mod:`samenleven_analysis.reports.authority_report`, which uses :func:`eur`, :func:`pct`,
  :func:`small_counts` and :func:`per_authority` from here.

Disclosure: a realised count of persons (or households) below ``min_cell`` is shown as
``<5``, and so is every figure derived from it (the line's earned EUR and attainment, and an
authority's attainment or earned subsidy that includes such a line). Targets are contractual
commitments, not counts of persons, and are shown as they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import markupsafe
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import disclosure, kpi
from samenleven_analysis.analysis.kpi import KpiData
from samenleven_analysis.data.catalog import CANONICAL_FILES
from samenleven_analysis.data.contracts import COLUMNS as CONTRACT_COLUMNS
from samenleven_analysis.facts import VINTAGES
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports import templating

__all__ = [
    "KpiData",
    "kpi_data",
    "kpi_data_from_context",
    "kpi_panel_for_run",
    "kpi_panel_html",
    "missing_message",
    "regime_comparison",
]

CONTRACTS_FILE = CANONICAL_FILES["contracts"]
EARNING_RULE = N_("withdrawal per unit not realised: earned = min(realised, target) × EUR per unit")
"""``analysis.kpi.EARNING_RULE`` as a message id (the same text)."""
_COUNTED = ("persons", "households")  # unit kinds whose realised counts are disclosure-controlled


def missing_message(status: str = "no contracts") -> str:
    """One plain sentence on what is missing and the file a user can supply."""
    columns = ", ".join(CONTRACT_COLUMNS)
    if status == "no call rules":
        return _(
            "Contract data cannot be followed: the call configuration (the call's SPARQL "
            "migrations, data set call_config) is missing; supply it next to {file} "
            "(docs/contracts.md).",
            file=CONTRACTS_FILE,
        )
    return _(
        "No contract data supplied — supply {file} with columns {columns} (one row per "
        "applicant × KPI rule × project period; docs/contracts.md) and run samenleven build.",
        file=CONTRACTS_FILE,
        columns=columns,
    )


def kpi_data(processed: str | Path) -> KpiData:
    """Load contracts, call rules, treatment and names from a build folder (for the dashboard)."""
    from samenleven_analysis.data import build

    processed = Path(processed)
    tables: dict[str, pd.DataFrame | None] = {}
    demo = False
    for name in ("contracts", "call_rules", "treatment", "municipalities", "partnerships"):
        if build.table_path(name, processed).is_file():
            tables[name], prov = build.load(name, processed)
            if name in ("contracts", "call_rules"):
                demo = demo or bool(prov.get("demo"))
    return kpi.assemble(tables, demo)


def kpi_data_from_context(ctx) -> KpiData:
    """The same from a report's :class:`~samenleven_analysis.reports.context.DataContext`.

    Contracts never fall back to Demoland in a real run: a real report without
    ``contracts.csv`` says so (:func:`missing_message`).
    """
    tables = {
        name: ctx.load(name) if ctx.has(name) else None
        for name in ("contracts", "call_rules", "treatment", "municipalities", "partnerships")
    }
    return kpi.assemble(tables, bool(ctx.demo))


def kpi_panel_for_run(
    vintage: int = VINTAGES[-1],
    *,
    min_cell: int = disclosure.MIN_CELL_DEFAULT,
    script: bool = True,
) -> str:
    """The KPI panel for the run's prepared build (``reports.context.data_context``).

    Call it inside the runner's prepared environment; the missing-data panel when there is
    no build. ``script``: as in :func:`kpi_panel_html`.
    """
    from samenleven_analysis.errors import DataUnavailable
    from samenleven_analysis.reports.context import data_context

    try:
        data = kpi_data_from_context(data_context(vintage=vintage))
    except DataUnavailable:
        data = KpiData(None, status="no contracts")
    return kpi_panel_html(data, min_cell=min_cell, script=script)


# --------------------------------------------------------------------------- numbers


def small_counts(lines: pd.DataFrame, min_cell: int) -> pd.Series:
    """Lines whose realised count of persons/households is below ``min_cell`` (to suppress)."""
    return lines["reported"] & lines["unit_kind"].isin(_COUNTED) & (lines["realised"] < min_cell)


def eur(v) -> str:
    """Whole euros in the active language; empty for a missing value."""
    return "" if pd.isna(v) else i18n.number(float(v))


def pct(v) -> str:
    """A share as a whole percentage in the active language; empty for a missing value."""
    return "" if pd.isna(v) else i18n.percent(float(v), 0)


def per_authority(data: KpiData, min_cell: int) -> tuple[pd.DataFrame, list[str]]:
    """One row per applicant: totals, attainment overall and per objective, persons."""
    lines = data.lines.assign(_small=small_counts(data.lines, min_cell))
    total = kpi.summarise(lines, ["applicant"]).set_index("applicant")
    objectives = sorted(lines["objective"].unique())
    per_obj = kpi.summarise(lines, ["applicant", "objective"]).set_index(["applicant", "objective"])
    small_obj = lines.groupby(["applicant", "objective"])["_small"].any()
    small_all = lines.groupby("applicant")["_small"].any()
    att = per_obj["attainment_eur"].where(~small_obj.reindex(per_obj.index, fill_value=False))
    wide = att.unstack("objective").reindex(index=total.index, columns=objectives)
    people = kpi.reach(lines, ["applicant"]).set_index("applicant")
    out = pd.DataFrame(
        {
            "applicant": total.index.astype(str),
            "name": [data.names.get(str(a), "") for a in total.index],
            "lines": total["lines"].to_numpy(),
            "lines_reported": total["lines_reported"].to_numpy(),
            "committed_eur": total["committed_eur"].to_numpy(),
            "earned_eur": total["earned_eur"].where(~small_all).to_numpy(),
            "attainment_eur": total["attainment_eur"].where(~small_all).to_numpy(),
            "persons_target": people["target_persons"].reindex(total.index).to_numpy(),
            "persons_realised": people["realised_persons"].reindex(total.index).to_numpy(),
            "suppressed": small_all.reindex(total.index, fill_value=False).to_numpy(),
        }
    )
    if "cohort" in lines:
        out.insert(
            2, "cohort", lines.groupby("applicant")["cohort"].min().reindex(total.index).to_numpy()
        )
    withheld = small_obj.unstack("objective").reindex(index=total.index, columns=objectives)
    for obj in objectives:
        out[f"att::{obj}"] = wide[obj].to_numpy()
        out[f"withheld::{obj}"] = withheld[obj].fillna(False).astype(bool).to_numpy()
    return out.reset_index(drop=True), objectives


# --------------------------------------------------------------------------- HTML


def _cell(text, value=None, numeric: bool = False) -> dict[str, Any]:
    """A table cell; ``value`` is the sort key (never a suppressed number)."""
    key = ""
    if numeric:
        key = "" if value is None or pd.isna(value) else repr(float(value))
    return {"text": "" if text is None else str(text), "numeric": numeric, "value": key}


def _table(
    headers: list[tuple[str, bool]],
    rows: list[list[dict[str, Any]]],
    *,
    sortable: bool,
    table_id: str,
    caption: str,
) -> dict[str, Any]:
    return {
        "headers": [{"label": label, "numeric": numeric} for label, numeric in headers],
        "rows": rows,
        "sortable": sortable,
        "id": table_id,
        "caption": caption,
    }


def kpi_panel_html(
    data: KpiData, *, min_cell: int = disclosure.MIN_CELL_DEFAULT, script: bool = True
) -> str:
    """The dashboard's KPI panel: ``<section id="kpi">…</section>``, escaped and static.

    Rendered from the template ``templates/kpi_panel.html.j2``.

    Attainment per objective for all applicants and per authority (sortable), committed vs
    earned subsidy, applicants with reported data vs not; or the plain missing-data message.
    ``script``: inline the table-sorting script (``static/sort_tables.js``); the dashboard,
    which inlines it once for all its tables, passes False.
    """
    values: dict[str, Any] = {
        "heading": _("Contracts and KPI follow-up"),
        "demo": _("DEMO DATA — fictional Demoland contracts.") if data.demo else None,
    }
    if not data.ok:
        return templating.render(
            "kpi_panel.html.j2", missing=missing_message(data.status), **values
        )
    area = _("All applicants (Demoland)") if data.demo else _("All applicants (Flanders)")
    return templating.render(
        "kpi_panel.html.j2",
        summary=_summary(data, area, min_cell),
        tables=[_objective_table(data, area), _authority_table(data, min_cell)],
        script=script,
        **values,
    )


def _summary(data: KpiData, area: str, min_cell: int) -> list[markupsafe.Markup]:
    """The panel's three summary sentences: the catalog's markup kept, every value escaped."""
    everyone = kpi.summarise(data.lines).iloc[0]
    people = kpi.reach(data.lines).iloc[0]
    n_app = int(everyone["applicants"])
    n_rep = int(everyone["applicants_reported"])

    def item(message: str, **values) -> markupsafe.Markup:
        return markupsafe.Markup(_(message)).format(**values)

    return [
        item(
            N_(
                "{area}: <strong>{applicants}</strong> applicants with a contract; "
                '<strong id="kpi-reported">{reported}</strong> reported a realisation, '
                '<strong id="kpi-not-reported">{not_reported}</strong> did not yet.'
            ),
            area=area,
            applicants=n_app,
            reported=n_rep,
            not_reported=n_app - n_rep,
        ),
        item(
            N_(
                "Subsidy committed (target × EUR per unit): <strong>{committed} EUR</strong>; "
                "earned on reported lines: <strong>{earned} EUR</strong> of {committed_reported} "
                "EUR committed on those lines (attainment {attainment}; reported lines cover "
                "{reported_share} of the committed subsidy)."
            ),
            committed=eur(everyone["committed_eur"]),
            earned=eur(everyone["earned_eur"]),
            committed_reported=eur(everyone["committed_reported_eur"]),
            attainment=pct(everyone["attainment_eur"]),
            reported_share=pct(everyone["reported_share_eur"]),
        ),
        item(
            N_(
                "Reach: {targeted} persons targeted, {realised} realised on reported lines "
                "(person-type KPI units only; a person counted under two rules counts twice)."
            ),
            targeted=i18n.number(disclosure.format_count(people["target_persons"], min_cell)),
            realised=i18n.number(disclosure.format_count(people["realised_persons"], min_cell)),
        ),
    ]


def _objective_table(data: KpiData, area: str) -> dict[str, Any]:
    """Attainment per objective, all applicants."""
    obj = kpi.summarise(data.lines, ["objective"])
    rows = [
        [
            _cell(i18n.call_label(r.objective)),
            _cell(r.applicants, r.applicants, True),
            _cell(f"{r.lines_reported}/{r.lines}", r.lines_reported, True),
            _cell(eur(r.committed_eur), r.committed_eur, True),
            _cell(eur(r.earned_eur), r.earned_eur, True),
            _cell(pct(r.attainment_eur), r.attainment_eur, True),
            _cell(pct(r.median_attainment), r.median_attainment, True),
        ]
        for r in obj.itertuples()
    ]
    return _table(
        [
            (_("objective"), False),
            (_("applicants"), True),
            (_("lines reported"), True),
            (_("committed EUR"), True),
            (_("earned EUR"), True),
            (_("attainment"), True),
            (_("median line attainment"), True),
        ],
        rows,
        sortable=True,
        table_id="kpi-objectives",
        caption=_(
            "{area}, per objective. Attainment = earned / committed on reported lines "
            "(subsidy-weighted; {rule}). Unreported lines are left out, not counted as zero.",
            area=area,
            rule=_(EARNING_RULE),
        ),
    )


def _authority_table(data: KpiData, min_cell: int) -> dict[str, Any]:
    """One row per applicant, small realised counts (and what they give away) withheld."""
    auth, objectives = per_authority(data, min_cell)
    shown = disclosure.suppress(auth, ["persons_realised"], min_cell, totals="none")
    hidden = disclosure.placeholder(min_cell)
    headers = [(_("applicant"), False), (_("name"), False)]
    if "cohort" in auth:
        headers.append((_("cohort"), True))
    headers += [
        (_("lines reported"), True),
        (_("committed EUR"), True),
        (_("earned EUR"), True),
        (_("attainment"), True),
        *((_("attainment: {objective}", objective=i18n.call_label(o)), True) for o in objectives),
        (_("persons targeted"), True),
        (_("persons realised"), True),
    ]
    rows = []
    for i, r in auth.iterrows():
        cells = [_cell(r["applicant"]), _cell(r["name"])]
        if "cohort" in auth:
            cells.append(_cell("" if pd.isna(r["cohort"]) else int(r["cohort"]), r["cohort"], True))
        sup = bool(r["suppressed"])
        cells += [
            _cell(f"{r['lines_reported']}/{r['lines']}", r["lines_reported"], True),
            _cell(eur(r["committed_eur"]), r["committed_eur"], True),
            _cell(hidden if sup else eur(r["earned_eur"]), r["earned_eur"], True),
            _cell(hidden if sup else pct(r["attainment_eur"]), r["attainment_eur"], True),
        ]
        for o in objectives:
            v = r[f"att::{o}"]
            cells.append(_cell(hidden if r[f"withheld::{o}"] else pct(v), v, True))
        realised_text = shown.loc[i, "persons_realised"]
        cells += [
            _cell(eur(r["persons_target"]), r["persons_target"], True),
            _cell(realised_text, None if realised_text == hidden else r["persons_realised"], True),
        ]
        rows.append(cells)
    return _table(
        headers,
        rows,
        sortable=True,
        table_id="kpi-authorities",
        caption=_(
            "Per applicant (click a column to sort). Empty attainment = not reported or no "
            "line under that objective; {hidden} = withheld (a realised count of persons "
            "below {min_cell}, or a figure derived from one).",
            hidden=hidden,
            min_cell=min_cell,
        ),
    )


def regime_comparison(data: KpiData, programmes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fragmented vs consolidated (``analysis.kpi.compare_regimes``), ready to display.

    One row per number with its 95 % interval (where estimated), what limits it, and its
    source.
    """
    out = kpi.compare_regimes(data.lines if data.ok else None, programmes)

    def fmt(v) -> str:
        return "" if pd.isna(v) else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}")

    return pd.DataFrame(
        {
            "regime": out["regime"],
            "measure": out["metric"],
            "value": out["value"].map(fmt),
            "95 % interval": [
                f"{fmt(lo)} – {fmt(hi)}" if pd.notna(lo) else ""
                for lo, hi in zip(out["low"], out["high"], strict=True)
            ],
            "uncertainty": out["uncertainty"],
            "source": out["source"],
        }
    )
