"""How long does a person wait for each page in a real browser, against `talent rank`?

Usage: python benchmarks/browser_speed.py --db URL_OR_PATH [--repeat N] [--json]

In one run, on one database (copied first, so the original is never written):

- ``rank_cli_s``: ``talent rank --db DB --top 25`` in a child process, start-up included;
  ``rank_cli_again_s`` the same again (data unchanged: it reads the ranking the first run
  kept in the store);
- ``talent app --headless`` is started on the copy; then Debian's Chromium (Playwright)
  opens, each in a new browser tab, as a shared link does:
  ``candidates_cold_s`` (the first page after the start: cold caches, the store's kept
  results emptied first as after a mine),
  ``candidates_warm_s`` (again), ``first_candidate_s`` (the top-ranked person's page),
  ``next_candidate_s`` (the second person's page) and ``maintainers_page_s``;
  each time runs from the navigation until the script is idle and no skeleton is left;
- ``maintainers_cli_s`` and ``export_cli_s`` (``talent shortlist export`` of a list of
  three people made here) in child processes, each with the store's kept results
  emptied first (so each computes the ranking base itself, as the first command after a
  mine would); ``maintainers_cli_warm_s`` and ``export_cli_warm_s`` again right after
  (what every later command costs until the data changes).

Prints the times and the ratios the targets of issue 28 name; with ``--json`` the last
line is an object with every key. Seconds drift on a shared machine; the ratios within one
run are the figures to compare. On these machines one command's time moves by a fifth from
run to run (``talent rank`` on kserve: 6.6 to 8.9 s in five quiet runs), so one round's
ratio can be off by as much: ``--repeat N`` runs N rounds and gives each figure's median
(each ratio the median of the rounds' own ratios) and range (``rounds`` in the JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def talent(*args: str, cwd: str) -> tuple[float, str]:
    """Run the CLI in a child process; (seconds, stdout). Fails loudly on an error."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "talent", *args], cwd=cwd, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"talent {' '.join(args)} failed: {done.stderr.strip()[-400:]}")
    return elapsed, done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(db: str, cwd: str) -> tuple[subprocess.Popen, str]:
    """``talent app`` on ``db``, in its own process group; returns once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "talent", "app", "--db", db, "--port", str(port), "--headless"],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                if resp.read() == b"ok":
                    return proc, base
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    sys.exit("talent app did not start within 120 s")


def open_timed(context, url: str) -> float:
    """Seconds from opening ``url`` in a new tab until the page is drawn and idle."""
    from playwright.sync_api import expect

    page = context.new_page()
    started = time.perf_counter()
    page.goto(url)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "running", timeout=60_000)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=600_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=600_000)
    elapsed = time.perf_counter() - started
    if page.get_by_test_id("stException").count():
        sys.exit(f"{url} raised: {page.get_by_test_id('stException').first.inner_text()}")
    page.close()
    return elapsed


def browse(base: str, people: list[str]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        times = {
            "candidates_cold_s": open_timed(context, f"{base}/candidates"),
            "candidates_warm_s": open_timed(context, f"{base}/candidates"),
            "first_candidate_s": open_timed(context, f"{base}/candidate?person={people[0]}"),
            "next_candidate_s": open_timed(context, f"{base}/candidate?person={people[1]}"),
            "maintainers_page_s": open_timed(context, f"{base}/maintainers"),
        }
        browser.close()
    return times


def empty_kept_results(db: str) -> None:
    """Empty the store's shared cache of derived results (:mod:`talent.store.derived`)."""
    code = "import sys; from talent.store import open_store; from talent.store.derived import clear"
    code += "; clear(open_store(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", code, f"sqlite:///{db}"], check=True)


def database_copy(db: str, folder: str) -> str:
    """A copy of the SQLite file ``db`` (a path or sqlite:/// URL) in ``folder``."""
    path = db.removeprefix("sqlite:///")
    copy = str(Path(folder) / Path(path).name)
    shutil.copyfile(path, copy)
    return copy


def one_round(source: str) -> dict[str, float]:
    """Every time above once, on a fresh copy of ``source``."""
    with tempfile.TemporaryDirectory() as folder:
        db = database_copy(source, folder)
        times: dict[str, float] = {}
        times["rank_cli_s"], out = talent(
            "rank", "--db", db, "--top", "25", "-f", "json", cwd=folder
        )
        times["rank_cli_again_s"], _ = talent("rank", "--db", db, "--top", "25", cwd=folder)
        people = [row["person_id"] for row in json.loads(out)][:3]
        talent("shortlist", "add", "bench", *people, "--db", db, cwd=folder)
        export = ["shortlist", "export", "bench", "-o", str(Path(folder) / "list.csv")]
        for key, command in (("maintainers_cli", ["maintainers"]), ("export_cli", export)):
            empty_kept_results(db)
            times[f"{key}_s"], _ = talent(*command, "--db", db, cwd=folder)
            times[f"{key}_warm_s"], _ = talent(*command, "--db", db, cwd=folder)
        empty_kept_results(db)
        proc, base = start_app(db, folder)
        try:
            times.update(browse(base, people))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    ratios = {
        "candidates_cold_over_rank": times["candidates_cold_s"] / times["rank_cli_s"],
        "first_candidate_over_cold": times["first_candidate_s"] / times["candidates_cold_s"],
        "maintainers_over_rank": times["maintainers_cli_s"] / times["rank_cli_s"],
        "export_over_rank": times["export_cli_s"] / times["rank_cli_s"],
        "rank_again_over_rank": times["rank_cli_again_s"] / times["rank_cli_s"],
    }
    return {**times, **ratios}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True, help="SQLite database file or sqlite:/// URL")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds, each on a fresh copy; every figure is then the median of the rounds' "
        "(each ratio the median of the rounds' own ratios), its range shown beside it",
    )
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    args = parser.parse_args()
    rounds = [one_round(args.db) for _ in range(max(1, args.repeat))]
    figures = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    for key, value in figures.items():
        low, high = min(r[key] for r in rounds), max(r[key] for r in rounds)
        spread = f"  ({low:.2f} to {high:.2f})" if len(rounds) > 1 else ""
        print(f"{key:28} {value:8.2f}{spread}")
    if args.json:
        out: dict[str, object] = {k: round(v, 3) for k, v in figures.items()}
        if len(rounds) > 1:
            out["rounds"] = [{k: round(v, 3) for k, v in r.items()} for r in rounds]
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
