"""A team database: the same input gives the same store and ranking on SQLite and on
PostgreSQL, writers and readers at once lose nothing, and a database that cannot be
reached is one line that says what to do.

PostgreSQL is a private server that ``tests/pg.py`` starts (Debian's binaries); most
other tests run on both backends through the ``store``, ``demo_store`` and ``db_url``
fixtures of ``conftest.py``.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from gitrepos import GitRepo, fast_import_stream, git_env
from typer.testing import CliRunner

from talent.cli import app
from talent.config import Settings
from talent.ranking.scoring import rank_store
from talent.store import count_rows, dump_tables, load_activities, open_store

COMMITS = 1_500  # per repository; a miner writes in batches, so the writes interleave


def _talent(*args: str) -> list[str]:
    return [sys.executable, "-m", "talent.cli", *args]


def _demo(url: str) -> None:
    result = CliRunner().invoke(app, ["demo", "--db", url, "--size", "small"])
    assert result.exit_code == 0, result.output


def test_the_same_input_gives_the_same_store_and_ranking(pg_server, tmp_path):
    lite, pg = f"sqlite:///{tmp_path / 'demo.db'}", pg_server.new_database()
    for url in (lite, pg):
        _demo(url)
    one, other = open_store(lite), open_store(pg)
    try:
        lite_tables, pg_tables = dump_tables(one), dump_tables(other)
        assert lite_tables.keys() == pg_tables.keys()
        for name in lite_tables:
            assert lite_tables[name] == pg_tables[name], name
        assert len(lite_tables["activities"]) > 10_000 and len(lite_tables["people"]) > 100
    finally:
        one.dispose()
        other.dispose()
    runner = CliRunner()
    for args in (
        ["rank", "--top", "0", "--format", "json", "--explain"],
        ["rank", "--top", "0", "--format", "csv", "--profile", "recruiter"],
        ["rank", "--top", "50", "--skill", "cuda kernels"],
        ["maintainers", "--format", "json"],
    ):
        outputs = [runner.invoke(app, [*args, "--db", url]) for url in (lite, pg)]
        for result in outputs:
            assert result.exit_code == 0, result.output
        assert outputs[0].stdout == outputs[1].stdout, args
        assert len(outputs[0].stdout) > 1_000


def _repos(tmp_path, n: int) -> list[GitRepo]:
    repos = []
    for i in range(n):
        repo = GitRepo.init(tmp_path / f"r{i}.git", tmp_path, bare=True)
        repo.git("fast-import", "--quiet", input=fast_import_stream(COMMITS, subject=f"R{i}"))
        repos.append(repo)
    return repos


def _mine(url: str, repo: GitRepo, name: str, home) -> subprocess.Popen:
    return subprocess.Popen(
        _talent("mine", "git", str(repo.path), "--name", name, "--db", url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=git_env(home),
    )


def test_two_miners_of_different_repositories_at_once_lose_nothing(db_url, tmp_path, request):
    repos = _repos(tmp_path, 2)
    open_store(db_url).dispose()  # both miners find the schema made
    miners = [_mine(db_url, repo, f"acme/r{i}", tmp_path) for i, repo in enumerate(repos)]
    for miner in miners:
        _out, err = miner.communicate(timeout=300)
        assert miner.returncode == 0, err
    # The same two repositories mined one after the other, into a database of its own.
    if db_url.startswith("postgresql"):
        alone = request.getfixturevalue("pg_server").new_database()
    else:
        alone = f"sqlite:///{tmp_path / 'alone.db'}"
    for i, repo in enumerate(repos):
        miner = _mine(alone, repo, f"acme/r{i}", tmp_path)
        _out, err = miner.communicate(timeout=300)
        assert miner.returncode == 0, err
    together, apart = open_store(db_url), open_store(alone)
    try:
        acts = load_activities(together)
        assert acts.groupby("repo").size().to_dict() == {
            "acme/r0": COMMITS + COMMITS // 5,
            "acme/r1": COMMITS + COMMITS // 5,
        }
        assert dump_tables(together) == dump_tables(apart)
    finally:
        together.dispose()
        apart.dispose()


def test_the_app_reads_while_a_miner_writes(db_url, tmp_path):
    _demo(db_url)
    (repo,) = _repos(tmp_path, 1)
    engine = open_store(db_url)
    try:
        before = count_rows(engine, "activities")
        miner = _mine(db_url, repo, "acme/r0", tmp_path)
        reads = 0
        while miner.poll() is None or reads == 0:
            # What a page of the app does: rank the whole store.
            ranking = rank_store(engine, Settings(db_url=db_url), affiliations=())
            assert len(ranking) > 100
            reads += 1
            time.sleep(0.05)
        _out, err = miner.communicate(timeout=300)
        assert miner.returncode == 0, err
        assert count_rows(engine, "activities") == before + COMMITS + COMMITS // 5
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://talent@/talent?host=/nonexistent-socket-dir",
        "postgresql+psycopg://talent:s3cret@127.0.0.1:1/talent",
    ],
)
def test_an_unreachable_server_is_one_line(url):
    result = CliRunner().invoke(app, ["rank", "--db", url])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    assert "--db" in lines[0]
    assert "s3cret" not in result.output  # a password in the URL is never shown


def test_a_missing_driver_says_what_to_install():
    result = CliRunner().invoke(app, ["rank", "--db", "postgresql+nosuchdriver://u@h/db"])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert result.output.startswith("error: ")


def test_two_writers_of_the_same_meta_key_at_once_both_succeed(pg_server):
    """Every write bumps the data version: two miners' transactions both write that key.
    The second waits for the first and then overwrites it, rather than failing on the
    key (as a delete then an insert did: each deleted nothing, both inserted)."""
    import threading

    from talent.store import _set_meta, get_meta

    engine = open_store(pg_server.new_database())
    errors: list[BaseException] = []
    try:
        with engine.begin() as first:
            _set_meta(first, "race", "first")

            def second() -> None:
                try:
                    with engine.begin() as conn:
                        _set_meta(conn, "race", "second")
                except BaseException as exc:  # the test reports it
                    errors.append(exc)

            writer = threading.Thread(target=second)
            writer.start()
            writer.join(timeout=1.0)
            assert writer.is_alive(), "the second writer waits for the first's commit"
        writer.join(timeout=30)
        assert not writer.is_alive()
        assert errors == []
        assert get_meta(engine, "race") == "second"
    finally:
        engine.dispose()
