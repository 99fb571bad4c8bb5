"""A PyGithub client configured for tests against the fake."""

from __future__ import annotations

from typing import Any

from .server import FakeGitHub


def make_client(server: FakeGitHub, token: str | None = None, **overrides: Any):
    """A ``github.Github`` for ``server``: no throttling, ``GithubRetry(total=3)``,
    ``backoff_factor=0`` and a 0.1 s secondary wait unless overridden."""
    from github import Auth, Github, GithubRetry

    settings: dict[str, Any] = {
        "base_url": server.base_url,
        "auth": Auth.Token(token or server.token),
        "seconds_between_requests": None,
        "seconds_between_writes": None,
        "retry": GithubRetry(total=3, backoff_factor=0, secondary_rate_wait=0.1),
        "timeout": 10,
    }
    settings.update(overrides)
    return Github(**settings)


def make_miner_client(server: FakeGitHub, token: str | None = None, **overrides: Any):
    """talent's own ``GitHubClient`` for ``server``: no throttling, no real sleeping,
    backoffs of 10 ms and a 60 s cap on waits unless overridden."""
    from talent.sources.github import GitHubClient

    settings: dict[str, Any] = {
        "throttle": False,
        "sleep": lambda _seconds: None,
        "backoff": 0.01,
        "secondary_wait": 0.01,
        "max_wait": 60.0,
    }
    settings.update(overrides)
    base_url = settings.pop("base_url", server.base_url)
    return GitHubClient(token or server.token, base_url, **settings)
