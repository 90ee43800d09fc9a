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
the demo builds used in demo mode, separated by ``os.pathsep``); ``data_context`` then
reads those folders without building. Printed output is kept free of absolute paths, so stored notebook outputs are
identical between machines; the volatile parts of the provenance cell (run time, git
commit, package versions, sha256) carry fixed labels that ``notebooks/sanitize.cfg``
masks.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from samenleven_analysis import config
from samenleven_analysis.analysis import authorities, disclosure
from samenleven_analysis.analysis.authorities import FLANDERS, KEY_OUTCOME
from samenleven_analysis.data.build import is_demo, provenance_is_demo
from samenleven_analysis.errors import DataUnavailable
from samenleven_analysis.facts import THRESHOLD_RESIDENTS, VINTAGES
from samenleven_analysis.i18n import N_, _, set_language, yes_no
from samenleven_analysis.reports.provenance import (
    git_commit,
    lock_sha256,
    package_versions,
    report_time,
    run_time_text,
    sources_of,
)

PREBUILT_ENV = "SAMENLEVEN_PREBUILT"
"""Environment variable through which the runner hands pre-built folders to kernels."""


DEMO_NOTE = N_(
    "**DEMO DATA** — the figures below are computed from *Demoland*, a fictional, "
    "generated data set. They say nothing about any real municipality."
)
"""Message id: shown through :func:`~samenleven_analysis.i18n._` in the active language."""


def _prebuilt() -> dict[str, Path]:
    """Parse ``SAMENLEVEN_PREBUILT`` into ``{"2025": Path, "demo-2025": Path, ...}``."""
    raw = os.environ.get(PREBUILT_ENV, "").strip()
    out: dict[str, Path] = {}
    if not raw:
        return out
    for entry in raw.split(os.pathsep):
        if "=" in entry:
            key, _sep, value = entry.partition("=")
            if key.strip() and value.strip():
                out[key.strip()] = Path(value.strip())
    return out


def encode_prebuilt(folders: Mapping[str, Path | str]) -> str:
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


PROVENANCE_METADATA = "samenleven_provenance"
"""Output-metadata key of the provenance cell: ``{"demo": bool}``, read by
:func:`samenleven_analysis.reports.kernels.report_uses_demo` whatever the report's language."""


