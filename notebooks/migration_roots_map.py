# %% [markdown] tags=["analyst-only"]
# # Where do residents with migration roots live? (analyst's notes; not in the published report)
#
# Maps of the number or share of residents with migration roots per municipality, two years
# side by side on the same classes; authorities above the threshold outlined. On the open data
# (no origin table) the report falls back to non-Belgian nationality (`nationality_proxy`) and
# says so. Every heading and sentence the report shows comes from
# `samenleven_analysis/reports/migration_roots_map_report.py` and the message catalogs
# (`language`: `nl`, the default, or `en`); see docs/i18n.md. Cells tagged `analyst-only` are
# dropped from the HTML report.
#
# Parameters: `year`, `compare_year` (None = earliest year in the data), `vintage`
# (municipality boundaries 2018 / 2019 / 2025), `region` (flanders / brussels / belgium),
# `measure` (count / share), `definition`, `scheme` (quantiles / fisher_jenks / user_defined with
# `bins`), `k`, `highlight` ("eligible", a list of REFNIS codes, or ""), `min_cell` (smallest
# count shown), `figure_dir` (folder for PNG + SVG files; None = display only), `output_dir`
# (where a `samenleven run` puts the report's PNG, SVG and CSV files; empty = display only),
# `language`.

# %% tags=["parameters"]
from typing import Literal

year: int = 2024  # range: 1990..2100
compare_year: int | None = None  # range: 1990..2100
vintage: Literal[2025, 2019, 2018] = 2025
region: Literal["flanders", "brussels", "flanders_brussels", "wallonia", "belgium"] = "flanders"
measure: Literal["count", "share"] = "share"
definition: Literal["non_eu14", "non_eu27", "non_europe", "nationality_proxy"] = "non_eu14"
scheme: Literal["quantiles", "fisher_jenks", "user_defined"] = "quantiles"
k: int = 5  # range: 2..9
bins: list | None = None  # upper class bounds when the scheme is user_defined (shares as fractions)
highlight: str | list = "eligible"  # "eligible", REFNIS codes (list or "11002,44021"), or ""
min_cell: int = 5  # range: 1..
figure_dir = None  # folder for PNG + SVG files; None: display only
output_dir = ""
language: Literal["nl", "en"] = "nl"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context
from samenleven_analysis.reports.migration_roots_map_report import MigrationRootsMapReport

ctx = data_context(vintage=vintage, language=language)
report = MigrationRootsMapReport.build(
    ctx, definition=definition, year=year, compare_year=compare_year, region=region,
    measure=measure, scheme=scheme, k=k, bins=bins, highlight=highlight, min_cell=min_cell,
    figure_dir=figure_dir, output_dir=output_dir,
)

# %%
report.section("title")
ctx.banner()

# %%
report.section("data")

# %%
report.data_notes()

# %%
report.section("map")

# %%
report.map()

# %%
report.section("top")

# %%
report.top_tables()
report.links()

# %%
ctx.provenance_cell(dict(year=year, compare_year=compare_year, vintage=vintage, region=region,
                         measure=measure, definition=definition, scheme=scheme, k=k, bins=bins,
                         highlight=highlight, min_cell=min_cell, figure_dir=figure_dir,
                         language=language))
