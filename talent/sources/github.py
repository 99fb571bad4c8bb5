"""Mine a GitHub organisation (or a list of repositories) through PyGithub.

Cheap by construction (see the research note on PyGithub's cost traps):

- repository-wide list endpoints at 100 items a page, with ``since`` where GitHub has
  it: issues and pull requests together, issue comments, review comments, commits;
- pull requests' reviews, merges and sizes through one GraphQL query per 100 pull
  requests, newest-updated first, stopping at the last sync's watermark; REST
  ``/pulls/{n}/reviews`` only for a pull request with more than 100 reviews;
- raw dicts through ``Github.requester`` (PyGithub's auth, throttling and URL
  handling) instead of PyGithub's objects, so no attribute access ever completes an
  object lazily with a request per item;
- an ETag probe per repository and resource: an unchanged repository answers 304,
  which costs no rate-limit points;
- the owner files at a repository's head (its tree listed once, one blob per owner
  file) and the members of the teams they name, read again only after a push;
- watermarks and ETags per (repository, resource) yielded as marks after the rows they
  cover (:mod:`talent.sync` saves the rows first), so a run killed at any point and
  run again yields exactly the same rows.

:class:`GitHubSource` reads the repositories and :class:`GitHubProfileSource` the
profiles; neither touches the store (:func:`talent.mining.mine_github` runs both).

Rate limits and faults are handled here rather than by PyGithub's retry (which retries
5xx without backoff and does not retry a 429 without ``Retry-After``): a primary limit
waits for the reset with a countdown, or, past ``max_wait``, stops cleanly to resume
later; secondary limits honour ``Retry-After`` or back off about a minute; 5xx and
dropped connections back off exponentially and then fail that repository alone.
The token is handed to PyGithub and never printed, logged or stored.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from github import Auth, Github

from talent.model import (
    GITHUB_GHOST_LOGIN,
    Activity,
    ActivityKind,
    Identity,
    IdentitySource,
    Origin,
    OwnerKind,
    Repo,
    deleted_account,
)
from talent.sources.base import Batch, Failure, Item, Mark, Progress, SourceState
from talent.sources.git import OWNERS_RESOURCE as GIT_OWNERS_RESOURCE
from talent.sources.git import OwnerFileVersion, named_owner_rows
from talent.sources.owners import expand_teams, owner_file_kind, owner_intervals, owner_pairings

DEFAULT_BASE_URL = "https://api.github.com"
PER_PAGE = 100
# Items updated in the same second as the watermark, or by a clock a little behind,
# are read again: upserts make the overlap free of duplicates.
OVERLAP = timedelta(minutes=5)
PROFILE_REFRESH = timedelta(days=30)
# Membership changes slowly; a list older than this is fetched again (``full`` always does).
MEMBERS_REFRESH = timedelta(days=7)

PULL_REQUESTS_QUERY = """\
query TalentPullRequests($owner: String!, $name: String!, $cursor: String, $first: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequests(first: $first, after: $cursor, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        number
        title
        url
        state
        createdAt
        updatedAt
        closedAt
        mergedAt
        additions
        deletions
        changedFiles
        author {
          ...TalentActor
        }
        mergedBy {
          ...TalentActor
        }
        reviews(first: 100) {
          totalCount
          nodes {
            fullDatabaseId
            author {
              ...TalentActor
            }
            state
            submittedAt
            url
          }
        }
      }
    }
  }
  rateLimit {
    cost
    remaining
    resetAt
  }
}

