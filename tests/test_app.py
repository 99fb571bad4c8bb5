"""The Streamlit app under AppTest: every page renders real rows from a real store."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path
from unittest import mock

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.cli import app as cli
from talent.config import AFFILIATIONS, RECRUITER, Profile, Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.ranking import scoring
from talent.ranking.scoring import (
    DEFAULT_PROFILE,
    SIGNAL_LABELS,
    build_ranking_base,
    explain,
    load_evidence,
    rank_range_text,
    rank_store,
    save_ranking_profile,
)
from talent.sources.demo import generate_demo
from talent.store import (
    DEFAULT_SHORTLIST,
    add_entries,
    data_version,
    load_activities,
    load_entries,
    load_identity_links,
    open_store,
)
from talent.store.derived import clear
from talent.ui.safe import md_escape
from talent.views.evaluate import load_ranking_check, ranking_check_text
from talent.views.export import DANGEROUS_PREFIXES
from talent.views.pipeline import pipeline_verdicts, record_verdict

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


def _copy(url: str, path) -> None:
    """A copy of the SQLite store ``url`` at ``path`` through SQLite's backup, which
    includes what is still in the write-ahead log. Not a plain file copy: closing a
    descriptor of the store's file would drop this process's SQLite locks on it, and
    another process (the windows computed ahead) could then take itself for the last
    one and remove the log under this process's open connections."""
    import sqlite3

    source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _ranking(url: str, profile: str):
    """What the app shows before its own filters: everyone, with rank intervals."""
    return rank_store(
        open_store(url), Settings(db_url=url), profile=profile, affiliations=(), interval_windows=5
    )


def _candidates(ranking):
    """The app's default filters: no bots; the recruiter profile leaves out current
    employees, the maintainer profile shows everyone (maintainers look at everyone)."""
    shown = ranking[~ranking["is_bot"]]
    if set(ranking["profile"]) == {"recruiter"}:
        shown = shown[shown["affiliation"] != "employee"]
    return shown


@pytest.fixture(scope="module")
def expected(demo_db) -> object:
    return _ranking(demo_db, "maintainer")


@pytest.fixture(scope="module")
def expected_recruiter(demo_db) -> object:
    return _ranking(demo_db, "recruiter")


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
    # The maintainer profile's default: everyone, employees included.
    humans = _candidates(expected)
    assert "employee" in set(humans["affiliation"])
    assert len(table) == len(humans)
    assert table["name"].tolist()[:10] == humans["name"].tolist()[:10]
    assert table["rank"].tolist() == sorted(table["rank"].tolist())
    assert table["score"].is_monotonic_decreasing
    assert table["profile_url"].iloc[0] == f"https://github.com/{humans['login'].iloc[0]}"
    # The maintainer profile's own signals, and they add up to the score.
    contributions = [c for c in table.columns if c.startswith("contrib_")]
    assert set(contributions) == {
        "contrib_activity",
        "contrib_recent_activity",
        "contrib_pagerank",
        "contrib_trust",
        "contrib_ownership",
        "contrib_tenure",
        "contrib_reviews",
    }
    assert (table[contributions].sum(axis=1) - table["score"]).abs().max() < 1e-9
    top = humans.iloc[0]
    assert table["interval"].iloc[0] == rank_range_text(
        top["rank_low"], top["rank_high"], len(expected)
    )
    # Leaving out the one fifth that holds all of someone's work drops them out.
    out = (humans["rank_high"] > len(expected)).to_numpy()
    assert out.any() and table.loc[out, "interval"].str.endswith("–out").all()
    assert not table.loc[~out, "interval"].str.contains("out").any()
    assert table["persona"].tolist() == [
        f"{p} · ↑ rising" if r else p
        for p, r in zip(humans["persona"], humans["rising"], strict=True)
    ]
    assert table["areas"].tolist() == humans["areas"].tolist()
    assert set(table["verdict"]) == {""}
    # It is always clear that this is demo data.
    assert any("Demo data" in info.value for info in at.info)
    assert at.metric[0].value == f"{len(humans):,}"


