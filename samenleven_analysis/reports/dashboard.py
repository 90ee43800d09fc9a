"""The run's ``index.html`` dashboard: one row per report, rendered from a Jinja template."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from samenleven_analysis.reports.kernels import JobResult


def relative_to_out(path: str | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


def _template_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )


def dashboard_rows(
    table, results_by_label: dict[str, JobResult], out_dir: Path, min_cell: int
) -> list[dict[str, Any]]:
    """Rows of the dashboard's authority table, with disclosure control applied.

    Counts go through :func:`disclosure.suppress` (the column sums to a publishable
    total, so complementary suppression applies); share and margin of a suppressed
    count are hidden too, since either would give the count back.
    """
    from samenleven_analysis.analysis import disclosure

    shown = disclosure.suppress(table[["count"]].reset_index(drop=True), ["count"], min_cell, totals="columns")
    rows = []
    for i, rec in enumerate(table.reset_index(drop=True).to_dict("records")):
        hidden = shown.loc[i, "count"].startswith("<")
        result = results_by_label.get(str(rec["applicant"]))
        share = rec.get("share")
        margin = rec.get("margin")
        cohort = rec.get("cohort")
        change = rec.get("outcome_change")
        rows.append(
            {
                "applicant": str(rec["applicant"]),
                "name": str(rec.get("name") or rec["applicant"]),
                "kind": rec.get("kind", "municipality"),
                "members": ", ".join(map(str, rec.get("members") or [])),
                "count": shown.loc[i, "count"],
                "share": "" if hidden or share is None or pd_isna(share) else f"{float(share):.1%}",
                "eligible": bool(rec.get("eligible")),
                "margin": "" if hidden or margin is None or pd_isna(margin) else f"{int(margin):+d}",
                "cohort": "—" if cohort is None or pd_isna(cohort) else str(int(cohort)),
                "trend": "" if change is None or pd_isna(change) else f"{float(change):+.1f}",
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
) -> Path:
    """Write ``<out_dir>/index.html``: the static dashboard (no scripts, no server).

    Authorities (when the run made authority reports), links to every report, the
    run's parameters, data provenance (DEMO marked), package versions and git commit.
    """
    from samenleven_analysis.analysis import disclosure
    from samenleven_analysis.reports.provenance import package_versions

    out_dir = Path(out_dir)
    settings = settings or {}
    min_cell = int(settings.get("min_cell", run_info.get("parameters", {}).get("min_cell", disclosure.MIN_CELL_DEFAULT)))
    by_label = {r.label: r for r in results if r.kind == "authority"}
    authorities = None
    caption = ""
    outcome_label = "Outcome trend"
    demo_tables: list[str] = []
    if authority_rows is not None:
        authorities = dashboard_rows(authority_rows, by_label, out_dir, min_cell)
        attrs = authority_rows.attrs
        first = authority_rows["outcome_from"].dropna()
        last = authority_rows["outcome_to"].dropna()
        outcome = str(attrs.get("outcome", "outcome")).replace("_", " ")
        if len(first) and len(last):
            outcome_label = f"{outcome} {int(first.iloc[0])}→{int(last.iloc[0])} (change)"
        year = attrs.get("year")
        caption = (
            f"Residents of origin definition {attrs.get('definition', '')} on 1 January {year}; "
            f"eligible = more than {attrs.get('threshold', 7500):,.0f}"
            f"{' (inclusive)' if attrs.get('inclusive') else ''}; margin = count − threshold; "
            "cohort = first funded project year."
        )
        if attrs.get("demo") and not run_info.get("demo"):
            demo_tables.append("origin-based authority table")
    prov_rows = []
    for p in provenance:
        sources = p.get("sources") or [{"dataset_id": "", "file": "", "sha256": "", "demo": p.get("demo")}]
        for s in sources:
            prov_rows.append({"build": p["build"], "table": p["table"], "dataset_id": s["dataset_id"],
                              "file": s["file"], "sha256": s["sha256"], "demo": p["demo"] or s["demo"]})
            if (p["demo"] or s["demo"]) and not run_info.get("demo") and p["build"][:4] != "demo":
                demo_tables.append(p["table"])
    names = {}
    if authority_rows is not None:
        names = dict(zip(authority_rows["applicant"].astype(str), authority_rows["name"].astype(str)))
    results_view = [
        {
            "label": r.label, "kind": r.kind, "ok": r.ok, "seconds": r.seconds,
            "html": relative_to_out(r.html, out_dir), "ipynb": relative_to_out(r.ipynb, out_dir) if Path(r.ipynb).exists() else None,
            "error_line": (r.error or "").splitlines()[0][:200] if r.error else "",
            "data": {True: "DEMO", False: "real", None: "?"}[r.demo],
            "name": names.get(r.label, "") if r.kind == "authority" else "",
        }
        for r in results
    ]
    params = sorted((str(k), json.dumps(v, default=str)) for k, v in (run_info.get("parameters") or {}).items())
    text = _template_env().get_template("index.html.j2").render(
        demo=bool(run_info.get("demo")),
        run=run_info,
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
    )
    path = out_dir / "index.html"
    path.write_text(text, encoding="utf-8")
    return path
