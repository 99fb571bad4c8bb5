"""Sign-in: the app's gate under AppTest (signed out, no role, a role, sessions Streamlit
would keep but the app refuses, no sign-in at all) and ``talent app``'s side of it (no
non-loopback address without sign-in, secrets given to Streamlit and to nothing else).

The provider's discovery document is served over real HTTP on 127.0.0.1; the real
sign-in through an OpenID Connect provider and a browser is tests/test_oidc.py's.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.cli import app as cli
from talent.cli import streamlit_command
from talent.config import AuthSettings, Settings, load_settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.signin import (
    SIGN_IN_ENV_VAR,
    app_env,
    app_launch_problem,
    auth_secrets,
    cookie_secret,
    cookie_secret_path,
    providers,
    streamlit_secrets,
)
from talent.sources.demo import generate_demo
from talent.store import get_meta, open_store

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
CANDIDATE_PAGE = "talent/ui/pages/candidate.py"
CLIENT_SECRET = "client-secret-7f3a9c1e5b"  # test values, written nowhere else
COOKIE_SECRET = "cookie-secret-2d8e4b6a0f1c3e5a7b9d"
ADMIN = "ana@acme.com"


# --- a provider's discovery document over real HTTP ----------------------------------


class _Discovery(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/.well-known/openid-configuration":
            self.send_error(404)
            return
        base = f"http://127.0.0.1:{self.server.server_port}"
        body = json.dumps({"issuer": base, "authorization_endpoint": base + "/auth"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def provider():
    """The issuer URL of a provider whose discovery document is served on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _settings_file(folder: Path, issuer: str, **auth: str) -> Path:
    path = folder / "talent.toml"
    extra = "".join(f'{k} = "{v}"\n' for k, v in auth.items())
    path.write_text(
        "[auth]\n"
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
        'client_id = "talent"\n'
        'client_secret_env = "TALENT_TEST_CLIENT_SECRET"\n'
        'redirect_uri = "http://127.0.0.1:8501/oauth2callback"\n'
        "session_hours = 1\n" + extra + "\n[roles]\n"
        f'admin = ["{ADMIN}"]\n'
        'recruiter = ["@acme.com"]\n'
    )
    return path


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("signin") / "demo.db")
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=3, size="small"))
    update_people(engine, Settings(db_url=url))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def demo_org(demo_db) -> str:
    return get_meta(open_store(demo_db), "demo_org")


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def signin_config(tmp_path, provider, monkeypatch, demo_db) -> Path:
    path = _settings_file(tmp_path, provider)
    monkeypatch.setenv("TALENT_CONFIG", str(path))
    monkeypatch.setenv("TALENT_DB", demo_db)
    monkeypatch.delenv(SIGN_IN_ENV_VAR, raising=False)
    return path


def _user(email: str, issuer: str, **claims) -> dict:
    return {
        "is_logged_in": True,
        "email": email,
        "name": email.split("@")[0].title(),
        "iss": issuer,
        "iat": int(time.time()) - 60,
        "email_verified": True,
        "provider": "default",
        **claims,
    }


def _texts(at: AppTest) -> str:
    """Every text the run showed, main area and sidebar."""
    parts = [
        e.value
        for kind in ("title", "markdown", "caption", "info", "error")
        for e in getattr(at, kind)
    ]
    parts += [b.label for b in at.button]
    return "\n".join(str(p) for p in parts)


