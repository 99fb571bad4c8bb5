"""Named shortlists: stages, tags, notes and their history; two editors of one entry (one
is refused, clearly, and nothing is lost), on SQLite and PostgreSQL; stages as the
feedback `talent feedback learn` learns from; the CLI and its export."""

from __future__ import annotations

import csv
import io
import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talent.cli import app
from talent.store import (
    StaleEntry,
    add_entries,
    add_note,
    change_entry,
    load_entries,
    load_events,
    load_people,
    load_shortlists,
    open_store,
)
from talent.views.access import Viewer
from talent.views.export import DANGEROUS_PREFIXES
from talent.views.pipeline import (
    PipelineError,
    check_stage,
    learning_feedback,
    person_pipeline,
    pipeline_column,
    record_verdict,
    stage_feedback,
)

LIST = "inference engineer"
ROOT = Path(__file__).resolve().parents[1]


def _history(engine, shortlist=LIST):
    events = load_events(engine, shortlist)
    return [(r.person_id, r.who, r.what, r.old, r.new) for r in events.itertuples(index=False)]


def test_stages_tags_notes_and_their_history(store):
    assert add_entries(store, LIST, ["p1", "p2", "p1"], "ann", tags=["cuda"]) == ["p1", "p2"]
    assert add_entries(store, LIST, ["p2", "p3"], "bob") == ["p3"]  # p2 stays as it was
    assert change_entry(store, LIST, "p1", "ann", stage="contacted") == 2
    assert change_entry(store, LIST, "p1", "bob", stage="replied", expected_version=2) == 3
    assert change_entry(store, LIST, "p1", "bob", tags=["cuda", "remote"]) == 4
    assert change_entry(store, LIST, "p1", "bob", stage="replied") == 4  # no change, no event
    add_note(store, LIST, "p1", "met at the meetup", "ann")
    entries = load_entries(store, LIST).set_index("person_id")
    assert entries.loc["p1", ["stage", "version", "updated_by"]].tolist() == ["replied", 4, "bob"]
    assert entries.loc["p1", "tags"] == ["cuda", "remote"]
    assert entries.loc["p3", "tags"] == [] and entries.loc["p3", "stage"] == "new"
    assert _history(store) == [
        ("p1", "ann", "added", "", "new"),
        ("p1", "ann", "tags", "", "cuda"),
        ("p2", "ann", "added", "", "new"),
        ("p2", "ann", "tags", "", "cuda"),
        ("p3", "bob", "added", "", "new"),
        ("p1", "ann", "stage", "new", "contacted"),
        ("p1", "bob", "stage", "contacted", "replied"),
        ("p1", "bob", "tags", "cuda", "cuda\nremote"),
        ("p1", "ann", "note", "", "met at the meetup"),
    ]
    assert load_shortlists(store)[["name", "created_by", "people"]].values.tolist() == [
        [LIST, "ann", 3]
    ]
    add_entries(store, "DevRel", ["p1"], "cy", stage="interviewing")
    assert person_pipeline(store, "p1")["shortlist"].tolist() == ["DevRel", LIST]
    assert pipeline_column(store)["p1"] == "DevRel: interviewing; inference engineer: replied"


def test_a_change_made_on_an_old_version_is_refused_and_loses_nothing(store):
    add_entries(store, LIST, ["p1"], "ann")
    # Ann and Bob both open the entry at version 1; Ann moves it first.
    assert change_entry(store, LIST, "p1", "ann", stage="contacted", expected_version=1) == 2
    with pytest.raises(StaleEntry) as refused:
        change_entry(store, LIST, "p1", "bob", tags=["rust"], expected_version=1)
    message = str(refused.value)
    assert "changed by ann" in message and "version 2, you had 1" in message
    assert "'contacted'" in message and "nothing was stored" in message
    entry = load_entries(store, LIST).iloc[0]
    assert (entry["stage"], entry["tags"], entry["version"]) == ("contacted", [], 2)
    assert [e[2] for e in _history(store)] == ["added", "stage"]
    # Bob looks again and redoes it on version 2.
    assert change_entry(store, LIST, "p1", "bob", tags=["rust"], expected_version=2) == 3