fragment TalentActor on Actor {
  __typename
  login
  ... on User {
    databaseId
  }
  ... on Bot {
    databaseId
  }
}
"""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9._-]{1,100})?$")


# --- errors -----------------------------------------------------------------------------


class GitHubError(Exception):
    """A failure to report in one line; ``exit_code`` says how the command ends."""

    exit_code = 1
    status: int | None = None  # the HTTP status GitHub answered, when it answered one


class BadCredentials(GitHubError):
    exit_code = 2


class NotFound(GitHubError):
    exit_code = 1


class ResumeLater(GitHubError):
    """The primary rate limit resets later than the caller will wait: stop cleanly."""

    exit_code = 0

    def __init__(self, reset: datetime):
        super().__init__(f"rate limit reached; it resets at {reset:%Y-%m-%d %H:%M:%S} UTC")
        self.reset = reset


class RepoFailed(GitHubError):
    """A repository could not be read after retries; the others go on."""


# --- the client -------------------------------------------------------------------------


@dataclass
class Stats:
    """What a mine cost and met, for the summary table and the benchmarks."""

    requests: int = 0
    counted: int = 0  # requests that used rate-limit points
    not_modified: int = 0  # 304 answers: free
    graphql: int = 0
    profile_requests: int = 0
    owner_requests: int = 0  # head tree, owner-file blobs and team members
    waits: int = 0
    waited_seconds: float = 0.0
    retries: int = 0
    items: int = 0
    failures: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    def next_url(self) -> str | None:
        # GitHub's Link header: <url>; rel="next", <url>; rel="last"
        for part in self.headers.get("link", "").split(", "):
            url, _, rel = part.partition("; ")
            if rel == 'rel="next"':
                return url.strip("<>")
        return None


class GitHubClient:
    """Requests through PyGithub's requester, with talent's own waiting and retries.

    ``sleep`` and ``clock`` are injectable so tests run without real waiting;
    ``on_wait(seconds, reason)`` is told before every wait (the CLI shows a countdown).
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        max_wait: float = 3600.0,
        timeout: int = 30,
        attempts: int = 5,
        backoff: float = 2.0,
        secondary_wait: float = 60.0,
        throttle: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_wait: Callable[[float, str], None] | None = None,
        rng: random.Random | None = None,
    ):
        self._github = Github(
            auth=Auth.Token(token),
            base_url=base_url.rstrip("/"),
            per_page=PER_PAGE,
            lazy=True,
            timeout=timeout,
            retry=None,
            seconds_between_requests=0.25 if throttle else None,
            seconds_between_writes=1.0 if throttle else None,
        )
        self.requester = self._github.requester
        self.max_wait = max_wait
        self.attempts = attempts
        self.backoff = backoff
        self.secondary_wait = secondary_wait
        self.sleep = sleep
        self.clock = clock
        self.on_wait = on_wait
        self.rng = rng or random.Random(0)
        self.stats = Stats()

    def close(self) -> None:
        self._github.close()

    def _wait(self, seconds: float, reason: str) -> None:
        seconds = max(0.0, seconds)
        self.stats.waits += 1
        self.stats.waited_seconds += seconds
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self.sleep(seconds)

    def request(
        self,
        url: str,
        params: dict | None = None,
        *,
        etag: str | None = None,
        method: str = "GET",
        body: dict | None = None,
    ) -> Response:
        """One request, retried as GitHub documents; raises GitHubError subclasses."""
        headers = {"If-None-Match": etag} if etag else None
        failure = ""
        for attempt in range(self.attempts):
            try:
                status, raw_headers, text = self.requester.requestJson(
                    method, url, parameters=params, headers=headers, input=body
                )
            except requests.RequestException as exc:
                failure = f"connection failed ({type(exc).__name__})"
                self._retry_wait(attempt, failure)
                continue
            except RecursionError:
                # PyGithub answers a GET 202 ("still computing") by waiting and asking
                # again, without a limit; GitHub does that only for statistics.
                raise RepoFailed("GitHub kept answering 202 (still computing)") from None
            self.stats.requests += 1
            hdrs = {k.lower(): v for k, v in raw_headers.items()}
            if status == 304:
                self.stats.not_modified += 1
                return Response(304, hdrs, None)
            self.stats.counted += 1
            if status in (403, 429) and self._rate_limited(status, hdrs, text):
                continue
            if status == 401:
                raise BadCredentials("GitHub rejected the token (401 Bad credentials)")
            if status == 404:
                raise NotFound("not found (404): check the name, or whether the token can see it")
            if status == 202 or status >= 500:
                failure = f"GitHub answered {status}"
                self._retry_wait(attempt, failure)
                continue
            try:
                payload = json.loads(text) if text else None
            except json.JSONDecodeError:
                failure = "GitHub sent a truncated answer"
                self._retry_wait(attempt, failure)
                continue
            if status >= 400:
                message = _error_text(payload)
                error = GitHubError(f"GitHub answered {status}: {message}".rstrip(": "))
                error.status = status
                raise error
            return Response(status, hdrs, payload)
        raise RepoFailed(f"{failure} after {self.attempts} attempts")

    def _retry_wait(self, attempt: int, reason: str) -> None:
        self.stats.retries += 1
        if attempt + 1 < self.attempts:
            delay = self.backoff * (2**attempt) * (0.5 + self.rng.random())
            self._wait(delay, reason)

    def _rate_limited(self, status: int, headers: dict[str, str], text: str) -> bool:
        """Wait out a rate limit (True) or say it was not one (False)."""
        message = ""
        try:
            message = str(json.loads(text).get("message", "")).lower()
        except (json.JSONDecodeError, AttributeError):
            pass
        remaining = headers.get("x-ratelimit-remaining")
        if "retry-after" in headers:
            try:
                seconds = max(float(headers["retry-after"]), 0.0)
            except ValueError:  # an HTTP date, or nothing usable: about a minute
                seconds = self.secondary_wait
            if seconds > self.max_wait:  # --max-wait caps every wait, this one too
                raise ResumeLater(datetime.fromtimestamp(self.clock() + seconds, UTC))
            self._wait(seconds, "secondary rate limit")
            return True
        if remaining == "0" or "api rate limit exceeded" in message:
            reset = float(headers.get("x-ratelimit-reset", self.clock() + 60))
            seconds = reset - self.clock() + 1
            if seconds > self.max_wait:
                raise ResumeLater(datetime.fromtimestamp(reset, UTC))
            self._wait(seconds, "primary rate limit")
            return True
        if "secondary rate limit" in message or status == 429:
            self._wait(
                self.secondary_wait * (0.75 + 0.5 * self.rng.random()), "secondary rate limit"
            )
            return True
        return False

    def pages(self, url: str, params: dict | None = None) -> Iterator[list]:
        """Every page of a list endpoint, following ``Link: rel="next"``."""
        response = self.request(url, params)
        while True:
            yield response.body or []
            following = response.next_url()
            if not following:
                return
            response = self.request(following)

    def graphql(self, query: str, variables: dict, operation: str) -> dict:
        """POST a query to the GraphQL endpoint PyGithub derives from the base URL.

        GitHub reports GraphQL's own rate limit inside a 200 answer (``errors`` of type
        RATE_LIMITED), where no HTTP-level retry sees it: waited for here.
        """
        body = {"query": query, "variables": variables, "operationName": operation}
        for _attempt in range(self.attempts):
            response = self.request(self.requester.graphql_url, method="POST", body=body)
            self.stats.graphql += 1
            payload = response.body if isinstance(response.body, dict) else {}
            errors = [e for e in payload.get("errors") or [] if isinstance(e, dict)]
            if not errors:
                return payload.get("data") or {}
            kinds = {e.get("type") for e in errors}
            text = "; ".join(str(e.get("message", "")) for e in errors)
            if "RATE_LIMITED" in kinds:
                reset = response.headers.get("x-ratelimit-reset")
                seconds = float(reset) - self.clock() + 1 if reset else self.secondary_wait
                if seconds > self.max_wait:
                    raise ResumeLater(datetime.fromtimestamp(self.clock() + seconds, UTC))
                self._wait(seconds, "GraphQL rate limit")
                continue
            if "NOT_FOUND" in kinds:
                raise NotFound(f"not found: {text}")
            raise GitHubError(f"GraphQL error: {text}")
        raise RepoFailed(f"GraphQL stayed rate limited after {self.attempts} attempts")


