"""A seeded, deterministic Hugging Face organisation for the fake Hub.

The world holds plain records (users, the organisation, model/dataset/Space repositories
with their commits, likers, discussions and pull requests with their events, and community
derivative models); ``shapes.py`` turns them into the Hub's JSON. Generation is one pass
over ``random.Random(seed)``, so the same arguments always give the same world.

Built in on purpose: activity by a heavy-tailed mix of users (a few people do most of it),
an initial commit by ``system`` in every repository, a deleted user (discussions and
comments without an ``author``), a gated model, a private model, hidden and edited
comments, pull requests that were merged (with a ``mergeCommitId`` that is a real commit
on ``main``), closed, left open or left in draft, PR-branch commits, title changes, and
community derivatives in other users' namespaces tagged ``base_model:ORG/MODEL`` and
``base_model:RELATION:ORG/MODEL`` as the Hub tags them (a merge has two parents).

Every mutation helper (``add_user``, ``add_comment``, ``add_commit``, ``add_discussion``,
``add_derivative``) takes the world's lock and bumps ``revision``, so a running server sees
a consistent world.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

FIXED_NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
"""The default clock reading: every generated timestamp is earlier than this."""

CREATION_FLOOR = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
"""The Hub's lowest ``createdAt`` ("when we began to store creation dates", ModelInfo)."""

REPO_TYPES = ("model", "dataset", "space")
RELATIONS = ("finetune", "quantized", "adapter", "merge")
"""The model-tree relations of ``base_model_relation`` (hub-docs ``model-cards.md``)."""

SIZES: dict[str, dict[str, int]] = {
    "small": dict(
        models=12, datasets=4, spaces=3, discussions=150, derivatives=40, members=8, users=60
    ),
    "medium": dict(
        models=50, datasets=15, spaces=10, discussions=2000, derivatives=300, members=25, users=400
    ),
    "large": dict(
        models=200,
        datasets=60,
        spaces=40,
        discussions=10_000,
        derivatives=2000,
        members=60,
        users=2000,
    ),
}
"""Named world sizes: ``HubWorld.generate(seed, **SIZES["medium"])``."""


@dataclass(frozen=True)
class PageSizes:
    """Items per page of each paged route.

    ``listing`` (1000) is the Hub's page for ``/api/models|datasets|spaces`` (huggingface_hub
    docs); ``commits`` (50) is the Hub's page when no ``limit`` is asked for (recorded
    answers; huggingface.js asks for 100 per call, ``list-commits.ts``);
    ``discussions`` (50) is the Hub's fixed discussion page. The Hub does not document the
    page of likers and members: 1000 and 500 here.
    """

    listing: int = 1000
    commits: int = 50
    discussions: int = 50
    likers: int = 1000
    members: int = 500


def iso(dt: datetime) -> str:
    """The Hub's timestamp format: ``2024-06-18T14:31:57.000Z`` (milliseconds, ``Z``)."""
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _digest(*parts: object) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode()).hexdigest()


def object_id(when: datetime, *key: object) -> str:
    """A MongoDB-style ``_id``: 8 hex digits of creation time, then 16 from ``key``."""
    return f"{int(when.timestamp()):08x}" + _digest("oid", *key)[:16]


class Clock:
    """A settable clock returning an aware UTC datetime (frozen at :data:`FIXED_NOW`)."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)`` and return the new time."""
        self.now = self.now + timedelta(**delta)
        return self.now


# --- records -------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class User:
    id: str  # _id
    name: str
    fullname: str
    avatar_url: str
    created_at: datetime
    is_pro: bool = False
    member: bool = False  # of the organisation
    role: str | None = None  # admin | write | contributor | read, for members
    deleted: bool = False  # the Hub drops the "author" key of a deleted user's items
    # The person's GitHub login, as a ground truth for identity tests only: the Hub's user
    # overview has no social-link field, so the fake never serves it.
    github: str | None = None
    details: str = ""
    followers: int = 0
    following: int = 0
    papers: int = 0
    upvotes: int = 0


@dataclass(slots=True, eq=False)
class Org:
    id: str
    name: str
    fullname: str
    avatar_url: str
    created_at: datetime
    members: list[User] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Commit:
    id: str  # 40-hex oid
    title: str
    message: str
    date: datetime
    authors: list[User]


@dataclass(slots=True, eq=False)
class Event:
    """One event of a discussion: ``type`` is comment, status-change, commit or
    title-change; ``data`` holds the type's fields as the world keeps them (``shapes``
    renders the Hub's form)."""

    id: str
    type: str
    created_at: datetime
    author: User
    data: dict


@dataclass(slots=True, eq=False)
class Discussion:
    num: int
    repo: Repo
    title: str
    author: User
    created_at: datetime
    is_pull_request: bool
    status: str  # open | closed | merged | draft
    pinned: bool = False
    events: list[Event] = field(default_factory=list)
    pr_commits: list[Commit] = field(default_factory=list)  # refs/pr/N, oldest first
    merge_commit_id: str | None = None
    diff: str = ""

    @property
    def num_comments(self) -> int:
        return sum(1 for e in self.events if e.type == "comment")


