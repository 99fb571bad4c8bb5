"""Evidence worth reading: explanations and outreach cite a person's most substantial
items, each once, mechanical changes last; topics are never the person's own name.

Hand-made acts and file changes of made-up people (Ada, Bob) in one repository.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta

import pandas as pd
import pytest

from talent.model import Activity
from talent.model import ActivityKind as K
from talent.ranking.authorship import BULK_FILES
from talent.ranking.features import attach_people, commit_changes, mechanical_subject
from talent.ranking.scoring import (
    CONTRIBUTIONS,
    SIGNALS,
    build_evidence,
    build_substance,
    evidence_for,
    explain,
    load_work,
)
from talent.ranking.skills import build_skills
from talent.views.outreach import cited_work

REPO = "acme/core"
START = datetime(2024, 1, 1)


class _World:
    """Commits with their files, and acts on them, by made-up people."""

    def __init__(self) -> None:
        self.acts: list[Activity] = []
        self.files: list[dict] = []

    def commit(self, who, day, title, files, *, applied_by=None, reviewed_by=None):
        """A commit by ``who`` ``day`` days after START, ``files`` {path: (added, deleted)};
        optionally committed by someone else and with a Reviewed-by trailer."""
        sha = f"{len(self.acts):04x}" * 10
        when = START + timedelta(days=day)
        url = f"https://github.com/{REPO}/commit/{sha}"
        size = sum(a + d for a, d in files.values())
        self._act(K.COMMIT, who, when, sha, title, url, size=size)
        for path, (added, deleted) in files.items():
            self.files.append({"repo": REPO, "sha": sha, "path": path, "additions": added,
                               "deletions": deleted})  # fmt: skip
        if applied_by:
            self._act(K.COMMITTED_FOR_OTHER, applied_by, when, sha, title, url, other=who)
        if reviewed_by:
            self._act(K.REVIEWED_BY, reviewed_by, when, sha, title, url, other=who)
        return url

    def _act(self, kind, who, when, item, title, url, other=None, size=None):
        self.acts.append(Activity(key=f"a:{len(self.acts)}", repo=REPO, kind=kind,
                                  actor=f"id:{who}", occurred_at=when, item=item, title=title,
                                  url=url, size=size,
                                  counterpart=f"id:{other}" if other else None))  # fmt: skip

    def evidence(self):
        frame = pd.DataFrame([asdict(a) for a in self.acts])
        frame["kind"] = frame["kind"].astype(str)
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
        acts = attach_people(frame, {"id:ada": "ada", "id:bob": "bob"})
        return build_evidence(acts, commit_changes(acts, pd.DataFrame(self.files)))


def _ranking(person: str, **contributions: float) -> pd.DataFrame:
    row = {"person_id": person, **dict.fromkeys(CONTRIBUTIONS, 0.0)}
    row.update({f"contrib_{s}": v for s, v in contributions.items()})
    row["score"] = sum(contributions.values())
    return pd.DataFrame([row])


@pytest.fixture()
def world():
    w = _World()
    # Ada's real work: an older, larger change Bob applied and reviewed, and a small one.
    w.commit("ada", 10, "Add a batching scheduler", {"src/scheduler.py": (180, 20),
             "tests/test_scheduler.py": (60, 0)}, applied_by="bob", reviewed_by="bob")  # fmt: skip
    w.commit("ada", 20, "Cache tokenizer lookups", {"src/tokens.py": (30, 5)})
    w.commit("ada", 30, "Document the sdk client", {"sdk/python/client.py": (40, 2)})
    # Newer mechanical changes: a rename, a mode change, a version bump, reformatting.
    w.commit("ada", 40, "Move helpers", {"src/helpers.py": (0, 0)})
    w.commit("ada", 41, "Make the release script executable", {"hack/release.sh": (0, 0)})
    w.commit("ada", 42, "Bump grpcio from 1.62.0 to 1.63.0", {"requirements.txt": (1, 1)})
    w.commit("ada", 43, "Prepare 0.4.0", {"go.mod": (2, 2), "go.sum": (8, 8)})
    w.commit("ada", 44, "Run black", {"src/scheduler.py": (90, 90), "src/tokens.py": (12, 12)})
    # A trivial newer CI change.
    w.commit("ada", 45, "Remove an unused workflow", {".github/workflows/rerun.yaml": (0, 9)})
    return w


def test_mechanical_changes_are_named_and_cited_last(world):
    evidence = world.evidence()
    shown = evidence_for(evidence, "ada", "recent_activity", n=20)
    titles = list(shown["title"])
    assert titles[:4] == ["Add a batching scheduler", "Document the sdk client",
                          "Cache tokenizer lookups", "Remove an unused workflow"]  # fmt: skip
    assert set(titles[4:]) == {"Move helpers", "Make the release script executable",
                               "Bump grpcio from 1.62.0 to 1.63.0", "Prepare 0.4.0",
                               "Run black"}  # fmt: skip
    reasons = dict(zip(shown["title"], shown["mechanical"], strict=True))
    assert (
        reasons["Move helpers"]
        == reasons["Make the release script executable"]
        == ("rename or mode change")
    )
    assert reasons["Bump grpcio from 1.62.0 to 1.63.0"] == "version bump"
    assert reasons["Prepare 0.4.0"] == "version bump"  # only go.mod and go.sum
    assert reasons["Run black"] == "reformatting"
    assert reasons["Add a batching scheduler"] == ""
    # Lines changed are those of its files: 180 + 20 + 60.
    assert shown.loc[0, "lines"] == 260


def test_a_substantive_applied_change_comes_before_a_trivial_newer_one(world):
    substance = world.evidence().substance
    first = f"{REPO}@{'0000' * 10}"
    assert bool(substance.loc[first, "merged"]) and substance.loc[first, "reviewers"] == 1
    shown = evidence_for(world.evidence(), "ada", "activity", n=1)
    assert shown.loc[0, "title"] == "Add a batching scheduler"


def test_mechanical_changes_when_nothing_else_exists():
    w = _World()
    w.commit("bob", 1, "Bump pyyaml from 6.0 to 6.0.1", {"requirements.txt": (1, 1)})
    shown = evidence_for(w.evidence(), "bob", "activity", n=3)
    assert list(shown["mechanical"]) == ["version bump"]


def test_an_explanation_cites_each_item_once(world):
    evidence = world.evidence()
    ranking = _ranking("ada", activity=0.5, recent_activity=0.3, tenure=0.2)
    parts = explain(ranking, evidence, "ada", top=3, n=3)
    assert [p["signal"] for p in parts] == ["activity", "recent_activity", "tenure"]
    keys = [e["key"] for p in parts for e in p["evidence"]]
    assert len(keys) == len(set(keys)) == 7
    # The strongest signal keeps the best item; the next takes its next-best.
    assert parts[0]["evidence"][0]["title"] == "Add a batching scheduler"
    second = ["Document the sdk client", "Cache tokenizer lookups", "Remove an unused workflow"]
    assert [e["title"] for e in parts[1]["evidence"]] == second
    # Each signal on its own would cite the scheduler again.
    alone = evidence_for(evidence, "ada", "recent_activity", n=1)
    assert alone.loc[0, "title"] == "Add a batching scheduler"


def test_an_area_puts_its_work_first(world):
    evidence = world.evidence()
    shown = evidence_for(evidence, "ada", "recent_activity", n=2,
                         area=lambda path: path.startswith("sdk/"))  # fmt: skip
    assert list(shown["title"]) == ["Document the sdk client", "Add a batching scheduler"]
    ranking = _ranking("ada", activity=1.0)
    parts = explain(ranking, evidence, "ada", n=1, area=lambda path: "tokens" in path)
    assert parts[0]["evidence"][0]["title"] == "Cache tokenizer lookups"


def test_outreach_cites_the_explanations_items_mechanical_last(world):
    evidence = world.evidence()
    ranking = _ranking("ada", activity=0.5, recent_activity=0.3, tenure=0.2)
    parts = explain(ranking, evidence, "ada")
    cited = cited_work(parts)
    best = ["Add a batching scheduler", "Document the sdk client", "Cache tokenizer lookups"]
    assert [e["title"] for e in cited] == best
    assert not any(e["mechanical"] for e in cited)


def test_substance_leaves_out_lock_and_vendored_lines():
    w = _World()
    w.commit("ada", 1, "Add a client", {"src/client.go": (50, 0), "go.sum": (400, 0),
                                        "vendor/x/y.go": (900, 0)})  # fmt: skip
    substance = build_substance(w.evidence().acts, w.evidence().changes)
    assert substance["lines"].tolist() == [50]
    assert substance["mechanical"].tolist() == [""]


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("Merge pull request #12 from ada-l/fix-loader", "merge"),
        ("Merge branch 'main' into feature", "merge"),
        ('Revert "Add batching"', "revert"),
        ("chore(deps): bump golang.org/x/net from 0.4.0 to 0.7.0", "version bump"),
        ("release: v0.8.0-rc0 (#1989)", "version bump"),
        ("Acme 0.15.0 (#4347)", "version bump"),
        ("style: gofmt", "reformatting"),
        ("Fix typo in README.md", "reformatting"),
        ("Apply pre-commit hooks", "reformatting"),
        ("Add ONNX format support", ""),
        ("Merge LoRA weights into the base model", ""),
        ("docs: update samples from v1alpha1 to v1alpha2", ""),
        ("Blacklist unsafe model URIs", ""),
    ],
)
def test_mechanical_subjects(subject, reason):
    assert mechanical_subject(subject) == reason


def test_topics_are_never_the_persons_own_name_or_merge_boilerplate():
    acts = pd.DataFrame({
        "person": ["ada"] * 4 + ["bob"] * 3,
        "title": ["Merge pull request #3 from adalov/quantise", "adalov: fix quantiser scales",
                  "Add quantiser calibration for lovelace kernels", "Tune quantiser kernels",
                  "Add the bob-smith dashboard", "Fix the dashboard legend", "Dashboard colours"],
    })  # fmt: skip
    changes = pd.DataFrame(columns=["path", "person", "lines"])
    names = {"ada": ["Ada Lovelace", "adalov", "123+adalov@users.noreply.github.com"],
             "bob": ["Bob Smith", "git:bob smith\x1fbob@example.org"]}  # fmt: skip
    topics = build_skills(changes, acts, names=names)["topics"]
    for pid, words in (("ada", {"adalov", "lovelace", "ada", "pull", "request", "merge"}),
                       ("bob", {"bob", "smith", "bob-smith"})):  # fmt: skip
        found = set(topics[pid].split(", "))
        assert found and not found & words, (pid, found)
    assert "quantiser" in topics["ada"].split(", ")
    # Without names, the login is a topic: the test above can fail.
    assert "adalov" in build_skills(changes, acts)["topics"]["ada"].split(", ")


def test_substance_leaves_out_files_added_in_bulk():
    w = _World()
    imported = {f"third/lib{i}.py": (100, 0) for i in range(BULK_FILES)}
    w.commit("ada", 1, "Import the parser library", {**imported, "src/parse.py": (30, 0)})
    # Ada edits her own file again: it is not part of a bulk addition.
    w.commit("ada", 2, "Handle empty input", {"src/parse.py": (5, 1)})
    evidence = w.evidence()
    lines = evidence.substance["lines"]
    assert lines.tolist() == [30, 6]


def _same_evidence(full, part, people, area=None):
    """Every signal's evidence of each of ``people`` (up to ten items) is the same in
    ``part`` as in ``full``."""
    for pid in people:
        for signal in SIGNALS:
            found = [evidence_for(e, pid, signal, n=10, area=area) for e in (full, part)]
            pd.testing.assert_frame_equal(found[0], found[1], obj=f"{pid} {signal}")


def test_evidence_built_for_some_people_is_theirs_in_full():
    """Bob applied Ada's bulk import, in which Ada's own file (which she edits again)
    is no bulk addition, and co-edits her files: his evidence built alone still knows
    all of those files' history (their authors, what counts as bulk)."""
    w = _World()
    imported = {f"third/lib{i}.py": (100, 0) for i in range(BULK_FILES)}
    w.commit("ada", 1, "Import the parser library", {**imported, "src/parse.py": (30, 0)},
             applied_by="bob")  # fmt: skip
    w.commit("ada", 2, "Handle empty input", {"src/parse.py": (5, 1)})
    w.commit("bob", 3, "Parse numbers", {"src/parse.py": (40, 3), "src/num.py": (20, 0)},
             reviewed_by="ada")  # fmt: skip
    w.commit("ada", 4, "Speed up numbers", {"src/num.py": (12, 4)}, reviewed_by="bob")
    w.commit("bob", 5, "Bump the parser to 2.1", {"requirements.txt": (1, 1)})
    full = w.evidence()
    for people in (["bob"], ["ada"], ["ada", "bob"]):
        part = build_evidence(full.acts, full.changes, people)
        _same_evidence(full, part, people)
        _same_evidence(full, part, people, area=lambda path: path.startswith("src/"))
    bob = build_evidence(full.acts, full.changes, ["bob"])
    # Bob's cited import counts only Ada's own file, as in the full evidence.
    cited = evidence_for(bob, "bob", "trust", n=10)
    assert cited[["title", "lines"]].values.tolist() == [
        ["Import the parser library", 30],
        ["Speed up numbers", 16],
    ]
    with pytest.raises(ValueError, match="ada"):
        explain(_ranking("ada", activity=1.0), bob, "ada")


def test_evidence_built_for_some_people_of_the_demo_world_is_theirs_in_full(demo_store):
    """Pull requests, issues, reviews, first responses and file changes of the demo
    world: each person's evidence (the busiest, a few in between, the quietest) built
    alone or with others is what the evidence of everyone gives them."""
    acts, changes, _bots, _people = load_work(demo_store)
    full = build_evidence(acts, changes)
    busiest = acts["person"].value_counts().index.tolist()
    for people in ([busiest[0]], busiest[1:4], busiest[40:43], busiest[-2:]):
        part = build_evidence(acts, changes, people)
        assert part.people == frozenset(people)
        _same_evidence(full, part, people)
    _same_evidence(full, part, people, area=lambda path: path.endswith(".py"))
