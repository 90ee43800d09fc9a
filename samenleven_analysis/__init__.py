"""samenleven-analysis: measure and evaluate Flanders' Plan Samenleven from Statbel open data.

Layers and contracts: ``docs/architecture.md``. Start with ``samenleven --help``.
"""

import sys as _sys

__version__ = "0.1.0"

# nbformat (the runner, its pool workers, the tests) imports jsonschema, whose optional IRI format
# checker (the ``rfc3987_syntax`` package) builds 38 lark grammars at import: 1.4 s of CPU in every
# process that reads a notebook, several per report run. Notebook validation uses no IRI format, so
# jsonschema is told the package is absent (it then leaves out the "iri" and "iri-reference"
# checkers) unless jsonschema or that package was imported before this one (docs/architecture.md).
if "jsonschema" not in _sys.modules:
    _sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
