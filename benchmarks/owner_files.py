"""Owner files read from git history against a truth file: who is named, now and ever.

Usage: python benchmarks/owner_files.py [--json] [--explain] [--leave-out OWNER/REPO=FILE:ROLE]
       [--team-members OWNER/REPO=FILE] REPO_DIR TRUTH_JSON [...]

For each repository: the owner-file history up to the truth's ``head`` through
``fetch_owner_file_versions`` and ``owner_intervals``; logins (case-insensitive) ever
named and named at the head compared with the truth's ``maintainers[].login`` and
``current``; the share of first-named dates within a day of the truth's
``first_listed``; the time taken. Team entries (``@org/team``) count as nobody: their
members are not in the repository. ``--explain`` lists the misses and the extra logins
with the files and roles that named them. ``--leave-out`` (repeatable) drops what one
file names under one role in one repository, to measure the effect of a convention the
truth's README states for that repository (apache/tvm leaves out CONTRIBUTORS.md's
"Reviewers"); nothing is left out unless asked. ``--team-members`` expands one
repository's teams from a members list (``talent mine git --team-members``, e.g.
onnx/onnx's from onnx/sigs ``CONTRIBUTORS``), as the truth's README says it does.
With ``--json`` the last line is one object.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from talent.model import OwnerKind
from talent.sources.git import fetch_owner_file_versions
from talent.sources.owners import expand_teams, owner_intervals, parse_team_list, team_lookup


def _ratio(hit: int, total: int) -> float | None:
    return round(hit / total, 3) if total else None


def measure(
    repo_dir: Path,
    truth_path: Path,
    leave_out: set[tuple[str, str]],
    teams: dict[str, list[str]] | None = None,
) -> dict:
    truth = json.loads(truth_path.read_text())
    head = truth["head"]
    started = time.perf_counter()
    notes: list[str] = []
    missing: list[int] = []
    versions = list(fetch_owner_file_versions(repo_dir, head, on_missing=missing.append))
    read = time.perf_counter() - started
    records = owner_intervals(
        ((v.committed_at, v.path, v.text) for v in versions), repo=truth["repo"], notes=notes
    )
    if teams:
        records = expand_teams(records, team_lookup(teams, truth["repo"].split("/")[0]))
    elapsed = time.perf_counter() - started
    users = [
        r
        for r in records
        if r.kind is OwnerKind.USER and (r.source, r.role.lower()) not in leave_out
    ]
    ever = {r.owner.lower() for r in users}
    now = {r.owner.lower() for r in users if r.until is None}
    first: dict[str, datetime] = {}
    named_by: dict[str, set[str]] = defaultdict(set)
    for r in users:
        login = r.owner.lower()
        first[login] = min(first.get(login, r.since), r.since)
        named_by[login].add(f"{r.source} [{r.role}]")
    truth_ever = {m["login"].lower(): m for m in truth["maintainers"]}
    truth_now = {login for login, m in truth_ever.items() if m.get("current")}
    dated = [(login, m["first_listed"]) for login, m in truth_ever.items() if m.get("first_listed")]
    close = [
        login
        for login, listed in dated
        if login in first
        and abs(first[login] - datetime.fromisoformat(listed.replace("Z", "+00:00")))
        <= timedelta(days=1)
    ]
    found_dated = [login for login, _ in dated if login in first]
    return {
        "repo": truth["repo"],
        "versions": len(versions),
        "missing_blobs": sum(missing),
        "ever_recall": _ratio(len(ever & truth_ever.keys()), len(truth_ever)),
        "ever_precision": _ratio(len(ever & truth_ever.keys()), len(ever)),
        "now_recall": _ratio(len(now & truth_now), len(truth_now)),
        "now_precision": _ratio(len(now & truth_now), len(now)),
        "first_named_within_a_day": _ratio(len(close), len(found_dated)),
        "seconds": round(elapsed, 2),
        "seconds_git": round(read, 2),
        "teams": sorted({r.owner for r in records if r.kind is OwnerKind.TEAM}),
        "notes": notes[:5],
        "missed": sorted(truth_ever.keys() - ever),
        "missed_now": sorted(truth_now - now),
        "extra": {login: sorted(named_by[login]) for login in sorted(ever - truth_ever.keys())},
        "extra_now": sorted(now - truth_now),
        "dates_off": {
            login: [first[login].isoformat(), listed]
            for login, listed in dated
            if login in first and login not in close
        },
    }


def _mean(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r[key] is not None]
    return round(sum(values) / len(values), 3) if values else None


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    explain = "--explain" in argv
    leave_out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    teams: dict[str, dict[str, list[str]]] = {}
    args: list[str] = []
    rest = iter(argv)
    for arg in rest:
        if arg == "--leave-out":
            repo, _, rule = next(rest, "").partition("=")
            source, _, role = rule.partition(":")
            leave_out[repo].add((source, role.lower()))
        elif arg == "--team-members":
            repo, _, path = next(rest, "").partition("=")
            teams[repo] = parse_team_list(Path(path).read_text())
        elif arg not in ("--json", "--explain"):
            args.append(arg)
    if not args or len(args) % 2:
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    rows = []
    for a, b in zip(args[::2], args[1::2], strict=True):
        repo = json.loads(Path(b).read_text())["repo"]
        rows.append(measure(Path(a), Path(b), leave_out[repo], teams.get(repo)))
    keys = [
        "ever_recall",
        "ever_precision",
        "now_recall",
        "now_precision",
        "first_named_within_a_day",
    ]
    print(
        f"{'repository':45} {'versions':>8} {'ever R':>7} {'ever P':>7} {'now R':>7} "
        f"{'now P':>7} {'date±1d':>7} {'sec':>6}"
    )
    for r in rows:
        cells = " ".join(f"{r[k] if r[k] is not None else '-':>7}" for k in keys)
        print(f"{r['repo']:45} {r['versions']:>8} {cells} {r['seconds']:>6}")
        if explain:
            for key in ("missed", "missed_now", "extra", "extra_now", "dates_off", "teams"):
                if r[key]:
                    print(f"    {key}: {r[key]}")
            for note in r["notes"]:
                print(f"    note: {note}")
    means = {k: _mean(rows, k) for k in keys}
    print(f"{'mean':45} {'':>8} " + " ".join(f"{str(means[k]):>7}" for k in keys))
    if as_json:
        print(json.dumps({"repositories": rows, "mean": means}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
