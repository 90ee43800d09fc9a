"""Human labels for codes that reach a reader (origin groups, definitions, tables, columns),
and the canonical file a user could supply for each input that has no public source."""

from __future__ import annotations

from samenleven_analysis.data import schemas

DEFINITION_LABELS = {
    "non_eu14": "non-EU14 origin",
    "non_eu27": "non-EU27 origin",
    "non_europe": "origin outside Europe",
    "nationality_proxy": "non-Belgian nationality (proxy)",
}
"""Origin definitions as a reader should see them."""

ORIGIN_LABELS = {
    "BEL": "Belgian",
    "EU14": "EU14",
    "EU13": "EU13",
    "EUROPE_OTHER": "rest of Europe",
    "NON_EUROPE": "outside Europe",
    "ETR": "non-Belgian nationality",
}
"""Origin groups (and the nationality code ``ETR``) as a reader should see them."""

SEX_LABELS = {"M": "men", "F": "women"}

MISSING_INPUTS: dict[str, tuple[str, str]] = {
    "population_origin": ("population_origin.csv", "population by origin group (a Statbel request)"),
    "outcomes": ("outcomes.csv", "outcome panel (administrative data)"),
    "treatment": ("treatment.csv", "Plan Samenleven funding per authority"),
    "programmes": ("programmes.csv", "one row per funded project or training"),
    "partnerships": ("partnerships.csv", "partnerships (IGS) of municipalities"),
}
"""Inputs without a public source: table → (canonical file, what it holds)."""

_SCHEMAS = {
    "population_origin": schemas.POPULATION_ORIGIN,
    "outcomes": schemas.OUTCOMES,
    "treatment": schemas.TREATMENT,
    "programmes": schemas.PROGRAMMES,
    "partnerships": schemas.PARTNERSHIPS,
}


def definition_label(definition: str) -> str:
    """``non_eu14`` → ``non-EU14 origin`` (unknown codes are returned unchanged)."""
    return DEFINITION_LABELS.get(str(definition), str(definition))


def origin_label(group: str) -> str:
    """``NON_EUROPE`` → ``outside Europe`` (unknown codes are returned unchanged)."""
    return ORIGIN_LABELS.get(str(group), str(group))


def canonical_columns(table: str) -> list[str]:
    """The columns of the canonical file for ``table`` (from its pandera schema)."""
    schema = _SCHEMAS.get(table)
    return [] if schema is None else list(schema.columns)


def missing_input_text(table: str, what: str | None = None) -> str:
    """Markdown saying that ``table`` is not in the data and which file would fill it."""
    file, holds = MISSING_INPUTS.get(table, (f"{table}.csv", table.replace("_", " ")))
    columns = ", ".join(canonical_columns(table))
    lead = f"*{what}* needs " if what else "This section needs "
    return (
        f"> **Not in the open data.** {lead}the {holds}, which has no public source. "
        f"Supply `{file}`" + (f" (columns: `{columns}`)" if columns else "")
        + " in the data folder and run `samenleven build` to fill it."
    )
