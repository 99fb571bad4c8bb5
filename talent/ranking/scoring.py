"""Scores by profile, with per-signal contributions that add up to the score, and
the evidence behind them.

A :class:`talent.config.Profile` weighs *signals*, each computed from the per-person
features of :mod:`talent.ranking.features` and the interaction graph of :mod:`talent.ranking.graph`.
:class:`ProfileScorer` (a scikit-learn transformer) scales every signal to [0, 1]
(``log_max`` or ``quantile``) and multiplies by the profile's weight; the
``contrib_<signal>`` columns it produces sum to ``score``.

===============  ===========  ================================================================
signal           scaled as    what it measures
===============  ===========  ================================================================
activity         count        OpenDigger activity (sum over repository-months of sqrt(weighted
                              acts))
recent_activity  count        the same, each month weighed down with a two-year half-life
pagerank         max          PageRank on the person-to-person graph of merges, reviews,
                              co-authorship, applied patches, trailers, comments, co-editing
trust            count        distinct people whose work the person merged, applied, reviewed
                              or co-authored
ownership        count        files the person authors by degree of authorship
tenure           count        days from the first act to the latest
reviews          count        reviews given, plus Reviewed-by/Acked-by/Signed-off-by trailers
                              and approvals a merge bot or review system wrote into the history
momentum         share        acts a day in the last 90 days against the year before
merge_ratio      share        merged share of one's pull requests (smoothed)
review_depth     count        inline comments per review
tests_docs       max          share of code commits that bring tests, plus the share that
                              bring docs
responsiveness   count        others' issues and pull requests the person answered first
breadth          count        repositories worked in
issues_resolved  count        issues closed
derivatives      count        the person's Hub models built on the mined models, by uptake
                              (sum of 1 + log10(1 + all-time downloads))
releases         count        release tags made, version bumps and changelog edits
backports        count        cherry-picks and backports of fixes
reverts          count        reverts of someone else's commit
infra            count        commits that edit CI, build or packaging files
governance       count        commits that edit owner or governance files
===============  ===========  ================================================================

Profiles: ``maintainer`` ("who holds this project together") and ``recruiter`` ("who
should we hire", community members by default); more in the settings file.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from talent.config import SCALINGS, SIGNAL_NAMES, ConfigError, Profile, Settings
from talent.model import ACCOUNT_URLS, IdentitySource
from talent.model import ActivityKind as K
from talent.people.affiliation import employment_text
from talent.people.identity import ensure_people
from talent.ranking.authorship import (
    LEFT_OUT_RULES,
    VENDORED,
    build_authorship,
    bulk_additions,
    file_ownership,
)
from talent.ranking.components import COLUMNS as COMPONENT_COLUMNS
from talent.ranking.components import build_components, person_components
from talent.ranking.features import (
    CODE_PATH,
    FEATURE_DOCS,
    RESPONSE_KINDS,
    attach_people,
    build_activity_features,
    code_shares,
    commit_changes,
    commit_kinds,
    first_responders,
    first_response_counts,
    mechanical_subject,
    numbered_acts,
)
from talent.ranking.graph import build_coedit_edges, interaction_edges, pagerank_edges
from talent.ranking.search import SearchIndex, build_search_index, search_work, suggest
from talent.ranking.skills import build_skills
from talent.store import (
    count_rows,
    get_meta,
    give_back_memory,
    load_identity_links,
    load_named_owners,
    load_people,
    meta_items,
    set_meta,
)
from talent.store.columnar import load_commit_files_columns, start_activities_columns


@dataclass(frozen=True)
class Signal:
    """One thing a profile can weigh: the feature columns it adds up, how it is scaled,
    and the kinds of act that are its evidence (newest first, or oldest for tenure)."""

    columns: tuple[str, ...]
    kind: str  # "count" (log-scaled), "max" (max-scaled) or "share" (kept)
    label: str
    evidence: tuple[str, ...]
    oldest_first: bool = False


_WORK = (K.PR_OPENED, K.COMMIT, K.ISSUE_OPENED)
_TRUST = (K.PR_MERGED_BY, K.MERGE_COMMIT, K.COMMITTED_FOR_OTHER, K.CO_AUTHORED,
          K.REVIEWED_BY, K.ACKED_BY, K.REVIEW)  # fmt: skip
SIGNAL_TABLE: dict[str, Signal] = {
    "activity": Signal(("activity",), "count", "Activity", _WORK),
    "recent_activity": Signal(("recent_activity",), "count", "Recent activity", _WORK),
    "pagerank": Signal(("pagerank",), "max", "Collaboration graph",
                       (*_TRUST, K.ISSUE_COMMENT)),
    "trust": Signal(("people_helped",), "count", "Trusted with others' work", _TRUST),
    "ownership": Signal(("files_owned",), "count", "File ownership", (K.COMMIT,)),
    "tenure": Signal(("tenure_days",), "count", "Tenure", _WORK, oldest_first=True),
    # A review on GitHub, a Reviewed-by trailer and an "Approved by:" line a merge bot
    # wrote into the history are one kind of evidence: someone vouched for a change.
    "reviews": Signal(("reviews", "review_trailers", "approvals"), "count", "Reviews",
                      (K.REVIEW, K.REVIEWED_BY, K.ACKED_BY, K.APPROVED_BY)),
    "momentum": Signal(("momentum",), "share", "Momentum", _WORK),
    "merge_ratio": Signal(("merge_ratio",), "share", "Merged pull requests", (K.PR_MERGED,)),
    "review_depth": Signal(("review_depth",), "count", "Review depth", (K.REVIEW_COMMENT,)),
    "tests_docs": Signal(("tests_with_code", "docs_with_code"), "max",
                         "Tests and docs with code", (K.COMMIT, K.PR_OPENED)),
    "responsiveness": Signal(("first_responses",), "count", "First to respond",
                             (K.ISSUE_COMMENT, K.REVIEW)),
    "breadth": Signal(("n_repos",), "count", "Breadth (repositories)", _WORK),
    "issues_resolved": Signal(("issues_resolved",), "count", "Issues resolved",
                              (K.ISSUE_CLOSED_BY,)),
    "derivatives": Signal(("derivative_uptake",), "count", "Builds on our models",
                          (K.DERIVATIVE,)),
    # Stewardship acts from the history (talent.sources.git).
    "releases": Signal(("releases_tagged", "version_bumps", "changelog_edits"), "count",
                       "Releases", (K.RELEASE_TAGGED, K.VERSION_BUMP, K.CHANGELOG_EDIT)),
    "backports": Signal(("backports",), "count", "Backports", (K.BACKPORT,)),
    "reverts": Signal(("reverts",), "count", "Reverts of others' changes", (K.REVERT,)),
    "infra": Signal(("infra_edits",), "count", "CI, build and packaging", (K.INFRA_EDIT,)),
    # Apart from infra: owner files are what the learned model's labels are read from,
    # so editing them is kept out of that model (docs/learning.md).
    "governance": Signal(("governance_edits",), "count", "Owner and governance files",
                         (K.GOVERNANCE_EDIT,)),
}  # fmt: skip
assert tuple(SIGNAL_TABLE) == SIGNAL_NAMES
SIGNALS = SIGNAL_NAMES
SIGNAL_LABELS = {name: signal.label for name, signal in SIGNAL_TABLE.items()}
CONTRIBUTIONS = [f"contrib_{s}" for s in SIGNALS]
# Columns of a ranking, in order. ``contrib_*`` columns sum to ``score``; ``rank_low`` and
# ``rank_high`` are filled when intervals are asked for.
RANK_COLUMNS = [
    "rank", "person_id", "login", "name", "score", "is_bot", "bot_probability", "bot_evidence",
    "affiliation", "affiliation_evidence", "employment", *CONTRIBUTIONS, "pagerank",
    *FEATURE_DOCS, "persona", "rising", "areas", "languages", "topics", "profile_url",
    "login_source", "profile", "rank_low", "rank_high",
]  # fmt: skip
DEFAULT_PROFILE = "maintainer"
# Rank ranges leave out one fifth of the history at a time.
INTERVAL_WINDOWS = 5
# Above this many activities, the app's rank ranges (five more rankings over four fifths
# of the history each) start switched off: on the large demo world (136,000 activities)
# they were half of the Candidates page's first load (benchmarks/app_speed.py).
INTERVALS_UP_TO = 100_000


@cache
def _profile_scorer() -> type:
    """The class :class:`ProfileScorer`, made on first use: scikit-learn is imported with
    it, not with this module (a cached ranking never scores and imports none of it)."""
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.validation import check_is_fitted

    class ProfileScorer(TransformerMixin, BaseEstimator):
        """Scale signals to [0, 1] and weigh them: ``transform`` gives the contributions,
        ``predict`` their sum (the score).

        Parameters
        ----------
        weights : mapping of str to float
            Weight per signal (column of ``X``); unnamed columns weigh nothing.
        scaling : {"log_max", "quantile"}
            ``log_max``: "count" signals become log(1 + x) / log(1 + max), "max" signals
            x / max, "share" signals stay as they are. ``quantile``: each signal
            becomes the share of the people fitted who did something (a value above zero)
            whose value is at or below it (the empirical quantile): the least of m gets 1/m,
            the most 1, equal values alike, and zero stays zero so that no contribution is
            credited for nothing done.
            ``learned``: each signal is scaled as the learned maintainer model was trained
            (:func:`talent.ranking.learning.scale_against` the people fitted) and goes through the
            model's curve for it (:mod:`talent.ranking.learning`; zero for a signal it lacks), times
            the weight: the curves rise, so more never lowers a score.
        kinds : mapping of str to str, optional
            Scaling kind per column (default: from ``SIGNAL_TABLE``).
        model : MaintainerModel, optional
            The curves for ``learned`` (default: the model shipped with talent).

        Attributes
        ----------
        feature_names_in_ : ndarray of str
        weights_ : ndarray of float
        scaler_ : fitted scikit-learn transformer (``log_max``)
        positives_ : list of ndarray (``quantile``), each signal's sorted positive values
        """

        def __init__(
            self,
            weights: Mapping[str, float] | None = None,
            scaling: str = "log_max",
            kinds: Mapping[str, str] | None = None,
            model=None,
        ):
            self.weights = weights
            self.scaling = scaling
            self.kinds = kinds
            self.model = model

        def fit(self, X: pd.DataFrame, y=None) -> ProfileScorer:
            from sklearn.compose import ColumnTransformer
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler

            if self.scaling not in SCALINGS:
                raise ValueError(f"scaling must be one of {SCALINGS}, not {self.scaling!r}")
            columns = list(X.columns)
            weights = dict(self.weights or {})
            unknown = sorted(set(weights) - set(columns))
            if unknown:
                raise ValueError(f"weights name unknown signals: {unknown}")
            if any(w < 0 for w in weights.values()):
                raise ValueError("weights must not be negative")
            kinds = {**{n: s.kind for n, s in SIGNAL_TABLE.items()}, **dict(self.kinds or {})}
            self.feature_names_in_ = np.array(columns, dtype=object)
            self.weights_ = np.array([weights.get(c, 0.0) for c in columns], dtype=float)
            values = self._values(X)
            if self.scaling == "learned":
                # The model's own scaling, against the people fitted (learning.scale_against).
                self.population_ = values.copy()
                return self
            if self.scaling == "quantile":
                # Quantiles among those who did something: zeros are left out, so a signal
                # most people lack still spreads its range over those who have it.
                self.positives_ = [np.sort(values[c][values[c] > 0].to_numpy()) for c in columns]
                return self
            else:
                by_kind = {k: [c for c in columns if kinds.get(c, "count") == k]
                           for k in ("count", "max", "share")}  # fmt: skip
                self.scaler_ = ColumnTransformer(
                    [
                        ("count", make_pipeline(
                                FunctionTransformer(np.log1p, feature_names_out="one-to-one"),
                                MaxAbsScaler(),
                            ),
                         by_kind["count"]),
                        ("max", MaxAbsScaler(), by_kind["max"]),
                        ("share", "passthrough", by_kind["share"]),
                    ],
                    verbose_feature_names_out=False,
                )  # fmt: skip
                self.scaler_.set_output(transform="pandas")
            self.scaler_.fit(values)
            return self

        def _model(self):
            from talent.ranking.learning import load_model

            return self.model if self.model is not None else load_model()

        def _values(self, X: pd.DataFrame) -> pd.DataFrame:
            # Missing values (no pull requests, no reviews) count as nothing done.
            return X.astype(float).fillna(0.0).clip(lower=0.0)

        def normalise(self, X: pd.DataFrame) -> pd.DataFrame:
            """Each signal scaled to [0, 1], before weighting."""
            check_is_fitted(self, "feature_names_in_")
            values = self._values(X[list(self.feature_names_in_)])
            if self.scaling == "learned":
                from talent.ranking.learning import scale_against

                model = self._model()
                scaled = scale_against(values, self.population_, model.scale).to_numpy()
            elif self.scaling == "quantile":
                # The share of the fitted positive values at or below x (empirical CDF).
                scaled = np.column_stack(
                    [
                        np.searchsorted(p, values[c].to_numpy(), side="right") / max(len(p), 1)
                        for c, p in zip(self.feature_names_in_, self.positives_, strict=True)
                    ]
                ).reshape(len(values), len(self.positives_))
            else:
                scaled = self.scaler_.transform(values)
                if isinstance(scaled, pd.DataFrame):
                    scaled = scaled[list(self.feature_names_in_)].to_numpy()
            scaled = np.where(values.to_numpy() > 0, np.clip(scaled, 0.0, 1.0), 0.0)
            return pd.DataFrame(scaled, index=X.index, columns=list(self.feature_names_in_))

        def transform(self, X: pd.DataFrame) -> pd.DataFrame:
            """Contributions: scaled signals times weights, columns ``contrib_<signal>``."""
            scaled = self.normalise(X)
            if self.scaling == "learned":
                scaled = self._model().contributions(scaled)
            contributions = scaled * self.weights_
            contributions.columns = self.get_feature_names_out()
            return contributions

        def predict(self, X: pd.DataFrame) -> np.ndarray:
            """The score: the sum of the contributions."""
            return self.transform(X).sum(axis=1).to_numpy()

        def get_feature_names_out(self, input_features=None) -> np.ndarray:
            check_is_fitted(self, "feature_names_in_")
            return np.array([f"contrib_{c}" for c in self.feature_names_in_], dtype=object)

    ProfileScorer.__qualname__ = "ProfileScorer"
    ProfileScorer.__module__ = __name__
    return ProfileScorer


def __getattr__(name: str):
    if name == "ProfileScorer":  # made on first use (see _profile_scorer)
        return _profile_scorer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_profile_scorer(profile: Profile):
    """An unfitted :class:`ProfileScorer` for ``profile``."""
    model = None
    if profile.model:
        from talent.ranking.learning import load_model

        model = load_model(profile.model)
    return _profile_scorer()(profile.as_dict(), profile.scaling, model=model)


def signal_values(features: pd.DataFrame) -> pd.DataFrame:
    """The raw value of every signal per person, from features (plus ``pagerank``)."""
    return pd.DataFrame(
        {
            name: features[list(signal.columns)].astype(float).fillna(0.0).sum(axis=1)
            for name, signal in SIGNAL_TABLE.items()
        },
        index=features.index,
    )


def rank(
    activities: pd.DataFrame,
    people: pd.DataFrame,
    links: pd.DataFrame,
    settings: Settings | None = None,
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    commit_files: pd.DataFrame | None = None,
    include_bots: bool = False,
    affiliations: Sequence[str] | None = None,
    interval_windows: int = 0,
    random_state: int = 0,
    named: pd.DataFrame | None = None,
    named_ids: Collection[str] = frozenset(),
) -> pd.DataFrame:
    """Rank every person who acted in ``activities``, best first, by a profile.

    Parameters
    ----------
    activities, people, links : DataFrame
        The store's frames (``load_activities``, ``load_people``,
        ``load_identity_links``).
    settings : Settings, optional
        Supplies the profiles and activity weights.
    profile : str or Profile
        ``maintainer`` (default), ``recruiter`` or one from the settings.
    commit_files : DataFrame, optional
        The store's ``commit_files``: enables file ownership, co-editing ties, and tests
        and docs with code.
    include_bots : bool
        Bots are left out unless this is set; they never enter the interaction graph.
    affiliations : sequence of str, optional
        Whom to show (``community``, ``employee``, ...); default the profile's own
        (the recruiter's: everyone but current employees); empty: everyone. Everyone
        is scored and ranked either way, so neither a score nor a rank depends on who
        is shown.
    interval_windows : int
        With n > 1, ``rank_low`` and ``rank_high`` are the best and worst rank over
        n re-rankings that each leave out one n-th of the history (see
        :func:`rank_intervals`).
    random_state : int
        Seeds the personas' clustering.
    named, named_ids : optional
        The owner files' names (:func:`talent.store.load_named_owners`) and the people
        they name or named (:func:`talent.ranking.learning.named_people`): areas follow the
        owner files, and nobody named is ever rising. Without them, everyone is a
        candidate to be named next.

    Returns
    -------
    DataFrame
        One row per person shown, columns ``RANK_COLUMNS``.
    """
    settings = settings or Settings()
    chosen = profile if isinstance(profile, Profile) else settings.profile(profile)
    acts, changes, bots = _prepare(activities, people, links, commit_files, include_bots)
    base = _base(acts, changes, bots, people, settings, random_state, named, frozenset(named_ids))
    return score_base(base, chosen, affiliations, interval_windows)


@dataclass(frozen=True, eq=False)
class RankingBase:
    """Everything a ranking needs that does not depend on the profile, computed once per
    data version and activity scope (repositories, time window, bots) and shared by every
    profile: :func:`score_base` only scales and weighs its ``values``.

    Attributes
    ----------
    acts, changes : DataFrame
        Acts with people (:func:`talent.ranking.features.attach_people`) and commit file changes
        (:func:`talent.ranking.features.commit_changes`), bots left out unless included.
    bots : frozenset of str
        Person ids of bots.
    people : DataFrame
        The store's people.
    settings : Settings
        Supplies the activity weights.
    features : DataFrame
        Per person, the columns of ``FEATURE_DOCS`` and ``pagerank``.
    values : DataFrame
        Per person, the raw value of every signal (:func:`signal_values`).
    table : DataFrame
        Per person, every column of a ranking that no profile changes: features, skills,
        persona, rising, who the person is.
    skills : DataFrame
        :func:`talent.ranking.skills.build_skills` of the authored acts (``areas``: the person's
        top components, ``tags``, ``languages``, ``topics``, ``document``).
    random_state : int
        Seeds the personas' clustering.
    components : DataFrame
        The repositories' components (:func:`talent.ranking.components.build_components`, from
        the changes and the owner files in force): what "area" means on every page.
    next_up : DataFrame
        Who will be named next (:func:`talent.ranking.rising.next_maintainers`): per repository,
        its people no owner file names, most likely first, with the evidence; the
        ``rising`` column of ``table`` marks those the model marks in any repository.
    """

    acts: pd.DataFrame
    changes: pd.DataFrame
    bots: frozenset
    people: pd.DataFrame
    settings: Settings
    features: pd.DataFrame
    values: pd.DataFrame
    table: pd.DataFrame
    skills: pd.DataFrame
    random_state: int = 0
    components: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=COMPONENT_COLUMNS)
    )
    next_up: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Signal values of the rank intervals' windows, by number of windows, and of the
    # quarters of rank_history, by number of quarters (filled on use).
    _windows: dict[int, list[pd.DataFrame | None]] = field(
        default_factory=dict, init=False, repr=False
    )
    _quarters: dict[int, list[tuple[pd.Timestamp, pd.DataFrame]]] = field(
        default_factory=dict, init=False, repr=False
    )
    # Where the windows' values are read from instead of computed, when the base came
    # from the store (:func:`cached_base`): the same windows are then computed once per
    # data version for every process, not once per command.
    window_source: Callable[[int], list[pd.DataFrame | None]] | None = field(
        default=None, compare=False, repr=False
    )

    # Built on first use, once even when two threads ask at once (the app builds it in
    # the background after the Candidates page is drawn: :meth:`prepare_evidence`).
    _evidence: Evidence | None = field(default=None, init=False, repr=False, compare=False)
    _evidence_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    @property
    def evidence(self) -> Evidence:
        """:func:`build_evidence` over the base's acts, built on first use."""
        with self._evidence_lock:
            if self._evidence is None:
                # Frozen: set once, as cached_property would.
                object.__setattr__(self, "_evidence", build_evidence(self.acts, self.changes))
            assert self._evidence is not None
            return self._evidence

    def evidence_of(self, people: Collection[str]) -> Evidence:
        """Evidence that explains ``people`` exactly as :attr:`evidence` does, built for
        them alone (:func:`build_evidence`) unless :attr:`evidence` is built already: what
        an export of a few people needs, for a fraction of the work."""
        with self._evidence_lock:
            if self._evidence is not None:
                return self._evidence
        return build_evidence(self.acts, self.changes, people)

    def prepare_evidence(self) -> threading.Thread | None:
        """Build :attr:`evidence` in a background thread (None when it is built already),
        for a page that will soon need it: whoever asks for it meanwhile waits for that
        build instead of starting another."""
        if self._evidence is not None:
            return None
        thread = threading.Thread(target=lambda: self.evidence, daemon=True,
                                  name="talent-evidence")  # fmt: skip
        thread.start()
        return thread

    @cached_property
    def person_components(self) -> pd.DataFrame:
        """What each person did in each component
        (:func:`talent.ranking.components.person_components`: ``person``, ``repo``,
        ``component``, ``commits``, ``lines``, ``share``)."""
        return person_components(self.changes, self.components)

    @cached_property
    def search_index(self) -> SearchIndex:
        """:func:`talent.ranking.search.build_search_index` over the base's acts and file changes,
        built on the first skill search and kept for every later one."""
        return build_search_index(self.acts, self.changes)

    def quarter_values(self, quarters: int) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
        """Signal values as the data stood at the end of each of the last ``quarters``
        calendar quarters (only the acts until then), computed once per base; see
        :func:`rank_history`."""
        if quarters not in self._quarters:
            self._quarters[quarters] = _quarter_values(
                self.acts, self.changes, self.bots, self.settings, quarters
            )
        return self._quarters[quarters]

    def window_values(self, windows: int) -> list[pd.DataFrame | None]:
        """Signal values over re-rankings that each leave out one of ``windows`` equal
        stretches of time (None where nothing is left), computed once per base and
        number of windows (see :func:`rank_intervals`)."""
        if windows not in self._windows:
            self._windows[windows] = (
                self.window_source(windows)
                if self.window_source is not None
                else _window_values(self.acts, self.changes, self.bots, self.settings, windows)
            )
        return self._windows[windows]


