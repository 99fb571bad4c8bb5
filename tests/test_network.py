"""The collaboration network: ties from acts on others' work, one person's ego network,
a repository's network with the top drawn and the rest aggregated; the pages."""

from __future__ import annotations

from pathlib import Path

from talent.config import Settings
from talent.people.identity import update_people
from talent.ranking.scoring import build_ranking_base
from talent.views.network import (
    OTHERS,
    ego_network,
    ego_picture,
    interaction_edges,
    repository_network,
)

ROOT = Path(__file__).resolve().parents[1]


def _hand(hand_store):
    update_people(hand_store, Settings())
    base = build_ranking_base(hand_store, Settings())
    ids = base.people.set_index("login")["person_id"].to_dict()
    return base, ids


def test_ties_sum_the_weights_of_acts_on_each_others_work(hand_store):
    base, ids = _hand(hand_store)
    edges = interaction_edges(base.acts)
    m, a, b = ids["maria"], ids["alex"], ids["bea"]
    ties = {frozenset((r.source, r.target)): r.weight for r in edges.itertuples(index=False)}
    # Maria reviewed Alex twice (2 + 2) with one inline comment (0.5); she reviewed (2)
    # and merged (3) Bea's pull request.
    assert ties == {frozenset((m, a)): 4.5, frozenset((m, b)): 5.0}
    ego = ego_network(edges, m)
    assert ego["other"].tolist() == [b, a] and ego["weight"].tolist() == [5.0, 4.5]
    assert ego_network(edges, a)["other"].tolist() == [m]
    assert set(ego.loc[0, "kinds"]) == {"pr_merged_by", "review"}


def test_the_ego_picture_puts_stronger_ties_nearer_the_person(hand_store):
    import math

    base, ids = _hand(hand_store)
    edges = interaction_edges(base.acts)
    m, a, b = ids["maria"], ids["alex"], ids["bea"]
    nodes, ties = ego_picture(edges, m)
    assert nodes[["id", "weight", "centre"]].values.tolist() == [
        [m, 9.5, True],
        [b, 5.0, False],
        [a, 4.5, False],
    ]
    far = {n.id: math.hypot(n.x, n.y) for n in nodes.itertuples()}
    # The strongest at 0.55 of the ring, the others further out by their share of it.
    assert far[m] == 0 and math.isclose(far[b], 0.55) and math.isclose(far[a], 1 - 0.45 * 0.9)
    assert {frozenset((t.source, t.target)) for t in ties.itertuples()} == {
        frozenset((m, a)),
        frozenset((m, b)),
    }
    nodes, ties = ego_picture(edges, a, limit=1)
    assert nodes["id"].tolist() == [a, m] and len(ties) == 1
    assert ego_picture(edges.iloc[:0], m)[0].empty


def test_the_top_is_drawn_and_the_rest_is_one_node(hand_store):
    base, ids = _hand(hand_store)
    edges = interaction_edges(base.acts)
    pagerank = base.features["pagerank"]
    nodes, drawn = repository_network(edges, base.acts, pagerank, "acme/r1", top=1)
    assert set(nodes["id"]) == {ids["maria"], OTHERS}
    others = nodes.set_index("id").loc[OTHERS]
    assert others["people"] == 2  # Alex and Bea, folded into one node
    # One undirected edge; which end is "source" follows the ids' order (keyed ids).
    pairs = [({s, t}, w) for s, t, w in drawn[["source", "target", "weight"]].values.tolist()]
    assert pairs == [({ids["maria"], OTHERS}, 9.5)]
    full, _ = repository_network(edges, base.acts, pagerank, None, top=10)
    assert set(full["id"]) == set(ids.values()) and OTHERS not in set(full["id"])
    # Maria is the hub: she has the most PageRank, and the core (2-core impossible in a
    # star: everyone is in the innermost 1-core).
    assert full.sort_values("pagerank").iloc[-1]["id"] == ids["maria"]
    assert full["core"].all()
    # Alex also opened an issue in acme/r2, but has ties only in acme/r1: no bridge.
    assert not full["bridge"].any()


def test_the_network_page_and_the_candidates_ties_render(monkeypatch, demo_store):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TALENT_DB", demo_store.url.render_as_string(False))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("talent/ui/pages/network.py")
    at.query_params["of"] = "acme-ai/acme-serve"
    at.run()
    assert not at.exception
    assert at.selectbox[-1].value == "acme-ai/acme-serve" or any(
        s.value == "acme-ai/acme-serve" for s in at.selectbox
    )
    base = build_ranking_base(demo_store, Settings())
    people = base.acts.loc[base.acts["repo"] == "acme-ai/acme-serve", "person"].nunique()
    metrics = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    assert metrics["People drawn"] == min(60, people) and metrics["Core"] >= 2
    assert metrics["People drawn"] + metrics["Aggregated"] == people
    table = at.dataframe[0].value
    assert len(table) == metrics["People drawn"] > 5
    assert table["link"].str.startswith("candidate?person=").all()
    at.switch_page("talent/ui/pages/candidate.py")
    at.query_params["person"] = table.iloc[0]["link"].split("=", 1)[1]
    at.run()
    assert not at.exception
    assert "Works with" in [s.value for s in at.subheader]
    assert not any("strongest ties" in c.value for c in at.caption)  # drawn on demand
    at.toggle(key="show_collaborators").set_value(True).run()
    assert not at.exception
    assert any(c.value.startswith("Their ") and "strongest ties" in c.value for c in at.caption)
