"""The audit trail of a number: every count behind a person's score, with the acts that
make it, so a recruiter (or the person) can check it.

:func:`audit_person` takes a ranking row (:func:`talent.ranking.scoring.rank_store`, or a
:class:`~talent.ranking.scoring.RankingBase`'s) and the acts that ranking was computed from, and
answers two tables: ``counts`` (each counted measure, the value the ranking used and the
number of acts listed for it: the two are equal by construction, and a test holds them
so) and ``acts`` (every act of the person in the ranking's scope, oldest first, with the
measures each one counts towards and its link). ``stewardship`` says in one line what
stewardship the counts show (:func:`talent.ranking.features.stewardship_summary`) and
``stewardship_acts`` lists a few linked acts of each kind behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from talent.ranking.features import (
    FEATURE_DOCS,
    count_kinds,
    stewardship_evidence,
    stewardship_summary,
)

__all__ = ["Audit", "audit_person"]


@dataclass(frozen=True)
class Audit:
    person_id: str
    counts: pd.DataFrame  # measure, value, acts, kinds, meaning
    acts: pd.DataFrame  # occurred_at, kind, repo, title, url, counts_for
    stewardship: str = ""  # "tagged 14 releases, backported 30 fixes, ..."
    # measure, kind, occurred_at, title, url: a few of the acts behind ``stewardship``
    stewardship_acts: pd.DataFrame = field(default_factory=pd.DataFrame)


def audit_person(row: pd.Series, acts: pd.DataFrame, person_id: str) -> Audit:
    """The counts behind ``row`` (one person's ranking row) and the acts that make them;
    ``acts`` has a ``person`` column (:func:`talent.ranking.features.attach_people`), the same
    acts the ranking used (its repositories, time window and bots)."""
    mine = acts[acts["person"] == person_id].sort_values(["occurred_at", "kind", "url"])
    measures = count_kinds()
    counts_for = {
        kind: [m for m, kinds in measures.items() if kind in kinds]
        for kind in mine["kind"].unique()
    }
    listed = mine.assign(
        counts_for=mine["kind"].map(lambda k: ", ".join(counts_for.get(k, [])) or "activity")
    )
    rows = []
    for measure, kinds in measures.items():
        if measure not in row.index:
            continue
        number = int(mine["kind"].isin(kinds).sum())
        rows.append(
            {
                "measure": measure,
                "value": row[measure],
                "acts": number,
                "kinds": ", ".join(kinds),
                "meaning": FEATURE_DOCS.get(measure, ""),
            }
        )
    columns = ["occurred_at", "kind", "repo", "title", "url", "counts_for"]
    return Audit(
        person_id,
        pd.DataFrame(rows, columns=["measure", "value", "acts", "kinds", "meaning"]),
        listed[columns].reset_index(drop=True),
        stewardship_summary(row.to_dict()),
        stewardship_evidence(mine),
    )
