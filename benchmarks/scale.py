"""How do scoring, and the whole path into the store and out as a ranking, grow with people?

Usage: python benchmarks/scale.py [--sizes 1000,10000,100000] [--intervals N] [--full] [--json]

Builds synthetic worlds (in memory, no database) of the given numbers of people with about
20 activities each on average, heavy-tailed (lognormal), over 3 years and 20
repositories, with reviews, merges and comments pointing at other people; then times
`talent.ranking.scoring.rank` on each, in a child process per size so peak memory is that size's
own. Prints seconds, peak RSS and the growth exponent (the slope of log time against log
people between the two largest sizes). With --json the last line is an object with
people, seconds and peak_rss_mb of the largest size and growth_exponent. With --intervals N
the rankings also compute rank intervals over N left-out windows (what `talent rank
--explain` and the app add), to compare with a run without.

With --full each size runs the whole path instead: generate the world (its identities
too: every tenth person also commits under a git name and address the commit API ties to
their account), save it into a fresh SQLite store (``talent.store.save_frame``, under
$TMPDIR), resolve identities into people (``talent.people.identity.update_people``) and rank
(``talent.ranking.scoring.rank_store``), timing each step; the seconds counted are save +
resolve + rank (generating stands in for the sources and is shown apart), in wall-clock
and in processor seconds (the latter hardly moves when others share the cores). The growth
exponent is then also fitted over every size (least squares of log seconds and log peak
memory against log people), and --json adds ``steps`` (seconds per step of the largest
size, and ``cpu_steps``), ``cpu_seconds``, ``fitted_exponent``, ``cpu_exponent`` and
``memory_exponent``.
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


def build_identities(people: int, activities):
    """The identities behind :func:`build`'s actors: a GitHub account per person, and for
    every tenth person a git identity (name and address, the login the commit API gives)
    that their commits are made under instead, for identity resolution to merge."""
    import numpy as np
    import pandas as pd

    index = np.arange(people)
    logins = np.char.add("user", index.astype(str))
    names = np.char.add("Person ", index.astype(str))
    accounts = pd.DataFrame(
        {
            "key": np.char.add("github:", index.astype(str)),
            "source": "github",
            "name": names,
            "email": "",
            "login": logins,
            "github_id": index,
            "type": "User",
        }
    )
    git = index[index % 10 == 0]
    git_keys = np.char.add(np.char.add("git:", names[git]), np.char.add("\x1f", logins[git]))
    git_keys = np.char.add(git_keys, "@example.org")
    commits = pd.DataFrame(
        {
            "key": git_keys,
            "source": "git",
            "name": names[git],
            "email": np.char.add(logins[git], "@example.org"),
            "login": logins[git],
            "github_id": None,
            "type": "",
        }
    )
    # Their commits are under the git identity.
    by_account = pd.Series(git_keys, index=accounts["key"].to_numpy()[git])
    mine = (activities["kind"] == "commit") & activities["actor"].isin(by_account.index)
    activities.loc[mine, "actor"] = by_account.reindex(activities.loc[mine, "actor"]).to_numpy()
    return pd.concat([accounts, commits], ignore_index=True)


def measure_full(people: int, folder: str) -> dict:
    """Run in a child process: generate, save into a new SQLite store, resolve, rank."""
    import resource

    import pandas as pd

    from talent.config import Settings
    from talent.people.identity import update_people
    from talent.ranking.scoring import rank_store
    from talent.store import open_store, save_frame

    steps: dict[str, float] = {}
    cpu: dict[str, float] = {}
    clock = [time.perf_counter(), time.process_time()]

    def step(name: str) -> None:
        wall, used = time.perf_counter(), time.process_time()
        steps[name], cpu[name] = wall - clock[0], used - clock[1]
        clock[:] = [wall, used]

    activities, _, _ = build(people)
    identities = build_identities(people, activities)
    repos = pd.DataFrame(
        {"full_name": sorted(activities["repo"].unique()), "origin": "github", "owner": "org"}
    )
    path = os.path.join(folder, f"scale-{people}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    settings = Settings(db_url=f"sqlite:///{path}")
    engine = open_store(settings.db_url)
    step("generate")
    save_frame(engine, "repos", repos)
    save_frame(engine, "identities", identities)
    save_frame(engine, "activities", activities)
    n_activities = len(activities)
    del activities, identities
    step("save")
    resolution = update_people(engine, settings)
    step("resolve")
    ranking = rank_store(engine, settings)
    step("rank")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return {
        "people": people,
        "activities": n_activities,
        "resolved": len(resolution.people),
        "ranked": len(ranking),
        "seconds": round(steps["save"] + steps["resolve"] + steps["rank"], 2),
        "cpu_seconds": round(cpu["save"] + cpu["resolve"] + cpu["rank"], 2),
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "cpu_steps": {k: round(v, 2) for k, v in cpu.items()},
        "peak_rss_mb": int(peak),
    }


def fitted(rows: list[dict], key: str) -> float | None:
    """The least-squares slope of log ``key`` against log people over every row."""
    if len(rows) < 2:
        return None
    xs = [math.log(r["people"]) for r in rows]
    ys = [math.log(max(r[key], 1e-9)) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return num / sum((x - mx) ** 2 for x in xs)


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
    parser.add_argument(
        "--full", action="store_true", help="time generate, save, resolve and rank per size"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.full:
            folder = os.environ.get("TMPDIR", "/tmp")
            print(json.dumps(measure_full(args.child, folder)))
        else:
            print(json.dumps(measure(args.child, args.intervals)))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--intervals", str(args.intervals)]
            + (["--full"] if args.full else []),
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
            + (
                "".join(
                    f"  {k} {v:.1f} s ({row['cpu_steps'][k]:.1f} cpu)"
                    for k, v in row["steps"].items()
                )
                if args.full
                else ""
            )
        )
    exponent = None
    if len(rows) >= 2:
        a, b = rows[-2], rows[-1]
        exponent = math.log(b["seconds"] / a["seconds"]) / math.log(b["people"] / a["people"])
        print(f"growth exponent (time ~ people^k) between the two largest sizes: {exponent:.2f}")
    time_fit, memory_fit = fitted(rows, "seconds"), fitted(rows, "peak_rss_mb")
    cpu_fit = fitted(rows, "cpu_seconds") if args.full else None
    if cpu_fit is not None:
        print(f"fitted over every size: processor time ~ people^{cpu_fit:.2f}")
    if time_fit is not None:
        print(
            f"fitted over every size: time ~ people^{time_fit:.2f}, "
            f"memory ~ people^{memory_fit:.2f}"
        )
    if args.json:
        last = rows[-1]
        out = {
            "people": last["people"],
            "seconds": last["seconds"],
            "peak_rss_mb": last["peak_rss_mb"],
            "growth_exponent": None if exponent is None else round(exponent, 3),
        }
        if args.full:
            out["activities"] = last["activities"]
            out["cpu_seconds"] = last["cpu_seconds"]
            out["steps"] = last["steps"]
            out["cpu_steps"] = last["cpu_steps"]
            out["cpu_exponent"] = None if cpu_fit is None else round(cpu_fit, 3)
            out["fitted_exponent"] = None if time_fit is None else round(time_fit, 3)
            out["memory_exponent"] = None if memory_fit is None else round(memory_fit, 3)
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
