"""Parameters of the one small demo report run shared by the tests that inspect its products.

Those tests: disclosure scan, headless-browser dashboard check. The run itself is the session
fixture ``demo_report_run`` in ``conftest.py``.
"""

DEMO_AUTHORITIES = ("99016", "IGS01", "96006")
"""The largest municipality, a partnership, and a small municipality with small cells."""
DEMO_MIN_CELL = 50
"""A high min_cell so that the small authority's tables must show suppressed cells."""
