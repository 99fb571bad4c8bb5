"""One call per source, for the CLI, notebooks and tests: read it into a store.

Each function builds a source (:mod:`talent.sources`), runs it through
:func:`talent.sync.run_sync` (rows first, then their marks) and answers in the
source's own terms (:class:`~talent.sources.git.MineResult`, one
:class:`~talent.sources.github.RepoResult` per repository, row counts for the demo).
The few steps the batch contract does not carry are here, beside sync, and named:

- :class:`_PruneStale`: a ``git --full`` re-read deletes the rows of commits no longer
  in the history (:class:`~talent.sources.git.StaleRows`), after the rows before it
  are saved and before the head's mark;
- :func:`stale_accounts`: which GitHub accounts need a profile (a read of the store
  beyond :class:`~talent.sources.base.SourceState`), for
  :class:`~talent.sources.github.GitHubProfileSource`.

A layer beside :mod:`talent.sync`: it imports sync, the store and the sources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from talent.model import DELETED_TYPE
from talent.sources.base import Item, Progress, Source, SourceState
from talent.sources.git import GitError, GitSource, MineResult, StaleRows
from talent.store import delete_repo_rows, get_meta, load_identities, load_profiles, set_meta
from talent.sync import run_sync

if TYPE_CHECKING:  # PyGithub takes a third of a second to import: only mine_github does
    from talent.sources.demo import DemoWorld  # the demo generator: only save_demo
    from talent.sources.github import GitHubClient, RepoResult

__all__ = [
    "mine_git",
    "mine_github",
    "save_demo",
    "stored_git_name",
    "sync_profiles",
    "stale_accounts",
]


class _PruneStale:
    """``source`` with the stale rows its full re-reads name deleted as they come.

    :func:`~talent.sync.run_sync` asks for the next item only after saving the one
    before, so a :class:`StaleRows` is met after every batch before it is saved, and the
    rows are gone before any mark after it is written. ``pruned`` counts the acts
    deleted per repository.
    """

    def __init__(self, engine: Engine, source: Source):
        self.engine = engine
        self.source = source
        self.name = source.name
        self.pruned: dict[str, int] = {}

    def read(self, state: SourceState) -> Iterator[Item]:
        for item in self.source.read(state):
            if isinstance(item, StaleRows):
                self.pruned[item.repo] = self.pruned.get(item.repo, 0) + delete_repo_rows(
                    self.engine, item.repo, kinds=list(item.kinds), keep=set(item.keep)
                )
            yield item


def mine_git(
    engine: Engine,
    path: Path,
    *,
    name: str | None = None,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
    teams: Mapping[str, Sequence[str]] | None = None,
    rev: str = "HEAD",
    stewardship: bool = True,
) -> MineResult:
    """Mine the repository at ``path`` into ``engine``, up to ``rev`` (its HEAD).

    Incremental by default, ``full=True`` reads everything again and drops the rows of
    commits no longer in the history; see :class:`~talent.sources.git.GitSource`.
    ``progress(done, total)`` is called as commits are parsed. Raises
    :class:`~talent.sources.git.GitError` (one line) when the repository cannot be
    mined; what was saved before stays. ``stewardship=False`` leaves out the stewardship
    acts (tags, releases, backports...), for benchmarks that measure what they cost.
    """
    source = GitSource(path, name=name, full=full, teams=teams, rev=rev, stewardship=stewardship)
    pruning = _PruneStale(engine, source)

    def report(step: Progress) -> None:
        if progress is not None:
            progress(step.done, step.total or step.done)

    summary = run_sync(engine, pruning, on_progress=report)
    if summary.failures:
        raise GitError(next(iter(summary.failures.values())))
    (result,) = source.results
    return dataclasses.replace(result, pruned=pruning.pruned.get(result.repo, 0))


def stored_git_name(engine: Engine, path: Path, rev: str = "HEAD") -> str | None:
    """The name the store already keeps the history at ``path`` under, when that is not
    the name the clone gives it (:func:`~talent.sources.git.repo_name`), or None.

    The same check as mining's "this history is already stored as …": the history's
    first commits are marked under another name, and none under the clone's own. Raises
    :class:`~talent.sources.git.GitError` (one line) for a path that is no repository."""
    from talent.sources.git import ROOTS_RESOURCE, check_repository, history_roots, repo_name
    from talent.store import get_sync_state, scopes_marked

    head = check_repository(path, rev)
    repo, _ = repo_name(path)
    if get_sync_state(engine, repo, ROOTS_RESOURCE)[0]:
        return None
    elsewhere = [r for r in scopes_marked(engine, ROOTS_RESOURCE, history_roots(path, head))
                 if r != repo]  # fmt: skip
    return elsewhere[0] if elsewhere else None


def mine_github(
    engine: Engine,
    client: GitHubClient,
    targets: list[str],
    *,
    since: datetime | None = None,
    full: bool = False,
    include_forks: bool = False,
    include_archived: bool = False,
    profile_budget: int = 100,
    on_repo: Callable[[str, int, int], None] | None = None,
    run_started: datetime | None = None,
    run: str | None = None,
) -> list[RepoResult]:
    """Mine every repository the targets name into ``engine``, then up to
    ``profile_budget`` profiles; returns one result per repository (``client.stats``
    holds the costs). Raises BadCredentials, NotFound (an unknown target) and
    ResumeLater; other failures are recorded per repository and mining goes on.
    ``on_repo(name, index, total)`` is told before each repository is read.

    ``run_started`` (from :func:`begin_run`) is when the run ``run`` (a command) this
    one resumes began: the profiles fetched since then count against the budget, so a
    run stopped and resumed looks up as many profiles as one that was never stopped."""
    from talent.sources.github import GitHubSource

    source = GitHubSource(
        client,
        targets,
        since=since,
        full=full,
        include_forks=include_forks,
        include_archived=include_archived,
    )

    def report(step: Progress) -> None:
        if on_repo is not None and step.total is not None:
            on_repo(step.scope, step.done, step.total)

    run_sync(engine, source, on_progress=report)
    if run_started is not None and run is not None:
        # Marked only now, so a run that fails before this point leaves no trace.
        mark_run(engine, run, run_started)
        profile_budget -= profiles_fetched_since(engine, run_started)
    sync_profiles(engine, client, budget=profile_budget)
    return source.results


def begin_run(engine: Engine, command: str) -> datetime:
    """When the run of ``command`` began: now, or, if the last one was marked under way
    (:func:`mark_run`) and did not reach :func:`end_run` (killed, stopped by a rate
    limit), the start of that one, which this run resumes. Writes nothing."""
    found = get_meta(engine, _run_key(command))
    if found:
        return datetime.fromisoformat(found)
    return datetime.now(UTC).replace(tzinfo=None)


def mark_run(engine: Engine, command: str, started: datetime) -> None:
    """Record that the run of ``command`` that began at ``started`` is under way."""
    set_meta(engine, _run_key(command), started.isoformat())


def end_run(engine: Engine, command: str) -> None:
    """The run of ``command`` is complete: the next one starts afresh."""
    set_meta(engine, _run_key(command), "")


def _run_key(command: str) -> str:
    import hashlib

    return "run_started:" + hashlib.sha256(command.encode()).hexdigest()[:32]


def profiles_fetched_since(engine: Engine, moment: datetime) -> int:
    profiles = load_profiles(engine)
    return int((profiles["fetched_at"] >= moment).sum()) if len(profiles) else 0


def stale_accounts(engine: Engine, *, refresh: timedelta) -> list[tuple[int, str]]:
    """(github_id, login) of the stored GitHub accounts, bots left out, whose profile is
    missing or older than ``refresh``."""
    accounts = load_identities(engine)
    accounts = accounts[(accounts["source"] == "github") & accounts["github_id"].notna()]
    accounts = accounts[~accounts["type"].isin(["Bot", DELETED_TYPE])]  # nobody to ask
    known = load_profiles(engine)
    fresh_after = datetime.now(UTC).replace(tzinfo=None) - refresh
    fresh = set(known.loc[known["fetched_at"] >= fresh_after, "github_id"].astype(int))
    return [
        (int(r.github_id), r.login)
        for r in accounts.itertuples(index=False)
        if int(r.github_id) not in fresh
    ]


def sync_profiles(
    engine: Engine, client: GitHubClient, *, budget: int, refresh: timedelta | None = None
) -> int:
    """Fetch ``/users/{login}`` for accounts with no profile or one older than
    ``refresh`` (:data:`~talent.sources.github.PROFILE_REFRESH`), at most ``budget``
    requests, into ``engine``; returns how many were fetched."""
    from talent.sources.github import PROFILE_REFRESH, GitHubProfileSource

    if budget <= 0:
        return 0
    refresh = PROFILE_REFRESH if refresh is None else refresh
    source = GitHubProfileSource(client, stale_accounts(engine, refresh=refresh), budget=budget)
    before = client.stats.profile_requests
    run_sync(engine, source)
    return client.stats.profile_requests - before


def save_demo(engine: Engine, world: DemoWorld) -> dict[str, int]:
    """Write a demo world into ``engine``; returns the rows written per table."""
    from talent.sources.demo import DemoSource

    summary = run_sync(engine, DemoSource(world))
    hub = world.hub
    return {
        "repos": len(world.repos) + (len(hub.repos) if hub else 0),
        "identities": len({i.key for i in world.identities}) + (len(hub.identities) if hub else 0),
        "activities": summary.total,
        "commit_files": len(world.commit_files),
        "profiles": len(world.profiles),
        "named_owners": sum(map(len, world.named_owners.values())),
    }
