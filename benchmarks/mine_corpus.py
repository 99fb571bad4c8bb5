"""Mine the training corpus: every repository of the truth files, each at its truth's head.

Usage: python benchmarks/mine_corpus.py [--jobs N] [--team-members OWNER/REPO=FILE]
       MIRRORS OUT TRUTH_DIR [TRUTH_DIR ...]

For each ``OWNER__NAME.truth.json`` in the truth folders, ``talent mine git`` runs on
``MIRRORS/OWNER+NAME/repo`` (the layout ``fetch`` leaves) with ``--rev`` at the truth's
``head``, into ``OUT/OWNER__NAME.db`` (a second run reads nothing new). ``--jobs`` runs that
many at once (default 2, this machine's cores). Prints one line per repository (commits,
seconds, exit status) and the wall time of the whole; repositories without a mirror or
without the head commit are listed and skipped. Nothing here is committed: OUT stays
outside the project.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _job(mirror: Path, truth: Path, out: Path, teams: dict[str, str]) -> dict:
    data = json.loads(truth.read_text())
    repo, head = data["repo"], data["head"]
    db = out / truth.name.replace(".truth.json", ".db")
    row = {"repo": repo, "db": str(db), "seconds": None, "status": None, "note": ""}
    git_dir = mirror / repo.replace("/", "+") / "repo"
    if not git_dir.exists():
        row["note"] = "no mirror"
        return row
    known = subprocess.run(
        ["git", "-C", str(git_dir), "cat-file", "-e", f"{head}^{{commit}}"], capture_output=True
    )
    if known.returncode:
        row["note"] = "head commit missing from the mirror"
        return row
    command = [sys.executable, "-m", "talent", "mine", "git", str(git_dir), "--name", repo]
    command += ["--rev", head, "--db", str(db)]
    if repo in teams:
        command += ["--team-members", teams[repo]]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    row["seconds"] = round(time.perf_counter() - started, 1)
    row["status"] = proc.returncode
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    row["note"] = lines[0] if lines else ""
    return row


def main(argv: list[str]) -> int:
    jobs, teams, args = 2, {}, []
    rest = iter(argv)
    for arg in rest:
        if arg == "--jobs":
            jobs = int(next(rest))
        elif arg == "--team-members":
            repo, _, path = next(rest).partition("=")
            teams[repo] = path
        else:
            args.append(arg)
    if len(args) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    mirror, out, truth_dirs = Path(args[0]), Path(args[1]), [Path(a) for a in args[2:]]
    out.mkdir(parents=True, exist_ok=True)
    truths = sorted(t for d in truth_dirs for t in d.glob("*.truth.json"))
    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        rows = list(pool.map(lambda t: _job(mirror, t, out, teams), truths))
    for row in rows:
        print(f"{row['repo']:45} {row['seconds']!s:>7}s  exit {row['status']}  {row['note']}")
    print(f"wall time: {time.perf_counter() - started:.0f} s for {len(rows)} repositories")
    return 0 if all(r["status"] == 0 for r in rows if r["status"] is not None) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
