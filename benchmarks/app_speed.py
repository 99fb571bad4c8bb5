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
- ``first_candidate_s``: in the cold session, right after the cold Candidates page, the
  Candidate page of its top person (its own sections cold);
- ``next_candidate_s``: then choosing the next person on that page;
- ``rank_cli_s``: ``talent rank --db URL --top 25`` in a child process (start-up and
  imports included, as a user waits for them), run right after, on the same database,
  with the shared cache of derived results (:mod:`talent.store.derived`) emptied first;
- ``rank_cli_again_s``: the same command again, nothing changed;
- ``maintainers_cli_s``: then ``talent maintainers --db URL``;
- ``export_cli_s``: then ``talent shortlist export bench-speed --db URL`` (the list is made
  of the top three people of ``talent rank`` when the database has none of that name).

Without ``--db`` it writes the demo world (``generate_demo(seed=7, size=...)``, large by
default) into a temporary SQLite database. It prints the times and the ratios the
targets are about (``switch/cold``, ``skill/cold``, ``cold/rank_cli`` and those of the
new keys: ``first_candidate/cold``, ``maintainers/rank_cli``, ``export/rank_cli``,
``rank_again/rank_cli``); with ``--json``
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
BENCH_LIST = "bench-speed"


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
    from streamlit.testing.v1 import AppTest

    os.environ["TALENT_DB"] = url

    def session():
        return AppTest.from_file(str(APP), default_timeout=TIMEOUT)

    # Imports (charts' too) and Streamlit's own start-up, paid once as a running server
    # does; any pending resolution of people is done here too (the CLI would do it once).
    _checked(_checked(session().run()).switch_page(CANDIDATE_PAGE).run())
    _empty_caches(url)
    cold, at = _timed(lambda: _checked(session().run()))
    first_candidate, at = _timed(lambda: _checked(at.switch_page(CANDIDATE_PAGE).run()))
    chooser = at.selectbox(key="candidate_select")
    following = _person_of(url, chooser.options[1 if len(chooser.options) > 1 else 0])
    next_candidate, at = _timed(lambda: _checked(chooser.set_value(following).run()))
    if not at.metric or not at.metric[0].value.startswith("#"):
        raise RuntimeError("the next Candidate page shows no rank")
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
            "first_candidate_s": first_candidate, "next_candidate_s": next_candidate,
            "skill_first_s": first, "skill_s": skill}  # fmt: skip


def _person_of(url: str, label: str) -> str:
    """The person id of a Candidate page's choice, "#2 Ada Lovelace (@ada)", by login
    (else by name): the page shows labels, its selection takes ids."""
    from talent.store import load_people, open_store

    engine = open_store(url)
    people = load_people(engine)
    engine.dispose()
    shown = label.split(" ", 1)[1]
    name, _, login = shown.removesuffix(")").partition(" (@")
    found = people[people["login"] == login] if login else people[people["name"] == name]
    return str(found["person_id"].iloc[0])


def _empty_caches(url: str) -> None:
    """Streamlit's caches and the store's shared cache of derived results (where this
    talent has one), for a cold run."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        from talent.store.derived import clear
    except ImportError:  # a talent before the shared cache: nothing more to empty
        return
    from talent.store import open_store

    engine = open_store(url)
    clear(engine)
    engine.dispose()


def _cli(*args: str) -> float:
    """Seconds for ``talent ARGS`` in a child process."""
    command = [sys.executable, "-m", "talent.cli", *args]
    seconds, done = _timed(
        lambda: subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    )
    if done.returncode != 0:
        raise RuntimeError(f"talent {args[0]} failed: {done.stderr.strip()[-500:]}")
    return seconds


def time_rank_cli(url: str, top: int = 25) -> float:
    """Seconds for ``talent rank --db url --top 25`` in a child process."""
    return _cli("rank", "--db", url, "--top", str(top))


def _ensure_bench_list(url: str) -> None:
    """The shortlist ``bench-speed``: the top three of the default ranking, unless the
    database has it already."""
    from talent.store import load_shortlists, open_store

    engine = open_store(url)
    present = BENCH_LIST in set(load_shortlists(engine)["name"])
    engine.dispose()
    if present:
        return
    command = [sys.executable, "-m", "talent.cli", "rank", "--db", url, "--top", "3",
               "--format", "json"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=True)
    ids = [row["person_id"] for row in json.loads(done.stdout)]
    _cli("shortlist", "add", BENCH_LIST, *ids, "--db", url)


def time_cli(url: str) -> dict[str, float]:
    """Seconds for ``talent rank`` with an empty shared cache, again, then ``talent
    maintainers`` and ``talent shortlist export``."""
    _ensure_bench_list(url)
    _empty_caches(url)
    out = {"rank_cli_s": time_rank_cli(url)}
    out["rank_cli_again_s"] = time_rank_cli(url)
    out["maintainers_cli_s"] = _cli("maintainers", "--db", url)
    out["export_cli_s"] = _cli("shortlist", "export", BENCH_LIST, "--db", url)
    return out


def measure(url: str) -> dict[str, float]:
    """Every time, and the ratios: ``switch_over_cold``, ``skill_over_cold``,
    ``skill_first_over_cold``, ``cold_over_rank_cli``, ``first_candidate_over_cold``,
    ``maintainers_over_rank_cli``, ``export_over_rank_cli`` and
    ``rank_again_over_rank_cli``."""
    result = time_app(url)
    result.update(time_cli(url))
    result["switch_over_cold"] = result["switch_s"] / result["cold_s"]
    result["skill_over_cold"] = result["skill_s"] / result["cold_s"]
    result["skill_first_over_cold"] = result["skill_first_s"] / result["cold_s"]
    result["cold_over_rank_cli"] = result["cold_s"] / result["rank_cli_s"]
    result["first_candidate_over_cold"] = result["first_candidate_s"] / result["cold_s"]
    result["maintainers_over_rank_cli"] = result["maintainers_cli_s"] / result["rank_cli_s"]
    result["export_over_rank_cli"] = result["export_cli_s"] / result["rank_cli_s"]
    result["rank_again_over_rank_cli"] = result["rank_cli_again_s"] / result["rank_cli_s"]
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
    for key in ("cold_s", "warm_s", "switch_s", "candidate_s", "first_candidate_s",
                "next_candidate_s", "skill_first_s", "skill_s", "rank_cli_s",
                "rank_cli_again_s", "maintainers_cli_s", "export_cli_s"):  # fmt: skip
        print(f"  {key:<18} {result[key]:8.2f}")
    print(f"  switch / cold      {result['switch_over_cold']:.2f}  (target <= 0.3)")
    print(f"  skill / cold       {result['skill_over_cold']:.2f}  (target <= 0.3)")
    print(f"  first skill / cold {result['skill_first_over_cold']:.2f}  (builds the index)")
    print(f"  cold / rank_cli    {result['cold_over_rank_cli']:.2f}  (target <= 1.2)")
    print(f"  first candidate / cold {result['first_candidate_over_cold']:.2f}  (target <= 0.3)")
    print(f"  next candidate     {result['next_candidate_s']:.2f} s  (target <= 1 s, large demo)")
    print(f"  maintainers / rank_cli {result['maintainers_over_rank_cli']:.2f}  (target <= 1.0)")
    print(f"  export / rank_cli  {result['export_over_rank_cli']:.2f}  (target <= 1.0)")
    print(f"  rank again / rank_cli {result['rank_again_over_rank_cli']:.2f}  (target <= 0.2)")
    if args.json:
        print(json.dumps({k: round(v, 4) for k, v in result.items()}))
    return result


if __name__ == "__main__":
    main()
