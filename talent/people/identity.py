"""Raw identities -> people; bots; affiliation.

All linking rules live here so that later sources and overrides extend one place.
Rules are strict and exact (SortingHat's lesson): never fuzzy, and shared identities
such as ``root`` or ``noreply@github.com`` are never used to link anyone.

Links, strongest first (method, confidence):

- ``github_account`` (1.0): a GitHub account anchors a person.
- ``commit_login`` (0.99): the GitHub commit API says which account a git identity is.
- ``noreply`` (0.99): ``123+login@users.noreply.github.com`` names the account.
- ``mailmap`` (0.99) and other evidence a source recorded (``identity_evidence``).
- ``pr_branch`` (0.8): the git identity that wrote a login's merged pull request
  branches ("Merge pull request #N from login/branch"; ``BranchAuthors`` in
  :mod:`talent.sources.git`), never joining two GitHub accounts.
- ``email`` (0.95): the same email address (case-folded).
- ``email_subaddress`` (0.95): the same mailbox, an address and its "+tag" variants
  (``jdoe+github@x.org`` is ``jdoe@x.org``), never joining two GitHub accounts.
- ``name`` (0.9): the same normalised name of at least two words (accents, case,
  spacing and punctuation folded), never a generic one such as "root" or "GitHub".
- ``trailer_name`` (0.9): a ``Signed-off-by`` / ``Co-authored-by`` in a name that agrees
  with the author's ("Ada" and "Ada Lovelace") on most of the author's commits.
- ``name_login`` (0.85): a one-word git name written as a login another identity holds
  ("jdoe-dev"), or a full name written as a login without its spaces ("JaneDoe").
- ``email_name`` / ``login_email`` / ``handle_email`` (0.85, 0.8): an address whose local
  part spells a full name, equals a login, or carries the same one-word handle.
- ``single`` (1.0): an identity linked to nothing else is a person of its own.

A first name alone ("Alex") never links anyone: it is a suggestion
(:func:`suggest_merges`), and a person known only by it is "name incomplete"
(:func:`name_incomplete`). Accounts that are not one person (:func:`automation_account`,
:func:`committer_evidence`) are bots with their evidence and never join a person by name.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from talent.config import Settings
from talent.files import (
    MAX_FILE_BYTES,
    InputFileError,
    parse_toml_limited,
    read_bytes_limited,
    read_text_limited,
)
from talent.lazy import LazyModule
from talent.model import (
    ACCOUNT_URLS,
    DELETED_KEYS,
    DELETED_TYPE,
    EXPORT_STATE,
    ActivityKind,
    IdentitySource,
)
from talent.names import (
    NOREPLY_ADDRESS,
    SHARED_EMAIL_LOCALS,
    SHARED_NAMES,
    is_generic_name,
    is_shared_email,
    login_from_noreply,
    login_variants,
    looks_like_email,
    mailbox_of,
    name_variants,
    normalise_name,
    optout_tokens,
)
from talent.names import fold as _fold
from talent.people.activity import ActivityDigest, load_activity_digest
from talent.people.affiliation import (
    CompanyInference,
    choose_company,
    company_from_settings,
    infer_company_from,
)
from talent.store import (
    count_rows,
    get_meta,
    load_account_members,
    load_identities,
    load_identity_evidence,
    load_identity_links,
    load_named_owners,
    load_org_members,
    load_owner_pairings,
    load_people,
    load_profiles,
    load_repos,
    rename_people,
    save_identity_links,
    save_people,
    set_meta,
    store_aggregates,
)
from talent.store.keys import PrivacyKey, ensure_key

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = LazyModule("numpy")
    pd = LazyModule("pandas")

# Where a login is a GitHub login (git identities carry GitHub login hints): owner files
# and the people's shown login mean these; other platforms' logins are their own.
LOGIN_SOURCES = frozenset({IdentitySource.GIT, IdentitySource.GITHUB})

_EVIDENCE_COLUMNS = ["key", "other", "method", "confidence"]
# Evidence methods that are inferences, applied like the name rules: never across two
# GitHub accounts (``pr_branch``: talent.sources.git.BranchAuthors).
_ONE_ACCOUNT_EVIDENCE = ("pr_branch", "trailer_name")
# Bot accounts by GitHub id: an id survives renames (ids of GitHub's own apps' users).
KNOWN_BOT_IDS = frozenset(
    {
        49699333,  # dependabot[bot]
        41898282,  # github-actions[bot]
        66853113,  # pre-commit-ci[bot]
        29139614,  # renovate[bot]
        27856297,  # dependabot-preview[bot]
        136622811,  # coderabbitai[bot]
        198982749,  # copilot-swe-agent[bot]
    }
)

# Accounts that are bots without saying so in their login, matched on the lower-cased
# login (machine users such as k8s-ci-robot are ordinary "User" accounts).
KNOWN_BOTS = frozenset(
    {
        "dependabot",
        "dependabot-preview",
        "renovate",
        "renovate-bot",
        "github-actions",
        "pre-commit-ci",
        "codecov",
        "codecov-commenter",
        "codecov-io",
        "k8s-ci-robot",
        "copilot",
        "copilot-swe-agent",
        "coderabbitai",
        "allcontributors",
        "mergify",
        "stale",
        "snyk-bot",
        "imgbot",
        "greenkeeper",
        "facebook-github-bot",
        "googlebot",
        "pytorchbot",
        "tensorflow-copybara",
        "sourcery-ai",
        "deepsource-autofix",
        "netlify",
        "vercel",
        "sonarcloud",
        "gitter-badger",
        "web-flow",
    }
)


_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")
_CASE_CHANGE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_BRACKETED = re.compile(r"\([^)]*\)")
_NOT_WORD = re.compile(r"[^\w]+")
_HANDLE_MARK = re.compile(r"[\d_-]")


def handle_tokens(text: str | None) -> list[str]:
    """The lower-cased words of a login or name, split on anything not a letter or digit
    (never inside a word: "Abbott" is one token).

    >>> handle_tokens("k8s-ci-robot"), handle_tokens("PL Ghost"), handle_tokens("Abbott")
    (['k8s', 'ci', 'robot'], ['pl', 'ghost'], ['abbott'])
    """
    folded = unicodedata.normalize("NFKD", text.casefold() if isinstance(text, str) else "")
    return [w for w in _NOT_LETTER_OR_DIGIT.split(folded) if w]


# A login or name whose last word is one of these is a bot's ("tvm-bot", "Prow Robot").
BOT_LAST_WORDS = frozenset({"bot", "robot", "automation"})
# Words of a login or name that automation accounts carry: as whole words only, never
# inside one ("Abbott", "Cicero", "ghostplant" stay human). On their own they prove
# nothing (a person may be called Ci); with machine-like behaviour they flag a bot.
AUTOMATION_WORDS = frozenset(
    {"bot", "robot", "ghost", "automation", "automated", "autobot", "ci", "release", "releaser"}
)


def automation_word(*texts: str | None) -> str | None:
    """The first automation word (or the leading "auto" of "auto-...") in logins or names.

    >>> automation_word("pl-ghost"), automation_word("auto-merger"), automation_word("Abbott")
    ('ghost', 'auto', None)
    """
    for text in texts:
        words = handle_tokens(text)
        if words[:1] == ["auto"] and len(words) > 1:
            return "auto"
        for word in words:
            if word in AUTOMATION_WORDS:
                return word
    return None


def _known_bot_id(github_id: object) -> bool:
    return github_id is not None and int(github_id) in KNOWN_BOT_IDS  # type: ignore[call-overload]


def is_bot_identity(
    login: str | None, name: str, email: str, type_: str, github_id: int | None = None
) -> bool:
    """True when an identity is a bot by its login, API type, email, a curated list, or a
    login or name of two or more words whose last is "bot", "robot" or "automation"
    ("tvm-bot").

    Matching stays narrow on purpose: a human called "Abbott" is not a bot.

    >>> is_bot_identity("dependabot[bot]", "", "", "Bot")
    True
    >>> is_bot_identity(None, "Jo", "41898282+github-actions[bot]@users.noreply.github.com", "")
    True
    >>> is_bot_identity("abbott", "Jane Abbott", "", "User")
    False
    >>> is_bot_identity(None, "Deploy Robot", "", ""), is_bot_identity("robot-fan", "", "", "")
    (True, False)
    >>> is_bot_identity("ghost", "deleted account", "", "Deleted", 10137)
    True
    """
    # A deleted account (talent.model.deleted_account) is nobody: like a bot, never ranked.
    if type_ in ("Bot", DELETED_TYPE) or (email or "").lower() in (
        "noreply@github.com",
        "action@github.com",
    ):
        return True
    if _known_bot_id(github_id):
        return True
    candidates = [login or "", name or "", login_from_noreply(email) or ""]
    for text in candidates:
        low = text.strip().lower()
        if not low:
            continue
        if low.endswith("[bot]") or low in KNOWN_BOTS:
            return True
        if low.isascii() and "bot" not in low and "automation" not in low:
            continue  # no word of BOT_LAST_WORDS in it: the words are pieces of it
        words = handle_tokens(low)
        if len(words) > 1 and words[-1] in BOT_LAST_WORDS:
            return True
    return False


# --- accounts that are not one person ---------------------------------------------------

# Local parts of role addresses: a mailbox nobody reads or a machine's, never one person's
# (GitHub's per-user "123+login@users.noreply.github.com" is a person's and is left out).
ROLE_EMAIL_LOCALS = frozenset(
    {
        "nobody",
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "mailer-daemon",
        "bot",
        "bots",
        "robot",
        "buildbot",
        "jenkins",
        "automation",
        # The mailboxes release tags are signed from ("CoreOS Application Signing Key
        # <security@...>"): a project's, not a person's.
        "security",
        "release",
        "releases",
    }
)
# Words that say a name is a group's: as the last word of a name of two words or more
# ("Gin-Config Team", "The Acme Authors", "Foo maintainers"; "TrellixVulnTeam" too).
TEAM_WORDS = frozenset(
    {
        "team",
        "teams",
        "maintainers",
        "developers",
        "devs",
        "authors",
        "committers",
        "contributors",
        "admins",
        "community",
        "group",
    }
)
# The last word of a company's name (its legal form).
LEGAL_FORMS = frozenset({"inc", "llc", "ltd", "gmbh", "corp", "corporation", "limited", "plc"})
# Systems that copy commits from another repository into this one (Copybara, ShipIt): an
# account named after one, or with one in its address, exports others' work.
EXPORT_TOOLS = frozenset({"copybara", "shipit", "fbshipit"})


def name_words(text: str | None) -> list[str]:
    """The lower-cased words of a name or login, split at case changes as well
    ("TrellixVulnTeam") and at anything not a letter or digit.

    >>> name_words("TrellixVulnTeam"), name_words("Gin-Config Team"), name_words("McKay")
    (['trellix', 'vuln', 'team'], ['gin', 'config', 'team'], ['mc', 'kay'])
    """
    spaced = _CASE_CHANGE.sub(" ", text if isinstance(text, str) else "")
    return handle_tokens(spaced)


# What a role address or a machine's name must hold for automation_account to say so:
# any word it looks for, as a piece of the lower-cased text (ASCII only: other text is
# folded first, so it is always looked at).
_MACHINE_ADDRESS = re.compile("|".join(sorted(BOT_LAST_WORDS | EXPORT_TOOLS)))
_MACHINE_NAME = re.compile("|".join(sorted(EXPORT_TOOLS | TEAM_WORDS | LEGAL_FORMS | {"service"})))


def _may_be_machine(text: str, words: re.Pattern[str]) -> bool:
    low = text.lower()
    return not low.isascii() or low in ROLE_EMAIL_LOCALS or bool(words.search(low))


def automation_account(name: str | None, email: str | None) -> str | None:
    """Why an identity is an account that is not one person, or None: a role address
    (``nobody@``, ``noreply@`` other than GitHub's per-user form, ``*-bot@``), an export
    system's name or address (Copybara, ShipIt), a team's name ("... Team",
    "... maintainers", "service account") or a company's ("Acme Inc").

    Never for a person's own name: "Jane Teamson" and "Abbott" are people, and one-word
    names ("Team") say nothing.

    >>> automation_account("Acme Authors", "nobody@acme.example")
    'a role address (nobody@)'
    >>> automation_account("Gin-Config Team", "gin@acme.example")
    "a team's name ('Gin-Config Team')"
    >>> automation_account("Copybara-Service", "copybara-worker@acme.example")
    "an export system's address (copybara-worker@)"
    >>> automation_account("Ada", "12+ada@users.noreply.github.com") is None
    True
    >>> automation_account("Ada Doe (Acme Ltd)", "ada@acme.example") is None
    True
    """
    email = email if isinstance(email, str) else ""
    local = email.lower().partition("@")[0] if "@" in email else ""
    if local and not _may_be_machine(local, _MACHINE_ADDRESS):
        local = ""  # nothing below can match: the words of a plain address are pieces of it
    if local and not login_from_noreply(email):
        words = handle_tokens(local)
        if local in ROLE_EMAIL_LOCALS:
            return f"a role address ({local}@)"
        if len(words) > 1 and words[-1] in BOT_LAST_WORDS:
            return f"a bot's address ({local}@)"
        if EXPORT_TOOLS & set(words):
            return f"an export system's address ({local}@)"
    # Names only: a login is one account's ("ansh-devs" is a person), judged by
    # is_bot_identity. Words in brackets are an aside ("Ada Doe (Acme Ltd)").
    if isinstance(name, str) and name.strip() and _may_be_machine(name, _MACHINE_NAME):
        text = name.strip()
        words = name_words(_BRACKETED.sub(" ", text))
        if EXPORT_TOOLS & set(words):
            return f"an export system's name ({text!r})"
        if "service account" in " ".join(name_words(text)):
            return f"a service account's name ({text!r})"
        if len(words) > 1 and words[-1] in TEAM_WORDS:
            return f"a team's name ({text!r})"
        if len(words) > 1 and words[-1] in LEGAL_FORMS:
            return f"a company's name ({text!r})"
    return None


def name_incomplete(name: str | None, login: str | None) -> bool:
    """True for a person shown under a single word or a generic name with no login to
    reach them by: "name incomplete" (a first name alone says little of who it is).

    >>> name_incomplete("Alex", None), name_incomplete("Alex", "alex-doe")
    (True, False)
    >>> name_incomplete("Alex Doe", None), name_incomplete("root", None)
    (False, True)
    >>> name_incomplete("alex.doe", None)  # a full name written as a handle
    False
    """
    if isinstance(login, str) and login.strip():
        return False
    text = name if isinstance(name, str) else ""
    return is_generic_name(text) or normalise_name(text) is None


def company_domain_of(email: str, domains: tuple[str, ...]) -> str | None:
    """The company domain an email belongs to (subdomains included), or None.

    >>> company_domain_of("ada@research.acme-ai.com", ("acme-ai.com",))
    'acme-ai.com'
    >>> company_domain_of("ada@notacme-ai.com", ("acme-ai.com",)) is None
    True
    """
    domain = (email or "").lower().rpartition("@")[2]
    for company in domains:
        company = company.lower()
        if domain == company or domain.endswith("." + company):
            return company
    return None


# --- hand-made corrections (people.toml) -------------------------------------------------


class OverrideError(ValueError):
    """A people file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Overrides:
    """Corrections by hand, applied on every resolution so they survive re-mining.

    ``merges``: (selectors, reason); ``splits``: (selector, reason);
    ``aliases``: (selector, name). A selector names raw identities: ``login:NAME``,
    ``email:ADDRESS``, ``name:FULL NAME``, ``github:ID`` or ``key:RAW KEY``.
    """

    merges: tuple[tuple[tuple[str, ...], str], ...] = ()
    splits: tuple[tuple[str, str], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()


SELECTOR_KINDS = ("login", "email", "name", "github", "key")


def select_identities(identities: pd.DataFrame, selector: str) -> list[str]:
    r"""Keys of the raw identities a selector names (case-insensitive but for names).

    >>> import pandas as pd
    >>> ids = pd.DataFrame({"key": ["git:Ada\x1fada@x.org", "github:7"], "name": ["Ada", ""],
    ...     "email": ["ada@x.org", ""], "login": [None, "ada"], "github_id": [None, 7]})
    >>> select_identities(ids, "email:ADA@x.org"), select_identities(ids, "github:7")
    (['git:Ada\x1fada@x.org'], ['github:7'])
    """
    kind, _, value = selector.partition(":")
    if kind == "key":
        return [k for k in identities["key"] if k == value]
    if kind == "login":
        logins = identities["login"].fillna("").astype(str).str.lower()
        return identities.loc[logins == value.lower(), "key"].tolist()
    if kind == "email":
        emails = identities["email"].fillna("").astype(str).str.lower()
        return identities.loc[emails == value.lower(), "key"].tolist()
    if kind == "name":
        return identities.loc[identities["name"] == value, "key"].tolist()
    if kind == "github":
        ids = pd.to_numeric(identities["github_id"], errors="coerce")
        return identities.loc[ids == int(value), "key"].tolist() if value.isdigit() else []
    return []


class PersonNotFound(LookupError):
    """No person, or more than one, answers to what was asked; the message says which."""


def find_person(engine: Engine, who: str) -> str:
    """The id of the one person that ``who`` names: a person id, a login, an email, a
    selector (``login:NAME``, ``email:...``, ``name:...``, ``github:ID``, ``key:...``)
    or an exact display name.

    A login is looked up where ``talent rank`` shows it, the person's ``login``, which
    may come from a noreply address or a login hint rather than from a GitHub identity;
    then in the raw identities (their login or the login of their noreply address), so
    every login that a ranking prints is found; last, a login the owner files name is
    matched as the maintainers' report matches it (:func:`owner_matches`). Raises
    :class:`PersonNotFound` when nobody or several people match.
    """
    people = load_people(engine)
    if who in set(people["person_id"]):
        return who
    links = load_identity_links(engine)
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    idents = load_identities(engine)
    kind, _, value = who.partition(":") if ":" in who else ("", "", who)
    if not kind:
        kind = "email" if "@" in who else "login"
    found: set[str] = set()
    if kind == "login":
        shown = people["login"].where(people["login"].notna(), "").astype(str).str.lower()
        found = set(people.loc[shown == value.lower(), "person_id"])
        if not found:
            keys = select_identities(idents, f"login:{value}")
            noreply = idents["email"].fillna("").astype(str).map(login_from_noreply)
            keys += idents.loc[noreply.fillna("").str.lower() == value.lower(), "key"].tolist()
            found = {person_of[k] for k in keys if k in person_of}
    else:
        keys = select_identities(idents, f"{kind}:{value}")
        found = {person_of[k] for k in keys if k in person_of}
    if not found and ":" not in who:
        found = set(people.loc[people["name"] == who, "person_id"])
    if not found and kind == "login":
        # A login only an owner file knows ("Dan Sun | dsun"), as the maintainers' report
        # matches it.
        named = pd.DataFrame({"owner": [value], "kind": ["user"]})
        pairings = load_owner_pairings(engine)
        matched = owner_matches(named, people, idents, links, pairings)["person_id"]
        found = {p for p in matched if isinstance(p, str)}
    if not found:
        raise PersonNotFound(
            f"nobody matches {who!r} (give a person id, login, email or full name)"
        )
    if len(found) > 1:
        raise PersonNotFound(f"{who!r} matches {len(found)} people: {', '.join(sorted(found))}")
    return found.pop()


def _add_folded(hints: dict[str, set[str]], name: object, pid: str, handle: bool = False) -> None:
    """Index ``pid`` under ``name`` without spaces and punctuation, if that is at least
    five letters and the name is a real one (two words or more, not generic); with
    ``handle``, one word will do ("jooho": a git name that is a handle), unless it is a
    generic one ("admin", "ubuntu") or a bot's."""
    if not isinstance(name, str) or looks_like_email(name):
        return
    folded = _fold(name)
    if normalise_name(name) is None and not (
        handle
        and len(name.split()) == 1
        and folded not in SHARED_NAMES
        and folded not in GENERIC_EMAIL_LOCALS
        and "bot" not in name.lower()
    ):
        return
    if len(folded) >= 5:
        hints.setdefault(folded, set()).add(pid)


def _handle_name(name: object, login: str) -> bool:
    """Is ``name`` (an identity's git name) the login itself, written as a one-word
    handle ("spolti" for ``spolti``)? Never a generic word, a bot's, or under 4 letters."""
    if not isinstance(name, str) or len(name.split()) != 1 or looks_like_email(name):
        return False
    folded = _fold(name)
    return (
        folded == _fold(login)
        and len(folded) >= 4
        and folded not in SHARED_NAMES
        and folded not in GENERIC_EMAIL_LOCALS
        and "bot" not in name.lower()
    )


def pairing_evidence(source: object, text: object) -> str:
    """How an owner-file pairing reads as evidence.

    >>> pairing_evidence("MAINTAINERS.md", "Dan Sun | yuzisun")
    "matched by MAINTAINERS.md: 'Dan Sun | yuzisun'"
    """
    return f"matched by {source}: '{text}'"


def _identity_fields(identities: pd.DataFrame):
    """(key, login, email, name, source) of each identity row; a frame without names or
    sources (a caller's small one) reads as unnamed git identities."""
    index = identities.index
    return zip(
        identities["key"],
        identities["login"],
        identities["email"],
        identities.get("name", pd.Series(None, index=index)),
        identities.get("source", pd.Series(IdentitySource.GIT, index=index)),
        strict=True,
    )


@dataclass(frozen=True)
class _PairingIndex:
    """Identity keys by what owner-file pairings point at: full names, e-mails, and the
    logins accounts, noreply addresses and one-word git names stand for."""

    by_name: dict[str, set[str]]
    by_email: dict[str, set[str]]
    by_login: dict[str, set[str]]
    by_handle: dict[str, set[str]]
    by_spelled: dict[str, set[str]]  # full names without spaces: "andrewzhaoluo"
    by_local: dict[str, set[str]]  # e-mail local parts, without a +tag

    @classmethod
    def of(cls, identities: pd.DataFrame) -> _PairingIndex:
        index = cls({}, {}, {}, {}, {}, {})
        for key, login, email, name, source in _identity_fields(identities):
            if isinstance(name, str) and (folded := normalise_name(name)):
                index.by_name.setdefault(folded, set()).add(key)
                index.by_spelled.setdefault(folded.replace(" ", ""), set()).add(key)
            if isinstance(name, str) and len(name.split()) == 1:
                index.by_handle.setdefault(_fold(name), set()).add(key)
            email = email if isinstance(email, str) else ""
            if email and not is_shared_email(email):
                index.by_email.setdefault(email.lower(), set()).add(key)
                if not login_from_noreply(email):
                    local = email.split("@", 1)[0].split("+", 1)[0].lower()
                    index.by_local.setdefault(local, set()).add(key)
            own = login if isinstance(login, str) and source in LOGIN_SOURCES else None
            for found in (own, login_from_noreply(email)):
                if found:
                    index.by_login.setdefault(found.lower(), set()).add(key)
        return index

    def named(self, name: object, email: object) -> set[str]:
        """Keys of the identities that bear ``name`` (folded) or ``email``."""
        folded = normalise_name(name) if isinstance(name, str) else None
        keys = set(self.by_name.get(folded, set())) if folded else set()
        if isinstance(email, str) and email and not is_shared_email(email):
            keys |= self.by_email.get(email.lower(), set())
        return keys

    def login(self, login: str, names: dict[str, str]) -> set[str]:
        """Keys of the identities that are the account ``login``: its own, its noreply
        addresses', and git identities whose name is the login as a handle."""
        keys = set(self.by_login.get(login.lower(), set()))
        keys |= {
            k for k in self.by_handle.get(_fold(login), set()) if _handle_name(names[k], login)
        }
        return keys


def owner_file_joins(
    identities: pd.DataFrame,
    pairings: pd.DataFrame | None,
    group_of,
    held_apart: AbstractSet[str] = frozenset(),
    logins: Iterable[str] = (),
) -> list[tuple[str, str, str]]:
    """(identity key, identity key, method) that owner files join.

    ``owner_file``: a pairing joins every identity of the login to one identity of the
    name, when the identities bearing that full name or e-mail are one group
    (``group_of``: key -> its group so far). Two groups of that name are two people who
    fit: nothing is joined (:func:`suggest_merges` offers them).

    ``owner_login``: a login an owner file names (``logins``) is an account; the git
    identities that commit under it as their name ("ls889", whatever the e-mail) or from
    an address whose local part it is (six letters or more), its noreply addresses, and a
    full name spelled as it ("Andrew Zhao Luo" for ``andrewzhaoluo``, when one group
    bears it) are its person.

    Bots are never joined; the caller keeps two GitHub accounts apart.

    >>> import pandas as pd
    >>> ids = pd.DataFrame({"key": ["a", "b", "c"], "source": "git", "login": None,
    ...     "email": ["fs@redhat.example", "spolti@gmail.example", "x@y.example"],
    ...     "name": ["Filippe Spolti", "spolti", "Someone Else"], "type": ""})
    >>> pairings = pd.DataFrame({"repo": ["o/r"], "source": ["MAINTAINERS.md"],
    ...     "login": ["spolti"], "name": ["Filippe Spolti"], "email": [""],
    ...     "text": ["Filippe Spolti | spolti"], "line": [9]})
    >>> owner_file_joins(ids, pairings, lambda k: k)
    [('b', 'a', 'owner_file')]
    """
    rows = _pairing_rows(pairings)
    logins = sorted({str(x).lower() for x in logins if isinstance(x, str) and x})
    if not rows and not logins:
        return []
    ids = identities.astype(object).where(identities.notna(), None)
    bots = {
        r.key
        for r in ids.itertuples(index=False)
        if is_bot_identity(r.login, r.name, r.email, getattr(r, "type", ""))
    }
    ids = ids[~ids["key"].isin(bots | set(held_apart))]
    index = _PairingIndex.of(ids)
    names = dict(zip(ids["key"], ids["name"], strict=True))
    out: list[tuple[str, str, str]] = []
    for row in rows:
        named = sorted(index.named(row.name, row.email))
        if not named or len({group_of(k) for k in named}) != 1:
            continue
        for key in sorted(index.login(str(row.login), names)):
            if group_of(key) != group_of(named[0]):
                out.append((key, named[0], "owner_file"))
    for login in logins:
        keys = index.login(login, names)
        # An address whose local part is the login ("ls889@qq.example"): the account's
        # owner's mailbox, for a login long enough not to be a common word.
        if len(login) >= 6 and login not in GENERIC_EMAIL_LOCALS:
            keys |= index.by_local.get(login, set())
        spelled = index.by_spelled.get(_fold(login), set()) if len(_fold(login)) >= 6 else set()
        if len({group_of(k) for k in spelled}) == 1:
            keys |= spelled
        ordered = sorted(keys)
        for key in ordered[1:]:
            if group_of(key) != group_of(ordered[0]):
                out.append((key, ordered[0], "owner_login"))
    return out


def _pairing_rows(pairings: pd.DataFrame | None) -> list:
    if pairings is None or pairings.empty:
        return []
    frame = pairings.astype(object).where(pairings.notna(), "")
    frame = frame.sort_values(["login", "name", "email", "repo", "source", "line"], key=_lower)
    return list(frame.itertuples(index=False))


def _lower(column: pd.Series) -> pd.Series:
    return column.astype(str).str.lower()


def owner_matches(
    named: pd.DataFrame,
    people: pd.DataFrame,
    identities: pd.DataFrame,
    links: pd.DataFrame,
    pairings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The person each named owner is, and the evidence: columns ``person_id`` (None when
    nobody is certain) and ``evidence``, on ``named``'s index.

    A login is matched, each step only where the ones before found nobody:

    1. where :func:`find_person` looks for it: the person's login, identities' logins
       and noreply addresses ("matched by login");
    2. through the names owner files write beside it (``pairings``, as
       :func:`talent.store.load_owner_pairings` gives): the one person holding identities
       of that full name or e-mail ("matched by MAINTAINERS.md: 'Ada Lovelace | ada'");
       two people of that name match nobody;
    3. for git data without accounts, the one person whose e-mail local part is the
       login or whose name (or an identity's name: many people commit under their
       handle) is the login without spaces and punctuation ("matched by name");
    4. the one person with a name the login is a short form of (:func:`login_variants`:
       "lantiga" for Luca Antiga) and no other login proven: said to be a guess.

    An e-mail is matched to the identities with that address. Never guessed: a team,
    an owner nobody matches, or one that matches two people gets None (and the
    maintainers' report lists them as unmatched).
    """
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    by_login: dict[str, set[str]] = {}
    by_email: dict[str, set[str]] = {}
    by_hint: dict[str, set[str]] = {}  # e-mail local parts and folded names
    by_handle: dict[str, set[str]] = {}  # identities' names, one word allowed: weaker
    # Owner files name GitHub logins: another platform's login (the Hub's) is no match.
    for key, login, email, name, source in _identity_fields(identities):
        pid = person_of.get(key)
        if pid is None:
            continue
        _add_folded(by_handle, name, pid, handle=True)
        if source not in LOGIN_SOURCES:
            login = None
        email = email if isinstance(email, str) else ""
        for name in (login if isinstance(login, str) else None, login_from_noreply(email)):
            if name:
                by_login.setdefault(name.lower(), set()).add(pid)
        if email and not is_shared_email(email):
            by_email.setdefault(email.lower(), set()).add(pid)
            local = email.split("@", 1)[0].split("+", 1)[0].lower()
            if len(local) >= 3:
                by_hint.setdefault(local, set()).add(pid)
    for pid, name in zip(people["person_id"], people.get("name", []), strict=False):
        _add_folded(by_hint, name, pid)
    # Logins made of a name's parts ("lantiga" for Luca Antiga): the weakest step.
    by_variant: dict[str, dict[str, str]] = {}  # variant -> person -> the name
    names = identities.get("name", pd.Series(None, index=identities.index))
    for key, name in zip(identities["key"], names, strict=True):
        pid = person_of.get(key)
        if pid is not None and isinstance(name, str):
            for variant in login_variants(name):
                by_variant.setdefault(variant, {}).setdefault(pid, name)
    proven: dict[str, set[str]] = {}  # person -> the logins their identities prove
    for login, pids in by_login.items():
        for pid in pids:
            proven.setdefault(pid, set()).add(login)

    index = _PairingIndex.of(identities)
    paired: dict[str, list[tuple[set[str], str]]] = {}  # login -> (people, evidence)
    for row in _pairing_rows(pairings):
        found = {person_of[k] for k in index.named(row.name, row.email) if k in person_of}
        if found:
            paired.setdefault(str(row.login).lower(), []).append(
                (found, pairing_evidence(row.source, row.text))
            )

    def one(owner: str, kind: str) -> tuple[str | None, str]:
        owner = str(owner).lower().lstrip("@")
        if kind == "email":
            found = by_email.get(owner, set())
            return (next(iter(found)), "matched by e-mail") if len(found) == 1 else (None, "")
        if kind != "user":
            return None, ""
        steps = [
            (by_login.get(owner, set()), "matched by login"),
            (set().union(*(f for f, _ in paired.get(owner, []))), ""),
            (by_hint.get(owner, set()) | by_hint.get(_fold(owner), set()), "matched by name"),
            (by_handle.get(_fold(owner), set()), "matched by a git name"),
        ]
        for found, how in steps:
            if len(found) == 1:
                person = next(iter(found))
                if not how:  # the first pairing that points at them says why
                    how = next(e for f, e in paired[owner] if person in f)
                return person, how
            if found:
                return None, ""
        # A person whose identities prove another login is not this one.
        variants = {
            pid: name
            for pid, name in by_variant.get(_fold(owner), {}).items()
            if not proven.get(pid, set()) - {owner}
        }
        if len(variants) == 1:
            ((person, name),) = variants.items()
            return (
                person,
                f"matched by name, a guess: '{owner}' reads as '{name}', the only such name",
            )
        return None, ""

    rows = [one(o, k) for o, k in zip(named["owner"], named["kind"], strict=True)]
    return pd.DataFrame(rows, columns=["person_id", "evidence"], index=named.index, dtype=object)


def person_owner_evidence(engine: Engine, person_id: str) -> list[str]:
    """What the owner files say about one person, one line each: each login they are
    named as, with the role, file and how it was matched ("@ada (approvers in OWNERS):
    matched by MAINTAINERS.md: 'Ada Lovelace | ada'"), and the pairings that name them
    beside their own identities ("MAINTAINERS.md: 'Ada Lovelace | ada'")."""
    named = load_named_owners(engine)
    pairings = load_owner_pairings(engine)
    identities = load_identities(engine)
    links = load_identity_links(engine)
    lines: list[str] = []
    if not named.empty:
        matched = owner_matches(named, load_people(engine), identities, links, pairings)
        mine = named[matched["person_id"] == person_id].assign(
            evidence=matched["evidence"][matched["person_id"] == person_id]
        )
        for row in mine.drop_duplicates(["owner", "source", "role"]).itertuples(index=False):
            lines.append(f"@{row.owner} ({row.role} in {row.repo} {row.source}): {row.evidence}")
    keys = set(links.loc[links["person_id"] == person_id, "identity_key"])
    own = identities[identities["key"].isin(keys)]
    index = _PairingIndex.of(own)
    names = dict(zip(own["key"], own["name"], strict=True))
    for row in _pairing_rows(pairings):
        if index.named(row.name, row.email) and index.login(str(row.login), names):
            lines.append(f"named beside their identities in {row.repo} {row.source}: '{row.text}'")
    return list(dict.fromkeys(lines))


def owner_people(
    named: pd.DataFrame,
    people: pd.DataFrame,
    identities: pd.DataFrame,
    links: pd.DataFrame,
    pairings: pd.DataFrame | None = None,
) -> pd.Series:
    """The person each named owner is (``named`` has ``owner`` and ``kind``, as
    :func:`talent.store.load_named_owners` gives), or None: :func:`owner_matches`
    without the evidence.

    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["p1", "p2", "p3"], "login": ["ada", None, None]})
    >>> ids = pd.DataFrame({"key": ["k1", "k2", "k3"], "login": [None, None, None],
    ...                     "email": ["1+ada@users.noreply.github.com", "bo@x.org", "d@y.org"],
    ...                     "name": ["Ada", "Bo", "Dan Sun"]})
    >>> links = pd.DataFrame({"identity_key": ["k1", "k2", "k3"], "person_id": ["p1", "p2", "p3"]})
    >>> named = pd.DataFrame({"owner": ["Ada", "bo@x.org", "acme/docs", "cy", "yuzisun"],
    ...                       "kind": ["user", "email", "team", "user", "user"]})
    >>> pairings = pd.DataFrame({"repo": ["o/r"], "source": ["MAINTAINERS.md"],
    ...     "login": ["yuzisun"], "name": ["Dan Sun"], "email": [""],
    ...     "text": ["Dan Sun | yuzisun"], "line": [3]})
    >>> owner_people(named, people, ids, links, pairings).tolist()
    ['p1', 'p2', None, None, 'p3']
    """
    return owner_matches(named, people, identities, links, pairings)["person_id"]


def _check_selector(selector: object, where: str) -> str:
    if not isinstance(selector, str) or ":" not in selector:
        raise OverrideError(f"{where}: {selector!r} is not a selector like 'login:jdoe'")
    kind, _, value = selector.partition(":")
    if kind not in SELECTOR_KINDS or not value:
        raise OverrideError(
            f"{where}: unknown selector {selector!r} (use "
            f"{', '.join(k + ':...' for k in SELECTOR_KINDS)})"
        )
    return selector


def load_overrides(path: str | Path) -> Overrides:
    """Read a people file; a missing file means no corrections.

    The file holds ``[[merge]]`` tables (``identities = [selectors]``, ``reason``),
    ``[[split]]`` tables (``identity = selector``, ``reason``) and ``[[alias]]`` tables
    (``identity = selector``, ``name``). Errors name the file and the line.
    """
    import tomllib

    file = Path(path)
    if not file.exists():
        return Overrides()
    try:
        text = read_text_limited(file, MAX_FILE_BYTES, "the people file")
        data = parse_toml_limited(text, f"{file}: the people file")
    except OSError as exc:
        raise OverrideError(f"{file}: cannot read the people file ({exc.strerror})") from None
    except InputFileError as exc:
        raise OverrideError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise OverrideError(f"{file}: {exc}") from None
    lines = text.splitlines()

    def line_of(section: str, index: int) -> int:
        seen = 0
        for number, line in enumerate(lines, start=1):
            if re.match(rf"^\s*\[\[\s*{section}\s*\]\]", line):
                if seen == index:
                    return number
                seen += 1
        return 1

    def line_with(name: str) -> int:
        for number, line in enumerate(lines, start=1):
            if re.match(rf"^\s*\[+\s*{re.escape(name)}\s*\]", line) or re.match(
                rf"^\s*{re.escape(name)}\s*=", line
            ):
                return number
        return 1

    unknown = sorted(set(data) - {"merge", "split", "alias"})
    if unknown:
        raise OverrideError(
            f"{file}:{line_with(unknown[0])}: unknown table {unknown[0]!r} "
            "(use [[merge]], [[split]] or [[alias]])"
        )
    for section in ("merge", "split", "alias"):
        entries = data.get(section, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise OverrideError(
                f"{file}:{line_with(section)}: write [[{section}]] tables (one per {section})"
            )
    merges, splits, aliases = [], [], []
    for i, entry in enumerate(data.get("merge", [])):
        where = f"{file}:{line_of('merge', i)}"
        found = entry.get("identities")
        if not isinstance(found, list) or len(found) < 2:
            raise OverrideError(f"{where}: a merge needs identities = [two or more selectors]")
        merges.append(
            (tuple(_check_selector(s, where) for s in found), str(entry.get("reason", "")))
        )
    for i, entry in enumerate(data.get("split", [])):
        where = f"{file}:{line_of('split', i)}"
        splits.append((_check_selector(entry.get("identity"), where), str(entry.get("reason", ""))))
    for i, entry in enumerate(data.get("alias", [])):
        where = f"{file}:{line_of('alias', i)}"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise OverrideError(f'{where}: an alias needs name = "..."')
        aliases.append((_check_selector(entry.get("identity"), where), name.strip()))
    return Overrides(tuple(merges), tuple(splits), tuple(aliases))


def append_override(path: str | Path, section: str, entry: dict[str, object]) -> None:
    """Add one ``[[section]]`` table to a people file (made if missing)."""
    file = Path(path)
    lines = ["", f"[[{section}]]"]
    for key, value in entry.items():
        if isinstance(value, list):
            rendered = "[" + ", ".join(_toml_string(v) for v in value) + "]"
        else:
            rendered = _toml_string(str(value))
        lines.append(f"{key} = {rendered}")
    try:
        before = read_text_limited(file, MAX_FILE_BYTES, "the people file") if file.exists() else ""
    except OSError as exc:
        raise OverrideError(f"{file}: cannot read the people file ({exc.strerror})") from None
    except InputFileError as exc:
        raise OverrideError(str(exc)) from None
    after = before + "\n".join(lines) + "\n"
    # Check the whole file as it would be before touching it: a failed merge writes nothing.
    candidate = file.with_name(file.name + ".check")
    candidate.write_text(after, encoding="utf-8")
    try:
        load_overrides(candidate)
    finally:
        candidate.unlink()
    file.write_text(after, encoding="utf-8")


def remove_overrides(
    path: str | Path, identifiers: Iterable[str], listed: Callable[[str], bool] | None = None
) -> int:
    """Take out of a people file every ``[[merge]]``, ``[[split]]`` and ``[[alias]]``
    table that selects one of ``identifiers`` (logins, addresses, names, account ids of
    a person who opted out) or, with ``listed``, an identity whose opt-out token
    (:func:`talent.names.optout_tokens`) it answers for, keeping the other tables and
    comments as written; returns the tables removed. A missing file removes nothing."""
    import tomllib

    file = Path(path)
    if not file.exists():
        return 0
    wanted = {str(i).strip().casefold().lstrip("@") for i in identifiers if str(i).strip()}
    text = file.read_text(encoding="utf-8")
    # Tables start at their header: split before each, keeping the text before the first.
    parts = re.split(r"(?m)^(?=\s*\[\[\s*(?:merge|split|alias)\s*\]\])", text)
    kept, removed = [], 0
    for part in parts:
        try:
            data = tomllib.loads(part)
        except tomllib.TOMLDecodeError:
            kept.append(part)
            continue
        selectors = [
            str(s)
            for entries in data.values()
            if isinstance(entries, list)
            for entry in entries
            if isinstance(entry, dict)
            for s in (*entry.get("identities", []), entry.get("identity", ""))
        ]
        values = set()
        tokens: list[str] = []
        for selector in selectors:
            kind, _, value = selector.partition(":")
            values.add(value.casefold().lstrip("@"))
            if kind == "key":  # git:NAME\x1fEMAIL
                name, _, email = value.partition(":")[2].partition("\x1f")
                values |= {name.casefold(), email.casefold()}
                tokens += optout_tokens("git", name, email, None, None)
            elif kind in ("login", "email", "name", "github"):
                fields: dict[str, tuple[str | None, str | None, str | None, str | None]]
                fields = {"login": (None, None, value, None), "email": (None, value, None, None)}
                fields |= {"name": (value, None, None, None), "github": (None, None, None, value)}
                tokens += optout_tokens("github", *fields[kind])
        if values & wanted or (listed is not None and any(listed(t) for t in tokens)):
            removed += 1
        else:
            kept.append(part)
    if removed:
        file.write_text("".join(kept), encoding="utf-8")
    return removed


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _UnionFind:
    def __init__(self, keys):
        self.parent = {k: k for k in keys}

    def find(self, key):
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        # Keep the smaller key as root so results do not depend on input order.
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


@dataclass(frozen=True)
class Resolution:
    """People and the link of every raw identity to one of them."""

    people: pd.DataFrame  # columns of the ``people`` table
    links: pd.DataFrame  # identity_key, person_id, method, confidence


def resolve_people(
    identities: pd.DataFrame,
    settings: Settings,
    evidence: pd.DataFrame | None = None,
    overrides: Overrides | None = None,
    pairings: pd.DataFrame | None = None,
    owner_logins: Iterable[str] = (),
    *,
    privacy_key: PrivacyKey,
) -> Resolution:
    """Group raw identities into people with the strict rules above, then apply the
    hand-made ``overrides`` (splits keep an identity out of every automatic link,
    merges join, aliases name). Person ids are keyed with ``privacy_key`` (the store's,
    :func:`talent.store.keys.ensure_key`), so none is computable from public identifiers.

    ``identities`` has the columns of the ``identities`` table and ``evidence`` those
    of ``identity_evidence``; ``pairings`` (those of ``owner_pairings``) are the names
    owner files write beside logins: a login's identities (its account, noreply
    addresses, a git name that is the login) join the identities of the full name or
    e-mail written beside it, when they are one person's; ``owner_logins`` (the logins
    owner files name) gather the git identities committing under them as their name
    (:func:`owner_file_joins`). Deterministic: the same input gives the same people and
    ids, whatever the order of its rows.
    """
    overrides = overrides or Overrides()
    ids = identities.sort_values("key").reset_index(drop=True).astype(object)
    ids = ids.where(ids.notna(), None)
    for col in ("name", "email", "type"):
        ids[col] = ids[col].fillna("").astype(str).astype(object)
    # The rows once, as tuples, and by key: each rule below walks them all, and a lookup
    # by a frame comparison per row grew with the square of the identities.
    rows = list(ids.astype(object).itertuples(index=False))
    row_of = {row.key: row for row in rows}
    keys = ids["key"].tolist()
    uf = _UnionFind(keys)
    method: dict[str, tuple[str, float]] = {}

    held_apart = {k for sel, _ in overrides.splits for k in select_identities(ids, sel)}

    joined: dict[str, str] = {}  # the first rule that joined each identity to another

    def link(a: str, b: str, how: str, confidence: float) -> None:
        if how != "manual" and (a in held_apart or b in held_apart):
            return
        if uf.union(a, b):
            for k in (a, b):
                joined.setdefault(k, how)
                if k not in method or method[k][1] < confidence:
                    method[k] = (how, confidence)

    # Anchor: accounts by login (case-insensitive), so git identities can join them.
    # The deleted account (talent.model.deleted_account) anchors nobody: a git "ghost" is
    # not the placeholder, nor is anyone whose e-mail starts "ghost@".
    account_by_login: dict[str, str] = {}
    for row in rows:
        if row.source == "github" and row.login:
            if row.type != DELETED_TYPE:
                account_by_login.setdefault(row.login.lower(), row.key)
            method[row.key] = ("github_account", 1.0)

    account_by_id = {
        int(row.github_id): row.key
        for row in rows
        if row.source == "github" and row.github_id is not None and row.type != DELETED_TYPE
    }
    by_login: dict[str, str] = dict(account_by_login)
    logins_as_written: dict[str, set[str]] = {}
    for row in rows:
        hint = row.login if row.source in LOGIN_SOURCES else None
        for login in (hint, login_from_noreply(row.email)):
            if login:
                logins_as_written.setdefault(login.lower(), set()).add(login)
    by_email: dict[str, str] = {}
    for row in rows:
        # The commit API's author account, by id: survives the account's renames.
        if row.source == "git" and row.github_id is not None:
            target = account_by_id.get(int(row.github_id))
            if target is not None:
                link(row.key, target, "commit_login", 0.99)
        if row.key in held_apart:
            continue  # split by hand: never a target other identities gather around
        hinted = row.login if row.source == "git" else None
        if hinted:
            target = by_login.setdefault(hinted.lower(), row.key)
            link(row.key, target, "commit_login", 0.99)
        noreply = login_from_noreply(row.email)
        if noreply:
            target = by_login.setdefault(noreply.lower(), row.key)
            link(row.key, target, "noreply", 0.99)
        if row.email and not is_shared_email(row.email):
            target = by_email.setdefault(row.email.lower(), row.key)
            link(row.key, target, "email", 0.95)

    # A login equal to an email's local part, when no other identity uses that email:
    # "jdoe@uni.example" is the account "jdoe" (weaker than the rules above).
    email_uses = ids.loc[ids["email"] != "", "email"].str.lower().value_counts()
    for row in rows:
        if row.source != "git" or not row.email or is_shared_email(row.email):
            continue
        if login_from_noreply(row.email) or email_uses.get(row.email.lower(), 0) != 1:
            continue
        local = row.email.split("@", 1)[0].lower()
        target = account_by_login.get(local)
        if target is None or len(local) < 3:
            continue
        # Never when the identity already belongs to another account.
        mine = {m for k in (row.key,) for m in _account_marks(row)}
        theirs = _account_marks(row_of[target])
        if uf.find(row.key) != uf.find(target) and mine and not mine & theirs:
            continue
        link(row.key, target, "login_email", 0.8)

    known = set(keys)
    evidence = evidence if evidence is not None else pd.DataFrame(columns=_EVIDENCE_COLUMNS)
    evidence = evidence[evidence["key"].isin(known) & evidence["other"].isin(known)]
    evidence = evidence.sort_values(["key", "other", "method"])
    inferred = evidence["method"].isin(_ONE_ACCOUNT_EVIDENCE)
    for row in evidence[~inferred].itertuples(index=False):
        link(row.key, row.other, row.method, float(row.confidence))

    # An account is known by its id or login, from the API or from a noreply address.
    accounts: dict[str, set[str]] = {}
    for row in rows:
        marks = _account_marks(row)
        if marks:
            accounts.setdefault(uf.find(row.key), set()).update(marks)

    def link_one_account(key: str, target: str, how: str, confidence: float) -> None:
        """Link unless the two sides already belong to two different GitHub accounts
        (people share names and mailboxes' owners; accounts are proof)."""
        ra, rb = uf.find(key), uf.find(target)
        if ra == rb:
            return
        mine, theirs = accounts.get(ra, set()), accounts.get(rb, set())
        if mine and theirs and not mine & theirs:
            return
        link(key, target, how, confidence)
        accounts[uf.find(key)] = mine | theirs

    # Evidence a source inferred (a pull request branch's author), unlike a .mailmap,
    # never joins two GitHub accounts, nor a bot or an account that is not one person
    # (a bot's commits on someone's branch), nor a login that is the organisation of the
    # identity's own address ("grant@acme.example" on "acme/..." branches: a company's
    # fork, not the person's account).
    # Each identity judged once: by rule (its login, name, address, type; the person's
    # description adds known bot ids) and as an account that is not one person.
    bot_by_rule = {
        row.key: is_bot_identity(row.login, row.name, row.email, row.type) for row in rows
    }
    not_one = {row.key: automation_account(row.name, row.email) for row in rows}
    machines = {key for key in keys if bot_by_rule[key] or not_one[key]}
    emails = dict(zip(ids["key"], ids["email"], strict=True))
    logins = dict(zip(ids["key"], ids["login"], strict=True))
    names = dict(zip(ids["key"], ids["name"], strict=True))
    for row in evidence[inferred].itertuples(index=False):
        if {row.key, row.other} & (held_apart | machines):
            continue
        if _names_own_domain(logins.get(row.other), emails.get(row.key), names.get(row.key)):
            continue
        link_one_account(row.key, row.other, row.method, float(row.confidence))

    # A "+tag" address is delivered to the mailbox without the tag (jdoe+github@x.org
    # reaches jdoe@x.org): only that mailbox's owner reads both, as strong as one address,
    # so linked; like names, never joining two different GitHub accounts.
    by_mailbox: dict[str, str] = {}
    for row in rows:
        box = mailbox_of(row.email)
        if box is None or row.key in held_apart:
            continue
        link_one_account(row.key, by_mailbox.setdefault(box, row.key), "email_subaddress", 0.95)

    # Names last: the weakest rule, never for bots, automation or generic names, and never
    # joining two different GitHub accounts (two people can share a name; accounts are proof).
    by_name: dict[str, str] = {}
    for row in rows:
        if row.source != "git" or row.key in machines:
            continue
        folded = normalise_name(row.name)
        if not folded or row.key in held_apart:
            continue
        link_one_account(row.key, by_name.setdefault(folded, row.key), "name", 0.9)

    # After names, so that "one person of that name" counts the people the rules made.
    for key, target, how in owner_file_joins(ids, pairings, uf.find, held_apart, owner_logins):
        link_one_account(key, target, how, 0.9)

    # A one-word git name written exactly as a login that another identity holds ("jdoe"
    # committing beside "Jane Doe <123+jdoe@users.noreply.github.com>"): a handle, not a
    # first name, when it has a digit, a dash or an underscore, or is written in the
    # login's own case. And a full name written as a login without its spaces ("Jane Doe"
    # and the account "JaneDoe", names of two letters a word or more): as telling, when
    # only one login folds so. Never joining two accounts.
    by_folded: dict[str, set[str]] = {}
    for login, target in by_login.items():
        by_folded.setdefault(_fold(login), set()).add(target)
    for row in rows:
        name = row.name.strip()
        if row.source != "git" or row.key in machines or row.key in held_apart:
            continue
        if len(name) < 4 or is_generic_name(name) or looks_like_email(name):
            continue
        if " " in name:
            words = _folded_words(name)
            found = by_folded.get(_fold(name), set()) if normalise_name(name) else set()
            if len(found) == 1 and min(map(len, words)) >= 2 and len(_fold(name)) >= 6:
                target = found.pop()
                if target not in held_apart:
                    link_one_account(row.key, target, "name_login", 0.85)
            continue
        target = by_login.get(name.lower())
        if target is None or target in held_apart:
            continue
        if not _HANDLE_MARK.search(name) and name not in logins_as_written.get(name.lower(), ()):
            continue
        link_one_account(row.key, target, "name_login", 0.85)

    # What an address says of its owner, where a one-word name says too little:
    # - a local part spelling a full name ("jill.hubley@..." beside "Jill Hubley"): the
    #   one-word (or agreeing) name on it is that person's, when one full name folds so;
    # - a local part equal to a login another identity holds ("chongxiaoc@corp.example"
    #   and the noreply account "chongxiaoc"), for an address no one else uses;
    # - the same one-word handle on two addresses with the same local part ("rpgoldman").
    # All weaker than the rules above and, like them, never joining two accounts.
    full_names: dict[str, set[str]] = {}
    for row in rows:
        if row.source == "git" and row.key not in machines and normalise_name(row.name):
            words = _folded_words(row.name)
            if min(map(len, words)) >= 2 and len(_fold(row.name)) >= 6:
                full_names.setdefault(_fold(row.name), set()).add(row.key)
    handles: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.source != "git" or row.key in machines or row.key in held_apart:
            continue
        box = mailbox_of(row.email)
        local = box.split("@", 1)[0] if box else ""
        if len(local) < 5 or local in GENERIC_EMAIL_LOCALS:
            continue
        name = row.name.strip()
        one_word = bool(name) and " " not in name and not is_generic_name(name)
        spelled = sorted(full_names.get(_fold(local), set()))
        if len({uf.find(k) for k in spelled}) == 1:
            other_name = row_of[spelled[0]].name
            if one_word or names_agree(name, other_name):
                link_one_account(row.key, spelled[0], "email_name", 0.85)
        target = by_login.get(local)
        if target is not None and target not in held_apart and email_uses.get(box, 0) <= 1:
            link_one_account(row.key, target, "login_email", 0.8)
        if one_word and len(name) >= 6 and not looks_like_email(name):
            first = handles.setdefault((name.casefold(), local), row.key)
            link_one_account(row.key, first, "handle_email", 0.85)

    # Hand-made merges last: they join whatever the rules kept apart.
    for selectors, _reason in overrides.merges:
        chosen = [k for sel in selectors for k in select_identities(ids, sel)]
        for other in chosen[1:]:
            link(chosen[0], other, "manual", 1.0)
        for k in chosen:
            method[k] = ("manual", 1.0)
    for selector, _reason in overrides.splits:
        for k in select_identities(ids, selector):
            method.setdefault(k, ("manual_split", 1.0))

    # The name .mailmap chooses for a person is the one to show, unless an alias says.
    preferred: set[str] = set()
    if evidence is not None:
        preferred = set(evidence.loc[evidence["method"] == "mailmap", "other"])
    aliases = {k: name for sel, name in overrides.aliases for k in select_identities(ids, sel)}

    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(uf.find(row.key), []).append(row)

    # What linked each identity, and the evidence that names it: where a login came from.
    linked_by = {k: m for k, (m, _c) in method.items()}
    linked_by.update({f"joined:{k}": m for k, m in joined.items()})
    for row in evidence.itertuples(index=False):
        for key in (row.key, row.other):
            linked_by.setdefault(f"evidence:{key}", row.method)
    people_rows = []
    link_rows = []
    for block in groups.values():
        person = _describe_person(
            block,
            settings,
            preferred,
            linked_by,
            privacy_key=privacy_key,
            judged=(bot_by_rule, not_one),
        )
        named = sorted(aliases[r.key] for r in block if r.key in aliases)
        if named:
            person["name"] = named[0]
        people_rows.append(person)
        for key in (r.key for r in block):
            how, conf = method.get(key, ("single", 1.0))
            link_rows.append(
                {
                    "identity_key": key,
                    "person_id": person["person_id"],
                    "method": how,
                    "confidence": conf,
                }
            )
    people = pd.DataFrame(people_rows, columns=_PEOPLE_COLUMNS)
    links = pd.DataFrame(link_rows, columns=["identity_key", "person_id", "method", "confidence"])
    return Resolution(people.sort_values("person_id").reset_index(drop=True), links)


_PEOPLE_COLUMNS = [
    "person_id",
    "name",
    "login",
    "profile_url",
    "is_bot",
    "bot_probability",
    "affiliation",
    "affiliation_evidence",
    "bot_evidence",
    "login_source",
    "employed_from",
    "employed_until",
]


def _names_own_domain(login: object, email: object, name: object = "") -> bool:
    """True when a login is a label of the e-mail's domain ("acme" for ada@mail.acme.io):
    the organisation the address belongs to, not the person's own account; unless the
    login is the person's name too (a personal domain, "doe" for jane@doe.example).

    >>> _names_own_domain("acme", "ada@mail.acme.io"), _names_own_domain("ada", "ada@acme.io")
    (True, False)
    >>> _names_own_domain("doe", "jane@doe.example", "Jane Doe")
    False
    """
    if not isinstance(login, str) or not isinstance(email, str) or "@" not in email:
        return False
    labels = email.lower().rpartition("@")[2].split(".")[:-1]
    folded = _fold(login)
    if any(len(w) >= 3 and w in folded for w in _folded_words(name)):
        return False
    return folded in {_fold(label) for label in labels if len(label) >= 3}


def _account_marks(row) -> set[str]:
    """What identifies the GitHub account behind an identity row: its id and login. An
    account of another platform (the Hub) is its own mark: never the GitHub account of
    the same login, so no rule joins the two without evidence."""
    if row.source not in (IdentitySource.GIT, IdentitySource.GITHUB):
        return {f"{row.source}:{(row.login or '').lower()}"}
    marks = set()
    if row.github_id is not None:
        marks.add(f"id:{int(row.github_id)}")
    if row.login:
        marks.add(f"login:{row.login.lower()}")
    match = NOREPLY_ADDRESS.match(row.email or "")
    if match:
        if match.group(1):
            marks.add(f"id:{int(match.group(1))}")
        marks.add(f"login:{match.group(2).lower()}")
    return marks


# Where a person's login came from, by what linked the identity that carries it (other
# evidence methods read "from METHOD evidence": "owner_file" is "from owner file evidence").
LOGIN_SOURCES_TEXT = {
    "api": "from the GitHub API",
    "commit_login": "from GitHub's commit API",
    "noreply": "from a noreply address",
    "pr_branch": "from merge branches '{login}/…'",
    "mailmap": "from .mailmap",
    "name_login": "from a git name written as the login",
    "login_email": "from an e-mail address written as the login",
}


def _login_choices(block: list, how: dict[str, str]) -> list[tuple[int, str, str]]:
    """(tier, login, where it came from) for every GitHub login a person's identities
    carry, the surest first: an account the API gave, a commit API hint, a noreply
    address, then accounts that evidence named (merge branches, owner files)."""
    out = []
    for r in block:
        if r.source not in LOGIN_SOURCES:
            continue
        if isinstance(r.login, str) and r.login.strip():
            if r.source == IdentitySource.GITHUB and r.github_id is not None:
                out.append((0, r.login, LOGIN_SOURCES_TEXT["api"]))
            elif r.source == IdentitySource.GIT:
                out.append((1, r.login, LOGIN_SOURCES_TEXT["commit_login"]))
            else:
                method = how.get(f"evidence:{r.key}") or how.get(f"joined:{r.key}", "")
                said = f"from {method.replace('_', ' ')} evidence" if method else ""
                text = LOGIN_SOURCES_TEXT.get(method, said)
                out.append((3, r.login, (text or "from a GitHub account in the data")))
        noreply = login_from_noreply(r.email)
        if noreply:
            out.append((2, noreply, LOGIN_SOURCES_TEXT["noreply"]))
    return sorted(out)


def _describe_person(
    block: list,
    settings: Settings,
    preferred: AbstractSet[str] = frozenset(),
    how: dict[str, str] | None = None,
    *,
    privacy_key: PrivacyKey,
    judged: tuple[dict[str, bool], dict[str, str | None]] | None = None,
) -> dict:
    """One person's row from the identity rows (namedtuples) linked to them; ``how``
    holds what linked each identity (and ``evidence:KEY`` the evidence naming it).

    The person id is :meth:`PrivacyKey.person_id` of what anchors the person: their
    first GitHub account (``github:ID``), else their first identity key. So it is stable
    from run to run with the same key, and nobody without the key can compute it from a
    login, e-mail or account id. ``judged`` holds, by identity key, what
    :func:`is_bot_identity` (without the account id) and :func:`automation_account`
    already said of the identities, so that nothing is judged twice."""
    how = how or {}
    accounts = [r for r in block if r.source == "github"]
    github_ids = sorted(int(r.github_id) for r in accounts if r.github_id is not None)
    if github_ids:
        anchor = f"github:{github_ids[0]}"
    else:
        anchor = min(r.key for r in block)
    person_id = privacy_key.person_id(anchor)

    # No login is a missing value (None here, NaN once stored), never "" or "None".
    choices = _login_choices(block, how)
    github_login, login_source = (choices[0][1], choices[0][2]) if choices else (None, "")
    login_source = login_source.format(login=github_login)
    # Someone known only on another platform is shown by that platform's login.
    others = sorted((r.login, r.source) for r in block if r.login and r.source not in LOGIN_SOURCES)
    login = github_login or (others[0][0] if others else None)
    if github_login is None and others:
        platform = "Hugging Face Hub" if others[0][1] == IdentitySource.HF else others[0][1]
        login_source = f"from the {platform} account"

    # A profile name beats git names; names that are email addresses are never shown, and
    # generic ones ("Ubuntu", "root", a host name) only when there is no login either.
    # Among git names, a full name (two words or more) beats a one-word one, which is
    # often a handle ("jdoe", "jane-doe"), a written-out one beats one with initials, then
    # the most used wins.
    def showable(name: str) -> bool:
        return bool(name) and not looks_like_email(name) and not is_generic_name(name)

    def full(name: str) -> bool:
        return len(name.split()) > 1 and normalise_name(name) is not None

    def initials(name: str) -> int:
        return sum(len(w) == 1 for w in _folded_words(name))

    names = [r.name for r in accounts if showable(r.name)]
    if not names:
        names = sorted(r.name for r in block if r.key in preferred and showable(r.name))
    if not names:
        counts = Counter(r.name for r in block if showable(r.name))
        # A name with an initial ("Chris P") is a short form of a written-out one.
        ordered = sorted(
            counts.items(), key=lambda kv: (not full(kv[0]), initials(kv[0]), -kv[1], kv[0])
        )
        names = [n for n, _ in ordered]
    if not names and login is None:
        names = sorted(r.name for r in block if r.name and not looks_like_email(r.name))
    name = names[0] if names else (login or "(unknown)")

    if judged is None:
        is_bot = any(is_bot_identity(r.login, r.name, r.email, r.type, r.github_id) for r in block)
        found = (automation_account(r.name, r.email) for r in block)
    else:
        by_rule, not_one = judged
        is_bot = any(by_rule[r.key] or _known_bot_id(r.github_id) for r in block)
        found = (not_one[r.key] for r in block)
    machine = list(dict.fromkeys(why for why in found if why))
    if is_bot:
        bot_evidence = "bot by rule (login, account type or known bot)"
    else:
        bot_evidence = "not one person: " + "; ".join(machine) if machine else ""
    is_bot = is_bot or bool(machine)
    company = settings.company_domains
    domains = (company_domain_of(r.email, company) for r in block) if company else ()
    evidence = sorted({d for d in domains if d})
    if evidence:
        affiliation = "employee"
        affiliation_evidence = "email domain " + ", ".join(evidence)
    else:
        affiliation = "community"
        affiliation_evidence = ""
    return {
        "person_id": person_id,
        "name": name,
        "login": login,
        "profile_url": _profile_url(github_login, block),
        "is_bot": bool(is_bot),
        "bot_probability": 1.0 if is_bot else 0.0,
        "affiliation": affiliation,
        "affiliation_evidence": affiliation_evidence,
        "bot_evidence": bot_evidence,
        "login_source": login_source if login else "",
        "employed_from": None,  # dated by judge_affiliation, which sees the activity
        "employed_until": None,
    }


def _profile_url(github_login: str | None, block: list) -> str | None:
    """The person's public profile: on GitHub if they have a login there, else the first
    other platform account (:data:`talent.model.ACCOUNT_URLS`) in key order."""
    if github_login:
        return ACCOUNT_URLS[IdentitySource.GITHUB].format(login=github_login)
    for row in sorted(block, key=lambda r: r.key):
        template = ACCOUNT_URLS.get(row.source)
        deleted = row.type == DELETED_TYPE  # no page of its own off GitHub
        if template and row.login and row.source != IdentitySource.GITHUB and not deleted:
            return template.format(login=row.login)
    return None


# Email local parts too common to say that two addresses are one person's.
GENERIC_EMAIL_LOCALS = SHARED_EMAIL_LOCALS | {
    "info",
    "contact",
    "mail",
    "hello",
    "office",
    "support",
    "dev",
    "developer",
    "work",
    "code",
    "team",
    "me",
}
# What two people share to be suggested, the most telling first: the first that a pair
# shares gives the reason.
SUGGESTION_REASONS = (
    "named together in an owner file",
    "same mailbox with a +tag",
    "same full name, different GitHub accounts",
    "same email local part on two domains",
    "same name with an initial",
    "same login on two platforms",
    "same one-word name",
    "a name written as another's login or email",
)


def _folded_words(name: object) -> list[str]:
    folded = unicodedata.normalize("NFKD", name.casefold() if isinstance(name, str) else "")
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", _BRACKETED.sub(" ", folded)).split()


def names_agree(a: str | None, b: str | None) -> bool:
    """True when one name is the other written out or cut short: the shorter one's words
    begin the longer one's ("Ada" and "Ada Lovelace", accents and case folded), the first
    word three letters or more; never a generic name or an e-mail address.

    >>> names_agree("Ada", "Ada Lovelace"), names_agree("ada lovelace", "Ada Lovelace")
    (True, True)
    >>> names_agree("Lovelace", "Ada Lovelace"), names_agree("Al", "Al Doe")
    (False, False)
    """
    if any(is_generic_name(n) or looks_like_email(n or "") for n in (a, b)):
        return False
    short, long = sorted((_folded_words(a), _folded_words(b)), key=len)
    return bool(short) and len(short[0]) >= 3 and long[: len(short)] == short


# A trailer (Signed-off-by, Co-authored-by) naming someone on most of an author's commits,
# someone named on little else, whose name is the author's written out or cut short: the
# author signing their own work from another address ("Ada <12+ada@users.noreply...>"
# signed off by "Ada Lovelace <ada@uni.example>"). A maintainer signing off others' patches
# signs for many authors, so never reaches the share.
TRAILER_MIN_COMMITS = 3
TRAILER_SHARE = 0.6


def trailer_evidence(
    activities: pd.DataFrame | ActivityDigest, identities: pd.DataFrame
) -> pd.DataFrame:
    """Evidence (method ``trailer_name``, columns of ``identity_evidence``) that an author
    and the identity their commits' trailers name are one person: the trailer names it on
    at least ``TRAILER_MIN_COMMITS`` and ``TRAILER_SHARE`` of the author's commits, that
    share of the trailer identity's mentions are on this author's commits, and the names
    agree (:func:`names_agree`). Like other inferences, resolution never lets it join two
    GitHub accounts."""
    digest = ActivityDigest.of(activities)
    acts = digest.trailers()
    if acts.empty:
        return pd.DataFrame(columns=_EVIDENCE_COLUMNS)
    commits = digest.commit_counts()
    pairs = acts.groupby(["counterpart", "actor"])["item"].nunique()
    named = acts.groupby("actor")["item"].nunique()
    names = dict(zip(identities["key"], identities["name"], strict=True))
    rows = []
    for (author, other), n in pairs.items():
        if n < TRAILER_MIN_COMMITS or n < TRAILER_SHARE * commits.get(author, 0):
            continue
        if n < TRAILER_SHARE * named[other] or not names_agree(names.get(author), names.get(other)):
            continue
        rows.append({"key": author, "other": other, "method": "trailer_name", "confidence": 0.9})
    return pd.DataFrame(rows, columns=_EVIDENCE_COLUMNS)


def suggest_merges(
    identities: pd.DataFrame,
    links: pd.DataFrame,
    people: pd.DataFrame,
    pairings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """People who look alike but were not merged, with the reason: for a person to
    confirm (``talent people merge``), never applied on their own. Reasons, most
    telling first (``SUGGESTION_REASONS``):

    - the same mailbox with and without a "+tag" on two GitHub accounts (on one account
      or none, :func:`resolve_people` links them itself);
    - the same full name on two GitHub accounts;
    - the same distinctive email local part (5 characters or more, not generic such as
      "info") on two domains;
    - a name with an initial and a full name it may stand for ("J. Doe" or "Jane D" and
      "Jane Doe");
    - the same one-word name, or a name written as another's login or email local part;
    - first of all, an owner file writing a name beside a login (``pairings``) where two
      people fit that name, so that :func:`resolve_people` joined neither: the login's
      person with each of them, or, when the login has no identities, those people.

    Generic names ("root", "Ubuntu", host names) and bots are never suggested, and a
    token that more than five people share says nothing.

    Columns ``person_a``, ``person_b``, ``reason``.
    """
    columns = ["person_a", "person_b", "reason"]
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"])
    ids = identities.astype(object).where(identities.notna(), None)
    marks: dict[str, dict[str, set[str]]] = {}  # reason -> token -> people
    labels: dict[tuple[str, str], str] = {}  # (reason, token) -> what the reason shows
    short_forms: dict[str, set[str]] = {}  # "j doe" -> people who wrote it so
    by_email: dict[str, set[str]] = {}  # folded email local part -> people

    def note(reason: str, token: str, person: str, label: str | None = None) -> None:
        if token and len(token) >= 4:
            marks.setdefault(reason, {}).setdefault(token, set()).add(person)
            labels[(reason, token)] = label or token

    for row in ids.itertuples(index=False):
        person = person_of.get(row.key)
        if person is None or person in bots:
            continue
        name = row.name or ""
        if name and not looks_like_email(name) and not is_generic_name(name):
            if normalised := normalise_name(name):
                note("same full name, different GitHub accounts", normalised, person)
            elif len(name.split()) == 1:
                note("same one-word name", _fold(name), person)
            note("a name written as another's login or email", _fold(name), person)
            full, short = name_variants(name)
            for key in full:
                note("same name with an initial", key, person)
            for key in short:
                short_forms.setdefault(key, set()).add(person)
        if row.login:
            note("a name written as another's login or email", _fold(row.login), person)
            if row.source in (IdentitySource.GITHUB, IdentitySource.HF):
                # The same handle on GitHub and the Hub: often one person, never proof.
                note("same login on two platforms", row.login.lower(), person)
        box = mailbox_of(row.email)
        if box is not None:
            local = box.split("@", 1)[0]
            if local not in GENERIC_EMAIL_LOCALS:
                by_email.setdefault(_fold(local), set()).add(person)
                if "+" in row.email.split("@", 1)[0]:
                    note("same mailbox with a +tag", box, person, local)
                if len(local) >= 5:
                    note("same email local part on two domains", local, person)
    # An email local part pairs with a name or login; two local parts pair only by the
    # stricter rule of distinctive local parts above.
    written = marks.get("a name written as another's login or email", {})
    email_only = {t: persons - written.get(t, set()) for t, persons in by_email.items()}
    for token, persons in by_email.items():
        if token in written:
            written[token] |= persons
    pairs: dict[tuple[str, str], str] = {}

    def pair_up(persons: set[str], reason: str, apart: AbstractSet[str] = frozenset()) -> None:
        if 1 < len(persons) <= 5:  # common tokens say nothing
            ordered = sorted(persons)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    if not (a in apart and b in apart):
                        pairs.setdefault((a, b), reason)

    for reason in SUGGESTION_REASONS:
        index = marks.get(reason, {})
        if reason == "same mailbox with a +tag":
            # A mailbox pairs the people who wrote it with a +tag and those who did not.
            for row in ids.itertuples(index=False):
                box = mailbox_of(row.email)
                person = person_of.get(row.key)
                if box in index and person is not None and person not in bots:
                    index[box].add(person)
        for token, persons in sorted(index.items()):
            label = labels[(reason, token)]
            if reason == "same name with an initial":
                # Only a short form and a full name: two full names "Jane Doe" and "John
                # Doe" share "j doe" but are two people.
                for written_short in sorted(short_forms.get(token, set())):
                    if len(persons | {written_short}) <= 5:
                        for other in sorted(persons - {written_short}):
                            a, b = sorted((written_short, other))
                            pairs.setdefault((a, b), f"{reason} ({label})")
                continue
            pair_up(persons, f"{reason} ({label})", email_only.get(token, set()))
    paired = _pairing_suggestions(identities, person_of, bots, pairings)
    pairs = {**paired, **{k: v for k, v in pairs.items() if k not in paired}}
    rows = [{"person_a": a, "person_b": b, "reason": r} for (a, b), r in sorted(pairs.items())]
    return pd.DataFrame(rows, columns=columns)


def _pairing_suggestions(
    identities: pd.DataFrame,
    person_of: dict[str, str],
    bots: set[str],
    pairings: pd.DataFrame | None,
) -> dict[tuple[str, str], str]:
    """Pairs of people an owner-file pairing points at when two people fit its name
    (see :func:`suggest_merges`), with the pairing as the reason."""
    rows = _pairing_rows(pairings)
    if not rows:
        return {}
    index = _PairingIndex.of(identities)
    names = dict(zip(identities["key"], identities["name"], strict=True))
    out: dict[tuple[str, str], str] = {}
    for row in rows:
        fits = {person_of[k] for k in index.named(row.name, row.email) if k in person_of}
        fits -= bots
        if len(fits) < 2 or len(fits) > 5:
            continue
        mine = {person_of[k] for k in index.login(str(row.login), names) if k in person_of}
        mine -= bots
        reason = f"named together in an owner file ({row.source}: '{row.text}')"
        if mine:
            candidates = {(min(a, b), max(a, b)) for a in mine for b in fits if a != b}
        else:
            ordered = sorted(fits)
            candidates = {(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]}
        for pair in sorted(candidates):
            out.setdefault(pair, reason)
    return out


def _recorded_company(engine: Engine, settings: Settings) -> Settings:
    """``settings`` with the company domains and orgs that sources recorded in the store
    (the demo world records its company) added to those given."""
    stored_domains = (get_meta(engine, "company_domains") or "").split()
    stored_orgs = (get_meta(engine, "company_orgs") or "").split()
    return replace(
        settings,
        company_domains=tuple(dict.fromkeys([*settings.company_domains, *stored_domains])),
        company_orgs=tuple(dict.fromkeys([*settings.company_orgs, *stored_orgs])),
    )


def _owner_logins(named: pd.DataFrame) -> list[str]:
    """The GitHub logins owner files name (teams and e-mails left out)."""
    return sorted(set(named.loc[named["kind"] == "user", "owner"].str.lower()))


# The store's meta key of the organisation a person chose as theirs ("mine").
COMPANY_CHOICE = "company_mine"


def load_company_choice(engine: Engine) -> dict | None:
    """The organisation a person chose as theirs (``name``, ``domains``, ``orgs``), or
    None when none was chosen."""
    text = get_meta(engine, COMPANY_CHOICE) or ""
    return json.loads(text) if text else None


def company_settings(engine: Engine, settings: Settings) -> Settings:
    """The company affiliation uses, as settings: the settings file's, with what sources
    recorded in the store; when these name none, the organisation a person chose as
    theirs (:func:`save_company_choice`). The settings file always wins."""
    recorded = _recorded_company(engine, settings)
    choice = load_company_choice(engine)
    if company_from_settings(recorded).known or choice is None:
        return recorded
    orgs = tuple(choice.get("orgs", ()))
    return replace(
        recorded,
        company_domains=tuple(choice.get("domains", ())),
        company_orgs=orgs,
        company_names=orgs,
    )


def save_company_choice(engine: Engine, settings: Settings, name: str | None) -> CompanyInference:
    """Call the organisation ``name`` (its name, a domain or an organisation, as
    :func:`infer_company` lists them) "mine", or forget the choice with None; then
    re-resolve people. Returns the company now in use (the settings file's, if it names
    one: it always wins).

    Raises
    ------
    LookupError
        When the data shows no organisation called ``name``; the message lists those seen.
    """
    if name is None:
        set_meta(engine, COMPANY_CHOICE, "")
    else:
        chosen = choose_company(infer_company(engine, settings), name)
        choice = {"name": chosen.evidence.removesuffix(" chosen as mine"),
                  "domains": list(chosen.domains), "orgs": list(chosen.orgs)}  # fmt: skip
        set_meta(engine, COMPANY_CHOICE, json.dumps(choice, sort_keys=True))
    return infer_company(engine, settings)


def owner_file_logins(
    people: pd.DataFrame,
    identities: pd.DataFrame,
    links: pd.DataFrame,
    named: pd.DataFrame,
    pairings: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``people`` with a login for those who have none, where an owner file names a login
    that :func:`owner_matches` matches to them and to nobody else, surely (never a match
    it calls a guess): git-only people are often named by their GitHub login beside their
    name ("Ada Lovelace | ada"), the one public handle the history holds for them. The
    match is the login's source ("from MAINTAINERS.md: 'Ada Lovelace | ada'"). A person
    two such logins point at (a renamed account) keeps none: which one is theirs now is
    not known.

    >>> import pandas as pd
    >>> people = pd.DataFrame({"person_id": ["p1"], "name": ["Ada Lovelace"], "login": [None],
    ...                        "login_source": [""], "profile_url": [None]})
    >>> ids = pd.DataFrame({"key": ["k1"], "login": [None], "name": ["Ada Lovelace"],
    ...                     "email": ["ada@lab.example"]})
    >>> links = pd.DataFrame({"identity_key": ["k1"], "person_id": ["p1"]})
    >>> named = pd.DataFrame({"owner": ["adalovelace"], "kind": ["user"]})
    >>> out = owner_file_logins(people, ids, links, named)
    >>> out.loc[0, ["login", "login_source"]].tolist()
    ['adalovelace', 'from an owner file (matched by name)']
    """
    users = named[named["kind"] == "user"] if len(named) else named
    if people.empty or users.empty:
        return people
    users = users.drop_duplicates("owner")
    matched = owner_matches(users, people, identities, links, pairings)
    matched = matched.assign(owner=users["owner"]).dropna(subset=["person_id"])
    matched = matched[~matched["evidence"].str.contains("a guess", regex=False)]
    taken = {str(login).lower() for login in people["login"].dropna()}
    matched = matched[~matched["owner"].str.lower().isin(taken)]
    per_person = matched.groupby("person_id")["owner"].agg(lambda o: sorted(set(o.str.lower())))
    out = people.copy()
    for column in ("login_source", "profile_url"):
        if column not in out.columns:
            out[column] = "" if column == "login_source" else None
    by_person = matched.drop_duplicates("person_id").set_index("person_id")
    single = {person for person, owners in per_person.items() if len(owners) == 1}
    # Whole columns set once: a cell at a time converts a text column each time.
    logins = out["login"].tolist()
    sources = out["login_source"].tolist()
    urls = out["profile_url"].tolist()
    changed = False
    for at, (person_id, login) in enumerate(zip(out["person_id"], logins, strict=True)):
        if isinstance(login, str) or person_id not in single:
            continue
        found = by_person.loc[person_id]
        evidence = str(found["evidence"]).removeprefix("matched by ")
        source = (
            f"from {evidence}" if ":" in evidence else f"from an owner file (matched by {evidence})"
        )
        logins[at], sources[at] = found["owner"], source
        urls[at] = ACCOUNT_URLS[IdentitySource.GITHUB].format(login=found["owner"])
        changed = True
    if changed:
        out["login"], out["login_source"], out["profile_url"] = logins, sources, urls
    return out


def renamed_people(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, str]:
    """Old person id -> new one, for every person whose id is gone while all their
    identities are now one person's, whose id is new (ids keyed anew, or an anchor that
    changed); one to one, so that nobody's pipeline rows are merged with another's.
    ``before`` and ``after`` have the columns of ``identity_links``.

    >>> before = pd.DataFrame({"identity_key": ["a", "b", "c"], "person_id": ["gh1", "gh1", "p2"]})
    >>> after = pd.DataFrame({"identity_key": ["a", "b", "c"], "person_id": ["px", "px", "p2"]})
    >>> renamed_people(before, after)
    {'gh1': 'px'}
    """
    now = dict(zip(after["identity_key"], after["person_id"], strict=True))
    was, kept = set(before["person_id"]), set(now.values())
    targets: dict[str, set[str | None]] = {}
    for key, old in zip(before["identity_key"], before["person_id"], strict=True):
        targets.setdefault(old, set()).add(now.get(key))
    found = {
        old: str(next(iter(new)))
        for old, new in targets.items()
        if old not in kept and len(new) == 1 and None not in new and not new & was
    }
    claimed = Counter(found.values())
    return {old: new for old, new in sorted(found.items()) if claimed[new] == 1}


def _plain_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text columns as Python strings (object dtype): the rules below
    walk them row by row, which costs several times more over pandas' Arrow-backed text."""
    text = [c for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def update_people(engine: Engine, settings: Settings) -> Resolution:
    """Resolve every stored identity and replace the stored people and links.

    The company comes from the settings (or a source's record in the store), else from
    the organisation a person chose as theirs; when none is named, it is inferred from
    the data (:func:`talent.people.affiliation.infer_company_from`: only a project one
    organisation leads has one). The organisations and the kind of project are
    inferred in every case. The company used and the fingerprint of what the
    resolution read are kept in the store's meta, for :func:`infer_company` and
    :func:`ensure_people`.
    """
    fingerprint = people_fingerprint(engine, settings)
    given = company_from_settings(settings)
    recorded = _recorded_company(engine, settings)
    choice = load_company_choice(engine)
    settings = company_settings(engine, settings)
    identities = _plain_strings(load_identities(engine))
    activities = load_activity_digest(engine)
    evidence = load_identity_evidence(engine)
    found = trailer_evidence(activities, identities)
    evidence = pd.concat([evidence, found], ignore_index=True) if len(found) else evidence
    named, pairings = load_named_owners(engine), load_owner_pairings(engine)
    resolution = resolve_people(
        identities,
        settings,
        evidence,
        load_overrides(settings.people_file),
        pairings,
        _owner_logins(named),
        privacy_key=ensure_key(engine, settings),
    )
    people = owner_file_logins(resolution.people, identities, resolution.links, named, pairings)
    people = _plain_strings(people)
    resolution = Resolution(people, _plain_strings(resolution.links))
    company = company_from_settings(
        recorded, "" if given.known else "recorded in the store by its source"
    )
    if len(people):
        people = _plain_strings(judge_behaviour(people, resolution.links, activities))
        org_members = load_org_members(engine)
        account_members = load_account_members(engine)
        seen = infer_company_from(
            people,
            resolution.links,
            identities,
            activities,
            org_members=org_members,
            account_members=account_members,
            repos=load_repos(engine),
        )
        if company.known:
            company = replace(company, kind=seen.kind, organisations=seen.organisations)
        elif choice is not None:
            company = replace(
                seen,
                domains=settings.company_domains,
                orgs=settings.company_orgs,
                names=settings.company_names,
                evidence=f"{choice.get('name', '')} chosen as mine",
                source="chosen",
                candidates=(),
            )
        else:
            company = seen
        people = judge_affiliation(
            people,
            resolution.links,
            identities,
            activities,
            load_profiles(engine),
            company.apply(settings) if company.known else settings,
            org_members=org_members,
            account_members=account_members,
            inferred=company.source == "inferred",
            employers=tuple(
                d
                for org in company.organisations
                for d in org.domains
                if d not in settings.company_domains and d not in company.domains
            ),
        )
        resolution = Resolution(people, resolution.links)
    # Before the people: a crash in between leaves the pipeline on ids the next
    # resolution makes again, never on ids nobody has.
    before = _plain_strings(load_identity_links(engine))
    rename_people(engine, renamed_people(before, resolution.links))
    save_people(engine, resolution.people, replace=True)
    save_identity_links(engine, resolution.links, replace=True)
    set_meta(engine, "people_company", company.to_json())
    set_meta(engine, "people_fingerprint", fingerprint)
    return resolution


# Bump when the rules of resolution or affiliation change, so that stores re-resolve.
# 5: accounts of other platforms (the Hub), profile pages; 6: Hub members; 7: Hub logins shown;
# 8: owner-file pairings join a login's identities to its name's
# 9: automation accounts, trailer and one-word-login links, where logins come from;
#    tools' default messages no evidence of automation, deleted accounts nobody
#    organisations and the kind of project, dated employment with a grace period;
# 10: logins from owner-file matches for people who have none
# 11: person ids keyed with the privacy key (talent.store.keys), no account id in clear
RESOLUTION_RULES = "11"


def people_fingerprint(engine: Engine, settings: Settings) -> str:
    """What a resolution of the stored identities depends on, hashed: the effective
    company settings, the people file's content, the rules' version, and the size and
    latest times of the identities, evidence, activities, profiles and org members.
    Cheap (aggregates only), so :func:`ensure_people` may ask it on every run."""
    effective = company_settings(engine, settings)
    people_file = Path(effective.people_file)
    try:
        content = (
            read_bytes_limited(people_file, MAX_FILE_BYTES, "the people file")
            if people_file.is_file()
            else b""
        )
    except InputFileError as exc:
        raise OverrideError(str(exc)) from None
    parts = {
        "rules": RESOLUTION_RULES,
        "domains": sorted(effective.company_domains),
        "orgs": sorted(effective.company_orgs),
        "names": sorted(effective.company_names),
        "former_after_days": effective.former_after_days,
        "people_file": hashlib.sha256(content).hexdigest(),
        "data": store_aggregates(engine),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def infer_company(engine: Engine, settings: Settings) -> CompanyInference:
    """The company affiliation uses for this store and these settings: the settings'
    (or a source's record), else the one inferred from the data, else none (see
    :func:`talent.people.affiliation.company_warning`). Resolves people first if they are
    out of date (:func:`ensure_people`)."""
    ensure_people(engine, settings)
    recorded = get_meta(engine, "people_company")
    if recorded:
        return CompanyInference.from_json(recorded)
    return company_from_settings(company_settings(engine, settings))


# --- behaviour: bots that only say the same things ---------------------------------------

# BoDeGHa's idea (Golzadeh et al., JSS 2021): a bot's messages fall into very few
# patterns. Too few messages say nothing, so there is a floor.
BOT_MIN_MESSAGES = 10
BOT_FLAG = 0.8


# Messages the platforms' own tools write when a person gives none: huggingface_hub
# (``upload_folder``, ``upload_file``, ``delete_*``, ``metadata_update``,
# ``super_squash_history``, the commit scheduler), transformers' and datasets'
# ``push_to_hub`` and the Trainer, sentence-transformers, the Hub's web editor and GitHub's
# ("Update README.md", "Create LICENSE", "Add files via upload", "Rename a.py to b.py").
# On the Hub most people commit only these, so they say nothing of whether an account is
# a person or a machine: they are no evidence of automation (a template bot writes its
# own template, "Bump X from 1.2 to 1.3"). One place for the list: extend it here.
# A file name as the web editors write it (README.md, a/b.py, LICENSE, Dockerfile), never
# a version ("Update v1.2" is a release tool's own template).
_FILE = r"(?!v?\d)(?:\S*[./]\S*|[A-Z][A-Z0-9_-]{2,}|[A-Z][a-z]*file)"
DEFAULT_MESSAGES: tuple[str, ...] = (
    r"(?i:upload folder using huggingface_hub)",
    r"(?i:(?:upload|delete|delete folder|delete files) .+ with huggingface_hub)",
    r"(?i:update metadata with huggingface_hub)",
    r"(?i:super-squash branch .+ using huggingface_hub)",
    r"(?i:push (?:\w+ )?model using huggingface_hub\.?)",
    r"(?i:scheduled commit)",
    r"(?i:upload (?:model|tokenizer|processor|config|dataset|feature extractor|image processor))",
    r"(?i:upload) \w+(?:For\w+|Model|Tokenizer(?:Fast)?|Processor|Config)",  # Upload LlamaModel
    r"(?i:upload \d+ files?)",
    r"(?i:add files using upload-large-folder tool)",
    r"(?i:training in progress, (?:epoch|step) \d+)",
    r"(?i:end of training)",
    r"(?i:add new sentencetransformer model\.?)",
    rf"(?i:create|update|delete|upload|add) {_FILE}",
    rf"(?i:rename) {_FILE} (?i:to) {_FILE}",
    r"(?i:add files via upload)",
    r"(?i:initial commit)",
)
# File names are matched as written: "Add tests" is a person's message, "Add LICENSE" the
# web editor's.
_DEFAULT_MESSAGE = re.compile("|".join(f"(?:{p})" for p in DEFAULT_MESSAGES))


def is_default_message(text: str | None) -> bool:
    """True when a message's first line is one a tool writes by default
    (:data:`DEFAULT_MESSAGES`): no evidence of automation.

    >>> is_default_message("Upload folder using huggingface_hub")
    True
    >>> is_default_message("Upload README.md with huggingface_hub")
    True
    >>> is_default_message("Update README.md"), is_default_message("Create LICENSE")
    (True, True)
    >>> is_default_message("Bump torch from 2.1.0 to 2.2.0"), is_default_message("Add tests")
    (False, False)
    """
    line = (text or "").strip().split("\n", 1)[0].strip()
    return bool(line) and _DEFAULT_MESSAGE.fullmatch(line) is not None


def message_pattern(text: str) -> str:
    """A message with what varies between a template's uses taken out.

    >>> message_pattern("Bump torch from 2.1.0 to 2.2.0 in /requirements")
    'bump torch from # to # in /requirements'
    >>> message_pattern("Codecov Report: coverage 87.5% (+0.1%) 3f2a9c1")
    'codecov report: coverage #% (+#%) #'
    """
    text = (text or "").strip().lower()
    text = _HEX_RUN.sub("#", text)
    text = _NUMBER.sub("#", text)
    return _SPACES.sub(" ", text)


# message_pattern's, compiled once: it runs on every message of every bot candidate.
_HEX_RUN = re.compile(r"\b[0-9a-f]{7,40}\b")
_NUMBER = re.compile(r"v?\d+(?:[.,]\d+)*")
_SPACES = re.compile(r"\s+")


def template_bot_probability(messages: list[str]) -> float:
    """How much a set of messages looks like a bot's: 0 for varied or few messages,
    towards 1 as one pattern takes them all. Tools' default messages
    (:func:`is_default_message`) do not count: a person who always accepts
    "Upload folder using huggingface_hub" wrote no template.

    >>> template_bot_probability([f"Release v0.{i}.0" for i in range(20)])
    1.0
    >>> template_bot_probability([f"Fix bug {w}" for w in "abcdefghijklmnopqrst"])
    0.0
    >>> template_bot_probability(["Upload folder using huggingface_hub"] * 29)
    0.0
    """
    texts = [m for m in messages if m and m.strip() and not is_default_message(m)]
    return _template_score(Counter(message_pattern(m) for m in texts))


def _template_score(patterns: Counter[str]) -> float:
    """:func:`template_bot_probability` of messages with these pattern counts."""
    total = sum(patterns.values())
    if total < BOT_MIN_MESSAGES:
        return 0.0
    top_share = patterns.most_common(1)[0][1] / total
    variety = len(patterns) / total
    # One pattern for most messages, and few patterns overall.
    score = (top_share - 0.5) / 0.4 - max(0.0, variety - 0.2)
    return round(min(1.0, max(0.0, score)), 3)


# Subjects that tools write, not people: merges, version bumps, automated updates.
MACHINE_SUBJECT = re.compile(
    r"^(?:merge (?:pull request|branch|remote-tracking branch|tag|commit)\b"
    r"|\[(?:automated|auto|bot)\]|automated\b|auto[- ]?(?:update|merge|sync|generated)\b"
    r"|(?:update|bump|set) (?:the )?version\b)",
    re.IGNORECASE,
)


def _ramp(value: float, low: float, high: float) -> float:
    return min(1.0, max(0.0, (value - low) / (high - low)))


def automation_bot_probability(
    messages: list[str], kinds: list[str] | None = None, word: str | None = None
) -> tuple[float, str]:
    """How much an account's own messages look like automation's, and why.

    Three signals, the strongest counts:

    - templates (:func:`template_bot_probability`): one pattern takes most messages;
    - machine subjects: merge commits (``kinds`` "merge_commit") and subjects that tools
      write (``MACHINE_SUBJECT``: "Merge pull request #N from ...", "Merge branch ...",
      "Update version", "[automated] ..."): 0 up to half the messages, 1 from 90%;
    - with an automation ``word`` in the login or name (:func:`automation_word`), the share
      of machine subjects or of the three commonest patterns counts from 30% (1 from 70%).

    A person who merges a lot but also writes their own commits stays below the flag.
    Fewer than ``BOT_MIN_MESSAGES`` messages say nothing.

    >>> automation_bot_probability(["Merge pull request #%d from a/b" % i for i in range(12)])
    (1.0, '12 of 12 messages are merges or automated subjects')
    >>> automation_bot_probability([f"Fix bug {w}" for w in "abcdefghijkl"], word="ghost")
    (0.0, '')
    """
    kinds = list(kinds) if kinds is not None else [""] * len(messages)
    pairs = [(m, k) for m, k in zip(messages, kinds, strict=True) if m and m.strip()]
    n = len(pairs)
    if n < BOT_MIN_MESSAGES:
        return 0.0, ""
    texts = [m for m, _ in pairs]
    machine = sum(
        k == ActivityKind.MERGE_COMMIT or bool(MACHINE_SUBJECT.match(m.strip())) for m, k in pairs
    )
    # Tools' default messages are no template of the account's (see DEFAULT_MESSAGES).
    patterns = Counter(message_pattern(m) for m in texts if not is_default_message(m))
    top_count = max(patterns.values(), default=0)
    templated = sum(patterns.values())
    machine_note = f"{machine} of {n} messages are merges or automated subjects"
    # The first of equal probabilities gives the reason.
    notes = [
        (_ramp(machine / n, 0.5, 0.9), machine_note),
        (
            _template_score(patterns),  # template_bot_probability(texts), counted once
            f"{top_count} of {templated} messages follow one template",
        ),
    ]
    if word:
        tops = [c for _, c in patterns.most_common(3) if c > 1]
        repeated = sum(tops)
        templates = f"{repeated} of {n} messages follow {len(tops)} templates"
        what = machine_note if machine >= repeated else templates
        notes.append(
            (_ramp(max(machine, repeated) / n, 0.3, 0.7), f"the word {word!r} in its name, {what}")
        )
    probability, why = max(notes, key=lambda note: note[0])
    probability = round(probability, 3)
    return (probability, why) if probability > 0 else (0.0, "")


# One identity committing others' work and writing little of its own is a merge or export
# system, not a person: at least this many commits for at least this many authors, while
# its own commits are at most this share of them (maintainers who apply patches write
# their own too).
COMMITTER_MIN_COMMITS = 20
COMMITTER_MIN_AUTHORS = 5
COMMITTER_OWN_SHARE = 0.1
# An export system commits what a sync tool exported (an ``export:TRAILER`` state on the
# act, talent.sources.git.EXPORT_TRAILERS); a person who once ran the export by hand also
# writes commits of their own, so nearly all of the committer's own commits must be exports.
EXPORT_MIN_COMMITS = 10
EXPORT_OWN_SHARE = 0.9


def committer_evidence(
    activities: pd.DataFrame | ActivityDigest, person_of: dict[str, str]
) -> dict[str, str]:
    """People who commit others' work as a machine does, and why: many commits for many
    authors with few of their own, or commits a sync tool exported (Copybara's
    ``GitOrigin-RevId``, ShipIt's ``fbshipit-source-id``) with nearly no commit of their own
    that is not one.

    ``activities`` are the store's acts (``state`` of commits and "committed for another"
    acts says ``export:TRAILER``), ``person_of`` maps identity keys to people.
    """
    digest = ActivityDigest.of(activities)
    for_other = digest.for_other()
    for_other = for_other.assign(
        person=for_other["actor"].map(person_of), other=for_other["counterpart"].map(person_of)
    )
    for_other = for_other[for_other["person"].notna()]
    for_other = for_other[for_other["other"] != for_other["person"]]
    counts = digest.commit_counts()
    own = counts.groupby(counts.index.map(person_of)).sum()
    exported_for = for_other[for_other["state"].fillna("").astype(str).str.startswith(EXPORT_STATE)]
    # An exported commit with no "committed for another" act was committed by its author.
    committed_apart = set(for_other["item"])
    exported = digest.exported_commits()
    self_exported = exported[~exported["item"].isin(committed_apart)]
    self_exported = self_exported.assign(person=self_exported["actor"].map(person_of))
    trailer = {
        p: s.removeprefix(EXPORT_STATE)
        for p, s in zip(
            pd.concat([exported_for["person"], self_exported["person"]]),
            pd.concat([exported_for["state"], self_exported["state"]]),
            strict=True,
        )
    }
    out: dict[str, str] = {}
    exports = (
        exported_for.groupby("person")
        .size()
        .add(self_exported.groupby("person").size(), fill_value=0)
    )
    mine = self_exported.groupby("person").size()
    for person, n in exports.items():
        own_n, n = int(own.get(person, 0)), int(n)
        if n >= EXPORT_MIN_COMMITS and mine.get(person, 0) >= EXPORT_OWN_SHARE * own_n:
            out[person] = (
                f"committed {n} commits a sync tool exported ({trailer[person]}), "
                f"{own_n - int(mine.get(person, 0))} of its own besides"
            )
    for person, group in for_other.groupby("person"):
        n, authors = len(group), group["other"].nunique()
        own_n = int(own.get(person, 0))
        if person in out or n < COMMITTER_MIN_COMMITS or authors < COMMITTER_MIN_AUTHORS:
            continue
        if own_n <= COMMITTER_OWN_SHARE * n:
            out[person] = f"committed {n} commits for {authors} authors and authored {own_n}"
    return out


def _lists_by(keys: pd.Series, *columns: pd.Series) -> dict:
    """{key: (a list of each column's values)}, the rows in their order: what a
    ``groupby`` and a ``tolist`` per group give, in one stable sort and list slices (a
    group object per person costs a minute at a million people)."""
    codes, uniques = pd.factorize(keys, sort=True)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    lists = [col.to_numpy(dtype=object)[order].tolist() for col in columns]
    return {
        key: tuple(values[a:b] for values in lists)
        for key, a, b in zip(uniques, starts[:-1].tolist(), starts[1:].tolist(), strict=True)
    }


def judge_behaviour(
    people: pd.DataFrame, links: pd.DataFrame, activities: pd.DataFrame | ActivityDigest
) -> pd.DataFrame:
    """People with a bot probability from their own messages
    (:func:`automation_bot_probability`) and from how they commit others' work
    (:func:`committer_evidence`), and a ``bot_evidence`` a person can read; above
    ``BOT_FLAG`` a person is flagged a bot (rule-based bots and accounts that are not one
    person keep probability 1 and their evidence)."""
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    deleted = {person_of[k] for k in DELETED_KEYS if k in person_of}
    digest = ActivityDigest.of(activities)
    # Only acts with a title: messages without one say nothing (see
    # automation_bot_probability), and most acts of a large store have none.
    written = digest.written()
    written = written.assign(person=written["actor"].map(person_of)).dropna(subset=["person"])
    by_person = _lists_by(written["person"], written["title"], written["kind"])
    committers = committer_evidence(digest, person_of)
    out = people.copy()
    if "bot_evidence" not in out.columns:
        out["bot_evidence"] = ""
    probabilities, evidence = [], []
    for row in out.itertuples(index=False):
        if row.person_id in deleted:
            probabilities.append(1.0)
            evidence.append("deleted account: the platform no longer says who acted")
            continue
        if bool(row.is_bot):
            probabilities.append(1.0)
            evidence.append(row.bot_evidence or "bot by rule (login, account type or known bot)")
            continue
        if row.person_id in committers:
            probabilities.append(1.0)
            evidence.append("not one person: " + committers[row.person_id])
            continue
        titles, kinds = by_person.get(row.person_id, ([], []))
        if len(titles) < BOT_MIN_MESSAGES:  # too few to say anything, whatever the word
            probabilities.append(0.0)
            evidence.append("")
            continue
        word = automation_word(row.login, row.name)
        probability, why = automation_bot_probability(titles, kinds, word)
        probabilities.append(probability)
        evidence.append(why)
    out["bot_probability"] = probabilities
    out["is_bot"] = out["is_bot"].astype(bool) | (out["bot_probability"] >= BOT_FLAG)
    out["bot_evidence"] = evidence
    return out


# --- affiliation, with evidence and dates -----------------------------------------------

_LEGAL = {
    "inc",
    "llc",
    "ltd",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "company",
    "ag",
    "sa",
    "plc",
    "limited",
    "bv",
    "srl",
    "oy",
    "ab",
    "the",
}


def normalise_company(text: str | None) -> str:
    """A company as people write it in a profile, folded for matching.

    >>> normalise_company("@acme-ai"), normalise_company("Acme AI Inc."), normalise_company("")
    ('acme ai', 'acme ai', '')
    """
    folded = unicodedata.normalize("NFKD", (text or "").casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = [w for w in _NOT_LETTER_OR_DIGIT.split(folded) if w and w not in _LEGAL]
    return " ".join(words)


def company_matches(profile_company: str | None, settings: Settings) -> bool:
    """Does a profile's company field name the company (by name, org or domain stem)?

    >>> s = Settings(company_domains=("acme-ai.com",), company_orgs=("acme-ai",))
    >>> company_matches("Acme AI Research", s), company_matches("Acmeville", s)
    (True, False)
    """
    have = normalise_company(profile_company).split()
    if not have:
        return False
    names = [
        *settings.company_names,
        *settings.company_orgs,
        *(d.rsplit(".", 1)[0] for d in settings.company_domains),
    ]
    for name in names:
        want = normalise_company(name).split()
        if want and all(w in have for w in want):
            return True
    return False


def _seen_at(fetched: object, as_of: pd.Timestamp) -> pd.Timestamp:
    """When a profile or a membership read at ``fetched`` counts as seen: no later than
    the data's end, so that a span of employment depends on the data, not on the hour
    the profiles were read (two stores of the same data agree)."""
    when = pd.Timestamp(fetched)
    if pd.isna(as_of):
        return when
    end = pd.Timestamp(as_of)
    if when.tzinfo is not None:
        when = when.tz_convert("UTC").tz_localize(None)
    if end.tzinfo is not None:  # compare in UTC, give back the data's kind of time
        return min(when.tz_localize("UTC"), end.tz_convert("UTC")).tz_convert(end.tzinfo)
    return min(when, end)


def judge_affiliation(
    people: pd.DataFrame,
    links: pd.DataFrame,
    identities: pd.DataFrame,
    activities: pd.DataFrame | ActivityDigest,
    profiles: pd.DataFrame,
    settings: Settings,
    *,
    org_members: pd.DataFrame | None = None,
    account_members: pd.DataFrame | None = None,
    inferred: bool = False,
    employers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """employee / former_employee / community / unknown, with dated evidence and the
    span of employment.

    A person works for the company from their first to their last work with its
    evidence, plus ``settings.former_after_days`` of grace; after that they are a
    former employee. The evidence:

    - a company email: from its first to its last use;
    - public membership of one of the company's GitHub organisations (``org_members``
      with an ``org`` in ``settings.company_orgs``), or membership of a company
      organisation on the Hub (``account_members``, ``org`` ``hf:NAME``): until the
      fetch that saw it (from the person's first act);
    - a profile whose company names the company: until the profile's fetch.

    Everyone else is community, or unknown when nothing at all is known (no email, no
    profile). The span is kept in ``employed_from`` and ``employed_until`` (None for
    people who never were employees). "Now" is the latest act in the data.

    ``employers`` are other organisations' email domains: a person whose work went on
    from one of them after their last company email is a former employee at once. A
    former employee who went on from other addresses past the grace period is said to
    be a guess: git cannot tell whether they still work there.

    With ``inferred``, the company was inferred from the data rather than named in the
    settings, and the evidence says so.
    """
    out = people.copy()
    out["employed_from"] = None
    out["employed_until"] = None
    digest = ActivityDigest.of(activities)
    if digest.empty:
        return out
    as_of = digest.as_of
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    emails = dict(zip(identities["key"], identities["email"].fillna(""), strict=True))
    # Per person, grouped: their first act, the span of their company addresses, the
    # last work from any other address and the last use of each other employer's.
    spans = digest.spans[["actor", "first", "last"]]
    spans = spans.assign(person=spans["actor"].map(person_of)).dropna(subset=["person"])
    # Both answers depend on the address's domain only: asked once per domain.
    domain = [emails.get(a, "").lower().rpartition("@")[2] for a in spans["actor"]]
    ours = {d: company_domain_of(f"@{d}", settings.company_domains) for d in set(domain)}
    theirs = {d: company_domain_of(f"@{d}", employers) for d in set(domain)}
    at_company = np.array([bool(ours[d]) for d in domain], dtype=bool)
    employer = pd.Series([theirs[d] or None for d in domain], index=spans.index, dtype=object)
    first_of = spans.groupby("person")["first"].min()
    company = spans[at_company].groupby("person").agg(since=("first", "min"), until=("last", "max"))
    company_span = {
        person: (since, until)
        for person, since, until in zip(
            company.index, company["since"], company["until"], strict=True
        )
    }
    other_last_of = spans[~at_company].groupby("person")["last"].max()
    elsewhere: dict[str, list[tuple[pd.Timestamp, str]]] = {}  # last use at another employer
    moved = spans[~at_company & employer.notna().to_numpy()]
    for person, last, other in zip(
        moved["person"], moved["last"], employer[moved.index], strict=True
    ):
        elsewhere.setdefault(person, []).append((last, other))
    known_email = {person_of[k] for k, e in emails.items() if e and k in person_of}
    profile_company: dict[str, tuple[str, object]] = {}
    if len(profiles):
        id_person = {}
        for key, gid in identities.set_index("key")["github_id"].dropna().items():
            if key in person_of:
                id_person[int(gid)] = person_of[key]
        for row in profiles.itertuples(index=False):
            person = id_person.get(int(row.github_id))
            if person is not None and isinstance(row.company, str) and row.company:
                profile_company[person] = (row.company, row.fetched_at)
    member_of: dict[str, tuple[str, object]] = {}
    company_orgs = {o.lower() for o in settings.company_orgs}
    if org_members is not None and len(org_members):
        ids = identities.set_index("key")["github_id"].dropna()
        account_person = {int(g): person_of[k] for k, g in ids.items() if k in person_of}
        for row in org_members.itertuples(index=False):
            person = account_person.get(int(row.github_id))
            if person is not None and str(row.org).lower() in company_orgs:
                member_of.setdefault(person, (str(row.org), row.fetched_at))
    outside: dict[str, str] = {}  # person -> the company organisation they are not in
    if account_members is not None and len(account_members):
        listed: dict[str, str] = {}  # platform -> a company organisation listed on it
        for row in account_members.itertuples(index=False):
            platform, _, org = str(row.org).partition(":")
            if org.lower() not in company_orgs:
                continue
            listed.setdefault(platform, org)
            person = person_of.get(row.identity_key)
            if person is not None:
                member_of.setdefault(person, (f"{org} ({platform})", row.fetched_at))
        # A platform account missing from the company's complete member list there (the
        # Hub lists every member, not only public ones) is someone outside it.
        members = set(account_members["identity_key"])
        for key, person in person_of.items():
            platform = key.partition(":")[0]
            if platform in listed and key not in members:
                outside.setdefault(person, f"{listed[platform]} ({platform})")
    # Times by person only of the people with company evidence (made into timestamps one
    # by one, for everyone, they cost more than the rest of the step).
    dated = profile_company.keys() | member_of.keys()
    first_act = first_of[first_of.index.isin(list(dated))].to_dict()
    dated |= company_span.keys()
    other_last = other_last_of[other_last_of.index.isin(list(dated))].to_dict()
    tag = " (company inferred from the data)" if inferred else ""
    grace = pd.Timedelta(days=settings.former_after_days)
    labels, evidence, since_col, until_col = [], [], [], []
    for row in out.itertuples(index=False):
        pid = row.person_id
        notes = []
        known = pid in known_email or pid in profile_company or pid in outside
        label = "community" if known else "unknown"
        since = until = None
        if pid in outside and pid not in member_of:
            notes.append(f"not a member of {outside[pid]}")
        moved = None
        if pid in company_span:
            since, until = company_span[pid]
            notes.append(f"company email{tag}, used {since:%Y-%m-%d} to {until:%Y-%m-%d}")
            later = [(last, org) for last, org in elsewhere.get(pid, []) if last > until]
            moved = max(later) if later else None
        if pid in profile_company:
            company, fetched = profile_company[pid]
            if company_matches(company, settings):
                when = _seen_at(fetched, as_of)
                since, until = _widen(since, until, first_act.get(pid, when), when)
                notes.append(f"profile company {company!r}{tag} ({when:%Y-%m-%d})")
            else:
                notes.append(f"profile company {company!r}")
        if pid in member_of:
            org, fetched = member_of[pid]
            when = _seen_at(fetched, as_of)
            since, until = _widen(since, until, first_act.get(pid, when), when)
            notes.append(f"public member of {org}{tag} ({when:%Y-%m-%d})")
        if until is not None:
            if moved is not None and moved[0] > until:
                label = "former_employee"
                notes.append(f"then worked from {moved[1]} until {moved[0]:%Y-%m-%d}")
            # Quiet on every company evidence for longer than the grace period: gone.
            elif until + grace < as_of:
                label = "former_employee"
                notes.append(
                    f"nothing from the company for over {settings.former_after_days} days "
                    f"before {as_of:%Y-%m-%d}"
                )
                # Work that went on from a personal address says nothing either way.
                went_on = other_last.get(pid)
                if went_on is not None and went_on > until + grace:
                    notes.append(
                        f"a guess: went on from other addresses until {went_on:%Y-%m-%d}, "
                        "and may still work there"
                    )
            else:
                label = "employee"
        labels.append(label)
        evidence.append("; ".join(notes))
        since_col.append(since)
        until_col.append(until)
    out["affiliation"] = labels
    out["affiliation_evidence"] = evidence
    out["employed_from"] = pd.to_datetime(pd.Series(since_col, index=out.index, dtype=object))
    out["employed_until"] = pd.to_datetime(pd.Series(until_col, index=out.index, dtype=object))
    return out


def _widen(since, until, first, last):
    """The span ``since``-``until`` (None: no span yet) widened to cover first-last."""
    if since is None:
        return first, last
    return min(since, first), max(until, last)


def ensure_people(engine: Engine, settings: Settings) -> None:
    """Resolve identities if any stored identity has no person yet, or if what the last
    resolution read changed: the company settings, the people file, the data (see
    :func:`people_fingerprint`). Idempotent."""
    unlinked = count_rows(engine, "identity_links") != count_rows(engine, "identities")
    if unlinked or get_meta(engine, "people_fingerprint") != people_fingerprint(engine, settings):
        update_people(engine, settings)
