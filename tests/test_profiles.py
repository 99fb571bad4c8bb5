"""Profiles: the ProfileScorer against hand-computed values, the direction in which each
profile moves the order, rank intervals, rising contributors, explanations, settings
and the ``talent rank --profile/--affiliation/--explain`` shell.

Worlds are built here as frames (activities, people, links, commit files) with fixed
times and passed to :func:`talent.ranking.scoring.rank`; no network.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from typer.testing import CliRunner

from talent.cli import app
from talent.config import (
    MAINTAINER,
    RECRUITER,
    SIGNAL_NAMES,
    ConfigError,
    Profile,
    Settings,
    load_settings,
)
from talent.model import Activity
from talent.model import ActivityKind as K
from talent.ranking.features import DOCS_PATH, TEST_PATH, attach_people, commit_changes
from talent.ranking.scoring import (
    CONTRIBUTIONS,
    RANK_COLUMNS,
    SIGNAL_TABLE,
    ProfileScorer,
    build_evidence,
    build_ranking_base,
    evidence_for,
    explain,
    match_skills,
    rank,
    rank_store,
    score_base,
)
from talent.store import load_activities, load_commit_files, load_identity_links, load_people

# --- helpers -----------------------------------------------------------------------------


def _frame(acts: list[Activity]) -> pd.DataFrame:
    """Activities as ``load_activities`` gives them (kinds as text, naive UTC times)."""
    frame = pd.DataFrame([asdict(a) for a in acts])
    frame["kind"] = frame["kind"].astype(str)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    return frame.sort_values(["occurred_at", "key"]).reset_index(drop=True)


def _people(affiliation: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hand-made people and identity links: person ``p`` has the one identity ``id:p``."""
    people = pd.DataFrame(
        [
            {
                "person_id": pid,
                "login": pid,
                "name": pid.title(),
                "is_bot": False,
                "bot_probability": 0.0,
                "affiliation": aff,
                "affiliation_evidence": "hand-made",
            }
            for pid, aff in affiliation.items()
        ]
    )
    links = pd.DataFrame(
        {
            "identity_key": [f"id:{pid}" for pid in affiliation],
            "person_id": list(affiliation),
            "method": "hand",
            "confidence": 1.0,
        }
    )
    return people, links


class _Acts:
    """Collects activities with unique keys."""

    def __init__(self) -> None:
        self.acts: list[Activity] = []

    def __call__(self, kind, who, when, repo="acme/core", other=None, item=None, url=""):
        self.acts.append(
            Activity(
                key=f"w:{len(self.acts)}",
                repo=repo,
                kind=kind,
                actor=f"id:{who}",
                occurred_at=when,
                counterpart=f"id:{other}" if other else None,
                item=item,
                title=f"{kind} by {who}",
                url=url,
            )
        )


# --- 1. ProfileScorer --------------------------------------------------------------------

# activity is a "count", pagerank a "max", momentum a "share" (SIGNAL_TABLE).
SMALL = pd.DataFrame(
    {
        "activity": [0.0, 1.0, 2.0, 5.0, 10.0],
        "pagerank": [0.1, 0.4, 0.2, 0.0, 0.3],
        "momentum": [0.0, 0.5, 1.0, 0.25, 0.75],
    },
    index=list("abcde"),
)
SMALL_WEIGHTS = {"activity": 0.5, "pagerank": 0.3, "momentum": 0.2}


def test_scorer_log_max_hand_values():
    scorer = ProfileScorer(SMALL_WEIGHTS, scaling="log_max").fit(SMALL)
    expected = pd.DataFrame(
        {
            # log(1 + x) / log(1 + max), max = 10
            "activity": [math.log1p(x) / math.log1p(10) for x in SMALL["activity"]],
            # x / max, max = 0.4
            "pagerank": [0.25, 1.0, 0.5, 0.0, 0.75],
            # kept as it is
            "momentum": [0.0, 0.5, 1.0, 0.25, 0.75],
        },
        index=SMALL.index,
    )
    pd.testing.assert_frame_equal(scorer.normalise(SMALL), expected, rtol=0, atol=1e-15)
    assert scorer.normalise(SMALL).loc["b", "activity"] == pytest.approx(math.log(2) / math.log(11))
    contributions = scorer.transform(SMALL)
    np.testing.assert_allclose(
        contributions.to_numpy(), (expected * [0.5, 0.3, 0.2]).to_numpy(), rtol=0, atol=1e-15
    )
    assert contributions.loc["e", "contrib_activity"] == 0.5  # the most active gets the weight


def test_scorer_quantile_hand_values():
    scorer = ProfileScorer(SMALL_WEIGHTS, scaling="quantile").fit(SMALL)
    # One zero and four distinct positive values per column: zero stays 0, the i-th
    # smallest positive value is the share i/4 of the positive values.
    expected = pd.DataFrame(
        {
            "activity": [0.0, 0.25, 0.5, 0.75, 1.0],
            "pagerank": [0.25, 1.0, 0.5, 0.0, 0.75],
            "momentum": [0.0, 0.5, 1.0, 0.25, 0.75],
        },
        index=SMALL.index,
    )
    pd.testing.assert_frame_equal(scorer.normalise(SMALL), expected, rtol=0, atol=1e-12)


