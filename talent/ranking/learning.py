"""A maintainer model learned from what projects say about themselves.

Projects name the people they trust in their owner files (``CODEOWNERS``, ``OWNERS``,
``MAINTAINERS``...; :mod:`talent.sources.owners`). Those names, matched to people by
identity resolution (:func:`talent.people.identity.owner_people`), are labels no one has to
write by hand: over many repositories they teach what a maintainer's record looks like
in a way that carries to projects the model has never seen.

The model is additive. Each signal of :data:`talent.ranking.scoring.SIGNAL_TABLE` is first made
comparable across projects: its quantile among the people of the repository who did
something (zero stays zero, as :class:`talent.ranking.scoring.ProfileScorer` scales
``quantile``). A logistic regression on a cubic B-spline basis of each quantile (plus
an "any at all" indicator) then learns one curve per signal; a person's score is the sum
of the curves at their quantiles, so every signal's contribution is read off its curve
and the contributions add up to the score. The curves ship as a small JSON file
(:data:`MODEL_FILE`): a grid of quantiles and the curve's value at each, evaluated by
linear interpolation, so no pickled estimator is ever loaded.

- :func:`talent.ranking.training.person_table` gives one repository's examples (signals,
  labels, dates);
- :func:`fit_model` learns a :class:`MaintainerModel` from many;
- :func:`cross_validate` scores it on repositories held out, grouped by repository.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TypedDict

import numpy as np
import pandas as pd

from talent.files import MAX_DEPTH, MAX_FILE_BYTES, InputFileError, json_depth, read_text_limited

MODEL_FILE = "maintainer_model.json"
# The quantile grid the curves are stored on: a curve's first value is for "did
# nothing" (always 0), the rest for positive quantiles at POSITIVE (the first, 0, stands
# for the limit from above: the indicator of "any at all" is in it).
POSITIVE = np.linspace(0.0, 1.0, 41)
GRID = np.concatenate([[0.0], POSITIVE])
KNOTS = 6  # spline knots over [0, 1]; few: the curves should be smooth and monotone-ish


@dataclass(frozen=True)
class MaintainerModel:
    """Learned curves, one per signal: ``curves[signal]`` is the contribution at each
    quantile of :data:`GRID`, with the curve's value for "did nothing" taken away (so
    nothing done contributes nothing, and the score is the sum of the contributions).

    ``target`` says what was learned ("ever": named in any version of the owner files),
    ``trained_on`` the repositories, ``intercept`` the logit of a person who did nothing
    (scores plus it are log-odds of being named, up to the per-repository base rate).
    """

    curves: Mapping[str, tuple[float, ...]]
    intercept: float = 0.0
    target: str = "ever"
    trained_on: tuple[str, ...] = ()
    info: Mapping[str, object] = field(default_factory=dict)

    @property
    def signals(self) -> tuple[str, ...]:
        return tuple(self.curves)

    @property
    def scale(self) -> str:
        """How the features were scaled within each repository (:func:`scale_against`)."""
        return str(self.info.get("scale", "logmax"))

    def contributions(self, quantiles: pd.DataFrame) -> pd.DataFrame:
        """Per person and signal, the curve at the person's quantile (0 where the
        signal is not in the model)."""
        out = pd.DataFrame(0.0, index=quantiles.index, columns=list(quantiles.columns))
        for signal, curve in self.curves.items():
            if signal in quantiles:
                x = quantiles[signal].to_numpy(dtype=float)
                values = np.interp(x, POSITIVE, np.asarray(curve[1:], dtype=float))
                out[signal] = np.where(x > 0, values, 0.0)
        return out

    def to_json(self) -> str:
        """The model file's text: a line per curve, so a diff shows what changed."""
        head = {
            "format": 1,
            "target": self.target,
            "intercept": round(self.intercept, 5),
            "info": dict(self.info),
            "trained_on": list(self.trained_on),
            "grid": [round(float(x), 6) for x in GRID],
        }
        lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
        curves = [
            f"  {json.dumps(name)}: {json.dumps([round(float(v), 5) for v in curve])}"
            for name, curve in self.curves.items()
        ]
        return "{\n" + "\n".join(lines) + '\n "curves": {\n' + ",\n".join(curves) + "\n }\n}"

    @classmethod
    def from_json(cls, text: str) -> MaintainerModel:
        data = json.loads(text)
        if data.get("format") != 1 or len(data.get("grid", [])) != len(GRID):
            raise ValueError("not a talent maintainer model (format 1)")
        return cls(
            curves={s: tuple(c) for s, c in data["curves"].items()},
            intercept=float(data.get("intercept", 0.0)),
            target=data.get("target", "ever"),
            trained_on=tuple(data.get("trained_on", ())),
            info=data.get("info", {}),
        )


