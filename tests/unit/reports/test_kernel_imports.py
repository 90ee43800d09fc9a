"""What a report kernel imports costs every notebook run (issue 22): keep the slow imports out."""

from __future__ import annotations

import subprocess
import sys

REPORT_MODULES = [
    "authority_report",
    "eligibility_report",
    "impact_did_report",
    "migration_roots_map_report",
    "programme_consolidation_report",
    "synthetic_control_report",
    "threshold_rdd_report",
]


def _python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (its imports start from nothing)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_report_modules_do_not_import_nbformat_jsonschema_or_pandera():
    """The format checkers of jsonschema take 1.5 s to import (rfc3987-syntax builds a grammar).

    pandera 0.3 s: the reports read built tables, they validate none.
    """
    code = "; ".join(f"import samenleven_analysis.reports.{m}" for m in REPORT_MODULES)
    slow = "{'nbformat', 'jsonschema', 'mapclassify', 'pandera'}"
    check = f"import sys; print(sorted({slow} & set(sys.modules)))"
    assert _python(f"{code}; {check}") == "[]"


def test_mapclassify_is_imported_without_compiling_and_classifies_the_same():
    code = (
        "import numpy as np, sys; from samenleven_analysis.reports import maps; "
        "x = np.random.default_rng(1).lognormal(0, 1, 300); "
        "c = maps.make_classes(x, 'fisher_jenks', 5); "
        "import numba.core.config as nc; assert not nc.DISABLE_JIT; "
        "import mapclassify; print(list(c.bins) == list(mapclassify.FisherJenks(x, k=5).bins))"
    )
    assert _python(code) == "True"


def test_nbformat_after_the_package_skips_the_iri_format_grammars_and_still_validates():
    """``import nbformat`` cost 1.6 s of CPU per process, 1.4 s of it rfc3987-syntax's grammars."""
    code = (
        "import samenleven_analysis, nbformat, jsonschema, sys; "
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]); "
        "nbformat.validate(nb); bad = nbformat.from_dict({'cells': 1}); "
        "ok = False\n"
        "try: nbformat.validate(bad)\n"
        "except nbformat.ValidationError: ok = True\n"
        "print(sys.modules.get('rfc3987_syntax'), 'iri' in jsonschema.FormatChecker.checkers, ok)"
    )
    assert _python(code) == "None False True"
