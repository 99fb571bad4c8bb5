"""Record types shared by every layer: what sources produce and the store keeps.

Records are small frozen dataclasses. Each has a natural key (a commit sha, a GitHub
id, ``owner/repo#number``) so that saving the same record twice is a no-op.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ActivityKind(StrEnum):
    """One act by one identity. See DESIGN.md, "Activity kinds"."""

    COMMIT = "commit"
    PR_OPENED = "pr_opened"
    # A merged pull request is credited to its author (OpenDigger's rule), and the
    # act of merging to the merger as a separate row: authoring good work and holding
    # the merge button are different signals.
    PR_MERGED = "pr_merged"
    PR_MERGED_BY = "pr_merged_by"
    REVIEW = "review"
    REVIEW_COMMENT = "review_comment"
    ISSUE_OPENED = "issue_opened"
    ISSUE_COMMENT = "issue_comment"
    ISSUE_CLOSED_BY = "issue_closed_by"
    # Signals only git carries.
    CO_AUTHORED = "co_authored"
    REVIEWED_BY = "reviewed_by"
    ACKED_BY = "acked_by"
    SIGNED_OFF_BY = "signed_off_by"
    COMMITTED_FOR_OTHER = "committed_for_other"
    MERGE_COMMIT = "merge_commit"
    # Stewardship acts the history holds (one row each, beside the commit's own row;
    # ``url`` links the evidence). They weigh nothing in OpenDigger activity: a release
    # commit is already counted as a commit.
    # An annotated tag, credited to its tagger: ``item`` the tag, ``state`` "release".
    RELEASE_TAGGED = "release_tagged"
    # A commit that cuts a release or bumps a version (by its subject or its files).
    VERSION_BUMP = "version_bump"
    # A commit that edits a changelog or release notes.
    CHANGELOG_EDIT = "changelog_edit"
    # A cherry-pick or backport: ``counterpart`` the original commit's author when known.
    BACKPORT = "backport"
    # A revert of someone else's commit: ``counterpart`` whose work was reverted.
    REVERT = "revert"
    # An edit of CI, build or packaging files (``state``: "ci", "build" or "packaging").
    INFRA_EDIT = "infra_edit"
    # An edit of owner or governance files (CODEOWNERS, OWNERS, MAINTAINERS, GOVERNANCE).
    GOVERNANCE_EDIT = "governance_edit"
    # An approval written into the history by a merge bot or review system
    # ("Approved by: https://github.com/LOGIN", "Reviewed By: LOGIN", bors' "r=LOGIN"):
    # the approver is ``actor``, the commit's author ``counterpart``; ``state`` the form.
    APPROVED_BY = "approved_by"
    # A model of the actor's that names one of the repository's models as its
    # ``base_model`` on the Hugging Face Hub (fine-tune, quantisation, adapter, merge):
    # ``item`` is the derivative, ``state`` the relation, ``size`` its all-time downloads.
    DERIVATIVE = "derivative"


class Origin(StrEnum):
    """Where a repository's data came from."""

    DEMO = "demo"
    GIT = "git"
    GITHUB = "github"
    HF = "hf"


class IdentitySource(StrEnum):
    """Where a raw identity comes from. ``git``: a (name, e-mail) pair; the others are
    accounts of a platform, each its own namespace of logins (``ACCOUNT_URLS``)."""

    GIT = "git"
    GITHUB = "github"
    HF = "hf"


# An account's public profile page, by source: what links a person to their accounts.
# Logins of different platforms are never the same person by name alone.
ACCOUNT_URLS: dict[str, str] = {
    IdentitySource.GITHUB: "https://github.com/{login}",
    IdentitySource.HF: "https://huggingface.co/{login}",
}


@dataclass(frozen=True)
class Repo:
    full_name: str  # "owner/name"
    origin: Origin
    description: str = ""
    url: str = ""
    default_branch: str = ""
    is_fork: bool = False
    is_archived: bool = False


@dataclass(frozen=True)
class Identity:
    """A raw identity exactly as a source shows it.

    A git identity is a (name, email) pair; ``login`` may be filled in when the
    GitHub commit API says which account the pair belongs to. A GitHub identity is an
    account: ``github_id`` and ``login``, and ``type`` ("User", "Bot", "Organization").
    """

    source: IdentitySource
    name: str = ""
    email: str = ""
    login: str | None = None
    github_id: int | None = None
    type: str = ""

    @property
    def key(self) -> str:
        """Natural key: stable for the same raw identity, whatever run saw it."""
        if self.source == IdentitySource.GITHUB:
            if self.github_id is not None:
                return f"github:{self.github_id}"
            return f"github:@{(self.login or '').lower()}"
        if self.source == IdentitySource.GIT:
            return f"git:{self.name}\x1f{self.email.lower()}"
        # Other platforms' accounts, by login (the Hub's usernames are its keys).
        return f"{self.source}:@{(self.login or '').lower()}"