@functools.cache
def _shipped() -> MaintainerModel:
    return MaintainerModel.from_json((Path(__file__).parents[1] / "data" / MODEL_FILE).read_text())


def load_model(path: str | Path | None = None) -> MaintainerModel:
    """The model shipped with talent (read once), or the one at ``path``."""
    if path is None:
        return _shipped()
    text = read_text_limited(path, MAX_FILE_BYTES, "the model file")
    if json_depth(text, stop_above=MAX_DEPTH) > MAX_DEPTH:
        raise InputFileError(f"{path}: the model file nests deeper than {MAX_DEPTH} levels")
    return MaintainerModel.from_json(text)


# --- examples ----------------------------------------------------------------------------


def scale_against(values: pd.DataFrame, population: pd.DataFrame, scale: str) -> pd.DataFrame:
    """Each column of ``values`` scaled to [0, 1] against the same column of
    ``population`` (the people of the repository), zero and missing staying 0:

    - ``logmax``: log(1 + x) / log(1 + the population's highest), the ``log_max``
      scaling of :class:`talent.ranking.scoring.ProfileScorer` for counts;
    - ``quantile``: the share of the population's positive values at or below x (the
      least of m gets 1/m), the ``quantile`` scaling;
    - ``top``: the place among the positive values counted from the top on a log scale,
      1 - log2(r) / :data:`DEPTH` for the r-th highest (ties share the better place).
    """
    out = {}
    for column in values.columns:
        x = values[column].astype(float).fillna(0.0).clip(lower=0.0).to_numpy()
        known = population[column].astype(float).fillna(0.0).clip(lower=0.0).to_numpy()
        positive = np.sort(known[known > 0])
        if scale == "logmax":
            scaled = np.log1p(x) / (np.log1p(positive[-1]) if len(positive) else 1.0)
        elif scale == "quantile":
            scaled = np.searchsorted(positive, x, side="right") / max(len(positive), 1)
        elif scale == "top":
            above = len(positive) - np.searchsorted(positive, x, side="left")
            scaled = 1.0 - np.log2(np.maximum(above, 1)) / DEPTH
        else:
            raise ValueError(f"unknown scale {scale!r}: one of {', '.join(SCALES)}")
        out[column] = np.where(x > 0, np.clip(scaled, 1e-6, 1.0), 0.0)
    return pd.DataFrame(out, index=values.index)


SCALES = ("logmax", "quantile", "top")
DEPTH = 10  # "top" places scale over 2**DEPTH people: the 1,024th and below get 0

# What the shipped maintainer model uses, chosen by grouped cross-validation on the
# training corpus (benchmarks/maintainer_model.py): more features (merges, trailers,
# momentum) fitted the training folds and did worse on the held-out ones, and commits,
# active months and recency added nothing beside these. The stewardship signals add
# little; "backports" lowered the held-out figures, and "governance" (editing owner
# files) is left out because the labels are read from those very files: its gain
# on the corpus is the label's own echo.
MODEL_SIGNALS = ("activity", "recent_activity", "tenure", "ownership", "trust", "pagerank",
                 "reviews", "releases", "reverts", "infra")  # fmt: skip
# Learned from who is named at the head of the owner files: on held-out repositories it
# ranks the current maintainers much better than "ever named" does, and the ever-named
# about as well (docs/learning.md).
MODEL_TARGET = "now"
# "Who will be named next" also weighs how recent and how steady the work is.
FUTURE_SIGNALS = ("commits", "activity", "recent_activity", "tenure", "ownership", "trust",
                  "pagerank", "active_months", "recency")  # fmt: skip


class FitOptions(TypedDict):
    """The options of :func:`fit_model` that are chosen rather than given by the data."""

    scale: str
    pairs: int
    monotone: bool
    C: float


# How both are fitted (fit_model's options), chosen the same way.
FIT: FitOptions = {"scale": "logmax", "pairs": 30, "monotone": True, "C": 1.0}


def within_repo(values: pd.DataFrame, scale: str) -> pd.DataFrame:
    """:func:`scale_against` the rows themselves (one repository's people)."""
    return scale_against(values, values, scale)


def within_repo_quantiles(values: pd.DataFrame) -> pd.DataFrame:
    """Each column's quantile among the rows with a positive value (the least of m gets
    1/m, the most 1, ties alike); zero and missing stay 0. The scaling of
    :class:`talent.ranking.scoring.ProfileScorer` with ``quantile``."""
    return within_repo(values, "quantile")


