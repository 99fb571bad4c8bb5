"""Components: a repository's own parts, as its maintainers name them.

A component is a folder of the repository, from three signals:

- **activity**: folders that carry weight by the commits touching them. The depth adapts:
  a folder that holds a large part of the repository's commits is split into its
  substantial subfolders (``pkg`` -> ``pkg/controller``, ``pkg/webhook``; ``python`` ->
  ``python/tvm`` -> ``python/tvm/relay``); a folder that only wraps its children
  (``src/``, ``pkg/``) is no component of its own unless enough work happens in it
  outside them.
- **OWNERS**: a folder with its own ``OWNERS`` file (``pkg/webhook/OWNERS``).
- **CODEOWNERS**: a line whose pattern is a folder (``/sdk/python/``, ``docs/**``);
  patterns on file types (``*.md``) cut across folders and make no component.

Go packages are folders and Python packages are folders with an ``__init__.py``: the
activity split finds the busy ones, so there is no separate rule for them. A path belongs
to exactly one component, the deepest whose folder holds it; paths outside every component
belong to :data:`ROOT`. The generic AI areas of :mod:`talent.ranking.skills` stay as tags.

Paths are those of :func:`talent.ranking.features.commit_changes`, ``"owner/repo:path/in/repo"``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

ROOT = "(root)"

# A folder is a component by activity when this share of its repository's commits touch it
# (and at least MIN_COMMITS do)...
MIN_SHARE = 0.03
MIN_COMMITS = 10
# ...and is split into its substantial subfolders when it holds this share of them: a
# folder with a quarter of all the work is too coarse for "who owns it".
SPLIT_SHARE = 0.25
MAX_DEPTH = 5

COLUMNS = ["repo", "component", "prefix", "source", "commits", "weight"]
# Owner files whose folder is a component, by their file name.
OWNER_FILE_SOURCES = {"OWNERS": "OWNERS", "CODEOWNERS": "CODEOWNERS"}
# Patterns that govern a whole repository: no component.
_WHOLE = frozenset({"", "*", "/", "/*", "**", "/**", "**/*"})


def pattern_folder(pattern: str) -> str | None:
    """The folder an owner-file pattern names, or None when it names no single folder.

    Examples
    --------
    >>> pattern_folder("/sdk/python/"), pattern_folder("docs/**"), pattern_folder("/pkg/webhook")
    ('sdk/python', 'docs', 'pkg/webhook')
    >>> pattern_folder("*.md"), pattern_folder("/"), pattern_folder("/src/*/test/")
    (None, None, None)
    """
    if pattern is None or pattern.strip() in _WHOLE:
        return None
    folder = pattern.strip().lstrip("/")
    for tail in ("/**", "/*", "/"):
        folder = folder.removesuffix(tail)
    if not folder or re.search(r"[*?\[\]!\s]", folder):
        return None
    return folder


def _split(paths: pd.Series) -> tuple[pd.Series, pd.Series]:
    parts = paths.astype(str).str.split(":", n=1, expand=True)
    if parts.shape[1] == 1:
        return pd.Series("", index=paths.index), parts[0]
    rel = parts[1]
    missing = rel.isna()
    return parts[0].where(~missing, ""), rel.where(~missing, parts[0])


def _folder_at(rel: pd.Series, depth: int) -> pd.Series:
    """The folder ``depth`` levels deep holding each path (NaN for files above it)."""
    return rel.str.extract(rf"^((?:[^/]+/){{{depth - 1}}}[^/]+)/", expand=False)


class _Folders:
    """Per depth, each change's folder and the distinct commits under each folder, for one
    repository (computed on first use)."""

    def __init__(self, rel: pd.Series, commit: pd.Series):
        self.rel, self.commit = rel, commit
        self._at: dict[int, pd.Series] = {}
        self._weights: dict[int, pd.Series] = {}

    def at(self, depth: int) -> pd.Series:
        if depth not in self._at:
            unique = pd.Series(pd.unique(self.rel))
            folder = dict(zip(unique, _folder_at(unique, depth), strict=True))
            self._at[depth] = self.rel.map(folder)
        return self._at[depth]

    def weights(self, depth: int) -> pd.Series:
        if depth not in self._weights:
            self._weights[depth] = self.commit.groupby(self.at(depth)).nunique()
        return self._weights[depth]

    def commits(self, prefix: str) -> int:
        return int(self.weights(prefix.count("/") + 1).get(prefix, 0))


def _activity(folders: _Folders, total: int, min_share: float, min_commits: int,
              split_share: float, max_depth: int) -> list[tuple[str, int]]:  # fmt: skip
    """The folders of one repository that carry weight, as (prefix, own commits)."""
    enough = max(min_commits, min_share * total)
    found: list[tuple[str, int]] = []
    todo = [(1, f) for f, w in folders.weights(1).items() if w >= enough]
    while todo:
        depth, folder = todo.pop()
        weight = int(folders.weights(depth)[folder])
        children = []
        if depth < max_depth and weight >= split_share * total:
            deeper = folders.weights(depth + 1)
            children = [c for c, w in deeper.items()
                        if w >= enough and str(c).startswith(folder + "/")]  # fmt: skip
        if not children or (len(children) == 1 and depth + 1 >= max_depth):
            found.append((folder, weight))
            continue
        # One busy subfolder (``python`` -> ``python/tvm``): look inside it instead.
        todo.extend((depth + 1, c) for c in children)
        # The folder's own work outside its substantial subfolders.
        mine = folders.at(depth) == folder
        rest = folders.commit[mine & ~folders.at(depth + 1).isin(children)].nunique()
        if rest >= enough:
            found.append((folder, int(rest)))
    return found


def build_components(
    changes: pd.DataFrame,
    named_owners: pd.DataFrame | None = None,
    *,
    paths: Collection[str] | None = None,
    exclude: Sequence[str] = (),
    min_share: float = MIN_SHARE,
    min_commits: int = MIN_COMMITS,
    split_share: float = SPLIT_SHARE,
    max_depth: int = MAX_DEPTH,
) -> pd.DataFrame:
    """The components of each repository: busy folders and the folders owner files name.

    Parameters
    ----------
    changes : DataFrame
        ``path`` (``"owner/repo:path"``) and ``commit`` of changed files
        (:func:`talent.ranking.features.commit_changes`); without ``commit`` each row counts as one.
    named_owners : DataFrame, optional
        The store's ``named_owners`` (``repo``, ``source``, ``pattern``, optionally
        ``until``): a folder with its own ``OWNERS`` file, or a ``CODEOWNERS`` line on a
        folder, is a component. Rows no longer in force (an ``until``) are left out, and
        so are folders no file lies in.
    paths : collection of str, optional
        Files that exist (e.g. at the mined heads), besides those of ``changes``, to
        check that a named folder holds any file.
    exclude : sequence of str
        Regular expressions searched in the lower-cased path inside the repository:
        files to leave out (e.g. :data:`talent.ranking.authorship.VENDORED`: code copied in
        from other projects is no component of this one).
    min_share, min_commits : float, int
        A folder is a component by activity when at least this share of its
        repository's commits, and at least this many, touch it.
    split_share : float
        A folder holding this share of its repository's commits is split into its
        subfolders that are components on their own (one such subfolder is split in
        turn, if it can be); it stays a component only for enough work outside them.
    max_depth : int
        The deepest folder the activity split reaches.

    Returns
    -------
    DataFrame
        One row per component, ``repo``, ``component`` (its name: the folder),
        ``prefix`` (the folder), ``source`` ("activity", "OWNERS", "CODEOWNERS"; an owner
        file wins when both find the folder), ``commits`` (distinct commits touching it,
        its subcomponents included) and ``weight`` (their share of the repository's).

    Examples
    --------
    ``pkg`` holds most commits and splits into ``pkg/api`` and ``pkg/web``; ``docs``
    stays whole; ``tools/OWNERS`` makes ``tools`` a component though it is quiet.

    >>> import pandas as pd
    >>> paths = ["pkg/api/a.go"] * 20 + ["pkg/web/w.go"] * 15 + ["docs/x.md"] * 10 + [
    ...     "tools/t.sh"]
    >>> changes = pd.DataFrame({"path": ["o/r:" + p for p in paths],
    ...                         "commit": [f"c{i}" for i in range(len(paths))]})
    >>> named = pd.DataFrame({"repo": ["o/r"], "source": ["tools/OWNERS"],
    ...                       "pattern": ["/tools/"]})
    >>> build_components(changes, named)[["component", "source", "commits"]]
      component    source  commits
    0      docs  activity       10
    1   pkg/api  activity       20
    2   pkg/web  activity       15
    3     tools    OWNERS        1
    """
    if changes.empty:
        return pd.DataFrame(columns=COLUMNS)
    # Many changes touch the same files: split and filter each distinct path once.
    codes, unique = pd.factorize(changes["path"].astype(str))
    unique = pd.Series(list(unique), dtype=object)
    unique_repo, unique_rel = _split(unique)
    keep = np.ones(len(unique), dtype=bool)
    if exclude:
        rx = re.compile("|".join(f"(?:{x})" for x in exclude))
        keep = np.array([not rx.search(p.lower()) for p in unique_rel.tolist()], dtype=bool)
    commit = changes["commit"] if "commit" in changes.columns else pd.Series(
        np.arange(len(changes)).astype(str), index=changes.index)  # fmt: skip
    kept = keep[codes]
    frame = pd.DataFrame({
        "repo": unique_repo.to_numpy(dtype=object)[codes[kept]],
        "rel": unique_rel.to_numpy(dtype=object)[codes[kept]],
        "commit": commit.to_numpy()[kept],
    })  # fmt: skip
    existing = set(unique[keep].tolist())
    named = _owner_folders(existing, named_owners, paths)
    rows: list[dict[str, object]] = []
    for name, group in frame.groupby("repo", sort=True):
        folders = _Folders(group["rel"], group["commit"])
        total = int(group["commit"].nunique())
        found = {p: "activity" for p, _ in _activity(
            folders, total, min_share, min_commits, split_share, max_depth)}  # fmt: skip
        # An owner file names the folder: it wins over activity.
        found.update(named.get(name, {}))
        rows.extend(
            {"repo": name, "component": p, "prefix": p, "source": s,
             "commits": folders.commits(p), "weight": folders.commits(p) / total}
            for p, s in found.items()
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["repo", "prefix"], ignore_index=True)


def _owner_folders(
    existing: set[str], named_owners: pd.DataFrame | None, paths: Collection[str] | None
) -> dict[str, dict[str, str]]:
    """``{repo: {folder: "OWNERS" or "CODEOWNERS"}}``: the folders owner files in force
    name, among those that hold a file."""
    if named_owners is None or named_owners.empty:
        return {}
    named = named_owners
    if "until" in named.columns:
        named = named[named["until"].isna()]
    existing = existing | set(paths or ())
    held: set[str] = set()
    for f in {posixpath.dirname(p) for p in existing}:
        while f and not f.endswith(":") and f not in held:  # every ancestor holds files too
            held.add(f)
            f = posixpath.dirname(f)
    out: dict[str, dict[str, str]] = {}
    for r, source, pattern in zip(named["repo"], named["source"], named["pattern"],
                                  strict=True):  # fmt: skip
        kind = OWNER_FILE_SOURCES.get(posixpath.basename(str(source)))
        if kind is None:
            continue
        folder = pattern_folder(str(pattern))
        if folder is not None and f"{r}:{folder}" in held:
            # OWNERS before CODEOWNERS when both name a folder: the folder's own file.
            if out.setdefault(r, {}).get(folder) != "OWNERS":
                out[r][folder] = kind
    return out


def component_of(paths: pd.Series, components: pd.DataFrame) -> pd.Series:
    """The component each path belongs to: the deepest whose folder holds it, else
    :data:`ROOT`.

    Parameters
    ----------
    paths : Series of str
        ``"owner/repo:path"`` (a path without ``":"`` belongs to the repository ``""``).
    components : DataFrame
        From :func:`build_components` (``repo``, ``component``, ``prefix``).

    Returns
    -------
    Series
        The component's name per path, on the index of ``paths``.

    Examples
    --------
    >>> import pandas as pd
    >>> components = pd.DataFrame({"repo": "o/r", "component": ["pkg", "pkg/web"],
    ...                            "prefix": ["pkg", "pkg/web"]})
    >>> component_of(pd.Series(["o/r:pkg/web/w.go", "o/r:pkg/a.go", "o/r:README.md",
    ...                         "x/y:pkg/a.go"]), components).tolist()
    ['pkg/web', 'pkg', '(root)', '(root)']
    """
    if paths.empty:
        return pd.Series([], index=paths.index, dtype=object)
    known = {
        (r, p): c
        for r, p, c in zip(
            components["repo"], components["prefix"], components["component"], strict=True
        )  # fmt: skip
    }
    depths = sorted({p.count("/") + 1 for _, p in known}, reverse=True)
    unique = pd.Series(pd.unique(paths.astype(str)))
    repo, rel = _split(unique)
    found = {}
    for path, r, p in zip(unique, repo, rel, strict=True):
        parts = p.split("/")
        name = ROOT
        for depth in depths:
            if depth < len(parts):
                hit = known.get((r, "/".join(parts[:depth])))
                if hit is not None:
                    name = hit
                    break
        found[path] = name
    return paths.astype(str).map(found)


def person_components(changes: pd.DataFrame, components: pd.DataFrame) -> pd.DataFrame:
    """What each person did in each component: the long table the areas, the owners and
    the skill search read.

    Parameters
    ----------
    changes : DataFrame
        ``path``, ``person``, ``commit`` and ``lines`` (None counted as 1) of changed files.
    components : DataFrame
        From :func:`build_components`.

    Returns
    -------
    DataFrame
        One row per (``person``, ``repo``, ``component``): ``commits`` (distinct),
        ``lines`` and ``share`` (of the component's lines), most lines first per person.

    Examples
    --------
    >>> import pandas as pd
    >>> components = pd.DataFrame({"repo": "o/r", "component": ["api"], "prefix": ["api"]})
    >>> changes = pd.DataFrame({"path": ["o/r:api/a.go", "o/r:api/b.go", "o/r:x.md"],
    ...     "person": ["ada", "bob", "ada"], "commit": ["c1", "c2", "c3"],
    ...     "lines": [30, 10, None]})
    >>> person_components(changes, components)
      person repo component  commits  lines  share
    0    ada  o/r       api        1   30.0   0.75
    1    ada  o/r    (root)        1    1.0   1.00
    2    bob  o/r       api        1   10.0   0.25
    """
    columns = ["person", "repo", "component", "commits", "lines", "share"]
    if changes.empty:
        return pd.DataFrame(columns=columns)
    repo, _ = _split(changes["path"])
    commit = changes["commit"] if "commit" in changes.columns else changes.index.to_series()
    work = pd.DataFrame({
        "person": changes["person"], "repo": repo,
        "component": component_of(changes["path"], components), "commit": commit,
        "lines": pd.to_numeric(changes["lines"], errors="coerce").fillna(1).clip(lower=1),
    })  # fmt: skip
    out = work.groupby(["person", "repo", "component"], as_index=False).agg(
        commits=("commit", "nunique"), lines=("lines", "sum")
    )
    whole = out.groupby(["repo", "component"])["lines"].transform("sum")
    out["share"] = out["lines"] / whole
    out = out.sort_values(["person", "lines", "component"], ascending=[True, False, True])
    return out[columns].reset_index(drop=True)
