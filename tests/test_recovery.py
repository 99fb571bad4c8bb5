"""benchmarks/recovery.py, small: miners killed at random moments resume to exactly the
rows of a clean run, and the comparison it makes does see a lost, an extra and a changed
row."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

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


def test_killed_miners_resume_to_the_rows_of_a_clean_run():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--trials", "2", "--commits", "1500", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result) == {"git", "github"}
    for miner in result.values():
        assert miner["trials"] == 2
        assert (miner["lost"], miner["duplicated"], miner["differing"]) == (0, 0, 0), done.stderr
    assert done.stderr.count("trial") >= 4  # one line per kill
