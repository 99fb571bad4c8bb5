"""Sign-in in a real browser against a real OpenID Connect provider (issue 27).

npm's certified ``oidc-provider`` runs on 127.0.0.1 (``tests/oidc.py``) and Debian's
Chromium, driven by Playwright, signs in through it: the provider's login form, the
authorization code, the token exchange and Streamlit's signed session cookie, nothing
stubbed. First with a bare ``st.login`` app (the protocol round trip on its own), then
with ``talent app`` and its roles. Screenshots go to ``$TALENT_E2E_ARTIFACTS`` (default
``artifacts/e2e/``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from oidc import User, sign_in_at_provider, start_provider

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO_ROOT = Path(__file__).resolve().parents[1]


def _require_browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/run installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return playwright


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
            return resp.read() == b"ok"
    except OSError:
        return False


def _serve(command: list[str], cwd: Path, log: Path, base: str, env: dict | None = None):
    """Start a Streamlit server (in its own process group) and wait until it answers."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env or dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while not _healthy(base):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            pytest.fail(f"the app did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # anything of ours still in the group
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    sync = _require_browser()
    with sync.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


def _context(browser):
    """A fresh browser profile: no cookies, nobody signed in."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    return context


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("TALENT_E2E_ARTIFACTS") or REPO_ROOT / "artifacts" / "e2e")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wait_idle(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=60_000)


# --- the protocol round trip with a bare st.login app ---------------------------------

BARE_APP = """
import streamlit as st

if not st.user.is_logged_in:
    st.button("Log in", on_click=st.login)
    st.stop()
st.markdown(f"Signed in as {st.user.email} ({st.user.name}), verified: {st.user.email_verified}")
st.button("Log out", on_click=st.logout)
"""


def test_streamlit_login_round_trip(browser, tmp_path, artifacts):
    """A bare ``st.login`` app signs a user in through the real provider: the browser
    goes to the provider's form, comes back with a code, and the app reads the ID
    token's claims; a wrong password stays at the provider; logging out signs out."""
    from playwright.sync_api import expect

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    ana = User("ana", "correct horse", "ana@acme.example", "Ana Lima")
    provider = start_provider(tmp_path, [ana], [f"{base}/oauth2callback"])
    try:
        (tmp_path / "app.py").write_text(BARE_APP)
        (tmp_path / ".streamlit").mkdir()
        (tmp_path / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{base}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
            f'client_id = "{provider.client_id}"\n'
            f'client_secret = "{provider.client_secret}"\n'
            f'server_metadata_url = "{provider.metadata_url}"\n'
            # Streamlit asks for prompt=select_account unless told otherwise, a value the
            # standard leaves to each provider and oidc-provider does not know.
            'client_kwargs = { prompt = "login" }\n'
        )
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
            "--server.address", "127.0.0.1", "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        proc = _serve(command, tmp_path, tmp_path / "app.log", base)
        try:
            context = _context(browser)
            page = context.new_page()
            page.goto(base)
            _wait_idle(page)
            page.get_by_role("button", name="Log in").click()

            # A wrong password: the provider says so and nobody is signed in.
            sign_in_at_provider(page, User("ana", "wrong", ana.email, ana.name))
            expect(page.locator("#error")).to_have_text("Wrong login or password.")
            assert page.url.startswith(provider.issuer + "/interaction/")
            page.screenshot(path=str(artifacts / "oidc-bare-1-wrong-password.png"))

            sign_in_at_provider(page, ana)
            page.wait_for_url(base + "/**")
            _wait_idle(page)
            expect(page.get_by_test_id("stMarkdown")).to_have_text(
                "Signed in as ana@acme.example (Ana Lima), verified: True"
            )
            cookies = {c["name"]: c for c in context.cookies(base)}
            assert "_streamlit_user" in cookies and cookies["_streamlit_user"]["httpOnly"]
            page.screenshot(path=str(artifacts / "oidc-bare-2-signed-in.png"))

            # Signed in for this browser: a new tab is signed in too.
            other = context.new_page()
            other.goto(base)
            _wait_idle(other)
            expect(other.get_by_test_id("stMarkdown")).to_contain_text(
                "Signed in as ana@acme.example"
            )
            other.close()

            # Log out signs out at the provider too (its end-session page), then back.
            page.get_by_role("button", name="Log out").click()
            page.wait_for_url(provider.issuer + "/session/end**")
            page.locator("#logout").click()
            page.wait_for_url(base + "/**")
            _wait_idle(page)
            expect(page.get_by_role("button", name="Log in")).to_be_visible()
            assert "_streamlit_user" not in {c["name"] for c in context.cookies(base)}
            context.close()
        finally:
            _stop(proc)
    finally:
        provider.stop()
