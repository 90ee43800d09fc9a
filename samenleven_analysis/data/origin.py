"""Population by origin group.

The canonical table, a mapping hook for other layouts, and the counts behind the Plan Samenleven
rule.

Canonical shape (contract: docs/design.md): ``year, refnis, origin, population`` with ``origin`` in
``BEL, EU14, EU13, EUROPE_OTHER, NON_EUROPE`` (:data:`schemas.ORIGIN_GROUPS`).

Definitions (:data:`DEFINITIONS`): ``non_eu14`` = EU13 + EUROPE_OTHER + NON_EUROPE (the Plan
Samenleven criterion: residents of origin outside the EU-14); ``non_eu27`` = EUROPE_OTHER +
NON_EUROPE; ``non_europe`` = NON_EUROPE; ``nationality_proxy`` = non-Belgian *nationality*
from the population table — it understates origin (naturalised residents and children of
migrants count as Belgian) and must always be labelled as a proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from samenleven_analysis.data import schemas
from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.errors import NO_DATA_ROWS, DataError

__all__ = ["CANONICAL_COLUMNS", "DEFINITIONS", "count", "load_column_map", "read_origin"]

CANONICAL_COLUMNS = ("year", "refnis", "origin", "population")

DEFINITIONS: dict[str, tuple[str, ...] | None] = {
    "non_eu14": ("EU13", "EUROPE_OTHER", "NON_EUROPE"),
    "non_eu27": ("EUROPE_OTHER", "NON_EUROPE"),
    "non_europe": ("NON_EUROPE",),
    "nationality_proxy": None,
}
"""Origin groups counted by each definition; ``None`` = non-Belgian nationality (proxy)."""


def load_column_map(column_map: Mapping | str | Path | None) -> dict:
    """Normalise a column map (dict, or path to a YAML file) to ``{"columns", "values", ...}``.

    Accepted shapes — a flat ``{source column: canonical column}`` dict, or::

        columns:                 # source column -> canonical column
          jaar: year
          niscode: refnis
          herkomstgroep: origin
          aantal: population
        values:                  # per canonical column: source value -> canonical value
          origin:
            "Belg": BEL
            "EU-14": EU14
            "EU-13": EU13
            "Overig Europa": EUROPE_OTHER
            "Niet-Europees": NON_EUROPE
        sep: ";"                 # optional, CSV delimiter (default ",")
        encoding: utf-8-sig      # optional
        aggregate: true          # optional: sum rows sharing year/refnis/origin (e.g. a
                                 # table that is also split by sex or age); default false,
                                 # when duplicates are an error
        drop_values:             # optional: rows to drop, e.g. totals
          origin: ["Totaal"]
    """
    if column_map is None:
        return {"columns": {}, "values": {}}
    if isinstance(column_map, (str, Path)):
        import yaml

        path = Path(column_map)
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise DataError(f"cannot read the column map: {exc}", file=path) from None
        if not isinstance(loaded, Mapping):
            raise DataError("the column map must be a YAML mapping", file=path)
        column_map = loaded
    known = {"columns", "values", "sep", "encoding", "aggregate", "drop_values"}
    if not (set(column_map) & known):
        column_map = {"columns": dict(column_map)}
    unknown = set(column_map) - known
    if unknown:
        raise ValueError(
            f"unknown key(s) in the column map: {sorted(unknown)}; known: {sorted(known)}"
        )
    out = {"columns": {}, "values": {}, **column_map}
    bad_targets = set(out["columns"].values()) - set(CANONICAL_COLUMNS)
    if bad_targets:
        raise ValueError(
            f"column map targets {sorted(bad_targets)} are not canonical columns {list(CANONICAL_COLUMNS)}"
        )
    return out


def _read_raw(path: Path, spec: Mapping) -> pd.DataFrame:
    """The origin table as text columns, read from CSV or a spreadsheet as :func:`read_origin` needs."""
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            from samenleven_analysis.data.statbel import _read_excel

            raw = _read_excel(path).map(lambda v: "" if v is None else str(v))
        else:
            raw = pd.read_csv(
                path,
                sep=spec.get("sep", ","),
                dtype=str,
                encoding=spec.get("encoding", "utf-8-sig"),
                keep_default_na=False,
                skipinitialspace=True,
            )
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise DataError(
            f"unreadable origin table ({type(exc).__name__}: {exc})", file=path
        ) from None
    schemas.check_one_line_per_row(raw, file=path)
    return raw


def _renamed(raw: pd.DataFrame, spec: dict, column_map: object, file: str) -> pd.DataFrame:
    """``raw`` with the column map's names; DataError for a missing or doubled column or no row."""
    raw.columns = [str(c).strip() for c in raw.columns]
    renames = {src: dst for src, dst in spec["columns"].items() if src in raw.columns}
    missing_src = sorted(set(spec["columns"]) - set(raw.columns))
    if missing_src and not all(
        dst in raw.columns for dst in (spec["columns"][m] for m in missing_src)
    ):
        raise DataError(
            f"missing column(s) {missing_src} named in the column map",
            file=file,
            row=1,
            column=missing_src[0],
        )
    raw = raw.rename(columns=renames)
    if len(set(raw.columns)) != len(raw.columns):
        dup = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
        raise DataError(
            f"column map yields duplicate column(s) {dup}", file=file, row=1, column=dup[0]
        )
    for col in CANONICAL_COLUMNS:
        if col not in raw.columns:
            hint = "" if column_map else " (pass column_map= for other layouts)"
            raise DataError(f"missing column {col}{hint}", file=file, row=1, column=col)
    if raw.empty:
        raise DataError(NO_DATA_ROWS, file=file)
    return raw