def _run(user: dict | None = None, page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    if user is not None:
        at.user = user
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def _assert_sign_in_page_only(at: AppTest, demo_org: str) -> None:
    assert not at.exception
    assert [t.value for t in at.title] == ["talent"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.sidebar.children.values()
    text = _texts(at)
    assert demo_org not in text and "Database" not in text and "Candidates" not in text
    # Nothing was read: the store's status is computed only past the gate.
    assert "status" not in at.session_state and at.session_state["viewer"] is None


# --- the gate under AppTest ----------------------------------------------------------


def test_signed_out_sees_only_the_sign_in_page(signin_config, demo_org):
    at = _run()  # AppTest's default user: no sign-in
    _assert_sign_in_page_only(at, demo_org)
    assert "Sign in with your company account" in _texts(at)


def test_signed_out_asking_for_a_page_url_gets_the_sign_in_page(signin_config, demo_org):
    # A page's URL on a fresh server runs the page's file by itself.
    at = AppTest.from_file(str(ROOT / CANDIDATE_PAGE), default_timeout=90)
    at.query_params["person"] = "p000000000000"
    at.run()
    _assert_sign_in_page_only(at, demo_org)


def test_signed_in_without_a_role_sees_only_the_no_access_page(signin_config, provider, demo_org):
    at = _run(_user("eve@evil.example", provider))
    assert not at.exception
    assert [t.value for t in at.title] == ["No access"]
    assert [b.label for b in at.button] == ["Sign out"]
    text = _texts(at)
    assert "eve@evil\\.example" in text and "Ask an admin" in text
    assert demo_org not in text and not at.dataframe and "status" not in at.session_state
    at.button[0].click().run()  # Sign out
    assert at.user == {"is_logged_in": False}


def test_signed_in_with_a_role_sees_the_app(signin_config, provider):
    at = _run(_user(ADMIN, provider))
    assert not at.exception
    assert at.title[0].value == "Candidates"
    assert len(at.dataframe[0].value) > 10
    assert "Signed in as Ana (admin)" in [c.value for c in at.sidebar.caption]
    assert at.session_state["viewer"].email == ADMIN
    assert at.session_state["viewer"].role == "admin"
    assert "Sign out" in [b.label for b in at.sidebar.button]
    # The domain's role for another address of it.
    at = _run(_user("bo@acme.com", provider))
    assert "Signed in as Bo (recruiter)" in [c.value for c in at.sidebar.caption]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iat": int(time.time()) - 2 * 3600}, "more than 1 hours old"),
        ({"iss": "http://127.0.0.1:9"}, "not made by the configured provider"),
        ({"email_verified": False}, "not verified"),
        ({"provider": "other"}, "not made by the configured provider"),
    ],
)
def test_sessions_streamlit_keeps_but_the_app_refuses(
    signin_config, provider, demo_org, claims, reason
):
    at = _run(_user(ADMIN, provider, **claims))
    _assert_sign_in_page_only(at, demo_org)
    assert reason in [i.value for i in at.info][0].replace("\\", "")
    assert at.user == {"is_logged_in": False}  # st.logout() ran: the cookie goes too


def test_unreachable_provider_signs_nobody_in(tmp_path, monkeypatch, demo_db, demo_org):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("TALENT_CONFIG", str(_settings_file(tmp_path, dead)))
    monkeypatch.setenv("TALENT_DB", demo_db)
    at = _run(_user(ADMIN, dead))
    _assert_sign_in_page_only(at, demo_org)
    assert "discovery document" in at.info[0].value


def test_without_sign_in_the_app_is_as_before(monkeypatch, tmp_path, demo_db):
    monkeypatch.delenv("TALENT_CONFIG", raising=False)
    monkeypatch.delenv(SIGN_IN_ENV_VAR, raising=False)
    monkeypatch.setenv("TALENT_DB", demo_db)
    monkeypatch.chdir(tmp_path)  # no talent.toml here
    at = _run()
    assert not at.exception
    assert at.title[0].value == "Candidates"
    assert len(at.dataframe[0].value) > 10
    captions = [c.value for c in at.sidebar.caption]
    assert "Sign-in is off: this app serves only this machine." in captions
    assert at.session_state["viewer"].local and at.session_state["viewer"].role == "admin"


def test_started_with_sign_in_unreadable_settings_show_nothing(
    signin_config, monkeypatch, provider, demo_org
):
    monkeypatch.setenv(SIGN_IN_ENV_VAR, "required")
    signin_config.write_text("[auth\n")  # broken after the start
    at = _run(_user(ADMIN, provider))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "The app's settings cannot be read, so nobody can sign in: ask its admin."
    ]
    assert not at.dataframe and not at.button and "status" not in at.session_state
    assert demo_org not in _texts(at)


