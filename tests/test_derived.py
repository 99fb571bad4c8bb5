"""Derived results kept per data version (talent.store.derived) and the table versions
they are keyed by (talent.store.versions), on SQLite and PostgreSQL: a hit, invalidation
by a write to exactly a table read, never a stale read, one computation for concurrent
callers, and an opt-out that empties the cache."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from talent.config import Settings
from talent.people.privacy import optout
from talent.ranking.scoring import (
    build_ranking_base,
    cached_base,
    cached_ranking,
    kept_base,
    load_ranking_profile,
    rank_store,
    score_base,
    start_windows,
)
from talent.store import load_people, open_store, rename_people
from talent.store.derived import cached, clear, count
from talent.store.versions import table_versions, written_tables

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo_copy(demo_copy):
    """conftest's copy of the demo store with no derived result kept: the session's
    store is shared, and a test before this one may have ranked it (same data, so its
    results would be read here and nothing computed)."""
    clear(open_store(demo_copy))
    return demo_copy


def _counted(frames: dict[str, pd.DataFrame]):
    calls = []

    def compute():
        calls.append(1)
        return frames

    return compute, calls


def test_written_tables_reads_every_kind_of_write():
    assert written_tables("INSERT INTO people (person_id) VALUES (?)") == {"people"}
    assert written_tables("insert or replace into repos values (1)") == {"repos"}
    assert written_tables('UPDATE "activities" SET size = 1') == {"activities"}
    assert written_tables("DELETE FROM shortlists WHERE name = 'x'") == {"shortlists"}
    upsert = "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value=1"
    assert written_tables(upsert) == {"meta"}
    assert written_tables("SELECT * FROM people") == set()
    assert written_tables("UPDATE derived_results SET name = 'x'") == set()


def test_a_write_counts_in_its_transaction_and_a_rollback_does_not(store):
    before = table_versions(store, ["repos", "people"])
    with store.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO repos (full_name, origin, description, url, default_branch, "
                "is_fork, is_archived) VALUES ('o/r', 'git', '', '', '', false, false)"
            )
        )
    after = table_versions(store, ["repos", "people"])
    assert after == {"repos": before["repos"] + 1, "people": before["people"]}
    with pytest.raises(RuntimeError), store.begin() as conn:
        conn.execute(text("DELETE FROM repos"))
        raise RuntimeError("rolled back")
    assert table_versions(store, ["repos", "people"]) == after
    with store.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        auto.execute(text("DELETE FROM repos"))
    assert table_versions(store, ["repos"])["repos"] == after["repos"] + 1


def test_a_result_is_read_back_until_a_table_it_reads_changes(store):
    frame = pd.DataFrame(
        {"who": ["a", "b"], "work": [["x", "y"], []], "note": ["", None], "n": [1.5, 2.0]}
    ).set_index("who")
    frame.attrs["ranked"] = 2
    compute, calls = _counted({"f": frame})
    first = cached(store, "t", {"k": 1}, ["repos"], compute)
    again = cached(store, "t", {"k": 1}, ["repos"], compute)
    assert len(calls) == 1 and count(store, "t") == 1
    pd.testing.assert_frame_equal(again["f"], frame)
    assert again["f"]["work"].tolist() == [["x", "y"], []] and again["f"].attrs == {"ranked": 2}
    assert first["f"] is frame
    cached(store, "t", {"k": 2}, ["repos"], compute)  # other arguments: another result
    assert len(calls) == 2
    with store.begin() as conn:  # a table it does not read
        conn.execute(text("DELETE FROM shortlists"))
    cached(store, "t", {"k": 1}, ["repos"], compute)
    assert len(calls) == 2
    with store.begin() as conn:  # a table it reads, by raw SQL
        conn.execute(text("DELETE FROM repos"))
    cached(store, "t", {"k": 1}, ["repos"], compute)
    assert len(calls) == 3
    assert count(store, "t") == 2  # the newer result of {"k": 1} replaced the older


def test_a_result_whose_tables_changed_meanwhile_is_not_kept(store):
    def compute():
        with store.begin() as conn:
            conn.execute(text("DELETE FROM repos"))
        return {"f": pd.DataFrame({"a": [1]})}

    assert cached(store, "t", {}, ["repos"], compute)["f"]["a"].tolist() == [1]
    assert count(store) == 0


def test_the_ranking_is_never_stale(demo_copy):
    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    profile = load_ranking_profile(engine, settings, "maintainer")
    first = rank_store(engine, settings)
    assert count(engine, "ranking") == 1 and count(engine, "ranking_base") == 1
    pd.testing.assert_frame_equal(rank_store(engine, settings), first)
    top = first["person_id"].iloc[0]
    with engine.begin() as conn:  # the top person's work goes: the ranking must change
        conn.execute(
            text(
                "DELETE FROM activities WHERE actor IN "
                "(SELECT identity_key FROM identity_links WHERE person_id = :p)"
            ),
            {"p": top},
        )
    after = rank_store(engine, settings)
    fresh = score_base(build_ranking_base(engine, settings), profile)
    pd.testing.assert_frame_equal(after, fresh)
    assert after["person_id"].iloc[0] != top
    pd.testing.assert_frame_equal(cached_ranking(engine, settings, profile), fresh)
    engine.dispose()


def test_the_cached_base_ranks_as_a_built_one(demo_copy):
    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    profile = load_ranking_profile(engine, settings, "recruiter")
    cached_base(engine, settings)
    kept = cached_base(engine, settings)  # read back from the store
    built = build_ranking_base(engine, settings)
    for windows in (0, 5):
        pd.testing.assert_frame_equal(
            score_base(kept, profile, interval_windows=windows),
            score_base(built, profile, interval_windows=windows),
        )
    engine.dispose()


def test_the_maintainers_report_alone_is_the_one_over_the_ranking_base(demo_copy):
    """With no ranking base at hand, the report computes only the parts of one it reads
    (no features, skills or personas), and says exactly what it says over the base."""
    from dataclasses import fields

    from talent.views.stewardship import maintainers_report

    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    assert kept_base(engine, settings) is None
    alone = maintainers_report(engine, settings)
    over = maintainers_report(engine, settings, base=build_ranking_base(engine, settings))
    assert count(engine, "ranking_base") == 0  # nothing of the ranking was built or kept
    cached_base(engine, settings)  # a ranking keeps its base: the report reads it then
    assert kept_base(engine, settings) is not None
    pd.testing.assert_frame_equal(maintainers_report(engine, settings).owners, alone.owners)
    assert len(alone.owners) and len(alone.next_up)
    for f in fields(alone):
        if f.name == "drift":
            for g in fields(alone.drift):
                a, b = getattr(alone.drift, g.name), getattr(over.drift, g.name)
                pd.testing.assert_frame_equal(a, b, check_exact=True)
        else:
            pd.testing.assert_frame_equal(
                getattr(alone, f.name), getattr(over, f.name), check_exact=True
            )
    engine.dispose()


def test_a_large_base_is_kept_without_its_acts_and_read_back_whole(demo_copy, monkeypatch):
    import talent.ranking.scoring as scoring

    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    monkeypatch.setattr(scoring, "BASE_ACTS_KEPT", 10)  # the demo's acts are "too many"
    built = cached_base(engine, settings)
    stored = cached(
        engine,
        "ranking_base",
        scoring.derived_args(settings, repos=[], since=None, include_bots=False),
        scoring.BASE_READS,
        dict,
    )
    assert "acts" not in stored and "changes" not in stored and "table" in stored
    kept = cached_base(engine, settings)  # read back, its acts read again
    for name in ("acts", "changes", "table", "values"):
        pd.testing.assert_frame_equal(getattr(kept, name), getattr(built, name))
    profile = load_ranking_profile(engine, settings, "maintainer")
    pd.testing.assert_frame_equal(
        score_base(kept, profile, interval_windows=3),
        score_base(built, profile, interval_windows=3),
    )
    engine.dispose()


def test_a_base_too_large_for_the_store_is_computed_each_time(demo_copy, monkeypatch):
    import talent.ranking.scoring as scoring

    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    monkeypatch.setattr(scoring, "BASE_BYTES_KEPT", 0)
    built = cached_base(engine, settings)
    assert count(engine, "ranking_base") == 0
    again = cached_base(engine, settings)
    pd.testing.assert_frame_equal(again.table, built.table)
    assert count(engine, "ranking_base") == 0
    engine.dispose()


def test_the_windows_of_rank_ranges_are_computed_once_for_every_caller(demo_copy):
    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    profile = load_ranking_profile(engine, settings, "maintainer")
    built = build_ranking_base(engine, settings)
    expected = score_base(built, profile, interval_windows=5)
    first = score_base(cached_base(engine, settings), profile, interval_windows=5)
    assert count(engine, "ranking_windows") == 1
    # Another caller (another command, the app) reads the windows back: the same ranges.
    again = cached_base(engine, settings)
    kept = again.window_values(5)
    assert count(engine, "ranking_windows") == 1
    for mine, theirs in zip(kept, built.window_values(5), strict=True):
        pd.testing.assert_frame_equal(mine, theirs, check_index_type=False)
    pd.testing.assert_frame_equal(score_base(again, profile, interval_windows=5), expected)
    pd.testing.assert_frame_equal(first, expected)
    with engine.begin() as conn:  # new data: the windows are computed again, not read
        conn.execute(
            text(
                "DELETE FROM activities WHERE actor IN "
                "(SELECT identity_key FROM identity_links WHERE person_id = :p)"
            ),
            {"p": expected["person_id"].iloc[0]},
        )
    fresh = score_base(build_ranking_base(engine, settings), profile, interval_windows=5)
    pd.testing.assert_frame_equal(
        score_base(cached_base(engine, settings), profile, interval_windows=5), fresh
    )
    assert count(engine, "ranking_windows") == 1
    engine.dispose()


def _windows_key(engine, settings) -> dict:
    from talent.ranking.scoring import _base_args

    return {**_base_args(engine, settings, None, None, False), "windows": 5}


def _two_cores_and_expected(demo_copy, monkeypatch):
    """Two cores for a test on any machine; the store, settings, the maintainer profile,
    its ranking with ranges computed in this process, and the windows' key."""
    from talent import ahead

    monkeypatch.setattr(ahead, "usable_cores", lambda: 2)
    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    profile = load_ranking_profile(engine, settings, "maintainer")
    expected = score_base(build_ranking_base(engine, settings), profile, (), interval_windows=5)
    return engine, settings, profile, expected, _windows_key(engine, settings)


