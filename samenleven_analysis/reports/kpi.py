"""Report-layer pieces for the contracts' KPI follow-up (dashboard panel, authority report).

- :func:`kpi_data` / :func:`kpi_data_from_context` load the contracts with their rules (and
  cohorts, names) into a :class:`KpiData`, or say what is missing;
- :func:`kpi_panel_html` is the dashboard's KPI panel: a self-contained static HTML fragment
  (no external requests; a small inline script sorts the tables);
- :func:`contract_status`, :func:`contract_tables`, :func:`contract_figure`,
  :func:`show_contract_figure` and :func:`display_contract_tables` make an authority report's
  "contract" section.

Disclosure: a realised count of persons (or households) below ``min_cell`` is shown as
``<5``, and so is every figure derived from it (the line's earned EUR and attainment, and an
authority's attainment or earned subsidy that includes such a line). Targets are contractual
commitments, not counts of persons, and are shown as they are.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import disclosure, kpi
from samenleven_analysis.data.catalog import CANONICAL_FILES
from samenleven_analysis.data.contracts import COLUMNS as CONTRACT_COLUMNS
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports import outputs

__all__ = [
    "KpiData",
    "authority_position",
    "contract_figure",
    "contract_status",
    "contract_tables",
    "display_contract_status",
    "display_contract_tables",
    "kpi_data",
    "kpi_data_from_context",
    "kpi_panel_for_run",
    "kpi_panel_html",
    "missing_message",
    "regime_comparison",
    "show_contract_figure",
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


@dataclass
class KpiData:
    """Contract lines with derived measures (``analysis.kpi.contract_lines``) or a status."""

    lines: pd.DataFrame | None
    names: dict[str, str] = field(default_factory=dict)
    demo: bool = False
    status: str = "ok"  # "ok" | "no contracts" | "no call rules"

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.lines is not None


def _names(municipalities: pd.DataFrame | None, partnerships: pd.DataFrame | None) -> dict:
    names: dict[str, str] = {}
    if municipalities is not None:
        names.update(
            zip(
                municipalities["refnis"].astype(str),
                municipalities["name_nl"].astype(str),
                strict=True,
            )
        )
    if partnerships is not None and "name" in partnerships:
        first = partnerships.drop_duplicates("partnership_id")
        names.update(
            zip(
                first["partnership_id"].astype(str),
                first["name"].fillna("").astype(str),
                strict=True,
            )
        )
    return names


def _assemble(tables: dict[str, pd.DataFrame | None], demo: bool) -> KpiData:
    names = _names(tables.get("municipalities"), tables.get("partnerships"))
    if tables.get("contracts") is None:
        return KpiData(None, names, demo, "no contracts")
    if tables.get("call_rules") is None:
        return KpiData(None, names, demo, "no call rules")
    lines = kpi.contract_lines(tables["contracts"], tables["call_rules"], tables.get("treatment"))
    return KpiData(lines, names, demo, "ok")


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
    return _assemble(tables, demo)


def kpi_data_from_context(ctx) -> KpiData:
    """The same from a report's :class:`~samenleven_analysis.reports.context.DataContext`.

    Contracts never fall back to Demoland in a real run: a real report without
    ``contracts.csv`` says so (:func:`missing_message`).
    """
    tables = {
        name: ctx.load(name) if ctx.has(name) else None
        for name in ("contracts", "call_rules", "treatment", "municipalities", "partnerships")
    }
    return _assemble(tables, bool(ctx.demo))


def kpi_panel_for_run(vintage: int = 2025, *, min_cell: int = disclosure.MIN_CELL_DEFAULT) -> str:
    """The KPI panel for the run's prepared build (``reports.context.data_context``; call it
    inside the runner's prepared environment); the missing-data panel when there is no build."""
    from samenleven_analysis.errors import DataUnavailable
    from samenleven_analysis.reports.context import data_context

    try:
        data = kpi_data_from_context(data_context(vintage=vintage))
    except DataUnavailable:
        data = KpiData(None, status="no contracts")
    return kpi_panel_html(data, min_cell=min_cell)


# --------------------------------------------------------------------------- numbers


def _small(lines: pd.DataFrame, min_cell: int) -> pd.Series:
    """Lines whose realised count of persons/households is below ``min_cell`` (to suppress)."""
    return lines["reported"] & lines["unit_kind"].isin(_COUNTED) & (lines["realised"] < min_cell)


