"""talent's truck factor beside the reference's: the authors' tool (aserg-ufmg/Truck-Factor,
Avelino et al., ICPC 2016) run on the same repositories at the same commit.

    python benchmarks/truck_factor.py [--json] --reference FILE DB_URL...

``FILE`` is JSON, ``{"owner/repo": {"plain": N, "linguist": N}}``: the tool's truck factor
without and with its optional Linguist step (either may be missing or null, where it
could not run). How the figures in docs/evaluation.md were obtained is written there;
the tool itself is not part of the project.

For each repository of each database it prints talent's truck factor as `talent
maintainers` computes it (files at the mined head; Linguist's rules as the repository's
``.gitattributes`` amend them, and bulk additions, left out), the same without bulk
additions left out and with nothing left out, the reference's figures, and
talent's difference from the reference (the Linguist run where it ran, else the plain
one). The issue's target: within 1.
"""

from __future__ import annotations

import argparse
import json
import sys


def measure(url: str) -> list[dict]:
    """talent's truck factors per repository of the database at ``url``."""
    from talent.config import Settings
    from talent.ranking.scoring import build_ranking_base
    from talent.store import load_head_files, open_store
    from talent.views.maintainers import build_factors, files_left_out
    from talent.views.stewardship import load_gitattributes

    engine = open_store(url, create=False)
    base = build_ranking_base(engine, Settings(db_url=url))
    changes = base.changes
    head = load_head_files(engine)
    paths = {f"{r}:{p}" for r, p in zip(head["repo"], head["path"], strict=True)}
    attributes = load_gitattributes(engine)
    left = files_left_out(paths, attributes, changes)
    rules = left[left["reason"] != "bulk addition"]

    def factors(leave_out) -> dict[str, int]:
        found = build_factors(changes, exclude=None, paths=paths, left_out=set(leave_out))
        return dict(zip(found["repo"], found["truck_factor"].astype(int), strict=True))

    shown, no_bulk, everything = factors(left["path"]), factors(rules["path"]), factors(())
    repo_of = left["path"].str.split(":", n=1).str[0]
    return [
        {
            "repo": repo,
            "files": int(head["repo"].eq(repo).sum()),
            "left_out": int(repo_of.eq(repo).sum()),
            "gitattributes": repo in attributes and bool(attributes[repo]),
            "talent": shown.get(repo),
            "talent_no_bulk": no_bulk.get(repo),
            "talent_all_files": everything.get(repo),
        }
        for repo in sorted(set(head["repo"]) | set(shown))
    ]


def compare(rows: list[dict], reference: dict) -> list[dict]:
    """``rows`` with the reference's figures and talent's difference from them."""
    out = []
    for row in rows:
        ref = reference.get(row["repo"], {})
        plain, linguist = ref.get("plain"), ref.get("linguist")
        chosen = linguist if linguist is not None else plain
        diff = None if chosen is None or row["talent"] is None else row["talent"] - chosen
        out.append({**row, "reference_plain": plain, "reference_linguist": linguist,
                    "difference": diff})  # fmt: skip
    return out


def summary(rows: list[dict]) -> dict:
    """How many repositories both ran on, and how many are within 1."""
    both = [r for r in rows if r["difference"] is not None]
    within = sum(abs(r["difference"]) <= 1 for r in both)
    return {
        "compared": len(both),
        "within_1": within,
        "share_within_1": round(within / len(both), 3) if both else None,
        "mean_abs_difference": (
            round(sum(abs(r["difference"]) for r in both) / len(both), 2) if both else None
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", metavar="DB_URL")
    parser.add_argument("--reference", required=True, metavar="FILE",
                        help="the reference's truck factors, JSON")  # fmt: skip
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        with open(args.reference, encoding="utf-8") as handle:
            reference = json.load(handle)
    except (OSError, ValueError) as exc:
        print(f"cannot read the reference figures: {exc}", file=sys.stderr)
        return 2
    rows = compare([row for url in args.urls for row in measure(url)], reference)
    if args.json:
        print(json.dumps({"repositories": rows, "summary": summary(rows)}, indent=2))
        return 0
    columns = ["repo", "files", "left_out", "talent", "talent_no_bulk", "talent_all_files",
               "reference_plain", "reference_linguist", "difference"]  # fmt: skip
    print("\t".join(columns))
    for row in rows:
        print("\t".join("-" if row[c] is None else str(row[c]) for c in columns))
    print(json.dumps(summary(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
