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
# count shown), `figure_dir` (folder for PNG + SVG files; None = display only).

# %% tags=["parameters"]
year = 2024
compare_year = None  # None: the earliest year in the data
vintage = 2025
region = "flanders"
measure = "share"
definition = "non_eu14"
scheme = "quantiles"
k = 5
bins: list | None = None  # upper class bounds for scheme="user_defined" (shares as fractions)
highlight: str | list = "eligible"  # "eligible", REFNIS codes (list or "11002,44021"), or ""
min_cell = 5
figure_dir = None  # folder for PNG + SVG files; None: display only

# %%
from samenleven_analysis.reports import figures
from samenleven_analysis.reports import migration_roots
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()

# %% [markdown]
# ## Data
#
# Which definition and years the data allow (every substitution is printed).

# %%
from samenleven_analysis.data import boundaries as geo
from samenleven_analysis.reports import maps

inputs = migration_roots.prepare_inputs(ctx, definition=definition, year=year, compare_year=compare_year, region=region)
inputs.print_notes()

# %%
boundaries = geo.load_boundaries(vintage, region, demo=ctx.demo, data_dir=ctx.data_dir)
migration_roots.record_boundaries(ctx, boundaries)
panels, reports = migration_roots.map_panels(boundaries, inputs, measure, min_cell=min_cell)
for label, report in reports.items():
    print(f"{label}: {report.summary()}")

# %% [markdown]
# ## Map
#
# Both panels share one classification computed from the pooled values of both years; classes empty in one year still appear in the legend. Hatched grey: no data, or fewer than `min_cell` residents.

# %%
codes, highlight_label = migration_roots.highlight_codes(highlight, ctx, inputs)
print(f"{len(codes)} authorities highlighted ({highlight_label}).")
caption = ctx.caption(
    year=" vs ".join(str(y) for y in inputs.years),
    definition=inputs.definition,
    extra=f"{inputs.region_label}; classes: {scheme}, pooled over both years",
)
fig = migration_roots.migration_roots_figure(
    panels, inputs, measure, caption=caption, scheme=scheme, k=k, bins=bins,
    highlight=codes, highlight_label=highlight_label, min_cell=min_cell,
)
figures.show(fig)
if figure_dir:
    png, svg = figures.save(fig, f"{figure_dir}/migration_roots_{inputs.definition}_{measure}_{'_'.join(map(str, inputs.years))}")
    print(f"saved {png.name} and {svg.name}")

# %% [markdown]
# ## Top 20 municipalities
#
# By number and by share of residents, in the latest mapped year. Counts below `min_cell` read "<5" (and their share is not shown).

# %%
migration_roots.top_table(inputs, boundaries, by="count", n=20, min_cell=min_cell)

# %%
migration_roots.top_table(inputs, boundaries, by="share", n=20, min_cell=min_cell)

# %%
ctx.provenance_cell(dict(year=year, compare_year=compare_year, vintage=vintage, region=region,
                         measure=measure, definition=definition, scheme=scheme, k=k, bins=bins,
                         highlight=highlight, min_cell=min_cell, figure_dir=figure_dir))
