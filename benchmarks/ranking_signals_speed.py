"""What do the stewardship signals cost a ranking?

Usage: python benchmarks/ranking_signals_speed.py STORE [--before BASE_STORE] [--repeat N]

Times, in one process, :func:`talent.ranking.scoring.build_ranking_base` plus the scoring of a
profile (its :class:`talent.ranking.scoring.ProfileScorer` fitted and applied to the base's
signal values; the rest of :func:`talent.ranking.scoring.score_base` joins and sorts the same
table either way):

- ``old``: the signals before the stewardship acts (``releases``, ``backports``,
  ``reverts``, ``infra`` and ``governance`` left out of ``SIGNAL_TABLE``, approvals out
  of ``reviews``), ranked by the old default profile ``maintainer``, on BASE_STORE if
  given (the same repository mined without the stewardship acts), else on STORE;
- ``new``: every signal, ranked by ``DEFAULT_PROFILE``, on STORE.

Each is run ``--repeat`` times (default 3), alternating, and the best time kept. Prints
both and the ratio new / old. STORE is read and people are resolved in it if they were
not: pass a copy (``benchmarks/store_copy.py``) of a shared store.
"""

from __future__ import annotations

import argparse
import sys
import time

import talent.ranking.scoring as scoring
from talent.config import Settings
from talent.ranking.scoring import DEFAULT_PROFILE, Signal, build_ranking_base, make_profile_scorer
from talent.store import open_store

NEW_SIGNALS = ("releases", "backports", "reverts", "infra", "governance")
NEW_COLUMNS = ("approvals",)


def old_table() -> dict[str, Signal]:
    """``SIGNAL_TABLE`` as it was before the stewardship signals."""
    table = {}
    for name, signal in scoring.SIGNAL_TABLE.items():
        if name in NEW_SIGNALS:
            continue
        columns = tuple(c for c in signal.columns if c not in NEW_COLUMNS)
        table[name] = Signal(columns, signal.kind, signal.label, signal.evidence)
    return table


def timed(url: str, profile_name: str) -> tuple[float, int]:
    engine = open_store(url, create=False)
    settings = Settings(db_url=url)
    started = time.perf_counter()
    base = build_ranking_base(engine, settings)
    scores = make_profile_scorer(settings.profile(profile_name)).fit(base.values)
    scores = scores.predict(base.values)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, len(scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="path of a SQLite store (a copy)")
    parser.add_argument("--before", help="the same repository mined without the new acts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    new_url = f"sqlite:///{args.store}"
    old_url = f"sqlite:///{args.before or args.store}"
    full = scoring.SIGNAL_TABLE
    timed(new_url, DEFAULT_PROFILE)  # people resolved and imports paid before timing
    best = {"old": float("inf"), "new": float("inf")}
    rows = {}
    for _ in range(args.repeat):
        scoring.SIGNAL_TABLE = old_table()
        try:
            elapsed, rows["old"] = timed(old_url, "maintainer")
        finally:
            scoring.SIGNAL_TABLE = full
        best["old"] = min(best["old"], elapsed)
        elapsed, rows["new"] = timed(new_url, DEFAULT_PROFILE)
        best["new"] = min(best["new"], elapsed)
    print(f"old: {best['old']:.2f} s ({rows['old']} people, maintainer, "
          f"{len(old_table())} signals)")  # fmt: skip
    print(f"new: {best['new']:.2f} s ({rows['new']} people, {DEFAULT_PROFILE}, "
          f"{len(full)} signals)")  # fmt: skip
    print(f"ratio new/old: {best['new'] / best['old']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
