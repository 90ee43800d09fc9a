"""Demoland contracts: fictional targets and realisations under a set of call rules.

Who signs: the Demoland applicants whose cohort (``demo.treatment_table``) is the project year
in which the call's project period starts (the 2022 call → cohort 2022). What they sign:
between four and eight of the call's rules, larger applicants (more non-EU14 residents) more
rules and higher targets, never above a rule's ``max_units``. About one applicant in five has
not reported yet; the others report about nine lines in ten (between half and 125 % of the
target; an action plan is delivered or not); unreported lines stay empty. Deterministic for a seed.

Rules: those passed in; else the real call rules when the mirror (``$SAMENLEVEN_DATA_DIR`` or
``data_dir``) holds the call configuration; else ``demo.demo_call_rules()``. A demo *build*
passes the rules of its own ``call_rules`` table (the Demoland twin), because a demo run is
demo data throughout and its contracts must match its rules.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from samenleven_analysis import config
from samenleven_analysis.data import catalog, demo
from samenleven_analysis.data.call_rules import read_call_rules

__all__ = ["demo_contracts", "default_rules"]


def default_rules(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The real call rules when the mirror holds the call configuration, else Demoland's."""
    found = None
    if data_dir is not None or config.data_dir() is not None:
        found = catalog.locate("call_config", data_dir=data_dir)
    if found is not None and not found.demo:
        return read_call_rules(found.path.parent)
    return demo.demo_call_rules()


def demo_contracts(
    rules: pd.DataFrame | None = None,
    seed: int = demo.DEFAULT_SEED,
    *,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Demoland ``contracts`` table (columns ``contracts.COLUMNS``) under ``rules``."""
    rules = default_rules(data_dir) if rules is None else rules
    return demo.contracts_table(rules, seed)
