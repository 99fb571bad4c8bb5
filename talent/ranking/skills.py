"""Skills and areas: what each person works on, and a free-text skill search.

- **Areas** are the components of the repositories a person changes most
  (:mod:`talent.ranking.components`: the repository's own folders, as its owner files and its
  activity define them, e.g. ``pkg/webhook``).
- **Tags** are generic areas from the paths, through ordered rules (first match wins)
  with defaults for AI repositories: training, inference and serving, kernels and CUDA,
  quantisation, data, evaluation, tokenizer, distributed, docs, CI. Rules are data: pass
  your own to :func:`area_of`.
- **Languages** come from file types.
- **Topics** are the TF-IDF terms of a person's commit, pull request and issue titles,
  leaving out merge commits' boilerplate ("Merge pull request #12 from ada/fix") and the
  words of the person's own names, logins and e-mail addresses.

The skill search is :mod:`talent.ranking.search` (an index over the work items themselves).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from talent.ranking.components import ROOT, component_of
from talent.ranking.features import mechanical_subject

# (area, pattern on the lower-cased path), first match wins: specific before general.
DEFAULT_AREA_RULES: tuple[tuple[str, str], ...] = (
    ("ci", r"(^|/)(\.github|\.ci|\.circleci|ci|jenkins)(/|$)|\.gitlab-ci\.yml$|jenkinsfile$"),
    ("docs", r"(^|/)(docs?|documentation)(/|$)|\.(md|rst|adoc)$"),
    ("kernels and cuda", r"\.(cu|cuh)$|(^|/)(csrc|kernels?|triton|cuda)(/|$|_)"),
    ("quantisation", r"quant|int8|int4|fp8|gptq|awq|bitsandbytes"),
    ("tokenizer", r"tokeni[sz]"),
    ("distributed", r"distributed|fsdp|deepspeed|megatron|(^|/|_)ddp|nccl|parallel"),
    ("inference and serving", r"serv(e|er|ing)|inference|infer(/|_)|deploy|scheduler|batching"),
    ("evaluation", r"(^|/|_)(eval|evaluation|benchmarks?|metrics?|harness)(/|$|_|\.)"),
    ("training", r"train|optim|finetun|fine_tun|rlhf|(^|/)recipes?(/|$)|checkpoint|lora"),
    ("data", r"(^|/|_)(data|datasets?|loaders?|preprocess\w*)(/|$|_|\.)"),
    ("tests", r"(^|/)tests?(/|$)|(^|/)test_[^/]*$|_test\.\w+$"),
)

LANGUAGES = {
    ".py": "Python", ".pyx": "Python", ".ipynb": "Python", ".cu": "CUDA", ".cuh": "CUDA",
    ".cc": "C++", ".cpp": "C++", ".cxx": "C++", ".hpp": "C++", ".h": "C/C++", ".c": "C",
    ".rs": "Rust", ".go": "Go", ".js": "JavaScript", ".ts": "TypeScript",
    ".tsx": "TypeScript", ".java": "Java", ".kt": "Kotlin", ".scala": "Scala", ".jl": "Julia",
    ".r": "R", ".sh": "Shell", ".cmake": "CMake", ".proto": "Protobuf", ".swift": "Swift",
}  # fmt: skip


def area_of(path: str, rules: Sequence[tuple[str, str]] = DEFAULT_AREA_RULES) -> str | None:
    """The area a path belongs to, or None.

    >>> area_of("csrc/attention/flash_fwd.cu"), area_of("docs/install.md")
    ('kernels and cuda', 'docs')
    >>> area_of("src/model/quantization/awq.py"), area_of("README")
    ('quantisation', None)
    """
    low = path.lower()
    for area, pattern in rules:
        if re.search(pattern, low):
            return area
    return None


def language_of(path: str) -> str | None:
    """The programming language of a path from its extension, or None.

    >>> language_of("a/b.cu"), language_of("x.py"), language_of("Makefile")
    ('CUDA', 'Python', None)
    """
    match = re.search(r"(\.[A-Za-z0-9]+)$", path)
    return LANGUAGES.get(match.group(1).lower()) if match else None


def build_skills(
    changes: pd.DataFrame,
    acts: pd.DataFrame,
    rules: Sequence[tuple[str, str]] = DEFAULT_AREA_RULES,
    top: int = 3,
    components: pd.DataFrame | None = None,
    names: Mapping[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """One row per person: ``areas``, ``tags`` and ``languages`` (most changed lines
    first, at most ``top``), and ``topics`` (TF-IDF terms of their titles, merge commits'
    subjects left out, and no word of the person's own ``names``).

    Parameters
    ----------
    changes : DataFrame
        ``path``, ``person`` and ``lines`` (None when unknown, counted as 1) of changed
        files (:func:`talent.ranking.features.commit_changes`).
    acts : DataFrame
        ``person`` and ``title`` of every act.
    rules : sequence of (area, pattern)
        The generic areas (:func:`area_of`): the ``tags``.
    components : DataFrame, optional
        The repositories' components (:func:`talent.ranking.components.build_components`):
        ``areas`` are then a person's components (their folders, e.g. ``pkg/webhook``;
        not the catch-all root); without them ``areas`` are the ``tags``.
    names : mapping, optional
        Per person, their names, logins and e-mail addresses (:func:`name_words`): never
        a topic of theirs.

    Examples
    --------
    >>> import pandas as pd
    >>> changes = pd.DataFrame({"path": ["o/r:pkg/web/a.go", "o/r:docs/x.md"],
    ...     "person": ["ada", "ada"], "lines": [40, 5]})
    >>> acts = pd.DataFrame({"person": ["ada"], "title": ["Serve pages faster"]})
    >>> components = pd.DataFrame({"repo": "o/r", "component": ["pkg/web", "docs"],
    ...                            "prefix": ["pkg/web", "docs"]})
    >>> build_skills(changes, acts, components=components).loc["ada", ["areas", "tags"]].tolist()
    ['pkg/web, docs', 'docs']
    """
    columns = ["areas", "tags", "languages", "topics", "document"]
    people = sorted(set(pd.unique(acts["person"])) | set(pd.unique(changes["person"])))
    if not people:
        return pd.DataFrame(columns=columns).rename_axis("person_id")
    # Many changes touch the same files: classify each distinct path once.
    paths = changes["path"]
    unique = pd.unique(paths)
    area = {p: area_of(p.split(":", 1)[-1], rules) for p in unique}
    language = {p: language_of(p) for p in unique}
    work = changes.assign(
        area=paths.map(area),
        language=paths.map(language),
        lines=pd.to_numeric(changes["lines"], errors="coerce").fillna(1).clip(lower=1),
    )

    def ranked(column: str) -> pd.Series:
        sums = work.dropna(subset=[column]).groupby(["person", column])["lines"].sum()
        sums = sums.reset_index().sort_values(
            ["person", "lines", column], ascending=[True, False, True]
        )
        sums = sums[sums.groupby("person").cumcount() < top]
        return sums.groupby("person")[column].agg(", ".join)

    out = pd.DataFrame(index=pd.Index(people, name="person_id"))
    out["tags"] = ranked("area").reindex(out.index).astype(object).fillna("")
    if components is None:
        out["areas"] = out["tags"]
    else:
        # The catch-all root is nobody's area.
        found = component_of(paths, components)
        work["component"] = found.where(found != ROOT)
        out["areas"] = ranked("component").reindex(out.index).astype(object).fillna("")
    out["languages"] = ranked("language").reindex(out.index).astype(object).fillna("")
    written = acts[acts["title"].notna() & (acts["title"] != "")]
    # A merge commit's subject names a branch and its owner's login, not a topic.
    unique_titles = pd.unique(written["title"])
    is_merge = dict(zip(unique_titles, (mechanical_subject(t) == "merge" for t in unique_titles),
                        strict=True))  # fmt: skip
    written = written[~written["title"].map(is_merge).astype(bool)]
    titles = written.groupby("person")["title"].agg(" ".join)
    titles = titles.reindex(out.index).astype(object).fillna("")
    # Only people with words can have topics: nobody else's names are split.
    titled = titles.index[titles != ""]
    own = {p: name_words(names.get(p, ())) for p in titled} if names else {}
    out["topics"] = _top_terms(titles, top=5, leave_out=own)
    out["document"] = (
        titles
        + " "
        + out["areas"].str.replace(",", " ").str.replace("/", " ")
        + " "
        + (out["tags"].str.replace(",", " ") if components is not None else "")
        + " "
        + out["languages"].str.replace(",", " ")
    )
    return out[columns]


def name_words(names: Iterable[str]) -> frozenset[str]:
    """The lower-cased words of names, logins and e-mail addresses (the part before the
    "@", without a GitHub no-reply address's number), whole and split on anything that
    is not a letter or digit.

    >>> sorted(name_words(["Ada Lovelace", "ada-l", "123+ada-l@users.noreply.github.com"]))
    ['ada', 'ada lovelace', 'ada-l', 'l', 'lovelace']
    """
    words: set[str] = set()
    for raw in names:
        text = str(raw or "").strip().lower()
        if "@" in text:
            text = text.split("@", 1)[0].split("+", 1)[-1]
        if text:
            words.add(text)
            words.update(w for w in re.split(r"[^\w]+|_", text) if w)
    return frozenset(words)


def _is_own(term: str, words: frozenset[str]) -> bool:
    """Whether a topic term is one of a person's name words (or made only of them)."""
    parts = [p for p in re.split(r"[-_+]+", term) if p]
    return term in words or bool(parts) and all(p in words or p.isdigit() for p in parts)


def _top_terms(
    documents: pd.Series, top: int, leave_out: Mapping[str, frozenset[str]] | None = None
) -> pd.Series:
    if not documents.str.strip().any():
        return documents.map(lambda _d: "")
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z][\w+-]+\b",
        max_features=20000,
        sublinear_tf=True,
    )
    matrix = vectorizer.fit_transform(documents)
    terms = np.array(vectorizer.get_feature_names_out())
    result = []
    leave_out = leave_out or {}
    for row, person in enumerate(documents.index):
        values = matrix.getrow(row)
        order = np.argsort(-values.data, kind="stable")
        words = leave_out.get(person, frozenset())
        found = [t for t in terms[values.indices[order]] if not (words and _is_own(t, words))]
        result.append(", ".join(found[:top]))
    return pd.Series(result, index=documents.index)
