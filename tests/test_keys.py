"""The privacy key (issue 26, break 7): a copy of the database alone cannot be checked
against the opt-out list, a missing or wrong key is refused in one line, a rotation
locks out the old key file, and a list made before keys is wrapped once."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import datetime

import pytest
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.mining import save_demo
from talent.names import optout_tokens
from talent.people.identity import update_people
from talent.people.privacy import optout
from talent.sources.demo import generate_demo
from talent.store import (
    get_meta,
    load_identities,
    load_people,
    load_suppressions,
    open_store,
    save_suppressions,
    set_meta,
)
from talent.store.keys import ensure_key, key_path, read_key


@pytest.fixture()
def keyed(tmp_path, monkeypatch):
    """A demo store with its own key file, and one person opted out."""
    monkeypatch.setenv("TALENT_KEY_FILE", str(tmp_path / "keys" / "privacy.key"))
    db = f"sqlite:///{tmp_path / 'talent.db'}"
    engine = open_store(db)
    world = generate_demo(7, "small")
    save_demo(engine, world)
    update_people(engine, Settings(db_url=db))
    person = next(p for p in world.people if p.archetype == "community_core")
    identities = load_identities(engine)
    optout(engine, person.login, Settings(db_url=db), kind="login")
    return {"db": db, "engine": engine, "identities": identities, "tmp": tmp_path}


def _dictionary_hits(engine, identities, entry) -> int:
    """How many list entries a dictionary attack with ``entry(salt, token)`` finds, using
    every identifier of the (pre-opt-out) store as the dictionary."""
    salt = get_meta(engine, "privacy_salt")
    listed = set(load_suppressions(engine)["hash"])
    tokens = {
        t
        for row in identities.itertuples(index=False)
        for t in optout_tokens(row.source, row.name, row.email, row.login, row.github_id)
    }
    return sum(entry(salt, t) in listed for t in tokens)


def test_a_copy_of_the_database_alone_cannot_be_checked_against_the_list(keyed):
    engine = keyed["engine"]

    def salted(salt, token):  # what the list used to be: the salt is in the database
        return hashlib.sha256(f"{salt}\x1f{token}".encode()).hexdigest()

    assert _dictionary_hits(engine, keyed["identities"], salted) == 0
    # With the key file too, the same dictionary finds them: the figure can fail.
    key = ensure_key(engine)
    assert _dictionary_hits(engine, keyed["identities"], key.hash) >= 2


def test_the_key_file_is_its_owners_only_and_outside_the_database(keyed):
    path = key_path()
    assert path.exists() and not str(path).startswith(str(keyed["tmp"] / "talent.db"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = read_key(path)
    assert key is not None
    raw = (keyed["tmp"] / "talent.db").read_bytes()
    assert key.keys[0].hex().encode() not in raw and key.keys[0] not in raw


def test_no_person_id_is_a_public_identifier(keyed):
    people = load_people(keyed["engine"])
    assert people["person_id"].str.fullmatch(r"p[0-9a-f]{12}").all()


def test_a_missing_or_wrong_key_is_refused_in_one_line(keyed, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("TALENT_KEY_FILE", str(keyed["tmp"] / "elsewhere.key"))
    result = runner.invoke(app, ["rank", "--db", keyed["db"]])
    assert result.exit_code == 1 and "is missing" in result.output
    assert "Traceback" not in result.output
    assert not (keyed["tmp"] / "elsewhere.key").exists()  # no new key was made
    (keyed["tmp"] / "elsewhere.key").write_text(os.urandom(32).hex() + "\n")
    result = runner.invoke(app, ["rank", "--db", keyed["db"]])
    assert result.exit_code == 1 and "is not the privacy key" in result.output


def test_rotation_locks_out_the_old_key_file_and_keeps_the_list_working(keyed, tmp_path):
    engine = keyed["engine"]
    old = read_key(key_path())
    before = set(load_suppressions(engine)["hash"])
    ids = set(load_people(engine)["person_id"])
    result = CliRunner().invoke(app, ["privacy", "rotate-key", "--db", keyed["db"]])
    assert result.exit_code == 0, result.output
    after = set(load_suppressions(engine)["hash"])
    assert len(after) == len(before) and not after & before
    new = read_key(key_path())
    assert new is not None and len(new.keys) == 2 and new.keys[0] == old.keys[0]
    # The old key file opens nothing: its hashes are not the list's any more.
    assert _dictionary_hits(engine, keyed["identities"], old.hash) == 0
    assert _dictionary_hits(engine, keyed["identities"], new.hash) >= 2
    # People keep their ids, and a re-mine still leaves the person out.
    world = generate_demo(7, "small")
    save_demo(engine, world)
    update_people(engine, Settings(db_url=keyed["db"]))
    assert set(load_people(engine)["person_id"]) == ids


def test_a_list_made_before_keys_is_wrapped_once(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENT_KEY_FILE", str(tmp_path / "k" / "privacy.key"))
    db = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_store(db)
    set_meta(engine, "privacy_salt", "s" * 32)
    legacy = hashlib.sha256(f"{'s' * 32}\x1flogin:ada".encode()).hexdigest()
    save_suppressions(engine, [{"hash": legacy, "kind": "login", "added_at": _now()}])
    key = ensure_key(engine)
    assert set(load_suppressions(engine)["hash"]) == {key.hash("s" * 32, "login:ada")}
    ensure_key(engine)  # a second open wraps nothing again
    assert set(load_suppressions(engine)["hash"]) == {key.hash("s" * 32, "login:ada")}


def _now():
    return datetime(2026, 1, 1)
