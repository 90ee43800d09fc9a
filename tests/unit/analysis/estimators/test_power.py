"""The power simulation builds each draw's resampled panel once, for every planted effect.

It reuses the panel for every planted effect: a power point must not depend on which other effects
were computed with it (no state leaks from one effect's fit into the next).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from samenleven_analysis.analysis.estimators.power import power_by_simulation
from samenleven_analysis.bench.simulate import simulate_panel


def test_each_power_point_depends_only_on_its_effect_and_draws():
    df = simulate_panel(n_units=40, years=range(2010, 2026), share_treated=0.15, seed=5)
    df["region"] = df["unit"].astype(str).str[-1:]
    kw = {"draws": 3, "reps": 49, "post_periods": 3, "cluster": "region"}
    grid = power_by_simulation(
        df, "y", "unit", "year", "cohort", 2022, effects=[0.0, 0.3, 0.6, 1.2], **kw
    )
    alone = pd.concat(
        [
            power_by_simulation(df, "y", "unit", "year", "cohort", 2022, effects=[d], **kw).curve
            for d in (1.2, 0.3)
        ],
        ignore_index=True,
    )
    expected = grid.curve.set_index("effect").loc[[1.2, 0.3]].reset_index()
    pd.testing.assert_frame_equal(alone, expected)
    assert grid.curve["power"].iloc[0] < grid.curve["power"].iloc[-1]  # the design has power


def test_a_pre_trend_of_the_treated_units_gives_no_mde_and_says_so():
    """At δ = 0 the curve is the size in this panel; above α beyond MC error there is no MDE."""
    df = simulate_panel(n_units=40, years=range(2010, 2026), share_treated=0.15, seed=5)
    kw = {"draws": 8, "reps": 49, "post_periods": 3, "effects": [0.0, 0.6, 1.2, 2.4]}
    parallel = power_by_simulation(df, "y", "unit", "year", "cohort", 2022, **kw)
    assert parallel.null_holds and parallel.null_rejection <= 0.25
    assert parallel.mde > 0
    drifting = df.assign(y=df.y + df.treated * 0.6 * (df.year - 2010))
    apart = power_by_simulation(drifting, "y", "unit", "year", "cohort", 2022, **kw)
    assert not apart.null_holds and apart.null_rejection > 0.5
    assert np.isnan(apart.mde)
    assert apart.curve is not None and len(apart.curve) == 4  # the curve itself is still shown
