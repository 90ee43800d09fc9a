# %% [markdown]
# # The 7,500 threshold: regression discontinuity
#
# Authorities with **more than 7,500 residents of non-EU14 origin** can be funded; those just
# below cannot (unless they pool with neighbours in a partnership). If authorities just above
# and just below the threshold are otherwise alike, comparing them estimates the effect of
# eligibility (*sharp* RD, an intention-to-treat) and — because not every eligible authority
# takes part and some partnerships join from below — of participation (*fuzzy* RD, the jump in
# outcomes divided by the jump in participation).
#
# The outcome of each applicant is its **change**: mean outcome in the years when all cohorts are
# funded minus the mean before 2022. Checks: the **first stage** (does participation really jump
# at 7,500? — the fuzzy fit's own first stage, with a weak-instrument-robust Anderson–Rubin
# test), the **density** of log(count) (do authorities sort just above it?),
# **covariate balance** (pre-period level and size should not jump), and **placebo cutoffs**.
#
# **Honest limits.** Flanders has few authorities near 7,500, so local estimates rest on a
# handful of authorities: the notebook warns when fewer than 10 lie within `near_window` on
# either side, and the verdict is then descriptive only. The open data hold no outcomes after
# the plan started and no funding table: on real data this notebook shows only what the real
# counts can show — the **support** (how many authorities lie near the threshold) and the
# **density** of log(count) — and names the files that would allow estimates. Demo runs show
# the full method on Demoland.
#
# Parameters: `year` (reference year of the counts; None = the rule's year, or the nearest
# earlier year the data hold), `outcome`, `first_year` (start of the before window; None = 2016), `last_year`
# (None = latest), `treatment_year` (None = 2022: the before window ends the year before),
# `definition`, `threshold`, `cluster` (`municipality`: one observation per applicant, no
# clustering; `arrondissement`: cluster-robust RD variance by the applicant's arrondissement),
# `estimators` (`sharp`, `fuzzy`), `near_window` (± residents counted as "near" the cutoff).

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
cluster: Literal["municipality", "arrondissement"] = "municipality"
estimators: list[Literal["sharp", "fuzzy"]] = ["sharp", "fuzzy"]
near_window = 750  # range: 1..
language: Literal["nl", "en"] = "en"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage, language=language)
ctx.banner()

# %%
from samenleven_analysis.reports.threshold_rdd_report import ThresholdRDDReport

report = ThresholdRDDReport.build(ctx, outcome=outcome, first_year=first_year,
                                  last_year=last_year, treatment_year=treatment_year,
                                  definition=definition, threshold=threshold, cluster=cluster,
                                  estimators=estimators, near_window=near_window, year=year)
report.data_note()

# %% [markdown]
# ## How many authorities lie near the threshold?

# %%
report.support_near_threshold()

# %% [markdown]
# ## Estimates at the threshold, and the fuzzy fit's first stage
#
# rdrobust reports the conventional local-linear estimate with a *robust bias-corrected*
# interval (Calonico, Cattaneo & Titiunik 2014). The fuzzy estimate divides the jump in outcomes
# by the jump in participation *at the same bandwidth*: its own first stage is shown. When that
# first stage is uncertain the fuzzy interval is unreliable; the Anderson–Rubin test (the
# reduced-form jump of the outcome) stays valid with a weak first stage.

# %%
report.estimates_at_threshold()

# %% [markdown]
# ## Checks: density, covariate balance, placebo cutoffs
#
# *Density* (rddensity) on the **log** of the count: on the raw, very skewed count the test
# mistakes the steep slope for bunching. *Balance*: the outcome level before 2022 and the total
# population should not jump at the threshold. *Placebo cutoffs*: fake thresholds (using only
# authorities on one side of the real one) should show no jump. Balance and placebo cutoffs need
# the outcome table; without it only the density test runs.

# %%
report.validity_checks()

# %% [markdown]
# ## Verdict

# %%
report.verdict()

# %%
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, near_window=near_window, language=language)
ctx.provenance_cell(params)
