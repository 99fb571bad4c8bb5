"""The main journey in a real browser: Debian's Chromium driven by Playwright against
``talent app`` serving a real demo database on 127.0.0.1."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from talent.config import Settings
from talent.export import DANGEROUS_PREFIXES
from talent.identity import update_people
from talent.scoring import rank_store
from talent.sources.demo import generate_demo, save_demo
from talent.store import open_store

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``talent app`` on a small demo database; yields (base url, expected ranking)."""
    _require_browser()
    db = tmp_path_factory.mktemp("e2e") / "demo.db"
    url = "sqlite:///" + str(db)
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=5, size="small"))
    update_people(engine, Settings(db_url=url))
    expected = rank_store(engine, Settings(db_url=url))
    engine.dispose()

    port = _free_port()
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
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read() == b"ok":
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"talent app did not start:\n{out}")
        time.sleep(0.3)
    yield base, expected
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture()
def page(served):
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
        yield context.new_page()
        browser.close()


def _wait_idle(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=60_000
    )
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=60_000)


def test_recruiter_journey(served, page, tmp_path):
    from playwright.sync_api import expect

    base, expected = served
    humans = expected[~expected["is_bot"]]
    page.goto(base)
    _wait_idle(page)

    # The ranked table, best first, with the demo banner; by default (recruiters) without
    # current employees.
    top_employee = humans[humans["affiliation"] == "employee"]["name"].iloc[0]
    members = humans[humans["affiliation"] != "employee"]
    top_member = members["name"].iloc[0]
    expect(page.get_by_text("Demo data.")).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator("td").nth(1)).to_have_text(top_member, timeout=30_000)
    cells = grid.locator("td").all_text_contents()
    assert f"https://github.com/{members['login'].iloc[0]}" in cells
    assert top_employee not in cells

    # The CSV download: the filtered rows, safe for a spreadsheet.
    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").get_by_role("button").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    with saved.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(members)
    assert rows[0]["name"].removeprefix("'") == top_member
    assert not [c for r in rows for c in r.values() if c.startswith(DANGEROUS_PREFIXES)]

    page.screenshot(path=str(tmp_path / "candidates.png"), full_page=True)

    # Filters live in the URL: a shared link to employees shows the employees.
    page.goto(f"{base}/?aff=employee")
    _wait_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator("td").nth(1)).to_have_text(top_employee, timeout=30_000)
    page.goto(base)
    _wait_idle(page)

    # Open the top community member's page.
    page.get_by_role("link", name="Candidate", exact=True).click()
    _wait_idle(page)
    expect(page.get_by_role("heading", name=top_member)).to_be_visible()
    expect(page.get_by_text("Why this score")).to_be_visible()
    expect(page.get_by_text("Latest activity")).to_be_visible(timeout=30_000)
    _wait_idle(page)
    page.screenshot(path=str(tmp_path / "candidate.png"), full_page=True)