@dataclass(slots=True, eq=False)
class Repo:
    id: str  # _id
    type: str  # model | dataset | space
    namespace: str
    name: str
    created_at: datetime
    private: bool = False
    gated: bool | str = False  # False | "auto" | "manual"
    disabled: bool = False
    tags: list[str] = field(default_factory=list)
    card_data: dict = field(default_factory=dict)
    pipeline_tag: str | None = None
    library_name: str | None = None
    sdk: str | None = None  # Spaces
    description: str = ""  # datasets
    downloads: int = 0  # last 30 days
    downloads_all_time: int = 0
    trending_score: int = 0
    likers: list[User] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)  # main, oldest first
    discussions: list[Discussion] = field(default_factory=list)  # index = num - 1
    siblings: list[str] = field(default_factory=list)
    relation: str | None = None  # for derivatives: finetune | quantized | adapter | merge
    bases: list[Repo] = field(default_factory=list)  # parents of a derivative

    @property
    def repo_id(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def sha(self) -> str:
        return self.commits[-1].id

    @property
    def last_modified(self) -> datetime:
        return self.commits[-1].date

    @property
    def likes(self) -> int:
        return len(self.likers)

    def discussion(self, num: int) -> Discussion | None:
        if 1 <= num <= len(self.discussions):
            return self.discussions[num - 1]
        return None


# --- vocabulary ----------------------------------------------------------------------------

_FIRST = (
    "alex ana ben bea carla chen dana dev eli emma finn fatima gus hana ian iris jon jia kai "
    "lena liam mara max nina noah omar olga pat priya quinn rosa sam sofia tom uma vic wen "
    "xavi yara zane zoe"
).split()
_LAST = (
    "smith garcia kim nguyen patel rossi muller silva cohen ivanova okafor tanaka larsen "
    "dubois novak moreau kowalski haddad osei lindqvist"
).split()
_HANDLES = (
    "bartok quantfox gguf-lab lora-smith tinyllm mergewizard hfuser data-nerd neural-nate "
    "ml-ops-mia opensrc-oli token-tess vector-val"
).split()
_UNICODE = ("Zoë Ångström", "李小龙", "Олег Петров", "محمد علي", "Ñandú Núñez")
_MODEL_STEMS = (
    "llm coder vision-encoder speech embed reranker chat instruct math tiny moe guard "
    "translate summarizer tagger ocr diffusion tts"
).split()
_SIZES_B = ("0.5b", "1b", "3b", "7b", "8b", "13b", "34b", "70b")
_DATASET_STEMS = "instructions preferences eval-suite web-crawl code-pairs dialogues".split()
_SPACE_STEMS = "playground leaderboard demo chat-ui arena benchmark-viewer".split()
_PIPELINES = (
    ("text-generation", "transformers"),
    ("feature-extraction", "sentence-transformers"),
    ("image-text-to-text", "transformers"),
    ("automatic-speech-recognition", "transformers"),
    ("text-to-image", "diffusers"),
    ("text-classification", "transformers"),
)
_MODEL_COMMITS = (
    "Upload folder using huggingface_hub",
    "Update README.md",
    "Upload model.safetensors with huggingface_hub",
    "Update config.json",
    "Add chat template",
    "Update generation_config.json",
    "Upload tokenizer",
    "Fix typo in model card",
    "Add evaluation results",
    "Update license",
)
_DATASET_COMMITS = (
    "Upload dataset",
    "Update README.md",
    "Add data/train-00000-of-00001.parquet",
    "Convert dataset to Parquet",
    "Fix schema of the validation split",
)
_SPACE_COMMITS = (
    "Update app.py",
    "Update requirements.txt",
    "Upload folder using huggingface_hub",
    "Bump gradio",
)
_DISCUSSION_TITLES = (
    "How to run this with vLLM?",
    "Error loading the tokenizer",
    "License question for commercial use",
    "Great model, thanks!",
    "Request: GGUF version",
    "Chat template issue",
    "Out of memory on a 24GB GPU",
    "Benchmark results differ from the paper",
    "Fine-tuning guide?",
    "Support for longer context",
)
_PR_TITLES = (
    "Update README.md",
    "Add chat template",
    "Fix typo in config.json",
    "Add evaluation results",
    "Add library_name to metadata",
    "Update generation_config.json",
    "Add safetensors weights",
)
_PHRASES = (
    "Thanks for the release, this works great on my setup.",
    "I get the same error with the latest transformers version.",
    "Could you share the exact prompt format you used?",
    "Fixed in the latest commit, please pull again.",
    "This is expected: the tokenizer needs trust_remote_code.",
    "+1, would love to see this.",
    "We are looking into it.",
    "Closing as resolved, feel free to reopen.",
    "Here are my numbers on the eval set.",
    "LGTM, merging.",
)
_REACTIONS = ("👍", "🔥", "❤️", "🤗", "🚀", "➕")
_QUANT_SUFFIXES = ("GGUF", "AWQ", "GPTQ-Int4", "MLX-4bit", "exl2")


class _Picker:
    """Draws from ``items`` with Zipf-like weights (item i weighs 1 / (i + 1) ** s): a few
    items get most draws, as a few people do most of the work on the Hub."""

    def __init__(self, items: Sequence, s: float = 1.1) -> None:
        self.items = list(items)
        self.cum = list(accumulate(1.0 / (i + 1) ** s for i in range(len(self.items))))

    def __call__(self, rng: random.Random):
        return self.items[bisect_left(self.cum, rng.random() * self.cum[-1])]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span_ms = max(int((end - start).total_seconds() * 1000), 1)
    return start + timedelta(milliseconds=rng.randrange(span_ms))


def _avatar(user_id: str, name: str, rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"/avatars/{hashlib.md5(name.encode()).hexdigest()}.svg"
    return (
        f"https://cdn-avatars.huggingface.co/v1/production/uploads/{user_id}/"
        f"{_digest('avatar', name)[:22]}.png"
    )


class HubWorld:
    """Everything the fake Hub serves. Build one with :meth:`HubWorld.generate`.

    Attributes
    ----------
    org : Org
    users : list[User]
        Members and community users (the deleted user included), plus ``system``.
    repos : list[Repo]
        The organisation's repositories (all types), then the community derivatives.
    clock : callable
        Returns the current UTC datetime; mutations stamp it (strictly increasing).
    revision : int
        Bumped by every mutation.
    lock : threading.RLock
        Held by the server while it reads, and by the mutation helpers.
    """

    def __init__(self, org: Org, users: list[User], system: User, seed: int) -> None:
        self.org = org
        self.users = users
        self.system = system
        self.seed = seed
        self.repos: list[Repo] = []
        self.clock: Callable[[], datetime] = Clock()
        self.revision = 0
        self.lock = threading.RLock()
        self._last_stamp = datetime.min.replace(tzinfo=UTC)
        self._users = {u.name.lower(): u for u in users}
        self._repos: dict[tuple[str, str], Repo] = {}
        # (type, old id) -> the repository, after a rename: the Hub redirects the old name.
        self._renamed: dict[tuple[str, str], Repo] = {}

    # --- look-ups -----------------------------------------------------------------------

    def user(self, name: str) -> User | None:
        """The user with this name (case-insensitive), deleted ones included, or None."""
        return self._users.get(name.lower())

    def repo(self, repo_type: str, repo_id: str) -> Repo | None:
        """The repository ``ns/name`` of this type (case-insensitive), or None."""
        return self._repos.get((repo_type, repo_id.lower()))

    def renamed_from(self, repo_type: str, repo_id: str) -> Repo | None:
        """The repository once called ``repo_id`` (before :meth:`rename_repo`), or None."""
        return self._renamed.get((repo_type, repo_id.lower()))

    def org_repos(self, repo_type: str | None = None) -> list[Repo]:
        """The organisation's repositories (of one type), private ones included."""
        return [
            r
            for r in self.repos
            if r.namespace == self.org.name and (repo_type is None or r.type == repo_type)
        ]

    def derivatives(self, base: Repo | None = None) -> list[Repo]:
        """Community models derived from an organisation model (from ``base`` only)."""
        return [
            r for r in self.repos if r.bases and (base is None or any(b is base for b in r.bases))
        ]

    def children_count(self, model: Repo) -> dict[str, int]:
        """``childrenModelCount``: derivatives of ``model`` per relation."""
        counts = dict.fromkeys(RELATIONS, 0)
        for child in self.derivatives(model):
            counts[child.relation] += 1
        return counts

    def counts(self) -> dict[str, int]:
        """How many of each kind of record the world holds."""
        org = self.org_repos()
        discussions = [d for r in org for d in r.discussions]
        return {
            "models": sum(1 for r in org if r.type == "model"),
            "datasets": sum(1 for r in org if r.type == "dataset"),
            "spaces": sum(1 for r in org if r.type == "space"),
            "members": len(self.org.members),
            "users": sum(1 for u in self.users if not u.member),
            "commits": sum(len(r.commits) for r in org),
            "discussions": sum(1 for d in discussions if not d.is_pull_request),
            "pulls": sum(1 for d in discussions if d.is_pull_request),
            "events": sum(len(d.events) for d in discussions),
            "derivatives": len(self.derivatives()),
            "likes": sum(r.likes for r in org),
        }

    def pages_needed(self, sizes: PageSizes = PageSizes(), *, private: bool = True) -> dict:
        """Requests a complete, careful read of the organisation needs, per route kind.

        One request per page, and a list that is empty still costs its one request:
        ``models``/``datasets``/``spaces`` are the ``author=ORG`` listings;
        ``commits`` the commit pages of every repository; ``discussions`` the discussion
        list pages of every repository; ``discussion`` one details request per discussion
        or pull request; ``derivatives`` one ``filter=base_model:ORG/MODEL`` listing per
        organisation model; ``likers`` the liker pages of every repository; ``members``
        the organisation's member pages. ``private=False`` leaves out private repositories
        (what a token without access sees). The keys match the server's route kinds, and
        ``total`` sums them.
        """

        def pages(n: int, size: int) -> int:
            return max(1, math.ceil(n / size))

        with self.lock:
            repos = [r for r in self.org_repos() if private or not r.private]
            need = {
                t + "s": pages(sum(1 for r in repos if r.type == t), sizes.listing)
                for t in REPO_TYPES
            }
            need["commits"] = sum(pages(len(r.commits), sizes.commits) for r in repos)
            need["discussions"] = sum(pages(len(r.discussions), sizes.discussions) for r in repos)
            need["discussion"] = sum(len(r.discussions) for r in repos)
            need["derivatives"] = sum(
                pages(len(self.derivatives(r)), sizes.listing) for r in repos if r.type == "model"
            )
            need["likers"] = sum(pages(r.likes, sizes.likers) for r in repos)
            need["members"] = pages(len(self.org.members), sizes.members)
            need["total"] = sum(need.values())
            return need

    # --- mutations ----------------------------------------------------------------------

    def add_user(self, name: str, fullname: str | None = None, *, member: bool = False) -> User:
        """A new user (an organisation member when ``member``)."""
        with self.lock:
            if name.lower() in self._users:
                raise ValueError(f"user {name!r} exists")
            now = self._stamp()
            uid = object_id(now, "user", name)
            user = User(
                id=uid,
                name=name,
                fullname=fullname or name,
                avatar_url=f"/avatars/{hashlib.md5(name.encode()).hexdigest()}.svg",
                created_at=now,
                member=member,
                role="read" if member else None,
            )
            self.users.append(user)
            self._users[name.lower()] = user
            if member:
                self.org.members.append(user)
            self.revision += 1
            return user

    def rename_repo(self, repo_id: str, new_name: str, *, repo_type: str = "model") -> Repo:
        """Rename a repository within its namespace; the old id keeps answering, with a
        307 redirect to the new one (as the Hub does)."""
        with self.lock:
            repo = self._repo(repo_type, repo_id)
            old = (repo_type, repo.repo_id.lower())
            del self._repos[old]
            repo.name = new_name
            self._repos[(repo_type, repo.repo_id.lower())] = repo
            self._renamed[old] = repo
            self.revision += 1
            return repo

    def add_commit(
        self, repo_id: str, user: str, title: str, *, repo_type: str = "model", message: str = ""
    ) -> Commit:
        """Push a commit on ``main``: moves the repository's ``sha`` and ``lastModified``."""
        with self.lock:
            repo = self._repo(repo_type, repo_id)
            now = self._stamp()
            commit = Commit(
                id=_digest("added-commit", repo.repo_id, len(repo.commits), title, iso(now)),
                title=title,
                message=message,
                date=now,
                authors=[self._user(user)],
            )
            repo.commits.append(commit)
            self.revision += 1
            return commit

    def add_discussion(
        self,
        repo_id: str,
        user: str,
        title: str,
        *,
        text: str = "",
        pull_request: bool = False,
        repo_type: str = "model",
    ) -> Discussion:
        """Open a discussion (or a pull request, in ``draft`` as the API opens them)."""
        with self.lock:
            repo = self._repo(repo_type, repo_id)
            author = self._user(user)
            now = self._stamp()
            d = Discussion(
                num=len(repo.discussions) + 1,
                repo=repo,
                title=title,
                author=author,
                created_at=now,
                is_pull_request=pull_request,
                status="draft" if pull_request else "open",
            )
            d.events.append(_comment(d, author, now, text or title, len(d.events)))
            if pull_request:
                d.diff = _diff(title)
            repo.discussions.append(d)
            self.revision += 1
            return d

    def add_comment(
        self, repo_id: str, num: int, user: str, text: str, *, repo_type: str = "model"
    ) -> Event:
        """Comment on discussion or pull request ``repo_id#num``."""
        with self.lock:
            repo = self._repo(repo_type, repo_id)
            d = repo.discussion(num)
            if d is None:
                raise KeyError(f"no discussion {repo_id}#{num}")
            event = _comment(d, self._user(user), self._stamp(), text, len(d.events))
            d.events.append(event)
            self.revision += 1
            return event

    def add_derivative(
        self,
        base_id: str,
        user: str,
        *,
        relation: str = "finetune",
        name: str | None = None,
    ) -> Repo:
        """A community model in ``user``'s namespace derived from ``base_id``."""
        if relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}")
        with self.lock:
            base = self._repo("model", base_id)
            owner = self._user(user)
            now = self._stamp()
            child = _derivative_repo(
                owner, [base], relation, name or f"{base.name}-{relation}", now, declare=True
            )
            init = _digest("init", child.repo_id, iso(now))
            child.commits.append(Commit(init, "initial commit", "", now, [self.system]))
            self._register(child)
            self.revision += 1
            return child

    def _stamp(self) -> datetime:
        # Mutations are strictly ordered even under a frozen clock, so "newest first"
        # never ties.
        now = max(self.clock(), self._last_stamp + timedelta(milliseconds=1))
        self._last_stamp = now
        return now

    def _user(self, name: str) -> User:
        user = self.user(name)
        if user is None:
            raise KeyError(f"no user {name!r}")
        return user

    def _repo(self, repo_type: str, repo_id: str) -> Repo:
        repo = self.repo(repo_type, repo_id)
        if repo is None:
            raise KeyError(f"no {repo_type} {repo_id!r}")
        return repo

    def _register(self, repo: Repo) -> None:
        key = (repo.type, repo.repo_id.lower())
        if key in self._repos:
            raise ValueError(f"{repo.type} {repo.repo_id} exists")
        self.repos.append(repo)
        self._repos[key] = repo

    # --- generation ---------------------------------------------------------------------

    @classmethod
    def generate(
        cls,
        seed: int = 1,
        org: str = "acme-ai",
        models: int = 50,
        datasets: int = 15,
        spaces: int = 10,
        discussions: int = 2000,
        derivatives: int = 300,
        members: int = 25,
        users: int = 400,
    ) -> HubWorld:
        """A deterministic world: the same arguments always give the same world.

        Examples
        --------
        >>> w = HubWorld.generate(seed=1, **SIZES["small"])
        >>> w.counts()["models"], w.counts()["derivatives"]
        (12, 40)
        >>> HubWorld.generate(seed=1, **SIZES["small"]).counts() == w.counts()
        True
        """
        if models < 3:
            raise ValueError("models >= 3 (a flagship, a gated and a private model)")
        if members < 1:
            raise ValueError("members >= 1")
        rng = random.Random(seed)
        now = FIXED_NOW
        org_created = datetime(2022, 5, 1, 9, 0, tzinfo=UTC)
        the_org = Org(
            id=object_id(org_created, "org", org),
            name=org,
            fullname=org.replace("-", " ").title(),
            avatar_url=(
                f"https://cdn-avatars.huggingface.co/v1/production/uploads/"
                f"{_digest('org-avatar', org)[:24]}/{_digest('org', org)[:22]}.png"
            ),
            created_at=org_created,
        )
        system_at = CREATION_FLOOR
        system = User(
            id=object_id(system_at, "user", "system"),
            name="system",
            fullname="system",
            avatar_url="/avatars/system.svg",
            created_at=system_at,
        )
        people = _people(rng, org, members, users, now)
        world = cls(the_org, people, system, seed)
        the_org.members = [u for u in people if u.member]
        world._generate_repos(rng, models, datasets, spaces, now)
        world._generate_discussions(rng, discussions, now)
        world._generate_derivatives(rng, derivatives, now)
        return world

    def _pools(self) -> tuple[_Picker, _Picker, list[User]]:
        living = [u for u in self.users if not u.deleted]
        members = [u for u in living if u.member]
        community = [u for u in living if not u.member]
        return _Picker(members), _Picker(community or members), living

    def _generate_repos(
        self, rng: random.Random, models: int, datasets: int, spaces: int, now: datetime
    ) -> None:
        member, community, living = self._pools()
        counts = {"model": models, "dataset": datasets, "space": spaces}
        for repo_type in REPO_TYPES:
            names: set[str] = set()
            for i in range(counts[repo_type]):
                name = _repo_name(rng, repo_type, names)
                created = _between(rng, self.org.created_at, now - timedelta(days=30))
                repo = Repo(
                    id=object_id(created, repo_type, self.org.name, name),
                    type=repo_type,
                    namespace=self.org.name,
                    name=name,
                    created_at=created,
                )
                _decorate(rng, repo, i)
                if repo_type == "model" and i == 1:
                    repo.gated = "manual"
                    repo.card_data["extra_gated_prompt"] = "You agree to the acme-ai license."
                if (repo_type == "model" and i == 2) or (repo_type == "dataset" and i == 1):
                    repo.private = True
                # The flagship has hundreds of commits (several pages); the rest are
                # heavy-tailed.
                n = 240 if i == 0 and repo_type == "model" else _tail(rng, 2, 1.3, 150)
                repo.commits = _history(rng, repo, n, member, community, self.system, now)
                pool = len(living)
                likes = pool if (i == 0 and repo_type == "model") else _tail(rng, 0, 1.0, pool)
                repo.likers = rng.sample(living, min(likes, pool))
                repo.downloads_all_time = _tail(rng, 10, 0.8, 5_000_000)
                repo.downloads = int(repo.downloads_all_time * rng.uniform(0.02, 0.3))
                repo.trending_score = _tail(rng, 0, 1.5, 200)
                self._register(repo)

    def _generate_discussions(self, rng: random.Random, total: int, now: datetime) -> None:
        member, community, living = self._pools()
        deleted = [u for u in self.users if u.deleted]
        repos = self.org_repos()
        # The flagship draws about a third of all threads; the rest follow a Zipf tail.
        tail = sum(1.0 / i for i in range(1, len(repos)))
        weights = [tail / 2 if i == 0 else 1.0 / i for i in range(len(repos))]
        cum = list(accumulate(weights))
        for _ in range(total):
            repo = repos[bisect_left(cum, rng.random() * cum[-1])]
            roll = rng.random()
            if deleted and roll < 0.02:
                author = deleted[0]
            elif roll < 0.3:
                author = member(rng)
            else:
                author = community(rng)
            is_pr = rng.random() < 0.4 and not author.deleted
            created = _between(rng, repo.created_at + timedelta(days=1), now - timedelta(hours=2))
            d = Discussion(
                num=len(repo.discussions) + 1,
                repo=repo,
                title=rng.choice(_PR_TITLES if is_pr else _DISCUSSION_TITLES),
                author=author,
                created_at=created,
                is_pull_request=is_pr,
                status="open",
                pinned=rng.random() < 0.01,
            )
            repo.discussions.append(d)
            _thread(rng, self, d, member, community, deleted, now)
        for repo in repos:
            repo.commits.sort(key=lambda c: c.date)

    def _generate_derivatives(self, rng: random.Random, total: int, now: datetime) -> None:
        member, community, _ = self._pools()
        bases = [r for r in self.org_repos("model") if not r.private]
        base_pick = _Picker(bases, s=1.2)
        taken: set[str] = set()
        for _ in range(total):
            relation = rng.choices(RELATIONS, weights=(35, 40, 15, 10))[0]
            owner = member(rng) if rng.random() < 0.05 else community(rng)
            parents = [base_pick(rng)]
            if relation == "merge":
                other = rng.choice(bases)
                if other is not parents[0]:
                    parents.append(other)
            base = parents[0]
            suffix = {
                "quantized": rng.choice(_QUANT_SUFFIXES),
                "adapter": f"lora-{rng.choice(_DATASET_STEMS)}",
                "finetune": f"ft-{rng.choice(_DATASET_STEMS)}",
                "merge": f"merge-{rng.choice(_MODEL_STEMS)}",
            }[relation]
            name = f"{base.name}-{suffix}"
            while f"{owner.name}/{name}".lower() in taken:
                name = f"{name}-v{rng.randint(2, 9)}"
            taken.add(f"{owner.name}/{name}".lower())
            created = _between(rng, max(p.created_at for p in parents), now - timedelta(days=1))
            child = _derivative_repo(
                owner, parents, relation, name, created, declare=rng.random() < 0.5
            )
            child.commits = [
                Commit(_digest("init", child.repo_id), "initial commit", "", created, [self.system])
            ]
            when = created
            for k in range(rng.randint(1, 4)):
                when = _between(rng, when, min(when + timedelta(days=20), now))
                title = rng.choice(_MODEL_COMMITS)
                child.commits.append(
                    Commit(_digest("c", child.repo_id, k), title, "", when, [owner])
                )
            child.downloads_all_time = _tail(rng, 0, 0.7, 2_000_000)
            child.downloads = int(child.downloads_all_time * rng.uniform(0.05, 0.5))
            child.likers = rng.sample(
                [u for u in self.users if not u.deleted], min(_tail(rng, 0, 1.2, 40), 40)
            )
            self._register(child)


# --- generation helpers --------------------------------------------------------------------


def _tail(rng: random.Random, low: int, alpha: float, cap: int) -> int:
    """A Pareto draw shifted to ``low`` and capped: most values small, a few large."""
    return min(cap, low + int(rng.paretovariate(alpha)) - 1)


def _people(rng: random.Random, org: str, members: int, users: int, now: datetime) -> list[User]:
    taken: set[str] = {"system", org.lower()}
    people: list[User] = []

    def unique(base: str) -> str:
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}{n}"
        taken.add(name.lower())
        return name

    for i in range(members + users):
        is_member = i < members
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        style = rng.random()
        if is_member or style < 0.4:
            name = unique(f"{first}-{last}" if style < 0.7 else f"{first}{last[0]}")
        elif style < 0.7:
            name = unique(f"{rng.choice(_HANDLES)}")
        else:
            name = unique(f"{first.capitalize()}{last.capitalize()}{rng.randint(1, 99)}")
        fullname = (
            rng.choice(_UNICODE) if rng.random() < 0.05 else f"{first.title()} {last.title()}"
        )
        created = _between(rng, datetime(2021, 1, 1, tzinfo=UTC), now - timedelta(days=60))
        uid = object_id(created, "user", name)
        has_github = rng.random() < (0.7 if is_member else 0.3)
        people.append(
            User(
                id=uid,
                name=name,
                fullname=fullname,
                avatar_url=_avatar(uid, name, rng),
                created_at=created,
                is_pro=rng.random() < 0.1,
                member=is_member,
                role=("admin" if i == 0 else rng.choice(("write", "read"))) if is_member else None,
                github=(name if rng.random() < 0.6 else f"{first}{last}") if has_github else None,
                details="" if rng.random() < 0.6 else f"Working on {rng.choice(_MODEL_STEMS)}.",
                followers=_tail(rng, 0, 1.0, 5000),
                following=_tail(rng, 0, 1.5, 300),
                papers=_tail(rng, 0, 2.0, 30),
                upvotes=_tail(rng, 0, 1.2, 500),
            )
        )
    # One community user deleted their account: their threads lose the "author" key.
    gone = people[-1]
    gone.deleted = True
    gone.github = None
    return people


