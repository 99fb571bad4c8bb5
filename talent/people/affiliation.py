"""Which company the data belongs to, when no settings file says so, and what kind of
project it is.

Affiliation needs a company: its email domains, GitHub organisations and the names people
write in their profiles. A settings file (``[company]`` in ``talent.toml``) names it; a
source may record it in the store (the demo world does); a person may choose one of the
organisations seen as "mine" (the app, ``talent company --mine``), kept in the store. When
none of these does, the organisations are read from the data (:func:`build_organisations`):

- **work email domains**: a domain that is no public mail provider, university or
  placeholder, and that at least two people use (a domain only one person uses is their
  own mailbox). Domains that the same people used in turn (a company renamed:
  ``grid.ai`` then ``lightning.ai``) are one organisation;
- **organisation membership**: the public members of a mined GitHub organisation
  (``org_members``) and the members of a Hub organisation (``account_members``).

Each organisation's share of the work is the share of all commits (all acts when the data
has none) made from its addresses or by its members. The project is then
(:func:`judge_project`):

- ``"community"`` when organisations together hold little of the work;
- ``"single"`` when one organisation holds most of the company-addressed work (or names
  the owner of the mined repositories and leads it): that organisation is the company;
- ``"multi"`` when several hold a large share (a foundation's project): no company is
  picked, nobody is called an employee until a person chooses "mine".

Settings always win over a choice, and a choice over inference.

Functions here are pure (frames in, :class:`CompanyInference` out); the store-level
entry points are :func:`talent.people.identity.infer_company` and
:func:`talent.people.identity.ensure_people`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from talent.config import Settings
from talent.lazy import LazyModule
from talent.people.activity import ActivityDigest

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")

__all__ = [
    "CompanyInference",
    "Organisation",
    "build_organisations",
    "choose_company",
    "company_from_settings",
    "company_warning",
    "describe_company",
    "employment_text",
    "infer_company_from",
    "judge_project",
    "is_public_mail_domain",
    "public_mail_domains",
    "registrable_domain",
]

SOURCES = ("settings", "chosen", "inferred", "none")

# Top-level names that are no public internet domain: machine names git made up
# (``me@laptop.local``) and names reserved for examples and tests (RFC 2606, RFC 6761).
_PRIVATE_TLDS = frozenset(
    {"local", "lan", "localdomain", "localhost", "internal", "home", "example", "test", "invalid"}
)
# Second-level labels under a country code that are a registry's, not an owner's
# (``co.uk``, ``com.cn``): the owner is one label further left.
_REGISTRY_SLDS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "ne", "or", "go"})


@cache
def public_mail_domains() -> tuple[frozenset[str], frozenset[str]]:
    """The shipped list of mail domains that say nothing about an employer, as
    ``(domains, names)``: exact domains (subdomains included) and names under any
    top-level domain (``hotmail.*``). Read once, on first use."""
    text = (Path(__file__).parents[1] / "data" / "free_mail_domains.txt").read_text("utf-8")
    domains, names = set(), set()
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip().lower()
        if not entry:
            continue
        if entry.endswith(".*"):
            names.add(entry[:-2])
        else:
            domains.add(entry)
    return frozenset(domains), frozenset(names)


def registrable_domain(domain: str) -> str:
    """The part of a domain its owner registered (``us.ibm.com`` -> ``ibm.com``).

    A heuristic without the public suffix list: two labels, or three under a country
    code's registry label (``co.uk``, ``com.cn``).

    >>> registrable_domain("us.ibm.com"), registrable_domain("Research.Acme.co.uk")
    ('ibm.com', 'acme.co.uk')
    >>> registrable_domain("lightning.ai")
    'lightning.ai'
    """
    labels = domain.strip().strip(".").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _REGISTRY_SLDS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


# Universities outside .edu and .ac.*: "uni-heidelberg.de", "univ-lyon1.fr", "tu-berlin.de",
# "fh-aachen.de", "polytechnique.edu"; the name of the domain, in words.
_ACADEMIC = re.compile(
    r"(?:^|-)(?:uni|univ|tu|th|fh|hs|hochschule)(?:-|$)|^univ-|universit|universid|college|polytechn"
)


def is_public_mail_domain(domain: str) -> bool:
    """True when an address at ``domain`` says nothing about an employer: a public mail
    provider or forwarder from the shipped list, a university (``*.edu``, ``*.edu.*``,
    ``*.ac.*``), or no public domain at all (a machine name, a placeholder).

    >>> [is_public_mail_domain(d) for d in ("gmail.com", "hotmail.co.uk", "vip.qq.com")]
    [True, True, True]
    >>> [is_public_mail_domain(d) for d in ("cs.mit.edu", "ox.ac.uk", "tsinghua.edu.cn")]
    [True, True, True]
    >>> [is_public_mail_domain(d) for d in ("uni-heidelberg.de", "univ-lyon1.fr", "ethz.ch")]
    [True, True, True]
    >>> [is_public_mail_domain(d) for d in ("unity3d.com", "tumblr.com", "universal-ai.com")]
    [False, False, False]
    >>> [is_public_mail_domain(d) for d in ("my-laptop.local", "localhost", "lightning.ai")]
    [True, True, False]
    """
    labels = (domain or "").strip().strip(".").lower().split(".")
    if len(labels) < 2 or not all(labels) or labels[-1] in _PRIVATE_TLDS:
        return True
    if labels[-1] == "edu" or "edu" in labels[-3:-1] or "ac" in labels[-3:-1]:
        return True
    if _ACADEMIC.search(registrable_domain(domain).split(".")[0]):
        return True
    exact, names = public_mail_domains()
    for start in range(len(labels) - 1):
        if ".".join(labels[start:]) in exact:
            return True
    # ``hotmail.*``: the name, then a top-level domain (``hotmail.com``, ``hotmail.co.uk``).
    owner = registrable_domain(domain).split(".")[0]
    return owner in names


@dataclass(frozen=True)
class Organisation:
    """An organisation seen in the data.

    Attributes
    ----------
    name:
        Its main email domain (the one most of its people used), else its organisation.
    domains, orgs:
        Its work email domains and its GitHub (``acme``) or Hub (``hf:acme``)
        organisations.
    people:
        How many people used its domains or are its members.
    share_of_work:
        The share of all commits (all acts when there are no commits) made from its
        addresses or by its members, between 0 and 1.
    """

    name: str
    domains: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    people: int = 0
    share_of_work: float = 0.0

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "domains": list(self.domains),
            "orgs": list(self.orgs),
            "people": self.people,
            "share_of_work": round(self.share_of_work, 4),
        }


KINDS = ("single", "multi", "community")


@dataclass(frozen=True)
class CompanyInference:
    """The company whose people are employees, where that knowledge came from, and the
    organisations the data shows.

    Attributes
    ----------
    domains, orgs, names:
        The company's email domains, GitHub organisations and profile names.
    evidence:
        One sentence on why (empty when nothing is known).
    people:
        How many people the inference rests on (people on the domains and members of
        the organisations); 0 for settings.
    source:
        ``"settings"`` (a settings file, or a source's record in the store),
        ``"chosen"`` (a person chose one of the organisations as theirs),
        ``"inferred"`` (from the data) or ``"none"``.
    kind:
        ``"single"``, ``"multi"`` or ``"community"`` (:func:`judge_project`).
    organisations:
        The organisations seen, most work first.
    candidates:
        When nothing was inferred: the organisations seen, as ``(domains, people)``,
        most work first, for the warning to name.
    core:
        How many people were looked at (non-bot people with work).
    """

    domains: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    evidence: str = ""
    people: int = 0
    source: str = "none"
    candidates: tuple[tuple[str, int], ...] = ()
    core: int = 0
    kind: str = "community"
    organisations: tuple[Organisation, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.domains or self.orgs or self.names)

    @property
    def inferred(self) -> tuple[str, ...]:
        """The domains (and organisations) picked from the data; () unless inferred."""
        return (*self.domains, *self.orgs) if self.source == "inferred" else ()

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with this company's domains, orgs and names."""
        return replace(
            settings, company_domains=self.domains, company_orgs=self.orgs, company_names=self.names
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CompanyInference:
        data = json.loads(text)
        data["candidates"] = tuple((str(d), int(n)) for d, n in data.get("candidates", ()))
        for key in ("domains", "orgs", "names"):
            data[key] = tuple(data.get(key, ()))
        data["organisations"] = tuple(
            Organisation(
                name=str(o["name"]),
                domains=tuple(o.get("domains", ())),
                orgs=tuple(o.get("orgs", ())),
                people=int(o.get("people", 0)),
                share_of_work=float(o.get("share_of_work", 0.0)),
            )
            for o in data.get("organisations", ())
        )
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def report(self) -> dict:
        """What ``talent company --format json`` prints: the kind of project, the
        domains inferred ([] unless inferred), the company in use and its source, and
        the organisations seen.

        >>> CompanyInference(kind="multi").report()["kind"]
        'multi'
        """
        return {
            "kind": self.kind,
            "inferred": list(self.inferred),
            "source": self.source,
            "company": {"domains": list(self.domains), "orgs": list(self.orgs)},
            "organisations": [o.as_dict() for o in self.organisations],
        }


def company_from_settings(settings: Settings, evidence: str = "") -> CompanyInference:
    """The company the settings name (``source="settings"``), or ``source="none"``.

    >>> company_from_settings(Settings(company_domains=("acme-ai.com",))).source
    'settings'
    >>> company_from_settings(Settings()).source
    'none'
    """
    company = CompanyInference(
        domains=tuple(settings.company_domains),
        orgs=tuple(settings.company_orgs),
        names=tuple(settings.company_names),
        evidence=evidence or "named in the settings",
        source="settings",
    )
    return company if company.known else CompanyInference()


def _owner_words(owner: str) -> tuple[set[str], str]:
    folded = re.sub(r"[^a-z0-9]+", " ", owner.lower()).split()
    return set(folded), "".join(folded)


def _names_owner(domains: list[str] | tuple[str, ...], owners: list[str]) -> str | None:
    """The first owner (org or repository owner) that one of ``domains`` names."""
    for owner in owners:
        words, joined = _owner_words(owner)
        for domain in domains:
            stem = registrable_domain(domain).split(".")[0]
            if len(stem) >= 3 and (stem in words or stem == joined):
                return owner
    return None


def build_organisations(
    people: pd.DataFrame,
    links: pd.DataFrame,
    identities: pd.DataFrame,
    activities: pd.DataFrame | ActivityDigest,
    *,
    org_members: pd.DataFrame | None = None,
    account_members: pd.DataFrame | None = None,
    min_people: int = 2,
    same_people: float = 1 / 3,
    ended_after_days: int = 180,
) -> list[Organisation]:
    """The organisations the data shows, most work first.

    Parameters
    ----------
    people, links, identities, activities:
        Frames with the columns of the store's tables (``people`` needs ``person_id``
        and ``is_bot``); bots are left out. ``activities`` may be their
        :class:`talent.people.activity.ActivityDigest`.
    org_members, account_members:
        Members of mined GitHub organisations (``org``, ``github_id``) and of Hub
        organisations (``org`` ``hf:NAME``, ``identity_key``).
    min_people:
        A work domain used by fewer people is their own mailbox, not an organisation.
    same_people, ended_after_days:
        Two domains are one organisation when they were used in turn (a company renamed
        or bought): the older one's last use is more than ``ended_after_days`` before the
        latest work in the data, and of its people active in its last year at least two,
        and at least ``same_people`` of them, went on with the newer one. People changing
        jobs from a company that goes on do not join two companies.

    Returns
    -------
    list of Organisation

    Examples
    --------
    >>> ids = pd.DataFrame({"key": list("abcd"), "github_id": [None] * 4,
    ...     "email": ["a@orbit.dev", "b@orbit.dev", "c@gmail.com", "d@solo.io"]})
    >>> links = pd.DataFrame({"identity_key": list("abcd"), "person_id": list("ABCD")})
    >>> people = pd.DataFrame({"person_id": list("ABCD"), "is_bot": [False] * 4})
    >>> acts = pd.DataFrame({"actor": list("abcd"), "kind": ["commit"] * 4,
    ...     "occurred_at": pd.to_datetime(["2024-01-02"] * 4)})
    >>> build_organisations(people, links, ids, acts)
    [Organisation(name='orbit.dev', domains=('orbit.dev',), orgs=(), people=2, share_of_work=0.5)]
    """
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"]) if len(people) else set()
    work = ActivityDigest.of(activities).work()
    per_key = work["n"]
    nobody = bots | {None}
    total = sum(n for k, n in per_key.items() if person_of.get(k) not in nobody)
    if not total:
        return []

    domain_of: dict[str, str] = {}  # identity key -> registrable work domain
    used: dict[str, set[str]] = {}  # work domain -> people who used it
    for key, email in zip(identities["key"], identities["email"].fillna(""), strict=True):
        person = person_of.get(key)
        domain = str(email).lower().rpartition("@")[2]
        if person is None or person in bots or "@" not in str(email):
            continue
        if is_public_mail_domain(domain):
            continue
        domain_of[key] = registrable_domain(domain)
        used.setdefault(domain_of[key], set()).add(person)
    kept = sorted(
        (d for d, who in used.items() if len(who) >= min_people), key=lambda d: (-len(used[d]), d)
    )

    # Domains used in turn by the same people are one organisation (a company renamed or
    # bought): the older one fell out of use, and of its people active in its last year,
    # at least two, and ``same_people`` of them, went on with the newer one.
    spans: dict[tuple[str, str], tuple[pd.Timestamp, pd.Timestamp]] = {}
    if len(work):
        first_of, last_of = work["first"].to_dict(), work["last"].to_dict()
        for key, domain in domain_of.items():
            if key in first_of and domain in kept:
                first, last = first_of[key], last_of[key]
                pair = (person_of[key], domain)
                seen = spans.get(pair, (first, last))
                spans[pair] = (min(seen[0], first), max(seen[1], last))
    last_use: dict[str, pd.Timestamp] = {}
    for (_, domain), (_, last) in spans.items():
        last_use[domain] = max(last, last_use.get(domain, last))
    end = work["last"].max() if len(work) else None
    parent = {d: d for d in kept}

    def root(domain: str) -> str:
        while parent[domain] != domain:
            domain = parent[domain]
        return domain

    for old in kept:
        if old not in last_use or last_use[old] + pd.Timedelta(days=ended_after_days) >= end:
            continue
        recent = {
            p
            for p in used[old]
            if (p, old) in spans and spans[(p, old)][1] >= last_use[old] - pd.Timedelta(days=365)
        }
        for new in kept:
            if new == old or last_use.get(new, last_use[old]) <= last_use[old]:
                continue
            movers = {
                p for p in recent if (p, new) in spans and spans[(p, new)][1] > spans[(p, old)][1]
            }
            if len(movers) >= 2 and len(movers) >= same_people * len(recent):
                parent[root(old)] = root(new)
    grouped: dict[str, list[str]] = {}
    for domain in kept:
        grouped.setdefault(root(domain), []).append(domain)
    groups: list[tuple[list[str], set[str]]] = []
    for doms in grouped.values():
        doms.sort(key=lambda d: (-len(used[d]), d))
        groups.append((doms, set().union(*(used[d] for d in doms))))
    groups.sort(key=lambda g: (-len(g[1]), g[0]))

    # Organisation membership: an organisation a domain names joins that domain's group.
    members: dict[str, set[str]] = {}
    if org_members is not None and len(org_members):
        account = {}
        for key, gid in zip(
            identities["key"], pd.to_numeric(identities["github_id"], errors="coerce"), strict=True
        ):
            if pd.notna(gid) and key in person_of:
                account[int(gid)] = person_of[key]
        for org, gid in zip(org_members["org"], org_members["github_id"], strict=True):
            if int(gid) in account and account[int(gid)] not in bots:
                members.setdefault(str(org), set()).add(account[int(gid)])
    if account_members is not None and len(account_members):
        for org, key in zip(account_members["org"], account_members["identity_key"], strict=True):
            if key in person_of and person_of[key] not in bots:
                members.setdefault(str(org), set()).add(person_of[key])
    orgs_of: list[list[str]] = [[] for _ in groups]
    for org in sorted(members):
        plain = org.partition(":")[2] or org
        for index, (doms, who) in enumerate(groups):
            if _names_owner(doms, [plain]):
                orgs_of[index].append(org)
                who |= members[org]
                break
        else:
            groups.append(([], set(members[org])))
            orgs_of.append([org])

    found = []
    for (doms, who), orgs in zip(groups, orgs_of, strict=True):
        in_orgs = set().union(*(members[o] for o in orgs)) if orgs else set()
        done = 0
        for key, n in per_key.items():
            person = person_of.get(key)
            if person is None or person in bots:
                continue
            if domain_of.get(key) in doms or (person in in_orgs and key not in domain_of):
                done += int(n)
        if not done and not in_orgs:
            continue
        found.append(
            Organisation(
                name=doms[0] if doms else orgs[0],
                domains=tuple(doms),
                orgs=tuple(orgs),
                people=len(who),
                share_of_work=done / total,
            )
        )
    return sorted(found, key=lambda o: (-o.share_of_work, -o.people, o.name))


def judge_project(
    organisations: list[Organisation],
    owners: Sequence[str] = (),
    *,
    company_share: float = 0.15,
    single_share: float = 0.6,
    single_ratio: float = 3.0,
    owner_share: float = 0.4,
) -> tuple[str, Organisation | None, str]:
    """The kind of project, the organisation that is its company (for ``"single"``),
    and why.

    Parameters
    ----------
    organisations:
        :func:`build_organisations`' answer, most work first.
    owners:
        The owners of the mined repositories (and mined organisations).
    company_share:
        Organisations that together hold less than this share of all work make a
        ``"community"`` project.
    single_share, single_ratio:
        ``"single"`` when the largest organisation holds at least ``single_share`` of
        the company-addressed work and ``single_ratio`` times the next one's.
    owner_share:
        An organisation that names the owner and holds the most company-addressed work
        is the company when it holds at least this share of it.

    Examples
    --------
    >>> a = Organisation("acme.com", ("acme.com",), share_of_work=0.3)
    >>> b = Organisation("bolt.com", ("bolt.com",), share_of_work=0.25)
    >>> judge_project([a, b])[0], judge_project([a])[0], judge_project([])[0]
    ('multi', 'single', 'community')
    >>> judge_project([a, b], ["acme"])[0]
    'single'
    """
    addressed = sum(o.share_of_work for o in organisations)
    if not organisations:
        return "community", None, "no organisation in the data"
    top = organisations[0]
    runner_up = organisations[1].share_of_work if len(organisations) > 1 else 0.0
    share = top.share_of_work / addressed if addressed else 0.0
    owner = _names_owner(top.domains, list(owners)) or _names_owner(
        [o.partition(":")[2] or o for o in top.orgs], list(owners)
    )
    # The owner's own staff often commit from personal addresses, so an organisation
    # that names the owner and leads the company-addressed work is the company however
    # little of all the work its addresses carry.
    if owner and share >= owner_share:
        return (
            "single",
            top,
            (
                f"{top.name} names the owner {owner} and holds {share:.0%} of the "
                "company-addressed work"
            ),
        )
    if addressed < company_share:
        return (
            "community",
            None,
            (f"organisations hold {addressed:.0%} of the work (under {company_share:.0%})"),
        )
    if share >= single_share and top.share_of_work >= single_ratio * runner_up:
        return (
            "single",
            top,
            (
                f"{top.name} holds {share:.0%} of the company-addressed work, "
                f"{top.share_of_work / runner_up:.1f} times the next"
                if runner_up
                else f"{top.name} holds all the company-addressed work"
            ),
        )
    large = [o.name for o in organisations if o.share_of_work >= 0.15 * addressed]
    return (
        "multi",
        None,
        (
            f"{len(large)} organisations hold a large share of the company-addressed work "
            f"({', '.join(large)}); none is picked"
        ),
    )


def infer_company_from(
    people: pd.DataFrame,
    links: pd.DataFrame,
    identities: pd.DataFrame,
    activities: pd.DataFrame | ActivityDigest,
    *,
    org_members: pd.DataFrame | None = None,
    account_members: pd.DataFrame | None = None,
    repos: pd.DataFrame | None = None,
) -> CompanyInference:
    """Infer the company from resolved people and their activity.

    The organisations come from :func:`build_organisations`, the kind of project from
    :func:`judge_project`; only a ``"single"`` project has a company.

    Parameters
    ----------
    people, links, identities, activities:
        Frames with the columns of the store's tables (``people`` needs ``person_id``
        and ``is_bot``); ``activities`` may be their
        :class:`talent.people.activity.ActivityDigest`.
    org_members, account_members:
        Members of mined GitHub and Hub organisations.
    repos:
        The mined repositories (``full_name``): an organisation that names their owner
        is the company with a smaller lead.

    Returns
    -------
    CompanyInference
        ``source="inferred"`` with the evidence, or ``source="none"`` with the
        candidates seen; ``kind`` and ``organisations`` in both cases.
    """
    organisations = build_organisations(
        people,
        links,
        identities,
        activities,
        org_members=org_members,
        account_members=account_members,
    )
    owners = sorted({o.partition(":")[2] or o for org in organisations for o in org.orgs})
    if repos is not None and len(repos):
        owners += sorted({n.split("/", 1)[0] for n in repos["full_name"] if "/" in n})
    kind, company, why = judge_project(organisations, owners)
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"]) if len(people) else set()
    actors = set(ActivityDigest.of(activities).work().index)
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    looked_at = len({person_of[a] for a in actors if a in person_of} - bots)
    if company is None:
        candidates = tuple((", ".join(o.domains or o.orgs), o.people) for o in organisations)
        return CompanyInference(
            evidence=why if kind == "multi" else "",
            candidates=candidates[:5],
            core=looked_at,
            kind=kind,
            organisations=tuple(organisations),
        )
    plain_orgs = tuple(o for o in company.orgs if ":" not in o)
    hub_orgs = tuple(o.partition(":")[2] for o in company.orgs if ":" in o)
    return CompanyInference(
        domains=company.domains,
        orgs=plain_orgs + hub_orgs,
        names=plain_orgs + hub_orgs,
        evidence=(
            f"{', '.join(company.domains or company.orgs)}: {company.people} people, "
            f"{company.share_of_work:.0%} of all work; {why}"
        ),
        people=company.people,
        source="inferred",
        core=looked_at,
        kind=kind,
        organisations=tuple(organisations),
    )


def choose_company(company: CompanyInference, name: str) -> CompanyInference:
    """The company ``company`` becomes when a person calls organisation ``name`` (its
    name, one of its domains or organisations) theirs; ``source="chosen"``.

    Raises
    ------
    LookupError
        When no organisation seen is called ``name``; the message lists them.

    >>> seen = CompanyInference(kind="multi", organisations=(
    ...     Organisation("a.com", ("a.com", "a-old.com"), people=4, share_of_work=0.3),))
    >>> choose_company(seen, "a-old.com").domains
    ('a.com', 'a-old.com')
    """
    wanted = name.strip().lower()
    for org in company.organisations:
        if wanted in {
            org.name.lower(),
            *(d.lower() for d in org.domains),
            *(o.lower() for o in org.orgs),
        }:
            plain = tuple(o.partition(":")[2] or o for o in org.orgs)
            return replace(
                company,
                domains=org.domains,
                orgs=plain,
                names=plain,
                evidence=f"{org.name} chosen as mine",
                people=org.people,
                source="chosen",
                candidates=(),
            )
    names = [o.name for o in company.organisations]
    seen = ", ".join(names[:8]) or "none"
    if len(names) > 8:
        seen += f" and {len(names) - 8} more: talent company lists them"
    raise LookupError(f"no organisation {name!r} in the data (seen: {seen})")


def describe_company(company: CompanyInference) -> str:
    """One line on the company affiliation uses, for the CLI and the app.

    >>> describe_company(CompanyInference(domains=("acme.ai",), evidence="e", people=7,
    ...     source="inferred"))[:58]
    'company inferred (a guess): domains acme.ai, from 7 people'
    >>> describe_company(CompanyInference(orgs=("acme",), source="settings"))
    'company from the settings: orgs acme'
    """
    what = []
    if company.domains:
        what.append("domains " + ", ".join(company.domains))
    if company.orgs:
        what.append("orgs " + ", ".join(company.orgs))
    if company.names and company.names != company.orgs:
        what.append("names " + ", ".join(company.names))
    if company.source == "inferred":
        return (
            f"company inferred (a guess): {'; '.join(what)}, from {company.people} people; "
            "confirm it, choose another or name it in talent.toml"
        )
    if company.source == "chosen":
        return f"company chosen as mine: {'; '.join(what)}"
    if company.source == "settings":
        return f"company from the settings: {'; '.join(what)}"
    return company_warning(company) or ""


def company_warning(company: CompanyInference) -> str | None:
    """The warning to show when no company is known (None when one is): then everyone
    counts as community, and a recruiter's ranking may list the company's own staff.

    >>> company_warning(CompanyInference(candidates=(("a.com", 4),), core=30))[:40]
    'no company known: everyone counts as com'
    >>> company_warning(CompanyInference(kind="multi", candidates=(("a.com", 4),)))[:45]
    'several organisations share this project: no '
    """
    if company.known:
        return None
    listed = ", ".join(f"{d} ({n} people)" for d, n in company.candidates)
    if company.kind == "multi":
        return (
            "several organisations share this project: no company is picked, so nobody "
            f'counts as an employee. Seen: {listed}. Choose yours ("mine") in the app or '
            "with talent company --mine NAME, or name it in talent.toml."
        )
    seen = f" Organisations seen, none clearly the company's: {listed}." if listed else ""
    return (
        "no company known: everyone counts as community, so rankings that leave out "
        "employees may list the company's own staff." + seen + " Name the company "
        "([company] domains, orgs, names) in talent.toml."
    )


def employment_text(affiliation: str, since: object = None, until: object = None) -> str:
    """An affiliation with its span of years, as people read it.

    >>> employment_text("employee", pd.Timestamp("2019-03-01"), pd.Timestamp("2023-10-02"))
    'employee 2019-2023'
    >>> employment_text("former_employee", pd.Timestamp("2021-01-01"), pd.Timestamp("2021-05-01"))
    'former employee 2021'
    >>> employment_text("community"), employment_text("employee")
    ('community', 'employee')
    """
    text = str(affiliation or "unknown").replace("_", " ")
    if since is None or until is None or pd.isna(since) or pd.isna(until):
        return text
    first, last = pd.Timestamp(since).year, pd.Timestamp(until).year
    return f"{text} {first}" if first == last else f"{text} {first}-{last}"
