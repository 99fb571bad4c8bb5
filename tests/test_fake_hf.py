"""Keep the fake Hugging Face Hub honest: huggingface_hub's own client parses every route,
its errors map to the library's exceptions, its ``http_backoff`` reads the ``RateLimit``
headers, and the JSON keys match responses the real Hub is recorded to give.

Recorded keys come from (key names only, no data copied):

* model listing item: a live ``/api/models`` answer for ``allenai/olmOCR-7B-0225-preview``
  quoted in public notes (``_id, id, likes, trendingScore, private, downloads, tags``), with
  ``pipeline_tag, library_name, createdAt, modelId`` as huggingface.js ``ApiModelInfo`` and
  ``ModelInfo`` read them;
* discussions list item, details and events: live ``openai-community/gpt2`` answers quoted in
  the tests of a third-party Rust Hub client (``test_real_discussions_list_response``,
  ``test_real_discussion_with_details``); comment ``data``: the Hub's OpenAPI spec as
  generated into ``pyhfapi`` (``DiscussionAddCommentResponse``);
* commits: huggingface.js ``packages/hub/src/types/api/api-commit.ts`` (``ApiCommitData``);
* members: ``pyhfapi`` ``OrganizationListMembersResponseItem`` (required fields);
* user overview: the columns of a public crawl of ``/api/users/{u}/overview``
  (``HF-Collab-Center/HF-Users``), which has no social-link column;
* whoami: huggingface.js ``packages/hub/src/types/api/api-who-am-i.ts`` (``ApiWhoAmIUser``);
* errors: huggingface_hub 2.4.0 ``utils/_http.py`` ``hf_raise_for_status``; the gated
  message as huggingface_hub users quote it ("... is restricted and you are not in the
  authorized list. Visit ... to ask for access.");
* rate limits: hub-docs ``docs/hub/rate-limits.md`` (``RateLimit``/``RateLimit-Policy``);
* commit pages: a recorded answer of ``/api/spaces/{id}/commits/main`` (a relative
  ``Link: </api/spaces/{id}/commits/main?p=1&limit=50>; rel="next"`` and ``X-Total-Count``),
  quoted in a public comparison of the Hub with a mirror; the 401 of a missing repository
  to an anonymous caller: huggingface_hub#1904 ("Invalid username or password.").

huggingface_hub 2.4.0's ``paginate`` sends a next link as it is given, so its
``list_repo_commits`` cannot follow the Hub's relative commit links: multi-page commit
histories are read here as talent reads them (:func:`_commit_pages`).
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from fake_hf import SIZES, FakeHub, HubWorld, PageSizes
from huggingface_hub import HfApi
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.utils import parse_ratelimit_headers

ROOT = Path(__file__).resolve().parent.parent
ORG = "acme-ai"
TOKEN = "hf_test"

# --- keys the real Hub is recorded to answer (see the module docstring) ------------------

MODEL_LIST_KEYS = {
    "_id",
    "id",
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
    "modelId",
}
DISCUSSION_ITEM_KEYS = {
    "num",
    "author",
    "repo",
    "title",
    "status",
    "createdAt",
    "isPullRequest",
    "numComments",
    "topReactions",
    "numReactionUsers",
    "pinned",
    "repoOwner",
}
DISCUSSION_AUTHOR_KEYS = {
    "_id",
    "avatarUrl",
    "fullname",
    "name",
    "type",
    "isPro",
    "isHf",
    "isHfAdmin",
    "isMod",
    "followerCount",
    "isUserFollowing",
}
EVENT_AUTHOR_KEYS = DISCUSSION_AUTHOR_KEYS | {"isOwner", "isOrgMember"}
PR_DETAILS_KEYS = {
    "num",
    "author",
    "org",
    "repo",
    "title",
    "status",
    "createdAt",
    "pinned",
    "locked",
    "collection",
    "isPullRequest",
    "changes",
    "filesWithConflicts",
    "diffUrl",
    "events",
}
COMMENT_DATA_KEYS = {
    "edited",
    "hidden",
    "latest",
    "numEdits",
    "editors",
    "editorAvatarUrls",
    "reactions",
    "identifiedLanguage",
    "isReport",
}
COMMIT_KEYS = {"id", "title", "message", "authors", "date"}
MEMBER_REQUIRED_KEYS = {"_id", "avatarUrl", "fullname", "isPro", "type", "user"}
OVERVIEW_KEYS = {
    "_id",
    "user",
    "type",
    "fullname",
    "isPro",
    "avatarUrl",
    "numModels",
    "numDatasets",
    "numSpaces",
    "numDiscussions",
    "numPapers",
    "numUpvotes",
    "numLikes",
    "numFollowers",
    "numFollowing",
    "orgs",
    "isFollowing",
    "createdAt",
}
WHOAMI_KEYS = {
    "id",
    "type",
    "name",
    "fullname",
    "email",
    "emailVerified",
    "canPay",
    "periodEnd",
    "isPro",
    "avatarUrl",
    "orgs",
}


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> HubWorld:
    """The small world, read-only (tests that mutate build their own)."""
    return HubWorld.generate(seed=1, **SIZES["small"])


@pytest.fixture(scope="module")
def hub(world):
    with FakeHub(world, tokens={TOKEN: {}, "hf_outsider": {"user": _outsider(world)}}) as s:
        yield s


@pytest.fixture
def fresh():
    """A mutable small world and its own server."""
    w = HubWorld.generate(seed=2, **SIZES["small"])
    with FakeHub(w) as s:
        yield w, s


def _outsider(world: HubWorld) -> str:
    """A community user (not a member: cannot see private repositories)."""
    return next(u.name for u in world.users if not u.member and not u.deleted)


def _api(server: FakeHub, token: str | bool = TOKEN) -> HfApi:
    return HfApi(endpoint=server.base_url, token=token)


def _auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _get(server: FakeHub, path: str, token: str | None = TOKEN, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{server.base_url}{path}", params=params, headers=headers, timeout=10)


def _flagship(world: HubWorld):
    return world.org_repos("model")[0]


def _commit_pages(
    server: FakeHub,
    repo_id: str,
    rev: str = "main",
    *,
    repo_type: str = "model",
    token: str = TOKEN,
    **params,
) -> list[requests.Response]:
    """Every page of a commit history, following the (relative) ``Link`` as talent does."""
    url = f"{server.base_url}/api/{repo_type}s/{repo_id}/commits/{rev}"
    pages = [requests.get(url, params=params, headers=_auth(token), timeout=10)]
    while "next" in pages[-1].links:
        following = urljoin(str(pages[-1].url), pages[-1].links["next"]["url"])
        pages.append(requests.get(following, headers=_auth(token), timeout=10))
    return pages


def _commits(server: FakeHub, repo_id: str, rev: str = "main", **kw) -> list[dict]:
    return [c for page in _commit_pages(server, repo_id, rev, **kw) for c in page.json()]


@pytest.fixture
def no_sleep(monkeypatch):
    """Record huggingface_hub's back-off sleeps instead of sleeping (``http_backoff`` calls
    ``time.sleep``; nothing in the fake or the test sleeps while this is on)."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