# A deleted account. GitHub shows its acts as by nobody (``"user": null``, GraphQL's null
# author) or by the placeholder account ``ghost`` (id 10137); the Hub shows ``"deleted"``.
# Its acts are kept, each platform's under one identity of type ``DELETED_TYPE``, so the
# items it opened and the others' work on them stay whole; that identity is never a person
# and never ranked (:func:`talent.people.identity.is_bot_identity` says so by its type).
DELETED_TYPE = "Deleted"
DELETED_NAME = "deleted account"
GITHUB_GHOST_LOGIN = "ghost"
GITHUB_GHOST_ID = 10137
HUB_DELETED_LOGIN = "deleted"


def deleted_account(source: IdentitySource) -> Identity:
    """The one identity a platform's deleted accounts act under.

    >>> deleted_account(IdentitySource.GITHUB).key, deleted_account(IdentitySource.HF).key
    ('github:10137', 'hf:@deleted')
    """
    if source == IdentitySource.GITHUB:
        return Identity(
            source,
            name=DELETED_NAME,
            login=GITHUB_GHOST_LOGIN,
            github_id=GITHUB_GHOST_ID,
            type=DELETED_TYPE,
        )
    return Identity(source, name=DELETED_NAME, login=HUB_DELETED_LOGIN, type=DELETED_TYPE)


DELETED_KEYS = frozenset(deleted_account(s).key for s in (IdentitySource.GITHUB, IdentitySource.HF))


# The ``state`` of a commit's acts when a sync tool exported it from another repository
# (Copybara, ShipIt): this prefix and the trailer that says so ("export:PiperOrigin-RevId").
EXPORT_STATE = "export:"


@dataclass(frozen=True)
class Activity:
    """One act. ``actor`` and ``counterpart`` are identity keys.

    ``counterpart`` is the person acted upon: the author of the reviewed pull request,
    the opener of the commented issue, the author whose pull request was merged.
    """

    key: str
    repo: str
    kind: ActivityKind
    actor: str
    occurred_at: datetime
    counterpart: str | None = None
    item: str | None = None  # "owner/repo#123" or a commit sha
    size: int | None = None  # lines changed, where known
    title: str = ""
    url: str = ""
    state: str = ""  # a review's state, an issue's state, an exported commit's EXPORT_STATE
    pr_number: int | None = None  # the pull request a commit came from, where known


@dataclass(frozen=True)
class IdentityEvidence:
    """A source's word that two raw identities (by key) are one person."""

    key: str
    other: str
    method: str  # "mailmap", ...
    confidence: float


@dataclass(frozen=True)
class CommitFile:
    repo: str
    sha: str
    path: str
    additions: int | None  # None: binary or unknown
    deletions: int | None


class OwnerKind(StrEnum):
    """What an owner file names: a GitHub account, a team ("org/team"), an e-mail."""

    USER = "user"
    TEAM = "team"
    EMAIL = "email"


# Roles of people who were named and are no longer current: OWNERS' emeritus_approvers,
# "Emeritus maintainers", "Alumni", "Former committers" headings.
_PAST_ROLE = re.compile(
    r"(?<![a-z])(?:emeritus|emeriti|alumni|alumnus|former|retired|past|inactive)(?![a-z])",
    re.IGNORECASE,
)


def is_past_role(role: object) -> bool:
    """Does ``role`` name people who are no longer current (emeritus, alumni, former)?

    >>> is_past_role("emeritus_approvers"), is_past_role("Alumni"), is_past_role("approvers")
    (True, True, False)
    """
    return isinstance(role, str) and bool(_PAST_ROLE.search(role))


@dataclass(frozen=True)
class NamedOwner:
    """Someone an owner file names, for what, from when until when.

    ``source`` is the file's path (after a move, the path that names them last);
    ``owner`` is a login, ``org/team`` or an e-mail as written (no ``@``); ``pattern``
    is what they own (a CODEOWNERS pattern, an OWNERS directory such as ``/docs/``,
    ``""`` for a people list); ``role`` is ``codeowner``, an OWNERS key
    (``approvers``) or a people list's heading (``Committers``). ``until`` is None
    while the file still names them at the head that was read.
    """

    repo: str
    source: str
    owner: str
    kind: OwnerKind
    pattern: str
    role: str
    since: datetime
    until: datetime | None = None

    @property
    def key(self) -> str:
        """Natural key: one naming of one owner in one file, by when it began."""
        return "\x1f".join(
            [
                self.repo,
                self.source,
                f"{self.kind}:{self.owner.lower()}",
                self.pattern,
                self.role,
                self.since.isoformat(),
            ]
        )


# --- repository names ----------------------------------------------------------------------

_REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[A-Za-z0-9._-]{1,100}$")


def repo_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a repository in the store (OWNER/REPO, as GitHub and the
    Hub spell them), or None.

    >>> repo_name_problem("acme-ai/vision"), repo_name_problem("../../etc")
    (None, "'../../etc' is not OWNER/REPO (letters, digits, '.', '-', '_'; one '/')")
    """
    if not _REPO_NAME.match(name) or any(p in (".", "..") for p in name.split("/")):
        return f"{name!r} is not OWNER/REPO (letters, digits, '.', '-', '_'; one '/')"
    return None
