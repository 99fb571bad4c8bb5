"""Who saw what (issue 27, item 3): views, exports and outreach drafts by two users, read
back exactly through ``talent access log``; a purge takes the person out of the log (and
an entry that named only them goes); retention removes old entries. On SQLite and
PostgreSQL (``hand_store``), with one AppTest of the Candidate page and one real browser
download."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import streamlit as st
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.people.accesslog import access_log, record_access
from talent.people.identity import update_people
from talent.store import load_access, load_people, rename_people, save_access

ROOT = Path(__file__).resolve().parents[1]
ANA, BO = "ana@acme.com", "bo@acme.com"


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _cli(url: str, *args: str, user: str = BO) -> str:
    result = CliRunner().invoke(app, [*args, "--db", url], env={"TALENT_USER": user})
    assert result.exit_code == 0, (args, result.output)
    return result.output


def _log(url: str, *args: str) -> list[dict]:
    """The log as ``talent access log -f json`` gives it, without the times."""
    rows = json.loads(_cli(url, "access", "log", "-f", "json", *args))
    for row in rows:
        assert datetime.fromisoformat(row.pop("at")) <= datetime.now(UTC)
    return rows


@pytest.fixture
def people(hand_store):
    """The hand-built world with people resolved: login -> person id."""
    update_people(hand_store, Settings())
    frame = load_people(hand_store)
    return hand_store, dict(zip(frame["login"], frame["person_id"], strict=True))


def _view_export_draft(engine, ids: dict[str, str]) -> list[dict]:
    """Ana views Alex's page and drafts to Bea in the app; Bo exports a list of Alex and
    Bea and drafts to Bea in the CLI. Returns the entries expected, oldest first."""
    url = _url(engine)
    alex, bea = ids["alex"], ids["bea"]
    record_access(engine, ANA, "view", [alex], {"profile": "recruiter"}, "app")
    record_access(engine, ANA, "outreach", [bea], {"profile": "recruiter"}, "app")
    _cli(url, "shortlist", "add", "Core", "alex", "bea")
    _cli(url, "shortlist", "export", "Core", "-f", "json")
    _cli(url, "outreach", "bea", "--profile", "maintainer")
    return [
        {"who": ANA, "action": "view", "where": "app", "people": [alex],
         "filters": {"profile": "recruiter"}},
        {"who": ANA, "action": "outreach", "where": "app", "people": [bea],
         "filters": {"profile": "recruiter"}},
        {"who": BO, "action": "export", "where": "cli", "people": sorted([alex, bea]),
         "filters": {"format": "json", "list": "Core", "profile": "recruiter"}},
        {"who": BO, "action": "outreach", "where": "cli", "people": [bea],
         "filters": {"profile": "maintainer"}},
    ]  # fmt: skip


def test_two_users_views_exports_and_drafts_read_back_exactly(people):
    engine, ids = people
    url = _url(engine)
    assert _log(url) == []
    expected = _view_export_draft(engine, ids)
    assert _log(url) == expected
    # By person, by any name a privacy command takes; by date.
    assert _log(url, "--person", "alex") == [expected[0], expected[2]]
    assert _log(url, "--person", "https://github.com/bea") == expected[1:]
    assert _log(url, "--person", "maria") == []
    assert _log(url, "--since", "2999-01-01") == []
    # CSV: one row per entry, the people space-separated, safe in a spreadsheet.
    csv_text = _cli(url, "access", "log", "-f", "csv")
    lines = csv_text.strip().splitlines()
    assert lines[0] == "at,who,action,where,people,filters"
    assert [line.split(",")[1:4] for line in lines[1:]] == [
        [e["who"], e["action"], e["where"]] for e in expected
    ]
    table = _cli(url, "access", "log")
    assert "Access log (4 entries)" in table and ANA in table
    # Nothing of this changes the data version: caches stay warm.
    assert set(access_log(engine)["who"]) == {ANA, BO}


def test_a_purge_takes_the_person_out_of_the_log(people):
    engine, ids = people
    url = _url(engine)
    expected = _view_export_draft(engine, ids)
    _cli(url, "privacy", "purge", "alex")
    # Alex's view (theirs alone) is gone; the export of Alex and Bea now names Bea only.
    bea = ids["bea"]
    assert _log(url) == [
        expected[1],
        {**expected[2], "people": [bea]},
        expected[3],
    ]
    with engine.connect() as conn:
        from sqlalchemy import text

        held = conn.execute(text("SELECT person_id FROM access_log_people")).scalars().all()
    assert ids["alex"] not in held and set(held) == {bea}
    # The entries whose filters name the person go too (a search for their login).
    record_access(engine, ANA, "export", [bea], {"query": "Bea Builder"}, "app")
    _cli(url, "privacy", "optout", "bea")
    assert _log(url) == []


def _ages(engine, now: datetime) -> list[int]:
    """The entries' ages in whole days, youngest first."""
    return sorted(round((now - a.tz_localize(UTC)).total_seconds() / 86400)
                  for a in access_log(engine)["at"])  # fmt: skip