def _error_text(payload: object) -> str:
    """GitHub's error message with its field errors (a 422's ``errors``), in one line.

    >>> _error_text({"message": "Validation Failed",
    ...     "errors": [{"resource": "Issue", "field": "since", "code": "invalid"}]})
    'Validation Failed (since: invalid)'
    """
    if not isinstance(payload, dict):
        return ""
    message = str(payload.get("message") or "")
    details = []
    for error in payload.get("errors") or []:
        if isinstance(error, dict):
            what = error.get("message") or error.get("code") or ""
            field = error.get("field")
            details.append(f"{field}: {what}" if field else str(what))
        elif error:
            details.append(str(error))
    details = [d for d in details if d]
    return f"{message} ({'; '.join(details)})" if details else message


# --- parsing (pure) ---------------------------------------------------------------------


def parse_time(value: str | None) -> datetime | None:
    """GitHub's ISO 8601 time, as an aware UTC datetime.

    >>> parse_time("2024-01-02T03:04:05Z")
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    """
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def parse_created(value: str | None) -> datetime:
    """When a record was made (``created_at``, which GitHub always sends), as
    :func:`parse_time`; a record without it raises ValueError rather than an act with no
    time.

    >>> parse_created("2024-01-02T03:04:05Z").year
    2024
    """
    found = parse_time(value)
    if found is None:
        raise ValueError(f"a GitHub record without its creation time: {value!r}")
    return found


DELETED = deleted_account(IdentitySource.GITHUB)


def parse_user(user: dict | None) -> Identity | None:
    """A REST ``simple-user`` as an identity: None for a missing or empty user, and
    :data:`DELETED` for the placeholder of deleted accounts (``ghost``).

    >>> parse_user({"login": "ghost", "id": 10137, "type": "User"}).type
    'Deleted'
    """
    if not user or not user.get("login"):
        return None
    if user["login"] == GITHUB_GHOST_LOGIN:
        return DELETED
    return Identity(
        IdentitySource.GITHUB,
        login=user["login"],
        github_id=user.get("id"),
        type=user.get("type") or "",
    )


def parse_author(user: dict | None, *, graphql: bool = False) -> Identity:
    """Who made an act that always has a maker (opened an item, wrote a comment or a
    review): a missing user is a deleted account (REST's ``"user": null``, GraphQL's null
    author), kept as :data:`DELETED` so the act, the item and the others' work on it
    stay.

    >>> parse_author(None).key, parse_author({"login": "ada", "id": 7}).key
    ('github:10137', 'github:7')
    """
    found = parse_actor(user) if graphql else parse_user(user)
    return found if found is not None else DELETED


def parse_actor(actor: dict | None) -> Identity | None:
    """A GraphQL actor (``__typename``, ``login``, ``databaseId``) as an identity.

    GraphQL names app bots without the ``[bot]`` suffix REST uses; it is added back so
    both sources agree on the login.

    >>> parse_actor({"__typename": "Bot", "login": "dependabot", "databaseId": 49699333}).login
    'dependabot[bot]'
    """
    if not actor or not actor.get("login"):
        return None
    if actor["login"] == GITHUB_GHOST_LOGIN:
        return DELETED
    kind = actor.get("__typename") or ""
    if kind == "Bot" and not actor["login"].endswith("[bot]"):
        actor = {**actor, "login": actor["login"] + "[bot]"}
    return Identity(
        IdentitySource.GITHUB,
        login=actor["login"],
        github_id=actor.get("databaseId"),
        type="Bot" if kind == "Bot" else "User" if kind == "User" else kind,
    )


def _first_line(text: str | None, limit: int = 200) -> str:
    """A comment's first line, kept short: enough to see what a comment said (and to
    tell template bots), not a copy of the conversation."""
    return (text or "").strip().split("\n", 1)[0][:limit]


def _number_from_url(url: str | None) -> int | None:
    match = re.search(r"/(\d+)$", url or "")
    return int(match.group(1)) if match else None


def _parent_number(
    comment: dict, parent_url: str, numbers: dict[int, int] | None = None
) -> int | None:
    """The issue or pull request a comment is on: from the comment's page
    (``.../issues/12#issuecomment-9``, ``.../pull/12#discussion_r3``), else from
    ``parent_url`` (``issue_url``, ``pull_request_url``) or ``_links``.

    The page comes first because older answers end ``issue_url`` in the issue's id, not
    its number; ``numbers`` (issue id -> number, from the issues listing) maps such an id
    when there is no page.

    >>> _parent_number({"html_url": "https://github.com/o/r/pull/12#discussion_r3"}, "x")
    12
    >>> _parent_number({"issue_url": "https://api.github.com/repos/o/r/issues/8812"},
    ...                "issue_url", {8812: 3})
    3
    """
    page = re.search(r"/(?:pull|issues)/(\d+)(?:[#/?]|$)", comment.get("html_url") or "")
    if page:
        return int(page.group(1))
    number = _number_from_url(comment.get(parent_url))
    if number is None:
        link = ((comment.get("_links") or {}).get("pull_request") or {}).get("href")
        number = _number_from_url(link)
    if number is not None and numbers:
        number = numbers.get(number, number)
    return number