def test_the_windows_are_computed_ahead_in_a_child_and_read_back(demo_copy, monkeypatch):
    from talent import ahead
    from talent.ranking.scoring import BASE_READS, _ident
    from talent.store.derived import present

    engine, settings, profile, expected, key = _two_cores_and_expected(demo_copy, monkeypatch)
    # A ranking with rank ranges starts the child before it builds the base: here, by
    # hand, to see the child's result before anything here could compute it.
    start_windows(engine, settings)
    assert ahead.started(_ident(key))
    ahead.wait(_ident(key))
    assert present(engine, "ranking_windows", key, BASE_READS)  # the child kept them
    ranking = cached_ranking(engine, settings, profile, affiliations=(), interval_windows=5)
    pd.testing.assert_frame_equal(ranking, expected)
    assert count(engine, "ranking_windows") == 1
    # Kept: no second child for the same data.
    start_windows(engine, settings)
    assert not ahead.started(_ident(key))
    engine.dispose()


def test_a_ranking_with_ranges_is_the_same_when_the_child_fails(demo_copy, monkeypatch):
    from talent import ahead
    from talent.ranking.scoring import _ident

    engine, settings, profile, expected, key = _two_cores_and_expected(demo_copy, monkeypatch)
    start_windows(engine, settings)
    ahead._running[_ident(key)].kill()  # dies before it keeps anything
    ranking = cached_ranking(engine, settings, profile, affiliations=(), interval_windows=5)
    pd.testing.assert_frame_equal(ranking, expected)
    assert count(engine, "ranking_windows") == 1  # computed and kept here instead
    engine.dispose()


