"""Mine a local git repository: its ``git log`` read in a few slices, two at a time.

``git log -z --numstat`` with a NUL-separated format is read in slices of the commit
list (two git processes at a time, on two cores) and parsed while git runs; there is
never one process per commit. The owner-file history is read beside it, on a thread.
The format carries the sha, parents, author and committer (raw and as ``.mailmap``
maps them), dates, subject and trailers.

Damaged histories (partial clones made with ``--filter=blob:none`` whose remote is
gone, copies that lost a few blobs) make ``git log --numstat`` stop with ``fatal:
unable to read <sha>``. The miner then finishes the remaining commits without reading
any missing blob: files whose blobs are gone count with unknown lines.

Beside each commit's own acts, :class:`Stewardship` finds the stewardship acts its subject,
body and files show (version bumps, changelogs, backports, reverts of others' work, CI,
build, packaging and governance edits, approval lines), and :meth:`GitSource._releases`
the release tags and the release branches' backports: a few git processes per
repository, none per commit.

Verbs: ``fetch_*`` runs git and yields records, ``parse_*`` is pure; :class:`GitSource`
turns them into batches for :mod:`talent.sync` (it never touches the store;
:func:`talent.mining.mine_git` is the one-call form).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import subprocess
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from talent.lazy import LazyModule
from talent.model import (
    EXPORT_STATE,
    Activity,
    ActivityKind,
    CommitFile,
    Identity,
    IdentityEvidence,
    IdentitySource,
    Origin,
    Repo,
    repo_name_problem,
)
from talent.sources.base import Batch, Failure, Item, Mark, Progress, SourceState

if TYPE_CHECKING:
    from talent.sources import owners as owner_files
else:  # YAML and the owner-file parsers: only a run that reads commits or owner files
    owner_files = LazyModule("talent.sources.owners")

# One record per commit: a marker, then these fields, NUL-separated. Commit messages
# cannot contain NUL, so no field can break the framing.
_FIELDS = [
    "%H",
    "%P",
    "%an",
    "%ae",
    "%aN",
    "%aE",
    "%at",
    "%cn",
    "%ce",
    "%cN",
    "%cE",
    "%ct",
    "%s",
    "%(trailers:only,unfold)",
    "%b",
]
LOG_FORMAT = "%x1e" + "%x00".join(_FIELDS) + "%x00"
# The same without the body, for a miner that reads no stewardship acts (the benchmark's
# comparison): git then prints no message bodies at all.
LOG_FORMAT_NO_BODY = "%x1e" + "%x00".join(_FIELDS[:-1]) + "%x00"
_N_FIELDS = len(_FIELDS)

# Identities that stand for a tool, not a person: never an actor of a "committed for
# someone else" act (GitHub's web merges are committed by "GitHub <noreply@github.com>").
SERVICE_EMAILS = frozenset({"noreply@github.com", "noreply@gitlab.com"})

GIT_KINDS = [
    ActivityKind.COMMIT,
    ActivityKind.MERGE_COMMIT,
    ActivityKind.CO_AUTHORED,
    ActivityKind.REVIEWED_BY,
    ActivityKind.ACKED_BY,
    ActivityKind.SIGNED_OFF_BY,
    ActivityKind.COMMITTED_FOR_OTHER,
    # The stewardship acts (:class:`Stewardship`, :func:`fetch_tags`).
    ActivityKind.RELEASE_TAGGED,
    ActivityKind.VERSION_BUMP,
    ActivityKind.CHANGELOG_EDIT,
    ActivityKind.BACKPORT,
    ActivityKind.REVERT,
    ActivityKind.INFRA_EDIT,
    ActivityKind.GOVERNANCE_EDIT,
    ActivityKind.APPROVED_BY,
]
_TRAILER_KINDS = {
    "co-authored-by": ActivityKind.CO_AUTHORED,
    "reviewed-by": ActivityKind.REVIEWED_BY,
    "acked-by": ActivityKind.ACKED_BY,
    "signed-off-by": ActivityKind.SIGNED_OFF_BY,
}
# Trailers that sync tools write on every commit they export from another repository
# (Copybara from Google's Piper or another git, ShipIt from Meta's): compared lower-cased.
EXPORT_TRAILERS = frozenset({"piperorigin-revid", "gitorigin-revid", "fbshipit-source-id"})
_PR_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_PR_MERGE = re.compile(r"^Merge pull request #(\d+) from ([A-Za-z0-9][A-Za-z0-9-]*)/")
_PERSON = re.compile(r"^\s*(.*?)\s*<([^<>]*)>\s*$")

_SYNC_RESOURCE = "git:head"
# What the history's reading gives, beside the head it covers: a store read before a
# change of the acts mined (2: the stewardship acts) is read again in full once.
_READING_RESOURCE = "git:reading"
HISTORY_READING = "2"
# The first commits of the history mined under a name: another repository given the same
# name (two clones in folders both called "repo") is refused instead of mixed in.
ROOTS_RESOURCE = "git:roots"
_PATHS_PER_CALL = 500  # pathspecs per git process, well inside any system's argument limit
# The head whose owner files and file list are stored (read again when the head moves).
OWNERS_RESOURCE = "git:owners"
# Bump when what is read at the head changes, so stores read it again at the same head.
# 2: the names written beside logins (owner_pairings), people lists kept as data;
# 3: the head's .gitattributes (GITATTRIBUTES_META).
OWNERS_READING = "3"
# The meta key (+ repository) of the head's .gitattributes texts, as JSON {path: text}:
# the Linguist attributes that say which files are generated or vendored.
GITATTRIBUTES_META = "gitattributes:"
# The meta key (+ repository) of the owner files its history ever changed, as a JSON
# list of paths: the next read of the owner-file history walks these paths (and those
# the new commits changed), not the owner globs (see fetch_owner_file_versions).
OWNER_PATHS_META = "owner_paths:"
# Past this many owner files (or with a path git may spell in another encoding), the
# history is walked with the globs.
_OWNER_PATHS_MAX = 2000
_BATCH_COMMITS = 2000


class GitError(Exception):
    """A repository that cannot be mined; the message is one line for the user."""


@dataclass
class RawCommit:
    """One commit as git printed it (text decoded, nothing interpreted yet)."""

    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    mapped_author_name: str
    mapped_author_email: str
    author_time: int
    committer_name: str
    committer_email: str
    mapped_committer_name: str
    mapped_committer_email: str
    committer_time: int
    subject: str
    trailers: str
    files: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    body: str = ""  # the message after the subject (trailers included)


def _text(raw: bytes) -> str:
    # Names and messages are bytes in git; most are UTF-8, old ones often Latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _count(raw: bytes) -> int | None:
    return None if raw == b"-" else int(raw)


def parse_log(tokens: Iterable[bytes], *, body: bool = True) -> Iterator[RawCommit]:
    """Parse the NUL-separated tokens of ``git log -z --numstat --format=LOG_FORMAT``
    (``LOG_FORMAT_NO_BODY`` with ``body=False``).

    Pure: the same tokens give the same commits. A commit is yielded once the next
    one starts (or the tokens end), so a caller can hold back a partial last commit.
    """
    it = iter(tokens)
    current: RawCommit | None = None
    n_fields = _N_FIELDS if body else _N_FIELDS - 1
    for token in it:
        if token.startswith(b"\x1e"):
            if current is not None:
                yield current
            values = [token[1:]] + [next(it, b"") for _ in range(n_fields - 1)]
            text = [_text(v) for v in values]
            current = RawCommit(
                sha=text[0],
                parents=text[1].split(),
                author_name=text[2],
                author_email=text[3],
                mapped_author_name=text[4],
                mapped_author_email=text[5],
                author_time=int(text[6] or 0),
                committer_name=text[7],
                committer_email=text[8],
                mapped_committer_name=text[9],
                mapped_committer_email=text[10],
                committer_time=int(text[11] or 0),
                subject=text[12],
                trailers=text[13],
                body=text[14] if body else "",
            )
            continue
        token = token.lstrip(b"\n")
        if not token or current is None:
            continue
        added, deleted, path = token.split(b"\t", 2)
        if path == b"":  # a rename: the old and the new path follow as tokens
            next(it, b"")
            path = next(it, b"")
        current.files.append((_text(path), _count(added), _count(deleted)))
    if current is not None:
        yield current


def _split_tokens(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


# --- running git ------------------------------------------------------------------------


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    # Never reach for a network: a partial clone must not try to fetch missing objects.
    env.update(GIT_NO_LAZY_FETCH="1", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def _git(path: Path, *args: str | bytes, input: bytes | None = None, check: bool = True) -> bytes:
    proc = subprocess.run(
        ["git", "-C", str(path), *args], input=input, capture_output=True, env=_git_env()
    )
    if check and proc.returncode != 0:
        raise GitError(_first_line(proc.stderr) or f"git {os.fsdecode(args[0])} failed")
    return proc.stdout


def _first_line(raw: bytes) -> str:
    lines = [ln.strip() for ln in _text(raw).splitlines() if ln.strip()]
    return lines[-1] if lines else ""


_LOG_OPTIONS = [
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "-c",
    "diff.renames=true",
]


def check_repository(path: Path, rev: str = "HEAD") -> str:
    """Return the sha of ``rev`` (HEAD), or raise GitError saying in one line what is
    wrong."""
    if not path.exists():
        raise GitError(f"{path}: no such directory")
    if rev.startswith("-") or not rev.strip():
        raise GitError(f"{rev!r} is not a revision: give a branch, tag or commit sha")
    head = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--verify", "-q", f"{rev}^{{commit}}"],
        capture_output=True,
        env=_git_env(),
    )
    if head.returncode == 0:  # one git process when all is well
        return _text(head.stdout).strip()
    proc = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, env=_git_env()
    )
    if proc.returncode != 0:
        raise GitError(f"{path}: not a git repository")
    if rev != "HEAD":
        raise GitError(f"{path}: no commit {rev!r} here (a branch, tag or commit sha)")
    raise GitError(f"{path}: the repository has no commits yet")


def list_commits(path: Path, revs: list[str]) -> list[str]:
    """The shas of the commits of ``revs``, in ``git log``'s order (newest first)."""
    return _text(_git(path, "rev-list", *revs, "--")).split()


