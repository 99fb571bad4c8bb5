"""How fast is the app, against `talent rank` on the same database?

Usage: python benchmarks/app_speed.py [--db URL] [--size large] [--json]

Runs the Streamlit app under ``streamlit.testing.v1.AppTest`` (the app's own scripts, in
this process, with ``TALENT_DB`` set) and times:

- ``cold_s``: the Candidates page with empty caches (``st.cache_data.clear()`` and
  ``st.cache_resource.clear()`` first), the app's default filters (rank ranges on below
  ``talent.ui.data.INTERVALS_UP_TO`` activities);
- ``warm_s``: the same page again, in a new session, caches kept;
- ``switch_s``: choosing the ``recruiter`` profile in the sidebar (``f_profile``);
- ``candidate_s``: then opening the Candidate page (its top person);
- ``skill_first_s``: in a new session on the Candidates page (base warm), the first skill
  search ("cuda kernels"), which builds the search index (once per data version);
- ``skill_s``: then a new skill search ("rlhf training"): the answer time a recruiter
  waits for each search after the first;
- ``rank_cli_s``: ``talent rank --db URL --top 25`` in a child process (start-up and
  imports included, as a user waits for them), run right after, on the same database.

Without ``--db`` it writes the demo world (``generate_demo(seed=7, size=...)``, large by
default) into a temporary SQLite database. It prints the times and the ratios the
targets are about (``switch/cold``, ``skill/cold`` and ``cold/rank_cli``); with ``--json``
the last line is an object with those keys. Python imports are paid once before the cold
run (the app server keeps them loaded too); a cold run means cold caches, not a cold
interpreter.
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

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
CANDIDATE_PAGE = "talent/ui/pages/candidate.py"
TIMEOUT = 1800


def make_demo_db(directory: str, size: str = "large", seed: int = 7) -> str:
    """A SQLite URL holding the demo world of ``size``, people resolved (as `talent demo`)."""
    from talent.config import Settings
    from talent.mining import save_demo
    from talent.people.identity import update_people
    from talent.sources.demo import generate_demo
    from talent.store import open_store

    url = "sqlite:///" + str(Path(directory) / f"demo-{size}-{seed}.db")
    engine = open_store(url)
    save_demo(engine, generate_demo(seed=seed, size=size))
    update_people(engine, Settings(db_url=url))
    engine.dispose()
    return url


def _timed(step) -> tuple[float, object]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def _checked(at):
    if at.exception:
        raise RuntimeError(f"the app failed: {at.exception[0].message}")
    return at


def time_app(url: str) -> dict[str, float]:
    """Seconds for the Candidates page cold and warm, a profile switch, and the
    Candidate page, through AppTest on ``app.py`` with ``TALENT_DB=url``."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["TALENT_DB"] = url

    def session():
        return AppTest.from_file(str(APP), default_timeout=TIMEOUT)

    # Imports (charts' too) and Streamlit's own start-up, paid once as a running server
    # does; any pending resolution of people is done here too (the CLI would do it once).
    _checked(_checked(session().run()).switch_page(CANDIDATE_PAGE).run())
    st.cache_data.clear()
    st.cache_resource.clear()
    cold, at = _timed(lambda: _checked(session().run()))
    warm, at = _timed(lambda: _checked(session().run()))
    switch, at = _timed(lambda: _checked(at.selectbox(key="f_profile").select("recruiter").run()))
    candidate, at = _timed(lambda: _checked(at.switch_page(CANDIDATE_PAGE).run()))
    if not at.metric or not at.metric[0].value.startswith("#"):
        raise RuntimeError("the Candidate page shows no rank")
    at = _checked(session().run())
    first, at = _timed(lambda: _checked(at.text_input(key="f_skill").input("cuda kernels").run()))
    skill, at = _timed(lambda: _checked(at.text_input(key="f_skill").input("rlhf training").run()))
    if not at.dataframe or "skill_share" not in at.dataframe[0].value.columns:
        raise RuntimeError("the skill search shows no share of the matching work")
    return {"cold_s": cold, "warm_s": warm, "switch_s": switch, "candidate_s": candidate,
            "skill_first_s": first, "skill_s": skill}  # fmt: skip


def time_rank_cli(url: str, top: int = 25) -> float:
    """Seconds for ``talent rank --db url --top 25`` in a child process."""
    command = [sys.executable, "-m", "talent.cli", "rank", "--db", url, "--top", str(top)]
    seconds, done = _timed(
        lambda: subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    )
    if done.returncode != 0:
        raise RuntimeError(f"talent rank failed: {done.stderr.strip()[-500:]}")
    return seconds


def measure(url: str) -> dict[str, float]:
    """Every time, and the ratios: ``switch_over_cold``, ``skill_over_cold``,
    ``skill_first_over_cold`` and ``cold_over_rank_cli``."""
    result = time_app(url)
    result["rank_cli_s"] = time_rank_cli(url)
    result["switch_over_cold"] = result["switch_s"] / result["cold_s"]
    result["skill_over_cold"] = result["skill_s"] / result["cold_s"]
    result["skill_first_over_cold"] = result["skill_first_s"] / result["cold_s"]
    result["cold_over_rank_cli"] = result["cold_s"] / result["rank_cli_s"]
    return result


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a new demo world)")
    parser.add_argument("--size", default="large", help="demo world size without --db")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = args.db or make_demo_db(directory, args.size)
        from talent.store import count_rows, open_store

        engine = open_store(url)
        counts = {t: count_rows(engine, t) for t in ("activities", "people")}
        engine.dispose()
        result = measure(url)
    print(f"database: {url} ({counts['activities']:,} activities, {counts['people']:,} people)")
    for key in ("cold_s", "warm_s", "switch_s", "candidate_s", "skill_first_s", "skill_s",
                "rank_cli_s"):  # fmt: skip
        print(f"  {key:<12} {result[key]:8.2f}")
    print(f"  switch / cold      {result['switch_over_cold']:.2f}  (target <= 0.3)")
    print(f"  skill / cold       {result['skill_over_cold']:.2f}  (target <= 0.3)")
    print(f"  first skill / cold {result['skill_first_over_cold']:.2f}  (builds the index)")
    print(f"  cold / rank_cli    {result['cold_over_rank_cli']:.2f}  (target <= 1.5)")
    if args.json:
        print(json.dumps({k: round(v, 4) for k, v in result.items()}))
    return result


if __name__ == "__main__":
    main()