def test_a_cold_ranking_is_drawn_first_and_its_ranges_filled_in_place(
    monkeypatch, demo_db, tmp_path
):
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    clear(open_store(url))  # nothing kept: the ranges' windows are computed on this run
    drawn = mock.patch.object(DeltaGenerator, "dataframe", autospec=True,
                              side_effect=DeltaGenerator.dataframe)  # fmt: skip
    with drawn as spy:
        at = run_app(monkeypatch, url)
    assert not at.exception
    first, final = [c for c in spy.call_args_list if "interval" in c.args[1].columns]
    early, done = first.args[1], final.args[1]
    # The same rows, ranks and columns; the ranges are "…" until they are done.
    assert early.drop(columns="interval").equals(done.drop(columns="interval"))
    assert set(early["interval"]) == {"…"} and "…" not in set(done["interval"])
    assert "key" not in first.kwargs and final.kwargs["key"] == "candidates_table"
    (table,) = at.dataframe
    assert table.value["interval"].tolist() == done["interval"].tolist()
    # Kept now: the next session draws the table once, ranges and all.
    with drawn as spy:
        at = run_app(monkeypatch, url)
    (only,) = [c for c in spy.call_args_list if "interval" in c.args[1].columns]
    assert only.args[1]["interval"].tolist() == done["interval"].tolist()


def test_candidates_filters_narrow_the_table(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db, profile="recruiter")
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


def test_candidates_say_how_the_profile_compares_with_commit_count(monkeypatch, demo_db):
    at = run_app(monkeypatch, demo_db)
    check = load_ranking_check()["methods"]
    said = [c.value for c in at.caption if "plain commit count" in c.value]
    # The figures of the shipped check for the profile shown, read from its file.
    assert said == [ranking_check_text(DEFAULT_PROFILE)]
    assert f"{check[DEFAULT_PROFILE]['ndcg20_ever']:.2f} against" in said[0]
    assert f"against {check['commit count']['ndcg20_ever']:.2f}" in said[0]
    at.selectbox(key="f_profile").select("recruiter").run()
    said = [c.value for c in at.caption if "plain commit count" in c.value]
    assert said == [ranking_check_text("recruiter")] and said != [
        ranking_check_text(DEFAULT_PROFILE)
    ]


def test_profile_switch_reorders_and_reweighs(monkeypatch, demo_db, expected, expected_recruiter):
    at = run_app(monkeypatch, demo_db)
    maintainer_order = at.dataframe[0].value["name"].tolist()
    at.selectbox(key="f_profile").select("recruiter").run()
    assert not at.exception
    assert at.query_params["profile"] in ("recruiter", ["recruiter"])
    assert any(RECRUITER.description.capitalize() in c.value.replace("\\", "") for c in at.caption)
    table = at.dataframe[0].value
    humans = _candidates(expected_recruiter)
    # The library's recruiter order and scores, not the maintainer's.
    assert table["name"].tolist() == humans["name"].tolist()
    assert table["name"].tolist() != maintainer_order
    assert table["score"].tolist() == pytest.approx(humans["score"].tolist())
    # Only what the recruiter weighs is shown: momentum and quality in, tenure out.
    contributions = {c.removeprefix("contrib_") for c in table.columns if c.startswith("contrib_")}
    assert contributions == set(RECRUITER.as_dict())
    assert "tenure" not in contributions and SIGNAL_LABELS["momentum"] == "Momentum"
    assert (
        table[[f"contrib_{s}" for s in contributions]].sum(axis=1) - table["score"]
    ).abs().max() < 1e-9
    # In the documented direction: the recruiter's top ten work more recently, with more
    # momentum and across more repositories than the maintainer's top ten.
    # By person id: two people of the demo world share a name.
    features = expected.set_index("person_id")
    for_recruiter = features.loc[humans["person_id"].head(10)]
    # Among the same people (the maintainer view shows employees too), in the maintainer
    # table's order.
    audience = set(humans["person_id"])
    same_audience = [p for p in _candidates(expected)["person_id"] if p in audience]
    for_maintainer = features.loc[same_audience[:10]]
    for measure in ("momentum", "n_repos"):
        assert for_recruiter[measure].mean() > for_maintainer[measure].mean(), measure
    recent = (for_recruiter["recent_activity"] / for_recruiter["activity"]).mean()
    assert recent > (for_maintainer["recent_activity"] / for_maintainer["activity"]).mean()


def test_profile_is_read_from_the_url(monkeypatch, demo_db, expected_recruiter):
    at = run_app(monkeypatch, demo_db, profile="recruiter")
    assert at.selectbox(key="f_profile").value == "recruiter"
    top = _candidates(expected_recruiter).iloc[0]
    assert at.dataframe[0].value["name"].iloc[0] == top["name"]
    at = run_app(monkeypatch, demo_db, profile="no-such-profile")
    assert at.selectbox(key="f_profile").value == "maintainer"


