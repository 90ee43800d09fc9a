# %% [markdown]
# # One large city: synthetic control
#
# A large city is not like the average municipality, so a comparison with "the others" says
# little about it. A **synthetic control** (Abadie, Diamond & Hainmueller 2010) builds a
# weighted mix of never-funded authorities whose outcome tracked the city's before funding
# started; after the start, the gap between the city and its synthetic twin estimates the effect.
#
# A large city often lies *outside* the range of smaller authorities (its level is higher or
# lower than any mix of them can reach). The default therefore matches **deviations from each
# authority's own pre-funding mean** (the *demeaned* synthetic control: levels may differ, paths
# must match); the classic version in levels is shown next to it, with its fit.
#
# Inference uses **in-space placebos**: every donor is treated as if it had been funded, and the
# city's post/pre fit ratio is ranked among them (p-value). With *N* donors the smallest possible
# p-value is 1/(N+1). An approximate interval uses the spread of the donors' placebo effects.
#
# No real outcome or funding table exists: on the real data this notebook shows **Demoland
# (demo) data** and says so.
#
# Parameters: `authority` (REFNIS code, or `auto` = the most populous funded authority, in
# Flanders when there is one), `outcome`, `first_year`/`last_year`, `treatment_year` (None = the
# authority's first funded year), `definition`/`threshold` (to report the authority's position
# against the rule), `cluster` (not used: one treated unit), `estimators` (the first is the main
# analysis, the others are robustness checks without placebos: `demeaned`, `levels` (classic
# synthetic control), `optimised_v` (levels with pysyncon's nested predictor weighting; slow)).

# %% tags=["parameters"]
vintage = 2025
outcome = "employment_rate"
first_year: int | None = None
last_year: int | None = None
treatment_year: int | None = None
definition = "non_eu14"
threshold = 7500
cluster = "municipality"
estimators = ["demeaned", "levels"]
authority = "auto"


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
from samenleven_analysis.reports.context import load_consistent

VARIANTS = {"demeaned": dict(demean=True), "levels": dict(demean=False),
            "optimised_v": dict(demean=False, optimize_v=True)}
if not estimators or set(estimators) - set(VARIANTS):
    raise ValueError(f"estimators must be a non-empty list from {sorted(VARIANTS)}, not {estimators}")
real_tables = ctx.has("outcomes") and ctx.has("treatment")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the fallback is announced below, in plain words
    table = ctx.load("outcomes", fallback_demo=True)
    treat = ctx.load("treatment", fallback_demo=True)
demo_side = not real_tables and not ctx.built_demo
if ctx.demo:
    display(Markdown(
        "> **DEMO DATA.** No public table of outcomes or funded authorities exists, so this notebook "
        "shows **Demoland** (fictional) data: the method, not findings about any real city."
    ))
munis = load_consistent(ctx, "municipalities", demo_side)
pop = load_consistent(ctx, "population_nationality", demo_side)
names = dict(zip(munis["refnis"], munis["name_nl"]))
panel = oc.panel(table, treat, outcome, first_year=first_year, last_year=last_year)
label = oc.label(outcome)

# %%
latest = pop[pop["year"] == pop["year"].max()].groupby("refnis")["population"].sum()
funded = panel.loc[panel.treated, "refnis"].unique().tolist()
if authority == "auto":
    flemish = set(munis.loc[munis["region"] == "02000", "refnis"])
    pool = [r for r in funded if r in flemish] or funded
    city = max(pool, key=lambda r: (latest.get(r, 0), r))
else:
    city = str(authority).zfill(5)
    if city not in set(panel["refnis"]):
        raise ValueError(f"authority {authority!r} is not in the outcome table")
cohort = panel.loc[panel.refnis == city, "cohort"].iloc[0]
if treatment_year is not None:
    t0 = int(treatment_year)
elif cohort == cohort:
    t0 = int(cohort)
