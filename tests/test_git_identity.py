"""Identity rules on identities mined from real git repositories.

Each test builds a small repository (``gitrepos.py``), mines it with ``mine_git`` and
resolves people with ``update_people``: the rules of ``talent.people.identity`` seen from the
data the git miner really writes (names, emails, noreply addresses, .mailmap).
"""

from __future__ import annotations

import json
from itertools import count
from pathlib import Path

import pytest
from conftest import KEY
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.mining import mine_git
from talent.model import Identity, IdentitySource
from talent.people.identity import update_people
from talent.ranking.scoring import rank_store
from talent.store import (
    load_identities,
    load_identity_evidence,
    load_identity_links,
    load_people,
    open_store,
    save_identities,
)


@pytest.fixture(autouse=True)
def _no_machine_git_config(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)


@pytest.fixture
def engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'people.db'}")
    yield engine
    engine.dispose()


def key(who: Who) -> str:
    return f"git:{who.name}\x1f{who.email.lower()}"


def build_repo(path: Path, authors: list[Who], files: dict[str, str] | None = None) -> GitRepo:
    """One commit per entry of ``authors`` (day 1, 2, ...), each changing its own file;
    ``files`` go into the first commit."""
    repo = GitRepo.init(path)
    for day, who in enumerate(authors, start=1):
        extra = files if day == 1 else {}
        repo.commit(
            f"Change {day}\n",
            author=who,
            when=at(day),
            files={f"f{day}.txt": f"{day}\n", **(extra or {})},
        )
    return repo


_names = count()


def mine_and_resolve(engine, *repos: GitRepo) -> tuple[dict[str, str], dict[str, str]]:
    """Mine ``repos`` and resolve people: (identity key -> person id, -> method)."""
    for repo in repos:
        mine_git(engine, repo.path, name=f"acme/r{next(_names)}")
    update_people(engine, Settings())
    links = load_identity_links(engine)
    person = dict(zip(links["identity_key"], links["person_id"], strict=True))
    method = dict(zip(links["identity_key"], links["method"], strict=True))
    return person, method


def test_same_two_word_name_in_another_case_is_one_person(tmp_path, engine):
    upper, lower = Who("Jane Doe", "jane@a.org"), Who("jane doe", "jane@b.org")
    repo = build_repo(tmp_path / "r", [upper, lower, upper])
    person, method = mine_and_resolve(engine, repo)
    assert set(person) == {key(upper), key(lower)}
    assert person[key(upper)] == person[key(lower)]
    assert method == {key(upper): "name", key(lower): "name"}
    assert len(load_people(engine)) == 1


def test_one_word_names_never_join(tmp_path, engine):
    one, two = Who("Jane", "x@a.org"), Who("Jane", "y@b.org")
    person, method = mine_and_resolve(engine, build_repo(tmp_path / "r", [one, two]))
    assert person[key(one)] != person[key(two)]
    assert method == {key(one): "single", key(two): "single"}


def test_shared_identities_never_link_anyone(tmp_path, engine):
    root = Who("root", "root@localhost")
    ann, ann_as_root = Who("Ann Lee", "ann@a.org"), Who("Ann Lee", "root@localhost")
    ben = Who("Ben Kim", "ben@b.org")
    root_ci = Who("root", "root@ci.example.com")
    ubuntu_1 = Who("ubuntu", "ubuntu@ip-10-0-0-1")
    ubuntu_2 = Who("Ubuntu", "ubuntu@ip-10-0-0-2.ec2.internal")
    # Two machines where different people committed as root.
    laptop = build_repo(tmp_path / "laptop", [ann, root, ann_as_root])
    server = build_repo(tmp_path / "server", [ben, root, root_ci, ubuntu_1, ubuntu_2])
    person, method = mine_and_resolve(engine, laptop, server)
    assert set(person) == {
        key(w) for w in (root, ann, ann_as_root, ben, root_ci, ubuntu_1, ubuntu_2)
    }
    # Ann's two identities share her full name; the shared address joins nobody.
    assert person[key(ann)] == person[key(ann_as_root)]
    assert method[key(ann_as_root)] == "name"
    groups = [
        {key(ann), key(ann_as_root)},
        {key(root)},
        {key(ben)},
        {key(root_ci)},
        {key(ubuntu_1)},
        {key(ubuntu_2)},
    ]
    assert sorted(map(sorted, groups)) == sorted(
        sorted(k for k in person if person[k] == pid) for pid in set(person.values())
    )
    for shared in (root, root_ci, ubuntu_1, ubuntu_2, ben):
        assert method[key(shared)] == "single"


