# %% [markdown] tags=["analyst-only"]
# # Difference-in-differences and event study (analyst's notes; not in the published report)
#
# Every heading and sentence the report shows comes from
# `samenleven_analysis/reports/impact_did_report.py` (`SECTIONS`) and the message catalogs
# (`language`: `nl`, the default, or `en`); see docs/i18n.md. Cells tagged `analyst-only` are
# dropped from the HTML report. On the real data (no outcome or funding table) the report runs
# as a pre-period check on fiscal income at a placebo year (`treatment_year`, default 2016).
#
# Parameters: `year` (reference year of the counts that define the groups; None = the rule's
# year, or the nearest earlier year the data hold), `outcome`, `first_year`/`last_year` (None =
# all years), `treatment_year` (None = each authority's cohort; a year = common timing for
# everyone, e.g. a placebo year), `definition` and `threshold` (the eligibility rule, for the
# pre-period check), `cluster` (`municipality`, `arrondissement` or `province`: level of the
# clustered standard errors), `estimators` (any of `event_study`, `callaway_santanna`, `twfe`,
# `synthetic_did`), `language`.

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
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


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
report.section("title")

# %%
report.section("data")
report.data_and_groups()

# %%
report.group_means_figure()

# %%
report.section("event_study")
report.event_study()

# %%
report.section("average")
report.average_effect()

# %%
report.section("sensitivity")
report.sensitivity()

# %%
report.section("placebos")
report.placebos()

# %%
report.section("outcomes")
report.several_outcomes()

# %%
report.section("power")
report.power()

# %%
report.section("verdict")
report.verdict()

# %%
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, language=language)
ctx.provenance_cell(params)
