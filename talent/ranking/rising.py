"""Who will be named next: a model of the trajectory that comes before a project names
someone in its owner files, learned on time travel.

Each training history is cut one to four years before its head; at a cut, the candidates
are the people active before it whom no owner file has named yet, and the positives those
first named within the year after it (:func:`rising_tables`). A person's trajectory at a
cut (:func:`trajectory_features`) is what the history shows until then, per repository:
acts in the last 3, 6 and 12 months and how they grew, months active, folders and areas
touched, stewardship acts (releases tagged, backports, reverts...), being trusted with
others' work, and time since the first contribution.

The model (:class:`RisingModel`) is a regularised logistic regression on those features,
each count scaled within its repository and cut (:func:`talent.ranking.learning.scale_against`)
so that a large project's numbers do not drown a small one's. It ships as a small JSON
file (:data:`MODEL_FILE`: a weight per feature, no pickled estimator), is refitted with
:func:`fit_rising` (``benchmarks/future_maintainers.py --save-rising``), and drives the
app's "Rising" marks and the Maintainers page's "Next maintainers"
(:func:`next_maintainers`), each person with the features that moved them in words
(:func:`evidence_text`).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from talent.ranking.components import ROOT, component_of
from talent.ranking.features import TRUST_KINDS, count_kinds, looked_up
from talent.ranking.learning import scale_against

MODEL_FILE = "rising_model.json"
DAY = pd.Timedelta(days=1)
MONTH = pd.Timedelta(days=30.44)
YEAR = pd.Timedelta(days=365)

# The stewardship acts mined from the history (talent.ranking.features' counts of them).
STEWARDSHIP = ("releases_tagged", "version_bumps", "changelog_edits", "backports", "reverts",
               "infra_edits", "governance_edits", "approvals")  # fmt: skip
# Counts (zero or more) scaled within each repository and cut; signed or bounded
# features (growth, recency) are used as they are.
# Each stewardship act is a feature of its own: fitted on the corpus, releases tagged,
# version bumps, backports and approvals weigh up, governance, CI and changelog edits and
# reverts down (beside the rest), so one sum would hide both (docs/learning.md).
COUNTS = ("acts_3m", "acts_6m", "acts_12m", "commits_12m", "commits", "months_active",
          "months_active_12m", "tenure_years", "folders_12m", "areas", *STEWARDSHIP,
          "people_helped", "trusted_acts")  # fmt: skip
SIGNED = ("growth_6m", "growth_3m", "recency")
FEATURES = (*COUNTS, *SIGNED)
# How far growth is believed: a person going from 0 to 200 acts is "up a lot", not 200x.
GROWTH_CAP = 4.0  # log2: at most 16x either way


def _naive(when) -> pd.Series | pd.Timestamp:
    """UTC times without a zone (the store's times are compared as naive UTC)."""
    if isinstance(when, pd.Series):
        when = pd.to_datetime(when, utc=True)
        return when.dt.tz_localize(None)
    when = pd.Timestamp(when)
    return when.tz_convert("UTC").tz_localize(None) if when.tzinfo else when


def trajectory_features(
    acts: pd.DataFrame,
    changes: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
    components: pd.DataFrame | None = None,
    *,
    names: Mapping[str, pd.Index] | None = None,
) -> pd.DataFrame:
    """Per (repository, person): what the history until ``as_of`` says of the person's
    trajectory there.

    Parameters
    ----------
    acts : DataFrame
        Acts with people (:func:`talent.ranking.features.attach_people`: ``person``, ``other``,
        ``repo``, ``kind``, ``occurred_at``), bots left out; acts at or after ``as_of``
        are ignored.
    changes : DataFrame
        Their commits' file changes (:func:`talent.ranking.features.commit_changes`).
    as_of : Timestamp, optional
        The cut; each repository's latest act when None (the mined head).
    components : DataFrame, optional
        The repositories' components (:func:`talent.ranking.components.build_components`); the
        top folders stand for them when None.
    names : mapping, optional
        When the acts' ``person``, ``other`` and ``repo`` are numbers
        (:func:`talent.ranking.features.numbered_acts`), their texts: the acts are grouped
        by the numbers (in the texts' sorted order) and the result is indexed by the texts.

    Returns
    -------
    DataFrame
        Indexed by (``repo``, ``person``): the :data:`FEATURES` (``acts_3m``, ``acts_6m``,
        ``acts_12m``: acts in the last 3, 6, 12 months; ``growth_6m``: log2 of the last 6
        months' acts + 1 over the 6 before's + 1, within +-4, ``growth_3m`` likewise;
        ``commits_12m``, ``commits``; ``months_active``, ``months_active_12m``;
        ``tenure_years`` since the first act; ``folders_12m``: top folders changed in the
        last year; ``areas``: components ever changed; each of the
        :data:`STEWARDSHIP` acts and ``stewardship``, their sum; ``people_helped``: distinct people
        whose work the person merged, applied, reviewed or approved; ``trusted_acts``:
        such acts; ``recency``: 1 / (1 + months since the latest act)) and ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"person": ["a", "a", "a", "b"], "other": [None] * 4,
    ...     "repo": "o/r", "kind": "commit", "occurred_at": pd.to_datetime(
    ...     ["2023-01-10", "2023-12-01", "2023-12-20", "2021-03-01"])})
    >>> t = trajectory_features(acts, pd.DataFrame(), pd.Timestamp("2024-01-01"))
    >>> t.loc[("o/r", "a"), ["acts_6m", "acts_12m", "growth_6m"]].round(2).tolist()
    [2.0, 3.0, 0.58]
    >>> round(float(t.loc[("o/r", "b"), "tenure_years"]), 1)
    2.8
    """
    columns = [*FEATURES, "stewardship", "as_of"]
    index = pd.MultiIndex.from_arrays([[], []], names=["repo", "person"])
    if acts.empty:
        return pd.DataFrame(columns=columns, index=index)
    when = _naive(acts["occurred_at"])
    if as_of is not None:
        cut = _naive(as_of)
        keep = (when < cut).to_numpy()
        acts, when = acts[keep], when[keep]
        ends = pd.Series(cut, index=acts["repo"].unique())
    else:
        ends = when.groupby(acts["repo"]).max() + pd.Timedelta(seconds=1)
    if acts.empty:
        return pd.DataFrame(columns=columns, index=index)
    end = looked_up(acts["repo"], ends)
    age = (end - when) / DAY
    # Each (repository, person) numbered once, in sorted order: every count and measure
    # below groups these numbers, not the two text columns again (a million people).
    grouped = acts.groupby([acts["repo"], acts["person"]], sort=True)
    out = pd.DataFrame(index=grouped.size().index)
    keys = grouped.ngroup().to_numpy()
    n = len(out)

    def count(mask) -> pd.Series:
        weights = np.asarray(mask, dtype=float)
        return pd.Series(np.bincount(keys, weights=weights, minlength=n), index=out.index)

    def per_key(values: pd.Series, how: str) -> pd.Series:
        if how == "nunique":  # distinct (key, value) pairs, counted per key
            codes, uniques = pd.factorize(values)
            seen = codes >= 0
            width = max(len(uniques), 1)
            pairs = np.sort(keys[seen] * width + codes[seen])  # (np.unique is slower)
            distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
            counts = np.bincount(distinct // width, minlength=n)
            return pd.Series(counts, index=out.index)
        found = pd.Series(values.to_numpy(), copy=False).groupby(keys).agg(how)
        return pd.Series(found.reindex(range(n)).to_numpy(), index=out.index)

    months = lambda n: age < n * MONTH / DAY  # noqa: E731
    out["acts_3m"] = count(months(3))
    out["acts_6m"] = count(months(6))
    out["acts_12m"] = count(months(12))
    before_6 = count(months(12) & ~months(6))
    before_3 = count(months(6) & ~months(3))
    out["growth_6m"] = np.clip(np.log2((1 + out["acts_6m"]) / (1 + before_6)), -GROWTH_CAP,
                               GROWTH_CAP)  # fmt: skip
    out["growth_3m"] = np.clip(np.log2((1 + out["acts_3m"]) / (1 + before_3)), -GROWTH_CAP,
                               GROWTH_CAP)  # fmt: skip
    is_commit = acts["kind"] == "commit"
    out["commits_12m"] = count(is_commit & months(12))
    out["commits"] = count(is_commit)
    month = when.dt.year * 12 + when.dt.month
    out["months_active"] = per_key(month, "nunique").astype(float)
    recent_month = month.where(months(12))
    out["months_active_12m"] = per_key(recent_month, "nunique").fillna(0).astype(float)
    out["tenure_years"] = per_key(age, "max") / 365.0
    out["recency"] = 1.0 / (1.0 + per_key(age, "min") * DAY / MONTH)
    kinds = count_kinds()
    for name in STEWARDSHIP:
        out[name] = count(acts["kind"].isin(kinds[name]))
    out["stewardship"] = out[list(STEWARDSHIP)].sum(axis=1)
    trusted = acts["kind"].isin([str(k) for k in TRUST_KINDS]) & acts["other"].notna()
    trusted &= acts["other"] != acts["person"]
    out["trusted_acts"] = count(trusted)
    out["people_helped"] = per_key(acts["other"].where(trusted), "nunique").fillna(0)
    out["people_helped"] = out["people_helped"].astype(float)
    # Each repository's end, by the index's own numbering of its repositories.
    out["as_of"] = ends.reindex(out.index.levels[0]).to_numpy()[out.index.codes[0]]
    if names is not None:  # the numbers' texts, sorted as the numbers were
        repos, people = (level.to_numpy().astype(np.intp) for level in out.index.levels)
        # Distinct numbers have distinct texts: nothing to verify (which would give each
        # level a lookup table that every later slice of the index copies again).
        out.index = out.index.set_levels(
            [names["repo"].take(repos), names["person"].take(people)], verify_integrity=False
        )
        ends = ends.set_axis(names["repo"].take(ends.index.to_numpy().astype(np.intp)))
    out["folders_12m"], out["areas"] = _breadth(changes, ends, components, out.index)
    return out[columns]


def _breadth(changes, ends, components, index) -> tuple[pd.Series, pd.Series]:
    """Top folders changed in the last year, and areas ever changed, per (repo, person)."""
    zero = pd.Series(0.0, index=index)
    if changes is None or changes.empty:
        return zero, zero
    # Each distinct path is split and placed in its area once (a history changes the
    # same files over and over).
    codes, paths = pd.factorize(changes["path"].astype(str))
    paths = pd.Series(paths)
    repo_of, rel = paths.str.split(":", n=1).str[0], paths.str.split(":", n=1).str[1]
    top_of = rel.where(rel.str.contains("/", regex=False), ROOT).str.split("/", n=1).str[0]
    if components is not None and len(components):
        area_of = component_of(paths, components)
    else:
        area_of = top_of
    repo = pd.Series(repo_of.to_numpy()[codes], index=changes.index)
    when = _naive(changes["occurred_at"])
    end = repo.map(ends)
    keep = (when < end).to_numpy()
    if not keep.any():
        return zero, zero
    frame = pd.DataFrame({
        "repo": repo[keep], "person": changes["person"][keep],
        "top": top_of.to_numpy()[codes][keep], "area": area_of.to_numpy()[codes][keep],
        "recent": ((end - when) < YEAR)[keep],
    })  # fmt: skip
    folders = frame[frame["recent"]].groupby(["repo", "person"])["top"].nunique()
    areas = frame.groupby(["repo", "person"])["area"].nunique()
    return (folders.reindex(index).fillna(0).astype(float),
            areas.reindex(index).fillna(0).astype(float))  # fmt: skip


# --- the model ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RisingModel:
    """A weight per feature of the scaled trajectory (:meth:`design`) and an intercept:
    ``probability`` is the logistic of their sum, the chance that a person not yet named
    is named within the year.

    ``scale`` says how counts are scaled within a repository and cut
    (:func:`talent.ranking.learning.scale_against`); ``top`` and ``threshold`` say who is marked
    rising: among a repository's first ``top`` candidates, those whose probability is at
    least ``threshold`` (both chosen on held-out repositories).
    """

    weights: Mapping[str, float]
    intercept: float = 0.0
    scale: str = "logmax"
    top: int = 10
    threshold: float = 0.0
    trained_on: tuple[str, ...] = ()
    info: Mapping[str, Any] = field(default_factory=dict)  # from JSON

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def design(self, table: pd.DataFrame) -> pd.DataFrame:
        """The model's inputs for one repository's (and cut's) candidates: counts
        scaled against the rows themselves, growth over its cap (-1..1), recency as is."""
        counts = [f for f in self.features if f in COUNTS]
        out = scale_against(table[counts], table[counts], self.scale) if counts else None
        out = out if out is not None else pd.DataFrame(index=table.index)
        for f in self.features:
            if f.startswith("growth_"):
                out[f] = table[f].astype(float).fillna(0.0) / GROWTH_CAP
            elif f not in COUNTS:
                out[f] = table[f].astype(float).fillna(0.0)
        return out[list(self.features)]

    def contributions(self, table: pd.DataFrame, x: pd.DataFrame | None = None) -> pd.DataFrame:
        """Per person and feature, the weight times the input less its mean over the
        rows (what moved the person against the average candidate of their project).
        ``x``: the table's :meth:`design`, when already made."""
        x = self.design(table) if x is None else x
        w = pd.Series(self.weights, dtype=float)
        return (x - x.mean()) * w

    def logit(self, table: pd.DataFrame, x: pd.DataFrame | None = None) -> pd.Series:
        x = self.design(table) if x is None else x
        return x @ pd.Series(self.weights, dtype=float) + self.intercept

    def probability(self, table: pd.DataFrame, x: pd.DataFrame | None = None) -> pd.Series:
        return 1.0 / (1.0 + np.exp(-self.logit(table, x)))

    def to_json(self) -> str:
        """The model file's text: a line per weight, so a diff shows what changed."""
        head = {"format": 1, "kind": "rising", "scale": self.scale, "top": self.top,
                "threshold": round(self.threshold, 6), "intercept": round(self.intercept, 5),
                "info": dict(self.info), "trained_on": list(self.trained_on)}  # fmt: skip
        lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
        weights = [f"  {json.dumps(k)}: {round(float(v), 5)}" for k, v in self.weights.items()]
        return "{\n" + "\n".join(lines) + '\n "weights": {\n' + ",\n".join(weights) + "\n }\n}"

    @classmethod
    def from_json(cls, text: str) -> RisingModel:
        data = json.loads(text)
        if data.get("format") != 1 or data.get("kind") != "rising":
            raise ValueError("not a talent rising model (format 1)")
        unknown = set(data["weights"]) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features in the rising model: {', '.join(sorted(unknown))}")
        return cls(
            weights={k: float(v) for k, v in data["weights"].items()},
            intercept=float(data.get("intercept", 0.0)),
            scale=data.get("scale", "logmax"),
            top=int(data.get("top", 10)),
            threshold=float(data.get("threshold", 0.0)),
            trained_on=tuple(data.get("trained_on", ())),
            info=data.get("info", {}),
        )


@functools.cache
def _shipped() -> RisingModel:
    return RisingModel.from_json((Path(__file__).parents[1] / "data" / MODEL_FILE).read_text())


def load_rising_model(path: str | Path | None = None) -> RisingModel:
    """The model shipped with talent (read once), or the one at ``path``."""
    if path is None:
        return _shipped()
    return RisingModel.from_json(Path(path).read_text())


def fit_rising(
    tables: Mapping[str, pd.DataFrame],
    features: Sequence[str] = FEATURES,
    C: float = 1.0,
    scale: str = "logmax",
    target: str = "named_next",
    random_state: int = 0,
) -> RisingModel:
    """Learn a :class:`RisingModel` from ``tables`` (one per repository and cut, from
    :func:`rising_tables`), every table weighing the same, so a project with thousands
    of drive-by contributors does not drown the small ones. ``C`` is the inverse L2
    penalty of :class:`sklearn.linear_model.LogisticRegression`."""
    from sklearn.linear_model import LogisticRegression

    probe = RisingModel(weights=dict.fromkeys(features, 0.0), scale=scale)
    X, y, w = [], [], []
    for table in tables.values():
        if table.empty or not table[target].any():
            continue
        X.append(probe.design(table).to_numpy(dtype=float))
        y.append(table[target].to_numpy(dtype=int))
        w.append(np.full(len(table), 1.0 / len(table)))
    if not X:
        raise ValueError("no cut has anyone named in the year after it: nothing to learn")
    Xs, ys, ws = np.vstack(X), np.concatenate(y), np.concatenate(w)
    ws = ws * len(ys) / ws.sum()
    model = LogisticRegression(C=C, max_iter=5000, random_state=random_state)
    model.fit(Xs, ys, sample_weight=ws)
    return RisingModel(
        weights=dict(zip(features, (float(c) for c in model.coef_[0]), strict=True)),
        intercept=float(model.intercept_[0]),
        scale=scale,
        trained_on=tuple(sorted({str(k).split("@")[0] for k in tables})),
        info={"C": C, "tables": len(X), "people": int(len(ys)), "named": int(ys.sum())},
    )


# --- examples from history ---------------------------------------------------------------


def rising_tables(
    engine, settings=None, cuts: Sequence[pd.Timestamp] = (), repos: Sequence[str] | None = None
) -> dict[pd.Timestamp, pd.DataFrame]:
    """ "Who will be named next" examples: per cut, a row per person active before it
    (bots left out) whom no owner file named before it: the :func:`trajectory_features`
    at the cut (components built from the changes before it) and ``named_next``, first
    named within a year after the cut. One load of the store serves every cut; a store
    of several repositories gives one table per cut over all of them (index
    ``person_id``; the repository with the most acts kept per person)."""
    from talent.config import Settings
    from talent.people.identity import ensure_people
    from talent.ranking.components import build_components
    from talent.ranking.features import attach_people, commit_changes
    from talent.ranking.learning import named_people
    from talent.store import load_activities, load_commit_files, load_identity_links, load_people

    settings = settings or Settings()
    ensure_people(engine, settings)
    people = load_people(engine)
    links = load_identity_links(engine)
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"])
    acts = attach_people(load_activities(engine, repos=repos), person_of)
    acts = acts[~acts["person"].isin(bots)]
    changes = commit_changes(acts, load_commit_files(engine, repos=repos))
    first = named_people(engine, repos).groupby("person_id")["since"].min()
    first = _naive(pd.to_datetime(first, utc=True)) if len(first) else first
    when = _naive(acts["occurred_at"])
    change_when = _naive(changes["occurred_at"]) if len(changes) else pd.Series(dtype=object)
    out: dict[pd.Timestamp, pd.DataFrame] = {}
    for given in cuts:
        cut = _naive(given)
        before = acts[(when < cut).to_numpy()]
        if before.empty:
            continue
        earlier = changes[(change_when < cut).to_numpy()] if len(changes) else changes
        components = build_components(earlier)
        table = trajectory_features(before, earlier, cut, components)
        table = _one_row_per_person(table)
        named_at = first.reindex(table.index)
        table = table[~(named_at < cut).to_numpy()]
        named_at = named_at.reindex(table.index)
        table["named_next"] = ((named_at >= cut) & (named_at < cut + YEAR)).to_numpy()
        out[given] = table
    return out


def _one_row_per_person(table: pd.DataFrame) -> pd.DataFrame:
    """Per person, their row of the repository where they did the most."""
    flat = table.reset_index().sort_values(["person", "acts_12m", "commits", "repo"],
                                           ascending=[True, False, False, True])  # fmt: skip
    flat = flat.drop_duplicates("person")
    return flat.set_index("person").rename_axis("person_id")


# --- at the head: next maintainers -------------------------------------------------------

EXPLAINED = 25  # candidates per repository whose evidence is written out
NEXT_COLUMNS = ["repo", "person", "rank", "probability", "rising", "evidence", *FEATURES,
                "stewardship"]  # fmt: skip


def next_maintainers(
    acts: pd.DataFrame,
    changes: pd.DataFrame,
    named: Collection[str] = (),
    components: pd.DataFrame | None = None,
    model: RisingModel | None = None,
    top: int | None = None,
    explained: int = EXPLAINED,
    numbered: tuple[Mapping[str, pd.Index], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Per repository, its people not named by any owner file, most likely to be named
    next first, as of the repository's latest act.

    Parameters
    ----------
    acts, changes : DataFrame
        As for :func:`trajectory_features` (a ranking base's ``acts`` and ``changes``).
    named : collection of str
        The person ids any owner file names or named (never candidates).
    components : DataFrame, optional
        The repositories' components.
    model : RisingModel, optional
        The shipped one when None.
    top : int, optional
        Candidates kept per repository (all when None).
    explained : int
        How many of each repository's first candidates get their ``evidence`` in words
        (the rest ""; lists show the first few).
    numbered : tuple, optional
        :func:`talent.ranking.features.numbered_acts` of ``acts``, if at hand: the acts
        are then taken and grouped by their numbers (the same rows, many times faster
        for millions of acts than by their texts).

    Returns
    -------
    DataFrame
        ``repo``, ``person``, ``rank`` (within the repository), ``probability``,
        ``rising`` (among the model's ``top`` with at least its ``threshold``),
        ``evidence`` (the features that moved them most, in words) and the features.
    """
    model = model or load_rising_model()
    columns = NEXT_COLUMNS
    named = set(named)
    frames = []
    for repo, table in _trajectories_by_repo(acts, changes, components, numbered):
        table = table[~table.index.get_level_values("person").isin(named)]
        if len(table):
            frames.append(_next_in_repo(repo, table, model, top, explained))
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _trajectories_by_repo(acts, changes, components, numbered=None):
    """:func:`trajectory_features` at the head, one repository at a time in sorted order
    (the same rows as over all acts at once: each repository's features and end are its
    own): a table over every repository has a row per repository and person, for a
    million people tens of millions of rows at once. With ``numbered``
    (:func:`talent.ranking.features.numbered_acts` of ``acts``) the rows are taken and
    grouped by their numbers, which sort as their texts."""
    if acts.empty:
        return
    names, acts = numbered if numbered is not None else (None, acts)
    wanted = [c for c in ("person", "other", "repo", "kind", "occurred_at") if c in acts]
    places = acts.groupby("repo", sort=True).indices
    if changes is not None and len(changes):
        # Each change's repository from its path ("owner/repo:path").
        change_repo = changes["path"].astype(str).str.split(":", n=1).str[0]
        change_places = change_repo.groupby(change_repo, sort=False).indices
    else:
        change_places = {}
    for key, rows in places.items():
        repo = key if names is None else names["repo"][int(key)]
        # Only the columns the features read, only this repository's rows.
        own = acts[wanted].take(rows)
        found = change_places.get(repo)
        own_changes = changes.take(found) if found is not None else changes.iloc[:0]
        yield repo, trajectory_features(own, own_changes, None, components, names=names)


def _next_in_repo(repo, group, model, top, explained) -> pd.DataFrame:
    """One repository's candidates (its :func:`trajectory_features`), most likely to be
    named next first (the rows of :func:`next_maintainers`)."""
    group = group.droplevel("repo")
    x = model.design(group)  # once: scaling every column is most of the work
    p = model.probability(group, x)
    parts = model.contributions(group, x)
    # Positions, most likely first (then by id): rows are taken by place, not looked
    # up by id. Of many, only those who can be among the first ``top`` are sorted: the
    # probability at least the top-th highest (ties kept, the id decides among them).
    likely = p.reindex(group.index).to_numpy()
    rows = np.arange(len(likely))
    if top is not None and 0 < top < len(rows) and not np.isnan(likely).any():
        rows = rows[likely >= -np.partition(-likely, top - 1)[top - 1]]
    order = pd.DataFrame({"p": likely[rows], "id": group.index[rows]}, index=rows)
    order = order.sort_values(["p", "id"], ascending=[False, True]).index.to_numpy()
    order = order if top is None else order[:top]
    frame = group.iloc[order].reset_index(names="person")
    frame.insert(0, "repo", repo)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["probability"] = p.reindex(group.index).to_numpy()[order]
    frame["rising"] = (frame["rank"] <= model.top) & (frame["probability"] >= model.threshold)
    # Only the first few are written out: the rest are not walked one by one.
    parts = parts.reindex(group.index)
    told = [evidence_text(group.iloc[at], parts.iloc[at], model.weights)
            for at in order[: max(explained, 0)]]  # fmt: skip
    frame["evidence"] = told + [""] * (len(order) - len(told))
    return frame


def rising_people(next_up: pd.DataFrame) -> set[str]:
    """The people marked rising in any repository of :func:`next_maintainers`."""
    if next_up.empty:
        return set()
    return set(next_up.loc[next_up["rising"].astype(bool), "person"])


# The words for each feature (features that say the same thing share one phrase: the
# evidence names each thing once).
_PHRASE_OF = {"acts_3m": "acts", "acts_6m": "acts", "acts_12m": "acts", "growth_6m": "growth",
              "growth_3m": "growth", "commits_12m": "commits", "commits": "commits",
              "months_active": "months", "months_active_12m": "months",
              "tenure_years": "tenure", "folders_12m": "folders", "areas": "areas",
              "people_helped": "trust", "trusted_acts": "trust", "recency": "recency",
              **{act: act for act in STEWARDSHIP}}  # fmt: skip
_STEWARDSHIP_WORDS = {"releases_tagged": "releases tagged", "version_bumps": "version bumps",
                      "changelog_edits": "changelog edits", "backports": "backports",
                      "reverts": "reverts", "infra_edits": "CI/build edits",
                      "governance_edits": "governance edits", "approvals": "approvals"}  # fmt: skip


def _plural(n: float, word: str) -> str:
    n = int(round(n))
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _phrase(feature: str, row: pd.Series, weight: float) -> str | None:
    """One feature of a person's row in words (None when it says nothing)."""
    if feature.startswith("acts_"):
        months = int(feature.removeprefix("acts_").removesuffix("m"))
        span = "in the last year" if months == 12 else f"in the last {months} months"
        return f"{_plural(row[feature], 'act')} {span}" if row[feature] else None
    if feature.startswith("growth_"):
        months = int(feature.removeprefix("growth_").removesuffix("m"))
        ratio = 2 ** float(row[feature])
        if ratio >= 1.25:
            return f"activity up {ratio:.1f}x in the last {months} months"
        return None
    if feature == "commits_12m":
        return _plural(row[feature], "commit") + " in the last year" if row[feature] else None
    if feature == "commits":
        return _plural(row[feature], "commit") + " in all" if row[feature] else None
    if feature == "months_active":
        return f"active in {_plural(row[feature], 'month')} in all"
    if feature == "months_active_12m":
        return f"active {int(row[feature])} of the last 12 months"
    if feature == "tenure_years":
        years = float(row[feature])
        # Months counted up, as calendar months are: someone active in 6 of the last 12
        # months started at least 6 months ago in those words.
        months = max(1, math.ceil(years * 12 - 1e-9))
        since = _plural(months, "month") if months < 24 else f"{years:.1f} years"
        # The model favours newer people when its weight is negative: say so.
        return f"new: first contribution {since} ago" if weight < 0 else f"contributing for {since}"
    if feature == "folders_12m":
        return f"work in {_plural(row[feature], 'folder')} this year" if row[feature] else None
    if feature == "areas":
        return f"work in {_plural(row[feature], 'area')}" if row[feature] else None
    if feature in _STEWARDSHIP_WORDS:
        return f"{int(row[feature]):,} {_STEWARDSHIP_WORDS[feature]}" if row[feature] else None
    if feature in ("people_helped", "trusted_acts"):
        n = int(row["people_helped"])
        return f"trusted with {n:,} {'person' if n == 1 else 'people'}'s work" if n else None
    return None  # recency: being active lately is said by the acts and months


def evidence_text(
    row: pd.Series,
    contributions: pd.Series,
    weights: Mapping[str, float] | None = None,
    most: int = 3,
) -> str:
    """The features that moved a person most (the largest positive contributions), in
    words, e.g. "activity up 3.0x in the last 6 months; 12 backports; trusted with 9
    people's work"; each thing said once ("nothing stands out" when nothing moved them
    up). With ``weights`` (the model's), a feature the model weighs down is said only
    where it reads the right way round (a short time since the first contribution, "new").

    >>> row = pd.Series({"acts_12m": 40.0, "growth_6m": 1.6, "people_helped": 9.0,
    ...                  "commits_12m": 30.0})
    >>> parts = pd.Series({"growth_6m": 0.9, "people_helped": 0.5, "acts_12m": 0.2,
    ...                    "commits_12m": -0.1})
    >>> evidence_text(row, parts)
    "activity up 3.0x in the last 6 months; trusted with 9 people's work; 40 acts in the last year"
    """
    said: list[str] = []
    seen: set[str] = set()
    for feature, value in contributions.sort_values(ascending=False, kind="stable").items():
        if value <= 0 or len(said) >= most:
            break
        feature = str(feature)
        weight = float((weights or {}).get(feature, 1.0))
        key = _PHRASE_OF.get(feature)
        if key is None or key in seen or (weight < 0 and feature != "tenure_years"):
            continue
        text = _phrase(feature, row, weight)
        if text:
            seen.add(key)
            said.append(text)
    return "; ".join(said) or "nothing stands out"


def recall_table(
    scores: Mapping[str, pd.Series], relevant: set[str], ks: Sequence[int] = (10, 20)
) -> dict[str, float]:
    """``{"METHOD r@K": recall}`` for each method's scores (best first, ties by id)."""
    from talent.ranking.learning import ranked, recall_at

    out = {}
    for method, score in scores.items():
        order = ranked(score)
        for k in ks:
            out[f"{method} r@{k}"] = recall_at(order, relevant, k)
    return out
