"""File names and the years of the yearly files that several data modules share.

The catalog, the demo generator, the schemas, the contract reader use them. Defined here,
below all of them, so that none has to import another for a name.
"""

from __future__ import annotations

POPULATION_YEARS = tuple(range(2009, 2027))
"""Years for which Statbel publishes TF_SOC_POP_STRUCT_YYYY (population on 1 January)."""

DEMO_YEARS = tuple(range(2012, 2026))
"""Years of the Demoland population, origin and outcome files (the catalog's demo editions,
the generator, the simulated panels' default)."""

DEMO_INCOME_YEARS = tuple(range(2012, 2024))
"""Income years of the Demoland fiscal-income file (Statbel publishes income two years late)."""

DEMO_MARKER = "DEMOLAND.txt"
"""File that marks a folder as a Demoland (fictional) data set."""

CANONICAL_FILES = {
    "origin": "population_origin.csv",
    "outcomes": "outcomes.csv",
    "treatment": "treatment.csv",
    "programmes": "programmes.csv",
    "partnerships": "partnerships.csv",
    "contracts": "contracts.csv",
}
"""File name of each user-supplied canonical input, by dataset id (the one place they are
spelled; the demo generator, the build, the reports and the KPI section read them here)."""
