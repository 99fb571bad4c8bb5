"""Table versions: which tables a transaction wrote, counted in the same transaction.

:func:`track` puts two listeners on an engine. Before each statement the SQL is read
for the tables it writes (``INSERT INTO``, ``UPDATE``, ``DELETE FROM``, ``REPLACE``,
``TRUNCATE``, ``DROP TABLE``), whoever built it: SQLAlchemy Core, pandas' ``to_sql`` or
raw ``text()``. When the transaction commits, each written table's row of
``table_versions`` goes up by one, in name order (so two writers never wait on each
other's rows the other way round), on the same connection just before the commit: the
data and its new version become visible together, and a rollback keeps neither. A
statement run in autocommit mode counts at once.

:func:`table_versions` reads them: :mod:`talent.store.derived` keys its results by the
versions of exactly the tables each result reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Engine, event, select, update

from talent.store.schema import metadata
from talent.store.schema import table_versions as _versions

# The tables whose versions are kept: every table of the store but the two that hold
# versions and derived results themselves (writing a derived result changes no data).
UNTRACKED = frozenset({"table_versions", "derived_results", "schema_version"})
TRACKED = frozenset(metadata.tables) - UNTRACKED

_WRITES = re.compile(
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM"
    r"|TRUNCATE(?:\s+TABLE)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?)\s+[\"`\[]?(\w+)",
    re.IGNORECASE,
)
_WRITTEN = "talent_written_tables"
# The version's update, in each DB-API paramstyle.
_BUMP = "UPDATE table_versions SET version = version + 1 WHERE name = "
_BUMPS = {
    "qmark": _BUMP + "?",
    "format": _BUMP + "%s",
    "pyformat": _BUMP + "%(name)s",
    "named": _BUMP + ":name",
    "numeric": _BUMP + ":1",
}


def written_tables(statement: str) -> set[str]:
    """The store's tables a SQL statement writes (an upsert's ``DO UPDATE SET`` names no
    table and counts for nothing more)."""
    return {name.lower() for name in _WRITES.findall(statement)} & TRACKED


def track(engine: Engine) -> None:
    """Count every write through ``engine`` in ``table_versions`` (idempotent)."""
    if event.contains(engine, "before_cursor_execute", _seen):
        return
    event.listen(engine, "before_cursor_execute", _seen)
    event.listen(engine, "after_cursor_execute", _autocommitted)
    event.listen(engine, "commit", _bump)
    event.listen(engine, "rollback", _forget)


def _seen(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    tables = written_tables(statement)
    if tables:
        conn.info.setdefault(_WRITTEN, set()).update(tables)


def _autocommitted(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
    if conn.info.get(_WRITTEN) and conn.get_execution_options().get("isolation_level") == (
        "AUTOCOMMIT"
    ):
        _bump(conn)


def _bump(conn) -> None:
    tables = conn.info.pop(_WRITTEN, None)
    if not tables:
        return
    # The DB-API cursor: the update runs inside the transaction being committed and is
    # not itself seen by these listeners.
    cursor = conn.connection.dbapi_connection.cursor()
    style = conn.dialect.paramstyle
    try:
        for name in sorted(tables):
            named = style in ("pyformat", "named")
            cursor.execute(_BUMPS[style], {"name": name} if named else (name,))
    finally:
        cursor.close()


def bump_statement(name: str):
    """The update that moves ``name``'s version on by one, for a writer that does not
    go through a tracked engine (the bulk save's child process, :mod:`talent.store.bulk`)."""
    t = _versions
    return update(t).where(t.c.name == name).values(version=t.c.version + 1)


def _forget(conn) -> None:
    conn.info.pop(_WRITTEN, None)


def ensure_rows(conn) -> None:
    """A ``table_versions`` row (version 0) for every tracked table that has none yet."""
    t = _versions
    have = set(conn.execute(select(t.c.name)).scalars())
    missing = sorted(TRACKED - have)
    if missing:
        conn.execute(t.insert(), [{"name": name, "version": 0} for name in missing])


def table_versions(engine: Engine, tables: Iterable[str]) -> dict[str, int]:
    """The current version of each of ``tables`` (0 for a table never written)."""
    names = sorted(set(tables))
    unknown = set(names) - TRACKED
    if unknown:
        raise ValueError(f"no versions are kept of {', '.join(sorted(unknown))}")
    t = _versions
    with engine.connect() as conn:
        found = dict(conn.execute(select(t.c.name, t.c.version).where(t.c.name.in_(names))).all())
    return {name: int(found.get(name, 0)) for name in names}