def test_rising_only_keeps_the_rising(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db, aff=["community", "former_employee", "unknown", "employee"])
    at.toggle(key="f_rising").set_value(True).run()
    assert not at.exception
    assert at.query_params["rising"] in ("1", ["1"])  # in the URL, shareable
    rising = expected[~expected["is_bot"] & expected["rising"]]
    assert len(rising) > 0, "the demo world has rising contributors"
    table = at.dataframe[0].value
    assert table["name"].tolist() == rising["name"].tolist()
    assert all(p.endswith("↑ rising") for p in table["persona"])
    assert at.metric[1].value == f"{len(rising):,}"


def test_csv_download_is_exactly_the_rows_shown_and_safe(monkeypatch, demo_db):
    with mock.patch.object(st, "download_button", wraps=st.download_button) as spy:
        at = run_app(monkeypatch, demo_db, bots="show")
    assert not at.exception
    shown = at.dataframe[0].value
    (payload,) = [c.kwargs["data"] for c in spy.call_args_list if c.kwargs["key"] == "download_csv"]
    rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    assert [int(r["rank"]) for r in rows] == shown["rank"].tolist()
    assert [r["name"].removeprefix("'") for r in rows] == shown["name"].tolist()
    assert any(r["login"].endswith("[bot]") for r in rows), "bots=show keeps bots"
    cells = [cell for row in rows for cell in row.values()]
    assert not [c for c in cells if c.startswith(DANGEROUS_PREFIXES)]
    # The demo world holds hostile names, so neutralised cells must be present.
    assert any(c.startswith(("'=", "'+", "'-", "'@")) for c in cells)
    assert not any("@acme-ai.com" in c for c in cells)
    assert {r["profile"] for r in rows} == {"maintainer"}
    assert all(int(r["rank_low"]) <= int(r["rank"]) <= int(r["rank_high"]) for r in rows)
    # For people to read: whole ranks, scores rounded.
    assert all(len(r["score"].partition(".")[2]) <= 3 for r in rows)


def test_candidate_page_explains_the_score(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db)
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    top = _candidates(expected).iloc[0]
    assert at.header[0].value.replace("\\", "") == top["name"]
    assert at.metric[0].value == f"#{top['rank']}"
    assert at.metric[1].value == f"{top['score']:.3f}"
    assert at.metric[2].value == rank_range_text(top["rank_low"], top["rank_high"], len(expected))
    assert at.metric[3].value == f"{top['last_active']:%Y-%m-%d}"
    persona = f"{top['persona']} · ↑ rising" if top["rising"] else top["persona"]
    said = f"**{md_escape(persona)}** · {md_escape(top['employment'])}"
    assert said in [m.value for m in at.markdown]
    assert top["employment"].startswith(top["affiliation"].replace("_", " "))
    low, high = int(top["rank_low"]), int(top["rank_high"])
    meaning = (
        f"Rank stays {low} whichever fifth of the history is left out."
        if low == high
        else f"Rank stays between {low} and {high} when any fifth of the history is left out."
    )
    assert meaning in [c.value for c in at.caption]
    assert top["areas"] and any(f"areas: {md_escape(top['areas'])}" in m.value for m in at.markdown)
    facts = _frame_with(at, "measure")
    assert facts.set_index("measure").loc["commits", "value"] == top["commits"]
    identities = _frame_with(at, "linked by")
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
    latest = _frame_with(at, "occurred_at")
    assert 0 < len(latest) <= 25
    assert latest["occurred_at"].is_monotonic_decreasing


def _frame_with(at, column: str):
    """The page's table that has ``column`` (AppTest keeps no widget keys on tables)."""
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


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


def _explanation(url: str, ranking, person_id: str) -> list[dict]:
    # The acts the app explains with: those it ranks (bots' acts left out, as are the
    # answers bots give first).
    return explain(ranking, load_evidence(open_store(url)), person_id)


def test_candidate_page_links_the_evidence(monkeypatch, demo_db, expected_recruiter):
    at = run_app(monkeypatch, demo_db, profile="recruiter")
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    top = _candidates(expected_recruiter).iloc[0]
    parts = _explanation(demo_db, expected_recruiter, top["person_id"])
    assert parts and all(p["evidence"] for p in parts)
    text = "\n".join(m.value for m in at.markdown)
    for part in parts:
        assert f"**{part['label']}**: {part['contribution']:.3f}" in text.replace("\\", "")
        for e in part["evidence"]:
            assert f"]({e['url']})" in text, e
    # Links go to this person's own acts.
    engine = open_store(demo_db)
    links = load_identity_links(engine)
    keys = links.loc[links["person_id"] == top["person_id"], "identity_key"].tolist()
    theirs = set(load_activities(engine, actors=keys)["url"])
    linked = [e["url"] for p in parts for e in p["evidence"]]
    assert set(linked) <= theirs
    # The breakdown chart: the recruiter's signals only, each with this person's contribution.
    chart = at.get("vega_lite_chart")[0].proto
    bars = pa.ipc.open_stream(chart.datasets[0].data.data).read_all().to_pandas()
    assert dict(zip(bars["signal"], bars["contribution"], strict=True)) == pytest.approx(
        {SIGNAL_LABELS[s]: top[f"contrib_{s}"] for s in RECRUITER.as_dict()}
    )


