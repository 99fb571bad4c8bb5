"""A local fake of the Hugging Face Hub's HTTP API over real HTTP on 127.0.0.1.

``FakeHub(world)`` serves a :class:`~fake_hf.world.HubWorld` with the standard library's
``ThreadingHTTPServer``, so ``huggingface_hub.HfApi(endpoint=server.base_url)`` runs its
whole stack (httpx2, ``http_backoff`` and its ``RateLimit`` parsing, ``hf_raise_for_status``,
``Link`` pagination). What it reproduces, and why:

* **Routes** (GET only, JSON): ``/api/{models,datasets,spaces}`` (``author``, ``filter``,
  ``search``, ``sort``, ``direction``, ``limit``, ``expand``/``expand[]``, ``full``,
  ``cardData``, ``cursor``), ``/api/{t}s/{ns}/{name}`` (``expand``),
  ``.../commits/{rev}`` (``p``, ``limit``, ``expand[]=formatted``), ``.../discussions``
  (``p``, ``type``, ``status``, ``author``), ``.../discussions/{num}`` (``diff=1``),
  ``.../likers``, ``/api/organizations/{org}/members``, ``/api/users/{user}/overview``,
  ``/api/whoami-v2``. Shapes are in ``shapes.py``.
* **Paging**: a ``Link: <URL>; rel="next"`` header with an opaque ``cursor`` (listings,
  likers, members) or ``p`` (commits: a *relative* link, ``</api/models/..?p=1>``, 50 a
  page unless ``limit`` asks otherwise, and ``X-Total-Count``, as recorded from the Hub);
  discussions are paged by ``p`` with ``{count, start}`` as huggingface_hub expects. Sizes
  come from :class:`PageSizes`.
* **Renamed repositories**: any route of an old name answers ``307`` with a relative
  ``Location`` to the new name, the query kept (``HubWorld.rename_repo``).
* **ETags**: every 200 carries a weak ``ETag`` (``W/"..."``), as the Hub's API does.
* **Errors** as the Hub answers them: an unknown or hidden private repository is 404
  ``X-Error-Code: RepoNotFound`` to a token, and to an anonymous caller 401 *without*
  ``X-Error-Code`` (``X-Error-Message: Invalid username or password.`` and a
  ``WWW-Authenticate`` header; hf_raise_for_status calls that "not found" only over https),
  ``GatedRepo`` (403, or 401 anonymous) on a gated repository's commits for a
  token configured ``{"gated_ok": False}``, ``RevisionNotFound`` for an unknown revision,
  401 ``Invalid credentials in Authorization header`` for an unknown token on any route.
  Every error carries ``X-Error-Message`` and ``{"error": ...}``.
* **Rate limits**: a fixed window (``rate_window``, 300 s) per token, or per client IP for
  anonymous calls, on an injectable epoch ``clock``; every response carries
  ``RateLimit: "api";r=R;t=T`` and ``RateLimit-Policy: "fixed window";"api";q=Q;w=W``
  (hub-docs ``rate-limits.md``), and an empty bucket answers 429 with ``Retry-After``.
* **Faults**: ``server.faults.add(path_regex, status, times=1, headers=None, body=None)``.
* **Log**: ``server.log`` records every request's method, path, query, status and route
  kind (never the token); ``server.requests(kind)`` counts them.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import shapes
from .world import HubWorld, PageSizes, Repo, User, iso

ROUTE_KINDS = (
    "models",
    "datasets",
    "spaces",
    "derivatives",
    "repo",
    "commits",
    "discussions",
    "discussion",
    "likers",
    "members",
    "overview",
    "whoami",
    "other",
)
"""What ``server.requests(kind)`` counts. A ``/api/models`` listing filtered on a
``base_model:`` tag is ``derivatives``; the others are named after their route. The keys of
``HubWorld.pages_needed`` are a subset of these."""

INVALID_TOKEN = "Invalid credentials in Authorization header"
REPO_NOT_FOUND = "Repository not found"
# What the Hub answers an anonymous caller for a repository it will not show.
ANONYMOUS_NOT_FOUND = "Invalid username or password."
WWW_AUTHENTICATE = 'Bearer realm="Authentication required", charset="UTF-8"'
SORT_KEYS: dict[str, Callable[[Repo], Any]] = {
    "downloads": lambda r: r.downloads,
    "downloadsAllTime": lambda r: r.downloads_all_time,
    "likes": lambda r: r.likes,
    "lastModified": lambda r: r.last_modified,
    "createdAt": lambda r: r.created_at,
    "trendingScore": lambda r: r.trending_score,
}
_TRUE = ("1", "true", "True")


# --- faults ----------------------------------------------------------------------------


@dataclass
class Fault:
    """A scripted answer for requests whose path matches ``pattern``, ``times`` times."""

    pattern: re.Pattern[str]
    status: int
    times: int = 1
    headers: dict[str, str] | None = None
    body: Any = None
    fired: int = 0

    @property
    def done(self) -> bool:
        return self.fired >= self.times


class FaultQueue:
    """Scripted faults, checked in the order they were added.

    ``add(path_regex, status, times=1, headers=None, body=None)``: the next ``times``
    requests whose path (``re.search``, without the query) matches answer ``status`` with
    ``body`` (default ``{"error": <reason phrase>}``) and ``headers``. A 429 without
    ``headers`` carries the caller's real bucket (``RateLimit`` with ``r=0``) and
    ``Retry-After``. Faulted requests are logged and not charged.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path_regex: str,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> Fault:
        if times < 1:
            raise ValueError("times starts at 1")
        fault = Fault(re.compile(path_regex), int(status), times, headers, body)
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if not fault.done and fault.pattern.search(path):
                    fault.fired += 1
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.done]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


