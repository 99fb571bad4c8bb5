"""The learned maintainer model against commit count and the hand weights, by grouped
cross-validation over the training corpus.

Usage: python benchmarks/maintainer_model.py [--target ever|now] [--folds K] [--per-repo]
       [--signals A,B,...] [--scale logmax|top|quantile] [--C C] [--pairs N] [--top N]
       [--monotone 1|0] [--save MODEL_JSON] CORPUS TRUTH_DIR [TRUTH_DIR ...]

Defaults are those of the shipped model (``talent.learning.MODEL_SIGNALS`` and ``FIT``).

CORPUS holds one store per repository (``benchmarks/mine_corpus.py``), named like the
truth files (``OWNER__NAME.db``). Each store's examples (:func:`talent.learning.person_table`)
are cached beside it (``OWNER__NAME.table.pkl``, rebuilt when the store is newer). Every
repository is scored by a model fitted on the folds that do not hold it; metrics are those
of ``talent evaluate`` (:func:`talent.evaluate.ranking_metrics`: the truth file's
maintainers matched to people by their listed identities), for the maintainers ever named
and those named at the truth's head. Prints the mean NDCG@20 and P@10 per method and
scope, the margin of the learned model over commit count and the worst repository's
margin; with ``--save`` the model fitted on all of CORPUS is written too.
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

from talent.config import Settings
from talent.evaluate import load_truth, match_maintainers, ranking_metrics
from talent.learning import (
    FIT,
    MODEL_SIGNALS,
    cross_validate,
    fit_model,
    person_table,
    ranked,
)
from talent.store import load_identities, load_identity_links, load_people, open_store


def load_corpus(corpus: Path, truth_dirs: list[Path]) -> tuple[dict, dict]:
    tables, matches = {}, {}
    for truth_dir in truth_dirs:
        for truth_path in sorted(truth_dir.glob("*.truth.json")):
            db = corpus / truth_path.name.replace(".truth.json", ".db")
            if not db.exists():
                continue
            truth = load_truth(truth_path)
            cache = db.with_suffix(".table.pkl")
            if cache.exists() and cache.stat().st_mtime > db.stat().st_mtime:
                tables[truth.repo], matches[truth.repo] = pickle.loads(cache.read_bytes())
                continue
            url = f"sqlite:///{db}"
            engine = open_store(url, create=False)
            table = person_table(engine, Settings(db_url=url))
            found = match_maintainers(
                truth, load_identities(engine), load_identity_links(engine), load_people(engine)
            )
            current = {m.login for m in truth.maintainers if m.current}
            match = {
                "ever": found,
                "now": {login: p for login, p in found.items() if login in current},
            }
            engine.dispose()
            cache.write_bytes(pickle.dumps((table, match)))
            tables[truth.repo], matches[truth.repo] = table, match
    return tables, matches


def main(argv: list[str]) -> int:
    options = {
        "--target": "ever",
        "--C": str(FIT["C"]),
        "--folds": "5",
        "--save": "",
        "--scale": FIT["scale"],
        "--top": "",
        "--pairs": str(FIT["pairs"]),
        "--monotone": "1" if FIT["monotone"] else "0",
        "--signals": ",".join(MODEL_SIGNALS),
    }
    per_repo = "--per-repo" in argv
    args, rest = [], iter(a for a in argv if a != "--per-repo")
    for arg in rest:
        if arg in options:
            options[arg] = next(rest)
        else:
            args.append(arg)
    if len(args) < 2:
        print("\n".join(__doc__.strip().splitlines()[3:6]), file=sys.stderr)
        return 2
    started = time.perf_counter()
    tables, matches = load_corpus(Path(args[0]), [Path(a) for a in args[1:]])
    loaded = time.perf_counter() - started

    def judge(repo, scores):
        for method, score in scores.items():
            order = ranked(score[score > 0] if method == "commit count" else score)
            for scope in ("ever", "now"):
                m = ranking_metrics(order, matches[repo][scope])
                yield {"repo": repo, "method": method, "scope": scope,
                       "ndcg20": m.ndcg_at_20, "p10": m.precision_at_10}  # fmt: skip

    target = "named_" + options["--target"]
    signals = options["--signals"].split(",")
    fit = {
        "C": float(options["--C"]),
        "scale": options["--scale"],
        "top": int(options["--top"]) if options["--top"] else None,
        "pairs": int(options["--pairs"]),
        "monotone": options["--monotone"] == "1",
    }
    started = time.perf_counter()
    rows = cross_validate(tables, signals, judge, int(options["--folds"]), target, **fit)
    fitted = time.perf_counter() - started
    table = rows.pivot_table(index=["scope", "repo"], columns="method", values="ndcg20")
    if per_repo:
        print(table.round(3).to_string())
    means = rows.groupby(["scope", "method"])[["ndcg20", "p10"]].mean().round(3)
    print(means.to_string())
    for scope in ("ever", "now"):
        for method in ("learned", "hand"):
            margin = (table.loc[scope, method] - table.loc[scope, "commit count"]).dropna()
            print(
                f"{scope}: {method} - commit count NDCG@20 mean {margin.mean():+.3f}, "
                f"worst {margin.min():+.3f} ({margin.idxmin()}), repos {len(margin)}"
            )
    print(f"tables {loaded:.0f} s, cross-validation {fitted:.0f} s, repositories {len(tables)}")
    if options["--save"]:
        started = time.perf_counter()
        model = fit_model(tables, signals, target, **fit)
        Path(options["--save"]).write_text(model.to_json() + "\n")
        print(f"fitted on all {len(tables)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
