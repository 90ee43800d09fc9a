# %% [markdown]
# # Where do residents with migration roots live?
#
# Maps of the number or share of residents with migration roots per municipality, for two years
# side by side on **the same classes**, so that a change of colour is a change in the data.
# Authorities above the Plan Samenleven threshold (more than 7,500 residents of non-EU14 origin)
# are outlined.
#
# *Origin* follows the Plan Samenleven rule (`non_eu14`: EU13 + rest of Europe + outside Europe;
# variants `non_eu27`, `non_europe`). Statbel publishes no open origin table: on real open data
# this notebook falls back to **non-Belgian nationality** (`nationality_proxy`), which
# understates migration roots (Belgians of foreign origin are not counted), and says so below.
# On demo data (Demoland, fictional) it maps the origin groups.
#
# Parameters: `year`, `compare_year` (None = earliest year in the data), `vintage`
# (municipality boundaries 2018 / 2019 / 2025), `region` (flanders / brussels / belgium),
# `measure` (count / share), `definition`, `scheme` (quantiles / fisher_jenks / user_defined with
# `bins`), `k`, `highlight` ("eligible", a list of REFNIS codes, or ""), `min_cell` (smallest
# count shown), `figure_dir` (folder for PNG + SVG files; None = display only), `output_dir`
# (where a `samenleven run` puts the report's PNG, SVG and CSV files; empty = display only).

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
bins: list | None = None  # upper class bounds for scheme="user_defined" (shares as fractions)
highlight: str | list = "eligible"  # "eligible", REFNIS codes (list or "11002,44021"), or ""
min_cell: int = 5  # range: 1..
figure_dir = None  # folder for PNG + SVG files; None: display only
output_dir = ""
language: Literal["nl", "en"] = "en"  # nl: Dutch (nl_BE formats); en: English


# %%
from samenleven_analysis.reports.context import data_context
from samenleven_analysis.reports.migration_roots_map_report import MigrationRootsMapReport

ctx = data_context(vintage=vintage, language=language)
ctx.banner()
report = MigrationRootsMapReport.build(
    ctx, definition=definition, year=year, compare_year=compare_year, region=region,
    measure=measure, scheme=scheme, k=k, bins=bins, highlight=highlight, min_cell=min_cell,
    figure_dir=figure_dir, output_dir=output_dir,
)

# %% [markdown]
# ## Data
#
# Which definition and years the data allow (every substitution is printed).

# %%
report.data_notes()

# %%
report.join_notes()

# %% [markdown]
# ## Map
#
# Both panels share one classification computed from the pooled values of both years; classes empty in one year still appear in the legend. Hatched grey: no data, or fewer than `min_cell` residents.

# %%
report.map()

# %% [markdown]
# ## Top 20 municipalities
#
# By number and by share of residents, in the latest mapped year. Counts below `min_cell` read "<5" (and their share is not shown).

# %%
report.top_tables(n=20)

# %%
ctx.provenance_cell(dict(year=year, compare_year=compare_year, vintage=vintage, region=region,
                         measure=measure, definition=definition, scheme=scheme, k=k, bins=bins,
                         highlight=highlight, min_cell=min_cell, figure_dir=figure_dir,
                         language=language))
