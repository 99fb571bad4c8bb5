"""A faithful local fake of the Hugging Face Hub's HTTP API for the Hub miner's tests.

Import it as ``fake_hf`` from test modules (``tests/`` is on ``sys.path`` under pytest), or
run it with ``python -m tests.fake_hf`` from the project root.

>>> from fake_hf import SIZES, HubWorld
>>> world = HubWorld.generate(seed=1, **SIZES["small"])
>>> world.counts()["members"], world.pages_needed()["members"]
(8, 1)
"""

from .server import ROUTE_KINDS, FakeHub, Fault, FaultQueue, LogEntry, RequestLog
from .world import (
    FIXED_NOW,
    RELATIONS,
    REPO_TYPES,
    SIZES,
    Clock,
    Commit,
    Discussion,
    Event,
    HubWorld,
    Org,
    PageSizes,
    Repo,
    User,
    iso,
)

__all__ = [
    "FIXED_NOW",
    "RELATIONS",
    "REPO_TYPES",
    "ROUTE_KINDS",
    "SIZES",
    "Clock",
    "Commit",
    "Discussion",
    "Event",
    "FakeHub",
    "Fault",
    "FaultQueue",
    "HubWorld",
    "LogEntry",
    "Org",
    "PageSizes",
    "Repo",
    "RequestLog",
    "User",
    "iso",
]
