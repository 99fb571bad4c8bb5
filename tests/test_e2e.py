"""The three user journeys in a real browser: Debian's Chromium driven by Playwright
against ``talent app`` serving a real demo database on 127.0.0.1.

* the recruiter searches a skill, opens a person, reads why they rank there, shortlists
  them with a note, and finds them again after the app was stopped and started anew;
* the hiring manager gets a shortlist of three as a CSV a spreadsheet can open safely;
* the maintainer looks at one repository's contributors, employees included.

Every expected value comes from the library (``rank_store``, ``pipeline_verdicts``) on the
same database. Each journey counts its clicks (``pytest -s`` prints them) and saves a
screenshot of each step in ``$TALENT_E2E_ARTIFACTS`` (default ``artifacts/e2e/``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from talent.config import Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.ranking.scoring import rank_store
from talent.sources.demo import generate_demo
from talent.store import DEFAULT_SHORTLIST, open_store
from talent.views.export import DANGEROUS_PREFIXES
from talent.views.pipeline import pipeline_verdicts

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO_ROOT = Path(__file__).resolve().parents[1]
SKILL = "kernels"  # an area of the demo world's CUDA work (acme-kernels)
REPO = "acme-ai/acme-serve"
RECRUITER_AUDIENCE = {"community", "former_employee", "unknown"}
# What a hiring manager's shortlist holds, in this order (issue 10).
SHORTLIST_COLUMNS = [
    "rank", "rank_range", "name", "login", "profile_url", "login_source", "verdict", "verdict_date",
    "lists", "note", "score", "profile", "why", "evidence_links", "areas", "languages", "topics",
    "affiliation", "employment", "top_repos", "last_active", "person_id",
]  # fmt: skip
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
EVIDENCE = re.compile(r"^https?://github\.com/[\w.-]+/[\w.-]+/(pull|issues|commit)/\w+")


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


def _url(db: Path) -> str:
    return "sqlite:///" + str(db)


def _ranking(db: Path, **kwargs):
    """The library's ranking of ``db`` (what the app should show), ranks among everyone."""
    engine = open_store(_url(db))
    try:
        return rank_store(engine, Settings(db_url=_url(db)), **kwargs)
    finally:
        engine.dispose()


def _feedback(db: Path):
    engine = open_store(_url(db))
    try:
        return pipeline_verdicts(engine).set_index("person_id")
    finally:
        engine.dispose()


def _standing(page):
    """The Candidate page's line for the person's stage on the default list."""
    lines = page.get_by_test_id("stMarkdownContainer")
    return lines.filter(has_text=re.compile(rf"^{DEFAULT_SHORTLIST} \(\d+ (person|people)\):"))


def _latest_note(page):
    return page.get_by_test_id("stMarkdownContainer").filter(has_text="Latest note:")


