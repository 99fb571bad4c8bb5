"""The one module that wraps library reads in Streamlit caches.

Cached reads are keyed by small arguments (database URL, filters) and the store's
data version, so a new mine or demo invalidates them without a restart. Nothing here
runs at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from talent.config import (
    DB_ENV_VAR,
    ConfigError,
    Profile,
    Settings,
    load_settings,
    resolve_db_url,
    sqlite_path,
)
from talent.mining import save_demo
from talent.people.affiliation import CompanyInference
from talent.people.identity import infer_company, save_company_choice, update_people
from talent.ranking.authorship import build_authorship
from talent.ranking.scoring import (
    INTERVAL_WINDOWS,
    RankingBase,
    cached_base,
    cached_ranking,
    explain,
    list_profiles,
    load_ranking_profile,
    match_skills,
    ranking_kept,
    skill_suggestion,
    start_windows,
)
from talent.ranking.scoring import INTERVALS_UP_TO as INTERVALS_UP_TO  # the app's, kept there
from talent.sources.demo import generate_demo
from talent.store import (
    StoreError,
    activity_span,
    count_rows,
    data_version,
    get_meta,
    load_activities,
    load_identities,
    load_identity_links,
    load_people,
    load_repos,
    open_store,
)
from talent.store.keys import KeyProblem
from talent.store.versions import table_versions
from talent.views.access import AccessDenied, Viewer, check, visible_lists
from talent.views.audit import Audit, audit_person
from talent.views.export import chosen_verdicts, shortlist_frame
from talent.views.maintainers import orphaned_if_left
from talent.views.stewardship import area_owners, cached_maintainers_report, left_out_of

WINDOWS = {"All time": None, "Last 3 years": 3 * 365, "Last 12 months": 365, "Last 90 days": 90}
# Quarters of "rank over time" on the Candidate page: two years, each a ranking of the
# history up to the quarter's end.
QUARTERS = 8


@dataclass(frozen=True)
class StoreStatus:
    url: str
    exists: bool
    activities: int = 0
    version: str = "0"
    demo_org: str | None = None
    first: datetime | None = None
    last: datetime | None = None
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.exists and self.error is None and self.activities > 0


def db_url() -> str:
    """The database the app shows: ``TALENT_DB`` (set by ``talent app``) or ./talent.db."""
    return resolve_db_url(os.environ.get(DB_ENV_VAR))


def settings(url: str) -> tuple[Settings, str | None]:
    """The settings file the CLI reads too (``TALENT_CONFIG``, or ./talent.toml), with
    ``url`` as the database; the built-in settings and the reason when it cannot be used."""
    try:
        return load_settings(None, db=url), None
    except ConfigError as exc:
        return Settings(db_url=url), str(exc)


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    # An opt-out that a killed run left half done is finished before any page reads.
    from talent.people.privacy import finish_pending

    engine = open_store(url)
    finish_pending(engine, settings(url)[0])
    return engine


def status(url: str) -> StoreStatus:
    """What the database holds, without creating a missing file."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return StoreStatus(url, exists=False)
    try:
        engine = _engine(url)
        first, last = activity_span(engine)
        return StoreStatus(
            url,
            True,
            count_rows(engine, "activities"),
            data_version(engine),
            get_meta(engine, "demo_org"),
            first,
            last,
        )
    except (StoreError, KeyProblem) as exc:
        return StoreStatus(url, True, error=str(exc))


def create_demo(url: str, viewer: Viewer | None) -> int:
    """Write the demo world into ``url``; returns the number of activities."""
    check(viewer, "change:demo")
    engine = _engine(url)
    world = generate_demo()
    save_demo(engine, world)
    update_people(engine, Settings(db_url=url))
    st.cache_data.clear()
    _base.clear()  # the old data's bases are large and will not be asked for again
    return len(world.activities)


def since_for(window: str, last: datetime | None) -> datetime | None:
    """Start of a named time window, counted back from the latest activity."""
    days = WINDOWS.get(window)
    if days is None or last is None:
        return None
    return last - timedelta(days=days)


