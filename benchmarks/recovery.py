"""Does a command killed at any moment leave exactly the rows of a clean run?

Usage: python benchmarks/recovery.py [--trials 20] [--commits 4000] [--seed 1]
                                     [--only git|github|hf|optout|purge|shortlist ...]
                                     [--backend sqlite|postgresql] [--json]

Miners, in one run:

1. ``git``: builds a bare repository of ``--commits`` commits (``git fast-import``, 25
   people, Signed-off-by trailers) and mines it once with ``talent mine git`` into a fresh
   database: the clean run, and its wall time T.
   ``github``: serves a fake organisation (tests/fake_github, 4 repositories with issues,
   pull requests, comments, reviews and commits) on 127.0.0.1 and mines it once with
   ``talent mine github``.
   ``hf``: serves a fake Hugging Face Hub organisation (tests/fake_hf, the "small" world:
   19 repositories, 150 discussions and pull requests, 40 derivatives, 8 members) on
   127.0.0.1 and mines it once with ``talent mine hf``.
2. ``--trials`` times: starts the same command on a fresh database, kills it and its git
   processes with SIGKILL at a random moment in [0, T], runs the command again to the
   end, and compares every table of the store with the clean run's, row by row by
   primary key (``talent.store.dump_tables``: clocks and the random salt left out).

Commands that change a store once, on copies of one store (the demo world, ``talent demo
--size small``, with a shortlist of three of its top-ranked people, a note on the first,
and the fifth already opted out):

- ``optout``: ``talent privacy optout LOGIN`` of the top-ranked person;
- ``purge``: ``talent privacy purge PERSON_ID`` of the same person;
- ``shortlist``: ``talent shortlist move LIST PERSON_ID contacted`` of the second.

Each is run once on a copy: the clean run, whose commits to the store (seen on SQLite
by a reader's ``PRAGMA data_version``) cut its time into stretches: before the first,
between two, after the last. Then ``--trials`` times on a fresh copy, trial i killed at
a random moment of stretch i (cycling; the moment measured from the commit that opens
it), so a stretch of a few milliseconds between two commits is cut as often as a long
one (on PostgreSQL: a random moment of the whole run). What follows the kill is what
the user would do next. After a killed opt-out or purge it is the next start of any
command, ``talent rank``: the store must then equal the clean run's (the opt-out
completed at the latest by that start) or the untouched copy's (all or nothing; counted
as ``untouched``); trials whose next start still ranked the person are counted as
``still_ranked``. After a killed ``shortlist move`` it is the same command again,
compared as the miners' runs are.

A row of the clean run missing after the resume is *lost*; a row the clean run does not
have is *duplicated* (the same work stored twice, or left over); a row under the same key
with other values is *differing* (people not re-resolved, a watermark behind). A kill that
lands after the run finished its work (a miner clears its run mark, then prints a
summary; a command has left the clean run's rows) makes the next command a second run:
those trials are compared with a clean run followed by the same command again, and
counted as ``killed_after_completion``. It prints per trial when the kill landed and how
many activities were stored by then, then the totals. With --json the last line is
``{"git": {...}, "github": {...}, "hf": {...}, "optout": {...}, "purge": {...},
"shortlist": {...}}``, each with ``trials``, ``lost``, ``duplicated`` and ``differing``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fake_github import FakeGitHub, World  # noqa: E402
from fake_hf import SIZES, FakeHub, HubWorld  # noqa: E402
from gitrepos import fast_import_stream, git_env  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from talent.store import count_rows, dump_tables, meta_items, open_store  # noqa: E402

TOKEN = "recovery-token"
HUB_TOKEN = "hf_recovery"
ORG = "acme-ai"
LIST = "Recovery"
MINERS = ("git", "github", "hf")
COMMANDS = ("optout", "purge", "shortlist")


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

    def copy(self, url: str) -> str:
        """A fresh database holding what ``url`` holds (no process may have it open)."""
        self.n += 1
        if self.server is not None:
            return self.server.new_database(template=make_url(url).database)
        target = self.folder / f"run{self.n}.db"
        # SQLite's backup API: a consistent copy whatever journal mode the store uses.
        with closing(sqlite3.connect(make_url(url).database)) as source:
            with closing(sqlite3.connect(target)) as copy:
                source.backup(copy)
        return f"sqlite:///{target}"

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


def _run(command: list[str], env: dict, log: Path, output: list[str] | None = None) -> float:
    """Run ``command`` to its end (its standard output appended to ``output`` if given);
    its wall time."""
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SystemExit(f"error: talent {' '.join(command[3:5])} failed: {last}")
    if output is not None:
        output.append(done.stdout)
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


def _same(found: dict) -> bool:
    return not (found["lost"] or found["duplicated"] or found["differing"])


def _ranked(output: str) -> list[dict]:
    """The rows of ``talent rank -f json``'s output."""
    rows = json.loads(output)
    return rows["ranking"] if isinstance(rows, dict) else rows


