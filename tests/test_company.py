"""Companies told apart and employment with dates, on git histories built in tmp_path.

Two repositories of a made-up foundation project are staffed by two companies and a
community; a third repository is one company's own. They are mined with the git miner,
as a user would, and ``talent company`` says what kind of project each store holds.
Every person, address, domain and date is made up; the dates are fixed, so every share
of the work and every span of employment is known in advance.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pandas as pd
import pytest
from gitrepos import GitRepo, Who, at, isolate
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.mining import mine_git
from talent.people.affiliation import (
    CompanyInference,
    Organisation,
    choose_company,
    employment_text,
)
from talent.people.identity import infer_company, load_company_choice, save_company_choice
from talent.ranking.scoring import build_ranking_base, rank_store, score_base
from talent.store import load_people, open_store
from talent.views.export import shortlist_frame
from talent.views.pipeline import pipeline_verdicts, record_verdict

# (author, first day, last day, every n days). Day 0 is 2023-11-14 22:13 (commits come n
# hours later, so most fall on the 15th); the data ends on day 720, 2025-11-04.
ALPHA = [
    (Who(name, f"{name.split()[0].lower()}@alphaworks.io"), 0, 720, 20)
    for name in ("Ada Alpha", "Abe Anders", "Amy Archer", "Ari Atwood")
]
BETA = [
    (Who(name, f"{name.split()[0].lower()}@betacorp.io"), 0, 720, 24)
    for name in ("Bea Baker", "Bob Brown", "Bo Bishop", "Bix Burton")
]
COMMUNITY = [
    (Who("Cleo Free", "cleo@gmail.com"), 0, 720, 16),
    (Who("Dion Free", "dion@outlook.com"), 100, 700, 30),
    # Students: universities employ no students.
    (Who("Ewa Student", "ewa@cs.uni-sample.edu"), 0, 700, 40),
    (Who("Fin Student", "fin@cs.uni-sample.edu"), 0, 700, 40),
    # One person on their own domain is a mailbox, not an organisation.
    (Who("Gil Own", "gil@gil-own.dev"), 0, 720, 18),
]
# Left betacorp.io on day 300: a former employee (more than 180 days before day 720).
LEAVER = [(Who("Hana Left", "hana@betacorp.io"), 0, 300, 20)]
# Joined on day 560 (within the last 180 days): an employee.
JOINER = [(Who("Ivo New", "ivo@betacorp.io"), 560, 710, 15)]


_WORDS = "parser cache loader docs tests config graph index queue metrics auth model".split()
_VERBS = "fix add refactor remove document speed-up handle support rename test".split()


def _message(key: str, i: int) -> str:
    """A varied commit subject (template-like ones would make everyone a bot)."""
    rng = random.Random(f"{key}:{i}")
    return f"{rng.choice(_VERBS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)}"


def build(repo: GitRepo, authors, salt: str) -> None:
    """Commits by ``authors`` in date order, each to its own file."""
    plan = []
    for who, first, last, every in authors:
        plan += [(day, who) for day in range(first, last + 1, every)]
    plan.sort(key=lambda p: (p[0], p[1].email))
    for n, (day, who) in enumerate(plan):
        repo.commit(
            _message(f"{salt}:{who.email}", n) + "\n",
            author=who,
            when=at(day, n % 24),
            files={f"{who.email.split('@')[0]}.txt": f"{salt} {n}\n"},
        )


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    """Three repositories: two of the foundation project, one company's own."""
    root = tmp_path_factory.mktemp("company")
    repos = {}
    for name, authors in {
        "engine": ALPHA[:3] + BETA[:3] + COMMUNITY + LEAVER,
        "console": ALPHA[1:] + BETA[1:] + COMMUNITY[:2] + JOINER,
        "betatool": BETA + LEAVER + JOINER + COMMUNITY[:1],
    }.items():
        repos[name] = GitRepo.init(root / name, root)
        build(repos[name], authors, name)
    return root, repos


def mined(monkeypatch, tmp_path, histories, *names: str, owner: str = "foundry") -> str:
    root, repos = histories
    isolate(monkeypatch, root)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_store(url)
    for name in names:
        mine_git(engine, repos[name].path, name=f"{owner}/{name}")
    engine.dispose()
    return url