def test_scorer_quantile_is_monotone_and_keeps_zero():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"activity": rng.integers(0, 12, 300), "reviews": rng.integers(0, 3, 300) ** 3}
    ).astype(float)
    assert (X == 0).sum().min() > 10  # plenty of zeros in each column
    scaled = ProfileScorer({"activity": 1.0}, scaling="quantile").fit(X).normalise(X)
    assert scaled.min().min() >= 0.0 and scaled.max().max() == pytest.approx(1.0)
    for column in X:
        pairs = pd.DataFrame({"x": X[column], "q": scaled[column]}).sort_values(["x", "q"])
        assert pairs["q"].is_monotonic_increasing
        assert (pairs.groupby("x")["q"].nunique() == 1).all()  # equal in, equal out
        assert (scaled.loc[X[column] == 0, column] == 0).all()  # nothing done, nothing credited
        assert (scaled.loc[X[column] > 0, column] > 0).all()
    # A signal everyone has equally is everyone's full share, not nobody's.
    same = pd.DataFrame({"breadth": [2.0, 2.0, 2.0]})
    assert ProfileScorer({"breadth": 1.0}, "quantile").fit(same).predict(same).tolist() == [1.0] * 3


def test_scorer_contributions_predict_and_names():
    for scaling in ("log_max", "quantile"):
        scorer = ProfileScorer(SMALL_WEIGHTS, scaling=scaling).fit(SMALL)
        contributions = scorer.transform(SMALL)
        assert list(scorer.get_feature_names_out()) == [
            "contrib_activity",
            "contrib_pagerank",
            "contrib_momentum",
        ]
        assert list(contributions.columns) == list(scorer.get_feature_names_out())
        pd.testing.assert_frame_equal(
            contributions,
            (scorer.normalise(SMALL) * [0.5, 0.3, 0.2]).set_axis(contributions.columns, axis=1),
        )
        np.testing.assert_array_equal(scorer.predict(SMALL), contributions.sum(axis=1).to_numpy())
        assert list(scorer.weights_) == [0.5, 0.3, 0.2]


def test_scorer_unweighted_columns_contribute_nothing():
    scorer = ProfileScorer({"activity": 1.0}).fit(SMALL)
    contributions = scorer.transform(SMALL)
    assert (contributions[["contrib_pagerank", "contrib_momentum"]] == 0).all().all()
    np.testing.assert_allclose(scorer.predict(SMALL), scorer.normalise(SMALL)["activity"])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"weights": SMALL_WEIGHTS, "scaling": "zscore"}, "scaling must be one of"),
        ({"weights": {"activity": -0.1}}, "must not be negative"),
        ({"weights": {"charisma": 1.0}}, "unknown signals: ['charisma']"),
    ],
)
def test_scorer_validates_at_fit(params, message):
    scorer = ProfileScorer(**params)  # parameters only in __init__: no check yet
    assert scorer.get_params()["weights"] == params["weights"]
    with pytest.raises(ValueError) as caught:
        scorer.fit(SMALL)
    assert message in str(caught.value)


def test_scorer_same_input_same_output():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.exponential(3.0, size=(400, 3)), columns=list(SMALL.columns))
    scorer = ProfileScorer(SMALL_WEIGHTS, scaling="quantile")
    first = scorer.fit(X).transform(X)
    second = clone(scorer).fit(X).transform(X)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert clone(scorer).get_params() == scorer.get_params()


# --- 2. a world where the profiles disagree ----------------------------------------------

END = datetime(2024, 12, 20, 12)
START = datetime(2022, 1, 3, 12)
NEWCOMER_DAYS = 80


def _profile_world():
    """m: an employee who has committed twice a month for three years and reviewed
    (with an inline comment) and merged a pull request a quarter from each of three
    community contributors c1-c3; quiet in the last 90 days (one commit).

    n: a community newcomer whose first act is 80 days before the end: ten pull requests
    in two repositories, each with a commit that changes code and tests, all merged (by
    e, another employee); and the first answer to ten issues that u opened.
    """
    act, files = _Acts(), []
    month = 0
    while START + timedelta(days=30 * month) < END - timedelta(days=100):
        for k in range(2):
            sha = f"m{month:03d}{k}"
            act(
                K.COMMIT,
                "m",
                START + timedelta(days=30 * month + 10 * k),
                item=sha,
                url=f"https://github.com/acme/core/commit/{sha}",
            )
            files.append(("acme/core", sha, "src/core.py"))
        month += 1
    number = 0
    for quarter in range(11):
        for j, c in enumerate(("c1", "c2", "c3")):
            number += 1
            at = START + timedelta(days=20 + 91 * quarter + 7 * j)
            item, url = f"acme/core#{number}", f"https://github.com/acme/core/pull/{number}"
            act(K.PR_OPENED, c, at, item=item, url=url)
            act(K.REVIEW, "m", at + timedelta(days=1), other=c, item=item, url=f"{url}#review")
            act(
                K.REVIEW_COMMENT,
                "m",
                at + timedelta(days=1),
                other=c,
                item=item,
                url=f"{url}#comment",
            )
            act(K.PR_MERGED, c, at + timedelta(days=2), other="m", item=item, url=url)
            act(K.PR_MERGED_BY, "m", at + timedelta(days=2), other=c, item=item, url=url)
    act(
        K.COMMIT,
        "m",
        END - timedelta(days=40),
        item="mlast",
        url="https://github.com/acme/core/commit/mlast",
    )
    files.append(("acme/core", "mlast", "src/core.py"))
    for w in range(10):
        at = END - timedelta(days=NEWCOMER_DAYS - 8 * w)
        repo = ("acme/core", "acme/tools")[w % 2]
        number += 1
        item, url, sha = f"{repo}#{number}", f"https://github.com/{repo}/pull/{number}", f"n{w}"
        act(K.PR_OPENED, "n", at, repo=repo, item=item, url=url)
        act(K.COMMIT, "n", at, repo=repo, item=sha, url=f"https://github.com/{repo}/commit/{sha}")
        files += [(repo, sha, f"src/f{w}.py"), (repo, sha, f"tests/test_f{w}.py")]
        act(K.PR_MERGED, "n", at + timedelta(days=1), repo=repo, other="e", item=item, url=url)
        act(K.PR_MERGED_BY, "e", at + timedelta(days=1), repo=repo, other="n", item=item, url=url)
        issue, issue_url = f"acme/docs#{100 + w}", f"https://github.com/acme/docs/issues/{100 + w}"
        act(
            K.ISSUE_OPENED,
            "u",
            at + timedelta(hours=2),
            repo="acme/docs",
            item=issue,
            url=issue_url,
        )
        act(
            K.ISSUE_COMMENT,
            "n",
            at + timedelta(hours=5),
            repo="acme/docs",
            other="u",
            item=issue,
            url=f"{issue_url}#answer",
        )
    people, links = _people(
        {
            "m": "employee",
            "e": "employee",
            "n": "community",
            "c1": "community",
            "c2": "community",
            "c3": "community",
            "u": "unknown",
        }
    )
    commit_files = pd.DataFrame(files, columns=["repo", "sha", "path"]).assign(
        additions=10, deletions=1
    )
    return _frame(act.acts), people, links, commit_files


