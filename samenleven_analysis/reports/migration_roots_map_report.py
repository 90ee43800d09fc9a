"""The steps of the migration-roots notebook (``notebooks/migration_roots_map``), as the methods of
:class:`MigrationRootsMapReport`: the measure and years the data allow (with a note when a
parameter cannot be honoured), polygons joined to counts, highlighted eligible authorities,
the small-multiples figure and the disclosure-safe top-N tables. The module functions are the
pieces those methods are made of (tested one by one)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from samenleven_analysis.data.codes import PROXY_DEFINITION, normalise_refnis
from samenleven_analysis.reports.maps import small_multiples

DEFINITION_LABELS = {
    "non_eu14": "non-EU14 origin",
    "non_eu27": "non-EU27 origin",
    "non_europe": "non-European origin",
    PROXY_DEFINITION: "non-Belgian nationality",
}
"""Reader-facing wording of each origin definition (docs/design.md)."""


REGION_LABELS = {
    "flanders": "Flanders",
    "brussels": "Brussels-Capital Region",
    "flanders_brussels": "Flanders and Brussels",
    "wallonia": "Wallonia",
    "belgium": "Belgium",
}


DEMO_REGION_LABELS = {
    "flanders": "Demoland-Noord (stands in for Flanders)",
    "brussels": "Demoland-Hoofdstad (stands in for Brussels)",
    "flanders_brussels": "Demoland-Noord and -Hoofdstad",
    "belgium": "all of Demoland",
}


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
        return DEFINITION_LABELS.get(self.definition, self.definition)

    @property
    def region_label(self) -> str:
        labels = DEMO_REGION_LABELS if self.demo else REGION_LABELS
        return labels.get(self.region, self.region)

    def print_notes(self) -> None:
        """Print the choices made (definition, years), one line each."""
        yrs = " vs ".join(str(y) for y in self.years)
        print(
            f"Definition: {self.definition} ({self.definition_label}); years: {yrs}; "
            f"region: {self.region_label}; {self.counts['refnis'].nunique()} municipalities."
        )
        for note in self.notes:
            print(f"Note: {note}")


def choose_years(
    available: Iterable[int], year: int | None, compare_year: int | None
) -> tuple[int, int | None, list[str]]:
    """The (year, compare_year) to map given the years in the data, plus notes.

    ``year`` missing from the data → the latest year; ``compare_year=None`` → the earliest
    year; a ``compare_year`` missing from the data → the earliest year; the same year twice
    → a single map.
    """
    years = sorted({int(y) for y in available})
    if not years:
        raise ValueError("the table holds no years")
    from samenleven_analysis.reports.context import reference_year

    notes: list[str] = []
    if year is None:
        year = years[-1]
    elif int(year) not in years:
        # the one reference-year rule of the package: the nearest earlier year the data hold
        chosen = reference_year(years, int(year)).year
        notes.append(
            f"year {year} is not in the data ({years[0]}–{years[-1]}): mapping {chosen} instead."
        )
        year = chosen
    year = int(year)
    if compare_year is None:
        compare_year = years[0]
    elif int(compare_year) not in years:
        notes.append(
            f"compare_year {compare_year} is not in the data: comparing with {years[0]} instead."
        )
        compare_year = years[0]
    compare_year = int(compare_year)
    if compare_year == year:
        notes.append(f"only one year to show ({year}): a single map.")
        return year, None, notes
    if compare_year > year:
        notes.append(
            f"compare_year {compare_year} is after year {year}: the maps show {year} first."
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

    if definition not in origin.DEFINITIONS:
        raise ValueError(
            f"unknown definition {definition!r}; use one of {', '.join(origin.DEFINITIONS)}"
        )
    from samenleven_analysis.reports.context import origin_source

    notes: list[str] = []
    source = origin_source(ctx, definition)
    used, table_name, table = source.definition, source.table, source.frame
    if source.substituted:
        notes.append(
            f"this build has no origin table (population_origin; Statbel publishes none openly), "
            f"so definition {definition!r} cannot be computed: falling back to "
            f"{PROXY_DEFINITION!r}, the share of residents of non-Belgian nationality, which understates "
            "migration roots (Belgians of foreign origin are not counted)."
        )
    available = tuple(sorted(int(y) for y in pd.unique(table["year"])))
    year_, compare_, year_notes = choose_years(available, year, compare_year)
    notes += year_notes
    if compare_ is not None and compare_ > year_:
        year_, compare_ = compare_, year_
    wanted = [y for y in (compare_, year_) if y is not None]
    counts = origin.count(table, used, year=wanted)
    counts = counts[in_region(counts["refnis"], region).to_numpy()].reset_index(drop=True)
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
    """One joined GeoDataFrame per mapped year (keys: the years as text), and the
    :class:`geo.JoinReport` of each join.

    The mapped column is ``measure`` (``"count"`` or ``"share"``). Municipalities with
    fewer than ``min_cell`` counted residents get no value (drawn as missing, see
    :func:`missing_label`), so a map never shows a class that pins down a small count.
    """
    from samenleven_analysis.data.boundaries import join

    if measure not in ("count", "share"):
        raise ValueError(f"measure must be 'count' or 'share', not {measure!r}")
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
    return f"No data, or fewer than {min_cell} residents"


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
        return codes, "Selected authorities"
    from samenleven_analysis.analysis import eligibility
    from samenleven_analysis.data.boundaries import in_region

    if threshold is None:  # the plan's rule: more than 7,500 (reference/plan_samenleven.yaml)
        threshold = eligibility.DEFAULT_THRESHOLD
    in_map = inputs.counts["refnis"].astype(str)
    flemish = sorted(set(in_map[in_region(in_map, "flanders").to_numpy()]))
    if not flemish:
        return [], "Eligible authorities"
    if inputs.definition == PROXY_DEFINITION:
        source, definition = ctx.load("population_nationality"), PROXY_DEFINITION
        label = f"> {threshold:,.0f} non-Belgians (proxy)"
    else:
        source, definition = ctx.load("population_origin"), "non_eu14"
        label = f"Eligible (> {threshold:,.0f} non-EU14 origin)"
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
    """The ``n`` municipalities with the highest ``by`` (``count`` or ``share``) in ``year``
    (default: the latest mapped year), ready to display.

    Columns: ``rank``, ``refnis``, ``municipality``, ``count`` and ``population`` as text
    passed through :func:`samenleven_analysis.analysis.disclosure.suppress` (counts below
    ``min_cell`` read ``"<5"``), and ``share`` as a percentage (blank where the count is
    suppressed, since share × population would give it back). Ties are broken by code.
    """
    from samenleven_analysis.analysis import disclosure

    if by not in ("count", "share"):
        raise ValueError(f"by must be 'count' or 'share', not {by!r}")
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
        ("" if h or pd.isna(s) else f"{s:.1%}")
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
    highlight_label: str = "Highlighted",
    min_cell: int = 5,
) -> Figure:
    """The notebook's figure: before/after panels on shared bins, titled and captioned.

    ``bins`` (upper bounds, for ``scheme="user_defined"``) are in the units of ``measure``
    (shares as fractions, 0.1 = 10 %).
    """
    what = "Share of residents" if measure == "share" else "Residents"
    title = f"{what} of {inputs.definition_label}, {inputs.region_label}"
    return small_multiples(
        panels,
        measure,
        scheme=scheme,
        k=k,
        bins=bins,
        highlight=highlight,
        highlight_label=highlight_label,
        legend_title="share of residents" if measure == "share" else "residents",
        title=title,
        caption=caption,
        demo=inputs.demo,
        missing_label=missing_label(min_cell),
        fmt="{:.1%}" if measure == "share" else "{:,.0f}",
    )


def print_reports(reports: Mapping[str, Any]) -> None:
    """One line per mapped panel: what was joined, missing or suppressed."""
    for label, report in reports.items():
        print(f"{label}: {report.summary()}")


def caption_for(ctx, inputs: MapInputs, scheme: str) -> str:
    """The map's caption: source, years, definition, region, classification."""
    return ctx.caption(
        year=" vs ".join(str(y) for y in inputs.years),
        definition=inputs.definition,
        extra=f"{inputs.region_label}; classes: {scheme}, pooled over both years",
    )


