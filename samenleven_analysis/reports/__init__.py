"""Report layer: the notebook context, provenance, figures, maps, the runner and dashboard."""
