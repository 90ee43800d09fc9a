# %% [markdown]
# # Who qualifies for Plan Samenleven? The 7,500 rule
#
# Plan Samenleven funds local authorities with **more than 7,500 residents of non-EU14
# origin**; smaller authorities may pool their residents in a partnership (IGS) and apply
# together. This notebook applies the rule to the data, maps the result, measures how much of
# the target population the eligible authorities hold (the announcement claimed "almost two
# thirds"), and shows how the list changes when the threshold, the origin definition or the
# reference year change.
#
# Parameters: `threshold`, `definition` (`non_eu14`, `non_eu27`, `non_europe`,
# `nationality_proxy`), `year` (None = latest), `vintage` (municipality list), `inclusive`
# (count `>=` instead of `>`), `partnerships_file` (CSV `partnership_id,name,refnis`; empty =
# the partnerships table of the build, if any), `min_cell` (small-cell suppression),
# `sensitivity_step`.

# %% tags=["parameters"]
threshold = 7500
definition = "non_eu14"
year: int | None = None
vintage = 2025
inclusive = False
partnerships_file = ""
min_cell = 5
sensitivity_step = 500

# %%
from samenleven_analysis.reports import figures
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from samenleven_analysis.analysis import disclosure
from samenleven_analysis.analysis import eligibility
from samenleven_analysis.analysis import programmes

requested_definition = definition
if definition not in eligibility.DEFINITIONS:
    raise ValueError(f"unknown definition {definition!r}; choose one of {eligibility.DEFINITIONS}")
if definition == eligibility.PROXY_DEFINITION:
    source = ctx.load("population_nationality")
elif ctx.has("population_origin"):
    source = ctx.load("population_origin")
else:
    # No origin table (the public Statbel mirror has none): fall back to the nationality proxy.
    definition = eligibility.PROXY_DEFINITION
    source = ctx.load("population_nationality")

if definition == eligibility.PROXY_DEFINITION:
    reason = (
        f"No origin table is available, so the requested definition `{requested_definition}` "
        "cannot be computed. "
        if requested_definition != definition
        else ""
    )
    display(Markdown(
        f"> **Proxy, not the Plan's rule.** {reason}Counts below are residents of **non-Belgian "
        "nationality** (Statbel population by nationality). Nationality *understates* origin: "
        "naturalised residents and Belgian-born children of migrants count as Belgian, so fewer "
        "authorities pass 7,500 than under the real non-EU14 origin rule. Supply an origin table "
        "(`population_origin.csv`, canonical `year,refnis,origin,population`) for the real definition."
    ))
else:
    display(Markdown(f"Origin definition: **{definition}** (origin table: {'Demoland, fictional' if ctx.demo else 'supplied by the user'})."))

municipalities = ctx.load("municipalities")
flanders = municipalities.loc[municipalities["region"] == "02000", "refnis"].astype(str).tolist()
names = dict(zip(municipalities["refnis"].astype(str), municipalities["name_nl"]))
if partnerships_file:
    partnerships = eligibility.read_partnerships(partnerships_file)
    partnership_source = "the file given in `partnerships_file`"
elif ctx.has("partnerships"):
    partnerships = ctx.load("partnerships")
    partnership_source = "the partnerships table of the build"
else:
    partnerships = None
    partnership_source = "none (every municipality applies alone)"
year_used = eligibility.latest_year(source) if year is None else int(year)
print(f"Reference year: {year_used}; municipality vintage: {vintage}; Flemish municipalities: {len(flanders)}")
print(f"Partnerships: {partnership_source}" + (f" ({partnerships['partnership_id'].nunique()} partnerships)" if partnerships is not None else ""))

# %% [markdown]
# ## The eligible list
#
# One row per applicant (a municipality alone, or a partnership pooling its members). An
# applicant qualifies when its count is **more than** the threshold (`inclusive=True`: at least
# the threshold). Person counts below `min_cell` are suppressed, together with whatever would
# reveal them.

# %%
result = eligibility.eligible(
    source, threshold, definition, year_used, partnerships, inclusive, within=flanders
)
chosen = result[result["eligible"]]
comparison = ">=" if inclusive else ">"
print(
    f"{len(chosen)} of {len(result)} applicants qualify ({definition} {comparison} {threshold:,}, "
    f"{year_used}): {int(chosen['n_members'].sum())} municipalities, "
    f"{int((chosen['kind'] == 'partnership').sum())} of them partnerships."
)
display(eligibility.for_publication(chosen, min_cell, names=names))

# %% [markdown]
# Applicants within ±500 of the threshold: small changes in the data, the reference year or
# the definition move them across the line.

# %%
near = eligibility.near_threshold(result, band=500)
display(eligibility.for_publication(near, min_cell, names=names) if len(near) else Markdown("_No applicant within ±500 of the threshold._"))

# %% [markdown]
# ## Map
#
# Municipalities shaded by their count; members of eligible applicants (alone or pooled) are
# outlined. Class bounds are placed around the threshold.

# %%
from samenleven_analysis.data import boundaries as geo
from samenleven_analysis.reports import maps