@pytest.fixture(scope="module")
def world():
    return _profile_world()


@pytest.fixture(scope="module")
def world_rankings(world):
    acts, people, links, files = world
    return {
        (profile, affiliations): rank(
            acts,
            people,
            links,
            profile=profile,
            commit_files=files,
            affiliations=affiliations,
            interval_windows=5,
        )
        for profile, affiliations in [
            ("maintainer", None),
            ("recruiter", ()),
            ("recruiter", None),
        ]
    }


def _position(ranking: pd.DataFrame, pid: str) -> int:
    return int(ranking.set_index("person_id").loc[pid, "rank"])


def test_profile_world_is_as_described(world_rankings):
    r = world_rankings[("maintainer", None)].set_index("person_id")
    assert r.loc["m", "tenure_days"] > 1000 and r.loc["n", "tenure_days"] < NEWCOMER_DAYS
    assert r.loc["m", "people_helped"] == 3 and r.loc["m", "reviews"] == 33
    assert r.loc["m", "momentum"] < 0.1  # one act in 90 days against ~60 the year before
    assert r.loc["n", "momentum"] == 1.0
    assert r.loc["n", "merge_ratio"] == 1.0 and np.isnan(r.loc["m", "merge_ratio"])
    assert (r.loc["n", "tests_with_code"], r.loc["m", "tests_with_code"]) == (1.0, 0.0)
    assert r.loc["n", "first_responses"] == 10
    assert (r.loc["n", "n_repos"], r.loc["m", "n_repos"]) == (3, 1)
    assert r.loc["m", "activity"] > 2 * r.loc["n", "activity"]
    # The newcomer growing fast is rising (talent.ranking.rising's model, tests/test_rising.py);
    # no owner file names m here, so he is a candidate too, below n.
    assert r.loc["n", "rising"]


def test_maintainer_profile_ranks_the_maintainer_above_the_newcomer(world_rankings):
    # The maintainer profile puts 0.6 on activity (OpenDigger's sum over repository-months,
    # so three years of monthly work beat three busy months) and 0.05 each on tenure,
    # reviews, trust and PageRank, where m is the maximum; n leads only on ownership (0.05).
    ranking = world_rankings[("maintainer", None)]
    assert _position(ranking, "m") == 1
    assert _position(ranking, "m") < _position(ranking, "n")
    by_id = ranking.set_index("person_id")
    assert by_id.loc["m", "score"] - by_id.loc["n", "score"] > 0.2
    assert by_id.loc["m", "contrib_activity"] == pytest.approx(0.6)
    assert by_id.loc["m", "contrib_tenure"] == pytest.approx(0.05)


def test_recruiter_profile_ranks_the_newcomer_above_the_maintainer(world_rankings):
    # The recruiter profile puts only 0.3 on volume (activity 0.1, recent activity 0.2),
    # where n is behind m by a log ratio, and 0.4 on momentum, merge ratio, tests and docs
    # with code and breadth (0.1 each), where n has the maximum and m little or nothing:
    # m is quiet now, opens no pull requests, commits no tests and works in one repository.
    ranking = world_rankings[("recruiter", ())]
    assert set(ranking["affiliation"]) == {"employee", "community", "unknown"}  # everyone
    assert _position(ranking, "n") == 1
    assert _position(ranking, "n") < _position(ranking, "m")
    by_id = ranking.set_index("person_id")
    for signal in ("momentum", "merge_ratio", "tests_docs", "breadth"):
        assert by_id.loc["n", f"contrib_{signal}"] == pytest.approx(0.1), signal
        assert by_id.loc["m", f"contrib_{signal}"] < 0.06, signal
    assert by_id.loc["n", "score"] - by_id.loc["m", "score"] > 0.1


def test_recruiter_profile_hides_employees_by_default(world_rankings):
    # RECRUITER.affiliations is (community, former_employee, unknown): m and e are employees.
    shown = world_rankings[("recruiter", None)]
    everyone = world_rankings[("recruiter", ())]
    assert "m" not in set(shown["person_id"]) and "e" not in set(shown["person_id"])
    assert set(shown["person_id"]) == {"n", "c1", "c2", "c3", "u"}
    # Everyone is scored and ranked either way: hiding people changes no score or rank.
    scores = everyone.set_index("person_id")[["score", "rank"]]
    for row in shown.itertuples():
        assert (row.score, row.rank) == tuple(scores.loc[row.person_id])
    assert shown["rank"].is_monotonic_increasing and shown["rank"].iloc[0] == 1
    assert list(shown["person_id"]) == [
        p for p in everyone["person_id"] if p in set(shown["person_id"])
    ]