def _display(obj: Any, metadata: dict[str, Any] | None = None) -> None:
    """IPython display when available (notebooks), plain print otherwise (scripts, tests)."""
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            if metadata:
                display(obj, metadata=metadata)
            else:
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
        """Load processed table ``name`` (e.g. ``"population_nationality"``).

        Never mixes data: a table missing from this context's build raises
        :class:`~samenleven_analysis.errors.DataUnavailable` naming the file that would fill
        it. ``fallback_demo`` is accepted for old callers and ignored (a real run never
        shows Demoland; demo is all or nothing, see :func:`data_context`).
        """
        if name in self._frames:
            return self._frames[name].copy()
        if not self.has(name):
            from samenleven_analysis.reports.labels import MISSING_INPUTS

            file = MISSING_INPUTS.get(name, (None,))[0]
            raise DataUnavailable(
                f"processed table {name!r} not found (available: {', '.join(self.available()) or 'none'}); "
                + (f"supply {file} and " if file else "")
                + "run `samenleven build`"
            )
        frame, prov = _cached_load(self.processed, name)
        demo = self.built_demo or provenance_is_demo(prov)
        self.provenance[name] = {**prov, "demo": demo}
        if demo:
            self.demo_tables.add(name)
        self._frames[name] = frame
        return frame.copy()

    def optional(self, name: str) -> pd.DataFrame | None:
        """Table ``name`` from this build, or None when the build has none.

        The caller then shows :func:`samenleven_analysis.reports.labels.missing_input_text`.
        """
        return self.load(name) if self.has(name) else None

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
            return f"> {_(DEMO_NOTE)}\n>\n> " + _(
                "Municipality vintage {vintage}.", vintage=self.vintage
            )
        text = _(
            "Data: Statbel open data (processed tables, municipality vintage {vintage}); "
            "sections whose input has no public source say so and name the file that would "
            "fill them.",
            vintage=self.vintage,
        )
        if self.demo_tables:
            tables = ", ".join(sorted(self.demo_tables))
            text = (
                f"> {_(DEMO_NOTE)}\n>\n> "
                + _("Demo tables: {tables}.", tables=tables)
                + "\n\n"
                + text
            )
        return text

    def caption(
        self, year: int | None = None, definition: str | None = None, extra: str | None = None
    ) -> str:
        """One-line figure/table caption: source, year, vintage, origin definition, DEMO stamp."""
        parts = [
            _("Source: Demoland (fictional demo data)")
            if self.demo
            else _("Source: Statbel open data")
        ]
        if year is not None:
            parts.append(_("year {year}", year=year))
        parts.append(_("municipalities as of vintage {vintage}", vintage=self.vintage))
        if definition is not None:
            from samenleven_analysis.reports.labels import definition_label

            if definition == "nationality_proxy":
                parts.append(
                    _(
                        "counts: {definition}, which understates origin",
                        definition=definition_label(definition),
                    )
                )
            else:
                parts.append(_("counts: {definition}", definition=definition_label(definition)))
        if extra:
            parts.append(str(extra))
        text = "; ".join(parts)
        text = _("DEMO — {caption}", caption=text) if self.demo else text
        if disclosure.disclosure_off():
            return _("DISCLOSURE CONTROL OFF — {caption}", caption=text)
        return text

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
            "lock_sha256": lock_sha256(),
            "run_time_utc": report_time(),
        }

    def provenance_markdown(self, params: dict[str, Any] | None = None) -> str:
        """Markdown of the provenance cell.

        Volatile values sit behind fixed labels (``run time (UTC):`` / ``tijdstip van de run (UTC):``,
        ``git commit:``, ``==version``, ``sha256``) for the sanitiser.
        """
        rec = self.provenance_record(params)
        lines = ["### " + _("Provenance"), ""]
        if disclosure.disclosure_off():
            lines += [f"**{disclosure.off_stamp()}**", ""]
        lines.append(
            "**" + _("Data: DEMO (Demoland, fictional)") + "**"
            if rec["demo"]
            else "**" + _("Data: real (Statbel open data)") + "**"
        )
        if rec["demo_tables"] and not self.built_demo:
            lines.append(
                "\n"
                + _("Demo tables in this report: {tables}", tables=", ".join(rec["demo_tables"]))
            )
        lines += [
            "",
            "**" + _("Parameters") + "**",
            "",
            "| " + _("parameter") + " | " + _("value") + " |",
            "|---|---|",
        ]
        for key in sorted(rec["parameters"]):
            lines.append(f"| {_md_escape(key)} | {_md_escape(repr(rec['parameters'][key]))} |")
        lines += [
            "",
            "**" + _("Sources") + "**",
            "",
            "| " + " | ".join((_("data set"), _("file"), "sha256", _("demo"), _("tables"))) + " |",
            "|---|---|---|---|---|",
        ]
        for src in rec["sources"]:
            lines.append(
                f"| {_md_escape(src['dataset_id'])} | {_md_escape(src['file'])} | `{src['sha256']}` | "
                f"{yes_no(src['demo'])} | {', '.join(src['tables'])} |"
            )
        if not rec["sources"]:
            lines.append("| " + _("(no tables loaded)") + " | | | | |")
        pkgs = ", ".join(f"{k}=={v}" for k, v in rec["packages"].items())
        lines += [
            "",
            "**" + _("Packages:") + f"** {pkgs}",
            "",
            # one line, one label for the sanitiser: the code and the exact environment
            f"git commit: {rec['git_commit']}; {config.LOCK_FILE} sha256: {rec['lock_sha256']}",
            "",
            _("run time (UTC): {time}", time=run_time_text(rec["run_time_utc"])),
            "",
            _("municipality vintage: {vintage}", vintage=rec["vintage"]),
        ]
        return "\n".join(lines)

    def provenance_cell(self, params: dict[str, Any] | None = None) -> None:
        """Display the closing provenance cell.

        Parameters, sources with sha256, demo flag, package versions, git commit and run time.
        """
        from IPython.display import Markdown

        # machine-readable beside the text (in any language): kernels.report_uses_demo reads it
        demo = bool(self.provenance_record(params)["demo"])
        _display(
            Markdown(self.provenance_markdown(params)),
            metadata={PROVENANCE_METADATA: {"demo": demo}},
        )