def is_pull_request(item: dict) -> bool:
    """Whether an item of ``/issues`` is a pull request: its ``pull_request`` object has
    links. Plain issues have none, or (in older answers) one whose links are all null.

    >>> is_pull_request({"pull_request": {"url": "https://api.github.com/repos/o/r/pulls/2"}})
    True
    >>> is_pull_request({"pull_request": {"html_url": None, "diff_url": None,
    ...                                   "patch_url": None}}), is_pull_request({})
    (False, False)
    """
    links = item.get("pull_request")
    if not isinstance(links, dict):
        return False
    return any(links.get(k) for k in ("url", "html_url", "diff_url", "patch_url"))


def parse_issue(item: dict, repo: str, batch: Batch) -> None:
    """An item of ``/issues``: an issue or a pull request (:func:`is_pull_request`); one
    opened by a deleted account is kept, as :data:`DELETED`'s."""
    actor = batch.who(parse_author(item.get("user")))
    number = item["number"]
    ref = f"{repo}#{number}"
    is_pr = is_pull_request(item)
    kind = ActivityKind.PR_OPENED if is_pr else ActivityKind.ISSUE_OPENED
    batch.activities.append(
        Activity(
            key=f"{kind}:{repo}:{number}",
            repo=repo,
            kind=kind,
            actor=actor,
            occurred_at=parse_created(item["created_at"]),
            item=ref,
            title=item.get("title") or "",
            url=item.get("html_url") or "",
            state=item.get("state") or "",
            pr_number=number if is_pr else None,
        )
    )
    # Who closed an issue, where the list says so (merges of pull requests come from
    # GraphQL's mergedBy instead).
    closer = batch.who(parse_user(item.get("closed_by")))
    closed_at = parse_time(item.get("closed_at"))
    if not is_pr and closer is not None and closed_at is not None:
        batch.activities.append(
            Activity(
                key=f"{ActivityKind.ISSUE_CLOSED_BY}:{repo}:{number}",
                repo=repo,
                kind=ActivityKind.ISSUE_CLOSED_BY,
                actor=closer,
                occurred_at=closed_at,
                counterpart=actor,
                item=ref,
                title=item.get("title") or "",
                url=item.get("html_url") or "",
            )
        )


def parse_issue_comment(
    comment: dict,
    repo: str,
    authors: dict[str, str],
    batch: Batch,
    numbers: dict[int, int] | None = None,
) -> None:
    """An item of ``/issues/comments``: a conversation comment on an issue or pull request
    (``numbers``: issue id -> number, for older answers' ``issue_url``)."""
    _parse_comment(comment, repo, authors, batch, ActivityKind.ISSUE_COMMENT, "issue_url", numbers)


def parse_review_comment(comment: dict, repo: str, authors: dict[str, str], batch: Batch) -> None:
    """An item of ``/pulls/comments``: an inline review comment."""
    _parse_comment(comment, repo, authors, batch, ActivityKind.REVIEW_COMMENT, "pull_request_url")


def _parse_comment(
    comment: dict,
    repo: str,
    authors: dict[str, str],
    batch: Batch,
    kind: ActivityKind,
    parent_url: str,
    numbers: dict[int, int] | None = None,
) -> None:
    """A comment, credited against the author of the item it is on (``authors``)."""
    actor = batch.who(parse_author(comment.get("user")))
    number = _parent_number(comment, parent_url, numbers)
    if number is None:
        return
    ref = f"{repo}#{number}"
    batch.activities.append(
        Activity(
            key=f"{kind}:{repo}:{comment['id']}",
            repo=repo,
            kind=kind,
            actor=actor,
            occurred_at=parse_created(comment["created_at"]),
            counterpart=authors.get(ref),
            item=ref,
            size=len(comment.get("body") or ""),
            title=_first_line(comment.get("body")),
            url=comment.get("html_url") or "",
            pr_number=number if kind == ActivityKind.REVIEW_COMMENT else None,
        )
    )


def parse_pull_request(node: dict, repo: str, batch: Batch) -> None:
    """A GraphQL pull request: merge acts, size and every review."""
    number = node["number"]
    ref = f"{repo}#{number}"
    author = batch.who(parse_author(node.get("author"), graphql=True))
    size = (node.get("additions") or 0) + (node.get("deletions") or 0)
    title = node.get("title") or ""
    url = node.get("url") or ""
    batch.activities.append(
        Activity(
            key=f"{ActivityKind.PR_OPENED}:{repo}:{number}",
            repo=repo,
            kind=ActivityKind.PR_OPENED,
            actor=author,
            occurred_at=parse_created(node["createdAt"]),
            item=ref,
            size=size,
            title=title,
            url=url,
            state=(node.get("state") or "").lower(),
            pr_number=number,
        )
    )
    merged_at = parse_time(node.get("mergedAt"))
    # A merged pull request always has a merger: none named is a deleted account.
    merger = batch.who(parse_author(node.get("mergedBy"), graphql=True)) if merged_at else None
    # A merged pull request is credited to its author (OpenDigger's rule), and the merge
    # to the merger as an act of its own.
    for kind, actor, other in (
        (ActivityKind.PR_MERGED, author, merger),
        (ActivityKind.PR_MERGED_BY, merger, author),
    ):
        if merged_at is None or actor is None:
            continue
        batch.activities.append(
            Activity(
                key=f"{kind}:{repo}:{number}",
                repo=repo,
                kind=kind,
                actor=actor,
                occurred_at=merged_at,
                counterpart=other,
                item=ref,
                size=size,
                title=title,
                url=url,
                pr_number=number,
            )
        )
    for review in (node.get("reviews") or {}).get("nodes") or []:
        parse_review(review, repo, number, author, title, batch)


