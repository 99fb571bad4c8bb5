"""Does an opt-out by a maintainer's login remove that person, and only that person?

Usage: python benchmarks/optout_check.py [--work DIR] [--sample N] [--seed S]
       [--show-unknown] [--json] MIRRORS TRUTH_DIR [TRUTH_DIR ...]

For each ``OWNER__NAME.truth.json`` in the truth folders whose repository has a mirror
(``MIRRORS/OWNER+NAME/repo``, the layout ``fetch`` leaves), ``talent mine git --rev HEAD
--name OWNER/NAME`` mines it once at the truth's ``head`` into ``DIR/OWNER__NAME.db`` (git
only; the command resolves people too), with a key file and an empty people file of
``DIR`` (default: a temporary folder). Then, for every maintainer of the truth (or
``--sample N`` of them per repository, drawn with ``--seed``), a copy of that database is
opted out of in-process by the maintainer's login
(:func:`talent.people.privacy.optout`, no ``kind``); when the login names nobody or several
people, a fresh copy is tried by their first truth e-mail instead. Per maintainer:

- **resolved**: by login, by e-mail, or why not (nobody / several people);
- **recall**: of their truth identities (``git:NAME\\x1fEMAIL`` keys, as
  :attr:`talent.model.Identity.key` writes them) stored before, the share gone after;
- **collateral**: identities removed that are another truth maintainer's (wrong, should
  be 0), and identities removed that no truth list names ("unknown": the same person under
  another address, or a wrong removal; ``--show-unknown`` prints their names and
  addresses, with whether identity resolution had linked them to the resolved person
  before the opt-out, to judge by hand; never commit that output);
- **owner-file rows**: rows of the owner files naming the login as a user, before and
  after (a resolved opt-out must leave none); for a maintainer neither the login nor the
  e-mail resolves, what the one-line error suggests, the login listed with
  ``kind="login"``, is tried on a fresh copy too (identities it removed, rows left);
- **time**: the opt-out's wall time, against :func:`talent.people.identity.update_people` alone
  on a copy of the same database (median of three).

Prints a table per repository and overall, or one JSON document with ``--json`` (without
names or addresses). Nothing here is committed: DIR and the mirrors stay outside the
project.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from talent.config import Settings
from talent.people.identity import update_people
from talent.people.privacy import PrivacyError, optout
from talent.store import load_identities, load_identity_links, load_named_owners, open_store
from talent.store.keys import KEY_ENV_VAR


def _git_key(name: str, email: str) -> str:
    # Identity.key of a git identity: the name as written, the address lower-cased.
    return f"git:{name}\x1f{email.lower()}"


def _settle(db: Path) -> None:
    """Fold any write-ahead log into the main file, so a file copy is the whole store."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        side = db.with_name(db.name + suffix)
        if side.exists() and side.stat().st_size:
            raise RuntimeError(f"{side} still holds pages after a checkpoint")


