"""The steps of the migration-roots notebook (``notebooks/migration_roots_map``).

They are the methods of :class:`MigrationRootsMapReport`: the measure and years the data allow (with
a note when a parameter cannot be honoured), polygons joined to counts, highlighted eligible
authorities, the small-multiples figure and the disclosure-safe top-N tables. The module functions
are the pieces those methods are made of (tested one by one).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samenleven_analysis import i18n
from samenleven_analysis.data.boundaries import Region
from samenleven_analysis.data.codes import PROXY_DEFINITION, normalise_refnis
from samenleven_analysis.i18n import N_, _
from samenleven_analysis.reports.labels import definition_label
from samenleven_analysis.reports.maps import small_multiples
from samenleven_analysis.reports.parameters import check_choice, check_years_present

REGION_LABELS = {
    "flanders": N_("Flanders"),
    "brussels": N_("Brussels-Capital Region"),
    "flanders_brussels": N_("Flanders and Brussels"),
    "wallonia": N_("Wallonia"),
    "belgium": N_("Belgium"),
}
"""Regions of the map as a reader sees them (message ids)."""


DEMO_REGION_LABELS = {
    "flanders": N_("Demoland-Noord (stands in for Flanders)"),
    "brussels": N_("Demoland-Hoofdstad (stands in for Brussels)"),
    "flanders_brussels": N_("Demoland-Noord and -Hoofdstad"),
    "belgium": N_("all of Demoland"),
}

SCHEME_LABELS = {
    "quantiles": N_("quantiles"),
    "fisher_jenks": N_("Fisher-Jenks natural breaks"),
    "user_defined": N_("bounds given by the user"),
}
"""Classification schemes as a reader sees them (others: the scheme's name)."""

MEASURES = ("count", "share")
"""What a map shows and a top table ranks by: residents counted, or their share."""

SECTIONS: dict[str, tuple[str, str]] = {
    "title": (
        N_("Where do residents with migration roots live?"),
        N_(
            "Maps of the number or share of residents with migration roots per municipality, "
            "for two years side by side on **the same classes**, so that a change of colour is "
            "a change in the data. Authorities above the Plan Samenleven threshold (more than "
            "{threshold} residents of non-EU14 origin) are outlined.\n\n"
            "*Origin* follows the Plan Samenleven rule (non-EU14 origin: EU13, the rest of "
            "Europe and outside Europe; variants: non-EU27 origin, origin outside Europe). "
            "Statbel publishes no open origin table: on the open data this report falls back to "
            "**non-Belgian nationality**, which understates migration roots (Belgians of foreign "
            "origin are not counted), and says so below. On demo data (Demoland, fictional) it "
            "maps the origin groups."
        ),
    ),
    "data": (
        N_("Data"),
        N_("Which definition and years the data allow (every substitution is stated)."),
    ),
    "map": (
        N_("Map"),
        N_(
            "Both panels share one classification computed from the pooled values of both "
            "years; classes empty in one year still appear in the legend. Hatched grey: no "
            "data, or fewer than {min_cell} residents."
        ),
    ),
    "top": (
        N_("Top {n} municipalities"),
        N_(
            "By number and by share of residents, in the latest mapped year. Counts below "
            '{min_cell} read "<{min_cell}" (and their share is not shown).'
        ),
    ),
}
"""Section key → (heading, introduction): message ids, translated when shown."""

TOP_N = 20
"""Length of the top tables."""


def _markdown(text: str) -> None:
    from IPython.display import Markdown

    from samenleven_analysis.reports import context

    context._display(Markdown(text))


@dataclass
class MapInputs:
    """The counts a migration-roots map shows, and what was decided on the way.

    ``counts``: ``year, refnis, count, total, share`` for the years mapped, restricted to
    the region; ``definition`` is the one actually used (``requested_definition`` may
    differ when the data lack an origin table); ``notes`` say every such substitution.
    """

    definition: str
    requested_definition: str
    year: int
    compare_year: int | None
    region: str
    counts: pd.DataFrame
    source_table: str
    available_years: tuple[int, ...]
    demo: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> tuple[int, ...]:
        """Years mapped, earliest first."""
        return (self.compare_year, self.year) if self.compare_year is not None else (self.year,)

    @property
    def definition_label(self) -> str:
        return definition_label(self.definition)

    @property
    def region_label(self) -> str:
        labels = DEMO_REGION_LABELS if self.demo else REGION_LABELS
        label = labels.get(self.region)
        return _(label) if label else self.region

    @property
    def years_text(self) -> str:
        """``2009 and 2015`` (or one year), in the active language."""
        if self.compare_year is None:
            return str(self.year)
        return _("{first} and {last}", first=self.years[0], last=self.years[1])

    def notes_lines(self) -> list[str]:
        """The choices made (definition, years, region), then every substitution."""
        first = _(
            "Definition: `{code}` ({definition}); years: {years}; region: {region}; "
            "{municipalities} municipalities.",
            code=self.definition,
            definition=self.definition_label,
            years=self.years_text,
            region=self.region_label,
            municipalities=i18n.number(self.counts["refnis"].nunique()),
        )
        return [first, *(_("Note: {note}", note=note) for note in self.notes)]

    def print_notes(self) -> None:
        """Print the choices made (definition, years), one line each."""
        print("\n".join(self.notes_lines()))


def choose_years(
    available: Iterable[int], year: int | None, compare_year: int | None
) -> tuple[int, int | None, list[str]]:
    """The (year, compare_year) to map given the years in the data, plus notes.

    ``year`` missing from the data → the latest year; ``compare_year=None`` → the earliest
    year; a ``compare_year`` missing from the data → the earliest year; the same year twice
    → a single map.
    """
    years = sorted({int(y) for y in available})
    check_years_present(years)
    from samenleven_analysis.reports.context import reference_year

    notes: list[str] = []
    if year is None:
        year = years[-1]
    elif int(year) not in years:
        # the one reference-year rule of the package: the nearest earlier year the data hold
        chosen = reference_year(years, int(year)).year
        notes.append(
            _(
                "year {year} is not in the data ({first}–{last}): mapping {chosen} instead.",
                year=year,
                first=years[0],
                last=years[-1],
                chosen=chosen,
            )
        )
        year = chosen
    year = int(year)
    if compare_year is None:
        compare_year = years[0]
    elif int(compare_year) not in years:
        notes.append(
            _(
                "compare_year {compare_year} is not in the data: comparing with {first} instead.",
                compare_year=compare_year,
                first=years[0],
            )
        )
        compare_year = years[0]
    compare_year = int(compare_year)
    if compare_year == year:
        notes.append(_("only one year to show ({year}): a single map.", year=year))
        return year, None, notes
    if compare_year > year:
        notes.append(
            _(
                "compare_year {compare_year} is after year {year}: the maps show {year} first.",
                compare_year=compare_year,
                year=year,
            )
        )
    return year, compare_year, notes


def prepare_inputs(
    ctx,
    *,
    definition: str = "non_eu14",
    year: int | None = None,
    compare_year: int | None = None,
    region: str = "flanders",
) -> MapInputs:
    """Load the counts for a migration-roots map from a :class:`reporting.DataContext`.

    With an origin definition and no ``population_origin`` table in the build (the real
    Statbel mirror has none), falls back to ``nationality_proxy`` — non-Belgian
    nationality from the population table, which understates origin — and says so in
    ``notes``. Years follow :func:`choose_years`. Counts come from
    :func:`samenleven_analysis.data.origin.count`; only municipalities of ``region`` (from their
    codes, :func:`geo.in_region`) are kept.
    """
    from samenleven_analysis.data import origin
    from samenleven_analysis.data.boundaries import in_region

    check_choice("definition", definition, origin.DEFINITIONS)
    from samenleven_analysis.reports.context import origin_source

    notes: list[str] = []
    source = origin_source(ctx, definition)
    used, table_name, table = source.definition, source.table, source.frame
    if source.substituted:
        notes.append(
            _(
                "this build has no origin table (population_origin; Statbel publishes none "
                "openly), so definition '{definition}' cannot be computed: falling back to "
                "'{proxy}', the share of residents of non-Belgian nationality, which "
                "understates migration roots (Belgians of foreign origin are not counted).",
                definition=definition,
                proxy=PROXY_DEFINITION,
            )
        )
    available = tuple(sorted(int(y) for y in pd.unique(table["year"])))
    year_, compare_, year_notes = choose_years(available, year, compare_year)
    notes += year_notes
    if compare_ is not None and compare_ > year_:
        year_, compare_ = compare_, year_
    wanted = [y for y in (compare_, year_) if y is not None]
    counts = origin.count(table, used, year=wanted)
    counts = counts[in_region(counts["refnis"], cast(Region, region)).to_numpy()].reset_index(
        drop=True
    )
    return MapInputs(
        definition=used,
        requested_definition=definition,
        year=year_,
        compare_year=compare_,
        region=str(region).lower(),
        counts=counts,
        source_table=table_name,
        available_years=available,
        demo=bool(getattr(ctx, "demo", False)),
        notes=notes,
    )


def map_panels(
    boundaries: gpd.GeoDataFrame,
    inputs: MapInputs,
    measure: str = "share",
    *,
    min_cell: int = 5,
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
    """One joined GeoDataFrame per mapped year, and the :class:`geo.JoinReport` of each join.

    Keys: the years as text.

    The mapped column is ``measure`` (``"count"`` or ``"share"``). Municipalities with
    fewer than ``min_cell`` counted residents get no value (drawn as missing, see
    :func:`missing_label`), so a map never shows a class that pins down a small count.
    """
    from samenleven_analysis.data.boundaries import join

    check_choice("measure", measure, MEASURES)
    panels: dict[str, gpd.GeoDataFrame] = {}
    reports: dict[str, Any] = {}
    for y in inputs.years:
        data = inputs.counts[inputs.counts["year"] == y][["refnis", "count", "total", "share"]]
        joined, report = join(data, boundaries, errors="ignore")
        small = pd.to_numeric(joined["count"], errors="coerce") < min_cell
        for col in ("count", "share"):
            joined[col] = pd.to_numeric(joined[col], errors="coerce").astype(float).mask(small)
        panels[str(y)] = joined
        reports[str(y)] = report
    return panels, reports


def missing_label(min_cell: int = 5) -> str:
    """Legend text for units drawn without a value in the notebook's maps."""
    return _("No data, or fewer than {min_cell} residents", min_cell=i18n.number(min_cell))


def _parse_highlight(highlight) -> list[str] | str:
    if highlight is None:
        return []
    if isinstance(highlight, str):
        text = highlight.strip()
        if text.lower() == "eligible":
            return "eligible"
        if text.lower() in ("", "none"):
            return []
        return [t for t in re.split(r"[\s,;]+", text) if t]
    return [str(c) for c in highlight]


def highlight_codes(
    highlight,
    ctx,
    inputs: MapInputs,
    *,
    threshold: float | None = None,
) -> tuple[list[str], str]:
    """Codes to outline on the map, and their legend label.

    ``highlight``: ``"eligible"`` (authorities over the Plan Samenleven threshold in
    ``inputs.year``, by :func:`samenleven_analysis.analysis.eligibility.eligible` on the non-EU14
    rule when an origin table exists, else by the nationality proxy; partnership members
    are highlighted when their partnership qualifies; Flemish authorities only, since the
    plan is Flemish), a list of codes, a comma-separated string of codes, or None/"".
    """
    spec = _parse_highlight(highlight)
    if spec != "eligible":
        codes = sorted(set(normalise_refnis(spec).dropna().astype(str))) if spec else []
        return codes, _("Selected authorities")
    from samenleven_analysis.analysis import eligibility
    from samenleven_analysis.data.boundaries import in_region

    if threshold is None:  # the plan's rule: more than 7,500 (reference/plan_samenleven.yaml)
        threshold = eligibility.DEFAULT_THRESHOLD
    in_map = inputs.counts["refnis"].astype(str)
    flemish = sorted(set(in_map[in_region(in_map, "flanders").to_numpy()]))
    if not flemish:
        return [], _("Eligible authorities")
    if inputs.definition == PROXY_DEFINITION:
        source, definition = ctx.load("population_nationality"), PROXY_DEFINITION
        label = _("> {threshold} non-Belgians (proxy)", threshold=i18n.number(threshold))
    else:
        source, definition = ctx.load("population_origin"), "non_eu14"
        label = _(
            "Eligible (> {threshold} residents of non-EU14 origin)",
            threshold=i18n.number(threshold),
        )
    partnerships = None
    if ctx.has("partnerships"):
        parts = ctx.load("partnerships")
        codes = normalise_refnis(parts["refnis"]).astype(str)
        outside = set(parts.loc[~codes.isin(flemish).to_numpy(), "partnership_id"])
        partnerships = parts[~parts["partnership_id"].isin(outside)]
    table = eligibility.eligible(
        source,
        threshold=threshold,
        definition=definition,
        year=inputs.year,
        partnerships=partnerships,
        within=flemish,
    )
    members = table.loc[table["eligible"], "members"]
    codes = sorted({str(c) for m in members for c in m})
    return codes, label


def top_table(
    inputs: MapInputs,
    names: pd.DataFrame | gpd.GeoDataFrame | None = None,
    *,
    by: str = "count",
    n: int = 20,
    year: int | None = None,
    min_cell: int = 5,
) -> pd.DataFrame:
    """The ``n`` municipalities with the highest ``by`` in ``year``, ready to display.

    ``by``: ``count`` or ``share``; ``year`` defaults to the latest mapped year.

    Columns: ``rank``, ``refnis``, ``municipality``, ``count`` and ``population`` as text
    passed through :func:`samenleven_analysis.analysis.disclosure.suppress` (counts below
    ``min_cell`` read ``"<5"``), and ``share`` as a percentage (blank where the count is
    suppressed, since share × population would give it back). Ties are broken by code.
    """
    from samenleven_analysis.analysis import disclosure

    check_choice("by", by, MEASURES)
    year = inputs.year if year is None else int(year)
    data = inputs.counts[inputs.counts["year"] == year].copy()
    data = data.sort_values([by, "refnis"], ascending=[False, True], kind="stable").head(n)
    lookup = {}
    if names is not None and "name_nl" in names.columns:
        lookup = dict(zip(names["refnis"].astype(str), names["name_nl"], strict=False))
    table = pd.DataFrame(
        {
            "rank": np.arange(1, len(data) + 1),
            "refnis": data["refnis"].astype(str).to_numpy(),
            "municipality": [
                lookup.get(c, "") if pd.notna(lookup.get(c, "")) else "" for c in data["refnis"]
            ],
            "count": data["count"].to_numpy(),
            "population": data["total"].to_numpy(),
            "share": data["share"].to_numpy(),
        }
    )
    out = disclosure.suppress(table, ["count"], min_cell, totals="none", total_cols=["population"])
    hidden = out["count"].map(disclosure.is_suppressed).to_numpy(dtype=bool)
    out["share"] = [
        ("" if h or pd.isna(s) else i18n.percent(s))
        for h, s in zip(hidden, table["share"], strict=False)
    ]
    return out.set_index("rank")


def record_boundaries(ctx, boundaries: gpd.GeoDataFrame) -> None:
    """Add the polygons' sources to the context's provenance (shown by ``provenance_cell``)."""
    provenance = getattr(ctx, "provenance", None)
    if isinstance(provenance, dict):
        provenance["boundaries"] = {
            "inputs": list(boundaries.attrs.get("sources", [])),
            "demo": bool(boundaries.attrs.get("demo", False)),
            "vintage": boundaries.attrs.get("vintage"),
        }


def migration_roots_figure(
    panels: Mapping[str, gpd.GeoDataFrame],
    inputs: MapInputs,
    measure: str,
    *,
    caption: str | None,
    scheme: str = "quantiles",
    k: int = 5,
    bins: Sequence[float] | None = None,
    highlight: Iterable[str] | None = None,
    highlight_label: str | None = None,
    min_cell: int = 5,
) -> Figure:
    """The notebook's figure: before/after panels on shared bins, titled and captioned.

    ``bins`` (upper bounds, for ``scheme="user_defined"``) are in the units of ``measure``
    (shares as fractions, 0.1 = 10 %).
    """
    values = dict(definition=inputs.definition_label, region=inputs.region_label)
    title = (
        _("Share of residents of {definition}, {region}", **values)
        if measure == "share"
        else _("Residents of {definition}, {region}", **values)
    )
    return small_multiples(
        panels,
        measure,
        scheme=scheme,
        k=k,
        bins=bins,
        highlight=highlight,
        highlight_label=highlight_label or _("Highlighted"),
        legend_title=_("share of residents") if measure == "share" else _("residents"),
        title=title,
        caption=caption,
        demo=inputs.demo,
        missing_label=missing_label(min_cell),
        fmt=(lambda v: i18n.percent(v, 1)) if measure == "share" else (lambda v: i18n.number(v)),
    )


def _codes_text(codes: Sequence[str], limit: int = 10) -> str:
    if not codes:
        return i18n.number(0)
    shown = ", ".join(codes[:limit])
    if len(codes) > limit:
        return _(
            "{n}: {codes} (+{more} more)",
            n=i18n.number(len(codes)),
            codes=shown,
            more=i18n.number(len(codes) - limit),
        )
    return f"{i18n.number(len(codes))}: {shown}"


def join_lines(reports: Mapping[str, Any]) -> list[str]:
    """One line per mapped panel: codes matched, and those found on one side only."""
    return [
        _(
            "{panel}: {matched} codes matched; in the data without a polygon: {data}; polygons "
            "without data: {polygons}",
            panel=label,
            matched=i18n.number(report.matched),
            data=_codes_text(report.unmatched_data),
            polygons=_codes_text(report.unmatched_polygons),
        )
        for label, report in reports.items()
    ]


def print_reports(reports: Mapping[str, Any]) -> None:
    """One line per mapped panel: what was joined, missing or suppressed."""
    print("\n".join(join_lines(reports)))


def caption_for(ctx, inputs: MapInputs, scheme: str) -> str:
    """The map's caption: source, years, definition, region, classification."""
    label = SCHEME_LABELS.get(scheme)
    values = dict(region=inputs.region_label, scheme=_(label) if label else scheme)
    extra = (
        _("{region}; classes: {scheme}, pooled over both years", **values)
        if inputs.compare_year is not None
        else _("{region}; classes: {scheme}", **values)
    )
    return ctx.caption(year=inputs.years_text, definition=inputs.definition, extra=extra)


def publish_top_tables(
    inputs: MapInputs, boundaries, *, n: int = 20, min_cell: int = 5, folder: str | None = None
) -> list[tuple[str, str, str]]:
    """Show the top-``n`` tables by count and by share and, with ``folder``, write them as CSV.

    Shown with no index, thousands separators, the reader's headers. Returns what was written
    (``(title, kind, file)``, as :attr:`Publisher.written`).
    """
    from samenleven_analysis.reports.publish import Publisher, thousands

    publisher = Publisher.for_folder(folder)
    titles = {
        "count": _("Top {n} by number of residents, {year}", n=n, year=inputs.year),
        "share": _("Top {n} by share of residents, {year}", n=n, year=inputs.year),
    }
    for by in ("count", "share"):
        table = top_table(inputs, boundaries, by=by, n=n, min_cell=min_cell).reset_index()
        table["count"] = table["count"].map(thousands)
        table["population"] = table["population"].map(thousands)
        table = table.rename(
            columns={
                "rank": _("rank"),
                "refnis": _("code"),
                "municipality": _("municipality"),
                "count": _("residents, {definition}", definition=inputs.definition_label),
                "population": _("all residents"),
                "share": _("share"),
            }
        )
        publisher.table(table, f"top_{n}_by_{by}", titles[by])
    return publisher.written


def save_figure(
    fig, inputs: MapInputs, measure: str, folder: str | None
) -> list[tuple[str, str, str]]:
    """With ``folder``, write the map as PNG and SVG (deterministic bytes).

    Returns what was written (``(title, kind, file)``).
    """
    from samenleven_analysis.reports import figures

    if not folder:
        return []
    stem = f"migration_roots_{inputs.definition}_{measure}_{'_'.join(map(str, inputs.years))}"
    png, svg = figures.save(fig, f"{folder}/{stem}")
    return [(_("Map"), "PNG", png.name), (_("Map"), "SVG", svg.name)]


@dataclass
class MigrationRootsMapReport:
    """Inputs of one migration-roots map and the notebook's steps that display it.

    One call per cell; what one step computes the next reuses through this object.
    """

    ctx: Any
    inputs: MapInputs
    measure: str
    scheme: str
    k: int
    bins: Sequence[float] | None
    highlight: Any
    min_cell: int
    figure_folder: str | None
    publisher: Any

    @classmethod
    def build(
        cls,
        ctx,
        *,
        definition: str = "non_eu14",
        year: int | None = None,
        compare_year: int | None = None,
        region: str = "flanders",
        measure: str = "share",
        scheme: str = "quantiles",
        k: int = 5,
        bins: Sequence[float] | None = None,
        highlight: Any = "eligible",
        min_cell: int = 5,
        figure_dir: str | None = None,
        output_dir: str | None = "",
    ) -> MigrationRootsMapReport:
        from samenleven_analysis.reports.publish import Publisher

        inputs = prepare_inputs(
            ctx, definition=definition, year=year, compare_year=compare_year, region=region
        )
        return cls(
            ctx,
            inputs,
            measure,
            scheme,
            int(k),
            bins,
            highlight,
            int(min_cell),
            figure_dir or output_dir or None,
            Publisher.for_folder(output_dir),
        )

    @functools.cached_property
    def boundaries(self) -> gpd.GeoDataFrame:
        """The polygons of the region (their sources are added to the provenance)."""
        from samenleven_analysis.data import boundaries as geo

        shapes = geo.load_boundaries(
            self.ctx.vintage,
            cast(Region, self.inputs.region),
            demo=self.ctx.demo,
            data_dir=self.ctx.data_dir,
        )
        record_boundaries(self.ctx, shapes)
        return shapes

    @functools.cached_property
    def _joined(self) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
        return map_panels(self.boundaries, self.inputs, self.measure, min_cell=self.min_cell)

    @functools.cached_property
    def _highlighted(self) -> tuple[list[str], str]:
        return highlight_codes(self.highlight, self.ctx, self.inputs)

    def section(self, key: str) -> None:
        """Heading and introduction of section ``key``, in the report's language.

        The heading is level 1 for ``title``, else 2.
        """
        from samenleven_analysis.facts import THRESHOLD_RESIDENTS

        heading, intro = SECTIONS[key]
        values = dict(
            threshold=i18n.number(THRESHOLD_RESIDENTS),
            min_cell=i18n.number(self.min_cell),
            n=i18n.number(TOP_N),
        )
        level = "#" if key == "title" else "##"
        _markdown(f"{level} {_(heading, **values)}\n\n{_(intro, **values)}")

    def data_notes(self) -> None:
        """The definition, years and region used, every substitution made, and what was joined.

        What was joined to the polygons.
        """
        _markdown("\n\n".join([*self.inputs.notes_lines(), *join_lines(self._joined[1])]))

    def map(self) -> None:
        """The maps of both years on shared classes, highlighted authorities outlined.

        With a folder, also the PNG and SVG files.
        """
        from samenleven_analysis.reports import figures

        codes, label = self._highlighted
        _markdown(
            i18n.ngettext(
                "{n} authority highlighted: {label}.",
                "{n} authorities highlighted: {label}.",
                len(codes),
                label=label,
            )
        )
        fig = migration_roots_figure(
            self._joined[0],
            self.inputs,
            self.measure,
            caption=caption_for(self.ctx, self.inputs, self.scheme),
            scheme=self.scheme,
            k=self.k,
            bins=self.bins,
            highlight=codes,
            highlight_label=label,
            min_cell=self.min_cell,
        )
        figures.show(fig)
        written = save_figure(fig, self.inputs, self.measure, self.figure_folder)
        if self.publisher.folder is not None and str(self.publisher.folder) == str(
            self.figure_folder
        ):
            self.publisher.written += written

    def top_tables(self) -> None:
        """The top municipalities by count and by share in the latest mapped year."""
        self.publisher.written += publish_top_tables(
            self.inputs,
            self.boundaries,
            n=TOP_N,
            min_cell=self.min_cell,
            folder=str(self.publisher.folder) if self.publisher.folder else None,
        )

    def links(self) -> None:
        """Links to the files of this report (in a ``samenleven run``)."""
        self.publisher.links()