def profiles(url: str) -> dict[str, str]:
    """Every ranking profile, name -> description: the settings' and those learned from
    feedback and saved in the store. Not cached: the settings file may change."""
    return {p.name: p.description for p in list_profiles(_engine(url), settings(url)[0])}


def profile(url: str, name: str) -> Profile:
    """A ranking profile by name (from the settings, else saved in the store). Not
    cached, so an edited settings file counts at once; rankings are cached by the
    profile itself, weights and all."""
    return load_ranking_profile(_engine(url), settings(url)[0], name)


@st.cache_resource(show_spinner="Computing features, graphs and skills...", max_entries=4)
def _base(
    url: str, version: str, repos: tuple[str, ...], since: datetime | None, include_bots: bool
) -> RankingBase:
    """What every profile shares (features, graphs, skills, personas), once per data
    version and activity scope. A resource, not data: one object shared by every
    session and never copied (nothing changes it; :func:`talent.ranking.scoring.score_base`
    only reads it)."""
    del version  # part of the cache key only
    # Read back from the store when any process built it for this data (else built and
    # kept there: talent.store.derived).
    return cached_base(_engine(url), settings(url)[0], list(repos) or None, since, include_bots)


def prepare_evidence(
    url: str, version: str, repos: tuple[str, ...], since: datetime | None, include_bots: bool
) -> None:
    """Start building the evidence behind every score in the background (the shared
    base's, :meth:`talent.ranking.scoring.RankingBase.prepare_evidence`), once a page is
    drawn whose next click is likely a person's page, which needs it: that page then
    waits for less, or not at all."""
    _base(url, version, repos, since, include_bots).prepare_evidence()


def rising_reasons(
    url: str,
    version: str,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    person_id: str,
) -> pd.DataFrame:
    """Where the model of who is named next marks ``person_id`` rising: ``repo``,
    ``rank``, ``probability`` and ``evidence`` (:func:`talent.ranking.rising.next_maintainers`),
    from the shared base (nothing computed again)."""
    nxt = _base(url, version, repos, since, include_bots).next_up
    if nxt.empty:
        return pd.DataFrame(columns=["repo", "rank", "probability", "evidence"])
    mine = nxt[(nxt["person"] == person_id) & nxt["rising"].astype(bool)]
    return mine[["repo", "rank", "probability", "evidence"]].reset_index(drop=True)


@st.cache_data(show_spinner="Ranking contributors...", max_entries=32)
def ranking(
    url: str,
    version: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    intervals: bool,
) -> pd.DataFrame:
    """Everyone ranked by ``profile``, with rank intervals if asked; the app filters
    whom to show, so ranks stay those of the whole population. Another profile only
    re-weighs the shared base (and its rank intervals' windows); kept in the store for
    every process (:func:`talent.ranking.scoring.cached_ranking`)."""
    return cached_ranking(
        _engine(url),
        settings(url)[0],
        profile,
        list(repos) or None,
        since,
        include_bots,
        affiliations=(),
        interval_windows=INTERVAL_WINDOWS if intervals else 0,
        base=lambda: _base(url, version, repos, since, include_bots),
    )


def ranges_ahead(
    url: str, repos: tuple[str, ...], since: datetime | None, include_bots: bool
) -> None:
    """Start computing the rank ranges' windows in a child process on another core
    (:func:`talent.ranking.scoring.start_windows`), before the page builds the ranking
    base that ranks without them: :func:`ranking` with ranges then reads them back."""
    start_windows(_engine(url), settings(url)[0], list(repos) or None, since, include_bots)


def ranges_at_hand(
    url: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
) -> bool:
    """Whether the ranking with rank ranges (:func:`ranking`) is kept in the store for
    this data (its key holds the versions of the tables it reads), so that nothing is
    computed for it: else its left-out windows are."""
    scope = (list(repos) or None, since, include_bots)
    return ranking_kept(_engine(url), settings(url)[0], profile, scope, INTERVAL_WINDOWS)


