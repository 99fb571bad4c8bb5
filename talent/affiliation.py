"""Which company the data belongs to, when no settings file says so.

Affiliation needs a company: its email domains, GitHub organisations and the names people
write in their profiles. A settings file (``[company]`` in ``talent.toml``) names it; a
source may record it in the store (the demo world does). When neither does, the company
is inferred from the data, from two kinds of evidence:

- **organisation membership**: the public members of a mined GitHub organisation
  (``org_members``) are its own people;
- **work email domains of the core**: among the long-tenured people who do most of the
  work, a domain that several of them commit from, and that is no public mail provider,
  university or placeholder, is an employer. Domains that the same people used in turn
  (a company renamed: ``grid.ai`` then ``lightning.ai``) are one company.

A project many companies share (a foundation's project) has no one company: a domain is
taken only when it names the owner of the mined repositories, or when it clearly
dominates the core (``dominant_share`` of it, ``dominant_ratio`` times any other
employer). Otherwise nothing is inferred and the candidates are said, so that a person
names the company in the settings file. Settings always win over inference.

Functions here are pure (frames in, :class:`CompanyInference` out); the store-level
entry points are :func:`talent.identity.infer_company` and
:func:`talent.identity.ensure_people`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path

import pandas as pd

from talent.config import Settings

__all__ = [
    "CompanyInference",
    "company_from_settings",
    "company_warning",
    "describe_company",
    "infer_company_from",
    "is_public_mail_domain",
    "public_mail_domains",
    "registrable_domain",
]

SOURCES = ("settings", "inferred", "none")

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
    text = (Path(__file__).parent / "data" / "free_mail_domains.txt").read_text("utf-8")
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
class CompanyInference:
    """The company whose people are employees, and where that knowledge came from.

    Attributes
    ----------
    domains, orgs, names:
        The company's email domains, GitHub organisations and profile names.
    evidence:
        One sentence on why (empty when nothing is known).
    people:
        How many people the inference rests on (core contributors on the domains and
        public members of the organisations); 0 for settings.
    source:
        ``"settings"`` (a settings file, or a source's record in the store),
        ``"inferred"`` (from the data) or ``"none"``.
    candidates:
        When nothing was inferred: the work domains seen among the core, as
        ``(domains, people)``, most people first, for the warning to name.
    core:
        How many core contributors were looked at.
    """

    domains: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    evidence: str = ""
    people: int = 0
    source: str = "none"
    candidates: tuple[tuple[str, int], ...] = ()
    core: int = 0

    @property
    def known(self) -> bool:
        return bool(self.domains or self.orgs or self.names)

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
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


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


def _names_owner(domains: list[str], owners: list[str]) -> str | None:
    """The first owner (org or repository owner) that one of ``domains`` names."""
    for owner in owners:
        words, joined = _owner_words(owner)
        for domain in domains:
            stem = registrable_domain(domain).split(".")[0]
            if len(stem) >= 3 and (stem in words or stem == joined):
                return owner
    return None


def infer_company_from(
    people: pd.DataFrame,
    links: pd.DataFrame,
    identities: pd.DataFrame,
    activities: pd.DataFrame,
    *,
    org_members: pd.DataFrame | None = None,
    repos: pd.DataFrame | None = None,
    core_size: int = 30,
    min_tenure_days: int = 365,
    min_people: int = 3,
    dominant_share: float = 0.25,
    dominant_ratio: float = 3.0,
) -> CompanyInference:
    """Infer the company from resolved people and their activity.

    Parameters
    ----------
    people, links, identities, activities:
        Frames with the columns of the store's tables (``people`` needs ``person_id``
        and ``is_bot``).
    org_members:
        Public members of mined organisations (``org``, ``github_id``, ``login``): those
        organisations are the company's, their members its people.
    repos:
        The mined repositories (``full_name``): a domain that names their owner is the
        company's even where another company contributes as much.
    core_size:
        The core: this many non-bot people with the most commits (all activities when
        the data has no commits) among those active over at least ``min_tenure_days``.
    min_people:
        A domain (or a group of domains used by the same people) counts when at least
        this many core people used it.
    dominant_share, dominant_ratio:
        A domain that names no owner is taken only when its people are at least this
        share of the core and this many times the people of any other work domain.

    Returns
    -------
    CompanyInference
        ``source="inferred"`` with the evidence, or ``source="none"`` with the
        candidates seen.
    """
    members = org_members if org_members is not None else pd.DataFrame()
    orgs = tuple(sorted(set(members["org"]))) if len(members) else ()
    owners = [*orgs]
    if repos is not None and len(repos):
        owners += sorted({n.split("/", 1)[0] for n in repos["full_name"] if "/" in n})

    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"]) if len(people) else set()
    acts = activities.assign(person=activities["actor"].map(person_of)).dropna(subset=["person"])
    acts = acts[~acts["person"].isin(bots)]
    span = acts.groupby("person")["occurred_at"].agg(["min", "max"])
    tenured = span.index[(span["max"] - span["min"]) >= pd.Timedelta(days=min_tenure_days)]
    counted = acts[acts["kind"] == "commit"] if (acts["kind"] == "commit").any() else acts
    volume = counted[counted["person"].isin(set(tenured))].groupby("person").size()
    ranked = sorted(volume.items(), key=lambda kv: (-kv[1], kv[0]))[:core_size]
    core = [p for p, _ in ranked]

    used: dict[str, set[str]] = {}  # work domain -> core people who used it
    used_by_anyone: dict[str, set[str]] = {}  # work domain -> everyone who used it
    emails = identities.set_index("key")["email"].fillna("").astype(str)
    in_core = set(core)
    for key, person in person_of.items():
        email = emails.get(key, "")
        domain = email.lower().rpartition("@")[2]
        if person in bots or "@" not in email or is_public_mail_domain(domain):
            continue
        used_by_anyone.setdefault(registrable_domain(domain), set()).add(person)
        if person in in_core:
            used.setdefault(registrable_domain(domain), set()).add(person)

    # Domains that at least two of the same core people used are one company's.
    groups: list[tuple[list[str], set[str]]] = []
    for domain in sorted(used, key=lambda d: (-len(used[d]), d)):
        for doms, who in groups:
            if len(who & used[domain]) >= 2:
                doms.append(domain)
                who |= used[domain]
                break
        else:
            groups.append(([domain], set(used[domain])))
    groups.sort(key=lambda g: (-len(g[1]), g[0]))
    qualified = [g for g in groups if len(g[1]) >= min_people]

    member_people = set()
    if len(members):
        ids = pd.to_numeric(identities["github_id"], errors="coerce")
        member_ids = set(members["github_id"].astype(int))
        for key, gid in zip(identities["key"], ids, strict=True):
            if pd.notna(gid) and int(gid) in member_ids and key in person_of:
                member_people.add(person_of[key])

    chosen, why = None, ""
    # A domain that names the owner needs one person less; a company renamed (the same
    # people on an older domain) joins it through anyone who used both.
    enough = [g for g in groups if len(g[1]) >= max(2, min_people - 1)]
    for index, (doms, who) in enumerate(enough):
        owner = _names_owner(doms, owners)
        if owner is None:
            continue
        doms, who = list(doms), set(who)
        for other, people_on in enough[:index] + enough[index + 1 :]:
            if any(used_by_anyone[a] & used_by_anyone[b] for a in doms for b in other):
                doms += other
                who |= people_on
        chosen, why = (doms, who), f"{doms[0]} names the owner {owner}"
        break
    if chosen is None and qualified:
        doms, who = qualified[0]
        others = [len(w) for d, w in groups if d != doms]
        runner_up = max(others, default=0)
        if len(who) >= dominant_share * len(core) and len(who) >= dominant_ratio * runner_up:
            chosen = qualified[0]
            why = (
                f"no other work domain has more than {runner_up}"
                if runner_up
                else "no other work domain among them"
            )

    parts = []
    domains: tuple[str, ...] = ()
    evidence_people = set(member_people)
    if orgs:
        parts.append(f"public members of {', '.join(orgs)} ({len(members)} on GitHub)")
    if chosen is not None:
        doms, who = chosen
        domains = tuple(doms)
        evidence_people |= who
        parts.append(
            f"email domains {', '.join(doms)} used by {len(who)} of the {len(core)} core "
            f"contributors (active {min_tenure_days // 30}+ months); {why}"
        )
    if not domains and not orgs:
        candidates = tuple((", ".join(d), len(w)) for d, w in groups if len(w) >= 2)
        return CompanyInference(candidates=candidates[:5], core=len(core))
    return CompanyInference(
        domains=domains,
        orgs=orgs,
        names=orgs,
        evidence="; ".join(parts),
        people=len(evidence_people),
        source="inferred",
        core=len(core),
    )


def describe_company(company: CompanyInference) -> str:
    """One line on the company affiliation uses, for the CLI and the app.

    >>> describe_company(CompanyInference(domains=("acme.ai",), evidence="e", people=7,
    ...     source="inferred"))
    'company inferred: domains acme.ai, from 7 people; confirm or correct in talent.toml'
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
            f"company inferred: {'; '.join(what)}, from {company.people} people; "
            "confirm or correct in talent.toml"
        )
    if company.source == "settings":
        return f"company from the settings: {'; '.join(what)}"
    return company_warning(company) or ""


def company_warning(company: CompanyInference) -> str | None:
    """The warning to show when no company is known (None when one is): then everyone
    counts as community, and a recruiter's ranking may list the company's own staff.

    >>> company_warning(CompanyInference(candidates=(("a.com", 4),), core=30))[:40]
    'no company known: everyone counts as com'
    """
    if company.known:
        return None
    seen = ""
    if company.candidates:
        listed = ", ".join(f"{d} ({n})" for d, n in company.candidates)
        seen = (
            f" Work domains among the {company.core} core contributors, none clearly the "
            f"company's: {listed}."
        )
    return (
        "no company known: everyone counts as community, so rankings that leave out "
        "employees may list the company's own staff." + seen + " Name the company "
        "([company] domains, orgs, names) in talent.toml."
    )