def _repo_name(rng: random.Random, repo_type: str, taken: set[str]) -> str:
    for attempt in range(10_000):
        if repo_type == "model":
            name = f"acme-{rng.choice(_MODEL_STEMS)}-{rng.choice(_SIZES_B)}"
            if rng.random() < 0.3:
                name += rng.choice(("-instruct", "-base", "-v2", "-preview"))
        elif repo_type == "dataset":
            name = f"{rng.choice(_DATASET_STEMS)}-{rng.randint(2023, 2026)}"
        else:
            name = f"{rng.choice(_MODEL_STEMS)}-{rng.choice(_SPACE_STEMS)}"
        if attempt > 20:  # the vocabulary is used up: number the names
            name = f"{name}-{attempt}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("no free repository name")


def _decorate(rng: random.Random, repo: Repo, index: int) -> None:
    license_ = rng.choice(("apache-2.0", "mit", "other"))
    if repo.type == "model":
        pipeline, library = _PIPELINES[index % len(_PIPELINES)]
        repo.pipeline_tag, repo.library_name = pipeline, library
        repo.tags = [library, "safetensors", pipeline, "en", f"license:{license_}"]
        repo.tags += ["endpoints_compatible", "region:us"]
        repo.card_data = {"license": license_, "language": ["en"], "pipeline_tag": pipeline}
        repo.card_data["library_name"] = library
        repo.siblings = [".gitattributes", "README.md", "config.json", "model.safetensors"]
    elif repo.type == "dataset":
        repo.tags = ["task_categories:text-generation", "language:en", f"license:{license_}"]
        repo.tags += ["size_categories:10K<n<100K", "format:parquet", "region:us"]
        repo.card_data = {"license": license_, "language": ["en"]}
        repo.description = f"{repo.name.replace('-', ' ').capitalize()} by the acme-ai team."
        repo.siblings = [".gitattributes", "README.md", "data/train-00000-of-00001.parquet"]
    else:
        repo.sdk = rng.choice(("gradio", "streamlit", "docker"))
        repo.tags = [repo.sdk, "region:us"]
        repo.card_data = {"title": repo.name, "sdk": repo.sdk, "license": license_}
        repo.siblings = [".gitattributes", "README.md", "app.py", "requirements.txt"]


