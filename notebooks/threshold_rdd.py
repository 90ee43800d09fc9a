# %% [markdown]
# # The 7,500 threshold: regression discontinuity
#
# Authorities with **more than 7,500 residents of non-EU14 origin** can be funded; those just
# below cannot (unless they pool with neighbours in a partnership). If authorities just above
# and just below the threshold are otherwise alike, comparing them estimates the effect of
# eligibility (*sharp* RD, an intention-to-treat) and — because not every eligible authority
# takes part and some partnerships join from below — of participation (*fuzzy* RD, the jump in
# outcomes divided by the jump in participation).
#
# The outcome of each applicant is its **change**: mean outcome in the years when all cohorts are
# funded minus the mean before 2022. Checks: the **first stage** (does participation really jump
# at 7,500?), the **density** of the running variable (do authorities sort just above it?),
# **covariate balance** (pre-period level and size should not jump), and **placebo cutoffs**.
#
# **Honest limits.** Flanders has few authorities near 7,500 (and Demoland only ~59
# municipalities), so local estimates rest on a handful of authorities: the notebook warns
# when fewer than 10 lie within `near_window` on either side. No real outcome or funding table
# exists: on the real data this notebook shows **Demoland (demo) data** and says so.
#
# Parameters: `outcome`, `first_year` (start of the before window; None = 2016), `last_year`
# (None = latest), `treatment_year` (None = 2022: the before window ends the year before),
# `definition`, `threshold`, `cluster` (`municipality`: one observation per applicant, no
# clustering; `arrondissement`: cluster-robust RD variance by the applicant's arrondissement),
# `estimators` (`sharp`, `fuzzy`), `near_window` (± residents counted as "near" the cutoff).

# %% tags=["parameters"]
vintage = 2025
outcome = "employment_rate"
first_year: int | None = None
last_year: int | None = None
treatment_year: int | None = None
definition = "non_eu14"
threshold = 7500
cluster = "municipality"
estimators = ["sharp", "fuzzy"]
near_window = 750


# %%
from samenleven_analysis.reports.context import data_context

ctx = data_context(vintage=vintage)
ctx.banner()

# %%
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from samenleven_analysis.analysis import eligibility
from samenleven_analysis import evaluation as ev
from samenleven_analysis.analysis import outcomes as oc
from samenleven_analysis.reports.context import load_consistent

if set(estimators) - {"sharp", "fuzzy"}:
    raise ValueError(f"estimators must be among 'sharp', 'fuzzy', not {estimators}")
if cluster not in ("municipality", "arrondissement"):
    raise ValueError(f"cluster must be 'municipality' or 'arrondissement', not {cluster!r}")
real_tables = ctx.has("outcomes") and ctx.has("treatment")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the fallback is announced below, in plain words
    table = ctx.load("outcomes", fallback_demo=True)
    treat = ctx.load("treatment", fallback_demo=True)
demo_side = not real_tables and not ctx.built_demo
if ctx.demo:
    display(Markdown(
        "> **DEMO DATA.** No public table of outcomes or funded authorities exists, so this notebook "
        "shows **Demoland** (fictional) data: the method, not findings about Flanders."
    ))
source = None
if definition != eligibility.PROXY_DEFINITION:
    source = load_consistent(ctx, "population_origin", demo_side)
used_definition = definition
if source is None:
    source = load_consistent(ctx, "population_nationality", demo_side)
    used_definition = eligibility.PROXY_DEFINITION
partnerships = load_consistent(ctx, "partnerships", demo_side)
munis = load_consistent(ctx, "municipalities", demo_side)
years_src = sorted(int(y) for y in source["year"].unique())
ref_year = 2022 if 2022 in years_src else years_src[-1]
elig = eligibility.eligible(source, threshold, used_definition, ref_year, partnerships)
print(f"Running variable: residents by {used_definition} on 1 January {ref_year}, per applicant "
      f"(partnerships pooled); {int(elig['eligible'].sum())} of {len(elig)} applicants above {threshold:,}.")

# %%
panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
start = int(treatment_year) if treatment_year is not None else 2022
last = int(panel.year.max())
all_in = int(panel.loc[panel.treated, "cohort"].max()) if panel.treated.any() else start
pre = (int(first_year) if first_year is not None else max(int(panel.year.min()), start - 6), start - 1)
post = (min(max(all_in, start), last), last)
df = oc.applicant_frame(panel, elig, pre, post)
if cluster == "arrondissement":
    arr = dict(zip(munis["refnis"], munis["arrondissement"]))
    first_member = {a: ms[0] for a, ms in zip(elig["applicant"], elig["members"])}
    df["arrondissement"] = df["applicant"].map(lambda a: arr.get(first_member.get(a)))
rd_cluster = "arrondissement" if cluster == "arrondissement" else None
# "More than 7,500" on whole numbers: count >= threshold + 1; rdrobust treats x >= c as above.
cutoff = threshold + 0.5
label = oc.label(outcome)
print(f"Outcome: change in {label}, mean {post[0]}-{post[1]} minus mean {pre[0]}-{pre[1]}; "
      f"{len(df)} applicants.")

# %% [markdown]
# ## How many authorities lie near the threshold?

# %%
near = ev.rdd_support(df, "count", cutoff, near_window)
print(f"Within ±{near_window:,} of {threshold:,}: {near['below']} below, {near['above']} above "
      f"(of {near['n']} applicants).")
