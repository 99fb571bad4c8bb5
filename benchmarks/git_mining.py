"""How close to the speed of git itself does ``talent mine git`` run?

Usage: python benchmarks/git_mining.py REPO [--name OWNER/NAME] [--json]

In one run, on the same history: plain ``git log --numstat`` (the floor: git has to
compute every diff), then ``talent mine git`` into a fresh SQLite database, then an
incremental re-run with nothing new. Prints the times, the ratio talent / git, and the
peak memory of the miner process. Absolute seconds drift on shared machines; the ratio
within one run is the figure to compare.

Then what the stewardship acts cost (tags, releases, backports, reverts, CI and
governance edits, approvals): the same mining with and without them
(``mine_git(..., stewardship=False)``), ``--repeat`` times each, alternating, into fresh
databases; the ratio of the fastest runs is printed. ``--rev`` mines up to a commit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_mb(command: list[str]) -> tuple[float, int, int]:
    """Run ``command``; return (seconds, peak RSS in MB of it, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        sys.stderr.write(proc.stderr.read().decode(errors="replace") if proc.stderr else "")
    return elapsed, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status)


# One mining run in a fresh process, with or without the stewardship acts.
_SIDE = """
from pathlib import Path
from talent.mining import mine_git
from talent.store import open_store
mine_git(open_store({url!r}), Path({repo!r}), name={name!r}, rev={rev!r},
         stewardship={stewardship!r})
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--name", default=None, help="OWNER/NAME to store it under")
    parser.add_argument("--json", action="store_true", help="end with one JSON line")
    parser.add_argument("--rev", default="HEAD", help="mine up to this commit")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each stewardship side")
    args = parser.parse_args()

    git_cmd = ["git", "-C", str(args.repo), "log", "--numstat", "--format=%H %an <%ae>"]
    # Warm the page cache so neither side pays for the first read of the pack.
    subprocess.run(git_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    git_seconds, git_rss, git_code = peak_rss_mb(git_cmd)

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        mine = [sys.executable, "-m", "talent.cli", "mine", "git", str(args.repo), "--db", db]
        mine += ["--rev", args.rev]
        if args.name:
            mine += ["--name", args.name]
        talent_seconds, talent_rss, code = peak_rss_mb(mine)
        if code != 0:
            print(f"talent mine git failed with exit status {code}", file=sys.stderr)
            return 1
        again_seconds, _, _ = peak_rss_mb(mine)
        # The re-run includes starting Python and importing talent; time that alone too.
        startup_seconds, _, _ = peak_rss_mb([sys.executable, "-c", "import talent.cli"])
        sides: dict[bool, list[float]] = {True: [], False: []}
        for run in range(args.repeat):
            for stewardship in (False, True) if run % 2 == 0 else (True, False):
                target = str(Path(tmp) / f"side-{stewardship}-{run}.db")
                snippet = _SIDE.format(
                    url=f"sqlite:///{target}",
                    repo=str(args.repo),
                    name=args.name,
                    rev=args.rev,
                    stewardship=stewardship,
                )
                seconds, _, side_code = peak_rss_mb([sys.executable, "-c", snippet])
                if side_code != 0:
                    print(f"mining with stewardship={stewardship} failed", file=sys.stderr)
                    return 1
                sides[stewardship].append(seconds)

    ratio = talent_seconds / git_seconds
    print(f"repository                 {args.repo}")
    print(
        f"git log --numstat          {git_seconds:8.2f} s"
        + ("" if git_code == 0 else f"  (git exit {git_code}: a damaged copy)")
    )
    print(f"talent mine git (fresh db) {talent_seconds:8.2f} s   peak RSS {talent_rss} MB")
    print(f"ratio talent / git         {ratio:8.2f}")
    print(
        f"re-run, nothing new        {again_seconds:8.2f} s   "
        f"(of which Python start and imports {startup_seconds:.2f} s)"
    )
    with_acts, without = min(sides[True]), min(sides[False])
    print(f"without stewardship acts   {without:8.2f} s   (fastest of {args.repeat})")
    print(f"with stewardship acts      {with_acts:8.2f} s   (fastest of {args.repeat})")
    print(f"ratio with / without       {with_acts / without:8.3f}")
    if args.json:
        print(
            json.dumps(
                {
                    "git_seconds": round(git_seconds, 3),
                    "talent_seconds": round(talent_seconds, 3),
                    "ratio": round(ratio, 3),
                    "peak_rss_mb": talent_rss,
                    "rerun_seconds": round(again_seconds, 3),
                    "stewardship_ratio": round(with_acts / without, 3),
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
