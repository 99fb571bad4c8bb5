"""An opt-out that holds against someone looking for the person (issue 26).

One person, Jooho Lee, is known by four addresses, a noreply-less login in the owner files,
a short-form name in a trailer and a .mailmap entry in a second repository. They are opted
out by one address; then every table, the output of every command, the people file and
the raw bytes of the database files (WAL included, with a reader connection open) are
searched for every identifier they were known by. Again after a re-mine, a ``--full``
mine and after ``kill -9`` at random moments of the opt-out.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talent.cli import app
from talent.store import load_people, open_store
from tests.gitrepos import GitRepo, Who, at

JOOHO = Who("Jooho Lee", "jlee@redhat.com")
JOOHO_NEW = Who("Jooho Lee", "jooho.lee@newco.example")  # a new address, same name
JOOHO_MAPPED = Who("JL", "jl@ibm.example")  # the second repository's .mailmap maps it
ADA = Who("Ada Other", "ada@other.example")
BO = Who("Bo Third", "bo@third.example")
CY = Who("Cy Fourth", "cy@fourth.example")

# Everything the person was known by, searched for case-folded.
IDENTIFIERS = [
    "jlee@redhat.com",
    "jooho.lee@newco.example",
    "jl@ibm.example",
    "jooho.l@gmail.example",
    "Jooho Lee",
    "Jooho L",
    "jooho",
]


def _repos(tmp_path: Path) -> tuple[GitRepo, GitRepo]:
    alpha = GitRepo.init(tmp_path / "alpha")
    day = 0
    for i in range(6):
        for who in (JOOHO, ADA, BO, CY):
            day += 1
            alpha.commit(
                f"{who.name.split()[0]} change {i}",
                author=who,
                when=at(day),
                files={f"src/{who.email.split('@')[0]}_{i}.py": f"x = {i}\n"},
            )
    alpha.commit(
        "Fix the loader\n\nReviewed-by: Jooho L <jooho.l@gmail.example>\n"
        "Signed-off-by: Bo Third <bo@third.example>\n",
        author=BO,
        when=at(day + 1),
        files={"src/loader.py": "y = 1\n"},
    )
    alpha.commit(
        "Add Jooho to approvers (thanks, Jooho Lee)",  # others' words name them too
        author=ADA,
        when=at(day + 2),
        files={
            "OWNERS": "approvers:\n- jooho\n- ada-other\nreviewers:\n- bo-third\n",
            "MAINTAINERS.md": (
                "# Maintainers\n\n| Name | GitHub |\n|---|---|\n"
                "| Jooho Lee | [jooho](https://github.com/jooho) |\n"
                "| Ada Other | ada-other |\n"
            ),
        },
    )
    alpha.commit("New address", author=JOOHO_NEW, when=at(day + 3), files={"src/n.py": "n\n"})
    beta = GitRepo.init(tmp_path / "beta")
    beta.commit(
        "Start",
        author=ADA,
        when=at(1),
        files={".mailmap": "Jooho Lee <jlee@redhat.com> <jl@ibm.example>\n", "a.py": "a\n"},
    )
    for i in range(4):
        beta.commit(f"Work {i}", author=JOOHO_MAPPED, when=at(2 + i), files={f"b{i}.py": "b\n"})
        beta.commit(f"More {i}", author=CY, when=at(2 + i, 1), files={f"c{i}.py": "c\n"})
    return alpha, beta


@pytest.fixture()
def world(tmp_path, monkeypatch):
    alpha, beta = _repos(tmp_path)
    db = tmp_path / "talent.db"
    people_file = tmp_path / "people.toml"
    config = tmp_path / "talent.toml"
    config.write_text(f'[people]\nfile = "{people_file}"\n', encoding="utf-8")
    monkeypatch.setenv("TALENT_CONFIG", str(config))
    monkeypatch.setenv("TALENT_DB", str(db))
    return {"tmp": tmp_path, "alpha": alpha, "beta": beta, "db": db, "people": people_file}


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output)
    return result.output


def _mine(world, *extra: str) -> None:
    _cli("mine", "git", str(world["alpha"].path), "--name", "acme/alpha", *extra)
    _cli("mine", "git", str(world["beta"].path), "--name", "acme/beta", *extra)


def _their_ids(db: Path) -> set[str]:
    people = load_people(open_store(f"sqlite:///{db}"))
    return set(people.loc[people["name"].str.contains("Jooho", na=False), "person_id"])


def _set_up_pipeline(world) -> set[str]:
    """Mine, then put the person in every pipeline table; returns their person ids."""
    _mine(world)
    ids = _their_ids(world["db"])
    assert ids, "the person is stored before the opt-out"
    who = sorted(ids)[0]
    people = load_people(open_store(f"sqlite:///{world['db']}"))
    ada = people.loc[people["name"] == "Ada Other", "person_id"].iloc[0]
    _cli("shortlist", "add", "Core", who, ada)
    _cli("shortlist", "note", "Core", who, "wrote to jlee@redhat.com about the loader")
    _cli("feedback", "shortlist", who)
    _cli("search", "save", "everyone", "--top", "100")
    _cli("digest", "--search", "everyone")
    ats = world["tmp"] / "ats.csv"
    ats.write_text("email\njlee@redhat.com\n", encoding="utf-8")
    _cli("ats", "import", str(ats))
    # Who saw them: a draft to them alone, and an export of them with Ada (the access log).
    _cli("outreach", "jlee@redhat.com")
    _cli("shortlist", "export", "Core", "-f", "json")
    assert who in _cli("access", "log", "--person", "jlee@redhat.com", "-f", "json")
    _cli("people", "merge", "email:jlee@redhat.com", "email:jooho.lee@newco.example")
    assert "jlee@redhat.com" in world["people"].read_text(encoding="utf-8")
    return ids


COMMANDS = (
    ("rank", "--top", "0"),
    ("rank", "--top", "0", "-f", "json", "--with-identities", "--include-bots"),
    ("rank", "--top", "0", "--profile", "recruiter", "--explain", "-f", "json"),
    ("maintainers",),
    ("maintainers", "--section", "next"),
    ("feedback", "list"),
    ("people", "suggestions"),
    ("privacy", "list"),
    ("shortlist", "show", "Core", "--history"),
    ("shortlist", "export", "Core", "-f", "json"),
    ("digest", "--search", "everyone", "-f", "json"),
    ("access", "log", "-f", "json"),
)


def _hits(world, ids: set[str], commands=COMMANDS) -> list[str]:
    """Every place an identifier of the person (or a person id they had) is found."""
    needles = [n.casefold() for n in IDENTIFIERS] + [i.casefold() for i in ids]
    found = []
    for args in commands:
        out = CliRunner().invoke(app, list(args))
        assert out.exit_code == 0, (args, out.output)
        found += [f"{' '.join(args)}: {n}" for n in needles if n in out.output.casefold()]
    dump = "\n".join(sqlite3.connect(world["db"]).iterdump()).casefold()
    found += [f"table dump: {n}" for n in needles if n in dump]
    if world["people"].exists():
        text = world["people"].read_text(encoding="utf-8").casefold()
        found += [f"people file: {n}" for n in needles if n in text]
    for path in world["db"].parent.glob(world["db"].name + "*"):
        raw = path.read_bytes().lower()
        found += [f"{path.name} bytes: {n}" for n in needles if n.encode() in raw]
    return found


def test_an_opted_out_person_is_found_nowhere(world):
    ids = _set_up_pipeline(world)
    assert _hits(world, set())  # the search finds them before: it can fail
    # The app holds a connection open while the opt-out runs, as a reader would.
    reader = sqlite3.connect(world["db"])
    assert reader.execute("SELECT count(*) FROM activities").fetchall()[0][0] > 0
    said = _cli("privacy", "optout", "jlee@redhat.com")
    assert "entries added to the opt-out list" in said
    assert _hits(world, ids) == []
    reader.close()

    _mine(world)  # a re-mine: incremental
    assert _hits(world, ids) == []
    _mine(world, "--full")
    assert _hits(world, ids) == []


@pytest.mark.parametrize(
    ("who", "says"),
    [
        ("Jooho Lee", "entries added"),  # a full name
        ("https://github.com/jooho", "entries added"),  # a profile URL (owner-file login)
        ("jooho", "entries added"),  # git-only data: the login the owner files name
    ],
)
def test_a_person_is_opted_out_by_any_name_they_are_known_by(world, who, says):
    ids = _set_up_pipeline(world)
    assert says in _cli("privacy", "optout", who)
    assert _their_ids(world["db"]) == set()
    assert _hits(world, ids) == []


def test_nobody_or_several_matching_is_one_line_and_changes_nothing(world):
    _mine(world)
    for who in ("Nobody Anywhere", "https://github.com/nobody-anywhere"):
        result = CliRunner().invoke(app, ["privacy", "optout", who])
        assert result.exit_code == 1 and "nobody matches" in result.output
        assert "Traceback" not in result.output
    assert _their_ids(world["db"])  # still there
    assert "nobody is on the opt-out list" in _cli("privacy", "list")


def _talent(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "talent", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _restore(world, prepared: Path) -> None:
    for path in world["db"].parent.glob(world["db"].name + "*"):
        path.unlink()
    for path in prepared.glob("talent.db*"):
        shutil.copy(path, world["db"].parent / path.name)
    shutil.copy(prepared / "people.toml", world["people"])


def _run_until(world, env: dict, commits: int | None, delay: float) -> int:
    """Run the opt-out, killing it ``delay`` seconds after its ``commits``-th commit to
    the store (a reader's ``PRAGMA data_version`` sees each); None: let it finish.
    Returns the commits seen."""
    reader = sqlite3.connect(world["db"], isolation_level=None)
    seen, version = 0, reader.execute("PRAGMA data_version").fetchone()[0]
    proc = subprocess.Popen(
        [sys.executable, "-m", "talent", "privacy", "optout", "jlee@redhat.com"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while proc.poll() is None:
        now = reader.execute("PRAGMA data_version").fetchone()[0]
        if now != version:
            seen, version = seen + 1, now
            if commits is not None and seen >= commits:
                time.sleep(delay)
                proc.send_signal(signal.SIGKILL)
                break
        time.sleep(0.0005)
    proc.wait()
    reader.close()
    return seen


def test_a_killed_opt_out_is_finished_at_the_next_start(world, tmp_path):
    """20 kills, each at a random moment after one of the opt-out's commits to the store
    (cycling through them, as benchmarks/recovery.py does), then the next start."""
    ids = _set_up_pipeline(world)
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    for path in world["db"].parent.glob(world["db"].name + "*"):
        shutil.copy(path, prepared / path.name)
    shutil.copy(world["people"], prepared / "people.toml")
    env = {**os.environ}
    commits = _run_until(world, env, None, 0)  # a clean run: how many commits it makes
    assert commits >= 3
    rng = random.Random(26)
    finished = 0
    for trial in range(20):
        _restore(world, prepared)
        _run_until(world, env, trial % commits + 1, rng.uniform(0, 0.02))
        # The next start of any command finishes what the kill left.
        listed = _talent(env, "privacy", "list")
        assert listed.returncode == 0, listed.stderr
        if "nobody is on the opt-out list" in listed.stdout:
            # Killed before the list entries were written: all or nothing, nobody deleted.
            assert _their_ids(world["db"]), "deleted without being listed"
            continue
        finished += 1
        assert _hits(world, ids, commands=COMMANDS[:1]) == [], trial
    assert finished >= 15  # every commit after the list's entries was cut
