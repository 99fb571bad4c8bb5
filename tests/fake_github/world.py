"""A seeded, deterministic GitHub organisation for the fake API.

The world holds plain records (users, repositories, issues and pull requests sharing one
number sequence per repository, comments, reviews, commits); ``shapes.py`` turns them into
GitHub's JSON. Generation is a single pass over ``random.Random(seed)``, so the same
arguments always give the same world, and the benchmark size (20 repositories, 15,000
issues and pull requests, 50,000 comments, 20,000 reviews) takes a few seconds.

Edge cases are built in on purpose: the ghost user, ``dependabot[bot]`` (type ``Bot``), the
machine account ``k8s-ci-robot`` (type ``User``), unicode and emoji names, formula-injection
strings in names, companies, bios, titles and descriptions, an archived repository, a fork,
an empty private repository (``/commits`` answers 409), drafts, merged and closed pull
requests, one pull request with more than 100 reviews, and commits whose ``author`` is a
user, ``null`` or ``{}``.

Every mutation helper (``touch``, ``add_review``, ``add_commit``, ``rename_user``) takes the
world's lock and bumps ``revision``, so a running server sees a consistent world.
"""

from __future__ import annotations

import hashlib
import random
import threading
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

FIXED_NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
"""The default clock reading: every generated timestamp is earlier than this."""

EMPTY = "empty-object"
"""Marker for a commit whose ``author``/``committer`` GitHub serialises as ``{}``."""

HOSTILE = (
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "\tTabbed",
    "\rCarriage",
    "\nNewline",
    "a,=b",
    'say "hi"',
    '=1+2";=1+2',
)
"""Spreadsheet-formula and markup payloads planted in user-controlled text."""

UNICODE_NAMES = (
    "Zoë Ångström",
    "李小龙",
    "🦄 Unicorn Dev",
    "Ævar Arnfjörð Bjarmason",
    "Олег Петров",
    "محمد علي",
    "Jürgen Müller-Lüdenscheidt",
    "Ñandú 🚀 Núñez",
)

SIZES: dict[str, dict[str, int]] = {
    "small": dict(
        repos=4,
        users=40,
        issues=60,
        pulls=40,
        issue_comments=200,
        review_comments=80,
        reviews=60,
        commits=50,
    ),
    "benchmark": dict(
        repos=20,
        users=1500,
        issues=10_000,
        pulls=5_000,
        issue_comments=40_000,
        review_comments=10_000,
        reviews=20_000,
        commits=10_000,
    ),
}
"""Named world sizes: ``World.generate(seed, **SIZES["benchmark"])``."""

_FIRST = (
    "alex ana ben bea carla chen dana dev eli emma finn fatima gus hana ian iris jon jia kai "
    "lena liam mara max nina noah omar olga pat priya quinn rosa sam sofia tom uma vic wen "
    "xavi yara zane zoe"
).split()
_LAST = (
    "smith garcia kim nguyen patel rossi muller silva cohen ivanova okafor tanaka larsen "
    "dubois novak moreau kowalski haddad osei lindqvist"
).split()
_REPO_NAMES = (
    "core web legacy-tools infra sdk-python sdk-go docs ml-pipeline dashboard cli api-gateway "
    "data-loader notebooks helm-charts benchmarks website auth-service scheduler ui-kit "
    "examples"
).split()
_LABELS = (
    ("bug", "d73a4a", "Something isn't working"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("documentation", "0075ca", "Improvements or additions to documentation"),
    ("good first issue", "7057ff", "Good for newcomers"),
    ("dependencies", "0366d6", "Pull requests that update a dependency file"),
    ("help wanted", "008672", "Extra attention is needed"),
)
_TOPICS = ("machine-learning", "python", "data", "api", "kubernetes", "go", "web")
_WORDS = (
    "parser cache retry scheduler loader exporter config token graph index shard queue "
    "metrics tracing docs tests build release auth session pipeline model widget"
).split()
_VERBS = "Fix Add Refactor Remove Improve Document Speed up Handle Support Rename".split()
_PATHS = ("src/core.py", "src/api.py", "README.md", "src/io/loader.py", "tests/test_core.py")
_REVIEW_STATES = ("APPROVED", "COMMENTED", "CHANGES_REQUESTED", "DISMISSED")
_REVIEW_WEIGHTS = (45, 30, 20, 5)

GHOST_ID = 10137
DEPENDABOT_ID = 49699333
K8S_ROBOT_ID = 20407524


class Clock:
    """A settable clock: ``clock()`` returns the current (UTC) time.

    The world's default clock is frozen at :data:`FIXED_NOW` so that generated data and
    mutation timestamps are reproducible; ``advance`` and ``set`` move it. Any zero-argument
    callable returning an aware datetime can replace it (``world.clock = ...``).
    """

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


@dataclass(slots=True, eq=False)
class User:
    id: int
    login: str
    type: str  # "User" | "Bot" | "Organization"
    name: str | None
    company: str | None
    blog: str
    location: str | None
    email: str | None
    bio: str | None
    twitter_username: str | None
    hireable: bool | None
    created_at: datetime
    updated_at: datetime
    followers: int = 0
    following: int = 0
    public_repos: int = 0
    public_gists: int = 0
    site_admin: bool = False
    member: bool = False  # of the organisation: author_association MEMBER
    public_member: bool = False  # a member who shows the membership (/orgs/{org}/public_members)
    graphql_login: str = ""  # GraphQL drops the "[bot]" suffix of app bots
    commit_name: str = ""
    commit_email: str = ""


@dataclass(slots=True, eq=False)
class Org:
    id: int
    login: str
    name: str
    description: str | None
    blog: str
    location: str | None
    email: str | None
    twitter_username: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True, eq=False)
