"""The eligibility notebook on the real mirror: no origin table, so it must say it uses a proxy.

In Dutch, the notebook's default language, with nl_BE number formats.
"""

from __future__ import annotations

import re

import pytest
from _notebooks import real_run_text


@pytest.mark.realdata
@pytest.mark.notebooks
def test_eligibility_notebook_on_the_real_mirror_uses_the_labelled_proxy(real_run):
    text = real_run_text(real_run, "eligibility")
    assert "ERROR" not in text
    assert "Benadering, niet de regel van het Plan" in text
    assert "niet-Belgische nationaliteit" in text and "onderschat" in text
    # by proxy in 2015 (the mirror's latest year): Antwerpen, Gent, Leuven, Mechelen, Genk, Lanaken
    assert re.search(
        r"\*\*6 van de 285 aanvragers komen in aanmerking\*\* "
        r"\(niet-Belgische nationaliteit \(benadering\) > 7\.500, 2015\)",
        text,
    )
    # no demo fallback anywhere
    assert "DEMOGEGEVENS" not in text and "Gegevens: echt" in text
