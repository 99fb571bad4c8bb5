"""Names written beside logins in owner files: parsed in every layout projects use, stored
with the line as written, used as identity evidence (joins, matches, suggestions) and
shown; emeritus sections name people once, never as idle owners."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.people.identity import owner_file_joins, owner_matches
from talent.sources.owners import (
    owner_pairings,
    parse_owner_file,
    parse_pairings,
    parse_people_data,
)
from talent.store import (
    load_identities,
    load_identity_links,
    load_owner_pairings,
    load_people,
    open_store,
    save_owner_pairings,
)
from talent.views.maintainers import drift_report


def pairs(path: str, text: str) -> list[tuple[str, str, str, str]]:
    return [(p.login, p.name, p.email, p.text) for p in parse_pairings(path, text)]


# --- parsing -------------------------------------------------------------------------------


def test_markdown_table_with_columns_in_any_order():
    text = (
        "# Maintainers\n\n"
        "| GitHub ID | Affiliation | Maintainer | Project Roles |\n"
        "|---|---|---|---|\n"
        "| [zed-q](https://github.com/zed-q) | Acme | Zed Quill | Project Lead |\n"
        "| @mo-r | Initech | Mo Rivers | Approver |\n"
        "| nobody-here | Acme | | Reviewer |\n"
    )
    assert pairs("MAINTAINERS.md", text) == [
        ("zed-q", "Zed Quill", "", "Zed Quill | zed-q"),
        ("mo-r", "Mo Rivers", "", "Mo Rivers | @mo-r"),
    ]
    # A role column is never read as a name, even where the name column is empty.
    bare = "| Name | GitHub | Role |\n|--|--|--|\n| | [kit](https://github.com/kit) | Core Lead |\n"
    assert pairs("MAINTAINERS.md", bare) == []


def test_table_without_a_name_header_and_a_login_column_written_bare():
    text = "| Person | Handle | E-mail |\n|---|---|---|\n| Ivo Pane | ivop | ivo@example.org |\n"
    assert pairs("COMMITTERS.md", text) == [
        ("ivop", "Ivo Pane", "ivo@example.org", "Ivo Pane | ivop")
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- Zed Quill (@zed-q)", ("zed-q", "Zed Quill", "")),
        ("* Zed Quill <zq@example.org> @zed-q", ("zed-q", "Zed Quill", "zq@example.org")),
        ("- [Zed Quill](https://github.com/zed-q), Acme", ("zed-q", "Zed Quill", "")),
        ("- @zed-q - Zed Quill", ("zed-q", "Zed Quill", "")),
        ("- zed-q - Zed Quill", ("zed-q", "Zed Quill", "")),
        ("Zed Quill: @zed-q - parser, docs", ("zed-q", "Zed Quill", "")),
        ("- Zed Quill (<zq@example.org> / @zed-q)", ("zed-q", "Zed Quill", "zq@example.org")),
    ],
)
def test_one_person_per_line_layouts(line, expected):
    (found,) = parse_pairings("MAINTAINERS.md", f"## Maintainers\n\n{line}\n")
    assert (found.login, found.name, found.email) == expected
    assert "zq@example.org" not in found.text  # e-mails never in the evidence shown
    assert found.line == 3


@pytest.mark.parametrize(
    "line",
    [
        "- @zed-q and @mo-r review docs",  # two accounts: whose name is whose is unsure
        "- @zed-q",  # no name
        "- docs - see the guide",  # a bare word and no name
        "- zed-q - Acme",  # one word after a bare login: anything
        "- Project Lead: @zed-q",  # a role, not a name
    ],
)
def test_lines_that_pair_nobody(line):
    assert parse_pairings("MAINTAINERS.md", f"## Maintainers\n\n{line}\n") == []


def test_yaml_toml_and_json_people_lists():
    yaml_text = (
        "maintainers:\n"
        "  - name: Zed Quill\n    github: zed-q\n    email: zq@example.org\n"
        "emeritus:\n  - name: Old Timer\n    github: https://github.com/old-t\n"
    )
    assert pairs("maintainers.yaml", yaml_text) == [
        ("zed-q", "Zed Quill", "zq@example.org", "Zed Quill | zed-q"),
        ("old-t", "Old Timer", "", "Old Timer | old-t"),
    ]
    assert [(n.owner, n.role) for n in parse_people_data(yaml_text, "maintainers.yaml")] == [
        ("zed-q", "maintainers"),
        ("old-t", "emeritus"),
    ]
    toml_text = '[[maintainers]]\nname = "Mo Rivers"\nlogin = "@mo-r"\n'
    assert pairs("MAINTAINERS.toml", toml_text) == [("mo-r", "Mo Rivers", "", "Mo Rivers | mo-r")]
    json_text = json.dumps({"committers": [{"full_name": "Ivo Pane", "handle": "ivop"}]})
    assert pairs("committers.json", json_text) == [("ivop", "Ivo Pane", "", "Ivo Pane | ivop")]
    # The data file names its people for the owner intervals too.
    named = parse_owner_file("MAINTAINERS.toml", toml_text)
    assert [(n.owner, n.role) for n in named] == [("mo-r", "maintainers")]
    named = parse_owner_file("committers.json", json_text)
    assert [(n.owner, n.role) for n in named] == [("ivop", "committers")]


def test_owners_and_aliases_comments():
    owners = "approvers:\n  - zed-q  # Zed Quill\n  - mo-r # Initech\n  - kit\n"
    aliases = "aliases:\n  core:\n    - ivop # Ivo Pane (Acme)\n"
    assert pairs("pkg/OWNERS", owners) == [("zed-q", "Zed Quill", "", "zed-q # Zed Quill")]
    assert pairs("OWNERS_ALIASES", aliases) == [("ivop", "Ivo Pane", "", "ivop # Ivo Pane (Acme)")]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("MAINTAINERS.md", "| a | b\n|---|---|\n| | |\n|"),
        ("MAINTAINERS.md", "\x00\x01 @\n[](https://github.com/)\n| |\n"),
        ("maintainers.yaml", "maintainers: [\n  - name: x"),
        ("maintainers.yaml", "- [[[]]]\n- {github: 3, name: [1]}\n"),
        ("MAINTAINERS.toml", "[[maintainers]\nname = "),
        ("committers.json", '{"committers": [{"github": null}]'),
        ("OWNERS", "approvers: [\n"),
        ("OWNERS_ALIASES", "\t- # \n"),
    ],
)
def test_bad_owner_files_pair_nobody_and_never_raise(path, text):
    assert parse_pairings(path, text) == []
    notes: list[str] = []
    parse_owner_file(path, text, notes=notes)  # never raises either


def test_owner_pairings_over_history_keep_the_newest_line():
    versions = [
        (pd.Timestamp("2024-01-01"), "MAINTAINERS.md", "- Zed Quill (@zed-q)\n"),
        (pd.Timestamp("2024-02-01"), "MAINTAINERS.md", "# Team\n\n- Zed Quill (@zed-q), lead\n"),
        (pd.Timestamp("2024-03-01"), "MAINTAINERS.md", None),
    ]
    assert owner_pairings(versions) == [
        {"source": "MAINTAINERS.md", "login": "zed-q", "name": "Zed Quill", "email": "",
         "text": "Zed Quill (@zed-q), lead", "line": 3}
    ]  # fmt: skip


# --- store ---------------------------------------------------------------------------------


def test_save_owner_pairings_is_idempotent_and_replaces_per_repository(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    rows = [
        {"source": "MAINTAINERS.md", "login": "zed-q", "name": "Zed Quill", "email": "",
         "text": "Zed Quill | zed-q", "line": 4},
        {"source": "OWNERS", "login": "mo-r", "name": "Mo Rivers", "email": None,
         "text": "mo-r # Mo Rivers", "line": 2},
    ]  # fmt: skip
    assert save_owner_pairings(engine, "acme/a", rows) == 2
    assert save_owner_pairings(engine, "acme/b", rows[:1]) == 1
    first = load_owner_pairings(engine)
    assert save_owner_pairings(engine, "acme/a", rows) == 2
    again = load_owner_pairings(engine)
    pd.testing.assert_frame_equal(first, again)
    assert list(zip(again["repo"], again["login"], again["email"], strict=True)) == [
        ("acme/a", "zed-q", ""),
        ("acme/a", "mo-r", ""),
        ("acme/b", "zed-q", ""),
    ]
    save_owner_pairings(engine, "acme/a", rows[1:])
    assert load_owner_pairings(engine, repos=["acme/a"])["login"].tolist() == ["mo-r"]


# --- end to end: mined, joined, matched, shown ----------------------------------------------

ZED = Who("Zed Quill", "zed@work.example")
ZED_HANDLE = Who("zed-q", "zq@home.example")  # the same person, committing under the login
MO = Who("Mo Rivers", "mo@work.example")
IVO_A = Who("Ivo Pane", "2+ivo-a@users.noreply.github.com")  # two people of one name
IVO_B = Who("Ivo Pane", "1+ivo-b@users.noreply.github.com")
OLD = Who("Old Timer", "old@work.example")
REPO = "acme/tools"

MAINTAINERS = """# Maintainers

