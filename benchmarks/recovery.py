"""Does a miner killed at any moment resume to exactly the rows of a clean run?

Usage: python benchmarks/recovery.py [--trials 20] [--commits 4000] [--seed 1]
                                     [--only git|github] [--backend sqlite|postgresql] [--json]

For each miner, in one run:

1. ``git``: builds a bare repository of ``--commits`` commits (``git fast-import``, 25
   people, Signed-off-by trailers) and mines it once with ``talent mine git`` into a fresh
   database: the clean run, and its wall time T.
   ``github``: serves a fake organisation (tests/fake_github, 4 repositories with issues,
   pull requests, comments, reviews and commits) on 127.0.0.1 and mines it once with
   ``talent mine github``.
2. ``--trials`` times: starts the same command on a fresh database, kills it and its git
   processes with SIGKILL at a random moment in [0, T], runs the command again to the
   end, and compares every table of the store with the clean run's, row by row by
   primary key (``talent.store.dump_tables``: clocks and the random salt left out).

A row of the clean run missing after the resume is *lost*; a row the clean run does not
have is *duplicated* (the same work stored twice, or left over); a row under the same key
with other values is *differing* (people not re-resolved, a watermark behind). A kill that
lands after the run finished its work (it clears its run mark, then prints a summary) makes
the next command a second run: those trials are compared with a clean run followed by the
same command again, and counted as ``killed_after_completion``. It prints
per trial when the kill landed and how many activities were stored by then, then the
totals. With --json the last line is ``{"git": {...}, "github": {...}}``, each with
``trials``, ``lost``, ``duplicated`` and ``differing``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_github import FakeGitHub, World  # noqa: E402
from gitrepos import fast_import_stream, git_env  # noqa: E402

from talent.store import count_rows, dump_tables, meta_items, open_store  # noqa: E402

TOKEN = "recovery-token"
ORG = "acme-ai"


def compare(clean: dict, got: dict) -> dict[str, int]:
    """Lost, duplicated and differing rows of ``got`` against ``clean`` (dump_tables)."""
    out = {"lost": 0, "duplicated": 0, "differing": 0}
    where = []
    for table, rows in clean.items():
        mine = got.get(table, {})
        found = {
            "lost": len(rows.keys() - mine.keys()),
            "duplicated": len(mine.keys() - rows.keys()),
            "differing": sum(1 for k in rows.keys() & mine.keys() if rows[k] != mine[k]),
        }
        for key, value in found.items():
            out[key] += value
        if any(found.values()):
            where.append(table)
            if os.environ.get("RECOVERY_DEBUG"):
                for k in sorted(rows.keys() & mine.keys(), key=str):
                    if rows[k] != mine[k]:
                        print(f"    {table} {k}: {rows[k]} != {mine[k]}", file=sys.stderr)
    out["tables"] = where
    return out


class Databases:
    """Fresh databases for each run: SQLite files, or a private PostgreSQL server's."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.folder, self.n, self.server = folder, 0, None
        if backend == "postgresql":
            from pg import Server

            self.server = Server()

    def new(self) -> str:
        self.n += 1
        if self.server is not None:
            return self.server.new_database()
        return f"sqlite:///{self.folder / f'run{self.n}.db'}"

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


def _run(command: list[str], env: dict, log: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"error: talent {' '.join(command[3:5])} failed: {last}")
    return time.perf_counter() - started


def _killed(command: list[str], env: dict, log: Path, after: float) -> None:
    with log.open("ab") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=out, start_new_session=True)
        time.sleep(after)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the miner and its git processes
        proc.wait()


def _dump(url: str) -> dict:
    engine = open_store(url, create=False)
    try:
        return dump_tables(engine)
    finally:
        engine.dispose()


def _completed(url: str) -> bool:
    """Whether the killed run had finished its work: it marks its start and clears the
    mark when done (``talent.mining.begin_run`` / ``end_run``)."""
    try:
        engine = open_store(url, create=False)
    except Exception:
        return False
    try:
        marks = meta_items(engine, "run_started:")
    finally:
        engine.dispose()
    return bool(marks) and not any(marks.values())


def _stored(url: str) -> int:
    try:
        engine = open_store(url, create=False)
    except Exception:  # killed before the database was made
        return 0
    try:
        return count_rows(engine, "activities")
    finally:
        engine.dispose()


