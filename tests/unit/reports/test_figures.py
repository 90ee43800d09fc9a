"""Figure helpers: captions draw user text literally."""

from __future__ import annotations


# Bad inputs and faults that once passed silently or ended in a traceback (issue 11): each
# case asserts on the error's type and location, never its wording, and that nothing was written.
def test_figure_caption_with_dollars_draws_literally():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from samenleven_analysis.reports import figures

    fig, _ = plt.subplots()
    figures.add_caption(fig, "cost $\\alpha$ and $\\notacommand$")
    figures.figure_bytes(fig)  # mathtext would raise on \notacommand
    plt.close(fig)
