# %% [markdown]
# # From 380 projects to 24: fragmented versus consolidated funding
#
# Before Plan Samenleven, Flemish funding for living together in diversity went to **380
# projects and 413 trainings**; from 1 October 2022 it was consolidated into **24 projects**
# (the Plan's actions), each carried out by many local authorities over three project years
# (October–September, 2022–2024). This notebook compares the two regimes on the programme
# table (`schemas.PROGRAMMES`: one row per project or per authority's part of a project in a
# project year):
#
# - size: number of projects, budget per project, per grant and per participant;
# - reach: total participants and the median per project and per grant;
# - concentration of money over recipient authorities (HHI, Gini, share of the five largest)
#   and the share going to authorities that meet the 7,500 rule.
#
# Parameters: `vintage`, `threshold`, `definition`, `year` (reference year of the eligibility
# rule; None = the rule's reference year 2022 when the data have it, else the latest),
# `inclusive`, `min_cell`.

# %% tags=["parameters"]
vintage = 2025
threshold = 7500
definition = "non_eu14"
year: int | None = None
inclusive = False
min_cell = 5

# %%
from samenleven_analysis.reports import figures
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()

# %%
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.analysis import eligibility
from samenleven_analysis.reports import maps
from samenleven_analysis.analysis import programmes
from samenleven_analysis.reports.context import load_consistent

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the fallback is announced below, in plain words
    table = ctx.load("programmes", fallback_demo=True)
programmes.validate(table)
demo_side = "programmes" in ctx.demo_tables and not ctx.built_demo
if ctx.built_demo or demo_side:
    display(Markdown(
        "> **DEMO programme table.** No public file lists the funded projects of both regimes, so "
        "the table below is **Demoland (fictional) data** generated to the published totals "
        "(380 projects and 413 trainings; 24 projects; about 14.1 / 16.9 / 17.0 M EUR per project "
        "year). The numbers illustrate the method; they are not findings about Flanders. Supply "
        "`programmes.csv` (columns of `schemas.PROGRAMMES`) for a real analysis."
    ))
else:
    display(Markdown("Programme table: supplied by the user (`programmes.csv`)."))
print(f"{len(table)} rows; regimes: {', '.join(f'{r} {n}' for r, n in table['regime'].value_counts().sort_index().items())}")

# %% [markdown]
# ## Which authorities meet the 7,500 rule?
#
# Needed for the share of money going to eligible authorities. The eligibility data come from
# the same side (real or Demoland) as the programme table, so that codes match.

# %%
source = load_consistent(ctx, "population_origin", demo_side) if definition != eligibility.PROXY_DEFINITION else None
used_definition = definition
if source is None:
    source = load_consistent(ctx, "population_nationality", demo_side)
    used_definition = eligibility.PROXY_DEFINITION
partnerships = load_consistent(ctx, "partnerships", demo_side)
reference_year = programmes.fact("eligibility_reference_year")
years = {int(y) for y in source["year"].unique()}
year_used = int(year) if year is not None else (reference_year if reference_year in years else max(years))
elig = eligibility.eligible(source, threshold, used_definition, year_used, partnerships, inclusive)
print(
    f"Eligibility: {used_definition}, {year_used}, {'>=' if inclusive else '>'} {threshold:,}: "
    f"{int(elig['eligible'].sum())} of {len(elig)} applicants qualify."
)
if used_definition == eligibility.PROXY_DEFINITION:
    display(Markdown("> **Proxy:** no origin table, so eligibility uses non-Belgian *nationality*, which understates origin."))

# %% [markdown]
# ## Before and after
#
# Metrics per regime. A *project* is one `project_id` in the fragmented regime and one of the
# 24 actions (`programme`) in the consolidated regime; a *grant* is one row (an authority's
# part of a project in one project year). Concentration is measured over recipient
# authorities (money summed per authority over all years of the regime).

# %%
metrics = programmes.metrics(table, elig)
comparison = programmes.compare(metrics)

def show_value(value, unit, signed=False):
    # Person counts go through the disclosure rule; other units are formatted by kind.
    if pd.isna(value):
        return ""
    sign = "+" if signed else ""
    if unit == "persons":
        text = disclosure.format_count(abs(value) if signed else value, min_cell)
        if not text.isdigit():
            return text
        return f"{'-' if signed and value < 0 else sign}{int(text):,}"
    if unit == "share":
        return f"{100 * value:{sign}.1f}" + (" pp" if signed else "%")
    if unit == "index":
        return f"{value:{sign}.3f}"
    return f"{value:{sign},.0f}"

shown = pd.DataFrame({
    "metric": comparison["metric"],
    "fragmented": [show_value(v, u) for v, u in zip(comparison["fragmented"], comparison["unit"])],
    "consolidated": [show_value(v, u) for v, u in zip(comparison["consolidated"], comparison["unit"])],
    "change": [show_value(v, u, signed=True) for v, u in zip(comparison["change"], comparison["unit"])],
    "ratio": comparison["ratio"].map(lambda r: "" if pd.isna(r) else f"×{r:.2f}"),
})
display(shown)

# %%
fig = programmes.plot_comparison(metrics, caption=ctx.caption(extra="programme table"), min_cell=min_cell)
figures.show(fig)
plt.close(fig)

# %% [markdown]
# ## Per project year, next to the published figures
#
# `fact_budget_eur` and `fact_authorities` are the published amounts and counts per
# consolidated project year (`reference/plan_samenleven.yaml`). Their sources disagree: the
# authority counts mix units (104 and 147 local authorities, but 59 *applicants* in the third
# year, a partnership counting once), and the per-year amounts add up to 48.0 M EUR against the
# "about 47 M" total. `n_authorities` counts recipients as booked in the table (a partnership
# once).

# %%
years_table = programmes.per_year(table)
years_table["participants"] = [disclosure.format_count(v, min_cell) for v in years_table["participants"]]
years_table["budget_eur"] = years_table["budget_eur"].round(0).astype("int64")
years_table["fact_budget_eur"] = years_table["fact_budget_eur"].round(0).astype("Int64")
display(years_table)
facts = programmes.facts_table()
display(facts[facts["fact"].isin(["budget_paid_eur", "budget_total_eur", "participating_authorities", "projects_before", "trainings_before", "projects_after"])].reset_index(drop=True))

# %% [markdown]
# ## Reading the comparison
#
# - *Fewer, larger projects*: consolidation divides the money over far fewer projects, so the
#   budget and reach per project rise by construction; budget per participant is the figure
#   that says whether reaching a person became cheaper or dearer.
# - *Concentration*: HHI and Gini over authorities show whether the money moved into fewer
#   hands; the share going to eligible authorities shows how much the 7,500 rule steers it.
# - With the Demoland table these are illustrations of the method, not results.

# %%
params = dict(vintage=vintage, threshold=threshold, definition=definition, year=year, inclusive=inclusive, min_cell=min_cell)
ctx.provenance_cell(params)
