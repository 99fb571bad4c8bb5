"""CSV and JSON writers: formula-safe and redacted by default.

CSV cells are neutralised with OWASP's rule (CSV Injection, current version): a text
cell that starts with ``=``, ``+``, ``-``, ``@``, tab, carriage return or line feed gets a
leading apostrophe, so no spreadsheet runs it as a formula. Numbers stay numbers, and
quoting follows RFC 4180 (the csv module), never string concatenation.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Collection, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

from talent.files import MAX_DEPTH, parse_json_limited
from talent.lazy import LazyModule

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = LazyModule("numpy")
    pd = LazyModule("pandas")

# OWASP's list, plus the full-width forms of = + - @ that some spreadsheets fold to ASCII,
# and NUL (OWASP ASVS 5.0 V1.2.10).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "＝", "＋", "－", "＠")


def neutralise_cell(value: object) -> object:
    """Make one cell safe for a spreadsheet; non-text values pass unchanged.

    >>> neutralise_cell('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_cell("-2+3"), neutralise_cell(-2), neutralise_cell("Ada")
    ("'-2+3", -2, 'Ada')
    """
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def sanitise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised.

    Numeric, boolean and datetime columns are left as they are.
    """
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV bytes (UTF-8 with BOM, so spreadsheets detect the encoding) of ``frame``.

    Rows end in CRLF as RFC 4180 says; that also makes the csv module quote any cell
    holding a bare CR, which a reader would otherwise take as the start of a new row
    (and a new, unneutralised cell).
    """
    text = sanitise_frame(frame).to_csv(
        index=False, date_format="%Y-%m-%dT%H:%M:%SZ", lineterminator="\r\n"
    )
    return ("\ufeff" + text).encode("utf-8")


def _jsonable(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            return None
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # naive times in the store are UTC already
            stamp = stamp.tz_convert("UTC")
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def to_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain JSON-ready dicts (NaN -> null, times in ISO 8601 UTC)."""
    return [{str(k): _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]


def to_json(records: Iterable[dict]) -> str:
    return json.dumps(list(records), ensure_ascii=False, indent=2)


def exported_ids(payload: bytes) -> set[str]:
    """The person ids in an earlier export of talent's (CSV or JSON), for "only the
    people new since then"; a ``ValueError`` says in one line what is wrong with it.

    >>> csv = b'\\xef\\xbb\\xbfname,person_id\\r\\nAda,p3f2a9c41d07e\\r\\nBo,p81c0e5d2b9aa\\r\\n'
    >>> sorted(exported_ids(csv))
    ['p3f2a9c41d07e', 'p81c0e5d2b9aa']
    >>> exported_ids(b'[{"person_id": "p3f2a9c41d07e"}]')
    {'p3f2a9c41d07e'}
    """
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("it is not a UTF-8 text file; give a CSV or JSON export") from None
    if text.lstrip().startswith(("[", "{")):
        try:
            rows = parse_json_limited(text, MAX_DEPTH, "it")
        except json.JSONDecodeError as exc:
            raise ValueError(f"it is not valid JSON (line {exc.lineno}: {exc.msg})") from None
        rows = rows if isinstance(rows, list) else [rows]
        if not all(isinstance(r, dict) and "person_id" in r for r in rows):
            raise ValueError("its records have no person_id; give an export made by talent")
        ids = [r["person_id"] for r in rows]
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if "person_id" not in (reader.fieldnames or []):
            raise ValueError("it has no person_id column; give an export made by talent")
        try:
            ids = [r["person_id"] for r in reader]
        except csv.Error as exc:
            raise ValueError(f"it is not a readable CSV file ({exc})") from None
    # A neutralised cell has an apostrophe in front; ids never start with one.
    return {str(i).removeprefix("'") for i in ids if i not in (None, "")}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# Columns that hold ranks: whole numbers for people to read, empty where there is none.
RANK_LIKE = ("rank", "rank_low", "rank_high")


def readable_numbers(frame: pd.DataFrame, decimals: int = 3) -> pd.DataFrame:
    """A copy for people to read: ranks as whole numbers ("27", not "27.0"; empty where
    none) and other fractional numbers rounded to ``decimals`` places.

    >>> out = readable_numbers(pd.DataFrame({"rank_low": [27.0, float("nan")],
    ...                                      "score": [0.5979043411, 1 / 3]}))
    >>> out["rank_low"].tolist(), out["score"].tolist()
    ([27, <NA>], [0.598, 0.333])
    """
    out = frame.copy()
    for col in out.columns:
        if col in RANK_LIKE and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round().astype("Int64")
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(decimals)
    return out


SHORTLIST_COLUMNS = [
    "rank",
    "rank_range",
    "name",
    "login",
    "profile_url",
    "login_source",
    "verdict",
    "verdict_date",
    "lists",
    "note",
    "score",
    "profile",
    "why",
    "evidence_links",
    "areas",
    "languages",
    "topics",
    "affiliation",
    "employment",
    "top_repos",
    "last_active",
    "person_id",
]


def chosen_verdicts(
    feedback: pd.DataFrame,
    labels: tuple[str, ...] = ("shortlisted",),
    people: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The verdicts :func:`shortlist_frame` gives a row each: those in ``labels``, of
    people among ``people`` when given (whoever opted out since the verdict is not)."""
    chosen = feedback[feedback["label"].isin(labels)]
    if people is not None:
        chosen = chosen[chosen["person_id"].isin(people["person_id"])]
    return chosen


def shortlist_frame(
    ranking: pd.DataFrame,
    feedback: pd.DataFrame,
    evidence,
    *,
    labels: tuple[str, ...] = ("shortlisted",),
    people: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What a hiring manager needs of the people with a verdict in ``labels``, in rank
    order: who they are and where to find them (login, profile link and where the login
    came from), the verdict with its date, their lists and stages and the latest note,
    the score and why
    (the largest contributions), the links to the work behind it, and what they work on.
    No e-mail address.

    ``ranking`` is a :func:`talent.ranking.scoring.rank_store` result over everyone (ranks
    among everyone scored), ``feedback`` where people stand on the shortlists
    (:func:`talent.views.pipeline.pipeline_verdicts`) and ``evidence`` the ranking's
    :class:`talent.ranking.scoring.Evidence`. People with a verdict but no activity in the
    ranking keep their verdict and note, with no rank (and their name and login from
    ``people``, the store's people, when given; verdicts on anyone not among ``people``,
    such as a person who opted out, are left out).
    """
    from talent.ranking.scoring import explain, rank_range_text

    chosen = chosen_verdicts(feedback, labels, people)
    rows = []
    ranked = ranking.attrs.get("ranked", len(ranking))
    by_person = ranking.set_index("person_id")
    known = people.set_index("person_id") if people is not None else pd.DataFrame()
    for verdict in chosen.itertuples(index=False):
        pid = verdict.person_id
        row: dict[str, object] = {
            "person_id": pid,
            "verdict": verdict.label,
            "verdict_date": pd.Timestamp(verdict.noted_at).strftime("%Y-%m-%d")
            if pd.notna(verdict.noted_at)
            else "",
            "lists": getattr(verdict, "lists", "") or "",
            "note": verdict.note or "",
        }
        if pid in known.index:
            login = known.loc[pid, "login"]
            row |= {
                "name": known.loc[pid, "name"],
                "login": login if isinstance(login, str) else "",
                "login_source": _text(known.loc[pid].get("login_source")),
            }
        if pid in by_person.index:
            person = by_person.loc[pid]
            parts = explain(ranking, evidence, pid)
            row |= {
                "rank": person["rank"],
                "rank_range": rank_range_text(person["rank_low"], person["rank_high"], ranked),
                "name": person["name"],
                "login": person["login"] if isinstance(person["login"], str) else "",
                "profile_url": person["profile_url"] or "",
                "login_source": _text(person.get("login_source")),
                "score": float(person["score"]),
                "profile": person["profile"],
                "why": "; ".join(
                    f"{p['label']} {p['contribution']:.2f} ({p['share']:.0%})" for p in parts
                ),
                "evidence_links": " ".join(
                    dict.fromkeys(e["url"] for p in parts for e in p["evidence"] if e["url"])
                ),
                **{
                    c: person[c]
                    for c in ("areas", "languages", "topics", "affiliation", "employment")
                },
                "top_repos": person["top_repos"],
                "last_active": pd.Timestamp(person["last_active"]).strftime("%Y-%m-%d"),
            }
        rows.append(row)
    out = pd.DataFrame(rows, columns=SHORTLIST_COLUMNS)
    out["rank"] = pd.to_numeric(out["rank"]).astype("Int64")
    out = out.sort_values(["rank", "person_id"], na_position="last", kind="stable")
    out = readable_numbers(out.reset_index(drop=True))
    for col in SHORTLIST_COLUMNS:
        if col not in ("rank", "score"):  # text: empty, not NaN, where nothing is known
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    return out


def list_frame(
    name: str,
    ranking: pd.DataFrame,
    entries: pd.DataFrame,
    notes: dict[str, list[dict]],
    evidence,
    people: pd.DataFrame,
    in_ats: Collection[str] = (),
) -> pd.DataFrame:
    """A named shortlist for a hiring manager: the list, each person's stage, tags,
    whether they are in the applicant tracking system (``in_ats``: person ids) and dated
    notes with their authors, then what :func:`shortlist_frame` gives (rank and range,
    profile link, score and why, evidence links, areas, skills, person id).

    ``entries`` are the list's rows (:func:`talent.store.load_entries`), ``notes``
    :func:`talent.views.pipeline.entry_notes`. People no longer among ``people`` (opted out)
    are left out.
    """
    entries = entries[entries["person_id"].isin(people["person_id"])]
    as_verdicts = pd.DataFrame(
        {
            "person_id": entries["person_id"],
            "label": entries["stage"],
            "note": [
                " | ".join(f"{n['at']:%Y-%m-%d} {n['who']}: {n['text']}" for n in notes.get(p, []))
                for p in entries["person_id"]
            ],
            "noted_at": entries["updated_at"],
        }
    )
    stages = tuple(dict.fromkeys(entries["stage"]))
    frame = shortlist_frame(ranking, as_verdicts, evidence, labels=stages, people=people)
    frame = frame.rename(
        columns={"verdict": "stage", "verdict_date": "stage_date", "note": "notes"}
    )
    tags = dict(zip(entries["person_id"], entries["tags"], strict=True))
    frame.insert(
        frame.columns.get_loc("stage") + 1,
        "tags",
        [", ".join(tags.get(p, [])) for p in frame["person_id"]],
    )
    frame.insert(frame.columns.get_loc("tags") + 1, "in_ats", frame["person_id"].isin(in_ats))
    frame.insert(0, "shortlist", name)
    return frame


# The tables a shortlist's export reads beside the ranking base's: the lists, their
# entries and events (stages, notes) and the ATS marks.
LIST_READS = ("shortlists", "shortlist_entries", "shortlist_events", "ats_marks")


def cached_list_frame(engine, settings, name: str, profile: str) -> pd.DataFrame:
    """:func:`list_frame` of the shortlist ``name`` under ``profile`` (rank ranges
    included), as `talent shortlist export` gives it, computed once per version of the
    tables it reads and kept in the store for every process (:mod:`talent.store.derived`).
    Opted-out people are never in it: an opt-out empties that cache."""
    from talent.ranking.scoring import (
        BASE_READS,
        INTERVAL_WINDOWS,
        cached_base,
        cached_ranking,
        derived_args,
        load_ranking_profile,
        start_windows,
    )
    from talent.store import load_ats_marks, load_entries
    from talent.store.derived import cached
    from talent.views.pipeline import entry_notes

    chosen = load_ranking_profile(engine, settings, profile)

    def compute() -> dict[str, pd.DataFrame]:
        start_windows(engine, settings)  # the rank ranges' windows, on another core
        base = cached_base(engine, settings)
        ranking = cached_ranking(engine, settings, chosen, affiliations=(),
                                 interval_windows=INTERVAL_WINDOWS, base=lambda: base)  # fmt: skip
        entries = load_entries(engine, name)
        # The evidence of the list's people alone: only theirs is exported.
        frame = list_frame(
            name, ranking, entries, entry_notes(engine, name),
            base.evidence_of(entries["person_id"]), base.people,
            in_ats=set(load_ats_marks(engine)["person_id"]),
        )  # fmt: skip
        return {"export": frame}

    args = derived_args(settings, shortlist=name, profile=chosen)
    return cached(engine, "shortlist_export", args, (*BASE_READS, *LIST_READS), compute)["export"]
