"""Impact-evaluation estimators, one module per design (results and helpers in ``common``)."""