def parse_review(
    review: dict, repo: str, number: int, author: str | None, title: str, batch: Batch
) -> None:
    """A review from GraphQL (``databaseId``, ``submittedAt``) or REST (``id``,
    ``submitted_at``, ``user``)."""
    graphql = "author" in review
    actor = batch.who(parse_author(review.get("author" if graphql else "user"), graphql=graphql))
    submitted = parse_time(review.get("submittedAt") or review.get("submitted_at"))
    # GraphQL's fullDatabaseId (a BigInt sent as a string) is REST's review id.
    review_id = review.get("fullDatabaseId") or review.get("databaseId") or review.get("id")
    if actor is None or submitted is None or review_id is None:
        return  # pending reviews have no submission time
    batch.activities.append(
        Activity(
            key=f"review:{repo}:{review_id}",
            repo=repo,
            kind=ActivityKind.REVIEW,
            actor=actor,
            occurred_at=submitted,
            counterpart=author,
            item=f"{repo}#{number}",
            title=title,
            url=review.get("url") or review.get("html_url") or "",
            state=(review.get("state") or "").lower(),
            pr_number=number,
        )
    )


def parse_commit(item: dict, repo: str, batch: Batch) -> None:
    """An item of ``/commits``: the API's author login links a git identity to an account.

    ``author`` may be null or ``{}`` when the email is not linked to an account; the
    git author in ``commit.author`` is always there.
    """
    git = (item.get("commit") or {}).get("author") or {}
    account = parse_user(item.get("author"))
    if account is not None and account.type == DELETED.type:
        # The git identity is still the person's own: never linked to the placeholder,
        # which would make one person of everyone whose account is gone.
        account = None
    if account is not None:
        batch.who(account)
    ident = Identity(
        IdentitySource.GIT,
        name=git.get("name") or "",
        email=git.get("email") or "",
        login=account.login if account is not None else None,
        github_id=account.github_id if account is not None else None,
    )
    actor = batch.who(ident)
    message = (item.get("commit") or {}).get("message") or ""
    parents = item.get("parents") or []
    kind = ActivityKind.MERGE_COMMIT if len(parents) > 1 else ActivityKind.COMMIT
    sha = item["sha"]
    batch.activities.append(
        Activity(
            key=f"{kind}:{repo}:{sha}",
            repo=repo,
            kind=kind,
            actor=actor,
            occurred_at=parse_time(git.get("date")) or datetime.fromtimestamp(0, UTC),
            item=sha,
            title=message.split("\n", 1)[0],
            url=item.get("html_url") or "",
        )
    )


# --- the source -------------------------------------------------------------------------


@dataclass
class RepoResult:
    repo: str
    items: int = 0
    skipped: bool = False  # unchanged since the last sync (free 304s)
    error: str | None = None


def check_name(target: str) -> None:
    """Raise GitHubError unless ``target`` is ORG or OWNER/REPO as GitHub allows them."""
    if not _NAME.match(target):
        raise GitHubError(f"{target!r} is not an organisation or OWNER/REPO name")


def _repo_record(data: dict) -> Repo:
    return Repo(
        data["full_name"],
        Origin.GITHUB,
        description=data.get("description") or "",
        url=data.get("html_url") or "",
        default_branch=data.get("default_branch") or "",
        is_fork=bool(data.get("fork")),
        is_archived=bool(data.get("archived")),
    )


_LISTED = (
    "full_name",
    "fork",
    "archived",
    "pushed_at",
    "description",
    "html_url",
    "default_branch",
)


def listing_scope(target: str) -> str:
    """Where the listing of ``target`` is marked: the repository, or ``org:NAME``."""
    return target if "/" in target else f"org:{target}"


def fetch_repositories(
    client: GitHubClient,
    target: str,
    stored: tuple[str | None, str | None] = (None, None),
    *,
    full: bool = False,
) -> tuple[list[dict], Mark | None]:
    """The repositories a target names: every repository of an org, or one repository;
    and the mark that keeps this listing (None when the stored one still stands).

    The listing is asked for with the ETag of the ``stored`` one (its ``listing`` mark:
    the listing as JSON, and its ETag): unchanged, it costs nothing and the stored copy
    is used. Sorted by last push, so any push changes its first page.
    """
    check_name(target)
    cached, etag = stored
    if "/" in target:
        url, params = f"/repos/{target}", None
    else:
        url, params = (
            f"/orgs/{target}/repos",
            {"type": "all", "sort": "pushed", "per_page": PER_PAGE},
        )
    first = client.request(url, params, etag=None if full or not cached else etag)
    if first.status == 304 and cached:
        return json.loads(cached), None
    items = list(first.body) if isinstance(first.body, list) else [first.body]
    following = first.next_url()
    while following:
        page = client.request(following)
        items.extend(page.body or [])
        following = page.next_url()
    listing = [{k: item.get(k) for k in _LISTED} for item in items]
    return listing, Mark(listing_scope(target), "listing", json.dumps(listing), first.etag)


