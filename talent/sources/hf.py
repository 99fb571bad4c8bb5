"""The Hugging Face Hub: an organisation's models, datasets and Spaces, the commits,
discussions and pull requests on them, the community's derivative models, and the
organisation's members.

Requests go through ``huggingface_hub``'s HTTP session (``get_session``), headers
(``build_hf_headers``: the token, the library's user agent) and error mapping
(``hf_raise_for_status``), to the routes ``HfApi`` itself uses, read page by page here
so that every request is counted, every rate-limit wait is visible and bounded
(``max_wait``), and a run stops cleanly between pages. (``HfApi``'s own list calls
retry a 429 silently, for as long as the Hub says, and its discussion pages not at
all.)

What becomes which act (the kinds of :class:`talent.model.ActivityKind`, so the
activity measure's weights apply as on GitHub):

==========================================  =================================================
Hub                                          act
==========================================  =================================================
commit on the main branch                    ``commit`` (other authors: ``co_authored``)
discussion opened / pull request opened      ``issue_opened`` / ``pr_opened``
comment (not the opening post, not hidden)   ``issue_comment``, towards the opener
pull request merged                          ``pr_merged`` (opener), ``pr_merged_by`` (merger)
closed by someone else                       ``issue_closed_by``, towards the opener
a model with ``base_model`` on the org's     ``derivative`` by its author, on the base model's
model (fine-tune, quantized, adapter, merge) repository: relation, all-time downloads
==========================================  =================================================

Repositories are named ``hf.co/OWNER/NAME`` (models), ``hf.co/datasets/OWNER/NAME`` and
``hf.co/spaces/OWNER/NAME``, as their pages are, so they never collide with GitHub's.

Incremental: a repository's commits are read again only when its ``sha`` in the listing
moved (newest first, down to the last one read); a discussion's details only when its
status, title or number of comments changed; listings (repositories, discussion pages,
derivatives, members) are read every run, and are all an unchanged re-sync costs.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeGuard
from urllib.parse import urljoin

from talent.model import (
    HUB_DELETED_LOGIN,
    Activity,
    ActivityKind,
    Identity,
    IdentitySource,
    Origin,
    Repo,
    deleted_account,
)
from talent.sources.base import Batch, Failure, Item, Mark, Progress, SourceState

__all__ = [
    "DEFAULT_ENDPOINT",
    "REPO_TYPES",
    "HubError",
    "BadCredentials",
    "NotFound",
    "ResumeLater",
    "HubStats",
    "HubClient",
    "HubSource",
    "hub_repo_name",
    "check_target",
]

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_TYPES = ("model", "dataset", "space")
_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
# What an organisation listing asks for (``expand`` replaces the default fields).
_LISTED = ("author", "sha", "lastModified", "createdAt", "likes", "private", "tags")
_EXPAND = {  # Spaces have no downloads and are never gated (ExpandSpaceProperty_T)
    "model": (*_LISTED, "gated", "downloads", "downloadsAllTime"),
    "dataset": (*_LISTED, "gated", "downloads", "downloadsAllTime"),
    "space": _LISTED,
}
_DERIVED = ("author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes",
            "tags")  # fmt: skip
RELATIONS = ("finetune", "quantized", "adapter", "merge")
# Commits asked for a page (the Hub's page is 50 when no ``limit`` is given; its next link
# names the size asked for, and is relative: followed with urljoin).
COMMITS_PER_PAGE = 100
# Details are saved this many discussions at a time, each batch with its marks.
DETAILS_PER_BATCH = 50
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")
_NOT_PEOPLE = {"system", "huggingface", ""}  # the Hub's own commits: nobody's act
DELETED = deleted_account(IdentitySource.HF)
# What the Hub says with a 401 when the token itself was refused; any other 401 on a
# repository's route is the Hub's answer for a repository it will not show (missing, or
# private to this caller), with no ``X-Error-Code`` (hf_raise_for_status maps it only
# over https).
INVALID_TOKEN = "Invalid credentials in Authorization header"


class HubError(Exception):
    """A Hub request that failed for good (message: one line)."""


class BadCredentials(HubError):
    """The token was refused: nothing more can be read."""


class NotFound(HubError):
    """No such organisation, user or repository (or it is private to this token)."""


class ResumeLater(HubError):
    """The rate limit needs a longer wait than allowed; run again later."""


class _Gated(HubError):
    """A gated repository whose files this token has not been granted."""


def check_target(target: str) -> None:
    """Raise HubError unless ``target`` is ORG/USER or OWNER/REPO as the Hub allows."""
    if not _NAME.match(target):
        raise HubError(f"{target!r} is not an organisation, user or OWNER/REPO name")


def hub_repo_name(repo_type: str, repo_id: str) -> str:
    """The store's name of a Hub repository: ``hf.co/`` and its page's path.

    >>> hub_repo_name("model", "acme/m1"), hub_repo_name("space", "acme/demo")
    ('hf.co/acme/m1', 'hf.co/spaces/acme/demo')
    """
    return f"hf.co/{_PREFIX[repo_type]}{repo_id}"


def parse_time(value: str | None) -> datetime | None:
    """The Hub's ISO 8601 times (``2024-05-01T10:00:00.000Z``) as aware UTC datetimes."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hub_identity(user: dict | str | None) -> Identity | None:
    """An account from an ``author`` object or a username: :data:`DELETED` for a deleted
    account ("deleted"), None for the Hub's ``system`` author or nothing.

    >>> hub_identity("deleted").type, hub_identity("system"), hub_identity("ada").key
    ('Deleted', None, 'hf:@ada')
    """
    if isinstance(user, dict):
        login = user.get("name") or user.get("user") or ""
        fullname = user.get("fullname") or ""
        kind = "Organization" if user.get("type") == "org" else "User"
    else:
        login, fullname, kind = user or "", "", "User"
    if login.lower() == HUB_DELETED_LOGIN:
        return DELETED
    if login.lower() in _NOT_PEOPLE:
        return None
    return Identity(IdentitySource.HF, name=fullname, login=login, type=kind)


