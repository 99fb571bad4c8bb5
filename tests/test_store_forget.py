"""Forgotten on disk: after a person's rows are deleted and ``forget_on_disk`` ran, no
byte of theirs is left in the SQLite files (main file, ``-wal``, ``-shm``), even with the
app's reader connections open; a reader inside a transaction is one clear error, not a
30-second hang; a store made before ``secure_delete`` is rebuilt once. On PostgreSQL it
VACUUMs talent's tables.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.store import (
    NotForgotten,
    add_entries,
    add_note,
    count_rows,
    delete_person_entries,
    ensure_schema,
    forget_on_disk,
    get_meta,
    open_store,
    purge_identities,
    save_activities,
    save_identities,
)

EMAIL = "Zora.Quillfeather@Example.org"
NAME = "Zora Quillfeather"
LOGIN = "zquillfeather9"
PERSON = "gh7777701"
# Every identifier the person is known by, as a search of the raw files would try them.
NEEDLES = [EMAIL, EMAIL.lower(), NAME, NAME.lower(), LOGIN, PERSON]

GIT = Identity(IdentitySource.GIT, name=NAME, email=EMAIL)
GITHUB = Identity(IdentitySource.GITHUB, name=NAME, login=LOGIN, github_id=7777701)
OTHERS = [
    Identity(IdentitySource.GIT, name=f"Other Person {i}", email=f"other{i}@example.org")
    for i in range(300)
]
START = datetime(2024, 1, 1, tzinfo=UTC)


def _acts(identity: Identity, n: int, tag: str) -> list[Activity]:
    return [
        Activity(
            key=f"{tag}-{i}",
            repo="acme/widgets",
            kind=ActivityKind.COMMIT,
            actor=identity.key,
            occurred_at=START + timedelta(hours=i),
            item=f"{tag}{i:036d}",
            # Titles name the person (trailers, "Signed-off-by"), as real histories do.
            title=f"fix {i} Signed-off-by: {identity.name} <{identity.email or identity.login}>",
        )
        for i in range(n)
    ]


def _fill(engine) -> None:
    """The person among 300 others, interleaved, so their rows share pages with rows
    that stay (deleting whole pages only would prove less)."""
    save_identities(engine, [*OTHERS[:150], GIT, GITHUB, *OTHERS[150:]])
    for n, other in enumerate(OTHERS):
        save_activities(engine, _acts(other, 5, f"o{n}-"))
        if n % 100 == 0:
            save_activities(engine, _acts(GIT, 20, f"zg{n}-") + _acts(GITHUB, 10, f"zh{n}-"))
    add_entries(engine, "backend", [PERSON, "gh1"])
    add_note(engine, "backend", PERSON, f"met {NAME} ({EMAIL}, @{LOGIN}) at the meetup")
    add_note(engine, "backend", "gh1", "someone else")


def _delete_person(engine) -> None:
    done = purge_identities(engine, [GIT.key, GITHUB.key], logins=[LOGIN], emails=[EMAIL])
    assert done["identities"] == 2 and done["activities"] == 3 * 30
    assert delete_person_entries(engine, PERSON) == 1


def _hits(db: Path) -> dict[str, int]:
    """Occurrences of each identifier in the raw bytes of the database's files."""
    found: dict[str, int] = {}
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if not path.exists():
            continue
        data = path.read_bytes()
        for needle in NEEDLES:
            n = data.count(needle.encode("utf-8"))
            if n:
                found[f"{path.name}:{needle}"] = n
    return found


def _readers(db: Path, url: str):
    """What the app keeps: a plain sqlite3 connection that has read and stays open, and
    an SQLAlchemy connection of another engine that has read and stays open."""
    plain = sqlite3.connect(db)
    assert plain.execute("SELECT count(*) FROM identities").fetchone()[0] == 302
    other = open_store(url)
    conn = other.connect()
    assert conn.execute(text("SELECT count(*) FROM activities")).scalar() == 1500 + 90
    return plain, other, conn


def test_no_byte_of_a_deleted_person_remains_with_readers_open(tmp_path):
    db = tmp_path / "talent.db"
    url = f"sqlite:///{db}"
    engine = open_store(url)
    _fill(engine)
    plain, other, conn = _readers(db, url)
    try:
        assert _hits(db), "the person's identifiers are in the files before the deletion"
        _delete_person(engine)
        forget_on_disk(engine)
        assert _hits(db) == {}
        assert Path(f"{db}-wal").stat().st_size == 0
        # What stays is intact, and the readers still read.
        assert count_rows(engine, "identities") == 300
        assert plain.execute("SELECT count(*) FROM activities").fetchone()[0] == 1500
        assert conn.execute(text("SELECT count(*) FROM identities")).scalar() == 300
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        conn.close()
        other.dispose()
        plain.close()
        engine.dispose()


def test_a_copy_of_the_main_file_alone_holds_nothing(tmp_path):
    """The issue's case: the app open, a purge, then a copy of talent.db without -wal."""
    db = tmp_path / "talent.db"
    url = f"sqlite:///{db}"
    engine = open_store(url)
    _fill(engine)
    plain, other, conn = _readers(db, url)
    try:
        _delete_person(engine)
        forget_on_disk(engine)
        copy = tmp_path / "copy.db"
        copy.write_bytes(db.read_bytes())
        assert _hits(copy) == {}
        with sqlite3.connect(copy) as c:
            assert c.execute("SELECT count(*) FROM identities").fetchone()[0] == 300
    finally:
        conn.close()
        other.dispose()
        plain.close()
        engine.dispose()