def _eur(v) -> str:
    return "" if pd.isna(v) else i18n.number(float(v))


def _pct(v) -> str:
    return "" if pd.isna(v) else i18n.percent(float(v), 0)


def _per_authority(data: KpiData, min_cell: int) -> tuple[pd.DataFrame, list[str]]:
    """One row per applicant: totals, attainment overall and per objective, persons."""
    lines = data.lines.assign(_small=_small(data.lines, min_cell))
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

_STYLE = """<style>
#kpi table.kpi-table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0 1rem; }
#kpi th, #kpi td { border-bottom: 1px solid #e4e4e4; padding: .25rem .4rem; text-align: left; }
#kpi th { background: #f4f4f4; }
#kpi table.kpi-sortable th { cursor: pointer; }
#kpi th[aria-sort="ascending"]::after { content: " \\25B2"; }
#kpi th[aria-sort="descending"]::after { content: " \\25BC"; }
#kpi td.num { text-align: right; font-variant-numeric: tabular-nums; }
#kpi .kpi-demo { background: #b00020; color: #fff; padding: .4rem .8rem; font-weight: bold; }
#kpi .kpi-missing { background: #fff4e0; padding: .6rem 1rem; border-radius: 4px; }
#kpi .muted { color: #666; font-size: .85rem; }
</style>"""

# Sorts a table by the clicked column (numbers by data-value; empty or suppressed cells last).
_SCRIPT = """<script id="kpi-panel-script">
(function () {
  function key(cell, numeric) {
    var v = cell.getAttribute("data-value");
    if (numeric) { return (v === null || v === "") ? NaN : parseFloat(v); }
    return (v === null ? cell.textContent : v).toLowerCase();
  }
  function sortBy(table, index, th) {
    var numeric = th.getAttribute("data-type") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index], numeric), y = key(b.cells[index], numeric);
      if (numeric) {
        if (isNaN(x) && isNaN(y)) { return 0; }
        if (isNaN(x)) { return 1; }
        if (isNaN(y)) { return -1; }
        return ascending ? x - y : y - x;
      }
      return ascending ? x.localeCompare(y) : y.localeCompare(x);
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("#kpi table.kpi-sortable"),
    function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        th.tabIndex = 0;
        th.addEventListener("click", function () { sortBy(table, index, th); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter") { sortBy(table, index, th); }
        });
      });
    });
})();
</script>"""


