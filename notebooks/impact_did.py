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
power_draws = 40  # range: 5..2000
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


# %% tags=[]
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage, language=language)
ctx.banner()

# %% tags=[]
from samenleven_analysis.reports.impact_did_report import ImpactDidReport

report = ImpactDidReport.build(ctx, outcome=outcome, first_year=first_year, last_year=last_year,
                               treatment_year=treatment_year, definition=definition,
                               threshold=threshold, cluster=cluster, estimators=estimators,
                               year=year, power_draws=power_draws)
report.section("title")

# %% tags=[]
report.section("data")
report.data_and_groups()

# %% tags=[]
report.group_means_figure()

# %% tags=[]
report.section("event_study")
report.event_study()

# %% tags=[]
report.section("average")
report.average_effect()

# %% tags=[]
report.section("sensitivity")
report.sensitivity()

# %% tags=[]
report.section("placebos")
report.placebos()

# %% tags=[]
report.section("outcomes")
report.several_outcomes()

# %% tags=[]
report.section("power")
report.power()

# %% tags=[]
report.section("verdict")
report.verdict()

# %% tags=[]
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, language=language)
ctx.provenance_cell(params)
