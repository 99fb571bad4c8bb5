"""The store: SQLAlchemy Core over SQLite (default, WAL mode) or any SQLAlchemy URL.

Verbs: ``open_store`` / ``ensure_schema`` set up, every ``save_*`` is an idempotent
upsert on natural keys, every ``load_*`` returns a pandas DataFrame. All SQL is built
with SQLAlchemy expressions, so every value travels as a bound parameter. Large reads
(``columnar``) and large saves (``bulk``) of an SQLite file run the ADBC driver in a
child process; ``values`` turns a frame's values into the driver's for both saves.

May import talent.config, talent.model, talent.names, talent.files and talent.store.*
only: every layer on its right reads and writes through it.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    inspect,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.schema import CreateIndex, DropIndex

from talent.ahead import usable_cores
from talent.config import sqlite_path
from talent.lazy import LazyModule
from talent.model import Activity, CommitFile, Identity, IdentityEvidence, Repo
from talent.store import schema
from talent.store.schema import MIGRATIONS, SCHEMA_VERSION, metadata
from talent.store.values import _default, _driver_values
from talent.store.versions import bump_statement, ensure_rows, track

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from talent.store import bulk

    # A batch of rows: tuples, or the rows of a two-dimensional array of Python values.
    _Batch = Sequence[tuple] | np.ndarray
else:
    np = LazyModule("numpy")
    pd = LazyModule("pandas")
    # Builds on this module: imported when a large save first needs it.
    bulk = LazyModule("talent.store.bulk")

__all__ = [
    "save_frame",
    "save_frames",
    "StoreError",
    "NotForgotten",
    "open_store",
    "ensure_schema",
    "forget_on_disk",
    "save_repos",
    "save_identities",
    "save_activities",
    "save_commit_files",
    "save_people",
    "save_identity_links",
    "save_sync_state",
    "get_sync_state",
    "scopes_marked",
    "save_identity_evidence",
    "delete_repo_rows",
    "load_identity_evidence",
    "save_profiles",
    "save_account_members",
    "load_account_members",
    "privacy_salt",
    "save_suppressions",
    "load_suppressions",
    "suppressed_hashes",
    "delete_suppressions",
    "add_suppressions",
    "pending_optout",
    "clear_pending_optout",
    "scrub_pending",
    "scrubbed",
    "rewrap_suppressions",
    "delete_person_rows",
    "redact_titles",
    "rename_people",
    "purge_identities",
    "forget_text",
    "load_profiles",
    "save_org_members",
    "load_org_members",
    "NAMED_OWNER_FIELDS",
    "save_named_owners",
    "load_named_owners",
    "save_owner_pairings",
    "load_owner_pairings",
    "save_head_files",
    "load_head_files",
    "meta_items",
    "FEEDBACK_LABELS",
    "DEFAULT_SHORTLIST",
    "VERDICT_STAGES",
    "delete_feedback",
    "load_feedback",
    "load_item_authors",
    "set_meta",
    "get_meta",
    "load_repos",
    "load_identities",
    "load_activities",
    "load_commit_files",
    "load_people",
    "load_identity_links",
    "load_sync_state",
    "data_version",
    "activity_span",
    "count_rows",
    "store_aggregates",
    "VOLATILE",
    "dump_tables",
    "StaleEntry",
    "save_shortlist",
    "load_shortlists",
    "add_entries",
    "change_entry",
    "remove_entry",
    "add_note",
    "load_entries",
    "load_events",
    "delete_person_entries",
    "share_shortlist",
    "unshare_shortlist",
    "load_shares",
    "save_ats_marks",
    "load_ats_marks",
    "save_search",
    "load_searches",
    "save_snapshot",
    "load_snapshot",
    "ACCESS_ACTIONS",
    "ACCESS_PLACES",
    "save_access",
    "load_access",
    "prune_access",
]

# Rows sent per executemany call: large enough to amortise round trips, small enough
# to keep memory flat on big histories.
_BATCH = 5000
# Rows one INSERT carries on SQLite (:func:`_rows_per_statement`).
_ROWS_PER_INSERT = 50


class StoreError(Exception):
    """A problem with the store that the user can act on (message is one line)."""


class NotForgotten(StoreError):
    """The deleted rows are gone, but their bytes may still be in the database's files:
    another connection kept a transaction open (SQLite: a read in progress holds the
    write-ahead log; PostgreSQL: a table lock). The message is one line that says so
    and what to do."""


class StaleEntry(StoreError):
    """A shortlist entry changed since the version a change was made on: nothing of
    the change was stored."""


def open_store(url: str, *, create: bool = True) -> Engine:
    """Open the store at ``url`` and make sure its schema exists.

    With ``create=False`` a missing SQLite file is an error instead of a new, empty
    database (read-only commands should not litter empty files).
    """
    path = sqlite_path(url)
    if path is not None:
        if not create and not path.exists():
            raise StoreError(f"database not found: {path}")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        hint = ""
        if url.startswith("postgresql"):
            hint = "; for PostgreSQL install the driver: pip install 'talent[postgres]'"
        raise StoreError(f"cannot open database {_shown(url)}: {_first_line(exc)}{hint}") from None
    track(engine)  # every write counts in table_versions (talent.store.versions)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        try:
            engine.connect().close()
        except SQLAlchemyError as exc:
            engine.dispose()
            reason = _first_line(getattr(exc, "orig", None) or exc)
            raise StoreError(
                f"cannot connect to the database at {_shown(url)}: {reason} "
                "(start the server, or give another --db / TALENT_DB)"
            ) from None
    try:
        ensure_schema(engine)
    except StoreError:
        engine.dispose()
        raise
    return engine


def _shown(url: str) -> str:
    """The URL with any password masked."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say nothing of it
        return "(the --db value)"


