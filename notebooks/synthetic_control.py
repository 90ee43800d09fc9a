# %% [markdown]
# # One large city: synthetic control
#
# A large city is not like the average municipality, so a comparison with "the others" says
# little about it. A **synthetic control** (Abadie, Diamond & Hainmueller 2010) builds a
# weighted mix of never-funded authorities whose outcome tracked the city's before funding
# started; after the start, the gap between the city and its synthetic twin estimates the effect.
#
# A large city often lies *outside* the range of smaller authorities (its level is higher or
# lower than any mix of them can reach). The default therefore matches **deviations from each
# authority's own pre-funding mean** (the *demeaned* synthetic control: levels may differ, paths
# must match); the classic version in levels is shown next to it, with its fit.
#
# Inference uses **in-space placebos**: every donor is treated as if it had been funded, and the
# city's post/pre fit ratio is ranked among them (p-value). With *N* donors the smallest possible
# p-value is 1/(N+1). An approximate interval uses the spread of the donors' placebo effects.
#
# **Real data.** The open data hold no outcomes after the plan started and no funding table. On
# real data this notebook therefore runs as a **pre-period check only**: fiscal income per
# resident (2005–2020) of the authority (`auto`: the most populous Flemish municipality above
# `threshold` by the run's definition — the nationality proxy without an origin table) against
# a synthetic control of the 30 most populous Flemish municipalities below the threshold, with
# a *placebo* start year (`treatment_year`, default 2016). It cannot and does not estimate an effect of the plan.
# Demo runs show the full method on Demoland.
#
# Parameters: `year` (reference year of the counts; None = the rule's year, or the nearest
# earlier year the data hold), `authority` (REFNIS code, or `auto` = the most populous funded authority, in
# Flanders when there is one), `outcome`, `first_year`/`last_year`, `treatment_year` (None = the
# authority's first funded year), `definition`/`threshold` (to report the authority's position
# against the rule), `cluster` (not used: one treated unit), `estimators` (the first is the main
# analysis, the others are robustness checks without placebos: `demeaned`, `levels` (classic
# synthetic control), `optimised_v` (levels with pysyncon's nested predictor weighting; slow)).

# %% tags=["parameters"]
from typing import Literal

vintage = 2025
year: int | None = None  # range: 2000..2030
outcome = "employment_rate"
first_year: int | None = None  # range: 2005..2030
last_year: int | None = None  # range: 2005..2030
treatment_year: int | None = None  # range: 2006..2030
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
threshold = 7500  # range: 1..
cluster: Literal["municipality"] = "municipality"
estimators: list[Literal["demeaned", "levels", "optimised_v"]] = ["demeaned", "levels"]
authority = "auto"
language: Literal["nl", "en"] = "en"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage, language=language)
ctx.banner()

# %%
from samenleven_analysis.reports.synthetic_control_report import SyntheticControlReport

report = SyntheticControlReport.build(ctx, outcome=outcome, first_year=first_year,
                                      last_year=last_year, treatment_year=treatment_year,
                                      definition=definition, threshold=threshold,
                                      authority=authority, estimators=estimators, year=year)
report.data_note()

# %% [markdown]
# ## Synthetic control and in-space placebos

# %%
report.main_analysis()

# %%
report.variants()

# %% [markdown]
# ## Verdict

# %%
report.verdict()

# %%
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, authority=authority, language=language)
ctx.provenance_cell(params)
