"""The Hugging Face Hub source, over real HTTP to the fake Hub (tests/fake_hf), through
the one sync loop into a real SQLite store: what becomes which act, what a re-sync costs,
rate limits, failures, identities and affiliation, and ``talent mine hf``."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from fake_hf import FakeHub, HubWorld, PageSizes
from fake_hf.world import SIZES
from gitrepos import isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.people.identity import ensure_people, suggest_merges
from talent.sources.hf import (
    COMMITS_PER_PAGE,
    BadCredentials,
    HubClient,
    HubSource,
    NotFound,
    ResumeLater,
    hub_repo_name,
)
from talent.store import (
    count_rows,
    load_activities,
    load_identities,
    load_identity_links,
    load_people,
    load_repos,
    open_store,
)
from talent.sync import run_sync

ORG = "acme-ai"


@pytest.fixture()
def world():
    return HubWorld.generate(seed=3, **SIZES["small"])


@pytest.fixture()
def hub(world):
    with FakeHub(world) as server:
        yield server


@pytest.fixture()
def engine(tmp_path):
    return open_store(f"sqlite:///{tmp_path / 'hub.db'}")


def mine(hub, engine, token="hf_test", **options):
    client = HubClient(hub.base_url, token, sleep=lambda _s: None, **options.pop("client", {}))
    summary = run_sync(engine, HubSource(client, [ORG], **options))
    return client, summary


def expected_acts(world) -> Counter:
    """The acts the world's data should become, counted by kind (see talent.sources.hf).
    A deleted user's acts are kept, as the one deleted account's."""
    out = Counter()
    for repo in world.org_repos():
        for commit in repo.commits:
            people = [u for u in commit.authors if u.name != "system"]
            if people:
                out["commit"] += 1
                out["co_authored"] += len(people) - 1
        for d in repo.discussions:
            opener = d.author
            out["pr_opened" if d.is_pull_request else "issue_opened"] += 1
            for event in d.events[1:]:
                who = event.author
                if event.type == "comment" and not event.data.get("hidden"):
                    out["issue_comment"] += 1
                if event.type == "status-change":
                    status = event.data.get("status")
                    if status == "merged" and d.is_pull_request:
                        out["pr_merged_by"] += 1
                        out["pr_merged"] += 1
                    elif status == "closed" and who is not opener:
                        out["issue_closed_by"] += 1
        if repo.type == "model":
            out["derivative"] += sum(
                1 for m in world.derivatives(repo) if m.namespace.lower() != ORG
            )
    return +out


def test_a_full_mine_stores_every_act_once_at_the_pages_the_data_needs(world, hub, engine):
    client, summary = mine(hub, engine)
    assert not summary.failures
    acts = load_activities(engine)
    assert Counter(acts["kind"]) == expected_acts(world)
    names = set(load_repos(engine)["full_name"])
    assert names == {hub_repo_name(r.type, r.repo_id) for r in world.org_repos()}
    assert all(n.startswith(("hf.co/", "hf.co/datasets/", "hf.co/spaces/")) for n in names)
    # One request per page the data needs (commits at the 100 a page talent asks for);
    # likers are not read (a like has no time).
    need = world.pages_needed(PageSizes(commits=COMMITS_PER_PAGE))
    assert client.stats.total == need["total"] - need["likers"]
    assert hub.requests("discussion") == need["discussion"]


def test_an_unchanged_resync_costs_only_listings_and_stores_nothing_new(world, hub, engine):
    mine(hub, engine)
    rows = count_rows(engine, "activities")
    hub.log.clear()
    client, _ = mine(hub, engine)
    assert count_rows(engine, "activities") == rows
    assert client.stats.requests["details"] == 0 and client.stats.requests["commits"] == 0
    need = world.pages_needed()
    listings = sum(need[k] for k in ("models", "datasets", "spaces", "discussions"))
    assert client.stats.total == listings + need["derivatives"] + need["members"]


def test_a_new_comment_and_a_new_commit_cost_one_details_and_one_commit_page(world, hub, engine):
    mine(hub, engine)
    repo = next(r for r in world.org_repos("model") if r.discussions and not r.private)
    someone = world.add_user("newcomer-jo", "Jo Newcomer")
    world.add_comment(repo.repo_id, 1, someone.name, "Works for me on a 4090.")
    world.add_commit(repo.repo_id, someone.name, "Fix the tokenizer config")
    client, _ = mine(hub, engine)
    assert client.stats.requests["details"] == 1
    assert client.stats.requests["commits"] == 1
    mine_now = load_activities(engine)
    jo = mine_now[mine_now["actor"] == "hf:@newcomer-jo"]
    assert sorted(jo["kind"]) == ["commit", "issue_comment"]
    assert set(jo["repo"]) == {hub_repo_name("model", repo.repo_id)}


def test_derivatives_are_their_authors_acts_with_relation_and_uptake(world, hub, engine):
    mine(hub, engine)
    acts = load_activities(engine)
    derived = acts[acts["kind"] == "derivative"]
    some = world.derivatives()[0]
    base = some.bases[0]
    row = derived[derived["item"] == hub_repo_name("model", some.repo_id)].iloc[0]
    assert row["repo"] == hub_repo_name("model", base.repo_id)
    assert row["actor"] == f"hf:@{some.namespace.lower()}"
    assert row["state"] == some.relation
    assert row["size"] == some.downloads_all_time
    assert not derived["actor"].str.startswith(f"hf:@{ORG}").any()


def test_a_rate_limit_wait_is_shown_and_a_longer_one_stops_with_everything_saved(world, engine):
    now = [1_000_000.0]
    with FakeHub(world, rate_limit=30, clock=lambda: now[0]) as hub:
        waits = []

        def sleep(seconds):
            waits.append(seconds)
            now[0] += seconds  # the window passes

        client = HubClient(hub.base_url, "hf_test", sleep=sleep, max_wait=400)
        summary = run_sync(engine, HubSource(client, [ORG]))
        assert not summary.failures and waits and all(0 < w <= 301 for w in waits)
        assert Counter(load_activities(engine)["kind"]) == expected_acts(world)

    fresh = open_store(f"sqlite:///{engine.url.database}-2")
    with FakeHub(world, rate_limit=30, clock=lambda: now[0]) as hub:
        client = HubClient(hub.base_url, "hf_test", sleep=lambda _s: None, max_wait=10)
        with pytest.raises(ResumeLater, match="--max-wait"):
            run_sync(fresh, HubSource(client, [ORG]))
        saved = count_rows(fresh, "activities")
        assert saved > 0 or count_rows(fresh, "identities") > 0
        now[0] += 301
        client = HubClient(hub.base_url, "hf_test", sleep=sleep, max_wait=400)
        run_sync(fresh, HubSource(client, [ORG]))
    assert Counter(load_activities(fresh)["kind"]) == expected_acts(world)


def test_server_errors_are_retried_and_a_failing_repository_does_not_stop_the_rest(
    world, hub, engine
):
    hub.faults.add(r"/discussions$", 503, times=1)
    broken = world.org_repos("dataset")[0]
    hub.faults.add(rf"/api/datasets/{broken.repo_id}/commits", 500, times=10)
    client, summary = mine(hub, engine)
    assert list(summary.failures) == [hub_repo_name("dataset", broken.repo_id)]
    assert "500" in summary.failures[hub_repo_name("dataset", broken.repo_id)]
    assert client.stats.retries >= 4
    others = load_activities(engine)
    assert (others["repo"] != hub_repo_name("dataset", broken.repo_id)).any()


def test_a_gated_repository_keeps_its_discussions(world, engine):
    gated = next(r for r in world.org_repos("model") if r.gated)
    with FakeHub(world, tokens={"hf_test": {"gated_ok": False}}) as hub:
        _, summary = mine(hub, engine)
    assert not summary.failures
    acts = load_activities(engine)
    mine_gated = acts[acts["repo"] == hub_repo_name("model", gated.repo_id)]
    assert "commit" not in set(mine_gated["kind"])
    assert len(gated.discussions) == 0 or len(mine_gated) > 0


def test_a_refused_token_and_an_unknown_org_stop_with_one_message(hub, engine):
    client = HubClient(hub.base_url, "hf_wrong", sleep=lambda _s: None)
    with pytest.raises(BadCredentials, match="HF_TOKEN"):
        run_sync(engine, HubSource(client, [ORG]))
    client = HubClient(hub.base_url, "hf_test", sleep=lambda _s: None)
    with pytest.raises(NotFound, match="no-such-org"):
        run_sync(engine, HubSource(client, ["no-such-org"]))
    assert count_rows(engine, "activities") == 0


def test_hub_accounts_are_people_of_their_own_members_employees_others_community(
    world, hub, engine
):
    mine(hub, engine)
    settings = Settings(db_url=str(engine.url))
    ensure_people(engine, settings)
    people = load_people(engine).set_index("person_id")
    links = load_identity_links(engine).set_index("identity_key")["person_id"]
    member = world.org.members[0]
    outsider = next(
        r.commits[-1].authors[0]
        for r in world.derivatives()
        if r.commits and not r.commits[-1].authors[0].member
    )
    assert people.loc[links[f"hf:@{member.name.lower()}"], "affiliation"] == "employee"
    them = people.loc[links[f"hf:@{outsider.name.lower()}"]]
    assert them["affiliation"] == "community"
    assert them["profile_url"] == f"https://huggingface.co/{outsider.name}"
    # Known only on the Hub: shown by their Hub login (never matched to an owner file's).
    assert them["login"] == outsider.name


def test_a_hub_account_and_a_github_account_of_one_login_are_suggested_not_merged(
    hub, engine, tmp_path
):
    from talent.model import Identity, IdentitySource
    from talent.store import save_identities

    mine(hub, engine)
    login = load_identities(engine).query("source == 'hf'")["login"].iloc[0]
    save_identities(engine, [Identity(IdentitySource.GITHUB, login=login, github_id=4242)])
    settings = Settings(db_url=str(engine.url), people_file=str(tmp_path / "none.toml"))
    ensure_people(engine, settings)
    links = load_identity_links(engine).set_index("identity_key")["person_id"]
    hub_person, gh_person = links[f"hf:@{login.lower()}"], links["github:4242"]
    assert hub_person != gh_person
    suggested = suggest_merges(load_identities(engine), load_identity_links(engine),
                               load_people(engine))  # fmt: skip
    pairs = {frozenset((a, b)): why for a, b, why in suggested.itertuples(index=False)}
    assert pairs.get(frozenset((hub_person, gh_person))) == (
        f"same login on two platforms ({login.lower()})"
    )


def test_talent_mine_hf_from_the_command_line(world, hub, tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    result = runner.invoke(app, ["mine", "hf", ORG, "--endpoint", hub.base_url, "--db", db])
    assert result.exit_code == 0, result.output
    assert "Hugging Face Hub mining summary" in result.output
    assert "hf_test" not in result.output  # the token is never printed
    ranked = runner.invoke(app, ["rank", "--db", db, "--profile", "recruiter", "-f", "json"])
    assert ranked.exit_code == 0, ranked.output
    rows = json.loads(ranked.stdout)
    rows = rows["ranking"] if isinstance(rows, dict) else rows
    assert rows and all(r["affiliation"] != "employee" for r in rows)
    assert any(r["derivatives"] > 0 for r in rows)
    assert any(r["profile_url"].startswith("https://huggingface.co/") for r in rows)

    monkeypatch.setenv("HF_TOKEN", "hf_wrong")
    bad = runner.invoke(app, ["mine", "hf", ORG, "--endpoint", hub.base_url, "--db", db])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert bad.output.strip().count("\n") == 0 and "HF_TOKEN" in bad.output
    assert count_rows(open_store(db), "activities") > 0  # nothing stored was lost
    odd = runner.invoke(app, ["mine", "hf", "not a name!", "--db", db])
    assert odd.exit_code != 0 and "not an organisation" in odd.output


# --- deleted accounts, missing and renamed repositories, default messages ----------------


def test_a_deleted_users_discussions_stay_whole_under_one_never_ranked_account(world, hub, engine):
    from talent.ranking.scoring import rank_store

    mine(hub, engine)
    gone = next(u for u in world.users if u.deleted)
    theirs = [(r, d) for r in world.org_repos() for d in r.discussions if d.author is gone]
    assert theirs  # the world has discussions opened by the deleted user
    acts = load_activities(engine)
    for repo, d in theirs:
        ref = f"{hub_repo_name(repo.type, repo.repo_id)}#{d.num}"
        on_it = acts[acts["item"] == ref]
        opened = on_it[on_it["kind"].isin(["issue_opened", "pr_opened"])]
        assert list(opened["actor"]) == ["hf:@deleted"]
        # The others' replies are there, towards the deleted account.
        replies = [e for e in d.events[1:] if e.type == "comment" and not e.data.get("hidden")]
        comments = on_it[on_it["kind"] == "issue_comment"]
        assert len(comments) == len(replies)
        assert set(comments["counterpart"]) <= {"hf:@deleted"}
    settings = Settings(db_url=str(engine.url))
    ensure_people(engine, settings)
    links = load_identity_links(engine).set_index("identity_key")["person_id"]
    deleted = load_people(engine).set_index("person_id").loc[links["hf:@deleted"]]
    assert (deleted["name"], bool(deleted["is_bot"])) == ("deleted account", True)
    assert not isinstance(deleted["profile_url"], str)  # no page of its own on the Hub
    ranking = rank_store(engine, settings, profile="recruiter")
    assert len(ranking) > 5 and links["hf:@deleted"] not in set(ranking["person_id"])


@pytest.mark.parametrize(
    ("token", "said"),
    [
        (None, "not found, or private (no token was sent: set HF_TOKEN to read private ones)"),
        ("hf_test", "not found, or private to this token"),
    ],
)
def test_a_missing_repository_says_so_in_one_line_and_loses_nothing(
    world, hub, tmp_path, monkeypatch, token, said
):
    """Anonymous, the Hub answers a missing repository 401 without X-Error-Code (over
    plain http huggingface_hub does not call that "not found"): never "token refused"."""
    isolate(monkeypatch, tmp_path)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    public = next(r for r in world.org_repos("model") if not r.private and not r.gated)
    first = runner.invoke(
        app, ["mine", "hf", public.repo_id, "--endpoint", hub.base_url, "--db", db]
    )
    assert first.exit_code == 0, first.output
    stored = count_rows(open_store(db), "activities")
    assert stored > 0
    if token is None:
        monkeypatch.delenv("HF_TOKEN")
    missing = f"{ORG}/no-such-model"
    result = runner.invoke(app, ["mine", "hf", missing, "--endpoint", hub.base_url, "--db", db])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0
    assert result.output.strip() == f"error: model '{missing}' on the Hub: {said}"
    assert "refused" not in result.output
    statuses = [e.status for e in hub.log.entries if e.path == f"/api/models/{missing}"]
    assert statuses == [401 if token is None else 404]
    assert count_rows(open_store(db), "activities") == stored  # nothing stored was lost


def test_a_renamed_repository_is_followed_to_its_new_name(world, hub, engine):
    repo = next(r for r in world.org_repos("model") if not r.private and len(r.commits) > 100)
    old = repo.repo_id
    world.rename_repo(old, repo.name + "-renamed")
    client = HubClient(hub.base_url, "hf_test", sleep=lambda _s: None)
    summary = run_sync(engine, HubSource(client, [old], derivatives=False))
    assert not summary.failures
    assert list(load_repos(engine)["full_name"]) == [hub_repo_name("model", repo.repo_id)]
    commits = load_activities(engine).query("kind == 'commit'")
    people = [c for c in repo.commits if any(u.name != "system" for u in c.authors)]
    assert len(commits) == len(people)
    # One 307 for the old name; the commit pages (relative links) under the new one.
    redirected = [e for e in hub.log.entries if e.status == 307]
    assert [e.path for e in redirected] == [f"/api/models/{old}"]
    pages = [dict(e.query).get("p") for e in hub.log.select("commits")]
    assert pages == [None, "1"] + [str(p) for p in range(2, len(pages))]
    assert len(pages) == -(-len(repo.commits) // COMMITS_PER_PAGE)


def test_people_who_commit_the_tools_default_messages_stay_people(world, hub, engine):
    """29 commits "Upload folder using huggingface_hub" are no template of the person's;
    a dependency bumper's own template still makes it a bot."""
    repo = next(r for r in world.org_repos("model") if not r.private and not r.gated)
    world.add_user("ada-uploads", "Ada Uploads")
    world.add_user("deps-updater", "Deps Updater")
    defaults = ["Upload folder using huggingface_hub", "Update README.md",
                "Upload model.safetensors with huggingface_hub"]  # fmt: skip
    for n in range(29):
        world.add_commit(repo.repo_id, "ada-uploads", defaults[0] if n < 25 else defaults[n % 3])
    for n in range(12):
        world.add_commit(
            repo.repo_id, "deps-updater", f"Bump transformers from 4.{n}.0 to 4.{n + 1}.0"
        )
    mine(hub, engine)
    settings = Settings(db_url=str(engine.url))
    ensure_people(engine, settings)
    links = load_identity_links(engine).set_index("identity_key")["person_id"]
    people = load_people(engine).set_index("person_id")
    ada, bumper = people.loc[links["hf:@ada-uploads"]], people.loc[links["hf:@deps-updater"]]
    assert (bool(ada["is_bot"]), float(ada["bot_probability"])) == (False, 0.0)
    assert (bool(bumper["is_bot"]), float(bumper["bot_probability"])) == (True, 1.0)