def build_ranking_base(
    engine: Engine,
    settings: Settings | None = None,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
    random_state: int = 0,
) -> RankingBase:
    """Load the store's acts (resolving people first if needed), optionally only some
    repositories' since a date, and compute what every profile shares: features,
    the interaction graph's PageRank, skills, personas, rising contributors (people no
    owner file names whom :mod:`talent.ranking.rising`'s model marks)."""
    from talent.ranking.learning import named_people

    settings = settings or Settings()
    acts, changes, bots, people = _load(engine, settings, repos, since, include_bots)
    named = load_named_owners(engine, repos=repos)
    # The owner files' names and the people, as loaded above: not read a second time.
    matched = named_people(engine, repos, named=named, people=people) if len(named) else None
    named_ids = frozenset(matched["person_id"]) if matched is not None else frozenset()
    return _base(acts, changes, bots, people, settings, random_state, named, named_ids)


def _base(
    acts,
    changes,
    bots,
    people,
    settings,
    random_state,
    named=None,
    named_ids=frozenset(),
    next_up: bool = True,
) -> RankingBase:
    """The ranking base of ``acts``; ``named_ids``, the people owner files name or named
    (never rising; everyone is a candidate without owner files). ``next_up=False`` skips
    the model of who will be named next (nobody rising): the training tables of
    :mod:`talent.ranking.learning` cut histories and need only the features."""
    from talent.ranking.rising import EXPLAINED, next_maintainers, rising_people

    # People and repositories numbered once, for who is named next, the features and
    # the graph alike (hundreds of megabytes for a million people: see below).
    numbering = [numbered_acts(acts) if len(acts) else None]
    # Vendored code is someone else's project: no component of this one.
    components = build_components(changes, named, exclude=VENDORED)
    # Each repository's first candidates, whose evidence is written out: the rest are
    # never shown (the maintainers' report lists fewer) and number millions at scale.
    # Before the features, so that the numbering is never held beside their frames.
    next_up = (
        next_maintainers(acts, changes, named_ids, components, top=EXPLAINED, numbered=numbering[0])
        if next_up and numbering[0] is not None
        else pd.DataFrame()
    )
    # Handed over, not kept here: _features lets it go before the graph's PageRank.
    features = _features(acts, changes, bots, settings, numbered=numbering.pop())
    if features.empty:
        empty = pd.DataFrame()
        return RankingBase(acts, changes, frozenset(bots), people, settings, features,
                           empty, empty, empty, random_state, components)  # fmt: skip
    values = signal_values(features)
    out = features.copy()
    # Topics from what a person wrote themselves, not the titles of work they reviewed.
    # Only the two columns skills read: a filter of every column copies them all.
    authored = acts.loc[acts["kind"].isin(["commit", "pr_opened", "issue_opened"]),
                        ["person", "title"]]  # fmt: skip
    # Names are left out of topics, which only people who wrote titles have.
    titled = authored.loc[authored["title"].fillna("") != "", "person"].unique()
    skills = build_skills(changes, authored, components=components,
                          names=_own_names(acts, people, titled))  # fmt: skip
    shown = skills.reindex(out.index)
    for column in ("areas", "tags", "languages", "topics"):
        out[column] = shown[column].astype(object).fillna("")
    out["persona"] = assign_personas(features, random_state)
    out["rising"] = out.index.isin(rising_people(next_up))
    out = out.join(_people_info(people), how="left")
    out["is_bot"] = out["is_bot"].fillna(False).astype(bool)
    out["affiliation"] = out["affiliation"].fillna("unknown")
    for column in ("bot_evidence", "login_source"):
        out[column] = out[column].fillna("")
    # "employee 2019-2023": the affiliation with its span, as tables and exports show it.
    out["employment"] = [
        employment_text(a, f, u)
        for a, f, u in zip(
            out["affiliation"], out["employed_from"], out["employed_until"], strict=True
        )
    ]
    # The page resolution chose (GitHub's, else the Hub's); the GitHub login's page where
    # people were resolved before pages were kept.
    given = people.set_index("person_id").get("profile_url")
    given = given.reindex(out.index) if given is not None else pd.Series(None, index=out.index)
    out["profile_url"] = [
        url if isinstance(url, str) and url
        else ACCOUNT_URLS[IdentitySource.GITHUB].format(login=login)
        if isinstance(login, str) and login else None
        for url, login in zip(given, out["login"], strict=True)
    ]  # fmt: skip
    return RankingBase(acts, changes, frozenset(bots), people, settings, features, values,
                       out, skills, random_state, components, next_up)  # fmt: skip


