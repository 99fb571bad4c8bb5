"""Who maintains what: ownership by degree of authorship (DOA), truck and absence
factors, what a departure would orphan, owners in practice and their drift from the owners
that owner files name, and who looks ready for more responsibility.

Degree of authorship and file ownership, and the files authorship leaves out, are
:mod:`talent.ranking.authorship`'s (the ranking uses them too).

Paths are those of :func:`talent.ranking.features.commit_changes`, ``"owner/repo:path/in/repo"``;
a path without ``":"`` belongs to the repository ``""``. Everything here is a pure function
of frames: the owner-file parsers, the store and the CLI stay outside.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

from talent.model import ActivityKind as K
from talent.model import is_past_role
from talent.ranking.authorship import (
    BULK_FILES,
    LEFT_OUT_RULES,
    VENDORED,
    build_authorship,
    bulk_additions,
)
from talent.ranking.components import component_of
from talent.ranking.skills import DEFAULT_AREA_RULES, area_of

TRUCK_COVERAGE = 0.5

ABSENCE_SHARE = 0.5
RECENT_MONTHS = 12

# Documentation, which the paper's filters may also leave out: the one "docs" area rule.
DOCS: tuple[str, ...] = (dict(DEFAULT_AREA_RULES)["docs"],)

# Acts that oversee someone else's work, as (what it is, what it names). Reviews and
# merges on GitHub name a pull request, reached through the pull request number its
# commits carry; git's review trailers and applied patches name the commit itself.
# Sign-offs are left out: they certify origin (the DCO), not review.
OVERSIGHT: dict[str, tuple[str, str]] = {
    K.REVIEW: ("review", "pr"),
    K.REVIEW_COMMENT: ("review", "pr"),
    K.PR_MERGED_BY: ("merge", "pr"),
    K.MERGE_COMMIT: ("merge", "pr"),
    K.REVIEWED_BY: ("review", "commit"),
    K.ACKED_BY: ("review", "commit"),
    K.COMMITTED_FOR_OTHER: ("merge", "commit"),
}


# --- paths and groups -------------------------------------------------------------------


def _split(paths: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Repository and path inside it of each ``"owner/repo:path"``."""
    parts = paths.astype(str).str.split(":", n=1, expand=True)
    if parts.shape[1] == 1:
        return pd.Series("", index=paths.index), parts[0]
    has_repo = parts[1].notna()
    return parts[0].where(has_repo, ""), parts[1].where(has_repo, parts[0])


def _excluded(paths: pd.Series, exclude: Sequence[str] | None) -> pd.Series:
    """Whether each path matches one of the ``exclude`` expressions (on the lower-cased
    path inside its repository)."""
    if not exclude or paths.empty:
        return pd.Series(False, index=paths.index)
    rx = re.compile("|".join(f"(?:{p})" for p in exclude))
    unique = pd.Series(pd.unique(paths.astype(str)))
    _, rel = _split(unique)
    hit = dict(zip(unique, (bool(rx.search(p.lower())) for p in rel), strict=True))
    return paths.astype(str).map(hit).astype(bool)


# --- what the truck factor leaves out ------------------------------------------------

# The Linguist attribute that overrides each reason, both ways: ``linguist-generated``
# marks a file generated, ``-linguist-generated`` (or ``=false``) keeps a file a path rule
# would leave out. ``linguist-detectable`` is Linguist's way to count a data file.
LINGUIST_ATTRIBUTES: dict[str, str] = {
    "vendored": "linguist-vendored",
    "generated": "linguist-generated",
    "lock file": "linguist-generated",
    "data": "linguist-detectable",
    "documentation": "linguist-documentation",
}
_LEAVES_OUT = {"linguist-vendored": "vendored", "linguist-generated": "generated",
               "linguist-documentation": "documentation"}  # fmt: skip


def _glob_regex(pattern: str, base: str) -> re.Pattern[str]:
    """A ``.gitattributes`` pattern of the file in directory ``base`` as a regular
    expression on the path inside the repository: without a slash it matches the file's
    name at any depth under ``base``, with one it is anchored at ``base``; ``*`` and ``?``
    stay inside a directory, ``**`` crosses them. A pattern that names a directory does
    not reach the files inside it (git's rule)."""
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    prefix = re.escape(base + "/") if base else ""
    body = "".join(out)
    return re.compile(prefix + (body if anchored else f"(?:.*/)?{body}") + "$")


def parse_gitattributes(text: str, base: str = "") -> list[tuple[re.Pattern[str], str, dict]]:
    """The Linguist attributes a ``.gitattributes`` file (in directory ``base`` of the
    repository) sets: ``(regex, line, {attribute: True/False/None})`` per line that sets
    one, in file order. ``attr`` and ``attr=true`` set True, ``-attr`` and ``attr=false``
    False, ``!attr`` None (back to the rules). Macro lines (``[attr]``) and comments are
    skipped.

    >>> rules = parse_gitattributes("proto/** linguist-generated\\n*.lock -linguist-generated",
    ...                             "api")
    >>> [attrs for _, _, attrs in rules]
    [{'linguist-generated': True}, {'linguist-generated': False}]
    >>> proto, lock = (rx for rx, _, _ in rules)
    >>> bool(proto.match("api/proto/a/b.go")), bool(proto.match("proto/a.go"))
    (True, False)
    >>> bool(lock.match("api/x/y.lock")), bool(lock.match("y.lock"))
    (True, False)
    """
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "[attr]")) or line.startswith('"'):
            continue
        pattern, *attrs = line.split()
        found: dict[str, bool | None] = {}
        for attr in attrs:
            name, _, value = attr.partition("=")
            state: bool | None = value.lower() not in ("false", "0") if value else True
            if name[:1] in "-!":
                state = False if name[0] == "-" else None
                name = name[1:]
            if name.startswith("linguist-") and name in set(LINGUIST_ATTRIBUTES.values()):
                found[name] = state
        if found:
            rules.append((_glob_regex(pattern, base), line, found))
    return rules


