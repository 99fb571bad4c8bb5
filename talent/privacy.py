"""Opt-out: people who asked to be left out are neither stored nor shown.

A suppression is a salted SHA-256 hash of something a person is known by (a GitHub login
or account id, an e-mail address, a Hub login: :func:`talent.model.identity_tokens`), so
the list itself names nobody. It is applied

- **at ingest**: :func:`talent.sync.run_sync` drops a suppressed person's identities,
  acts, memberships, profiles and owner-file namings from every batch of every source;
  acts of others on their work keep the other's credit and lose the counterpart;
- **to what is stored** when someone is added (:func:`optout`, :func:`purge_person`):
  their rows are deleted and people are resolved again, so every output (rankings,
  the app, exports, the maintainers' report, the library API) is built without them.

The list moves between databases as a file (:func:`export_list`, :func:`import_list`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from talent.config import Settings
from talent.identity import find_person, update_people
from talent.model import (
    SUPPRESSION_KINDS,
    ActivityKind,
    identity_tokens,
    salted_hash,
    suppression_token,
)
from talent.store import (
    delete_feedback,
    delete_person_entries,
    delete_suppressions,
    forget_text,
    get_meta,
    load_identities,
    load_identity_links,
    load_named_owners,
    load_owner_pairings,
    load_repos,
    load_suppressions,
    privacy_salt,
    purge_identities,
    save_suppressions,
    set_meta,
)

__all__ = [
    "PrivacyError",
    "optout",
    "purge_person",
    "apply_suppressions",
    "list_suppressions",
    "remove_suppression",
    "export_list",
    "import_list",
    "notice_text",
    "apply_retention",
    "TEXT_KINDS",
]

# Acts whose title is words someone wrote in a comment or review (its first line).
TEXT_KINDS = (ActivityKind.ISSUE_COMMENT, ActivityKind.REVIEW_COMMENT, ActivityKind.REVIEW)
# What an old comment's title becomes: nothing (pages show the act's kind instead, and
# bot detection reads no empty message).
TEXT_REMOVED = ""


class PrivacyError(ValueError):
    """A privacy command that cannot be carried out (message: one line)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _add(engine: Engine, tokens: list[str]) -> int:
    """Put ``tokens`` on the list. A GitHub login is left out on the Hub too: the same
    login on another platform is most likely the same person, and leaving out too much
    is the safe side."""
    tokens = [*tokens, *("hf:" + t.split(":", 1)[1] for t in tokens if t.startswith("login:"))]
    salt = privacy_salt(engine)
    rows = [
        {"hash": salted_hash(salt, t), "kind": t.split(":", 1)[0], "added_at": _now()}
        for t in dict.fromkeys(tokens)
    ]
    return save_suppressions(engine, rows)


def apply_suppressions(engine: Engine, settings: Settings | None = None) -> dict[str, int]:
    """Delete what the store holds of anyone on the list, and resolve people again when
    anything went; returns rows deleted per table."""
    suppressions = load_suppressions(engine)
    if suppressions.empty:
        return {}
    salt = privacy_salt(engine)
    hashes = set(suppressions["hash"])

    def hit(tokens: list[str]) -> bool:
        return any(salted_hash(salt, t) in hashes for t in tokens)

    identities = load_identities(engine)
    tokens = {
        row.key: identity_tokens(row.source, row.login, row.email, row.github_id)
        for row in identities.itertuples(index=False)
    }
    keys = {key for key, these in tokens.items() if hit(these)}
    # The person is left out, not only the identity named: every identity resolution
    # joined to it goes too, and joins the list, so none of them comes back with a mine.
    links = load_identity_links(engine)
    people = set(links.loc[links["identity_key"].isin(keys), "person_id"])
    keys |= set(links.loc[links["person_id"].isin(people), "identity_key"])
    if _add(engine, [t for key in keys for t in tokens.get(key, [])]):
        salt, hashes = privacy_salt(engine), set(load_suppressions(engine)["hash"])
    keys = sorted(keys)
    owners = load_named_owners(engine)
    logins = [
        o for o, k in zip(owners["owner"], owners["kind"], strict=True)
        if k == "user" and hit([suppression_token("login", o)])
    ]  # fmt: skip
    emails = [
        o for o, k in zip(owners["owner"], owners["kind"], strict=True)
        if k == "email" and hit([suppression_token("email", o)])
    ]  # fmt: skip
    # The names owner files write beside logins are about the person too.
    pairings = load_owner_pairings(engine)
    logins += [
        o for o in pairings["login"] if hit([suppression_token("login", o)]) and o not in logins
    ]
    emails += [
        e
        for e in pairings["email"]
        if e and hit([suppression_token("email", e)]) and e not in emails
    ]
    if not keys and not logins and not emails:
        return {}
    done = purge_identities(engine, keys, logins=logins, emails=emails)
    update_people(engine, settings or Settings())
    return done


def optout(
    engine: Engine, kind: str, value: str, settings: Settings | None = None
) -> dict[str, int]:
    """Add ``value`` (of ``kind``: login, email, hf, github_id) to the list and delete
    what the store holds of whoever it names (a GitHub login: on the Hub too)."""
    if kind not in SUPPRESSION_KINDS:
        raise PrivacyError(f"unknown kind {kind!r}: use one of {', '.join(SUPPRESSION_KINDS)}")
    if not str(value).strip().lstrip("@"):
        raise PrivacyError("give the login, e-mail address, Hub login or account id to leave out")
    if kind == "github_id" and not str(value).strip().isdigit():
        raise PrivacyError(f"a GitHub account id is a number, not {value!r}")
    _add(engine, [suppression_token(kind, value)])
    return apply_suppressions(engine, settings)


def purge_person(engine: Engine, who: str, settings: Settings | None = None) -> dict[str, int]:
    """Delete a person (as ``talent people show`` finds them) with every identity, act
    and shortlist entry (quick verdicts included) of theirs, and keep everything they are
    known by on the list, so a re-mine does not bring them back. Raises
    :class:`talent.identity.PersonNotFound`."""
    person_id = find_person(engine, who)
    links = load_identity_links(engine)
    keys = links.loc[links["person_id"] == person_id, "identity_key"].tolist()
    identities = load_identities(engine, keys=keys)
    tokens = [
        t
        for row in identities.itertuples(index=False)
        for t in identity_tokens(row.source, row.login, row.email, row.github_id)
    ]
    _add(engine, tokens)
    done = apply_suppressions(engine, settings)
    delete_feedback(engine, person_id)  # rows an older talent wrote since the last open
    done["shortlist_entries"] = delete_person_entries(engine, person_id)
    return done


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


def export_list(engine: Engine, path: Path) -> int:
    """Write the list, with its salt, to ``path`` (JSON) for another database."""
    rows = load_suppressions(engine)
    payload = {
        "talent_suppressions": 1,
        "salt": privacy_salt(engine),
        "entries": [
            {"hash": h, "kind": k, "added_at": pd.Timestamp(a).isoformat()}
            for h, k, a in zip(rows["hash"], rows["kind"], rows["added_at"], strict=True)
        ],
    }
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return len(rows)


def import_list(engine: Engine, path: Path, settings: Settings | None = None) -> int:
    """Add the entries of a file :func:`export_list` wrote, and apply them. A store with
    a list of its own must share the file's salt (hashes cannot be re-salted)."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        salt = str(payload["salt"])
        entries = [(str(e["hash"]), str(e["kind"])) for e in payload["entries"]]
    except OSError as exc:
        raise PrivacyError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        raise PrivacyError(f"{path} is not a list written by `talent privacy export`") from None
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
