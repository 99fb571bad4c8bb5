"""Mine a local git repository: one streamed ``git log`` per repository.

``git log -z --numstat`` with a NUL-separated format is read and parsed while git
runs; there is never one process per commit. The format carries the sha, parents,
author and committer (raw and as ``.mailmap`` maps them), dates, subject and trailers.

Damaged histories (partial clones made with ``--filter=blob:none`` whose remote is
gone, copies that lost a few blobs) make ``git log --numstat`` stop with ``fatal:
unable to read <sha>``. The miner then finishes the remaining commits without reading
any missing blob: files whose blobs are gone count with unknown lines.

Verbs: ``fetch_*`` runs git and yields records, ``parse_*`` is pure; :class:`GitSource`
turns them into batches for :mod:`talent.sync` (it never touches the store;
:func:`talent.mining.mine_git` is the one-call form).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

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
from talent.sources.owners import (
    OWNER_PATHSPECS,
    OwnerFileKind,
    expand_teams,
    owner_file_kind,
    owner_file_notes,
    owner_intervals,
    owner_pairings,
    parse_codeowners,
    team_lookup,
)

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
]
LOG_FORMAT = "%x1e" + "%x00".join(_FIELDS) + "%x00"
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
# The first commits of the history mined under a name: another repository given the same
# name (two clones in folders both called "repo") is refused instead of mixed in.
_ROOTS_RESOURCE = "git:roots"
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


def _text(raw: bytes) -> str:
    # Names and messages are bytes in git; most are UTF-8, old ones often Latin-1.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _count(raw: bytes) -> int | None:
    return None if raw == b"-" else int(raw)


def parse_log(tokens: Iterable[bytes]) -> Iterator[RawCommit]:
    """Parse the NUL-separated tokens of ``git log -z --numstat --format=LOG_FORMAT``.

    Pure: the same tokens give the same commits. A commit is yielded once the next
    one starts (or the tokens end), so a caller can hold back a partial last commit.
    """
    it = iter(tokens)
    current: RawCommit | None = None
    for token in it:
        if token.startswith(b"\x1e"):
            if current is not None:
                yield current
            values = [token[1:]] + [next(it, b"") for _ in range(_N_FIELDS - 1)]
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


def _pump(stream, put: Callable[[bytes | None], None]) -> None:
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        put(chunk)
    put(None)


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
        raise GitError(_first_line(proc.stderr) or f"git {args[0]} failed")
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
    proc = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--git-dir"], capture_output=True, env=_git_env()
    )
    if proc.returncode != 0:
        raise GitError(f"{path}: not a git repository")
    head = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--verify", "-q", f"{rev}^{{commit}}"],
        capture_output=True,
        env=_git_env(),
    )
    if head.returncode != 0 and rev != "HEAD":
        raise GitError(f"{path}: no commit {rev!r} here (a branch, tag or commit sha)")
    if head.returncode != 0:
        raise GitError(f"{path}: the repository has no commits yet")
    return _text(head.stdout).strip()


def count_commits(path: Path, revs: list[str]) -> int:
    return int(_git(path, "rev-list", "--count", *revs).strip() or 0)


def fetch_git_log(
    path: Path, revs: list[str], on_missing: Callable[[int], None] | None = None
) -> Iterator[RawCommit]:
    """Yield every commit of ``revs`` (newest first) with its per-file line counts.

    If git stops on a missing object, the commits it had not finished are mined
    without reading missing blobs; ``on_missing`` is told how many files were affected.
    """
    command = [
        "git",
        "-C",
        str(path),
        *_LOG_OPTIONS,
        "log",
        "-z",
        "--numstat",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        f"--format={LOG_FORMAT}",
        *revs,
        "--",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_git_env())
    # Pipes are drained by threads so git never waits for us: parsing and saving run on
    # the other core while git computes diffs.
    chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    errors: list[bytes] = []
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, chunks.put), daemon=True),
        threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True),
    ]
    for reader in readers:
        reader.start()
    done: set[str] = set()
    held: RawCommit | None = None
    try:
        for commit in parse_log(_split_tokens(iter(chunks.get, None))):
            if held is not None:
                done.add(held.sha)
                yield held
            held = commit
        code = proc.wait()
        for reader in readers:
            reader.join()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = b"".join(errors)
    if code == 0:
        if held is not None:
            yield held
        return
    message = _first_line(stderr)
    if "unable to read" not in message and "missing" not in message:
        raise GitError(f"git log failed: {message}")
    # The last commit seen may be cut short: mine it again with everything left.
    yield from _finish_without_missing(path, revs, done, on_missing)


def _finish_without_missing(
    path: Path, revs: list[str], done: set[str], on_missing: Callable[[int], None] | None
) -> Iterator[RawCommit]:
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
            f"--format={LOG_FORMAT}",
            input=("\n".join(good) + "\n").encode(),
        )
        yield from parse_log(_split_tokens([out]))
    if not bad:
        return
    headers = _git(
        path,
        *_LOG_OPTIONS,
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "-z",
        f"--format={LOG_FORMAT}",
        input=("\n".join(bad) + "\n").encode(),
    )
    affected = 0
    for commit in parse_log(_split_tokens([headers])):
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
    path: Path, head: str = "HEAD", on_missing: Callable[[int], None] | None = None
) -> Iterator[OwnerFileVersion]:
    """Every version of every owner file (CODEOWNERS, OWNERS, OWNERS_ALIASES, people
    lists) reachable from ``head``, oldest first.

    One ``git log --raw`` over the owner-file pathspecs gives each change and its new
    blob id, then one ``git cat-file --batch`` reads every distinct blob: two
    processes per repository, whatever the number of versions. ``--raw`` rather than
    ``--name-status`` because it carries the blob ids, so no lookup per version is
    needed. Renames are seen as a deletion and an addition (``--no-renames``);
    owner_intervals treats that pair as a move. Versions whose blob is missing are
    skipped and counted through ``on_missing``.
    """
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
        *OWNER_PATHSPECS,
    )
    # git prints newest first; a commit's files stay in git's (path) order.
    changes = [c for c in parse_owner_file_log(raw) if owner_file_kind(c[2]) is not None]
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
        kind = _TRAILER_KINDS.get(key.strip().lower()) if sep else None
        person = parse_person(value) if kind else None
        if kind is None or person is None:
            continue
        name, email = person
        if email.lower() == commit.author_email.lower():
            # Signing off one's own work is no act, but the name written there may be
            # fuller than the commit's ("Ada" signing as "Ada Lovelace"): kept as an
            # identity of the same address, for resolution to show.
            if name.strip() and name != commit.author_name:
                _identity(batch, name, email)
            continue
        if (kind, email.lower()) in seen:
            continue
        seen.add((kind, email.lower()))
        ident = _identity(batch, name, email)
        batch.activities.append(
            Activity(
                key=f"{kind}:{repo}:{commit.sha}:{ident.key}",
                repo=repo,
                kind=kind,
                actor=ident.key,
                occurred_at=authored,
                counterpart=author.key,
                item=commit.sha,
                title=commit.subject,
                url=url,
                pr_number=pr,
            )
        )


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
    """Local git repositories, each read with one streamed ``git log`` up to ``rev``
    (HEAD), then who its owner files named over their history.

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
    ):
        self.paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
        if name and len(self.paths) > 1:
            raise ValueError("name names one repository; give a single path with it")
        self.repo = name
        self.full = full
        self.teams = teams
        self.rev = rev
        self.results: list[MineResult] = []

    def read(self, state: SourceState) -> Iterator[Item]:
        for path in self.paths:
            try:
                head = check_repository(path, self.rev)
                repo, web_url = repo_name(path)
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
        roots = " ".join(sorted(_text(_git(path, "rev-list", "--max-parents=0", head)).split()))
        stored_roots, _ = state.mark(repo, _ROOTS_RESOURCE)
        # The same history under a second name would count every act twice.
        elsewhere = [r for r in state.scopes_marked(_ROOTS_RESOURCE, roots) if r != repo]
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
        if previous and not self.full:
            if previous == head:
                owners, notes = self._owners(path, repo, head, state, force=False)
                if owners.marks:  # not stored yet for this head and these teams
                    yield owners
                self.results.append(MineResult(repo, 0, 0, 0, True, owner_notes=notes))
                return
            if _has_commit(path, previous):
                revs = [head, "--not", previous]
                incremental = True
        total = count_commits(path, revs)

        unknown_files = 0

        def note_missing(count: int) -> None:
            nonlocal unknown_files
            unknown_files += count

        batch = Batch(scope=repo, repos=[Repo(repo, Origin.GIT, url=web_url)])
        seen_keys: set[str] = set()
        commits = 0
        activities = 0
        branches = BranchAuthors(owner=repo.split("/")[0])
        for commit in fetch_git_log(path, revs, note_missing):
            parse_commit(commit, repo, web_url, batch)
            branches.add(commit)
            commits += 1
            if commits % _BATCH_COMMITS == 0:
                activities += len(batch)
                if self.full:
                    seen_keys.update(a.key for a in batch.activities)
                yield batch
                batch = Batch(scope=repo)
            if commits % 200 == 0 or commits == total:
                yield Progress(repo, commits, total)
        batch.evidence.extend(branches.evidence(head))
        activities += len(batch)
        if self.full:
            seen_keys.update(a.key for a in batch.activities)
        yield batch
        yield Progress(repo, commits, max(total, commits))
        if self.full:
            kinds = tuple(str(k) for k in GIT_KINDS)
            yield StaleRows(scope=repo, repo=repo, kinds=kinds, keep=frozenset(seen_keys))
        owners, notes = self._owners(path, repo, head, state, force=self.full)
        # Last, and only now: the head these rows cover.
        owners.marks += [Mark(repo, _ROOTS_RESOURCE, roots), Mark(repo, _SYNC_RESOURCE, head)]
        yield owners
        self.results.append(
            MineResult(repo, commits, activities, unknown_files, incremental, 0, notes)
        )

    def _owners(
        self, path: Path, repo: str, head: str, state: SourceState, *, force: bool
    ) -> tuple[Batch, tuple[str, ...]]:
        """Who the owner files name over their whole history, and the files at
        ``head``, unless already stored for this head and these teams (then an empty
        batch). The whole history is read again (two git processes; intervals still open
        at the old head may close), and each replaces the repository's rows, so a kill at
        any point is mended by the next run. Also returns what could not be read in the
        head's owner files (nothing when the store was already up to date)."""
        watermark = f"{head} reading:{OWNERS_READING}"
        if self.teams:
            listed = json.dumps(sorted((k.lower(), sorted(v)) for k, v in self.teams.items()))
            watermark += " teams:" + hashlib.sha1(listed.encode()).hexdigest()[:12]
        done, _ = state.mark(repo, OWNERS_RESOURCE)
        if done == watermark and not force:
            return Batch(scope=repo), ()
        versions = list(fetch_owner_file_versions(path, head))
        owners = owner_intervals(((v.committed_at, v.path, v.text) for v in versions), repo=repo)
        if self.teams:
            owners = expand_teams(owners, team_lookup(self.teams, repo.split("/")[0]))
        files, attributes = parse_tree(_git(path, "ls-tree", "-r", "-z", head))
        texts = _read_blobs(path, list(attributes.values()))
        gitattributes = {p: _text(texts[sha]) for p, sha in attributes.items() if sha in texts}
        batch = Batch(
            scope=repo,
            named_owners={repo: named_owner_rows(owners, versions)},
            owner_pairings={
                repo: owner_pairings((v.committed_at, v.path, v.text) for v in versions)
            },
            head_files={repo: files},
            # Every time, even empty: a .gitattributes removed at this head is gone.
            meta={GITATTRIBUTES_META + repo: json.dumps(gitattributes, sort_keys=True)},
            marks=[Mark(repo, OWNERS_RESOURCE, watermark)],
        )
        at_head = {v.path: v.text for v in versions}  # oldest first: the last one stands
        notes = tuple(owner_file_notes({p: t for p, t in at_head.items() if t is not None}))
        return batch, notes


def named_owner_rows(owners, versions) -> list[dict]:
    """The store's rows for ``owners``, each with the line its pattern stands on in the
    newest version of a CODEOWNERS file (GitHub: the last matching line wins); an
    OWNERS directory stands deeper the more slashes it has."""
    latest = {v.path: v.text for v in versions}
    lines: dict[tuple[str, str], int] = {}
    for source, text in latest.items():
        if text and owner_file_kind(source) is OwnerFileKind.CODEOWNERS:
            for rule in parse_codeowners(text):
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
    (:func:`talent.identity.resolve_people`).
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