# How long an SQLite connection waits for another's lock before "database is locked".
_BUSY_MS = 30_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Incremental auto-vacuum lets forget_on_disk hand freed pages back to the file
    # system. It only takes effect while the file has no table yet (or at a VACUUM), so
    # it comes before anything that could create one; on an existing file it is a no-op.
    cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
    # WAL lets the app read while a miner writes; NORMAL is durable at checkpoints,
    # which is what WAL mode is designed for.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
    # Deleted rows are overwritten with zeros, in the page and in free pages, so an
    # opted-out person cannot be read back from the file with `strings`.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def ensure_schema(engine: Engine) -> None:
    """Create missing tables and record the schema version (idempotent). A database
    with tables but no ``schema_version`` is another application's: it is refused
    (:class:`StoreError`), never filled with talent's tables; an empty one is made a
    talent database."""
    try:
        with engine.begin() as conn:
            found_tables = inspect(conn).get_table_names()
            fresh = "schema_version" not in found_tables
            if fresh and found_tables:
                where = engine.url.database if engine.dialect.name == "sqlite" else None
                raise StoreError(
                    f"{where or _shown(str(engine.url))} is not a talent database (it has "
                    "tables of another application): give another --db"
                )
            metadata.create_all(conn)
            found = conn.execute(select(func.max(schema.schema_version.c.version))).scalar()
            if fresh or found is None:
                conn.execute(schema.schema_version.insert(), {"version": SCHEMA_VERSION})
            elif found > SCHEMA_VERSION:
                raise StoreError(
                    f"database schema version {found} is newer than this talent "
                    f"({SCHEMA_VERSION}); upgrade talent"
                )
            else:
                for version in range(found + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS.get(version, []):
                        conn.execute(text(statement))
                    conn.execute(schema.schema_version.insert(), {"version": version})
            ensure_rows(conn)
            _move_verdicts(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot use database: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- forgetting on disk ----------------------------------------------------------------

# Meta key: when forget_on_disk rebuilt an SQLite store made before secure_delete was on.
_VACUUMED = "disk_vacuumed_at"


def forget_on_disk(engine: Engine, *, wait: float = 5.0) -> None:
    """Make rows already deleted unreadable from the database files, not only from SQL.

    Call it after every deletion of a person (opt-out, purge); it deletes nothing itself.

    SQLite: deletions are overwritten with zeros as they happen (``secure_delete``), but
    the write-ahead log (``-wal``) still holds page images written before them. This
    hands freed pages back to the file system (``incremental_vacuum``), then copies the
    log into the main file and empties it (``wal_checkpoint(TRUNCATE)``). A store made
    before ``secure_delete`` was on (its ``auto_vacuum`` is NONE) may hold old
    deletions in free pages: it is rebuilt once with ``VACUUM``, which also turns on
    incremental auto-vacuum, and meta ``disk_vacuumed_at`` records when. A reader that
    is only open does not hold the checkpoint up; one inside a read transaction does:
    the checkpoint is retried for ``wait`` seconds, then :class:`NotForgotten` is
    raised (the rows are deleted either way; the next ``forget_on_disk`` after that
    reader ends completes the job).

    PostgreSQL: ``VACUUM FULL`` of talent's tables (outside a transaction). A plain
    ``VACUUM`` only marks dead rows' space as free and leaves their bytes in the pages
    (most of a deleted e-mail's copies stayed); ``VACUUM FULL`` writes each table and its
    indexes anew and drops the old files. It locks each table while it rewrites it (the
    app's reads wait); a lock another transaction holds is waited for ``wait`` seconds,
    then :class:`NotForgotten` is raised. The server's own write-ahead log (``pg_wal``)
    keeps the old rows until it recycles its segments, as every PostgreSQL log does.
    Other databases: nothing is done.

    Raises :class:`StoreError` (one line) when the database refuses.
    """
    try:
        with engine.connect() as conn:
            # VACUUM cannot run inside a transaction; neither can a useful checkpoint.
            conn.execution_options(isolation_level="AUTOCOMMIT")
            # Derived results (rankings, exports) may hold what was deleted: all go first.
            conn.execute(schema.derived_results.delete())
            if engine.dialect.name == "sqlite":
                _forget_sqlite(conn, wait)
            elif engine.dialect.name == "postgresql":
                _vacuum_postgresql(conn, wait)
    except SQLAlchemyError as exc:
        reason = _first_line(getattr(exc, "orig", None) or exc)
        raise StoreError(f"cannot clear deleted data from the database files: {reason}") from None


def _forget_sqlite(conn, wait: float) -> None:
    if conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 0:
        # Made by a talent without secure_delete: free pages may hold anything deleted
        # before. A rebuild writes live rows only (and applies auto_vacuum=INCREMENTAL).
        conn.exec_driver_sql("VACUUM")
        _set_meta(conn, _VACUUMED, _now().isoformat(timespec="seconds"))
    else:
        # The pragma frees one page per step and the driver's execute steps once (it
        # sees no result columns); executescript steps every statement to its end.
        conn.connection.driver_connection.executescript("PRAGMA incremental_vacuum;")
    # A reader mid-transaction makes TRUNCATE wait for it; wait in short, bounded
    # tries instead of the connection's long busy timeout.
    conn.exec_driver_sql("PRAGMA busy_timeout=100")
    try:
        deadline = time.monotonic() + wait
        while True:
            busy, _log, _moved = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if not busy:
                return
            if time.monotonic() >= deadline:
                raise NotForgotten(
                    "deleted, but the database's write-ahead log still holds the old rows: "
                    f"another connection kept reading for {wait:g}s; close it (the app) and "
                    "run the command again"
                )
            time.sleep(0.05)
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_MS}")


def _vacuum_postgresql(conn, wait: float) -> None:
    from sqlalchemy.exc import OperationalError

    present = set(inspect(conn).get_table_names())
    quote = conn.dialect.identifier_preparer.format_table
    names = [quote(t) for t in metadata.sorted_tables if t.name in present]
    if not names:
        return
    ms = str(max(1, round(wait * 1000)))  # 0 would mean no limit
    conn.execute(text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": ms})
    try:
        # Identifiers cannot be bound parameters; these are quoted names of our own tables.
        conn.exec_driver_sql("VACUUM FULL " + ", ".join(names))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise NotForgotten(
            "deleted, but the old rows are still in the database's files: another "
            f"transaction kept a table locked for {wait:g}s; end it and run the command again"
        ) from None
    finally:
        conn.exec_driver_sql("RESET lock_timeout")


# --- writing ---------------------------------------------------------------------------


def _insert_for(engine):
    """The dialect's INSERT with ON CONFLICT, or None; takes an engine or a connection."""
    if engine.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    return None


def _upsert(engine: Engine, table: Table, rows: Iterable[dict], *, replace: bool = False) -> int:
    """Insert rows, replacing the non-key columns of rows whose key exists.

    With ``replace=True`` the table is emptied first, in the same transaction, so a
    reader never sees it half rewritten and a failure leaves the old rows in place.
    """
    cols = [c.name for c in table.c]
    # Each column's default looked up once, not for every value of every row.
    defaults = [(c, _default(table, c)) for c in cols]
    return _write_tuples(
        engine,
        table,
        cols,
        (tuple([row.get(c, d) for c, d in defaults]) for row in rows),
        replace=replace,
    )


def _write_tuples(
    engine: Engine, table: Table, cols: Sequence[str], rows: Iterable[tuple], *, replace: bool
) -> int:
    """The one upsert behind every write: one compiled statement per table, sent through
    the driver's ``executemany`` with plain tuples in batches (the values converted by
    the columns' own bind processors, so what is stored is what SQLAlchemy stores)."""
    with engine.begin() as conn:
        written = _write_in(conn, table, cols, rows, replace=replace)
        if written:
            _bump_version(conn)
    return written


def _write_in(
    conn, table: Table, cols: Sequence[str], rows: Iterable[tuple], *, replace: bool
) -> int:
    dialect = conn.dialect
    processors = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    if replace:
        conn.execute(delete(table))
    if converting:
        rows = (_converted(row, converting) for row in rows)
    return _send_batches(conn, table, cols, _batches(rows, _BATCH))


def _send_batches(conn, table: Table, cols: Sequence[str], batches: Iterable[_Batch]) -> int:
    sql = _upsert_sql(conn, table, cols)
    keys = [c.name for c in table.primary_key.columns]
    rows_per = _rows_per_statement(conn, len(cols)) if sql is not None else 1
    many = _upsert_sql(conn, table, cols, rows_per) if rows_per > 1 else None
    written = 0
    for batch in batches:
        if many is not None and len(batch) >= rows_per:
            whole = len(batch) - len(batch) % rows_per
            conn.exec_driver_sql(many, _statements(batch[:whole], rows_per))
            if whole < len(batch):
                conn.exec_driver_sql(sql, _row_tuples(batch[whole:]))
        elif sql is not None:
            conn.exec_driver_sql(sql, _row_tuples(batch))
        else:  # portable fallback: delete by key, then insert
            rows = _row_tuples(batch)
            for row in rows:
                cond = [table.c[k] == row[cols.index(k)] for k in keys]
                conn.execute(delete(table).where(*cond))
            conn.exec_driver_sql(_insert_sql(conn, table, cols), rows)
        written += len(batch)
    return written


def _row_tuples(batch: _Batch) -> list[tuple]:
    if isinstance(batch, np.ndarray):
        return list(map(tuple, batch.tolist()))
    return list(batch)


def _statements(batch: _Batch, rows_per: int) -> list[tuple]:
    """The values of ``rows_per`` rows at a time, one after the other, as one statement
    of that many rows takes them (the batch holds whole statements)."""
    if isinstance(batch, np.ndarray):
        return list(map(tuple, batch.reshape(-1, rows_per * batch.shape[1]).tolist()))
    return [
        tuple(chain.from_iterable(batch[first : first + rows_per]))
        for first in range(0, len(batch), rows_per)
    ]


def _converted(row: tuple, converting: list) -> tuple:
    values = list(row)
    for i, process in converting:
        if values[i] is not None:
            values[i] = process(values[i])
    return tuple(values)


def _rows_per_statement(conn, width: int) -> int:
    """How many rows one INSERT carries: on SQLite, up to :data:`_ROWS_PER_INSERT` (within
    its limit of bound values), since its driver's cost is mostly per statement run, not
    per value; elsewhere one (PostgreSQL refuses an upsert that meets one key twice in a
    statement, and its bulk path is COPY)."""
    if conn.dialect.name != "sqlite":
        return 1
    dbapi = conn.connection.dbapi_connection
    limit = dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(_ROWS_PER_INSERT, limit // max(1, width)))


def _insert_sql(engine: Engine, table: Table, cols: Sequence[str], rows: int = 1) -> str:
    quote = engine.dialect.identifier_preparer.quote
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(quote(c) for c in cols)
    # Names from the schema, quoted; the values are bound.
    marks = ", ".join([f"({', '.join([mark] * len(cols))})"] * rows)
    return f"INSERT INTO {quote(table.name)} ({names}) VALUES {marks}"  # noqa: S608


def _upsert_sql(engine: Engine, table: Table, cols: Sequence[str], rows: int = 1) -> str | None:
    """INSERT ... ON CONFLICT DO UPDATE in the words SQLite and PostgreSQL share, each
    updated column keeping the stored value when the new one is unknown
    (:func:`_keep_known`); None for another database. With ``rows``, the statement
    carries that many rows (SQLite merges each into the rows before it, as one row a
    statement would)."""
    if _insert_for(engine) is None:
        return None
    return f"{_insert_sql(engine, table, cols, rows)} {_on_conflict(engine, table, cols)}"


def _on_conflict(engine: Engine, table: Table, cols: Sequence[str]) -> str:
    quote = engine.dialect.identifier_preparer.quote
    keys = [c.name for c in table.primary_key.columns]
    target = ", ".join(quote(k) for k in keys)
    sets = []
    for c in cols:
        if c in keys:
            continue
        name, new = quote(c), f"excluded.{quote(c)}"
        if isinstance(table.c[c].type, String):
            new = f"NULLIF({new}, '')"
        sets.append(f"{name} = COALESCE({new}, {quote(table.name)}.{name})")
    action = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
    return f"ON CONFLICT ({target}) {action}"


def _keep_known(new, old):
    """The upserted value, unless it is unknown (NULL, or an empty string for text):
    then the stored one stays. Two sources describe the same row with different detail
    (git knows a commit's size, the GitHub commit list does not); neither erases the
    other's knowledge."""
    if isinstance(new.type, String):
        return func.coalesce(func.nullif(new, ""), old)
    return func.coalesce(new, old)


_Row = TypeVar("_Row")


def _batches(rows: Iterable[_Row], size: int) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bump_version(conn) -> None:
    _set_meta(conn, "data_version", f"{time.time_ns()}")


def _set_meta(conn, key: str, value: str) -> None:
    """Write one meta value in one statement where the database has an upsert: a delete
    then an insert lets two writers (two miners on PostgreSQL) both delete and then
    collide on the key."""
    stmt = _meta_statement(conn, key, value)
    if stmt is not None:
        conn.execute(stmt)
        return
    conn.execute(delete(schema.meta).where(schema.meta.c.key == key))
    conn.execute(schema.meta.insert(), {"key": key, "value": value})


def _meta_statement(engine, key: str, value: str):
    """The one statement that writes a meta value, where the database has an upsert
    (else None); takes an engine or a connection."""
    insert = _insert_for(engine)
    if insert is None:
        return None
    stmt = insert(schema.meta).values(key=key, value=value)
    return stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value})


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _row(record) -> dict:
    """A flat record's fields as a dict. Shallow on purpose: records hold only scalars,
    and ``dataclasses.asdict`` deep-copies every value (a third of the demo's write)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def save_repos(engine: Engine, repos: Iterable[Repo]) -> int:
    return _upsert(engine, schema.repos, (_row(r) | {"origin": str(r.origin)} for r in repos))


def save_identities(engine: Engine, identities: Iterable[Identity]) -> int:
    def rows():
        for ident in identities:
            yield {
                "key": ident.key,
                "source": str(ident.source),
                "name": ident.name,
                "email": ident.email,
                "login": ident.login,
                "github_id": ident.github_id,
                "type": ident.type,
            }

    return _upsert(engine, schema.identities, rows())


def save_activities(engine: Engine, activities: Iterable[Activity]) -> int:
    def rows():
        for act in activities:
            row = _row(act)
            row["kind"] = str(act.kind)
            row["occurred_at"] = _naive_utc(act.occurred_at)
            yield row

    return _upsert(engine, schema.activities, rows())


def save_commit_files(engine: Engine, files: Iterable[CommitFile]) -> int:
    return _upsert(engine, schema.commit_files, (_row(f) for f in files))


def save_identity_evidence(engine: Engine, evidence: Iterable[IdentityEvidence]) -> int:
    return _upsert(engine, schema.identity_evidence, (_row(e) for e in evidence))


def delete_repo_rows(engine: Engine, repo: str, *, kinds: Sequence[str], keep: set[str]) -> int:
    """Delete ``repo``'s activities of ``kinds`` whose key is not in ``keep``, and the
    file rows of commits no longer referenced: what a full re-mine did not see again
    (a rewritten history). Returns the number of activities deleted."""
    t = schema.activities
    with engine.begin() as conn:
        rows = conn.execute(
            select(t.c.key, t.c.item).where(t.c.repo == repo, t.c.kind.in_(list(kinds)))
        ).all()
        stale = [key for key, _ in rows if key not in keep]
        for start in range(0, len(stale), 500):
            conn.execute(delete(t).where(t.c.key.in_(stale[start : start + 500])))
        live = {item for (item,) in conn.execute(select(t.c.item).where(t.c.repo == repo)).all()}
        f = schema.commit_files
        shas = {sha for (sha,) in conn.execute(select(f.c.sha).where(f.c.repo == repo).distinct())}
        gone = sorted(shas - live)
        for start in range(0, len(gone), 500):
            conn.execute(delete(f).where(f.c.repo == repo, f.c.sha.in_(gone[start : start + 500])))
        if stale or gone:
            _bump_version(conn)
    return len(stale)


def save_people(engine: Engine, people: pd.DataFrame, *, replace: bool = False) -> int:
    """Upsert people rows (columns as in the ``people`` table).

    With ``replace=True`` the rows replace the whole table atomically: used when
    identity resolution recomputes everyone. Columnar (:func:`save_frame`): no record
    object per person.
    """
    return save_frame(engine, "people", people[[c.name for c in schema.people.c]], replace=replace)


def save_identity_links(engine: Engine, links: pd.DataFrame, *, replace: bool = False) -> int:
    cols = [c.name for c in schema.identity_links.c]
    return save_frame(engine, "identity_links", links[cols], replace=replace)


def save_frame(engine: Engine, table: str, frame: pd.DataFrame, *, replace: bool = False) -> int:
    """Upsert a columnar frame into ``table``: :func:`save_frames` of the one frame."""
    return save_frames(engine, table, [frame], replace=replace)


def save_frames(
    engine: Engine, table: str, frames: Iterable[pd.DataFrame], *, replace: bool = False
) -> int:
    """Upsert a stream of columnar frames into ``table`` (columns named as the table's; a
    missing one takes its default), all in one transaction, through the same statement
    as every write: the bulk path for large synthetic or imported data, with no record
    object per row. Only one frame is held at a time, so a source can hand over its
    pages as they come.

    Values are turned into the driver's terms a column at a time (SQLite's timestamp
    text is made by numpy, checked against SQLAlchemy's own conversion), not row by row.
    Into an empty table (or with ``replace``) each frame's rows go in primary-key order
    with the table's other indexes dropped and built again once at the end, in the same
    transaction: inserting millions of rows at random places of three B-trees is what
    costs, far more than building each index once from the whole table. SQLite's page
    cache is enlarged for the write, and its index sorts use the machine's cores; both
    are set back after it (journal and synchronous settings stay as they are: the write
    is as safe as any other).

    A stream whose first frame has :data:`talent.store.bulk.BULK_ROWS` rows or more,
    into an SQLite file, is written the same way by a child process that binds Arrow
    columns in C (:mod:`talent.store.bulk`: a million people's activities in two thirds
    of the time); it raises :class:`StoreError` where this process's driver raises its
    own error."""
    target = metadata.tables[table]
    frames = iter(frames)
    first = next(frames, None)
    large = first is not None and len(first) >= bulk.BULK_ROWS
    frames = chain([] if first is None else [first], frames)
    del first  # held by the stream alone, so it goes once saved
    path = sqlite_file(engine)
    if large and bulk.can_write(path, target):
        assert path is not None
        plan = _bulk_plan(engine, target, replace)
        try:
            written = bulk.write_frames(path, target, engine.dialect, plan, frames)
        except bulk.WriteFailed as failed:
            raise StoreError(f"could not save {table}: {failed}") from None
    else:
        written = _save_frames_here(engine, target, frames, replace=replace)
    if written >= _GIVE_BACK_ROWS:  # the enlarged page cache is freed: give it back
        give_back_memory()
    return written


def _bulk_plan(engine: Engine, table: Table, replace: bool) -> dict:
    """What :mod:`talent.store.bulk`'s child runs for a save into ``table``: the pragmas
    of a bulk write on the store's own terms, and every statement compiled here from the
    schema (names quoted, values rendered by SQLAlchemy)."""
    dialect = engine.dialect

    def sql(statement) -> str:
        return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    return {
        "pragmas": {
            "busy_timeout": _BUSY_MS,
            "synchronous": 1,  # NORMAL, as the store's own connections (_sqlite_pragmas)
            "secure_delete": 1,  # a replaced row is overwritten on disk, as everywhere
            "cache_size": -int(_BULK_CACHE_KIB),
            "threads": sort_threads(),
        },
        "table": table.name,
        "replace": replace,
        "delete": sql(delete(table)),
        "probe": sql(select(table.primary_key.columns[0]).limit(1)),
        "drop": [sql(DropIndex(index)) for index in indexes],
        "create": [sql(CreateIndex(index)) for index in indexes],
        "upsert": _upsert_sql(engine, table, [c.name for c in table.c]),
        "version": sql(_meta_statement(engine, "data_version", f"{time.time_ns()}")),
        # What the store's write tracking counts for the same save (talent.store.versions):
        # the table when rows were written or deleted, the meta table with the version.
        "bumps": {name: sql(bump_statement(name)) for name in (table.name, schema.meta.name)},
    }


def _save_frames_here(
    engine: Engine, target: Table, frames: Iterable[pd.DataFrame], *, replace: bool
) -> int:
    """:func:`save_frames` through this process's driver."""
    cols = [c.name for c in target.c]
    keys = [c.name for c in target.primary_key.columns]
    with engine.begin() as conn:
        _begin_writing(conn)
        fresh = (
            replace or conn.execute(select(literal(1)).select_from(target).limit(1)).first() is None
        )
        if replace:
            conn.execute(delete(target))
        if fresh:
            for index in target.indexes:
                index.drop(conn)
        written = 0
        copying = conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"
        staged = False
        with _bulk_settings(conn, _BULK_CACHE_KIB):
            for frame in frames:
                if fresh and len(frame) > 1:
                    frame = frame.sort_values(keys, ignore_index=True)
                batches = _frame_batches(frame, target, conn.dialect)
                # One INSERT from a copied table must not meet a key twice; a frame
                # that repeats one goes row by row, each row merged into the one before.
                if copying and not frame.duplicated(keys).any():
                    if not staged:
                        _stage(conn, target)
                        staged = True
                    written += _copy_in(conn, target, cols, batches)
                else:
                    written += _send_batches(conn, target, cols, batches)
            if fresh:
                for index in target.indexes:
                    index.create(conn)
        if written:
            _bump_version(conn)
    return written


# Rows of a frame turned into driver values at once (the lists of one slice are held).
_CHUNK = 200_000
# SQLite's page cache during a bulk save, in KiB: the primary-key index of tens of
# millions of rows then stays in memory while rows land at random places of it.
_BULK_CACHE_KIB = 1 << 20
# From this many rows written on, a bulk save gives back the memory it freed.
_GIVE_BACK_ROWS = 200_000
# At most this many helper threads sort for SQLite (CREATE INDEX, a large ORDER BY).
_SORT_THREADS = 4


def give_back_memory() -> None:
    """Hand back to the system the memory this process has freed but still holds: after
    a bulk write (SQLite's enlarged page cache, given back to the C heap) or a million
    people resolved, the C library and Arrow keep freed pages for reuse, and a process
    that goes on to rank (a sync, the app's server) would carry a gigabyte it no longer
    uses. A few milliseconds: no garbage collection (a full one costs the app's server
    a tenth of a second, and what is given back here was freed without one). Where the
    C library is not glibc, only Arrow's pool."""
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library, Windows, or no ctypes)."""
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim  # TypeError on Windows: no "this process"
    except (ImportError, AttributeError, OSError, TypeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite file behind ``engine``, named as it is on disk (the URL's text quotes
    a "#" in it), or None for another database or one in memory."""
    if engine.dialect.name != "sqlite":
        return None
    return sqlite_path(f"sqlite:///{engine.url.database or ''}")


