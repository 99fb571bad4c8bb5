"""Graphs of people and the centrality measures on them (networkx).

Each measure is one function taking a graph and ``weight=`` and returning
``{person_id: value}``, in the manner of networkx's own algorithms.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd

from talent.model import ActivityKind

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
    table = {str(k): v for k, v in (weights or INTERACTION_WEIGHTS).items()}
    graph = nx.DiGraph()
    people = acts["person"].dropna().unique()
    graph.add_nodes_from(p for p in people if p not in exclude)
    pairs = acts[acts["other"].notna() & (acts["other"] != acts["person"])]
    pairs = pairs.assign(w=pairs["kind"].map(table).fillna(0.0))
    pairs = pairs[(pairs["w"] > 0) & ~pairs["person"].isin(exclude) & ~pairs["other"].isin(exclude)]
    summed = pairs.groupby(["other", "person"])["w"].sum()
    graph.add_weighted_edges_from((u, v, float(w)) for (u, v), w in summed.items())
    if coedits is not None and not coedits.empty:
        for u, v, w in coedits[["u", "v", "weight"]].itertuples(index=False):
            if u in exclude or v in exclude:
                continue
            for a, b in ((u, v), (v, u)):
                old = graph.get_edge_data(a, b, default={"weight": 0.0})["weight"]
                graph.add_edge(a, b, weight=old + coedit_weight * float(w))
    return graph


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
        ``path``, ``person``, ``occurred_at`` (see :func:`talent.features.commit_changes`).

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
