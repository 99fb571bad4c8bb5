"""benchmarks/recovery.py, small: miners killed at random moments resume to exactly the
rows of a clean run, so does a killed shortlist move run again, a killed opt-out or purge
is complete or undone at the next start, and the comparison it makes does see a lost, an
extra and a changed row."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from talent.model import Identity, IdentitySource
from talent.store import dump_tables, save_identities

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "recovery.py"


def _recovery():
    spec = importlib.util.spec_from_file_location("recovery", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_comparison_sees_lost_extra_and_changed_rows(store):
    a = Identity(IdentitySource.GIT, name="Ada", email="ada@example.org")
    b = Identity(IdentitySource.GIT, name="Bo", email="bo@example.org")
    save_identities(store, [a, b])
    clean = dump_tables(store)
    compare = _recovery().compare
    assert compare(clean, dump_tables(store))["lost"] == 0
    got = {table: dict(rows) for table, rows in clean.items()}
    (key_a, key_b) = sorted(got["identities"])
    del got["identities"][key_a]
    got["identities"][("git:someone-else",)] = got["identities"][key_b]
    got["identities"][key_b] = ("changed",)
    found = compare(clean, got)
    assert (found["lost"], found["duplicated"], found["differing"]) == (1, 1, 1)
    assert found["tables"] == ["identities"]


def _benchmark(*args: str) -> tuple[dict, str]:
    """Run the benchmark with ``args`` and --json: its rows, and what it said per trial."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_killed_miners_resume_to_the_rows_of_a_clean_run():
    result, said = _benchmark(
        "--trials", "2", "--commits", "1500", "--only", "git", "--only", "github", "--only", "hf"
    )
    assert set(result) == {"git", "github", "hf"}
    for miner in result.values():
        assert miner["trials"] == 2
        assert (miner["lost"], miner["duplicated"], miner["differing"]) == (0, 0, 0), said
    assert said.count("trial") >= 6  # one line per kill


@pytest.fixture(scope="module")
def commands():
    """Three kills of each command: the first before its first commit, the next two just
    after its first and its second commit (where an opt-out written in steps is torn)."""
    return _benchmark("--trials", "3", "--only", "optout", "--only", "purge", "--only", "shortlist")


def test_a_killed_shortlist_move_run_again_equals_a_clean_run(commands):
    result, said = commands
    row = result["shortlist"]
    assert row["trials"] == 3 and row["commits"] >= 1
    assert (row["lost"], row["duplicated"], row["differing"]) == (0, 0, 0), said
    assert said.count("shortlist trial") == 3


@pytest.mark.parametrize("command", ["optout", "purge"])
def test_a_killed_optout_is_complete_or_undone_at_the_next_start(commands, command):
    result, said = commands
    row = result[command]
    assert row["trials"] == 3 and row["commits"] >= 2
    assert row["still_ranked"] == 0, said
    assert (row["lost"], row["duplicated"], row["differing"]) == (0, 0, 0), said
