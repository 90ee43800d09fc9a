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

import numpy as np
import pandas as pd

from samenleven_analysis.data import demo
from samenleven_analysis.data.contracts import COLUMNS

__all__ = ["demo_contracts", "default_rules"]

_KEY = 41  # rng stream of this generator (demo._rng keys 1–9 are the other tables')


def default_rules(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The real call rules when the mirror holds the call configuration, else Demoland's."""
    from samenleven_analysis import config
    from samenleven_analysis.data import catalog
    from samenleven_analysis.data.call_rules import read_call_rules

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
    rules = rules.sort_values("rule_id", kind="stable").reset_index(drop=True)
    treatment = demo.treatment_table(seed)
    wide = demo._non_eu14_2025_vintage(seed)
    size = wide[wide.year == demo.REFERENCE_YEAR].set_index("refnis")["non_eu14"]
    cohort = treatment.groupby("applicant")["cohort"].min()
    applicant_size = treatment.assign(n=treatment.refnis.map(size)).groupby("applicant")["n"].sum()
    rows = []
    for call, call_rules in rules.groupby("call", sort=True):
        start = pd.Timestamp(call_rules["project_start"].iloc[0])
        signers = sorted(cohort.index[cohort == float(start.year)])
        if not signers:
            continue
        biggest = float(applicant_size[signers].max())
        for applicant in signers:
            rng = demo._rng(seed, _KEY, int(start.year), signers.index(applicant))
            scale = float(applicant_size[applicant]) / biggest  # 0–1, 1 = largest signer
            n_rules = min(len(call_rules), 4 + round(4 * scale))
            chosen = sorted(rng.choice(len(call_rules), size=n_rules, replace=False))
            reports = rng.uniform() < 0.8  # about one applicant in five has not reported yet
            for i in chosen:
                rule = call_rules.iloc[i]
                cap = int(rule["max_units"])
                share = (0.25 + 0.7 * scale) * rng.uniform(0.7, 1.0)
                target = cap if cap <= 1 else int(np.clip(round(cap * share), 1, cap))
                reported = reports and rng.uniform() < 0.9
                if not reported:
                    realised = np.nan
                elif target <= 1:
                    realised = float(target if rng.uniform() < 0.8 else 0)
                else:
                    realised = float(round(target * rng.uniform(0.5, 1.25)))
                rows.append((applicant, call, rule["rule_id"], start.date(), target, realised))
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    return out.astype({"target_units": "int64", "realised_units": "float64"})