def _copy_db(source: Path, target: Path) -> Path:
    """A consistent copy of an SQLite store (the backup API, WAL and all)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


# --- the app -------------------------------------------------------------------------


@dataclass
class App:
    proc: subprocess.Popen
    base: str
    log: Path


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
            return resp.read() == b"ok"
    except OSError:
        return False


def _start_app(db: Path) -> App:
    """``talent app --headless`` on ``db``, started in the database's folder (no
    ``talent.toml`` there) and in its own process group; returns once it answers."""
    port = _free_port()
    log = db.with_suffix(f".{port}.log")
    env = {k: v for k, v in os.environ.items() if k not in ("TALENT_CONFIG", "TALENT_DB")}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "talent.cli",
                "app",
                "--db",
                str(db),
                "--port",
                str(port),
                "--headless",
            ],  # fmt: skip
            cwd=db.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = App(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 90
    while not _healthy(app.base):
        if proc.poll() is not None or time.monotonic() > deadline:
            _kill_app(app)
            pytest.fail(f"talent app did not start:\n{log.read_text()}")
        time.sleep(0.2)
    return app


def _stop_app(app: App) -> int:
    """SIGTERM, as a service manager stops it; its exit status."""
    app.proc.send_signal(signal.SIGTERM)
    return app.proc.wait(timeout=30)


def _kill_app(app: App) -> None:
    """Teardown: stop ``talent app`` and the Streamlit server it started (its group)."""
    if app.proc.poll() is None:
        app.proc.terminate()
        try:
            app.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(app.proc.pid, signal.SIGKILL)  # anything of ours still in the group
    except ProcessLookupError:
        pass
    app.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    """The small demo world (seed 5) with people resolved; tests copy it, never write it."""
    _require_browser()
    db = tmp_path_factory.mktemp("template") / "demo.db"
    engine = open_store(_url(db))
    save_demo(engine, generate_demo(seed=5, size="small"))
    update_people(engine, Settings(db_url=_url(db)))
    engine.dispose()
    return db


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    """One ``talent app`` on a copy of the demo database for the journeys that need no
    restart; yields (app, database)."""
    db = _copy_db(demo_db, tmp_path_factory.mktemp("served") / "demo.db")
    app = _start_app(db)
    yield app, db
    _kill_app(app)


@pytest.fixture()
def page(demo_db):
    sync = _require_browser()
    with sync.sync_playwright() as p:
        browser = p.chromium.launch(
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
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 1000}
        )
        context.set_default_timeout(30_000)
        yield context.new_page()
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("TALENT_E2E_ARTIFACTS") or REPO_ROOT / "artifacts" / "e2e")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- driving the page ------------------------------------------------------------------


def _wait_idle(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=60_000)


class Journey:
    """One user's way through the app: every click goes through here and is counted
    (typing into a field counts as the one click that focuses it), and each step is
    saved as a screenshot ``<who>-<n>-<step>.png``."""

    def __init__(self, who: str, page, folder: Path):
        self.who, self.page, self.folder = who, page, folder
        self.clicks = 0
        self.steps = 0

    def open(self, url: str) -> None:
        self.page.goto(url)
        _wait_idle(self.page)

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()

    def type(self, locator, text: str, *, enter: bool = False) -> None:
        self.clicks += 1
        locator.fill(text)
        if enter:
            locator.press("Enter")

    def menu(self, title: str) -> None:
        """Go to the page ``title`` through the sidebar's page menu."""
        nav = self.page.get_by_test_id("stSidebarNav")
        self.click(nav.get_by_role("link", name=title, exact=True))

    def choose(self, label: str, option: str) -> None:
        """Pick ``option`` in the sidebar's select box or multiselect named ``label``."""
        sidebar = self.page.get_by_test_id("stSidebar")
        widget = sidebar.locator("[data-testid=stSelectbox], [data-testid=stMultiSelect]")
        self.click(widget.filter(has_text=label))
        self.click(self.page.get_by_role("option", name=option, exact=True))

    def click_row(self, index: int) -> None:
        """Tick the selection box of the table's row ``index`` (0 is the first row). The
        grid is drawn on a canvas: the box sits in its first column, rows 35 px high
        under a 35 px header."""
        canvas = self.page.get_by_test_id("stDataFrame").first.get_by_test_id("data-grid-canvas")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        self.clicks += 1
        self.page.mouse.click(box["x"] + 18, box["y"] + 35 * (index + 1) + 17)

    def open_row(self, index: int, name: str) -> None:
        """Open the person on the table's row ``index``: tick it, then "Open <name>"."""
        self.click_row(index)
        self.click(self.page.get_by_role("button", name=f"Open {name}", exact=True))

    def download(self, button, folder: Path) -> Path:
        with self.page.expect_download() as download:
            self.click(button)
        saved = folder / download.value.suggested_filename
        download.value.save_as(saved)
        return saved

    def shot(self, step: str) -> None:
        _wait_idle(self.page)
        self.steps += 1
        path = self.folder / f"{self.who}-{self.steps}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def report(self, what: str) -> None:
        print(f"\n[clicks] {self.who}: {self.clicks} clicks {what}")


def _rows(page) -> list[dict[str, str]]:
    """The candidates table's rows in view as {column header: cell text}, read from the
    accessible table the grid mirrors its canvas into (the rows and columns in view)."""
    return (
        page.get_by_test_id("stDataFrame")
        .first.locator("table[role=grid]")
        .evaluate(
            """table => {
            const heads = {};
            for (const th of table.querySelectorAll("th"))
                heads[th.getAttribute("aria-colindex")] = th.textContent;
            return [...table.querySelectorAll("tbody tr")].map(tr => Object.fromEntries(
                [...tr.querySelectorAll("td")].map(
                    td => [heads[td.getAttribute("aria-colindex")], td.textContent])));
        }"""
        )
    )


def _ranked(rows: list[dict[str, str]]) -> list[tuple[int, str]]:
    """(rank, name) of the table's rows."""
    return [(int(r["#"]), r["Name"]) for r in rows]


def _listed(ranking) -> list[tuple[int, str]]:
    """(rank, name) of a library ranking's rows."""
    return list(zip(ranking["rank"].tolist(), ranking["name"].tolist(), strict=True))


def _metrics(page) -> dict[str, str]:
    """The page's metrics, {label: value}."""
    texts = page.get_by_test_id("stMetric").all_inner_texts()
    return {label.strip(): value.strip() for label, _, value in (t.partition("\n") for t in texts)}


def _expect_people(page, count: int) -> None:
    """Wait until the Candidates page ranks ``count`` people and its table holds them:
    the grid draws new data a little after the script's run has ended, so the metric
    alone says nothing of the rows (the header is row 1 of the grid's ``aria-rowcount``)."""
    from playwright.sync_api import expect

    metric = page.get_by_test_id("stMetric").filter(has_text="People ranked")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(f"{count:,}", timeout=60_000)
    _wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first.locator("table[role=grid]")
    expect(grid).to_have_attribute("aria-rowcount", str(count + 1))
    expect(grid.locator("td").first).to_be_attached()


