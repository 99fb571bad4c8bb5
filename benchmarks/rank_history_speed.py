"""What does "rank over time" (the Candidate page's rank per quarter) cost?

Usage: python benchmarks/rank_history_speed.py [--db URL] [--size large] [--quarters 8]
                                               [--json]

Times, in one process on the same data:

- ``base_s``: :func:`talent.ranking.scoring.build_ranking_base` (what every page's ranking needs);
- ``history_s``: :func:`talent.ranking.scoring.rank_history` on that base (one ranking of the
  history up to the end of each quarter, then now);
- ``candidates_cold_s`` / ``candidate_cold_s``: the Candidates page, then the Candidate
  page of the top person, each with empty caches, under ``streamlit.testing.v1.AppTest``;
- ``candidate_warm_s``: the Candidate page again in a new session, caches kept.

Prints the ratios ``history/base`` and ``candidate/candidates`` (cold); with ``--json``
the last line is an object with every figure. Without ``--db`` it writes the demo world
(large by default) to a temporary SQLite database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from app_speed import make_demo_db  # noqa: E402
from network_speed import _page  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary demo world)")
    parser.add_argument("--size", default="large", help="demo world size without --db")
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import streamlit as st

    from talent.config import Settings
    from talent.ranking.scoring import (
        DEFAULT_PROFILE,
        build_ranking_base,
        load_ranking_profile,
        rank_history,
    )
    from talent.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or make_demo_db(tmp, args.size)
        os.environ["TALENT_DB"] = url
        engine = open_store(url, create=False)
        settings = Settings(db_url=url)
        profile = load_ranking_profile(engine, settings, DEFAULT_PROFILE)
        started = time.perf_counter()
        base = build_ranking_base(engine, settings)
        out = {"base_s": time.perf_counter() - started}
        started = time.perf_counter()
        history = rank_history(base, profile, args.quarters)
        out["history_s"] = time.perf_counter() - started
        out["people"] = int(base.acts["person"].nunique())
        out["activities"] = len(base.acts)
        out["quarters"] = int(history["quarter"].nunique()) - 1
        engine.dispose()

        _page("talent/ui/pages/candidates.py")  # imports paid once, as a server would
        for page, key in (("candidates", "candidates_cold_s"), ("candidate", "candidate_cold_s")):
            st.cache_data.clear()
            st.cache_resource.clear()
            out[key] = _page(f"talent/ui/pages/{page}.py")
        out["candidate_warm_s"] = _page("talent/ui/pages/candidate.py")
    out["history_over_base"] = out["history_s"] / out["base_s"]
    out["candidate_over_candidates"] = out["candidate_cold_s"] / out["candidates_cold_s"]
    o = out
    print(
        f"{o['people']:,} people, {o['activities']:,} activities, {o['quarters']} quarters: "
        f"base {o['base_s']:.2f} s, rank history {o['history_s']:.2f} s "
        f"({o['history_over_base']:.2f}x the base). Candidates page "
        f"{o['candidates_cold_s']:.2f} s cold; Candidate page {o['candidate_cold_s']:.2f} s "
        f"cold ({o['candidate_over_candidates']:.2f}x), {o['candidate_warm_s']:.2f} s warm",
        file=sys.stderr if args.json else sys.stdout,
    )
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
