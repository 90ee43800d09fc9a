"""The official Plan Samenleven call configuration: SPARQL migrations → one row per KPI rule.

The Flemish local-authorities portal (lblod/app-digitaal-loket) configured the 2022 call as
SPARQL Update migrations. :func:`read_call_rules` replays them with rdflib in a real quad
store (a :class:`rdflib.Dataset` with named graphs), in file-name order, and queries the
final state. The files have traps that the production store tolerated but rdflib does not;
each is handled generically (see ``docs/architecture.md``, "Call rules"):

- several operations per file, separated by a line holding only ``;`` → split there (only at
  brace depth 0, outside strings, IRIs and comments) and run one by one;
- the ``PREFIX`` header at the top of a file is meant for every operation → carried to each
  later operation that does not declare the prefix itself;
- common prefixes (``xsd:``, ``skos:``, …) used but never declared → predeclared, only in an
  operation that uses them undeclared;
- ``DELETE WHERE { ... }`` (a no-op in rdflib 7) → rewritten to the long form
  ``DELETE { ... } WHERE { ... }``;
- a vocabulary deleted and re-inserted under another namespace → rules are found by the
  local names of their predicates (``.../range/maximum``, ``.../contribution/multiplier``),
  and a rule id present twice in the final state is an error (a delete did not apply);
- a KPI rule for the 2nd/3rd target group of an action has no ``dct:description`` → its
  ``action`` is taken from the described rule just before it (same objective) in the
  migration that inserted it; ``description`` stays empty.

Line numbers in errors are lines of the migration file.
"""

from __future__ import annotations

import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from samenleven_analysis.errors import DataError

__all__ = [
    "COLUMNS",
    "CallPeriods",
    "call_periods",
    "call_rules_history",
    "migration_files",
    "read_call_rules",
    "replay",
]

COLUMNS = (
    "call",
    "rule_id",
    "objective",
    "action",
    "description",
    "kpi_unit",
    "max_units",
    "eur_per_unit",
    "max_eur",
    "project_start",
    "project_end",
    "application_start",
    "application_end",
    "rule_uri",
)
"""Columns of the ``call_rules`` table, in order (contract; ``schemas.CALL_RULES``)."""

FIRST_MIGRATION = "20220302141603-prepare-plan-samenleven.sparql"
"""The file by which the catalog finds the call configuration in a mirror."""

MIGRATION_SUFFIX = ".sparql"

# Prefixes the production store (Virtuoso) predeclares; injected only where used undeclared.
STANDARD_PREFIXES = {
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcterms": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "mu": "http://mu.semte.ch/vocabularies/core/",
    "ext": "http://mu.semte.ch/vocabularies/ext/",
    "besluit": "http://data.vlaanderen.be/ns/besluit#",
    "mandaat": "http://data.vlaanderen.be/ns/mandaat#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "http://schema.org/",
    "m8g": "http://data.europa.eu/m8g/",
}

_TZ = ZoneInfo("Europe/Brussels")  # the portal stores local midnight-ish times in UTC
_UNUSED = 10**9


# ---------------------------------------------------------------------------------------
# lexing: which characters are code, strings, IRIs or comments
# ---------------------------------------------------------------------------------------
def _classify(text: str) -> str:
    """One class letter per character: ``c`` code, ``s`` string, ``i`` IRI, ``#`` comment.

    Enough of the SPARQL lexer to find braces, ``;`` lines and prefixed names without being
    fooled by the same characters inside literals, IRIs or comments.
    """
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append("#" * (j - i))
            i = j
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
                if len(quote) == 1 and j < n and text[j] == "\n":
                    break  # unterminated short string: let the parser report it
            j = min(n, j + len(quote))
            out.append("s" * (j - i))
            i = j
        elif ch == "<" and re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:]):
            j = i + re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:]).end()
            out.append("i" * (j - i))
            i = j
        else:
            out.append("c")
            i += 1
    return "".join(out)


def _code_only(text: str, kinds: str) -> str:
    """``text`` with strings, IRIs and comments blanked (same length, newlines kept)."""
    return "".join(ch if k == "c" or ch == "\n" else " " for ch, k in zip(text, kinds, strict=True))


@dataclass(frozen=True)
class _Operation:
    file: Path
    index: int  # 0-based operation number in the file
    first_line: int  # 1-based line of the file where the operation starts
    text: str


