"""What notebooks call: one data context per report, a DEMO banner, captions, provenance.

A notebook's second code cell is::

    from samenleven_analysis.reports.context import data_context
    ctx = data_context(vintage=vintage)
    ctx.banner()

and its last cell ``ctx.provenance_cell(params)``. ``data_context`` runs
:func:`samenleven_analysis.data.build.build` (a cache hit when nothing changed) and then loads
processed tables through :func:`samenleven_analysis.data.build.load`, remembering the provenance
of everything it loaded so that the report can say where its numbers came from and whether
any of them are Demoland (fictional) data.

When the report runner has already built the data (it builds once before starting
notebooks in parallel, so that kernels never race to write ``data/processed``), it passes
the built folders through the environment variable ``SAMENLEVEN_PREBUILT``
(``2025=folder`` entries for the main build of each vintage and ``demo-2025=folder`` for
the demo builds used in demo mode and as fallback, separated by ``os.pathsep``); ``data_context`` then reads those folders without
building. Printed output is kept free of absolute paths, so stored notebook outputs are
identical between machines; the volatile parts of the provenance cell (run time, git
commit, package versions, sha256) carry fixed labels that ``notebooks/sanitize.cfg``
masks.
"""


from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from samenleven_analysis import config
from samenleven_analysis.analysis import disclosure
from samenleven_analysis.analysis.authorities import FLANDERS, KEY_OUTCOME, TREND_YEARS
from samenleven_analysis.errors import DataUnavailable
from samenleven_analysis.reports.provenance import (
    _provenance_is_demo,
    git_commit,
    package_versions,
    sources_of,
    utc_now,
)

PREBUILT_ENV = "SAMENLEVEN_PREBUILT"
"""Environment variable through which the runner hands pre-built folders to kernels."""


DEMO_NOTE = (
    "**DEMO DATA** — the figures below are computed from *Demoland*, a fictional, "
    "generated data set. They say nothing about any real municipality."
)


def _prebuilt() -> dict[str, Path]:
    """Parse ``SAMENLEVEN_PREBUILT`` into ``{"2025": Path, "demo-2025": Path, ...}``."""
    raw = os.environ.get(PREBUILT_ENV, "").strip()
    out: dict[str, Path] = {}
    if not raw:
        return out
    for entry in raw.split(os.pathsep):
        if "=" in entry:
            key, _, value = entry.partition("=")
            if key.strip() and value.strip():
                out[key.strip()] = Path(value.strip())
    return out


def encode_prebuilt(folders: dict[str, Path | str]) -> str:
    """Inverse of the ``SAMENLEVEN_PREBUILT`` parser (used by the runner)."""
    return os.pathsep.join(f"{k}={Path(v)}" for k, v in folders.items())


def demo_processed_dir() -> Path:
    """Folder for a demo build kept apart from the real processed tables.

    With ``SAMENLEVEN_DEMO`` set, :func:`config.processed_dir` already points at a demo
    folder; otherwise the demo build goes to a ``demo/`` subfolder of it, so that a demo
    fallback never overwrites real tables.
    """
    base = config.processed_dir()
    return base if config.force_demo() else base / "demo"


def _display(obj: Any) -> None:
    """IPython display when available (notebooks), plain print otherwise (scripts, tests)."""
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display(obj)
            return
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        pass
    print(getattr(obj, "data", obj))


def _md_escape(text: Any) -> str:
    from samenleven_analysis.reports.text import md_escape

    return md_escape(text)