def test_profiles_name_their_rows(world_rankings):
    for (profile, _), ranking in world_rankings.items():
        assert set(ranking["profile"]) == {profile}
        assert list(ranking.columns) == RANK_COLUMNS


# --- 3 and 4. the demo world -------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_frames(demo_store):
    return (
        load_activities(demo_store),
        load_people(demo_store),
        load_identity_links(demo_store),
        load_commit_files(demo_store),
    )


RECRUITER_QUANTILE = replace(RECRUITER, name="recruiter-quantile", scaling="quantile")
PROFILES = [MAINTAINER, RECRUITER, RECRUITER_QUANTILE]


@pytest.fixture(scope="module")
def demo_rankings(demo_frames):
    acts, people, links, files = demo_frames
    return {
        p.name: rank(acts, people, links, profile=p, commit_files=files, random_state=3)
        for p in PROFILES
    }


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_demo_contributions_sum_to_score(demo_rankings, profile):
    ranking = demo_rankings[profile.name]
    assert len(ranking) > 100
    total = ranking[CONTRIBUTIONS].sum(axis=1)
    np.testing.assert_allclose(total, ranking["score"], rtol=0, atol=1e-12)
    assert ranking["score"].between(0, 1).all()
    assert ranking["score"].is_monotonic_decreasing
    weights = profile.as_dict()
    for signal in SIGNAL_NAMES:
        column = ranking[f"contrib_{signal}"]
        if signal in weights:
            assert column.between(0, weights[signal] + 1e-12).all(), signal
        else:
            assert (column == 0).all(), signal
    if profile.affiliations:
        assert set(ranking["affiliation"]) <= set(profile.affiliations)
        assert "employee" not in set(ranking["affiliation"])


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_demo_ranking_is_deterministic(demo_frames, demo_rankings, profile):
    acts, people, links, files = demo_frames
    again = rank(acts, people, links, profile=profile, commit_files=files, random_state=3)
    pd.testing.assert_frame_equal(again, demo_rankings[profile.name], check_exact=True)
    assert again["persona"].notna().all() and again["persona"].nunique() >= 3


def test_world_ranking_with_intervals_is_deterministic(world, world_rankings):
    acts, people, links, files = world
    for (profile, affiliations), first in world_rankings.items():
        again = rank(
            acts,
            people,
            links,
            profile=profile,
            commit_files=files,
            affiliations=affiliations,
            interval_windows=5,
        )
        pd.testing.assert_frame_equal(again, first, check_exact=True)


# --- 5. rank intervals -------------------------------------------------------------------


def test_intervals_hold_the_rank_and_newcomers_drop_out(world_rankings):
    for (profile, _), ranking in world_rankings.items():
        assert ranking["rank_low"].notna().all()
        assert (ranking["rank_low"] <= ranking["rank"]).all()
        assert (ranking["rank"] <= ranking["rank_high"]).all()
        # Every act of n and u falls in the last fifth of the history (80 of ~1080 days):
        # leaving it out leaves them nowhere, one past the last rank of everyone scored.
        everyone = len(world_rankings.get((profile, ()), ranking))
        by_id = ranking.set_index("person_id")
        for pid in ("n", "u"):
            assert by_id.loc[pid, "rank_high"] == everyone + 1


@pytest.mark.parametrize(("windows", "include_bots"), [(5, False), (3, True)])
def test_each_window_has_the_values_of_its_own_acts(demo_frames, windows, include_bots):
    """The rank ranges' windows are prepared once over all acts (people, files and items
    as codes; each commit's kinds cut per window), yet each window's signal values are
    exactly those of the features of its own acts and file changes."""
    from talent.ranking.scoring import _features, _prepare, _window_values, signal_values

    acts, people, links, files = demo_frames
    acts, changes, bots = _prepare(acts, people, links, files, include_bots)
    settings = Settings()
    found = _window_values(acts, changes, bots, settings, windows)
    edges = pd.date_range(acts["occurred_at"].min(), acts["occurred_at"].max(), periods=windows + 1)
    cuts = edges[1:-1]
    slot = np.clip(np.searchsorted(cuts, acts["occurred_at"], side="right"), 0, windows - 1)
    slot_changes = np.clip(
        np.searchsorted(cuts, changes["occurred_at"], side="right"), 0, windows - 1
    )
    assert len(found) == windows
    for w, values in enumerate(found):
        own = _features(acts[slot != w], changes[slot_changes != w], bots, settings)
        assert (own["first_responses"] > 0).any() and (own["files_owned"] > 0).any()
        pd.testing.assert_frame_equal(values, signal_values(own), check_exact=True)


def _steady_world():
    """s commits three times a month for three years and reviews and merges the pull
    requests of b0-b4, each of whom acts only around the middle of one fifth of that time."""
    act = _Acts()
    span = END - START
    for k in range(37):  # s's first act is START and the last END
        for j in range(3):
            act(K.COMMIT, "s", START + span * k / 36, item=f"s{k}-{j}")
    for i in range(5):
        middle = START + span * (i + 0.5) / 5
        for j in range(2):
            item = f"acme/core#{i}{j}"
            act(K.PR_OPENED, f"b{i}", middle + timedelta(hours=j), item=item)
            act(K.REVIEW, "s", middle + timedelta(days=1), other=f"b{i}", item=item)
            act(K.PR_MERGED, f"b{i}", middle + timedelta(days=2), other="s", item=item)
            act(K.PR_MERGED_BY, "s", middle + timedelta(days=2), other=f"b{i}", item=item)
    people, links = _people({"s": "community"} | {f"b{i}": "community" for i in range(5)})
    return _frame(act.acts), people, links