def _own_names(
    acts: pd.DataFrame, people: pd.DataFrame, only: Collection[str] | None = None
) -> dict[str, list[str]]:
    """Per person (of ``only``, if given), the names, logins and e-mail addresses they
    act under (the people table's name and login, and each identity key's:
    "git:name\x1femail", "github:@login"), which are never topics of theirs."""
    names: dict[str, list[str]] = {}
    if only is not None:
        people = people[people["person_id"].isin(only)]
        acts = acts[acts["person"].isin(only)]
    for pid, name, login in zip(people["person_id"], people["name"], people["login"],
                                strict=True):  # fmt: skip
        names.setdefault(pid, []).extend(str(v) for v in (name, login) if isinstance(v, str))
    actors = acts[["person", "actor"]].drop_duplicates()
    for pid, key in zip(actors["person"], actors["actor"], strict=True):
        value = str(key).split(":", 1)[-1]
        names.setdefault(pid, []).extend(value.lstrip("@").split("\x1f"))
    return names


def score_base(
    base: RankingBase,
    profile: Profile,
    affiliations: Sequence[str] | None = None,
    interval_windows: int = 0,
) -> pd.DataFrame:
    """Rank the people of ``base`` by ``profile``: exactly what :func:`rank` returns
    for the same acts (columns ``RANK_COLUMNS``), with only the scaling and weighing
    done here. ``affiliations`` and ``interval_windows`` are as in :func:`rank`."""
    if base.features.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    contributions = make_profile_scorer(profile).fit_transform(base.values)
    out = base.table.join(contributions)
    out["score"] = out[CONTRIBUTIONS].sum(axis=1)
    out["profile"] = profile.name
    # Ranks are among everyone scored, so filtering whom to show never renumbers anyone.
    out = _ordered(out)
    out["rank_low"] = np.nan
    out["rank_high"] = np.nan
    if interval_windows > 1 and len(out):
        low, high = _interval_ranks(base.window_values(interval_windows), profile, out)
        out["rank_low"], out["rank_high"] = low, high
    ranked = len(out)
    out = out[_shown(out["affiliation"], profile, affiliations)][RANK_COLUMNS]
    out = out.reset_index(drop=True)
    out.attrs["ranked"] = ranked  # how many were ranked, shown or not (for rank_range_text)
    return out


def _prepare(activities, people, links, commit_files, include_bots, *, moved=False):
    """The acts with people (bots left out unless included), their file changes and the
    bots; with ``moved``, ``activities`` is emptied (its columns move into the acts: for
    a frame read for this alone)."""
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    bots = set(people.loc[people["is_bot"].astype(bool), "person_id"])
    acts = attach_people(activities, person_of, () if include_bots else bots, moved=moved)
    changes = commit_changes(acts, commit_files if commit_files is not None else pd.DataFrame())
    if (by_bot := changes["person"].isin(bots)).any():
        changes = changes[~by_bot]
    return acts, changes, bots


def _features(
    acts, changes, bots, settings, cut: _WindowCut | None = None, numbered=None
) -> pd.DataFrame:
    """Features of every person in ``acts``, with their PageRank; ``cut``, what comes
    from the file changes and the responses when it was cut from all acts' (then
    ``changes`` is not read); ``numbered``, :func:`numbered_acts` of ``acts`` if at hand."""
    # People and repositories numbered once, for the features and the graph alike.
    if numbered is None and len(acts):
        numbered = numbered_acts(acts)
    if cut is None:
        owned = file_ownership(build_authorship(changes))
        features = build_activity_features(
            acts, settings.activity_weights, owned, changes, numbered=numbered
        )
        coedits = build_coedit_edges(changes)
    else:
        features = build_activity_features(
            acts, settings.activity_weights, cut.owned, numbered=numbered,
            with_code=cut.with_code, first_responses=cut.first_responses,
        )  # fmt: skip
        coedits = cut.coedits
    if features.empty:
        return features
    nodes, edges = interaction_edges(
        acts, exclude=frozenset(bots), coedits=coedits, numbered=numbered
    )
    del numbered
    features["pagerank"] = pd.Series(pagerank_edges(nodes, edges), dtype=float).reindex(
        features.index
    )
    features["pagerank"] = features["pagerank"].fillna(0.0)
    return features


def _people_info(people: pd.DataFrame) -> pd.DataFrame:
    columns = ["login", "name", "is_bot", "bot_probability", "affiliation",
               "affiliation_evidence", "bot_evidence", "login_source",
               "employed_from", "employed_until"]  # fmt: skip
    # People resolved by an older talent have no span of employment.
    info = people.set_index("person_id").reindex(columns=columns)
    # Where a login came from and why a bot is one: "" where nothing says.
    texts = ["bot_evidence", "login_source"]  # all missing reads as float: make them text
    info[texts] = info[texts].astype(object).fillna("")
    return info


def _shown(affiliation: pd.Series, profile: Profile, chosen: Sequence[str] | None) -> pd.Series:
    wanted = profile.affiliations if chosen is None else tuple(chosen)
    if not wanted:
        return pd.Series(True, index=affiliation.index)
    return affiliation.isin(wanted)


