# %% [markdown]
# # Who qualifies for Plan Samenleven? The 7,500 rule
#
# Plan Samenleven funds local authorities with **more than 7,500 residents of non-EU14
# origin**; smaller authorities may pool their residents in a partnership (IGS) and apply
# together. This notebook applies the rule to the data, maps the result, measures how much of
# the target population the qualifying authorities hold (the announcement claimed "almost two
# thirds"), and shows how the list changes when the threshold, the origin definition or the
# reference year change.
#
# Parameters: `threshold`, `definition`, `year` (None = the rule's reference year, or the
# nearest earlier year the data hold), `vintage` (municipality list), `inclusive` (count `>=`
# instead of `>`), `partnerships_file` (CSV `partnership_id,name,refnis`; empty = the
# partnerships table of the build, if any), `min_cell` (small-cell suppression),
# `sensitivity_step`, `output_dir` (folder for PNG, SVG and CSV files; empty = display only).

# %% tags=["parameters"]
from typing import Literal

threshold: int = 7500  # range: 1..
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
year: int | None = None  # range: 1990..2100
vintage: Literal[2025, 2019, 2018] = 2025
inclusive = False
partnerships_file = ""
min_cell: int = 5  # range: 1..
sensitivity_step: int = 500  # range: 1..
output_dir = ""
language: Literal["nl", "en"] = "en"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context
from samenleven_analysis.reports.eligibility_report import EligibilityReport

ctx = data_context(vintage=vintage, language=language)
ctx.banner()
report = EligibilityReport.build(ctx, threshold=threshold, definition=definition, year=year,
                                 inclusive=inclusive, partnerships_file=partnerships_file,
                                 min_cell=min_cell, output_dir=output_dir)
report.data_note()

# %% [markdown]
# ## The qualifying list
#
# One row per applicant (a municipality alone, or a partnership pooling its members). An
# applicant qualifies when its count is **more than** the threshold (`inclusive=True`: at least
# the threshold). Person counts below `min_cell` are suppressed, together with whatever would
# reveal them.

# %%
report.eligible_list()

# %% [markdown]
# Applicants within ±500 of the threshold: small changes in the data, the reference year or
# the definition move them across the line.

# %%
report.near(band=500)

# %% [markdown]
# ## Map
#
# Municipalities shaded by their count; members of qualifying applicants (alone or pooled) are
# outlined. Class bounds are placed around the threshold.

# %%
report.map()

# %% [markdown]
# ## Coverage
#
# The share of all residents counted by the rule in Flanders who live in a qualifying
# applicant. The announcement of 20 October 2021 claimed "almost two thirds".

# %%
report.coverage()

# %% [markdown]
# ## Sensitivity: threshold, definition and year
#
# How many applicants qualify for thresholds from 5,000 to 10,000, for every definition the
# data support and the most recent years up to the reference year; the second table lists the
# applicants that enter or leave relative to the 7,500 baseline of the same definition and year.

# %%
sens = report.sensitivity(step=sensitivity_step)
report.sensitivity_table(sens)
report.moves(sens)
report.sensitivity_figure(sens)

# %% [markdown]
# ## The rule and its sources
#
# The policy facts this notebook relies on, from the package's reference facts; where sources
# disagree the other values are listed.

# %%
report.facts()
report.publisher.links()

# %%
ctx.provenance_cell(dict(
    threshold=threshold, definition=definition, year=year, vintage=vintage, inclusive=inclusive,
    partnerships_file=partnerships_file, min_cell=min_cell, sensitivity_step=sensitivity_step,
    language=language,
))
