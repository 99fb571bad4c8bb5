"""Degree of authorship, truck factor and co-editing ties on hand-made histories."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from talent.ranking.authorship import VENDORED, build_authorship, file_ownership
from talent.ranking.graph import build_coedit_edges, build_interaction_graph
from talent.views.maintainers import (
    DOCS,
    absence_factor,
    build_factors,
    drift_report,
    named_by_area,
    orphaned_if_left,
    owners_in_practice,
    ready_for_more,
    truck_factor,
)


def changes(rows):
    return pd.DataFrame(
        [
            {"path": path, "person": person, "occurred_at": pd.Timestamp(when)}
            for path, person, when in rows
        ]
    )


HISTORY = changes(
    [
        ("core.py", "ada", "2024-01-01"),  # ada creates core.py and keeps working on it
        ("core.py", "ada", "2024-01-02"),
        ("core.py", "bob", "2024-01-03"),
        ("core.py", "ada", "2024-01-04"),
        ("util.py", "bob", "2024-01-05"),  # bob creates util.py; ada touches it once
        ("util.py", "ada", "2024-01-06"),
        ("docs.md", "cy", "2024-01-07"),  # cy alone
    ]
)


def doa(fa, dl, ac):
    return 3.293 + 1.098 * fa + 0.164 * dl - 0.321 * math.log(1 + ac)


def test_degree_of_authorship_by_hand():
    got = build_authorship(HISTORY).set_index(["path", "person"])
    expected = {
        ("core.py", "ada"): doa(1, 3, 1),  # 4.660
        ("core.py", "bob"): doa(0, 1, 3),  # 3.012
        ("util.py", "bob"): doa(1, 1, 1),  # 4.332
        ("util.py", "ada"): doa(0, 1, 1),  # 3.234
        ("docs.md", "cy"): doa(1, 1, 0),  # 4.555
    }
    assert set(got.index) == set(expected)
    for key, value in expected.items():
        assert got.loc[key, "doa"] == pytest.approx(value, abs=1e-12)
    # Authors: DOA over 0.75 of the file's best, and absolute >= 3.293 or the creator.
    # util.py: ada's 3.234 / 4.332 = 0.747 is under 0.75, so only bob authors it.
    authors = {key for key in expected if got.loc[key, "is_author"]}
    assert authors == {("core.py", "ada"), ("util.py", "bob"), ("docs.md", "cy")}
    assert file_ownership(build_authorship(HISTORY)) == {"ada": 1, "bob": 1, "cy": 1}


def test_truck_factor_by_hand():
    # ada authors three of four files: without her only one of four keeps an author.
    history = changes(
        [(f"f{i}", "ada", "2024-01-01") for i in range(3)] + [("g", "bob", "2024-01-01")]
    )
    assert truck_factor(build_authorship(history)) == 1
    # Two people with two files each: removing one leaves 50% covered (not below),
    # removing the second leaves none.
    history = changes(
        [("a1", "ada", "2024-01-01"), ("a2", "ada", "2024-01-01"),
         ("b1", "bob", "2024-01-01"), ("b2", "bob", "2024-01-01")]
    )  # fmt: skip
    assert truck_factor(build_authorship(history)) == 2
    assert truck_factor(build_authorship(changes([]))) == 0


def test_coedit_edges_decay_and_skip_crowded_files():
    history = changes(
        [
            ("f", "a", "2024-01-01"),
            ("f", "b", "2022-01-01"),  # a and b share f; b's last edit is old
            ("g", "a", "2020-01-02"),
            ("g", "b", "2020-01-02"),  # and g, long ago
            ("crowded", "a", "2024-01-01"),
            ("crowded", "c", "2024-01-01"),
        ]
    )
    edges = build_coedit_edges(history, half_life_days=730, max_editors=1)
    assert edges.empty  # every file has more than one editor: all skipped
    edges = build_coedit_edges(history, half_life_days=730).set_index(["u", "v"])["weight"]
    latest = pd.Timestamp("2024-01-01")
    f_age = (latest - pd.Timestamp("2024-01-01")).days  # the later of the two edits
    g_age = (latest - pd.Timestamp("2020-01-02")).days
    assert edges[("a", "b")] == pytest.approx(0.5 ** (f_age / 730) + 0.5 ** (g_age / 730))
    assert edges[("a", "c")] == pytest.approx(1.0)


def test_coedit_ties_join_the_interaction_graph_both_ways():
    acts = pd.DataFrame({"person": ["a", "b"], "other": [None, None], "kind": ["commit"] * 2})
    coedits = pd.DataFrame({"u": ["a"], "v": ["b"], "weight": [2.0]})
    graph = build_interaction_graph(acts, coedits=coedits, coedit_weight=0.5)
    assert sorted(graph.edges(data="weight")) == [("a", "b", 1.0), ("b", "a", 1.0)]
    assert build_interaction_graph(acts, coedits=coedits, exclude={"b"}).number_of_edges() == 0


def test_truck_factor_leaves_out_vendored_and_generated_files():
    # ada, bob and cy author two files each; ada also copied in a library, generated a
    # protobuf module, a minified bundle and a lock file: 12 files, ada authors 8.
    mine = [f"{p}{i}.py" for p in "abc" for i in (1, 2)]
    copied = ["third_party/lib/x.c", "vendor/y.go", "node_modules/z/index.js",
              "proto/msg_pb2.py", "web/app.min.js", "package-lock.json"]  # fmt: skip
    history = changes(
        [(f"o/r:{p}", {"a": "ada", "b": "bob", "c": "cy"}[p[0]], "2024-01-01") for p in mine]
        + [(f"o/r:{p}", "ada", "2024-01-02") for p in copied]
    )
    authorship = build_authorship(history)
    assert truck_factor(authorship) == 1  # without ada 4 of 12 files keep an author
    # Filtered, 2 files each: without ada 4 of 6 remain (>= 50%), without bob too 2 of 6.
    assert truck_factor(authorship, exclude=VENDORED) == 2
    repo = build_factors(history).iloc[0]
    assert (repo["files"], repo["truck_factor"], repo["truck_people"]) == (6, 2, ("ada", "bob"))
    unfiltered = build_factors(history, exclude=None).iloc[0]
    assert (unfiltered["files"], unfiltered["truck_people"]) == (12, ("ada",))
    # Documentation is optional: leaving out b's two pages leaves 4 files.
    docs = changes([("o/r:docs/a.md", "bob", "2024-01-01"), ("o/r:x.py", "ada", "2024-01-01")])
    assert build_factors(docs, exclude=VENDORED + DOCS).iloc[0]["files"] == 1
    # Restricting to the files at HEAD (as the paper does) counts fewer files.
    head = build_factors(history, paths={"o/r:a1.py", "o/r:b1.py"}).iloc[0]
    assert (head["files"], head["truck_factor"]) == (2, 2)  # a1 lost leaves 1 of 2


def test_absence_factor_by_hand():
    assert absence_factor(pd.DataFrame({"person": list("aaaaabbbcc")})) == 1  # 5 of 10
    assert absence_factor(pd.DataFrame({"person": list("aaaabbbccc")})) == 2  # 4, then 7
    assert absence_factor(pd.DataFrame({"person": list("aaaabbbccc")}), share=0.8) == 3
    weighted = pd.DataFrame({"person": list("abc"), "lines": [10, 80, 10]})
    assert absence_factor(weighted, weight="lines") == 1
    assert absence_factor(pd.DataFrame({"person": []})) == 0


def with_commits(rows):
    return pd.DataFrame(
        [
            {"path": f"o/r:{path}", "person": person, "occurred_at": pd.Timestamp(when),
             "commit": f"o/r@{sha}"}
            for sha, person, when, paths in rows
            for path in paths
        ]
    )  # fmt: skip


def test_factors_per_repository_and_area_by_hand():
    history = with_commits(
        [
            ("c1", "ada", "2024-01-01", ["core/x.py", "docs/a.md"]),
            ("c2", "ada", "2024-01-02", ["core/x.py"]),
            ("c3", "bob", "2024-01-03", ["docs/a.md"]),
            ("c4", "bob", "2024-01-04", ["docs/b.md"]),
            ("c5", "cy", "2024-01-05", ["docs/c.md"]),
        ]
    )
    table = build_factors(history, by="area").set_index("key")
    # Counted as the authors' tool counts (the creation is FA only): a.md is ada's
    # (1 + 0 changes, 4.169) and bob's (his one change, 3.457: 0.83 of it), b.md bob's,
    # c.md cy's. Removing bob (2 files) leaves 2 of 3, then ada 1 of 3: TF 2. Commits
    # touching docs: c1, c3, c4, c5; bob's 2 of 4 are half: AF 1.
    assert table.loc["docs", ["files", "truck_factor", "commits", "absence_factor"]].tolist() == [
        3, 2, 4, 1]  # fmt: skip
    assert table.loc["docs", "truck_people"] == ("bob", "ada")
    assert table.loc["docs", "absence_people"] == ("bob",)
    assert table.loc["other", ["files", "truck_factor", "absence_factor"]].tolist() == [1, 1, 1]
    repo = build_factors(history).iloc[0]
    # 4 files (ada 2, bob 2, cy 1; ada first by name): without ada 3 of 4 keep an
    # author, without bob too 1: TF 2.
    # 5 commits (ada 2, bob 2, cy 1): 2 < 2.5, 4 >= 2.5: AF 2.
    assert (repo["key"], repo["truck_factor"], repo["absence_factor"]) == ("*", 2, 2)
    assert repo["absence_people"] == ("ada", "bob")
    by_dir = build_factors(history, by="directory").set_index("key")
    assert sorted(by_dir.index) == ["core", "docs"]


def test_orphaned_if_left_by_hand():
    history = pd.concat(
        [
            HISTORY,
            # pair.py: ada creates it, bob changes it three times. ada 3.293 + 1.098 +
            # 0.164 - 0.321 ln 4 = 4.110; bob 3.293 + 0.492 - 0.321 ln 2 = 3.563, 0.867
            # of ada's: both are authors and neither leaves it orphaned.
            changes([("pair.py", "ada", "2024-02-01")]
                    + [("pair.py", "bob", f"2024-02-0{d}") for d in (2, 3, 4)]),
        ]
    )  # fmt: skip
    authorship = build_authorship(history)
    ada = orphaned_if_left(authorship, "ada")
    assert ada["path"].tolist() == ["core.py"]
    assert ada.loc[0, "successor"] == "bob"
    assert ada.loc[0, "successor_doa"] == pytest.approx(doa(0, 1, 3))
    assert not ada.loc[0, "area_orphaned"]  # bob keeps util.py and pair.py in "other"
    bob = orphaned_if_left(authorship, "bob")
    assert bob["path"].tolist() == ["util.py"]
    assert bob.loc[0, "successor"] == "ada"
    cy = orphaned_if_left(authorship, "cy")
    assert cy[["path", "area", "successor", "area_orphaned"]].values.tolist() == [
        ["docs.md", "docs", None, True]]  # fmt: skip
    assert orphaned_if_left(authorship, "nobody").empty


def practice_world():
    history = with_commits(
        [
            ("c1", "ada", "2024-01-10", ["serve/api.py", "serve/batch.py"]),
            ("c2", "bob", "2024-02-01", ["serve/api.py"]),
            ("c3", "cy", "2024-03-01", ["docs/guide.md"]),
        ]
    )
    rows = [
        ("ada", "commit", "c1", 1, "2024-01-10"),
        ("bob", "commit", "c2", 2, "2024-02-01"),
        ("cy", "commit", "c3", None, "2024-03-01"),
        ("dan", "review", "o/r#1", 1, "2024-01-09"),
        ("dan", "review", "o/r#2", 2, "2024-01-31"),
        ("dan", "pr_merged_by", "o/r#2", 2, "2024-02-02"),
        ("ada", "review", "o/r#2", 2, "2024-01-31"),
        ("bob", "review_comment", "o/r#2", 2, "2024-01-31"),  # on his own work: not oversight
        ("eve", "reviewed_by", "c3", None, "2024-03-01"),  # a git trailer names the commit
    ]
    acts = pd.DataFrame(
        [{"person": p, "kind": k, "repo": "o/r", "item": i, "pr_number": n,
          "occurred_at": pd.Timestamp(t)} for p, k, i, n, t in rows]
    )  # fmt: skip
    return history, acts


def test_owners_in_practice_by_hand():
    history, acts = practice_world()
    got = owners_in_practice(history, acts, months=1).set_index(["key", "person"])
    serving = got.loc["inference and serving"]
    # api.py: ada created it (4.332), bob's 3.234 is 0.747 of that; batch.py is ada's.
    assert serving.loc["ada", ["authored_files", "share", "commits"]].tolist() == [2, 1.0, 1]
    assert serving.loc["bob", ["authored_files", "commits", "reviews"]].tolist() == [0, 1, 0]
    # dan reviewed #1 and #2 and merged #2; ada reviewed bob's #2: 3 and 1 of 4.
    assert serving.loc["dan", ["reviews", "merges", "files_touched"]].tolist() == [2, 1, 2]
    assert serving.loc["dan", "review_share"] == pytest.approx(0.75)
    assert serving.loc["ada", "review_share"] == pytest.approx(0.25)
    assert serving["is_owner"].to_dict() == {"ada": True, "dan": True, "bob": False}
    assert serving.loc["dan", "first_active"] == pd.Timestamp("2024-01-09")
    assert serving.loc["dan", "last_active"] == pd.Timestamp("2024-02-02")
    assert serving.loc["dan", "tenure_days"] == 24
    # One month back from 2024-03-01: bob's c2 and dan's merge of #2 are recent.
    assert serving.loc["bob", "recent_commits"] == 1 and serving.loc["ada", "recent_commits"] == 0
    assert serving.loc["dan", "recent_reviews"] == 1
    docs = got.loc["docs"]
    assert docs.loc["eve", ["reviews", "is_owner"]].tolist() == [1, False]  # one review < 2
    assert owners_in_practice(history, acts, min_reviews=1).set_index("person").loc[
        "eve", "is_owner"]  # fmt: skip
    # Per file: #1 touched batch.py, #2 did not.
    files = owners_in_practice(history, acts, by="file").set_index(["key", "person"])
    assert files.loc["serve/batch.py"].index.tolist() == ["ada", "dan"]
    assert files.loc[("serve/batch.py", "dan"), "reviews"] == 1
    dirs = owners_in_practice(history, acts, by="directory")
    assert sorted(set(dirs["key"])) == ["docs", "serve"]
    # Without acts, ownership is authorship alone.
    alone = owners_in_practice(history).set_index(["key", "person"])
    assert set(alone.loc["inference and serving"].index) == {"ada", "bob"}


PATTERNS = ("/serve/", "/docs/", "/legacy/", "/tools/")


def pattern_of(repo, path):
    for pattern in reversed(PATTERNS):  # the last match wins, as in CODEOWNERS
        if path.startswith(pattern.strip("/") + "/"):
            return pattern
    return "*"


def drift_world():
    history = changes(
        [
            ("o/r:serve/api.py", "ada", "2022-01-01"),  # ada: named, idle for two years
            ("o/r:serve/api.py", "ada", "2022-02-01"),
            ("o/r:serve/api.py", "ada", "2022-03-01"),
            ("o/r:serve/new.py", "bob", "2024-05-01"),  # bob: active, never named
            ("o/r:serve/api.py", "bob", "2024-06-01"),
            ("o/r:legacy/old.py", "zed", "2021-01-01"),  # nobody active owns legacy
            ("o/r:docs/guide.md", "cy", "2024-04-01"),
            ("o/r:docs/faq.md", "dan", "2024-05-01"),  # one recent page: not ready
        ]
    )
    rows = [
        ("ada", "ada", "user", "/serve/", pd.NaT),
        ("zed", "zed", "user", "/legacy/", pd.NaT),
        ("cy", "cy", "user", "/docs/", pd.NaT),
        ("@o/docs-team", None, "team", "/docs/", pd.NaT),  # no members known
        ("old@x.org", None, "email", "/serve/", pd.NaT),  # not matched to a person
        ("cy", "cy", "user", "/tools/", pd.NaT),  # a pattern with no files
        ("bob", "bob", "user", "/serve/", pd.Timestamp("2020-01-01")),  # named no more
    ]
    named = pd.DataFrame(
        [{"repo": "o/r", "source": "CODEOWNERS", "login": login, "person_id": pid,
          "kind": kind, "pattern": pattern, "role": "owner", "since": pd.NaT, "until": until}
         for login, pid, kind, pattern, until in rows]
    )  # fmt: skip
    return history, named


def test_drift_report_per_pattern():
    history, named = drift_world()
    practice = owners_in_practice(history, by=pattern_of)
    drift = drift_report(named, practice)  # 12 months back from 2024-06-01
    idle = drift.idle.set_index("login")
    # cy is named for /tools/ too, where there is nothing to do: idle there.
    assert sorted(zip(drift.idle["login"], drift.idle["key"], strict=True)) == [
        ("ada", "/serve/"), ("cy", "/tools/"),
        ("old@x.org", "/serve/"), ("zed", "/legacy/")]  # fmt: skip
    assert idle.loc["ada", "last_active"] == pd.Timestamp("2022-03-01")
    assert idle.loc["ada", "reason"] == "no activity in 12 months"
    assert idle.loc["old@x.org", "reason"] == "not matched to a person"
    # Named where there is nothing to do: never active there, said so (no blank date).
    assert idle.loc["cy", "reason"] == "no activity where named, ever"
    # bob authors new.py (api.py stays ada's: 3.293 + 1.098 + 0.492 - 0.321 ln 2 against
    # bob's 3.293 + 0.164 - 0.321 ln 4) and is named nowhere now.
    # dan wrote faq.md, so he is an unnamed owner of /docs/ too.
    assert drift.unnamed[["key", "person"]].values.tolist() == [
        ["/docs/", "dan"], ["/serve/", "bob"]]  # fmt: skip
    assert drift.unnamed.set_index("person").loc["bob", "evidence"] == (
        "authors 1 of 2 files; 2 commits, 0 reviews, 0 merges; last active 2024-06-01"
    )
    unowned = drift.unowned.set_index("key")
    assert sorted(unowned.index) == ["/legacy/", "/tools/"]
    assert unowned.loc["/legacy/", "last_owner_activity"] == pd.Timestamp("2021-01-01")
    assert (unowned.loc["/tools/", "files"], unowned.loc["/tools/", "named"]) == (0, "cy")
    assert drift.teams["login"].tolist() == ["@o/docs-team"]
    # With a window of four years, ada and zed are current again.
    assert sorted(drift_report(named, practice, months=48).idle["login"]) == ["cy", "old@x.org"]


def test_drift_report_per_area():
    history, named = drift_world()
    by_area = named_by_area(named, history["path"].unique(), pattern_of)
    assert sorted(by_area.loc[by_area["login"] == "zed", "key"]) == ["other"]
    assert by_area.loc[by_area["pattern"] == "/tools/", "key"].isna().all()
    drift = drift_report(by_area, owners_in_practice(history, by="area"))
    assert sorted(zip(drift.idle["key"], drift.idle["login"], strict=True)) == [
        ("inference and serving", "ada"), ("inference and serving", "old@x.org"),
        ("other", "zed")]  # fmt: skip
    assert drift.unnamed["person"].tolist() == ["dan", "bob"]
    assert drift.unowned["key"].tolist() == ["other"]


def test_ready_for_more_by_hand():
    history, named = drift_world()
    practice = owners_in_practice(history, by=pattern_of)
    ready = ready_for_more(named, practice)
    # bob at /serve/: 2 recent commits and 2 recent files against ada's 0 and 0; his 31
    # days of tenure are under ada's 59. dan at /docs/: 1 commit, 1 file, 0 days against
    # cy's 1, 1, 0: nothing above.
    assert ready[["key", "person", "above"]].values.tolist() == [["/serve/", "bob", 2]]
    assert ready.loc[0, "evidence"] == (
        "2 recent commits (named owners' median 0); "
        "2 files worked on recently (named owners' median 0)"
    )
    assert ready_for_more(named, practice, min_above=3).empty
    # Named anywhere is never a candidate: name bob for /tools/ and he drops out.
    more = pd.concat([named, named.iloc[[5]].assign(login="bob", person_id="bob")])
    assert ready_for_more(more, practice).empty


def test_an_area_names_a_login_once_however_often_it_is_listed():
    history, named = drift_world()
    twice = named[named["login"] == "zed"].assign(source="OWNERS")
    practice = owners_in_practice(history, by=pattern_of)
    drift = drift_report(pd.concat([named, twice], ignore_index=True), practice)
    unowned = drift.unowned.set_index("key")
    assert unowned.loc["/legacy/", "named"] == "zed"
