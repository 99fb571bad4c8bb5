"""Scoring against answers worked out by hand, and invariants on the demo world."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from conftest import KEY

from talent.config import MAINTAINER, ActivityWeights, Profile, Settings
from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.people.identity import resolve_people
from talent.ranking.graph import build_interaction_graph, pagerank
from talent.ranking.learning import named_people
from talent.ranking.scoring import CONTRIBUTIONS, RANK_COLUMNS, rank, rank_store
from talent.store import (
    load_activities,
    load_commit_files,
    load_identities,
    load_identity_links,
    load_named_owners,
    load_people,
    save_activities,
    save_identities,
)

W = ActivityWeights()
# The hand-built world of conftest.py: m, a and b, by their accounts.
M, A, B = (KEY.person_id(f"github:{n}") for n in (1, 2, 3))


def _hand_pagerank() -> dict[str, Fraction]:
    """PageRank of a -> m, b -> m with m dangling, alpha = 0.85, solved exactly.

    With x = p_m and y = p_a = p_b: nobody links to a or b, and m's rank is spread
    evenly over all three nodes (dangling), so y = (1 - alpha)/3 + alpha * x/3; the
    ranks sum to one, x + 2y = 1. Substituting y = (1 - x)/2 gives x = 27/47.
    """
    alpha = Fraction(85, 100)
    teleport = (1 - alpha) / 3
    # y = teleport + alpha*x/3 and x = 1 - 2y  =>  x (1 + 2 alpha/3) = 1 - 2 teleport
    x = (1 - 2 * teleport) / (1 + 2 * alpha / 3)
    y = (1 - x) / 2
    assert y == teleport + alpha * x / 3
    assert (x, y) == (Fraction(27, 47), Fraction(10, 47))
    return {M: x, A: y, B: y}


def _hand_activity() -> dict[str, float]:
    """OpenDigger activity: per repository-month sqrt of weighted acts, summed."""
    return {
        # r1 January: PR opened + commit; r1 February: a comment; r2 January: an issue.
        A: math.sqrt(W.pr_opened + W.commit)
        + math.sqrt(W.issue_comment)
        + math.sqrt(W.issue_opened),
        # r1 March: PR opened and merged.
        B: math.sqrt(W.pr_opened + W.pr_merged),
        # r1 January: two reviews and a review comment; r1 March: one review, and a
        # merge of someone else's PR, which has no activity weight.
        M: math.sqrt(2 * W.review + W.review_comment) + math.sqrt(W.review),
    }


@pytest.fixture
def hand_ranking(hand_store):
    return rank_store(hand_store, Settings()).set_index("person_id")


def test_hand_world_pagerank(hand_ranking):
    expected = _hand_pagerank()
    for pid, value in expected.items():
        assert hand_ranking.loc[pid, "pagerank"] == pytest.approx(float(value), abs=1e-6)
    assert hand_ranking["pagerank"].sum() == pytest.approx(1.0)


def test_hand_world_graph(hand_store):
    rank_store(hand_store, Settings())  # resolves people
    links = load_identity_links(hand_store)
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    acts = load_activities(hand_store)
    acts = acts.assign(
        person=acts["actor"].map(person_of), other=acts["counterpart"].map(person_of)
    )
    G = build_interaction_graph(acts)
    # Reviews weigh 2, a review comment 0.5, a merge 3; b's pr_merged carries no edge.
    assert sorted(G.edges(data="weight")) == sorted([(A, M, 4.5), (B, M, 5.0)])
    assert set(G.nodes) == {M, A, B}
    assert pagerank(G) == pytest.approx(
        {k: float(v) for k, v in _hand_pagerank().items()}, abs=1e-6
    )


def test_hand_world_activity(hand_ranking):
    expected = _hand_activity()
    # The same sums with OpenDigger's published weights written out.
    assert expected == pytest.approx(
        {
            A: math.sqrt(4.0679 + 1.0) + math.sqrt(0.5252) + math.sqrt(2.2235),  # 4.4670
            B: math.sqrt(4.0679 + 2.0339),  # 2.4702
            M: math.sqrt(1.0 + 1.0 + 0.7427) + math.sqrt(1.0),  # 2.6561
        }
    )
    for pid, value in expected.items():
        assert hand_ranking.loc[pid, "activity"] == pytest.approx(value, rel=1e-12)


def _hand_recent_activity() -> dict[str, float]:
    """Each repository-month's term halves every 730 days, counted from the month's last
    act to the latest act in the data (m's merge, 3 March 12:00)."""
    latest = datetime(2024, 3, 3, 12, tzinfo=UTC)

    def decay(last: datetime) -> float:
        return 0.5 ** ((latest - last).total_seconds() / 86400 / 730)

    return {
        A: math.sqrt(W.pr_opened + W.commit) * decay(datetime(2024, 1, 6, 12, tzinfo=UTC))
        + math.sqrt(W.issue_comment) * decay(datetime(2024, 2, 10, 12, tzinfo=UTC))
        + math.sqrt(W.issue_opened) * decay(datetime(2024, 1, 20, 12, tzinfo=UTC)),
        B: math.sqrt(W.pr_opened + W.pr_merged) * decay(latest),
        M: math.sqrt(2 * W.review + W.review_comment) * decay(datetime(2024, 1, 8, 12, tzinfo=UTC))
        + math.sqrt(W.review) * decay(latest),
    }


def test_hand_world_scores_contributions_and_order(hand_store):
    ranking = rank_store(hand_store, Settings())
    by_id = ranking.set_index("person_id")
    activity, recent, pr = _hand_activity(), _hand_recent_activity(), _hand_pagerank()
    top_activity, top_recent, top_pr = (max(d.values()) for d in (activity, recent, pr))
    # m helped two people (reviewed a and b, merged b); nobody else helped anyone; the
    # hand world has no file rows, so nobody owns a file.
    helped = {M: 2, A: 0, B: 0}
    # Days from first act to latest: a 5 Jan - 10 Feb, b 1-3 Mar, m 7 Jan - 3 Mar (2024).
    tenure = {A: 36, B: 2, M: 56}
    reviews = {A: 0, B: 0, M: 3}
    w = MAINTAINER.as_dict()
    assert set(w) == {"activity", "recent_activity", "pagerank", "trust", "ownership",
                      "tenure", "reviews"}  # fmt: skip
    expected = {}
    for pid in (M, A, B):
        parts = {
            "contrib_activity": w["activity"]
            * math.log1p(activity[pid])
            / math.log1p(top_activity),
            "contrib_recent_activity": w["recent_activity"]
            * math.log1p(recent[pid])
            / math.log1p(top_recent),
            "contrib_pagerank": w["pagerank"] * float(pr[pid] / top_pr),
            "contrib_trust": w["trust"] * math.log1p(helped[pid]) / math.log1p(2),
            "contrib_ownership": 0.0,
            "contrib_tenure": w["tenure"] * math.log1p(tenure[pid]) / math.log1p(56),
            "contrib_reviews": w["reviews"] * math.log1p(reviews[pid]) / math.log1p(3),
        }
        # PageRank is iterated to networkx's tolerance, the rest is exact.
        for column, value in parts.items():
            assert by_id.loc[pid, column] == pytest.approx(value, abs=1e-7), (pid, column)
        expected[pid] = sum(parts.values())
        assert by_id.loc[pid, "score"] == pytest.approx(expected[pid], abs=1e-7)
    assert by_id.loc[A, "contrib_activity"] == pytest.approx(w["activity"])  # the most active
    assert by_id.loc[M, "contrib_pagerank"] == pytest.approx(w["pagerank"])  # m is the hub
    others = [c for c in CONTRIBUTIONS if c.removeprefix("contrib_") not in w]
    assert (by_id[others] == 0).all().all()  # signals the profile does not weigh
    assert by_id.loc[M, "people_helped"] == 2
    assert sorted(expected, key=expected.get, reverse=True) == list(ranking["person_id"])
    assert list(ranking["person_id"]) == [A, M, B]
    assert list(ranking["rank"]) == [1, 2, 3]
    assert list(ranking.columns) == RANK_COLUMNS


def test_hand_world_features(hand_ranking):
    r = hand_ranking
    assert (r.loc[A, "commits"], r.loc[A, "prs_opened"], r.loc[A, "issues_opened"]) == (1, 1, 1)
    assert (r.loc[A, "comments"], r.loc[A, "n_repos"]) == (1, 2)
    assert (r.loc[B, "prs_opened"], r.loc[B, "prs_merged"], r.loc[B, "commits"]) == (1, 1, 0)
    assert (r.loc[M, "reviews"], r.loc[M, "review_comments"], r.loc[M, "merges"]) == (3, 1, 1)
    assert r.loc[A, "top_repos"] == "acme/r1, acme/r2"
    assert r.loc[A, "first_active"] == pd.Timestamp("2024-01-05 12:00")
    assert r.loc[A, "last_active"] == pd.Timestamp("2024-02-10 12:00")
    assert r.loc[M, "login"] == "maria" and r.loc[M, "name"] == "Maria Maint"
    assert r.loc[M, "profile_url"] == "https://github.com/maria"
    assert set(r["affiliation"]) == {"unknown"}  # accounts only: no email, no profile


def test_hand_world_quality_features(hand_ranking):
    r = hand_ranking
    # m answered a's pull request first (48 hours after it opened) and b's (24 hours).
    assert (r.loc[M, "first_responses"], r.loc[M, "response_hours"]) == (2, 36.0)
    assert r.loc[A, "first_responses"] == 0 and np.isnan(r.loc[A, "response_hours"])
    # Half the pull requests were merged: a (0 of 1) -> (0 + 2 * 0.5) / 3, b (1 of 1).
    assert r.loc[A, "merge_ratio"] == pytest.approx(1 / 3)
    assert r.loc[B, "merge_ratio"] == pytest.approx(2 / 3)
    assert np.isnan(r.loc[M, "merge_ratio"])
    assert r.loc[M, "review_depth"] == pytest.approx(1 / 3)
    assert np.isnan(r.loc[A, "review_depth"])
    # Everything happened in the last 90 days.
    assert list(r.loc[[A, B, M], "momentum"]) == [1.0, 1.0, 1.0]
    assert list(r.loc[[A, B, M], "tenure_days"]) == [36, 2, 56]


def test_profile_weights_are_applied(hand_store):
    only_activity = Profile(name="activity only", weights=(("activity", 1.0),))
    ranking = rank_store(hand_store, Settings(), profile=only_activity)
    assert (ranking["contrib_pagerank"] == 0).all()
    assert list(ranking["person_id"]) == [A, M, B]  # activity alone: a, m, b
    assert ranking.loc[0, "score"] == pytest.approx(1.0)
    assert set(ranking["profile"]) == {"activity only"}


def test_since_and_repos_restrict_the_hand_world(hand_store):
    march = rank_store(hand_store, Settings(), since=datetime(2024, 3, 1, tzinfo=UTC))
    by_id = march.set_index("person_id")
    assert set(by_id.index) == {M, B}  # a has no act since March
    assert by_id.loc[B, "activity"] == pytest.approx(math.sqrt(W.pr_opened + W.pr_merged))
    r2 = rank_store(hand_store, Settings(), repos=["acme/r2"])
    assert list(r2["person_id"]) == [A]
    assert r2.loc[0, "activity"] == pytest.approx(math.sqrt(W.issue_opened))
    assert r2.loc[0, "pagerank"] == pytest.approx(1.0)  # a one-node graph


BOT = KEY.person_id("github:99")  # the bot of _with_a_bot


def _with_a_bot(hand_store):
    bot = Identity(IdentitySource.GITHUB, login="renovate[bot]", github_id=99, type="Bot")
    save_identities(hand_store, [bot])
    save_activities(
        hand_store,
        [
            Activity(
                f"bot:{i}",
                "acme/r1",
                ActivityKind.PR_OPENED,
                bot.key,
                datetime(2024, 1 + i, 1, tzinfo=UTC),
                item=f"acme/r1#{100 + i}",
            )
            for i in range(6)
        ],
    )


def test_bots_excluded_by_default_and_kept_on_request(hand_store):
    without = rank_store(hand_store, Settings())
    _with_a_bot(hand_store)
    default = rank_store(hand_store, Settings())
    # The bot acted alone, so leaving it out gives exactly the bot-free ranking.
    pd.testing.assert_frame_equal(default, without)
    with_bots = rank_store(hand_store, Settings(), include_bots=True).set_index("person_id")
    assert set(with_bots.index) == {M, A, B, BOT}
    assert with_bots.loc[BOT, "is_bot"]
    assert not with_bots.loc[[M, A, B], "is_bot"].any()
    assert with_bots.loc[BOT, "pagerank"] == 0.0  # bots never enter the graph
    assert with_bots.loc[BOT, "prs_opened"] == 6


def test_rank_on_empty_activities(hand_store):
    rank_store(hand_store, Settings())
    people, links = load_people(hand_store), load_identity_links(hand_store)
    empty = load_activities(hand_store, since=datetime(2030, 1, 1, tzinfo=UTC))
    result = rank(empty, people, links)
    assert result.empty
    assert list(result.columns) == RANK_COLUMNS


# --- the demo world ------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_ranking(demo_store):
    return rank_store(demo_store, Settings())


def test_contributions_sum_to_score(demo_ranking):
    assert len(demo_ranking) > 100
    total = demo_ranking[CONTRIBUTIONS].sum(axis=1)
    np.testing.assert_allclose(total, demo_ranking["score"], rtol=0, atol=1e-12)
    assert demo_ranking["score"].between(0, 1).all()
    for signal, weight in MAINTAINER.as_dict().items():
        assert demo_ranking[f"contrib_{signal}"].max() == pytest.approx(weight)


def test_demo_ranking_is_ordered(demo_ranking):
    assert list(demo_ranking["rank"]) == list(range(1, len(demo_ranking) + 1))
    assert demo_ranking["score"].is_monotonic_decreasing
    assert demo_ranking["person_id"].is_unique
    assert demo_ranking["pagerank"].sum() == pytest.approx(1.0)


def test_demo_bots_excluded_by_default(demo_store, demo_ranking):
    assert not demo_ranking["is_bot"].any()
    assert "dependabot[bot]" not in set(demo_ranking["login"])
    with_bots = rank_store(demo_store, Settings(), include_bots=True)
    bots = with_bots[with_bots["is_bot"]]
    assert {"dependabot[bot]", "github-actions[bot]", "codecov-commenter"} <= set(bots["login"])
    assert (bots["pagerank"] == 0).all()
    assert len(with_bots) == len(demo_ranking) + len(bots)


def test_rank_store_repos_and_since_count_only_those_acts(demo_store, demo_ranking):
    repo = "acme-ai/acme-train"
    since = datetime(2025, 6, 1, tzinfo=UTC)
    filtered = rank_store(demo_store, Settings(), repos=[repo], since=since)
    assert 0 < len(filtered) < len(demo_ranking)
    links = load_identity_links(demo_store)
    acts = load_activities(demo_store)
    keys_of = links.groupby("person_id")["identity_key"].apply(set)
    checked = 0
    for row in filtered.head(10).itertuples(index=False):
        mine = acts[acts["actor"].isin(keys_of[row.person_id])]
        direct = mine[
            (mine["kind"] == "commit")
            & (mine["repo"] == repo)
            & (mine["occurred_at"] >= pd.Timestamp("2025-06-01"))
        ]
        assert row.commits == len(direct)
        everywhere = (mine["kind"] == "commit").sum()
        checked += row.commits < everywhere
        assert row.top_repos == repo and row.n_repos == 1
        assert row.first_active >= pd.Timestamp("2025-06-01")
    assert checked > 0  # the filter really removed commits for some people


def test_rank_with_frames_equals_rank_store(demo_store, demo_ranking):
    direct = rank(
        load_activities(demo_store),
        load_people(demo_store),
        load_identity_links(demo_store),
        commit_files=load_commit_files(demo_store),
        named=load_named_owners(demo_store),
        named_ids=set(named_people(demo_store)["person_id"]),
    )
    pd.testing.assert_frame_equal(direct, demo_ranking)


def test_people_resolved_on_demand(hand_store):
    # rank_store resolves identities first when the store has none resolved yet.
    assert load_people(hand_store).empty
    ranking = rank_store(hand_store, Settings())
    assert len(load_people(hand_store)) == 3 == len(ranking)
    res = resolve_people(load_identities(hand_store), Settings(), privacy_key=KEY)
    assert sorted(res.people["person_id"]) == sorted([M, A, B])


# --- rank over time ------------------------------------------------------------------------


def _monthly_commits(who: Identity, months: list[tuple[int, int]], per_month: int):
    return [
        Activity(
            f"{who.login}:{year}-{month}:{i}",
            "acme/r1",
            ActivityKind.COMMIT,
            who.key,
            datetime(year, month, 1 + i % 28, i // 28, tzinfo=UTC),
            item=f"{who.login}{year}{month:02}{i}",
        )
        for year, month in months
        for i in range(per_month)
    ]


def test_rank_history_shows_a_fade_and_a_rise(store):
    from talent.ranking.scoring import build_ranking_base, rank_history, score_base

    old, new, steady = (
        Identity(IdentitySource.GITHUB, login=n, github_id=i, type="User")
        for i, n in ((11, "old"), (12, "new"), (13, "steady"))
    )
    months = [(2024, m) for m in range(1, 13)] + [(2025, m) for m in range(1, 7)]
    save_identities(store, [old, new, steady])
    save_activities(
        store,
        # Activity is the sum over months of the square root of the month's work, halved
        # every two years back: per month, old 4, steady 1.4 and new 8 (times the root
        # of a commit's weight).
        _monthly_commits(old, months[:6], 16)  # 2024's first half, then nothing
        + _monthly_commits(new, months[12:], 64)  # from 2025 on
        + _monthly_commits(steady, months, 2),
    )
    recent = Profile("recent", (("recent_activity", 1.0),))
    base = build_ranking_base(store, Settings())
    history = rank_history(base, recent, quarters=8)

    quarters = ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4", "2025 Q1", "now"]
    old_id, new_id = KEY.person_id(old.key), KEY.person_id(new.key)
    assert list(dict.fromkeys(history["quarter"])) == quarters
    ranks = history.pivot(index="quarter", columns="person_id", values="rank").loc[quarters]
    # Fades: top while active, then lower each quarter (recent work weighs more), last now.
    assert ranks[old_id].iloc[[0, 1, -1]].tolist() == [1, 1, 3]
    assert ranks[old_id].is_monotonic_increasing
    assert ranks[new_id].isna().tolist() == [True] * 4 + [False] * 2  # not there before 2025
    assert ranks[new_id].iloc[-2:].tolist() == [1, 1]  # and straight to the top
    ranked = history.groupby("quarter")["ranked"].first().loc[quarters]
    assert ranked.tolist() == [2, 2, 2, 2, 3, 3]
    assert (history["at"].iloc[0], history["at"].iloc[-1]) == (
        pd.Timestamp("2024-04-01"),
        base.acts["occurred_at"].max(),
    )
    # "now" is the ranking itself; two quarters keep the last two.
    now = history[history["quarter"] == "now"].set_index("person_id")
    ranking = score_base(base, recent, affiliations=()).set_index("person_id")
    assert now["rank"].to_dict() == ranking["rank"].to_dict()
    assert now["score"].round(9).to_dict() == ranking["score"].round(9).to_dict()
    short = rank_history(base, recent, quarters=2)
    assert list(dict.fromkeys(short["quarter"])) == ["2024 Q4", "2025 Q1", "now"]


def test_evidence_built_once_when_prepared_in_the_background(hand_store, monkeypatch):
    """The app builds a base's evidence in a thread after the Candidates page is drawn; a
    page asking for it meanwhile waits for that build rather than starting a second."""
    import threading

    from talent.ranking import scoring

    base = scoring.build_ranking_base(hand_store)
    expected = scoring.build_evidence(base.acts, base.changes)
    started, release = threading.Event(), threading.Event()
    calls = []
    real = scoring.build_evidence

    def slow_build(acts, changes=None):
        calls.append(threading.current_thread().name)
        started.set()
        release.wait(5)
        return real(acts, changes)

    monkeypatch.setattr(scoring, "build_evidence", slow_build)
    thread = base.prepare_evidence()
    assert thread is not None
    assert started.wait(5)
    got: list = []
    asking = threading.Thread(target=lambda: got.append(base.evidence))
    asking.start()
    release.set()
    asking.join(5)
    thread.join(5)
    assert calls == ["talent-evidence"]  # one build, in the background thread
    assert got[0] is base.evidence
    pd.testing.assert_series_equal(got[0].keys, expected.keys)
    pd.testing.assert_frame_equal(got[0].acts, expected.acts)
    assert base.prepare_evidence() is None  # built: nothing started again
