"""How the tools' default messages change who is called a bot, on mined stores.

For each store (a copy is made; the store given is never written), people are resolved
again with talent's rules, and each person's own messages are judged twice: with the
tools' default messages ("Upload folder using huggingface_hub", "Update README.md",
"Create LICENSE", ...; :data:`talent.people.identity.DEFAULT_MESSAGES`) left out, as talent
does, and with them counted as any other message, as before. Prints, per store, the
people with written acts, the bots by behaviour each way, and how many people the
default-message rule keeps as people; ``--show`` lists them (login, share of default
messages, the old reason) for a reader to check by eye.

    python benchmarks/default_messages.py DBS/*.db [--show] [--json]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
from pathlib import Path

from store_copy import copy_store

import talent.people.identity as identity
from talent.config import Settings
from talent.people.identity import (
    BOT_FLAG,
    WRITTEN_KINDS,
    automation_bot_probability,
    automation_word,
    is_default_message,
    load_overrides,
    resolve_people,
)
from talent.store import load_activities, load_identities, load_identity_evidence, open_store
from talent.store.keys import PrivacyKey


def judge(path: Path, show: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(f"sqlite:///{copy_store(path, Path(tmp))}")
        identities = load_identities(engine)
        # The ids only join this run's tables: a key of its own, not the store's file.
        resolution = resolve_people(
            identities,
            Settings(),
            load_identity_evidence(engine),
            load_overrides("/dev/null"),
            privacy_key=PrivacyKey((secrets.token_bytes(32),)),
        )
        activities = load_activities(engine)
        engine.dispose()
    people, links = resolution.people, resolution.links
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    written = activities[activities["kind"].isin([str(k) for k in WRITTEN_KINDS])]
    written = written.assign(person=written["actor"].map(person_of)).dropna(subset=["person"])
    by_person = {p: (g["title"].tolist(), g["kind"].tolist()) for p, g in written.groupby("person")}
    now_bots, before_bots, kept = 0, 0, []
    for row in people.itertuples(index=False):
        if row.is_bot or row.person_id not in by_person:
            continue
        titles, kinds = by_person[row.person_id]
        word = automation_word(row.login, row.name)
        now, _ = automation_bot_probability(titles, kinds, word)
        # As before: no message is a default one.
        real = identity.is_default_message
        identity.is_default_message = lambda _text: False
        try:
            before, why = automation_bot_probability(titles, kinds, word)
        finally:
            identity.is_default_message = real
        now_bots += now >= BOT_FLAG
        before_bots += before >= BOT_FLAG
        if before >= BOT_FLAG > now:
            share = sum(map(is_default_message, titles)) / len(titles)
            kept.append({"login": row.login or row.name, "default_share": round(share, 2),
                         "messages": len(titles), "was": why})  # fmt: skip
    result = {
        "store": path.name,
        "people_with_messages": len(by_person),
        "bots_by_behaviour_before": before_bots,
        "bots_by_behaviour_now": now_bots,
        "kept_as_people": len(kept),
    }
    if show:
        result["kept"] = kept
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stores", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="list the people kept as people")
    parser.add_argument("--json", action="store_true", help="one JSON line per store")
    args = parser.parse_args(argv)
    totals = {"before": 0, "now": 0, "kept": 0}
    for path in args.stores:
        if not path.is_file():
            print(f"error: {path} is not a store file", file=sys.stderr)
            return 1
        result = judge(path, args.show)
        totals["before"] += result["bots_by_behaviour_before"]
        totals["now"] += result["bots_by_behaviour_now"]
        totals["kept"] += result["kept_as_people"]
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"{result['store']:45} {result['people_with_messages']:6} people with messages, "
                f"bots by behaviour {result['bots_by_behaviour_before']:3} -> "
                f"{result['bots_by_behaviour_now']:3}, kept as people {result['kept_as_people']}"
            )
            for person in result.get("kept", []):
                print(f"    {person}")
    print(f"all: bots by behaviour {totals['before']} -> {totals['now']}, kept {totals['kept']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