# --- the world -----------------------------------------------------------------------------


def test_world_is_deterministic_and_has_the_planted_cases():
    a = HubWorld.generate(seed=3, **SIZES["small"])
    b = HubWorld.generate(seed=3, **SIZES["small"])
    c = HubWorld.generate(seed=4, **SIZES["small"])
    assert a.counts() == b.counts()
    assert [(r.repo_id, r.sha, r.likes) for r in a.repos] == [
        (r.repo_id, r.sha, r.likes) for r in b.repos
    ]
    assert [(r.repo_id, r.sha) for r in a.repos] != [(r.repo_id, r.sha) for r in c.repos]
    models = a.org_repos("model")
    assert models[1].gated == "manual" and models[2].private
    assert sum(u.deleted for u in a.users) == 1
    assert all(r.commits[0].authors == [a.system] for r in a.repos)
    assert all(r.commits[0].title == "initial commit" for r in a.repos)
    # Derivatives live in other namespaces and carry both base_model tags.
    for child in a.derivatives():
        assert child.namespace != ORG
        for base in child.bases:
            assert f"base_model:{base.repo_id}" in child.tags
            assert f"base_model:{child.relation}:{base.repo_id}" in child.tags
    assert {d.relation for d in a.derivatives()} == {"finetune", "quantized", "adapter", "merge"}
    # A heavy tail: the busiest discussion author opens several times the median's share.
    authors: dict[str, int] = {}
    for r in a.org_repos():
        for d in r.discussions:
            authors[d.author.name] = authors.get(d.author.name, 0) + 1
    counts = sorted(authors.values())
    assert counts[-1] >= 4 * counts[len(counts) // 2]
    # Merged pull requests point at a real commit on main.
    merged = [d for r in a.org_repos() for d in r.discussions if d.status == "merged"]
    assert merged and all(d.merge_commit_id in {c.id for c in d.repo.commits} for d in merged)


def test_pages_needed_counts_pages_of_every_route(world):
    need = world.pages_needed(PageSizes(listing=5, commits=100, likers=10, members=3))
    assert need["models"] == math.ceil(12 / 5)
    assert need["commits"] == sum(math.ceil(len(r.commits) / 100) for r in world.org_repos())
    assert need["discussion"] == sum(len(r.discussions) for r in world.org_repos())
    assert need["members"] == math.ceil(8 / 3)
    assert need["derivatives"] == sum(
        max(1, math.ceil(len(world.derivatives(m)) / 5)) for m in world.org_repos("model")
    )
    assert need["total"] == sum(v for k, v in need.items() if k != "total")
    private = sum(1 for r in world.org_repos() if r.private)
    assert world.pages_needed(private=False)["discussion"] == need["discussion"] - sum(
        len(r.discussions) for r in world.org_repos() if r.private
    )
    assert private == 2


# --- listings ------------------------------------------------------------------------------


def test_list_models_with_expand_parses_and_answers_only_the_expanded_keys(hub, world):
    expand = ["author", "createdAt", "lastModified", "likes", "downloads", "downloadsAllTime"]
    expand += ["tags", "sha", "private", "gated", "cardData", "childrenModelCount"]
    models = list(_api(hub).list_models(author=ORG, expand=expand))
    by_id = {r.repo_id: r for r in world.org_repos("model")}
    assert sorted(m.id for m in models) == sorted(by_id)
    assert [m.id for m in models] == sorted(by_id, key=str.lower)  # the default order
    flagship = _flagship(world)
    m = next(m for m in models if m.id == flagship.repo_id)
    assert (m.downloads, m.downloads_all_time, m.likes) == (
        flagship.downloads,
        flagship.downloads_all_time,
        flagship.likes,
    )
    assert m.sha == flagship.sha and m.author == ORG and m.gated is False
    assert m.children_model_count == world.children_count(flagship)
    assert m.card_data.license == flagship.card_data["license"]
    raw = _get(hub, "/api/models", author=ORG, **{"expand[]": ["likes", "sha"]}).json()
    assert all(set(item) == {"_id", "id", "likes", "sha"} for item in raw)


def test_list_models_default_item_has_the_hub_keys(hub):
    raw = _get(hub, "/api/models", author=ORG).json()
    assert set(raw[0]) == MODEL_LIST_KEYS
    assert raw[0]["createdAt"].endswith("Z") and len(raw[0]["createdAt"]) == 24


def test_listing_pages_follow_link_and_keep_the_query(world):
    with FakeHub(world, page_sizes=PageSizes(listing=5)) as server:
        models = list(_api(server).list_models(author=ORG, expand=["likes"]))
        assert len(models) == 12 and all(m.likes is not None for m in models)
        assert server.requests("models") == math.ceil(12 / 5)
        first = _get(server, "/api/models", author=ORG, sort="likes")
        assert first.links["next"]["url"].startswith(f"{server.base_url}/api/models?")
        assert "sort=likes" in first.links["next"]["url"]
        likes = [m["likes"] for m in first.json()]
        assert likes == sorted(likes, reverse=True)
        # limit is the page size (up to the Hub's page), and the next link keeps it.
        small = _get(server, "/api/models", author=ORG, limit=3)
        assert len(small.json()) == 3 and "limit=3" in small.links["next"]["url"]
        assert len(_get(server, "/api/models", author=ORG, limit=100).json()) == 5
        second = requests.get(first.links["next"]["url"], headers=_auth(), timeout=10)
        third = requests.get(second.links["next"]["url"], headers=_auth(), timeout=10)
        assert "Link" not in third.headers and len(third.json()) == 2
        assert [m["likes"] for m in second.json()] == sorted(
            (r.likes for r in world.org_repos("model")), reverse=True
        )[5:10]


def test_list_models_filter_base_model_finds_community_derivatives(hub, world):
    flagship = _flagship(world)
    api = _api(hub)
    before = hub.requests("derivatives")
    children = list(
        api.list_models(filter=f"base_model:{flagship.repo_id}", expand=["baseModels", "cardData"])
    )
    assert sorted(c.id for c in children) == sorted(r.repo_id for r in world.derivatives(flagship))
    assert hub.requests("derivatives") == before + 1
    assert all(c.id.split("/")[0] != ORG for c in children)
    for c in children:
        assert flagship.repo_id in [b["id"] for b in c.base_models["models"]]
        declared = c.card_data.base_model
        assert flagship.repo_id in ([declared] if isinstance(declared, str) else declared)
    quantized = list(api.list_models(filter=f"base_model:quantized:{flagship.repo_id}"))
    assert {q.id for q in quantized} == {
        r.repo_id for r in world.derivatives(flagship) if r.relation == "quantized"
    }
    assert all(f"base_model:quantized:{flagship.repo_id}" in q.tags for q in quantized)


def test_list_datasets_and_spaces_hide_private_repos_from_outsiders(hub, world):
    datasets = list(_api(hub).list_datasets(author=ORG))
    assert {d.id for d in datasets} == {r.repo_id for r in world.org_repos("dataset")}
    assert all(d.sha and d.last_modified for d in datasets)
    outside = {d.id for d in _api(hub, "hf_outsider").list_datasets(author=ORG)}
    assert outside == {r.repo_id for r in world.org_repos("dataset") if not r.private}
    spaces = list(_api(hub).list_spaces(author=ORG, expand=["sdk", "likes"]))
    assert {s.id for s in spaces} == {r.repo_id for r in world.org_repos("space")}
    assert all(s.sdk in ("gradio", "streamlit", "docker") for s in spaces)


# --- one repository ------------------------------------------------------------------------


def test_model_info_and_derivative_card(hub, world):
    api = _api(hub)
    flagship = _flagship(world)
    info = api.model_info(flagship.repo_id)
    assert (info.sha, info.private, info.gated) == (flagship.sha, False, False)
    assert info.last_modified == flagship.last_modified.replace(
        microsecond=flagship.last_modified.microsecond // 1000 * 1000
    )
    assert [s.rfilename for s in info.siblings] == flagship.siblings
    assert api.model_info(world.org_repos("model")[1].repo_id).gated == "manual"
    declared = next(r for r in world.derivatives() if "base_model_relation" in r.card_data)
    child = api.model_info(declared.repo_id)
    assert child.card_data.base_model_relation == declared.relation
    assert child.author == declared.namespace != ORG
    assert api.dataset_info(world.org_repos("dataset")[0].repo_id).card_data is not None
    assert api.space_info(world.org_repos("space")[0].repo_id).runtime.stage == "RUNNING"


def test_unknown_and_private_repos_are_repository_not_found(hub, world):
    private = world.org_repos("model")[2]
    with pytest.raises(RepositoryNotFoundError) as err:
        _api(hub).model_info(f"{ORG}/no-such-model")
    assert err.value.response.status_code == 404
    with pytest.raises(RepositoryNotFoundError):
        _api(hub, "hf_outsider").model_info(private.repo_id)
    with pytest.raises(RepositoryNotFoundError):
        list(_api(hub, "hf_outsider").get_repo_discussions(private.repo_id))
    assert _api(hub).model_info(private.repo_id).private is True
    raw = _get(hub, f"/api/models/{ORG}/no-such-model")
    assert raw.headers["X-Error-Code"] == "RepoNotFound"
    assert raw.json() == {"error": "Repository not found"}


def test_a_missing_repository_answers_an_anonymous_caller_401_without_an_error_code(hub, world):
    """As the Hub does: 401, no ``X-Error-Code``, a ``WWW-Authenticate`` challenge.
    hf_raise_for_status calls that "not found" only for https URLs, so over the fake's
    plain http it is a bare 401, which talent must not read as a refused token."""
    private = world.org_repos("model")[2]
    for repo_id in (f"{ORG}/no-such-model", private.repo_id):
        raw = _get(hub, f"/api/models/{repo_id}", token=None)
        assert raw.status_code == 401
        assert "X-Error-Code" not in raw.headers
        assert raw.headers["X-Error-Message"] == "Invalid username or password."
        assert raw.headers["WWW-Authenticate"].startswith("Bearer ")
        assert raw.json() == {"error": "Invalid username or password."}
    with pytest.raises(HfHubHTTPError) as anonymous:
        _api(hub, False).model_info(private.repo_id)
    assert anonymous.value.response.status_code == 401


def test_a_renamed_repository_redirects_its_old_name_with_the_query_kept(fresh):
    world, server = fresh
    repo = _flagship(world)
    old = repo.repo_id
    world.rename_repo(old, repo.name + "-v2")
    raw = requests.get(
        f"{server.base_url}/api/models/{old}/commits/main",
        params={"limit": 3, "expand[]": "formatted"},
        headers=_auth(),
        allow_redirects=False,
        timeout=10,
    )
    assert raw.status_code == 307
    assert raw.headers["Location"] == (
        f"/api/models/{repo.repo_id}/commits/main?limit=3&expand%5B%5D=formatted"
    )
    # Clients follow it: huggingface_hub's session does, to the new name.
    info = _api(server).model_info(old)
    assert info.id == repo.repo_id == f"{ORG}/{repo.name}"
    followed = _get(server, f"/api/models/{old}/commits/main", limit=3)
    assert followed.status_code == 200 and len(followed.json()) == 3
    assert followed.history[0].status_code == 307


def test_gated_commits_answer_gated_repo_error(world):
    gated = world.org_repos("model")[1]
    tokens = {"hf_yes": {}, "hf_no": {"gated_ok": False}}
    with FakeHub(world, tokens=tokens) as server:
        assert len(_commits(server, gated.repo_id, token="hf_yes")) == len(gated.commits)
        with pytest.raises(GatedRepoError) as err:
            _api(server, "hf_no").list_repo_commits(gated.repo_id)
        assert err.value.response.status_code == 403
        raw = _get(server, f"/api/models/{gated.repo_id}/commits/main", token="hf_no")
        assert raw.headers["X-Error-Code"] == "GatedRepo"
        assert "is restricted and you are not in the authorized list" in raw.json()["error"]
        # The repository itself stays readable, as on the Hub.
        assert _api(server, "hf_no").model_info(gated.repo_id).gated == "manual"


def test_bad_token_is_401_on_every_route(hub, world):
    flagship = _flagship(world)
    paths = ["/api/models", f"/api/models/{flagship.repo_id}", "/api/whoami-v2"]
    paths += [f"/api/models/{flagship.repo_id}/discussions", f"/api/users/{ORG}/overview"]
    for path in paths:
        r = _get(hub, path, token="hf_wrong")
        assert r.status_code == 401, path
        assert r.json() == {"error": "Invalid credentials in Authorization header"}
    with pytest.raises(HfHubHTTPError) as err:
        list(_api(hub, "hf_wrong").list_models(author=ORG))
    assert err.value.response.status_code == 401
    assert not isinstance(err.value, RepositoryNotFoundError)
    # Anonymous calls read public data.
    assert len(list(_api(hub, False).list_models(author=ORG))) == 11


# --- commits -------------------------------------------------------------------------------


def test_commit_pages_go_newest_first_50_a_page_with_relative_links(world):
    flagship = _flagship(world)
    n = len(flagship.commits)
    with FakeHub(world) as server:
        pages = _commit_pages(server, flagship.repo_id)
        commits = [c for page in pages for c in page.json()]
        assert [c["id"] for c in commits] == [c.id for c in reversed(flagship.commits)]
        assert server.requests("commits") == len(pages) == math.ceil(n / 50) == 5
        assert [len(p.json()) for p in pages[:-1]] == [50] * (len(pages) - 1)
        assert {p.headers["X-Total-Count"] for p in pages} == {str(n)}
        # The next page by path, naming the page size, as the Hub answers.
        path = f"/api/models/{flagship.repo_id}/commits/main"
        assert pages[0].headers["Link"] == f'<{path}?p=1&limit=50>; rel="next"'
        assert "Link" not in pages[-1].headers
        assert commits[-1]["title"] == "initial commit"
        assert [a["user"] for a in commits[-1]["authors"]] == ["system"]
        assert pages[0].headers["ETag"].startswith('W/"')  # weak, as the Hub's API
        raw = _get(server, f"/api/models/{flagship.repo_id}/commits/main", limit=2)
        assert [set(c) for c in raw.json()] == [COMMIT_KEYS, COMMIT_KEYS]
        assert set(raw.json()[0]["authors"][0]) == {"user", "avatar"}
        assert raw.links["next"]["url"] == f"{path}?p=1&limit=2"
        # huggingface_hub's own client reads a history of one page.
        small = next(r for r in world.org_repos("model") if 1 < len(r.commits) <= 50)
        assert [c.commit_id for c in _api(server).list_repo_commits(small.repo_id)] == [
            c.id for c in reversed(small.commits)
        ]
    merged = next(d for d in flagship.discussions if d.merge_commit_id)
    merge = next(c for c in commits if c["id"] == merged.merge_commit_id)
    assert merge["title"] == f"{merged.title} (#{merged.num})"


def test_commit_titles_are_often_the_tools_default_messages(world):
    from talent.people.identity import is_default_message

    titles = [c.title for r in world.org_repos() for c in r.commits]
    share = sum(map(is_default_message, titles)) / len(titles)
    assert share > 0.4  # as on the Hub, where many commits keep the library's message


def test_commits_of_a_pr_branch_and_an_unknown_revision(hub, world):
    flagship = _flagship(world)
    pr = next(d for d in flagship.discussions if d.is_pull_request and d.pr_commits)
    api = _api(hub)
    branch = _commits(hub, flagship.repo_id, f"refs/pr/{pr.num}")
    assert branch[0]["id"] == pr.pr_commits[-1].id
    assert api.model_info(flagship.repo_id).id == flagship.repo_id
    raw = _get(hub, f"/api/models/{flagship.repo_id}/commits/not-a-rev")
    assert (raw.status_code, raw.headers["X-Error-Code"]) == (404, "RevisionNotFound")


# --- discussions ---------------------------------------------------------------------------


def test_get_repo_discussions_pages_by_50():
    w = HubWorld.generate(seed=5, **{**SIZES["small"], "discussions": 400})
    repo = _flagship(w)
    n = len(repo.discussions)
    assert n > 100
    with FakeHub(w) as server:
        found = list(_api(server).get_repo_discussions(repo.repo_id))
        assert [d.num for d in found] == list(range(n, 0, -1))  # newest first
        assert server.requests("discussions") == math.ceil(n / 50)
        prs = list(_api(server).get_repo_discussions(repo.repo_id, discussion_type="pull_request"))
        assert {d.num for d in prs} == {d.num for d in repo.discussions if d.is_pull_request}
        closed = list(_api(server).get_repo_discussions(repo.repo_id, discussion_status="closed"))
        assert {d.status for d in closed} <= {"closed", "merged"} and closed
        page = _get(server, f"/api/models/{repo.repo_id}/discussions", p=1).json()
        assert (page["start"], page["count"], len(page["discussions"])) == (50, n, 50)
        assert page["numClosedDiscussions"] == sum(
            d.status in ("closed", "merged") for d in repo.discussions
        )
        assert set(page["discussions"][0]) - {"author"} == DISCUSSION_ITEM_KEYS - {"author"}


def test_get_discussion_details_parses_every_event_type(hub, world):
    api = _api(hub)
    repos = world.org_repos()
    seen: set[str] = set()
    for repo in repos:
        for d in repo.discussions:
            kinds = {e.type for e in d.events}
            if kinds - seen:
                details = api.get_discussion_details(repo.repo_id, d.num, repo_type=repo.type)
                assert [e.type for e in details.events] == [e.type for e in d.events]
                assert (details.title, details.status) == (d.title, d.status)
                seen |= kinds
    assert seen == {"comment", "status-change", "commit", "title-change"}
    repo = _flagship(world)
    merged = next(d for d in repo.discussions if d.status == "merged")
    details = api.get_discussion_details(repo.repo_id, merged.num)
    assert details.merge_commit_oid == merged.merge_commit_id
    assert details.target_branch == "refs/heads/main" and details.conflicting_files == []
    assert details.diff.startswith("diff --git")
    assert details.events[-1].new_status == "merged"
    commit_events = [e for e in details.events if e.type == "commit"]
    assert [e.oid for e in commit_events] == [c.id for c in merged.pr_commits]
    renamed = next(
        d for r in repos for d in r.discussions if any(e.type == "title-change" for e in d.events)
    )
    change = next(e for e in renamed.events if e.type == "title-change")
    got = api.get_discussion_details(renamed.repo.repo_id, renamed.num, repo_type=renamed.repo.type)
    title_event = next(e for e in got.events if e.type == "title-change")
    assert (title_event.old_title, title_event.new_title) == (
        change.data["from"],
        change.data["to"],
    )


def test_discussion_shapes_match_the_recorded_hub_keys(hub, world):
    repo = _flagship(world)
    items = _get(hub, f"/api/models/{repo.repo_id}/discussions").json()["discussions"]
    item = next(i for i in items if "author" in i)
    assert set(item) == DISCUSSION_ITEM_KEYS
    assert set(item["author"]) == DISCUSSION_AUTHOR_KEYS
    pr = next(d for d in repo.discussions if d.is_pull_request and not d.author.deleted)
    details = _get(hub, f"/api/models/{repo.repo_id}/discussions/{pr.num}").json()
    assert set(details) == PR_DETAILS_KEYS
    with_diff = _get(hub, f"/api/models/{repo.repo_id}/discussions/{pr.num}", diff="1").json()
    assert set(with_diff) == PR_DETAILS_KEYS | {"diff"}
    comment = details["events"][0]
    assert set(comment) == {"id", "author", "createdAt", "type", "data"}
    assert set(comment["author"]) == EVENT_AUTHOR_KEYS
    assert set(comment["data"]) == COMMENT_DATA_KEYS
    assert set(comment["data"]["latest"]) == {"raw", "html", "updatedAt", "author"}
    commit = next(e for e in details["events"] if e["type"] == "commit")
    assert set(commit["data"]) == {"subject", "oid"}
    discussion = next(d for d in repo.discussions if not d.is_pull_request)
    plain = _get(hub, f"/api/models/{repo.repo_id}/discussions/{discussion.num}").json()
    assert "changes" not in plain and "diff" not in plain


def test_deleted_users_items_have_no_author(hub, world):
    gone = next(u for u in world.users if u.deleted)
    d = next(d for r in world.org_repos() for d in r.discussions if d.author is gone)
    api = _api(hub)
    listed = next(
        x for x in api.get_repo_discussions(d.repo.repo_id, repo_type=d.repo.type) if x.num == d.num
    )
    assert listed.author == "deleted"
    details = api.get_discussion_details(d.repo.repo_id, d.num, repo_type=d.repo.type)
    assert details.author == "deleted" and details.events[0].author == "deleted"
    raw = _get(hub, f"/api/{d.repo.type}s/{d.repo.repo_id}/discussions/{d.num}").json()
    assert "author" not in raw and "author" not in raw["events"][0]
    assert _get(hub, f"/api/users/{gone.name}/overview").status_code == 404


# --- people --------------------------------------------------------------------------------


def test_likers_and_members_page_with_link(world):
    flagship = _flagship(world)
    with FakeHub(world, page_sizes=PageSizes(likers=10, members=3)) as server:
        api = _api(server)
        likers = list(api.list_repo_likers(flagship.repo_id))
        assert [u.username for u in likers] == [u.name for u in flagship.likers]
        assert server.requests("likers") == math.ceil(flagship.likes / 10)
        members = list(api.list_organization_members(ORG))
        assert [m.username for m in members] == [u.name for u in world.org.members]
        assert server.requests("members") == math.ceil(len(world.org.members) / 3)
        raw = _get(server, f"/api/organizations/{ORG}/members").json()
        assert all(MEMBER_REQUIRED_KEYS <= set(m) and m["type"] == "user" for m in raw)
        with pytest.raises(HfHubHTTPError) as err:
            list(api.list_organization_members("no-such-org"))
        assert err.value.response.status_code == 404


def test_user_overview_and_whoami(hub, world):
    api = _api(hub)
    member = world.org.members[1]
    user = api.get_user_overview(member.name)
    assert (user.username, user.fullname, user.num_followers) == (
        member.name,
        member.fullname,
        member.followers,
    )
    assert [o.name for o in user.orgs] == [ORG]
    assert user.num_likes == sum(1 for r in world.repos if member in r.likers)
    raw = _get(hub, f"/api/users/{member.name}/overview").json()
    assert set(raw) - {"details"} == OVERVIEW_KEYS
    # The Hub's overview carries no social links: no GitHub login is served.
    assert not [k for k in raw if "git" in k.lower() or "social" in k.lower()]
    with pytest.raises(HfHubHTTPError) as err:
        api.get_user_overview("nobody-at-all")
    assert err.value.response.status_code == 404
    me = api.whoami()
    assert me["name"] == world.org.members[0].name and me["orgs"][0]["name"] == ORG
    assert WHOAMI_KEYS <= set(me)
    assert _api(hub, "hf_outsider").whoami()["orgs"] == []
    with pytest.raises(HfHubHTTPError) as bad:
        _api(hub, "hf_wrong").whoami()
    assert bad.value.response.status_code == 401
    anonymous = _get(hub, "/api/whoami-v2", token=None)
    assert anonymous.status_code == 401


# --- rate limits, faults, log --------------------------------------------------------------


def test_every_response_carries_the_ratelimit_headers(world):
    clock = [1_000.0]
    with FakeHub(world, rate_limit=3, clock=lambda: clock[0]) as server:
        first = _get(server, "/api/models", author=ORG)
        assert first.headers["RateLimit"] == '"api";r=2;t=300'
        assert first.headers["RateLimit-Policy"] == '"fixed window";"api";q=3;w=300'
        info = parse_ratelimit_headers(first.headers)
        assert (info.remaining, info.reset_in_seconds, info.limit, info.window_seconds) == (
            2,
            300,
            3,
            300,
        )
        clock[0] += 100
        assert _get(server, "/api/nothing-here").headers["RateLimit"] == '"api";r=1;t=200'
        _get(server, "/api/models")
        empty = _get(server, "/api/models")
        assert empty.status_code == 429
        assert empty.headers["RateLimit"] == '"api";r=0;t=200'
        assert empty.headers["Retry-After"] == "200"
        assert "rate limit" in empty.json()["error"]
        # Anonymous callers have their own bucket, per IP.
        anonymous = _get(server, "/api/models", token=None)
        assert anonymous.headers["RateLimit"] == '"api";r=499;t=300'
        clock[0] += 200
        assert _get(server, "/api/models").headers["RateLimit"] == '"api";r=2;t=300'


def test_http_backoff_waits_for_the_window_and_the_listing_completes(world, monkeypatch):
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:  # huggingface_hub's wait moves the fake clock
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(time, "sleep", sleep)
    with FakeHub(
        world,
        rate_limit=2,
        rate_window=10,
        clock=lambda: clock[0],
        page_sizes=PageSizes(listing=2),
    ) as server:
        models = list(_api(server).list_models(author=ORG))
        assert len(models) == 12
        # 6 pages, 2 per 10-second window: two 429s, each waited out as RateLimit t + 1.
        assert slept == [11, 11]
        statuses = [e.status for e in server.log.select("models")]
        assert statuses == [200, 200, 429, 200, 200, 429, 200, 200]
        # Discussion pages go through a plain GET (no back-off): a 429 is the caller's.
        repo = _flagship(world)
        with pytest.raises(HfHubHTTPError) as err:
            list(_api(server).get_repo_discussions(repo.repo_id))
        assert err.value.response.status_code == 429


def test_faults_are_scripted_per_route(hub, world, no_sleep):
    repo = next(r for r in world.org_repos("model") if 1 < len(r.commits) <= 50)
    hub.faults.add(r"/commits/", 503, times=2)
    commits = _api(hub).list_repo_commits(repo.repo_id)
    assert len(commits) == len(repo.commits)
    assert no_sleep == [1, 2]  # huggingface_hub's exponential back-off
    recent = [e for e in hub.log.entries if e.kind == "commits"][-3:]
    assert [e.status for e in recent] == [503, 503, 200]
    assert [e.fault for e in recent] == [True, True, False]
    hub.faults.add(r"/discussions$", 401, body={"error": "scripted"})
    r = _get(hub, f"/api/models/{repo.repo_id}/discussions")
    assert (r.status_code, r.json()) == (401, {"error": "scripted"})
    hub.faults.add(r"^/api/whoami-v2$", 429)
    limited = _get(hub, "/api/whoami-v2")
    assert limited.status_code == 429 and parse_ratelimit_headers(limited.headers).remaining == 0
    assert limited.headers["Retry-After"] == str(
        parse_ratelimit_headers(limited.headers).reset_in_seconds
    )
    assert not hub.faults.pending()


def test_log_records_requests_but_never_the_token(hub):
    _get(hub, "/api/models", author=ORG, search="acme")
    entry = hub.log[-1]
    assert (entry.method, entry.path, entry.status, entry.kind) == (
        "GET",
        "/api/models",
        200,
        "models",
    )
    assert ("search", "acme") in entry.query and entry.principal == "token-1"
    assert all(TOKEN not in repr(e) for e in hub.log)
    assert hub.requests("models") >= 1


# --- mutations and a complete read ---------------------------------------------------------


def test_mutation_helpers_change_what_the_routes_answer(fresh):
    world, server = fresh
    api = _api(server)
    repo = _flagship(world)
    member = world.org.members[2].name
    before = api.model_info(repo.repo_id)
    commit = world.add_commit(repo.repo_id, member, "Add a new tokenizer")
    after = api.model_info(repo.repo_id)
    assert after.sha == commit.id != before.sha and after.last_modified > before.last_modified
    latest = _get(server, f"/api/models/{repo.repo_id}/commits/main").json()[0]
    assert (latest["title"], [a["user"] for a in latest["authors"]]) == (
        "Add a new tokenizer",
        [member],
    )

    d = world.add_discussion(repo.repo_id, member, "Is there an ONNX export?")
    first = next(iter(api.get_repo_discussions(repo.repo_id)))
    assert (first.num, first.title, first.author) == (d.num, "Is there an ONNX export?", member)
    world.add_user("new-person", "New Person")
    world.add_comment(repo.repo_id, d.num, "new-person", "Same question here.")
    details = api.get_discussion_details(repo.repo_id, d.num)
    assert [(e.author, e.content) for e in details.events][-1] == (
        "new-person",
        "Same question here.",
    )
    listed = _get(server, f"/api/models/{repo.repo_id}/discussions").json()["discussions"][0]
    assert listed["numComments"] == 2

    count = world.children_count(repo)["quantized"]
    child = world.add_derivative(repo.repo_id, "new-person", relation="quantized", name="x-GGUF")
    found = [m.id for m in api.list_models(filter=f"base_model:quantized:{repo.repo_id}")]
    assert child.repo_id in found
    info = api.model_info(repo.repo_id, expand=["childrenModelCount"])
    assert info.children_model_count["quantized"] == count + 1
    assert api.get_user_overview("new-person").num_models == 1


def test_a_complete_read_makes_exactly_the_pages_needed(world):
    sizes = PageSizes(listing=4, commits=100, likers=20, members=3)
    with FakeHub(world, page_sizes=sizes) as server:
        api = _api(server)
        listed = {
            "model": list(api.list_models(author=ORG)),
            "dataset": list(api.list_datasets(author=ORG)),
            "space": list(api.list_spaces(author=ORG)),
        }
        for repo_type, repos in listed.items():
            for info in repos:
                _commit_pages(server, info.id, repo_type=repo_type)
                list(api.list_repo_likers(info.id, repo_type=repo_type))
                for d in api.get_repo_discussions(info.id, repo_type=repo_type):
                    api.get_discussion_details(info.id, d.num, repo_type=repo_type)
                if repo_type == "model":
                    list(api.list_models(filter=f"base_model:{info.id}"))
        list(api.list_organization_members(ORG))
        need = world.pages_needed(sizes)
        made = {kind: server.requests(kind) for kind in need if kind != "total"}
        assert made == {k: v for k, v in need.items() if k != "total"}
        assert len(server.log) == need["total"]
        assert not server.errors


def test_main_serves_until_terminated():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fake_hf", "--port", "0", "--size", "small"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[0].startswith("fake Hub (small, seed 1:")
        url = lines[1].split("base URL: ")[1].strip()
        assert lines[2].strip() == f"try: HF_TOKEN=hf_test talent mine hf acme-ai --endpoint {url}"
        r = requests.get(f"{url}/api/whoami-v2", headers={"Authorization": "Bearer hf_test"})
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