def test_editors_racing_on_one_entry_one_wins_the_rest_are_told(db_url):
    engine = open_store(db_url)
    add_entries(engine, LIST, ["p1"], "ann")
    engine.dispose()
    stages = ["contacted", "replied", "interviewing", "offer", "hired", "not a fit"]
    barrier = threading.Barrier(len(stages))
    outcomes: dict[str, object] = {}

    def edit(stage: str) -> None:
        mine = open_store(db_url)  # each editor its own connection, as app sessions have
        try:
            barrier.wait()
            outcomes[stage] = change_entry(mine, LIST, "p1", stage, stage=stage,
                                           expected_version=1)  # fmt: skip
        except StaleEntry as exc:
            outcomes[stage] = exc
        finally:
            mine.dispose()

    threads = [threading.Thread(target=edit, args=(s,)) for s in stages]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    winners = [s for s, o in outcomes.items() if o == 2]
    assert len(outcomes) == len(stages) and len(winners) == 1, outcomes
    assert all(isinstance(o, StaleEntry) for s, o in outcomes.items() if s not in winners)
    engine = open_store(db_url)
    entry = load_entries(engine, LIST).iloc[0]
    assert (entry["stage"], entry["version"], entry["updated_by"]) == (winners[0], 2, winners[0])
    assert [e[2:] for e in _history(engine)] == [("added", "", "new"), ("stage", "new", winners[0])]
    engine.dispose()


def test_stages_are_the_feedback_learning_reads(store):
    record_verdict(store, "p1", "rejected", "old verdict")
    record_verdict(store, "p4", "shortlisted", "kept")
    add_entries(store, LIST, ["p1", "p2", "p3", "p5"], "ann")
    change_entry(store, LIST, "p1", "ann", stage="hired")
    change_entry(store, LIST, "p2", "ann", stage="not a fit")
    change_entry(store, LIST, "p3", "ann", stage="not interested")
    derived = stage_feedback(load_entries(store))
    assert derived[["person_id", "label"]].values.tolist() == [
        ["p1", "shortlisted"],
        ["p2", "rejected"],
        ["p4", "shortlisted"],
    ]
    learned = learning_feedback(store).set_index("person_id")["label"].to_dict()
    # Hired replaces the quick "not a fit" on p1; p4's "shortlisted" stays; p3 and p5 say
    # nothing.
    assert learned == {"p1": "shortlisted", "p2": "rejected", "p4": "shortlisted"}


@pytest.mark.parametrize("typed, stage", [("Not a fit", "not a fit"), ("not-interested",
                                          "not interested"), (" HIRED ", "hired")])  # fmt: skip
def test_stage_names_are_forgiving_but_checked(typed, stage):
    assert check_stage(typed) == stage


def test_an_unknown_stage_lists_the_stages():
    with pytest.raises(PipelineError, match="use one of new, shortlisted, contacted"):
        check_stage("sideways")


# --- the command line -------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


@pytest.fixture()
def cli(demo_copy, monkeypatch):
    monkeypatch.setenv("TALENT_USER", "ann")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def run(command: str, *args: str, options: tuple[str, ...] = ()):
        # Arguments after "--", as a note or tag that starts with "-" must be given.
        return runner.invoke(app, ["shortlist", command, "--db", demo_copy, *options, "--", *args])

    engine = open_store(demo_copy)
    people = load_people(engine)
    engine.dispose()
    return run, demo_copy, people


