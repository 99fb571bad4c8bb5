"""Per-person activity and quality features: one row per person, documented columns.

Inputs are the store's frames: ``activities`` (actor and counterpart are identity keys)
and a mapping from identity key to person id (from :mod:`talent.identity`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from talent.config import ActivityWeights
from talent.model import ActivityKind

# Columns of :func:`build_activity_features`, each documented here (the app and the
# JSON output show these names).
FEATURE_DOCS: dict[str, str] = {
    "activity": "OpenDigger activity: sum over repository-months of sqrt(sum of weighted acts)",
    "commits": "commits authored",
    "prs_opened": "pull requests opened",
    "prs_merged": "own pull requests merged",
    "merges": "pull requests of others merged (holds the merge button)",
    "reviews": "reviews given on pull requests",
    "review_comments": "inline review comments written",
    "issues_opened": "issues opened",
    "comments": "conversation comments on issues and pull requests",
    "n_repos": "repositories with at least one act",
    "first_active": "time of the first act",
    "last_active": "time of the latest act",
    "top_repos": "up to three repositories with the most acts, most first",
}

_COUNTS = {
    "commits": ActivityKind.COMMIT,
    "prs_opened": ActivityKind.PR_OPENED,
    "prs_merged": ActivityKind.PR_MERGED,
    "merges": ActivityKind.PR_MERGED_BY,
    "reviews": ActivityKind.REVIEW,
    "review_comments": ActivityKind.REVIEW_COMMENT,
    "issues_opened": ActivityKind.ISSUE_OPENED,
    "comments": ActivityKind.ISSUE_COMMENT,
}


def attach_people(activities: pd.DataFrame, person_of: Mapping[str, str]) -> pd.DataFrame:
    """``activities`` with ``person`` (the actor's person) and ``other`` (the
    counterpart's person, or NaN) columns added."""
    out = activities.copy()
    out["person"] = out["actor"].map(person_of)
    out["other"] = out["counterpart"].map(person_of)
    return out[out["person"].notna()]


def opendigger_activity(acts: pd.DataFrame, weights: ActivityWeights | None = None) -> pd.Series:
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
    table = (weights or ActivityWeights()).as_dict()
    if acts.empty:
        return pd.Series(dtype=float)
    w = acts["kind"].map(table).fillna(0.0)
    month = acts["occurred_at"].dt.to_period("M")
    per_month = w.groupby([acts["person"], acts["repo"], month]).sum()
    return np.sqrt(per_month).groupby(level=0).sum()


def build_activity_features(
    acts: pd.DataFrame, weights: ActivityWeights | None = None
) -> pd.DataFrame:
    """One row per person (index ``person_id``) with the columns of ``FEATURE_DOCS``.

    ``acts`` comes from :func:`attach_people`.
    """
    columns = list(FEATURE_DOCS)
    if acts.empty:
        return pd.DataFrame(columns=columns).rename_axis("person_id")
    counts = pd.crosstab(acts["person"], acts["kind"])
    out = pd.DataFrame(index=counts.index)
    out["activity"] = opendigger_activity(acts, weights).reindex(out.index).fillna(0.0)
    for col, kind in _COUNTS.items():
        out[col] = counts[str(kind)] if str(kind) in counts else 0
    by_person = acts.groupby("person")
    out["n_repos"] = by_person["repo"].nunique()
    out["first_active"] = by_person["occurred_at"].min()
    out["last_active"] = by_person["occurred_at"].max()
    per_repo = acts.groupby(["person", "repo"]).size().reset_index(name="n")
    per_repo = per_repo.sort_values(["person", "n", "repo"], ascending=[True, False, True])
    out["top_repos"] = per_repo.groupby("person")["repo"].agg(lambda s: ", ".join(s.head(3)))
    return out[columns].rename_axis("person_id")
