# %% [markdown]
# # The programme design: the official 2022 call, and from 380 projects to 24
#
# Before Plan Samenleven, Flemish funding for living together in diversity went to **380
# projects and 413 trainings**; from 1 October 2022 it was consolidated into the Plan's
# actions, each carried out by many local authorities over three project years
# (October–September, 2022–2024). This notebook shows:
#
# - the official 2022 call as configured on the Flemish local-authorities portal: its
#   objectives, actions and KPI caps, and the most one authority could claim per objective
#   and in total, against the announced 33 M EUR for 28 authorities and 24 projects;
# - the two regimes compared (size, reach, concentration of money, the share going to
#   authorities that meet the 7,500 rule) when a programme table is supplied; otherwise the
#   published counts.
#
# Parameters: `vintage`, `threshold`, `definition`, `year` (reference year of the eligibility
# rule; None = the rule's year 2022, or the nearest earlier year the data hold), `inclusive`,
# `min_cell`, `output_dir` (folder for PNG, SVG and CSV files; empty = display only).

# %% tags=["parameters"]
from typing import Literal

vintage: Literal[2025, 2019, 2018] = 2025
threshold: int = 7500  # range: 1..
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
year: int | None = None  # range: 1990..2100
inclusive = False
min_cell: int = 5  # range: 1..
output_dir = ""
language: Literal["nl", "en"] = "en"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context
from samenleven_analysis.reports.programme_consolidation_report import ProgrammeConsolidationReport

ctx = data_context(vintage=vintage, language=language)
ctx.banner()
report = ProgrammeConsolidationReport.build(
    ctx, threshold=threshold, definition=definition, year=year, inclusive=inclusive,
    min_cell=min_cell, output_dir=output_dir,
)

# %% [markdown]
# ## The 2022 call
#
# The call's configuration is a series of SPARQL migrations, replayed in file-name order
# (`samenleven build` writes the `call_rules` table). One row per KPI rule: an objective, an
# action, a unit of output, the most units paid for and the amount per unit.

# %%
report.call_overview()
report.rules_table()

# %% [markdown]
# ## The most one authority could claim
#
# Per objective, the sum of its KPI caps (maximum units × amount per unit); the total is the
# most one qualifying authority could claim for one project year.

# %%
report.caps()

# %% [markdown]
# ## The call against the announcement
#
# The announcement of 20 October 2021 promised 33 M EUR for 28 authorities and 24 projects.

# %%
report.against_announcement()
report.call_facts()

# %% [markdown]
# ## Before and after: fragmented versus consolidated
#
# A *project* is one `project_id` in the fragmented regime and one action (`programme`) in
# the consolidated regime; a *grant* is one row (an authority's part of a project in one
# project year). Concentration is measured over recipient authorities.

# %%
report.eligibility_note()
report.regimes()
report.per_year()

# %% [markdown]
# ## Reading the comparison
#
# - *Fewer, larger projects*: consolidation divides the money over far fewer projects, so the
#   budget and reach per project rise by construction; budget per participant is the figure
#   that says whether reaching a person became cheaper or dearer.
# - *Concentration*: HHI and Gini over authorities show whether the money moved into fewer
#   hands; the share going to qualifying authorities shows how much the 7,500 rule steers it.
# - *The call's caps* bound what an authority could receive; what authorities actually
#   received needs the programme table.

# %%
report.publisher.links()
ctx.provenance_cell(dict(vintage=vintage, threshold=threshold, definition=definition, year=year,
                         inclusive=inclusive, min_cell=min_cell, language=language))
