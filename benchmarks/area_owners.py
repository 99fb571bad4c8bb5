"""Does the Maintainers page list, for a folder with its own owner-file entry, the people
that entry names?

Usage: python benchmarks/area_owners.py [--json] [--top N] DB_OR_DIR [DB_OR_DIR ...]

Each database (a folder: every ``*.db`` in it) is one mined repository. It is copied to a
temporary folder first (resolving people writes to the store). For every component
(:func:`talent.ranking.components.build_components`) that an ``OWNERS`` file or a ``CODEOWNERS``
line on its folder makes (the entry in force at the mined head), each person the entry
names is followed to the page's per-area table (:func:`talent.views.stewardship.area_owners`):

- ``in_practice``: among the owners in practice the table shows (the top ``--top``, and
  the named ones who own it in practice further down);
- ``in_top``: among the top ``--top`` owners in practice alone (the table before it
  listed named owners further down);
- ``owner``: an owner in practice there at all (authors a file, or reviews and merges
  enough), shown or cut by the top;
- ``active``: any work there (commits, reviews, merges);
- ``listed``: on the table's row at all (in practice or in its "named" column).

Shares are of the named people matched to a person; unmatched logins (no identity in the
data matches them: never guessed) and teams (no members without the GitHub API) are
counted apart. ``before`` is the same check against the page as it was, which had no
row for the folder: an owner in practice of the generic area (:func:`talent.ranking.skills.area_of`)
that holds most of the folder's files and one of the heatmap's 20 people with the largest
shares (lenient: those areas are large, e.g. "other" for most Go code);
``before_top`` the same with the area's top ``--top`` owners (as ``in_top``).
With ``--json`` the last line is one object.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine
from store_copy import copy_store

from talent.ranking.components import pattern_folder
from talent.ranking.scoring import build_ranking_base
from talent.ranking.skills import area_of
from talent.views.maintainers import owners_in_practice
from talent.views.stewardship import AREA_TOP, area_owners, maintainers_report

HEATMAP_PEOPLE = 20  # the Maintainers page's heatmap before components


def _before(base, folder_paths: dict, wanted: list[tuple[str, str, str]], n: int):
    """(repo, folder, person) of ``wanted`` whom the generic-area heatmap showed, and
    those among the area's ``n`` top owners."""
    practice = owners_in_practice(base.changes, base.acts, by="area")
    owners = practice[practice["is_owner"].astype(bool)]
    top = set(owners.groupby("person")["share"].sum().nlargest(HEATMAP_PEOPLE).index)
    by_area = set(zip(owners["repo"], owners["key"], owners["person"], strict=True))
    firsts = owners.groupby(["repo", "key"]).head(n)
    top_n = set(zip(firsts["repo"], firsts["key"], firsts["person"], strict=True))
    seen, seen_top = set(), set()
    for repo, folder, person in wanted:
        areas = pd.Series([area_of(p) or "other" for p in folder_paths.get((repo, folder), [])])
        if areas.empty:
            continue
        area = areas.value_counts().index[0]
        if person in top and (repo, area, person) in by_area:
            seen.add((repo, folder, person))
        if (repo, area, person) in top_n:
            seen_top.add((repo, folder, person))
    return seen, seen_top


def measure(db: Path, top: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{copy_store(db, Path(tmp))}")
        base = build_ranking_base(engine)
        report = maintainers_report(engine, base=base)
        table = area_owners(report, top=top)
        engine.dispose()
    named = report.named_owners[report.named_owners["current"]]
    named = named.assign(folder=named["pattern"].fillna("").map(pattern_folder))
    components = report.components[report.components["source"].isin(["OWNERS", "CODEOWNERS"])]
    rows = table.set_index(["repo", "area"])
    practice = report.owners[report.owners["key"] != "*"]
    owner = practice[practice["is_owner"].astype(bool)]
    owner_keys = set(zip(owner["repo"], owner["key"], owner["person"], strict=True))
    firsts = owner.groupby(["repo", "key"]).head(top)
    top_keys = set(zip(firsts["repo"], firsts["key"], firsts["person"], strict=True))
    active_keys = set(zip(practice["repo"], practice["key"], practice["person"], strict=True))
    out = {"entries": 0, "entries_in_table": 0, "people": 0, "unmatched": 0, "teams": 0,
           "in_practice": 0, "in_top": 0, "owner": 0, "active": 0, "listed": 0}  # fmt: skip
    wanted = []
    for c in components.itertuples(index=False):
        kind = c.source
        entry = named[(named["repo"] == c.repo) & (named["folder"] == c.prefix)
                      & (named["source"].map(posixpath.basename) == kind)]  # fmt: skip
        if entry.empty:
            continue
        out["entries"] += 1
        row = rows.loc[(c.repo, c.component)] if (c.repo, c.component) in rows.index else None
        out["entries_in_table"] += row is not None
        out["teams"] += int((entry["kind"] == "team").sum())
        people = entry[entry["kind"] != "team"].drop_duplicates("login")
        out["unmatched"] += int(people["person_id"].isna().sum())
        for pid in dict.fromkeys(p for p in people["person_id"] if isinstance(p, str)):
            out["people"] += 1
            wanted.append((c.repo, c.prefix, pid))
            key = (c.repo, c.component, pid)
            shown = row is not None and pid in row["in_practice_ids"]
            out["in_practice"] += shown
            out["in_top"] += key in top_keys
            out["owner"] += key in owner_keys
            out["active"] += key in active_keys
            out["listed"] += row is not None and (shown or pid in row["named_ids"])
    paths = {}
    for path in pd.unique(base.changes["path"]):
        repo, rel = path.split(":", 1)
        for folder in {f for _r, f, _p in wanted if _r == repo and rel.startswith(f + "/")}:
            paths.setdefault((repo, folder), []).append(rel)
    seen, seen_top = _before(base, paths, wanted, top) if wanted else (set(), set())
    out["before"], out["before_top"] = len(seen), len(seen_top)
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--top", type=int, default=AREA_TOP)
    args = parser.parse_args(argv)
    dbs = [p for a in args.paths for p in (sorted(a.glob("*.db")) if a.is_dir() else [a])]
    total: dict[str, int] = {}
    per_db = {}
    for db in dbs:
        started = time.monotonic()
        try:
            found = measure(db, args.top)
        except Exception as error:  # one broken store must not hide the others
            print(f"{db.name}: skipped ({type(error).__name__}: {error})", file=sys.stderr)
            continue
        if not found["entries"]:
            continue
        per_db[db.stem] = found
        for k, v in found.items():
            total[k] = total.get(k, 0) + v
        print(f"{db.stem}: {found} ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    people = total.get("people", 0)

    def share(k: str) -> float | None:
        return round(total.get(k, 0) / people, 4) if people else None

    summary = {
        "databases": len(per_db), "top": args.top, **total,
        **{f"share_{k}": share(k) for k in ("in_practice", "in_top", "owner", "active",
                                            "listed", "before", "before_top")},
    }  # fmt: skip
    if args.json:
        print(json.dumps({"summary": summary, "per_db": per_db}))
    else:
        for k, v in summary.items():
            print(f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
