"""The learned maintainer model: examples from a real mined history, curves fitted on
tables whose answer is known, the shipped model file, and the ``learned`` scaling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from gitrepos import GitRepo, Who, at, isolate
from typer.testing import CliRunner

from talent.cli import app
from talent.config import (
    MAINTAINER,
    RECRUITER,
    SIGNAL_NAMES,
    ConfigError,
    Settings,
    load_settings,
)
from talent.mining import mine_git
from talent.ranking.learning import (
    GRID,
    MODEL_SIGNALS,
    MODEL_TARGET,
    POSITIVE,
    MaintainerModel,
    fit_model,
    load_model,
    ndcg_at,
    ranked,
    recall_at,
    score_table,
    within_repo,
    within_repo_quantiles,
)
from talent.ranking.scoring import ProfileScorer, make_profile_scorer
from talent.ranking.training import future_tables, person_table
from talent.store import load_people, open_store

ADA = Who("Ada Lovelace", "1+ada@users.noreply.github.com")
BOB = Who("Bob Builder", "2+bob@users.noreply.github.com")
CY = Who("Cy Young", "3+cy@users.noreply.github.com")
DEE = Who("Dee Doe", "4+dee@users.noreply.github.com")


def test_within_repo_quantiles_is_the_quantile_scaling():
    values = pd.DataFrame({"a": [0.0, 5.0, 1.0, 5.0, np.nan], "b": [3.0, 2.0, 1.0, 0.0, 4.0]})
    got = within_repo_quantiles(values)
    assert got["a"].tolist() == [0.0, 1.0, 1 / 3, 1.0, 0.0]
    assert got["b"].tolist() == [0.75, 0.5, 0.25, 0.0, 1.0]
    scaler = ProfileScorer({"a": 1.0, "b": 1.0}, scaling="quantile").fit(values)
    assert np.allclose(scaler.normalise(values).to_numpy(), got.to_numpy())


def _tables(seed: int, repos: int = 6, people: int = 120) -> dict[str, pd.DataFrame]:
    """Repositories where being named depends on ``activity`` alone, rising with it;
    ``momentum`` is noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for r in range(repos):
        activity = rng.lognormal(1.0, 1.5, people)
        momentum = rng.uniform(0, 1, people)
        q = within_repo_quantiles(pd.DataFrame({"a": activity}))["a"].to_numpy()
        named = rng.uniform(0, 1, people) < 0.02 + 0.9 * q**6
        out[f"acme/r{r}"] = pd.DataFrame(
            {"activity": activity, "momentum": momentum, "named_ever": named},
            index=[f"p{r}-{i}" for i in range(people)],
        )
    return out


def test_fit_model_learns_a_rising_curve_for_the_signal_that_matters():
    model = fit_model(_tables(0), ["activity", "momentum"], C=1.0)
    activity = np.asarray(model.curves["activity"])
    momentum = np.asarray(model.curves["momentum"])
    assert activity[0] == momentum[0] == 0.0  # nothing done contributes nothing
    assert activity[-1] > 2.0  # the most active: far more likely named
    # Everyone has some momentum here: only the curve's shape over the quantiles counts.
    assert activity[-1] - activity[1] > 3 * np.ptp(momentum[1:])
    assert model.trained_on == tuple(f"acme/r{r}" for r in range(6))
    assert model.info["people"] == 720
    # On repositories it never saw, the named are found near the top.
    for table in _tables(1, repos=3).values():
        relevant = set(table.index[table["named_ever"]])
        assert ndcg_at(ranked(score_table(model, table)), relevant) > 0.7


def test_a_prior_pulls_the_curves_toward_a_profiles_straight_lines():
    # Under a strong penalty the curves stay near the prior's straight lines (activity's
    # scaled to the labels, momentum's flat); under a weak one the data bend them.
    prior = {"activity": 1.0}
    held = fit_model(_tables(0), ["activity", "momentum"], C=1e-4, prior=prior)
    line = np.asarray(held.curves["activity"])[1:]
    assert line[-1] > 1.0
    assert np.allclose(line / line[-1], POSITIVE, atol=0.02)
    assert max(held.curves["momentum"]) < 0.05 * line[-1]
    assert held.info["prior"] == prior
    loose = fit_model(_tables(0), ["activity", "momentum"], C=1.0, prior=prior)
    bent = np.asarray(loose.curves["activity"])[1:]
    assert not np.allclose(bent / bent[-1], POSITIVE, atol=0.05)
    assert "prior" not in fit_model(_tables(0), ["activity"]).info


