# %% [markdown] tags=["analyst-only"]
# # Synthetic control for one large city (analyst's notes; not in the published report)
#
# Every heading and sentence the report shows comes from
# `samenleven_analysis/reports/synthetic_control_report.py` (`SECTIONS`) and the message
# catalogs (`language`: `nl`, the default, or `en`); see docs/i18n.md. Cells tagged
# `analyst-only` are dropped from the HTML report.
#
# Parameters: `year` (reference year of the counts; None = the rule's year, or the nearest
# earlier year the data hold), `authority` (REFNIS code, or `auto` = the most populous funded
# authority, in Flanders when there is one; on real data the most populous Flemish
# municipality above `threshold` by the run's definition), `outcome`, `first_year`/`last_year`,
# `treatment_year` (None = the authority's first funded year; on real data a placebo year,
# default 2016), `definition`/`threshold` (to report the authority's position against the
# rule), `cluster` (not used: one treated unit), `estimators` (the first is the main analysis,
# the others are robustness checks without placebos: `demeaned`, `levels` (classic synthetic
# control), `optimised_v` (levels with pysyncon's nested predictor weighting; slow)),
# `language`.

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
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


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
report.section("title")
report.data_note()

# %%
report.section("main")
report.main_analysis()

# %%
report.variants()

# %%
report.section("verdict")
report.verdict()

# %%
params = dict(vintage=vintage, year=year, outcome=outcome, first_year=first_year,
              last_year=last_year, treatment_year=treatment_year, definition=definition,
              threshold=threshold,
              cluster=cluster, estimators=estimators, authority=authority, language=language)
ctx.provenance_cell(params)