def hub_author(user: dict | str | None) -> Identity | None:
    """Who opened a discussion or wrote a comment: a missing ``author`` is a deleted
    account's item (the Hub drops the key), kept as :data:`DELETED`.

    >>> hub_author(None).key, hub_author({"name": "ada"}).key
    ('hf:@deleted', 'hf:@ada')
    """
    return DELETED if not user else hub_identity(user)


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class HubStats:
    """Requests made, by route kind (``listing``, ``commits``, ``discussions``,
    ``details``, ``derivatives``, ``members``, ``info``), and seconds waited."""

    requests: Counter = field(default_factory=Counter)
    waited: float = 0.0
    retries: int = 0

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def _seconds_to_reset(headers) -> float | None:
    from huggingface_hub.utils import parse_ratelimit_headers

    info = parse_ratelimit_headers(headers)
    if info is not None:
        return float(info.reset_in_seconds)
    retry_after = headers.get("Retry-After")
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    return None


class HubClient:
    """GETs to the Hub with the token, counted, retried within a bounded wait.

    A 429 waits for the window the ``RateLimit`` (or ``Retry-After``) header names, plus
    one second; 5xx and dropped connections wait 1, 2, 4 s (3 tries). Waits are told to
    ``on_wait(seconds, reason)`` before they start; a wait longer than ``max_wait``
    seconds raises :class:`ResumeLater` instead (everything saved so far stays).
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        token: str | None = None,
        *,
        max_wait: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[float, str], None] | None = None,
        timeout: float = 30.0,
    ) -> None:
        from huggingface_hub.utils import build_hf_headers

        self.endpoint = endpoint.rstrip("/")
        self.token_sent = bool(token)
        # token=False: never a token cached on disk by another tool, only the one given.
        self._headers = build_hf_headers(
            token=token or False, library_name="talent", library_version="1"
        )
        self.max_wait = max_wait
        self.stats = HubStats()
        self._sleep = sleep
        self._on_wait = on_wait
        self._timeout = timeout

    def _wait(self, seconds: float, reason: str) -> None:
        if seconds > self.max_wait:
            raise ResumeLater(
                f"{reason}: the Hub asks for a {seconds:.0f} s wait, longer than --max-wait "
                f"({self.max_wait:.0f} s); run the same command again later, it resumes "
                "where it stopped"
            )
        if self._on_wait is not None:
            self._on_wait(seconds, reason)
        self.stats.waited += seconds
        self.stats.retries += 1
        self._sleep(seconds)

    def get(self, path: str, params=None, *, kind: str = "listing"):
        """One GET of ``path`` (absolute URL or path under the endpoint); the response."""
        import httpx2
        from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
        from huggingface_hub.utils import get_session, hf_raise_for_status

        url = path if path.startswith("http") else f"{self.endpoint}{path}"
        failures = 0
        while True:
            self.stats.requests[kind] += 1
            try:
                response = get_session().get(
                    url, params=params, headers=self._headers, timeout=self._timeout
                )
            except httpx2.TransportError as exc:
                failures += 1
                if failures > 3:
                    raise HubError(f"the Hub did not answer ({type(exc).__name__})") from None
                self._wait(2.0 ** (failures - 1), "no answer from the Hub")
                continue
            status = response.status_code
            if status == 429:
                reset = _seconds_to_reset(response.headers)
                self._wait((reset if reset is not None else 60.0) + 1.0, "rate limited")
                continue
            if status >= 500 and failures < 3:
                failures += 1
                self._wait(2.0 ** (failures - 1), f"the Hub answered {status}")
                continue
            try:
                hf_raise_for_status(response)
            except GatedRepoError:
                raise _Gated("gated: this token has not been granted access") from None
            except RepositoryNotFoundError:
                raise NotFound(self.not_found_text()) from None
            except HfHubHTTPError as exc:
                if status == 401:
                    raise self._unauthorized(response) from None
                if status == 404:
                    raise NotFound(self.not_found_text()) from None
                raise HubError(f"the Hub answered {status}: {str(exc).splitlines()[0]}") from None
            return response

    def _unauthorized(self, response) -> HubError:
        """What a 401 means: the token refused (the Hub says so, and one was sent), else
        a repository the Hub will not show this caller (missing, or private)."""
        said = response.headers.get("X-Error-Message") or ""
        if not said:
            try:
                said = str((response.json() or {}).get("error") or "")
            except (ValueError, AttributeError):
                said = ""
        if self.token_sent and said.strip().rstrip(".") == INVALID_TOKEN:
            return BadCredentials(
                "the Hub refused the token (401): set HF_TOKEN to a valid token, "
                "or unset it to read public data"
            )
        return NotFound(self.not_found_text())

    def not_found_text(self) -> str:
        """How to say that the Hub would not show something, given the token sent."""
        if self.token_sent:
            return "not found, or private to this token"
        return "not found, or private (no token was sent: set HF_TOKEN to read private ones)"

    def pages(self, path: str, params=None, *, kind: str = "listing") -> Iterator[list]:
        """The pages of a list endpoint, following ``Link: <...>; rel="next"``."""
        response = self.get(path, params, kind=kind)
        while True:
            body = response.json()
            yield body if isinstance(body, list) else []
            following = response.links.get("next", {}).get("url")
            if not following:
                return
            response = self.get(urljoin(str(response.url), following), kind=kind)

    def discussion_pages(self, path: str) -> Iterator[list[dict]]:
        """A repository's discussions, page ``p=0, 1, ...`` while ``start + len < count``
        (the Hub pages discussions by number, not by ``Link``)."""
        page = 0
        while True:
            body = self.get(path, {"p": page}, kind="listing").json()
            items = body.get("discussions") or []
            yield items
            if not items or body.get("start", 0) + len(items) >= body.get("count", 0):
                return
            page += 1


# --- the source -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Listed:
    repo_type: str
    data: dict

    @property
    def repo_id(self) -> str:
        return self.data["id"]

    @property
    def name(self) -> str:
        return hub_repo_name(self.repo_type, self.repo_id)


class HubSource:
    """An organisation's (or user's, or one repository's) Hub activity, since the last
    run. ``targets`` are ORG/USER names or OWNER/REPO ids (of ``repo_types``'s first
    type); ``since`` leaves out acts before it; ``full`` reads everything again."""

    name = "hf"

    def __init__(
        self,
        client: HubClient,
        targets: list[str],
        *,
        repo_types: tuple[str, ...] = REPO_TYPES,
        since: datetime | None = None,
        full: bool = False,
        derivatives: bool = True,
    ) -> None:
        for target in targets:
            check_target(target)
        self.client = client
        self.targets = targets
        self.repo_types = repo_types
        self.since = since
        self.full = full
        self.derivatives = derivatives
        self.web = client.endpoint

    # -- listing --

    def _list(self, target: str) -> list[_Listed]:
        if "/" in target:
            repo_type = self.repo_types[0]
            try:
                info = self.client.get(
                    f"/api/{repo_type}s/{target}",
                    {"expand[]": list(_EXPAND[repo_type])},
                    kind="listing",
                ).json()
            except NotFound as exc:
                raise NotFound(f"{repo_type} {target!r} on the Hub: {exc}") from None
            return [_Listed(repo_type, info)]
        found: list[_Listed] = []
        for repo_type in self.repo_types:
            params = [("author", target), *(("expand[]", f) for f in _EXPAND[repo_type])]
            for page in self.client.pages(f"/api/{repo_type}s", params, kind="listing"):
                found.extend(_Listed(repo_type, item) for item in page if item.get("id"))
        return found

    def _members(self, org: str, state: SourceState) -> Batch | None:
        try:
            keys = []
            batch = Batch(scope=f"hf:{org}")
            for page in self.client.pages(f"/api/organizations/{org}/members", kind="members"):
                for user in page:
                    key = batch.who(hub_identity(user))
                    if key:
                        keys.append(key)
        except NotFound:
            return None  # a user, not an organisation
        batch.account_members[f"hf:{org.lower()}"] = keys
        known = (state.meta("company_orgs") or "").split()
        if org not in known:
            batch.meta["company_orgs"] = " ".join([*known, org])
        return batch

    def read(self, state: SourceState) -> Iterator[Item]:
        listed: list[_Listed] = []
        for target in self.targets:
            try:
                found = self._list(target)
            except NotFound as exc:
                if "/" in target:
                    raise
                raise NotFound(
                    f"organisation or user {target!r} not found on the Hub ({exc})"
                ) from None
            if not found and "/" not in target:
                raise NotFound(f"{target!r} has no public models, datasets or Spaces on the Hub")
            listed.extend(found)
            if "/" not in target:
                members = self._members(target, state)
                if members is not None:
                    yield members
        yield Batch(scope="", repos=[self._repo(item) for item in listed])
        for index, item in enumerate(listed):
            yield Progress(item.name, index, len(listed))
            try:
                yield from self._repository(item, state)
            except (BadCredentials, ResumeLater):
                raise
            except HubError as exc:
                yield Failure(item.name, f"{item.repo_type} {item.repo_id}: {exc}")
        yield Progress("", len(listed), len(listed))

    def _repo(self, item: _Listed) -> Repo:
        return Repo(
            item.name,
            Origin.HF,
            description=f"Hugging Face {item.repo_type}",
            url=self._page(item),
            default_branch="main",
        )

    def _page(self, item: _Listed) -> str:
        return f"{self.web}/{_PREFIX[item.repo_type]}{item.repo_id}"

    def _keep(self, moment: datetime | None) -> TypeGuard[datetime]:
        return moment is not None and (self.since is None or moment >= self.since)

    # -- one repository --

    def _repository(self, item: _Listed, state: SourceState) -> Iterator[Batch]:
        yield from self._commits(item, state)
        yield from self._discussions(item, state)
        if self.derivatives and item.repo_type == "model":
            yield self._derivatives(item)

    def _commits(self, item: _Listed, state: SourceState) -> Iterator[Batch]:
        sha = item.data.get("sha")
        done, _ = state.mark(item.name, "commits")
        if sha and sha == done and not self.full:
            return
        base = f"/api/{item.repo_type}s/{item.repo_id}/commits/main"
        try:
            for page in self.client.pages(base, {"limit": COMMITS_PER_PAGE}, kind="commits"):
                batch = Batch(scope=item.name)
                reached = False
                for commit in page:
                    if done and commit.get("id") == done and not self.full:
                        reached = True
                        break
                    self._commit(item, commit, batch)
                yield batch
                if reached:
                    break
        except _Gated:
            # A gated repository's discussions stay readable; its commits wait for access.
            return
        yield Batch(scope=item.name, marks=[Mark(item.name, "commits", sha)])

    def _commit(self, item: _Listed, commit: dict, batch: Batch) -> None:
        when = parse_time(commit.get("date"))
        if not self._keep(when):
            return
        authors = [hub_identity(a.get("user")) for a in commit.get("authors") or []]
        keys = [batch.who(a) for a in authors if a is not None]
        if not keys:
            return
        cid = commit.get("id") or ""
        url = f"{self._page(item)}/commit/{cid}"
        title = (commit.get("title") or "").strip()[:200]
        batch.activities.append(
            Activity(f"hf:{item.name}@{cid}", item.name, ActivityKind.COMMIT, keys[0], when,
                     item=cid, title=title, url=url)
        )  # fmt: skip
        for other in keys[1:]:
            batch.activities.append(
                Activity(f"hf:{item.name}@{cid}:co:{other}", item.name, ActivityKind.CO_AUTHORED,
                         other, when, counterpart=keys[0], item=cid, title=title, url=url)
            )  # fmt: skip

    def _discussions(self, item: _Listed, state: SourceState) -> Iterator[Batch]:
        seen_text, _ = state.mark(item.name, "discussions")
        seen: dict[str, str] = {} if self.full or not seen_text else json.loads(seen_text)
        changed = []
        path = f"/api/{item.repo_type}s/{item.repo_id}/discussions"
        for page in self.client.discussion_pages(path):
            for listed in page:
                fingerprint = "|".join(
                    str(listed.get(k)) for k in ("status", "numComments", "title")
                )
                if seen.get(str(listed.get("num"))) != fingerprint:
                    changed.append((listed, fingerprint))
        for start in range(0, len(changed), DETAILS_PER_BATCH):
            batch = Batch(scope=item.name)
            for listed, fingerprint in changed[start : start + DETAILS_PER_BATCH]:
                number = listed.get("num")
                details = self.client.get(f"{path}/{number}", kind="details").json()
                self._discussion(item, details, batch)
                seen[str(number)] = fingerprint
            batch.marks.append(Mark(item.name, "discussions", json.dumps(seen, sort_keys=True)))
            yield batch

    def _discussion(self, item: _Listed, details: dict, batch: Batch) -> None:
        number = details.get("num")
        ref = f"{item.name}#{number}"
        is_pr = bool(details.get("isPullRequest"))
        url = f"{self._page(item)}/discussions/{number}"
        title = (details.get("title") or "").strip()[:200]
        opener = batch.who(hub_author(details.get("author")))
        opened = parse_time(details.get("createdAt"))
        events = details.get("events") or []
        commits = sum(1 for e in events if e.get("type") == "commit")
        if opener and self._keep(opened):
            kind = ActivityKind.PR_OPENED if is_pr else ActivityKind.ISSUE_OPENED
            batch.activities.append(
                Activity(f"hf:{ref}:opened", item.name, kind, opener, opened, item=ref,
                         title=title, url=url, state=details.get("status") or "",
                         pr_number=number if is_pr else None, size=commits if is_pr else None)
            )  # fmt: skip
        first_comment = True
        for event in events:
            kind_name = event.get("type")
            actor = batch.who(hub_author(event.get("author")))
            when = parse_time(event.get("createdAt"))
            data = event.get("data") or {}
            key = f"hf:{ref}:{event.get('id')}"
            if kind_name == "comment":
                # The first comment is the opening post (the description), not a reply.
                opening = first_comment
                first_comment = False
                if opening or data.get("hidden") or not actor or not self._keep(when):
                    continue
                batch.activities.append(
                    Activity(key, item.name, ActivityKind.ISSUE_COMMENT, actor, when,
                             counterpart=opener, item=ref, title=title, url=url)
                )  # fmt: skip
            elif kind_name == "status-change" and actor and self._keep(when):
                status = data.get("status")
                if status == "merged" and is_pr:
                    if opener:
                        batch.activities.append(
                            Activity(f"{key}:merged", item.name, ActivityKind.PR_MERGED, opener,
                                     when, item=ref, title=title, url=url, pr_number=number)
                        )  # fmt: skip
                    batch.activities.append(
                        Activity(key, item.name, ActivityKind.PR_MERGED_BY, actor, when,
                                 counterpart=opener, item=ref, title=title, url=url,
                                 pr_number=number)
                    )  # fmt: skip
                elif status == "closed" and actor != opener:
                    batch.activities.append(
                        Activity(key, item.name, ActivityKind.ISSUE_CLOSED_BY, actor, when,
                                 counterpart=opener, item=ref, title=title, url=url)
                    )  # fmt: skip

    def _derivatives(self, item: _Listed) -> Batch:
        """Community models whose ``base_model`` is this one: the Hub tags each with
        ``base_model:ID`` and ``base_model:RELATION:ID``."""
        batch = Batch(scope=item.name)
        owner = item.repo_id.split("/", 1)[0].lower()
        params = [("filter", f"base_model:{item.repo_id}"), *(("expand[]", f) for f in _DERIVED)]
        for page in self.client.pages("/api/models", params, kind="derivatives"):
            for model in page:
                model_id = model.get("id") or ""
                author = model.get("author") or model_id.split("/", 1)[0]
                if not model_id or author.lower() == owner:
                    continue  # the organisation's own variants are not the community's
                actor = batch.who(hub_identity(author))
                when = parse_time(model.get("createdAt"))
                if not actor or not self._keep(when):
                    continue
                relation = _relation(model.get("tags") or [], item.repo_id)
                downloads = int(model.get("downloadsAllTime") or model.get("downloads") or 0)
                likes = int(model.get("likes") or 0)
                batch.activities.append(
                    Activity(
                        f"hf:derivative:{model_id}->{item.repo_id}",
                        item.name,
                        ActivityKind.DERIVATIVE,
                        actor,
                        when,
                        item=hub_repo_name("model", model_id),
                        size=downloads,
                        title=f"{model_id} ({relation}; {_count(downloads)} downloads, "
                        f"{_count(likes)} likes)",
                        url=f"{self.web}/{model_id}",
                        state=relation,
                    )
                )
        return batch


def _relation(tags: list[str], base: str) -> str:
    """The relation a derivative's tags name to ``base``; "derivative" if none does.

    >>> _relation(["base_model:a/b", "base_model:quantized:a/b"], "a/b")
    'quantized'
    """
    for relation in RELATIONS:
        if f"base_model:{relation}:{base}" in tags:
            return relation
    return "derivative"


def _count(n: int) -> str:
    """1234 -> "1.2k"; a compact count for titles."""
    if n < 1000:
        return str(n)
    exponent = min(int(math.log10(n)) // 3, 3)
    return f"{n / 1000**exponent:.1f}{'kMB'[exponent - 1]}"
