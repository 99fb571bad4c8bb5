"""What "Why they rank there" and outreach drafts cite, before and after substance-first
evidence: duplicates, mechanical changes, a person's own name as a topic, lines changed.

    python benchmarks/evidence_quality.py [--top N] [--show N] [--profile P] [--json]
                                          DB_OR_FOLDER...

For each mined database (``OWNER__NAME.db``; a folder means every ``*.db`` in it), a copy
is ranked with the default profile or ``--profile`` (the database itself is never
written) and, for its top N people (default 30), the explanation
(:func:`talent.ranking.scoring.explain`, three signals, three items each) is computed twice in the
same process:

- ``before``: main's selection, kept here only (:func:`old_explain`): per signal, the
  signal's main kind of act, newest first, each signal on its own; topics the TF-IDF terms
  of all the person's titles (merge commits included, no names left out);
- ``after``: this code's (substance first, mechanical changes last, no item under two
  signals; topics without merge subjects and the person's own name words).

Counted over the people, for each side:

- ``duplicates``: citations of an item (commit, pull request, issue) already cited under a
  stronger signal of the same explanation (target 0);
- ``mechanical_with_substance``: mechanical items cited (renames, mode changes, version
  bumps, reformatting, merges, reverts: :func:`talent.ranking.scoring.build_substance`) for a
  signal under which the person had a non-mechanical item the explanation did not cite
  (target 0);
- ``own_name_topics``: topics that are words of the person's own names, logins or
  e-mail addresses (target 0);
- ``median_lines``: median lines changed (vendored, generated, lock and bulk-added files
  left out) of the cited commits and pull requests, and ``small_share`` the share of
  those with under 10 lines;
- the same for the outreach draft's cited work (``outreach_*``: before, the first three
  distinct links of the explanation, as main's draft took them; after,
  :func:`talent.views.outreach.cited_work`).

``--show N`` prints the explanations, outreach work and topics of the first database's top
N people before and after. ``--json`` ends with a JSON line. Nothing from the data is
committed: the databases stay outside the project.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from store_copy import copy_store

from talent.config import Settings
from talent.ranking.scoring import (
    DEFAULT_PROFILE,
    EVIDENCE_COLUMNS,
    SIGNAL_TABLE,
    SIGNALS,
    _own_names,
    _owned_files,
    build_ranking_base,
    evidence_for,
    explain,
    score_base,
)
from talent.ranking.skills import _is_own, _top_terms, name_words
from talent.store import open_store
from talent.views.outreach import WORK_ITEMS, cited_work

SMALL_LINES = 10


# --- main's selection, kept here only to measure against --------------------------------


def old_evidence_for(evidence, person_id: str, signal: str, n: int = 3) -> pd.DataFrame:
    """Main's ``evidence_for`` (before this change), returning the item keys too."""
    if signal == "ownership":
        return _owned_files(evidence, person_id, n)  # unchanged without an area
    spec = SIGNAL_TABLE[signal]
    acts = evidence.acts
    mine = acts[(acts["person"] == person_id) & acts["kind"].isin([str(k) for k in spec.evidence])]
    mine = mine[mine["url"].astype(str) != ""]
    mine = mine.assign(key=evidence.keys.reindex(mine.index))
    if signal == "responsiveness":
        won = evidence.firsts[evidence.firsts["person"] == person_id]
        keys = set(zip(won["item"], won["replied"], strict=True))
        pairs = zip(mine["item"], mine["occurred_at"], strict=True)
        mine = mine[pd.Series([k in keys for k in pairs], index=mine.index, dtype=bool)]
    elif signal == "tests_docs":
        flags = evidence.kinds
        good = flags[flags["code"] & (flags["tests"] | flags["docs"])]
        commits = {c for p, c in good.index if p == person_id}
        mine = mine[(mine["repo"] + "@" + mine["item"].astype(str)).isin(commits)]
    priority = mine["kind"].map({str(k): i for i, k in enumerate(spec.evidence)})
    if spec.oldest_first:
        priority = priority * 0
    order = (["_priority", "occurred_at"], [True, spec.oldest_first])
    mine = mine.assign(_priority=priority).sort_values(order[0], ascending=order[1])
    with_item = mine[mine["item"].notna()].drop_duplicates("item")
    mine = pd.concat([with_item, mine[mine["item"].isna()]])
    mine = mine.sort_values(order[0], ascending=order[1])
    if signal in ("breadth", "activity"):
        mine = mine.drop_duplicates("repo")
    out = mine.drop_duplicates("url").head(n)
    sub = evidence.substance.reindex(out["key"])
    out = out.assign(
        lines=sub["lines"].to_numpy(), mechanical=sub["mechanical"].fillna("").to_numpy()
    )
    return out[EVIDENCE_COLUMNS].reset_index(drop=True)


