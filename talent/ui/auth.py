"""The signed-in viewer of this session (:class:`talent.views.access.Viewer`), and the gate
every run of the app passes first.

Without ``[auth]`` in the settings the app has no sign-in (``talent app`` then serves
only on loopback) and its viewer is the local user with every right. With it, the
viewer is whoever Streamlit's ``st.login`` signed in, with the role the settings give
their address; None until someone signs in, and None again when the session fails the
checks Streamlit leaves to the app (:func:`talent.views.access.session_problem`).
"""

from __future__ import annotations

import os
import time
from typing import NoReturn

import streamlit as st

from talent.config import Settings
from talent.signin import SignInProblem, fetch_issuer, providers, sign_in_required
from talent.ui.safe import md_escape
from talent.views import access
from talent.views.access import Viewer, role_of
from talent.views.pipeline import current_user


@st.cache_data(ttl=3600, show_spinner=False)
def _issuer(metadata_url: str) -> str:
    # Cached for an hour: every run checks the issuer, the document rarely changes, and
    # a failure (raised) is not cached.
    return fetch_issuer(metadata_url)


def session_problem(settings: Settings) -> str | None:
    """Why this session's sign-in is refused (too old, another issuer, an unverified
    address, the provider unreachable), or None (signed out, signed in fine, or no
    sign-in at all)."""
    if settings.auth is None or not st.user.get("is_logged_in"):
        return None
    claims = dict(st.user)
    try:
        url = providers(settings.auth).get(str(claims.get("provider") or "default"))
        if url is None:
            return "the sign-in was not made by the configured provider"
        issuer = _issuer(url)
    except SignInProblem as exc:
        return str(exc)
    return access.session_problem(
        claims, issuer=issuer, session_hours=settings.auth.session_hours, now=time.time()
    )


def viewer(settings: Settings) -> Viewer | None:
    """Who is looking, or None for a signed-out visitor of an app with sign-in."""
    if settings.auth is None:
        who = current_user()
        return Viewer(email=who, name=who, role="admin", local=True)
    user = st.user
    if not user.get("is_logged_in") or session_problem(settings):
        return None
    email = str(user.get("email") or "")
    return Viewer(email=email, name=str(user.get("name") or email), role=role_of(email, settings))


def admit(
    settings: Settings, settings_problem: str | None, url_paths: tuple[str, ...] = ()
) -> Viewer:
    """The viewer this run serves, with a role; anyone else gets only the sign-in page
    (or the no-access page) and the run stops there, before any data is read or any
    page is routed to. ``url_paths``: the app's pages' URLs, which then show that page
    too (not a "page not found"). Also sets ``st.session_state["viewer"]``."""
    st.session_state["viewer"] = None
    if sign_in_required(os.environ) and (settings_problem or settings.auth is None):
        # Started with sign-in: settings that cannot be read now must not turn it off.
        _only_page(_settings_unreadable_page, "talent", url_paths)
    problem = session_problem(settings)
    if problem:
        st.logout()
    who = None if problem else viewer(settings)
    st.session_state["viewer"] = who
    if who is None:
        _only_page(lambda: _sign_in_page(settings, problem), "Sign in", url_paths)
    if who.role is None:
        _only_page(lambda: _no_access_page(who), "No access", url_paths)
    with st.sidebar:
        if who.local:
            st.caption("Sign-in is off: this app serves only this machine.")
        else:
            st.caption(f"Signed in as {md_escape(who.name)} ({who.role.replace('_', ' ')})")
            st.button("Sign out", icon=":material/logout:", on_click=st.logout)
    return who


def _only_page(render, title: str, url_paths: tuple[str, ...]) -> NoReturn:
    """Show ``render`` as the app's one page, at its root and at each of ``url_paths``,
    and stop the run. Routing to it replaces the page list Streamlit would otherwise
    show for the ``pages`` folder: no page's title or link reaches the browser."""
    # What a signed-in run left in the session goes, so a page that runs by itself
    # (talent.ui.app.ensure_routed) routes through the gate again.
    for key in ("status", "filters"):
        st.session_state.pop(key, None)

    def gate() -> None:
        render()

    pages = [st.Page(gate, title=title, default=True)]
    pages += [st.Page(gate, title=title, url_path=path) for path in url_paths]
    st.navigation(pages, position="hidden").run()
    st.stop()


def _settings_unreadable_page() -> None:
    st.title("talent")
    st.error("The app's settings cannot be read, so nobody can sign in: ask its admin.")


def _sign_in_page(settings: Settings, problem: str | None) -> None:
    st.title("talent")
    st.write("Sign in with your company account to see the candidates and rankings.")
    if problem:
        st.info(f"You were signed out: {md_escape(problem)}.", icon=":material/logout:")
    try:
        names = list(providers(settings.auth)) if settings.auth else []
    except SignInProblem:
        names = ["default"]
    for name in names or ["default"]:
        label = "Sign in" if len(names) <= 1 else f"Sign in with {name}"
        if st.button(label, key=f"sign-in-{name}", type="primary", icon=":material/login:"):
            st.login(None if name == "default" else name)


def _no_access_page(who: Viewer) -> None:
    st.title("No access")
    st.write(
        f"You are signed in as **{md_escape(who.email or who.name)}**, but this app gives "
        "that address no access. Ask an admin of talent to add it to the settings' [roles]."
    )
    st.button("Sign out", icon=":material/logout:", on_click=st.logout)