def publish_top_tables(
    inputs: MapInputs, boundaries, *, n: int = 20, min_cell: int = 5, folder: str | None = None
) -> None:
    """Show the top-``n`` tables by count and by share (no index, thousands separators,
    human labels) and, with ``folder``, write them as CSV."""
    from samenleven_analysis.reports.publish import Publisher, thousands

    publisher = Publisher.for_folder(folder)
    for by in ("count", "share"):
        table = top_table(inputs, boundaries, by=by, n=n, min_cell=min_cell).reset_index()
        table["count"] = table["count"].map(thousands)
        table["population"] = table["population"].map(thousands)
        table = table.rename(
            columns={
                "refnis": "code",
                "count": f"residents, {inputs.definition_label}",
                "population": "all residents",
            }
        )
        publisher.table(table, f"top_{n}_by_{by}", f"Top {n} by {by}, {inputs.year}")
    if publisher.written:
        print("\n".join(f"wrote {name}" for _, _, name in publisher.written))


def save_figure(fig, inputs: MapInputs, measure: str, folder: str | None) -> None:
    """With ``folder``, write the map as PNG and SVG (deterministic bytes) and say so."""
    from samenleven_analysis.reports import figures

    if not folder:
        return
    stem = f"migration_roots_{inputs.definition}_{measure}_{'_'.join(map(str, inputs.years))}"
    png, svg = figures.save(fig, f"{folder}/{stem}")
    print(f"saved {png.name} and {svg.name}")