def _e(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _cell(text: str, value=None, numeric: bool = False) -> str:
    """A table cell; ``value`` is the sort key (never a suppressed number)."""
    attr = ""
    if numeric:
        v = "" if value is None or pd.isna(value) else repr(float(value))
        attr = f' class="num" data-value="{v}"'
    return f"<td{attr}>{_e(text)}</td>"


def _table(
    headers: list[tuple[str, bool]],
    rows: list[list[str]],
    *,
    sortable: bool,
    table_id: str,
    caption: str,
) -> str:
    cls = "kpi-table kpi-sortable" if sortable else "kpi-table"
    head = "".join(
        f'<th scope="col" data-type="{"num" if num else "text"}">{_e(h)}</th>' for h, num in headers
    )
    body = "\n".join(f"<tr>{''.join(r)}</tr>" for r in rows)
    return (
        f'<table class="{cls}" id="{_e(table_id)}"><caption class="muted">{_e(caption)}'
        f"</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
    )


def kpi_panel_html(data: KpiData, *, min_cell: int = disclosure.MIN_CELL_DEFAULT) -> str:
    """The dashboard's KPI panel: ``<section id="kpi">…</section>``, escaped and static.

    Attainment per objective for all applicants and per authority (sortable), committed vs
    earned subsidy, applicants with reported data vs not; or the plain missing-data message.
    """
    heading = _("Contracts and KPI follow-up")
    parts = ['<section id="kpi">', _STYLE, f"<h2>{_e(heading)}</h2>"]
    if data.demo:
        demo = _e(_("DEMO DATA — fictional Demoland contracts."))
        parts.append(f'<p class="kpi-demo">{demo}</p>')
    if not data.ok:
        parts += [
            f'<p class="kpi-missing" id="kpi-missing">{_e(missing_message(data.status))}</p>',
            "</section>",
        ]
        return "\n".join(parts)
    lines = data.lines
    everyone = kpi.summarise(lines).iloc[0]
    people = kpi.reach(lines).iloc[0]
    import markupsafe

    area = _("All applicants (Demoland)") if data.demo else _("All applicants (Flanders)")
    n_app = int(everyone["applicants"])
    n_rep = int(everyone["applicants_reported"])

    def li(message: str, **values) -> str:
        # the catalog's markup kept, every value escaped
        return "<li>" + markupsafe.Markup(_(message)).format(**values) + "</li>"

    parts.append(
        '<ul id="kpi-summary">'
        + li(
            N_(
                "{area}: <strong>{applicants}</strong> applicants with a contract; "
                '<strong id="kpi-reported">{reported}</strong> reported a realisation, '
                '<strong id="kpi-not-reported">{not_reported}</strong> did not yet.'
            ),
            area=area,
            applicants=n_app,
            reported=n_rep,
            not_reported=n_app - n_rep,
        )
        + li(
            N_(
                "Subsidy committed (target × EUR per unit): <strong>{committed} EUR</strong>; "
                "earned on reported lines: <strong>{earned} EUR</strong> of {committed_reported} "
                "EUR committed on those lines (attainment {attainment}; reported lines cover "
                "{reported_share} of the committed subsidy)."
            ),
            committed=_eur(everyone["committed_eur"]),
            earned=_eur(everyone["earned_eur"]),
            committed_reported=_eur(everyone["committed_reported_eur"]),
            attainment=_pct(everyone["attainment_eur"]),
            reported_share=_pct(everyone["reported_share_eur"]),
        )
        + li(
            N_(
                "Reach: {targeted} persons targeted, {realised} realised on reported lines "
                "(person-type KPI units only; a person counted under two rules counts twice)."
            ),
            targeted=i18n.number(disclosure.format_count(people["target_persons"], min_cell)),
            realised=i18n.number(disclosure.format_count(people["realised_persons"], min_cell)),
        )
        + "</ul>"
    )
    # per objective, all applicants
    obj = kpi.summarise(lines, ["objective"])
    rows = [
        [
            _cell(i18n.call_label(r.objective)),
            _cell(r.applicants, r.applicants, True),
            _cell(f"{r.lines_reported}/{r.lines}", r.lines_reported, True),
            _cell(_eur(r.committed_eur), r.committed_eur, True),
            _cell(_eur(r.earned_eur), r.earned_eur, True),
            _cell(_pct(r.attainment_eur), r.attainment_eur, True),
            _cell(_pct(r.median_attainment), r.median_attainment, True),
        ]
        for r in obj.itertuples()
    ]
    parts.append(
        _table(
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
    )
    # per authority
    auth, objectives = _per_authority(data, min_cell)
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
            _cell(_eur(r["committed_eur"]), r["committed_eur"], True),
            _cell(hidden if sup else _eur(r["earned_eur"]), r["earned_eur"], True),
            _cell(hidden if sup else _pct(r["attainment_eur"]), r["attainment_eur"], True),
        ]
        for o in objectives:
            v = r[f"att::{o}"]
            cells.append(_cell(hidden if r[f"withheld::{o}"] else _pct(v), v, True))
        realised_text = shown.loc[i, "persons_realised"]
        cells += [
            _cell(_eur(r["persons_target"]), r["persons_target"], True),
            _cell(realised_text, None if realised_text == hidden else r["persons_realised"], True),
        ]
        rows.append(cells)
    parts.append(
        _table(
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
    )
    parts += [_SCRIPT, "</section>"]
    return "\n".join(parts)


def regime_comparison(data: KpiData, programmes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fragmented vs consolidated (``analysis.kpi.compare_regimes``) ready to display: one row per
    number with its 95 % interval (where estimated), what limits it, and its source."""
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


# --------------------------------------------------------------------------- authority report


def _lines_of(data: KpiData, applicant: str) -> pd.DataFrame:
    return data.lines[data.lines["applicant"].astype(str) == str(applicant)]


def contract_status(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> str:
    """Markdown: the contract section's opening lines, or what is missing."""
    if not data.ok:
        return f"*{missing_message(data.status)}*"
    mine = _lines_of(data, applicant)
    if mine.empty:
        text = _(
            "{applicant} has no line in the contracts table: either it signed no contract under "
            "the calls whose rules were supplied, or its lines are missing from {file}.",
            applicant=applicant,
            file=CONTRACTS_FILE,
        )
        return f"*{text}*"
    s = kpi.summarise(mine.assign(_small=_small(mine, min_cell))).iloc[0]
    small = bool(_small(mine, min_cell).any())
    hidden = disclosure.placeholder(min_cell)
    demo = "**" + _("DEMO DATA — fictional contract.") + "** " if data.demo else ""
    return demo + _(
        "{lines} contract lines ({rules} KPI rules, {objectives} objectives); {reported} with a "
        "reported realisation. Subsidy committed **{committed} EUR**; earned on reported lines "
        "**{earned} EUR** (attainment {attainment}; {rule}).",
        lines=int(s["lines"]),
        rules=mine["rule"].nunique(),
        objectives=mine["objective"].nunique(),
        reported=int(s["lines_reported"]),
        committed=_eur(s["committed_eur"]),
        earned=hidden if small else _eur(s["earned_eur"]),
        attainment=hidden if small else _pct(s["attainment_eur"]),
        rule=_(EARNING_RULE),
    )


def display_contract_status(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> None:
    """Display :func:`contract_status` in a notebook."""
    from IPython.display import Markdown, display

    display(Markdown(contract_status(data, applicant, min_cell=min_cell)))


def authority_position(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> pd.DataFrame:
    """This applicant among all applicants: committed EUR, attainment, persons targeted.

    Columns ``measure, this authority, median of applicants, rank, of`` (rank 1 = highest;
    withheld or unreported values have no rank).
    """
    auth, _objectives = _per_authority(data, min_cell)
    me = auth[auth["applicant"] == str(applicant)]
    rows = []
    for col, label, fmt in (
        ("committed_eur", _("subsidy committed (EUR)"), _eur),
        ("attainment_eur", _("attainment (earned / committed, reported)"), _pct),
        ("persons_target", _("persons targeted"), _eur),
    ):
        values = auth[col].astype(float)
        mine = float(me[col].iloc[0]) if len(me) else np.nan
        ranked = values.dropna()
        rank = int((ranked > mine).sum()) + 1 if not np.isnan(mine) else None
        rows.append(
            {
                _("measure"): label,
                _("this authority"): fmt(mine),
                _("median of applicants"): fmt(ranked.median() if len(ranked) else np.nan),
                _("rank"): "" if rank is None else str(rank),
                _("of"): str(len(ranked)),
            }
        )
    return pd.DataFrame(rows)


def contract_tables(
    data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT
) -> dict[str, pd.DataFrame]:
    """The authority's contract tables ready to display: ``rules`` (one row per line) and
    ``position`` (:func:`authority_position`); empty dict when there is nothing to show."""
    if not data.ok:
        return {}
    mine = _lines_of(data, applicant)
    if mine.empty:
        return {}
    small = _small(mine, min_cell).to_numpy()
    hidden = disclosure.placeholder(min_cell)
    realised = [
        "" if pd.isna(v) else (hidden if s else i18n.number(v))
        for v, s in zip(mine["realised"], small, strict=True)
    ]
    rules = pd.DataFrame(
        {
            "objective": mine["objective"].to_numpy(),
            "action": mine["action"].to_numpy(),
            "KPI unit": mine["kpi_unit"].to_numpy(),
            "period from": [i18n.date(str(d)) for d in mine["period_start"]],
            "max units": mine["max_units"].astype(int).to_numpy(),
            "target": mine["target"].map(i18n.number).to_numpy(),
            "realised": realised,
            "attainment": [
                hidden if s else _pct(v) for v, s in zip(mine["attainment"], small, strict=True)
            ],
            "committed EUR": mine["committed_eur"].map(_eur).to_numpy(),
            "earned EUR": [
                hidden if s else _eur(v) for v, s in zip(mine["earned_eur"], small, strict=True)
            ],
        }
    )
    # sorted on the official Dutch names (the same row order in every language)
    rules = rules.sort_values(["objective", "action", "KPI unit"], kind="stable")
    rules["objective"] = rules["objective"].map(i18n.call_label)
    rules["action"] = rules["action"].map(i18n.call_label)
    rules = rules.rename(
        columns={
            "objective": _("objective"),
            "action": _("action"),
            "KPI unit": _("KPI unit"),
            "period from": _("period from"),
            "max units": _("max units"),
            "target": _("target"),
            "realised": _("realised"),
            "attainment": _("attainment"),
            "committed EUR": _("committed EUR"),
            "earned EUR": _("earned EUR"),
        }
    )
    return {
        "rules": rules.reset_index(drop=True),
        "position": authority_position(data, applicant, min_cell=min_cell),
    }


def display_contract_tables(
    data: KpiData,
    applicant: str,
    *,
    min_cell: int = disclosure.MIN_CELL_DEFAULT,
    output_dir: str | Path = "",
) -> None:
    """Display :func:`contract_tables` in a notebook (nothing when there is no contract);
    with ``output_dir``, also write them as ``contract_<table>.csv`` there."""
    from IPython.display import Markdown, display

    tables = contract_tables(data, applicant, min_cell=min_cell)
    if output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        for key, frame in tables.items():
            outputs.write_csv(frame, Path(output_dir) / f"contract_{key}.csv")
    titles = {
        "rules": _("Contract lines (targets, realisations, subsidy)"),
        "position": _("Position among applicants"),
    }
    for key, frame in tables.items():
        display(Markdown(f"**{titles[key]}**"))
        display(frame.style.hide(axis="index") if hasattr(frame, "style") else frame)


def contract_figure(data: KpiData, applicant: str, *, min_cell: int = disclosure.MIN_CELL_DEFAULT):
    """Two panels: attainment per objective (this authority vs all applicants) and committed vs
    earned subsidy per objective. None when there is no contract line to draw."""
    import matplotlib.pyplot as plt

    if not data.ok or _lines_of(data, applicant).empty:
        return None
    mine = _lines_of(data, applicant)
    small = mine.assign(_s=_small(mine, min_cell)).groupby("objective")["_s"].any()
    own = kpi.summarise(mine, ["objective"]).set_index("objective")
    own["attainment_eur"] = own["attainment_eur"].where(~small.reindex(own.index))
    own["earned_eur"] = own["earned_eur"].where(~small.reindex(own.index))
    everyone = kpi.summarise(data.lines, ["objective"]).set_index("objective")
    objectives = list(own.index)
    y = np.arange(len(objectives))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 0.5 * len(objectives) + 1.8), sharey=True)
    ax1.barh(
        y,
        own["attainment_eur"].fillna(0) * 100,
        height=0.6,
        color="#2b6cb0",
        label=_("this authority"),
    )
    ax1.scatter(
        everyone["attainment_eur"].reindex(objectives) * 100,
        y,
        marker="|",
        s=200,
        color="#1b1b1b",
        zorder=3,
        label=_("all applicants"),
    )
    ax1.axvline(100, color="#999", linewidth=0.8, linestyle="--")
    for yi, value in zip(y, own["attainment_eur"], strict=True):
        if pd.isna(value):
            ax1.text(1, yi, _("not reported or withheld"), va="center", fontsize=7, color="#666")
    ax1.set_yticks(y, [i18n.call_label(o) for o in objectives])
    ax1.invert_yaxis()
    ax1.xaxis.set_major_formatter(i18n.axis_formatter())
    ax1.set_xlabel(_("attainment (% of committed EUR earned, reported lines)"))
    ax1.legend(frameon=False, fontsize=7, loc="lower right")
    ax2.barh(
        y - 0.18, own["committed_eur"] / 1000, height=0.36, color="#a0aec0", label=_("committed")
    )
    ax2.barh(
        y + 0.18,
        own["earned_eur"].fillna(0) / 1000,
        height=0.36,
        color="#2f855a",
        label=_("earned"),
    )
    ax2.xaxis.set_major_formatter(i18n.axis_formatter())
    ax2.set_xlabel(_("subsidy ({thousand} EUR)", thousand=i18n.number(1000)))
    ax2.legend(frameon=False, fontsize=7, loc="lower right")
    title = _("Contract of {name}", name=data.names.get(str(applicant), str(applicant)))
    fig.suptitle(("DEMO — " if data.demo else "") + title, fontsize=10)
    fig.tight_layout()
    return fig


def show_contract_figure(
    data: KpiData,
    applicant: str,
    *,
    min_cell: int = disclosure.MIN_CELL_DEFAULT,
    output_dir: str | Path = "",
) -> None:
    """Show :func:`contract_figure` in a notebook (deterministic PNG); nothing when absent.
    With ``output_dir``, also save it as ``contract.png`` and ``contract.svg`` there."""
    import matplotlib.pyplot as plt

    from samenleven_analysis.reports import figures

    fig = contract_figure(data, applicant, min_cell=min_cell)
    if fig is not None:
        figures.show(fig)
        if output_dir:
            figures.save(fig, Path(output_dir) / "contract")
        plt.close(fig)
