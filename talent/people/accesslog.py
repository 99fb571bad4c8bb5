"""Who saw what: every view of a Candidate page, every export of people and every
outreach draft, recorded with who, when, from where and under which filters.

An entry names the people it showed (a view or a draft: one; an export: everyone in
the file). The app records a view once per person and session, an export when the
download button is clicked, a draft when it is shown; the CLI records
``talent shortlist export``, ``talent feedback export``, ``talent rank`` in CSV or
JSON and ``talent outreach``. ``who`` is the signed-in viewer in the app and
:func:`talent.views.pipeline.current_user` in the CLI.

The log keeps ``[access] retention_days`` (:attr:`talent.config.Settings.access_log_days`,
365 by default): every record drops what is older, and ``talent access prune`` does
it on demand. An opt-out or purge takes the person out of every entry
(:func:`talent.store.delete_person_rows`); an entry that named only them goes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine

from talent.config import Settings
from talent.store import ACCESS_ACTIONS, ACCESS_PLACES, load_access, prune_access, save_access

__all__ = [
    "ACCESS_ACTIONS",
    "ACCESS_PLACES",
    "record_access",
    "access_log",
    "apply_access_retention",
    "filters_text",
]


def filters_text(filters: Mapping[str, object] | None) -> str:
    """Filters as the log keeps them: JSON with sorted keys, dates as ISO text, empty
    and false values left out.

    >>> filters_text({"profile": "recruiter", "repos": [], "since": datetime(2025, 1, 31)})
    '{"profile": "recruiter", "since": "2025-01-31T00:00:00"}'
    """
    kept = {
        k: v
        for k, v in (filters or {}).items()
        if v is not False and v not in (None, "", [], (), {})
    }
    return json.dumps(kept, sort_keys=True, default=_plain, ensure_ascii=False)


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def apply_access_retention(
    engine: Engine, settings: Settings | None = None, now: datetime | None = None
) -> int:
    """Delete entries older than ``settings.access_log_days`` (None: keep them all);
    returns the entries deleted."""
    days = (settings or Settings()).access_log_days
    if days is None:
        return 0
    return prune_access(engine, (now or datetime.now(UTC)) - timedelta(days=days))


def record_access(
    engine: Engine,
    who: str,
    action: str,
    person_ids: Iterable[str],
    filters: Mapping[str, object] | None = None,
    where: str = "cli",
    *,
    settings: Settings | None = None,
    at: datetime | None = None,
) -> int | None:
    """Record that ``who`` did ``action`` (view, export, outreach) to ``person_ids`` from
    ``where`` (app, cli) under ``filters``, after dropping entries past the retention.
    Nothing is recorded when nobody was shown (an empty export names nobody). Returns
    the entry's id, or None."""
    ids = sorted({str(p) for p in person_ids if p})
    if not ids:
        return None
    apply_access_retention(engine, settings, at)
    return save_access(engine, who, action, where, ids, filters_text(filters), at)


def access_log(
    engine: Engine, person: str | Iterable[str] | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """The log, oldest first: ``at`` (UTC), ``who``, ``action``, ``where``, ``people``
    (person ids, a list) and ``filters`` (a dict); only entries naming the person id
    ``person`` (or any of several ids) and made at or after ``since`` when given."""
    if person is not None and not isinstance(person, str):
        person = sorted(person)
    frame = load_access(engine, person, since)
    out = frame[["at", "who", "action", "where", "people"]].copy()
    out["filters"] = [json.loads(f) if f else {} for f in frame["filters"]]
    return out.reset_index(drop=True)