class GitHubSource:
    """Every repository the targets (organisations, OWNER/REPO) name, read through
    ``client``: listings, the organisations' public members, then each repository's
    conversation (issues, pull requests, comments, reviews), commits and head owners.

    Each page is a batch; a repository's marks (its probe ETag, the ``issues`` and
    ``commits`` watermarks, the ``pushed`` time of the listing) come in its last batch,
    after everything they cover. ``read`` raises BadCredentials, NotFound (an unknown
    target) and ResumeLater; another failure of a repository is a :class:`Failure`
    (and in ``client.stats.failures``) and the others go on. :attr:`results` holds a
    :class:`RepoResult` per repository, ``client.stats`` what it cost. Profiles are a
    source of their own (:class:`GitHubProfileSource`), read after this one.
    """

    name = "github"

    def __init__(
        self,
        client: GitHubClient,
        targets: list[str],
        *,
        since: datetime | None = None,
        full: bool = False,
        include_forks: bool = False,
        include_archived: bool = False,
        members_refresh: timedelta = MEMBERS_REFRESH,
    ):
        self.client = client
        self.targets = list(targets)
        self.since = since
        self.full = full
        self.include_forks = include_forks
        self.include_archived = include_archived
        self.members_refresh = members_refresh
        self.results: list[RepoResult] = []

    def read(self, state: SourceState) -> Iterator[Item]:
        self.results = []
        repos: list[dict] = []
        for target in self.targets:
            stored = state.mark(listing_scope(target), "listing")
            try:
                listing, mark = fetch_repositories(self.client, target, stored, full=self.full)
            except NotFound:
                kind = "repository" if "/" in target else "organisation"
                raise NotFound(
                    f"{kind} {target!r} not found, or this token cannot see it"
                ) from None
            if mark is not None:
                yield Batch(marks=[mark])
            repos.extend(
                r
                for r in listing
                if (self.include_forks or not r.get("fork"))
                and (self.include_archived or not r.get("archived"))
            )
        yield Batch(repos=[_repo_record(r) for r in repos])
        for target in self.targets:
            if "/" not in target:
                members = self._org_members(target, state)
                if members is not None:
                    yield members
        # One look-up per team and run, however many repositories name it.
        teams: dict[str, list[str] | None] = {}
        for index, data in enumerate(repos):
            repo = data["full_name"]
            yield Progress(repo, index, len(repos))
            try:
                yield from self._repository(data, state, teams)
            except (BadCredentials, ResumeLater):
                raise
            except GitHubError as exc:  # RepoFailed among them
                self.client.stats.failures[repo] = str(exc)
                self.results.append(RepoResult(repo, error=str(exc)))
                yield Failure(repo, str(exc))

    def _org_members(self, org: str, state: SourceState) -> Batch | None:
        """``org``'s public members, fetched again once ``members_refresh`` old (or with
        ``full``); None when the stored list is fresh enough, or ``org`` is a user
        account. A mined organisation's members are its own people (see
        :mod:`talent.people.affiliation`)."""
        key = f"org_members_fetched_at:{org.lower()}"
        now = datetime.now(UTC)
        last = state.meta(key)
        if not self.full and last and now - datetime.fromisoformat(last) < self.members_refresh:
            return None
        try:
            members = list(fetch_org_members(self.client, org))
        except NotFound:
            return None  # a user account, not an organisation: nobody to list
        return Batch(org_members={org: members}, meta={key: now.isoformat()})

    def _repository(
        self, data: dict, state: SourceState, teams: dict[str, list[str] | None]
    ) -> Iterator[Item]:
        """One repository brought up to date: its rows, then its marks."""
        repo = data["full_name"]
        result = RepoResult(repo)
        stored = {res: state.mark(repo, res) for res in ("probe", "issues", "commits", "pushed")}
        # A 304 on the probe means no issue, pull request, comment or review changed, at no
        # rate-limit cost; commits change only when the listing's pushed_at moves.
        probe = self.client.request(
            f"/repos/{repo}/issues",
            {"state": "all", "sort": "updated", "direction": "desc", "per_page": 1},
            etag=None if self.full else stored["probe"][1],
        )
        issues_changed = probe.status != 304
        commits_changed = self.full or data.get("pushed_at") != stored["pushed"][0]
        if not issues_changed and not commits_changed:
            result.skipped = True
            self.results.append(result)
            return

        last = Batch(scope=repo)
        marks: list[tuple[str, str | None, str | None]] = []
        failed = None
        if issues_changed:
            start = _start(stored["issues"][0], self.since, self.full)
            try:
                newest = yield from self._conversation(repo, start, state, result)
            except (BadCredentials, ResumeLater):
                raise
            except GitHubError as exc:
                # The conversation's rows so far stay, without its marks (read again next
                # run); the commits are read all the same.
                failed = str(exc)
            else:
                marks += [("issues", newest, None), ("probe", None, probe.etag)]
        if commits_changed:
            start = _start(stored["commits"][0], self.since, self.full)
            newest = yield from self._commits(repo, start, result)
            # Owner files change only with a push: read again exactly when the commits are.
            owners = self._head_owners(data, state, teams)
            if owners is not None:
                last.named_owners[repo], last.owner_pairings[repo] = owners
            marks += [("commits", newest, None), ("pushed", data.get("pushed_at"), None)]
        # Last, and only now: what the rows above cover.
        for resource, watermark, etag in marks:
            old_watermark, old_etag = stored[resource]
            last.marks.append(Mark(repo, resource, watermark or old_watermark, etag or old_etag))
        yield last
        self.client.stats.items += result.items
        if failed is not None:
            self.client.stats.failures[repo] = failed
            result.error = failed
            yield Failure(repo, failed)
        self.results.append(result)

    def _conversation(
        self, repo: str, start: datetime | None, state: SourceState, result: RepoResult
    ) -> Generator[Batch, None, str | None]:
        """Issues and pull requests, their comments, review comments, and (GraphQL) the
        pull requests' reviews, merges and sizes: everything updated since ``start``.
        Returns the newest update time seen (the ``issues`` watermark)."""
        base = f"/repos/{repo}"
        window = {"sort": "updated", "direction": "asc", "per_page": PER_PAGE}
        if start is not None:
            window["since"] = _iso(start)
        newest: datetime | None = None
        pulls_changed = False
        numbers: dict[int, int] = {}  # issue id -> number, for older comments' issue_url
        for page in self.client.pages(f"{base}/issues", {"state": "all", **window}):
            batch = Batch(scope=repo)
            for item in page:
                parse_issue(item, repo, batch)
                if item.get("id") is not None:
                    numbers[int(item["id"])] = int(item["number"])
                pulls_changed = pulls_changed or is_pull_request(item)
                updated = parse_time(item.get("updated_at"))
                newest = max(filter(None, [newest, updated]), default=None)
            result.items += len(batch)
            yield batch
        # Read after the issue pages above are saved: comments on items opened since the
        # last run find their authors too.
        authors = state.item_authors(repo)
        for page in self.client.pages(f"{base}/issues/comments", window):
            batch = Batch(scope=repo)
            for comment in page:
                parse_issue_comment(comment, repo, authors, batch, numbers)
            result.items += len(batch)
            yield batch
        if pulls_changed:
            # Review comments and reviews bump their pull request's updated_at: with no pull
            # request updated there is nothing new to read.
            for page in self.client.pages(f"{base}/pulls/comments", window):
                batch = Batch(scope=repo)
                for comment in page:
                    parse_review_comment(comment, repo, authors, batch)
                result.items += len(batch)
                yield batch
            yield from self._pull_requests(repo, start, result)
        return newest.isoformat() if newest else None

    def _pull_requests(
        self, repo: str, start: datetime | None, result: RepoResult
    ) -> Iterator[Batch]:
        owner, name = repo.split("/", 1)
        cursor = None
        while True:
            data = self.client.graphql(
                PULL_REQUESTS_QUERY,
                {"owner": owner, "name": name, "cursor": cursor, "first": PER_PAGE},
                "TalentPullRequests",
            )
            connection = ((data.get("repository") or {}).get("pullRequests")) or {}
            batch = Batch(scope=repo)
            done = False
            for node in connection.get("nodes") or []:
                updated = parse_time(node.get("updatedAt"))
                if start is not None and updated is not None and updated < start:
                    done = True  # newest-updated first: the rest were read before
                    break
                parse_pull_request(node, repo, batch)
                reviews = node.get("reviews") or {}
                if (reviews.get("totalCount") or 0) > len(reviews.get("nodes") or []):
                    self._all_reviews(repo, node, batch)
            result.items += len(batch)
            yield batch
            info = connection.get("pageInfo") or {}
            if done or not info.get("hasNextPage"):
                return
            cursor = info.get("endCursor")

    def _all_reviews(self, repo: str, node: dict, batch: Batch) -> None:
        """REST fallback for a pull request with more reviews than one GraphQL page holds."""
        number = node["number"]
        author = batch.who(parse_actor(node.get("author")))
        pages = self.client.pages(f"/repos/{repo}/pulls/{number}/reviews", {"per_page": PER_PAGE})
        for page in pages:
            for review in page:
                parse_review(review, repo, number, author, node.get("title") or "", batch)

    def _commits(
        self, repo: str, start: datetime | None, result: RepoResult
    ) -> Generator[Batch, None, str | None]:
        """The commits since ``start``; returns the newest commit time (the ``commits``
        watermark). An empty repository (409) has none."""
        params: dict = {"per_page": PER_PAGE}
        if start is not None:
            params["since"] = _iso(start)
        newest: datetime | None = None
        try:
            for page in self.client.pages(f"/repos/{repo}/commits", params):
                batch = Batch(scope=repo)
                for item in page:
                    parse_commit(item, repo, batch)
                    committed = parse_time(
                        ((item.get("commit") or {}).get("committer") or {}).get("date")
                    )
                    newest = max(filter(None, [newest, committed]), default=None)
                result.items += len(batch)
                yield batch
        except GitHubError as exc:
            if "409" not in str(exc):
                raise
        return newest.isoformat() if newest else None

    def _head_owners(
        self, data: dict, state: SourceState, teams: dict[str, list[str] | None]
    ) -> tuple[list[dict], list[dict]] | None:
        """Who the owner files at the head of a listed repository name, with teams
        expanded where the token may list their members (``teams`` caches those look-ups
        across repositories), and the names they write beside logins, as the store's
        rows. None when ``talent mine git`` already
        stored this repository's owners: its history-based intervals are richer than one
        head version, and are left as they are."""
        repo = data["full_name"]
        if state.mark(repo, GIT_OWNERS_RESOURCE)[0]:
            return None
        branch = data.get("default_branch") or "HEAD"
        # The API gives no commit time for the head's files without one more request: the
        # listing's pushed_at (the last push, so the latest the head can be) stands in for
        # it, and the fetch time when GitHub did not send one.
        when = parse_time(data.get("pushed_at")) or datetime.now(UTC)
        versions = [
            OwnerFileVersion("", when, path, text)
            for path, text in fetch_head_owner_files(self.client, repo, branch)
        ]
        owners = owner_intervals(((v.committed_at, v.path, v.text) for v in versions), repo=repo)
        for team in sorted({o.owner for o in owners if o.kind is OwnerKind.TEAM}):
            if team.lower() not in teams:
                teams[team.lower()] = fetch_team_members(self.client, team)
        members = {team: logins for team, logins in teams.items() if logins}
        pairings = owner_pairings((v.committed_at, v.path, v.text) for v in versions)
        return named_owner_rows(expand_teams(owners, members), versions), pairings