def trials(
    label: str,
    command: Callable[[str], list[str]],
    env: dict,
    dbs: Databases,
    n: int,
    rng: random.Random,
    log: Path,
    say: Callable[[str], None],
) -> dict:
    clean_url = dbs.new()
    seconds = _run(command(clean_url), env, log)
    clean = _dump(clean_url)
    total = len(clean["activities"])
    say(
        f"{label}: clean run {seconds:.1f} s, {total:,} activities, "
        f"{sum(map(len, clean.values())):,} rows in all"
    )
    result = {"trials": n, "lost": 0, "duplicated": 0, "differing": 0, "clean_seconds": seconds,
              "killed_after_completion": 0}  # fmt: skip
    twice: dict | None = None
    for trial in range(1, n + 1):
        url = dbs.new()
        after = rng.uniform(0, seconds)
        _killed(command(url), env, log, after)
        stored = _stored(url)
        completed = _completed(url)
        _run(command(url), env, log)
        if completed:
            # The kill came after the run had finished its work (while it printed its
            # summary): running the command again is a second run, so the reference is
            # a clean run followed by the same command again.
            result["killed_after_completion"] += 1
            if twice is None:
                twice_url = dbs.new()
                _run(command(twice_url), env, log)
                _run(command(twice_url), env, log)
                twice = _dump(twice_url)
        found = compare(twice if completed else clean, _dump(url))
        for key in ("lost", "duplicated", "differing"):
            result[key] += found[key]
        say(
            f"  {label} trial {trial:2d}: killed at {after:5.2f} s with {stored:,}/{total:,} "
            f"activities stored{' (run complete)' if completed else ''}; resumed: lost "
            f"{found['lost']}, duplicated "
            f"{found['duplicated']}, differing {found['differing']}"
            + (f" (in {', '.join(found['tables'])})" if found["tables"] else "")
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="kills per miner (default 20)")
    parser.add_argument("--commits", type=int, default=4000, help="git history size")
    parser.add_argument("--seed", type=int, default=1, help="kill moments and the fake org")
    parser.add_argument("--only", choices=["git", "github"], help="one miner only")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--json", action="store_true", help="a JSON object as the last line")
    args = parser.parse_args()
    if args.trials < 1 or args.commits < 10:
        parser.error("--trials must be at least 1 and --commits at least 10")
    rng = random.Random(args.seed)
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="talent-recovery-") as tmp:
        folder = Path(tmp)
        dbs = Databases(args.backend, folder)
        log = folder / "miners.log"
        try:
            if args.only in (None, "git"):
                home = folder / "home"
                home.mkdir()
                repo = folder / "big.git"
                env = git_env(home)
                subprocess.run(
                    ["git", "init", "-q", "--bare", "-b", "main", str(repo)], env=env, check=True
                )
                stream = fast_import_stream(args.commits)
                subprocess.run(
                    ["git", "-C", str(repo), "fast-import", "--quiet"],
                    input=stream,
                    env=env,
                    check=True,
                )
                env.pop("TALENT_DEBUG", None)

                def git(url: str) -> list[str]:
                    return [
                        sys.executable,
                        "-m",
                        "talent.cli",
                        "mine",
                        "git",
                        str(repo),
                        "--name",
                        "local/big",
                        "--db",
                        url,
                    ]

                out["git"] = trials("git", git, env, dbs, args.trials, rng, log, say)
            if args.only in (None, "github"):
                world = World.generate(
                    seed=args.seed,
                    users=30,
                    issues=200,
                    pulls=150,
                    issue_comments=800,
                    review_comments=200,
                    reviews=200,
                    commits=200,
                )
                with FakeGitHub(world, token=TOKEN, rate_limit=1_000_000) as server:
                    env = {**os.environ, "GITHUB_TOKEN": TOKEN}
                    env.pop("TALENT_DEBUG", None)

                    def github(url: str) -> list[str]:
                        return [
                            sys.executable,
                            "-m",
                            "talent.cli",
                            "mine",
                            "github",
                            ORG,
                            "--db",
                            url,
                            "--base-url",
                            server.base_url,
                            "--profile-budget",
                            "10",
                        ]

                    out["github"] = trials("github", github, env, dbs, args.trials, rng, log, say)
        finally:
            dbs.close()
    for label, result in out.items():
        say(
            f"{label}: {result['trials']} trials, {result['lost']} rows lost, "
            f"{result['duplicated']} duplicated, {result['differing']} differing"
        )
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