def test_contributions_add_up_and_zero_contributes_nothing():
    model = fit_model(_tables(0), ["activity", "momentum"])
    table = next(iter(_tables(2, repos=1).values()))
    table.loc[table.index[:3], "activity"] = 0.0
    scaled = within_repo(table[["activity", "momentum"]], model.scale)
    parts = model.contributions(scaled)
    assert (parts.loc[table.index[:3], "activity"] == 0.0).all()
    assert np.allclose(parts.sum(axis=1), score_table(model, table))
    # Between grid points the curve is interpolated linearly.
    x = (GRID[5] + GRID[6]) / 2
    middle = model.contributions(pd.DataFrame({"activity": [x], "momentum": [0.0]}))
    curve = model.curves["activity"]
    assert middle.loc[0, "activity"] == pytest.approx((curve[5] + curve[6]) / 2)


def test_model_json_round_trip_and_bad_files():
    model = fit_model(_tables(0), ["activity", "momentum"])
    again = MaintainerModel.from_json(model.to_json())
    assert again.signals == model.signals
    assert np.allclose(again.curves["activity"], model.curves["activity"], atol=1e-5)
    with pytest.raises(ValueError, match="not a talent maintainer model"):
        MaintainerModel.from_json('{"format": 2}')


def test_fit_model_without_anyone_named_says_so():
    tables = _tables(0, repos=2)
    for table in tables.values():
        table["named_ever"] = False
    with pytest.raises(ValueError, match="nothing to learn"):
        fit_model(tables, ["activity"])


def test_the_shipped_model_and_the_learned_scaling():
    model = load_model()
    assert set(model.signals) == set(MODEL_SIGNALS) <= set(SIGNAL_NAMES)
    assert len(model.trained_on) == 53  # fitted on the corpus, not made up
    assert model.target == MODEL_TARGET
    # Editing owner files is kept out: the labels are read from those files.
    assert "governance" in SIGNAL_NAMES and "governance" not in model.signals
    for curve in model.curves.values():  # rising, from nothing done at 0
        assert len(curve) == len(GRID) and curve[0] == 0.0
        assert all(b >= a - 1e-9 for a, b in zip(curve, curve[1:], strict=False))
    values = pd.DataFrame({s: [0.0, 1.0, 4.0, 9.0] for s in SIGNAL_NAMES})
    scorer = ProfileScorer({s: 1.0 for s in SIGNAL_NAMES}, scaling="learned").fit(values)
    parts = scorer.transform(values)
    assert (parts.iloc[0] == 0.0).all()
    expected = model.contributions(within_repo(values, model.scale))
    assert np.allclose(parts.to_numpy(), expected.to_numpy())
    assert np.allclose(scorer.predict(values), expected.sum(axis=1))
    assert list(scorer.predict(values)) == sorted(scorer.predict(values))
    # Scaled against the people fitted: a newcomer above them all is at the top.
    more = ProfileScorer({s: 1.0 for s in SIGNAL_NAMES}, scaling="learned").fit(values)
    newcomer = pd.DataFrame({s: [100.0] for s in SIGNAL_NAMES})
    assert more.predict(newcomer)[0] == pytest.approx(sum(c[-1] for c in model.curves.values()))


