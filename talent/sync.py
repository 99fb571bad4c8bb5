"""The one loop between sources and the store: save a batch, then its watermarks.

:func:`run_sync` drives any :class:`talent.sources.base.Source`: every :class:`Batch`
it yields is saved (records first, each kind by its idempotent ``save_*``), and only
after that are the batch's :class:`Mark` s written, so a run killed at any point resumes
from the last completed batch with no gap, and reading a batch twice duplicates
nothing. A :class:`Failure` is kept for its repository while the run goes on;
:class:`Progress` goes to the caller's callback (the CLI's progress bar). The summary
(:class:`SyncSummary`) is the same for every source.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from talent.model import Activity
from talent.names import optout_tokens, owner_tokens, redact_mentions, suppression_token
from talent.sources.base import Batch, Failure, Progress, Source
from talent.store import (
    get_meta,
    get_sync_state,
    load_item_authors,
    save_account_members,
    save_activities,
    save_commit_files,
    save_head_files,
    save_identities,
    save_identity_evidence,
    save_named_owners,
    save_org_members,
    save_owner_pairings,
    save_profiles,
    save_repos,
    save_sync_state,
    scopes_marked,
    set_meta,
)
from talent.store.keys import OptoutList, load_optout

__all__ = ["StoreState", "SyncSummary", "save_batch", "run_sync", "without_suppressed"]

# A locked SQLite file or a dropped PostgreSQL connection is retried this many times,
# waiting 0.5, 1, 2 ... seconds; then the run stops with what is saved kept.
SAVE_RETRIES = 4


class StoreState:
    """The store seen by a source: watermarks, item authors and settings, read only."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._authors: dict[str, dict[str, str]] = {}

    def mark(self, scope: str, resource: str) -> tuple[str | None, str | None]:
        return get_sync_state(self._engine, scope, resource)

    def item_authors(self, repo: str) -> dict[str, str]:
        return load_item_authors(self._engine, repo)

    def meta(self, key: str) -> str | None:
        return get_meta(self._engine, key)

    def scopes_marked(self, resource: str, watermark: str) -> list[str]:
        return scopes_marked(self._engine, resource, watermark)


@dataclass
class SyncSummary:
    """What a run did: acts saved per scope, failures per scope, scopes in order."""

    items: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    batches: int = 0

    @property
    def total(self) -> int:
        return sum(self.items.values())


def without_suppressed(batch: Batch, optout: OptoutList | None) -> Batch:
    """``batch`` without the people who opted out: every identity that identity
    resolution could join to them (:func:`talent.names.optout_tokens`), their acts,
    memberships, profiles and owner-file namings are dropped; acts of others on their
    work keep the other's credit and lose the counterpart."""
    if optout is None or not optout.hashes:
        return batch
    hit = optout.hit
    gone = {
        key
        for key, i in batch.identities.items()
        if hit(optout_tokens(i.source, i.name, i.email, i.login, i.github_id, incoming=True))
    }
    # What a source recorded as the same person (a .mailmap entry mapping a new address
    # to a listed one, a branch's author) goes with them, as resolution would join it.
    grown = True
    while gone and grown:
        grown = False
        for e in batch.evidence:
            if (e.key in gone) != (e.other in gone):
                gone |= {e.key, e.other}
                grown = True

    def member(m: dict) -> bool:
        return not hit(optout_tokens("github", None, None, m.get("login"), m.get("github_id")))

    def owner(row: dict) -> bool:
        return not hit(owner_tokens(row.get("owner"), row.get("kind")))

    def paired_hit(row: dict) -> bool:
        tokens = [*owner_tokens(row.get("login"), "user")]
        if row.get("email"):
            tokens.append(suppression_token("email", str(row["email"])))
        tokens += optout_tokens("git", row.get("name"), None, None, None, incoming=True)
        return hit(tokens)

    return dataclasses.replace(
        batch,
        identities={k: i for k, i in batch.identities.items() if k not in gone},
        activities=[
            _without_mentions(a, gone, optout) for a in batch.activities if a.actor not in gone
        ],
        evidence=[e for e in batch.evidence if e.key not in gone and e.other not in gone],
        account_members={
            org: [k for k in keys if k not in gone] for org, keys in batch.account_members.items()
        },
        org_members={org: [m for m in ms if member(m)] for org, ms in batch.org_members.items()},
        profiles=[p for p in batch.profiles if member(p)],
        named_owners={
            repo: [r for r in rows if owner(r)] for repo, rows in batch.named_owners.items()
        },
        owner_pairings={
            repo: [r for r in rows if not paired_hit(r)]
            for repo, rows in batch.owner_pairings.items()
        },
    )


