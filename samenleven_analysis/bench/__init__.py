"""Benchmarks and the simulation study: commands that print figures, never part of the test run.

``samenleven bench build|reports|simulation``.
"""