def _attributes(rel: str, rules: Sequence[tuple[re.Pattern[str], str, dict]]) -> dict:
    """``{attribute: (state, line)}`` for path ``rel``: the last matching line wins."""
    out: dict[str, tuple[bool | None, str]] = {}
    for rx, line, attrs in rules:
        if rx.match(rel):
            out.update({name: (state, line) for name, state in attrs.items()})
    return out


def files_left_out(
    paths: Collection[str],
    gitattributes: Mapping[str, Mapping[str, str]] | None = None,
    changes: pd.DataFrame | None = None,
    *,
    include_docs: bool = True,
    rules: Sequence[tuple[str, str]] = LEFT_OUT_RULES,
    min_files: int = BULK_FILES,
) -> pd.DataFrame:
    """The files the truck factor leaves out, each with its reason and the rule.

    Parameters
    ----------
    paths : collection of str
        ``"owner/repo:path"`` (the files at the mined head).
    gitattributes : mapping, optional
        ``{repo: {".gitattributes" path: text}}`` as the repository states them at its
        head; their ``linguist-generated``, ``linguist-vendored``,
        ``linguist-documentation`` and ``linguist-detectable`` attributes (set or unset)
        override the path ``rules``; a deeper file's lines win over a shallower one's.
    changes : DataFrame, optional
        The file changes (:func:`bulk_additions` finds what commits added in bulk).
    include_docs : bool
        False leaves documentation out too (:data:`DOCS`).
    rules : sequence of (reason, pattern)
        :data:`LEFT_OUT_RULES`.
    min_files : int
        See :func:`bulk_additions`.

    Returns
    -------
    DataFrame
        ``path``, ``reason`` (vendored, generated, lock file, data, documentation, bulk
        addition) and ``rule`` (the ``.gitattributes`` line, "path rule", or the commit),
        sorted by path.

    Examples
    --------
    >>> attrs = {"r": {".gitattributes": "gen/** linguist-generated\\n"
    ...                                  "vendor/ours/** -linguist-vendored"}}
    >>> files_left_out(["r:gen/x.py", "r:vendor/a.c", "r:vendor/ours/b.c", "r:go.sum",
    ...                 "r:main.py"], attrs)
               path     reason                                       rule
    0    r:gen/x.py  generated  .gitattributes: gen/** linguist-generated
    1      r:go.sum  lock file                                  path rule
    2  r:vendor/a.c   vendored                                  path rule
    """
    columns = ["path", "reason", "rule"]
    unique = pd.Series(sorted(set(map(str, paths))), dtype=object)
    if unique.empty:
        return pd.DataFrame(columns=columns)
    all_rules = [*rules, *(() if include_docs else (("documentation", DOCS[0]),))]
    compiled = [(reason, re.compile(rx)) for reason, rx in all_rules]
    parsed: dict[str, list] = {}
    for repo, files in (gitattributes or {}).items():
        # Shallow files first, so a deeper file's lines come later and win.
        ordered = sorted(files.items(), key=lambda kv: (kv[0].count("/"), kv[0]))
        parsed[repo] = [
            rule
            for source, text in ordered
            for rule in [
                (rx, f"{source}: {line}", attrs)
                for rx, line, attrs in parse_gitattributes(text, posixpath.dirname(source))
            ]
        ]
    repos, rels = _split(unique)
    rows = []
    for path, repo, rel in zip(unique, repos, rels, strict=True):
        attrs = _attributes(rel, parsed.get(repo, ()))
        # Documentation a .gitattributes marks is left out only where docs are.
        marked = [
            (_LEAVES_OUT[a], line)
            for a, (state, line) in attrs.items()
            if a in _LEAVES_OUT and state and not (include_docs and a.endswith("tion"))
        ]
        found = marked[0] if marked else None
        if found is None:
            lower = rel.lower()
            for reason, rx in compiled:
                state, _ = attrs.get(LINGUIST_ATTRIBUTES[reason], (None, ""))
                kept = state is True if reason == "data" else state is False
                if not kept and rx.search(lower):
                    found = (reason, "path rule")
                    break
        if found is not None:
            rows.append((path, *found))
    out = pd.DataFrame(rows, columns=columns)
    if changes is not None and not changes.empty:
        bulk = bulk_additions(changes[changes["path"].isin(set(unique))], min_files)
        bulk = bulk[~bulk["path"].isin(set(out["path"]))]
        rule = [f"commit {c.split('@')[-1][:12]} added {n} files" for c, n in
                zip(bulk["commit"], bulk["added"], strict=True)]  # fmt: skip
        out = pd.concat([out, pd.DataFrame({"path": bulk["path"], "reason": "bulk addition",
                                            "rule": rule})], ignore_index=True)  # fmt: skip
    return out.sort_values("path", ignore_index=True)


# A name ("repo", "area", ...), a callable (repo, path) -> key, or the repositories'
# components (:func:`talent.ranking.components.build_components`): each file's component.
Grouping: TypeAlias = str | Callable[[str, str], str | None] | pd.DataFrame


