"""Maintainers: who owns each area (the repository's own components) by the owner files
and in practice, a heatmap of who owns what, where the bus factor is one, where the owner
files no longer match the work, who is ready for more responsibility and who is likely to
be named next. Every person links to their Candidate page."""

import altair as alt
import pandas as pd
import streamlit as st

from talent.ui import app, data
from talent.ui.roles import require
from talent.ui.safe import md_escape
from talent.ui.widgets import page_start

MONTHS = 12


def _candidate_link(frame: pd.DataFrame, column: str = "person") -> pd.Series:
    """A relative link to each person's Candidate page (None where nobody matched)."""
    return frame[column].map(lambda p: f"candidate?person={p}" if isinstance(p, str) else None)


def render() -> None:
    app.ensure_routed()
    require("page:maintainers")
    started = page_start("Maintainers")
    if started is None:
        return
    status, filters = started
    report = data.maintainers(status.url, status.version, filters.repos, MONTHS)
    st.caption(
        "From the repositories' history and their owner files (CODEOWNERS, OWNERS, "
        "MAINTAINERS, governance docs, read at every version). The sidebar's repositories "
        f"choose what counts; work within the last {MONTHS} months is current. People are "
        "matched to owner-file logins by their accounts, e-mail addresses, names and the "
        "names the owner files write beside logins, never guessed; each match shows its "
        "evidence. Emeritus and alumni are named once, not current."
    )
    named, owners = report["named"], report["owners"]
    names = report["names"]
    current = named[named["current"]]
    cols = st.columns(4)
    cols[0].metric("Named now", f"{current['login'].nunique():,}")
    cols[1].metric("Named, unmatched", f"{current['person_id'].isna().sum():,}")
    bus = report["bus_factor"]
    cols[2].metric("Areas with bus factor 1", f"{int((bus['truck_factor'] <= 1).sum()):,}")
    cols[3].metric("Ready for more", f"{report['ready']['person'].nunique():,}")

    st.subheader("Bus factor, riskiest first", anchor=False)
    st.dataframe(
        bus.assign(
            area=bus["key"].replace("*", "(whole repository)"),
            truck_people=[
                ", ".join(str(names.get(p, p)) for p in ps) for ps in bus["truck_people"]
            ],
        )[["repo", "area", "files", "truck_factor", "truck_people", "absence_factor"]],
        hide_index=True,
        width="stretch",
        key="bus_factor",
        column_config={
            "truck_factor": st.column_config.NumberColumn(
                "Truck factor",
                help="The fewest authors whose leaving orphans over half the files "
                "(Avelino et al.; generated, vendored and bulk-added files left out: see below)",
            ),
            "truck_people": st.column_config.TextColumn(
                "Who", help="The authors whose leaving would orphan over half the files"
            ),
            "absence_factor": st.column_config.NumberColumn(
                "Absence factor", help="The fewest people who make half the commits (CHAOSS)"
            ),
        },
    )

    left = report["left_out"]
    if left.empty:
        st.caption(
            "No file left out: none is generated, vendored, a lock file, data or a bulk addition."
        )
    else:
        counts = ", ".join(f"{r} {n:,}" for r, n in left["reason"].value_counts().items())
        with st.expander(
            f"Left out of the bus factor and ownership: {len(left):,} files ({counts})"
        ):
            st.caption(
                "What GitHub Linguist leaves out of a repository's languages (vendored and "
                "generated paths, lock files, data; the repository's .gitattributes "
                "linguist-generated / linguist-vendored lines win, both ways), and files one "
                "commit added with hundreds of others that its author never changed again."
            )
            st.dataframe(
                left[["repo", "path", "reason", "rule"]],
                hide_index=True,
                width="stretch",
                key="left_out",
            )

    st.subheader("Owners by area", anchor=False)
    areas = report["areas"]
    if areas.empty:
        st.info("No area has any work in this view.")
    else:
        st.caption(
            "Areas are each repository's own components: the folders that carry its work, "
            "a folder with its own OWNERS file and a CODEOWNERS line on a folder; files "
            "outside all of them are (root). Named: who the owner files in force name "
            "there. In practice: who authors its files or reviews and merges its changes, "
            'most of the files first; "(named)" marks a named one.'
        )
        st.dataframe(
            areas[["repo", "area", "source", "files", "named", "in_practice"]],
            hide_index=True,
            width="stretch",
            key="area_owners",
            column_config={
                "source": st.column_config.TextColumn(
                    "From",
                    help="What makes the folder a component: its activity, "
                    "its own OWNERS file, or a CODEOWNERS line",
                ),
                "named": st.column_config.TextColumn("Named owners"),
                "in_practice": st.column_config.TextColumn("Owners in practice"),
            },
        )

    st.subheader("Who owns what in practice", anchor=False)
    by_area = owners[(owners["key"] != "*") & owners["is_owner"].astype(bool)]
    if by_area.empty:
        st.info("No area has an owner in practice in this view.")
    else:
        # One cell per person and area (summed over the repositories in view).
        heat = by_area.groupby(["name", "key"], as_index=False).agg(
            share=("share", "max"),
            commits=("commits", "sum"),
            reviews=("reviews", "sum"),
            last_active=("last_active", "max"),
        )
        top = heat.groupby("name")["share"].sum().nlargest(20).index
        heat = heat[heat["name"].isin(top)]
        chart = (
            alt.Chart(heat)
            .mark_rect()
            .encode(
                x=alt.X("key:N", title="area"),
                y=alt.Y("name:N", title=None, sort=list(top)),
                color=alt.Color("share:Q", title="share of the files", scale=alt.Scale()),
                tooltip=["name", "key", "share", "commits", "reviews", "last_active"],
            )
        )
        st.altair_chart(chart, width="stretch", height=26 * len(top) + 90)

    st.subheader("Where the owner files have drifted", anchor=False)
    if named.empty:
        st.info(
            "No owner file names anyone in these repositories (CODEOWNERS, OWNERS, "
            "MAINTAINERS, governance docs), so there is nothing to drift from. The owners "
            "in practice above are who does the work.",
            icon=":material/description:",
        )
    _table(
        "Named, but idle where named",
        report["idle"].assign(link=_candidate_link(report["idle"], "person_id")),
        ["repo", "key", "login", "role", "last_active", "reason", "link"],
        "idle",
    )
    _table(
        "Owners in practice nobody named (candidates to add)",
        report["unnamed"].assign(link=_candidate_link(report["unnamed"])),
        ["repo", "key", "name", "evidence", "link"],
        "unnamed",
    )
    _table(
        "Areas no active person owns",
        report["unowned"],
        ["repo", "key", "files", "named", "last_owner_activity"],
        "unowned",
    )
    _table(
        "Teams that could not be expanded", report["teams"], ["repo", "login", "source"], "teams"
    )

    st.subheader("Next maintainers", anchor=False)
    nxt = report["next"]
    st.caption(
        "Who, not named by any owner file yet, is most likely to be named within the year: "
        "a model of the trajectory that came before people were named, learned on the "
        "histories of open-source projects (activity in the last 3, 6 and 12 months and "
        "its growth, months active, folders and areas, releases, backports and other "
        "stewardship acts, being trusted with others' work, time since the first "
        "contribution), checked on "
        "projects it did not learn from. Each person shows what moved them most; "
        "↑ marks those the app flags as rising."
        + (
            ""
            if len(named)
            else " No owner file names anyone in these repositories, so everyone is a candidate."
        )
    )
    if nxt.empty:
        st.caption("None: nobody in view is a candidate.")
    else:
        shown = nxt.assign(
            link=_candidate_link(nxt),
            chance=(nxt["probability"] * 100).round(0),
            mark=nxt["rising"].map({True: "↑", False: ""}),
        )
        st.dataframe(
            shown[["repo", "rank", "mark", "name", "chance", "evidence", "link"]],
            hide_index=True,
            width="stretch",
            key="table_next",
            column_config={
                "rank": st.column_config.NumberColumn("#", help="Place in the repository"),
                "mark": st.column_config.TextColumn("Rising", help="Flagged rising in the app"),
                "chance": st.column_config.NumberColumn(
                    "Chance %", help="The model's chance of being named within the year"
                ),
                "evidence": st.column_config.TextColumn("What moved them"),
                "link": st.column_config.LinkColumn("Candidate", display_text="open"),
            },
        )

    st.subheader("Ready for more responsibility", anchor=False)
    _table(
        None,
        report["ready"].assign(link=_candidate_link(report["ready"])),
        ["repo", "key", "name", "evidence", "link"],
        "ready",
    )
    with st.expander(f"Everyone the owner files ever named ({len(named):,})"):
        st.dataframe(
            named[
                ["login", "name", "evidence", "source", "pattern", "role", "since", "until"]
                + ["current"]
            ],
            hide_index=True,
            key="named",
        )


def _table(title: str | None, frame: pd.DataFrame, columns: list[str], key: str) -> None:
    if title:
        st.markdown(f"**{md_escape(title)}** ({len(frame):,})")
    if frame.empty:
        st.caption("None.")
        return
    shown = frame[[c for c in columns if c in frame.columns]].rename(columns={"key": "area"})
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key=f"table_{key}",
        column_config={"link": st.column_config.LinkColumn("Candidate", display_text="open")},
    )


render()
