"""samenleven-analysis: measure and evaluate Flanders' Plan Samenleven from Statbel open data.

Layers and contracts: ``docs/architecture.md``. Start with ``samenleven --help``.
"""

__version__ = "0.1.0"
