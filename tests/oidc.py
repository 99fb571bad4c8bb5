"""A real OpenID Connect provider for the sign-in tests: npm's certified ``oidc-provider``
(pinned in ``tests/node``) run by node on 127.0.0.1 from ``tests/node/provider.mjs``.

``start_provider`` starts it with one confidential client and the given users, waits for
its discovery document and returns a :class:`Provider`; ``stop()`` ends it. The client
secret is made anew for each start and passed to node in its environment. When node or
the package is missing the tests are skipped with the reason, unless
``TALENT_REQUIRE_NODE_TOOLS=1`` (set by ``.ci/run``) makes that a failure.

``sign_in_at_provider`` fills the provider's login form in a Playwright page that a
sign-in button has sent there.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
_REQUIRED = os.environ.get("TALENT_REQUIRE_NODE_TOOLS") == "1"


def unavailable(reason: str):
    """Skip, or fail where the node tools are required (CI)."""
    if _REQUIRED:
        pytest.fail(f"the node test tools are required (TALENT_REQUIRE_NODE_TOOLS=1): {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class User:
    """Someone who can sign in at the provider."""

    login: str
    password: str
    email: str
    name: str
    email_verified: bool = True


@dataclass
class Provider:
    """A running provider: its issuer, discovery document and the one client's
    credentials."""

    issuer: str
    client_id: str
    client_secret: str
    proc: subprocess.Popen
    log: Path

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict:
        with urllib.request.urlopen(self.metadata_url, timeout=5) as resp:
            return json.load(resp)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed (Debian: apt-get install nodejs npm)")
    if not (NODE_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        unavailable("oidc-provider is not installed (npm ci --prefix tests/node)")
    return node


def start_provider(
    folder: Path,
    users: list[User] | tuple[User, ...],
    redirect_uris: list[str],
    *,
    client_id: str = "talent",
) -> Provider:
    """Start the provider with ``users`` and a client that may redirect to
    ``redirect_uris``; returns once its discovery document answers. Its log (node's
    stderr) is ``folder/provider.log``."""
    node = _node()
    if importlib.util.find_spec("authlib") is None:
        # st.login's client: without it the app cannot sign anyone in.
        unavailable("Authlib is not installed (pip install 'streamlit[auth]')")
    folder.mkdir(parents=True, exist_ok=True)
    users_file = folder / "provider-users.json"
    users_file.write_text(
        json.dumps(
            {
                u.login: {
                    "password": u.password,
                    "email": u.email,
                    "email_verified": u.email_verified,
                    "name": u.name,
                }
                for u in users
            }
        )
    )
    out, log = folder / "provider.out", folder / "provider.log"
    client_secret = secrets.token_urlsafe(24)
    command = [node, str(NODE_DIR / "provider.mjs"), "--client-id", client_id]
    command += [arg for uri in redirect_uris for arg in ("--redirect-uri", uri)]
    command += ["--users", str(users_file)]
    with out.open("w") as stdout, log.open("w") as stderr:
        proc = subprocess.Popen(
            command,
            cwd=NODE_DIR,
            env={**os.environ, "OIDC_CLIENT_SECRET": client_secret},
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    deadline = time.monotonic() + 30
    issuer = ""
    while True:
        if not issuer and out.read_text().startswith("issuer "):
            issuer = out.read_text().split()[1]
        if issuer:
            provider = Provider(issuer, client_id, client_secret, proc, log)
            try:
                if provider.metadata()["issuer"] == issuer:
                    return provider
            except OSError:
                pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(timeout=10)
            pytest.fail(f"the OpenID Connect provider did not start:\n{log.read_text()}")
        time.sleep(0.1)


def sign_in_at_provider(page, user: User) -> None:
    """On the provider's login form (where the app's sign-in button led), sign in as
    ``user`` and submit; the provider then redirects back to the app."""
    page.wait_for_url("**/interaction/**")
    page.locator("#login").fill(user.login)
    page.locator("#password").fill(user.password)
    page.locator("#submit").click()