@dataclass
class MigrationRootsMapReport:
    """Inputs of one migration-roots map and the notebook's steps that display it (one call
    per cell; what one step computes the next reuses through this object)."""

    ctx: Any
    inputs: MapInputs
    measure: str
    scheme: str
    k: int
    bins: Sequence[float] | None
    highlight: Any
    min_cell: int
    figure_folder: str | None
    output_dir: str | None

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
            output_dir or None,
        )

    @functools.cached_property
    def boundaries(self) -> gpd.GeoDataFrame:
        """The polygons of the region (their sources are added to the provenance)."""
        from samenleven_analysis.data import boundaries as geo

        shapes = geo.load_boundaries(
            self.ctx.vintage, self.inputs.region, demo=self.ctx.demo, data_dir=self.ctx.data_dir
        )
        record_boundaries(self.ctx, shapes)
        return shapes

    @functools.cached_property
    def _joined(self) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
        return map_panels(self.boundaries, self.inputs, self.measure, min_cell=self.min_cell)

    @functools.cached_property
    def _highlighted(self) -> tuple[list[str], str]:
        return highlight_codes(self.highlight, self.ctx, self.inputs)

    def data_notes(self) -> None:
        """The definition, years and region used, and every substitution made."""
        self.inputs.print_notes()

    def join_notes(self) -> None:
        """One line per mapped year: what was joined to the polygons, missing or suppressed."""
        print_reports(self._joined[1])

    def map(self) -> None:
        """The maps of both years on shared classes, highlighted authorities outlined
        (and, with a folder, the PNG and SVG files)."""
        from samenleven_analysis.reports import figures

        codes, label = self._highlighted
        print(f"{len(codes)} authorities highlighted ({label}).")
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
        save_figure(fig, self.inputs, self.measure, self.figure_folder)

    def top_tables(self, n: int = 20) -> None:
        """The top-``n`` municipalities by count and by share in the latest mapped year."""
        publish_top_tables(
            self.inputs, self.boundaries, n=n, min_cell=self.min_cell, folder=self.output_dir
        )
