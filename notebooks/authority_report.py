# %% [markdown]
# # Local authority report — Plan Samenleven
#
# One report per local authority (a municipality, or a partnership of municipalities applying
# together). It shows the authority's population and origin composition over time, where it
# ranks and how it compares with Flanders and with similar municipalities, whether it meets
# the 7,500-resident rule and by how much, what it received from the programme, and how its
# outcomes moved.
#
# `samenleven run --authorities eligible` makes one copy per eligible authority; set
# `authority` (a REFNIS code or a partnership id) to make one by hand. Counts of persons
# below `min_cell` are shown as “<5” (see `samenleven_analysis.analysis.disclosure`).

# %% tags=["parameters"]
authority = "99016"  # REFNIS code of a municipality, or a partnership id
year = 2022  # reference year: residents on 1 January
definition = "non_eu14"  # non_eu14 (the rule), non_eu27, non_europe, nationality_proxy
threshold = 7500  # an authority qualifies with MORE than this many residents of that origin
vintage = 2025  # municipality boundaries the figures are expressed in
min_cell = 5  # smallest count of persons published

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from samenleven_analysis.analysis import authorities
from samenleven_analysis.reports import figures
from samenleven_analysis.analysis import disclosure
from samenleven_analysis.reports import context as reporting
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()
params = dict(authority=authority, year=year, definition=definition, threshold=threshold,
              vintage=vintage, min_cell=min_cell)

# %% [markdown]
# ## The authority at a glance

# %%
table = reporting.authority_table(ctx, year=year, definition=definition, threshold=threshold, vintage=vintage)
row = authorities.find_authority(table, authority)
applicant, members = str(row["applicant"]), [str(m) for m in row["members"]]
ranked = table.sort_values(["count", "applicant"], ascending=[False, True]).reset_index(drop=True)
rank = int(ranked.index[ranked["applicant"] == applicant][0]) + 1
count_text = disclosure.format_count(row["count"], min_cell)
hidden = count_text.startswith("<")
lines = [
    f"**{row['name']}** ({applicant}; {row['kind']}"
    + (f" of {len(members)} municipalities: {', '.join(members)}" if row['kind'] == 'partnership' else "") + ")",
    "",
    f"- residents of origin `{definition}` on 1 January {int(row['year'])}: **{count_text}**"
    + ("" if hidden else f" of {int(row['total'])} ({row['share']:.1%})"),
    f"- rank **{rank}** of {len(table)} applicants by that count",
    f"- eligible under the rule (more than {threshold}): **{'yes' if row['eligible'] else 'no'}**"
    + ("" if hidden else f", margin {int(row['margin']):+d}"),
    "- first funded project year (cohort): "
    + ("never funded" if pd.isna(row["cohort"]) else f"**{int(row['cohort'])}**"),
]
if str(authority) != applicant:
    lines.insert(0, f"*{authority} applies as a member of partnership {applicant}; the report covers the partnership.*\n")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Population and origin composition over time
#
# Residents by origin group (DESIGN.md: BEL, EU14, EU13, EUROPE_OTHER, NON_EUROPE), summed
# over the authority's municipalities, on the chosen municipality vintage.

# %%
if definition == "nationality_proxy":
    display(Markdown("*The nationality proxy has no origin breakdown; see the benchmark below.*"))
else:
    origin_table = ctx.load("population_origin", fallback_demo=True)
    comp = authorities.composition_over_time(origin_table, members)
    groups = [g for g in ("BEL", "EU14", "EU13", "EUROPE_OTHER", "NON_EUROPE") if g in comp.columns]
    comp = comp[groups]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    (comp.div(comp.sum(axis=1), axis=0) * 100).plot.area(ax=ax, linewidth=0, colormap="tab20c")
    ax.set_ylabel("share of residents (%)")
    ax.set_xlabel("1 January of year")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(f"Origin composition, {row['name']}")
    figures.add_caption(fig, ctx.caption(definition=definition))
    plt.show()
    shown_years = sorted(set(comp.index[::3]) | {comp.index.max()})
    wide = comp.loc[shown_years].assign(total=comp.sum(axis=1)).reset_index()
    display(disclosure.suppress(wide, groups, min_cell, totals="rows", total_cols=["total"]))

# %% [markdown]
# ## Rank and benchmark
#
# Share of residents of the chosen origin, pooled over each group: this authority, Flanders,
# and a cluster of the five applicants most similar in size and share (nearest neighbours on
# standardised log population and share in the reference year).

# %%
cluster = authorities.similar_authorities(table, applicant, k=5)
cluster_members = [str(m) for ms in cluster["members"] for m in ms]
flanders = reporting.region_codes(ctx, definition=definition)
counted = reporting.origin_counts(ctx, definition)
shares = authorities.benchmark_shares(counted, {str(row["name"]): members, "similar authorities": cluster_members, "Flanders": flanders})
fig, ax = plt.subplots(figsize=(8, 3.4))
(shares * 100).plot(ax=ax, marker="o", markersize=3)
ax.set_ylabel(f"{definition} residents (%)")
ax.set_xlabel("1 January of year")
ax.legend(frameon=False)
figures.add_caption(fig, ctx.caption(definition=definition))
plt.show()
peers = cluster[["applicant", "name", "count", "total", "share", "eligible"]].copy()
peers["share"] = (peers["share"] * 100).round(1)
peers = peers.rename(columns={"share": "share (%)"})
display(disclosure.suppress(peers, ["count", "total"], min_cell, totals="none"))

