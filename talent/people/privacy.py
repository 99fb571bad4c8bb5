"""Opt-out: people who asked to be left out are neither stored nor shown, anywhere.

An opt-out names a **person**, not a string (:func:`resolve_person`: a login, an e-mail
address, a full name, a profile URL or a person id), and records everything that person is
known by (:func:`person_tokens`: every address, login, account id, full name and its short
forms, the owner-file logins matched to them) on the list as keyed hashes
(:mod:`talent.store.keys`): the list names nobody, and without the key file even a
dictionary of public addresses cannot be checked against it. The list is applied

- **at ingest**: :func:`talent.sync.run_sync` drops every identity that identity
  resolution could join to a listed person (:func:`talent.names.optout_tokens`), with their
  acts, memberships, profiles and owner-file namings, in every source;
- **to what is stored** (:func:`apply_suppressions`): identities that match, with every
  identity of the people they belong to, owner-file rows and pairings naming them, the
  pipeline's rows of them (verdicts, shortlist entries and events, digest snapshots, ATS
  marks, notes and saved searches naming them), their place in the access log (an entry
  that named only them goes) and the people file's rules for them; then
  the database files are scrubbed (:func:`talent.store.forget_on_disk`).

The list entries go in with a pending mark in one transaction; the deletions follow, and
the mark is cleared last. A run killed in between leaves the mark, and the next start of
any command finishes the deletions first (:func:`finish_pending`).

The list moves between databases that share a key file as a file (:func:`export_list`,
:func:`import_list`). A person's own copy of what is held about them, who saw them
included, is :func:`subject_copy`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from talent.config import Settings
from talent.files import MAX_DEPTH, MAX_FILE_BYTES, InputFileError, load_json_limited
from talent.lazy import LazyModule
from talent.model import ActivityKind
from talent.names import (
    NAME_REMOVED,
    SUPPRESSION_KINDS,
    optout_tokens,
    owner_tokens,
    suppression_token,
)
from talent.people.identity import (
    PersonNotFound,
    find_person,
    login_variants,
    owner_matches,
    remove_overrides,
    update_people,
)
from talent.store import (
    add_suppressions,
    clear_pending_optout,
    delete_person_rows,
    delete_suppressions,
    forget_on_disk,
    forget_text,
    get_meta,
    load_identities,
    load_identity_links,
    load_named_owners,
    load_owner_pairings,
    load_people,
    load_repos,
    load_suppressions,
    pending_optout,
    privacy_salt,
    purge_identities,
    redact_titles,
    save_suppressions,
    scrub_pending,
    scrubbed,
    set_meta,
)
from talent.store.keys import KeyProblem, ensure_key, load_optout, rotate_key

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")

__all__ = [
    "PrivacyError",
    "OptoutDone",
    "resolve_person",
    "person_tokens",
    "optout",
    "purge_person",
    "apply_suppressions",
    "finish_pending",
    "list_suppressions",
    "remove_suppression",
    "rotate",
    "export_list",
    "import_list",
    "notice_text",
    "apply_retention",
    "subject_copy",
    "TEXT_KINDS",
]

# Acts whose title is words someone wrote in a comment or review (its first line).
TEXT_KINDS = (ActivityKind.ISSUE_COMMENT, ActivityKind.REVIEW_COMMENT, ActivityKind.REVIEW)
# What an old comment's title becomes: nothing (pages show the act's kind instead, and
# bot detection reads no empty message).
TEXT_REMOVED = ""

# Profile pages a person may be named by: the login is the first part of the path.
_PROFILE_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(github\.com|huggingface\.co)/@?([A-Za-z0-9][A-Za-z0-9_.-]*)/?(?:[?#].*)?$",
    re.IGNORECASE,
)


class PrivacyError(ValueError):
    """A privacy command that cannot be carried out (message: one line)."""


@dataclass
class OptoutDone:
    """What an opt-out did: the person (None when nobody stored matched), the entries
    added to the list and rows deleted per table."""

    person_id: str | None = None
    added: int = 0
    deleted: dict[str, int] = field(default_factory=dict)

    def get(self, table: str, default: int = 0) -> int:
        return self.deleted.get(table, default)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def resolve_person(engine: Engine, who: str) -> set[str]:
    """The stored person ``who`` names: a person id, login, e-mail address, full name,
    selector (``login:``, ``email:``, ``name:``, ``github:``, ``hf:``) or profile URL
    (``https://github.com/LOGIN``, ``https://huggingface.co/LOGIN``). A GitHub login
    also names the Hub account of that login when it is a person of its own (the same
    login on another platform is most likely the same person: the safe side). Raises
    :class:`PrivacyError` (one line) when nobody or several people match."""
    text = str(who).strip()
    if not text:
        raise PrivacyError("say who: a login, e-mail address, full name, profile URL or person id")
    url = _PROFILE_URL.match(text)
    if url:
        text = ("hf:" if url.group(1).lower() == "huggingface.co" else "login:") + url.group(2)
    links = load_identity_links(engine)
    idents = load_identities(engine)
    if text.startswith("hf:"):
        logins = idents["login"].fillna("").astype(str).str.lower()
        hub = idents[(idents["source"] == "hf") & (logins == text[3:].lower())]
        found = set(links.loc[links["identity_key"].isin(hub["key"]), "person_id"])
        if len(found) == 1:
            return found
        problem = f"nobody matches {who!r}" if not found else f"{who!r} matches {len(found)} people"
    else:
        try:
            return {find_person(engine, text)}
        except PersonNotFound as exc:
            problem = str(exc)
        login = text.removeprefix("login:").lstrip("@").lower()
        if re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", login):
            people = load_people(engine)
            same = set(people.loc[people["login"].fillna("").str.lower() == login, "person_id"])
            sources = (
                links.merge(idents, left_on="identity_key", right_on="key")
                .groupby("person_id")["source"]
                .agg(set)
            )
            hub_only = {p for p in same if sources.get(p, set()) == {"hf"}}
            if len(same - hub_only) == 1:
                return same
    raise PrivacyError(
        f"{problem}: try their full name or e-mail address (git history knows people by "
        f"those), or list the identifier itself with --kind ({', '.join(SUPPRESSION_KINDS)})"
    )


def person_tokens(engine: Engine, person_ids: set[str]) -> tuple[list[str], list[str]]:
    """(tokens, needles) for ``person_ids``: every token they are known by (their
    identities', the owner-file logins matched to them and the names written beside
    those) and the same identifiers in clear, to find notes that mention them (kept in
    memory only)."""
    # The identities and links are read once: owner matching needs all of them too.
    everyone = load_identities(engine)
    links = load_identity_links(engine)
    keys = set(links.loc[links["person_id"].isin(person_ids), "identity_key"])
    idents = everyone[everyone["key"].isin(keys)]
    tokens: list[str] = []
    needles: list[str] = []
    for row in idents.itertuples(index=False):
        tokens += optout_tokens(row.source, row.name, row.email, row.login, row.github_id)
        needles += [x for x in (row.email, row.login, row.name) if isinstance(x, str) and x.strip()]
        if isinstance(row.name, str):
            tokens += [f"owner:{v}" for v in login_variants(row.name)]
    people = load_people(engine)
    mine = people[people["person_id"].isin(person_ids)]
    for login in mine["login"].dropna():
        tokens += owner_tokens(login, "user")
        needles.append(str(login))
    named = load_named_owners(engine)
    users = named[named["kind"].isin(["user", "email"])].drop_duplicates(["owner", "kind"])
    if not users.empty:
        pairings = load_owner_pairings(engine)
        matched = owner_matches(users.reset_index(drop=True), people, everyone, links, pairings)
        theirs = users.reset_index(drop=True)[matched["person_id"].isin(person_ids).to_numpy()]
        for owner, kind in zip(theirs["owner"], theirs["kind"], strict=True):
            tokens += owner_tokens(owner, kind)
            needles.append(str(owner).lstrip("@"))
        logins = {str(o).lstrip("@").lower() for o in theirs["owner"]}
        for row in pairings.itertuples(index=False):
            if str(row.login).lower() in logins:
                tokens += optout_tokens("git", row.name, row.email, row.login, None)
                needles += [x for x in (row.name, row.email) if isinstance(x, str) and x.strip()]
    return list(dict.fromkeys(tokens)), list(dict.fromkeys(needles))


def _hub_too(tokens: list[str]) -> list[str]:
    """A GitHub login is left out on the Hub too: the same login on another platform is
    most likely the same person, and leaving out too much is the safe side."""
    return [*tokens, *("hf:" + t.split(":", 1)[1] for t in tokens if t.startswith("login:"))]


def _add(engine: Engine, tokens: list[str], pending: set[str]) -> int:
    listed = load_optout(engine)
    rows = [
        {"hash": listed.entry(t), "kind": t.split(":", 1)[0], "added_at": _now()}
        for t in dict.fromkeys(_hub_too(tokens))
    ]
    return add_suppressions(engine, rows, sorted(pending))


def apply_suppressions(engine: Engine, settings: Settings | None = None) -> dict[str, int]:
    """Delete what the store holds of anyone on the list (see the module's text), then
    scrub the database files; returns rows deleted per table. Idempotent: a second call
    finds nothing."""
    settings = settings or Settings()
    listed = load_optout(engine, settings)
    pending = pending_optout(engine) or []
    if not listed.hashes and not pending:
        return {}
    identities = load_identities(engine)
    keys = {
        row.key
        for row in identities.itertuples(index=False)
        if listed.hit(
            optout_tokens(row.source, row.name, row.email, row.login, row.github_id, incoming=True)
        )
    }
    # The person is left out, not only the identity named: every identity resolution
    # joined to it goes too, and joins the list, so none of them comes back with a mine.
    links = load_identity_links(engine)
    people = set(links.loc[links["identity_key"].isin(keys), "person_id"]) | set(pending)
    keys |= set(links.loc[links["person_id"].isin(people), "identity_key"])
    tokens, needles = person_tokens(engine, people) if people else ([], [])
    if tokens:
        _add(engine, tokens, people)
        listed = load_optout(engine, settings)
    done = delete_person_rows(engine, sorted(people), needles)
    # Before the identities go: a run killed after them finds the rest by the list.
    done["people_file_rules"] = remove_overrides(settings.people_file, needles, listed.listed)
    done["titles"] = redact_titles(engine, needles, NAME_REMOVED)
    owners = load_named_owners(engine)
    hit_owners = [
        (o, k)
        for o, k in zip(owners["owner"], owners["kind"], strict=True)
        if listed.hit(owner_tokens(o, k))
    ]
    logins = [o for o, k in hit_owners if k == "user"]
    emails = [o for o, k in hit_owners if k == "email"]
    for row in load_owner_pairings(engine).itertuples(index=False):
        these = [
            *owner_tokens(row.login, "user"),
            *optout_tokens("git", row.name, row.email, None, None, incoming=True),
        ]
        if listed.hit(these):
            logins.append(str(row.login))
            if isinstance(row.email, str) and row.email:
                emails.append(row.email)
    if keys or logins or emails:
        done.update(purge_identities(engine, sorted(keys), logins=logins, emails=emails))
    if keys or people or any(done.values()):  # a killed run may have purged already
        update_people(engine, settings)
    clear_pending_optout(engine)
    _scrub(engine)
    return {k: v for k, v in done.items() if v}


def finish_pending(engine: Engine, settings: Settings | None = None) -> bool:
    """Finish an opt-out that a killed run left half done (any command calls this when
    it opens the store); True when there was one. Raises :class:`KeyProblem` when the
    key file is not this database's."""
    ensure_key(engine, settings)
    if pending_optout(engine) is not None:
        apply_suppressions(engine, settings)
        return True
    if scrub_pending(engine):
        _scrub(engine)
        return True
    return False


def _scrub(engine: Engine) -> None:
    """Scrub the files (after the pending mark went, so its bytes go too); the scrub
    mark goes last and holds nothing about anyone."""
    forget_on_disk(engine)
    scrubbed(engine)


def optout(
    engine: Engine, who: str, settings: Settings | None = None, kind: str | None = None
) -> OptoutDone:
    """Leave a person out for good: resolve ``who`` to the one stored person
    (:func:`resolve_person`), list everything they are known by and delete what the
    store holds of them. With ``kind`` (login, email, hf, github_id), ``who`` is that
    identifier, listed even when nobody stored has it yet (an objection before a mine)."""
    settings = settings or Settings()
    finish_pending(engine, settings)
    if kind is not None:
        if kind not in SUPPRESSION_KINDS:
            raise PrivacyError(f"unknown kind {kind!r}: use one of {', '.join(SUPPRESSION_KINDS)}")
        value = str(who).strip()
        if not value.lstrip("@"):
            raise PrivacyError(
                "give the login, e-mail address, Hub login or account id to leave out"
            )
        if kind == "github_id" and not value.isdigit():
            raise PrivacyError(f"a GitHub account id is a number, not {who!r}")
        token = suppression_token(kind, value)
        identities = load_identities(engine)
        keys = [
            row.key
            for row in identities.itertuples(index=False)
            if token in optout_tokens(row.source, row.name, row.email, row.login, row.github_id)
        ]
        links = load_identity_links(engine)
        found = set(links.loc[links["identity_key"].isin(keys), "person_id"])
        person = found.pop() if len(found) == 1 else None
        pending = {person} if person else set()
        added = _add(engine, [token, *person_tokens(engine, pending)[0]], pending)
    else:
        found = resolve_person(engine, who)
        person = min(found, key=lambda p: (p.startswith("hf"), p))
        tokens, _ = person_tokens(engine, found)
        added = _add(engine, tokens, found)
    return OptoutDone(person, added, apply_suppressions(engine, settings))


def purge_person(engine: Engine, who: str, settings: Settings | None = None) -> OptoutDone:
    """Delete a person (as ``talent people show`` finds them) with everything of theirs
    and keep them on the list: since opt-outs clear the pipeline too, the same as
    :func:`optout` by person."""
    return optout(engine, who, settings)


def list_suppressions(engine: Engine) -> pd.DataFrame:
    """The list as it can be shown: kind, the hash's first 12 characters, when added."""
    rows = load_suppressions(engine)
    return pd.DataFrame(
        {"kind": rows["kind"], "id": rows["hash"].str[:12], "added_at": rows["added_at"]}
    )


def remove_suppression(engine: Engine, prefix: str) -> str:
    """Take the entry whose hash starts with ``prefix`` off the list (the person's data
    comes back only with the next mine); returns its kind."""
    rows = load_suppressions(engine)
    found = (
        rows[rows["hash"].str.startswith(prefix.strip().lower())] if prefix.strip() else rows[:0]
    )
    if len(found) != 1:
        raise PrivacyError(
            f"{len(found)} entries start with {prefix!r}: give more of the id "
            "that `talent privacy list` shows"
        )
    delete_suppressions(engine, found["hash"].tolist())
    return str(found["kind"].iloc[0])


def rotate(engine: Engine, settings: Settings | None = None) -> int:
    """Add a key to the key file and re-wrap the list with it
    (:func:`talent.store.keys.rotate_key`)."""
    try:
        return rotate_key(engine, settings)
    except (KeyProblem, OSError) as exc:
        raise PrivacyError(str(exc)) from None


def export_list(engine: Engine, path: Path) -> int:
    """Write the list, with its salt and its key's fingerprint (never the key), to
    ``path`` (JSON) for another database that uses the same key file."""
    rows = load_suppressions(engine)
    payload = {
        "talent_suppressions": 2,
        "salt": privacy_salt(engine),
        "key": ensure_key(engine).fingerprint,
        "entries": [
            {"hash": h, "kind": k, "added_at": pd.Timestamp(a).isoformat()}
            for h, k, a in zip(rows["hash"], rows["kind"], rows["added_at"], strict=True)
        ],
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return len(rows)


def import_list(engine: Engine, path: Path, settings: Settings | None = None) -> int:
    """Add the entries of a file :func:`export_list` wrote, and apply them. The file must
    come from a database with the same key file, and a store with a list of its own must
    share the file's salt (hashes cannot be re-salted)."""
    payload = read_list_file(path)
    try:
        salt = str(payload["salt"])
        fingerprint = str(payload["key"])
        entries = [(str(e["hash"]), str(e["kind"])) for e in payload["entries"]]
    except (KeyError, TypeError):
        raise PrivacyError(f"{path} is not a list written by `talent privacy export`") from None
    if fingerprint != ensure_key(engine, settings).fingerprint:
        raise PrivacyError(
            f"{path} was made with another privacy key: use the key file of the database "
            "that exported it (TALENT_KEY_FILE)"
        )
    mine = get_meta(engine, "privacy_salt")
    if mine is not None and mine != salt and not load_suppressions(engine).empty:
        raise PrivacyError(
            f"this database has its own opt-out list with another salt: import {path} into "
            "a database without one, or export this one and add its people again"
        )
    if mine != salt:
        set_meta(engine, "privacy_salt", salt)
    added = save_suppressions(
        engine, [{"hash": h, "kind": k, "added_at": _now()} for h, k in entries]
    )
    apply_suppressions(engine, settings)
    return added


def read_list_file(path: Path) -> dict:
    """The JSON of a list file, bounded in size and depth (one line on anything else)."""
    try:
        payload = load_json_limited(path, MAX_FILE_BYTES, MAX_DEPTH, "the opt-out list")
    except InputFileError as exc:
        raise PrivacyError(str(exc)) from None
    except OSError as exc:
        raise PrivacyError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, RecursionError):
        raise PrivacyError(f"{path} is not a list written by `talent privacy export`") from None
    if not isinstance(payload, dict):
        raise PrivacyError(f"{path} is not a list written by `talent privacy export`")
    return payload


_SOURCES = {
    "git": "the public history of git repositories (commit authors, dates, files changed, "
    "commit subjects and trailers, owner files such as CODEOWNERS)",
    "github": "GitHub's public API (issues, pull requests, reviews and comments: who did "
    "what and when, titles; public profile fields: name, company, location)",
    "hf": "the Hugging Face Hub's public API (commits, discussions and pull requests on "
    "models, datasets and Spaces; models built on them; organisation members)",
    "demo": "a synthetic demo world (no real person)",
}


def notice_text(engine: Engine, settings: Settings | None = None) -> str:
    """The notice to send with any outreach and to publish: which public sources were
    used, for what, and how to object (GDPR Articles 14 and 21, in plain words)."""
    settings = settings or Settings()
    origins = sorted(set(load_repos(engine)["origin"].astype(str)))
    company = ", ".join(settings.company_names or settings.company_orgs) or (
        get_meta(engine, "company_orgs") or "our company"
    )
    used = [f"- {_SOURCES.get(o, o)}" for o in origins] or ["- (nothing mined yet)"]
    return "\n".join(
        [
            "How we found your work, and how to be left out",
            "",
            f"{company} uses talent, an open-source tool, to see who contributes to its "
            "open-source projects. It read only public information:",
            "",
            *used,
            "",
            "What for: to understand who works on our projects and to find people we might "
            "contact about work. We keep counts and links to your public contributions; we "
            "do not collect private data, we hide e-mail addresses, and we do not sell or "
            "share what we keep.",
            "",
            "Your rights (GDPR Article 14: you are told where the data came from; Article "
            "21: you may object at any time). Reply to this message, or ask us, to be left "
            "out: we add a one-way fingerprint of your login or e-mail address to our "
            "opt-out list (`talent privacy optout`), delete what we hold about you, and no "
            "later run stores you again. You may also ask us what we hold "
            "(`talent people show`) or to correct it.",
        ]
    )


def apply_retention(engine: Engine, settings: Settings, now: datetime | None = None) -> int:
    """Forget the words of comments older than ``settings.comment_text_days`` (their act,
    date and link stay, so every count and score is unchanged); returns rows changed."""
    if settings.comment_text_days is None:
        return 0
    from datetime import timedelta

    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.comment_text_days)
    return forget_text(engine, [str(k) for k in TEXT_KINDS], cutoff, TEXT_REMOVED)


def subject_copy(engine: Engine, who: str) -> dict:
    """What the store holds about the person ``who`` names (:func:`resolve_person`), for
    them (GDPR Article 15): who they are to talent (name, login, affiliation and why),
    their identities (addresses included: it is their copy), their acts counted per
    repository and kind with the first and last date, the shortlists they are on with
    stage, tags and the history of changes and notes, ATS marks, and who at the company
    viewed, exported or drafted to them (the access log: who, when, what, from where)."""
    from talent.people.accesslog import access_log
    from talent.store import load_activities, load_ats_marks, load_entries, load_events

    ids = resolve_person(engine, who)
    people = load_people(engine)
    mine = people[people["person_id"].isin(ids)]
    links = load_identity_links(engine)
    keys = sorted(set(links.loc[links["person_id"].isin(ids), "identity_key"]))
    idents = load_identities(engine, keys=keys)
    acts = load_activities(engine, actors=keys)

    def day(value) -> str | None:
        return None if pd.isna(value) else pd.Timestamp(value).isoformat()

    def text(value) -> str:
        return value if isinstance(value, str) else ""

    counted = (
        acts.groupby(["repo", "kind"])["occurred_at"].agg(["count", "min", "max"]).reset_index()
        if not acts.empty
        else pd.DataFrame(columns=["repo", "kind", "count", "min", "max"])
    )
    entries = load_entries(engine)
    entries = entries[entries["person_id"].isin(ids)]
    events = pd.concat([load_events(engine, person_id=p) for p in sorted(ids)])
    marks = load_ats_marks(engine)
    marks = marks[marks["person_id"].isin(ids)]
    seen = access_log(engine, person=ids)
    return {
        "talent_subject_copy": 1,
        "made_at": _now().isoformat(),
        "people": [
            {
                "person_id": r.person_id,
                "name": text(r.name),
                "login": text(r.login),
                "profile_url": text(r.profile_url),
                "affiliation": r.affiliation,
                "affiliation_evidence": text(r.affiliation_evidence),
                "is_bot": bool(r.is_bot),
            }
            for r in mine.itertuples(index=False)
        ],
        "identities": [
            {
                "source": r.source,
                "name": text(r.name),
                "email": text(r.email),
                "login": text(r.login),
            }
            for r in idents.itertuples(index=False)
        ],  # fmt: skip
        "activity": [
            {
                "repo": r.repo,
                "kind": r.kind,
                "count": int(r.count),
                "first": day(r.min),
                "last": day(r.max),
            }
            for r in counted.itertuples(index=False)
        ],  # fmt: skip
        "shortlists": [
            {
                "shortlist": r.shortlist,
                "stage": r.stage,
                "tags": list(r.tags),
                "added_at": day(r.added_at),
            }
            for r in entries.itertuples(index=False)
        ],  # fmt: skip
        "shortlist_history": [
            {
                "shortlist": r.shortlist,
                "at": day(r.at),
                "who": r.who,
                "what": r.what,
                "old": r.old,
                "new": r.new,
            }
            for r in events.itertuples(index=False)
        ],  # fmt: skip
        "ats_marks": [
            {"matched_by": r.matched_by, "imported_at": day(r.imported_at)}
            for r in marks.itertuples(index=False)
        ],
        "seen_by": [
            {"at": day(r.at), "who": r.who, "action": r.action, "where": r.where}
            for r in seen.itertuples(index=False)
        ],
    }
