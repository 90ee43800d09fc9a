"""One caption implementation: every figure writes its caption through figures.add_caption."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from samenleven_analysis.reports import figures, publish
from samenleven_analysis.reports.figures import estimates


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


def test_add_caption_keeps_dollars_literal_and_skips_empty_text():
    fig = plt.figure()
    figures.add_caption(fig, None)
    figures.add_caption(fig, "")
    assert fig.texts == []
    figures.add_caption(fig, "cost $5 to $7", y=0.1, va="bottom", color="#333333")
    (text,) = fig.texts
    assert text.get_text() == r"cost \$5 to \$7" and text.get_va() == "bottom"
    assert text.get_position() == (0.01, 0.1)
    plt.close(fig)


def test_the_report_and_estimate_captions_go_through_add_caption():
    fig = plt.figure()
    publish.caption_figure(fig, "price in $ and $ again")
    estimates._caption(fig, "second $ caption $")
    assert _texts(fig) == [r"price in \$ and \$ again", r"second \$ caption \$"]
    plt.close(fig)


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_figure_caption_with_dollars_draws_literally():
    fig, _ = plt.subplots()
    figures.add_caption(fig, "cost $\\alpha$ and $\\notacommand$")
    figures.figure_bytes(fig)  # mathtext would raise on \notacommand
    plt.close(fig)


def test_rdd_line_fit_is_least_squares_and_independent_of_summation_order():
    import numpy as np

    from samenleven_analysis.reports.figures.estimates import line_fit

    rng = np.random.default_rng(0)
    x = rng.lognormal(8, 1, 140)
    y = 0.3 * x + rng.normal(0, 50, 140)
    slope, intercept = line_fit(x, y)
    assert np.allclose([slope, intercept], np.polyfit(x, y, 1), rtol=1e-12)
    # exactly rounded sums: any order of the units gives the same bits (no BLAS in the way)
    assert line_fit(x[::-1], y[::-1]) == (slope, intercept)
