"""Saved searches and the digest: what changed between two mines, exactly; a webhook on
loopback (payload, one retry, a clear line on failure, nothing marked sent)."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import AUTHOR_B, MAINTAINER
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.model import Activity, ActivityKind, Identity, IdentitySource
from talent.people.identity import update_people
from talent.ranking.scoring import SIGNAL_LABELS, rank_store
from talent.store import save_activities, save_identities
from talent.views import digest as digest_module
from talent.views.digest import DigestError, Search, build, keep, save, send, to_markdown

WORDS = ["tokenizer", "kernel", "loader", "docs", "scheduler", "cache", "quantiser", "tests",
         "attention", "exporter", "metrics", "sampler", "adapter", "config", "server"]  # fmt: skip
VERBS = ["Fix", "Speed up", "Document", "Refactor", "Add tests for", "Support"]
NEWCOMER = Identity(IdentitySource.GITHUB, name="Nia Newcomer", login="nia", github_id=4)


def _acts(who, start: datetime, n: int, prefix: str, repo="acme/r1") -> list[Activity]:
    out = []
    for i in range(n):
        when = start + timedelta(days=i)
        number = f"{repo}#{prefix}{i}"
        out += [
            Activity(f"{prefix}:pr{i}", repo, ActivityKind.PR_OPENED, who.key, when,
                     item=number, title=f"{VERBS[i % 6]} the {WORDS[(i * 7) % 15]} ({i})"),
            Activity(f"{prefix}:rv{i}", repo, ActivityKind.REVIEW, MAINTAINER.key,
                     when + timedelta(hours=2), counterpart=who.key, item=number),
            Activity(f"{prefix}:mg{i}", repo, ActivityKind.PR_MERGED, who.key,
                     when + timedelta(hours=3), counterpart=MAINTAINER.key, item=number),
        ]  # fmt: skip
    return out


def _ranks(engine) -> dict[str, int]:
    ranking = rank_store(engine, Settings(), profile="recruiter")
    return dict(zip(ranking["login"], ranking["rank"], strict=True))


def test_a_digest_says_exactly_what_changed_between_two_mines(hand_store):
    engine, settings = hand_store, Settings()
    update_people(engine, settings)
    first, rows = build(engine, settings, now=datetime(2024, 4, 1))
    assert first.since is None
    assert {p["login"] for p in first.new_in_top} == set(_ranks(engine))
    keep(engine, first, rows)
    before = _ranks(engine)

    # The second mine: Bea does a lot more in August, a newcomer arrives in September, Alex does
    # nothing more (their last act stays in February).
    save_identities(engine, [NEWCOMER])
    save_activities(engine, _acts(AUTHOR_B, datetime(2024, 8, 1, tzinfo=UTC), 12, "b"))
    save_activities(engine, _acts(NEWCOMER, datetime(2024, 9, 1, tzinfo=UTC), 3, "n"))
    update_people(engine, settings)
    after = _ranks(engine)
    second, rows = build(engine, settings, now=datetime(2024, 10, 1))
    assert second.since == "2024-04-01T00:00:00"
    assert [p["login"] for p in second.new_in_top] == ["nia"]
    moved = {p["login"]: (p["was_rank"], p["rank"]) for p in second.risers + second.fallers}
    expected = {
        login: (before[login], after[login])
        for login in before
        if login in after and before[login] != after[login]
    }
    assert moved == expected and moved  # someone moved
    assert all(p["moved"] > 0 for p in second.risers) and all(p["moved"] < 0 for p in
                                                              second.fallers)  # fmt: skip
    assert {p["signal"] for p in second.risers + second.fallers} <= {
        *SIGNAL_LABELS.values(), "others moved"}  # fmt: skip
    # Alex was active within 90 days of the data's end at the first digest, not now.
    assert [p["login"] for p in second.quiet] == ["alex"]
    assert second.left_top == []
    text = to_markdown(second)
    assert "**New in the top 50** (1)" in text and "Nia Newcomer (@nia)" in text
    assert "**Went quiet** (1)" in text
    keep(engine, second, rows)
    third, _rows = build(engine, settings, now=datetime(2024, 10, 2))
    assert to_markdown(third).endswith("Nothing changed.\n")
    # --since picks an older digest to compare with.
    again, _rows = build(engine, settings, since=datetime(2024, 4, 2), now=datetime(2024, 10, 3))
    assert again.since == "2024-04-01T00:00:00" and [p["login"] for p in again.new_in_top] == [
        "nia"]  # fmt: skip


def test_a_saved_search_follows_its_own_top(hand_store):
    update_people(hand_store, Settings())
    save(
        hand_store,
        "two",
        Search(profile="maintainer", top=2, affiliations=("unknown", "community")),
    )
    digest, rows = build(hand_store, Settings(), "two")
    assert digest.search == "two" and digest.top == 2 and len(rows) <= 2
    with pytest.raises(DigestError, match="no saved search 'nope'"):
        build(hand_store, Settings(), "nope")


# --- the webhook ------------------------------------------------------------------------


class Receiver:
    """A loopback webhook that answers the statuses it is given, in order, and keeps
    what it was sent."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.received = list(statuses), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((self.headers["Content-Type"], json.loads(body)))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver():
    made = []

    def make(statuses):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def test_the_webhook_gets_the_digest_after_one_retry(hand_store, receiver):
    update_people(hand_store, Settings())
    digest, _rows = build(hand_store, Settings())
    hook = receiver([500, 200])
    send(hook.url, digest, to_markdown(digest), pause=0)
    assert len(hook.received) == 2  # one failure, one retry
    content_type, payload = hook.received[-1]
    assert content_type == "application/json"
    assert set(payload) == {"text", "digest"}
    assert payload["text"].startswith("## What's new in everyone")
    assert payload["digest"]["search"] == "everyone"
    assert {p["login"] for p in payload["digest"]["new_in_top"]} == {"maria", "alex", "bea"}