def _watched(
    command: list[str], env: dict, log: Path, url: str, commit: int = 0, after: float = -1.0
) -> list[float]:
    """Run ``command`` on the SQLite store ``url`` while watching its commits (``PRAGMA
    data_version`` of a reader connection changes with each commit of another one); with
    ``after`` >= 0, kill it (SIGKILL) ``after`` seconds past its ``commit``-th commit (0:
    its start). The moments of the commits seen, in seconds from the start."""
    seen: list[float] = []
    path = make_url(url).database
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as reader:
        version = reader.execute("PRAGMA data_version").fetchone()[0]
        with log.open("ab") as out:
            started = time.perf_counter()
            proc = subprocess.Popen(
                command, env=env, stdout=out, stderr=out, start_new_session=True
            )
            kill_at = started + after if after >= 0 and commit == 0 else None
            while proc.poll() is None:
                now = time.perf_counter()
                if kill_at is not None and now >= kill_at:
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
                try:
                    current = reader.execute("PRAGMA data_version").fetchone()[0]
                except sqlite3.OperationalError:  # the writer holds the file a moment
                    continue
                if current != version:
                    version = current
                    seen.append(now - started)
                    if after >= 0 and len(seen) == commit:
                        kill_at = now + after
                time.sleep(0.0005)
            proc.wait()
    return seen


def command_trials(
    label: str,
    command: Callable[[str], list[str]],
    env: dict,
    dbs: Databases,
    base: str,
    n: int,
    rng: random.Random,
    log: Path,
    say: Callable[[str], None],
    *,
    next_start: Callable[[str], list[str]] | None = None,
    person: dict | None = None,
) -> dict:
    """Kill trials of a command that changes the store ``base`` once, each on a fresh copy
    of it. The clean run's commits cut its time into stretches (before the first, between
    two, after the last); trial i is killed at a random moment of stretch i (cycling), so
    every stretch is cut about equally often however short it is. After the kill comes
    ``next_start`` (a command printing ``talent rank -f json``), or, without it, the same
    command again. ``person``: who the command leaves out (``person_id``, ``login``)."""
    clean_url = dbs.copy(base)
    watch = not clean_url.startswith("postgresql")
    started = time.perf_counter()
    if watch:
        commits = _watched(command(clean_url), env, log, clean_url)
        seconds = time.perf_counter() - started
    else:  # no commit watcher on PostgreSQL: one stretch, the whole run
        commits, seconds = [], _run(command(clean_url), env, log)
    if next_start is not None:
        _run(next_start(clean_url), env, log)
    clean = _dump(clean_url)
    edges = [0.0, *commits, seconds]
    say(
        f"{label}: clean run {seconds:.1f} s, {len(commits)} commits (at "
        f"{', '.join(f'{c:.2f}' for c in commits) or '-'} s), "
        f"{sum(map(len, clean.values())):,} rows in all"
    )
    untouched: dict | None = None
    if next_start is not None:
        untouched_url = dbs.copy(base)
        _run(next_start(untouched_url), env, log)
        untouched = _dump(untouched_url)
    result = {"trials": n, "lost": 0, "duplicated": 0, "differing": 0, "clean_seconds": seconds,
              "commits": len(commits), "killed_after_completion": 0}  # fmt: skip
    if next_start is not None:
        result.update(untouched=0, still_ranked=0)
    twice: dict | None = None
    for trial in range(1, n + 1):
        url = dbs.copy(base)
        stretch = (trial - 1) % (len(edges) - 1)
        after = rng.uniform(0, edges[stretch + 1] - edges[stretch])
        if watch:
            _watched(command(url), env, log, url, stretch, after)
        else:
            _killed(command(url), env, log, after)
        when = f"{after:.2f} s after {f'commit {stretch}' if stretch else 'its start'}"
        what, reference = "", clean
        if next_start is None:
            completed = _same(compare(clean, _dump(url)))
            _run(command(url), env, log)
            got = _dump(url)
            if completed:
                # As for the miners: the command again after a complete run is a second
                # run, and the reference a clean run followed by it.
                result["killed_after_completion"] += 1
                what = " (run complete)"
                if twice is None:
                    twice_url = dbs.copy(clean_url)
                    _run(command(twice_url), env, log)
                    twice = _dump(twice_url)
                reference = twice
        else:
            shown: list[str] = []
            _run(next_start(url), env, log, shown)
            got = _dump(url)
            if _same(compare(untouched, got)):
                # Killed before it changed anything: all or nothing, and this is nothing
                # (the person stays, as they would had the command not been run).
                result["untouched"] += 1
                what, reference = " (nothing done)", untouched
            elif person is not None and any(
                row["person_id"] == person["person_id"]
                or (person["login"] and row["login"] == person["login"])
                for row in _ranked(shown[0])
            ):
                result["still_ranked"] += 1
                what = " (still ranked)"
        found = compare(reference, got)
        for key in ("lost", "duplicated", "differing"):
            result[key] += found[key]
        say(
            f"  {label} trial {trial:2d}: killed {when}{what}; then: lost {found['lost']}, "
            f"duplicated {found['duplicated']}, differing {found['differing']}"
            + (f" (in {', '.join(found['tables'])})" if found["tables"] else "")
        )
    return result


