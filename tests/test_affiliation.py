"""Affiliation without configuration: the company inferred from the data.

Worlds are built by hand (commits of people on given email domains over given spans) so
that the inferred domains and every person's affiliation are known in advance; one world
is mined from git repositories in tmp_path, and organisation membership goes through the
GitHub miner and the fake GitHub API over real HTTP.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from fake_github import FakeGitHub, World, make_miner_client
from gitrepos import GitRepo, Who, at, isolate
from sqlalchemy import inspect, text

from talent.config import Settings, load_settings
from talent.mining import mine_git, mine_github
from talent.model import Activity, ActivityKind, Identity, IdentitySource, Origin, Repo
from talent.people.affiliation import (
    CompanyInference,
    company_warning,
    describe_company,
    infer_company_from,
    is_public_mail_domain,
    public_mail_domains,
    registrable_domain,
)
from talent.people.identity import ensure_people, infer_company, update_people
from talent.sources.github import GitHubClient
from talent.store import (
    data_version,
    get_meta,
    load_identity_links,
    load_org_members,
    load_people,
    open_store,
    save_activities,
    save_identities,
    save_org_members,
    save_repos,
)
from talent.store.schema import SCHEMA_VERSION

START = datetime(2022, 1, 3, 12, tzinfo=UTC)


def git_identity(name: str, email: str) -> Identity:
    return Identity(IdentitySource.GIT, name=name, email=email)


_WORDS = "parser cache loader docs tests config graph index queue metrics auth model".split()
_VERBS = "fix add refactor remove document speed-up handle support rename test".split()


def _message(key: str, i: int) -> str:
    """A varied commit subject (template-like ones would make everyone a bot)."""
    rng = random.Random(f"{key}:{i}")
    return f"{rng.choice(_VERBS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)}"


def commits(
    who: Identity, n: int, *, months: int, repo: str, first: int = 0, start: int = 0
) -> list[Activity]:
    """``n`` commits by ``who`` spread evenly over ``months`` months from ``start``
    months (of 30 days) after START."""
    span = timedelta(days=30 * months)
    step = span / max(1, n - 1)
    return [
        Activity(
            key=f"{repo}:{who.key}:{first + i}",
            repo=repo,
            kind=ActivityKind.COMMIT,
            actor=who.key,
            occurred_at=START + timedelta(days=30 * start) + i * step,
            item=hashlib.sha1(f"{who.key}:{first + i}".encode()).hexdigest(),
            title=_message(who.key, i),
        )
        for i in range(n)
    ]


def build(store, people: list[tuple], repo: str) -> None:
    """Save ``(identity, commits, months[, start month])`` rows as one repository's
    history."""
    save_repos(store, [Repo(repo, Origin.GIT)])
    save_identities(store, [row[0] for row in people])
    acts = []
    for who, n, months, *start in people:
        acts += commits(who, n, months=months, repo=repo, start=start[0] if start else 0)
    save_activities(store, acts)


def affiliation_by_email(store) -> dict[str, str]:
    """email -> affiliation of the person that identity belongs to."""
    people = load_people(store).set_index("person_id")
    links = load_identity_links(store)
    out = {}
    for key, person in zip(links["identity_key"], links["person_id"], strict=True):
        email = key.split("\x1f", 1)[1] if "\x1f" in key else key
        out[email] = people.loc[person, "affiliation"]
    return out


# A company renamed from quill-labs.com to quillon.io: quill-labs.com fell out of use in
# month 10, and two of its three people went on with quillon.io. The data ends in month 24.
QUILLON = [
    (git_identity("Ada Quill", "ada@quillon.io"), 40, 24),
    (git_identity("Ben Quill", "ben@quillon.io"), 35, 24),
    (git_identity("Cai Quill", "cai@quillon.io"), 30, 24),
    (git_identity("Dee Quill", "dee@quill-labs.com"), 20, 10),
    (git_identity("Dee Quill", "dee@quillon.io"), 15, 13, 11),
    (git_identity("Eve Labs", "eve@quill-labs.com"), 20, 10),
    (git_identity("Eve Labs", "eve@quillon.io"), 10, 13, 11),
    # Left with the old domain (month 9): a former employee.
    (git_identity("Fay Labs", "fay@quill-labs.com"), 10, 9),
    # A newcomer on the company's domain: an employee.
    (git_identity("Gus New", "gus@quillon.io"), 3, 1, 23),
    # Went on at another organisation (month 13 on): a former employee at once.
    (git_identity("Max Move", "max@quillon.io"), 12, 12),
    (git_identity("Max Move", "max@megacorp.com"), 10, 11, 13),
    # The community: free mail, a university, another company with three people.
    (git_identity("Hal Free", "hal@gmail.com"), 50, 24),
    (git_identity("Ivy Free", "ivy@outlook.com"), 45, 24),
    (git_identity("Jon Uni", "jon@cs.uni-example.edu"), 20, 13),
    (git_identity("Kim Mega", "kim@megacorp.com"), 22, 13),
    (git_identity("Lou Mega", "lou@megacorp.com"), 21, 13),
    # A domain only one person uses is their own mailbox, however much they do.
    (git_identity("Sol Own", "sol@sol-solo.dev"), 60, 24),
]


def test_work_domains_make_organisations_and_the_company(store):
    build(store, QUILLON, "quillon/engine")
    update_people(store, Settings())
    company = infer_company(store, Settings())
    assert (company.source, company.kind) == ("inferred", "single")
    assert company.domains == ("quillon.io", "quill-labs.com")
    assert company.orgs == () and company.names == ()
    # Ada, Ben, Cai, Dee, Eve, Fay, Gus, Max.
    assert company.people == 8
    assert company.inferred == ("quillon.io", "quill-labs.com")
    # Commits: quillon.io 40+35+30+15+10+3+12, quill-labs.com 20+20+10 (of 423);
    # megacorp.com 10+22+21; sol-solo.dev is nobody's organisation.
    assert [(o.name, o.domains, o.people) for o in company.organisations] == [
        ("quillon.io", ("quillon.io", "quill-labs.com"), 8),
        ("megacorp.com", ("megacorp.com",), 3),
    ]
    assert [round(o.share_of_work * 423) for o in company.organisations] == [195, 53]
    assert "quillon.io names the owner quillon" in company.evidence
    assert describe_company(company).startswith(
        "company inferred (a guess): domains quillon.io, quill-labs.com, from 8 people"
    )
    assert company_warning(company) is None
    assert affiliation_by_email(store) == {
        "ada@quillon.io": "employee",
        "ben@quillon.io": "employee",
        "cai@quillon.io": "employee",
        "dee@quill-labs.com": "employee",
        "dee@quillon.io": "employee",
        "eve@quill-labs.com": "employee",
        "eve@quillon.io": "employee",
        "fay@quill-labs.com": "former_employee",
        "gus@quillon.io": "employee",
        "max@quillon.io": "former_employee",
        "max@megacorp.com": "former_employee",
        "hal@gmail.com": "community",
        "ivy@outlook.com": "community",
        "jon@cs.uni-example.edu": "community",
        "kim@megacorp.com": "community",
        "lou@megacorp.com": "community",
        "sol@sol-solo.dev": "community",
    }
    people = load_people(store).set_index("name")
    assert people.loc["Gus New", "affiliation_evidence"].startswith(
        "company email (company inferred from the data), used 2023-11-24 to 2023-12-24"
    )
    assert people.loc["Max Move", "affiliation_evidence"].endswith(
        "then worked from megacorp.com until 2023-12-24"
    )
    assert people.loc["Fay Labs", "affiliation_evidence"].endswith(
        "nothing from the company for over 180 days before 2023-12-24"
    )


def test_a_job_change_does_not_join_two_companies(store):
    # Two of nine people move from zentra.dev to bigco.com; zentra.dev goes on.
    staff = [(git_identity(f"Staff {c}", f"s{c}@zentra.dev"), 30, 20) for c in "abcdefg"]
    movers = [
        row
        for c in "xy"
        for row in (
            (git_identity(f"Mover {c}", f"m{c}@zentra.dev"), 10, 8),
            (git_identity(f"Mover {c}", f"m{c}@bigco.com"), 10, 11, 9),
        )
    ]
    others = [(git_identity(f"Big {c}", f"b{c}@bigco.com"), 30, 20) for c in "abcdef"]
    build(store, staff + movers + others, "foundation/thing")
    update_people(store, Settings())
    company = infer_company(store, Settings())
    assert [o.domains for o in company.organisations] == [("zentra.dev",), ("bigco.com",)]
    assert company.kind == "multi" and not company.known


def test_a_dominant_domain_that_names_no_owner_is_taken(store):
    staff = [(git_identity(f"Staff {c}", f"s{c}@zentra.dev"), 30, 20) for c in "abcdefgh"]
    others = [
        (git_identity("Ola Other", "ola@bigco.com"), 25, 20),
        (git_identity("Pia Other", "pia@bigco.com"), 25, 20),
        (git_identity("Rex Free", "rex@gmail.com"), 60, 20),
    ]
    build(store, staff + others, "opensrc/thing")
    update_people(store, Settings())
    company = infer_company(store, Settings())
    assert (company.source, company.domains, company.people) == ("inferred", ("zentra.dev",), 8)
    assert company.kind == "single"
    # 240 of the 350 commits; bigco.com 50: 240 / 290 of the company-addressed work.
    assert company.evidence == (
        "zentra.dev: 8 people, 69% of all work; zentra.dev holds 83% of the "
        "company-addressed work, 4.8 times the next"
    )
    assert affiliation_by_email(store)["ola@bigco.com"] == "community"


def test_a_project_of_several_companies_infers_none(store):
    people = [
        (git_identity(f"{co.title()} {c}", f"{c}@{co}.com"), 30, 20)
        for co in ("alphaco", "betaco", "gammaco")
        for c in "abcd"
    ]
    build(store, people, "foundation/project")
    update_people(store, Settings())
    company = infer_company(store, Settings())
    assert company.source == "none" and not company.known and company.kind == "multi"
    assert company.candidates == (("alphaco.com", 4), ("betaco.com", 4), ("gammaco.com", 4))
    assert [round(o.share_of_work, 4) for o in company.organisations] == [0.3333] * 3
    assert company.inferred == ()
    warning = company_warning(company)
    assert warning.startswith("several organisations share this project: no company is picked")
    assert "alphaco.com (4 people), betaco.com (4 people), gammaco.com (4 people)" in warning
    # Until someone chooses theirs, nobody is called an employee.
    assert set(load_people(store)["affiliation"]) == {"community"}


def test_a_core_on_public_mail_infers_nothing_and_warns(store):
    people = [(git_identity(f"Dev {c}", f"dev.{c}@gmail.com"), 30, 20) for c in "abcdef"]
    build(store, people, "gmailers/tool")
    update_people(store, Settings())
    company = infer_company(store, Settings())
    assert company == CompanyInference(core=6, kind="community")
    assert company_warning(company).startswith("no company known: everyone counts as community")
    assert describe_company(company) == company_warning(company)
    assert set(load_people(store)["affiliation"]) == {"community"}


PUBLIC = (
    "hotmail.co.uk",
    "outlook.com",
    "proton.me",
    "qq.com",
    "users.noreply.github.com",
    "cs.stanford.edu",
    "ox.ac.uk",
    "laptop.local",
    "apache.org",
)


def test_the_free_mail_list_and_universities_are_never_a_company(store):
    # Three core people on each kind of address that says nothing about an employer.
    people = [
        (git_identity(f"Person {i} {c}", f"p{c}{i}@{host}"), 30, 20)
        for i, host in enumerate(PUBLIC)
        for c in "abc"
    ]
    build(store, people, "stanford/tool")  # a university names no owner either
    update_people(store, Settings())
    company = infer_company(store, Settings())
    assert company.source == "none" and company.candidates == ()
    assert (company.kind, company.organisations) == ("community", ())


def test_every_listed_domain_is_public_mail():
    exact, names = public_mail_domains()
    assert {"gmail.com", "users.noreply.github.com", "web.de"} <= exact
    assert {"hotmail", "yahoo", "gmx", "protonmail", "yandex"} <= names
    for domain in exact:
        assert is_public_mail_domain(domain), domain
        assert is_public_mail_domain("mail." + domain), domain
    for name in names:
        assert is_public_mail_domain(f"{name}.de") and is_public_mail_domain(f"{name}.co.jp")
    assert not is_public_mail_domain("quillon.io")
    assert not is_public_mail_domain("notgmail.com")
    assert registrable_domain("cn.ibm.com") == "ibm.com"


def test_settings_win_over_inference(store, tmp_path):
    build(store, QUILLON, "quillon/engine")
    settings = Settings(company_domains=("megacorp.com",))
    update_people(store, settings)
    company = infer_company(store, settings)
    assert (company.source, company.domains) == ("settings", ("megacorp.com",))
    assert company.kind == "single" and company.inferred == ()  # what the data shows
    by_email = affiliation_by_email(store)
    # Max moved there in month 13 and is still on it in month 24; Kim and Lou stopped
    # in month 13, over the 180 days of grace before the end.
    assert by_email["max@megacorp.com"] == "employee"
    assert by_email["kim@megacorp.com"] == by_email["lou@megacorp.com"] == "former_employee"
    assert by_email["ada@quillon.io"] == "community"
    # A longer grace keeps them.
    update_people(store, Settings(company_domains=("megacorp.com",), former_after_days=400))
    assert affiliation_by_email(store)["kim@megacorp.com"] == "employee"


def test_the_demo_worlds_recorded_company_is_used(demo_store):
    company = infer_company(demo_store, Settings())
    assert company.source == "settings"
    assert company.domains == ("acme-ai.com",) and company.orgs == ("acme-ai",)
    assert company.evidence == "recorded in the store by its source"


def test_writing_a_settings_file_re_resolves_people(store, tmp_path):
    people = [(git_identity(f"Dev {c}", f"dev.{c}@gmail.com"), 30, 20) for c in "abcdef"]
    people.append((git_identity("Sam Staff", "sam@hexaware-labs.io"), 10, 20))
    build(store, people, "gmailers/tool")
    settings = Settings(people_file=str(tmp_path / "people.toml"))
    ensure_people(store, settings)
    assert affiliation_by_email(store)["sam@hexaware-labs.io"] == "community"
    version = data_version(store)
    ensure_people(store, settings)  # nothing changed: nothing resolved again
    assert data_version(store) == version

    config = tmp_path / "talent.toml"
    config.write_text('[company]\ndomains = ["hexaware-labs.io"]\n', encoding="utf-8")
    written = load_settings(config)
    ensure_people(store, written)
    assert affiliation_by_email(store)["sam@hexaware-labs.io"] == "employee"
    assert infer_company(store, written).source == "settings"

    # The people file is part of what was read: a merge applies without a re-mine.
    (tmp_path / "people.toml").write_text(
        '[[merge]]\nidentities = ["email:dev.a@gmail.com", "email:dev.b@gmail.com"]\n',
        encoding="utf-8",
    )
    before = load_people(store)["person_id"].nunique()
    ensure_people(store, written)
    assert load_people(store)["person_id"].nunique() == before - 1


def test_git_history_in_a_repository(tmp_path, monkeypatch, store):
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "repo")
    authors = [Who(f"Wren {c}", f"wren.{c}@tallowsoft.com") for c in "abc"]
    authors += [Who("Yan Free", "yan@yahoo.co.jp"), Who("Zed Free", "zed@gmx.net")]
    for day in range(0, 400, 10):  # every author commits every ten days for 13 months
        for i, who in enumerate(authors):
            repo.commit(
                _message(who.email, day) + "\n",
                author=who,
                when=at(day, i),
                files={f"{i}.txt": f"{day}\n"},
            )
    mine_git(store, repo.path, name="tallowsoft/engine")
    ensure_people(store, Settings())
    company = infer_company(store, Settings())
    assert (company.source, company.domains, company.people) == ("inferred", ("tallowsoft.com",), 3)
    assert affiliation_by_email(store) == {
        "wren.a@tallowsoft.com": "employee",
        "wren.b@tallowsoft.com": "employee",
        "wren.c@tallowsoft.com": "employee",
        "yan@yahoo.co.jp": "community",
        "zed@gmx.net": "community",
    }


def test_pure_inference_on_frames_without_a_store():
    ids = pd.DataFrame(
        {
            "key": ["a", "b", "c"],
            "email": ["a@orbit.dev", "b@orbit.dev", "c@orbit.dev"],
            "github_id": [None, None, None],
        }
    )
    links = pd.DataFrame({"identity_key": ["a", "b", "c"], "person_id": ["pa", "pb", "pc"]})
    people = pd.DataFrame({"person_id": ["pa", "pb", "pc"], "is_bot": [False, False, True]})
    acts = pd.DataFrame(
        {
            "actor": ["a", "a", "b", "b", "c", "c"],
            "kind": ["commit"] * 6,
            "occurred_at": pd.to_datetime(["2020-01-01", "2021-06-01"] * 3),
        }
    )
    repos = pd.DataFrame({"full_name": ["orbit/core"]})
    # Two people (the third is a bot) name the owner: enough for an owner's domain.
    found = infer_company_from(people, links, ids, acts, repos=repos)
    assert (found.domains, found.people, found.kind) == (("orbit.dev",), 2, "single")
    assert "orbit.dev names the owner orbit" in found.evidence
    # Without the owner's name, the only organisation holds all the work.
    alone = infer_company_from(people, links, ids, acts)
    assert (alone.domains, alone.kind) == (("orbit.dev",), "single")
    # One person on the domain is their own mailbox: no organisation at all.
    mailbox = ids.assign(email=["a@orbit.dev", "b@gmail.com", "c@orbit.dev"])
    none = infer_company_from(people, links, mailbox, acts, repos=repos)
    assert (none.known, none.kind, none.organisations) == (False, "community", ())


# --- organisation membership through the GitHub miner and the fake ---------------------------

TOKEN = "test-token"


@pytest.fixture
def fake():
    world = World.generate(seed=1)
    server = FakeGitHub(world, tokens={TOKEN: {"private": True}}).start()
    yield world, server
    server.stop()
    assert not server.errors, "\n".join(server.errors)


def mine(engine, server, **kw):
    client = make_miner_client(server, TOKEN)
    try:
        return mine_github(engine, client, ["acme-ai"], **kw)
    finally:
        client.close()


def stored_members(engine) -> list[tuple[str, int, str]]:
    frame = load_org_members(engine)
    return list(zip(frame["org"], frame["github_id"], frame["login"], strict=True))


def test_public_members_are_mined_once_and_are_employees(fake, tmp_path):
    world, server = fake
    engine = open_store(f"sqlite:///{tmp_path / 'gh.db'}")
    public = world.public_members()
    assert 3 <= len(public) < len([u for u in world.users if u.member])  # some hide it
    mine(engine, server)
    expected = sorted(("acme-ai", u.id, u.login) for u in public)
    assert stored_members(engine) == expected
    assert server.log.count("/orgs/acme-ai/public_members") == 1

    server.log.clear()
    mine(engine, server)  # fresh enough: not asked again
    assert server.log.count("/orgs/acme-ai/public_members") == 0
    mine(engine, server, full=True)  # asked again, the same rows
    assert server.log.count("/orgs/acme-ai/public_members") == 1
    assert stored_members(engine) == expected

    # A member who hides the membership is gone after the next full mine.
    world.set_public_member(public[0].login, False)
    mine(engine, server, full=True)
    assert stored_members(engine) == sorted(("acme-ai", u.id, u.login) for u in public[1:])

    update_people(engine, Settings())
    company = infer_company(engine, Settings())
    assert company.source == "inferred" and company.orgs == ("acme-ai",)
    assert company.organisations[0].orgs == ("acme-ai",)
    assert company.organisations[0].people == len(public) - 1
    assert company.evidence.startswith(f"acme-ai: {len(public) - 1} people")
    people = load_people(engine)
    by_login = people.set_index("login")
    for user in public[1:]:
        assert by_login.loc[user.login, "affiliation"] == "employee"
        assert (
            "public member of acme-ai (company inferred from the data)"
            in (by_login.loc[user.login, "affiliation_evidence"])
        )
    engine.dispose()


def test_paged_public_members_follow_the_link_header(fake):
    world, server = fake
    client = GitHubClient(TOKEN, server.base_url, throttle=False, sleep=lambda s: None)
    try:
        pages = list(client.pages("/orgs/acme-ai/public_members", {"per_page": 2}))
    finally:
        client.close()
    assert [len(p) for p in pages][:-1] == [2] * (len(pages) - 1)
    assert [u["login"] for p in pages for u in p] == [u.login for u in world.public_members()]
    assert set(pages[0][0]) >= {"login", "id", "node_id", "type", "site_admin", "url"}
    assert "name" not in pages[0][0]  # simple-user: no profile fields


def test_save_org_members_is_idempotent(store):
    members = [{"github_id": 5, "login": "wen"}, {"github_id": 9, "login": "max"}]
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    assert save_org_members(store, "Acme-AI", members, fetched_at=moment) == 2
    version = data_version(store)
    assert save_org_members(store, "acme-ai", members, fetched_at=moment) == 2
    assert data_version(store) == version  # the same membership is no new data
    assert stored_members(store) == [("acme-ai", 5, "wen"), ("acme-ai", 9, "max")]
    save_org_members(store, "acme-ai", members[:1], fetched_at=moment)
    assert stored_members(store) == [("acme-ai", 5, "wen")]
    assert data_version(store) != version


def test_a_version_4_store_gains_the_org_members_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE org_members"))
        conn.execute(text("DROP TABLE named_owners"))
        conn.execute(text("DROP TABLE account_members"))
        conn.execute(text("DROP TABLE ats_marks"))
        conn.execute(text("ALTER TABLE people DROP COLUMN profile_url"))
        conn.execute(text("ALTER TABLE people DROP COLUMN bot_evidence"))
        conn.execute(text("ALTER TABLE people DROP COLUMN login_source"))
        conn.execute(text("ALTER TABLE people DROP COLUMN employed_from"))
        conn.execute(text("ALTER TABLE people DROP COLUMN employed_until"))
        conn.execute(text("DELETE FROM schema_version"))
        conn.execute(text("INSERT INTO schema_version (version) VALUES (4)"))
    engine.dispose()
    engine = open_store(url)
    assert inspect(engine).has_table("org_members")
    assert inspect(engine).has_table("named_owners")  # and what came after
    assert inspect(engine).has_table("account_members")
    assert "profile_url" in {c["name"] for c in inspect(engine).get_columns("people")}
    for table in ("shortlist_entries", "shortlist_events", "saved_searches", "digest_snapshots"):
        assert inspect(engine).has_table(table)  # version 9's
    assert inspect(engine).has_table("ats_marks")  # version 10's
    people_columns = {c["name"] for c in inspect(engine).get_columns("people")}
    assert {"bot_evidence", "login_source"} <= people_columns  # version 12's
    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == 16
    assert SCHEMA_VERSION == 16
    assert inspect(engine).has_table("access_log")  # version 14's
    assert {"table_versions", "derived_results"} <= set(inspect(engine).get_table_names())
    assert inspect(engine).has_table("access_log_people")
    columns = {c["name"] for c in inspect(engine).get_columns("people")}
    assert {"employed_from", "employed_until"} <= columns  # version 13's
    assert {"bot_evidence", "login_source"} <= columns  # version 12's
    assert get_meta(engine, "people_fingerprint") is None
    engine.dispose()


def test_the_data_file_ships_with_the_package():
    import tomllib

    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert "data/*.txt" in project["tool"]["setuptools"]["package-data"]["talent"]
