"""The store: idempotent upserts, filters, URLs, WAL, bound parameters, data version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from conftest import KEY
from sqlalchemy import inspect, text

from talent.config import DB_ENV_VAR, DEFAULT_DB_FILE, Settings, resolve_db_url, sqlite_path
from talent.mining import save_demo
from talent.model import Activity, ActivityKind, CommitFile, Identity, IdentitySource, Origin, Repo
from talent.people.identity import resolve_people
from talent.store import (
    StoreError,
    count_rows,
    data_version,
    get_meta,
    load_activities,
    load_commit_files,
    load_identities,
    load_identity_links,
    load_named_owners,
    load_people,
    load_repos,
    load_sync_state,
    open_store,
    save_activities,
    save_commit_files,
    save_identities,
    save_identity_links,
    save_people,
    save_repos,
    save_sync_state,
    set_meta,
)
from talent.store.schema import SCHEMA_VERSION

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

REPOS = [
    Repo("acme/one", Origin.DEMO, "first", "https://github.com/acme/one", "main"),
    Repo("acme/two", Origin.GITHUB, "second", "", "dev", is_fork=True, is_archived=True),
]
IDENTITIES = [
    Identity(IdentitySource.GITHUB, name="Ada", login="ada", github_id=11, type="User"),
    Identity(IdentitySource.GIT, name="Ada L", email="Ada@Example.org", login="ada"),
    Identity(IdentitySource.GIT, name="Bo", email="bo@example.org"),
]
ACTIVITIES = [
    Activity("c:1", "acme/one", ActivityKind.COMMIT, IDENTITIES[1].key, T0, item="a1", size=3),
    Activity(
        "r:1",
        "acme/one",
        ActivityKind.REVIEW,
        IDENTITIES[0].key,
        T0 + timedelta(days=1),
        counterpart=IDENTITIES[2].key,
        item="acme/one#4",
        title="Fix x",
        url="https://github.com/acme/one/pull/4",
        state="APPROVED",
    ),
    Activity("c:2", "acme/two", ActivityKind.COMMIT, IDENTITIES[2].key, T0 + timedelta(days=40)),
]
FILES = [
    CommitFile("acme/one", "a1", "src/x.py", 2, 1),
    CommitFile("acme/one", "a1", "logo.png", None, None),
]


def _people_and_links():
    identities = pd.DataFrame(
        [
            {
                "key": i.key,
                "source": str(i.source),
                "name": i.name,
                "email": i.email,
                "login": i.login,
                "github_id": i.github_id,
                "type": i.type,
            }
            for i in IDENTITIES
        ]
    )
    res = resolve_people(identities, Settings(company_domains=("example.org",)), privacy_key=KEY)
    return res.people, res.links


def _save_people(engine):
    return save_people(engine, _people_and_links()[0])


def _save_links(engine):
    return save_identity_links(engine, _people_and_links()[1])


def _save_sync(engine):
    save_sync_state(engine, "acme/one", "issues", watermark="2024-05-01T00:00:00Z", etag='W/"x"')
    save_sync_state(engine, "acme/two", "pulls", watermark=None)
    return 2


# (save, load, table): each save writes the records above.
SAVES = {
    "repos": (lambda e: save_repos(e, REPOS), load_repos, "repos"),
    "identities": (lambda e: save_identities(e, IDENTITIES), load_identities, "identities"),
    "activities": (lambda e: save_activities(e, ACTIVITIES), load_activities, "activities"),
    "commit_files": (lambda e: save_commit_files(e, FILES), load_commit_files, "commit_files"),
    "people": (_save_people, load_people, "people"),
    "identity_links": (_save_links, load_identity_links, "identity_links"),
    "sync_state": (_save_sync, load_sync_state, "sync_state"),
}


@pytest.mark.parametrize("name", list(SAVES))
def test_every_save_twice_gives_the_same_rows(store, name):
    save, load, table = SAVES[name]
    assert save(store) > 0
    first = load(store)
    rows = count_rows(store, table)
    assert rows == len(first) > 0
    save(store)
    second = load(store)
    if name == "sync_state":
        # updated_at records when the state was last written: it is meant to move.
        assert (second["updated_at"] >= first["updated_at"]).all()
        first, second = first.drop(columns="updated_at"), second.drop(columns="updated_at")
    pd.testing.assert_frame_equal(first, second)
    assert count_rows(store, table) == rows


def test_saved_values_round_trip(store):
    save_repos(store, REPOS)
    save_activities(store, ACTIVITIES)
    save_commit_files(store, FILES)
    repos = load_repos(store).set_index("full_name")
    assert repos.loc["acme/two", "origin"] == "github"
    assert bool(repos.loc["acme/two", "is_fork"]) and bool(repos.loc["acme/two", "is_archived"])
    acts = load_activities(store).set_index("key")
    assert list(acts.index) == ["c:1", "r:1", "c:2"]  # oldest first
    # Times are stored as naive UTC.
    assert acts.loc["r:1", "occurred_at"] == pd.Timestamp("2024-05-02 09:30")
    assert acts.loc["r:1", "kind"] == "review" and acts.loc["r:1", "state"] == "APPROVED"
    assert acts.loc["r:1", "counterpart"] == "git:Bo\x1fbo@example.org"
    files = load_commit_files(store).set_index("path")
    assert files.loc["src/x.py", "additions"] == 2
    assert pd.isna(files.loc["logo.png", "additions"])


def test_save_demo_world_twice_gives_the_same_tables(store, demo_world):
    first_counts = save_demo(store, demo_world)
    loads = [load_repos, load_identities, load_activities, load_commit_files, load_named_owners]
    before = [load(store) for load in loads]
    tables = ["repos", "identities", "activities", "commit_files", "profiles", "named_owners"]
    counts = {t: count_rows(store, t) for t in tables}
    assert counts == first_counts
    # Several batches: the git and GitHub world's, then the Hub's.
    assert counts["activities"] == len(demo_world.activities) + len(demo_world.hub.activities)
    assert len(demo_world.activities) > 5000
    assert counts["named_owners"] == sum(map(len, demo_world.named_owners.values())) > 0
    assert save_demo(store, demo_world) == first_counts
    for load, frame in zip(loads, before, strict=True):
        pd.testing.assert_frame_equal(load(store), frame)
    assert {t: count_rows(store, t) for t in tables} == counts


def test_upsert_replaces_non_key_columns(store):
    act = ACTIVITIES[1]
    save_activities(store, [act])
    save_activities(store, [Activity(**{**act.__dict__, "title": "Fix x, again", "size": 9})])
    acts = load_activities(store)
    assert len(acts) == 1
    assert acts.loc[0, "key"] == act.key
    assert acts.loc[0, "title"] == "Fix x, again"
    assert acts.loc[0, "size"] == 9
    assert acts.loc[0, "state"] == "APPROVED"


def test_load_activities_filters_by_repos_and_time(store):
    save_activities(store, ACTIVITIES)
    assert list(load_activities(store, repos=["acme/one"])["key"]) == ["c:1", "r:1"]
    assert list(load_activities(store, repos=["acme/two"])["key"]) == ["c:2"]
    assert list(load_activities(store, repos=["acme/one", "acme/two"])["key"]) == [
        "c:1",
        "r:1",
        "c:2",
    ]
    assert load_activities(store, repos=["acme/none"]).empty
    # since is inclusive, until exclusive; aware and naive UTC times mean the same.
    since = T0 + timedelta(days=1)
    assert list(load_activities(store, since=since)["key"]) == ["r:1", "c:2"]
    assert list(load_activities(store, since=since.replace(tzinfo=None))["key"]) == ["r:1", "c:2"]
    assert list(load_activities(store, until=since)["key"]) == ["c:1"]
    window = load_activities(store, repos=["acme/one"], since=T0, until=T0 + timedelta(days=2))
    assert list(window["key"]) == ["c:1", "r:1"]
    # An aware time in another zone is converted to UTC before comparing.
    plus_two = since.astimezone(timezone(timedelta(hours=2)))
    assert list(load_activities(store, since=plus_two)["key"]) == ["r:1", "c:2"]


def test_resolve_db_url_makes_paths_absolute_sqlite_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    assert resolve_db_url("x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert resolve_db_url(Path("sub/y.db")) == f"sqlite:///{tmp_path / 'sub' / 'y.db'}"
    assert resolve_db_url("/abs/z.db") == "sqlite:////abs/z.db"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_db_url("~/h.db") == f"sqlite:///{tmp_path / 'home' / 'h.db'}"
    # None and "" fall back to TALENT_DB, then to ./talent.db.
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / DEFAULT_DB_FILE}"
    assert resolve_db_url("") == f"sqlite:///{tmp_path / DEFAULT_DB_FILE}"
    monkeypatch.setenv(DB_ENV_VAR, "env.db")
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'env.db'}"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://u@localhost/talent",
        "sqlite:////already/a/url.db",
        "sqlite://",
        "mysql://u:p@h/db",
    ],
)
def test_resolve_db_url_passes_urls_through(url):
    assert resolve_db_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////tmp/x.db", Path("/tmp/x.db")),
        ("sqlite:////tmp/x.db?mode=ro", Path("/tmp/x.db")),
        ("sqlite:///rel/x.db", Path("rel/x.db")),
        ("sqlite://", None),
        ("sqlite:///", None),
        ("sqlite:///:memory:", None),
        ("postgresql://u@h/db", None),
    ],
)
def test_sqlite_path(url, expected):
    assert sqlite_path(url) == expected


def test_sqlite_path_round_trips_resolve_db_url(tmp_path):
    assert sqlite_path(resolve_db_url(tmp_path / "a.db")) == tmp_path / "a.db"


def test_sqlite_path_understands_driver_qualified_urls(tmp_path):
    missing = tmp_path / "missing.db"
    assert sqlite_path(f"sqlite+pysqlite:///{missing}") == missing
    with pytest.raises(StoreError):
        open_store(f"sqlite+pysqlite:///{missing}", create=False)


def test_open_store_create_false_on_missing_file_raises(tmp_path):
    missing = tmp_path / "nope.db"
    with pytest.raises(StoreError, match="database not found") as info:
        open_store(f"sqlite:///{missing}", create=False)
    assert str(missing) in str(info.value)
    assert "\n" not in str(info.value)
    assert not missing.exists()  # a read must not leave an empty file behind


def test_open_store_creates_parents_and_reopens(tmp_path):
    path = tmp_path / "a" / "b" / "t.db"
    engine = open_store(f"sqlite:///{path}")
    save_repos(engine, REPOS)
    engine.dispose()
    assert path.exists()
    again = open_store(f"sqlite:///{path}", create=False)
    assert list(load_repos(again)["full_name"]) == ["acme/one", "acme/two"]
    again.dispose()


def test_open_store_refuses_a_newer_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": 99})
    engine.dispose()
    with pytest.raises(StoreError, match=f"99 is newer than this talent \\({SCHEMA_VERSION}\\)"):
        open_store(url)


def test_open_store_on_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{path}", create=False)
    assert "\n" not in str(info.value)


def test_file_store_is_in_wal_mode(sqlite_store):
    with sqlite_store.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


HOSTILE = "Robert'); DROP TABLE activities;--"


def test_hostile_strings_are_bound_parameters(store):
    ident = Identity(
        IdentitySource.GIT, name=HOSTILE, email='o\'hara;"x"@example.org', login="a'b;--"
    )
    act = Activity(
        key=f"k'{HOSTILE}",
        repo="acme/one'; DELETE FROM repos;--",
        kind=ActivityKind.COMMIT,
        actor=ident.key,
        occurred_at=T0,
        title=f'"quoted"; {HOSTILE}',
        url="https://x/?a=1&b='2'",
    )
    save_identities(store, [ident])
    save_activities(store, [act])
    save_activities(store, [act])
    idents = load_identities(store)
    assert idents.to_dict("records")[0] | {"github_id": None} == {
        "key": ident.key,
        "source": "git",
        "name": HOSTILE,
        "email": 'o\'hara;"x"@example.org',
        "login": "a'b;--",
        "github_id": None,
        "type": "",
    }
    acts = load_activities(store)
    assert count_rows(store, "activities") == 1
    row = acts.iloc[0]
    assert (row["key"], row["repo"], row["actor"], row["title"], row["url"]) == (
        act.key,
        act.repo,
        ident.key,
        act.title,
        act.url,
    )
    # Filters bind too.
    assert len(load_activities(store, repos=[act.repo])) == 1
    assert load_activities(store, repos=["x' OR '1'='1"]).empty


def test_save_people_replace_replaces_the_whole_table(store):
    people, _ = _people_and_links()
    save_people(store, people)
    assert count_rows(store, "people") == len(people) == 2
    newcomer = people.iloc[[0]].assign(person_id="p-new", name="New Person")
    save_people(store, newcomer, replace=True)
    after = load_people(store)
    assert list(after["person_id"]) == ["p-new"]
    assert after.loc[0, "name"] == "New Person"
    # Without replace, rows are added (and updated) next to the existing ones.
    save_people(store, people)
    assert sorted(load_people(store)["person_id"]) == sorted([*people["person_id"], "p-new"])


def test_save_identity_links_replace(store):
    _, links = _people_and_links()
    save_identity_links(store, links)
    save_identity_links(store, links.iloc[[0]], replace=True)
    assert list(load_identity_links(store)["identity_key"]) == [links.iloc[0]["identity_key"]]


def test_data_version_changes_after_each_save(store):
    versions = [data_version(store)]
    assert versions[0] == "0"
    for save in (
        lambda: save_repos(store, REPOS),
        lambda: save_identities(store, IDENTITIES),
        lambda: save_activities(store, ACTIVITIES),
        lambda: save_activities(store, ACTIVITIES),  # same rows again still counts as a write
        lambda: save_commit_files(store, FILES),
        lambda: _save_people(store),
    ):
        save()
        versions.append(data_version(store))
    assert len(set(versions)) == len(versions)
    # Saving nothing is not a change.
    save_activities(store, [])
    assert data_version(store) == versions[-1]


def test_meta_set_and_get(store):
    assert get_meta(store, "demo_org") is None
    assert get_meta(store, "demo_org", "fallback") == "fallback"
    set_meta(store, "demo_org", "acme-ai")
    set_meta(store, "demo_org", "acme-ai")
    assert get_meta(store, "demo_org") == "acme-ai"
    set_meta(store, "demo_org", "other")
    assert get_meta(store, "demo_org") == "other"


def test_named_owners_are_replaced_per_repository_and_saved_idempotently(store):
    from datetime import UTC, datetime

    from talent.store import load_named_owners, save_named_owners

    def owner(who, since, until=None, pattern="/docs/"):
        return {
            "source": ".github/CODEOWNERS",
            "owner": who,
            "pattern": pattern,
            "role": "codeowner",
            "since": datetime(2024, since, 1, tzinfo=UTC),
            "kind": "team" if "/" in who else "user",
            "until": None if until is None else datetime(2025, until, 1, tzinfo=UTC),
        }

    history = [owner("ada", 1, until=3), owner("bob", 2), owner("acme/docs", 2, pattern="*")]
    assert save_named_owners(store, "acme/x", history) == 3
    assert save_named_owners(store, "acme/y", [owner("cy", 5)]) == 1
    first = load_named_owners(store)
    version = data_version(store)
    assert save_named_owners(store, "acme/x", history) == 3  # the same history again
    pd.testing.assert_frame_equal(load_named_owners(store), first)
    assert data_version(store) != version
    x = load_named_owners(store, repos=["acme/x"])
    assert x[["owner", "kind"]].values.tolist() == [
        ["acme/docs", "team"],
        ["ada", "user"],
        ["bob", "user"],
    ]
    assert x.set_index("owner")["until"].isna().to_dict() == {
        "acme/docs": True,
        "ada": False,
        "bob": True,
    }
    # A new history replaces the old one of that repository only.
    save_named_owners(store, "acme/x", [owner("bob", 2)])
    assert load_named_owners(store)["owner"].tolist() == ["bob", "cy"]


def test_head_files_are_replaced_per_repository(store):
    from talent.store import load_head_files, save_head_files

    assert save_head_files(store, "acme/x", ["b.py", "a.py", "a.py"]) == 2
    save_head_files(store, "acme/y", ["c.py"])
    assert save_head_files(store, "acme/x", ["a.py", "d.py"]) == 2
    assert load_head_files(store).values.tolist() == [
        ["acme/x", "a.py"],
        ["acme/x", "d.py"],
        ["acme/y", "c.py"],
    ]
    assert load_head_files(store, repos=["acme/y"])["path"].tolist() == ["c.py"]


def test_text_sorts_by_code_point_on_every_backend(store):
    # A PostgreSQL server with a language's collation (the tests' one is ICU en-US)
    # would put "acme/Zeta" after "acme/alpha" and ignore "_" and "-"; SQLite sorts by
    # code point. Rows, ties in rankings and reports must come out the same on both.
    names = ["acme/alpha", "acme/Zeta", "acme/_private", "acme/a-b", "acme/ab", "acme/éclair"]
    save_repos(store, [Repo(n, Origin.GITHUB) for n in names])
    assert load_repos(store)["full_name"].tolist() == sorted(names)
    if store.dialect.name == "postgresql":  # the premise: the server's own order differs
        with store.connect() as conn:
            assert conn.execute(text("SELECT 'acme/Zeta' < 'acme/alpha'")).scalar() is False


def test_a_database_of_another_application_is_refused_and_left_alone(db_url):
    from sqlalchemy import create_engine, inspect

    other = create_engine(db_url)
    with other.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)"))
        conn.execute(text("INSERT INTO invoices VALUES (1, 9.5)"))
    with pytest.raises(StoreError) as info:
        open_store(db_url)
    shown = sqlite_path(db_url) or other.url.render_as_string(hide_password=True)
    assert str(info.value) == (
        f"{shown} is not a talent database (it has tables of another application): "
        "give another --db"
    )
    with other.connect() as conn:  # not one talent table added, the data untouched
        assert inspect(conn).get_table_names() == ["invoices"]
        assert conn.execute(text("SELECT total FROM invoices")).scalar() == 9.5
    other.dispose()


def test_an_empty_database_becomes_a_talent_database(tmp_path):
    import sqlite3

    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # a database file with no tables (0 bytes)
    engine = open_store(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == (
            SCHEMA_VERSION
        )
    engine.dispose()


def test_an_older_talent_database_still_opens_and_migrates(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_store(url)
    save_repos(engine, REPOS)
    with engine.begin() as conn:  # back to version 12: before employed_from/_until
        conn.execute(text("ALTER TABLE people DROP COLUMN employed_from"))
        conn.execute(text("ALTER TABLE people DROP COLUMN employed_until"))
        conn.execute(text("UPDATE schema_version SET version = 12"))
    engine.dispose()
    again = open_store(url)
    with again.connect() as conn:
        columns = {row[1] for row in conn.execute(text("PRAGMA table_info(people)"))}
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == (
            SCHEMA_VERSION
        )
        tables = set(inspect(conn).get_table_names())
    assert {"employed_from", "employed_until"} <= columns
    assert {"access_log", "access_log_people"} <= tables  # new in 14
    assert list(load_repos(again)["full_name"]) == ["acme/one", "acme/two"]
    again.dispose()


def test_cli_on_a_database_of_another_application_is_one_line(tmp_path):
    import sqlite3

    from typer.testing import CliRunner

    from talent.cli import app

    path = tmp_path / "firefox.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    for args in (["maintainers"], ["demo", "--size", "small"]):
        result = CliRunner().invoke(app, [*args, "--db", str(path)])
        assert result.exit_code == 1, result.output
        assert result.output == (
            f"error: {path} is not a talent database (it has tables of another "
            "application): give another --db\n"
        )
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert names == ["moz_places"]
