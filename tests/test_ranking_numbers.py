"""The ranking's numbered roads give what the plain pandas formulas over texts give: people
numbered once for the features and the graph, first responders sorted by numbers, a
large text membership hashed by Arrow, the two activities from one grouping, and each
repository's first candidates picked without sorting everyone. Random small worlds with
ties, missing counterparts, self-replies, left-out people and co-editors only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talent.ranking.features import (
    RECENT_HALF_LIFE_DAYS,
    first_responders,
    is_in,
    numbered_acts,
    opendigger_activities,
    opendigger_activity,
)
from talent.ranking.graph import (
    COEDIT_WEIGHT,
    INTERACTION_WEIGHTS,
    _with_coedits,
    interaction_edges,
)
from talent.ranking.rising import next_maintainers

KINDS = ["commit", "review", "review_comment", "issue_comment", "pr_merged_by", "issue_opened"]


def _acts(rng: np.random.Generator, n: int, people: int = 12, nobody: bool = False) -> pd.DataFrame:
    """``nobody``: some acts of no person too."""
    ids = [f"p{k:02d}" for k in range(people)]
    other = rng.choice([*ids, None], n)
    return pd.DataFrame(
        {
            "person": pd.Series(rng.choice([*ids, *([None] if nobody else [])], n), dtype="str"),
            "other": pd.Series(other, dtype="str"),
            "repo": pd.Series(rng.choice(["o/b", "o/a", "z/c"], n), dtype="str"),
            "kind": pd.Series(rng.choice(KINDS, n), dtype="str"),
            "item": pd.Series([f"o/a#{k}" for k in rng.integers(0, 8, n)], dtype="str"),
            # Few distinct times: ties everywhere.
            "occurred_at": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 400, n) * 3, unit="D"),
        }
    )


@pytest.mark.parametrize("seed", range(25))
def test_first_responders_are_the_sorted_firsts(seed):
    rng = np.random.default_rng(seed)
    acts = _acts(rng, int(rng.integers(1, 120)))
    if seed % 3 == 0:  # times with a zone sort as the same instants
        acts["occurred_at"] = acts["occurred_at"].dt.tz_localize("Europe/Paris")
    responses = acts.rename(columns={"occurred_at": "replied"}).drop_duplicates(["item", "person"])
    responses = responses.assign(hours=1.0)
    expected = responses.sort_values(["item", "replied", "person"]).drop_duplicates("item")
    expected = expected[["item", "person", "replied"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(first_responders(responses), expected)


def test_is_in_is_pandas_isin_for_texts_missing_ones_and_numbers():
    values = pd.Series(["a", None, "c", "d"], dtype="str")
    for among in (["c", "x"], ["c", None], [], ["a", "b", "c", "d"]):
        index = pd.Index(among, dtype="str")
        assert is_in(values, index).tolist() == values.isin(index).tolist()
    assert is_in(pd.Series([1, 2, 3]), pd.Index([3, 1])).tolist() == [True, False, True]
    assert is_in(values, pd.Index(["c"], dtype=object)).tolist() == [False, False, True, False]


@pytest.mark.parametrize("seed", range(10))
def test_both_activities_from_one_grouping_are_each_alone(seed):
    acts = _acts(np.random.default_rng(seed), 200)
    as_of = acts["occurred_at"].max()
    month = acts["occurred_at"].dt.year * 12 + acts["occurred_at"].dt.month
    plain, recent = opendigger_activities(
        acts, as_of=as_of, half_life_days=RECENT_HALF_LIFE_DAYS, month=month
    )
    pd.testing.assert_series_equal(plain, opendigger_activity(acts))
    alone = opendigger_activity(acts, as_of=as_of, half_life_days=RECENT_HALF_LIFE_DAYS)
    pd.testing.assert_series_equal(recent, alone)
    assert opendigger_activities(acts)[1] is None


def _edges_by_texts(acts, weights, exclude, coedits=None):
    """The graph's edges and nodes as interaction_edges made them over the texts."""
    people = [p for p in acts["person"].dropna().unique().tolist() if p not in exclude]
    pairs = acts.loc[acts["other"].notna() & (acts["other"] != acts["person"])]
    pairs = pairs.assign(w=pairs["kind"].map(weights).fillna(0.0))
    pairs = pairs[(pairs["w"] > 0) & ~pairs["person"].isin(exclude) & ~pairs["other"].isin(exclude)]
    edges = pairs.groupby(["other", "person"])["w"].sum()
    if coedits is not None:  # the ties' own rule, unchanged: added as before
        edges = _with_coedits(edges.rename("w"), coedits, COEDIT_WEIGHT, exclude)
    nodes = list(people)
    for u, v in edges.index:
        for end in (u, v):
            if end not in nodes:
                nodes.append(end)
    return nodes, edges


