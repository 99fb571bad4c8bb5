"""The hiring pipeline: named shortlists, a stage per person, tags, notes and history.

The store keeps the rows (``talent.store``: ``add_entries``, ``change_entry``,
``add_note``, ``load_entries``, ``load_events``); this module knows what the stages
mean, checks what people type, and turns stages into the verdicts that ``talent
feedback learn`` learns from, so a recruiter records a decision once.

There is one pipeline: the quick "Shortlist" and "Not a fit" actions (the Candidate
page, ``talent feedback shortlist`` / ``reject``) set a stage on the default list,
:data:`talent.store.DEFAULT_SHORTLIST`; who counts as shortlisted anywhere (the
Candidates page, the exports) is read from every list by :func:`pipeline_verdicts`.

Changes are optimistic: a change names the version of the entry it was made on, and a
change made on an old version is refused with who changed the entry and when
(:class:`talent.store.StaleEntry`), so two people editing the same entry never
overwrite each other silently.
"""

from __future__ import annotations

import csv
import getpass
import io
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy import Engine

from talent.model import ACCOUNT_URLS, IdentitySource
from talent.store import (
    DEFAULT_SHORTLIST,
    VERDICT_STAGES,
    add_entries,
    add_note,
    change_entry,
    load_ats_marks,
    load_entries,
    load_events,
    load_identities,
    load_identity_links,
    load_people,
    remove_entry,
    save_ats_marks,
)

STAGES = (
    "new",
    "shortlisted",
    "contacted",
    "replied",
    "interviewing",
    "offer",
    "hired",
    "not interested",
    "not a fit",
)
# What a stage says about the ranking: these people were right to find ...
POSITIVE_STAGES = ("interviewing", "offer", "hired")
# ... and these were wrong ("not interested" says nothing about fit).
NEGATIVE_STAGES = ("not a fit",)
# The quick "Shortlist": a first judgement, right unless a later stage on any list says
# otherwise (as a verdict was before it became this stage).
SHORTLISTED = VERDICT_STAGES["shortlisted"]
# Out of the running on that list: not counted as shortlisted.
CLOSED_STAGES = ("not interested", "not a fit")
MAX_NAME = 200
MAX_TAG = 60


class PipelineError(ValueError):
    """Input the user can correct (one line)."""


def check_stage(stage: str) -> str:
    """The stage, normalised, or an error listing the stages.

    >>> check_stage("Not a fit")
    'not a fit'
    """
    normal = " ".join(stage.strip().lower().replace("-", " ").replace("_", " ").split())
    if normal not in STAGES:
        raise PipelineError(f"unknown stage {stage!r}: use one of {', '.join(STAGES)}")
    return normal