def company(runner_args: list[str], *, code: int = 0) -> dict | str:
    result = CliRunner().invoke(app, ["company", *runner_args])
    assert result.exit_code == code, result.output
    if code:
        return result.stderr
    return json.loads(result.stdout) if "json" in runner_args else result.stdout


@pytest.fixture
def no_settings(tmp_path, monkeypatch):
    """Run where no talent.toml is, with no TALENT_CONFIG: no settings file at all."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENT_CONFIG", raising=False)


def by_name(url: str) -> pd.DataFrame:
    return load_people(open_store(url, create=False)).set_index("name")


def test_a_project_two_companies_staff_is_multi(monkeypatch, tmp_path, histories, no_settings):
    url = mined(monkeypatch, tmp_path, histories, "engine", "console")
    report = company(["--db", url, "--format", "json"])
    assert report["kind"] == "multi"
    assert report["inferred"] == [] and report["source"] == "none" and report["mine"] is None
    names = [(o["name"], o["domains"], o["people"]) for o in report["organisations"]]
    assert names == [("alphaworks.io", ["alphaworks.io"], 4), ("betacorp.io", ["betacorp.io"], 6)]
    shares = [o["share_of_work"] for o in report["organisations"]]
    assert 0.2 < shares[1] < shares[0] < 0.5
    # No one is called an employee until someone chooses "mine".
    assert report["affiliations"]["employee"] == report["affiliations"]["former_employee"] == 0
    assert set(by_name(url)["affiliation"]) == {"community"}


def test_a_company_run_repository_is_single(monkeypatch, tmp_path, histories, no_settings):
    url = mined(monkeypatch, tmp_path, histories, "betatool", owner="betacorp")
    report = company(["--db", url, "--format", "json"])
    assert (report["kind"], report["inferred"], report["source"]) == (
        "single",
        ["betacorp.io"],
        "inferred",
    )
    assert [o["name"] for o in report["organisations"]] == ["betacorp.io"]
    assert report["organisations"][0]["people"] == 6
    # Commits: Bea, Bob, Bo, Bix 31 each, Hana 16, Ivo 11 of 197 (Cleo 46).
    assert report["organisations"][0]["share_of_work"] == round(151 / 197, 4)
    people = by_name(url)
    assert people.loc["Bea Baker", "affiliation"] == "employee"
    assert people.loc["Ivo New", "affiliation"] == "employee"
    assert people.loc["Hana Left", "affiliation"] == "former_employee"
    assert people.loc["Cleo Free", "affiliation"] == "community"
    # Spans: first to last use of the company address.
    hana = people.loc["Hana Left"]
    assert (
        hana["employed_from"].date().isoformat(),
        hana["employed_until"].date().isoformat(),
    ) == (
        "2023-11-15",
        "2024-09-10",
    )
    assert employment_text(hana["affiliation"], hana["employed_from"], hana["employed_until"]) == (
        "former employee 2023-2024"
    )
    assert pd.isna(people.loc["Cleo Free", "employed_from"])
    # The readable table says the same.
    text = " ".join(company(["--db", url]).split())
    assert text.startswith("kind: single (company inferred (a guess): domains betacorp.io")
    assert "betacorp.io betacorp.io 6 76.6%" in re.sub(r"[│\s]+", " ", text)
    assert "employee: 5, former employee: 1, community: 1, unknown: 0" in text


def test_a_community_project_is_community(monkeypatch, tmp_path, histories, no_settings):
    root, repos = histories
    isolate(monkeypatch, root)
    repo = GitRepo.init(tmp_path / "commons", root)
    build(repo, COMMUNITY + [(Who("Jo Solo", "jo@bigco-sample.com"), 0, 720, 30)], "commons")
    url = f"sqlite:///{tmp_path / 'commons.db'}"
    mine_git(open_store(url), repo.path, name="commons/commons")
    report = company(["--db", url, "--format", "json"])
    # The university's two students and two mailboxes of one person each: no organisation.
    assert (report["kind"], report["inferred"], report["organisations"]) == ("community", [], [])


def test_choosing_mine_makes_employees_and_keeps_them_out_of_the_community(
    monkeypatch, tmp_path, histories, no_settings
):
    url = mined(monkeypatch, tmp_path, histories, "engine", "console")
    report = company(["--db", url, "--format", "json", "--mine", "betacorp.io"])
    assert (report["kind"], report["source"], report["mine"]) == ("multi", "chosen", "betacorp.io")
    assert report["company"] == {"domains": ["betacorp.io"], "orgs": []}
    assert report["inferred"] == []
    people = by_name(url)
    assert people.loc["Bob Brown", "affiliation"] == "employee"
    assert people.loc["Ivo New", "affiliation"] == "employee"
    assert people.loc["Hana Left", "affiliation"] == "former_employee"
    assert people.loc["Ada Alpha", "affiliation"] == "community"
    assert people.loc["Bob Brown", "affiliation_evidence"] == (
        "company email, used 2023-11-15 to 2025-11-04"
    )
    # The recruiter's ranking (community, former employees, unknown) has none of "mine".
    engine = open_store(url, create=False)
    ranking = rank_store(engine, Settings(), profile="recruiter")
    assert not ranking.empty
    staff = set(people.index[people["affiliation"] == "employee"])
    assert staff and not staff & set(ranking["name"])
    everyone = rank_store(engine, Settings(), affiliations=()).set_index("name")
    assert everyone.loc["Bob Brown", "employment"] == "employee 2023-2025"
    assert everyone.loc["Hana Left", "employment"] == "former employee 2023-2024"
    assert everyone.loc["Cleo Free", "employment"] == "community"

    # The choice is kept; the settings file always wins over it.
    assert load_company_choice(engine)["domains"] == ["betacorp.io"]
    (tmp_path / "talent.toml").write_text(
        '[company]\ndomains = ["alphaworks.io"]\n', encoding="utf-8"
    )
    report = company(["--db", url, "--format", "json"])
    assert (report["source"], report["company"]["domains"]) == ("settings", ["alphaworks.io"])
    assert by_name(url).loc["Ada Alpha", "affiliation"] == "employee"
    assert by_name(url).loc["Bob Brown", "affiliation"] == "community"
    (tmp_path / "talent.toml").unlink()

    # Forgetting the choice: nobody is an employee again.
    report = company(["--db", url, "--format", "json", "--forget"])
    assert (report["source"], report["mine"]) == ("none", None)
    assert report["affiliations"]["employee"] == 0


def test_the_grace_period_is_a_setting(monkeypatch, tmp_path, histories, no_settings):
    url = mined(monkeypatch, tmp_path, histories, "betatool", owner="betacorp")
    # Hana's last company commit is day 300; the data ends on day 720 (420 days later).
    (tmp_path / "talent.toml").write_text("[company]\nformer_after_days = 430\n", encoding="utf-8")
    report = company(["--db", url, "--format", "json"])
    assert report["kind"] == "single" and report["affiliations"]["former_employee"] == 0
    assert by_name(url).loc["Hana Left", "affiliation"] == "employee"
    (tmp_path / "talent.toml").write_text("[company]\nformer_after_days = 410\n", encoding="utf-8")
    company(["--db", url, "--format", "json"])
    assert by_name(url).loc["Hana Left", "affiliation"] == "former_employee"


def test_exports_carry_the_span(monkeypatch, tmp_path, histories, no_settings):
    url = mined(monkeypatch, tmp_path, histories, "betatool", owner="betacorp")
    engine = open_store(url, create=False)
    settings = Settings()
    base = build_ranking_base(engine, settings)
    ranking = score_base(base, settings.profile("recruiter"), affiliations=())
    people = load_people(engine)
    ids = dict(zip(people["name"], people["person_id"], strict=True))
    record_verdict(engine, ids["Hana Left"], "shortlisted")
    record_verdict(engine, ids["Ivo New"], "shortlisted")
    frame = shortlist_frame(ranking, pipeline_verdicts(engine), base.evidence, people=people)
    assert dict(zip(frame["name"], frame["employment"], strict=True)) == {
        "Hana Left": "former employee 2023-2024",
        "Ivo New": "employee 2025",
    }


def test_choosing_an_organisation_the_data_does_not_show(
    monkeypatch, tmp_path, histories, no_settings
):
    url = mined(monkeypatch, tmp_path, histories, "engine", "console")
    error = company(["--db", url, "--mine", "gammaco.io"], code=1)
    seen = "alphaworks.io, betacorp.io"
    assert error == f"error: --mine: no organisation 'gammaco.io' in the data (seen: {seen})\n"
    error = company(["--db", url, "--mine", "alphaworks.io", "--forget"], code=1)
    assert error == "error: give either --mine NAME or --forget, not both\n"
    # Nothing was chosen, nothing lost.
    engine = open_store(url, create=False)
    assert load_company_choice(engine) is None
    with pytest.raises(LookupError, match="no organisation 'nope'"):
        save_company_choice(engine, Settings(), "nope")
    assert infer_company(engine, Settings()).kind == "multi"


def test_a_missing_database_is_one_line(tmp_path, no_settings):
    error = company(["--db", str(tmp_path / "none.db"), "--format", "json"], code=1)
    assert error.startswith("error: database not found: ") and error.count("\n") == 1


def test_bad_format_is_one_line(tmp_path, no_settings):
    result = CliRunner().invoke(app, ["company", "--format", "xml"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "'xml' is not one of" in result.output


# --- the app: a visible notice, and "mine" chosen in the sidebar ---------------------------

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_the_app_says_several_companies_share_and_lets_me_choose_mine(
    monkeypatch, tmp_path, histories, no_settings
):
    url = mined(monkeypatch, tmp_path, histories, "engine", "console")
    monkeypatch.setenv("TALENT_DB", url)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    (notice,) = [w.value for w in at.sidebar.warning if "Several organisations" in w.value]
    assert notice.replace("\\", "").startswith(
        "Several organisations share this project: no company is picked, so nobody counts "
        "as an employee. Seen: alphaworks.io (4 people), betacorp.io (6 people)."
    )
    table = at.dataframe[0].value
    assert set(table["affiliation"]) == {"community"}
    choice = at.selectbox(key="company_mine")
    assert len(choice.options) == 3 and choice.options[2] == "(none of these)"
    assert choice.options[0].startswith("alphaworks.io (4 people, ")
    assert choice.options[1].startswith("betacorp.io (6 people, ")
    assert choice.options[1].endswith("% of the work)")
    assert choice.value is None

    at = choice.select("betacorp.io").run()
    assert not at.exception
    assert load_company_choice(open_store(url, create=False))["domains"] == ["betacorp.io"]
    assert at.selectbox(key="company_mine").value == "betacorp.io"
    said = [c.value.replace("\\", "") for c in at.sidebar.caption]
    assert "A project of several companies. Company chosen as mine: domains betacorp.io." in said
    table = at.dataframe[0].value.set_index("name")
    assert table.loc["Bob Brown", "affiliation"] == "employee"
    assert table.loc["Bob Brown", "employment"] == "employee 2023-2025"
    assert table.loc["Hana Left", "employment"] == "former employee 2023-2024"
    assert table.loc["Ada Alpha", "employment"] == "community"

    at = at.selectbox(key="company_mine").select("(none of these)").run()
    assert not at.exception
    assert load_company_choice(open_store(url, create=False)) is None
    assert set(at.dataframe[0].value["affiliation"]) == {"community"}


def test_a_long_list_of_organisations_is_cut_in_the_error():
    seen = CompanyInference(
        kind="multi",
        organisations=tuple(Organisation(f"org{i}.io", (f"org{i}.io",)) for i in range(10)),
    )
    with pytest.raises(LookupError) as error:
        choose_company(seen, "nope.io")
    assert str(error.value.args[0]) == (
        "no organisation 'nope.io' in the data (seen: org0.io, org1.io, org2.io, org3.io, "
        "org4.io, org5.io, org6.io, org7.io and 2 more: talent company lists them)"
    )
    assert choose_company(seen, "ORG9.io").domains == ("org9.io",)