@st.cache_data(show_spinner="Ranking each quarter's data...", max_entries=16)
def rank_history(
    url: str,
    version: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
) -> pd.DataFrame:
    """Everyone's rank and score at the end of each of the last eight quarters, and
    now (:func:`talent.ranking.scoring.rank_history`); once per data version and filters."""
    from talent.ranking.scoring import cached_rank_history

    return cached_rank_history(
        _engine(url), settings(url)[0], profile, list(repos) or None, since, include_bots,
        QUARTERS, base=lambda: _base(url, version, repos, since, include_bots),
    )  # fmt: skip


def explanation(
    url: str,
    version: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    intervals: bool,
    person_id: str,
) -> list[dict]:
    """The largest contributions to a person's score, each with evidence links from the
    same repositories and time window as the ranking (the base's evidence, built once)."""
    frame = ranking(url, version, profile, repos, since, include_bots, intervals)
    rows = frame[frame["person_id"] == person_id]
    evidence = _base(url, version, repos, since, include_bots).evidence
    return explain(rows, evidence, person_id)


def audit(
    url: str,
    version: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    intervals: bool,
    person_id: str,
) -> Audit:
    """Every count behind a person's score and the acts that make it, from the same acts
    as the ranking (:func:`talent.views.audit.audit_person`)."""
    frame = ranking(url, version, profile, repos, since, include_bots, intervals)
    row = frame[frame["person_id"] == person_id].iloc[0]
    return audit_person(row, _base(url, version, repos, since, include_bots).acts, person_id)


@st.cache_data(show_spinner="Searching skills...", max_entries=64)
def skill_matches(
    url: str,
    version: str,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    query: str,
) -> pd.DataFrame:
    """Everyone whose work matches a free-text skill query (e.g. "cuda kernels"), most of
    the matching work first, indexed by ``person_id`` (:func:`talent.ranking.scoring.match_skills`):
    ``skill_match`` (their matching work over the first person's, 0 to 1; no profile's
    score in it), ``skill_share`` (their share of all the matching work), ``skill_terms``
    (the query's words found in their work, comma-separated) and ``skill_work`` (their
    top matching items: title, url, kind, repo, date, credit). Empty for an empty query
    or when nobody matches (:func:`suggest_skills` says what to try)."""
    found = match_skills(_base(url, version, repos, since, include_bots), query)
    out = pd.DataFrame(
        {
            "skill_match": found["match"].astype(float),
            "skill_share": found["share"].astype(float),
            "skill_terms": found["terms"].astype(str),
            "skill_work": found["work"],
        },
        index=found.index,
    )
    return out.rename_axis("person_id")


def suggest_skills(
    url: str,
    version: str,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    query: str,
) -> str:
    """What to search instead of a query that matches no one's work ("did you mean ...,
    or one of these areas: ..."); only asked for when a search finds nobody."""
    return skill_suggestion(_base(url, version, repos, since, include_bots), query)


# The tables where people stand with the recruiters are read from: shortlists, their
# entries and events, the ATS marks and the people (the opted-out are left out).
PIPELINE_READS = ("people", "shortlists", "shortlist_entries", "shortlist_events", "ats_marks")


def pipeline_version(url: str) -> tuple[tuple[str, int], ...]:
    """The versions of ``PIPELINE_READS`` (:mod:`talent.store.versions`): a click that
    changes a stage, a list or a mark changes it, and nothing else does (not the data
    version either, so a click does not make the app rank everyone again)."""
    return tuple(table_versions(_engine(url), PIPELINE_READS).items())


def feedback(url: str) -> pd.DataFrame:
    """Where everyone on a shortlist stands (shortlisted, rejected, not interested),
    with their lists and latest note (:func:`talent.views.pipeline.pipeline_verdicts`), of
    the people in the store; read again after each change of the tables it reads
    (:func:`pipeline_version`), not on every rerun of a page."""
    return _feedback(url, pipeline_version(url))


