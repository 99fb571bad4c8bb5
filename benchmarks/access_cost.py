"""What the access log costs a Candidate page view and an export.

Usage: python benchmarks/access_cost.py [--size small|medium|large] [--entries N] [--repeat N]

Writes the demo world of ``--size`` to an SQLite store in a temporary folder, resolves its
people and fills the log with ``--entries`` earlier entries (views by four users), then
times, best of ``--repeat``:

(a) a view's record (:func:`talent.people.accesslog.record_access` of one person, retention
    applied), against the read the Candidate page makes for that person on every view
    (:func:`talent.store.load_activities` of their identities);
(b) an export's record (every ranked person), against making the file
    (:func:`talent.views.export.to_safe_csv` of the people table);
(c) one person's log (:func:`talent.people.accesslog.access_log`, what ``talent access log
    --person`` and the subject's copy read).

It prints each time and the ratio to its baseline, measured in the same run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from talent.config import Settings
from talent.mining import save_demo
from talent.people.accesslog import access_log, record_access
from talent.people.identity import update_people
from talent.sources.demo import generate_demo
from talent.store import load_activities, load_identity_links, load_people, open_store
from talent.views.export import to_safe_csv


def best(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'talent.db'}"
        settings = Settings(db_url=url)
        engine = open_store(url)
        save_demo(engine, generate_demo(size=args.size))
        update_people(engine, settings)
        people = load_people(engine)
        ids = list(people["person_id"])
        links = load_identity_links(engine)
        busiest = links["person_id"].value_counts().index[0]
        keys = list(links.loc[links["person_id"] == busiest, "identity_key"])
        start = datetime.now(UTC) - timedelta(days=30)
        for n in range(args.entries):
            record_access(engine, f"user{n % 4}@acme.example", "view", [ids[n % len(ids)]],
                          {"profile": "recruiter"}, "app", settings=settings,
                          at=start + timedelta(seconds=n))  # fmt: skip

        def view() -> None:
            record_access(engine, "ana@acme.example", "view", [busiest],
                          {"profile": "recruiter"}, "app", settings=settings)  # fmt: skip

        read = best(args.repeat, lambda: load_activities(engine, actors=keys))
        logged = best(args.repeat, view)
        table = people[["person_id", "name", "login", "affiliation"]]
        made = best(args.repeat, lambda: to_safe_csv(table))
        exported = best(args.repeat, lambda: record_access(
            engine, "ana@acme.example", "export", ids, {"file": "candidates"}, "app",
            settings=settings))  # fmt: skip
        baseline_all = best(max(3, args.repeat // 10), lambda: access_log(engine))
        one = best(args.repeat, lambda: access_log(engine, busiest))
    print(f"demo {args.size}: {len(ids):,} people, {args.entries:,} earlier log entries")
    print(f"(a) view: record {logged * 1000:.2f} ms, the page's read of the person "
          f"{read * 1000:.2f} ms, ratio {logged / read:.2f}")  # fmt: skip
    print(f"(b) export of {len(ids):,} people: record {exported * 1000:.1f} ms, the CSV "
          f"{made * 1000:.1f} ms, ratio {exported / made:.2f}")  # fmt: skip
    print(f"(c) one person's log {one * 1000:.1f} ms, the whole log {baseline_all * 1000:.1f} "
          f"ms, ratio {one / baseline_all:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