def test_shortlist_button_stores_feedback(monkeypatch, demo_db, tmp_path, expected):
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    at = run_app(monkeypatch, url)
    at.switch_page(CANDIDATE_PAGE).run()
    top = _candidates(expected).iloc[0]
    assert any("Not on any shortlist yet" in c.value for c in at.caption)
    at.text_input(key=f"note_{top['person_id']}").input("strong *reviewer*").run()
    version = data_version(open_store(url))
    at.button(key="verdict_shortlisted").click().run()
    assert not at.exception
    # A verdict changes no score: the data version, and so the cached ranking, stay.
    assert data_version(open_store(url)) == version
    stored = pipeline_verdicts(open_store(url))
    assert stored[["person_id", "label", "note", "lists"]].values.tolist() == [
        [top["person_id"], "shortlisted", "strong *reviewer*", f"{DEFAULT_SHORTLIST}: shortlisted"]
    ]
    # The page reads the stage on the default list back, and the note escaped.
    assert any(
        m.value.startswith(f"[{DEFAULT_SHORTLIST}](shortlists?list={DEFAULT_SHORTLIST}) "
                           "(1 person): **shortlisted** since")
        for m in at.markdown
    )  # fmt: skip
    assert any(m.value == "Latest note: strong \\*reviewer\\*" for m in at.markdown)
    # So does the Candidates page, and its shortlist toggle.
    at.switch_page("talent/ui/pages/candidates.py").run()
    table = at.dataframe[0].value
    # (Their Hub account, a person of its own until merged, may share the name.)
    assert "shortlisted" in set(table.loc[table["name"] == top["name"], "verdict"])
    at.toggle(key="f_shortlisted").set_value(True).run()
    assert at.dataframe[0].value["name"].tolist() == [top["name"]]
    # The toggle is a filter in view everywhere: off again before rejecting them.
    at.toggle(key="f_shortlisted").set_value(False).run()

    at.switch_page(CANDIDATE_PAGE).run()
    at.button(key="verdict_rejected").click().run()
    assert pipeline_verdicts(open_store(url))["label"].tolist() == ["rejected"]
    entries = load_entries(open_store(url), DEFAULT_SHORTLIST)
    assert entries[["person_id", "stage"]].values.tolist() == [[top["person_id"], "not a fit"]]
    at.button(key="verdict_clear").click().run()
    assert not at.exception
    assert pipeline_verdicts(open_store(url)).empty
    assert any("Not on any shortlist yet" in c.value for c in at.caption)


