# %% [markdown]
# # Did funded authorities change? Difference-in-differences and event study
#
# From **1 October 2022** Plan Samenleven funds local authorities with more than **7,500
# residents of non-EU14 origin** through a consolidated regime of 24 projects; authorities
# joined in the project years 2022, 2023 or 2024 (*cohorts*). This notebook compares outcomes
# of funded authorities before and after their first funded project year with those of
# authorities that were not (yet) funded:
#
# 1. **event study**: the gap between funded and comparison authorities year by year, with a
#    joint test of the years *before* funding (if they already differ, the comparison is doubtful);
# 2. **staggered ATT** (Callaway & Sant'Anna 2021): the average effect over cohorts, robust to
#    effects that differ between cohorts; a plain two-way fixed-effects DiD for comparison, with
#    a wild cluster bootstrap and randomisation inference because few authorities are treated;
# 3. **placebo checks**: fake treatment years before 2022, and an outcome the plan cannot change;
# 4. **power**: the smallest effect this design could reliably detect (MDE);
# 5. a **verdict** in plain words that says no more than the data allow.
#
# **Real data.** No public outcome or funding table exists yet, and Statbel's fiscal income
# (2005–2020) ends before the plan started. On the real data this notebook therefore runs as a
# **pre-period check only**: fiscal income per resident of *proxy-eligible* Flemish
# municipalities (more than `threshold` non-Belgian residents — nationality understates origin)
# versus the other Flemish municipalities, with a *placebo* treatment year (`treatment_year`,
# default 2016). It cannot and does not estimate an effect of the plan. With Demoland (demo)
# data, or a user-supplied `outcomes.csv` and `treatment.csv`, it runs the full design.
#
# Parameters: `outcome`, `first_year`/`last_year` (None = all years), `treatment_year` (None =
# each authority's cohort; a year = common timing for everyone, e.g. a placebo year),
# `definition` and `threshold` (the eligibility rule, for the pre-period check), `cluster`
# (`municipality`, `arrondissement` or `province`: level of the clustered standard errors),
# `estimators` (any of `event_study`, `callaway_santanna`, `twfe`).

# %% tags=["parameters"]
vintage = 2025
outcome = "employment_rate"
first_year: int | None = None
last_year: int | None = None
treatment_year: int | None = None
definition = "non_eu14"
threshold = 7500
cluster = "municipality"
estimators = ["event_study", "callaway_santanna", "twfe"]


# %%
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()

# %%
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

from samenleven_analysis.analysis import eligibility
from samenleven_analysis import evaluation as ev
from samenleven_analysis.analysis import outcomes as oc

KNOWN = ("event_study", "callaway_santanna", "twfe")
CLUSTERS = {"municipality": "refnis", "arrondissement": "arrondissement", "province": "province"}
if set(estimators) - set(KNOWN):
    raise ValueError(f"unknown estimator(s) {sorted(set(estimators) - set(KNOWN))}; choose from {KNOWN}")
if cluster not in CLUSTERS:
    raise ValueError(f"cluster must be one of {sorted(CLUSTERS)}, not {cluster!r}")
PROGRAMME_START = 2022  # consolidated regime from 1 October 2022
full_design = ctx.has("outcomes") and ctx.has("treatment")
print("Design:", "full before/after comparison" if full_design else "pre-period check (no post-2022 outcomes)")

# %% [markdown]
# ## Data and groups

# %%
if full_design:
    table = ctx.load("outcomes")
    treat = ctx.load("treatment")
    if outcome == oc.INCOME_OUTCOME:
        table = oc.income_panel(ctx.load("income"))
    panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year, treatment_year=treatment_year)
    if treatment_year is not None:  # common timing: every funded authority starts in treatment_year
        panel["cohort"] = panel["cohort"].where(~panel["treated"], float(treatment_year))
    start = int(treatment_year) if treatment_year is not None else int(panel.loc[panel.treated, "cohort"].min())
    used_outcome, group_word = outcome, "funded"
