"""The audit trail of a number: every count behind a score is the number of acts listed
for it, from the same acts the ranking used, on the CLI and on the Candidate page."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from gitrepos import GitRepo, Who, at, isolate
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.mining import mine_git
from talent.people.identity import update_people
from talent.ranking.features import count_kinds, stewardship_summary
from talent.ranking.scoring import build_ranking_base, score_base
from talent.store import open_store
from talent.views.audit import audit_person
from talent.views.export import DANGEROUS_PREFIXES

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


# --- stewardship, said in one line ---------------------------------------------------------

ADA = Who("Ada Steward", "ada@example.org")
BOB = Who("Bob Builder", "bob@example.org")
TAG_URL = "https://github.com/acme/widgets/releases/tag/v1.0.0"


@pytest.fixture(scope="module")
def stewardship_store(tmp_path_factory):
    """A mined history where Ada tags a release, reverts Bob's change and edits CI."""
    home = tmp_path_factory.mktemp("stewardship")
    with pytest.MonkeyPatch.context() as patch:
        isolate(patch, home)
        r = GitRepo.init(home / "widgets")
        r.commit("Start\n", author=ADA, when=at(1), files={"a.py": "1\n"})
        r.commit("Tidy\n", author=BOB, when=at(1, 5), files={"a.py": "2\n"})
        cache = r.commit("Add the cache (#2)\n", author=BOB, when=at(2), files={"c.py": "c\n"})
        r.commit(
            f'Revert "Add the cache (#2)"\n\nThis reverts commit {cache}.\n',
            author=ADA,
            when=at(3),
            files={"c.py": None},
        )
        r.commit(
            "Run the tests on CI\n",
            author=ADA,
            when=at(4),
            files={".github/workflows/t.yml": "on: push\n"},
        )
        tagger = {
            "GIT_COMMITTER_NAME": str(ADA.name),
            "GIT_COMMITTER_EMAIL": ADA.email,
            "GIT_COMMITTER_DATE": f"@{at(4)} +0000",
        }
        r.git("tag", "-a", "v1.0.0", "-m", "Version 1.0.0", env=tagger)
        engine = open_store(f"sqlite:///{home / 'store.db'}")
        mine_git(engine, r.path, name="acme/widgets")
        update_people(engine, Settings())
    yield engine
    engine.dispose()


def _ada(engine):
    base = build_ranking_base(engine, Settings())
    ranking = score_base(base, Settings().profile("maintainer"), affiliations=())
    row = ranking[ranking["name"] == ADA.name].iloc[0]
    return base, ranking, row


def test_the_audit_says_what_stewardship_the_counts_show(stewardship_store):
    base, _ranking, row = _ada(stewardship_store)
    report = audit_person(row, base.acts, row["person_id"])
    assert report.stewardship == "tagged 1 release, reverted 1 change, 1 CI and build edit"
    assert stewardship_summary(row.to_dict()) == report.stewardship
    evidence = report.stewardship_acts.set_index("measure")
    assert evidence.loc["releases_tagged", "url"] == TAG_URL
    assert list(evidence.index) == ["releases_tagged", "reverts", "infra_edits"]
    # Bob's own row says nothing: his change was reverted, he reverted nothing.
    bob = _ranking[_ranking["name"] == BOB.name].iloc[0]
    assert audit_person(bob, base.acts, bob["person_id"]).stewardship == ""


def test_people_audit_prints_the_stewardship_line(stewardship_store):
    db = str(stewardship_store.url)
    runner = CliRunner()
    shown = runner.invoke(app, ["people", "audit", ADA.name, "--db", db], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "Stewardship: tagged 1 release, reverted 1 change, 1 CI and build edit" in shown.output
    assert TAG_URL in shown.output
    as_json = runner.invoke(app, ["people", "audit", ADA.name, "--db", db, "-f", "json"])
    assert json.loads(as_json.stdout)["stewardship"].startswith("tagged 1 release")


def test_the_candidate_page_says_what_stewardship_the_counts_show(monkeypatch, stewardship_store):
    _base, _ranking, row = _ada(stewardship_store)
    monkeypatch.setenv("TALENT_DB", str(stewardship_store.url))
    at_ = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at_.switch_page("talent/ui/pages/candidate.py")
    at_.query_params["person"] = row["person_id"]
    at_.run()
    assert not at_.exception
    (line,) = [m.value for m in at_.markdown if m.value.startswith("**Stewardship**")]
    assert "tagged 1 release, reverted 1 change, 1 CI and build edit" in line
    assert f"]({TAG_URL})" in line
