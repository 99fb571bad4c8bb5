"""The signed-in viewer of this session (:class:`talent.access.Viewer`).

Without ``[auth]`` in the settings the app has no sign-in (``talent app`` then serves
only on loopback) and its viewer is the local user with every right. With it, the
viewer is whoever Streamlit's ``st.login`` signed in, with the role the settings give
their address; None until someone signs in.
"""

from __future__ import annotations

import streamlit as st

from talent.access import Viewer, role_of
from talent.config import Settings
from talent.pipeline import current_user


def viewer(settings: Settings) -> Viewer | None:
    """Who is looking, or None for a signed-out visitor of an app with sign-in."""
    if settings.auth is None:
        who = current_user()
        return Viewer(email=who, name=who, role="admin", local=True)
    user = st.user
    if not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "")
    return Viewer(email=email, name=str(user.get("name") or email), role=role_of(email, settings))
