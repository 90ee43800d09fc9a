"""Human labels for codes that reach a reader, and the canonical file of each unsourced input.

Codes: origin groups, definitions, tables, columns. The canonical file is the one a user could
supply for each input that has no public source.
"""

from __future__ import annotations

from samenleven_analysis.data import schemas
from samenleven_analysis.data.catalog import CANONICAL_FILES
from samenleven_analysis.i18n import N_, _

DEFINITION_LABELS = {
    "non_eu14": N_("non-EU14 origin"),
    "non_eu27": N_("non-EU27 origin"),
    "non_europe": N_("origin outside Europe"),
    "nationality_proxy": N_("non-Belgian nationality (proxy)"),
}
"""Origin definitions as a reader should see them (message ids: translated on lookup)."""

ORIGIN_LABELS = {
    "BEL": N_("Belgian"),
    "EU14": N_("EU14"),
    "EU13": N_("EU13"),
    "EUROPE_OTHER": N_("rest of Europe"),
    "NON_EUROPE": N_("outside Europe"),
    "ETR": N_("non-Belgian nationality"),
}
"""Origin groups (and the nationality code ``ETR``) as a reader should see them."""

SEX_LABELS = {"M": N_("men"), "F": N_("women")}

OUTCOME_LABELS = {
    "employment_rate": N_("employment rate"),
    "dutch_a2_pass_rate": N_("Dutch A2 pass rate"),
    "liveability_index": N_("liveability index"),
    "rainfall_mm": N_("rainfall (mm)"),
}
"""Outcomes as a reader should see them (others: the code with spaces)."""

KIND_LABELS = {"municipality": N_("municipality"), "partnership": N_("partnership")}
"""Kinds of applicant (a municipality alone, or a partnership/IGS of municipalities)."""

REGIME_LABELS = {"fragmented": N_("fragmented"), "consolidated": N_("consolidated")}
"""The two funding regimes (380 projects before, 24 after the consolidation)."""

MISSING_INPUTS: dict[str, tuple[str, str]] = {
    "population_origin": (
        CANONICAL_FILES["origin"],
        N_("population by origin group (a Statbel request)"),
    ),
    "outcomes": (CANONICAL_FILES["outcomes"], N_("outcome panel (administrative data)")),
    "treatment": (CANONICAL_FILES["treatment"], N_("Plan Samenleven funding per authority")),
    "programmes": (
        CANONICAL_FILES["programmes"],
        N_("one row per funded project or training"),
    ),
    "partnerships": (
        CANONICAL_FILES["partnerships"],
        N_("partnerships (IGS) of municipalities"),
    ),
}
"""Inputs without a public source: table → (canonical file, what it holds)."""


def NC_(context: str, message: str) -> str:
    """Mark an official name of the call (``msgctxt`` ``call``) for extraction."""
    return message


CALL_NAMES = (
    # objectives (doelstellingen) of the 2022 call configuration
    NC_("call", "1 gemeenschap"),
    NC_("call", "Competenties"),
    NC_("call", "Nederlands"),
    NC_("call", "Netwerk"),
    NC_("call", "Non-discriminatie"),
    NC_("call", "Veiligheid en leefbaarheid"),
    NC_("call", "Werk"),
    NC_("call", "Werk arbeidsmarkt"),
    NC_("call", "Werk ondernemerschap"),
    # actions (acties)
    NC_("call", "Begeleiden van gezinnen om de sociale mix in scholen te bevorderen"),
    NC_(
        "call",
        "Begeleiden van jongeren van buitenlandse herkomst en personen met een handicap tot een "
        "lerarenopleiding.",
    ),
    NC_("call", "Begeleiden van kwetsbare kinderen naar hogere studies."),
    NC_(
        "call",
        "Begeleiden van nieuwkomers, mensen met een handicap en 55plussers naar de arbeidsmarkt.",
    ),
    NC_(
        "call",
        "Begeleiden van nieuwkomers, vrouwen en personen met een handicap naar ondernemerschap",
    ),
    NC_("call", "Begeleiden van ongekwalificeerde uitstromers naar een kwalificerend traject."),
    NC_(
        "call",
        "Begeleiden van personen met een diploma van buiten de EU naar verkorte "
        "opleidingstrajecten.",
    ),
    NC_(
        "call",
        "Inzet van mentoren die jonge personen van buitenlandse herkomst begeleiden naar werk.",
    ),
    NC_(
        "call",
        "Inzetten van brugfiguren die de brug maken tussen kwetsbare gezinnen en onderwijs.",
    ),
    NC_("call", "Inzetten van correspondentietesten om discriminatie te meten"),
    NC_(
        "call",
        "Inzetten van pleinmakers in sociale woonwijken om het sociaal weefsel te versterken.",
    ),
    NC_(
        "call",
        "Jongeren met een grotere afstand tot de arbeidsmarkt in contact brengen met opleidingen, "
        "stages, jobs en ondernemerschap",
    ),
    NC_(
        "call",
        "Jongeren van buitenlandse herkomst en jongeren met een handicap in contact brengen met "
        "cultuur.",
    ),
    NC_(
        "call",
        "Jongeren van buitenlandse herkomst en jongeren met een handicap in contact brengen met "
        "sport.",
    ),
    NC_(
        "call",
        "Ontwikkelen van een lokaal actieplan voor de aanpak van polarisatie en zetten in op de "
        "uitrol ervan.",
    ),
    NC_(
        "call",
        "Ontwikkelen van lokale actieplannen voor de aanpak van straatintimidatie en de uitrol "
        "ervan.",
    ),
    NC_(
        "call",
        "Ontwikkelen van lokale actieplannen voor de toegankelijkheid van publieke gebouwen en de "
        "uitrol ervan.",
    ),
    NC_("call", "Volwassen anderstaligen nemen deel aan een oefenkans."),
    NC_("call", "Vormen van professionals en burgers volgens het omstaanders-principe"),
)
"""The official Dutch names of the 2022 call's objectives and actions (as the call
configuration spells them): shown as they are in Dutch, translated in English
(:func:`samenleven_analysis.i18n.call_label`)."""


