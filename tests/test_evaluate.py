"""Ranking evaluation: truth files, maintainer matching, hand-computed metrics, the
commit-count baseline and the four rows of ``evaluate_store`` on a small store."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from conftest import KEY
from typer.testing import CliRunner

from talent.cli import app
from talent.config import BUILTIN_PROFILES, Settings
from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.people.identity import update_people
from talent.ranking.scoring import rank_store
from talent.store import load_identity_links, save_activities, save_identities
from talent.views.evaluate import (
    Maintainer,
    Metrics,
    Truth,
    TruthError,
    commit_count_ranking,
    evaluate_store,
    load_truth,
    match_maintainers,
    ranking_metrics,
    split_rate,
)


def inv(i: int) -> float:
    """The gain of a hit at 1-based position ``i``."""
    return 1 / math.log2(i + 1)


def write_json(path, data) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


# --- truth files --------------------------------------------------------------------------

GOOD = {
    "repo": "acme/widgets",
    "head": "0123abc",
    "head_date": "2024-05-01T10:00:00+00:00",
    "note": "ignored",
    "maintainers": [
        {
            "login": "ada",
            "current": True,
            "roles": ["codeowners"],
            "identities": [
                {"name": "Ada Lovelace", "email": "ada@example.org"},
                {"name": "ada", "email": "1+ada@users.noreply.github.com"},
            ],
        },
        {"login": "bob", "current": False, "roles": [], "identities": []},
    ],
}


def test_load_truth_reads_the_fields_and_ignores_the_rest(tmp_path):
    truth = load_truth(write_json(tmp_path / "w.truth.json", GOOD))
    assert truth == Truth(
        repo="acme/widgets",
        head="0123abc",
        maintainers=(
            Maintainer(
                "ada",
                True,
                (("Ada Lovelace", "ada@example.org"), ("ada", "1+ada@users.noreply.github.com")),
            ),
            Maintainer("bob", False, ()),
        ),
    )


def _with(**changes):
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    return data


def _maintainer(**changes):
    entry = dict(GOOD["maintainers"][0])
    entry.update(changes)
    return _with(maintainers=[entry])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"repo": "acme/widgets", "head": ', "not JSON"),
        (json.dumps(_with(maintainers=None)), 'missing key "maintainers"'),
        (json.dumps(_with(repo=None)), 'missing key "repo"'),
        (json.dumps(_maintainer(identities="ada@example.org")), '"identities"'),
        (json.dumps(_maintainer(identities=[["Ada", "ada@example.org"]])), "identities[0]"),
        (json.dumps(_maintainer(identities=[{"name": "Ada"}])), 'missing key "email"'),
        (json.dumps(_maintainer(current="yes")), '"current" in maintainers[0]'),
        (json.dumps(_maintainer(current=1)), '"current" in maintainers[0]'),
        (json.dumps(_maintainer(login=7)), '"login" in maintainers[0]'),
        (json.dumps(_with(maintainers={"login": "ada"})), '"maintainers" must be a list'),
        (json.dumps(_with(maintainers=[GOOD["maintainers"][0]] * 2)), "repeated login"),
        (json.dumps([GOOD]), "top level"),
    ],
)
def test_malformed_truth_files_raise_one_line_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "broken.truth.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TruthError) as info:
        load_truth(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_missing_truth_file_is_a_truth_error(tmp_path):
    path = tmp_path / "absent.truth.json"
    with pytest.raises(TruthError, match="absent.truth.json: cannot read"):
        load_truth(path)


# --- metrics ------------------------------------------------------------------------------


def ranking_with(hits: dict[int, str], length: int) -> list[str]:
    """``length`` person ids, ``hits`` placing given ids at 1-based positions."""
    return [hits.get(i, f"other{i}") for i in range(1, length + 1)]


def test_hits_at_1_3_12_of_four_findable():
    ranked = ranking_with({1: "pa", 3: "pb", 12: "pc"}, 60)
    maintainers = {"a": {"pa"}, "b": {"pb"}, "c": {"pc"}, "d": {"pd"}, "e": set()}
    m = ranking_metrics(ranked, maintainers)
    # "e" has no person: not findable, so neither recall nor IDCG counts it.
    assert m.findable == 4
    assert m.found_in_top_50 == 3
    assert m.precision_at_10 == pytest.approx(0.2)
    assert m.recall_at_50 == pytest.approx(0.75)
    expected = (inv(1) + inv(3) + inv(12)) / (inv(1) + inv(2) + inv(3) + inv(4))
    assert m.ndcg_at_20 == pytest.approx(expected, abs=1e-12)


def test_second_row_of_a_maintainer_is_a_miss():
    # a's two people at 1 and 2 (one human split in two), b at 3.
    maintainers = {"a": {"pa", "pa2"}, "b": {"pb"}}
    m = ranking_metrics(["pa", "pa2", "pb", "x"], maintainers)
    assert m.precision_at_10 == pytest.approx(0.2)
    assert m.recall_at_50 == pytest.approx(1.0)
    assert m.found_in_top_50 == 2
    assert m.ndcg_at_20 == pytest.approx((inv(1) + inv(3)) / (inv(1) + inv(2)), abs=1e-12)
    # Without the split row b moves up to 2: precision unchanged, NDCG a perfect 1.
    clean = ranking_metrics(["pa", "pb", "x"], maintainers)
    assert clean.ndcg_at_20 == pytest.approx(1.0)
    assert m.ndcg_at_20 < clean.ndcg_at_20


def test_hits_past_20_count_for_recall_not_ndcg_and_past_50_for_nothing():
    ranked = ranking_with({2: "pa", 30: "pb", 51: "pc"}, 60)
    m = ranking_metrics(ranked, {"a": {"pa"}, "b": {"pb"}, "c": {"pc"}})
    assert m.precision_at_10 == pytest.approx(0.1)
    assert m.recall_at_50 == pytest.approx(2 / 3)
    assert m.found_in_top_50 == 2
    assert m.ndcg_at_20 == pytest.approx(inv(2) / (inv(1) + inv(2) + inv(3)), abs=1e-12)


def test_ideal_is_capped_at_20_hits():
    maintainers = {f"m{i}": {f"p{i}"} for i in range(25)}
    top20 = [f"p{i}" for i in range(20)]
    m = ranking_metrics(top20, maintainers)
    assert (m.precision_at_10, m.ndcg_at_20) == (pytest.approx(1.0), pytest.approx(1.0))
    assert m.recall_at_50 == pytest.approx(20 / 25)


def test_short_ranking_is_still_divided_by_ten():
    m = ranking_metrics(["pa"], {"a": {"pa"}})
    assert m == Metrics(0.1, 1.0, 1.0, 1, 1)


def test_one_person_of_two_maintainers_credits_one_per_row():
    maintainers = {"a": {"p"}, "b": {"p"}}
    once = ranking_metrics(["p", "x"], maintainers)
    assert (once.found_in_top_50, once.findable) == (1, 2)
    assert once.precision_at_10 == pytest.approx(0.1)
    assert once.ndcg_at_20 == pytest.approx(inv(1) / (inv(1) + inv(2)), abs=1e-12)
    # The same person id again credits the other maintainer: still one per row.
    twice = ranking_metrics(["p", "x", "p"], maintainers)
    assert twice.found_in_top_50 == 2
    assert twice.ndcg_at_20 == pytest.approx((inv(1) + inv(3)) / (inv(1) + inv(2)), abs=1e-12)


@pytest.mark.parametrize("maintainers", [{}, {"a": set(), "b": set()}])
def test_nothing_findable_gives_nan(maintainers):
    m = ranking_metrics(["x", "y"], maintainers)
    assert math.isnan(m.precision_at_10)
    assert math.isnan(m.recall_at_50)
    assert math.isnan(m.ndcg_at_20)
    assert (m.findable, m.found_in_top_50) == (0, 0)


def test_split_rate_counts_second_rows_of_maintainers_in_the_top_rows():
    maintainers = {"a": {"pa", "pa2", "pa3"}, "b": {"pb", "pb2"}}
    ranked = ranking_with({1: "pa", 2: "pb", 5: "pa2", 40: "pb2", 55: "pa3"}, 60)
    assert split_rate(ranked, maintainers) == (2, 50)
    assert split_rate(ranked, maintainers, top=10) == (1, 10)
    assert split_rate(["pa", "x", "pa2"], maintainers) == (1, 3)
    # A non-maintainer's split is invisible to the truth.
    assert split_rate(["x", "x"], maintainers) == (0, 2)


# --- matching -----------------------------------------------------------------------------


def frames(linked: dict[Identity, str], logins: dict[str, str | None]):
    """The store's identities, links and people frames for identities linked to people."""
    identities = pd.DataFrame(
        [
            {
                "key": ident.key,
                "source": str(ident.source),
                "name": ident.name,
                "email": ident.email,
                "login": ident.login,
                "github_id": ident.github_id,
                "type": ident.type,
            }
            for ident in linked
        ]
    )
    links = pd.DataFrame(
        {"identity_key": [i.key for i in linked], "person_id": list(linked.values())}
    )
    people = pd.DataFrame({"person_id": list(logins), "login": list(logins.values())})
    return identities, links, people