def _talent(*args: str) -> list[str]:
    return [sys.executable, "-m", "talent.cli", *args]


def command_rows(
    rows: set[str],
    seed: int,
    n: int,
    dbs: Databases,
    folder: Path,
    rng: random.Random,
    log: Path,
    say: Callable[[str], None],
) -> dict[str, dict]:
    """Those of the optout, purge and shortlist rows that ``rows`` names."""
    home = folder / "command-home"
    home.mkdir()
    # A home of their own: the settings, and the privacy key made on first use, of
    # nobody's real account, the same for every copy of the store.
    env = {**git_env(home), "TALENT_USER": "recovery"}
    for name in ("TALENT_DEBUG", "TALENT_CONFIG", "TALENT_DB", "TALENT_KEY_FILE"):
        env.pop(name, None)
    base = dbs.new()
    _run(_talent("demo", "--size", "small", "--seed", str(seed), "--db", base), env, log)
    shown: list[str] = []
    _run(_talent("rank", "--top", "0", "-f", "json", "--db", base), env, log, shown)
    ranked = [row for row in _ranked(shown[0]) if row["login"]]
    person, moved, other, gone = ranked[0], ranked[1], ranked[2], ranked[4]
    # Someone is on the list already, so the store's salt exists before it is copied.
    _run(_talent("privacy", "optout", gone["login"], "--db", base), env, log)
    ids = [p["person_id"] for p in (person, moved, other)]
    _run(_talent("shortlist", "add", LIST, *ids, "--db", base), env, log)
    note = f"Met {person['name']} at a meetup; writes as {person['login']}"
    _run(_talent("shortlist", "note", LIST, person["person_id"], note, "--db", base), env, log)
    say(
        f"commands: on the demo world (seed {seed}), leaving out {person['person_id']}, "
        f"moving {moved['person_id']}"
    )
    commands = {
        "optout": lambda url: _talent("privacy", "optout", person["login"], "--db", url),
        "purge": lambda url: _talent("privacy", "purge", person["person_id"], "--db", url),
        "shortlist": lambda url: _talent(
            "shortlist", "move", LIST, moved["person_id"], "contacted", "--db", url
        ),
    }

    def rank(url: str) -> list[str]:
        return _talent("rank", "--top", "0", "-f", "json", "--db", url)

    out = {}
    for label, command in commands.items():
        if label in rows:
            privacy = label != "shortlist"
            out[label] = command_trials(
                label, command, env, dbs, base, n, rng, log, say,
                next_start=rank if privacy else None,
                person=person if privacy else None,
            )  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="kills per row (default 20)")
    parser.add_argument("--commits", type=int, default=4000, help="git history size")
    parser.add_argument("--seed", type=int, default=1, help="kill moments and the fake worlds")
    parser.add_argument(
        "--only", action="append", choices=[*MINERS, *COMMANDS], help="this row only; repeatable"
    )
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--json", action="store_true", help="a JSON object as the last line")
    args = parser.parse_args()
    if args.trials < 1 or args.commits < 10:
        parser.error("--trials must be at least 1 and --commits at least 10")
    rows = set(args.only or (*MINERS, *COMMANDS))
    rng = random.Random(args.seed)
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="talent-recovery-") as tmp:
        folder = Path(tmp)
        dbs = Databases(args.backend, folder)
        log = folder / "miners.log"
        try:
            if "git" in rows:
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
            if "github" in rows:
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
            if "hf" in rows:
                hub_world = HubWorld.generate(seed=args.seed, org=ORG, **SIZES["small"])
                tokens = {HUB_TOKEN: {}}
                with FakeHub(hub_world, tokens=tokens, rate_limit=1_000_000) as hub:
                    env = {**os.environ, "HF_TOKEN": HUB_TOKEN}
                    env.pop("TALENT_DEBUG", None)

                    def hf(url: str) -> list[str]:
                        return _talent("mine", "hf", ORG, "--db", url, "--endpoint", hub.base_url)

                    out["hf"] = trials("hf", hf, env, dbs, args.trials, rng, log, say)
            if rows & set(COMMANDS):
                out |= command_rows(rows, args.seed, args.trials, dbs, folder, rng, log, say)
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
