# %% [markdown] tags=["analyst-only"]
# # The threshold by regression discontinuity (analyst's notes; not in the published report)
#
# Every heading and sentence the report shows comes from
# `samenleven_analysis/reports/threshold_rdd_report.py` (`SECTIONS`) and the message catalogs
# (`language`: `nl`, the default, or `en`); see docs/i18n.md. Cells tagged `analyst-only` are
# dropped from the HTML report.
#
# Parameters: `year` (reference year of the counts; None = the rule's year, or the nearest
# earlier year the data hold), `outcome`, `first_year` (start of the before window; None =
# 2016), `last_year` (None = latest), `treatment_year` (None = the programme start: the before
# window ends the year before), `definition`, `threshold`, `cluster` (`municipality`: one
# observation per applicant, no clustering; `arrondissement`: cluster-robust RD variance by
# the applicant's arrondissement), `estimators` (`sharp`, `fuzzy`), `near_window` (±
# residents counted as "near" the cutoff), `language`.

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
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


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
report.section("title")
report.data_note()

# %%
report.section("support")
report.support_near_threshold()

# %%
report.section("estimates")
report.estimates_at_threshold()

# %%
report.section("checks")
report.validity_checks()

# %%
report.section("verdict")
report.verdict()

# %%
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, near_window=near_window, language=language)
ctx.provenance_cell(params)