def test_steady_contributor_has_a_narrow_interval():
    acts, people, links = _steady_world()
    ranking = rank(acts, people, links, profile="maintainer", interval_windows=5)
    by_id = ranking.set_index("person_id")
    assert len(ranking) == 6
    # With any fifth left out, s still has the most activity, recent activity, tenure,
    # reviews, people helped and PageRank (the hub), so scores 0.95 (nobody owns a file)
    # while everyone else helped nobody: first every time.
    assert (by_id.loc["s", "rank"], by_id.loc["s", "rank_low"], by_id.loc["s", "rank_high"]) == (
        1,
        1.0,
        1.0,
    )
    assert by_id.loc["s", "score"] == pytest.approx(0.95)
    for i in range(5):
        assert by_id.loc[f"b{i}", "rank_high"] == 7  # their one window left out
        assert by_id.loc[f"b{i}", "rank_low"] >= 2
    assert (ranking["rank_low"] <= ranking["rank"]).all()
    assert (ranking["rank"] <= ranking["rank_high"]).all()


def test_no_intervals_unless_asked(world):
    acts, people, links, files = world
    ranking = rank(acts, people, links, commit_files=files)
    assert ranking["rank_low"].isna().all() and ranking["rank_high"].isna().all()


def _hidden_world():
    """e (an employee, hidden) works every month in four repositories; community members
    a and b act only in the first fifth: a in one busy month (high activity, 50 days of
    tenure), b twice, 200 days apart (low activity, long tenure)."""
    act = _Acts()
    span = END - START
    for k in range(37):
        for r in range(4):
            for _ in range(6):
                act(K.PR_OPENED, "e", START + span * k / 36, repo=f"acme/r{r}")
                act(K.COMMIT, "e", START + span * k / 36, repo=f"acme/r{r}")
    for _ in range(10):
        act(K.PR_OPENED, "a", START + timedelta(days=10))
        act(K.COMMIT, "a", START + timedelta(days=10))
    act(K.COMMIT, "a", START + timedelta(days=60))
    act(K.COMMIT, "b", START + timedelta(days=5))
    act(K.PR_OPENED, "b", START + timedelta(days=205))
    people, links = _people({"e": "employee", "a": "community", "b": "community"})
    return _frame(act.acts), people, links


VOLUME_AND_TENURE = Profile(
    name="volume-and-tenure",
    weights=(("activity", 0.5), ("tenure", 0.5)),
    affiliations=("community",),
)


def test_hidden_world_orders_b_before_a():
    acts, people, links = _hidden_world()
    everyone = rank(
        acts, people, links, profile=VOLUME_AND_TENURE, affiliations=(), interval_windows=5
    )
    # Scored among everyone, b stays ahead of a whichever fifth is left out (when the
    # first is, both are gone): a's best rank is its rank.
    assert list(everyone["person_id"]) == ["e", "b", "a"]
    assert list(everyone["rank_low"]) == [1, 2, 3]
    shown = rank(acts, people, links, profile=VOLUME_AND_TENURE)
    assert list(shown["person_id"]) == ["b", "a"]
    assert list(shown["score"]) == list(everyone.set_index("person_id").loc[["b", "a"], "score"])


def test_hidden_people_do_not_move_rank_intervals():
    acts, people, links = _hidden_world()
    shown = rank(acts, people, links, profile=VOLUME_AND_TENURE, interval_windows=5)
    everyone = rank(
        acts, people, links, profile=VOLUME_AND_TENURE, affiliations=(), interval_windows=5
    )
    # Ranks and rank ranges are among everyone scored, whoever is shown: a is third,
    # behind the hidden e and b, in the ranking and in its re-rankings alike.
    columns = ["person_id", "rank", "rank_low", "rank_high"]
    expected = everyone[everyone["person_id"].isin(["a", "b"])][columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown[columns], expected)
    assert shown.set_index("person_id").loc["a", "rank"] == 3


# --- 6. rising: tests/test_rising.py (the model behind the flag) ----------------------


# --- 7. explanations and evidence --------------------------------------------------------


@pytest.fixture(scope="module")
def world_acts(world):
    acts, _, links, _ = world
    return attach_people(acts, dict(zip(links["identity_key"], links["person_id"], strict=True)))


def _own(acts: pd.DataFrame, pid: str, signal: str) -> pd.DataFrame:
    kinds = {str(k) for k in SIGNAL_TABLE[signal].evidence}
    mine = acts[(acts["person"] == pid) & acts["kind"].isin(kinds)]
    return mine[mine["url"] != ""]


@pytest.mark.parametrize("pid", ["m", "n"])
def test_evidence_is_the_persons_acts_of_the_signals_kinds(world_acts, pid):
    shown = 0
    # (Signals with a sharper test than the kind of act have their own tests below.)
    for signal in set(SIGNAL_NAMES) - SHARPER:
        evidence = evidence_for(world_acts, pid, signal, n=2)
        own = _own(world_acts, pid, signal)
        pairs = set(zip(own["kind"], own["url"], strict=True))
        assert set(zip(evidence["kind"], evidence["url"], strict=True)) <= pairs, signal
        # One act per pull request, issue or commit; one per repository for activity and
        # breadth (every act of this world names its item).
        per_repo = signal in ("activity", "breadth")
        assert evidence["repo" if per_repo else "url"].is_unique, signal
        expected = own["repo"].nunique() if per_repo else own["item"].nunique()
        assert len(evidence) == min(2, expected), signal
        shown += len(evidence)
    assert shown >= 10


