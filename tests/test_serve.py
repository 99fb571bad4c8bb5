"""``talent serve`` and ``talent health`` as a team runs them: real subprocesses on the
fake GitHub and the fake Hub (real HTTP on 127.0.0.1), the digest delivered to a real
HTTP receiver in the test, a second scheduler refused by the lock (SQLite's ``flock``
and PostgreSQL's advisory lock).

The schedule runs every 0.0005 h (1.8 s). What happens between runs is made certain
without waiting on the clock: the receiver changes the worlds while it is answering the
first digest, before the run that sent it ends, so the second run always sees them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fake_github import FakeGitHub, World
from fake_hf import FakeHub, HubWorld
from fake_hf.world import SIZES

from talent.config import Settings, load_settings
from talent.schedule import (
    LAST_END,
    LAST_START,
    LAST_STATUS,
    NEXT,
    ScheduleBusy,
    acquire_lock,
    load_schedule_state,
    run_scheduled,
)
from talent.store import get_meta, open_store, set_meta

ORG = "acme-ai"
GH_TOKEN = "test-token"
HF_TOKEN = "hf_test"
DEADLINE = 600  # seconds: a safety net for a hung subprocess, never a measure


class Receiver:
    """A webhook on 127.0.0.1 that keeps each JSON body it is sent and calls
    ``on_post(n)`` (n = 1, 2...) before answering 200."""

    def __init__(self, on_post=lambda n: None):
        self.posts: list[dict] = []
        self.on_post = on_post
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append(json.loads(body))
                receiver.on_post(len(receiver.posts))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def small_github() -> World:
    return World.generate(seed=2, repos=2, users=12, issues=10, pulls=6, issue_comments=20,
                          review_comments=6, reviews=6, commits=8, big_pr_reviews=0)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_file(tmp_path: Path, webhook: str, *, every: float = 0.0005, github=(ORG,),
                  hf=(ORG,)) -> Path:  # fmt: skip
    path = tmp_path / "talent.toml"
    path.write_text(
        "[schedule]\n"
        f"every_hours = {every}\n"
        f"github = {json.dumps(list(github))}\n"
        f"hf = {json.dumps(list(hf))}\n"
        "[digest]\n"
        f'webhook = "{webhook}"\n'
    )
    return path


def env() -> dict[str, str]:
    found = {**os.environ, "GITHUB_TOKEN": GH_TOKEN, "HF_TOKEN": HF_TOKEN}
    found.pop("TALENT_DEBUG", None)
    return found


def talent(*args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "talent.cli", *args], env=env(),
                          capture_output=True, text=True, timeout=DEADLINE, **options)  # fmt: skip


def acts(db: Path) -> set[tuple]:
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT key, repo, kind, actor, occurred_at FROM activities"))


def wait_for(condition, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def test_serve_mines_on_schedule_incrementally_sends_the_digest_and_holds_the_lock(tmp_path):
    gh_world, hub_world = small_github(), HubWorld.generate(seed=3, **SIZES["small"])
    db = tmp_path / "store.db"
    runs: list[dict] = []  # per run: the fakes' request logs and the store's rows
    changed: dict = {}
    with FakeGitHub(gh_world, token=GH_TOKEN) as gh, FakeHub(hub_world) as hub:

        def on_post(n: int) -> None:
            runs.append({"github": gh.log.entries, "hub": hub.log.entries, "acts": acts(db)})
            gh.log.clear()
            hub.log.clear()
            if n == 1:  # what is new for the second run
                changed["touched"] = gh_world.touch(0.2, seed=4)
                repo = next(r for r in hub_world.org_repos("model")
                            if r.discussions and not r.private)  # fmt: skip
                jo = hub_world.add_user("newcomer-jo", "Jo Newcomer")
                hub_world.add_comment(repo.repo_id, 1, jo.name, "Works for me.")
                hub_world.add_commit(repo.repo_id, jo.name, "Fix the tokenizer config")

        with Receiver(on_post) as receiver:
            config = settings_file(tmp_path, receiver.url)
            port = free_port()
            log = tmp_path / "serve.log"
            command = [sys.executable, "-m", "talent.cli", "serve", "--config", str(config),
                       "--db", str(db), "--port", str(port), "--headless",
                       "--github-url", gh.base_url, "--hub-endpoint", hub.base_url]  # fmt: skip
            with open(log, "w") as out:
                proc = subprocess.Popen(command, env=env(), stdout=out, stderr=out)
            try:
                wait_for(lambda: len(runs) >= 2 and "talent is ready" in log.read_text(),
                         proc, log)  # fmt: skip

                # talent health: the app answers, the last run ended well.
                healthy = talent("health", "--config", str(config), "--db", str(db),
                                 "--url", f"http://127.0.0.1:{port}", "--max-age", "1")  # fmt: skip
                assert healthy.returncode == 0, healthy.stderr
                assert healthy.stdout.startswith("ok: the app answers; last scheduled run ended")

                # A second scheduler on the same store (even for one run): refused, in one line.
                again = ["--once", "--github-url", gh.base_url, "--hub-endpoint", hub.base_url]
                second = talent("serve", "--config", str(config), "--db", str(db), *again)
                assert second.returncode == 1
                assert second.stderr.strip() == (
                    "error: another talent serve is scheduling this store "
                    f"(pid {proc.pid} on {socket.gethostname()})"
                )
            finally:
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(timeout=DEADLINE)
            text = log.read_text()
            assert code == 0, text
            assert "Traceback" not in text and GH_TOKEN not in text and HF_TOKEN not in text

    first, second_run = runs[0], runs[1]
    # The digest went to the receiver after each run; the second compares with the first.
    assert receiver.posts[0]["digest"]["since"] is None
    assert receiver.posts[1]["digest"]["since"] == receiver.posts[0]["digest"]["taken_at"]
    assert all(p["text"] for p in receiver.posts[:2])

    # The second run is incremental: GitHub answered conditional requests with free 304s,
    # the Hub read the details of the one discussion with a new comment only.
    assert any(e.status == 304 and "If-None-Match" in e.headers for e in second_run["github"])
    assert not any(e.status == 304 for e in first["github"])
    counted = [sum(e.counted for e in run["github"]) for run in (first, second_run)]
    assert counted[1] < counted[0]
    assert sum(e.kind == "discussion" for e in first["hub"]) > 1
    assert sum(e.kind == "discussion" for e in second_run["hub"]) == 1

    # Every row of the first run stays; the new ones are exactly what changed.
    assert first["acts"] and first["acts"] <= second_run["acts"]
    new = second_run["acts"] - first["acts"]
    hub_new = sorted(kind for _key, _repo, kind, actor, _at in new if actor == "hf:@newcomer-jo")
    assert hub_new == ["commit", "issue_comment"]
    mined = {repo for _key, repo, *_ in first["acts"]}
    touched = [(repo, n) for repo, n in changed["touched"] if repo in mined]
    gh_new = [row for row in new if not row[1].startswith("hf.co/")]
    assert touched and len(gh_new) == len(touched)
    assert {kind for _key, _repo, kind, *_ in gh_new} == {"issue_comment"}

    engine = open_store(f"sqlite:///{db}")
    state = load_schedule_state(engine)
    assert state.finished or state.status == "ok"  # a third run may have been stopped
    assert state.next is not None and state.last_start is not None
    engine.dispose()


def test_a_store_locked_by_one_scheduler_refuses_another_until_released(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    open_store(url).dispose()
    with acquire_lock(url):
        with pytest.raises(ScheduleBusy, match="^another talent serve is scheduling this store"):
            acquire_lock(url)
    acquire_lock(url).release()  # free again once released


def test_the_postgresql_lock_is_held_by_one_session(pg_server):
    url = pg_server.new_database()
    engine = open_store(url)
    set_meta(engine, "schedule_holder", "pid 1 on elsewhere")
    lock = acquire_lock(url)
    try:
        with pytest.raises(ScheduleBusy) as refused:
            acquire_lock(url)
        assert str(refused.value) == (
            "another talent serve is scheduling this store (pid 1 on elsewhere)"
        )
    finally:
        lock.release()
    acquire_lock(url).release()
    engine.dispose()


def test_talent_serve_on_postgresql_is_refused_while_another_holds_the_lock(pg_server, tmp_path):
    url = pg_server.new_database()
    engine = open_store(url)
    config = settings_file(tmp_path, "http://127.0.0.1:9/hook", github=(), hf=(ORG,))
    with acquire_lock(url):
        set_meta(engine, "schedule_holder", "pid 7 on db-host")
        nowhere = ["--hub-endpoint", "http://127.0.0.1:9"]  # never the real Hub, even if run
        refused = talent("serve", "--once", "--config", str(config), "--db", url, *nowhere)
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: another talent serve is scheduling this store (pid 7 on db-host)\n"
    )
    assert get_meta(engine, LAST_START) is None  # nothing ran
    engine.dispose()


def test_a_failing_source_is_one_line_and_the_others_still_run(tmp_path):
    hub_world = HubWorld.generate(seed=3, **SIZES["small"])
    with FakeHub(hub_world) as hub, Receiver() as receiver:
        config = settings_file(tmp_path, receiver.url, every=1, github=(), hf=("no-such-org", ORG))
        db = tmp_path / "store.db"
        once = talent("serve", "--once", "--config", str(config), "--db", str(db),
                      "--hub-endpoint", hub.base_url)  # fmt: skip
        assert once.returncode == 1, once.stderr
        engine = open_store(f"sqlite:///{db}")
        status = get_meta(engine, LAST_STATUS)
        assert status.startswith("hf no-such-org: ") and ";" not in status
        assert any(a[1].startswith("hf.co/acme-ai/") for a in acts(db))  # acme-ai was mined
        assert len(receiver.posts) == 1  # the digest still went
        assert get_meta(engine, LAST_END) >= get_meta(engine, LAST_START)

        # talent health says why, in one line, and fails.
        sick = talent("health", "--no-app", "--config", str(config), "--db", str(db))
        assert sick.returncode == 1
        assert sick.stderr.strip() == f"error: the last scheduled run failed: {status}"

        # A run that went well: healthy; with a max age the last end is older than, not.
        settings = load_settings(str(config), db=f"sqlite:///{db}")
        ok = Settings(**{**settings.__dict__, "schedule": settings.schedule.__class__(
            every_hours=1, hf=(ORG,))})  # fmt: skip
        report = run_scheduled(engine, ok, hf_token=HF_TOKEN, hub_endpoint=hub.base_url)
        assert report.ok and get_meta(engine, LAST_STATUS) == "ok"
        assert get_meta(engine, NEXT) > get_meta(engine, LAST_START)
        well = talent("health", "--no-app", "--config", str(config), "--db", str(db))
        assert well.returncode == 0 and well.stdout.startswith("ok: last scheduled run ended")
        stale = talent("health", "--no-app", "--config", str(config), "--db", str(db),
                       "--max-age", "0.000001")  # fmt: skip
        assert stale.returncode == 1
        assert stale.stderr.startswith("error: the last scheduled run ended ")
        engine.dispose()


def test_health_fails_in_one_line_when_the_app_does_not_answer(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    down = talent("health", "--url", url, "--db", str(tmp_path / "none.db"))
    assert down.returncode == 1
    assert down.stderr.startswith(f"error: the app does not answer at {url}/_stcore/health")
    assert down.stderr.count("\n") == 1


def test_serve_without_a_schedule_says_what_to_add(tmp_path):
    config = tmp_path / "talent.toml"
    config.write_text('[digest]\nwebhook = "http://127.0.0.1:9/hook"\n')
    refused = talent("serve", "--config", str(config), "--db", str(tmp_path / "s.db"))
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: the settings have no [schedule]: add one")
    assert refused.stderr.count("\n") == 1
    assert not (tmp_path / "s.db").exists()


def test_the_app_shows_the_last_and_next_sync(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    monkeypatch.setenv("TALENT_DB", url)
    app = str(Path(__file__).resolve().parents[1] / "app.py")

    def sidebar_captions() -> list[str]:
        at = AppTest.from_file(app, default_timeout=90).run()
        assert not at.exception
        return [c.value for c in at.sidebar.caption]

    assert "Synced by hand" in sidebar_captions()
    for key, value in ((LAST_START, "2026-03-01T06:00:00+00:00"),
                       (LAST_END, "2026-03-01T06:04:30+00:00"), (LAST_STATUS, "ok"),
                       (NEXT, "2026-03-01T12:00:00+00:00")):  # fmt: skip
        set_meta(engine, key, value)
    assert "Last synced 2026-03-01 06:04 UTC · next sync 2026-03-01 12:00 UTC" in sidebar_captions()
    set_meta(engine, LAST_STATUS, "hf acme-ai: refused")
    set_meta(engine, LAST_START, "2026-03-01T12:00:00+00:00")
    set_meta(engine, NEXT, "2026-03-01T18:00:00+00:00")
    assert (
        "Last synced 2026-03-01 06:04 UTC (with errors) · syncing now · "
        "next sync 2026-03-01 18:00 UTC"
    ) in sidebar_captions()
    engine.dispose()


def test_a_stop_during_a_wait_ends_the_run_at_once_and_the_next_run_resumes(tmp_path):
    hub_world = HubWorld.generate(seed=3, **SIZES["small"])
    db, clean = tmp_path / "store.db", tmp_path / "clean.db"
    with FakeHub(hub_world) as hub, Receiver() as receiver:
        config = settings_file(tmp_path, receiver.url, github=(), hf=(ORG,))
        # The third model's commits answer 429: a wait for the Hub's window (300 s, within
        # --max-wait), after the first two models were saved.
        *first_two, third = sorted(r.repo_id for r in hub_world.org_repos("model"))[:3]
        hub.faults.add(f"/api/models/{third}/commits/", 429)
        log = tmp_path / "serve.log"
        command = [sys.executable, "-m", "talent.cli", "serve", "--no-app", "--config",
                   str(config), "--db", str(db), "--hub-endpoint", hub.base_url]  # fmt: skip
        with open(log, "w") as out:
            proc = subprocess.Popen(command, env=env(), stdout=out, stderr=out)
        try:
            wait_for(lambda: "hf acme-ai: waiting" in log.read_text(), proc, log)
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=DEADLINE)
        text = log.read_text()
        assert code == 0, text
        assert "stopped during the run: what was saved stays" in text
        assert text.rstrip().endswith("talent serve stopped")
        engine = open_store(f"sqlite:///{db}")
        assert get_meta(engine, LAST_STATUS) == "stopped during the run; what was saved stays"
        # Not a failure: the store is as healthy as its last run's end is recent.
        after_stop = talent("health", "--no-app", "--config", str(config), "--db", str(db),
                            "--max-age", "1")  # fmt: skip
        assert after_stop.returncode == 0, after_stop.stderr
        assert receiver.posts == []  # no digest for a stopped run
        stopped = acts(db)
        assert {repo for _key, repo, *_ in stopped} >= {f"hf.co/{r}" for r in first_two}

        resumed = talent("serve", "--once", "--config", str(config), "--db", str(db),
                         "--hub-endpoint", hub.base_url)  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert get_meta(engine, LAST_STATUS) == "ok"
        once = talent("serve", "--once", "--config", str(config), "--db", str(clean),
                      "--hub-endpoint", hub.base_url)  # fmt: skip
        assert once.returncode == 0, once.stderr
        assert stopped < acts(db) == acts(clean)
        engine.dispose()
