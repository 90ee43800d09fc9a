# %% [markdown]
# # Local authority report — Plan Samenleven
#
# One report per local authority (a municipality, or a partnership of municipalities applying
# together): its population and its composition over time, its age and sex structure, where
# it ranks against Flanders and similar municipalities, whether it meets the 7,500-resident
# rule and how that depends on the threshold and the year, its fiscal income, the most it
# could claim under the 2022 call, and what these data cannot show.
#
# `samenleven run --authorities eligible` (or `all`) makes one copy per authority; set
# `authority` (a REFNIS code or a partnership id) to make one by hand. Counts of persons
# below `min_cell` are shown as “<5”. Every section says which data it uses; a section whose
# input has no public source names the file that would fill it.

# %% tags=["parameters"]
from typing import Literal

# authority: REFNIS code of a municipality, or a partnership id
# year: reference year, residents on 1 January; None = the rule's year (2022)
# threshold: an authority qualifies with MORE than this many residents
# output_dir: folder for the report's PNG, SVG and CSV files; empty = display only
authority = "99016"
year: int | None = 2022  # range: 1990..2100
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
threshold: int = 7500  # range: 1..
vintage: Literal[2025, 2019, 2018] = 2025
min_cell: int = 5  # range: 1..
output_dir = ""

# %%
from samenleven_analysis.reports.authority_report import AuthorityReport
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()
report = AuthorityReport.build(ctx, authority, year=year, definition=definition, threshold=threshold,
                               vintage=vintage, min_cell=min_cell, output_dir=output_dir)

# %% [markdown]
# ## The authority at a glance

# %%
report.at_a_glance()

# %% [markdown]
# ## Population and its composition over time
#
# Residents by origin group (with an origin table) or by nationality (the open data), summed
# over the authority's municipalities, on the chosen municipality vintage.

# %%
report.composition()

# %% [markdown]
# ## Age and sex structure
#
# Residents by five-year age band and sex on 1 January of the reference year (or the nearest
# earlier year the data hold), Belgians and non-Belgians stacked.

# %%
report.pyramid()

# %% [markdown]
# ## Rank and benchmark
#
# Share of residents counted by the rule, pooled over each group: this authority, Flanders,
# and the five applicants most similar in size and share (nearest neighbours on standardised
# log population and share in the reference year).

# %%
report.benchmark()

# %% [markdown]
# ## Eligibility, margin and sensitivity
#
# An applicant qualifies with **more than** the threshold on 1 January of the reference year;
# the margin is count − threshold. The table shows the decision for every year in the data
# and for thresholds around 7,500.

# %%
report.eligibility()

# %% [markdown]
# ## Fiscal income per resident
#
# Net taxable income per resident (Statbel fiscal statistics), pooled over the members,
# against the similar authorities and Flanders.

# %%
report.income()

# %% [markdown]
# ## The most the authority could claim under the 2022 call
#
# The 2022 call (the consolidated regime) paid per unit of output up to a cap per KPI rule;
# the sum of the caps is the most one authority could claim for a project year.

# %%
report.subsidy()

# %% [markdown]
# ## Programme participation and outcomes

# %%
report.programmes()
report.outcomes()

# %% [markdown]
# ## Limits

# %%
report.limits()
report.files()

# %% [markdown]
# ## Provenance

# %%
ctx.provenance_cell(dict(authority=authority, year=year, definition=definition, threshold=threshold,
                         vintage=vintage, min_cell=min_cell))
