"""Candidates: the ranked table, filters in the sidebar, a safe CSV download."""

import streamlit as st

from talent.export import to_safe_csv
from talent.scoring import CONTRIBUTIONS
from talent.ui import app
from talent.ui.widgets import demo_banner, filtered_ranking, offer_demo

EXPORT_COLUMNS = [
    "rank",
    "person_id",
    "login",
    "name",
    "score",
    "affiliation",
    "affiliation_evidence",
    "bot_probability",
    "top_repos",
    "first_active",
    "last_active",
    *CONTRIBUTIONS,
    "commits",
    "active_months",
    "prs_opened",
    "prs_merged",
    "merges",
    "reviews",
    "issues_opened",
    "comments",
    "profile_url",
]
TABLE_COLUMNS = [
    "rank",
    "name",
    "profile_url",
    "score",
    "affiliation",
    "top_repos",
    "last_active",
    "active_months",
    "commits",
    "prs_merged",
    "reviews",
    "people_helped",
]


def render() -> None:
    st.title("Candidates")
    status = st.session_state["status"]
    if not status.ready:
        offer_demo(status)
        return
    demo_banner(status)
    filters = st.session_state["filters"]
    shown = filtered_ranking(status, filters)

    left, mid, right = st.columns(3)
    left.metric("People ranked", f"{len(shown):,}")
    mid.metric("Not employees", f"{int((shown['affiliation'] != 'employee').sum()):,}")
    right.metric("Activities in the database", f"{status.activities:,}")

    if shown.empty:
        st.info(
            "No candidates match these filters. Widen the time window, clear the "
            "repository filter or the name search.",
            icon=":material/filter_alt_off:",
        )
        return

    st.caption(
        "Score = sustained activity (OpenDigger's measure), recent activity, standing in "
        "the collaboration graph, trust with others' work and file ownership. Select a row "
        "to see why a person ranks where they do."
    )
    event = st.dataframe(
        shown[TABLE_COLUMNS],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="candidates_table",
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "name": st.column_config.TextColumn("Name"),
            "profile_url": st.column_config.LinkColumn(
                "GitHub", display_text=r"https://github\.com/(.*)"
            ),
            "score": st.column_config.ProgressColumn(
                "Score", min_value=0.0, max_value=1.0, format="%.3f"
            ),
            "affiliation": st.column_config.TextColumn("Affiliation"),
            "top_repos": st.column_config.TextColumn("Top repositories"),
            "last_active": st.column_config.DateColumn("Last active", format="YYYY-MM-DD"),
            "active_months": st.column_config.NumberColumn(
                "Active months", help="Calendar months with at least one act"
            ),
            "commits": st.column_config.NumberColumn("Commits"),
            "prs_merged": st.column_config.NumberColumn("PRs merged"),
            "reviews": st.column_config.NumberColumn("Reviews"),
            "people_helped": st.column_config.NumberColumn(
                "People helped",
                help="Distinct people whose work this person merged, applied, reviewed or "
                "co-authored",
            ),
        },
    )
    st.download_button(
        "Download CSV",
        data=to_safe_csv(shown[EXPORT_COLUMNS]),
        file_name="talent-candidates.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        help="Exactly the rows shown, safe to open in a spreadsheet (no cell runs as a "
        "formula). Contains no email addresses.",
        key="download_csv",
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        st.session_state["person_id"] = shown.iloc[rows[0]]["person_id"]
        st.switch_page(app.CANDIDATE)


render()
