"""Identity resolution: strict linking rules, bots, affiliation, determinism."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict

import pandas as pd
import pytest
from conftest import KEY
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.model import Identity, IdentitySource
from talent.people.identity import (
    company_settings,
    ensure_people,
    is_bot_identity,
    is_shared_email,
    resolve_people,
    update_people,
)
from talent.store import (
    add_entries,
    add_note,
    count_rows,
    load_ats_marks,
    load_entries,
    load_events,
    load_identities,
    load_identity_links,
    load_people,
    open_store,
    save_ats_marks,
    save_identities,
    save_identity_links,
    save_shortlist,
    set_meta,
)

GIT, GITHUB = IdentitySource.GIT, IdentitySource.GITHUB
ACME = Settings(company_domains=("acme-ai.com",))


@pytest.fixture
def mem_store():
    engine = open_store("sqlite://")
    yield engine
    engine.dispose()


@pytest.fixture
def frame_of(mem_store):
    """Identities -> the identities frame exactly as the store returns it."""

    def make(*identities: Identity) -> pd.DataFrame:
        save_identities(mem_store, identities)
        return load_identities(mem_store)

    return make


def _person_of(resolution) -> dict[str, str]:
    return dict(zip(resolution.links["identity_key"], resolution.links["person_id"], strict=True))


def _method_of(resolution) -> dict[str, str]:
    return dict(zip(resolution.links["identity_key"], resolution.links["method"], strict=True))


def _person(resolution, person_id: str) -> dict:
    people = resolution.people.set_index("person_id")
    return people.loc[person_id].to_dict()


ADA_ACCOUNT = Identity(GITHUB, name="Ada Lovelace", login="Ada-L", github_id=42, type="User")
ADA_WORK = Identity(GIT, name="Ada Lovelace", email="ada@acme-ai.com", login="ada-l")
ADA_HOME = Identity(GIT, name="ada", email="ada@example.org", login="Ada-L")
ADA_NOREPLY = Identity(GIT, name="A. L.", email="42+Ada-L@users.noreply.github.com")
ADA_OLD_NOREPLY = Identity(GIT, name="Ada", email="ada-l@users.noreply.github.com")
# People with an account are anchored on it (the smallest account id), keyed.
ADA, LINUS, DEPENDABOT = (KEY.person_id(f"github:{n}") for n in (42, 7, 49699333))


def test_account_and_git_identities_with_its_login_are_one_person(frame_of):
    res = resolve_people(frame_of(ADA_ACCOUNT, ADA_WORK, ADA_HOME), ACME, privacy_key=KEY)
    assert len(res.people) == 1
    person = _person(res, ADA)
    assert person["login"] == "Ada-L"
    assert person["name"] == "Ada Lovelace"  # the profile name wins
    assert _person_of(res) == {i.key: ADA for i in (ADA_ACCOUNT, ADA_WORK, ADA_HOME)}
    assert _method_of(res) == {
        ADA_ACCOUNT.key: "github_account",
        ADA_WORK.key: "commit_login",
        ADA_HOME.key: "commit_login",
    }
    conf = dict(zip(res.links["identity_key"], res.links["confidence"], strict=True))
    assert conf == {ADA_ACCOUNT.key: 1.0, ADA_WORK.key: 0.99, ADA_HOME.key: 0.99}


def test_git_identities_with_the_same_login_hint_and_no_account(frame_of):
    one = Identity(GIT, name="Bo", email="bo@a.example", login="bo")
    two = Identity(GIT, name="Bo B", email="bo@b.example", login="BO")
    res = resolve_people(frame_of(one, two), Settings(), privacy_key=KEY)
    assert len(res.people) == 1
    anchor = min(one.key, two.key)
    expected_id = KEY.person_id(anchor)
    assert set(_person_of(res).values()) == {expected_id}
    assert res.people.loc[0, "login"] == min("bo", "BO")  # first in sorted order


@pytest.mark.parametrize("noreply", [ADA_NOREPLY, ADA_OLD_NOREPLY])
def test_noreply_email_links_to_the_account(frame_of, noreply):
    res = resolve_people(frame_of(ADA_ACCOUNT, noreply), Settings(), privacy_key=KEY)
    assert _person_of(res) == {ADA_ACCOUNT.key: ADA, noreply.key: ADA}
    assert _method_of(res)[noreply.key] == "noreply"


def test_noreply_without_account_gives_the_login(frame_of):
    res = resolve_people(frame_of(ADA_NOREPLY), Settings(), privacy_key=KEY)
    assert res.people.loc[0, "login"] == "Ada-L"
    assert _method_of(res) == {ADA_NOREPLY.key: "single"}


def test_same_email_case_folded_links_git_identities(frame_of):
    one = Identity(GIT, name="Grace Hopper", email="Grace@Navy.example")
    two = Identity(GIT, name="grace", email="grace@navy.example")
    three = Identity(GIT, name="Grace Hopper", email="grace@other.example")
    res = resolve_people(frame_of(one, two, three), Settings(), privacy_key=KEY)
    person_of = _person_of(res)
    # one and two share an email; three shares one's full (two-word) name.
    assert person_of[one.key] == person_of[two.key] == person_of[three.key]
    assert _method_of(res)[two.key] == "email"
    assert _method_of(res)[three.key] == "name"
    assert len(res.people) == 1
    joined = _person(res, person_of[one.key])
    # Most frequent name among the git identities, ties broken alphabetically.
    assert joined["name"] == "Grace Hopper"


@pytest.mark.parametrize(
    "email",
    ["noreply@github.com", "root@localhost", "ubuntu@ip-10-0-0-12", "nobody@example.org", ""],
)
def test_shared_emails_never_link_people(frame_of, email):
    one = Identity(GIT, name="Alice Example", email=email)
    two = Identity(GIT, name="Carol Example", email=email.upper())
    res = resolve_people(frame_of(one, two), Settings(), privacy_key=KEY)
    assert is_shared_email(email)
    assert len(res.people) == 2
    person_of = _person_of(res)
    assert person_of[one.key] != person_of[two.key]
    assert set(_method_of(res).values()) == {"single"}


def test_shared_email_does_not_join_an_account(frame_of):
    shared = Identity(GIT, name="root", email="root@localhost")
    res = resolve_people(frame_of(ADA_ACCOUNT, ADA_HOME, shared), Settings(), privacy_key=KEY)
    person_of = _person_of(res)
    assert person_of[ADA_HOME.key] == ADA
    assert person_of[shared.key] != ADA


def test_email_addresses_are_never_a_display_name(frame_of):
    ident = Identity(GIT, name="dev@example.org", email="dev2@example.org")
    res = resolve_people(frame_of(ident), Settings(), privacy_key=KEY)
    assert res.people.loc[0, "name"] == "(unknown)"


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        (Identity(GITHUB, login="renovate[bot]", github_id=1, type="Bot"), True),
        (Identity(GITHUB, login="some-app", github_id=2, type="Bot"), True),  # API type
        (Identity(GITHUB, login="codecov-commenter", github_id=3, type="User"), True),  # list
        (Identity(GITHUB, login="Dependabot", github_id=4, type="User"), True),  # list, any case
        (Identity(GIT, name="dependabot[bot]", email="support@github.com"), True),
        (
            Identity(GIT, name="Jo", email="41898282+github-actions[bot]@users.noreply.github.com"),
            True,
        ),
        (Identity(GITHUB, name="Jane Abbott", login="abbott", github_id=5, type="User"), False),
        (Identity(GIT, name="Jane Abbott", email="jane@abbott.example"), False),
        (Identity(GITHUB, name="Robert Botha", login="robot-fan", github_id=6), False),
    ],
)
def test_bot_detection(frame_of, identity, expected):
    res = resolve_people(frame_of(identity), Settings(), privacy_key=KEY)
    assert bool(res.people.loc[0, "is_bot"]) is expected
    assert res.people.loc[0, "bot_probability"] == (1.0 if expected else 0.0)
    assert is_bot_identity(identity.login, identity.name, identity.email, identity.type) is expected


def test_a_bot_identity_makes_its_person_a_bot(frame_of):
    account = Identity(GITHUB, login="acme-helper", github_id=7, type="User")
    git = Identity(GIT, name="acme-helper[bot]", email="helper@acme.example", login="acme-helper")
    res = resolve_people(frame_of(account, git), Settings(), privacy_key=KEY)
    assert len(res.people) == 1
    assert bool(res.people.loc[0, "is_bot"])


@pytest.mark.parametrize(
    ("email", "affiliation", "evidence"),
    [
        ("ada@acme-ai.com", "employee", "email domain acme-ai.com"),
        ("ada@research.acme-ai.com", "employee", "email domain acme-ai.com"),
        ("ADA@ACME-AI.COM", "employee", "email domain acme-ai.com"),
        ("ada@notacme-ai.com", "community", ""),
        ("ada@acme-ai.com.evil.example", "community", ""),
        ("ada@example.org", "community", ""),
    ],
)
def test_affiliation_by_company_domain(frame_of, email, affiliation, evidence):
    res = resolve_people(frame_of(Identity(GIT, name="Ada", email=email)), ACME, privacy_key=KEY)
    assert res.people.loc[0, "affiliation"] == affiliation
    assert res.people.loc[0, "affiliation_evidence"] == evidence


def test_affiliation_from_any_linked_identity(frame_of):
    res = resolve_people(frame_of(ADA_ACCOUNT, ADA_WORK, ADA_HOME), ACME, privacy_key=KEY)
    assert _person(res, ADA)["affiliation"] == "employee"
    res = resolve_people(frame_of(ADA_ACCOUNT, ADA_WORK, ADA_HOME), Settings(), privacy_key=KEY)
    assert _person(res, ADA)["affiliation"] == "community"


def _mixed_world() -> list[Identity]:
    return [
        ADA_ACCOUNT,
        ADA_WORK,
        ADA_HOME,
        ADA_NOREPLY,
        Identity(GIT, name="Grace Hopper", email="Grace@Navy.example"),
        Identity(GIT, name="grace", email="grace@navy.example"),
        Identity(GIT, name="root", email="root@localhost"),
        Identity(GIT, name="admin", email="root@localhost"),
        Identity(GITHUB, name="", login="dependabot[bot]", github_id=49699333, type="Bot"),
        Identity(
            GIT, name="dependabot[bot]", email="49699333+dependabot[bot]@users.noreply.github.com"
        ),
        Identity(GITHUB, name="Linus", login="linus", github_id=7),
        Identity(GIT, name="Linus T", email="linus@acme-ai.com", login="linus"),
        Identity(GIT, name="Lone Wolf", email="wolf@example.org"),
    ]


def test_person_ids_do_not_depend_on_input_order(frame_of):
    frame = frame_of(*_mixed_world())
    expected = resolve_people(frame, ACME, privacy_key=KEY)
    assert len(expected.people) == 7
    for seed in range(5):
        shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        got = resolve_people(shuffled, ACME, privacy_key=KEY)
        pd.testing.assert_frame_equal(got.people, expected.people)
        pd.testing.assert_frame_equal(
            got.links.sort_values("identity_key").reset_index(drop=True),
            expected.links.sort_values("identity_key").reset_index(drop=True),
        )


def test_resolving_twice_gives_identical_frames(frame_of):
    frame = frame_of(*_mixed_world())
    first = resolve_people(frame, ACME, privacy_key=KEY)
    second = resolve_people(frame, ACME, privacy_key=KEY)
    pd.testing.assert_frame_equal(first.people, second.people)
    pd.testing.assert_frame_equal(first.links, second.links)


def test_mixed_world_people(frame_of):
    res = resolve_people(frame_of(*_mixed_world()), ACME, privacy_key=KEY)
    people = res.people.set_index("person_id")
    assert set(people.index) >= {ADA, LINUS, DEPENDABOT}
    assert people.loc[DEPENDABOT, "is_bot"]
    assert not people.loc[ADA, "is_bot"]
    assert people.loc[LINUS, "affiliation"] == "employee"
    members = defaultdict(set)
    for key, pid in _person_of(res).items():
        members[pid].add(key)
    assert len(members[ADA]) == 4
    assert len(members[DEPENDABOT]) == 2
    # Every identity belongs to exactly one person.
    assert sorted(res.links["identity_key"]) == sorted(i.key for i in _mixed_world())


def test_update_people_stores_and_is_idempotent(mem_store):
    save_identities(mem_store, _mixed_world())
    set_meta(mem_store, "company_domains", "acme-ai.com")
    first = update_people(mem_store, Settings())
    people, links = load_people(mem_store), load_identity_links(mem_store)
    assert len(people) == len(first.people) == 7
    assert len(links) == count_rows(mem_store, "identities")
    # The stored company domain applies: Linus is an employee.
    assert people.set_index("person_id").loc[LINUS, "affiliation"] == "employee"
    update_people(mem_store, Settings())
    pd.testing.assert_frame_equal(load_people(mem_store), people)
    pd.testing.assert_frame_equal(load_identity_links(mem_store), links)


def test_ensure_people_resolves_only_new_identities(mem_store):
    save_identities(mem_store, _mixed_world()[:4])
    ensure_people(mem_store, Settings())
    assert count_rows(mem_store, "identity_links") == 4
    save_identities(mem_store, _mixed_world()[4:])
    ensure_people(mem_store, Settings())
    assert count_rows(mem_store, "identity_links") == len(_mixed_world())


def test_company_settings_adds_stored_domains(mem_store):
    set_meta(mem_store, "company_domains", "acme-ai.com acme.example")
    set_meta(mem_store, "company_orgs", "acme-ai")
    merged = company_settings(mem_store, Settings(company_domains=("acme-ai.com", "x.example")))
    assert merged.company_domains == ("acme-ai.com", "x.example", "acme.example")
    assert merged.company_orgs == ("acme-ai",)


def test_demo_resolution_never_merges_two_true_people(demo_store, demo_world):
    links = load_identity_links(demo_store)
    truth = demo_world.truth | demo_world.hub.people  # Hub accounts are people too
    truths = defaultdict(set)
    for key, pid in zip(links["identity_key"], links["person_id"], strict=True):
        truths[pid].add(truth[key])
    merged = {pid: t for pid, t in truths.items() if len(t) > 1}
    assert merged == {}
    # The shared build-box identity is nobody in particular and stays alone.
    shared = [k for k, v in demo_world.truth.items() if v == -1]
    assert len(shared) == 1
    assert (
        links["person_id"] == links.set_index("identity_key").loc[shared[0], "person_id"]
    ).sum() == 1
    # Most people's several identities are found: fewer people than identities.
    assert len(truths) < 0.8 * len(links)


def test_demo_bots_and_employees_are_recognised(demo_store, demo_world):
    people = load_people(demo_store).set_index("person_id")
    for login in (
        "dependabot[bot]",
        "github-actions[bot]",
        "pre-commit-ci[bot]",
        "codecov-commenter",
    ):
        assert people.loc[people["login"] == login, "is_bot"].tolist() == [True], login
    # Jane-Abbott-like humans: no human in the demo with a plain name is a bot.
    humans = {p.login for p in demo_world.people if not p.is_bot}
    assert not people.loc[people["login"].isin(humans), "is_bot"].any()
    employees = people[people["affiliation"] == "employee"]
    assert len(employees) >= 10
    # Every employee has evidence: a company address in use, a profile naming Acme, or
    # membership of the company's organisation on the Hub.
    assert all(
        e.startswith("company email, used ") or "profile company" in e or "(hf)" in e
        for e in employees["affiliation_evidence"]
    )
    # A Hub account outside the company's Hub organisation is community, and says why.
    hub_only = people[people["profile_url"].fillna("").str.startswith("https://huggingface.co/")]
    outside = hub_only[hub_only["affiliation"] != "employee"]
    assert len(outside) > 0 and (outside["affiliation"] == "community").all()
    assert outside["affiliation_evidence"].str.contains("not a member of acme-ai").all()
    assert set(people["affiliation"]) <= {"employee", "former_employee", "community", "unknown"}


def test_owner_logins_match_git_names_that_are_handles_but_never_guess():
    """Many people commit under their handle ("jooho"); an owner file's login matches
    such a git name when nothing stronger does, and never when two people fit."""
    from talent.people.identity import owner_people

    people = pd.DataFrame(
        {
            "person_id": ["p1", "p2", "p3", "p4"],
            "login": [None, None, None, None],
            "name": ["Jooho Lee", "Rueian", "Rueian", "admin"],
        }
    )
    ids = pd.DataFrame(
        {
            "key": ["k1", "k1b", "k2", "k3", "k4"],
            "login": [None] * 5,
            "name": ["jooho", "Jooho Lee", "Rueian", "Rueian", "admin"],
            "email": [
                "jlee@redhat.com",
                "ljhiyh@gmail.com",
                "rueian@anyscale.com",
                "rueiancsie@gmail.com",
                "ops@acme.org",
            ],
        }
    )
    links = pd.DataFrame({"identity_key": ids["key"], "person_id": ["p1", "p1", "p2", "p3", "p4"]})
    named = pd.DataFrame({"owner": ["jooho", "rueian", "admin", "tomcli"], "kind": ["user"] * 4})
    got = owner_people(named, people, ids, links).tolist()
    # jooho: the git name of one person; rueian: the e-mail local part wins over the
    # name two people share; a generic name and an unknown login match nobody.
    assert got == ["p1", "p2", None, None]
    # Without the e-mail, two people share the handle: nobody is guessed.
    ids.loc[2, "email"] = "r@anyscale.com"
    assert owner_people(named, people, ids, links).tolist() == ["p1", None, None, None]


# --- keyed person ids --------------------------------------------------------------------

# Ada's account id is the one issue 26 found in clear in pipeline rows ("gh1000595").
KEYED_WORLD = [
    Identity(GITHUB, name="Ada Lovelace", login="ada-l", github_id=1000595, type="User"),
    Identity(GIT, name="Ada Lovelace", email="ada@acme-ai.com", login="ada-l"),
    Identity(GITHUB, name="Bo Berg", login="bober", github_id=7341902, type="User"),
    Identity(GIT, name="Cy Young", email="cy@example.org"),
]


def _unkeyed_ids(identities: list[Identity]) -> set[str]:
    """Every id anyone could compute from the public identifiers alone, the old ones
    (``gh`` and the account id, ``p`` and the SHA-1 of the identity key) among them."""
    words = {i.key for i in identities} | {f"github:{i.github_id}" for i in identities}
    words |= {w for i in identities for w in (i.login, i.email, i.name, str(i.github_id)) if w}
    out = {f"gh{i.github_id}" for i in identities if i.github_id}
    for word in words:
        for algo in ("sha1", "sha256", "md5"):
            digest = hashlib.new(algo, word.encode("utf-8")).hexdigest()
            out |= {"p" + digest[:12], digest[:12], digest}
    return out


def _keyed_store(path, key_file, monkeypatch, identities=KEYED_WORLD):
    monkeypatch.setenv("TALENT_KEY_FILE", str(key_file))
    engine = open_store(f"sqlite:///{path}")
    save_identities(engine, identities)
    update_people(engine, Settings())
    links = load_identity_links(engine)
    ids = dict(zip(links["identity_key"], links["person_id"], strict=True))
    engine.dispose()
    return ids


def test_person_ids_cannot_be_computed_from_public_identifiers(tmp_path, monkeypatch):
    first = _keyed_store(tmp_path / "a.db", tmp_path / "a.key", monkeypatch)
    again = _keyed_store(tmp_path / "a2.db", tmp_path / "a.key", monkeypatch)
    other = _keyed_store(tmp_path / "b.db", tmp_path / "b.key", monkeypatch)
    # The same key: the same ids (shortlists refer to them); another key: other ids for
    # the same people (so the data alone does not give them).
    assert again == first
    assert len(set(first.values())) == len(set(other.values())) == 3
    assert {k: first[k] == other[k] for k in first} == dict.fromkeys(first, False)
    assert sorted(map(sorted, _groups(first))) == sorted(map(sorted, _groups(other)))
    unkeyed = _unkeyed_ids(KEYED_WORLD)
    for person_id in {*first.values(), *other.values()}:
        assert re.fullmatch(r"p[0-9a-f]{12}", person_id)
        assert person_id not in unkeyed
        assert not any(str(i.github_id) in person_id for i in KEYED_WORLD if i.github_id)


def _groups(person_of: dict[str, str]) -> list[set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for key, person_id in person_of.items():
        members[person_id].add(key)
    return list(members.values())


def test_a_keyed_id_finds_the_person_and_holds_their_shortlist_across_runs(tmp_path, monkeypatch):
    db = tmp_path / "store.db"
    ids = _keyed_store(db, tmp_path / "privacy.key", monkeypatch)
    ada = ids["github:1000595"]
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def cli(*args: str):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        return result.stdout

    assert cli("people", "show", ada).splitlines()[0].startswith(f"Ada Lovelace  {ada}  @ada-l")
    cli("shortlist", "add", "DevRel", ada)
    # New data re-resolves everyone: the id stays, and the list still holds Ada.
    noreply = Identity(GIT, name="Ada L", email="1000595+ada-l@users.noreply.github.com")
    again = _keyed_store(db, tmp_path / "privacy.key", monkeypatch, [*KEYED_WORLD, noreply])
    assert again[noreply.key] == again["github:1000595"] == ada
    shown = json.loads(cli("shortlist", "show", "DevRel", "-f", "json"))
    assert [(e["person_id"], e["login"]) for e in shown] == [(ada, "ada-l")]
    assert ada in cli("people", "show", "ada-l")


def test_pipeline_rows_follow_people_whose_ids_change(mem_store):
    # A store resolved before ids were keyed: Ada was "gh1000595", Cy the SHA-1 of his key.
    save_identities(mem_store, KEYED_WORLD)
    cy_old = "p" + hashlib.sha1(KEYED_WORLD[3].key.encode()).hexdigest()[:12]
    old_of = {i.key: f"gh{i.github_id}" for i in KEYED_WORLD if i.github_id}
    old_of[KEYED_WORLD[1].key] = "gh1000595"
    old_of[KEYED_WORLD[3].key] = cy_old
    save_identity_links(
        mem_store,
        pd.DataFrame(
            {
                "identity_key": list(old_of),
                "person_id": list(old_of.values()),
                "method": "single",
                "confidence": 1.0,
            }
        ),
        replace=True,
    )
    save_shortlist(mem_store, "DevRel")
    add_entries(mem_store, "DevRel", ["gh1000595", cy_old], "rec")
    add_note(mem_store, "DevRel", "gh1000595", "talked at the meetup", "rec")
    save_ats_marks(mem_store, {"gh7341902": "login"}, "ats.csv")
    update_people(mem_store, Settings())
    links = load_identity_links(mem_store)
    person = dict(zip(links["identity_key"], links["person_id"], strict=True))
    ada, bo, cy = (person[KEYED_WORLD[i].key] for i in (0, 2, 3))
    assert not {ada, bo, cy} & {"gh1000595", "gh7341902", cy_old}  # no account id in clear
    entries = load_entries(mem_store, "DevRel")
    assert sorted(entries["person_id"]) == sorted([ada, cy])
    notes = load_events(mem_store, "DevRel")
    assert set(notes["person_id"]) == {ada, cy}
    assert list(load_ats_marks(mem_store)["person_id"]) == [bo]
