"""Region codes and the region of a code are defined once, in data/codes.py."""

from __future__ import annotations

import pandas as pd

from samenleven_analysis.data import boundaries, codes, schemas


def test_region_of_code_follows_the_province_prefix():
    got = codes.region_of_code([11001, "21004", "57096", "94001", "96015", "00001"])
    assert got.iloc[:5].tolist() == ["02000", "04000", "03000", "04000", "02000"]
    assert pd.isna(got.iloc[5])
    assert boundaries.region_of_code is codes.region_of_code


def test_the_region_selections_and_the_schema_use_the_region_codes():
    assert boundaries.REGION_SELECTIONS["belgium"] == tuple(
        codes.REGION_CODES[r] for r in ("flanders", "wallonia", "brussels")
    )
    assert set(schemas.MUNICIPALITIES.columns["region"].checks[0].statistics["allowed_values"]) == {
        "02000",
        "03000",
        "04000",
    }


def test_canonical_file_names_and_schemas_are_defined_once():
    from samenleven_analysis.data import catalog
    from samenleven_analysis.reports import labels

    for table, (file, _holds) in labels.MISSING_INPUTS.items():
        dataset = "origin" if table == "population_origin" else table
        assert file == catalog.CANONICAL_FILES[dataset] == catalog.DATASETS[dataset].filename
        assert labels.canonical_columns(table) == list(schemas.TABLE_SCHEMAS[table].columns)
    assert labels.canonical_columns("contracts") == []