# --- talent app ----------------------------------------------------------------------


def _one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def busy_port():
    """A port something listens on: were the refusal missing, ``talent app`` would stop
    at once at the taken port (with another line) instead of serving."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield str(sock.getsockname()[1])


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "10.1.2.3"])
def test_no_other_address_without_sign_in(tmp_path, monkeypatch, address, busy_port):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENT_CONFIG", raising=False)
    result = CliRunner().invoke(
        cli, ["app", "--db", str(tmp_path / "x.db"), "--address", address, "--port", busy_port]
    )
    line = _one_line_error(result)
    assert line.startswith("error: sign-in is off, so the app serves only this machine")
    assert '[auth] table in the settings file (README, "Sign-in")' in line
    assert not (tmp_path / "x.db").exists()


def test_loopback_without_sign_in_is_allowed():
    for address in ("127.0.0.1", "::1", "localhost"):
        assert app_launch_problem(Settings(), address) is None


def test_missing_secret_variable_is_one_line(tmp_path, monkeypatch, provider, busy_port):
    monkeypatch.delenv("TALENT_TEST_CLIENT_SECRET", raising=False)
    config = _settings_file(tmp_path, provider)
    result = CliRunner().invoke(
        cli,
        ["app", "--config", str(config), "--db", str(tmp_path / "x.db"), "--port", busy_port],
    )
    line = _one_line_error(result)
    assert line == (
        "error: [auth] client_secret_env: the environment variable "
        "TALENT_TEST_CLIENT_SECRET is not set"
    )
    monkeypatch.setenv("TALENT_TEST_CLIENT_SECRET", CLIENT_SECRET)
    config = _settings_file(tmp_path, provider, cookie_secret_env="TALENT_TEST_COOKIE")
    monkeypatch.delenv("TALENT_TEST_COOKIE", raising=False)
    result = CliRunner().invoke(
        cli, ["app", "--config", str(config), "--db", str(tmp_path / "x.db"), "--port", busy_port]
    )
    assert _one_line_error(result) == (
        "error: [auth] cookie_secret_env: the environment variable TALENT_TEST_COOKIE is not set"
    )


def test_cookie_secret_is_made_once_beside_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TALENT_KEY_FILE", str(tmp_path / "keys" / "privacy.key"))
    settings = Settings(auth=AuthSettings(server_metadata_url="http://127.0.0.1:9/x"))
    first = cookie_secret(settings)
    path = cookie_secret_path(settings)
    assert path == tmp_path / "keys" / "cookie.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64 and cookie_secret(settings) == first  # kept, not made anew
    monkeypatch.setenv("TALENT_TEST_COOKIE", COOKIE_SECRET)
    named = Settings(auth=AuthSettings(cookie_secret_env="TALENT_TEST_COOKIE"))
    assert cookie_secret(named) == COOKIE_SECRET


def test_secrets_file_is_private_and_removed(tmp_path, monkeypatch, provider):
    monkeypatch.setenv("TALENT_TEST_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("TALENT_TEST_COOKIE", COOKIE_SECRET)
    settings = load_settings(
        _settings_file(tmp_path, provider, cookie_secret_env="TALENT_TEST_COOKIE")
    )
    with streamlit_secrets(settings) as path:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert not path.resolve().is_relative_to(ROOT) and not path.is_relative_to(Path.cwd())
        written = tomllib.loads(path.read_text())
        assert written == {"auth": auth_secrets(settings)}
        assert written["auth"] == {
            "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
            "cookie_secret": COOKIE_SECRET,
            "client_id": "talent",
            "client_secret": CLIENT_SECRET,
            "server_metadata_url": f"{provider}/.well-known/openid-configuration",
            "client_kwargs": {"prompt": "login"},
        }
        command = streamlit_command("127.0.0.1", 8501, path)
        assert command[-2:] == ["--secrets.files", str(path)]
    assert not path.exists() and not path.parent.exists()
    env = app_env(settings, {"TALENT_TEST_CLIENT_SECRET": "x", "TALENT_TEST_COOKIE": "y", "A": "b"})
    assert env == {"A": "b", SIGN_IN_ENV_VAR: "required"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _files_holding(folder: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        skipped = {".git", "node_modules", "__pycache__"}  # the test's own constants
        if skipped & set(path.parts) or not path.is_file():
            continue
        try:
            body = path.read_bytes()
        except OSError:
            continue
        hits += [f"{path}: {n.decode()}" for n in needles if n in body]
    return hits


@pytest.mark.timeout(300)
def test_app_with_sign_in_serves_everywhere_and_leaves_no_secret(tmp_path, provider, demo_db):
    folder = tmp_path / "run"
    folder.mkdir()
    db = folder / "demo.db"
    with sqlite3.connect(demo_db.removeprefix("sqlite:///")) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    config = _settings_file(folder, provider, cookie_secret_env="TALENT_TEST_COOKIE")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALENT_CONFIG", "TALENT_DB"))}
    env.update(TALENT_TEST_CLIENT_SECRET=CLIENT_SECRET, TALENT_TEST_COOKIE=COOKIE_SECRET)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talent.cli",
            "app",
            "--config",
            str(config),
            "--db",
            str(db),
            "--port",
            str(port),
            "--address",
            "0.0.0.0",
            "--headless",
        ],  # fmt: skip
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=2
                ) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "talent app did not serve in time"
            time.sleep(0.3)
        (server,) = _children(proc.pid)
        args = Path(f"/proc/{server}/cmdline").read_bytes().split(b"\0")
        secrets_file = Path(args[args.index(b"--secrets.files") + 1].decode())
        assert args[args.index(b"--server.address") + 1] == b"0.0.0.0"
        # Streamlit was given the secrets, in a private file outside the checkout...
        assert tomllib.loads(secrets_file.read_text())["auth"]["client_secret"] == CLIENT_SECRET
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
        assert not secrets_file.is_relative_to(ROOT) and not secrets_file.is_relative_to(folder)
        # ...and not in its environment.
        environ = Path(f"/proc/{server}/environ").read_bytes()
        assert CLIENT_SECRET.encode() not in environ and COOKIE_SECRET.encode() not in environ
        assert b"TALENT_SIGN_IN=required" in environ.split(b"\0")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert b"<title>" in page.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert not secrets_file.exists() and not secrets_file.parent.exists()
    needles = [CLIENT_SECRET.encode(), COOKIE_SECRET.encode()]
    output = out + err
    assert b"Sign-in is on (provider: default)" in err
    assert not [n for n in needles if n in output]
    assert _files_holding(folder, needles) == []  # the working folder, the database too
    assert _files_holding(ROOT, needles) == [
        f"{ROOT / 'tests' / 'test_signin.py'}: {n.decode()}" for n in needles
    ]  # the checkout: only where this test writes them down


def test_own_secrets_file_is_used_as_it_is(tmp_path, monkeypatch, busy_port):
    own = tmp_path / "secrets.toml"
    own.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:8501/oauth2callback"\n'
        f'cookie_secret = "{COOKIE_SECRET}"\n'
        "[auth.okta]\n"
        'client_id = "talent"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
    )
    config = tmp_path / "talent.toml"
    config.write_text('[auth]\nsecrets_file = "secrets.toml"\n')
    settings = load_settings(config)
    assert providers(settings.auth) == {
        "okta": "http://127.0.0.1:9/.well-known/openid-configuration"
    }
    with streamlit_secrets(settings) as path:
        assert path == own
    assert own.exists()  # the user's file stays
    own.write_text('[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback"\n')
    result = CliRunner().invoke(
        cli, ["app", "--config", str(config), "--db", str(tmp_path / "x.db"), "--port", busy_port]
    )
    assert _one_line_error(result) == (
        f"error: [auth] secrets_file: {own} [auth] needs cookie_secret"
    )