def check_list_name(name: str) -> str:
    """A shortlist name: printable, not empty, at most 200 characters.

    >>> check_list_name("  inference engineer ")
    'inference engineer'
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise PipelineError(
            f"a shortlist name is 1 to {MAX_NAME} printable characters, like 'DevRel'"
        )
    return name


def check_tags(tags: list[str]) -> list[str]:
    out = []
    for tag in tags:
        tag = tag.strip()
        if not tag or len(tag) > MAX_TAG or not tag.isprintable():
            raise PipelineError(f"a tag is 1 to {MAX_TAG} printable characters, got {tag!r}")
        out.append(tag)
    return out


def current_user() -> str:
    """Who is making a change: ``TALENT_USER``, else the login of this process."""
    found = os.environ.get("TALENT_USER", "").strip()
    if found:
        return found
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def stage_feedback(entries: pd.DataFrame) -> pd.DataFrame:
    """Verdicts from stages, in the shape of :func:`talent.ranking.scoring.learn_profile`'s
    feedback: a person in a positive stage on any list is ``shortlisted``, else one in
    "not a fit" is ``rejected``, else one at "shortlisted" (the quick action) is
    ``shortlisted``; the latest change dates it.

    >>> at = pd.Timestamp("2026-01-02")
    >>> entries = pd.DataFrame({"person_id": ["a", "a", "b", "c"],
    ...     "shortlist": ["Shortlist", "DevRel", "Shortlist", "DevRel"],
    ...     "stage": ["shortlisted", "not a fit", "shortlisted", "new"], "updated_at": at})
    >>> stage_feedback(entries)[["person_id", "label"]].values.tolist()
    [['a', 'rejected'], ['b', 'shortlisted']]
    """
    rows = []
    for pid, group in entries.groupby("person_id", sort=True):
        stages = set(group["stage"])
        if stages & set(POSITIVE_STAGES):
            label = "shortlisted"
        elif stages & set(NEGATIVE_STAGES):
            label = "rejected"
        elif SHORTLISTED in stages:
            label = "shortlisted"
        else:
            continue
        where = ", ".join(f"{r.shortlist}: {r.stage}" for r in group.itertuples(index=False))
        rows.append(
            {"person_id": pid, "label": label, "note": where, "noted_at": group["updated_at"].max()}
        )
    return pd.DataFrame(rows, columns=["person_id", "label", "note", "noted_at"])


def learning_feedback(engine: Engine) -> pd.DataFrame:
    """What ``talent feedback learn`` learns from: the stages of people on the
    shortlists (:func:`stage_feedback`), by person id. The quick verdicts are stages on
    the default list, so a verdict given before they were (moved there when the store
    was opened) teaches what it taught then."""
    return stage_feedback(load_entries(engine))


def record_verdict(
    engine: Engine, person_id: str, label: str | None, note: str = "", who: str = ""
) -> None:
    """The quick action: ``label`` "shortlisted" or "rejected" puts the person on the
    default list (:data:`talent.store.DEFAULT_SHORTLIST`) at the stage
    :data:`talent.store.VERDICT_STAGES` gives, or moves them there; None takes them off
    it. A note goes on the entry with its author and time."""
    if label is None:
        remove_entry(engine, DEFAULT_SHORTLIST, person_id, who)
        return
    if label not in VERDICT_STAGES:
        raise PipelineError(f"a verdict is one of {', '.join(VERDICT_STAGES)}, not {label!r}")
    stage = VERDICT_STAGES[label]
    if not add_entries(engine, DEFAULT_SHORTLIST, [person_id], who, stage=stage):
        change_entry(engine, DEFAULT_SHORTLIST, person_id, who, stage=stage)
    if note.strip():
        add_note(engine, DEFAULT_SHORTLIST, person_id, note.strip(), who)


VERDICT_COLUMNS = ["person_id", "label", "note", "noted_at", "lists"]


def pipeline_verdicts(engine: Engine) -> pd.DataFrame:
    """Where everyone on a shortlist stands, one row per person (by person id):
    ``label`` "shortlisted" (on a list and still in the running there: a stage other
    than "not a fit" or "not interested"), else "rejected" (not a fit somewhere) or
    "not interested"; ``note`` the latest note on their entries, ``noted_at`` the
    latest change, ``lists`` "list: stage; ...". The one count of who is shortlisted:
    the Candidates page, ``talent feedback list`` and the exports read it."""
    entries = load_entries(engine)
    events = load_events(engine)
    notes = events[events["what"] == "note"].merge(
        entries[["shortlist", "person_id"]], on=["shortlist", "person_id"]
    )
    last_note = notes.sort_values(["at", "id"]).groupby("person_id")["new"].last()
    rows = []
    for pid, group in entries.groupby("person_id", sort=True):
        stages = set(group["stage"])
        if stages - set(CLOSED_STAGES):
            label = "shortlisted"
        elif "not a fit" in stages:
            label = "rejected"
        else:
            label = "not interested"
        lists = "; ".join(f"{r.shortlist}: {r.stage}" for r in group.itertuples(index=False))
        rows.append({"person_id": pid, "label": label, "note": last_note.get(pid, ""),
                     "noted_at": group["updated_at"].max(), "lists": lists})  # fmt: skip
    return pd.DataFrame(rows, columns=VERDICT_COLUMNS)


def person_pipeline(engine: Engine, person_id: str) -> pd.DataFrame:
    """A person's entries on every shortlist: ``shortlist``, ``stage``, ``tags``,
    ``version``, ``updated_at``, ``updated_by``."""
    entries = load_entries(engine)
    return entries[entries["person_id"] == person_id].reset_index(drop=True)


def pipeline_column(engine: Engine) -> dict[str, str]:
    """person id -> "in ATS; list: stage; list: stage" for everyone on a shortlist or
    in the applicant tracking system (the Candidates page's "already in pipeline")."""
    entries = load_entries(engine)
    column = {pid: IN_ATS for pid in load_ats_marks(engine)["person_id"]}
    for pid, group in entries.groupby("person_id", sort=False):
        stages = "; ".join(f"{r.shortlist}: {r.stage}" for r in group.itertuples(index=False))
        column[pid] = f"{column[pid]}; {stages}" if pid in column else stages
    return column


def entry_notes(engine: Engine, shortlist: str) -> dict[str, list[dict]]:
    """person id -> the notes on their entry, oldest first (``at``, ``who``, ``text``)."""
    events = load_events(engine, shortlist)
    notes = events[events["what"] == "note"]
    return {
        pid: [{"at": r.at, "who": r.who, "text": r.new} for r in group.itertuples(index=False)]
        for pid, group in notes.groupby("person_id", sort=False)
    }


# --- the applicant tracking system ----------------------------------------------------------

IN_ATS = "in ATS"
# Column names (lower case, "_" and "-" as spaces) that hold logins or e-mail addresses in
# the exports of applicant tracking systems and spreadsheets people keep.
_LOGIN_HEADERS = ("login", "username", "user name", "handle", "github", "hugging face", "hf")
_MAIL_HEADERS = ("email", "e mail", "mail")
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# The platforms whose profile pages a cell may link, by host (from ACCOUNT_URLS).
_HOSTS = {urlsplit(url).netloc.lower(): str(source) for source, url in ACCOUNT_URLS.items()}
_PROFILE = re.compile(
    r"(?:https?://)?(?:www\.)?(" + "|".join(map(re.escape, _HOSTS)) + r")/([^/?#\s]+)", re.I
)


def _platform(page: object) -> str:
    """The identity source whose profile page ``page`` is (GitHub's when unknown: the
    logins git identities yield are GitHub's)."""
    found = _PROFILE.match(page) if isinstance(page, str) else None
    return _HOSTS[found.group(1).lower()] if found else str(IdentitySource.GITHUB)


@dataclass
class AtsImport:
    """What an import found: rows read, people matched (person id -> "login" or
    "e-mail") and rows that matched nobody here."""

    rows: int = 0
    matched: dict[str, str] = field(default_factory=dict)
    unmatched: int = 0

    def summary(self) -> str:
        how = pd.Series(list(self.matched.values()), dtype=object).value_counts()
        by = ", ".join(f"{n} by {kind}" for kind, n in how.items())
        return (
            f"{self.rows} row{'' if self.rows == 1 else 's'} with a login or e-mail: "
            f"{len(self.matched)} {'person' if len(self.matched) == 1 else 'people'} marked in ATS"
            + (f" ({by})" if by else "")
            + f", {self.unmatched} not among the people here"
        )


def _header_kind(name: str) -> str | None:
    normal = " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
    if any(h == normal or normal.startswith(h + " ") or normal.endswith(" " + h)
           for h in _MAIL_HEADERS) or "email" in normal.replace(" ", ""):  # fmt: skip
        return "e-mail"
    if any(h == normal or h in normal.split() for h in _LOGIN_HEADERS):
        return "login"
    return None


def _login(cell: str) -> tuple[str, str] | None:
    """(kind, login) from a cell: ``ada`` or ``@ada`` ("login", on any platform), or a
    profile URL (its platform's identity source); None if it is not one."""
    cell = cell.strip().removeprefix("'").strip()
    kind = "login"
    found = _PROFILE.match(cell)
    if found:
        kind, cell = _HOSTS[found.group(1).lower()], found.group(2)
    cell = cell.removeprefix("@")
    return (kind, cell.lower()) if _LOGIN.fullmatch(cell) else None


def _mail(cell: str) -> str | None:
    cell = cell.strip().removeprefix("'").removeprefix("mailto:").strip().lower()
    local, at, domain = cell.rpartition("@")
    return cell if at and local and "." in domain and " " not in cell else None


def read_ats(payload: bytes) -> list[list[tuple[str, str]]]:
    """The people in an ATS export: per row, its (kind, value) pairs, values lower case;
    kind "e-mail", "login" (any platform's), or a profile URL's platform ("github"). A
    CSV with a header names its columns (login, username, GitHub, e-mail...); a file of
    one column needs no header. A :class:`PipelineError` says in one line what is wrong.

    >>> read_ats(b"Name,Email,GitHub\\nAda,Ada@Example.org,https://github.com/ada-l\\n")
    [[('e-mail', 'ada@example.org'), ('github', 'ada-l')]]
    >>> read_ats(b"@linus65\\nwen@example.org\\n")
    [[('login', 'linus65')], [('e-mail', 'wen@example.org')]]
    """
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PipelineError("it is not a UTF-8 text file; save the export as CSV (UTF-8)") from None
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    except csv.Error as exc:
        raise PipelineError(f"it is not a readable CSV file ({exc})") from None
    if not rows:
        raise PipelineError("it is empty; give a CSV with a login or e-mail column")
    kinds = [_header_kind(c) for c in rows[0]]
    if any(kinds):
        body = rows[1:]
    elif max(len(r) for r in rows) == 1:
        kinds, body = [""], rows  # one column, no header: each cell says what it is
    else:
        raise PipelineError(
            "no column of logins or e-mails: name one 'login', 'github' or 'email' in the first row"
        )
    found = []
    for row in body:
        pairs = []
        for kind, cell in zip(kinds, row, strict=False):
            mail = _mail(cell) if kind in ("e-mail", "") else None
            login = _login(cell) if kind in ("login", "") and mail is None else None
            if mail:
                pairs.append(("e-mail", mail))
            elif login:
                pairs.append(login)
        if pairs:
            found.append(pairs)
    return found


def import_ats(engine: Engine, payload: bytes, source: str, *, replace: bool = False) -> AtsImport:
    """Mark the people an ATS export names (by login or e-mail, against every identity
    talent resolved) as "in ATS". A login that two people here share (a GitHub and a
    Hub account talent kept apart) marks both, unless a profile URL names the platform.
    Only the matches are stored, never the file's addresses; ``replace`` drops the
    marks of an earlier import."""
    rows = read_ats(payload)
    person_of = dict(
        load_identity_links(engine)[["identity_key", "person_id"]].itertuples(index=False)
    )
    people = load_people(engine)
    known = set(people["person_id"])
    by_value: dict[tuple[str, str], set[str]] = {}
    # The login resolution gave a person (from a no-reply address, say: git identities
    # carry none themselves), on the platform of their page.
    for pid, login, page in people[["person_id", "login", "profile_url"]].itertuples(index=False):
        if isinstance(login, str) and login:
            for kind in ("login", _platform(page)):
                by_value.setdefault((kind, login.lower()), set()).add(pid)
    for row in load_identities(engine).itertuples(index=False):
        pid = person_of.get(row.key)
        if pid is None or pid not in known:
            continue
        if isinstance(row.login, str) and row.login:
            platform = row.source if row.source in ACCOUNT_URLS else str(IdentitySource.GITHUB)
            for kind in ("login", platform):
                by_value.setdefault((kind, row.login.lower()), set()).add(pid)
        if isinstance(row.email, str) and row.email:
            by_value.setdefault(("e-mail", row.email.lower()), set()).add(pid)
    result = AtsImport(rows=len(rows))
    for pairs in rows:
        hits = [(pid, kind) for kind, value in pairs for pid in by_value.get((kind, value), ())]
        for pid, kind in sorted(hits):
            result.matched.setdefault(pid, "e-mail" if kind == "e-mail" else "login")
        result.unmatched += not hits
    save_ats_marks(engine, result.matched, source, replace=replace)
    return result
