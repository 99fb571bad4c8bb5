"""A local fake of GitHub's REST and GraphQL API over real HTTP on 127.0.0.1.

``FakeGitHub(world)`` serves a :class:`~fake_github.world.World` on a free port with the
standard library's ``ThreadingHTTPServer``, so PyGithub's whole stack (requests, urllib3
``Retry`` with its ``Retry-After`` sleeps, timeouts, ``Link`` parsing, lazy completion) runs
for real. What it reproduces, and why:

* **Shapes** (``shapes.py``): simple shapes on list endpoints, full shapes on detail
  endpoints, keys omitted exactly as GitHub omits them, URLs built from the server's base.
* **Pagination**: ``per_page`` (default 30, cap 100) and ``page``; a ``Link`` header with
  ``rel`` prev, next, last, first in GitHub's order and format, absent when one page holds
  everything. Like api.github.com, the links of repository lists point at
  ``/repositories/{id}/...`` (``link_style="repos"`` keeps ``/repos/{owner}/{name}/...``).
* **Conditional requests**: a weak ``ETag`` (``W/"<SHA-256 of the body>"``, as
  api.github.com sends them now) on every 200 GET; a matching ``If-None-Match`` (weak or
  strong) answers 304 with an empty body and costs nothing.
* **Rate limits**: a bucket per token and resource (``core``, ``graphql``) with an hour
  window taken from an injectable ``clock`` (epoch seconds, default ``time.time``);
  ``X-RateLimit-Limit/-Remaining/-Used/-Reset/-Resource`` once each; an empty bucket answers
  403 (or ``rate_limit_status=429``) with GitHub's message. ``/rate_limit`` is free.
* **Auth**: ``Authorization: token X`` or ``Bearer X``; anything else is 401. Private
  repositories are 404 to tokens configured without ``{"private": True}``.
* **Faults**: ``server.faults.add(method, path_regex, action, times=1, nth=1, **options)``.
* **Log**: ``server.log`` records every request (never the token value).

Routes under ``/api/v3`` (GitHub Enterprise's form) and also at the root as on
api.github.com (``/repos/...``, ``POST /graphql``), so a client may use either base URL;
repository routes also under ``/repositories/{id}``:
``/orgs/{org}``, ``/orgs/{org}/repos``, ``/orgs/{org}/public_members``,
``/orgs/{org}/teams/{slug}/members``, ``/users/{login}``, ``/rate_limit``,
``/repos/{o}/{r}`` and its ``/issues``, ``/issues/{n}``, ``/issues/comments``,
``/issues/comments/{id}``, ``/pulls``, ``/pulls/{n}``, ``/pulls/{n}/reviews``,
``/pulls/comments``, ``/pulls/comments/{id}``, ``/commits``, ``/commits/{sha}``,
``/stats/contributors``, ``/git/trees/{ref}`` (``?recursive=1``), ``/git/blobs/{sha}``;
``POST /api/graphql`` for the ``TalentPullRequests`` query.
Admin routes for subprocess use (not logged, no auth): ``POST``/``DELETE /_fake/faults``,
``GET /_fake/log``, ``POST /_fake/touch``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .queries import PULL_REQUESTS_OPERATION
from .shapes import Shapes, git_sha, iso
from .world import Issue, Repo, World

API = "/api/v3"
GRAPHQL = "/api/graphql"
DOCS = "https://docs.github.com/rest"

PRIMARY_MESSAGE = "API rate limit exceeded for user ID 1."
PRIMARY_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
SECONDARY_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)

_TRANSPORT = {"slow", "truncated_json", "close_mid_body", "drop"}
_ACTIONS = {"secondary", "primary"} | _TRANSPORT
_VARY = "Accept, Authorization, Cookie, X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With"
_EXPOSE = (
    "ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, "
    "X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, "
    "X-Accepted-OAuth-Scopes, X-Poll-Interval, X-GitHub-Media-Type, X-GitHub-SSO, "
    "X-GitHub-Request-Id, Deprecation, Sunset"
)
_LOGGED_HEADERS = (
    "If-None-Match",
    "If-Modified-Since",
    "User-Agent",
    "Accept",
    "X-GitHub-Api-Version",
)


# --- faults ------------------------------------------------------------------------------


@dataclass
class Fault:
    """One scripted misbehaviour: fires on matching requests ``nth .. nth + times - 1``."""

    method: str
    pattern: re.Pattern[str]
    action: int | str
    times: int = 1
    nth: int = 1
    options: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    @property
    def done(self) -> bool:
        return self.fired >= self.times

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and self.pattern.search(path) is not None


class FaultQueue:
    """Scripted faults, checked in the order they were added.

    ``add(method, path_regex, action, times=1, nth=1, **options)``; ``path_regex`` is
    searched in the canonical path (``/api/v3/repos/{owner}/{name}/...`` even when the
    client followed a ``/repositories/{id}`` link, or ``/api/graphql``); ``method`` may be
    ``"*"``. Actions and their options:

    * ``500``, ``502``, ``503``, ``504``, ``202``, ``404``, ``422`` (any status code):
      that status with a GitHub-style JSON body (``retry_after=`` adds ``Retry-After``).
    * ``"secondary"``: 403 (``status=429`` possible) with the secondary-limit message,
      ``Retry-After`` only when ``retry_after=`` is given.
    * ``"primary"``: 403 (or ``status=429``) with the primary-limit message,
      ``X-RateLimit-Remaining: 0`` and ``X-RateLimit-Reset`` = now + ``reset_in``
      (default 3600 s) or ``reset_at`` (epoch seconds); ``retry_after=`` optional.
    * ``"slow"``: wait ``delay`` seconds (default 5) before answering normally.
    * ``"truncated_json"``: the normal headers and the first half of the body, with a
      matching ``Content-Length`` (the JSON cannot be parsed).
    * ``"close_mid_body"``: the full ``Content-Length``, half the body, then the socket closes.
    * ``"drop"``: close the connection without any response.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        method: str,
        path_regex: str,
        action: int | str,
        times: int = 1,
        nth: int = 1,
        **options: Any,
    ) -> Fault:
        if not isinstance(action, int) and action not in _ACTIONS:
            raise ValueError(
                f"unknown fault action {action!r}; use a status code or one of {sorted(_ACTIONS)}"
            )
        if times < 1 or nth < 1:
            raise ValueError("times and nth start at 1")
        fault = Fault(method.upper(), re.compile(path_regex), action, times, nth, dict(options))
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The fault this request triggers, if any (counts the request as seen)."""
        with self._lock:
            for fault in self._faults:
                if fault.done or not fault.matches(method, path):
                    continue
                fault.seen += 1
                if fault.seen >= fault.nth:
                    fault.fired += 1
                    return fault
            return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.done]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __len__(self) -> int:
        return len(self.pending())


# --- request log -------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One request as the server saw it. ``headers`` keeps a few request headers;
    ``Authorization`` only as its scheme (``"token ***"``), never the token."""

    method: str
    path: str  # as requested, without the query
    canonical: str  # /api/v3/repos/{owner}/{name}/... form
    query: dict[str, str]  # sorted by key
    status: int
    counted: bool  # charged against the rate-limit budget
    resource: str | None  # "core", "graphql" or None
    headers: dict[str, str]
    principal: str | None  # which configured token (by label), never its value
    fault: str | None = None
    operation: str | None = None  # GraphQL operation name
    variables: dict[str, Any] | None = None  # GraphQL variables
    time: float = 0.0

    @property
    def url(self) -> str:
        """Canonical path plus sorted query, handy in assertion messages."""
        return self.canonical + ("?" + urlencode(self.query) if self.query else "")


