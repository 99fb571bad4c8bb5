"""Per-person activity and quality features: one row per person, documented columns.

Inputs are the store's frames: ``activities`` (actor and counterpart are identity keys)
and a mapping from identity key to person id (from :mod:`talent.people.identity`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from talent.config import ActivityWeights
from talent.model import ActivityKind

# Columns of :func:`build_activity_features`, each documented here (the app and the
# JSON output show these names).
FEATURE_DOCS: dict[str, str] = {
    "activity": "OpenDigger activity: sum over repository-months of sqrt(sum of weighted acts)",
    "recent_activity": "the same sum, each month weighed down by its age (a two-year "
    "half-life, counted back from the latest act in the data)",
    "commits": "commits authored",
    "active_months": "calendar months with at least one act",
    "tenure_days": "days from the first act to the latest",
    "days_inactive": "days from the person's latest act to the latest act in the data",
    "prs_opened": "pull requests opened",
    "prs_merged": "own pull requests merged",
    "merges": "others' work merged: pull requests merged and merge commits made",
    "patches_applied": "commits committed for another author (applied someone's patch)",
    "co_authored": "others' commits naming the person as co-author",
    "review_trailers": "Reviewed-by, Acked-by and Signed-off-by on others' commits",
    "people_helped": "distinct people whose work the person merged, applied, reviewed or "
    "co-authored",
    "files_owned": "files the person is an author of by degree of authorship",
    "reviews": "reviews given on pull requests",
    "review_comments": "inline review comments written",
    "issues_opened": "issues opened",
    "issues_resolved": "issues the person closed",
    "comments": "conversation comments on issues and pull requests",
    "merge_ratio": "share of the person's pull requests that were merged, smoothed towards "
    "the project's share: (merged + 2 * share) / (opened + 2); empty without pull requests",
    "review_depth": "inline review comments per review given; empty without reviews",
    "first_responses": "others' issues and pull requests on which the person was the first "
    "to respond (comment or review)",
    "response_hours": "median hours from someone else opening an issue or pull request to the "
    "person's first response on it; empty if the person never responded",
    "momentum": "acts a day in the last 90 days against acts a day in the year before, as "
    "recent / (recent + before): 0.5 is steady, 1 all new, 0 stopped",
    "tests_with_code": "share of the person's code-changing commits that also change tests",
    "docs_with_code": "share of the person's code-changing commits that also change docs",
    "derivatives": "models of the person's on the Hugging Face Hub that name one of the "
    "mined models as their base model (fine-tunes, quantisations, adapters, merges)",
    "derivative_uptake": "those derivatives weighted by their uptake: the sum over them of "
    "1 + log10(1 + all-time downloads)",
    "n_repos": "repositories with at least one act",
    "first_active": "time of the first act",
    "last_active": "time of the latest act",
    "top_repos": "up to three repositories with the most acts, most first",
    # Stewardship acts from the history (talent.sources.git); see ActivityKind.
    "releases_tagged": "annotated release tags the person made (their tagger)",
    "version_bumps": "commits that cut a release or bump a version",
    "changelog_edits": "commits that edit a changelog or release notes",
    "backports": "cherry-picks and backports of fixes",
    "reverts": "reverts of someone else's commit",
    "infra_edits": "commits that edit CI, build or packaging files",
    "governance_edits": "commits that edit owner or governance files",
    "approvals": "approvals of others' changes written into the history by a merge bot or "
    "review system (Approved by:, Reviewed By:, r=)",
}

_COUNTS: dict[str, tuple[ActivityKind, ...]] = {
    "commits": (ActivityKind.COMMIT,),
    "prs_opened": (ActivityKind.PR_OPENED,),
    "prs_merged": (ActivityKind.PR_MERGED,),
    "merges": (ActivityKind.PR_MERGED_BY, ActivityKind.MERGE_COMMIT),
    "patches_applied": (ActivityKind.COMMITTED_FOR_OTHER,),
    "co_authored": (ActivityKind.CO_AUTHORED,),
    "review_trailers": (
        ActivityKind.REVIEWED_BY,
        ActivityKind.ACKED_BY,
        ActivityKind.SIGNED_OFF_BY,
    ),
    "reviews": (ActivityKind.REVIEW,),
    "review_comments": (ActivityKind.REVIEW_COMMENT,),
    "issues_opened": (ActivityKind.ISSUE_OPENED,),
    "comments": (ActivityKind.ISSUE_COMMENT,),
    "issues_resolved": (ActivityKind.ISSUE_CLOSED_BY,),
    "releases_tagged": (ActivityKind.RELEASE_TAGGED,),
    "version_bumps": (ActivityKind.VERSION_BUMP,),
    "changelog_edits": (ActivityKind.CHANGELOG_EDIT,),
    "backports": (ActivityKind.BACKPORT,),
    "reverts": (ActivityKind.REVERT,),
    "infra_edits": (ActivityKind.INFRA_EDIT,),
    "governance_edits": (ActivityKind.GOVERNANCE_EDIT,),
    "approvals": (ActivityKind.APPROVED_BY,),
}


def count_kinds() -> dict[str, tuple[str, ...]]:
    """Each measure that counts acts, and the kinds of act it counts (for audits).

    >>> count_kinds()["merges"]
    ('pr_merged_by', 'merge_commit')
    """
    kinds = {name: tuple(str(k) for k in found) for name, found in _COUNTS.items()}
    kinds["derivatives"] = (str(ActivityKind.DERIVATIVE),)
    return kinds


# How the stewardship counts read in a sentence (:func:`stewardship_summary`), in the
# order they are said: (measure, verb phrase with {n}, the noun's singular and plural).
STEWARDSHIP_WORDS: tuple[tuple[str, str, str, str], ...] = (
    ("releases_tagged", "tagged {n} {noun}", "release", "releases"),
    ("version_bumps", "cut {n} {noun}", "release or version bump", "releases or version bumps"),
    ("backports", "backported {n} {noun}", "fix", "fixes"),
    ("reverts", "reverted {n} {noun}", "change", "changes"),
    ("approvals", "approved {n} {noun}", "change", "changes"),
    ("changelog_edits", "{n} {noun}", "changelog edit", "changelog edits"),
    ("infra_edits", "{n} {noun}", "CI and build edit", "CI and build edits"),
    ("governance_edits", "{n} {noun}", "governance edit", "governance edits"),
)
STEWARDSHIP_KINDS: dict[str, ActivityKind] = {
    measure: _COUNTS[measure][0] for measure, *_ in STEWARDSHIP_WORDS
}


def stewardship_summary(counts: Mapping[str, float]) -> str:
    """One line saying what stewardship a person's counts show ("" when none): the
    Candidate page and ``talent people audit`` both say it so.

    Parameters
    ----------
    counts : mapping
        Measure -> value, as a ranking row has them (``releases_tagged``, ``backports``,
        ...); missing or empty measures are left out.

    Returns
    -------
    str

    Examples
    --------
    >>> stewardship_summary({"releases_tagged": 14, "backports": 30, "reverts": 1,
    ...                      "infra_edits": 120, "commits": 900})
    'tagged 14 releases, backported 30 fixes, reverted 1 change, 120 CI and build edits'
    >>> stewardship_summary({"commits": 3})
    ''
    """
    parts = []
    for measure, phrase, one, many in STEWARDSHIP_WORDS:
        value = counts.get(measure)
        if value is None or pd.isna(value) or int(value) <= 0:
            continue
        n = int(value)
        parts.append(phrase.format(n=f"{n:,}", noun=one if n == 1 else many))
    return ", ".join(parts)


def stewardship_evidence(acts: pd.DataFrame, per_kind: int = 2) -> pd.DataFrame:
    """A few linked acts of each stewardship kind, latest first: the evidence to show
    beside :func:`stewardship_summary`. ``acts`` has ``kind``, ``occurred_at``, ``title``
    and ``url`` columns (one person's acts); returns those columns plus ``measure``, in
    the order of :data:`STEWARDSHIP_WORDS`."""
    columns = ["measure", "kind", "occurred_at", "title", "url"]
    frames = []
    for measure, kind in STEWARDSHIP_KINDS.items():
        mine = acts[(acts["kind"] == str(kind)) & acts["url"].fillna("").astype(bool)]
        latest = mine.sort_values("occurred_at", ascending=False).head(per_kind)
        frames.append(latest.assign(measure=measure)[columns])
    found = [f for f in frames if not f.empty]
    if not found:
        return pd.DataFrame(columns=columns)
    return pd.concat(found, ignore_index=True)


# Acts that show a project trusts the actor with someone else's work.
TRUST_KINDS = frozenset(
    {
        ActivityKind.PR_MERGED_BY,
        ActivityKind.MERGE_COMMIT,
        ActivityKind.COMMITTED_FOR_OTHER,
        ActivityKind.CO_AUTHORED,
        ActivityKind.REVIEWED_BY,
        ActivityKind.ACKED_BY,
        ActivityKind.SIGNED_OFF_BY,
        ActivityKind.REVIEW,
        ActivityKind.APPROVED_BY,
        ActivityKind.ISSUE_CLOSED_BY,
    }
)

# Recent work counts more for "who holds the project now": a month's activity weighs
# half as much two years on. Slow on purpose, so a long-time maintainer who is quieter
# this year is not pushed below this year's newcomers.
RECENT_HALF_LIFE_DAYS = 730.0


def attach_people(
    activities: pd.DataFrame,
    person_of: Mapping[str, str],
    leave_out: Collection[str] = (),
    *,
    moved: bool = False,
) -> pd.DataFrame:
    """``activities`` with ``person`` (the actor's person) and ``other`` (the
    counterpart's person, or NaN) columns added; acts of no known person, or of a person
    in ``leave_out``, dropped. With ``moved``, ``activities`` is emptied: its columns are
    moved into the result one at a time, so dropping rows of millions of acts holds one
    column twice, not every column."""
    person = looked_up(activities["actor"], person_of)
    keep = person.notna()
    if len(leave_out):
        keep &= ~person.isin(leave_out)
    # assign, not a copy and two columns set: the acts' own columns are shared (pandas'
    # copy on write), not copied, which for millions of acts is gigabytes.
    other = looked_up(activities["counterpart"], person_of)
    if keep.all():
        return activities.assign(person=person, other=other)
    if not moved:
        return activities.assign(person=person, other=other)[keep]
    columns = {name: activities.pop(name)[keep] for name in list(activities.columns)}
    return pd.DataFrame({**columns, "person": person[keep], "other": other[keep]}, copy=False)


def looked_up(keys: pd.Series, value_of: Mapping | pd.Series) -> pd.Series:
    """``keys.map(value_of)``, each distinct key looked up once: acts repeat their
    actors, kinds and repositories over and over, and mapping millions of texts one by
    one costs seconds."""
    codes, distinct = pd.factorize(keys)
    values = pd.Series(distinct).map(value_of)
    return pd.Series(values.array.take(codes, allow_fill=True), index=keys.index, name=keys.name)


def is_in(values: pd.Series | pd.Index, among: pd.Series | pd.Index) -> np.ndarray:
    """``values.isin(among)`` as a boolean array, for millions of texts in ``among`` too:
    pandas turns each of those into a Python object before Arrow hashes them (seconds
    for a million), here Arrow reads them as they are."""
    if not (_arrow_text(values) and _arrow_text(among)):
        return np.asarray(values.isin(among), dtype=bool)
    left = pa.array(values.array)
    right = pa.array(among.array)
    if isinstance(right, pa.ChunkedArray):
        right = right.combine_chunks()
    found = pc.is_in(left, value_set=right.cast(left.type))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _arrow_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def opendigger_activity(
    acts: pd.DataFrame,
    weights: ActivityWeights | None = None,
    *,
    as_of: pd.Timestamp | None = None,
    half_life_days: float | None = None,
) -> pd.Series:
    """OpenDigger's activity per person.

    For each person, repository and calendar month, the square root of the weighted
    count of acts; summed over repository-months. The square root rewards steady,
    broad participation over one burst.

    Parameters
    ----------
    acts : DataFrame
        Columns ``person``, ``repo``, ``kind``, ``occurred_at``.
    weights : ActivityWeights, optional
        Weight per activity kind; kinds without a weight do not count.
    as_of, half_life_days : optional
        With both, each repository-month's term is multiplied by
        ``0.5 ** (age / half_life_days)``, its age counted from the month's last act to
        ``as_of`` (our addition, for recency; OpenDigger computes months separately).

    Returns
    -------
    Series
        Activity indexed by person.

    Examples
    --------
    Four issue comments in one month: sqrt(4 * 0.5252).

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"person": ["a"] * 4, "repo": ["r"] * 4,
    ...     "kind": ["issue_comment"] * 4,
    ...     "occurred_at": pd.to_datetime(["2024-01-02"] * 4)})
    >>> round(float(opendigger_activity(acts)["a"]), 4)
    1.4494

    References
    ----------
    .. [1] X-lab2017/open-digger, ``src/metrics/indices.ts`` (basicActivitySqlComponent);
       "Activity", OpenDigger user docs.
    """
    decayed = as_of is not None and bool(half_life_days)
    plain, recent = opendigger_activities(
        acts, weights, as_of=as_of if decayed else None, half_life_days=half_life_days
    )
    return recent if recent is not None else plain


def opendigger_activities(
    acts: pd.DataFrame,
    weights: ActivityWeights | None = None,
    *,
    as_of: pd.Timestamp | None = None,
    half_life_days: float | None = None,
    month: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series | None]:
    """:func:`opendigger_activity` of ``acts`` and, with ``as_of`` and ``half_life_days``,
    its recent form too (else None), from one grouping of the acts: for millions of acts
    the grouping is what costs. ``month``, the acts' ``year * 12 + month`` if at hand."""
    table = (weights or ActivityWeights()).as_dict()
    if acts.empty:
        decayed = as_of is not None and bool(half_life_days)
        return pd.Series(dtype=float), pd.Series(dtype=float) if decayed else None
    w = looked_up(acts["kind"], table).fillna(0.0)
    if month is None:  # calendar months as numbers (Period objects group many times slower)
        month = acts["occurred_at"].dt.year * 12 + acts["occurred_at"].dt.month
    numbers, people, per_person = _month_numbers(acts["person"], acts["repo"], month)
    frame = pd.DataFrame({"w": w, "at": acts["occurred_at"]})
    if (numbers < 0).any():  # no person, repository or time: in no group
        frame, numbers = frame[numbers >= 0], numbers[numbers >= 0]
    # One grouping for the weights and the times: its groups are found once.
    grouped = frame.groupby(numbers)
    terms = np.sqrt(grouped["w"].sum())
    place = terms.index.to_numpy() // per_person
    name = acts["person"].name

    def per_person_sum(values: pd.Series) -> pd.Series:
        out = values.groupby(place).sum()
        return out.set_axis(pd.Index(people.take(out.index.to_numpy()), name=name))

    recent = None
    if as_of is not None and half_life_days:
        age = (as_of - grouped["at"].max()).dt.total_seconds() / 86400
        recent = per_person_sum(terms * np.power(0.5, age / half_life_days))
    return per_person_sum(terms), recent


