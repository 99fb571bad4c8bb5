"""Graphs of people and the centrality measures on them (networkx).

Each measure is one function taking a graph and ``weight=`` and returning
``{person_id: value}``, in the manner of networkx's own algorithms.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from talent.lazy import LazyModule
from talent.model import ActivityKind
from talent.ranking.features import looked_up, numbered_acts

if TYPE_CHECKING:
    import networkx as nx
else:
    # A command that reads a cached ranking draws no graph and need not load networkx.
    nx = LazyModule("networkx")

# How much one act of each kind says that the actor's judgement was relied upon by
# the counterpart. Merging someone's work is the strongest trust signal; a comment the
# weakest.
INTERACTION_WEIGHTS: dict[str, float] = {
    ActivityKind.PR_MERGED_BY: 3.0,
    ActivityKind.MERGE_COMMIT: 3.0,
    ActivityKind.COMMITTED_FOR_OTHER: 2.0,
    ActivityKind.REVIEW: 2.0,
    ActivityKind.REVIEWED_BY: 2.0,
    ActivityKind.CO_AUTHORED: 2.0,
    ActivityKind.ACKED_BY: 1.0,
    ActivityKind.SIGNED_OFF_BY: 1.0,
    ActivityKind.ISSUE_CLOSED_BY: 1.0,
    ActivityKind.REVIEW_COMMENT: 0.5,
    ActivityKind.ISSUE_COMMENT: 0.5,
}

# Co-editing a file is a weak tie, and the weaker the older it is; files that very many
# people touch (changelogs, version files) say nothing about who works with whom.
COEDIT_WEIGHT = 0.2
COEDIT_HALF_LIFE_DAYS = 730.0
COEDIT_MAX_EDITORS = 50


def build_interaction_graph(
    acts: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    exclude: frozenset[str] | set[str] = frozenset(),
    coedits: pd.DataFrame | None = None,
    coedit_weight: float = COEDIT_WEIGHT,
) -> nx.DiGraph:
    """Directed person-to-person graph from acts on someone else's work.

    An edge ``u -> v`` with weight ``w`` says that ``v`` acted on ``u``'s work
    (reviewed, merged, commented on, co-authored) with total weight ``w``. Edges point
    from the helped to the helper so that PageRank flows to the people whose
    judgement a project relies on.

    Parameters
    ----------
    acts : DataFrame
        Columns ``person`` (actor), ``other`` (counterpart) and ``kind``.
    weights : mapping, optional
        Weight per activity kind (default ``INTERACTION_WEIGHTS``).
    exclude : set
        People left out of the graph (bots).
    coedits : DataFrame, optional
        Co-editing ties from :func:`build_coedit_edges`, added in both directions with
        their weight times ``coedit_weight``.

    Returns
    -------
    networkx.DiGraph
        Every acting person is a node; self-interactions are dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"person": ["m", "m", "a"], "other": ["a", "b", None],
    ...                      "kind": ["review", "pr_merged_by", "commit"]})
    >>> G = build_interaction_graph(acts)
    >>> sorted(G.edges(data="weight"))
    [('a', 'm', 2.0), ('b', 'm', 3.0)]
    """
    nodes, edges = interaction_edges(acts, weights, exclude, coedits, coedit_weight)
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_weighted_edges_from((u, v, w) for (u, v), w in edges.items())
    return graph


def interaction_edges(
    acts: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    exclude: frozenset[str] | set[str] = frozenset(),
    coedits: pd.DataFrame | None = None,
    coedit_weight: float = COEDIT_WEIGHT,
    *,
    numbered: tuple[dict[str, pd.Index], pd.DataFrame] | None = None,
) -> tuple[list[str], pd.Series]:
    """The nodes and weighted edges of :func:`build_interaction_graph`, in the graph's
    order (the acting people, then anyone first met on an edge), without the graph: what
    :func:`pagerank_edges` needs, at a fraction of a graph's memory. The edges are a
    Series of weights indexed by (source, target): for millions of acts, a dict of
    Python pairs would take gigabytes."""
    table = {str(k): v for k, v in (weights or INTERACTION_WEIGHTS).items()}
    # People as numbers in the sorted order of their ids (a number compares, hashes and
    # groups many times faster than a text); the texts come back at the end.
    names, frame = numbered if numbered is not None else numbered_acts(acts)
    ids = names["person"]
    left_out = ids.get_indexer(pd.Index(list(exclude), dtype=object)) if exclude else []
    left_out = np.asarray([c for c in left_out if c >= 0], dtype=np.int64)
    person, other = frame["person"].to_numpy(), frame["other"].to_numpy()
    someone = ~np.isnan(person) if person.dtype.kind == "f" else np.ones(len(person), bool)
    acting = pd.unique(person[someone]).astype(np.int64)
    acting = acting[~np.isin(acting, left_out)]
    # Who acted towards someone else, by a kind that weighs something.
    w = looked_up(frame["kind"], table).fillna(0.0).to_numpy()
    pair = someone & (~np.isnan(other) if other.dtype.kind == "f" else True) & (other != person)
    pair &= (w > 0) & ~np.isin(person, left_out) & ~np.isin(other, left_out)
    sources, targets = other[pair].astype(np.int64), person[pair].astype(np.int64)
    # Each (source, target) as one number, in the order of the two: a grouping of it sums
    # as grouping both columns does (same groups, same order, same rows in each).
    width = max(len(ids), 1)
    sums = pd.Series(w[pair]).groupby(sources * width + targets).sum()
    edges = _pairs_index(sums, width, ids)
    if coedits is not None and not coedits.empty:
        edges = _with_coedits(edges, coedits, coedit_weight, exclude)
        ends = [edges.index.get_level_values(level) for level in (0, 1)]
        # Someone who only co-edited (no act of theirs here) is numbered after everyone.
        unseen = [end[ids.get_indexer(end) < 0] for end in ends]
        ids = ids.append(pd.Index(pd.unique(np.concatenate(unseen))))
        sources, targets = (ids.get_indexer(end) for end in ends)
    else:
        sources, targets = sums.index.to_numpy() // width, sums.index.to_numpy() % width
    # Each edge's two ends in turn, as a list of pairs would give them; only the edges
    # with someone not acting themselves can add a node after the people.
    new = ~(np.isin(sources, acting) & np.isin(targets, acting))
    ends_in_turn = np.stack([sources[new], targets[new]], axis=1).ravel()
    nodes = pd.unique(np.concatenate([acting, ends_in_turn]))
    return ids.take(nodes).tolist(), edges


def _pairs_index(sums: pd.Series, width: int, ids: pd.Index) -> pd.Series:
    """``sums`` (indexed by source * width + target, sorted) indexed by the two ids
    instead, as a grouping of both would index them (each level the ids seen there)."""
    key = sums.index.to_numpy()
    used_sources, source_codes = np.unique(key // width, return_inverse=True)
    used_targets, target_codes = np.unique(key % width, return_inverse=True)
    index = pd.MultiIndex(
        levels=[ids.take(used_sources), ids.take(used_targets)],
        codes=[source_codes, target_codes],
        names=["other", "person"],
    )
    return pd.Series(sums.to_numpy(), index=index, name="w")


def _with_coedits(
    edges: pd.Series, coedits: pd.DataFrame, coedit_weight: float, exclude: Collection[str]
) -> pd.Series:
    """``edges`` with each co-editing tie added to both directions: the interaction edges
    keep their place, new edges come after them in the ties' order (as adding them one by
    one would), and every sum is made in the same order as one by one."""
    ties = [
        (u, v, coedit_weight * float(w))
        for u, v, w in zip(
            coedits["u"].tolist(), coedits["v"].tolist(), coedits["weight"].tolist(), strict=True
        )
        if u not in exclude and v not in exclude
    ]
    directed = [pair for u, v, _ in ties for pair in ((u, v), (v, u))]
    found = edges.index.get_indexer(directed) if len(edges) else np.full(len(directed), -1)
    values = edges.to_numpy(dtype=float, copy=True)
    extra: dict[tuple[str, str], float] = {}
    for k, (a, b) in enumerate(directed):
        w = ties[k // 2][2]
        if found[k] >= 0:
            values[found[k]] = float(values[found[k]]) + w
        else:
            extra[a, b] = extra.get((a, b), 0.0) + w
    added = pd.MultiIndex.from_tuples(list(extra), names=["other", "person"])
    index = edges.index.append(added) if len(edges) else added
    return pd.Series(np.concatenate([values, list(extra.values())]), index=index, name="w")


def pagerank_edges(
    nodes: list[str],
    edges: Mapping[tuple[str, str], float] | pd.Series,
    alpha: float = 0.85,
    max_iter: int = 100,
    tol: float = 1.0e-6,
) -> dict[str, float]:
    """PageRank straight from a node list and weighted edges: the power iteration of
    networkx's ``pagerank`` (its SciPy form, which ``nx.pagerank`` runs), step for step
    on the same sparse matrix, with no graph object built (a million people's graph
    takes gigabytes in networkx). Equal to :func:`pagerank` of the same graph.

    >>> pr = pagerank_edges(["a", "b", "m"], {("a", "m"): 1.0, ("b", "m"): 1.0})
    >>> max(pr, key=pr.get), round(sum(pr.values()), 6)
    ('m', 1.0)
    """
    import scipy as sp

    n = len(nodes)
    if n == 0:
        return {}
    index = pd.Index(nodes)
    if isinstance(edges, pd.Series):  # weights indexed by (source, target)
        sources = index.get_indexer(edges.index.get_level_values(0))
        targets = index.get_indexer(edges.index.get_level_values(1))
        values = edges.to_numpy(dtype=float)
    else:
        sources = index.get_indexer([u for u, _ in edges])
        targets = index.get_indexer([v for _, v in edges])
        values = np.fromiter(edges.values(), dtype=float, count=len(edges))
    matrix = sp.sparse.coo_array((values, (sources, targets)), shape=(n, n)).tocsr()
    out_weight = matrix.sum(axis=1)
    out_weight[out_weight != 0] = 1.0 / out_weight[out_weight != 0]
    matrix = sp.sparse.dia_array((out_weight.T, 0), shape=matrix.shape).tocsr() @ matrix
    x = np.repeat(1.0 / n, n)
    p = np.repeat(1.0 / n, n)
    dangling = np.where(out_weight == 0)[0]
    for _ in range(max_iter):
        last = x
        x = alpha * (x @ matrix + sum(x[dangling]) * p) + (1 - alpha) * p
        if np.absolute(x - last).sum() < n * tol:
            return dict(zip(nodes, map(float, x), strict=True))
    raise nx.PowerIterationFailedConvergence(max_iter)


def build_coedit_edges(
    changes: pd.DataFrame,
    half_life_days: float = COEDIT_HALF_LIFE_DAYS,
    max_editors: int = COEDIT_MAX_EDITORS,
) -> pd.DataFrame:
    """Undirected co-editing ties: people who changed the same file.

    Each shared file adds ``0.5 ** (age / half_life_days)`` to the pair's weight, its
    age counted from the later of the two people's last change to the file to the
    latest change in ``changes``. Files with more than ``max_editors`` editors are
    skipped.

    Parameters
    ----------
    changes : DataFrame
        ``path``, ``person``, ``occurred_at`` (see :func:`talent.ranking.features.commit_changes`).

    Returns
    -------
    DataFrame
        ``u``, ``v`` (``u < v``) and ``weight``.

    Examples
    --------
    >>> import pandas as pd
    >>> changes = pd.DataFrame({"path": ["f", "f", "g"], "person": ["a", "b", "a"],
    ...     "occurred_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"])})
    >>> build_coedit_edges(changes).to_dict("records")
    [{'u': 'a', 'v': 'b', 'weight': 1.0}]
    """
    empty = pd.DataFrame(columns=["u", "v", "weight"])
    if changes.empty:
        return empty
    as_of = changes["occurred_at"].max()
    last = changes.groupby(["path", "person"])["occurred_at"].max().reset_index()
    editors = last.groupby("path")["person"].transform("size")
    last = last[(editors > 1) & (editors <= max_editors)]
    pairs = last.merge(last, on="path", suffixes=("_u", "_v"))
    pairs = pairs[pairs["person_u"] < pairs["person_v"]]
    if pairs.empty:
        return empty
    latest = pairs[["occurred_at_u", "occurred_at_v"]].max(axis=1)
    age_days = (as_of - latest).dt.total_seconds() / 86400
    pairs = pairs.assign(weight=np.power(0.5, age_days / half_life_days))
    summed = pairs.groupby(["person_u", "person_v"])["weight"].sum().reset_index()
    return summed.rename(columns={"person_u": "u", "person_v": "v"})


def pagerank(G: nx.DiGraph, weight: str = "weight", alpha: float = 0.85) -> dict[str, float]:
    """PageRank of every person in an interaction graph.

    Parameters
    ----------
    G : networkx.DiGraph
        From :func:`build_interaction_graph`.
    weight : str
        Edge attribute holding the weight.
    alpha : float
        Damping factor.

    Returns
    -------
    dict
        ``{person_id: value}``; values sum to 1 (empty dict for an empty graph).

    Examples
    --------
    Two people whose work one maintainer reviews: the maintainer ranks first.

    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "m"), ("b", "m")])
    >>> pr = pagerank(G)
    >>> max(pr, key=pr.get), round(sum(pr.values()), 6)
    ('m', 1.0)

    References
    ----------
    .. [1] L. Page, S. Brin, R. Motwani and T. Winograd, "The PageRank citation ranking:
       bringing order to the web", Stanford InfoLab, 1999.
    """
    if G.number_of_nodes() == 0:
        return {}
    return nx.pagerank(G, alpha=alpha, weight=weight)


def hits(G: nx.DiGraph, weight: str = "weight") -> tuple[dict[str, float], dict[str, float]]:
    """HITS hub and authority scores of every person.

    In an interaction graph (edges from the helped to the helper) a good *authority* is
    relied upon by many good hubs, and a good *hub* relies on good authorities.

    Parameters
    ----------
    G : networkx.DiGraph
    weight : str
        Edge attribute holding the weight.

    Returns
    -------
    (dict, dict)
        ``({person_id: hub}, {person_id: authority})``, each summing to 1.

    Examples
    --------
    Two contributors rely on one maintainer: she is the authority, they are the hubs.

    >>> import networkx as nx
    >>> hubs, authorities = hits(nx.DiGraph([("a", "m"), ("b", "m")]))
    >>> round(authorities["m"], 3), round(hubs["a"], 3), round(hubs["m"], 3)
    (1.0, 0.5, 0.0)

    References
    ----------
    .. [1] J. M. Kleinberg, "Authoritative sources in a hyperlinked environment",
       Journal of the ACM 46(5), 1999.
    """
    if G.number_of_edges() == 0:
        zero = {n: 0.0 for n in G}
        return zero, dict(zero)
    hubs, authorities = nx.hits(G, max_iter=1000, normalized=True)
    del weight  # networkx's hits reads the "weight" attribute itself
    # Round-off can leave -0.0 or tiny negatives where the true value is 0.
    return (
        {n: max(0.0, float(v)) for n, v in hubs.items()},
        {n: max(0.0, float(v)) for n, v in authorities.items()},
    )


def eigenvector(G: nx.DiGraph, weight: str = "weight") -> dict[str, float]:
    """Eigenvector centrality on the undirected interaction graph: standing among the
    people who themselves stand high (Joblin et al. found it close to how developers see
    their core).

    Examples
    --------
    A triangle is symmetric: everyone scores the same.

    >>> import networkx as nx
    >>> values = eigenvector(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")]))
    >>> sorted(round(v, 4) for v in values.values())
    [0.5774, 0.5774, 0.5774]

    References
    ----------
    .. [1] P. Bonacich, "Power and centrality: a family of measures", American Journal of
       Sociology 92(5), 1987.
    .. [2] M. Joblin, S. Apel, C. Hunsen and W. Mauerer, "Classifying developers into core
       and peripheral", ICSE 2017.
    """
    undirected = G.to_undirected()
    if undirected.number_of_edges() == 0:
        return {n: 0.0 for n in G}
    return nx.eigenvector_centrality_numpy(undirected, weight=weight)


def betweenness(G: nx.DiGraph, k: int | None = 500, seed: int = 0) -> dict[str, float]:
    """Betweenness on the undirected interaction graph: people on the shortest paths
    between others, such as those who bridge repositories. Sampled from ``k`` sources
    when the graph has more nodes than that (``seed`` fixes the sample).

    Examples
    --------
    On a path a - b - c only b lies between others.

    >>> import networkx as nx
    >>> betweenness(nx.DiGraph([("a", "b"), ("b", "c")]))
    {'a': 0.0, 'b': 1.0, 'c': 0.0}

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", Journal of
       Mathematical Sociology 25(2), 2001.
    """
    undirected = G.to_undirected()
    sample = k if k is not None and undirected.number_of_nodes() > k else None
    return nx.betweenness_centrality(undirected, k=sample, seed=seed, normalized=True)


# Community OpenRank's published parameters (OpenDigger, docs/metrics/project_openrank.md).
OPENRANK_INIT = {"person": 1.0, "repo": 1.0, "issue": 2.0, "pr": 3.0, "merged_pr": 5.0}
OPENRANK_RETENTION = {"person": 0.15, "repo": 0.15, "issue": 0.8, "pr": 0.8, "merged_pr": 0.8}
OPENRANK_ACTION = {  # how much an act on an issue or pull request weighs
    ActivityKind.ISSUE_OPENED: 2.0, ActivityKind.PR_OPENED: 2.0,
    ActivityKind.ISSUE_COMMENT: 1.0, ActivityKind.REVIEW_COMMENT: 1.0,
    ActivityKind.REVIEW: 1.0, ActivityKind.ISSUE_CLOSED_BY: 2.0,
    ActivityKind.PR_MERGED_BY: 2.0, ActivityKind.COMMIT: 2.0, ActivityKind.CO_AUTHORED: 1.0,
}  # fmt: skip
OPENRANK_TO_REPO = 0.1  # an item's value that flows to its repository
OPENRANK_AUTHOR_SHARE = 0.5  # of what flows to people, the author's before the split


def build_contribution_graph(acts: pd.DataFrame) -> nx.DiGraph:
    """The heterogeneous person / issue / pull request / repository graph of OpenRank.

    Nodes are ``("person", id)``, ``("issue"|"pr"|"merged_pr", "owner/repo#n")`` and
    ``("repo", name)``, each with ``kind``, ``init`` and ``retention`` attributes; edges
    carry ``weight`` (the share of the source's value that flows along them; a node's
    out-weights sum to 1). People reach issues and pull requests through their acts
    (opening, commenting, reviewing, closing or merging; a commit that names a pull
    request counts as opening it); items belong to repositories.

    Parameters
    ----------
    acts : DataFrame
        ``person``, ``kind``, ``repo``, ``item`` and ``pr_number`` (optional).

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"person": ["d"], "kind": ["issue_opened"], "repo": ["r"],
    ...                      "item": ["r#1"]})
    >>> G = build_contribution_graph(acts)
    >>> for u, v, w in sorted(G.edges(data="weight")):
    ...     print(u[0], "->", v[0], round(w, 2))
    issue -> person 0.9
    issue -> repo 0.1
    person -> issue 1.0
    repo -> issue 1.0
    """
    table = {str(k): v for k, v in OPENRANK_ACTION.items()}
    frame = acts.assign(w=looked_up(acts["kind"], table)).dropna(subset=["w"])
    items = frame["item"].where(frame["item"].astype(str).str.contains("#", regex=False))
    if "pr_number" in frame:
        from_commit = frame["repo"] + "#" + frame["pr_number"].astype("Int64").astype(str)
        items = items.fillna(from_commit.where(frame["pr_number"].notna()))
    frame = frame.assign(item=items).dropna(subset=["item"])
    graph: nx.DiGraph[tuple[str, str]] = nx.DiGraph()
    if frame.empty:
        return graph
    kinds = frame.groupby("item")["kind"].agg(set)
    authors = (
        frame[frame["kind"].isin(["issue_opened", "pr_opened", "commit"])]
        .groupby("item")["person"]
        .first()
    )
    repos = frame.groupby("item")["repo"].first()
    for item, item_kinds in kinds.items():
        pr = bool(
            item_kinds
            & {"pr_opened", "pr_merged_by", "review", "review_comment", "commit", "co_authored"}
        )
        merged = bool(item_kinds & {"pr_merged_by", "commit"})
        kind = "merged_pr" if merged else "pr" if pr else "issue"
        graph.add_node(
            (kind, item), kind=kind, init=OPENRANK_INIT[kind], retention=OPENRANK_RETENTION[kind]
        )
    node_of = {item: (graph.nodes[n]["kind"], item) for n in list(graph) for item in [n[1]]}
    for repo in sorted(set(repos)):
        graph.add_node(
            ("repo", repo),
            kind="repo",
            init=OPENRANK_INIT["repo"],
            retention=OPENRANK_RETENTION["repo"],
        )
    for person in sorted(set(frame["person"])):
        graph.add_node(
            ("person", person),
            kind="person",
            init=OPENRANK_INIT["person"],
            retention=OPENRANK_RETENTION["person"],
        )
    acted = frame.groupby(["item", "person"])["w"].sum()
    # Person -> items, in proportion to what they did on each.
    for person, part in acted.groupby(level=1):
        total = float(part.sum())
        for (item, _), w in part.items():
            graph.add_edge(("person", person), node_of[item], weight=float(w) / total)
    # Item -> repository (0.1) and people (0.9: half to the author, half by acts).
    for item, part in acted.groupby(level=0):
        node = node_of[item]
        graph.add_edge(node, ("repo", repos[item]), weight=OPENRANK_TO_REPO)
        total = float(part.sum())
        author = authors.get(item)
        for (_, person), w in part.items():
            share = float(w) / total
            if author is not None:
                share = OPENRANK_AUTHOR_SHARE * share + (
                    OPENRANK_AUTHOR_SHARE if person == author else 0.0
                )
            graph.add_edge(node, ("person", person), weight=(1 - OPENRANK_TO_REPO) * share)
    # Repository -> its items, evenly.
    for repo, group in repos.groupby(repos):
        for item in group.index:
            graph.add_edge(("repo", repo), node_of[item], weight=1.0 / len(group))
    return graph


def openrank(
    G: nx.DiGraph, weight: str = "weight", tol: float = 1e-6, max_iter: int = 200
) -> dict[str, float]:
    """OpenRank-style value flow over a contribution graph: each person's value.

    Every node keeps ``retention`` of its prior value and takes ``1 - retention`` from
    its in-neighbours, ``OR(v) = r_v * init_v + (1 - r_v) * sum_u OR(u) * w(u, v)``,
    iterated to a fixed point.

    Differs from OpenDigger's Community OpenRank in two ways, both because talent ranks
    one time window at a time: the prior is the published initial value (not last
    month's OpenRank), and there is no monthly decay of inactive nodes; it also iterates
    to ``tol`` 1e-6 rather than 1e-3, so ranks do not depend on the iteration order.
    Reactions, which raise an item's initial value on GitHub, are not mined.

    Parameters
    ----------
    G : networkx.DiGraph
        From :func:`build_contribution_graph`.

    Returns
    -------
    dict
        ``{person_id: value}``.

    Examples
    --------
    One person opens one issue: by hand, issue = 1.6 + 0.2 (person + repo),
    person = 0.15 + 0.85 * 0.9 issue and repo = 0.15 + 0.85 * 0.1 issue, so the issue
    holds 2.0, the person 1.68 and the repository 0.32.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"person": ["d"], "kind": ["issue_opened"], "repo": ["r"],
    ...                      "item": ["r#1"]})
    >>> {k: round(v, 4) for k, v in openrank(build_contribution_graph(acts)).items()}
    {'d': 1.68}

    References
    ----------
    .. [1] X-lab2017/open-digger, docs/metrics/project_openrank.md (Community OpenRank
       parameters); openrank-neo4j-gds, OpenRankPregel.java (the update rule).
    """
    if G.number_of_nodes() == 0:
        return {}
    nodes = list(G)
    index = {n: i for i, n in enumerate(nodes)}
    init = np.array([G.nodes[n]["init"] for n in nodes], dtype=float)
    keep = np.array([G.nodes[n]["retention"] for n in nodes], dtype=float)
    sources = np.array([index[u] for u, _ in G.edges()], dtype=int)
    targets = np.array([index[v] for _, v in G.edges()], dtype=int)
    weights = np.array([d.get(weight) for _, _, d in G.edges(data=True)], dtype=float)
    value = init.copy()
    for _ in range(max_iter):
        inflow = np.bincount(targets, weights=value[sources] * weights, minlength=len(nodes))
        new = keep * init + (1 - keep) * inflow
        done = np.max(np.abs(new - value)) < tol
        value = new
        if done:
            break
    return {n[1]: float(value[index[n]]) for n in nodes if n[0] == "person"}