def _history(
    rng: random.Random,
    repo: Repo,
    n: int,
    member: _Picker,
    community: _Picker,
    system: User,
    now: datetime,
) -> list[Commit]:
    titles = {"model": _MODEL_COMMITS, "dataset": _DATASET_COMMITS, "space": _SPACE_COMMITS}
    commits = [
        Commit(_digest("init", repo.repo_id), "initial commit", "", repo.created_at, [system])
    ]
    span = (now - timedelta(days=1) - repo.created_at) / max(n, 1)
    for k in range(1, n):
        when = repo.created_at + span * k + timedelta(seconds=rng.randrange(3600))
        authors = [member(rng) if rng.random() < 0.9 else community(rng)]
        if rng.random() < 0.05:  # co-authored
            extra = member(rng)
            if extra is not authors[0]:
                authors.append(extra)
        title = rng.choice(titles[repo.type])
        message = "" if rng.random() < 0.7 else f"{title}\n\nSee the model card for details."
        commits.append(Commit(_digest("c", repo.repo_id, k), title, message, when, authors))
    return commits


def _comment(d: Discussion, author: User, when: datetime, text: str, seq: int) -> Event:
    return Event(
        id=object_id(when, "event", d.repo.repo_id, d.num, seq),
        type="comment",
        created_at=when,
        author=author,
        data={
            "raw": text,
            "edited": False,
            "hidden": False,
            "edits": 0,
            "editors": [author],
            "updated_at": when,
            "editor": author,
            "reactions": {},
        },
    )


