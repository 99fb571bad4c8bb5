"""Accounts that are not one person, incomplete names, and how to reach people, on real git
histories the tests build (made-up people): each rule of ``talent.people.identity`` as the git
miner's data meets it, the flags as ``people show`` and the exports carry them."""

from __future__ import annotations

import csv
import io
from itertools import count
from pathlib import Path

import pandas as pd
import pytest
from conftest import KEY
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.mining import mine_git
from talent.model import Identity, IdentitySource
from talent.people.identity import (
    name_incomplete,
    resolve_people,
    suggest_merges,
    update_people,
)
from talent.ranking.scoring import build_ranking_base, rank_store
from talent.store import (
    load_activities,
    load_identities,
    load_identity_evidence,
    load_identity_links,
    load_people,
    open_store,
)
from talent.views.export import SHORTLIST_COLUMNS, shortlist_frame
from talent.views.pipeline import pipeline_verdicts, record_verdict


@pytest.fixture(autouse=True)
def _no_machine_git_config(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'accounts.db'}"


@pytest.fixture
def engine(url):
    engine = open_store(url)
    yield engine
    engine.dispose()


def key(who: Who) -> str:
    return f"git:{who.name}\x1f{who.email.lower()}"


ADA = Who("Ada Quill", "ada@uni.example")
BEN = Who("Ben Ortiz", "ben@corp.example")
CAL = Who("Cal Ames", "cal@home.example")
DOT = Who("Dot Vance", "dot@lab.example")
EVE = Who("Eve Marsh", "eve@mail.example")
HUMANS = [ADA, BEN, CAL, DOT, EVE]

_steps = count()