def _split(path: Path, text: str) -> list[_Operation]:
    """Split a migration into operations at lines holding only ``;`` (at brace depth 0)."""
    kinds = _classify(text)
    code = _code_only(text, kinds)
    ops: list[_Operation] = []
    depth, start, start_line, pos = 0, 0, 1, 0
    for lineno, line in enumerate(code.splitlines(keepends=True), start=1):
        if line.strip() == ";" and depth == 0:
            ops.append(_Operation(path, len(ops), start_line, text[start:pos]))
            start, start_line = pos + len(line), lineno + 1
        depth += line.count("{") - line.count("}")
        pos += len(line)
    ops.append(_Operation(path, len(ops), start_line, text[start:]))
    return [op for op in ops if _code_only(op.text, _classify(op.text)).strip()]


_PREFIX_DECL = re.compile(r"(?im)^[ \t]*PREFIX[ \t]+([A-Za-z][\w.-]*)?:[ \t]*(<[^>]*>)")
_PNAME = re.compile(r"(?<![\w:.\-?$])([A-Za-z][\w-]*)?:(?=[\w%\\]|\s|[;,.)\]]|$)")


def _declared(text: str) -> dict[str, str]:
    return {m.group(1) or "": m.group(2) for m in _PREFIX_DECL.finditer(text)}


def _used_prefixes(text: str) -> dict[str, int]:
    """Prefix → 0-based offset of its first use as a prefixed name (outside declarations)."""
    kinds = _classify(text)
    code = _code_only(text, kinds)
    code = _PREFIX_DECL.sub(lambda m: " " * len(m.group(0)), code)
    used: dict[str, int] = {}
    for m in _PNAME.finditer(code):
        name = m.group(1) or ""
        if name.lower() in ("http", "https", "urn", "mailto", "_"):
            continue
        used.setdefault(name, m.start())
    return used


_DELETE_WHERE = re.compile(r"(?i)\bDELETE\s+WHERE\s*\{")


def _long_delete_where(text: str) -> str:
    """Rewrite each ``DELETE WHERE { P }`` into ``DELETE { P } WHERE { P }``.

    rdflib 7 accepts the short form but deletes nothing. The copied template is put on the
    line of ``DELETE`` (comments dropped, newlines outside strings turned into spaces) so
    that line numbers of the rest of the operation stay those of the file.
    """
    while True:
        kinds = _classify(text)
        code = _code_only(text, kinds)
        m = _DELETE_WHERE.search(code)
        if m is None:
            return text
        open_at = m.end() - 1
        depth, close_at = 0, None
        for j in range(open_at, len(code)):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    close_at = j
                    break
        if close_at is None:
            return text  # unbalanced: the parser reports it with its line
        body = text[open_at : close_at + 1]
        body_kinds = kinds[open_at : close_at + 1]
        template = "".join(
            " " if k == "#" or (ch == "\n" and k != "s") else ch
            for ch, k in zip(body, body_kinds, strict=True)
        )
        text = f"{text[: m.start()]}DELETE {template} WHERE {body}{text[close_at + 1 :]}"


def _prepare(op: _Operation, header: dict[str, str]) -> tuple[str, int]:
    """The operation text rdflib runs, and the file line of its first line."""
    own = _declared(op.text)
    used = _used_prefixes(op.text)
    prelude = []
    for name, iri in header.items():  # the file's header, meant for every operation
        if name not in own and name in used:
            prelude.append(f"PREFIX {name}: {iri}")
    known = set(own) | {p.split()[1][:-1] for p in prelude}
    for name, offset in used.items():
        if name in known:
            continue
        if name in STANDARD_PREFIXES:
            prelude.append(f"PREFIX {name}: <{STANDARD_PREFIXES[name]}>")
        else:
            line = op.first_line + op.text.count("\n", 0, offset)
            raise DataError(
                f"operation {op.index + 1}: prefix {name!r}: is used but never declared",
                file=op.file,
                row=line,
            )
    body = _long_delete_where(op.text)
    # The prelude shares the operation's first line, so parser line numbers stay file lines.
    return (" ".join(prelude) + " " + body if prelude else body), op.first_line