def test_no_child_where_it_would_not_pay(demo_copy, monkeypatch):
    from talent import ahead
    from talent.ranking import scoring

    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    key = scoring._ident(_windows_key(engine, settings))
    monkeypatch.setattr(ahead, "usable_cores", lambda: 1)  # one core: nothing beside
    start_windows(engine, settings)
    assert not ahead.started(key)
    monkeypatch.setattr(ahead, "usable_cores", lambda: 2)
    monkeypatch.setattr(scoring, "INTERVALS_UP_TO", 10)  # too many acts for a second copy
    start_windows(engine, settings)
    assert not ahead.started(key)
    monkeypatch.undo()
    monkeypatch.setattr(ahead, "usable_cores", lambda: 2)
    cached_base(engine, settings)  # a base to read back: the windows are sooner computed here
    start_windows(engine, settings)
    assert not ahead.started(key)
    engine.dispose()


def test_two_callers_at_once_compute_once(demo_copy):
    engines = [open_store(demo_copy) for _ in range(2)]
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.5)
        return {"f": pd.DataFrame({"a": [1, 2]})}

    results = []
    threads = [
        threading.Thread(
            target=lambda e=e: results.append(cached(e, "slow", {}, ["people"], compute))
        )
        for e in engines
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 2
    for engine in engines:
        engine.dispose()


def test_another_process_waits_for_the_first_ones_result(demo_copy, tmp_path):
    started = tmp_path / "started"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import pandas as pd
        from talent.store import open_store
        from talent.store.derived import cached

        def compute():
            Path({str(started)!r}).write_text("1")
            time.sleep(3)
            return {{"f": pd.DataFrame({{"by": ["child"]}})}}

        cached(open_store({demo_copy!r}), "shared", {{}}, ["people"], compute)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 120
        while not started.exists():
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        engine = open_store(demo_copy)
        compute, calls = _counted({"f": pd.DataFrame({"by": ["parent"]})})
        found = cached(engine, "shared", {}, ["people"], compute)
        assert calls == [] and found["f"]["by"].tolist() == ["child"]
        engine.dispose()
    finally:
        assert child.wait(timeout=120) == 0


def test_an_opt_out_or_a_rename_empties_the_cache(demo_copy):
    engine = open_store(demo_copy)
    settings = Settings(db_url=demo_copy)
    first = rank_store(engine, settings)
    person = first["person_id"].iloc[0]
    assert count(engine) >= 2
    optout(engine, person, settings)
    assert count(engine) == 0
    assert person not in set(rank_store(engine, settings)["person_id"])
    assert count(engine) >= 2
    rename_people(engine, {"nobody-old": "nobody-new"})
    assert count(engine) == 0
    assert person not in set(load_people(engine)["person_id"])
    assert clear(engine) == 0
    engine.dispose()
