"""Large reads of the store straight into Arrow columns.

``pandas.read_sql`` fetches every row as a tuple of Python objects before it builds a
column: for 20 million activities that is more than ten gigabytes at once. Here the
frame is the same as the ``load_*`` functions' (same columns, dtypes and values) at a
fraction of the peak memory and of the processor time:

- a large SQLite file is read by the ADBC SQLite driver (``adbc-driver-sqlite``, when
  installed) in a child process that streams Arrow record batches back (Arrow IPC): a
  second SQLite library in this process would break the file locks of the first (after
  one read, later reads saw stale rows and failed with "disk I/O error"), in its own
  process it is one more reader;
- otherwise (PostgreSQL, a small file, no driver, or a value the driver cannot type) the
  rows are fetched a chunk at a time from the database's own cursor (no SQLAlchemy row
  per row), each chunk turned into Arrow arrays, and only the columns kept.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import pandas as pd
import pyarrow as pa
from sqlalchemy import Engine, Select, literal, select, union_all

from talent.config import sqlite_uri
from talent.store import _read, activities_query, commit_files_query, sort_threads, sqlite_file

# Rows fetched and turned into Arrow arrays at a time.
CHUNK = 100_000
# Rows of each piece of a column read by a child (:func:`_joined_stream`).
JOINED_ROWS = 1_000_000
# SQLite files from this size on are read in a child process by the ADBC driver (when
# installed): below it, starting the child costs more than it saves.
CHILD_READ_BYTES = 200_000_000
# What a child's first row holds in a column of each type: the ADBC driver types each
# column by the values of its first batch, and a column missing there (all NULL) would be
# typed as integers and fail on the first text. The row is dropped again.
_TYPED = {str: "", int: 0, float: 0.0, datetime: datetime(1970, 1, 1), bool: False}
# The Arrow type the driver gives each of those (SQLite keeps times as text): a column of
# another type held values of several types, which read_sql keeps as objects.
_ARROW = {str: pa.string(), int: pa.int64(), float: pa.float64(), datetime: pa.string(),
          bool: pa.int64()}  # fmt: skip


def read_columns(
    engine: Engine,
    stmt: Select,
    order: Sequence[str] = (),
    parse_dates: Sequence[str] = (),
    chunk: int | None = None,
) -> pd.DataFrame:
    """The rows of ``stmt`` in the order of its columns ``order``, as a frame: the same
    frame as :func:`talent.store._read` (``pandas.read_sql``) of ``stmt`` ordered by
    ``order`` gives, with ``parse_dates`` parsed. Read in a child process
    (:data:`CHILD_READ_BYTES`), else ``chunk`` rows (default :data:`CHUNK`) at a time."""
    return start_read_columns(engine, stmt, order, parse_dates, chunk)()


def start_read_columns(
    engine: Engine,
    stmt: Select,
    order: Sequence[str] = (),
    parse_dates: Sequence[str] = (),
    chunk: int | None = None,
) -> StartedRead:
    """:func:`read_columns`, its child process (where one reads) started now: calling
    what is returned waits for it and gives the frame, so the caller can read other
    tables meanwhile, while SQLite sorts the rows in the child."""
    ordered = stmt.order_by(*(stmt.selected_columns[name] for name in order))
    return StartedRead(
        engine, ordered, parse_dates, chunk or CHUNK, _start_child(engine, stmt, order)
    )


class StartedRead:
    """A read begun by :func:`start_read_columns`: call it once for the frame, or
    :meth:`stop` it (a child nobody reads from would wait on its full pipe, holding
    its rows and a read of the store; one left so is stopped when this process exits)."""

    def __init__(
        self,
        engine: Engine,
        ordered: Select,
        parse_dates: Sequence[str],
        chunk: int,
        child: tuple[subprocess.Popen, list] | None,
    ) -> None:
        self._engine, self._ordered, self._parse_dates = engine, ordered, parse_dates
        self._chunk, self._child = chunk, child

    def __call__(self) -> pd.DataFrame:
        engine, ordered, parse_dates = self._engine, self._ordered, self._parse_dates
        table = None if self._child is None else _child_table(*self._child)
        if table is None:
            table = _chunked_read(engine, ordered, self._chunk)
        if table is None:  # no rows, or a column of mixed types: read_sql's own frame
            return _read(engine, ordered, parse_dates)
        table = _times(table, parse_dates)
        frame = table.to_pandas(self_destruct=True)
        del table
        for col in parse_dates:  # a no-op for the times Arrow parsed
            frame[col] = pd.to_datetime(frame[col], format="ISO8601")
        return frame

    def stop(self) -> None:
        if self._child is not None:
            _stop(self._child[0])


def _times(table: pa.Table, columns: Sequence[str]) -> pa.Table:
    """``table`` with the texts of ``columns`` (SQLite keeps times as ISO 8601 text)
    parsed by Arrow into microsecond times, as pandas would parse them but without a
    Python string per value; a column Arrow cannot parse is left for pandas."""
    import pyarrow.compute as pc

    for col in columns:
        i = table.schema.get_field_index(col)
        if not pa.types.is_string(table.schema.field(i).type):
            continue
        try:
            parsed = pc.cast(table.column(i), pa.timestamp("us"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        table = table.set_column(i, col, parsed)
    return table


def _chunked_read(engine: Engine, stmt: Select, chunk: int) -> pa.Table | None:
    """The rows of ``stmt`` fetched ``chunk`` at a time, or None when there are none or
    a column holds values of several types (SQLite keeps what it is given: no Arrow type
    holds them; read_sql makes such a column one of objects)."""
    tables = []
    try:
        with engine.connect() as conn:
            result = conn.execute(stmt)
            try:
                names = list(result.keys())
                # The driver's own rows: SQLAlchemy's per-row processing (a datetime
                # object per time) is skipped; times are parsed a column at a time.
                cursor = result.cursor
                while rows := cursor.fetchmany(chunk):
                    columns = list(zip(*rows, strict=True))
                    tables.append(pa.table([pa.array(c) for c in columns], names=names))
            finally:
                result.close()
        if not tables:
            return None
        # A chunk whose values of a column were all missing has a null column: promoted
        # to the other chunks' type.
        return pa.concat_tables(tables, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _start_child(
    engine: Engine, stmt: Select, order: Sequence[str]
) -> tuple[subprocess.Popen, list] | None:
    """A child process reading the rows of ``stmt`` ordered by ``order`` with the ADBC
    SQLite driver (and the columns it reads), or None where that does not apply (not a
    large SQLite file, no driver, a column type without a typed first row)."""
    path = sqlite_file(engine)
    if path is None or not path.exists() or os.path.getsize(path) < CHILD_READ_BYTES:
        return None
    if not _has_driver():
        return None
    columns = list(stmt.selected_columns)
    try:
        typed = [_TYPED[c.type.python_type] for c in columns]
    except (KeyError, NotImplementedError):
        return None
    first = select(
        *(literal(v, c.type).label(c.name) for v, c in zip(typed, columns, strict=True)),
        literal(0).label("_row_"),
    )
    rest = stmt.add_columns(literal(1).label("_row_"))
    both = union_all(first, rest).subquery()
    query = select(*(both.c[c.name] for c in columns)).order_by(
        both.c["_row_"], *(both.c[name] for name in order)
    )
    # Every value rendered by SQLAlchemy's own literal rendering (quoted, the store's
    # time format): the child takes one finished statement.
    sql = str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    child = subprocess.Popen(
        [sys.executable, "-m", "talent.store.columnar", str(path), sql],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    _unfinished.add(child)
    return child, columns


def _child_table(child: subprocess.Popen, columns: list) -> pa.Table | None:
    """What the child of :func:`_start_child` read, or None when it failed (a value its
    typing rejects): the caller then reads in this process."""
    assert child.stdout is not None
    try:
        table: pa.Table | None = _joined_stream(pa.ipc.open_stream(child.stdout))
    except (pa.ArrowInvalid, OSError):
        table = None
    except BaseException:  # interrupted, out of memory: not waiting for its sort to end
        _stop(child)
        raise
    child.stdout.close()
    returncode = child.wait()
    _unfinished.discard(child)
    wanted = [_ARROW[c.type.python_type] for c in columns]
    if table is None or returncode != 0 or table.schema.types != wanted:
        return None
    table = table.slice(1)
    # A column missing everywhere is typed by the first row alone: read_sql gives None.
    for i, column in enumerate(table.columns):
        if len(table) and column.null_count == len(table):
            table = table.set_column(i, table.column_names[i], pa.nulls(len(table)))
    return table if len(table) else None


def _joined_stream(reader: pa.RecordBatchStreamReader) -> pa.Table:
    """The stream's batches, joined :data:`JOINED_ROWS` rows at a time as they arrive.
    Joined at the end instead, the whole table was held twice (3 GB more for a million
    people's acts); not joined at all, each column would be hundreds of pieces."""
    parts: list[pa.Table] = []
    waiting: list[pa.RecordBatch] = []
    for batch in reader:
        waiting.append(batch)
        if sum(b.num_rows for b in waiting) >= JOINED_ROWS:
            parts.append(pa.Table.from_batches(waiting).combine_chunks())
            waiting = []
    if waiting or not parts:
        parts.append(pa.Table.from_batches(waiting, schema=reader.schema).combine_chunks())
    return pa.concat_tables(parts)


# Children started and not yet waited for: stopped at exit (a reader that nobody reads
# from would wait on its full pipe).
_unfinished: set[subprocess.Popen] = set()


@atexit.register
def _stop_unfinished() -> None:
    for child in list(_unfinished):
        _stop(child)


def _stop(child: subprocess.Popen) -> None:
    child.kill()
    child.wait()
    if child.stdout is not None:
        child.stdout.close()
    _unfinished.discard(child)


def _has_driver() -> bool:
    from importlib.util import find_spec

    return find_spec("adbc_driver_sqlite") is not None


def _serve(path: str, sql: str) -> None:
    """The child's side: ``sql`` over the SQLite file ``path``, as an Arrow IPC stream on
    standard output, a batch at a time."""
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(sqlite_uri(path, mode="ro")) as conn, conn.cursor() as cursor:
        # The ORDER BY of millions of rows is a sort: SQLite's helper threads merge its
        # runs side by side (on a million people's acts, 31 s in place of 46 s on two
        # cores). What is read is the same.
        cursor.execute(f"PRAGMA threads = {int(sort_threads())}")
        cursor.fetchall()
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(CHUNK)})
        cursor.execute(sql)
        reader = cursor.fetch_record_batch()
        with pa.output_stream(sys.stdout.buffer) as sink:
            with pa.ipc.new_stream(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)


def load_activities_columns(
    engine: Engine, *, repos: Sequence[str] | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """:func:`talent.store.load_activities` of ``repos`` since ``since``, read by
    :func:`read_columns`."""
    return start_activities_columns(engine, repos=repos, since=since)()


def start_activities_columns(
    engine: Engine,
    *,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    acting: Literal["anyone", "people", "humans"] = "anyone",
) -> StartedRead:
    """:func:`load_activities_columns` (the acts of whom ``acting`` says, see
    :func:`talent.store.activities_query`), started now (:func:`start_read_columns`)."""
    stmt = activities_query(repos=repos, since=since, acting=acting)
    return start_read_columns(engine, stmt, ["occurred_at", "key"], ["occurred_at"])


def load_commit_files_columns(
    engine: Engine, *, repos: Sequence[str] | None = None
) -> pd.DataFrame:
    """:func:`talent.store.load_commit_files` of ``repos``, read by :func:`read_columns`."""
    return read_columns(engine, commit_files_query(repos), ["repo", "sha", "path"])


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2])