def _diff(title: str) -> str:
    return (
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n"
        f"@@ -1,3 +1,4 @@\n ---\n license: apache-2.0\n+# {title}\n ---\n"
    )


def _thread(
    rng: random.Random,
    world: HubWorld,
    d: Discussion,
    member: _Picker,
    community: _Picker,
    deleted: list[User],
    now: datetime,
) -> None:
    """Fill ``d`` with events, oldest first, and settle its final status."""
    end = min(d.created_at + timedelta(days=60), now - timedelta(hours=1))
    when = d.created_at

    def later() -> datetime:
        nonlocal when
        when = _between(rng, when, max(end, when + timedelta(seconds=2)))
        return when

    opening = f"{rng.choice(_PHRASES)}\n\n{d.title} on {d.repo.name}."
    d.events.append(_comment(d, d.author, d.created_at, opening, 0))
    if d.is_pull_request:
        d.diff = _diff(d.title)
        for k in range(rng.randint(1, 3)):
            at = later()
            pusher = d.author if rng.random() < 0.8 or k == 0 else member(rng)
            commit = Commit(_digest("pr", d.repo.repo_id, d.num, k), d.title, "", at, [pusher])
            d.pr_commits.append(commit)
            d.events.append(
                Event(
                    id=object_id(at, "event", d.repo.repo_id, d.num, len(d.events)),
                    type="commit",
                    created_at=at,
                    author=pusher,
                    data={"subject": commit.title, "oid": commit.id},
                )
            )
    for _ in range(min(int(rng.expovariate(0.5)), 25)):
        roll = rng.random()
        if deleted and roll < 0.03:
            who = deleted[0]
        elif roll < 0.45:
            who = member(rng)
        elif roll < 0.65:
            who = d.author if not d.author.deleted else community(rng)
        else:
            who = community(rng)
        at = later()
        event = _comment(d, who, at, rng.choice(_PHRASES), len(d.events))
        if rng.random() < 0.1:  # edited, sometimes by a member (moderation)
            editor = who if rng.random() < 0.8 else member(rng)
            event.data.update(
                edited=True,
                edits=rng.randint(1, 3),
                updated_at=at + timedelta(minutes=rng.randint(1, 600)),
                editor=editor,
                editors=[who] if editor is who else [who, editor],
            )
            event.data["raw"] += " (edited)"
        if rng.random() < 0.02:
            event.data.update(hidden=True, hidden_by=member(rng))
        if rng.random() < 0.15:
            emoji = rng.choice(_REACTIONS)
            fans = rng.sample(world.org.members, min(len(world.org.members), rng.randint(1, 3)))
            event.data["reactions"] = {emoji: fans}
        d.events.append(event)
    if rng.random() < 0.05:
        at = later()
        new = f"{d.title} (updated)"
        who = d.author if not d.author.deleted and rng.random() < 0.5 else member(rng)
        d.events.append(
            Event(
                object_id(at, "event", d.repo.repo_id, d.num, len(d.events)),
                "title-change",
                at,
                who,
                {"from": d.title, "to": new},
            )
        )
        d.title = new
    roll = rng.random()
    if d.is_pull_request:
        status = (
            "draft"
            if roll < 0.05
            else "open"
            if roll < 0.40
            else "merged"
            if roll < 0.75
            else "closed"
        )
    else:
        status = "open" if roll < 0.55 else "closed"
    if status in ("closed", "merged"):
        at = later()
        who = member(rng) if status == "merged" or rng.random() < 0.7 else d.author
        if who.deleted:
            who = member(rng)
        d.events.append(
            Event(
                object_id(at, "event", d.repo.repo_id, d.num, len(d.events)),
                "status-change",
                at,
                who,
                {"status": status},
            )
        )
        if status == "merged":
            # The Hub squashes a merged PR into one commit on main titled "TITLE (#N)",
            # authored by the PR's authors; its oid is the PR's mergeCommitId.
            authors: list[User] = []
            for c in d.pr_commits:
                for a in c.authors:
                    if a not in authors:
                        authors.append(a)
            merge = Commit(
                _digest("merge", d.repo.repo_id, d.num), f"{d.title} (#{d.num})", "", at, authors
            )
            d.repo.commits.append(merge)
            d.merge_commit_id = merge.id
    d.status = status


