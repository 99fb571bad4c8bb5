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
from collections.abc import Mapping
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