def data_context(
    vintage: int = VINTAGES[-1],
    *,
    data_dir: str | Path | None = None,
    offline: bool | None = None,
    demo: bool | None = None,
    language: str | None = None,
) -> DataContext:
    """Build (or reuse) the processed tables for ``vintage`` and return a :class:`DataContext`.

    ``language`` (``nl`` or ``en``), when given, becomes the active language of every text the
    package shows from here on (:func:`samenleven_analysis.i18n.set_language`).

    ``demo=None`` follows ``SAMENLEVEN_DEMO``. When no real data can be found and ``demo``
    is not explicitly False, the context falls back to Demoland data with a loud warning
    (the banner then says DEMO). Tables pre-built by the report runner are reused without
    building (see module docstring).
    """
    if language is not None:
        set_language(language)
    vintage = int(vintage)
    data_dir = Path(data_dir) if data_dir is not None else None
    want_demo = config.force_demo() if demo is None else bool(demo)
    prebuilt = _prebuilt()
    key = f"demo-{vintage}" if want_demo else str(vintage)
    if key in prebuilt and prebuilt[key].is_dir():
        folder = prebuilt[key]
        built_demo = want_demo or is_demo(processed=folder)
        return DataContext(
            vintage=vintage,
            processed=folder,
            built_demo=built_demo,
            demo_processed=prebuilt.get(f"demo-{vintage}"),
            data_dir=data_dir,
            offline=offline,
        )

    from samenleven_analysis.data import build

    try:
        if want_demo:
            result = build.build(
                vintage, data_dir=data_dir, offline=True, demo=True, out=demo_processed_dir()
            )
        else:
            result = build.build(vintage, data_dir=data_dir, offline=offline, demo=demo)
    except DataUnavailable as exc:
        if demo is False:
            raise
        warnings.warn(
            f"DEMO DATA: no real data available ({exc}); this report uses Demoland (fictional) data",
            stacklevel=2,
        )
        result = build.build(
            vintage, data_dir=data_dir, offline=True, demo=True, out=demo_processed_dir()
        )
    return DataContext(
        vintage=vintage,
        processed=Path(result.out_dir),
        built_demo=bool(result.demo),
        demo_processed=prebuilt.get(f"demo-{vintage}"),
        data_dir=data_dir,
        offline=offline,
    )


_CACHE: dict[tuple[str, str, int, int], tuple[pd.DataFrame, dict[str, Any]]] = {}
"""Tables already read in this process, keyed by file and its size and mtime: a kernel that
runs many authority reports (``ReusableKernel``) reads each Parquet file once."""