else:
    raise ValueError(f"authority {city} was never funded: pass treatment_year for a placebo analysis")
donors = sorted(panel.loc[~panel.treated, "refnis"].unique())
origin = load_consistent(ctx, "population_origin", demo_side) if definition != eligibility.PROXY_DEFINITION else None
used_definition = definition if origin is not None else eligibility.PROXY_DEFINITION
src = origin if origin is not None else pop
ref_year = 2022 if 2022 in set(int(y) for y in src["year"].unique()) else int(src["year"].max())
elig = eligibility.eligible(src, threshold, used_definition, ref_year)
row = elig[elig["members"].map(lambda ms: city in ms)]
status = (f"{int(row['count'].iloc[0]):,} residents by {used_definition} in {int(row['year'].iloc[0])} "
          f"({'above' if bool(row['eligible'].iloc[0]) else 'not above'} {threshold:,})") if len(row) else "not in the eligibility table"
print(f"Authority: {names.get(city, city)} ({city}), {int(latest.get(city, 0)):,} residents; {status}")
print(f"Treatment starts {t0}; {len(donors)} never-funded donors; outcome {label}")

# %% [markdown]
# ## Synthetic control and in-space placebos

# %%
main_variant = estimators[0]
sc = ev.synthetic_control(panel, "value", "refnis", "year", city, t0, controls=donors, **VARIANTS[main_variant])
print(f"Main analysis: {main_variant}")
weights = sc.weights.rename(index=lambda r: f"{names.get(r, r)} ({r})").round(3)
display(weights[weights >= 0.001].to_frame())
summary = pd.DataFrame({
    "value": [sc.att, sc.ci_low, sc.ci_high, sc.placebo_pvalue, sc.extra["min_pvalue"], sc.pre_rmspe, sc.post_rmspe],
}, index=["ATT (mean post gap)", "95% CI low (placebo SE)", "95% CI high (placebo SE)", "placebo p-value",
          "smallest possible p-value", "pre-period RMSPE", "post-period RMSPE"]).round(3)
summary.loc["median donor pre-period RMSPE"] = round(sc.extra["median_placebo_pre_rmspe"], 3)
display(summary)
print(sc.method)
if sc.extra["dropped"]:
    print(f"Donors without a complete series, left out: {', '.join(sc.extra['dropped'])}")
axes = ev.plot_synthetic_control(sc, title=f"{names.get(city, city)}: {label}", treated_label=names.get(city, city))
axes[0].figure.text(0.01, -0.03, ctx.caption(extra="grey: in-space placebos (donors as if funded)"), fontsize=7)
plt.show()

# %%
rows = []
for variant in estimators[1:]:
    alt = ev.synthetic_control(panel, "value", "refnis", "year", city, t0, controls=donors, placebos=False,
                               **VARIANTS[variant])
    top = alt.weights.index[0]
    rows.append({"variant": variant, "ATT": alt.att, "pre-period RMSPE": alt.pre_rmspe,
                 "largest weight": f"{names.get(top, top)} ({alt.weights.iloc[0]:.2f})"})
if rows:
    display(pd.DataFrame(rows).round(3))
    print(f"Main analysis ({main_variant}): ATT {sc.att:.3f}, pre-period RMSPE {sc.pre_rmspe:.3f}. "
          "A variant that fits the years before funding much worse is not evidence either way.")
else:
    print("No robustness variants requested (estimators).")

# %% [markdown]
# ## Verdict

# %%
text = ev.synthetic_verdict(sc, outcome_label=label, unit_label=oc.unit(outcome),
                            place=names.get(city, city), demo=ctx.demo)
display(Markdown("\n".join("> " + line for line in text.split("\n"))))

# %%
params = dict(vintage=vintage, outcome=outcome, first_year=first_year, last_year=last_year,
              treatment_year=treatment_year, definition=definition, threshold=threshold, cluster=cluster,
              estimators=estimators, authority=authority)
ctx.provenance_cell(params)
