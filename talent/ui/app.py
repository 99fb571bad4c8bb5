"""Routing: ``st.navigation`` over the pages, with the shared sidebar filters as the
frame around them; pages only render."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from talent.ui import auth, data, roles
from talent.ui.routes import NAVIGATION
from talent.ui.widgets import Filters, sidebar_filters
from talent.views.access import allowed, denied_text


def main() -> None:
    st.set_page_config(page_title="talent", page_icon=":material/groups:", layout="wide")
    every = [st.Page(path, title=title, icon=icon) for path, title, icon, _what in NAVIGATION]
    # The gate, before any data is read or any page routed to: a visitor who is not
    # signed in (or has no role) gets the sign-in (or no-access) page and nothing else.
    auth.admit(*data.settings(data.db_url()), tuple(p.url_path for p in every if p.url_path))
    # Then only the pages the viewer's role opens (talent.views.access.PERMISSIONS).
    pages = allowed_pages()
    page = st.navigation(pages)
    status = data.status(data.db_url())
    st.session_state["status"] = status
    st.session_state["filters"] = sidebar_filters(status) if status.ready else Filters()
    with st.sidebar:
        st.caption(f"Database: `{status.url}`")
        st.caption(data.sync_line(status.url) if status.exists else "")
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
    pages = [
        st.Page(path, title=title, icon=icon, url_path=Path(path).stem)
        for path, title, icon, _what in shown
    ]

    def home() -> None:
        # The root URL goes to the role's first page under that page's own URL, so a
        # link to any page (``/shortlists?list=DevRel`` sent to a hiring manager, whose
        # first page it is) opens the same page for every role that may open it.
        st.switch_page(pages[0], query_params=st.query_params.to_dict())

    return [st.Page(home, title="Home", url_path="home", default=True,
                    visibility="hidden"), *pages]  # fmt: skip


def ensure_routed() -> None:
    """Pages call this first. A fresh server's first request for a page's URL runs the
    page file by itself (Streamlit's older multipage mode, chosen because a ``pages``
    folder sits next to the entry script): run the router instead, which renders the
    page with the sidebar filters and stops this run."""
    if "status" not in st.session_state or st.session_state.get("viewer") is None:
        main()
        st.stop()
