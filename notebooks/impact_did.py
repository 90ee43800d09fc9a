# %% [markdown]
# # Did funded authorities change? Difference-in-differences and event study
#
# From **1 October 2022** Plan Samenleven funds local authorities with more than **7,500
# residents of non-EU14 origin** through a consolidated regime of 24 projects; authorities
# joined in the project years 2022, 2023 or 2024 (*cohorts*). This notebook compares outcomes
# of funded authorities before and after their first funded project year with those of
# authorities that were not (yet) funded:
#
# 1. **event study**: the gap between funded and comparison authorities year by year, with a
#    joint test of the years *before* funding (if they already differ, the comparison is doubtful);
#    (two-way fixed effects and the heterogeneity-robust two-stage estimator, end points binned);
# 2. **staggered ATT** (Callaway & Sant'Anna 2021): the average effect over cohorts, robust to
#    effects that differ between cohorts, with inference chosen by the *few-treated rule*
#    (randomisation inference when fewer than 10 clusters are treated); two-way fixed effects
#    and synthetic difference-in-differences beside it;
# 3. **sensitivity** (HonestDiD): how far parallel trends may fail before the effect vanishes;
# 4. **placebo checks**: fake treatment years before 2022, and an outcome the plan cannot change;
# 5. **several outcomes**: p-values corrected for testing several outcomes at once;
# 6. **power by simulation**: effects planted in the real pre-programme years (MDE, power curve);
# 7. a **verdict** in plain words that says no more than the data allow.
#
# **Real data.** No public outcome or funding table exists yet, and Statbel's fiscal income
# (2005–2020) ends before the plan started. On the real data this notebook therefore runs as a
# **pre-period check only**: fiscal income per resident of *proxy-eligible* Flemish
# municipalities (more than `threshold` non-Belgian residents — nationality understates origin)
# versus the other Flemish municipalities, with a *placebo* treatment year (`treatment_year`,
# default 2016). It cannot and does not estimate an effect of the plan. With Demoland (demo)
# data, or a user-supplied `outcomes.csv` and `treatment.csv`, it runs the full design.
#
# Parameters: `year` (reference year of the counts that define the groups; None = the rule's
# year, or the nearest earlier year the data hold), `outcome`, `first_year`/`last_year` (None = all years), `treatment_year` (None =
# each authority's cohort; a year = common timing for everyone, e.g. a placebo year),
# `definition` and `threshold` (the eligibility rule, for the pre-period check), `cluster`
# (`municipality`, `arrondissement` or `province`: level of the clustered standard errors),
# `estimators` (any of `event_study`, `callaway_santanna`, `twfe`, `synthetic_did`).

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
cluster: Literal["municipality", "arrondissement", "province"] = "municipality"
estimators: list[Literal["event_study", "callaway_santanna", "twfe", "synthetic_did"]] = [
    "event_study", "callaway_santanna", "twfe", "synthetic_did"]
language: Literal["nl", "en"] = "en"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage, language=language)
ctx.banner()

# %%
from samenleven_analysis.reports.impact_did_report import ImpactDidReport

report = ImpactDidReport.build(ctx, outcome=outcome, first_year=first_year, last_year=last_year,
                               treatment_year=treatment_year, definition=definition,
                               threshold=threshold, cluster=cluster, estimators=estimators,
                               year=year)

# %% [markdown]
# ## Data and groups

# %%
report.data_and_groups()

# %%
report.group_means_figure()

# %% [markdown]
# ## Event study and pre-trend test
#
# Each dot is the difference between the groups in a year relative to the first treated year,
# compared with the year just before (−1); years before −5 and after +3 are binned into the end
# points. Two estimators: plain two-way fixed effects, and the two-stage estimator (Gardner 2021),
# which stays unbiased when effects differ between cohorts. Dots left of the dashed line should
# hover around zero: the joint test asks whether they are all zero (wild cluster bootstrap for
# TWFE, because the usual Wald test over-rejects with many years and few clusters).

# %%
report.event_study()

# %% [markdown]
# ## Average effect: staggered ATT, two-way fixed effects, synthetic DiD
#
# Callaway & Sant'Anna compare each cohort with never-funded authorities only. **Few-treated
# rule**: with at least 10 treated and 10 untreated clusters the interval is the analytic
# cluster-robust one; with fewer, the p-value *and* the interval come from randomisation
# inference (funding reassigned among authorities, 999 times); with one or two treated clusters
# a warning says that only the random-assignment assumption carries the inference. A result
# without valid inference is shown with an empty interval and a note, never as 0 ± 0.

# %%
report.average_effect()

# %% [markdown]
# ## Sensitivity to violations of parallel trends (HonestDiD)
#
# Rambachan & Roth (2023): allow the difference in trends to bend by up to *M* per year
# (M = 0: the pre-trend continues in a straight line) and recompute the interval of the average
# post-period effect. The *breakdown value* is the smallest M at which the interval includes zero.

# %%
report.sensitivity()

# %% [markdown]
# ## Placebo checks
#
# *Fake treatment years*: the same comparison on years before the (placebo) start only, as if
# funding had begun earlier. *Placebo outcome*: an outcome the plan cannot change (Demoland's
# rainfall). Intervals far from zero mean the comparison group is not a good stand-in.

# %%
report.placebos()

# %% [markdown]
# ## Several outcomes
#
# Testing several outcomes makes a "significant" one more likely by chance. Adjusted p-values
# control the chance of any false finding: Romano–Wolf when all estimates share one
# randomisation distribution, otherwise Holm.

# %%
report.several_outcomes()

# %% [markdown]
# ## Power by simulation
#
# Effects of known size are planted in the real pre-programme years of the same authorities
# (their cohort pattern shifted back, comparison authorities resampled), and the same estimator
# with the same inference rule is run each time. The minimum detectable effect (MDE) is the
# smallest planted effect found in 80% of draws.

# %%
report.power()

# %% [markdown]
# ## Verdict

# %%
report.verdict()

# %%
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, language=language)
ctx.provenance_cell(params)
