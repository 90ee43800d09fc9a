"""The facts of the Plan Samenleven and of the data that several layers rely on, defined once.

Where sources disagree the value here is only the *default* of a parameter; the conflict and
its sources are recorded in ``docs/design.md`` ("Facts that conflict between sources").
"""

from __future__ import annotations

import datetime as dt

THRESHOLD_RESIDENTS = 7500
"""Residents of non-EU14 origin an authority must have (the call: *more than* 7,500; the
announcement: *at least* 7,500). Default of every ``threshold`` parameter."""

PROGRAMME_START_YEAR = 2022
"""First year of the consolidated regime (first call 2022)."""

PROGRAMME_START_DATE = dt.date(2022, 10, 1)
"""First project year starts 1 October 2022 (project years run October to September)."""

DEFAULT_SEED = 20221001
"""Seed of every random step unless a caller passes its own (the programme's start date)."""

ORIGIN_DEFINITIONS = ("non_eu14", "non_eu27", "non_europe")
"""Origin definitions computed from a canonical origin table (docs/design.md, origin groups)."""

VINTAGES = (2018, 2019, 2025)
"""Municipality vintages, named by the first year they are in force on 1 January (2018 =
the 589 municipalities in force until 31 Dec 2018)."""
