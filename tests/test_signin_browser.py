"""Sign-in in a real browser against a real OpenID Connect provider (issue 27).

npm's certified ``oidc-provider`` runs on 127.0.0.1 (``tests/oidc.py``) and Debian's
Chromium, driven by Playwright, signs in through it: the provider's login form, the
authorization code, the token exchange and Streamlit's signed session cookie, nothing
stubbed. First with a bare ``st.login`` app (the protocol round trip on its own), then
with ``talent app`` and its roles. Screenshots go to ``$TALENT_E2E_ARTIFACTS`` (default
``artifacts/e2e/``).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from oidc import Provider, User, sign_in_at_provider, start_provider

from talent.config import Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.ranking.scoring import rank_store
from talent.sources.demo import generate_demo
from talent.store import add_entries, add_note, open_store

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

            # Logging out signs out at the provider too (its end-session page), then back.
            visited: list[str] = []
            page.on("request", lambda r: r.is_navigation_request() and visited.append(r.url))
            page.get_by_role("button", name="Log out").click()
            expect(page.get_by_role("button", name="Log in")).to_be_visible()
            _wait_idle(page)
            assert [u for u in visited if u.startswith(provider.issuer + "/session/end")]
            assert page.url.startswith(base + "/")
            assert "_streamlit_user" not in {c["name"] for c in context.cookies(base)}
            context.close()
        finally:
            _stop(proc)
    finally:
        provider.stop()


# --- talent app with sign-in and roles -------------------------------------------------

COOKIE = "_streamlit_user"  # Streamlit's signed session cookie (itsdangerous, 30 days)
SESSION_HOURS = 2
# The app's pages: (URL path, title in the navigation and on the page), by permission.
PAGES = {
    "page:candidates": ("candidates", "Candidates"),
    "page:candidate": ("candidate", "Candidate"),
    "page:shortlists": ("shortlists", "Shortlists"),
    "page:maintainers": ("maintainers", "Maintainers"),
    "page:network": ("network", "Network"),
    "page:access_log": ("access_log", "Access log"),
}
RECRUITING = "rita@recruiting.acme.example"
ADA = User("ada", "pw-ada", "ada@acme.example", "Ada Admin")
RITA = User("rita", "pw-rita", RECRUITING, "Rita Recruiter")  # a recruiter by her domain
HANA = User("hana", "pw-hana", "hana@acme.example", "Hana Hiring")
MAX = User("max", "pw-max", "max@acme.example", "Max Maintainer")
EVE = User("eve", "pw-eve", "eve@elsewhere.example", "Eve Elsewhere")  # no role
# An admin's address, but the provider has not verified that she owns it.
ULLA = User("ulla", "pw-ulla", "ulla@acme.example", "Ulla Unverified", email_verified=False)
ROLES = {ADA: "admin", RITA: "recruiter", HANA: "hiring_manager", MAX: "maintainer"}
SHARED, PRIVATE = "Kernels", "Infra"  # lists; the first is shared with Hana
PRIVATE_NOTE = "private: asked about salary"


@dataclass
class World:
    base: str
    db: Path
    provider: Provider
    cookie_secret: str
    names: dict[str, str]  # person id -> name, the ranking's top
    shared: list[str]  # the people on the shared list
    private: str  # the one person on the other list
    log: Path

    @property
    def top(self) -> str:
        return next(iter(self.names))


@pytest.fixture(scope="module")
def world(browser, tmp_path_factory):
    """One ``talent app`` with sign-in through the provider, on the demo world with two
    lists (one shared with the hiring manager, one with a note she must not see)."""
    from talent.store import share_shortlist

    folder = tmp_path_factory.mktemp("signin")
    db = folder / "demo.db"
    url = f"sqlite:///{db}"
    engine = open_store(url)
    try:
        save_demo(engine, generate_demo(seed=5, size="small"))
        update_people(engine, Settings(db_url=url))
        ranking = rank_store(engine, Settings(db_url=url), affiliations=()).head(10)
        ids = ranking["person_id"].tolist()
        add_entries(engine, SHARED, ids[:2], RECRUITING)
        add_entries(engine, PRIVATE, ids[2:3], RECRUITING)
        add_note(engine, PRIVATE, ids[2], PRIVATE_NOTE, RECRUITING)
        share_shortlist(engine, SHARED, [HANA.email], RECRUITING)
    finally:
        engine.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    provider = start_provider(folder, [*ROLES, EVE, ULLA], [f"{base}/oauth2callback"])
    cookie_secret = secrets.token_urlsafe(32)
    settings = folder / "talent.toml"
    settings.write_text(
        "[auth]\n"
        f'server_metadata_url = "{provider.metadata_url}"\n'
        f'client_id = "{provider.client_id}"\n'
        'client_secret_env = "TALENT_TEST_CLIENT_SECRET"\n'
        f'redirect_uri = "{base}/oauth2callback"\n'
        'cookie_secret_env = "TALENT_TEST_COOKIE_SECRET"\n'
        f"session_hours = {SESSION_HOURS}\n"
        "[roles]\n"
        f'admin = ["{ADA.email}", "{ULLA.email}"]\n'
        'recruiter = ["@recruiting.acme.example"]\n'
        f'hiring_manager = ["{HANA.email}"]\n'
        f'maintainer = ["{MAX.email}"]\n'
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TALENT_CONFIG", "TALENT_DB")}
    env["TALENT_TEST_CLIENT_SECRET"] = provider.client_secret
    env["TALENT_TEST_COOKIE_SECRET"] = cookie_secret
    command = [
        sys.executable, "-m", "talent.cli", "app", "--db", str(db), "--config", str(settings),
        "--port", str(port), "--headless",
    ]  # fmt: skip
    log = folder / "app.log"
    try:
        proc = _serve(command, folder, log, base, env)
    except BaseException:
        provider.stop()
        raise
    try:
        yield World(
            base,
            db,
            provider,
            cookie_secret,
            dict(zip(ranking["person_id"], ranking["name"], strict=True)),
            ids[:2],
            ids[2],
            log,
        )
    finally:
        _stop(proc)
        provider.stop()
    # No secret in what the app printed.
    printed = log.read_text()
    assert provider.client_secret not in printed and cookie_secret not in printed


class Shots:
    """Screenshots ``<who>-<n>-<step>.png`` in the artifacts folder."""

    def __init__(self, page, folder: Path, who: str):
        self.page, self.folder, self.who, self.n = page, folder, who, 0

    def __call__(self, step: str) -> None:
        _wait_idle(self.page)
        self.n += 1
        path = self.folder / f"{self.who}-{self.n}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)


def _page_urls(world: World) -> list[str]:
    """Every page's URL, as typed (with the person and list they show)."""
    from talent.views.access import PERMISSIONS

    urls = [world.base + "/"]
    for key in PERMISSIONS:
        if key.startswith("page:"):
            path = PAGES.get(key, (key.removeprefix("page:"), ""))[0]
            urls.append(f"{world.base}/{path}")
    return urls + [
        f"{world.base}/candidate?person={world.top}",
        f"{world.base}/shortlists?list={SHARED}",
        f"{world.base}/shortlists?list={PRIVATE}",
    ]