SAM_1 = Who("Sam Lee", "1001+samlee@users.noreply.github.com")
SAM_2 = Who("Sam Lee", "1002+slee@users.noreply.github.com")


def test_same_name_on_two_github_accounts_stays_two_people(tmp_path, engine):
    # The GitHub miner stores the accounts; here they are saved as it would.
    save_identities(
        engine,
        [
            Identity(IdentitySource.GITHUB, name="Sam Lee", login="samlee", github_id=1001),
            Identity(IdentitySource.GITHUB, name="Sam Lee", login="slee", github_id=1002),
        ],
    )
    person, method = mine_and_resolve(engine, build_repo(tmp_path / "r", [SAM_1, SAM_2]))
    samlee, slee = KEY.person_id("github:1001"), KEY.person_id("github:1002")
    assert person[key(SAM_1)] == person["github:1001"] == samlee
    assert person[key(SAM_2)] == person["github:1002"] == slee
    assert method[key(SAM_1)] == method[key(SAM_2)] == "noreply"
    people = load_people(engine).set_index("person_id")
    assert people.loc[samlee, "login"] == "samlee"
    assert people.loc[slee, "login"] == "slee"


def test_same_name_on_two_noreply_logins_without_accounts_stays_two_people(tmp_path, engine):
    person, _ = mine_and_resolve(engine, build_repo(tmp_path / "r", [SAM_1, SAM_2]))
    assert person[key(SAM_1)] != person[key(SAM_2)]