def one_database_per_connection(engine: Engine) -> bool:
    """Whether work on ``engine``'s store must stay on one connection, never one per
    thread: SQLite in memory, where each thread's connection is a database of its own
    (SQLAlchemy's pool of one connection per thread) or all share one connection."""
    from sqlalchemy.pool import SingletonThreadPool, StaticPool

    return isinstance(engine.pool, SingletonThreadPool | StaticPool)


def sort_threads() -> int:
    """The helper threads SQLite may sort with here: one per usable core, at most
    :data:`_SORT_THREADS`."""
    return min(_SORT_THREADS, usable_cores())


def _stage_name(table: Table) -> str:
    return f"talent_staged_{table.name}"


def _stage(conn, table: Table) -> None:
    """A temporary table shaped like ``table``, dropped when the transaction ends."""
    quote = conn.dialect.identifier_preparer.quote
    # Names of our own tables, quoted; nothing here comes from data.
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {quote(_stage_name(table))} "
        f"(LIKE {quote(table.name)} INCLUDING DEFAULTS) ON COMMIT DROP"
    )


def _copy_in(conn, table: Table, cols: Sequence[str], batches: Iterable[_Batch]) -> int:
    """PostgreSQL: the rows go to the staging table with COPY (one stream, not a statement
    per row), then into ``table`` with one upsert from it, under the same rules as
    every write (:func:`_on_conflict`)."""
    quote = conn.dialect.identifier_preparer.quote
    stage, names = quote(_stage_name(table)), ", ".join(quote(c) for c in cols)
    written = 0
    statement = f"COPY {stage} ({names}) FROM STDIN"
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(statement) as copy:
            for batch in batches:
                for row in _row_tuples(batch):
                    copy.write_row(row)
                written += len(batch)
    except conn.dialect.dbapi.Error as exc:
        # As SQLAlchemy raises the driver's errors everywhere else (IntegrityError...).
        raise DBAPIError.instance(statement, None, exc, conn.dialect.dbapi.Error) from exc
    finally:
        cursor.close()
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} FROM {stage} "  # noqa: S608
        f"{_on_conflict(conn, table, cols)}"
    )
    conn.exec_driver_sql(f"TRUNCATE {stage}")
    return written


