"""Owner-file logins matched to people, against truth files: right, wrong or not at all.

Usage: python benchmarks/owner_matching.py [--json] [--explain] --truth DIR [--truth DIR ...]
       DB_OR_DIR [DB_OR_DIR ...]

Each database (a folder: every ``*.db`` in it) is one mined repository, ``OWNER__NAME.db``
as ``benchmarks/mine_corpus.py`` leaves them, compared with ``OWNER__NAME.truth.json``
from the truth folders (databases without one are skipped). The database is copied to a
temporary folder first (resolving people writes to the store; the input stays as it
was), people are resolved, and every login the stored owner files name is matched as
``talent maintainers`` matches it (``talent.people.identity.owner_matches``).

For each truth maintainer with git identities (the others cannot be found from git
alone): ``right`` when the person talent matches holds one of the truth's identities,
``wrong`` when it holds none of them, ``unmatched`` when talent matches nobody, and
``not_named`` when talent's owner files never name the login (a reading gap, not a
matching one; left out of the shares). ``merged_maintainers`` counts people who hold the
identities of two truth maintainers (over-merging, which the shares cannot see). Shares
are of the named ones. ``--explain`` lists each miss and wrong match with the evidence.
With ``--json`` the last line is one object. Runs against stores and code from before
owner-file pairings too (then without them), for before/after figures.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
from store_copy import copy_store


def _ratio(hit: int, total: int) -> float | None:
    return round(hit / total, 4) if total else None


def _matches(engine, named, people, identities, links) -> pd.DataFrame:
    import talent.people.identity as identity
    import talent.store as store

    if hasattr(identity, "owner_matches"):
        pairings = store.load_owner_pairings(engine)
        return identity.owner_matches(named, people, identities, links, pairings)
    # The code before pairings: a person and no evidence.
    found = identity.owner_people(named, people, identities, links)
    return pd.DataFrame({"person_id": found, "evidence": ""}, index=named.index)


# How a match was made, from its evidence text (talent.people.identity.owner_matches).
_EVIDENCE_KINDS = (
    ("matched by login", "login"),
    ("matched by name, a guess", "name (a guess)"),
    ("matched by name", "name"),
    ("matched by a git name", "git name"),
    ("matched by e-mail", "e-mail"),
    ("matched by ", "owner-file pairing"),
)


def _evidence_kind(text: str) -> str:
    for prefix, kind in _EVIDENCE_KINDS:
        if str(text).startswith(prefix):
            return kind
    return "unknown (code without evidence)"


def measure(db: Path, truth_path: Path, explain: bool) -> dict:
    from talent.config import Settings
    from talent.people.identity import ensure_people
    from talent.store import (
        load_identities,
        load_identity_links,
        load_named_owners,
        load_people,
        open_store,
    )

    truth = json.loads(truth_path.read_text())
    repo = truth["repo"]
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_store(db, Path(tmp))
        url = f"sqlite:///{copy}"
        engine = open_store(url, create=False)
        settings = Settings(db_url=url, people_file=str(Path(tmp) / "people.toml"))
        ensure_people(engine, settings)
        people = load_people(engine)
        identities = load_identities(engine)
        links = load_identity_links(engine)
        named = load_named_owners(engine, repos=[repo])
        named = named[named["kind"] == "user"]
        named = named.assign(low=named["owner"].str.lower()).drop_duplicates("low")
        named = named.reset_index(drop=True)
        matched = _matches(engine, named[["owner", "kind"]], people, identities, links)
        engine.dispose()
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    by_pair: dict[tuple[str, str], set[str]] = {}
    for key, name, email in zip(
        identities["key"], identities["name"], identities["email"], strict=True
    ):
        by_pair.setdefault((str(name), str(email).lower()), set()).add(person_of.get(key))
    names = people.set_index("person_id")["name"]
    found = {
        low: (pid, how)
        for low, pid, how in zip(
            named["low"], matched["person_id"], matched["evidence"], strict=True
        )
    }
    counts = {"right": 0, "wrong": 0, "unmatched": 0, "not_named": 0, "no_identities": 0}
    counts["merged_maintainers"] = 0
    misses: list[str] = []
    by_evidence: dict[str, dict[str, int]] = {}
    for m in truth["maintainers"]:
        pairs = {(i["name"], i["email"].lower()) for i in m.get("identities", [])}
        if not pairs:
            counts["no_identities"] += 1
            continue
        persons = set().union(*(by_pair.get(p, set()) for p in pairs)) - {None}
        login = m["login"].lower()
        if login not in found:
            counts["not_named"] += 1
            continue
        pid, how = found[login]
        kind = _evidence_kind(how)
        if pid is not None:
            tally = by_evidence.setdefault(kind, {"right": 0, "wrong": 0})
            tally["right" if pid in persons else "wrong"] += 1
        if pid is None:
            counts["unmatched"] += 1
            if explain:
                misses.append(f"unmatched {m['login']}: truth {sorted(pairs)[:3]}")
        elif pid in persons:
            counts["right"] += 1
        else:
            counts["wrong"] += 1
            if explain:
                misses.append(
                    f"wrong {m['login']}: {names.get(pid)!r} ({how}); truth {sorted(pairs)[:3]}"
                )
    # Over-merging: one person holding the truth identities of two maintainers.
    holders: dict[str, set[str]] = {}
    for m in truth["maintainers"]:
        for i in m.get("identities", []):
            for pid in by_pair.get((i["name"], i["email"].lower()), set()) - {None}:
                holders.setdefault(pid, set()).add(m["login"].lower())
    merged = sorted(sorted(v) for v in holders.values() if len(v) > 1)
    counts["merged_maintainers"] = len(merged)
    if explain:
        misses.extend(f"one person holds {', '.join(v)}" for v in merged)
    named_total = counts["right"] + counts["wrong"] + counts["unmatched"]
    return {
        "repo": repo,
        **counts,
        "right_share": _ratio(counts["right"], named_total),
        "wrong_share": _ratio(counts["wrong"], named_total),
        "by_evidence": by_evidence,
        "misses": misses,
    }


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    explain = "--explain" in argv
    truth_dirs: list[Path] = []
    dbs: list[Path] = []
    rest = iter(a for a in argv if a not in ("--json", "--explain"))
    for arg in rest:
        if arg == "--truth":
            truth_dirs.append(Path(next(rest)))
        else:
            path = Path(arg)
            dbs.extend(sorted(path.glob("*.db")) if path.is_dir() else [path])
    if not truth_dirs or not dbs:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    truths = {t.name.replace(".truth.json", ""): t for d in truth_dirs for t in d.glob("*.json")}
    rows = []
    for db in dbs:
        truth = truths.get(db.stem)
        if truth is None:
            continue
        row = measure(db, truth, explain)
        rows.append(row)
        if not as_json:
            print(
                f"{row['repo']:45} right {row['right']:3}  wrong {row['wrong']:2}  "
                f"unmatched {row['unmatched']:2}  not named {row['not_named']:2}  "
                f"no identities {row['no_identities']:2}"
            )
            for line in row["misses"]:
                print(f"    {line}")
    total = {
        k: sum(r[k] for r in rows)
        for k in ("right", "wrong", "unmatched", "not_named", "no_identities", "merged_maintainers")
    }
    named_total = total["right"] + total["wrong"] + total["unmatched"]
    kinds: dict[str, dict[str, int]] = {}
    for row in rows:
        for kind, tally in row["by_evidence"].items():
            for key, value in tally.items():
                kinds.setdefault(kind, {"right": 0, "wrong": 0})[key] += value
    total["by_evidence"] = kinds
    total["right_share"] = _ratio(total["right"], named_total)
    total["wrong_share"] = _ratio(total["wrong"], named_total)
    total["repositories"] = len(rows)
    if as_json:
        print(json.dumps({"repositories": rows, "total": total}))
    else:
        print(
            f"total over {len(rows)} repositories: right {total['right']} "
            f"({total['right_share']}), wrong {total['wrong']} ({total['wrong_share']}), "
            f"unmatched {total['unmatched']}, not named {total['not_named']}, "
            f"no identities {total['no_identities']}, people holding two maintainers' "
            f"identities {total['merged_maintainers']}"
        )
        for kind, tally in sorted(kinds.items()):
            print(f"  {kind:35} right {tally['right']:4}  wrong {tally['wrong']:3}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