# ---------------------------------------------------------------------------------------
# replay
# ---------------------------------------------------------------------------------------
def migration_files(folder: str | Path) -> list[Path]:
    """The migration files of ``folder`` in the order to apply them (file name order)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError("call configuration folder not found", file=folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == MIGRATION_SUFFIX)
    if not files:
        raise DataError(f"no SPARQL migrations (*{MIGRATION_SUFFIX}) in the folder", file=folder)
    return files


def _run(ds, op: _Operation, header: dict[str, str]) -> None:
    from pyparsing import ParseBaseException

    text, first_line = _prepare(op, header)
    try:
        with _quiet_block():
            ds.update(text)
    except ParseBaseException as exc:
        line = first_line + int(exc.lineno) - 1
        msg = " ".join(str(exc.msg).split())
        raise DataError(
            f"operation {op.index + 1}: SPARQL syntax error at or after this line: {msg}",
            file=op.file,
            row=line,
        ) from None
    except Exception as exc:  # rdflib raises bare Exception/ValueError
        msg = " ".join(str(exc).split())[:200]
        raise DataError(
            f"operation {op.index + 1} (from line {op.first_line}) failed: "
            f"{type(exc).__name__}: {msg}",
            file=op.file,
            row=op.first_line,
        ) from None


@dataclass
class _Replay:
    store: object  # rdflib.Dataset
    files: list[Path]
    order: dict[str, tuple[int, int, int]]  # subject IRI → (file, operation, text offset)
    snapshots: list[tuple[Path, dict]]  # after each file: (file, state)


@contextmanager
def _quiet_block():
    """Silence rdflib 7's warnings about its own deprecated Dataset internals."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _subjects(ds) -> set[str]:
    with _quiet_block():
        return {str(s) for s, _, _, _ in ds.quads((None, None, None, None))}


def replay(folder: str | Path, *, snapshots: bool = False) -> _Replay:
    """Apply the migrations of ``folder`` to an empty quad store, in file-name order."""
    from rdflib import Dataset

    files = migration_files(folder)
    ds = Dataset(default_union=True)
    order: dict[str, tuple[int, int, int]] = {}
    states: list[tuple[Path, dict]] = []
    for fi, path in enumerate(files):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(
                f"unreadable migration ({type(exc).__name__}: {exc})", file=path
            ) from None
        ops = _split(path, text)
        header = _declared(ops[0].text) if ops else {}
        for op in ops:
            before = _subjects(ds)
            _run(ds, op, header)
            # Where a subject (re)appeared: the source order of rules (RDF stores keep none).
            for s in _subjects(ds) - before:
                at = op.text.find(f"<{s}>")
                order[s] = (fi, op.index, at if at >= 0 else _UNUSED)
        if snapshots:
            states.append((path, _state(ds, order, folder)))
    return _Replay(ds, files, order, states)


# ---------------------------------------------------------------------------------------
# querying the final state
# ---------------------------------------------------------------------------------------
_PREDICATES_QUERY = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"
# A vocabulary is recognised by the local names of its predicates, whatever its namespace
# (the 2022-04-14 migration moved the rules to another one).
_RULE_PREDICATES = {
    "max": "/range/maximum",
    "mul": "/contribution/multiplier",
    "label": "/range/label",
}
_RULES_QUERY = """
PREFIX mu: <http://mu.semte.ch/vocabularies/core/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?rule ?uuid ?objective ?description ?unit ?maximum ?multiplier WHERE {
  VALUES ?pmax { %(max)s }
  VALUES ?pmul { %(mul)s }
  ?rule ?pmax ?maximum ; ?pmul ?multiplier .
  OPTIONAL { ?rule mu:uuid ?uuid }
  OPTIONAL { ?rule skos:prefLabel ?objective }
  OPTIONAL { ?rule dct:description ?description }
  OPTIONAL { VALUES ?plabel { %(label)s } ?rule ?plabel ?unit }
}
"""


def _rules_query(ds) -> str | None:
    """The rules query for the predicates present in the store (None: no rule predicates)."""
    with _quiet_block():
        predicates = [str(r.p) for r in ds.query(_PREDICATES_QUERY)]
    found = {
        key: sorted(p for p in predicates if p.endswith(end))
        for key, end in _RULE_PREDICATES.items()
    }
    if not found["max"] or not found["mul"]:
        return None
    values = {k: " ".join(f"<{p}>" for p in v) or "<urn:x-none:label>" for k, v in found.items()}
    return _RULES_QUERY % values


