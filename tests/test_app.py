"""The Streamlit app under AppTest: every page renders real rows from a real store."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from unittest import mock

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from talent.config import Settings
from talent.export import DANGEROUS_PREFIXES
from talent.identity import update_people
from talent.scoring import rank_store
from talent.sources.demo import generate_demo, save_demo
from talent.store import open_store

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CANDIDATE_PAGE = "talent/ui/pages/candidate.py"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("app") / "demo.db")
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=3, size="small"))
    update_people(engine, Settings(db_url=url))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def expected(demo_db) -> object:
    return rank_store(open_store(demo_db), Settings(db_url=demo_db))


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def run_app(monkeypatch, url: str, **query) -> AppTest:
    monkeypatch.setenv("TALENT_DB", url)
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_candidates_page_shows_the_ranking(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db)
    assert not at.exception
    assert at.title[0].value == "Candidates"
    table = at.dataframe[0].value
    # Recruiters' default: everyone but current employees.
    humans = expected[~expected["is_bot"] & (expected["affiliation"] != "employee")]
    assert len(table) == len(humans)
    assert table["name"].tolist()[:10] == humans["name"].tolist()[:10]
    assert table["rank"].tolist() == sorted(table["rank"].tolist())
    assert table["score"].is_monotonic_decreasing
    assert table["profile_url"].iloc[0] == f"https://github.com/{humans['login'].iloc[0]}"
    # It is always clear that this is demo data.
    assert any("Demo data" in info.value for info in at.info)
    assert at.metric[0].value == f"{len(humans):,}"


def test_candidates_filters_narrow_the_table(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db)
    table = at.dataframe[0].value
    assert len(table) > 0
    assert set(table["affiliation"]) <= {"community", "unknown", "former_employee"}
    at.multiselect(key="f_aff").select("employee").run()
    everyone = at.dataframe[0].value
    assert "employee" in set(everyone["affiliation"]) and len(everyone) > len(table)
    aff = at.query_params["aff"]
    assert set([aff] if isinstance(aff, str) else aff) == {
        "community",
        "former_employee",
        "unknown",
        "employee",
    }
    at.multiselect(key="f_aff").unselect("employee").run()

    repo = "acme-ai/tokenizers"
    at.multiselect(key="f_repos").select(repo).run()
    narrowed = at.dataframe[0].value
    assert 0 < len(narrowed) < len(table)
    assert all(repo in repos for repos in narrowed["top_repos"])

    at.text_input(key="f_query").input("no such person anywhere").run()
    assert any("No candidates match" in info.value for info in at.info)


def test_filters_are_read_from_the_url(monkeypatch, demo_db):
    at = run_app(monkeypatch, demo_db, aff="employee", window="Last 90 days")
    assert at.multiselect(key="f_aff").value == ["employee"]
    assert at.selectbox(key="f_window").value == "Last 90 days"
    assert set(at.dataframe[0].value["affiliation"]) == {"employee"}


def test_csv_download_is_exactly_the_rows_shown_and_safe(monkeypatch, demo_db):
    with mock.patch.object(st, "download_button", wraps=st.download_button) as spy:
        at = run_app(monkeypatch, demo_db, bots="show")
    assert not at.exception
    shown = at.dataframe[0].value
    payload = spy.call_args.kwargs["data"]
    rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    assert [int(r["rank"]) for r in rows] == shown["rank"].tolist()
    assert [r["name"].removeprefix("'") for r in rows] == shown["name"].tolist()
    assert any(r["login"].endswith("[bot]") for r in rows), "bots=show keeps bots"
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c.startswith(DANGEROUS_PREFIXES)]
    # The demo world holds hostile names, so neutralised cells must be present.
    assert any(c.startswith(("'=", "'+", "'-", "'@")) for c in cells)
    assert not any("@acme-ai.com" in c for c in cells)


def test_candidate_page_explains_the_score(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db)
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    top = expected[~expected["is_bot"] & (expected["affiliation"] != "employee")].iloc[0]
    assert at.header[0].value.replace("\\", "") == top["name"]
    assert at.metric[0].value == f"#{top['rank']}"
    assert at.metric[1].value == f"{top['score']:.3f}"
    facts = at.dataframe[0].value
    assert facts.set_index("measure").loc["commits", "value"] == top["commits"]
    identities = at.dataframe[1].value
    assert len(identities) >= 1 and set(identities["linked by"]) <= {
        "github_account",
        "commit_login",
        "noreply",
        "email",
        "name",
        "mailmap",
        "single",
        "login_email",
        "manual",
        "manual_split",
    }
    assert not identities["email domain"].str.contains(r"[^@]+@", regex=True).any()
    latest = at.dataframe[2].value
    assert 0 < len(latest) <= 25
    assert latest["occurred_at"].is_monotonic_decreasing


def test_candidate_page_follows_the_selection(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db)
    at.switch_page(CANDIDATE_PAGE).run()
    fifth = expected[~expected["is_bot"] & (expected["affiliation"] != "employee")].iloc[4]
    at.selectbox(key="candidate_select").select(fifth["person_id"]).run()
    assert at.metric[0].value == f"#{fifth['rank']}"
    assert at.query_params["person"] in (fifth["person_id"], [fifth["person_id"]])


@pytest.mark.parametrize("page", [None, CANDIDATE_PAGE])
def test_missing_database_offers_the_demo(monkeypatch, tmp_path, page):
    db = tmp_path / "none.db"
    at = run_app(monkeypatch, "sqlite:///" + str(db))
    if page:
        at.switch_page(page).run()
    assert not at.exception
    assert any("No database yet" in w.value for w in at.warning)
    assert not db.exists(), "looking must not create the database"
    at.button(key="create_demo").click().run()
    assert not at.exception
    assert db.exists()
    if page is None:
        assert len(at.dataframe[0].value) > 100
