"""The large save's child (talent.store.bulk) stores what this process's driver stores,
and keeps nothing of a save that failed or was cut short."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import talent.store.bulk as bulk  # the module (talent.store names it lazily)
from talent.store import (
    StoreError,
    _save_frames_here,
    count_rows,
    data_version,
    open_store,
    save_frames,
    sqlite_file,
)
from talent.store.schema import metadata
from talent.store.versions import table_versions


@pytest.fixture(autouse=True)
def _every_stream_large(monkeypatch):
    monkeypatch.setattr(bulk, "BULK_ROWS", 1)


def _stores(tmp_path):
    return [open_store(f"sqlite:///{tmp_path / name}.db") for name in ("here", "child")]


def _raw(engine, table: str) -> list[tuple]:
    """Every value of ``table`` as SQLite holds it, with its storage class."""
    columns = [c.name for c in metadata.tables[table].c]
    shown = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
    with engine.connect() as conn:
        # Names from the schema, quoted.
        return conn.exec_driver_sql(f'SELECT {shown} FROM "{table}" ORDER BY 1').all()  # noqa: S608


def _activities(seed: int, rows: int) -> pd.DataFrame:
    """Activities with what frames hold: missing values of each kind, empty texts, aware
    times with nanoseconds, whole numbers as floats, a key met twice."""
    rng = np.random.default_rng(seed)
    keys = [f"k:{i}" for i in rng.integers(0, rows // 2 + 1, rows)]
    moments = pd.Timestamp("2024-05-01 09:30:15.250001", tz="Europe/Paris") + pd.to_timedelta(
        rng.integers(-(10**15), 10**15, rows), unit="ns"
    )
    size = rng.integers(0, 500, rows).astype(float)
    size[rng.random(rows) < 0.3] = np.nan
    return pd.DataFrame(
        {
            "key": keys,
            "repo": rng.choice(["acme/one", "acme/two", "ünï/cödé"], rows),
            "kind": rng.choice(["commit", "review", "issue_comment"], rows),
            "actor": [f"github:{i}" for i in rng.integers(0, 50, rows)],
            "counterpart": rng.choice(np.array(["github:1", "", None], dtype=object), rows),
            "item": rng.choice(np.array(["acme/one#4", None], dtype=object), rows),
            "occurred_at": moments,
            "size": size,
            "title": rng.choice(["", "Fix x", "Ein Titel \u2014 mit Strich"], rows),
            "pr_number": rng.choice(np.array([None, 3, 17], dtype=object), rows),
            # A number in a text column: SQLite keeps it as text.
            "state": rng.choice(np.array(["", "APPROVED", 7], dtype=object), rows),
        }
    )


def _people(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(rows)
    return pd.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(rows)],
            "name": rng.choice(["Ada", "Bo", ""], rows),
            "login": rng.choice(np.array(["ada", None], dtype=object), rows),
            "is_bot": rng.choice([True, False], rows),
            "bot_probability": rng.random(rows),
            "employed_from": pd.to_datetime(
                rng.choice(np.array(["2023-01-02 03:04:05.000006", None], dtype=object), rows)
            ),
        }
    )


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.filterwarnings("ignore:Discarding nonzero nanoseconds")  # the store drops them too
def test_the_child_stores_what_this_process_stores(tmp_path, seed):
    here, child = _stores(tmp_path)
    activities = metadata.tables["activities"]
    first, second = _activities(seed, 400), _activities(seed + 100, 300)
    for replace in (False, False, True):  # into an empty table, onto its rows, replacing
        for frames in ([first, second], [second.iloc[::-1]]):
            _save_frames_here(here, activities, iter(frames), replace=replace)
            written = save_frames(child, "activities", iter(frames), replace=replace)
            assert written == sum(map(len, frames))
            assert _raw(child, "activities") == _raw(here, "activities")
    people = metadata.tables["people"]
    _save_frames_here(here, people, iter([_people(200)]), replace=False)
    save_frames(child, "people", [_people(200)])
    assert _raw(child, "people") == _raw(here, "people")
    with child.connect() as conn:
        indexes = {r[1] for r in conn.exec_driver_sql("PRAGMA index_list(activities)")}
    assert {"ix_activities_repo_time", "ix_activities_actor"} <= indexes


def test_a_save_cut_short_keeps_nothing_of_it(tmp_path):
    folder = tmp_path / "my store #1"  # quoted in the child's address, or another file
    folder.mkdir()
    _here, child = _stores(folder)
    assert bulk.can_write(sqlite_file(child), metadata.tables["activities"])  # the child's
    save_frames(child, "activities", [_activities(1, 50)])
    before, version = _raw(child, "activities"), data_version(child)

    def frames():
        yield _activities(2, 60)
        raise KeyboardInterrupt  # the user stopped the import after its first page

    with pytest.raises(KeyboardInterrupt):
        save_frames(child, "activities", frames(), replace=True)
    assert _raw(child, "activities") == before and data_version(child) == version


def test_a_word_in_a_number_column_fails_the_save_in_one_line(tmp_path, monkeypatch):
    _here, child = _stores(tmp_path)
    good = _activities(3, 20)
    bad = good.assign(key="x" + good["key"], size="seven")
    with pytest.raises(StoreError) as failed:
        save_frames(child, "activities", [good, bad])
    assert "column size" in str(failed.value) and "\n" not in str(failed.value)
    assert count_rows(child, "activities") == 0


@pytest.mark.filterwarnings("ignore:Discarding nonzero nanoseconds")
def test_a_small_stream_is_saved_here_and_a_large_one_by_the_child(tmp_path, monkeypatch):
    _here, child = _stores(tmp_path)
    sent = []
    write = bulk.write_frames
    monkeypatch.setattr(bulk, "write_frames", lambda *a, **k: sent.append(1) or write(*a, **k))
    monkeypatch.setattr(bulk, "BULK_ROWS", 30)
    save_frames(child, "activities", [_activities(4, 29), _activities(5, 100)])
    assert sent == []
    save_frames(child, "activities", [_activities(6, 30)])
    assert sent == [1]
    memory = open_store("sqlite://")  # no file: nothing for a child to open
    save_frames(memory, "activities", [_activities(7, 100)])
    assert sent == [1] and count_rows(memory, "activities") == count_rows(child, "activities")


def test_a_child_that_stops_while_rows_are_sent_says_why(tmp_path):
    _here, child = _stores(tmp_path)
    save_frames(child, "activities", [_activities(8, 50)])
    before = _raw(child, "activities")
    broken = _activities(9, 40).assign(actor=None)  # actor is NOT NULL
    more = _activities(10, 200_000)  # more than a pipe holds: sent after the child stopped
    more["key"] = "m:" + pd.Series(range(len(more))).astype(str)
    with pytest.raises(StoreError) as failed:
        save_frames(child, "activities", [broken, more], replace=True)
    assert "NOT NULL constraint failed: activities.actor" in str(failed.value)
    assert str(failed.value).count("could not save") == 1
    assert _raw(child, "activities") == before


@pytest.mark.filterwarnings("ignore:Discarding nonzero nanoseconds")  # the store drops them too
def test_odd_values_are_stored_as_the_driver_stores_them(tmp_path):
    """Values a caller could hand over in the wrong type: True in a text column, numbers
    as a text column's dtype, whole numbers as Python floats in an integer column."""
    here, child = _stores(tmp_path)
    frame = _activities(11, 30)
    frame["state"] = np.array([True, False, "x"] * 10, dtype=object)
    frame["title"] = np.arange(30)  # int64
    frame["pr_number"] = np.array([7.0, None, 3] * 10, dtype=object)
    for engine in (here, child):
        if engine is here:
            _save_frames_here(engine, metadata.tables["activities"], iter([frame]), replace=False)
        else:
            save_frames(engine, "activities", [frame])
    assert _raw(child, "activities") == _raw(here, "activities")