def git(name: str, email: str) -> Identity:
    return Identity(IdentitySource.GIT, name=name, email=email)


def test_match_by_identity_pair_with_email_case_folded():
    truth = Truth(
        "acme/r",
        "h",
        (
            Maintainer("ada", True, (("Ada L", "Ada@Example.ORG"),)),
            Maintainer("bob", True, (("bob b", "bob@example.org"),)),
        ),
    )
    identities, links, people = frames(
        {git("Ada L", "ADA@example.org"): "p1", git("Bob B", "bob@example.org"): "p2"},
        {"p1": None, "p2": None},
    )
    # Names compare exactly: "bob b" is not "Bob B".
    assert match_maintainers(truth, identities, links, people) == {"ada": {"p1"}, "bob": set()}


def test_match_by_github_account_not_by_a_guessed_login():
    truth = Truth(
        "acme/r",
        "h",
        (
            Maintainer("Cy", True, ()),
            Maintainer("dee", True, (("Dee", "dee@example.org"),)),
            Maintainer("eve", False, ()),
            Maintainer("zed", False, ()),
        ),
    )
    identities, links, people = frames(
        {
            git("Cy", "cy@example.org"): "p3",
            Identity(IdentitySource.GITHUB, name="Dee D", login="dee", github_id=9): "gh9",
            git("Dee", "dee@example.org"): "p4",  # a split: the same human as gh9
            # A person with two accounts shows one login; the other one still matches.
            Identity(IdentitySource.GITHUB, login="EVE", github_id=11): "gh10",
            Identity(IdentitySource.GITHUB, login="eve-work", github_id=10): "gh10",
        },
        {"p3": "cy", "gh9": "dee", "p4": None, "gh10": "eve-work"},
    )
    matched = match_maintainers(truth, identities, links, people)
    # Cy's login "cy" was only guessed (people.login), not an account the API returned.
    assert matched == {"Cy": set(), "dee": {"gh9", "p4"}, "eve": {"gh10"}, "zed": set()}


