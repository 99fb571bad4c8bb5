"""People already in the company's applicant tracking system: an import of its export
(logins, profile links or e-mails) marks them "in ATS" on Candidates, the Candidate page,
the Shortlists page and exports; only the match is stored, never the file's addresses;
a purge takes the mark too. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talent.cli import app
from talent.people.privacy import purge_person
from talent.store import (
    add_entries,
    dump_tables,
    load_ats_marks,
    load_identities,
    load_identity_links,
    load_people,
    open_store,
)
from talent.views.pipeline import PipelineError, import_ats, pipeline_column, read_ats

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def world(demo_copy):
    """The demo store, three people in it (one known by an e-mail address) and a file in
    an ATS's shape naming them, an outsider and a hostile cell."""
    engine = open_store(demo_copy)
    people = load_people(engine)
    github = people[people["profile_url"].str.startswith("https://github.com/", na=False)]
    by_login, by_url, by_mail = github["person_id"].head(3).tolist()
    login = github.set_index("person_id").loc
    identities = load_identities(engine).merge(
        load_identity_links(engine), left_on="key", right_on="identity_key"
    )
    mails = identities[(identities["person_id"] == by_mail) & (identities["email"] != "")]
    email = mails["email"].iloc[0]
    rows = [
        ["Candidate Name", "Email Address", "GitHub Profile", "Stage"],
        ["A", "", "@" + login[by_login, "login"].upper(), "Phone screen"],
        ["B", "", f"https://github.com/{login[by_url, 'login']}/", "Onsite"],
        ["C", email.upper(), "", "Applied"],
        ["Outsider", "outsider@example.com", "ghost-login-zz", "Applied"],
        ["=HYPERLINK(1)", "", "=cmd", "Applied"],
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    yield engine, demo_copy, (by_login, by_url, by_mail), out.getvalue().encode("utf-8-sig")
    engine.dispose()


def test_an_ats_export_marks_the_people_it_names_and_keeps_only_the_match(world):
    engine, _url, (by_login, by_url, by_mail), payload = world
    found = import_ats(engine, payload, "greenhouse.csv")
    # A bare login marks everyone here known by it (the demo, like real data, has GitHub
    # and Hub accounts of one name that talent keeps apart); a github.com link only the
    # GitHub account.
    people = load_people(engine)
    login = people.set_index("person_id").loc[by_login, "login"]
    namesakes = people.loc[people["login"].str.lower() == login.lower(), "person_id"].tolist()
    assert by_login in namesakes
    url_login = people.set_index("person_id").loc[by_url, "login"]
    assert (people["login"].str.lower() == url_login.lower()).sum() >= 1
    expected = {p: "login" for p in namesakes} | {by_url: "login", by_mail: "e-mail"}
    assert found.matched == expected
    assert (found.rows, found.unmatched) == (4, 1)  # "=cmd" is not a login: not a row
    assert f"{len(expected)} people marked in ATS ({len(expected) - 1} by login, 1 by e-mail)" in (
        found.summary()
    )
    marks = load_ats_marks(engine)
    assert sorted(marks["person_id"]) == sorted(expected)
    assert set(marks["source"]) == {"greenhouse.csv"}
    stored = repr(dump_tables(engine)).lower()
    assert "outsider" not in stored and "ghost-login-zz" not in stored

    column = pipeline_column(engine)
    assert column[by_login] == "in ATS"
    add_entries(engine, "DevRel", [by_url], "ann")
    assert pipeline_column(engine)[by_url] == "in ATS; DevRel: new"


def test_a_later_import_adds_unless_it_replaces(world):
    engine, _url, (by_login, by_url, by_mail), payload = world
    import_ats(engine, payload, "first.csv")
    login = load_people(engine).set_index("person_id").loc[by_url, "login"]
    import_ats(engine, f"login\nhttps://github.com/{login}\n".encode(), "second.csv")
    marks = load_ats_marks(engine).set_index("person_id")["source"].to_dict()
    assert marks[by_url] == "second.csv"
    assert marks[by_login] == marks[by_mail] == "first.csv"
    import_ats(engine, f"github.com/{login}\n".encode(), "whole.csv", replace=True)
    assert load_ats_marks(engine)["person_id"].tolist() == [by_url]


def test_a_purge_takes_the_mark_too(world):
    engine, _url, (by_login, _by_url, _by_mail), payload = world
    import_ats(engine, payload, "ats.csv")
    purge_person(engine, by_login)
    assert by_login not in set(load_ats_marks(engine)["person_id"])
    assert by_login not in import_ats(engine, payload, "again.csv").matched  # not back


@pytest.mark.parametrize(
    "payload, says",
    [
        (b"", "it is empty"),
        (b"name,stage\nAda,new\n", "no column of logins or e-mails"),
        (b"\xff\xfe\x00a", "not a UTF-8 text file"),
    ],
)
def test_a_file_that_is_not_an_ats_export_says_what_to_give(payload, says):
    with pytest.raises(PipelineError, match=says):
        read_ats(payload)


def test_cli_import_show_export_and_clear(world, tmp_path, monkeypatch):
    engine, url, (by_login, by_url, by_mail), payload = world
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    file = tmp_path / "ats.csv"
    file.write_bytes(payload)
    result = runner.invoke(app, ["ats", "import", str(file), "--db", url])
    assert result.exit_code == 0, result.output
    marks = load_ats_marks(engine).set_index("person_id")["matched_by"].to_dict()
    assert result.output.startswith(f"4 rows with a login or e-mail: {len(marks)} people marked")
    assert "1 not among the people here" in result.output
    assert {by_login: "login", by_url: "login", by_mail: "e-mail"}.items() <= marks.items()
    shown = runner.invoke(app, ["ats", "show", "--db", url, "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(shown.stdout)))
    assert {r["person_id"]: r["matched_by"] for r in rows} == marks
    assert "@" not in shown.stdout  # no address, not even the one that matched

    runner.invoke(app, ["shortlist", "add", "--db", url, "--", "DevRel", by_login, by_url])
    exported = runner.invoke(app, ["shortlist", "export", "DevRel", "--db", url])
    assert exported.exit_code == 0, exported.output
    in_ats = {r["person_id"]: r["in_ats"] for r in csv.DictReader(io.StringIO(exported.stdout))}
    assert in_ats == {by_login: "True", by_url: "True"}

    cleared = runner.invoke(app, ["ats", "clear", "--db", url])
    assert cleared.exit_code == 0 and load_ats_marks(engine).empty
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name,stage\nAda,new\n")
    for args in (["ats", "import", str(bad)], ["ats", "import", str(tmp_path / "none.csv")]):
        result = runner.invoke(app, [*args, "--db", url])
        assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
        assert result.output.startswith("error: ")


def test_the_app_shows_who_is_in_ats(world, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    engine, url, (by_login, by_url, _by_mail), payload = world
    st.cache_data.clear()
    st.cache_resource.clear()
    import_ats(engine, payload, "ats.csv")
    add_entries(engine, "DevRel", [by_login], "ann")
    people = load_people(engine)
    other = people[~people["person_id"].isin([by_login, by_url, _by_mail])]["person_id"].iloc[0]
    add_entries(engine, "DevRel", [other], "ann")
    monkeypatch.setenv("TALENT_DB", url)

    def page(name, **query):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
        at.switch_page(f"talent/ui/pages/{name}.py")
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception
        return at

    at = page("candidate", person=by_url)
    assert any("In your applicant tracking system" in m.value and "ats\\.csv" in m.value
               for m in at.markdown)  # fmt: skip
    at = page("candidate", person=other)
    assert not any("applicant tracking system" in m.value for m in at.markdown)

    table = page("shortlists").dataframe[0].value.set_index("person_id")["in_ats"]
    assert table.to_dict() == {by_login: True, other: False}
    login = people.set_index("person_id").loc[by_login, "login"]
    shown = page("candidates", profile="maintainer", q=login).dataframe[0].value
    page_url = people.set_index("person_id").loc[by_login, "profile_url"]
    assert shown.set_index("profile_url")["pipeline"].get(page_url) == "in ATS; DevRel: new"


def test_git_only_people_match_by_the_login_their_no_reply_address_gives(store):
    from talent.config import Settings
    from talent.model import Identity, IdentitySource
    from talent.people.identity import update_people
    from talent.store import save_identities

    save_identities(
        store,
        [
            Identity(
                IdentitySource.GIT, name="Siva", email="90966311+Siva-N@users.noreply.github.com"
            ),
            Identity(IdentitySource.GIT, name="Dan Sun", email="dsun@example.org"),
        ],
    )
    update_people(store, Settings())
    people = load_people(store).set_index("name")
    assert people.loc["Siva", "login"] == "Siva-N"  # the login is the person's, not the identity's
    found = import_ats(store, b"login\nsiva-n\n@someone-else\n", "ats.csv")
    assert found.matched == {people.loc["Siva", "person_id"]: "login"}
    assert found.unmatched == 1