def _expect_profile(page, profile: str) -> None:
    """Wait until the Candidates page ranks by ``profile``."""
    from playwright.sync_api import expect

    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Ranked by the")
    expect(caption).to_contain_text(f"Ranked by the {profile} profile")
    _wait_idle(page)


def _params(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def _evidence_links(page) -> list[str]:
    """The links to pull requests, issues and commits in the page's text."""
    hrefs = page.locator("[data-testid=stMarkdownContainer] a").evaluate_all(
        "links => links.map(a => a.href)"
    )
    return [h for h in hrefs if EVIDENCE.match(h)]


# --- the journeys ----------------------------------------------------------------------


def test_recruiter_journey(demo_db, page, tmp_path, artifacts):
    """Skill search under the recruiter profile, a person opened from the table, why
    they rank there, a shortlist with a note; it is still there after a restart."""
    from playwright.sync_api import expect

    db = _copy_db(demo_db, tmp_path / "recruiter.db")
    expected = _ranking(db, profile="recruiter", skill=SKILL)
    assert len(expected) >= 3, "the demo world should have several people for the skill"
    everyone = _ranking(db, affiliations=()).set_index("person_id")  # maintainer, the default
    me = Journey("recruiter", page, artifacts)
    app = _start_app(db)
    try:
        me.open(app.base)
        me.choose("Ranking profile", "recruiter")
        _expect_profile(page, "recruiter")
        me.type(page.get_by_role("textbox", name="Skill", exact=True), SKILL, enter=True)
        _expect_people(page, len(expected))
        expect(page).to_have_url(re.compile(rf"skill={SKILL}"))
        me.shot("search")

        # Only the people whose work matches, each with the rank the library gives
        # them, the words that matched and none of the company's staff.
        rows = _rows(page)
        assert {"Skill match", "Matched"} <= set(rows[0])
        # The grid mirrors the rows in view: the first of the library's, in its order.
        assert _ranked(rows) == _listed(expected.head(len(rows)))
        assert all(SKILL in r["Matched"].split(", ") for r in rows)
        # (The grid's last row in view may be mirrored without all its cells.)
        assert {r.get("Affiliation", "community") for r in rows} <= RECRUITER_AUDIENCE
        # Best match first, then the better rank (the page's own promise).
        order = [(-float(r["Skill match"]), int(r["#"])) for r in rows]
        assert order == sorted(order)

        # The second row opens that person under the same filters.
        chosen = rows[1]
        person = expected.iloc[1]
        me.open_row(1, chosen["Name"])
        expect(page.get_by_role("heading", name=chosen["Name"], exact=True)).to_be_visible()
        _wait_idle(page)
        assert page.url.startswith(f"{app.base}/candidate?")
        assert _params(page) == {
            "profile": ["recruiter"],
            "skill": [SKILL],
            "person": [person["person_id"]],
        }
        assert _metrics(page)["Rank"] == f"#{chosen['#']}" == f"#{person['rank']}"
        assert _metrics(page)["Score"] == f"{person['score']:.3f}"
        expect(page.get_by_role("heading", name="Why this score")).to_be_visible()
        expect(page.get_by_role("heading", name="Top contributions")).to_be_visible()
        links = _evidence_links(page)
        assert links, "Why this score links to the work behind it"
        assert all(link.startswith(("http://", "https://")) for link in links)
        me.shot("candidate")

        # A note a spreadsheet would run as a formula, then Shortlist.
        note = '=HYPERLINK("http://x") kernels, strong reviewer'
        me.type(page.get_by_role("textbox", name="Note (optional)"), note)
        me.click(page.get_by_role("button", name="Shortlist", exact=True))
        expect(_standing(page)).to_have_text(
            re.compile(
                rf"{DEFAULT_SHORTLIST} \(1 person\): "
                r"shortlisted since \d{4}-\d{2}-\d{2}"
            )
        )
        expect(_latest_note(page)).to_have_text(f"Latest note: {note}")
        me.shot("shortlisted")
        saved = _feedback(db).loc[person["person_id"]]
        assert (saved["label"], saved["note"]) == ("shortlisted", note)
        clicks_to_shortlist = me.clicks

        # The app is stopped (SIGTERM) and started anew on the same database.
        assert _stop_app(app) == 0
        assert not _healthy(app.base), "the Streamlit server stopped with talent app"
    finally:
        _kill_app(app)

    app = _start_app(db)
    try:
        me.open(app.base)
        me.click(page.get_by_test_id("stSidebar").get_by_text("Shortlisted only"))
        _expect_people(page, 1)
        expect(page).to_have_url(re.compile(r"shortlisted=1"))
        rows = _rows(page)
        assert [(r["Name"], r["Verdict"]) for r in rows] == [(chosen["Name"], "shortlisted")]
        # Under the default (maintainer) profile, with that profile's rank.
        assert int(rows[0]["#"]) == everyone.loc[person["person_id"], "rank"]
        me.shot("after-restart")
        me.open_row(0, chosen["Name"])
        expect(page.get_by_role("heading", name=chosen["Name"], exact=True)).to_be_visible()
        expect(_standing(page)).to_contain_text(f"{DEFAULT_SHORTLIST} (1 person): shortlisted")
        expect(_latest_note(page)).to_have_text(f"Latest note: {note}")
        me.shot("found-again")
    finally:
        _kill_app(app)
    me.report(f"({clicks_to_shortlist} from opening the app to a shortlisted person)")


def test_hiring_manager_journey(served, page, tmp_path, artifacts):
    """From opening the app to a shortlist of three exported as a safe CSV: the
    recruiter shortlists three skill matches (one with a note), the hiring manager
    downloads the shortlist."""
    from playwright.sync_api import expect

    app, db = served
    matches = _ranking(db, profile="recruiter", skill=SKILL)
    ranked = _ranking(db, profile="recruiter", affiliations=()).set_index("person_id")
    me = Journey("hiring-manager", page, artifacts)
    me.open(app.base)
    me.choose("Ranking profile", "recruiter")
    _expect_profile(page, "recruiter")
    me.type(page.get_by_role("textbox", name="Skill", exact=True), SKILL, enter=True)
    _expect_people(page, len(matches))
    me.shot("search")
    note = "+1 great kernels work; ask about @mentions"
    chosen = []
    for index in range(3):
        name = _rows(page)[index]["Name"]
        chosen.append(matches.set_index("name").loc[name, "person_id"])
        me.open_row(index, name)
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        _wait_idle(page)
        if index == 0:
            me.type(page.get_by_role("textbox", name="Note (optional)"), note)
        me.click(page.get_by_role("button", name="Shortlist", exact=True))
        expect(_standing(page)).to_contain_text(": shortlisted since")
        me.shot(f"shortlisted-{index + 1}")
        me.menu("Candidates")
        _expect_people(page, len(matches))
        expect(page).to_have_url(re.compile(rf"skill={SKILL}"))
        verdicts = {r["Name"]: r["Verdict"] for r in _rows(page)}
        assert verdicts[name] == "shortlisted"
    button = page.get_by_role("button", name="Download shortlist (3)")
    expect(button).to_be_enabled()
    me.shot("shortlist")
    saved = me.download(button, tmp_path)
    me.report("from opening the app to an exported shortlist of three people")

    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for spreadsheets"
    text = raw.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == SHORTLIST_COLUMNS
    feedback = _feedback(db)
    # Best rank first, each with the library's rank and score under the recruiter profile.
    want = sorted(chosen, key=lambda pid: ranked.loc[pid, "rank"])
    assert [r["person_id"] for r in rows] == want
    for row in rows:
        pid = row["person_id"]
        assert re.fullmatch(r"\d+", row["rank"]), row["rank"]  # "27", never "27.0"
        assert int(row["rank"]) == ranked.loc[pid, "rank"]
        assert re.fullmatch(r"\d+(\.\d{1,3})?", row["score"]), row["score"]
        assert float(row["score"]) == round(float(ranked.loc[pid, "score"]), 3)
        assert row["name"].removeprefix("'") == ranked.loc[pid, "name"]
        assert row["profile_url"] == f"https://github.com/{ranked.loc[pid, 'login']}"
        assert (row["verdict"], row["profile"]) == ("shortlisted", "recruiter")
        assert row["verdict_date"] == f"{feedback.loc[pid, 'noted_at']:%Y-%m-%d}"
        links = row["evidence_links"].split(" ")
        assert links and all(EVIDENCE.match(link) for link in links), links
        assert re.fullmatch(r"\d+–(\d+|out)", row["rank_range"]), row["rank_range"]
    notes = {r["person_id"]: r["note"] for r in rows}
    # The note as typed, neutralised: a leading apostrophe, so it is text in a sheet.
    assert feedback.loc[chosen[0], "note"] == note
    assert notes == {chosen[0]: "'" + note, chosen[1]: "", chosen[2]: ""}
    assert not [c for r in rows for c in r.values() if c.startswith(DANGEROUS_PREFIXES)]
    assert not EMAIL.search(text), EMAIL.search(text)


def test_pipeline_journey(served, page, tmp_path, artifacts):
    """From opening the app to a named shortlist of three with notes, exported for a
    hiring manager (the issue's target: at most 12 clicks), then one person moved a
    stage and the list exported again."""
    from playwright.sync_api import expect

    from talent.store import load_entries, load_events

    app, db = served
    matches = _ranking(db, profile="recruiter", skill=SKILL)
    ranked = _ranking(db, profile="recruiter", affiliations=()).set_index("person_id")
    me = Journey("pipeline", page, artifacts)
    me.open(app.base)
    me.choose("Ranking profile", "recruiter")
    _expect_profile(page, "recruiter")
    me.type(page.get_by_role("textbox", name="Skill", exact=True), SKILL, enter=True)
    _expect_people(page, len(matches))
    names = [r["Name"] for r in _rows(page)[:3]]
    chosen = [matches.set_index("name").loc[n, "person_id"] for n in names]
    for index in range(3):
        me.click_row(index)
        expect(page.get_by_role("heading", name=f"Selected: {index + 1}")).to_be_visible()
        _wait_idle(page)
    listed, note = "Kernels engineer", '=HYPERLINK("http://x") strong kernels work'
    me.type(page.get_by_role("textbox", name="New list's name"), listed, enter=True)
    _wait_idle(page)
    me.type(page.get_by_role("textbox", name="Note", exact=True), note, enter=True)
    _wait_idle(page)
    me.click(page.get_by_role("button", name="Add 3", exact=True))
    # The page drawn after the click says so (waiting for idle alone can see the page
    # before its rerun starts).
    expect(page.get_by_text(f"Added 3 to {listed}")).to_be_visible(timeout=60_000)
    _wait_idle(page)
    me.shot("added")
    # One pipeline: the Candidates page counts the people on the named list.
    assert _metrics(page)["Shortlisted"] == "3"
    expect(page.get_by_role("button", name="Download shortlist (3)")).to_be_enabled()
    engine = open_store(_url(db))
    try:
        entries = load_entries(engine, listed)
        assert sorted(entries["person_id"]) == sorted(chosen)
        assert set(entries["stage"]) == {"new"}
        notes = load_events(engine, listed).query("what == 'note'")
        assert sorted(notes["person_id"]) == sorted(chosen)
        assert set(notes["new"]) == {note}
    finally:
        engine.dispose()

    me.menu("Shortlists")
    expect(page.get_by_role("heading", name="Selected: 0")).to_be_visible(timeout=60_000)
    _wait_idle(page)
    expect(page.get_by_text("3 shortlisted", exact=True)).to_be_visible()
    button = page.get_by_role("button", name=f"Download {listed} (3)")
    me.shot("shortlist")
    first = _csv_rows(me.download(button, tmp_path))
    me.report("from opening the app to an exported shortlist of three people with notes")
    assert me.clicks <= 12, "the issue's target"
    assert sorted(r["person_id"] for r in first) == sorted(chosen)

    # Move the list's first person on to interviewing, then export again.
    moved = _rows(page)[0]["Name"]
    clicks = me.clicks
    me.click_row(0)
    expect(page.get_by_role("heading", name="Selected: 1")).to_be_visible()
    _wait_idle(page)
    me.click(page.get_by_test_id("stSelectbox").filter(has_text="Move to stage"))
    me.click(page.get_by_role("option", name="interviewing", exact=True))
    me.click(page.get_by_role("button", name="Move", exact=True))
    # The page drawn after the move (a stage count of its own), not the one before it: the
    # download carries what the page was drawn with.
    expect(page.get_by_test_id("stMetric").filter(has_text="Interviewing")).to_be_visible(
        timeout=60_000
    )
    _wait_idle(page)
    me.shot("moved")
    second = _csv_rows(me.download(button, tmp_path))
    me.report(f"in all ({me.clicks - clicks} to move one person a stage and export again)")
    stages = {r["name"].removeprefix("'"): r["stage"] for r in second}
    assert stages == {n: "interviewing" if n == moved else "new" for n in names}
    for row in second:
        pid = row["person_id"]
        assert row["shortlist"] == listed
        assert int(row["rank"]) == ranked.loc[pid, "rank"]
        assert row["profile_url"] == f"https://github.com/{ranked.loc[pid, 'login']}"
        # The note, dated and signed, neutralised: it starts with the date, not "=".
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \S+: " + re.escape(note), row["notes"])
        links = row["evidence_links"].split(" ")
        assert links and all(EVIDENCE.match(link) for link in links), links
    assert not [c for r in second for c in r.values() if c.startswith(DANGEROUS_PREFIXES)]

    # The company's applicant tracking system already has one of them: its export,
    # uploaded, marks them "in ATS" in the table and the export, with nobody else.
    known = chosen[1]
    ats = tmp_path / "ats-export.csv"
    ats.write_text(
        "Candidate,Email,GitHub profile\r\n"
        f"Someone,,https://github.com/{ranked.loc[known, 'login']}\r\n"
        "Nobody here,nobody@example.com,\r\n"
    )
    me.click(page.get_by_text("Applicant tracking system", exact=True))
    page.locator('input[type="file"]').set_input_files(ats)
    _wait_idle(page)
    me.click(page.get_by_role("button", name="Import", exact=True))
    expect(
        page.get_by_text(
            "2 rows with a login or e-mail: 1 person marked in ATS (1 by login), 1 not among"
        )
    ).to_be_visible(timeout=60_000)
    _wait_idle(page)
    me.shot("in ATS")
    third = _csv_rows(me.download(button, tmp_path))
    assert {r["person_id"]: r["in_ats"] for r in third} == {
        pid: str(pid == known) for pid in chosen
    }


def _csv_rows(saved: Path) -> list[dict[str, str]]:
    """A downloaded CSV's rows, after checking it opens safely in a spreadsheet."""
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for spreadsheets"
    text = raw.decode("utf-8-sig")
    assert not EMAIL.search(text), EMAIL.search(text)
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_maintainer_journey(served, page, artifacts):
    """One repository under the maintainer profile (the default): its contributors in
    the library's order for that repository, employees included; a person opened from
    there keeps the repository filter."""
    from playwright.sync_api import expect

    app, db = served
    expected = _ranking(db, repos=[REPO], affiliations=())
    overall = _ranking(db, affiliations=()).set_index("person_id")
    me = Journey("maintainer", page, artifacts)
    me.open(app.base)
    me.choose("Repositories", REPO)
    page.keyboard.press("Escape")  # close the multiselect's list
    _expect_people(page, len(expected))
    expect(page).to_have_url(re.compile(r"repo=acme-ai%2Facme-serve"))
    me.shot("repository")

    rows = _rows(page)
    assert len(rows) >= 10, "the rows in view"
    head = expected.head(len(rows))
    assert _ranked(rows) == _listed(head)
    assert [r["Affiliation"] for r in rows] == head["affiliation"].tolist()
    assert "employee" in {r["Affiliation"] for r in rows}

    # A contributor whose rank in this repository differs from their overall rank.
    index = next(
        i for i, pid in enumerate(head["person_id"]) if i > 0 and overall.loc[pid, "rank"] != i + 1
    )
    person = head.iloc[index]
    me.open_row(index, person["name"])
    expect(page.get_by_role("heading", name=person["name"], exact=True)).to_be_visible()
    _wait_idle(page)
    assert _params(page) == {"repo": [REPO], "person": [person["person_id"]]}
    assert _metrics(page)["Rank"] == f"#{person['rank']}"
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stMultiSelect").filter(has_text="Repositories")).to_contain_text(
        REPO
    )
    links = _evidence_links(page)
    assert links and all(link.startswith(f"https://github.com/{REPO}/") for link in links), links
    me.shot("candidate")
    me.report("to one repository's contributor")

    # The maintainers' own page, through the menu, with the repository still chosen.
    from playwright.sync_api import expect

    from talent.views.stewardship import maintainers_report

    report = maintainers_report(open_store(_url(db)), Settings(db_url=_url(db)), repos=[REPO])
    me.menu("Maintainers")
    expect(page.get_by_role("heading", name="Bus factor, riskiest first")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_text("Where the owner files have drifted")).to_be_visible()
    ones = int((report.bus_factor["truck_factor"] <= 1).sum())
    metric = page.get_by_test_id("stMetric").filter(has_text="Areas with bus factor 1")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(f"{ones:,}")
    assert ones > 0  # the demo's areas include some held by one person
    me.shot("maintainers")


