"""The activity digest identity resolution reads: gathered in the database, it is what
the same digest of every loaded act is (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from talent.model import EXPORT_STATE, Activity, ActivityKind
from talent.people.activity import ActivityDigest, load_activity_digest
from talent.people.identity import committer_evidence, judge_behaviour, trailer_evidence
from talent.store import load_activities, open_store, save_activities

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
K = ActivityKind


def _acts() -> list[Activity]:
    acts = [
        Activity("c1", "acme/r", K.COMMIT, "git:ada", T0, item="s1", title="Add parser"),
        Activity("c2", "acme/r", K.COMMIT, "git:ada", T0 + timedelta(days=3), item="s2"),
        Activity("s1", "acme/r", K.SIGNED_OFF_BY, "git:ada", T0, counterpart="gh:ada", item="s1"),
        Activity("s2", "acme/r", K.SIGNED_OFF_BY, "git:bo", T0, item="s9"),  # names nobody
        Activity(
            "x1",
            "acme/r",
            K.COMMIT,
            "git:sync",
            T0 + timedelta(days=1),
            item="s3",
            state=f"{EXPORT_STATE}GitOrigin-RevId",
        ),
        Activity("x2", "acme/r", K.COMMIT, "git:sync", T0, item="s4", state="Export:odd"),
        Activity(
            "f1",
            "acme/r",
            K.COMMITTED_FOR_OTHER,
            "git:sync",
            T0 + timedelta(days=2),
            counterpart="git:ada",
            item="s5",
        ),
        Activity("r1", "acme/r", K.REVIEW, "gh:ada", T0 + timedelta(hours=5), title="LGTM"),
        Activity("r2", "acme/r", K.REVIEW, "gh:ada", T0 + timedelta(hours=6), title=""),
        Activity("m1", "acme/r", K.PR_MERGED_BY, "gh:bo", T0 + timedelta(days=9), title="x"),
    ]
    # A templated account: enough titled messages to be judged.
    acts += [
        Activity(f"b{i}", "acme/r", K.PR_OPENED, "gh:bump", T0 + timedelta(hours=i), title=t)
        for i, t in enumerate([f"Bump lib from 1.{i} to 1.{i + 1}" for i in range(12)])
    ]
    return acts


def test_the_database_digest_is_the_digest_of_every_act(store):
    save_activities(store, _acts())
    read = load_activity_digest(store)
    pd.testing.assert_frame_equal(read.spans, ActivityDigest.of(load_activities(store)).spans)
    pd.testing.assert_frame_equal(read.details, ActivityDigest.of(load_activities(store)).details)

    spans = read.spans.set_index("actor")
    assert spans.loc["git:ada", ["n", "commits"]].tolist() == [3, 2]
    assert spans.loc["git:ada", "commit_last"] == pd.Timestamp("2024-03-04 08:00")
    assert pd.isna(spans.loc["gh:bo", "commit_first"])
    assert read.as_of == pd.Timestamp("2024-03-10 08:00")
    assert read.commit_counts().to_dict() == {"git:ada": 2, "git:sync": 2}
    # Only the acts read one by one: no untitled review, no merge, no plain commit.
    assert "r2" not in set(read.details["item"].dropna()) and len(read.written()) == 14
    assert read.trailers()["counterpart"].tolist() == ["gh:ada"]
    assert read.for_other()["item"].tolist() == ["s5"]
    # The export state by its exact prefix (the database compares case-sensitively too).
    assert read.exported_commits()["item"].tolist() == ["s3"]


def test_a_store_in_memory_is_digested_on_its_own_connection():
    """A file's two scans run side by side on two connections; in memory, a second
    connection would be another, empty database."""
    memory = open_store("sqlite://")
    save_activities(memory, _acts())
    read = load_activity_digest(memory)
    pd.testing.assert_frame_equal(read.spans, ActivityDigest.of(load_activities(memory)).spans)
    assert len(read.details) == len(ActivityDigest.of(load_activities(memory)).details) > 0


def test_judges_give_the_same_answers_from_the_digest_as_from_the_acts(store):
    save_activities(store, _acts())
    acts, digest = load_activities(store), load_activity_digest(store)
    keys = sorted(set(acts["actor"]) | set(acts["counterpart"].dropna()))
    person_of = {k: f"p-{k.split(':')[1]}" for k in keys}
    links = pd.DataFrame({"identity_key": keys, "person_id": [person_of[k] for k in keys]})
    people = pd.DataFrame(
        {
            "person_id": sorted(set(person_of.values())),
            "name": "",
            "login": None,
            "is_bot": False,
            "bot_evidence": "",
        }
    )
    assert committer_evidence(digest, person_of) == committer_evidence(acts, person_of)
    identities = pd.DataFrame({"key": keys, "name": "Ada Lovelace"})
    pd.testing.assert_frame_equal(
        trailer_evidence(digest, identities), trailer_evidence(acts, identities)
    )
    judged = judge_behaviour(people, links, digest)
    pd.testing.assert_frame_equal(judged, judge_behaviour(people, links, acts))
    assert judged.set_index("person_id").loc["p-bump", "bot_probability"] == 1.0
