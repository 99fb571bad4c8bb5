"""Real git repositories for tests, built in ``tmp_path`` with fixed identities and dates.

Every git process gets the environment of :func:`git_env`: ``HOME`` points into the
test's folder and the system configuration is off, so nothing on the machine running
the tests (a global ``.gitconfig``, a system ``mailmap.file``) changes what git writes.
Author and committer (name, email, date) are set per commit, so object ids are the
same on every run.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

# 2023-11-14T22:13:20Z. Commit n of a history is dated EPOCH + n days.
EPOCH = 1_700_000_000
DAY = 86_400


def at(day: int, hours: int = 0) -> int:
    """A fixed unix time: ``day`` days and ``hours`` hours after EPOCH."""
    return EPOCH + day * DAY + hours * 3600


@dataclass(frozen=True)
class Who:
    """A git identity. ``name`` may be bytes, for names that are not UTF-8."""

    name: str | bytes
    email: str

    def raw(self) -> bytes:
        name = self.name if isinstance(self.name, bytes) else self.name.encode()
        return name + b" <" + self.email.encode() + b">"


def git_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for every git process: no global or system configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig-none"),
        LC_ALL="C",
        TZ="UTC",
    )
    env.update(extra or {})
    return env


def _env_text(value: str | bytes) -> str:
    # Bytes (a Latin-1 name) travel through os.fsdecode's surrogate escapes, so git
    # receives exactly those bytes.
    return os.fsdecode(value) if isinstance(value, bytes) else value


def run_git(cwd: Path, home: Path, *args: str, input: bytes | None = None, env=None) -> bytes:
    """Run git in ``cwd``; raise with git's stderr if it fails; return stdout."""
    proc = subprocess.run(
        ["git", "-c", "user.name=Test Runner", "-c", "user.email=runner@example.org", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        env=git_env(home, env),
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


class GitRepo:
    """A repository (work tree or bare) under a test's folder."""

    def __init__(self, path: Path, home: Path):
        self.path = path
        self.home = home

    @classmethod
    def init(cls, path: Path, home: Path | None = None, *, bare: bool = False) -> GitRepo:
        home = home or path.parent
        path.mkdir(parents=True, exist_ok=True)
        run_git(path, home, "init", "-q", "-b", "main", *(["--bare"] if bare else []))
        return cls(path, home)

    def git(self, *args: str, input: bytes | None = None, env=None) -> bytes:
        return run_git(self.path, self.home, *args, input=input, env=env)

    def text(self, *args: str) -> str:
        return self.git(*args).decode().strip()

    def rev(self, spec: str = "HEAD") -> str:
        return self.text("rev-parse", "--verify", spec)

    def write(self, relpath: str | bytes, content: str | bytes | None) -> None:
        """Write a file of the work tree (``None`` deletes it)."""
        full = self.path / os.fsdecode(relpath)
        if content is None:
            full.unlink()
            return
        full.parent.mkdir(parents=True, exist_ok=True)
        full.write_bytes(content.encode() if isinstance(content, str) else content)

    def _identity_env(
        self, author: Who, committer: Who | None, when: int, committed: int | None
    ) -> dict[str, str]:
        committer = committer or author
        return {
            "GIT_AUTHOR_NAME": _env_text(author.name),
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_AUTHOR_DATE": f"@{when} +0000",
            "GIT_COMMITTER_NAME": _env_text(committer.name),
            "GIT_COMMITTER_EMAIL": committer.email,
            "GIT_COMMITTER_DATE": f"@{committed if committed is not None else when} +0000",
        }

    def commit(
        self,
        message: str | bytes,
        *,
        author: Who,
        when: int,
        committer: Who | None = None,
        committed: int | None = None,
        files: dict[str | bytes, str | bytes | None] | None = None,
        config: tuple[str, ...] = (),
    ) -> str:
        """Write ``files`` (``None`` deletes one), stage everything and commit; return
        the new sha.

        ``message`` is recorded byte for byte (``--cleanup=verbatim``); ``config`` adds
        ``-c key=value`` options to the commit command.
        """
        for relpath, content in (files or {}).items():
            self.write(relpath, content)
        self.git("add", "-A")
        raw = message.encode() if isinstance(message, str) else message
        options = [item for pair in config for item in ("-c", pair)]
        self.git(
            *options,
            "commit",
            "-q",
            "--allow-empty",
            "--cleanup=verbatim",
            "-F",
            "-",
            input=raw,
            env=self._identity_env(author, committer, when, committed),
        )
        return self.rev()

    def commit_raw(self, message: bytes, *, author: Who, when: int) -> str:
        """Commit the staged tree with a commit object written byte for byte (no
        ``encoding`` header): how old tools recorded Latin-1 names and messages."""
        self.git("add", "-A")
        tree = self.text("write-tree")
        parent = self.rev()
        body = (
            f"tree {tree}\nparent {parent}\n".encode()
            + b"author "
            + author.raw()
            + f" {when} +0000\n".encode()
            + b"committer "
            + author.raw()
            + f" {when} +0000\n\n".encode()
            + message
        )
        sha = self.git("hash-object", "-t", "commit", "-w", "--stdin", input=body).decode().strip()
        self.git("update-ref", "HEAD", sha)
        return sha

    def merge(
        self, branch: str, message: str, *, author: Who, when: int, committed: int | None = None
    ) -> str:
        self.git(
            "merge",
            "-q",
            "--no-ff",
            "--no-edit",
            "-m",
            message,
            branch,
            env=self._identity_env(author, None, when, committed),
        )
        return self.rev()

    def log_shas(self, *revs: str) -> list[str]:
        return self.text("rev-list", *(revs or ("HEAD",))).split()


def fast_import_stream(
    n_commits: int, *, people: int = 25, files: int = 40, subject: str = "Change"
) -> bytes:
    """A ``git fast-import`` stream of a linear history of ``n_commits`` commits on main.

    Commit i is by person i % people, dated EPOCH + i minutes, and rewrites one line of
    one of ``files`` small files (so every commit has a one-file, +1 -1 change after
    the file exists); every fifth commit carries a Signed-off-by trailer of the next
    person. Deterministic: the same arguments give the same stream; another ``subject``
    gives another history.
    """
    out: list[bytes] = []

    def data(raw: bytes) -> None:
        out.append(b"data %d\n" % len(raw) + raw + b"\n")

    for i in range(n_commits):
        who = i % people
        name = f"Person {who:02d} Example".encode()
        email = f"person{who:02d}@example.org".encode()
        stamp = b"%d +0000" % (EPOCH + 60 * i)
        out.append(b"commit refs/heads/main\n")
        out.append(b"mark :%d\n" % (i + 1))
        out.append(b"author " + name + b" <" + email + b"> " + stamp + b"\n")
        out.append(b"committer " + name + b" <" + email + b"> " + stamp + b"\n")
        message = b"%s %d\n" % (subject.encode(), i)
        if i % 5 == 0:
            other = (who + 1) % people
            message += b"\nSigned-off-by: Person %02d Example <person%02d@example.org>\n" % (
                other,
                other,
            )
        data(message)
        if i:
            out.append(b"from :%d\n" % i)
        path = b"src/file%02d.txt" % (i % files)
        content = b"".join(
            b"line %d of %s: %d\n" % (k, path, i if k == i % 5 else 0) for k in range(5)
        )
        out.append(b"M 100644 inline " + path + b"\n")
        data(content)
    return b"".join(out)


def isolate(monkeypatch, home: Path) -> None:
    """Give this process (and so the miner's own git processes) the environment of
    :func:`git_env`, and stop git looking for a repository above ``home``."""
    for key in [k for k in os.environ if k.startswith("GIT_")]:
        monkeypatch.delenv(key)
    for key, value in git_env(home).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(home))
