"""Shared fixtures: stores in tmp_path, the small demo world, and a hand-built world.

No network. ``store`` and ``demo_store`` come twice, as an SQLite file under pytest's
tmp_path and as a database of a private PostgreSQL server (``tests/pg.py``), so every test
that takes them runs on both; ``db_url`` does the same for tests that pass ``--db``. The
demo world is generated once per session (it is deterministic) and written once per
backend to a store that the tests only read; tests that write get their own store.

Every store of the session is keyed with :data:`KEY`, written to a key file under the
session's tmp and named by ``TALENT_KEY_FILE`` (so no test reads or makes
``~/.config/talent/privacy.key``, and subprocesses inherit it): a person's id in a test is
``KEY.person_id(anchor)``, the anchor being ``github:ID`` of their first account, else
their first identity key.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from talent.config import Settings
from talent.mining import save_demo
from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.people.identity import update_people
from talent.sources.demo import generate_demo
from talent.store import open_store, save_activities, save_identities
from talent.store.keys import KEY_ENV_VAR, PrivacyKey, write_key_file

SEED = 7
BACKENDS = ["sqlite", "postgresql"]

# The privacy key of every store the tests make (fixed, so ids can be written down as
# KEY.person_id("github:42"); the tests of keys themselves make their own files).
KEY = PrivacyKey((bytes.fromhex("5e55104b3e7a11c0ffee0ddba11f00d5" * 2),))


@pytest.fixture(scope="session", autouse=True)
def key_file(tmp_path_factory):
    """The session's key file, named by ``TALENT_KEY_FILE`` for the whole session."""
    path = tmp_path_factory.mktemp("key") / "privacy.key"
    write_key_file(path, KEY)
    before = os.environ.get(KEY_ENV_VAR)
    os.environ[KEY_ENV_VAR] = str(path)
    yield path
    if before is None:
        os.environ.pop(KEY_ENV_VAR, None)
    else:
        os.environ[KEY_ENV_VAR] = before


@pytest.fixture(scope="session")
def pg_server():
    """A private PostgreSQL cluster for the session (skips, or fails in CI, if absent)."""
    from pg import Server

    server = Server()
    yield server
    server.stop()


def _new_url(request, backend: str, folder) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("pg_server").new_database()
    return f"sqlite:///{folder / 'store.db'}"


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """The URL of a fresh, empty database: an SQLite file, then a PostgreSQL database."""
    return _new_url(request, request.param, tmp_path)


@pytest.fixture
def store(db_url):
    """A fresh, empty store (SQLite, then PostgreSQL)."""
    engine = open_store(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def demo_copy(request, demo_store, tmp_path):
    """The URL of a writable copy of ``demo_store`` (same backend)."""
    if demo_store.dialect.name == "postgresql":
        server = request.getfixturevalue("pg_server")
        return server.new_database(template=server.templates[demo_store.url.database])
    import sqlite3

    path = tmp_path / "copy.db"
    with sqlite3.connect(demo_store.url.database) as source, sqlite3.connect(path) as target:
        source.backup(target)  # SQLite's backup includes what is still in the write-ahead log
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_store(tmp_path):
    """A fresh store in an SQLite file, for what only SQLite has (WAL, file locks)."""
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_world():
    """The small demo world for seed 7 (read-only: do not mutate)."""
    return generate_demo(SEED, "small")


@pytest.fixture(scope="session", params=BACKENDS)
def demo_store(request, tmp_path_factory, demo_world):
    """A store holding the small demo world with people resolved (read-only).

    On PostgreSQL the world is written to a template database that nothing stays
    connected to, and ``demo_store`` and every ``demo_copy`` are copies of it.
    """
    engine = open_store(_new_url(request, request.param, tmp_path_factory.mktemp("demo")))
    save_demo(engine, demo_world)
    update_people(engine, Settings())
    if engine.dialect.name == "postgresql":
        template = engine.url.database
        engine.dispose()
        server = request.getfixturevalue("pg_server")
        engine = open_store(server.new_database(template=template))
        server.templates[engine.url.database] = template
    yield engine
    engine.dispose()


# --- a hand-built world ------------------------------------------------------------------
#
# Three people with GitHub accounts: m (maintainer, id 1) reviews the pull requests of a
# (id 2) and b (id 3) and merges b's. Interaction edges are therefore a -> m and b -> m
# only, which makes PageRank solvable by hand (see test_scoring.py).

MAINTAINER = Identity(IdentitySource.GITHUB, name="Maria Maint", login="maria", github_id=1)
AUTHOR_A = Identity(IdentitySource.GITHUB, name="Alex Author", login="alex", github_id=2)
AUTHOR_B = Identity(IdentitySource.GITHUB, name="Bea Builder", login="bea", github_id=3)
HAND_IDENTITIES = [MAINTAINER, AUTHOR_A, AUTHOR_B]


def _at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def _act(n, kind, who, when, repo="acme/r1", counterpart=None, item=None, title=""):
    return Activity(
        key=f"hand:{n}",
        repo=repo,
        kind=kind,
        actor=who.key,
        occurred_at=when,
        counterpart=counterpart.key if counterpart is not None else None,
        item=item,
        title=title,
    )


HAND_ACTIVITIES = [
    # a: one pull request with its commit in January, a comment in February on r1,
    # and an issue on r2.
    _act(1, ActivityKind.PR_OPENED, AUTHOR_A, _at(1, 5), item="acme/r1#1", title="Add x"),
    _act(2, ActivityKind.COMMIT, AUTHOR_A, _at(1, 6), item="c0ffee", title="Add x"),
    _act(3, ActivityKind.ISSUE_COMMENT, AUTHOR_A, _at(2, 10), item="acme/r1#1"),
    _act(4, ActivityKind.ISSUE_OPENED, AUTHOR_A, _at(1, 20), repo="acme/r2", item="acme/r2#1"),
    # m reviews a twice (with one inline comment) in January.
    _act(5, ActivityKind.REVIEW, MAINTAINER, _at(1, 7), counterpart=AUTHOR_A, item="acme/r1#1"),
    _act(6, ActivityKind.REVIEW, MAINTAINER, _at(1, 8), counterpart=AUTHOR_A, item="acme/r1#1"),
    _act(
        7,
        ActivityKind.REVIEW_COMMENT,
        MAINTAINER,
        _at(1, 7, 13),
        counterpart=AUTHOR_A,
        item="acme/r1#1",
    ),
    # b: a pull request in March that m reviews and merges.
    _act(8, ActivityKind.PR_OPENED, AUTHOR_B, _at(3, 1), item="acme/r1#2", title="Fix y"),
    _act(9, ActivityKind.REVIEW, MAINTAINER, _at(3, 2), counterpart=AUTHOR_B, item="acme/r1#2"),
    _act(10, ActivityKind.PR_MERGED, AUTHOR_B, _at(3, 3), counterpart=MAINTAINER, item="acme/r1#2"),
    _act(
        11, ActivityKind.PR_MERGED_BY, MAINTAINER, _at(3, 3), counterpart=AUTHOR_B, item="acme/r1#2"
    ),
]


@pytest.fixture
def hand_store(store):
    """``store`` holding the hand-built world (people not resolved yet)."""
    save_identities(store, HAND_IDENTITIES)
    save_activities(store, HAND_ACTIVITIES)
    return store