class RequestLog:
    """A thread-safe, append-only list of :class:`LogEntry`."""

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> LogEntry:
        with self._lock:
            return self._entries[index]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def select(
        self,
        path_regex: str | None = None,
        *,
        method: str | None = None,
        counted_only: bool = False,
        status: int | None = None,
    ) -> list[LogEntry]:
        """Entries whose canonical path matches ``path_regex`` (``re.search``)."""
        pattern = re.compile(path_regex) if path_regex else None
        return [
            e
            for e in self.entries
            if (pattern is None or pattern.search(e.canonical))
            and (method is None or e.method == method.upper())
            and (not counted_only or e.counted)
            and (status is None or e.status == status)
        ]

    def count(
        self,
        path_regex: str | None = None,
        counted_only: bool = False,
        *,
        method: str | None = None,
        status: int | None = None,
    ) -> int:
        """How many requests match (see :meth:`select`)."""
        return len(self.select(path_regex, method=method, counted_only=counted_only, status=status))

    def urls(self) -> list[str]:
        """``"GET /api/v3/...?a=1"`` strings, in order (for assertion messages)."""
        return [f"{e.method} {e.url}" for e in self.entries]


# --- rate limits -------------------------------------------------------------------------


@dataclass
class Bucket:
    limit: int
    used: int = 0
    reset: int = 0  # epoch seconds; 0 = window not started

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


