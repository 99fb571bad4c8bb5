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
    "affiliation_evidence", *CONTRIBUTIONS, "pagerank", *FEATURE_DOCS, "persona", "areas",
    "languages", "topics", "profile_url",
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
    out["persona"] = assign_personas(features)
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


# --- personas ----------------------------------------------------------------------------

PERSONA_FEATURES = ["commits", "prs_opened", "merges", "reviews", "review_comments",
                    "comments", "issues_opened", "people_helped", "tenure_days",
                    "active_months"]  # fmt: skip
# What each persona looks like on those features (standardised, log-scaled): the clusters'
# centres are matched to these shapes, so names come from the data, not from a fixed rule.
PERSONA_SHAPES = {
    "maintainer": [1, 0.5, 2, 1.5, 1, 0.5, 0, 2, 1.5, 1.5],
    "reviewer": [-0.5, -0.5, 0, 2, 2, 0.5, 0, 1, 0.5, 0.5],
    "builder": [2, 1.5, 0, 0, 0, 0, 0, 0, 0.5, 1],
    "helper": [-0.5, -0.5, -0.5, 0, 0, 2, 1.5, 0, 0, 0.5],
    "drive-by": [-1, -1, -1, -1, -1, -1, -0.5, -1, -1, -1],
}  # fmt: skip


def make_persona_model(n_clusters: int = 5, random_state: int = 0):
    """An unfitted clustering of people by how they contribute: log-scaled counts,
    standardised, then k-means."""
    from sklearn.cluster import KMeans
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return make_pipeline(
        FunctionTransformer(np.log1p, feature_names_out="one-to-one"),
        StandardScaler(),
        KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state),
    )


def assign_personas(features: pd.DataFrame, random_state: int = 0) -> pd.Series:
    """A persona per person (maintainer, reviewer, builder, helper, drive-by).

    People are clustered (:func:`make_persona_model`); each cluster is named after the
    persona shape its centre is closest to, one name per cluster (an optimal
    assignment), so the same data and ``random_state`` always give the same names.
    """
    from scipy.optimize import linear_sum_assignment

    if features.empty:
        return pd.Series(dtype=object)
    X = features[PERSONA_FEATURES].astype(float).clip(lower=0)
    # No more clusters than distinct ways of contributing (identical rows are one).
    k = min(len(PERSONA_SHAPES), len(X.drop_duplicates()))
    if k < 2:
        return pd.Series("builder" if X.iloc[0]["commits"] > 0 else "helper", index=X.index)
    model = make_persona_model(k, random_state).fit(X)
    labels = model[-1].labels_
    centres = model[-1].cluster_centers_
    names = list(PERSONA_SHAPES)
    shapes = np.array([PERSONA_SHAPES[n] for n in names], dtype=float)
    cost = ((centres[:, None, :] - shapes[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    naming = {int(r): names[c] for r, c in zip(rows, cols, strict=True)}
    return pd.Series([naming[int(label)] for label in labels], index=X.index)
