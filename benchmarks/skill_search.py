"""Does the skill search find the people who did the work? Folder names as queries on real
repositories, with the work each person did in those folders as the truth.

    python benchmarks/skill_search.py [--queries N] [--limit N] [--show] [--json] DB_OR_FOLDER...

For each mined database (``OWNER__NAME.db``; a folder means every ``*.db`` in it), a copy
is ranked (:func:`talent.ranking.scoring.build_ranking_base`; the database itself is never
written) and asked :func:`talent.ranking.scoring.match_skills` for:

- **folder queries**: the N (default 5) top-level folder names most commits touch, each
  asked as its name ("storage", "model_registry"); the truth for a name is every commit
  touching a folder of that name at any depth;
- **component queries**: the N two-level folders most commits touch ("sdk/python"), each
  asked as its words ("sdk python"); the truth is every commit under that folder.

Left out as queries: folders too generic to name a skill (``talent.ranking.search.GENERIC_FOLDERS``:
src, lib, test(s), docs, pkg, internal, cmd, hack, scripts, examples, .github ...), code
of others (vendor, third_party, node_modules), the repository's own name, names of fewer
than three letters and names without letters. A person's truth **gain** for a query is
the number of commits they authored that touch the folder (each commit once, whatever
its size: an independent count, not the search's own line weighting).

Reported, over all queries:

- ``ndcg10``: mean NDCG@10 of the search's order against the truth gains (linear gains,
  ``gain / log2(position + 1)``; the ideal is the truth's own top 10);
- ``nobody``: queries the search answered with nobody;
- ``drive_by``: queries whose top 10 holds someone with under 1% of the truth's matching
  work while someone left out of the top 10 did at least 1% (a drive-by in a place a
  real contributor should hold); ``drive_by_strict`` counts those where anyone left out
  did more (at the tail, people under 1% each, this is often a tie of one commit);
- ``precision10``: mean share of the top 10 who did any of the folder's work.

``--show`` prints each query's top 5 with the truth share of each. ``--json`` ends with a
JSON line. Nothing is committed from the data.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from store_copy import copy_store

from talent.config import Settings
from talent.ranking.scoring import build_ranking_base, match_skills
from talent.ranking.search import GENERIC_FOLDERS, VENDORED_FOLDERS
from talent.store import open_store

TOP = 10


def folder_queries(changes: pd.DataFrame, repo: str, n: int) -> list[tuple[str, str, set]]:
    """(kind, query, commits touching its folder) for the busiest folders of one
    repository: ``n`` top-level names and ``n`` two-level folders."""
    bare = changes["path"].str.split(":", n=1).str[-1]
    frame = pd.DataFrame({"path": bare.to_numpy(), "commit": changes["commit"].to_numpy()})
    own = repo.split("/")[-1].lower()

    def usable(parts: list[str]) -> bool:
        name = parts[-1].lower()
        return (
            len(name) >= 3
            and re.search(r"[a-z]", name) is not None
            and name not in GENERIC_FOLDERS
            and name != own
            and not VENDORED_FOLDERS & {p.lower() for p in parts}
        )

    folders = frame["path"].str.rsplit("/", n=1).str[0].where(frame["path"].str.contains("/"))
    frame = frame.assign(folder=folders).dropna()
    top_level = frame["folder"].str.split("/").str[0]
    counts = frame.groupby(top_level)["commit"].nunique().sort_values(ascending=False)
    queries = []
    names = [name for name in counts.index if usable([name])][:n]
    segments = frame["folder"].str.lower().str.split("/")
    for name in names:
        want = name.lower()
        hit = segments.map(lambda parts, want=want: want in parts)
        queries.append(("folder", name, set(frame.loc[hit, "commit"])))
    two = frame["folder"].str.split("/").str[:2]
    deep = two.str.len() == 2
    second = two[deep].str.join("/")
    counts = frame[deep].groupby(second)["commit"].nunique().sort_values(ascending=False)
    for folder in [f for f in counts.index if usable(f.split("/"))][:n]:
        under = frame["folder"].eq(folder) | frame["folder"].str.startswith(folder + "/")
        queries.append(("component", folder.replace("/", " "), set(frame.loc[under, "commit"])))
    return queries


def ndcg(order: list[str], gains: pd.Series, k: int = TOP) -> float:
    """NDCG@k of ``order`` (person ids) against ``gains`` (person -> gain), linear gains.

    >>> ndcg(["a", "b"], pd.Series({"a": 3, "b": 1})), ndcg(["b", "a"], pd.Series({"a": 3}))
    (1.0, 0.63)
    """
    dcg = sum(gains.get(p, 0) / math.log2(i + 2) for i, p in enumerate(order[:k]))
    ideal = sorted(gains, reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return round(float(dcg / best), 2) if best else 1.0


def evaluate_repository(path: Path, n: int, show: bool) -> list[dict]:
    """Every query of one database with its figures."""
    with tempfile.TemporaryDirectory() as directory:
        copy = copy_store(path, Path(directory))
        url = f"sqlite:///{copy}"
        engine = open_store(url)
        base = build_ranking_base(engine, Settings(db_url=url))
        engine.dispose()
    changes = base.changes
    if base.table.empty or changes.empty:
        return []
    repo = changes["path"].iloc[0].split(":", 1)[0]
    names = base.table["name"]
    author = changes.drop_duplicates("commit").set_index("commit")["person"]
    results = []
    for kind, query, commits in folder_queries(changes, repo, n):
        gains = author.reindex(sorted(commits)).value_counts()
        share = gains / gains.sum()
        start = time.perf_counter()
        found = match_skills(base, query)
        seconds = time.perf_counter() - start
        order = found.index.tolist()
        top = order[:TOP]
        outside = share.drop(top, errors="ignore")
        best_outside = outside.max() if len(outside) else 0.0
        small = [p for p in top if share.get(p, 0.0) < 0.01]
        # A drive-by holds a top-10 place that someone with at least 1% of the work was
        # left out of; strictly, that anyone left out did more.
        drive_by = [p for p in small if best_outside >= 0.01]
        strict = [p for p in small if share.get(p, 0.0) < best_outside]
        results.append(
            {
                "repo": repo,
                "kind": kind,
                "query": query,
                "people": len(gains),
                "found": len(order),
                "ndcg10": ndcg(order, gains) if order else 0.0,
                "precision10": sum(p in gains.index for p in top) / max(min(TOP, len(gains)), 1),
                "drive_by": len(drive_by),
                "drive_by_strict": len(strict),
                "seconds": seconds,
            }
        )
        if show:
            line = ", ".join(f"{names.get(p, p)} {share.get(p, 0.0):.0%}" for p in order[:5])
            print(f"    {kind:9} {query!r}: ndcg {results[-1]['ndcg10']:.2f} | {line}")
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--queries", type=int, default=5, help="queries of each kind per repo")
    parser.add_argument("--limit", type=int, default=0, help="at most this many databases")
    parser.add_argument("--show", action="store_true", help="print each query's top 5")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    args = parser.parse_args(argv)
    dbs = sorted(db for p in args.paths for db in (sorted(p.glob("*.db")) if p.is_dir() else [p]))
    if args.limit:
        dbs = dbs[: args.limit]
    rows: list[dict] = []
    for db in dbs:
        start = time.perf_counter()
        found = evaluate_repository(db, args.queries, args.show)
        rows += found
        if found:
            frame = pd.DataFrame(found)
            print(
                f"{db.stem:45} queries {len(frame):2}  ndcg@10 {frame['ndcg10'].mean():.2f}  "
                f"nobody {int((frame['found'] == 0).sum())}  drive-by "
                f"{int((frame['drive_by'] > 0).sum())}  ({time.perf_counter() - start:.0f}s)",
                flush=True,
            )
    if not rows:
        print("no queries: no database with file changes", file=sys.stderr)
        return {}
    frame = pd.DataFrame(rows)
    summary = {
        "repositories": int(frame["repo"].nunique()),
        "queries": len(frame),
        "ndcg10": round(float(frame["ndcg10"].mean()), 3),
        "ndcg10_folder": round(float(frame.loc[frame["kind"] == "folder", "ndcg10"].mean()), 3),
        "ndcg10_component": round(
            float(frame.loc[frame["kind"] == "component", "ndcg10"].mean()), 3
        ),
        "precision10": round(float(frame["precision10"].mean()), 3),
        "nobody": int((frame["found"] == 0).sum()),
        "drive_by": int((frame["drive_by"] > 0).sum()),
        "drive_by_strict": int((frame["drive_by_strict"] > 0).sum()),
        "median_query_s": round(float(frame["seconds"].median()), 4),
    }
    print(
        f"{summary['queries']} queries on {summary['repositories']} repositories: "
        f"NDCG@10 {summary['ndcg10']:.3f} (folders {summary['ndcg10_folder']:.3f}, components "
        f"{summary['ndcg10_component']:.3f}; target >= 0.8), answered with nobody "
        f"{summary['nobody']} (target 0), top 10 with a drive-by {summary['drive_by']} "
        f"(target 0; {summary['drive_by_strict']} counting anyone left out who did more), "
        f"precision@10 {summary['precision10']:.3f}"
    )
    if args.json:
        print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