def _recoded(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """``frame`` without the column map's ``drop_values`` rows, its ``values`` recoded."""
    for col, dropped in (spec.get("drop_values") or {}).items():
        if col in frame:
            frame = frame[~frame[col].isin([str(v) for v in dropped])]
    for col, mapping in (spec.get("values") or {}).items():
        if col not in frame:
            raise ValueError(f"value map for unknown column {col!r}")
        mapping = {str(k): str(v) for k, v in mapping.items()}
        frame[col] = frame[col].map(lambda v, mapping=mapping: mapping.get(v, v))
    return frame


def read_origin(path: str | Path, column_map: Mapping | str | Path | None = None) -> pd.DataFrame:
    """Read a population-by-origin table into the canonical ``year, refnis, origin, population``.

    ``path`` is a CSV (``.csv``/``.txt``; comma-delimited unless the map says otherwise) or a
    spreadsheet (``.xlsx``). Without ``column_map`` the file must already carry the canonical
    columns. ``column_map`` (a dict, or the path of a YAML file; see :func:`load_column_map`)
    renames source columns to canonical ones, recodes values (e.g. Dutch origin labels to
    ``BEL``/``EU14``/``EU13``/``EUROPE_OTHER``/``NON_EUROPE``), can drop total rows and can
    sum finer breakdowns.

    REFNIS codes are normalised to 5-digit strings. The result is validated with
    :data:`schemas.POPULATION_ORIGIN`; a bad value raises DataError naming file, line and
    column. Rows come out sorted by ``year, refnis, origin``.
    """
    path = Path(path)
    spec = load_column_map(column_map)
    file = str(path)
    raw = _renamed(_read_raw(path, spec), spec, column_map, file)
    frame = raw[list(CANONICAL_COLUMNS)].copy()
    frame["_line"] = np.arange(len(frame)) + 2
    frame = frame.apply(lambda s: s.str.strip() if s.dtype != "int64" else s)
    frame = _recoded(frame, spec)

    def first_bad(mask: pd.Series, col: str, what: str):
        if mask.any():
            i = mask.to_numpy().nonzero()[0][0]
            raise DataError(
                f"{what}: {frame[col].iloc[i]!r}",
                file=file,
                row=int(frame["_line"].iloc[i]),
                column=col,
            )

    for col in ("year", "population"):
        s = frame[col]
        num = pd.to_numeric(s, errors="coerce")
        first_bad(s == "", col, "missing value")
        first_bad(num.isna(), col, "non-numeric value")
        first_bad(num % 1 != 0, col, "not a whole number")
        first_bad(num < 0, col, "negative count")
        frame[col] = num.astype("int64")
    codes = frame["refnis"].str.replace(r"\.0$", "", regex=True)
    first_bad(~codes.str.fullmatch(r"\d{1,5}"), "refnis", "not a REFNIS code")
    frame["refnis"] = normalise_refnis(codes)
    frame["origin"] = frame["origin"].astype("str")
    if spec.get("aggregate"):
        first_line = frame.groupby(["year", "refnis", "origin"], sort=False)["_line"].transform(
            "min"
        )
        frame = (
            frame.assign(_line=first_line)
            .groupby(["year", "refnis", "origin", "_line"], as_index=False, sort=False)[
                "population"
            ]
            .sum()
        )
    else:
        dup = frame.duplicated(["year", "refnis", "origin"], keep="first")
        if dup.any():
            i = int(np.flatnonzero(dup.to_numpy())[0])
            r = frame.iloc[i]
            raise DataError(
                f"duplicate key (year, refnis, origin) {r.year}/{r.refnis}/{r.origin} "
                "(set aggregate: true in the column map to sum finer breakdowns)",
                file=file,
                row=int(r["_line"]),
                column="origin",
            )
    frame = frame.reset_index(drop=True)
    schemas.validate(frame, schemas.POPULATION_ORIGIN, file=file)
    return frame.drop(columns="_line").sort_values(["year", "refnis", "origin"], ignore_index=True)[
        list(CANONICAL_COLUMNS)
    ]


def count(frame: pd.DataFrame, definition: str, year=None) -> pd.DataFrame:
    """Residents counted by ``definition`` per municipality and year.

    ``frame`` is the canonical origin table (``year, refnis, origin, population``), or — only
    for ``definition="nationality_proxy"`` — the population table (``year, refnis,
    nationality, population``; any extra breakdown such as sex or age is summed).

    ``year`` selects one year (int) or several (list); None keeps all.

    Returns ``year, refnis, count, total, share`` (``count`` = residents in the definition's
    groups, or of non-Belgian nationality for the proxy; ``total`` = all residents; ``share``
    = count / total, NaN where total is 0), sorted by ``year, refnis``.

    Raises ValueError naming an unknown definition, or when the frame lacks the columns the
    definition needs.
    """
    if definition not in DEFINITIONS:
        raise ValueError(
            f"unknown origin definition {definition!r}; known: {', '.join(DEFINITIONS)}"
        )
    groups = DEFINITIONS[definition]
    if groups is None:
        needed, col, selected = (
            ("year", "refnis", "nationality", "population"),
            "nationality",
            ("ETR",),
        )
    else:
        needed, col, selected = ("year", "refnis", "origin", "population"), "origin", groups
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        hint = (
            " (the population-by-nationality table only supports definition='nationality_proxy')"
            if col == "origin" and "nationality" in frame.columns
            else ""
        )
        raise ValueError(f"definition {definition!r} needs column(s) {missing}{hint}")
    data = frame
    if year is not None:
        years = [year] if np.isscalar(year) else list(year)
        data = data[data["year"].isin([int(y) for y in years])]
    in_def = data[col].isin(selected)
    work = pd.DataFrame(
        {
            "year": data["year"].astype("int64"),
            "refnis": data["refnis"].astype("str"),
            "count": data["population"].where(in_def, 0).astype("int64"),
            "total": data["population"].astype("int64"),
        }
    )
    out = work.groupby(["year", "refnis"], as_index=False, sort=True)[["count", "total"]].sum()
    out["share"] = out["count"] / out["total"].where(out["total"] > 0)
    return out.reset_index(drop=True)
