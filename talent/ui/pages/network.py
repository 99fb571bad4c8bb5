"""Network: who works with whom in a repository (or everywhere), the core highlighted and
the people who bridge repositories marked. The top of the graph by PageRank is drawn
person by person; everyone else is one node, so thousands of people stay readable."""

import altair as alt
import pandas as pd
import streamlit as st

from talent.ui import app, data
from talent.ui.roles import require
from talent.ui.widgets import page_start
from talent.views.network import OTHERS, segments

EVERYWHERE = "All repositories"


def render() -> None:
    app.ensure_routed()
    require("page:network")
    started = page_start("Network")
    if started is None:
        return
    status, filters = started
    repos = data.repositories(status.url, status.version)
    wanted = st.query_params.get("of")  # not "repo": that is the sidebar's filter
    choices = [EVERYWHERE, *repos]
    left, right = st.columns([3, 1])
    repo = left.selectbox(
        "Repository", choices, index=choices.index(wanted) if wanted in choices else 0
    )
    top = right.slider("People drawn", 10, 150, 60, step=10)
    if repo == EVERYWHERE:
        st.query_params.pop("of", None)
    else:
        st.query_params["of"] = repo
    since = data.since_for(filters.window, status.last)
    nodes, edges = data.repository_network(
        status.url, status.version, filters.repos, since, not filters.hide_bots,
        None if repo == EVERYWHERE else repo, top,
    )  # fmt: skip
    if nodes.empty:
        st.info("Nobody acted on anyone else's work here in these filters.")
        return
    names = data.people_names(status.url, status.version)
    hidden = int(nodes.loc[nodes["id"] == OTHERS, "people"].sum())
    nodes = nodes.assign(
        name=[
            f"{hidden:,} others" if n == OTHERS else (names.get(n, ("", ""))[0] or n)
            for n in nodes["id"]
        ],
        role=[
            "others (aggregated)" if n == OTHERS else "core" if c else "bridge" if b else "member"
            for n, c, b in zip(nodes["id"], nodes["core"], nodes["bridge"], strict=True)
        ],
    )
    cols = st.columns(4)
    cols[0].metric("People drawn", f"{int((nodes['id'] != OTHERS).sum()):,}")
    cols[1].metric("Aggregated", f"{hidden:,}")
    cols[2].metric("Core", f"{int(nodes['core'].sum()):,}")
    cols[3].metric("Bridges", f"{int(nodes['bridge'].sum()):,}")
    st.altair_chart(chart(nodes, edges), width="stretch")
    st.caption(
        "Size: PageRank (whose judgement the project relies on). Core: the innermost "
        "k-core of the people drawn (everyone there has at least as many ties within it). "
        "Bridge: ties in two or more repositories. Lines: reviews, merges, comments and "
        "co-authorship, thicker for more."
    )
    table = nodes[nodes["id"] != OTHERS].sort_values("pagerank", ascending=False)
    st.dataframe(
        table.assign(link=[f"candidate?person={p}" for p in table["id"]])[
            ["name", "role", "pagerank", "acts", "repos", "link"]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "link": st.column_config.LinkColumn("Candidate", display_text="open"),
            "pagerank": st.column_config.NumberColumn("PageRank", format="%.4f"),
        },
    )


def chart(nodes: pd.DataFrame, edges: pd.DataFrame) -> alt.LayerChart:
    """Nodes (circles) over edges (lines) at the layout's positions."""
    lines = segments(nodes, edges)[["x", "y", "x2", "y2", "weight", "kinds", "repos"]]
    axis = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    base_lines = alt.Chart(lines).mark_rule(opacity=0.35, color="#8a8a8a")
    drawn_lines = base_lines.encode(
        x=alt.X("x:Q", axis=axis),
        y=alt.Y("y:Q", axis=axis),
        x2="x2:Q",
        y2="y2:Q",
        strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[0.5, 6]), legend=None),
        tooltip=["kinds:N", "repos:N", "weight:Q"],
    )
    points = (
        alt.Chart(nodes[["x", "y", "name", "role", "pagerank", "acts", "repos"]])
        .mark_circle(opacity=0.9, stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("x:Q", axis=axis),
            y=alt.Y("y:Q", axis=axis),
            size=alt.Size("pagerank:Q", scale=alt.Scale(range=[40, 900]), legend=None),
            color=alt.Color(
                "role:N",
                scale=alt.Scale(
                    domain=["core", "bridge", "member", "others (aggregated)"],
                    range=["#d62728", "#ff7f0e", "#1f77b4", "#bbbbbb"],
                ),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            tooltip=[
                "name:N",
                "role:N",
                "acts:Q",
                "repos:Q",
                alt.Tooltip("pagerank:Q", format=".4f"),
            ],  # fmt: skip
        )
    )
    return (drawn_lines + points).properties(height=560)


render()
