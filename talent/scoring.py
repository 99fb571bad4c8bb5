"""Scores with per-feature contributions that add up to the score.

The first score combines two signals, each normalised to [0, 1]:

- ``activity``: OpenDigger's activity (:func:`talent.features.opendigger_activity`),
  log-scaled against the most active person because it is heavy-tailed;
- ``pagerank``: PageRank on the person-to-person interaction graph
  (:func:`talent.graph.pagerank`), scaled by the highest value.

``score = w_activity * activity_norm + w_pagerank * pagerank_norm`` with the weights of
:class:`talent.config.ScoreWeights` (0.6 / 0.4 by default), so a score lies in [0, 1]
and ``contrib_activity + contrib_pagerank == score`` for every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from talent.config import Settings
from talent.features import FEATURE_DOCS, attach_people, build_activity_features
from talent.graph import build_interaction_graph, pagerank
from talent.identity import ensure_people
from talent.store import load_activities, load_identity_links, load_people

# Columns of a ranking, in order. ``contrib_*`` columns sum to ``score``.
RANK_COLUMNS = [
    "rank",
    "person_id",
    "login",
    "name",
    "score",
    "is_bot",
    "affiliation",
    "contrib_activity",
    "contrib_pagerank",
    "pagerank",
    *FEATURE_DOCS,
    "profile_url",
]
SIGNALS = ("activity", "pagerank")


def rank(
    activities: pd.DataFrame,
    people: pd.DataFrame,
    links: pd.DataFrame,
    settings: Settings | None = None,
    *,
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
    features = build_activity_features(acts, settings.activity_weights)
    if features.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)

    graph = build_interaction_graph(acts, exclude=frozenset(bots))
    pr = pd.Series(pagerank(graph), dtype=float).reindex(features.index).fillna(0.0)

    weights = settings.score_weights
    activity_norm = _log_scaled(features["activity"])
    pagerank_norm = pr / pr.max() if pr.max() > 0 else pr * 0.0
    out = features.copy()
    out["pagerank"] = pr
    out["contrib_activity"] = weights.activity * activity_norm
    out["contrib_pagerank"] = weights.pagerank * pagerank_norm
    out["score"] = out["contrib_activity"] + out["contrib_pagerank"]

    info = people.set_index("person_id")[["login", "name", "is_bot", "affiliation"]]
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


def rank_store(
    engine: Engine,
    settings: Settings | None = None,
    *,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
) -> pd.DataFrame:
    """Load what :func:`rank` needs from the store (resolving people first if needed)
    and rank, optionally only some repositories' acts since a date."""
    settings = settings or Settings()
    ensure_people(engine, settings)
    activities = load_activities(engine, repos=repos, since=since)
    return rank(
        activities,
        load_people(engine),
        load_identity_links(engine),
        settings,
        include_bots=include_bots,
    )