def test_a_profile_can_use_a_model_file_of_its_own(tmp_path):
    model = fit_model(_tables(0), ["activity", "momentum"])
    (tmp_path / "ours.json").write_text(model.to_json())
    (tmp_path / "talent.toml").write_text(
        '[profiles.ours]\nbased_on = "learned"\nmodel = "ours.json"\n'
    )
    settings = load_settings(str(tmp_path / "talent.toml"))
    profile = settings.profile("ours")
    assert profile.model == str(tmp_path / "ours.json")
    values = pd.DataFrame({s: [0.0, 0.0, 0.0] for s in SIGNAL_NAMES})
    values["activity"], values["momentum"] = [0.0, 2.0, 8.0], [0.5, 0.1, 0.9]
    scorer = make_profile_scorer(profile).fit(values)
    expected = model.contributions(within_repo(values, model.scale)).sum(axis=1)
    assert np.allclose(scorer.predict(values), expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[profiles.x]\nbased_on = "learned"\nmodel = "none.json"\n', "not found"),
        ('[profiles.x]\nbased_on = "maintainer"\nmodel = "m.json"\n', "scaling"),
    ],
)
def test_a_bad_model_setting_is_one_clear_error(tmp_path, text, message):
    (tmp_path / "m.json").write_text("{}")
    (tmp_path / "talent.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(str(tmp_path / "talent.toml"))


def test_recall_and_ndcg():
    assert recall_at(["a", "b", "c"], {"a", "c", "z"}, 2) == pytest.approx(1 / 3)
    assert np.isnan(recall_at(["a"], set(), 10))
    assert ndcg_at(["a", "x", "b"], {"a", "b"}, 20) == pytest.approx(
        (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    )


# --- from a mined history ----------------------------------------------------------------


@pytest.fixture()
def mined(tmp_path, monkeypatch):
    """Ada and Bob are named from day 1, Bob until day 310; Cy is named on day 300
    (after a cut at day 200); Dee is never named."""
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "widgets")
    repo.commit(
        "Start\n", author=ADA, when=at(1), files={"CODEOWNERS": "* @ada @bob\n", "a.py": "0\n"}
    )
    topics = ["parser", "cache", "retries", "logging", "config", "docs"]
    for n, topic in enumerate(topics):
        for who, offset in ((ADA, 10), (BOB, 20), (CY, 100), (DEE, 150)):
            repo.commit(
                f"Improve the {topic}\n",
                author=who,
                when=at(offset + 10 * n),
                files={f"{who.name.split()[0].lower()}.py": f"{n}\n"},
            )
    repo.commit("Cy joins\n", author=ADA, when=at(300), files={"CODEOWNERS": "* @ada @bob @cy\n"})
    repo.commit("Bob moves on\n", author=ADA, when=at(310), files={"CODEOWNERS": "* @ada @cy\n"})
    url = f"sqlite:///{tmp_path / 'w.db'}"
    engine = open_store(url)
    mine_git(engine, repo.path, name="acme/widgets")
    return engine, Settings(db_url=url)


def _logins(engine, index) -> list[str]:
    people = load_people(engine).set_index("person_id")
    return sorted(people.loc[list(index), "login"])


def test_person_table_labels_come_from_the_owner_files(mined):
    engine, settings = mined
    table = person_table(engine, settings)
    assert set(SIGNAL_NAMES) <= set(table.columns)
    assert _logins(engine, table.index) == ["ada", "bob", "cy", "dee"]
    assert _logins(engine, table.index[table["named_ever"]]) == ["ada", "bob", "cy"]
    assert _logins(engine, table.index[table["named_now"]]) == ["ada", "cy"]
    logins = load_people(engine).set_index("person_id").loc[table.index, "login"]
    first = dict(zip(logins, table["first_named"], strict=True))
    assert first["cy"] == pd.Timestamp(at(300), unit="s")
    assert first["ada"] == pd.Timestamp(at(1), unit="s")
    assert pd.isna(first["dee"])
    assert table["commits"].sum() == 27
    # Each built-in profile that learns nothing scores the same people as it ranks them.
    for profile in (MAINTAINER, RECRUITER):
        scorer = make_profile_scorer(profile).fit(table[list(SIGNAL_NAMES)])
        expected = scorer.predict(table[list(SIGNAL_NAMES)])
        np.testing.assert_allclose(table[f"score_{profile.name}"], expected)
    assert table["score_maintainer"].max() > 0


def test_future_tables_cut_the_history(mined):
    engine, settings = mined
    cut = pd.Timestamp(at(200), unit="s", tz="UTC")
    [(when, table)] = future_tables(engine, settings, [cut]).items()
    assert when == cut
    # Ada and Bob were named before the cut: not candidates. Cy is named within the
    # year after it; Dee never.
    assert _logins(engine, table.index) == ["cy", "dee"]
    assert _logins(engine, table.index[table["named_next"]]) == ["cy"]
    assert table["commits"].sum() == 11  # only the acts before the cut (Dee's 6th is on it)
    assert table["commits_last_year"].sum() == 11


def test_talent_model_train_writes_a_model_a_profile_can_use(mined, tmp_path):
    engine, settings = mined
    db = settings.db_url
    out = tmp_path / "ours.json"
    result = CliRunner().invoke(app, ["model", "train", "--db", db, "-o", str(out)])
    assert result.exit_code == 0, result.output
    # Named at the head (the shipped model's target): Ada and Cy, not Bob any more.
    assert "learned from 1 repositories (2 people named, 4 in all)" in result.output
    assert "no cross-validation: fewer than 5 repositories name anyone" in result.output
    model = load_model(out)
    assert model.trained_on == ("acme/widgets",) and set(model.signals) == set(MODEL_SIGNALS)
    (tmp_path / "talent.toml").write_text(
        f'[profiles.ours]\nbased_on = "learned"\nmodel = "{out.name}"\n'
    )
    ranked_out = CliRunner().invoke(
        app,
        ["rank", "--db", db, "--config", str(tmp_path / "talent.toml"), "--profile", "ours",
         "-f", "json"],
    )  # fmt: skip
    assert ranked_out.exit_code == 0, ranked_out.output
    rows = json.loads(ranked_out.stdout)
    rows = rows["ranking"] if isinstance(rows, dict) else rows
    assert len(rows) == 4
    assert all(r["profile"] == "ours" for r in rows)


def test_talent_model_train_without_owner_files_says_what_to_do(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path)
    repo = GitRepo.init(tmp_path / "plain")
    repo.commit("Start\n", author=ADA, when=at(1), files={"a.py": "0\n"})
    db = f"sqlite:///{tmp_path / 'p.db'}"
    mine_git(open_store(db), repo.path, name="acme/plain")
    result = CliRunner().invoke(app, ["model", "train", "--db", db, "-o", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "owner files name anyone" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_talent_evaluate_from_owner_files_needs_no_truth_file(mined):
    engine, settings = mined
    runner = CliRunner()
    result = runner.invoke(
        app, ["evaluate", "--from-owner-files", "--db", settings.db_url, "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["metrics"]
    methods = {r["method"] for r in rows}
    # Every built-in profile beside commit count.
    assert methods == {"maintainer", "recruiter", "learned", "commit count"}
    assert {r["repo"] for r in rows} == {"acme/widgets"}
    for r in rows:
        # Ada, Bob and Cy were named, Ada and Cy still are; all three committed.
        assert (r["findable"], r["named_logins"]) == ((3, 3) if r["scope"] == "ever" else (2, 2))
    # Commit count: Ada (9 commits with the owner-file edits) first, then Bob, Cy and Dee
    # (6 each) in the order of their person ids.
    ids = load_people(engine).set_index("login")["person_id"]
    order = ["ada", *sorted(["bob", "cy", "dee"], key=lambda login: ids[login])]
    hits = [i for i, login in enumerate(order, start=1) if login != "dee"]
    ideal = sum(1 / np.log2(i + 1) for i in (1, 2, 3))
    counted = {r["scope"]: r for r in rows if r["method"] == "commit count"}
    assert counted["ever"]["ndcg_at_20"] == pytest.approx(
        sum(1 / np.log2(i + 1) for i in hits) / ideal, abs=1e-6
    )
    assert counted["ever"]["found_in_top_50"] == 3
    assert counted["current"]["found_in_top_50"] == 2
    table = runner.invoke(app, ["evaluate", "--from-owner-files", "--db", settings.db_url])
    assert table.exit_code == 0 and "acme/widgets" in table.output and "3 (3)" in table.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --truth FILE or --from-owner-files"),
        (["--from-owner-files", "--truth", "t.json"], "give either --truth FILE"),
        (["--from-owner-files", "--repo", "acme/nope"], "acme/nope"),
    ],
)
def test_talent_evaluate_bad_choices_are_one_line(mined, args, message):
    _, settings = mined
    result = CliRunner().invoke(app, ["evaluate", "--db", settings.db_url, *args])
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