# %% [markdown]
# ## Eligibility and margin
#
# The rule counts residents of non-EU14 origin on 1 January of the reference year; an
# applicant qualifies with **more than** the threshold. The margin is count − threshold.
# Below: the count over time against the threshold, and the decision under the other origin
# definitions (a sensitivity check, not the rule).

# %%
own = counted[counted["refnis"].astype(str).isin(members)].groupby("year")["count"].sum()
fig, ax = plt.subplots(figsize=(8, 3.2))
ax.plot(own.index, own.values, marker="o", markersize=3, label=str(row["name"]))
ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold}")
ax.axvline(year, color="grey", linewidth=0.8)
ax.set_ylim(bottom=0)
ax.set_ylabel(f"{definition} residents")
ax.set_xlabel("1 January of year")
ax.legend(frameon=False)
figures.add_caption(fig, ctx.caption(year=year, definition=definition))
plt.show()
rows = []
for d in ("non_eu14", "non_eu27", "non_europe"):
    if definition == "nationality_proxy":
        break
    alt = authorities.find_authority(
        reporting.authority_table(ctx, year=year, definition=d, threshold=threshold, vintage=vintage), applicant)
    rows.append({"definition": d, "count": alt["count"], "eligible": bool(alt["eligible"]), "margin": alt["margin"]})
if rows:
    sens = pd.DataFrame(rows)
    shown = disclosure.suppress(sens, ["count"], min_cell, totals="none")
    shown["margin"] = [("" if c.startswith("<") else f"{int(m):+d}") for c, m in zip(shown["count"], sens["margin"])]
    display(shown)

# %% [markdown]
# ## Programme participation and budget
#
# Grants (one authority's part of one project in one project year, Oct–Sep), budget and
# participants, before (fragmented projects and trainings) and after the consolidation of
# 1 October 2022.

# %%
# tables joined on authority codes come from the same side (real or demo) as the counts
programmes = reporting.load_consistent(ctx, "programmes", reporting.origin_is_demo(ctx, definition))
prog = None if programmes is None else authorities.programme_summary(programmes, [applicant, *members])
if prog is None:
    display(Markdown("*No programme table in these data (it has no public source: supply `programmes.csv`).*"))
elif prog.empty:
    display(Markdown(f"*No programme records for {row['name']}.*"))
else:
    prog["budget_eur"] = prog["budget_eur"].round(0).astype("int64")
    display(disclosure.suppress(prog, ["participants"], min_cell, totals="columns"))
    fig, ax = plt.subplots(figsize=(8, 3))
    colours = prog["regime"].map({"fragmented": "#9ecae1", "consolidated": "#08519c"})
    ax.bar(prog["project_year"].astype(str), prog["budget_eur"] / 1000, color=colours)
    ax.set_ylabel("budget (k EUR)")
    ax.set_xlabel("project year (starting 1 October)")
    figures.add_caption(fig, ctx.caption(extra="light: fragmented regime; dark: consolidated"))
    plt.show()

# %% [markdown]
# ## Outcome trends
#
# Mean outcome per year for the authority, the similar authorities and Flanders. The dashed
# line marks the first funded project year (cohort). Trends are descriptive: the evaluation
# notebooks estimate effects.

# %%
outcomes = reporting.load_consistent(ctx, "outcomes", reporting.origin_is_demo(ctx, definition))
names = [] if outcomes is None else [
    o for o in ("employment_rate", "dutch_a2_pass_rate", "liveability_index") if o in set(outcomes["outcome"])]
bench = authorities.outcome_benchmark(
    outcomes, {str(row["name"]): members, "similar authorities": cluster_members, "Flanders": flanders}, names
) if names else pd.DataFrame()
if bench.empty or str(row["name"]) not in set(bench["group"]):
    display(Markdown("*No outcome data for this authority (the outcome table has no public source: supply `outcomes.csv`).*"))
else:
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), sharex=True)
    for ax, name in zip(pd.Series(axes).tolist() if len(names) > 1 else [axes], names):
        sub = bench[bench["outcome"] == name].pivot(index="year", columns="group", values="value")
        sub[[c for c in (str(row["name"]), "similar authorities", "Flanders") if c in sub.columns]].plot(ax=ax, legend=False)
        if pd.notna(row["cohort"]):
            ax.axvline(int(row["cohort"]), color="black", linestyle="--", linewidth=0.8)
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel("")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False)
    figures.add_caption(fig, ctx.caption(), y=-0.16)
    plt.show()
    last = int(bench["year"].max())
    summary = bench[bench["year"].isin([last - authorities.TREND_YEARS, last])].pivot_table(
        index=["outcome", "group"], columns="year", values="value").round(2)
    summary["change"] = (summary[last] - summary[last - authorities.TREND_YEARS]).round(2)
    display(summary)

# %% [markdown]
# ## Provenance

# %%
ctx.provenance_cell(params)
