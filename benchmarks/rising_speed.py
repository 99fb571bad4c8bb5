"""What the rising model adds to computing a ranking and the maintainers' report.

Usage: python benchmarks/rising_speed.py [--repeat N] DB_URL

Times, in one process and alternately, (a) the default ranking
(:func:`talent.ranking.scoring.rank_store`)
and (b) the maintainers' report (:func:`talent.views.stewardship.maintainers_report`), each with
the rising model (the shipped behaviour: who is named matched to people, every
repository's candidates scored, the rising flags and the next maintainers) and without it
(those two steps replaced by nothing: no one is rising), and prints the best of ``--repeat``
runs of each and the ratio with / without; then the model's two steps alone (best of
``--repeat``), against the ranking without them: on a machine shared with other work, the
steps alone vary less than the difference of two totals. Use a copy of a store: people are
resolved on the first run if they are not.
"""

from __future__ import annotations

import sys
import time

import pandas as pd

import talent.ranking.learning
import talent.ranking.rising
from talent.config import Settings
from talent.ranking.scoring import build_ranking_base, rank_store
from talent.store import open_store
from talent.views.stewardship import maintainers_report


def _without():
    """Swap the model's two steps for nothing; returns a function that puts them back."""
    saved = talent.ranking.rising.next_maintainers, talent.ranking.learning.named_people
    empty = pd.DataFrame(columns=talent.ranking.rising.NEXT_COLUMNS)
    talent.ranking.rising.next_maintainers = lambda *args, **kwargs: empty
    talent.ranking.learning.named_people = lambda *args, **kwargs: pd.DataFrame({"person_id": []})

    def restore():
        talent.ranking.rising.next_maintainers, talent.ranking.learning.named_people = saved

    return restore


def main(argv: list[str]) -> int:
    repeat = 3
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    url = argv[0]
    engine = open_store(url, create=False)
    settings = Settings(db_url=url)
    tasks = {
        "ranking": lambda: rank_store(engine, settings, affiliations=()),
        "maintainers report": lambda: maintainers_report(engine, settings),
    }
    rank_store(engine, settings)  # people resolved, caches of the OS warm
    best: dict[tuple[str, bool], float] = {}
    rising = 0
    for _ in range(repeat):
        for name, task in tasks.items():
            for model in (True, False):
                restore = None if model else _without()
                started = time.perf_counter()
                out = task()
                took = time.perf_counter() - started
                if restore:
                    restore()
                if name == "ranking" and model:
                    rising = int(out["rising"].sum())
                key = (name, model)
                best[key] = min(best.get(key, took), took)
    base = build_ranking_base(engine, settings)
    steps = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        named = set(talent.ranking.learning.named_people(engine)["person_id"])
        talent.ranking.rising.next_maintainers(base.acts, base.changes, named, base.components)
        steps = min(steps, time.perf_counter() - started)
    for name in tasks:
        with_, without = best[(name, True)], best[(name, False)]
        print(f"{name}: with the rising model {with_:.2f} s, without {without:.2f} s, "
              f"ratio {with_ / without:.2f}")  # fmt: skip
    without = best[("ranking", False)]
    print(f"the model's steps alone (who is named, next_maintainers): {steps:.2f} s, "
          f"{steps / without:.0%} of the ranking without them")  # fmt: skip
    print(f"rising people in the ranking: {rising}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