def test_git_identity_with_the_login_as_name_is_not_a_login_match():
    # A git name equal to a login is not an account: only the pairs and logins count.
    truth = Truth("acme/r", "h", (Maintainer("ada", True, ()),))
    identities, links, people = frames({git("ada", "x@example.org"): "p1"}, {"p1": None})
    assert match_maintainers(truth, identities, links, people) == {"ada": set()}


def test_unlinked_identity_matches_nobody():
    truth = Truth("acme/r", "h", (Maintainer("ada", True, (("Ada", "ada@example.org"),)),))
    identities, _, people = frames({git("Ada", "ada@example.org"): "p1"}, {"p1": None})
    links = pd.DataFrame({"identity_key": [], "person_id": []})
    assert match_maintainers(truth, identities, links, people) == {"ada": set()}


# --- baseline -----------------------------------------------------------------------------


def test_commit_count_ranking_drops_bots_and_breaks_ties_by_person_id():
    acts = pd.DataFrame(
        {
            "kind": [
                *["commit"] * 5,  # the bot: most commits, never ranked
                "commit",
                "commit",  # p2, two identities of one person
                "commit",
                "commit",  # p1
                "merge_commit",
                "co_authored",
                "review",  # p1's other acts do not count
                "commit",  # p3
                "commit",  # an identity without a person
            ],
            "actor": [
                *["git:bot"] * 5,
                "git:b1",
                "git:b2",
                "git:a",
                "git:a",
                "git:a",
                "git:a",
                "git:a",
                "git:c",
                "git:ghost",
            ],
        }
    )
    links = pd.DataFrame(
        {
            "identity_key": ["git:bot", "git:b1", "git:b2", "git:a", "git:c"],
            "person_id": ["p0", "p2", "p2", "p1", "p3"],
        }
    )
    people = pd.DataFrame(
        {"person_id": ["p0", "p1", "p2", "p3", "p4"], "is_bot": [True, False, False, False, False]}
    )
    assert commit_count_ranking(acts, links, people) == ["p1", "p2", "p3"]