# The stewardship acts' counts (talent.ranking.features), kept apart so that a benchmark can try
# other groupings of them than the signals of talent.ranking.scoring.SIGNAL_TABLE.
STEWARDSHIP_FEATURES = ("releases_tagged", "version_bumps", "changelog_edits", "backports",
                        "reverts", "infra_edits", "governance_edits", "approvals")  # fmt: skip
EXTRA_FEATURES = ("commits", "merges", "active_months", "recency", "patches_applied",
                  "co_authored", "review_trailers", *STEWARDSHIP_FEATURES)  # fmt: skip


def extra_features(features: pd.DataFrame) -> pd.DataFrame:
    """Per person, features beside the signals that a model may use: counts from
    :data:`talent.ranking.features.FEATURE_DOCS` and ``recency``, 1 / (1 + months since the
    person's latest act), so that more is better as for every other feature."""
    counts = [c for c in EXTRA_FEATURES if c != "recency"]
    out = features.reindex(columns=counts).astype(float).fillna(0.0)
    out["recency"] = 1.0 / (1.0 + features["days_inactive"].astype(float).fillna(0.0) / 30.0)
    return out


def named_people(
    engine,
    repos: Sequence[str] | None = None,
    *,
    named: pd.DataFrame | None = None,
    people: pd.DataFrame | None = None,
    links: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The stored named owners who are people (teams left out), each with the
    ``person_id`` :func:`talent.people.identity.owner_people` matches; unmatched rows dropped.
    ``named``, ``people`` and ``links``: the store's rows where the caller has already
    loaded them (read from the store otherwise)."""
    from talent.people.identity import owner_people
    from talent.store import (
        load_identities,
        load_identity_links,
        load_named_owners,
        load_owner_pairings,
        load_people,
    )

    named = load_named_owners(engine, repos=repos) if named is None else named
    named = named[named["kind"] != "team"]
    if named.empty:
        return named.assign(person_id=pd.Series(dtype=object))
    ids = owner_people(
        named,
        load_people(engine) if people is None else people,
        load_identities(engine),
        load_identity_links(engine) if links is None else links,
        load_owner_pairings(engine),
    )
    return named.assign(person_id=ids.to_numpy()).dropna(subset=["person_id"])


def fixed_profiles():
    """The built-in profiles whose weights are fixed (all but ``learned``, which a
    cross-validation refits on each fold)."""
    from talent.config import BUILTIN_PROFILES

    return tuple(p for p in BUILTIN_PROFILES if p.scaling != "learned")


def profile_score_column(name: str) -> str:
    """The :func:`talent.ranking.training.person_table` column with the score of built-in
    profile ``name``."""
    return f"score_{name}"


# --- fitting -----------------------------------------------------------------------------


RAMPS = np.linspace(0.0, 1.0, 9)  # knots of the monotone basis: 8 ramps over [0, 1]


def _ramps(x: np.ndarray) -> np.ndarray:
    """Ramp k rises from 0 to 1 between knots k and k + 1: with weights of at least zero
    their sum is any rising piecewise-linear curve through the knots."""
    lo, hi = RAMPS[:-1], RAMPS[1:]
    return np.clip((x[:, None] - lo) / (hi - lo), 0.0, 1.0)


def _design(
    quantiles: pd.DataFrame,
    signals: Sequence[str],
    some: np.ndarray | None = None,
    monotone: bool = True,
):
    """Per signal: an indicator of "any at all" (``some``, default: quantile > 0) and
    either ramps (``monotone``: rising curves once their weights are kept at zero or
    more) or a cubic B-spline basis of the quantile; returns the matrix and, per
    signal, its column slice."""
    from sklearn.preprocessing import SplineTransformer

    blocks, slices, start = [], {}, 0
    spline = SplineTransformer(
        knots=np.linspace(0.0, 1.0, KNOTS).reshape(-1, 1), degree=3, extrapolation="constant"
    )
    spline.fit(np.array([[0.0], [1.0]]))
    for signal in signals:
        x = quantiles[signal].to_numpy(dtype=float).reshape(-1, 1)
        indicator = (x[:, 0] > 0) if some is None else some
        basis = _ramps(x[:, 0]) if monotone else spline.transform(x)
        block = np.column_stack([indicator.astype(float), basis])
        blocks.append(block)
        slices[signal] = slice(start, start + block.shape[1])
        start += block.shape[1]
    return np.column_stack(blocks), slices


def fit_model(
    tables: Mapping[str, pd.DataFrame],
    signals: Sequence[str],
    target: str = "named_ever",
    C: float = 1.0,
    random_state: int = 0,
    scale: str = "logmax",
    top: int | None = None,
    pairs: int = 30,
    monotone: bool = True,
    prior: Mapping[str, float] | None = None,
) -> MaintainerModel:
    """Learn one curve per signal from ``tables`` (repository ->
    :func:`talent.ranking.training.person_table`).

    Each signal is scaled within its repository (``scale``, :func:`scale_against`) and
    expanded into an indicator of "any at all" and a basis: ramps whose weights are
    kept at zero or more (``monotone``: more of a signal never lowers the score) or
    cubic B-splines. With ``pairs`` (N > 0) the model is fitted on differences between
    each named person and up to N others of the same repository, so it learns to order
    people within a project rather than to tell projects apart; otherwise pointwise,
    the classes balanced. ``top`` keeps only each repository's N most active people.
    Every repository weighs the same, so a project with thousands of drive-by
    contributors does not drown the small ones. ``C`` is the inverse L2 penalty; with
    ``prior`` (a profile's weights, such as the ``maintainer`` profile's) the penalty
    pulls the curves toward that profile's straight lines, scaled to the labels, rather
    than toward zero (rising curves only)."""
    from sklearn.linear_model import LogisticRegression

    frames, weights, labels = [], [], []
    for table in tables.values():
        if table.empty or not table[target].any():
            continue
        scaled = within_repo(table[list(signals)], scale)
        if top is not None:  # learn to order the head of the ranking, where it counts
            keep = table["activity"].rank(ascending=False, method="first") <= top
            scaled, table = scaled[keep], table[keep]
        frames.append(scaled)
        labels.append(table[target].to_numpy(dtype=int))
        weights.append(np.full(len(table), 1.0 / len(table)))
    if not frames:
        raise ValueError("no repository names anyone its history knows: nothing to learn")
    quantiles = pd.concat(frames)
    y = np.concatenate(labels)
    people, named = len(y), int(y.sum())
    w = np.concatenate(weights)
    X, slices = _design(quantiles, signals, monotone=monotone)
    if pairs:
        X, y, w = _pairs(X, y, np.repeat(np.arange(len(frames)), [len(f) for f in frames]),
                         pairs, random_state)  # fmt: skip
    else:
        for cls in (0, 1):  # classes balanced over the whole corpus
            w[y == cls] *= 0.5 / w[y == cls].sum()
    if monotone:
        # Rising curves: every weight, the indicator's ("any at all") and the ramps', is
        # kept at zero or more, so no contribution is ever below that of doing nothing.
        free = np.zeros(X.shape[1], dtype=bool)
        center = None
        if prior:
            # The profile's score w * x is the ramps' sum times w / ramps (x in [0, 1]);
            # one factor, fitted first, turns it into log-odds.
            center = np.zeros(X.shape[1])
            for signal in signals:
                ramps = slice(slices[signal].start + 1, slices[signal].stop)
                center[ramps] = prior.get(signal, 0.0) / (len(RAMPS) - 1)
            factor, _ = _logistic((X @ center)[:, None], y, w, 1e6, free[:1], not pairs)
            center *= factor[0]
        coef, intercept = _logistic(X, y, w, C, free, fit_intercept=not pairs, center=center)
        model = SimpleNamespace(coef_=coef[None, :], intercept_=np.array([intercept]))
    else:
        model = LogisticRegression(
            C=C, max_iter=5000, random_state=random_state, fit_intercept=not pairs
        )
        model.fit(X, y, sample_weight=w * len(y))
    grid = pd.DataFrame({s: GRID for s in signals})
    G, _ = _design(grid, signals, some=np.arange(len(GRID)) > 0, monotone=monotone)
    curves = {}
    for signal in signals:
        part = G[:, slices[signal]] @ model.coef_[0, slices[signal]]
        curves[signal] = tuple(part - part[0])
    nothing = sum(float(G[0, slices[s]] @ model.coef_[0, slices[s]]) for s in signals) + float(
        model.intercept_[0]
    )
    return MaintainerModel(
        curves=curves,
        intercept=nothing,
        target=target.removeprefix("named_"),
        trained_on=tuple(sorted(tables)),
        info={
            "C": C,
            "basis": f"{len(RAMPS) - 1} ramps" if monotone else f"cubic splines, {KNOTS} knots",
            "scale": scale,
            "people": people,
            "named": named,
            **({"prior": dict(prior)} if prior else {}),
        },  # fmt: skip
    )


def _logistic(X, y, w, C, free, fit_intercept=True, center=None):
    """Weighted logistic regression with an L2 penalty of 1 / (2C) on the distance of the
    weights from ``center`` (default zero), the weights of the columns not ``free`` kept
    at zero or more (L-BFGS-B); returns (coef, intercept)."""
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    w = w / w.sum()
    n = X.shape[1]
    origin = np.zeros(n) if center is None else np.asarray(center, dtype=float)

    def loss(theta):
        coef, b = theta[:n], (theta[n] if fit_intercept else 0.0)
        z = X @ coef + b
        value = -(w * (y * log_expit(z) + (1 - y) * log_expit(-z))).sum()
        away = coef - origin
        value += (away @ away) / (2 * C * len(y))
        residual = w * (expit(z) - y)
        grad = np.concatenate([X.T @ residual + away / (C * len(y)), [residual.sum()]])
        return value, grad if fit_intercept else grad[:n]

    size = n + (1 if fit_intercept else 0)
    bounds = [(None, None) if f else (0.0, None) for f in free]
    bounds += [(None, None)] if fit_intercept else []
    start = np.concatenate([origin, [0.0]])[:size]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": 5000})  # fmt: skip
    return result.x[:n], (result.x[n] if fit_intercept else 0.0)


def _pairs(X, y, group, per_positive: int, random_state: int):
    """Pairwise differences within each repository: every named person against up to
    ``per_positive`` others of the same repository (drawn with ``random_state``), each
    pair once each way, every repository weighing the same."""
    rng = np.random.default_rng(random_state)
    rows, labels, weights = [], [], []
    for g in np.unique(group):
        index = np.flatnonzero(group == g)
        pos, neg = index[y[index] == 1], index[y[index] == 0]
        if not len(pos) or not len(neg):
            continue
        a = np.repeat(pos, min(per_positive, len(neg)))
        b = np.concatenate([rng.choice(neg, min(per_positive, len(neg)), replace=False)
                            for _ in pos])  # fmt: skip
        diff = X[a] - X[b]
        rows += [diff, -diff]
        labels += [np.ones(len(a)), np.zeros(len(a))]
        weights += [np.full(2 * len(a), 1.0 / (2 * len(a)))]
    w = np.concatenate(weights)
    return np.vstack(rows), np.concatenate(labels), w / w.sum()


def score_table(model: MaintainerModel, table: pd.DataFrame) -> pd.Series:
    """The model's score of each person of one repository's ``table``."""
    scaled = within_repo(table[list(model.signals)], model.scale)
    return model.contributions(scaled).sum(axis=1)


# --- evaluation --------------------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], relevant: set[str], k: int = 20) -> float:
    """NDCG@k with binary relevance (ideal: min(len(relevant), k) hits at the top)."""
    if not relevant:
        return math.nan
    dcg = sum(1 / math.log2(i + 2) for i, p in enumerate(ranked[:k]) if p in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def cross_validate(
    tables: Mapping[str, pd.DataFrame],
    signals: Sequence[str],
    judge: Callable[[str, Mapping[str, pd.Series]], Iterable[dict]],
    folds: int = 5,
    target: str = "named_ever",
    **fit,
) -> pd.DataFrame:
    """Grouped cross-validation: repositories are split into ``folds`` groups; each
    group is scored by a model fitted (:func:`fit_model` with ``fit``) on the others.
    ``judge(repo, scores)`` gets the scores per method (every built-in profile by name,
    "learned" being the model fitted without the repository, and "commit count") and
    yields metric rows."""
    from sklearn.model_selection import GroupKFold

    repos = sorted(r for r, t in tables.items() if not t.empty)
    rows: list[dict[str, object]] = []
    for train, test in GroupKFold(n_splits=min(folds, len(repos))).split(repos, groups=repos):
        fitted = fit_model({repos[i]: tables[repos[i]] for i in train}, signals, target, **fit)
        for i in test:
            table = tables[repos[i]]
            scores = {
                **{p.name: table[profile_score_column(p.name)] for p in fixed_profiles()},
                "learned": score_table(fitted, table),
                "commit count": table["commits"],
            }
            rows.extend(judge(repos[i], scores))
    return pd.DataFrame(rows)


def ranked(scores: pd.Series) -> list[str]:
    """Person ids by score, best first; ties by person id."""
    frame = pd.DataFrame({"s": scores.to_numpy(), "p": scores.index.astype(str)})
    frame = frame.sort_values(["s", "p"], ascending=[False, True])
    return frame["p"].tolist()


def recall_at(ranked_ids: Sequence[str], relevant: set[str], k: int) -> float:
    """Share of ``relevant`` in the first ``k`` of ``ranked_ids`` (NaN without any)."""
    if not relevant:
        return math.nan
    return len(set(ranked_ids[:k]) & relevant) / len(relevant)
