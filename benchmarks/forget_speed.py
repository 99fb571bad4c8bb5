"""What forgetting on disk costs, against the deletion it follows.

Usage: python benchmarks/forget_speed.py [--size small|medium|large] [--repeat N]

Writes the demo world of ``--size`` to an SQLite store in a temporary folder and resolves
its people, then, on ``--repeat`` fresh copies of it, each with a reader connection held
open (as the app keeps one), takes the most active person out and times, separately:
(a) the deletion alone (:func:`talent.store.purge_identities` of their identities and
:func:`talent.store.delete_person_entries`), (b) :func:`talent.store.forget_on_disk`
after it, and (c) the whole purge as the command does it
(:func:`talent.people.privacy.purge_person`: the list, the deletion, people resolved again). It
prints the best of each and the ratios. Last, the one-time cost: ``forget_on_disk`` on a
copy made as an older talent made stores (no auto-vacuum), which rebuilds it (VACUUM).
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from talent.config import Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.people.privacy import purge_person
from talent.sources.demo import generate_demo
from talent.store import (
    delete_person_entries,
    forget_on_disk,
    load_activities,
    load_identity_links,
    open_store,
    purge_identities,
)


def _copy(source: Path, target: Path, *, old_format: bool = False) -> Path:
    with sqlite3.connect(source) as one, sqlite3.connect(target) as other:
        one.backup(other)
    if old_format:  # as a talent without auto_vacuum wrote it
        other = sqlite3.connect(target, isolation_level=None)
        other.execute("PRAGMA auto_vacuum=NONE")
        other.execute("VACUUM")
        other.close()
    return target


def _most_active(engine) -> tuple[str, list[str]]:
    links = load_identity_links(engine)
    acts = load_activities(engine)
    counts = acts.merge(links, left_on="actor", right_on="identity_key")["person_id"]
    person = str(counts.value_counts().index[0])
    return person, links.loc[links["person_id"] == person, "identity_key"].tolist()


def _reader(path: Path) -> sqlite3.Connection:
    reader = sqlite3.connect(path)
    reader.execute("SELECT count(*) FROM activities").fetchone()
    return reader


def main(argv: list[str]) -> int:
    size, repeat = "medium", 3
    for flag in ("--size", "--repeat"):
        if flag in argv:
            i = argv.index(flag)
            if flag == "--size":
                size = argv[i + 1]
            else:
                repeat = int(argv[i + 1])
            argv = argv[:i] + argv[i + 2 :]
    if argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        base = root / "base.db"
        engine = open_store(f"sqlite:///{base}")
        save_demo(engine, generate_demo(7, size))
        update_people(engine, Settings())
        person, keys = _most_active(engine)
        acts = len(load_activities(engine))
        engine.dispose()
        megabytes = base.stat().st_size / 1e6

        best = {"deletion": float("inf"), "forget": float("inf"), "purge": float("inf")}
        for n in range(repeat):
            path = _copy(base, root / f"run{n}.db")
            url = f"sqlite:///{path}"
            engine, reader = open_store(url), _reader(path)
            started = time.perf_counter()
            purge_identities(engine, keys)
            delete_person_entries(engine, person)
            best["deletion"] = min(best["deletion"], time.perf_counter() - started)
            started = time.perf_counter()
            forget_on_disk(engine)
            best["forget"] = min(best["forget"], time.perf_counter() - started)
            reader.close()
            engine.dispose()

            path = _copy(base, root / f"purge{n}.db")
            engine, reader = open_store(f"sqlite:///{path}"), _reader(path)
            started = time.perf_counter()
            purge_person(engine, person, Settings())
            best["purge"] = min(best["purge"], time.perf_counter() - started)
            reader.close()
            engine.dispose()

        path = _copy(base, root / "old.db", old_format=True)
        engine, reader = open_store(f"sqlite:///{path}"), _reader(path)
        purge_identities(engine, keys)
        started = time.perf_counter()
        forget_on_disk(engine)
        once = time.perf_counter() - started
        reader.close()
        engine.dispose()

    deletion, forget, purge = best["deletion"], best["forget"], best["purge"]
    print(f"store: demo {size}, {acts} acts, {megabytes:.1f} MB; person {person} "
          f"({len(keys)} identities), best of {repeat}")  # fmt: skip
    print(f"deletion alone {deletion * 1000:.0f} ms, forget_on_disk {forget * 1000:.0f} ms, "
          f"ratio {forget / deletion:.2f}")  # fmt: skip
    print(f"whole purge (purge_person) {purge * 1000:.0f} ms: forget_on_disk adds "
          f"{forget / purge:.0%}")  # fmt: skip
    print(f"first forget_on_disk on a store made without auto_vacuum (VACUUM once): "
          f"{once * 1000:.0f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