def _back_in_app(world: World):
    """The app's own pages (not the sign-in callback, which redirects)."""
    return re.compile(re.escape(world.base) + r"/(?!oauth2callback|auth/)")


def _sign_in(context, world: World, user: User):
    """Sign in as ``user`` from the app's sign-in page; the page, back in the app."""
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(world.base)
    _wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    sign_in_at_provider(page, user)
    page.wait_for_url(_back_in_app(world))
    _wait_idle(page)
    expect(page.get_by_test_id("stApp")).to_be_visible()
    return page


def _expect_nothing(page, world: World) -> None:
    """No data of the store on the page: no table, figure, download or page menu, and
    none of the people's or lists' names."""
    from playwright.sync_api import expect

    _wait_idle(page)
    for test_id in ("stDataFrame", "stMetric", "stDownloadButton", "stSidebarNav"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)
    text = page.inner_text("body")
    leaked = [w for w in [*world.names.values(), SHARED, PRIVATE, PRIVATE_NOTE] if w in text]
    assert not leaked, leaked


def _expect_sign_in_page(page, world: World) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", name="talent", exact=True)).to_be_visible()
    _expect_nothing(page, world)


def test_signed_out_browser_sees_only_sign_in(world, browser, artifacts):
    """A browser that never signed in gets the sign-in page at every page's URL."""
    context = _context(browser)
    page = context.new_page()
    shot = Shots(page, artifacts, "signin-signed-out")
    for url in _page_urls(world):
        page.goto(url)
        shot(url.rsplit("/", 1)[1].split("?")[0] or "home")
        _expect_sign_in_page(page, world)
    assert COOKIE not in {c["name"] for c in context.cookies(world.base)}
    context.close()


