"""How right is identity resolution on the demo world, whose true people are known?

Usage: python benchmarks/identity_quality.py [--seed N] [--size small|medium|large] [--json]

Generates the demo world, writes it to a fresh SQLite database, resolves identities the
way `talent demo` does, and compares with the generator's truth:

- merges: over all pairs of raw identities, precision (pairs put together that are one
  true person) and recall (true pairs put together); the shared build-box identity,
  which is nobody in particular, is left out;
- bots: share of [bot]/listed bots flagged, of template bots (plain accounts whose
  messages give them away) flagged, and humans wrongly flagged;
- affiliation: the label against each person's archetype (employee, former employee,
  community).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from math import comb
from pathlib import Path

from talent.config import Settings
from talent.mining import save_demo
from talent.people.identity import update_people
from talent.sources.demo import COMPANY_DOMAIN, generate_demo
from talent.store import open_store


def pair_scores(truth: dict[str, int], predicted: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the true one."""
    keys = [k for k in truth if truth[k] >= 0 and k in predicted]
    cells = Counter((predicted[k], truth[k]) for k in keys)
    together = sum(comb(n, 2) for n in Counter(predicted[k] for k in keys).values())
    true_pairs = sum(comb(n, 2) for n in Counter(truth[k] for k in keys).values())
    correct = sum(comb(n, 2) for n in cells.values())
    return (correct / together if together else 1.0, correct / true_pairs if true_pairs else 1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", default="medium")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    world = generate_demo(args.seed, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'demo.db'}")
        save_demo(engine, world)
        resolution = update_people(engine, Settings(company_domains=(COMPANY_DOMAIN,)))
    predicted = dict(
        zip(resolution.links["identity_key"], resolution.links["person_id"], strict=True)
    )
    precision, recall = pair_scores(world.truth, predicted)

    people = resolution.people.set_index("person_id")
    by_true: dict[int, set[str]] = {}
    for key, index in world.truth.items():
        if index >= 0 and key in predicted:
            by_true.setdefault(index, set()).add(predicted[key])

    def flagged(index: int) -> bool:
        return any(bool(people.loc[p, "is_bot"]) for p in by_true.get(index, ()))

    listed = [p for p in world.people if p.is_bot and not p.template_bot]
    template = [p for p in world.people if p.template_bot]
    humans = [p for p in world.people if not p.is_bot]
    wrongly = [p.login for p in humans if flagged(p.index)]
    expected = {
        "employee_core": "employee",
        "employee": "employee",
        "former_employee": "former_employee",
    }
    labels = Counter()
    for person in humans:
        got = {people.loc[p, "affiliation"] for p in by_true.get(person.index, ())}
        want = expected.get(person.archetype, "community")
        labels[
            (
                want,
                "ok"
                if got == {want} or (want == "community" and got <= {"community", "unknown"})
                else "wrong",
            )
        ] += 1

    result = {
        "merge_precision": round(precision, 4),
        "merge_recall": round(recall, 4),
        "listed_bots_found": f"{sum(flagged(p.index) for p in listed)}/{len(listed)}",
        "template_bots_found": f"{sum(flagged(p.index) for p in template)}/{len(template)}",
        "humans_flagged_as_bots": len(wrongly),
        "affiliation": {f"{want} {verdict}": n for (want, verdict), n in sorted(labels.items())},
    }
    print(
        f"demo world seed {args.seed}, {args.size}: {len(world.people)} true people, "
        f"{len(predicted)} identities, {len(people)} resolved people"
    )
    print(f"merges: precision {precision:.4f}, recall {recall:.4f}")
    print(
        f"bots: listed {result['listed_bots_found']}, template {result['template_bots_found']}"
        f", humans flagged {len(wrongly)}{' ' + str(wrongly) if wrongly else ''}"
    )
    print("affiliation:", ", ".join(f"{k}: {v}" for k, v in result["affiliation"].items()))
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