| Name | GitHub | Affiliation |
|------|--------|-------------|
| Zed Quill | [zed-q](https://github.com/zed-q) | Acme |
| Mo Rivers | [mo-r](https://github.com/mo-r) | Initech |
| Ivo Pane | [ivop](https://github.com/ivop) | Acme |

## Emeritus maintainers

- Old Timer (@old-t)
"""


@pytest.fixture()
def mined(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "tools")
    repo.commit("Start\n", author=OLD, when=at(1), files={"a.py": "0\n"})
    repo.commit("Owners\n", author=ZED, when=at(2), files={"MAINTAINERS.md": MAINTAINERS})
    topics = ["parser", "cache", "retries", "logging", "config", "timeouts", "docs", "types"]
    for n, topic in enumerate(topics, start=300):
        who = [ZED, ZED_HANDLE, MO, IVO_A, IVO_B][n % 5]
        repo.commit(f"Improve the {topic}\n", author=who, when=at(n), files={"a.py": f"{n}\n"})
    for n, topic in enumerate(topics, start=320):
        who = [ZED, ZED_HANDLE, MO, IVO_A, IVO_B][n % 5]
        repo.commit(f"Tidy the {topic}\n", author=who, when=at(n), files={f"{topic}.py": "x\n"})
    db = tmp_path / "t.db"
    result = CliRunner().invoke(
        app, ["mine", "git", str(repo.path), "--name", REPO, "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    return str(db)


def test_mining_stores_the_pairings_and_a_second_mine_changes_nothing(mined):
    engine = open_store("sqlite:///" + mined, create=False)
    first = load_owner_pairings(engine)
    assert first[["login", "name", "text", "line"]].values.tolist() == [
        ["zed-q", "Zed Quill", "Zed Quill | zed-q", 5],
        ["mo-r", "Mo Rivers", "Mo Rivers | mo-r", 6],
        ["ivop", "Ivo Pane", "Ivo Pane | ivop", 7],
        ["old-t", "Old Timer", "Old Timer (@old-t)", 11],
    ]
    engine.dispose()
    repo_path = mined.replace("t.db", "tools")
    again = CliRunner().invoke(app, ["mine", "git", repo_path, "--name", REPO, "--db", mined])
    assert again.exit_code == 0, again.output
    engine = open_store("sqlite:///" + mined, create=False)
    pd.testing.assert_frame_equal(first, load_owner_pairings(engine))


def _maintainers(db: str) -> dict:
    result = CliRunner().invoke(app, ["maintainers", "--db", db, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_owner_file_table_joins_and_matches_with_its_evidence(mined):
    report = _maintainers(mined)
    named = {n["login"]: n for n in report["named_owners"]}
    # The git identity named as the login and the one of the full name are one person.
    assert named["zed-q"]["name"] == "Zed Quill"
    assert named["zed-q"]["evidence"] == "matched by MAINTAINERS.md: 'Zed Quill | zed-q'"
    assert named["mo-r"]["evidence"] == "matched by MAINTAINERS.md: 'Mo Rivers | mo-r'"
    # Two people fit "Ivo Pane": neither is chosen.
    assert named["ivop"]["person_id"] is None
    # Emeritus: named once, not current, never idle.
    assert named["old-t"]["current"] is False
    assert "old-t" not in {i["login"] for i in report["drift"]["idle"]}
    # The named and active are in no drift list.
    idle = {i["login"] for i in report["drift"]["idle"]}
    assert not {"zed-q", "mo-r"} & idle
    unnamed = {u["name"] for u in report["drift"]["unnamed"]}
    assert not {"Zed Quill", "Mo Rivers"} & unnamed
    assert not {"Zed Quill", "Mo Rivers"} & {r["name"] for r in report["ready"]}

    engine = open_store("sqlite:///" + mined, create=False)
    people = load_people(engine)
    assert people["name"].isin(["Zed Quill", "zed-q"]).sum() == 1
    links = load_identity_links(engine)
    email_of = load_identities(engine).set_index("key")["email"]
    joined = links.loc[links["method"] == "owner_file", "identity_key"].map(email_of)
    assert sorted(joined) == sorted([ZED.email, ZED_HANDLE.email])
    engine.dispose()

    show = CliRunner().invoke(app, ["people", "show", "zed@work.example", "--db", mined])
    assert show.exit_code == 0, show.output
    text = " ".join(show.stdout.split())
    assert "zq@home.example" in text and "owner_file" in text  # joined by the table
    assert "matched by MAINTAINERS.md: 'Zed Quill | zed-q'" in text


def test_a_login_only_an_owner_file_knows_finds_the_person(mined):
    show = CliRunner().invoke(app, ["people", "show", "mo-r", "--db", mined])
    assert show.exit_code == 0, show.output
    assert show.stdout.startswith("Mo Rivers ")
    assert "matched by MAINTAINERS.md: 'Mo Rivers | mo-r'" in " ".join(show.stdout.split())
    nobody = CliRunner().invoke(app, ["people", "show", "ivop", "--db", mined])
    assert nobody.exit_code == 1  # two people fit: never guessed


def test_a_person_without_a_login_gets_the_one_an_owner_file_names_with_its_source(mined):
    result = CliRunner().invoke(app, ["rank", "--top", "0", "-f", "csv", "--db", mined])
    assert result.exit_code == 0, result.output
    listed = list(csv.DictReader(io.StringIO(result.stdout)))
    rows = {r["name"]: r for r in listed}
    # Mo Rivers commits from a work address only: the table is the one public handle.
    assert rows["Mo Rivers"]["login"] == "mo-r"
    assert rows["Mo Rivers"]["login_source"] == "from MAINTAINERS.md: 'Mo Rivers | mo-r'"
    assert rows["Mo Rivers"]["profile_url"] == "https://github.com/mo-r"
    assert rows["Zed Quill"]["login"] == "zed-q"
    # Two people fit "Ivo Pane": each keeps the login their noreply address gives.
    ivos = sorted(r["login"] for r in listed if r["name"] == "Ivo Pane")
    assert ivos == ["ivo-a", "ivo-b"]
    # The e-mail behind the match is never exported.
    assert "mo@work.example" not in result.stdout


def test_two_people_fit_the_name_is_a_suggestion(mined):
    result = CliRunner().invoke(
        app, ["people", "suggestions", "--db", mined, "--top", "0"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert text.count("Ivo Pane (p") == 2  # the two people of that name, one suggestion
    assert "named together in an owner file (MAINTAINERS.md: 'Ivo Pane | ivop')" in text


def test_emeritus_is_never_idle():
    named = pd.DataFrame({
        "repo": "o/r", "source": "OWNERS", "login": ["ada", "bo"], "person_id": ["ada", "bo"],
        "kind": "user", "pattern": "/", "role": ["emeritus_approvers", "Alumni"],
        "since": pd.NaT, "until": pd.NaT,
    })  # fmt: skip
    practice = pd.DataFrame({"repo": "o/r", "key": "/", "person": ["cy"], "files": 3,
        "authored_files": [3], "commits": [9], "reviews": 0, "merges": 0, "share": [1.0],
        "is_owner": [True], "last_active": pd.to_datetime(["2024-06-01"])})  # fmt: skip
    drift = drift_report(named, practice)
    assert drift.idle.empty
    assert drift.unnamed["person"].tolist() == ["cy"]


def test_an_opted_out_login_loses_its_pairings_now_and_at_the_next_mine(mined):
    runner = CliRunner()
    result = runner.invoke(app, ["privacy", "optout", "mo-r", "--db", mined])
    assert result.exit_code == 0, result.output
    engine = open_store("sqlite:///" + mined, create=False)
    assert "mo-r" not in set(load_owner_pairings(engine)["login"])
    engine.dispose()
    repo_path = mined.replace("t.db", "tools")
    again = runner.invoke(app, ["mine", "git", repo_path, "--name", REPO, "--db", mined, "--full"])
    assert again.exit_code == 0, again.output
    engine = open_store("sqlite:///" + mined, create=False)
    assert set(load_owner_pairings(engine)["login"]) == {"zed-q", "ivop", "old-t"}


# --- named logins without a name beside them ------------------------------------------------


def _ids(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Identities (key, name, email) of git, as the store gives them."""
    return pd.DataFrame(
        {"key": [r[0] for r in rows], "source": "git", "name": [r[1] for r in rows],
         "email": [r[2] for r in rows], "login": None, "github_id": None, "type": ""}
    )  # fmt: skip


def test_a_named_login_gathers_the_identities_that_commit_under_it():
    ids = _ids(
        [
            ("a", "quillz", "q1@home.example"),
            ("b", "quillz", "q2@work.example"),
            ("c", "Zed Quill", "quillz@corp.example"),  # the login as the address
            ("d", "Mo Rivers", "mo@work.example"),
            ("e", "Quill Z", "1+quillz@users.noreply.github.com"),
        ]
    )
    joins = owner_file_joins(ids, None, lambda k: k, logins=["quillz"])
    assert sorted(joins) == [
        ("b", "a", "owner_login"),
        ("c", "a", "owner_login"),
        ("e", "a", "owner_login"),
    ]
    # A login nobody names gathers nobody; a short one never goes by addresses.
    assert owner_file_joins(ids, None, lambda k: k, logins=["other"]) == []
    short = _ids([("a", "Mo Rivers", "mor@x.example"), ("b", "Mo R", "mor@y.example")])
    assert owner_file_joins(short, None, lambda k: k, logins=["mor"]) == []


def test_a_login_read_as_a_name_is_a_labelled_guess_and_never_when_two_fit():
    ids = _ids([("a", "Lena Marsh", "lena@x.example"), ("b", "Kit Doe", "kit@y.example")])
    links = pd.DataFrame({"identity_key": ["a", "b"], "person_id": ["p1", "p2"]})
    people = pd.DataFrame({"person_id": ["p1", "p2"], "name": ["Lena Marsh", "Kit Doe"],
                           "login": None})  # fmt: skip
    named = pd.DataFrame({"owner": ["lmarsh", "kdoe"], "kind": "user"})
    found = owner_matches(named, people, ids, links)
    assert found["person_id"].tolist() == ["p1", None]  # "kdoe" is 4 letters: too short
    assert found.loc[0, "evidence"] == (
        "matched by name, a guess: 'lmarsh' reads as 'Lena Marsh', the only such name"
    )
    two = pd.concat([ids, _ids([("c", "Leo Marsh", "leo@z.example")])], ignore_index=True)
    links2 = pd.concat(
        [links, pd.DataFrame({"identity_key": ["c"], "person_id": ["p3"]})], ignore_index=True
    )
    assert owner_matches(named, people, two, links2)["person_id"].tolist() == [None, None]
    # Someone whose own login is proven elsewhere is not this login.
    proven = _ids([("a", "Lena Marsh", "2+lena-m@users.noreply.github.com")])
    one = pd.DataFrame({"identity_key": ["a"], "person_id": ["p1"]})
    assert owner_matches(named, people, proven, one)["person_id"].tolist() == [None, None]


# --- the GitHub path reads the same files at the head ----------------------------------------


def test_github_mining_stores_the_pairings_of_the_head_files(tmp_path):
    from fake_github import FakeGitHub, World, make_miner_client

    from talent.mining import mine_github

    world = World.generate(seed=1)
    core = world.repo("acme-ai", "core")
    member = next(u for u in world.users if u.member)
    core.files["MAINTAINERS.md"] = (
        f"# Maintainers\n\n| Name | GitHub |\n|---|---|\n| Zed Quill | @{member.login} |\n"
    )
    server = FakeGitHub(world, tokens={"t": {"private": True}}).start()
    try:
        engine = open_store(f"sqlite:///{tmp_path / 'gh.db'}")
        client = make_miner_client(server, "t")
        try:
            mine_github(engine, client, ["acme-ai"])
        finally:
            client.close()
    finally:
        server.stop()
    assert not server.errors, "\n".join(server.errors)
    stored = load_owner_pairings(engine)
    assert stored[["repo", "source", "login", "name", "text"]].values.tolist() == [
        [
            "acme-ai/core",
            "MAINTAINERS.md",
            member.login,
            "Zed Quill",
            f"Zed Quill | @{member.login}",
        ]
    ]


def test_the_evidence_text_keeps_the_login_and_leaves_out_the_mail():
    text = (
        "## Maintainers\n\n"
        "- [Zed Quill](https://github.com/zed-q), Acme\n"
        "- Mo Rivers (<mo@example.org> / @mo-r)\n\n"
        "| Name | Affiliation |\n|---|---|\n| [Ivo Pane](https://github.com/ivop) | Acme |\n"
        "| Kat | @kit |\n| Moe-R | [moe-r](https://github.com/moe-r) |\n"
    )
    assert [(p.login, p.text) for p in parse_pairings("MAINTAINERS.md", text)] == [
        ("zed-q", "Zed Quill (@zed-q), Acme"),
        ("mo-r", "Mo Rivers (@mo-r)"),
        ("ivop", "Ivo Pane (@ivop)"),
        ("kit", "Kat | @kit"),  # a one-word name is kept; resolution never joins by it
    ]  # "Moe-R" is the login itself: no name
