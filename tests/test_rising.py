"""Who will be named next (talent.ranking.rising): the shipped model loads and scores, a rising
trajectory ranks above a steady and a fading one in a real git history, the app's rising
flag follows the model, and `talent maintainers --section next` lists the next
maintainers with the evidence that moved them."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.ranking.rising import (
    FEATURES,
    RisingModel,
    evidence_text,
    fit_rising,
    load_rising_model,
    next_maintainers,
    rising_people,
    rising_tables,
    trajectory_features,
)
from talent.ranking.scoring import build_ranking_base, rank_store
from talent.store import open_store

ADA = Who("Ada Lovelace", "1+ada@users.noreply.github.com")
RAE = Who("Rae Riser", "rae@example.org")
SAM = Who("Sam Steady", "sam@example.org")
FAY = Who("Fay Fading", "fay@example.org")
DRIVE_BY = [Who(f"Visitor {n}", f"visitor{n}@example.org") for n in range(6)]
REPO = "acme/widgets"


def _history(repo: GitRepo, owners: bool) -> None:
    """Three years: Ada (named in CODEOWNERS when ``owners``) works throughout; Sam commits
    every two months from the start; Fay worked a lot in the first year and stopped; Rae
    came in the last year and grew fast, across folders; six visitors commit once."""
    files = {"src/core.py": "a\n", "README.md": "r\n"}
    if owners:
        files["CODEOWNERS"] = "* @ada\n"
    repo.commit("Start\n", author=ADA, when=at(0), files=files)
    events = []
    for day in range(5, 1095, 20):
        events.append((day, ADA, "src/core.py", "Core work"))
    for day in range(10, 1095, 60):
        events.append((day, SAM, "src/steady.py", "Steady fix"))
    for day in range(30, 400, 7):
        events.append((day, FAY, "src/old.py", "Old feature"))
    rae_days = [800, 900, 960, *range(1000, 1094, 4)]
    folders = ["src/rae.py", "docs/guide.md", "ci/build.sh", "tools/lint.py"]
    for n, day in enumerate(rae_days):
        events.append((day, RAE, folders[n % len(folders)], "Improve"))
    for n, who in enumerate(DRIVE_BY):
        events.append((200 + 130 * n, who, f"misc/{n}.txt", "Typo"))
    # Varied messages: people, not bots.
    verbs = ["Improve", "Fix", "Refactor", "Document", "Speed up", "Test", "Clean up"]
    topics = ["the parser", "caching", "retries", "logging", "config loading", "timeouts",
              "the types", "error messages", "the CLI", "packaging", "the docs"]  # fmt: skip
    for n, (day, who, path, _) in enumerate(sorted(events, key=lambda e: (e[0], e[2]))):
        subject = f"{verbs[n % len(verbs)]} {topics[(n // len(verbs)) % len(topics)]}"
        repo.commit(f"{subject}\n", author=who, when=at(day, n % 20),
                    files={path: f"{n}\n"})  # fmt: skip


def _mine(tmp_path, monkeypatch, owners: bool = True) -> str:
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "widgets")
    _history(repo, owners)
    db = tmp_path / "w.db"
    result = CliRunner().invoke(
        app, ["mine", "git", str(repo.path), "--name", REPO, "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    return "sqlite:///" + str(db)


@pytest.fixture()
def mined(tmp_path, monkeypatch):
    return _mine(tmp_path, monkeypatch)


def _names(url: str) -> dict[str, str]:
    from talent.store import load_people

    people = load_people(open_store(url, create=False))
    return dict(zip(people["name"], people["person_id"], strict=True))


def test_the_shipped_model_loads_and_scores():
    model = load_rising_model()
    assert model.features and set(model.features) <= set(FEATURES)
    assert all(np.isfinite(w) for w in model.weights.values())
    assert 0.0 <= model.threshold < 1.0 and model.top >= 1
    assert len(model.trained_on) >= 10  # learned on the corpus, not on a test
    assert RisingModel.from_json(model.to_json()) == model
    with pytest.raises(ValueError, match="not a talent rising model"):
        RisingModel.from_json(json.dumps({"format": 1, "curves": {}}))
    # Two people of one project: more of everything now, more likely to be named.
    table = pd.DataFrame({f: [1.0, 9.0] for f in FEATURES}, index=["few", "many"]).assign(
        growth_6m=[0.0, 2.0], growth_3m=[0.0, 1.0], recency=[0.1, 1.0]
    )
    p = model.probability(table)
    assert ((p > 0) & (p < 1)).all()
    assert p["many"] > p["few"]


def test_trajectory_features_see_only_the_acts_before_the_cut():
    acts = pd.DataFrame({
        "person": ["a", "a", "b", "a"], "other": [None, None, None, None], "repo": "o/r",
        "kind": ["commit", "commit", "commit", "commit"],
        "occurred_at": pd.to_datetime(["2023-03-01", "2023-09-01", "2023-12-15", "2024-02-01"]),
    })  # fmt: skip
    t = trajectory_features(acts, pd.DataFrame(), pd.Timestamp("2024-01-01"))
    a = t.loc[("o/r", "a")]
    assert (a["acts_12m"], a["acts_6m"], a["acts_3m"]) == (2, 1, 0)  # February is after the cut
    assert a["growth_3m"] == -1.0  # (1 + 0) / (1 + 1) acts: half
    assert a["months_active"] == 2 and t.loc[("o/r", "b"), "months_active"] == 1
    # At the head (no cut), each repository's latest act is the end.
    head = trajectory_features(acts, pd.DataFrame())
    assert head.loc[("o/r", "a"), "acts_3m"] == 1 and head.loc[("o/r", "a"), "acts_12m"] == 3


def test_a_rising_trajectory_ranks_above_a_steady_and_a_fading_one(mined):
    ids = _names(mined)
    base = build_ranking_base(open_store(mined, create=False), Settings(db_url=mined))
    nxt = base.next_up.set_index("person")
    assert ids["Ada Lovelace"] not in nxt.index  # named by CODEOWNERS: not a candidate
    rae, sam, fay = (ids[n] for n in ("Rae Riser", "Sam Steady", "Fay Fading"))
    assert nxt.loc[rae, "rank"] == 1
    assert nxt.loc[rae, "probability"] > nxt.loc[sam, "probability"]
    assert nxt.loc[rae, "probability"] > nxt.loc[fay, "probability"]
    assert nxt.loc[sam, "probability"] > nxt.loc[fay, "probability"]
    # What moved Rae is said in words, from her own numbers.
    said = nxt.loc[rae, "evidence"]
    assert said and said != "nothing stands out"
    acts_12m = int(nxt.loc[rae, "acts_12m"])
    assert any(
        phrase in said
        for phrase in ("activity up", f"{acts_12m} acts in the last year", "of the last 12 months",
                       "folders this year")
    )  # fmt: skip


def test_the_rising_flag_follows_the_model(mined):
    ids = _names(mined)
    engine = open_store(mined, create=False)
    settings = Settings(db_url=mined)
    ranking = rank_store(engine, settings, affiliations=()).set_index("person_id")
    base = build_ranking_base(engine, settings)
    flagged = rising_people(base.next_up)
    assert set(ranking.index[ranking["rising"]]) == flagged
    assert ids["Rae Riser"] in flagged and ids["Fay Fading"] not in flagged
    assert ids["Ada Lovelace"] not in flagged
    # Another model, other marks: a threshold nobody reaches marks nobody; none and the
    # first place only, the first of the repository only.
    named = {ids["Ada Lovelace"]}
    shipped = load_rising_model()
    strict = next_maintainers(base.acts, base.changes, named, model=replace(shipped, threshold=1.0))
    assert rising_people(strict) == set()
    first = next_maintainers(base.acts, base.changes, named,
                             model=replace(shipped, threshold=0.0, top=1))  # fmt: skip
    assert rising_people(first) == {first.loc[first["rank"] == 1, "person"].item()}


def test_maintainers_cli_lists_next_maintainers_with_evidence(mined):
    db = mined.removeprefix("sqlite:///")
    result = CliRunner().invoke(app, ["maintainers", "--db", db, "--section", "next"])
    assert result.exit_code == 0, result.output
    assert "Next maintainers" in result.output and "Rae Riser" in result.output
    assert "Ada Lovelace" not in result.output
    as_json = CliRunner().invoke(app, ["maintainers", "--db", db, "--format", "json"])
    nxt = json.loads(as_json.output)["next"]
    assert nxt[0]["name"] == "Rae Riser" and nxt[0]["rank"] == 1
    assert nxt[0]["evidence"] and 0 <= nxt[0]["chance"] <= 100
    assert "Ada Lovelace" not in {row["name"] for row in nxt}


def test_without_owner_files_everyone_is_a_candidate(tmp_path, monkeypatch):
    url = _mine(tmp_path, monkeypatch, owners=False)
    result = CliRunner().invoke(
        app, ["maintainers", "--db", url.removeprefix("sqlite:///"), "--section", "next"]
    )
    assert result.exit_code == 0, result.output
    assert "everyone is a candidate" in result.output
    base = build_ranking_base(open_store(url, create=False), Settings(db_url=url))
    assert _names(url)["Ada Lovelace"] in set(base.next_up["person"])


def test_fit_rising_learns_from_cuts_of_a_real_history(mined):
    # Cuts of the mined history: Ada was named at the start, so no cut has a positive;
    # the model refuses to learn from nothing, and learns when a cut has one.
    engine = open_store(mined, create=False)
    cuts = [pd.Timestamp(at(d), unit="s") for d in (500, 1000)]
    tables = rising_tables(engine, Settings(db_url=mined), cuts)
    assert set(tables) == set(cuts)
    assert not any(t["named_next"].any() for t in tables.values())
    with pytest.raises(ValueError, match="nothing to learn"):
        fit_rising(tables)
    # Say Rae was named in the year after the last cut: the model learns to put her first.
    ids = _names(mined)
    labelled = {k: t.assign(named_next=t.index == ids["Rae Riser"]) for k, t in tables.items()}
    model = fit_rising(labelled, C=10.0)
    p = model.probability(labelled[cuts[1]])
    assert p.idxmax() == ids["Rae Riser"]
    assert model.info["named"] == 1


def test_evidence_names_stewardship_and_trust():
    none = ("version_bumps", "changelog_edits", "reverts", "infra_edits", "governance_edits",
            "approvals")  # fmt: skip
    row = pd.Series({"acts_12m": 5.0, "backports": 12.0, "releases_tagged": 2.0,
                     "people_helped": 1.0, "growth_6m": 0.0, "tenure_years": 0.5,
                     **dict.fromkeys(none, 0.0)})  # fmt: skip
    parts = pd.Series({"backports": 1.0, "releases_tagged": 0.8, "people_helped": 0.5,
                       "tenure_years": 0.4, "growth_6m": 0.3})  # fmt: skip
    assert (
        evidence_text(row, parts) == "12 backports; 2 releases tagged; trusted with 1 person's work"
    )
    # A feature the model weighs down is said only the right way round: being new.
    weights = {"backports": 1.0, "releases_tagged": -1.0, "people_helped": 1.0,
               "tenure_years": -1.0, "growth_6m": 1.0}  # fmt: skip
    assert evidence_text(row, parts, weights) == (
        "12 backports; trusted with 1 person's work; new: first contribution 6 months ago"
    )
