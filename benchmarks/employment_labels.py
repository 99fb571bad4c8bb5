"""What talent says about companies and employment on real databases, for checking by eye.

Usage: python benchmarks/employment_labels.py DB [DB ...] [--mine NAME] [--top 30] [--json]

For each database (a copy: resolving people writes to it) it prints what ``talent company
--format json`` says (the kind of project, the organisations and their share of the work),
how many people are employee / former employee / community / unknown, and, for the top
people of the maintainer ranking over everyone, their label, its span, and the timeline of
their work e-mail domains (domain, first and last use, acts; public mail providers
folded into "public"), so that each label can be judged against the addresses and dates.

``--mine NAME`` first calls an organisation "mine" (``talent company --mine``), for a
project of several companies. No settings file is read.

Each person is marked ``ok`` when the label agrees with the address timeline read with
the rule a person would use: an employee's latest work address is the company's and was
used within the grace period of the data's last act; a former employee's is not (they
went quiet on it, or went on from another employer); community people never used a
company address. ``?`` marks people whose addresses say nothing (public mail only).
``~`` marks former employees who went on from public addresses only, past the grace period:
still employed or not, git cannot tell. With ``--json`` the last line is ``{"judged", "right",
"unjudgeable", "ambiguous"}`` over all databases.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from talent.config import AFFILIATIONS, Settings
from talent.people.affiliation import employment_text, is_public_mail_domain, registrable_domain
from talent.people.identity import infer_company, save_company_choice
from talent.ranking.scoring import rank_store
from talent.store import (
    load_activities,
    load_identities,
    load_identity_links,
    load_people,
    open_store,
)


def timelines(engine) -> dict[str, list[tuple[str, pd.Timestamp, pd.Timestamp, int]]]:
    """person -> [(domain or "public", first, last, acts)], latest first."""
    ids = load_identities(engine).set_index("key")
    links = load_identity_links(engine)
    acts = load_activities(engine)
    spans = acts.groupby("actor")["occurred_at"].agg(["min", "max", "size"])
    out: dict[str, dict[str, list]] = {}
    for key, person in zip(links["identity_key"], links["person_id"], strict=True):
        if key not in spans.index:
            continue
        email = str(ids.at[key, "email"] or "") if key in ids.index else ""
        domain = email.lower().rpartition("@")[2]
        name = (
            "public" if not email or is_public_mail_domain(domain) else registrable_domain(domain)
        )
        first, last, n = spans.loc[key]
        row = out.setdefault(person, {}).setdefault(name, [first, last, 0])
        row[0], row[1], row[2] = min(row[0], first), max(row[1], last), row[2] + int(n)
    return {
        p: sorted(((d, *v) for d, v in doms.items()), key=lambda r: r[2], reverse=True)
        for p, doms in out.items()
    }


def judge(
    label: str, line, company: tuple[str, ...], others: set[str], end, grace_days: int
) -> str:
    """'ok', 'wrong', '?' (the addresses say nothing: public mail only) or '~' (a former
    employee who went on from public addresses only, past the grace period: still
    employed, or not, git cannot tell) for one label against the address timeline."""
    grace = pd.Timedelta(days=grace_days)
    work = [r for r in line if r[0] != "public"]
    if not work:
        return "?" if label != "employee" else "wrong"
    ours = [r for r in work if r[0] in company]
    if not ours:
        return "ok" if label in ("community", "unknown") else "wrong"
    last_ours = max(r[2] for r in ours)
    # Another organisation's address after the company's (one person's own domain is no
    # employer: it counts as public mail).
    moved = any(r[0] in others and r[2] > last_ours for r in work)
    current = not moved and last_ours + grace >= end
    expected = "employee" if current else "former_employee"
    if label != expected:
        return "wrong"
    public_after = any(r[0] not in others and r[2] > last_ours + grace for r in line)
    return "~" if expected == "former_employee" and public_after and not moved else "ok"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", nargs="+")
    parser.add_argument("--mine", default=None)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings(people_file="/nonexistent/people.toml")
    totals = {"judged": 0, "right": 0, "unjudgeable": 0, "ambiguous": 0}
    for db in args.db:
        url = db if "://" in db else f"sqlite:///{db}"
        engine = open_store(url, create=False)
        if args.mine:
            save_company_choice(engine, settings, args.mine)
        company = infer_company(engine, settings)
        report = company.report()
        people = load_people(engine).set_index("person_id")
        counts = people["affiliation"].value_counts()
        print(f"== {db}")
        print(json.dumps({k: report[k] for k in ("kind", "inferred", "source")}))
        for org in report["organisations"][:8]:
            print(f"   {org['name']:<24} {org['people']:>4} people  {org['share_of_work']:.1%}")
        print("   " + ", ".join(f"{a}: {int(counts.get(a, 0))}" for a in AFFILIATIONS))
        ranking = rank_store(engine, settings, affiliations=()).head(args.top)
        lines = timelines(engine)
        end = load_activities(engine)["occurred_at"].max()
        domains = tuple(company.domains)
        others = {d for o in company.organisations for d in o.domains} - set(domains)
        for row in ranking.itertuples(index=False):
            person = people.loc[row.person_id]
            label = employment_text(
                person["affiliation"], person["employed_from"], person["employed_until"]
            )
            line = lines.get(row.person_id, [])
            verdict = judge(
                person["affiliation"], line, domains, others, end, settings.former_after_days
            )
            if verdict in ("?", "~"):
                totals["unjudgeable" if verdict == "?" else "ambiguous"] += 1
            else:
                totals["judged"] += 1
                totals["right"] += verdict == "ok"
            shown = "; ".join(f"{d} {a:%Y-%m}..{b:%Y-%m} ({n})" for d, a, b, n in line[:4])
            print(f"{int(row.rank):>3} {verdict:<5} {label:<26} {shown}")
    if args.json:
        print(json.dumps(totals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
