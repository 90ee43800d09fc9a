"""The eligibility notebook on the real mirror: no origin table, so it must say it uses a proxy."""

from __future__ import annotations

import re

import pytest
from _notebooks import real_run_text


@pytest.mark.realdata
@pytest.mark.notebooks
def test_eligibility_notebook_on_the_real_mirror_uses_the_labelled_proxy(real_run):
    text = real_run_text(real_run, "eligibility")
    assert "ERROR" not in text
    assert "Proxy, not the Plan's rule" in text
    assert "non-Belgian nationality" in text and "understates" in text
    # by proxy in 2015 (the mirror's latest year): Antwerpen, Gent, Leuven, Mechelen, Genk, Lanaken
    assert re.search(
        r"\*\*6 of 285 applicants qualify\*\* \(non-Belgian nationality \(proxy\) > 7,500, 2015\)",
        text,
    )
    assert "DEMO DATA" not in text and "Data: real" in text  # no demo fallback anywhere
