"""The skill search index (talent/ranking/search.py): hand-computed answers on small frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from talent.ranking.search import (
    CREDITS,
    analyze,
    build_search_index,
    search_work,
    split_identifiers,
    stem,
    suggest,
)

DAY = pd.Timestamp("2024-03-01")


def _acts(rows: list[tuple]) -> pd.DataFrame:
    """Acts from (kind, item, person, title, size) rows in one repository."""
    return pd.DataFrame(
        [
            {"repo": "o/r", "kind": kind, "item": item, "person": person, "title": title,
             "url": f"https://github.com/o/r/commit/{item}", "occurred_at": DAY,
             "size": size, "state": ""}
            for kind, item, person, title, size in rows
        ]
    )  # fmt: skip


def _changes(rows: list[tuple]) -> pd.DataFrame:
    """Commit file changes from (sha, path, lines) rows in one repository."""
    return pd.DataFrame(
        {
            "path": [f"o/r:{p}" for _s, p, _n in rows],
            "commit": [f"o/r@{s}" for s, _p, _n in rows],
            "lines": [n for _s, _p, n in rows],
        },
        columns=["path", "commit", "lines"],
    )


def test_identifiers_split_the_same_way_whatever_their_style():
    for written in ("model_registry", "modelRegistry", "model-registry", "ModelRegistry"):
        assert split_identifiers(written) == ["model", "registry"], written
    assert split_identifiers("sdk/python/kserve") == ["sdk", "python", "kserve"]
    assert split_identifiers("parseHTTPHeaders #1234 v2") == ["parse", "http", "headers", "v2"]


def test_stems_bring_word_forms_together():
    assert {stem(w) for w in ("train", "trains", "training", "trained")} == {"train"}
    assert {stem(w) for w in ("quantise", "quantize", "quantization", "quantised")} == {"quantiz"}
    assert stem("hyperparameters") == stem("hyperparameter") == "hyperparameter"
    assert stem("libraries") == "library" and stem("status") == "status"
    assert stem("api") == "api"  # three letters stay
    # Stop words go; bigrams join the words left.
    assert analyze("the Python SDK") == ["python", "sdk", "python sdk"]


def test_the_person_who_did_most_of_the_matching_work_comes_first():
    """ada did 9 of 10 equal commits in the tekton folder; bob, with a far higher
    overall score, did one: ada first with 90% of the work, whatever the scores."""
    acts = _acts([("commit", f"a{i}", "ada", "Update task", 10) for i in range(9)]
                 + [("commit", "b0", "bob", "Update task", 10),
                    ("commit", "c0", "cy", "Fix the readme", 10)])  # fmt: skip
    changes = _changes(
        [(f"a{i}", "ci/tekton/task.yaml", 10) for i in range(9)]
        + [("b0", "ci/tekton/task.yaml", 10), ("c0", "README.md", 10)]
    )
    found = search_work(
        build_search_index(acts, changes), "tekton", pd.Series({"ada": 0.1, "bob": 0.99, "cy": 1.0})
    )
    assert found.index.tolist() == ["ada", "bob"]  # cy did none of it
    assert found["share"].tolist() == pytest.approx([0.9, 0.1])
    assert found["match"].tolist() == pytest.approx([1.0, 1 / 9])
    assert found["terms"].tolist() == ["tekton", "tekton"]
    work = found.loc["ada", "work"]
    assert len(work) == 5 and work[0]["kind"] == "commit" and work[0]["credit"] == 1.0
    assert work[0]["url"].startswith("https://github.com/o/r/commit/a")
    assert work[0]["date"] == "2024-03-01" and work[0]["repo"] == "o/r"


def test_equal_work_is_ordered_by_score():
    acts = _acts(
        [("commit", "a", "ada", "Tekton task", 1), ("commit", "b", "bob", "Tekton task", 1)]
    )
    index = build_search_index(acts, _changes([]))
    assert search_work(index, "tekton", pd.Series({"ada": 0.2, "bob": 0.8})).index.tolist() == [
        "bob",
        "ada",
    ]


def test_larger_work_and_the_author_count_more_than_merging_it():
    """Each item weighs 1 + ln(1 + lines); a merger gets a quarter of the author's credit."""
    acts = _acts([("commit", "a", "ada", "Add storage backend", 100),
                  ("commit", "b", "bob", "Fix storage typo", 1),
                  ("pr_merged_by", "a", "cy", "Add storage backend", None)])  # fmt: skip
    found = search_work(build_search_index(acts, _changes([])), "storage")
    big, small = 1 + math.log1p(100), 1 + math.log1p(1)
    # Same relevance per item up to BM25's length normalisation: compare the ratios.
    assert found.index.tolist() == ["ada", "bob", "cy"]
    ratio = found.loc["cy", "work_done"] / found.loc["ada", "work_done"]
    assert ratio == pytest.approx(CREDITS["pr_merged_by"])
    assert found.loc["ada", "work_done"] / found.loc["bob", "work_done"] > big / small * 0.8
    assert found.loc["cy", "work"][0]["credit"] == 0.25