if min(near["below"], near["above"]) < 10:
    display(Markdown(
        f"> **Warning: too few authorities near the cutoff.** Only {near['below']} applicants lie within "
        f"{near_window:,} below and {near['above']} within {near_window:,} above {threshold:,}. A regression "
        "discontinuity compares authorities *at* the threshold; with so few, the local fits lean on authorities "
        "far away, intervals are wide and one authority can move the result. Read every estimate below as an "
        "illustration of the method, not as evidence."
    ))
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
ev.plot_rdd(df, "change", "count", cutoff, ax=axes[0], title="All applicants")
axes[0].set_xscale("log")
ev.plot_rdd(df, "change", "count", cutoff, ax=axes[1], window=5000, title=f"Within ±5,000 of {threshold:,}")
for a in axes:
    a.set_xlabel(f"residents ({used_definition}), {ref_year}")
    a.set_ylabel(f"change in {label}")
fig.text(0.01, -0.03, ctx.caption(year=ref_year, definition=used_definition), fontsize=7)
plt.show()


# %% [markdown]
# ## First stage: does participation jump at the threshold?
#
# A fuzzy RD needs a clear jump in the share of authorities that take part. A jump of 1 would be
# a sharp design; a small or uncertain jump makes the fuzzy estimate unstable.

# %%
def attempt(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # too few authorities is an answer, not a crash
        print(f"Not estimable: {str(exc).splitlines()[0]}")
        return None

fs = attempt(ev.first_stage, df, "treated", "count", cutoff, cluster=rd_cluster)
if fs is not None:
    print(f"Jump in participation: {fs.estimate:.2f} (95% CI {fs.ci_low:.2f} to {fs.ci_high:.2f}; n in bandwidth = {fs.n})")
share = df.assign(side=np.where(df["count"] >= cutoff, "above", "below")).groupby(["side", "eligible"])["treated"].agg(["size", "mean"])
display(share.rename(columns={"size": "applicants", "mean": "share participating"}).round(2))

# %% [markdown]
# ## Estimates at the threshold
#
# rdrobust reports the conventional local-linear estimate with a *robust bias-corrected*
# interval (Calonico, Cattaneo & Titiunik 2014). That interval is centred on a bias-corrected
# estimate, so with few authorities the point estimate can even fall outside it — a sign that
# the local fit is fragile.

# %%
rd = {}
if "sharp" in estimators:
    rd["sharp (eligibility, ITT)"] = attempt(ev.rdd, df, "change", "count", cutoff, cluster=rd_cluster)
if "fuzzy" in estimators:
    rd["fuzzy (participation, LATE)"] = attempt(ev.rdd, df, "change", "count", cutoff, treatment="treated", cluster=rd_cluster)
table_rd = ev.estimates_table(rd)
if not table_rd.empty:
    display(table_rd.drop(columns="method"))
    for name, e in rd.items():
        if e is not None:
            print(f"{name}: {e.method}; bandwidth ±{e.extra['h_left']:,.0f} residents, "
                  f"{e.extra['n_eff_left']} below / {e.extra['n_eff_right']} above inside it")

# %% [markdown]
# ## Checks: density, covariate balance, placebo cutoffs
#
# *Density* (rddensity): if authorities could push their count just above 7,500, there would be
# a bunching. *Balance*: the outcome level before 2022 and the total population should not jump
# at the threshold. *Placebo cutoffs*: fake thresholds (using only authorities on one side of the
# real one) should show no jump.

# %%
dens = attempt(ev.rdd_density, df, "count", cutoff)
if dens is not None:
    print(f"Density test: t = {dens['t']:.2f}, p = {dens['pvalue']:.3f} "
          f"({dens['n_eff_left']} below / {dens['n_eff_right']} above in its bandwidth)")
covs = [c for c in ("pre_mean", "total") if c in df.columns]
balance = ev.rdd_balance(df, covs, "count", cutoff, cluster=rd_cluster)
display(balance.round(3))
placebo = [round(threshold * f) for f in (0.5, 0.75, 1.5, 2.0)]
plac = ev.placebo_cutoffs(df, "change", "count", cutoff, placebo, cluster=rd_cluster)
display(plac.round(3))
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(df["count"].clip(upper=4 * threshold), bins=40, color="#1f4e79")
ax.axvline(cutoff, color="0.2", ls="--")
ax.set_xlabel(f"residents ({used_definition}), {ref_year} (capped at {4 * threshold:,})")
ax.set_ylabel("applicants")
fig.text(0.01, -0.05, ctx.caption(year=ref_year, definition=used_definition), fontsize=7)
plt.show()

# %% [markdown]
# ## Verdict

# %%
main = rd.get("fuzzy (participation, LATE)") or rd.get("sharp (eligibility, ITT)")
cautions = []
if min(near["below"], near["above"]) < 10:
    cautions.append(f"only {near['below']} authorities lie within {near_window:,} below and {near['above']} within "
                    f"{near_window:,} above {threshold:,}, so the threshold comparison cannot be precise, whatever it shows")
if main is None:
    text = "No estimate at the threshold could be computed with these data."
else:
    checks = [p for p in list(balance["pvalue"]) + list(plac["pvalue"]) if pd.notna(p)]
    if dens is not None:
        checks.append(dens["pvalue"])
    text = ev.verdict(main, outcome_label=f"the change in {label}", unit_label=oc.unit(outcome),
                      placebo_pvalues=checks, demo=ctx.demo, design="rdd", cautions=cautions)
display(Markdown("\n".join("> " + line for line in text.split("\n"))))

# %%
params = dict(vintage=vintage, outcome=outcome, first_year=first_year, last_year=last_year,
              treatment_year=treatment_year, definition=definition, threshold=threshold, cluster=cluster,
              estimators=estimators, near_window=near_window)
ctx.provenance_cell(params)