def test_a_reader_inside_a_transaction_is_one_clear_error_then_the_next_call_completes(
    tmp_path,
):
    db = tmp_path / "talent.db"
    engine = open_store(f"sqlite:///{db}")
    _fill(engine)
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM identities").fetchone()[0] == 302
    try:
        _delete_person(engine)
        began = datetime.now()
        with pytest.raises(NotForgotten) as caught:
            forget_on_disk(engine, wait=0.3)
        # Bounded by ``wait``, not by the connections' 30 s busy timeout.
        assert (datetime.now() - began).total_seconds() < 5
        message = str(caught.value)
        assert "\n" not in message and "another connection" in message
        # The reader keeps its snapshot; once it ends, the next call forgets everything.
        assert reader.execute("SELECT count(*) FROM identities").fetchone()[0] == 302
        reader.execute("COMMIT")
        forget_on_disk(engine, wait=0.3)
        assert _hits(db) == {}
        # The busy timeout is back to its long value for the connection's next user.
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    finally:
        reader.close()
        engine.dispose()


def _old_talent_pragmas(dbapi_connection, _record) -> None:
    # What talent set before secure_delete and auto_vacuum, on an SQLite built without
    # SQLITE_SECURE_DELETE (Debian's has it on by default; python.org's builds do not).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=OFF")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def test_a_store_made_before_secure_delete_is_rebuilt_once(tmp_path):
    db = tmp_path / "talent.db"
    url = f"sqlite:///{db}"
    old = create_engine(url)
    event.listen(old, "connect", _old_talent_pragmas)
    ensure_schema(old)
    _fill(old)
    _delete_person(old)  # deleted without secure_delete: the bytes stay in free space
    with old.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    old.dispose()
    assert _hits(db), "an old store keeps deleted rows in its free pages"

    engine = open_store(url)
    plain = sqlite3.connect(db)
    plain.execute("SELECT count(*) FROM identities").fetchone()
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 0
        forget_on_disk(engine)
        assert _hits(db) == {}
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 2  # incremental
        when = get_meta(engine, "disk_vacuumed_at")
        assert when is not None and datetime.fromisoformat(when).year >= 2024
        assert count_rows(engine, "activities") == 1500
        # Once: the next call does not rebuild again.
        forget_on_disk(engine)
        assert get_meta(engine, "disk_vacuumed_at") == when
    finally:
        plain.close()
        engine.dispose()


def test_a_new_store_uses_incremental_auto_vacuum_and_secure_delete(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'talent.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA auto_vacuum").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_freed_pages_go_back_to_the_file_system(tmp_path):
    db = tmp_path / "talent.db"
    engine = open_store(f"sqlite:///{db}")
    try:
        _fill(engine)
        forget_on_disk(engine)
        before = db.stat().st_size
        purge_identities(engine, [o.key for o in OTHERS])
        forget_on_disk(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA freelist_count").scalar() == 0
        assert db.stat().st_size < before / 2
    finally:
        engine.dispose()


def _pg_hits(pg_server, engine) -> dict[str, int]:
    """Occurrences of each identifier in the files of the test's database (after a
    CHECKPOINT, so what the server holds in memory is in them)."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("CHECKPOINT")
        oid = conn.execute(
            text("SELECT oid FROM pg_database WHERE datname = current_database()")
        ).scalar()
    found: dict[str, int] = {}
    for path in (pg_server.data / "base" / str(oid)).iterdir():
        data = path.read_bytes()
        for needle in NEEDLES:
            if n := data.count(needle.encode("utf-8")):
                found[needle] = found.get(needle, 0) + n
    return found


def test_postgresql_keeps_no_byte_of_a_deleted_person_in_its_tables(pg_server):
    engine = open_store(pg_server.new_database())
    reader = open_store(str(engine.url)).connect()  # the app's connection, idle
    try:
        _fill(engine)
        assert reader.execute(text("SELECT count(*) FROM identities")).scalar() == 302
        reader.commit()
        _delete_person(engine)
        assert _pg_hits(pg_server, engine), "a plain delete leaves the rows in the pages"
        forget_on_disk(engine)
        assert _pg_hits(pg_server, engine) == {}
        assert count_rows(engine, "identities") == 300
        assert reader.execute(text("SELECT count(*) FROM identities")).scalar() == 300
    finally:
        reader.close()
        engine.dispose()


def test_postgresql_a_transaction_holding_a_table_is_one_clear_error(pg_server):
    engine = open_store(pg_server.new_database())
    other = open_store(str(engine.url))
    try:
        _fill(engine)
        _delete_person(engine)
        with other.connect() as reader:
            reader.execute(text("SELECT count(*) FROM identities")).scalar()  # in a transaction
            began = datetime.now()
            with pytest.raises(NotForgotten) as caught:
                forget_on_disk(engine, wait=0.3)
            assert (datetime.now() - began).total_seconds() < 5
            assert "\n" not in str(caught.value) and "locked" in str(caught.value)
        forget_on_disk(engine, wait=0.3)
        assert _pg_hits(pg_server, engine) == {}
        with engine.connect() as conn:  # the lock timeout does not outlive the call
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "0"
    finally:
        other.dispose()
        engine.dispose()
