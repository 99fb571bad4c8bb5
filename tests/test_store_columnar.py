"""The chunked columnar reads give exactly the frames of the ``load_*`` functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from talent.model import Activity, ActivityKind, CommitFile
from talent.store import (
    load_activities,
    load_commit_files,
    save_activities,
    save_commit_files,
)
from talent.store.columnar import (
    load_activities_columns,
    load_commit_files_columns,
)

T0 = datetime(2024, 5, 1, 9, 30, 15, 250_000, tzinfo=UTC)


def _acts() -> list[Activity]:
    """Acts whose sizes, pull request numbers and counterparts are missing in some
    chunks of two rows and present in others (a chunk's column is then all null)."""
    acts = []
    for i in range(7):
        acts.append(
            Activity(
                f"a:{i}",
                f"acme/r{i % 2}",
                ActivityKind.COMMIT if i % 3 else ActivityKind.REVIEW,
                f"github:{i % 3}",
                T0 + timedelta(days=i, microseconds=0 if i % 2 else 17),
                counterpart=f"github:{i % 2}" if i >= 4 else None,
                item=f"acme/r{i % 2}#{i}",
                size=i * 10 if i >= 2 else None,
                title=f"Fix {i}",
                pr_number=i if i >= 5 else None,
            )
        )
    return acts


# Chunks of 1, 2 and 3 rows, read in this process or (SQLite) by the driver in a child.
WAYS = [(1, False), (2, False), (3, False), (100, False), (2, True), (100, True)]


@pytest.mark.parametrize(("chunk", "child"), WAYS)
def test_activities_read_in_chunks_are_the_loaded_frame(store, chunk, child, monkeypatch):
    import talent.store.columnar as columnar

    if child and store.dialect.name != "sqlite":
        pytest.skip("the child reads SQLite files")
    save_activities(store, _acts())
    monkeypatch.setattr(columnar, "CHUNK", chunk)
    monkeypatch.setattr(columnar, "CHILD_READ_BYTES", 0 if child else 10**15)
    children = []
    real = columnar._child_table
    monkeypatch.setattr(
        columnar, "_child_table", lambda *a: children.append(real(*a)) or children[-1]
    )
    for repos, since in [(None, None), (["acme/r1"], None), (None, T0 + timedelta(days=3))]:
        expected = load_activities(store, repos=repos, since=since)
        found = load_activities_columns(store, repos=repos, since=since)
        pd.testing.assert_frame_equal(found, expected)
    # The child read every time it was asked to (counterparts are missing in the first
    # rows and text later: the typed first row keeps them text).
    assert len(children) == (3 if child else 0)
    assert all(t is not None for t in children)
    assert len(load_activities_columns(store)) == 7
    assert load_activities_columns(store)["size"].isna().sum() == 2


def test_commit_files_read_in_chunks_are_the_loaded_frame(store):
    save_commit_files(
        store,
        [
            CommitFile("acme/r0", "abc", "src/a.py", 3, 1),
            CommitFile("acme/r0", "abc", "docs/b.md", 0, 2),
            CommitFile("acme/r1", "def", "src/c.py", 5, 0),
        ],
    )
    for repos in (None, ["acme/r1"], ["acme/none"]):
        pd.testing.assert_frame_equal(
            load_commit_files_columns(store, repos=repos), load_commit_files(store, repos=repos)
        )


def test_an_empty_store_reads_as_the_loaded_empty_frame(store):
    pd.testing.assert_frame_equal(load_activities_columns(store), load_activities(store))
    pd.testing.assert_frame_equal(load_commit_files_columns(store), load_commit_files(store))


def test_the_demo_world_reads_the_same(demo_store):
    pd.testing.assert_frame_equal(load_activities_columns(demo_store), load_activities(demo_store))
    pd.testing.assert_frame_equal(
        load_commit_files_columns(demo_store), load_commit_files(demo_store)
    )


@pytest.mark.parametrize("child", [False, True])
def test_a_column_of_mixed_types_reads_as_the_loaded_frame(tmp_path, child, monkeypatch):
    import talent.store.columnar as columnar
    from talent.store import open_store

    monkeypatch.setattr(columnar, "CHILD_READ_BYTES", 0 if child else 10**15)
    engine = open_store(f"sqlite:///{tmp_path / 'mixed.db'}")
    save_activities(engine, _acts())
    with engine.begin() as conn:  # SQLite keeps a text where a number belongs
        conn.exec_driver_sql("UPDATE activities SET size = 'big' WHERE key = 'a:6'")
    found = load_activities_columns(engine)
    pd.testing.assert_frame_equal(found, load_activities(engine))
    assert found["size"].tolist()[-1] == "big"


def test_a_started_read_gives_the_frame_after_other_reads_or_after_its_child_stopped(
    tmp_path, monkeypatch
):
    import talent.store.columnar as columnar
    from talent.store import activities_query, open_store

    monkeypatch.setattr(columnar, "CHILD_READ_BYTES", 0)
    engine = open_store(f"sqlite:///{tmp_path / 'started.db'}")
    save_activities(engine, _acts())
    expected = load_activities(engine)
    stmt = activities_query()
    order, times = ["occurred_at", "key"], ["occurred_at"]
    tables = []
    real = columnar._child_table
    monkeypatch.setattr(columnar, "_child_table", lambda *a: tables.append(real(*a)) or tables[-1])
    columnar._stop_unfinished()  # none left by other tests

    finish = columnar.start_read_columns(engine, stmt, order, times)
    (child,) = columnar._unfinished
    assert child.poll() is None or child.returncode == 0  # reading, or done already
    # The caller reads meanwhile, from the same store.
    pd.testing.assert_frame_equal(load_activities(engine), expected)
    pd.testing.assert_frame_equal(finish(), expected)
    assert len(tables) == 1 and tables[0] is not None  # the child's rows, not a fallback
    assert not columnar._unfinished

    # A child killed before its rows were taken (the system short of memory, say):
    # the rows are read here instead.
    started = columnar.start_read_columns(engine, stmt, order, times)
    (child,) = columnar._unfinished
    child.kill()
    pd.testing.assert_frame_equal(started(), expected)
    assert not columnar._unfinished
    # A read stopped (as at exit, or when the caller fails meanwhile): no child is left.
    for stop_all in (True, False):
        started = columnar.start_read_columns(engine, stmt, order, times)
        (child,) = columnar._unfinished
        if stop_all:
            columnar._stop_unfinished()
        else:
            started.stop()
        assert child.returncode is not None
        assert not columnar._unfinished


@pytest.mark.parametrize("child", [False, True])
def test_the_acts_of_people_or_humans_are_those_the_ranking_keeps(store, child, monkeypatch):
    """The database leaves out what attach_people would drop: acts of actors linked to
    no one, and (for "humans") bots' acts; the rest is the loaded frame's rows."""
    import talent.store.columnar as columnar
    from talent.ranking.features import attach_people
    from talent.store import save_identity_links, schema

    if child and store.dialect.name != "sqlite":
        pytest.skip("the child reads SQLite files")
    monkeypatch.setattr(columnar, "CHILD_READ_BYTES", 0 if child else 10**15)
    save_activities(store, _acts())
    # github:0 is a person, github:1 a bot, github:2 linked to someone the people table
    # does not hold (a person to the ranking, never a bot); acts of others, of no one.
    save_activities(store, [replace(_acts()[0], key="a:9", actor="github:9")])
    with store.begin() as conn:
        rows = [{"person_id": "p0", "is_bot": False}, {"person_id": "p1", "is_bot": True}]
        conn.execute(schema.people.insert(), rows)
    links = pd.DataFrame({"identity_key": ["github:0", "github:1", "github:2"],
                          "person_id": ["p0", "p1", "p2"], "method": "login",
                          "confidence": 1.0})  # fmt: skip
    save_identity_links(store, links)
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    everything = load_activities(store)
    for acting, bots in (("people", ()), ("humans", ("p1",))):
        found = columnar.start_activities_columns(store, acting=acting)()
        kept = attach_people(everything, person_of, bots).drop(columns=["person", "other"])
        humans = {"github:0", "github:2"}
        assert set(found["actor"]) == (humans if bots else humans | {"github:1"})
        pd.testing.assert_frame_equal(found, kept.reset_index(drop=True))
    with pytest.raises(ValueError, match="acting"):
        columnar.start_activities_columns(store, acting="human")  # type: ignore[arg-type]
