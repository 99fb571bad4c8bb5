"""Keep the fake GitHub honest: shapes against GitHub's OpenAPI schemas, the GraphQL query
against GitHub's GraphQL schema, and PyGithub's real behaviour through the fake.

Shapes are checked with the pydantic models of ``githubkit-schemas-2022-11-28`` (generated
from github/rest-api-description) plus a walk that rejects keys the schema does not know.
One spec mismatch is allow-listed: ``requested_teams[].type`` is required by the schema but
absent from GitHub's responses and from the spec's own examples.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import typing
from datetime import timedelta
from pathlib import Path

import github
import pytest
import requests
from fake_github import EMPTY, HOSTILE, PULL_REQUESTS_QUERY, FakeGitHub, World, make_client
from github import Auth, Github, GithubRetry

pytest_plugins = ["fake_github.fixtures"]

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "tests" / ".cache"
ORG = "acme-ai"
TOKEN = "test-token"


def _get(server: FakeGitHub, path: str, token: str | None = TOKEN, **params) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.get(f"{server.base_url}{path}", params=params, headers=headers, timeout=10)


def _get_all(server: FakeGitHub, path: str, **params) -> list[dict]:
    """Every item of a list endpoint, following Link headers."""
    response = _get(server, path, per_page=100, **params)
    items = []
    while True:
        assert response.status_code == 200, response.text
        items += response.json()
        nxt = response.links.get("next")
        if not nxt:
            return items
        response = requests.get(nxt["url"], headers={"Authorization": f"token {TOKEN}"}, timeout=10)


# --- REST shapes against GitHub's OpenAPI schemas --------------------------------------------


@pytest.fixture(scope="session")
def schemas():
    from githubkit_schemas.v2022_11_28 import models

    return models


def _models_in(annotation) -> list[type]:
    from pydantic import BaseModel

    found, stack = [], [annotation]
    while stack:
        a = stack.pop()
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
        else:
            stack.extend(typing.get_args(a))
    return found


def _unknown_keys(model, payload: dict, path: str = "$") -> list[str]:
    """Keys the schema does not define (pydantic ignores them, so walk ourselves)."""
    if model.model_config.get("extra") == "allow":
        return []
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    problems = [f"{path}.{key}" for key in payload if key not in fields]
    for key, value in payload.items():
        if key not in fields:
            continue
        candidates = _models_in(fields[key].annotation)
        if not candidates:
            continue
        for n, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, dict):
                # Unions (simple-user | empty-object): the candidate that knows most keys.
                best = max(
                    candidates,
                    key=lambda m: len(
                        set(item) & {f.alias or k for k, f in m.model_fields.items()}
                    ),
                )
                where = f"{path}.{key}" + (f"[{n}]" if isinstance(value, list) else "")
                problems += _unknown_keys(best, item, where)
    return problems


def _validate(model, payload: dict, allowed: list) -> None:
    """Validate ``payload`` strictly; tolerate only the requested_teams[].type mismatch."""
    from pydantic import ValidationError

    try:
        model.model_validate(payload)
    except ValidationError as exc:
        outside = [e for e in exc.errors() if e["loc"][0] != "requested_teams"]
        assert not outside, f"{model.__name__}: {outside}"
        patched = copy.deepcopy(payload)
        for team in patched["requested_teams"]:
            team["type"] = "organization"
        model.model_validate(patched)  # the allow-listed key was the only problem
        allowed.append((model.__name__, payload["number"]))
    unknown = _unknown_keys(model, payload)
    assert not unknown, f"{model.__name__}: keys outside the schema: {unknown}"


def test_rest_payloads_validate_against_openapi_schemas(fake_github, github_world, schemas):
    m = schemas
    allowed: list = []
    checked: dict[str, int] = {}

    def check(model, payload):
        _validate(model, payload, allowed)
        checked[model.__name__] = checked.get(model.__name__, 0) + 1

    check(m.OrganizationFull, _get(fake_github, f"/orgs/{ORG}").json())
    for repo in _get_all(fake_github, f"/orgs/{ORG}/repos", type="all"):
        check(m.MinimalRepository, repo)
        check(m.FullRepository, _get(fake_github, f"/repos/{repo['full_name']}").json())
        check(m.SimpleUser, repo["owner"])
    for user in github_world.users:
        check(m.PublicUser, _get(fake_github, f"/users/{user.login}").json())
    check(m.PublicUser, _get(fake_github, f"/users/{ORG}").json())
    for repo in github_world.repos:
        full = repo.full_name
        for issue in _get_all(fake_github, f"/repos/{full}/issues", state="all"):
            check(m.Issue, issue)
        for comment in _get_all(fake_github, f"/repos/{full}/issues/comments"):
            check(m.IssueComment, comment)
        for comment in _get_all(fake_github, f"/repos/{full}/pulls/comments"):
            check(m.PullRequestReviewComment, comment)
        for pull in _get_all(fake_github, f"/repos/{full}/pulls", state="all"):
            check(m.PullRequestSimple, pull)
            check(m.PullRequest, _get(fake_github, f"/repos/{full}/pulls/{pull['number']}").json())
            for review in _get_all(fake_github, f"/repos/{full}/pulls/{pull['number']}/reviews"):
                check(m.PullRequestReview, review)
        if not repo.empty:
            commits = _get_all(fake_github, f"/repos/{full}/commits")
            for commit in commits:
                check(m.Commit, commit)
            check(m.Commit, _get(fake_github, f"/repos/{full}/commits/{commits[0]['sha']}").json())
            assert _get(fake_github, f"/repos/{full}/stats/contributors").status_code == 202
            for row in _get(fake_github, f"/repos/{full}/stats/contributors").json():
                check(m.ContributorActivity, row)
    overview = _get(fake_github, "/rate_limit").json()
    check(m.RateLimitOverview, overview)

    counts = github_world.counts()
    assert checked["Issue"] == counts["issues"] + counts["pulls"]
    assert checked["PullRequestSimple"] == checked["PullRequest"] == counts["pulls"]
    assert checked["PullRequestReview"] == counts["reviews"]
    assert checked["IssueComment"] == counts["issue_comments"]
    assert checked["PullRequestReviewComment"] == counts["review_comments"]
    assert checked["Commit"] == counts["commits"] + 3  # plus one detail per non-empty repo
    assert checked["PublicUser"] == len(github_world.users) + 1
    # The allow-list is not stale: the one open PR with a team request hits it, list and detail.
    assert sorted(name for name, _ in allowed) == ["PullRequest", "PullRequestSimple"]
    # Detail endpoints that PyGithub's lazy completion of list items fetches.
    core = github_world.repo(ORG, "core")
    base = f"/repos/{ORG}/core"
    check(m.Issue, _get(fake_github, f"{base}/issues/{core.issues[0].number}").json())
    check(m.Issue, _get(fake_github, f"{base}/issues/{core.pulls[0].number}").json())
    check(
        m.IssueComment,
        _get(fake_github, f"{base}/issues/comments/{core.issue_comments[0].id}").json(),
    )
    review_comment = _get(fake_github, f"{base}/pulls/comments/{core.review_comments[0].id}").json()
    check(m.PullRequestReviewComment, review_comment)


def test_list_shapes_omit_exactly_the_keys_github_omits(fake_github, schemas):
    m = schemas
    pulls = _get(fake_github, f"/repos/{ORG}/core/pulls", state="all", per_page=100).json()
    full_only = set(m.PullRequest.model_fields) - set(m.PullRequestSimple.model_fields)
    assert full_only == {
        "merged", "mergeable", "rebaseable", "mergeable_state", "merged_by", "comments",
        "review_comments", "maintainer_can_modify", "commits", "additions", "deletions",
        "changed_files",
    }  # fmt: skip
    for pull in pulls:
        assert not full_only & set(pull), pull["number"]
        assert {"name", "email", "company", "bio", "blog", "location"}.isdisjoint(pull["user"])
    detail = _get(fake_github, f"/repos/{ORG}/core/pulls/{pulls[0]['number']}").json()
    assert full_only - {"rebaseable"} <= set(detail)
    user = _get(fake_github, f"/users/{pulls[0]['user']['login']}").json()
    assert {"name", "company", "bio", "blog", "location", "email", "hireable"} <= set(user)
    issue = _get(fake_github, f"/repos/{ORG}/core/issues", state="all", per_page=100).json()
    plain = [i for i in issue if "pull_request" not in i]
    prs = [i for i in issue if "pull_request" in i]
    assert plain and prs
    assert all("draft" not in i for i in plain) and all(isinstance(i["draft"], bool) for i in prs)


# --- the GraphQL query against GitHub's GraphQL schema ---------------------------------------


@pytest.fixture(scope="session")
def graphql_schema():
    """GitHub's public GraphQL schema from npm ``@octokit/graphql-schema``, cached in
    tests/.cache. Without npm: skipped locally, a failure in CI."""
    graphql = pytest.importorskip("graphql")
    folder = CACHE / "graphql-schema"
    tarballs = sorted(folder.glob("octokit-graphql-schema-*.tgz"))
    if not tarballs:
        npm = shutil.which("npm")
        why = None
        if npm is None:
            why = "npm is not installed, so @octokit/graphql-schema cannot be fetched"
        else:
            folder.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [npm, "pack", "@octokit/graphql-schema", "--pack-destination", str(folder)],
                capture_output=True,
                text=True,
                timeout=300,
            )
            tarballs = sorted(folder.glob("octokit-graphql-schema-*.tgz"))
            if done.returncode != 0 or not tarballs:
                why = f"npm pack @octokit/graphql-schema failed: {done.stderr.strip()[-300:]}"
        if why:
            if os.environ.get("CI"):
                pytest.fail(why)
            pytest.skip(why)
    with tarfile.open(tarballs[-1]) as tar:
        sdl = tar.extractfile("package/schema.graphql").read().decode()
    # GitHub's published SDL repeats two EnterpriseOwnerInfo fields and breaks graphql-js's
    # deprecation-inheritance rule; neither matters for validating a query against it.
    return graphql.build_schema(sdl, assume_valid_sdl=True, assume_valid=True)


def test_pull_requests_query_is_valid_against_githubs_schema(graphql_schema):
    import graphql
    from graphql.validation import NoDeprecatedCustomRule, specified_rules

    document = graphql.parse(PULL_REQUESTS_QUERY)
    assert (
        graphql.validate(graphql_schema, document, [*specified_rules, NoDeprecatedCustomRule]) == []
    )
    operation = document.definitions[0]
    assert operation.name.value == "TalentPullRequests"
    variables = {
        v.variable.name.value: graphql.print_ast(v.type) for v in operation.variable_definitions
    }
    assert variables == {"owner": "String!", "name": "String!", "cursor": "String", "first": "Int!"}
    # The validator does catch mistakes (a field that does not exist, a deprecated one).
    wrong = PULL_REQUESTS_QUERY.replace("changedFiles", "filesChanged")
    assert graphql.validate(graphql_schema, graphql.parse(wrong))
    deprecated = PULL_REQUESTS_QUERY.replace("fullDatabaseId", "databaseId")
    assert graphql.validate(graphql_schema, graphql.parse(deprecated), [NoDeprecatedCustomRule])


def _check_graphql_data(schema, parent_type, selection_set, value, fragments, path="data"):
    """Assert ``value`` has exactly the selected keys, with values the schema allows."""
    import graphql
    from graphql import FieldNode, FragmentSpreadNode

    typename = value.get("__typename", parent_type.name)

    def collect(sel_set, into):
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                into.setdefault(sel.alias.value if sel.alias else sel.name.value, []).append(sel)
            else:
                frag = fragments[sel.name.value] if isinstance(sel, FragmentSpreadNode) else sel
                cond = frag.type_condition.name.value if frag.type_condition else None
                if cond in (None, typename, parent_type.name) or (
                    isinstance(schema.get_type(cond), graphql.GraphQLInterfaceType)
                    and schema.get_type(cond) in schema.get_type(typename).interfaces
                ):
                    collect(frag.selection_set, into)

    fields: dict[str, list] = {}
    collect(selection_set, fields)
    assert set(value) == set(fields), f"{path}: {sorted(value)} != {sorted(fields)}"
    concrete = schema.get_type(typename)
    for key, nodes in fields.items():
        name = nodes[0].name.value
        if name == "__typename":
            possible = {t.name for t in schema.get_possible_types(parent_type)}
            assert value[key] in possible | {parent_type.name}, path
            continue
        ftype = concrete.fields[name].type
        _check_graphql_value(schema, ftype, nodes, value[key], fragments, f"{path}.{key}")


def _check_graphql_value(schema, ftype, nodes, value, fragments, path):
    import graphql
    from graphql import SelectionSetNode

    if value is None:
        assert not graphql.is_non_null_type(ftype), f"{path} is null but non-null in the schema"
        return
    inner = graphql.get_nullable_type(ftype)
    if graphql.is_list_type(inner):
        assert isinstance(value, list), path
        for n, item in enumerate(value):
            _check_graphql_value(schema, inner.of_type, nodes, item, fragments, f"{path}[{n}]")
        return
    named = graphql.get_named_type(inner)
    if graphql.is_enum_type(named):
        assert value in named.values, f"{path}: {value!r} not in {named.name}"
    elif graphql.is_scalar_type(named):
        # JSON types of GitHub's scalars: Int, Boolean, Float; the rest (String, ID,
        # DateTime, URI, BigInt) are strings.
        expected = {"Int": int, "Boolean": bool, "Float": (int, float)}.get(named.name, str)
        assert isinstance(value, expected), path
        assert not (expected is int and isinstance(value, bool)), path
    else:
        merged = SelectionSetNode(
            selections=tuple(s for n in nodes for s in n.selection_set.selections)
        )
        _check_graphql_data(schema, named, merged, value, fragments, path)


def test_graphql_answers_conform_to_the_query_and_schema(fake_github, graphql_schema):
    import graphql

    document = graphql.parse(PULL_REQUESTS_QUERY)
    operation = document.definitions[0]
    fragments = {d.name.value: d for d in document.definitions[1:]}
    g = make_client(fake_github)
    cursor, pages = None, 0
    while True:
        variables = {"owner": ORG, "name": "core", "cursor": cursor, "first": 9}
        _, data = g.requester.graphql_query(PULL_REQUESTS_QUERY, variables)
        _check_graphql_data(
            graphql_schema,
            graphql_schema.query_type,
            operation.selection_set,
            data["data"],
            fragments,
        )
        pages += 1
        info = data["data"]["repository"]["pullRequests"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        cursor = info["endCursor"]
    assert pages == 3  # 20 pull requests in core, 9 a page


# --- GraphQL behaviour ----------------------------------------------------------------------


def test_graphql_pages_pull_requests_by_updated_desc_with_reviews(fake_github, github_world):
    g = make_client(fake_github)
    core = github_world.repo(ORG, "core")
    seen, cursor, remaining = [], None, []
    while True:
        _, data = g.requester.graphql_query(
            PULL_REQUESTS_QUERY, {"owner": ORG, "name": "core", "cursor": cursor, "first": 7}
        )
        body = data["data"]
        remaining.append(body["rateLimit"]["remaining"])
        connection = body["repository"]["pullRequests"]
        seen += connection["nodes"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        cursor = connection["pageInfo"]["endCursor"]
    expected = sorted(core.pulls, key=lambda i: (i.updated_at, i.pull.id), reverse=True)
    assert [n["number"] for n in seen] == [i.number for i in expected]
    assert remaining == [4999, 4998, 4997]
    assert fake_github.log.count("/api/graphql", counted_only=True) == 3
    assert {e.operation for e in fake_github.log} == {"TalentPullRequests"}

    by_number = {n["number"]: n for n in seen}
    big = max(core.pulls, key=lambda i: len(i.pull.reviews))
    node = by_number[big.number]
    assert node["reviews"]["totalCount"] == len(big.pull.reviews) > 100
    assert len(node["reviews"]["nodes"]) == 100
    assert node["reviews"]["nodes"][0]["fullDatabaseId"] == str(big.pull.reviews[0].id)
    assert node["state"] == "MERGED" and node["additions"] == big.pull.additions
    bot_prs = [i for i in core.pulls if i.user.type == "Bot"]
    assert bot_prs, "the seed has dependabot pull requests in core"
    assert by_number[bot_prs[0].number]["author"] == {
        "__typename": "Bot", "login": "dependabot", "databaseId": 49699333,
    }  # fmt: skip


def test_graphql_errors_unknown_operation_missing_repo_and_limits(fake_github):
    g = make_client(fake_github)
    with pytest.raises(github.GithubException) as unknown:
        g.requester.graphql_query("query Other { viewer { login } }", {})
    assert "TalentPullRequests" in unknown.value.data["errors"][0]["message"]
    with pytest.raises(github.UnknownObjectException):
        g.requester.graphql_query(
            PULL_REQUESTS_QUERY, {"owner": ORG, "name": "nope", "cursor": None, "first": 10}
        )
    with pytest.raises(github.GithubException) as too_many:
        g.requester.graphql_query(
            PULL_REQUESTS_QUERY, {"owner": ORG, "name": "core", "cursor": None, "first": 101}
        )
    assert too_many.value.data["errors"][0]["type"] == "EXCESSIVE_PAGINATION"
    unauthenticated = requests.post(
        fake_github.graphql_url, json={"query": PULL_REQUESTS_QUERY}, timeout=10
    )
    assert unauthenticated.status_code == 401
    # A 502 on the GraphQL endpoint is retried (POST is in GithubRetry's allowed methods).
    fake_github.faults.add("POST", r"^/api/graphql$", 502)
    _, data = g.requester.graphql_query(
        PULL_REQUESTS_QUERY, {"owner": ORG, "name": "web", "cursor": None, "first": 5}
    )
    assert [e.status for e in fake_github.log.select("graphql")][-2:] == [502, 200]
    assert len(data["data"]["repository"]["pullRequests"]["nodes"]) == 5


def test_graphql_limited_token_cannot_see_private_repository(github_world):
    github_world.add_commit("scratch", author="formula-fan", message="first")
    tokens = {"full": {"private": True}, "limited": {"private": False}}
    with FakeGitHub(github_world, tokens=tokens) as server:
        variables = {"owner": ORG, "name": "scratch", "cursor": None, "first": 10}
        _, data = make_client(server, "full").requester.graphql_query(
            PULL_REQUESTS_QUERY, variables
        )
        assert data["data"]["repository"]["pullRequests"]["nodes"] == []
        with pytest.raises(github.UnknownObjectException):
            make_client(server, "limited").requester.graphql_query(PULL_REQUESTS_QUERY, variables)


# --- PyGithub through the fake: pagination and lazy completion --------------------------------


@pytest.mark.parametrize("n", [0, 1, 100, 101])
def test_pagination_page_counts_and_links(n):
    world = World.generate(seed=5, repos=1, users=12, issues=0, pulls=n, issue_comments=0,
                           review_comments=0, reviews=0, commits=1, big_pr_reviews=0)  # fmt: skip
    with FakeGitHub(world) as server:
        g = make_client(server, per_page=100)
        pulls = list(g.get_repo(f"{ORG}/core").get_pulls(state="all"))
        assert sorted(p.number for p in pulls) == list(range(1, n + 1))
        pages = server.log.select(r"/pulls$")
        assert len(pages) == (2 if n == 101 else 1)
        raw = _get(server, f"/repos/{ORG}/core/pulls", state="all", per_page=100)
        repo_id = world.repos[0].id
        base = f"{server.base_url}/repositories/{repo_id}/pulls?state=all&per_page=100"
        if n == 101:
            assert (
                raw.headers["Link"] == f'<{base}&page=2>; rel="next", <{base}&page=2>; rel="last"'
            )
            second = _get(server, f"/repos/{ORG}/core/pulls", state="all", per_page=100, page=2)
            assert (
                second.headers["Link"]
                == f'<{base}&page=1>; rel="prev", <{base}&page=1>; rel="first"'
            )
            assert len(second.json()) == 1
        else:
            assert "Link" not in raw.headers
        server.log.clear()
        assert g.get_repo(f"{ORG}/core").get_pulls(state="all").totalCount == n
        assert [e.query.get("per_page") for e in server.log.select(r"/pulls$")] == ["1"]


def test_default_page_size_is_30(fake_github):
    assert len(_get(fake_github, f"/repos/{ORG}/core/issues", state="all").json()) == 30


def test_lazy_objects_complete_only_for_keys_lists_omit(fake_github):
    g = make_client(fake_github, lazy=True, per_page=100)
    repo = g.get_repo(f"{ORG}/core")
    org = g.get_organization(ORG)
    assert len(fake_github.log) == 0 and repo.full_name == f"{ORG}/core" and org.login == ORG
    pulls = list(repo.get_pulls(state="all"))
    assert len(fake_github.log) == 1
    free = [
        (p.number, p.title, p.state, p.created_at, p.updated_at, p.closed_at, p.merged_at, p.draft)
        + (p.labels, p.head.ref, p.base.ref, p.user.login, p.user.id, p.user.type, p.user.html_url)
        for p in pulls
    ]
    assert len(free) == 20 and len(fake_github.log) == 1
    first = pulls[0]
    assert first.additions == fake_github.world.repo(ORG, "core").item(first.number).pull.additions
    assert (first.deletions, first.merged) is not None
    assert fake_github.log.urls()[1:] == [f"GET /api/v3/repos/{ORG}/core/pulls/{first.number}"]
    assert pulls[1].user.name is not None or pulls[1].user.login == "ghost"
    assert fake_github.log.urls()[2] == f"GET /api/v3/users/{pulls[1].user.login}"
    issues = list(repo.get_issues(state="all"))
    start = len(fake_github.log)
    assert sum(i.comments for i in issues) >= 0 and all(i.user.login for i in issues)
    assert len(fake_github.log) == start
    commits = list(repo.get_commits())
    start = len(fake_github.log)
    assert all(c.commit.author.name and c.commit.author.date for c in commits)
    assert len(fake_github.log) == start
    assert commits[0].stats.total >= 0
    assert fake_github.log[-1].canonical == f"/api/v3/repos/{ORG}/core/commits/{commits[0].sha}"
    assert len(fake_github.log) == start + 1


def test_commit_authors_are_users_null_or_empty_objects(fake_github, github_world):
    commits = _get_all(fake_github, f"/repos/{ORG}/core/commits")
    kinds = {("user" if c["author"] else repr(c["author"])) for c in commits}
    assert kinds == {"user", "None", "{}"}
    truth = {c.sha: c.author for c in github_world.repo(ORG, "core").commits}
    for c in commits:
        linked = truth[c["sha"]]
        expected = None if linked is None else ({} if linked == EMPTY else linked.login)
        assert (c["author"]["login"] if c["author"] else c["author"]) == expected
        assert c["commit"]["author"]["name"] and c["commit"]["author"]["email"]
    dates = [c["commit"]["author"]["date"] for c in commits]
    assert dates == sorted(dates, reverse=True)
    empty = _get(fake_github, f"/repos/{ORG}/scratch/commits")
    assert empty.status_code == 409 and empty.json()["message"] == "Git Repository is empty."
    g = make_client(fake_github)
    with pytest.raises(github.GithubException) as exc:
        list(g.get_repo(f"{ORG}/scratch").get_commits())
    assert exc.value.status == 409


# --- query semantics ------------------------------------------------------------------------


def test_issue_and_comment_filters_follow_githubs_documentation(fake_github, github_world):
    core = github_world.repo(ORG, "core")
    default = _get_all(fake_github, f"/repos/{ORG}/core/issues")
    assert [i["number"] for i in default] == sorted(
        (i.number for i in core.items if i.state == "open"), reverse=True
    )
    since_dt = sorted(i.updated_at for i in core.items)[len(core.items) // 2]
    since = since_dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    asc = _get_all(
        fake_github,
        f"/repos/{ORG}/core/issues",
        state="all",
        since=since,
        sort="updated",
        direction="asc",
    )
    assert [i["number"] for i in asc] == [
        i.number
        for i in sorted(core.items, key=lambda i: (i.updated_at, i.id))
        if i.updated_at >= since_dt
    ]
    created_asc = _get_all(
        fake_github, f"/repos/{ORG}/core/issues", state="closed", direction="asc"
    )
    assert [i["number"] for i in created_asc] == sorted(
        i.number for i in core.items if i.state == "closed"
    )
    # Comment lists ignore direction without sort: ascending ids.
    comments = _get_all(fake_github, f"/repos/{ORG}/core/issues/comments", direction="desc")
    assert [c["id"] for c in comments] == sorted(c.id for c in core.issue_comments)
    updated = _get_all(
        fake_github,
        f"/repos/{ORG}/core/pulls/comments",
        sort="updated",
        direction="asc",
        since=since,
    )
    assert [c["id"] for c in updated] == [
        c.id
        for c in sorted(core.review_comments, key=lambda c: (c.updated_at, c.id))
        if c.updated_at >= since_dt
    ]
    replies = [
        c
        for c in _get_all(fake_github, f"/repos/{ORG}/core/pulls/comments")
        if "in_reply_to_id" in c
    ]
    assert replies and all(c["pull_request_review_id"] for c in replies)
    pulls = _get_all(fake_github, f"/repos/{ORG}/core/pulls", state="all", sort="updated")
    stamps = [p["updated_at"] for p in pulls]
    assert stamps == sorted(stamps)  # direction defaults to asc for sort=updated
    assert _get(fake_github, f"/repos/{ORG}/core/issues", state="bogus").status_code == 422


def test_world_is_deterministic_and_has_the_edge_cases(github_world):
    again = World.generate(seed=1)
    assert again.counts() == github_world.counts() == {
        "repos": 4, "users": 40, "issues": 60, "pulls": 40, "issue_comments": 200,
        "review_comments": 80, "reviews": 165, "commits": 50,
    }  # fmt: skip
    assert [i.title for r in again.repos for i in r.items] == [
        i.title for r in github_world.repos for i in r.items
    ]
    logins = {u.login: u for u in github_world.users}
    assert logins["dependabot[bot]"].type == "Bot" and logins["k8s-ci-robot"].type == "User"
    assert logins["ghost"].id == 10137
    texts = {u.name for u in github_world.users} | {u.company for u in github_world.users}
    texts |= {u.bio for u in github_world.users} | {r.description for r in github_world.repos}
    texts |= {i.title for r in github_world.repos for i in r.items}
    assert {'=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"} <= texts
    assert any("<script>" in (t or "") for t in texts) and any("🦄" in (t or "") for t in texts)
    assert any(
        i.title in HOSTILE for r in github_world.repos for i in r.items if i.pull is not None
    )
    roles = {r.name: (r.private, r.fork, r.archived, r.empty) for r in github_world.repos}
    assert roles == {
        "core": (False, False, False, False), "web": (False, True, False, False),
        "legacy-tools": (False, False, True, False), "scratch": (True, False, False, True),
    }  # fmt: skip
    pulls = [i for r in github_world.repos for i in r.pulls]
    assert {p.state for p in pulls} == {"open", "closed"}
    assert any(p.pull.merged_at and p.pull.merged_by for p in pulls) and any(
        p.pull.draft for p in pulls
    )
    assert any(p.state == "closed" and not p.pull.merged_at for p in pulls)
    assert {rv.state for p in pulls for rv in p.pull.reviews} == {
        "APPROVED",
        "COMMENTED",
        "CHANGES_REQUESTED",
        "DISMISSED",
    }
    for r in github_world.repos:
        numbers = [i.number for i in r.items]
        assert numbers == list(range(1, len(numbers) + 1))
        for item in r.items:
            children = [c.updated_at for c in r.issue_comments if c.issue is item]
            if item.pull is not None:
                children += [rv.submitted_at for rv in item.pull.reviews]
            assert item.created_at <= item.updated_at and all(
                t <= item.updated_at for t in children
            )


def test_benchmark_world_builds_in_seconds():
    started = time.perf_counter()
    world = World.benchmark(seed=3)
    took = time.perf_counter() - started
    counts = world.counts()
    assert took < 10, f"benchmark world took {took:.1f}s"
    assert counts["repos"] == 20 and counts["pulls"] == 5000 and counts["issues"] == 10_000
    assert counts["issue_comments"] + counts["review_comments"] == 50_000
    assert counts["reviews"] >= 20_000
    with FakeGitHub(world) as server:
        started = time.perf_counter()
        page = _get(server, f"/repos/{ORG}/core/issues", state="all", per_page=500, sort="updated")
        assert page.status_code == 200 and len(page.json()) == 100  # per_page is capped at 100
        assert time.perf_counter() - started < 2


# --- conditional requests, auth, visibility, the budget --------------------------------------


def test_etag_304_is_free_and_logged(fake_github):
    g = make_client(fake_github)
    url = f"/repos/{ORG}/core/issues"
    probe = {"state": "all", "sort": "updated", "direction": "desc", "per_page": 1}
    status, headers, body = g.requester.requestJson("GET", url, parameters=probe)
    assert status == 200 and json.loads(body)
    etag = headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]{64}"', etag)  # weak, as api.github.com sends now
    used = fake_github.rate()["used"]
    status, headers, body = g.requester.requestJson(
        "GET", url, parameters=probe, headers={"If-None-Match": etag}
    )
    assert (status, body) == (304, "")
    assert headers["etag"] == etag and headers["x-ratelimit-remaining"] == str(5000 - used)
    assert fake_github.rate()["used"] == used
    last = fake_github.log[-1]
    assert (last.status, last.counted, last.headers["If-None-Match"]) == (304, False, etag)
    status, _, _ = g.requester.requestJson(
        "GET", url, parameters=probe, headers={"If-None-Match": '"stale"'}
    )
    assert status == 200 and fake_github.rate()["used"] == used + 1


def test_touch_changes_exactly_the_touched_repositories_probes(fake_github, github_world):
    g = make_client(fake_github)
    probe = {"state": "all", "sort": "updated", "direction": "desc", "per_page": 1}

    def etags(kind):
        out = {}
        for r in github_world.repos:
            _, headers, _ = g.requester.requestJson(
                "GET", f"/repos/{r.full_name}/{kind}", parameters=probe
            )
            out[r.name] = headers["etag"]
        return out

    before = {kind: etags(kind) for kind in ("issues", "pulls")}
    github_world.clock.advance(days=1)
    touched = github_world.touch(0.1, seed=3)
    assert len(touched) == 10
    touched_repos = {full.split("/")[1] for full, _ in touched}
    touched_pull_repos = {
        full.split("/")[1]
        for full, n in touched
        if github_world.repo(*full.split("/")).item(n).pull is not None
    }
    assert (
        touched_repos
        and touched_pull_repos
        and touched_repos != {r.name for r in github_world.repos}
    )
    after = {kind: etags(kind) for kind in ("issues", "pulls")}
    changed = {
        kind: {n for n in before[kind] if before[kind][n] != after[kind][n]} for kind in before
    }
    assert changed == {"issues": touched_repos, "pulls": touched_pull_repos}
    # Untouched repositories answer 304 to the stored ETag; touched ones 200.
    for r in github_world.repos:
        status, _, _ = g.requester.requestJson(
            "GET",
            f"/repos/{r.full_name}/issues",
            parameters=probe,
            headers={"If-None-Match": before["issues"][r.name]},
        )
        assert status == (200 if r.name in touched_repos else 304)
    newest = _get(fake_github, f"/repos/{ORG}/{sorted(touched_repos)[0]}/issues", **probe).json()[0]
    assert newest["updated_at"] == github_world.clock().strftime("%Y-%m-%dT%H:%M:%SZ")


def test_bad_credentials_unknown_objects_and_private_repositories(github_world):
    tokens = {"test-token": {"private": True}, "limited": {"private": False}}
    with FakeGitHub(github_world, tokens=tokens) as server:
        with pytest.raises(github.BadCredentialsException):
            make_client(server, "wrong").get_repo(f"{ORG}/core")
        assert _get(server, f"/orgs/{ORG}", token=None).status_code == 401
        bearer = requests.get(
            f"{server.base_url}/orgs/{ORG}", headers={"Authorization": "Bearer limited"}, timeout=10
        )
        assert bearer.status_code == 200
        full, limited = make_client(server), make_client(server, "limited")
        with pytest.raises(github.UnknownObjectException):
            full.get_repo(f"{ORG}/does-not-exist")
        with pytest.raises(github.UnknownObjectException):
            full.get_user("nobody-here")
        assert full.get_repo(f"{ORG}/scratch").private is True
        with pytest.raises(github.UnknownObjectException):
            limited.get_repo(f"{ORG}/scratch")
        names = {r.name for r in full.get_organization(ORG).get_repos(type="all")}
        assert names == {"core", "web", "legacy-tools", "scratch"}
        assert {r.name for r in limited.get_organization(ORG).get_repos(type="all")} == names - {
            "scratch"
        }
        assert {e.principal for e in server.log} == {"token-1", "token-2", None}


def test_primary_budget_exhaustion_answers_403_or_429(github_world):
    with FakeGitHub(github_world, rate_limit=3) as server:
        g = make_client(server, retry=None)
        for _ in range(3):
            g.get_user("formula-fan")
        with pytest.raises(github.RateLimitExceededException) as exc:
            g.get_user("formula-fan")
        assert exc.value.headers["x-ratelimit-remaining"] == "0"
        assert exc.value.data["message"] == "API rate limit exceeded for user ID 1."
        assert _get(server, "/rate_limit").json()["resources"]["core"] == {
            "limit": 3, "used": 3, "remaining": 0, "reset": server.rate()["reset"],
        }  # fmt: skip
        assert [e.counted for e in server.log.select("/users/")] == [True, True, True, False]
    with FakeGitHub(github_world, rate_limit=1, rate_limit_status=429) as server:
        g = make_client(server, retry=None)
        g.get_user("formula-fan")
        with pytest.raises(github.GithubException) as exc:
            g.get_user("formula-fan")
        assert exc.value.status == 429


def test_rate_limit_window_uses_the_injected_clock(github_world):
    now = [1_000_000.0]
    with FakeGitHub(github_world, rate_limit=2, clock=lambda: now[0]) as server:
        assert _get(server, f"/orgs/{ORG}").headers["X-RateLimit-Reset"] == str(1_000_000 + 3600)
        _get(server, f"/orgs/{ORG}")
        assert _get(server, f"/orgs/{ORG}").status_code == 403
        now[0] += 3600
        fresh = _get(server, f"/orgs/{ORG}")
        assert fresh.status_code == 200 and fresh.headers["X-RateLimit-Remaining"] == "1"


def test_rate_limit_headers_appear_exactly_once(fake_github):
    names = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset",
             "X-RateLimit-Resource", "ETag", "Content-Type", "X-GitHub-Request-Id")  # fmt: skip
    fake_github.faults.add("GET", "/users/", "primary", reset_in=100)
    for path in (f"/api/v3/repos/{ORG}/core/pulls?state=all", "/api/v3/users/formula-fan"):
        conn = http.client.HTTPConnection("127.0.0.1", fake_github.port, timeout=10)
        conn.request("GET", path, headers={"Authorization": f"token {TOKEN}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        for name in names[: 5 if response.status == 403 else len(names)]:
            assert len(response.msg.get_all(name) or []) == 1, (path, name)
    assert response.status == 403 and response.getheader("X-RateLimit-Remaining") == "0"
    ok = _get(fake_github, f"/repos/{ORG}/core")
    assert ok.headers["Content-Type"] == "application/json; charset=utf-8"
    assert ok.headers["X-RateLimit-Resource"] == "core" and int(ok.headers["X-RateLimit-Used"]) >= 1


def test_request_log_never_contains_the_token(fake_github):
    g = make_client(fake_github)
    assert g.get_repo(f"{ORG}/core").get_pulls(state="all").totalCount == 20
    g.requester.graphql_query(
        PULL_REQUESTS_QUERY, {"owner": ORG, "name": "core", "cursor": None, "first": 2}
    )
    with pytest.raises(github.BadCredentialsException):
        make_client(fake_github, "sekrit-wrong-token").get_user("formula-fan")
    dumped = repr(fake_github.log.entries)
    assert TOKEN not in dumped and "sekrit" not in dumped
    assert {e.headers.get("Authorization") for e in fake_github.log} == {"token ***"}
    assert fake_github.log[-1].status == 401 and fake_github.log[-1].principal is None


# --- faults ---------------------------------------------------------------------------------


def test_server_error_then_success_is_recovered_by_retry(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", 500)
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", 502)
    g = make_client(fake_github, retry=GithubRetry(total=3, backoff_factor=0))
    assert g.get_repo(f"{ORG}/core").name == "core"
    assert [e.status for e in fake_github.log] == [500, 502, 200]
    assert [e.counted for e in fake_github.log] == [False, False, True]


def test_server_errors_exhausting_retries_raise_retry_error(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", 503, times=10)
    g = make_client(fake_github, retry=GithubRetry(total=3, backoff_factor=0))
    with pytest.raises(requests.exceptions.RetryError):
        g.get_repo(f"{ORG}/core")
    assert fake_github.log.count(rf"/repos/{ORG}/core$") == 4
    assert len(fake_github.faults.pending()) == 1


def test_secondary_limit_with_retry_after_is_waited(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "secondary", retry_after=1)
    g = make_client(
        fake_github, retry=GithubRetry(total=3, backoff_factor=0, secondary_rate_wait=30)
    )
    started = time.perf_counter()
    assert g.get_repo(f"{ORG}/core").name == "core"
    assert 0.9 <= time.perf_counter() - started < 5
    first, second = fake_github.log.entries
    assert (first.status, first.fault, second.status) == (403, "secondary", 200)


def test_limit_answers_carry_the_headers_github_sends(fake_github):
    """A secondary limit: Retry-After and no X-RateLimit-*; an older primary 403: no reset."""
    import urllib.error
    import urllib.request

    def headers_of(path: str) -> dict[str, str]:
        request = urllib.request.Request(
            fake_github.base_url + path, headers={"Authorization": f"token {fake_github.token}"}
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request, timeout=5)
        assert answer.value.code == 403
        return {k.lower(): v for k, v in answer.value.headers.items()}

    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "secondary", retry_after=3)
    secondary = headers_of(f"/repos/{ORG}/core")
    assert secondary["retry-after"] == "3"
    assert not [k for k in secondary if k.startswith("x-ratelimit-")]
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "primary", reset=False)
    primary = headers_of(f"/repos/{ORG}/core")
    assert primary["x-ratelimit-remaining"] == "0" and "x-ratelimit-reset" not in primary


def test_secondary_limit_without_retry_after_uses_secondary_wait(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "secondary")
    g = make_client(
        fake_github, retry=GithubRetry(total=3, backoff_factor=0, secondary_rate_wait=0.2)
    )
    assert g.get_repo(f"{ORG}/core").name == "core"
    assert [e.status for e in fake_github.log] == [403, 200]


def test_429_without_retry_after_surfaces_as_github_exception(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "secondary", status=429)
    g = make_client(fake_github)
    with pytest.raises(github.GithubException) as exc:
        g.get_repo(f"{ORG}/core")
    assert exc.value.status == 429 and not isinstance(exc.value, github.RateLimitExceededException)
    assert fake_github.log.count() == 1


def test_primary_limit_with_far_reset_exceeds_max_wait(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "primary", reset_in=3600)
    g = make_client(fake_github, retry=GithubRetry(total=3, max_rate_limit_wait=1))
    with pytest.raises(github.RateLimitExceededExceedsMaxWait) as exc:
        g.get_repo(f"{ORG}/core")
    assert exc.value.headers["x-ratelimit-remaining"] == "0"
    assert fake_github.log.count() == 1


def test_202_then_200_on_contributor_stats(fake_github, monkeypatch):
    monkeypatch.setattr(github.Consts, "PROCESSING_202_WAIT_TIME", 0)
    g = make_client(fake_github)
    stats = g.get_repo(f"{ORG}/core").get_stats_contributors()
    core = fake_github.world.repo(ORG, "core")
    linked = {c.author.login for c in core.commits if c.author not in (None, EMPTY)}
    assert {s.author.login for s in stats} == linked
    assert sum(s.total for s in stats) == sum(
        1 for c in core.commits if c.author not in (None, EMPTY)
    )
    assert [e.status for e in fake_github.log.select("/stats/contributors")] == [202, 200]
    # A scripted 202 works on any GET too.
    fake_github.faults.add("GET", rf"/repos/{ORG}/web$", 202)
    assert g.get_repo(f"{ORG}/web").fork is True
    assert [e.status for e in fake_github.log.select(rf"/repos/{ORG}/web$")] == [202, 200]


def test_scripted_404_and_422(fake_github):
    g = make_client(fake_github)
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", 404)
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", 422)
    with pytest.raises(github.UnknownObjectException):
        g.get_repo(f"{ORG}/core")
    with pytest.raises(github.GithubException) as exc:
        g.get_repo(f"{ORG}/core")
    assert exc.value.status == 422
    assert g.get_repo(f"{ORG}/core").name == "core"


def test_nth_matching_request_gets_the_fault(fake_github):
    fake_github.faults.add("GET", r"/pulls$", 500, nth=2)
    g = make_client(fake_github, retry=GithubRetry(total=3, backoff_factor=0))
    list(g.get_repo(f"{ORG}/core").get_pulls(state="all"))  # 20 pulls: one page
    list(g.get_repo(f"{ORG}/web").get_pulls(state="all"))
    assert [(e.canonical.split("/")[5], e.status) for e in fake_github.log.select("/pulls$")] == [
        ("core", 200), ("web", 500), ("web", 200),
    ]  # fmt: skip


def test_truncated_json_raises(fake_github):
    fake_github.faults.add("GET", r"/issues$", "truncated_json")
    g = make_client(fake_github)
    with pytest.raises(ValueError):
        list(g.get_repo(f"{ORG}/core").get_issues(state="all"))
    assert fake_github.log.select(r"/issues$")[0].fault == "truncated_json"


def test_close_mid_body_raises_a_requests_error(fake_github):
    fake_github.faults.add("GET", r"/issues$", "close_mid_body")
    g = make_client(fake_github)
    with pytest.raises(
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    ):
        list(g.get_repo(f"{ORG}/core").get_issues(state="all"))
    # The body is read after urllib3's Retry has handed the response over: no retry.
    assert fake_github.log.count(r"/issues$") == 1
    assert len(list(g.get_repo(f"{ORG}/core").get_issues(state="all"))) == 40


def test_slow_response_times_out_then_retry_succeeds(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "slow", delay=3)
    g = make_client(fake_github, timeout=1, retry=GithubRetry(total=2, backoff_factor=0))
    started = time.perf_counter()
    assert g.get_repo(f"{ORG}/core").name == "core"
    assert 0.9 <= time.perf_counter() - started < 3
    fake_github.faults.add("GET", rf"/repos/{ORG}/web$", "slow", delay=3, times=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        make_client(fake_github, timeout=1, retry=GithubRetry(total=0)).get_repo(f"{ORG}/web")


def test_dropped_connection_is_retried(fake_github):
    fake_github.faults.add("GET", rf"/repos/{ORG}/core$", "drop")
    g = make_client(fake_github, retry=GithubRetry(total=2, backoff_factor=0))
    assert g.get_repo(f"{ORG}/core").name == "core"
    assert [e.fault for e in fake_github.log] == ["drop", None]


# --- mutations --------------------------------------------------------------------------------


def test_add_review_add_commit_and_rename_user(fake_github, github_world):
    core = github_world.repo(ORG, "core")
    pull = next(p for p in core.pulls if p.state == "open")
    github_world.clock.advance(hours=2)
    review = github_world.add_review(
        "core", pull.number, user="formula-fan", state="CHANGES_REQUESTED"
    )
    reviews = _get_all(fake_github, f"/repos/{ORG}/core/pulls/{pull.number}/reviews")
    assert reviews[-1]["id"] == review.id and reviews[-1]["state"] == "CHANGES_REQUESTED"
    newest = _get(
        fake_github,
        f"/repos/{ORG}/core/pulls",
        state="all",
        sort="updated",
        direction="desc",
        per_page=1,
    )
    assert newest.json()[0]["number"] == pull.number

    empty = github_world.add_commit("core", author={}, name="Nobody", email="n@example.org")
    null = github_world.add_commit("core", author=None, message="Unlinked")
    linked = github_world.add_commit("core", author="k8s-ci-robot", message="Linked")
    top = _get(fake_github, f"/repos/{ORG}/core/commits", per_page=3).json()
    assert [c["sha"] for c in top] == [linked.sha, null.sha, empty.sha]
    assert [c["author"] if not c["author"] else c["author"]["login"] for c in top] == [
        "k8s-ci-robot",
        None,
        {},
    ]
    assert top[0]["parents"][0]["sha"] == null.sha
    since = (github_world.clock() - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(_get(fake_github, f"/repos/{ORG}/core/commits", since=since).json()) == 3

    old = pull.user.login if pull.user.login not in ("ghost", "dependabot[bot]") else "formula-fan"
    github_world.rename_user(old, "renamed-person")
    assert _get(fake_github, f"/users/{old}").status_code == 404
    assert _get(fake_github, "/users/renamed-person").json()["login"] == "renamed-person"
    logins = {
        p["user"]["login"] for p in _get_all(fake_github, f"/repos/{ORG}/core/pulls", state="all")
    }
    assert old not in logins


def test_module_runs_as_a_server_process():
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fake_github",
            "--port",
            "0",
            "--seed",
            "2",
            "--token",
            "cli-token",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        base = lines[1].split("base URL: ")[1].strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v3", base)
        assert (
            lines[2].strip()
            == f"try: GITHUB_TOKEN=cli-token talent mine github {ORG} --base-url {base}"
        )
        g = Github(base_url=base, auth=Auth.Token("cli-token"), seconds_between_requests=None)
        assert g.get_organization(ORG).login == ORG
        fault = requests.post(
            base.replace("/api/v3", "/_fake/faults"),
            json={"method": "GET", "path": "/orgs/", "action": 404},
            timeout=10,
        )
        assert fault.json() == {"pending": 1}
        with pytest.raises(github.UnknownObjectException):
            g.get_organization(ORG)
        log = requests.get(base.replace("/api/v3", "/_fake/log"), timeout=10).json()
        assert [e["status"] for e in log] == [200, 404]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