def definition_label(definition: str) -> str:
    """``non_eu14`` → ``non-EU14 origin`` / ``niet-EU14-herkomst`` in the active language.

    Unknown codes are returned unchanged.
    """
    label = DEFINITION_LABELS.get(str(definition))
    return _(label) if label else str(definition)


def origin_label(group: str) -> str:
    """``NON_EUROPE`` → ``outside Europe`` in the active language (unknown codes unchanged)."""
    label = ORIGIN_LABELS.get(str(group))
    return _(label) if label else str(group)


def outcome_label(outcome: str) -> str:
    """``employment_rate`` → ``employment rate`` / ``werkzaamheidsgraad``."""
    label = OUTCOME_LABELS.get(str(outcome))
    return _(label) if label else str(outcome).replace("_", " ")


def kind_label(kind: str) -> str:
    """``municipality`` → ``gemeente``, ``partnership`` → ``samenwerkingsverband``."""
    label = KIND_LABELS.get(str(kind))
    return _(label) if label else str(kind)


def regime_label(regime: str) -> str:
    """``fragmented`` → ``versnipperd``, ``consolidated`` → ``gebundeld`` (unknown unchanged)."""
    label = REGIME_LABELS.get(str(regime))
    return _(label) if label else str(regime)


def sex_label(sex: str) -> str:
    """``M`` → ``men`` / ``mannen`` in the active language."""
    label = SEX_LABELS.get(str(sex))
    return _(label) if label else str(sex)


def missing_holds(table: str) -> str:
    """What the canonical file of ``table`` holds, in the active language."""
    holds = MISSING_INPUTS.get(table, (None, None))[1]
    return _(holds) if holds else table.replace("_", " ")


def canonical_columns(table: str) -> list[str]:
    """The columns of the canonical file for ``table`` (from its pandera schema)."""
    schema = schemas.TABLE_SCHEMAS.get(table)
    return [] if schema is None else list(schema.columns)


def missing_input_text(table: str, what: str | None = None) -> str:
    """Markdown saying that ``table`` is not in the data and which file would fill it."""
    file = MISSING_INPUTS.get(table, (f"{table}.csv",))[0]
    holds = missing_holds(table)
    columns = ", ".join(canonical_columns(table))
    values = dict(what=what, holds=holds, file=file, columns=columns)
    if what and columns:
        text = _(
            "*{what}* needs the {holds}, which has no public source. Supply `{file}` (columns: "
            "`{columns}`) in the data folder and run `samenleven build` to fill it.",
            **values,
        )
    elif what:
        text = _(
            "*{what}* needs the {holds}, which has no public source. Supply `{file}` in the "
            "data folder and run `samenleven build` to fill it.",
            **values,
        )
    elif columns:
        text = _(
            "This section needs the {holds}, which has no public source. Supply `{file}` "
            "(columns: `{columns}`) in the data folder and run `samenleven build` to fill it.",
            **values,
        )
    else:
        text = _(
            "This section needs the {holds}, which has no public source. Supply `{file}` in "
            "the data folder and run `samenleven build` to fill it.",
            **values,
        )
    return "> **" + _("Not in the open data.") + "** " + text
