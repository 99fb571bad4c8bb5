"""The maintainers' report over the store: who owns what in practice, where the bus factor
is one, who the owner files name and where that has drifted from the work, and who is
ready for more responsibility.

A thin layer over :mod:`talent.views.maintainers` (the measures, pure) and the store: it loads
the activity once (:func:`talent.ranking.scoring.build_ranking_base`, shared with the rankings),
the named owners and the files at each mined head, and matches owners to people
(:func:`talent.people.identity.owner_matches`). The CLI's ``talent maintainers`` and the app's
Maintainers page only show what it returns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from talent.config import Settings
from talent.model import is_past_role
from talent.people.identity import owner_matches
from talent.ranking.authorship import VENDORED
from talent.ranking.components import COLUMNS, build_components
from talent.ranking.rising import NEXT_COLUMNS
from talent.ranking.scoring import BASE_READS, RankingBase, derived_args, kept_base, load_work
from talent.sources.git import GITATTRIBUTES_META
from talent.sources.owners import codeowners_regex
from talent.store import (
    load_head_files,
    load_identities,
    load_identity_links,
    load_named_owners,
    load_owner_pairings,
    load_people,
    meta_items,
)
from talent.views.maintainers import (
    RECENT_MONTHS,
    Drift,
    build_factors,
    drift_report,
    files_left_out,
    named_by_area,
    owners_in_practice,
    ready_for_more,
)

# Next maintainers listed per repository.
NEXT_TOP = 10
# Patterns that govern every file of a repository.
WHOLE_REPOSITORY = frozenset({"", "*", "/", "/*", "**", "/**", "**/*"})


@dataclass(frozen=True)
class MaintainersReport:
    """What :func:`maintainers_report` found.

    Attributes
    ----------
    named_owners : DataFrame
        Everyone an owner file ever named: ``repo``, ``login`` (as written), ``person_id``
        (None when nobody matches: never guessed), ``name``, ``kind``, ``source``,
        ``pattern``, ``role``, ``since``, ``until`` (NaT while named), ``current``.
    owners : DataFrame
        Owners in practice per repository and area (:func:`owners_in_practice`), with
        ``name`` and ``login``.
    bus_factor : DataFrame
        Truck factor and contributor absence factor per repository (``key`` ``*``) and
        per area (:func:`build_factors`), riskiest first, with the people's names.
    drift : Drift
        Named owners idle where they are named, owners in practice nobody named,
        patterns no active person owns, teams that could not be expanded.
    ready : DataFrame
        People named nowhere whose recent work looks like the named owners'.
    next_up : DataFrame
        Next maintainers: per repository, the people no owner file names whom
        :mod:`talent.ranking.rising`'s model finds most likely to be named within the year
        (:func:`talent.ranking.rising.next_maintainers`, the first :data:`NEXT_TOP`), with
        ``name``, ``login`` and the ``evidence`` that moved them. Without owner files,
        everyone is a candidate.
    components : DataFrame
        The areas: the repositories' components
        (:func:`talent.ranking.components.build_components`).
    keyed_named : DataFrame
        ``named_owners`` with ``key``: the area each row names owners of (``"*"`` for
        the whole repository; a row once per area its pattern governs files in).
    left_out : DataFrame
        The files the bus factor and the ownership leave out (:func:`files_left_out`):
        ``repo``, ``path`` (inside the repository), ``reason``, ``rule``.
    """

    named_owners: pd.DataFrame
    owners: pd.DataFrame
    bus_factor: pd.DataFrame
    drift: Drift
    ready: pd.DataFrame
    left_out: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["repo", "path", "reason", "rule"])
    )
    components: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COLUMNS))
    keyed_named: pd.DataFrame = field(default_factory=pd.DataFrame)
    next_up: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def unmatched(self) -> pd.DataFrame:
        """Named owners (people, not teams) that no person in the data matches."""
        named = self.named_owners
        return named[named["person_id"].isna() & (named["kind"] != "team")]


def pattern_matcher(named: pd.DataFrame):
    """``pattern_of(repo, path)``: the pattern of the owner-file line that governs a path
    (GitHub's rule for CODEOWNERS: the last matching line wins; an ``OWNERS`` file's
    directory holds its subtree, the deepest such file winning), or None. Rows without a
    pattern (people lists) govern no particular path."""
    rules: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    patterned = named[named["pattern"].fillna("") != ""]
    # The nearest OWNERS file governs its folder: deeper ones come later, so they win
    # over the root's "/" (sorted by name alone, "OWNERS" came after ".github/x/OWNERS").
    ordered = patterned.drop_duplicates(["repo", "source", "pattern"])
    depth = ordered["source"].map(lambda s: s.count("/") if s.rsplit("/", 1)[-1] == "OWNERS" else 0)
    ordered = ordered.assign(depth=depth).sort_values(
        ["repo", "depth", "source", "line"], kind="stable"
    )
    for repo, pattern in zip(ordered["repo"], ordered["pattern"], strict=True):
        rules.setdefault(repo, []).append((pattern, codeowners_regex(pattern)))

    def pattern_of(repo: str, path: str) -> str | None:
        found = None
        for pattern, regex in rules.get(repo, ()):
            if regex.search(path):
                found = pattern
        return found

    return pattern_of


def maintainers_report(
    engine: Engine,
    settings: Settings | None = None,
    *,
    repos: Sequence[str] | None = None,
    area: str | None = None,
    months: int = RECENT_MONTHS,
    include_docs: bool = True,
    base: RankingBase | None = None,
) -> MaintainersReport:
    """Ownership, bus factor, drift and the ready list for the mined repositories (or
    ``repos``), optionally one ``area``; ``months`` is how far back work counts as
    current; ``include_docs=False`` leaves documentation out of the truck factor, as
    Avelino et al. may. ``base`` is the ranking base of the same repositories when one is
    at hand (the app's cached one), so nothing is loaded twice."""
    settings = settings or Settings()
    # The ranking base when one is at hand or kept (after a ranking); else only what the
    # report reads of one.
    base = base if base is not None else kept_base(engine, settings, repos)
    if base is not None:
        changes, acts, components, next_up = base.changes, base.acts, base.components, base.next_up
        people = load_people(engine)
    else:
        changes, acts, components, next_up, people = _work(engine, settings, repos)
    names = people.set_index("person_id")["name"]
    logins = people.set_index("person_id")["login"]

    head = load_head_files(engine, repos=repos)
    paths = {f"{r}:{p}" for r, p in zip(head["repo"], head["path"], strict=True)} or None
    left = left_out_of(engine, changes, paths, include_docs=include_docs)
    # Generated, vendored and bulk-added files have no author to lose, nor an owner;
    # documentation left out of the truck factor still has its owners.
    authored = changes[~changes["path"].isin(set(left["path"]))]
    changes = changes[
        ~changes["path"].isin(set(left.loc[left["reason"] != "documentation", "path"]))
    ]

    named = load_named_owners(engine, repos=repos).rename(columns={"owner": "login"})
    matched = owner_matches(
        named.rename(columns={"login": "owner"}),
        people,
        load_identities(engine),
        load_identity_links(engine),
        load_owner_pairings(engine),
    )
    named["person_id"] = matched["person_id"]
    named["evidence"] = matched["evidence"]
    named["name"] = named["person_id"].map(names)
    # An emeritus or alumni role names someone who was named once and is not current.
    named["current"] = named["until"].isna() & ~named["role"].map(is_past_role).astype(bool)

    # An area is a component of the repository (its own folders: busy ones and those
    # its owner files name), the same on every page.
    factors = pd.concat(
        [
            build_factors(authored, by="repo", exclude=None, paths=paths),
            build_factors(authored, by=components, exclude=None, paths=paths),
        ],
        ignore_index=True,
    )
    practice = pd.concat(
        [
            owners_in_practice(changes, acts, by="repo", months=months),
            owners_in_practice(changes, acts, by=components, months=months),
        ],
        ignore_index=True,
    )
    if area is not None:
        factors = factors[factors["key"].isin([area])]
        practice = practice[practice["key"] == area]
    all_paths = paths or set(changes["path"])
    # A people list, or an owner file's line for everything, names owners of the whole
    # repository: their drift is judged on the repository, not area by area.
    everything = named["pattern"].fillna("").isin(WHOLE_REPOSITORY)
    by_area = named_by_area(named[~everything], all_paths, pattern_matcher(named), by=components)
    whole = named[everything].assign(key="*")
    keyed = pd.concat([by_area, whole], ignore_index=True)
    if area is not None:
        keyed = keyed[keyed["key"].isin([area, "*"])]
    drift = drift_report(keyed, practice, months=months)
    # Named for the whole repository is named in each of its areas.
    everywhere = {
        (r, p)
        for r, p, current in zip(whole["repo"], whole["person_id"], whole["current"], strict=True)
        if current and p is not None
    }
    unnamed = drift.unnamed
    keep = [
        (r, p) not in everywhere for r, p in zip(unnamed["repo"], unnamed["person"], strict=True)
    ]
    # One line per person and group (an owner named by several patterns of one area
    # is idle there once).
    idle = drift.idle.drop_duplicates(["repo", "key", "login", "reason"])
    # Matched people first ("no activity ..." sorts before "not matched ...").
    idle = idle.sort_values(["reason", "repo", "key", "login"], kind="stable")
    idle = idle.reset_index(drop=True)
    drift = replace(drift, unnamed=unnamed[keep].reset_index(drop=True), idle=idle)
    ready = ready_for_more(keyed, practice, months=months)
    next_up = next_up if "person" in next_up else pd.DataFrame(columns=NEXT_COLUMNS)
    next_up = next_up[next_up["rank"] <= NEXT_TOP].copy()
    if len(next_up):
        # The ranking base knows who is named where it was built from the store; named
        # people matched here are left out too (a base handed in may predate a match).
        next_up = next_up[~next_up["person"].isin(set(named["person_id"].dropna()))]
        next_up = next_up.assign(rank=next_up.groupby("repo").cumcount() + 1)

    for frame in (practice, ready, drift.unnamed, next_up):
        frame["name"] = frame["person"].map(names)
        frame["login"] = frame["person"].map(logins)
    drift.idle["name"] = drift.idle["person_id"].map(names)
    factors = factors.sort_values(["truck_factor", "files"], ascending=[True, False])
    repo, rel = left["path"].str.split(":", n=1).str[0], left["path"].str.split(":", n=1).str[1]
    left = left.assign(repo=repo, path=rel)[["repo", "path", "reason", "rule"]]
    return MaintainersReport(
        named, practice, factors.reset_index(drop=True), drift, ready, left, components,
        keyed, next_up.reset_index(drop=True),
    )  # fmt: skip


# The tables a maintainers' report reads: the ranking base's, the files at each head and
# what `talent mine git` recorded of them (.gitattributes, in meta).
MAINTAINERS_READS = (*BASE_READS, "head_files", "meta")


def _work(engine: Engine, settings: Settings, repos: Sequence[str] | None):
    """What the report reads of the ranking base of ``repos``, computed alone: acts, file
    changes, components, who is named next, people. None of the features, graph
    measures, skills and personas, which the report never reads (the first report after
    a mine costs less than the first ranking)."""
    from talent.ranking.learning import named_people
    from talent.ranking.rising import next_maintainers

    acts, changes, _bots, people = load_work(engine, settings, repos)
    named = load_named_owners(engine, repos=repos)
    components = build_components(changes, named, exclude=VENDORED)
    matched = named_people(engine, repos, named=named, people=people) if len(named) else None
    named_ids = frozenset(matched["person_id"]) if matched is not None else frozenset()
    next_up = next_maintainers(acts, changes, named_ids, components)
    return changes, acts, components, next_up, people


def cached_maintainers_report(
    engine: Engine, settings: Settings | None = None, **options
) -> MaintainersReport:
    """:func:`maintainers_report` with these ``options`` (``repos``, ``area``, ``months``,
    ``include_docs``), computed once per version of the tables it reads and kept in the
    store for every process (:mod:`talent.store.derived`)."""
    from talent.people.identity import ensure_people
    from talent.store.derived import cached

    settings = settings or Settings()
    ensure_people(engine, settings)

    def compute() -> dict[str, pd.DataFrame]:
        report = maintainers_report(engine, settings, **options)
        frames = {f.name: getattr(report, f.name) for f in fields(report) if f.name != "drift"}
        drift = {f"drift.{f.name}": getattr(report.drift, f.name) for f in fields(report.drift)}
        return {**frames, **drift}

    args = derived_args(settings, **options)
    frames = cached(engine, "maintainers", args, MAINTAINERS_READS, compute)
    drift = Drift(**{k.removeprefix("drift."): v for k, v in frames.items() if "." in k})
    return MaintainersReport(drift=drift, **{k: v for k, v in frames.items() if "." not in k})


# How many owners in practice each area lists, most of the files first.
AREA_TOP = 5


def area_owners(report: MaintainersReport, top: int = AREA_TOP) -> pd.DataFrame:
    """Per area, who the owner files name there and who owns it in practice, side by side.

    Parameters
    ----------
    report : MaintainersReport
        From :func:`maintainers_report`.
    top : int
        Owners in practice listed per area (by their share of its files, then of its
        reviews and merges), besides the named ones who own it in practice too.

    Returns
    -------
    DataFrame
        One row per (``repo``, ``area``) of the report's owners in practice: ``source``
        (what makes it a component: "activity", "OWNERS", "CODEOWNERS"; "" for the root),
        ``files``, ``in_practice`` (names, a named one marked "(named)"),
        ``in_practice_ids`` (a tuple), ``named`` (who the owner files in force name
        there: matched people's names, "(no work here)" after those with no commit,
        review or merge there, unmatched logins and teams as written),
        ``named_ids`` (matched people, a tuple) and ``named_not_active`` (named people
        among ``named_ids`` with no work there at all).
    """
    columns = ["repo", "area", "source", "files", "in_practice", "in_practice_ids", "named",
               "named_ids", "named_not_active"]  # fmt: skip
    practice = report.owners[report.owners["key"] != "*"]
    if practice.empty:
        return pd.DataFrame(columns=columns)
    keyed = report.keyed_named
    keyed = _still_in_force(keyed[keyed["key"] != "*"]) if not keyed.empty else keyed
    comps = report.components
    source = {
        (r, c): s
        for r, c, s in zip(comps["repo"], comps["component"], comps["source"], strict=True)
    }
    named_of = {k: g for k, g in keyed.groupby(["repo", "key"])} if not keyed.empty else {}
    rows = []
    for (repo, key), group in practice.groupby(["repo", "key"], sort=True):
        named = named_of.get((repo, key), keyed.iloc[:0])
        ids = tuple(dict.fromkeys(p for p in named["person_id"] if isinstance(p, str)))
        active = set(group["person"])
        # An owner named by e-mail address is never shown by it; a matched person with no
        # work there says so.
        written = [
            (str(n) if isinstance(n, str) else "(e-mail)" if kind == "email" else str(login))
            + (" (no work here)" if isinstance(p, str) and p not in active else "")
            for n, login, kind, p in zip(
                named["name"], named["login"], named["kind"], named["person_id"], strict=True
            )
        ]
        # The top owners, and every named one who owns it in practice too, however far
        # down: the page says where the owner files and the work agree.
        owners = group[group["is_owner"].astype(bool)]
        owners = owners[(np.arange(len(owners)) < top) | owners["person"].isin(ids)]
        shown = [
            f"{n if isinstance(n, str) else p}{' (named)' if p in ids else ''}"
            for n, p in zip(owners["name"], owners["person"], strict=True)
        ]
        rows.append({
            "repo": repo, "area": key, "source": source.get((repo, key), ""),
            "files": int(group["files"].max()), "in_practice": ", ".join(shown),
            "in_practice_ids": tuple(owners["person"]),
            "named": ", ".join(dict.fromkeys(written)), "named_ids": ids,
            "named_not_active": tuple(p for p in ids if p not in active),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _still_in_force(named: pd.DataFrame) -> pd.DataFrame:
    """Named rows still in force: no ``until``, not a past role."""
    return named[named["until"].isna() & ~named["role"].map(is_past_role).astype(bool)]


def left_out_of(
    engine: Engine,
    changes: pd.DataFrame,
    paths: set[str] | None = None,
    *,
    include_docs: bool = True,
) -> pd.DataFrame:
    """The files the bus factor and ownership leave out (:func:`files_left_out`) among
    ``paths`` (the files at the mined heads; those of ``changes`` when None), with the
    repositories' ``.gitattributes`` as mined: ``path`` ("owner/repo:path"), ``reason``,
    ``rule``."""
    if paths is None:
        head = load_head_files(engine)
        paths = {f"{r}:{p}" for r, p in zip(head["repo"], head["path"], strict=True)}
    return files_left_out(
        paths or set(changes["path"]), load_gitattributes(engine), changes,
        include_docs=include_docs,
    )  # fmt: skip


def load_gitattributes(engine: Engine) -> dict[str, dict[str, str]]:
    """``{repo: {".gitattributes" path: text}}`` as `talent mine git` read them at each
    repository's head (nothing for stores mined before it read them)."""
    return {
        key.removeprefix(GITATTRIBUTES_META): json.loads(value)
        for key, value in meta_items(engine, GITATTRIBUTES_META).items()
    }