@pytest.mark.filterwarnings("ignore:Discarding nonzero nanoseconds")
def test_a_save_moves_the_versions_its_tables_move_when_saved_here(tmp_path):
    """The kept results (talent.store.derived) are keyed by table versions: a save by
    the child must move them as the store's own write tracking does."""
    here, child = _stores(tmp_path)
    names = ["activities", "meta", "people"]
    moved = []
    for engine in (here, child):
        before = table_versions(engine, names)
        frames = [_activities(12, 40)]
        if engine is here:
            _save_frames_here(engine, metadata.tables["activities"], iter(frames), replace=False)
            _save_frames_here(engine, metadata.tables["activities"], iter([]), replace=True)
        else:
            save_frames(engine, "activities", frames)
            save_frames(engine, "activities", [frames[0].iloc[:0]], replace=True)
        after = table_versions(engine, names)
        moved.append({name: after[name] - before[name] for name in names})
    assert moved[1] == moved[0] and moved[0]["activities"] >= 1 and moved[0]["people"] == 0


def test_the_child_commits_on_the_parents_last_word_only(tmp_path):
    """A stream that ends (its end marker written) with no word after it is a parent that
    stopped: the child keeps nothing."""
    import subprocess
    import sys

    import pyarrow as pa

    from talent.store import _bulk_plan

    _here, child = _stores(tmp_path)
    table = metadata.tables["activities"]
    plan = _bulk_plan(child, table, replace=False)
    frame = _activities(13, 20)
    data = bulk.arrow_frame(frame, table, child.dialect)
    for last in (b"", bulk._DONE):
        run = subprocess.Popen(
            [sys.executable, "-m", "talent.store.bulk", str(sqlite_file(child)),
             __import__("json").dumps(plan)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert run.stdout.readline().strip() == b"fresh"
        with pa.ipc.new_stream(run.stdin, data.schema) as stream:
            stream.write_table(data)
        run.stdin.write(last)
        out, err = run.communicate(timeout=120)
        if last:
            assert run.returncode == 0 and out.strip() == b"20"
        else:
            assert run.returncode == 1 and b"cut short" in err
            assert count_rows(child, "activities") == 0
    assert count_rows(child, "activities") == frame["key"].nunique()  # keys met twice merge


def test_a_frames_own_error_is_raised_as_it_is(tmp_path):
    _here, child = _stores(tmp_path)

    def frames():
        yield _activities(14, 30)
        raise FileNotFoundError("pages.arrow")  # the source could not read its next page

    with pytest.raises(FileNotFoundError):
        save_frames(child, "activities", frames())
    assert count_rows(child, "activities") == 0
