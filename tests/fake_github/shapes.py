"""World records -> GitHub REST JSON, shape by shape.

Each builder follows one schema of GitHub's OpenAPI description (``api.github.com``,
version 2022-11-28) and, for the keys the schema leaves optional, the keys GitHub's own
examples and live responses carry. List endpoints get the *simple* shapes, detail endpoints
the full ones; what a simple shape leaves out (``simple-user`` has no ``name``,
``pull-request-simple`` no ``additions``/``merged``/``comments``) is what makes PyGithub
fetch the object again, so those keys are omitted exactly.

Every URL is built from the server's own bases: ``api`` (``http://127.0.0.1:PORT/api/v3``)
for ``url`` and ``*_url`` fields, ``web`` (``http://127.0.0.1:PORT``) for ``html_url``.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from .world import (
    EMPTY,
    GHOST_ID,
    Commit,
    Issue,
    IssueComment,
    Label,
    Org,
    Repo,
    Review,
    ReviewComment,
    User,
    World,
)

_LICENSES = {
    "mit": ("MIT License", "MIT"),
    "apache-2.0": ("Apache License 2.0", "Apache-2.0"),
}


def iso(dt: datetime | None) -> str | None:
    """GitHub's timestamp format: ``2026-11-01T12:00:00Z``."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: int) -> str:
    """A legacy-format global node id, e.g. ``MDQ6VXNlcjE=`` for ``User`` 1."""
    return base64.b64encode(f"{len(kind):02d}:{kind}{ident}".encode()).decode()


def association(user: User, repo: Repo) -> str:
    if user.member:
        return "MEMBER"
    if user.login == "ghost":
        return "NONE"
    return "CONTRIBUTOR"


