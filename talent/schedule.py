"""The schedule of ``talent serve``: mine the settings' ``[schedule]`` sources every N
hours, then send the digest, with one scheduler per store.

- :func:`run_scheduled` is one run: each GitHub organisation, Hub organisation and git
  clone mined incrementally by the same functions as ``talent mine`` (a source that
  fails is recorded in one line and the others go on), people resolved, the retention
  applied, then the digest to the settings' webhook. It records when it started and
  ended, how it went and when the next run is due in the store's meta
  (:func:`load_schedule_state` reads them back, for the app and ``talent health``).
- :func:`run_schedule` repeats it until told to stop.
- :func:`acquire_lock` makes sure two schedulers never mine one store at once: a
  ``flock`` on ``<db file>.schedule.lock`` for SQLite, a session advisory lock on a
  connection of its own for PostgreSQL; either is let go when the process ends, however
  it ends.

Stopping is safe at any point: the sync layer commits each batch with its checkpoint,
so a stopped run resumes where it was at the next one. Tokens are passed in; nothing
here reads the environment.

The layer above mining and the analysis: it imports both (and never the ui or the cli).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypedDict

from sqlalchemy import Engine

from talent.config import ScheduleSettings, Settings, sqlite_path
from talent.store import get_meta, set_meta

__all__ = [
    "ScheduleBusy",
    "ScheduleLock",
    "ScheduleState",
    "RunReport",
    "acquire_lock",
    "health_problem",
    "load_schedule_state",
    "next_run_at",
    "run_schedule",
    "run_scheduled",
    "schedule_problem",
    "sync_text",
]

# The store's meta keys, in one place: written here, read by the app and `talent health`.
LAST_START = "schedule_last_start"
LAST_END = "schedule_last_end"
LAST_STATUS = "schedule_last_status"
NEXT = "schedule_next"
HOLDER = "schedule_holder"  # who holds the lock: "pid N on HOST"

OK = "ok"
STOPPED = "stopped during the run; what was saved stays"  # not a failure: resumed next run
# PostgreSQL's advisory lock of the scheduler: one fixed 64-bit key ("talent" in ASCII),
# the same in every process that schedules a store.
LOCK_KEY = 0x74616C656E74
DEFAULT_GITHUB_URL = "https://api.github.com"
DEFAULT_HUB_ENDPOINT = "https://huggingface.co"
# After a failed run the next waits this long (or every_hours, if shorter), never none: a
# source that fails at once must not make the scheduler mine (and post) in a loop.
RETRY_HOURS = 0.25


class ScheduleBusy(Exception):
    """Another scheduler holds this store's lock (message: one line)."""


class Stopped(Exception):
    """The scheduler was told to stop during a run."""


# --- the lock -----------------------------------------------------------------------------


