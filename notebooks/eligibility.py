# %% [markdown] tags=["analyst-only"]
# # Eligibility under the Plan Samenleven threshold (analyst's notes; not in the published report)
#
# Applies the call's rule (more than the threshold of residents of non-EU14 origin, alone or
# pooled in a partnership) to the data: the qualifying list, a map, coverage against the
# announcement's claim, sensitivity to threshold, definition and year. Every heading and
# sentence the report shows comes from `samenleven_analysis/reports/eligibility_report.py` and
# the message catalogs (`language`: `nl`, the default, or `en`); see docs/i18n.md. Cells
# tagged `analyst-only` are dropped from the HTML report.
#
# Parameters: `threshold`, `definition`, `year` (None = the rule's reference year, or the
# nearest earlier year the data hold), `vintage` (municipality list), `inclusive` (count `>=`
# instead of `>`), `partnerships_file` (CSV `partnership_id,name,refnis`; empty = the
# partnerships table of the build, if any), `min_cell` (small-cell suppression),
# `sensitivity_step`, `output_dir` (folder for PNG, SVG and CSV files; empty = display only),
# `language`.

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
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context
from samenleven_analysis.reports.eligibility_report import EligibilityReport

ctx = data_context(vintage=vintage, language=language)
report = EligibilityReport.build(
    ctx, threshold=threshold, definition=definition, year=year, inclusive=inclusive,
    partnerships_file=partnerships_file, min_cell=min_cell, output_dir=output_dir,
    sensitivity_step=sensitivity_step,
)

# %%
report.section("title")
ctx.banner()

# %%
report.data_note()

# %%
report.section("list")

# %%
report.eligible_list()

# %%
report.section("near")

# %%
report.near()

# %%
report.section("map")

# %%
report.map()

# %%
report.section("coverage")

# %%
report.coverage()

# %%
report.section("sensitivity")

# %%
report.sensitivity_results()

# %%
report.section("facts")

# %%
report.facts()
report.links()

# %%
ctx.provenance_cell(dict(
    threshold=threshold, definition=definition, year=year, vintage=vintage, inclusive=inclusive,
    partnerships_file=partnerships_file, min_cell=min_cell, sensitivity_step=sensitivity_step,
    language=language,
))