def old_explain(ranking, evidence, person_id: str, top: int = 3, n: int = 3) -> list[dict]:
    row = ranking[ranking["person_id"] == person_id].iloc[0]
    parts = sorted(
        ((float(row[f"contrib_{s}"]), s) for s in SIGNALS if float(row[f"contrib_{s}"]) > 0),
        reverse=True,
    )[:top]
    return [
        {"signal": s, "evidence": old_evidence_for(evidence, person_id, s, n).to_dict("records")}
        for _v, s in parts
    ]


def old_topics(base) -> pd.Series:
    """Main's topics: TF-IDF terms of all the person's authored titles."""
    acts = base.acts
    authored = acts[acts["kind"].isin(["commit", "pr_opened", "issue_opened"])]
    written = authored[authored["title"].notna() & (authored["title"] != "")]
    titles = written.groupby("person")["title"].agg(" ".join)
    titles = titles.reindex(base.skills.index).astype(object).fillna("")
    return _top_terms(titles, top=5)


def old_outreach(parts: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for part in parts:
        for item in part["evidence"]:
            if item["url"] and item["url"] not in seen and len(seen) < WORK_ITEMS:
                seen[item["url"]] = item
    return list(seen.values())


# --- measures -----------------------------------------------------------------------------


def _sized(items: list[dict]) -> list[float]:
    known = [e for e in items if e.get("kind") != "file" and e.get("lines") is not None]
    return [float(e["lines"]) for e in known if not pd.isna(e["lines"])]


def measure_person(evidence, pid: str, parts: list[dict]) -> dict:
    """Duplicates, mechanical items cited while substantive ones were left, lines."""
    cited = [e for p in parts for e in p["evidence"]]
    keys = [e["key"] for e in cited]
    duplicates = len(keys) - len(set(keys))
    mechanical = 0
    for part in parts:
        shown = [e for e in part["evidence"] if e["mechanical"]]
        if not shown:
            continue
        pool = evidence_for(evidence, pid, part["signal"], n=100_000)
        left = pool[(pool["mechanical"] == "") & ~pool["key"].isin(set(keys))]
        if not left.empty:
            mechanical += len(shown)
    return {"duplicates": duplicates, "mechanical": mechanical, "lines": _sized(cited)}


def _summary(rows: list[dict], outreach: list[list[dict]], topics: int) -> dict:
    lines = [x for r in rows for x in r["lines"]]
    sent = [x for items in outreach for x in _sized(items)]
    return {
        "duplicates": sum(r["duplicates"] for r in rows),
        "mechanical_with_substance": sum(r["mechanical"] for r in rows),
        "own_name_topics": topics,
        "median_lines": statistics.median(lines) if lines else None,
        "small_share": _share_small(lines),
        "outreach_mechanical": sum(1 for items in outreach for e in items if e.get("mechanical")),
        "outreach_median_lines": statistics.median(sent) if sent else None,
        "outreach_small_share": _share_small(sent),
        "cited": len(lines),
    }  # fmt: skip


def _share_small(lines: list[float]) -> float | None:
    return round(sum(x < SMALL_LINES for x in lines) / len(lines), 3) if lines else None


def _line(e: dict) -> str:
    lines = "?" if e.get("lines") is None or pd.isna(e.get("lines")) else int(e["lines"])
    mech = f" [{e['mechanical']}]" if e.get("mechanical") else ""
    return f"      {e['kind']:<20} {lines:>6} lines{mech}  {str(e['title'])[:80]}"


def run_db(db: Path, top: int, show: int, profile: str = DEFAULT_PROFILE) -> dict:
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_store(db, Path(tmp))
        engine = open_store(f"sqlite:///{copy}")
        started = time.perf_counter()
        base = build_ranking_base(engine, settings)
        ranking = score_base(base, settings.profile(profile))
        evidence = base.evidence
        built = time.perf_counter() - started
        engine.dispose()
    names = _own_names(base.acts, base.people)
    before_topics = old_topics(base)
    sides: dict[str, dict] = {"before": {"rows": [], "outreach": [], "topics": 0},
                              "after": {"rows": [], "outreach": [], "topics": 0}}  # fmt: skip
    started = time.perf_counter()
    for i, pid in enumerate(ranking.head(top)["person_id"]):
        words = name_words(names.get(pid, ()))
        shown = {
            "before": (old_explain(ranking, evidence, pid),
                       str(before_topics.get(pid, "") or "")),
            "after": (explain(ranking, evidence, pid),
                      str(ranking.loc[ranking["person_id"] == pid, "topics"].iloc[0] or "")),
        }  # fmt: skip
        for side, (parts, topics) in shown.items():
            sent = old_outreach(parts) if side == "before" else cited_work(parts)
            sides[side]["rows"].append(measure_person(evidence, pid, parts))
            sides[side]["outreach"].append(sent)
            sides[side]["topics"] += sum(
                _is_own(t, words) for t in topics.split(", ") if t and words
            )
            if i < show:
                print(f"  #{i + 1} {side}: topics: {topics}")
                for part in parts:
                    print(f"    {part['signal']}")
                    for e in part["evidence"]:
                        print(_line(e))
                print("    outreach cites:")
                for e in sent:
                    print(_line(e))
    explained = time.perf_counter() - started
    out = {side: _summary(v["rows"], v["outreach"], v["topics"]) for side, v in sides.items()}
    out["people"] = min(top, len(ranking))
    out["base_s"] = round(built, 1)
    out["explain_s"] = round(explained, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--show", type=int, default=0, help="print the first N people")
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help="ranking profile")
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    args = parser.parse_args(argv)
    paths = args.paths
    dbs = [p for path in paths for p in (sorted(path.glob("*.db")) if path.is_dir() else [path])]
    missing = [str(p) for p in dbs if not p.is_file()]
    if missing or not dbs:
        print(f"error: no database at {', '.join(missing) or paths}: give mined .db files",
              file=sys.stderr)  # fmt: skip
        return 1
    results = {}
    for i, db in enumerate(dbs):
        print(db.stem)
        results[db.stem] = run_db(db, args.top, args.show if i == 0 else 0, args.profile)
        r = results[db.stem]
        for side in ("before", "after"):
            s = r[side]
            print(
                f"  {side:<6} duplicates {s['duplicates']:>3}"
                f"  mechanical {s['mechanical_with_substance']:>3}"
                f"  own-name topics {s['own_name_topics']:>3}  median lines {s['median_lines']}"
                f"  under {SMALL_LINES} lines {s['small_share']}"
                f"  outreach median {s['outreach_median_lines']}"
                f"  outreach under {SMALL_LINES} {s['outreach_small_share']}"
            )
    totals = {
        side: {
            key: sum(r[side][key] for r in results.values())
            for key in ("duplicates", "mechanical_with_substance", "own_name_topics",
                        "outreach_mechanical", "cited")
        }
        for side in ("before", "after")
    }  # fmt: skip
    ratios = {
        db: round(r["after"]["median_lines"] / r["before"]["median_lines"], 2)
        for db, r in results.items()
        if r["before"]["median_lines"] and r["after"]["median_lines"]
    }
    print("totals", json.dumps(totals))
    print("median lines after / before", json.dumps(ratios))
    if args.json:
        print(json.dumps({"databases": results, "totals": totals, "median_lines_ratio": ratios}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
