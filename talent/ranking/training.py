"""The examples the maintainer model (:mod:`talent.ranking.learning`) learns and is judged on,
built from a mined store through the ranking (:mod:`talent.ranking.scoring`): one row per person
with the signal values and the labels the owner files give.

- :func:`person_table`: one repository's examples, labelled by who is named now or ever;
- :func:`future_tables`: "who will be named next" examples at past cut dates.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talent.ranking.learning import (
    extra_features,
    fixed_profiles,
    named_people,
    profile_score_column,
)


def person_table(engine, settings=None, repos: Sequence[str] | None = None) -> pd.DataFrame:
    """One repository's (or ``repos``') examples, a row per person who is not a bot:
    the signal values (:func:`talent.ranking.scoring.signal_values`), ``commits``, the labels
    ``named_ever`` and ``named_now`` from the stored owner files (people matched by
    :func:`talent.people.identity.owner_people`, never guessed), ``first_named`` (UTC) and the
    score of every built-in profile that learns nothing (:func:`profile_score_column`:
    ``score_maintainer``, ``score_recruiter``), so that every built-in profile can be
    compared on held-out repositories."""
    from talent.config import Settings
    from talent.ranking.scoring import build_ranking_base, make_profile_scorer

    settings = settings or Settings()
    base = build_ranking_base(engine, settings, repos=repos)
    if base.values.empty:
        return pd.DataFrame()
    extra = extra_features(base.features)
    # A feature that is a signal on its own (backports, reverts) is there once already.
    out = base.values.join(extra.drop(columns=[c for c in extra if c in base.values]))
    for profile in fixed_profiles():
        scorer = make_profile_scorer(profile).fit(base.values)
        out[profile_score_column(profile.name)] = scorer.predict(base.values)
    named = named_people(engine, repos)
    out["named_ever"] = out.index.isin(set(named["person_id"]))
    out["named_now"] = out.index.isin(set(named.loc[named["until"].isna(), "person_id"]))
    out["first_named"] = named.groupby("person_id")["since"].min().reindex(out.index)
    return out.rename_axis("person_id")


# --- future maintainers ------------------------------------------------------------------

YEAR = pd.Timedelta(days=365)


def future_tables(
    engine, settings=None, cuts: Sequence[pd.Timestamp] = (), repos: Sequence[str] | None = None
) -> dict[pd.Timestamp, pd.DataFrame]:
    """ "Who will be named next" examples: per cut date, a row per person active before
    it and not named by then, with the signals computed on the acts before the cut,
    ``commits`` and ``commits_last_year`` (the baselines) and ``named_next``: first named
    within a year after the cut. One load of the store serves every cut."""
    from talent.config import Settings
    from talent.people.identity import ensure_people
    from talent.ranking.scoring import _base, _prepare
    from talent.store import load_activities, load_commit_files, load_identity_links, load_people

    settings = settings or Settings()
    ensure_people(engine, settings)
    people = load_people(engine)
    links = load_identity_links(engine)
    activities = load_activities(engine, repos=repos)
    files = load_commit_files(engine, repos=repos)
    first = named_people(engine, repos).groupby("person_id")["since"].min()
    first = pd.to_datetime(first, utc=True).dt.tz_localize(None)
    # Times are compared as naive UTC, as the store gives them.
    when = pd.to_datetime(activities["occurred_at"], utc=True).dt.tz_localize(None)
    out: dict[pd.Timestamp, pd.DataFrame] = {}
    for given in cuts:
        cut = pd.Timestamp(given)
        cut = cut.tz_convert("UTC").tz_localize(None) if cut.tzinfo else cut
        before = activities[when < cut]
        if before.empty:
            continue
        acts, changes, bots = _prepare(before, people, links, files, False)
        base = _base(acts, changes, bots, people, settings, 0, next_up=False)
        if base.values.empty:
            continue
        extra = extra_features(base.features)
        table = base.values.join(extra.drop(columns=[c for c in extra if c in base.values]))
        at = pd.to_datetime(acts["occurred_at"], utc=True).dt.tz_localize(None)
        recent = acts[(acts["kind"] == "commit") & (at >= cut - YEAR)]
        table["commits_last_year"] = (
            recent.groupby("person").size().reindex(table.index).fillna(0).astype(float)
        )
        named_at = first.reindex(table.index)
        table = table[~(named_at < cut)]  # already named: not a candidate
        named_at = named_at.reindex(table.index)
        table["named_next"] = ((named_at >= cut) & (named_at < cut + YEAR)).to_numpy()
        out[given] = table.rename_axis("person_id")
    return out