def commit(repo: GitRepo, who: Who, message: str = "", *, committer: Who | None = None) -> str:
    """One commit of its own file, a day (and an hour) after the last."""
    n = next(_steps)
    # Words, not numbers: messages that differ only in numbers follow one template.
    word = "".join(chr(97 + (n // 26**i) % 26) for i in range(3))
    return repo.commit(
        message or f"Fix the {word} case\n",
        author=who,
        committer=committer,
        when=at(n // 20 + 1, n % 20),
        files={f"f{n}.txt": f"{n}\n"},
    )


def people_of(engine) -> tuple[pd.DataFrame, dict[str, str]]:
    """The stored people by id, and identity key -> person id."""
    links = load_identity_links(engine)
    person = dict(zip(links["identity_key"], links["person_id"], strict=True))
    return load_people(engine).set_index("person_id"), person


def mine(engine, repo: GitRepo, name: str = "acme/widgets") -> None:
    mine_git(engine, repo.path, name=name)
    update_people(engine, Settings())


def humans_commit(repo: GitRepo, times: int = 3) -> None:
    for _ in range(times):
        for who in HUMANS:
            commit(repo, who)


# --- accounts that are not one person ----------------------------------------------------


def test_role_addresses_team_and_company_names_are_not_people(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    humans_commit(repo)
    nobody = Who("Widgets Exporter", "nobody@acme.example")
    noreply = Who("Release Train", "noreply@acme.example")
    bot_address = Who("Lint Fixer", "lint-bot@acme.example")
    team = Who("Widgets Team", "widgets@acme.example")
    company = Who("Acme Widgets Inc", "dev@acme.example")
    # A person's own GitHub noreply address, and a company in brackets, are a person's.
    github_noreply = Who("Fay Holt", "77+fayh@users.noreply.github.com")
    aside = Who("Gus Lind (Acme Ltd)", "gus@acme.example")
    for who in (nobody, noreply, bot_address, team, company, github_noreply, aside):
        for _ in range(3):
            commit(repo, who)
    mine(engine, repo)
    people, person = people_of(engine)
    expected = {
        nobody: "not one person: a role address (nobody@)",
        noreply: "not one person: a role address (noreply@)",
        bot_address: "not one person: a bot's address (lint-bot@)",
        team: "not one person: a team's name ('Widgets Team')",
        company: "not one person: a company's name ('Acme Widgets Inc')",
    }
    for who, evidence in expected.items():
        row = people.loc[person[key(who)]]
        assert (bool(row["is_bot"]), row["bot_probability"], row["bot_evidence"]) == (
            True,
            1.0,
            evidence,
        )
    for who in (*HUMANS, github_noreply, aside):
        row = people.loc[person[key(who)]]
        assert (bool(row["is_bot"]), row["bot_evidence"]) == (False, "")
    # Never ranked: the ranking holds the seven people and nobody else.
    ranking = rank_store(engine, Settings())
    assert set(ranking["name"]) == {w.name for w in (*HUMANS, github_noreply, aside)}
    shown = rank_store(engine, Settings(), include_bots=True)
    assert set(shown.loc[shown["is_bot"], "bot_evidence"]) == set(expected.values())


def test_a_role_address_never_joins_a_person_by_name(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    ada_export = Who(ADA.name, "nobody@acme.example")  # an export system writing her name
    for who in (ADA, ADA, ada_export, ada_export):
        commit(repo, who)
    mine(engine, repo)
    people, person = people_of(engine)
    assert person[key(ADA)] != person[key(ada_export)]
    assert not people.loc[person[key(ADA)], "is_bot"]
    assert people.loc[person[key(ada_export)], "is_bot"]


def test_a_team_committer_and_an_identity_committing_for_many_authors(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    team = Who("Widgets maintainers", "widgets-core@acme.example")
    merger = Who("Merge Box", "merges@acme.example")  # nothing in its name or address
    lead = Who("Lea Stone", "lea@acme.example")  # applies patches, writes her own too
    for _ in range(4):
        for who in HUMANS:
            commit(repo, who, committer=merger)
            commit(repo, who, committer=lead)
    commit(repo, ADA, committer=team)
    for _ in range(20):
        commit(repo, lead)
    commit(repo, merger)  # one commit of its own: 1 of 20 is under a tenth
    mine(engine, repo)
    people, person = people_of(engine)
    assert people.loc[person[key(team)], "bot_evidence"] == (
        "not one person: a team's name ('Widgets maintainers')"
    )
    row = people.loc[person[key(merger)]]
    assert (bool(row["is_bot"]), row["bot_evidence"]) == (
        True,
        "not one person: committed 20 commits for 5 authors and authored 1",
    )
    row = people.loc[person[key(lead)]]
    assert (bool(row["is_bot"]), row["bot_evidence"]) == (False, "")
    assert "Merge Box" not in set(rank_store(engine, Settings())["name"])


def test_commits_a_sync_tool_exported_mark_their_committer(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    sync = Who("Code Sync", "sync@acme.example")
    # Early on a person ran the export by hand: exports of theirs and others', and their
    # own commits besides.
    hand = Who("Hal Brook", "hal@acme.example")
    for i in range(12):
        who = HUMANS[i % len(HUMANS)]
        commit(repo, who, f"Change {i}\n\nPiperOrigin-RevId: {1000 + i}\n", committer=sync)
    for i in range(3):
        commit(repo, sync, f"Sync {i}\n\nPiperOrigin-RevId: {2000 + i}\n")
    for i in range(8):
        commit(repo, ADA, f"Early {i}\n\nPiperOrigin-RevId: {3000 + i}\n", committer=hand)
    for i in range(3):
        commit(repo, hand, f"Own export {i}\n\nPiperOrigin-RevId: {4000 + i}\n")
    for _ in range(10):
        commit(repo, hand)
    mine(engine, repo)
    acts = load_activities(engine)
    exported = acts[acts["state"] == "export:PiperOrigin-RevId"]
    assert exported.groupby("kind").size().to_dict() == {"commit": 26, "committed_for_other": 20}
    people, person = people_of(engine)
    assert people.loc[person[key(sync)], "bot_evidence"] == (
        "not one person: committed 15 commits a sync tool exported (PiperOrigin-RevId), "
        "0 of its own besides"
    )
    assert not people.loc[person[key(hand)], "is_bot"]
    # The authors of exported work are people.
    assert not people.loc[[person[key(w)] for w in HUMANS], "is_bot"].any()


def test_an_export_system_s_name_or_address(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    humans_commit(repo, 1)
    for who in HUMANS:
        commit(repo, who, committer=Who("Copybara-Service", "copybara-worker@acme.example"))
    mine(engine, repo)
    people = load_people(engine)
    bots = people[people["is_bot"]]
    assert bots["bot_evidence"].tolist() == [
        "not one person: an export system's address (copybara-worker@)"
    ]


# --- one-word names ------------------------------------------------------------------------


def test_a_first_name_alone_never_merges_and_is_flagged(tmp_path, engine, url):
    repo = GitRepo.init(tmp_path / "widgets")
    alex_1, alex_2 = Who("Alex", "alex@one.example"), Who("Alex", "alex@two.example")
    alex_full = Who("Alex Smith", "alex.smith@three.example")
    other_login = Who("Kim Alexis", "9+alex-k@users.noreply.github.com")  # login "alex-k"
    lower_login = Who("Lou Park", "8+alex@users.noreply.github.com")  # login "alex"
    for who in (alex_1, alex_2, alex_full, other_login, lower_login) * 2:
        commit(repo, who)
    mine(engine, repo)
    people, person = people_of(engine)
    alexes = {person[key(w)] for w in (alex_1, alex_2, alex_full)}
    assert len(alexes) == 3  # never joined on "Alex", nor with the login "alex"
    assert person[key(alex_1)] != person[key(lower_login)]
    for who in (alex_1, alex_2):
        row = people.loc[person[key(who)]]
        assert row["name"] == "Alex" and pd.isna(row["login"])
        assert name_incomplete(row["name"], row["login"])
    assert not name_incomplete(*people.loc[person[key(alex_full)], ["name", "login"]])
    # Offered as suggestions, never applied.
    suggested = suggest_merges(
        load_identities(engine), load_identity_links(engine), people.reset_index()
    )
    pair = tuple(sorted((person[key(alex_1)], person[key(alex_2)])))
    assert pair in set(zip(suggested["person_a"], suggested["person_b"], strict=True))
    result = CliRunner().invoke(app, ["people", "show", "alex@one.example", "--db", url])
    assert result.exit_code == 0, result.output
    assert "name incomplete" in result.output
    result = CliRunner().invoke(app, ["people", "show", "alex.smith@three.example", "--db", url])
    assert "name incomplete" not in result.output


def test_a_sign_off_in_a_fuller_name_completes_a_one_word_name(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    # Sam commits from his noreply address and signs off with his work identity.
    sam = Who("Sam", "123+samq@users.noreply.github.com")
    sam_work = Who("Sam Quill", "sam.quill@corp.example")
    # Vic signs off her own address with her full name.
    vic = Who("Vic", "vic@home.example")
    # A maintainer signs off everyone's patches: no one's other self.
    mia = Who("Mia Maintainer", "mia@corp.example")
    mia_short = Who("Mia", "mia.m@home.example")
    for _ in range(4):
        commit(repo, sam, f"Work\n\nSigned-off-by: {sam_work.name} <{sam_work.email}>\n")
        commit(repo, vic, f"Fix\n\nSigned-off-by: Vic Hollow <{vic.email}>\n")
        for who in (ADA, BEN, mia_short):
            commit(repo, who, f"Patch\n\nSigned-off-by: {mia.name} <{mia.email}>\n")
    commit(repo, sam_work)
    mine(engine, repo)
    people, person = people_of(engine)
    links = load_identity_links(engine).set_index("identity_key")
    assert person[key(sam)] == person[key(sam_work)]
    assert "trailer_name" in set(links.loc[[key(sam), key(sam_work)], "method"])
    row = people.loc[person[key(sam)]]
    assert (row["name"], row["login"], row["login_source"]) == (
        "Sam Quill",
        "samq",
        "from a noreply address",
    )
    assert people.loc[person[key(vic)], "name"] == "Vic Hollow"
    # Mia signs off 12 commits of three authors: a third each, never joined.
    assert person[key(mia_short)] != person[key(mia)]
    assert len({person[key(w)] for w in (ADA, BEN, mia_short, mia)}) == 4


def test_a_one_word_name_written_as_a_login_joins_that_account(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    jane = Who("Jane Doe", "42+jdoe-dev@users.noreply.github.com")
    handle = Who("jdoe-dev", "jane@laptop.example")
    # A full name written as a login without its spaces; an initial is no such name.
    elena = Who("Elena Quist", "elena@work.example")
    elena_account = Who("ElenaQuist", "77+ElenaQuist@users.noreply.github.com")
    chris = Who("Chris P", "chris@home.example")
    chrisp = Who("Chris Pine", "78+chrisp@users.noreply.github.com")
    for who in (jane, handle, handle, elena, elena_account, chris, chrisp):
        commit(repo, who)
    mine(engine, repo)
    people, person = people_of(engine)
    assert person[key(elena)] == person[key(elena_account)]
    assert people.loc[person[key(elena)], ["name", "login"]].tolist() == [
        "Elena Quist",
        "ElenaQuist",
    ]
    assert person[key(chris)] != person[key(chrisp)]
    assert person[key(jane)] == person[key(handle)]
    assert (
        load_identity_links(engine).set_index("identity_key").loc[key(handle), "method"]
        == "name_login"
    )
    assert people.loc[person[key(jane)], ["name", "login"]].tolist() == ["Jane Doe", "jdoe-dev"]


def test_what_an_address_says_completes_a_one_word_name(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    # The address spells the full name another identity holds.
    jill, jill_full = Who("Jill", "jill.hubley@corp.example"), Who("Jill Hubley", "jh@lab.example")
    # The address is a login a noreply address holds.
    cho, cho_account = (
        Who("Cho Chen", "cchen9@corp.example"),
        Who("cchen9", "11+cchen9@users.noreply.github.com"),
    )
    # The same handle on two addresses with the same local part.
    rp_1, rp_2 = Who("rpgold9", "rpgold9@a.example"), Who("rpgold9", "rpgold9@b.example")
    # A first name and its first-name address: too little.
    pat, pat_full = Who("Pat", "pat@corp.example"), Who("Pat Lowe", "plowe@lab.example")
    for who in (jill, jill_full, cho, cho_account, rp_1, rp_2, pat, pat_full):
        commit(repo, who)
    mine(engine, repo)
    people, person = people_of(engine)
    method = load_identity_links(engine).set_index("identity_key")["method"]
    assert person[key(jill)] == person[key(jill_full)] and method[key(jill)] == "email_name"
    assert people.loc[person[key(jill)], "name"] == "Jill Hubley"
    assert person[key(cho)] == person[key(cho_account)] and method[key(cho)] == "login_email"
    assert people.loc[person[key(cho)], ["name", "login", "login_source"]].tolist() == [
        "Cho Chen",
        "cchen9",
        "from a noreply address",
    ]
    assert person[key(rp_1)] == person[key(rp_2)]
    assert "handle_email" in {method[key(rp_1)], method[key(rp_2)]}
    assert person[key(pat)] != person[key(pat_full)]


# --- a way to reach people -------------------------------------------------------------------


def test_where_each_login_comes_from(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    maint = Who("Mia Maintainer", "mia@acme.example")
    bob = Who("Bob Reyes", "bob@corp.example")  # his own branch, merged twice
    cy = Who("Cy Ward", "cy@home.example")  # co-authored from his noreply address
    cy_noreply = Who("Cy Ward", "55+cyward@users.noreply.github.com")
    commit(repo, maint)
    for n in (1, 2):
        repo.git("checkout", "-q", "-b", f"topic{n}")
        commit(repo, bob)
        commit(repo, bob)
        repo.git("checkout", "-q", "main")
        commit(repo, maint)
        repo.merge(f"topic{n}", f"Merge pull request #{n} from bob-r/topic{n}", author=maint,
                   when=at(50 + n))  # fmt: skip
    commit(repo, cy)
    commit(repo, ADA, f"Pair work\n\nCo-authored-by: {cy_noreply.name} <{cy_noreply.email}>\n")
    commit(repo, ADA)
    mine(engine, repo)
    people, person = people_of(engine)
    assert people.loc[person[key(bob)], ["login", "login_source"]].tolist() == [
        "bob-r",
        "from merge branches 'bob-r/…'",
    ]
    assert people.loc[person[key(cy)], ["login", "login_source"]].tolist() == [
        "cyward",
        "from a noreply address",
    ]
    assert pd.isna(people.loc[person[key(ADA)], "login"])
    assert people.loc[person[key(ADA)], "login_source"] == ""


def _merged_branch(repo: GitRepo, n: int, login: str, authors: list[Who]) -> None:
    repo.git("checkout", "-q", "-b", f"topic{n}")
    for who in authors:
        commit(repo, who)
    repo.git("checkout", "-q", "main")
    commit(repo, ADA)
    repo.merge(f"topic{n}", f"Merge pull request #{n} from {login}/topic{n}", author=ADA,
               when=at(60 + n))  # fmt: skip


def test_merge_branches_of_a_company_fork_or_of_a_bot_name_no_one(tmp_path, engine):
    repo = GitRepo.init(tmp_path / "widgets")
    commit(repo, ADA)
    # Ben's branches live in his employer's fork, "corp/...": not his account.
    _merged_branch(repo, 1, "corp", [BEN, BEN])
    _merged_branch(repo, 2, "corp", [BEN])
    # A bot's commits on Kim's branch never make the bot Kim.
    dependabot = Who("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
    _merged_branch(repo, 3, "kim-o", [dependabot, dependabot])
    mine(engine, repo)
    evidence = load_identity_evidence(engine)
    recorded = set(zip(evidence["key"], evidence["other"], strict=True))
    assert {(key(BEN), "github:@corp"), (key(dependabot), "github:@kim-o")} <= recorded
    people, person = people_of(engine)  # ... but resolution refuses both
    assert pd.isna(people.loc[person[key(BEN)], "login"])
    assert person[key(dependabot)] != person["github:@kim-o"]
    assert not people.loc[person["github:@kim-o"], "is_bot"]


def test_login_sources_of_accounts_and_other_evidence():
    rows = [
        Identity(IdentitySource.GITHUB, name="Ann Api", login="annapi", github_id=5, type="User"),
        Identity(IdentitySource.GIT, name="Owen Named", email="owen@x.example"),
        Identity(IdentitySource.GITHUB, login="owen-n"),
        Identity(IdentitySource.HF, name="Hugo Hub", login="hugoh"),
        Identity(IdentitySource.GIT, name="Git Hinted", email="gh@x.example", login="ghint"),
    ]
    frame = pd.DataFrame(
        [
            {"key": i.key, "source": str(i.source), "name": i.name, "email": i.email,
             "login": i.login, "github_id": i.github_id, "type": i.type}
            for i in rows
        ]
    )  # fmt: skip
    evidence = pd.DataFrame(
        [{"key": rows[1].key, "other": rows[2].key, "method": "owner_file", "confidence": 0.9}]
    )
    people = resolve_people(frame, Settings(), evidence, privacy_key=KEY).people.set_index("name")
    assert people.loc[
        ["Ann Api", "Owen Named", "Hugo Hub", "Git Hinted"], "login_source"
    ].tolist() == [
        "from the GitHub API",
        "from owner file evidence",
        "from the Hugging Face Hub account",
        "from GitHub's commit API",
    ]


def test_exports_carry_the_handle_and_its_source_and_no_email(tmp_path, engine, url):
    repo = GitRepo.init(tmp_path / "widgets")
    cy = Who("Cy Ward", "55+cyward@users.noreply.github.com")
    for who in (cy, ADA, cy, BEN):
        commit(repo, who)
    mine(engine, repo)
    result = CliRunner().invoke(app, ["rank", "--db", url, "-f", "csv", "--top", "0"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert (rows["Cy Ward"]["login"], rows["Cy Ward"]["login_source"]) == (
        "cyward",
        "from a noreply address",
    )
    assert (rows["Ada Quill"]["login"], rows["Ada Quill"]["login_source"]) == ("", "")
    assert "@" not in result.stdout  # no e-mail address anywhere
    ranking = rank_store(engine, Settings())
    people = load_people(engine)
    for pid in ranking["person_id"]:
        record_verdict(engine, pid, "shortlisted")
    base = build_ranking_base(engine, Settings())
    frame = shortlist_frame(ranking, pipeline_verdicts(engine), base.evidence,
                            people=people)  # fmt: skip
    assert list(frame.columns) == SHORTLIST_COLUMNS
    by_name = frame.set_index("name")
    assert by_name.loc["Cy Ward", ["login", "profile_url", "login_source"]].tolist() == [
        "cyward",
        "https://github.com/cyward",
        "from a noreply address",
    ]
    assert by_name.loc["Ada Quill", "login_source"] == ""


# --- the app -------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CANDIDATE_PAGE = "talent/ui/pages/candidate.py"


def test_the_app_shows_the_handle_its_source_and_the_name_flag(tmp_path, engine, url, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    repo = GitRepo.init(tmp_path / "widgets")
    vin = Who("Vin", "vin@home.example")
    cy = Who("Cy Ward", "55+cyward@users.noreply.github.com")
    for who in (vin, vin, vin, cy, cy, ADA):
        commit(repo, who)
    mine(engine, repo)
    _, person = people_of(engine)
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("TALENT_DB", url)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    table = at.dataframe[0].value.set_index("name")
    assert table.loc["Vin", "name_check"] == "name incomplete"
    assert table.loc["Cy Ward", ["name_check", "login_source"]].tolist() == [
        "",
        "from a noreply address",
    ]
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["person"] = person[key(vin)]
    at.run()
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    assert any("Name incomplete" in w.value for w in at.warning)
    at.selectbox(key="candidate_select").select(person[key(cy)]).run()
    assert not any("Name incomplete" in w.value for w in at.warning)
    assert any("(from a noreply address)" in m.value and "cyward" in m.value for m in at.markdown)
    st.cache_data.clear()
    st.cache_resource.clear()