# --- the store ----------------------------------------------------------------------------

ADA = git("Ada Lovelace", "ada@example.org")
BOB = git("Bob", "bob@example.org")
BOB_WORK = git("Bob B", "bob@work.example")  # not linked to BOB: a split
CY_ACCOUNT = Identity(IdentitySource.GITHUB, name="Cy", login="cy", github_id=42)
CY = git("Cy", "42+cy@users.noreply.github.com")
DEE = git("Dee", "7+dee@users.noreply.github.com")
DEE_ACCOUNT = Identity(IdentitySource.GITHUB, name="Dee", login="dee", github_id=7)
BOT = git("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")

STORE_TRUTH = {
    "repo": "acme/r",
    "head": "beef",
    "maintainers": [
        {
            "login": "ada",
            "current": True,
            "identities": [{"name": "Ada Lovelace", "email": "ADA@example.org"}],
        },
        {
            "login": "bob",
            "current": False,
            "identities": [
                {"name": "Bob", "email": "bob@example.org"},
                {"name": "Bob B", "email": "bob@work.example"},
            ],
        },
        {"login": "Dee", "current": True, "identities": []},  # found by its account only
        {"login": "eve", "current": True, "identities": []},  # not findable
    ],
}


def _acts(who: Identity, n: int, kind=ActivityKind.COMMIT, repo="acme/r") -> list[Activity]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        Activity(
            key=f"{kind}:{repo}:{who.key}:{i}",
            repo=repo,
            kind=kind,
            actor=who.key,
            occurred_at=start + timedelta(days=i),
            item=f"sha-{who.name}-{i}",
        )
        for i in range(n)
    ]


@pytest.fixture
def eval_store(store):
    save_identities(store, [ADA, BOB, BOB_WORK, CY_ACCOUNT, CY, DEE, DEE_ACCOUNT, BOT])
    # Commits in acme/r: bot 10, cy 5, dee 4, ada 3, bob (work) 2, bob 1; ada's
    # co-authorships do not count, nor bob's commits to another repository unless asked.
    acts = [
        *_acts(BOT, 10),
        *_acts(CY, 5),
        *_acts(DEE, 4),
        *_acts(ADA, 3),
        *_acts(ADA, 6, ActivityKind.CO_AUTHORED),
        *_acts(BOB_WORK, 2),
        *_acts(BOB, 1),
        *_acts(BOB, 9, repo="acme/other"),
    ]
    save_activities(store, acts)
    update_people(store, Settings())
    links = load_identity_links(store)
    person = dict(zip(links["identity_key"], links["person_id"], strict=True))
    return store, {
        "ada": person[ADA.key],
        "bob": person[BOB.key],
        "bob_work": person[BOB_WORK.key],
        "cy": person[CY.key],
        "dee": person[DEE.key],
    }


