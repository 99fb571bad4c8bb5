"""The maintainers' view end to end: a repository whose owner files change over time is
mined with `talent mine git`, and `talent maintainers` reports who is named, for what,
from when to when, matched to people (never guessed), with drift and bus factor."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.store import load_head_files, load_named_owners, open_store

ADA = Who("Ada Lovelace", "1+ada@users.noreply.github.com")
BOB = Who("Bob Builder", "bob@example.org")
CY = Who("Cy Young", "cy@example.org")
EVE = Who("Eve Doer", "eve.doer@example.org")
REPO = "acme/widgets"


def day(n: int) -> str:
    return datetime.fromtimestamp(at(n), UTC).strftime("%Y-%m-%d")


@pytest.fixture()
def mined(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "widgets")
    repo.commit(
        "Start\n",
        author=ADA,
        when=at(1),
        files={
            "src/core.py": "a\n",
            "docs/guide.md": "g\n",
            "CODEOWNERS": "* @ada\n/docs/ @bob\n",
        },
    )
    for n in range(2, 6):
        repo.commit(f"Docs {n}\n", author=BOB, when=at(n), files={"docs/guide.md": f"g{n}\n"})
    repo.commit(
        "Maintainers\n",
        author=ADA,
        when=at(6),
        files={"MAINTAINERS.md": "# Maintainers\n\n- @ada\n- [Dee](https://github.com/dee)\n"},
    )
    repo.commit(
        "Owners\n",
        author=ADA,
        when=at(10),
        files={"CODEOWNERS": "* @ada\n/docs/ @bob @cy\n/src/ @acme/core\n"},
    )
    repo.commit("Core\n", author=CY, when=at(20), files={"src/core.py": "c\n"})
    topics = ["parser", "cache", "retries", "logging", "config", "timeouts", "docs", "types"]
    for n, topic in enumerate(topics, start=390):  # varied messages: a person, not a bot
        repo.commit(
            f"Improve the {topic}\n", author=EVE, when=at(n), files={"src/core.py": f"{n}\n"}
        )
    repo.commit(
        "Bob moved on\n",
        author=ADA,
        when=at(400),
        files={"CODEOWNERS": "* @ada\n/docs/ @cy\n", "src/extra.py": "x\n"},
    )
    db = tmp_path / "w.db"
    result = CliRunner().invoke(
        app, ["mine", "git", str(repo.path), "--name", REPO, "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    return str(db)


def test_named_owners_over_time_are_stored(mined):
    engine = open_store("sqlite:///" + mined, create=False)
    named = load_named_owners(engine)
    rows = {
        (r.source, r.owner, r.pattern, r.role): (
            f"{r.since:%Y-%m-%d}",
            None if r.until != r.until else f"{r.until:%Y-%m-%d}",  # NaT is not itself
            r.kind,
        )
        for r in named.itertuples(index=False)
    }
    assert rows == {
        ("CODEOWNERS", "ada", "*", "codeowner"): (day(1), None, "user"),
        ("CODEOWNERS", "bob", "/docs/", "codeowner"): (day(1), day(400), "user"),
        ("CODEOWNERS", "cy", "/docs/", "codeowner"): (day(10), None, "user"),
        ("CODEOWNERS", "acme/core", "/src/", "codeowner"): (day(10), day(400), "team"),
        ("MAINTAINERS.md", "ada", "", "Maintainers"): (day(6), None, "user"),
        ("MAINTAINERS.md", "dee", "", "Maintainers"): (day(6), None, "user"),
    }
    assert load_head_files(engine)["path"].tolist() == [
        "CODEOWNERS",
        "MAINTAINERS.md",
        "docs/guide.md",
        "src/core.py",
        "src/extra.py",
    ]


def _owner_rows(db: str) -> set[tuple]:
    named = load_named_owners(open_store("sqlite:///" + db, create=False))
    return {(r.owner, r.pattern, r.role, r.kind) for r in named.itertuples(index=False)}


def test_team_members_file_expands_teams(mined, tmp_path):
    before = _owner_rows(mined)
    assert ("acme/core", "/src/", "codeowner", "team") in before
    repo_path = str(tmp_path / "widgets")
    members = tmp_path / "teams.txt"
    members.write_text("core:\n  - cy\n  - eve\n")
    mine = ["mine", "git", repo_path, "--name", REPO, "--db", mined]
    result = CliRunner().invoke(app, [*mine, "--team-members", str(members)])
    assert result.exit_code == 0, result.output
    after = _owner_rows(mined)
    assert after - before == {
        ("cy", "/src/", "team:acme/core", "user"),
        ("eve", "/src/", "team:acme/core", "user"),
    }
    assert before - after == {("acme/core", "/src/", "codeowner", "team")}
    # A changed list is read again at the same head; without the option, the team is back.
    members.write_text("core:\n  - cy\n")
    assert CliRunner().invoke(app, [*mine, "--team-members", str(members)]).exit_code == 0
    assert ("eve", "/src/", "team:acme/core", "user") not in _owner_rows(mined)
    assert CliRunner().invoke(app, mine).exit_code == 0
    assert _owner_rows(mined) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read the team members file"), ("just words\n", "no team members found")],
)
def test_bad_team_members_file_is_one_line_and_keeps_the_store(mined, tmp_path, content, message):
    before = _owner_rows(mined)
    members = tmp_path / "teams.txt"
    if content is not None:
        members.write_text(content)
    result = CliRunner().invoke(
        app,
        ["mine", "git", str(tmp_path / "widgets"), "--db", mined, "--team-members", str(members)],
    )
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert _owner_rows(mined) == before


def test_talent_maintainers_json(mined):
    result = CliRunner().invoke(app, ["maintainers", "--db", mined, "-f", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {
        "named_owners", "owners", "drift", "bus_factor", "ready", "left_out", "areas", "next"
    }  # fmt: skip
    # Next maintainers: people no owner file names or named (Bob was, until day 400).
    assert {n["name"] for n in report["next"]} == {"Eve Doer", "Cy Young"}
    named = {(n["login"], n["source"], n["pattern"]): n for n in report["named_owners"]}
    # Matched through identity resolution: ada by her noreply login, bob by his address's
    # local part; cy (a two-letter local part, another name) and dee (no work) are not.
    assert named[("ada", "CODEOWNERS", "*")]["person_id"] is not None
    assert named[("bob", "CODEOWNERS", "/docs/")]["name"] == "Bob Builder"
    assert named[("cy", "CODEOWNERS", "/docs/")]["person_id"] is None
    assert named[("dee", "MAINTAINERS.md", "")]["person_id"] is None
    assert named[("bob", "CODEOWNERS", "/docs/")]["current"] is False
    assert named[("bob", "CODEOWNERS", "/docs/")]["until"] == day(400)
    assert named[("ada", "CODEOWNERS", "*")]["until"] is None
    # Eve owns src in practice and nobody names her: a candidate to add.
    unnamed = {(u["name"], u["area"]) for u in report["drift"]["unnamed"]}
    assert ("Eve Doer", "*") in unnamed
    # Named for everything: in no area a candidate to add.
    assert not [u for u in unnamed if u[0] == "Ada Lovelace"]
    # Whole-repository bus factor: one row per repository, with the people in it.
    (whole,) = [b for b in report["bus_factor"] if b["area"] == "*"]
    assert whole["repo"] == REPO and whole["files"] == 5
    assert whole["truck_factor"] >= 1 and whole["truck_people"]


def test_talent_maintainers_areas_are_the_repositorys_components(mined):
    runner = CliRunner()
    result = runner.invoke(app, ["maintainers", "--db", mined, "-f", "json"])
    areas = {a["area"]: a for a in json.loads(result.stdout)["areas"]}
    # docs is a component because CODEOWNERS names its folder (5 commits are too few to
    # make it one by activity); src carries most commits. Cy, named there now, matches
    # nobody: written as the file writes him, beside those who did the work (Ada created
    # the guide, Bob changed it four times: both author it).
    assert areas["docs"]["source"] == "CODEOWNERS"
    assert areas["docs"]["named"] == "cy"
    assert areas["docs"]["in_practice"] == "Ada Lovelace, Bob Builder"
    assert areas["src"]["source"] == "activity" and "Eve Doer" in areas["src"]["in_practice"]
    only = runner.invoke(app, ["maintainers", "--db", mined, "--area", "docs", "-f", "json"])
    assert {b["area"] for b in json.loads(only.stdout)["bus_factor"]} == {"docs"}
    table = runner.invoke(app, ["maintainers", "--db", mined, "--section", "areas"])
    assert table.exit_code == 0 and "Owners by area" in table.stdout


def test_talent_maintainers_table_and_errors(mined):
    runner = CliRunner()
    result = runner.invoke(app, ["maintainers", "--db", mined, "--section", "named"])
    assert result.exit_code == 0, result.output
    assert "Named in owner files now" in result.stdout
    assert "match nobody in the data (never guessed): cy, dee" in " ".join(result.stdout.split())
    bad = runner.invoke(app, ["maintainers", "--db", mined, "--repo", "acme/nope"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --repo: no repository")
    csv_out = runner.invoke(app, ["maintainers", "--db", mined, "-f", "csv", "--section", "named"])
    assert csv_out.stdout.splitlines()[0].startswith("login,person_id,name,kind,source")


def test_mine_says_which_head_owner_file_lines_it_could_not_read(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "gadgets")
    repo.commit(
        "Owners\n",
        author=ADA,
        when=at(1),
        files={
            "CODEOWNERS": "# owners\n* @ada\n!negated @ada\n/docs/ @bob not-an-owner\n",
            "pkg/OWNERS": "approvers: [ada\n",
        },
    )
    # An old version's problems are history: only the head's are reported.
    repo.commit("Fix\n", author=ADA, when=at(2), files={"pkg/OWNERS": "approvers: [ada]\n"})
    db = str(tmp_path / "g.db")
    result = CliRunner().invoke(app, ["mine", "git", str(repo.path), "--db", db])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: local/gadgets: CODEOWNERS: line 3: pattern '!negated' is not supported; skipped",
        "warning: local/gadgets: CODEOWNERS: line 4: 'not-an-owner' is not an owner; skipped",
    ]
    # A second run with nothing new says nothing again.
    again = CliRunner().invoke(app, ["mine", "git", str(repo.path), "--db", db])
    assert "warning:" not in again.output
