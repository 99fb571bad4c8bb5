"""What does mining a GitHub org cost in requests?

Usage: python benchmarks/github_cost.py [--seed N] [--json]

Serves a fake org (tests/fake_github: 20 repositories, 5,000 pull requests, 10,000
issues, 50,000 comments, about 20,000 reviews) on 127.0.0.1 and, in one run:

1. mines it in full into a fresh SQLite database;
2. re-syncs with nothing changed (rate-limit-counted requests and free 304s apart);
3. changes 1% of the issues and pull requests, spread over every repository (each gets
   a new comment), and re-syncs.

Prints requests per 1,000 activities beside the per-item approach (one reviews request
and one detail request per pull request, as per-item miners do, instead of one GraphQL
query per 100 pull requests), and the 1%-changed re-sync's requests as a share of the
full mine's. Profile look-ups (/users/LOGIN) are counted apart. With --json the last
line is an object with full_requests_per_1000_activities, unchanged_counted_requests,
one_percent_changed_ratio and profile_requests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_github import FakeGitHub, World  # noqa: E402

from talent.mining import mine_github  # noqa: E402
from talent.sources.github import GitHubClient  # noqa: E402
from talent.store import count_rows, open_store  # noqa: E402

TOKEN = "benchmark-token"
PROFILE_BUDGET = 100


def run(server: FakeGitHub, engine, label: str) -> dict:
    before = len(server.log)
    client = GitHubClient(TOKEN, server.base_url, throttle=False, sleep=lambda _s: None)
    started = time.perf_counter()
    results = mine_github(engine, client, ["acme-ai"], profile_budget=PROFILE_BUDGET)
    seconds = time.perf_counter() - started
    client.close()
    entries = server.log.select()[before:]
    profiles = sum(1 for e in entries if "/users/" in e.path)
    counted = sum(1 for e in entries if e.counted and "/users/" not in e.path)
    free = sum(1 for e in entries if e.status == 304)
    return {
        "label": label,
        "seconds": seconds,
        "requests": len(entries) - profiles,
        "counted": counted,
        "free_304": free,
        "graphql": client.stats.graphql,
        "profiles": profiles,
        "failures": [r.repo for r in results if r.error],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    world = World.benchmark(args.seed)
    counts = world.counts()
    with (
        FakeGitHub(world, token=TOKEN, rate_limit=1_000_000) as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        engine = open_store(f"sqlite:///{Path(tmp) / 'cost.db'}")
        full = run(server, engine, "full mine")
        activities = count_rows(engine, "activities")
        unchanged = run(server, engine, "re-sync, nothing changed")
        touched = world.touch(0.01, seed=args.seed)
        changed = run(server, engine, "re-sync, 1% changed")

    per_1000 = 1000 * full["requests"] / activities
    pulls = counts["pulls"]
    per_item = full["requests"] - full["graphql"] + 2 * pulls
    ratio = changed["requests"] / full["requests"]
    print(f"world: {', '.join(f'{v:,} {k}' for k, v in counts.items())}")
    print(f"activities stored: {activities:,}")
    print(
        f"{'run':<28}{'requests':>10}{'counted':>10}{'free 304':>10}{'GraphQL':>9}"
        f"{'profiles':>10}{'seconds':>9}"
    )
    for row in (full, unchanged, changed):
        print(
            f"{row['label']:<28}{row['requests']:>10,}{row['counted']:>10,}"
            f"{row['free_304']:>10,}{row['graphql']:>9,}{row['profiles']:>10,}"
            f"{row['seconds']:>9.1f}"
        )
    print(
        f"full mine: {per_1000:.2f} requests per 1,000 activities "
        f"(per-item approach: {1000 * per_item / activities:.2f}, "
        f"{per_item / full['requests']:.1f}x as many)"
    )
    print(f"unchanged re-sync: {unchanged['counted']} counted, {unchanged['free_304']} free 304s")
    print(
        f"1% changed ({len(touched)} items over {len({r for r, _ in touched})} repositories): "
        f"{changed['requests']} requests = {ratio:.1%} of the full mine"
    )
    print(
        f"profile look-ups (budget {PROFILE_BUDGET} a run): "
        f"{full['profiles'] + unchanged['profiles'] + changed['profiles']}"
    )
    if any(row["failures"] for row in (full, unchanged, changed)):
        print("failures:", [row["failures"] for row in (full, unchanged, changed)])
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "full_requests_per_1000_activities": round(per_1000, 3),
                    "unchanged_counted_requests": unchanged["counted"],
                    "one_percent_changed_ratio": round(ratio, 4),
                    "profile_requests": full["profiles"]
                    + unchanged["profiles"]
                    + changed["profiles"],
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
