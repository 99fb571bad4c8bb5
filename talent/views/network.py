"""The collaboration network as people look at it: one person's ego network, and a
repository's (or everyone's) network with its core highlighted and the people who bridge
repositories marked. Graphs of thousands stay readable and fast: the top of the graph
by PageRank is shown and everyone else is one aggregated node.

Edges are acts on someone else's work (reviews, merges, comments, co-authorship), as in
:func:`talent.ranking.graph.build_interaction_graph`, undirected here and summed by weight.
"""

from __future__ import annotations

import pandas as pd

from talent.ranking.graph import INTERACTION_WEIGHTS, nx

OTHERS = "others"  # the aggregated node's id
EDGE_COLUMNS = ["source", "target", "weight", "repos", "kinds"]


def interaction_edges(acts: pd.DataFrame, bots: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Person-to-person ties from acts on another person's work, undirected: columns
    ``source``, ``target`` (sorted pair), ``weight`` (summed interaction weights),
    ``repos`` (repositories where they met) and ``kinds`` (what they did)."""
    found = acts[acts["other"].notna() & (acts["person"] != acts["other"])]
    found = found[~found["person"].isin(bots) & ~found["other"].isin(bots)]
    found = found[found["kind"].isin(list(INTERACTION_WEIGHTS))]
    if found.empty:
        return pd.DataFrame(columns=EDGE_COLUMNS)
    pair = pd.DataFrame(
        {
            "source": found[["person", "other"]].min(axis=1),
            "target": found[["person", "other"]].max(axis=1),
            "weight": found["kind"].map(INTERACTION_WEIGHTS).astype(float),
            "repo": found["repo"],
            "kind": found["kind"].astype(str),
        }
    )
    grouped = pair.groupby(["source", "target"], sort=True)
    return pd.DataFrame(
        {
            "weight": grouped["weight"].sum(),
            "repos": grouped["repo"].agg(lambda r: tuple(sorted(set(r)))),
            "kinds": grouped["kind"].agg(lambda k: tuple(sorted(set(k)))),
        }
    ).reset_index()[EDGE_COLUMNS]


def ego_network(edges: pd.DataFrame, person: str, limit: int = 25) -> pd.DataFrame:
    """The people ``person`` works with, strongest ties first (at most ``limit``):
    columns ``other``, ``weight``, ``repos``, ``kinds``."""
    mine = edges[(edges["source"] == person) | (edges["target"] == person)]
    other = mine["target"].where(mine["source"] == person, mine["source"])
    out = mine.assign(other=other)[["other", "weight", "repos", "kinds"]]
    return (
        out.sort_values(["weight", "other"], ascending=[False, True])
        .head(limit)
        .reset_index(drop=True)
    )


def segments(nodes: pd.DataFrame, edges: pd.DataFrame) -> pd.DataFrame:
    """``edges`` as lines to draw between the nodes' positions: ``x``, ``y`` (the
    source's), ``x2``, ``y2`` (the target's), ``weight``, and ``kinds`` and ``repos`` as
    text to read."""
    where = nodes.set_index("id")[["x", "y"]]
    return edges.assign(
        x=edges["source"].map(where["x"]),
        y=edges["source"].map(where["y"]),
        x2=edges["target"].map(where["x"]),
        y2=edges["target"].map(where["y"]),
        kinds=edges["kinds"].map(lambda k: ", ".join(k).replace("_", " ")),
        repos=edges["repos"].map(", ".join),
    )


def ego_picture(
    edges: pd.DataFrame, person: str, limit: int = 15
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges to draw ``person``'s ego network: them at the centre, their
    ``limit`` strongest ties on a ring around them in order of weight (a stronger tie
    sits closer), and the ties among those people too. Node columns: ``id``,
    ``weight`` (of the tie to ``person``; theirs is the sum), ``centre``, ``x``, ``y``;
    edges as :func:`interaction_edges`.

    >>> e = pd.DataFrame({"source": ["a", "a", "b"], "target": ["b", "c", "c"],
    ...     "weight": [4.0, 1.0, 2.0], "repos": [("r",)] * 3, "kinds": [("review",)] * 3})
    >>> nodes, ties = ego_picture(e, "a")
    >>> nodes[["id", "weight", "centre"]].values.tolist()
    [['a', 5.0, True], ['b', 4.0, False], ['c', 1.0, False]]
    >>> import math
    >>> far = {n.id: round(math.hypot(n.x, n.y), 2) for n in nodes.itertuples()}
    >>> far, len(ties)
    ({'a': 0.0, 'b': 0.55, 'c': 0.89}, 3)
    """
    import math

    ego = ego_network(edges, person, limit)
    if ego.empty:
        return pd.DataFrame(columns=["id", "weight", "centre", "x", "y"]), edges.iloc[:0]
    strongest = float(ego["weight"].max())
    rows = [{"id": person, "weight": float(ego["weight"].sum()), "centre": True, "x": 0.0,
             "y": 0.0}]  # fmt: skip
    for i, (other, weight) in enumerate(zip(ego["other"], ego["weight"], strict=True)):
        angle = math.pi / 2 - 2 * math.pi * i / len(ego)
        radius = 1.0 - 0.45 * float(weight) / strongest
        rows.append({"id": other, "weight": float(weight), "centre": False,
                     "x": radius * math.cos(angle), "y": radius * math.sin(angle)})  # fmt: skip
    shown = {person, *ego["other"]}
    ties = edges[edges["source"].isin(shown) & edges["target"].isin(shown)]
    return pd.DataFrame(rows), ties.reset_index(drop=True)


