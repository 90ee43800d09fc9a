# %% [markdown] tags=["analyst-only"]
# # The programme design (analyst's notes; not in the published report)
#
# The official 2022 call (objectives, actions, KPI caps, the most one authority could claim)
# against the announcement, and the fragmented-versus-consolidated comparison when a
# programme table is supplied (otherwise the published counts). Every heading and sentence the
# report shows comes from `samenleven_analysis/reports/programme_consolidation_report.py` and
# the message catalogs (`language`: `nl`, the default, or `en`); see docs/i18n.md. Cells
# tagged `analyst-only` are dropped from the HTML report.
#
# Parameters: `vintage`, `threshold`, `definition`, `year` (reference year of the eligibility
# rule; None = the rule's year 2022, or the nearest earlier year the data hold), `inclusive`,
# `min_cell`, `output_dir` (folder for PNG, SVG and CSV files; empty = display only),
# `language`.

# %% tags=["parameters"]
from typing import Literal

vintage: Literal[2025, 2019, 2018] = 2025
threshold: int = 7500  # range: 1..
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
year: int | None = None  # range: 1990..2100
inclusive = False
min_cell: int = 5  # range: 1..
output_dir = ""
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context
from samenleven_analysis.reports.programme_consolidation_report import ProgrammeConsolidationReport

ctx = data_context(vintage=vintage, language=language)
report = ProgrammeConsolidationReport.build(
    ctx, threshold=threshold, definition=definition, year=year, inclusive=inclusive,
    min_cell=min_cell, output_dir=output_dir,
)

# %%
report.section("title")
ctx.banner()

# %%
report.section("call")

# %%
report.call_overview()

# %%
report.rules_table()

# %%
report.section("caps")

# %%
report.caps()

# %%
report.section("announcement")

# %%
report.against_announcement()

# %%
report.call_facts()

# %%
report.section("regimes")

# %%
report.eligibility_note()

# %%
report.regimes()

# %%
report.per_year()

# %%
report.section("reading")

# %%
report.links()

# %%
ctx.provenance_cell(dict(vintage=vintage, threshold=threshold, definition=definition, year=year,
                         inclusive=inclusive, min_cell=min_cell, language=language))