def test_counts_agree_on_every_page_and_in_the_cli(monkeypatch, demo_db, tmp_path, expected):
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    people = _candidates(expected)["person_id"].tolist()[:5]
    # Three on a named list (as the Candidates page's "Add to list" does) ...
    add_entries(open_store(url), "DevRel", people[:3], "ann")
    # ... and the quick actions on Candidate pages: one of them and one more shortlisted,
    # one more not a fit.
    for person, button in [(people[2], "verdict_shortlisted"), (people[3], "verdict_shortlisted"),
                           (people[4], "verdict_rejected")]:  # fmt: skip
        at = run_app(monkeypatch, url, person=person)
        at.switch_page(CANDIDATE_PAGE).run()
        at.button(key=button).click().run()
        assert not at.exception
    # Shortlisted: the three on DevRel and the one more; the rejected one is not counted.
    shortlisted = 4
    with mock.patch.object(st, "download_button", wraps=st.download_button) as spy:
        at = run_app(monkeypatch, url)
    assert not at.exception
    (metric,) = [m for m in at.metric if m.label == "Shortlisted"]
    assert int(metric.value) == shortlisted
    (call,) = [c for c in spy.call_args_list if c.kwargs["key"] == "download_shortlist"]
    assert call.args[0] == f"Download shortlist ({shortlisted})"
    # The file is made when the button is clicked (a callable), not with the page.
    rows = list(csv.DictReader(io.StringIO(call.kwargs["data"]().decode("utf-8-sig"))))
    assert sorted(r["person_id"] for r in rows) == sorted(people[:4])
    both = next(r for r in rows if r["person_id"] == people[2])
    assert both["lists"] == f"DevRel: new; {DEFAULT_SHORTLIST}: shortlisted"

    at.switch_page("talent/ui/pages/shortlists.py").run()
    assert not at.exception
    (summary,) = [c.value for c in at.caption if "shortlisted** (on a list" in c.value]
    assert summary.startswith(f"**{shortlisted} shortlisted** ")
    assert "across 2 lists; 1 not a fit, 0 not interested" in summary
    sizes = at.selectbox(key="shortlist_name").options
    assert sorted(sizes) == sorted(["DevRel (3)", f"{DEFAULT_SHORTLIST} (3)"])

    at.query_params["person"] = people[2]
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    lines = sorted(m.value for m in at.markdown if "](shortlists?list=" in m.value)
    assert [line.split(":")[0] for line in lines] == [
        "[DevRel](shortlists?list=DevRel) (3 people)",
        f"[{DEFAULT_SHORTLIST}](shortlists?list={DEFAULT_SHORTLIST}) (3 people)",
    ]

    # The command line counts the same.
    runner = CliRunner()
    listed = json.loads(runner.invoke(cli, ["feedback", "list", "--db", url, "-f", "json"]).stdout)
    assert sum(r["label"] == "shortlisted" for r in listed) == shortlisted
    lists = json.loads(runner.invoke(cli, ["shortlist", "show", "--db", url, "-f", "json"]).stdout)
    assert {r["name"]: r["people"] for r in lists} == {"DevRel": 3, DEFAULT_SHORTLIST: 3}
    exported = runner.invoke(cli, ["feedback", "export", "--db", url, "-f", "json"])
    assert exported.exit_code == 0, exported.output
    assert len(json.loads(exported.stdout)) == shortlisted


def test_a_profile_learned_from_feedback_can_be_chosen(monkeypatch, demo_db, tmp_path):
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    learned = Profile(
        name="shortlisted", weights=(("tests_docs", 0.5), ("responsiveness", 0.5)),
        description="recruiter, re-weighted from 12 shortlist labels",
    )  # fmt: skip
    save_ranking_profile(open_store(url), learned)
    at = run_app(monkeypatch, url, profile="shortlisted")
    assert "shortlisted" in at.selectbox(key="f_profile").options
    assert at.selectbox(key="f_profile").value == "shortlisted"
    library = rank_store(open_store(url), Settings(db_url=url), profile=learned, affiliations=())
    table = at.dataframe[0].value
    top = library[~library["is_bot"] & (library["affiliation"] != "employee")].iloc[0]
    assert table["name"].iloc[0] == top["name"]


def test_a_profile_brings_its_audience(monkeypatch, demo_db, tmp_path):
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    save_ranking_profile(
        open_store(url),
        Profile(name="community-only", weights=(("activity", 1.0),), affiliations=("community",)),
    )
    at = run_app(monkeypatch, url)
    # The maintainer profile shows everyone, employees included: maintainers look at all.
    assert set(at.multiselect(key="f_aff").value) == set(AFFILIATIONS)
    at.selectbox(key="f_profile").set_value("community-only").run()
    assert at.multiselect(key="f_aff").value == ["community"]
    assert set(at.dataframe[0].value["affiliation"]) == {"community"}
    at.selectbox(key="f_profile").set_value("recruiter").run()
    assert at.multiselect(key="f_aff").value == list(RECRUITER.affiliations)


def test_rank_ranges_can_be_switched_off(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db, ranges="off")
    assert at.checkbox(key="f_intervals").value is False
    table = at.dataframe[0].value
    assert set(table["interval"]) == {"-"}
    # The ranks and scores are the same as with ranges on.
    top = _candidates(expected).iloc[0]
    assert table["name"].iloc[0] == top["name"]
    at.checkbox(key="f_intervals").check().run()
    assert "-" not in set(at.dataframe[0].value["interval"])


def test_skill_search_shows_and_explains_the_match(monkeypatch, demo_db, expected):
    at = run_app(monkeypatch, demo_db)
    at.text_input(key="f_skill").input("kernels").run()
    assert not at.exception
    assert at.query_params["skill"] in ("kernels", ["kernels"])
    table = at.dataframe[0].value
    assert 0 < len(table) < len(_candidates(expected))
    # Most of the matching work first, each row saying which words matched and its share.
    assert table["skill_match"].is_monotonic_decreasing
    assert table["skill_share"].is_monotonic_decreasing
    assert (table["skill_match"] > 0).all() and (table["skill_match"] <= 1).all()
    assert table["skill_terms"].str.contains("kernels").all()
    # The share column comes after those a recruiter reads first.
    columns = list(table.columns)
    assert columns.index("skill_share") > columns.index("pipeline")
    # Ranks stay those of the whole ranking (two people of the demo share a name).
    ranked = set(zip(expected["name"], expected["rank"], strict=True))
    assert all(pair in ranked for pair in zip(table["name"], table["rank"], strict=True))
    assert any("Skill search" in c.value for c in at.caption)


