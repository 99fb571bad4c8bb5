"""talent.ui.data's cached reads outside a page: one shared base per data version and
activity scope, a profile switch that only re-weighs it, explanations from the cached
ranking and evidence, and the skill search the app shows."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

import talent.ranking.scoring as scoring
from talent import ahead
from talent.config import RECRUITER, Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.ranking.scoring import explain, load_evidence, match_skills, rank_store
from talent.sources.demo import generate_demo
from talent.store import data_version, open_store
from talent.ui import data
from talent.views.access import Viewer


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    url = "sqlite:///" + str(tmp_path_factory.mktemp("ui-data") / "demo.db")
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=3, size="small"))
    update_people(engine, Settings(db_url=url))
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_profiles_share_one_base_and_explanations_reuse_it(url, monkeypatch):
    calls = []
    features = scoring._features
    monkeypatch.setattr(scoring, "_features", lambda *a, **k: calls.append(1) or features(*a, **k))
    # Every window computed in this process, to be counted here (on a second core they
    # are computed ahead by a child: tests/test_derived.py).
    monkeypatch.setattr(ahead, "usable_cores", lambda: 1)
    version = data_version(open_store(url))
    maintainer = data.profile(url, "maintainer")
    recruiter = data.profile(url, "recruiter")
    first = data.ranking(url, version, maintainer, (), None, False, True)
    assert len(calls) == 6  # the base, then five windows left out for the rank ranges
    second = data.ranking(url, version, recruiter, (), None, False, True)
    assert len(calls) == 6
    engine = open_store(url)
    expected = rank_store(
        engine, Settings(db_url=url), profile=RECRUITER, affiliations=(), interval_windows=5
    )
    pd.testing.assert_frame_equal(second, expected, check_exact=True)
    assert first["profile"].eq("maintainer").all()
    top = second["person_id"].iloc[0]
    before = len(calls)  # rank_store above computed its own
    parts = data.explanation(url, version, recruiter, (), None, False, True, top)
    assert len(calls) == before  # the cached ranking and base, not a new ranking
    assert parts and parts == explain(expected, load_evidence(engine, Settings(db_url=url)), top)


def test_skill_matches_say_what_matched(url):
    version = data_version(open_store(url))
    found = data.skill_matches(url, version, (), None, False, "docs training")
    assert found.index.name == "person_id" and list(found.columns) == [
        "skill_match",
        "skill_share",
        "skill_terms",
        "skill_work",
    ]
    assert abs(found["skill_share"].sum() - 1) < 1e-9  # everyone's share of the matching work
    assert found["skill_work"].map(lambda w: 0 < len(w) <= 5).all()
    assert len(found) > 0 and found["skill_match"].is_monotonic_decreasing
    assert (found["skill_match"] > 0).all() and (found["skill_match"] <= 1 + 1e-9).all()
    assert found["skill_terms"].map(lambda t: 0 < len(set(t.split(", ")) - {""})).all()
    assert set(", ".join(found["skill_terms"]).split(", ")) <= {"docs", "training"}
    base = scoring.build_ranking_base(open_store(url), Settings(db_url=url))
    expected = match_skills(base, "docs training")
    assert found["skill_match"].to_dict() == expected["match"].to_dict()
    assert data.skill_matches(url, version, (), None, False, "   ").empty


def test_where_people_stand_is_read_once_until_a_click_changes_it(url, monkeypatch):
    import talent.views.pipeline as pipeline

    calls = []
    verdicts = pipeline.pipeline_verdicts
    monkeypatch.setattr(pipeline, "pipeline_verdicts", lambda e: calls.append(1) or verdicts(e))
    version = data_version(open_store(url))
    person = data.ranking(url, version, data.profile(url, "recruiter"), (), None, False, False)[
        "person_id"
    ].iloc[0]
    before = data.feedback(url)
    stages = data.pipeline_stages(url)
    entries = data.list_entries(url)
    assert person not in set(before["person_id"]) and person not in stages
    data.feedback(url)  # a rerun of a page: nothing read again
    assert len(calls) == 1
    recruiter = Viewer("rita@acme-ai.com", "Rita", "recruiter")
    data.record_verdict(url, recruiter, person, "shortlisted", "strong reviewer")
    after = data.feedback(url)
    assert len(calls) == 2
    assert after.set_index("person_id").loc[person, "label"] == "shortlisted"
    assert person in data.pipeline_stages(url)
    assert len(data.list_entries(url)) == len(entries) + 1
    assert data.pipeline_version(url) != ()
    data.record_verdict(url, recruiter, person, None)  # off the list again: read once more
    assert person not in set(data.feedback(url)["person_id"]) and len(calls) == 3
