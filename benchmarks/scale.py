"""How does scoring grow with the number of people?

Usage: python benchmarks/scale.py [--sizes 1000,10000,100000] [--intervals N] [--json]

Builds synthetic worlds (in memory, no database) of the given numbers of people with about
20 activities each on average, heavy-tailed (lognormal), over 3 years and 20
repositories, with reviews, merges and comments pointing at other people; then times
`talent.ranking.scoring.rank` on each, in a child process per size so peak memory is that size's
own. Prints seconds, peak RSS and the growth exponent (the slope of log time against log
people between the two largest sizes). With --json the last line is an object with
people, seconds and peak_rss_mb of the largest size and growth_exponent. With --intervals N
the rankings also compute rank intervals over N left-out windows (what `talent rank
--explain` and the app add), to compare with a run without.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

KINDS = [
    "commit",
    "pr_opened",
    "pr_merged",
    "pr_merged_by",
    "review",
    "review_comment",
    "issue_opened",
    "issue_comment",
]
KIND_SHARE = [0.25, 0.1, 0.07, 0.05, 0.15, 0.1, 0.08, 0.2]


def build(people: int, seed: int = 0):
    """Activities, people and links frames for a synthetic world (numpy, seconds)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    per_person = np.maximum(1, rng.lognormal(mean=2.2, sigma=1.1, size=people)).astype(int)
    per_person = (per_person * (20 * people / per_person.sum())).round().astype(int).clip(1)
    actor = np.repeat(np.arange(people), per_person)
    n = len(actor)
    kind = rng.choice(len(KINDS), size=n, p=KIND_SHARE)
    # Counterparts: the busier half of the population is acted on more often.
    weights = per_person / per_person.sum()
    other = rng.choice(people, size=n, p=weights)
    has_other = np.isin(kind, [3, 4, 5, 7])
    start = np.datetime64("2023-11-01T00:00:00")
    seconds = rng.integers(0, 3 * 365 * 86400, size=n)
    repo = rng.integers(0, 20, size=n)
    ids = np.char.add("github:", np.arange(people).astype(str))
    activities = pd.DataFrame(
        {
            "key": np.char.add("act:", np.arange(n).astype(str)),
            "repo": np.char.add("org/repo", repo.astype(str)),
            "kind": np.array(KINDS)[kind],
            "actor": ids[actor],
            "counterpart": np.where(has_other, ids[other], None),
            "item": np.char.add(
                np.char.add("org/repo", repo.astype(str)),
                np.char.add("#", rng.integers(1, 5000, size=n).astype(str)),
            ),
            "occurred_at": start + seconds.astype("timedelta64[s]"),
            "size": rng.integers(1, 500, size=n),
            "title": "",
            "url": "",
            "state": "",
            "pr_number": None,
        }
    )
    person_ids = np.char.add("gh", np.arange(people).astype(str))
    people_frame = pd.DataFrame(
        {
            "person_id": person_ids,
            "name": person_ids,
            "login": person_ids,
            "is_bot": False,
            "bot_probability": 0.0,
            "affiliation": "community",
            "affiliation_evidence": "",
        }
    )
    links = pd.DataFrame(
        {"identity_key": ids, "person_id": person_ids, "method": "single", "confidence": 1.0}
    )
    return activities, people_frame, links


def measure(people: int, windows: int = 0) -> dict:
    """Run in a child process: build, then time scoring alone."""
    import resource

    from talent.ranking.scoring import rank

    activities, people_frame, links = build(people)
    started = time.perf_counter()
    ranking = rank(activities, people_frame, links, interval_windows=windows)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return {
        "people": people,
        "activities": len(activities),
        "ranked": len(ranking),
        "seconds": round(seconds, 2),
        "peak_rss_mb": int(peak),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--intervals", type=int, default=0, help="left-out windows (0: none)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.intervals)))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--intervals", str(args.intervals)],
            capture_output=True,
            text=True,
            env=dict(os.environ),
        )
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['people']:>8,} people {row['activities']:>10,} activities "
            f"{row['seconds']:>8.2f} s {row['peak_rss_mb']:>7,} MB peak"
        )
    exponent = None
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        exponent = math.log(b["seconds"] / a["seconds"]) / math.log(b["people"] / a["people"])
        print(f"growth exponent (time ~ people^k) between the two largest sizes: {exponent:.2f}")
    if args.json:
        last = rows[-1]
        print(
            json.dumps(
                {
                    "people": last["people"],
                    "seconds": last["seconds"],
                    "peak_rss_mb": last["peak_rss_mb"],
                    "growth_exponent": None if exponent is None else round(exponent, 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
