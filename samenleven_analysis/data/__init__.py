"""Data layer: where each source comes from, its readers, schemas, Demoland, and the build."""