def _routed(world: World, viewer, key: str, query: str = "") -> str:
    """The URL of the page ``key``: its own path for every role, their home page (the
    first they may open) included, so a link sent to anyone opens the same page (the
    root URL only switches to the home page)."""
    return f"{world.base}/{PAGES[key][0]}{query}"


def _marker(page, key: str):
    """What only the page ``key`` shows of the store."""
    return {
        "page:candidates": page.get_by_test_id("stMetric").filter(has_text="People ranked"),
        "page:candidate": page.get_by_role("heading", name="Why this score", exact=True),
        "page:shortlists": page.get_by_test_id("stSelectbox").filter(has_text="Shortlist"),
        "page:maintainers": page.get_by_role(
            "heading", name="Bus factor, riskiest first", exact=True
        ),
        "page:network": page.get_by_test_id("stMetric").filter(has_text="People drawn"),
        "page:access_log": page.get_by_text("Every Candidate page opened", exact=False),
    }[key]


def _click_row(page, index: int) -> None:
    """Tick the first table's row ``index`` (drawn on a canvas: the box in its first
    column, rows 35 px high under a 35 px header)."""
    canvas = page.get_by_test_id("stDataFrame").first.get_by_test_id("data-grid-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 * (index + 1) + 17)


def _table_names(page) -> list[str]:
    """The Name column of the first table's rows in view (the grid's accessible mirror)."""
    return (
        page.get_by_test_id("stDataFrame")
        .first.locator("table[role=grid]")
        .evaluate(
            """table => {
            const col = [...table.querySelectorAll("th")].find(
                th => th.textContent === "Name").getAttribute("aria-colindex");
            return [...table.querySelectorAll(`tbody td[aria-colindex="${col}"]`)]
                .map(td => td.textContent);
        }"""
        )
    )


def _notes_by(db: Path, shortlist: str, who: str) -> list[str]:
    from talent.store import load_events

    engine = open_store(f"sqlite:///{db}")
    try:
        events = load_events(engine, shortlist)
    finally:
        engine.dispose()
    return events[(events["what"] == "note") & (events["who"] == who)]["new"].tolist()


@pytest.mark.parametrize("user", list(ROLES), ids=list(ROLES.values()))
def test_role_in_browser(world, browser, user, artifacts, tmp_path):
    """Signed in through the provider, each role opens, downloads and changes exactly
    what ``talent.views.access.PERMISSIONS`` gives it: in the page menu, at each page's typed
    URL, the download buttons, and a change recorded under the signed-in address."""
    from playwright.sync_api import expect

    from talent.views.access import Viewer, allowed

    role = ROLES[user]
    me = Viewer(user.email, user.name, role)
    context = _context(browser)
    page = _sign_in(context, world, user)
    shot = Shots(page, artifacts, f"signin-{role}")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"Signed in as {user.name} ({role.replace('_', ' ')})")
    shot("signed-in")

    # The page menu lists the pages the role may open, and no other (Streamlit shows no
    # menu for one page).
    mine = [title for key, (_, title) in PAGES.items() if allowed(me, key)]
    nav = page.get_by_test_id("stSidebarNav")
    if len(mine) > 1:
        for key, (_, title) in PAGES.items():
            link = nav.get_by_role("link", name=title, exact=True)
            expect(link).to_have_count(1 if allowed(me, key) else 0)
    else:
        expect(nav).to_have_count(0)
        expect(page.get_by_role("heading", name=mine[0], exact=True, level=1)).to_be_visible()

    # Each page's URL, typed: the page, or one line of denial and none of its data.
    for key, (path, title) in PAGES.items():
        query = {"candidate": f"?person={world.top}", "shortlists": f"?list={SHARED}"}
        page.goto(f"{world.base}/{path}{query.get(path, '')}")
        _wait_idle(page)
        shot(path)
        heading = page.get_by_role("heading", name=title, exact=True, level=1)
        denial = page.get_by_text(f"Your role ({role}) cannot open this page")
        if allowed(me, key):
            expect(heading).to_be_visible()
            expect(_marker(page, key)).to_be_visible()
            expect(denial).to_have_count(0)
            # The role's home page too answers at its own URL (a link sent to anyone).
            expect(page.get_by_role("dialog").filter(has_text="Page not found")).to_have_count(0)
        else:
            # Not routed for this role: Streamlit says so and runs the home page instead
            # (a page that is reached all the same refuses with one line).
            refused = page.get_by_role("dialog").filter(has_text="Page not found").or_(denial)
            expect(refused).to_be_visible()
            expect(heading).to_have_count(0)
            expect(_marker(page, key)).to_have_count(0)
            text = page.inner_text("body")
            if key == "page:shortlists":
                assert SHARED not in text and PRIVATE not in text and PRIVATE_NOTE not in text

    # Downloads on the Candidates page.
    if allowed(me, "page:candidates"):
        page.goto(_routed(world, me, "page:candidates"))
        _wait_idle(page)
        expect(page.get_by_test_id("stMetric").filter(has_text="People ranked")).to_be_visible()
        expect(page.get_by_role("button", name="Download CSV")).to_have_count(
            int(allowed(me, "download:candidates_csv"))
        )
        expect(page.get_by_role("button", name=re.compile(r"^Download shortlist"))).to_have_count(
            int(allowed(me, "download:shortlisted_csv"))
        )
        expect(page.get_by_test_id("stMetric").filter(has_text="Shortlisted")).to_have_count(
            int(allowed(me, "section:pipeline"))
        )

    # The Candidate page: the recruiting sections only for those who recruit.
    if allowed(me, "page:candidate"):
        page.goto(_routed(world, me, "page:candidate", f"?person={world.top}"))
        _wait_idle(page)
        name = world.names[world.top]
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name="Shortlists", exact=True)).to_have_count(
            int(allowed(me, "section:pipeline"))
        )
        expect(page.get_by_text("Outreach draft", exact=True)).to_have_count(
            int(allowed(me, "section:outreach"))
        )
        verdict = page.get_by_role("button", name="Shortlist", exact=True)
        expect(verdict).to_have_count(int(allowed(me, "change:verdict")))
        shot("candidate")

    # The Shortlists page: the lists the role may see, their export, a note.
    if allowed(me, "page:shortlists"):
        page.goto(_routed(world, me, "page:shortlists", f"?list={PRIVATE}"))
        _wait_idle(page)
        text = page.inner_text("body")
        if allowed(me, "section:all_lists"):
            expect(page).to_have_url(re.compile(rf"list={PRIVATE}"))
            assert _table_names(page) == [world.names[world.private]]
        else:  # only the shared list, whatever the URL asks for
            expect(page).to_have_url(re.compile(rf"list={SHARED}"))
            assert PRIVATE not in text and PRIVATE_NOTE not in text
            assert world.names[world.private] not in text
        shot("other-list")
        page.goto(_routed(world, me, "page:shortlists", f"?list={SHARED}"))
        _wait_idle(page)
        assert sorted(_table_names(page)) == sorted(world.names[p] for p in world.shared)
        button = page.get_by_role("button", name=f"Download {SHARED} (2)")
        expect(button).to_have_count(int(allowed(me, "download:shortlist_export")))
        if allowed(me, "download:shortlist_export"):
            with page.expect_download() as download:
                button.click()
            saved = tmp_path / download.value.suggested_filename
            download.value.save_as(saved)
            text = saved.read_bytes().decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
            assert sorted(r["person_id"] for r in rows) == sorted(world.shared)
        box = page.get_by_role("textbox", name="Note on the selected person")
        expect(box).to_have_count(int(allowed(me, "change:note")))
        expect(page.get_by_role("button", name="Move", exact=True)).to_have_count(
            int(allowed(me, "change:stage"))
        )
        if allowed(me, "change:note"):
            note = f"{role} says hello"
            _click_row(page, 0)
            expect(page.get_by_role("heading", name="Selected: 1")).to_be_visible()
            _wait_idle(page)
            box.fill(note)
            box.press("Enter")
            _wait_idle(page)
            page.get_by_role("button", name="Add note", exact=True).click()
            _wait_idle(page)
            shot("note")
            # Recorded under the signed-in address (not TALENT_USER or the login).
            deadline = time.monotonic() + 30
            while not _notes_by(world.db, SHARED, user.email) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert _notes_by(world.db, SHARED, user.email) == [note]
    context.close()


