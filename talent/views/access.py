"""Who may do what: the signed-in viewer, their role, and what each role may open,
download and change.

A role comes from the settings' ``[roles]`` (:attr:`talent.config.Settings.roles`): an
address listed there wins over its domain; anyone else who signs in gets no access at
all, not the least role. Without sign-in configured the app is a one-person tool on
loopback, and its one user is :data:`LOCAL` (every right, changes recorded under
``TALENT_USER`` or the login of the process).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from talent.config import Settings


@dataclass(frozen=True)
class Viewer:
    """Who is looking: an e-mail address (the provider's, or the local user's name), a
    display name, and a role of :data:`talent.config.ROLES` (None: signed in, no access).
    ``local`` is true for the single user of an app without sign-in."""

    email: str
    name: str
    role: str | None
    local: bool = False

    @property
    def who(self) -> str:
        """The name changes and the access log are recorded under."""
        return self.email or self.name


def role_of(email: str, settings: Settings) -> str | None:
    """The role of the address ``email`` under ``settings.roles``, or None.

    >>> from talent.config import Settings
    >>> s = Settings(roles=(("ana@acme.com", "admin"), ("@acme.com", "maintainer")))
    >>> role_of("Ana@Acme.com", s), role_of("bo@acme.com", s), role_of("eve@evil.com", s)
    ('admin', 'maintainer', None)
    >>> role_of("bo@sub.acme.com", s) is None  # a domain is exact: no subdomains
    True
    """
    address = email.strip().lower()
    if "@" not in address:
        return None
    roles = dict(settings.roles)
    if address in roles:
        return roles[address]
    return roles.get("@" + address.rsplit("@", 1)[1])


# How far a sign-in time may lie ahead of this machine's clock (clocks drift).
CLOCK_SKEW_SECONDS = 300


def session_problem(
    claims: Mapping[str, object], *, issuer: str, session_hours: float, now: float
) -> str | None:
    """Why a session Streamlit holds as signed in must be refused, or None.

    Streamlit keeps a sign-in for as long as its own cookie lasts and does not look at
    the ID token's time again; these are the checks it leaves to the app: the sign-in
    (``iat``, seconds since the epoch) is at most ``session_hours`` old, it was made by
    the provider's ``issuer``, and the provider did not say the address is unverified.

    >>> ok = {"iss": "https://id.acme.com", "iat": 1_000, "email_verified": True}
    >>> session_problem(ok, issuer="https://id.acme.com", session_hours=1, now=4_599) is None
    True
    >>> session_problem(ok, issuer="https://id.acme.com", session_hours=1, now=4_601)
    'the sign-in is more than 1 hours old: sign in again'
    >>> session_problem(ok, issuer="https://evil.example", session_hours=1, now=1_000)
    'the sign-in was not made by the configured provider'
    >>> session_problem({**ok, "email_verified": False}, issuer="https://id.acme.com",
    ...                 session_hours=1, now=1_000)
    'the provider has not verified this e-mail address'
    >>> session_problem({"iss": "https://id.acme.com"}, issuer="https://id.acme.com",
    ...                 session_hours=1, now=1_000)
    'the sign-in has no time (iat): sign in again'
    """
    if claims.get("iss") != issuer:
        return "the sign-in was not made by the configured provider"
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, (int, float)) or not math.isfinite(iat):
        return "the sign-in has no time (iat): sign in again"
    if now - iat > session_hours * 3600:
        return f"the sign-in is more than {session_hours:g} hours old: sign in again"
    if iat - now > CLOCK_SKEW_SECONDS:
        return "the sign-in is dated in the future: sign in again"
    verified = claims.get("email_verified")
    if verified is False or (isinstance(verified, str) and verified.lower() == "false"):
        return "the provider has not verified this e-mail address"
    return None


RECRUITING = frozenset({"admin", "recruiter"})
RANKINGS = frozenset({"admin", "recruiter", "maintainer"})

# Every page, section, download and change of the app, and the roles allowed it: the
# one table the pages, the router and the data layer look up (and tests/test_roles.py
# walks). admin: everything (settings, people, privacy); recruiter: everything about
# candidates, lists, notes and outreach; hiring_manager: the lists shared with them,
# read, commented on and exported; maintainer: the rankings, Maintainers and Network,
# nothing of the recruiting (notes, stages, ATS marks, outreach, lists).
PERMISSIONS: dict[str, frozenset[str]] = {
    # Pages (talent/ui/app.py's navigation lists only those allowed).
    "page:candidates": RANKINGS,
    "page:candidate": RANKINGS,
    "page:shortlists": RECRUITING | {"hiring_manager"},
    "page:maintainers": RANKINGS,
    "page:network": RANKINGS,
    "page:access_log": frozenset({"admin"}),
    # Sections: what a page shows only to some.
    "section:pipeline": RECRUITING,  # stages, verdicts, notes, ATS marks beside people
    "section:outreach": RECRUITING,  # the outreach draft on the Candidate page
    "section:all_lists": RECRUITING,  # every shortlist, not only those shared with you
    # Downloads.
    "download:candidates_csv": RANKINGS,  # the Candidates table as shown
    "download:shortlisted_csv": RECRUITING,  # everyone shortlisted on any list
    "download:shortlist_export": RECRUITING | {"hiring_manager"},  # one list (if shared)
    # Changes.
    "change:verdict": RECRUITING,  # Shortlist / Not a fit / Remove on the default list
    "change:shortlist": RECRUITING,  # make lists, put people on them
    "change:stage": RECRUITING,  # move people between stages
    "change:note": RECRUITING | {"hiring_manager"},  # a note on an entry (a shared list)
    "change:share": RECRUITING,  # share a list with a hiring manager, or stop
    "change:ats": RECRUITING,  # import the applicant tracking system's export
    "change:seen": RANKINGS,  # mark "since my last visit" seen
    "change:company": frozenset({"admin"}),  # which organisation is "mine" (a setting)
    "change:demo": frozenset({"admin"}),  # fill an empty store with the demo world
}


class AccessDenied(PermissionError):
    """A viewer asked for what their role does not allow (the message says which)."""


def allowed(viewer: Viewer | None, what: str) -> bool:
    """Whether ``viewer`` may ``what`` (a key of :data:`PERMISSIONS`); nobody (None, a
    signed-out visitor) and a role-less viewer may nothing. An unknown key is an error,
    never a silent no.

    >>> allowed(Viewer("bo@acme.com", "Bo", "maintainer"), "page:network")
    True
    >>> allowed(Viewer("bo@acme.com", "Bo", "maintainer"), "change:note")
    False
    >>> allowed(None, "page:candidates")
    False
    """
    if what not in PERMISSIONS:
        raise ValueError(f"unknown permission {what!r} (not in talent.views.access.PERMISSIONS)")
    return viewer is not None and viewer.role in PERMISSIONS[what]


def check(viewer: Viewer | None, what: str) -> Viewer:
    """The viewer, if they may ``what``; else :class:`AccessDenied`."""
    if viewer is None or not allowed(viewer, what):
        raise AccessDenied(denied_text(viewer, what))
    return viewer


def denied_text(viewer: Viewer | None, what: str) -> str:
    """The one line a refused viewer reads."""
    role = (viewer.role if viewer else None) or "none"
    if what.startswith("page:"):
        return f"Your role ({role}) cannot open this page"
    return f"Your role ({role}) cannot do this ({what})"


def visible_lists(
    viewer: Viewer | None, names: Iterable[str], shares: Iterable[tuple[str, str]]
) -> list[str]:
    """The shortlists of ``names`` that ``viewer`` may see: all of them for a recruiter or
    admin, those shared with their address (``shares``: (list, e-mail) pairs; compared
    without case) for a hiring manager, none for anyone else.

    >>> hm = Viewer("Hana@Acme.com", "Hana", "hiring_manager")
    >>> visible_lists(hm, ["DevRel", "infra"], [("infra", "hana@acme.com")])
    ['infra']
    """
    names = list(names)
    if allowed(viewer, "section:all_lists"):
        return names
    if viewer is None or not allowed(viewer, "page:shortlists"):
        return []
    mine = viewer.email.strip().casefold()
    shared = {name for name, email in shares if email.strip().casefold() == mine}
    return [n for n in names if n in shared] if mine else []


def share_address(text: str) -> str:
    """The address a list is shared with, in lower case; :class:`ValueError` with one
    line for anything that is not one e-mail address.

    >>> share_address(" Hana@Acme.com ")
    'hana@acme.com'
    >>> share_address("@acme.com")
    Traceback (most recent call last):
    ...
    ValueError: '@acme.com' is not an e-mail address (a list is shared with one person)
    """
    address = text.strip().lower()
    local, at, domain = address.partition("@")
    if not (local and at and domain) or "@" in domain or any(c.isspace() for c in address):
        raise ValueError(f"{text!r} is not an e-mail address (a list is shared with one person)")
    return address
