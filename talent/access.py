"""Who may do what: the signed-in viewer, their role, and what each role may open,
download and change.

A role comes from the settings' ``[roles]`` (:attr:`talent.config.Settings.roles`): an
address listed there wins over its domain; anyone else who signs in gets no access at
all, not the least role. Without sign-in configured the app is a one-person tool on
loopback, and its one user is :data:`LOCAL` (every right, changes recorded under
``TALENT_USER`` or the login of the process).
"""

from __future__ import annotations

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