def _month_numbers(
    person: pd.Series, repo: pd.Series, month: pd.Series
) -> tuple[np.ndarray, pd.Index, int]:
    """Each act's (person, repository, month) as one number, in the sorted order of the
    three (-1 where any is missing); the people; how many numbers each person spans (a
    number // it is the person's place). One number groups many times faster than three
    columns."""
    people, persons = pd.factorize(person, sort=True)
    repos, repo_names = pd.factorize(repo, sort=True)
    known = (people >= 0) & (repos >= 0) & month.notna().to_numpy()
    first, last = (int(month[known].min()), int(month[known].max())) if known.any() else (0, 0)
    span = last - first + 1
    months = month.fillna(first).to_numpy(dtype=np.int64) - first
    numbers = (people.astype(np.int64) * len(repo_names) + repos) * span + months
    return np.where(known, numbers, -1), pd.Index(persons), len(repo_names) * span


def build_activity_features(
    acts: pd.DataFrame,
    weights: ActivityWeights | None = None,
    files_owned: Mapping[str, int] | None = None,
    changes: pd.DataFrame | None = None,
    *,
    with_code: pd.DataFrame | None = None,
    first_responses: tuple[pd.Series, pd.Series] | None = None,
    numbered: tuple[dict[str, pd.Index], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per person (index ``person_id``) with the columns of ``FEATURE_DOCS``.

    ``acts`` comes from :func:`attach_people`; ``files_owned`` from
    :func:`talent.ranking.authorship.file_ownership`; ``changes`` from :func:`commit_changes`
    (for tests and docs that come with code). Times are measured against the latest
    act in ``acts``, so the same data always gives the same features. ``with_code``
    (:func:`code_shares` of these changes' :func:`commit_kinds`) and ``first_responses``
    (:func:`first_response_counts` of these acts), when given, are used instead of computing
    them: the rank ranges' windows cut them from what was computed once over all acts.
    ``numbered``, :func:`numbered_acts` of ``acts`` if at hand.
    """
    columns = list(FEATURE_DOCS)
    if acts.empty:
        return pd.DataFrame(columns=columns).rename_axis("person_id")
    as_of = acts["occurred_at"].max()
    names, acts = numbered if numbered is not None else numbered_acts(acts)
    counts = acts.groupby(["person", "kind"]).size().unstack(fill_value=0)
    out = pd.DataFrame(index=counts.index)
    # Calendar months as numbers, for the activity and the active months alike.
    month = acts["occurred_at"].dt.year * 12 + acts["occurred_at"].dt.month
    activity, recent = opendigger_activities(
        acts, weights, as_of=as_of, half_life_days=RECENT_HALF_LIFE_DAYS, month=month
    )
    out["activity"] = activity.reindex(out.index).fillna(0.0)
    out["recent_activity"] = (recent if recent is not None else activity).reindex(out.index)
    out["recent_activity"] = out["recent_activity"].fillna(0.0)
    for col, kinds in _COUNTS.items():
        present = [str(k) for k in kinds if str(k) in counts]
        out[col] = counts[present].sum(axis=1) if present else 0
    by_person = acts.groupby("person")
    out["active_months"] = month.groupby(acts["person"]).nunique()
    out["n_repos"] = by_person["repo"].nunique()
    out["first_active"] = by_person["occurred_at"].min()
    out["last_active"] = by_person["occurred_at"].max()
    out["tenure_days"] = (out["last_active"] - out["first_active"]).dt.days
    out["days_inactive"] = (as_of - out["last_active"]).dt.days
    # The columns read taken before the rows: filtering every column copies them all.
    trust = acts.loc[acts["kind"].isin([str(k) for k in TRUST_KINDS]) & acts["other"].notna(),
                     ["person", "other"]]  # fmt: skip
    trust = trust[trust["other"] != trust["person"]]
    out["people_helped"] = trust.groupby("person")["other"].nunique().reindex(out.index)
    out["people_helped"] = out["people_helped"].fillna(0).astype(int)
    derived = acts.loc[acts["kind"] == str(ActivityKind.DERIVATIVE), ["person", "size"]]
    uptake = 1.0 + np.log10(1.0 + derived["size"].fillna(0).astype(float).clip(lower=0))
    out["derivatives"] = derived.groupby("person").size().reindex(out.index).fillna(0)
    out["derivatives"] = out["derivatives"].astype(int)
    out["derivative_uptake"] = uptake.groupby(derived["person"]).sum().reindex(out.index)
    out["derivative_uptake"] = out["derivative_uptake"].fillna(0.0)
    out["merge_ratio"] = _merge_ratio(out["prs_opened"], out["prs_merged"])
    out["review_depth"] = (out["review_comments"] / out["reviews"]).where(out["reviews"] > 0)
    if first_responses is None:
        first, hours = first_response_counts(acts)
    else:  # given by the people's own ids: by their numbers here
        numbers = range(len(names["person"]))
        first, hours = (s.reindex(names["person"]).set_axis(numbers) for s in first_responses)
    out["first_responses"] = first.reindex(out.index).fillna(0).astype(int)
    out["response_hours"] = hours.reindex(out.index)
    out["momentum"] = _momentum(acts, as_of).reindex(out.index).fillna(0.0)
    per_repo = acts.groupby(["person", "repo"]).size().reset_index(name="n")
    per_repo = per_repo.sort_values(["person", "n", "repo"], ascending=[True, False, True])
    per_repo = per_repo[per_repo.groupby("person").cumcount() < 3]
    per_repo["repo"] = names["repo"].take(per_repo["repo"].to_numpy().astype(int))
    out["top_repos"] = _joined(per_repo["person"], per_repo["repo"])
    # The people by their ids again.
    out.index = names["person"].take(out.index.to_numpy().astype(int))
    owned = pd.Series(files_owned or {}, dtype=float)
    out["files_owned"] = owned.reindex(out.index).fillna(0).astype(int)
    if with_code is None:
        with_code = code_shares(commit_kinds(changes if changes is not None else pd.DataFrame()))
    for column in ("tests_with_code", "docs_with_code"):
        out[column] = with_code[column].reindex(out.index) if len(with_code) else np.nan
    return out[columns].rename_axis("person_id")


def _joined(keys: pd.Series, texts: pd.Series) -> pd.Series:
    """``texts.groupby(keys).agg(", ".join)`` for rows already in order of ``keys``,
    joined column by column (the first of each key, then the second...), not group by
    group in Python."""
    at = keys.groupby(keys.to_numpy()).cumcount().to_numpy()
    out = pd.Series(texts.to_numpy()[at == 0], index=keys.to_numpy()[at == 0], dtype=object)
    for n in range(1, int(at.max()) + 1 if len(at) else 0):
        more = pd.Series(texts.to_numpy()[at == n], index=keys.to_numpy()[at == n])
        out[more.index] = out[more.index] + ", " + more.to_numpy()
    return out.astype(texts.dtype)


def numbered_acts(acts: pd.DataFrame) -> tuple[dict[str, pd.Index], pd.DataFrame]:
    """``acts`` with ``person``, ``other`` and ``repo`` as numbers in the sorted order of
    their texts (NaN where there is none), and the texts of the numbers: every grouping
    then hashes numbers, not texts, and comes out in the same order."""
    n = len(acts)
    codes, person_names = pd.factorize(
        pd.concat([acts["person"], acts["other"]], ignore_index=True), sort=True
    )
    numbered = acts.assign(person=_or_nan(codes[:n]), other=_or_nan(codes[n:]))
    names = {"person": pd.Index(person_names)}
    if "repo" in acts:  # (acts without repositories are numbered by their people alone)
        repo_codes, repo_names = pd.factorize(acts["repo"], sort=True)
        numbered["repo"] = _or_nan(repo_codes)
        names["repo"] = pd.Index(repo_names)
    return names, numbered


def _or_nan(codes: np.ndarray) -> np.ndarray:
    """Factorized codes, with NaN (as floats) for the missing (-1) if there are any."""
    if (codes >= 0).all():
        return codes
    out = codes.astype(float)
    out[codes < 0] = np.nan
    return out


MOMENTUM_RECENT_DAYS = 90
MOMENTUM_BEFORE_DAYS = 365


def _merge_ratio(opened: pd.Series, merged: pd.Series, prior: float = 2.0) -> pd.Series:
    """Merged share of one's pull requests, pulled towards the project's share by
    ``prior`` pseudo-requests, so one lucky pull request is not a perfect record."""
    share = float(merged.sum()) / float(opened.sum()) if opened.sum() > 0 else 0.0
    share = min(share, 1.0)
    ratio = (merged.clip(upper=opened) + prior * share) / (opened + prior)
    return ratio.where(opened > 0)


_RESPONSES = (ActivityKind.ISSUE_COMMENT, ActivityKind.REVIEW, ActivityKind.REVIEW_COMMENT)


RESPONSE_KINDS = frozenset(
    str(k) for k in (ActivityKind.ISSUE_OPENED, ActivityKind.PR_OPENED, *_RESPONSES)
)  # all that :func:`first_response_counts` reads


def first_response_counts(acts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per person: how many others' issues and pull requests they answered first, and
    the median hours from opening to their first response (over items they answered).
    Only the acts of ``RESPONSE_KINDS`` count, and only their ``kind``, ``item``,
    ``person`` and ``occurred_at``."""
    firsts = _responses(acts)
    if firsts.empty:
        return pd.Series(dtype=int), pd.Series(dtype=float)
    hours = firsts.groupby("person")["hours"].median()
    return first_responders(firsts).groupby("person").size(), hours


def first_responders(acts: pd.DataFrame) -> pd.DataFrame:
    """Who answered each issue or pull request first: ``item``, ``person``, ``replied``.

    ``acts`` comes from :func:`attach_people` (or is already :func:`_responses`)."""
    responses = acts if "hours" in acts else _responses(acts)
    if responses.empty:
        return pd.DataFrame(columns=["item", "person", "replied"])
    # Sorted by item, time and person as numbers (texts sort many times slower), the
    # first of each item kept: sort_values(...).drop_duplicates("item") by another road.
    item, person = _sort_codes(responses["item"]), _sort_codes(responses["person"])
    replied = responses["replied"]
    if getattr(replied.dtype, "tz", None) is not None:  # the same order, as numbers
        replied = replied.dt.tz_convert(None)
    order = np.lexsort((person, replied.to_numpy(), item))
    ranked = item[order]
    first = order[np.concatenate([[True], ranked[1:] != ranked[:-1]])]
    return responses[["item", "person", "replied"]].take(first).reset_index(drop=True)


def _sort_codes(values: pd.Series) -> np.ndarray:
    """Numbers of ``values`` in their sorted order, missing ones last (as sort_values
    puts them)."""
    codes, uniques = pd.factorize(values, sort=True)
    return np.where(codes < 0, len(uniques), codes)


def _responses(acts: pd.DataFrame) -> pd.DataFrame:
    """Each person's first response on each issue or pull request someone else opened:
    ``item``, ``person``, ``replied``, ``hours`` (from opening)."""
    # Only the columns read, taken before the rows: filtering every column copies them all.
    acts = acts[["kind", "item", "person", "occurred_at"]]
    opened = acts[acts["kind"].isin([str(ActivityKind.ISSUE_OPENED), str(ActivityKind.PR_OPENED)])]
    opened = opened.groupby("item").agg(opener=("person", "first"), at=("occurred_at", "min"))
    replies = acts.loc[
        acts["kind"].isin([str(k) for k in _RESPONSES]) & is_in(acts["item"], opened.index),
        ["item", "person", "occurred_at"],
    ]
    if replies.empty:
        return pd.DataFrame(columns=["item", "person", "replied", "hours"])
    replies = replies.join(opened, on="item")
    replies = replies[
        (replies["person"] != replies["opener"]) & (replies["occurred_at"] >= replies["at"])
    ]
    # The opening time is the item's: take the first reply per (item, person), then
    # look the opening up again (a per-group "first" runs in Python, many times slower).
    firsts = replies.groupby(["item", "person"])["occurred_at"].min().rename("replied")
    firsts = firsts.reset_index().join(opened["at"], on="item")
    firsts["hours"] = (firsts["replied"] - firsts["at"]).dt.total_seconds() / 3600
    return firsts[["item", "person", "replied", "hours"]]


def _momentum(acts: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Acts a day in the last 90 days against the year before: recent / (recent + before)."""
    age = (as_of - acts["occurred_at"]).dt.total_seconds() / 86400
    recent = (age <= MOMENTUM_RECENT_DAYS).groupby(acts["person"]).sum() / MOMENTUM_RECENT_DAYS
    before = (
        (age > MOMENTUM_RECENT_DAYS) & (age <= MOMENTUM_RECENT_DAYS + MOMENTUM_BEFORE_DAYS)
    ).groupby(acts["person"]).sum() / MOMENTUM_BEFORE_DAYS
    total = recent + before
    return (recent / total.where(total > 0)).fillna(0.0)


# Paths of tests and of documentation (``changes`` paths start with "owner/repo:").
TEST_PATH = re.compile(
    r"(?:^|[/:])(?:tests?|testing)/|(?:^|[/:])test_[^/]*$|_test\.\w+$|\.test\.\w+$"
)
DOCS_PATH = re.compile(r"(?:^|[/:])(?:docs?|documentation)/|\.(?:md|rst|adoc)$")
CODE_PATH = re.compile(
    r"\.(?:py|pyx|cu|cuh|cc|cpp|cxx|c|h|hpp|rs|go|js|ts|tsx|java|kt|scala|jl|r|swift)$"
)

# Subjects of mechanical changes, as (reason, pattern searched in the lower-cased subject);
# the first that matches names the reason. A conventional-commit prefix ("chore(deps): ")
# is allowed before the words; the words must start the subject, so "Support the ONNX
# format" is not reformatting. What a commit's files show (renames, mode changes, version
# files only) is read from its file changes (:func:`talent.ranking.scoring.build_substance`).
_PREFIX = r"^(?:\[[^\]]*\]\s*)?(?:[\w-]+(?:\([^)]*\))?!?:\s*)?"
MECHANICAL_SUBJECTS: tuple[tuple[str, str], ...] = (
    ("merge", r"^merge (?:pull request|branch|remote-tracking branch|tag|commit)\b"
              r"|^merged? (?:from )?(?:upstream|master|main)\b"
              r"|^merge (?:\S+ ){0,3}(?:in)?to (?:the )?"
              r"(?:main|master|dev\w*|release\S*|\S+ branch)\b"),
    ("revert", _PREFIX + r"revert\b"),
    ("version bump", _PREFIX + r"(?:bump|upgrade|update)\b.*\bfrom v?\d+\.\d+\S* to v?\d+\.\d+"
                     r"|" + _PREFIX + r"(?:bump(?:ed|s)?|update) (?:the )?versions?\b"
                     r"|" + _PREFIX + r"bump(?:ed|s)? (?:to )?v?\d"
                     r"|" + _PREFIX + r"(?:prepare )?(?:release|version)\s*:?\s*v?\d+\.\d+"
                     r"|" + _PREFIX + r"prepare (?:for )?(?:the )?(?:release|v?\d+\.\d+)"
                     r"|^(?:[\w-]+ )?v?\d+\.\d+(?:\.\d+)?(?:[-.]?\w+)?(?: \(#\d+\))?$"),
    ("reformatting", r"^style(?:\([^)]*\))?!?:"
                     r"|" + _PREFIX + r"(?:run |apply |fix(?:e[sd])? |correct(?:ed)? |update )?"
                     r"(?:the |a |some |minor )?(?:code )?(?:format(?:ting)?|re-?format\w*|lint"
                     r"(?:ing|er|s)?|gofmt|goimports|black|isort|prettier|pre-commit"
                     r"|typos?|spelling|whitespace)\b"),
)  # fmt: skip
_MECHANICAL = [(reason, re.compile(rx)) for reason, rx in MECHANICAL_SUBJECTS]


def mechanical_subject(subject: str) -> str:
    """Why a commit or pull request subject reads as a mechanical change (a merge, a
    revert, a version bump, reformatting), or "" if it does not.

    >>> mechanical_subject("Merge pull request #12 from ada/fix-loader")
    'merge'
    >>> mechanical_subject("chore(deps): Bump grpcio from 1.62 to 1.63 (#881)")
    'version bump'
    >>> mechanical_subject("Release v0.12.1"), mechanical_subject("fix typo in README")
    ('version bump', 'reformatting')
    >>> mechanical_subject('Revert "Add batching"'), mechanical_subject("Support ONNX format")
    ('revert', '')
    """
    low = " ".join(str(subject or "").lower().split())
    for reason, rx in _MECHANICAL:
        if rx.search(low):
            return reason
    return ""


def code_shares(flags: pd.DataFrame) -> pd.DataFrame:
    """Per person, the share of code-changing commits that also change tests, and docs
    (``flags`` from :func:`commit_kinds`)."""
    coded = flags[flags["code"]]
    if coded.empty:
        return pd.DataFrame(columns=["tests_with_code", "docs_with_code"])
    return (
        coded.groupby(level="person")[["tests", "docs"]]
        .mean()
        .rename(columns={"tests": "tests_with_code", "docs": "docs_with_code"})
    )


def commit_kinds(changes: pd.DataFrame) -> pd.DataFrame:
    """Per (``person``, ``commit``) index: whether the commit changes ``code``,
    ``tests`` and ``docs`` (``changes`` from :func:`commit_changes`)."""
    if changes.empty or "commit" not in changes:
        index = pd.MultiIndex.from_arrays([[], []], names=["person", "commit"])
        return pd.DataFrame({"code": [], "tests": [], "docs": []}, index=index).astype(bool)
    path = changes["path"].str.lower()
    is_test = path.str.contains(TEST_PATH)
    is_docs = path.str.contains(DOCS_PATH) & ~is_test
    is_code = path.str.contains(CODE_PATH) & ~is_test & ~is_docs
    return pd.DataFrame(
        {"person": changes["person"], "commit": changes["commit"], "code": is_code,
         "tests": is_test, "docs": is_docs}
    ).groupby(["person", "commit"]).any()  # fmt: skip


def commit_changes(acts: pd.DataFrame, commit_files: pd.DataFrame) -> pd.DataFrame:
    """Files changed per commit with the commit's person and time: ``path`` (prefixed
    by the repository), ``person``, ``occurred_at``, ``lines`` (None when unknown) and
    ``commit`` ("owner/repo@sha")."""
    # The four columns taken before the rows: filtering all of them first copies them all.
    commits = acts.loc[
        acts["kind"] == str(ActivityKind.COMMIT), ["repo", "item", "person", "occurred_at"]
    ].rename(columns={"item": "sha"})
    if commits.empty or commit_files.empty:
        return pd.DataFrame(columns=["path", "person", "occurred_at", "lines", "commit"])
    joined = commit_files.merge(commits, on=["repo", "sha"], how="inner")
    return pd.DataFrame(
        {
            "path": joined["repo"] + ":" + joined["path"],
            "commit": joined["repo"] + "@" + joined["sha"],
            "person": joined["person"],
            "occurred_at": joined["occurred_at"],
            "lines": joined["additions"] + joined["deletions"],
        }
    )
