"""The contract every source keeps: batches of records since a watermark.

A source does network or subprocess I/O and parsing, and never touches the store. It
reads what it needs of earlier runs (watermarks, ETags, small lookups such as who wrote
an item) through the :class:`SourceState` it is handed, and yields :class:`Batch` es:
the records, then the :class:`Mark` s (watermarks) those records cover. The one loop in
:mod:`talent.sync` saves every batch and only then its marks, so a run killed anywhere
resumes without gaps; it counts, reports progress and keeps a failure per repository
(:class:`Failure`) the same way for every source. Sources import only
:mod:`talent.model` and :mod:`talent.config` (a test holds every module to its layer).

In the spirit of Perceval's ``Backend.fetch(from_date)``, but batch-wise, so the store
and its watermarks move forward together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, overload

from talent.model import Activity, CommitFile, Identity, IdentityEvidence, Repo

__all__ = ["Mark", "Batch", "Failure", "Progress", "SourceState", "Source", "Item"]


@dataclass(frozen=True)
class Mark:
    """Where ``resource`` of ``scope`` (a repository, ``org:NAME``...) has been read up
    to: saved only after the records of the batch that carries it."""

    scope: str
    resource: str
    watermark: str | None = None
    etag: str | None = None


@dataclass
class Batch:
    """Records of one step of a source, and the marks they complete.

    ``named_owners``, ``owner_pairings``, ``head_files``, ``org_members`` (GitHub's, by
    account id) and ``account_members`` (other platforms', ``{"hf:org": [identity
    keys]}``) replace what the store holds for their repository or organisation (each
    is a whole snapshot); everything else is upserted by natural key. ``scope`` is the
    repository (or other unit) the batch belongs to, for counting and failures; ``meta``
    are store-wide settings to keep (``{key: value}``).
    """

    scope: str = ""
    repos: list[Repo] = field(default_factory=list)
    identities: dict[str, Identity] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    commit_files: list[CommitFile] = field(default_factory=list)
    evidence: list[IdentityEvidence] = field(default_factory=list)
    named_owners: dict[str, list[dict]] = field(default_factory=dict)
    owner_pairings: dict[str, list[dict]] = field(default_factory=dict)
    head_files: dict[str, list[str]] = field(default_factory=dict)
    org_members: dict[str, list[dict]] = field(default_factory=dict)
    account_members: dict[str, list[str]] = field(default_factory=dict)
    profiles: list[dict] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)

    @overload
    def who(self, identity: Identity) -> str: ...
    @overload
    def who(self, identity: None) -> None: ...
    @overload
    def who(self, identity: Identity | None) -> str | None: ...
    def who(self, identity: Identity | None) -> str | None:
        """Keep ``identity`` with the batch; its key (None for None)."""
        if identity is None:
            return None
        self.identities.setdefault(identity.key, identity)
        return identity.key

    def __len__(self) -> int:
        """Records that count as mined items: acts (the summary's "items")."""
        return len(self.activities)


@dataclass(frozen=True)
class Failure:
    """A repository (``scope``) that could not be read this run; the others go on and
    nothing already saved is lost. ``message`` is one line for the user."""

    scope: str
    message: str


@dataclass(frozen=True)
class Progress:
    """A step the user should see: ``scope`` (e.g. the repository now read), ``done``
    of ``total`` (None: unknown), and an optional ``note`` (a rate-limit wait)."""

    scope: str
    done: int
    total: int | None = None
    note: str = ""


Item = Batch | Failure | Progress


class SourceState(Protocol):
    """What a source may read of earlier runs (the sync layer provides it)."""

    def mark(self, scope: str, resource: str) -> tuple[str | None, str | None]:
        """``(watermark, etag)`` saved for ``scope``/``resource``; ``(None, None)``."""
        ...

    def item_authors(self, repo: str) -> dict[str, str]:
        """``{item: actor identity key}`` of the stored items (issues, pull requests,
        discussions) that someone opened in ``repo``."""
        ...

    def meta(self, key: str) -> str | None:
        """A store-wide setting kept by an earlier batch's ``meta``."""
        ...

    def scopes_marked(self, resource: str, watermark: str) -> list[str]:
        """The scopes whose ``resource`` mark is ``watermark`` (e.g. which repository
        names hold a history with these first commits)."""
        ...


class Source(Protocol):
    """A source of records. ``read`` yields batches, failures and progress; it raises
    only for what stops the whole run (bad credentials, an unknown target, a rate-limit
    wait longer than allowed), after which everything already yielded stays saved."""

    name: str

    def read(self, state: SourceState) -> Iterator[Item]: ...


def count_items(items: Iterable[Item]) -> int:
    """Acts in ``items`` (for tests and summaries)."""
    return sum(len(i) for i in items if isinstance(i, Batch))