# The log is read in slices of this many commits, by up to _LOG_PROCESSES git processes
# at once: git's diffs are most of a mine's work, and one git process uses one core. A
# small first slice lets parsing start early; larger ones after it, since each git
# process pays again for opening the packs (apache/tvm: 0.13 s of system time each).
_FIRST_SLICE = 250
_SLICE_COMMITS = 2000
_LOG_PROCESSES = 2


def _log_slice(path: Path, shas: Sequence[str], body: bool) -> tuple[int, bytes, bytes]:
    """``git log`` of exactly ``shas`` in their order (each diffed as a walk would):
    (exit code, output, stderr)."""
    command = [
        "git",
        "-C",
        str(path),
        *_LOG_OPTIONS,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-z",
        "--numstat",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        f"--format={LOG_FORMAT if body else LOG_FORMAT_NO_BODY}",
        "--",
    ]
    proc = subprocess.run(
        command, input=("\n".join(shas) + "\n").encode(), capture_output=True, env=_git_env()
    )
    return proc.returncode, proc.stdout, proc.stderr


def fetch_git_log(
    path: Path,
    revs: list[str],
    on_missing: Callable[[int], None] | None = None,
    *,
    body: bool = True,
    commits: Sequence[str] | None = None,
) -> Iterator[RawCommit]:
    """Yield every commit of ``revs`` (newest first) with its per-file line counts, and
    its message body unless ``body`` is False. ``commits`` is :func:`list_commits` of
    ``revs`` when the caller has it already.

    The commits are read in slices, two git processes at a time, while the slice
    before is parsed: the same bytes as one ``git log`` (diffs against the first
    parent, none for merges), in the same order, on two cores. If git stops on a
    missing object, the commits it had not finished are mined without reading missing
    blobs; ``on_missing`` is told how many files were affected.
    """
    order = list_commits(path, revs) if commits is None else list(commits)
    starts = [0, *range(_FIRST_SLICE, len(order), _SLICE_COMMITS)]
    slices = [order[a:b] for a, b in itertools.pairwise([*starts, len(order)]) if a < b]
    done: set[str] = set()
    running: deque[Future[tuple[int, bytes, bytes]]] = deque()
    with ThreadPoolExecutor(max_workers=_LOG_PROCESSES, thread_name_prefix="git-log") as pool:
        queued = iter(slices)
        for shas in itertools.islice(queued, _LOG_PROCESSES):
            running.append(pool.submit(_log_slice, path, shas, body))
        while running:
            code, out, stderr = running.popleft().result()
            if code != 0:
                break
            for shas in itertools.islice(queued, 1):
                running.append(pool.submit(_log_slice, path, shas, body))
            for commit in parse_log(_split_tokens([out]), body=body):
                done.add(commit.sha)
                yield commit
        else:
            return
        for later in running:
            later.cancel()
    # The last commit git printed may be cut short: it is mined again with the rest.
    printed = list(parse_log(_split_tokens([out]), body=body))[:-1]
    for commit in printed:
        done.add(commit.sha)
        yield commit
    message = _first_line(stderr)
    if "unable to read" not in message and "missing" not in message:
        raise GitError(f"git log failed: {message}")
    yield from _finish_without_missing(path, revs, done, on_missing, body=body)


def _finish_without_missing(
    path: Path,
    revs: list[str],
    done: set[str],
    on_missing: Callable[[int], None] | None,
    *,
    body: bool = True,
) -> Iterator[RawCommit]:
    log_format = LOG_FORMAT if body else LOG_FORMAT_NO_BODY
    order = _text(_git(path, "rev-list", *revs, "--")).split()
    remaining = [sha for sha in order if sha not in done]
    if not remaining:
        return
    blobs = _changed_blobs(path, remaining)
    ids = sorted(
        {b for entries in blobs.values() for old, new, _p in entries for b in (old, new) if b}
    )
    answer = _text(_git(path, "cat-file", "--batch-check", input=("\n".join(ids) + "\n").encode()))
    missing = {line.split()[0] for line in answer.splitlines() if line.endswith(" missing")}
    bad = [
        sha
        for sha in remaining
        if any(old in missing or new in missing for old, new, _p in blobs.get(sha, []))
    ]
    good = [sha for sha in remaining if sha not in set(bad)]
    if good:
        out = _git(
            path,
            *_LOG_OPTIONS,
            "diff-tree",
            "--stdin",
            "-z",
            "-r",
            "-M",
            "--numstat",
            "--root",
            "--always",
            "--no-ext-diff",
            "--no-textconv",
            f"--format={log_format}",
            input=("\n".join(good) + "\n").encode(),
        )
        yield from parse_log(_split_tokens([out]), body=body)
    if not bad:
        return
    headers = _git(
        path,
        *_LOG_OPTIONS,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-z",
        f"--format={log_format}",
        input=("\n".join(bad) + "\n").encode(),
    )
    affected = 0
    for commit in parse_log(_split_tokens([headers]), body=body):
        present = [
            p
            for old, new, p in blobs.get(commit.sha, [])
            if old not in missing and new not in missing
        ]
        unknown = [
            p for old, new, p in blobs.get(commit.sha, []) if old in missing or new in missing
        ]
        # Paths in batches: a commit that vendors a tree can touch more files than
        # one command line holds.
        for start in range(0, len(present), _PATHS_PER_CALL):
            out = _git(
                path,
                "--literal-pathspecs",
                *_LOG_OPTIONS,
                "diff-tree",
                "-z",
                "-r",
                "--no-renames",
                "--numstat",
                "--root",
                "--no-ext-diff",
                "--no-textconv",
                "--format=",
                commit.sha,
                "--",
                *present[start : start + _PATHS_PER_CALL],
            )
            tokens = [t.lstrip(b"\n") for t in out.split(b"\0") if t.strip(b"\n")]
            for token in tokens:
                added, deleted, name = token.split(b"\t", 2)
                commit.files.append((_text(name), _count(added), _count(deleted)))
        commit.files.extend((_text(p), None, None) for p in unknown)
        affected += len(unknown)
        yield commit
    if on_missing is not None:
        on_missing(affected)


def _changed_blobs(path: Path, shas: list[str]) -> dict[str, list[tuple[str, str, bytes]]]:
    """Per commit, (old blob, new blob, path) of every changed file, read from trees only
    (no blob is opened). Paths stay bytes: a name that is not UTF-8 must reach git again
    exactly as git wrote it. Submodule entries (gitlinks) are left out."""
    out = _git(
        path,
        "diff-tree",
        "--stdin",
        "-z",
        "-r",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--root",
        "--format=%x1e%H",
        input=("\n".join(shas) + "\n").encode(),
    )
    result: dict[str, list[tuple[str, str, bytes]]] = {}
    current = ""
    tokens = iter(out.split(b"\0"))
    zero = "0" * 40
    for token in tokens:
        token = token.strip(b"\n")
        if token.startswith(b"\x1e"):
            current = _text(token[1:]).strip()
            result.setdefault(current, [])
            continue
        if not token.startswith(b":"):
            continue
        meta = _text(token[1:]).split()
        name = next(tokens, b"")
        old_mode, new_mode, old, new = meta[0], meta[1], meta[2], meta[3]
        if "160000" in (old_mode, new_mode):
            continue
        result.setdefault(current, []).append(
            (
                old if old.strip("0") and old != zero else "",
                new if new.strip("0") and new != zero else "",
                name,
            )
        )
    return result


def parse_tree(raw: bytes) -> tuple[list[str], dict[str, str]]:
    """The file paths of ``git ls-tree -r -z`` output, and the blob of every
    ``.gitattributes`` among them (path -> sha).

    >>> parse_tree(b"100644 blob aa\\t.gitattributes\\x00100644 blob bb\\tsrc/a.py\\x00")
    (['.gitattributes', 'src/a.py'], {'.gitattributes': 'aa'})
    """
    files: list[str] = []
    attributes: dict[str, str] = {}
    for entry in raw.split(b"\0"):
        if not entry:
            continue
        info, _, name = entry.partition(b"\t")
        path = _text(name)
        files.append(path)
        parts = info.split()
        if path.rsplit("/", 1)[-1] == ".gitattributes" and parts[1:2] == [b"blob"]:
            attributes[path] = _text(parts[2])
    return files, attributes


# --- owner files over the history ------------------------------------------------------


class OwnerFileVersion(NamedTuple):
    """One version of an owner file: the commit that wrote it, and its text (None when
    the commit deleted the file)."""

    sha: str
    committed_at: datetime
    path: str
    text: str | None


def parse_owner_file_log(raw: bytes) -> list[tuple[str, int, str, str]]:
    """Parse ``git log -z --raw --no-abbrev --format=%x1e%H%x00%ct``: per changed file,
    (commit sha, commit time, path, new blob id or "" when deleted), in git's order.
    Pure. Submodule entries are left out."""
    out: list[tuple[str, int, str, str]] = []
    sha, when = "", 0
    tokens = iter(raw.split(b"\0"))
    zero = "0" * 40
    for token in tokens:
        token = token.strip(b"\n")
        if token.startswith(b"\x1e"):
            sha = _text(token[1:]).strip()
            when = int(_text(next(tokens, b"0")).strip() or 0)
            continue
        if not token.startswith(b":"):
            continue
        meta = _text(token[1:]).split()
        name = _text(next(tokens, b""))
        if "160000" in (meta[0], meta[1]):
            continue
        new = meta[3]
        out.append((sha, when, name, "" if new.strip("0") == "" or new == zero else new))
    return out


