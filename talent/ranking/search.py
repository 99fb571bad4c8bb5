"""The skill search: an index over the work people did, and who did the work a query finds.

Documents are **work items**, one per commit, pull request, issue and Hub derivative: the
title (a commit's subject; the store keeps no bodies), and for commits the paths they
changed as words (``sdk/python/kserve/storage.py`` gives "sdk", "python", "kserve",
"storage", the folders "sdk/python" and "sdk/python/kserve" as tokens of their own, and
neighbouring words as bigrams) with the files' languages; a derivative adds its Hub tag.
Words are split at identifier boundaries (``model_registry``, ``modelRegistry`` and
``model-registry`` all read "model registry") and lightly stemmed (:func:`stem`).

A query's words are scored against each item with BM25 (with the query's bigrams as a
bonus, and words of the corpus that extend a query word, such as a folder
"tektoncd" for "tekton", at half weight), scaled by the share of the query's words the
item holds, squared, so an item holding one word of three counts a ninth. Each item is
credited to the people who did it (``CREDITS``: the author in full, a co-author half,
whoever merged, applied or reviewed it a quarter) and weighed by its size
(``1 + ln(1 + lines)``, lines capped at ``MAX_LINES``; 1 without a size). A person's
matching work is

    work(p) = sum over items i of relevance(i) * weight(i) * credit(p, i)

and ``share = work(p) / sum of work(q) over everyone``: people are ordered by share,
their overall score only breaking ties, so the person who did most of the matching work
comes first and a drive-by contributor with one matching commit comes late however high
their score. The index is built once per ranking base (see
:attr:`talent.ranking.scoring.RankingBase.search_index`).

References
----------
Robertson, S. and Zaragoza, H. (2009). The Probabilistic Relevance Framework: BM25 and
Beyond. Foundations and Trends in Information Retrieval 3(4).
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from talent.model import ActivityKind
from talent.ranking.skills import language_of

if TYPE_CHECKING:
    from scipy import sparse

# Acts that make a work item, and so name its author.
ITEM_KINDS = (
    ActivityKind.COMMIT,
    ActivityKind.PR_OPENED,
    ActivityKind.ISSUE_OPENED,
    ActivityKind.DERIVATIVE,
)

# The share of an item credited to each act on it: the author did the work; a co-author
# shared it; merging, applying, reviewing or signing off someone's work is real but
# smaller work on the same item. A person with several acts on one item gets the largest.
CREDITS: dict[str, float] = {
    **{str(kind): 1.0 for kind in ITEM_KINDS},
    str(ActivityKind.CO_AUTHORED): 0.5,
    str(ActivityKind.PR_MERGED_BY): 0.25,
    str(ActivityKind.COMMITTED_FOR_OTHER): 0.25,
    str(ActivityKind.REVIEW): 0.25,
    str(ActivityKind.REVIEWED_BY): 0.25,
    str(ActivityKind.ACKED_BY): 0.25,
    str(ActivityKind.SIGNED_OFF_BY): 0.1,
}

# What a user calls each kind of work item.
ITEM_LABELS: dict[str, str] = {
    str(ActivityKind.COMMIT): "commit",
    str(ActivityKind.PR_OPENED): "pull request",
    str(ActivityKind.ISSUE_OPENED): "issue",
    str(ActivityKind.DERIVATIVE): "Hub model",
}

# Lines above this count as this many in an item's weight: a vendored or generated
# change is not a thousand times the work of a careful fix.
MAX_LINES = 2000
# BM25's usual constants, with a milder length normalisation: a commit's words include
# every folder it touched, so a large change is long without being off topic.
K1, B = 1.2, 0.5
# Weights of a query's parts: its bigrams are a bonus on top of their words; words of
# the corpus that extend a query word count half.
BIGRAM_WEIGHT, EXPANSION_WEIGHT = 0.5, 0.5
# A query naming a folder as written: the marker of its term, and what work outside the
# folder that merely holds the folder's words counts.
LITERAL, LITERAL_MISS = -2, 0.2
# Folders too generic to suggest as areas, and folders of others' code (nothing under
# them is suggested).
GENERIC_FOLDERS = frozenset(
    {"src", "lib", "test", "tests", "docs", "doc", "pkg", "internal", "cmd", "hack",
     "scripts", "examples", "example", ".github", "workflows"}
)  # fmt: skip
VENDORED_FOLDERS = frozenset({"vendor", "third_party", "thirdparty", "node_modules", "external"})
# A title says what the work is about; each of its words counts as this many path words.
TITLE_WEIGHT = 2.0

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORDS = re.compile(r"[A-Za-z0-9]+")


@functools.cache
def _stop_words() -> frozenset[str]:
    """scikit-learn's English stop words, imported on the first search (not with this
    module: a cached ranking imports no scikit-learn)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


