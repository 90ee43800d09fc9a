"""The reference facts of the plan as a reader's table in the active language.

The facts are ``analysis.programmes.facts``. The table gives what each fact is, its value written in
the language's formats (numbers, dates, yes/no, origin definitions), its unit, its sources and the
values of sources that disagree. Source ids (``call_2022``, ``announcement_2021``) are names of
documents and are kept as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from samenleven_analysis import i18n
from samenleven_analysis.analysis import programmes
from samenleven_analysis.i18n import N_, _

FACT_LABELS = {
    "threshold_residents": N_("threshold (residents of the target origin)"),
    "origin_criterion": N_("origin criterion"),
    "eligibility_reference_year": N_("reference year of eligibility"),
    "partnerships_allowed": N_("partnerships (IGS) may apply"),
    "one_partnership_per_authority": N_("at most one partnership per authority"),
    "coverage_claim": N_("coverage claimed in the announcement"),
    "authorities_announced": N_("local authorities announced"),
    "project_period_2022": N_("project period of the 2022 call"),
    "application_window_2022": N_("application period of the 2022 call"),
    "kpi_rules_2022": N_("KPI rules in the 2022 call"),
    "polarisation_action_plan_eur": N_("subsidy for a local action plan against polarisation"),
    "budget_announced_eur": N_("budget announced"),
    "projects_before": N_("projects before consolidation"),
    "trainings_before": N_("trainings before consolidation"),
    "projects_after": N_("projects after consolidation"),
    "goals_after": N_("objectives after consolidation"),
    "budget_paid_eur": N_("budget paid per project year"),
    "budget_total_eur": N_("total budget"),
    "participating_authorities": N_("participating local authorities per project year"),
}
"""Fact key → what it is (message id); other facts show their key."""

FACT_UNITS = {
    "projects": N_("projects"),
    "trainings": N_("trainings"),
    "goals": N_("objectives"),
    "local authorities": N_("local authorities"),
    "residents of non-EU14 origin": N_("residents of non-EU14 origin"),
    "share of residents of the target origin living in eligible authorities": N_(
        "share of residents of the target origin living in eligible authorities"
    ),
    "KPI rules (objective x action x target group) in the consolidated regime": N_(
        "KPI rules (objective × action × target group) in the consolidated regime"
    ),
    "EUR per local action plan against polarisation (maximum 1 per authority)": N_(
        "EUR per local action plan against polarisation (at most 1 per authority)"
    ),
    "EUR per project year": N_("EUR per project year"),
    "EUR over three project years": N_("EUR over three project years"),
    "local authorities per project year (excluding VGC and vzw de Rand)": N_(
        "local authorities per project year (excluding VGC and vzw de Rand)"
    ),
}
"""Units of the reference facts (as the YAML writes them) → message id."""

TEXT_VALUES = {
    "almost two thirds": N_("almost two thirds"),
    "roots outside Europe": N_("roots outside Europe"),
    "non-EU15 origin": N_("non-EU15 origin"),
    "October-September": N_("October–September"),
}
"""Text values of the reference facts → message id (the claim is quoted in translation)."""

HEADERS = {
    "fact": N_("fact"),
    "value": N_("value"),
    "unit": N_("unit"),
    "sources": N_("sources"),
    "conflicting": N_("other sources"),
}


def text_value(value: str) -> str:
    """A text value of the facts in the active language (unknown texts unchanged)."""
    message = TEXT_VALUES.get(value)
    return _(message) if message else value


def value_text(value: Any) -> str:
    """One fact value in the active language's formats."""
    from samenleven_analysis.reports.labels import DEFINITION_LABELS, definition_label

    if isinstance(value, bool):
        return i18n.yes_no(value)
    if isinstance(value, int | float):
        # years are written without separators
        return (
            str(value) if isinstance(value, int) and 1900 <= value <= 2100 else i18n.number(value)
        )
    if isinstance(value, dt.date):
        return i18n.date(value)
    if isinstance(value, dict) and set(value) == {"start", "end"}:
        return _("{start} to {end}", start=value_text(value["start"]), end=value_text(value["end"]))
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, str) and value in DEFINITION_LABELS:
        return definition_label(value)
    return text_value(str(value))


def _sources(source: Any) -> str:
    return ", ".join(source if isinstance(source, list) else [source])


def fact_table(keys: Iterable[str]) -> pd.DataFrame:
    """The facts ``keys`` as a reader's table with translated headers.

    In the order of the reference facts.
    """
    wanted = set(keys)
    rows = []
    for key, entry in programmes.facts()["facts"].items():
        if key not in wanted:
            continue
        unit = str(entry.get("unit", "") or "")
        others = [
            f"{value_text(c['value'])} ({_sources(c['source'])})"
            for c in entry.get("conflict") or []
        ]
        rows.append(
            {
                "fact": _(FACT_LABELS[key]) if key in FACT_LABELS else key,
                "value": value_text(entry["value"]),
                "unit": _(FACT_UNITS[unit]) if unit in FACT_UNITS else unit,
                "sources": _sources(entry["source"]),
                "conflicting": "; ".join(others),
            }
        )
    return pd.DataFrame(rows, columns=list(HEADERS)).rename(
        columns={k: _(v) for k, v in HEADERS.items()}
    )