SHARPER = {"ownership", "tests_docs", "responsiveness"}


@pytest.fixture(scope="module")
def world_evidence(world, world_acts):
    files = world[3]
    return build_evidence(world_acts, commit_changes(world_acts, files))


@pytest.mark.parametrize("pid", ["m", "n"])
def test_ownership_evidence_is_the_files_the_person_authors(world_evidence, pid):
    evidence = evidence_for(world_evidence, pid, "ownership", n=50)
    authorship = world_evidence.authorship
    owned = authorship[(authorship["person"] == pid) & authorship["is_author"].astype(bool)]
    assert len(evidence) == len(owned) > 0
    assert set(evidence["kind"]) == {"file"}
    assert set(evidence["repo"] + ":" + evidence["title"]) == set(owned["path"])
    for row in evidence.itertuples():
        assert row.url == f"https://github.com/{row.repo}/blob/HEAD/{row.title}"
    # Without file changes there is nothing to show, rather than unrelated acts.
    assert evidence_for(world_evidence.acts, pid, "ownership").empty


@pytest.mark.parametrize("pid", ["m", "n"])
def test_tests_docs_evidence_is_code_commits_that_bring_tests_or_docs(world, world_evidence, pid):
    evidence = evidence_for(world_evidence, pid, "tests_docs", n=50)
    files = world[3]
    for row in evidence.itertuples():
        assert row.kind == "commit"
        sha = row.url.rsplit("/", 1)[-1]
        paths = files[(files["repo"] == row.repo) & (files["sha"] == sha)]["path"].str.lower()
        assert paths.str.contains(TEST_PATH).any() or paths.str.contains(DOCS_PATH).any()
        assert paths.str.endswith(".py").any()
    n_good = world_evidence.kinds.loc[pid].query("code and (tests or docs)").shape[0]
    assert len(evidence) == n_good
    assert evidence_for(world_evidence.acts, pid, "tests_docs").empty


def test_responsiveness_evidence_is_first_responses(world_evidence):
    acts = world_evidence.acts
    shown = 0
    for pid in sorted(set(acts["person"])):
        evidence = evidence_for(world_evidence, pid, "responsiveness", n=50)
        for row in evidence.itertuples():
            item = acts[acts["url"] == row.url]["item"].iloc[0]
            on_item = acts[acts["item"] == item]
            opener = on_item[on_item["kind"].isin(["issue_opened", "pr_opened"])]["person"]
            assert pid not in set(opener)  # someone else's issue or pull request
            answers = on_item[
                on_item["kind"].isin(["issue_comment", "review", "review_comment"])
                & ~on_item["person"].isin(set(opener))
            ]
            assert answers["occurred_at"].min() == row.occurred_at  # nobody answered sooner
            shown += 1
    assert shown > 0


def test_evidence_newest_first_and_main_kind_first(world_acts):
    # n's pull requests come before n's commits (opened at the same moments), newest first.
    evidence = evidence_for(world_acts, "n", "recent_activity", n=3)
    assert list(evidence["kind"]) == ["pr_opened"] * 3
    assert evidence["occurred_at"].is_monotonic_decreasing
    opened = _own(world_acts, "n", "recent_activity").query("kind == 'pr_opened'")
    newest = opened.sort_values("occurred_at", ascending=False)
    assert list(evidence["url"]) == list(newest["url"].head(3))
    # Sustained activity shows the newest pull request of each repository.
    evidence = evidence_for(world_acts, "n", "activity", n=3)
    assert list(evidence["url"]) == list(newest.drop_duplicates("repo")["url"])
    assert list(evidence["repo"]) == ["acme/tools", "acme/core"]


def test_tenure_evidence_oldest_first(world_acts):
    evidence = evidence_for(world_acts, "m", "tenure", n=3)
    commits = _own(world_acts, "m", "tenure").sort_values("occurred_at")
    assert list(evidence["url"]) == list(commits["url"].head(3))
    assert evidence["occurred_at"].is_monotonic_increasing
    assert evidence.loc[0, "occurred_at"] == pd.Timestamp(START)


def test_breadth_evidence_one_per_repository(world_acts):
    evidence = evidence_for(world_acts, "n", "breadth", n=5)
    assert evidence["repo"].is_unique
    # n's work (pull requests, commits) is in two repositories; n's issue answers in
    # acme/docs are not work of the breadth signal's kinds.
    assert sorted(evidence["repo"]) == ["acme/core", "acme/tools"]
    assert len(evidence_for(world_acts, "n", "breadth", n=1)) == 1


def test_tenure_evidence_starts_with_the_first_act():
    act = _Acts()
    act(
        K.COMMIT, "p", datetime(2022, 1, 5), item="c1", url="https://github.com/acme/core/commit/c1"
    )
    for i in range(3):
        act(
            K.PR_OPENED,
            "p",
            datetime(2024, 6, 1 + i),
            item=f"acme/core#{i}",
            url=f"https://github.com/acme/core/pull/{i}",
        )
    acts = attach_people(_frame(act.acts), {"id:p": "p"})
    evidence = evidence_for(acts, "p", "tenure", n=3)
    assert evidence.loc[0, "url"] == "https://github.com/acme/core/commit/c1"
    assert evidence["occurred_at"].is_monotonic_increasing