def _begin_writing(conn) -> None:
    """Open the write transaction now on SQLite. Its Python driver opens one only before
    an INSERT, UPDATE or DELETE, so a DROP INDEX before them would commit on its own and
    a failed load would leave the table without its indexes."""
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def _bulk_settings(conn, cache_kib: int) -> Iterator[None]:
    """On SQLite, inside the block: a page cache of ``cache_kib`` KiB, and as many helper
    threads as the machine has cores for the sorts that build indexes; both as they
    were after it. Neither changes what is written or how safely."""
    if conn.dialect.name != "sqlite":
        yield
        return
    settings = {
        "cache_size": -int(cache_kib),
        "threads": sort_threads(),
    }
    # PRAGMA takes no bound parameters: the names are ours and the values integers.
    before = {n: int(conn.exec_driver_sql(f"PRAGMA {n}").scalar()) for n in settings}
    for name, value in settings.items():
        conn.exec_driver_sql(f"PRAGMA {name}={int(value)}")
    try:
        yield
    finally:
        for name, value in before.items():
            conn.exec_driver_sql(f"PRAGMA {name}={value}")


def _frame_batches(frame: pd.DataFrame, table: Table, dialect) -> Iterator[np.ndarray]:
    """The frame's rows as batches of driver values, in the table's column order: each a
    two-dimensional array of Python values, a row to a row (from it the statements'
    values are cut without a tuple made for each row)."""
    cols = [c.name for c in table.c]
    for start in range(0, len(frame), _CHUNK):
        part = frame.iloc[start : start + _CHUNK]
        block = np.empty((len(part), len(cols)), dtype=object)
        for i, column in enumerate(cols):
            # fromiter: a value that is itself a sequence stays one value.
            values = _driver_values(part, table, column, dialect)
            block[:, i] = np.fromiter(values, dtype=object, count=len(part))
        for first in range(0, len(part), _BATCH):
            yield block[first : first + _BATCH]


def save_sync_state(
    engine: Engine, repo: str, resource: str, *, watermark: str | None, etag: str | None = None
) -> None:
    row = {
        "repo": repo,
        "resource": resource,
        "watermark": watermark,
        "etag": etag,
        "updated_at": datetime.now(UTC).replace(tzinfo=None),
    }
    _upsert(engine, schema.sync_state, [row])


def scopes_marked(engine: Engine, resource: str, watermark: str) -> list[str]:
    """The repositories (scopes) whose ``resource`` watermark is ``watermark``."""
    t = schema.sync_state
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.repo).where(t.c.resource == resource, t.c.watermark == watermark)
        ).all()
    return sorted(r[0] for r in rows)


def get_sync_state(engine: Engine, repo: str, resource: str) -> tuple[str | None, str | None]:
    """(watermark, etag) saved for ``repo`` and ``resource``; (None, None) if none."""
    t = schema.sync_state
    with engine.connect() as conn:
        row = conn.execute(
            select(t.c.watermark, t.c.etag).where(t.c.repo == repo, t.c.resource == resource)
        ).first()
    return (row[0], row[1]) if row else (None, None)


def set_meta(engine: Engine, key: str, value: str, *, bump: bool = False) -> None:
    """Keep ``value`` under ``key``; with ``bump``, readers' caches see a new data version."""
    with engine.begin() as conn:
        _set_meta(conn, key, value)
        if bump:
            _bump_version(conn)


def meta_items(engine: Engine, prefix: str) -> dict[str, str]:
    """Every meta value whose key starts with ``prefix``, by key."""
    t = schema.meta
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.key, t.c.value).where(t.c.key.startswith(prefix))).all()
    return dict(rows)


def get_meta(engine: Engine, key: str, default: str | None = None) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()
    return default if found is None else found


def data_version(engine: Engine) -> str:
    """Changes whenever any ``save_*`` writes: a cache key for readers such as the app."""
    return get_meta(engine, "data_version", "0") or "0"


# --- reading ---------------------------------------------------------------------------


def _read(engine: Engine, stmt, parse_dates: Sequence[str] = ()) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    for col in parse_dates:
        frame[col] = pd.to_datetime(frame[col])
    return frame


def load_repos(engine: Engine) -> pd.DataFrame:
    return _read(engine, select(schema.repos).order_by(schema.repos.c.full_name))


def load_identities(engine: Engine, *, keys: Sequence[str] | None = None) -> pd.DataFrame:
    """Raw identities, optionally only those with these keys."""
    t = schema.identities
    stmt = select(t)
    if keys is not None:
        stmt = stmt.where(t.c.key.in_(list(keys)))
    return _read(engine, stmt.order_by(t.c.key))


def load_activities(
    engine: Engine,
    *,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    actors: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Activities, optionally only of some repositories, some actors (identity keys)
    and within a time window."""
    t = schema.activities
    stmt = activities_query(repos=repos, since=since, until=until, actors=actors)
    return _read(engine, stmt.order_by(t.c.occurred_at, t.c.key), parse_dates=["occurred_at"])


def activities_query(
    *,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    actors: Sequence[str] | None = None,
    acting: Literal["anyone", "people", "humans"] = "anyone",
) -> Select:
    """The unordered query of :func:`load_activities` (also read column by column by
    :mod:`talent.store.columnar`). With ``acting`` "people", only the acts of actors
    linked to a person (``identity_links``); "humans", of those people no bots.

    A ranking drops the other acts anyway: dropped here, by the database, its frame of
    millions of acts is not copied whole to leave out a bot's few."""
    t = schema.activities
    stmt = select(t)
    if repos:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    if actors is not None:
        stmt = stmt.where(t.c.actor.in_(list(actors)))
    if acting not in ("anyone", "people", "humans"):
        raise ValueError(f"acting is 'anyone', 'people' or 'humans', not {acting!r}")
    if acting != "anyone":
        links, people = schema.identity_links, schema.people
        linked = select(links.c.identity_key)
        if acting == "humans":
            bots = select(people.c.person_id).where(people.c.is_bot)
            linked = linked.where(links.c.person_id.not_in(bots))
        stmt = stmt.where(t.c.actor.in_(linked))
    if since is not None:
        stmt = stmt.where(t.c.occurred_at >= _naive_utc(since))
    if until is not None:
        stmt = stmt.where(t.c.occurred_at < _naive_utc(until))
    return stmt


def load_commit_files(engine: Engine, *, repos: Sequence[str] | None = None) -> pd.DataFrame:
    t = schema.commit_files
    return _read(engine, commit_files_query(repos).order_by(t.c.repo, t.c.sha, t.c.path))


def commit_files_query(repos: Sequence[str] | None = None) -> Select:
    """The unordered query of :func:`load_commit_files`."""
    t = schema.commit_files
    stmt = select(t)
    if repos:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    return stmt


def save_profiles(engine: Engine, profiles: Iterable[dict]) -> int:
    """Upsert GitHub profiles (columns of the ``profiles`` table)."""
    return _upsert(engine, schema.profiles, profiles)


def load_profiles(engine: Engine) -> pd.DataFrame:
    t = schema.profiles
    return _read(engine, select(t).order_by(t.c.github_id), parse_dates=["fetched_at"])


def save_org_members(
    engine: Engine, org: str, members: Iterable[dict], *, fetched_at: datetime | None = None
) -> int:
    """Replace what the store knows of ``org``'s public members with ``members`` (dicts
    with ``github_id`` and ``login``), in one transaction: members who left are gone,
    and saving the same list again changes nothing but ``fetched_at``. Returns the count.

    The organisation is kept as GitHub spells it in the request, folded to lower case
    (GitHub's names are case-insensitive).
    """
    moment = _naive_utc(fetched_at or datetime.now(UTC))
    key = org.lower()
    rows = {
        int(m["github_id"]): {
            "org": key,
            "github_id": int(m["github_id"]),
            "login": str(m["login"]),
            "fetched_at": moment,
        }
        for m in members
    }
    t = schema.org_members
    with engine.begin() as conn:
        before = {
            (gid, login)
            for gid, login in conn.execute(
                select(t.c.github_id, t.c.login).where(t.c.org == key)
            ).all()
        }
        conn.execute(delete(t).where(t.c.org == key))
        if rows:
            conn.execute(t.insert(), list(rows.values()))
        # Only a changed membership is new data for readers' caches.
        if before != {(r["github_id"], r["login"]) for r in rows.values()}:
            _bump_version(conn)
    return len(rows)


def load_org_members(engine: Engine) -> pd.DataFrame:
    """Columns ``org`` (lower case), ``github_id``, ``login``, ``fetched_at``."""
    t = schema.org_members
    return _read(engine, select(t).order_by(t.c.org, t.c.github_id), parse_dates=["fetched_at"])


def save_account_members(
    engine: Engine, org: str, identity_keys: Iterable[str], *, fetched_at: datetime | None = None
) -> int:
    """Replace the members of ``org`` (``"hf:acme-ai"``) with ``identity_keys``, in one
    transaction; a changed membership is new data for readers' caches. Returns the count."""
    moment = _naive_utc(fetched_at or datetime.now(UTC))
    keys = sorted(set(identity_keys))
    t = schema.account_members
    with engine.begin() as conn:
        before = {k for (k,) in conn.execute(select(t.c.identity_key).where(t.c.org == org))}
        conn.execute(delete(t).where(t.c.org == org))
        if keys:
            conn.execute(
                t.insert(), [{"org": org, "identity_key": k, "fetched_at": moment} for k in keys]
            )
        if before != set(keys):
            _bump_version(conn)
    return len(keys)


def load_account_members(engine: Engine) -> pd.DataFrame:
    """Columns ``org`` (``SOURCE:name``), ``identity_key``, ``fetched_at``."""
    t = schema.account_members
    return _read(engine, select(t).order_by(t.c.org, t.c.identity_key), parse_dates=["fetched_at"])


NAMED_OWNER_FIELDS = ("source", "owner", "pattern", "role", "since", "kind", "until", "line")


def save_named_owners(engine: Engine, repo: str, owners: Iterable[dict]) -> int:
    """Replace who ``repo``'s owner files name with ``owners`` (dicts with the fields of
    ``NAMED_OWNER_FIELDS``), in one transaction: the intervals come from the files'
    whole history, so saving the same history again changes nothing. Returns the count."""
    rows = {}
    for owner in owners:
        row: dict[str, Any] = {"repo": repo, **{f: owner.get(f) for f in NAMED_OWNER_FIELDS}}
        row["line"] = int(row["line"] or 0)
        row["since"] = _naive_utc(row["since"])
        row["until"] = _naive_utc(row["until"]) if row["until"] is not None else None
        rows[tuple(row[k] for k in ("source", "owner", "pattern", "role", "since"))] = row
    t = schema.named_owners
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.repo == repo))
        for batch in _batches(rows.values(), _BATCH):
            conn.execute(t.insert(), batch)
        _bump_version(conn)
    return len(rows)