def test_cli_from_a_list_to_an_export_with_hostile_notes_and_tags(cli):
    run, url, people = cli
    chosen = people["person_id"].head(3).tolist()
    assert run("add", LIST, *chosen, options=("--tag", "cuda")).exit_code == 0
    first = chosen[0]
    result = run("move", LIST, first, "interviewing")
    assert result.exit_code == 0 and "interviewing (version 2)" in result.output
    for note in HOSTILE:
        assert run("note", LIST, first, note).exit_code == 0
    assert run("tag", LIST, chosen[1], HOSTILE[0], "remote").exit_code == 0
    stale = run("move", LIST, first, "offer", options=("--if-version", "1"))
    assert stale.exit_code == 1 and stale.output.count("\n") == 1
    assert stale.output.startswith("error: ") and "changed by ann" in stale.output

    exported = run("export", LIST)
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert sorted(r["person_id"] for r in rows) == sorted(chosen)
    by_id = {r["person_id"]: r for r in rows}
    assert by_id[first]["stage"] == "interviewing" and by_id[first]["tags"] == "cuda"
    assert all(note in by_id[first]["notes"] for note in HOSTILE)
    assert "ann:" in by_id[first]["notes"]
    cells = [c for r in rows for c in r.values()]
    assert not [c for c in cells if c.startswith(DANGEROUS_PREFIXES)]
    assert by_id[chosen[1]]["tags"].startswith("'=HYPERLINK")  # neutralised, still readable
    assert not any("@" in r["notes"] and ".org" in r["notes"] for r in rows)

    as_json = json.loads(run("export", LIST, options=("-f", "json")).stdout)
    assert {r["person_id"] for r in as_json} == set(chosen)
    assert {"shortlist", "stage", "tags", "notes", "rank", "rank_range", "profile_url",
            "evidence_links", "areas"} <= set(as_json[0])  # fmt: skip

    history = run("show", LIST, options=("--history", "-f", "json"))
    whats = [e["what"] for e in json.loads(history.stdout)]
    assert whats.count("note") == len(HOSTILE) and whats.count("stage") == 1


@pytest.mark.parametrize("earlier_format", ["csv", "json"])
def test_cli_export_new_since_leaves_out_who_was_exported_before(cli, tmp_path, earlier_format):
    run, _url, people = cli
    ids = people["person_id"].head(5).tolist()
    run("add", LIST, *ids[:3])
    earlier = tmp_path / f"monday.{earlier_format}"
    made = run("export", LIST, options=("-f", earlier_format, "-o", str(earlier)))
    assert made.exit_code == 0, made.output
    run("add", LIST, *ids[3:])
    run(
        "note", LIST, ids[0], "=still keen"
    )  # a change to someone exported does not bring them back

    for fmt in ("csv", "json"):
        result = run("export", LIST, options=("-f", fmt, "--new-since", str(earlier)))
        assert result.exit_code == 0, result.output
        assert "3 already in" in result.stderr and "2 new" in result.stderr
        if fmt == "csv":
            got = [r["person_id"] for r in csv.DictReader(io.StringIO(result.stdout))]
        else:
            got = [r["person_id"] for r in json.loads(result.stdout)]
        assert sorted(got) == sorted(ids[3:])


@pytest.mark.parametrize(
    "content, says",
    [
        (None, "cannot read"),
        (b"name,login\r\nAda,ada\r\n", "no person_id column"),
        (b'[{"login": "ada"}]', "no person_id"),
        (b"[{", "not valid JSON"),
        (b"\xff\xfe\x00", "not a UTF-8 text file"),
    ],
)
def test_cli_export_new_since_a_file_that_is_not_an_export_is_one_line(
    cli, tmp_path, content, says
):
    run, _url, people = cli
    run("add", LIST, people["person_id"].iloc[0])
    earlier = tmp_path / "earlier.csv"
    if content is not None:
        earlier.write_bytes(content)
    result = run("export", LIST, options=("--new-since", str(earlier)))
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: --new-since")
    assert says in result.output


@pytest.mark.parametrize(
    "args, says",
    [
        (["move", "nobody's list", "x", "new"], "no shortlist"),
        (["move", LIST, "ghost-login-zz", "new"], "ghost-login-zz"),
        (["add", LIST, "ghost-login-zz"], "ghost-login-zz"),
        (["add", "", "x"], "shortlist name"),
        (["add", LIST, "x", "--stage=sideways"], "unknown stage"),
        (["export", "nobody's list"], "no shortlist"),
        (["note", LIST, "x", " "], "note is empty"),
    ],
)
def test_cli_bad_input_is_one_line(cli, args, says):
    run, _url, _people = cli
    run("create", LIST)
    options = tuple(a for a in args if a.startswith("--"))
    result = run(*(a for a in args if not a.startswith("--")), options=options)
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert says in result.output


# --- the app ------------------------------------------------------------------------------

