"""How much faster is a large save bound in C by a child process (talent.store.bulk) than
bound here by Python's sqlite3 module?

Usage: python benchmarks/bulk_save.py [--people 100000] [--rounds 2] [--json]

Generates the activities of ``benchmarks/scale.py``'s synthetic world of ``--people``
people once (about 20 activities each, as a miner hands over pages: frames of a million
rows), then saves them into fresh SQLite stores under $TMPDIR, alternately through this
process's driver and through the child, ``--rounds`` times each. Prints each save's
seconds and the ratio of the medians (child / here), and checks that both stores hold
the same rows (a hash of every stored value in key order). With --json the last line is
an object with ``here_s``, ``child_s``, ``ratio`` and ``same``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time


def _digest(engine) -> str:
    """A hash of every stored activity, in key order, as SQLite holds it."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        result = conn.exec_driver_sql("SELECT * FROM activities ORDER BY key")
        while rows := result.fetchmany(100_000):
            digest.update(repr([tuple(r) for r in rows]).encode())
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from scale import generate

    import talent.store.bulk as bulk
    from talent.store import _save_frames_here, metadata, open_store, save_frames, sqlite_file

    frames = list(generate(args.people, git=True))
    rows = sum(map(len, frames))
    table = metadata.tables["activities"]
    seconds: dict[str, list[float]] = {"here": [], "child": []}
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _round in range(args.rounds):
            for route in ("here", "child"):
                engine = open_store(f"sqlite:///{os.path.join(folder, route)}-{_round}.db")
                assert route == "here" or bulk.can_write(sqlite_file(engine), table)
                start = time.perf_counter()
                if route == "here":
                    _save_frames_here(engine, table, iter(frames), replace=False)
                else:
                    assert len(frames[0]) >= bulk.BULK_ROWS
                    save_frames(engine, "activities", iter(frames))
                seconds[route].append(time.perf_counter() - start)
                print(f"{route:5} {seconds[route][-1]:7.2f} s  ({rows:,} activities)", flush=True)
                if _round == 0:
                    digests[route] = _digest(engine)
                engine.dispose()
    here, child = (statistics.median(seconds[r]) for r in ("here", "child"))
    same = digests["here"] == digests["child"]
    print(f"child / here: {child / here:.2f}x; the same rows stored: {same}")
    if args.json:
        print(json.dumps({"people": args.people, "activities": rows, "here_s": round(here, 2),
                          "child_s": round(child, 2), "ratio": round(child / here, 3),
                          "same": same}))  # fmt: skip
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