def _ordered(out: pd.DataFrame) -> pd.DataFrame:
    out = out.rename_axis("person_id").reset_index()
    out = out.sort_values(["score", "person_id"], ascending=[False, True])
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def rank_intervals(
    acts: pd.DataFrame,
    changes: pd.DataFrame,
    bots: set,
    settings: Settings,
    profile: Profile,
    ranking: pd.DataFrame,
    windows: int = 5,
    random_state: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The best and worst rank of each person of ``ranking`` (everyone scored) over
    re-rankings that each leave out one of ``windows`` equal stretches of time (a
    delete-a-window jackknife).

    A narrow interval means the rank does not hang on one period; a person whose work
    all falls in the left-out window drops to the end (one past the last rank).
    """
    return _interval_ranks(_window_values(acts, changes, bots, settings, windows), profile, ranking)


def _window_values(acts, changes, bots, settings, windows) -> list[pd.DataFrame | None]:
    """Signal values with each of ``windows`` equal stretches of time left out in turn
    (None where nothing is left); they do not depend on a profile."""
    start, end = acts["occurred_at"].min(), acts["occurred_at"].max()
    edges = pd.date_range(start, end, periods=windows + 1)
    slot = np.clip(np.searchsorted(edges[1:-1], acts["occurred_at"], side="right"), 0, windows - 1)
    slot_changes = np.clip(
        np.searchsorted(edges[1:-1], changes["occurred_at"], side="right"), 0, windows - 1
    )
    pieces = _WindowPieces(acts, changes, bots, slot, slot_changes)
    out: list[pd.DataFrame | None] = []
    for w in range(windows):
        features = pieces.features(w, settings)
        out.append(None if features.empty else signal_values(features))
    return out


@dataclass(frozen=True)
class _WindowCut:
    """What :func:`_features` of one window takes from the file changes and the
    responses: files owned, co-editing ties, tests and docs with code, first responses."""

    owned: dict
    coedits: pd.DataFrame
    with_code: pd.DataFrame
    first_responses: tuple[pd.Series, pd.Series]


class _WindowPieces:
    """The acts, file changes and commits' kinds prepared once for every left-out window
    of :func:`_window_values`, so that each window's features come out exactly as
    :func:`_features` of the window's own acts and changes would, for less:

    - people (``person``, ``other``, file changes' ``person``), files and items are
      integer codes, people's in the order of their ids, so the windows group small
      integers, not text; the codes keep every order the text had where it decides
      something (who is ``u`` of a tie, who answered first at the same moment, the order
      of the features' rows), and rows keep theirs (who created a file, who opened an
      item, the graph's nodes);
    - a commit's kinds (code, tests, docs) are its own: computed once, each window keeps
      those of its commits.
    """

    def __init__(self, acts: pd.DataFrame, changes: pd.DataFrame, bots, slot, slot_changes):
        n, m = len(acts), len(acts["other"].dropna())
        everyone = pd.concat(
            [acts["person"], acts["other"].dropna(), changes["person"]], ignore_index=True
        )
        codes, self.names = pd.factorize(everyone, sort=True)
        other = pd.array(np.full(n, pd.NA), dtype="Int64")
        other[acts["other"].notna().to_numpy()] = codes[n : n + m]
        self.acts = pd.DataFrame(
            {"person": codes[:n], "other": other, "kind": acts["kind"].to_numpy(),
             "repo": acts["repo"].to_numpy(), "occurred_at": acts["occurred_at"].to_numpy(),
             "size": acts["size"].to_numpy()}
        )  # fmt: skip
        self.bots = frozenset(int(i) for i in self.names.get_indexer(list(bots)) if i >= 0)
        self.slot = np.asarray(slot)
        path, _ = pd.factorize(changes["path"], sort=True)
        self.changes = pd.DataFrame(
            {"path": path, "person": codes[n + m :],
             "occurred_at": changes["occurred_at"].to_numpy()}
        )  # fmt: skip
        self.slot_changes = np.asarray(slot_changes)
        kinds = commit_kinds(changes)
        # Each commit's window: its file changes all share its time.
        of_commit = pd.Series(self.slot_changes, index=changes.index, dtype=int)
        if len(kinds):
            of_commit = of_commit.groupby([changes["person"], changes["commit"]]).max()
            self.slot_kinds = of_commit.reindex(kinds.index).to_numpy()
            people = self.names.get_indexer(kinds.index.get_level_values("person"))
            kinds.index = pd.MultiIndex.from_arrays(
                [people, kinds.index.get_level_values("commit")], names=["person", "commit"]
            )
        else:
            self.slot_kinds = np.zeros(0, dtype=int)
        self.kinds = kinds
        answering = acts["kind"].isin(RESPONSE_KINDS).to_numpy() & acts["item"].notna().to_numpy()
        item, _ = pd.factorize(acts["item"][answering])
        self.answers = pd.DataFrame(
            {"kind": acts["kind"].to_numpy()[answering], "item": item,
             "person": codes[:n][answering],
             "occurred_at": acts["occurred_at"].to_numpy()[answering]}
        )  # fmt: skip
        self.slot_answers = self.slot[answering]

    def features(self, window: int, settings: Settings) -> pd.DataFrame:
        """:func:`_features` of all acts and changes but those of ``window``."""
        changes = self.changes[self.slot_changes != window]
        authorship = build_authorship(changes)
        owned = file_ownership(authorship)  # by code (as text)
        cut = _WindowCut(
            owned={int(k): n for k, n in owned.items()},
            coedits=build_coedit_edges(changes),
            with_code=code_shares(self.kinds[self.slot_kinds != window]),
            first_responses=first_response_counts(self.answers[self.slot_answers != window]),
        )
        features = _features(self.acts[self.slot != window], None, self.bots, settings, cut)
        features.index = self.names.take(features.index.to_numpy(dtype=int))
        return features.rename_axis("person_id")


def quarter_ends(times: pd.Series, quarters: int) -> list[pd.Timestamp]:
    """The ends of the last ``quarters`` calendar quarters that closed after the first
    of ``times`` and before the last (the moment each ends: the next one's start).

    >>> times = pd.Series(pd.to_datetime(["2024-02-10", "2024-11-05"]))
    >>> [str(t.date()) for t in quarter_ends(times, 8)]
    ['2024-04-01', '2024-07-01', '2024-10-01']
    """
    if times.empty:
        return []
    first, last = times.min(), times.max()
    starts = pd.date_range(first.to_period("Q").end_time.normalize(), last, freq="QS")
    starts = [t for t in starts if first < t <= last]
    return starts[-quarters:] if quarters > 0 else []


def _quarter_values(acts, changes, bots, settings, quarters) -> list[tuple]:
    def until(end):
        cut = _features(
            acts[acts["occurred_at"] < end], changes[changes["occurred_at"] < end], bots, settings
        )
        return end, None if cut.empty else signal_values(cut)

    # Two at a time: pandas, SciPy and NumPy let go of the GIL for part of the work
    # (eight quarters of kserve's history in 0.75 of the time one after another; no
    # gain on the large demo world, whose time goes to Python-level grouping).
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(until, quarter_ends(acts["occurred_at"], quarters)))
    return [(end, values) for end, values in done if values is not None]


def rank_history(base: RankingBase, profile: Profile, quarters: int = 8) -> pd.DataFrame:
    """Everyone's rank and score under ``profile`` as the data stood at the end of each
    of the last ``quarters`` calendar quarters, then now: columns ``at`` (the moment
    the quarter closed; the latest act for now), ``quarter`` ("2025 Q3", or "now"),
    ``person_id``, ``rank``, ``score`` and ``ranked`` (how many were ranked then). A
    person who had not yet started has no row for that quarter. Ranks are among
    everyone, as :func:`score_base` numbers them, and "now" is its ranking."""
    columns = ["at", "quarter", "person_id", "rank", "score", "ranked"]
    if base.features.empty:
        return pd.DataFrame(columns=columns)
    points = [*base.quarter_values(quarters), (None, base.values)]
    frames = []
    for end, values in points:
        scores = make_profile_scorer(profile).fit_transform(values).sum(axis=1)
        ranked = _ordered(pd.DataFrame({"score": scores}))
        if end is None:
            at, label = base.acts["occurred_at"].max(), "now"
        else:
            done = end - pd.Timedelta(days=1)
            at, label = end, f"{done.year} Q{done.quarter}"
        frames.append(ranked.assign(at=at, quarter=label, ranked=len(ranked)))
    return pd.concat(frames, ignore_index=True)[columns]


def _interval_ranks(
    window_values: list[pd.DataFrame | None], profile: Profile, ranking: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    ranks = [ranking["rank"].to_numpy(dtype=float)]
    for values in window_values:
        if values is None:
            ranks.append(np.full(len(ranking), len(ranking) + 1.0))
            continue
        scorer = make_profile_scorer(profile).fit(values)
        score = pd.Series(scorer.predict(values), index=values.index)
        order = score.rename_axis("person_id").reset_index(name="score")
        order = order.sort_values(["score", "person_id"], ascending=[False, True])
        position = pd.Series(np.arange(1, len(order) + 1), index=order["person_id"])
        ranks.append(
            position.reindex(ranking["person_id"]).fillna(len(ranking) + 1.0).to_numpy(float)
        )
    stacked = np.vstack(ranks)
    return stacked.min(axis=0), stacked.max(axis=0)


# --- explanations ------------------------------------------------------------------------

# What an explanation cites for each item: the act, and the item's key (one commit, pull
# request or issue, however many acts name it), its lines changed and why it is
# mechanical ("" if it is not).
EVIDENCE_COLUMNS = ["kind", "title", "url", "occurred_at", "repo", "key", "lines", "mechanical"]
# Acts on a commit (their ``item`` is its sha) rather than on a pull request or issue.
_ON_COMMITS = frozenset({K.COMMIT, K.COMMITTED_FOR_OTHER, K.CO_AUTHORED, K.REVIEWED_BY,
                         K.ACKED_BY, K.SIGNED_OFF_BY, K.MERGE_COMMIT})  # fmt: skip
# Who wrote an item, who merged or applied it, who reviewed or answered it.
_AUTHORS = (K.COMMIT, K.PR_OPENED, K.ISSUE_OPENED)
_MERGERS = (K.PR_MERGED_BY, K.MERGE_COMMIT, K.COMMITTED_FOR_OTHER)
_REVIEWERS = (K.REVIEW, K.REVIEW_COMMENT, K.REVIEWED_BY, K.ACKED_BY, K.ISSUE_COMMENT)
# Files whose change alone is a version bump: version files, pinned requirements, module
# and chart manifests, changelogs (with the lock files of LEFT_OUT_RULES).
VERSION_FILES = (
    r"(^|/)(version(\.txt|\.py|\.go)?|_version\.py|__version__\.py|go\.mod|go\.sum"
    r"|requirements[^/]*\.(txt|in)|chart\.ya?ml|changelog[^/]*|history\.(md|rst))$"
)
# Lines count up to these, per file and per item: beyond them a change is more likely
# generated, copied or moved than written (install manifests, code generation, imports),
# and a larger one says no more about its author.
FILE_LINES_CAP = 500
ITEM_LINES_CAP = 2000
# Recent activity and momentum cite work of their own windows (days before the latest act
# in the data) where the person has some: the signal is about that stretch.
_RECENT_DAYS = {"recent_activity": 365, "momentum": 90}


@dataclass(frozen=True)
class Evidence:
    """What explanations draw on, prepared once: acts with people
    (:func:`talent.ranking.features.attach_people`), commit file changes
    (:func:`talent.ranking.features.commit_changes`), each act's item key (``keys``,
    aligned with ``acts``), each item's substance (:func:`build_substance`), the key of
    each commit (``commit_keys``: "owner/repo@sha" -> key) and, made on first use, who
    answered each issue or pull request first (``firsts``), what each commit changes
    (``kinds``) and degree of authorship (``authorship``).

    ``people``: the only people it explains (None: everyone), when it was built for
    them alone (:func:`build_evidence`); explaining anyone else is an error.
    ``near_acts`` and ``near_changes`` are the acts and file changes that can reach
    those people's evidence (all of them for everyone's)."""

    acts: pd.DataFrame
    changes: pd.DataFrame
    keys: pd.Series
    substance: pd.DataFrame
    commit_keys: pd.Series
    people: frozenset[str] | None = None
    near_acts: pd.DataFrame | None = field(default=None, repr=False)
    near_changes: pd.DataFrame | None = field(default=None, repr=False)

    @cached_property
    def firsts(self) -> pd.DataFrame:
        """:func:`talent.ranking.features.first_responders` of the acts."""
        return first_responders(self.acts if self.near_acts is None else self.near_acts)

    @cached_property
    def kinds(self) -> pd.DataFrame:
        """:func:`talent.ranking.features.commit_kinds` of the file changes."""
        return commit_kinds(self.changes if self.near_changes is None else self.near_changes)

    @cached_property
    def authorship(self) -> pd.DataFrame:
        """:func:`talent.ranking.authorship.build_authorship` of the file changes."""
        return build_authorship(self.changes if self.near_changes is None else self.near_changes)

    def check_covers(self, person_id: str) -> None:
        """Raise ``ValueError`` when this evidence was built for others than ``person_id``."""
        if self.people is not None and person_id not in self.people:
            raise ValueError(f"this evidence was built for other people than {person_id}")


def _among(values: pd.Series, chosen: pd.Series | np.ndarray) -> np.ndarray:
    """Whether each of ``values`` is one of ``chosen`` (missing values never are):
    compared as integer codes, many times faster than testing text against a set."""
    codes, uniques = pd.factorize(pd.concat([values, pd.Series(chosen, dtype=object)],
                                            ignore_index=True))  # fmt: skip
    hit = np.zeros(len(uniques) + 1, dtype=bool)
    hit[codes[len(values) :]] = True
    hit[-1] = False  # the code of a missing value (-1)
    return hit[codes[: len(values)]]


def build_evidence(
    acts: pd.DataFrame,
    changes: pd.DataFrame | None = None,
    people: Collection[str] | None = None,
) -> Evidence:
    """An :class:`Evidence` from all acts (not only one person's: who answered first
    depends on everyone's acts) and, optionally, the commits' file changes; everything
    is prepared at once.

    With ``people``, it explains only them, exactly as the evidence of everyone would,
    for less work: who answered first, what commits change and degree of authorship are
    made only when an explanation asks, and only where they can reach those people's
    acts — the items they acted on with every act on them (and every act on those
    items' commits), and the files those commits or those people changed with every
    change to them (a file's authors and whether a commit added it in bulk depend on
    all its history)."""
    if changes is None:
        changes = pd.DataFrame(columns=["path", "person", "occurred_at", "lines", "commit"])
    keys = item_keys(acts)
    on_commits = acts["kind"].isin([str(k) for k in _ON_COMMITS]) & acts["item"].notna()
    commit_ids = acts["repo"] + "@" + acts["item"].astype(str)
    near, near_keys, near_changes = acts, keys, changes
    if people is not None:
        people = frozenset(people)
        theirs = acts["person"].isin(people).to_numpy()
        on_items = _among(keys, keys[theirs])
        commits = commit_ids[on_commits.to_numpy() & on_items]
        take = (
            on_items
            | (on_commits.to_numpy() & _among(commit_ids, commits))
            | _among(acts["item"], acts["item"][theirs])
        )
        near, near_keys = acts[take], keys[take]
        on_commits, commit_ids = on_commits[take], commit_ids[take]
        if "commit" in changes.columns:
            touched = _among(changes["commit"], commits) | changes["person"].isin(people)
            near_changes = changes[_among(changes["path"], changes["path"][touched.to_numpy()])]
    commit_keys = pd.Series(near_keys[on_commits].to_numpy(), index=commit_ids[on_commits])
    commit_keys = commit_keys[~commit_keys.index.duplicated()]  # fmt: skip
    evidence = Evidence(
        acts=acts,
        changes=changes,
        keys=keys,
        substance=build_substance(near, near_changes, near_keys, commit_keys),
        commit_keys=commit_keys,
        people=people,
        near_acts=near if people is not None else None,
        near_changes=near_changes if people is not None else None,
    )
    if people is None:  # everyone's: all of it now (the app builds it in the background)
        for part in ("firsts", "kinds", "authorship"):
            getattr(evidence, part)
    return evidence


def item_keys(acts: pd.DataFrame) -> pd.Series:
    """The item each act is on, one key per commit, pull request or issue: "owner/repo#n"
    for a pull request or issue, and for a commit that names its pull request (a squash
    merge is its pull request), "owner/repo@sha" for another commit, else the act's url.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"kind": ["commit", "pr_opened", "commit", "review"],
    ...     "repo": ["a/b"] * 4, "item": ["f00", "a/b#7", "ba5", None],
    ...     "pr_number": [7, None, None, None], "url": ["u1", "u2", "u3", "u4"]})
    >>> item_keys(acts).tolist()
    ['a/b#7', 'a/b#7', 'a/b@ba5', 'u4']
    """
    if acts.empty:
        return pd.Series([], index=acts.index, dtype=object)
    repo = acts["repo"].astype(str)
    item = acts["item"]
    number = pd.to_numeric(acts.get("pr_number", pd.Series(np.nan, index=acts.index)),
                           errors="coerce")  # fmt: skip
    on_commit = acts["kind"].isin([str(k) for k in _ON_COMMITS])
    by_number = repo + "#" + number.fillna(0).astype(np.int64).astype(str)
    key = item.astype(object).where(item.notna(), acts["url"].astype(str))
    key = key.where(~(on_commit & item.notna()), repo + "@" + item.astype(str))
    return key.where(number.isna(), by_number).astype(object)


def build_substance(
    acts: pd.DataFrame,
    changes: pd.DataFrame,
    keys: pd.Series | None = None,
    commit_keys: pd.Series | None = None,
) -> pd.DataFrame:
    """How much there is to each item (commit, pull request, issue), indexed by its key
    (:func:`item_keys`), and whether it is a mechanical change.

    Columns: ``lines`` changed by its commits, leaving out vendored, generated, lock and
    data files and files added in bulk (:data:`talent.ranking.authorship.LEFT_OUT_RULES`,
    :func:`talent.ranking.authorship.bulk_additions`); else the act's ``size`` (a pull
    request's additions and deletions); ``files``; ``code`` (touches a code or test
    file, not only CI, docs or configuration); ``merged`` (merged or applied by someone
    other than its author, or a merged pull request); ``reviewers`` (others who reviewed
    or answered it, trailers included); ``mechanical``: why it is mechanical, or "" —
    the subject's reason (:func:`talent.ranking.features.mechanical_subject`: merge, revert,
    version bump, reformatting), else "rename or mode change" when its files changed no
    line, else "version bump" when it only changes version files, lock files,
    pinned requirements or changelogs; and ``substance`` = log(1 + min(lines, 2000)) +
    0.5 log(1 + min(files, 20)) + merged + 0.5 min(reviewers, 3) + 0.5 code, each
    file's lines counted up to 500 (:data:`FILE_LINES_CAP`, :data:`ITEM_LINES_CAP`).

    Examples
    --------
    A rename (no line changed) and a real change, both by Ada; Bob applied the second.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"kind": ["commit", "commit", "committed_for_other"],
    ...     "repo": "a/b", "item": ["1", "2", "2"], "person": ["ada", "ada", "bob"],
    ...     "title": ["Move utils", "Add a cache", "Add a cache"], "url": ["u1", "u2", "u2"],
    ...     "occurred_at": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-01"])})
    >>> changes = pd.DataFrame({"path": ["a/b:src/util.py", "a/b:src/cache.py"],
    ...     "commit": ["a/b@1", "a/b@2"], "person": "ada", "lines": [0, 120],
    ...     "occurred_at": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    >>> found = build_substance(acts, changes)
    >>> found["mechanical"].to_dict()
    {'a/b@1': 'rename or mode change', 'a/b@2': ''}
    >>> int(found.loc["a/b@2", "lines"]), bool(found.loc["a/b@2", "merged"])
    (120, True)
    """
    columns = ["lines", "files", "code", "merged", "reviewers", "mechanical", "substance"]
    if acts.empty:
        return pd.DataFrame(columns=columns).rename_axis("key")
    keys = item_keys(acts) if keys is None else keys
    if commit_keys is None:
        on = acts["kind"].isin([str(k) for k in _ON_COMMITS]) & acts["item"].notna()
        commit_keys = pd.Series(
            keys[on].to_numpy(), index=(acts["repo"] + "@" + acts["item"].astype(str))[on]
        )
        commit_keys = commit_keys[~commit_keys.index.duplicated()]  # fmt: skip
    kind = acts["kind"].astype(str)
    frame = pd.DataFrame({"key": keys, "kind": kind, "person": acts["person"],
                          "title": acts["title"].fillna("").astype(str),
                          "size": pd.to_numeric(acts.get("size"), errors="coerce")})  # fmt: skip
    authored = frame[kind.isin([str(k) for k in _AUTHORS])]
    # An item's title is its author's (a commit's subject, a pull request's title).
    title = pd.concat([authored, frame]).drop_duplicates("key").set_index("key")["title"]
    out = pd.DataFrame(index=pd.Index(title.index, name="key"))
    # Only the commits of these acts: the others' sizes would reach no item.
    per_commit = _commit_sizes(changes, commit_keys.index)
    per_commit["key"] = per_commit.index.map(commit_keys)
    sized = per_commit.dropna(subset=["key"]).groupby("key").agg(
        lines=("lines", "sum"), capped=("capped", "sum"), files=("files", "sum"),
        code=("code", "any"), unchanged=("unchanged", "all"), versions=("versions", "all"),
    )  # fmt: skip
    out = out.join(sized)
    size = frame.groupby("key")["size"].max()
    # Numbers even where no commit is sized (no file changes known).
    out["lines"] = out["lines"].fillna(size.reindex(out.index)).astype(float)
    out["files"] = out["files"].fillna(0)
    for column in ("code", "unchanged", "versions"):
        out[column] = out[column].astype("boolean").fillna(False).astype(bool)
    # Merged or applied by someone other than an author; reviewed by others.
    pairs = frame[["key", "person"]]
    authors = set(zip(authored["key"], authored["person"], strict=True))
    merge_rows = frame[kind.isin([str(k) for k in _MERGERS])]
    by_other = [(k, p) not in authors for k, p in zip(merge_rows["key"], merge_rows["person"],
                                                        strict=True)]  # fmt: skip
    merged = set(merge_rows["key"][np.asarray(by_other, dtype=bool)]) | set(
        frame.loc[kind == str(K.PR_MERGED), "key"]
    )
    out["merged"] = out.index.isin(merged)
    review_rows = pairs[kind.isin([str(k) for k in _REVIEWERS])]
    others = [(k, p) not in authors for k, p in zip(review_rows["key"], review_rows["person"],
                                                     strict=True)]  # fmt: skip
    out["reviewers"] = (
        review_rows[np.asarray(others, dtype=bool)]
        .groupby("key")["person"]
        .nunique()
        .reindex(out.index)
        .fillna(0)
    )
    reason = title.map(mechanical_subject).reindex(out.index)
    reason = reason.where(reason != "", np.where(out["unchanged"], "rename or mode change", ""))
    reason = reason.where(reason != "", np.where(out["versions"], "version bump", ""))
    out["mechanical"] = reason.astype(object)
    out["substance"] = (
        np.log1p(
            out["capped"].fillna(out["lines"]).fillna(0).astype(float).clip(upper=ITEM_LINES_CAP)
        )
        + 0.5 * np.log1p(out["files"].astype(float).clip(upper=20))
        + out["merged"].astype(float)
        + 0.5 * out["reviewers"].clip(upper=3)
        + 0.5 * out["code"].astype(float)
    )
    return out[columns]


def _searched(texts: list[str], patterns: list[str]) -> np.ndarray:
    """Whether any of the regular expressions ``patterns`` is found in each of ``texts``:
    by Arrow's RE2, all texts at once (a Python search per path and pattern cost most of
    an explanation's time; pandas' str.contains warns on the patterns' groups). The
    patterns use nothing RE2 reads differently from :mod:`re` (no look-around, no
    back-reference), and texts hold no line break."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = np.zeros(len(texts), dtype=bool)
    if texts:
        values = pa.array(texts, type=pa.string())
        for pattern in patterns:
            found |= pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False)
    return found


def _commit_sizes(changes: pd.DataFrame, commits: pd.Index | None = None) -> pd.DataFrame:
    """Per commit ("owner/repo@sha"; only those of ``commits`` when given): ``lines``
    changed outside left-out files (``capped``: each file's up to
    :data:`FILE_LINES_CAP`), ``files``,
    whether it touches ``code``, changed no line at all (``unchanged``: renames and mode
    changes; binary files have unknown counts and are changes), and only ``versions``.
    Bulk additions are found among all of ``changes``."""
    columns = ["lines", "capped", "files", "code", "unchanged", "versions"]
    if changes.empty or "commit" not in changes.columns:
        return pd.DataFrame(columns=columns)
    bulk = bulk_additions(changes)
    if commits is not None:
        changes = changes[_among(changes["commit"], commits.to_numpy(object))]
    # Each distinct path is classified once; rows reach their path's flags by its code.
    codes, unique = pd.factorize(changes["path"].astype(str).to_numpy(object))
    rel = [p.split(":", 1)[-1].lower() for p in unique]
    left = _searched(rel, [rx for _reason, rx in LEFT_OUT_RULES])
    versions = _searched(rel, [VERSION_FILES, dict(LEFT_OUT_RULES)["lock file"]])
    code = _searched(rel, [CODE_PATH.pattern])
    commit = changes["commit"].astype(str).to_numpy(object)
    # A row is in a bulk addition when its (commit, path) pair is one: pairs compared as
    # integer codes (commit code times the number of paths plus the path's code).
    commit_codes, commits = pd.factorize(commit)
    bulk_commit = pd.Index(commits).get_indexer(bulk["commit"].astype(str).to_numpy(object))
    bulk_path = pd.Index(unique).get_indexer(bulk["path"].astype(str).to_numpy(object))
    known = (bulk_commit >= 0) & (bulk_path >= 0)
    width = max(len(unique), 1)
    in_bulk = np.isin(
        commit_codes.astype(np.int64) * width + codes,
        bulk_commit[known].astype(np.int64) * width + bulk_path[known],
    )
    lines = pd.to_numeric(changes["lines"], errors="coerce").to_numpy(float)
    kept = np.where(~left[codes] & ~in_bulk, np.nan_to_num(lines), 0.0)
    work = pd.DataFrame({
        "commit": commit,
        "lines": kept,
        "capped": np.minimum(kept, FILE_LINES_CAP),
        "files": 1,
        "code": code[codes],
        "unchanged": lines == 0,
        "versions": versions[codes],
    })  # fmt: skip
    return work.groupby("commit").agg(
        lines=("lines", "sum"), capped=("capped", "sum"), files=("files", "sum"),
        code=("code", "any"), unchanged=("unchanged", "all"), versions=("versions", "all"),
    )  # fmt: skip


def evidence_for(
    evidence: Evidence | pd.DataFrame,
    person_id: str,
    signal: str,
    n: int = 3,
    *,
    area: Callable[[str], bool] | None = None,
    exclude: Collection[str] = (),
) -> pd.DataFrame:
    """Up to ``n`` acts behind a signal for a person, one per item (commit, pull request,
    issue): their most substantial work first (:func:`build_substance`), then the
    newest; mechanical changes (renames, mode changes, version bumps, reformatting,
    merges, reverts) only after everything else. For tenure the first acts come first;
    recent activity and momentum cite the work of their own window first (the last
    year, the last 90 days before the latest act in the data).

    Signals with a sharper test show only acts that pass it: first responses for
    ``responsiveness``, code commits that bring tests or docs for ``tests_docs``, and
    the files the person is an author of (links to the files) for ``ownership``; with
    no file changes known, those show nothing rather than unrelated acts.

    Parameters
    ----------
    evidence : Evidence or DataFrame
        :func:`build_evidence`'s, or the acts themselves.
    person_id, signal : str
    n : int
        How many acts at most.
    area : callable, optional
        A test on a path inside its repository ("sdk/python/kserve/model.py"): items that
        change a path it accepts come first (an area or a search's folder).
    exclude : collection of str
        Item keys not to show (those an explanation already cites).

    Returns
    -------
    DataFrame
        ``EVIDENCE_COLUMNS``: ``kind``, ``title``, ``url``, ``occurred_at``, ``repo``,
        ``key`` (the item), ``lines`` and ``mechanical`` (:func:`build_substance`).
    """
    if isinstance(evidence, pd.DataFrame):
        evidence = build_evidence(evidence)
    evidence.check_covers(person_id)
    if signal == "ownership":
        return _owned_files(evidence, person_id, n, area, exclude)
    spec = SIGNAL_TABLE[signal]
    acts = evidence.acts
    take = (acts["person"] == person_id) & acts["kind"].isin([str(k) for k in spec.evidence])
    mine = acts[take & (acts["url"].astype(str) != "")]
    mine = mine.assign(key=evidence.keys.reindex(mine.index))
    mine = mine[~mine["key"].isin(set(exclude))]
    if signal == "responsiveness":
        won = evidence.firsts[evidence.firsts["person"] == person_id]
        keys = set(zip(won["item"], won["replied"], strict=True))
        pairs = zip(mine["item"], mine["occurred_at"], strict=True)
        mine = mine[pd.Series([k in keys for k in pairs], index=mine.index, dtype=bool)]
    elif signal == "tests_docs":
        flags = evidence.kinds
        good = flags[flags["code"] & (flags["tests"] | flags["docs"])]
        commits = {c for p, c in good.index if p == person_id}
        mine = mine[(mine["repo"] + "@" + mine["item"].astype(str)).isin(commits)]
    window = pd.Series(True, index=mine.index)
    if signal in _RECENT_DAYS and not mine.empty:
        latest = acts["occurred_at"].max()
        window = mine["occurred_at"] >= latest - pd.Timedelta(days=_RECENT_DAYS[signal])
    sub = evidence.substance.reindex(mine["key"])
    mine = mine.assign(
        lines=sub["lines"].to_numpy(),
        mechanical=sub["mechanical"].fillna("").to_numpy(),
        _mechanical=sub["mechanical"].fillna("").ne("").to_numpy(),
        _substance=sub["substance"].fillna(0.0).to_numpy(),
        _area=_touches(evidence, mine["key"], area),
        _window=window.to_numpy(bool),
        # The signal's main kind of act first among equals (a pull request before its
        # squashed commit).
        _priority=mine["kind"].map({str(k): i for i, k in enumerate(spec.evidence)}),
    )
    if spec.oldest_first:  # tenure: the first acts are the evidence
        order = (["_mechanical", "_area", "occurred_at"], [True, False, True])
    else:
        order = (["_mechanical", "_area", "_window", "_substance", "_priority", "occurred_at"],
                 [True, False, False, False, True, False])  # fmt: skip
    mine = mine.sort_values(order[0], ascending=order[1], kind="stable")
    # One act per item; sustained activity and breadth show one per repository.
    mine = mine.drop_duplicates("key")
    if signal in ("breadth", "activity"):
        mine = mine.drop_duplicates("repo")
    return mine.drop_duplicates("url").head(n)[EVIDENCE_COLUMNS].reset_index(drop=True)


def _touches(evidence: Evidence, keys: pd.Series, area: Callable[[str], bool] | None) -> np.ndarray:
    """For each key, whether its commits change a path ``area`` accepts (all False
    without ``area``)."""
    if area is None or keys.empty or evidence.changes.empty:
        return np.zeros(len(keys), dtype=bool)
    wanted = set(keys)
    commit_keys = evidence.commit_keys
    commits = commit_keys[commit_keys.isin(wanted)]
    changes = evidence.changes[evidence.changes["commit"].isin(set(commits.index))]
    rel = changes["path"].astype(str).str.split(":", n=1).str[-1]
    hit = changes["commit"][[bool(area(p)) for p in rel]]
    hit_keys = set(commits.reindex(pd.unique(hit)).dropna())
    return keys.isin(hit_keys).to_numpy(bool)


def _owned_files(
    evidence: Evidence,
    person_id: str,
    n: int,
    area: Callable[[str], bool] | None = None,
    exclude: Collection[str] = (),
) -> pd.DataFrame:
    """The files a person is an author of, most changed first (those ``area`` accepts
    first), linked on GitHub."""
    owned = evidence.authorship
    owned = owned[(owned["person"] == person_id) & owned["is_author"].astype(bool)]
    owned = owned[~owned["path"].isin(set(exclude))]
    inside = owned["path"].str.split(":", n=1).str[-1]
    owned = owned.assign(_area=[bool(area(p)) for p in inside] if area else False)
    owned = owned.sort_values(["_area", "dl", "path"], ascending=[False, False, True]).head(n)
    changes = evidence.changes
    last = changes[changes["person"] == person_id].groupby("path")["occurred_at"].max()
    repo = owned["path"].str.split(":", n=1).str[0]
    path = owned["path"].str.split(":", n=1).str[1]
    # A file's page is beside its repository's commit pages, as the source linked them
    # (no link where the source had no web page for the repository).
    acts = evidence.acts
    commit_urls = acts.loc[acts["kind"] == "commit", ["repo", "url"]]
    commit_urls = commit_urls[commit_urls["url"].fillna("").str.contains("/commit/")]
    pages = (
        commit_urls.drop_duplicates("repo")
        .set_index("repo")["url"]
        .str.rsplit("/commit/", n=1)
        .str[0]
    )
    base = repo.map(pages)
    urls = (base + "/blob/HEAD/" + path).where(base.notna(), "")
    return pd.DataFrame(
        {
            "kind": "file",
            "title": path.to_numpy(),
            "url": urls.to_numpy(),
            "occurred_at": last.reindex(owned["path"]).to_numpy(),
            "repo": repo.to_numpy(),
            "key": owned["path"].to_numpy(),
            "lines": np.nan,
            "mechanical": "",
        },
        columns=EVIDENCE_COLUMNS,
    )


def explain(
    ranking: pd.DataFrame,
    evidence: Evidence | pd.DataFrame,
    person_id: str,
    top: int = 3,
    n: int = 3,
    *,
    area: Callable[[str], bool] | None = None,
) -> list[dict]:
    """Why a person ranks where they do: the ``top`` largest contributions, each with
    its label, value, share of the score and up to ``n`` evidence links
    (:func:`evidence_for`). No item is cited twice: the strongest signal keeps it, and
    the next one cites its next-best item. With ``area`` (a test on paths, as in
    :func:`evidence_for`), work in that area comes first.

    ``ranking`` is a :func:`rank` result (or its row for the person); ``evidence`` is
    :func:`build_evidence`'s, or the acts of :func:`talent.ranking.features.attach_people`.
    """
    if isinstance(evidence, pd.DataFrame):
        evidence = build_evidence(evidence)
    rows = ranking[ranking["person_id"] == person_id]
    if rows.empty:
        raise KeyError(person_id)
    row = rows.iloc[0]
    parts = sorted(
        ((float(row[f"contrib_{s}"]), s) for s in SIGNALS if float(row[f"contrib_{s}"]) > 0),
        reverse=True,
    )[:top]
    score = float(row["score"]) or 1.0
    cited: set[str] = set()
    out = []
    for value, signal in parts:
        found = evidence_for(evidence, person_id, signal, n, area=area, exclude=cited)
        cited |= set(found["key"])
        out.append(
            {
                "signal": signal,
                "label": SIGNAL_LABELS[signal],
                "contribution": value,
                "share": value / score,
                "evidence": [
                    {
                        **e,
                        "occurred_at": _utc_text(e["occurred_at"]),
                        "lines": None if pd.isna(e["lines"]) else int(e["lines"]),
                    }
                    for e in found.to_dict("records")
                ],  # fmt: skip
            }
        )
    return out


def _utc_text(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- profiles in the store ---------------------------------------------------------------


def save_ranking_profile(engine: Engine, profile: Profile) -> None:
    """Keep a profile (for example one learned from feedback) in the store."""
    payload = {
        "weights": [list(pair) for pair in profile.weights],  # in order
        "scaling": profile.scaling,
        "affiliations": list(profile.affiliations),
        "description": profile.description,
        "model": profile.model,
    }
    # A new or changed profile can change rankings: readers' caches must see it.
    set_meta(engine, f"profile:{profile.name}", json.dumps(payload, sort_keys=True), bump=True)


def _pairs(weights: list | dict) -> list:
    # Saved as [[signal, weight], ...] to keep their order; a mapping reads too.
    return list(weights.items()) if isinstance(weights, dict) else weights


def list_profiles(engine: Engine, settings: Settings) -> list[Profile]:
    """The settings' profiles, then those saved in the store (by name) that the settings
    do not shadow."""
    known = {p.name for p in settings.profiles}
    saved = sorted(
        key.removeprefix("profile:")
        for key in meta_items(engine, "profile:")
        if key.removeprefix("profile:") not in known
    )
    return [*settings.profiles, *(load_ranking_profile(engine, settings, name) for name in saved)]


def load_ranking_profile(engine: Engine, settings: Settings, name: str) -> Profile:
    """A profile by name: from the settings, else one saved in the store."""
    try:
        return settings.profile(name)
    except ConfigError:
        stored = get_meta(engine, f"profile:{name}")
        if stored is None:
            known = ", ".join(p.name for p in list_profiles(engine, settings))
            raise ConfigError(f"unknown profile {name!r} (known: {known})") from None
    data = json.loads(stored)
    return Profile(
        name=name,
        weights=tuple((str(k), float(v)) for k, v in _pairs(data["weights"])),
        scaling=data["scaling"],
        affiliations=tuple(data["affiliations"]),
        description=data.get("description", ""),
        model=data.get("model", ""),
    )


def rank_store(
    engine: Engine,
    settings: Settings | None = None,
    *,
    profile: str | Profile = DEFAULT_PROFILE,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
    skill: str | None = None,
    affiliations: Sequence[str] | None = None,
    interval_windows: int = 0,
    explain_top: int = 0,
) -> pd.DataFrame:
    """Load what :func:`rank` needs from the store (resolving people first if needed)
    and rank, optionally only some repositories' acts since a date.

    With ``skill`` (free text such as "cuda kernels"), only people whose work matches it
    are kept, most of the matching work first (:func:`match_skills`: BM25 over every
    commit, pull request and issue and the paths they changed, credited to who did
    them), then by rank, with ``skill_match``, ``skill_share`` and ``skill_terms`` (the
    words found); ``rank`` stays the profile's rank. When the words match no one's work,
    ``ranking.attrs["skill_suggestion"]`` says what to try (:func:`skill_suggestion`).
    With ``explain_top`` n, the first n rows get an ``explanation`` (:func:`explain`).
    """
    settings = settings or Settings()
    chosen = (
        profile if isinstance(profile, Profile) else load_ranking_profile(engine, settings, profile)
    )
    if skill is None and not explain_top:
        # Nothing but the ranking: once per data version (talent.store.derived).
        return cached_ranking(
            engine, settings, chosen, repos, since, include_bots, affiliations, interval_windows
        )
    base = cached_base(engine, settings, repos, since, include_bots)
    ranking = score_base(base, chosen, affiliations, interval_windows)
    if skill is not None and not ranking.empty:
        found = match_skills(base, skill)
        ranking = _skill_filter(ranking, found)
        if found.empty:
            # Nobody's work at all: what to search instead, for the caller to show.
            ranking.attrs["skill_suggestion"] = skill_suggestion(base, skill)
    if explain_top and not ranking.empty:
        evidence = base.evidence
        head = ranking.head(explain_top)
        ranking["explanation"] = None
        ranking["explanation"] = ranking["explanation"].astype(object)
        for i, pid in enumerate(head["person_id"]):
            ranking.at[i, "explanation"] = explain(head.iloc[[i]], evidence, pid)
    return ranking


# The tables a ranking base reads (people resolved first): a write to any other table
# leaves cached rankings in use.
BASE_READS = (
    "activities",
    "commit_files",
    "people",
    "identities",
    "identity_links",
    "named_owners",
    "owner_pairings",
)


def derived_args(settings: Settings, **args) -> dict:
    """The arguments that key a derived result (:func:`talent.store.derived.cached`):
    ``args`` and the settings (but the database's address, which the app and the
    command line may write differently)."""
    from dataclasses import replace

    return {"settings": replace(settings, db_url=""), **args}


def cached_ranking(
    engine: Engine,
    settings: Settings,
    profile: Profile,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
    affiliations: Sequence[str] | None = None,
    interval_windows: int = 0,
    base: Callable[[], RankingBase] | None = None,
) -> pd.DataFrame:
    """:func:`score_base` of the ranking base of these filters, computed once per
    version of the tables it reads and kept in the store for every process
    (:mod:`talent.store.derived`); people are resolved first if needed. ``base`` gives
    the ranking base when the caller keeps one (the app), else it is read or built
    (:func:`cached_base`)."""
    return _of_base(
        engine, settings, "ranking", (repos, since, include_bots), base,
        lambda built: score_base(built, profile, affiliations, interval_windows),
        profile=profile, affiliations=affiliations, windows=interval_windows,
    )  # fmt: skip


def cached_rank_history(
    engine: Engine,
    settings: Settings,
    profile: Profile,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
    quarters: int = 8,
    base: Callable[[], RankingBase] | None = None,
) -> pd.DataFrame:
    """:func:`rank_history` of the ranking base of these filters, computed once per
    version of the tables it reads and kept in the store (as :func:`cached_ranking`)."""
    return _of_base(
        engine, settings, "rank_history", (repos, since, include_bots), base,
        lambda built: rank_history(built, profile, quarters), profile=profile, quarters=quarters,
    )  # fmt: skip


def ranking_kept(
    engine: Engine, settings: Settings, profile: Profile, scope: tuple, windows: int = 0
) -> bool:
    """Whether :func:`cached_ranking` of ``profile`` over everyone (no affiliation
    chosen), its base's ``scope`` (repositories, since, bots) and ``windows`` rank-range
    windows is kept in the store for this data (then it is read back, nothing computed)."""
    from talent.store.derived import present

    key = _of_base_args(engine, settings, scope, profile=profile, affiliations=(),
                        windows=windows)  # fmt: skip
    return present(engine, "ranking", key, BASE_READS)


def _of_base_args(engine, settings, scope, **args) -> dict:
    """The arguments keying a result of the ranking base of ``scope`` (repositories,
    since, bots) and ``args`` (people resolved first if needed)."""
    repos, since, include_bots = scope
    ensure_people(engine, settings)
    return derived_args(
        settings, repos=sorted(repos or []), since=since, include_bots=include_bots, **args
    )


def _of_base(engine, settings, name, scope, base, make, **args) -> pd.DataFrame:
    """``make(base)`` kept in the store under ``name``, the ranking base's ``scope``
    (repositories, since, bots) and ``args``."""
    from talent.store.derived import cached

    repos, since, include_bots = scope
    key = _of_base_args(engine, settings, scope, **args)

    def compute() -> dict[str, pd.DataFrame]:
        if args.get("windows", 0) > 1:  # rank ranges: their windows ahead, on another core
            # People were resolved for the key above: not checked a second time.
            scope_args = _scope_args(settings, repos, since, include_bots)
            _start_windows(engine, settings, scope_args, args["windows"])
        built = base() if base else cached_base(engine, settings, repos, since, include_bots)
        return {name: make(built)}

    return cached(engine, name, key, BASE_READS, compute)[name]


# The frames of a RankingBase that are kept (with ``bots`` as a frame of one column).
_BASE_FRAMES = ("acts", "changes", "people", "features", "values", "table", "skills",
                "components", "next_up")  # fmt: skip


# A ranking base of more acts is kept without its acts and file changes, which are read
# from the store again instead: their copy would be most of the payload (gigabytes for
# millions of acts, past what one SQLite value holds) and cost more to write than to read.
BASE_ACTS_KEPT = 1_000_000
# Past this size in memory, the rest of a base (who is named next alone has a row per
# person and repository) is not kept at all: one SQLite value holds at most a gigabyte,
# and encoding it would cost gigabytes more memory. The rankings themselves are kept.
BASE_BYTES_KEPT = 900_000_000


def _kept_base(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame] | None:
    """What of a ranking base's frames is stored (:func:`cached_base`), None for nothing."""
    if len(frames["acts"]) + len(frames["changes"]) > BASE_ACTS_KEPT:
        frames = {k: v for k, v in frames.items() if k not in ("acts", "changes")}
    size = sum(int(frame.memory_usage(index=True).sum()) for frame in frames.values())
    return frames if size <= BASE_BYTES_KEPT else None


def cached_base(
    engine: Engine,
    settings: Settings | None = None,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
) -> RankingBase:
    """:func:`build_ranking_base`, computed once per version of the tables it reads and
    kept in the store for every process (:mod:`talent.store.derived`): features, graph
    measures, skills, personas and who is named next are read back, not computed again.
    People are resolved first if needed."""
    from talent.store.derived import cached

    settings = settings or Settings()
    args = _base_args(engine, settings, repos, since, include_bots)

    def compute() -> dict[str, pd.DataFrame]:
        base = build_ranking_base(engine, settings, repos, since, include_bots)
        frames = {name: getattr(base, name) for name in _BASE_FRAMES}
        frames["bots"] = pd.DataFrame({"person_id": sorted(base.bots)}, dtype=object)
        return frames

    frames = cached(engine, "ranking_base", args, BASE_READS, compute, _kept_base)
    return _stored_base(engine, settings, args, frames)


def kept_base(
    engine: Engine,
    settings: Settings | None = None,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
) -> RankingBase | None:
    """:func:`cached_base` when a process kept it for this data, else None (nothing is
    computed): for a view that needs only part of a base and computes that part alone
    when no base is at hand."""
    from talent.store.derived import kept

    settings = settings or Settings()
    args = _base_args(engine, settings, repos, since, include_bots)
    frames = kept(engine, "ranking_base", args, BASE_READS)
    return None if frames is None else _stored_base(engine, settings, args, frames)


def _base_args(engine, settings, repos, since, include_bots) -> dict:
    """The arguments that key a ranking base (people resolved first if needed)."""
    ensure_people(engine, settings)
    return _scope_args(settings, repos, since, include_bots)


def _scope_args(settings, repos, since, include_bots) -> dict:
    """:func:`_base_args` once people are resolved."""
    return derived_args(settings, repos=sorted(repos or []), since=since, include_bots=include_bots)


def _stored_base(engine, settings, args, frames) -> RankingBase:
    """The ranking base of the frames the store kept, its rank ranges' windows kept
    beside it."""
    if "acts" not in frames:  # kept without its acts: read them again
        repos, since, include_bots = args["repos"], args["since"], args["include_bots"]
        acts, changes, _bots, _people = _load(engine, settings, repos, since, include_bots)
        frames = {**frames, "acts": acts, "changes": changes}
    bots = frozenset(frames["bots"]["person_id"])
    stored = {name: frames[name] for name in _BASE_FRAMES}

    # Read from the frames, not from the base: a base referring to itself would outlive
    # its last use until a garbage collection (gigabytes of acts at scale).
    def windows_of(windows: int) -> list[pd.DataFrame | None]:
        return kept_windows(engine, settings, args, windows,
                            lambda: (stored["acts"], stored["changes"], bots))  # fmt: skip

    base = RankingBase(bots=bots, settings=settings, window_source=windows_of, **stored)
    return base


def kept_windows(
    engine: Engine,
    settings: Settings,
    args: dict,
    windows: int,
    work: Callable[[], tuple[pd.DataFrame, pd.DataFrame, frozenset]] | None = None,
) -> list[pd.DataFrame | None]:
    """The signal values of the ``windows`` left-out windows of rank ranges
    (:func:`rank_intervals`) of the ranking base keyed by ``args`` (:func:`_base_args`),
    computed once per data version and kept in the store; ``work`` gives the acts, file
    changes and bots when the caller holds them (else they are loaded). What a child
    started by :func:`start_windows` keeps is waited for and read back."""
    from talent import ahead
    from talent.store.derived import cached

    key = {**args, "windows": windows}
    ahead.wait(_ident(key))  # a child computing them: what it keeps is read back

    def compute_windows() -> dict[str, pd.DataFrame]:
        if work is not None:
            acts, changes, bots = work()
        else:
            scope = (args["repos"] or None, args["since"], args["include_bots"])
            acts, changes, bots, _people = _load(engine, settings, *scope)
        values = _window_values(acts, changes, bots, settings, windows)
        return {f"w{i}": v for i, v in enumerate(values) if v is not None}

    found = cached(engine, "ranking_windows", key, BASE_READS, compute_windows)
    return [found.get(f"w{i}") for i in range(windows)]


def start_windows(
    engine: Engine,
    settings: Settings,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
    windows: int = INTERVAL_WINDOWS,
) -> None:
    """Before building the ranking base of these filters to rank with ``windows`` rank-range
    windows: start computing the windows in a child process on another core
    (:mod:`talent.ahead`), which keeps them in the store for :func:`kept_windows` to read.

    Only where that pays: a machine with a second core, a store both processes open (a
    file or a server), neither the windows nor the base kept already (the base is to be
    built: the work the child overlaps), and at most :data:`INTERVALS_UP_TO` activities
    (the child loads its own copy of the acts). People are resolved first if
    needed (here, so that the child never resolves them too)."""
    from talent import ahead

    if windows > 1 and ahead.usable_cores() > 1:
        args = _base_args(engine, settings, repos, since, include_bots)
        _start_windows(engine, settings, args, windows)


def _start_windows(engine: Engine, settings: Settings, args: dict, windows: int) -> None:
    """:func:`start_windows` of the base keyed by ``args``, people resolved already."""
    from talent import ahead
    from talent.config import sqlite_path
    from talent.store.derived import present

    key = {**args, "windows": windows}
    url = engine.url.render_as_string(hide_password=False)
    in_memory = engine.dialect.name == "sqlite" and sqlite_path(url) is None
    if windows < 2 or in_memory or ahead.usable_cores() < 2 or ahead.started(_ident(key)):
        return
    # Kept already, or a base kept to read back: then this process has nothing else to
    # do meanwhile and computes them sooner than a child that starts Python first.
    if present(engine, "ranking_windows", key, BASE_READS) or present(
        engine, "ranking_base", args, BASE_READS
    ):
        return
    if count_rows(engine, "activities") > INTERVALS_UP_TO:
        return
    job = (url, settings, args, windows)
    ahead.start(_ident(key), "talent.ranking.scoring:keep_windows", job)


def keep_windows(job: tuple[str, Settings, dict, int]) -> None:
    """What the child :func:`start_windows` starts does: :func:`kept_windows` of ``job``
    (the store's address, the settings, the base's arguments and the number of windows)."""
    from talent.store import open_store

    url, settings, args, windows = job
    kept_windows(open_store(url, create=False), settings, args, windows)


def _ident(key: dict) -> str:
    return "ranking_windows " + json.dumps(key, sort_keys=True, default=repr)


def load_work(
    engine: Engine, settings: Settings | None = None, repos: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, frozenset, pd.DataFrame]:
    """The acts, file changes, bots and people a ranking base of ``repos`` starts from
    (bots left out; people resolved first if needed), for a view that needs the work
    but none of the features, graph measures, skills or personas."""
    acts, changes, bots, people = _load(engine, settings or Settings(), repos, None, False)
    return acts, changes, frozenset(bots), people


def _load(engine, settings, repos, since, include_bots):
    """The store's acts with people, file changes, bots and people (resolved first)."""
    ensure_people(engine, settings)
    # What a resolution or a bulk write just freed goes back before the acts come in.
    give_back_memory()
    # On a large store a child process reads (and SQLite sorts) the acts while the
    # people, their links and the file changes are read here. Acts of no person, and
    # unless included bots', are left out by the database (_prepare would drop them).
    activities = start_activities_columns(
        engine, repos=repos, since=since, acting="people" if include_bots else "humans"
    )
    try:
        people = load_people(engine)
        links = load_identity_links(engine)
        files = load_commit_files_columns(engine, repos=repos)
    except BaseException:
        activities.stop()
        raise
    acts, changes, bots = _prepare(activities(), people, links, files, include_bots, moved=True)
    return acts, changes, bots, people


def load_evidence(
    engine: Engine,
    settings: Settings | None = None,
    *,
    repos: Sequence[str] | None = None,
    since: datetime | None = None,
    include_bots: bool = False,
) -> Evidence:
    """:func:`build_evidence` over the acts :func:`rank_store` ranks with the same
    arguments, for explaining people one at a time (a :class:`RankingBase` has it too)."""
    acts, changes, _bots, _people = _load(
        engine, settings or Settings(), repos, since, include_bots
    )
    return build_evidence(acts, changes)


def rank_range_text(low: float, high: float, ranked: int) -> str:
    """A rank range as people read it: ``"3–7"``, ``"4"`` when it does not move,
    ``"12–out"`` when leaving out a window drops the person out of the ``ranked``,
    ``"-"`` when not computed.

    >>> rank_range_text(3, 7, 100), rank_range_text(4, 4, 100), rank_range_text(12, 101, 100)
    ('3–7', '4', '12–out')
    """
    if pd.isna(low) or pd.isna(high):
        return "-"
    worst = "out" if high > ranked else str(int(high))
    return f"{int(low)}–{worst}" if worst != str(int(low)) else worst


def _skill_filter(ranking: pd.DataFrame, found: pd.DataFrame) -> pd.DataFrame:
    """The people of ``ranking`` that :func:`match_skills` found, best match first and,
    among equal matches, the better rank; with ``skill_match``, ``skill_share`` (their
    share of the matching work) and ``skill_terms``. The
    match is the same whoever is shown (the app's skill search agrees)."""
    out = ranking.join(
        found[["match", "share", "terms"]].rename(
            columns={"match": "skill_match", "share": "skill_share", "terms": "skill_terms"}
        ),
        on="person_id",
        how="inner",
    )
    out = out.sort_values(["skill_match", "rank"], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs = dict(ranking.attrs)
    return out


def match_skills(base: RankingBase, query: str, scores: pd.Series | None = None) -> pd.DataFrame:
    """Everyone in ``base`` whose work matches a free-text skill query, by how much of the
    matching work they did: :func:`talent.ranking.search.search_work` over the base's search
    index (``match``, ``share``, ``terms``, ``work``; ``scores`` only break ties)."""
    if base.table.empty:
        return search_work(build_search_index(base.acts.iloc[:0], base.changes.iloc[:0]), "")
    return search_work(base.search_index, query, scores)


def skill_suggestion(base: RankingBase, query: str) -> str:
    """What to search instead when ``query`` matches no one's work
    (:func:`talent.ranking.search.suggest`)."""
    return suggest(base.search_index, query)


# --- personas ----------------------------------------------------------------------------

PERSONA_FEATURES = ["commits", "prs_opened", "merges", "reviews", "review_comments",
                    "comments", "issues_opened", "people_helped", "tenure_days",
                    "active_months"]  # fmt: skip
# What each persona looks like on those features (standardised, log-scaled): the clusters'
# centres are matched to these shapes, so names come from the data, not from a fixed rule.
PERSONA_SHAPES = {
    "maintainer": [1, 0.5, 2, 1.5, 1, 0.5, 0, 2, 1.5, 1.5],
    "reviewer": [-0.5, -0.5, 0, 2, 2, 0.5, 0, 1, 0.5, 0.5],
    "builder": [2, 1.5, 0, 0, 0, 0, 0, 0, 0.5, 1],
    "helper": [-0.5, -0.5, -0.5, 0, 0, 2, 1.5, 0, 0, 0.5],
    "drive-by": [-1, -1, -1, -1, -1, -1, -0.5, -1, -1, -1],
}  # fmt: skip


def make_persona_model(n_clusters: int = 5, random_state: int = 0):
    """An unfitted clustering of people by how they contribute: log-scaled counts,
    standardised, then k-means."""
    from sklearn.cluster import KMeans
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return make_pipeline(
        FunctionTransformer(np.log1p, feature_names_out="one-to-one"),
        StandardScaler(),
        KMeans(n_clusters=n_clusters, n_init=10, random_state=random_state),
    )


# People whose contributions fit the personas' clusters; more are placed in them.
PERSONA_SAMPLE = 20_000


def assign_personas(features: pd.DataFrame, random_state: int = 0) -> pd.Series:
    """A persona per person (maintainer, reviewer, builder, helper, drive-by).

    People are clustered (:func:`make_persona_model`); each cluster is named after the
    persona shape its centre is closest to, one name per cluster (an optimal
    assignment), so the same data and ``random_state`` always give the same names.
    """
    from scipy.optimize import linear_sum_assignment

    if features.empty:
        return pd.Series(dtype=object)
    X = features[PERSONA_FEATURES].astype(float).clip(lower=0)
    # No more clusters than distinct ways of contributing (identical rows are one).
    k = min(len(PERSONA_SHAPES), len(X.drop_duplicates()))
    if k < 2:
        return pd.Series("builder" if X.iloc[0]["commits"] > 0 else "helper", index=X.index)
    model = make_persona_model(k, random_state)
    if len(X) > PERSONA_SAMPLE:
        # Many people: the clusters fitted on a sample (the same for the same people),
        # everyone placed in them; up to PERSONA_SAMPLE people, fitted on all as before.
        rng = np.random.default_rng(random_state)
        sample = np.sort(rng.choice(len(X), size=PERSONA_SAMPLE, replace=False))
        labels = model.fit(X.iloc[sample]).predict(X)
    else:
        labels = model.fit(X)[-1].labels_
    centres = model[-1].cluster_centers_
    names = list(PERSONA_SHAPES)
    shapes = np.array([PERSONA_SHAPES[n] for n in names], dtype=float)
    cost = ((centres[:, None, :] - shapes[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    naming = {int(r): names[c] for r, c in zip(rows, cols, strict=True)}
    return pd.Series([naming[int(label)] for label in labels], index=X.index)


# --- feedback ----------------------------------------------------------------------------

MIN_LABELS_PER_CLASS = 5


class FeedbackError(ValueError):
    """Too few or one-sided labels to learn from."""


@dataclass(frozen=True)
class FeedbackReport:
    """What learning from shortlist labels did.

    ``profile`` carries the new weights (learned on the training labels only);
    ``auc_before`` and ``auc_after`` are the ROC AUC of the old and new scores at
    telling shortlisted from rejected people among the held-back labels.
    """

    profile: Profile
    auc_before: float
    auc_after: float
    n_train: int
    n_test: int
    coefficients: dict[str, float]


def make_feedback_model(random_state: int = 0):
    """An unfitted logistic regression of "shortlisted" on the scaled signals."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=1000, random_state=random_state)


def learn_profile(
    ranking: pd.DataFrame,
    feedback: pd.DataFrame,
    profile: Profile,
    *,
    name: str | None = None,
    test_size: float = 0.3,
    blend: float = 0.5,
    random_state: int = 0,
) -> FeedbackReport:
    """Re-weight ``profile`` from shortlist labels, and measure the effect on held-back
    labels.

    The signals of labelled people are scaled as the profile scales them (over
    everyone in ``ranking``); a logistic regression (:func:`make_feedback_model`) learns
    which of them tell "shortlisted" from "rejected" on a stratified training part of
    the labels. Positive coefficients, normalised to sum to one, are blended with the
    profile's weights (``blend`` of learned, the rest old); negative ones give no weight,
    so a score stays a sum of non-negative contributions.

    Parameters
    ----------
    ranking : DataFrame
        A :func:`rank` result over everyone (``affiliations=()``), with features.
    feedback : DataFrame
        ``person_id`` and ``label`` ("shortlisted" or "rejected"), e.g.
        :func:`talent.views.pipeline.learning_feedback`.
    profile : Profile
        The profile to re-weight.
    name : str, optional
        The new profile's name (default ``<profile>+feedback``).

    Raises
    ------
    FeedbackError
        Fewer than ``MIN_LABELS_PER_CLASS`` labelled people of either kind among those
        ranked.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    features = ranking.set_index("person_id")
    labels = feedback.drop_duplicates("person_id", keep="last").set_index("person_id")["label"]
    labels = labels[labels.index.isin(features.index)]
    y = (labels == "shortlisted").astype(int)
    counts = (int(y.sum()), int((1 - y).sum()))
    if min(counts) < MIN_LABELS_PER_CLASS:
        raise FeedbackError(
            f"need at least {MIN_LABELS_PER_CLASS} shortlisted and {MIN_LABELS_PER_CLASS} "
            f"rejected people among those ranked; have {counts[0]} and {counts[1]}"
        )
    values = signal_values(features)
    scaled = _profile_scorer()(dict.fromkeys(SIGNALS, 1.0), profile.scaling).fit(values)
    X = scaled.normalise(values).loc[y.index]
    n_test = int(np.ceil(test_size * len(y)))
    if min(n_test, len(y) - n_test) < 2:
        raise FeedbackError(
            f"a test size of {test_size} leaves too few of the {len(y)} verdicts on one "
            "side to learn and measure; choose one nearer 0.3"
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    model = make_feedback_model(random_state).fit(X_train, y_train)
    coefficients = dict(zip(SIGNALS, model.coef_[0].tolist(), strict=True))
    learned = np.clip(model.coef_[0], 0.0, None)
    old = np.array([profile.as_dict().get(s, 0.0) for s in SIGNALS])
    old_total = old.sum() or 1.0
    if learned.sum() > 0:
        new = (1 - blend) * old / old_total + blend * learned / learned.sum()
    else:
        new = old / old_total
    new_profile = Profile(
        name=name or f"{profile.name}+feedback",
        weights=tuple((s, round(float(w), 4)) for s, w in zip(SIGNALS, new, strict=True) if w > 0),
        scaling=profile.scaling,
        affiliations=profile.affiliations,
        description=f"{profile.name}, re-weighted from {len(y_train)} shortlist labels",
    )
    return FeedbackReport(
        profile=new_profile,
        auc_before=float(roc_auc_score(y_test, X_test.to_numpy() @ old)),
        auc_after=float(roc_auc_score(y_test, X_test.to_numpy() @ new)),
        n_train=len(y_train),
        n_test=len(y_test),
        coefficients=coefficients,
    )
