"""A faithful local fake of GitHub's REST and GraphQL API for the miner's tests.

Import it as ``fake_github`` from test modules (``tests/`` is on ``sys.path`` under pytest,
like ``gitrepos``), or run it with ``python -m tests.fake_github`` from the project root.

>>> from fake_github import FakeGitHub, World
>>> world = World.generate(seed=1)
>>> world.counts()["pulls"]
40
"""

from .client import make_client, make_miner_client
from .queries import PULL_REQUESTS_OPERATION, PULL_REQUESTS_QUERY
from .server import FakeGitHub, Fault, FaultQueue, LogEntry, RequestLog
from .world import EMPTY, FIXED_NOW, HOSTILE, SIZES, Clock, World

__all__ = [
    "EMPTY",
    "FIXED_NOW",
    "HOSTILE",
    "PULL_REQUESTS_OPERATION",
    "PULL_REQUESTS_QUERY",
    "SIZES",
    "Clock",
    "FakeGitHub",
    "Fault",
    "FaultQueue",
    "LogEntry",
    "RequestLog",
    "World",
    "make_client",
    "make_miner_client",
]
