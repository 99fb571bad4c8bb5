"""Saved searches and what's new: a digest of what changed in a search's top since the
last digest (people new to the top, who rose or fell most and the signal that moved
them, new rising contributors, people who went quiet), as Markdown or JSON, and sent to
a webhook if one is set.

Each digest keeps a snapshot of the search's top (rank, score, rising, last activity,
contributions per signal) in the store; the next one compares with it. A digest that
could not be delivered keeps no snapshot, so the next one still has everything.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine

from talent.config import Settings
from talent.ranking.scoring import CONTRIBUTIONS, SIGNAL_LABELS, rank_store
from talent.store import load_people, load_searches, load_snapshot, save_search, save_snapshot

DEFAULT_SEARCH = "everyone"  # the digest with no --search: the recruiter profile's top
QUIET_DAYS = 90
MOVERS = 5
WEBHOOK_TIME_LIMIT = 30.0  # seconds for a whole delivery, its retry included
WEBHOOK_MAX_ANSWER = 2**20  # bytes of the receiver's answer read, at most


class DigestError(Exception):
    """A digest problem the user can act on (one line)."""


@dataclass(frozen=True)
class Search:
    """What a saved search ranks: a profile, optional skill words, repositories and
    affiliations (empty: the profile's own), and how many of the top to follow."""

    profile: str = "recruiter"
    skill: str = ""
    repos: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    top: int = 50

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Search:
        data = json.loads(text)
        return cls(
            profile=data.get("profile", "recruiter"),
            skill=data.get("skill", ""),
            repos=tuple(data.get("repos", ())),
            affiliations=tuple(data.get("affiliations", ())),
            top=int(data.get("top", 50)),
        )


def save(engine: Engine, name: str, search: Search) -> None:
    save_search(engine, name, search.to_json())


def searches(engine: Engine) -> dict[str, Search]:
    found = load_searches(engine)
    return {r.name: Search.from_json(r.spec) for r in found.itertuples(index=False)}


def _rank(engine: Engine, settings: Settings, search: Search) -> pd.DataFrame:
    ranking = rank_store(
        engine,
        settings,
        profile=search.profile,
        repos=list(search.repos) or None,
        skill=search.skill or None,
        affiliations=search.affiliations or None,
    )
    return ranking.head(search.top).reset_index(drop=True)


def _rows(top: pd.DataFrame) -> list[dict]:
    contribs = [c for c in CONTRIBUTIONS if c in top.columns]
    return [
        {
            "person_id": r["person_id"],
            "rank": int(r["rank"]),
            "score": float(r["score"]),
            "rising": bool(r.get("rising", False)),
            "last_active": pd.Timestamp(r["last_active"]).to_pydatetime().replace(tzinfo=None)
            if pd.notna(r["last_active"])
            else None,
            "contributions": json.dumps(
                {c.removeprefix("contrib_"): round(float(r[c]), 6) for c in contribs},
                sort_keys=True,
            ),
        }
        for _, r in top.iterrows()
    ]


@dataclass
class Digest:
    search: str
    taken_at: str
    since: str | None  # the previous digest's time; None: the first digest
    top: int
    new_in_top: list[dict] = field(default_factory=list)
    risers: list[dict] = field(default_factory=list)
    fallers: list[dict] = field(default_factory=list)
    left_top: list[dict] = field(default_factory=list)
    rising: list[dict] = field(default_factory=list)
    quiet: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def changed(self) -> bool:
        """The digest has something to say: it is the first, or a list is not empty
        (else its text is "Nothing changed.")."""
        lists = (self.new_in_top, self.risers, self.fallers, self.left_top, self.rising,
                 self.quiet)  # fmt: skip
        return self.since is None or any(lists)


def build(
    engine: Engine,
    settings: Settings,
    name: str | None = None,
    *,
    since: datetime | None = None,
    now: datetime | None = None,
    search: Search | None = None,
) -> tuple[Digest, list[dict]]:
    """The digest of search ``name`` (the default search without one) against its last
    snapshot (at or before ``since`` if given), and the new snapshot's rows; call
    :func:`keep` with them once the digest was delivered. With ``search``, that search
    is followed under ``name`` without being saved (the app's "since my last visit")."""
    known = searches(engine)
    if search is None and name is not None and name not in known:
        listed = ", ".join(known) or "none yet"
        raise DigestError(f"no saved search {name!r} (saved: {listed}); talent search save NAME")
    label = name or DEFAULT_SEARCH
    search = search or known.get(label, Search())
    taken_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    before_taken, before = load_snapshot(engine, label, since)
    top = _rank(engine, settings, search)
    rows = _rows(top)
    digest = Digest(
        search=label,
        taken_at=taken_at.isoformat(timespec="seconds"),
        since=before_taken.isoformat(timespec="seconds") if before_taken else None,
        top=search.top,
    )
    people = load_people(engine).set_index("person_id")

    def who(pid: str, **extra) -> dict:
        name_, login = "", ""
        if pid in people.index:
            name_ = people.loc[pid, "name"] or ""
            login = people.loc[pid, "login"] if isinstance(people.loc[pid, "login"], str) else ""
        return {"person_id": pid, "name": name_, "login": login, **extra}

    now_by = {r["person_id"]: r for r in rows}
    if before_taken is None:
        digest.new_in_top = [who(r["person_id"], rank=r["rank"], signal=_top_signal(r))
                             for r in rows]  # fmt: skip
        return digest, rows
    # Whoever opted out since the last digest is not among the people: not reported.
    was = {
        r.person_id: r._asdict()
        for r in before.itertuples(index=False)
        if r.person_id in people.index
    }
    digest.new_in_top = [
        who(pid, rank=r["rank"], signal=_top_signal(r))
        for pid, r in now_by.items()
        if pid not in was
    ]
    digest.left_top = [who(pid, was_rank=int(r["rank"])) for pid, r in was.items()
                       if pid not in now_by]  # fmt: skip
    moves = []
    for pid, r in now_by.items():
        if pid in was and was[pid]["rank"] != r["rank"]:
            delta = int(was[pid]["rank"]) - r["rank"]
            moves.append(who(pid, rank=r["rank"], was_rank=int(was[pid]["rank"]), moved=delta,
                             signal=_moved_by(was[pid]["contributions"], r["contributions"],
                                              delta)))  # fmt: skip
    digest.risers = sorted([m for m in moves if m["moved"] > 0], key=lambda m: -m["moved"])[:MOVERS]
    digest.fallers = sorted([m for m in moves if m["moved"] < 0], key=lambda m: m["moved"])[:MOVERS]
    digest.rising = [who(pid, rank=r["rank"]) for pid, r in now_by.items()
                     if r["rising"] and not (pid in was and was[pid]["rising"])]  # fmt: skip
    digest.quiet = _quiet(was, now_by, who)
    return digest, rows


def _top_signal(row: dict) -> str:
    contribs = json.loads(row["contributions"])
    if not contribs:
        return ""
    best = max(contribs, key=lambda k: contribs[k])
    return SIGNAL_LABELS.get(best, best)


def _moved_by(before: str, after: str, delta: int) -> str:
    """The signal whose contribution changed most in the direction of the move."""
    old, new = json.loads(before), json.loads(after)
    change = {k: new.get(k, 0.0) - old.get(k, 0.0) for k in set(old) | set(new)}
    if not change:
        return ""
    pick = max if delta > 0 else min
    key = pick(sorted(change), key=lambda k: change[k])
    if (delta > 0 and change[key] <= 0) or (delta < 0 and change[key] >= 0):
        return "others moved"
    return SIGNAL_LABELS.get(key, key)


def _quiet(was: dict, now_by: dict, who) -> list[dict]:
    """People in the top with no activity in the last QUIET_DAYS days of the data, who
    were active within that many days at the last digest."""

    def end(rows) -> datetime | None:
        times = [pd.Timestamp(r["last_active"]) for r in rows if pd.notna(r["last_active"])]
        return max(times) if times else None

    end_now, end_was = end(now_by.values()), end(was.values())
    if end_now is None or end_was is None:
        return []
    gap = timedelta(days=QUIET_DAYS)
    out = []
    for pid, r in now_by.items():
        last = r["last_active"]
        before = was.get(pid, {}).get("last_active")
        if last is None or pid not in was or pd.isna(before):
            continue
        if pd.Timestamp(last) < end_now - gap and pd.Timestamp(before) >= end_was - gap:
            out.append(who(pid, rank=r["rank"], last_active=f"{pd.Timestamp(last):%Y-%m-%d}"))
    return out


def keep(engine: Engine, digest: Digest, rows: list[dict]) -> None:
    """Record the digest's snapshot: the next digest compares with it."""
    save_snapshot(engine, digest.search, datetime.fromisoformat(digest.taken_at), rows)


def to_markdown(digest: Digest) -> str:
    since = f"since {digest.since[:10]}" if digest.since else "(first digest: everyone is new)"
    lines = [f"## What's new in {md(digest.search)} {since}", ""]

    def person(p: dict) -> str:
        label = md(p["name"] or p["login"] or p["person_id"])
        return label + (f" (@{md(p['login'])})" if p["login"] and p["name"] else "")

    def section(title: str, items: list[dict], text) -> None:
        if items:
            lines.append(f"**{title}** ({len(items)})")
            lines.extend(f"- {text(p)}" for p in items[:20])
            if len(items) > 20:
                lines.append(f"- … and {len(items) - 20} more")
            lines.append("")

    section(
        f"New in the top {digest.top}",
        digest.new_in_top,
        lambda p: f"#{p['rank']} {person(p)}" + (f": {md(p['signal'])}" if p["signal"] else ""),
    )
    section(
        "Rose most",
        digest.risers,
        lambda p: f"{person(p)}: #{p['was_rank']} → #{p['rank']} ({md(p['signal'])})",
    )
    section(
        "Fell most",
        digest.fallers,
        lambda p: f"{person(p)}: #{p['was_rank']} → #{p['rank']} ({md(p['signal'])})",
    )
    section("New rising contributors", digest.rising, lambda p: f"#{p['rank']} {person(p)}")
    section(
        "Went quiet",
        digest.quiet,
        lambda p: f"#{p['rank']} {person(p)}, last active {p['last_active']}",
    )
    section(f"Left the top {digest.top}", digest.left_top,
            lambda p: f"{person(p)} (was #{p['was_rank']})")  # fmt: skip
    if len(lines) == 2:
        lines.append("Nothing changed.")
    return "\n".join(lines).rstrip() + "\n"


def md(text: object) -> str:
    """Markdown-safe text (names are untrusted): no link, emphasis or HTML survives.

    >>> print(md("*a* [b](c) <d> & e"))
    \\*a\\* \\[b\\]\\(c\\) &lt;d&gt; &amp; e
    """
    out = str(text).replace("\\", "\\\\")
    for ch in "*_`[]()#|~!":
        out = out.replace(ch, "\\" + ch)
    return out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send(url: str, digest: Digest, markdown: str, *, attempts: int = 2,
         time_limit: float | None = None, pause: float = 1.0) -> None:  # fmt: skip
    """POST the digest as JSON to ``url``: ``{"text": markdown, "digest": {...}}`` (Slack's
    incoming webhooks show ``text``). Returns only when the host ``url`` names answered
    2xx. One retry on a server error or no answer; a client error (4xx) is not retried.
    A redirect is refused, not followed: urllib would follow it to any host as a GET
    without the digest and call that delivered. The whole delivery, retries included,
    takes at most ``time_limit`` seconds (:data:`WEBHOOK_TIME_LIMIT`), even from a server
    that answers one byte at a time, and at most :data:`WEBHOOK_MAX_ANSWER` bytes of the
    answer are read. Raises :class:`DigestError` with one line."""
    body = json.dumps({"text": markdown, "digest": digest.as_dict()}).encode("utf-8")
    parts = urllib.parse.urlsplit(url.strip())
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise DigestError(f"the webhook must be an http(s) URL with a host, not {url!r}")
    limit = WEBHOOK_TIME_LIMIT if time_limit is None else time_limit
    deadline = time.monotonic() + limit
    problem, tries = "", 0
    for attempt in range(attempts):
        tries += 1
        status, problem = _post(parts, host, body, deadline, limit)
        if 200 <= status < 300:
            return
        if 300 <= status < 500 or time.monotonic() + pause >= deadline:
            break  # a redirect or a client error will not change on a retry
        if attempt + 1 < attempts:
            time.sleep(pause)
    raise DigestError(
        f"the webhook did not take the digest ({problem}, tried "
        f"{'once' if tries == 1 else f'{tries} times'}); nothing was marked as sent: fix "
        "the URL or the receiver and run talent digest again"
    )


def _post(
    parts: urllib.parse.SplitResult, host: str, body: bytes, deadline: float, limit: float
) -> tuple[int, str]:
    """One POST of ``body``: (status, problem); status 0 when there was no answer in time.
    A watchdog shuts the socket at ``deadline``: a socket timeout bounds each read, not
    the sum of them, so a server dripping a byte at a time would outlast any timeout."""
    late_problem = f"no whole answer within {limit:g} s"
    left = deadline - time.monotonic()
    if left <= 0:
        return 0, late_problem
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    connection = kind(host, parts.port, timeout=left)
    late = threading.Event()

    def cut() -> None:
        late.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown: it wakes a read blocked in another thread
                # (on TLS too, where the SSL layer then sees the end of the stream).
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    watchdog = threading.Timer(left, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "talent-digest"})  # fmt: skip
        answer = connection.getresponse()
        with contextlib.suppress(OSError, http.client.HTTPException):
            # The status is the answer; the body is read only so far, and a body that
            # drips past the deadline changes nothing.
            answer.read(WEBHOOK_MAX_ANSWER)
        if 300 <= answer.status < 400:
            where = _printable(answer.getheader("Location") or "nowhere")
            return answer.status, (
                f"HTTP {answer.status}, a redirect to {where}: talent follows no webhook "
                "redirect, give the final URL"
            )
        return answer.status, f"HTTP {answer.status}"
    except (OSError, http.client.HTTPException) as exc:
        if late.is_set():
            return 0, late_problem
        return 0, str(getattr(exc, "reason", None) or exc) or type(exc).__name__
    finally:
        watchdog.cancel()
        connection.close()


def _printable(text: str, most: int = 120) -> str:
    """``text`` without control characters, cut to ``most`` characters (it came from the
    receiver)."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= most else clean[: most - 1] + "…"