@pytest.mark.parametrize("key", [("maintainer", None), ("recruiter", ())])
@pytest.mark.parametrize("pid", ["m", "n", "c1"])
def test_explanations(world_rankings, world_acts, key, pid):
    ranking = world_rankings[key]
    row = ranking.set_index("person_id").loc[pid]
    parts = explain(ranking, world_acts, pid, top=3, n=2)
    positive = sorted(
        ((row[f"contrib_{s}"], s) for s in SIGNAL_NAMES if row[f"contrib_{s}"] > 0), reverse=True
    )
    assert [p["signal"] for p in parts] == [s for _, s in positive[:3]]
    contributions = [p["contribution"] for p in parts]
    assert contributions == sorted(contributions, reverse=True)
    assert sum(p["share"] for p in parts) <= 1 + 1e-12
    for part in parts:
        assert part["share"] == pytest.approx(part["contribution"] / row["score"], rel=1e-12)
        assert part["label"] == SIGNAL_TABLE[part["signal"]].label
        assert len(part["evidence"]) <= 2
        own = set(_own(world_acts, pid, part["signal"])["url"])
        assert {e["url"] for e in part["evidence"]} <= own
    # Every positive contribution explained: the shares add up to one.
    every = explain(ranking, world_acts, pid, top=len(SIGNAL_NAMES), n=1)
    assert sum(p["share"] for p in every) == pytest.approx(1.0, abs=1e-12)


# --- 8. settings -------------------------------------------------------------------------


def _settings_file(tmp_path, text: str):
    path = tmp_path / "talent.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_profile_table(tmp_path, world):
    path = _settings_file(
        tmp_path,
        '[profiles.kernels]\nbased_on = "recruiter"\n'
        "weights = { tests_docs = 0.3, review_depth = 0 }\n"
        'scaling = "quantile"\naffiliations = ["community"]\ndescription = "kernel hackers"\n',
    )
    settings = load_settings(path)
    kernels = settings.profile("kernels")
    assert kernels.as_dict() == {**RECRUITER.as_dict(), "tests_docs": 0.3, "review_depth": 0.0}
    assert (kernels.scaling, kernels.affiliations) == ("quantile", ("community",))
    assert kernels.description == "kernel hackers"
    assert settings.profile("recruiter") == RECRUITER  # the base is left as it was
    assert settings.profile("maintainer") == MAINTAINER
    acts, people, links, files = world
    ranking = rank(acts, people, links, settings, profile="kernels", commit_files=files)
    assert set(ranking["profile"]) == {"kernels"}
    assert set(ranking["affiliation"]) == {"community"}
    # n alone commits tests with code: the top quantile, the whole weight.
    assert ranking.set_index("person_id").loc["n", "contrib_tests_docs"] == pytest.approx(0.3)
    assert (ranking["contrib_review_depth"] == 0).all()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("weights = { charisma = 1 }", "unknown signal 'charisma'"),
        ("weights = { activity = -1 }", "must not be negative"),
        ('weights = { activity = 1 }\nscaling = "zscore"', "scaling must be one of"),
        ('based_on = "ceo"', "based_on 'ceo' is not a profile"),
        ("weights = { activity = 0 }", "at least one signal"),
        ('based_on = "maintainer"\nweights = { activity = "high" }', "must be finite numbers"),
        ('based_on = "recruiter"\naffiliations = ["comunity"]', "affiliations must be a list of"),
    ],
)
def test_settings_profile_errors(tmp_path, table, message):
    path = _settings_file(tmp_path, f"[profiles.k]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: [profiles.k]")
    assert message in text


def test_settings_weights_table_sets_the_maintainer_profile(tmp_path):
    settings = load_settings(_settings_file(tmp_path, "[weights]\nactivity = 0.7\nreviews = 0.1\n"))
    assert settings.profile("maintainer").as_dict() == {
        **MAINTAINER.as_dict(),
        "activity": 0.7,
        "reviews": 0.1,
    }
    assert settings.profile("recruiter") == RECRUITER
    with pytest.raises(ConfigError, match="unknown signal 'charisma'") as caught:
        load_settings(_settings_file(tmp_path, "[weights]\ncharisma = 1\n"))
    assert str(tmp_path / "talent.toml") in str(caught.value)


def test_unknown_profile_lists_the_known_ones(tmp_path):
    with pytest.raises(ConfigError) as caught:
        Settings().profile("nope")
    assert str(caught.value) == "unknown profile 'nope' (known: maintainer, recruiter, learned)"
    path = _settings_file(tmp_path, "[profiles.kernels]\nweights = { tests_docs = 1 }\n")
    with pytest.raises(ConfigError, match=r"known: maintainer, recruiter, learned, kernels\)"):
        load_settings(path).profile("nope")


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_settings_reject_non_finite_weights(tmp_path, value):
    with pytest.raises(ConfigError):
        load_settings(_settings_file(tmp_path, f"[weights]\nactivity = {value}\n"))


def test_settings_reject_an_all_zero_weights_table(tmp_path):
    zeros = "".join(f"{signal} = 0\n" for signal in MAINTAINER.as_dict())
    with pytest.raises(ConfigError, match="at least one signal"):
        load_settings(_settings_file(tmp_path, f"[weights]\n{zeros}"))


# --- 9. the command line -----------------------------------------------------------------

FIRST_ISSUE_KEYS = {
    "rank",
    "person_id",
    "login",
    "name",
    "score",
    "contrib_activity",
    "contrib_recent_activity",
    "contrib_pagerank",
    "contrib_trust",
    "contrib_ownership",
}


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, runner):
    """A database written by ``talent demo --size small``."""
    path = tmp_path_factory.mktemp("profiles-cli") / "demo.db"
    result = runner.invoke(app, ["demo", "--db", str(path), "--size", "small"])
    assert result.exit_code == 0, result.output
    return str(path)