# Suffixes in the order they are tried; the first that applies wins.
_SUFFIXES = (
    ("isations", "ize"), ("izations", "ize"), ("isation", "ize"), ("ization", "ize"),
    ("ising", "ize"), ("izing", "ize"), ("ised", "ize"), ("ized", "ize"), ("ises", "ize"),
    ("izes", "ize"), ("ise", "ize"), ("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""),
    ("es", "e"), ("s", ""),
)  # fmt: skip


def split_identifiers(text: str) -> list[str]:
    """The lower-cased words of ``text``, identifiers split at ``_``, ``-``, ``/``, ``.``
    and camel case; numbers alone are left out (pull request numbers, versions).

    >>> split_identifiers("model_registry modelRegistry model-registry")
    ['model', 'registry', 'model', 'registry', 'model', 'registry']
    >>> split_identifiers("sdk/python HTTPServer v1beta1 (#6035)")
    ['sdk', 'python', 'http', 'server', 'v1beta1']
    """
    out = []
    for word in _WORDS.findall(text):
        for part in _CAMEL.split(word):
            if part and not part.isdigit():
                out.append(part.lower())
    return out


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stem of a lower-cased word: plural, ``-ing``, ``-ed`` and
    ``-ise``/``-ize`` forms meet, and a final ``e`` goes, so "serve", "serving" and
    "served" agree; words of three letters or fewer stay as they are.

    >>> [stem(w) for w in ["hyperparameters", "training", "trained", "quantisation"]]
    ['hyperparameter', 'train', 'train', 'quantiz']
    >>> [stem(w) for w in ["quantized", "serving", "serve", "libraries", "status", "sdk"]]
    ['quantiz', 'serv', 'serv', 'library', 'status', 'sdk']
    """
    if len(word) <= 3:
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = word[: len(word) - len(suffix)] + replacement
            break
    # "running" -> "runn" -> "run"; "tagged" -> "tagg" -> "tag".
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def analyze(text: str) -> list[str]:
    """The index's terms of a text: stemmed words without English stop words, then the
    bigrams of neighbouring words.

    >>> analyze("Add the model_registry for training")
    ['add', 'model', 'registry', 'train', 'add model', 'model registry', 'registry train']
    """
    words = [stem(w) for w in split_identifiers(text) if w not in _stop_words()]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def path_terms(path: str) -> list[str]:
    """The index's terms of a changed file: :func:`analyze` of its folders, every folder
    prefix as a token of its own ("sdk/python"), :func:`analyze` of its file name
    (without extension), and the file's language.

    >>> path_terms("sdk/python/kserve_storage.py")
    ['sdk', 'python', 'sdk python', 'sdk', 'sdk/python', 'kserv', 'storag', 'kserv storag', \
'python']
    """
    folder, _, name = path.rpartition("/")
    if "." in name[1:]:
        name = name.rsplit(".", 1)[0]
    language = language_of(path)
    terms = [*_folder_terms(folder), *analyze(name)]
    return terms + ([language.lower()] if language else [])


@functools.lru_cache(maxsize=100_000)
def _folder_terms(folder: str) -> tuple[str, ...]:
    """A folder's words and bigrams, and each of its prefixes as a token (shared by
    every file in it)."""
    if not folder:
        return ()
    parts = folder.split("/")
    prefixes = ["/".join(parts[: i + 1]).lower() for i in range(len(parts))]
    # A compound folder name as written ("model_registry") is a token too: a query
    # naming the folder exactly finds it before work that only holds its words.
    names = [p.lower() for p in parts if not p.isalnum() and len(p) > 2]
    return (*analyze(" ".join(parts)), *prefixes, *names)


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """Work items, their terms and who did them (:func:`build_search_index`).

    Attributes
    ----------
    items : DataFrame
        One row per work item: ``kind``, ``repo``, ``title``, ``url``, ``occurred_at``,
        ``lines`` and ``weight``.
    terms : sparse matrix
        Items x vocabulary, term counts (CSC, so a query reads only its columns).
    credits : sparse matrix
        Items x people, the share of each item credited to each person.
    people : Index
        The people of ``credits``' columns.
    vocabulary : dict
        Term -> column.
    areas : list of str
        The busiest folders (by lines changed), for suggestions.
    """

    items: pd.DataFrame
    terms: sparse.csc_matrix
    credits: sparse.csr_matrix
    people: pd.Index
    vocabulary: dict[str, int]
    areas: list[str]
    _idf: np.ndarray = field(repr=False)
    _lengths: np.ndarray = field(repr=False)
    _words: list[str] = field(repr=False)

    @property
    def empty(self) -> bool:
        """True when the index holds no work item."""
        return self.items.empty


def build_search_index(acts: pd.DataFrame, changes: pd.DataFrame) -> SearchIndex:
    """The search index of a ranking base's acts and commit file changes.

    Parameters
    ----------
    acts : DataFrame
        Acts with ``person`` (:func:`talent.ranking.features.attach_people`): ``repo``,
        ``kind``, ``item``, ``title``, ``url``, ``occurred_at``, ``size``, ``state``.
    changes : DataFrame
        :func:`talent.ranking.features.commit_changes`: ``path`` ("repo:path"), ``commit``
        ("repo@sha") and ``lines``.

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"repo": ["o/r"], "kind": ["commit"], "item": ["a1"],
    ...     "person": ["ada"], "title": ["Add tekton pipeline"], "url": ["u"],
    ...     "occurred_at": [pd.Timestamp("2024-01-01")], "size": [10], "state": [""]})
    >>> changes = pd.DataFrame({"path": ["o/r:ci/tekton/run.yaml"], "commit": ["o/r@a1"],
    ...     "lines": [10]})
    >>> index = build_search_index(acts, changes)
    >>> len(index.items), "ci/tekton" in index.vocabulary, index.areas
    (1, True, ['ci', 'ci/tekton'])
    """
    from scipy import sparse

    acts = acts[acts["person"].notna() & acts["item"].notna()]
    key = acts["repo"].astype(str) + "\x00" + acts["item"].astype(str)
    is_item = acts["kind"].isin([str(k) for k in ITEM_KINDS])
    items = acts[is_item].assign(key=key[is_item]).drop_duplicates("key")
    items = items.set_index("key")
    row_of = pd.Series(np.arange(len(items)), index=items.index)
    # Lines per commit from its files (a commit act's own size where files are missing).
    commit_key = items["repo"].astype(str) + "@" + items["item"].astype(str)
    lines_changed = (
        changes.assign(lines=pd.to_numeric(changes["lines"], errors="coerce").fillna(0))
        .groupby("commit")["lines"]
        .sum()
    )
    lines = commit_key.map(lines_changed).fillna(pd.to_numeric(items["size"], errors="coerce"))
    lines = lines.where(items["kind"] != str(ActivityKind.DERIVATIVE), np.nan)
    weight = 1.0 + np.log1p(lines.fillna(0).clip(upper=MAX_LINES))

    vocabulary: dict[str, int] = {}

    def ids(terms: list[str]) -> np.ndarray:
        return np.array([vocabulary.setdefault(t, len(vocabulary)) for t in terms], dtype=np.int64)

    # Titles (and a derivative's Hub tag): every occurrence counts.
    texts = items["title"].fillna("").astype(str)
    tags = items["state"].fillna("").astype(str)
    texts = texts.where(items["kind"] != str(ActivityKind.DERIVATIVE), texts + " " + tags)
    title_ids = {t: ids(analyze(t)) for t in pd.unique(texts)}
    title_cols = [title_ids[t] for t in texts]
    rows = [np.repeat(np.arange(len(items)), [len(c) for c in title_cols])]
    cols = [np.concatenate(title_cols) if title_cols else np.zeros(0, dtype=np.int64)]
    # Paths: each term once per item however many of its files hold it, so a large
    # change is not a hundred times "python".
    commit_rows = pd.Series(row_of.values, index=commit_key.values)
    changed = changes[changes["commit"].isin(commit_rows.index)]
    areas: list[str] = []
    if not changed.empty:
        bare = changed["path"].astype(str).str.split(":", n=1).str[-1]
        unique = pd.unique(bare)
        path_ids = {p: ids(path_terms(p)) for p in unique}
        item_rows = changed["commit"].map(commit_rows).to_numpy()
        path_cols = [path_ids[p] for p in bare]
        rows.append(np.repeat(item_rows, [len(c) for c in path_cols]))
        cols.append(np.concatenate(path_cols))
        areas = _busiest_folders(bare, changed["lines"])
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    is_path = np.zeros(len(row), dtype=bool)
    is_path[len(rows[0]) :] = True
    # One count per (item, path term); titles keep their counts.
    shape = (len(items), len(vocabulary))
    titles = sparse.csr_matrix(
        (np.full((~is_path).sum(), TITLE_WEIGHT), (row[~is_path], col[~is_path])), shape
    )
    paths = sparse.csr_matrix((np.ones(is_path.sum()), (row[is_path], col[is_path])), shape)
    paths.data[:] = 1.0
    terms = (titles + paths).tocsc()
    lengths = np.asarray(terms.sum(axis=1)).ravel()
    df = np.diff(terms.indptr)
    n = max(len(items), 1)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    # Credits: every act with a share on an item (the item's own act included).
    credited = acts.assign(key=key, credit=acts["kind"].map(CREDITS))
    credited = credited[credited["credit"].notna() & credited["key"].isin(row_of.index)]
    credited = credited.groupby(["key", "person"], sort=False)["credit"].max().reset_index()
    people = pd.Index(sorted(credited["person"].unique()), name="person_id")
    credits = sparse.csr_matrix(
        (
            credited["credit"].to_numpy(dtype=float),
            (credited["key"].map(row_of).to_numpy(), people.get_indexer(credited["person"])),
        ),
        shape=(len(items), len(people)),
    )
    words = sorted(t for t in vocabulary if " " not in t and "/" not in t)
    table = pd.DataFrame(
        {
            "kind": items["kind"].astype(str).to_numpy(),
            "repo": items["repo"].astype(str).to_numpy(),
            "title": items["title"].fillna("").astype(str).to_numpy(),
            "url": items["url"].fillna("").astype(str).to_numpy(),
            "occurred_at": items["occurred_at"].to_numpy(),
            "lines": lines.to_numpy(),
            "weight": weight.to_numpy(),
        }
    )
    return SearchIndex(table, terms, credits, people, vocabulary, areas, idf, lengths, words)


def _busiest_folders(paths: pd.Series, lines: pd.Series, top: int = 8) -> list[str]:
    """Folders (one and two levels deep) by lines changed, generic ones and those under
    vendored code left out."""
    per_path = pd.to_numeric(lines, errors="coerce").fillna(1).groupby(paths.to_numpy()).sum()
    sums: dict[str, float] = {}
    for path, total in per_path.items():
        parts = path.lower().split("/")[:-1]
        for depth in (1, 2):
            if len(parts) >= depth:
                name = "/".join(parts[:depth])
                sums[name] = sums.get(name, 0.0) + total
    kept = {
        name: total
        for name, total in sums.items()
        if name.split("/")[-1] not in GENERIC_FOLDERS
        and not VENDORED_FOLDERS & set(name.split("/"))
    }
    return [name for name, _ in sorted(kept.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def _query_terms(index: SearchIndex, query: str) -> tuple[list[str], list[tuple[int, int, float]]]:
    """The query's words (split, not stemmed) and its scored terms: (column, the word it
    stands for, -1 for a bigram or ``LITERAL`` for a folder named as written, weight)."""
    vocab = index.vocabulary
    # A stop word the index holds is a language ("go") or a folder: keep it.
    words = [w for w in split_identifiers(query) if w not in _stop_words() or w in vocab]
    words = list(dict.fromkeys(words))
    found: list[tuple[int, int, float]] = []
    stems = [stem(w) for w in words]
    for i, term in enumerate(stems):
        if term in vocab:
            found.append((vocab[term], i, 1.0))
        # Words of the corpus that extend this one ("tekton" -> "tektoncd"), or that it
        # extends ("hyperparameters" -> "hyperparam"): at most five, most used first.
        if len(term) >= 4:
            start = bisect.bisect_left(index._words, term)
            longer = []
            for other in index._words[start : start + 200]:
                if not other.startswith(term):
                    break
                if other != term:
                    longer.append(other)
            least = max(5, int(0.7 * len(term) + 0.5))
            shorter = [term[:k] for k in range(least, len(term)) if term[:k] in vocab]
            extra = sorted(longer + shorter, key=lambda t: index._idf[vocab[t]])[:5]
            found.extend((vocab[t], i, EXPANSION_WEIGHT) for t in extra)
    for a, b in zip(stems, stems[1:], strict=False):
        if f"{a} {b}" in vocab:
            found.append((vocab[f"{a} {b}"], -1, BIGRAM_WEIGHT))
    # Folders and compound names as written: "sdk/python", "model_registry".
    for written in re.findall(r"[\w.-]+(?:/[\w.-]+)*", query.lower()):
        if written in vocab and (not written.isalnum() or "/" in written):
            found.append((vocab[written], LITERAL, 1.0))
    return words, found


def item_relevance(index: SearchIndex, query: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Each item's relevance to ``query`` (0 where it holds none of its words), which of
    the query's words each item holds (items x words, boolean) and the words.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"repo": ["o/r"] * 2, "kind": ["commit"] * 2,
    ...     "item": ["a", "b"], "person": ["ada", "bob"],
    ...     "title": ["Tune hyperparameters", "Fix typo"], "url": ["", ""],
    ...     "occurred_at": [pd.Timestamp("2024-01-01")] * 2, "size": [5, 5], "state": ""})
    >>> changes = pd.DataFrame(columns=["path", "commit", "lines"])
    >>> relevance, held, words = item_relevance(build_search_index(acts, changes),
    ...                                         "hyperparameter tuning")
    >>> (relevance > 0).tolist(), held.tolist(), words
    ([True, False], [[True, True], [False, False]], ['hyperparameter', 'tuning'])
    """
    words, found = _query_terms(index, query)
    n_items = len(index.items)
    relevance = np.zeros(n_items)
    held = np.zeros((n_items, len(words)), dtype=bool)
    named = np.zeros(n_items, dtype=bool)
    if not found or not words:
        return relevance, held, words
    avg = index._lengths.mean() if n_items else 1.0
    norm = K1 * (1 - B + B * index._lengths / max(avg, 1e-9))
    for column, word, weight in found:
        start, end = index.terms.indptr[column], index.terms.indptr[column + 1]
        rows = index.terms.indices[start:end]
        tf = index.terms.data[start:end]
        relevance[rows] += weight * index._idf[column] * tf * (K1 + 1) / (tf + norm[rows])
        if word >= 0:
            held[rows, word] = True
        elif word == LITERAL:
            named[rows] = True
    coverage = held.sum(axis=1) / len(words)
    relevance *= coverage**2
    if any(word == LITERAL for _c, word, _w in found):
        # The query names a folder as written ("sdk/python", "model_registry"): work
        # elsewhere that merely holds its words counts a fifth.
        relevance[~named] *= LITERAL_MISS
    return relevance, held, words


