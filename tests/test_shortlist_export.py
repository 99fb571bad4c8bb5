"""The shortlist a hiring manager receives: who, where to find them, the verdict with its
date and note, the score and why, the links behind it; safe in any spreadsheet, no
e-mail address, ranks as whole numbers and scores rounded."""

from __future__ import annotations

import csv
import io
import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.ranking.scoring import build_ranking_base, load_ranking_profile, score_base
from talent.store import (
    DEFAULT_SHORTLIST,
    add_entries,
    add_note,
    load_entries,
    load_people,
    open_store,
)
from talent.store.derived import clear
from talent.views.export import (
    DANGEROUS_PREFIXES,
    SHORTLIST_COLUMNS,
    cached_list_frame,
    list_frame,
    readable_numbers,
    shortlist_frame,
)
from talent.views.pipeline import entry_notes, pipeline_verdicts, record_verdict

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
HOSTILE_NOTE = '=HYPERLINK("http://evil.example","click") strong reviewer'


@pytest.fixture()
def db(demo_copy):
    """A copy of the small demo store."""
    return demo_copy


def _ranking(url: str):
    engine = open_store(url)
    settings = Settings(db_url=url)
    base = build_ranking_base(engine, settings)
    ranking = score_base(base, load_ranking_profile(engine, settings, "recruiter"), (), 5)
    return engine, base, ranking


def test_shortlist_frame_has_what_a_hiring_manager_needs(db):
    engine, base, ranking = _ranking(db)
    humans = ranking[~ranking["is_bot"]]
    first, second, third = humans.iloc[3], humans.iloc[0], humans.iloc[7]
    record_verdict(engine, first["person_id"], "shortlisted", HOSTILE_NOTE)
    record_verdict(engine, second["person_id"], "shortlisted", "")
    record_verdict(engine, third["person_id"], "rejected", "not now")
    frame = shortlist_frame(ranking, pipeline_verdicts(engine), base.evidence)
    assert list(frame.columns) == SHORTLIST_COLUMNS
    # Shortlisted only, in rank order.
    assert frame["person_id"].tolist() == [second["person_id"], first["person_id"]]
    assert frame["rank"].tolist() == [second["rank"], first["rank"]]
    row = frame.set_index("person_id").loc[first["person_id"]]
    assert row["note"] == HOSTILE_NOTE
    assert row["verdict"] == "shortlisted"
    assert row["lists"] == f"{DEFAULT_SHORTLIST}: shortlisted"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["verdict_date"])
    assert row["profile_url"] == first["profile_url"]
    assert row["score"] == round(first["score"], 3)
    assert row["areas"] == first["areas"]
    # Why, and the links behind it: the explanation's own evidence.
    assert row["why"].count("%") == len([c for c in row["why"].split("; ") if c])
    links = row["evidence_links"].split()
    assert links and all(link.startswith("https://github.com/") for link in links)
    # Everything, rejected too, on request.
    both = shortlist_frame(
        ranking, pipeline_verdicts(engine), base.evidence, labels=("shortlisted", "rejected")
    )
    assert set(both["verdict"]) == {"shortlisted", "rejected"}


def test_a_verdict_without_activity_in_view_keeps_name_and_note(db):
    engine, base, ranking = _ranking(db)
    person = ranking.iloc[5]
    record_verdict(engine, person["person_id"], "shortlisted", "met at a conference")
    frame = shortlist_frame(
        ranking[ranking["person_id"] != person["person_id"]],
        pipeline_verdicts(engine),
        base.evidence,
        people=load_people(engine),
    )
    row = frame.iloc[0]
    assert pd.isna(row["rank"]) and row["name"] == person["name"]
    assert row["note"] == "met at a conference"


def test_a_list_export_explains_its_people_as_the_evidence_of_everyone_does(db):
    """The export builds the evidence of the list's people alone: every cell is what the
    evidence of everyone gives."""
    engine, base, ranking = _ranking(db)
    humans = ranking[~ranking["is_bot"]]["person_id"].tolist()
    chosen = [humans[0], humans[5], humans[30]]
    add_entries(engine, "Platform", chosen, "ann", tags=["go"])
    add_note(engine, "Platform", humans[5], "met at the summit", "ann")
    settings = Settings(db_url=db)
    clear(engine)  # computed here, not read from a cache
    exported = cached_list_frame(engine, settings, "Platform", "recruiter")
    assert base.evidence_of(chosen).people == frozenset(chosen)
    expected = list_frame("Platform", ranking, load_entries(engine, "Platform"),
                          entry_notes(engine, "Platform"), base.evidence, base.people)  # fmt: skip
    assert sorted(exported["person_id"]) == sorted(chosen)
    assert all(exported["evidence_links"] != "")
    pd.testing.assert_frame_equal(exported, expected)


def test_readable_numbers():
    frame = pd.DataFrame(
        {"rank": [1.0, 2.0], "rank_high": [27.0, float("nan")], "score": [0.123456789, 0.5]}
    )
    out = readable_numbers(frame)
    assert out["rank"].tolist() == [1, 2]
    assert out["rank_high"].astype(object).tolist() == [27, pd.NA]
    assert out["score"].tolist() == [0.123, 0.5]
    text = out.to_csv(index=False)
    assert "27.0" not in text and "0.123456789" not in text


def test_cli_export_csv_and_json(db, tmp_path):
    runner = CliRunner()
    engine, _base, ranking = _ranking(db)
    humans = ranking[~ranking["is_bot"]]
    chosen = humans.head(3)
    for pid in chosen["person_id"]:
        record_verdict(engine, pid, "shortlisted", HOSTILE_NOTE)
    result = runner.invoke(app, ["feedback", "export", "--db", db])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["person_id"] for r in rows] == chosen["person_id"].tolist()
    assert [int(r["rank"]) for r in rows] == chosen["rank"].tolist()
    cells = [c for r in rows for c in r.values()]
    assert not [c for c in cells if c.startswith(DANGEROUS_PREFIXES)]
    assert all(r["note"] == "'" + HOSTILE_NOTE for r in rows)
    assert not EMAIL.search(result.stdout.replace("https://", ""))
    assert all(len(r["score"].partition(".")[2]) <= 3 for r in rows)

    out = tmp_path / "shortlist.json"
    result = runner.invoke(app, ["feedback", "export", "--db", db, "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 people written to" in result.stderr
    records = json.loads(out.read_text(encoding="utf-8"))
    assert [r["rank"] for r in records] == chosen["rank"].tolist()
    assert set(records[0]) == set(SHORTLIST_COLUMNS)
    assert records[0]["note"] == HOSTILE_NOTE  # JSON keeps text as written


def test_cli_export_with_no_verdicts_is_one_line(db):
    result = CliRunner().invoke(app, ["feedback", "export", "--db", db])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: no shortlisted people yet: talent feedback shortlist LOGIN --note '...'"
    ]


def test_cli_export_to_an_unwritable_place_is_one_line(db, tmp_path):
    engine, _base, ranking = _ranking(db)
    record_verdict(engine, ranking.iloc[0]["person_id"], "shortlisted")
    target = tmp_path / "no-such-folder" / "x.csv"
    result = CliRunner().invoke(app, ["feedback", "export", "--db", db, "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --output: cannot write")