def test_no_role_and_unverified(world, browser, artifacts):
    """Signed in with an address the settings give no role: the no-access page at every
    URL. Signed in with an address the provider has not verified (an admin's address):
    signed out again, back on the sign-in page."""
    from playwright.sync_api import expect

    context = _context(browser)
    page = _sign_in(context, world, EVE)
    shot = Shots(page, artifacts, "signin-no-role")
    for url in _page_urls(world):
        page.goto(url)
        _wait_idle(page)
        expect(page.get_by_role("heading", name="No access", exact=True)).to_be_visible()
        expect(page.get_by_text(EVE.email)).to_be_visible()
        _expect_nothing(page, world)
    shot("no-access")
    context.close()

    context = _context(browser)
    page = _sign_in(context, world, ULLA)
    _wait_signed_out(context, world)
    page.goto(world.base)
    _wait_idle(page)
    _expect_sign_in_page(page, world)
    Shots(page, artifacts, "signin-unverified")("signed-out")
    context.close()


def _sign(secret: str, claims: dict, at: float | None = None) -> str:
    """A session cookie as Streamlit signs it (itsdangerous, the cookie's name as salt),
    dated ``at`` (seconds since the epoch; now by default)."""
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Dated(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() if at is None else at)

    serializer = URLSafeTimedSerializer(secret, salt=COOKIE, signer=Dated)
    return serializer.dumps(json.dumps(claims))