def test_retention_drops_old_entries_at_each_record_and_on_demand(people, tmp_path):
    engine, ids = people
    url, alex = _url(engine), ids["alex"]
    now = datetime.now(UTC)
    for days in (400, 40, 10):
        save_access(engine, ANA, "view", "app", [alex], "{}", at=now - timedelta(days=days))
    # A record drops what is older than the default year.
    record_access(engine, BO, "view", [alex], {}, "cli", settings=Settings())
    assert _ages(engine, now) == [0, 10, 40]
    config = tmp_path / "talent.toml"
    config.write_text("[access]\nretention_days = 30\n", encoding="utf-8")
    said = _cli(url, "access", "prune", "--config", str(config))
    assert said.strip() == "1 access-log entries older than 30 days deleted"
    assert _ages(engine, now) == [0, 10]
    with engine.connect() as conn:
        from sqlalchemy import text

        kept = conn.execute(text("SELECT count(*) FROM access_log_people")).scalar()
    assert kept == 2  # the pruned entry's people went with it


def test_a_person_whose_id_changes_keeps_their_log(people):
    engine, ids = people
    alex, bea = ids["alex"], ids["bea"]
    save_access(engine, ANA, "export", "app", [alex, bea], "{}")
    save_access(engine, ANA, "view", "app", [alex], "{}")
    rename_people(engine, {alex: "pnew", bea: "pbea2"})
    assert [p for p in load_access(engine)["people"]] == [["pbea2", "pnew"], ["pnew"]]
    assert list(load_access(engine, "pnew")["action"]) == ["export", "view"]


def test_the_subjects_copy_says_who_saw_them(people, tmp_path):
    engine, ids = people
    url = _url(engine)
    _view_export_draft(engine, ids)
    out = tmp_path / "bea.json"
    said = _cli(url, "privacy", "export", str(out), "--person", "bea")
    assert said.strip().endswith("(1 identities, 3 access-log entries)")
    copy = json.loads(out.read_text(encoding="utf-8"))
    assert [p["login"] for p in copy["people"]] == ["bea"]
    assert [(s["who"], s["action"], s["where"]) for s in copy["seen_by"]] == [
        (ANA, "outreach", "app"),
        (BO, "export", "cli"),
        (BO, "outreach", "cli"),
    ]
    assert {a["kind"] for a in copy["activity"]} == {"pr_opened", "pr_merged"}
    assert [s["shortlist"] for s in copy["shortlists"]] == ["Core"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["access", "log", "--since", "yesterday"], "--since: 'yesterday' is not a date"),
        (["access", "log", "--person", "Nobody Anywhere"], "nobody matches"),
        (["access", "log", "-f", "xml"], "'xml' is not one of"),
        (["privacy", "export", "x.json", "--person", "Nobody Anywhere"], "nobody matches"),
    ],
)
def test_bad_input_is_one_line(people, args, says, tmp_path, monkeypatch):
    engine, _ids = people
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*args, "--db", _url(engine)])
    assert result.exit_code != 0
    assert says in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_help_says_what_is_logged():
    result = CliRunner().invoke(app, ["access", "--help"])
    assert result.exit_code == 0
    assert "retention_days" in result.output and "opt-out" in result.output
    log_help = CliRunner().invoke(app, ["access", "log", "--help"]).output
    assert "--person" in log_help and "--since" in log_help and "view, export, outreach" in log_help