class Shapes:
    """Builds payloads for one server (one pair of bases). Caches users and repositories
    per world revision, because every list item embeds them."""

    def __init__(self, world: World, api: str, web: str) -> None:
        self.world = world
        self.api = api
        self.web = web
        self._revision = -1
        self._cache: dict[tuple, dict] = {}

    def _cached(self, key: tuple, build) -> dict:
        if self._revision != self.world.revision:
            self._cache.clear()
            self._revision = self.world.revision
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = build()
        return value

    # --- users and organisations ----------------------------------------------------------

    def simple_user(self, u: User) -> dict:
        """``simple-user``: no name, email, company or bio."""
        return self._cached(("user", u.id), lambda: self._simple_user(u))

    def author(self, u: User | None) -> dict | None:
        """Who made an item, comment or review: ``simple-user``, or (legacy shapes) null
        for a deleted account, as older answers give it."""
        if u is None or (self.world.legacy_shapes and u.id == GHOST_ID):
            return None
        return self.simple_user(u)

    def _simple_user(self, u: User) -> dict:
        a = f"{self.api}/users/{u.login}"
        profile = "apps/" + u.login.removesuffix("[bot]") if u.type == "Bot" else u.login
        return {
            "login": u.login,
            "id": u.id,
            "node_id": node_id("Bot" if u.type == "Bot" else "User", u.id),
            "avatar_url": f"{self.web}/avatars/u/{u.id}?v=4",
            "gravatar_id": "",
            "url": a,
            "html_url": f"{self.web}/{profile}",
            "followers_url": f"{a}/followers",
            "following_url": f"{a}/following{{/other_user}}",
            "gists_url": f"{a}/gists{{/gist_id}}",
            "starred_url": f"{a}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{a}/subscriptions",
            "organizations_url": f"{a}/orgs",
            "repos_url": f"{a}/repos",
            "events_url": f"{a}/events{{/privacy}}",
            "received_events_url": f"{a}/received_events",
            "type": u.type,
            "user_view_type": "public",
            "site_admin": u.site_admin,
        }

    def public_user(self, u: User) -> dict:
        """``public-user`` for ``GET /users/{login}``."""
        out = dict(self.simple_user(u))
        out.update(
            name=u.name,
            company=u.company,
            blog=u.blog,
            location=u.location,
            email=u.email,
            hireable=u.hireable,
            bio=u.bio,
            twitter_username=u.twitter_username,
            public_repos=u.public_repos,
            public_gists=u.public_gists,
            followers=u.followers,
            following=u.following,
            created_at=iso(u.created_at),
            updated_at=iso(u.updated_at),
        )
        return out

    def org_simple(self, o: Org) -> dict:
        """The organisation as a ``simple-user`` (repository ``owner``/``organization``)."""

        def build() -> dict:
            a = f"{self.api}/users/{o.login}"
            return {
                "login": o.login,
                "id": o.id,
                "node_id": node_id("Organization", o.id),
                "avatar_url": f"{self.web}/avatars/u/{o.id}?v=4",
                "gravatar_id": "",
                "url": a,
                "html_url": f"{self.web}/{o.login}",
                "followers_url": f"{a}/followers",
                "following_url": f"{a}/following{{/other_user}}",
                "gists_url": f"{a}/gists{{/gist_id}}",
                "starred_url": f"{a}/starred{{/owner}}{{/repo}}",
                "subscriptions_url": f"{a}/subscriptions",
                "organizations_url": f"{a}/orgs",
                "repos_url": f"{a}/repos",
                "events_url": f"{a}/events{{/privacy}}",
                "received_events_url": f"{a}/received_events",
                "type": "Organization",
                "user_view_type": "public",
                "site_admin": False,
            }

        return self._cached(("org", o.id), build)

    def organization_full(self, o: Org, public_repos: int) -> dict:
        """``organization-full`` as a member sees it (no billing or plan fields)."""
        a = f"{self.api}/orgs/{o.login}"
        return {
            "login": o.login,
            "id": o.id,
            "node_id": node_id("Organization", o.id),
            "url": a,
            "repos_url": f"{a}/repos",
            "events_url": f"{a}/events",
            "hooks_url": f"{a}/hooks",
            "issues_url": f"{a}/issues",
            "members_url": f"{a}/members{{/member}}",
            "public_members_url": f"{a}/public_members{{/member}}",
            "avatar_url": f"{self.web}/avatars/u/{o.id}?v=4",
            "description": o.description,
            "name": o.name,
            "company": None,
            "blog": o.blog,
            "location": o.location,
            "email": o.email,
            "twitter_username": o.twitter_username,
            "is_verified": False,
            "has_organization_projects": True,
            "has_repository_projects": True,
            "public_repos": public_repos,
            "public_gists": 0,
            "followers": 42,
            "following": 0,
            "html_url": f"{self.web}/{o.login}",
            "created_at": iso(o.created_at),
            "updated_at": iso(o.updated_at),
            "archived_at": None,
            "type": "Organization",
        }

    # --- repositories ---------------------------------------------------------------------

    def _repo_urls(self, r: Repo) -> dict:
        a = f"{self.api}/repos/{r.full_name}"
        return {
            "url": a,
            "archive_url": f"{a}/{{archive_format}}{{/ref}}",
            "assignees_url": f"{a}/assignees{{/user}}",
            "blobs_url": f"{a}/git/blobs{{/sha}}",
            "branches_url": f"{a}/branches{{/branch}}",
            "collaborators_url": f"{a}/collaborators{{/collaborator}}",
            "comments_url": f"{a}/comments{{/number}}",
            "commits_url": f"{a}/commits{{/sha}}",
            "compare_url": f"{a}/compare/{{base}}...{{head}}",
            "contents_url": f"{a}/contents/{{+path}}",
            "contributors_url": f"{a}/contributors",
            "deployments_url": f"{a}/deployments",
            "downloads_url": f"{a}/downloads",
            "events_url": f"{a}/events",
            "forks_url": f"{a}/forks",
            "git_commits_url": f"{a}/git/commits{{/sha}}",
            "git_refs_url": f"{a}/git/refs{{/sha}}",
            "git_tags_url": f"{a}/git/tags{{/sha}}",
            "git_url": f"git://127.0.0.1/{r.full_name}.git",
            "issue_comment_url": f"{a}/issues/comments{{/number}}",
            "issue_events_url": f"{a}/issues/events{{/number}}",
            "issues_url": f"{a}/issues{{/number}}",
            "keys_url": f"{a}/keys{{/key_id}}",
            "labels_url": f"{a}/labels{{/name}}",
            "languages_url": f"{a}/languages",
            "merges_url": f"{a}/merges",
            "milestones_url": f"{a}/milestones{{/number}}",
            "notifications_url": f"{a}/notifications{{?since,all,participating}}",
            "pulls_url": f"{a}/pulls{{/number}}",
            "releases_url": f"{a}/releases{{/id}}",
            "ssh_url": f"git@127.0.0.1:{r.full_name}.git",
            "stargazers_url": f"{a}/stargazers",
            "statuses_url": f"{a}/statuses/{{sha}}",
            "subscribers_url": f"{a}/subscribers",
            "subscription_url": f"{a}/subscription",
            "tags_url": f"{a}/tags",
            "teams_url": f"{a}/teams",
            "trees_url": f"{a}/git/trees{{/sha}}",
            "clone_url": f"{self.web}/{r.full_name}.git",
            "mirror_url": None,
            "hooks_url": f"{a}/hooks",
            "svn_url": f"{self.web}/{r.full_name}",
        }

    def _license(self, r: Repo) -> dict | None:
        if r.license is None:
            return None
        name, spdx = _LICENSES[r.license]
        return {
            "key": r.license,
            "name": name,
            "spdx_id": spdx,
            "url": f"{self.api}/licenses/{r.license}",
            "node_id": node_id("License", len(r.license)),
        }

    def _open_issues(self, r: Repo) -> int:
        return sum(1 for i in r.items if i.state == "open")

    def _repo_head(self, r: Repo) -> dict:
        return {
            "id": r.id,
            "node_id": node_id("Repository", r.id),
            "name": r.name,
            "full_name": r.full_name,
            "private": r.private,
            "owner": self.org_simple(r.owner),
            "html_url": f"{self.web}/{r.full_name}",
            "description": r.description,
            "fork": r.fork,
        }

    def _repo_counts(self, r: Repo) -> dict:
        open_issues = self._open_issues(r)
        return {
            "homepage": r.homepage,
            "language": r.language,
            "forks_count": r.forks,
            "stargazers_count": r.stargazers,
            "watchers_count": r.stargazers,
            "size": 0 if r.empty else 100 + len(r.commits) * 7,
            "default_branch": r.default_branch,
            "open_issues_count": open_issues,
        }

    def _repo_flags(self, r: Repo) -> dict:
        return {
            "is_template": False,
            "topics": list(r.topics),
            "has_issues": True,
            "has_projects": True,
            "has_wiki": True,
            "has_pages": False,
            "has_downloads": True,
            "has_discussions": False,
            "archived": r.archived,
            "disabled": False,
            "visibility": "private" if r.private else "public",
            "pushed_at": iso(r.pushed_at),
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
        }

    _PERMISSIONS = {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True}

    def minimal_repository(self, r: Repo) -> dict:
        """``minimal-repository`` for ``GET /orgs/{org}/repos``."""

        def build() -> dict:
            out = self._repo_head(r)
            out.update(self._repo_urls(r))
            out.update(self._repo_counts(r))
            out.update(self._repo_flags(r))
            out["permissions"] = dict(self._PERMISSIONS)
            out["license"] = self._license(r)
            out["allow_forking"] = True
            out["web_commit_signoff_required"] = False
            out["forks"] = r.forks
            out["open_issues"] = out["open_issues_count"]
            out["watchers"] = r.stargazers
            return out

        return self._cached(("minrepo", r.id), build)

    def repository(self, r: Repo) -> dict:
        """``repository`` as embedded in pull requests' ``head.repo``/``base.repo``."""

        def build() -> dict:
            out = self._repo_head(r)
            out.update(self._repo_urls(r))
            out.update(self._repo_counts(r))
            out.update(self._repo_flags(r))
            out.update(
                permissions=dict(self._PERMISSIONS),
                allow_rebase_merge=True,
                temp_clone_token=None,
                allow_squash_merge=True,
                allow_merge_commit=True,
                allow_forking=True,
                forks=r.forks,
                open_issues=out["open_issues_count"],
                license=self._license(r),
                watchers=r.stargazers,
            )
            return out

        return self._cached(("repo", r.id), build)

    # --- git data -----------------------------------------------------------------------

    def git_tree(self, r: Repo, recursive: bool) -> dict:
        """``git-tree`` for ``GET /repos/{o}/{r}/git/trees/{ref}``: blobs and the folders
        that hold them (only the top level without ``recursive``), sorted by path."""
        base = f"{self.api}/repos/{r.full_name}/git"
        entries = {}
        for path, text in r.files.items():
            parts = path.split("/")
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                entries[folder] = {
                    "path": folder,
                    "mode": "040000",
                    "type": "tree",
                    "sha": git_sha("tree", folder),
                    "url": f"{base}/trees/{git_sha('tree', folder)}",
                }
            sha = git_sha("blob", text)
            entries[path] = {
                "path": path,
                "mode": "100644",
                "type": "blob",
                "sha": sha,
                "size": len(text.encode()),
                "url": f"{base}/blobs/{sha}",
            }
        tree = [e for p, e in sorted(entries.items()) if recursive or "/" not in p]
        sha = git_sha("tree", *sorted(r.files.items()))
        return {"sha": sha, "url": f"{base}/trees/{sha}", "tree": tree, "truncated": False}

    def git_blob(self, r: Repo, text: str) -> dict:
        """``blob`` for ``GET /repos/{o}/{r}/git/blobs/{sha}``: base64 in lines of 60, as
        GitHub sends it."""
        data = text.encode()
        sha = git_sha("blob", text)
        encoded = base64.b64encode(data).decode()
        return {
            "sha": sha,
            "node_id": "B_" + base64.b64encode(sha.encode()).decode()[:20],
            "size": len(data),
            "url": f"{self.api}/repos/{r.full_name}/git/blobs/{sha}",
            "content": "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60)),
            "encoding": "base64",
        }

    def full_repository(self, r: Repo) -> dict:
        """``full-repository`` for ``GET /repos/{owner}/{repo}``."""
        out = self._repo_head(r)
        out.update(self._repo_urls(r))
        out.update(self._repo_counts(r))
        out.update(self._repo_flags(r))
        out.update(
            license=self._license(r),
            forks=r.forks,
            open_issues=out["open_issues_count"],
            watchers=r.stargazers,
            permissions=dict(self._PERMISSIONS),
            allow_rebase_merge=True,
            temp_clone_token=None,
            allow_squash_merge=True,
            allow_auto_merge=False,
            delete_branch_on_merge=False,
            allow_merge_commit=True,
            allow_forking=True,
            web_commit_signoff_required=False,
            subscribers_count=max(1, r.stargazers // 20),
            network_count=r.forks,
            organization=self.org_simple(r.owner),
        )
        if r.fork and r.parent:
            upstream = self._upstream(r)
            out["parent"] = upstream
            out["source"] = upstream
        return out

    def _upstream(self, r: Repo) -> dict:
        owner, name = r.parent.split("/")
        fake_org = Org(
            id=r.id + 7,
            login=owner,
            name=owner,
            description=None,
            blog="",
            location=None,
            email=None,
            twitter_username=None,
            created_at=r.created_at,
            updated_at=r.created_at,
        )
        up = Repo(
            id=r.id + 100_000,
            name=name,
            owner=fake_org,
            description="The upstream project",
            private=False,
            fork=False,
            archived=False,
            empty=False,
            language=r.language,
            topics=list(r.topics),
            homepage=None,
            license="mit",
            created_at=r.created_at - timedelta(days=900),
            updated_at=r.updated_at,
            pushed_at=r.pushed_at,
            stargazers=r.stargazers * 10,
            forks=r.forks * 10 + 1,
        )
        out = self._repo_head(up)
        out.update(self._repo_urls(up))
        out.update(self._repo_counts(up))
        out.update(self._repo_flags(up))
        out.update(
            license=self._license(up),
            forks=up.forks,
            open_issues=0,
            watchers=up.stargazers,
            permissions={
                "admin": False,
                "maintain": False,
                "push": False,
                "triage": False,
                "pull": True,
            },
            allow_rebase_merge=True,
            temp_clone_token=None,
            allow_squash_merge=True,
            allow_merge_commit=True,
        )
        return out

    # --- issues and pull requests ---------------------------------------------------------

    def label(self, repo: Repo, lb: Label) -> dict:
        return {
            "id": lb.id,
            "node_id": node_id("Label", lb.id),
            "url": f"{self.api}/repos/{repo.full_name}/labels/{lb.name.replace(' ', '%20')}",
            "name": lb.name,
            "color": lb.color,
            "default": lb.default,
            "description": lb.description,
            "archived_by": None,
        }

    def _reactions(self, url: str) -> dict:
        return {
            "url": f"{url}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        }

    def issue(self, i: Issue) -> dict:
        """``issue``: list and detail share it; pull requests carry ``pull_request``."""
        r = i.repo
        a = f"{self.api}/repos/{r.full_name}/issues/{i.number}"
        kind = "pull" if i.pull is not None else "issues"
        out = {
            "url": a,
            "repository_url": f"{self.api}/repos/{r.full_name}",
            "labels_url": f"{a}/labels{{/name}}",
            "comments_url": f"{a}/comments",
            "events_url": f"{a}/events",
            "html_url": f"{self.web}/{r.full_name}/{kind}/{i.number}",
            "id": i.id,
            "node_id": node_id("Issue", i.id),
            "number": i.number,
            "title": i.title,
            "user": self.author(i.user),
            "labels": [self.label(r, lb) for lb in i.labels],
            "state": i.state,
            "locked": False,
            "assignee": self.simple_user(i.assignees[0]) if i.assignees else None,
            "assignees": [self.simple_user(u) for u in i.assignees],
            "milestone": None,
            "comments": i.comments,
            "created_at": iso(i.created_at),
            "updated_at": iso(i.updated_at),
            "closed_at": iso(i.closed_at),
            "author_association": association(i.user, r),
            "active_lock_reason": None,
        }
        if i.pull is not None:
            p = f"{self.web}/{r.full_name}/pull/{i.number}"
            out["draft"] = i.pull.draft
            out["pull_request"] = {
                "url": f"{self.api}/repos/{r.full_name}/pulls/{i.number}",
                "html_url": p,
                "diff_url": f"{p}.diff",
                "patch_url": f"{p}.patch",
                "merged_at": iso(i.pull.merged_at),
            }
        elif self.world.legacy_shapes:
            # Older answers: a plain issue's pull_request is there, with every link null.
            out["pull_request"] = dict.fromkeys(("url", "html_url", "diff_url", "patch_url"))
        out.update(
            body=i.body,
            closed_by=self.simple_user(i.closed_by) if i.closed_by else None,
            reactions=self._reactions(a),
            timeline_url=f"{a}/timeline",
            performed_via_github_app=None,
            state_reason=i.state_reason,
        )
        return out

    def _team(self, slug: str, full: bool) -> dict:
        team_id = 3_000_000 + sum(map(ord, slug))
        a = f"{self.api}/organizations/{self.world.org.id}/team/{team_id}"
        out = {
            "id": team_id,
            "node_id": node_id("Team", team_id),
            "url": a,
            "html_url": f"{self.web}/orgs/{self.world.org.login}/teams/{slug}",
            "name": slug.title(),
            "slug": slug,
            "description": "People who can merge",
            "privacy": "closed",
            "notification_setting": "notifications_enabled",
            "permission": "pull",
            "members_url": f"{a}/members{{/member}}",
            "repositories_url": f"{a}/repos",
        }
        # GitHub's teams here carry no "type" although the 2022-11-28 schema requires it
        # (the spec's own examples omit it too): the one allow-listed spec mismatch.
        if not full:
            out["parent"] = None
        return out

    def _pull_base(self, i: Issue, full: bool) -> dict:
        r, p = i.repo, i.pull
        a = f"{self.api}/repos/{r.full_name}"
        h = f"{self.web}/{r.full_name}/pull/{i.number}"
        org = self.org_simple(r.owner)
        repo = self.repository(r)
        return {
            "url": f"{a}/pulls/{i.number}",
            "id": p.id,
            "node_id": node_id("PullRequest", p.id),
            "html_url": h,
            "diff_url": f"{h}.diff",
            "patch_url": f"{h}.patch",
            "issue_url": f"{a}/issues/{i.number}",
            "number": i.number,
            "state": i.state,
            "locked": False,
            "title": i.title,
            "user": self.simple_user(i.user),
            "body": i.body,
            "created_at": iso(i.created_at),
            "updated_at": iso(i.updated_at),
            "closed_at": iso(i.closed_at),
            "merged_at": iso(p.merged_at),
            "merge_commit_sha": p.merge_commit_sha,
            "assignee": self.simple_user(i.assignees[0]) if i.assignees else None,
            "assignees": [self.simple_user(u) for u in i.assignees],
            "requested_reviewers": [self.simple_user(u) for u in p.requested_reviewers],
            "requested_teams": [self._team(t, full) for t in p.requested_teams],
            "labels": [self.label(r, lb) for lb in i.labels],
            "milestone": None,
            "draft": p.draft,
            "commits_url": f"{a}/pulls/{i.number}/commits",
            "review_comments_url": f"{a}/pulls/{i.number}/comments",
            "review_comment_url": f"{a}/pulls/comments{{/number}}",
            "comments_url": f"{a}/issues/{i.number}/comments",
            "statuses_url": f"{a}/statuses/{p.head_sha}",
            "head": {
                "label": f"{r.owner.login}:{p.head_ref}",
                "ref": p.head_ref,
                "sha": p.head_sha,
                "user": org,
                "repo": repo,
            },
            "base": {
                "label": f"{r.owner.login}:{r.default_branch}",
                "ref": r.default_branch,
                "sha": p.base_sha,
                "user": org,
                "repo": repo,
            },
            "_links": {
                "self": {"href": f"{a}/pulls/{i.number}"},
                "html": {"href": h},
                "issue": {"href": f"{a}/issues/{i.number}"},
                "comments": {"href": f"{a}/issues/{i.number}/comments"},
                "review_comments": {"href": f"{a}/pulls/{i.number}/comments"},
                "review_comment": {"href": f"{a}/pulls/comments{{/number}}"},
                "commits": {"href": f"{a}/pulls/{i.number}/commits"},
                "statuses": {"href": f"{a}/statuses/{p.head_sha}"},
            },
            "author_association": association(i.user, r),
            "auto_merge": None,
            "active_lock_reason": None,
        }

    def pull_request_simple(self, i: Issue) -> dict:
        """``pull-request-simple`` for ``GET /pulls``: no sizes, no merged flag or counts."""
        return self._pull_base(i, full=False)

    def pull_request(self, i: Issue) -> dict:
        """``pull-request`` for ``GET /pulls/{n}``."""
        p = i.pull
        out = self._pull_base(i, full=True)
        closed = i.state == "closed"
        out.update(
            merged=p.merged_at is not None,
            mergeable=None if closed else True,
            rebaseable=None if closed else True,
            mergeable_state="unknown" if closed else ("draft" if p.draft else "clean"),
            merged_by=self.simple_user(p.merged_by) if p.merged_by else None,
            comments=i.comments,
            review_comments=p.review_comments,
            maintainer_can_modify=False,
            commits=p.commits,
            additions=p.additions,
            deletions=p.deletions,
            changed_files=p.changed_files,
        )
        return out

    # --- comments and reviews -------------------------------------------------------------

    def issue_comment(self, c: IssueComment) -> dict:
        """``issue-comment``."""
        r, i = c.issue.repo, c.issue
        a = f"{self.api}/repos/{r.full_name}/issues/comments/{c.id}"
        kind = "pull" if i.pull is not None else "issues"
        issue_ref = i.id if self.world.legacy_shapes else i.number
        return {
            "url": a,
            "html_url": f"{self.web}/{r.full_name}/{kind}/{i.number}#issuecomment-{c.id}",
            # Older answers end issue_url in the issue's id, not its number.
            "issue_url": f"{self.api}/repos/{r.full_name}/issues/{issue_ref}",
            "id": c.id,
            "node_id": node_id("IssueComment", c.id),
            "user": self.author(c.user),
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "author_association": association(c.user, r),
            "body": c.body,
            "reactions": self._reactions(a),
            "performed_via_github_app": None,
        }

    def review_comment(self, c: ReviewComment) -> dict:
        """``pull-request-review-comment``."""
        r, i = c.pull.repo, c.pull
        a = f"{self.api}/repos/{r.full_name}"
        h = f"{self.web}/{r.full_name}/pull/{i.number}#discussion_r{c.id}"
        out = {
            "url": f"{a}/pulls/comments/{c.id}",
            "pull_request_review_id": c.review_id,
            "id": c.id,
            "node_id": node_id("PullRequestReviewComment", c.id),
            "diff_hunk": f"@@ -{c.line},7 +{c.line},8 @@ def run(self):",
            "path": c.path,
            "commit_id": c.commit_id,
            "original_commit_id": c.commit_id,
            "user": self.author(c.user),
            "body": c.body,
            "created_at": iso(c.created_at),
            "updated_at": iso(c.updated_at),
            "html_url": h,
            "pull_request_url": f"{a}/pulls/{i.number}",
            "author_association": association(c.user, r),
            "_links": {
                "self": {"href": f"{a}/pulls/comments/{c.id}"},
                "html": {"href": h},
                "pull_request": {"href": f"{a}/pulls/{i.number}"},
            },
            "reactions": self._reactions(f"{a}/pulls/comments/{c.id}"),
            "start_line": None,
            "original_start_line": None,
            "start_side": None,
            "line": c.line,
            "original_line": c.line,
            "side": "RIGHT",
            "original_position": c.line % 50 + 1,
            "position": c.line % 50 + 1,
            "subject_type": "line",
        }
        if c.in_reply_to_id is not None:
            out["in_reply_to_id"] = c.in_reply_to_id
        return out

    def review(self, rv: Review) -> dict:
        """``pull-request-review``."""
        r, i = rv.pull.repo, rv.pull
        h = f"{self.web}/{r.full_name}/pull/{i.number}#pullrequestreview-{rv.id}"
        return {
            "id": rv.id,
            "node_id": node_id("PullRequestReview", rv.id),
            "user": self.author(rv.user),
            "body": rv.body,
            "state": rv.state,
            "html_url": h,
            "pull_request_url": f"{self.api}/repos/{r.full_name}/pulls/{i.number}",
            "author_association": association(rv.user, r),
            "_links": {
                "html": {"href": h},
                "pull_request": {"href": f"{self.api}/repos/{r.full_name}/pulls/{i.number}"},
            },
            "submitted_at": iso(rv.submitted_at),
            "commit_id": rv.commit_id,
        }

    # --- commits --------------------------------------------------------------------------

    def _commit_user(self, who: User | None | str) -> dict | None:
        if who is None:
            return None
        if who == EMPTY:
            return {}
        return self.simple_user(who)

    def commit(self, c: Commit, detail: bool = False) -> dict:
        """``commit``: the list shape, or with ``stats`` and ``files`` for the detail."""
        r = c.repo
        a = f"{self.api}/repos/{r.full_name}"
        person = {"name": c.author_name, "email": c.author_email, "date": iso(c.date)}
        out = {
            "sha": c.sha,
            "node_id": node_id("Commit", int(c.sha[:8], 16)),
            "commit": {
                "author": dict(person),
                "committer": dict(person),
                "message": c.message,
                "tree": {"sha": c.tree_sha, "url": f"{a}/git/trees/{c.tree_sha}"},
                "url": f"{a}/git/commits/{c.sha}",
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "url": f"{a}/commits/{c.sha}",
            "html_url": f"{self.web}/{r.full_name}/commit/{c.sha}",
            "comments_url": f"{a}/commits/{c.sha}/comments",
            "author": self._commit_user(c.author),
            "committer": self._commit_user(c.author),
            "parents": [
                {
                    "sha": s,
                    "url": f"{a}/commits/{s}",
                    "html_url": f"{self.web}/{r.full_name}/commit/{s}",
                }
                for s in c.parents
            ],
        }
        if detail:
            out["stats"] = {
                "total": c.additions + c.deletions,
                "additions": c.additions,
                "deletions": c.deletions,
            }
            path = "src/core.py"
            out["files"] = [
                {
                    "sha": c.tree_sha,
                    "filename": path,
                    "status": "modified",
                    "additions": c.additions,
                    "deletions": c.deletions,
                    "changes": c.additions + c.deletions,
                    "blob_url": f"{self.web}/{r.full_name}/blob/{c.sha}/{path}",
                    "raw_url": f"{self.web}/{r.full_name}/raw/{c.sha}/{path}",
                    "contents_url": f"{a}/contents/{path}?ref={c.sha}",
                    "patch": "@@ -1 +1 @@\n-old\n+new",
                }
            ]
        return out

    def contributor_stats(self, r: Repo) -> list[dict]:
        """``contributor-activity`` list: weekly a/d/c per linked author, oldest week first."""
        if not r.commits:
            return []

        def week(dt: datetime) -> int:
            day = dt.replace(hour=0, minute=0, second=0, microsecond=0)
            sunday = day - timedelta(days=(day.weekday() + 1) % 7)
            return int(sunday.timestamp())

        first, last = week(r.commits[0].date), week(r.commits[-1].date)
        weeks = list(range(first, last + 1, 7 * 86400))
        per: dict[int, tuple[User, dict[int, list[int]]]] = {}
        for c in r.commits:
            if not isinstance(c.author, User):
                continue  # commits without a linked account are not attributed
            _, buckets = per.setdefault(c.author.id, (c.author, {}))
            cell = buckets.setdefault(week(c.date), [0, 0, 0])
            cell[0] += c.additions
            cell[1] += c.deletions
            cell[2] += 1
        out = []
        for user, buckets in per.values():
            rows = [
                {
                    "w": w,
                    "a": buckets.get(w, [0, 0, 0])[0],
                    "d": buckets.get(w, [0, 0, 0])[1],
                    "c": buckets.get(w, [0, 0, 0])[2],
                }
                for w in weeks
            ]
            out.append(
                {
                    "author": self.simple_user(user),
                    "total": sum(x["c"] for x in rows),
                    "weeks": rows,
                }
            )
        out.sort(key=lambda x: (x["total"], x["author"]["id"]))
        return out

    # --- GraphQL --------------------------------------------------------------------------

    def gql_actor(self, u: User | None) -> dict | None:
        """An ``Actor`` as the miner's query selects it; GitHub answers null for the ghost."""
        if u is None or u.login == "ghost":
            return None
        return {
            "__typename": u.type if u.type == "Bot" else "User",
            "login": u.graphql_login,
            "databaseId": u.id,
        }

    def gql_pull(self, i: Issue) -> dict:
        p = i.pull
        state = "MERGED" if p.merged_at else ("CLOSED" if i.state == "closed" else "OPEN")
        reviews = p.reviews
        page = f"{self.web}/{i.repo.full_name}/pull/{i.number}"
        return {
            "number": i.number,
            "title": i.title,
            "url": f"{self.web}/{i.repo.full_name}/pull/{i.number}",
            "state": state,
            "createdAt": iso(i.created_at),
            "updatedAt": iso(i.updated_at),
            "closedAt": iso(i.closed_at),
            "mergedAt": iso(p.merged_at),
            "additions": p.additions,
            "deletions": p.deletions,
            "changedFiles": p.changed_files,
            "author": self.gql_actor(i.user),
            "mergedBy": self.gql_actor(p.merged_by),
            "reviews": {
                "totalCount": len(reviews),
                "nodes": [
                    {
                        "fullDatabaseId": str(rv.id),
                        "author": self.gql_actor(rv.user),
                        "state": rv.state,
                        "submittedAt": iso(rv.submitted_at),
                        "url": f"{page}#pullrequestreview-{rv.id}",
                    }
                    for rv in reviews[:100]
                ],
            },
        }


def git_sha(kind: str, *parts: object) -> str:
    """A blob's git object id (``kind`` "blob", one text part); for a tree, a stable
    stand-in made from its parts."""
    if kind == "blob":
        data = str(parts[0]).encode()
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return hashlib.sha1(repr(parts).encode()).hexdigest()
