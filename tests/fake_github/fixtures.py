"""Pytest fixtures for the fake GitHub API.

Use them from a test module with ``pytest_plugins = ["fake_github.fixtures"]``:

* ``github_world``: a fresh small world (seed 1) per test, free to mutate.
* ``fake_github``: a started :class:`~fake_github.server.FakeGitHub` serving
  ``github_world`` with token ``test-token``; stopped after the test, which then fails if
  the fake itself crashed on a request.
* ``make_client``: ``make_client(server, **overrides)`` builds a PyGithub client with
  test settings (no throttling, fast retries) for any server.

PYTEST_DONT_REWRITE: doctest collection imports this module before ``pytest_plugins``
registers it, so assertion rewriting is off here (the one assert carries its own message).
"""

from __future__ import annotations

import pytest

from .client import make_client
from .server import FakeGitHub
from .world import World


@pytest.fixture
def github_world() -> World:
    """A fresh small world (seed 1)."""
    return World.generate(seed=1)


@pytest.fixture
def fake_github(github_world: World):
    """A running fake serving ``github_world`` (token ``test-token``)."""
    server = FakeGitHub(github_world)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert not server.errors, "the fake GitHub crashed:\n" + "\n".join(server.errors)


@pytest.fixture(name="make_client")
def make_client_fixture():
    """The :func:`make_client` factory as a fixture."""
    return make_client
