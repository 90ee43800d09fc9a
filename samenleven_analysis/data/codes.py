"""REFNIS codes and the fixed codes built on them.

One home for normalising a code, the region codes and the region of a code, and the name of the
nationality-proxy definition.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
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
    """REFNIS codes as 5-digit strings.

    ``11001``, ``"11001"``, ``11001.0``, ``" 2000"`` → ``"11001"`` / ``"02000"``.

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


def region_of_code(codes: Iterable) -> pd.Series:
    """Region code (``02000``/``03000``/``04000``) of municipality codes, from the code alone.

    REFNIS municipality codes start with their province: 21 = Brussels-Capital; 1x
    (Antwerpen), 23/24 (Vlaams-Brabant), 3x, 4x, 7x = Flanders; 25 (Brabant wallon),
    5x (Hainaut, including the arrondissements 57/58 created in 2019), 6x, 8x, 9x =
    Wallonia. Demoland codes (never used by real municipalities) follow its layout:
    94 = the capital region (04000), 95–99 = Demoland-Noord (02000). Unknown prefixes give
    ``pd.NA``. This is why Mesen (33016) comes out Flemish whatever a file says.
    """
    s = normalise_refnis(codes)
    p1 = s.str[:1]
    p2 = s.str[:2]
    conditions = [
        p2.eq("21"),
        p2.eq("94"),
        p2.isin(["95", "96", "97", "98", "99"]),
        p2.isin(["23", "24"]) | p1.isin(["1", "3", "4", "7"]),
        p2.eq("25") | p1.isin(["5", "6", "8"]) | p2.isin(["91", "92", "93"]),
    ]
    fl, wa, br = (REGION_CODES[r] for r in ("flanders", "wallonia", "brussels"))
    choices = [br, br, fl, fl, wa]
    cond = [c.fillna(False).to_numpy(dtype=bool) for c in conditions]
    region = np.select(cond, choices, default="")
    out = pd.Series(region, index=s.index, dtype="string")
    return out.mask(out.eq(""))