def repository_network(
    edges: pd.DataFrame,
    acts: pd.DataFrame,
    pagerank: pd.Series,
    repo: str | None = None,
    top: int = 60,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes and edges to draw for ``repo`` (every repository when None).

    The ``top`` people of the repository by PageRank are nodes of their own; the rest
    are one node, ``others``, whose ties are summed. Node columns: ``id``, ``pagerank``,
    ``acts`` (in the repository), ``repos`` (how many repositories they act in),
    ``core`` (in the graph's innermost k-core among the shown), ``bridge`` (ties in
    two or more repositories), ``people`` (1, or how many ``others`` stands for) and
    ``x``, ``y`` (a seeded spring layout).
    """
    scope = acts if repo is None else acts[acts["repo"] == repo]
    counts = scope.groupby("person").size()
    if counts.empty:
        return pd.DataFrame(), pd.DataFrame(columns=EDGE_COLUMNS)
    rank = pagerank.reindex(counts.index).fillna(0.0).sort_values(ascending=False, kind="stable")
    shown = set(rank.index[:top])
    if repo is not None:
        edges = edges[edges["repos"].map(lambda r: repo in r)]
    edges = edges[edges["source"].isin(counts.index) & edges["target"].isin(counts.index)]
    mapped = edges.assign(
        source=edges["source"].where(edges["source"].isin(shown), OTHERS),
        target=edges["target"].where(edges["target"].isin(shown), OTHERS),
    )
    mapped = mapped[mapped["source"] != mapped["target"]]
    swap = mapped["source"] > mapped["target"]
    mapped.loc[swap, ["source", "target"]] = mapped.loc[swap, ["target", "source"]].values
    drawn = mapped.groupby(["source", "target"], as_index=False).agg(
        weight=("weight", "sum"),
        repos=("repos", lambda rs: tuple(sorted({r for t in rs for r in t}))),
        kinds=("kinds", lambda ks: tuple(sorted({k for t in ks for k in t}))),
    )
    graph: nx.Graph[str] = nx.Graph()
    graph.add_nodes_from(sorted(shown))
    hidden = len(counts) - len(shown)
    if hidden:
        graph.add_node(OTHERS)
    graph.add_weighted_edges_from(drawn[["source", "target", "weight"]].itertuples(index=False))
    inner: nx.Graph[str] = nx.Graph(graph.subgraph(shown))
    inner.remove_edges_from(nx.selfloop_edges(inner))
    cores = nx.core_number(inner) if inner.number_of_edges() else {}
    innermost = max(cores.values(), default=0)
    repos_of = acts.groupby("person")["repo"].nunique()
    tie_repos: dict[str, set[str]] = {}
    for row in edges.itertuples(index=False):
        for who in (row.source, row.target):
            tie_repos.setdefault(who, set()).update(row.repos)
    position = _layout(graph)
    nodes = pd.DataFrame(
        [
            {
                "id": node,
                "pagerank": float(rank.get(node, 0.0)) if node != OTHERS else 0.0,
                "acts": int(counts.get(node, 0))
                if node != OTHERS
                else int(counts.drop(list(shown)).sum()),
                "repos": int(repos_of.get(node, 0)) if node != OTHERS else 0,
                "core": bool(innermost and cores.get(node, 0) == innermost),
                "bridge": node != OTHERS and len(tie_repos.get(node, ())) >= 2,
                "people": hidden if node == OTHERS else 1,
                "x": float(position[node][0]),
                "y": float(position[node][1]),
            }
            for node in graph.nodes
        ]
    )
    return nodes, drawn


def _layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """A seeded spring layout of the people with ties; people without any are set on a
    ring around it (a spring layout would fling them to the corners and shrink the
    rest to a dot)."""
    import math

    tied = [n for n in graph.nodes if graph.degree(n) > 0]
    alone = sorted(n for n in graph.nodes if graph.degree(n) == 0)
    spring = nx.spring_layout(graph.subgraph(tied), weight="weight", seed=7) if tied else {}
    position = {node: (float(x), float(y)) for node, (x, y) in spring.items()}
    for i, node in enumerate(alone):
        angle = 2 * math.pi * i / len(alone)
        position[node] = (1.25 * math.cos(angle), 1.25 * math.sin(angle))
    return position
