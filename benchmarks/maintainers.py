"""The maintainers' view on mined databases: how often the owner files and the work agree,
and what `talent maintainers` costs beside `talent rank` on the same database.

    python benchmarks/maintainers.py [--json] [--no-timing] DB_URL...

For each database it prints:

- ``named_active``: currently named owners (matched to a person) who authored or reviewed
  anything in the last 12 months of the data;
- ``in_practice``: of those, the share that own at least one of the groups they are named
  for in practice (an area their pattern governs, or the whole repository for a people
  list): the issue's drift target is 0.80 or more;
- ``maintainers_s`` and ``rank_s``: `talent maintainers -f json` and `talent rank` as
  child processes (start-up included), and their ratio (target: 2x or less).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import pandas as pd


def agreement(url: str, months: int = 12) -> dict[str, float]:
    """Share of active, currently named owners who own a group they are named for."""
    from talent.config import Settings
    from talent.store import load_head_files, open_store
    from talent.views.maintainers import named_by_area
    from talent.views.stewardship import WHOLE_REPOSITORY, maintainers_report, pattern_matcher

    engine = open_store(url, create=False)
    report = maintainers_report(engine, Settings(db_url=url), months=months)
    named = report.named_owners
    named = named[named["current"] & named["person_id"].notna()]
    practice = report.owners
    since = practice["last_active"].max() - pd.DateOffset(months=months)
    active = set(practice.loc[practice["last_active"] >= since, "person"])
    head = load_head_files(engine)
    paths = {f"{r}:{p}" for r, p in zip(head["repo"], head["path"], strict=True)}
    whole = named["pattern"].fillna("").isin(WHOLE_REPOSITORY)
    keyed = pd.concat(
        [
            named_by_area(named[~whole], paths, pattern_matcher(named)),
            named[whole].assign(key="*"),
        ]
    )
    owners = practice[practice["is_owner"].astype(bool)]
    owned = set(zip(owners["repo"], owners["key"], owners["person"], strict=True))
    people = keyed[keyed["person_id"].isin(active)]
    hits = {
        (r, p)
        for r, k, p in zip(people["repo"], people["key"], people["person_id"], strict=True)
        if (r, k, p) in owned
    }
    named_active = {(r, p) for r, p in zip(people["repo"], people["person_id"], strict=True)}
    share = round(len(hits) / len(named_active), 3) if named_active else None
    return {"named_active": len(named_active), "in_practice": share}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-400:])
    return time.perf_counter() - start


def measure(url: str, timing: bool = True) -> dict[str, float]:
    cli = [sys.executable, "-m", "talent.cli"]
    out = agreement(url)
    if not timing:
        return out
    timed([*cli, "rank", "--db", url, "--top", "1"])  # people resolved, files cached
    out["rank_s"] = round(timed([*cli, "rank", "--db", url, "--top", "25"]), 2)
    out["maintainers_s"] = round(timed([*cli, "maintainers", "--db", url, "-f", "json"]), 2)
    out["ratio"] = round(out["maintainers_s"] / out["rank_s"], 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+", help="database URLs (sqlite:///x.db)")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    parser.add_argument("--no-timing", action="store_true", help="the agreement only")
    args = parser.parse_args()
    results = {}
    for url in args.urls:
        results[url] = measure(url, timing=not args.no_timing)
        r = results[url]
        share = "-" if r["in_practice"] is None else format(r["in_practice"], ".0%")
        timing = (
            ""
            if args.no_timing
            else f"; maintainers {r['maintainers_s']} s, rank {r['rank_s']} s, ratio {r['ratio']}"
        )
        print(f"{url}: {r['named_active']} named and active, {share} own what they are "
              f"named for{timing}")  # fmt: skip
    pooled = [r for r in results.values() if r["in_practice"] is not None]
    if len(pooled) > 1:
        hits = sum(r["in_practice"] * r["named_active"] for r in pooled)
        total = sum(r["named_active"] for r in pooled)
        mean = sum(r["in_practice"] for r in pooled) / len(pooled)
        print(f"all {len(pooled)}: {hits / total:.1%} of {total} people pooled, "
              f"mean per database {mean:.1%}")  # fmt: skip
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
