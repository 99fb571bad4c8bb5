"""Large writes of frames into an SQLite file, bound in C.

:func:`talent.store.save_frames` otherwise hands the sqlite3 module a Python object per
value, which it binds one at a time: for a million people's 20 million activities that
is more time than SQLite's own inserting. Here a child process with the ADBC SQLite
driver (``adbc-driver-sqlite``) binds whole Arrow columns to the same upsert as every
write (:func:`talent.store._upsert_sql`), in one transaction of its own that holds the
whole save: begun (``BEGIN IMMEDIATE``) before the first row, committed after the
table's indexes are built again and the data version is moved on, rolled back on any
failure, so a failed save leaves the table, its indexes and the data version as they
were. The frames reach the child as an Arrow IPC stream on its standard input, one at a
time. A child, because a second SQLite library in this process would break the file
locks of the first (see :mod:`talent.store.columnar`).

The values are those the sqlite3 module stores: text, whole numbers, floats, NULL for a
missing value, booleans as 0 and 1, times as SQLAlchemy's SQLite text (naive UTC,
``2024-05-01 09:30:00.000000``). A value a column cannot hold as its type (a fraction
or a word in an integer column) fails the whole save with one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Boolean, DateTime, Float, Integer, String, Table

from talent.config import sqlite_uri
from talent.store.values import _driver_values

# A stream whose first frame has this many rows goes to the child: below it, starting
# the child (a Python and the driver, about 0.2 s) costs more than binding in C saves.
BULK_ROWS = 100_000
# Rows of each batch sent to the child and bound at once.
BATCH_ROWS = 100_000

_ARROW = {String: pa.string(), Integer: pa.int64(), Float: pa.float64(),
          DateTime: pa.string(), Boolean: pa.int64()}  # fmt: skip
# Times whose text has a year of four digits, in microseconds since 1970: 0001-01-01
# and 10000-01-01.
_FIRST_US, _PAST_LAST_US = -62_135_596_800_000_000, 253_402_300_800_000_000
# How long a child that has stopped reading may take to end before it is stopped.
_ENDING_S = 30
# What the parent writes after the stream's last batch.
_DONE = b"commit\n"


class WriteFailed(Exception):
    """A save the child did not finish, in one line: nothing of it is kept."""


def can_write(path: Path | None, table: Table) -> bool:
    """Whether :func:`write_frames` applies: an SQLite file at ``path``, the driver
    installed, and every column of ``table`` of a type it turns into Arrow."""
    if path is None or not path.exists():
        return False
    from importlib.util import find_spec

    if find_spec("adbc_driver_sqlite") is None:
        return False
    return all(_arrow_type(column.type) is not None for column in table.c)


def _arrow_type(kind) -> pa.DataType | None:
    for base, arrow in _ARROW.items():
        if isinstance(kind, base):
            return arrow
    return None


def write_frames(
    path: Path, table: Table, dialect, plan: dict, frames: Iterable[pd.DataFrame]
) -> int:
    """Upsert ``frames`` into ``table`` of the SQLite file ``path`` through the child (see
    the module's words), running ``plan`` (the pragmas and statements of
    :func:`talent.store._bulk_plan`) as :func:`talent.store.save_frames` would: into an
    empty table (or one replaced) each frame in primary-key order, the other indexes
    dropped first and built once at the end. The rows written; :class:`WriteFailed`
    when the save failed (nothing of it is kept)."""
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talent.store.bulk",
            str(path),
            json.dumps(plan),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    keys = [c.name for c in table.primary_key.columns]
    schema = pa.schema([(c.name, _arrow_type(c.type)) for c in table.c])
    try:
        begun = child.stdout.readline().strip()
        if begun not in (b"fresh", b"kept"):
            return _failed(child)
        fresh = begun == b"fresh"
        with pa.ipc.new_stream(child.stdin, schema) as stream, ThreadPoolExecutor(1) as sender:
            sending: Future | None = None
            for frame in frames:
                if fresh and len(frame) > 1:
                    frame = frame.sort_values(keys, ignore_index=True)
                data = arrow_frame(frame, table, dialect)
                del frame
                if sending is not None:
                    sending.result()
                # A thread sends (a write to the pipe lets go of the interpreter) while
                # the next frame is made here: the child binds one frame as this makes
                # the next, on two cores.
                sending = sender.submit(_write, stream, data)
            if sending is not None:
                sending.result()
        # A stream cut short reads as a whole one: the child commits on this word only.
        child.stdin.write(_DONE)
        child.stdin.close()
        written = child.stdout.read().strip()
        code = child.wait()
    except OSError as error:
        if isinstance(error, BrokenPipeError | ConnectionResetError) or child.poll() is not None:
            return _failed(child)  # the pipe broke because the child stopped: it says why
        _stop(child)  # the frames' own error (a file that could not be read)
        raise
    except BaseException:
        _stop(child)
        raise
    if code != 0 or not written.isdigit():
        return _failed(child)
    _close(child)
    return int(written)


def _stop(child: subprocess.Popen) -> None:
    """Stop the child: its transaction is rolled back, nothing of this save is kept."""
    child.kill()
    child.wait()
    _close(child)


def _write(stream: pa.ipc.RecordBatchStreamWriter, data: pa.Table) -> None:
    for batch in data.to_batches(BATCH_ROWS):
        stream.write_batch(batch)


def _failed(child: subprocess.Popen) -> int:
    """Raise what stopped the child (which has ended, or ends now): its last line."""
    try:
        child.wait(timeout=_ENDING_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    assert child.stderr is not None
    lines = child.stderr.read().decode(errors="replace").strip().splitlines()
    _close(child)
    raise WriteFailed(lines[-1] if lines else "the writer stopped")


def _close(child: subprocess.Popen) -> None:
    for pipe in (child.stdin, child.stdout, child.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:  # unflushed bytes to a child that has gone
                pass


def arrow_frame(frame: pd.DataFrame, table: Table, dialect) -> pa.Table:
    """``frame`` as the Arrow columns the child binds, in the table's column order: the
    values the sqlite3 module would store (a column the frame lacks takes its default)."""
    columns = [_arrow_column(frame, table, column.name, dialect) for column in table.c]
    return pa.table(columns, names=[c.name for c in table.c])


def _arrow_column(frame: pd.DataFrame, table: Table, name: str, dialect) -> pa.Array:
    kind = table.c[name].type
    arrow = _arrow_type(kind)
    assert arrow is not None
    if name not in frame:  # its default, as the store's own conversion gives it
        return pa.array(_driver_values(frame, table, name, dialect), arrow)
    values = frame[name]
    try:
        if isinstance(kind, DateTime):
            return _stamps(frame, table, name, dialect)
        if isinstance(kind, Boolean):
            return pa.array(values.astype("boolean"), from_pandas=True).cast(pa.int64())
        if isinstance(kind, String) and not _texts(values):
            try:  # texts and missing values, read by Arrow as they are
                return pa.array(values, type=arrow, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                # Text affinity: SQLite keeps a number given to a text column as text
                # (True is bound as 1).
                values = values.astype(object).map(_as_text, na_action="ignore")
        if isinstance(kind, Integer) and values.dtype == object:
            values = pd.to_numeric(values)  # whole numbers as floats are integers, as there
        return pa.array(values, type=arrow, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
        raise WriteFailed(f"column {name}: {error}") from None


def _texts(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.StringDtype)


def _as_text(value: object) -> str:
    return str(int(value)) if isinstance(value, bool) else str(value)


def _stamps(frame: pd.DataFrame, table: Table, name: str, dialect) -> pa.Array:
    """Times as SQLAlchemy's SQLite text (naive UTC, to the microsecond); times that are
    not numpy's, or of a year not of four digits, through the store's own conversion."""
    values = frame[name]
    if pd.api.types.is_datetime64_any_dtype(values):
        if values.dt.tz is not None:
            values = values.dt.tz_convert(None)
        # Nanoseconds dropped, as the store's conversion drops them.
        moments = pa.array(values, from_pandas=True).cast(pa.timestamp("us"), safe=False)
        first, last = (v.as_py() for v in pc.min_max(moments.cast(pa.int64())).values())
        if first is None or (_FIRST_US <= first and last < _PAST_LAST_US):
            # Arrow's text of a microsecond time is SQLAlchemy's (its strftime: 30x slower).
            return pc.cast(moments, pa.string())
    return pa.array(_driver_values(frame, table, name, dialect), pa.string())


def _serve(path: str, plan: dict) -> None:
    """The child's side: the plan over the SQLite file ``path`` in one transaction, the
    rows from the Arrow IPC stream on standard input; "fresh" or "kept" on standard
    output once the transaction is begun, the rows written at the end."""
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(sqlite_uri(path), autocommit=True) as conn, conn.cursor() as cursor:

        def run(sql: str) -> list:
            cursor.execute(sql)
            return cursor.fetchall()

        for name, value in plan["pragmas"].items():
            run(f"PRAGMA {name} = {int(value)}")  # our names, integer values
        run("BEGIN IMMEDIATE")
        try:
            if plan["replace"]:
                run(plan["delete"])
            fresh = plan["replace"] or not run(plan["probe"])
            sys.stdout.write("fresh\n" if fresh else "kept\n")
            sys.stdout.flush()
            if fresh:
                for sql in plan["drop"]:
                    run(sql)
            written = 0
            for batch in pa.ipc.open_stream(sys.stdin.buffer):
                cursor.executemany(plan["upsert"], batch)
                written += batch.num_rows
            if sys.stdin.buffer.read() != _DONE:
                raise RuntimeError("the save was cut short: nothing of it is kept")
            if fresh:
                for sql in plan["create"]:
                    run(sql)
            if written:
                run(plan["version"])
            # The table versions the store's own writes would move (talent.store.versions),
            # in name order as there: kept results of the old rows are never read again.
            moved = [plan["table"]] if written or plan["replace"] else []
            for name in sorted(moved + (["meta"] if written else [])):
                run(plan["bumps"][name])
            run("COMMIT")
        except BaseException:
            try:
                run("ROLLBACK")
            except Exception:  # SQLite rolled back already (a full disk): the cause stands
                pass
            raise
        sys.stdout.write(f"{written}\n")


def _main(argv: list[str]) -> int:
    try:
        _serve(argv[1], json.loads(argv[2]))
    except Exception as error:  # the parent shows this line, one line
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"{type(error).__name__}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