def _claims(secret: str, cookie: str) -> dict:
    from itsdangerous import URLSafeTimedSerializer

    return json.loads(URLSafeTimedSerializer(secret, salt=COOKIE).loads(cookie))


def test_forged_and_expired_cookies(world, browser, artifacts):
    """A real sign-in's cookie, re-made: signed with the right secret it signs in (so the
    cookies below differ only in what is checked); signed with another secret, with
    another address under the original signature, dated beyond Streamlit's 30 days, or
    carrying a sign-in older than ``session_hours``, it gets only the sign-in page."""
    from playwright.sync_api import expect

    context = _context(browser)
    _sign_in(context, world, RITA)
    real = {c["name"]: c for c in context.cookies(world.base)}[COOKIE]
    context.close()
    claims = _claims(world.cookie_secret, real["value"])
    assert (claims["email"], claims["iss"]) == (RITA.email, world.provider.issuer)
    now = time.time()
    as_admin = {**claims, "email": ADA.email, "name": ADA.name, "iat": int(now)}
    payload, stamp, signature = real["value"].rsplit(".", 2)
    tampered = base64.urlsafe_b64encode(json.dumps(json.dumps(as_admin)).encode()).rstrip(b"=")
    old = now - (SESSION_HOURS + 1) * 3600
    cookies = {
        "right-secret": _sign(world.cookie_secret, as_admin),
        "wrong-secret": _sign(secrets.token_urlsafe(32), as_admin),
        "tampered": ".".join([tampered.decode(), stamp, signature]),
        "past-30-days": _sign(world.cookie_secret, as_admin, at=now - 40 * 86400),
        "past-session-hours": _sign(world.cookie_secret, {**claims, "iat": int(old)}, at=old),
    }
    for case, value in cookies.items():
        context = _context(browser)
        page = context.new_page()
        shot = Shots(page, artifacts, f"signin-cookie-{case}")
        # Home and the two pages that show one person or one list (the signed-out test
        # walks every URL).
        urls = [
            world.base + "/",
            f"{world.base}/candidate?person={world.top}",
            f"{world.base}/shortlists?list={SHARED}",
        ]
        for url in urls if case != "right-secret" else [world.base]:
            context.clear_cookies()
            context.add_cookies([{"name": COOKIE, "value": value, "url": world.base}])
            page.goto(url)
            _wait_idle(page)
            if case == "right-secret":  # the control: made the same way, the right secret
                expect(page.get_by_test_id("stSidebar")).to_contain_text(
                    f"Signed in as {ADA.name} (admin)"
                )
                continue
            if case == "past-session-hours":  # the app signs the browser out
                _wait_signed_out(context, world)
                _wait_idle(page)
            _expect_sign_in_page(page, world)
        shot(case)
        context.close()


def _wait_signed_out(context, world: World) -> None:
    """Wait until the browser holds no session cookie (the app's sign-out has gone
    through the provider and back)."""
    deadline = time.monotonic() + 30
    while COOKIE in {c["name"] for c in context.cookies(world.base)}:
        assert time.monotonic() < deadline, "the app did not sign the browser out"
        time.sleep(0.1)
