"""Opt-out: a person on the list is not stored at ingest, is deleted from what was stored,
and appears in no output of any kind; the list itself names nobody."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.mining import save_demo
from talent.names import optout_tokens
from talent.people.identity import find_person, update_people
from talent.people.privacy import PrivacyError, optout, purge_person
from talent.ranking.scoring import rank_store
from talent.sources.demo import generate_demo
from talent.store import (
    load_activities,
    load_identities,
    load_identity_links,
    load_people,
    load_suppressions,
    open_store,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def world():
    return generate_demo(7, "small")


@pytest.fixture()
def db(tmp_path, world):
    url = f"sqlite:///{tmp_path / 'talent.db'}"
    engine = open_store(url)
    save_demo(engine, world)
    update_people(engine, Settings())
    return url


def _someone(world, archetype="community_core"):
    """A person of ``archetype`` whose name and login nobody else shares."""
    names = [p.name for p in world.people] + [i.name for i in world.hub.identities]
    logins = [p.login for p in world.people]
    return next(
        p
        for p in world.people
        if p.archetype == archetype
        and names.count(p.name) == 1 + sum(i.name == p.name for i in world.hub.identities)
        and not any(
            world.hub.people[i.key] != p.index for i in world.hub.identities if i.name == p.name
        )
        and logins.count(p.login) == 1
        and len(p.name) > 8
    )


def _pid(db, person) -> str:
    """The person id of a demo person's GitHub account (ids are keyed: looked up)."""
    return find_person(open_store(db), f"github:{person.github_id}")


def _their_strings(person) -> list[str]:
    ids = [f"github:{person.github_id}"] if getattr(person, "github_id", None) else []
    return [person.name, person.login, *ids,
            *(i.email for i in person.git_identities if i.email)]  # fmt: skip


def _absent(text: str, person) -> None:
    for value in _their_strings(person):
        assert value.lower() not in text.lower(), value


def test_an_opted_out_person_is_deleted_and_never_stored_again(db, world):
    engine = open_store(db)
    person = _someone(world)
    keys = {i.key for i in [person.account, *person.git_identities]}
    acts = load_activities(engine)
    answered = acts[acts["counterpart"].isin(keys)]
    assert len(answered) > 0  # others acted on their work

    done = optout(engine, person.login, kind="login")
    assert done.get("identities") >= len(keys) - 1 and done.get("activities") > 0
    assert not keys & set(load_identities(engine)["key"])
    after = load_activities(engine)
    assert not set(after["actor"]) & keys and not set(after["counterpart"].dropna()) & keys
    # Others keep the credit for acting on their work; only the counterpart is gone.
    kept = after.set_index("key").loc[answered["key"]]
    assert kept["counterpart"].isna().all()
    assert person.name not in set(load_people(engine)["name"])

    # A re-mine (every source goes through sync) does not bring them back.
    save_demo(engine, world)
    update_people(engine, Settings())
    assert not keys & set(load_identities(engine)["key"])
    assert not keys & set(load_activities(engine)["actor"])
    assert person.name not in set(load_people(engine)["name"])


