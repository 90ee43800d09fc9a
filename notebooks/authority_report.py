# %% [markdown] tags=["analyst-only"]
# # Local authority report — Plan Samenleven (analyst's notes; not in the published report)
#
# One report per local authority (a municipality, or a partnership of municipalities applying
# together). `samenleven run --authorities eligible` (or `all`) makes one copy per authority;
# set `authority` (a REFNIS code or a partnership id) to make one by hand, and `language`
# (`nl`, the default, or `en`) for the report's language. Counts of persons below `min_cell`
# are suppressed (the provenance cell states the value used). The reader's opening, the
# section headings and every sentence come from the package (message catalogs in
# `samenleven_analysis/locale/`); see docs/notebooks.md. Cells tagged `analyst-only` are
# dropped from the HTML report.

# %% tags=["parameters"]
from typing import Literal

# authority: REFNIS code of a municipality, or a partnership id
# year: reference year, residents on 1 January; None = the rule's year (2022)
# threshold: an authority qualifies with MORE than this many residents
# output_dir: folder for the report's PNG, SVG and CSV files; empty = display only
# language: language of the report (nl: Dutch, nl_BE formats; en: English)
authority = "99016"
year: int | None = 2022  # range: 1990..2100
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
threshold: int = 7500  # range: 1..
vintage: Literal[2025, 2019, 2018] = 2025
min_cell: int = 5  # range: 1..
output_dir = ""
language: Literal["nl", "en"] = "nl"

# %%
from samenleven_analysis.reports.authority_report import AuthorityReport
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage, language=language)
report = AuthorityReport.build(ctx, authority, year=year, definition=definition, threshold=threshold,
                               vintage=vintage, min_cell=min_cell, output_dir=output_dir)

# %%
report.opening()
ctx.banner()

# %%
report.section("glance")
report.at_a_glance()

# %%
report.section("composition")
report.composition()

# %%
report.section("pyramid")
report.pyramid()

# %%
report.section("benchmark")
report.benchmark()

# %%
report.section("eligibility")
report.eligibility()

# %%
report.section("income")
report.income()

# %%
report.section("subsidy")
report.subsidy()

# %%
report.section("programmes")
report.programmes()
report.outcomes()

# %%
report.section("contract")
report.contract()

# %%
report.section("limits")
report.limits()
report.files()

# %%
report.section("provenance")
ctx.provenance_cell(dict(authority=authority, year=year, definition=definition, threshold=threshold,
                         vintage=vintage, min_cell=min_cell, language=language))