def _rank_json(runner, db, *args) -> list[dict]:
    result = runner.invoke(app, ["rank", "--db", db, "-f", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_recruiter_shows_no_employees(runner, cli_db):
    rows = _rank_json(runner, cli_db, "--profile", "recruiter", "--top", "0")
    everyone = _rank_json(
        runner, cli_db, "--profile", "recruiter", "--top", "0", "--affiliation", "all"
    )
    assert len(rows) > 50
    assert {r["profile"] for r in rows} == {"recruiter"}
    assert "employee" not in {r["affiliation"] for r in rows}
    assert {r["affiliation"] for r in rows} <= {"community", "former_employee", "unknown"}
    assert "employee" in {r["affiliation"] for r in everyone}
    assert len(everyone) - len(rows) == sum(r["affiliation"] == "employee" for r in everyone)
    # Ranks are among everyone scored: the rows shown keep them.
    overall = {r["person_id"]: r["rank"] for r in everyone}
    assert [r["rank"] for r in rows] == [overall[r["person_id"]] for r in rows]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)


@pytest.mark.parametrize(
    ("args", "contains"),
    [
        (["--profile", "nope"], "unknown profile 'nope' (known: maintainer, recruiter, learned)"),
        (["--affiliation", "foo"], "--affiliation: unknown 'foo'"),
    ],
)
def test_cli_bad_profile_or_affiliation(runner, cli_db, args, contains):
    result = runner.invoke(app, ["rank", "--db", cli_db, *args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and contains in lines[0]


def test_cli_explain_json(runner, cli_db):
    rows = _rank_json(runner, cli_db, "--explain", "--top", "3")
    assert [r["rank"] for r in rows] == [1, 2, 3]
    for row in rows:
        assert row["rank_low"] <= row["rank"] <= row["rank_high"]
        parts = row["explanation"]
        assert isinstance(parts, list) and len(parts) == 3
        assert sum(p["share"] for p in parts) <= 1 + 1e-9
        contributions = [p["contribution"] for p in parts]
        assert contributions == sorted(contributions, reverse=True)
        urls = [e["url"] for p in parts for e in p["evidence"]]
        assert urls and all(u.startswith("https://") for u in urls)
        for part in parts:
            assert part["contribution"] == pytest.approx(row[f"contrib_{part['signal']}"], abs=1e-6)


def test_cli_json_keeps_the_first_issues_keys(runner, cli_db):
    for profile in ("maintainer", "recruiter"):
        rows = _rank_json(runner, cli_db, "--profile", profile, "--top", "5")
        assert len(rows) == 5
        for row in rows:
            assert FIRST_ISSUE_KEYS <= set(row)
            assert set(CONTRIBUTIONS) <= set(row)
            assert row["score"] == pytest.approx(sum(row[c] for c in CONTRIBUTIONS), abs=1e-5)


# --- 11. one base per data and activity scope, shared by every profile -------------------


@pytest.fixture(scope="module")
def demo_base(demo_store):
    return build_ranking_base(demo_store, Settings())


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize(
    "options", [{}, {"affiliations": (), "interval_windows": 3}], ids=["default", "all+ranges"]
)
def test_scoring_a_base_is_ranking_the_store(demo_store, demo_base, profile, options):
    expected = rank_store(demo_store, Settings(), profile=profile, **options)
    got = score_base(demo_base, profile, **options)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs["ranked"] == expected.attrs["ranked"] == len(demo_base.table)


def test_a_profile_switch_only_reweighs(demo_store, monkeypatch):
    import talent.ranking.scoring as scoring

    calls = []
    features = scoring._features

    def counted(acts, *args, **kwargs):
        calls.append(len(acts))
        return features(acts, *args, **kwargs)

    monkeypatch.setattr(scoring, "_features", counted)
    base = build_ranking_base(demo_store, Settings())
    assert len(calls) == 1  # the whole history
    table = base.table.copy()
    first = score_base(base, MAINTAINER, affiliations=(), interval_windows=5)
    assert len(calls) == 6  # and each of five windows left out, once
    assert all(n < calls[0] for n in calls[1:])
    second = score_base(base, RECRUITER, affiliations=(), interval_windows=5)
    third = score_base(base, RECRUITER_QUANTILE, affiliations=(), interval_windows=5)
    assert len(calls) == 6
    pd.testing.assert_frame_equal(base.table, table, check_exact=True)  # left as it was
    assert base.evidence is base.evidence
    # Same people, same persona and skills; other weights, other order.
    for other in (second, third):
        assert set(other["person_id"]) == set(first["person_id"])
        mine = other.set_index("person_id").loc[first["person_id"]]
        assert (mine["persona"].to_numpy() == first["persona"].to_numpy()).all()
        assert (mine["areas"].to_numpy() == first["areas"].to_numpy()).all()
    assert first["person_id"].tolist() != second["person_id"].tolist()


def test_skill_search_over_the_base(demo_store, demo_base):
    found = match_skills(demo_base, "kernels docs")
    assert len(found) > 0 and found["match"].is_monotonic_decreasing
    assert found["match"].iloc[0] == 1 and abs(found["share"].sum() - 1) < 1e-9
    # Each person's words are the query's, and their matching work holds them.
    for terms, work in zip(found["terms"], found["work"], strict=True):
        assert terms and set(terms.split(", ")) <= {"kernels", "docs"} and work
    assert demo_base.search_index is demo_base.search_index  # built once per base
    # ``rank_store(skill=...)`` searches the same index among the people it shows.
    ranked = rank_store(demo_store, Settings(), profile=MAINTAINER, skill="kernels docs")
    assert set(ranked["person_id"]) <= set(found.index)
    assert ranked["skill_match"].is_monotonic_decreasing
