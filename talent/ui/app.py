"""Routing: ``st.navigation`` over the pages, with the shared sidebar filters as the
frame around them; pages only render."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from talent.access import allowed, denied_text
from talent.ui import auth, data, roles
from talent.ui.widgets import Filters, sidebar_filters

PAGES = Path(__file__).parent / "pages"
CANDIDATES = PAGES / "candidates.py"
CANDIDATE = PAGES / "candidate.py"
MAINTAINERS = PAGES / "maintainers.py"
SHORTLISTS = PAGES / "shortlists.py"
NETWORK = PAGES / "network.py"
# Every page: its file, title, icon and the permission that opens it
# (talent.access.PERMISSIONS); the first one a viewer may open is their home page.
NAVIGATION = (
    (CANDIDATES, "Candidates", ":material/leaderboard:", "page:candidates"),
    (CANDIDATE, "Candidate", ":material/person:", "page:candidate"),
    (SHORTLISTS, "Shortlists", ":material/checklist:", "page:shortlists"),
    (MAINTAINERS, "Maintainers", ":material/account_tree:", "page:maintainers"),
    (NETWORK, "Network", ":material/hub:", "page:network"),
)


def main() -> None:
    st.set_page_config(page_title="talent", page_icon=":material/groups:", layout="wide")
    # The gate, before any data is read or any page routed to: a visitor who is not
    # signed in (or has no role) gets the sign-in (or no-access) page and nothing else.
    auth.admit(*data.settings(data.db_url()), tuple(path.stem for path, *_ in NAVIGATION))
    pages = allowed_pages()
    page = st.navigation(pages)
    status = data.status(data.db_url())
    st.session_state["status"] = status
    st.session_state["filters"] = sidebar_filters(status) if status.ready else Filters()
    with st.sidebar:
        st.caption(f"Database: `{status.url}`")
    page.run()


def allowed_pages() -> list:
    """The pages the viewer may open, the first their home page; nobody with no page
    reads one line and the app stops there (a page not listed cannot be reached: its URL
    falls back to the home page, and each page checks again at its start)."""
    viewer = roles.current_viewer()
    shown = [entry for entry in NAVIGATION if allowed(viewer, entry[3])]
    if not shown:
        st.error(denied_text(viewer, "page:candidates"), icon=":material/block:")
        st.stop()
    return [
        st.Page(path, title=title, icon=icon, default=i == 0)
        for i, (path, title, icon, _what) in enumerate(shown)
    ]


def ensure_routed() -> None:
    """Pages call this first. A fresh server's first request for a page's URL runs the
    page file by itself (Streamlit's older multipage mode, chosen because a ``pages``
    folder sits next to the entry script): run the router instead, which renders the
    page with the sidebar filters and stops this run."""
    if "status" not in st.session_state or st.session_state.get("viewer") is None:
        main()
        st.stop()