class Label:
    id: int
    name: str
    color: str
    description: str
    default: bool


@dataclass(slots=True, eq=False)
class Review:
    id: int
    pull: Issue
    user: User
    state: str
    body: str
    submitted_at: datetime
    commit_id: str


@dataclass(slots=True, eq=False)
class ReviewComment:
    id: int
    pull: Issue
    review_id: int | None
    in_reply_to_id: int | None
    user: User
    body: str
    path: str
    line: int
    commit_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True, eq=False)
class IssueComment:
    id: int
    issue: Issue
    user: User
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True, eq=False)
class PullInfo:
    """The pull-request half of an :class:`Issue` (``Issue.pull`` is None for issues)."""

    id: int
    draft: bool
    merged_at: datetime | None
    merged_by: User | None
    head_ref: str
    head_sha: str
    base_sha: str
    merge_commit_sha: str | None
    additions: int
    deletions: int
    changed_files: int
    commits: int
    requested_reviewers: list[User] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    review_comments: int = 0


@dataclass(slots=True, eq=False)
class Issue:
    """An issue or, when ``pull`` is set, a pull request (they share numbers and ids)."""

    id: int
    number: int
    repo: Repo
    title: str
    body: str | None
    user: User
    state: str  # "open" | "closed"
    state_reason: str | None
    labels: list[Label]
    assignees: list[User]
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_by: User | None = None
    comments: int = 0
    pull: PullInfo | None = None

    @property
    def is_pull(self) -> bool:
        return self.pull is not None


@dataclass(slots=True, eq=False)
class Commit:
    sha: str
    repo: Repo
    message: str
    author_name: str
    author_email: str
    date: datetime
    author: User | None | str  # a User, None (null) or EMPTY ({})
    parents: list[str]
    tree_sha: str
    additions: int
    deletions: int


@dataclass(slots=True, eq=False)
class Repo:
    id: int
    name: str
    owner: Org
    description: str | None
    private: bool
    fork: bool
    archived: bool
    empty: bool
    language: str | None
    topics: list[str]
    homepage: str | None
    license: str | None  # SPDX key, e.g. "mit"
    created_at: datetime
    updated_at: datetime
    pushed_at: datetime
    stargazers: int
    forks: int
    default_branch: str = "main"
    parent: str | None = None  # "owner/name" of the upstream for a fork
    labels: list[Label] = field(default_factory=list)
    items: list[Issue] = field(default_factory=list)  # number order (index = number - 1)
    issue_comments: list[IssueComment] = field(default_factory=list)
    review_comments: list[ReviewComment] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)  # oldest first
    # The default branch's files at its head, path -> text (``/git/trees``, ``/git/blobs``).
    files: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    @property
    def pulls(self) -> list[Issue]:
        return [i for i in self.items if i.pull is not None]

    @property
    def issues(self) -> list[Issue]:
        return [i for i in self.items if i.pull is None]

    def item(self, number: int) -> Issue | None:
        if 1 <= number <= len(self.items):
            return self.items[number - 1]
        return None