else:
    munis = ctx.load("municipalities")
    flemish = munis.loc[munis["region"] == "02000", "refnis"].tolist()
    if definition != eligibility.PROXY_DEFINITION and ctx.has("population_origin"):
        source, used_definition = ctx.load("population_origin"), definition
    else:
        source, used_definition = ctx.load("population_nationality"), eligibility.PROXY_DEFINITION
    elig = eligibility.eligible(source, threshold, used_definition, within=flemish)
    members = [m for ms in elig.loc[elig["eligible"], "members"] for m in ms]
    start = int(treatment_year) if treatment_year is not None else 2016
    income = oc.income_panel(ctx.load("income"), first_year=first_year, last_year=last_year, refnis=flemish)
    panel = oc.panel(income, oc.treatment_from_groups(flemish, members, start), oc.INCOME_OUTCOME)
    used_outcome, group_word = oc.INCOME_OUTCOME, "proxy-eligible"
    notes = [
        f"**Pre-period check.** The real data hold no outcomes after {int(panel.year.max())} and no funding "
        f"table, so `outcome = {outcome!r}` cannot be used: the outcome is **{oc.label(used_outcome)}** "
        "(Statbel fiscal statistics, income year).",
        f"Groups: {len(set(members))} Flemish municipalities with more than {threshold:,} residents by "
        f"`{used_definition}` in {int(elig['year'].iloc[0])} (*proxy-eligible*) versus the other "
        f"{len(flemish) - len(set(members))}. **{start} is a placebo year**: nothing happened then, so any "
        "'effect' measures diverging trends, not the plan.",
    ]
    if used_definition == eligibility.PROXY_DEFINITION:
        notes.append("Non-Belgian *nationality* understates non-EU14 *origin*: the proxy group is not the eligible group.")
    display(Markdown("\n\n".join(f"> {n}" for n in notes)))

cl = CLUSTERS[cluster]
if cl != "refnis":
    panel = oc.with_geography(panel, ctx.load("municipalities"))
label = oc.label(used_outcome)
units = panel.drop_duplicates("refnis")
by_cohort = units["cohort"].fillna(0).astype(int).value_counts().sort_index()
print(f"Outcome: {label}; years {panel.year.min()}-{panel.year.max()}; {len(units)} authorities")
print("Authorities by first treated year (0 = comparison group):")
print(by_cohort.rename_axis("cohort").to_string())

# %%
groups = panel.assign(group=panel["cohort"].map(lambda c: f"{group_word} from {int(c)}" if c == c else "comparison"))
means = groups.groupby(["year", "group"])["value"].mean().unstack()
fig, ax = plt.subplots(figsize=(8, 4))
means.plot(ax=ax, marker="o", ms=3)
ax.axvline(start - 0.5, color="0.3", ls="--", lw=1)
ax.set_ylabel(label)
ax.set_title(f"Mean {label} by group")
ax.legend(frameon=False, fontsize=8)
fig.text(0.01, -0.02, ctx.caption(extra="dashed line: first (placebo) treatment year"), fontsize=7)
plt.show()

# %% [markdown]
# ## Event study and pre-trend test
#
# Each dot is the difference between the groups in a year relative to the first treated year,
# compared with the year just before (−1). Dots left of the dashed line should hover around
# zero: the joint test asks whether they are all zero (its p-value comes from a wild cluster
# bootstrap, because the usual Wald test over-rejects with many years and few clusters).

# %%
es = None
if "event_study" in estimators:
    es = ev.event_study(panel, "value", "refnis", "year", "cohort", cluster=cl)
    ax = ev.plot_event_study(es, title=f"Event study: {label}")
    ax.figure.text(0.01, -0.02, ctx.caption(extra=es.method), fontsize=7)
    plt.show()
    if "pretrend_note" in es.extra:
        print("Joint pre-trend test:", es.extra["pretrend_note"])
    else:
        print(f"Joint pre-trend test: {es.pretrend_df} leads, Wald = {es.pretrend_stat:.2f}, "
              f"p = {es.pretrend_pvalue:.3f} (bootstrap); analytic F p = {es.extra['pretrend_pvalue_f']:.3f}")
    display(es.coefs.round(3))
else:
    print("Event study not requested (estimators).")

# %% [markdown]
# ## Average effect: staggered ATT and two-way fixed effects
#
# Callaway & Sant'Anna compare each cohort with never-funded authorities only, so effects that
# differ between cohorts do not contaminate the estimate (a known flaw of plain two-way fixed
# effects under staggered adoption). With fewer than 10 treated clusters the TWFE p-value comes
# from a wild cluster bootstrap; randomisation inference (reassigning funding paths among
# authorities) is shown as a second opinion.

# %%
cs = twfe = None
results = {}
if "callaway_santanna" in estimators:
    cs = ev.staggered_did(panel, "value", "refnis", "year", "cohort")
    results["Callaway–Sant'Anna ATT"] = cs
if "twfe" in estimators:
    twfe = ev.did(panel, "value", "refnis", "year", "treated", "post", cluster=None if cl == "refnis" else cl)
    wild = ev.did(panel, "value", "refnis", "year", "treated", "post", cluster=None if cl == "refnis" else cl,
                  inference="wild", reps=9999)
    p_ri, _ = ev.randomization_inference(panel, "value", "refnis", "year", "treated", "post", reps=999)
    results["TWFE DiD"] = twfe
