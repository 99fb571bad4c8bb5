"""Results derived from the data, computed once per data version and shared by every
process that opens the store.

A result (a ranking, a report, an export's frame) is kept in ``derived_results`` under a
key that is the SHA-256 of: this module's format, talent's version, the result's name,
its arguments, and the versions of exactly the tables it reads
(:mod:`talent.store.versions`, counted in the transaction of every write). So:

- a write to a table a result reads changes its key: the old entry is never read again
  (and the next entry of the same name and arguments replaces it); a write to any other
  table leaves it in use;
- a result whose tables changed while it was being computed is returned, not kept;
- two processes (or threads) asking for the same missing result compute it once: the
  second waits for the first's lock (a lock file beside an SQLite database, an advisory
  lock on PostgreSQL) and then reads what it stored;
- :func:`clear` empties the cache; every deletion of a person does it
  (:func:`talent.store.forget_on_disk`), so nobody's data outlives an opt-out here.

Payloads are Arrow IPC streams of pandas frames (no pickle: a database's bytes never run
as code); a result that Arrow cannot hold is computed each time instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd
from pandas.api.types import is_object_dtype
from sqlalchemy import Engine, delete, func, literal_column, select, text
from sqlalchemy.exc import SQLAlchemyError

from talent.config import sqlite_path
from talent.store.schema import derived_results
from talent.store.versions import table_versions

FORMAT = 1

try:
    TALENT_VERSION = version("talent")
except PackageNotFoundError:  # run from a source tree
    TALENT_VERSION = "unknown"

Frames = dict[str, pd.DataFrame]

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def cached(
    engine: Engine,
    name: str,
    args: Mapping[str, object],
    reads: Iterable[str],
    compute: Callable[[], Frames],
    kept: Callable[[Frames], Frames | None] | None = None,
) -> Frames:
    """``compute()`` (a dict of frames), or what an earlier call with the same ``name``,
    ``args`` (JSON-able; their ``repr`` where not) and data of the tables ``reads``
    stored. The result is kept when none of those tables changed during ``compute``:
    all of it, or ``kept(result)`` (frames too large to keep are then left out, and
    what is read back lacks them: the caller makes them again; nothing when None)."""
    reads = sorted(set(reads))
    scope, key, before = _keyed(engine, name, args, reads)
    found = _get(engine, key)
    if found is not None:
        return found
    with _lock(engine, key):
        found = _get(engine, key)  # another process or thread may have made it meanwhile
        if found is not None:
            return found
        result = compute()
        if table_versions(engine, reads) == before:
            chosen = result if kept is None else kept(result)
            pieces = None if chosen is None else _encode(chosen)
            if pieces is not None:
                _put(engine, key, scope, name, pieces)
    return result


def kept(
    engine: Engine, name: str, args: Mapping[str, object], reads: Iterable[str]
) -> Frames | None:
    """What :func:`cached` with the same arguments would read back, or None when no
    process kept it for this data (then nothing is computed)."""
    return _get(engine, _keyed(engine, name, args, sorted(set(reads)))[1])


def present(engine: Engine, name: str, args: Mapping[str, object], reads: Iterable[str]) -> bool:
    """Whether :func:`kept` would find the result (nothing is read back or computed)."""
    key = _keyed(engine, name, args, sorted(set(reads)))[1]
    with engine.connect() as conn:
        found = conn.execute(
            select(derived_results.c.key).where(derived_results.c.key == key)
        ).scalar()
    return found is not None


def _keyed(
    engine: Engine, name: str, args: Mapping[str, object], reads: list[str]
) -> tuple[str, str, dict]:
    """A result's scope (name and arguments), its key (scope and the versions of the
    tables it reads) and those versions."""
    scope = _digest({"format": FORMAT, "talent": TALENT_VERSION, "name": name, "args": args})
    versions = table_versions(engine, reads)
    return scope, _digest({"scope": scope, "versions": versions}), versions


def clear(engine: Engine) -> int:
    """Delete every derived result; returns how many there were."""
    with engine.begin() as conn:
        return conn.execute(delete(derived_results)).rowcount


def count(engine: Engine, name: str | None = None) -> int:
    """How many derived results are kept (of ``name``, if given)."""
    stmt = select(derived_results.c.key)
    if name is not None:
        stmt = stmt.where(derived_results.c.name == name)
    with engine.connect() as conn:
        return len(conn.execute(stmt).all())


def _digest(value: object) -> str:
    encoded = json.dumps(value, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _get(engine: Engine, key: str) -> Frames | None:
    with engine.connect() as conn:
        payload = conn.execute(
            select(derived_results.c.payload).where(derived_results.c.key == key)
        ).scalar()
    return None if payload is None else _decode(payload)


def _put(engine: Engine, key: str, scope: str, name: str, pieces: list) -> None:
    """Keep a result (its payload in ``pieces``, see :func:`_encode`, let go of as they
    are written), replacing older ones of the same scope; a store that refuses the write
    (read-only, busy, a payload over SQLite's size limit) only means no caching.

    SQLite takes the payload through its blob handle, a piece at a time, into a row
    made with room for it: bound as one value, it would be copied whole by the driver
    while the pieces are still held (a ranking of a million people is most of a
    gigabyte)."""
    t = derived_results
    size = sum(memoryview(piece).nbytes for piece in pieces)
    row = {"key": key, "scope": scope, "name": name,
           "made_at": datetime.now(UTC).replace(tzinfo=None)}  # fmt: skip
    try:
        with engine.begin() as conn:
            conn.execute(delete(t).where(t.c.scope == scope))
            raw = conn.connection.driver_connection
            if not isinstance(raw, sqlite3.Connection):  # PostgreSQL, another driver
                conn.execute(t.insert(), {**row, "payload": b"".join(pieces)})
                return
            conn.execute(t.insert().values(**row, payload=func.zeroblob(size)))
            rowid: int = conn.execute(
                select(literal_column("rowid")).where(t.c.key == key)
            ).scalar_one()
            with raw.blobopen(t.name, "payload", rowid) as blob:
                pieces.reverse()
                while pieces:
                    blob.write(pieces.pop())
    except (SQLAlchemyError, sqlite3.Error):
        return


# --- the lock ------------------------------------------------------------------------


@contextmanager
def _lock(engine: Engine, key: str):
    with _locks_guard:
        local = _locks.setdefault(key, threading.Lock())
    with local:
        if engine.dialect.name == "postgresql":
            with _pg_lock(engine, key):
                yield
        else:
            with _file_lock(engine, key):
                yield


@contextmanager
def _pg_lock(engine: Engine, key: str):
    number = struct.unpack(">q", bytes.fromhex(key[:16]))[0]
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:n)"), {"n": number})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
            conn.commit()


# One open descriptor per lock file and process: POSIX record locks are the process's,
# and closing any descriptor of the file would drop them all.
_lock_files: dict[str, int] = {}


@contextmanager
def _file_lock(engine: Engine, key: str):
    path = sqlite_path(str(engine.url))
    if path is None or sys.platform == "win32":  # no POSIX locks: the in-process lock
        yield
        return
    import fcntl

    lock_path = f"{path}-derived.lock"
    with _locks_guard:
        if lock_path not in _lock_files:
            try:
                _lock_files[lock_path] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only folder: the in-process lock only
                _lock_files[lock_path] = -1
        fd = _lock_files[lock_path]
    if fd < 0:
        yield
        return
    # One byte per key (of a million): different results are computed side by side.
    offset = int(key[:8], 16) % 1_000_000
    fcntl.lockf(fd, fcntl.LOCK_EX, 1, offset)
    try:
        yield
    finally:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset)


# --- the payload ---------------------------------------------------------------------


def _encode(frames: Frames) -> list | None:
    """Frames as one payload, in pieces to be written one after the other: a JSON header
    (names, lengths, each frame's ``attrs``) after its length, then each frame's Arrow
    IPC stream, held in an Arrow buffer (never joined into one bytes object here: see
    :func:`_put`); None when Arrow cannot hold one of the frames."""
    import pyarrow as pa

    parts: list[pa.Buffer] = []
    header: dict[str, list[dict[str, Any]]] = {"frames": []}
    try:
        for frame_name, frame in frames.items():
            table = pa.Table.from_pandas(frame, preserve_index=True)
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            del table
            parts.append(sink.getvalue())
            header["frames"].append(
                {"name": frame_name, "size": parts[-1].size, "attrs": frame.attrs,
                 "objects": [str(c) for c, d in frame.dtypes.items() if is_object_dtype(d)]}
            )  # fmt: skip
        head = json.dumps(header).encode("utf-8")
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return [struct.pack(">I", len(head)) + head, *parts]


def _decode(payload: bytes) -> Frames:
    import pyarrow as pa

    (size,) = struct.unpack(">I", payload[:4])
    header = json.loads(payload[4 : 4 + size])
    at, out = 4 + size, {}
    whole = memoryview(payload)  # each frame's stream read in place, not copied out
    for entry in header["frames"]:
        chunk = pa.py_buffer(whole[at : at + entry["size"]])
        at += entry["size"]
        table = pa.ipc.open_stream(chunk).read_all()
        frame = table.to_pandas()
        for column in entry["objects"]:
            # Python objects as they were (Arrow gives strings back as a string dtype,
            # lists as arrays): lists, dicts, str and None.
            frame[column] = pd.Series(
                table.column(column).to_pylist(), index=frame.index, dtype=object
            )
        frame.attrs.update(entry["attrs"])
        out[entry["name"]] = frame
    return out
