"""The viewer's rights on the server side: every page, section, download and change of
the app asks here (:data:`talent.views.access.PERMISSIONS`) before it draws anything, and
the data layer asks again before it writes (:func:`talent.views.access.check`)."""

from __future__ import annotations

import streamlit as st

from talent.ui import auth, data
from talent.views.access import Viewer, allowed, denied_text


def current_viewer() -> Viewer | None:
    """Who is looking: the viewer the router put in the session (``"viewer"``), else
    the one the settings and the sign-in say (None: signed out)."""
    if "viewer" in st.session_state:
        return st.session_state["viewer"]
    return auth.viewer(data.settings(data.db_url())[0])


def can(what: str) -> bool:
    """Whether the viewer may ``what`` (a key of :data:`talent.views.access.PERMISSIONS`)."""
    return allowed(current_viewer(), what)


def require(what: str) -> Viewer:
    """A page's first check (its URL can be typed): a refused viewer reads one line and
    the page stops there; else the viewer."""
    viewer = current_viewer()
    if not allowed(viewer, what):
        st.error(denied_text(viewer, what), icon=":material/block:")
        st.stop()
    assert viewer is not None  # allowed() refuses nobody
    return viewer