def _derivative_repo(
    owner: User, parents: list[Repo], relation: str, name: str, created: datetime, declare: bool
) -> Repo:
    """A community model whose tags carry the Hub's ``base_model:`` tags for each parent."""
    base = parents[0]
    library = {
        "quantized": "gguf",
        "adapter": "peft",
        "merge": "transformers",
        "finetune": base.library_name or "transformers",
    }[relation]
    tags = [library, base.pipeline_tag or "text-generation"]
    for p in parents:
        tags.append(f"base_model:{p.repo_id}")
    for p in parents:
        tags.append(f"base_model:{relation}:{p.repo_id}")
    tags += ["endpoints_compatible", "region:us"]
    if relation == "merge":
        tags.insert(1, "merge")
    card: dict = {
        "base_model": base.repo_id if len(parents) == 1 else [p.repo_id for p in parents],
        "library_name": library,
        "license": base.card_data.get("license", "apache-2.0"),
    }
    # The relation is optional in the card: the Hub infers it when it is absent.
    if declare:
        card["base_model_relation"] = relation
    return Repo(
        id=object_id(created, "model", owner.name, name),
        type="model",
        namespace=owner.name,
        name=name,
        created_at=created,
        tags=tags,
        card_data=card,
        pipeline_tag=base.pipeline_tag,
        library_name=library,
        siblings=[".gitattributes", "README.md"],
        relation=relation,
        bases=list(parents),
    )
