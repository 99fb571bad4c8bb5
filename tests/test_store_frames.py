"""The bulk write: ``save_frame`` / ``save_frames`` store what the record saves store."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from talent.model import Activity, ActivityKind
from talent.store import (
    _malloc_trim,
    count_rows,
    data_version,
    dump_tables,
    load_activities,
    load_people,
    save_activities,
    save_frame,
    save_frames,
)
from talent.store.schema import metadata

T0 = datetime(2024, 5, 1, 9, 30, 15, 250_000, tzinfo=UTC)
ACTIVITIES = [
    Activity("c:2", "acme/two", ActivityKind.COMMIT, "git:Bo\x1fbo@example.org", T0, size=7),
    Activity(
        "r:1",
        "acme/one",
        ActivityKind.REVIEW,
        "github:11",
        T0 + timedelta(days=1),
        counterpart="git:Bo\x1fbo@example.org",
        item="acme/one#4",
        title="Fix x",
        url="https://github.com/acme/one/pull/4",
        state="APPROVED",
    ),
    Activity("c:1", "acme/one", ActivityKind.COMMIT, "github:11", T0 - timedelta(days=3)),
]
INDEXES = {"ix_activities_repo_time", "ix_activities_actor"}


@pytest.fixture(autouse=True, params=["here", "child"])
def route(request, monkeypatch):
    """Each test twice on SQLite: the frames bound by this process's driver, then by the
    child of talent.store.bulk (every stream large enough for it)."""
    monkeypatch.setattr("talent.store.bulk.BULK_ROWS", 1 if request.param == "child" else 10**12)
    return request.param


def _frame(activities=ACTIVITIES) -> pd.DataFrame:
    """The activities as a frame, times aware (in UTC+2) as an importer might hand them."""
    frame = pd.DataFrame([{**a.__dict__, "kind": str(a.kind)} for a in activities])
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"]).dt.tz_convert("Europe/Paris")
    return frame


def _raw(engine) -> list[tuple]:
    """The activities exactly as the database holds them (SQLite: the timestamp text)."""
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT * FROM activities ORDER BY key").all()


def test_frames_store_what_the_records_store(store):
    assert save_activities(store, ACTIVITIES) == 3
    records, raw = dump_tables(store)["activities"], _raw(store)
    version = data_version(store)
    # Two frames of one stream, into the table emptied first.
    frame = _frame()
    assert save_frames(store, "activities", [frame.iloc[:1], frame.iloc[1:]], replace=True) == 3
    assert dump_tables(store)["activities"] == records
    assert _raw(store) == raw
    assert data_version(store) != version
    # Again, into the table as it is: the upsert changes nothing.
    assert save_frame(store, "activities", frame) == 3
    assert _raw(store) == raw
    assert count_rows(store, "activities") == 3
    assert list(load_activities(store)["key"]) == ["c:1", "c:2", "r:1"]  # oldest first


def test_a_frame_leaves_what_it_does_not_know(store):
    save_frame(store, "activities", _frame())
    again = _frame().drop(columns=["state", "url"])
    again["title"] = ""
    again["size"] = None
    again.loc[again["key"] == "c:1", "size"] = 3
    save_frame(store, "activities", again)
    acts = load_activities(store).set_index("key")
    assert acts.loc["r:1", "title"] == "Fix x" and acts.loc["r:1", "state"] == "APPROVED"
    assert acts.loc["c:2", "size"] == 7 and acts.loc["c:1", "size"] == 3
    # A column the frame lacks takes its default in a new row.
    new = _frame([ACTIVITIES[0]]).drop(columns=["state"]).assign(key="c:9")
    save_frame(store, "activities", new)
    assert load_activities(store).set_index("key").loc["c:9", "state"] == ""


def test_missing_and_aware_times_are_stored_as_naive_utc_or_null(store):
    people = pd.DataFrame(
        {
            "person_id": ["p1", "p2"],
            "name": ["Ada", "Bo"],
            "employed_from": pd.to_datetime([T0, None], utc=True),
            "is_bot": [False, True],
            "bot_probability": [0.25, 0.9],
        }
    )
    assert save_frame(store, "people", people) == 2
    saved = load_people(store).set_index("person_id")
    assert saved.loc["p1", "employed_from"] == pd.Timestamp("2024-05-01 09:30:15.25")
    assert pd.isna(saved.loc["p2", "employed_from"])
    assert bool(saved.loc["p2", "is_bot"]) and saved.loc["p1", "bot_probability"] == 0.25
    assert saved.loc["p1", "affiliation"] == "unknown"


def test_a_failed_bulk_save_leaves_the_table_and_its_indexes_as_they_were(store, route):
    import talent.store.bulk as bulk
    from talent.store import StoreError, sqlite_file

    def cache_size():
        with store.connect() as conn:
            return conn.exec_driver_sql("PRAGMA cache_size").scalar()

    before = cache_size() if store.dialect.name == "sqlite" else None
    broken = _frame().assign(actor=None)  # actor is NOT NULL

    def frames():
        yield _frame()
        yield broken.assign(key="x:" + broken["key"])

    version = data_version(store)
    child = route == "child" and bulk.can_write(sqlite_file(store), metadata.tables["activities"])
    with pytest.raises(StoreError if child else IntegrityError) as failed:
        save_frames(store, "activities", frames())
    if child:  # one line, the database's own words
        assert "NOT NULL constraint failed: activities.actor" in str(failed.value)
        assert "\n" not in str(failed.value)
    assert count_rows(store, "activities") == 0
    assert data_version(store) == version
    assert {i["name"] for i in inspect(store).get_indexes("activities")} == INDEXES
    if before is not None:
        assert cache_size() == before
    # A fresh save drops the indexes while it writes and builds them again.
    assert save_frames(store, "activities", [_frame()]) == 3
    assert {i["name"] for i in inspect(store).get_indexes("activities")} == INDEXES


def test_a_key_twice_in_a_frame_is_merged_as_two_saves_would(store):
    frame = _frame([ACTIVITIES[1], ACTIVITIES[1]])
    frame.loc[0, ["title", "size"]] = ["First", 5]
    frame.loc[1, ["title", "state"]] = ["", "COMMENTED"]
    frame["size"] = frame["size"].astype("Int64")  # the second row's size is unknown
    assert save_frames(store, "activities", [frame, frame.iloc[1:]]) == 3
    acts = load_activities(store)
    assert len(acts) == 1
    assert acts.loc[0, ["title", "size", "state"]].tolist() == ["First", 5, "COMMENTED"]


def test_rows_sent_several_to_a_statement_are_stored_as_one_at_a_time(store, monkeypatch):
    """SQLite's INSERT carries several rows (``_ROWS_PER_INSERT``); a key met twice in
    one statement, and the rows left over after the last whole statement, are stored as
    by one statement a row."""
    import talent.store as store_module

    acts = [ACTIVITIES[1], ACTIVITIES[1], ACTIVITIES[0], ACTIVITIES[2], ACTIVITIES[0]]
    frame = _frame(acts)
    frame.loc[0, ["title", "size"]] = ["First", 5]
    frame.loc[1, ["title", "state"]] = ["", "COMMENTED"]
    frame.loc[4, "size"] = 9
    frame["size"] = frame["size"].astype("Int64")
    stored = []
    for rows in (1, 2):
        monkeypatch.setattr(store_module, "_ROWS_PER_INSERT", rows)
        save_frame(store, "activities", frame, replace=True)
        # Into the table as it is, too (no index dropped, rows merged into stored ones).
        save_frame(store, "activities", frame)
        stored.append(_raw(store))
    assert stored[0] == stored[1]
    assert len(stored[0]) == 3
    by_key = load_activities(store).set_index("key")
    assert by_key.loc["r:1", ["title", "size", "state"]].tolist() == ["First", 5, "COMMENTED"]
    assert by_key.loc["c:2", "size"] == 9


GIVE_BACK = """
import os
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
# Many small blocks from the C heap, most freed, every fiftieth kept: the heap cannot
# shrink from its top, so the freed pages stay with the process.
junk = [bytes(2000) + bytes([i % 256]) for i in range(150_000)]
kept = junk[::50]
del junk
from talent.store import give_back_memory
held = rss()
give_back_memory()
print(held, rss())
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or _malloc_trim() is None,
    reason="glibc's heap (malloc_trim) and /proc",
)
def test_memory_freed_after_a_large_write_goes_back_to_the_system():
    # In a process of its own: what this one holds depends on every test before.
    done = subprocess.run([sys.executable, "-c", GIVE_BACK], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    held, after = map(int, done.stdout.split())
    assert after < held - 150, (held, after)  # about 280 MB freed, less than 50 MB kept


def test_a_large_save_and_a_ranking_load_give_memory_back(store, monkeypatch):
    import talent.ranking.scoring as scoring
    import talent.store as store_module
    from talent.ranking.scoring import load_work

    calls = []
    monkeypatch.setattr(store_module, "give_back_memory", lambda: calls.append("save"))
    monkeypatch.setattr(scoring, "give_back_memory", lambda: calls.append("load"))
    monkeypatch.setattr(store_module, "_GIVE_BACK_ROWS", 3)
    save_activities(store, ACTIVITIES[:2])  # record saves: not the bulk path
    save_frame(store, "activities", _frame(ACTIVITIES[2:]))  # one row: kept
    assert calls == []
    save_frame(store, "activities", _frame(ACTIVITIES), replace=True)  # three rows
    assert calls == ["save"]
    load_work(store)
    assert calls == ["save", "load"]
