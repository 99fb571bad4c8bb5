"""Scores with per-signal contributions that add up to the score.

Every signal is normalised to [0, 1] over the people being ranked and weighted by
:class:`talent.config.ScoreWeights`; ``contrib_<signal>`` columns hold the weighted
values and sum to ``score``.

==================  ======  ==================================================================
signal              weight  what it measures
==================  ======  ==================================================================
activity            0.70    OpenDigger activity (sum over repository-months of sqrt(weighted
                            acts)); log-scaled against the highest
recent_activity     0.15    the same, each month weighed down with a two-year half-life
pagerank            0.05    PageRank on the person-to-person graph of merges, reviews,
                            co-authorship, applied patches, trailers, comments and co-editing
trust               0.05    log(1 + distinct people whose work the person merged, applied,
                            reviewed or co-authored)
ownership           0.05    log(1 + files the person authors by degree of authorship)
==================  ======  ==================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from talent.config import ScoreWeights, Settings
from talent.features import (
    FEATURE_DOCS,
    attach_people,
    build_activity_features,
    commit_changes,
)
from talent.graph import build_coedit_edges, build_interaction_graph, pagerank
from talent.identity import ensure_people
from talent.maintainers import build_authorship, file_ownership
from talent.skills import build_skills, search_skills
from talent.store import (
    load_activities,
    load_commit_files,
    load_identity_links,
    load_people,
)

SIGNALS = tuple(ScoreWeights().as_dict())
SIGNAL_LABELS = {
    "activity": "Activity",
    "recent_activity": "Recent activity",
    "pagerank": "Collaboration graph",
    "trust": "Trusted with others' work",
    "ownership": "File ownership",
}
CONTRIBUTIONS = [f"contrib_{s}" for s in SIGNALS]
# Columns of a ranking, in order. ``contrib_*`` columns sum to ``score``.
RANK_COLUMNS = [
    "rank", "person_id", "login", "name", "score", "is_bot", "bot_probability", "affiliation",
    "affiliation_evidence", *CONTRIBUTIONS, "pagerank", *FEATURE_DOCS, "areas", "languages",
    "topics", "profile_url",
]  # fmt: skip


def rank(
    activities: pd.DataFrame,
    people: pd.DataFrame,
    links: pd.DataFrame,
    settings: Settings | None = None,
    *,
    commit_files: pd.DataFrame | None = None,
    include_bots: bool = False,
) -> pd.DataFrame:
    """Rank every person who acted in ``activities``, best first.

    Parameters
    ----------
    activities, people, links : DataFrame
        The store's frames (``load_activities``, ``load_people``,
        ``load_identity_links``).
    settings : Settings, optional
        Supplies the score and activity weights.
    commit_files : DataFrame, optional
        The store's ``commit_files``: enables file ownership and co-editing ties.
    include_bots : bool
        Bots are left out unless this is set; they never enter the interaction graph.

    Returns
    -------
    DataFrame
        One row per person, columns ``RANK_COLUMNS``.
    """
    settings = settings or Settings()
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    acts = attach_people(activities, person_of)
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"])
    if not include_bots:
        acts = acts[~acts["person"].isin(bots)]
    changes = commit_changes(acts, commit_files if commit_files is not None else pd.DataFrame())
    changes = changes[~changes["person"].isin(bots)]
    owned = file_ownership(build_authorship(changes))
    features = build_activity_features(acts, settings.activity_weights, owned)
    if features.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    # Topics from what a person wrote themselves, not the titles of work they reviewed.
    authored = acts[acts["kind"].isin(["commit", "pr_opened", "issue_opened"])]
    skills = build_skills(changes, authored).reindex(features.index)

    graph = build_interaction_graph(
        acts, exclude=frozenset(bots), coedits=build_coedit_edges(changes)
    )
    pr = pd.Series(pagerank(graph), dtype=float).reindex(features.index).fillna(0.0)

    normalised = {
        "activity": _log_scaled(features["activity"]),
        "recent_activity": _log_scaled(features["recent_activity"]),
        "pagerank": _max_scaled(pr),
        "trust": _log_scaled(features["people_helped"].astype(float)),
        "ownership": _log_scaled(features["files_owned"].astype(float)),
    }
    out = features.copy()
    out["pagerank"] = pr
    for column in ("areas", "languages", "topics"):
        out[column] = skills[column].astype(object).fillna("")
    weights = settings.score_weights.as_dict()
    for signal in SIGNALS:
        out[f"contrib_{signal}"] = weights[signal] * normalised[signal]
    out["score"] = out[CONTRIBUTIONS].sum(axis=1)

    info = people.set_index("person_id")[
        ["login", "name", "is_bot", "bot_probability", "affiliation", "affiliation_evidence"]
    ]
    out = out.join(info, how="left")
    out["is_bot"] = out["is_bot"].fillna(False).astype(bool)
    out["profile_url"] = [
        f"https://github.com/{login}" if isinstance(login, str) and login else None
        for login in out["login"]
    ]
    out = out.reset_index().sort_values(["score", "person_id"], ascending=[False, True])
    out["rank"] = np.arange(1, len(out) + 1)
    return out[RANK_COLUMNS].reset_index(drop=True)


def _log_scaled(values: pd.Series) -> pd.Series:
    top = float(values.max()) if len(values) else 0.0
    if top <= 0:
        return values * 0.0
    return np.log1p(values) / np.log1p(top)


def _max_scaled(values: pd.Series) -> pd.Series:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values * 0.0


def rank_store(
    engine: Engine,
    settings: Settings | None = None,
    *,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
    skill: str | None = None,
) -> pd.DataFrame:
    """Load what :func:`rank` needs from the store (resolving people first if needed)
    and rank, optionally only some repositories' acts since a date.

    With ``skill`` (free text such as "cuda kernels"), only people whose work matches it
    are kept, best match first (:func:`talent.skills.search_skills`), with a
    ``skill_match`` column; ``rank`` stays the overall rank.
    """
    settings = settings or Settings()
    ensure_people(engine, settings)
    activities = load_activities(engine, repos=repos, since=since)
    ranking = rank(
        activities,
        load_people(engine),
        load_identity_links(engine),
        settings,
        commit_files=load_commit_files(engine, repos=repos),
        include_bots=include_bots,
    )
    if skill is None or ranking.empty:
        return ranking
    documents = ranking.set_index("person_id")
    documents = pd.DataFrame(
        {
            "document": documents["topics"].str.replace(",", " ")
            + " "
            + documents["areas"].str.replace(",", " ")
            + " "
            + documents["languages"].str.replace(",", " ")
        }
    )
    found = search_skills(skill, documents, ranking.set_index("person_id")["score"])
    out = ranking.set_index("person_id").loc[found.index].reset_index()
    out["skill_match"] = found["match"].to_numpy()
    return out
