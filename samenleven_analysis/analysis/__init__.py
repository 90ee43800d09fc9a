"""Analysis layer: eligibility, programme metrics, outcome panels, disclosure, estimators."""