def test_skill_search_with_no_match_says_what_to_try(monkeypatch, demo_db):
    at = run_app(monkeypatch, demo_db, skill="kernals")
    assert not at.exception
    (info,) = [i.value for i in at.info if "Nobody's work matches" in i.value]
    # The nearest word of the index, and the repository's busiest folders.
    assert "did you mean kernel" in info and "one of these areas" in info


def test_candidate_page_shows_the_matching_work(monkeypatch, demo_db):
    at = run_app(monkeypatch, demo_db, skill="kernels")
    first = at.dataframe[0].value.iloc[0]
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    assert at.header[0].value == first["name"]  # the best match, the page's first person
    (heading,) = [h.value for h in at.subheader if h.value.startswith("Matching work")]
    assert "kernels" in heading
    (body,) = [m.value for m in at.markdown if "of the work matching" in m.value]
    assert body.startswith(f"**{first['skill_share']:.0%}**")
    items = [m.value for m in at.markdown if m.value.startswith("- [")]
    assert items and all("](https://github.com/" in line for line in items[0].splitlines())


def test_a_person_link_shows_them_under_the_filters_it_carries(
    monkeypatch, demo_db, expected_recruiter
):
    in_repo = rank_store(
        open_store(demo_db),
        Settings(db_url=demo_db),
        profile="recruiter",
        repos=["acme-ai/acme-serve"],
        affiliations=(),
    )
    shown = in_repo[~in_repo["is_bot"] & (in_repo["affiliation"] != "employee")]
    person = shown.iloc[2]
    assert (
        person["rank"] != expected_recruiter.set_index("person_id").loc[person["person_id"], "rank"]
    )
    at = run_app(
        monkeypatch,
        demo_db,
        profile="recruiter",
        repo="acme-ai/acme-serve",
        person=person["person_id"],
    )
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    assert at.selectbox(key="f_profile").value == "recruiter"
    assert at.multiselect(key="f_repos").value == ["acme-ai/acme-serve"]
    assert at.selectbox(key="candidate_select").value == person["person_id"]
    assert at.metric[0].value == f"#{person['rank']}"


def test_a_person_outside_the_filters_is_said(monkeypatch, demo_db, expected):
    employee = expected[expected["affiliation"] == "employee"].iloc[0]
    at = run_app(monkeypatch, demo_db, profile="recruiter", person=employee["person_id"])
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    assert any("not among the people" in w.value for w in at.warning)


def test_shortlist_download_carries_note_verdict_and_links(monkeypatch, demo_db, tmp_path):
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    top = _candidates(_ranking(url, "maintainer")).iloc[1]
    record_verdict(open_store(url), top["person_id"], "shortlisted", "+1 great reviewer")
    buttons = mock.patch.object(st, "download_button", wraps=st.download_button)
    real_build = scoring.build_evidence
    built: list[str] = []  # the threads that built the evidence

    def build(acts, changes=None):
        built.append(threading.current_thread().name)
        return real_build(acts, changes)

    monkeypatch.setattr(scoring, "build_evidence", build)
    with buttons as spy:
        at = run_app(monkeypatch, url)
        assert not at.exception
        # The page is drawn without the evidence behind every score: it is built in
        # the background once the page is drawn, and the file, which cites it, is made
        # from that build when the button is clicked.
        for thread in threading.enumerate():
            if thread.name == "talent-evidence":
                thread.join(60)
        assert built == ["talent-evidence"]
        (call,) = [c for c in spy.call_args_list if c.kwargs["key"] == "download_shortlist"]
        assert call.args[0] == "Download shortlist (1)" and not call.kwargs["disabled"]
        assert call.kwargs["on_click"].args[1:3] == ("export", [top["person_id"]])
        payload = call.kwargs["data"]()
        assert built == ["talent-evidence"]
    (row,) = list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"))))
    assert row["person_id"] == top["person_id"] and int(row["rank"]) == top["rank"]
    assert row["note"] == "'+1 great reviewer"  # neutralised for spreadsheets
    assert row["verdict"] == "shortlisted" and row["verdict_date"]
    assert row["evidence_links"].startswith("https://")