def _start(watermark: str | None, since: datetime | None, full: bool) -> datetime | None:
    """Where a resource's list starts: a little before its watermark, and never before
    ``since``."""
    mark = None if full or not watermark else datetime.fromisoformat(watermark) - OVERLAP
    return max(filter(None, [mark, since]), default=None)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch_head_owner_files(
    client: GitHubClient, repo: str, branch: str
) -> Iterator[tuple[str, str]]:
    """``(path, text)`` of every owner file at the head of ``branch``: the tree listed
    once (``GET /repos/{repo}/git/trees/{branch}?recursive=1``), then one
    ``GET /repos/{repo}/git/blobs/{sha}`` per owner file. An empty repository (409) or
    a missing branch (404) has none; a blob that is not text is left out."""
    client.stats.owner_requests += 1
    try:
        tree = client.request(f"/repos/{repo}/git/trees/{branch}", {"recursive": "1"}).body
    except GitHubError as exc:
        if isinstance(exc, NotFound) or exc.status == 409:
            return
        raise
    entries = tree.get("tree") if isinstance(tree, dict) else None
    for entry in sorted(entries or [], key=lambda e: str(e.get("path", ""))):
        path = str(entry.get("path") or "")
        if entry.get("type") != "blob" or not entry.get("sha") or owner_file_kind(path) is None:
            continue
        client.stats.owner_requests += 1
        blob = client.request(f"/repos/{repo}/git/blobs/{entry['sha']}").body
        if not isinstance(blob, dict) or blob.get("encoding") != "base64":
            continue
        try:
            text = base64.b64decode(str(blob.get("content") or "")).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        yield path, text