@pytest.mark.parametrize("seed", range(20))
def test_numbered_interaction_edges_are_those_of_the_texts(seed):
    rng = np.random.default_rng(seed)
    acts = _acts(rng, int(rng.integers(1, 150)), nobody=seed % 4 == 0)
    # Someone only ever on the receiving end, never acting: a node after the people.
    acts.loc[acts.index[:3], "other"] = "zz-only-received"
    exclude = (
        frozenset(rng.choice(acts["person"].unique(), 2).tolist()) if seed % 2 else frozenset()
    )
    weights = {str(k): v for k, v in INTERACTION_WEIGHTS.items()}
    nodes, edges = interaction_edges(acts, exclude=exclude)
    want_nodes, want_edges = _edges_by_texts(acts, weights, exclude)
    assert nodes == want_nodes
    pd.testing.assert_series_equal(edges, want_edges.rename("w"), check_index_type=False)
    assert edges.index.equals(want_edges.index)
    given = interaction_edges(acts, exclude=exclude, numbered=numbered_acts(acts))
    assert given[0] == nodes
    pd.testing.assert_series_equal(given[1], edges)


@pytest.mark.parametrize("seed", range(10))
def test_co_editors_who_never_acted_are_nodes_after_everyone(seed):
    acts = _acts(np.random.default_rng(seed), 40)
    coedits = pd.DataFrame(
        {"u": ["p01", "only-edited", "a-too"], "v": ["p02", "p01", "only-edited"],
         "weight": [1.0, 2.0, 0.5]}
    )  # fmt: skip
    nodes, edges = interaction_edges(acts, coedits=coedits)
    weights = {str(k): v for k, v in INTERACTION_WEIGHTS.items()}
    want_nodes, want_edges = _edges_by_texts(acts, weights, frozenset(), coedits)
    assert nodes == want_nodes
    pd.testing.assert_series_equal(edges, want_edges, check_index_type=False)
    assert nodes[-2:] == ["only-edited", "a-too"]  # in the order their ties came
    assert edges[("only-edited", "p01")] == pytest.approx(2.0 * COEDIT_WEIGHT)


@pytest.mark.parametrize("top", [1, 3, 7, 40])
def test_each_repositorys_first_candidates_are_the_first_of_all_sorted(top):
    rng = np.random.default_rng(top)
    # Many people with the same few acts: the same probability, the id decides.
    acts = _acts(rng, 600, people=60)
    acts["occurred_at"] = pd.Timestamp("2024-06-01") - pd.to_timedelta(
        rng.integers(0, 3, len(acts)) * 30, unit="D"
    )
    everyone = next_maintainers(acts, pd.DataFrame())
    firsts = next_maintainers(acts, pd.DataFrame(), top=top)
    assert everyone["probability"].duplicated().any()  # ties were there to break
    expected = everyone.groupby("repo", sort=False).head(top).reset_index(drop=True)
    keep = ["repo", "person", "rank", "probability", "rising"]
    pd.testing.assert_frame_equal(firsts[keep], expected[keep])


@pytest.mark.parametrize("seed", range(12))
def test_next_maintainers_by_numbers_are_those_by_texts(seed):
    rng = np.random.default_rng(seed)
    acts = _acts(rng, int(rng.integers(1, 300)), people=int(rng.integers(1, 30)))
    # Someone only ever on the receiving end: numbered among the people, in no group.
    acts.loc[acts.index[:2], "other"] = "a-only-received"
    n = int(rng.integers(0, 40))
    changes = pd.DataFrame(
        {
            "path": pd.Series(
                [
                    f"{r}:{d}/f{k}.py"
                    for r, d, k in zip(
                        rng.choice(["o/a", "o/b", "x/y"], n),
                        rng.choice(["src", "docs", "tests"], n),
                        rng.integers(0, 5, n),
                        strict=True,
                    )
                ],
                dtype="str",
            ),
            "person": pd.Series(rng.choice(acts["person"].unique(), n), dtype="str"),
            "occurred_at": pd.Timestamp("2025-01-01")
            - pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
        }
    )
    named = set(rng.choice(acts["person"].unique(), 1 + seed % 3).tolist()) if seed % 2 else set()
    top = [None, 1, 3, 50][seed % 4]
    by_texts = next_maintainers(acts, changes, named, top=top)
    by_numbers = next_maintainers(acts, changes, named, top=top, numbered=numbered_acts(acts))
    assert len(by_texts) > 0 or seed % 2
    pd.testing.assert_frame_equal(by_numbers, by_texts)
