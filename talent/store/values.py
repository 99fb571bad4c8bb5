"""How a frame's values become what the database driver takes: shared by the bulk
write of :func:`talent.store.save_frames` and its child (:mod:`talent.store.bulk`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import Integer, Table

from talent.lazy import LazyModule

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = LazyModule("numpy")
    pd = LazyModule("pandas")


def _default(table: Table, column: str):
    found = table.c[column].default
    return None if found is None or not found.is_scalar else getattr(found, "arg", None)


def _driver_values(part: pd.DataFrame, table: Table, column: str, dialect) -> list:
    """One column of ``part`` as the driver takes it: None for missing values, the
    column's bind processor applied (SQLite's timestamps in numpy, see :func:`_stamps`)."""
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    if column not in part:
        value = _default(table, column)
        return [value if value is None or process is None else process(value)] * len(part)
    values = part[column]
    if values.dtype.kind == "f" and isinstance(table.c[column].type, Integer):
        # Whole numbers held as floats (a column with gaps) go as integers: COPY takes
        # no "7.0" for an integer, as an INSERT's parameter would have been cast.
        try:
            values = values.astype("Int64")
        except (TypeError, ValueError):
            pass  # fractions: left to the database, as an INSERT would
    if pd.api.types.is_datetime64_any_dtype(values):
        naive = values.dt.tz_convert(None) if values.dt.tz is not None else values
        if process is not None:
            made = _stamps(naive, process)
            if made is not None:
                return made
        plain = [None if v is pd.NaT else v for v in naive.dt.to_pydatetime()]
    elif not values.hasnans:
        plain = values.tolist()
    else:
        plain = values.astype(object).where(values.notna(), None).tolist()
    if process is None:
        return plain
    return [None if v is None else process(v) for v in plain]


def _stamps(naive: pd.Series, process: Callable) -> list | None:
    """Naive timestamps as SQLite's text (``2024-05-01 09:30:00.000000``), made by numpy,
    or None when that is not exactly what ``process`` (SQLAlchemy's) makes of the first
    of them: then the caller converts them one by one."""
    moments = naive.to_numpy(dtype="datetime64[us]")
    missing = np.isnat(moments)
    if missing.all():
        return [None] * len(moments)
    known = moments[~missing]
    if known.min() < np.datetime64("0001-01-01") or known.max() >= np.datetime64("10000-01-01"):
        return None  # a year of other than four digits
    width = len("2024-05-01T09:30:00.000000")
    text = np.datetime_as_string(moments, unit="us").astype(f"<U{width}")
    # The date and time are parted by "T"; SQLite's text has a space.
    text.view(np.uint32).reshape(len(text), width)[:, 10] = ord(" ")
    out = text.tolist()
    first = int(np.argmin(missing))
    if out[first] != process(naive.iloc[first].to_pydatetime()):
        return None
    for i in np.flatnonzero(missing):
        out[i] = None
    return out