def load_named_owners(engine: Engine, *, repos: Sequence[str] | None = None) -> pd.DataFrame:
    """Columns ``repo`` and ``NAMED_OWNER_FIELDS``; ``until`` is NaT while named."""
    t = schema.named_owners
    stmt = select(t).order_by(t.c.repo, t.c.source, t.c.owner, t.c.since, t.c.pattern, t.c.role)
    if repos is not None:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    return _read(engine, stmt, parse_dates=["since", "until"])


OWNER_PAIRING_FIELDS = ("source", "login", "name", "email", "text", "line")


def save_owner_pairings(engine: Engine, repo: str, pairings: Iterable[dict]) -> int:
    """Replace the names ``repo``'s owner files write beside logins with ``pairings``
    (dicts with the fields of ``OWNER_PAIRING_FIELDS``), in one transaction: they come
    from the files' whole history, so saving the same history again changes nothing.
    Returns the count."""
    rows = {}
    for pairing in pairings:
        row = {"repo": repo, **{f: pairing.get(f) for f in OWNER_PAIRING_FIELDS}}
        row["email"] = row["email"] or ""
        row["text"] = row["text"] or ""
        row["line"] = int(row["line"] or 0)
        rows[(row["source"], row["login"], row["name"], row["email"])] = row
    t = schema.owner_pairings
    with engine.begin() as conn:
        before = {
            tuple(r)
            for r in conn.execute(
                select(*(t.c[f] for f in OWNER_PAIRING_FIELDS)).where(t.c.repo == repo)
            )
        }
        after = {tuple(r[f] for f in OWNER_PAIRING_FIELDS) for r in rows.values()}
        if before != after:
            conn.execute(delete(t).where(t.c.repo == repo))
            for batch in _batches(rows.values(), _BATCH):
                conn.execute(t.insert(), batch)
            _bump_version(conn)
    return len(rows)


def load_owner_pairings(engine: Engine, *, repos: Sequence[str] | None = None) -> pd.DataFrame:
    """Columns ``repo`` and ``OWNER_PAIRING_FIELDS``: who owner files say a login is."""
    t = schema.owner_pairings
    stmt = select(t).order_by(t.c.repo, t.c.source, t.c.line, t.c.login, t.c.name, t.c.email)
    if repos is not None:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    return _read(engine, stmt)


def save_head_files(engine: Engine, repo: str, paths: Iterable[str]) -> int:
    """Replace the files ``repo`` holds at its mined head with ``paths``, in one
    transaction (idempotent). Returns the count."""
    rows = [{"repo": repo, "path": p} for p in sorted(set(paths))]
    t = schema.head_files
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.repo == repo))
        for batch in _batches(rows, _BATCH):
            conn.execute(t.insert(), batch)
    return len(rows)


def load_head_files(engine: Engine, *, repos: Sequence[str] | None = None) -> pd.DataFrame:
    """Columns ``repo`` and ``path``: the files at each repository's mined head."""
    t = schema.head_files
    stmt = select(t).order_by(t.c.repo, t.c.path)
    if repos is not None:
        stmt = stmt.where(t.c.repo.in_(list(repos)))
    return _read(engine, stmt)


# The list the quick "Shortlist" and "Not a fit" actions write (on the Candidate page,
# ``talent feedback shortlist`` / ``reject``), and the stage each action sets there:
# the one-verdict-per-person of earlier versions is this list's stage.
DEFAULT_SHORTLIST = "Shortlist"
VERDICT_STAGES = {"shortlisted": "shortlisted", "rejected": "not a fit"}


def _move_verdicts(conn) -> None:
    """Move the rows of the retired ``feedback`` table (one verdict per person, written
    by talent before one pipeline) onto the default shortlist, in the transaction that
    opens the store: a verdict becomes an entry at its stage, dated when it was given,
    its note an entry note. Idempotent: the rows moved are deleted, so a store an older
    talent wrote to again is moved on the next open. A person already on a list of
    that name keeps their entry's stage unless it is "new" (nothing decided yet); the
    verdict is then kept as a note, so nothing is lost."""
    f, e, lists = schema.feedback, schema.shortlist_entries, schema.shortlists
    rows = conn.execute(select(f).order_by(f.c.noted_at, f.c.person_id)).mappings().all()
    rows = [r for r in rows if r["label"] in VERDICT_STAGES]  # others: a hand's, left as is
    if not rows:
        return
    name = DEFAULT_SHORTLIST
    if conn.execute(select(lists.c.name).where(lists.c.name == name)).first() is None:
        first = min(r["noted_at"] for r in rows)
        conn.execute(lists.insert(), [{"name": name, "created_at": first, "created_by": ""}])
    for row in rows:
        pid, at, label = row["person_id"], row["noted_at"], row["label"]
        stage = VERDICT_STAGES[label]
        key = (e.c.shortlist == name, e.c.person_id == pid)
        entry = conn.execute(select(e).where(*key)).mappings().first()
        note = row["note"] or ""
        if entry is None:
            conn.execute(e.insert(), [{"shortlist": name, "person_id": pid, "stage": stage,
                                       "tags": "", "version": 1, "added_at": at,
                                       "updated_at": at, "updated_by": ""}])  # fmt: skip
            _event(conn, name, pid, "", "added", "", stage, at=at)
        elif entry["stage"] == "new":
            conn.execute(
                e.update()
                .where(*key)
                .values(stage=stage, version=entry["version"] + 1, updated_at=at, updated_by="")
            )
            _event(conn, name, pid, "", "stage", "new", stage, at=at)
        else:  # a stage set on the list itself, later and more informed: keep it
            note = f"verdict {label}" + (f": {note}" if note else "")
        if note:
            _event(conn, name, pid, "", "note", "", note, at=at)
    conn.execute(delete(f).where(f.c.person_id.in_([r["person_id"] for r in rows])))


def delete_feedback(engine: Engine, person_id: str) -> int:
    """Forget a person's rows in the retired verdict table (rows an older talent wrote
    since the store was last opened); the number removed. Verdicts are entries on
    :data:`DEFAULT_SHORTLIST` now."""
    with engine.begin() as conn:
        removed = conn.execute(
            delete(schema.feedback).where(schema.feedback.c.person_id == person_id)
        ).rowcount
    return removed


def load_feedback(engine: Engine) -> pd.DataFrame:
    """The retired verdict table: columns ``person_id``, ``label``, ``note``,
    ``noted_at``; empty once this talent opened the store (it moves them onto
    :data:`DEFAULT_SHORTLIST`). The verdicts are :func:`talent.views.pipeline.pipeline_verdicts`."""
    t = schema.feedback
    return _read(engine, select(t).order_by(t.c.person_id), parse_dates=["noted_at"])


def load_item_authors(engine: Engine, repo: str) -> dict[str, str]:
    """``owner/repo#n`` -> the identity key of whoever opened that issue or pull request."""
    t = schema.activities
    kinds = ["issue_opened", "pr_opened"]
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.item, t.c.actor).where(t.c.repo == repo, t.c.kind.in_(kinds))
        ).all()
    return {item: actor for item, actor in rows}


def load_identity_evidence(engine: Engine) -> pd.DataFrame:
    t = schema.identity_evidence
    return _read(engine, select(t).order_by(t.c.key, t.c.other, t.c.method))


def load_people(engine: Engine) -> pd.DataFrame:
    return _read(
        engine,
        select(schema.people).order_by(schema.people.c.person_id),
        parse_dates=["employed_from", "employed_until"],
    )


def load_identity_links(engine: Engine, *, persons: Sequence[str] | None = None) -> pd.DataFrame:
    """Identity-to-person links, optionally only those of these people."""
    t = schema.identity_links
    stmt = select(t)
    if persons is not None:
        stmt = stmt.where(t.c.person_id.in_(list(persons)))
    return _read(engine, stmt.order_by(t.c.identity_key))


def load_sync_state(engine: Engine) -> pd.DataFrame:
    t = schema.sync_state
    return _read(engine, select(t).order_by(t.c.repo, t.c.resource), parse_dates=["updated_at"])


def activity_span(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """Times of the first and the latest stored activity (None, None when empty)."""
    t = schema.activities
    with engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(t.c.occurred_at), func.max(t.c.occurred_at))
        ).one()
    return first, last


def count_rows(engine: Engine, table: str) -> int:
    """Number of rows in one of the store's tables (by name)."""
    t = metadata.tables[table]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)


# What differs between two runs that stored the same data: clocks (when a row was
# fetched or written), the random salt, the change counter, and the people fingerprint
# (a hash that includes fetch times).
VOLATILE = {
    "sync_state": {"updated_at"},
    "profiles": {"fetched_at"},
    "org_members": {"fetched_at"},
    "account_members": {"fetched_at"},
    "feedback": {"noted_at"},
    "suppressions": {"added_at"},
    "shortlists": {"created_at"},
    "shortlist_entries": {"added_at", "updated_at"},
    "shortlist_events": {"at"},
    "saved_searches": {"created_at"},
    "ats_marks": {"imported_at"},
    "access_log": {"at"},
}
# Counters and caches of the data, not data: two stores with the same data may differ.
NOT_DATA = {"table_versions", "derived_results"}
VOLATILE_META = {"data_version", "privacy_salt", "people_fingerprint", _VACUUMED}


def _volatile_meta(key: str) -> bool:
    return key in VOLATILE_META or "fetched_at" in key


def dump_tables(engine: Engine) -> dict[str, dict[tuple, tuple]]:
    """Every table as ``{primary key: other columns}``, clocks, salts and ``NOT_DATA`` left
    out.

    Two stores that hold the same data give equal dumps, whatever the backend and
    whatever order the rows were written in (recovery checks, backend comparisons).
    """
    out: dict[str, dict[tuple, tuple]] = {}
    with engine.connect() as conn:
        for name, table in metadata.tables.items():
            if name in NOT_DATA:
                continue
            keys = [c.name for c in table.primary_key.columns]
            rest = [c.name for c in table.c if c.name not in keys]
            rest = [c for c in rest if c not in VOLATILE.get(name, ())]
            rows = {}
            for row in conn.execute(select(table)).mappings():
                if name == "meta" and _volatile_meta(row["key"]):
                    continue
                rows[tuple(row[k] for k in keys)] = tuple(row[c] for c in rest)
            out[name] = rows
    return out