# --- request log -----------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One request as the server saw it; ``principal`` is ``"token-N"`` or ``"anonymous"``,
    never the token itself."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    kind: str
    principal: str
    counted: bool
    fault: bool = False
    time: float = 0.0

    @property
    def url(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")


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

    def select(self, kind: str | None = None, *, status: int | None = None) -> list[LogEntry]:
        if kind is not None and kind not in ROUTE_KINDS:
            raise ValueError(f"kind is one of {ROUTE_KINDS}")
        return [
            e
            for e in self.entries
            if (kind is None or e.kind == kind) and (status is None or e.status == status)
        ]

    def urls(self) -> list[str]:
        """``"GET /api/...?a=1 -> 200"`` strings, in order (for assertion messages)."""
        return [f"{e.method} {e.url} -> {e.status}" for e in self.entries]


# --- rate limits -----------------------------------------------------------------------


@dataclass
class Bucket:
    limit: int
    window: int
    used: int = 0
    reset: float = 0.0  # epoch seconds when the window ends; 0 = not started

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self, now: float) -> list[tuple[str, str]]:
        seconds = max(0, math.ceil(self.reset - now))
        return [
            ("RateLimit", f'"api";r={self.remaining};t={seconds}'),
            ("RateLimit-Policy", f'"fixed window";"api";q={self.limit};w={self.window}'),
        ]


class RateLimiter:
    """Fixed windows per principal (a token, or ``ip:ADDRESS``) on an epoch clock; a window
    starts with its first request, as the Hub's 5-minute windows do for a new caller."""

    def __init__(self, window: int, clock: Callable[[], float]) -> None:
        self.window = window
        self.clock = clock
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def bucket(self, key: str, limit: int) -> Bucket:
        with self._lock:
            now = self.clock()
            b = self._buckets.get(key)
            if b is None:
                b = self._buckets[key] = Bucket(limit, self.window)
            if b.reset == 0 or now >= b.reset:
                b.used, b.reset = 0, now + self.window
            return b

    def charge(self, key: str, limit: int) -> Bucket:
        b = self.bucket(key, limit)
        with self._lock:
            b.used += 1
        return b


# --- request handling ------------------------------------------------------------------