def test_the_list_names_nobody(db, world):
    engine = open_store(db)
    person = _someone(world)
    optout(engine, person.login, kind="login")
    dump = "\n".join(sqlite3.connect(db.removeprefix("sqlite:///")).iterdump())
    _absent(dump, person)  # not in the list, not anywhere else in the database
    rows = load_suppressions(engine)
    assert len(rows) >= 2 and rows["hash"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_a_suppressed_person_is_in_no_output_of_any_kind(db, world, tmp_path, monkeypatch):
    person = _someone(world)
    runner = CliRunner()
    who = _pid(db, person)  # their GitHub person (their Hub account may share the login)
    shortlisted = runner.invoke(app, ["feedback", "shortlist", who, "--db", db])
    assert shortlisted.exit_code == 0, shortlisted.output
    other = _someone(world, "community")
    other_id = _pid(db, other)
    listed = ["shortlist", "add", "DevRel", who, other_id, "--db", db]
    assert runner.invoke(app, listed).exit_code == 0
    noted = ["shortlist", "note", "DevRel", who, f"talked to {person.name}", "--db", db]
    assert runner.invoke(app, noted).exit_code == 0
    before = runner.invoke(app, ["digest", "--db", db, "--search", "x"])  # unknown: an error
    assert before.exit_code == 1
    assert runner.invoke(app, ["search", "save", "x", "--top", "1000", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["digest", "--search", "x", "--db", db]).exit_code == 0
    optout_run = runner.invoke(app, ["privacy", "optout", person.login, "--db", db])
    assert optout_run.exit_code == 0, optout_run.output
    _absent(optout_run.output, person)

    outputs = []
    for args in (
        ["rank", "--top", "0"],
        ["rank", "--top", "0", "-f", "json", "--with-identities"],
        ["rank", "--top", "0", "-f", "csv", "--with-identities", "--include-bots"],
        ["rank", "--top", "0", "--profile", "recruiter", "--explain", "-f", "json"],
        ["maintainers"],
        ["feedback", "list"],
        ["feedback", "export", "-f", "json", "-o", str(tmp_path / "shortlist.json")],
        ["people", "suggestions"],
        ["privacy", "list"],
        ["shortlist", "show", "DevRel"],
        ["shortlist", "show", "DevRel", "--history"],
        ["shortlist", "export", "DevRel", "-f", "json"],
        ["digest", "--search", "x", "-f", "json"],
        ["digest", "--search", "x"],
        ["outreach", other_id],
    ):
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, (args, result.output)
        outputs.append(" ".join(args) + "\n" + result.output)
    outputs.append((tmp_path / "shortlist.json").read_text())
    shown = runner.invoke(app, ["people", "show", person.login, "--db", db])
    assert shown.exit_code == 1
    outputs.append(shown.output.replace(person.login, ""))  # the echo of what was asked
    # The library API, as a notebook uses it.
    outputs.append(rank_store(open_store(db)).to_json())
    # The app: the Candidates page's table and the Candidate page's list of people.
    monkeypatch.setenv("TALENT_DB", db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    assert not at.exception
    outputs.append(at.dataframe[0].value.to_json())
    at.switch_page("talent/ui/pages/candidate.py").run()
    outputs.append(json.dumps([str(o) for o in at.selectbox[0].options]))
    for text in outputs:
        _absent(text, person)


def test_purge_deletes_a_person_and_their_verdict_and_keeps_them_out(db, world):
    engine = open_store(db)
    person = _someone(world, "community")
    runner = CliRunner()
    who = _pid(db, person)
    assert runner.invoke(app, ["feedback", "reject", who, "--db", db]).exit_code == 0
    result = runner.invoke(app, ["privacy", "purge", who, "--db", db])
    assert result.exit_code == 0, result.output
    assert " 2 pipeline rows " in result.output  # the quick verdict: its entry and event
    names = set(load_people(engine)["name"])
    assert person.name not in names
    save_demo(engine, world)
    update_people(engine, Settings())
    assert person.name not in set(load_people(engine)["name"])


def test_the_list_moves_to_another_database_and_applies_at_ingest(db, world, tmp_path):
    engine = open_store(db)
    person = _someone(world)
    optout(engine, person.git_identities[0].email, kind="email")
    runner = CliRunner()
    exported = runner.invoke(app, ["privacy", "export", str(tmp_path / "list.json"), "--db", db])
    assert exported.exit_code == 0, exported.output
    _absent((tmp_path / "list.json").read_text(), person)

    other = f"sqlite:///{tmp_path / 'other.db'}"
    open_store(other)
    imported = runner.invoke(app, ["privacy", "import", str(tmp_path / "list.json"), "--db", other])
    assert imported.exit_code == 0, imported.output
    save_demo(open_store(other), world)  # mined after the import: never stored
    keys = {i.key for i in [person.account, *person.git_identities]}
    stored = set(load_identities(open_store(other))["key"])
    assert not keys & stored


def test_a_hub_account_is_left_out_by_its_hub_login(db, world):
    engine = open_store(db)
    account = next(i for i in world.hub.identities if world.hub.people[i.key] >= len(world.people))
    optout(engine, account.login, kind="hf")
    assert account.key not in set(load_identities(engine)["key"])
    assert account.key not in set(load_activities(engine)["actor"])
    links = load_identity_links(engine)
    assert account.key not in set(links["identity_key"])


def test_optout_tokens_cover_what_a_person_is_known_by():
    assert optout_tokens("github", None, None, "Ada", 7.0) == ["login:ada", "github_id:7"]
    assert optout_tokens("git", "ada", "Ada@X.org", "ada") == [
        "email:ada@x.org",
        "mailbox:ada@x.org",
        "login:ada",
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["privacy", "optout", ""], "say who"),
        (["privacy", "optout", "Nobody Here At All"], "nobody matches"),
        (["privacy", "optout", "https://github.com/no-such-login"], "nobody matches"),
        (["privacy", "optout", "abc", "--kind", "github_id"], "is a number"),
        (["privacy", "optout", "x", "--kind", "phone"], "phone"),
        (["privacy", "remove", "zzzz"], "0 entries start with"),
        (["privacy", "purge", "nobody-at-all"], "nobody-at-all"),
        (["privacy", "import", "/nonexistent/list.json"], "cannot read"),
        (["privacy", "import", "/dev/zero"], "the opt-out list"),
    ],
)
def test_bad_privacy_input_is_one_line_and_loses_nothing(db, args, says):
    before = len(load_activities(open_store(db)))
    result = CliRunner().invoke(app, [*args, "--db", db])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and says in result.output
    assert len(load_activities(open_store(db))) == before


def test_a_deeply_nested_list_file_is_one_line(db, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = CliRunner().invoke(app, ["privacy", "import", str(deep), "--db", db])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the opt-out list nests deeper than 64 levels" in result.output


def test_the_notice_names_the_sources_and_how_to_opt_out(db):
    result = CliRunner().invoke(app, ["privacy", "notice", "--db", db])
    assert result.exit_code == 0
    text = result.output
    assert "Hugging Face Hub" in text and "Article 21" in text and "Article 14" in text
    assert "talent privacy optout" in text


def test_purge_of_an_unknown_person_raises(db):
    with pytest.raises(PrivacyError, match="nobody matches"):
        purge_person(open_store(db), "no-such-person-anywhere")
    with pytest.raises(PrivacyError):
        optout(open_store(db), "  ", kind="login")


def test_retention_forgets_old_comment_text_and_changes_no_score(db, tmp_path):
    settings_file = tmp_path / "talent.toml"
    settings_file.write_text("[privacy]\ncomment_text_days = 365\n")
    engine = open_store(db)
    before = rank_store(engine, include_bots=True)
    acts = load_activities(engine)
    comments = acts["kind"].isin(["issue_comment", "review_comment", "review"])
    # The demo world ends on 2026-10-31: a year before now is well inside it.
    cutoff = pd.Timestamp.now(tz="UTC").tz_localize(None) - pd.Timedelta(days=365)
    old = comments & (acts["occurred_at"] < cutoff) & (acts["title"] != "")
    assert old.sum() > 0 and (comments & ~old & (acts["title"] != "")).sum() > 0

    runner = CliRunner()
    result = runner.invoke(app, ["privacy", "retain", "--db", db, "--config", str(settings_file)])
    assert result.exit_code == 0, result.output
    assert f"text of {old.sum():,} comments" in result.output
    after_acts = load_activities(engine).set_index("key")
    assert (after_acts.loc[acts.loc[old, "key"], "title"] == "").all()
    kept = acts[comments & ~old]
    assert (after_acts.loc[kept["key"], "title"] == kept.set_index("key")["title"]).all()
    assert len(after_acts) == len(acts)  # every act stays
    after = rank_store(engine, include_bots=True)
    columns = ["person_id", "score", "is_bot"]
    pd.testing.assert_frame_equal(before[columns], after[columns])

    bad = tmp_path / "bad.toml"
    bad.write_text("[privacy]\ncomment_text_days = -3\n")
    refused = runner.invoke(app, ["privacy", "retain", "--db", db, "--config", str(bad)])
    assert refused.exit_code != 0 and "comment_text_days" in refused.output
    unset = runner.invoke(app, ["privacy", "retain", "--db", db])
    assert unset.exit_code != 0 and "[privacy]" in unset.output


def test_an_opt_out_holds_on_either_backend(db_url):
    """The same opt-out on SQLite and on PostgreSQL: the person, their pipeline rows and
    owner rows go, the list names nobody, the files are scrubbed (VACUUM FULL on
    PostgreSQL) and a re-mine leaves them out."""
    engine = open_store(db_url)
    world = generate_demo(7, "small")
    save_demo(engine, world)
    settings = Settings(db_url=db_url)
    update_people(engine, settings)
    person = _someone(world)
    who = find_person(engine, f"github:{person.github_id}")
    runner = CliRunner()
    assert runner.invoke(app, ["shortlist", "add", "Core", who, "--db", db_url]).exit_code == 0
    done = optout(engine, person.login, settings)
    assert done.person_id == who and done.get("identities") >= 2
    assert done.get("shortlist_entries") == 1
    assert who not in set(load_people(engine)["person_id"])
    assert not load_suppressions(engine)["hash"].str.contains(person.login).any()
    save_demo(engine, world)
    update_people(engine, settings)
    assert person.name not in set(load_people(engine)["name"])
    shown = runner.invoke(app, ["rank", "--top", "0", "-f", "json", "--db", db_url])
    assert shown.exit_code == 0 and person.login not in shown.output