def store_aggregates(engine: Engine) -> dict[str, str]:
    """Row counts and latest times of what identity resolution reads (identities,
    identity evidence, activities, profiles, org members): a cheap fingerprint of them."""
    out = {}
    with engine.connect() as conn:
        for name, moment in (
            ("identities", None),
            ("identity_evidence", None),
            ("owner_pairings", None),
            ("named_owners", None),
            ("activities", "occurred_at"),
            ("profiles", "fetched_at"),
            ("org_members", "fetched_at"),
            ("account_members", "fetched_at"),
        ):
            t = metadata.tables[name]
            columns: list[ColumnElement[Any]] = [func.count()]
            if moment is not None:
                columns.append(func.max(t.c[moment]))
            row = conn.execute(select(*columns).select_from(t)).one()
            out[name] = " ".join(_moment_text(v) for v in row)
    return out


def _moment_text(value: object) -> str:
    """A count or a time as the same text on every backend (SQLite gives an aggregate's
    time as text, PostgreSQL as a datetime)."""
    if value is None or isinstance(value, int):
        return str(value)
    try:  # as pandas writes it, without loading pandas for what the standard library reads
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return pd.Timestamp(value).isoformat()
    return moment.isoformat()


# --- shortlists ----------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _tags_text(tags: Iterable[str]) -> str:
    return "\n".join(sorted({t.strip() for t in tags if t.strip()}))


def save_shortlist(engine: Engine, name: str, who: str = "") -> bool:
    """Make the shortlist ``name`` if it does not exist; True if it was made."""
    row = {"name": name, "created_at": _now(), "created_by": who}
    with engine.begin() as conn:
        return _insert_new(engine, conn, schema.shortlists, row)


def _insert_new(engine: Engine, conn, table: Table, row: dict) -> bool:
    """Insert ``row`` unless its key exists; True if inserted. One statement, so that
    on SQLite the write lock is taken first (a read first would make a concurrent
    writer's commit an error rather than a wait)."""
    insert = _insert_for(engine)
    if insert is not None:
        keys = list(table.primary_key.columns)
        stmt = insert(table).values(row).on_conflict_do_nothing(index_elements=keys)
        # RETURNING, not rowcount: psycopg gives -1 for an upsert's rowcount.
        return conn.execute(stmt.returning(keys[0])).first() is not None
    keys = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
    if conn.execute(select(func.count()).select_from(table).where(*keys)).scalar():
        return False
    conn.execute(table.insert(), [row])
    return True


def load_shortlists(engine: Engine) -> pd.DataFrame:
    """Columns ``name``, ``created_at``, ``created_by`` and ``people`` (entries)."""
    t, e = schema.shortlists, schema.shortlist_entries
    people = select(e.c.shortlist, func.count().label("people")).group_by(e.c.shortlist).subquery()
    stmt = (
        select(t, func.coalesce(people.c.people, 0).label("people"))
        .select_from(t.outerjoin(people, people.c.shortlist == t.c.name))
        .order_by(t.c.name)
    )
    return _read(engine, stmt, parse_dates=["created_at"])


def _event(conn, shortlist: str, person_id: str, who: str, what: str, old="", new="", at=None):
    conn.execute(
        schema.shortlist_events.insert(),
        [
            {
                "shortlist": shortlist,
                "person_id": person_id,
                "at": at or _now(),
                "who": who,
                "what": what,
                "old": old,
                "new": new,
            }
        ],
    )


def add_entries(
    engine: Engine,
    shortlist: str,
    person_ids: Sequence[str],
    who: str = "",
    *,
    stage: str = "new",
    tags: Iterable[str] = (),
) -> list[str]:
    """Put people on a shortlist (made if missing) at ``stage``; the ids added (people
    already on it keep their entry)."""
    save_shortlist(engine, shortlist, who)
    e = schema.shortlist_entries
    added = []
    tag_text = _tags_text(tags)
    with engine.begin() as conn:
        for pid in dict.fromkeys(person_ids):
            now = _now()
            row = {"shortlist": shortlist, "person_id": pid, "stage": stage, "tags": tag_text,
                   "version": 1, "added_at": now, "updated_at": now, "updated_by": who}  # fmt: skip
            if not _insert_new(engine, conn, e, row):
                continue
            _event(conn, shortlist, pid, who, "added", "", stage, at=now)
            if tag_text:
                _event(conn, shortlist, pid, who, "tags", "", tag_text, at=now)
            added.append(pid)
    return added


def change_entry(
    engine: Engine,
    shortlist: str,
    person_id: str,
    who: str = "",
    *,
    stage: str | None = None,
    tags: Iterable[str] | None = None,
    expected_version: int | None = None,
) -> int:
    """Move an entry to ``stage`` and/or set its ``tags``; the entry's new version.

    ``expected_version`` is the version the change was made on (what the user saw):
    if the entry has changed since, or changes while this runs (another user, another
    process), nothing is stored and :class:`StaleEntry` says who changed it and when.
    """
    e = schema.shortlist_entries
    key = (e.c.shortlist == shortlist, e.c.person_id == person_id)
    with engine.connect() as conn:
        row = conn.execute(select(e).where(*key)).mappings().first()
    if row is None:
        raise StoreError(f"{person_id} is not on the shortlist {shortlist!r}")
    if expected_version is not None and row["version"] != expected_version:
        raise _stale(row, expected_version)
    new_tags = row["tags"] if tags is None else _tags_text(tags)
    new_stage = row["stage"] if stage is None else stage
    if (new_stage, new_tags) == (row["stage"], row["tags"]):
        return row["version"]
    # The write names the version read: if anyone changed the entry since, it matches
    # nothing. Being the transaction's first statement, it waits for another writer
    # instead of failing on SQLite.
    with engine.begin() as conn:
        now = _now()
        done = conn.execute(
            e.update()
            .where(*key, e.c.version == row["version"])
            .values(
                stage=new_stage,
                tags=new_tags,
                version=row["version"] + 1,
                updated_at=now,
                updated_by=who,
            )
        ).rowcount
        if done != 1:  # another writer got there between our read and our write
            raise StaleEntry(
                f"{person_id} on {shortlist!r} was changed by someone else just now; "
                "nothing was stored: look again and redo the change"
            )
        if new_stage != row["stage"]:
            _event(conn, shortlist, person_id, who, "stage", row["stage"], new_stage, at=now)
        if new_tags != row["tags"]:
            _event(conn, shortlist, person_id, who, "tags", row["tags"], new_tags, at=now)
    return row["version"] + 1


def _stale(row, expected: int) -> StaleEntry:
    by = f" by {row['updated_by']}" if row["updated_by"] else ""
    return StaleEntry(
        f"{row['person_id']} on {row['shortlist']!r} changed{by} at "
        f"{row['updated_at']:%Y-%m-%d %H:%M} UTC (version {row['version']}, you had "
        f"{expected}; now at stage {row['stage']!r}); nothing was stored: look again and "
        "redo the change"
    )


def add_note(engine: Engine, shortlist: str, person_id: str, text: str, who: str = "") -> None:
    """A note on an entry, with its author and time (notes never conflict)."""
    e = schema.shortlist_entries
    with engine.connect() as conn:
        found = conn.execute(
            select(e.c.version).where(e.c.shortlist == shortlist, e.c.person_id == person_id)
        ).first()
    if found is None:
        raise StoreError(f"{person_id} is not on the shortlist {shortlist!r}")
    with engine.begin() as conn:
        _event(conn, shortlist, person_id, who, "note", "", text)


def remove_entry(engine: Engine, shortlist: str, person_id: str, who: str = "") -> bool:
    """Take a person off one shortlist (their history and notes stay, with a "removed"
    event); True if they were on it."""
    e = schema.shortlist_entries
    with engine.begin() as conn:
        row = conn.execute(
            select(e.c.stage).where(e.c.shortlist == shortlist, e.c.person_id == person_id)
        ).first()
        if row is None:
            return False
        conn.execute(delete(e).where(e.c.shortlist == shortlist, e.c.person_id == person_id))
        _event(conn, shortlist, person_id, who, "removed", row[0], "")
    return True


def delete_person_entries(engine: Engine, person_id: str) -> int:
    """Take a person off every shortlist with their history and notes, and out of the
    digests' snapshots and the ATS marks; shortlist entries removed."""
    e, ev = schema.shortlist_entries, schema.shortlist_events
    with engine.begin() as conn:
        conn.execute(delete(ev).where(ev.c.person_id == person_id))
        for t in (schema.digest_snapshots, schema.ats_marks):
            conn.execute(delete(t).where(t.c.person_id == person_id))
        return conn.execute(delete(e).where(e.c.person_id == person_id)).rowcount


def load_entries(engine: Engine, shortlist: str | None = None) -> pd.DataFrame:
    """Columns of ``shortlist_entries``; ``tags`` as a list."""
    e = schema.shortlist_entries
    stmt = select(e).order_by(e.c.shortlist, e.c.added_at, e.c.person_id)
    if shortlist is not None:
        stmt = stmt.where(e.c.shortlist == shortlist)
    frame = _read(engine, stmt, parse_dates=["added_at", "updated_at"])
    frame["tags"] = [[t for t in (value or "").split("\n") if t] for value in frame["tags"]]
    return frame


def load_events(
    engine: Engine, shortlist: str | None = None, person_id: str | None = None
) -> pd.DataFrame:
    """The history: columns ``id``, ``shortlist``, ``person_id``, ``at``, ``who``,
    ``what`` (added, stage, tags, note), ``old``, ``new``; oldest first."""
    t = schema.shortlist_events
    stmt = select(t).order_by(t.c.id)
    if shortlist is not None:
        stmt = stmt.where(t.c.shortlist == shortlist)
    if person_id is not None:
        stmt = stmt.where(t.c.person_id == person_id)
    return _read(engine, stmt, parse_dates=["at"])


def share_shortlist(
    engine: Engine, shortlist: str, emails: Sequence[str], who: str = ""
) -> list[str]:
    """Share the shortlist ``shortlist`` with ``emails`` (kept in lower case); the
    addresses newly shared with (one already shared keeps its date). The list must exist."""
    if shortlist not in set(load_shortlists(engine)["name"]):
        raise StoreError(f"no shortlist {shortlist!r}")
    added = []
    with engine.begin() as conn:
        for email in dict.fromkeys(e.strip().lower() for e in emails):
            row = {"shortlist": shortlist, "email": email, "shared_at": _now(), "shared_by": who}
            if _insert_new(engine, conn, schema.shortlist_shares, row):
                added.append(email)
    return added


def unshare_shortlist(engine: Engine, shortlist: str, emails: Sequence[str]) -> list[str]:
    """Stop sharing ``shortlist`` with ``emails`` (compared without case); the addresses
    it was shared with and no longer is."""
    t = schema.shortlist_shares
    gone = []
    with engine.begin() as conn:
        for email in dict.fromkeys(e.strip().lower() for e in emails):
            where = (t.c.shortlist == shortlist, t.c.email == email)
            if conn.execute(delete(t).where(*where)).rowcount:
                gone.append(email)
    return gone