@dataclass
class DataContext:
    """Processed tables for one report, plus what is needed to describe their origin.

    Build it with :func:`data_context`. ``demo`` is True as soon as anything this
    context loaded (or built) is Demoland data.
    """

    vintage: int
    processed: Path
    built_demo: bool
    demo_processed: Path | None = None
    data_dir: Path | None = None
    offline: bool | None = None
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    demo_tables: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------- loading
    @property
    def demo(self) -> bool:
        """True when the build or any loaded table is Demoland (fictional) data."""
        return self.built_demo or bool(self.demo_tables)

    def available(self) -> list[str]:
        """Names of the processed tables present in this context's build folder."""
        return sorted(p.stem for p in self.processed.glob("*.parquet"))

    def has(self, name: str) -> bool:
        """Whether the build holds table ``name`` (without the demo fallback)."""
        return (self.processed / f"{name}.parquet").is_file()

    def load(self, name: str, fallback_demo: bool = False) -> pd.DataFrame:
        """Load processed table ``name`` (e.g. ``"population_origin"``).

        With ``fallback_demo=True`` a table missing from the real build (for instance
        the origin table, which has no public source) is loaded from a demo build kept
        in a separate folder, and the context is marked as using demo data.
        Raises :class:`~samenleven_analysis.errors.DataUnavailable` when the table is
        absent and no fallback applies.
        """
        if name in self._frames:
            return self._frames[name].copy()
        from samenleven_analysis.data import build

        if self.has(name):
            frame, prov = build.load(name, processed=self.processed)
            demo = self.built_demo or _provenance_is_demo(prov)
        elif fallback_demo and not self.built_demo:
            folder = self._demo_build()
            if not (folder / f"{name}.parquet").is_file():
                raise DataUnavailable(f"table {name!r} is in neither the real nor the demo build")
            frame, prov = build.load(name, processed=folder)
            demo = True
            self.notes.append(f"`{name}` is Demoland data: the real build has no such table.")
            warnings.warn(
                f"DEMO DATA: table {name!r} is missing from the real build; using Demoland "
                "(fictional) data instead",
                stacklevel=2,
            )
        else:
            raise DataUnavailable(
                f"processed table {name!r} not found (available: {', '.join(self.available()) or 'none'}); "
                "run `samenleven build`, or supply its source file"
            )
        self.provenance[name] = {**prov, "demo": demo}
        if demo:
            self.demo_tables.add(name)
        self._frames[name] = frame
        return frame.copy()

    def _demo_build(self) -> Path:
        if self.demo_processed is not None and (self.demo_processed / "municipalities.parquet").exists():
            return self.demo_processed
        pre = _prebuilt().get(f"demo-{self.vintage}")
        if pre is not None and pre.is_dir():
            self.demo_processed = pre
            return pre
        from samenleven_analysis.data import build

        result = build.build(self.vintage, demo=True, offline=True, out=demo_processed_dir())
        self.demo_processed = Path(result.out_dir)
        return self.demo_processed

    # ----------------------------------------------------------------- display
    def banner(self) -> None:
        """Display a loud DEMO banner, or a one-line note on the real data used."""
        from IPython.display import Markdown

        _display(Markdown(self.banner_text()))

    def banner_text(self) -> str:
        """Markdown of :meth:`banner` (deterministic: no paths, no times)."""
        if disclosure.disclosure_off():
            return f"> **{disclosure.off_stamp()}**\n\n" + self._banner_text()
        return self._banner_text()

    def _banner_text(self) -> str:
        if self.built_demo:
            return f"> {DEMO_NOTE}\n>\n> Municipality vintage {self.vintage}."
        text = (
            f"Data: Statbel open data (processed tables, municipality vintage {self.vintage}); "
            "tables missing from the real sources fall back to Demoland and are then marked DEMO."
        )
        if self.demo_tables:
            text = f"> {DEMO_NOTE}\n>\n> Demo tables: {', '.join(sorted(self.demo_tables))}.\n\n" + text
        return text

    def caption(self, year: int | None = None, definition: str | None = None, extra: str | None = None) -> str:
        """One-line figure/table caption: source, year, vintage, origin definition, DEMO stamp."""
        parts = ["Source: " + ("Demoland (fictional demo data)" if self.demo else "Statbel open data")]
        if year is not None:
            parts.append(f"year {year}")
        parts.append(f"municipalities as of vintage {self.vintage}")
        if definition is not None:
            label = definition
            if definition == "nationality_proxy":
                label += " (proxy: non-Belgian nationality understates origin)"
            parts.append(f"origin definition {label}")
        if extra:
            parts.append(str(extra))
        text = "; ".join(parts)
        text = f"DEMO — {text}" if self.demo else text
        return f"DISCLOSURE CONTROL OFF — {text}" if disclosure.disclosure_off() else text

    def sources(self) -> list[dict[str, Any]]:
        """Unique input files behind everything loaded so far, sorted by dataset id."""
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for name, prov in self.provenance.items():
            for src in sources_of(prov):
                key = (src["dataset_id"], src["sha256"])
                entry = seen.setdefault(key, {**src, "tables": []})
                entry["tables"].append(name)
                entry["demo"] = entry["demo"] or bool(prov.get("demo"))
        return [seen[k] for k in sorted(seen)]

    def provenance_record(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Everything :meth:`provenance_cell` shows, as a dict (the runner stores it too)."""
        return {
            "parameters": dict(params or {}),
            "demo": self.demo,
            "demo_tables": sorted(self.demo_tables),
            "vintage": self.vintage,
            "tables": sorted(self.provenance),
            "sources": self.sources(),
            "packages": package_versions(),
            "git_commit": git_commit(),
            "run_time_utc": utc_now(),
        }

    def provenance_markdown(self, params: dict[str, Any] | None = None) -> str:
        """Markdown of the provenance cell. Volatile values sit behind fixed labels
        (``run time (UTC):``, ``git commit:``, ``==version``, ``sha256``) for the sanitiser."""
        rec = self.provenance_record(params)
        lines = ["### Provenance", ""]
        if disclosure.disclosure_off():
            lines += [f"**{disclosure.off_stamp()}**", ""]
        lines.append(
            "**Data: DEMO (Demoland, fictional)**" if rec["demo"] else "**Data: real (Statbel open data)**"
        )
        if rec["demo_tables"] and not self.built_demo:
            lines.append(f"\nDemo tables in this report: {', '.join(rec['demo_tables'])}")
        lines += ["", "**Parameters**", "", "| parameter | value |", "|---|---|"]
        for key in sorted(rec["parameters"]):
            lines.append(f"| {_md_escape(key)} | {_md_escape(repr(rec['parameters'][key]))} |")
        lines += ["", "**Sources**", "", "| data set | file | sha256 | demo | tables |", "|---|---|---|---|---|"]
        for src in rec["sources"]:
            lines.append(
                f"| {_md_escape(src['dataset_id'])} | {_md_escape(src['file'])} | `{src['sha256']}` | "
                f"{'yes' if src['demo'] else 'no'} | {', '.join(src['tables'])} |"
            )
        if not rec["sources"]:
            lines.append("| (no tables loaded) | | | | |")
        pkgs = ", ".join(f"{k}=={v}" for k, v in rec["packages"].items())
        lines += [
            "",
            f"**Packages:** {pkgs}",
            "",
            f"git commit: {rec['git_commit']}",
            "",
            f"run time (UTC): {rec['run_time_utc']}",
            "",
            f"municipality vintage: {rec['vintage']}",
        ]
        return "\n".join(lines)

    def provenance_cell(self, params: dict[str, Any] | None = None) -> None:
        """Display the closing provenance cell: parameters, sources with sha256, demo flag,
        package versions, git commit and run time."""
        from IPython.display import Markdown

        _display(Markdown(self.provenance_markdown(params)))


def data_context(
    vintage: int = 2025,
    *,
    data_dir: str | Path | None = None,
    offline: bool | None = None,
    demo: bool | None = None,
) -> DataContext:
    """Build (or reuse) the processed tables for ``vintage`` and return a :class:`DataContext`.

    ``demo=None`` follows ``SAMENLEVEN_DEMO``. When no real data can be found and ``demo``
    is not explicitly False, the context falls back to Demoland data with a loud warning
    (the banner then says DEMO). Tables pre-built by the report runner are reused without
    building (see module docstring).
    """
    vintage = int(vintage)
    data_dir = Path(data_dir) if data_dir is not None else None
    want_demo = config.force_demo() if demo is None else bool(demo)
    prebuilt = _prebuilt()
    key = f"demo-{vintage}" if want_demo else str(vintage)
    if key in prebuilt and prebuilt[key].is_dir():
        folder = prebuilt[key]
        built_demo = want_demo or _folder_is_demo(folder)
        return DataContext(
            vintage=vintage, processed=folder, built_demo=built_demo,
            demo_processed=prebuilt.get(f"demo-{vintage}"), data_dir=data_dir, offline=offline,
        )

    from samenleven_analysis.data import build

    try:
        if want_demo:
            result = build.build(vintage, data_dir=data_dir, offline=True, demo=True, out=demo_processed_dir())
        else:
            result = build.build(vintage, data_dir=data_dir, offline=offline, demo=demo)
    except DataUnavailable as exc:
        if demo is False:
            raise
        warnings.warn(
            f"DEMO DATA: no real data available ({exc}); this report uses Demoland (fictional) data",
            stacklevel=2,
        )
        result = build.build(vintage, data_dir=data_dir, offline=True, demo=True, out=demo_processed_dir())
    return DataContext(
        vintage=vintage, processed=Path(result.out_dir), built_demo=bool(result.demo),
        demo_processed=prebuilt.get(f"demo-{vintage}"), data_dir=data_dir, offline=offline,
    )


def _folder_is_demo(folder: Path) -> bool:
    """Whether a processed folder holds demo tables (from their provenance sidecars)."""
    import json

    for sidecar in sorted(folder.glob("*.provenance.json")):
        try:
            prov = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if _provenance_is_demo(prov):
            return True
    return False


def _origin_source(ctx: DataContext, definition: str) -> tuple[pd.DataFrame, bool]:
    """The table eligibility counts from, and whether it came from the demo fallback."""
    if definition == "nationality_proxy":
        return ctx.load("population_nationality"), ctx.built_demo
    frame = ctx.load("population_origin", fallback_demo=True)
    return frame, "population_origin" in ctx.demo_tables and not ctx.built_demo


def origin_is_demo(ctx: DataContext, definition: str = "non_eu14") -> bool:
    """Whether the origin counts for ``definition`` come from the demo fallback (then the
    tables joined to them must come from the demo build too, see :func:`load_consistent`)."""
    return _origin_source(ctx, definition)[1]


def load_consistent(ctx: DataContext, name: str, demo_side: bool) -> pd.DataFrame | None:
    """Load ``name`` from the same side (real build or demo fallback) as the origin table,
    so that codes match; None when the table does not exist on that side."""
    from samenleven_analysis.data import build

    try:
        if demo_side:
            folder = ctx._demo_build()
            if not (folder / f"{name}.parquet").is_file():
                return None
            frame, prov = build.load(name, processed=folder)
            ctx.provenance[f"{name} (demo)"] = {**prov, "demo": True}
            ctx.demo_tables.add(name)
            return frame
        return ctx.load(name, fallback_demo=False)
    except DataUnavailable:
        return None


def authority_table(
    ctx: DataContext | None = None,
    *,
    year: int | None = None,
    definition: str = "non_eu14",
    threshold: float = 7500,
    vintage: int = 2025,
    inclusive: bool = False,
    outcome: str = KEY_OUTCOME,
    region: str = FLANDERS,
) -> pd.DataFrame:
    """One row per applicant (municipality, or partnership pooling several) of ``region``.

    Columns: those of :func:`samenleven_analysis.analysis.eligibility.eligible` (``applicant,
    members, count, eligible, margin, kind, name, n_members, total, share, year,
    definition``) with ``name`` filled for municipalities, plus ``cohort`` (first funded
    project year, NaN when never funded), ``outcome_from``, ``outcome_to``,
    ``outcome_change`` (change of the members' mean ``outcome`` over the last
    :data:`TREND_YEARS` years, NaN without outcome data). Counts are raw: publish them
    through :mod:`samenleven_analysis.analysis.disclosure`.
    """
    from samenleven_analysis.analysis import eligibility

    ctx = ctx or data_context(vintage)
    origin, demo_side = _origin_source(ctx, definition)
    munis = load_consistent(ctx, "municipalities", demo_side)
    partnerships = load_consistent(ctx, "partnerships", demo_side)
    within = None
    if munis is not None and region:
        within = munis.loc[munis["region"].astype(str) == region, "refnis"].astype(str).tolist()
    table = eligibility.eligible(
        origin, threshold, definition, year, partnerships, inclusive, within=within
    )
    if munis is not None:
        names = dict(zip(munis["refnis"].astype(str), munis["name_nl"]))
        table["name"] = table["name"].where(table["name"].notna(), table["applicant"].map(names))
    table["name"] = table["name"].fillna(table["applicant"]).astype(str)

    treatment = load_consistent(ctx, "treatment", demo_side)
    cohort_of: dict[str, float] = {}
    if treatment is not None:
        cohort_of = treatment.groupby(treatment["refnis"].astype(str))["cohort"].min().to_dict()
    table["cohort"] = [
        min((cohort_of.get(m, float("nan")) for m in members), default=float("nan"))
        if any(pd.notna(cohort_of.get(m)) for m in members) else float("nan")
        for members in table["members"]
    ]
    outcomes = load_consistent(ctx, "outcomes", demo_side)
    table["outcome_from"] = pd.NA
    table["outcome_to"] = pd.NA
    table["outcome_change"] = float("nan")
    if outcomes is not None:
        frame = outcomes[outcomes["outcome"] == outcome]
        if len(frame):
            last = int(frame["year"].max())
            first = last - TREND_YEARS
            wide = frame[frame["year"].isin([first, last])].pivot_table(
                index="refnis", columns="year", values="value", aggfunc="mean"
            )
            if first in wide.columns and last in wide.columns:
                changes = []
                for members in table["members"]:
                    rows = wide.reindex([str(m) for m in members])
                    changes.append(float(rows[last].mean() - rows[first].mean()))
                table["outcome_from"] = first
                table["outcome_to"] = last
                table["outcome_change"] = changes
    table.attrs.update(outcome=outcome, demo=ctx.demo or demo_side)
    return table


def table_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """The :func:`authority_table` arguments among a notebook's parameters."""
    keys = ("year", "definition", "threshold", "vintage", "inclusive")
    return {k: settings[k] for k in keys if k in settings}


def origin_counts(ctx: DataContext, definition: str = "non_eu14") -> pd.DataFrame:
    """Residents of ``definition`` per municipality and year (all years): ``year, refnis,
    count, total, share`` from the same source the authority table uses."""
    from samenleven_analysis.data import origin as origin_mod

    frame, _ = _origin_source(ctx, definition)
    return origin_mod.count(frame, definition)


def region_codes(ctx: DataContext, region: str = FLANDERS, definition: str = "non_eu14") -> list[str]:
    """Municipality codes of ``region`` on the side (real/demo) the origin data come from."""
    _, demo_side = _origin_source(ctx, definition)
    munis = load_consistent(ctx, "municipalities", demo_side)
    if munis is None:
        return []
    return sorted(munis.loc[munis["region"].astype(str) == region, "refnis"].astype(str))
