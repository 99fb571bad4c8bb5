"""Security checks: tokens never leave the process that holds them, and every string a
user can type reaches SQL only as a bound parameter.

Hostile strings in the real browser are in ``test_e2e.py``
(``test_hostile_strings_render_as_text``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_github import FakeGitHub, World
from fake_hf import FakeHub, HubWorld
from fake_hf.world import SIZES as HUB_SIZES
from typer.testing import CliRunner

from talent.cli import app
from talent.store import DEFAULT_SHORTLIST, count_rows, dump_tables, load_people, open_store
from talent.views.pipeline import pipeline_verdicts

GH_TOKEN = "ghp_" + "Zq8SecretGitHubToken" * 2
HF_TOKEN = "hf_" + "Zq8SecretHubToken" * 2
ORG = "acme-ai"


def _talent(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "talent.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _files_holding(folder: Path, secret: str) -> list[str]:
    """Every file under ``folder`` (databases, their write-ahead logs, logs) with the
    secret in it, as bytes."""
    needle = secret.encode()
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_the_github_token_is_in_no_output_log_database_or_error(tmp_path):
    world = World.generate(seed=2, users=14, issues=30, pulls=20, issue_comments=60,
                           review_comments=20, reviews=20, commits=20)  # fmt: skip
    with FakeGitHub(world, token=GH_TOKEN) as server:
        # Failures on the way: a server error retried, and one that ends a repository.
        server.faults.add("GET", "/issues/comments", 502, times=1)
        server.faults.add("GET", "/pulls/comments", 500, times=10)
        db = tmp_path / "gh.db"
        args = ["mine", "github", ORG, "--db", str(db), "--base-url", server.base_url]
        env = {"GITHUB_TOKEN": GH_TOKEN, "TALENT_DEBUG": "1"}
        runs = [_talent(args, env)]
        assert count_rows(open_store(f"sqlite:///{db}"), "activities") > 0, runs[0].stderr
        # A token the server refuses: the error says so without repeating it.
        runs.append(_talent(args, {**env, "GITHUB_TOKEN": GH_TOKEN[:-1] + "X"}))
        assert runs[-1].returncode != 0 and "token" in runs[-1].stderr.lower()
        logged = "\n".join(repr(entry) for entry in server.log.select())
    for run in runs:
        for secret in (GH_TOKEN, GH_TOKEN[:-1] + "X", GH_TOKEN[4:24]):
            assert secret not in run.stdout + run.stderr
    assert _files_holding(tmp_path, GH_TOKEN[4:24]) == []
    assert GH_TOKEN not in logged


def test_the_hub_token_is_in_no_output_log_database_or_error(tmp_path):
    world = HubWorld.generate(seed=3, **HUB_SIZES["small"])
    with FakeHub(world, tokens={HF_TOKEN: {}}) as hub:
        hub.faults.add("/discussions$", 500, times=1)
        db = tmp_path / "hub.db"
        args = ["mine", "hf", ORG, "--endpoint", hub.base_url, "--db", str(db)]
        env = {"HF_TOKEN": HF_TOKEN, "TALENT_DEBUG": "1"}
        runs = [_talent(args, env)]
        assert count_rows(open_store(f"sqlite:///{db}"), "activities") > 0, runs[0].stderr
        runs.append(_talent(args, {**env, "HF_TOKEN": HF_TOKEN[:-1] + "X"}))
        assert runs[-1].returncode != 0 and "HF_TOKEN" in runs[-1].stderr
        logged = "\n".join(repr(entry) for entry in hub.log)
    for run in runs:
        for secret in (HF_TOKEN, HF_TOKEN[:-1] + "X", HF_TOKEN[3:23]):
            assert secret not in run.stdout + run.stderr
    assert _files_holding(tmp_path, HF_TOKEN[3:23]) == []
    assert HF_TOKEN not in logged


def test_a_token_is_not_in_the_exception_or_the_log_records(tmp_path, caplog):
    from talent.sources.github import GitHubClient

    world = World.generate(seed=2, users=14, issues=5, pulls=5, issue_comments=5,
                           review_comments=5, reviews=5, commits=5)  # fmt: skip
    caplog.set_level(logging.DEBUG)
    with FakeGitHub(world, token="another") as server:
        client = GitHubClient(GH_TOKEN, server.base_url, throttle=False, sleep=lambda _s: None)
        with pytest.raises(Exception) as raised:
            client.request(f"/orgs/{ORG}/repos")
        client.close()
    seen = [repr(raised.value), str(raised.value), *(r.getMessage() for r in caplog.records)]
    chained = raised.value.__cause__ or raised.value.__context__
    seen += [repr(chained), str(chained)]
    assert not [text for text in seen if GH_TOKEN[4:24] in text]


# --- SQL: every string option, quotes and statements in it -----------------------------

HOSTILE = [
    "x'; DROP TABLE activities; --",
    'Robert"); DELETE FROM people WHERE ("1"="1',
    "' OR '1'='1",
    "%_\\",
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('sql') / 'demo.db'}"
    result = CliRunner().invoke(app, ["demo", "--db", url, "--size", "small"])
    assert result.exit_code == 0, result.output
    return url


def _commands(value: str) -> list[list[str]]:
    """Every command and option that takes free text, with ``value`` in it."""
    return [
        ["rank", "--repo", value],
        ["rank", "--skill", value],
        ["rank", "--profile", value],
        ["rank", "--affiliation", value],
        ["rank", "--since", value],
        ["people", "show", value],
        ["people", "audit", value],
        ["people", "merge", value, value + "2"],
        ["people", "split", value],
        ["feedback", "shortlist", value, "--note", value],
        ["feedback", "reject", value],
        ["feedback", "clear", value],
        ["maintainers", "--repo", value],
        ["privacy", "optout", value],
        ["privacy", "remove", value],
        ["privacy", "purge", value],
        ["evaluate", "--truth", value],
        ["shortlist", "add", value, value, "--tag", value],
        ["shortlist", "move", value, value, "new"],
        ["shortlist", "tag", value, value, value],
        ["shortlist", "note", value, value, value],
        ["shortlist", "show", value],
        ["shortlist", "export", value],
        ["mine", "git", value, "--name", value],
        ["mine", "github", value],
        ["mine", "hf", value],
    ]


def test_quotes_and_sql_in_every_string_option_leave_the_store_intact(
    demo_db, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a people file written by merge lands here
    engine = open_store(demo_db)
    before = dump_tables(engine)
    people = load_people(engine)
    real = people["person_id"].iloc[0]
    runner = CliRunner()
    env = {"GITHUB_TOKEN": "", "HF_TOKEN": "", "TALENT_CONFIG": ""}
    for value in HOSTILE:
        for command in _commands(value):
            result = runner.invoke(app, [*command, "--db", demo_db], env=env)
            assert "Traceback" not in result.output, (command, result.output)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                command,
                repr(result.exception),
            )
    # One write that succeeds with a hostile note: stored as written, nothing else moved.
    note = HOSTILE[0]
    result = runner.invoke(app, ["feedback", "shortlist", real, "--note", note, "--db", demo_db])
    assert result.exit_code == 0, result.output
    stored = pipeline_verdicts(engine)
    assert stored["note"].tolist() == [note]
    after = dump_tables(engine)
    added = set(after["shortlist_entries"]) - set(before["shortlist_entries"])
    assert added == {(DEFAULT_SHORTLIST, stored["person_id"].item())}
    for table in ("shortlists", "shortlist_entries", "shortlist_events"):  # the verdict's rows
        after[table] = before[table]
    # The opt-out of a string that names nobody still records its salted hash: drop those.
    after["suppressions"] = before["suppressions"]
    for table in before:
        assert after[table] == before[table], table
    engine.dispose()
