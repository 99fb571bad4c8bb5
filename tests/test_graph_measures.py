"""Each centrality measure on small graphs whose values are worked out by hand."""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest

from talent.ranking.graph import (
    betweenness,
    build_contribution_graph,
    build_interaction_graph,
    eigenvector,
    hits,
    interaction_edges,
    openrank,
    pagerank,
    pagerank_edges,
)


def test_pagerank_on_a_five_cycle_is_uniform():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "a")])
    assert pagerank(G) == pytest.approx({n: 0.2 for n in "abcde"})


def test_pagerank_from_edges_equals_networkx_on_a_random_weighted_graph():
    import random

    rng = random.Random(3)
    people = [f"p{i}" for i in range(60)]
    edges = {}
    for _ in range(200):
        u, v = rng.sample(people[:50], 2)  # p50..p59: no edges at all, dangling
        edges[u, v] = edges.get((u, v), 0.0) + rng.choice([1.0, 2.0, 3.0, 0.5])
    G = nx.DiGraph()
    G.add_nodes_from(people)
    G.add_weighted_edges_from((u, v, w) for (u, v), w in edges.items())
    expected = nx.pagerank(G, weight="weight")
    got = pagerank_edges(people, edges)
    assert list(got) == list(expected)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_interaction_edges_are_the_graph_and_rank_as_it_does():
    acts = pd.DataFrame(
        {
            "person": ["m", "m", "a", "r", "m", "bot"],
            "other": ["a", "b", None, "a", "r", "a"],
            "kind": ["review", "pr_merged_by", "commit", "review_comment", "review", "review"],
        }
    )
    coedits = pd.DataFrame({"u": ["a", "c"], "v": ["r", "m"], "weight": [0.5, 1.0]})
    graph = build_interaction_graph(acts, exclude={"bot"}, coedits=coedits)
    nodes, edges = interaction_edges(acts, exclude={"bot"}, coedits=coedits)
    assert nodes == list(graph.nodes)
    assert edges.to_dict() == {(u, v): w for u, v, w in graph.edges(data="weight")}
    # New co-editing edges come after the interaction edges, in the ties' order.
    assert list(edges.index)[-2:] == [("c", "m"), ("m", "c")]
    assert pagerank_edges(nodes, edges) == pytest.approx(pagerank(graph), rel=1e-12)
    assert pagerank_edges(nodes, edges) == pagerank_edges(nodes, edges.to_dict())
    assert pagerank_edges([], {}) == {}


def test_hits_four_contributors_rely_on_one_maintainer():
    hubs, authorities = hits(nx.DiGraph([(p, "m") for p in "abcd"]))
    assert authorities == pytest.approx({"m": 1.0, "a": 0, "b": 0, "c": 0, "d": 0})
    assert hubs == pytest.approx({"m": 0.0, "a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25})


def test_eigenvector_of_a_five_node_star():
    # K(1,4): eigenvalue 2, each leaf half the centre; unit length: c^2 + 4 (c/2)^2 = 1.
    values = eigenvector(nx.DiGraph([(leaf, "c") for leaf in "abde"]))
    centre = 1 / math.sqrt(2)
    assert abs(values["c"]) == pytest.approx(centre)
    for leaf in "abde":
        assert abs(values[leaf]) == pytest.approx(centre / 2)


def test_betweenness_on_a_five_node_path():
    # Pairs through b: (a,c) (a,d) (a,e) = 3; through c: (a,d) (a,e) (b,d) (b,e) = 4;
    # normalised by the (n-1)(n-2)/2 = 6 pairs of the others.
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
    assert betweenness(G) == pytest.approx({"a": 0, "b": 0.5, "c": 4 / 6, "d": 0.5, "e": 0})


def test_betweenness_is_sampled_and_repeatable_on_large_graphs():
    G = nx.gnm_random_graph(300, 900, seed=1, directed=True)
    first, second = betweenness(G, k=50, seed=3), betweenness(G, k=50, seed=3)
    assert first == second and len(first) == 300


def test_openrank_by_hand():
    # a opens an issue (weight 2) that b comments on (weight 1), in repository r.
    # issue -> r 0.1; issue -> a 0.9 (0.5 + 0.5 * 2/3) = 0.75; issue -> b 0.9 * 0.5/3 = 0.15.
    # a = .15 + .85 * .75 i, b = .15 + .85 * .15 i, r = .15 + .85 * .1 i,
    # i = .8 * 2 + .2 (a + b + r) = 1.69 + .17 i, so i = 1.69 / .83.
    acts = pd.DataFrame(
        {
            "person": ["a", "b"],
            "kind": ["issue_opened", "issue_comment"],
            "repo": ["r", "r"],
            "item": ["r#1", "r#1"],
        }
    )
    G = build_contribution_graph(acts)
    weights = {(u[1], v[1]): w for u, v, w in G.edges(data="weight")}
    assert weights[("r#1", "a")] == pytest.approx(0.75)
    assert weights[("r#1", "b")] == pytest.approx(0.15)
    issue = 1.69 / 0.83
    assert openrank(G) == pytest.approx(
        {"a": 0.15 + 0.85 * 0.75 * issue, "b": 0.15 + 0.85 * 0.15 * issue}, abs=1e-5
    )


def test_openrank_merged_pull_requests_carry_more_value():
    def value(kinds: list[str]) -> float:
        acts = pd.DataFrame(
            {
                "person": ["a"] * len(kinds),
                "kind": kinds,
                "repo": ["r"] * len(kinds),
                "item": ["r#1"] * len(kinds),
            }
        )
        return openrank(build_contribution_graph(acts))["a"]

    assert value(["issue_opened"]) < value(["pr_opened"]) < value(["pr_opened", "pr_merged_by"])


def test_openrank_reads_pull_request_numbers_from_commits():
    acts = pd.DataFrame(
        {"person": ["a"], "kind": ["commit"], "repo": ["r"], "item": ["abc123"], "pr_number": [7]}
    )
    G = build_contribution_graph(acts)
    assert ("merged_pr", "r#7") in G
    assert openrank(G)["a"] > 0