def search_work(
    index: SearchIndex,
    query: str,
    scores: pd.Series | None = None,
    top_work: int = 5,
) -> pd.DataFrame:
    """People ranked by how much of the work matching ``query`` they did.

    Parameters
    ----------
    index : SearchIndex
        :func:`build_search_index`.
    query : str
        Free text ("python sdk", "tekton", "model_registry").
    scores : Series, optional
        Overall scores by person; they only break ties in share.
    top_work : int
        How many matching items to keep per person.

    Returns
    -------
    DataFrame
        Indexed by ``person_id``, best first: ``work_done`` (relevance x weight x
        credit, summed over their items), ``share`` (of everyone's ``work_done``),
        ``match`` (``work_done`` over the first person's, 0 to 1), ``relevance`` (the
        same as ``match``, for callers of the older search), ``terms`` (the query's
        words their matching items hold, in the query's order, comma-separated) and
        ``work`` (their top matching items as dicts: ``title``, ``url``, ``kind``
        (``ITEM_LABELS``), ``repo``, ``date``, ``credit``: their share of the item).
        Empty when nothing matches (see :func:`suggest`).

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"repo": "o/r", "kind": "commit", "item": list("abcd"),
    ...     "person": ["ada", "ada", "ada", "bob"], "title": ["Tekton tasks"] * 4,
    ...     "url": "", "occurred_at": pd.Timestamp("2024-01-01"), "size": 10, "state": ""})
    >>> changes = pd.DataFrame(columns=["path", "commit", "lines"])
    >>> found = search_work(build_search_index(acts, changes), "tekton",
    ...                     pd.Series({"ada": 0.1, "bob": 0.9}))
    >>> found.index.tolist(), found["share"].round(2).tolist(), found["terms"].tolist()
    (['ada', 'bob'], [0.75, 0.25], ['tekton', 'tekton'])
    """
    columns = ["work_done", "share", "match", "relevance", "terms", "work"]
    empty = pd.DataFrame(columns=columns).rename_axis("person_id")
    if index.empty or not query.strip():
        return empty
    relevance, held, words = item_relevance(index, query)
    value = relevance * index.items["weight"].to_numpy()
    matching = np.flatnonzero(value > 0)
    if not len(matching):
        return empty
    credits = index.credits[matching]
    done = np.asarray(credits.T @ value[matching]).ravel()
    who = np.flatnonzero(done > 0)
    out = pd.DataFrame({"work_done": done[who]}, index=index.people[who])
    total = out["work_done"].sum()
    out["share"] = out["work_done"] / total
    score = (scores if scores is not None else pd.Series(dtype=float)).reindex(out.index)
    out["_score"] = score.fillna(0.0).to_numpy()
    out = out.sort_values(["work_done", "_score"], ascending=False, kind="stable")
    out["match"] = out["work_done"] / out["work_done"].iloc[0]
    out["relevance"] = out["match"]
    # Per person, their matching items best first, and the words those items hold.
    per_person = credits.tocsc()
    terms, work = [], []
    items = index.items
    titles, urls = items["title"].to_numpy(), items["url"].to_numpy()
    stems = [stem(w) for w in words]
    kinds, repos = items["kind"].to_numpy(), items["repo"].to_numpy()
    dates = pd.to_datetime(items["occurred_at"]).to_numpy()
    for person in out.index:
        col = index.people.get_loc(person)
        start, end = per_person.indptr[col], per_person.indptr[col + 1]
        local = per_person.indices[start:end]
        credit = per_person.data[start:end]
        rows = matching[local]
        # Items whose title says it first (a large commit may match by its paths
        # alone), then by their matching work.
        said = np.array([any(w in titles[r].lower() for w in stems) for r in rows])
        order = np.lexsort((-(value[rows] * credit), ~said))
        mask = np.asarray(held[rows].any(axis=0))
        terms.append(", ".join(w for w, h in zip(words, mask, strict=True) if h))
        work.append(
            [
                {
                    "title": titles[r],
                    "url": urls[r],
                    "kind": ITEM_LABELS.get(kinds[r], kinds[r]),
                    "repo": repos[r],
                    "date": str(dates[r])[:10],
                    "credit": float(c),
                }
                for r, c in zip(rows[order[:top_work]], credit[order[:top_work]], strict=True)
            ]
        )
    out["terms"] = terms
    out["work"] = work
    return out[columns].rename_axis("person_id")