counted = eligibility.counts(source, definition, year_used)
boundaries = geo.load_boundaries(vintage, "flanders", demo=ctx.built_demo or None)
shapes = boundaries.merge(counted[["refnis", "count"]], on="refnis", how="left")
top = max(float(shapes["count"].max()), 2.0 * threshold + 1)
bins = [threshold / 3, 2 * threshold / 3, threshold, 2 * threshold, top]
members = sorted({m for ms in chosen["members"] for m in ms})

def legend_number(value):
    # Class bounds are person counts too: the lowest bound is the smallest municipality's count.
    text = disclosure.format_count(value, min_cell)
    return f"{int(text):,}" if text.isdigit() else text

fig = maps.choropleth(
    shapes, "count", bins=bins, highlight=members,
    highlight_label=f"Eligible ({comparison} {threshold:,}, alone or pooled)",
    legend_title=f"Residents, {definition}", fmt=legend_number,
    caption=ctx.caption(year=year_used, definition=definition),
    demo=ctx.demo,
)
figures.show(fig)
plt.close(fig)

# %% [markdown]
# ## Coverage
#
# The share of all residents of the chosen origin in Flanders who live in an eligible
# applicant. The announcement of 20 October 2021 claimed "almost two thirds".

# %%
cov = eligibility.coverage(
    source, threshold, definition, year_used, partnerships, inclusive, within=flanders
)
claim = programmes.facts()["facts"]["coverage_claim"]
residents_text = disclosure.format_count(cov.residents_total, min_cell)
residents_text = f"{int(residents_text):,}" if residents_text.isdigit() else residents_text
display(Markdown(
    f"Eligible applicants hold **{cov.share:.1%}** of the {residents_text} "
    f"residents ({definition}, {year_used}) in {cov.eligible_municipalities} of {len(flanders)} municipalities. "
    f"Claim: \"{claim['value']}\" (about {claim['approx']:.0%}; source: {programmes.citation('coverage_claim')})."
    + (" The proxy understates origin, so this share is not comparable with the claim." if definition == eligibility.PROXY_DEFINITION else "")
))

# %% [markdown]
# ## Sensitivity: threshold, definition and year
#
# How many applicants qualify for thresholds from 5,000 to 10,000, for every definition the
# data support and the most recent years; `entered` / `left` list the applicants that gain or
# lose eligibility relative to the 7,500 baseline of the same definition and year.

# %%
all_years = sorted(int(y) for y in source["year"].unique() if int(y) <= year_used)
sens_years = all_years[-5:]
sens = eligibility.sensitivity(
    source, step=sensitivity_step, years=sens_years, partnerships=partnerships,
    inclusive=inclusive, within=flanders,
)
wide = sens.pivot(index="threshold", columns=["definition", "year"], values="n_eligible")
print("Applicants that qualify, by threshold (rows) and definition × year (columns):")
display(wide)

# %%
here = sens[(sens["definition"] == definition) & (sens["year"] == year_used)]
moves = here[(here["n_entered"] > 0) | (here["n_left"] > 0)][["threshold", "n_eligible", "entered", "left"]].copy()
label = lambda codes: ", ".join(f"{names.get(c, c)} ({c})" for c in codes)
moves["entered"] = moves["entered"].map(label)
moves["left"] = moves["left"].map(label)
print(f"Changes against the 7,500 baseline ({definition}, {year_used}):")
display(moves.reset_index(drop=True))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
latest = sens[sens["year"] == year_used]
for name, part in latest.groupby("definition", sort=True):
    axes[0].plot(part["threshold"], part["n_eligible"], marker="o", label=name)
    axes[1].plot(part["threshold"], 100 * part["coverage"], marker="o", label=name)
for ax, ylabel in zip(axes, ["applicants that qualify", "coverage (%)"]):
    ax.axvline(7500, color="grey", lw=0.8, ls="--")
    ax.set_xlabel("threshold (residents)")
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
axes[0].legend(frameon=False, fontsize=8)
fig.text(0.01, 0.01, ctx.caption(year=year_used, definition=definition if definition == eligibility.PROXY_DEFINITION else None), fontsize=7)
fig.tight_layout(rect=(0, 0.05, 1, 1))
figures.show(fig)
plt.close(fig)

# %% [markdown]
# ## The rule and its sources
#
# The policy facts this notebook relies on, from `reference/plan_samenleven.yaml`; where
# sources disagree the other values are listed.

# %%
facts_table = programmes.facts_table()
display(facts_table[facts_table["fact"].isin([
    "threshold_residents", "origin_criterion", "eligibility_reference_year", "partnerships_allowed",
    "one_partnership_per_authority", "coverage_claim", "authorities_announced",
])].reset_index(drop=True))

# %%
params = dict(
    threshold=threshold, definition=requested_definition, year=year, vintage=vintage,
    inclusive=inclusive, partnerships_file=partnerships_file, min_cell=min_cell,
    sensitivity_step=sensitivity_step,
)
ctx.provenance_cell(params)