def test_a_failing_webhook_is_one_line_and_nothing_is_marked_sent(db_url, receiver):
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db_url, "--size", "small"]).exit_code == 0
    hook = receiver([500, 503])
    result = runner.invoke(app, ["digest", "--db", db_url, "--webhook", hook.url])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert "HTTP 503, tried 2 times" in result.output and "nothing was marked" in result.output
    assert len(hook.received) == 2
    refused = receiver([404])
    result = runner.invoke(app, ["digest", "--db", db_url, "--webhook", refused.url])
    assert "HTTP 404, tried once" in result.output and len(refused.received) == 1
    # Nothing was recorded: the next digest is still the first.
    ok = receiver([])
    result = runner.invoke(app, ["digest", "--db", db_url, "--webhook", ok.url, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["since"] is None
    result = runner.invoke(app, ["digest", "--db", db_url, "-f", "json"])
    assert json.loads(result.stdout)["since"] is not None
    bad = runner.invoke(app, ["digest", "--db", db_url, "--webhook", "ftp://x"])
    assert bad.exit_code == 1 and "--webhook must be an http(s) URL" in bad.output


def test_the_candidates_page_says_what_changed_since_my_last_visit(monkeypatch, demo_copy):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TALENT_DB", demo_copy)
    monkeypatch.setenv("TALENT_USER", "ann")
    app_py = str(Path(__file__).resolve().parents[1] / "app.py")
    at = AppTest.from_file(app_py, default_timeout=120).run()
    at.toggle(key="since_visit").set_value(True).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert any("What's new in last visit of ann" in t and "first digest" in t for t in texts)
    at.button(key="mark_seen").click().run()
    assert not at.exception
    at.toggle(key="since_visit").set_value(True).run()
    texts = [m.value for m in at.markdown]
    assert any("Nothing changed." in t for t in texts), texts[:3]


# --- a hostile webhook -------------------------------------------------------------------


class RawServer:
    """A loopback server that reads a request's head and body, then lets ``reply(conn)``
    answer as it likes (drip, flood, redirect); counts what it wrote in ``sent``."""

    def __init__(self, reply):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.requests, self.sent, self.reply = [], 0, reply
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, body = data.split(b"\r\n\r\n", 1)
            size = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1)) if (
                b"ontent-" in head) else 0  # fmt: skip
            while len(body) < size:
                body += conn.recv(65536)
            self.requests.append(head.split(b"\r\n")[0].decode())
            with contextlib.suppress(OSError):
                self.reply(self, conn)

    def close(self):
        self.sock.close()