def load_shares(engine: Engine, shortlist: str | None = None) -> pd.DataFrame:
    """Who each shortlist is shared with: columns ``shortlist``, ``email``, ``shared_at``,
    ``shared_by``; by list, then address."""
    t = schema.shortlist_shares
    stmt = select(t).order_by(t.c.shortlist, t.c.email)
    if shortlist is not None:
        stmt = stmt.where(t.c.shortlist == shortlist)
    return _read(engine, stmt, parse_dates=["shared_at"])


def save_ats_marks(
    engine: Engine, marks: dict[str, str], source: str, *, replace: bool = False
) -> int:
    """Mark people as in the applicant tracking system: person id -> how they were
    matched ("login" or "e-mail"). With ``replace`` the earlier marks go, in the same
    transaction. Marks change no score, so the data version stays."""
    t = schema.ats_marks
    rows = [
        {"person_id": pid, "matched_by": how, "source": source[:300], "imported_at": _now()}
        for pid, how in sorted(marks.items())
    ]
    with engine.begin() as conn:
        if replace:
            conn.execute(delete(t))
        for batch in _batches(rows, 500):
            conn.execute(delete(t).where(t.c.person_id.in_([r["person_id"] for r in batch])))
            conn.execute(t.insert(), batch)
    return len(rows)


def load_ats_marks(engine: Engine) -> pd.DataFrame:
    """Columns ``person_id``, ``matched_by``, ``source``, ``imported_at``."""
    t = schema.ats_marks
    return _read(engine, select(t).order_by(t.c.person_id), parse_dates=["imported_at"])


# --- saved searches and digests ------------------------------------------------------------


def save_search(engine: Engine, name: str, spec: str) -> None:
    """Keep a search (its JSON ``spec``) under ``name``, replacing one of that name."""
    _upsert(engine, schema.saved_searches, [{"name": name, "spec": spec, "created_at": _now()}])


def load_searches(engine: Engine) -> pd.DataFrame:
    t = schema.saved_searches
    return _read(engine, select(t).order_by(t.c.name), parse_dates=["created_at"])


def save_snapshot(engine: Engine, search: str, taken_at: datetime, rows: list[dict]) -> None:
    """What a digest of ``search`` saw at ``taken_at`` (a row per person)."""
    rows = [{**r, "search": search, "taken_at": taken_at} for r in rows]
    _upsert(engine, schema.digest_snapshots, rows)


def load_snapshot(
    engine: Engine, search: str, before: datetime | None = None
) -> tuple[datetime | None, pd.DataFrame]:
    """The latest snapshot of ``search`` (taken at or before ``before``): its time and
    rows; (None, empty) when there is none."""
    t = schema.digest_snapshots
    latest = select(func.max(t.c.taken_at)).where(t.c.search == search)
    if before is not None:
        latest = latest.where(t.c.taken_at <= before)
    with engine.connect() as conn:
        taken = conn.execute(latest).scalar()
    if taken is None:
        return None, _read(engine, select(t).limit(0))
    if isinstance(taken, str):
        taken = datetime.fromisoformat(taken)
    stmt = select(t).where(t.c.search == search, t.c.taken_at == taken).order_by(t.c.rank)
    return taken, _read(engine, stmt, parse_dates=["last_active"])


# --- opt-out ------------------------------------------------------------------------------


def privacy_salt(engine: Engine, *, create: bool = True) -> str | None:
    """The store's salt for suppression hashes, made on first use (never printed)."""
    import secrets

    salt = get_meta(engine, "privacy_salt")
    if salt is None and create:
        # Insert-if-absent, then read: two processes making the salt at once agree on one.
        with engine.begin() as conn:
            _insert_new(
                engine, conn, schema.meta, {"key": "privacy_salt", "value": secrets.token_hex(16)}
            )
        salt = get_meta(engine, "privacy_salt")
    return salt


def save_suppressions(engine: Engine, rows: Iterable[dict]) -> int:
    """Add suppressions (``hash``, ``kind``, ``added_at``); an existing hash stays."""
    rows = list(rows)
    if not rows:
        return 0
    known = suppressed_hashes(engine)
    return _upsert(engine, schema.suppressions, [r for r in rows if r["hash"] not in known])


def load_suppressions(engine: Engine) -> pd.DataFrame:
    t = schema.suppressions
    return _read(engine, select(t).order_by(t.c.added_at, t.c.hash))


def suppressed_hashes(engine: Engine) -> frozenset[str]:
    """The hashes of the suppressions alone (what every mine checks: no frame)."""
    with engine.connect() as conn:
        return frozenset(h for (h,) in conn.execute(select(schema.suppressions.c.hash)))


def delete_suppressions(engine: Engine, hashes: Sequence[str]) -> int:
    t = schema.suppressions
    with engine.begin() as conn:
        return conn.execute(delete(t).where(t.c.hash.in_(list(hashes)))).rowcount


def add_suppressions(engine: Engine, rows: Iterable[dict], pending: Sequence[str] = ()) -> int:
    """Add suppressions (``hash``, ``kind``, ``added_at``; an existing hash stays) and, in
    the same transaction, mark an opt-out pending for the person ids ``pending``: a run
    killed before the deletions finish leaves the mark, and the next start finishes them
    (:func:`talent.people.privacy.finish_pending`). Returns the rows added."""
    rows = list({r["hash"]: r for r in rows}.values())
    t = schema.suppressions
    with engine.begin() as conn:
        known = {h for (h,) in conn.execute(select(t.c.hash)).all()}
        fresh = [r for r in rows if r["hash"] not in known]
        if fresh:
            conn.execute(t.insert(), fresh)
        if fresh or pending:
            old = conn.execute(
                select(schema.meta.c.value).where(schema.meta.c.key == "privacy_pending")
            ).scalar()
            ids = sorted(set(json.loads(old) if old else []) | set(pending))
            _set_meta(conn, "privacy_pending", json.dumps(ids))
            _bump_version(conn)
    return len(fresh)


def pending_optout(engine: Engine) -> list[str] | None:
    """The person ids of an opt-out whose deletions have not finished (``[]``: entries
    added, nobody known yet), or None when nothing is pending."""
    value = get_meta(engine, "privacy_pending")
    return None if value is None else list(json.loads(value))


def clear_pending_optout(engine: Engine) -> None:
    """The deletions of a pending opt-out are done: its mark becomes a mark that the
    files still need scrubbing (:func:`forget_on_disk`; :func:`scrubbed` clears it),
    so a run killed while scrubbing is scrubbed again at the next start."""
    with engine.begin() as conn:
        conn.execute(delete(schema.meta).where(schema.meta.c.key == "privacy_pending"))
        _set_meta(conn, "privacy_scrub", "1")


def scrub_pending(engine: Engine) -> bool:
    return get_meta(engine, "privacy_scrub") is not None


def scrubbed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(schema.meta).where(schema.meta.c.key == "privacy_scrub"))


def rewrap_suppressions(engine: Engine, wrap: Callable[[str], str], after: dict[str, str]) -> int:
    """Replace every suppression hash ``h`` by ``wrap(h)`` and set the meta ``after`` in
    the same transaction (a key added or rotated: :mod:`talent.store.keys`)."""
    t = schema.suppressions
    with engine.begin() as conn:
        rows = conn.execute(select(t.c.hash, t.c.kind, t.c.added_at)).mappings().all()
        if rows:
            conn.execute(delete(t))
            conn.execute(
                t.insert(),
                [
                    {"hash": wrap(r["hash"]), "kind": r["kind"], "added_at": r["added_at"]}
                    for r in rows
                ],
            )
        for key, value in after.items():
            _set_meta(conn, key, value)
    return len(rows)


# What the pipeline holds under a person id (a recruiter's work, not mined data).
_PIPELINE_TABLES = (
    schema.feedback,
    schema.shortlist_entries,
    schema.shortlist_events,
    schema.digest_snapshots,
    schema.ats_marks,
)


def delete_person_rows(
    engine: Engine, person_ids: Sequence[str], needles: Sequence[str]
) -> dict[str, int]:
    """Delete what the pipeline holds of ``person_ids`` (retired verdicts, shortlist
    entries and their events, digest snapshots, ATS marks), every shortlist event or
    saved search whose words contain one of ``needles`` (case-folded: the person's
    addresses, logins and names), and the people from the access log (an entry left
    naming nobody, or whose filters contain a needle, goes whole), in one transaction.
    Returns rows deleted per table."""
    ids = sorted(set(person_ids))
    words = sorted({n.casefold() for n in needles if n and len(n) >= 3})
    done: dict[str, int] = {}
    ev = schema.shortlist_events
    with engine.begin() as conn:
        for table in _PIPELINE_TABLES:
            n = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                n += conn.execute(delete(table).where(table.c.person_id.in_(chunk))).rowcount
            done[table.name] = n
        if words:
            found = conn.execute(select(ev.c.id, ev.c.old, ev.c.new)).all()
            hit = [
                i for i, old, new in found if any(w in f"{old}\n{new}".casefold() for w in words)
            ]
            for start in range(0, len(hit), 500):
                conn.execute(delete(ev).where(ev.c.id.in_(hit[start : start + 500])))
            done["shortlist_events"] += len(hit)
            searches = conn.execute(
                select(schema.saved_searches.c.name, schema.saved_searches.c.spec)
            ).all()
            gone = [n for n, spec in searches if any(w in spec.casefold() for w in words)]
            if gone:
                conn.execute(
                    delete(schema.saved_searches).where(schema.saved_searches.c.name.in_(gone))
                )
                conn.execute(
                    delete(schema.digest_snapshots).where(
                        schema.digest_snapshots.c.search.in_(gone)
                    )
                )
            done["saved_searches"] = len(gone)
        done.update(_forget_access(conn, ids, words))
        if any(v for k, v in done.items() if not k.startswith("access_log")):
            _bump_version(conn)
    return done


