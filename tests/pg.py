"""A private PostgreSQL server for the tests: Debian's binaries, a throwaway cluster.

The cluster lives in a temporary folder, listens on a Unix socket there and on no TCP
port, trusts local connections, and is stopped and removed when the session ends. Each
test gets a database of its own (``new_database``). When PostgreSQL or the driver is
missing the PostgreSQL variants of the tests are skipped with the reason, unless
``TALENT_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_REQUIRED = os.environ.get("TALENT_REQUIRE_POSTGRES") == "1"
_numbers = itertools.count(1)
# A language's collation (ICU en-US), as a team's server would have, so that anything
# that sorts text differently from SQLite's code-point order shows in the tests.
_INITDB = "--auth=trust -E UTF8 --no-sync --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US"


def unavailable(reason: str):
    """Skip, or fail where PostgreSQL is required (CI)."""
    if _REQUIRED:
        pytest.fail(f"PostgreSQL is required (TALENT_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(reason)


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(versions[-1]).parent if versions else None


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class Server:
    """One running cluster; ``url(db)`` gives a SQLAlchemy URL for a database in it."""

    def __init__(self) -> None:
        bindir = _bindir()
        if bindir is None:
            unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        try:
            import psycopg  # noqa: F401
        except ImportError:
            unavailable("the psycopg driver is not installed (pip install 'talent[postgres]')")
        self.bindir = bindir
        self.templates: dict[str, str] = {}  # database -> the template it was copied from
        self.root = Path(tempfile.mkdtemp(prefix="talent-pg-"))
        self.data = self.root / "data"
        # initdb refuses to run as root: as root, the cluster belongs to 'postgres'.
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        options = (
            f"-k {self.root} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        try:
            self._run("initdb", *f"-D {self.data} -U postgres {_INITDB}".split())
            log = str(self.root / "server.log")
            self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", log, "start")
        except subprocess.CalledProcessError as exc:
            log = self.root / "server.log"
            tail = log.read_text()[-800:] if log.exists() else ""
            shutil.rmtree(self.root, ignore_errors=True)
            unavailable(f"PostgreSQL did not start: {exc.stderr.strip()[-400:]} {tail}")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bindir / tool), *args],
            check=True,
            capture_output=True,
            text=True,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}"

    def new_database(self, template: str = "template1") -> str:
        """Create a database (empty, or a copy of ``template``) and return its URL."""
        from sqlalchemy import create_engine, text

        name = f"t{os.getpid()}_{next(_numbers)}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
