"""The ``talent`` command through typer's CliRunner, and once as a real process.

typer's CliRunner keeps stdout and stderr apart (``result.stdout``, ``result.stderr``)
and also gives both interleaved (``result.output``); assertions say which one they mean.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from talent.cli import app
from talent.store import count_rows, open_store

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")
KEYS = {"rank", "person_id", "login", "name", "score", "is_bot", "affiliation"}


@pytest.fixture(scope="module")
def runner():
    return CliRunner()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db(request, tmp_path_factory, runner):
    """The URL of a database written by ``talent demo --size small`` (SQLite, PostgreSQL)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_server").new_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.db'}"
    result = runner.invoke(app, ["demo", "--db", url, "--size", "small"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # progress and the summary go to stderr
    message = " ".join(result.stderr.split())  # rich wraps lines at 80 columns
    assert message.startswith(f"Demo world written to {url}: 13 repositories, ")
    engine = open_store(url, create=False)
    assert count_rows(engine, "activities") > 10_000
    assert count_rows(engine, "people") > 100
    engine.dispose()
    return url


def _rank(runner, db, *args):
    result = runner.invoke(app, ["rank", "--db", db, *args])
    assert result.exit_code == 0, result.output
    return result


def _json(runner, db, *args) -> list[dict]:
    result = _rank(runner, db, "--format", "json", *args)
    assert result.stderr == ""
    return json.loads(result.stdout)


def _assert_one_line_error(result, *, contains: str = "") -> str:
    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert result.stderr.strip() == lines[0]
    assert contains in lines[0]
    return lines[0]


def test_demo_twice_is_safe(tmp_path, runner):
    path = str(tmp_path / "twice.db")
    counts = []
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--db", path, "--size", "small", "--seed", "3"])
        assert result.exit_code == 0, result.output
        engine = open_store(f"sqlite:///{path}", create=False)
        counts.append({t: count_rows(engine, t) for t in ("activities", "identities", "people")})
        engine.dispose()
    assert counts[0] == counts[1]
    assert counts[0]["activities"] > 10_000


def test_rank_json_top_10(runner, db):
    result = _rank(runner, db, "--top", "10", "--format", "json")
    rows = json.loads(result.stdout)
    assert len(rows) == 10
    assert [r["rank"] for r in rows] == list(range(1, 11))
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for row in rows:
        assert KEYS <= set(row)
        assert row["is_bot"] is False
        assert row["affiliation"] in {"employee", "former_employee", "community", "unknown"}
        assert 0 < row["score"] <= 1
        assert row["score"] == pytest.approx(
            sum(v for k, v in row.items() if k.startswith("contrib_")), abs=6e-6
        )
    assert EMAIL.search(result.output) is None


def test_no_email_anywhere_without_the_flag(runner, db):
    for fmt in ("json", "csv", "table"):
        result = _rank(runner, db, "--top", "0", "--format", fmt)
        assert EMAIL.search(result.output) is None, fmt
    # The hostile name '@SUM(A1:A9)' is not an email (the pattern is not too broad).
    assert EMAIL.search('"name": "@SUM(A1:A9)"') is None
    assert EMAIL.search("ada@example.org") is not None


def test_rank_json_with_identities(runner, db):
    rows = _json(runner, db, "--top", "10", "--with-identities")
    assert len(rows) == 10
    emails = []
    for row in rows:
        assert isinstance(row["identities"], list) and row["identities"]
        for ident in row["identities"]:
            assert {"name", "email", "login"} <= set(ident)
            assert ident["source"] in {"git", "github"}
            if ident["email"]:
                emails.append(ident["email"])
    assert emails
    assert all(EMAIL.fullmatch(e) for e in emails)
    # Each person's own account is among their identities.
    for row in rows:
        if row["login"]:
            logins = {i["login"] for i in row["identities"]}
            assert row["login"] in logins


def test_rank_csv_is_neutralised(runner, db):
    result = _rank(runner, db, "--top", "0", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["rank", "person_id", "login", "name", "score"]
    assert len(body) > 100
    name_col = header.index("name")
    numeric = {header.index(c) for c in ("score", "contrib_activity", "contrib_pagerank")}
    for row in body:
        assert len(row) == len(header)
        for i, cell in enumerate(row):
            if i in numeric:
                float(cell)  # numbers stay numbers
            else:
                assert not cell.startswith(DANGEROUS), cell
    neutralised = [row[name_col] for row in body if row[name_col].startswith("'")]
    # The demo's hostile names are there, neutralised.
    assert any(n.startswith(("'=", "'+", "'-", "'@")) for n in neutralised)
    assert [int(r[0]) for r in body] == list(range(1, len(body) + 1))


def test_rank_table_shows_the_top_person(runner, db):
    top = _json(runner, db, "--top", "1")[0]
    result = _rank(runner, db, "--top", "5")
    assert result.stdout.startswith("Top 5 contributors")
    assert top["name"] in result.stdout
    assert top["login"] in result.stdout
    assert f"{top['score']:.3f}" in result.stdout
    assert "score = the sum of the contributions" in result.stdout
    assert "(profile: maintainer)" in result.stdout


def test_rank_table_shows_no_nan_logins(runner, db):
    result = _rank(runner, db, "--top", "0")
    assert re.search(r"│\s*nan\s*│", result.stdout) is None


def test_rank_since_and_repo(runner, db):
    rows = _json(runner, db, "--top", "0", "--since", "2026-01-01")
    assert rows
    assert all(r["first_active"] >= "2026-01-01T00:00:00Z" for r in rows)
    rows = _json(runner, db, "--top", "0", "--repo", "acme-ai/tokenizers")
    assert rows
    assert {r["top_repos"] for r in rows} == {"acme-ai/tokenizers"}


def test_rank_include_bots(runner, db):
    rows = _json(runner, db, "--top", "0", "--include-bots")
    bots = {r["login"] for r in rows if r["is_bot"]}
    assert {"dependabot[bot]", "codecov-commenter"} <= bots


def test_missing_database(tmp_path, runner):
    missing = tmp_path / "missing.db"
    line = _assert_one_line_error(
        runner.invoke(app, ["rank", "--db", str(missing)]), contains="database not found"
    )
    assert str(missing) in line
    assert not missing.exists()
    assert runner.invoke(app, ["rank", "--db", str(missing)]).exit_code == 1


@pytest.mark.parametrize(
    ("args", "contains"),
    [
        (["--format", "xml"], "'xml' is not one of"),
        (["--since", "notadate"], "--since: 'notadate' is not a date"),
        (["--top", "-1"], "--top"),
        (["--bogus"], "--bogus"),
    ],
)
def test_bad_rank_options(runner, db, args, contains):
    _assert_one_line_error(runner.invoke(app, ["rank", "--db", db, *args]), contains=contains)


def test_demo_unknown_size(tmp_path, runner):
    path = tmp_path / "huge.db"
    result = runner.invoke(app, ["demo", "--db", str(path), "--size", "huge"])
    _assert_one_line_error(result, contains="unknown size 'huge'")
    assert result.exit_code == 1
    assert not path.exists()


def test_empty_database(tmp_path, runner):
    path = tmp_path / "empty.db"
    open_store(f"sqlite:///{path}").dispose()
    result = runner.invoke(app, ["rank", "--db", str(path)])
    _assert_one_line_error(result, contains="holds no activity")
    assert result.exit_code == 1


def test_unknown_command(runner):
    _assert_one_line_error(runner.invoke(app, ["frobnicate"]), contains="frobnicate")


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        ([], ["demo", "rank", "app"]),
        (["demo"], ["--db", "--seed", "--size", "small"]),
        (["rank"], ["--db", "--top", "--format", "--since", "--repo", "--with-identities"]),
        (["app"], ["--db", "--port", "--address", "--headless"]),
    ],
)
def test_help(runner, args, mentions):
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.stdout
    for word in mentions:
        assert word in result.stdout, word


def test_no_arguments_shows_help(runner):
    result = runner.invoke(app, [])
    assert "Usage:" in result.stdout
    for command in ("demo", "rank", "app"):
        assert command in result.stdout
    assert "Traceback" not in result.output


def test_no_arguments_prints_no_empty_error_line(runner):
    result = runner.invoke(app, [])
    assert [line for line in result.stderr.splitlines() if line.strip() == "error:"] == []


def test_db_help_mentions_the_environment_variable(runner):
    result = runner.invoke(app, ["rank", "--help"])
    assert "TALENT_DB" in result.stdout


def test_real_process_missing_database(tmp_path):
    missing = tmp_path / "missing.db"
    env = {k: v for k, v in os.environ.items() if k != "TALENT_DEBUG"}
    proc = subprocess.run(
        [sys.executable, "-m", "talent.cli", "rank", "--db", str(missing)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: database not found: ")
    assert str(missing) in lines[0]
    assert "Traceback" not in proc.stderr


def test_unknown_repo_is_an_error_not_an_empty_ranking(runner, db):
    result = runner.invoke(app, ["rank", "--db", db, "--repo", "acme-ai/nope"])
    line = _assert_one_line_error(result, contains="--repo: no repository 'acme-ai/nope'")
    assert result.exit_code == 1
    assert "known: acme-ai/" in line
    # A different case is offered as the likely name.
    result = runner.invoke(app, ["rank", "--db", db, "--repo", "ACME-AI/ACME-SERVE"])
    _assert_one_line_error(result, contains="did you mean acme-ai/acme-serve?")


def test_failed_first_mine_makes_no_database(tmp_path, runner):
    path = tmp_path / "new.db"
    result = runner.invoke(app, ["mine", "git", str(tmp_path / "not-a-repo"), "--db", str(path)])
    assert result.exit_code == 1
    assert "error:" in result.stderr
    assert not path.exists()


def test_help_shows_no_bool_metavars(runner):
    for command in (["rank"], ["mine", "git"], ["app"], ["people", "show"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "<bool>" not in result.stdout, command
    assert "--repo OWNER/REPO" in runner.invoke(app, ["rank", "--help"]).stdout


@pytest.mark.parametrize(
    "command", [["demo"], ["mine", "git"], ["mine", "github"], ["evaluate"], ["rank"], ["app"]]
)
def test_every_command_takes_config(runner, command):
    assert "--config" in runner.invoke(app, [*command, "--help"]).stdout


def test_skill_search_shows_the_match_and_the_words(runner, db):
    rows = _json(runner, db, "--skill", "cuda kernels", "--top", "0")
    assert rows and all(r["skill_match"] > 0 for r in rows)
    assert [r["skill_match"] for r in rows] == sorted(
        (r["skill_match"] for r in rows), reverse=True
    )
    assert all(set(r["skill_terms"].split(", ")) <= {"cuda", "kernels"} for r in rows)
    table = _rank(runner, db, "--skill", "cuda kernels", "--top", "3").stdout
    assert "skill match" in table
    assert f"{rows[0]['skill_match']:.2f} (" in table


def test_database_and_disk_failures_say_what_to_do(tmp_path):
    """Real failures of a real SQLite file, through SQLAlchemy, as the commands meet them."""
    import errno

    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from talent.cli import storage_problem

    path = tmp_path / "ro.db"
    with create_engine(f"sqlite:///{path}").begin() as conn:
        conn.execute(text("CREATE TABLE t (a INTEGER)"))
    readonly = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as failed, readonly.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    message = storage_problem(failed.value)
    assert message.startswith("the database is read-only: give a writable --db")
    assert "nothing stored was changed" in message
    full = storage_problem(OSError(errno.ENOSPC, "No space left on device"))
    assert full.startswith("the disk is full: free some space")
    assert storage_problem(ValueError("something else")) is None


@pytest.mark.parametrize(
    ("command", "option"),
    [(["mine", "github", "acme"], "--base-url"), (["mine", "hf", "acme"], "--endpoint")],
)
def test_a_bad_service_url_is_one_line(runner, tmp_path, command, option, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "x")
    db = tmp_path / "url.db"
    result = runner.invoke(app, [*command, option, "htp:/bad", "--db", str(db)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{option} must be an http(s) URL" in result.output and not db.exists()


def test_terminal_output_carries_no_control_characters(tmp_path, runner):
    """A name or title with terminal escapes (clear screen, recolour) prints without them."""
    from datetime import UTC, datetime

    from talent.config import Settings
    from talent.model import Activity, ActivityKind, Identity, IdentitySource, Origin, Repo
    from talent.people.identity import update_people
    from talent.store import save_activities, save_identities, save_repos

    db = tmp_path / "escapes.db"
    engine = open_store(f"sqlite:///{db}")
    evil = Identity(IdentitySource.GIT, name="Eve\x1b[2J\x1b[31mRed\x07", email="eve@x.org")
    save_repos(engine, [Repo("acme/r", Origin.GIT, "", "", "main")])
    save_identities(engine, [evil])
    when = datetime(2026, 1, 5, tzinfo=UTC)
    save_activities(
        engine,
        [
            Activity(
                f"c{i}",
                "acme/r",
                ActivityKind.COMMIT,
                evil.key,
                when,
                item=f"s{i}",
                title="Fix \x1b]0;pwned\x07 title",
            )
            for i in range(3)
        ],  # fmt: skip
    )
    update_people(engine, Settings())
    for args in (["rank"], ["rank", "--explain"], ["people", "show", "eve@x.org"]):
        result = runner.invoke(app, [*args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert "Eve" in result.output
        assert not any(ch in result.output for ch in "\x1b\x07"), args


def _echoing_app(cls):
    """A command of text, paths and flags that prints what it was given."""
    built = typer.Typer(cls=cls, add_completion=False, pretty_exceptions_enable=False)

    @built.command("show")
    def show(
        paths: Annotated[list[Path], typer.Argument()],
        name: Annotated[str | None, typer.Option()] = None,
        rev: Annotated[str, typer.Option()] = "HEAD",
        existing: Annotated[Path | None, typer.Option(exists=True, dir_okay=False)] = None,
        full: Annotated[bool, typer.Option("--full")] = False,
    ) -> None:
        typer.echo(repr((paths, name, rev, existing, full)))

    @built.command("other")
    def other() -> None:
        pass

    return built


@pytest.mark.parametrize(
    "args",
    [
        ["show", "a", "b/c", "--name", "acme/x", "--full"],
        ["show", ".", "--rev", "v1.0", "--existing", "pyproject.toml"],
        ["show", "--", "-odd", ""],
        ["show", ".", "--existing", "no-such-file"],
        ["show", ".", "--existing", "tests"],
        ["show"],
    ],
)
def test_values_checked_without_pydantic_are_typers_own(args, monkeypatch):
    """The CLI's plain coercion of text, paths and flags (talent.cli.common) gives what
    typer's own gives: the same values, the same usage errors."""
    import talent.cli.common as common

    ours = CliRunner().invoke(_echoing_app(common._OneLineErrors), args)
    monkeypatch.setattr(common, "_coerce_plainly", lambda command, ctx: None)
    typers = CliRunner().invoke(_echoing_app(common._OneLineErrors), args)
    assert (ours.exit_code, ours.stdout, ours.stderr) == (
        typers.exit_code,
        typers.stdout,
        typers.stderr,
    )
