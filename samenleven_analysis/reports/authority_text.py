"""The reader-facing text of a local authority's report, in the active language.

Its opening (what it shows, for whom, where the data come from) and each section's heading and
introduction. The analyst's instructions (how to make the reports) live in docs/notebooks.md and in
the notebook's ``analyst-only`` cell, which the HTML export drops.
"""

from __future__ import annotations

from samenleven_analysis.i18n import N_, _

SECTIONS: dict[str, tuple[str, str]] = {
    "glance": (N_("The authority at a glance"), ""),
    "composition": (
        N_("Population and its composition over time"),
        N_(
            "Residents by origin group (with an origin table) or by nationality (the open data), "
            "summed over the authority's municipalities, on the chosen municipality vintage."
        ),
    ),
    "pyramid": (
        N_("Age and sex structure"),
        N_(
            "Residents by five-year age band and sex on 1 January of the reference year (or the "
            "nearest earlier year the data hold), Belgians and non-Belgians stacked."
        ),
    ),
    "benchmark": (
        N_("Rank and benchmark"),
        N_(
            "Share of residents counted by the rule, pooled over each group: this authority, "
            "Flanders, and the five applicants most similar in size and share (nearest "
            "neighbours on standardised log population and share in the reference year)."
        ),
    ),
    "eligibility": (
        N_("Eligibility, margin and sensitivity"),
        N_(
            "An applicant qualifies with **more than** the threshold on 1 January of the "
            "reference year; the margin is count − threshold. The table shows the decision for "
            "every year in the data and for thresholds around the call's threshold."
        ),
    ),
    "income": (
        N_("Fiscal income per resident"),
        N_(
            "Net taxable income per resident (Statbel fiscal statistics), pooled over the "
            "members, against the similar authorities and Flanders."
        ),
    ),
    "subsidy": (
        N_("The most the authority could claim under the 2022 call"),
        N_(
            "The 2022 call (the consolidated regime) paid per unit of output up to a cap per KPI "
            "rule; the sum of the caps is the most one authority could claim for a project year."
        ),
    ),
    "programmes": (N_("Programme participation and outcomes"), ""),
    "contract": (
        N_("Contract: targets, realisations and subsidy"),
        N_(
            "What the authority committed to per KPI rule of the call, what it reported as "
            "realised, and what that means in subsidy: committed = target × EUR per unit, "
            "earned = min(realised, target) × EUR per unit (the call withdraws subsidy for "
            "units not realised). Small realised person counts are suppressed."
        ),
    ),
    "limits": (N_("Limits"), ""),
    "provenance": (N_("Provenance"), ""),
}
"""Section key → (heading, introduction); message ids, translated when shown."""


def section_markdown(key: str) -> str:
    """Markdown heading (level 2) and introduction of section ``key``."""
    heading, intro = SECTIONS[key]
    text = f"## {_(heading)}"
    return f"{text}\n\n{_(intro)}" if intro else text


def opening_markdown(name: str, applicant: str, *, demo: bool, min_cell: int) -> str:
    """The report's opening for its reader: title, what it shows, for whom, the data."""
    title = _("Local authority report Plan Samenleven: {name}", name=name)
    shows = _(
        "This report describes {name} ({applicant}) for the Flemish Plan Samenleven: its "
        "population and how its composition changed, its age and sex structure, how it compares "
        "with Flanders and with similar authorities, whether it meets the call's threshold of "
        "residents of non-EU14 origin and how that depends on the threshold and the reference "
        "year, its fiscal income, and the most it could claim under the 2022 call.",
        name=name,
        applicant=applicant,
    )
    readers = _(
        "It is written for the local authority and its partnerships (IGS), for the agency that "
        "runs the call and for the policy makers who follow it."
    )
    data = (
        _(
            "The figures in this copy come from Demoland, a fictional, generated data set: they "
            "say nothing about any real municipality."
        )
        if demo
        else _(
            "The figures come from Statbel open data (population by nationality, age and sex; "
            "fiscal income) and from the configuration of the 2022 call on the Flemish "
            "local-authorities portal; each section names its source, and a section whose input "
            "has no public source says so."
        )
    )
    privacy = _(
        "Counts of fewer than {min_cell} persons are not shown, nor anything that would give "
        "them back.",
        min_cell=min_cell,
    )
    return f"# {title}\n\n{shows}\n\n{readers}\n\n{data} {privacy}"
