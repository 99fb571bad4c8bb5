"""Who will be named next: the learned model against commit counts, by time and repository.

Usage: python benchmarks/future_maintainers.py [--C C] [--folds K] [--per-repo]
       [--save MODEL_JSON] [--rising-C C] [--rising-scale S] [--rising-features F,...]
       [--save-rising RISING_JSON] CORPUS TRUTH_DIR [TRUTH_DIR ...]

CORPUS as for ``benchmarks/maintainer_model.py``. Each repository's history is cut one,
two, three and four years before its truth's head (:func:`talent.ranking.training.future_tables`,
cached beside the store as ``OWNER__NAME.future.pkl``): the candidates at a cut are the
people active before it and not yet named; the positives, those first named within the
year after it (by talent's own reading of the owner files). Splits are by time and by
repository at once: a model fitted on the older cuts (two to four years back) of the
training folds' repositories ranks the one-year cut of the held-out repositories. Prints
the mean recall@10 and recall@20 of the learned model, of commit count and of commits in
the last year before the cut, over the held-out cuts that have a positive, and the ratio
of the learned model's recall@10 to that of commits in the last year.

"rising" is :mod:`talent.ranking.rising`'s trajectory model
(:func:`talent.ranking.rising.rising_tables`,
cached as ``OWNER__NAME.rising.pkl``), fitted and held out the same way; the benchmark
also chooses the probability above which its first ``top`` candidates of a repository are
marked rising (the threshold with the best F1 of the marks against who was named, over the
held-out cuts), and ``--save-rising`` writes the model fitted on every cut with it.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from talent.config import Settings
from talent.ranking.learning import (
    FIT,
    FUTURE_SIGNALS,
    fit_model,
    ranked,
    recall_at,
    score_table,
)
from talent.ranking.rising import FEATURES, fit_rising, rising_tables
from talent.ranking.training import YEAR, future_tables
from talent.store import open_store

BACK = (1, 2, 3, 4)  # cuts, in years before the head
TESTED = (1, 2)  # the cuts ranked; models learn from the cuts older than each


def load(
    corpus: Path, truth_dirs: list[Path], kind: str = "future"
) -> dict[str, dict[int, pd.DataFrame]]:
    """Per repository, its tables by years back: ``kind`` "future"
    (:func:`talent.ranking.training.future_tables`) or "rising"
    (:func:`talent.ranking.rising.rising_tables`),
    cached beside the store."""
    build = future_tables if kind == "future" else rising_tables
    out = {}
    for truth_dir in truth_dirs:
        for truth_path in sorted(truth_dir.glob("*.truth.json")):
            db = corpus / truth_path.name.replace(".truth.json", ".db")
            if not db.exists():
                continue
            truth = json.loads(truth_path.read_text())
            cache = db.with_suffix(f".{kind}.pkl")
            if cache.exists() and cache.stat().st_mtime > db.stat().st_mtime:
                out[truth["repo"]] = pickle.loads(cache.read_bytes())
                continue
            head = pd.Timestamp(truth["head_date"]).tz_convert("UTC")
            cuts = {years: head - years * YEAR for years in BACK}
            url = f"sqlite:///{db}"
            engine = open_store(url, create=False)
            tables = build(engine, Settings(db_url=url), list(cuts.values()))
            engine.dispose()
            by_years = {y: tables[c] for y, c in cuts.items() if c in tables}
            cache.write_bytes(pickle.dumps(by_years))
            out[truth["repo"]] = by_years
    return out


def choose_threshold(marks: pd.DataFrame, top: int) -> tuple[float, dict]:
    """The probability above which a repository's first ``top`` candidates are marked
    rising: the one with the best F1 of the marks against who was named in the year,
    over the held-out cuts (``marks``: ``pair``, ``rank``, ``probability``, ``named``)."""
    head = marks[marks["rank"] <= top]
    best = (0.0, {"threshold": 0.0, "marked": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0})
    positives = int(marks["named"].sum())
    for threshold in sorted(set(head["probability"].round(4))):
        marked = head[head["probability"] >= threshold]
        hits = int(marked["named"].sum())
        precision = hits / max(len(marked), 1)
        recall = hits / max(positives, 1)
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        if f1 > best[0]:
            best = (f1, {"threshold": float(threshold), "marked": len(marked),
                         "precision": round(precision, 3), "recall": round(recall, 3),
                         "f1": round(f1, 3)})  # fmt: skip
    return best[1]["threshold"], best[1]


def main(argv: list[str]) -> int:
    from sklearn.model_selection import GroupKFold

    options = {
        "--C": str(FIT["C"]),
        "--folds": "5",
        "--save": "",
        "--signals": ",".join(FUTURE_SIGNALS),
        "--pairs": str(FIT["pairs"]),
        "--rising-C": "1.0",
        "--rising-scale": "logmax",
        "--rising-features": ",".join(FEATURES),
        "--save-rising": "",
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
    trajectories = load(Path(args[0]), [Path(a) for a in args[1:]], "rising")
    loaded = time.perf_counter() - started
    C = float(options["--C"])
    signals = options["--signals"].split(",")
    fit = {**FIT, "C": C, "pairs": int(options["--pairs"])}
    rising_fit = {"C": float(options["--rising-C"]), "scale": options["--rising-scale"],
                  "features": options["--rising-features"].split(",")}  # fmt: skip
    repos = sorted(set(data) & set(trajectories))
    rows, marks = [], []
    for train, test in GroupKFold(n_splits=int(options["--folds"])).split(repos, groups=repos):
        for cut in TESTED:  # each tested cut ranked by a model of strictly older cuts
            older = {
                f"{repos[i]}@{y}": data[repos[i]][y]
                for i in train
                for y in BACK
                if y > cut and y in data[repos[i]]
            }
            model = fit_model(older, signals, "named_next", **fit)
            rising = fit_rising(
                {f"{repos[i]}@{y}": trajectories[repos[i]][y] for i in train for y in BACK
                 if y > cut and y in trajectories[repos[i]]}, **rising_fit,
            )  # fmt: skip
            for i in test:
                table = data[repos[i]].get(cut)
                if table is None or not table["named_next"].any():
                    continue
                relevant = set(table.index[table["named_next"]].astype(str))
                row = {"repo": f"{repos[i]} -{cut}y", "positives": len(relevant),
                       "candidates": len(table)}  # fmt: skip
                # The same candidates (people active before the cut, not yet named).
                trajectory = trajectories[repos[i]][cut].reindex(table.index)
                trajectory = trajectory.fillna({f: 0.0 for f in rising.features})
                probability = rising.probability(trajectory)
                order = ranked(probability)
                marks.append(pd.DataFrame({
                    "pair": row["repo"], "rank": range(1, len(order) + 1),
                    "probability": probability.reindex(order).to_numpy(),
                    "named": pd.Index(order).isin(relevant),
                }))  # fmt: skip
                for method, score in (
                    ("learned", score_table(model, table)),
                    ("rising", probability),
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
    for method in ("learned", "rising"):
        for cut in TESTED:
            part = frame[frame.index.str.endswith(f" -{cut}y")]
            print(
                f"{method} on the {cut}-year cuts: r@10 {part[f'{method} r@10'].mean():.3f} "
                f"vs commits last year {part['commits last year r@10'].mean():.3f} "
                f"({part[f'{method} r@10'].mean() / part['commits last year r@10'].mean():.2f}x, "
                f"{len(part)} pairs)"
            )
    ratio = means["rising r@10"] / base
    print(f"rising r@10 / commits-last-year r@10 = {ratio:.2f}")
    top = 10
    threshold, flag = choose_threshold(pd.concat(marks, ignore_index=True), top)
    print(f"rising marks (first {top} of a repository with probability >= threshold): {flag}")
    print(f"tables {loaded:.0f} s, folds {time.perf_counter() - started - loaded:.0f} s")
    if options["--save"]:
        every = {f"{r}@{y}": t for r in repos for y, t in data[r].items()}
        model = fit_model(every, signals, "named_next", **fit)
        Path(options["--save"]).write_text(model.to_json())
    if options["--save-rising"]:
        every = {f"{r}@{y}": t for r in repos for y, t in trajectories[r].items()}
        model = fit_rising(every, **rising_fit)
        model = replace(model, top=top, threshold=threshold,
                        info={**model.info, "held_out": {
                            "rising r@10": round(float(means["rising r@10"]), 3),
                            "rising r@20": round(float(means["rising r@20"]), 3),
                            "commits last year r@10": round(float(base), 3),
                            "ratio r@10": round(float(ratio), 2), "marks": flag}})  # fmt: skip
        Path(options["--save-rising"]).write_text(model.to_json() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
