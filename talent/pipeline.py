"""The hiring pipeline: named shortlists, a stage per person, tags, notes and history.

The store keeps the rows (``talent.store``: ``add_entries``, ``change_entry``,
``add_note``, ``load_entries``, ``load_events``); this module knows what the stages
mean, checks what people type, and turns stages into the verdicts that ``talent
feedback learn`` learns from, so a recruiter records a decision once.

Changes are optimistic: a change names the version of the entry it was made on, and a
change made on an old version is refused with who changed the entry and when
(:class:`talent.store.StaleEntry`), so two people editing the same entry never
overwrite each other silently.
"""

from __future__ import annotations

import getpass
import os

import pandas as pd
from sqlalchemy import Engine

from talent.store import load_entries, load_events, load_feedback

STAGES = (
    "new",
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
    """Verdicts from stages, in the shape of :func:`talent.store.load_feedback`: a person
    in a positive stage on any list is ``shortlisted``, one only in "not a fit" is
    ``rejected``; the latest change dates it."""
    rows = []
    for pid, group in entries.groupby("person_id", sort=True):
        stages = set(group["stage"])
        if stages & set(POSITIVE_STAGES):
            label = "shortlisted"
        elif stages & set(NEGATIVE_STAGES):
            label = "rejected"
        else:
            continue
        where = ", ".join(f"{r.shortlist}: {r.stage}" for r in group.itertuples(index=False))
        rows.append(
            {"person_id": pid, "label": label, "note": where, "noted_at": group["updated_at"].max()}
        )
    return pd.DataFrame(rows, columns=["person_id", "label", "note", "noted_at"])


def learning_feedback(engine: Engine) -> pd.DataFrame:
    """What ``talent feedback learn`` learns from: the verdicts, and the stages of people
    on shortlists (a stage wins over a verdict on the same person: it is the later and
    more informed decision)."""
    verdicts = load_feedback(engine)
    stages = stage_feedback(load_entries(engine))
    keep = verdicts[~verdicts["person_id"].isin(stages["person_id"])]
    frames = [f for f in (keep, stages) if len(f)]
    if not frames:
        return verdicts
    return pd.concat(frames, ignore_index=True).sort_values("person_id", ignore_index=True)


def person_pipeline(engine: Engine, person_id: str) -> pd.DataFrame:
    """A person's entries on every shortlist: ``shortlist``, ``stage``, ``tags``,
    ``version``, ``updated_at``, ``updated_by``."""
    entries = load_entries(engine)
    return entries[entries["person_id"] == person_id].reset_index(drop=True)


def pipeline_column(engine: Engine) -> dict[str, str]:
    """person id -> "list: stage; list: stage" for everyone on a shortlist (the
    Candidates page's "already in pipeline" column)."""
    entries = load_entries(engine)
    return {
        pid: "; ".join(f"{r.shortlist}: {r.stage}" for r in group.itertuples(index=False))
        for pid, group in entries.groupby("person_id", sort=False)
    }


def entry_notes(engine: Engine, shortlist: str) -> dict[str, list[dict]]:
    """person id -> the notes on their entry, oldest first (``at``, ``who``, ``text``)."""
    events = load_events(engine, shortlist)
    notes = events[events["what"] == "note"]
    return {
        pid: [{"at": r.at, "who": r.who, "text": r.new} for r in group.itertuples(index=False)]
        for pid, group in notes.groupby("person_id", sort=False)
    }
