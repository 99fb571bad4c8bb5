"""What identity resolution reads of the activities: a digest, not every act.

Resolution, the behaviour checks and affiliation need, of millions of acts, only per
identity how many acts and commits and their first and last times, and the few acts
whose text or counterpart they read (titles an identity wrote, trailers naming one,
commits made for others or exported by a sync tool). :func:`load_activity_digest`
gathers that in the database (one grouped pass and one filtered pass, no row per act in
memory); :meth:`ActivityDigest.of` makes the same digest from a frame of acts
(:func:`talent.store.load_activities`' columns), so that every function taking
activities takes either and gives the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from talent.lazy import LazyModule
from talent.model import EXPORT_STATE, ActivityKind
from talent.store import one_database_per_connection, schema

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")

COMMIT = str(ActivityKind.COMMIT)
# Acts whose title the actor wrote; co-authored, signed-off or merged acts carry someone
# else's message and say nothing of how the actor writes.
WRITTEN_KINDS = tuple(
    str(k)
    for k in (
        ActivityKind.COMMIT,
        ActivityKind.MERGE_COMMIT,
        ActivityKind.PR_OPENED,
        ActivityKind.ISSUE_OPENED,
        ActivityKind.ISSUE_COMMENT,
        ActivityKind.REVIEW,
        ActivityKind.REVIEW_COMMENT,
    )
)
# Trailers by which an author names another identity of theirs.
SELF_TRAILER_KINDS = (str(ActivityKind.SIGNED_OFF_BY), str(ActivityKind.CO_AUTHORED))
FOR_OTHER = str(ActivityKind.COMMITTED_FOR_OTHER)

SPAN_COLUMNS = ["actor", "n", "commits", "first", "last", "commit_first", "commit_last"]
DETAIL_COLUMNS = ["actor", "kind", "counterpart", "item", "title", "state"]


@dataclass(frozen=True)
class ActivityDigest:
    """``spans``: one row per actor (``SPAN_COLUMNS``: acts, commits, first and last act,
    first and last commit, NaT without commits), by actor. ``details``: the acts read one
    by one (``DETAIL_COLUMNS``), in the order of time and key: written acts with a title,
    self-trailers with a counterpart, commits for another and exported commits."""

    spans: pd.DataFrame
    details: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.spans.empty

    @property
    def as_of(self) -> pd.Timestamp:
        """The latest act (NaT with none)."""
        return self.spans["last"].max()

    def commit_counts(self) -> pd.Series:
        """Commits per actor, actors with none left out."""
        commits = self.spans[self.spans["commits"] > 0]
        return pd.Series(commits["commits"].to_numpy(), index=commits["actor"].to_numpy())

    def work(self) -> pd.DataFrame:
        """Per actor the acts that count as work (commits, or every act when the data has
        none): index actor, columns ``n``, ``first``, ``last``."""
        spans = self.spans.set_index("actor")
        if (spans["commits"] > 0).any():
            spans = spans[spans["commits"] > 0]
            return pd.DataFrame(
                {
                    "n": spans["commits"],
                    "first": spans["commit_first"],
                    "last": spans["commit_last"],
                }
            )
        return spans[["n", "first", "last"]]

    def written(self) -> pd.DataFrame:
        """Written acts with a title: ``actor``, ``kind``, ``title``."""
        d = self.details
        mine = d["kind"].isin(WRITTEN_KINDS) & d["title"].notna() & (d["title"] != "")
        return d.loc[mine, ["actor", "kind", "title"]]

    def trailers(self) -> pd.DataFrame:
        """Self-trailers naming another identity: ``actor``, ``counterpart``, ``item``."""
        d = self.details
        mine = d["kind"].isin(SELF_TRAILER_KINDS) & d["counterpart"].notna()
        return d.loc[mine, ["actor", "counterpart", "item"]]

    def for_other(self) -> pd.DataFrame:
        """Commits made for another author: ``actor``, ``counterpart``, ``item``, ``state``."""
        d = self.details
        return d.loc[d["kind"] == FOR_OTHER, ["actor", "counterpart", "item", "state"]]

    def exported_commits(self) -> pd.DataFrame:
        """Commits a sync tool exported: ``actor``, ``item``, ``state``."""
        d = self.details
        state = d["state"].fillna("").astype(str)
        mine = (d["kind"] == COMMIT) & state.str.startswith(EXPORT_STATE)
        return d.loc[mine, ["actor", "item", "state"]]

    @classmethod
    def of(cls, activities: pd.DataFrame | ActivityDigest) -> ActivityDigest:
        """The digest of a frame of acts (``actor``, ``kind``, ``occurred_at`` and, where
        present, ``counterpart``, ``item``, ``title``, ``state``), in its row order."""
        if isinstance(activities, ActivityDigest):
            return activities
        acts = activities
        if acts.empty:
            return cls(_spans([]), pd.DataFrame(columns=DETAIL_COLUMNS))
        when = pd.to_datetime(acts["occurred_at"])
        commit = (acts["kind"] == COMMIT).to_numpy()
        frame = pd.DataFrame(
            {
                "actor": acts["actor"].to_numpy(dtype=object),
                "one": 1,
                "commit": commit.astype(int),
                "when": when.to_numpy(),
                "commit_when": when.where(commit).to_numpy(),
            }
        )
        spans = (
            frame.groupby("actor", sort=True)
            .agg(
                n=("one", "sum"),
                commits=("commit", "sum"),
                first=("when", "min"),
                last=("when", "max"),
                commit_first=("commit_when", "min"),
                commit_last=("commit_when", "max"),
            )
            .reset_index()
        )
        columns = {c: acts[c] if c in acts else None for c in DETAIL_COLUMNS}
        details = pd.DataFrame(columns, index=acts.index).astype(object)
        kind = details["kind"]
        title = details["title"]
        state = details["state"].fillna("").astype(str)
        read = (
            (kind.isin(WRITTEN_KINDS) & title.notna() & (title != ""))
            | (kind.isin(SELF_TRAILER_KINDS) & details["counterpart"].notna())
            | (kind == FOR_OTHER)
            | ((kind == COMMIT) & state.str.startswith(EXPORT_STATE))
        )
        return cls(_typed_spans(spans), _plain(details[read].reset_index(drop=True)))


def _plain(details: pd.DataFrame) -> pd.DataFrame:
    """Python values, None for every missing one, whichever way the acts were read."""
    details = details.astype(object)
    return details.where(details.notna(), None)


def _spans(rows: list) -> pd.DataFrame:
    return _typed_spans(pd.DataFrame(rows, columns=SPAN_COLUMNS))


def _typed_spans(spans: pd.DataFrame) -> pd.DataFrame:
    out = spans[SPAN_COLUMNS].copy()
    out["actor"] = out["actor"].astype(object)
    for col in ("n", "commits"):
        out[col] = out[col].astype("int64")
    for col in ("first", "last", "commit_first", "commit_last"):
        out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
    return out.sort_values("actor", ignore_index=True)


def load_activity_digest(engine: Engine) -> ActivityDigest:
    """:class:`ActivityDigest` of every stored act, gathered in the database: the same as
    ``ActivityDigest.of(load_activities(engine))`` without a row per act in memory."""
    t = schema.activities
    quote = engine.dialect.identifier_preparer.quote
    table = quote(t.name)
    actor, kind, when = quote("actor"), quote("kind"), quote("occurred_at")
    is_commit = f"{kind} = '{COMMIT}'"
    # Names from the schema and kinds from talent.model, quoted; nothing from outside.
    spans_sql = (
        f"SELECT {actor}, COUNT(*), SUM(CASE WHEN {is_commit} THEN 1 ELSE 0 END), "  # noqa: S608
        f"MIN({when}), MAX({when}), "
        f"MIN(CASE WHEN {is_commit} THEN {when} END), MAX(CASE WHEN {is_commit} THEN {when} END) "
        f"FROM {table} GROUP BY {actor}"
    )
    title, counterpart, state = quote("title"), quote("counterpart"), quote("state")

    def kinds(names: tuple[str, ...]) -> str:
        return ", ".join(f"'{k}'" for k in names)

    wanted = (
        f"({kind} IN ({kinds(WRITTEN_KINDS)}) AND {title} <> '')"
        f" OR ({kind} IN ({kinds(SELF_TRAILER_KINDS)}) AND {counterpart} IS NOT NULL)"
        f" OR {kind} = '{FOR_OTHER}'"
        f" OR ({is_commit} AND SUBSTR({state}, 1, {len(EXPORT_STATE)}) = '{EXPORT_STATE}')"
    )
    columns = ", ".join(quote(c) for c in DETAIL_COLUMNS)
    details_sql = (
        f"SELECT {columns} FROM {table} WHERE {wanted} "  # noqa: S608
        f"ORDER BY {when}, {quote('key')}"
    )

    def rows(sql: str) -> Sequence:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).fetchall()

    # Two scans of every act, side by side on connections of their own (SQLite works
    # without the interpreter's lock): on a million people's acts 11.9 s and 4.6 s. Not
    # in memory, where each thread's connection would be another, empty database.
    if one_database_per_connection(engine):
        spans, details = rows(spans_sql), rows(details_sql)
    else:
        with ThreadPoolExecutor(1) as other:
            later = other.submit(rows, details_sql)
            spans = rows(spans_sql)
            details = later.result()
    frame = pd.DataFrame([tuple(r) for r in details], columns=DETAIL_COLUMNS, dtype=object)
    return ActivityDigest(_spans([tuple(r) for r in spans]), _plain(frame))