class RateLimiter:
    """Hourly buckets per (token, resource), on an injectable epoch clock."""

    WINDOW = 3600

    def __init__(self, limits: dict[str, int], clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._lock = threading.Lock()

    def bucket(self, token: str, resource: str) -> Bucket:
        with self._lock:
            now = int(self.clock())
            b = self._buckets.get((token, resource))
            if b is None:
                b = self._buckets[(token, resource)] = Bucket(self.limits[token])
            if b.reset == 0 or now >= b.reset:
                b.used, b.reset = 0, now + self.WINDOW
            return b

    def charge(self, token: str, resource: str) -> Bucket:
        b = self.bucket(token, resource)
        with self._lock:
            b.used += 1
        return b


# --- request handling --------------------------------------------------------------------


@dataclass
class _Reply:
    status: int
    payload: Any = None  # JSON-able, or None for an empty body
    headers: list[tuple[str, str]] = field(default_factory=list)
    counted: bool = True
    etag: bool = True  # 200 GETs carry an ETag and honour If-None-Match


@dataclass
class _Ctx:
    method: str
    path: str
    canonical: str
    pairs: list[tuple[str, str]]
    query: dict[str, str]
    headers: Any
    body: bytes
    token: str | None = None
    principal: str | None = None
    resource: str | None = None
    charged: bool = False
    bucket: Bucket | None = None
    operation: str | None = None
    variables: dict[str, Any] | None = None


class _Invalid(Exception):
    """A bad query parameter: answered 422 like GitHub."""


def _error(status: int, message: str, docs: str = DOCS, **extra: Any) -> _Reply:
    return _Reply(
        status, {"message": message, "documentation_url": docs, "status": str(status), **extra}
    )


def _not_found() -> _Reply:
    return _error(404, "Not Found", DOCS)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _since(value: str | None) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Invalid(f"invalid timestamp {value!r}") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _choice(
    query: dict[str, str], key: str, allowed: tuple[str, ...], default: str | None
) -> str | None:
    value = query.get(key)
    if value in (None, ""):
        return default
    if value not in allowed:
        raise _Invalid(f"{key} must be one of {', '.join(allowed)}")
    return value


_OP_NAME = re.compile(r"^\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.M)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, each small answer waits for
    # the client's delayed ACK (about 40 ms), as a real server would not.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "github.com"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the app keeps a log
        pass

    def _dispatch(self) -> None:
        self.server.app._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True


class FakeGitHub:
    """Serve ``world`` on ``http://127.0.0.1:<free port>/api/v3``.

    Parameters
    ----------
    world : World
    rate_limit : int
        Requests per hour per token and resource (``core``, ``graphql``).
    token : str
        The token that can see everything (private repositories included).
    tokens : dict, optional
        ``{token: {"private": bool, "rate_limit": int}}``; replaces ``token`` when given.
    rate_limit_status : int
        403 (default) or 429 for an exhausted primary budget.
    clock : callable
        Epoch seconds for rate-limit windows (default ``time.time``; ``X-RateLimit-Reset``
        must be real time for PyGithub's back-off arithmetic to make sense).
    link_style : str
        ``"repositories"`` (GitHub's ``/repositories/{id}/...`` next links) or ``"repos"``.
    """

    def __init__(
        self,
        world: World,
        *,
        rate_limit: int = 5000,
        token: str = "test-token",
        tokens: dict[str, dict[str, Any]] | None = None,
        rate_limit_status: int = 403,
        clock: Callable[[], float] = time.time,
        link_style: str = "repositories",
        port: int = 0,
    ) -> None:
        if rate_limit_status not in (403, 429):
            raise ValueError("rate_limit_status is 403 or 429")
        if link_style not in ("repositories", "repos"):
            raise ValueError("link_style is 'repositories' or 'repos'")
        self.world = world
        self.tokens = dict(tokens) if tokens else {token: {"private": True}}
        self._labels = {t: f"token-{n}" for n, t in enumerate(self.tokens, 1)}
        limits = {t: int(cfg.get("rate_limit", rate_limit)) for t, cfg in self.tokens.items()}
        self.rate_limiter = RateLimiter(limits, clock)
        self.rate_limit_status = rate_limit_status
        self.clock = clock
        self.link_style = link_style
        self.faults = FaultQueue()
        self.log = RequestLog()
        self.errors: list[str] = []  # tracebacks of crashes inside the fake
        self.stats_ready: set[int] = set()  # repositories whose stats were "computed"
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._request_ids = itertools.count(1)
        self._shapes: Shapes | None = None

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> FakeGitHub:
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", self._requested_port), _Handler)
        # The fake sends headers and body in two writes; without TCP_NODELAY (inherited by
        # every accepted socket) each small answer waits ~40 ms for the client's delayed
        # ACK (Nagle), which makes a mine 13 times slower.
        self._server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._server.app = self  # type: ignore[attr-defined]
        self._stopping.clear()
        self._shapes = Shapes(self.world, self.base_url, self.web_url)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="fake-github",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeGitHub is not started")
        return self._server.server_address[1]

    @property
    def web_url(self) -> str:
        """``http://127.0.0.1:PORT`` (the ``html_url`` host)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/v3``: pass it to ``Github(base_url=...)``."""
        return f"{self.web_url}{API}"

    @property
    def graphql_url(self) -> str:
        return f"{self.web_url}{GRAPHQL}"

    @property
    def token(self) -> str:
        """The first configured token."""
        return next(iter(self.tokens))

    # --- budget helpers -------------------------------------------------------------------

    def rate(self, token: str | None = None, resource: str = "core") -> dict[str, int]:
        """``{"limit", "remaining", "used", "reset"}`` of a token's bucket (no charge)."""
        b = self.rate_limiter.bucket(token or self.token, resource)
        return {"limit": b.limit, "remaining": b.remaining, "used": b.used, "reset": b.reset}

    def set_remaining(
        self, remaining: int, token: str | None = None, resource: str = "core"
    ) -> None:
        """Jump a bucket to ``remaining`` requests left in its current window."""
        b = self.rate_limiter.bucket(token or self.token, resource)
        b.used = b.limit - remaining

    # --- the request pipeline -------------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        path = split.path
        pairs = parse_qsl(split.query, keep_blank_values=True)
        length = _int(h.headers.get("Content-Length"), 0)
        body = h.rfile.read(length) if length > 0 else b""
        if path.startswith("/_fake/"):
            self._admin(h, path, body)
            return
        ctx = _Ctx(
            method=h.command,
            path=path,
            canonical=self._canonical(path),
            pairs=pairs,
            query=dict(pairs),
            headers=h.headers,
            body=body,
        )
        fault = self.faults.take(ctx.method, ctx.canonical)
        action = fault.action if fault else None
        try:
            if action == "drop":
                self._record(ctx, 0, "drop")
                h.close_connection = True
                return
            if action == "slow":
                self._stopping.wait(float(fault.options.get("delay", 5)))
            if fault is not None and action not in _TRANSPORT:
                reply = self._fault_reply(ctx, fault)
            else:
                reply = self._reply(ctx)
            status, headers, payload = self._finish(ctx, reply)
        except Exception:  # a bug in the fake: answer 500 and keep the traceback
            self.errors.append(traceback.format_exc())
            status, headers = 500, self._common_headers()
            payload = b'{"message":"fake GitHub internal error"}'
            ctx.charged = False
        self._record(ctx, status, str(action) if fault else None)
        self._write(h, status, headers, payload, action)

    def _write(
        self,
        h: _Handler,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes | None,
        action: Any,
    ) -> None:
        try:
            if action == "truncated_json" and body:
                body = body[: max(1, len(body) // 2)]
            h.send_response(status)
            for name, value in headers:
                h.send_header(name, value)
            if body is not None:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if body and h.command != "HEAD":
                if action == "close_mid_body":
                    h.wfile.write(body[: len(body) // 2])
                    h.wfile.flush()
                    h.close_connection = True
                    h.connection.shutdown(socket.SHUT_RDWR)
                    return
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            h.close_connection = True  # the client gave up (e.g. after a "slow" fault)

    def _record(self, ctx: _Ctx, status: int, fault: str | None) -> None:
        auth = ctx.headers.get("Authorization")
        kept = {k: ctx.headers[k] for k in _LOGGED_HEADERS if ctx.headers.get(k) is not None}
        if auth is not None:
            kept["Authorization"] = auth.split(" ", 1)[0] + " ***"
        self.log.append(
            LogEntry(
                method=ctx.method,
                path=ctx.path,
                canonical=ctx.canonical,
                query=dict(sorted(ctx.query.items())),
                status=status,
                counted=ctx.charged,
                resource=ctx.resource,
                headers=kept,
                principal=ctx.principal,
                fault=fault,
                operation=ctx.operation,
                variables=ctx.variables,
                time=time.time(),
            )
        )

    def _canonical(self, path: str) -> str:
        # api.github.com's form (no prefix; GraphQL at /graphql) is the Enterprise form.
        if path == "/graphql":
            path = GRAPHQL
        elif not path.startswith(API) and path != "/api/graphql":
            path = API + (path if path != "/" else "")
        m = re.match(rf"^{API}/repositories/(\d+)(/.*)?$", path)
        if m:
            repo = self.world.repo_by_id(int(m.group(1)))
            if repo is not None:
                return f"{API}/repos/{repo.full_name}{m.group(2) or ''}"
        m = re.match(rf"^{API}/organizations/(\d+)(/.*)?$", path)
        if m and int(m.group(1)) == self.world.org.id:
            return f"{API}/orgs/{self.world.org.login}{m.group(2) or ''}"
        return unquote(path)

    def _authenticate(self, ctx: _Ctx) -> _Reply | None:
        auth = ctx.headers.get("Authorization")
        if not auth:
            return _error(
                401, "Requires authentication", f"{DOCS}/overview/authenticating-to-the-rest-api"
            )
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or token.strip() not in self.tokens:
            return _error(401, "Bad credentials", DOCS)
        ctx.token = token.strip()
        ctx.principal = self._labels[ctx.token]
        return None

    def _visible(self, ctx: _Ctx, repo: Repo | None) -> Repo | None:
        if repo is None:
            return None
        if repo.private and not self.tokens[ctx.token].get("private", False):
            return None
        return repo

    def _reply(self, ctx: _Ctx) -> _Reply:
        denied = self._authenticate(ctx)
        if denied is not None:
            return denied
        if ctx.canonical == GRAPHQL and ctx.method == "POST":
            ctx.resource = "graphql"
            return self._graphql(ctx)
        if not ctx.canonical.startswith(API + "/") and ctx.canonical != API:
            return _not_found()
        route = ctx.canonical[len(API) :] or "/"
        if route == "/rate_limit":
            ctx.resource = "core"
            return self._rate_limit(ctx)
        ctx.resource = "core"
        b = self.rate_limiter.bucket(ctx.token, "core")
        if b.remaining <= 0:
            return _Reply(
                self.rate_limit_status,
                {"message": PRIMARY_MESSAGE, "documentation_url": PRIMARY_DOCS},
                counted=False,
            )
        if ctx.method not in ("GET", "HEAD"):
            return _not_found()
        try:
            with self.world.lock:
                return self._route(ctx, route)
        except _Invalid as exc:
            return _error(
                422, "Validation Failed", DOCS, errors=[{"message": str(exc), "code": "invalid"}]
            )

    def _finish(self, ctx: _Ctx, reply: _Reply) -> tuple[int, list[tuple[str, str]], bytes | None]:
        """Serialise, apply If-None-Match, charge the budget, add GitHub's headers."""
        headers = self._common_headers()
        body = None
        if reply.payload is not None or reply.status not in (204, 304):
            body = json.dumps(
                reply.payload if reply.payload is not None else {},
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
        # Asked in api.github.com's form: its API URLs (bodies, Link) are in that form too.
        dotcom = not ctx.path.startswith("/api/")
        if dotcom and body is not None:
            body = body.replace(self.base_url.encode(), self.web_url.encode())
        status = reply.status
        if status == 200 and reply.etag and ctx.method in ("GET", "HEAD") and body is not None:
            etag = 'W/"' + hashlib.sha256(body).hexdigest() + '"'
            headers.append(("ETag", etag))
            if _etag_matches(ctx.headers.get("If-None-Match"), etag):
                status, body = 304, None
        if status == 304:
            headers = [hd for hd in headers if hd[0] != "Content-Type"]
        elif (
            reply.counted and ctx.resource is not None and ctx.token is not None and not ctx.charged
        ):
            ctx.bucket = self.rate_limiter.charge(ctx.token, ctx.resource)
            ctx.charged = True
        if ctx.token is not None and ctx.resource is not None and status < 500:
            b = ctx.bucket or self.rate_limiter.bucket(ctx.token, ctx.resource)
            headers += _rate_headers(b, ctx.resource)
        headers += reply.headers
        if dotcom:
            headers = [(k, v.replace(self.base_url, self.web_url)) for k, v in headers]
        if status == 204:
            body = None
        return status, headers, body

    def _common_headers(self) -> list[tuple[str, str]]:
        n = next(self._request_ids)
        stamp = int(time.time()) & 0xFFFFFFFF
        a, b, c = n % 0xFFFF, n * 7919 % 0xFFFFF, n * 104729 % 0xFFFFFF
        rid = f"C0DE:{a:04X}:{b:05X}:{c:06X}:{stamp:08X}"
        return [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "private, max-age=60, s-maxage=60"),
            ("Vary", _VARY),
            ("X-OAuth-Scopes", "read:org, repo"),
            ("X-Accepted-OAuth-Scopes", "repo"),
            ("X-GitHub-Media-Type", "github.v3; format=json"),
            ("X-GitHub-Api-Version-Selected", "2022-11-28"),
            ("Access-Control-Expose-Headers", _EXPOSE),
            ("Access-Control-Allow-Origin", "*"),
            ("X-Content-Type-Options", "nosniff"),
            ("X-GitHub-Request-Id", rid),
        ]

    def _fault_reply(self, ctx: _Ctx, fault: Fault) -> _Reply:
        o = fault.options
        extra: list[tuple[str, str]] = []
        if o.get("retry_after") is not None:
            extra.append(("Retry-After", str(o["retry_after"])))
        if self._authenticate(ctx) is None:
            ctx.resource = "graphql" if ctx.canonical == GRAPHQL else "core"
        if fault.action == "secondary":
            # As api.github.com answers a secondary limit: Retry-After (if any) and none of
            # the X-RateLimit-* headers.
            ctx.resource = None
            reply = _Reply(
                int(o.get("status", 403)),
                {"message": SECONDARY_MESSAGE, "documentation_url": SECONDARY_DOCS},
                counted=False,
            )
        elif fault.action == "primary":
            reset = (
                int(o["reset_at"])
                if "reset_at" in o
                else int(self.clock() + float(o.get("reset_in", 3600)))
            )
            limit = self.rate_limiter.limits.get(ctx.token, 5000) if ctx.token else 5000
            ctx.resource = None  # the fault's own rate-limit headers below
            extra += [
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", str(reset)),
                ("X-RateLimit-Used", str(limit)),
                ("X-RateLimit-Resource", "graphql" if ctx.canonical == GRAPHQL else "core"),
            ]
            if o.get("reset") is False:  # an older 403 seen in the replay: no reset given
                extra = [h for h in extra if h[0] != "X-RateLimit-Reset"]
            reply = _Reply(
                int(o.get("status", 403)),
                {"message": PRIMARY_MESSAGE, "documentation_url": PRIMARY_DOCS},
                counted=False,
            )
        else:
            status = int(fault.action)
            if status == 202:
                reply = _Reply(202, {}, counted=True)
            elif status == 404:
                reply = _not_found()
            elif status == 422:
                reply = _error(
                    422,
                    "Validation Failed",
                    DOCS,
                    errors=[{"resource": "Search", "code": "invalid"}],
                )
            else:
                phrase = "Server Error" if status == 500 else HTTPStatus(status).phrase
                reply = _Reply(status, {"message": phrase}, counted=status < 500)
        reply.headers = extra
        reply.etag = False
        return reply

    # --- REST routes ----------------------------------------------------------------------

    def _route(self, ctx: _Ctx, route: str) -> _Reply:
        w, s = self.world, self._shapes
        parts = route.strip("/").split("/")
        if parts[0] == "orgs" and len(parts) == 5 and parts[2:5:2] == ["teams", "members"]:
            # GitHub's list-team-members: simple-user objects, paged; 404 for a team the
            # token may not see.
            team = w.teams.get(parts[3].lower())
            if parts[1].lower() != w.org.login.lower() or team is None:
                return _not_found()
            base = f"{self.base_url}/orgs/{w.org.login}/teams/{parts[3]}/members"
            return self._paginate(ctx, team, s.simple_user, base)
        if parts[0] == "orgs" and len(parts) in (2, 3):
            if parts[1].lower() != w.org.login.lower():
                return _not_found()
            if len(parts) == 2:
                visible = [r for r in w.repos if self._visible(ctx, r)]
                return _Reply(
                    200, s.organization_full(w.org, sum(1 for r in visible if not r.private))
                )
            if parts[2] == "repos":
                return self._org_repos(ctx)
            if parts[2] == "public_members":
                # GitHub's list-public-organization-members: simple-user objects, paged.
                base = f"{self.base_url}/organizations/{w.org.id}/public_members"
                if self.link_style == "repos":
                    base = f"{self.base_url}/orgs/{w.org.login}/public_members"
                return self._paginate(ctx, w.public_members(), s.simple_user, base)
            return _not_found()
        if parts[0] == "users" and len(parts) == 2:
            login = parts[1]
            if login.lower() == w.org.login.lower():
                return _Reply(200, self._org_as_user())
            user = w.user(login)
            return _Reply(200, s.public_user(user)) if user else _not_found()
        if parts[0] == "repos" and len(parts) >= 3:
            repo = self._visible(ctx, w.repo(parts[1], parts[2]))
            if repo is None:
                moved = self._visible(ctx, w.renamed_from(parts[1], parts[2]))
                if moved is not None:  # GitHub: 301 to the repository's id, query kept
                    tail = "/".join(["", *parts[3:]]) if len(parts) > 3 else ""
                    location = f"{self.base_url}/repositories/{moved.id}{tail}"
                    if ctx.pairs:
                        location += "?" + urlencode(ctx.pairs)
                    return _Reply(
                        301,
                        {
                            "message": "Moved Permanently",
                            "url": location,
                            "documentation_url": f"{DOCS}/overview/resources-in-the-rest-api"
                            "#http-redirects",
                        },
                        headers=[("Location", location)],
                        etag=False,
                    )
                return _not_found()
            return self._repo_route(ctx, repo, parts[3:])
        return _not_found()

    def _repo_route(self, ctx: _Ctx, repo: Repo, rest: list[str]) -> _Reply:
        s = self._shapes
        link = self._link_base(repo, rest)
        n = len(rest)
        if n == 0:
            return _Reply(200, s.full_repository(repo))
        head = rest[0]
        if head == "issues":
            if n == 1:
                return self._paginate(ctx, self._issues(ctx, repo), s.issue, link)
            if n == 2 and rest[1] == "comments":
                return self._paginate(
                    ctx, self._comments(ctx, repo.issue_comments), s.issue_comment, link
                )
            if n == 3 and rest[1] == "comments" and rest[2].isdigit():
                c = next((c for c in repo.issue_comments if c.id == int(rest[2])), None)
                return _Reply(200, s.issue_comment(c)) if c else _not_found()
            if n == 2 and rest[1].isdigit():
                item = repo.item(int(rest[1]))
                return _Reply(200, s.issue(item)) if item else _not_found()
        if head == "pulls":
            if n == 1:
                return self._paginate(ctx, self._pulls(ctx, repo), s.pull_request_simple, link)
            if n == 2 and rest[1] == "comments":
                return self._paginate(
                    ctx, self._comments(ctx, repo.review_comments), s.review_comment, link
                )
            if n == 3 and rest[1] == "comments" and rest[2].isdigit():
                c = next((c for c in repo.review_comments if c.id == int(rest[2])), None)
                return _Reply(200, s.review_comment(c)) if c else _not_found()
            if rest[1].isdigit():
                item = repo.item(int(rest[1]))
                if item is None or item.pull is None:
                    return _not_found()
                if n == 2:
                    return _Reply(200, s.pull_request(item))
                if n == 3 and rest[2] == "reviews":
                    return self._paginate(ctx, item.pull.reviews, s.review, link)
        if head == "commits":
            if n == 1:
                return self._commits(ctx, repo, link)
            if n == 2:
                ref = rest[1]
                if not repo.commits:
                    return _error(
                        409, "Git Repository is empty.", f"{DOCS}/commits/commits#get-a-commit"
                    )
                if ref in (repo.default_branch, "HEAD"):
                    return _Reply(200, s.commit(repo.commits[-1], detail=True))
                found = (
                    [c for c in repo.commits if c.sha.startswith(ref.lower())]
                    if len(ref) >= 4
                    else []
                )
                if len(found) == 1:
                    return _Reply(200, s.commit(found[0], detail=True))
                return _error(
                    422, f"No commit found for SHA: {ref}", f"{DOCS}/commits/commits#get-a-commit"
                )
        if head == "git" and n >= 3 and rest[1] == "trees":
            if not repo.commits:
                return _error(409, "Git Repository is empty.", f"{DOCS}/git/trees#get-a-tree")
            ref = "/".join(rest[2:])
            tree = s.git_tree(repo, recursive=bool(ctx.query.get("recursive")))
            if ref not in (repo.default_branch, "HEAD", tree["sha"]):
                return _not_found()
            return _Reply(200, tree)
        if head == "git" and n == 3 and rest[1] == "blobs":
            text = next((t for t in repo.files.values() if git_sha("blob", t) == rest[2]), None)
            return _Reply(200, s.git_blob(repo, text)) if text is not None else _not_found()
        if head == "stats" and n == 2 and rest[1] == "contributors":
            if not repo.commits:
                return _Reply(204, None)
            if repo.id not in self.stats_ready:
                self.stats_ready.add(repo.id)
                return _Reply(202, {}, etag=False)
            return _Reply(200, s.contributor_stats(repo))
        return _not_found()

    def _link_base(self, repo: Repo, rest: list[str]) -> str:
        tail = "".join(f"/{p}" for p in rest)
        if self.link_style == "repositories":
            return f"{self.base_url}/repositories/{repo.id}{tail}"
        return f"{self.base_url}/repos/{repo.full_name}{tail}"

    def _paginate(
        self, ctx: _Ctx, items: list, build: Callable[[Any], dict], link_base: str
    ) -> _Reply:
        per_page = _int(ctx.query.get("per_page"), 30)
        per_page = 30 if per_page < 1 else min(per_page, 100)
        page = max(1, _int(ctx.query.get("page"), 1))
        total = len(items)
        last = max(1, math.ceil(total / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        rels: list[tuple[str, int]] = []
        if total:
            if page > 1:
                rels.append(("prev", page - 1))
            if page < last:
                rels += [("next", page + 1), ("last", last)]
            if page > 1:
                rels.append(("first", 1))
        headers = []
        if rels:
            keep = [(k, v) for k, v in ctx.pairs if k != "page"]
            links = [
                f'<{link_base}?{urlencode([*keep, ("page", str(p))])}>; rel="{rel}"'
                for rel, p in rels
            ]
            headers.append(("Link", ", ".join(links)))
        return _Reply(200, [build(x) for x in chunk], headers)

    def _org_repos(self, ctx: _Ctx) -> _Reply:
        q = ctx.query
        kind = _choice(q, "type", ("all", "public", "private", "forks", "sources", "member"), "all")
        sort = _choice(q, "sort", ("created", "updated", "pushed", "full_name"), "created")
        direction = _choice(
            q, "direction", ("asc", "desc"), "asc" if sort == "full_name" else "desc"
        )
        repos = [r for r in self.world.repos if self._visible(ctx, r)]
        keep = {
            "all": lambda r: True,
            "member": lambda r: True,
            "public": lambda r: not r.private,
            "private": lambda r: r.private,
            "forks": lambda r: r.fork,
            "sources": lambda r: not r.fork,
        }[kind]
        key = {
            "created": lambda r: (r.created_at, r.id),
            "updated": lambda r: (r.updated_at, r.id),
            "pushed": lambda r: (r.pushed_at, r.id),
            "full_name": lambda r: (r.full_name.lower(), r.id),
        }[sort]
        repos = sorted((r for r in repos if keep(r)), key=key, reverse=direction == "desc")
        base = f"{self.base_url}/organizations/{self.world.org.id}/repos"
        if self.link_style == "repos":
            base = f"{self.base_url}/orgs/{self.world.org.login}/repos"
        return self._paginate(ctx, repos, self._shapes.minimal_repository, base)

    def _issues(self, ctx: _Ctx, repo: Repo) -> list[Issue]:
        q = ctx.query
        state = _choice(q, "state", ("open", "closed", "all"), "open")
        sort = _choice(q, "sort", ("created", "updated", "comments"), "created")
        # Unlike the comment lists, issues document direction with a default of desc.
        direction = _choice(q, "direction", ("asc", "desc"), "desc")
        since = _since(q.get("since"))
        labels = {x.strip() for x in q.get("labels", "").split(",") if x.strip()}
        creator = q.get("creator", "").lower()
        assignee = q.get("assignee", "")
        items = [
            i
            for i in repo.items
            if (state == "all" or i.state == state)
            and (since is None or i.updated_at >= since)
            and (not labels or labels <= {lb.name for lb in i.labels})
            and (not creator or i.user.login.lower() == creator)
            and _assignee_ok(i, assignee)
        ]
        key = {
            "created": lambda i: (i.created_at, i.id),
            "updated": lambda i: (i.updated_at, i.id),
            "comments": lambda i: (i.comments, i.id),
        }[sort]
        return sorted(items, key=key, reverse=direction == "desc")

    def _pulls(self, ctx: _Ctx, repo: Repo) -> list[Issue]:
        q = ctx.query
        state = _choice(q, "state", ("open", "closed", "all"), "open")
        sort = _choice(q, "sort", ("created", "updated", "popularity", "long-running"), "created")
        direction = _choice(q, "direction", ("asc", "desc"), "desc" if sort == "created" else "asc")
        base = q.get("base")
        head = q.get("head")
        items = [
            i
            for i in repo.items
            if i.pull is not None
            and (state == "all" or i.state == state)
            and (base is None or base == repo.default_branch)
            and (head is None or head == f"{repo.owner.login}:{i.pull.head_ref}")
        ]
        if sort == "long-running":
            cutoff = self.world.clock().timestamp() - 30 * 86400
            items = [i for i in items if i.state == "open" and i.created_at.timestamp() < cutoff]
        key = {
            "created": lambda i: (i.created_at, i.id),
            "updated": lambda i: (i.updated_at, i.id),
            "popularity": lambda i: (i.comments, i.id),
            "long-running": lambda i: (i.created_at, i.id),
        }[sort]
        return sorted(items, key=key, reverse=direction == "desc")

    def _comments(self, ctx: _Ctx, comments: list) -> list:
        q = ctx.query
        sort = _choice(q, "sort", ("created", "updated", "created_at"), None)
        since = _since(q.get("since"))
        rows = [c for c in comments if since is None or c.updated_at >= since]
        if sort is None:
            # "direction: Ignored without the sort parameter": ascending ids.
            return sorted(rows, key=lambda c: c.id)
        direction = _choice(q, "direction", ("asc", "desc"), "desc")
        field_ = "updated_at" if sort == "updated" else "created_at"
        return sorted(rows, key=lambda c: (getattr(c, field_), c.id), reverse=direction == "desc")

    def _commits(self, ctx: _Ctx, repo: Repo, link: str) -> _Reply:
        if not repo.commits:
            return _error(409, "Git Repository is empty.", f"{DOCS}/commits/commits#list-commits")
        q = ctx.query
        since, until = _since(q.get("since")), _since(q.get("until"))
        commits = repo.commits
        sha = q.get("sha")
        if sha and sha not in (repo.default_branch, "HEAD"):
            idx = next((k for k, c in enumerate(commits) if c.sha.startswith(sha.lower())), None)
            if idx is None or len(sha) < 4:
                return _not_found()
            commits = commits[: idx + 1]
        author = (q.get("author") or "").lower()
        rows = [
            c
            for c in reversed(commits)
            if (since is None or c.date >= since)
            and (until is None or c.date <= until)
            and (not author or _commit_by(c, author))
        ]
        return self._paginate(ctx, rows, self._shapes.commit, link)

    def _org_as_user(self) -> dict:
        o = self.world.org
        out = dict(self._shapes.org_simple(o))
        out.update(
            name=o.name,
            company=None,
            blog=o.blog,
            location=o.location,
            email=o.email,
            hireable=None,
            bio=o.description,
            twitter_username=o.twitter_username,
            public_repos=sum(1 for r in self.world.repos if not r.private),
            public_gists=0,
            followers=42,
            following=0,
            created_at=iso(o.created_at),
            updated_at=iso(o.updated_at),
        )
        return out

    def _rate_limit(self, ctx: _Ctx) -> _Reply:
        def row(resource: str) -> dict[str, int]:
            b = self.rate_limiter.bucket(ctx.token, resource)
            return {"limit": b.limit, "used": b.used, "remaining": b.remaining, "reset": b.reset}

        core = row("core")
        search = {"limit": 30, "used": 0, "remaining": 30, "reset": int(self.clock()) + 60}
        resources = {"core": core, "search": search, "graphql": row("graphql")}
        return _Reply(200, {"resources": resources, "rate": core}, counted=False, etag=False)

    # --- GraphQL --------------------------------------------------------------------------

    def _graphql(self, ctx: _Ctx) -> _Reply:
        try:
            request = json.loads(ctx.body or b"null")
            if not isinstance(request, dict):
                raise ValueError("not an object")
        except ValueError:
            return _Reply(
                400,
                {
                    "message": "Problems parsing JSON",
                    "documentation_url": "https://docs.github.com/graphql",
                },
                counted=False,
                etag=False,
            )
        query = request.get("query") or ""
        op = request.get("operationName")
        if not op:
            m = _OP_NAME.search(query)
            op = m.group(1) if m else None
        variables = request.get("variables") or {}
        ctx.operation, ctx.variables = op, dict(variables)
        bucket = self.rate_limiter.bucket(ctx.token, "graphql")
        if bucket.remaining <= 0:
            limited = _gql_error(
                "API rate limit already exceeded for user ID 1.",
                type="RATE_LIMITED",
                code="graphql_rate_limit",
            )
            return _Reply(200, limited, counted=False, etag=False)
        ctx.bucket = self.rate_limiter.charge(ctx.token, "graphql")
        ctx.charged = True
        if op != PULL_REQUESTS_OPERATION:
            message = (
                f"The fake GitHub only answers the {PULL_REQUESTS_OPERATION} query "
                f"(got operation {op!r})."
            )
            return _Reply(200, {"errors": [{"message": message}]}, etag=False)
        with self.world.lock:
            return _Reply(200, self._pull_request_page(ctx, variables), etag=False)

    def _pull_request_page(self, ctx: _Ctx, v: dict[str, Any]) -> dict:
        rate = {
            "cost": 1,
            "remaining": ctx.bucket.remaining,
            "resetAt": datetime.fromtimestamp(ctx.bucket.reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for name, kind in (("owner", str), ("name", str), ("first", int)):
            value = v.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                type_ = "Int!" if kind is int else "String!"
                why = "Expected value to not be null" if value is None else "Could not coerce value"
                return _gql_error(
                    f"Variable ${name} of type {type_} was provided invalid value",
                    extensions={"value": value, "problems": [{"path": [], "explanation": why}]},
                    locations=[{"line": 1, "column": 1}],
                )
        first, cursor = v["first"], v.get("cursor")
        if first > 100:
            return _gql_error(
                f"Requesting {first} records on the `pullRequests` connection exceeds the "
                "`first` limit of 100 records.",
                type="EXCESSIVE_PAGINATION",
                path=["repository", "pullRequests"],
            )
        if first < 1:
            return _gql_error(
                "`first` must be a positive number.",
                type="INVALID_ARGUMENTS",
                path=["repository", "pullRequests"],
            )
        repo = self._visible(ctx, self.world.repo(v["owner"], v["name"]))
        if repo is None:
            return _gql_error(
                f"Could not resolve to a Repository with the name '{v['owner']}/{v['name']}'.",
                data={"repository": None, "rateLimit": rate},
                type="NOT_FOUND",
                path=["repository"],
                locations=[{"line": 2, "column": 3}],
            )
        pulls = sorted(repo.pulls, key=lambda i: (i.updated_at, i.pull.id), reverse=True)
        start = 0
        if cursor is not None:
            key = _decode_cursor(cursor)
            if key is None:
                return _gql_error(
                    f"`{cursor}` does not appear to be a valid cursor.",
                    data={"repository": None, "rateLimit": rate},
                    type="INVALID_CURSOR_ARGUMENTS",
                    path=["repository", "pullRequests"],
                    locations=[{"line": 3, "column": 5}],
                )
            start = next(
                (k for k, i in enumerate(pulls) if (i.updated_at.timestamp(), i.pull.id) < key),
                len(pulls),
            )
        page = pulls[start : start + first]
        end_cursor = _encode_cursor(page[-1]) if page else None
        connection = {
            "pageInfo": {"hasNextPage": start + first < len(pulls), "endCursor": end_cursor},
            "nodes": [self._shapes.gql_pull(i) for i in page],
        }
        return {"data": {"repository": {"pullRequests": connection}, "rateLimit": rate}}

    # --- admin (subprocess mode) ----------------------------------------------------------

    def _admin(self, h: _Handler, path: str, body: bytes) -> None:
        status, out = 200, None
        try:
            data = json.loads(body or b"{}")
            if path == "/_fake/faults" and h.command == "POST":
                self.faults.add(data.pop("method"), data.pop("path"), data.pop("action"), **data)
                out = {"pending": len(self.faults)}
            elif path == "/_fake/faults" and h.command == "DELETE":
                self.faults.clear()
                out = {"pending": 0}
            elif path == "/_fake/log" and h.command == "GET":
                out = [asdict(e) for e in self.log]
            elif path == "/_fake/touch" and h.command == "POST":
                out = self.world.touch(float(data.get("fraction", 0.1)), int(data.get("seed", 0)))
            else:
                status, out = 404, {"message": "Not Found"}
        except Exception as exc:  # bad admin input: tell the caller
            status, out = 400, {"message": f"{type(exc).__name__}: {exc}"}
        headers = [("Content-Type", "application/json")]
        self._write(h, status, headers, json.dumps(out).encode(), None)


def _gql_error(message: str, data: Any = None, **fields: Any) -> dict:
    """A GraphQL error response (HTTP 200, like GitHub)."""
    out: dict[str, Any] = {"errors": [{**fields, "message": message}]}
    if data is not None:
        out = {"data": data, **out}
    return out


def _rate_headers(b: Bucket, resource: str) -> list[tuple[str, str]]:
    return [
        ("X-RateLimit-Limit", str(b.limit)),
        ("X-RateLimit-Remaining", str(b.remaining)),
        ("X-RateLimit-Reset", str(b.reset)),
        ("X-RateLimit-Used", str(b.used)),
        ("X-RateLimit-Resource", resource),
    ]


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _assignee_ok(item: Issue, assignee: str) -> bool:
    if not assignee:
        return True
    if assignee == "none":
        return not item.assignees
    if assignee == "*":
        return bool(item.assignees)
    return any(u.login.lower() == assignee.lower() for u in item.assignees)


def _commit_by(c, who: str) -> bool:
    login = getattr(c.author, "login", None)
    return who in ((login or "").lower(), c.author_email.lower())


def _encode_cursor(item: Issue) -> str:
    raw = f"cursor:v2:{int(item.updated_at.timestamp())}:{item.pull.id}"
    return base64.b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[float, int] | None:
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, version, stamp, ident = raw.split(":")
        if (prefix, version) != ("cursor", "v2"):
            return None
        return float(stamp), int(ident)
    except (ValueError, UnicodeDecodeError):
        return None