class _Error(Exception):
    """An error answer: status, message and the ``X-Error-Code`` huggingface_hub reads."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.headers = headers or []


@dataclass
class _Reply:
    status: int
    payload: Any
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Ctx:
    method: str
    path: str
    pairs: list[tuple[str, str]]
    client: str
    token: str | None = None
    principal: str = "anonymous"
    kind: str = "other"
    charged: bool = False
    bucket: Bucket | None = None

    def first(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.pairs:
            if k == key:
                return v
        return default

    def all(self, *keys: str) -> list[str]:
        return [v for k, v in self.pairs if k in keys]

    def integer(self, key: str, default: int, low: int = 0) -> int:
        value = self.first(key)
        if value in (None, ""):
            return default
        try:
            number = int(value)
        except ValueError:
            raise _Error(400, f'"{key}" must be a number') from None
        if number < low:
            raise _Error(400, f'"{key}" must be greater than or equal to {low}')
        return number


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes

    def version_string(self) -> str:
        return "huggingface.co"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the app keeps a log
        pass

    def _dispatch(self) -> None:
        self.server.app._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_HEAD = do_PUT = do_PATCH = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        # A client killed in the middle of a request (benchmarks/recovery.py kills miners
        # on purpose) resets its connection: nothing went wrong here, nothing to print.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


_REPO_ROUTE = re.compile(
    r"^/api/(models|datasets|spaces)/([^/]+)/([^/]+)"
    r"(?:/(commits)/(.+)|/(discussions)(?:/([^/]+))?|/(likers))?$"
)


class FakeHub:
    """Serve ``world`` on ``http://127.0.0.1:<port>``.

    Parameters
    ----------
    world : HubWorld
    tokens : dict, optional
        ``{token: {"user": name, "private": bool, "gated_ok": bool, "rate_limit": int}}``;
        default ``{"hf_test": {}}``. ``user`` (default: the organisation's first member) is
        whom ``whoami-v2`` names; ``private`` (default: whether that user is a member) lets
        the token see private repositories; ``gated_ok`` (default True) means the user has
        accepted the gated repositories' conditions. Any other token is answered 401.
    port : int
        0 picks a free port.
    rate_limit, anonymous_rate_limit : int
        Requests per window: 1000 (free user) and 500 (anonymous, per IP) as hub-docs
        ``rate-limits.md`` lists them.
    rate_window : int
        Seconds (300, the Hub's 5-minute fixed window).
    clock : callable
        Epoch seconds for the windows (default ``time.time``).
    page_sizes : PageSizes, optional
        Items per page of each paged route (default: the Hub's).
    """

    def __init__(
        self,
        world: HubWorld,
        tokens: dict[str, dict[str, Any]] | None = None,
        port: int = 0,
        *,
        rate_limit: int = 1000,
        anonymous_rate_limit: int = 500,
        rate_window: int = 300,
        clock: Callable[[], float] = time.time,
        page_sizes: PageSizes | None = None,
    ) -> None:
        self.world = world
        self.tokens = {t: dict(cfg) for t, cfg in (tokens or {"hf_test": {}}).items()}
        for token, cfg in self.tokens.items():
            name = cfg.get("user") or (world.org.members[0].name if world.org.members else None)
            user = world.user(name) if name else None
            if user is None or user.deleted:
                raise ValueError(f"token {token[:6]}…: no user {name!r} in the world")
            cfg["user"] = user.name
            cfg.setdefault("private", user.member)
            cfg.setdefault("gated_ok", True)
            cfg.setdefault("rate_limit", rate_limit)
        self._labels = {t: f"token-{n}" for n, t in enumerate(self.tokens, 1)}
        self.anonymous_rate_limit = anonymous_rate_limit
        self.rate_limiter = RateLimiter(rate_window, clock)
        self.clock = clock
        self.page_sizes = page_sizes or PageSizes()
        self.faults = FaultQueue()
        self.log = RequestLog()
        self.errors: list[str] = []  # tracebacks of crashes inside the fake
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = itertools.count(1)

    # --- life cycle ---------------------------------------------------------------------

    def start(self) -> FakeHub:
        if self._server is not None:
            return self
        self._server = _Server(("127.0.0.1", self._requested_port), _Handler)
        self._server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._server.app = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="fake-hf",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeHub is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: pass it as ``HfApi(endpoint=...)``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        """The first configured token."""
        return next(iter(self.tokens))

    # --- helpers for tests --------------------------------------------------------------

    def requests(self, kind: str | None = None, *, status: int | None = None) -> int:
        """How many requests of a route kind (see :data:`ROUTE_KINDS`) were made."""
        return len(self.log.select(kind, status=status))

    def rate(self, token: str | None = None) -> dict[str, float]:
        """``{"limit", "remaining", "used", "reset"}`` of a token's bucket (no charge)."""
        token = token or self.token
        b = self.rate_limiter.bucket(token, int(self.tokens[token]["rate_limit"]))
        return {"limit": b.limit, "remaining": b.remaining, "used": b.used, "reset": b.reset}

    # --- the request pipeline -----------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        if length > 0:
            h.rfile.read(length)
        ctx = _Ctx(
            method=h.command,
            path=unquote(split.path),
            pairs=parse_qsl(split.query, keep_blank_values=True),
            client=h.client_address[0],
        )
        ctx.kind = self._kind(ctx)
        fault = None
        try:
            reply = self._authenticate(ctx, h.headers.get("Authorization"))
            if reply is None:
                fault = self.faults.take(ctx.path)
                reply = self._fault(ctx, fault) if fault else self._limited(ctx)
            if reply is None:
                try:
                    with self.world.lock:
                        reply = self._route(ctx)
                except _Error as err:
                    reply = self._error(err)
        except Exception:  # a bug in the fake: answer 500 and keep the traceback
            self.errors.append(traceback.format_exc())
            reply = _Reply(500, {"error": "fake Hub internal error"})
        headers = [("Content-Type", "application/json; charset=utf-8")]
        headers.append(("X-Request-Id", f"Root=1-fake-{next(self._ids):08x}"))
        if ctx.bucket is not None and not any(k == "RateLimit" for k, _ in reply.headers):
            headers += ctx.bucket.headers(self.clock())
        headers += reply.headers
        body = json.dumps(reply.payload, ensure_ascii=False, separators=(",", ":")).encode()
        if reply.status == 200:
            headers.append(("ETag", f'W/"{len(body):x}-{hashlib.sha1(body).hexdigest()[:27]}"'))
        self.log.append(
            LogEntry(
                method=ctx.method,
                path=ctx.path,
                query=tuple(ctx.pairs),
                status=reply.status,
                kind=ctx.kind,
                principal=ctx.principal,
                counted=ctx.charged,
                fault=fault is not None,
                time=time.time(),
            )
        )
        try:
            h.send_response(reply.status)
            for name, value in headers:
                h.send_header(name, value)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if h.command != "HEAD":
                h.wfile.write(body)
        except OSError:
            h.close_connection = True  # the client went away

    def _authenticate(self, ctx: _Ctx, auth: str | None) -> _Reply | None:
        """None when the caller may go on (a known token, or none at all)."""
        if not auth:
            ctx.principal = "anonymous"
            return None
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or token not in self.tokens:
            # The Hub cannot attribute the call: it is the caller's IP that pays.
            self._charge_anonymous(ctx)
            return self._error(_Error(401, INVALID_TOKEN))
        ctx.token, ctx.principal = token, self._labels[token]
        return None

    def _charge_anonymous(self, ctx: _Ctx) -> None:
        ctx.bucket = self.rate_limiter.charge(f"ip:{ctx.client}", self.anonymous_rate_limit)
        ctx.charged = True

    def _bucket_key(self, ctx: _Ctx) -> tuple[str, int]:
        if ctx.token is None:
            return f"ip:{ctx.client}", self.anonymous_rate_limit
        return ctx.token, int(self.tokens[ctx.token]["rate_limit"])

    def _limited(self, ctx: _Ctx) -> _Reply | None:
        """Charge the caller's bucket, or answer 429 when it is empty."""
        key, limit = self._bucket_key(ctx)
        bucket = self.rate_limiter.bucket(key, limit)
        if bucket.remaining <= 0:
            ctx.bucket = bucket
            return self._too_many(ctx, bucket)
        ctx.bucket = self.rate_limiter.charge(key, limit)
        ctx.charged = True
        return None

    def _too_many(self, ctx: _Ctx, bucket: Bucket) -> _Reply:
        seconds = max(0, math.ceil(bucket.reset - self.clock()))
        if ctx.token is None:
            message = (
                f"We had to rate limit your IP ({ctx.client}). To continue using our service, "
                "create a HF account or login to your existing account, and make sure you "
                "pass a HF_TOKEN if you're using the API."
            )
        else:
            message = (
                f"You have exceeded your rate limit of {bucket.limit} API requests per "
                f"{bucket.window} seconds. Retry after {seconds} seconds."
            )
        reply = self._error(_Error(429, message))
        reply.headers.append(("Retry-After", str(seconds)))
        return reply

    def _fault(self, ctx: _Ctx, fault: Fault) -> _Reply:
        key, limit = self._bucket_key(ctx)
        ctx.bucket = self.rate_limiter.bucket(key, limit)
        headers = list((fault.headers or {}).items())
        if fault.status == 429 and fault.headers is None:
            seconds = max(0, math.ceil(ctx.bucket.reset - self.clock()))
            headers = [
                ("RateLimit", f'"api";r=0;t={seconds}'),
                ("RateLimit-Policy", ctx.bucket.headers(self.clock())[1][1]),
                ("Retry-After", str(seconds)),
            ]
        body = fault.body
        if body is None:
            body = {"error": HTTPStatus(fault.status).phrase}
        return _Reply(fault.status, body, headers)

    @staticmethod
    def _error(err: _Error) -> _Reply:
        headers = [("X-Error-Message", err.message), *err.headers]
        if err.code:
            headers.insert(0, ("X-Error-Code", err.code))
        return _Reply(err.status, {"error": err.message}, headers)

    def _kind(self, ctx: _Ctx) -> str:
        path = ctx.path
        m = re.match(r"^/api/(models|datasets|spaces)$", path)
        if m:
            if m.group(1) == "models" and any(
                f.startswith("base_model:") for f in ctx.all("filter")
            ):
                return "derivatives"
            return m.group(1)
        m = _REPO_ROUTE.match(path)
        if m:
            if m.group(4):
                return "commits"
            if m.group(6):
                return "discussion" if m.group(7) else "discussions"
            if m.group(8):
                return "likers"
            return "repo"
        if re.match(r"^/api/organizations/[^/]+/members$", path):
            return "members"
        if re.match(r"^/api/users/[^/]+/overview$", path):
            return "overview"
        if path == "/api/whoami-v2":
            return "whoami"
        return "other"

    # --- routes -------------------------------------------------------------------------

    def _route(self, ctx: _Ctx) -> _Reply:
        if ctx.method not in ("GET", "HEAD"):
            raise _Error(405, "Method not allowed: the fake Hub is read-only")
        path = ctx.path
        m = re.match(r"^/api/(models|datasets|spaces)$", path)
        if m:
            return self._listing(ctx, m.group(1)[:-1])
        m = _REPO_ROUTE.match(path)
        if m:
            repo_type = m.group(1)[:-1]
            renamed = self.world.renamed_from(repo_type, f"{m.group(2)}/{m.group(3)}")
            if renamed is not None and self.world.repo(repo_type, renamed.repo_id) is renamed:
                # The Hub redirects an old name: a relative Location, the query kept.
                rest = path[m.end(3) :]
                location = f"/api/{m.group(1)}/{renamed.repo_id}{rest}"
                if ctx.pairs:
                    location += "?" + urlencode(ctx.pairs)
                return _Reply(307, {"error": "Moved"}, [("Location", location)])
            repo = self._visible(ctx, repo_type, f"{m.group(2)}/{m.group(3)}")
            if m.group(4):
                return self._commits(ctx, repo, m.group(5))
            if m.group(6):
                if m.group(7):
                    return self._discussion(ctx, repo, m.group(7))
                return self._discussions(ctx, repo)
            if m.group(8):
                return self._paged(ctx, [shapes.liker(u) for u in self._likers(repo)], "likers")
            return _Reply(200, shapes.repo_info(self.world, repo, expand=self._expand(ctx, repo)))
        m = re.match(r"^/api/organizations/([^/]+)/members$", path)
        if m:
            org = self.world.org
            if m.group(1).lower() != org.name.lower():
                raise _Error(404, "Organization not found")
            members = [shapes.member(u) for u in org.members if not u.deleted]
            return self._paged(ctx, members, "members")
        m = re.match(r"^/api/users/([^/]+)/overview$", path)
        if m:
            user = self.world.user(m.group(1))
            if user is None or user.deleted or user is self.world.system:
                raise _Error(404, "User not found")
            return _Reply(200, shapes.overview(self.world, user))
        if path == "/api/whoami-v2":
            if ctx.token is None:
                raise _Error(401, INVALID_TOKEN)
            user = self.world.user(self.tokens[ctx.token]["user"])
            return _Reply(200, shapes.whoami(self.world, user, iso(self.world.org.created_at)))
        raise _Error(404, "Not Found")

    def _may_see_private(self, ctx: _Ctx) -> bool:
        return ctx.token is not None and bool(self.tokens[ctx.token]["private"])

    def _visible(self, ctx: _Ctx, repo_type: str, repo_id: str) -> Repo:
        repo = self.world.repo(repo_type, repo_id)
        if repo is None or (repo.private and not self._may_see_private(ctx)):
            # The Hub answers a token 404 with X-Error-Code RepoNotFound, and an anonymous
            # caller 401 without any X-Error-Code, asking for credentials (see the comment
            # in hf_raise_for_status, and huggingface_hub#1904).
            if ctx.token is None:
                www = [("WWW-Authenticate", WWW_AUTHENTICATE)]
                raise _Error(401, ANONYMOUS_NOT_FOUND, headers=www)
            raise _Error(404, REPO_NOT_FOUND, "RepoNotFound")
        return repo

    def _expand(self, ctx: _Ctx, repo_type_or_repo: str | Repo) -> list[str]:
        repo_type = (
            repo_type_or_repo.type if isinstance(repo_type_or_repo, Repo) else repo_type_or_repo
        )
        names: list[str] = []
        for name in ctx.all("expand", "expand[]"):
            if name not in shapes.EXPAND[repo_type]:
                raise _Error(400, f'"expand" must be one of {sorted(shapes.EXPAND[repo_type])}')
            if name not in names:
                names.append(name)
        return names

    def _listing(self, ctx: _Ctx, repo_type: str) -> _Reply:
        expand = self._expand(ctx, repo_type)
        full = ctx.first("full") in _TRUE
        card = ctx.first("cardData") in _TRUE
        if expand and (full or card):
            raise _Error(400, '"expand" cannot be combined with "full" or "cardData"')
        author = (ctx.first("author") or "").lower()
        filters = ctx.all("filter")
        search = (ctx.first("search") or "").lower()
        repos = [
            r
            for r in self.world.repos
            if r.type == repo_type
            and (not r.private or self._may_see_private(ctx))
            and (not author or r.namespace.lower() == author)
            and all(f in r.tags for f in filters)
            and (not search or search in r.repo_id.lower())
        ]
        repos.sort(key=lambda r: r.repo_id.lower())
        sort = ctx.first("sort")
        if sort:
            if sort not in SORT_KEYS:
                raise _Error(400, f'"sort" must be one of {sorted(SORT_KEYS)}')
            ascending = ctx.first("direction") == "1"
            repos.sort(key=SORT_KEYS[sort], reverse=not ascending)
        items = [
            shapes.listing_item(self.world, r, expand=expand, full=full, card=card) for r in repos
        ]
        return self._paged(ctx, items, "listing", limit_param=True)

    def _paged(
        self, ctx: _Ctx, items: list, size_name: str, *, limit_param: bool = False
    ) -> _Reply:
        """One page of ``items`` with a ``Link`` to the next one (an opaque cursor)."""
        size = getattr(self.page_sizes, size_name)
        if limit_param:
            size = min(size, ctx.integer("limit", size, low=1))
        offset = _decode_cursor(ctx.first("cursor"))
        page = items[offset : offset + size]
        headers = []
        if offset + size < len(items):
            pairs = [(k, v) for k, v in ctx.pairs if k != "cursor"]
            pairs.append(("cursor", _encode_cursor(offset + size)))
            url = f"{self.base_url}{ctx.path}?{urlencode(pairs)}"
            headers.append(("Link", f'<{url}>; rel="next"'))
        return _Reply(200, page, headers)

    def _likers(self, repo: Repo) -> list[User]:
        return [u for u in repo.likers if not u.deleted]

    def _commits(self, ctx: _Ctx, repo: Repo, rev: str) -> _Reply:
        if repo.gated and not self.tokens.get(ctx.token or "", {}).get("gated_ok", False):
            kind = repo.type
            if ctx.token is None:
                message = (
                    f"Access to {kind} {repo.repo_id} is restricted. You must have access to "
                    "it and be authenticated to access it. Please log in."
                )
                raise _Error(401, message, "GatedRepo")
            message = (
                f"Access to {kind} {repo.repo_id} is restricted and you are not in the "
                f"authorized list. Visit {self.base_url}/{shapes.repo_path(repo)} to ask for "
                "access."
            )
            raise _Error(403, message, "GatedRepo")
        history = self._history(repo, rev)
        size = min(ctx.integer("limit", self.page_sizes.commits, low=1), 1000)
        page_no = ctx.integer("p", 0)
        formatted = "formatted" in ctx.all("expand", "expand[]")
        newest_first = history[::-1]
        page = newest_first[page_no * size : (page_no + 1) * size]
        headers = [("X-Total-Count", str(len(newest_first)))]
        if (page_no + 1) * size < len(newest_first):
            # The Hub's commit pages link to the next one by path, not by URL, and name
            # the page size: </api/spaces/ns/name/commits/main?p=1&limit=50>.
            pairs = [("p", str(page_no + 1)), ("limit", str(size))]
            pairs += [(k, v) for k, v in ctx.pairs if k not in ("p", "limit")]
            headers.append(("Link", f'<{ctx.path}?{urlencode(pairs)}>; rel="next"'))
        items = [shapes.commit(c, formatted=formatted) for c in page]
        return _Reply(200, items, headers)

    def _history(self, repo: Repo, rev: str):
        """The commits reachable from ``rev``, oldest first."""
        if rev in ("main", "refs/heads/main"):
            return list(repo.commits)
        m = re.fullmatch(r"refs/pr/(\d+)", rev)
        if m:
            d = repo.discussion(int(m.group(1)))
            if d is not None and d.is_pull_request:
                base = [c for c in repo.commits if c.date <= d.created_at]
                return base + list(d.pr_commits)
        for i, c in enumerate(repo.commits):
            if c.id == rev:
                return repo.commits[: i + 1]
        raise _Error(404, f"Invalid rev id: {rev}", "RevisionNotFound")

    def _discussions(self, ctx: _Ctx, repo: Repo) -> _Reply:
        kind = ctx.first("type") or "all"
        status = ctx.first("status") or "all"
        author = (ctx.first("author") or "").lower()
        if kind not in ("all", "discussion", "pull_request"):
            raise _Error(400, '"type" must be one of all, discussion, pull_request')
        if status not in ("all", "open", "closed"):
            raise _Error(400, '"status" must be one of all, open, closed')
        page_no = ctx.integer("p", 0)
        matching = [
            d
            for d in repo.discussions
            if (kind == "all" or d.is_pull_request == (kind == "pull_request"))
            and (not author or (not d.author.deleted and d.author.name.lower() == author))
        ]
        closed = [d for d in matching if d.status in ("closed", "merged")]
        if status == "open":
            matching = [d for d in matching if d.status in ("open", "draft")]
        elif status == "closed":
            matching = closed
        matching.sort(key=lambda d: -d.num)  # newest first
        size = self.page_sizes.discussions
        start = page_no * size
        page = [shapes.discussion_item(self.world, d) for d in matching[start : start + size]]
        return _Reply(
            200,
            {
                "discussions": page,
                "count": len(matching),
                "start": start,
                "numClosedDiscussions": len(closed),
            },
        )

    def _discussion(self, ctx: _Ctx, repo: Repo, num: str) -> _Reply:
        d = repo.discussion(int(num)) if num.isdigit() else None
        if d is None:
            raise _Error(404, "Discussion not found")
        diff = ctx.first("diff") in _TRUE
        details = shapes.discussion_details(self.world, d, base_url=self.base_url, diff=diff)
        return _Reply(200, details)


def _encode_cursor(offset: int) -> str:
    raw = json.dumps({"$offset": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return max(0, int(json.loads(raw)["$offset"]))
    except (ValueError, KeyError, TypeError):
        raise _Error(400, "Invalid cursor") from None


__all__ = [
    "ROUTE_KINDS",
    "Bucket",
    "Fault",
    "FaultQueue",
    "FakeHub",
    "LogEntry",
    "RateLimiter",
    "RequestLog",
]