def test_shared_links_and_csv(served, page, tmp_path, artifacts):
    """The first view (maintainer profile, everyone), its formula-safe CSV, and filters
    that arrive in a shared link."""
    from playwright.sync_api import expect

    app, db = served
    everyone = _ranking(db, affiliations=())
    me = Journey("links", page, artifacts)
    me.open(app.base)
    _expect_people(page, len(everyone))
    expect(page.get_by_text("Demo data.")).to_be_visible()
    rows = _rows(page)
    head = everyone.head(len(rows))
    assert _ranked(rows) == _listed(head)
    assert rows[0]["Profile"] == f"https://github.com/{head['login'].iloc[0]}"
    me.shot("candidates")

    saved = me.download(page.get_by_role("button", name="Download CSV"), tmp_path)
    with saved.open(encoding="utf-8-sig", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert [r["person_id"] for r in exported] == everyone["person_id"].tolist()
    assert [r["rank"] for r in exported] == [str(r) for r in everyone["rank"]]
    hostile = everyone[everyone["name"].str.startswith(DANGEROUS_PREFIXES)]
    assert len(hostile), "the demo world has names a spreadsheet would run"
    names = {r["person_id"]: r["name"] for r in exported}
    for pid, name in zip(hostile["person_id"], hostile["name"], strict=True):
        assert names[pid] == "'" + name
    assert not [c for r in exported for c in r.values() if c.startswith(DANGEROUS_PREFIXES)]

    # A shared link to the recruiter profile's employees whose name contains "an".
    me.open(f"{app.base}/?profile=recruiter&aff=employee&q=an")
    recruiter = _ranking(db, profile="recruiter", affiliations=("employee",))
    wanted = recruiter[
        recruiter["name"].str.lower().str.contains("an")
        | recruiter["login"].fillna("").str.lower().str.contains("an")
    ]
    _expect_people(page, len(wanted))
    rows = _rows(page)
    head = wanted.head(len(rows))
    assert _ranked(rows) == _listed(head)
    assert {r["Affiliation"] for r in rows} == {"employee"}
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("textbox", name="Name or login contains")).to_have_value("an")
    me.shot("shared-link")

    # The Candidate page from the menu: the first of those people, with their activity.
    me.menu("Candidate")
    first = wanted.iloc[0]
    expect(page.get_by_role("heading", name=first["name"], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Latest activity")).to_be_visible()
    _wait_idle(page)
    assert _params(page) == {
        "profile": ["recruiter"],
        "aff": ["employee"],
        "q": ["an"],
        "person": [first["person_id"]],
    }
    assert _metrics(page)["Rank"] == f"#{first['rank']}"
    me.shot("candidate")


def test_skill_search_order_matches_library(served, page):
    """The app and a notebook give the same answer to the same skill search."""
    app, db = served
    expected = _ranking(db, profile="recruiter", skill=SKILL)
    page.goto(f"{app.base}/?profile=recruiter&skill={SKILL}")
    _wait_idle(page)
    _expect_people(page, len(expected))
    rows = _rows(page)  # those in view: the library's first, in its order
    assert [r["Name"] for r in rows] == expected["name"].tolist()[: len(rows)]


def test_skill_search_on_a_git_repository(page, tmp_path, artifacts, monkeypatch):
    """A recruiter searches three words of a git history's real work and opens the first
    person: the one who did most of it, whose page lists that work with links."""
    from gitrepos import GitRepo, Who, at, isolate
    from playwright.sync_api import expect

    from talent.mining import mine_git

    _require_browser()
    repo = GitRepo.init(tmp_path / "repo")
    ada = Who("Ada Quill", "ada@example.org")
    bob = Who("Bob Marsh", "bob@example.org")
    cy = Who("Cy Doyle", "cy@example.org")
    day = 0
    for i in range(5):
        day += 1
        repo.commit(
            f"Add tekton pipeline task {i} for hyperparameter sweeps",
            author=ada,
            when=at(day),
            files={f"ci/tekton/task_{i}.yaml": f"steps: {i}\n" * 20},
        )
    for who, subject, path in [
        (bob, "Fix tekton pipeline typo", "ci/tekton/task_0.yaml"),
        (cy, "Document the install", "docs/install.md"),
        (cy, "Refresh the readme", "README.md"),
    ]:
        day += 1
        repo.commit(subject, author=who, when=at(day), files={path: f"{subject}\n"})
    db = tmp_path / "git.db"
    engine = open_store(_url(db))
    isolate(monkeypatch, tmp_path)
    mine_git(engine, repo.path, name="acme/pipelines")
    update_people(engine, Settings(db_url=_url(db)))
    engine.dispose()
    query = "tekton pipeline hyperparameter"
    expected = _ranking(db, skill=query, affiliations=())
    assert expected["name"].tolist()[:2] == ["Ada Quill", "Bob Marsh"]
    me = Journey("git skill search", page, artifacts)
    app = _start_app(db)
    try:
        me.open(app.base)
        me.type(page.get_by_role("textbox", name="Skill", exact=True), query, enter=True)
        _expect_people(page, len(expected))
        rows = _rows(page)
        assert [r["Name"] for r in rows] == expected["name"].tolist()
        assert rows[0]["Matched"] == "tekton, pipeline, hyperparameter"
        me.shot("search")
        me.open_row(0, "Ada Quill")
        expect(page.get_by_role("heading", name="Ada Quill", exact=True)).to_be_visible()
        heading = page.get_by_role("heading", name=f"Matching work for “{query}”")
        expect(heading).to_be_visible()
        share = page.get_by_test_id("stMarkdown").filter(has_text="of the work matching")
        expect(share).to_contain_text("words found: tekton, pipeline, hyperparameter")
        # Her five commits, linked (the evidence of her score links some of them too).
        links = page.get_by_role("link", name=re.compile(r"^Add tekton pipeline task \d"))
        expect(links.first).to_be_visible()
        titles = {link.inner_text() for link in links.all()}
        subject = "Add tekton pipeline task {} for hyperparameter sweeps"
        assert titles == {subject.format(i) for i in range(5)}
        assert all(
            re.fullmatch(r"https://github\.com/acme/pipelines/commit/[0-9a-f]{40}", href)
            for href in (link.get_attribute("href") for link in links.all())
        )
        me.shot("matching work")
        me.report("searched three words and read the first person's matching work")
    finally:
        _kill_app(app)


# --- hostile strings from every source render as text ------------------------------------

# Each would set window.__pwned, open a dialog or add an element if it ran or were parsed.
PAYLOADS = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<script>window.__pwned=2;alert(2)</script>",
    '"><svg onload="window.__pwned=3;alert(3)">',
    "[click me](javascript:window.__pwned=4)",
    '<a href="javascript:alert(5)">x</a> <iframe src="javascript:alert(6)"></iframe>',
    "<style>body{display:none}</style> **bold** $x^2$ :red[red] {{7*7}}",
]
INJECTED = (
    "img[src='x'], svg[onload], [onerror], [onload], iframe[src^='javascript'], "
    "a[href^='javascript'], style:not([data-emotion]):not([id])"
)


def _hostile_world(db: Path) -> dict[str, str]:
    """Add people whose names, titles, Hub repositories and verdict notes are payloads:
    a git author, a GitHub account and a Hub account. Returns {kind: person id}."""
    from datetime import UTC, datetime, timedelta

    from talent.model import Activity, ActivityKind, Identity, IdentitySource
    from talent.store import load_identity_links, save_activities
    from talent.store import save_identities as save_ids
    from talent.views.pipeline import record_verdict

    engine = open_store(_url(db))
    start = datetime(2026, 6, 1, tzinfo=UTC)
    git = Identity(IdentitySource.GIT, name=PAYLOADS[0], email="evil.git@example.org")
    gh = Identity(IdentitySource.GITHUB, name=PAYLOADS[2], login="evil-gh", github_id=9_900_001)
    hub = Identity(IdentitySource.HF, name=PAYLOADS[4], login="evil-hub")
    acts = []
    for n in range(40):
        when = start + timedelta(days=n)
        acts.append(
            Activity(
                f"evil:c{n}",
                REPO,
                ActivityKind.COMMIT,
                git.key,
                when,
                item=f"{n:040x}",
                title=PAYLOADS[n % len(PAYLOADS)],
            )
        )
        acts.append(
            Activity(
                f"evil:p{n}",
                REPO,
                ActivityKind.PR_OPENED,
                gh.key,
                when,
                item=f"{REPO}#{9000 + n}",
                title=PAYLOADS[(n + 1) % len(PAYLOADS)],
                url=f"https://github.com/{REPO}/pull/{9000 + n}",
            )
        )
        acts.append(Activity(f"evil:h{n}", "hf.co/acme-ai/med-llm", ActivityKind.DERIVATIVE,
                             hub.key, when, item=f"evil-hub/{PAYLOADS[3]}-{n}",
                             title=PAYLOADS[(n + 2) % len(PAYLOADS)], state="finetune",
                             size=1000))  # fmt: skip
    save_ids(engine, [git, gh, hub])
    save_activities(engine, acts)
    update_people(engine, Settings(db_url=_url(db)))
    links = load_identity_links(engine).set_index("identity_key")["person_id"]
    people = {"git": links[git.key], "github": links[gh.key], "hub": links[hub.key]}
    for n, person in enumerate(people.values()):
        record_verdict(engine, person, "shortlisted", PAYLOADS[(n + 5) % len(PAYLOADS)])
    engine.dispose()
    return people


def test_hostile_strings_render_as_text(demo_db, page, tmp_path, artifacts):
    db = _copy_db(demo_db, tmp_path / "hostile.db")
    people = _hostile_world(db)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    app = _start_app(db)
    try:
        pages = [f"{app.base}/", f"{app.base}/?profile=recruiter&skill=img",
                 f"{app.base}/maintainers"]  # fmt: skip
        pages += [f"{app.base}/candidate?person={pid}" for pid in people.values()]
        for n, url in enumerate(pages):
            page.goto(url)
            _wait_idle(page)
            page.wait_for_timeout(500)  # let anything injected run
            page.screenshot(path=str(artifacts / f"hostile-{n}.png"), full_page=True)
            assert page.evaluate("window.__pwned") is None, url
            injected = page.evaluate(
                f"Array.from(document.querySelectorAll({INJECTED!r})).map(e => e.outerHTML)"
            )
            assert injected == [], (url, injected)
            assert dialogs == [], (url, dialogs)
        # The payloads were on screen, as text: the names in the pages' headings, the
        # notes and titles in their text.
        for pid, name in zip(people.values(), (PAYLOADS[0], PAYLOADS[2], PAYLOADS[4]),
                             strict=True):  # fmt: skip
            page.goto(f"{app.base}/candidate?person={pid}")
            _wait_idle(page)
            text = page.locator("section.stMain, [data-testid=stMain]").first.inner_text()
            assert name in text, (pid, text[:400])
        # The detector itself: the same payload put into the page as HTML is caught.
        page.evaluate(f"document.body.insertAdjacentHTML('beforeend', {PAYLOADS[0]!r})")
        page.wait_for_timeout(500)
        assert page.evaluate("window.__pwned") == 1
        assert page.evaluate(f"document.querySelectorAll({INJECTED!r}).length") >= 1
        assert dialogs == ["1"]
    finally:
        _kill_app(app)