def fetch_team_members(client: GitHubClient, team: str) -> list[str] | None:
    """The logins of ``team`` ("org/slug", ``GET /orgs/{org}/teams/{slug}/members``, 100
    a page), or None when the token may not list them (403, or GitHub's 404 for a
    secret team or one the token cannot see)."""
    org, slug = team.split("/", 1)
    logins: list[str] = []
    try:
        for page in client.pages(f"/orgs/{org}/teams/{slug}/members", {"per_page": PER_PAGE}):
            client.stats.owner_requests += 1
            logins += [u["login"] for u in page if isinstance(u, dict) and u.get("login")]
    except GitHubError as exc:
        if isinstance(exc, NotFound) or exc.status == 403:
            client.stats.owner_requests += 1
            return None
        raise
    return logins


def fetch_org_members(client: GitHubClient, org: str) -> Iterator[dict]:
    """The public members of ``org`` (``GET /orgs/{org}/public_members``, 100 a page):
    one ``{"github_id", "login"}`` per member who shows the membership."""
    check_name(org)
    for page in client.pages(f"/orgs/{org}/public_members", {"per_page": PER_PAGE}):
        for user in page:
            if isinstance(user, dict) and user.get("id") is not None and user.get("login"):
                yield {"github_id": int(user["id"]), "login": str(user["login"])}


class GitHubProfileSource:
    """``GET /users/{login}`` for ``accounts`` ((github_id, login): the GitHub accounts
    with no profile or a stale one, bots left out), at most ``budget`` requests, lowest
    id first; one batch of profiles, and each account's display name on its identity.
    An account GitHub no longer knows (404: renamed or deleted) is kept as an empty
    profile with its date, so it is not asked again before the refresh period."""

    name = "github-profiles"

    def __init__(self, client: GitHubClient, accounts: Iterable[tuple[int, str]], *, budget: int):
        self.client = client
        self.accounts = sorted(accounts)
        self.budget = budget

    def read(self, state: SourceState) -> Iterator[Batch]:
        batch = Batch()
        for github_id, login in self.accounts[: max(self.budget, 0)]:
            self.client.stats.profile_requests += 1
            try:
                user = self.client.request(f"/users/{login}").body
            except NotFound:
                user = {}  # renamed or deleted: nothing to show, and not asked every run
            batch.profiles.append(
                {
                    "github_id": github_id,
                    "login": login,
                    "name": user.get("name"),
                    "company": user.get("company"),
                    "location": user.get("location"),
                    "blog": user.get("blog"),
                    "followers": user.get("followers"),
                    "fetched_at": datetime.now(UTC).replace(tzinfo=None),
                }
            )
            if user.get("name"):
                batch.who(
                    Identity(
                        IdentitySource.GITHUB,
                        name=user["name"],
                        login=login,
                        github_id=github_id,
                        type=user.get("type") or "",
                    )
                )
        if batch.profiles:
            yield batch