if results:
    display(ev.estimates_table(results).drop(columns="method"))
    for name, e in results.items():
        print(f"{name}: {e.method}")
if twfe is not None:
    print(f"TWFE: {twfe.extra['n_treated_clusters']} treated of {twfe.extra['n_clusters']} clusters; "
          f"p (CRV1) = {twfe.extra['pvalue_cluster']:.3f}, p (wild bootstrap) = {wild.pvalue:.3f}, "
          f"p (randomisation) = {p_ri:.3f}")
if cs is not None:
    event = cs.extra["event"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(-0.5, color="0.3", ls="--", lw=0.8)
    ax.errorbar(event.rel_time, event.estimate, yerr=[event.estimate - event.ci_low, event.ci_high - event.estimate],
                fmt="o", color="#1f4e79", capsize=3)
    ax.set_xlabel("years relative to first treated year")
    ax.set_ylabel(f"ATT, {label}")
    ax.set_title("Callaway–Sant'Anna, by event time")
    fig.text(0.01, -0.02, ctx.caption(), fontsize=7)
    plt.show()

# %% [markdown]
# ## Placebo checks
#
# *Fake treatment years*: the same comparison on years before the (placebo) start only, as if
# funding had begun earlier. *Placebo outcome*: an outcome the plan cannot change (Demoland's
# rainfall). Intervals far from zero mean the comparison group is not a good stand-in.

# %%
years = sorted(panel.year.unique())
fake = [y for y in (start - 4, start - 3, start - 2) if y - years[0] >= 2]
plac_years = ev.placebo_years(panel, "value", "refnis", "year", "treated", start, fake,
                              cluster=None if cl == "refnis" else cl)
display(plac_years.drop(columns="note").round(3))
plac_out = None
if full_design:
    others = [o for o in oc.PLACEBO_OUTCOMES if o in set(table["outcome"]) and o != used_outcome]
    if others:
        panels = {o: oc.panel(table, treat, o, first_year=first_year, last_year=last_year) for o in others}
        plac_out = ev.placebo_outcomes(panels, "refnis", "year", "cohort")
        display(plac_out.drop(columns="note").round(3))
    else:
        print("No placebo outcome in the outcome table.")
else:
    print("No placebo outcome exists in the real data.")

# %% [markdown]
# ## Power: minimum detectable effect
#
# `MDE = (z₀.₉₇₅ + z₀.₈) × SE ≈ 2.8 × SE`, where SE is the clustered standard error of the same
# comparison estimated on pre-treatment years only (with the last years as a fake post period),
# so it reflects this outcome's real year-to-year noise. Effects smaller than the MDE could
# easily go unnoticed.

# %%
if full_design:
    mde = ev.minimum_detectable_effect(panel, "value", "refnis", "year", "treated", start,
                                       cluster=None if cl == "refnis" else cl)
else:
    # The future evaluation: funding from 2022, three project years observed afterwards.
    mde = ev.minimum_detectable_effect(panel, "value", "refnis", "year", "treated", PROGRAMME_START,
                                       cluster=None if cl == "refnis" else cl, post_periods=3)
print(mde)
print(mde.method)

# %% [markdown]
# ## Verdict

# %%
main = cs if cs is not None else twfe
pre_p = es.pretrend_pvalue if es is not None else None
unit_label = oc.unit(used_outcome)
if not full_design:
    placebo = main if main is not None else ev.did(panel, "value", "refnis", "year", "treated", "post")
    text = ev.pre_period_verdict(placebo, placebo_year=start, data_last_year=int(panel.year.max()),
                                 programme_start=PROGRAMME_START, outcome_label=label, unit_label=unit_label,
                                 pretrend_pvalue=pre_p, mde=mde)
elif main is not None:
    placebo_p = list(plac_years["pvalue"]) + (list(plac_out["pvalue"]) if plac_out is not None else [])
    text = ev.verdict(main, outcome_label=label, unit_label=unit_label, pretrend_pvalue=pre_p, mde=mde,
                      placebo_pvalues=placebo_p, demo=ctx.demo)
else:
    text = "No average-effect estimator was requested (`estimators`), so there is no verdict."
display(Markdown("\n".join("> " + line for line in text.split("\n"))))

# %%
params = dict(vintage=vintage, outcome=outcome, first_year=first_year, last_year=last_year,
              treatment_year=treatment_year, definition=definition, threshold=threshold, cluster=cluster,
              estimators=estimators)
ctx.provenance_cell(params)