def test_evaluate_store_scores_talent_and_commit_count_ever_and_current(eval_store, tmp_path):
    engine, p = eval_store
    assert p["cy"] == KEY.person_id("github:42") and len(set(p.values())) == 5
    truth = load_truth(write_json(tmp_path / "acme.truth.json", STORE_TRUTH))
    ranking = pd.DataFrame({"person_id": [p["ada"], p["cy"], p["bob"], p["dee"], p["bob_work"]]})

    result = evaluate_store(engine, truth, ranking, repos=["acme/r"])

    assert list(result.columns) == [
        "method",
        "scope",
        "precision_at_10",
        "recall_at_50",
        "ndcg_at_20",
        "findable",
        "found_in_top_50",
    ]
    rows = {(r.method, r.scope): r for r in result.itertuples(index=False)}
    assert list(rows) == [
        ("talent", "ever"),
        ("talent", "current"),
        ("commit count", "ever"),
        ("commit count", "current"),
    ]
    ideal3 = inv(1) + inv(2) + inv(3)
    ideal2 = inv(1) + inv(2)
    # talent: ada 1, cy 2 (no maintainer), bob 3, dee 4, bob's split 5 (a miss).
    # Ever: ada, bob, dee findable (eve is not); current: ada, dee.
    # commit count: cy 1, dee 2, ada 3, bob (work) 4, bob 5 (a miss); the bot is out.
    expected = {
        ("talent", "ever"): (0.3, 1.0, (inv(1) + inv(3) + inv(4)) / ideal3, 3, 3),
        ("talent", "current"): (0.2, 1.0, (inv(1) + inv(4)) / ideal2, 2, 2),
        ("commit count", "ever"): (0.3, 1.0, (inv(2) + inv(3) + inv(4)) / ideal3, 3, 3),
        ("commit count", "current"): (0.2, 1.0, (inv(2) + inv(3)) / ideal2, 2, 2),
    }
    for key, (precision, recall, ndcg, findable, found) in expected.items():
        row = rows[key]
        assert row.precision_at_10 == pytest.approx(precision), key
        assert row.recall_at_50 == pytest.approx(recall), key
        assert row.ndcg_at_20 == pytest.approx(ndcg, abs=1e-12), key
        assert (row.findable, row.found_in_top_50) == (findable, found), key

    # Over every repository bob's 10 commits put him first: bob 1, cy 2, dee 3, ada 4.
    everywhere = evaluate_store(engine, truth, ranking)
    row = everywhere[(everywhere["method"] == "commit count") & (everywhere["scope"] == "ever")]
    assert row["ndcg_at_20"].item() == pytest.approx((inv(1) + inv(3) + inv(4)) / ideal3, abs=1e-12)
    # The talent rows do not depend on the activities loaded.
    pd.testing.assert_frame_equal(everywhere.iloc[:2], result.iloc[:2])


def test_evaluate_store_with_no_findable_maintainer_gives_nan_rows(eval_store, tmp_path):
    engine, p = eval_store
    data = {"repo": "acme/r", "head": "beef", "maintainers": [STORE_TRUTH["maintainers"][3]]}
    truth = load_truth(write_json(tmp_path / "nobody.truth.json", data))
    result = evaluate_store(engine, truth, pd.DataFrame({"person_id": [p["ada"]]}))
    assert len(result) == 4
    assert result[["precision_at_10", "recall_at_50", "ndcg_at_20"]].isna().all().all()
    assert (result["findable"] == 0).all()


def test_talent_evaluate_judges_every_built_in_profile_beside_commit_count(
    eval_store, db_url, tmp_path
):
    engine, _ = eval_store
    truth = write_json(tmp_path / "acme.truth.json", STORE_TRUTH)
    result = CliRunner().invoke(
        app, ["evaluate", "--truth", str(truth), "--db", db_url, "--profile", "recruiter",
              "-f", "json"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["metrics"]
    others = [p.name for p in BUILTIN_PROFILES if p.name != "recruiter"]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    assert methods == ["recruiter", *others, "commit count"]
    # Commit count as evaluate_store gives it, once; each profile as its own ranking does
    # (the store lists no repository: every act counts).
    expected = evaluate_store(engine, load_truth(truth), pd.DataFrame({"person_id": []}))
    counted = [r for r in rows if r["method"] == "commit count"]
    want = expected[expected["method"] == "commit count"]
    assert [r["ndcg_at_20"] for r in counted] == pytest.approx(want["ndcg_at_20"].tolist())
    settings = Settings(db_url=db_url)
    for name in ("maintainer", "recruiter"):
        ranking = rank_store(engine, settings, profile=name, affiliations=())
        own = evaluate_store(engine, load_truth(truth), ranking)
        mine = [r["ndcg_at_20"] for r in rows if r["method"] == name]
        assert mine == pytest.approx(own.loc[own["method"] == "talent", "ndcg_at_20"].tolist())