def _without_mentions(act: Activity, gone: set[str], optout: OptoutList) -> Activity:
    """An act of someone else, less its counterpart when that is a listed person, and
    with a listed person's name or login taken out of its title ("Add ada to OWNERS")."""
    title = redact_mentions(act.title, optout.listed) if act.title else act.title
    if act.counterpart in gone or title != act.title:
        counterpart = None if act.counterpart in gone else act.counterpart
        return dataclasses.replace(act, counterpart=counterpart, title=title)
    return act


def save_batch(engine: Engine, batch: Batch, optout: OptoutList | None = None) -> int:
    """Save the records of ``batch`` (not its marks), less anyone on the opt-out list
    (read from the store when not given); returns the acts saved."""
    batch = without_suppressed(batch, optout if optout is not None else load_optout(engine))
    if batch.repos:
        save_repos(engine, batch.repos)
    if batch.identities:
        save_identities(engine, batch.identities.values())
    saved = save_activities(engine, batch.activities) if batch.activities else 0
    if batch.commit_files:
        save_commit_files(engine, batch.commit_files)
    if batch.evidence:
        save_identity_evidence(engine, batch.evidence)
    for repo, owners in batch.named_owners.items():
        save_named_owners(engine, repo, owners)
    for repo, pairings in batch.owner_pairings.items():
        save_owner_pairings(engine, repo, pairings)
    for repo, paths in batch.head_files.items():
        save_head_files(engine, repo, paths)
    for org, members in batch.org_members.items():
        save_org_members(engine, org, members)
    for org, keys in batch.account_members.items():
        save_account_members(engine, org, keys)
    if batch.profiles:
        save_profiles(engine, batch.profiles)
    for key, value in batch.meta.items():
        set_meta(engine, key, value)
    return saved


_T = TypeVar("_T")


def _with_retries(action: Callable[[], _T], sleep: Callable[[float], None]) -> _T:
    for attempt in range(SAVE_RETRIES + 1):
        try:
            return action()
        except OperationalError:
            if attempt == SAVE_RETRIES:
                raise
            sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def run_sync(
    engine: Engine,
    source: Source,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncSummary:
    """Read ``source`` to its end into ``engine``.

    Each batch is saved, then its marks; failures are collected per scope; progress
    items go to ``on_progress``. What the source raises (bad credentials, a wait
    longer than allowed) ends the run after everything before it was saved, and is
    raised again for the caller to explain.
    """
    summary = SyncSummary()
    state = StoreState(engine)
    optout = load_optout(engine)  # opted-out people are never stored
    for item in source.read(state):
        if isinstance(item, Progress):
            if on_progress is not None:
                on_progress(item)
            continue
        if isinstance(item, Failure):
            summary.failures[item.scope] = item.message
            summary.items.setdefault(item.scope, 0)
            continue
        saved = _with_retries(partial(save_batch, engine, item, optout), sleep)
        for mark in item.marks:
            _with_retries(
                partial(
                    save_sync_state,
                    engine,
                    mark.scope,
                    mark.resource,
                    watermark=mark.watermark,
                    etag=mark.etag,
                ),
                sleep,
            )
        summary.batches += 1
        if item.scope:
            summary.items[item.scope] = summary.items.get(item.scope, 0) + saved
    return summary
