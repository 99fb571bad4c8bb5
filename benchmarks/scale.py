"""How do scoring, and the whole path into the store and out as a ranking, grow with people?

Usage: python benchmarks/scale.py [--sizes 1000,10000,100000] [--intervals N]
       [--full [--until save|resolve|rank]] [--json]

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
their account), a million activities at a time, into an Arrow file beside the store;
save it from there into a fresh SQLite store (under $TMPDIR) a frame at a time, as a
miner streams the pages it has (``talent.store.save_frames``: only one frame is held,
so the peak memory is the pipeline's, not a whole history's; a world of at most a
million activities is the one drawn all at once before, a larger one differs in its
values, see :func:`generate`), resolve identities into people
(``talent.people.identity.update_people``) and rank
(``talent.ranking.scoring.rank_store``), timing each step; the seconds counted are save +
resolve + rank (generating stands in for the sources and is shown apart), in wall-clock
and in processor seconds, children's included (the latter hardly moves when others
share the cores). The growth
exponent is then also fitted over every size (least squares of log seconds and log peak
memory against log people), and --json adds ``steps`` (seconds per step of the largest
size, ``cpu_steps`` and each step's own peak resident memory ``peak_rss_steps``),
``cpu_seconds``, ``fitted_exponent``, ``cpu_exponent`` and ``memory_exponent``. With
--until save (or resolve) the steps after it are left out, and the seconds are those
of the steps run.
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


# Activities per generated frame: the generator stands in for the sources, and a miner
# hands over pages, never a whole organisation's history at once.
CHUNK = 1_000_000
REPOS = 20


def generate(people: int, seed: int = 0, *, chunk: int = CHUNK, git: bool = False):
    """The activities of a synthetic world (numpy, seconds), in frames of at most
    ``chunk`` rows, oldest key first.

    Each person's number of activities is drawn first, then each frame's columns in turn
    from the same random stream, so a world of at most ``chunk`` activities is exactly the
    one drawn all at once; a larger world has the same shape but other values than one
    drawn a column at a time for every row. With ``git``, the commits of every tenth
    person are made under their git identity (:func:`build_identities`)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    per_person = np.maximum(1, rng.lognormal(mean=2.2, sigma=1.1, size=people)).astype(int)
    per_person = (per_person * (20 * people / per_person.sum())).round().astype(int).clip(1)
    ends = np.cumsum(per_person)
    n = int(ends[-1])
    # Counterparts: the busier half of the population is acted on more often.
    weights = per_person / per_person.sum()
    ids = np.char.add("github:", np.arange(people).astype(str))
    git_keys = _git_keys(np.arange(0, people, 10)) if git else None
    start = np.datetime64("2023-11-01T00:00:00")
    for first in range(0, n, chunk):
        rows = np.arange(first, min(n, first + chunk))
        actor = np.searchsorted(ends, rows, side="right")
        kind = rng.choice(len(KINDS), size=len(rows), p=KIND_SHARE)
        other = rng.choice(people, size=len(rows), p=weights)
        has_other = np.isin(kind, [3, 4, 5, 7])
        seconds = rng.integers(0, 3 * 365 * 86400, size=len(rows))
        repo = np.char.add("org/repo", rng.integers(0, REPOS, size=len(rows)).astype(str))
        actors = ids[actor]
        if git_keys is not None:
            mine = (kind == KINDS.index("commit")) & (actor % 10 == 0)
            actors = np.where(mine, git_keys[actor // 10], actors)
        yield pd.DataFrame(
            {
                "key": np.char.add("act:", rows.astype(str)),
                "repo": repo,
                "kind": np.array(KINDS)[kind],
                "actor": actors,
                "counterpart": np.where(has_other, ids[other], None),
                "item": np.char.add(
                    np.char.add(repo, "#"), rng.integers(1, 5000, size=len(rows)).astype(str)
                ),
                "occurred_at": start + seconds.astype("timedelta64[s]"),
                "size": rng.integers(1, 500, size=len(rows)),
                "title": "",
                "url": "",
                "state": "",
                "pr_number": None,
            }
        )


def build(people: int, seed: int = 0):
    """Activities, people and links frames for a synthetic world (numpy, seconds)."""
    import numpy as np
    import pandas as pd

    activities = pd.concat(generate(people, seed), ignore_index=True)
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
    ids = np.char.add("github:", np.arange(people).astype(str))
    links = pd.DataFrame(
        {"identity_key": ids, "person_id": person_ids, "method": "single", "confidence": 1.0}
    )
    return activities, people_frame, links


def _git_keys(index):
    """The git identity keys of the people numbered ``index`` (name, then address)."""
    import numpy as np

    names = np.char.add("Person ", index.astype(str))
    logins = np.char.add("user", index.astype(str))
    keys = np.char.add(np.char.add("git:", names), np.char.add("\x1f", logins))
    return np.char.add(keys, "@example.org")


def build_identities(people: int):
    """The identities behind :func:`generate`'s actors: a GitHub account per person, and
    for every tenth person a git identity (name and address, the login the commit API
    gives) that their commits are made under instead (``git=True``), for identity
    resolution to merge."""
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
    commits = pd.DataFrame(
        {
            "key": _git_keys(git),
            "source": "git",
            "name": names[git],
            "email": np.char.add(logins[git], "@example.org"),
            "login": logins[git],
            "github_id": None,
            "type": "",
        }
    )
    return pd.concat([accounts, commits], ignore_index=True)


STEPS = ("generate", "save", "resolve", "rank")


def measure_full(people: int, folder: str, until: str = "rank") -> dict:
    """Run in a child process: generate, save into a new SQLite store, resolve, rank
    (the steps up to ``until``). The activities are generated into a file first and
    saved from it a frame at a time, as a miner streams pages; the save's time is its own.
    Each step's own peak resident memory is kept too (Linux: the peak is reset between
    steps through ``/proc/self/clear_refs``; elsewhere each figure is the peak so far),
    or the most it and its child processes held at once when that is more."""
    import pandas as pd

    from talent.config import Settings
    from talent.people.identity import update_people
    from talent.ranking.scoring import rank_store
    from talent.store import open_store, save_frame, save_frames

    steps: dict[str, float] = {}
    cpu: dict[str, float] = {}
    memory: dict[str, int] = {}
    clock = [time.perf_counter(), _cpu()]
    peak = _Peak()

    def step(name: str) -> None:
        wall, used = time.perf_counter(), _cpu()
        steps[name], cpu[name] = wall - clock[0], used - clock[1]
        clock[:] = [wall, used]
        memory[name] = peak.take()

    identities = build_identities(people)
    repos = pd.DataFrame(
        {"full_name": sorted(f"org/repo{i}" for i in range(REPOS)), "origin": "github"}
    )
    path = os.path.join(folder, f"scale-{people}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    settings = Settings(db_url=f"sqlite:///{path}")
    engine = open_store(settings.db_url)
    # The world is made first, a frame at a time, and kept on disk: the save then
    # streams frames that are ready, as a miner hands over pages it has, and its time
    # is its own. (Made inside the save, a frame's making overlapped the child that
    # binds the frame before it, and subtracting it made the save look faster.)
    frames = path + ".frames.arrow"
    counted = _write_frames(frames, generate(people, git=True))
    step("generate")
    save_frame(engine, "repos", repos)
    save_frame(engine, "identities", identities)
    del identities
    save_frames(engine, "activities", _read_frames(frames))
    step("save")
    os.remove(frames)
    resolved = ranked = None
    if STEPS.index(until) >= STEPS.index("resolve"):
        resolved = len(update_people(engine, settings).people)
        step("resolve")
    if STEPS.index(until) >= STEPS.index("rank"):
        ranked = len(rank_store(engine, settings))
        step("rank")
    timed_steps = [s for s in steps if s != "generate"]
    return {
        "people": people,
        "activities": counted,
        "resolved": resolved,
        "ranked": ranked,
        "seconds": round(sum(steps[s] for s in timed_steps), 2),
        "cpu_seconds": round(sum(cpu[s] for s in timed_steps), 2),
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "cpu_steps": {k: round(v, 2) for k, v in cpu.items()},
        "peak_rss_steps": memory,
        "peak_rss_mb": max(memory.values()),
    }


def _write_frames(path: str, frames) -> int:
    """Write ``frames`` to an Arrow IPC file at ``path``, a frame at a time; the rows."""
    import pyarrow as pa

    rows, writer = 0, None
    try:
        for frame in frames:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            writer = writer or pa.ipc.new_file(path, table.schema)
            writer.write_table(table)
            rows += len(frame)
    finally:
        if writer is not None:
            writer.close()
    return rows


def _read_frames(path: str):
    """The frames :func:`_write_frames` wrote, one at a time."""
    import pyarrow as pa

    # Read, not mapped: a mapped file's pages would count as this process's memory.
    with pa.OSFile(path) as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i).to_pandas()


def _cpu() -> float:
    """Processor seconds of this process and of the children it waited for (the store
    may read a large table in a child process: its time counts)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class _Peak:
    """Peak resident memory (MB) since the last :meth:`take`: this process's own peak,
    or, when larger, the most this process and its child processes (a large read is made
    in one) held at once, sampled ten times a second. A child's own ``ru_maxrss`` is no
    measure: it counts the parent's pages it was forked with."""

    def __init__(self) -> None:
        import threading

        self.resettable = self._reset()
        self.together = 0
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            self.together = max(self.together, _family_rss())
            time.sleep(0.1)

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # resets the peak resident set size (Linux 4.0 and later)
        except OSError:
            return False
        return True

    def take(self) -> int:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        if self.resettable:
            with open("/proc/self/status") as f:
                found = [line.split()[1] for line in f if line.startswith("VmHWM:")]
            peak = int(found[0]) // 1024 if found else peak
            self._reset()
        together, self.together = self.together, 0
        return int(max(peak, together))


def _family_rss() -> int:
    """Resident MB of this process and its children (Linux; this process alone, as 0,
    elsewhere)."""
    total = 0
    pids = ["self"]
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as f:
                pids += f.read().split()
        for pid in pids:
            with open(f"/proc/{pid}/status") as f:
                total += sum(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    except OSError:  # not Linux, or a child that just ended
        pass
    return total // 1024


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
    parser.add_argument(
        "--until", choices=STEPS[1:], default="rank", help="with --full: the last step run"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.full:
            folder = os.environ.get("TMPDIR", "/tmp")
            print(json.dumps(measure_full(args.child, folder, args.until)))
        else:
            print(json.dumps(measure(args.child, args.intervals)))
        return 0
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--intervals", str(args.intervals)]
            + (["--full", "--until", args.until] if args.full else []),
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
                    f"  {k} {v:.1f} s ({row['cpu_steps'][k]:.1f} cpu, "
                    f"{row['peak_rss_steps'][k]:,} MB)"
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
            out["peak_rss_steps"] = last["peak_rss_steps"]
            out["cpu_exponent"] = None if cpu_fit is None else round(cpu_fit, 3)
            out["fitted_exponent"] = None if time_fit is None else round(time_fit, 3)
            out["memory_exponent"] = None if memory_fit is None else round(memory_fit, 3)
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