def _read_blobs(path: Path, blobs: list[str]) -> dict[str, bytes]:
    """Every blob in ``blobs`` through one ``git cat-file --batch``; missing ones
    (a partial clone, a damaged copy) are left out."""
    if not blobs:
        return {}
    proc = subprocess.run(
        ["git", "-C", str(path), "cat-file", "--batch"],
        input=("\n".join(blobs) + "\n").encode(),
        capture_output=True,
        env=_git_env(),
    )
    if proc.returncode != 0:
        raise GitError(f"git cat-file failed: {_first_line(proc.stderr)}")
    out: dict[str, bytes] = {}
    data = proc.stdout
    pos = 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) == 3:
            size = int(header[2])
            out[_text(header[0])] = data[pos : pos + size]
            pos += size + 1  # the content and its trailing newline
    return out


def fetch_owner_file_versions(
    path: Path,
    head: str = "HEAD",
    on_missing: Callable[[int], None] | None = None,
    *,
    paths: Sequence[str] | None = None,
) -> Iterator[OwnerFileVersion]:
    """Every version of every owner file (CODEOWNERS, OWNERS, OWNERS_ALIASES, people
    lists) reachable from ``head``, oldest first.

    ``paths``, when given, are every owner file the history ever changed (the
    ``--numstat`` paths of its commits that :func:`~talent.sources.owners.owner_file_kind`
    names): the walk then follows these literal paths instead of the owner globs, the
    same versions for a fraction of the work (a glob such as ``**/OWNERS`` makes git
    open every tree of every commit; apache/tvm: 5.5 s of CPU against 0.3 s). Their
    history is simplified at merges as the globs' is, except where a merge differs from
    a parent only in files the globs match that are no owner files (a ``maintainers/``
    folder's other files): git may then follow the other parent.

    One ``git log --raw`` over the owner-file pathspecs gives each change and its new
    blob id, then one ``git cat-file --batch`` reads every distinct blob: two
    processes per repository, whatever the number of versions. ``--raw`` rather than
    ``--name-status`` because it carries the blob ids, so no lookup per version is
    needed. Renames are seen as a deletion and an addition (``--no-renames``);
    owner_intervals treats that pair as a move. Versions whose blob is missing are
    skipped and counted through ``on_missing``.
    """
    if paths is not None and not paths:
        return  # no owner file, ever (git would read every path without a pathspec)
    pathspecs = owner_files.OWNER_PATHSPECS if paths is None else [f":(literal){p}" for p in paths]
    raw = _git(
        Path(path),
        *_LOG_OPTIONS,
        "log",
        "-z",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "--no-color",
        "--format=%x1e%H%x00%ct",
        head,
        "--",
        *pathspecs,
    )
    # git prints newest first; a commit's files stay in git's (path) order.
    changes = [
        c for c in parse_owner_file_log(raw) if owner_files.owner_file_kind(c[2]) is not None
    ]
    order: list[str] = []
    by_commit: dict[str, list[tuple[str, int, str, str]]] = {}
    for change in changes:
        if change[0] not in by_commit:
            order.append(change[0])
            by_commit[change[0]] = []
        by_commit[change[0]].append(change)
    blobs = sorted({c[3] for c in changes if c[3]})
    texts = _read_blobs(Path(path), blobs)
    missing = 0
    for sha in reversed(order):
        for _, when, name, blob in by_commit[sha]:
            if blob and blob not in texts:
                missing += 1
                continue
            yield OwnerFileVersion(
                sha,
                datetime.fromtimestamp(when, tz=UTC),
                name,
                _text(texts[blob]) if blob else None,
            )
    if missing and on_missing is not None:
        on_missing(missing)


# --- records ----------------------------------------------------------------------------


def parse_person(text: str) -> tuple[str, str] | None:
    """``"Name <email>"`` -> (name, email), or None.

    >>> parse_person("Ada Lovelace <ada@example.org>")
    ('Ada Lovelace', 'ada@example.org')
    >>> parse_person("no email here") is None
    True
    """
    match = _PERSON.match(text)
    return (match.group(1), match.group(2).strip()) if match else None


def parse_pr_number(subject: str) -> int | None:
    """The pull request a commit subject names, or None.

    >>> parse_pr_number("Fix the loader (#1234)")
    1234
    >>> parse_pr_number("Merge pull request #77 from octocat/patch-1")
    77
    >>> parse_pr_number("Bump version") is None
    True
    """
    match = _PR_SQUASH.search(subject) or _PR_MERGE.match(subject)
    return int(match.group(1)) if match else None


def parse_export_trailer(trailers: str) -> str | None:
    """The export trailer (:data:`EXPORT_TRAILERS`) of a commit's trailer block, as
    written, or None: the commit was copied in by a sync tool.

    >>> parse_export_trailer("Signed-off-by: Ada <a@x.org>\\nPiperOrigin-RevId: 4242")
    'PiperOrigin-RevId'
    >>> parse_export_trailer("Signed-off-by: Ada <a@x.org>") is None
    True
    """
    for line in trailers.splitlines():
        key, sep, _ = line.partition(":")
        if sep and key.strip().lower() in EXPORT_TRAILERS:
            return key.strip()
    return None


def _identity(
    batch: Batch, name: str, email: str, mapped: tuple[str, str] | None = None
) -> Identity:
    ident = Identity(IdentitySource.GIT, name=name, email=email)
    batch.who(ident)
    if mapped is not None and (mapped[0], mapped[1].lower()) != (name, email.lower()):
        canonical = Identity(IdentitySource.GIT, name=mapped[0], email=mapped[1])
        batch.who(canonical)
        batch.evidence.append(IdentityEvidence(ident.key, canonical.key, "mailmap", 0.99))
    return ident


def parse_commit(commit: RawCommit, repo: str, web_url: str, batch: Batch) -> None:
    """Turn one commit into activities, identities and file rows (added to ``batch``)."""
    author = _identity(
        batch,
        commit.author_name,
        commit.author_email,
        (commit.mapped_author_name, commit.mapped_author_email),
    )
    authored = datetime.fromtimestamp(commit.author_time, UTC)
    committed = datetime.fromtimestamp(commit.committer_time, UTC)
    url = f"{web_url}/commit/{commit.sha}" if web_url else ""
    pr = parse_pr_number(commit.subject)
    merge = len(commit.parents) > 1
    known = [(a or 0) + (d or 0) for _p, a, d in commit.files]
    size = sum(known)

    counterpart = None
    if merge:
        # Merging says "has write access": credited to whoever made the merge commit.
        match = _PR_MERGE.match(commit.subject)
        if match:
            source = Identity(IdentitySource.GITHUB, login=match.group(2))
            counterpart = batch.who(source)
    kind = ActivityKind.MERGE_COMMIT if merge else ActivityKind.COMMIT
    exported = parse_export_trailer(commit.trailers)
    state = f"{EXPORT_STATE}{exported}"[:40] if exported else ""
    batch.activities.append(
        Activity(
            key=f"{kind}:{repo}:{commit.sha}",
            repo=repo,
            kind=kind,
            actor=author.key,
            # A merge happens when it is committed; work is done when it is authored.
            occurred_at=committed if merge else authored,
            counterpart=counterpart,
            item=commit.sha,
            size=size,
            title=commit.subject,
            url=url,
            state=state,
            pr_number=pr,
        )
    )
    for path, added, deleted in commit.files:
        batch.commit_files.append(CommitFile(repo, commit.sha, path, added, deleted))

    # Compared as .mailmap maps them: one person's old and new address is not a patch
    # applied for someone else.
    if commit.mapped_committer_email.lower() != commit.mapped_author_email.lower() and (
        commit.committer_email.lower() not in SERVICE_EMAILS
    ):
        committer = _identity(
            batch,
            commit.committer_name,
            commit.committer_email,
            (commit.mapped_committer_name, commit.mapped_committer_email),
        )
        batch.activities.append(
            Activity(
                key=f"committed_for_other:{repo}:{commit.sha}",
                repo=repo,
                kind=ActivityKind.COMMITTED_FOR_OTHER,
                actor=committer.key,
                occurred_at=committed,
                counterpart=author.key,
                item=commit.sha,
                title=commit.subject,
                url=url,
                state=state,
                pr_number=pr,
            )
        )

    seen: set[tuple[str, str]] = set()
    for line in commit.trailers.splitlines():
        key, sep, value = line.partition(":")
        trailer_kind = _TRAILER_KINDS.get(key.strip().lower()) if sep else None
        person = parse_person(value) if trailer_kind else None
        if trailer_kind is None or person is None:
            continue
        name, email = person
        if email.lower() == commit.author_email.lower():
            # Signing off one's own work is no act, but the name written there may be
            # fuller than the commit's ("Ada" signing as "Ada Lovelace"): kept as an
            # identity of the same address, for resolution to show.
            if name.strip() and name != commit.author_name:
                _identity(batch, name, email)
            continue
        if (trailer_kind, email.lower()) in seen:
            continue
        seen.add((trailer_kind, email.lower()))
        ident = _identity(batch, name, email)
        batch.activities.append(
            Activity(
                key=f"{trailer_kind}:{repo}:{commit.sha}:{ident.key}",
                repo=repo,
                kind=trailer_kind,
                actor=ident.key,
                occurred_at=authored,
                counterpart=author.key,
                item=commit.sha,
                title=commit.subject,
                url=url,
                pr_number=pr,
            )
        )


# --- stewardship acts -------------------------------------------------------------------
#
# What a maintainer's work leaves in the history beside commits: release tags, version
# bumps, changelogs, backports, reverts of others' work, edits of CI, build, packaging
# and governance files, and approvals that merge bots and review systems write into
# messages. One row per act (and per commit and kind), beside the commit's own row.