def _group_keys(paths: pd.Series, by: Grouping, rules: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``repo`` and ``key`` of each distinct path, indexed by path; paths a callable
    ``by`` gives no key are left out."""
    unique = pd.Series(pd.unique(paths.astype(str)))
    repo, rel = _split(unique)
    if isinstance(by, pd.DataFrame):
        key = component_of(unique, by)
    elif by == "repo":
        key = pd.Series("*", index=unique.index)
    elif by == "file":
        key = rel
    elif by == "directory":
        key = rel.map(lambda p: posixpath.dirname(p) or ".")
    elif by == "area":
        key = rel.map(lambda p: area_of(p, rules) or "other")
    elif callable(by):
        key = pd.Series([by(r, p) for r, p in zip(repo, rel, strict=True)], index=unique.index)
    else:
        raise ValueError(f"by must be 'repo', 'file', 'directory', 'area' or a callable: {by!r}")
    out = pd.DataFrame({"repo": repo.values, "key": key.values}, index=unique.values)
    return out[out["key"].notna()]


# --- truck and absence factors ----------------------------------------------------------


def _truck_people(authorship: pd.DataFrame, coverage: float) -> list[str]:
    """The authors the greedy truck factor removes, in order."""
    n_files = authorship["path"].nunique()
    if not n_files:
        return []
    owners = authorship.loc[authorship["is_author"].astype(bool), ["path", "person"]]
    by_person = owners.groupby("person")["path"].agg(set).to_dict()
    authors_of = owners.groupby("path").size().to_dict()
    covered = len(authors_of)
    # The author of the most files first, ties by name: the same order every run.
    order = sorted(by_person, key=lambda p: (-len(by_person[p]), str(p)))
    removed: list[str] = []
    for person in order:
        if covered / n_files < coverage:
            break
        removed.append(person)
        for path in by_person[person]:
            authors_of[path] -= 1
            covered -= authors_of[path] == 0
    return removed


def truck_factor(
    authorship: pd.DataFrame,
    coverage: float = TRUCK_COVERAGE,
    exclude: Sequence[str] | None = None,
) -> int:
    """The greedy truck factor: how many top authors must leave before fewer than
    ``coverage`` of the files still have an author.

    Parameters
    ----------
    authorship : DataFrame
        From :func:`build_authorship`: ``path``, ``person``, ``is_author``.
    coverage : float
        The share of files that must keep an author (the paper's 0.5).
    exclude : sequence of str, optional
        Regular expressions on the lower-cased path inside the repository; matching files
        are left out. :data:`VENDORED` is the paper's filter of vendored and generated
        files; add :data:`DOCS` to leave out documentation too. None keeps every file.

    Returns
    -------
    int
        The number of authors removed, most files first, until coverage falls below
        ``coverage``; 0 without files.

    Examples
    --------
    >>> import pandas as pd
    >>> authorship = pd.DataFrame({"path": ["f1", "f2", "f3", "f4"],
    ...     "person": ["a", "a", "a", "b"], "is_author": [True] * 4})
    >>> truck_factor(authorship)
    1

    a, b and c author two files each, and a copied in a library of six: with it, a
    alone authors 8 of 12 files; without it, two of the three must leave.

    >>> paths = ["a1", "a2", "b1", "b2", "c1", "c2"] + [f"vendor/lib/{i}.c" for i in range(6)]
    >>> authorship = pd.DataFrame({"path": paths, "person": list("aabbcc") + ["a"] * 6,
    ...     "is_author": True})
    >>> truck_factor(authorship), truck_factor(authorship, exclude=VENDORED)
    (1, 2)

    References
    ----------
    .. [1] G. Avelino, L. Passos, A. Hora and M. T. Valente, "A novel approach for
       estimating truck factors", ICPC 2016 (aserg-ufmg/Truck-Factor,
       GreedyTruckFactor).
    """
    if exclude:
        authorship = authorship[~_excluded(authorship["path"], exclude)]
    return len(_truck_people(authorship, coverage))


def _absence_people(acts: pd.DataFrame, share: float, weight: str | None) -> list[str]:
    """The fewest people whose acts make ``share`` of the total, most active first."""
    if acts.empty:
        return []
    counts = acts.groupby("person")[weight].sum() if weight else acts.groupby("person").size()
    counts = counts[counts > 0]
    if counts.empty:
        return []
    # Most active first, ties by name: the same people every run.
    ordered = counts.sort_index().sort_values(ascending=False, kind="stable")
    reached = ordered.cumsum().to_numpy() >= share * ordered.sum() - 1e-9
    return [str(p) for p in ordered.index[: int(np.argmax(reached)) + 1]]


def absence_factor(
    acts: pd.DataFrame, share: float = ABSENCE_SHARE, weight: str | None = None
) -> int:
    """The CHAOSS contributor absence factor: the fewest people who make ``share`` of
    the activity.

    Parameters
    ----------
    acts : DataFrame
        One row per act (commits, or any acts) with ``person``.
    share : float
        The share of all activity the people must make together (CHAOSS: 0.5).
    weight : str, optional
        A column to sum instead of counting rows (lines changed, weighted acts).

    Returns
    -------
    int
        The number of most active people whose acts reach ``share`` of the total;
        0 without acts.

    Examples
    --------
    Ada makes 5 of 10 commits, which is half on its own; 6 of 10 split 4-3-3 takes two.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"person": list("aaaaabbbcd")})
    >>> absence_factor(acts)
    1
    >>> absence_factor(pd.DataFrame({"person": list("aaaabbbccc")}), share=0.6)
    2

    References
    ----------
    .. [1] CHAOSS, "Contributor Absence Factor" (formerly Bus Factor),
       https://chaoss.community/kb/metric-contributor-absence-factor/
    """
    return len(_absence_people(acts, share, weight))


def build_factors(
    changes: pd.DataFrame,
    by: Grouping = "repo",
    exclude: Sequence[str] | None = VENDORED,
    rules: Sequence[tuple[str, str]] = DEFAULT_AREA_RULES,
    paths: Collection[str] | None = None,
    coverage: float = TRUCK_COVERAGE,
    share: float = ABSENCE_SHARE,
    left_out: Collection[str] | None = None,
) -> pd.DataFrame:
    """Truck factor and contributor absence factor per repository, area, directory,
    file or pattern.

    Parameters
    ----------
    changes : DataFrame
        From :func:`talent.ranking.features.commit_changes`: ``path``, ``person``,
        ``occurred_at`` and, when known, ``commit``.
    by : {"repo", "area", "directory", "file"}, callable or DataFrame
        How paths group; a callable takes ``(repo, path_in_repo)`` and returns the
        group's name or None (leave the file out), e.g. the owner-file pattern that
        governs the path; a DataFrame of components
        (:func:`talent.ranking.components.build_components`) groups by component.
    exclude : sequence of str, optional
        Files to leave out (see :func:`truck_factor`); :data:`VENDORED` by default.
    rules : sequence of (area, pattern)
        Area rules for ``by="area"`` (:func:`talent.ranking.skills.area_of`); files outside every
        area fall in ``"other"``.
    paths : collection of str, optional
        Count only these files (e.g. those at the head commit, as the paper does);
        authorship is still computed from the whole history.
    coverage, share : float
        As in :func:`truck_factor` and :func:`absence_factor`.
    left_out : collection of str, optional
        Files to leave out besides ``exclude`` (:func:`files_left_out`: Linguist's rules
        as the repository's ``.gitattributes`` amend them, and bulk additions).

    Returns
    -------
    DataFrame
        One row per group: ``repo``, ``key`` (``"*"`` for a whole repository),
        ``files``, ``authors``, ``truck_factor``, ``truck_people`` (the authors removed,
        a tuple), ``commits``, ``people``, ``absence_factor``, ``absence_people``.
        Commits are distinct commits touching the group (file changes when ``changes``
        has no ``commit`` column).

    Examples
    --------
    Ada authors both files of the core, so one departure leaves it without an author;
    Bob and Cy author one page of the docs each, so both must leave.

    >>> import pandas as pd
    >>> changes = pd.DataFrame({"path": ["r:core.py", "r:io.py", "r:docs/a.md", "r:docs/b.md"],
    ...     "person": ["ada", "ada", "bob", "cy"],
    ...     "occurred_at": pd.to_datetime(["2024-01-01"] * 4)})
    >>> build_factors(changes, by="area")[["key", "files", "truck_factor", "absence_factor"]]
         key  files  truck_factor  absence_factor
    0   docs      2             2               1
    1  other      2             1               1
    >>> whole = build_factors(changes).iloc[0]
    >>> whole["key"], int(whole["truck_factor"]), whole["truck_people"]
    ('*', 2, ('ada', 'bob'))
    """
    columns = ["repo", "key", "files", "authors", "truck_factor", "truck_people",
               "commits", "people", "absence_factor", "absence_people"]  # fmt: skip
    changes = changes[~_excluded(changes["path"], exclude)]
    if left_out:
        changes = changes[~changes["path"].isin(set(left_out))]
    if changes.empty:
        return pd.DataFrame(columns=columns)
    # Counted as the authors' tool counts it: the creation is FA only.
    authorship = build_authorship(changes, creation_is_change=False)
    if paths is not None:
        authorship = authorship[authorship["path"].isin(set(paths))]
    keys = _group_keys(changes["path"], by, rules)
    authorship = authorship.join(keys, on="path", how="inner")
    unit = "commit" if "commit" in changes.columns else None
    touched = changes.join(keys, on="path", how="inner")
    if unit:
        touched = touched.drop_duplicates(["repo", "key", unit, "person"])
    rows = []
    acts_by_group = dict(iter(touched.groupby(["repo", "key"], sort=True)))
    for (repo, key), group in authorship.groupby(["repo", "key"], sort=True):
        removed = _truck_people(group, coverage)
        acts = acts_by_group.get((repo, key), touched.iloc[:0])
        absent = _absence_people(acts, share, None)
        rows.append({
            "repo": repo, "key": key, "files": int(group["path"].nunique()),
            "authors": int(group.loc[group["is_author"].astype(bool), "person"].nunique()),
            "truck_factor": len(removed), "truck_people": tuple(removed),
            "commits": int(acts[unit].nunique() if unit else len(acts)),
            "people": int(acts["person"].nunique()), "absence_factor": len(absent),
            "absence_people": tuple(absent),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# --- departures -------------------------------------------------------------------------


def orphaned_if_left(
    authorship: pd.DataFrame,
    person: str,
    rules: Sequence[tuple[str, str]] = DEFAULT_AREA_RULES,
    by: Grouping = "area",
) -> pd.DataFrame:
    """The files that would have no author if ``person`` left.

    Parameters
    ----------
    authorship : DataFrame
        From :func:`build_authorship`.
    person : str
        The person who leaves.
    rules : sequence of (area, pattern)
        Area rules (:func:`talent.ranking.skills.area_of`); files outside every area are
        ``"other"``.
    by : "area" or DataFrame
        What an area is: the rules' areas, or the repositories' components
        (:func:`talent.ranking.components.build_components`).

    Returns
    -------
    DataFrame
        One row per file ``person`` is the only author of: ``path``, ``repo``,
        ``area``, ``doa`` (theirs), ``successor`` and ``successor_doa`` (whoever else
        has the highest degree of authorship there, None if nobody else touched it),
        and ``area_orphaned``: True when no file of that repository's area would keep
        an author. Authorship is not recomputed after the departure, as in the truck
        factor.

    Examples
    --------
    Ada alone authors ``a.py`` (Bob touched it once) and shares nothing else; the
    docs stay Cy's.

    >>> import pandas as pd
    >>> authorship = pd.DataFrame({"path": ["r:a.py", "r:a.py", "r:docs/x.md"],
    ...     "person": ["ada", "bob", "cy"], "doa": [4.6, 3.0, 4.5],
    ...     "is_author": [True, False, True]})
    >>> orphaned_if_left(authorship, "ada")[["path", "area", "successor", "area_orphaned"]]
         path   area successor  area_orphaned
    0  r:a.py  other       bob           True
    """
    columns = ["path", "repo", "area", "doa", "successor", "successor_doa", "area_orphaned"]
    is_author = authorship["is_author"].astype(bool)
    authors = authorship[is_author]
    counts = authors.groupby("path").size()
    mine = authors[authors["person"] == person]
    lone = mine[mine["path"].map(counts) == 1]
    if lone.empty:
        return pd.DataFrame(columns=columns)
    keys = _group_keys(authorship["path"], by, rules)
    others = authorship[(authorship["person"] != person) & authorship["path"].isin(lone["path"])]
    best = others.sort_values(["doa", "person"], ascending=[False, True]).drop_duplicates("path")
    best = best.set_index("path")
    out = pd.DataFrame({"path": lone["path"].to_numpy(), "doa": lone["doa"].to_numpy()})
    out["repo"] = out["path"].map(keys["repo"])
    out["area"] = out["path"].map(keys["key"])
    out["successor"] = out["path"].map(best["person"]).astype(object)
    out["successor"] = out["successor"].where(out["successor"].notna(), None)
    out["successor_doa"] = out["path"].map(best["doa"])
    kept = authors[authors["person"] != person].join(keys, on="path")
    still = set(zip(kept["repo"], kept["key"], strict=True))
    out["area_orphaned"] = [
        (r, a) not in still for r, a in zip(out["repo"], out["area"], strict=True)
    ]
    return out[columns].sort_values("path", ignore_index=True)


# --- owners in practice -----------------------------------------------------------------


def _oversight(changes: pd.DataFrame, acts: pd.DataFrame | None) -> pd.DataFrame:
    """Reviews and merges of others' work, one row per (act's person, item, path):
    ``person``, ``role`` ("review" or "merge"), ``item``, ``path``, ``occurred_at``."""
    columns = ["person", "role", "item", "path", "occurred_at"]
    if acts is None or acts.empty or "commit" not in changes.columns:
        return pd.DataFrame(columns=columns)
    kinds = acts["kind"].astype(str)
    over = acts[kinds.isin([str(k) for k in OVERSIGHT])].copy()
    if over.empty:
        return pd.DataFrame(columns=columns)
    over["role"] = over["kind"].astype(str).map(lambda k: OVERSIGHT[K(k)][0])
    names = over["kind"].astype(str).map(lambda k: OVERSIGHT[K(k)][1])
    files = changes[["commit", "path", "person"]].rename(columns={"person": "author"})
    linked = []
    by_commit = over[names == "commit"]
    if not by_commit.empty:
        by_commit = by_commit.assign(commit=by_commit["repo"] + "@" + by_commit["item"].astype(str))
        linked.append(by_commit.assign(ref=by_commit["commit"]).merge(files, on="commit"))
    by_pr = over[(names == "pr")]
    if not by_pr.empty and "pr_number" in acts.columns:
        by_pr = by_pr[by_pr["pr_number"].notna()]
        commits = acts[(kinds == str(K.COMMIT)) & acts["pr_number"].notna()]
        pr_commits = pd.DataFrame({
            "repo": commits["repo"], "pr_number": commits["pr_number"].astype("int64"),
            "commit": commits["repo"] + "@" + commits["item"].astype(str),
        })  # fmt: skip
        by_pr = by_pr.assign(
            pr_number=by_pr["pr_number"].astype("int64"),
            ref=by_pr["repo"] + "#" + by_pr["pr_number"].astype("int64").astype(str),
        )
        linked.append(by_pr.merge(pr_commits, on=["repo", "pr_number"]).merge(files, on="commit"))
    if not linked:
        return pd.DataFrame(columns=columns)
    out = pd.concat(linked, ignore_index=True)
    out = out[out["author"] != out["person"]]  # overseeing one's own work is not oversight
    out = out.drop(columns="item").rename(columns={"ref": "item"})[columns]
    return out.drop_duplicates(["person", "role", "item", "path"], ignore_index=True)


def owners_in_practice(
    changes: pd.DataFrame,
    acts: pd.DataFrame | None = None,
    by: Grouping = "area",
    rules: Sequence[tuple[str, str]] = DEFAULT_AREA_RULES,
    exclude: Sequence[str] | None = VENDORED,
    months: int = RECENT_MONTHS,
    as_of: pd.Timestamp | None = None,
    min_reviews: int = 2,
) -> pd.DataFrame:
    """Who owns each area, directory, file or pattern by the work they do there.

    A person owns a group in practice when they author at least one of its files
    (degree of authorship) or reviewed or merged others' work touching it at least
    ``min_reviews`` times. Reviews and merges reach files through what they name: a
    GitHub review, review comment or merge names a pull request, whose commits carry
    its number (``pr_number``, from "(#123)" or "Merge pull request #123" in their
    subjects); a git ``Reviewed-by`` / ``Acked-by`` trailer or an applied patch names
    its commit. Pull requests whose commits are not in the data (squashed under another
    subject, unmined) give no files, and without ``acts`` ownership is authorship alone.

    Parameters
    ----------
    changes : DataFrame
        From :func:`talent.ranking.features.commit_changes`: ``path``, ``person``,
        ``occurred_at``, ``commit``.
    acts : DataFrame, optional
        Acts with people (:func:`talent.ranking.features.attach_people`): ``person``, ``kind``,
        ``repo``, ``item``, ``pr_number``, ``occurred_at``.
    by : {"area", "directory", "file", "repo"}, callable or DataFrame
        The groups (see :func:`build_factors`); a callable ``(repo, path) -> pattern``
        gives owners per owner-file pattern, a DataFrame of components
        (:func:`talent.ranking.components.build_components`) owners per component.
    rules, exclude
        As in :func:`build_factors`.
    months : int
        The recent window for the ``recent_*`` columns.
    as_of : Timestamp, optional
        The end of the window; the latest change or act by default.
    min_reviews : int
        Reviews and merges that make a non-author an owner.

    Returns
    -------
    DataFrame
        One row per (``repo``, ``key``, ``person``) with any work in the group:
        ``files`` (in the group), ``authored_files``, ``share`` (the person's part of
        the group's files, each authored file split between its authors), ``commits``,
        ``reviews``, ``merges`` (distinct items), ``review_share`` (of the group's
        reviews and merges), ``files_touched``, ``recent_commits``, ``recent_reviews``
        (reviews and merges), ``recent_files``, ``first_active``, ``last_active``,
        ``tenure_days`` (first to last act there) and ``is_owner``. Owners first, by
        share.

    Examples
    --------
    Ada wrote the serving code; Bob reviewed her pull request #7 twice over.

    >>> import pandas as pd
    >>> changes = pd.DataFrame({"path": ["o/r:serve/a.py", "o/r:serve/b.py"],
    ...     "person": ["ada", "ada"], "commit": ["o/r@c1", "o/r@c1"],
    ...     "occurred_at": pd.to_datetime(["2024-01-01"] * 2)})
    >>> acts = pd.DataFrame({"person": ["ada", "bob", "bob"],
    ...     "kind": ["commit", "review", "pr_merged_by"], "repo": "o/r",
    ...     "item": ["c1", "o/r#7", "o/r#7"], "pr_number": [7, 7, 7],
    ...     "occurred_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])})
    >>> owners = owners_in_practice(changes, acts)
    >>> owners.loc[0, "key"]
    'inference and serving'
    >>> owners[["person", "authored_files", "share", "reviews", "merges", "is_owner"]]
      person  authored_files  share  reviews  merges  is_owner
    0    ada               2    1.0        0       0      True
    1    bob               0    0.0        1       1      True
    """
    columns = ["repo", "key", "person", "files", "authored_files", "share", "commits",
               "reviews", "merges", "review_share", "files_touched", "recent_commits",
               "recent_reviews", "recent_files", "first_active", "last_active",
               "tenure_days", "is_owner"]  # fmt: skip
    changes = changes[~_excluded(changes["path"], exclude)]
    if changes.empty:
        return pd.DataFrame(columns=columns)
    if "commit" not in changes.columns:
        changes = changes.assign(commit=pd.RangeIndex(len(changes)).astype(str))
    oversight = _oversight(changes, acts)
    oversight["occurred_at"] = oversight["occurred_at"].astype(changes["occurred_at"].dtype)
    if as_of is None:
        times = [changes["occurred_at"].max()]
        if acts is not None and not acts.empty:
            times.append(acts["occurred_at"].max())
        as_of = max(times)
    since = as_of - pd.DateOffset(months=months)
    keys = _group_keys(changes["path"], by, rules)
    group = ["repo", "key", "person"]

    authorship = build_authorship(changes).join(keys, on="path", how="inner")
    authored = authorship[authorship["is_author"].astype(bool)].copy()
    authored["part"] = 1.0 / authored.groupby("path")["person"].transform("size")
    files = authorship.groupby(["repo", "key"])["path"].nunique().rename("files")
    owned = authored.groupby(group).agg(authored_files=("path", "size"), part=("part", "sum"))

    # nunique skips NaN: an item blanked out of a column is not counted there.
    work = changes.join(keys, on="path", how="inner")
    recent = work["occurred_at"] >= since
    made = work.assign(recent_commit=work["commit"].where(recent)).groupby(group).agg(
        commits=("commit", "nunique"), recent_commits=("recent_commit", "nunique"),
        first=("occurred_at", "min"), last=("occurred_at", "max"),
    )  # fmt: skip

    seen = oversight.join(keys, on="path", how="inner")
    item = seen["item"]
    done = seen.assign(
        review=item.where(seen["role"] == "review"),
        merge=item.where(seen["role"] == "merge"),
        recent=item.where(seen["occurred_at"] >= since),
    ).groupby(group).agg(
        reviews=("review", "nunique"), merges=("merge", "nunique"),
        recent_reviews=("recent", "nunique"),
        first_seen=("occurred_at", "min"), last_seen=("occurred_at", "max"),
    )  # fmt: skip
    touched = pd.concat(
        [work[[*group, "path", "occurred_at"]], seen[[*group, "path", "occurred_at"]]]
    )
    touched["recent_path"] = touched["path"].where(touched["occurred_at"] >= since)
    breadth = touched.groupby(group).agg(
        files_touched=("path", "nunique"), recent_files=("recent_path", "nunique")
    )

    out = made.join([owned, done, breadth], how="outer")
    counts = ["authored_files", "commits", "reviews", "merges", "recent_commits",
              "recent_reviews", "files_touched", "recent_files"]  # fmt: skip
    out[counts] = out[counts].fillna(0).astype(int)
    out = out.reset_index().join(files, on=["repo", "key"])
    out["files"] = out["files"].fillna(0).astype(int)
    out["share"] = (out["part"].fillna(0.0) / out["files"].where(out["files"] > 0)).fillna(0.0)
    oversaw = out["reviews"] + out["merges"]
    total = oversaw.groupby([out["repo"], out["key"]]).transform("sum")
    out["review_share"] = (oversaw / total.where(total > 0)).fillna(0.0)
    out["first_active"] = out[["first", "first_seen"]].min(axis=1)
    out["last_active"] = out[["last", "last_seen"]].max(axis=1)
    out["tenure_days"] = (out["last_active"] - out["first_active"]).dt.days.astype(int)
    out["is_owner"] = (out["authored_files"] > 0) | (oversaw >= min_reviews)
    out = out.sort_values(
        ["repo", "key", "is_owner", "share", "review_share", "person"],
        ascending=[True, True, False, False, False, True],
    )
    return out[columns].reset_index(drop=True)


# --- named owners against owners in practice ---------------------------------------------


def named_by_area(
    named: pd.DataFrame,
    paths: Collection[str],
    pattern_of: Callable[[str, str], str | None],
    rules: Sequence[tuple[str, str]] = DEFAULT_AREA_RULES,
    by: Grouping = "area",
) -> pd.DataFrame:
    """Named owners per area: each row of ``named`` once for every area among the files
    its pattern governs.

    Parameters
    ----------
    named : DataFrame
        Named owners (``repo``, ``pattern``, ...; see :func:`drift_report`).
    paths : collection of str
        The files, as ``"owner/repo:path"``.
    pattern_of : callable
        ``(repo, path) -> pattern`` the owner file applies to the path (the last match
        in ``CODEOWNERS``), or None.
    rules : sequence of (area, pattern)
        Area rules; files outside every area are ``"other"``.
    by : "area" or DataFrame
        What an area is: the rules' areas, or the repositories' components
        (:func:`talent.ranking.components.build_components`), as in :func:`owners_in_practice`.

    Returns
    -------
    DataFrame
        ``named`` with a ``key`` column holding the area; patterns that govern no file
        keep ``key`` NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> named = pd.DataFrame({"repo": ["o/r"], "login": ["ada"], "pattern": ["/docs/"]})
    >>> pattern_of = lambda repo, path: "/docs/" if path.startswith("docs/") else "*"
    >>> named_by_area(named, ["o/r:docs/a.md", "o/r:x.py"], pattern_of)[["login", "key"]]
      login   key
    0   ada  docs
    """
    keys = _group_keys(pd.Series(list(paths), dtype=object), by, rules)
    _, rel = _split(pd.Series(keys.index, index=keys.index))
    keys["pattern"] = [pattern_of(r, p) for r, p in zip(keys["repo"], rel, strict=True)]
    areas = keys.dropna(subset=["pattern"])[["repo", "pattern", "key"]].drop_duplicates()
    base = named.drop(columns="key", errors="ignore")
    return base.merge(areas, on=["repo", "pattern"], how="left").reset_index(drop=True)


@dataclass(frozen=True)
class Drift:
    """How named owners differ from owners in practice (see :func:`drift_report`).

    Attributes
    ----------
    idle : DataFrame
        Named owners with no authorship, review or merge in their group within the
        window: ``repo``, ``key``, ``login``, ``person_id``, ``role``, ``last_active``
        (NaT if never), ``reason``.
    unnamed : DataFrame
        Owners in practice active within the window whom nobody named there (candidates
        to add): the columns of :func:`owners_in_practice` and ``evidence``.
    unowned : DataFrame
        Groups no owner in practice was active in within the window: ``repo``, ``key``,
        ``files``, ``named`` (logins), ``last_owner_activity``.
    teams : DataFrame
        Named teams with no members to expand them into: the rows of ``named``.
    """

    idle: pd.DataFrame
    unnamed: pd.DataFrame
    unowned: pd.DataFrame
    teams: pd.DataFrame


def _still_named(named: pd.DataFrame) -> pd.DataFrame:
    """Rows still in force, with ``key`` (the pattern, ``"*"`` for the whole repository,
    unless a ``key`` column is there already; rows whose ``key`` is missing are left out).
    A past role (``emeritus_approvers``, "Alumni") names someone who is no longer current:
    never in force."""
    if "until" in named.columns:
        named = named[named["until"].isna()]
    if "role" in named.columns:
        named = named[~named["role"].map(is_past_role).astype(bool)]
    if "key" not in named.columns:
        named = named.assign(key=named["pattern"].fillna("").replace("", "*"))
    return named[named["key"].notna()]  # a pattern that governs no file has no area


def _as_of(practice: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.Timestamp:
    return practice["last_active"].max() if as_of is None else as_of


def drift_report(
    named: pd.DataFrame,
    practice: pd.DataFrame,
    months: int = RECENT_MONTHS,
    as_of: pd.Timestamp | None = None,
) -> Drift:
    """Where the owners an owner file names and the owners in practice part ways.

    Parameters
    ----------
    named : DataFrame
        Who owner files name: ``repo``, ``source``, ``login``, ``person_id`` (null when
        no person matches), ``kind`` ("user", "team" or "email"), ``pattern`` (``""``
        for the whole repository), ``role``, ``since``, ``until`` (NaT while named).
        Rows with an ``until`` are past and ignored. Groups are the patterns (``""``
        read as ``"*"``), or a ``key`` column if present (e.g. areas from
        :func:`named_by_area`). A team is expected as its members' "user" rows; a
        "team" row without a ``person_id`` is one that could not be expanded.
    practice : DataFrame
        From :func:`owners_in_practice`, grouped the same way (``by=`` a pattern
        callable, or ``"area"``; ``"repo"`` matches ``"*"``).
    months : int
        How far back activity counts as current.
    as_of : Timestamp, optional
        The end of the window; the latest activity in ``practice`` by default.

    Returns
    -------
    Drift
        ``idle``, ``unnamed``, ``unowned`` and ``teams`` frames.

    Examples
    --------
    Ada is named for the whole repository but last worked there two years ago; Bob
    authors it now.

    >>> import pandas as pd
    >>> named = pd.DataFrame({"repo": ["o/r"], "source": ["CODEOWNERS"], "login": ["ada"],
    ...     "person_id": ["ada"], "kind": ["user"], "pattern": ["*"], "role": ["owner"],
    ...     "since": [pd.NaT], "until": [pd.NaT]})
    >>> practice = pd.DataFrame({"repo": "o/r", "key": "*", "person": ["bob", "ada"],
    ...     "files": 3, "authored_files": [3, 0], "commits": [9, 2], "reviews": 0,
    ...     "merges": 0, "share": [1.0, 0.0], "is_owner": [True, False],
    ...     "last_active": pd.to_datetime(["2024-06-01", "2022-05-01"])})
    >>> drift = drift_report(named, practice)
    >>> drift.idle[["login", "reason"]]
      login                    reason
    0   ada  no activity in 12 months
    >>> drift.unnamed[["person", "evidence"]].values.tolist()
    [['bob', 'authors 3 of 3 files; 9 commits, 0 reviews, 0 merges; last active 2024-06-01']]
    >>> len(drift.unowned), len(drift.teams)
    (0, 0)
    """
    as_of = _as_of(practice, as_of)
    since = as_of - pd.DateOffset(months=months)
    named = _still_named(named)
    group = ["repo", "key"]
    last = practice.set_index([*group, "person"])["last_active"]

    people = named[named["kind"] != "team"]
    rows = []
    for row in people.itertuples(index=False):
        pid = row.person_id
        seen = last.get((row.repo, row.key, pid), pd.NaT) if pd.notna(pid) else pd.NaT
        if pd.isna(pid):
            reason = "not matched to a person"
        elif pd.isna(seen):
            reason = "no activity where named, ever"
        elif seen < since:
            reason = f"no activity in {months} months"
        else:
            continue
        rows.append({"repo": row.repo, "key": row.key, "login": row.login,
                     "person_id": pid, "role": getattr(row, "role", ""),
                     "last_active": seen, "reason": reason})  # fmt: skip
    idle = pd.DataFrame(
        rows, columns=["repo", "key", "login", "person_id", "role", "last_active", "reason"]
    )

    active = practice[practice["is_owner"].astype(bool) & (practice["last_active"] >= since)]
    named_here = set(zip(people["repo"], people["key"], people["person_id"], strict=True))
    is_named = [
        t in named_here for t in zip(active["repo"], active["key"], active["person"], strict=True)
    ]
    unnamed = active[~np.array(is_named, dtype=bool)].copy()
    unnamed["evidence"] = [
        f"authors {r.authored_files} of {r.files} files; {r.commits} commits, "
        f"{r.reviews} reviews, {r.merges} merges; last active {r.last_active:%Y-%m-%d}"
        for r in unnamed.itertuples(index=False)
    ]
    unnamed = unnamed.reset_index(drop=True)

    files = practice.groupby(group)["files"].max()
    owners_last = practice[practice["is_owner"].astype(bool)].groupby(group)["last_active"].max()
    # A login named twice for an area (approver and reviewer, two files) is said once.
    logins = named.groupby(group)["login"].agg(lambda s: ", ".join(sorted(set(map(str, s)))))
    groups = files.index.union(logins.index)
    unowned = pd.DataFrame(index=groups).assign(
        files=files.reindex(groups).fillna(0).astype(int),
        named=logins.reindex(groups).fillna(""),
        last_owner_activity=owners_last.reindex(groups),
    )
    still_owned = unowned["last_owner_activity"] >= since
    unowned = unowned[~still_owned.fillna(False)].reset_index()

    teams = named[(named["kind"] == "team") & named["person_id"].isna()].reset_index(drop=True)
    return Drift(idle=idle, unnamed=unnamed, unowned=unowned, teams=teams)


# What "looks like a named owner" compares, and how the evidence names it ("recent" is the
# window of :func:`owners_in_practice`).
READY_MEASURES = {
    "recent_commits": "recent commits",
    "recent_reviews": "recent reviews and merges",
    "tenure_days": "days from first to latest work",
    "recent_files": "files worked on recently",
}


def ready_for_more(
    named: pd.DataFrame,
    practice: pd.DataFrame,
    months: int = RECENT_MONTHS,
    as_of: pd.Timestamp | None = None,
    min_above: int = 2,
) -> pd.DataFrame:
    """People named nowhere whose recent work in a group looks like its named owners'.

    A simple rule, to be replaced by a learned one: a person who is not named in any
    owner file, active in a group within the window, beats the median of the group's
    named owners (named owners without work there count as zeros) on at least
    ``min_above`` of :data:`READY_MEASURES`: recent commits, recent reviews and merges,
    tenure and recent breadth. Groups without named owners are skipped: there is
    nobody to compare with.

    Parameters
    ----------
    named : DataFrame
        As in :func:`drift_report`.
    practice : DataFrame
        From :func:`owners_in_practice`, with the same ``months``.
    months : int
        The window the practice frame's ``recent_*`` columns cover, and for activity.
    as_of : Timestamp, optional
        The end of the window; the latest activity in ``practice`` by default.
    min_above : int
        How many measures must beat the named owners' median.

    Returns
    -------
    DataFrame
        ``repo``, ``key``, ``person``, the measures, ``above`` (how many beat the
        median) and ``evidence``; most measures above first.

    Examples
    --------
    Ada is named; Cy, named nowhere, commits and reviews more than her this year.

    >>> import pandas as pd
    >>> named = pd.DataFrame({"repo": ["o/r"], "login": ["ada"], "person_id": ["ada"],
    ...     "kind": ["user"], "pattern": ["*"], "until": [pd.NaT]})
    >>> practice = pd.DataFrame({"repo": "o/r", "key": "*", "person": ["ada", "cy"],
    ...     "recent_commits": [2, 8], "recent_reviews": [1, 4], "tenure_days": [900, 300],
    ...     "recent_files": [5, 4], "last_active": pd.to_datetime(["2024-05-01", "2024-06-01"])})
    >>> ready = ready_for_more(named, practice)
    >>> ready[["person", "above"]].values.tolist()
    [['cy', 2]]
    >>> print(ready.loc[0, "evidence"].replace("; ", ";\\n"))
    8 recent commits (named owners' median 2);
    4 recent reviews and merges (named owners' median 1)
    """
    measures = list(READY_MEASURES)
    columns = ["repo", "key", "person", *measures, "above", "evidence"]
    as_of = _as_of(practice, as_of)
    since = as_of - pd.DateOffset(months=months)
    named = _still_named(named)
    named = named[named["person_id"].notna()]
    everywhere = set(named["person_id"])
    rows = []
    by_group = dict(iter(practice.groupby(["repo", "key"], sort=True)))
    for (repo, key), owners in named.groupby(["repo", "key"], sort=True):
        here = by_group.get((repo, key))
        if here is None:
            continue
        values = here.set_index("person")[measures]
        reference = values.reindex(sorted(set(owners["person_id"]))).fillna(0).median()
        fresh = here[(here["last_active"] >= since) & ~here["person"].isin(everywhere)]
        for row in fresh.itertuples(index=False):
            beats = [m for m in measures if getattr(row, m) > reference[m]]
            if len(beats) < min_above:
                continue
            evidence = "; ".join(
                f"{getattr(row, m)} {READY_MEASURES[m]} (named owners' median {reference[m]:g})"
                for m in beats
            )
            rows.append({"repo": repo, "key": key, "person": row.person,
                         **{m: getattr(row, m) for m in measures},
                         "above": len(beats), "evidence": evidence})  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["above", "repo", "key", "person"], ascending=[False, True, True, True],
                           ignore_index=True)  # fmt: skip