def test_bots_are_left_out_of_the_ranking(tmp_path, engine):
    ada, bob = Who("Ada Lovelace", "ada@example.org"), Who("Bob Builder", "bob@example.org")
    dependabot = Who("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
    github = Who("GitHub", "noreply@github.com")
    repo = build_repo(tmp_path / "r", [ada, dependabot, bob, github, dependabot, ada])
    person, _ = mine_and_resolve(engine, repo)
    people = load_people(engine).set_index("person_id")
    is_bot = {w: bool(people.loc[person[key(w)], "is_bot"]) for w in (ada, bob, dependabot, github)}
    assert is_bot == {ada: False, bob: False, dependabot: True, github: True}

    ranked = rank_store(engine, Settings())
    assert sorted(ranked["name"]) == ["Ada Lovelace", "Bob Builder"]
    assert not ranked["is_bot"].any()
    everyone = rank_store(engine, Settings(), include_bots=True)
    assert dict(zip(everyone["name"], everyone["is_bot"], strict=True)) == {
        "Ada Lovelace": False,
        "Bob Builder": False,
        "dependabot[bot]": True,
        "GitHub": True,
    }
    assert everyone.set_index("name").loc["dependabot[bot]", "login"] == "dependabot[bot]"


def test_rank_with_identities_lists_every_merged_identity(tmp_path):
    alice = Who("Alice Example", "alice@example.org")
    alice_old = Who("A. Example", "alice@old.example.org")
    erin = Who("Erin Helper", "erin@example.org")
    bob = Who("Bob Builder", "bob@example.org")
    octo = Who("Octo Cat", "123+octo@users.noreply.github.com")
    repo = build_repo(
        tmp_path / "r",
        [alice, bob, alice_old, octo, alice],
        files={".mailmap": f"{alice.name} <{alice.email}> <{alice_old.email}>\n"},
    )
    repo.commit(
        f"Pair work\n\nCo-authored-by: {erin.name} <{erin.email}>\n",
        author=bob,
        when=at(9),
        files={"pair.txt": "p\n"},
    )
    runner = CliRunner()
    db = str(tmp_path / "rank.db")
    mined = runner.invoke(app, ["mine", "git", str(repo.path), "--db", db])
    assert mined.exit_code == 0, mined.output
    result = runner.invoke(
        app, ["rank", "--db", db, "--top", "0", "--format", "json", "--with-identities"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)

    def ident(who: Who, method: str) -> dict:
        return {
            "source": "git",
            "name": who.name,
            "email": who.email,
            "login": None,
            "method": method,
        }

    assert len(rows) == 4  # Alice (two identities), Bob, Octo, Erin
    row_of = {i["email"]: row for row in rows for i in row["identities"]}
    assert row_of[alice.email] is row_of[alice_old.email]
    by_email = lambda i: i["email"]  # noqa: E731
    assert sorted(row_of[alice.email]["identities"], key=by_email) == [
        ident(alice, "mailmap"),
        ident(alice_old, "mailmap"),
    ]
    assert row_of[octo.email]["identities"] == [ident(octo, "single")]
    assert row_of[octo.email]["login"] == "octo"
    assert row_of[bob.email]["identities"] == [ident(bob, "single")]
    assert row_of[erin.email]["identities"] == [ident(erin, "single")]

    # Every row lists exactly the identities linked to its person, and every mined
    # identity appears in exactly one row.
    engine = open_store(f"sqlite:///{db}", create=False)
    try:
        links = load_identity_links(engine)
        idents = load_identities(engine).set_index("key")
    finally:
        engine.dispose()
    listed = []
    for row in rows:
        linked = links.loc[links["person_id"] == row["person_id"], "identity_key"]
        expected = sorted((idents.loc[k, "name"], idents.loc[k, "email"]) for k in linked)
        got = sorted((i["name"], i["email"]) for i in row["identities"])
        assert got == expected
        listed += got
    assert sorted(listed) == sorted(zip(idents["name"], idents["email"], strict=True))


# --- pull request branches ----------------------------------------------------------------

MAINT = Who("Mia Maintainer", "mia@acme.example")
BOB_WORK = Who("Bob B", "bob@corp.example")  # no login anywhere in git
CY_WORK = Who("cy", "cy@home.example")
DEE = Who("Dee Dee", "1234+dee@users.noreply.github.com")


def _pull_request(repo: GitRepo, n: int, login: str, authors: list[Who], day: int) -> None:
    repo.git("checkout", "-q", "-b", f"pr{n}")
    for i, who in enumerate(authors):
        repo.commit(
            f"Work {n}.{i}\n", author=who, when=at(day, i), files={f"pr{n}_{i}.txt": f"{i}\n"}
        )
    repo.git("checkout", "-q", "main")
    repo.commit(f"Main {n}\n", author=MAINT, when=at(day, 5), files={f"main{n}.txt": "m\n"})
    repo.merge(
        f"pr{n}", f"Merge pull request #{n} from {login}/topic-{n}", author=MAINT, when=at(day, 6)
    )


def _people_of(engine) -> dict[str, set[str]]:
    links = load_identity_links(engine)
    groups: dict[str, set[str]] = {}
    for ident, person in zip(links["identity_key"], links["person_id"], strict=True):
        groups.setdefault(person, set()).add(ident)
    return {k: v for k, v in groups.items() if len(v) > 1}


def test_pull_request_branches_link_a_login_to_its_git_identity(engine, tmp_path):
    repo = GitRepo.init(tmp_path / "widgets")
    repo.commit("Start\n", author=MAINT, when=at(1), files={"a.txt": "a\n"})
    _pull_request(repo, 1, "bob", [BOB_WORK, BOB_WORK], day=2)
    _pull_request(repo, 2, "bob", [BOB_WORK, MAINT], day=3)  # Mia fixed something up
    # Cy's only branch mostly holds someone else's commits: no link.
    _pull_request(repo, 3, "cy", [BOB_WORK, BOB_WORK, CY_WORK], day=4)
    # A branch of the repository's own owner names no person.
    _pull_request(repo, 4, "acme", [MAINT, MAINT], day=5)
    # Dee's git identity is another account already (noreply): never joined to "eve".
    _pull_request(repo, 5, "eve", [DEE], day=6)
    mine_git(engine, repo.path, name="acme/widgets")
    update_people(engine, Settings())
    groups = sorted(sorted(g) for g in _people_of(engine).values())
    assert groups == [[key(BOB_WORK), "github:@bob"]]
    evidence = {
        (k, o, m)
        for k, o, m in load_identity_evidence(engine)[["key", "other", "method"]].itertuples(
            index=False
        )
    }
    assert evidence == {
        (key(BOB_WORK), "github:@bob", "pr_branch"),
        (key(DEE), "github:@eve", "pr_branch"),  # recorded, but refused by resolution
    }


def test_a_split_keeps_a_pull_request_link_apart(engine, tmp_path):
    repo = GitRepo.init(tmp_path / "widgets")
    repo.commit("Start\n", author=MAINT, when=at(1), files={"a.txt": "a\n"})
    _pull_request(repo, 1, "bob", [BOB_WORK], day=2)
    mine_git(engine, repo.path, name="acme/widgets")
    people_file = tmp_path / "people.toml"
    people_file.write_text(
        '[[split]]\nidentity = "email:bob@corp.example"\nreason = "not the account bob"\n'
    )
    update_people(engine, Settings(people_file=str(people_file)))
    assert _people_of(engine) == {}