def rename_people(engine: Engine, renames: dict[str, str]) -> dict[str, int]:
    """Move what the pipeline holds (retired verdicts, shortlist entries and their events,
    digest snapshots, ATS marks, the access log) from old person ids to new ones, in one
    transaction, so that a recruiter's work follows a person whose id changed. ``renames``
    is one to one; an id a table already holds takes nothing more there (no row is merged or
    lost). Returns rows moved per table."""
    if len(set(renames.values())) != len(renames):
        raise ValueError("two person ids renamed to one")
    done: dict[str, int] = {}
    with engine.begin() as conn:
        for table in _PIPELINE_TABLES:
            # The pipeline holds few people: read them rather than ask for every id.
            held = set(conn.execute(select(table.c.person_id).distinct()).scalars())
            moving = sorted(old for old in held & set(renames) if renames[old] not in held)
            done[table.name] = sum(
                conn.execute(
                    table.update().where(table.c.person_id == old).values(person_id=renames[old])
                ).rowcount
                for old in moving
            )
        done["access_log_people"] = _rename_access(conn, renames)
        # Derived results name the old ids: none is kept (talent.store.derived).
        conn.execute(schema.derived_results.delete())
        if any(v for k, v in done.items() if not k.startswith("access_log")):
            _bump_version(conn)
    return done


def redact_titles(engine: Engine, needles: Sequence[str], placeholder: str) -> int:
    """Replace every whole-word mention of ``needles`` (case-folded; four characters or
    more) in acts' titles with ``placeholder``: others' commit subjects and comments
    that name a person who opted out ("Add Ada to approvers") keep the act, not the
    name. Returns the titles changed."""
    import re

    words = sorted({n.strip() for n in needles if n and len(n.strip()) >= 4}, key=len, reverse=True)
    if not words:
        return 0
    pattern = re.compile(
        r"(?<![\w.@+-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w@-])", re.IGNORECASE
    )
    t = schema.activities
    changed = 0
    with engine.begin() as conn:
        for start in range(0, len(words), 50):
            likes = [
                func.lower(t.c.title).contains(w.lower(), autoescape=True)
                for w in words[start : start + 50]
            ]
            rows = conn.execute(select(t.c.key, t.c.title).where(or_(*likes))).all()
            for key, title in rows:
                new = pattern.sub(placeholder, title)
                if new != title:
                    conn.execute(t.update().where(t.c.key == key).values(title=new))
                    changed += 1
        if changed:
            _bump_version(conn)
    return changed


def purge_identities(
    engine: Engine, keys: Sequence[str], *, logins: Sequence[str] = (), emails: Sequence[str] = ()
) -> dict[str, int]:
    """Delete raw identities and everything that is theirs, in one transaction: their
    acts, their links, evidence and memberships, profiles of their GitHub accounts, and
    owner-file namings of ``logins`` / ``emails``. Acts of others on their work keep the
    other's credit and lose the counterpart. Returns rows deleted per table."""
    keys = list(dict.fromkeys(keys))
    done: dict[str, int] = {}
    ident = schema.identities
    with engine.begin() as conn:
        ids = [
            int(g)
            for (g,) in conn.execute(
                select(ident.c.github_id).where(
                    ident.c.key.in_(keys), ident.c.github_id.is_not(None)
                )
            ).all()
        ]
        for start in range(0, max(len(keys), 1), 500):
            chunk = keys[start : start + 500]
            a = schema.activities
            done["activities"] = (
                done.get("activities", 0)
                + conn.execute(delete(a).where(a.c.actor.in_(chunk))).rowcount
            )
            done["counterparts"] = (
                done.get("counterparts", 0)
                + conn.execute(
                    a.update().where(a.c.counterpart.in_(chunk)).values(counterpart=None)
                ).rowcount
            )
            ev = schema.identity_evidence
            conn.execute(delete(ev).where(ev.c.key.in_(chunk) | ev.c.other.in_(chunk)))
            conn.execute(
                delete(schema.account_members).where(
                    schema.account_members.c.identity_key.in_(chunk)
                )
            )
            links = schema.identity_links
            conn.execute(delete(links).where(links.c.identity_key.in_(chunk)))
            done["identities"] = (
                done.get("identities", 0)
                + conn.execute(delete(ident).where(ident.c.key.in_(chunk))).rowcount
            )
        if ids:
            conn.execute(delete(schema.profiles).where(schema.profiles.c.github_id.in_(ids)))
            conn.execute(delete(schema.org_members).where(schema.org_members.c.github_id.in_(ids)))
        owners = schema.named_owners
        bare = {x.lower().lstrip("@") for x in logins}
        names = sorted(bare | {f"@{x}" for x in bare} | {x.lower() for x in emails})
        if names:
            done["named_owners"] = conn.execute(
                delete(owners).where(func.lower(owners.c.owner).in_(names))
            ).rowcount
        pairings = schema.owner_pairings
        if bare or emails:
            done["owner_pairings"] = conn.execute(
                delete(pairings).where(
                    func.lower(pairings.c.login).in_(sorted(bare))
                    | func.lower(pairings.c.email).in_(sorted(x.lower() for x in emails))
                )
            ).rowcount
        if any(done.values()):
            _bump_version(conn)
    return done


def forget_text(engine: Engine, kinds: Sequence[str], before: datetime, placeholder: str) -> int:
    """Replace the title (a comment's first line) of acts of ``kinds`` that happened
    before ``before`` with ``placeholder``; acts, dates and links stay. Returns rows."""
    t = schema.activities
    with engine.begin() as conn:
        changed = conn.execute(
            t.update()
            .where(
                t.c.kind.in_(list(kinds)),
                t.c.occurred_at < before.replace(tzinfo=None),
                t.c.title != placeholder,
            )
            .values(title=placeholder)
        ).rowcount
        if changed:
            _bump_version(conn)
    return changed


# --- access log ----------------------------------------------------------------------------

# What an entry records, and where it was done (talent.people.accesslog says what each means).
ACCESS_ACTIONS = ("view", "export", "outreach")
ACCESS_PLACES = ("app", "cli")


def save_access(
    engine: Engine,
    who: str,
    action: str,
    where: str,
    person_ids: Iterable[str],
    filters: str = "{}",
    at: datetime | None = None,
) -> int:
    """Append one entry to the access log: ``who`` did ``action`` (view, export,
    outreach) from ``where`` (app, cli) to ``person_ids`` with ``filters`` (JSON text)
    at ``at`` (UTC; now by default). An entry is an event, not a fact to upsert: two
    views are two entries. Returns the entry's id. The data version stays (the log
    changes no score)."""
    if action not in ACCESS_ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    if where not in ACCESS_PLACES:
        raise ValueError(f"unknown access place {where!r}")
    ids = sorted({str(p) for p in person_ids})
    row = {
        "at": _naive_utc(at) if at is not None else _now(),
        "who": who[:200],
        "action": action,
        "where": where,
        "filters": filters,
    }
    t, people = schema.access_log, schema.access_log_people
    with engine.begin() as conn:
        inserted = conn.execute(t.insert().values(row)).inserted_primary_key
        assert inserted is not None  # one row inserted, with its key
        entry = int(inserted[0])
        for batch in _batches(({"entry_id": entry, "person_id": p} for p in ids), _BATCH):
            conn.execute(people.insert(), batch)
    return entry


def load_access(
    engine: Engine, person_id: str | Sequence[str] | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """The access log, oldest first: columns ``id``, ``at``, ``who``, ``action``,
    ``where``, ``filters`` (JSON text) and ``people`` (the sorted person ids, a list);
    only entries naming ``person_id`` (one id, or any of several) and at or after
    ``since`` when given."""
    t, people = schema.access_log, schema.access_log_people
    stmt = select(t).order_by(t.c.at, t.c.id)
    if person_id is not None:
        wanted = [person_id] if isinstance(person_id, str) else list(person_id)
        stmt = stmt.where(
            t.c.id.in_(select(people.c.entry_id).where(people.c.person_id.in_(wanted)))
        )
    if since is not None:
        stmt = stmt.where(t.c.at >= _naive_utc(since))
    frame = _read(engine, stmt, parse_dates=["at"])
    named: dict[int, list[str]] = {int(i): [] for i in frame["id"]}
    if named:
        ids = sorted(named)
        with engine.connect() as conn:
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(people.c.entry_id, people.c.person_id)
                    .where(people.c.entry_id.in_(ids[start : start + 500]))
                    .order_by(people.c.entry_id, people.c.person_id)
                ).all()
                for entry, pid in rows:
                    named[int(entry)].append(pid)
    frame["people"] = [named[int(i)] for i in frame["id"]]
    return frame


def prune_access(engine: Engine, before: datetime) -> int:
    """Delete the access log's entries made before ``before`` (UTC), with the people they
    named; returns the entries deleted. Cheap when nothing is old: one indexed probe."""
    t, people = schema.access_log, schema.access_log_people
    cutoff = _naive_utc(before)
    with engine.begin() as conn:
        old = select(t.c.id).where(t.c.at < cutoff)
        if conn.execute(old.limit(1)).first() is None:
            return 0
        conn.execute(delete(people).where(people.c.entry_id.in_(old)))
        return conn.execute(delete(t).where(t.c.at < cutoff)).rowcount


def _forget_access(conn, ids: Sequence[str], words: Sequence[str]) -> dict[str, int]:
    """Take ``ids`` out of the access log, then delete the entries that name nobody any
    more or whose filters mention one of ``words`` (case-folded); rows deleted."""
    t, people = schema.access_log, schema.access_log_people
    gone = 0
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        gone += conn.execute(delete(people).where(people.c.person_id.in_(chunk))).rowcount
    named = select(people.c.entry_id).where(people.c.entry_id == t.c.id).exists()
    hit = set(conn.execute(select(t.c.id).where(~named)).scalars())
    if words:
        for entry, filters in conn.execute(select(t.c.id, t.c.filters)).all():
            if any(w in (filters or "").casefold() for w in words):
                hit.add(entry)
    hit_ids = sorted(hit)
    for start in range(0, len(hit_ids), 500):
        chunk = hit_ids[start : start + 500]
        gone += conn.execute(delete(people).where(people.c.entry_id.in_(chunk))).rowcount
        conn.execute(delete(t).where(t.c.id.in_(chunk)))
    return {"access_log_people": gone, "access_log": len(hit_ids)}


def _rename_access(conn, renames: dict[str, str]) -> int:
    """Move access-log people from old ids to new ones, entry by entry (an entry that
    names the new id already keeps that one row); rows moved."""
    people = schema.access_log_people
    held = set(conn.execute(select(people.c.person_id).distinct()).scalars())
    moved = 0
    for old in sorted(held & set(renames)):
        new = renames[old]
        has_new = select(people.c.entry_id).where(people.c.person_id == new)
        conn.execute(
            delete(people).where(people.c.person_id == old, people.c.entry_id.in_(has_new))
        )
        moved += conn.execute(
            people.update().where(people.c.person_id == old).values(person_id=new)
        ).rowcount
    return moved
