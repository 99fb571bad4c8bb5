"""Routing: ``st.navigation`` over the pages, with the shared sidebar filters as the
frame around them; pages only render."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from talent.ui import auth, data
from talent.ui.widgets import Filters, sidebar_filters

PAGES = Path(__file__).parent / "pages"
CANDIDATES = PAGES / "candidates.py"
CANDIDATE = PAGES / "candidate.py"
MAINTAINERS = PAGES / "maintainers.py"
SHORTLISTS = PAGES / "shortlists.py"
NETWORK = PAGES / "network.py"
ACCESS_LOG = PAGES / "access_log.py"


def main() -> None:
    st.set_page_config(page_title="talent", page_icon=":material/groups:", layout="wide")
    pages = [
        st.Page(CANDIDATES, title="Candidates", icon=":material/leaderboard:", default=True),
        st.Page(CANDIDATE, title="Candidate", icon=":material/person:"),
        st.Page(SHORTLISTS, title="Shortlists", icon=":material/checklist:"),
        st.Page(MAINTAINERS, title="Maintainers", icon=":material/account_tree:"),
        st.Page(NETWORK, title="Network", icon=":material/hub:"),
        st.Page(ACCESS_LOG, title="Access log", icon=":material/policy:"),
    ]
    # The gate, before any data is read or any page routed to: a visitor who is not
    # signed in (or has no role) gets the sign-in (or no-access) page and nothing else.
    auth.admit(*data.settings(data.db_url()), tuple(p.url_path for p in pages if p.url_path))
    page = st.navigation(pages)
    status = data.status(data.db_url())
    st.session_state["status"] = status
    st.session_state["filters"] = sidebar_filters(status) if status.ready else Filters()
    with st.sidebar:
        st.caption(f"Database: `{status.url}`")
        st.caption(data.sync_line(status.url) if status.exists else "")
    page.run()


def ensure_routed() -> None:
    """Pages call this first. A fresh server's first request for a page's URL runs the
    page file by itself (Streamlit's older multipage mode, chosen because a ``pages``
    folder sits next to the entry script): run the router instead, which renders the
    page with the sidebar filters and stops this run."""
    if "status" not in st.session_state or st.session_state.get("viewer") is None:
        main()
        st.stop()
