"""The power simulation builds each draw's resampled panel once, for every planted effect.

It reuses the panel for every planted effect: a power point must not depend on which other effects
were computed with it (no state leaks from one effect's fit into the next).
"""

from __future__ import annotations

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