# The one user of an app without sign-in (talent.ui.auth.viewer), as TALENT_USER=ann.
ANN = Viewer("ann", "ann", "admin", local=True)


def _app(monkeypatch, url: str, page: str | None = None, **query):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("TALENT_DB", url)
    monkeypatch.setenv("TALENT_USER", "ann")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if page:
        at.switch_page(f"talent/ui/pages/{page}.py")
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_app_adds_from_the_candidate_page_and_moves_on_the_shortlists_page(monkeypatch, demo_copy):
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    engine = open_store(demo_copy)
    first, second = load_people(engine)["person_id"].head(2).tolist()
    at = _app(monkeypatch, demo_copy, "shortlists")
    assert not at.exception
    assert any("No shortlists yet" in i.value for i in at.info)

    # The Candidate page: a new list, made by adding the person to it.
    at = _app(monkeypatch, demo_copy, "candidate", person=first)
    assert any("Not on any shortlist" in c.value for c in at.caption)
    at.selectbox(key=f"add_list_{first}").select("New list…").run()
    at.text_input(key=f"new_list_{first}").input("DevRel").run()
    at.button(key=f"add_{first}").click().run()
    assert not at.exception
    assert any("DevRel" in m.value and "**new**" in m.value for m in at.markdown)
    add_entries(engine, "DevRel", [second], "bob")

    # The Shortlists page: both, by stage; move both at the versions shown.
    at = _app(monkeypatch, demo_copy, "shortlists")
    assert not at.exception
    table = at.dataframe[0].value
    assert sorted(table["person_id"]) == sorted([first, second])
    # Meanwhile someone else moves the second person: that move must be refused.
    change_entry(engine, "DevRel", second, "cy", stage="contacted", expected_version=1)
    seen = dict(zip(table["person_id"], table["version"].astype(int), strict=True))
    from talent.ui import data

    refused = data.move_entries(demo_copy, ANN, "DevRel", seen, "interviewing")
    assert len(refused) == 1 and "changed by cy" in refused[0]
    stages = load_entries(engine, "DevRel").set_index("person_id")["stage"].to_dict()
    assert stages == {first: "interviewing", second: "contacted"}

    # The Candidates page says who is already in the pipeline.
    at = _app(monkeypatch, demo_copy)
    assert not at.exception
    shown = at.dataframe[0].value
    assert (shown["pipeline"] == "DevRel: interviewing").sum() + (
        shown["pipeline"] == "DevRel: contacted"
    ).sum() >= 1
    engine.dispose()


def test_the_app_adds_several_people_with_one_note_for_each(monkeypatch, demo_copy):
    from talent.ui import data
    from talent.views.pipeline import entry_notes

    monkeypatch.setenv("TALENT_USER", "ann")
    engine = open_store(demo_copy)
    chosen = load_people(engine)["person_id"].head(3).tolist()
    add_entries(engine, "DevRel", chosen[:1], "bob")

    added = data.add_to_list(demo_copy, ANN, "DevRel", chosen, note="=met at the summit")
    assert added == chosen[1:]  # the first was on the list already, and keeps its entry
    notes = entry_notes(engine, "DevRel")
    assert {p: [(n["who"], n["text"]) for n in notes[p]] for p in chosen} == {
        p: [("ann", "=met at the summit")] for p in chosen
    }
    assert data.add_to_list(demo_copy, ANN, "DevRel", chosen[:1]) == []
    assert len(entry_notes(engine, "DevRel")[chosen[0]]) == 1  # no note, none added
    engine.dispose()


@pytest.mark.parametrize(
    "earlier, says",
    [
        ("/dev/zero", "the earlier export is larger than 64 MB, the most talent reads"),
        ("deep.json", "deep.json: it nests deeper than 64 levels"),
    ],
)
def test_cli_export_new_since_an_endless_or_deep_file_is_one_line(cli, tmp_path, earlier, says):
    run, _url, people = cli
    run("add", LIST, people["person_id"].iloc[0])
    if earlier == "deep.json":
        earlier = str(tmp_path / earlier)
        Path(earlier).write_text("[" * 100_000 + "]" * 100_000)
    result = run("export", LIST, options=("--new-since", earlier))
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: --new-since")
    assert says in result.output
