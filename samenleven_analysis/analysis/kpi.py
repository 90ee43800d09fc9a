"""KPI follow-up of the contracts: targets, realisations and subsidy under the call rules.

Per contract line (applicant × KPI rule × project period, ``data/contracts.py``):

- ``attainment = realised / target`` (uncapped: 1.2 = 20 % over target);
- ``committed_eur = target × eur_per_unit``;
- ``earned_eur = min(realised, target) × eur_per_unit``.

The earning rule is the call's own: the 2022 configuration types every KPI rule as a
``PlanLivingTogetherSubsidyWithdrawalRule`` with a per-unit ``contribution:multiplier`` and a
``range:maximum``, and holds no other formula (neither in the migrations nor in ``form.ttl``):
subsidy is committed per target unit and withdrawn per unit not realised, and units beyond the
target earn nothing. :data:`EARNING_RULE` names this rule.

A missing realisation stays missing (NaN), never zero: attainment and earned subsidy of an
unreported line are NaN, and aggregates use reported lines only and say how much of the
committed subsidy they cover (``reported_share_eur``). Units of different KPI rules are never
added up, except persons in :func:`reach` (person-type units only, :func:`unit_kind`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from samenleven_analysis.facts import DEFAULT_SEED

__all__ = [
    "EARNING_RULE",
    "KpiData",
    "applicant_names",
    "assemble",
    "UNIT_KINDS",
    "compare_regimes",
    "contract_lines",
    "reach",
    "summarise",
    "unit_kind",
]

EARNING_RULE = "withdrawal per unit not realised: earned = min(realised, target) × EUR per unit"
"""The subsidy rule of the 2022 call (module docstring)."""

# KPI unit labels of the call → what is counted. Order matters: the first match wins, so an
# action plan "for persons" is still an action plan. Unknown labels are "other" (never reach).
UNIT_KINDS = (
    ("action plans", r"actieplan"),
    ("authorities", r"\bbestuur\b"),
    ("deployed workers", r"pleinmaker|brugfigu|mentor(en)?$"),
    ("households", r"gezin"),
    (
        "persons",
        r"persoon|personen|anderstalig|kinderen|uitstromer|nieuwkomer|plusser|vrouw"
        r"|jongeren|professional|burger|deelnemer",
    ),
)
"""(kind, regular expression on the lower-cased ``kpi_unit``) pairs, first match wins."""

LINE_COLUMNS = (
    "applicant",
    "call",
    "rule",
    "period_start",
    "objective",
    "action",
    "kpi_unit",
    "unit_kind",
    "max_units",
    "eur_per_unit",
    "target",
    "realised",
    "reported",
    "attainment",
    "committed_eur",
    "earned_eur",
)


def unit_kind(kpi_unit: str) -> str:
    """What a KPI unit counts: persons, households, action plans, authorities, … or other."""
    text = str(kpi_unit).lower()
    for kind, pattern in UNIT_KINDS:
        if re.search(pattern, text):
            return kind
    return "other"


def contract_lines(
    contracts: pd.DataFrame, rules: pd.DataFrame, treatment: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per contract line with the rule's labels and the derived measures.

    Columns :data:`LINE_COLUMNS` (+ ``cohort`` when ``treatment`` is given: the applicant's
    first funded project year, NaN if not in the treatment table). Rows keep the contract order.
    """
    r = rules.rename(columns={"rule_id": "rule"})[
        ["call", "rule", "objective", "action", "kpi_unit", "max_units", "eur_per_unit"]
    ]
    out = contracts.merge(r, on=["call", "rule"], how="left", validate="many_to_one")
    if out["objective"].isna().any():
        bad = out.loc[out["objective"].isna(), "rule"].iloc[0]
        raise KeyError(f"contract rule {bad!r} is not in the call rules")
    target = out["target_units"].astype(float)
    realised = out["realised_units"].astype(float)
    eur = out["eur_per_unit"].astype(float)
    out = out.assign(
        unit_kind=[unit_kind(u) for u in out["kpi_unit"]],
        target=target,
        realised=realised,
        reported=realised.notna(),
        attainment=(realised / target.where(target > 0)),
        committed_eur=target * eur,
        earned_eur=np.minimum(realised, target) * eur,  # NaN stays NaN
    )
    cols = list(LINE_COLUMNS)
    if treatment is not None:
        cohort = treatment.groupby(treatment["applicant"].astype(str))["cohort"].min()
        out["cohort"] = out["applicant"].astype(str).map(cohort).astype(float)
        cols.append("cohort")
    return out[cols].reset_index(drop=True)