class ScheduleLock:
    """The store's scheduler lock, held until :meth:`release` (or the process ends)."""

    def __init__(self, release: Callable[[], None], where: str):
        self._release = release
        self.where = where

    def release(self) -> None:
        release, self._release = self._release, lambda: None
        release()

    def __enter__(self) -> ScheduleLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder() -> str:
    """How this process names itself as the lock's holder."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


def acquire_lock(url: str) -> ScheduleLock:
    """Take the scheduler lock of the store at ``url`` without waiting.

    Raises :class:`ScheduleBusy` (one line, naming the holder when known) when another
    process holds it, and ValueError for a store that cannot be locked (in-memory SQLite,
    another kind of database)."""
    path = sqlite_path(url)
    if path is not None:
        return _flock(Path(f"{path}.schedule.lock"))
    if url.startswith("postgresql"):
        return _advisory_lock(url)
    raise ValueError("talent serve schedules a database file or a PostgreSQL database only")


def _busy(who: str | None) -> ScheduleBusy:
    known = f" ({who})" if who else ""
    return ScheduleBusy(f"another talent serve is scheduling this store{known}")


def _flock(lock_path: Path) -> ScheduleLock:
    import fcntl

    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        who = os.read(fd, 200).decode("utf-8", "replace").strip()
        os.close(fd)
        raise _busy(who) from None
    except BaseException:
        os.close(fd)
        raise
    # The file stays (deleting it would let a third process lock a new file while the
    # second still waits on the old one); its text only names the holder.
    os.ftruncate(fd, 0)
    os.write(fd, holder().encode())

    def release() -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    return ScheduleLock(release, str(lock_path))


def _advisory_lock(url: str) -> ScheduleLock:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    # A connection of its own, never returned to a pool and never in a transaction: the
    # session lock lives exactly as long as it does.
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    conn = engine.connect()
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
    except BaseException:
        conn.close()
        engine.dispose()
        raise
    if not got:
        conn.close()
        try:
            who = get_meta(engine, HOLDER)
        except Exception:  # the meta table may not exist yet: the holder is only a hint
            who = None
        engine.dispose()
        raise _busy(who)

    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
        finally:
            conn.close()
            engine.dispose()

    return ScheduleLock(release, f"PostgreSQL advisory lock {LOCK_KEY}")


# --- what the meta says -------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleState:
    """The last scheduled run as the store recorded it (all times UTC-aware, or None)."""

    last_start: datetime | None = None
    last_end: datetime | None = None
    status: str | None = None
    next: datetime | None = None
    holder: str | None = None

    @property
    def finished(self) -> bool:
        """The last run that started also ended."""
        return (
            self.last_start is not None
            and self.last_end is not None
            and self.last_end >= self.last_start
        )

    @property
    def ok(self) -> bool:
        return self.finished and (self.status or "").startswith(OK)

    @property
    def failed(self) -> bool:
        """The last run that ended had a source fail (a stop is not a failure)."""
        return self.status is not None and not self.status.startswith((OK, STOPPED))


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_schedule_state(engine: Engine) -> ScheduleState:
    """What the store's meta says of the scheduled runs (all None when there were none)."""
    return ScheduleState(
        last_start=_when(get_meta(engine, LAST_START)),
        last_end=_when(get_meta(engine, LAST_END)),
        status=get_meta(engine, LAST_STATUS) or None,
        next=_when(get_meta(engine, NEXT)),
        holder=get_meta(engine, HOLDER) or None,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def next_run_at(state: ScheduleState, every_hours: float, now: datetime) -> datetime:
    """When the next run is due: ``every_hours`` after the last one started; ``now`` when
    there was none, or the last one was stopped or never ended (it resumes); after a
    failed run, ``min(every_hours, RETRY_HOURS)`` (15 min) after it ended, never at once.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2026, 1, 1, 12, tzinfo=UTC)
    >>> next_run_at(ScheduleState(), 6, t) == t
    True
    >>> done = ScheduleState(t, t.replace(hour=13), "ok")
    >>> next_run_at(done, 6, t.replace(hour=14)).hour
    18
    >>> failed = ScheduleState(t, t.replace(minute=1), "git x: error")
    >>> next_run_at(failed, 6, t.replace(minute=2)).minute
    16
    """
    stopped = (state.status or "").endswith(STOPPED)  # a stop resumes at once, even so
    if state.failed and state.finished and state.last_end is not None and not stopped:
        return max(now, state.last_end + timedelta(hours=min(every_hours, RETRY_HOURS)))
    if not state.ok or state.last_start is None:
        return now
    return max(now, state.last_start + timedelta(hours=every_hours))


def health_problem(
    state: ScheduleState, schedule: ScheduleSettings, now: datetime, max_age_hours: float | None
) -> str | None:
    """Why the schedule is unhealthy, in one line, or None: the last run must have ended
    well within ``max_age_hours`` (default: twice ``every_hours``) unless none was due
    yet. A run under way is judged by the one before it."""
    max_age = timedelta(hours=max_age_hours if max_age_hours else 2 * schedule.every_hours)
    if state.last_end is None:
        if state.last_start is None:
            return None  # never due yet: the scheduler has just started
        if now - state.last_start > max_age:
            return f"the first scheduled run, started {_ago(now, state.last_start)}, has not ended"
        return None
    if state.failed:
        return f"the last scheduled run failed: {state.status}"
    if now - state.last_end > max_age:
        return (
            f"the last scheduled run ended {_ago(now, state.last_end)}, "
            f"longer ago than {max_age.total_seconds() / 3600:g} h"
        )
    return None


def sync_text(state: ScheduleState) -> str:
    """The app's line on the schedule: when the last run ended, whether it had errors or
    a run is under way, when the next is due; "Synced by hand" without scheduled runs.

    >>> from datetime import datetime, UTC
    >>> t = datetime(2026, 1, 1, 12, tzinfo=UTC)
    >>> sync_text(ScheduleState())
    'Synced by hand'
    >>> sync_text(ScheduleState(t, t.replace(minute=5), "ok", t.replace(hour=18)))
    'Last synced 2026-01-01 12:05 UTC · next sync 2026-01-01 18:00 UTC'
    >>> sync_text(ScheduleState(t, None, None, t.replace(hour=18)))
    'Not synced yet · syncing now · next sync 2026-01-01 18:00 UTC'
    """
    if state.last_start is None:
        return "Synced by hand"
    parts = [f"Last synced {state.last_end:%Y-%m-%d %H:%M} UTC" if state.last_end
             else "Not synced yet"]  # fmt: skip
    if state.last_end is not None and state.failed:
        parts[0] += " (with errors)"
    if not state.finished:
        parts.append("syncing now")
    if state.next is not None:
        parts.append(f"next sync {state.next:%Y-%m-%d %H:%M} UTC")
    return " · ".join(parts)


def _ago(now: datetime, then: datetime) -> str:
    hours = (now - then).total_seconds() / 3600
    return f"{hours:.1f} h ago"


# --- one run ------------------------------------------------------------------------------


@dataclass
class RunReport:
    """One scheduled run: when, each source's one-line problem, and what it left."""

    started: datetime
    ended: datetime | None = None
    problems: dict[str, str] = field(default_factory=dict)  # "github acme-ai" -> one line
    notes: dict[str, str] = field(default_factory=dict)  # waits for a rate limit
    digest: str = ""  # "sent", "not sent: ...", "" (not asked)
    stopped: bool = False  # told to stop before the end

    @property
    def status(self) -> str:
        if self.problems:
            said = [f"{source}: {why}" for source, why in self.problems.items()]
            return "; ".join(said + ([STOPPED] if self.stopped else []))
        if self.stopped:
            return STOPPED
        if self.notes:
            return OK + " (" + "; ".join(f"{s}: {w}" for s, w in self.notes.items()) + ")"
        return OK

    @property
    def ok(self) -> bool:
        return not self.problems and not self.stopped


def schedule_problem(schedule: ScheduleSettings) -> str | None:
    """What is wrong with the names the schedule gives, in one line, or None."""
    from talent.sources.github import GitHubError, check_name
    from talent.sources.hf import HubError, check_target

    for target in schedule.github:
        try:
            check_name(target)
        except GitHubError as exc:
            return f"[schedule] github: {exc}"
    for target in schedule.hf:
        try:
            check_target(target)
        except HubError as exc:
            return f"[schedule] hf: {exc}"
    return None


class SourceOptions(TypedDict, total=False):
    """How :func:`run_scheduled` reaches its sources (its keyword arguments of that name)."""

    github_token: str | None
    hf_token: str | None
    github_url: str
    hub_endpoint: str
    max_wait: float


def run_scheduled(
    engine: Engine,
    settings: Settings,
    *,
    github_token: str | None = None,
    hf_token: str | None = None,
    github_url: str = DEFAULT_GITHUB_URL,
    hub_endpoint: str = DEFAULT_HUB_ENDPOINT,
    max_wait: float = 900.0,
    stop: threading.Event | None = None,
    log: Callable[[str], None] = lambda _line: None,
) -> RunReport:
    """One scheduled run of ``settings.schedule`` into ``engine``; see the module.

    Each source is mined as its ``talent mine`` command mines it; one that fails adds its
    one-line error to the report and the run goes on. ``stop`` set during the run ends it
    at the next repository or batch (what was saved stays; the next run resumes), and
    the report says ``stopped``. ``log`` is told what happens, a line at a time.
    """
    from talent.people.identity import update_people
    from talent.people.privacy import apply_retention
    from talent.store import data_version

    schedule = settings.schedule
    if schedule is None:
        raise ValueError("the settings have no [schedule]")
    stop = stop or threading.Event()
    report = RunReport(started=_now())
    set_meta(engine, HOLDER, holder())
    set_meta(engine, LAST_START, _stamp(report.started))
    # The last status stays the last finished run's until this one ends: a run under way
    # is judged by the one before it.
    set_meta(engine, NEXT, _stamp(report.started + timedelta(hours=schedule.every_hours)))
    log(f"scheduled run started ({_sources(schedule)})")

    steps: list[tuple[str, Callable[[], None]]] = []
    for target in schedule.github:
        steps.append((f"github {target}", _github_step(engine, target, github_token, github_url,
                                                       max_wait, stop, log, report)))  # fmt: skip
    for target in schedule.hf:
        steps.append((f"hf {target}", _hub_step(engine, target, hf_token, hub_endpoint,
                                                max_wait, stop, log, report)))  # fmt: skip
    for path in schedule.git:
        name = schedule.git_name(path)
        steps.append((f"git {path}", _git_step(engine, Path(path), name, stop, log)))

    # Nothing saved (the data version as it was): people are not resolved again and the
    # version stays, so the app's caches stay warm after a run that found nothing new.
    version = data_version(engine)
    mined = False
    try:
        for source, step in steps:
            if stop.is_set():
                raise Stopped
            log(f"{source}: mining")
            try:
                step()
            except Stopped:
                raise
            except Exception as exc:  # one line per source; the others still run
                report.problems[source] = _one_line(exc)
                log(f"{source}: error: {report.problems[source]}")
            else:
                log(f"{source}: done")
            mined = True
        if mined and data_version(engine) != version:
            log("resolving identities into people")
            update_people(engine, settings)
            apply_retention(engine, settings)
            warm_cache(engine, settings, log)
        elif mined:
            log("nothing new saved: people stay as they were")
        if schedule.digest and settings.digest_webhook and not stop.is_set():
            report.digest = _send_digest(engine, settings, report, log)
    except Stopped:
        report.stopped = True
        log("stopped during the run: what was saved stays, the next run resumes from it")
    report.ended = _now()
    set_meta(engine, LAST_END, _stamp(report.ended))
    # No bump: the app reads the sync line uncached (talent.ui.data.sync_line).
    set_meta(engine, LAST_STATUS, report.status)
    log(f"scheduled run ended: {report.status}")
    return report


def warm_cache(engine: Engine, settings: Settings, log: Callable[[str], None]) -> None:
    """Compute what the app's first page and the commands read first, so that they read
    it (:mod:`talent.store.derived`): the ranking base, the default ranking as `talent
    rank` and as the Candidates page ask for it, and the maintainers' report. A failure
    is logged, never the run's: the cache only saves time."""
    from talent.ranking.scoring import (
        DEFAULT_PROFILE,
        INTERVAL_WINDOWS,
        INTERVALS_UP_TO,
        cached_base,
        cached_ranking,
        load_ranking_profile,
    )
    from talent.store import count_rows
    from talent.views.stewardship import cached_maintainers_report

    log("computing the rankings for the next readers")
    try:
        base = cached_base(engine, settings)
        profile = load_ranking_profile(engine, settings, DEFAULT_PROFILE)
        cached_ranking(engine, settings, profile, base=lambda: base)
        windows = INTERVAL_WINDOWS if count_rows(engine, "activities") <= INTERVALS_UP_TO else 0
        cached_ranking(engine, settings, profile, affiliations=(), interval_windows=windows,
                       base=lambda: base)  # fmt: skip
        cached_maintainers_report(engine, settings)
    except Exception as exc:  # any failure only means a slower first read
        log(f"rankings not kept: {_one_line(exc)}")


def _sources(schedule: ScheduleSettings) -> str:
    counts = [
        (len(schedule.github), "GitHub"),
        (len(schedule.hf), "Hub"),
        (len(schedule.git), "git"),
    ]
    return ", ".join(f"{n} {what}" for n, what in counts if n)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first


def _said_wait(source: str, log: Callable[[str], None]) -> Callable[[float, str], None]:
    # The wait itself is ``stop.wait``: a stop ends it at once.
    return lambda seconds, reason: log(f"{source}: waiting {seconds:.0f} s: {reason}")


def _checked(stop: threading.Event) -> None:
    if stop.is_set():
        raise Stopped


def _github_step(engine, target, token, base_url, max_wait, stop, log, report):
    def step() -> None:
        from talent.mining import begin_run, end_run, mine_github
        from talent.sources.github import GitHubClient, ResumeLater

        if not token:
            raise ValueError("no GitHub token: set the token's environment variable")
        client = GitHubClient(token, base_url, max_wait=max_wait, sleep=stop.wait,
                              on_wait=_said_wait(f"github {target}", log))  # fmt: skip
        # The run key of `talent mine github TARGET`: a run either started is resumed by
        # the other, profiles budget included.
        run = f"mine github {target.lower()}"
        started = begin_run(engine, run)

        def on_repo(name: str, index: int, total: int) -> None:
            _checked(stop)
            log(f"github {target}: [{index + 1}/{total}] {name}")

        try:
            results = mine_github(engine, client, [target], on_repo=on_repo,
                                  run_started=started, run=run)  # fmt: skip
        except ResumeLater as exc:
            _checked(stop)
            report.notes[f"github {target}"] = f"{exc}; the next run resumes"
            return
        finally:
            client.close()
        end_run(engine, run)
        failed = [r for r in results if r.error]
        if failed:
            raise RuntimeError(
                f"{len(failed)} of {len(results)} repositories failed, first "
                f"{failed[0].repo}: {failed[0].error}"
            )

    return step


def _hub_step(engine, target, token, endpoint, max_wait, stop, log, report):
    def step() -> None:
        from talent.sources.hf import HubClient, HubSource, ResumeLater
        from talent.sync import run_sync

        client = HubClient(endpoint, token or None, max_wait=max_wait, sleep=stop.wait,
                           on_wait=_said_wait(f"hf {target}", log))  # fmt: skip
        source = HubSource(client, [target], repo_types=("model", "dataset", "space"))

        def on_progress(step) -> None:
            _checked(stop)
            if step.scope and step.total is not None:
                log(f"hf {target}: [{step.done + 1}/{step.total}] {step.scope}")

        try:
            summary = run_sync(engine, source, on_progress=on_progress)
        except ResumeLater as exc:
            _checked(stop)
            report.notes[f"hf {target}"] = f"{exc}; the next run resumes"
            return
        if summary.failures:
            scope, message = next(iter(sorted(summary.failures.items())))
            raise RuntimeError(
                f"{len(summary.failures)} repositories failed, first {scope}: {message}"
            )

    return step


def _git_step(engine, path: Path, name: str | None, stop, log):
    def step() -> None:
        from talent.mining import mine_git, stored_git_name
        from talent.sources.git import check_repository

        check_repository(path)
        given = name
        if given is None:
            given = stored_git_name(engine, path)
            if given is not None:
                log(f"git {path}: this history is stored as {given}: mining it under that name")

        def progress(_done: int, _total: int) -> None:
            _checked(stop)

        result = mine_git(engine, path, name=given, progress=progress)
        what = "new commits" if result.incremental else "commits"
        log(f"git {path}: {result.commits:,} {what}, {result.activities:,} activities")

    return step


def _send_digest(engine, settings: Settings, report: RunReport, log) -> str:
    from talent.views.digest import build, keep, send, to_markdown

    try:
        digest, rows = build(engine, settings)
        if not digest.changed:
            log("digest: nothing changed, not sent")
            return "not sent: nothing changed"
        send(settings.digest_webhook, digest, to_markdown(digest))
    except Exception as exc:  # DigestError, or a store the ranking cannot read: one line
        report.problems["digest"] = _one_line(exc)
        log(f"digest: not sent: {report.problems['digest']}")
        return f"not sent: {report.problems['digest']}"
    keep(engine, digest, rows)
    log("digest: sent to the webhook")
    return "sent"


# --- the loop -----------------------------------------------------------------------------


def run_schedule(
    engine: Engine,
    settings: Settings,
    stop: threading.Event,
    *,
    log: Callable[[str], None] = lambda _line: None,
    **options,
) -> None:
    """Run :func:`run_scheduled` every ``every_hours`` until ``stop`` is set: the first
    run at once unless the last one recorded in the store started less than
    ``every_hours`` ago and ended well. ``options`` go to :func:`run_scheduled`. A
    failure outside the sources (the database went away) is logged and tried again at
    the next run."""
    schedule = settings.schedule
    if schedule is None:
        raise ValueError("the settings have no [schedule]")
    set_meta(engine, HOLDER, holder())
    while not stop.is_set():
        try:
            due = next_run_at(load_schedule_state(engine), schedule.every_hours, _now())
            set_meta(engine, NEXT, _stamp(due))
            wait = (due - _now()).total_seconds()
            if wait > 0:
                log(f"next run at {due:%Y-%m-%d %H:%M:%S} UTC")
                if stop.wait(wait):
                    break
            run_scheduled(engine, settings, stop=stop, log=log, **options)
        except Exception as exc:  # keep scheduling: the next run may find the store back
            log(f"error: {_one_line(exc)}; trying again at the next run")
            if stop.wait(schedule.every_hours * 3600):
                break


@contextmanager
def scheduling(
    engine: Engine,
    settings: Settings,
    *,
    log: Callable[[str], None] = lambda _line: None,
    **options,
) -> Iterator[threading.Thread]:
    """:func:`run_schedule` in a thread for the life of the block; leaving the block
    stops it and waits for the run under way to stop at its next repository or batch."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_schedule,
        args=(engine, settings, stop),
        kwargs={"log": log, **options},
        name="talent-schedule",
        daemon=True,  # a run that will not stop must not keep the process alive
    )
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=STOP_WAIT)
        if thread.is_alive():
            log(f"the run under way did not stop within {STOP_WAIT:.0f} s: abandoned "
                "(what was saved stays)")  # fmt: skip


STOP_WAIT = 60.0  # seconds a stop waits for the run under way to reach a safe point
