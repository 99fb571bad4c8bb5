"""The stewardship signals: releases, backports, reverts and infra edits as signals a
profile and the learned model weigh, approvals beside reviews, and their evidence."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from talent.config import LEARNED, SIGNAL_NAMES
from talent.model import Activity
from talent.model import ActivityKind as K
from talent.ranking.features import attach_people, build_activity_features
from talent.ranking.learning import GRID, MaintainerModel
from talent.ranking.scoring import SIGNAL_TABLE, evidence_for, make_profile_scorer, signal_values

START = datetime(2024, 1, 1)


def _acts() -> pd.DataFrame:
    """Two people with the same ten commits; "rm" also runs releases, backports, reverts
    someone's change, edits CI and governance files and approves others' changes."""
    rows = []

    def act(kind, who, day, item):
        rows.append(
            Activity(
                key=f"k:{len(rows)}",
                repo="acme/core",
                kind=kind,
                actor=f"id:{who}",
                occurred_at=START + timedelta(days=day),
                counterpart="id:dev" if kind in (K.APPROVED_BY, K.REVERT) else None,
                item=item,
                title=f"{kind} by {who}",
                url=f"https://example.org/{len(rows)}",
            )
        )

    for who in ("rm", "dev"):
        for day in range(10):
            act(K.COMMIT, who, day, f"{who}-c{day}")
    stewardship = [
        *[(K.RELEASE_TAGGED, f"v1.{i}") for i in range(3)],
        *[(K.VERSION_BUMP, f"rm-c{i}") for i in range(2)],
        (K.CHANGELOG_EDIT, "rm-c2"),
        *[(K.BACKPORT, f"rm-c{i}") for i in (3, 4)],
        (K.REVERT, "rm-c5"),
        *[(K.INFRA_EDIT, f"rm-c{i}") for i in (6, 7)],
        (K.GOVERNANCE_EDIT, "rm-c8"),
        *[(K.APPROVED_BY, f"dev-c{i}") for i in (1, 2)],
    ]
    for day, (kind, item) in enumerate(stewardship):
        act(kind, "rm", day, item)
    frame = pd.DataFrame([asdict(a) for a in rows])
    frame["kind"] = frame["kind"].astype(str)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return attach_people(frame, {"id:rm": "rm", "id:dev": "dev"})


def _values() -> pd.DataFrame:
    return signal_values(build_activity_features(_acts()).assign(pagerank=0.0))


def test_stewardship_acts_are_signals_and_approvals_count_as_reviews():
    values = _values()
    assert set(SIGNAL_NAMES) == set(values.columns)
    rm, dev = values.loc["rm"], values.loc["dev"]
    assert rm["releases"] == 6  # 3 tags + 2 version bumps + 1 changelog edit
    assert (rm["backports"], rm["reverts"], rm["infra"], rm["governance"]) == (2, 1, 2, 1)
    assert rm["reviews"] == 2  # the two approvals
    assert (dev[["releases", "backports", "reverts", "infra", "governance", "reviews"]] == 0).all()


def test_the_evidence_of_a_stewardship_signal_is_its_acts():
    acts = _acts()
    shown = evidence_for(acts, "rm", "releases", n=10)
    kinds = {str(k) for k in SIGNAL_TABLE["releases"].evidence}
    assert set(shown["kind"]) <= kinds and len(shown) > 0
    expected = acts[(acts["person"] == "rm") & acts["kind"].isin(kinds)]
    assert set(shown["url"]) <= set(expected["url"])
    assert evidence_for(acts, "dev", "releases", n=10).empty


def test_a_learned_curve_for_releases_lifts_the_release_manager():
    values = _values()
    rising = tuple(np.linspace(0.0, 1.0, len(GRID)))
    model = MaintainerModel(curves={"activity": rising, "releases": rising})
    scorer = make_profile_scorer(LEARNED).set_params(model=model).fit(values)
    parts = scorer.transform(values)
    assert parts.loc["rm", "contrib_releases"] > 0 == parts.loc["dev", "contrib_releases"]
    assert parts.loc["rm", "contrib_activity"] == parts.loc["dev", "contrib_activity"]
    score = scorer.predict(values)
    assert score[values.index.get_loc("rm")] > score[values.index.get_loc("dev")]
