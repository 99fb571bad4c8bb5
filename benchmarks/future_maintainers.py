"""Who will be named next: the learned model against commit counts, by time and repository.

Usage: python benchmarks/future_maintainers.py [--C C] [--folds K] [--per-repo]
       [--save MODEL_JSON] CORPUS TRUTH_DIR [TRUTH_DIR ...]

CORPUS as for ``benchmarks/maintainer_model.py``. Each repository's history is cut one,
two, three and four years before its truth's head (:func:`talent.learning.future_tables`,
cached beside the store as ``OWNER__NAME.future.pkl``): the candidates at a cut are the
people active before it and not yet named; the positives, those first named within the
year after it (by talent's own reading of the owner files). Splits are by time and by
repository at once: a model fitted on the older cuts (two to four years back) of the
training folds' repositories ranks the one-year cut of the held-out repositories. Prints
the mean recall@10 and recall@20 of the learned model, of commit count and of commits in
the last year before the cut, over the held-out cuts that have a positive, and the ratio
of the learned model's recall@10 to that of commits in the last year.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path

import pandas as pd

from talent.config import Settings
from talent.learning import (
    FIT,
    FUTURE_SIGNALS,
    YEAR,
    fit_model,
    future_tables,
    ranked,
    recall_at,
    score_table,
)
from talent.store import open_store

BACK = (1, 2, 3, 4)  # cuts, in years before the head
TESTED = (1, 2)  # the cuts ranked; models learn from the cuts older than each


def load(corpus: Path, truth_dirs: list[Path]) -> dict[str, dict[int, pd.DataFrame]]:
    out = {}
    for truth_dir in truth_dirs:
        for truth_path in sorted(truth_dir.glob("*.truth.json")):
            db = corpus / truth_path.name.replace(".truth.json", ".db")
            if not db.exists():
                continue
            truth = json.loads(truth_path.read_text())
            cache = db.with_suffix(".future.pkl")
            if cache.exists() and cache.stat().st_mtime > db.stat().st_mtime:
                out[truth["repo"]] = pickle.loads(cache.read_bytes())
                continue
            head = pd.Timestamp(truth["head_date"]).tz_convert("UTC")
            cuts = {years: head - years * YEAR for years in BACK}
            url = f"sqlite:///{db}"
            engine = open_store(url, create=False)
            tables = future_tables(engine, Settings(db_url=url), list(cuts.values()))
            engine.dispose()
            by_years = {y: tables[c] for y, c in cuts.items() if c in tables}
            cache.write_bytes(pickle.dumps(by_years))
            out[truth["repo"]] = by_years
    return out


def main(argv: list[str]) -> int:
    from sklearn.model_selection import GroupKFold

    options = {
        "--C": str(FIT["C"]),
        "--folds": "5",
        "--save": "",
        "--signals": ",".join(FUTURE_SIGNALS),
        "--pairs": str(FIT["pairs"]),
    }
    per_repo = "--per-repo" in argv
    args, rest = [], iter(a for a in argv if a != "--per-repo")
    for arg in rest:
        if arg in options:
            options[arg] = next(rest)
        else:
            args.append(arg)
    if len(args) < 2:
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    started = time.perf_counter()
    data = load(Path(args[0]), [Path(a) for a in args[1:]])
    loaded = time.perf_counter() - started
    C = float(options["--C"])
    signals = options["--signals"].split(",")
    fit = {**FIT, "C": C, "pairs": int(options["--pairs"])}
    repos = sorted(data)
    rows = []
    for train, test in GroupKFold(n_splits=int(options["--folds"])).split(repos, groups=repos):
        for cut in TESTED:  # each tested cut ranked by a model of strictly older cuts
            older = {
                f"{repos[i]}@{y}": data[repos[i]][y]
                for i in train
                for y in BACK
                if y > cut and y in data[repos[i]]
            }
            model = fit_model(older, signals, "named_next", **fit)
            for i in test:
                table = data[repos[i]].get(cut)
                if table is None or not table["named_next"].any():
                    continue
                relevant = set(table.index[table["named_next"]].astype(str))
                row = {"repo": f"{repos[i]} -{cut}y", "positives": len(relevant),
                       "candidates": len(table)}  # fmt: skip
                for method, score in (
                    ("learned", score_table(model, table)),
                    ("commit count", table["commits"]),
                    ("commits last year", table["commits_last_year"]),
                ):
                    order = ranked(score)
                    row[f"{method} r@10"] = recall_at(order, relevant, 10)
                    row[f"{method} r@20"] = recall_at(order, relevant, 20)
                rows.append(row)
    frame = pd.DataFrame(rows).set_index("repo")
    if per_repo:
        print(frame.round(2).to_string())
    means = frame.drop(columns=["positives", "candidates"]).mean().round(3)
    print(means.to_string())
    base = means["commits last year r@10"]
    print(
        f"learned r@10 / commits-last-year r@10 = {means['learned r@10'] / base:.2f} "
        f"over {len(frame)} held-out (repository, cut) pairs with someone named in the year "
        f"after the cut ({int(frame['positives'].sum())} people)"
    )
    print(f"tables {loaded:.0f} s, folds {time.perf_counter() - started - loaded:.0f} s")
    if options["--save"]:
        every = {f"{r}@{y}": t for r in repos for y, t in data[r].items()}
        model = fit_model(every, signals, "named_next", **fit)
        Path(options["--save"]).write_text(model.to_json())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
