"""Large reads of the store in chunks, straight into Arrow columns.

``pandas.read_sql`` fetches every row as a tuple of Python objects before it builds a
column: for 20 million activities that is more than ten gigabytes at once. Here the
rows are fetched a chunk at a time from the database's own cursor (no SQLAlchemy row
per row), each chunk becomes Arrow arrays, and only the columns are kept: the frame is
the same as the ``load_*`` functions' (same columns, dtypes and values), at a fraction
of the peak memory and of the processor time.

A second SQLite library (an ADBC driver) would read faster but is not used in this
process: two SQLite libraries in one process break each other's file locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, Select, select

from talent.store import _naive_utc, _read, schema

# Rows fetched and turned into Arrow arrays at a time.
CHUNK = 100_000


def read_columns(
    engine: Engine, stmt: Select, parse_dates: Sequence[str] = (), chunk: int | None = None
) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, read ``chunk`` rows (default ``CHUNK``) at a
    time: the same frame as :func:`talent.store._read` (``pandas.read_sql``) gives, with
    ``parse_dates`` parsed."""
    tables: list[pa.Table] = []
    try:
        tables = _chunks(engine, stmt, chunk or CHUNK)
        # A chunk whose values of a column were all missing has a null column: promoted
        # to the other chunks' type.
        table = pa.concat_tables(tables, promote_options="default") if tables else None
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # A column of values of several types (SQLite keeps what it is given): no Arrow
        # type holds it; read_sql makes it a column of objects.
        table = None
    del tables
    if table is None:  # no rows, or mixed types: read_sql's own frame
        return _read(engine, stmt, parse_dates)
    frame = table.to_pandas()
    del table
    for col in parse_dates:
        frame[col] = pd.to_datetime(frame[col], format="ISO8601")
    return frame


def _chunks(engine: Engine, stmt: Select, chunk: int) -> list[pa.Table]:
    """The rows of ``stmt`` as Arrow tables of ``chunk`` rows."""
    tables = []
    with engine.connect() as conn:
        result = conn.execute(stmt)
        try:
            names = list(result.keys())
            # The driver's own rows: SQLAlchemy's per-row processing (a datetime object
            # per time) is skipped, and times are parsed a column at a time below.
            cursor = result.cursor
            while rows := cursor.fetchmany(chunk):
                columns = list(zip(*rows, strict=True))
                tables.append(pa.table([pa.array(c) for c in columns], names=names))
        finally:
            result.close()
    return tables


def load_activities_columns(
    engine: Engine, *, repos: Sequence[str] | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """:func:`talent.store.load_activities` of ``repos`` since ``since``, read by
    :func:`read_columns`."""
    t = schema.activities
    stmt = select(t)
    if repos:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    if since is not None:
        stmt = stmt.where(t.c.occurred_at >= _naive_utc(since))
    return read_columns(engine, stmt.order_by(t.c.occurred_at, t.c.key), ["occurred_at"])


def load_commit_files_columns(
    engine: Engine, *, repos: Sequence[str] | None = None
) -> pd.DataFrame:
    """:func:`talent.store.load_commit_files` of ``repos``, read by :func:`read_columns`."""
    t = schema.commit_files
    stmt = select(t)
    if repos:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    return read_columns(engine, stmt.order_by(t.c.repo, t.c.sha, t.c.path))
