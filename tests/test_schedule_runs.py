"""What a trial of ``talent serve`` on a real history found: a failing source retried in
a loop, a clone named apart from the history already stored, a digest posted when
nothing changed, and a run that found nothing new invalidating the app's caches.

Runs in the process (:func:`talent.schedule.run_scheduled`, :func:`run_schedule` in a
thread) on git repositories built in ``tmp_path``, the digest delivered to a real HTTP
receiver on 127.0.0.1.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gitrepos import GitRepo, Who, at, isolate
from test_serve import Receiver

from talent.config import ConfigError, load_settings
from talent.mining import mine_git
from talent.ranking.scoring import rank_store
from talent.schedule import (
    LAST_END,
    NEXT,
    RETRY_HOURS,
    STOPPED,
    ScheduleState,
    next_run_at,
    run_schedule,
    run_scheduled,
)
from talent.store import data_version, get_meta, open_store
from talent.store.derived import count

ADA = Who("Ada Lovelace", "1+ada@users.noreply.github.com")
BOB = Who("Bob Builder", "2+bob@users.noreply.github.com")
DEADLINE = 300  # seconds: a safety net for a hung run, never a measure


def origin(tmp_path: Path) -> GitRepo:
    repo = GitRepo.init(tmp_path / "kserve")
    repo.commit("start\n", author=ADA, when=at(1), files={"a.py": "a = 1\n"})
    repo.commit("more\n", author=BOB, when=at(2), files={"b.py": "b = 1\n"})
    return repo


def bare_clone(repo: GitRepo, path: Path) -> GitRepo:
    """A bare clone whose origin is a local path (so the clone names itself local/…)."""
    repo.git("clone", "-q", "--bare", str(repo.path), str(path))
    return GitRepo(path, repo.home)


def pull(clone: GitRepo) -> None:
    clone.git("fetch", "-q", "origin", "+refs/heads/*:refs/heads/*")


def settings_for(tmp_path: Path, git: str, webhook: str | None = None, every: float = 1):
    path = tmp_path / "talent.toml"
    text = f"[schedule]\nevery_hours = {every}\ngit = [{git}]\n"
    if webhook:
        text += f'[digest]\nwebhook = "{webhook}"\n'
    path.write_text(text)
    return load_settings(str(path), db=f"sqlite:///{tmp_path / 'store.db'}")


def repos(engine) -> set[str]:
    with engine.connect() as conn:
        return {r for (r,) in conn.exec_driver_sql("SELECT DISTINCT repo FROM activities")}


# --- 1. a failed run waits before the next ------------------------------------------------


def test_after_a_failed_run_the_next_waits_the_retry_delay_never_none():
    t = datetime(2026, 1, 1, 12, tzinfo=UTC)
    end = t + timedelta(minutes=1)
    failed = ScheduleState(t, end, "git /x: /x: no such directory")
    assert next_run_at(failed, 6, end) == end + timedelta(hours=RETRY_HOURS)
    assert RETRY_HOURS == 0.25
    # A schedule shorter than the delay retries at its own pace.
    assert next_run_at(failed, 0.1, end) == end + timedelta(hours=0.1)
    # Once the delay is over: at once.
    later = end + timedelta(hours=1)
    assert next_run_at(failed, 6, later) == later
    # A stop (even after a source failed) resumes at the next start.
    for status in (STOPPED, f"git /x: broke; {STOPPED}"):
        assert next_run_at(ScheduleState(t, end, status), 6, end) == end
    # A run that never ended (the process died) resumes at once too.
    assert next_run_at(ScheduleState(t, None, None), 6, end) == end


def test_the_schedule_does_not_restart_a_failing_source_at_once(tmp_path):
    settings = settings_for(tmp_path, f'"{tmp_path / "missing.git"}"')
    engine = open_store(settings.db_url)
    lines: list[str] = []
    waiting = threading.Event()

    def log(line: str) -> None:
        lines.append(line)
        if line.startswith(("next run at", "scheduled run started")) and len(lines) > 1:
            waiting.set()

    stop = threading.Event()
    thread = threading.Thread(target=run_schedule, args=(engine, settings, stop),
                              kwargs={"log": log}, daemon=True)  # fmt: skip
    thread.start()
    try:
        assert waiting.wait(DEADLINE), lines
    finally:
        stop.set()
        thread.join(DEADLINE)
    starts = [line for line in lines if line.startswith("scheduled run started")]
    assert len(starts) == 1, lines  # no second run straight after the failed one
    assert any(line.startswith("next run at") for line in lines), lines
    due = datetime.fromisoformat(get_meta(engine, NEXT))
    assert due == datetime.fromisoformat(get_meta(engine, LAST_END)) + timedelta(hours=0.25)
    engine.dispose()


# --- 2. the name of a scheduled clone -----------------------------------------------------


def test_a_clone_of_a_stored_history_is_mined_under_the_stored_name(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = origin(tmp_path)
    settings = settings_for(tmp_path, '"kserve.git"')
    engine = open_store(settings.db_url)
    mine_git(engine, repo.path, name="kserve/kserve")
    clone = bare_clone(repo, tmp_path / "kserve.git")
    repo.commit("new\n", author=ADA, when=at(3), files={"c.py": "c = 1\n"})
    pull(clone)

    lines: list[str] = []
    report = run_scheduled(engine, settings, log=lines.append)
    assert report.ok, report.status
    assert f"git {clone.path}: this history is stored as kserve/kserve: mining it under " \
           "that name" in lines  # fmt: skip
    assert repos(engine) == {"kserve/kserve"}
    assert f"git {clone.path}: 1 new commits, 1 activities" in lines
    engine.dispose()


def test_a_scheduled_clone_can_be_given_its_name(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = origin(tmp_path)
    bare_clone(repo, tmp_path / "other.git")
    settings = settings_for(tmp_path, '{ path = "other.git", name = "acme/other" }, "kserve"')
    assert settings.schedule.git == (str(tmp_path / "other.git"), str(tmp_path / "kserve"))
    assert settings.schedule.git_names == ((str(tmp_path / "other.git"), "acme/other"),)
    engine = open_store(settings.db_url)
    mine_git(engine, repo.path, name="acme/other")  # and the plain path is the same history
    report = run_scheduled(engine, settings)
    assert report.ok, report.status
    assert repos(engine) == {"acme/other"}
    engine.dispose()


@pytest.mark.parametrize(
    "entry",
    ['{ path = "x.git", nom = "a/b" }', '{ name = "a/b" }', '{ path = "x.git", name = 3 }'],
)
def test_a_bad_git_entry_is_one_line(tmp_path, entry):
    with pytest.raises(ConfigError) as err:
        settings_for(tmp_path, entry)
    assert "[schedule] git:" in str(err.value) and "\n" not in str(err.value)


# --- 3 and 4. a run that found nothing new ------------------------------------------------


def test_a_run_with_nothing_new_neither_posts_nor_changes_the_data_version(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = origin(tmp_path)
    with Receiver() as receiver:
        settings = settings_for(tmp_path, f'"{repo.path}"', receiver.url)
        engine = open_store(settings.db_url)
        first = run_scheduled(engine, settings)
        assert first.ok and first.digest == "sent", first.status
        assert len(receiver.posts) == 1  # the first digest always goes
        version = data_version(engine)

        lines: list[str] = []
        second = run_scheduled(engine, settings, log=lines.append)
        assert second.ok and second.digest == "not sent: nothing changed", second.status
        assert "digest: nothing changed, not sent" in lines
        assert len(receiver.posts) == 1
        assert data_version(engine) == version  # the app's caches stay warm
        assert "resolving identities into people" not in lines

        repo.commit("new\n", author=Who("Cy Young", "3+cy@users.noreply.github.com"),
                    when=at(3), files={"c.py": "c = 1\n"})  # fmt: skip
        lines.clear()
        third = run_scheduled(engine, settings, log=lines.append)
        assert third.ok, third.status
        assert data_version(engine) != version
        assert "resolving identities into people" in lines
        # What the first page and `talent rank` read is kept for the new data, not stale:
        assert "computing the rankings for the next readers" in lines
        assert count(engine, "ranking_base") == count(engine, "maintainers") == 1
        assert count(engine, "ranking") >= 2  # as `talent rank` and the app ask (the digest too)
        assert "Cy Young" in set(rank_store(engine, settings)["name"])  # the new author
        engine.dispose()