# Subjects are compared without a trailing pull request number and a conventional-commit
# prefix ("chore(release): ", "build: ").
_SUBJECT_PR = re.compile(r"\s*\((?:#|[\w.-]+/[\w.-]+#)\d+\)\s*$")
_CONVENTIONAL = re.compile(r"^[a-z]+(?:\([^)]*\))?!?:\s+")
_VERSION = r"v?\d+\.\d+(?:\.\d+)*(?:[-.+]?(?:rc|a|b|alpha|beta|dev|post|pre)\.?\d*)?"
_RELEASE_SUBJECT = re.compile(
    rf"""^(?:
      (?:\[release\]\s*)?{_VERSION}(?:\s+release)?\.?$
    | (?:\[release\]\s*)?releas(?:e|ing)[:\s]+(?:version\s+)?{_VERSION}\b
    | \[release\]\s*(?:version\b|bump\b)
    | prep(?:are|aring|aration)?\s+(?:for\s+)?(?:the\s+)?(?:(?:next|new)\s+)?
      (?:release\b|{_VERSION}\b)
    | cut(?:ting)?\s+(?:the\s+)?(?:release\b|{_VERSION}\b)
    | (?:bump(?:ed|ing)?|update[ds]?|set|increment(?:ed)?|change[ds]?)\s+(?:the\s+)?
      (?:(?:main|project|package|library|dev|development|release)\s+)?version(?:\s+number)?
      (?::?\s+(?:to|for|from)\b|:?\s*$|:?\s+{_VERSION}\b)
    | bump(?:ed|ing)?\s+to\s+{_VERSION}\b
    | version\s+bump\b
    | (?:post[-\s]?release|back\s+to\s+dev(?:elopment)?)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_BACKPORT_SUBJECT = re.compile(
    r"""^(?:
      \[?\s*(?:auto(?:mated)?[-\s])?back[-\s]?port\b
    | \[?\s*(?:auto(?:mated)?[-\s])?cherry[-\s]?pick(?:ed)?\b
    | \[\s*release(?:[-/\s_]+v?\d+(?:\.[\dx]+)*|[-\s]only)\s*\]
    | \[\s*release[-/_][^\]\s]+\]
    | \[\s*v?\d+\.\d+(?:\.[\dx]+)?(?:[-.]x)?\s*\]
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_CHERRY_PICKED = re.compile(r"\(cherry[- ]picked from commit ([0-9a-f]{7,40})\)", re.IGNORECASE)
_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{7,40})\b")
_APPROVED_BY = re.compile(r"^Approved by:(.*)$", re.MULTILINE)
_GITHUB_USER_URL = re.compile(r"https?://github\.com/([A-Za-z0-9][A-Za-z0-9-]{0,38})(?![\w/-])")
_PHABRICATOR = re.compile(r"^Reviewed By:(.*)$", re.MULTILINE)
# A Phabricator diff exported to GitHub: its reviewers are named by their GitHub logins
# (a bare diff id, or the pull request it came from). A self-hosted Phabricator's export
# links its own server, whose user names are no GitHub accounts.
_GITHUB_EXPORT = re.compile(
    r"^(?:Differential Revision: D\d+\s*|Pull Request resolved: https://github\.com/\S+)$",
    re.MULTILINE,
)
_LOGIN_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")
# Homu / bors: "Auto merge of #12 - user:branch, r=login1,login2" (also "Rollup merge").
_HOMU = re.compile(
    r"^(?:Auto|Rollup) merge of #\d+ - ([A-Za-z0-9][A-Za-z0-9-]*):\S*, r=([A-Za-z0-9, -]+)$"
)
# bors-ng: "Merge #12 #13" then one line per pull request, "12: Title r=login a=author".
_BORS_NG_LINE = re.compile(
    r"^\d+: .* r=([A-Za-z0-9][A-Za-z0-9,-]*)(?: a=([A-Za-z0-9][A-Za-z0-9-]*))?\s*$",
    re.MULTILINE,
)

# Files, by path. Copies of other projects (VENDORED_DIRS) are never the project's own.
_DOC_SUFFIXES = frozenset({"", ".md", ".markdown", ".rst", ".txt", ".adoc", ".org"})
_CHANGELOG_NAME = re.compile(
    r"^(?:change[-_ ]?logs?|changes|news|history|release[-_ ]?notes?|releases|whats[-_]?new)"
    r"(?:[-_.][\w.-]*)?$",
    re.IGNORECASE,
)
_CHANGELOG_DIRS = frozenset(
    {
        "release-notes",
        "release_notes",
        "releasenotes",
        "changelog",
        "changelogs",
        "changelog.d",
        "changes.d",
        "newsfragments",
        ".changes",
        ".changeset",
        "whatsnew",
    }
)
_VERSION_FILES = frozenset(
    {"version", "version.txt", "version.py", "_version.py", "__version__.py", ".version"}
)
_CI_DIRS = (
    ".github/workflows/",
    ".github/actions/",
    ".circleci/",
    ".buildkite/",
    ".azure-pipelines/",
    ".gitlab/",
    ".ci/",
    ".tekton/",
    "ci/",
    ".jenkins/",
)
_CI_NAMES = re.compile(
    r"^(?:\.gitlab-ci\.ya?ml|jenkinsfile.*|\.travis\.ya?ml|azure-pipelines.*\.ya?ml"
    r"|\.?appveyor\.ya?ml|\.drone\.ya?ml|\.cirrus\.ya?ml|\.?codecov\.ya?ml"
    r"|\.pre-commit-config\.ya?ml|dependabot\.ya?ml|\.prow\.ya?ml|cloudbuild.*\.ya?ml)$",
    re.IGNORECASE,
)
_BUILD_NAMES = re.compile(
    r"^(?:makefile|gnumakefile|makefile\.am|.*\.mk|cmakelists\.txt|.*\.cmake|build|build\.bazel"
    r"|workspace|workspace\.bazel|module\.bazel|.*\.bzl|\.bazelrc|\.bazelversion"
    r"|build\.gradle(?:\.kts)?|settings\.gradle(?:\.kts)?|gradle\.properties|pom\.xml"
    r"|meson\.build|meson_options\.txt|sconstruct|configure\.ac|build\.sbt|build\.rs"
    r"|build\.zig|dockerfile.*|.*\.dockerfile|taskfile\.ya?ml|justfile|tox\.ini|noxfile\.py)$",
    re.IGNORECASE,
)
_PACKAGING_NAMES = re.compile(
    r"^(?:setup\.py|setup\.cfg|pyproject\.toml|requirements.*\.(?:txt|in)|pipfile"
    r"|manifest\.in|environment.*\.ya?ml|package\.json|go\.mod|cargo\.toml|.*\.gemspec"
    r"|gemfile|chart\.yaml|.*\.podspec|\.bumpversion\.cfg)$",
    re.IGNORECASE,
)
_SECURITY_NAME = re.compile(r"^security(?:[-_.][\w.-]*)?$", re.IGNORECASE)
# One INFRA_EDIT per commit: its state is the first of these its files fall in.
INFRA_STATES = ("ci", "build", "packaging")


@dataclass(frozen=True)
class PathActs:
    """What editing one file is: a changelog edit, a version file, the infrastructure
    area (``INFRA_STATES``) or None, a governance edit."""

    changelog: bool = False
    version: bool = False
    infra: str | None = None
    governance: bool = False


_NO_ACTS = PathActs()


def parse_path_acts(path: str) -> PathActs:
    """The stewardship a change to ``path`` shows.

    >>> parse_path_acts("docs/CHANGELOG.md").changelog
    True
    >>> parse_path_acts(".github/workflows/test.yml").infra
    'ci'
    >>> parse_path_acts("python/setup.py").infra
    'packaging'
    >>> parse_path_acts(".github/CODEOWNERS").governance
    True
    >>> parse_path_acts("src/history.py") == PathActs()
    True
    """
    parts = path.split("/")
    if any(part in owner_files.VENDORED_DIRS for part in parts[:-1]):
        return _NO_ACTS
    name = parts[-1]
    lower = name.lower()
    stem, suffix = os.path.splitext(lower)
    changelog = bool(
        (suffix in _DOC_SUFFIXES or suffix[1:].isdigit() or suffix in {".x"})
        and _CHANGELOG_NAME.match(stem if suffix in _DOC_SUFFIXES else lower)
    ) or (
        any(part.lower() in _CHANGELOG_DIRS for part in parts[:-1])
        and suffix in _DOC_SUFFIXES | {".yaml", ".yml"}
    )
    infra = None
    folder = path.lower()
    if _CI_NAMES.match(lower) or folder.startswith(_CI_DIRS):
        infra = "ci"
    elif _BUILD_NAMES.match(lower):
        infra = "build"
    elif _PACKAGING_NAMES.match(lower) or (
        lower == "meta.yaml"
        and any(p.lower() in {"conda", "recipe", "conda-recipe"} for p in parts)
    ):
        infra = "packaging"
    # A security policy where GitHub reads one (a docs page on security is not one).
    governance = owner_files.owner_file_kind(path) is not None or bool(
        suffix in _DOC_SUFFIXES
        and _SECURITY_NAME.match(stem)
        and "/".join(parts[:-1]).lower() in owner_files.CODEOWNERS_DIRS
    )
    # A version.py at the top is the release script of some projects (apache/tvm's),
    # inside a package it holds the version.
    version = lower in _VERSION_FILES and not (lower == "version.py" and len(parts) == 1)
    return PathActs(changelog, version, infra, governance)


# A version file's bump changes a line or two; more is work on a version script.
_BUMP_LINES = 4


def _bumps_version_files(
    files: Sequence[tuple[str, int | None, int | None]], acts_of: Callable[[str], PathActs]
) -> bool:
    """Do ``files`` (path, added, deleted) only bump version files (a line or two each),
    with changelogs beside them at most?"""
    bumped = False
    for path, added, deleted in files:
        acts = acts_of(path)
        if acts.version:
            # A bump replaces a line: a file written or cut is no bump.
            if not added or not deleted or added + deleted > _BUMP_LINES:
                return False
            bumped = True
        elif not acts.changelog:
            return False
    return bumped


def _clean_subject(subject: str) -> str:
    return _CONVENTIONAL.sub("", _SUBJECT_PR.sub("", subject.strip()), count=1)


def is_release_subject(subject: str) -> bool:
    """Does a commit subject say it cuts a release or bumps the project's version?
    Dependency updates ("Bump foo from 1.0 to 2.0") are not.

    >>> is_release_subject("Release 1.2.0 (#88)")
    True
    >>> is_release_subject("chore(main): release 0.4.1")
    True
    >>> is_release_subject("Bump version: 0.4.1 → 0.5.0")
    True
    >>> is_release_subject("Bump github.com/foo/bar from 1.2.0 to 1.3.0")
    False
    >>> is_release_subject("Update release notes for 1.2")
    False
    """
    return bool(_RELEASE_SUBJECT.match(_clean_subject(subject)))


def is_backport_subject(subject: str) -> bool:
    """Does a commit subject mark it as a backport or cherry-pick?

    >>> is_backport_subject("[Backport 1.2] Fix the loader (#12)")
    True
    >>> is_backport_subject("[release-1.2] Fix the loader")
    True
    >>> is_backport_subject("Cherry-pick #123 into v2")
    True
    >>> is_backport_subject("Fix backporting docs")
    False
    """
    return bool(_BACKPORT_SUBJECT.match(subject.strip()))


def parse_approvals(subject: str, body: str) -> list[tuple[str, str, str | None]]:
    """The approvals a commit message records: (approver login, form, the pull request
    author's login where the line names one), in the order written, each approver once.

    Forms: ``approved-by`` (PyTorch's merge bot: ``Approved by: https://github.com/LOGIN,
    ...``), ``phabricator`` (an exported diff's ``Reviewed By: name1, name2``, where the
    export names GitHub logins: ``Differential Revision: D123`` or ``Pull Request
    resolved: https://github.com/...``; a self-hosted server's user names are not), ``bors``
    (``Auto merge of #N - user:branch, r=LOGIN1,LOGIN2`` and bors-ng's ``N: Title r=LOGIN
    a=AUTHOR``). A request for review (``r? @LOGIN``) is no approval.

    >>> parse_approvals("Fix (#1)", "Pull Request resolved: x\\nApproved by: "
    ...     "https://github.com/ada, https://github.com/bob")
    [('ada', 'approved-by', None), ('bob', 'approved-by', None)]
    >>> parse_approvals("Auto merge of #7 - eve:fix, r=ada,bob", "")
    [('ada', 'bors', 'eve'), ('bob', 'bors', 'eve')]
    >>> parse_approvals("x", "Reviewed By: ada, #group\\n\\nDifferential Revision: D1")
    [('ada', 'phabricator', None)]
    >>> parse_approvals("x", "Reviewed By: ben\\nDifferential Revision: https://p.example/D2")
    []
    """
    found: list[tuple[str, str, str | None]] = []
    if "Approved by:" in body:
        for line in _APPROVED_BY.findall(body):
            found += [(login, "approved-by", None) for login in _GITHUB_USER_URL.findall(line)]
    if "Reviewed By:" in body and _GITHUB_EXPORT.search(body):
        for line in _PHABRICATOR.findall(body):
            names = (n.strip() for n in line.split(","))
            found += [(n, "phabricator", None) for n in names if _LOGIN_TOKEN.match(n)]
    if "r=" in subject:
        match = _HOMU.match(subject.strip())
        if match:
            names = (n.strip() for n in match.group(2).split(","))
            found += [(n, "bors", match.group(1)) for n in names if _LOGIN_TOKEN.match(n)]
    if " r=" in body and subject.startswith("Merge #"):
        for reviewers, author in _BORS_NG_LINE.findall(body):
            names = (n.strip() for n in reviewers.split(","))
            found += [(n, "bors", author or None) for n in names if _LOGIN_TOKEN.match(n)]
    seen: set[str] = set()
    out = []
    for login, form, author in found:
        if login.lower() not in seen and not login.lower().endswith("-bot"):
            seen.add(login.lower())
            out.append((login, form, author))
    return out


def _noreply_login(email: str) -> str | None:
    local, _, domain = email.lower().partition("@")
    if domain != "users.noreply.github.com":
        return None
    return local.partition("+")[2] or local


def _subject_key(subject: str) -> str:
    # The same change under another pull request number, or in another case.
    return _SUBJECT_PR.sub("", subject).strip().lower()


# Subjects shorter than this ("Fix typo", "Update README.md") are too common to say that
# a release branch's commit is the same change as a mainline one.
_SAME_CHANGE = 20
_REVERT_SUBJECT = re.compile(r'^(?:\[[^\]]*\]\s*)*revert\s+"(.+)"', re.IGNORECASE)


class _Pending(NamedTuple):
    """A revert or backport whose source commit's author is looked up at the end: by
    the sha the message names, else by the subject of the change (the reverted one's, or
    the backport's own: the same change committed earlier on the mainline)."""

    kind: ActivityKind
    target: str | None  # the sha written in the message (maybe abbreviated)
    subject: str | None  # the source's subject (:func:`_subject_key`)
    actor: str
    actor_email: str  # mapped, lower-cased
    sha: str
    occurred_at: datetime
    committed: int
    title: str
    url: str
    pr_number: int | None
    state: str


class Stewardship:
    """The stewardship acts of the commits :meth:`add` is given, into their batch.

    Acts that a commit shows alone (version bumps, changelog, infrastructure and
    governance edits, approvals, backports by subject) are added at once; reverts and
    cherry-picks name another commit, whose author is looked up in :meth:`finish`: first
    among the commits added, then for the rest in two git processes whatever their
    number, and last by subject among the mainline's commits. A revert counts only when
    the reverted commit's author is someone else (compared as ``.mailmap`` maps them);
    a revert of a commit that cannot be found is left out, and so is a commit of a
    release branch that is neither marked as a backport nor the same change (by
    subject) as one committed before it on the mainline.
    """

    def __init__(self, repo: str, web_url: str):
        self.repo = repo
        self.web_url = web_url
        # sha -> (name, email, mapped name, mapped email) of every commit added.
        self.authors: dict[str, tuple[str, str, str, str]] = {}
        # subject key -> (sha, commit time) of the oldest mainline commit with it.
        self.subjects: dict[str, tuple[str, int]] = {}
        self.pending: list[_Pending] = []
        self._paths: dict[str, PathActs] = {}

    def _acts_of(self, path: str) -> PathActs:
        acts = self._paths.get(path)
        if acts is None:
            acts = self._paths[path] = parse_path_acts(path)
        return acts

    def add(self, commit: RawCommit, batch: Batch, *, mainline: bool = True) -> None:
        """Add ``commit``'s acts to ``batch``. ``mainline=False``: a commit of a
        release branch outside the mined history (only its backport and release acts
        count)."""
        self.authors[commit.sha] = (
            commit.author_name,
            commit.author_email,
            commit.mapped_author_name,
            commit.mapped_author_email,
        )
        merge = len(commit.parents) > 1
        if mainline:  # parse_commit has given the author's identity
            author = Identity(
                IdentitySource.GIT, name=commit.author_name, email=commit.author_email
            )
            if not merge:  # newest first: the last one written is the oldest
                self.subjects[_subject_key(commit.subject)] = (commit.sha, commit.committer_time)
        else:
            author = _identity(
                batch,
                commit.author_name,
                commit.author_email,
                (commit.mapped_author_name, commit.mapped_author_email),
            )
        # A backport is credited to whoever put it on the branch: the committer of a
        # cherry-pick (git keeps the original author), the author of a pull request
        # merged on GitHub's web.
        picker, picker_email = author, commit.mapped_author_email
        if commit.mapped_committer_email.lower() != commit.mapped_author_email.lower() and (
            commit.committer_email.lower() not in SERVICE_EMAILS
        ):
            picker_email = commit.mapped_committer_email
            picker = _identity(
                batch,
                commit.committer_name,
                commit.committer_email,
                None if mainline else (commit.mapped_committer_name, picker_email),
            )
        authored = datetime.fromtimestamp(commit.author_time, UTC)
        committed = datetime.fromtimestamp(commit.committer_time, UTC)
        url = f"{self.web_url}/commit/{commit.sha}" if self.web_url else ""
        pr = parse_pr_number(commit.subject)

        def act(kind: ActivityKind, state: str = "", actor: Identity = author) -> None:
            batch.activities.append(
                Activity(
                    key=f"{kind}:{self.repo}:{commit.sha}",
                    repo=self.repo,
                    kind=kind,
                    actor=actor.key,
                    occurred_at=authored,
                    item=commit.sha,
                    title=commit.subject,
                    url=url,
                    state=state,
                    pr_number=pr,
                )
            )

        def pend(kind: ActivityKind, target: str | None, subject: str | None, state: str):
            actor, email = (
                (picker, picker_email)
                if kind == ActivityKind.BACKPORT
                else (
                    author,
                    commit.mapped_author_email,
                )
            )
            self.pending.append(
                _Pending(
                    kind,
                    target.lower() if target else None,
                    subject,
                    actor.key,
                    email.lower(),
                    commit.sha,
                    authored,
                    commit.committer_time,
                    commit.subject,
                    url,
                    pr,
                    state,
                )
            )

        if not merge and is_release_subject(commit.subject):
            act(ActivityKind.VERSION_BUMP, "subject")
        elif not merge and commit.files and _bumps_version_files(commit.files, self._acts_of):
            act(ActivityKind.VERSION_BUMP, "files")
        picked = _CHERRY_PICKED.search(commit.body) if "picked from" in commit.body else None
        if picked:
            pend(ActivityKind.BACKPORT, picked.group(1), None, "cherry-pick")
        elif not merge and is_backport_subject(commit.subject):
            act(ActivityKind.BACKPORT, "subject", picker)
        elif not merge and not mainline and len(_subject_key(commit.subject)) >= _SAME_CHANGE:
            pend(ActivityKind.BACKPORT, None, _subject_key(commit.subject), "release-branch")
        if not mainline:
            return
        if "revert" in commit.subject.lower():
            reverted = _REVERTS.search(commit.body) if "reverts commit" in commit.body else None
            quoted = _REVERT_SUBJECT.match(commit.subject)
            subject = _subject_key(quoted.group(1)) if quoted else None
            if reverted:
                pend(ActivityKind.REVERT, reverted.group(1), subject, "")
            elif subject and len(subject) >= _SAME_CHANGE:
                # GitHub's revert button writes 'Revert "Title (#12)"' and "Reverts
                # owner/repo#12", no sha: the reverted change is found by its subject
                # (long enough not to be a common one).
                pend(ActivityKind.REVERT, None, subject, "")
        if commit.files:
            kinds = [self._acts_of(p) for p, _a, _d in commit.files]
            if any(k.changelog for k in kinds):
                act(ActivityKind.CHANGELOG_EDIT)
            areas = {k.infra for k in kinds}
            for state in INFRA_STATES:
                if state in areas:
                    act(ActivityKind.INFRA_EDIT, state)
                    break
            if any(k.governance for k in kinds):
                act(ActivityKind.GOVERNANCE_EDIT)
        if "r=" in commit.subject or "Approved by:" in commit.body or "Reviewed By:" in commit.body:
            self._approvals(commit, batch, author.key, committed, url, pr)

    def _approvals(self, commit, batch, author_key, committed, url, pr) -> None:
        own = _noreply_login(commit.author_email)
        for login, form, pr_author in parse_approvals(commit.subject, commit.body):
            if own and login.lower() == own:
                continue  # approving one's own change is no act
            approver = batch.who(Identity(IdentitySource.GITHUB, login=login))
            counterpart = author_key
            if pr_author:  # a merge bot's commit: the pull request's author is named
                if pr_author.lower() == login.lower():
                    continue
                counterpart = batch.who(Identity(IdentitySource.GITHUB, login=pr_author))
            batch.activities.append(
                Activity(
                    key=f"{ActivityKind.APPROVED_BY}:{self.repo}:{commit.sha}:{approver}",
                    repo=self.repo,
                    kind=ActivityKind.APPROVED_BY,
                    actor=approver,
                    occurred_at=committed,
                    counterpart=counterpart,
                    item=commit.sha,
                    title=commit.subject,
                    url=url,
                    state=form,
                    pr_number=pr,
                )
            )

    def _read_subjects(self, path: Path, head: str) -> None:
        """Add the subjects and authors of the history up to ``head`` (one git process,
        no diffs), for the subject lookups of an incremental run."""
        out = _git(
            path,
            "log",
            "-z",
            "--no-merges",
            "--format=%H%x00%ct%x00%an%x00%ae%x00%aN%x00%aE%x00%s",
            head,
            "--",
        )
        fields = [_text(t).lstrip("\n") for t in out.split(b"\0")]
        for i in range(0, len(fields) - 6, 7):
            sha, when, name, email, mapped_name, mapped_email, subject = fields[i : i + 7]
            self.authors.setdefault(sha, (name, email, mapped_name, mapped_email))
            # Newest first: the last one written is the oldest.
            self.subjects[_subject_key(subject)] = (sha, int(when or 0))

    def _source(self, p: _Pending, found: Mapping[str, tuple[str, str, str, str]]):
        if p.target and p.target in found:
            return found[p.target]
        by_subject = self.subjects.get(p.subject) if p.subject else None
        if by_subject is not None and by_subject[1] < p.committed and by_subject[0] != p.sha:
            return self.authors.get(by_subject[0])
        return None

    def finish(self, path: Path, batch: Batch, older: str | None = None) -> None:
        """Look up the commits the reverts and backports name, and add their acts.
        ``older``: the head of the history read before (an incremental run), where a
        source found by subject may be when it is not among the commits added."""
        wanted = sorted({p.target for p in self.pending if p.target} - self.authors.keys())
        found = {**fetch_commit_authors(path, wanted), **self.authors} if wanted else self.authors
        if older and any(self._source(p, found) is None and p.subject for p in self.pending):
            self._read_subjects(path, older)
        for p in self.pending:
            source = self._source(p, found)
            counterpart = None
            if source is not None and source[3].lower() != p.actor_email:
                counterpart = _identity(batch, source[0], source[1], (source[2], source[3])).key
            if p.kind == ActivityKind.REVERT and counterpart is None:
                continue  # one's own commit, or a commit nobody can find: no act
            if p.state == "release-branch" and source is None:
                continue  # a release branch's own work, not the same change as the mainline's
            batch.activities.append(
                Activity(
                    key=f"{p.kind}:{self.repo}:{p.sha}",
                    repo=self.repo,
                    kind=p.kind,
                    actor=p.actor,
                    occurred_at=p.occurred_at,
                    counterpart=counterpart,
                    item=p.sha,
                    title=p.title,
                    url=p.url,
                    state=p.state,
                    pr_number=p.pr_number,
                )
            )
        self.pending = []


def fetch_commit_authors(path: Path, shas: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:
    """(name, email, mapped name, mapped email) of the author of each commit in ``shas``
    (full or abbreviated) that the repository holds, keyed as given: one ``git cat-file
    --batch-check`` to tell which exist, one ``git log --no-walk`` to read them."""
    if not shas:
        return {}
    answer = _text(
        _git(
            path,
            "cat-file",
            "--batch-check=%(objectname) %(objecttype)",
            input=("\n".join(shas) + "\n").encode(),
        )
    ).splitlines()
    full: dict[str, str] = {}
    for asked, line in zip(shas, answer, strict=False):
        parts = line.split()
        if len(parts) == 2 and parts[1] == "commit":
            full[asked] = parts[0]
    if not full:
        return {}
    out = _git(
        path,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "--format=%H%x00%an%x00%ae%x00%aN%x00%aE%x00",
        input=("\n".join(sorted(set(full.values()))) + "\n").encode(),
    )
    fields = [_text(t).lstrip("\n") for t in out.split(b"\0")]
    by_sha = {
        fields[i]: (fields[i + 1], fields[i + 2], fields[i + 3], fields[i + 4])
        for i in range(0, len(fields) - 4, 5)
    }
    return {asked: by_sha[sha] for asked, sha in full.items() if sha in by_sha}


class Tag(NamedTuple):
    """An annotated tag: its name, tagger (raw and as ``.mailmap`` maps them) and date,
    and the commit it points to."""

    name: str
    tagger_name: str
    tagger_email: str
    tagged_at: int
    target: str
    mapped_name: str = ""
    mapped_email: str = ""


TAG_FORMAT = (
    "%(objecttype)%00%(refname)%00%(taggername)%00%(taggeremail)%00%(taggerdate:unix)"
    "%00%(*objectname)%00%(*objecttype)%00%(creatordate:unix)%00%(objectname)"
)


def parse_tags(raw: bytes) -> tuple[list[Tag], list[tuple[int, str]]]:
    """Parse ``git for-each-ref --format=TAG_FORMAT refs/tags``: the annotated tags of
    commits that name a tagger, and (date, commit) of every tag of a commit, lightweight
    ones too. Pure.

    >>> tags, targets = parse_tags(
    ...     b"tag\\x00refs/tags/v1\\x00Ada\\x00<ada@x.org>\\x00100\\x00c1\\x00commit"
    ...     b"\\x00100\\x00t1\\n"
    ...     b"commit\\x00refs/tags/v0\\x00\\x00\\x00\\x00\\x00\\x0090\\x00c0\\n")
    >>> [(t.name, t.tagger_email, t.tagged_at, t.target) for t in tags], targets
    ([('v1', 'ada@x.org', 100, 'c1')], [(100, 'c1'), (90, 'c0')])
    """
    tags: list[Tag] = []
    targets: list[tuple[int, str]] = []
    for line in raw.split(b"\n"):
        fields = [_text(f) for f in line.split(b"\0")]
        if len(fields) < 9:
            continue
        kind, ref, name, email, when, peeled, peeled_type, created, own = fields[:9]
        if kind == "tag" and peeled_type == "commit":
            target = peeled
        elif kind == "commit":
            target = own
        else:  # a tag of a tree or a blob, or of another tag's tag
            continue
        if created.strip():
            targets.append((int(created), target))
        if kind == "tag" and name.strip() and when.strip():
            tags.append(
                Tag(ref.removeprefix("refs/tags/"), name, email.strip("<>"), int(when), target)
            )
    return tags, targets


def releases_of(tags: Sequence[Tag]) -> list[tuple[Tag, int]]:
    """One release per commit and tagger: a project of many modules tags one release
    once per module ("api/v1.2.0", "sdk/v1.2.0"), and a release also tagged "latest" is
    one release. Each is named by its tag with the fewest folders, then the shortest
    name; returns (that tag, how many more tags it stands for), oldest first.

    >>> tags = [Tag("sdk/v1.2.0", "Ada", "a@x.org", 5, "c1", "Ada", "a@x.org"),
    ...         Tag("v1.2.0", "Ada", "a@x.org", 5, "c1", "Ada", "a@x.org"),
    ...         Tag("v1.1.0", "Ada", "a@x.org", 3, "c0", "Ada", "a@x.org")]
    >>> [(t.name, more) for t, more in releases_of(tags)]
    [('v1.1.0', 0), ('v1.2.0', 1)]
    """
    groups: dict[tuple[str, str], list[Tag]] = {}
    for tag in tags:
        groups.setdefault((tag.target, tag.mapped_email.lower()), []).append(tag)
    chosen = [
        (min(group, key=lambda t: (t.name.count("/"), len(t.name), t.name)), len(group) - 1)
        for group in groups.values()
    ]
    return sorted(chosen, key=lambda pair: (pair[0].tagged_at, pair[0].name))


def fetch_tags(path: Path, until: int) -> tuple[list[Tag], list[str]]:
    """The annotated tags dated at or before ``until`` (unix time: a mirror fetched
    later than the mined head holds tags from its future), their taggers mapped by
    ``.mailmap``, and the commits all tags so dated point to. Two git processes."""
    raw = _git(path, "for-each-ref", f"--format={TAG_FORMAT}", "refs/tags")
    tags, targets = parse_tags(raw)
    tags = [t for t in tags if t.tagged_at <= until]
    people = sorted({f"{t.tagger_name} <{t.tagger_email}>" for t in tags})
    mapped: dict[str, tuple[str, str]] = {}
    for start in range(0, len(people), _PATHS_PER_CALL):
        chunk = people[start : start + _PATHS_PER_CALL]
        answer = _text(_git(path, "check-mailmap", *chunk)).splitlines()
        for asked, line in zip(chunk, answer, strict=False):
            person = parse_person(line)
            if person:
                mapped[asked] = person
    out = []
    for t in tags:
        name, email = mapped.get(
            f"{t.tagger_name} <{t.tagger_email}>", (t.tagger_name, t.tagger_email)
        )
        out.append(t._replace(mapped_name=name, mapped_email=email))
    return out, sorted({sha for when, sha in targets if when <= until})


def fetch_branch_commits(path: Path, tips: Sequence[str], head: str, until: int) -> list[RawCommit]:
    """The commits reachable from ``tips`` (the tagged commits) but not from ``head``,
    committed at or before ``until``: the release branches' own commits, without file
    counts. Histories that share no commit with ``head`` (tags of an old rewritten
    history) are left out. One git process, no diffs."""
    if not tips:
        return []
    out = _git(
        path,
        *_LOG_OPTIONS,
        "log",
        "-z",
        "--topo-order",
        "--stdin",
        f"--format={LOG_FORMAT}",
        input=("\n".join([*tips, f"^{head}"]) + "\n").encode(),
    )
    commits = list(parse_log(_split_tokens([out])))
    walked = {c.sha: c for c in commits}
    # Oldest first (topo order reversed: parents before children). A commit is in a
    # separate history when all its parents are in one (or it has none).
    apart: set[str] = set()
    for c in reversed(commits):
        if all(p in walked and p in apart for p in c.parents):
            apart.add(c.sha)
    return [c for c in commits if c.sha not in apart and c.committer_time <= until]


# --- the source -------------------------------------------------------------------------


_REMOTE = re.compile(r"github\.com[:/]+([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def repo_name(path: Path) -> tuple[str, str]:
    """(owner/name, web url) from the origin remote if it is on GitHub, else the folder."""
    remote = _text(_git(path, "config", "--get", "remote.origin.url", check=False)).strip()
    match = _REMOTE.search(remote)
    if match:
        full = f"{match.group(1)}/{match.group(2)}"
        return full, f"https://github.com/{full}"
    folder = path.resolve().name.removesuffix(".git") or "repository"
    return f"local/{folder}", ""


def history_roots(path: Path, head: str) -> str:
    """The first commits of ``head``'s history, sorted, space-separated: what names a
    history whatever the clone is called."""
    return " ".join(sorted(_text(_git(path, "rev-list", "--max-parents=0", head)).split()))


def _has_commit(path: Path, sha: str) -> bool:
    probe = ["git", "-C", str(path), "cat-file", "-e", f"{sha}^{{commit}}"]
    return subprocess.run(probe, capture_output=True, env=_git_env()).returncode == 0


@dataclass
class MineResult:
    repo: str
    commits: int
    activities: int
    files_unknown: int
    incremental: bool
    pruned: int = 0
    owner_notes: tuple[str, ...] = ()  # what could not be read in the head's owner files


@dataclass
class StaleRows(Batch):
    """A full re-read of ``repo`` is complete: its stored acts of ``kinds`` whose key is
    not in ``keep`` (and the file rows of commits no longer referenced) are gone from
    the history (a rewritten branch) and should be deleted, after the batches before
    this one are saved and before the marks after it. The records of a Batch carry no
    deletions, so this rides as an empty batch: :func:`talent.mining.mine_git` deletes
    the rows; :func:`talent.sync.run_sync` alone saves it as the empty batch it is, and
    the stale rows stay."""

    repo: str = ""
    kinds: tuple[str, ...] = ()
    keep: frozenset[str] = frozenset()


class GitSource:
    """Local git repositories, each read with ``git log`` in slices up to ``rev``
    (HEAD), and who its owner files named over their history, read beside it.

    Incremental by default: only commits not reachable from the head read last time
    (the ``git:head`` mark) are read. Commits come in batches of :data:`_BATCH_COMMITS`,
    the owner files and the file list at the head after them, and the head's mark last,
    so a run killed at any point and run again gives the same rows as an uninterrupted
    run. ``full=True`` reads everything again and ends with a :class:`StaleRows` for
    the commits no longer in the history. ``teams`` ("team" or "org/team" -> logins,
    :func:`~talent.sources.owners.parse_team_list`) expands the teams the owner files
    name, for projects whose teams the API will not list. ``name`` (one path only)
    overrides the name taken from the GitHub remote or the folder.

    A repository that cannot be read is a :class:`Failure` (scope: its name, or its
    path before the name is known); :attr:`results` holds a :class:`MineResult` per
    repository read.
    """

    name = "git"

    def __init__(
        self,
        paths: Path | str | Sequence[Path | str],
        *,
        name: str | None = None,
        full: bool = False,
        teams: Mapping[str, Sequence[str]] | None = None,
        rev: str = "HEAD",
        stewardship: bool = True,
    ):
        self.paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
        if name and len(self.paths) > 1:
            raise ValueError("name names one repository; give a single path with it")
        self.repo = name
        self.full = full
        self.teams = teams
        self.rev = rev
        self.stewardship = stewardship
        self.results: list[MineResult] = []

    def read(self, state: SourceState) -> Iterator[Item]:
        for path in self.paths:
            try:
                head = check_repository(path, self.rev)
                repo, web_url = (self.repo, "") if self.repo else repo_name(path)
            except GitError as exc:
                yield Failure(str(path), str(exc))
                continue
            if self.repo:
                problem = repo_name_problem(self.repo)
                if problem:
                    yield Failure(str(path), f"--name: {problem}")
                    continue
                repo = self.repo
                web_url = (
                    f"https://github.com/{repo}" if re.fullmatch(r"[\w.-]+/[\w.-]+", repo) else ""
                )
            try:
                yield from self._repository(path, head, repo, web_url, state)
            except GitError as exc:
                yield Failure(repo, str(exc))

    def _repository(
        self, path: Path, head: str, repo: str, web_url: str, state: SourceState
    ) -> Iterator[Item]:
        previous, _ = state.mark(repo, _SYNC_RESOURCE)
        stored_roots, _ = state.mark(repo, ROOTS_RESOURCE)
        reading, _ = state.mark(repo, _READING_RESOURCE)
        reading_now = HISTORY_READING if self.stewardship else "1"
        # A store read by an older miner lacks acts it now finds: read it all again.
        full = self.full or bool(previous and (reading or "1") != reading_now)
        if previous == head and stored_roots and not full:
            # Nothing new. The roots were stored with this very head, so the history is
            # the one stored under this name: no walk of it (history_roots reads every
            # commit), only the owner files if their mark is not this head's.
            yield from self._unchanged(path, repo, head, state)
            return
        roots = history_roots(path, head)
        # The same history under a second name would count every act twice.
        elsewhere = [r for r in state.scopes_marked(ROOTS_RESOURCE, roots) if r != repo]
        if elsewhere and not stored_roots:
            raise GitError(
                f"{path}: this history is already stored as {elsewhere[0]}; mine it under "
                f"that name (--name {elsewhere[0]}, or no --name) so its acts count once"
            )
        # A deepened shallow clone has new roots, but the old ones are still its commits.
        if stored_roots and not any(_has_commit(path, sha) for sha in stored_roots.split()):
            raise GitError(
                f"{path}: another repository is already stored as {repo} (their first "
                f"commits differ); give this one its own name with --name OWNER/REPO"
            )
        revs = [head]
        incremental = False
        if previous and not full:
            if previous == head:
                yield from self._unchanged(path, repo, head, state)
                return
            if _has_commit(path, previous):
                revs = [head, "--not", previous]
                incremental = True
        order = list_commits(path, revs)
        total = len(order)

        unknown_files = 0

        def note_missing(count: int) -> None:
            nonlocal unknown_files
            unknown_files += count

        batch = Batch(scope=repo, repos=[Repo(repo, Origin.GIT, url=web_url)])
        seen_keys: set[str] = set()
        commits = 0
        activities = 0
        branches = BranchAuthors(owner=repo.split("/")[0])
        steward = Stewardship(repo, web_url) if self.stewardship else None
        due = self._owners_due(repo, head, state, force=self.full)
        changed: set[str] = set()  # every path the commits read changed
        for commit in fetch_git_log(path, revs, note_missing, body=self.stewardship, commits=order):
            changed.update([f[0] for f in commit.files])
            parse_commit(commit, repo, web_url, batch)
            branches.add(commit)
            if steward is not None:
                steward.add(commit, batch)
            commits += 1
            if commits % _BATCH_COMMITS == 0:
                activities += len(batch)
                if full:
                    seen_keys.update(a.key for a in batch.activities)
                yield batch
                batch = Batch(scope=repo)
            if commits % 200 == 0 or commits == total:
                yield Progress(repo, commits, total)
        owners_read = None
        if due:
            # The owner-file history, walked along the owner files the log showed (and
            # those of earlier runs), beside the releases' git processes.
            known = self._owner_paths(state, repo, changed, complete=not incremental)
            background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="owner-files")
            owners_read = background.submit(self._read_owners, path, repo, head, due, known)
            background.shutdown(wait=False)
        batch.evidence.extend(branches.evidence(head))
        if steward is not None:
            self._releases(path, head, steward, batch, previous if incremental else None)
        activities += len(batch)
        if full:
            seen_keys.update(a.key for a in batch.activities)
        yield batch
        yield Progress(repo, commits, max(total, commits))
        if full:
            kinds = tuple(str(k) for k in GIT_KINDS)
            yield StaleRows(scope=repo, repo=repo, kinds=kinds, keep=frozenset(seen_keys))
        owners, notes = owners_read.result() if owners_read else (Batch(scope=repo), ())
        # Last, and only now: the head these rows cover.
        owners.marks += [
            Mark(repo, ROOTS_RESOURCE, roots),
            Mark(repo, _READING_RESOURCE, reading_now),
            Mark(repo, _SYNC_RESOURCE, head),
        ]
        yield owners
        self.results.append(
            MineResult(repo, commits, activities, unknown_files, incremental, 0, notes)
        )

    def _releases(
        self, path: Path, head: str, steward: Stewardship, batch: Batch, older: str | None
    ) -> None:
        """The tags dated up to ``head``'s commit time (by their taggers), the release
        branches' own commits (those the tags reach and ``head`` does not), and the
        reverts and cherry-picks looked up, into ``batch``. Read whole on every run that
        reads commits: a few git processes, none per tag or commit."""
        until = int(_text(_git(path, "log", "-1", "--format=%ct", head)).strip() or 0)
        tags, tips = fetch_tags(path, until)
        repo, web_url = steward.repo, steward.web_url
        for tag, more in releases_of(tags):
            tagger = _identity(
                batch, tag.tagger_name, tag.tagger_email, (tag.mapped_name, tag.mapped_email)
            )
            batch.activities.append(
                Activity(
                    key=f"{ActivityKind.RELEASE_TAGGED}:{repo}:{tag.name}",
                    repo=repo,
                    kind=ActivityKind.RELEASE_TAGGED,
                    actor=tagger.key,
                    occurred_at=datetime.fromtimestamp(tag.tagged_at, UTC),
                    item=tag.name,
                    title=tag.name + (f" (and {more} more tags)" if more else ""),
                    url=f"{web_url}/releases/tag/{tag.name}" if web_url else "",
                    state="release",
                )
            )
        for commit in fetch_branch_commits(path, tips, head, until):
            steward.add(commit, batch, mainline=False)
        steward.finish(path, batch, older)

    def _unchanged(self, path: Path, repo: str, head: str, state: SourceState) -> Iterator[Item]:
        """The head is the one stored: no commit to read, the owner files only if their
        rows are not yet this head's (and these teams')."""
        due = self._owners_due(repo, head, state, force=False)
        notes: tuple[str, ...] = ()
        if due:
            known = self._owner_paths(state, repo, set(), complete=False)
            owners, notes = self._read_owners(path, repo, head, due, known)
            yield owners
        self.results.append(MineResult(repo, 0, 0, 0, True, owner_notes=notes))

    def _owners_due(self, repo: str, head: str, state: SourceState, *, force: bool) -> str:
        """The owner-file mark for ``head`` and these teams, or "" when the store holds
        it already (and ``force`` is False): nothing to read."""
        watermark = f"{head} reading:{OWNERS_READING}"
        if self.teams:
            listed = json.dumps(sorted((k.lower(), sorted(v)) for k, v in self.teams.items()))
            watermark += " teams:" + hashlib.sha1(listed.encode()).hexdigest()[:12]
        done, _ = state.mark(repo, OWNERS_RESOURCE)
        return "" if done == watermark and not force else watermark

    def _owner_paths(
        self, state: SourceState, repo: str, changed: set[str], *, complete: bool
    ) -> list[str] | None:
        """Every owner file the history up to the head changed: those among ``changed``
        (the paths of the commits read; all of the history's when ``complete``) and the
        ones earlier runs kept. None when that is not known (a store mined before they
        were kept) or too many to pass to git: the owner globs are walked then."""
        found = {p for p in changed if owner_files.owner_file_kind(p) is not None}
        if not complete:
            kept = state.meta(OWNER_PATHS_META + repo)
            if kept is None:
                return None
            found.update(json.loads(kept))
        if len(found) > _OWNER_PATHS_MAX or not all(p.isascii() for p in found):
            return None
        return sorted(found)

    def _read_owners(
        self, path: Path, repo: str, head: str, watermark: str, known: list[str] | None
    ) -> tuple[Batch, tuple[str, ...]]:
        """Who the owner files name over their whole history, and the files at
        ``head``, as a batch ending with the mark ``watermark``. The whole history is
        read again (two git processes; intervals still open at the old head may close),
        and each replaces the repository's rows, so a kill at any point is mended by the
        next run. Also returns what could not be read in the head's owner files. Reads
        git only, never the store: it runs on a thread beside the main log. ``known``:
        the owner files the history changed (:meth:`_owner_paths`), None to walk the
        owner globs; either way the paths are kept for the next run."""
        versions = list(fetch_owner_file_versions(path, head, paths=known))
        kept = known if known is not None else sorted({v.path for v in versions})
        owners = owner_files.owner_intervals(
            ((v.committed_at, v.path, v.text) for v in versions), repo=repo
        )
        if self.teams:
            owners = owner_files.expand_teams(
                owners, owner_files.team_lookup(self.teams, repo.split("/")[0])
            )
        files, attributes = parse_tree(_git(path, "ls-tree", "-r", "-z", head))
        texts = _read_blobs(path, list(attributes.values()))
        gitattributes = {p: _text(texts[sha]) for p, sha in attributes.items() if sha in texts}
        batch = Batch(
            scope=repo,
            named_owners={repo: named_owner_rows(owners, versions)},
            owner_pairings={
                repo: owner_files.owner_pairings((v.committed_at, v.path, v.text) for v in versions)
            },
            head_files={repo: files},
            # Every time, even empty: a .gitattributes removed at this head is gone.
            meta={
                GITATTRIBUTES_META + repo: json.dumps(gitattributes, sort_keys=True),
                OWNER_PATHS_META + repo: json.dumps(kept),
            },
            marks=[Mark(repo, OWNERS_RESOURCE, watermark)],
        )
        at_head = {v.path: v.text for v in versions}  # oldest first: the last one stands
        notes = tuple(
            owner_files.owner_file_notes({p: t for p, t in at_head.items() if t is not None})
        )
        return batch, notes


def named_owner_rows(owners, versions) -> list[dict]:
    """The store's rows for ``owners``, each with the line its pattern stands on in the
    newest version of a CODEOWNERS file (GitHub: the last matching line wins); an
    OWNERS directory stands deeper the more slashes it has."""
    latest = {v.path: v.text for v in versions}
    lines: dict[tuple[str, str], int] = {}
    for source, text in latest.items():
        if text and owner_files.owner_file_kind(source) is owner_files.OwnerFileKind.CODEOWNERS:
            for rule in owner_files.parse_codeowners(text):
                lines[(source, rule.pattern)] = rule.line
    return [
        {
            "source": o.source,
            "owner": o.owner,
            "pattern": o.pattern,
            "role": o.role,
            "since": o.since,
            "kind": str(o.kind),
            "until": o.until,
            "line": lines.get((o.source, o.pattern), o.pattern.count("/")),
        }
        for o in owners
    ]


class BranchAuthors:
    """Who wrote the branches that "Merge pull request #N from LOGIN/branch" merged.

    GitHub's merge commits name the pull request's author by login, and the branch they
    merge holds that author's commits under whatever name and e-mail their git used.
    A branch is walked from the merge's second parent along first parents until the
    mainline (the first-parent chain from the head) or :attr:`LIMIT` commits; its
    non-merge commits are votes for (login, git identity). A login and an identity are
    linked (``pr_branch`` evidence) when the identity wrote at least :attr:`SHARE` of
    the login's branch commits and the login holds at least :attr:`SHARE` of the
    identity's: a co-author's or a rebased-in commit does not tip it, and nor does one
    person's branch pushed by another. Branches of the repository's own owner (a
    branch in the same repository) name no one, but count in their authors' share.
    Resolution keeps these links from joining two GitHub accounts
    (:func:`talent.people.identity.resolve_people`).
    """

    LIMIT = 250
    SHARE = 0.6

    def __init__(self, owner: str = ""):
        self.owner = owner.lower()
        self.commits: dict[str, tuple[tuple[str, ...], str, str | None]] = {}

    def add(self, commit: RawCommit) -> None:
        match = _PR_MERGE.match(commit.subject) if len(commit.parents) > 1 else None
        login = match.group(2) if match else None
        author = Identity(IdentitySource.GIT, name=commit.author_name, email=commit.author_email)
        self.commits[commit.sha] = (tuple(commit.parents), author.key, login)

    def votes(self, head: str) -> dict[tuple[str, str], int]:
        """(login, git identity key) -> branch commits, over the commits added; login "" for
        the branches of the repository's own owner."""
        mainline: set[str] = set()
        sha: str | None = head
        while sha in self.commits and sha not in mainline:
            mainline.add(sha)
            parents = self.commits[sha][0]
            sha = parents[0] if parents else None
        counts: dict[tuple[str, str], int] = {}
        for parents, _author, login in self.commits.values():
            if not login:
                continue
            if login.lower() == self.owner:
                # The owner's own branches name no one (login ""), but their commits
                # still count among their authors' branch work: a maintainer whose own
                # pull requests come from the main repository is not whoever else's
                # branch they once pushed to.
                login = ""
            sha, steps, seen = parents[1], 0, set()
            while sha in self.commits and sha not in mainline and sha not in seen:
                seen.add(sha)
                branch_parents, author, _ = self.commits[sha]
                if len(branch_parents) == 1:
                    pair = (login.lower(), author)
                    counts[pair] = counts.get(pair, 0) + 1
                steps += 1
                if steps >= self.LIMIT or not branch_parents:
                    break
                sha = branch_parents[0]
        return counts

    def evidence(self, head: str) -> list[IdentityEvidence]:
        counts = self.votes(head)
        by_login: dict[str, int] = {}
        by_author: dict[str, int] = {}
        for (login, author), n in counts.items():
            by_login[login] = by_login.get(login, 0) + n
            by_author[author] = by_author.get(author, 0) + n
        out = []
        for (login, author), n in sorted(counts.items()):
            if not login:
                continue
            if n >= self.SHARE * by_login[login] and n >= self.SHARE * by_author[author]:
                account = Identity(IdentitySource.GITHUB, login=login)
                out.append(IdentityEvidence(author, account.key, "pr_branch", 0.8))
        return out
