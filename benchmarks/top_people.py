"""Who stands in each repository's top 30: automation accounts, duplicates, incomplete names,
and how often the handle talent shows is the person's real login.

    python benchmarks/top_people.py [--top N] [--truth DIR ...] [--list] [--flagged] [--json]
                                    DB_OR_FOLDER...

For each mined database (``OWNER__NAME.db``; a folder means every ``*.db`` in it), a copy is
resolved again and ranked with the default profile (the database itself is never written),
and its top N (default 30) rows are checked:

- ``automation``: rows that are not one person by what the data shows: a role address
  (``nobody@``, ``noreply@`` other than GitHub's per-user form, ``*-bot@``), a team or
  service name ("... Team", "... maintainers", "service account"), an automation word as
  the last word of a name or login, or an identity that committed for others at least
  twenty times and five times as often as it authored. The check is independent of
  talent's bot label, and deliberately broad: every row it counts is printed for a person
  to read (``--list`` prints the whole top N).
- ``duplicates``: rows that are the same person as a row above them: both hold
  identities of one maintainer of the truth file (``OWNER__NAME.truth.json`` in a
  ``--truth`` folder), or they share an e-mail address, a GitHub login (a noreply
  address's included) or a normalised full name.
- ``incomplete``: rows shown under a single-word or generic name whose person, by the
  truth file or by a merge suggestion (:func:`talent.people.identity.suggest_merges`) other than
  a shared one-word name, also has a full name that another person holds. ``single_word``
  counts every row shown under one word (often a login such as "jdoe", complete or not), and
  ``name_incomplete`` those of them with no login (the app's "name incomplete" flag).
- ``over_merged``: people holding identities of two maintainers of the truth file (a
  wrong merge, or the truth's own).
- ``handles``: over every truth maintainer whose identities talent resolved, those whose
  person has a handle (login), and of these how many equal the truth login; pooled by
  where the login came from (``login_source``: a noreply address, merge branches, ...).

Prints one line per database and the totals; ``--flagged`` lists every account talent flags
as not one person (role address, team name, committer for many, export), to be read one by
one; ``--json`` ends with a JSON line. Nothing is committed from the data: the truth files
and databases stay outside the project.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
from store_copy import copy_store

from talent.config import Settings
from talent.model import Identity, IdentitySource
from talent.people.identity import (
    is_generic_name,
    login_from_noreply,
    looks_like_email,
    name_incomplete,
    normalise_name,
    suggest_merges,
    update_people,
)
from talent.ranking.scoring import rank_store
from talent.store import (
    load_activities,
    load_identities,
    load_identity_links,
    load_people,
    open_store,
)

ROLE_LOCALS = {"nobody", "noreply", "no-reply", "donotreply", "do-not-reply", "no_reply"}
# Suggestions that are no evidence a name could be completed: a shared first name.
WEAK_REASONS = ("same one-word name", "same login on two platforms")
TEAM_WORDS = {"team", "maintainers", "developers", "authors", "committers", "bot", "robot"}


def truth_people(truth_dirs: list[Path], db: Path) -> dict[str, set[str]]:
    """Truth login -> the identity keys of its git identities, for this database. An
    identity that the truth gives to two logins is left out of both (the truth's own
    linking erred there)."""
    name = db.name.removesuffix(".db")
    for folder in truth_dirs:
        path = folder / f"{name}.truth.json"
        if path.is_file():
            data = json.loads(path.read_text())
            out = {
                m["login"].lower(): {
                    Identity(IdentitySource.GIT, name=i["name"], email=i["email"]).key
                    for i in m["identities"]
                }
                for m in data["maintainers"]
                if m["identities"]
            }
            claims = Counter(k for keys in out.values() for k in keys)
            out = {login: {k for k in keys if claims[k] == 1} for login, keys in out.items()}
            return {login: keys for login, keys in out.items() if keys}
    return {}


def suspect(person_id: str, idents: pd.DataFrame, acts: pd.DataFrame) -> str:
    """Why a row may not be one person ("" when nothing says so)."""
    reasons = []
    for row in idents.itertuples(index=False):
        local = (row.email or "").lower().partition("@")[0]
        if local in ROLE_LOCALS and not login_from_noreply(row.email or ""):
            reasons.append(f"role address {local}@")
        if re.search(r"[-_.]bot$", local):
            reasons.append(f"bot address {local}@")
        for text in (row.name, row.login):
            words = re.split(r"[^a-z0-9]+", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text or "").lower())
            words = [w for w in words if w]
            if len(words) > 1 and words[-1] in TEAM_WORDS:
                reasons.append(f"name {text!r}")
            if "service account" in (text or "").lower():
                reasons.append(f"name {text!r}")
    mine = acts[acts["person"] == person_id]
    committed = int((mine["kind"] == "committed_for_other").sum())
    own = int((mine["kind"] == "commit").sum())
    if committed >= 20 and committed >= 5 * own:
        reasons.append(f"committed for others {committed} times, authored {own}")
    return "; ".join(dict.fromkeys(reasons))


def check(db: Path, truth_dirs: list[Path], top: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        copy = copy_store(db, Path(tmp))
        url = f"sqlite:///{copy}"
        settings = Settings(db_url=url, people_file=str(Path(tmp) / "people.toml"))
        engine = open_store(url)
        update_people(engine, settings)  # with this code's rules, whatever mined the copy
        ranking = rank_store(engine, settings).head(top)
        people = load_people(engine).set_index("person_id")
        links = load_identity_links(engine)
        identities = load_identities(engine)
        acts = load_activities(engine)
        suggestions = suggest_merges(identities, links, people.reset_index())
        engine.dispose()
    identities = identities.astype(object).where(identities.notna(), None)
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    acts = acts.assign(person=acts["actor"].map(person_of))
    by_person = {p: g for p, g in identities.assign(
        person=identities["key"].map(person_of)).groupby("person")}  # fmt: skip
    truth = truth_people(truth_dirs, db)
    truth_of: dict[str, set[str]] = defaultdict(set)  # person -> truth logins
    for login, keys in truth.items():
        for key in keys:
            if key in person_of:
                truth_of[person_of[key]].add(login)

    rows = []
    seen: dict[str, str] = {}  # mark -> person above
    for item in ranking.itertuples(index=False):
        pid = item.person_id
        idents = by_person.get(pid, identities.iloc[:0])
        marks = {f"truth:{t}" for t in truth_of.get(pid, ())}
        for r in idents.itertuples(index=False):
            if r.email and "@" in r.email and not looks_like_email(r.name or "x"):
                local = r.email.lower().partition("@")[0]
                if local not in ROLE_LOCALS:
                    marks.add(f"email:{r.email.lower()}")
            login = r.login or login_from_noreply(r.email or "")
            if login and r.source in ("git", "github"):
                marks.add(f"login:{login.lower()}")
            folded = normalise_name(r.name or "")
            if folded:
                marks.add(f"name:{folded}")
        same = sorted({seen[m] for m in marks if m in seen})
        for m in marks:
            seen.setdefault(m, pid)
        name = str(people.loc[pid, "name"])
        login = people.loc[pid, "login"]
        single = is_generic_name(name) or (
            normalise_name(name) is None and not looks_like_email(name)
        )
        completable = ""
        if single:
            fuller = set()
            for t in truth_of.get(pid, ()):
                fuller |= {person_of[k] for k in truth[t] if k in person_of} - {pid}
            paired = suggestions[
                ((suggestions["person_a"] == pid) | (suggestions["person_b"] == pid))
                & ~suggestions["reason"].str.startswith(WEAK_REASONS)
            ]
            fuller |= (set(paired["person_a"]) | set(paired["person_b"])) - {pid}
            full = [
                p
                for p in fuller
                if p in people.index and normalise_name(str(people.loc[p, "name"]))
            ]
            if full:
                completable = ", ".join(sorted(str(people.loc[p, "name"]) for p in full))
        rows.append(
            {
                "rank": int(item.rank),
                "person_id": pid,
                "name": name,
                "login": login if isinstance(login, str) else None,
                "automation": suspect(pid, idents, acts),
                "duplicate_of": [str(people.loc[p, "name"]) for p in same],
                "single_word": bool(single),
                "completable_by": completable,
            }
        )

    # Handles against the truth: every maintainer whose identities talent resolved.
    handled = right = unhandled = 0
    wrong = []
    by_source: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # source -> [right, all]
    sources = people["login_source"] if "login_source" in people else pd.Series(dtype=object)
    for login, keys in truth.items():
        persons = {person_of[k] for k in keys if k in person_of}
        if not persons:
            continue
        logins = {
            people.loc[p, "login"] for p in persons if isinstance(people.loc[p, "login"], str)
        }
        if not logins:
            unhandled += 1
            continue
        handled += 1
        hit = login in {x.lower() for x in logins}
        right += hit
        for p in persons:
            if isinstance(people.loc[p, "login"], str):
                source = str(sources.get(p, "") or "(not recorded)").split(" '")[0]
                by_source[source][0] += people.loc[p, "login"].lower() == login
                by_source[source][1] += 1
        if not hit:
            why = {str(sources.get(p, "")) for p in persons if isinstance(sources.get(p), str)}
            wrong.append(f"{login} -> {sorted(logins)} {sorted(why)}")
    # Over-merges: people holding the identities of two maintainers of the truth.
    merged = sorted(
        f"{people.loc[p, 'name']}: {', '.join(sorted(t))}"
        for p, t in truth_of.items()
        if len(t) > 1
    )
    # Every account flagged as not one person, with its acts, for a person to read.
    evidence = people["bot_evidence"] if "bot_evidence" in people else pd.Series(dtype=object)
    flagged_ids = evidence[evidence.fillna("").str.startswith("not one person")].index
    act_counts = acts["person"].value_counts()
    flagged = [
        {
            "name": str(people.loc[p, "name"]),
            "evidence": str(evidence[p]),
            "acts": int(act_counts.get(p, 0)),
        }
        for p in flagged_ids
    ]
    return {
        "flagged": sorted(flagged, key=lambda f: -f["acts"]),
        "over_merged": merged,
        "rows": rows,
        "automation": sum(bool(r["automation"]) for r in rows),
        "duplicates": sum(bool(r["duplicate_of"]) for r in rows),
        "incomplete": sum(bool(r["completable_by"]) for r in rows),
        "single_word": sum(r["single_word"] for r in rows),
        "name_incomplete": sum(name_incomplete(r["name"], r["login"]) for r in rows),
        "handles": {
            "resolved": handled + unhandled,
            "with_handle": handled,
            "right": right,
            "wrong": wrong,
            "by_source": dict(by_source),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="databases or folders of them")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--truth", action="append", type=Path, default=[], help="truth folder")
    parser.add_argument("--list", action="store_true", help="print every top row")
    parser.add_argument(
        "--flagged", action="store_true", help="print every account flagged as not one person"
    )
    parser.add_argument("--json", action="store_true", help="end with a JSON line")
    args = parser.parse_args(argv)
    dbs = sorted(db for p in args.paths for db in (sorted(p.glob("*.db")) if p.is_dir() else [p]))
    if not dbs:
        print("no databases found: give .db files or folders holding them", file=sys.stderr)
        return 2
    results = {}
    totals = defaultdict(int)
    for db in dbs:
        try:
            result = check(db, args.truth, args.top)
        except Exception as exc:  # one bad database must not stop the others
            print(f"{db.name}: skipped ({str(exc).splitlines()[0][:120]})")
            continue
        results[db.name.removesuffix(".db")] = result
        h = result["handles"]
        for key in ("automation", "duplicates", "incomplete", "single_word", "name_incomplete"):
            totals[key] += result[key]
        for key in ("resolved", "with_handle", "right"):
            totals[f"handles_{key}"] += h[key]
        print(f"{db.name.removesuffix('.db'):48} automation {result['automation']}  duplicates "
              f"{result['duplicates']}  incomplete {result['incomplete']}  single-word "
              f"{result['single_word']} ({result['name_incomplete']} without login)  handles "
              f"{h['right']}/{h['with_handle']} right ({h['resolved']} resolved)")  # fmt: skip
        for row in result["rows"]:
            flagged = row["automation"] or row["duplicate_of"] or row["completable_by"]
            if args.list or flagged:
                notes = [
                    f"automation? {row['automation']}" if row["automation"] else "",
                    f"same as {row['duplicate_of']}" if row["duplicate_of"] else "",
                    f"completable by {row['completable_by']}" if row["completable_by"] else "",
                    "single word" if row["single_word"] and not row["completable_by"] else "",
                ]
                print(f"   {row['rank']:3} {row['name'][:40]:40} @{row['login'] or '-':20} "
                      + "; ".join(n for n in notes if n))  # fmt: skip
        for miss in h["wrong"]:
            print(f"   handle differs: {miss}")
        for both in result["over_merged"]:
            print(f"   one person holds two maintainers: {both}")
        totals["over_merged"] += len(result["over_merged"])
        if args.flagged:
            for f in result["flagged"]:
                print(f"   flagged: {f['name'][:40]:40} {f['acts']:6} acts  {f['evidence']}")
    pooled: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for result in results.values():
        for source, (hits, n) in result["handles"]["by_source"].items():
            pooled[source][0] += hits
            pooled[source][1] += n
    for source, (hits, n) in sorted(pooled.items(), key=lambda kv: -kv[1][1]):
        print(f"handles {source}: {hits}/{n} equal the truth login")
    print(
        f"total over {len(results)} databases: automation {totals['automation']}, duplicates "
        f"{totals['duplicates']}, incomplete {totals['incomplete']}, single-word "
        f"{totals['single_word']} ({totals['name_incomplete']} without login); handles "
        f"{totals['handles_right']}/{totals['handles_with_handle']} right of "
        f"{totals['handles_resolved']} resolved; {totals['over_merged']} people hold two "
        "maintainers' identities"
    )
    if args.json:
        print(json.dumps({"totals": dict(totals), "repositories": results}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