def test_paths_and_folders_are_searchable_words():
    acts = _acts([("commit", "a", "ada", "Refactor client", 5),
                  ("commit", "b", "bob", "Refactor client", 5),
                  ("commit", "c", "cy", "Add modelRegistry client", 5)])  # fmt: skip
    changes = _changes([("a", "sdk/python/client.py", 5), ("b", "python/sdk/client.py", 5),
                        ("c", "api/registry.go", 5)])  # fmt: skip
    index = build_search_index(acts, changes)
    # Both hold the words; the one under the folder named exactly comes first.
    found = search_work(index, "sdk/python")
    assert found.index.tolist() == ["ada", "bob"]
    assert found.loc["ada", "terms"] == "sdk, python"
    # Work outside the folder named as written counts a fifth (LITERAL_MISS).
    assert found.loc["bob", "share"] < 0.2 < 0.8 < found.loc["ada", "share"]
    # A camel-case identifier in a title is found by its words, and a language by name.
    assert search_work(index, "model registry").index.tolist() == ["cy"]
    assert search_work(index, "go").index.tolist() == ["cy"]


def test_words_of_the_corpus_that_extend_a_query_word_are_found():
    acts = _acts([("commit", "a", "ada", "Bump pipeline image", 5)])
    index = build_search_index(acts, _changes([("a", "tektoncd/pipeline.yaml", 5)]))
    assert search_work(index, "tekton").index.tolist() == ["ada"]


def test_a_query_nobody_matches_gets_suggestions():
    acts = _acts([("commit", "a", "ada", "Tune hyperparameters", 5)])
    index = build_search_index(acts, _changes([("a", "katib/suggest.py", 500),
                                               ("a", "docs/tune.md", 5)]))  # fmt: skip
    assert search_work(index, "hyperparmeter").empty
    hint = suggest(index, "hyperparmeter")
    # The word as written in the title, and the busiest non-generic folder (not docs).
    assert hint == "did you mean hyperparameters, or one of these areas: katib"
    assert search_work(index, "   ").empty


def test_no_drive_by_in_the_top_ten_when_others_did_more():
    """Twelve people: eleven did 10 to 20 matching commits, one high-score person did one
    (under 1% of the work). The top 10 never holds someone with under 1% of the matching
    work while someone left out did more."""
    rows, paths = [], []
    for p in range(11):
        for i in range(10 + p):
            rows.append(("commit", f"p{p}-{i}", f"p{p}", "Improve webhook", 10))
            paths.append((f"p{p}-{i}", "pkg/webhook/admit.go", 10))
    rows.append(("commit", "star", "star", "Improve webhook", 10))
    paths.append(("star", "pkg/webhook/admit.go", 10))
    index = build_search_index(_acts(rows), _changes(paths))
    found = search_work(index, "webhook", pd.Series({"star": 1.0}))
    top = found.head(10)
    assert found.loc["star", "share"] < 0.01 and "star" not in top.index
    left_out = found["share"].drop(top.index).max()
    assert not ((top["share"] < 0.01) & (top["share"] < left_out)).any()
    assert found["share"].is_monotonic_decreasing and found["share"].sum() == pytest.approx(1)


def test_an_empty_store_has_an_empty_index():
    index = build_search_index(_acts([]).reindex(columns=["repo", "kind", "item", "person",
                               "title", "url", "occurred_at", "size", "state"]),
                               _changes([]))  # fmt: skip
    assert index.empty and search_work(index, "python").empty
    assert suggest(index, "python") == "no work is indexed yet: mine some repositories first"
