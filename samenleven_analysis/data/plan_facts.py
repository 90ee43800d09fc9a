"""The Plan Samenleven facts (amounts, counts, dates with their sources and conflicts).

Loaded once from ``reference/plan_samenleven.yaml`` and checked.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
from collections.abc import Mapping
from typing import Any

import pandas as pd
import yaml

from samenleven_analysis.errors import DataError

FACTS_FILE = "plan_samenleven.yaml"
"""File name of the facts in the package's ``reference/`` folder."""


@functools.lru_cache(maxsize=1)
def _facts_cached() -> dict[str, Any]:
    text = (
        importlib.resources.files("samenleven_analysis.data")
        .joinpath("reference", FACTS_FILE)
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    check_facts(data)
    return data


def check_facts(data: Mapping[str, Any]) -> None:
    """Raise :class:`DataError` unless every fact has a ``value`` and known ``source`` keys.

    Also the ``source`` keys listed under ``conflict``.
    """
    sources = data.get("sources") or {}
    facts_ = data.get("facts") or {}
    if not facts_:
        raise DataError("no facts", file=FACTS_FILE)
    for key, entry in facts_.items():
        if not isinstance(entry, Mapping) or "value" not in entry:
            raise DataError(f"fact {key!r} has no value", file=FACTS_FILE)
        refs = [entry.get("source")]
        refs += [c.get("source") for c in entry.get("conflict") or []]
        for ref in refs:
            if not ref:
                raise DataError(f"fact {key!r} has a value without a source", file=FACTS_FILE)
            for name in ref if isinstance(ref, list) else [ref]:
                if name not in sources:
                    raise DataError(f"fact {key!r} cites unknown source {name!r}", file=FACTS_FILE)
    for name, src in sources.items():
        if not isinstance(src, Mapping) or not src.get("citation"):
            raise DataError(f"source {name!r} has no citation", file=FACTS_FILE)


def facts() -> dict[str, Any]:
    """The Plan Samenleven facts: ``{"sources": {...}, "facts": {...}}`` (a fresh copy).

    Each fact has ``value``, ``source`` (keys of ``sources``, each with a descriptive
    ``citation`` and ``checked``), optionally ``unit``, ``note`` and ``conflict`` (other
    values with their sources where sources disagree).
    """
    return copy.deepcopy(_facts_cached())


def fact(key: str) -> Any:
    """The ``value`` of one fact, e.g. ``fact("threshold_residents") == 7500``."""
    entries = _facts_cached()["facts"]
    if key not in entries:
        raise KeyError(f"unknown fact {key!r}; known: {', '.join(sorted(entries))}")
    return copy.deepcopy(entries[key]["value"])


def citation(key: str) -> str:
    """The sources of one fact as one line of text (for captions and footnotes)."""
    data = _facts_cached()
    srcs = data["facts"][key]["source"]
    srcs = srcs if isinstance(srcs, list) else [srcs]
    return "; ".join(" ".join(str(data["sources"][s]["citation"]).split()) for s in srcs)


def facts_table() -> pd.DataFrame:
    """All facts as a table: ``fact, value, unit, sources, conflicting`` (for notebooks)."""
    data = _facts_cached()
    rows = []
    for key, entry in data["facts"].items():
        srcs = entry["source"] if isinstance(entry["source"], list) else [entry["source"]]
        others = [
            f"{c['value']} ({', '.join(c['source'] if isinstance(c['source'], list) else [c['source']])})"
            for c in entry.get("conflict") or []
        ]
        rows.append(
            {
                "fact": key,
                "value": str(entry["value"]),
                "unit": entry.get("unit", ""),
                "sources": ", ".join(srcs),
                "conflicting": "; ".join(others),
            }
        )
    return pd.DataFrame(rows)
