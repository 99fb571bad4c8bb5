"""The audit trail of a number: every count behind a score is the number of acts listed
for it, from the same acts the ranking used, on the CLI and on the Candidate page."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.audit import audit_person
from talent.cli import app
from talent.config import Settings
from talent.export import DANGEROUS_PREFIXES
from talent.features import count_kinds
from talent.scoring import build_ranking_base, score_base

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base(demo_store):
    return build_ranking_base(demo_store, Settings())


@pytest.fixture(scope="module")
def ranking(base):
    return score_base(base, Settings().profile("maintainer"), affiliations=())


def test_every_count_is_the_acts_listed_for_it(base, ranking):
    for person_id in ranking["person_id"].head(40):
        row = ranking[ranking["person_id"] == person_id].iloc[0]
        report = audit_person(row, base.acts, person_id)
        assert len(report.acts) == (base.acts["person"] == person_id).sum()
        assert set(report.counts["measure"]) == set(count_kinds())
        for count in report.counts.itertuples(index=False):
            assert count.value == count.acts, (person_id, count.measure)
            towards = report.acts["counts_for"].str.split(", ")
            listed = sum(count.measure in measures for measures in towards)
            assert listed == count.acts, (person_id, count.measure)
        assert report.acts["occurred_at"].is_monotonic_increasing


def test_people_audit_on_the_command_line(demo_store, ranking):
    db = str(demo_store.url)
    top = ranking.iloc[0]
    runner = CliRunner()
    shown = runner.invoke(app, ["people", "audit", top["person_id"], "--db", db])
    assert shown.exit_code == 0, shown.output
    assert "Counts behind the score" in shown.output and "commits" in shown.output

    as_json = runner.invoke(app, ["people", "audit", top["person_id"], "--db", db, "-f", "json"])
    payload = json.loads(as_json.stdout)
    counts = {c["measure"]: c for c in payload["counts"]}
    assert counts["commits"]["value"] == counts["commits"]["acts"] == top["commits"]
    assert len(payload["acts"]) > 0 and all(a["url"] for a in payload["acts"][:20])

    as_csv = runner.invoke(app, ["people", "audit", top["person_id"], "--db", db, "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == len(payload["acts"])
    assert not any(r["title"].startswith(DANGEROUS_PREFIXES) for r in rows)

    repo = payload["acts"][0]["repo"]
    scoped = runner.invoke(
        app, ["people", "audit", top["person_id"], "--db", db, "-f", "json", "--repo", repo]
    )
    assert {a["repo"] for a in json.loads(scoped.stdout)["acts"]} == {repo}

    nobody = runner.invoke(app, ["people", "audit", "no-such-person", "--db", db])
    assert nobody.exit_code == 1 and "Traceback" not in nobody.output


def test_the_candidate_page_shows_the_acts_behind_the_counts(monkeypatch, demo_store, ranking):
    monkeypatch.setenv("TALENT_DB", str(demo_store.url))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("talent/ui/pages/candidate.py")
    at.query_params["person"] = ranking.iloc[0]["person_id"]
    at.run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    (counts,) = [f for f in frames if {"acts", "kinds"} <= set(f.columns)]
    (acts,) = [f for f in frames if "counts_for" in f.columns]
    commits = counts.set_index("count").loc["commits"]
    assert commits["value"] == commits["acts"] == ranking.iloc[0]["commits"]
    assert (acts["kind"] == "commit").sum() == commits["acts"]