def test_the_company_in_use_is_said_in_the_sidebar(monkeypatch, demo_db, tmp_path):
    at = run_app(monkeypatch, demo_db)
    said = [c.value.replace("\\", "") for c in at.sidebar.caption]
    assert any(c.startswith("One company's project. Company from the settings") for c in said)
    # Without the demo's record of its company, it is inferred from the data and said so.
    db = tmp_path / "copy.db"
    _copy(demo_db, db)
    url = "sqlite:///" + str(db)
    engine = open_store(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM meta WHERE key IN ('company_domains', 'company_orgs')"))
    at = run_app(monkeypatch, url)
    assert not at.exception
    # A guess is a visible notice, not a grey caption.
    assert not [c for c in at.sidebar.caption if "inferred" in c.value]
    (said,) = [i.value for i in at.sidebar.info if "Company inferred" in i.value]
    assert said.replace("\\", "").startswith(
        "One company's project. Company inferred (a guess): domains acme-ai.com, from "
    )


MAINTAINERS_PAGE = "talent/ui/pages/maintainers.py"


def test_maintainers_page_shows_bus_factor_drift_and_ready(monkeypatch, demo_db):
    from talent.views.stewardship import maintainers_report

    report = maintainers_report(open_store(demo_db), Settings(db_url=demo_db))
    at = run_app(monkeypatch, demo_db)
    at.switch_page(MAINTAINERS_PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Maintainers"
    metrics = {m.label: m.value for m in at.metric}
    current = report.named_owners[report.named_owners["current"]]
    assert metrics["Named now"] == f"{current['login'].nunique():,}"
    ones = int((report.bus_factor["truck_factor"] <= 1).sum())
    assert metrics["Areas with bus factor 1"] == f"{ones:,}"
    bus = _frame_with(at, "truck_factor")
    assert bus["truck_factor"].tolist() == report.bus_factor["truck_factor"].tolist()
    # The demo's CODEOWNERS drifted: someone idle where named, and a team nobody expands.
    idle = _frame_with(at, "reason")
    assert len(idle) == len(report.drift.idle) > 0
    teams = [d.value for d in at.dataframe if list(d.value.columns) == ["repo", "login", "source"]]
    assert teams and teams[0]["login"].str.endswith("-reviewers").all()
    # Candidates to add, people ready for more and the next maintainers link to their
    # Candidate page.
    with_evidence = [d.value for d in at.dataframe if {"evidence", "link"} <= set(d.value.columns)]
    assert len(with_evidence) == 3
    # Everyone named, each match with its evidence; the unmatched without.
    (everyone,) = [d.value for d in at.dataframe if "current" in d.value.columns]
    matched = report.named_owners.dropna(subset=["person_id"])
    assert everyone["evidence"].tolist() == report.named_owners["evidence"].tolist()
    assert matched["evidence"].str.startswith("matched by ").all()
    links = pd.concat([f["link"] for f in with_evidence]).dropna()
    assert len(links) and links.str.startswith("candidate?person=").all()


def test_maintainers_page_lists_the_next_maintainers_with_evidence(monkeypatch, demo_db):
    from talent.views.stewardship import maintainers_report

    report = maintainers_report(open_store(demo_db), Settings(db_url=demo_db))
    expected = report.next_up
    assert len(expected) > 0
    at = run_app(monkeypatch, demo_db)
    at.switch_page(MAINTAINERS_PAGE).run()
    assert not at.exception
    table = _frame_with(at, "chance")
    assert table[["repo", "rank", "name", "evidence"]].values.tolist() == (
        expected[["repo", "rank", "name", "evidence"]].values.tolist()
    )
    assert (table["evidence"] != "").all()
    # Nobody the owner files name is a candidate; the marks are the app's rising flags.
    named = set(report.named_owners["person_id"].dropna())
    assert not set(expected["person"]) & named
    assert table["mark"].eq("↑").tolist() == expected["rising"].tolist()
    assert "Who, not named by any owner file yet" in " ".join(c.value for c in at.caption)


def test_maintainers_page_lists_owners_by_component(monkeypatch, demo_db):
    from talent.views.stewardship import area_owners, maintainers_report

    report = maintainers_report(open_store(demo_db), Settings(db_url=demo_db))
    expected = area_owners(report)
    at = run_app(monkeypatch, demo_db)
    at.switch_page(MAINTAINERS_PAGE).run()
    assert not at.exception
    table = _frame_with(at, "in_practice")
    assert table[["repo", "area", "named", "in_practice"]].values.tolist() == (
        expected[["repo", "area", "named", "in_practice"]].values.tolist()
    )
    # Areas are the repositories' folders (the demo's CODEOWNERS names each top folder),
    # not the generic buckets; a folder's CODEOWNERS owners are listed beside the work.
    assert set(table["area"]) <= set(report.components["component"]) | {"(root)"}
    coded = table[table["source"] == "CODEOWNERS"]
    assert len(coded) > 0 and (coded["named"] != "").all()
    assert table["in_practice"].str.contains(" (named)", regex=False).any()


def test_candidate_page_says_where_a_person_is_named(monkeypatch, demo_db):
    from talent.views.stewardship import maintainers_report

    named = maintainers_report(open_store(demo_db), Settings(db_url=demo_db)).named_owners
    person = named.dropna(subset=["person_id"]).iloc[0]["person_id"]
    at = run_app(monkeypatch, demo_db, aff=list(AFFILIATIONS), person=person)
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    assert not [d for d in at.dataframe if "pattern" in d.value.columns]  # on demand
    at.toggle(key="show_ownership").set_value(True).run()
    namings = _frame_with(at, "pattern")
    mine = named[named["person_id"] == person]
    assert sorted(namings["pattern"]) == sorted(mine["pattern"])
    assert sorted(namings["evidence"]) == sorted(mine["evidence"])


def test_candidate_page_says_what_would_be_orphaned(monkeypatch, demo_db, expected):
    from talent.ranking.authorship import build_authorship
    from talent.ranking.scoring import build_ranking_base
    from talent.views.maintainers import orphaned_if_left

    top = _candidates(expected).iloc[0]
    base = build_ranking_base(open_store(demo_db), Settings(db_url=demo_db))
    orphans = orphaned_if_left(build_authorship(base.changes), top["person_id"])
    assert len(orphans) > 0, "the demo's top maintainer alone authors some files"
    at = run_app(monkeypatch, demo_db)
    at.switch_page(CANDIDATE_PAGE).run()
    at.toggle(key="show_ownership").set_value(True).run()
    assert not at.exception
    said = [m.value for m in at.markdown if m.value.startswith("**If this person left**")]
    assert said and f"{len(orphans):,} files would have no author" in said[0]
    assert sorted(_frame_with(at, "successor")["path"]) == sorted(orphans["path"])


def test_candidate_page_shows_rank_over_time(monkeypatch, demo_db, expected):
    from talent.config import MAINTAINER
    from talent.ranking.scoring import build_ranking_base, rank_history

    top = _candidates(expected).iloc[0]
    history = rank_history(build_ranking_base(open_store(demo_db), Settings(db_url=demo_db)),
                           MAINTAINER)  # fmt: skip
    mine = history[history["person_id"] == top["person_id"]].sort_values("at")
    assert len(mine) >= 3 and mine.iloc[-1]["rank"] == top["rank"]
    first = mine.iloc[0]
    at = run_app(monkeypatch, demo_db)
    at.switch_page(CANDIDATE_PAGE).run()
    assert not at.exception
    assert "Rank over time" in [s.value for s in at.subheader]
    assert not [c.value for c in at.caption if c.value.startswith("#")]  # on demand
    at.toggle(key="show_rank_history").set_value(True).run()
    said = [c.value for c in at.caption if c.value.startswith("#")]
    assert said and said[0].startswith(
        f"#{int(first['rank'])} of {int(first['ranked'])} at the end of {first['quarter']}, "
        f"#{int(top['rank'])} of {len(expected)} now"
    )


def test_candidate_page_says_why_a_person_is_rising(monkeypatch, demo_db, expected):
    rising = expected[~expected["is_bot"] & expected["rising"]]
    assert len(rising) > 0, "the demo world has rising contributors"
    person = rising.iloc[0]
    nxt = build_ranking_base(open_store(demo_db), Settings()).next_up
    mine = nxt[(nxt["person"] == person["person_id"]) & nxt["rising"]]
    assert len(mine) > 0, "a rising mark comes from the model's list of who is named next"
    at = run_app(monkeypatch, demo_db, aff=["community", "former_employee", "unknown", "employee"])
    at.switch_page(CANDIDATE_PAGE).run()
    at.selectbox(key="candidate_select").select(person["person_id"]).run()
    assert not at.exception
    (said,) = [m.value for m in at.markdown if m.value.startswith("**Rising**")]
    for row in mine.itertuples():
        assert f"{md_escape(row.repo)}: #{row.rank} of those not yet named" in said
        assert f"{row.probability:.0%}" in said
        assert md_escape(row.evidence) in said
    assert "first active within the last year" not in said  # the rule the model replaced
