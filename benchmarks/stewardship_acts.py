"""How many stewardship acts a mined corpus holds, and who they credit.

Usage: python benchmarks/stewardship_acts.py STORES TRUTH_DIR [TRUTH_DIR ...]
       [--approvals OWNER/REPO ...] [--sample KIND=N ...] [--seed S]

STORES holds ``OWNER__NAME.db`` stores mined by ``talent mine git`` (``mine_corpus.py``
leaves them so); TRUTH_DIR the ``OWNER__NAME.truth.json`` files. Prints, per stewardship
kind and state, the acts across the corpus and the repositories that have any; for the
release tags, how many distinct taggers there are and how many are maintainers the truth
files list (by the git identities listed for them); for the approvals of each
``--approvals`` repository, the approver logins, the share of them whose person (after
identity resolution, on a copy of the store) also authored commits, and how many listed
maintainers are among them. ``--sample KIND=N`` prints N random acts of KIND (sha, repo,
state, title, actor, counterpart) to check by hand with ``git show``. Nothing is written
beside the copies in a temporary folder.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path

KINDS = (
    "release_tagged",
    "version_bump",
    "changelog_edit",
    "backport",
    "revert",
    "infra_edit",
    "governance_edit",
    "approved_by",
)


def _truths(dirs: list[Path]) -> dict[str, dict]:
    out = {}
    for folder in dirs:
        for path in sorted(folder.glob("*.truth.json")):
            data = json.loads(path.read_text())
            out[path.name.replace(".truth.json", "")] = data
    return out


def _maintainer_emails(truth: dict) -> set[str]:
    return {
        ident["email"].lower()
        for m in truth["maintainers"]
        for ident in m.get("identities", [])
        if ident.get("email")
    }


def _approvals(db: Path, truth: dict) -> dict:
    """Approver logins of one store, resolved to people on a copy of it."""
    from talent.config import Settings
    from talent.people.identity import update_people
    from talent.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / db.name
        with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)
        engine = open_store(f"sqlite:///{copy}")
        update_people(engine, Settings())
        engine.dispose()
        con = sqlite3.connect(copy)
        rows = con.execute(
            "SELECT a.actor, a.state, l.person_id FROM activities a "
            "LEFT JOIN identity_links l ON l.identity_key = a.actor "
            "WHERE a.kind = 'approved_by'"
        ).fetchall()
        committers = {
            p
            for (p,) in con.execute(
                "SELECT DISTINCT l.person_id FROM activities a JOIN identity_links l "
                "ON l.identity_key = a.actor WHERE a.kind = 'commit'"
            )
        }
        con.close()
    logins: dict[str, tuple[str, str | None]] = {}
    forms: Counter = Counter()
    for actor, state, person in rows:
        forms[state] += 1
        logins[actor.removeprefix("github:@")] = (state, person)
    listed = {m["login"].lower() for m in truth["maintainers"]}
    with_commits = sum(1 for _s, p in logins.values() if p in committers)
    return {
        "acts": len(rows),
        "forms": dict(forms),
        "approvers": len(logins),
        "approvers_with_commits": with_commits,
        "maintainers_listed": len(listed),
        "maintainers_among_approvers": len(listed & set(logins)),
    }


def main(argv: list[str]) -> int:
    stores, truth_dirs, approvals, samples, seed = None, [], [], {}, 0
    rest = iter(argv)
    for arg in rest:
        if arg == "--approvals":
            approvals.append(next(rest))
        elif arg == "--sample":
            kind, _, n = next(rest).partition("=")
            samples[kind] = int(n or 20)
        elif arg == "--seed":
            seed = int(next(rest))
        elif stores is None:
            stores = Path(arg)
        else:
            truth_dirs.append(Path(arg))
    if stores is None or not truth_dirs:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    truths = _truths(truth_dirs)
    counts: Counter = Counter()
    repos: dict[tuple[str, str], set[str]] = {}
    taggers: set[str] = set()
    listed_taggers: set[str] = set()
    pools: dict[str, list[tuple]] = {k: [] for k in samples}
    for name, truth in truths.items():
        db = stores / f"{name}.db"
        if not db.exists():
            print(f"{name}: no store", file=sys.stderr)
            continue
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        for kind, state, n in con.execute(
            "SELECT kind, state, count(*) FROM activities GROUP BY kind, state"
        ):
            if kind not in KINDS:
                continue
            counts[(kind, state)] += n
            repos.setdefault((kind, state), set()).add(name)
        emails = _maintainer_emails(truth)
        for (actor,) in con.execute(
            "SELECT DISTINCT actor FROM activities WHERE kind = 'release_tagged'"
        ):
            taggers.add(f"{name} {actor}")
            if actor.rpartition("\x1f")[2].lower() in emails:
                listed_taggers.add(f"{name} {actor}")
        for kind in samples:
            pools[kind] += [
                (truth["repo"], *row)
                for row in con.execute(
                    "SELECT item, state, title, actor, counterpart FROM activities WHERE kind = ?",
                    (kind,),
                )
            ]
        con.close()
    print(f"{'kind':16} {'state':15} {'acts':>8} {'repositories':>12}")
    for kind in KINDS:
        for (k, state), n in sorted(counts.items()):
            if k == kind:
                print(f"{kind:16} {state or '-':15} {n:8,} {len(repos[(k, state)]):12}")
    print(
        f"taggers: {len(taggers)} (repository, identity) pairs, {len(listed_taggers)} of them "
        "maintainers the truth files list"
    )
    for repo in approvals:
        name = repo.replace("/", "__")
        result = _approvals(stores / f"{name}.db", truths[name])
        print(f"approvals in {repo}: {json.dumps(result)}")
    rng = random.Random(seed)
    for kind, n in samples.items():
        pool = pools[kind]
        print(f"\n{kind}: {n} of {len(pool):,}")
        for repo, item, state, title, actor, counterpart in rng.sample(pool, min(n, len(pool))):
            who = actor.replace("\x1f", " ")
            other = (counterpart or "").replace("\x1f", " ")
            print(f"  {repo} {item} [{state}] {title[:70]!r} by {who} about {other or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
