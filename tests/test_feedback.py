"""Quick verdicts (stages on the default shortlist): stored, listed, moved from the
retired verdict table, and learned from with a held-back measure."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from talent.cli import app
from talent.config import RECRUITER, ConfigError, Profile, Settings
from talent.ranking.scoring import (
    FeedbackError,
    learn_profile,
    list_profiles,
    load_ranking_profile,
    rank_store,
    save_ranking_profile,
)
from talent.store import (
    DEFAULT_SHORTLIST,
    add_entries,
    change_entry,
    data_version,
    load_entries,
    load_events,
    load_feedback,
    load_shortlists,
    open_store,
    schema,
)
from talent.views.pipeline import (
    NEGATIVE_STAGES,
    POSITIVE_STAGES,
    PipelineError,
    learning_feedback,
    pipeline_verdicts,
    record_verdict,
)


def _old_verdict(engine, person_id, label, note="", at="2025-03-01 10:00"):
    """A row of the verdict table as talent wrote it before one pipeline."""
    with engine.begin() as conn:
        conn.execute(schema.feedback.delete().where(schema.feedback.c.person_id == person_id))
        conn.execute(schema.feedback.insert(), [{"person_id": person_id, "label": label,
                     "note": note, "noted_at": pd.Timestamp(at).to_pydatetime()}])  # fmt: skip


def _notes(engine, shortlist=DEFAULT_SHORTLIST):
    events = load_events(engine, shortlist)
    notes = events[events["what"] == "note"]
    return {(r.person_id, r.new) for r in notes.itertuples(index=False)}


def test_a_quick_verdict_is_a_stage_on_the_default_list(store):
    record_verdict(store, "p1", "shortlisted", "great reviews", "ann")
    record_verdict(store, "p2", "rejected", who="ann")
    record_verdict(store, "p1", "rejected", who="bob")  # changed her mind: the note stays
    stages = load_entries(store, DEFAULT_SHORTLIST).set_index("person_id")["stage"]
    assert stages.to_dict() == {"p1": "not a fit", "p2": "not a fit"}
    assert _notes(store) == {("p1", "great reviews")}
    standing = pipeline_verdicts(store).set_index("person_id")
    assert standing["label"].to_dict() == {"p1": "rejected", "p2": "rejected"}
    assert standing.loc["p1", "note"] == "great reviews"
    assert standing.loc["p1", "lists"] == f"{DEFAULT_SHORTLIST}: not a fit"
    record_verdict(store, "p1", None, who="bob")  # taken off the list, history kept
    assert load_entries(store, DEFAULT_SHORTLIST)["person_id"].tolist() == ["p2"]
    assert load_events(store, DEFAULT_SHORTLIST, "p1")["what"].tolist() == [
        "added", "note", "stage", "removed"
    ]  # fmt: skip
    assert load_feedback(store).empty  # the retired table is not written
    with pytest.raises(PipelineError, match="a verdict is one of shortlisted, rejected"):
        record_verdict(store, "p3", "maybe")


def test_the_shortlisted_count_reads_every_list(store):
    add_entries(store, "DevRel", ["p1", "p2", "p3"], "ann")
    change_entry(store, "DevRel", "p3", "ann", stage="not interested")
    record_verdict(store, "p2", "shortlisted")
    record_verdict(store, "p4", "rejected")
    standing = pipeline_verdicts(store).set_index("person_id")
    assert standing["label"].to_dict() == {
        "p1": "shortlisted", "p2": "shortlisted", "p3": "not interested", "p4": "rejected"
    }  # fmt: skip
    assert standing.loc["p2", "lists"] == f"DevRel: new; {DEFAULT_SHORTLIST}: shortlisted"


def test_verdicts_of_an_older_talent_move_onto_the_default_list(db_url):
    engine = open_store(db_url)
    # A list of the default's name made by hand, with a decision on p4 and none on p3.
    add_entries(engine, DEFAULT_SHORTLIST, ["p3", "p4"], "ann")
    change_entry(engine, DEFAULT_SHORTLIST, "p4", "ann", stage="interviewing")
    add_entries(engine, "DevRel", ["p1"], "ann")
    _old_verdict(engine, "p1", "shortlisted", "great reviews", "2025-03-01 10:00")
    _old_verdict(engine, "p2", "rejected", "", "2025-03-02 11:30")
    _old_verdict(engine, "p3", "shortlisted", "keen", "2025-03-03 09:00")
    _old_verdict(engine, "p4", "rejected", "too senior", "2025-03-04 09:00")
    _old_verdict(engine, "p5", "maybe", "by hand", "2025-03-05 09:00")  # no talent wrote it
    engine.dispose()

    engine = open_store(db_url)  # opening moves them
    entries = load_entries(engine, DEFAULT_SHORTLIST).set_index("person_id")
    assert entries["stage"].to_dict() == {
        "p1": "shortlisted", "p2": "not a fit", "p3": "shortlisted", "p4": "interviewing"
    }  # fmt: skip
    assert entries.loc["p1", "added_at"] == pd.Timestamp("2025-03-01 10:00")  # when given
    assert entries.loc["p2", "updated_at"] == pd.Timestamp("2025-03-02 11:30")
    assert entries.loc["p3", "version"] == 2  # "new" moved to the verdict's stage
    assert _notes(engine) == {
        ("p1", "great reviews"), ("p3", "keen"), ("p4", "verdict rejected: too senior")
    }  # fmt: skip
    assert load_entries(engine, "DevRel")["person_id"].tolist() == ["p1"]  # other lists stay
    assert load_feedback(engine)["person_id"].tolist() == ["p5"]  # left as it was
    events = load_events(engine)
    engine.dispose()

    engine = open_store(db_url)  # idempotent: nothing more to move
    pd.testing.assert_frame_equal(load_events(engine), events)
    assert int(load_shortlists(engine).set_index("name").loc[DEFAULT_SHORTLIST, "people"]) == 4
    engine.dispose()


def _learned_before(verdicts: pd.DataFrame, entries: pd.DataFrame) -> pd.DataFrame:
    """What ``feedback learn`` learned from before one pipeline (talent's own code then):
    the verdicts, replaced by the stages of people on shortlists (interviewing, offer,
    hired right; not a fit wrong)."""
    rows = []
    for pid, group in entries.groupby("person_id", sort=True):
        stages = set(group["stage"])
        if stages & set(POSITIVE_STAGES):
            rows.append({"person_id": pid, "label": "shortlisted"})
        elif stages & set(NEGATIVE_STAGES):
            rows.append({"person_id": pid, "label": "rejected"})
    stages = pd.DataFrame(rows, columns=["person_id", "label"])
    keep = verdicts[~verdicts["person_id"].isin(stages["person_id"])][["person_id", "label"]]
    frames = [f for f in (keep, stages) if len(f)]
    return pd.concat(frames, ignore_index=True).sort_values("person_id", ignore_index=True)


def test_feedback_learn_learns_the_same_after_the_move(demo_copy, everyone):
    engine = open_store(demo_copy)
    verdicts = _labels_favouring(everyone, "issues_resolved")
    for row in verdicts.itertuples(index=False):
        _old_verdict(engine, row.person_id, row.label, "why")
    # Stages on named lists beside the verdicts: each kind of overlap.
    good = verdicts[verdicts["label"] == "shortlisted"]["person_id"].tolist()
    bad = verdicts[verdicts["label"] == "rejected"]["person_id"].tolist()
    unlabelled = everyone[~everyone["person_id"].isin(verdicts["person_id"])]["person_id"]
    cases = {good[0]: "not a fit", good[1]: "new", good[2]: "hired", bad[0]: "interviewing",
             bad[1]: "not interested", bad[2]: "contacted", unlabelled.iloc[0]: "offer",
             unlabelled.iloc[1]: "not a fit", unlabelled.iloc[2]: "new"}  # fmt: skip
    for pid, stage in cases.items():
        add_entries(engine, "DevRel", [pid], "ann", stage=stage)
    before = _learned_before(load_feedback(engine), load_entries(engine))
    engine.dispose()

    engine = open_store(demo_copy)  # moves the verdicts onto the default list
    assert load_feedback(engine).empty
    after = learning_feedback(engine)
    assert after[["person_id", "label"]].values.tolist() == before.values.tolist()
    assert after.loc[after["person_id"] == good[0], "label"].item() == "rejected"
    was = learn_profile(everyone, before, RECRUITER, random_state=0)
    now = learn_profile(everyone, after, RECRUITER, random_state=0)
    assert now.profile == was.profile and now.coefficients == was.coefficients
    assert (now.auc_before, now.auc_after) == (was.auc_before, was.auc_after)
    engine.dispose()


def test_a_version_3_database_gains_the_feedback_table(tmp_path):
    path = tmp_path / "old.db"
    engine = open_store(f"sqlite:///{path}")
    with engine.begin() as conn:  # make it look like talent's schema 3
        conn.execute(text("DROP TABLE feedback"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 3"))
    engine.dispose()
    engine = open_store(f"sqlite:///{path}")
    _old_verdict(engine, "p1", "shortlisted")  # as talent of schemas 4 to 13 wrote it
    engine.dispose()
    engine = open_store(f"sqlite:///{path}")
    assert load_feedback(engine).empty
    assert load_entries(engine, DEFAULT_SHORTLIST)["stage"].tolist() == ["shortlisted"]
    with engine.connect() as conn:
        versions = [v for (v,) in conn.execute(text("SELECT version FROM schema_version"))]
    assert max(versions) == 16  # v4 feedback, v5 org members, v6 named owners, v7 Hub members,
    # v8 the opt-out list, v9 shortlists and digests, v10 the ATS marks, v11 owner pairings,
    # v12 bot evidence and login sources, v13 employment spans, v14 the access log,
    # v15 shortlist shares, v16 table versions and derived results


@pytest.fixture(scope="module")
def everyone(demo_store):
    """The recruiter-profile ranking of everyone in the demo world."""
    return rank_store(demo_store, Settings(), profile="recruiter", affiliations=())


def _labels_favouring(ranking: pd.DataFrame, column: str, n: int = 80, seed: int = 0):
    """A recruiter who shortlists the active people high on ``column`` and rejects the
    rest: a hidden rule the profile does not weigh."""
    active = ranking[ranking["activity"] > ranking["activity"].median()]
    picked = active.sample(min(n, len(active)), random_state=seed)
    value = picked[column].fillna(0)
    return pd.DataFrame(
        {
            "person_id": picked["person_id"],
            "label": np.where(value > value.median(), "shortlisted", "rejected"),
        }
    )


def test_learning_moves_weight_to_what_the_verdicts_reward(everyone):
    assert "issues_resolved" not in RECRUITER.as_dict()
    feedback = _labels_favouring(everyone, "issues_resolved")
    report = learn_profile(everyone, feedback, RECRUITER, random_state=0)
    new = report.profile.as_dict()
    assert new["issues_resolved"] > 0.1
    assert max(report.coefficients, key=report.coefficients.get) == "issues_resolved"
    assert sum(new.values()) == pytest.approx(1.0, abs=1e-3)
    assert all(w > 0 for w in new.values())
    # The new weights tell the held-back verdicts apart better than the old ones.
    assert report.auc_after > report.auc_before
    assert report.n_train + report.n_test == len(feedback)
    assert report.profile.name == "recruiter+feedback"
    assert report.profile.affiliations == RECRUITER.affiliations
    # Same labels and random_state: the same weights.
    again = learn_profile(everyone, feedback, RECRUITER, random_state=0)
    assert again.profile == report.profile


def test_too_few_or_one_sided_verdicts_are_refused(everyone):
    ids = list(everyone["person_id"][:20])
    one_sided = pd.DataFrame({"person_id": ids, "label": "shortlisted"})
    with pytest.raises(FeedbackError, match="have 20 and 0"):
        learn_profile(everyone, one_sided, RECRUITER)
    few = pd.DataFrame({"person_id": ids[:9], "label": ["shortlisted"] * 5 + ["rejected"] * 4})
    with pytest.raises(FeedbackError, match="have 5 and 4"):
        learn_profile(everyone, few, RECRUITER)
    enough = pd.DataFrame({"person_id": ids[:10], "label": ["shortlisted"] * 5 + ["rejected"] * 5})
    with pytest.raises(FeedbackError, match="a test size of 0.1 leaves too few of the 10"):
        learn_profile(everyone, enough, RECRUITER, test_size=0.1)
    with pytest.raises(FeedbackError, match="a test size of 0.9 leaves too few"):
        learn_profile(everyone, enough, RECRUITER, test_size=0.9)
    unknown = pd.DataFrame({"person_id": ["nobody"] * 12, "label": "rejected"})
    with pytest.raises(FeedbackError, match="have 0 and 0"):
        learn_profile(everyone, unknown, RECRUITER)


def test_a_saved_profile_ranks_like_the_learned_weights(demo_store, demo_copy, everyone):
    feedback = _labels_favouring(everyone, "first_responses")
    report = learn_profile(everyone, feedback, RECRUITER, name="helpful")
    engine = open_store(demo_copy)
    save_ranking_profile(engine, report.profile)
    assert load_ranking_profile(engine, Settings(), "helpful") == report.profile
    by_name = rank_store(engine, Settings(), profile="helpful", affiliations=())
    by_object = rank_store(demo_store, Settings(), profile=report.profile, affiliations=())
    pd.testing.assert_frame_equal(
        by_name[["person_id", "score", "profile"]], by_object[["person_id", "score", "profile"]]
    )
    assert set(by_name["profile"]) == {"helpful"}
    # A name that is neither in the settings nor saved is refused with the known ones.
    with pytest.raises(ConfigError, match="unknown profile 'other'"):
        load_ranking_profile(engine, Settings(), "other")


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("feedback") / "demo.db"
    result = CliRunner().invoke(app, ["demo", "--db", str(path), "--size", "small"])
    assert result.exit_code == 0, result.output
    return path


def test_cli_verdicts_learning_and_ranking_by_the_learned_profile(cli_db, tmp_path):
    db = tmp_path / "fb.db"
    shutil.copy(cli_db, db)
    runner = CliRunner()
    ranked = json.loads(
        runner.invoke(
            app, ["rank", "--db", str(db), "--profile", "recruiter", "--top", "40", "-f", "json"]
        ).stdout
    )
    logins = [r["login"] for r in ranked if r["login"]]
    good, bad = logins[:6], logins[-6:]
    result = runner.invoke(app, ["feedback", "shortlist", *good, "--db", str(db), "--note", "=1"])
    assert result.exit_code == 0
    assert f"6 people at stage 'shortlisted' on '{DEFAULT_SHORTLIST}'." in result.stdout
    result = runner.invoke(app, ["feedback", "reject", *bad, "--db", str(db)])
    assert f"6 people at stage 'not a fit' on '{DEFAULT_SHORTLIST}'." in result.stdout
    shown = json.loads(
        runner.invoke(app, ["shortlist", "show", DEFAULT_SHORTLIST, "--db", str(db), "-f", "json"])
        .stdout
    )  # fmt: skip
    assert sorted((r["login"], r["stage"]) for r in shown) == sorted(
        [(g, "shortlisted") for g in good] + [(b, "not a fit") for b in bad]
    )

    listed = json.loads(
        runner.invoke(app, ["feedback", "list", "--db", str(db), "-f", "json"]).stdout
    )
    assert sorted(r["login"] for r in listed) == sorted(good + bad)
    assert {r["label"] for r in listed if r["login"] in good} == {"shortlisted"}
    csv = runner.invoke(app, ["feedback", "list", "--db", str(db), "-f", "csv"]).stdout
    assert "'=1" in csv and ",=1" not in csv  # the note is formula-safe

    result = runner.invoke(app, ["feedback", "learn", "--db", str(db), "--save", "mine"])
    assert result.exit_code == 0, result.output
    assert "ROC AUC" in result.stdout and "Saved as profile 'mine'" in result.stdout
    ranked = json.loads(
        runner.invoke(app, ["rank", "--db", str(db), "--profile", "mine", "-f", "json"]).stdout
    )
    assert {r["profile"] for r in ranked} == {"mine"}
    assert "employee" not in {r["affiliation"] for r in ranked}  # the recruiter's audience
    # An unknown profile's error names the saved ones too.
    result = runner.invoke(app, ["rank", "--db", str(db), "--profile", "nope"])
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "error: unknown profile 'nope' (known: maintainer, recruiter, learned, mine)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["feedback", "shortlist", "nobody-at-all"], "error: nobody matches 'nobody-at-all'"),
        (["feedback", "learn"], "error: need at least 5 shortlisted and 5 rejected"),
        (["feedback", "learn", "--save", "recruiter"], "error: --save: 'recruiter' is a profile"),
        (["feedback", "learn", "--profile", "nope"], "error: unknown profile 'nope'"),
    ],
)
def test_cli_feedback_errors_are_one_line(cli_db, tmp_path, args, message):
    db = tmp_path / "fb.db"
    shutil.copy(cli_db, db)
    result = CliRunner().invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.output
    assert load_entries(open_store(f"sqlite:///{db}")).empty  # nothing written


def test_a_failed_verdict_writes_nothing(cli_db, tmp_path):
    db = tmp_path / "fb.db"
    shutil.copy(cli_db, db)
    people = json.loads(
        CliRunner().invoke(app, ["rank", "--db", str(db), "--top", "1", "-f", "json"]).stdout
    )
    result = CliRunner().invoke(
        app, ["feedback", "shortlist", people[0]["login"], "nobody-at-all", "--db", str(db)]
    )
    assert result.exit_code == 1
    assert load_entries(open_store(f"sqlite:///{db}")).empty


def test_verdicts_leave_the_data_version_and_profiles_bump_it(store):
    before = data_version(store)
    record_verdict(store, "p1", "shortlisted")
    record_verdict(store, "p1", None)
    assert data_version(store) == before  # verdicts change no score
    save_ranking_profile(store, Profile(name="mine", weights=(("activity", 1.0),)))
    assert data_version(store) != before  # a new profile can change rankings


def test_list_profiles_adds_saved_ones_that_settings_do_not_shadow(store):
    save_ranking_profile(store, Profile(name="zeta", weights=(("momentum", 1.0),)))
    save_ranking_profile(store, Profile(name="recruiter", weights=(("activity", 1.0),)))
    names = [p.name for p in list_profiles(store, Settings())]
    assert names == ["maintainer", "recruiter", "learned", "zeta"]
    assert list_profiles(store, Settings())[1] == RECRUITER  # the settings' wins


def test_rank_reads_profiles_from_the_settings_file_given(cli_db, tmp_path):
    config = tmp_path / "talent.toml"
    config.write_text(
        '[profiles.kernels]\nbased_on = "recruiter"\nweights = { tests_docs = 0.4 }\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["rank", "--db", str(cli_db), "--profile", "kernels", "--top", "3", "-f", "json"]
    rows = json.loads(runner.invoke(app, [*args, "--config", str(config)]).stdout)
    assert [r["profile"] for r in rows] == ["kernels"] * 3
    assert all(r["contrib_tests_docs"] <= 0.4 for r in rows)
    assert max(r["contrib_tests_docs"] for r in rows) > 0
    result = runner.invoke(app, args)  # without it, there is no such profile
    assert result.exit_code == 1 and "unknown profile 'kernels'" in result.stderr