def _copy(template: Path, target: Path) -> str:
    for suffix in ("", "-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def mine(git_dir: Path, repo: str, head: str, db: Path, work: Path) -> float:
    """Mine ``git_dir`` at ``head`` into ``db`` with ``talent mine git``; its seconds."""
    env = {**os.environ, KEY_ENV_VAR: str(work / "privacy.key")}
    command = [sys.executable, "-m", "talent", "mine", "git", str(git_dir), "--name", repo]
    command += ["--rev", head, "--db", str(db)]
    started = time.perf_counter()
    # cwd=work: the default people file (people.toml) is looked up there, and is absent.
    proc = subprocess.run(command, capture_output=True, text=True, cwd=work, env=env)
    if proc.returncode:
        raise RuntimeError(f"{repo}: mine failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    return time.perf_counter() - started


def _owner_rows(url: str, login: str) -> int:
    """Rows of the owner files that name ``login`` (as a user)."""
    engine = open_store(url, create=False)
    named = load_named_owners(engine)
    engine.dispose()
    owners = named["owner"].astype(str).str.lstrip("@").str.lower()
    return int(((owners == login.lower()) & (named["kind"] == "user")).sum())


def _snapshot(url: str) -> tuple[set[str], dict[str, str], dict[str, tuple[str, str]]]:
    engine = open_store(url, create=False)
    idents = load_identities(engine)
    links = load_identity_links(engine)
    engine.dispose()
    columns = zip(idents["key"], idents["name"], idents["email"], strict=True)
    shown = {k: (str(n), str(e)) for k, n, e in columns}
    person = dict(zip(links["identity_key"], links["person_id"], strict=True))
    return set(idents["key"]), person, shown


def _try(template: Path, trial: Path, who: str, settings_of, login: str, kind=None) -> dict:
    """Opt ``who`` out of a fresh copy of ``template``: what went, or why nothing did."""
    url = _copy(template, trial)
    settings = settings_of(url)
    engine = open_store(url, create=False)
    started = time.perf_counter()
    try:
        done = optout(engine, who, settings, kind=kind)
    except PrivacyError as exc:
        engine.dispose()
        text = str(exc)
        reason = "nobody" if text.startswith("nobody matches") else "several"
        return {"resolved": False, "reason": reason, "message": text.split(";")[0]}
    seconds = time.perf_counter() - started
    engine.dispose()
    after, _, _ = _snapshot(url)
    return {
        "resolved": True,
        "person": done.person_id,
        "seconds": seconds,
        "after": after,
        "owner_rows_left": _owner_rows(url, login),
    }


def check_repo(truth_path: Path, mirrors: Path, work: Path, args) -> dict:
    truth = json.loads(truth_path.read_text())
    repo, head = truth["repo"], truth["head"]
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    db = work / truth_path.name.replace(".truth.json", ".db")
    mined = mine(git_dir, repo, head, db, work)
    _settle(db)
    key_file = str(work / "privacy.key")
    people_file = str(work / "people.toml")

    def settings_of(url: str) -> Settings:
        return Settings(db_url=url, key_file=key_file, people_file=people_file)

    before, person_of, shown = _snapshot(f"sqlite:///{db}")
    trial = work / "trial.db"
    resolve_times = []
    for _ in range(3):
        url = _copy(db, trial)
        engine = open_store(url, create=False)
        started = time.perf_counter()
        update_people(engine, settings_of(url))
        resolve_times.append(time.perf_counter() - started)
        engine.dispose()

    maintainers = truth["maintainers"]
    truth_keys = {
        m["login"]: {_git_key(i["name"], i["email"]) for i in m.get("identities") or []}
        for m in maintainers
    }
    everyone = set().union(*truth_keys.values()) if truth_keys else set()
    chosen = list(maintainers)
    if args.sample and len(chosen) > args.sample:
        chosen = random.Random(f"{args.seed}:{repo}").sample(chosen, args.sample)
    rows = []
    for m in chosen:
        login = m["login"]
        mine_keys = truth_keys[login] & before
        row = {
            "login": login,
            "truth_identities": len(truth_keys[login]),
            "stored_identities": len(mine_keys),
        }
        row["owner_rows"] = _owner_rows(f"sqlite:///{db}", login)
        outcome = _try(db, trial, login, settings_of, login)
        row["by"] = "login" if outcome["resolved"] else None
        row["login_failure"] = None if outcome["resolved"] else outcome["reason"]
        if not outcome["resolved"] and m.get("identities"):
            email = m["identities"][0]["email"]
            outcome = _try(db, trial, email, settings_of, login)
            row["by"] = "email" if outcome["resolved"] else None
            row["email_failure"] = None if outcome["resolved"] else outcome["reason"]
        if not outcome["resolved"]:
            # What the one-line error tells the user to do: list the login as a login.
            listed = _try(db, trial, login, settings_of, login, kind="login")
            row["kind_login_removed"] = len(before - listed["after"])
            row["kind_login_owner_rows_left"] = listed["owner_rows_left"]
        if outcome["resolved"]:
            removed = before - outcome["after"]
            others = removed & (everyone - truth_keys[login])
            unknown = removed - everyone
            person = outcome["person"]
            row.update(
                seconds=round(outcome["seconds"], 3),
                owner_rows_left=outcome["owner_rows_left"],
                removed=len(removed),
                recall=len(mine_keys & removed) / len(mine_keys) if mine_keys else None,
                collateral_maintainers=sorted(
                    lg for lg, keys in truth_keys.items() if lg != login and keys & removed
                ),
                collateral_identities=len(others),
                unknown=len(unknown),
                # The resolved person is the one the opt-out named; an unknown identity
                # linked to them before was already theirs by identity resolution.
                unknown_same_person=sum(person_of.get(k) == person for k in unknown),
            )
            row["_unknown"] = [(*shown[k], person_of.get(k) == person) for k in sorted(unknown)]
        rows.append(row)
    return {
        "repo": repo,
        "identities_stored": len(before),
        "mine_seconds": round(mined, 1),
        "update_people_seconds": round(statistics.median(resolve_times), 3),
        "maintainers": rows,
    }


def summary(rows: list[dict], update_seconds: list[float]) -> dict:
    done = [r for r in rows if r["by"]]
    recalls = [r["recall"] for r in done if r["recall"] is not None]
    seconds = [r["seconds"] for r in done]
    return {
        "maintainers": len(rows),
        "with_truth_identities": sum(r["truth_identities"] > 0 for r in rows),
        "with_stored_identities": sum(r["stored_identities"] > 0 for r in rows),
        "resolved_by_login": sum(r["by"] == "login" for r in rows),
        "login_nobody": sum(r["login_failure"] == "nobody" for r in rows),
        "login_several": sum(r["login_failure"] == "several" for r in rows),
        "resolved_by_email": sum(r["by"] == "email" for r in rows),
        "unresolved": sum(not r["by"] for r in rows),
        "unresolved_named_in_owner_files": sum(not r["by"] and r["owner_rows"] > 0 for r in rows),
        "owner_rows_left": sum(r["owner_rows_left"] for r in done),
        "kind_login_removed": sum(r.get("kind_login_removed", 0) for r in rows),
        "kind_login_owner_rows_left": sum(r.get("kind_login_owner_rows_left", 0) for r in rows),
        "recall_measured": len(recalls),
        "mean_recall": round(statistics.mean(recalls), 3) if recalls else None,
        "full_recall": sum(x == 1.0 for x in recalls),
        "collateral_identities": sum(r["collateral_identities"] for r in done),
        "collateral_maintainers": sum(len(r["collateral_maintainers"]) for r in done),
        "unknown_removed": sum(r["unknown"] for r in done),
        "unknown_same_person": sum(r["unknown_same_person"] for r in done),
        "median_optout_seconds": round(statistics.median(seconds), 3) if seconds else None,
        "median_update_people_seconds": round(statistics.median(update_seconds), 3),
        "ratio": round(statistics.median(seconds) / statistics.median(update_seconds), 2)
        if seconds
        else None,
    }


def _print(result: dict, show_unknown: bool) -> None:
    print(
        f"\n{result['repo']}: {result['identities_stored']} identities stored, mined in "
        f"{result['mine_seconds']} s, update_people {result['update_people_seconds']} s"
    )
    print(
        f"  {'login':28} {'truth':>5} {'kept':>4} {'by':>6} {'recall':>6} {'removed':>7} "
        f"{'others':>6} {'unknown':>7} {'secs':>6} {'owner rows':>10}"
    )
    for r in result["maintainers"]:
        by = r["by"] or f"-{r['login_failure'] or ''}/{r.get('email_failure') or ''}"
        recall = "" if r.get("recall") is None else f"{r['recall']:.2f}"
        left = r.get("owner_rows_left", r.get("kind_login_owner_rows_left", ""))
        print(
            f"  {r['login'][:28]:28} {r['truth_identities']:>5} {r['stored_identities']:>4} "
            f"{by:>6} {recall:>6} {r.get('removed', ''):>7} "
            f"{r.get('collateral_identities', ''):>6} {r.get('unknown', ''):>7} "
            f"{r.get('seconds', ''):>6} "
            f"{r['owner_rows']:>4}->{left:<4}"
        )
        if r.get("collateral_maintainers"):
            print(f"    removes other maintainers: {', '.join(r['collateral_maintainers'])}")
        if show_unknown:
            for name, email, same in r.get("_unknown", []):
                print(f"    unknown: {name} <{email}>  {'linked before' if same else 'NOT linked'}")


def _print_summary(title: str, s: dict) -> None:
    print(
        f"\n{title}: {s['maintainers']} maintainers ({s['with_truth_identities']} with truth "
        f"identities, {s['with_stored_identities']} of them stored); resolved by login "
        f"{s['resolved_by_login']} (nobody {s['login_nobody']}, several {s['login_several']}), "
        f"then by e-mail {s['resolved_by_email']}, unresolved {s['unresolved']} "
        f"({s['unresolved_named_in_owner_files']} named in owner files)"
    )
    print(
        f"  owner-file rows naming the login left after a resolved opt-out: "
        f"{s['owner_rows_left']}; unresolved, listed with kind=login: identities removed "
        f"{s['kind_login_removed']}, owner-file rows left {s['kind_login_owner_rows_left']}"
    )
    print(
        f"  mean recall {s['mean_recall']} over {s['recall_measured']}, full recall "
        f"{s['full_recall']}; other maintainers' identities removed "
        f"{s['collateral_identities']} ({s['collateral_maintainers']} maintainer hits); "
        f"unknown identities removed {s['unknown_removed']} "
        f"({s['unknown_same_person']} linked to the person before)"
    )
    print(
        f"  opt-out median {s['median_optout_seconds']} s vs update_people "
        f"{s['median_update_people_seconds']} s: ratio {s['ratio']}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirrors", type=Path)
    parser.add_argument("truth_dirs", type=Path, nargs="+")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show-unknown", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    truths = sorted(t for d in args.truth_dirs for t in d.glob("*.truth.json"))
    truths = [
        t
        for t in truths
        if (args.mirrors / json.loads(t.read_text())["repo"].replace("/", "+") / "repo").exists()
    ]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        results = [check_repo(t, args.mirrors, work, args) for t in truths]
    wall = time.perf_counter() - started
    rows = [r for res in results for r in res["maintainers"]]
    overall = summary(rows, [res["update_people_seconds"] for res in results])
    if args.json:
        for res in results:
            res["summary"] = summary(res["maintainers"], [res["update_people_seconds"]])
            for r in res["maintainers"]:
                r.pop("_unknown", None)
        print(
            json.dumps(
                {"repos": results, "overall": overall, "wall_seconds": round(wall)}, indent=1
            )
        )
        return 0
    for res in results:
        _print(res, args.show_unknown)
        _print_summary(res["repo"], summary(res["maintainers"], [res["update_people_seconds"]]))
    _print_summary("overall", overall)
    print(f"\nwall time {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
