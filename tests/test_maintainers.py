"""Degree of authorship, truck factor and co-editing ties on hand-made histories."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from talent.graph import build_coedit_edges, build_interaction_graph
from talent.maintainers import build_authorship, file_ownership, truck_factor


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
