"""The GitHub miner's pure parsing: GitHub's documented shapes in, exact records out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from talent.model import ActivityKind, Identity, IdentitySource
from talent.sources.github import (
    Batch,
    GitHubError,
    Response,
    check_name,
    parse_commit,
    parse_issue,
    parse_issue_comment,
    parse_pull_request,
    parse_review_comment,
    parse_time,
)

REPO = "acme-ai/vision"
ADA = {"login": "ada", "id": 1, "type": "User"}
BOB = {"login": "bob", "id": 2, "type": "User"}
BOT = {"login": "dependabot[bot]", "id": 49699333, "type": "Bot"}


def key(user: dict) -> str:
    return Identity(IdentitySource.GITHUB, login=user["login"], github_id=user["id"]).key


def test_issue_and_pull_request_items():
    batch = Batch()
    parse_issue(
        {
            "number": 7,
            "user": ADA,
            "created_at": "2024-01-02T03:04:05Z",
            "updated_at": "2024-01-03T00:00:00Z",
            "title": '=HYPERLINK("x")',
            "html_url": "https://github.com/acme-ai/vision/issues/7",
            "state": "open",
        },
        REPO,
        batch,
    )
    parse_issue(
        {
            "number": 8,
            "user": BOT,
            "created_at": "2024-01-04T00:00:00Z",
            "title": "Bump torch",
            "state": "closed",
            "pull_request": {"url": "x"},
        },
        REPO,
        batch,
    )
    issue, pull = batch.activities
    assert (issue.kind, issue.key, issue.actor, issue.item) == (
        ActivityKind.ISSUE_OPENED,
        "issue_opened:acme-ai/vision:7",
        key(ADA),
        "acme-ai/vision#7",
    )
    assert issue.occurred_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert issue.title == '=HYPERLINK("x")'  # stored as written; outputs neutralise it
    assert (pull.kind, pull.pr_number, pull.state) == (ActivityKind.PR_OPENED, 8, "closed")
    assert batch.identities[key(BOT)].type == "Bot"


def test_closed_issue_credits_who_closed_it():
    batch = Batch()
    parse_issue(
        {
            "number": 5,
            "user": ADA,
            "closed_by": BOB,
            "state": "closed",
            "created_at": "2024-01-01T00:00:00Z",
            "closed_at": "2024-01-09T00:00:00Z",
        },
        REPO,
        batch,
    )
    opened, closed = batch.activities
    assert (closed.kind, closed.actor, closed.counterpart, closed.occurred_at) == (
        ActivityKind.ISSUE_CLOSED_BY,
        key(BOB),
        key(ADA),
        datetime(2024, 1, 9, tzinfo=UTC),
    )


GHOST = {"login": "ghost", "id": 10137, "type": "User"}
DELETED_KEY = "github:10137"


def test_items_by_deleted_or_missing_users_are_kept_as_the_deleted_account():
    batch = Batch()
    for number, user in ((1, None), (2, {}), (3, GHOST)):
        parse_issue(
            {"number": number, "user": user, "created_at": "2024-01-01T00:00:00Z"}, REPO, batch
        )
    assert [(a.item, a.kind, a.actor) for a in batch.activities] == [
        (f"{REPO}#{n}", ActivityKind.ISSUE_OPENED, DELETED_KEY) for n in (1, 2, 3)
    ]
    (deleted,) = batch.identities.values()
    assert (deleted.login, deleted.github_id, deleted.type, deleted.name) == (
        "ghost",
        10137,
        "Deleted",
        "deleted account",
    )


def test_comments_and_reviews_by_deleted_accounts_are_kept():
    authors = {f"{REPO}#4": key(ADA)}
    batch = Batch()
    comment = {"id": 21, "user": None, "created_at": "2024-02-01T00:00:00Z", "body": "hm"}
    parse_issue_comment(
        {**comment, "html_url": f"https://github.com/{REPO}/issues/4#issuecomment-21"},
        REPO,
        authors,
        batch,
    )
    parse_review_comment(
        {**comment, "id": 22, "user": GHOST, "pull_request_url": f"http://h/repos/{REPO}/pulls/4"},
        REPO,
        authors,
        batch,
    )
    assert [(a.kind, a.actor, a.item, a.counterpart) for a in batch.activities] == [
        (ActivityKind.ISSUE_COMMENT, DELETED_KEY, f"{REPO}#4", key(ADA)),
        (ActivityKind.REVIEW_COMMENT, DELETED_KEY, f"{REPO}#4", key(ADA)),
    ]


def test_a_commit_by_a_deleted_account_keeps_its_own_git_identity():
    batch = Batch()
    git = {"name": "Zoë Ghostwriter", "email": "zoe@example.org", "date": "2024-01-01T00:00:00Z"}
    parse_commit({"sha": "c1", "author": GHOST, "commit": {"author": git}}, REPO, batch)
    (ident,) = batch.identities.values()
    assert (ident.source, ident.login, ident.github_id) == (IdentitySource.GIT, None, None)


def test_comments_point_at_the_author_of_their_issue():
    authors = {"acme-ai/vision#7": key(ADA)}
    batch = Batch()
    parse_issue_comment(
        {
            "id": 11,
            "user": BOB,
            "created_at": "2024-02-01T00:00:00Z",
            "issue_url": "http://h/api/v3/repos/acme-ai/vision/issues/7",
            "body": "Looks good",
            "html_url": "u",
        },
        REPO,
        authors,
        batch,
    )
    parse_review_comment(
        {
            "id": 12,
            "user": BOB,
            "created_at": "2024-02-02T00:00:00Z",
            "pull_request_url": "http://h/api/v3/repos/acme-ai/vision/pulls/7",
            "body": "nit",
        },
        REPO,
        authors,
        batch,
    )
    comment, review_comment = batch.activities
    assert (comment.kind, comment.counterpart, comment.size) == (
        ActivityKind.ISSUE_COMMENT,
        key(ADA),
        len("Looks good"),
    )
    assert (review_comment.kind, review_comment.counterpart, review_comment.pr_number) == (
        ActivityKind.REVIEW_COMMENT,
        key(ADA),
        7,
    )


def gql_actor(user: dict, typename: str = "User") -> dict:
    return {"__typename": typename, "login": user["login"], "databaseId": user["id"]}


def test_pull_request_node_gives_merge_acts_size_and_reviews():
    node = {
        "number": 9, "title": "Speed up kernels", "url": "https://github.com/x/pull/9",
        "state": "MERGED", "createdAt": "2024-03-01T00:00:00Z",
        "updatedAt": "2024-03-05T00:00:00Z", "mergedAt": "2024-03-04T00:00:00Z",
        "additions": 120, "deletions": 30, "changedFiles": 4,
        "author": gql_actor(ADA), "mergedBy": gql_actor(BOB),
        "reviews": {"totalCount": 2, "nodes": [
            {"fullDatabaseId": "501", "state": "APPROVED", "submittedAt": "2024-03-03T00:00:00Z",
             "url": "r1", "author": gql_actor(BOB)},
            {"databaseId": 502, "state": "PENDING", "submittedAt": None, "url": "r2",
             "author": gql_actor(BOB)},
        ]},
    }  # fmt: skip
    batch = Batch()
    parse_pull_request(node, REPO, batch)
    by_kind = {a.kind: a for a in batch.activities}
    assert set(by_kind) == {
        ActivityKind.PR_OPENED,
        ActivityKind.PR_MERGED,
        ActivityKind.PR_MERGED_BY,
        ActivityKind.REVIEW,
    }
    assert by_kind[ActivityKind.PR_OPENED].size == 150
    assert (by_kind[ActivityKind.PR_MERGED].actor, by_kind[ActivityKind.PR_MERGED].counterpart) == (
        key(ADA),
        key(BOB),
    )
    assert (
        by_kind[ActivityKind.PR_MERGED_BY].actor,
        by_kind[ActivityKind.PR_MERGED_BY].counterpart,
    ) == (key(BOB), key(ADA))
    review = by_kind[ActivityKind.REVIEW]
    assert (review.key, review.state, review.counterpart) == (
        "review:acme-ai/vision:501",
        "approved",
        key(ADA),
    )
    assert len([a for a in batch.activities if a.kind == ActivityKind.REVIEW]) == 1  # pending


def test_ghost_author_and_unmerged_pull_request():
    node = {
        "number": 3,
        "state": "CLOSED",
        "createdAt": "2024-01-01T00:00:00Z",
        "mergedAt": None,
        "author": None,
        "mergedBy": None,
        "reviews": {"nodes": []},
    }
    batch = Batch()
    parse_pull_request(node, REPO, batch)
    # GraphQL's null author is the deleted account; unmerged, nobody merged it.
    assert [(a.kind, a.actor) for a in batch.activities] == [(ActivityKind.PR_OPENED, DELETED_KEY)]


def test_a_merge_by_a_deleted_account_is_kept():
    node = {
        "number": 4,
        "state": "MERGED",
        "createdAt": "2024-01-01T00:00:00Z",
        "mergedAt": "2024-01-02T00:00:00Z",
        "author": {"__typename": "User", "login": "ada", "databaseId": 1},
        "mergedBy": None,
        "reviews": {"nodes": [{"author": None, "state": "APPROVED", "fullDatabaseId": "9",
                               "submittedAt": "2024-01-01T12:00:00Z"}]},
    }  # fmt: skip
    batch = Batch()
    parse_pull_request(node, REPO, batch)
    assert sorted((a.kind, a.actor, a.counterpart) for a in batch.activities) == sorted(
        [
            (ActivityKind.PR_OPENED, key(ADA), None),
            (ActivityKind.PR_MERGED, key(ADA), DELETED_KEY),
            (ActivityKind.PR_MERGED_BY, DELETED_KEY, key(ADA)),
            (ActivityKind.REVIEW, DELETED_KEY, key(ADA)),
        ]
    )


@pytest.mark.parametrize("author", [None, {}])
def test_commit_with_null_or_empty_author_keeps_the_git_identity(author):
    batch = Batch()
    parse_commit(
        {
            "sha": "abc",
            "author": author,
            "parents": [{"sha": "p"}],
            "commit": {
                "author": {
                    "name": "Zoë",
                    "email": "zoe@example.org",
                    "date": "2024-05-01T10:00:00Z",
                },
                "message": "Fix it\n\nbody",
            },
        },
        REPO,
        batch,
    )
    (act,) = batch.activities
    assert (act.kind, act.key, act.title) == (
        ActivityKind.COMMIT,
        "commit:acme-ai/vision:abc",
        "Fix it",
    )
    (ident,) = batch.identities.values()
    assert (ident.source, ident.name, ident.email, ident.login) == (
        "git",
        "Zoë",
        "zoe@example.org",
        None,
    )


def test_commit_links_the_git_identity_to_the_account():
    batch = Batch()
    parse_commit(
        {
            "sha": "abc",
            "author": ADA,
            "parents": [{"sha": "1"}, {"sha": "2"}],
            "commit": {
                "author": {
                    "name": "Ada L",
                    "email": "ada@example.org",
                    "date": "2024-05-01T10:00:00Z",
                },
                "message": "Merge",
            },
        },
        REPO,
        batch,
    )
    (act,) = batch.activities
    assert act.kind == ActivityKind.MERGE_COMMIT
    git = [i for i in batch.identities.values() if i.source == "git"][0]
    assert git.login == "ada" and key(ADA) in batch.identities


def test_link_header_next_url():
    link = (
        '<http://127.0.0.1:1/api/v3/repos/a/b/issues?page=2>; rel="next", '
        '<http://127.0.0.1:1/api/v3/repos/a/b/issues?page=5>; rel="last"'
    )
    assert Response(200, {"link": link}, []).next_url() == (
        "http://127.0.0.1:1/api/v3/repos/a/b/issues?page=2"
    )
    assert Response(200, {}, []).next_url() is None


@pytest.mark.parametrize("name", ["acme-ai", "acme-ai/vision", "a/b.c_d-e"])
def test_valid_names(name):
    check_name(name)


@pytest.mark.parametrize("name", ["", "-acme", "acme/", "a/b/c", "acme ai", "../etc", "a" * 40])
def test_malformed_names(name):
    with pytest.raises(GitHubError):
        check_name(name)


def test_parse_time():
    assert parse_time(None) is None
    assert parse_time("2024-01-01T00:00:00+02:00") == datetime(2023, 12, 31, 22, tzinfo=UTC)


def test_an_item_whose_pull_request_is_null_is_an_issue():
    """api.github.com has sent ``"pull_request": null`` on plain issues (replay): only a
    pull_request object makes an item a pull request."""
    batch = Batch()
    item = {
        "number": 9,
        "user": ADA,
        "created_at": "2024-01-02T03:04:05Z",
        "updated_at": "2024-01-02T03:04:05Z",
        "title": "A plain issue",
        "state": "open",
        "html_url": f"https://github.com/{REPO}/issues/9",
        "pull_request": None,
    }
    parse_issue(item, REPO, batch)
    assert [a.kind for a in batch.activities] == [ActivityKind.ISSUE_OPENED]


def test_a_review_comment_without_pull_request_url_is_kept():
    """A review comment that lacks ``pull_request_url`` (seen in the replay) is found by
    its ``_links`` or its page, not dropped."""
    base = {
        "user": BOB,
        "created_at": "2024-02-01T00:00:00Z",
        "body": "nit: rename this",
    }
    by_link = {
        **base,
        "id": 11,
        "_links": {"pull_request": {"href": f"https://api.github.com/repos/{REPO}/pulls/5"}},
    }
    by_page = {
        **base,
        "id": 12,
        "html_url": f"https://github.com/{REPO}/pull/6#discussion_r12",
    }
    nothing = {**base, "id": 13}
    batch = Batch()
    authors = {f"{REPO}#5": key(ADA)}
    for comment in (by_link, by_page, nothing):
        parse_review_comment(comment, REPO, authors, batch)
    assert [(a.item, a.pr_number, a.counterpart) for a in batch.activities] == [
        (f"{REPO}#5", 5, key(ADA)),
        (f"{REPO}#6", 6, None),
    ]


def test_an_older_answers_plain_issue_with_null_pull_request_links_is_an_issue():
    """Older answers carry ``"pull_request": {"html_url": null, ...}`` on plain issues."""
    batch = Batch()
    nulls = {"url": None, "html_url": None, "diff_url": None, "patch_url": None}
    for number, links in ((9, nulls), (10, {"html_url": None}), (11, {})):
        parse_issue(
            {
                "number": number,
                "user": ADA,
                "created_at": "2024-01-01T00:00:00Z",
                "html_url": f"https://github.com/{REPO}/issues/{number}",
                "pull_request": links,
            },
            REPO,
            batch,
        )
    pull = {"url": f"https://api.github.com/repos/{REPO}/pulls/12", "html_url": None}
    parse_issue(
        {"number": 12, "user": ADA, "created_at": "2024-01-01T00:00:00Z", "pull_request": pull},
        REPO,
        batch,
    )
    assert [(a.item, a.kind, a.pr_number) for a in batch.activities] == [
        (f"{REPO}#9", ActivityKind.ISSUE_OPENED, None),
        (f"{REPO}#10", ActivityKind.ISSUE_OPENED, None),
        (f"{REPO}#11", ActivityKind.ISSUE_OPENED, None),
        (f"{REPO}#12", ActivityKind.PR_OPENED, 12),
    ]


def test_a_comment_whose_issue_url_ends_in_the_issues_id_lands_on_the_issue():
    """Older answers end a comment's ``issue_url`` in the issue's id: its page, or the
    listing's id -> number map, says which item it is on."""
    authors = {f"{REPO}#5": key(ADA)}
    batch = Batch()
    by_id = f"https://api.github.com/repos/{REPO}/issues/987654321"
    base = {"user": BOB, "created_at": "2024-02-01T00:00:00Z", "body": "+1", "issue_url": by_id}
    parse_issue_comment(
        {**base, "id": 31, "html_url": f"https://github.com/{REPO}/issues/5#issuecomment-31"},
        REPO,
        authors,
        batch,
    )
    parse_issue_comment({**base, "id": 32}, REPO, authors, batch, {987654321: 5})
    assert [(a.item, a.counterpart) for a in batch.activities] == [
        (f"{REPO}#5", key(ADA)),
        (f"{REPO}#5", key(ADA)),
    ]