@st.cache_data(show_spinner=False, max_entries=8)
def _feedback(url: str, version: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    from talent.views.pipeline import pipeline_verdicts

    del version  # part of the cache key only
    engine = _engine(url)
    verdicts = pipeline_verdicts(engine)  # opted-out people left out, as in list_entries
    return verdicts[verdicts["person_id"].isin(load_people(engine)["person_id"])]


def record_verdict(
    url: str, viewer: Viewer | None, person_id: str, label: str | None, note: str = ""
) -> None:
    """The quick action on the default shortlist: "shortlisted" or "rejected" (not a
    fit), or take the person off it (None); recorded under the viewer."""
    from talent.views.pipeline import record_verdict as record

    who = check(viewer, "change:verdict").who
    record(_engine(url), person_id, label, note, who)


@st.cache_data(show_spinner=False, max_entries=8)
def repositories(url: str, version: str) -> list[str]:
    del version
    return load_repos(_engine(url))["full_name"].tolist()


@st.cache_data(show_spinner=False, max_entries=64)
def person_identities(url: str, version: str, person_id: str) -> pd.DataFrame:
    """The raw identities merged into a person and how each was linked. Email
    addresses are cut to their domain: the app never shows an address."""
    del version
    engine = _engine(url)
    mine = load_identity_links(engine, persons=[person_id])
    idents = load_identities(engine, keys=mine["identity_key"].tolist()).set_index("key")
    rows = []
    for link in mine.itertuples(index=False):
        ident = idents.loc[link.identity_key]
        email = ident["email"] if isinstance(ident["email"], str) else ""
        rows.append(
            {
                "source": ident["source"],
                "name": ident["name"],
                "login": ident["login"] if isinstance(ident["login"], str) else "",
                "email domain": ("@" + email.rpartition("@")[2]) if "@" in email else "",
                "linked by": link.method,
                "confidence": float(link.confidence),
            }
        )
    return pd.DataFrame(
        rows, columns=["source", "name", "login", "email domain", "linked by", "confidence"]
    )


@st.cache_data(show_spinner=False, max_entries=64)
def person_activity(url: str, version: str, person_id: str) -> pd.DataFrame:
    """Every act of one person, oldest first."""
    del version
    engine = _engine(url)
    keys = load_identity_links(engine, persons=[person_id])["identity_key"].tolist()
    return load_activities(engine, actors=keys)


def shortlist(
    url: str,
    viewer: Viewer | None,
    version: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    intervals: bool,
) -> pd.DataFrame:
    """The shortlisted people for a hiring manager (:func:`talent.views.export.shortlist_frame`)
    under the ranking in view. Not cached: verdicts change with every click, and the
    ranking and evidence it reads are."""
    check(viewer, "download:shortlisted_csv")
    frame = ranking(url, version, profile, repos, since, include_bots, intervals)
    base = _base(url, version, repos, since, include_bots)
    return shortlist_frame(frame, feedback(url), base.evidence, people=base.people)


def shortlisted_ids(url: str, viewer: Viewer | None) -> list[str]:
    """Whom :func:`shortlist` gives a row each (:func:`feedback` holds only the people in
    the store), without building what its rows cite (the evidence behind every score):
    for the download's label and its access record, drawn before the file is asked for."""
    check(viewer, "download:shortlisted_csv")
    return chosen_verdicts(feedback(url))["person_id"].tolist()


@st.cache_data(show_spinner=False, max_entries=8)
def people_names(url: str, version: str) -> dict[str, tuple[str, str]]:
    """person id -> (name, login) for everyone."""
    del version
    people = load_people(_engine(url))
    return {
        r.person_id: (r.name or "", r.login if isinstance(r.login, str) else "")
        for r in people.itertuples(index=False)
    }


def outreach(
    url: str,
    viewer: Viewer | None,
    version: str,
    person_id: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
) -> str:
    """The outreach draft for a person under the ranking in view; refused
    (:class:`talent.views.access.AccessDenied`) to a viewer whose role does not draft."""
    from talent.views.outreach import draft

    check(viewer, "section:outreach")
    frame = ranking(url, version, profile, repos, since, include_bots, False)
    base = _base(url, version, repos, since, include_bots)
    return draft(_engine(url), settings(url)[0], person_id, frame, base.evidence)


@st.cache_data(show_spinner="Linking who works with whom...", max_entries=8)
def interaction_edges(
    url: str, version: str, repos: tuple[str, ...], since: datetime | None, include_bots: bool
) -> pd.DataFrame:
    """Who works with whom, under the filters (:func:`talent.views.network.interaction_edges`)."""
    from talent.views.network import interaction_edges as edges

    base = _base(url, version, repos, since, include_bots)
    return edges(base.acts, frozenset(base.bots))


def ego_network(
    url: str,
    version: str,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    person_id: str,
) -> pd.DataFrame:
    from talent.views.network import ego_network as ego

    return ego(interaction_edges(url, version, repos, since, include_bots), person_id)


def ego_picture(
    url: str,
    version: str,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    person_id: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`talent.views.network.ego_picture` under the filters."""
    from talent.views.network import ego_picture as picture

    return picture(interaction_edges(url, version, repos, since, include_bots), person_id)


@st.cache_data(show_spinner="Laying out the network...", max_entries=16)
def repository_network(
    url: str,
    version: str,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
    repo: str | None,
    top: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from talent.views.network import repository_network as network

    base = _base(url, version, repos, since, include_bots)
    edges = interaction_edges(url, version, repos, since, include_bots)
    return network(edges, base.acts, base.features["pagerank"], repo, top)


def since_last_visit(url: str, viewer: Viewer | None, profile: str) -> str:
    """What changed in the profile's top 50 since the viewer last marked it seen, as
    Markdown (:mod:`talent.views.digest`). Not cached."""
    from talent.views.digest import to_markdown

    return to_markdown(_visit(url, check(viewer, "page:candidates"), profile)[0])


def mark_visit_seen(url: str, viewer: Viewer | None, profile: str) -> None:
    """Record this visit: the next :func:`since_last_visit` compares with now."""
    from talent.views.digest import keep

    keep(_engine(url), *_visit(url, check(viewer, "change:seen"), profile))


def _visit(url: str, viewer: Viewer, profile: str):
    from talent.views.digest import Search, build

    label = f"last visit of {viewer.who or 'the app'} ({profile})"
    return build(_engine(url), settings(url)[0], label, search=Search(profile=profile))


def pipeline_stages(url: str) -> dict[str, str]:
    """person id -> "list: stage; ..." for everyone on a shortlist, read again after
    each change of the tables it reads (:func:`pipeline_version`)."""
    return _pipeline_stages(url, pipeline_version(url))


@st.cache_data(show_spinner=False, max_entries=8)
def _pipeline_stages(url: str, version: tuple[tuple[str, int], ...]) -> dict[str, str]:
    from talent.views.pipeline import pipeline_column

    del version  # part of the cache key only
    return pipeline_column(_engine(url))


# The tables the shortlists and whom they are shared with are read from.
LIST_READS = ("shortlists", "shortlist_entries", "shortlist_shares")


def shortlists(url: str, viewer: Viewer | None) -> pd.DataFrame:
    """The named shortlists the viewer may see (every one for a recruiter, those shared
    with them for a hiring manager: :func:`talent.views.access.visible_lists`), with their
    sizes; read again after each change of the tables they are read from (every click that
    adds, moves or shares), not on every page."""
    lists, shares = _shortlists(url, tuple(table_versions(_engine(url), LIST_READS).items()))
    return lists[lists["name"].isin(_visible(viewer, lists["name"], shares))].reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=8)
def _shortlists(
    url: str, version: tuple[tuple[str, int], ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every shortlist with its size, and whom each is shared with."""
    from talent.store import load_shares, load_shortlists

    del version  # part of the cache key only
    engine = _engine(url)
    return load_shortlists(engine), load_shares(engine)


def _visible(viewer: Viewer | None, names, shares: pd.DataFrame) -> list[str]:
    """The lists of ``names`` the viewer may see, given whom each is shared with."""
    return visible_lists(viewer, names, zip(shares["shortlist"], shares["email"], strict=True))


def _check_list(url: str, viewer: Viewer | None, what: str, name: str) -> Viewer:
    """The viewer, if they may ``what`` on the list ``name`` and see it; else
    :class:`talent.views.access.AccessDenied`."""
    from talent.store import load_shares

    allowed = check(viewer, what)
    if name not in _visible(allowed, [name], load_shares(_engine(url))):
        raise AccessDenied(f"The list {name!r} is not shared with you")
    return allowed


def shares(url: str, viewer: Viewer | None, name: str) -> list[str]:
    """The addresses the list ``name`` is shared with (for who may share it)."""
    from talent.store import load_shares

    check(viewer, "change:share")
    return load_shares(_engine(url), name)["email"].tolist()


def share_list(url: str, viewer: Viewer | None, name: str, email: str) -> bool:
    """Share the list ``name`` with ``email`` (:class:`ValueError` if it is not one
    address); True if it was not shared with them yet."""
    from talent.store import share_shortlist
    from talent.views.access import share_address

    who = check(viewer, "change:share").who
    return bool(share_shortlist(_engine(url), name, [share_address(email)], who))


def unshare_list(url: str, viewer: Viewer | None, name: str, email: str) -> bool:
    """Stop sharing the list ``name`` with ``email``; True if it was shared with them."""
    from talent.store import unshare_shortlist

    check(viewer, "change:share")
    return bool(unshare_shortlist(_engine(url), name, [email]))


def list_entries(url: str, name: str | None = None) -> pd.DataFrame:
    """A list's entries (every list's without ``name``), opted-out people left out; read
    again after each change of the tables it reads (:func:`pipeline_version`)."""
    return _list_entries(url, name, pipeline_version(url))


@st.cache_data(show_spinner=False, max_entries=16)
def _list_entries(url: str, name: str | None, version: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    from talent.store import load_entries

    del version  # part of the cache key only
    engine = _engine(url)
    entries = load_entries(engine, name)
    return entries[entries["person_id"].isin(load_people(engine)["person_id"])]


def list_notes(url: str, name: str) -> dict[str, list[dict]]:
    from talent.views.pipeline import entry_notes

    return entry_notes(_engine(url), name)


def add_to_list(
    url: str, viewer: Viewer | None, name: str, person_ids: list[str], *, note: str = ""
) -> list[str]:
    """Put people on list ``name`` (made if missing); with a ``note``, each of them
    (already on the list or not) gets it. The ids newly added."""
    from talent.store import add_entries, add_note
    from talent.views.pipeline import check_list_name

    who = check(viewer, "change:shortlist").who
    engine, name = _engine(url), check_list_name(name)
    added = add_entries(engine, name, person_ids, who)
    for person_id in person_ids if note else ():
        add_note(engine, name, person_id, note, who)
    return added


def move_entries(
    url: str, viewer: Viewer | None, name: str, seen: dict[str, int], stage: str
) -> list[str]:
    """Move people to ``stage`` on list ``name``, each at the version shown (``seen``:
    person id -> version); returns one message per refused move (someone else changed
    the entry since), nothing of which was stored."""
    from talent.store import StaleEntry, change_entry
    from talent.views.pipeline import check_stage

    who = _check_list(url, viewer, "change:stage", name).who
    refused = []
    for person_id, version in seen.items():
        try:
            change_entry(_engine(url), name, person_id, who,
                         stage=check_stage(stage), expected_version=version)  # fmt: skip
        except StaleEntry as exc:
            refused.append(str(exc))
    return refused


def note_entry(url: str, viewer: Viewer | None, name: str, person_id: str, text: str) -> None:
    """A note on a person's entry, under the viewer's name; a hiring manager's only on a
    list shared with them."""
    from talent.store import add_note

    who = _check_list(url, viewer, "change:note", name).who
    add_note(_engine(url), name, person_id, text, who)


def list_export(
    url: str,
    viewer: Viewer | None,
    version: str,
    name: str,
    profile: Profile,
    repos: tuple[str, ...],
    since: datetime | None,
    include_bots: bool,
) -> pd.DataFrame:
    """The list as a hiring manager gets it (:func:`talent.views.export.list_frame`), under
    the ranking in view (with rank ranges); only a list the viewer may export."""
    from talent.views.export import list_frame

    _check_list(url, viewer, "download:shortlist_export", name)
    frame = ranking(url, version, profile, repos, since, include_bots, True)
    base = _base(url, version, repos, since, include_bots)
    entries = list_entries(url, name)
    in_ats = set(ats_marks(url)["person_id"])
    notes = list_notes(url, name)
    return list_frame(name, frame, entries, notes, base.evidence, base.people, in_ats=in_ats)


def ats_marks(url: str) -> pd.DataFrame:
    """Who is marked "in ATS" (:func:`talent.store.load_ats_marks`), read again after
    each change of the tables it reads (:func:`pipeline_version`)."""
    return _ats_marks(url, pipeline_version(url))


@st.cache_data(show_spinner=False, max_entries=8)
def _ats_marks(url: str, version: tuple[tuple[str, int], ...]) -> pd.DataFrame:
    from talent.store import load_ats_marks

    del version  # part of the cache key only
    return load_ats_marks(_engine(url))


def import_ats(url: str, viewer: Viewer | None, payload: bytes, source: str, *, replace: bool):
    """Mark the people an ATS export names (:func:`talent.views.pipeline.import_ats`)."""
    from talent.views.pipeline import import_ats

    check(viewer, "change:ats")
    return import_ats(_engine(url), payload, source, replace=replace)


def company(url: str, version: str) -> CompanyInference:
    """The company affiliation uses (set, recorded by a source, or inferred from the
    data), re-resolving people first if the settings or people file changed. Not cached:
    the settings file may change between two clicks, and the check is a few counts."""
    del version  # the fingerprint inside infer_company already covers the data
    return infer_company(_engine(url), settings(url)[0])


def choose_company(url: str, viewer: Viewer | None, name: str | None) -> CompanyInference:
    """Call organisation ``name`` "mine" (None: forget the choice), kept in the store;
    people are resolved again (:func:`talent.people.identity.save_company_choice`), and the
    cached rankings read the new data version."""
    check(viewer, "change:company")
    return save_company_choice(_engine(url), settings(url)[0], name)


@st.cache_data(show_spinner="Reading who owns what...", max_entries=16)
def maintainers(url: str, version: str, repos: tuple[str, ...], months: int) -> dict:
    """The maintainers' report (:func:`talent.views.stewardship.maintainers_report`) over the
    cached ranking base, as frames: ``named``, ``owners``, ``bus_factor``, ``idle``,
    ``unnamed``, ``unowned``, ``teams``, ``ready``, ``left_out`` (files the bus factor
    leaves out, with why), ``areas`` (per area, named owners beside owners in practice:
    :func:`talent.views.stewardship.area_owners`), ``next`` (next maintainers, with evidence)
    and ``names`` (person id -> name)."""
    del version  # part of the cache key only
    report = cached_maintainers_report(
        _engine(url), settings(url)[0], repos=list(repos) or None, months=months
    )
    drift = report.drift
    return {
        "named": report.named_owners,
        "owners": report.owners,
        "bus_factor": report.bus_factor,
        "idle": drift.idle,
        "unnamed": drift.unnamed,
        "unowned": drift.unowned,
        "teams": drift.teams,
        "ready": report.ready,
        "next": report.next_up,
        "left_out": report.left_out,
        "areas": area_owners(report),
        "names": load_people(_engine(url)).set_index("person_id")["name"].to_dict(),
    }


@st.cache_data(show_spinner=False, max_entries=64)
def person_namings(url: str, version: str, person_id: str) -> pd.DataFrame:
    """Where owner files name a person, and since when (until when, if no longer)."""
    named = maintainers(url, version, (), 12)["named"]
    return named[named["person_id"] == person_id][
        ["repo", "source", "pattern", "role", "since", "until", "evidence"]
    ].reset_index(drop=True)


@st.cache_resource(show_spinner=False, max_entries=4)
def _authorship(url: str, version: str) -> pd.DataFrame:
    """Degree of authorship of every file and person (all repositories, bots left out),
    without the files the bus factor leaves out (generated, vendored, bulk-added)."""
    changes = _base(url, version, (), None, False).changes
    left = left_out_of(_engine(url), changes)
    return build_authorship(changes[~changes["path"].isin(set(left["path"]))])


@st.cache_data(show_spinner=False, max_entries=64)
def person_orphans(url: str, version: str, person_id: str) -> pd.DataFrame:
    """The files that would have no author if this person left, with who comes next; the
    area is the file's component, as on the Maintainers page."""
    names = load_people(_engine(url)).set_index("person_id")["name"]
    components = _base(url, version, (), None, False).components
    found = orphaned_if_left(_authorship(url, version), person_id, by=components)
    return found.assign(successor=found["successor"].map(names))[
        ["repo", "area", "path", "successor", "area_orphaned"]
    ]


# --- who saw what ------------------------------------------------------------------------


def viewer_who() -> str:
    """Whom the access log names for this session: the signed-in viewer
    (``st.session_state["viewer"]``, a :class:`talent.views.access.Viewer`), else
    ``TALENT_USER`` or the login of the process."""
    from talent.views.pipeline import current_user

    viewer = st.session_state.get("viewer")
    return str(getattr(viewer, "who", "") or "") or current_user()


def _filter_values(filters: object) -> dict:
    """The sidebar's filters that differ from their defaults, and the profile always
    (``filters`` is a :class:`talent.ui.widgets.Filters`, or a dict, or None)."""
    from dataclasses import fields, is_dataclass

    if filters is None:
        return {}
    if isinstance(filters, Mapping):
        return dict(filters)
    if not is_dataclass(filters):
        raise TypeError(f"filters are a Filters, a mapping or None, not {filters!r}")
    out = {}
    for f in fields(filters):
        value = getattr(filters, f.name)
        if f.name == "profile" or (f.name != "audience" and value != f.default):
            out[f.name] = value
    return out


def record_access(url: str, action: str, person_ids, filters: object = None, **what) -> None:
    """Put a view, export or outreach draft of the app in the access log
    (:func:`talent.people.accesslog.record_access`) under this session's viewer."""
    from talent.people.accesslog import record_access as record

    record(
        _engine(url),
        viewer_who(),
        action,
        [str(p) for p in person_ids],
        {**_filter_values(filters), **what},
        "app",
        settings=settings(url)[0],
    )


def record_once(url: str, person_id: str, filters: object = None, action: str = "view") -> None:
    """Record that this session opened ``person_id``'s Candidate page (or, with
    ``action="outreach"``, was shown a draft to them): once per session and person, since
    a rerun of the page, a changed filter or a click on it shows the same view."""
    seen = st.session_state.setdefault("_access_seen", set())
    if (action, person_id) not in seen:
        record_access(url, action, [person_id], filters)
        seen.add((action, person_id))


def on_export(url: str, person_ids, filters: object = None, **what):
    """A download button's ``on_click``: records the export of ``person_ids`` when the
    button is clicked (the file is the one the page was drawn with)."""
    from functools import partial

    return partial(record_access, url, "export", list(person_ids), filters, **what)


def access_entries(url: str, person: str = "", since: datetime | None = None) -> pd.DataFrame:
    """The access log (:func:`talent.people.accesslog.access_log`) about the person ``person``
    names (anyone when empty; a :class:`talent.people.privacy.PrivacyError` when nobody or
    several match) and from ``since``, with the people's names beside their ids. Not
    cached: the log grows with every view."""
    from talent.people.accesslog import access_log
    from talent.people.privacy import resolve_person

    engine = _engine(url)
    ids = resolve_person(engine, person) if person.strip() else None
    frame = access_log(engine, ids, since)
    names = load_people(engine).set_index("person_id")["name"].to_dict()
    frame["names"] = [", ".join(names.get(p, p) for p in people) for people in frame["people"]]
    return frame


def sync_line(url: str) -> str:
    """The "Last synced … · next sync …" line (:func:`talent.schedule.sync_text`) from what
    ``talent serve`` records in the store. Not cached: a few small reads of its meta."""
    from talent.schedule import load_schedule_state, sync_text

    try:
        return sync_text(load_schedule_state(_engine(url)))
    except (StoreError, KeyProblem):
        return ""
