"""Outreach drafts: a short message to a person that cites their public work in the
company's repositories and carries the privacy notice. talent writes drafts; it never
sends anything.

The work cited is what the person's explanation cites (:func:`talent.ranking.scoring.explain`:
their most substantial items, each once), mechanical changes (renames, version bumps,
reformatting, merges, reverts) only when there is nothing else.

The template is editable text (``[outreach] template`` in the settings file) with the
fields of :data:`talent.config.OUTREACH_FIELDS`; values are put in as they are, never
read as a template again, so a title with braces in it stays a title.
"""

from __future__ import annotations

import string

import pandas as pd
from sqlalchemy import Engine

from talent.config import Settings, template_problem
from talent.model import ActivityKind
from talent.people.privacy import notice_text
from talent.ranking.scoring import Evidence, explain
from talent.store import get_meta

DEFAULT_TEMPLATE = """\
Subject: Your open-source work with {company}

Hi {first_name},

I work at {company}. We have been following the work people do on our open-source
projects, and yours stood out, in particular:

{work}
{recent}
You seem to know {areas} well. Would you be open to a short conversation about what you
are working on, and about roles on our team? No pressure either way.

Best regards,

--
{notice}
"""
WORK_ITEMS = 3
KIND_WORDS = {
    ActivityKind.PR_OPENED: "pull request",
    ActivityKind.PR_MERGED: "merged pull request",
    ActivityKind.COMMIT: "commit",
    ActivityKind.ISSUE_OPENED: "issue",
    ActivityKind.ISSUE_COMMENT: "comment",
    ActivityKind.REVIEW: "review",
    ActivityKind.REVIEW_COMMENT: "review comment",
}


def draft(
    engine: Engine,
    settings: Settings,
    person_id: str,
    ranking: pd.DataFrame,
    evidence: Evidence,
) -> str:
    """The draft for ``person_id`` from ``ranking`` (a ranking over everyone, with this
    person in it) and its ``evidence`` (:class:`talent.ranking.scoring.Evidence`)."""
    row = ranking[ranking["person_id"] == person_id]
    if row.empty:
        raise KeyError(person_id)
    person = row.iloc[0]
    cited = cited_work(explain(ranking, evidence, person_id))
    seen = {item["url"]: _line(item) for item in cited}
    name = str(person["name"] or person["login"] or "there")
    fields = {
        "name": name,
        "first_name": name.split()[0] if name.split() else name,
        "company": _company(engine, settings),
        "areas": person["areas"] or "this area",
        "work": "\n".join(f"- {line}: {url}" for url, line in seen.items())
        or "- your contributions to our repositories",
        "recent": _recent_merge(evidence, person_id, {item["key"] for item in cited}),
        "notice": notice_text(engine, settings),
    }
    return fill_template(settings.outreach_template or DEFAULT_TEMPLATE, fields)


def fill_template(template: str, fields: dict[str, str]) -> str:
    """``template`` with each ``{field}`` replaced by ``fields[field]``, whole, and
    ``{{``/``}}`` by a brace; never :meth:`str.format` on the template, so nothing in it
    is evaluated. Raises ``ValueError`` (one line) for a template
    :func:`talent.config.template_problem` refuses.

    >>> fill_template("{{x}} {name}: {notice}", {"name": "{notice}", "notice": "N"})
    '{x} {notice}: N'
    >>> fill_template("{notice:.0}", {"notice": "N"})
    Traceback (most recent call last):
    ...
    ValueError: outreach template: {notice:.0}: no format specs; write the field alone, as {notice}
    """
    problem = template_problem(template)
    if problem:
        raise ValueError(f"outreach template: {problem}")
    out = []
    for literal, field_name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if field_name is not None:
            out.append(str(fields[field_name]))
    return "".join(out)


def cited_work(parts: list[dict], n: int = WORK_ITEMS) -> list[dict]:
    """Up to ``n`` evidence items of an explanation (:func:`talent.ranking.scoring.explain`) to
    cite, in its order (strongest signal first), each item once; mechanical changes only
    when nothing else is left.

    >>> parts = [{"evidence": [
    ...     {"url": "u1", "key": "a#1", "mechanical": "version bump"},
    ...     {"url": "u2", "key": "a#2", "mechanical": ""}]},
    ...     {"evidence": [{"url": "u3", "key": "a#3", "mechanical": ""}]}]
    >>> [item["url"] for item in cited_work(parts)]
    ['u2', 'u3', 'u1']
    >>> [item["url"] for item in cited_work(parts, n=2)]
    ['u2', 'u3']
    """
    items = {e.get("key") or e["url"]: e for p in parts for e in p["evidence"] if e["url"]}
    ordered = sorted(items.values(), key=lambda e: bool(e.get("mechanical")))
    return ordered[:n]


def _line(item: dict) -> str:
    kind = KIND_WORDS.get(item["kind"], str(item["kind"]).replace("_", " "))
    title = " ".join(str(item["title"] or "").split())[:90]
    where = item["repo"]
    return f"{kind} in {where}" + (f", “{title}”" if title else "")


def _company(engine: Engine, settings: Settings) -> str:
    return (
        ", ".join(settings.company_names or settings.company_orgs)
        or get_meta(engine, "company_orgs")
        or "the company behind these projects"
    )


def _recent_merge(evidence: Evidence, person_id: str, cited: set[str]) -> str:
    """A line on the person's latest merged pull request that is not cited already and
    not a mechanical change."""
    acts = evidence.acts
    merged = acts[(acts["person"] == person_id) & (acts["kind"] == ActivityKind.PR_MERGED)
                  & (acts["url"].astype(str) != "")]  # fmt: skip
    keys = evidence.keys.reindex(merged.index)
    mechanical = evidence.substance["mechanical"].reindex(keys).fillna("").to_numpy() != ""
    merged = merged[~keys.isin(cited).to_numpy() & ~mechanical]
    if merged.empty:
        return ""
    last = merged.sort_values("occurred_at").iloc[-1]
    title = " ".join(str(last["title"] or "").split())[:90]
    return (
        f"\nYour most recent merged pull request, “{title}” ({last['occurred_at']:%B %Y}), "
        f"was a good one: {last['url']}\n"
    )