_CALL_QUERY = """
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX lblodSubsidie: <http://lblod.data.gift/vocabularies/subsidie/>
PREFIX mobiliteit: <https://data.vlaanderen.be/ns/mobiliteit#>
PREFIX m8g: <http://data.europa.eu/m8g/>
SELECT ?series ?title ?kind ?start ?end WHERE {
  ?series a lblodSubsidie:SubsidiemaatregelAanbodReeks .
  OPTIONAL { ?series dct:title ?title }
  {
    ?series mobiliteit:periode ?period . BIND("project" AS ?kind)
  } UNION {
    ?series lblodSubsidie:heeftSubsidieprocedurestap/mobiliteit:periode ?period .
    BIND("application" AS ?kind)
  }
  OPTIONAL { ?period m8g:startTime ?start }
  OPTIONAL { ?period m8g:endTime ?end }
}
"""


def _local_date(value) -> date | None:
    """A dateTime literal as a calendar date in Brussels (the portal stores UTC)."""
    if value is None:
        return None
    py = value.toPython()
    if isinstance(py, datetime):
        return (py.astimezone(_TZ) if py.tzinfo else py).date()
    if isinstance(py, date):
        return py
    raise ValueError(f"not a date: {value!r}")


@dataclass(frozen=True)
class CallPeriods:
    """The call's project period and application window (dates, Brussels time)."""

    call: str
    series_uri: str
    project_start: date | None
    project_end: date | None
    application_start: date | None
    application_end: date | None


def _one(values: set, what: str, folder) -> object:
    if len(values) > 1:
        shown = ", ".join(sorted(str(v) for v in values))
        raise DataError(
            f"after applying the migrations {what} has {len(values)} values ({shown}); "
            "a delete did not take effect or two migrations conflict",
            file=folder,
        )
    return next(iter(values), None)


def _periods(ds, folder, *, required: bool = True) -> CallPeriods | None:
    with _quiet_block():
        rows = list(ds.query(_CALL_QUERY))
    series = {str(r.series) for r in rows}
    if not series:
        if required:
            raise DataError(
                "no call (subsidy measure offer series) in the final state", file=folder
            )
        return None
    if len(series) > 1:
        raise DataError(
            f"{len(series)} calls in the final state; KPI rules carry no link to a call, so "
            "they cannot be assigned",
            file=folder,
        )
    out = {}
    for kind in ("project", "application"):
        for end in ("start", "end"):
            vals = {
                _local_date(getattr(r, end))
                for r in rows
                if str(r.kind) == kind and getattr(r, end) is not None
            }
            out[f"{kind}_{end}"] = _one(vals, f"the {kind} period's {end}", folder)
    titles = {str(r.title) for r in rows if r.title is not None}
    title = _one(titles, "the call title", folder) or ""
    return CallPeriods(str(title), next(iter(series)), **out)


def call_periods(folder: str | Path) -> CallPeriods:
    """The final project period and application window of the call in ``folder``."""
    return _periods(replay(folder).store, folder)


def _rules(ds, order, folder) -> pd.DataFrame:
    rows: dict[str, dict] = {}
    query = _rules_query(ds)
    with _quiet_block():
        results = list(ds.query(query)) if query else []
    for r in results:
        uri = str(r.rule)
        rec = rows.setdefault(
            uri,
            {
                "rule_uri": uri,
                **{
                    k: set()
                    for k in ("uuid", "objective", "description", "unit", "maximum", "multiplier")
                },
            },
        )
        for key in ("uuid", "objective", "description", "unit", "maximum", "multiplier"):
            if getattr(r, key) is not None:
                rec[key].add(getattr(r, key))
    out = []
    for uri, rec in rows.items():
        one = {k: _one(v, f"{k} of rule {uri}", folder) for k, v in rec.items() if k != "rule_uri"}
        try:
            max_units = int(one["maximum"].toPython())
            eur = float(one["multiplier"].toPython())
        except (TypeError, ValueError, AttributeError):
            raise DataError(
                f"rule {uri}: maximum {one['maximum']!r} or multiplier {one['multiplier']!r} "
                "is not a number",
                file=folder,
            ) from None
        out.append(
            {
                "rule_uri": uri,
                # mu:uuid is the id the portal itself uses; else the last path segment of the URI.
                "rule_id": str(one["uuid"])
                if one["uuid"] is not None
                else re.split(r"[/#]", uri)[-1],
                "objective": "" if one["objective"] is None else str(one["objective"]),
                "description": "" if one["description"] is None else str(one["description"]),
                "kpi_unit": "" if one["unit"] is None else str(one["unit"]),
                "max_units": max_units,
                "eur_per_unit": eur,
                "_order": order.get(uri, (_UNUSED, _UNUSED, _UNUSED)),
            }
        )
    frame = pd.DataFrame(
        out,
        columns=[
            "rule_uri",
            "rule_id",
            "objective",
            "description",
            "kpi_unit",
            "max_units",
            "eur_per_unit",
            "_order",
        ],
    )
    frame = frame.sort_values(["_order", "rule_uri"], kind="stable").reset_index(drop=True)
    dup = frame["rule_id"][frame["rule_id"].duplicated()]
    if len(dup):
        raise DataError(
            f"rule id {dup.iloc[0]!r} occurs on {int((frame['rule_id'] == dup.iloc[0]).sum())} "
            "rules in the final state (an old vocabulary was not deleted?)",
            file=folder,
        )
    # A rule for a 2nd/3rd target group of an action has no description: the action is the
    # described rule just before it (same objective, or none) in the inserting migration.
    actions, objectives, last_action, last_objective = [], [], "", ""
    for desc, obj in zip(frame["description"], frame["objective"], strict=True):
        if desc:
            last_action, last_objective = desc, obj
        elif obj and obj != last_objective:
            last_action, last_objective = "", obj
        actions.append(desc or last_action)
        objectives.append(obj or last_objective)
    frame["action"] = actions
    frame["objective"] = objectives
    return frame.drop(columns="_order")