# --- the app -----------------------------------------------------------------------------


@pytest.fixture
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_the_candidate_page_records_one_view_and_a_shown_draft(
    demo_copy, monkeypatch, fresh_caches
):
    from streamlit.testing.v1 import AppTest

    from talent.store import open_store, prune_access

    engine = open_store(demo_copy)
    # The copy is of the session's demo store, which other tests' app runs may have
    # logged into: start this test's log empty, so it reads back exactly its own.
    prune_access(engine, datetime.now(UTC) + timedelta(days=1))
    assert access_log(engine).empty
    monkeypatch.setenv("TALENT_DB", demo_copy)
    monkeypatch.delenv("TALENT_CONFIG", raising=False)
    # Without sign-in the viewer is the local user (TALENT_USER); the log names the viewer.
    monkeypatch.setenv("TALENT_USER", ANA)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("talent/ui/pages/candidate.py")
    at.run()
    assert not at.exception
    assert at.session_state["viewer"].who == ANA
    shown = at.session_state["person_id"]
    at.run()  # a rerun of the same view is not another view
    log = access_log(engine)
    assert log[["who", "action", "where"]].values.tolist() == [[ANA, "view", "app"]]
    assert log["people"].tolist() == [[shown]]
    assert log["filters"].iloc[0]["profile"] == "maintainer"
    at.session_state["outreach_open"] = True
    at.run()
    at.run()
    log = access_log(engine)
    assert log["action"].tolist() == ["view", "outreach"]
    assert log["people"].tolist() == [[shown], [shown]]
    # The admin page shows them, with the person's name.
    at.switch_page("talent/ui/pages/access_log.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["action"].tolist() == ["outreach", "view"]  # newest first
    name = load_people(engine).set_index("person_id").loc[shown, "name"]
    assert set(table["names"]) == {name} and set(table["who"]) == {ANA}
    engine.dispose()


@pytest.mark.e2e
def test_a_download_in_the_browser_is_recorded_when_clicked(tmp_path, monkeypatch):
    """In Chromium, the Candidates page's "Download CSV": nothing is recorded when the page
    is drawn, and one export of exactly the file's people when the button is clicked."""
    import csv
    import time

    from talent.mining import save_demo
    from talent.sources.demo import generate_demo
    from talent.store import open_store
    from tests.test_e2e import CHROMIUM, _kill_app, _require_browser, _start_app, _wait_idle

    sync = _require_browser()
    db = tmp_path / "demo.db"
    engine = open_store(f"sqlite:///{db}")
    save_demo(engine, generate_demo(seed=5, size="small"))
    update_people(engine, Settings(db_url=f"sqlite:///{db}"))
    monkeypatch.setenv("TALENT_USER", "cy@acme.com")  # no sign-in: the app's local user
    served = _start_app(db)
    try:
        with sync.sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )  # fmt: skip
            page = browser.new_context(accept_downloads=True).new_page()
            page.goto(served.base)
            _wait_idle(page)
            button = page.get_by_role("button", name="Download CSV")
            button.wait_for(timeout=60_000)
            assert access_log(engine).empty  # drawn, not downloaded
            with page.expect_download() as download:
                button.click()
            saved = tmp_path / "candidates.csv"
            download.value.save_as(saved)
            deadline = time.monotonic() + 60  # the click's rerun records it
            while access_log(engine).empty and time.monotonic() < deadline:
                time.sleep(0.2)
            browser.close()
    finally:
        _kill_app(served)
    with saved.open(encoding="utf-8-sig", newline="") as fh:
        exported = sorted(r["person_id"] for r in csv.DictReader(fh))
    log = access_log(engine)
    assert log[["who", "action", "where"]].values.tolist() == [["cy@acme.com", "export", "app"]]
    assert log["people"].iloc[0] == exported and len(exported) > 100
    assert log["filters"].iloc[0] == {"file": "candidates", "profile": "maintainer"}
    engine.dispose()
