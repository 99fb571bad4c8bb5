"""How fast is the Network page, against the Candidates page in the same run?

Usage: python benchmarks/network_speed.py [--db URL] [--size large] [--repo OWNER/NAME]
                                          [--all] [--json]

Runs the app under ``streamlit.testing.v1.AppTest`` (as benchmarks/app_speed.py does)
on the repository with the most people (or ``--repo``, or every repository with
``--all``), and times, in this order:

- ``candidates_cold_s``: the Candidates page with empty caches;
- ``network_cold_s``: the Network page for the repository with empty caches;
- ``candidates_warm_s`` / ``network_warm_s``: each again in a new session, caches kept.

Prints the times, the repository's people and the ratios ``network/candidates`` cold and
warm (the target is at most 2x); with ``--json`` the last line is an object with those
keys. Without ``--db`` it writes the demo world (large by default) to a temporary
SQLite database.
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

APP = ROOT / "app.py"


def _page(page: str, **query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=1800)
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"error: {page} failed: {at.exception[0].value}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary demo world)")
    parser.add_argument("--size", default="large", help="demo world size without --db")
    parser.add_argument("--repo", help="the repository (default: the one with most people)")
    parser.add_argument("--all", action="store_true", help="every repository at once")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import streamlit as st

    from talent.config import Settings
    from talent.ranking.scoring import build_ranking_base
    from talent.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or make_demo_db(tmp, args.size)
        os.environ["TALENT_DB"] = url
        engine = open_store(url, create=False)
        base = build_ranking_base(engine, Settings(db_url=url))
        people = base.acts.groupby("repo")["person"].nunique().sort_values(ascending=False)
        repo = args.repo or str(people.index[0])
        if args.all:
            repo, people = "All repositories", {"All repositories": base.acts["person"].nunique()}
        engine.dispose()
        _page("talent/ui/pages/candidates.py")  # imports paid once, as a server would

        query = {} if args.all else {"of": repo}

        def cold(page: str, **query) -> float:
            st.cache_data.clear()
            st.cache_resource.clear()
            return _page(page, **query)

        out = {
            "repo": repo,
            "people": int(people.get(repo, 0)),
            "candidates_cold_s": cold("talent/ui/pages/candidates.py"),
            "network_cold_s": cold("talent/ui/pages/network.py", **query),
        }
        out["candidates_warm_s"] = _page("talent/ui/pages/candidates.py")
        out["network_warm_s"] = _page("talent/ui/pages/network.py", **query)
    out["ratio_cold"] = out["network_cold_s"] / out["candidates_cold_s"]
    out["ratio_warm"] = out["network_warm_s"] / out["candidates_warm_s"]
    print(
        f"{repo}: {out['people']:,} people. Candidates {out['candidates_cold_s']:.2f} s cold, "
        f"{out['candidates_warm_s']:.2f} s warm; Network {out['network_cold_s']:.2f} s cold, "
        f"{out['network_warm_s']:.2f} s warm; network/candidates {out['ratio_cold']:.2f}x "
        f"cold, {out['ratio_warm']:.2f}x warm",
        file=sys.stderr if args.json else sys.stdout,
    )
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