def suggest(index: SearchIndex, query: str, n: int = 3) -> str:
    """What to search instead when ``query`` finds nothing: the index's nearest words to
    each word of the query, and the busiest folders.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"repo": "o/r", "kind": "commit", "item": ["a"],
    ...     "person": ["ada"], "title": ["Tekton tasks"], "url": "",
    ...     "occurred_at": pd.Timestamp("2024-01-01"), "size": 10, "state": ""})
    >>> changes = pd.DataFrame({"path": ["o/r:serving/api.py"], "commit": ["o/r@a"],
    ...     "lines": [3]})
    >>> suggest(build_search_index(acts, changes), "tektn")
    'did you mean tekton, or one of these areas: serving'
    """
    near: list[str] = []
    for word in split_identifiers(query):
        for found in difflib.get_close_matches(stem(word), index._words, n=n, cutoff=0.7):
            # Show a word as people wrote it where a title or path holds it unstemmed.
            near.append(_surface(index, found))
    near = list(dict.fromkeys(near))
    parts = []
    if near:
        parts.append("did you mean " + ", ".join(near[: n * 2]))
    if index.areas:
        parts.append("one of these areas: " + ", ".join(index.areas))
    if not parts:
        return "no work is indexed yet: mine some repositories first"
    return ", or ".join(parts)


def _surface(index: SearchIndex, term: str) -> str:
    """A stem as people write it: the shortest title word or folder that stems to it."""
    for title in index.items["title"]:
        if term in title.lower():
            for word in split_identifiers(title):
                if stem(word) == term:
                    return word
    return term
