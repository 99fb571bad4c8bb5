"""Every built-in profile, the learned maintainer model and commit count, by grouped
cross-validation over the training corpus.

Usage: python benchmarks/maintainer_model.py [--target ever|now] [--folds K] [--per-repo]
       [--signals A,B,...] [--define NAME=A+B-C ...] [--scale logmax|top|quantile] [--C C]
       [--pairs N] [--top N] [--monotone 1|0] [--prior PROFILE] [--cache DIR] [--ablate A,B,...]
       [--save MODEL_JSON] [--check CHECK_JSON] CORPUS TRUTH_DIR [TRUTH_DIR ...]

Defaults are those of the shipped model (``talent.ranking.learning.MODEL_SIGNALS``,
``MODEL_TARGET`` and ``FIT``).

CORPUS holds one store per repository (``benchmarks/mine_corpus.py``), named like the
truth files (``OWNER__NAME.db``). Each store's examples
(:func:`talent.ranking.training.person_table`)
are cached in ``--cache`` (default: beside the store) as ``OWNER__NAME.table.pkl``, rebuilt
when the store is newer. Every repository is scored by a model fitted on the folds that do
not hold it, and by every built-in profile whose weights are fixed; metrics are those of
``talent evaluate`` (:func:`talent.views.evaluate.ranking_metrics`: the truth file's maintainers
matched to people by their listed identities), for the maintainers ever named and those
named at the truth's head. Prints the mean NDCG@20 and P@10 per method and scope, and per
method its margin over commit count: the mean, the worst repository's and how many
repositories are more than 0.10 below.

``--define NAME=A+B-C`` adds a signal summed from the table's columns (signals and
``talent.ranking.learning.EXTRA_FEATURES``), to try groupings before they become signals of
``talent.ranking.scoring.SIGNAL_TABLE``. ``--ablate A,B`` refits without each of them in turn and
prints the held-out gain each brings. ``--save`` writes the model fitted on all of CORPUS;
``--check`` writes the held-out means (the app's line on how the ranking compares with
commit count, :func:`talent.views.evaluate.ranking_check_text`).
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path

import pandas as pd

from talent.config import Settings
from talent.ranking.learning import (
    FIT,
    MODEL_SIGNALS,
    MODEL_TARGET,
    cross_validate,
    fit_model,
    ranked,
)
from talent.ranking.training import person_table
from talent.store import load_identities, load_identity_links, load_people, open_store
from talent.views.evaluate import SCOPES, load_truth, match_maintainers, ranking_metrics

BELOW = 0.10  # a repository this far below commit count is a failure of the ranking


def load_corpus(corpus: Path, truth_dirs: list[Path], cache: Path | None = None):
    tables, matches = {}, {}
    for truth_dir in truth_dirs:
        for truth_path in sorted(truth_dir.glob("*.truth.json")):
            db = corpus / truth_path.name.replace(".truth.json", ".db")
            if not db.exists():
                continue
            truth = load_truth(truth_path)
            kept = (cache or db.parent) / db.with_suffix(".table.pkl").name
            if kept.exists() and kept.stat().st_mtime > db.stat().st_mtime:
                tables[truth.repo], matches[truth.repo] = pickle.loads(kept.read_bytes())
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
                "current": {login: p for login, p in found.items() if login in current},
            }
            engine.dispose()
            kept.write_bytes(pickle.dumps((table, match)))
            tables[truth.repo], matches[truth.repo] = table, match
    return tables, matches


def define(tables: dict, definitions: list[str]) -> None:
    """Add each ``NAME=A+B-C`` signal to every table, summed from its columns."""
    for text in definitions:
        name, _, formula = text.partition("=")
        terms = formula.replace("-", "+-").split("+")
        for table in tables.values():
            if table.empty:
                continue
            total = pd.Series(0.0, index=table.index)
            for term in filter(None, terms):
                sign, column = (-1.0, term[1:]) if term.startswith("-") else (1.0, term)
                total += sign * table[column].astype(float).fillna(0.0)
            table[name] = total.clip(lower=0.0)


def run(tables, matches, signals, target, folds, fit) -> pd.DataFrame:
    def judge(repo, scores):
        for method, score in scores.items():
            order = ranked(score[score > 0] if method == "commit count" else score)
            for scope in SCOPES:
                m = ranking_metrics(order, matches[repo][scope])
                yield {"repo": repo, "method": method, "scope": scope,
                       "ndcg20": m.ndcg_at_20, "p10": m.precision_at_10}  # fmt: skip

    return cross_validate(tables, signals, judge, folds, target, **fit)


def summary(rows: pd.DataFrame) -> dict:
    """Per method: mean NDCG@20 and P@10 per scope, and the margin over commit count."""
    table = rows.pivot_table(index=["scope", "repo"], columns="method", values="ndcg20")
    out = {}
    for method in rows["method"].unique():
        entry = {}
        for scope in SCOPES:
            part = rows[(rows["method"] == method) & (rows["scope"] == scope)]
            entry[f"ndcg20_{scope}"] = round(float(part["ndcg20"].mean()), 3)
            entry[f"p10_{scope}"] = round(float(part["p10"].mean()), 3)
            entry[f"repos_{scope}"] = int(part["ndcg20"].notna().sum())
            margin = (table.loc[scope, method] - table.loc[scope, "commit count"]).dropna()
            entry[f"margin_{scope}"] = round(float(margin.mean()), 3)
            entry[f"worst_{scope}"] = round(float(margin.min()), 3)
            entry[f"worst_repo_{scope}"] = str(margin.idxmin())
            entry[f"below_{scope}"] = int((margin < -BELOW).sum())
        out[method] = entry
    return out


def report(rows: pd.DataFrame, per_repo: bool) -> dict:
    if per_repo:
        table = rows.pivot_table(index=["scope", "repo"], columns="method", values="ndcg20")
        print(table.round(3).to_string())
    found = summary(rows)
    head = f"{'method':<14}" + "".join(
        f"{c:>12}" for c in ("NDCG ever", "NDCG now", "P@10 ever", "P@10 now")
    )
    print(head)
    for method, e in found.items():
        print(f"{method:<14}" + "".join(f"{e[c]:>12.3f}" for c in
              ("ndcg20_ever", "ndcg20_current", "p10_ever", "p10_current")))  # fmt: skip
    for method, e in found.items():
        if method == "commit count":
            continue
        for scope in SCOPES:
            print(
                f"{scope}: {method} - commit count NDCG@20 mean {e[f'margin_{scope}']:+.3f}, "
                f"worst {e[f'worst_{scope}']:+.3f} ({e[f'worst_repo_{scope}']}), "
                f"{e[f'below_{scope}']} of {e[f'repos_{scope}']} more than {BELOW} below"
            )
    return found


def main(argv: list[str]) -> int:
    options = {
        "--target": MODEL_TARGET,
        "--C": str(FIT["C"]),
        "--folds": "5",
        "--save": "",
        "--check": "",
        "--scale": FIT["scale"],
        "--top": "",
        "--pairs": str(FIT["pairs"]),
        "--monotone": "1" if FIT["monotone"] else "0",
        "--signals": ",".join(MODEL_SIGNALS),
        "--cache": "",
        "--ablate": "",
        "--prior": "",
    }
    per_repo = "--per-repo" in argv
    definitions: list[str] = []
    args, rest = [], iter(a for a in argv if a != "--per-repo")
    for arg in rest:
        if arg == "--define":
            definitions.append(next(rest))
        elif arg in options:
            options[arg] = next(rest)
        else:
            args.append(arg)
    if len(args) < 2:
        print("\n".join(__doc__.strip().splitlines()[3:7]), file=sys.stderr)
        return 2
    started = time.perf_counter()
    cache = Path(options["--cache"]) if options["--cache"] else None
    if cache:
        cache.mkdir(parents=True, exist_ok=True)
    tables, matches = load_corpus(Path(args[0]), [Path(a) for a in args[1:]], cache)
    define(tables, definitions)
    loaded = time.perf_counter() - started

    target = "named_" + options["--target"]
    signals = options["--signals"].split(",")
    folds = int(options["--folds"])
    fit = {
        "C": float(options["--C"]),
        "scale": options["--scale"],
        "top": int(options["--top"]) if options["--top"] else None,
        "pairs": int(options["--pairs"]),
        "monotone": options["--monotone"] == "1",
    }
    if options["--prior"]:  # a built-in profile's weights the curves are pulled toward
        fit["prior"] = Settings().profile(options["--prior"]).as_dict()
    started = time.perf_counter()
    rows = run(tables, matches, signals, target, folds, fit)
    fitted = time.perf_counter() - started
    found = report(rows, per_repo)
    print(f"tables {loaded:.0f} s, cross-validation {fitted:.0f} s, repositories {len(tables)}")
    ablated = [s for s in options["--ablate"].split(",") if s]
    for signal in ablated:
        without = summary(run(tables, matches, [s for s in signals if s != signal], target,
                              folds, fit))["learned"]  # fmt: skip
        gain = {s: found["learned"][f"ndcg20_{s}"] - without[f"ndcg20_{s}"] for s in SCOPES}
        print(
            f"ablate {signal}: without it NDCG@20 ever {without['ndcg20_ever']:.3f}, now "
            f"{without['ndcg20_current']:.3f}; held-out gain it brings ever "
            f"{gain['ever']:+.3f}, now {gain['current']:+.3f}; worst without "
            f"{without['worst_ever']:+.3f} / {without['worst_current']:+.3f}"
        )
    if options["--check"]:
        check = {
            "checked_on": len(tables),
            "held_out": f"grouped {folds}-fold cross-validation by repository",
            "truth": "maintainers named in the projects' owner files (ever / at the head)",
            "methods": found,
        }
        Path(options["--check"]).write_text(json.dumps(check, indent=1) + "\n")
    if options["--save"]:
        started = time.perf_counter()
        model = fit_model(tables, signals, target, **fit)
        Path(options["--save"]).write_text(model.to_json() + "\n")
        print(f"fitted on all {len(tables)} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
