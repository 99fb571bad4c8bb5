"""What does mining a Hugging Face Hub organisation cost in requests?

Usage: python benchmarks/hf_cost.py [--seed N] [--json]

Serves a fake organisation (tests/fake_hf: 50 model repositories with 15 datasets and
10 Spaces, 2,000 discussions and pull requests, 300 community derivatives) on 127.0.0.1
and, in one run:

1. mines it in full into a fresh SQLite database (``talent.sync.run_sync`` over
   ``talent.sources.hf.HubSource``, as ``talent mine hf`` does);
2. re-syncs with nothing changed;
3. adds a comment to 1% of the discussions and a commit to one repository, and re-syncs.

Prints the full mine's requests against the pages the data needs (one request per page
of every list the Hub pages, one details request per discussion; likers are left out:
talent does not read them, a like has no time), the unchanged re-sync's requests against
its listing requests (repositories, discussion pages, derivatives, members), and the
changed re-sync's. With --json the last line is an object with ``full_requests``,
``pages_needed``, ``unchanged_requests``, ``listing_requests`` and
``changed_requests``.
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

from fake_hf import FakeHub, HubWorld, PageSizes  # noqa: E402

from talent.sources.hf import COMMITS_PER_PAGE, HubClient, HubSource  # noqa: E402
from talent.store import count_rows, open_store  # noqa: E402
from talent.sync import run_sync  # noqa: E402

ORG = "acme-ai"


class VirtualClock:
    """The fake Hub's clock, moved on by the client's waits: rate-limit windows pass
    without the benchmark sleeping through them, and the waits are still counted."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(hub: FakeHub, engine, label: str, clock: VirtualClock) -> dict:
    client = HubClient(hub.base_url, "hf_test", sleep=clock.sleep)
    started = time.perf_counter()
    summary = run_sync(engine, HubSource(client, [ORG]))
    return {
        "label": label,
        "seconds": time.perf_counter() - started,
        "requests": client.stats.total,
        "waited": client.stats.waited,
        "by_kind": dict(client.stats.requests),
        "failures": len(summary.failures),
        "activities": count_rows(engine, "activities"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    args = parser.parse_args(argv)

    world = HubWorld.generate(
        seed=args.seed, models=50, datasets=15, spaces=10, discussions=2000, derivatives=300
    )
    need = world.pages_needed(PageSizes(commits=COMMITS_PER_PAGE))  # the page talent asks
    pages_needed = need["total"] - need["likers"]
    listing = sum(need[k] for k in ("models", "datasets", "spaces", "discussions"))
    listing += need["derivatives"] + need["members"]
    counts = world.counts()
    clock = VirtualClock()  # the free tier's 1,000 requests per 5 minutes, on a fake clock
    with tempfile.TemporaryDirectory() as tmp, FakeHub(world, clock=clock) as hub:
        engine = open_store(f"sqlite:///{Path(tmp) / 'hub.db'}")
        full = run(hub, engine, "full mine", clock)
        unchanged = run(hub, engine, "unchanged re-sync", clock)
        repos = [r for r in world.org_repos() if r.discussions]
        touched = 0
        person = world.add_user("bench-user", "Bench User").name
        for repo in repos:
            for d in repo.discussions:
                if touched >= counts["discussions"] // 100:
                    break
                if d.num % 7 == 0:
                    world.add_comment(repo.repo_id, d.num, person, "+1", repo_type=repo.type)
                    touched += 1
        flagship = world.org_repos("model")[0]
        world.add_commit(flagship.repo_id, person, "Update README.md")
        changed = run(hub, engine, f"{touched} discussions and 1 repository changed", clock)

    print(
        f"fake organisation: {counts['models']} models, {counts['datasets']} datasets, "
        f"{counts['spaces']} Spaces, {counts['discussions'] + counts['pulls']:,} discussions and "
        f"pull requests, "
        f"{counts['derivatives']} derivatives"
    )
    for result in (full, unchanged, changed):
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(result["by_kind"].items()))
        print(
            f"{result['label']:>40}: {result['requests']:>5} requests ({kinds}), "
            f"{result['activities']:,} activities stored, {result['seconds']:.1f} s "
            f"(+{result['waited']:,.0f} s of rate-limit waits at the free tier)"
        )
    print(
        f"full mine: {full['requests']} requests for {pages_needed} pages needed = "
        f"{full['requests'] / pages_needed:.2f}x (target at most 1.2x)"
    )
    print(
        f"unchanged re-sync: {unchanged['requests']} requests for {listing} listing requests "
        f"= {unchanged['requests'] / listing:.2f}x (target 1.00x)"
    )
    if args.json:
        print(
            json.dumps(
                {
                    "full_requests": full["requests"],
                    "pages_needed": pages_needed,
                    "unchanged_requests": unchanged["requests"],
                    "listing_requests": listing,
                    "changed_requests": changed["requests"],
                }
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
