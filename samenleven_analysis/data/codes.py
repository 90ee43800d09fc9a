"""REFNIS codes and the fixed codes built on them: one home for normalising a code, the region
codes, and the name of the nationality-proxy definition."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

REGION_CODES = {"flanders": "02000", "wallonia": "03000", "brussels": "04000"}
"""REFNIS codes of the three regions (Statbel drops the leading zero: ``2000``)."""

FLANDERS = REGION_CODES["flanders"]
"""Region code of Flanders (Demoland-Noord stands in for it in demo data)."""

PROXY_DEFINITION = "nationality_proxy"
"""The origin definition computed from nationality (BEL/ETR) instead of origin: a proxy that
understates origin, always labelled as such."""

_CODE = r"\d{1,5}"


def normalise_refnis(values: Iterable, *, name: str = "refnis", strict: bool = True) -> pd.Series:
    """REFNIS codes as 5-digit strings: ``11001``, ``"11001"``, ``11001.0``, ``" 2000"`` →
    ``"11001"`` / ``"02000"``.

    Accepts a list, Series or array of ints, floats or strings; missing values stay missing.
    With ``strict`` a value that is not a whole number of at most five digits raises
    ``ValueError`` naming ``name`` and the first offenders; without it such values are passed
    through (stripped) so that a schema check can report them with their row numbers.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    odd = pd.Series(False, index=s.index)  # booleans and fractional numbers: never codes
    if pd.api.types.is_bool_dtype(s.dtype):
        odd[:] = True
        text = s.astype("string")
    elif pd.api.types.is_float_dtype(s.dtype):
        odd = s.notna() & (s % 1 != 0)
        text = s.where(~odd).astype("Int64").astype("string").where(~odd, s.astype("string"))
    elif pd.api.types.is_numeric_dtype(s.dtype):
        text = s.astype("string")
    else:
        objects = s.astype(object)
        if objects.map(lambda v: isinstance(v, (bool, float, int))).any():  # mixed Python values
            odd = objects.map(
                lambda v: (
                    isinstance(v, bool) or (isinstance(v, float) and v == v and not v.is_integer())
                )
            )
            objects = objects.map(
                lambda v: str(int(v)) if isinstance(v, float) and v == v and v.is_integer() else v
            )
        text = objects.astype("string")
    out = text.str.strip().str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    bad = (out.notna() & ~out.str.fullmatch(_CODE).fillna(False)) | odd
    if bad.any() and strict:
        offenders = sorted({repr(v) for v in s[bad]})[:5]
        raise ValueError(
            f"{name}: not a REFNIS code (expected up to 5 digits): {', '.join(offenders)}"
        )
    return out.where(bad | out.isna(), out.str.zfill(5)).astype("str").rename(s.name)