SUMMARY_COLUMNS = (
    "lines",
    "applicants",
    "lines_reported",
    "applicants_reported",
    "committed_eur",
    "committed_reported_eur",
    "earned_eur",
    "attainment_eur",
    "reported_share_eur",
    "median_attainment",
    "lines_over_target",
)


def summarise(lines: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Aggregates of :func:`contract_lines` per ``by`` (``()`` = all lines, e.g. Flanders).

    ``by`` is e.g. ``("objective",)``, ``("applicant",)``, ``("cohort",)``. Columns ``by`` +
    :data:`SUMMARY_COLUMNS`: ``attainment_eur = earned_eur / committed_reported_eur`` (subsidy-
    weighted, capped at each line's target; over reported lines only — units of different rules
    cannot be added), ``reported_share_eur = committed_reported_eur / committed_eur``,
    ``median_attainment`` (uncapped, per line, reported lines), ``lines_over_target``.
    Groups without a reported line have NaN attainment, not zero.
    """
    by = list(by)
    d = lines.assign(
        _rep_eur=lines["committed_eur"].where(lines["reported"], 0.0),
        _rep_app=lines["applicant"].where(lines["reported"]),
        _over=(lines["realised"] > lines["target"]).astype(int),
    )
    keys = by if by else (lambda _: "all")
    g = d.groupby(keys, sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "lines": g.size(),
            "applicants": g["applicant"].nunique(),
            "lines_reported": g["reported"].sum().astype(int),
            "applicants_reported": g["_rep_app"].nunique(),
            "committed_eur": g["committed_eur"].sum(),
            "committed_reported_eur": g["_rep_eur"].sum(),
            "earned_eur": g["earned_eur"].sum(min_count=1),
            "median_attainment": g["attainment"].median(),
            "lines_over_target": g["_over"].sum().astype(int),
        }
    )
    out["attainment_eur"] = out["earned_eur"] / out["committed_reported_eur"].where(
        out["committed_reported_eur"] > 0
    )
    out["reported_share_eur"] = out["committed_reported_eur"] / out["committed_eur"].where(
        out["committed_eur"] > 0
    )
    out = out.reset_index(drop=not by)
    return out[[*by, *SUMMARY_COLUMNS]]


def reach(lines: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Persons reached: targets and realisations summed over person-type KPI units only.

    Columns ``by`` + ``unit, target_persons, realised_persons, lines, lines_reported,
    realised_share_of_target``: ``unit`` names what is counted ("persons"); realised persons
    are summed over reported lines only, and ``realised_share_of_target`` compares them with the
    targets of those same lines. Action plans, authorities, deployed workers and households are
    never added to persons. A person counted under two rules counts twice: this is a count of
    person-places, an upper bound on distinct persons.
    """
    by = list(by)
    p = lines[lines["unit_kind"] == "persons"]
    p = p.assign(_target_rep=p["target"].where(p["reported"], 0.0))
    keys = by if by else (lambda _: "all")
    g = p.groupby(keys, sort=True, dropna=False)
    out = pd.DataFrame(
        {
            "target_persons": g["target"].sum(),
            "realised_persons": g["realised"].sum(min_count=1),
            "lines": g.size(),
            "lines_reported": g["reported"].sum().astype(int),
            "_target_rep": g["_target_rep"].sum(),
        }
    )
    if out.empty and not by:
        out = pd.DataFrame(
            {
                "target_persons": [0.0],
                "realised_persons": [np.nan],
                "lines": [0],
                "lines_reported": [0],
                "_target_rep": [0.0],
            }
        )
    out["realised_share_of_target"] = out["realised_persons"] / out["_target_rep"].where(
        out["_target_rep"] > 0
    )
    out = out.drop(columns="_target_rep").reset_index(drop=not by)
    out.insert(len(by), "unit", "persons")
    return out


# --------------------------------------------------------------------------- regimes


def _ratio_interval(num: np.ndarray, den: np.ndarray, seed: int) -> tuple[float, float]:
    """95 % bootstrap interval (resampling applicants) of sum(num) / sum(den)."""
    from scipy import stats

    if len(num) < 2 or not np.isfinite(num).all():
        return (np.nan, np.nan)
    res = stats.bootstrap(
        (num, den),
        lambda a, b, axis=-1: a.sum(axis=axis) / b.sum(axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=2000,
        method="percentile",
        random_state=seed,
    )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _mean_interval(x: np.ndarray, seed: int) -> tuple[float, float]:
    from scipy import stats

    if len(x) < 2 or np.ptp(x) == 0:
        return (float(x.mean()), float(x.mean())) if len(x) else (np.nan, np.nan)
    res = stats.bootstrap((x,), np.mean, n_resamples=2000, method="percentile", random_state=seed)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


COMPARE_COLUMNS = ("regime", "metric", "value", "low", "high", "uncertainty", "source")

_PUBLISHED = "published count, no breakdown per authority; "
_PUBLISHED_COUNTS = (
    # (regime, metric, fact key, uncertainty)
    (
        "fragmented",
        "projects",
        "projects_before",
        _PUBLISHED + "what counted as one project is not defined in the source",
    ),
    (
        "fragmented",
        "trainings",
        "trainings_before",
        _PUBLISHED + "trainings may overlap with projects",
    ),
    (
        "consolidated",
        "projects (published)",
        "projects_after",
        "published count of actions; each action is carried out by many authorities",
    ),
)
"""The published counts :func:`compare_regimes` reports first, each with its fact and citation."""


def compare_regimes(
    lines: pd.DataFrame | None,
    programmes: pd.DataFrame | None = None,
    *,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Fragmented versus consolidated: projects per authority and reach per EUR.

    Consolidated (from ``lines`` = :func:`contract_lines`): applicants, distinct actions
    (projects) and projects per applicant, committed EUR, persons targeted per 1,000 EUR
    committed and persons realised per 1,000 EUR earned (reported lines). Fragmented: the
    published counts (380 projects, 413 trainings; ``reference/plan_samenleven.yaml``) and,
    from a user-supplied ``programmes`` table, projects per authority and persons per
    1,000 EUR. Each row states its uncertainty: ``low``/``high`` are a 95 % bootstrap interval
    over applicants (authorities) where the number is an estimate from rows, and
    ``uncertainty`` says in words what the number can and cannot tell. Columns
    :data:`COMPARE_COLUMNS`.
    """
    from samenleven_analysis.analysis import programmes as prog

    rows: list[dict] = []

    def add(regime, metric, value, interval=(np.nan, np.nan), uncertainty="", source=""):
        rows.append(
            {
                "regime": regime,
                "metric": metric,
                "value": float(value),
                "low": interval[0],
                "high": interval[1],
                "uncertainty": uncertainty,
                "source": source,
            }
        )

    for regime, metric, key, uncertainty in _PUBLISHED_COUNTS:
        add(regime, metric, prog.fact(key), uncertainty=uncertainty, source=prog.citation(key))
    if programmes is not None and len(programmes):
        frag = programmes[
            (programmes["regime"] == "fragmented") & (programmes["kind"] == "project")
        ]
        if len(frag):
            per_auth = frag.groupby("authority").agg(
                projects=("project_id", "nunique"),
                persons=("participants", "sum"),
                eur=("budget_eur", "sum"),
            )
            src = "user-supplied programmes table (fragmented project rows)"
            add(
                "fragmented",
                "projects per authority",
                per_auth["projects"].mean(),
                _mean_interval(per_auth["projects"].to_numpy(float), seed),
                "mean over authorities in the table; 95 % bootstrap interval over authorities; "
                "covers only the authorities and years the table holds",
                src,
            )
            add(
                "fragmented",
                "persons per 1,000 EUR",
                1000 * per_auth["persons"].sum() / per_auth["eur"].sum(),
                tuple(
                    1000 * v
                    for v in _ratio_interval(
                        per_auth["persons"].to_numpy(float), per_auth["eur"].to_numpy(float), seed
                    )
                ),
                "participants as reported per project (a person in two projects counts twice); "
                "95 % bootstrap interval over authorities",
                src,
            )
    else:
        add(
            "fragmented",
            "persons per 1,000 EUR",
            np.nan,
            uncertainty="unknown: the published counts give no persons or amounts; supply "
            "programmes.csv (schemas.PROGRAMMES) to estimate it",
            source="",
        )
    if lines is None or not len(lines):
        add(
            "consolidated",
            "persons per 1,000 EUR",
            np.nan,
            uncertainty="unknown: no contract data supplied; supply contracts.csv "
            "(docs/contracts.md)",
            source="",
        )
        return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
    src = "contracts table (contracts.csv) under the call rules"
    per_app = lines.groupby("applicant").agg(
        projects=("action", "nunique"), committed=("committed_eur", "sum")
    )
    persons = lines[lines["unit_kind"] == "persons"]
    per_app["persons_target"] = persons.groupby("applicant")["target"].sum()
    per_app = per_app.fillna({"persons_target": 0.0})
    add(
        "consolidated",
        "applicants with a contract",
        len(per_app),
        uncertainty="exact count of applicants in the contracts table",
        source=src,
    )
    add(
        "consolidated",
        "projects (actions contracted)",
        lines["action"].nunique(),
        uncertainty="exact count of distinct actions in the contracts table",
        source=src,
    )
    add(
        "consolidated",
        "projects per authority",
        per_app["projects"].mean(),
        _mean_interval(per_app["projects"].to_numpy(float), seed),
        "mean distinct actions per applicant; 95 % bootstrap interval over applicants",
        src,
    )
    add(
        "consolidated",
        "committed EUR",
        per_app["committed"].sum(),
        uncertainty="exact sum of target × EUR per unit; a commitment, not spending",
        source=src,
    )
    add(
        "consolidated",
        "persons targeted per 1,000 EUR committed",
        1000 * per_app["persons_target"].sum() / per_app["committed"].sum(),
        tuple(
            1000 * v
            for v in _ratio_interval(
                per_app["persons_target"].to_numpy(float),
                per_app["committed"].to_numpy(float),
                seed,
            )
        ),
        "targets, not results; person-type KPI units only, a person under two rules counts "
        "twice; committed EUR includes non-person rules (action plans); 95 % bootstrap interval "
        "over applicants",
        src,
    )
    rep = lines[lines["reported"]]
    if len(rep):
        rp = rep.groupby("applicant").agg(earned=("earned_eur", "sum"))
        rp["persons"] = rep[rep["unit_kind"] == "persons"].groupby("applicant")["realised"].sum()
        rp = rp.fillna({"persons": 0.0})
        share = float(rep["committed_eur"].sum() / lines["committed_eur"].sum())
        add(
            "consolidated",
            "persons realised per 1,000 EUR earned",
            1000 * rp["persons"].sum() / rp["earned"].sum() if rp["earned"].sum() else np.nan,
            tuple(
                1000 * v
                for v in _ratio_interval(
                    rp["persons"].to_numpy(float), rp["earned"].to_numpy(float), seed
                )
            ),
            f"reported lines only ({share:.0%} of committed EUR); persons beyond target count, "
            "EUR beyond target do not; 95 % bootstrap interval over reporting applicants",
            src,
        )
    else:
        add(
            "consolidated",
            "persons realised per 1,000 EUR earned",
            np.nan,
            uncertainty="unknown: no realisation reported yet",
            source=src,
        )
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))


@dataclass
class KpiData:
    """Contract lines with derived measures (``analysis.kpi.contract_lines``) or a status."""

    lines: pd.DataFrame | None
    names: dict[str, str] = field(default_factory=dict)
    demo: bool = False
    status: str = "ok"  # "ok" | "no contracts" | "no call rules"

    @property
    def ok(self) -> bool:
        return self.status == "ok" and self.lines is not None


def applicant_names(municipalities: pd.DataFrame | None, partnerships: pd.DataFrame | None) -> dict:
    """Name of every applicant code: municipalities (Dutch name) and partnerships."""
    names: dict[str, str] = {}
    if municipalities is not None:
        names.update(
            zip(
                municipalities["refnis"].astype(str),
                municipalities["name_nl"].astype(str),
                strict=True,
            )
        )
    if partnerships is not None and "name" in partnerships:
        first = partnerships.drop_duplicates("partnership_id")
        names.update(
            zip(
                first["partnership_id"].astype(str),
                first["name"].fillna("").astype(str),
                strict=True,
            )
        )
    return names


def assemble(tables: dict[str, pd.DataFrame | None], demo: bool) -> KpiData:
    """:class:`KpiData` from loaded tables: the lines, or what is missing.

    The tables: ``contracts``, ``call_rules``, ``treatment``, ``municipalities``, ``partnerships``;
    absent ones None.
    """
    names = applicant_names(tables.get("municipalities"), tables.get("partnerships"))
    if tables.get("contracts") is None:
        return KpiData(None, names, demo, "no contracts")
    if tables.get("call_rules") is None:
        return KpiData(None, names, demo, "no call rules")
    lines = contract_lines(tables["contracts"], tables["call_rules"], tables.get("treatment"))
    return KpiData(lines, names, demo, "ok")
