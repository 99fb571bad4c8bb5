"""Does a change leave the ranking as it was? Resolve and rank a store, write what came out,
and compare two such outputs.

Usage:
  python benchmarks/same_ranking.py write DB OUT.json   # resolve identities, rank, write
  python benchmarks/same_ranking.py compare A.json B.json

``write`` works on the store at DB (a path or URL; copy a store you must not change
first: resolution rewrites its people), running :func:`talent.people.identity.update_people`
then :func:`talent.ranking.scoring.rank_store` (the maintainer and recruiter profiles, everyone,
bots kept) and writing the people (id, name, login, bot, affiliation and their evidence)
and each profile's ranking (person, rank, score). Run it once with the code before a
change (``PYTHONPATH`` at that checkout) and once after, on two copies of the same
store. ``compare`` prints the first differences and exits 1 when there are any; scores
must agree to 1e-9.
"""

from __future__ import annotations

import json
import math
import sys

PROFILES = ("maintainer", "recruiter")
AFFILIATIONS = ["employee", "former_employee", "community", "unknown"]  # everyone
PEOPLE_COLUMNS = [
    "person_id",
    "name",
    "login",
    "is_bot",
    "bot_probability",
    "bot_evidence",
    "affiliation",
    "affiliation_evidence",
    "employed_from",
    "employed_until",
]


def write(db: str, out: str) -> None:
    from talent.config import Settings
    from talent.people.identity import update_people
    from talent.ranking.scoring import rank_store
    from talent.store import open_store

    url = db if "://" in db else f"sqlite:///{db}"
    settings = Settings(db_url=url)
    engine = open_store(url, create=False)
    resolution = update_people(engine, settings)
    people = resolution.people.reindex(columns=PEOPLE_COLUMNS).sort_values("person_id")
    result = {"people": json.loads(people.to_json(orient="records", date_format="iso"))}
    result["links"] = sorted(
        map(list, resolution.links[["identity_key", "person_id"]].itertuples(index=False))
    )
    for profile in PROFILES:
        ranking = rank_store(engine, settings, profile=profile, include_bots=True,
                             affiliations=AFFILIATIONS)  # fmt: skip
        result[profile] = [
            [str(r.person_id), int(r.rank), float(r.score)] for r in ranking.itertuples()
        ]
    with open(out, "w") as handle:
        json.dump(result, handle)


def compare(a_path: str, b_path: str) -> int:
    with open(a_path) as handle:
        a = json.load(handle)
    with open(b_path) as handle:
        b = json.load(handle)
    problems = []
    if any(not a.get(profile) for profile in PROFILES):
        problems.append("a ranking is empty: nothing was compared")
    for part in sorted(set(a) | set(b)):
        left, right = a.get(part), b.get(part)
        if left is None or right is None:
            problems.append(f"{part}: only in {'B' if left is None else 'A'}")
            continue
        if len(left) != len(right):
            problems.append(f"{part}: {len(left)} rows against {len(right)}")
        for n, (x, y) in enumerate(zip(left, right, strict=False)):
            if not _same(x, y):
                problems.append(f"{part} row {n}: {x} != {y}")
                break
    for line in problems[:20]:
        print(line)
    sizes = ", ".join(f"{k} {len(v)}" for k, v in sorted(a.items()))
    print("the same" if not problems else f"{len(problems)} parts differ", f"({sizes})")
    return 1 if problems else 0


def _same(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (x != x and y != y)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same(i, j) for i, j in zip(x, y, strict=True))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    return x == y


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