@pytest.fixture()
def raw():
    made = []

    def make(reply):
        made.append(RawServer(reply))
        return made[-1]

    yield make
    for server in made:
        server.close()


def redirect(to: str):
    def reply(server, conn):
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n".encode())

    return reply


def answer_get_ok(server, conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


@pytest.fixture()
def first_digest(hand_store):
    update_people(hand_store, Settings())
    digest, _rows = build(hand_store, Settings())
    return digest, to_markdown(digest)


@pytest.mark.parametrize("elsewhere", ["another port", "ftp"])
def test_a_redirect_is_refused_not_followed(first_digest, raw, elsewhere):
    digest, text = first_digest
    target = raw(answer_get_ok)  # urllib followed a 302 here as a GET and called it sent
    to = target.url if elsewhere == "another port" else "ftp://127.0.0.1:1/digest"
    hook = raw(redirect(to))
    with pytest.raises(DigestError) as caught:
        send(hook.url, digest, text, pause=0)
    assert f"HTTP 302, a redirect to {to}: talent follows no webhook redirect" in str(caught.value)
    assert "tried once" in str(caught.value) and "\n" not in str(caught.value)
    assert hook.requests == ["POST /hook HTTP/1.1"] and target.requests == []


def test_a_server_that_drips_fails_within_the_time_limit(first_digest, raw, monkeypatch):
    digest, text = first_digest
    monkeypatch.setattr(digest_module, "WEBHOOK_TIME_LIMIT", 2.0, raising=False)

    def drip(server, conn):  # one byte of "HTTP/1.1 200 OK..." every 0.4 s, for 20 s
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"[:50]:
            conn.sendall(bytes([byte]))
            time.sleep(0.4)

    hook = raw(drip)
    started = time.monotonic()
    with pytest.raises(DigestError, match=r"no whole answer within 2 s, tried once"):
        send(hook.url, digest, text, pause=0.5)
    took = time.monotonic() - started
    assert 1.9 < took < 3.0, took


def test_a_huge_answer_is_read_only_up_to_the_limit(first_digest, raw):
    digest, text = first_digest
    chunk = b"x" * 2**16

    def flood(server, conn):  # says 3 GB, writes until the client hangs up (or 512 MB)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3000000000\r\n\r\n")
        while server.sent < 512 * 2**20:
            conn.sendall(chunk)
            server.sent += len(chunk)

    hook = raw(flood)
    send(hook.url, digest, text, pause=0)  # a 2xx from the named host: sent
    time.sleep(0.2)
    assert hook.requests == ["POST /hook HTTP/1.1"]
    assert hook.sent < 16 * 2**20  # 1 MB read, then the connection closed


def test_cli_a_redirected_webhook_is_one_line_and_no_snapshot_is_kept(db_url, raw, receiver):
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db_url, "--size", "small"]).exit_code == 0
    target = raw(answer_get_ok)
    hook = raw(redirect(target.url))
    result = runner.invoke(app, ["digest", "--db", db_url, "--webhook", hook.url])
    assert result.exit_code == 1 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("error: the webhook did not take the digest (HTTP 302")
    assert "Digest sent" not in result.output and target.requests == []
    # Nothing was recorded: the next digest still compares with nothing.
    result = runner.invoke(app, ["digest", "--db", db_url, "--dry-run", "-f", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["since"] is None
    ok = receiver([])
    result = runner.invoke(app, ["digest", "--db", db_url, "--webhook", ok.url, "-f", "json"])
    assert result.exit_code == 0 and "Digest sent to the webhook." in result.stderr
    assert json.loads(result.stdout)["since"] is None
    result = runner.invoke(app, ["digest", "--db", db_url, "--dry-run", "-f", "json"])
    assert json.loads(result.stdout)["since"] is not None