def _state(ds, order, folder) -> dict:
    """Comparable values of a (possibly intermediate) store: item → field → value."""
    state: dict[str, dict] = {}
    try:
        periods = _periods(ds, folder, required=False)
    except DataError:
        periods = None
    if periods is not None:
        state["call"] = {k: v for k, v in vars(periods).items() if k != "series_uri"}
    try:
        rules = _rules(ds, order, folder)
    except DataError:
        rules = pd.DataFrame()
    for rec in rules.to_dict("records"):
        state[rec["rule_id"]] = {
            k: rec[k]
            for k in ("objective", "action", "description", "kpi_unit", "max_units", "eur_per_unit")
        }
    return state


def read_call_rules(folder: str | Path) -> pd.DataFrame:
    """One row per KPI rule of the call configured by the migrations in ``folder``.

    Columns: :data:`COLUMNS`. ``max_eur = max_units × eur_per_unit`` is the most one
    authority can claim under the rule; dates are calendar dates in Brussels. Rows are in
    the order the configuration lists the rules. Raises DataError (file and line) for a
    migration that does not parse, and for a folder without migrations or KPI rules.
    """
    rep = replay(folder)
    periods = _periods(rep.store, folder)
    frame = _rules(rep.store, rep.order, folder)
    if frame.empty:
        raise DataError("no KPI rule in the final state of the migrations", file=folder)
    frame["call"] = periods.call
    frame["max_eur"] = frame["max_units"] * frame["eur_per_unit"]
    for key in ("project_start", "project_end", "application_start", "application_end"):
        frame[key] = pd.Series([getattr(periods, key)] * len(frame), dtype="object")
    frame["max_units"] = frame["max_units"].astype("int64")
    frame["eur_per_unit"] = frame["eur_per_unit"].astype("float64")
    frame["max_eur"] = frame["max_eur"].astype("float64")
    return frame[list(COLUMNS)].reset_index(drop=True)


def call_rules_history(folder: str | Path) -> pd.DataFrame:
    """Values that a later migration changed: ``migration, item, label, field, before, after``.

    ``item`` is ``"call"`` (title, project period, application window) or a rule id; a row
    says that applying ``migration`` changed ``field`` from ``before`` to ``after``. Items
    first created by a migration are not listed; removed ones have ``after`` = ``None``.
    """
    rep = replay(folder, snapshots=True)
    rows = []
    previous: dict = {}
    for path, state in rep.snapshots:
        for item, fields in previous.items():
            now = state.get(item)
            label = "call" if item == "call" else f"{fields['objective']}: {fields['kpi_unit']}"
            if now is None:
                rows.append((path.name, item, label, "(rule)", "present", None))
                continue
            for key, before in fields.items():
                after = now.get(key)
                if before != after and not (before in ("", None) and after in ("", None)):
                    rows.append((path.name, item, label, key, before, after))
        previous = state
    return pd.DataFrame(rows, columns=["migration", "item", "label", "field", "before", "after"])
