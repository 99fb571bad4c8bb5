"""CSV and JSON writers: formula-safe and redacted by default.

CSV cells are neutralised with OWASP's rule (CSV Injection, current version): a text
cell that starts with ``=``, ``+``, ``-``, ``@``, tab, carriage return or line feed gets a
leading apostrophe, so no spreadsheet runs it as a formula. Numbers stay numbers, and
quoting follows RFC 4180 (the csv module), never string concatenation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime

import numpy as np
import pandas as pd

# OWASP's list, plus the full-width forms of = + - @ that some spreadsheets fold to ASCII,
# and NUL (OWASP ASVS 5.0 V1.2.10).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def neutralise_cell(value: object) -> object:
    """Make one cell safe for a spreadsheet; non-text values pass unchanged.

    >>> neutralise_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("-2+3"), neutralise_cell(-2), neutralise_cell("Ada")
    ("'-2+3", -2, 'Ada')
    """
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def sanitise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised.

    Numeric, boolean and datetime columns are left as they are.
    """
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, so spreadsheets detect the encoding) of ``frame``.

    Rows end in CRLF as RFC 4180 says; that also makes the csv module quote any cell
    holding a bare CR, which a reader would otherwise take as the start of a new row
    (and a new, unneutralised cell).
    """
    text = sanitise_frame(frame).to_csv(
        index=False, date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\r\n"
    )
    return ("\ufeff" + text).encode("utf-8")


def _jsonable(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            return None
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # naive times in the store are UTC already
            stamp = stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def to_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON-ready dicts (NaN -> null, times in ISO 8601 UTC)."""
    return [{str(k): _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]


def to_json(records: Iterable[dict]) -> str:
    return json.dumps(list(records), ensure_ascii=False, indent=2)