def _cached_load(folder: Path, name: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    from samenleven_analysis.data import build

    path = Path(folder) / f"{name}.parquet"
    stat = path.stat()
    key = (str(path.resolve()), name, stat.st_size, stat.st_mtime_ns)
    if key not in _CACHE:
        _CACHE[key] = build.load(name, processed=folder)
    frame, prov = _CACHE[key]
    return frame.copy(), dict(prov)


@dataclass(frozen=True)
class OriginSource:
    """The table residents of an origin definition are counted from, for one context.

    ``definition`` is what the counts mean (the requested definition, or
    ``nationality_proxy`` when the data hold no origin table); ``requested`` what was asked.
    """

    frame: pd.DataFrame = field(repr=False)
    definition: str
    requested: str
    table: str

    @property
    def proxy(self) -> bool:
        """Whether the counts are the nationality proxy."""
        from samenleven_analysis.analysis.eligibility import PROXY_DEFINITION

        return self.definition == PROXY_DEFINITION

    @property
    def substituted(self) -> bool:
        """Whether the proxy stands in for a requested origin definition."""
        return self.definition != self.requested

    @property
    def label(self) -> str:
        """Human label of what the counts mean (e.g. ``non-Belgian nationality (proxy)``)."""
        from samenleven_analysis.reports.labels import definition_label

        return definition_label(self.definition)

    def note(self) -> str:
        """Markdown for the reader: what the counts mean and, for the proxy, why and how it errs.

        Empty for a supplied origin table used as asked.
        """
        from samenleven_analysis.reports.labels import (
            MISSING_INPUTS,
            canonical_columns,
            definition_label,
        )

        if not self.proxy:
            return ""
        file = MISSING_INPUTS["population_origin"][0]
        reason = (
            _(
                "The data hold no origin table, so the requested definition ({definition}) "
                "cannot be computed.",
                definition=definition_label(self.requested),
            )
            + " "
            if self.substituted
            else ""
        )
        return (
            "> **"
            + _("Proxy, not the Plan's rule.")
            + "** "
            + reason
            + _(
                "Counts are residents of **non-Belgian nationality** (Statbel population by "
                "nationality). Nationality *understates* origin: naturalised residents and "
                "Belgian-born children of migrants count as Belgian, so fewer authorities pass "
                "the threshold than under the origin rule. Supply `{file}` (columns `{columns}`) "
                "for the real definition.",
                file=file,
                columns=", ".join(canonical_columns("population_origin")),
            )
        )


def origin_source(ctx: DataContext, definition: str = "non_eu14") -> OriginSource:
    """Choose the data for ``definition``: the origin table when the build has one, else the proxy.

    The origin table: a user-supplied file, or Demoland in a demo run; else the nationality proxy.

    The one place this choice is made; notebooks, the authority table and the dashboard all
    call it. Raises :class:`ValueError` for an unknown definition.
    """
    from samenleven_analysis.analysis.eligibility import DEFINITIONS, PROXY_DEFINITION

    if definition not in DEFINITIONS:
        raise ValueError(
            f"unknown definition {definition!r}; choose one of {', '.join(DEFINITIONS)}"
        )
    if definition != PROXY_DEFINITION and ctx.has("population_origin"):
        return OriginSource(
            ctx.load("population_origin"), definition, definition, "population_origin"
        )
    return OriginSource(
        ctx.load("population_nationality"), PROXY_DEFINITION, definition, "population_nationality"
    )


@dataclass(frozen=True)
class ReferenceYear:
    """The year counts refer to (1 January), the year asked for, and why they differ."""

    year: int
    requested: int | None
    available: tuple[int, ...]

    @property
    def substituted(self) -> bool:
        return self.requested is not None and self.requested != self.year

    def note(self) -> str:
        """One sentence for the reader when the year is not the one asked for; else empty."""
        first, last = min(self.available), max(self.available)
        if self.requested is None:
            return ""
        if self.substituted:
            values = dict(requested=self.requested, first=first, last=last, year=self.year)
            return (
                _(
                    "The data hold no counts for {requested} (years {first}–{last}); figures "
                    "use {year}, the nearest earlier year available.",
                    **values,
                )
                if self.year <= self.requested
                else _(
                    "The data hold no counts for {requested} (years {first}–{last}); figures "
                    "use {year}, the earliest year available.",
                    **values,
                )
            )
        return ""


def reference_year(
    frame_or_years: pd.DataFrame | Sequence[int], requested: int | None = None
) -> ReferenceYear:
    """Choose the reference year: the one place this rule lives.

    ``requested`` when the data hold it; ``None`` means the rule's reference year
    (``eligibility_reference_year`` in the reference facts, 2022). A year the data lack is
    replaced by the latest earlier year they hold (the real Statbel mirror ends in 2015), or
    by the earliest year when all are later. Raises :class:`DataUnavailable` without years.
    """
    from samenleven_analysis.data import plan_facts

    years = (
        frame_or_years["year"].unique()
        if isinstance(frame_or_years, pd.DataFrame)
        else frame_or_years
    )
    available = tuple(sorted({int(y) for y in years}))
    if not available:
        raise DataUnavailable("no years in the data to choose a reference year from")
    target = (
        int(requested)
        if requested is not None
        else int(plan_facts.fact("eligibility_reference_year"))
    )
    earlier = [y for y in available if y <= target]
    year = max(earlier) if earlier else available[0]
    shown = requested if requested is None else int(requested)
    if requested is None and year != target:
        shown = target  # the rule's year was asked for implicitly: say it was replaced
    return ReferenceYear(year=year, requested=shown, available=available)


def authority_table(
    ctx: DataContext | None = None,
    *,
    year: int | None = None,
    definition: str = "non_eu14",
    threshold: float = THRESHOLD_RESIDENTS,
    vintage: int = VINTAGES[-1],
    inclusive: bool = False,
    outcome: str = KEY_OUTCOME,
    region: str = FLANDERS,
) -> pd.DataFrame:
    """One row per applicant (municipality, or partnership pooling several) of ``region``.

    Counts come from :func:`origin_source` (the proxy when the data hold no origin table)
    in the year :func:`reference_year` chooses. Columns: those of
    :func:`samenleven_analysis.analysis.eligibility.eligible` (``applicant, members, count,
    eligible, margin, kind, name, n_members, total, share, year, definition``) with ``name``
    filled for municipalities, plus ``cohort`` (first funded project year, NaN when never
    funded or without a treatment table), ``outcome_from``, ``outcome_to``,
    ``outcome_change`` (change of the members' mean ``outcome`` over the last
    :data:`TREND_YEARS` years, NaN without outcome data). ``attrs`` hold the run's
    ``definition`` (used), ``requested_definition``, ``proxy``, ``year``,
    ``requested_year``, ``threshold``, ``inclusive``, ``demo``, ``region_codes`` (every
    municipality of the region in the vintage) and ``missing`` (optional inputs absent).
    Counts are raw: publish them through :mod:`samenleven_analysis.analysis.disclosure`.
    """
    ctx = ctx or data_context(vintage)
    source = origin_source(ctx, definition)
    ref = reference_year(source.frame, year)
    munis = ctx.load("municipalities")
    table = authorities.applicant_table(
        source.frame,
        munis,
        threshold=threshold,
        definition=source.definition,
        year=ref.year,
        partnerships=ctx.optional("partnerships"),
        inclusive=inclusive,
        region=region,
        treatment=ctx.optional("treatment"),
        outcomes=ctx.optional("outcomes"),
        outcome=outcome,
    )
    missing = [
        t
        for t in ("population_origin", "outcomes", "treatment", "programmes", "partnerships")
        if not ctx.has(t)
    ]
    table.attrs.update(
        outcome=outcome,
        demo=ctx.demo,
        definition=source.definition,
        requested_definition=definition,
        proxy=source.proxy,
        year=ref.year,
        requested_year=ref.requested,
        threshold=threshold,
        inclusive=inclusive,
        region_codes=authorities.region_members(munis, region),
        missing=missing,
        vintage=ctx.vintage,
    )
    return table


def table_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """The :func:`authority_table` arguments among a notebook's parameters."""
    keys = ("year", "definition", "threshold", "vintage", "inclusive")
    return {k: settings[k] for k in keys if k in settings}


def origin_counts(ctx: DataContext, definition: str = "non_eu14") -> pd.DataFrame:
    """Residents of ``definition`` per municipality and year (all years).

    ``year, refnis, count, total, share`` from :func:`origin_source` (the proxy without an origin
    table).
    """
    from samenleven_analysis.analysis.eligibility import PROXY_DEFINITION
    from samenleven_analysis.data import origin as origin_mod

    used = (
        definition
        if definition != PROXY_DEFINITION and ctx.has("population_origin")
        else PROXY_DEFINITION
    )
    key = (str(Path(ctx.processed).resolve()), used)
    if key not in _COUNTS:
        # counting 1.3 million rows costs about half a second: once per kernel, not per report
        source = origin_source(ctx, definition)
        _COUNTS[key] = origin_mod.count(source.frame, source.definition)
    table = "population_nationality" if used == PROXY_DEFINITION else "population_origin"
    if table not in ctx.provenance:
        ctx.load(table)  # the counts' source is listed in this report's provenance
    return _COUNTS[key].copy()


_COUNTS: dict[tuple[str, str], pd.DataFrame] = {}
