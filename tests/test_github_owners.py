"""The GitHub miner stores who the owner files at each mined repository's head name.

Mined through the fake GitHub API: every repository with commits has a
``.github/CODEOWNERS`` naming one member, the team ``acme-ai/maintainers`` (whose
members the token may list) and ``acme-ai/security`` (404 to the token).
"""

from __future__ import annotations

import hashlib

import pytest
from fake_github import FakeGitHub, World, make_miner_client

from talent.mining import mine_github
from talent.sources.github import GitHubClient
from talent.store import load_named_owners, open_store, save_named_owners, save_sync_state

TOKEN = "test-token"
ORG = "acme-ai"
CORE = "acme-ai/core"
CODEOWNERS = ".github/CODEOWNERS"


@pytest.fixture
def fake():
    world = World.generate(seed=1)
    server = FakeGitHub(world, tokens={TOKEN: {"private": True}}).start()
    yield world, server
    server.stop()
    assert not server.errors, "\n".join(server.errors)


def mine(engine, server, **kw) -> GitHubClient:
    client = make_miner_client(server, TOKEN)
    try:
        mine_github(engine, client, [ORG], **kw)
        return client
    finally:
        client.close()


def stored(engine) -> list[tuple]:
    frame = load_named_owners(engine)
    columns = ["repo", "source", "owner", "kind", "pattern", "role", "line", "since", "until"]
    return sorted(
        tuple(None if str(v) == "NaT" else v for v in row)
        for row in frame[columns].itertuples(index=False)
    )


def expected(world: World) -> list[tuple]:
    """By hand: the CODEOWNERS the fake world gives core (see ``World.generate``)."""
    core = world.repo(ORG, "core")
    members = [u for u in world.users if u.member]
    owner, team = members[0], members[1:3]
    since = core.pushed_at.replace(tzinfo=None)  # the head's time: the listing's pushed_at
    assert f"* @{owner.login} @acme-ai/maintainers" in core.files[CODEOWNERS]
    rows = [(CORE, CODEOWNERS, owner.login, "user", "*", "codeowner", 2, since, None)]
    rows += [
        (CORE, CODEOWNERS, u.login, "user", "*", "team:acme-ai/maintainers", 2, since, None)
        for u in team
    ]
    # the token may not list security's members: it stays one team row
    rows.append(
        (CORE, CODEOWNERS, "acme-ai/security", "team", "/docs/", "codeowner", 3, since, None)
    )
    return sorted(rows)


def owner_reads(server) -> list[str]:
    return [e.canonical for e in server.log if "/git/" in e.canonical or "/teams/" in e.canonical]


def test_head_owners_are_stored_with_the_teams_the_token_may_list(fake, tmp_path):
    world, server = fake
    engine = open_store(f"sqlite:///{tmp_path / 'owners.db'}")
    client = mine(engine, server)
    assert len(world.teams["maintainers"]) == 2
    assert stored(engine) == expected(world)  # scratch is empty: no rows
    text = world.repo(ORG, "core").files[CODEOWNERS].encode()
    blob = hashlib.sha1(b"blob %d\0" % len(text) + text).hexdigest()  # git's object id
    assert sorted(owner_reads(server)) == sorted(
        [
            f"/api/v3/repos/{CORE}/git/trees/main",
            f"/api/v3/repos/{CORE}/git/blobs/{blob}",  # CODEOWNERS only: not README.md
            "/api/v3/repos/acme-ai/scratch/git/trees/main",
            "/api/v3/orgs/acme-ai/teams/maintainers/members",
            "/api/v3/orgs/acme-ai/teams/security/members",
        ]
    )
    assert client.stats.owner_requests == 5
    # Mined again, unchanged: the same rows, and no owner file or team read again.
    server.log.clear()
    again = mine(engine, server)
    assert stored(engine) == expected(world)
    assert owner_reads(server) == [] and again.stats.owner_requests == 0
    engine.dispose()


def test_a_forbidden_team_stays_a_team(fake, tmp_path):
    world, server = fake
    server.faults.add("GET", r"/teams/maintainers/members$", 403)
    engine = open_store(f"sqlite:///{tmp_path / 'owners.db'}")
    mine(engine, server)
    assert [e.status for e in server.log.select("/teams/maintainers/")] == [403]
    rows = [r for r in expected(world) if r[5] != "team:acme-ai/maintainers"]
    since = world.repo(ORG, "core").pushed_at.replace(tzinfo=None)
    maintainers = (
        CORE,
        CODEOWNERS,
        "acme-ai/maintainers",
        "team",
        "*",
        "codeowner",
        2,
        since,
        None,
    )
    assert stored(engine) == sorted([*rows, maintainers])
    engine.dispose()


def test_owners_mined_from_git_are_left_alone(fake, tmp_path):
    world, server = fake
    engine = open_store(f"sqlite:///{tmp_path / 'owners.db'}")
    history = {
        "source": "CODEOWNERS",
        "owner": "someone",
        "pattern": "*",
        "role": "codeowner",
        "since": world.repo(ORG, "core").created_at,
        "kind": "user",
        "until": None,
        "line": 1,
    }
    save_named_owners(engine, CORE, [history])
    save_sync_state(engine, CORE, "git:owners", watermark="0" * 40)
    before = stored(engine)
    mine(engine, server)
    assert stored(engine) == before
    assert not [r for r in owner_reads(server) if CORE in r]
    engine.dispose()