def _sha(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(int((end - start).total_seconds()), 1)
    return start + timedelta(seconds=rng.randrange(span))


class _Ids:
    """Monotonic id counters per kind, starting at GitHub-like magnitudes."""

    def __init__(self) -> None:
        self.next = {
            "user": 1_000_001,
            "repo": 700_000_001,
            "issue": 1_900_000_001,
            "pull": 1_300_000_001,
            "issue_comment": 2_100_000_001,
            "review_comment": 1_500_000_001,
            "review": 1_800_000_001,
            "label": 5_000_000_001,
        }

    def __call__(self, kind: str) -> int:
        value = self.next[kind]
        self.next[kind] = value + 1
        return value


class World:
    """Everything the fake API serves. Build one with :meth:`World.generate`.

    Attributes
    ----------
    org : Org
    users : list[User]
    repos : list[Repo]
    clock : callable
        Returns the current UTC datetime; mutations stamp ``clock()``. Default: a
        :class:`Clock` frozen at :data:`FIXED_NOW`.
    revision : int
        Bumped by every mutation (the server's caches key on it).
    legacy_shapes : bool
        Answer as GitHub's older issue payloads do (recorded from api.github.com): a plain
        issue carries ``"pull_request": {"url": null, "html_url": null, ...}``, an issue
        comment's ``issue_url`` ends in the issue's id (not its number), and items,
        comments and reviews of deleted accounts have ``"user": null`` instead of the
        ``ghost`` account. Set by ``World.generate(legacy_shapes=True)``.
    lock : threading.RLock
        Held by the server while it reads, and by the mutation helpers.
    """

    def __init__(self, org: Org, users: list[User], repos: list[Repo], seed: int) -> None:
        self.org = org
        self.users = users
        self.repos = repos
        self.seed = seed
        self.clock: Callable[[], datetime] = Clock()
        self.revision = 0
        self.legacy_shapes = False
        self.lock = threading.RLock()
        self._ids = _Ids()
        # The organisation's teams whose members the token may list, slug -> members
        # (``/orgs/{org}/teams/{slug}/members``); any other team answers 404.
        self.teams: dict[str, list[User]] = {}
        self._users_by_login = {u.login.lower(): u for u in users}
        self._repos_by_name = {r.name.lower(): r for r in repos}
        self._repos_by_id = {r.id: r for r in repos}
        self._renamed: dict[str, Repo] = {}  # old name -> the repository, after a rename

    # --- look-ups -------------------------------------------------------------------------

    def user(self, login: str) -> User | None:
        """The user with this login (case-insensitive), or None."""
        return self._users_by_login.get(login.lower())

    def repo(self, owner: str, name: str) -> Repo | None:
        """The repository ``owner/name`` (case-insensitive), or None."""
        if owner.lower() != self.org.login.lower():
            return None
        return self._repos_by_name.get(name.lower())

    def repo_by_id(self, repo_id: int) -> Repo | None:
        return self._repos_by_id.get(repo_id)

    def renamed_from(self, owner: str, name: str) -> Repo | None:
        """The repository once called ``owner/name`` and since renamed, or None."""
        if owner.lower() != self.org.login.lower():
            return None
        return self._renamed.get(name.lower())

    def rename_repo(self, old: str, new: str) -> Repo:
        """Rename a repository: its old name then answers 301 to ``/repositories/{id}``,
        as GitHub does, and every payload shows the new one."""
        with self.lock:
            repo = self._repos_by_name.pop(old.lower())
            if new.lower() in self._repos_by_name:
                self._repos_by_name[old.lower()] = repo
                raise ValueError(f"repository name {new!r} is taken")
            repo.name = new
            self._repos_by_name[new.lower()] = repo
            self._renamed[old.lower()] = repo
            self.revision += 1
            return repo

    def counts(self) -> dict[str, int]:
        """How many of each kind of record the world holds."""
        items = [i for r in self.repos for i in r.items]
        return {
            "repos": len(self.repos),
            "users": len(self.users),
            "issues": sum(1 for i in items if i.pull is None),
            "pulls": sum(1 for i in items if i.pull is not None),
            "issue_comments": sum(len(r.issue_comments) for r in self.repos),
            "review_comments": sum(len(r.review_comments) for r in self.repos),
            "reviews": sum(len(i.pull.reviews) for i in items if i.pull is not None),
            "commits": sum(len(r.commits) for r in self.repos),
        }

    # --- mutations ------------------------------------------------------------------------

    def touch(self, fraction: float, seed: int = 0) -> list[tuple[str, int]]:
        """Update a random ``fraction`` of all issues and pull requests, as a re-sync sees it.

        Each chosen item gets a new issue comment (by a member) and ``updated_at = clock()``,
        so the repository's ``issues?sort=updated`` probe changes and, when the item is a
        pull request, so does the ``pulls?sort=updated`` probe. Untouched repositories are
        left byte-for-byte identical. Returns ``[(full_name, number), ...]`` sorted.
        """
        with self.lock:
            items = [i for r in self.repos for i in r.items]
            k = min(len(items), max(0, round(fraction * len(items))))
            rng = random.Random(seed)
            chosen = rng.sample(items, k)
            members = [u for u in self.users if u.member]
            now = self.clock()
            for item in chosen:
                user = rng.choice(members)
                comment = IssueComment(
                    id=self._ids("issue_comment"),
                    issue=item,
                    user=user,
                    body=f"Follow-up on #{item.number}: {rng.choice(_WORDS)} looks good now.",
                    created_at=now,
                    updated_at=now,
                )
                item.repo.issue_comments.append(comment)
                item.comments += 1
                item.updated_at = now
            self.revision += 1
            return sorted((i.repo.full_name, i.number) for i in chosen)

    def add_review(
        self,
        repo: str,
        number: int,
        *,
        user: str,
        state: str = "APPROVED",
        body: str = "",
        submitted_at: datetime | None = None,
    ) -> Review:
        """Submit a review on pull request ``repo#number`` and bump its ``updated_at``."""
        if state not in _REVIEW_STATES:
            raise ValueError(f"state must be one of {_REVIEW_STATES}")
        with self.lock:
            pull = self._pull(repo, number)
            when = submitted_at or self.clock()
            review = Review(
                id=self._ids("review"),
                pull=pull,
                user=self._user(user),
                state=state,
                body=body,
                submitted_at=when,
                commit_id=pull.pull.head_sha,
            )
            pull.pull.reviews.append(review)
            pull.updated_at = max(pull.updated_at, when)
            self.revision += 1
            return review

    def add_commit(
        self,
        repo: str,
        *,
        author: str | None | dict = None,
        name: str | None = None,
        email: str | None = None,
        message: str = "Add a change",
        date: datetime | None = None,
        additions: int = 10,
        deletions: int = 2,
    ) -> Commit:
        """Push one commit on the default branch of ``repo`` (a name or ``owner/name``).

        ``author`` is a login (linked user), ``None`` (GitHub's ``null``) or ``{}``
        (GitHub's empty object); ``name``/``email`` default to the user's commit identity.
        """
        with self.lock:
            r = self._repo(repo)
            when = date or self.clock()
            if isinstance(author, dict):
                linked: User | None | str = EMPTY
            elif author is None:
                linked = None
            else:
                linked = self._user(author)
            user = linked if isinstance(linked, User) else None
            commit = Commit(
                sha=_sha("added", r.full_name, len(r.commits), message, when.isoformat()),
                repo=r,
                message=message,
                author_name=name or (user.commit_name if user else "Anonymous Contributor"),
                author_email=email or (user.commit_email if user else "anon@example.org"),
                date=when,
                author=linked,
                parents=[r.commits[-1].sha] if r.commits else [],
                tree_sha=_sha("tree", r.full_name, message, when.isoformat()),
                additions=additions,
                deletions=deletions,
            )
            r.commits.append(commit)
            r.empty = False
            r.pushed_at = max(r.pushed_at, when)
            self.revision += 1
            return commit

    def public_members(self) -> list[User]:
        """The members who show their membership, as ``/orgs/{org}/public_members`` lists
        them (by login, case-insensitive)."""
        return sorted((u for u in self.users if u.public_member), key=lambda u: u.login.lower())

    def set_public_member(self, login: str, public: bool = True) -> User:
        """Show or hide a user's membership of the organisation (a member either way)."""
        with self.lock:
            user = self._user(login)
            user.public_member = public
            user.member = user.member or public
            self.revision += 1
            return user

    def rename_user(self, old: str, new: str) -> User:
        """Rename a user: the old login then answers 404, every payload shows the new one."""
        with self.lock:
            user = self._user(old)
            if new.lower() in self._users_by_login:
                raise ValueError(f"login {new!r} is taken")
            del self._users_by_login[user.login.lower()]
            user.login = new
            if user.type != "Bot":
                user.graphql_login = new
            user.updated_at = self.clock()
            self._users_by_login[new.lower()] = user
            self.revision += 1
            return user

    def _user(self, login: str) -> User:
        user = self.user(login)
        if user is None:
            raise KeyError(f"no user {login!r}")
        return user

    def _repo(self, name: str) -> Repo:
        owner, _, short = name.rpartition("/")
        r = self.repo(owner or self.org.login, short)
        if r is None:
            raise KeyError(f"no repository {name!r}")
        return r

    def _pull(self, repo: str, number: int) -> Issue:
        item = self._repo(repo).item(number)
        if item is None or item.pull is None:
            raise KeyError(f"no pull request {repo}#{number}")
        return item

    # --- generation -----------------------------------------------------------------------

    @classmethod
    def generate(
        cls,
        seed: int = 1,
        org: str = "acme-ai",
        repos: int = 4,
        users: int = 40,
        issues: int = 60,
        pulls: int = 40,
        issue_comments: int = 200,
        review_comments: int = 80,
        reviews: int = 60,
        commits: int = 50,
        big_pr_reviews: int = 105,
        now: datetime = FIXED_NOW,
        years: float = 3.0,
        legacy_shapes: bool = False,
    ) -> World:
        """Build a deterministic world.

        Counts are totals over the organisation, spread over the non-empty repositories
        (the first repository gets the most). ``big_pr_reviews`` extra reviews go to one
        merged pull request of the first repository (0 disables it). Repository roles by
        position: 0 ordinary, 1 a fork, 2 archived, the last one empty and private (needs
        ``repos >= 4`` for all four; fewer repositories drop roles from the middle).
        ``legacy_shapes`` serves the older payload shapes (see :class:`World`); the world
        itself is the same.
        """
        if repos < 1 or users < 12:
            raise ValueError("need at least 1 repository and 12 users")
        rng = random.Random(seed)
        ids = _Ids()
        start = now - timedelta(days=365 * years)
        end = now - timedelta(hours=1)

        the_org = Org(
            id=9_000_001,
            login=org,
            name="ACME AI",
            description=HOSTILE[0],
            blog="https://acme-ai.example",
            location="Berlin",
            email=None,
            twitter_username=None,
            created_at=start - timedelta(days=400),
            updated_at=start,
        )
        people = _make_users(rng, ids, users, start, end)
        humans = [u for u in people if u.type == "User" and u.id not in (GHOST_ID, K8S_ROBOT_ID)]
        members = [u for u in humans if u.member]
        bot = next(u for u in people if u.type == "Bot")
        robot = next(u for u in people if u.login == "k8s-ci-robot")
        ghost = next(u for u in people if u.id == GHOST_ID)
        # Zipf-like activity: a few prolific people, a long tail.
        human_cum = list(accumulate(1.0 / (i + 1) ** 0.9 for i in range(len(humans))))

        def anyone() -> User:
            roll = rng.random()
            if roll < 0.02:
                return ghost
            if roll < 0.05:
                return robot
            return humans[bisect_left(human_cum, rng.random() * human_cum[-1])]

        repo_list = _make_repos(rng, ids, the_org, repos, start)
        active = [r for r in repo_list if not r.empty]
        repo_cum = list(accumulate(1.0 / (i + 1) ** 0.5 for i in range(len(active))))

        def pick_repo() -> Repo:
            return active[bisect_left(repo_cum, rng.random() * repo_cum[-1])]

        # Issues and pull requests: created times first, then numbers in creation order.
        items: list[Issue] = []
        for kind, count in (("issue", issues), ("pull", pulls)):
            for _ in range(count if active else 0):
                repo = pick_repo()
                created = _between(rng, max(start, repo.created_at), end - timedelta(days=2))
                author = anyone()
                item = Issue(
                    id=0,
                    number=0,
                    repo=repo,
                    title="",
                    body=None,
                    user=author,
                    state="open",
                    state_reason=None,
                    labels=[],
                    assignees=[],
                    created_at=created,
                    updated_at=created,
                    closed_at=None,
                )
                if kind == "pull":
                    _make_pull(rng, ids, item, bot, members, end)
                else:
                    _make_issue(rng, item, members, end)
                items.append(item)
        items.sort(key=lambda i: i.created_at)
        for item in items:
            item.id = ids("issue")
            item.repo.items.append(item)
            item.number = len(item.repo.items)
            if item.pull is not None and item.pull.head_ref.startswith("feature/"):
                item.pull.head_ref = f"feature/{item.number}-{rng.choice(_WORDS)}"
        # The first repository always has a dependabot pull request.
        first_pulls = (
            [i for i in items if i.repo is active[0] and i.pull is not None] if active else []
        )
        if first_pulls and not any(i.user is bot for i in first_pulls):
            first_pulls[0].user = bot
            first_pulls[0].pull.head_ref = "dependabot/pip/requests-2.32.4"
        for idx, item in enumerate(items):
            _title_and_labels(rng, item, idx)
        # At least one open pull request waits on a person and a team (requested_teams).
        waiting = [
            i for i in items if i.pull is not None and i.state == "open" and not i.pull.draft
        ]
        if waiting:
            first_open = min(waiting, key=lambda i: (i.repo.id, i.number))
            first_open.pull.requested_teams = ["maintainers"]
            if not first_open.pull.requested_reviewers:
                first_open.pull.requested_reviewers = [
                    m for m in members if m is not first_open.user
                ][:1]
        pulls_list = [i for i in items if i.pull is not None]

        # Issue comments on issues and pull requests.
        comment_times: list[tuple[datetime, IssueComment]] = []
        for _ in range(issue_comments if items else 0):
            parent = items[rng.randrange(len(items))]
            last = parent.closed_at or end
            created = _between(rng, parent.created_at, last)
            edited = rng.random() < 0.1
            updated = (
                min(created + timedelta(minutes=rng.randrange(1, 600)), end) if edited else created
            )
            who = anyone() if rng.random() < 0.7 else parent.user
            comment = IssueComment(
                0, parent, who, _comment_body(rng, who, parent), created, updated
            )
            comment_times.append((created, comment))
            parent.comments += 1
            parent.updated_at = max(parent.updated_at, updated)
        comment_times.sort(key=lambda pair: pair[0])
        for _, comment in comment_times:
            comment.id = ids("issue_comment")
            comment.issue.repo.issue_comments.append(comment)

        # Reviews: by someone other than the author, before the pull request closed.
        review_rows: list[Review] = []
        reviewable = [p for p in pulls_list if not p.pull.draft]
        for _ in range(reviews if reviewable else 0):
            pull = reviewable[rng.randrange(len(reviewable))]
            review_rows.append(_make_review(rng, pull, anyone, members, end))
        if big_pr_reviews and active:
            merged = [p for p in active[0].items if p.pull is not None and p.pull.merged_at]
            if merged:
                big = max(merged, key=lambda p: (p.closed_at - p.created_at, p.number))
                big.title = "Rewrite the scheduler (long review thread)"
                for _ in range(big_pr_reviews):
                    review_rows.append(_make_review(rng, big, anyone, members, end))
        review_rows.sort(key=lambda r: r.submitted_at)
        for review in review_rows:
            review.id = ids("review")
            review.pull.pull.reviews.append(review)
            review.pull.updated_at = max(review.pull.updated_at, review.submitted_at)

        # Review comments belong to a review of the same pull request; some are replies.
        with_reviews = [p for p in pulls_list if p.pull.reviews]
        threads: dict[int, list[ReviewComment]] = {}
        rc_rows: list[ReviewComment] = []
        for _ in range(review_comments if pulls_list else 0):
            if with_reviews:
                pull = with_reviews[rng.randrange(len(with_reviews))]
                review = rng.choice(pull.pull.reviews)
                who, review_id, created = review.user, review.id, review.submitted_at
            else:
                pull = pulls_list[rng.randrange(len(pulls_list))]
                who, review_id = anyone(), None
                created = _between(rng, pull.created_at, pull.closed_at or end)
            comment = ReviewComment(
                id=0,
                pull=pull,
                review_id=review_id,
                in_reply_to_id=None,
                user=who,
                body=rng.choice(
                    ("nit: naming", "Can this be None?", "+1", "Why not reuse the cache?")
                ),
                path=rng.choice(_PATHS),
                line=rng.randrange(1, 400),
                commit_id=pull.pull.head_sha,
                created_at=created,
                updated_at=created,
            )
            rc_rows.append(comment)
        rc_rows.sort(key=lambda c: c.created_at)
        for comment in rc_rows:
            comment.id = ids("review_comment")
            thread = threads.setdefault(comment.pull.id, [])
            earlier = [
                c for c in thread if c.created_at < comment.created_at and c.in_reply_to_id is None
            ]
            if earlier and rng.random() < 0.3:
                root = earlier[rng.randrange(len(earlier))]
                comment.in_reply_to_id = root.id
                comment.path, comment.line = root.path, root.line
            thread.append(comment)
            comment.pull.repo.review_comments.append(comment)
            comment.pull.pull.review_comments += 1
            comment.pull.updated_at = max(comment.pull.updated_at, comment.updated_at)

        # Commits on the default branch.
        per_repo: dict[int, int] = {}
        for _ in range(commits if active else 0):
            repo = pick_repo()
            per_repo[repo.id] = per_repo.get(repo.id, 0) + 1
        for repo in active:
            _make_commits(rng, repo, per_repo.get(repo.id, 0), anyone, bot, seed, end)

        for repo in repo_list:
            stamps = [repo.created_at] + [i.updated_at for i in repo.items]
            stamps += [c.date for c in repo.commits]
            repo.updated_at = max(stamps)
            repo.pushed_at = max([repo.created_at] + [c.date for c in repo.commits])

        # Every repository with commits names one member and two teams in its CODEOWNERS:
        # "maintainers" lists its members, "security" is hidden from the token (404). No
        # draw from ``rng``, so the rest of the world is as before.
        owner = members[0] if members else humans[0]
        for repo in active:
            repo.files = {
                "README.md": f"# {repo.name}\n",
                ".github/CODEOWNERS": (
                    "# Owners of everything, then of the docs\n"
                    f"* @{owner.login} @{org}/maintainers\n"
                    f"/docs/ @{org}/security\n"
                ),
                "src/main.py": "print('hello')\n",
            }

        world = cls(the_org, people, repo_list, seed)
        world.teams = {"maintainers": members[1:3]}
        world.clock = Clock(now)
        world._ids = ids
        world.legacy_shapes = legacy_shapes
        return world

    @classmethod
    def benchmark(cls, seed: int = 1, **overrides: int) -> World:
        """The cost-benchmark world (``SIZES["benchmark"]``, overridable)."""
        return cls.generate(seed, **{**SIZES["benchmark"], **overrides})


# --- generation helpers --------------------------------------------------------------------


def _make_users(
    rng: random.Random, ids: _Ids, n: int, start: datetime, end: datetime
) -> list[User]:
    def make(
        login: str,
        name: str | None,
        *,
        uid: int | None = None,
        type: str = "User",
        company: str | None = None,
        bio: str | None = None,
        location: str | None = None,
        blog: str = "",
    ) -> User:
        created = _between(rng, start - timedelta(days=3000), start)
        uid = uid or ids("user")
        return User(
            id=uid,
            login=login,
            type=type,
            name=name,
            company=company,
            blog=blog,
            location=location,
            email=None,
            bio=bio,
            twitter_username=None,
            hireable=None,
            created_at=created,
            updated_at=_between(rng, created, end),
            followers=rng.randrange(0, 300),
            following=rng.randrange(0, 80),
            public_repos=rng.randrange(0, 60),
            public_gists=rng.randrange(0, 10),
            graphql_login=login.removesuffix("[bot]") if type == "Bot" else login,
            commit_name=name or login,
            commit_email=f"{uid}+{login}@users.noreply.github.com",
        )

    users = [
        make("ghost", None, uid=GHOST_ID, location="Nothing to see here, move along."),
        make("dependabot[bot]", None, uid=DEPENDABOT_ID, type="Bot"),
        make("k8s-ci-robot", "Kubernetes Prow Robot", uid=K8S_ROBOT_ID, bio="I am a bot."),
        make("formula-fan", HOSTILE[0], company=HOSTILE[1], bio=HOSTILE[2]),
        make("sheet-hacker", HOSTILE[3], company=HOSTILE[4], bio="Line one\nLine two"),
        make("tab-leader", HOSTILE[5], company=HOSTILE[8], bio=HOSTILE[10], location=HOSTILE[6]),
        make("quote-lover", HOSTILE[9], company="=cmd|' /C calc'!A0", bio=HOSTILE[7]),
    ]
    for i, name in enumerate(UNICODE_NAMES):
        if len(users) >= n // 2:
            break
        users.append(make(f"intl-{i + 1}", name, company="Ünïcode GmbH 🌍", bio="Привет 👋"))
    taken = {u.login for u in users}
    while len(users) < n:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        login = (
            f"{first}-{last}" if rng.random() < 0.5 else f"{first}{last[:3]}{rng.randrange(100)}"
        )
        if login in taken:
            login = f"{login}{len(users)}"
        taken.add(login)
        company = rng.choice((None, "ACME AI", "@acme-ai", "Initech", "Globex", "Umbrella"))
        users.append(
            make(
                login,
                f"{first.title()} {last.title()}" if rng.random() < 0.85 else None,
                company=company,
                bio=rng.choice((None, "Open source enthusiast", "ML engineer", "Go, Rust, Python")),
                location=rng.choice((None, "Berlin", "São Paulo", "Lagos", "Tokyo", "Remote")),
                blog=rng.choice(("", "https://example.org/blog", "javascript:alert(1)")),
            )
        )
    # The first people after the three special accounts are the most active under the Zipf
    # weights (the formula-injection names among them, so they reach any top-N export) and
    # are the organisation's members.
    regular = [u for u in users[3:] if u.type == "User"]
    for i, u in enumerate(regular[: max(3, len(regular) // 4)]):
        u.member = True
        # Members choose whether to show it; every other one does (no draw from ``rng``, so
        # the rest of the world is as before).
        u.public_member = i % 2 == 0
    return users


def _make_repos(rng: random.Random, ids: _Ids, org: Org, n: int, start: datetime) -> list[Repo]:
    repos = []
    for i in range(n):
        name = _REPO_NAMES[i] if i < len(_REPO_NAMES) else f"repo-{i + 1}"
        created = start - timedelta(days=rng.randrange(30, 600))
        repos.append(
            Repo(
                id=ids("repo"),
                name=name,
                owner=org,
                description=rng.choice(("The core library", "Web front end", None)),
                private=False,
                fork=False,
                archived=False,
                empty=False,
                language=rng.choice(("Python", "Go", "TypeScript")),
                topics=sorted(rng.sample(_TOPICS, 2)),
                homepage=None,
                license=rng.choice(("mit", "apache-2.0", None)),
                created_at=created,
                updated_at=created,
                pushed_at=created,
                stargazers=rng.randrange(0, 5000),
                forks=rng.randrange(0, 500),
            )
        )
    repos[0].description = HOSTILE[0]
    if n >= 2:
        empty = repos[-1]
        empty.name, empty.empty, empty.private = "scratch", True, True
        empty.description, empty.language, empty.topics, empty.license = None, None, [], None
    if n >= 3:
        repos[1].fork, repos[1].parent = True, f"upstream-org/{repos[1].name}"
        repos[1].description = "Fork of the upstream web front end"
    if n >= 4:
        repos[2].archived = True
        repos[2].description = "-2+3 legacy tools (archived) <script>alert(1)</script>"
    for repo in repos:
        repo.labels = [
            Label(ids("label"), nm, col, desc, nm != "dependencies") for nm, col, desc in _LABELS
        ]
    return repos


def _make_issue(rng: random.Random, item: Issue, members: list[User], end: datetime) -> None:
    if rng.random() < 0.6:
        item.state = "closed"
        item.closed_at = min(item.created_at + timedelta(hours=rng.randrange(1, 2000)), end)
        item.state_reason = "completed" if rng.random() < 0.8 else "not_planned"
        item.closed_by = rng.choice(members)
    if rng.random() < 0.3:
        item.assignees = [rng.choice(members)]
    item.updated_at = item.closed_at or item.created_at


def _make_pull(
    rng: random.Random, ids: _Ids, item: Issue, bot: User, members: list[User], end: datetime
) -> None:
    if rng.random() < 0.12:
        item.user = bot
    roll = rng.random()
    merged_at = merged_by = None
    if roll < 0.55:
        merged_at = min(item.created_at + timedelta(hours=rng.randrange(1, 500)), end)
        merged_by = rng.choice(members)
        item.state, item.closed_at = "closed", merged_at
    elif roll < 0.70:
        item.state = "closed"
        item.closed_at = min(item.created_at + timedelta(hours=rng.randrange(1, 900)), end)
    draft = item.state == "open" and rng.random() < 0.3
    bot_pr = item.user is bot
    additions = int(rng.paretovariate(1.2) * 8)
    item.pull = PullInfo(
        id=ids("pull"),
        draft=draft,
        merged_at=merged_at,
        merged_by=merged_by,
        head_ref="dependabot/pip/requests-2.32.4" if bot_pr else "feature/x",
        head_sha=_sha("head", ids.next["pull"], item.created_at.isoformat()),
        base_sha=_sha("base", ids.next["pull"]),
        merge_commit_sha=_sha("merge", ids.next["pull"])
        if merged_at or item.state == "open"
        else None,
        additions=additions,
        deletions=int(additions * rng.random()),
        changed_files=max(1, min(additions // 20 + 1, 60)),
        commits=rng.randrange(1, 12),
    )
    if item.state == "open" and not draft and rng.random() < 0.4:
        item.pull.requested_reviewers = [rng.choice(members)]
        if rng.random() < 0.5:
            item.pull.requested_teams = ["maintainers"]
    if rng.random() < 0.2:
        item.assignees = [rng.choice(members)]
    item.updated_at = item.closed_at or item.created_at


def _title_and_labels(rng: random.Random, item: Issue, idx: int) -> None:
    labels = {lb.name: lb for lb in item.repo.labels}
    if item.pull is not None and item.user.type == "Bot":
        item.title = f"Bump requests from 2.32.{idx % 4} to 2.32.{idx % 4 + 1}"
        item.body = "Bumps [requests](https://github.com/psf/requests).\n\nDependabot rebases it."
        item.labels = [labels["dependencies"]]
        return
    if idx % 9 == 4:
        item.title = HOSTILE[(idx // 9) % len(HOSTILE)]
    elif idx % 13 == 7:
        item.title = f"{rng.choice(UNICODE_NAMES)}: ünïcödé in the {rng.choice(_WORDS)} ✨"
    else:
        item.title = f"{rng.choice(_VERBS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
    item.body = rng.choice(
        (None, "Steps to reproduce:\n1. run it\n2. boom", "See #1 for context.", "x" * 5000)
    )
    if item.pull is None:
        item.labels = [
            labels[n]
            for n in sorted(rng.sample(("bug", "enhancement", "help wanted"), rng.randrange(0, 3)))
        ]
        if rng.random() < 0.15:
            item.labels.append(labels["good first issue"])
    elif rng.random() < 0.3:
        item.labels = [labels[rng.choice(("enhancement", "documentation", "bug"))]]


def _comment_body(rng: random.Random, who: User, parent: Issue) -> str:
    if who.login == "k8s-ci-robot":
        return rng.choice(("/lgtm", "[APPROVALNOTIFIER] This PR is **APPROVED**", "/retest"))
    if rng.random() < 0.05:
        return rng.choice(HOSTILE)
    return rng.choice(
        (
            "Thanks! LGTM.",
            f"I can reproduce this on {rng.choice(('Linux', 'macOS', 'Windows'))}.",
            "Could you add a test?",
            "Merci ! 🎉",
            f"Related to #{max(1, parent.number - 1)}.",
        )
    )


def _make_review(
    rng: random.Random, pull: Issue, anyone, members: list[User], end: datetime
) -> Review:
    who = anyone()
    if who is pull.user:
        who = rng.choice(members)
    state = rng.choices(_REVIEW_STATES, _REVIEW_WEIGHTS)[0]
    last = pull.pull.merged_at or pull.closed_at or end
    return Review(
        id=0,
        pull=pull,
        user=who,
        state=state,
        body=""
        if state == "APPROVED"
        else rng.choice(("Looks good overall.", "Please split this PR.", "A few nits.")),
        submitted_at=_between(rng, pull.created_at, last),
        commit_id=pull.pull.head_sha,
    )


def _make_commits(
    rng: random.Random, repo: Repo, n: int, anyone, bot: User, seed: int, end: datetime
) -> None:
    dates = sorted(_between(rng, repo.created_at, end) for _ in range(n))
    previous: str | None = None
    for k, date in enumerate(dates):
        who = bot if rng.random() < 0.05 else anyone()
        roll = rng.random()
        if roll < 0.70 and who.login != "ghost":
            author: User | None | str = who
            name, email = who.commit_name, who.commit_email
        else:
            # Unlinked e-mail: GitHub gives null, or sometimes an empty object.
            author = None if roll < 0.85 else EMPTY
            name = who.name or who.login
            email = f"{who.login.replace('[bot]', '')}@laptop.local"
        sha = _sha("commit", seed, repo.full_name, k)
        signer = f"{name} <{email}>"
        repo.commits.append(
            Commit(
                sha=sha,
                repo=repo,
                message=f"{rng.choice(_VERBS)} {rng.choice(_WORDS)}\n\nSigned-off-by: {signer}",
                author_name=name,
                author_email=email,
                date=date,
                author=author,
                parents=[previous] if previous else [],
                tree_sha=_sha("tree", seed, repo.full_name, k),
                additions=int(rng.paretovariate(1.3) * 5),
                deletions=rng.randrange(0, 30),
            )
        )
        previous = sha
