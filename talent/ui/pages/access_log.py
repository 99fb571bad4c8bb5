"""Access log (admins): who viewed which Candidate pages, exported which people and drafted
to whom, in the app and the CLI, with the filters they had; narrowed by person, user and
date. Kept ``[access] retention_days``; an opted-out person is in it no more."""

import json
from datetime import UTC, datetime, time

import streamlit as st

from talent.people.privacy import PrivacyError
from talent.ui import app, data
from talent.ui.roles import require
from talent.ui.safe import md_escape
from talent.ui.widgets import page_start


def render() -> None:
    app.ensure_routed()
    require("page:access_log")
    started = page_start("Access log")
    if started is None:
        return
    status, _filters = started
    st.caption(
        "Every Candidate page opened (once per session and person), every download or CLI "
        "export of people and every outreach draft shown, with who, when (UTC), from where "
        "and the filters in use. `talent access log` prints the same."
    )
    left, middle, right = st.columns(3)
    person = left.text_input("Person", key="access_person",
                             placeholder="login, e-mail, full name or person id")  # fmt: skip
    day = right.date_input("Since", value=None, key="access_since")
    since = datetime.combine(day, time.min, tzinfo=UTC) if day else None
    try:
        log = data.access_entries(status.url, person, since)
    except PrivacyError as exc:
        st.warning(md_escape(str(exc)), icon=":material/person_search:")
        return
    users = sorted(set(log["who"]))
    who = middle.selectbox("User", ["Everyone", *users], key="access_user")
    if who != "Everyone":
        log = log[log["who"] == who]
    if log.empty:
        st.info("Nothing in the access log for these filters.", icon=":material/policy:")
        return
    shown = log.assign(
        people=[", ".join(p) for p in log["people"]],
        filters=[json.dumps(f, ensure_ascii=False, sort_keys=True) for f in log["filters"]],
    ).sort_values("at", ascending=False)
    st.dataframe(
        shown[["at", "who", "action", "where", "names", "people", "filters"]],
        hide_index=True,
        key="access_table",
        column_config={
            "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
            "who": st.column_config.TextColumn("Who"),
            "action": st.column_config.TextColumn("What", help="view, export or outreach"),
            "where": st.column_config.TextColumn("Where", help="app or cli"),
            "names": st.column_config.TextColumn("People"),
            "people": st.column_config.TextColumn("Person ids"),
            "filters": st.column_config.TextColumn("Filters"),
        },
    )
    st.caption(f"{len(shown):,} entries, newest first")


render()
